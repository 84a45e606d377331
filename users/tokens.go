package users

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pregonero"
)

// Limits of API tokens.
const (
	// MaxTokenNameLength caps a token's name, in characters.
	MaxTokenNameLength = 100
	// MaxTokensPerUser caps the tokens one user may hold at once.
	MaxTokensPerUser = 50
)

// CreateToken makes an API token for a user, named for the person's own
// use ("cli on my laptop"). The token is returned this once; the store
// keeps its SHA-256 (the record's id). The user themself or an admin may.
func (s *Service) CreateToken(ctx context.Context, userID, name string) (token string, t *pregonero.APIToken, err error) {
	if err := requireSelfOrAdmin(ctx, userID); err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", nil, pregonero.Invalid([]pregonero.FieldError{{Field: "name", Code: pregonero.FieldRequired,
			Message: "Name the token, so that you know later where it is used."}})
	case n > MaxTokenNameLength:
		return "", nil, pregonero.Invalid([]pregonero.FieldError{{Field: "name", Code: pregonero.FieldTooLong, Limit: MaxTokenNameLength, Actual: n,
			Message: fmt.Sprintf("The name has %d characters; the limit is %d.", n, MaxTokenNameLength)}})
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "", nil, pregonero.Invalid([]pregonero.FieldError{{Field: "name", Code: pregonero.FieldInvalid,
			Message: "The name has a control character or invalid UTF-8."}})
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	have, err := s.store.APITokens(ctx, userID)
	if err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	if len(have) >= MaxTokensPerUser {
		return "", nil, pregonero.Errorf(pregonero.ECONFLICT, "%s already has %d API tokens, the limit: revoke one first.", u.Username, len(have))
	}
	token = TokenPrefix + newSecret()
	t = &pregonero.APIToken{ID: hashID(token), UserID: userID, Name: name, Created: s.now().UTC()}
	if err := s.store.PutAPIToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	s.logger.InfoContext(ctx, "API token created", pregonero.LogUser, u.Username)
	return token, t, nil
}

// Tokens lists a user's API tokens, oldest first, without the tokens
// themselves. The user themself or an admin may.
func (s *Service) Tokens(ctx context.Context, userID string) ([]*pregonero.APIToken, error) {
	if err := requireSelfOrAdmin(ctx, userID); err != nil {
		return nil, err
	}
	if _, err := s.store.User(ctx, userID); err != nil {
		return nil, err
	}
	return s.store.APITokens(ctx, userID)
}

// RevokeToken deletes one of a user's API tokens: it is refused from then
// on. A token that is not the user's is ENOTFOUND. The user themself or
// an admin may.
func (s *Service) RevokeToken(ctx context.Context, userID, id string) error {
	if err := requireSelfOrAdmin(ctx, userID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.store.APIToken(ctx, id)
	if err == nil && t.UserID != userID {
		err = pregonero.Errorf(pregonero.ENOTFOUND, "user %s has no API token %s", userID, id)
	}
	if err != nil {
		return err
	}
	if err := s.store.DeleteAPIToken(ctx, id); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// invalidToken is the answer to a token that is not, or no longer, valid.
func invalidToken() error {
	return pregonero.Errorf(pregonero.EUNAUTHORIZED, "The API token is not valid.")
}

// TokenUser returns the user an API token acts as: EUNAUTHORIZED when
// the token is unknown (or revoked) or its user disabled. The token's
// LastUsed moves to now, written at most once a minute.
func (s *Service) TokenUser(ctx context.Context, token string) (*pregonero.User, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return nil, invalidToken()
	}
	id := hashID(token)
	t, err := s.store.APIToken(ctx, id)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return nil, invalidToken()
	} else if err != nil {
		return nil, fmt.Errorf("token user: %w", err)
	}
	u, err := s.store.User(ctx, t.UserID)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return nil, invalidToken()
	} else if err != nil {
		return nil, fmt.Errorf("token user: %w", err)
	}
	if u.Disabled {
		return nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "The user of this API token is disabled.")
	}
	now := s.now()
	if now.Sub(t.LastUsed) >= touchEvery {
		if err := s.touchToken(ctx, id, now); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// touchToken moves a token's LastUsed to now unless it was revoked
// meanwhile.
func (s *Service) touchToken(ctx context.Context, id string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.store.APIToken(ctx, id)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return invalidToken() // revoked meanwhile
	} else if err != nil {
		return fmt.Errorf("token user: %w", err)
	}
	if t.LastUsed.Before(now) {
		t.LastUsed = now.UTC()
		if err := s.store.PutAPIToken(ctx, t); err != nil {
			return fmt.Errorf("token user: %w", err)
		}
	}
	return nil
}

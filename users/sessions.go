package users

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
)

// wrongCredentials is the one answer to a wrong username or password, so
// that it does not tell which was wrong.
func wrongCredentials() error {
	return pregonero.Errorf(pregonero.EUNAUTHORIZED, "The username or the password is not right.")
}

// ThrottledError refuses a sign-in while its username and address wait
// after too many wrong passwords. Its code is ERATELIMITED; Until says
// when to try again.
type ThrottledError struct {
	Until time.Time
	err   *pregonero.Error
}

func (e *ThrottledError) Error() string { return e.err.Error() }

// Unwrap returns the application error, for pregonero.ErrorCode and
// errors.As.
func (e *ThrottledError) Unwrap() error { return e.err }

func throttled(until, now time.Time) error {
	secs := int(math.Ceil(until.Sub(now).Seconds()))
	return &ThrottledError{Until: until, err: pregonero.Errorf(pregonero.ERATELIMITED,
		"Too many wrong passwords in a row for this user from this address: try again in %d s (at %s).",
		secs, until.UTC().Format(time.RFC3339))}
}

// SignIn checks a password from addr and opens a session: the token goes
// in the cookie, the store keeps its hash. A wrong username or password
// is EUNAUTHORIZED with one message for both, and takes as long for an
// unknown user as for a known one. After ThrottleAfter wrong passwords in
// a row for that username from that address, every try waits (see
// ThrottleFirstWait): one during the wait is refused with a
// *ThrottledError (ERATELIMITED) without looking at the password, even a
// right one. A right password resets the count. A disabled user is
// refused like a wrong password.
func (s *Service) SignIn(ctx context.Context, username, password, addr string) (token string, sess *pregonero.Session, u *pregonero.User, err error) {
	key := throttleKey(username, addr)
	unlock := s.throttle.lock(key)
	defer unlock()
	now := s.now()
	if until, waiting := s.throttle.wait(key, now); waiting {
		return "", nil, nil, throttled(until, now)
	}
	u, err = s.store.UserByName(ctx, username)
	switch {
	case pregonero.ErrorCode(err) == pregonero.ENOTFOUND:
		u = nil
	case err != nil:
		return "", nil, nil, fmt.Errorf("sign in: %w", err)
	}
	var ok bool
	if u != nil && u.PasswordHash != "" {
		ok = matches(u.PasswordHash, password)
	} else {
		dummy, err := s.dummy()
		if err != nil {
			return "", nil, nil, fmt.Errorf("sign in: %w", err)
		}
		matches(dummy, password)
	}
	if !ok {
		if until := s.throttle.fail(key, now); !until.IsZero() {
			s.logger.WarnContext(ctx, "sign-in slowed after wrong passwords in a row", pregonero.LogUser, username,
				pregonero.LogAddr, addr, pregonero.LogUntil, until.UTC())
		}
		return "", nil, nil, wrongCredentials()
	}
	if u.Disabled {
		return "", nil, nil, wrongCredentials()
	}
	s.throttle.reset(key)
	token = newSecret()
	sess = &pregonero.Session{
		ID:       hashID(token),
		UserID:   u.ID,
		CSRF:     newSecret(),
		Address:  addr,
		Created:  now.UTC(),
		LastSeen: now.UTC(),
	}
	if err := s.store.PutSession(ctx, sess); err != nil {
		return "", nil, nil, fmt.Errorf("sign in: %w", err)
	}
	return token, sess, u, nil
}

// sessionEnded is the answer for a cookie whose session is unknown,
// expired or whose user may no longer sign in.
func sessionEnded() error {
	return pregonero.Errorf(pregonero.EUNAUTHORIZED, "The session has ended; sign in again.")
}

// Session returns the session and the user of a cookie's token. An
// unknown token, a session idle for longer than the idle timeout (which
// is deleted then) and a disabled user are EUNAUTHORIZED. The session's
// LastSeen is moved to now, written at most once a minute.
func (s *Service) Session(ctx context.Context, token string) (*pregonero.Session, *pregonero.User, error) {
	if token == "" {
		return nil, nil, sessionEnded()
	}
	id := hashID(token)
	sess, err := s.store.Session(ctx, id)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return nil, nil, sessionEnded()
	} else if err != nil {
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	now := s.now()
	if now.Sub(sess.LastSeen) > s.idle {
		if err := s.endSession(ctx, id); err != nil {
			return nil, nil, err
		}
		return nil, nil, sessionEnded()
	}
	u, err := s.store.User(ctx, sess.UserID)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		if err := s.endSession(ctx, id); err != nil {
			return nil, nil, err
		}
		return nil, nil, sessionEnded()
	} else if err != nil {
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	if u.Disabled {
		return nil, nil, sessionEnded()
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		touched, err := s.touchSession(ctx, id, now)
		if err != nil {
			return nil, nil, err
		}
		if touched == nil {
			return nil, nil, sessionEnded() // ended meanwhile
		}
		sess = touched
	}
	return sess, u, nil
}

// touchSession moves the session's LastSeen to now unless the session
// was ended meanwhile (nil then).
func (s *Service) touchSession(ctx context.Context, id string, now time.Time) (*pregonero.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.store.Session(ctx, id)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if sess.LastSeen.Before(now) {
		sess.LastSeen = now.UTC()
		if err := s.store.PutSession(ctx, sess); err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
	}
	return sess, nil
}

func (s *Service) endSession(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.store.DeleteSession(ctx, id); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// endUserSessions ends every session of a user but keep (a session id,
// or "" for none), which must be one of the user's to be kept.
func (s *Service) endUserSessions(ctx context.Context, userID, keep string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var kept *pregonero.Session
	if keep != "" {
		sess, err := s.store.Session(ctx, keep)
		switch {
		case err == nil && sess.UserID == userID:
			kept = sess
		case err != nil && pregonero.ErrorCode(err) != pregonero.ENOTFOUND:
			return fmt.Errorf("end sessions: %w", err)
		}
	}
	if err := s.store.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if kept != nil {
		if err := s.store.PutSession(ctx, kept); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
	}
	return nil
}

// SignOut ends the session of a cookie's token; an unknown or ended one
// is no error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.endSession(ctx, hashID(token))
}

// purgeBatch is how many sessions one write of PurgeSessions deletes.
const purgeBatch = 1000

// PurgeSessions deletes the sessions idle for longer than the idle
// timeout, which nobody came back to end; a periodic job calls it.
func (s *Service) PurgeSessions(ctx context.Context) (int, error) {
	total := 0
	for {
		s.mu.Lock()
		n, err := s.store.PurgeSessions(ctx, s.now().Add(-s.idle), purgeBatch)
		s.mu.Unlock()
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// checkPassword returns what is wrong with a new password for a user, as
// field errors of field.
func checkPassword(field, username, password string) []pregonero.FieldError {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return []pregonero.FieldError{{Field: field, Code: pregonero.FieldInvalid,
			Message: "The password is not valid UTF-8 text."}}
	case n < MinPasswordLength:
		return []pregonero.FieldError{{Field: field, Code: pregonero.FieldInvalid, Limit: MinPasswordLength, Actual: n,
			Message: fmt.Sprintf("The password has %d characters; it needs at least %d.", n, MinPasswordLength)}}
	case n > MaxPasswordLength:
		return []pregonero.FieldError{{Field: field, Code: pregonero.FieldTooLong, Limit: MaxPasswordLength, Actual: n,
			Message: fmt.Sprintf("The password has %d characters; the limit is %d.", n, MaxPasswordLength)}}
	case username != "" && strings.EqualFold(password, username):
		return []pregonero.FieldError{{Field: field, Code: pregonero.FieldInvalid,
			Message: "The password must not be the username."}}
	}
	return nil
}

// ChangePassword sets a user's password after checking the current one.
// A wrong current password is EINVALID on field "current_password" (and
// counts towards the throttle of the username, as a sign-in would); a new
// one that breaks the rules (MinPasswordLength to MaxPasswordLength
// characters, not the username, not the current one) is EINVALID on
// field "password". It clears MustChangePassword and ends the user's
// sessions but keepSession (a session id; "" keeps none). A user acting
// in ctx may change only their own password.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next string, keepSession string) error {
	if a := actor(ctx); a != nil && a.ID != userID {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "Only the user themself may change their password; an admin resets it instead.")
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return err
	}
	key := throttleKey(u.Username, "")
	unlock := s.throttle.lock(key)
	defer unlock()
	now := s.now()
	if until, waiting := s.throttle.wait(key, now); waiting {
		return throttled(until, now)
	}
	if !matches(u.PasswordHash, current) {
		s.throttle.fail(key, now)
		return pregonero.Invalid([]pregonero.FieldError{{Field: "current_password", Code: pregonero.FieldInvalid,
			Message: "The current password is not right."}})
	}
	s.throttle.reset(key)
	errs := checkPassword("password", u.Username, next)
	if len(errs) == 0 && next == current {
		errs = append(errs, pregonero.FieldError{Field: "password", Code: pregonero.FieldInvalid,
			Message: "The new password must differ from the current one."})
	}
	if len(errs) > 0 {
		return pregonero.Invalid(errs)
	}
	hash, err := s.hash(next)
	if err != nil {
		return err
	}
	if _, err := s.store.UpdateUser(ctx, userID, func(u *pregonero.User) error {
		u.PasswordHash, u.MustChangePassword = hash, false
		return nil
	}); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if err := s.endUserSessions(ctx, userID, keepSession); err != nil {
		return err
	}
	s.logger.InfoContext(ctx, "password changed; the user's other sessions ended", pregonero.LogUser, u.Username)
	return nil
}

package users

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"pregonero"
)

// Limits of what describes a user.
const (
	MaxUsernameLength = 64
	// MaxUnits caps the dependencias of one user, MaxUnitBytes each name.
	MaxUnits     = 50
	MaxUnitBytes = 200
)

// checkUsername returns what is wrong with a username: 2 to 64 ASCII
// letters, digits, ".", "-", "_" or "@", starting with a letter or digit.
// ASCII only, so that two names that look alike are the same name.
func checkUsername(name string) []pregonero.FieldError {
	n := len(name)
	if n < 2 || n > MaxUsernameLength {
		return []pregonero.FieldError{{Field: "username", Code: pregonero.FieldInvalid, Limit: MaxUsernameLength, Actual: utf8.RuneCountInString(name),
			Message: fmt.Sprintf("A username has 2 to %d characters.", MaxUsernameLength)}}
	}
	for i := range n {
		c := name[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !ok && (i == 0 || !strings.ContainsRune(".-_@", rune(c))) {
			return []pregonero.FieldError{{Field: "username", Code: pregonero.FieldInvalid, Actual: name,
				Message: "A username has only letters without accents, digits, and . - _ @ after its first character."}}
		}
	}
	return nil
}

// checkRole returns what is wrong with a role and the units that go with
// it, and the units cleaned: trimmed, each once, in the order given.
func checkRole(role pregonero.Role, units []string) ([]string, []pregonero.FieldError) {
	var errs []pregonero.FieldError
	if !role.Valid() {
		errs = append(errs, pregonero.FieldError{Field: "role", Code: pregonero.FieldInvalid, Actual: string(role),
			Limit:   []pregonero.Role{pregonero.RoleAdmin, pregonero.RoleEditor, pregonero.RoleViewer},
			Message: fmt.Sprintf("Unknown role %q; use admin, editor or viewer.", role)})
	}
	var out []string
	for _, u := range units {
		u = strings.TrimSpace(u)
		switch {
		case u == "":
			errs = append(errs, pregonero.FieldError{Field: "units", Code: pregonero.FieldInvalid, Message: "A dependencia's name is empty."})
			continue
		case len(u) > MaxUnitBytes:
			errs = append(errs, pregonero.FieldError{Field: "units", Code: pregonero.FieldTooLong, Limit: MaxUnitBytes, Actual: len(u),
				Message: fmt.Sprintf("A dependencia's name has at most %d bytes.", MaxUnitBytes)})
			continue
		case !utf8.ValidString(u) || strings.ContainsFunc(u, unicode.IsControl):
			errs = append(errs, pregonero.FieldError{Field: "units", Code: pregonero.FieldInvalid, Actual: u,
				Message: "A dependencia's name has a control character or invalid UTF-8."})
			continue
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	switch {
	case len(out) > MaxUnits:
		errs = append(errs, pregonero.FieldError{Field: "units", Code: pregonero.FieldTooMany, Limit: MaxUnits, Actual: len(out),
			Message: fmt.Sprintf("A user may have at most %d dependencias.", MaxUnits)})
	case role == pregonero.RoleEditor && len(out) == 0 && len(errs) == 0:
		errs = append(errs, pregonero.FieldError{Field: "units", Code: pregonero.FieldRequired,
			Message: "An editor posts for the accounts of their dependencias: name at least one."})
	}
	return out, errs
}

// Create makes a user with the given password, role and dependencias
// (units; at least one for an editor). Only an admin, or the system, may.
// A username taken in any case is ECONFLICT naming the field "username".
func (s *Service) Create(ctx context.Context, username, password string, role pregonero.Role, units []string) (*pregonero.User, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	errs := checkUsername(username)
	errs = append(errs, checkPassword("password", username, password)...)
	units, uerrs := checkRole(role, units)
	errs = append(errs, uerrs...)
	if len(errs) > 0 {
		return nil, pregonero.Invalid(errs)
	}
	hash, err := s.hash(password)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u := &pregonero.User{
		ID:           pregonero.NewID("u", now),
		Username:     username,
		Role:         role,
		Units:        units,
		PasswordHash: hash,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if pregonero.ErrorCode(err) == pregonero.ECONFLICT {
			msg := fmt.Sprintf("The username %s is taken.", username)
			return nil, &pregonero.Error{Code: pregonero.ECONFLICT, Message: msg, Fields: []pregonero.FieldError{{
				Field: "username", Code: pregonero.FieldDuplicate, Actual: username, Message: msg}}}
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	s.logger.InfoContext(ctx, "user created", pregonero.LogUser, u.Username)
	return u, nil
}

// Users lists every user ordered by username. Only an admin may.
func (s *Service) Users(ctx context.Context) ([]*pregonero.User, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.store.Users(ctx)
}

// User returns one user. An admin may read anyone, a user themself.
func (s *Service) User(ctx context.Context, id string) (*pregonero.User, error) {
	if err := requireSelfOrAdmin(ctx, id); err != nil {
		return nil, err
	}
	return s.store.User(ctx, id)
}

// Update sets a user's role, dependencias and whether they are disabled.
// Only an admin may. Disabling ends the user's sessions. The last active
// admin can be neither demoted nor disabled (ECONFLICT): someone must be
// left to manage users.
func (s *Service) Update(ctx context.Context, id string, role pregonero.Role, units []string, disabled bool) (*pregonero.User, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	units, errs := checkRole(role, units)
	if len(errs) > 0 {
		return nil, pregonero.Invalid(errs)
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	cur, err := s.store.User(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.IsAdmin() && (role != pregonero.RoleAdmin || disabled) {
		all, err := s.store.Users(ctx)
		if err != nil {
			return nil, fmt.Errorf("update user: %w", err)
		}
		others := slices.ContainsFunc(all, func(u *pregonero.User) bool { return u.ID != id && u.IsAdmin() })
		if !others {
			return nil, pregonero.Errorf(pregonero.ECONFLICT,
				"%s is the last active admin and must stay one: make another user admin first.", cur.Username)
		}
	}
	u, err := s.store.UpdateUser(ctx, id, func(u *pregonero.User) error {
		u.Role, u.Units, u.Disabled = role, units, disabled
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	if disabled && !cur.Disabled {
		if err := s.endUserSessions(ctx, id, ""); err != nil {
			return nil, err
		}
		s.logger.InfoContext(ctx, "user disabled; their sessions ended", pregonero.LogUser, u.Username)
	}
	return u, nil
}

// ResetPassword gives a user a random one-time password, returned this
// once: the next sign-in asks for a new one (MustChangePassword), and the
// user's sessions end. Only an admin may.
func (s *Service) ResetPassword(ctx context.Context, id string) (oneTime string, err error) {
	if err := requireAdmin(ctx); err != nil {
		return "", err
	}
	oneTime = rand.Text()
	hash, err := s.hash(oneTime)
	if err != nil {
		return "", err
	}
	u, err := s.store.UpdateUser(ctx, id, func(u *pregonero.User) error {
		u.PasswordHash, u.MustChangePassword = hash, true
		return nil
	})
	if err != nil {
		return "", err
	}
	if err := s.endUserSessions(ctx, id, ""); err != nil {
		return "", err
	}
	s.logger.InfoContext(ctx, "password reset; the user's sessions ended", pregonero.LogUser, u.Username)
	return oneTime, nil
}

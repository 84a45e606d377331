// Package users holds the rules about the people who use Pregonero:
// their accounts and roles, passwords, sign-in and its throttling,
// browser sessions and API tokens. The web interface, the REST API and
// the CLI call this service; none writes users to the store itself.
//
// Passwords are hashed with bcrypt (cost 12 by default). bcrypt reads at
// most 72 bytes, and a password may have up to 128 characters, so the
// password is first condensed to a fixed 43-byte string (HMAC-SHA256
// under a constant of this package, base64): every character counts, and
// no NUL byte reaches bcrypt. bcrypt was chosen over argon2id because it
// needs next to no memory per hash: a burst of sign-ins costs CPU time,
// never the 19–64 MiB each that argon2id would take on the office's small
// server, and it needs no parameters beyond the cost.
package users

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pregonero"
	"pregonero/atomicfile"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultIdleTimeout ends a session not used for this long.
	DefaultIdleTimeout = 12 * time.Hour
	// DefaultBcryptCost is the bcrypt work factor of new password
	// hashes: about a quarter of a second on a current server core.
	DefaultBcryptCost = 12
)

// Password rules, in characters.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 128
)

// BootstrapUsername is the user Bootstrap makes, and PasswordFile the
// file under the data directory its one-time password is written to.
const (
	BootstrapUsername = "admin"
	PasswordFile      = "admin.password"
)

// TokenPrefix starts every API token, so that a leaked one is
// recognizable to secret scanners.
const TokenPrefix = "prg_"

// touchEvery bounds how often the use of a session or a token is
// written: a page view a second must not be a disk write a second.
const touchEvery = time.Minute

// Config configures a Service. Store is required.
type Config struct {
	Store  pregonero.UserStore
	Now    func() time.Time
	Logger *slog.Logger
	// IdleTimeout ends a session not used this long; DefaultIdleTimeout
	// when zero.
	IdleTimeout time.Duration
	// BcryptCost is the work factor of new password hashes;
	// DefaultBcryptCost when zero. Hashes made before keep their own.
	BcryptCost int
}

// Service applies the rules about users. Its methods are safe for
// concurrent use.
type Service struct {
	store  pregonero.UserStore
	now    func() time.Time
	logger *slog.Logger
	idle   time.Duration
	cost   int

	throttle *throttle
	// dummy is a hash of a random password, which a sign-in for an
	// unknown user is checked against, so that it takes as long as one
	// for a known user.
	dummy func() (string, error)

	// mu orders the writes that touch a session or a token (which read
	// the record, then store it) with the deletes: a touch must not bring
	// back a session just ended or a token just revoked.
	mu sync.Mutex
	// adminMu orders the changes of role and state, so that two admins
	// demoting each other cannot both pass the last-admin check.
	adminMu sync.Mutex
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("new users service: nil store")
	}
	s := &Service{
		store:    cfg.Store,
		now:      cfg.Now,
		logger:   cfg.Logger,
		idle:     cfg.IdleTimeout,
		cost:     cfg.BcryptCost,
		throttle: newThrottle(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.logger = s.logger.With(pregonero.LogComponent, "users")
	if s.idle <= 0 {
		s.idle = DefaultIdleTimeout
	}
	if s.cost == 0 {
		s.cost = DefaultBcryptCost
	}
	if s.cost < bcrypt.MinCost || s.cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("new users service: bcrypt cost %d is outside %d..%d", s.cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	s.dummy = sync.OnceValues(func() (string, error) { return s.hash(rand.Text()) })
	return s, nil
}

// IdleTimeout returns how long a session may go unused.
func (s *Service) IdleTimeout() time.Duration { return s.idle }

// passwordKey keys the condensing of a password before bcrypt (see the
// package comment). It is no secret: it makes the condensed form this
// package's own, so that a plain SHA-256 of the password leaked elsewhere
// cannot be tried against the stored hashes.
var passwordKey = []byte("pregonero/users password v1")

func condense(password string) []byte {
	m := hmac.New(sha256.New, passwordKey)
	m.Write([]byte(password))
	return []byte(base64.RawStdEncoding.EncodeToString(m.Sum(nil)))
}

// hash returns the stored form of a password.
func (s *Service) hash(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword(condense(password), s.cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(b), nil
}

// matches reports whether password is the one hash was made of; a hash
// that is not bcrypt's matches nothing.
func matches(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), condense(password)) == nil
}

// newSecret returns 32 random bytes in base64url: a session's token or
// its CSRF token.
func newSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("users: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashID is the hex SHA-256 of a token: the id its record is stored
// under, so that the store never holds the token itself.
func hashID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// actor returns the user acting in ctx, nil for the system.
func actor(ctx context.Context) *pregonero.User { return pregonero.UserFromContext(ctx) }

// requireAdmin refuses a user who is not an admin; the system may.
func requireAdmin(ctx context.Context) error {
	if u := actor(ctx); u != nil && !u.IsAdmin() {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "Only an admin may manage users.")
	}
	return nil
}

// requireSelfOrAdmin refuses a user who is neither the one concerned nor
// an admin.
func requireSelfOrAdmin(ctx context.Context, userID string) error {
	if u := actor(ctx); u != nil && !u.IsAdmin() && (u.ID != userID || u.Disabled) {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "Only the user themself or an admin may do this.")
	}
	return nil
}

// Bootstrap makes the first user when the store has none: "admin", an
// admin, with a random one-time password written to
// <dataDir>/admin.password (mode 0600) and MustChangePassword set, so the
// first sign-in asks for a new one. It logs the file's path, never the
// password. Later calls find a user and change nothing. The file is
// written before the user is stored: a crash in between leaves a file
// that the next start replaces, never a user whose password nobody has.
func (s *Service) Bootstrap(ctx context.Context, dataDir string) (created bool, err error) {
	list, err := s.store.Users(ctx)
	if err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	if len(list) > 0 {
		return false, nil
	}
	password := rand.Text()
	hash, err := s.hash(password)
	if err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	path := filepath.Join(dataDir, PasswordFile)
	if err := atomicfile.Write(path, []byte(password+"\n"), 0o600); err != nil {
		return false, fmt.Errorf("bootstrap: write %s: %w", path, err)
	}
	now := s.now().UTC()
	u := &pregonero.User{
		ID:                 pregonero.NewID("u", now),
		Username:           BootstrapUsername,
		Role:               pregonero.RoleAdmin,
		PasswordHash:       hash,
		MustChangePassword: true,
		CreatedAt:          now,
		UpdatedAt:          now,
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	s.logger.InfoContext(ctx, "first user created: sign in as admin with the one-time password in the file, which asks for a new one",
		pregonero.LogUser, u.Username, pregonero.LogFile, path)
	return true, nil
}

package pregonero

import (
	"context"
	"slices"
	"time"
)

// Role says what a user may do.
type Role string

// Roles.
const (
	// RoleAdmin may do everything: every account, users, pause and resume.
	RoleAdmin Role = "admin"
	// RoleEditor composes, schedules, edits and cancels posts for the
	// accounts of their dependencias (Units).
	RoleEditor Role = "editor"
	// RoleViewer reads posts, accounts and reports.
	RoleViewer Role = "viewer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleEditor || r == RoleViewer }

// User is a person who signs in to the web interface or calls the API
// with a token of their own.
type User struct {
	ID       string `json:"id"` // "u_…"
	Username string `json:"username"`
	Role     Role   `json:"role"`
	// Units are the dependencias whose accounts an editor may post to.
	Units []string `json:"units,omitempty"`
	// PasswordHash is the password's hash (never the password); it never
	// leaves the server.
	PasswordHash string `json:"-"`
	// MustChangePassword is set for a password someone else chose (the
	// bootstrap admin's one-time password, an admin's reset): the next
	// sign-in asks for a new one before anything else.
	MustChangePassword bool `json:"must_change_password,omitempty"`
	Disabled           bool `json:"disabled,omitempty"`
	// Language is the interface language ("es", the default, or "en");
	// Timezone the IANA zone times are shown in (the server's when empty).
	Language  string    `json:"language,omitempty"`
	Timezone  string    `json:"timezone,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CanRead reports whether the user may see posts and accounts.
func (u *User) CanRead() bool { return u != nil && !u.Disabled }

// CanPostTo reports whether the user may create, schedule, edit or cancel
// posts for the account: admins for every account, editors for the
// accounts of their dependencias, viewers for none.
func (u *User) CanPostTo(a *Account) bool {
	if u == nil || u.Disabled || a == nil {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleEditor:
		return a.Unit != "" && slices.Contains(u.Units, a.Unit)
	}
	return false
}

// IsAdmin reports whether the user may manage users, pause and resume
// all publishing, and touch every account.
func (u *User) IsAdmin() bool { return u != nil && !u.Disabled && u.Role == RoleAdmin }

// Session is a signed-in browser. Its token is handed out once, in a
// cookie; the store keeps only the token's hash (ID).
type Session struct {
	ID       string    `json:"id"` // hex SHA-256 of the cookie's token
	UserID   string    `json:"user_id"`
	CSRF     string    `json:"csrf"` // the token forms carry as csrf_token
	Address  string    `json:"address,omitempty"`
	Created  time.Time `json:"created_at"`
	LastSeen time.Time `json:"last_seen"`
}

// APIToken is a user's token for the REST API. It is shown once, when
// made; the store keeps only its hash (ID).
type APIToken struct {
	ID       string    `json:"id"` // hex SHA-256 of the token
	UserID   string    `json:"user_id"`
	Name     string    `json:"name"`
	Created  time.Time `json:"created_at"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// UserStore persists users, their sessions and their API tokens. Every
// write returns after its transaction is committed and synced.
type UserStore interface {
	// CreateUser stores a new user; ECONFLICT when the username is taken.
	CreateUser(ctx context.Context, u *User) error
	// User returns a user by id; UserByName by username. ENOTFOUND when
	// there is none.
	User(ctx context.Context, id string) (*User, error)
	UserByName(ctx context.Context, username string) (*User, error)
	// Users lists every user ordered by username.
	Users(ctx context.Context) ([]*User, error)
	// UpdateUser runs fn on a copy of the user in a write transaction and
	// stores the result. The id cannot change; a new username must be free.
	UpdateUser(ctx context.Context, id string, fn func(*User) error) (*User, error)

	// PutSession stores a session (new, or touched); Session returns one
	// by id; DeleteSession removes one (nil when it is already gone);
	// DeleteUserSessions removes every session of a user (a password
	// change, a disabled user).
	PutSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, id string) (*Session, error)
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, userID string) error
	// PurgeSessions deletes up to limit sessions last seen before cutoff
	// and returns how many it deleted.
	PurgeSessions(ctx context.Context, cutoff time.Time, limit int) (int, error)

	// PutAPIToken stores a token record; APIToken returns one by id (the
	// token's hash); APITokens lists a user's; DeleteAPIToken removes one.
	PutAPIToken(ctx context.Context, t *APIToken) error
	APIToken(ctx context.Context, id string) (*APIToken, error)
	APITokens(ctx context.Context, userID string) ([]*APIToken, error)
	DeleteAPIToken(ctx context.Context, id string) error
}

type userContextKey struct{}

// NewContextWithUser returns a context that carries the user acting: the
// services check what that user may do. A context without a user is the
// system itself (the scheduler, the configuration at start), which may do
// everything.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey{}, u)
}

// UserFromContext returns the user acting in ctx, nil for the system.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey{}).(*User)
	return u
}

package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

var _ pregonero.UserStore = (*DB)(nil)

// Buckets of users, sessions and API tokens (schema 5).
var (
	// bucketUsers: user id → user record.
	bucketUsers = []byte("users")
	// bucketUsersByName: lowered username → user id, so that usernames
	// are unique whatever their case.
	bucketUsersByName = []byte("users_by_name")
	// bucketSessions: session id (the hex SHA-256 of its token) → record.
	bucketSessions = []byte("sessions")
	// bucketSessionsByUser: user id ‖ 0x00 ‖ session id.
	bucketSessionsByUser = []byte("sessions_by_user")
	// bucketAPITokens: token id (the hex SHA-256 of the token) → record.
	bucketAPITokens = []byte("api_tokens")
	// bucketAPITokensByUser: user id ‖ 0x00 ‖ token id.
	bucketAPITokensByUser = []byte("api_tokens_by_user")
)

// migrateUsers (schema 5) creates the buckets of users, sessions and API
// tokens and their indexes. Files of earlier schemas have no users: the
// first start after the upgrade makes the bootstrap admin.
func migrateUsers(tx *bbolt.Tx) error {
	for _, name := range [][]byte{
		bucketUsers, bucketUsersByName, bucketSessions, bucketSessionsByUser,
		bucketAPITokens, bucketAPITokensByUser,
	} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// userRecord is a user as stored (v1). The password hash is stored: it is
// what sign-in checks against; the password never is.
type userRecord struct {
	V                  int       `json:"v"`
	ID                 string    `json:"id"`
	Username           string    `json:"username"`
	Role               string    `json:"role"`
	Units              []string  `json:"units,omitempty"`
	PasswordHash       string    `json:"password_hash,omitempty"`
	MustChangePassword bool      `json:"must_change_password,omitempty"`
	Disabled           bool      `json:"disabled,omitempty"`
	Language           string    `json:"language,omitempty"`
	Timezone           string    `json:"timezone,omitempty"`
	CreatedAt          time.Time `json:"created_at,omitzero"`
	UpdatedAt          time.Time `json:"updated_at,omitzero"`
}

func encodeUser(u *pregonero.User) ([]byte, error) {
	return json.Marshal(userRecord{
		V:                  recordVersion,
		ID:                 u.ID,
		Username:           u.Username,
		Role:               string(u.Role),
		Units:              u.Units,
		PasswordHash:       u.PasswordHash,
		MustChangePassword: u.MustChangePassword,
		Disabled:           u.Disabled,
		Language:           u.Language,
		Timezone:           u.Timezone,
		CreatedAt:          u.CreatedAt.UTC(),
		UpdatedAt:          u.UpdatedAt.UTC(),
	})
}

func decodeUser(b []byte) (*pregonero.User, error) {
	var r userRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode user: %w", err)
	}
	return &pregonero.User{
		ID:                 r.ID,
		Username:           r.Username,
		Role:               pregonero.Role(r.Role),
		Units:              r.Units,
		PasswordHash:       r.PasswordHash,
		MustChangePassword: r.MustChangePassword,
		Disabled:           r.Disabled,
		Language:           r.Language,
		Timezone:           r.Timezone,
		CreatedAt:          r.CreatedAt,
		UpdatedAt:          r.UpdatedAt,
	}, nil
}

// sessionRecord is a session as stored (v1); its id is the hash of the
// cookie's token, which is never stored.
type sessionRecord struct {
	V        int       `json:"v"`
	ID       string    `json:"id"`
	UserID   string    `json:"user_id"`
	CSRF     string    `json:"csrf"`
	Address  string    `json:"address,omitempty"`
	Created  time.Time `json:"created_at,omitzero"`
	LastSeen time.Time `json:"last_seen,omitzero"`
}

func encodeSession(s *pregonero.Session) ([]byte, error) {
	return json.Marshal(sessionRecord{
		V:        recordVersion,
		ID:       s.ID,
		UserID:   s.UserID,
		CSRF:     s.CSRF,
		Address:  s.Address,
		Created:  s.Created.UTC(),
		LastSeen: s.LastSeen.UTC(),
	})
}

func decodeSession(b []byte) (*pregonero.Session, error) {
	var r sessionRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	return &pregonero.Session{ID: r.ID, UserID: r.UserID, CSRF: r.CSRF, Address: r.Address, Created: r.Created, LastSeen: r.LastSeen}, nil
}

// apiTokenRecord is an API token as stored (v1); its id is the hash of
// the token, which is never stored.
type apiTokenRecord struct {
	V        int       `json:"v"`
	ID       string    `json:"id"`
	UserID   string    `json:"user_id"`
	Name     string    `json:"name"`
	Created  time.Time `json:"created_at,omitzero"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

func encodeAPIToken(t *pregonero.APIToken) ([]byte, error) {
	return json.Marshal(apiTokenRecord{
		V:        recordVersion,
		ID:       t.ID,
		UserID:   t.UserID,
		Name:     t.Name,
		Created:  t.Created.UTC(),
		LastUsed: t.LastUsed.UTC(),
	})
}

func decodeAPIToken(b []byte) (*pregonero.APIToken, error) {
	var r apiTokenRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode api token: %w", err)
	}
	return &pregonero.APIToken{ID: r.ID, UserID: r.UserID, Name: r.Name, Created: r.Created, LastUsed: r.LastUsed}, nil
}

func usernameTaken(name string) error {
	return pregonero.Errorf(pregonero.ECONFLICT, "The username %s is taken.", name)
}

// byUserKey is user id ‖ 0x00 ‖ id, the key of the indexes of sessions and
// tokens by user; ids never contain 0x00, so a prefix scan by user cannot
// match another user.
func byUserKey(userID, id string) []byte {
	k := make([]byte, 0, len(userID)+1+len(id))
	k = append(k, userID...)
	k = append(k, 0)
	return append(k, id...)
}

// idsOfUser returns the ids an index by user lists for the user.
func idsOfUser(tx *bbolt.Tx, index []byte, userID string) []string {
	prefix := append([]byte(userID), 0)
	var ids []string
	c := tx.Bucket(index).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, string(k[len(prefix):]))
	}
	return ids
}

// PutSession stores a session, new or touched, with its index entry.
func (db *DB) PutSession(ctx context.Context, s *pregonero.Session) error {
	if s == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil session")
	}
	if err := checkID("session id", s.ID); err != nil {
		return err
	}
	if err := checkID("user id", s.UserID); err != nil {
		return err
	}
	v, err := encodeSession(s)
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		return putIndexed(w, bucketSessions, bucketSessionsByUser, s.ID, s.UserID, v, decodeSessionUser)
	})
}

// putIndexed stores a record of a user with its entry in the index by
// user, moving the entry when the record belonged to another user.
func putIndexed(w *wtx, bucket, index []byte, id, userID string, v []byte, userOf func([]byte) (string, error)) error {
	if old := w.tx.Bucket(bucket).Get([]byte(id)); old != nil {
		prev, err := userOf(old)
		if err != nil {
			return err
		}
		if prev != userID {
			if err := w.del(index, byUserKey(prev, id)); err != nil {
				return err
			}
		}
	}
	if err := w.put(bucket, []byte(id), v); err != nil {
		return err
	}
	return w.put(index, byUserKey(userID, id), empty)
}

func decodeSessionUser(b []byte) (string, error) {
	s, err := decodeSession(b)
	if err != nil {
		return "", err
	}
	return s.UserID, nil
}

func decodeAPITokenUser(b []byte) (string, error) {
	t, err := decodeAPIToken(b)
	if err != nil {
		return "", err
	}
	return t.UserID, nil
}

// Session returns a session by id; ENOTFOUND when there is none.
func (db *DB) Session(ctx context.Context, id string) (*pregonero.Session, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Session, error) {
		v := tx.Bucket(bucketSessions).Get([]byte(id))
		if v == nil {
			return nil, notFound("session", id)
		}
		return decodeSession(v)
	})
}

// DeleteSession removes a session; one already gone is no error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.exec(ctx, len(id), func(w *wtx) error {
		return deleteIndexed(w, bucketSessions, bucketSessionsByUser, id, decodeSessionUser)
	})
}

// deleteIndexed removes a record of a user and its index entry; nothing
// to remove is no error.
func deleteIndexed(w *wtx, bucket, index []byte, id string, userOf func([]byte) (string, error)) error {
	v := w.tx.Bucket(bucket).Get([]byte(id))
	if v == nil {
		return nil
	}
	userID, err := userOf(v)
	if err != nil {
		return err
	}
	if err := w.del(index, byUserKey(userID, id)); err != nil {
		return err
	}
	return w.del(bucket, []byte(id))
}

// DeleteUserSessions removes every session of a user, in one transaction.
func (db *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	return db.exec(ctx, len(userID), func(w *wtx) error {
		for _, id := range idsOfUser(w.tx, bucketSessionsByUser, userID) {
			if err := w.del(bucketSessions, []byte(id)); err != nil {
				return err
			}
			if err := w.del(bucketSessionsByUser, byUserKey(userID, id)); err != nil {
				return err
			}
		}
		return nil
	})
}

// PurgeSessions deletes up to limit (positive) sessions last seen before
// cutoff and returns how many it deleted. It reads every session: there
// are as many as people signed in, and it runs rarely.
func (db *DB) PurgeSessions(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, pregonero.Errorf(pregonero.EINVALID, "purge sessions: limit must be positive, got %d", limit)
	}
	n := 0
	err := db.exec(ctx, 64, func(w *wtx) error {
		n = 0
		var stale []*pregonero.Session
		c := w.tx.Bucket(bucketSessions).Cursor()
		for k, v := c.First(); k != nil && len(stale) < limit; k, v = c.Next() {
			s, err := decodeSession(v)
			if err != nil {
				return fmt.Errorf("session %s: %w", k, err)
			}
			if s.LastSeen.Before(cutoff) {
				stale = append(stale, s)
			}
		}
		// Deleted after the walk: a bucket must not change under a cursor.
		for _, s := range stale {
			if err := w.del(bucketSessionsByUser, byUserKey(s.UserID, s.ID)); err != nil {
				return err
			}
			if err := w.del(bucketSessions, []byte(s.ID)); err != nil {
				return err
			}
		}
		n = len(stale)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return n, nil
}

// PutAPIToken stores an API token record with its index entry.
func (db *DB) PutAPIToken(ctx context.Context, t *pregonero.APIToken) error {
	if t == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil api token")
	}
	if err := checkID("api token id", t.ID); err != nil {
		return err
	}
	if err := checkID("user id", t.UserID); err != nil {
		return err
	}
	v, err := encodeAPIToken(t)
	if err != nil {
		return fmt.Errorf("put api token: %w", err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		return putIndexed(w, bucketAPITokens, bucketAPITokensByUser, t.ID, t.UserID, v, decodeAPITokenUser)
	})
}

// APIToken returns a token record by id; ENOTFOUND when there is none.
func (db *DB) APIToken(ctx context.Context, id string) (*pregonero.APIToken, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.APIToken, error) {
		v := tx.Bucket(bucketAPITokens).Get([]byte(id))
		if v == nil {
			return nil, notFound("api token", id)
		}
		return decodeAPIToken(v)
	})
}

// APITokens lists a user's token records, oldest first.
func (db *DB) APITokens(ctx context.Context, userID string) ([]*pregonero.APIToken, error) {
	out := []*pregonero.APIToken{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAPITokens)
		for _, id := range idsOfUser(tx, bucketAPITokensByUser, userID) {
			v := b.Get([]byte(id))
			if v == nil {
				continue // the index is written with the record; never expected
			}
			t, err := decodeAPIToken(v)
			if err != nil {
				return fmt.Errorf("api token %s: %w", id, err)
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list api tokens: %w", err)
	}
	slices.SortFunc(out, func(a, b *pregonero.APIToken) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// DeleteAPIToken removes a token record; one already gone is no error.
func (db *DB) DeleteAPIToken(ctx context.Context, id string) error {
	return db.exec(ctx, len(id), func(w *wtx) error {
		return deleteIndexed(w, bucketAPITokens, bucketAPITokensByUser, id, decodeAPITokenUser)
	})
}

// users are kept by id with an index of usernames.
var users = &named[pregonero.User]{
	kind: "user", nameField: "username", bucket: bucketUsers, byName: bucketUsersByName,
	encode: encodeUser, decode: decodeUser,
	id:    func(u *pregonero.User) string { return u.ID },
	name:  func(u *pregonero.User) string { return u.Username },
	touch: func(u *pregonero.User, now time.Time) { u.UpdatedAt = now },
	taken: usernameTaken,
	size:  1024,
}

// CreateUser stores a new user; ECONFLICT when the username (in any case)
// or the id is taken.
func (db *DB) CreateUser(ctx context.Context, u *pregonero.User) error {
	return users.create(ctx, db, u)
}

// User returns a user by id; ENOTFOUND when there is none.
func (db *DB) User(ctx context.Context, id string) (*pregonero.User, error) {
	return users.get(ctx, db, id)
}

// UserByName returns a user by username, in any case; ENOTFOUND when
// there is none.
func (db *DB) UserByName(ctx context.Context, username string) (*pregonero.User, error) {
	return users.getByName(ctx, db, username)
}

// Users lists every user ordered by username, without regard to case.
func (db *DB) Users(ctx context.Context) ([]*pregonero.User, error) {
	return users.list(ctx, db)
}

// UpdateUser runs fn on a copy of the user inside a write transaction,
// stamps UpdatedAt with Now and stores the result, with the username
// index when the name changed. The id cannot change and a new username
// must be free (ECONFLICT); an error from fn is returned as is and
// nothing is written. fn has the same constraints as UpdateDelivery's.
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(*pregonero.User) error) (*pregonero.User, error) {
	return users.update(ctx, db, id, fn)
}

package users_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pregonero"
	"pregonero/clock"
	"pregonero/logtest"
	"pregonero/store"
	"pregonero/users"
)

// t0 is a Monday morning in Bogotá.
var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

type fixture struct {
	clock *clock.Fake
	db    *store.DB
	svc   *users.Service
	logs  *logtest.Buffer
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"), store.WithNow(fc.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{clock: fc, db: db, logs: &logtest.Buffer{}, ctx: context.Background()}
	f.svc, err = users.New(users.Config{Store: db, Now: fc.Now, Logger: f.logs.Logger(), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// as returns a context in which u acts.
func (f *fixture) as(u *pregonero.User) context.Context {
	return pregonero.NewContextWithUser(f.ctx, u)
}

func (f *fixture) create(t *testing.T, name string, role pregonero.Role, units ...string) *pregonero.User {
	t.Helper()
	u, err := f.svc.Create(f.ctx, name, "contraseña-"+name, role, units)
	if err != nil {
		t.Fatalf("Create(%s) = %v", name, err)
	}
	return u
}

func (f *fixture) signIn(t *testing.T, name, password, addr string) (string, *pregonero.Session) {
	t.Helper()
	token, sess, _, err := f.svc.SignIn(f.ctx, name, password, addr)
	if err != nil {
		t.Fatalf("SignIn(%s) = %v", name, err)
	}
	return token, sess
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := pregonero.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, pregonero.EINVALID)
	var e *pregonero.Error
	errors.As(err, &e)
	for _, fe := range e.Fields {
		if fe.Field == field {
			return
		}
	}
	t.Fatalf("error %v names no field %q", err, field)
}

var secretFormat = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestBootstrap(t *testing.T) {
	t.Run("the first start makes admin with a one-time password in a private file", func(t *testing.T) {
		f := newFixture(t)
		dir := t.TempDir()
		created, err := f.svc.Bootstrap(f.ctx, dir)
		if err != nil || !created {
			t.Fatalf("Bootstrap() = %v, %v; want created", created, err)
		}
		path := filepath.Join(dir, users.PasswordFile)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("password file mode = %v, want 0600", mode)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		password := strings.TrimSpace(string(b))
		if len(password) < users.MinPasswordLength {
			t.Fatalf("one-time password %q is shorter than %d", password, users.MinPasswordLength)
		}
		_, _, u, err := f.svc.SignIn(f.ctx, "admin", password, "192.0.2.1")
		if err != nil {
			t.Fatalf("SignIn() with the one-time password = %v", err)
		}
		if u.Role != pregonero.RoleAdmin || !u.MustChangePassword || u.Username != users.BootstrapUsername {
			t.Errorf("bootstrap user = %+v, want admin, role admin, must change password", u)
		}
		if strings.Contains(u.PasswordHash, password) {
			t.Error("the stored hash holds the password")
		}
		logs := f.logs.String()
		if !strings.Contains(logs, path) {
			t.Errorf("log does not name the file %s: %s", path, logs)
		}
		if strings.Contains(logs, password) {
			t.Error("the password was logged")
		}
	})

	t.Run("a store with users is left alone", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		dir := t.TempDir()
		created, err := f.svc.Bootstrap(f.ctx, dir)
		if err != nil || created {
			t.Fatalf("Bootstrap() = %v, %v; want nothing created", created, err)
		}
		if _, err := os.Stat(filepath.Join(dir, users.PasswordFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("password file written for a store with users: %v", err)
		}
	})

	t.Run("a second start changes nothing", func(t *testing.T) {
		f := newFixture(t)
		dir := t.TempDir()
		if _, err := f.svc.Bootstrap(f.ctx, dir); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(filepath.Join(dir, users.PasswordFile))
		created, err := f.svc.Bootstrap(f.ctx, dir)
		if err != nil || created {
			t.Fatalf("second Bootstrap() = %v, %v; want nothing created", created, err)
		}
		after, _ := os.ReadFile(filepath.Join(dir, users.PasswordFile))
		if string(before) != string(after) {
			t.Error("the second start rewrote the password file")
		}
	})
}

func TestSignIn(t *testing.T) {
	t.Run("a right password opens a session whose token the store does not keep", func(t *testing.T) {
		f := newFixture(t)
		want := f.create(t, "MLopez", pregonero.RoleEditor, "salud")
		token, sess, u, err := f.svc.SignIn(f.ctx, "mlopez", "contraseña-MLopez", "192.0.2.1")
		if err != nil {
			t.Fatalf("SignIn() = %v", err)
		}
		if u.ID != want.ID {
			t.Errorf("user = %s, want %s", u.ID, want.ID)
		}
		if !secretFormat.MatchString(token) || !secretFormat.MatchString(sess.CSRF) || token == sess.CSRF {
			t.Errorf("token %q and CSRF %q, want two different 32-byte base64url secrets", token, sess.CSRF)
		}
		if sess.ID != sha256Hex(token) || sess.UserID != u.ID || sess.Address != "192.0.2.1" || !sess.LastSeen.Equal(t0) {
			t.Errorf("session = %+v, want the token's SHA-256 as id, the user, the address, seen now", sess)
		}
		stored, err := f.db.Session(f.ctx, sess.ID)
		if err != nil {
			t.Fatalf("the session is not stored: %v", err)
		}
		if stored.CSRF != sess.CSRF {
			t.Errorf("stored CSRF = %q, want %q", stored.CSRF, sess.CSRF)
		}
		if _, err := f.db.Session(f.ctx, token); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("a session is stored under the token itself: %v", err)
		}
	})

	t.Run("a wrong password and an unknown user get the same answer", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		_, _, _, wrong := f.svc.SignIn(f.ctx, "ana", "not-the-password", "192.0.2.1")
		wantCode(t, wrong, pregonero.EUNAUTHORIZED)
		_, _, _, unknown := f.svc.SignIn(f.ctx, "nadie", "not-the-password", "192.0.2.1")
		wantCode(t, unknown, pregonero.EUNAUTHORIZED)
		if wrong.Error() != unknown.Error() {
			t.Errorf("answers differ: %q and %q", wrong, unknown)
		}
	})

	t.Run("a disabled user cannot sign in", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		if _, err := f.svc.Update(f.ctx, u.ID, pregonero.RoleViewer, nil, true); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := f.svc.SignIn(f.ctx, "ana", "contraseña-ana", "192.0.2.1")
		wantCode(t, err, pregonero.EUNAUTHORIZED)
	})
}

// wrongTimes signs in n times with a wrong password and checks each is
// refused as wrong, not slowed.
func (f *fixture) wrongTimes(t *testing.T, n int, name, addr string) {
	t.Helper()
	for i := range n {
		_, _, _, err := f.svc.SignIn(f.ctx, name, "not-the-password", addr)
		if pregonero.ErrorCode(err) != pregonero.EUNAUTHORIZED {
			t.Fatalf("wrong password %d = %v, want unauthorized", i+1, err)
		}
	}
}

func wantThrottled(t *testing.T, err error, until time.Time) {
	t.Helper()
	wantCode(t, err, pregonero.ERATELIMITED)
	var te *users.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("error %v is not a *users.ThrottledError", err)
	}
	if !te.Until.Equal(until) {
		t.Errorf("try again at %v, want %v", te.Until, until)
	}
	if !strings.Contains(err.Error(), until.UTC().Format(time.RFC3339)) {
		t.Errorf("message %q does not say when to try again", err)
	}
}

func TestSignInThrottle(t *testing.T) {
	t.Run("five wrong passwords in a row slow that user from that address", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		f.wrongTimes(t, users.ThrottleAfter, "ana", "192.0.2.1")
		// Even the right password waits.
		_, _, _, err := f.svc.SignIn(f.ctx, "ANA", "contraseña-ana", "192.0.2.1")
		wantThrottled(t, err, t0.Add(time.Second))
		// Another address, and another user, are not slowed.
		f.signIn(t, "ana", "contraseña-ana", "192.0.2.2")
		f.create(t, "beto", pregonero.RoleViewer)
		f.signIn(t, "beto", "contraseña-beto", "192.0.2.1")
		// After the wait the right password goes through and resets the count.
		f.clock.Advance(time.Second)
		f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		f.wrongTimes(t, users.ThrottleAfter-1, "ana", "192.0.2.1")
		f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
	})

	t.Run("the wait doubles with every wrong password up to fifteen minutes", func(t *testing.T) {
		f := newFixture(t)
		f.wrongTimes(t, users.ThrottleAfter-1, "nadie", "192.0.2.1")
		want := users.ThrottleFirstWait
		for i := range 14 {
			_, _, _, err := f.svc.SignIn(f.ctx, "nadie", "not-the-password", "192.0.2.1")
			wantCode(t, err, pregonero.EUNAUTHORIZED)
			now := f.clock.Now()
			_, _, _, err = f.svc.SignIn(f.ctx, "nadie", "not-the-password", "192.0.2.1")
			if t.Failed() {
				return
			}
			wantThrottled(t, err, now.Add(want))
			if t.Failed() {
				t.Fatalf("after wrong password %d", users.ThrottleAfter+i)
			}
			f.clock.Advance(want)
			want = min(2*want, users.ThrottleMaxWait)
		}
	})

	t.Run("parallel tries are counted one after the other", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			codes = map[string]int{}
		)
		for range 20 {
			wg.Go(func() {
				_, _, _, err := f.svc.SignIn(f.ctx, "ana", "not-the-password", "192.0.2.1")
				mu.Lock()
				defer mu.Unlock()
				codes[pregonero.ErrorCode(err)]++
			})
		}
		wg.Wait()
		if codes[pregonero.EUNAUTHORIZED] != users.ThrottleAfter || codes[pregonero.ERATELIMITED] != 20-users.ThrottleAfter {
			t.Errorf("answers = %v, want %d unauthorized and the rest rate limited", codes, users.ThrottleAfter)
		}
	})
}

func TestSession(t *testing.T) {
	t.Run("a cookie's token finds its session and user", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		token, want := f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		sess, got, err := f.svc.Session(f.ctx, token)
		if err != nil {
			t.Fatalf("Session() = %v", err)
		}
		if sess.ID != want.ID || sess.CSRF != want.CSRF || got.ID != u.ID {
			t.Errorf("Session() = %+v of %s, want %+v of %s", sess, got.ID, want, u.ID)
		}
		for _, bad := range []string{"", "nope", want.ID} {
			_, _, err := f.svc.Session(f.ctx, bad)
			wantCode(t, err, pregonero.EUNAUTHORIZED)
		}
	})

	t.Run("use is written at most once a minute", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		token, sess := f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		seen := func() time.Time {
			s, err := f.db.Session(f.ctx, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			return s.LastSeen
		}
		f.clock.Advance(59 * time.Second)
		if _, _, err := f.svc.Session(f.ctx, token); err != nil {
			t.Fatal(err)
		}
		if got := seen(); !got.Equal(t0) {
			t.Errorf("last seen = %v after 59 s, want %v (not written)", got, t0)
		}
		f.clock.Advance(time.Second)
		got, _, err := f.svc.Session(f.ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if want := t0.Add(time.Minute); !seen().Equal(want) || !got.LastSeen.Equal(want) {
			t.Errorf("last seen = %v (answered %v) after a minute, want %v", seen(), got.LastSeen, want)
		}
	})

	t.Run("a session idle beyond the timeout ends and is deleted", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		token, sess := f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		f.clock.Advance(users.DefaultIdleTimeout)
		if _, _, err := f.svc.Session(f.ctx, token); err != nil {
			t.Fatalf("Session() at the idle timeout = %v", err)
		}
		f.clock.Advance(users.DefaultIdleTimeout + time.Second)
		_, _, err := f.svc.Session(f.ctx, token)
		wantCode(t, err, pregonero.EUNAUTHORIZED)
		if _, err := f.db.Session(f.ctx, sess.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("expired session still stored: %v", err)
		}
	})

	t.Run("the idle timeout is configurable", func(t *testing.T) {
		f := newFixture(t)
		svc, err := users.New(users.Config{Store: f.db, Now: f.clock.Now, IdleTimeout: 30 * time.Minute, BcryptCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(f.ctx, "ana", "contraseña-ana", pregonero.RoleViewer, nil); err != nil {
			t.Fatal(err)
		}
		token, _, _, err := svc.SignIn(f.ctx, "ana", "contraseña-ana", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(31 * time.Minute)
		_, _, err = svc.Session(f.ctx, token)
		wantCode(t, err, pregonero.EUNAUTHORIZED)
	})

	t.Run("sign-out ends the session", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		token, _ := f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		if err := f.svc.SignOut(f.ctx, token); err != nil {
			t.Fatalf("SignOut() = %v", err)
		}
		_, _, err := f.svc.Session(f.ctx, token)
		wantCode(t, err, pregonero.EUNAUTHORIZED)
		if err := f.svc.SignOut(f.ctx, token); err != nil {
			t.Errorf("second SignOut() = %v, want nil", err)
		}
	})

	t.Run("disabling a user ends their sessions", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		token, sess := f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		if _, err := f.svc.Update(f.ctx, u.ID, pregonero.RoleViewer, nil, true); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.svc.Session(f.ctx, token)
		wantCode(t, err, pregonero.EUNAUTHORIZED)
		if _, err := f.db.Session(f.ctx, sess.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("session of a disabled user still stored: %v", err)
		}
	})

	t.Run("idle sessions are purged", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		_, old := f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		f.clock.Advance(users.DefaultIdleTimeout)
		_, fresh := f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		f.clock.Advance(time.Second)
		n, err := f.svc.PurgeSessions(f.ctx)
		if err != nil || n != 1 {
			t.Fatalf("PurgeSessions() = %d, %v; want 1", n, err)
		}
		if _, err := f.db.Session(f.ctx, old.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("idle session survived the purge: %v", err)
		}
		if _, err := f.db.Session(f.ctx, fresh.ID); err != nil {
			t.Errorf("fresh session purged: %v", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	t.Run("a new password clears the flag and ends the other sessions", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleEditor, "salud")
		otp, err := f.svc.ResetPassword(f.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		keepToken, keep := f.signIn(t, "ana", otp, "192.0.2.1")
		otherToken, _ := f.signIn(t, "ana", otp, "192.0.2.2")
		if err := f.svc.ChangePassword(f.as(u), u.ID, otp, "una-clave-nueva", keep.ID); err != nil {
			t.Fatalf("ChangePassword() = %v", err)
		}
		got, err := f.db.User(f.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.MustChangePassword {
			t.Error("MustChangePassword still set")
		}
		if _, _, err := f.svc.Session(f.ctx, keepToken); err != nil {
			t.Errorf("the kept session ended: %v", err)
		}
		_, _, err = f.svc.Session(f.ctx, otherToken)
		wantCode(t, err, pregonero.EUNAUTHORIZED)
		f.signIn(t, "ana", "una-clave-nueva", "192.0.2.1")
		_, _, _, err = f.svc.SignIn(f.ctx, "ana", otp, "192.0.2.1")
		wantCode(t, err, pregonero.EUNAUTHORIZED)
	})

	t.Run("what is wrong is named by its field", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana.maria.lopez", pregonero.RoleViewer)
		cur := "contraseña-ana.maria.lopez"
		for _, tc := range []struct {
			name, current, next, field string
		}{
			{"wrong current password", "not-the-password", "una-clave-nueva", "current_password"},
			{"too short", cur, "corta", "password"},
			{"too long", cur, strings.Repeat("ñ", users.MaxPasswordLength+1), "password"},
			{"the username", cur, "ana.maria.lopez", "password"},
			{"the username in another case", cur, "Ana.Maria.Lopez", "password"},
			{"the current one", cur, cur, "password"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := f.svc.ChangePassword(f.ctx, u.ID, tc.current, tc.next, "")
				wantField(t, err, tc.field)
			})
		}
		f.signIn(t, "ana.maria.lopez", cur, "192.0.2.1")
	})

	t.Run("a hundred and twenty-eight characters are all counted", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		long := strings.Repeat("ñ", users.MaxPasswordLength-1)
		if err := f.svc.ChangePassword(f.ctx, u.ID, "contraseña-ana", long+"a", ""); err != nil {
			t.Fatalf("ChangePassword() = %v", err)
		}
		// bcrypt alone reads 72 bytes: these differ only after 254.
		_, _, _, err := f.svc.SignIn(f.ctx, "ana", long+"b", "192.0.2.1")
		wantCode(t, err, pregonero.EUNAUTHORIZED)
		f.signIn(t, "ana", long+"a", "192.0.2.1")
	})

	t.Run("nobody changes another user's password", func(t *testing.T) {
		f := newFixture(t)
		admin := f.create(t, "jefe", pregonero.RoleAdmin)
		u := f.create(t, "ana", pregonero.RoleViewer)
		err := f.svc.ChangePassword(f.as(admin), u.ID, "contraseña-ana", "una-clave-nueva", "")
		wantCode(t, err, pregonero.EFORBIDDEN)
	})

	t.Run("wrong current passwords are slowed like sign-ins", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		for range users.ThrottleAfter {
			err := f.svc.ChangePassword(f.ctx, u.ID, "not-the-password", "una-clave-nueva", "")
			wantField(t, err, "current_password")
		}
		err := f.svc.ChangePassword(f.ctx, u.ID, "contraseña-ana", "una-clave-nueva", "")
		wantCode(t, err, pregonero.ERATELIMITED)
	})
}

func TestAdminOperations(t *testing.T) {
	t.Run("only an admin or the system manages users", func(t *testing.T) {
		f := newFixture(t)
		admin := f.create(t, "jefe", pregonero.RoleAdmin)
		editor := f.create(t, "ana", pregonero.RoleEditor, "salud")
		viewer := f.create(t, "beto", pregonero.RoleViewer)
		for _, who := range []*pregonero.User{editor, viewer} {
			ctx := f.as(who)
			_, err := f.svc.Create(ctx, "carla", "contraseña-carla", pregonero.RoleViewer, nil)
			wantCode(t, err, pregonero.EFORBIDDEN)
			_, err = f.svc.Users(ctx)
			wantCode(t, err, pregonero.EFORBIDDEN)
			_, err = f.svc.Update(ctx, who.ID, pregonero.RoleAdmin, nil, false)
			wantCode(t, err, pregonero.EFORBIDDEN)
			_, err = f.svc.ResetPassword(ctx, admin.ID)
			wantCode(t, err, pregonero.EFORBIDDEN)
			_, err = f.svc.User(ctx, admin.ID)
			wantCode(t, err, pregonero.EFORBIDDEN)
			if got, err := f.svc.User(ctx, who.ID); err != nil || got.ID != who.ID {
				t.Errorf("User() of oneself = %v, %v", got, err)
			}
		}
		if _, err := f.svc.Create(f.as(admin), "carla", "contraseña-carla", pregonero.RoleViewer, nil); err != nil {
			t.Errorf("Create() by an admin = %v", err)
		}
		list, err := f.svc.Users(f.as(admin))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range list {
			names = append(names, u.Username)
		}
		if got, want := strings.Join(names, ","), "ana,beto,carla,jefe"; got != want {
			t.Errorf("Users() = %s, want %s", got, want)
		}
	})

	t.Run("a disabled admin manages nothing", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "jefe", pregonero.RoleAdmin)
		gone := f.create(t, "exjefe", pregonero.RoleAdmin)
		gone.Disabled = true
		_, err := f.svc.Users(f.as(gone))
		wantCode(t, err, pregonero.EFORBIDDEN)
	})

	t.Run("create checks every field", func(t *testing.T) {
		f := newFixture(t)
		for _, tc := range []struct {
			name, username, password string
			role                     pregonero.Role
			units                    []string
			field                    string
		}{
			{"short username", "a", "contraseña-larga", pregonero.RoleViewer, nil, "username"},
			{"username with a space", "ana maria", "contraseña-larga", pregonero.RoleViewer, nil, "username"},
			{"username with an accent", "maría", "contraseña-larga", pregonero.RoleViewer, nil, "username"},
			{"username starting with a dot", ".ana", "contraseña-larga", pregonero.RoleViewer, nil, "username"},
			{"short password", "ana", "corta", pregonero.RoleViewer, nil, "password"},
			{"password is the username", "ana.maria.lopez", "Ana.Maria.Lopez", pregonero.RoleViewer, nil, "password"},
			{"unknown role", "ana", "contraseña-larga", "superuser", nil, "role"},
			{"editor without dependencias", "ana", "contraseña-larga", pregonero.RoleEditor, nil, "units"},
			{"empty dependencia", "ana", "contraseña-larga", pregonero.RoleEditor, []string{" "}, "units"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Create(f.ctx, tc.username, tc.password, tc.role, tc.units)
				wantField(t, err, tc.field)
			})
		}
		list, err := f.db.Users(f.ctx)
		if err != nil || len(list) != 0 {
			t.Errorf("users stored after refusals: %v, %v", list, err)
		}
	})

	t.Run("a username taken in another case is a conflict on the field", func(t *testing.T) {
		f := newFixture(t)
		f.create(t, "ana", pregonero.RoleViewer)
		_, err := f.svc.Create(f.ctx, "ANA", "contraseña-larga", pregonero.RoleViewer, nil)
		wantCode(t, err, pregonero.ECONFLICT)
		var e *pregonero.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "username" {
			t.Errorf("error %v does not name the field username", err)
		}
	})

	t.Run("dependencias are trimmed and kept once", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleEditor, " salud ", "educación", "salud")
		if got := strings.Join(u.Units, ","); got != "salud,educación" {
			t.Errorf("units = %q, want salud,educación", got)
		}
	})

	t.Run("update sets role, dependencias and state", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		f.clock.Advance(time.Hour)
		got, err := f.svc.Update(f.ctx, u.ID, pregonero.RoleEditor, []string{"salud"}, false)
		if err != nil {
			t.Fatalf("Update() = %v", err)
		}
		if got.Role != pregonero.RoleEditor || strings.Join(got.Units, ",") != "salud" || got.Disabled || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("Update() = %+v", got)
		}
		_, err = f.svc.Update(f.ctx, u.ID, pregonero.RoleEditor, nil, false)
		wantField(t, err, "units")
		_, err = f.svc.Update(f.ctx, "u_nadie", pregonero.RoleViewer, nil, false)
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("the last active admin stays one", func(t *testing.T) {
		f := newFixture(t)
		admin := f.create(t, "jefe", pregonero.RoleAdmin)
		other := f.create(t, "exjefe", pregonero.RoleAdmin)
		if _, err := f.svc.Update(f.as(admin), other.ID, pregonero.RoleAdmin, nil, true); err != nil {
			t.Fatalf("disable another admin = %v", err)
		}
		// The disabled admin does not count.
		_, err := f.svc.Update(f.as(admin), admin.ID, pregonero.RoleViewer, nil, false)
		wantCode(t, err, pregonero.ECONFLICT)
		_, err = f.svc.Update(f.as(admin), admin.ID, pregonero.RoleAdmin, nil, true)
		wantCode(t, err, pregonero.ECONFLICT)
		if got, _ := f.db.User(f.ctx, admin.ID); !got.IsAdmin() {
			t.Fatalf("the last admin was changed: %+v", got)
		}
		if _, err := f.svc.Update(f.as(admin), other.ID, pregonero.RoleAdmin, nil, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Update(f.as(admin), admin.ID, pregonero.RoleViewer, nil, false); err != nil {
			t.Errorf("demote an admin while another is active = %v", err)
		}
	})

	t.Run("a reset gives a one-time password and ends the sessions", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		token, _ := f.signIn(t, "ana", "contraseña-ana", "192.0.2.1")
		otp, err := f.svc.ResetPassword(f.ctx, u.ID)
		if err != nil {
			t.Fatalf("ResetPassword() = %v", err)
		}
		if len(otp) < users.MinPasswordLength {
			t.Errorf("one-time password %q is too short", otp)
		}
		_, _, err = f.svc.Session(f.ctx, token)
		wantCode(t, err, pregonero.EUNAUTHORIZED)
		_, _, _, err = f.svc.SignIn(f.ctx, "ana", "contraseña-ana", "192.0.2.1")
		wantCode(t, err, pregonero.EUNAUTHORIZED)
		_, _, got, err := f.svc.SignIn(f.ctx, "ana", otp, "192.0.2.1")
		if err != nil {
			t.Fatalf("SignIn() with the one-time password = %v", err)
		}
		if !got.MustChangePassword {
			t.Error("MustChangePassword not set by a reset")
		}
		_, err = f.svc.ResetPassword(f.ctx, "u_nadie")
		wantCode(t, err, pregonero.ENOTFOUND)
	})
}

func TestAPITokens(t *testing.T) {
	t.Run("a token is shown once, stored hashed and acts as its user", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleEditor, "salud")
		token, rec, err := f.svc.CreateToken(f.as(u), u.ID, "  cli en el portátil ")
		if err != nil {
			t.Fatalf("CreateToken() = %v", err)
		}
		if !regexp.MustCompile(`^prg_[A-Za-z0-9_-]{43}$`).MatchString(token) {
			t.Errorf("token %q, want prg_ and 32 bytes of base64url", token)
		}
		if rec.ID != sha256Hex(token) || rec.UserID != u.ID || rec.Name != "cli en el portátil" || !rec.Created.Equal(t0) {
			t.Errorf("record = %+v", rec)
		}
		list, err := f.svc.Tokens(f.as(u), u.ID)
		if err != nil || len(list) != 1 || list[0].ID != rec.ID {
			t.Fatalf("Tokens() = %v, %v; want the one token", list, err)
		}
		got, err := f.svc.TokenUser(f.ctx, token)
		if err != nil || got.ID != u.ID {
			t.Fatalf("TokenUser() = %v, %v; want %s", got, err, u.ID)
		}
		for _, bad := range []string{"", rec.ID, "prg_" + strings.Repeat("A", 43), token + "x"} {
			_, err := f.svc.TokenUser(f.ctx, bad)
			wantCode(t, err, pregonero.EUNAUTHORIZED)
		}
	})

	t.Run("use is written at most once a minute", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		token, rec, err := f.svc.CreateToken(f.ctx, u.ID, "cli")
		if err != nil {
			t.Fatal(err)
		}
		used := func() time.Time {
			r, err := f.db.APIToken(f.ctx, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			return r.LastUsed
		}
		if _, err := f.svc.TokenUser(f.ctx, token); err != nil {
			t.Fatal(err)
		}
		if !used().Equal(t0) {
			t.Errorf("last used = %v, want %v", used(), t0)
		}
		f.clock.Advance(30 * time.Second)
		if _, err := f.svc.TokenUser(f.ctx, token); err != nil {
			t.Fatal(err)
		}
		if !used().Equal(t0) {
			t.Errorf("last used = %v after 30 s, want %v (not written)", used(), t0)
		}
		f.clock.Advance(30 * time.Second)
		if _, err := f.svc.TokenUser(f.ctx, token); err != nil {
			t.Fatal(err)
		}
		if want := t0.Add(time.Minute); !used().Equal(want) {
			t.Errorf("last used = %v after a minute, want %v", used(), want)
		}
	})

	t.Run("a revoked token and a disabled user's token are refused", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		revoked, rec, err := f.svc.CreateToken(f.ctx, u.ID, "viejo")
		if err != nil {
			t.Fatal(err)
		}
		kept, _, err := f.svc.CreateToken(f.ctx, u.ID, "nuevo")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeToken(f.as(u), u.ID, rec.ID); err != nil {
			t.Fatalf("RevokeToken() = %v", err)
		}
		_, err = f.svc.TokenUser(f.ctx, revoked)
		wantCode(t, err, pregonero.EUNAUTHORIZED)
		if _, err := f.svc.TokenUser(f.ctx, kept); err != nil {
			t.Fatalf("the other token was refused: %v", err)
		}
		if _, err := f.svc.Update(f.ctx, u.ID, pregonero.RoleViewer, nil, true); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.TokenUser(f.ctx, kept)
		wantCode(t, err, pregonero.EUNAUTHORIZED)
	})

	t.Run("tokens are the user's own or an admin's business", func(t *testing.T) {
		f := newFixture(t)
		admin := f.create(t, "jefe", pregonero.RoleAdmin)
		ana := f.create(t, "ana", pregonero.RoleEditor, "salud")
		beto := f.create(t, "beto", pregonero.RoleViewer)
		_, rec, err := f.svc.CreateToken(f.as(admin), ana.ID, "para ana")
		if err != nil {
			t.Fatalf("CreateToken() by an admin for another = %v", err)
		}
		_, _, err = f.svc.CreateToken(f.as(beto), ana.ID, "ajeno")
		wantCode(t, err, pregonero.EFORBIDDEN)
		_, err = f.svc.Tokens(f.as(beto), ana.ID)
		wantCode(t, err, pregonero.EFORBIDDEN)
		err = f.svc.RevokeToken(f.as(beto), ana.ID, rec.ID)
		wantCode(t, err, pregonero.EFORBIDDEN)
		// A token is revoked through its own user only.
		err = f.svc.RevokeToken(f.as(beto), beto.ID, rec.ID)
		wantCode(t, err, pregonero.ENOTFOUND)
		if err := f.svc.RevokeToken(f.as(admin), ana.ID, rec.ID); err != nil {
			t.Errorf("RevokeToken() by an admin = %v", err)
		}
		_, _, err = f.svc.CreateToken(f.ctx, "u_nadie", "x")
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("a token needs a name", func(t *testing.T) {
		f := newFixture(t)
		u := f.create(t, "ana", pregonero.RoleViewer)
		for _, name := range []string{"", "   ", strings.Repeat("x", users.MaxTokenNameLength+1), "línea\nnueva"} {
			_, _, err := f.svc.CreateToken(f.ctx, u.ID, name)
			wantField(t, err, "name")
		}
	})
}

package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"pregonero"
)

// TestUserStore runs the conformance suite of pregonero.UserStore against
// the stores open returns, each of which must also be a UserStore.
func TestUserStore(t *testing.T, open OpenFunc) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("UpdateUser", func(t *testing.T) { testUpdateUser(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("PurgeSessions", func(t *testing.T) { testPurgeSessions(t, open) })
	t.Run("APITokens", func(t *testing.T) { testAPITokens(t, open) })
	t.Run("UserDurability", func(t *testing.T) { testUserDurability(t, open) })
}

// users returns the store under test as a UserStore.
func (h *harness) users() pregonero.UserStore {
	h.t.Helper()
	us, ok := h.s.(pregonero.UserStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.UserStore", h.s)
	}
	return us
}

func sampleUser(id, username string) *pregonero.User {
	return &pregonero.User{
		ID:                 id,
		Username:           username,
		Role:               pregonero.RoleEditor,
		Units:              []string{"salud", "educación"},
		PasswordHash:       "$2a$12$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01",
		MustChangePassword: true,
		Language:           "es",
		Timezone:           "America/Bogota",
		CreatedAt:          base,
		UpdatedAt:          base,
	}
}

func sameUser(t *testing.T, got, want *pregonero.User) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = g.CreatedAt.UTC(), w.CreatedAt.UTC()
	g.UpdatedAt, w.UpdatedAt = g.UpdatedAt.UTC(), w.UpdatedAt.UTC()
	if !reflect.DeepEqual(g, w) {
		t.Errorf("user:\ngot  %+v\nwant %+v", g, w)
	}
}

func (h *harness) createUser(u *pregonero.User) {
	h.t.Helper()
	if err := h.users().CreateUser(h.ctx, u); err != nil {
		h.t.Fatalf("CreateUser(%s) = %v", u.Username, err)
	}
}

func usernames(us []*pregonero.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

func testUsers(t *testing.T, open OpenFunc) {
	t.Run("created user reads back by id and by name in any case", func(t *testing.T) {
		h := newHarness(t, open)
		want := sampleUser("u_1", "MLopez")
		h.createUser(want)
		got, err := h.users().User(h.ctx, "u_1")
		if err != nil {
			t.Fatalf("User() = %v", err)
		}
		sameUser(t, got, want)
		for _, name := range []string{"MLopez", "mlopez", "MLOPEZ"} {
			got, err := h.users().UserByName(h.ctx, name)
			if err != nil {
				t.Fatalf("UserByName(%q) = %v", name, err)
			}
			sameUser(t, got, want)
		}
	})

	t.Run("unknown user is not found", func(t *testing.T) {
		h := newHarness(t, open)
		h.createUser(sampleUser("u_1", "ana"))
		_, err := h.users().User(h.ctx, "u_2")
		wantCode(t, err, pregonero.ENOTFOUND)
		_, err = h.users().UserByName(h.ctx, "anab")
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("a username taken in another case is a conflict and writes nothing", func(t *testing.T) {
		h := newHarness(t, open)
		h.createUser(sampleUser("u_1", "ana"))
		err := h.users().CreateUser(h.ctx, sampleUser("u_2", "ANA"))
		wantCode(t, err, pregonero.ECONFLICT)
		_, err = h.users().User(h.ctx, "u_2")
		wantCode(t, err, pregonero.ENOTFOUND)
		err = h.users().CreateUser(h.ctx, sampleUser("u_1", "beto"))
		wantCode(t, err, pregonero.ECONFLICT)
		_, err = h.users().UserByName(h.ctx, "beto")
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("users are listed by username whatever their case", func(t *testing.T) {
		h := newHarness(t, open)
		list, err := h.users().Users(h.ctx)
		if err != nil || list == nil || len(list) != 0 {
			t.Fatalf("Users() of an empty store = %v, %v; want an empty list", list, err)
		}
		for i, name := range []string{"carla", "Beto", "ana", "David"} {
			h.createUser(sampleUser(fmt.Sprintf("u_%d", i), name))
		}
		list, err = h.users().Users(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := usernames(list), []string{"ana", "Beto", "carla", "David"}; !equalStrings(got, want) {
			t.Errorf("Users() = %v, want %v", got, want)
		}
	})

	t.Run("concurrent creations of one name make one user", func(t *testing.T) {
		h := newHarness(t, open)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				errs[i] = h.users().CreateUser(h.ctx, sampleUser(fmt.Sprintf("u_%d", i), fmt.Sprintf("Ana%c", "aA"[i%2])))
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch pregonero.ErrorCode(err) {
			case "":
				ok++
			case pregonero.ECONFLICT:
			default:
				t.Errorf("CreateUser() = %v, want nil or a conflict", err)
			}
		}
		list, err := h.users().Users(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok != 1 || len(list) != 1 {
			t.Errorf("%d creations succeeded and %d users are stored, want 1 and 1", ok, len(list))
		}
	})
}

func testUpdateUser(t *testing.T, open OpenFunc) {
	t.Run("update runs on a copy and stamps the time", func(t *testing.T) {
		h := newHarness(t, open)
		h.createUser(sampleUser("u_1", "ana"))
		now := base.Add(3 * time.Hour)
		h.clock.Set(now)
		got, err := h.users().UpdateUser(h.ctx, "u_1", func(u *pregonero.User) error {
			u.Role, u.Units, u.Disabled, u.MustChangePassword = pregonero.RoleViewer, nil, true, false
			u.PasswordHash = "$2a$12$new"
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateUser() = %v", err)
		}
		want := sampleUser("u_1", "ana")
		want.Role, want.Units, want.Disabled, want.MustChangePassword = pregonero.RoleViewer, nil, true, false
		want.PasswordHash, want.UpdatedAt = "$2a$12$new", now
		sameUser(t, got, want)
		stored, err := h.users().User(h.ctx, "u_1")
		if err != nil {
			t.Fatal(err)
		}
		sameUser(t, stored, want)
	})

	t.Run("update error writes nothing", func(t *testing.T) {
		h := newHarness(t, open)
		h.createUser(sampleUser("u_1", "ana"))
		_, err := h.users().UpdateUser(h.ctx, "u_1", func(u *pregonero.User) error {
			u.Disabled = true
			return errRefused
		})
		if !errors.Is(err, errRefused) {
			t.Fatalf("UpdateUser() = %v, want %v", err, errRefused)
		}
		got, err := h.users().User(h.ctx, "u_1")
		if err != nil {
			t.Fatal(err)
		}
		sameUser(t, got, sampleUser("u_1", "ana"))
	})

	t.Run("unknown user is not found", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.users().UpdateUser(h.ctx, "u_9", func(*pregonero.User) error { return nil })
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("the id cannot change", func(t *testing.T) {
		h := newHarness(t, open)
		h.createUser(sampleUser("u_1", "ana"))
		_, err := h.users().UpdateUser(h.ctx, "u_1", func(u *pregonero.User) error {
			u.ID = "u_2"
			return nil
		})
		wantCode(t, err, pregonero.EINVALID)
		_, err = h.users().User(h.ctx, "u_2")
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("a rename frees the old name and takes the new one", func(t *testing.T) {
		h := newHarness(t, open)
		h.createUser(sampleUser("u_1", "ana"))
		h.createUser(sampleUser("u_2", "beto"))
		if _, err := h.users().UpdateUser(h.ctx, "u_1", func(u *pregonero.User) error {
			u.Username = "Anita"
			return nil
		}); err != nil {
			t.Fatalf("UpdateUser() = %v", err)
		}
		_, err := h.users().UserByName(h.ctx, "ana")
		wantCode(t, err, pregonero.ENOTFOUND)
		if u, err := h.users().UserByName(h.ctx, "anita"); err != nil || u.ID != "u_1" {
			t.Errorf("UserByName(anita) = %v, %v; want u_1", u, err)
		}
		list, err := h.users().Users(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := usernames(list), []string{"Anita", "beto"}; !equalStrings(got, want) {
			t.Errorf("Users() = %v, want %v", got, want)
		}
		h.createUser(sampleUser("u_3", "ana"))
	})

	t.Run("a change of case alone keeps the name", func(t *testing.T) {
		h := newHarness(t, open)
		h.createUser(sampleUser("u_1", "ana"))
		if _, err := h.users().UpdateUser(h.ctx, "u_1", func(u *pregonero.User) error {
			u.Username = "Ana"
			return nil
		}); err != nil {
			t.Fatalf("UpdateUser() = %v", err)
		}
		if u, err := h.users().UserByName(h.ctx, "ANA"); err != nil || u.Username != "Ana" {
			t.Errorf("UserByName(ANA) = %v, %v; want Ana", u, err)
		}
	})

	t.Run("a rename to a taken name is a conflict", func(t *testing.T) {
		h := newHarness(t, open)
		h.createUser(sampleUser("u_1", "ana"))
		h.createUser(sampleUser("u_2", "beto"))
		_, err := h.users().UpdateUser(h.ctx, "u_1", func(u *pregonero.User) error {
			u.Username = "BETO"
			return nil
		})
		wantCode(t, err, pregonero.ECONFLICT)
		if u, err := h.users().UserByName(h.ctx, "ana"); err != nil || u.ID != "u_1" {
			t.Errorf("UserByName(ana) = %v, %v; want u_1 unchanged", u, err)
		}
		if u, err := h.users().UserByName(h.ctx, "beto"); err != nil || u.ID != "u_2" {
			t.Errorf("UserByName(beto) = %v, %v; want u_2", u, err)
		}
	})
}

func sampleSession(id, userID string, lastSeen time.Time) *pregonero.Session {
	return &pregonero.Session{ID: id, UserID: userID, CSRF: "csrf-" + id, Address: "192.0.2.7", Created: base, LastSeen: lastSeen}
}

func sameSession(t *testing.T, got, want *pregonero.Session) {
	t.Helper()
	g, w := *got, *want
	g.Created, w.Created = g.Created.UTC(), w.Created.UTC()
	g.LastSeen, w.LastSeen = g.LastSeen.UTC(), w.LastSeen.UTC()
	if g != w {
		t.Errorf("session:\ngot  %+v\nwant %+v", g, w)
	}
}

func (h *harness) putSession(s *pregonero.Session) {
	h.t.Helper()
	if err := h.users().PutSession(h.ctx, s); err != nil {
		h.t.Fatalf("PutSession(%s) = %v", s.ID, err)
	}
}

// sessionExists reports whether the store has the session.
func (h *harness) sessionExists(id string) bool {
	h.t.Helper()
	_, err := h.users().Session(h.ctx, id)
	switch pregonero.ErrorCode(err) {
	case "":
		return true
	case pregonero.ENOTFOUND:
		return false
	}
	h.t.Fatalf("Session(%s) = %v", id, err)
	return false
}

func testSessions(t *testing.T, open OpenFunc) {
	t.Run("a session reads back, is touched and deleted", func(t *testing.T) {
		h := newHarness(t, open)
		s := sampleSession("s1", "u_1", base)
		h.putSession(s)
		got, err := h.users().Session(h.ctx, "s1")
		if err != nil {
			t.Fatalf("Session() = %v", err)
		}
		sameSession(t, got, s)
		s.LastSeen = base.Add(time.Hour)
		h.putSession(s)
		got, err = h.users().Session(h.ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		sameSession(t, got, s)
		if err := h.users().DeleteSession(h.ctx, "s1"); err != nil {
			t.Fatalf("DeleteSession() = %v", err)
		}
		if h.sessionExists("s1") {
			t.Error("session still there after DeleteSession")
		}
		if err := h.users().DeleteSession(h.ctx, "s1"); err != nil {
			t.Errorf("DeleteSession() of a session already gone = %v, want nil", err)
		}
	})

	t.Run("unknown session is not found", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.users().Session(h.ctx, "nope")
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("deleting a user's sessions leaves the others' alone", func(t *testing.T) {
		h := newHarness(t, open)
		h.putSession(sampleSession("s1", "u_1", base))
		h.putSession(sampleSession("s2", "u_1", base))
		h.putSession(sampleSession("s3", "u_10", base)) // a prefix of u_1's ids must not match
		h.putSession(sampleSession("s4", "u_2", base))
		if err := h.users().DeleteUserSessions(h.ctx, "u_1"); err != nil {
			t.Fatalf("DeleteUserSessions() = %v", err)
		}
		for id, want := range map[string]bool{"s1": false, "s2": false, "s3": true, "s4": true} {
			if got := h.sessionExists(id); got != want {
				t.Errorf("session %s exists = %v, want %v", id, got, want)
			}
		}
		if err := h.users().DeleteUserSessions(h.ctx, "u_1"); err != nil {
			t.Errorf("DeleteUserSessions() of a user without sessions = %v, want nil", err)
		}
	})

	t.Run("a session moved to another user is ended with that user's", func(t *testing.T) {
		h := newHarness(t, open)
		h.putSession(sampleSession("s1", "u_1", base))
		h.putSession(sampleSession("s1", "u_2", base))
		if err := h.users().DeleteUserSessions(h.ctx, "u_1"); err != nil {
			t.Fatal(err)
		}
		if !h.sessionExists("s1") {
			t.Fatal("session of u_2 deleted with u_1's")
		}
		if err := h.users().DeleteUserSessions(h.ctx, "u_2"); err != nil {
			t.Fatal(err)
		}
		if h.sessionExists("s1") {
			t.Error("session of u_2 survived DeleteUserSessions(u_2)")
		}
	})
}

func testPurgeSessions(t *testing.T, open OpenFunc) {
	t.Run("sessions last seen before the cutoff go, up to the limit", func(t *testing.T) {
		h := newHarness(t, open)
		cutoff := base.Add(time.Hour)
		for i := range 5 {
			h.putSession(sampleSession(fmt.Sprintf("old%d", i), "u_1", cutoff.Add(-time.Duration(i+1)*time.Minute)))
		}
		h.putSession(sampleSession("edge", "u_1", cutoff))
		h.putSession(sampleSession("new", "u_2", cutoff.Add(time.Minute)))
		n, err := h.users().PurgeSessions(h.ctx, cutoff, 3)
		if err != nil || n != 3 {
			t.Fatalf("PurgeSessions(limit 3) = %d, %v; want 3", n, err)
		}
		n, err = h.users().PurgeSessions(h.ctx, cutoff, 100)
		if err != nil || n != 2 {
			t.Fatalf("second PurgeSessions() = %d, %v; want 2", n, err)
		}
		for i := range 5 {
			if h.sessionExists(fmt.Sprintf("old%d", i)) {
				t.Errorf("session old%d survived the purge", i)
			}
		}
		if !h.sessionExists("edge") || !h.sessionExists("new") {
			t.Error("a session seen at or after the cutoff was purged")
		}
		// The purged sessions left the index by user too.
		if err := h.users().DeleteUserSessions(h.ctx, "u_1"); err != nil {
			t.Fatal(err)
		}
		if h.sessionExists("edge") || !h.sessionExists("new") {
			t.Error("DeleteUserSessions after a purge deleted the wrong sessions")
		}
	})

	t.Run("a limit that is not positive is refused", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.users().PurgeSessions(h.ctx, base, 0)
		wantCode(t, err, pregonero.EINVALID)
	})
}

func sampleToken(id, userID string, created time.Time) *pregonero.APIToken {
	return &pregonero.APIToken{ID: id, UserID: userID, Name: "cli " + id, Created: created}
}

func sameToken(t *testing.T, got, want *pregonero.APIToken) {
	t.Helper()
	g, w := *got, *want
	g.Created, w.Created = g.Created.UTC(), w.Created.UTC()
	g.LastUsed, w.LastUsed = g.LastUsed.UTC(), w.LastUsed.UTC()
	if g != w {
		t.Errorf("api token:\ngot  %+v\nwant %+v", g, w)
	}
}

func (h *harness) putToken(tok *pregonero.APIToken) {
	h.t.Helper()
	if err := h.users().PutAPIToken(h.ctx, tok); err != nil {
		h.t.Fatalf("PutAPIToken(%s) = %v", tok.ID, err)
	}
}

func (h *harness) tokenIDs(userID string) []string {
	h.t.Helper()
	ts, err := h.users().APITokens(h.ctx, userID)
	if err != nil {
		h.t.Fatalf("APITokens(%s) = %v", userID, err)
	}
	ids := []string{}
	for _, tok := range ts {
		ids = append(ids, tok.ID)
	}
	return ids
}

func testAPITokens(t *testing.T, open OpenFunc) {
	t.Run("a token reads back, is touched and deleted", func(t *testing.T) {
		h := newHarness(t, open)
		tok := sampleToken("t1", "u_1", base)
		h.putToken(tok)
		got, err := h.users().APIToken(h.ctx, "t1")
		if err != nil {
			t.Fatalf("APIToken() = %v", err)
		}
		sameToken(t, got, tok)
		tok.LastUsed = base.Add(time.Hour)
		h.putToken(tok)
		got, err = h.users().APIToken(h.ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		sameToken(t, got, tok)
		if err := h.users().DeleteAPIToken(h.ctx, "t1"); err != nil {
			t.Fatalf("DeleteAPIToken() = %v", err)
		}
		_, err = h.users().APIToken(h.ctx, "t1")
		wantCode(t, err, pregonero.ENOTFOUND)
		if ids := h.tokenIDs("u_1"); len(ids) != 0 {
			t.Errorf("APITokens() after the delete = %v, want none", ids)
		}
	})

	t.Run("a user's tokens are listed oldest first, and only theirs", func(t *testing.T) {
		h := newHarness(t, open)
		h.putToken(sampleToken("tc", "u_1", base.Add(time.Minute)))
		h.putToken(sampleToken("ta", "u_1", base.Add(2*time.Minute)))
		h.putToken(sampleToken("tb", "u_1", base))
		h.putToken(sampleToken("tx", "u_10", base))
		h.putToken(sampleToken("ty", "u_2", base))
		if got, want := h.tokenIDs("u_1"), []string{"tb", "tc", "ta"}; !equalStrings(got, want) {
			t.Errorf("APITokens(u_1) = %v, want %v", got, want)
		}
		if got := h.tokenIDs("u_3"); len(got) != 0 {
			t.Errorf("APITokens() of a user without tokens = %v, want none", got)
		}
	})

	t.Run("unknown token is not found", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.users().APIToken(h.ctx, "nope")
		wantCode(t, err, pregonero.ENOTFOUND)
	})
}

func testUserDurability(t *testing.T, open OpenFunc) {
	t.Run("users, sessions and tokens survive close and reopen", func(t *testing.T) {
		h := newHarness(t, open)
		u := sampleUser("u_1", "ana")
		h.createUser(u)
		s := sampleSession("s1", "u_1", base)
		h.putSession(s)
		tok := sampleToken("t1", "u_1", base)
		h.putToken(tok)
		h.reopen()
		got, err := h.users().UserByName(h.ctx, "Ana")
		if err != nil {
			t.Fatal(err)
		}
		sameUser(t, got, u)
		gs, err := h.users().Session(h.ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		sameSession(t, gs, s)
		if ids := h.tokenIDs("u_1"); !equalStrings(ids, []string{"t1"}) {
			t.Errorf("APITokens() after reopen = %v, want [t1]", ids)
		}
	})
}

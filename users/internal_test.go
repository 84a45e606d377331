package users

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pregonero"
	"pregonero/store"
)

// A sign-in for a user that does not exist must cost a bcrypt check like
// one that does, or its speed tells which usernames exist.
func TestUnknownUserIsCheckedAgainstADummyHash(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := New(Config{Store: db, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	dummy := s.dummy
	calls := 0
	s.dummy = func() (string, error) {
		calls++
		return dummy()
	}
	ctx := context.Background()
	if _, err := s.Create(ctx, "ana", "contraseña-ana", pregonero.RoleViewer, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.SignIn(ctx, "ana", "not-the-password", "192.0.2.1"); pregonero.ErrorCode(err) != pregonero.EUNAUTHORIZED {
		t.Fatalf("SignIn() = %v", err)
	}
	if calls != 0 {
		t.Errorf("a known user was checked against the dummy hash")
	}
	if _, _, _, err := s.SignIn(ctx, "nadie", "not-the-password", "192.0.2.1"); pregonero.ErrorCode(err) != pregonero.EUNAUTHORIZED {
		t.Fatalf("SignIn() = %v", err)
	}
	if calls != 1 {
		t.Errorf("an unknown user was checked against the dummy hash %d times, want once", calls)
	}
	h, err := dummy()
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := bcrypt.Cost([]byte(h)); err != nil || cost != bcrypt.MinCost {
		t.Errorf("dummy hash cost = %d, %v; want the service's %d", cost, err, bcrypt.MinCost)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	for i, w := range want {
		if got := backoff(ThrottleAfter + i); got != w {
			t.Errorf("backoff(%d) = %v, want %v", ThrottleAfter+i, got, w)
		}
	}
	if got := backoff(1000); got != ThrottleMaxWait {
		t.Errorf("backoff(1000) = %v, want %v", got, ThrottleMaxWait)
	}
}

func TestThrottleMemoryIsBounded(t *testing.T) {
	th := newThrottle()
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	// A run being slowed survives any number of other keys.
	for range ThrottleAfter {
		th.fail("slowed", now)
	}
	for i := range 3 * maxStrikes {
		th.fail(string(rune(i))+"\x00x", now)
	}
	if len(th.strikes) > maxStrikes+1 {
		t.Errorf("%d runs kept, want at most %d", len(th.strikes), maxStrikes+1)
	}
	if _, waiting := th.wait("slowed", now); !waiting {
		t.Error("a run being slowed was dropped to make room")
	}
	// A run is forgotten a day after its last wrong password.
	later := now.Add(forgetAfter + time.Second)
	if until := th.fail("slowed", later); !until.IsZero() {
		t.Errorf("a day later, the first wrong password slows until %v, want no wait", until)
	}
	if len(th.locks) != 0 {
		t.Errorf("%d key locks left, want none", len(th.locks))
	}
}

package fake_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/x/fake"
)

func TestFaults(t *testing.T) {
	e := newEnv(t, fake.Options{})
	faults := e.fake.Faults()
	add := func(t *testing.T, r fakenet.Rule) {
		t.Helper()
		if _, err := faults.Add(r); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { faults.Clear() })
	}

	t.Run("error answers X's problem and creates nothing", func(t *testing.T) {
		add(t, fakenet.Rule{Network: "x", Op: "create", Mode: fakenet.ModeError, Status: 503, Count: 1})
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "during an outage"})
		assertBody(t, res, http.StatusServiceUnavailable, `{"title":"Service Unavailable","type":"about:blank","status":503,"detail":"Service Unavailable"}`)
		if n := len(e.fake.Ledger().Posts()); n != 0 {
			t.Errorf("ledger has %d posts, want 0", n)
		}
		e.createPost(t, "ana", "during an outage") // count 1 was spent
	})

	t.Run("error 429 carries spent rate-limit headers", func(t *testing.T) {
		add(t, fakenet.Rule{Network: "x", Op: "*", Mode: fakenet.ModeError, Status: 429})
		res := e.do(t, "ana", "GET", "/2/users/me", nil)
		if res.status != http.StatusTooManyRequests || res.header.Get("x-rate-limit-remaining") != "0" || res.header.Get("x-rate-limit-reset") == "" {
			t.Errorf("status %d headers %v, want 429 with remaining 0 and a reset", res.status, res.header)
		}
	})

	t.Run("delay holds the answer", func(t *testing.T) {
		add(t, fakenet.Rule{Network: "x", Op: "lookup", Mode: fakenet.ModeDelay, DelayMS: 150})
		start := time.Now()
		if res := e.do(t, "ana", "GET", "/2/users/me", nil); res.status != http.StatusOK {
			t.Fatalf("status %d", res.status)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("answered after %v, want at least 150ms", d)
		}
	})

	t.Run("delay gives up with the client", func(t *testing.T) {
		// The delay ends well before the check: a fake that ignored the
		// client's going away would have recorded the post by then.
		add(t, fakenet.Rule{Network: "x", Op: "create", Mode: fakenet.ModeDelay, DelayMS: 200})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", e.base+"/2/tweets", strings.NewReader(`{"text":"abandoned"}`))
		req.Header.Set("Authorization", "Bearer "+fake.AccessToken("ana"))
		req.Header.Set("Content-Type", "application/json")
		if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
		time.Sleep(500 * time.Millisecond)
		for _, p := range e.fake.Ledger().Posts() {
			if p.Text == "abandoned" {
				t.Error("abandoned request was processed")
			}
		}
	})

	t.Run("drop_after_accept records the post and hangs up", func(t *testing.T) {
		add(t, fakenet.Rule{Network: "x", Op: "create", Mode: fakenet.ModeDropAfterAccept, Count: 1})
		req, _ := http.NewRequest("POST", e.base+"/2/tweets", strings.NewReader(`{"text":"did it go out?"}`))
		req.Header.Set("Authorization", "Bearer "+fake.AccessToken("ana"))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			t.Fatalf("got status %d, want a connection error", res.StatusCode)
		}
		found := false
		for _, p := range e.fake.Ledger().Filter("x", "ana") {
			found = found || p.Text == "did it go out?"
		}
		if !found {
			t.Error("dropped post is not in the ledger")
		}
		res2 := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "did it go out?"})
		if res2.status != http.StatusForbidden {
			t.Errorf("retry: status %d, want 403 duplicate", res2.status)
		}
	})

	t.Run("unknown op is refused", func(t *testing.T) {
		if _, err := faults.Add(fakenet.Rule{Network: "x", Op: "like", Mode: fakenet.ModeError}); err == nil {
			t.Error("rule with op like accepted")
		}
	})
}

package fake_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"pregonero/adapters/x/fake"
)

func TestRateLimits(t *testing.T) {
	e := newEnv(t, fake.Options{Limits: fake.Limits{CreatePost: 3, Me: 2, UserPosts24h: 4}})
	start := e.clock.Now()

	t.Run("headers count down on every response", func(t *testing.T) {
		for i, want := range []string{"2", "1", "0"} {
			res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "post " + strconv.Itoa(i)})
			if res.status != http.StatusCreated {
				t.Fatalf("post %d: status %d: %s", i, res.status, res.body)
			}
			h := res.header
			if h.Get("x-rate-limit-limit") != "3" || h.Get("x-rate-limit-remaining") != want {
				t.Errorf("post %d: limit %q remaining %q, want 3 and %s", i, h.Get("x-rate-limit-limit"), h.Get("x-rate-limit-remaining"), want)
			}
			if got, want := h.Get("x-rate-limit-reset"), strconv.FormatInt(start.Add(15*time.Minute).Unix(), 10); got != want {
				t.Errorf("reset = %s, want %s", got, want)
			}
			if h.Get("x-user-limit-24hour-limit") != "4" || h.Get("x-user-limit-24hour-remaining") != strconv.Itoa(3-i) {
				t.Errorf("24h headers = %q/%q, want 4/%d", h.Get("x-user-limit-24hour-limit"), h.Get("x-user-limit-24hour-remaining"), 3-i)
			}
		}
	})

	t.Run("429 once the window is spent", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "one too many"})
		assertBody(t, res, http.StatusTooManyRequests, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)
		if res.header.Get("x-rate-limit-remaining") != "0" || res.header.Get("x-rate-limit-reset") == "" {
			t.Errorf("429 headers = %v, want remaining 0 and a reset", res.header)
		}
		if n := len(e.fake.Ledger().Filter("x", "ana")); n != 3 {
			t.Errorf("ledger has %d posts, want 3", n)
		}
	})

	t.Run("other users have their own window", func(t *testing.T) {
		e.createPost(t, "beto", "beto is not limited by ana")
	})

	t.Run("validation errors count too", func(t *testing.T) {
		for range 2 {
			e.do(t, "carla", "GET", "/2/users/me?bad=1", nil)
		}
		if res := e.do(t, "carla", "GET", "/2/users/me", nil); res.status != http.StatusTooManyRequests {
			t.Errorf("status = %d, want 429", res.status)
		}
	})

	t.Run("window resets after 15 minutes", func(t *testing.T) {
		e.clock.Advance(15 * time.Minute)
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "after the reset"})
		if res.status != http.StatusCreated || res.header.Get("x-rate-limit-remaining") != "2" {
			t.Errorf("status %d remaining %q, want 201 and 2", res.status, res.header.Get("x-rate-limit-remaining"))
		}
	})

	t.Run("24-hour user limit refuses the fifth post", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "fifth in a day"})
		if res.status != http.StatusTooManyRequests || res.header.Get("x-user-limit-24hour-remaining") != "0" {
			t.Errorf("status %d 24h remaining %q, want 429 and 0", res.status, res.header.Get("x-user-limit-24hour-remaining"))
		}
	})
}

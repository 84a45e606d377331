package fakenet_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pregonero/adapters/fakenet"
)

func TestWindows(t *testing.T) {
	ws := fakenet.NewWindows()
	t0 := time.Unix(1_800_000_000, 0)
	for i := 2; i >= 0; i-- {
		q, ok := ws.Take("ana create", 3, time.Minute, t0.Add(time.Second))
		if !ok || q.Remaining != i || q.Limit != 3 || !q.Reset.Equal(t0.Add(time.Minute+time.Second)) {
			t.Fatalf("take = %+v, %v; want remaining %d", q, ok, i)
		}
	}
	t.Run("spent window refuses", func(t *testing.T) {
		if q, ok := ws.Take("ana create", 3, time.Minute, t0.Add(30*time.Second)); ok || q.Remaining != 0 {
			t.Errorf("take = %+v, %v; want refused", q, ok)
		}
	})
	t.Run("other keys are separate", func(t *testing.T) {
		if _, ok := ws.Take("beto create", 3, time.Minute, t0); !ok {
			t.Error("beto refused")
		}
	})
	t.Run("window resets after its period", func(t *testing.T) {
		if q, ok := ws.Take("ana create", 3, time.Minute, t0.Add(61*time.Second)); !ok || q.Remaining != 2 {
			t.Errorf("take = %+v, %v; want a fresh window", q, ok)
		}
	})
	t.Run("peek spends nothing", func(t *testing.T) {
		a := ws.Peek("carla", 1, time.Minute, t0)
		b := ws.Peek("carla", 1, time.Minute, t0)
		if a.Remaining != 1 || b.Remaining != 1 {
			t.Errorf("peeks = %+v, %+v; want 1 remaining", a, b)
		}
	})
}

func TestClock(t *testing.T) {
	t0 := time.Unix(0, 0)
	c := fakenet.NewClock(t0)
	if got := c.Advance(time.Hour); !got.Equal(t0.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Errorf("advance = %v, now %v", got, c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Errorf("now = %v, want %v", c.Now(), t0)
	}
}

func TestDropAfter(t *testing.T) {
	var ran atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fakenet.DropAfter(w, r, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			ran.Store(true)
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte("never seen"))
		}))
	}))
	defer srv.Close()
	res, err := http.Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err == nil {
		res.Body.Close()
		t.Fatalf("status %d, want a connection error", res.StatusCode)
	}
	if !ran.Load() {
		t.Error("handler did not run")
	}
}

func TestDelay(t *testing.T) {
	t.Run("waits then returns", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", strings.NewReader("body"))
		start := time.Now()
		if err := fakenet.Delay(r, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) < 50*time.Millisecond {
			t.Error("returned early")
		}
		if b, _ := io.ReadAll(r.Body); string(b) != "body" {
			t.Errorf("body after delay = %q, want it intact", b)
		}
	})
	t.Run("gives up with the context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		r := httptest.NewRequestWithContext(ctx, "GET", "/", nil)
		if err := fakenet.Delay(r, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want deadline exceeded", err)
		}
	})
}

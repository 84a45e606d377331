package fakenet_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"pregonero/adapters/fakenet"
)

func newFaults() *fakenet.Faults {
	f := fakenet.NewFaults(42)
	f.Register("x", "create", "upload")
	return f
}

func TestFaultRules(t *testing.T) {
	t.Run("defaults are filled", func(t *testing.T) {
		r, err := newFaults().Add(fakenet.Rule{Network: "x", Op: "create", Mode: fakenet.ModeError})
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.Status != 503 || r.Probability != 1 {
			t.Errorf("rule = %+v, want an id, status 503 and probability 1", r)
		}
	})
	bad := map[string]fakenet.Rule{
		"unknown network":        {Network: "myspace", Op: "create", Mode: fakenet.ModeError},
		"unknown op":             {Network: "x", Op: "like", Mode: fakenet.ModeError},
		"unknown mode":           {Network: "x", Op: "create", Mode: "explode"},
		"missing mode":           {Network: "x", Op: "create"},
		"non-error status":       {Network: "x", Op: "create", Mode: fakenet.ModeError, Status: 200},
		"delay without delay_ms": {Network: "x", Op: "create", Mode: fakenet.ModeDelay},
		"probability above one":  {Network: "x", Op: "create", Mode: fakenet.ModeError, Probability: 1.5},
		"negative count":         {Network: "x", Op: "create", Mode: fakenet.ModeError, Count: -1},
		"status on a delay rule": {Network: "x", Op: "create", Mode: fakenet.ModeDelay, DelayMS: 5, Status: 503},
		"delay over the maximum": {Network: "x", Op: "create", Mode: fakenet.ModeDelay, DelayMS: 3_600_000},
		"delay_ms on an error":   {Network: "x", Op: "create", Mode: fakenet.ModeError, DelayMS: 5},
		"missing op":             {Network: "x", Mode: fakenet.ModeError},
	}
	for name, r := range bad {
		t.Run(name+" is refused", func(t *testing.T) {
			if _, err := newFaults().Add(r); err == nil {
				t.Errorf("rule %+v accepted", r)
			}
		})
	}
	t.Run("count is spent exactly under concurrency", func(t *testing.T) {
		f := newFaults()
		f.Add(fakenet.Rule{Network: "x", Op: "create", Mode: fakenet.ModeError, Count: 25})
		var hits atomic.Int64
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				if _, ok := f.Match("x", "create"); ok {
					hits.Add(1)
				}
			})
		}
		wg.Wait()
		if hits.Load() != 25 {
			t.Errorf("hits = %d, want 25", hits.Load())
		}
		if n := len(f.Rules()); n != 0 {
			t.Errorf("%d rules left, want the spent rule removed", n)
		}
	})
	t.Run("op star matches every op of its network only", func(t *testing.T) {
		f := newFaults()
		f.Register("facebook", "create")
		f.Add(fakenet.Rule{Network: "x", Op: "*", Mode: fakenet.ModeDropAfterAccept})
		if _, ok := f.Match("x", "upload"); !ok {
			t.Error("x upload not matched")
		}
		if _, ok := f.Match("facebook", "create"); ok {
			t.Error("facebook matched by an x rule")
		}
	})
	t.Run("probability is seeded and roughly honoured", func(t *testing.T) {
		run := func() (hits int, seq string) {
			f := newFaults()
			f.Add(fakenet.Rule{Network: "x", Op: "create", Mode: fakenet.ModeError, Probability: 0.3})
			var b strings.Builder
			for range 1000 {
				_, ok := f.Match("x", "create")
				if ok {
					hits++
					b.WriteByte('1')
				} else {
					b.WriteByte('0')
				}
			}
			return hits, b.String()
		}
		h1, s1 := run()
		_, s2 := run()
		if s1 != s2 {
			t.Error("same seed gave different outcomes")
		}
		if h1 < 230 || h1 > 370 {
			t.Errorf("hits = %d of 1000, want about 300", h1)
		}
	})
}

func TestFaultsHTTP(t *testing.T) {
	f := newFaults()
	call := func(method, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, httptest.NewRequest(method, "/_sandbox/faults", strings.NewReader(body)))
		return rec
	}
	t.Run("POST adds a rule", func(t *testing.T) {
		rec := call("POST", `{"network":"x","op":"create","mode":"error","status":503,"probability":0.1,"count":0,"delay_ms":0}`)
		var r fakenet.Rule
		json.Unmarshal(rec.Body.Bytes(), &r)
		if rec.Code != http.StatusCreated || r.ID == 0 || r.Status != 503 || r.Probability != 0.1 {
			t.Errorf("status %d body %s", rec.Code, rec.Body)
		}
	})
	t.Run("unknown network is a 400 with a clear message", func(t *testing.T) {
		rec := call("POST", `{"network":"myspace","op":"create","mode":"error"}`)
		var body struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusBadRequest || body.Error.Code != "invalid" || !strings.Contains(body.Error.Message, `unknown network "myspace"`) {
			t.Errorf("status %d body %s", rec.Code, rec.Body)
		}
	})
	t.Run("unknown mode is a 400", func(t *testing.T) {
		if rec := call("POST", `{"network":"x","op":"create","mode":"explode"}`); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "explode") {
			t.Errorf("status %d body %s", rec.Code, rec.Body)
		}
	})
	t.Run("unknown field is a 400", func(t *testing.T) {
		if rec := call("POST", `{"network":"x","op":"create","mode":"error","colour":1}`); rec.Code != http.StatusBadRequest {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("GET lists and DELETE clears", func(t *testing.T) {
		var list struct{ Faults []fakenet.Rule }
		json.Unmarshal(call("GET", "").Body.Bytes(), &list)
		if len(list.Faults) != 1 {
			t.Fatalf("listed %d rules, want 1", len(list.Faults))
		}
		if rec := call("DELETE", ""); rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"cleared":1}` {
			t.Errorf("DELETE: status %d body %s", rec.Code, rec.Body)
		}
		if _, ok := f.Match("x", "create"); ok {
			t.Error("rule still matches after DELETE")
		}
	})
}

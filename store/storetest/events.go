package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
)

// TestEventStore runs the conformance suite of pregonero.EventStore
// against the stores open returns, each of which must also be an
// EventStore: events added by hand and those the store records itself
// in the transaction of a change.
func TestEventStore(t *testing.T, open OpenFunc) {
	t.Run("AddEvent", func(t *testing.T) { testAddEvent(t, open) })
	t.Run("DeliveryEvents", func(t *testing.T) { testDeliveryEvents(t, open) })
	t.Run("AccountEvents", func(t *testing.T) { testAccountEvents(t, open) })
	t.Run("PauseEvents", func(t *testing.T) { testPauseEvents(t, open) })
	t.Run("OnEvent", func(t *testing.T) { testOnEvent(t, open) })
}

func (h *harness) events() pregonero.EventStore {
	h.t.Helper()
	es, ok := h.s.(pregonero.EventStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.EventStore", h.s)
	}
	return es
}

func (h *harness) eventsAfter(seq uint64) []*pregonero.Event {
	h.t.Helper()
	es, err := h.events().EventsAfter(h.ctx, seq, 0)
	if err != nil {
		h.t.Fatalf("EventsAfter(%d) = %v", seq, err)
	}
	return es
}

func kinds(es []*pregonero.Event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, string(e.Kind))
	}
	return out
}

func testAddEvent(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	t.Run("events get increasing Seq and the store's time", func(t *testing.T) {
		for _, k := range []pregonero.EventKind{pregonero.EventFeedFailing, pregonero.EventPaused, pregonero.EventResumed} {
			if err := h.events().AddEvent(h.ctx, &pregonero.Event{Kind: k, Feed: "f1"}); err != nil {
				t.Fatalf("AddEvent(%s) = %v", k, err)
			}
		}
		es := h.eventsAfter(0)
		if got, want := kinds(es), []string{"feed_failing", "publishing_paused", "publishing_resumed"}; !equalStrings(got, want) {
			t.Fatalf("kinds = %v, want %v", got, want)
		}
		for i, e := range es {
			if i > 0 && e.Seq <= es[i-1].Seq {
				t.Errorf("Seq %d after %d, want increasing", e.Seq, es[i-1].Seq)
			}
			if !e.At.Equal(h.clock.Now()) {
				t.Errorf("At = %v, want %v", e.At, h.clock.Now())
			}
		}
		if got := h.eventsAfter(es[0].Seq); len(got) != 2 || got[0].Seq != es[1].Seq {
			t.Errorf("EventsAfter(first) = %v, want the last two", kinds(got))
		}
		limited, err := h.events().EventsAfter(h.ctx, 0, 1)
		if err != nil || len(limited) != 1 {
			t.Errorf("EventsAfter(0, 1) = %d events, %v; want 1", len(limited), err)
		}
	})
	t.Run("an event without a kind is refused", func(t *testing.T) {
		wantCode(t, h.events().AddEvent(h.ctx, &pregonero.Event{}), pregonero.EINVALID)
	})
	t.Run("events survive a restart", func(t *testing.T) {
		h.reopen()
		if got := len(h.eventsAfter(0)); got != 3 {
			t.Errorf("events after reopen = %d, want 3", got)
		}
	})
}

func testDeliveryEvents(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	if err := h.s.PutAccount(h.ctx, &pregonero.Account{ID: "x-a", Network: pregonero.NetworkX, Unit: "salud", Status: pregonero.AccountActive}); err != nil {
		t.Fatal(err)
	}
	p := NewPost(base.Add(2*time.Hour), "x-a", "x-b", "x-c")
	h.create(p)
	t.Run("a failed delivery makes an event with its account, unit, post and error", func(t *testing.T) {
		d := p.Deliveries[0]
		h.update(d.ID, func(d *pregonero.Delivery) {
			d.State = pregonero.DeliveryFailed
			d.LastError = &pregonero.DeliveryError{Code: "duplicate", Message: "X refused a duplicate."}
		})
		es := h.eventsAfter(0)
		if len(es) != 1 {
			t.Fatalf("events = %v, want one", kinds(es))
		}
		e := es[0]
		if e.Kind != pregonero.EventDeliveryFailed || e.Account != "x-a" || e.Unit != "salud" || e.PostID != p.ID ||
			e.DeliveryID != d.ID || e.Reason != "duplicate" || e.Message != "X refused a duplicate." {
			t.Errorf("event = %+v", e)
		}
		h.update(d.ID, func(d *pregonero.Delivery) { d.Attempts = nil })
		if got := len(h.eventsAfter(0)); got != 1 {
			t.Errorf("events after another change of the failed delivery = %d, want still 1", got)
		}
	})
	t.Run("a delivery held for a person makes an event; one held for its paused account does not", func(t *testing.T) {
		h.update(p.Deliveries[1].ID, func(d *pregonero.Delivery) {
			d.State, d.HoldReason = pregonero.DeliveryHeld, pregonero.HoldAccountPaused
		})
		h.update(p.Deliveries[2].ID, func(d *pregonero.Delivery) {
			d.State, d.HoldReason = pregonero.DeliveryHeld, pregonero.HoldOverdue
		})
		es := h.eventsAfter(1)
		if len(es) != 1 || es[0].Kind != pregonero.EventDeliveryHeld || es[0].Reason != pregonero.HoldOverdue || es[0].DeliveryID != p.Deliveries[2].ID {
			t.Errorf("events = %+v, want one delivery_held overdue of %s", es, p.Deliveries[2].ID)
		}
	})
}

func testAccountEvents(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	a := &pregonero.Account{ID: "fb-a", Network: pregonero.NetworkFacebook, Unit: "educacion", Status: pregonero.AccountActive}
	if err := h.s.PutAccount(h.ctx, a); err != nil {
		t.Fatal(err)
	}
	set := func(s pregonero.AccountStatus) {
		t.Helper()
		if _, err := h.s.UpdateAccount(h.ctx, a.ID, func(a *pregonero.Account) error { a.Status = s; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	set(pregonero.AccountNeedsReauth)
	set(pregonero.AccountActive)
	set(pregonero.AccountPaused)
	set(pregonero.AccountPaused)
	set(pregonero.AccountActive)
	a.Status = pregonero.AccountNeedsReauth
	if err := h.s.PutAccount(h.ctx, a); err != nil {
		t.Fatal(err)
	}
	es := h.eventsAfter(0)
	want := []string{"account_needs_reauth", "publishing_paused", "publishing_resumed", "account_needs_reauth"}
	if got := kinds(es); !equalStrings(got, want) {
		t.Fatalf("kinds = %v, want %v", got, want)
	}
	for _, e := range es {
		if e.Account != "fb-a" || e.Unit != "educacion" {
			t.Errorf("event %s about %q of %q, want fb-a of educacion", e.Kind, e.Account, e.Unit)
		}
	}
}

func testPauseEvents(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	for _, p := range []pregonero.PauseState{{Paused: true, Reason: "duelo"}, {Paused: true, Reason: "duelo"}, {}, {}} {
		if err := h.s.SetPause(h.ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	es := h.eventsAfter(0)
	if got, want := kinds(es), []string{"publishing_paused", "publishing_resumed"}; !equalStrings(got, want) {
		t.Fatalf("kinds = %v, want %v", got, want)
	}
	if es[0].Account != "" || es[0].Message != "duelo" {
		t.Errorf("pause event = %+v, want global with the reason", es[0])
	}
}

// testOnEvent checks the wake-up of the notifier: called once a commit
// that recorded an event is done (before the writer gets its answer),
// whether the event was added by hand or made by the store, and not for
// commits that recorded none.
func testOnEvent(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	var calls atomic.Int64
	h.events().OnEvent(func() { calls.Add(1) })
	expect := func(t *testing.T, want int64) {
		t.Helper()
		if got := calls.Swap(0); got != want {
			t.Errorf("OnEvent calls = %d, want %d", got, want)
		}
	}
	t.Run("an added event calls it", func(t *testing.T) {
		if err := h.events().AddEvent(h.ctx, &pregonero.Event{Kind: pregonero.EventFeedFailing, Feed: "f1"}); err != nil {
			t.Fatal(err)
		}
		expect(t, 1)
	})
	t.Run("a write without an event does not", func(t *testing.T) {
		if err := h.s.PutAccount(h.ctx, &pregonero.Account{ID: "x-a", Network: pregonero.NetworkX, Status: pregonero.AccountActive}); err != nil {
			t.Fatal(err)
		}
		h.create(NewPost(base.Add(2*time.Hour), "x-a"))
		expect(t, 0)
	})
	t.Run("an event the store makes in a change calls it", func(t *testing.T) {
		if err := h.s.SetPause(h.ctx, pregonero.PauseState{Paused: true}); err != nil {
			t.Fatal(err)
		}
		expect(t, 1)
	})
	t.Run("nil unregisters", func(t *testing.T) {
		h.events().OnEvent(nil)
		if err := h.s.SetPause(h.ctx, pregonero.PauseState{}); err != nil {
			t.Fatal(err)
		}
		expect(t, 0)
	})
}

package storetest

import (
	"slices"
	"testing"
	"time"

	"pregonero"
)

// TestSlotStore runs the conformance suite of pregonero.SlotStore against
// the stores open returns, each of which must also be a SlotStore.
func TestSlotStore(t *testing.T, open OpenFunc) {
	t.Run("Slots", func(t *testing.T) { testSlots(t, open) })
	t.Run("QueueIndex", func(t *testing.T) { testQueueIndex(t, open) })
	t.Run("FirstFree", func(t *testing.T) { testFirstFree(t, open) })
	t.Run("MoveQueued", func(t *testing.T) { testMoveQueued(t, open) })
	t.Run("UpdatePlacedPost", func(t *testing.T) { testUpdatePlacedPost(t, open) })
}

// slots returns the store under test as a SlotStore.
func (h *harness) slots() pregonero.SlotStore {
	h.t.Helper()
	ss, ok := h.s.(pregonero.SlotStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.SlotStore", h.s)
	}
	return ss
}

func (h *harness) queue(account string) []pregonero.QueueEntry {
	h.t.Helper()
	q, err := h.slots().Queue(h.ctx, account, time.Time{}, 0)
	if err != nil {
		h.t.Fatalf("Queue(%s) = %v", account, err)
	}
	return q
}

func queueIDs(q []pregonero.QueueEntry) []string {
	var out []string
	for _, e := range q {
		out = append(out, e.Delivery.ID)
	}
	return out
}

func testSlots(t *testing.T, open OpenFunc) {
	t.Run("an account without slots has an empty list", func(t *testing.T) {
		h := newHarness(t, open)
		got, err := h.slots().Slots(h.ctx, "x-a")
		if err != nil || got.Account != "x-a" || got.Slots == nil || len(got.Slots) != 0 {
			t.Fatalf("Slots = %+v, %v; want an empty list", got, err)
		}
	})
	t.Run("set slots are read back after a reopen", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.s.PutAccount(h.ctx, sampleAccount("x-a")); err != nil {
			t.Fatal(err)
		}
		want := []pregonero.Slot{{Days: []string{"mon", "fri"}, Time: "07:00", SkipHolidays: true}, {Days: []string{"sat"}, Time: "12:30"}}
		if _, err := h.slots().SetSlots(h.ctx, &pregonero.AccountSlots{Account: "x-a", Slots: want}, nil); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		got, err := h.slots().Slots(h.ctx, "x-a")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Slots) != 2 || got.Slots[0].Time != "07:00" || !got.Slots[0].SkipHolidays || !slices.Equal(got.Slots[1].Days, []string{"sat"}) {
			t.Errorf("Slots = %+v, want %+v", got.Slots, want)
		}
		if !got.UpdatedAt.Equal(h.clock.Now()) {
			t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, h.clock.Now())
		}
	})
	t.Run("slots of an unknown account are refused", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.slots().SetSlots(h.ctx, &pregonero.AccountSlots{Account: "nadie"}, nil)
		if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("SetSlots = %v, want not_found", err)
		}
	})
}

func testQueueIndex(t *testing.T, open OpenFunc) {
	t.Run("deliveries are listed by account in time order from the instant given", func(t *testing.T) {
		h := newHarness(t, open)
		late := NewPost(base.Add(3*time.Hour), "x-a")
		early := NewPost(base.Add(time.Hour), "x-a", "x-b")
		h.create(late, early)
		got := queueIDs(h.queue("x-a"))
		want := []string{early.Deliveries[0].ID, late.Deliveries[0].ID}
		if !slices.Equal(got, want) {
			t.Errorf("queue of x-a = %v, want %v", got, want)
		}
		q, err := h.slots().Queue(h.ctx, "x-a", base.Add(2*time.Hour), 0)
		if err != nil || !slices.Equal(queueIDs(q), want[1:]) {
			t.Errorf("queue of x-a from +2h = %v, %v; want %v", queueIDs(q), err, want[1:])
		}
		if got := queueIDs(h.queue("x-b")); !slices.Equal(got, []string{early.Deliveries[1].ID}) {
			t.Errorf("queue of x-b = %v", got)
		}
	})
	t.Run("a canceled delivery frees its instant", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a")
		h.create(p)
		if _, err := h.s.CancelPost(h.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if q := h.queue("x-a"); len(q) != 0 {
			t.Errorf("queue after cancel = %v, want empty", queueIDs(q))
		}
	})
	t.Run("a delivery held for want of a slot leaves the queue and is listed as held", func(t *testing.T) {
		h := newHarness(t, open)
		id := h.heldForWantOfASlot()
		if q := h.queue("x-a"); len(q) != 0 {
			t.Errorf("queue = %v, want empty", queueIDs(q))
		}
		held, err := h.slots().QueueHeld(h.ctx, "x-a")
		if err != nil || !slices.Equal(queueIDs(held), []string{id}) || !held[0].Placed {
			t.Fatalf("QueueHeld = %v, %v; want [%s] placed", queueIDs(held), err, id)
		}
		if d := h.delivery(id); d.State != pregonero.DeliveryHeld || d.HoldReason != pregonero.HoldNoSlot || d.LastError == nil || d.LastError.Message != "sin franjas" {
			t.Errorf("delivery = %s %s %+v, want held no_slot saying why", d.State, d.HoldReason, d.LastError)
		}
	})
}

func testFirstFree(t *testing.T, open OpenFunc) {
	seq := func(ts ...time.Time) func(func(time.Time) bool) {
		return func(yield func(time.Time) bool) {
			for _, t := range ts {
				if !yield(t) {
					return
				}
			}
		}
	}
	h := newHarness(t, open)
	var ts []time.Time
	for i := range 5 {
		ts = append(ts, base.Add(time.Duration(i+1)*time.Hour))
	}
	h.create(NewPost(ts[0], "x-a"), NewPost(ts[1], "x-a"), NewPost(ts[3], "x-a"), NewPost(ts[2], "x-b"))
	for _, c := range []struct {
		name  string
		cands []time.Time
		want  time.Time
		found bool
	}{
		{"the first candidate nobody holds", ts, ts[2], true},
		{"past several taken in a row", []time.Time{ts[0], ts[1], ts[3], ts[4]}, ts[4], true},
		{"a free first candidate", []time.Time{base}, base, true},
		{"none when every candidate is taken", []time.Time{ts[0], ts[3]}, time.Time{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok, err := h.slots().FirstFree(h.ctx, "x-a", seq(c.cands...))
			if err != nil || ok != c.found || !got.Equal(c.want) {
				t.Errorf("FirstFree = %v %v %v, want %v %v", got, ok, err, c.want, c.found)
			}
		})
	}
}

func testMoveQueued(t *testing.T, open OpenFunc) {
	t.Run("a placed delivery moves and its post takes the earliest time", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a", "x-b")
		h.create(p)
		a, b := p.Deliveries[0].ID, p.Deliveries[1].ID
		if err := h.slots().MarkPlaced(h.ctx, []string{a, b}, true); err != nil {
			t.Fatal(err)
		}
		moved, err := h.slots().MoveQueued(h.ctx, []pregonero.QueueMove{
			{DeliveryID: a, At: base.Add(5 * time.Hour)},
			{DeliveryID: b, At: base.Add(3 * time.Hour)},
		})
		if err != nil || len(moved) != 2 {
			t.Fatalf("MoveQueued = %d, %v; want 2 moved", len(moved), err)
		}
		got := h.post(p.ID)
		if !got.ScheduledAt.Equal(base.Add(3 * time.Hour)) {
			t.Errorf("post time = %v, want the earliest delivery's %v", got.ScheduledAt, base.Add(3*time.Hour))
		}
		if d := h.delivery(a); !d.ScheduledAt.Equal(base.Add(5*time.Hour)) || !d.NextAttemptAt.Equal(base.Add(5*time.Hour)) {
			t.Errorf("delivery a = %v / %v, want +5h", d.ScheduledAt, d.NextAttemptAt)
		}
		if q := h.queue("x-a"); len(q) != 1 || !q[0].Delivery.ScheduledAt.Equal(base.Add(5*time.Hour)) || !q[0].Placed {
			t.Errorf("queue of x-a = %+v", q)
		}
	})
	t.Run("a delivery with a time a person gave is never moved", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a")
		h.create(p)
		moved, err := h.slots().MoveQueued(h.ctx, []pregonero.QueueMove{{DeliveryID: p.Deliveries[0].ID, At: base.Add(5 * time.Hour)}})
		if err != nil || len(moved) != 0 {
			t.Fatalf("MoveQueued = %d, %v; want nothing moved", len(moved), err)
		}
		if d := h.delivery(p.Deliveries[0].ID); !d.ScheduledAt.Equal(base.Add(time.Hour)) {
			t.Errorf("delivery moved to %v", d.ScheduledAt)
		}
	})
	t.Run("a delivery held for want of a slot goes back to the queue at its new slot", func(t *testing.T) {
		h := newHarness(t, open)
		id := h.heldForWantOfASlot()
		if _, err := h.slots().MoveQueued(h.ctx, []pregonero.QueueMove{{DeliveryID: id, At: base.Add(7 * time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		d := h.delivery(id)
		if d.State != pregonero.DeliveryQueued || !d.ScheduledAt.Equal(base.Add(7*time.Hour)) || !d.NextAttemptAt.Equal(base.Add(7*time.Hour)) {
			t.Errorf("delivery = %s at %v next %v, want queued at +7h", d.State, d.ScheduledAt, d.NextAttemptAt)
		}
		if q := h.queue("x-a"); len(q) != 1 {
			t.Errorf("queue = %v, want the delivery back", queueIDs(q))
		}
	})
}

// heldForWantOfASlot stores a post to x-a, an hour after base, whose
// delivery the queue placed and then held for want of a slot, and
// returns the delivery's id.
func (h *harness) heldForWantOfASlot() string {
	h.t.Helper()
	p := NewPost(base.Add(time.Hour), "x-a")
	h.create(p)
	id := p.Deliveries[0].ID
	if err := h.slots().MarkPlaced(h.ctx, []string{id}, true); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.slots().MoveQueued(h.ctx, []pregonero.QueueMove{{DeliveryID: id, Hold: true, Why: "sin franjas"}}); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// placedAt lists, for each delivery of the post, whether the queue
// placed it and its time.
func (h *harness) placedAt(p *pregonero.Post) (placed []bool, at []time.Time) {
	h.t.Helper()
	for _, d := range p.Deliveries {
		q := h.queue(d.AccountID)
		i := slices.IndexFunc(q, func(e pregonero.QueueEntry) bool { return e.Delivery.ID == d.ID })
		if i < 0 {
			h.t.Fatalf("delivery %s is not in the queue of %s", d.ID, d.AccountID)
		}
		placed = append(placed, q[i].Placed)
		at = append(at, q[i].Delivery.ScheduledAt)
	}
	return placed, at
}

func testUpdatePlacedPost(t *testing.T, open OpenFunc) {
	// moveSecond gives the post's second delivery a time of its own, two
	// hours after the post's.
	moveSecond := func(p *pregonero.Post) error {
		d := p.Deliveries[1]
		return d.Reschedule(p.ScheduledAt.Add(2*time.Hour), p.ScheduledAt.Add(2*time.Hour))
	}
	t.Run("placed deliveries keep their own times and the mark is written with the edit", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a", "x-b")
		h.create(p)
		got, err := h.slots().UpdatePlacedPost(h.ctx, p.ID, new(true), func(p *pregonero.Post) error {
			p.Text = "Boletín"
			return moveSecond(p)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Deliveries[1].ScheduledAt.Equal(base.Add(3*time.Hour)) || got.Text != "Boletín" {
			t.Errorf("post = %q, second delivery at %v; want the text and +3h", got.Text, got.Deliveries[1].ScheduledAt)
		}
		placed, at := h.placedAt(p)
		if !slices.Equal(placed, []bool{true, true}) || !at[1].Equal(base.Add(3*time.Hour)) {
			t.Errorf("placed %v at %v, want both placed, the second at +3h", placed, at)
		}
		t.Run("and later edits keep them", func(t *testing.T) {
			if _, err := h.s.UpdatePost(h.ctx, p.ID, func(p *pregonero.Post) error { p.Text = "Otra vez"; return nil }); err != nil {
				t.Fatal(err)
			}
			if _, at := h.placedAt(p); !at[1].Equal(base.Add(3 * time.Hour)) {
				t.Errorf("second delivery at %v, want +3h still", at[1])
			}
		})
		t.Run("and an edit out of the queue gives them the post's time", func(t *testing.T) {
			if _, err := h.slots().UpdatePlacedPost(h.ctx, p.ID, new(false), func(p *pregonero.Post) error { return moveSecond(p) }); err != nil {
				t.Fatal(err)
			}
			placed, at := h.placedAt(p)
			if !slices.Equal(placed, []bool{false, false}) || !at[1].Equal(base.Add(time.Hour)) {
				t.Errorf("placed %v at %v, want neither placed, both at the post's time", placed, at)
			}
		})
	})
	t.Run("a delivery the queue did not place takes its post's time", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a", "x-b")
		h.create(p)
		if _, err := h.s.UpdatePost(h.ctx, p.ID, moveSecond); err != nil {
			t.Fatal(err)
		}
		if _, at := h.placedAt(p); !at[1].Equal(base.Add(time.Hour)) {
			t.Errorf("second delivery at %v, want the post's time", at[1])
		}
	})
	t.Run("a delivery cannot go before its post", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(3*time.Hour), "x-a", "x-b")
		h.create(p)
		if _, err := h.slots().UpdatePlacedPost(h.ctx, p.ID, new(true), func(p *pregonero.Post) error {
			return p.Deliveries[1].Reschedule(base.Add(time.Hour), base.Add(time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		if _, at := h.placedAt(p); !at[1].Equal(base.Add(3 * time.Hour)) {
			t.Errorf("second delivery at %v, want the post's time", at[1])
		}
	})
	t.Run("a refused edit writes no mark", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a")
		h.create(p)
		_, err := h.slots().UpdatePlacedPost(h.ctx, p.ID, new(true), func(*pregonero.Post) error {
			return pregonero.Errorf(pregonero.ECONFLICT, "changed meanwhile")
		})
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("UpdatePlacedPost = %v, want fn's conflict", err)
		}
		if placed, _ := h.placedAt(p); placed[0] {
			t.Errorf("the delivery is marked placed by a refused edit")
		}
	})
}

package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"pregonero"
)

// wakes records what a store signals through OnDue.
type wakes struct {
	mu sync.Mutex
	at []time.Time
}

func (w *wakes) record(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.at = append(w.at, t)
}

// take returns what was signalled since the last take.
func (w *wakes) take() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.at
	w.at = nil
	return out
}

func watch(h *harness) *wakes {
	w := &wakes{}
	h.s.OnDue(w.record)
	return w
}

func testOnDue(t *testing.T, open OpenFunc) {
	t.Run("a new post signals its earliest due instant once", func(t *testing.T) {
		h := newHarness(t, open)
		w := watch(h)
		p := NewPost(base.Add(time.Hour), "x-a", "x-b")
		p.Deliveries[1].NextAttemptAt = base.Add(30 * time.Minute) // planned ahead
		h.create(p)
		if got := w.take(); len(got) != 1 || !got[0].Equal(base.Add(30*time.Minute)) {
			t.Errorf("signals %v, want one at %v", got, base.Add(30*time.Minute))
		}
	})
	t.Run("a delivery made due again signals its instant", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		h.claim(base, base, 10)
		w := watch(h)
		next := base.Add(time.Minute)
		if _, err := h.s.UpdateDelivery(h.ctx, p.Deliveries[0].ID, func(d *pregonero.Delivery) error {
			if err := d.Start(base); err != nil {
				return err
			}
			d.FinishAttempt(base, base, pregonero.OutcomeRetryable, nil)
			return d.Requeue(next, nil)
		}); err != nil {
			t.Fatal(err)
		}
		if got := w.take(); len(got) != 1 || !got[0].Equal(next) {
			t.Errorf("signals %v, want one at %v", got, next)
		}
	})
	t.Run("claims, records that make nothing due and refused writes signal nothing", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		w := watch(h)
		h.claim(base, base, 10)
		if _, err := h.s.UpdateDelivery(h.ctx, p.Deliveries[0].ID, func(d *pregonero.Delivery) error {
			if err := d.Start(base); err != nil {
				return err
			}
			return d.Publish(pregonero.Receipt{RemoteID: "1"}, base, base, "")
		}); err != nil {
			t.Fatal(err)
		}
		q := NewPost(base, "x-b")
		h.create(q)
		w.take()
		refused := errors.New("refused")
		if _, err := h.s.UpdateDelivery(h.ctx, q.Deliveries[0].ID, func(d *pregonero.Delivery) error {
			d.NextAttemptAt = base.Add(-time.Hour)
			return refused
		}); !errors.Is(err, refused) {
			t.Fatalf("UpdateDelivery() = %v", err)
		}
		if got := w.take(); len(got) != 0 {
			t.Errorf("signals %v, want none", got)
		}
	})
	t.Run("a batch signals the earliest of its updates that succeeded", func(t *testing.T) {
		h := newHarness(t, open)
		a, b := NewPost(base.Add(time.Hour), "x-a"), NewPost(base.Add(2*time.Hour), "x-b")
		h.create(a, b)
		w := watch(h)
		_, errs, err := h.s.UpdateDeliveries(h.ctx, []pregonero.DeliveryUpdate{
			{ID: a.Deliveries[0].ID, Fn: func(d *pregonero.Delivery) error { d.NextAttemptAt = base; return errors.New("no") }},
			{ID: b.Deliveries[0].ID, Fn: func(d *pregonero.Delivery) error { d.NextAttemptAt = base.Add(time.Minute); return nil }},
		})
		if err != nil || errs[0] == nil || errs[1] != nil {
			t.Fatalf("UpdateDeliveries() = %v %v", errs, err)
		}
		if got := w.take(); len(got) != 1 || !got[0].Equal(base.Add(time.Minute)) {
			t.Errorf("signals %v, want one at %v", got, base.Add(time.Minute))
		}
	})
	t.Run("lifting the pause signals the earliest due instant", func(t *testing.T) {
		h := newHarness(t, open)
		h.create(NewPost(base.Add(time.Hour), "x-a"), NewPost(base, "x-b"))
		w := watch(h)
		if err := h.s.SetPause(h.ctx, pregonero.PauseState{Paused: true, Reason: "r", Since: base}); err != nil {
			t.Fatal(err)
		}
		if got := w.take(); len(got) != 0 {
			t.Errorf("pausing signalled %v", got)
		}
		if err := h.s.SetPause(h.ctx, pregonero.PauseState{}); err != nil {
			t.Fatal(err)
		}
		if got := w.take(); len(got) != 1 || !got[0].Equal(base) {
			t.Errorf("signals %v, want one at %v", got, base)
		}
	})
	t.Run("an edit to an earlier time signals it; nil unregisters", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a")
		h.create(p)
		w := watch(h)
		if _, err := h.s.UpdatePost(h.ctx, p.ID, func(np *pregonero.Post) error { np.ScheduledAt = base; return nil }); err != nil {
			t.Fatal(err)
		}
		if got := w.take(); len(got) != 1 || !got[0].Equal(base) {
			t.Errorf("signals %v, want one at %v", got, base)
		}
		h.s.OnDue(nil)
		h.create(NewPost(base, "x-b"))
		if got := w.take(); len(got) != 0 {
			t.Errorf("signals %v after unregistering", got)
		}
	})
}

func testIdempotency(t *testing.T, open OpenFunc) {
	rec := func(key, post string, at time.Time) pregonero.Idempotency {
		return pregonero.Idempotency{Key: key, PostID: post, BodyHash: "h-" + post, CreatedAt: at}
	}
	t.Run("the record is stored with its post and survives a reopen", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		if err := h.s.CreateIdempotentPost(h.ctx, p, rec("boletin", p.ID, base)); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		got, err := h.s.Idempotency(h.ctx, "boletin")
		if err != nil || got.PostID != p.ID || got.BodyHash != "h-"+p.ID || !got.CreatedAt.Equal(base) || got.Key != "boletin" {
			t.Fatalf("Idempotency() = %+v, %v", got, err)
		}
		h.post(p.ID)
	})
	t.Run("a live key is a conflict and writes nothing", func(t *testing.T) {
		h := newHarness(t, open)
		p, q := NewPost(base, "x-a"), NewPost(base, "x-b")
		if err := h.s.CreateIdempotentPost(h.ctx, p, rec("k", p.ID, base)); err != nil {
			t.Fatal(err)
		}
		err := h.s.CreateIdempotentPost(h.ctx, q, rec("k", q.ID, base.Add(pregonero.IdempotencyTTL-time.Second)))
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("second post under a live key: %v, want conflict", err)
		}
		if _, err := h.s.Post(h.ctx, q.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("the second post was stored: %v", err)
		}
	})
	t.Run("an expired key is replaced", func(t *testing.T) {
		h := newHarness(t, open)
		p, q := NewPost(base, "x-a"), NewPost(base, "x-b")
		if err := h.s.CreateIdempotentPost(h.ctx, p, rec("k", p.ID, base)); err != nil {
			t.Fatal(err)
		}
		if err := h.s.CreateIdempotentPost(h.ctx, q, rec("k", q.ID, base.Add(pregonero.IdempotencyTTL+time.Second))); err != nil {
			t.Fatalf("post under an expired key: %v", err)
		}
		if got, err := h.s.Idempotency(h.ctx, "k"); err != nil || got.PostID != q.ID {
			t.Errorf("Idempotency() = %+v, %v; want the new post", got, err)
		}
	})
	t.Run("expired records are purged, live ones kept", func(t *testing.T) {
		h := newHarness(t, open)
		old, live, short := NewPost(base, "x-a"), NewPost(base, "x-b"), NewPost(base, "x-c")
		for _, c := range []struct {
			p   *pregonero.Post
			rec pregonero.Idempotency
		}{
			{old, rec("old", old.ID, base.Add(-25*time.Hour))}, // written before expires_at existed
			{live, rec("live", live.ID, base)},
			{short, pregonero.Idempotency{Key: "short", PostID: short.ID, CreatedAt: base, ExpiresAt: base.Add(time.Minute)}},
		} {
			if err := h.s.CreateIdempotentPost(h.ctx, c.p, c.rec); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.s.PutSetting(h.ctx, "other", []byte("x")); err != nil {
			t.Fatal(err)
		}
		n, err := h.s.PurgeIdempotency(h.ctx, base.Add(time.Hour), 10)
		if err != nil || n != 2 {
			t.Fatalf("PurgeIdempotency() = %d, %v; want 2", n, err)
		}
		if _, err := h.s.Idempotency(h.ctx, "live"); err != nil {
			t.Errorf("the live record: %v", err)
		}
		for _, k := range []string{"old", "short"} {
			if _, err := h.s.Idempotency(h.ctx, k); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
				t.Errorf("expired record %s: %v, want not found", k, err)
			}
		}
		if _, err := h.s.Setting(h.ctx, "other"); err != nil {
			t.Errorf("another setting was deleted: %v", err)
		}
		h.post(old.ID) // the posts stay
		if n, err := h.s.PurgeIdempotency(h.ctx, base.Add(time.Hour), 10); err != nil || n != 0 {
			t.Errorf("second purge = %d, %v; want 0", n, err)
		}
	})
	t.Run("a refused post leaves no record", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		err := h.s.CreateIdempotentPost(h.ctx, p, rec("k", p.ID, base))
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("existing post id: %v, want conflict", err)
		}
		if _, err := h.s.Idempotency(h.ctx, "k"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Idempotency() = %v, want not found", err)
		}
	})
}

func testUpdatePostDeliveries(t *testing.T, open OpenFunc) {
	t.Run("the edit sees the deliveries and plans their start", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a", "x-b")
		h.create(p)
		later := base.Add(3 * time.Hour)
		got, err := h.s.UpdatePost(h.ctx, p.ID, func(np *pregonero.Post) error {
			if len(np.Deliveries) != 2 {
				t.Fatalf("the edit sees %d deliveries, want 2", len(np.Deliveries))
			}
			np.ScheduledAt = later
			// The first goes an hour ahead; the second is left to the store.
			return np.Deliveries[0].Reschedule(later, later.Add(-time.Hour))
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, post := range []*pregonero.Post{got, h.post(p.ID)} {
			i := slices.IndexFunc(post.Deliveries, func(d *pregonero.Delivery) bool { return d.ID == p.Deliveries[0].ID })
			a, b := post.Deliveries[i], post.Deliveries[1-i]
			if !a.ScheduledAt.Equal(later) || !a.NextAttemptAt.Equal(later.Add(-time.Hour)) {
				t.Errorf("planned delivery at %v due %v", a.ScheduledAt, a.NextAttemptAt)
			}
			if !b.ScheduledAt.Equal(later) || !b.NextAttemptAt.Equal(later) {
				t.Errorf("other delivery at %v due %v, want moved with the post", b.ScheduledAt, b.NextAttemptAt)
			}
		}
		if due, _ := h.nextDue(); !due.Equal(later.Add(-time.Hour)) {
			t.Errorf("NextDue() = %v, want %v", due, later.Add(-time.Hour))
		}
	})
	t.Run("an edit cannot change a delivery's state or the deliveries", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a", "x-b")
		h.create(p)
		for name, fn := range map[string]func(*pregonero.Post) error{
			"state":   func(np *pregonero.Post) error { return np.Deliveries[0].Cancel() },
			"removed": func(np *pregonero.Post) error { np.Deliveries = np.Deliveries[:1]; return nil },
		} {
			if _, err := h.s.UpdatePost(h.ctx, p.ID, fn); pregonero.ErrorCode(err) != pregonero.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		for _, d := range h.post(p.ID).Deliveries {
			if d.State != pregonero.DeliveryQueued {
				t.Errorf("delivery %s is %s after a refused edit", d.ID, d.State)
			}
		}
	})
}

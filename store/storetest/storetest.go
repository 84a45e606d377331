// Package storetest is the conformance suite every pregonero.Store must
// pass: run TestStore from the implementation's tests with a function
// that opens it.
package storetest

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"pregonero"
)

// OpenFunc opens the store kept at path, creating it when it does not
// exist, with now as the clock the store stamps UpdatedAt with. The suite
// closes every store it opens and may open the same path again after
// closing it, to check durability, or open a backup written to another
// path.
type OpenFunc func(t *testing.T, path string, now func() time.Time) pregonero.Store

// TestStore runs the whole suite against the store open returns.
func TestStore(t *testing.T, open OpenFunc) {
	t.Run("CreatePosts", func(t *testing.T) { testCreatePosts(t, open) })
	t.Run("Posts", func(t *testing.T) { testPosts(t, open) })
	t.Run("CancelPost", func(t *testing.T) { testCancelPost(t, open) })
	t.Run("NextDue", func(t *testing.T) { testNextDue(t, open) })
	t.Run("ClaimDue", func(t *testing.T) { testClaimDue(t, open) })
	t.Run("UpdateDelivery", func(t *testing.T) { testUpdateDelivery(t, open) })
	t.Run("UpdateDeliveries", func(t *testing.T) { testUpdateDeliveries(t, open) })
	t.Run("UpdatePost", func(t *testing.T) { testUpdatePost(t, open) })
	t.Run("UpdatePostDeliveries", func(t *testing.T) { testUpdatePostDeliveries(t, open) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, open) })
	t.Run("OnDue", func(t *testing.T) { testOnDue(t, open) })
	t.Run("ClaimedDeliveries", func(t *testing.T) { testClaimedDeliveries(t, open) })
	t.Run("DueBefore", func(t *testing.T) { testDueBefore(t, open) })
	t.Run("HeldDeliveries", func(t *testing.T) { testHeldDeliveries(t, open) })
	t.Run("Recover", func(t *testing.T) { testRecover(t, open) })
	t.Run("Invariants", func(t *testing.T) { testInvariants(t, open) })
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("Credentials", func(t *testing.T) { testCredentials(t, open) })
	t.Run("Media", func(t *testing.T) { testMedia(t, open) })
	t.Run("MediaReferences", func(t *testing.T) { testMediaReferences(t, open) })
	t.Run("Pause", func(t *testing.T) { testPause(t, open) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open) })
	t.Run("Durability", func(t *testing.T) { testDurability(t, open) })
	t.Run("Backup", func(t *testing.T) { testBackup(t, open) })
}

// base is the suite's starting instant.
var base = time.Date(2031, 3, 14, 15, 0, 0, 0, time.UTC)

// clock is a settable clock for the store under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// harness holds one store under test and what is needed to reopen it.
type harness struct {
	t     *testing.T
	open  OpenFunc
	path  string
	clock *clock
	s     pregonero.Store
	ctx   context.Context
}

func newHarness(t *testing.T, open OpenFunc) *harness {
	t.Helper()
	h := &harness{
		t:     t,
		open:  open,
		path:  filepath.Join(t.TempDir(), "pregonero.db"),
		clock: &clock{t: base.Add(time.Hour)},
		ctx:   context.Background(),
	}
	h.s = open(t, h.path, h.clock.Now)
	t.Cleanup(func() {
		if h.s != nil {
			if err := h.s.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
		}
	})
	return h
}

// reopen closes the store and opens the same path again.
func (h *harness) reopen() {
	h.t.Helper()
	if err := h.s.Close(); err != nil {
		h.t.Fatalf("Close() = %v", err)
	}
	h.s = nil
	h.s = h.open(h.t, h.path, h.clock.Now)
}

func (h *harness) create(posts ...*pregonero.Post) {
	h.t.Helper()
	if err := h.s.CreatePosts(h.ctx, posts...); err != nil {
		h.t.Fatalf("CreatePosts() = %v", err)
	}
}

func (h *harness) post(id string) *pregonero.Post {
	h.t.Helper()
	p, err := h.s.Post(h.ctx, id)
	if err != nil {
		h.t.Fatalf("Post(%s) = %v", id, err)
	}
	return p
}

func (h *harness) delivery(id string) *pregonero.Delivery {
	h.t.Helper()
	d, err := h.s.Delivery(h.ctx, id)
	if err != nil {
		h.t.Fatalf("Delivery(%s) = %v", id, err)
	}
	return d
}

func (h *harness) update(id string, fn func(*pregonero.Delivery)) *pregonero.Delivery {
	h.t.Helper()
	d, err := h.s.UpdateDelivery(h.ctx, id, func(d *pregonero.Delivery) error {
		fn(d)
		return nil
	})
	if err != nil {
		h.t.Fatalf("UpdateDelivery(%s) = %v", id, err)
	}
	return d
}

func (h *harness) claim(now, until time.Time, limit int) []*pregonero.Delivery {
	h.t.Helper()
	ds, err := h.s.ClaimDue(h.ctx, now, until, limit)
	if err != nil {
		h.t.Fatalf("ClaimDue() = %v", err)
	}
	return ds
}

// start writes the pending attempt of claimed queued deliveries, as the
// publisher does right before their send (Delivery.Start), at now.
func (h *harness) start(now time.Time, ds ...*pregonero.Delivery) []*pregonero.Delivery {
	h.t.Helper()
	out := make([]*pregonero.Delivery, len(ds))
	for i, d := range ds {
		got, err := h.s.UpdateDelivery(h.ctx, d.ID, func(x *pregonero.Delivery) error { return x.Start(now) })
		if err != nil {
			h.t.Fatalf("start %s: %v", d.ID, err)
		}
		out[i] = got
	}
	return out
}

func (h *harness) nextDue() (time.Time, bool) {
	h.t.Helper()
	t, ok, err := h.s.NextDue(h.ctx)
	if err != nil {
		h.t.Fatalf("NextDue() = %v", err)
	}
	return t, ok
}

func (h *harness) counts() map[pregonero.DeliveryState]int {
	h.t.Helper()
	c, err := h.s.DeliveryCounts(h.ctx)
	if err != nil {
		h.t.Fatalf("DeliveryCounts() = %v", err)
	}
	return nonZero(c)
}

func (h *harness) held(account string) []*pregonero.Delivery {
	h.t.Helper()
	ds, err := h.s.HeldDeliveries(h.ctx, account)
	if err != nil {
		h.t.Fatalf("HeldDeliveries(%q) = %v", account, err)
	}
	return ds
}

// postWith returns a post at the given instant whose deliveries go to the
// accounts and start in the given states (queued when states is short).
func postWith(at time.Time, accounts []string, states ...pregonero.DeliveryState) *pregonero.Post {
	p := NewPost(at, accounts...)
	for i, d := range p.Deliveries {
		if i < len(states) {
			d.State = states[i]
		}
		switch d.State {
		case pregonero.DeliverySending:
			d.Claimed = true
			d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: at, Outcome: pregonero.OutcomePending}}
		case pregonero.DeliveryHeld:
			d.HoldReason = pregonero.HoldAccountPaused
		case pregonero.DeliveryPublished:
			d.RemoteID = "1890000000000000000"
			d.PublishedAt = at
			d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: at, FinishedAt: at, Outcome: pregonero.OutcomeOK}}
		}
	}
	return p
}

func nonZero(c map[pregonero.DeliveryState]int) map[pregonero.DeliveryState]int {
	out := map[pregonero.DeliveryState]int{}
	for k, v := range c {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func ids(ds []*pregonero.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func postIDs(ps []*pregonero.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// normDelivery makes two deliveries comparable with reflect.DeepEqual:
// times in UTC without monotonic readings, empty collections as nil.
func normDelivery(d *pregonero.Delivery) *pregonero.Delivery {
	c := d.Clone()
	c.ScheduledAt = c.ScheduledAt.UTC()
	c.NextAttemptAt = c.NextAttemptAt.UTC()
	c.PublishedAt = c.PublishedAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()
	if len(c.Attempts) == 0 {
		c.Attempts = nil
	}
	for i := range c.Attempts {
		c.Attempts[i].StartedAt = c.Attempts[i].StartedAt.UTC()
		c.Attempts[i].FinishedAt = c.Attempts[i].FinishedAt.UTC()
	}
	if c.LastError != nil {
		c.LastError.At = c.LastError.At.UTC()
	}
	if len(c.Checkpoint) == 0 {
		c.Checkpoint = nil
	}
	return c
}

func sameDelivery(t *testing.T, got, want *pregonero.Delivery) {
	t.Helper()
	if g, w := normDelivery(got), normDelivery(want); !reflect.DeepEqual(g, w) {
		t.Errorf("delivery %s:\ngot  %+v\nwant %+v", want.ID, g, w)
	}
}

// normPost is normDelivery for posts, deliveries included; a post
// without Status gets the one its deliveries give.
func normPost(p *pregonero.Post) *pregonero.Post {
	c := *p
	c.ScheduledAt = c.ScheduledAt.UTC()
	c.CreatedAt = c.CreatedAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()
	if !c.CanceledAt.IsZero() {
		c.CanceledAt = c.CanceledAt.UTC()
	}
	if len(c.Media) == 0 {
		c.Media = nil
	}
	if len(c.Overrides) == 0 {
		c.Overrides = nil
	}
	if len(c.Targets) == 0 {
		c.Targets = nil
	}
	if c.Status == "" {
		c.Status = p.DerivedStatus()
	}
	c.Deliveries = make([]*pregonero.Delivery, len(p.Deliveries))
	for i, d := range p.Deliveries {
		c.Deliveries[i] = normDelivery(d)
	}
	if len(c.Deliveries) == 0 {
		c.Deliveries = nil
	}
	return &c
}

func samePost(t *testing.T, got, want *pregonero.Post) {
	t.Helper()
	if g, w := normPost(got), normPost(want); !reflect.DeepEqual(g, w) {
		t.Errorf("post %s:\ngot  %+v\nwant %+v", want.ID, g, w)
		for i := range min(len(g.Deliveries), len(w.Deliveries)) {
			if !reflect.DeepEqual(g.Deliveries[i], w.Deliveries[i]) {
				t.Errorf("  delivery %d:\n  got  %+v\n  want %+v", i, g.Deliveries[i], w.Deliveries[i])
			}
		}
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := pregonero.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var errRefused = errors.New("refused by the update function")

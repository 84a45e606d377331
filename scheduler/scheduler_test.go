package scheduler_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/scheduler"
	"pregonero/store"
)

var t0 = time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)

type recorder struct {
	mu      sync.Mutex
	batches []int
	got     []*pregonero.Delivery
	at      []time.Time
	clock   clock.Clock
	paused  bool
}

func (r *recorder) Dispatch(ds []*pregonero.Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, len(ds))
	for _, d := range ds {
		r.got = append(r.got, d)
		r.at = append(r.at, r.clock.Now())
	}
}

func (r *recorder) Paused() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paused
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func queue(t testing.TB, db pregonero.Store, at time.Time, account string) *pregonero.Delivery {
	t.Helper()
	p := &pregonero.Post{ID: pregonero.NewID("p", at), Text: "t", Targets: []string{account}, ScheduledAt: at, CreatedAt: t0, UpdatedAt: t0}
	d := &pregonero.Delivery{ID: pregonero.NewID("d", at), PostID: p.ID, AccountID: account, Network: pregonero.NetworkX,
		State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at}
	p.Deliveries = []*pregonero.Delivery{d}
	if err := db.CreatePosts(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return d
}

type fixture struct {
	clock *clock.Fake
	db    *store.DB
	rec   *recorder
	s     *scheduler.Scheduler
	gen   uint64 // timers created as of the last asleep
}

func start(t *testing.T) *fixture {
	t.Helper()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: fc}
	s := &scheduler.Scheduler{Store: db, Dispatcher: rec, Clock: fc, Lead: 100 * time.Millisecond, Heartbeat: 10 * time.Second}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; db.Close() })
	return &fixture{clock: fc, db: db, rec: rec, s: s}
}

// asleep waits until the loop has armed a new timer since the last call:
// it has handled the last event and sleeps.
func (f *fixture) asleep(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for f.clock.Created() <= f.gen {
		if time.Now().After(deadline) {
			t.Fatal("scheduler never went to sleep")
		}
		time.Sleep(time.Millisecond)
	}
	f.gen = f.clock.Created()
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestClaimsAtTheArmedInstantMinusLeadNotBefore(t *testing.T) {
	f := start(t)
	f.asleep(t) // the first, idle sleep
	d := queue(t, f.db, t0.Add(time.Hour), "x-a")
	f.s.Notify(d.NextAttemptAt)
	f.asleep(t)
	f.clock.Advance(time.Hour - 101*time.Millisecond)
	// Force a tick a moment before the lead: it must claim nothing.
	f.s.Notify(t0)
	f.asleep(t)
	if n := f.rec.count(); n != 0 {
		t.Fatalf("claimed %d deliveries before lead time", n)
	}
	f.clock.Advance(time.Millisecond)
	eventually(t, func() bool { return f.rec.count() == 1 })
	got := f.rec.got[0]
	// Claimed, not started: the publisher writes the attempt ahead when
	// the send starts.
	if got.ID != d.ID || got.State != pregonero.DeliveryQueued || !got.Claimed || len(got.Attempts) != 0 {
		t.Fatalf("dispatched %s in state %s claimed %v with %d attempts", got.ID, got.State, got.Claimed, len(got.Attempts))
	}
}

func TestANewEarlierPostWakesTheTimer(t *testing.T) {
	f := start(t)
	f.asleep(t)
	// The store signals the new due instants itself: nobody calls Notify.
	queue(t, f.db, t0.Add(time.Hour), "x-a")
	f.asleep(t)
	early := queue(t, f.db, t0.Add(time.Second), "x-b")
	f.asleep(t)
	f.clock.Advance(time.Second)
	eventually(t, func() bool { return f.rec.count() == 1 })
	if f.rec.got[0].ID != early.ID {
		t.Errorf("dispatched %s, want %s", f.rec.got[0].ID, early.ID)
	}
}

func TestHeartbeatFindsAMissedWakeUp(t *testing.T) {
	f := start(t)
	f.asleep(t)
	f.db.OnDue(nil) // a lost wake-up
	queue(t, f.db, t0.Add(time.Second), "x-a")
	// The heartbeat timer (10 s) picks it up; the one-minute cron sweep,
	// on the wall clock, is a second net.
	f.clock.Advance(10 * time.Second)
	eventually(t, func() bool { return f.rec.count() == 1 })
}

func TestPausedClaimsNothing(t *testing.T) {
	f := start(t)
	f.rec.mu.Lock()
	f.rec.paused = true
	f.rec.mu.Unlock()
	f.asleep(t)
	queue(t, f.db, t0, "x-a")
	f.s.Notify(t0)
	f.asleep(t)
	f.clock.Advance(time.Second)
	f.s.Notify(t0)
	f.asleep(t)
	if f.rec.count() != 0 {
		t.Fatal("claimed while paused")
	}
	f.rec.mu.Lock()
	f.rec.paused = false
	f.rec.mu.Unlock()
	f.s.Notify(t0)
	eventually(t, func() bool { return f.rec.count() == 1 })
}

// stuck is a dispatcher whose Paused blocks, as a wedged loop would.
type stuck struct {
	recorder
	block chan struct{}
	in    chan struct{}
}

func (s *stuck) Paused() bool {
	select {
	case s.in <- struct{}{}:
	default:
	}
	<-s.block
	return false
}

func TestReadyFailsWhenTheLoopStopsBeating(t *testing.T) {
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := &stuck{recorder: recorder{clock: fc}, block: make(chan struct{}), in: make(chan struct{}, 1)}
	s := &scheduler.Scheduler{Store: db, Dispatcher: d, Clock: fc, Heartbeat: 10 * time.Second}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	if s.Ready() == nil {
		t.Fatal("a scheduler that never ran reports ready")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	<-d.in // the loop beat once and is now wedged
	if err := s.Ready(); err != nil {
		t.Fatalf("fresh heartbeat reported not ready: %v", err)
	}
	fc.Advance(31 * time.Second)
	if s.Ready() == nil {
		t.Fatal("ready with a heartbeat 31 s old")
	}
	close(d.block)
	cancel()
	<-done
}

func TestBurstIsClaimedInBatches(t *testing.T) {
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := &recorder{clock: fc}
	s := &scheduler.Scheduler{Store: db, Dispatcher: rec, Clock: fc, ClaimBatch: 7}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		queue(t, db, t0, "x-a")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	eventually(t, func() bool { return rec.count() == 30 })
	cancel()
	<-done
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.batches) < 5 {
		t.Errorf("batches %v, want at least 5 of at most 7", rec.batches)
	}
	for _, n := range rec.batches {
		if n > 7 {
			t.Errorf("batches %v: one exceeds the claim batch of 7", rec.batches)
		}
	}
}

package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/posting"
	"pregonero/publisher"
	"pregonero/store"
)

var t0 = time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)

// fails is a PublishFn that always fails with pe.
func fails(pe *pregonero.PublishError) func(*pregonero.Delivery, pregonero.Content) (pregonero.Receipt, error) {
	return func(*pregonero.Delivery, pregonero.Content) (pregonero.Receipt, error) {
		return pregonero.Receipt{}, pe
	}
}

// fakeAdapter is a hand-written adapter with function fields.
type fakeAdapter struct {
	mu          sync.Mutex
	remaining   int
	reset       time.Time
	PublishFn   func(d *pregonero.Delivery, c pregonero.Content) (pregonero.Receipt, error)
	ctxFn       func(ctx context.Context) // sees the context of each send
	ReconcileFn func(d *pregonero.Delivery, since time.Time) (pregonero.Receipt, bool, error)
	publishes   []string // delivery ids in call order
	reconciles  []string
	inflight    map[string]int
	maxInflight int
}

func (f *fakeAdapter) Network() pregonero.Network { return pregonero.NetworkX }

func (f *fakeAdapter) RateLimit(string) (int, time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.remaining, f.reset, !f.reset.IsZero()
}
func (f *fakeAdapter) Validate(pregonero.Content, *pregonero.Account) []pregonero.FieldError {
	return nil
}

func (f *fakeAdapter) Publish(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, a *pregonero.Account) (pregonero.Receipt, error) {
	f.mu.Lock()
	f.publishes = append(f.publishes, d.ID)
	if f.inflight == nil {
		f.inflight = map[string]int{}
	}
	f.inflight[a.ID]++
	f.maxInflight = max(f.maxInflight, f.inflight[a.ID])
	fn, cf := f.PublishFn, f.ctxFn
	f.mu.Unlock()
	if cf != nil {
		cf(ctx)
	}
	defer func() {
		f.mu.Lock()
		f.inflight[a.ID]--
		f.mu.Unlock()
	}()
	if fn == nil {
		return pregonero.Receipt{RemoteID: "r-" + d.ID, URL: "https://x.com/i/web/status/r-" + d.ID}, nil
	}
	return fn(d, c)
}

func (f *fakeAdapter) Reconcile(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, a *pregonero.Account, since time.Time) (pregonero.Receipt, bool, error) {
	f.mu.Lock()
	f.reconciles = append(f.reconciles, d.ID)
	fn := f.ReconcileFn
	f.mu.Unlock()
	if fn == nil {
		return pregonero.Receipt{}, false, nil
	}
	return fn(d, since)
}

func (f *fakeAdapter) calls() (pub, rec []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.publishes...), append([]string(nil), f.reconciles...)
}

type harness struct {
	t     *testing.T
	clock *clock.Fake
	db    *store.DB
	ad    *fakeAdapter
	pub   *publisher.Publisher
	svc   *posting.Service // the rules about posts, with pub as its sender
}

func newHarness(t *testing.T, accounts ...string) *harness {
	t.Helper()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"), store.WithNow(fc.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if len(accounts) == 0 {
		accounts = []string{"x-a"}
	}
	for _, id := range accounts {
		if err := db.PutAccount(context.Background(), &pregonero.Account{ID: id, Network: pregonero.NetworkX, Status: pregonero.AccountActive}); err != nil {
			t.Fatal(err)
		}
	}
	h := &harness{t: t, clock: fc, db: db, ad: &fakeAdapter{}}
	h.pub = h.newPublisher()
	return h
}

// serviceFor returns a posting service over st with pub as its sender.
func serviceFor(t *testing.T, st pregonero.Store, pub *publisher.Publisher, c clock.Clock) *posting.Service {
	t.Helper()
	svc, err := posting.New(posting.Config{Store: st, Sender: pub, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// service returns the posting service over the harness's store and
// publisher: pause, resume, release and cancel go through it.
func (h *harness) service() *posting.Service {
	h.t.Helper()
	if h.svc == nil {
		svc, err := posting.New(posting.Config{Store: h.db, Sender: h.pub, Now: h.clock.Now,
			Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: h.ad}})
		if err != nil {
			h.t.Fatal(err)
		}
		h.svc = svc
	}
	return h.svc
}

func (h *harness) newPublisher() *publisher.Publisher {
	p, err := publisher.New(publisher.Config{
		Store: h.db, Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: h.ad},
		Clock: h.clock, Rand: func() float64 { return 0.5 }, ReconcileDelay: 5 * time.Second,
		Limits: map[pregonero.Network]publisher.Limit{},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { p.Close() })
	return p
}

// post queues one post for the account at the given time.
func (h *harness) post(account string, at time.Time, text string) *pregonero.Delivery {
	h.t.Helper()
	now := h.clock.Now()
	p := &pregonero.Post{ID: pregonero.NewID("p", now), Text: text, Targets: []string{account}, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}
	d := &pregonero.Delivery{ID: pregonero.NewID("d", now), PostID: p.ID, AccountID: account, Network: pregonero.NetworkX,
		State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at}
	p.Deliveries = []*pregonero.Delivery{d}
	if err := h.db.CreatePosts(context.Background(), p); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// waitTimer waits until a lane sleeps on the clock (for a delivery's
// instant).
func (h *harness) waitTimer() {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.clock.Timers() == 0 {
		if time.Now().After(deadline) {
			h.t.Fatal("no lane went to sleep for its instant")
		}
		time.Sleep(time.Millisecond)
	}
}

// tick claims what is due now and dispatches it.
func (h *harness) tick() int {
	h.t.Helper()
	now := h.clock.Now()
	ds, err := h.db.ClaimDue(context.Background(), now, now, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	h.pub.Dispatch(ds)
	return len(ds)
}

// wait polls until the delivery satisfies ok.
func (h *harness) wait(id string, ok func(*pregonero.Delivery) bool) *pregonero.Delivery {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := h.db.Delivery(context.Background(), id)
		if err != nil {
			h.t.Fatal(err)
		}
		if ok(d) {
			return d
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("delivery %s: condition not reached; state=%s claimed=%v attempts=%+v err=%+v", id, d.State, d.Claimed, d.Attempts, d.LastError)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func state(s pregonero.DeliveryState) func(*pregonero.Delivery) bool {
	return func(d *pregonero.Delivery) bool { return d.State == s && !d.Claimed }
}

func TestPublishedRecordsReceiptAndAttempt(t *testing.T) {
	h := newHarness(t)
	d := h.post("x-a", t0, "hola")
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryPublished))
	if got.RemoteID != "r-"+d.ID || got.URL == "" || got.PublishedAt.IsZero() {
		t.Errorf("receipt not recorded: %+v", got)
	}
	if len(got.Attempts) != 1 || got.Attempts[0].Outcome != pregonero.OutcomeOK || got.Attempts[0].N != 1 {
		t.Errorf("attempts = %+v, want one ok", got.Attempts)
	}
}

func TestRetryableBacksOffThenFailsAfterMaxAttempts(t *testing.T) {
	h := newHarness(t)
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_upload", Message: "upload failed"})
	d := h.post("x-a", t0, "hola")
	for i := 1; i <= 8; i++ {
		if n := h.tick(); n != 1 {
			t.Fatalf("attempt %d: claimed %d", i, n)
		}
		got := h.wait(d.ID, func(d *pregonero.Delivery) bool { return !d.Claimed && len(d.Attempts) == i })
		if i < 8 {
			if got.State != pregonero.DeliveryQueued {
				t.Fatalf("attempt %d: state %s, want queued", i, got.State)
			}
			wait := got.NextAttemptAt.Sub(h.clock.Now())
			ceil := min(30*time.Second<<(i-1), 30*time.Minute)
			if want := ceil / 2; wait != want {
				t.Fatalf("attempt %d: backoff %v, want %v (half of %v with jitter 0.5)", i, wait, want, ceil)
			}
			h.clock.Set(got.NextAttemptAt)
		} else if got.State != pregonero.DeliveryFailed || got.LastError == nil {
			t.Fatalf("after 8 attempts: %s %+v", got.State, got.LastError)
		}
	}
}

func TestRateLimitedWaitsForResetAndHoldsTheLane(t *testing.T) {
	h := newHarness(t)
	reset := t0.Add(7 * time.Minute)
	first := true
	h.ad.PublishFn = func(d *pregonero.Delivery, _ pregonero.Content) (pregonero.Receipt, error) {
		if first {
			first = false
			return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassRateLimited, Code: "x_rate_limited", NotBefore: reset}
		}
		return pregonero.Receipt{RemoteID: "ok"}, nil
	}
	a := h.post("x-a", t0, "uno")
	b := h.post("x-a", t0.Add(time.Millisecond), "dos")
	h.clock.Set(t0.Add(time.Millisecond))
	h.tick()
	ga := h.wait(a.ID, state(pregonero.DeliveryQueued))
	gb := h.wait(b.ID, state(pregonero.DeliveryQueued))
	if !ga.NextAttemptAt.Equal(reset) || !gb.NextAttemptAt.Equal(reset) {
		t.Errorf("next attempts %v %v, want the reset %v for both", ga.NextAttemptAt, gb.NextAttemptAt, reset)
	}
	if pub, _ := h.ad.calls(); len(pub) != 1 {
		t.Errorf("publishes = %v, want only the first (the second waits without a send)", pub)
	}
	if len(gb.Attempts) != 0 {
		t.Errorf("the held-back delivery has attempts %+v, want none", gb.Attempts)
	}
	if ga.SendCount() != 0 {
		t.Errorf("a rate-limited attempt counted against the limit")
	}
	h.clock.Set(reset)
	h.tick()
	h.wait(a.ID, state(pregonero.DeliveryPublished))
	h.wait(b.ID, state(pregonero.DeliveryPublished))
}

func TestPermanentFails(t *testing.T) {
	h := newHarness(t)
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_too_long", Message: "too long", NetworkMessage: "Your Tweet text is too long.", HTTPStatus: 400})
	d := h.post("x-a", t0, "hola")
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryFailed))
	if got.LastError == nil || got.LastError.Code != "x_too_long" || got.Attempts[0].NetworkMessage == "" || got.Attempts[0].HTTPStatus != 400 {
		t.Errorf("network's answer not recorded: %+v %+v", got.LastError, got.Attempts)
	}
}

func TestUnknownOutcomeIsReconciledNotResent(t *testing.T) {
	for _, tc := range []struct {
		name        string
		found       bool
		wantPublish int
	}{
		{"found: published without a second send", true, 1},
		{"absent: sent again with a new attempt", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			n := 0
			h.ad.PublishFn = func(d *pregonero.Delivery, _ pregonero.Content) (pregonero.Receipt, error) {
				n++
				if n == 1 {
					return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "x_timeout"}
				}
				return pregonero.Receipt{RemoteID: "second"}, nil
			}
			var since time.Time
			h.ad.ReconcileFn = func(d *pregonero.Delivery, s time.Time) (pregonero.Receipt, bool, error) {
				since = s
				if tc.found {
					return pregonero.Receipt{RemoteID: "first", URL: "u"}, true, nil
				}
				return pregonero.Receipt{}, false, nil
			}
			d := h.post("x-a", t0, "hola")
			h.tick()
			got := h.wait(d.ID, state(pregonero.DeliveryInDoubt))
			if got.Attempts[0].Outcome != pregonero.OutcomeUnknown || !got.NextAttemptAt.Equal(t0.Add(5*time.Second)) {
				t.Fatalf("in doubt: %+v next %v", got.Attempts, got.NextAttemptAt)
			}
			if h.tick() != 0 {
				t.Fatal("reconciled before the reconcile delay")
			}
			h.clock.Advance(5 * time.Second)
			h.tick()
			got = h.wait(d.ID, state(pregonero.DeliveryPublished))
			pub, rec := h.ad.calls()
			if len(pub) != tc.wantPublish || len(rec) != 1 {
				t.Fatalf("publishes %d reconciles %d, want %d and 1", len(pub), len(rec), tc.wantPublish)
			}
			if !since.Before(t0) {
				t.Errorf("reconcile since %v, want before the first attempt %v", since, t0)
			}
			want := map[bool]string{true: "first", false: "second"}[tc.found]
			if got.RemoteID != want {
				t.Errorf("remote id %q, want %q", got.RemoteID, want)
			}
			wantRec := map[bool]string{true: "found", false: "absent"}[tc.found]
			if got.Attempts[0].Reconciled != wantRec {
				t.Errorf("attempt 1 reconciled = %q, want %q", got.Attempts[0].Reconciled, wantRec)
			}
		})
	}
}

func TestReconcileErrorKeepsItInDoubt(t *testing.T) {
	h := newHarness(t)
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "x_server_error"})
	h.ad.ReconcileFn = func(*pregonero.Delivery, time.Time) (pregonero.Receipt, bool, error) {
		return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_server_error", Message: "503"}
	}
	d := h.post("x-a", t0, "hola")
	h.tick()
	h.wait(d.ID, state(pregonero.DeliveryInDoubt))
	h.clock.Advance(5 * time.Second)
	h.tick()
	got := h.wait(d.ID, func(d *pregonero.Delivery) bool {
		return !d.Claimed && d.LastError != nil && d.LastError.Code == "x_server_error" && d.NextAttemptAt.After(t0.Add(5*time.Second))
	})
	if got.State != pregonero.DeliveryInDoubt {
		t.Fatalf("state %s, want in_doubt", got.State)
	}
	if pub, _ := h.ad.calls(); len(pub) != 1 {
		t.Fatalf("sent again without knowing: %v", pub)
	}
}

func TestDuplicate(t *testing.T) {
	t.Run("first attempt fails permanently", func(t *testing.T) {
		h := newHarness(t)
		h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassDuplicate, Code: "x_duplicate"})
		d := h.post("x-a", t0, "hola")
		h.tick()
		h.wait(d.ID, state(pregonero.DeliveryFailed))
		if pub, rec := h.ad.calls(); len(pub) != 1 || len(rec) != 0 {
			t.Errorf("publishes %d reconciles %d, want 1 and 0", len(pub), len(rec))
		}
	})
	t.Run("on a retry it is reconciled", func(t *testing.T) {
		h := newHarness(t)
		n := 0
		h.ad.PublishFn = func(*pregonero.Delivery, pregonero.Content) (pregonero.Receipt, error) {
			n++
			if n == 1 {
				return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x"}
			}
			return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassDuplicate, Code: "x_duplicate"}
		}
		h.ad.ReconcileFn = func(*pregonero.Delivery, time.Time) (pregonero.Receipt, bool, error) {
			return pregonero.Receipt{RemoteID: "first"}, true, nil
		}
		d := h.post("x-a", t0, "hola")
		h.tick()
		got := h.wait(d.ID, state(pregonero.DeliveryQueued))
		h.clock.Set(got.NextAttemptAt)
		h.tick()
		got = h.wait(d.ID, state(pregonero.DeliveryInDoubt))
		h.clock.Set(got.NextAttemptAt)
		h.tick()
		got = h.wait(d.ID, state(pregonero.DeliveryPublished))
		if pub, rec := h.ad.calls(); len(pub) != 2 || len(rec) != 1 || got.RemoteID != "first" {
			t.Errorf("publishes %d reconciles %d remote %q, want 2, 1 and the post found", len(pub), len(rec), got.RemoteID)
		}
	})
}

func TestNeedsReauthHoldsTheAccountAndResumeReleases(t *testing.T) {
	h := newHarness(t)
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_unauthorized", Message: "token revoked"})
	a := h.post("x-a", t0, "uno")
	b := h.post("x-a", t0.Add(time.Second), "dos")
	h.tick()
	h.wait(a.ID, state(pregonero.DeliveryHeld))
	acct, err := h.db.Account(context.Background(), "x-a")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Status != pregonero.AccountNeedsReauth {
		t.Fatalf("account status %s, want needs_reauth", acct.Status)
	}
	h.clock.Advance(time.Second)
	h.tick()
	got := h.wait(b.ID, state(pregonero.DeliveryHeld))
	if got.HoldReason != pregonero.HoldNeedsReauth {
		t.Errorf("hold reason %q", got.HoldReason)
	}
	if pub, _ := h.ad.calls(); len(pub) != 1 {
		t.Errorf("publishes %v: the second delivery must be held without a send", pub)
	}
	h.ad.PublishFn = nil
	rep, err := h.service().Resume(context.Background(), "x-a")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Released != 2 || len(rep.HeldOverdue) != 0 {
		t.Errorf("resume report %+v, want 2 released", rep)
	}
	h.tick()
	h.wait(a.ID, state(pregonero.DeliveryPublished))
	h.wait(b.ID, state(pregonero.DeliveryPublished))
}

func TestAccountBlockedPausesTheAccount(t *testing.T) {
	h := newHarness(t)
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassAccountBlocked, Code: "x_usage_capped", Message: "monthly cap"})
	d := h.post("x-a", t0, "uno")
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryHeld))
	if got.HoldReason != pregonero.HoldBlocked {
		t.Errorf("hold reason %q", got.HoldReason)
	}
	acct, _ := h.db.Account(context.Background(), "x-a")
	if acct.Status != pregonero.AccountPaused || acct.StatusReason == "" {
		t.Errorf("account %s %q, want paused with a reason", acct.Status, acct.StatusReason)
	}
}

func TestGlobalPauseStopsSendsAndResumeHoldsOverdue(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	late := h.post("x-a", t0, "uno")
	// Claimed ahead of its instant, then paused before the instant.
	h.post("x-a", t0.Add(20*time.Minute), "dos")
	ds, err := h.db.ClaimDue(ctx, t0.Add(-time.Second), t0, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim: %v %d", err, len(ds))
	}
	if err := h.service().Pause(ctx, "", "crisis"); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(t0.Add(-time.Second))
	h.pub.Dispatch(ds)
	h.wait(late.ID, state(pregonero.DeliveryQueued))
	if pub, _ := h.ad.calls(); len(pub) != 0 {
		t.Fatalf("sent while paused: %v", pub)
	}
	if err := h.service().Pause(ctx, "", " "); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("pause without reason: %v", err)
	}
	// A new publisher (a restart) still sees the pause.
	if ps, _ := h.db.Pause(ctx); !ps.Paused || ps.Reason != "crisis" {
		t.Errorf("pause not persisted: %+v", ps)
	}
	if !h.newPublisher().Paused() {
		t.Error("a restarted publisher does not see the pause")
	}
	h.clock.Set(t0.Add(30 * time.Minute))
	rep, err := h.service().Resume(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.HeldOverdue) != 1 || rep.HeldOverdue[0] != late.ID {
		t.Fatalf("held overdue %v, want only %s (30 min late > 15 min grace)", rep.HeldOverdue, late.ID)
	}
	h.tick()
	got := h.wait(late.ID, state(pregonero.DeliveryHeld))
	if got.HoldReason != pregonero.HoldOverdue {
		t.Errorf("hold reason %q", got.HoldReason)
	}
	if _, err := h.service().Release(ctx, late.ID); err != nil {
		t.Fatal(err)
	}
	h.tick()
	h.wait(late.ID, state(pregonero.DeliveryPublished))
}

func TestStaleDeliveryFailsWithoutSending(t *testing.T) {
	h := newHarness(t)
	d := h.post("x-a", t0, "uno")
	h.clock.Set(t0.Add(7 * time.Hour))
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryFailed))
	if got.LastError == nil || got.LastError.Code != "stale" || len(got.Attempts) != 0 {
		t.Errorf("got %+v attempts %+v", got.LastError, got.Attempts)
	}
	if pub, _ := h.ad.calls(); len(pub) != 0 {
		t.Errorf("a stale delivery was sent")
	}
}

func TestNeverEarly(t *testing.T) {
	h := newHarness(t)
	d := h.post("x-a", t0.Add(200*time.Millisecond), "uno")
	ds, err := h.db.ClaimDue(context.Background(), t0, t0.Add(250*time.Millisecond), 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim: %v %d", err, len(ds))
	}
	var sentAt time.Time
	h.ad.PublishFn = func(*pregonero.Delivery, pregonero.Content) (pregonero.Receipt, error) {
		sentAt = h.clock.Now()
		return pregonero.Receipt{RemoteID: "r"}, nil
	}
	h.pub.Dispatch(ds)
	h.waitTimer()
	if pub, _ := h.ad.calls(); len(pub) != 0 {
		t.Fatal("sent before its instant")
	}
	h.clock.Advance(200 * time.Millisecond)
	h.wait(d.ID, state(pregonero.DeliveryPublished))
	if sentAt.Before(t0.Add(200 * time.Millisecond)) {
		t.Errorf("sent at %v, before %v", sentAt, t0.Add(200*time.Millisecond))
	}
}

func TestOneSendAtATimePerAccountInScheduledOrder(t *testing.T) {
	h := newHarness(t, "x-a", "x-b")
	var want []string
	for i := 0; i < 10; i++ {
		d := h.post("x-a", t0.Add(-time.Duration(10-i)*time.Second), "a")
		want = append(want, d.ID)
		h.post("x-b", t0.Add(-time.Duration(10-i)*time.Second), "b")
	}
	h.ad.PublishFn = func(d *pregonero.Delivery, _ pregonero.Content) (pregonero.Receipt, error) {
		time.Sleep(time.Millisecond)
		return pregonero.Receipt{RemoteID: d.ID}, nil
	}
	h.tick()
	h.wait(want[9], state(pregonero.DeliveryPublished))
	pub, _ := h.ad.calls()
	var got []string
	for _, id := range pub {
		for _, w := range want {
			if id == w {
				got = append(got, id)
			}
		}
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Fatalf("order for x-a = %v, want %v", got, want)
		}
	}
	h.pub.Close()
	h.ad.mu.Lock()
	maxIn := h.ad.maxInflight
	h.ad.mu.Unlock()
	if maxIn > 1 {
		t.Errorf("max sends in flight for one account = %d, want 1", maxIn)
	}
}

func TestCrashWhileSendingIsReconciledAfterRecover(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	d := h.post("x-a", t0, "uno")
	// The send started (its attempt written ahead); the process dies
	// before the result is recorded.
	ds, err := h.db.ClaimDue(ctx, t0, t0, 10)
	if err != nil || len(ds) != 1 {
		t.Fatal(err)
	}
	if _, err := h.db.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error { return x.Start(t0) }); err != nil {
		t.Fatal(err)
	}
	if n, err := h.db.Recover(ctx, t0.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("recover: %d %v", n, err)
	}
	h.ad.ReconcileFn = func(*pregonero.Delivery, time.Time) (pregonero.Receipt, bool, error) {
		return pregonero.Receipt{RemoteID: "already"}, true, nil
	}
	h.clock.Set(t0.Add(10 * time.Second))
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryPublished))
	if got.RemoteID != "already" {
		t.Errorf("remote id %q", got.RemoteID)
	}
	if pub, _ := h.ad.calls(); len(pub) != 0 {
		t.Errorf("sent again after a crash: %v", pub)
	}
}

// A crash in a burst leaves in doubt only the sends that had started: at
// most one per account lane. The deliveries claimed behind them go back to
// the queue and are sent once, without asking the network first.
func TestACrashInABurstLeavesOnlyInFlightSendsInDoubt(t *testing.T) {
	h := newHarness(t, "x-a", "x-b")
	ctx := context.Background()
	inFlight := make(chan string, 2)
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	h.ad.PublishFn = func(d *pregonero.Delivery, _ pregonero.Content) (pregonero.Receipt, error) {
		inFlight <- d.ID
		<-block // the process dies during this send
		return pregonero.Receipt{RemoteID: "r-" + d.ID}, nil
	}
	var all []*pregonero.Delivery
	for i := range 20 {
		all = append(all, h.post([]string{"x-a", "x-b"}[i%2], t0, fmt.Sprintf("boletín %d", i)))
	}
	if n := h.tick(); n != 20 {
		t.Fatalf("claimed %d, want 20", n)
	}
	started := map[string]bool{<-inFlight: true, <-inFlight: true}
	lanes := map[string]bool{}
	for _, d := range all {
		if started[d.ID] {
			lanes[d.AccountID] = true
		}
	}
	if len(lanes) != 2 {
		t.Fatalf("the sends in flight are of %v, want one per account lane (x-a and x-b)", lanes)
	}
	// kill -9: the next process recovers the file as it is.
	if n, err := h.db.Recover(ctx, t0.Add(time.Second)); err != nil || n != 20 {
		t.Fatalf("Recover() = %d, %v; want 20", n, err)
	}
	doubt := 0
	for _, d := range all {
		got, err := h.db.Delivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case started[d.ID] && got.State != pregonero.DeliveryInDoubt:
			t.Errorf("%s was being sent: %s, want in_doubt", d.ID, got.State)
		case !started[d.ID] && (got.State != pregonero.DeliveryQueued || len(got.Attempts) != 0):
			t.Errorf("%s never started: %s with %d attempts, want queued with none", d.ID, got.State, len(got.Attempts))
		}
		if got.State == pregonero.DeliveryInDoubt {
			doubt++
		}
	}
	if doubt != 2 {
		t.Errorf("%d deliveries in doubt after the crash, want the 2 in flight", doubt)
	}
}

func TestReleasedInDoubtDeliveryIsReconciledFirst(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "x_timeout"})
	d := h.post("x-a", t0, "uno")
	h.tick()
	h.wait(d.ID, state(pregonero.DeliveryInDoubt))
	if err := h.service().Pause(ctx, "x-a", "revisión"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(5 * time.Second)
	h.tick()
	h.wait(d.ID, state(pregonero.DeliveryHeld))
	if _, err := h.service().Resume(ctx, "x-a"); err != nil {
		t.Fatal(err)
	}
	got := h.wait(d.ID, func(d *pregonero.Delivery) bool { return d.State == pregonero.DeliveryInDoubt })
	if got.State != pregonero.DeliveryInDoubt {
		t.Fatalf("released as %s, want in_doubt", got.State)
	}
	h.ad.PublishFn = nil
	h.ad.ReconcileFn = func(*pregonero.Delivery, time.Time) (pregonero.Receipt, bool, error) {
		return pregonero.Receipt{RemoteID: "found"}, true, nil
	}
	h.tick()
	h.wait(d.ID, state(pregonero.DeliveryPublished))
	if pub, _ := h.ad.calls(); len(pub) != 1 {
		t.Errorf("publishes %v, want the first only", pub)
	}
}

func TestReleaseOfANonHeldDeliveryConflicts(t *testing.T) {
	h := newHarness(t)
	d := h.post("x-a", t0.Add(time.Hour), "uno")
	_, err := h.service().Release(context.Background(), d.ID)
	if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Fatalf("err = %v, want conflict", err)
	}
	if _, err := h.service().Release(context.Background(), "d_nope"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Fatalf("err = %v, want not_found", err)
	}
	var pe *pregonero.Error
	if !errors.As(err, &pe) {
		t.Fatal("not a domain error")
	}
}

func TestCancelStopsAClaimedDeliveryBeforeItsInstant(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	d := h.post("x-a", t0.Add(time.Second), "uno")
	ds, err := h.db.ClaimDue(ctx, t0, t0.Add(time.Second), 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim: %v %d", err, len(ds))
	}
	h.pub.Dispatch(ds)
	h.waitTimer() // its lane waits for the instant
	p, err := h.service().Cancel(ctx, d.PostID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != pregonero.PostCanceled {
		t.Fatalf("post status %s, want canceled", p.Status)
	}
	h.clock.Advance(time.Second)
	got := h.wait(d.ID, state(pregonero.DeliveryCanceled))
	if len(got.Attempts) != 0 {
		t.Errorf("attempts %+v: the pending attempt never went out", got.Attempts)
	}
	h.pub.Close() // the lane has let it go
	if pub, _ := h.ad.calls(); len(pub) != 0 {
		t.Fatalf("a canceled delivery was sent: %v", pub)
	}
}

func TestCancelLeavesADeliveryInDoubtAlone(t *testing.T) {
	h := newHarness(t)
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "x_timeout"})
	d := h.post("x-a", t0, "uno")
	h.tick()
	h.wait(d.ID, state(pregonero.DeliveryInDoubt))
	if _, err := h.service().Cancel(context.Background(), d.PostID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Fatalf("err = %v, want conflict: it may already be on the network", err)
	}
}

func TestServerHintHoldsSendsUntilTheReset(t *testing.T) {
	h := newHarness(t)
	reset := t0.Add(4 * time.Minute)
	h.ad.mu.Lock()
	h.ad.remaining, h.ad.reset = 0, reset
	h.ad.mu.Unlock()
	d := h.post("x-a", t0, "uno")
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryQueued))
	if !got.NextAttemptAt.Equal(reset) || len(got.Attempts) != 0 {
		t.Fatalf("next %v attempts %+v, want the reset %v and no attempt", got.NextAttemptAt, got.Attempts, reset)
	}
	if got.LastError == nil || got.LastError.Class != pregonero.ClassRateLimited || !strings.Contains(got.LastError.Message, reset.Format(time.RFC3339)) {
		t.Errorf("got last error %+v, want the wait explained with its reset", got.LastError)
	}
	if pub, _ := h.ad.calls(); len(pub) != 0 {
		t.Fatal("sent with no allowance left")
	}
	h.ad.mu.Lock()
	h.ad.remaining = 99
	h.ad.mu.Unlock()
	h.clock.Set(reset)
	h.tick()
	h.wait(d.ID, state(pregonero.DeliveryPublished))
}

// slowStore holds every delivery update once armed, as a slow disk would.
type slowStore struct {
	*store.DB
	armed   atomic.Bool
	blocked chan struct{}
	gate    chan struct{}
}

func (s *slowStore) UpdateDelivery(ctx context.Context, id string, fn func(*pregonero.Delivery) error) (*pregonero.Delivery, error) {
	if s.armed.Load() {
		select {
		case s.blocked <- struct{}{}:
		default:
		}
		<-s.gate
	}
	return s.DB.UpdateDelivery(ctx, id, fn)
}

func (s *slowStore) UpdateDeliveries(ctx context.Context, us []pregonero.DeliveryUpdate) ([]*pregonero.Delivery, []error, error) {
	if s.armed.Load() {
		select {
		case s.blocked <- struct{}{}:
		default:
		}
		<-s.gate
	}
	return s.DB.UpdateDeliveries(ctx, us)
}

func TestCancelAfterTheSendDoesNotEraseIt(t *testing.T) {
	h := newHarness(t)
	ss := &slowStore{DB: h.db, blocked: make(chan struct{}, 1), gate: make(chan struct{})}
	pub, err := publisher.New(publisher.Config{Store: ss, Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: h.ad},
		Clock: h.clock, Limits: map[pregonero.Network]publisher.Limit{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	h.ad.PublishFn = func(d *pregonero.Delivery, _ pregonero.Content) (pregonero.Receipt, error) {
		ss.armed.Store(true)
		return pregonero.Receipt{RemoteID: "live"}, nil
	}
	d := h.post("x-a", t0, "uno")
	ds, err := h.db.ClaimDue(context.Background(), t0, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	pub.Dispatch(ds)
	<-ss.blocked // sent; the result is not recorded yet
	if _, err := serviceFor(t, ss, pub, h.clock).Cancel(context.Background(), d.PostID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Fatalf("cancel after the send: %v, want conflict", err)
	}
	close(ss.gate)
	got := h.wait(d.ID, state(pregonero.DeliveryPublished))
	if got.RemoteID != "live" {
		t.Errorf("remote id %q", got.RemoteID)
	}
}

func TestStaleInDoubtIsReconciledFirst(t *testing.T) {
	for _, found := range []bool{true, false} {
		h := newHarness(t)
		h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "x_timeout"})
		h.ad.ReconcileFn = func(*pregonero.Delivery, time.Time) (pregonero.Receipt, bool, error) {
			return pregonero.Receipt{RemoteID: "live"}, found, nil
		}
		d := h.post("x-a", t0, "uno")
		h.tick()
		h.wait(d.ID, state(pregonero.DeliveryInDoubt))
		h.clock.Advance(7 * time.Hour)
		h.tick()
		if found {
			h.wait(d.ID, state(pregonero.DeliveryPublished))
			continue
		}
		got := h.wait(d.ID, state(pregonero.DeliveryFailed))
		if got.LastError == nil || got.LastError.Code != "stale" || got.Attempts[0].Reconciled != "absent" {
			t.Errorf("absent and stale: %+v %+v", got.LastError, got.Attempts)
		}
		if pub, rec := h.ad.calls(); len(pub) != 1 || len(rec) != 1 {
			t.Errorf("publishes %d reconciles %d, want 1 and 1", len(pub), len(rec))
		}
	}
}

func TestDuplicateThatReconciliationCannotFindFailsInsteadOfLooping(t *testing.T) {
	h := newHarness(t)
	n := 0
	h.ad.PublishFn = func(*pregonero.Delivery, pregonero.Content) (pregonero.Receipt, error) {
		n++
		if n == 1 {
			return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "x_timeout"}
		}
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassDuplicate, Code: "x_duplicate"}
	}
	d := h.post("x-a", t0, "uno")
	for i := 0; i < 10; i++ {
		h.tick()
		got := h.wait(d.ID, func(d *pregonero.Delivery) bool { return !d.Claimed })
		if got.State == pregonero.DeliveryFailed {
			if pub, rec := h.ad.calls(); len(pub) != 3 || len(rec) != 2 {
				t.Fatalf("publishes %d reconciles %d, want 3 and 2", len(pub), len(rec))
			}
			return
		}
		h.clock.Advance(5 * time.Second)
	}
	t.Fatal("still looping between duplicate and absent")
}

func TestAnAdapterPanicIsAnUnknownOutcomeNotACrash(t *testing.T) {
	h := newHarness(t)
	h.ad.PublishFn = func(*pregonero.Delivery, pregonero.Content) (pregonero.Receipt, error) {
		panic("nil map in adapter")
	}
	d := h.post("x-a", t0, "uno")
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryInDoubt))
	if got.LastError == nil || got.LastError.Code != "adapter_panic" {
		t.Errorf("last error %+v", got.LastError)
	}
}

func TestSweepGivesBackClaimsNobodyHolds(t *testing.T) {
	h := newHarness(t, "x-a", "x-b")
	ctx := context.Background()
	lost := h.post("x-a", t0, "perdida")
	held := h.post("x-b", t0.Add(10*time.Minute), "en espera")
	// lost is claimed but never dispatched (as if its record failed);
	// held is dispatched and waits for its instant.
	if ds, err := h.db.ClaimDue(ctx, t0, t0, 1); err != nil || len(ds) != 1 || ds[0].ID != lost.ID {
		t.Fatalf("claim: %v %+v", err, ds)
	}
	ds, err := h.db.ClaimDue(ctx, t0, t0.Add(10*time.Minute), 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim ahead: %v", err)
	}
	h.pub.Dispatch(ds)
	if n, err := h.pub.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep right after the claim = %d, %v; want nothing (it may be on its way to a lane)", n, err)
	}
	h.clock.Advance(3 * time.Minute)
	n, err := h.pub.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v; want 1", n, err)
	}
	// Its send never started (nothing was written ahead): it is simply
	// queued again.
	got := h.wait(lost.ID, func(d *pregonero.Delivery) bool { return d.State == pregonero.DeliveryQueued && !d.Claimed })
	if len(got.Attempts) != 0 {
		t.Errorf("attempts %+v, want none", got.Attempts)
	}
	if d, _ := h.db.Delivery(ctx, held.ID); !d.Claimed {
		t.Errorf("the waiting delivery was taken from its lane")
	}
}

// failingStore refuses result batches once armed, as a full disk would.
type failingStore struct {
	*store.DB
	armed   atomic.Bool
	refused chan struct{}
}

func (s *failingStore) UpdateDeliveries(ctx context.Context, us []pregonero.DeliveryUpdate) ([]*pregonero.Delivery, []error, error) {
	if s.armed.Load() {
		select {
		case s.refused <- struct{}{}:
		default:
		}
		return nil, nil, errors.New("no space left on device")
	}
	return s.DB.UpdateDeliveries(ctx, us)
}

func TestALostResultIsNeitherCanceledNorLeftClaimed(t *testing.T) {
	h := newHarness(t)
	fs := &failingStore{DB: h.db, refused: make(chan struct{}, 1)}
	pub, err := publisher.New(publisher.Config{Store: fs, Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: h.ad},
		Clock: h.clock, Limits: map[pregonero.Network]publisher.Limit{}, RecordTries: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sent := make(chan struct{})
	h.ad.PublishFn = func(*pregonero.Delivery, pregonero.Content) (pregonero.Receipt, error) {
		fs.armed.Store(true)
		close(sent)
		return pregonero.Receipt{RemoteID: "live"}, nil
	}
	d := h.post("x-a", t0, "uno")
	ds, err := h.db.ClaimDue(context.Background(), t0, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	pub.Dispatch(ds)
	<-sent
	<-fs.refused // the result write fails
	h.clock.Advance(3 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The recorder marks the claim lost right after the refusal.
		if _, err := serviceFor(t, fs, pub, h.clock).Cancel(context.Background(), d.PostID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("cancel of a delivery that went out: %v, want conflict", err)
		}
		fs.armed.Store(false)
		n, err := pub.Sweep(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweep never gave the lost claim back")
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := h.wait(d.ID, state(pregonero.DeliveryInDoubt))
	if len(got.Attempts) != 1 || got.Attempts[0].Outcome != pregonero.OutcomeUnknown {
		t.Errorf("attempts %+v, want the send kept as unknown, to be reconciled", got.Attempts)
	}
}

package posting_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/logtest"
	"pregonero/posting"
	"pregonero/scheduler"
	"pregonero/store"
)

// t0 is a Monday morning in Bogotá.
var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

// adapter is a network with function fields: offline rules, and a lead
// for the networks that send ahead of time.
type adapter struct {
	network  pregonero.Network
	validate func(pregonero.Content, *pregonero.Account) []pregonero.FieldError
}

func (a *adapter) Network() pregonero.Network { return a.network }
func (a *adapter) Validate(c pregonero.Content, acct *pregonero.Account) []pregonero.FieldError {
	if a.validate == nil {
		return nil
	}
	return a.validate(c, acct)
}
func (a *adapter) Publish(context.Context, *pregonero.Delivery, pregonero.Content, *pregonero.Account) (pregonero.Receipt, error) {
	return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "test", Message: "not in this test"}
}
func (a *adapter) Reconcile(context.Context, *pregonero.Delivery, pregonero.Content, *pregonero.Account, time.Time) (pregonero.Receipt, bool, error) {
	return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "test", Message: "not in this test"}
}

// planner sends ahead of time by a fixed lead, as YouTube does with large
// videos.
type planner struct {
	adapter
	lead time.Duration
}

func (p *planner) Lead(pregonero.Content, *pregonero.Account) time.Duration { return p.lead }

// Withdraw makes the planner a pregonero.Withdrawer, as YouTube is; the
// service calls it through the sender, which holds the credentials.
func (p *planner) Withdraw(context.Context, *pregonero.Delivery, *pregonero.Account) error {
	panic("the service withdraws through its sender")
}

// sender is the publisher as the service sees it: nothing is in flight;
// it records what it is told.
type sender struct {
	mu          sync.Mutex
	paused      []bool
	accounts    []string
	cleanups    []string
	withdrawn   []string
	withdrawErr error
}

func (s *sender) StopUnsent(context.Context, *pregonero.Post) (int, error) { return 0, nil }
func (s *sender) Unsent(*pregonero.Delivery) bool                          { return false }
func (s *sender) Withdraw(_ context.Context, d *pregonero.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.withdrawErr != nil {
		return s.withdrawErr
	}
	s.withdrawn = append(s.withdrawn, d.ID)
	return nil
}
func (s *sender) Cleanup(d *pregonero.Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cleanups = append(s.cleanups, d.ID)
}
func (s *sender) SetPaused(p bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paused = append(s.paused, p)
}
func (s *sender) AccountChanged(a *pregonero.Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts = append(s.accounts, a.ID+":"+string(a.Status))
}

type fixture struct {
	clock  *clock.Fake
	db     *store.DB
	sender *sender
	svc    *posting.Service
	logs   *logtest.Buffer
	// due records every wake-up the store signals, and pausedAt whether
	// the publisher was paused at that moment.
	mu       sync.Mutex
	due      []time.Time
	pausedAt []bool
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"), store.WithNow(fc.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	for _, a := range []*pregonero.Account{
		{ID: "x-gob", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "x-salud", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "yt-gob", Network: pregonero.NetworkYouTube, Status: pregonero.AccountActive},
	} {
		if err := db.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{clock: fc, db: db, sender: &sender{}, logs: &logtest.Buffer{}}
	db.OnDue(func(t time.Time) {
		f.sender.mu.Lock()
		paused := len(f.sender.paused) > 0 && f.sender.paused[len(f.sender.paused)-1]
		f.sender.mu.Unlock()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.due = append(f.due, t)
		f.pausedAt = append(f.pausedAt, paused)
	})
	x := &adapter{network: pregonero.NetworkX, validate: func(c pregonero.Content, a *pregonero.Account) []pregonero.FieldError {
		if n := len([]rune(c.Text)); n > 280 {
			return []pregonero.FieldError{{Target: a.ID, Field: "text", Code: pregonero.FieldTooLong, Limit: 280, Actual: n, Message: "too long for X"}}
		}
		return nil
	}}
	yt := &planner{adapter: adapter{network: pregonero.NetworkYouTube}, lead: 2 * time.Hour}
	f.svc, err = posting.New(posting.Config{Store: db, Sender: f.sender, Now: fc.Now, Logger: f.logs.Logger(),
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: x, pregonero.NetworkYouTube: yt}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) wakeups() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.due...)
}

func (f *fixture) create(t *testing.T, d posting.Draft) *pregonero.Post {
	t.Helper()
	p, created, err := f.svc.Create(context.Background(), &d, "")
	if err != nil || !created {
		t.Fatalf("create: %v (created %v)", err, created)
	}
	return p
}

func TestCreateQueuesOneDeliveryPerTargetAndWakesTheScheduler(t *testing.T) {
	f := newFixture(t)
	p := f.create(t, posting.Draft{Text: "Jornada de vacunación", Targets: []string{"x-gob", "yt-gob"}, ScheduledAt: "2026-12-07T15:00"})
	at := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC) // 15:00 in Bogotá
	if !p.ScheduledAt.Equal(at) || len(p.Deliveries) != 2 {
		t.Fatalf("post at %v with %d deliveries, want %v and 2", p.ScheduledAt, len(p.Deliveries), at)
	}
	x, yt := p.Deliveries[0], p.Deliveries[1]
	if x.State != pregonero.DeliveryQueued || !x.NextAttemptAt.Equal(at) {
		t.Errorf("X delivery %s due %v, want queued at %v", x.State, x.NextAttemptAt, at)
	}
	// The network that sends ahead starts two hours early.
	if !yt.NextAttemptAt.Equal(at.Add(-2*time.Hour)) || !yt.ScheduledAt.Equal(at) {
		t.Errorf("YouTube delivery due %v for %v, want %v", yt.NextAttemptAt, yt.ScheduledAt, at.Add(-2*time.Hour))
	}
	if w := f.wakeups(); len(w) != 1 || !w[0].Equal(at.Add(-2*time.Hour)) {
		t.Errorf("wake-ups %v, want one at the earliest start %v", w, at.Add(-2*time.Hour))
	}
}

func TestCreateRefusesBadDraftsAndStoresNothing(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name   string
		draft  posting.Draft
		field  string
		code   string
		target string
	}{
		{"no targets", posting.Draft{Text: "hola"}, "targets", pregonero.FieldRequired, ""},
		{"unknown account", posting.Draft{Text: "hola", Targets: []string{"nope"}}, "targets", pregonero.FieldUnknown, "nope"},
		{"too long for one target", posting.Draft{Text: strings.Repeat("ñ", 281), Targets: []string{"x-gob"}}, "text", pregonero.FieldTooLong, "x-gob"},
		{"in the past", posting.Draft{Text: "hola", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-07T07:00"}, "scheduled_at", pregonero.FieldInPast, ""},
		{"no text nor media", posting.Draft{Targets: []string{"x-gob"}}, "text", pregonero.FieldRequired, ""},
		{"unknown media", posting.Draft{Text: "hola", Targets: []string{"x-gob"}, Media: pregonero.MediaOf("m_nope")}, "media", pregonero.FieldUnknown, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.svc.Create(context.Background(), &tt.draft, "")
			if pregonero.ErrorCode(err) != pregonero.EINVALID {
				t.Fatalf("got %v, want invalid", err)
			}
			var e *pregonero.Error
			found := false
			if pe, ok := err.(*pregonero.Error); ok {
				e = pe
				for _, fe := range e.Fields {
					found = found || (fe.Field == tt.field && fe.Code == tt.code && fe.Target == tt.target)
				}
			}
			if !found {
				t.Errorf("got %v, want field %s %s (target %q)", err, tt.field, tt.code, tt.target)
			}
		})
	}
	page, err := f.db.Posts(context.Background(), pregonero.PostFilter{})
	if err != nil || len(page.Posts) != 0 || len(f.wakeups()) != 0 {
		t.Errorf("after refusals: %v, %d posts, %d wake-ups; want none", err, len(page.Posts), len(f.wakeups()))
	}
}

func TestCreateWithAnIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := posting.Draft{Text: "Boletín", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-08T09:00"}
	first, created, err := f.svc.Create(ctx, &d, "boletin-1")
	if err != nil || !created {
		t.Fatalf("first: %v %v", err, created)
	}
	// The record is in the store with the post.
	rec, err := f.db.Idempotency(ctx, "boletin-1")
	if err != nil || rec.PostID != first.ID {
		t.Fatalf("record %+v, %v; want one naming %s", rec, err, first.ID)
	}
	again, created, err := f.svc.Create(ctx, &d, "boletin-1")
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("replay: %v created=%v post %s; want %s again", err, created, again.ID, first.ID)
	}
	other := d
	other.Text = "Otro boletín"
	if _, _, err := f.svc.Create(ctx, &other, "boletin-1"); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("other draft under the same key: %v, want conflict", err)
	}
	// A day later the key promises nothing: it makes a new post.
	f.clock.Advance(pregonero.IdempotencyTTL + time.Minute)
	d.ScheduledAt = "2026-12-09T09:00"
	later, created, err := f.svc.Create(ctx, &d, "boletin-1")
	if err != nil || !created || later.ID == first.ID {
		t.Errorf("after the TTL: %v created=%v id %s", err, created, later.ID)
	}
	if _, _, err := f.svc.Create(ctx, &d, "con espacio"); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("key with a space: %v, want invalid", err)
	}
}

// The key is written in the post's transaction: a post the store refuses
// leaves no key behind that a retry would trust.
func TestARefusedPostLeavesNoIdempotencyRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := &pregonero.Post{ID: "p_1", Text: "x", Targets: []string{"x-gob"}, ScheduledAt: t0, Media: pregonero.MediaOf("m_gone"),
		Deliveries: []*pregonero.Delivery{{ID: "d_1", AccountID: "x-gob", Network: pregonero.NetworkX, State: pregonero.DeliveryQueued, ScheduledAt: t0, NextAttemptAt: t0}}}
	err := f.db.CreateIdempotentPost(ctx, p, pregonero.Idempotency{Key: "k", PostID: "p_1", BodyHash: "h", CreatedAt: t0})
	if pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Fatalf("post naming missing media: %v, want invalid", err)
	}
	if _, err := f.db.Idempotency(ctx, "k"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("record after a refused post: %v, want not found", err)
	}
}

func TestEditMovesThePostAndItsDeliveriesTogether(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, posting.Draft{Text: "Informe", Targets: []string{"x-gob", "yt-gob"}, ScheduledAt: "2026-12-08T09:00"})
	if _, err := f.db.UpdateDelivery(ctx, p.Deliveries[1].ID, func(x *pregonero.Delivery) error {
		x.Checkpoint = map[string]string{"upload": "u1"} // an earlier attempt's upload
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	newTime := "2026-12-08T11:00"
	text := "Informe semanal"
	got, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Text: &text, ScheduledAt: &newTime})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 8, 16, 0, 0, 0, time.UTC)
	if got.Text != text || !got.ScheduledAt.Equal(at) {
		t.Errorf("post %q at %v", got.Text, got.ScheduledAt)
	}
	x, yt := got.Deliveries[0], got.Deliveries[1]
	if !x.ScheduledAt.Equal(at) || !x.NextAttemptAt.Equal(at) {
		t.Errorf("X delivery at %v due %v, want %v", x.ScheduledAt, x.NextAttemptAt, at)
	}
	if !yt.NextAttemptAt.Equal(at.Add(-2*time.Hour)) || yt.Checkpoint != nil {
		t.Errorf("YouTube delivery due %v checkpoint %v, want %v and none", yt.NextAttemptAt, yt.Checkpoint, at.Add(-2*time.Hour))
	}
	if w := f.wakeups(); !w[len(w)-1].Equal(at.Add(-2 * time.Hour)) {
		t.Errorf("last wake-up %v, want %v", w[len(w)-1], at.Add(-2*time.Hour))
	}
	f.sender.mu.Lock()
	cleanups := append([]string(nil), f.sender.cleanups...)
	f.sender.mu.Unlock()
	if len(cleanups) != 1 || cleanups[0] != p.Deliveries[1].ID {
		t.Errorf("cleanups %v, want the YouTube delivery's", cleanups)
	}

	// A post claimed meanwhile cannot be edited, and nothing changes.
	f.clock.Set(at.Add(-2 * time.Hour))
	if _, err := f.db.ClaimDue(ctx, f.clock.Now(), f.clock.Now(), 10); err != nil {
		t.Fatal(err)
	}
	again := "otro"
	if _, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Text: &again}); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("edit of a claimed post: %v, want conflict", err)
	}
	if cur, _ := f.db.Post(ctx, p.ID); cur.Text != text {
		t.Errorf("text %q after a refused edit", cur.Text)
	}
}

func TestCancelReleaseRetry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, posting.Draft{Text: "Se cancela", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-08T09:00"})
	got, err := f.svc.Cancel(ctx, p.ID)
	if err != nil || got.Deliveries[0].State != pregonero.DeliveryCanceled {
		t.Fatalf("cancel: %v", err)
	}
	if _, err := f.svc.Cancel(ctx, p.ID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("second cancel: %v, want conflict", err)
	}

	q := f.create(t, posting.Draft{Text: "Retenida", Targets: []string{"x-gob"}})
	d := q.Deliveries[0]
	if _, err := f.db.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
		return x.Hold(pregonero.HoldOverdue, &pregonero.DeliveryError{Code: "held_overdue"})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RetryNow(ctx, d.ID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("retry of a held delivery: %v, want conflict (release it)", err)
	}
	f.clock.Advance(time.Hour)
	rd, err := f.svc.Release(ctx, d.ID)
	if err != nil || rd.State != pregonero.DeliveryQueued || !rd.NextAttemptAt.Equal(f.clock.Now()) {
		t.Fatalf("release: %v %+v", err, rd)
	}
	if w := f.wakeups(); !w[len(w)-1].Equal(f.clock.Now()) {
		t.Errorf("release did not wake the scheduler for now: %v", w)
	}
	if _, err := f.svc.Release(ctx, d.ID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("release of a queued delivery: %v, want conflict", err)
	}
}

func TestResumeHoldsTheOverdueForAPerson(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.Pause(ctx, "", " "); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("pause without a reason: %v, want invalid", err)
	}
	if err := f.svc.Pause(ctx, "", "Emergencia en Mocoa"); err != nil {
		t.Fatal(err)
	}
	soon := f.create(t, posting.Draft{Text: "Pronto", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-07T08:30"})
	late := f.create(t, posting.Draft{Text: "Tarde", Targets: []string{"x-salud"}, ScheduledAt: "2026-12-07T08:05"})
	f.clock.Advance(40 * time.Minute) // 08:40: soon is 10 min late, late 35
	n := len(f.wakeups())
	rep, err := f.svc.Resume(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.HeldOverdue) != 1 || rep.HeldOverdue[0] != late.Deliveries[0].ID {
		t.Errorf("held overdue %v, want only %s", rep.HeldOverdue, late.Deliveries[0].ID)
	}
	// The hold says so in the log, once, naming the post and the delivery.
	if logs := f.logs.String(); strings.Count(logs, "delivery held for a person") != 1 ||
		!strings.Contains(logs, "post="+late.ID) || !strings.Contains(logs, "delivery="+late.Deliveries[0].ID) || !strings.Contains(logs, "reason=overdue") {
		t.Errorf("the overdue hold was not logged once with its post, delivery and reason:\n%s", logs)
	}
	if ps, _ := f.db.Pause(ctx); ps.Paused {
		t.Error("still paused")
	}
	if w := f.wakeups(); len(w) <= n || !w[len(w)-1].Equal(soon.Deliveries[0].NextAttemptAt) {
		t.Errorf("resume did not wake the scheduler for what is due: %v", w[n:])
	}
	// The wake-up must find the publisher unpaused, or the scheduler
	// goes back to sleep until its heartbeat.
	f.mu.Lock()
	pausedAtWake := f.pausedAt[len(f.pausedAt)-1]
	f.mu.Unlock()
	if pausedAtWake {
		t.Error("the resume's wake-up came while the publisher was still paused")
	}
	f.sender.mu.Lock()
	paused := append([]bool(nil), f.sender.paused...)
	f.sender.mu.Unlock()
	if len(paused) != 2 || !paused[0] || paused[1] {
		t.Errorf("publisher told %v, want paused then resumed", paused)
	}
}

func TestConfiguredCredentialsEndAReauthorization(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := &pregonero.Account{ID: "x-gob", Network: pregonero.NetworkX, Credentials: map[string]string{"access_token": "t1"}}
	if re, err := f.svc.ConfigureAccount(ctx, a); err != nil || re {
		t.Fatalf("first configuration: %v reauthorized=%v", err, re)
	}
	// What the store keeps is keyed: not the plain SHA-256 of the
	// credentials, which a copy of the file would let anyone test guesses
	// against.
	stored, err := f.db.Setting(ctx, posting.CredentialsHashPrefix+"x-gob")
	plain := sha256.Sum256([]byte("access_token=t1\n"))
	if err != nil || !strings.HasPrefix(string(stored), "hmac-sha256:") || strings.Contains(string(stored), hex.EncodeToString(plain[:])) {
		t.Fatalf("stored fingerprint %q, %v", stored, err)
	}
	p := f.create(t, posting.Draft{Text: "Espera", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-07T09:00"})
	if _, err := f.db.UpdateAccount(ctx, "x-gob", func(a *pregonero.Account) error {
		a.Status, a.StatusReason = pregonero.AccountNeedsReauth, "token revoked"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UpdateDelivery(ctx, p.Deliveries[0].ID, func(x *pregonero.Delivery) error {
		return x.Hold(pregonero.HoldNeedsReauth, &pregonero.DeliveryError{Code: "held_needs_reauth"})
	}); err != nil {
		t.Fatal(err)
	}
	// Same credentials: still flagged.
	same := &pregonero.Account{ID: "x-gob", Network: pregonero.NetworkX, Credentials: map[string]string{"access_token": "t1"}}
	if re, err := f.svc.ConfigureAccount(ctx, same); err != nil || re || same.Status != pregonero.AccountNeedsReauth {
		t.Fatalf("same credentials: %v reauthorized=%v status %s", err, re, same.Status)
	}
	fresh := &pregonero.Account{ID: "x-gob", Network: pregonero.NetworkX, Credentials: map[string]string{"access_token": "t2"}}
	re, err := f.svc.ConfigureAccount(ctx, fresh)
	if err != nil || !re || fresh.Status != pregonero.AccountActive {
		t.Fatalf("new credentials: %v reauthorized=%v status %s", err, re, fresh.Status)
	}
	rep, err := f.svc.Reauthorized(ctx, "x-gob")
	if err != nil || rep.Released != 1 {
		t.Fatalf("reauthorized: %v %+v, want the held delivery released", err, rep)
	}
	if d, _ := f.db.Delivery(ctx, p.Deliveries[0].ID); d.State != pregonero.DeliveryQueued {
		t.Errorf("delivery %s after re-authorization, want queued", d.State)
	}
	// The publisher learns the account is active, before the release.
	f.sender.mu.Lock()
	accounts := append([]string(nil), f.sender.accounts...)
	f.sender.mu.Unlock()
	if len(accounts) == 0 || accounts[len(accounts)-1] != "x-gob:active" {
		t.Errorf("publisher told %v, want x-gob:active", accounts)
	}
}

// dispatches records what the scheduler hands out, and when.
type dispatches struct {
	mu    sync.Mutex
	clock clock.Clock
	got   map[string]time.Time
}

func (d *dispatches) Dispatch(ds []*pregonero.Delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, x := range ds {
		d.got[x.ID] = d.clock.Now()
	}
}
func (d *dispatches) Paused() bool { return false }
func (d *dispatches) at(id string) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.got[id]
	return t, ok
}

// A delivery planned ahead, created while the scheduler's timer is armed
// for later, goes out at its own instant: the store's commit wakes the
// scheduler, not the next heartbeat (a day away here).
func TestAPlannedAheadDeliveryIsDispatchedAtItsOwnInstant(t *testing.T) {
	f := newFixture(t)
	disp := &dispatches{clock: f.clock, got: map[string]time.Time{}}
	s := &scheduler.Scheduler{Store: f.db, Dispatcher: disp, Clock: f.clock, Lead: time.Millisecond, Heartbeat: 24 * time.Hour}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// The timer is armed for an X post at 12:00 Bogotá (17:00 UTC).
	f.create(t, posting.Draft{Text: "Mediodía", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-07T12:00"})
	waitTimers(t, f.clock, 1)
	// A video at 11:00 Bogotá starts two hours ahead: 09:00 Bogotá, 14:00 UTC.
	v := f.create(t, posting.Draft{Text: "Informe", Targets: []string{"yt-gob"}, ScheduledAt: "2026-12-07T11:00"})
	start := v.Deliveries[0].NextAttemptAt
	if want := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC); !start.Equal(want) {
		t.Fatalf("video starts %v, want %v", start, want)
	}
	waitTimers(t, f.clock, 2) // re-armed for the video's start
	f.clock.Set(start)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if at, ok := disp.at(v.Deliveries[0].ID); ok {
			if at.After(start) {
				t.Errorf("dispatched at %v, after its start %v", at, start)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the video was not dispatched at its start %v", start)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitTimers waits until the scheduler has armed at least n timers beyond
// its first, idle one: it has handled the commit and sleeps again.
func waitTimers(t *testing.T, fc *clock.Fake, n uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for fc.Created() < n+1 {
		if time.Now().After(deadline) {
			t.Fatalf("scheduler armed %d timers, want %d", fc.Created(), n+1)
		}
		time.Sleep(time.Millisecond)
	}
}

// A fingerprint written by an earlier version (a plain SHA-256, which the
// configuration still computes into CredentialsHash) is recognised once:
// unchanged credentials do not end a re-authorization, and the store then
// keeps the keyed fingerprint.
func TestALegacyFingerprintIsRecognisedAndReplaced(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sum := sha256.Sum256([]byte("access_token=t1\n"))
	legacy := hex.EncodeToString(sum[:])
	if err := f.db.PutSetting(ctx, posting.CredentialsHashPrefix+"x-gob", []byte(legacy)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UpdateAccount(ctx, "x-gob", func(a *pregonero.Account) error {
		a.Status = pregonero.AccountNeedsReauth
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a := &pregonero.Account{ID: "x-gob", Network: pregonero.NetworkX, Credentials: map[string]string{"access_token": "t1"}, CredentialsHash: legacy}
	if re, err := f.svc.ConfigureAccount(ctx, a); err != nil || re || a.Status != pregonero.AccountNeedsReauth {
		t.Fatalf("same credentials, legacy fingerprint: %v reauthorized=%v status %s", err, re, a.Status)
	}
	if stored, _ := f.db.Setting(ctx, posting.CredentialsHashPrefix+"x-gob"); string(stored) == legacy {
		t.Error("the legacy fingerprint was kept")
	}
}

func TestExpiredIdempotencyKeysArePurged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := posting.Draft{Text: "Boletín", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-08T09:00"}
	if _, _, err := f.svc.Create(ctx, &d, "k1"); err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.PurgeIdempotency(ctx); err != nil || n != 0 {
		t.Fatalf("purge of a live key = %d, %v; want 0", n, err)
	}
	f.clock.Advance(pregonero.IdempotencyTTL)
	if n, err := f.svc.PurgeIdempotency(ctx); err != nil || n != 1 {
		t.Fatalf("purge after the TTL = %d, %v; want 1", n, err)
	}
	if _, err := f.db.Idempotency(ctx, "k1"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("record after the purge: %v", err)
	}
}

// A video the network holds for a later instant is taken back when its
// post is canceled; when the network cannot take it back, the cancel
// fails and says the video would still go public.
func TestCancelWithdrawsWhatTheNetworkHoldsForLater(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, posting.Draft{Text: "Informe", Targets: []string{"yt-gob"}, ScheduledAt: "2026-12-08T09:00"})
	d := p.Deliveries[0]
	publishAs := func(remote string) {
		t.Helper()
		if _, err := f.db.ClaimDue(ctx, d.NextAttemptAt, d.NextAttemptAt, 10); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
			if err := x.Start(t0); err != nil {
				return err
			}
			return x.Publish(pregonero.Receipt{RemoteID: remote, PublishedAt: d.ScheduledAt}, t0, t0, "")
		}); err != nil {
			t.Fatal(err)
		}
	}
	publishAs("v1") // uploaded ahead, public at its instant

	f.sender.withdrawErr = &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_unavailable", Message: "YouTube did not answer"}
	if _, err := f.svc.Cancel(ctx, p.ID); pregonero.ErrorCode(err) != pregonero.EUNAVAILABLE || !strings.Contains(err.Error(), "go public") {
		t.Fatalf("cancel when the network cannot take it back: %v, want unavailable saying it would go public", err)
	}
	if got, _ := f.db.Delivery(ctx, d.ID); got.State != pregonero.DeliveryPublished {
		t.Errorf("delivery %s after a failed withdrawal, want still published", got.State)
	}

	f.sender.withdrawErr = nil
	got, err := f.svc.Cancel(ctx, p.ID)
	if err != nil || got.Deliveries[0].State != pregonero.DeliveryCanceled {
		t.Fatalf("cancel: %v, %+v", err, got)
	}
	if len(f.sender.withdrawn) != 1 || f.sender.withdrawn[0] != d.ID {
		t.Errorf("withdrawn %v, want %s", f.sender.withdrawn, d.ID)
	}
}

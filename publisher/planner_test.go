package publisher_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/publisher"
)

// plannerAdapter is a fakeAdapter that sends ahead of time.
type plannerAdapter struct{ *fakeAdapter }

func (plannerAdapter) Lead(pregonero.Content, *pregonero.Account) time.Duration { return 2 * time.Hour }

func TestPlannedAheadGetsPublishAtAndRecordsProgress(t *testing.T) {
	h := newHarness(t)
	h.pub.Close()
	pa := plannerAdapter{&fakeAdapter{}}
	p, err := publisher.New(publisher.Config{
		Store: h.db, Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: pa},
		Clock: h.clock, Rand: func() float64 { return 0.5 }, Limits: map[pregonero.Network]publisher.Limit{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	h.pub = p

	var mu sync.Mutex
	var gotAt time.Time
	var progressSeen []int64
	pa.PublishFn = func(d *pregonero.Delivery, c pregonero.Content) (pregonero.Receipt, error) {
		mu.Lock()
		gotAt = c.PublishAt
		mu.Unlock()
		sent := func() int64 {
			x, err := h.db.Delivery(context.Background(), d.ID)
			if err != nil || x.Progress == nil {
				return -1
			}
			return x.Progress.SentBytes
		}
		c.Progress(40, 100) // first report is written
		first := sent()
		c.Progress(70, 100) // within two seconds: skipped
		skipped := sent()
		c.Progress(100, 100) // the end is always written
		mu.Lock()
		progressSeen = []int64{first, skipped}
		mu.Unlock()
		return pregonero.Receipt{RemoteID: "v1", URL: "https://example.com/v1", PublishedAt: c.PublishAt}, nil
	}
	// Queued two hours ahead of its instant, as the API does for a planner.
	d := h.post("x-a", t0.Add(2*time.Hour), "informe semanal")
	if _, err := h.db.UpdateDelivery(context.Background(), d.ID, func(x *pregonero.Delivery) error {
		x.NextAttemptAt = t0
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryPublished))
	mu.Lock()
	defer mu.Unlock()
	if !gotAt.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("got PublishAt %v, want the scheduled instant %v", gotAt, t0.Add(2*time.Hour))
	}
	if got.Progress == nil || got.Progress.SentBytes != 100 || got.Progress.TotalBytes != 100 {
		t.Errorf("got progress %+v, want 100 of 100", got.Progress)
	}
	if len(progressSeen) != 2 || progressSeen[0] != 40 || progressSeen[1] != 40 {
		t.Errorf("got progress %v after the first and second report, want 40 twice (the second within two seconds is not written)", progressSeen)
	}
}

func TestOnTimeDeliveryHasNoPublishAt(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var gotAt time.Time
	called := false
	h.ad.PublishFn = func(d *pregonero.Delivery, c pregonero.Content) (pregonero.Receipt, error) {
		mu.Lock()
		gotAt, called = c.PublishAt, true
		mu.Unlock()
		return pregonero.Receipt{RemoteID: "r1"}, nil
	}
	d := h.post("x-a", t0, "hola")
	h.tick()
	h.wait(d.ID, state(pregonero.DeliveryPublished))
	mu.Lock()
	defer mu.Unlock()
	if !called || !gotAt.IsZero() {
		t.Errorf("got PublishAt %v (called %v), want none", gotAt, called)
	}
}

// An attempt of unknown outcome whose post lost its media cannot be
// checked against the network: it is held for a person, neither failed
// nor sent again.
func TestInDoubtWithMissingContentIsHeld(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.db.PutMedia(ctx, &pregonero.Media{ID: "m_foto", SHA256: "ab", MIME: "image/jpeg", Size: 10, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	p := &pregonero.Post{ID: "p_doubt", Text: "hola", Media: pregonero.MediaOf("m_foto"), Targets: []string{"x-a"}, ScheduledAt: t0.Add(-time.Minute), CreatedAt: t0, UpdatedAt: t0}
	d := &pregonero.Delivery{ID: "d_doubt", PostID: p.ID, AccountID: "x-a", Network: pregonero.NetworkX, State: pregonero.DeliveryInDoubt,
		ScheduledAt: p.ScheduledAt, NextAttemptAt: p.ScheduledAt,
		Attempts: []pregonero.Attempt{{N: 1, StartedAt: p.ScheduledAt, FinishedAt: p.ScheduledAt, Outcome: pregonero.OutcomeUnknown}}}
	p.Deliveries = []*pregonero.Delivery{d}
	if err := h.db.CreatePosts(ctx, p); err != nil {
		t.Fatal(err)
	}
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryHeld))
	if got.HoldReason != pregonero.HoldUnverifiable {
		t.Errorf("got hold reason %q, want %q", got.HoldReason, pregonero.HoldUnverifiable)
	}
	if pub, rec := h.ad.calls(); len(pub) != 0 || len(rec) != 0 {
		t.Errorf("got publishes %v and reconciles %v, want none", pub, rec)
	}
	if !got.NeedsReconcile() {
		t.Error("the unknown attempt lost its mark: a release would send it blindly")
	}
}

// A delivery started ahead of a time still to come is not overdue after a
// pause, however early its start was.
func TestResumeDoesNotHoldDeliveriesAheadOfTheirTime(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.service().Pause(ctx, "", "prueba"); err != nil {
		t.Fatal(err)
	}
	ahead := h.post("x-a", t0.Add(3*time.Hour), "informe")
	late := h.post("x-a", t0.Add(-time.Hour), "boletín")
	if _, err := h.db.UpdateDelivery(ctx, ahead.ID, func(x *pregonero.Delivery) error {
		x.NextAttemptAt = t0.Add(-time.Hour) // planned two hours ahead, an hour ago
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := h.service().Resume(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.HeldOverdue) != 1 || rep.HeldOverdue[0] != late.ID {
		t.Errorf("held %v, want only %s", rep.HeldOverdue, late.ID)
	}
}

// mediaSizes resolves media ids to blobs of a given size.
type mediaSizes map[string]int64

func (m mediaSizes) Blob(_ context.Context, id string) (pregonero.MediaBlob, error) {
	return pregonero.MediaBlob{Media: &pregonero.Media{ID: id, MIME: "video/mp4", Size: m[id]}}, nil
}

// The send timeout grows with the media, so that a long upload on a slow
// link is not cut and restarted from its first byte.
func TestSendTimeoutGrowsWithTheMedia(t *testing.T) {
	h := newHarness(t)
	h.pub.Close()
	p, err := publisher.New(publisher.Config{
		Store: h.db, Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: h.ad},
		Clock: h.clock, Rand: func() float64 { return 0.5 }, Limits: map[pregonero.Network]publisher.Limit{},
		SendTimeout: time.Minute, Media: mediaSizes{"m_big": 600 * publisher.MinUploadRate},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	h.pub = p
	ctx := context.Background()
	if err := h.db.PutMedia(ctx, &pregonero.Media{ID: "m_big", SHA256: "ab", MIME: "video/mp4", Size: 600 * publisher.MinUploadRate, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var budget time.Duration
	h.ad.PublishFn = func(d *pregonero.Delivery, c pregonero.Content) (pregonero.Receipt, error) {
		return pregonero.Receipt{RemoteID: "v"}, nil
	}
	h.ad.ctxFn = func(ctx context.Context) {
		dl, _ := ctx.Deadline()
		mu.Lock()
		budget = time.Until(dl)
		mu.Unlock()
	}
	post := &pregonero.Post{ID: "p_big", Text: "video", Media: pregonero.MediaOf("m_big"), Targets: []string{"x-a"}, ScheduledAt: t0, CreatedAt: t0, UpdatedAt: t0}
	d := &pregonero.Delivery{ID: "d_big", PostID: post.ID, AccountID: "x-a", Network: pregonero.NetworkX, State: pregonero.DeliveryQueued, ScheduledAt: t0, NextAttemptAt: t0}
	post.Deliveries = []*pregonero.Delivery{d}
	if err := h.db.CreatePosts(ctx, post); err != nil {
		t.Fatal(err)
	}
	h.tick()
	h.wait(d.ID, state(pregonero.DeliveryPublished))
	mu.Lock()
	defer mu.Unlock()
	// One minute plus 600 s of media at the minimum rate.
	if budget < 10*time.Minute || budget > 11*time.Minute+5*time.Second {
		t.Errorf("got a send budget of %v, want about 11 minutes", budget)
	}
}

// A delivery whose outcome cannot be checked long past its time is held
// for a person; releasing it is the person's word that the post is absent,
// and it is sent.
func TestUncheckableLongAfterItsTimeIsHeldThenReleasedAndSent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := &pregonero.Post{ID: "p_unk", Text: "hola", Targets: []string{"x-a"}, ScheduledAt: t0.Add(-7 * time.Hour), CreatedAt: t0, UpdatedAt: t0}
	d := &pregonero.Delivery{ID: "d_unk", PostID: p.ID, AccountID: "x-a", Network: pregonero.NetworkX, State: pregonero.DeliveryInDoubt,
		ScheduledAt: p.ScheduledAt, NextAttemptAt: t0.Add(-time.Minute),
		Attempts: []pregonero.Attempt{{N: 1, StartedAt: p.ScheduledAt, FinishedAt: p.ScheduledAt, Outcome: pregonero.OutcomeUnknown}}}
	p.Deliveries = []*pregonero.Delivery{d}
	if err := h.db.CreatePosts(ctx, p); err != nil {
		t.Fatal(err)
	}
	h.ad.ReconcileFn = func(*pregonero.Delivery, time.Time) (pregonero.Receipt, bool, error) {
		return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "x_timeline_unavailable", Message: "The timeline could not be read."}
	}
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryHeld))
	if got.HoldReason != pregonero.HoldUnverifiable || !strings.Contains(got.LastError.Message, "release it") {
		t.Fatalf("got hold %q %+v, want unverifiable with what to do", got.HoldReason, got.LastError)
	}
	if pub, _ := h.ad.calls(); len(pub) != 0 {
		t.Fatalf("sent %v while it could not be checked", pub)
	}
	if _, err := h.service().Release(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	h.tick()
	got = h.wait(d.ID, state(pregonero.DeliveryPublished))
	if got.Attempts[0].Reconciled != pregonero.ReconciledByPerson {
		t.Errorf("got the first attempt reconciled %q, want %q", got.Attempts[0].Reconciled, pregonero.ReconciledByPerson)
	}
}

package publisher_test

import (
	"context"
	"log/slog"
	"pregonero/logtest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/publisher"
	"pregonero/store"
)

// startPublisher replaces the harness's publisher with one built from
// cfg (store, adapters, clock and limits filled in when left empty), and
// returns where it logs.
func (h *harness) startPublisher(cfg publisher.Config) *logtest.Buffer {
	h.t.Helper()
	h.pub.Close()
	logs := &logtest.Buffer{}
	if cfg.Store == nil {
		cfg.Store = h.db
	}
	if cfg.Adapters == nil {
		cfg.Adapters = map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: h.ad}
	}
	cfg.Clock, cfg.Rand, cfg.Limits = h.clock, func() float64 { return 0.5 }, map[pregonero.Network]publisher.Limit{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p, err := publisher.New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { p.Close() })
	h.pub, h.svc = p, nil // a service made before was bound to the old publisher
	return logs
}

// sweepUntil sweeps until it gives back n deliveries.
func (h *harness) sweepUntil(n int) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := h.pub.Sweep(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("sweep gave back %d, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wantPanicLogged fails unless logs hold msg with a stack.
func wantPanicLogged(t *testing.T, logs *logtest.Buffer, msg string) {
	t.Helper()
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") && strings.Contains(line, msg) && strings.Contains(line, pregonero.LogStack+"=") {
			return
		}
	}
	t.Errorf("no error %q with a stack logged:\n%s", msg, logs.String())
}

// panickingMedia panics when asked for one media id.
type panickingMedia struct{ bad string }

func (m panickingMedia) Blob(_ context.Context, id string) (pregonero.MediaBlob, error) {
	if id == m.bad {
		panic("media library exploded")
	}
	return pregonero.MediaBlob{Media: &pregonero.Media{ID: id, MIME: "image/jpeg", Size: 10}}, nil
}

// A panic while a delivery is processed costs that delivery its turn, not
// the process or the account's lane: the next delivery of the account
// goes out, and the sweep gives the panicked one back to be reconciled.
func TestAPanicInALaneIsContainedAndTheSweepGivesItBack(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	logs := h.startPublisher(publisher.Config{Media: panickingMedia{bad: "m_bad"}})
	if err := h.db.PutMedia(ctx, &pregonero.Media{ID: "m_bad", SHA256: "ab", MIME: "image/jpeg", Size: 10, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(-time.Second)
	post := &pregonero.Post{ID: "p_bad", Text: "foto", Media: pregonero.MediaOf("m_bad"), Targets: []string{"x-a"}, ScheduledAt: at, CreatedAt: t0, UpdatedAt: t0}
	bad := &pregonero.Delivery{ID: "d_bad", PostID: post.ID, AccountID: "x-a", Network: pregonero.NetworkX,
		State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at}
	post.Deliveries = []*pregonero.Delivery{bad}
	if err := h.db.CreatePosts(ctx, post); err != nil {
		t.Fatal(err)
	}
	next := h.post("x-a", t0, "después")

	if n := h.tick(); n != 2 {
		t.Fatalf("claimed %d, want 2", n)
	}
	h.wait(next.ID, state(pregonero.DeliveryPublished))
	wantPanicLogged(t, logs, "processing a delivery panicked")
	if pub, _ := h.ad.calls(); len(pub) != 1 || pub[0] != next.ID {
		t.Errorf("sent %v, want only %s", pub, next.ID)
	}
	if d, err := h.db.Delivery(ctx, bad.ID); err != nil || !d.Claimed {
		t.Fatalf("panicked delivery: %+v, %v; want still claimed", d, err)
	}
	// The publisher lost track of it: a cancel must not take it for one
	// still waiting (the send may be out), and the sweep takes it.
	if _, err := h.service().Cancel(ctx, post.ID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("cancel of the panicked delivery: %v, want conflict", err)
	}
	if n, err := h.pub.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep right after the panic = %d, %v; want nothing before orphanAge", n, err)
	}
	h.clock.Advance(3 * time.Minute)
	h.sweepUntil(1)
	// It panicked before its send started (nothing written ahead): it is
	// queued again rather than reconciled.
	got := h.wait(bad.ID, func(d *pregonero.Delivery) bool { return d.State == pregonero.DeliveryQueued && !d.Claimed })
	if len(got.Attempts) != 0 {
		t.Errorf("attempts %+v, want none", got.Attempts)
	}
}

// panickingPosts is a store whose reads of posts panic.
type panickingPosts struct{ *store.DB }

func (panickingPosts) Post(context.Context, string) (*pregonero.Post, error) {
	panic("post decoder exploded")
}

// A panic while posts are read ahead leaves no lane waiting forever for
// them: their deliveries are given back to be tried again.
func TestAPanicReadingPostsAheadGivesTheDeliveriesBack(t *testing.T) {
	h := newHarness(t)
	logs := h.startPublisher(publisher.Config{Store: panickingPosts{h.db}})
	a, b := h.post("x-a", t0, "uno"), h.post("x-a", t0, "dos")
	h.tick()
	for _, d := range []*pregonero.Delivery{a, b} {
		got := h.wait(d.ID, state(pregonero.DeliveryQueued))
		if got.LastError == nil || got.LastError.Code != "store_error" || !strings.Contains(got.LastError.Message, "post decoder exploded") {
			t.Errorf("%s: last error %+v, want a store error naming the panic", d.ID, got.LastError)
		}
	}
	wantPanicLogged(t, logs, "read ahead of posts panicked")
	if pub, _ := h.ad.calls(); len(pub) != 0 {
		t.Errorf("sent %v without their posts", pub)
	}
}

// panickingRecords is a store whose next write of a result batch panics
// once armed.
type panickingRecords struct {
	*store.DB
	armed atomic.Bool
}

func (s *panickingRecords) UpdateDeliveries(ctx context.Context, us []pregonero.DeliveryUpdate) ([]*pregonero.Delivery, []error, error) {
	if s.armed.CompareAndSwap(true, false) {
		panic("result writer exploded")
	}
	return s.DB.UpdateDeliveries(ctx, us)
}

// A panic while results are written leaves the deliveries claimed with
// their claims lost: the sweep gives them back, to be reconciled.
func TestAPanicRecordingResultsIsContainedAndTheSweepGivesThemBack(t *testing.T) {
	h := newHarness(t)
	ps := &panickingRecords{DB: h.db}
	logs := h.startPublisher(publisher.Config{Store: ps})
	h.ad.PublishFn = func(d *pregonero.Delivery, _ pregonero.Content) (pregonero.Receipt, error) {
		ps.armed.Store(true)
		return pregonero.Receipt{RemoteID: "r-" + d.ID}, nil
	}
	d := h.post("x-a", t0, "uno")
	h.tick()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "record results panicked") {
		if time.Now().After(deadline) {
			t.Fatalf("no panic while recording:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.clock.Advance(3 * time.Minute)
	h.sweepUntil(1)
	got := h.wait(d.ID, state(pregonero.DeliveryInDoubt))
	if len(got.Attempts) != 1 || got.Attempts[0].Outcome != pregonero.OutcomeUnknown {
		t.Errorf("attempts %+v, want the send kept as unknown, to be reconciled", got.Attempts)
	}
	wantPanicLogged(t, logs, "record results panicked")
}

// panickingCleaner is a fakeAdapter whose Cleanup panics.
type panickingCleaner struct {
	*fakeAdapter
	called chan struct{}
}

func (c *panickingCleaner) Cleanup(context.Context, *pregonero.Delivery, *pregonero.Account) error {
	close(c.called)
	panic("cleanup exploded")
}

// A cleanup is best effort: its panic is logged, and nothing else stops.
func TestAPanicInACleanupIsContained(t *testing.T) {
	h := newHarness(t)
	ca := &panickingCleaner{fakeAdapter: h.ad, called: make(chan struct{})}
	logs := h.startPublisher(publisher.Config{Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: ca}})
	h.ad.PublishFn = func(d *pregonero.Delivery, c pregonero.Content) (pregonero.Receipt, error) {
		if err := c.Checkpoint(context.Background(), "photo", "ph-"+d.ID); err != nil {
			return pregonero.Receipt{}, err
		}
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "refused", Message: "refused"}
	}
	failed := h.post("x-a", t0, "rechazada")
	h.tick()
	h.wait(failed.ID, state(pregonero.DeliveryFailed))
	select {
	case <-ca.called:
	case <-time.After(5 * time.Second):
		t.Fatal("no cleanup")
	}
	if err := h.pub.Close(); err != nil { // waits for the cleanup
		t.Fatal(err)
	}
	wantPanicLogged(t, logs, "cleanup panicked")
}

package publisher_test

import (
	"context"
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
	pa.PublishFn = func(d *pregonero.Delivery, c pregonero.Content) (pregonero.Receipt, error) {
		mu.Lock()
		gotAt = c.PublishAt
		mu.Unlock()
		c.Progress(40, 100) // first report is written
		c.Progress(70, 100) // within two seconds: skipped
		c.Progress(100, 100)
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

package publisher_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/publisher"
)

// verifierAdapter is a fakeAdapter whose network decides after accepting.
type verifierAdapter struct {
	*fakeAdapter
	mu      sync.Mutex
	verdict map[string]*pregonero.PublishError // by remote id; absent: still processing
	done    map[string]bool
	calls   int
}

func (v *verifierAdapter) Verify(_ context.Context, d *pregonero.Delivery, _ *pregonero.Account) (bool, *pregonero.PublishError, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls++
	return v.done[d.RemoteID], v.verdict[d.RemoteID], nil
}

func TestVerifyFailsWhatTheNetworkRefusedAfterPublication(t *testing.T) {
	h := newHarness(t)
	h.pub.Close()
	va := &verifierAdapter{fakeAdapter: &fakeAdapter{}, verdict: map[string]*pregonero.PublishError{}, done: map[string]bool{}}
	p, err := publisher.New(publisher.Config{
		Store: h.db, Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: va},
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

	ok, refused, processing := h.post("x-a", t0, "uno"), h.post("x-a", t0, "dos"), h.post("x-a", t0, "tres")
	h.tick()
	for _, d := range []*pregonero.Delivery{ok, refused, processing} {
		h.wait(d.ID, state(pregonero.DeliveryPublished))
	}
	va.mu.Lock()
	va.done["r-"+ok.ID], va.done["r-"+refused.ID] = true, true
	va.verdict["r-"+refused.ID] = &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_upload_rejected", Message: "YouTube rejected video: duplicate."}
	va.mu.Unlock()

	n, err := p.Verify(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Verify = %d, %v; want 2 settled", n, err)
	}
	got := func(id string) *pregonero.Delivery {
		d, err := h.db.Delivery(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := got(ok.ID); d.State != pregonero.DeliveryPublished || d.Checkpoint[publisher.CheckpointVerified] != "ok" {
		t.Errorf("accepted: got %s %v, want published and verified", d.State, d.Checkpoint)
	}
	if d := got(refused.ID); d.State != pregonero.DeliveryFailed || d.LastError == nil || d.LastError.Code != "youtube_upload_rejected" {
		t.Errorf("refused: got %s %+v, want failed with the network's reason", d.State, d.LastError)
	}
	if d := got(processing.ID); d.State != pregonero.DeliveryPublished || d.Checkpoint[publisher.CheckpointVerified] != "" {
		t.Errorf("processing: got %s %v, want published and not yet verified", d.State, d.Checkpoint)
	}
	// A second pass asks only about the one still processing.
	va.mu.Lock()
	va.calls = 0
	va.mu.Unlock()
	h.clock.Set(t0.Add(5 * time.Minute))
	if n, err := p.Verify(context.Background()); err != nil || n != 0 {
		t.Errorf("second Verify = %d, %v; want nothing settled", n, err)
	}
	va.mu.Lock()
	defer va.mu.Unlock()
	if va.calls != 1 {
		t.Errorf("second pass asked %d times, want once (the video still processing)", va.calls)
	}
}

// cleanerAdapter is a fakeAdapter that records cleanups.
type cleanerAdapter struct {
	*fakeAdapter
	mu      sync.Mutex
	cleaned []string
}

func (c *cleanerAdapter) Cleanup(_ context.Context, d *pregonero.Delivery, _ *pregonero.Account) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cleaned = append(c.cleaned, d.ID+":"+d.Checkpoint["photo"])
	return nil
}

func (c *cleanerAdapter) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.cleaned...)
}

// What a delivery left on the network is removed once it fails or is
// canceled.
func TestEndedDeliveriesAreCleanedUp(t *testing.T) {
	h := newHarness(t)
	ca := &cleanerAdapter{fakeAdapter: &fakeAdapter{}}
	h.startPublisher(publisher.Config{Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: ca}})
	p := h.pub
	ca.PublishFn = func(d *pregonero.Delivery, c pregonero.Content) (pregonero.Receipt, error) {
		if err := c.Checkpoint(context.Background(), "photo", "ph-"+d.ID); err != nil {
			return pregonero.Receipt{}, err
		}
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "refused", Message: "refused"}
	}
	failed := h.post("x-a", t0, "refused")
	h.tick()
	h.wait(failed.ID, state(pregonero.DeliveryFailed))

	waiting := h.post("x-a", t0.Add(time.Hour), "later")
	if _, err := h.db.UpdateDelivery(context.Background(), waiting.ID, func(x *pregonero.Delivery) error {
		x.Checkpoint = map[string]string{"photo": "ph-" + x.ID} // an earlier attempt's upload
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := serviceFor(t, h.db, p, h.clock).Cancel(context.Background(), waiting.PostID); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{failed.ID + ":ph-" + failed.ID: true, waiting.ID + ":ph-" + waiting.ID: true}
	deadline := time.Now().Add(5 * time.Second)
	for len(ca.got()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := ca.got()
	if len(got) != len(want) {
		t.Fatalf("cleaned %v, want %v", got, want)
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("cleaned %s, want only %v", g, want)
		}
	}
}

// postCounter counts the listings of posts.
type postCounter struct {
	pregonero.Store
	mu sync.Mutex
	n  int
}

func (c *postCounter) Posts(ctx context.Context, f pregonero.PostFilter) (*pregonero.PostPage, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Store.Posts(ctx, f)
}

// Without a network that decides after accepting, the periodic pass reads
// nothing.
func TestVerifyWithoutVerifierReadsNoPosts(t *testing.T) {
	h := newHarness(t)
	h.pub.Close()
	st := &postCounter{Store: h.db}
	p, err := publisher.New(publisher.Config{
		Store: st, Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: h.ad},
		Clock: h.clock, Rand: func() float64 { return 0.5 }, Limits: map[pregonero.Network]publisher.Limit{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	h.post("x-a", t0, "uno")
	if n, err := p.Verify(context.Background()); err != nil || n != 0 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.n != 0 {
		t.Errorf("listed posts %d times, want none", st.n)
	}
}

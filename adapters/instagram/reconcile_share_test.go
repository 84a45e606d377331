package instagram_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

// mediaLists counts the reads of accounts' media lists (GET
// /{ig-user}/media) on their way to the fake.
type mediaLists struct{ n atomic.Int64 }

func (m *mediaLists) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/media") {
		m.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// listingEnv is an env on a fake clock whose adapter's media list reads
// are counted.
func listingEnv(t *testing.T) (*env, *fakenet.Clock, *mediaLists) {
	t.Helper()
	lists := &mediaLists{}
	clock := fakenet.NewClock(time.Now().UTC().Truncate(time.Second))
	cfg := instagram.Config{Config: graph.Config{HTTPClient: &http.Client{Transport: lists, Timeout: 10 * time.Second}}}
	return newEnv(t, envOptions{clock: clock, cfg: cfg}), clock, lists
}

// attempted gives d one attempt of unknown outcome at the instant given.
func attempted(d *pregonero.Delivery, at time.Time) *pregonero.Delivery {
	d.State = pregonero.DeliveryInDoubt
	d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: at, FinishedAt: at, Outcome: pregonero.OutcomeUnknown}}
	return d
}

func TestReconcileSharesOneMediaListingAcrossDeliveries(t *testing.T) {
	e, clock, lists := listingEnv(t)
	a := e.account("shared")
	since := clock.Now().Add(-2 * time.Minute)
	content := func(i int) pregonero.Content {
		return pregonero.Content{Text: fmt.Sprintf("Aviso %d de la gobernación", i), Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
	}
	// Every other delivery's media_publish went through before the crash,
	// a second apart; the others' failed, leaving their containers
	// unpublished.
	const n = 20
	published := map[int]string{}
	var ds []*pregonero.Delivery
	for i := range n {
		clock.Advance(time.Second)
		if i%2 == 0 {
			d, p := e.lost(t, a, content(i))
			published[i] = p.RemoteID
			ds = append(ds, attempted(d, clock.Now()))
			continue
		}
		var cp checkpoints
		c := content(i)
		c.Checkpoint = cp.fn
		d := e.delivery(a)
		e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 503, Count: 1})
		if _, err := e.adapter.Publish(ctx(t), d, c, a); err == nil {
			t.Fatalf("Publish %d: got no error, want the injected failure", i)
		}
		e.fake.Faults().Clear()
		ds = append(ds, attempted(withCheckpoint(d, cp.snapshot()), clock.Now()))
	}
	clock.Advance(6 * time.Second)
	before := lists.n.Load()
	for i, d := range ds {
		r, found, err := e.adapter.Reconcile(ctx(t), d, content(i), a, since)
		switch want, ok := published[i]; {
		case err != nil:
			t.Fatalf("delivery %d: Reconcile: %v", i, err)
		case ok && (!found || r.RemoteID != want):
			t.Errorf("delivery %d: got found %v, remote id %q; want %s", i, found, r.RemoteID, want)
		case !ok && found:
			t.Errorf("delivery %d: got found %s, want absent", i, r.RemoteID)
		}
	}
	if got := lists.n.Load() - before; got != 1 {
		t.Errorf("media listed %d times for %d deliveries, want 1", got, n)
	}
}

func TestReconcileDoesNotReuseAMediaListingFromBeforeTheAttempt(t *testing.T) {
	e, clock, lists := listingEnv(t)
	a := e.account("late")
	since := clock.Now().Add(-2 * time.Minute)
	content := func(text string) pregonero.Content {
		return pregonero.Content{Text: text, Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
	}
	early := content("Temprano")
	d, p := e.lost(t, a, early)
	d = attempted(d, clock.Now())
	clock.Advance(6 * time.Second)
	start := lists.n.Load()
	if r, found, err := e.adapter.Reconcile(ctx(t), d, early, a, since); err != nil || !found || r.RemoteID != p.RemoteID {
		t.Fatalf("early delivery: got %+v, found %v, error %v; want %s", r, found, err, p.RemoteID)
	}

	// A delivery whose post was made after that read, within the read's
	// life: the read cannot show the post.
	late := content("Tarde")
	ld, lp := e.lost(t, a, late)
	ld = attempted(ld, clock.Now())
	clock.Advance(time.Second)
	if r, found, err := e.adapter.Reconcile(ctx(t), ld, late, a, since); err != nil || !found || r.RemoteID != lp.RemoteID {
		t.Fatalf("late delivery: got %+v, found %v, error %v; want %s from a read of its own", r, found, err, lp.RemoteID)
	}
	if got := lists.n.Load() - start; got != 2 {
		t.Errorf("media listed %d times, want 2: the late delivery's attempt came after the first read", got)
	}

	// Once a read begins late enough after its attempt, the late delivery
	// is served by it; once that is past its life, the media are read
	// again.
	clock.Advance(5 * time.Second)
	for _, want := range []int64{3, 3} {
		if r, found, err := e.adapter.Reconcile(ctx(t), ld, late, a, since); err != nil || !found || r.RemoteID != lp.RemoteID {
			t.Fatalf("late delivery again: got %+v, found %v, error %v; want %s", r, found, err, lp.RemoteID)
		}
		if got := lists.n.Load() - start; got != want {
			t.Errorf("media listed %d times, want %d: a read begun late enough after the attempt serves again", got, want)
		}
	}
	clock.Advance(30 * time.Second)
	if _, found, err := e.adapter.Reconcile(ctx(t), ld, late, a, since); err != nil || !found {
		t.Fatalf("after the read's life: got found %v, error %v; want found", found, err)
	}
	if got := lists.n.Load() - start; got != 4 {
		t.Errorf("media listed %d times, want 4: a read older than its life is not reused", got)
	}
}

func TestReconcileReadsTheWindowWhenASharedListingRunsOut(t *testing.T) {
	// One page of 50 per read: the account's later posts fill it.
	lists := &mediaLists{}
	clock := fakenet.NewClock(time.Now().UTC().Truncate(time.Second))
	e := newEnv(t, envOptions{clock: clock, cfg: instagram.Config{ReconcilePages: 1,
		Config: graph.Config{HTTPClient: &http.Client{Transport: lists, Timeout: 10 * time.Second}}}})
	a := e.account("runs_out")
	since := clock.Now().Add(-2 * time.Minute)
	c := pregonero.Content{Text: "Primero", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
	d, p := e.lost(t, a, c)
	d = attempted(d, clock.Now())
	clock.Advance(10 * time.Minute)
	for i := range 55 {
		e.publishOK(t, a, pregonero.Content{Text: fmt.Sprintf("Después %d", i), Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}})
	}
	clock.Advance(6 * time.Second)
	// Up to now the media run past the one page; the window of the
	// publication (up to five minutes after it) does not.
	before := lists.n.Load()
	r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, since)
	if err != nil || !found || r.RemoteID != p.RemoteID {
		t.Fatalf("got %+v, found %v, error %v; want %s", r, found, err, p.RemoteID)
	}
	// The read up to now ran out within its one page; the read of the
	// window alone found the post.
	if got := lists.n.Load() - before; got != 2 {
		t.Errorf("media listed %d times, want 2: the read that ran out, then the window's", got)
	}
}

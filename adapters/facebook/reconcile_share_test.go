package facebook_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
)

// inDoubt returns a delivery of a whose only attempt, at the instant
// given, has an unknown outcome.
func inDoubt(a *pregonero.Account, at time.Time) *pregonero.Delivery {
	d := delivery(a)
	d.State = pregonero.DeliveryInDoubt
	d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: at, FinishedAt: at, Outcome: pregonero.OutcomeUnknown}}
	return d
}

func TestReconcileSharesOneListingAcrossDeliveriesOfAPage(t *testing.T) {
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	for _, tt := range []struct {
		name    string
		n       int
		content func(i int) pregonero.Content
		lists   []string
	}{
		{"text posts", 20, func(i int) pregonero.Content {
			return pregonero.Content{Text: fmt.Sprintf("Aviso %d de la alcaldía", i)}
		}, []string{"/published_posts"}},
		{"videos", 6, func(i int) pregonero.Content {
			return pregonero.Content{Text: fmt.Sprintf("Video %d del concejo", i), Media: []pregonero.MediaBlob{video}}
		}, []string{"/videos", "/published_posts"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, facebook.Config{})
			a := e.account()
			publishOthers(t, e, a, 3)
			// Every other delivery reached Facebook before the crash, a
			// second apart.
			published := map[int]string{}
			var ds []*pregonero.Delivery
			for i := range tt.n {
				e.clock.Advance(time.Second)
				d := inDoubt(a, e.clock.Now())
				if i%2 == 0 {
					r, err := e.adapter.Publish(context.Background(), d, tt.content(i), a)
					if err != nil {
						t.Fatalf("Publish %d: %v", i, err)
					}
					published[i] = r.RemoteID
				}
				ds = append(ds, d)
			}
			e.clock.Advance(6 * time.Second)
			before := map[string]int{}
			for _, l := range tt.lists {
				before[l] = len(e.requests(http.MethodGet, l))
			}
			for i, d := range ds {
				// The publisher searches from each delivery's first attempt.
				since := d.Attempts[0].StartedAt.Add(-2 * time.Minute)
				r, found, err := e.adapter.Reconcile(context.Background(), d, tt.content(i), a, since)
				switch want, ok := published[i]; {
				case err != nil:
					t.Fatalf("delivery %d: Reconcile: %v", i, err)
				case ok && (!found || r.RemoteID != want):
					t.Errorf("delivery %d: got found %v, remote id %q; want %s", i, found, r.RemoteID, want)
				case !ok && found:
					t.Errorf("delivery %d: got found %s, want absent", i, r.RemoteID)
				}
			}
			for _, l := range tt.lists {
				if n := len(e.requests(http.MethodGet, l)) - before[l]; n != 1 {
					t.Errorf("%s read %d times for %d deliveries, want 1", l, n, tt.n)
				}
			}
		})
	}
}

func TestReconcileDoesNotReuseAListingFromBeforeTheAttempt(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	since := e.clock.Now()
	reads := func() int { return len(e.requests(http.MethodGet, "/published_posts")) }
	early := inDoubt(a, e.clock.Now())
	e.clock.Advance(6 * time.Second)
	start := reads()
	if _, found, err := e.adapter.Reconcile(context.Background(), early, pregonero.Content{Text: "Nunca enviado"}, a, since); err != nil || found {
		t.Fatalf("early delivery: got found %v, error %v; want absent", found, err)
	}

	// A delivery whose attempt made its post after that read, within the
	// read's life: the read cannot show the post.
	late := inDoubt(a, e.clock.Now())
	c := pregonero.Content{Text: "Enviado después de la lectura"}
	r, err := e.adapter.Publish(context.Background(), late, c, a)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	got, found, err := e.adapter.Reconcile(context.Background(), late, c, a, since)
	if err != nil || !found || got.RemoteID != r.RemoteID {
		t.Fatalf("late delivery: got %+v, found %v, error %v; want %s from a read of its own", got, found, err, r.RemoteID)
	}
	if n := reads() - start; n != 2 {
		t.Errorf("published_posts read %d times, want 2: the late delivery's attempt came after the first read", n)
	}

	// An early delivery is served by the last read; once it is past its
	// life, it is read again.
	if _, found, err := e.adapter.Reconcile(context.Background(), inDoubt(a, since), pregonero.Content{Text: "Tampoco enviado"}, a, since); err != nil || found {
		t.Fatalf("second early delivery: got found %v, error %v; want absent", found, err)
	}
	if n := reads() - start; n != 2 {
		t.Errorf("published_posts read %d times, want 2: the second early delivery can use the last read", n)
	}
	e.clock.Advance(30 * time.Second)
	if _, found, err := e.adapter.Reconcile(context.Background(), inDoubt(a, since), c, a, since); err != nil || !found {
		t.Fatalf("after the read's life: got found %v, error %v; want found", found, err)
	}
	if n := reads() - start; n != 3 {
		t.Errorf("published_posts read %d times, want 3: a read older than its life is not reused", n)
	}
}

// TestReconcileReadsItsOwnWindowWhenASharedListingRunsOut: a shared read
// that ran out of pages still finds what it shows, but absence is proven
// only by a read of the delivery's own window.
func TestReconcileReadsItsOwnWindowWhenASharedListingRunsOut(t *testing.T) {
	e := newEnv(t, facebook.Config{ReconcilePages: 1})
	a := e.account()
	reads := func() int { return len(e.requests(http.MethodGet, "/published_posts")) }
	early := inDoubt(a, e.clock.Now())
	publishOthers(t, e, a, 30) // more than the one page of 25 read
	e.clock.Advance(5 * time.Minute)
	later, absent := inDoubt(a, e.clock.Now()), inDoubt(a, e.clock.Now())
	c := pregonero.Content{Text: "Publicado después"}
	r, err := e.adapter.Publish(context.Background(), later, c, a)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(6 * time.Second)
	start := reads()

	_, found, err := e.adapter.Reconcile(context.Background(), early, pregonero.Content{Text: "Temprano"}, a, early.Attempts[0].StartedAt)
	if pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown); found || pe.Code != "facebook_reconcile_incomplete" {
		t.Fatalf("early delivery: got found %v, code %q; want facebook_reconcile_incomplete", found, pe.Code)
	}
	got, found, err := e.adapter.Reconcile(context.Background(), later, c, a, later.Attempts[0].StartedAt)
	if err != nil || !found || got.RemoteID != r.RemoteID {
		t.Fatalf("later delivery: got %+v, found %v, error %v; want %s", got, found, err, r.RemoteID)
	}
	if n := reads() - start; n != 1 {
		t.Errorf("published_posts read %d times, want 1: the shared read shows the later delivery's post", n)
	}
	if _, found, err := e.adapter.Reconcile(context.Background(), absent, pregonero.Content{Text: "Nunca enviado"}, a, absent.Attempts[0].StartedAt); err != nil || found {
		t.Fatalf("absent delivery: got found %v, error %v; want absent from a read of its own window", found, err)
	}
	if n := reads() - start; n != 2 {
		t.Errorf("published_posts read %d times, want 2", n)
	}
}

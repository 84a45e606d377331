package youtube_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

// playlistEnv is an env whose reads of uploads playlists are counted.
func playlistEnv(t *testing.T) (*env, *atomic.Int64) {
	t.Helper()
	var reads atomic.Int64
	e := newEnv(t, envOptions{wrap: func(f *fake.Fake) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/playlistItems") {
				reads.Add(1)
			}
			f.ServeHTTP(w, r)
		})
	}})
	return e, &reads
}

// sinceOf is the start of the search the publisher asks for: the
// delivery's first attempt, two minutes early.
func sinceOf(d *pregonero.Delivery) time.Time { return d.Attempts[0].StartedAt.Add(-2 * time.Minute) }

func TestReconcileSharesOnePlaylistReadAcrossDeliveries(t *testing.T) {
	e, reads := playlistEnv(t)
	a := e.account("shared")
	// Every other delivery's upload went through before the crash, a
	// second apart; the others never reached YouTube.
	const n = 20
	uploaded := map[int]string{}
	var ds []*pregonero.Delivery
	var cs []pregonero.Content
	for i := range n {
		e.clock.Advance(time.Second)
		c := content(t, fmt.Sprintf("Aviso %d", i), 3000, fmt.Sprintf("shared %d", i))
		d := e.attempted(a)
		if i%2 == 0 {
			had := map[string]bool{}
			for _, p := range e.posts("shared") {
				had[p.RemoteID] = true
			}
			e.lostUpload(a, d, c)
			for _, p := range e.posts("shared") {
				if !had[p.RemoteID] {
					uploaded[i] = p.RemoteID
				}
			}
		}
		ds, cs = append(ds, d), append(cs, c)
	}
	e.clock.Advance(youtube.DefaultPlaylistLag)
	before := reads.Load()
	for i, d := range ds {
		r, found, err := e.adapter.Reconcile(ctx(t), d, cs[i], a, sinceOf(d))
		switch want, ok := uploaded[i]; {
		case err != nil:
			t.Fatalf("delivery %d: Reconcile: %v", i, err)
		case ok && (!found || r.RemoteID != want):
			t.Errorf("delivery %d: got found %v, remote id %q; want %s", i, found, r.RemoteID, want)
		case !ok && found:
			t.Errorf("delivery %d: got found %s, want absent", i, r.RemoteID)
		}
	}
	if got := reads.Load() - before; got != 1 {
		t.Errorf("uploads playlist read %d times for %d deliveries, want 1", got, n)
	}
}

func TestReconcileDoesNotReuseAPlaylistReadFromBeforeTheAttempt(t *testing.T) {
	e, reads := playlistEnv(t)
	a := e.account("late")
	early := e.attempted(a)
	e.clock.Advance(youtube.DefaultPlaylistLag)
	start := reads.Load()
	if _, found, err := e.adapter.Reconcile(ctx(t), early, content(t, "Nunca", 3000, "never"), a, sinceOf(early)); err != nil || found {
		t.Fatalf("early delivery: got found %v, error %v; want absent", found, err)
	}
	// A delivery whose upload came after that read, within the read's
	// life: the read cannot show the video.
	late := e.attempted(a)
	c := content(t, "Tarde", 3000, "late")
	e.lostUpload(a, late, c)
	e.clock.Advance(time.Second)
	if _, found, err := e.adapter.Reconcile(ctx(t), late, c, a, sinceOf(early)); err != nil || !found {
		t.Fatalf("late delivery: got found %v, error %v; want found by a read of its own", found, err)
	}
	if got := reads.Load() - start; got != 2 {
		t.Errorf("uploads playlist read %d times, want 2: the late delivery's upload came after the first read", got)
	}
}

// TestSharedPlaylistReadKeepsThePlaylistLag: a read begun before a
// delivery's playlist lag had passed proves nothing absent for it, even
// when another delivery's reconciliation made it and it is still fresh.
func TestSharedPlaylistReadKeepsThePlaylistLag(t *testing.T) {
	e, reads := playlistEnv(t)
	a := e.account("lagged")
	d, other := e.attempted(a), e.attempted(a)
	c, oc := content(t, "Nunca", 3000, "never"), content(t, "Tampoco", 3000, "neither")
	e.clock.Advance(youtube.DefaultPlaylistLag - 10*time.Second)
	start := reads.Load()
	for _, x := range []struct {
		d *pregonero.Delivery
		c pregonero.Content
	}{{other, oc}, {d, c}} {
		_, found, err := e.adapter.Reconcile(ctx(t), x.d, x.c, a, sinceOf(x.d))
		if pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown); found || pe.Code != "youtube_not_listed_yet" {
			t.Fatalf("within the lag: got found %v, code %q; want youtube_not_listed_yet", found, pe.Code)
		}
	}
	if got := reads.Load() - start; got != 1 {
		t.Errorf("uploads playlist read %d times within the lag, want 1", got)
	}

	// The lag has passed, the read has not expired: it is not taken to
	// prove absence, a read of now is.
	e.clock.Advance(20 * time.Second)
	for _, x := range []struct {
		d *pregonero.Delivery
		c pregonero.Content
	}{{d, c}, {other, oc}} {
		if _, found, err := e.adapter.Reconcile(ctx(t), x.d, x.c, a, sinceOf(x.d)); err != nil || found {
			t.Fatalf("past the lag: got found %v, error %v; want absent", found, err)
		}
	}
	if got := reads.Load() - start; got != 2 {
		t.Errorf("uploads playlist read %d times, want 2: one within the lag, one after it", got)
	}
}

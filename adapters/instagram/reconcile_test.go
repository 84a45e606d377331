package instagram_test

import (
	"context"
	"errors"
	"fmt"
	"pregonero/logtest"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

func TestDropAfterAcceptOnPublishIsUnknownThenFound(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, tt := range []struct {
		name, format, kind string
		text               string
	}{
		{"feed", pregonero.FormatFeed, "p", "Se cayó la conexión"},
		{"story", pregonero.FormatStory, "stories", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.account("drop")
			var cp checkpoints
			c := pregonero.Content{Text: tt.text, Format: tt.format, Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
			d := e.delivery(a)
			since := time.Now().Add(-2 * time.Minute)
			e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeDropAfterAccept, Count: 1})
			_, err := e.adapter.Publish(ctx(t), d, c, a)
			adaptertest.WantClass(t, err, pregonero.ClassUnknown)
			p := onePost(t, e, a)

			r, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), c, a, since)
			if err != nil {
				t.Fatalf("Reconcile: %v", err)
			}
			if !found || r.RemoteID != p.RemoteID {
				t.Fatalf("got found %v, remote id %q; want the fake's %s", found, r.RemoteID, p.RemoteID)
			}
			wantPermalink(t, r, tt.kind)

			// Had the publisher resent it anyway, the checkpointed
			// container would give the same post, not a second one.
			r2, err := e.adapter.Publish(ctx(t), withCheckpoint(d, cp.snapshot()), c, a)
			if err != nil {
				t.Fatalf("Publish after reconciliation: %v", err)
			}
			if r2.RemoteID != p.RemoteID {
				t.Errorf("got remote id %s, want %s", r2.RemoteID, p.RemoteID)
			}
			onePost(t, e, a)
		})
	}
}

func TestReconcile(t *testing.T) {
	e := newEnv(t, envOptions{})
	jpeg := func(t *testing.T, text string) pregonero.Content {
		return pregonero.Content{Text: text, Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
	}
	t.Run("without a checkpoint nothing was published", func(t *testing.T) {
		a := e.account("rec_none")
		// Even a post with the same caption is not this delivery's.
		if _, err := e.adapter.Publish(ctx(t), e.delivery(a), jpeg(t, "Mismo texto"), a); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		_, found, err := e.adapter.Reconcile(ctx(t), e.delivery(a), jpeg(t, "Mismo texto"), a, time.Now().Add(-time.Hour))
		if err != nil || found {
			t.Errorf("got found %v, error %v; want absent", found, err)
		}
	})
	t.Run("a finished container was not published", func(t *testing.T) {
		a := e.account("rec_finished")
		var cp checkpoints
		c := jpeg(t, "Pendiente")
		c.Checkpoint = cp.fn
		d := e.delivery(a)
		e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 503, Count: 1})
		if _, err := e.adapter.Publish(ctx(t), d, c, a); err == nil {
			t.Fatal("Publish: got no error, want the injected failure")
		}
		_, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), c, a, time.Now().Add(-time.Hour))
		if err != nil || found {
			t.Errorf("got found %v, error %v; want absent", found, err)
		}
	})
	t.Run("an expired container was not published", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("rec_expired")
		var cp checkpoints
		c := jpeg(t, "Vencido")
		c.Checkpoint = cp.fn
		d := e.delivery(a)
		e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 503, Count: 1})
		e.adapter.Publish(ctx(t), d, c, a)
		e.fake.ExpireContainers()
		_, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), c, a, time.Now().Add(-time.Hour))
		if err != nil || found {
			t.Errorf("got found %v, error %v; want absent", found, err)
		}
	})
	t.Run("published but not listed is unknown", func(t *testing.T) {
		a := e.account("rec_unlisted")
		var cp checkpoints
		c := jpeg(t, "Publicado")
		c.Checkpoint = cp.fn
		d := e.delivery(a)
		if _, err := e.adapter.Publish(ctx(t), d, c, a); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		// As if the caption had been edited on Instagram since.
		edited := c
		edited.Text = "Publicado (editado)"
		_, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), edited, a, time.Now().Add(-time.Hour))
		pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
		if found || pe.Code != "instagram_not_listed" {
			t.Errorf("got found %v, code %q; want not found with instagram_not_listed", found, pe.Code)
		}
	})
	t.Run("the post is found over pages, later posts of its caption aside", func(t *testing.T) {
		clock := fakenet.NewClock(time.Now().UTC().Truncate(time.Second))
		e := newEnv(t, envOptions{clock: clock, cfg: instagram.Config{ReconcilePages: 100}})
		a := e.account("rec_pages")
		var cp checkpoints
		c := jpeg(t, "Boletín")
		c.Checkpoint = cp.fn
		d := e.delivery(a)
		since := clock.Now().Add(-time.Minute)
		first, err := e.adapter.Publish(ctx(t), d, c, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		// 60 posts of the same second push it past the first page of 50;
		// the same caption again, ten minutes later, is another post.
		for i := range 63 {
			text := "Otro"
			if i >= 60 {
				text = "Boletín"
			}
			if i == 60 {
				clock.Advance(10 * time.Minute)
			}
			if _, err := e.adapter.Publish(ctx(t), e.delivery(a), jpeg(t, text), a); err != nil {
				t.Fatalf("Publish %d: %v", i, err)
			}
		}
		r, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), c, a, since)
		if err != nil || !found || r.RemoteID != first.RemoteID {
			t.Errorf("got %+v, found %v, error %v; want %s", r, found, err, first.RemoteID)
		}
	})
	t.Run("refused credentials need re-authorization", func(t *testing.T) {
		a := e.account("rec_reauth")
		a.Credentials["access_token"] = "revoked"
		_, _, err := e.adapter.Reconcile(ctx(t), e.delivery(a), jpeg(t, "x"), a, time.Now())
		adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
	})
	t.Run("unreadable container status is an error, not absence", func(t *testing.T) {
		a := e.account("rec_status")
		var cp checkpoints
		c := jpeg(t, "Estado")
		c.Checkpoint = cp.fn
		d := e.delivery(a)
		e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeDropAfterAccept, Count: 1})
		e.adapter.Publish(ctx(t), d, c, a)
		e.fault(t, fakenet.Rule{Op: fake.OpStatus, Mode: fakenet.ModeError, Status: 503})
		_, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), c, a, time.Now())
		if found {
			t.Error("got found, want an error")
		}
		adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	})
}

// clockEnv is an env on a fake clock, with the adapter's log lines kept.
func clockEnv(t *testing.T, cfg instagram.Config) (*env, *fakenet.Clock, *logtest.Buffer) {
	t.Helper()
	clock := fakenet.NewClock(time.Now().UTC().Truncate(time.Second))
	logs := &logtest.Buffer{}
	cfg.Logger = logs.Logger()
	return newEnv(t, envOptions{clock: clock, cfg: cfg}), clock, logs
}

// lost publishes c for a new delivery of a with the answer to
// media_publish lost, and returns the delivery with the checkpoints it
// left and the post the fake made.
func (e *env) lost(t *testing.T, a *pregonero.Account, c pregonero.Content) (*pregonero.Delivery, fakenet.Post) {
	t.Helper()
	before := map[string]bool{}
	for _, p := range e.posts(a) {
		before[p.RemoteID] = true
	}
	var cp checkpoints
	c.Checkpoint = cp.fn
	d := e.delivery(a)
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeDropAfterAccept, Count: 1})
	_, err := e.adapter.Publish(ctx(t), d, c, a)
	adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	e.fake.Faults().Clear()
	for _, p := range e.posts(a) {
		if !before[p.RemoteID] {
			return withCheckpoint(d, cp.snapshot()), p
		}
	}
	t.Fatal("got no new post in the fake after the lost answer")
	return nil, fakenet.Post{}
}

// publishOK publishes c for a new delivery of a and returns its receipt.
func (e *env) publishOK(t *testing.T, a *pregonero.Account, c pregonero.Content) pregonero.Receipt {
	t.Helper()
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return r
}

func TestReconcileFindsThisDeliverysPostNotAnEarlierOne(t *testing.T) {
	for _, tt := range []struct {
		name, format, text string
	}{
		{"story", pregonero.FormatStory, ""},
		{"feed post without caption", pregonero.FormatFeed, ""},
		{"feed post with the same caption", pregonero.FormatFeed, "Aviso"},
	} {
		for _, gap := range []time.Duration{10 * time.Second, 3 * time.Minute} {
			t.Run(fmt.Sprintf("%s %s later", tt.name, gap), func(t *testing.T) {
				e, clock, _ := clockEnv(t, instagram.Config{})
				a := e.account("earlier")
				content := func() pregonero.Content {
					return pregonero.Content{Text: tt.text, Format: tt.format, Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
				}
				since := clock.Now().Add(-2 * time.Minute)
				earlier := e.publishOK(t, a, content())
				clock.Advance(gap)
				c := content()
				d, p := e.lost(t, a, c)
				if p.RemoteID == earlier.RemoteID {
					t.Fatal("the lost publication made no post of its own")
				}
				// The publisher's window starts before the earlier post.
				r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, since)
				if err != nil || !found || r.RemoteID != p.RemoteID {
					t.Fatalf("Reconcile: got %+v, found %v, error %v; want this delivery's %s, not the earlier %s", r, found, err, p.RemoteID, earlier.RemoteID)
				}
				// A resumed attempt finds the same post without publishing.
				r, err = e.adapter.Publish(ctx(t), d, c, a)
				if err != nil || r.RemoteID != p.RemoteID {
					t.Errorf("resumed Publish: got %+v, error %v; want %s", r, err, p.RemoteID)
				}
				if n := len(e.posts(a)); n != 2 {
					t.Errorf("got %d posts, want 2", n)
				}
			})
		}
	}
}

func TestReconcileMatchesTheMediaType(t *testing.T) {
	e := newEnv(t, envOptions{})
	image := func() pregonero.Content {
		return pregonero.Content{Text: "Mismo texto", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
	}
	reel := func() pregonero.Content {
		return pregonero.Content{Text: "Mismo texto", Format: pregonero.FormatReel, Media: []pregonero.MediaBlob{e.media.mp4(t, 10_000)}}
	}
	carousel := func() pregonero.Content {
		return pregonero.Content{Text: "Mismo texto", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, ""), e.media.jpeg(t, 100, 110, "")}}
	}
	for _, tt := range []struct {
		name         string
		other, under func() pregonero.Content
	}{
		{"reel after an image", image, reel},
		{"image after a reel", reel, image},
		{"carousel after an image", image, carousel},
		{"image after a carousel", carousel, image},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.account("types")
			// The other post is of the same second and caption.
			other := e.publishOK(t, a, tt.other())
			c := tt.under()
			d, p := e.lost(t, a, c)
			r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, time.Now().Add(-time.Hour))
			if err != nil || !found || r.RemoteID != p.RemoteID {
				t.Errorf("got %+v, found %v, error %v; want %s, not the other type's %s", r, found, err, p.RemoteID, other.RemoteID)
			}
		})
	}
}

func TestReconcileAmbiguousThenFallbackReceipt(t *testing.T) {
	e, clock, logs := clockEnv(t, instagram.Config{})
	a := e.account("twins")
	content := func() pregonero.Content {
		return pregonero.Content{Text: "Gemelo", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
	}
	c := content()
	start := clock.Now()
	d, _ := e.lost(t, a, c)
	// Another delivery of the same post, a minute later: either could be
	// this delivery's.
	clock.Advance(time.Minute)
	e.publishOK(t, a, content())

	_, found, err := e.adapter.Reconcile(ctx(t), d, c, a, start.Add(-time.Minute))
	pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	if found || pe.Code != "instagram_ambiguous" {
		t.Errorf("got found %v, code %q; want instagram_ambiguous", found, pe.Code)
	}
	_, err = e.adapter.Publish(ctx(t), d, c, a)
	if pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown); pe.Code != "instagram_ambiguous" {
		t.Errorf("resumed Publish: got code %q, want instagram_ambiguous", pe.Code)
	}

	clock.Advance(instagram.DefaultUnlistedAfter)
	r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, start.Add(-time.Minute))
	if err != nil || !found {
		t.Fatalf("got found %v, error %v; want the fallback receipt past the bound", found, err)
	}
	wantFallback(t, r, d, a, start)
	if !strings.Contains(logs.String(), "media id could not be read") {
		t.Errorf("got log lines %q, want a warning that the post is out without its id", logs.String())
	}
	if n := len(e.posts(a)); n != 2 {
		t.Errorf("got %d posts, want 2", n)
	}
}

// wantFallback checks a receipt naming the delivery's container and the
// account's profile.
func wantFallback(t *testing.T, r pregonero.Receipt, d *pregonero.Delivery, a *pregonero.Account, at time.Time) {
	t.Helper()
	if want := instagram.ContainerReceiptPrefix + d.Checkpoint[instagram.CheckpointContainer]; r.RemoteID != want {
		t.Errorf("got remote id %q, want %q", r.RemoteID, want)
	}
	if want := "https://www.instagram.com/sandbox_" + a.RemoteID + "/"; r.URL != want {
		t.Errorf("got URL %q, want the profile %q", r.URL, want)
	}
	if !r.PublishedAt.Equal(at) {
		t.Errorf("got PublishedAt %v, want the publish instant %v", r.PublishedAt, at)
	}
}

func TestPublishedButUnlistedPostIsUnknownThenFallback(t *testing.T) {
	e, clock, logs := clockEnv(t, instagram.Config{})
	a := e.account("unlisted")
	c := pregonero.Content{Text: "Original", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
	at := clock.Now()
	d, _ := e.lost(t, a, c)
	// As if the caption had been edited on Instagram since.
	edited := c
	edited.Text = "Editado"
	clock.Advance(instagram.DefaultUnlistedAfter - time.Minute)
	_, found, err := e.adapter.Reconcile(ctx(t), d, edited, a, at)
	if pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown); found || pe.Code != "instagram_not_listed" {
		t.Errorf("within the bound: got found %v, code %q; want instagram_not_listed", found, pe.Code)
	}
	if strings.Contains(logs.String(), "could not be read") {
		t.Errorf("got a fallback warning within the bound: %s", logs.String())
	}
	clock.Advance(time.Minute)
	r, found, err := e.adapter.Reconcile(ctx(t), d, edited, a, at)
	if err != nil || !found {
		t.Fatalf("past the bound: got found %v, error %v; want the fallback receipt", found, err)
	}
	wantFallback(t, r, d, a, at)
	r, err = e.adapter.Publish(ctx(t), d, edited, a)
	if err != nil {
		t.Fatalf("resumed Publish: %v", err)
	}
	wantFallback(t, r, d, a, at)
	if n := len(e.posts(a)); n != 1 {
		t.Errorf("got %d posts, want 1", n)
	}
}

func TestStoryPastADayGetsFallbackReceipt(t *testing.T) {
	// A bound longer than a story's life: only the story rule applies.
	e, clock, _ := clockEnv(t, instagram.Config{UnlistedAfter: 72 * time.Hour})
	a := e.account("old_story")
	c := pregonero.Content{Format: pregonero.FormatStory, Media: []pregonero.MediaBlob{e.media.jpeg(t, 90, 160, "")}}
	at := clock.Now()
	d, p := e.lost(t, a, c)
	clock.Advance(23 * time.Hour)
	if r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, at); err != nil || !found || r.RemoteID != p.RemoteID {
		t.Fatalf("within a day: got %+v, found %v, error %v; want %s", r, found, err, p.RemoteID)
	}
	clock.Advance(2 * time.Hour)
	r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, at)
	if err != nil || !found {
		t.Fatalf("past a day: got found %v, error %v; want the fallback receipt", found, err)
	}
	wantFallback(t, r, d, a, at)

	// Without the username the receipt points to Instagram itself.
	e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: 500})
	r, found, err = e.adapter.Reconcile(ctx(t), d, c, a, at)
	if err != nil || !found || r.URL != "https://www.instagram.com/" {
		t.Errorf("got %+v, found %v, error %v; want the fallback receipt on Instagram's address", r, found, err)
	}
}

func TestPublishInstantIsCheckpointedBeforePublishing(t *testing.T) {
	e, clock, _ := clockEnv(t, instagram.Config{})
	t.Run("written before media_publish", func(t *testing.T) {
		a := e.account("instant")
		var cp checkpoints
		c := pregonero.Content{Text: "Instante", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
		// Each checkpoint write reports how many posts exist then.
		var postsAtInstant = -1
		c.Checkpoint = func(ctx context.Context, key, value string) error {
			if key == instagram.CheckpointPublishAt && value != "" {
				postsAtInstant = len(e.posts(a))
			}
			return cp.fn(ctx, key, value)
		}
		e.publishOK(t, a, c)
		if got, want := cp.get(instagram.CheckpointPublishAt), fmt.Sprint(clock.Now().Unix()); got != want {
			t.Errorf("got %s %q, want %q", instagram.CheckpointPublishAt, got, want)
		}
		if postsAtInstant != 0 {
			t.Errorf("got %d posts when the instant was written, want 0: it goes before media_publish", postsAtInstant)
		}
	})
	t.Run("a failed write publishes nothing", func(t *testing.T) {
		a := e.account("instant_fail")
		var cp checkpoints
		c := pregonero.Content{Text: "Sin instante", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
		c.Checkpoint = func(ctx context.Context, key, value string) error {
			if key == instagram.CheckpointPublishAt && value != "" {
				return errors.New("disk full")
			}
			return cp.fn(ctx, key, value)
		}
		_, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
		if pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable); pe.Code != "instagram_checkpoint" {
			t.Errorf("got code %q, want instagram_checkpoint", pe.Code)
		}
		if n := len(e.posts(a)); n != 0 {
			t.Errorf("got %d posts, want none", n)
		}
		if cp.get(instagram.CheckpointContainer) == "" {
			t.Error("got the container checkpoint cleared, want it kept for the next attempt")
		}
	})
	t.Run("cleared with a container created anew", func(t *testing.T) {
		a := e.account("instant_clear")
		var cp checkpoints
		c := pregonero.Content{Text: "Renovar", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
		d := e.delivery(a)
		e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 503, Count: 1})
		if _, err := e.adapter.Publish(ctx(t), d, c, a); err == nil {
			t.Fatal("Publish: got no error, want the injected failure")
		}
		if cp.get(instagram.CheckpointPublishAt) == "" {
			t.Fatal("got no publish instant after a media_publish call")
		}
		e.fake.ExpireContainers()
		if _, err := e.adapter.Publish(ctx(t), withCheckpoint(d, cp.snapshot()), c, a); err != nil {
			t.Fatalf("second Publish: %v", err)
		}
		var cleared bool
		for _, h := range cp.history {
			if h == instagram.CheckpointPublishAt+"=" {
				cleared = true
			}
		}
		if !cleared {
			t.Errorf("got history %v, want the instant cleared with the expired container", cp.history)
		}
	})
}

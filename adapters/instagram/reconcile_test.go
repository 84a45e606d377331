package instagram_test

import (
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
	t.Run("published but not listed since then is unknown", func(t *testing.T) {
		a := e.account("rec_unlisted")
		var cp checkpoints
		c := jpeg(t, "Publicado")
		c.Checkpoint = cp.fn
		d := e.delivery(a)
		if _, err := e.adapter.Publish(ctx(t), d, c, a); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		_, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), c, a, time.Now().Add(time.Hour))
		pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
		if found || pe.Code != "instagram_not_listed" {
			t.Errorf("got found %v, code %q; want not found with instagram_not_listed", found, pe.Code)
		}
	})
	t.Run("the earliest post with the caption is taken, over pages", func(t *testing.T) {
		e := newEnv(t, envOptions{cfg: instagram.Config{ReconcilePages: 100}})
		a := e.account("rec_pages")
		var cp checkpoints
		c := jpeg(t, "Boletín")
		c.Checkpoint = cp.fn
		d := e.delivery(a)
		since := time.Now().Add(-time.Minute)
		first, err := e.adapter.Publish(ctx(t), d, c, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		// 60 later posts push it past the first page of 50.
		for i := range 60 {
			text := "Otro"
			if i%20 == 0 {
				text = "Boletín" // the same caption again, later
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

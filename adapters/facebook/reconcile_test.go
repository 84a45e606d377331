package facebook_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
)

// publishOthers publishes n posts with texts of their own, one second
// apart on the fake's clock.
func publishOthers(t *testing.T, e *env, a *pregonero.Account, n int) {
	t.Helper()
	for i := range n {
		e.clock.Advance(time.Second)
		if _, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: fmt.Sprintf("Otro %d", i)}, a); err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
	}
}

func TestReconcileFollowsPaging(t *testing.T) {
	e := newEnv(t, facebook.Config{ReconcilePages: 2})
	a := e.account()
	since := e.clock.Now()
	c := pregonero.Content{Text: "Nuestro aviso"}
	r, err := e.adapter.Publish(context.Background(), delivery(a), c, a)
	if err != nil {
		t.Fatal(err)
	}
	publishOthers(t, e, a, 30) // ours is the 31st newest: on the second page of 25

	before := len(e.requests(http.MethodGet, "/published_posts"))
	got, found, err := e.adapter.Reconcile(context.Background(), delivery(a), c, a, since)
	if err != nil || !found {
		t.Fatalf("Reconcile = %v, %v; want found", found, err)
	}
	if got.RemoteID != r.RemoteID || !got.PublishedAt.Equal(r.PublishedAt) {
		t.Errorf("receipt = %+v, want %+v", got, r)
	}
	if n := len(e.requests(http.MethodGet, "/published_posts")) - before; n != 2 {
		t.Errorf("%d list requests, want 2", n)
	}
	for _, req := range e.requests(http.MethodGet, "/published_posts")[before:] {
		if req.query["appsecret_proof"] == "" || req.query["since"] == "" {
			t.Errorf("list request %v lacks appsecret_proof or since", req.query)
		}
	}

	t.Run("absent after reading every page", func(t *testing.T) {
		_, found, err := e.adapter.Reconcile(context.Background(), delivery(a), pregonero.Content{Text: "Nunca publicado"}, a, since)
		if err != nil || found {
			t.Errorf("Reconcile = %v, %v; want absent", found, err)
		}
	})
	t.Run("unknown when the pages run out", func(t *testing.T) {
		short := facebook.New(facebook.Config{Config: graph.Config{Now: e.clock.Now}, Logger: discard, ReconcilePages: 1})
		_, found, err := short.Reconcile(context.Background(), delivery(a), c, a, since)
		pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
		if found || pe.Code != "facebook_reconcile_incomplete" {
			t.Errorf("got found %v code %q, want facebook_reconcile_incomplete", found, pe.Code)
		}
		_, _, err = short.Reconcile(context.Background(), delivery(a), pregonero.Content{Text: "Nunca publicado"}, a, since)
		adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	})
}

func TestReconcileIgnoresPostsBeforeSince(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	c := pregonero.Content{Text: "Aviso repetido"}
	if _, err := e.adapter.Publish(context.Background(), delivery(a), c, a); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	_, found, err := e.adapter.Reconcile(context.Background(), delivery(a), c, a, e.clock.Now().Add(-time.Minute))
	if err != nil || found {
		t.Errorf("Reconcile = %v, %v; want absent (the post is older than the window)", found, err)
	}
}

func TestReconcileNormalizesMessages(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	since := e.clock.Now()
	// Decomposed é and CRLF as sent; composed é and LF as scheduled.
	sent := pregonero.Content{Text: "Cafe\u0301 abierto\r\nhoy  "}
	r, err := e.adapter.Publish(context.Background(), delivery(a), sent, a)
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := e.adapter.Reconcile(context.Background(), delivery(a), pregonero.Content{Text: "Caf\u00e9 abierto\nhoy"}, a, since)
	if err != nil || !found || got.RemoteID != r.RemoteID {
		t.Errorf("Reconcile = %+v, %v, %v; want found %s", got, found, err, r.RemoteID)
	}
	_, found, err = e.adapter.Reconcile(context.Background(), delivery(a), pregonero.Content{Text: "Cafe abierto hoy"}, a, since)
	if err != nil || found {
		t.Errorf("Reconcile of another text = %v, %v; want absent", found, err)
	}
}

// photoContent is a media-only post of n images with checkpoints recorded.
func photoContent(t *testing.T, n int) (pregonero.Content, *adaptertest.Checkpoints) {
	var cp adaptertest.Checkpoints
	c := pregonero.Content{Checkpoint: cp.Func}
	for i := range n {
		c.Media = append(c.Media, adaptertest.ImageBlob(t, "image/jpeg", 30+i, 20, ""))
	}
	return c, &cp
}

func TestReconcileMediaOnly(t *testing.T) {
	t.Run("found through its photos", func(t *testing.T) {
		e := newEnv(t, facebook.Config{})
		a := e.account()
		since := e.clock.Now()
		publishOthers(t, e, a, 1)
		// Another post without text, which must not be taken for ours.
		other, _ := photoContent(t, 1)
		if _, err := e.adapter.Publish(context.Background(), delivery(a), other, a); err != nil {
			t.Fatal(err)
		}
		c, cp := photoContent(t, 2)
		d := delivery(a)
		e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeDropAfterAccept, Count: 1})
		_, err := e.adapter.Publish(context.Background(), d, c, a)
		adaptertest.WantClass(t, err, pregonero.ClassUnknown)
		posts := e.posts(a)
		ours := posts[len(posts)-1]

		d.Checkpoint = cp.Map()
		got, found, err := e.adapter.Reconcile(context.Background(), d, c, a, since)
		if err != nil || !found {
			t.Fatalf("Reconcile = %v, %v; want found", found, err)
		}
		if got.RemoteID != ours.RemoteID || got.PublishedAt.IsZero() {
			t.Errorf("receipt = %+v, want %s", got, ours.RemoteID)
		}
	})
	t.Run("absent when its photos are attached to nothing", func(t *testing.T) {
		e := newEnv(t, facebook.Config{})
		a := e.account()
		since := e.clock.Now()
		other, _ := photoContent(t, 1)
		if _, err := e.adapter.Publish(context.Background(), delivery(a), other, a); err != nil {
			t.Fatal(err)
		}
		c, cp := photoContent(t, 2)
		d := delivery(a)
		e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 503, Count: 1})
		_, err := e.adapter.Publish(context.Background(), d, c, a)
		adaptertest.WantClass(t, err, pregonero.ClassUnknown)
		d.Checkpoint = cp.Map()
		if len(d.Checkpoint) != 2 {
			t.Fatalf("checkpoints = %v, want 2 photos", d.Checkpoint)
		}
		_, found, err := e.adapter.Reconcile(context.Background(), d, c, a, since)
		if err != nil || found {
			t.Errorf("Reconcile = %v, %v; want absent", found, err)
		}
	})
	t.Run("absent when the page has no post without text", func(t *testing.T) {
		e := newEnv(t, facebook.Config{})
		a := e.account()
		since := e.clock.Now()
		publishOthers(t, e, a, 2)
		video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
		_, found, err := e.adapter.Reconcile(context.Background(), delivery(a), pregonero.Content{Media: []pregonero.MediaBlob{video}}, a, since)
		if err != nil || found {
			t.Errorf("Reconcile = %v, %v; want absent", found, err)
		}
	})
	t.Run("unknown when nothing tells videos apart", func(t *testing.T) {
		e := newEnv(t, facebook.Config{})
		a := e.account()
		since := e.clock.Now()
		// A video without text or title, as Validate no longer lets
		// through but another tool may post.
		res, err := session(t, e, a).Post("/"+a.RemoteID+"/videos", fb.Params{"source": fb.Data("clip.mp4", bytes.NewReader(mp4())), "published": true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Get("id") == nil {
			t.Fatalf("upload answer %v has no id", res)
		}
		video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
		_, found, err := e.adapter.Reconcile(context.Background(), delivery(a), pregonero.Content{Media: []pregonero.MediaBlob{video}}, a, since)
		pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
		if found || pe.Code != "facebook_reconcile_ambiguous" {
			t.Errorf("got found %v code %q, want facebook_reconcile_ambiguous", found, pe.Code)
		}
	})
}

func TestReconcileLookupFailureIsRetryable(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: 503, Count: 1})
	_, _, err := e.adapter.Reconcile(context.Background(), delivery(a), pregonero.Content{Text: "x"}, a, e.clock.Now())
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.HTTPStatus != 503 {
		t.Errorf("HTTP status = %d, want 503", pe.HTTPStatus)
	}
}

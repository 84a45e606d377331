package facebook_test

import (
	"context"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/graph/fake"
)

const linkBase = "http://127.0.0.1:8090/facebook"

func TestLinksUseTheAccountsLinkBase(t *testing.T) {
	t.Run("post by id", func(t *testing.T) {
		e := newEnv(t, facebook.Config{})
		a := e.account()
		a.LinkBase = linkBase + "/"
		c := pregonero.Content{Text: "Enlace del sandbox"}
		r, err := e.adapter.Publish(context.Background(), delivery(a), c, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if want := linkBase + "/" + r.RemoteID; r.URL != want {
			t.Errorf("URL = %q, want %q", r.URL, want)
		}
		got, found, err := e.adapter.Reconcile(context.Background(), delivery(a), c, a, e.clock.Now().Add(-time.Minute))
		if err != nil || !found || got.URL != r.URL {
			t.Errorf("Reconcile = %+v, %v, %v; want found at %s", got, found, err, r.URL)
		}
	})
	t.Run("permalink moved, path kept", func(t *testing.T) {
		// Without the video's post id the receipt names the video, whose
		// permalink_url is Facebook's /{page}/videos/{id}/.
		e := newEnvWith(t, facebook.Config{}, fake.Options{FacebookVideoProcessing: time.Hour, VideoPostIDAfterProcessing: true})
		a := e.account()
		a.LinkBase = linkBase
		video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
		r, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Video del sandbox", Media: []pregonero.MediaBlob{video}}, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if want := linkBase + "/" + a.RemoteID + "/videos/" + r.RemoteID + "/"; r.URL != want {
			t.Errorf("URL = %q, want %q", r.URL, want)
		}
	})
	t.Run("real site without a link base", func(t *testing.T) {
		e := newEnv(t, facebook.Config{})
		a := e.account()
		r, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Enlace real"}, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if want := facebook.WebBase + r.RemoteID; r.URL != want {
			t.Errorf("URL = %q, want %q", r.URL, want)
		}
	})
}

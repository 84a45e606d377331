package instagram_test

import (
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/instagram"
)

const linkBase = "http://127.0.0.1:8090/instagram"

func TestLinksUseTheAccountsLinkBase(t *testing.T) {
	t.Run("permalink moved, path kept", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("links")
		a.LinkBase = linkBase
		c := pregonero.Content{Text: "Enlace del sandbox", Media: []pregonero.MediaBlob{e.media.jpeg(t, 120, 100, "")}}
		r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		permalink, err := e.permalink(r.RemoteID)
		if err != nil {
			t.Fatal(err)
		}
		if want := linkBase + strings.TrimPrefix(permalink, "https://www.instagram.com"); r.URL != want {
			t.Errorf("URL = %q, want %q", r.URL, want)
		}
	})
	t.Run("reconciled post", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("links-reconcile")
		a.LinkBase = linkBase
		c := pregonero.Content{Text: "Enlace reconciliado", Media: []pregonero.MediaBlob{e.media.jpeg(t, 120, 100, "")}}
		start := time.Now()
		d, p := e.lost(t, a, c)
		permalink, err := e.permalink(p.RemoteID)
		if err != nil {
			t.Fatal(err)
		}
		r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, start.Add(-time.Minute))
		if want := linkBase + strings.TrimPrefix(permalink, "https://www.instagram.com"); err != nil || !found || r.URL != want {
			t.Errorf("Reconcile = %+v, %v, %v; want found at %s", r, found, err, want)
		}
	})
	t.Run("profile address built on it", func(t *testing.T) {
		e, clock, _ := clockEnv(t, instagram.Config{})
		a := e.account("links-fallback")
		a.LinkBase = linkBase + "/"
		content := func() pregonero.Content {
			return pregonero.Content{Text: "Gemelo enlazado", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}
		}
		c := content()
		start := clock.Now()
		d, _ := e.lost(t, a, c)
		clock.Advance(time.Minute)
		e.publishOK(t, a, content())
		clock.Advance(instagram.DefaultUnlistedAfter)
		r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, start.Add(-time.Minute))
		if err != nil || !found {
			t.Fatalf("got found %v, error %v; want the fallback receipt", found, err)
		}
		if want := linkBase + "/sandbox_" + a.RemoteID + "/"; r.URL != want {
			t.Errorf("URL = %q, want the profile on the link base %q", r.URL, want)
		}
	})
}

package sandbox_test

import (
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/sandbox"
	"pregonero/feed"
)

func TestSampleFeeds(t *testing.T) {
	now := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	bogota, err := time.LoadLocation("America/Bogota")
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.Options{Now: func() time.Time { return now }, Location: bogota})
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	f := &feed.Fetcher{Client: srv.Client()}
	for _, tc := range []struct {
		path  string
		items int
	}{{"/feeds/antioquia.xml", 3}, {"/feeds/secretaria-salud.atom", 2}} {
		t.Run(strings.TrimPrefix(tc.path, "/feeds/"), func(t *testing.T) {
			res, err := f.Fetch(context.Background(), srv.URL+tc.path, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Feed.Items) != tc.items || res.ETag == "" {
				t.Fatalf("got %d items, ETag %q; want %d and an ETag", len(res.Feed.Items), res.ETag, tc.items)
			}
			for _, it := range res.Feed.Items {
				if it.Key == "" || it.Title == "" || it.Link == "" || !strings.HasPrefix(it.Image, srv.URL+"/feeds/img/") {
					t.Errorf("item %+v lacks a key, title, link or sandbox image", it)
				}
				if y, m, d := it.Published.In(bogota).Date(); y != 2026 || m != 12 || d != 7 {
					t.Errorf("item dated %s, want the sandbox's day", it.Published)
				}
				resp, err := srv.Client().Get(it.Image)
				if err != nil {
					t.Fatal(err)
				}
				cfg, err := png.DecodeConfig(resp.Body)
				resp.Body.Close()
				if err != nil || cfg.Width != 1200 || cfg.Height != 630 {
					t.Errorf("image %s: %v, %dx%d", it.Image, err, cfg.Width, cfg.Height)
				}
			}
			again, err := f.Fetch(context.Background(), srv.URL+tc.path, res.ETag, "")
			if err != nil || !again.NotModified {
				t.Errorf("fetch with the ETag = %+v, %v; want not modified", again, err)
			}
		})
	}
	resp, err := srv.Client().Get(srv.URL + "/feeds/img/nada.png")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown image: %d, want 404", resp.StatusCode)
	}
}

package feed_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero/feed"
)

func TestFetchConditionalGet(t *testing.T) {
	body, err := os.ReadFile("testdata/antioquia.xml")
	if err != nil {
		t.Fatal(err)
	}
	const etag, modified = `"v1"`, "Mon, 07 Dec 2026 12:05:31 GMT"
	var mu sync.Mutex
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(body)
	}))
	defer srv.Close()
	f := &feed.Fetcher{Client: srv.Client()}

	first, err := f.Fetch(context.Background(), srv.URL+"/rss", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || first.Feed == nil || len(first.Feed.Items) != 4 {
		t.Fatalf("first fetch = %+v, want the feed with 4 items", first)
	}
	if first.ETag != etag || first.LastModified != modified {
		t.Errorf("validators = %q, %q; want %q, %q", first.ETag, first.LastModified, etag, modified)
	}
	second, err := f.Fetch(context.Background(), srv.URL+"/rss", first.ETag, first.LastModified)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.Feed != nil {
		t.Errorf("second fetch = %+v, want not modified", second)
	}
	if second.ETag != etag || second.LastModified != modified {
		t.Errorf("validators after 304 = %q, %q; want the ones sent", second.ETag, second.LastModified)
	}
	mu.Lock()
	defer mu.Unlock()
	if h := got[0]; h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Errorf("first request sent validators: %v", h)
	}
	if h := got[1]; h.Get("If-None-Match") != etag || h.Get("If-Modified-Since") != modified {
		t.Errorf("second request: If-None-Match %q, If-Modified-Since %q; want %q, %q",
			h.Get("If-None-Match"), h.Get("If-Modified-Since"), etag, modified)
	}
}

func TestFetchRefuses(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<rss version="2.0"><channel><title>` + strings.Repeat("a", 2048) + `</title></channel></rss>`))
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusNotFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html><body>hola</body></html>")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := &feed.Fetcher{Client: srv.Client(), MaxBytes: 1024, Timeout: 100 * time.Millisecond}
	for _, tc := range []struct{ path, says string }{
		{"/big", "larger than 1024 bytes"},
		{"/gone", "answered 404 Not Found"},
		{"/slow", "did not answer within 100ms"},
		{"/html", "root element is <html>"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			_, err := f.Fetch(context.Background(), srv.URL+tc.path, "", "")
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Fetch = %v, want an error saying %q", err, tc.says)
			}
		})
	}
	t.Run("not http", func(t *testing.T) {
		if _, err := f.Fetch(context.Background(), "file:///etc/passwd", "", ""); err == nil {
			t.Error("Fetch of a file URL succeeded")
		}
	})
}

func TestRefusePrivate(t *testing.T) {
	for addr, refused := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:443": true, "10.1.2.3:80": true, "192.168.0.10:8080": true, "172.16.5.4:80": true,
		"169.254.169.254:80": true, "[fe80::1]:80": true, "[fd00::1]:80": true, "0.0.0.0:80": true, "100.64.1.1:80": true,
		"[::ffff:127.0.0.1]:80": true, "224.0.0.1:80": true,
		"190.90.1.10:443": false, "8.8.8.8:53": false, "[2800:3f0:4005::200e]:443": false,
	} {
		err := feed.RefusePrivate("tcp", addr, nil)
		if got := errors.Is(err, feed.ErrPrivateAddress); got != refused {
			t.Errorf("RefusePrivate(%s) = %v, want refused %v", addr, err, refused)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<rss version="2.0"><channel><title>t</title></channel></rss>`))
	}))
	defer srv.Close()
	t.Run("a feed on the machine is refused by the public client", func(t *testing.T) {
		_, err := (&feed.Fetcher{Client: feed.PublicClient(false)}).Fetch(context.Background(), srv.URL, "", "")
		if !errors.Is(err, feed.ErrPrivateAddress) {
			t.Errorf("Fetch = %v, want ErrPrivateAddress", err)
		}
	})
	t.Run("and taken when private addresses are allowed (the sandbox)", func(t *testing.T) {
		if _, err := (&feed.Fetcher{Client: feed.PublicClient(true)}).Fetch(context.Background(), srv.URL, "", ""); err != nil {
			t.Errorf("Fetch = %v", err)
		}
	})
}

package media_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pregonero"
)

func TestFetch(t *testing.T) {
	png := pngBytes(t, 40, 30)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/foto.jpg": // a PNG the server calls a JPEG
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(png)
		case "/page.html":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("<!doctype html><html><body>no image</body></html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	l, _, _ := mustOpen(t)
	ctx := context.Background()

	t.Run("the type is sniffed from the bytes", func(t *testing.T) {
		m, err := l.Fetch(ctx, srv.Client(), srv.URL+"/foto.jpg", "Puente en Urrao")
		if err != nil {
			t.Fatal(err)
		}
		if m.MIME != "image/png" || m.Width != 40 || m.Height != 30 || m.AltText != "Puente en Urrao" || m.Filename != "foto.jpg" {
			t.Errorf("got %+v", m)
		}
	})
	for name, tc := range map[string]struct{ url, want string }{
		"not found":         {srv.URL + "/nada.png", "404"},
		"not an image":      {srv.URL + "/page.html", "not accepted"},
		"not http":          {"file:///etc/passwd", "not an http or https URL"},
		"no host":           {"https:///x.png", "not an http or https URL"},
		"connection closed": {"http://127.0.0.1:1/x.png", "could not be downloaded"},
	} {
		t.Run(name+" is refused on the url field", func(t *testing.T) {
			_, err := l.Fetch(ctx, srv.Client(), tc.url, "")
			e, ok := err.(*pregonero.Error)
			if !ok || e.Code != pregonero.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "url" ||
				!strings.Contains(e.Fields[0].Message, tc.want) {
				t.Fatalf("got %#v, want an invalid url error saying %q", err, tc.want)
			}
		})
	}
}

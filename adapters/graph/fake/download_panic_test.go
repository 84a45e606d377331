package fake_test

import (
	"net/http"
	"strings"
	"testing"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph/fake"
)

// panickingTransport panics on every request.
type panickingTransport struct{}

func (panickingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	panic("transport exploded")
}

// A panic while a container's media is downloaded fails the container,
// not the process serving every fake.
func TestAPanicWhileDownloadingFailsTheContainer(t *testing.T) {
	e := newEnv(t, fake.Options{Fetcher: &http.Client{Transport: panickingTransport{}}})
	s := e.session(fake.PageToken(page))
	id := container(t, s, fb.Params{"image_url": e.media.put("/a.jpg", jpegImage(t, 100, 100))})
	if st := e.settle(t, id, 0); st != "ERROR" {
		t.Fatalf("status = %s, want ERROR", st)
	}
	if code, text := status(t, s, id); code != "ERROR" || !strings.HasSuffix(text, "(2207053)") {
		t.Errorf("status = %s %q, want ERROR ending in (2207053)", code, text)
	}
}

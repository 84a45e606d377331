package fake_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/graph/fake"
)

// videoEnv is newEnv with the fake's video host on a second server, both
// mounted under prefixes as the sandbox mounts them.
func videoEnv(t *testing.T) (e *env, video string) {
	t.Helper()
	e = newEnv(t, fake.Options{Prefix: "/graph", VideoPrefix: "/graph-video"})
	return e, fakenettest.Serve(t, e.fake.VideoHandler(), "/graph-video")
}

func TestVideoHostServesUploads(t *testing.T) {
	e, video := videoEnv(t)
	vs := e.session(fake.PageToken(page))
	vs.BaseURL = video + "/"
	res, err := vs.Post("/"+page+"/videos", fb.Params{"source": fb.Data("clip.mp4", bytes.NewReader(mp4Video())), "description": "Sesión del concejo", "published": true})
	if err != nil {
		t.Fatalf("upload on the video host: %v", err)
	}
	id := str(t, res, "id")
	// The video is the Graph host's to read, like any other.
	got, err := e.session(fake.PageToken(page)).Get("/"+id, fb.Params{"fields": "description,post_id"})
	if err != nil {
		t.Fatalf("read the video on the Graph host: %v", err)
	}
	if got.Get("description") != "Sesión del concejo" {
		t.Errorf("video = %v, want its description", got)
	}
	if n := len(e.fake.Ledger().Filter(fake.NetworkFacebook, page)); n != 1 {
		t.Errorf("%d posts in the ledger, want the video's", n)
	}
}

func TestVideoHostRefusesOtherCalls(t *testing.T) {
	e, video := videoEnv(t)
	vs := e.session(fake.PageToken(page))
	vs.BaseURL = video + "/"
	for name, call := range map[string]func() error{
		"read of the page": func() error { _, err := vs.Get("/"+page, fb.Params{"fields": "id,name"}); return err },
		"read of /me":      func() error { _, err := vs.Get("/me", nil); return err },
		"feed post":        func() error { _, err := vs.Post("/"+page+"/feed", fb.Params{"message": "Hola"}); return err },
		"photo upload": func() error {
			_, err := vs.Post("/"+page+"/photos", fb.Params{"url": "https://gob.example/a.jpg"})
			return err
		},
		"video list": func() error { _, err := vs.Get("/"+page+"/videos", nil); return err },
		"instagram creation": func() error {
			_, err := vs.Post("/"+igUser+"/media", fb.Params{"image_url": "https://gob.example/a.jpg"})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			fe := wantCode(t, call(), 100, 0)
			if !bytes.Contains([]byte(fe.Message), []byte("graph.facebook.com")) {
				t.Errorf("message %q does not name the Graph host", fe.Message)
			}
		})
	}
	if n := len(e.fake.Ledger().Posts()); n != 0 {
		t.Errorf("%d posts in the ledger, want none", n)
	}
	// Outside its prefix the video host knows no path.
	other := *e
	other.base = strings.TrimSuffix(video, "/graph-video") + "/graph"
	if r := other.do(t, http.MethodGet, "/v25.0/"+page, signed(fake.PageToken(page)), nil); r.err(t).Code != 2500 {
		t.Errorf("status %d body %s: want unknown path components (2500)", r.status, r.body)
	}
}

func TestGraphHostServesUploadsToo(t *testing.T) {
	// Meta's Video API overview: uploads go to graph.facebook.com (the
	// graph-video host is deprecated).
	e, _ := videoEnv(t)
	res, err := e.session(fake.PageToken(page)).Post("/"+page+"/videos", fb.Params{"source": fb.Data("clip.mp4", bytes.NewReader(mp4Video())), "description": "En el host de Graph"})
	if err != nil {
		t.Fatalf("upload on the Graph host: %v", err)
	}
	str(t, res, "id")
}

package facebook_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
)

// uploads returns the video uploads the recorder saw on the Graph host
// and on the video host.
func (e *env) uploads() (graph, video int) {
	for _, r := range e.requests(http.MethodPost, "/videos") {
		if r.video {
			video++
		} else {
			graph++
		}
	}
	return graph, video
}

func TestVideoUploadGoesToTheVideoEndpoint(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	r, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Al host de video", Media: []pregonero.MediaBlob{video}}, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if g, v := e.uploads(); g != 0 || v != 1 {
		t.Errorf("uploads: %d on the Graph host, %d on the video host; want the one on the video host", g, v)
	}
	// Everything else stays on the Graph host: the video host refuses it.
	e.mu.Lock()
	for _, req := range e.reqs {
		if req.video && !(req.method == http.MethodPost && strings.HasSuffix(req.path, "/videos")) {
			t.Errorf("%s %s sent to the video host", req.method, req.path)
		}
	}
	e.mu.Unlock()
	if posts := e.posts(a); len(posts) != 1 || posts[0].RemoteID != r.RemoteID {
		t.Errorf("posts = %+v, want the video's post %s", posts, r.RemoteID)
	}
}

func TestVideoUploadWithoutVideoEndpointGoesToTheGraphEndpoint(t *testing.T) {
	// Meta's Video API sends uploads to graph.facebook.com: an account
	// that names no video host uploads where it makes every other call.
	e := newEnv(t, facebook.Config{})
	a := e.account()
	a.VideoEndpoint = ""
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	if _, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Al host de Graph", Media: []pregonero.MediaBlob{video}}, a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if g, v := e.uploads(); g != 1 || v != 0 {
		t.Errorf("uploads: %d on the Graph host, %d on the video host; want the one on the Graph host", g, v)
	}
}

func TestBadVideoEndpointIsRefusedBeforeSending(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	a.VideoEndpoint = "graph-video.example"
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	_, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Mal host", Media: []pregonero.MediaBlob{video}}, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "facebook_bad_endpoint" || !strings.Contains(pe.Message, "video endpoint") {
		t.Errorf("error = %s %q, want facebook_bad_endpoint naming the video endpoint", pe.Code, pe.Message)
	}
	if g, v := e.uploads(); g+v != 0 {
		t.Errorf("%d uploads, want none", g+v)
	}
}

package facebook_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
)

// listedPosts returns the ids published_posts shows now.
func listedPosts(t *testing.T, e *env, a *pregonero.Account) []string {
	t.Helper()
	res, err := session(t, e, a).Get("/"+a.RemoteID+"/published_posts", fb.Params{"fields": "id", "limit": "100"})
	if err != nil {
		t.Fatal(err)
	}
	var data []struct{ ID string }
	if err := res.DecodeField("data", &data); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(data))
	for i, d := range data {
		ids[i] = d.ID
	}
	return ids
}

func TestReconcileDroppedVideoBeforeItsPostShows(t *testing.T) {
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	for _, tt := range []struct {
		name string
		c    pregonero.Content
		// late: Facebook names the video's post only once processed.
		late bool
	}{
		{"text", pregonero.Content{Text: "Sesión de cabildo", Title: "Cabildo", Media: []pregonero.MediaBlob{video}}, false},
		{"title only", pregonero.Content{Title: "Cabildo abierto", Media: []pregonero.MediaBlob{video}}, false},
		{"text, post not named yet", pregonero.Content{Text: "Sesión de cabildo", Media: []pregonero.MediaBlob{video}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvWith(t, facebook.Config{}, fake.Options{FacebookVideoProcessing: time.Hour, VideoPostIDAfterProcessing: tt.late})
			a := e.account()
			since := e.clock.Now()
			// Other videos of the page, which must not be taken for ours:
			// one with another text and the same title, one with neither.
			other := pregonero.Content{Text: "Otro video", Title: tt.c.Title, Media: tt.c.Media}
			if _, err := e.adapter.Publish(context.Background(), delivery(a), other, a); err != nil {
				t.Fatal(err)
			}
			if _, err := session(t, e, a).Post("/"+a.RemoteID+"/videos", fb.Params{"source": fb.Data("v.mp4", strings.NewReader(string(mp4())))}); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Second)
			created := e.clock.Now()

			e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeDropAfterAccept, Count: 1})
			_, err := e.adapter.Publish(context.Background(), delivery(a), tt.c, a)
			adaptertest.WantClass(t, err, pregonero.ClassUnknown)
			var ours fakenet.Post
			for _, p := range e.posts(a) {
				if p.CreatedAt.Equal(created) {
					ours = p
				}
			}
			if ours.RemoteID == "" {
				t.Fatalf("the fake holds no post of the dropped upload: %+v", e.posts(a))
			}
			if slices.Contains(listedPosts(t, e, a), ours.RemoteID) {
				t.Fatalf("published_posts already lists %s; the test needs it still processing", ours.RemoteID)
			}

			r, found, err := e.adapter.Reconcile(context.Background(), delivery(a), tt.c, a, since)
			if err != nil || !found {
				t.Fatalf("Reconcile = %v, %v; want found while the video is processed", found, err)
			}
			want := ours.RemoteID
			if tt.late {
				want = ours.Media[0].ID
			}
			if r.RemoteID != want || !strings.HasPrefix(r.URL, facebook.WebBase) || !strings.Contains(r.URL, want) || !r.PublishedAt.Equal(created) {
				t.Errorf("receipt = %+v, want id %s, a Facebook URL naming it, published at %v", r, want, created)
			}
			if n := len(e.requests(http.MethodGet, "/"+a.RemoteID+"/videos")); n != 1 {
				t.Errorf("%d video list requests, want 1", n)
			}
		})
	}
}

func TestReconcileVideoAbsent(t *testing.T) {
	e := newEnvWith(t, facebook.Config{}, fake.Options{FacebookVideoProcessing: time.Hour})
	a := e.account()
	since := e.clock.Now()
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	if _, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Otro video", Title: "Otro", Media: []pregonero.MediaBlob{video}}, a); err != nil {
		t.Fatal(err)
	}
	publishOthers(t, e, a, 2)
	for name, c := range map[string]pregonero.Content{
		"text":       {Text: "Nunca subido", Media: []pregonero.MediaBlob{video}},
		"title only": {Title: "Nunca subido", Media: []pregonero.MediaBlob{video}},
	} {
		_, found, err := e.adapter.Reconcile(context.Background(), delivery(a), c, a, since)
		if err != nil || found {
			t.Errorf("%s: Reconcile = %v, %v; want absent", name, found, err)
		}
	}
}

// Graph may answer an empty page that still links to more.
func TestReconcileReadsPastEmptyPages(t *testing.T) {
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	for _, tt := range []struct {
		name string
		c    pregonero.Content
	}{
		{"text post", pregonero.Content{Text: "Tras páginas vacías"}},
		{"video", pregonero.Content{Text: "Video tras páginas vacías", Media: []pregonero.MediaBlob{video}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setup := func(pages int) (*env, *pregonero.Account, time.Time) {
				e := newEnvWith(t, facebook.Config{ReconcilePages: pages}, fake.Options{EmptyListPages: 2, FacebookVideoProcessing: -1})
				a := e.account()
				since := e.clock.Now()
				if _, err := e.adapter.Publish(context.Background(), delivery(a), tt.c, a); err != nil {
					t.Fatal(err)
				}
				return e, a, since
			}
			e, a, since := setup(3)
			if _, found, err := e.adapter.Reconcile(context.Background(), delivery(a), tt.c, a, since); err != nil || !found {
				t.Errorf("Reconcile = %v, %v; want found on the third page", found, err)
			}
			absent := tt.c
			absent.Text = "Nunca publicado"
			if _, found, err := e.adapter.Reconcile(context.Background(), delivery(a), absent, a, since); err != nil || found {
				t.Errorf("Reconcile of another text = %v, %v; want absent", found, err)
			}

			e, a, since = setup(2)
			for _, c := range []pregonero.Content{tt.c, absent} {
				_, found, err := e.adapter.Reconcile(context.Background(), delivery(a), c, a, since)
				pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
				if found || pe.Code != "facebook_reconcile_incomplete" {
					t.Errorf("%q: got found %v code %q, want facebook_reconcile_incomplete (the pages ran out)", c.Text, found, pe.Code)
				}
			}
		})
	}
}

package facebook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
)

func TestReconcilePhotosWithoutPageStoryID(t *testing.T) {
	for _, hide := range []bool{false, true} {
		t.Run(fmt.Sprintf("page_story_id hidden %v", hide), func(t *testing.T) {
			opts := fake.Options{HidePageStoryID: hide}
			t.Run("found through the post's attachments", func(t *testing.T) {
				e := newEnvWith(t, facebook.Config{}, opts)
				a := e.account()
				since := e.clock.Now()
				other, _ := photoContent(t, 1)
				if _, err := e.adapter.Publish(context.Background(), delivery(a), other, a); err != nil {
					t.Fatal(err)
				}
				c, cp := photoContent(t, 3)
				d := delivery(a)
				e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeDropAfterAccept, Count: 1})
				_, err := e.adapter.Publish(context.Background(), d, c, a)
				adaptertest.WantClass(t, err, pregonero.ClassUnknown)
				posts := e.posts(a)
				ours := posts[len(posts)-1]
				d.Checkpoint = cp.Map()
				got, found, err := e.adapter.Reconcile(context.Background(), d, c, a, since)
				if err != nil || !found || got.RemoteID != ours.RemoteID {
					t.Errorf("Reconcile = %+v, %v, %v; want found %s", got, found, err, ours.RemoteID)
				}
			})
			t.Run("unknown, not absent, beside a post that names no photo", func(t *testing.T) {
				e := newEnvWith(t, facebook.Config{}, opts)
				a := e.account()
				since := e.clock.Now()
				// A link shared without text: its attachment names no
				// photo, so it cannot be proved to be another post.
				if _, err := session(t, e, a).Post("/"+a.RemoteID+"/feed", fb.Params{"link": "https://gob.example/aviso"}); err != nil {
					t.Fatal(err)
				}
				c, cp := photoContent(t, 2)
				d := delivery(a)
				e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 503, Count: 1})
				_, err := e.adapter.Publish(context.Background(), d, c, a)
				adaptertest.WantClass(t, err, pregonero.ClassUnknown)
				d.Checkpoint = cp.Map()
				_, found, err := e.adapter.Reconcile(context.Background(), d, c, a, since)
				pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
				if found || pe.Code != "facebook_reconcile_ambiguous" {
					t.Errorf("got found %v code %q, want facebook_reconcile_ambiguous", found, pe.Code)
				}
			})
		})
	}
}

// storyWire is a Graph server whose posts carry no attachments, so that
// only the photos' page_story_id can tell the post.
type storyWire struct{ story string }

func (w storyWire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v25.0/42/published_posts":
		fmt.Fprint(rw, `{"data":[{"id":"42_6","created_time":"2026-11-27T12:01:00+0000"},{"id":"42_5","created_time":"2026-11-27T12:00:30+0000"}]}`)
	case "/v25.0/42/photos":
		story := ""
		if w.story != "" {
			story = fmt.Sprintf(`,"page_story_id":%q`, w.story)
		}
		fmt.Fprintf(rw, `{"data":[{"id":"77","created_time":"2026-11-27T12:00:00+0000"%s}]}`, story)
	default:
		rw.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(rw, `{"error":{"message":"Unknown path","type":"GraphMethodException","code":100}}`)
	}
}

func TestReconcilePhotosByPageStoryID(t *testing.T) {
	img := adaptertest.ImageBlob(t, "image/jpeg", 30, 20, "")
	c := pregonero.Content{Media: []pregonero.MediaBlob{img}}
	d := &pregonero.Delivery{Checkpoint: map[string]string{"fb_photo_" + img.SHA256: "77"}}
	reconcile := func(story string) (pregonero.Receipt, bool, error) {
		srv := httptest.NewServer(storyWire{story})
		defer srv.Close()
		a := facebook.New(facebook.Config{Logger: discard})
		acct := &pregonero.Account{ID: "fb-page", Network: pregonero.NetworkFacebook, RemoteID: "42", Endpoint: srv.URL,
			Credentials: map[string]string{"access_token": "tok"}}
		return a.Reconcile(context.Background(), d, c, acct, time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	}
	r, found, err := reconcile("42_5")
	if err != nil || !found || r.RemoteID != "42_5" {
		t.Errorf("Reconcile = %+v, %v, %v; want found 42_5", r, found, err)
	}
	_, found, err = reconcile("")
	pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	if found || pe.Code != "facebook_reconcile_ambiguous" {
		t.Errorf("without page_story_id: got found %v code %q, want facebook_reconcile_ambiguous", found, pe.Code)
	}
}

// twoPhotoAttempt makes an attempt of two photos whose create fails,
// leaving both photos checkpointed and attached to nothing.
func twoPhotoAttempt(t *testing.T, e *env, a *pregonero.Account) (pregonero.Content, *pregonero.Delivery, *adaptertest.Checkpoints) {
	t.Helper()
	c, cp := photoContent(t, 2)
	c.Text = "Dos fotos " + a.ID
	d := delivery(a)
	e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 503, Count: 1})
	_, err := e.adapter.Publish(context.Background(), d, c, a)
	adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	d.Checkpoint = cp.Map()
	if len(d.Checkpoint) != 2 {
		t.Fatalf("checkpoints = %v, want 2 photos", d.Checkpoint)
	}
	return c, d, cp
}

func TestOnlyGonePhotosAreUploadedAgain(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	c, d, cp := twoPhotoAttempt(t, e, a)
	keys := []string{"fb_photo_" + c.Media[0].SHA256, "fb_photo_" + c.Media[1].SHA256}
	gone, kept := d.Checkpoint[keys[0]], d.Checkpoint[keys[1]]
	// The first photo was deleted on the page meanwhile.
	if _, err := session(t, e, a).Delete("/"+gone, nil); err != nil {
		t.Fatal(err)
	}

	before := len(e.requests(http.MethodPost, "/photos"))
	r, err := e.adapter.Publish(context.Background(), d, c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got, want := len(e.requests(http.MethodPost, "/photos"))-before, 1; got != want {
		t.Errorf("%d photo uploads, want %d (only the deleted photo)", got, want)
	}
	posts := e.posts(a)
	if len(posts) != 1 || posts[0].RemoteID != r.RemoteID || len(posts[0].Media) != 2 {
		t.Fatalf("posts = %+v, want one with 2 photos", posts)
	}
	if got := posts[0].Media[1].ID; got != kept {
		t.Errorf("second photo = %s, want the checkpointed %s", got, kept)
	}
	if got := cp.Map()[keys[0]]; got == gone || got != posts[0].Media[0].ID {
		t.Errorf("checkpoint of the first photo = %s, want the new upload %s", got, posts[0].Media[0].ID)
	}
}

func TestRefusalWithPhotosPresentStands(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	c, d, _ := twoPhotoAttempt(t, e, a)
	e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 400, Code: 100, Count: 1})
	before := len(e.requests(http.MethodPost, "/photos"))
	_, err := e.adapter.Publish(context.Background(), d, c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "facebook_invalid" {
		t.Errorf("code = %q, want the refusal facebook_invalid", pe.Code)
	}
	if n := len(e.requests(http.MethodPost, "/photos")) - before; n != 0 {
		t.Errorf("%d photo uploads, want none (the photos are still there)", n)
	}
	if n := len(e.posts(a)); n != 0 {
		t.Errorf("%d posts, want none", n)
	}
}

func TestPhotoLookupErrorIsNotTakenForAGonePhoto(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	c, d, _ := twoPhotoAttempt(t, e, a)
	// The create is refused, and reading the photos back is refused for
	// lack of permission: that does not make them gone.
	e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 400, Code: 100, Count: 1})
	e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: 403, Code: 10, Count: 1})
	before := len(e.requests(http.MethodPost, "/photos"))
	_, err := e.adapter.Publish(context.Background(), d, c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "facebook_permission" {
		t.Errorf("code = %q, want facebook_permission from the photo lookup", pe.Code)
	}
	if n := len(e.requests(http.MethodPost, "/photos")) - before; n != 0 {
		t.Errorf("%d photo uploads, want none", n)
	}
	if n := len(e.posts(a)); n != 0 {
		t.Errorf("%d posts, want none", n)
	}
}

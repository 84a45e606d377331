package facebook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
)

// request is what the recorder saw of one request to the fake.
type request struct {
	method, path string
	query        map[string]string
	video        bool // sent to the video host
}

// env is the Graph fake on an httptest server and its video host on
// another, with a recorder in front of both, a settable clock shared with
// the adapter, and the adapter.
type env struct {
	fake    *fake.Fake
	base    string
	video   string
	clock   *fakenet.Clock
	adapter *facebook.Adapter

	mu   sync.Mutex
	reqs []request
}

var pageSeq atomic.Int64

func newEnv(t *testing.T, cfg facebook.Config) *env {
	t.Helper()
	return newEnvWith(t, cfg, fake.Options{})
}

// newEnvWith is newEnv with options of the fake; its clock and logger are
// the env's.
func newEnvWith(t *testing.T, cfg facebook.Config, opts fake.Options) *env {
	t.Helper()
	e := &env{clock: fakenet.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))}
	opts.Now, opts.Logger = e.clock.Now, discard
	e.fake = fake.New(opts)
	serve := func(h http.Handler, video bool) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req := request{method: r.Method, path: r.URL.Path, query: map[string]string{}, video: video}
			for k, vs := range r.URL.Query() {
				req.query[k] = vs[0]
			}
			e.mu.Lock()
			e.reqs = append(e.reqs, req)
			e.mu.Unlock()
			h.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	e.base = serve(e.fake, false)
	e.video = serve(e.fake.VideoHandler(), true)
	cfg.Now = e.clock.Now
	if cfg.Logger == nil {
		cfg.Logger = discard
	}
	e.adapter = facebook.New(cfg)
	return e
}

// account returns an account of a new page of the fake, whose video
// uploads go to the fake's video host.
func (e *env) account() *pregonero.Account {
	page := fmt.Sprint(1000 + pageSeq.Add(1))
	return &pregonero.Account{ID: "fb-" + page, Network: pregonero.NetworkFacebook, RemoteID: page, Endpoint: e.base, VideoEndpoint: e.video,
		Credentials: map[string]string{"access_token": fake.PageToken(page), "app_id": fake.DefaultAppID, "app_secret": fake.DefaultAppSecret}}
}

func (e *env) posts(a *pregonero.Account) []fakenet.Post {
	return e.fake.Ledger().Filter(fake.NetworkFacebook, a.RemoteID)
}

func (e *env) fault(t *testing.T, r fakenet.Rule) {
	t.Helper()
	r.Network = fake.NetworkFacebook
	if _, err := e.fake.Faults().Add(r); err != nil {
		t.Fatalf("add fault: %v", err)
	}
	t.Cleanup(func() { e.fake.Faults().Clear() })
}

// requests returns the requests whose method and path end match.
func (e *env) requests(method, suffix string) []request {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []request
	for _, r := range e.reqs {
		if r.method == method && strings.HasSuffix(r.path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

func delivery(a *pregonero.Account) *pregonero.Delivery {
	return &pregonero.Delivery{ID: "d1", AccountID: a.ID, Network: a.Network, State: pregonero.DeliverySending}
}

// receiptURL checks that a receipt's URL is one of Facebook's addresses
// of the receipt's post: Graph's permalink_url of it (which for a page
// post names the page and the post's own number, not the post id), or
// https://www.facebook.com/{post-id}, which leads to the post as well.
func (e *env) receiptURL(_ *testing.T, r pregonero.Receipt) error {
	permalink, err := e.permalink(r.RemoteID)
	if err != nil {
		return err
	}
	if byID := facebook.WebBase + url.PathEscape(r.RemoteID); r.URL != permalink && r.URL != byID {
		return fmt.Errorf("want the post's permalink_url %s or %s", permalink, byID)
	}
	return nil
}

// permalink reads a post's permalink_url from the fake with its page's
// token, past the recorder.
func (e *env) permalink(id string) (string, error) {
	p, ok := e.fake.Ledger().Get(fake.NetworkFacebook, id)
	if !ok {
		return "", fmt.Errorf("the fake holds no post %s", id)
	}
	token := fake.PageToken(p.Account)
	q := url.Values{"fields": {"permalink_url"}, "access_token": {token},
		"appsecret_proof": {fake.AppsecretProof(fake.DefaultAppSecret, token)}}
	req := httptest.NewRequest(http.MethodGet, "/"+url.PathEscape(id)+"?"+q.Encode(), nil)
	rec := httptest.NewRecorder()
	e.fake.ServeHTTP(rec, req)
	var body struct {
		PermalinkURL string `json:"permalink_url"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK || body.PermalinkURL == "" {
		return "", fmt.Errorf("read permalink_url of %s: status %d, body %s", id, rec.Code, rec.Body.Bytes())
	}
	return body.PermalinkURL, nil
}

func TestConformance(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	adaptertest.Run(t, adaptertest.Harness{
		Adapter: e.adapter,
		Network: fake.NetworkFacebook,
		Account: func(t *testing.T, name string) *pregonero.Account { return e.account() },
		Unauthorized: func(t *testing.T, name string) *pregonero.Account {
			a := e.account()
			a.Credentials["access_token"] = "revoked-token"
			return a
		},
		Posts:         func(t *testing.T, a *pregonero.Account) []fakenet.Post { return e.posts(a) },
		Fault:         func(t *testing.T, r fakenet.Rule) { e.fault(t, r) },
		ClearFaults:   func(t *testing.T) { e.fake.Faults().Clear() },
		CreateOp:      fake.OpCreate,
		UploadOp:      fake.OpUpload,
		MaxTextLength: facebook.MaxMessageChars,
		MaxImages:     facebook.MaxImages,
		ReceiptURL:    e.receiptURL,
		Now:           e.clock.Now,
	})
}

func TestConformanceReceiptURLCheck(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	publish := func() pregonero.Receipt {
		a := e.account()
		r, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Receipt check " + a.ID}, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		return r
	}
	r, other := publish(), publish()
	if err := e.receiptURL(t, r); err != nil {
		t.Fatalf("got %v for the adapter's receipt %+v, want it accepted", err, r)
	}
	permalink, err := e.permalink(r.RemoteID)
	if err != nil {
		t.Fatal(err)
	}
	good := r
	good.URL = permalink
	if err := e.receiptURL(t, good); err != nil {
		t.Errorf("got %v for Graph's permalink_url %s, want it accepted", err, permalink)
	}
	for name, s := range map[string]string{
		"Facebook's home":        facebook.WebBase,
		"another post's address": other.URL,
		"the id on another host": "https://facebook.example/" + r.RemoteID,
		"the id in a query":      facebook.WebBase + "?p=" + r.RemoteID,
		"http":                   "http://www.facebook.com/" + r.RemoteID,
		"the page's own address": facebook.WebBase + strings.Split(r.RemoteID, "_")[0],
	} {
		bad := r
		bad.URL = s
		if err := e.receiptURL(t, bad); err == nil {
			t.Errorf("%s: got %q accepted, want it refused", name, s)
		}
	}
}

func TestPublishErrorClasses(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	const regain = 5 * time.Minute // the fake's default ThrottleMinutes
	for _, tt := range []struct {
		name          string
		op            string
		status, code  int
		subcode       int
		class         pregonero.ErrorClass
		wantCode      string
		notBefore     time.Duration
		images        int
		nothingPosted bool
	}{
		{"token expired", fake.OpCreate, 400, 190, 463, pregonero.ClassNeedsReauth, "facebook_token_invalid", 0, 0, true},
		{"password changed", fake.OpCreate, 400, 190, 460, pregonero.ClassNeedsReauth, "facebook_token_invalid", 0, 0, true},
		{"token invalid", fake.OpCreate, 400, 190, 467, pregonero.ClassNeedsReauth, "facebook_token_invalid", 0, 0, true},
		{"session", fake.OpCreate, 400, 102, 0, pregonero.ClassNeedsReauth, "facebook_token_invalid", 0, 0, true},
		{"permission 10", fake.OpCreate, 403, 10, 0, pregonero.ClassPermanent, "facebook_permission", 0, 0, true},
		{"permission 200", fake.OpCreate, 403, 200, 0, pregonero.ClassPermanent, "facebook_permission", 0, 0, true},
		{"app throttle", fake.OpCreate, 400, 4, 0, pregonero.ClassRateLimited, "facebook_rate_limited", regain, 0, true},
		{"user throttle", fake.OpCreate, 400, 17, 0, pregonero.ClassRateLimited, "facebook_rate_limited", regain, 0, true},
		{"page throttle", fake.OpCreate, 400, 32, 0, pregonero.ClassRateLimited, "facebook_rate_limited", regain, 0, true},
		{"calls per hour", fake.OpCreate, 400, 613, 0, pregonero.ClassRateLimited, "facebook_rate_limited", regain, 0, true},
		{"pages BUC throttle", fake.OpCreate, 400, 80001, 0, pregonero.ClassRateLimited, "facebook_rate_limited", regain, 0, true},
		{"throttled upload", fake.OpUpload, 400, 32, 0, pregonero.ClassRateLimited, "facebook_rate_limited", regain, 1, true},
		{"policy block", fake.OpCreate, 400, 368, 0, pregonero.ClassAccountBlocked, "facebook_policy_block", 0, 0, true},
		{"duplicate", fake.OpCreate, 400, 506, 0, pregonero.ClassDuplicate, "facebook_duplicate", 0, 0, true},
		{"unknown error on create", fake.OpCreate, 500, 1, 0, pregonero.ClassUnknown, "facebook_unknown_outcome", 0, 0, true},
		{"service error on create", fake.OpCreate, 503, 2, 0, pregonero.ClassUnknown, "facebook_unknown_outcome", 0, 0, true},
		{"service error on upload", fake.OpUpload, 503, 2, 0, pregonero.ClassRetryable, "facebook_transient", 0, 2, true},
		{"invalid parameter", fake.OpCreate, 400, 100, 0, pregonero.ClassPermanent, "facebook_invalid", 0, 0, true},
		{"link scrape", fake.OpCreate, 400, 1609005, 0, pregonero.ClassPermanent, "facebook_invalid", 0, 0, true},
		{"bad media", fake.OpUpload, 400, 324, 0, pregonero.ClassPermanent, "facebook_invalid", 0, 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.account()
			e.fault(t, fakenet.Rule{Op: tt.op, Mode: fakenet.ModeError, Status: tt.status, Code: tt.code, Subcode: tt.subcode, Count: 1})
			c := pregonero.Content{Text: "Classes " + tt.name, Link: "https://gob.example/x"}
			for i := range tt.images {
				c.Media = append(c.Media, adaptertest.ImageBlob(t, "image/jpeg", 32+i, 32, ""))
			}
			_, err := e.adapter.Publish(context.Background(), delivery(a), c, a)
			pe := adaptertest.WantClass(t, err, tt.class)
			if pe.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", pe.Code, tt.wantCode)
			}
			if pe.HTTPStatus != tt.status {
				t.Errorf("HTTP status = %d, want %d", pe.HTTPStatus, tt.status)
			}
			if pe.NetworkMessage == "" {
				t.Error("no network message")
			}
			var want time.Time
			if tt.notBefore > 0 {
				want = e.clock.Now().Add(tt.notBefore)
			}
			if !pe.NotBefore.Equal(want) {
				t.Errorf("NotBefore = %v, want %v", pe.NotBefore, want)
			}
			if n := len(e.posts(a)); tt.nothingPosted && n != 0 {
				t.Errorf("%d posts in the fake, want none", n)
			}
		})
	}
}

func TestPermissionErrorNamesThePermission(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 403, Code: 200, Count: 1})
	_, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "perm"}, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if !strings.Contains(pe.Message, "pages_read_engagement") && !strings.Contains(pe.Message, "pages_manage_posts") {
		t.Errorf("message %q names no permission", pe.Message)
	}
}

func TestDuplicateMessageIsDuplicate(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	c := pregonero.Content{Text: "Mismo mensaje"}
	if _, err := e.adapter.Publish(context.Background(), delivery(a), c, a); err != nil {
		t.Fatalf("first Publish: %v", err)
	}
	_, err := e.adapter.Publish(context.Background(), delivery(a), c, a)
	adaptertest.WantClass(t, err, pregonero.ClassDuplicate)
	if n := len(e.posts(a)); n != 1 {
		t.Errorf("%d posts in the fake, want 1", n)
	}
}

func TestTextPostSendsLinkApart(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	c := pregonero.Content{Text: "Convocatoria abierta", Link: "https://gob.example/convocatoria"}
	r, err := e.adapter.Publish(context.Background(), delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	posts := e.posts(a)
	if len(posts) != 1 || posts[0].Text != "Convocatoria abierta" || posts[0].RemoteID != r.RemoteID {
		t.Fatalf("posts = %+v, want one with the text alone", posts)
	}
	s := session(t, e, a)
	res, err := s.Get("/"+r.RemoteID, fb.Params{"fields": "link,created_time"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Get("link"), any(c.Link); got != want {
		t.Errorf("link = %v, want %v", got, want)
	}
	if got, want := r.PublishedAt, e.clock.Now(); !got.Equal(want) {
		t.Errorf("PublishedAt = %v, want created_time %v", got, want)
	}
}

// session opens a Graph session on the fake as the account.
func session(t *testing.T, e *env, a *pregonero.Account) *fb.Session {
	t.Helper()
	cr, err := graph.CredsOf(a)
	if err != nil {
		t.Fatal(err)
	}
	s, err := graph.Config{}.Session(context.Background(), e.base, cr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMultiPhotoCheckpointReuse(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	c := pregonero.Content{Text: "Tres fotos", Link: "https://gob.example/fotos"}
	for i := range 3 {
		c.Media = append(c.Media, adaptertest.ImageBlob(t, "image/png", 40+i, 30, fmt.Sprintf("Foto %d", i+1)))
	}
	var cp adaptertest.Checkpoints
	c.Checkpoint = cp.Func

	// An attempt with the first image only, whose create fails, leaves
	// that photo checkpointed.
	first := c
	first.Media = c.Media[:1]
	e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 503, Count: 1})
	d := delivery(a)
	_, err := e.adapter.Publish(context.Background(), d, first, a)
	adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	saved := cp.Map()
	key := "fb_photo_" + c.Media[0].SHA256
	if len(saved) != 1 || saved[key] == "" {
		t.Fatalf("checkpoints = %v, want the first photo under %s", saved, key)
	}

	d.Checkpoint = cp.Map()
	before := len(e.requests(http.MethodPost, "/photos"))
	r, err := e.adapter.Publish(context.Background(), d, c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got, want := len(e.requests(http.MethodPost, "/photos"))-before, 2; got != want {
		t.Errorf("%d photo uploads on the last attempt, want %d (the first photo reused)", got, want)
	}
	posts := e.posts(a)
	if len(posts) != 1 || posts[0].RemoteID != r.RemoteID {
		t.Fatalf("posts = %+v, want one with id %s", posts, r.RemoteID)
	}
	p := posts[0]
	if got, want := p.Text, "Tres fotos\n\nhttps://gob.example/fotos"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if len(p.Media) != 3 {
		t.Fatalf("media = %+v, want 3 photos", p.Media)
	}
	for i, m := range p.Media {
		if m.ID != cp.Map()["fb_photo_"+c.Media[i].SHA256] || m.AltText != c.Media[i].AltText || m.Type != "image/png" {
			t.Errorf("media[%d] = %+v, want the checkpointed photo with alt %q", i, m, c.Media[i].AltText)
		}
	}
}

func TestRefusedCheckpointedPhotosAreUploadedAgain(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	img := adaptertest.ImageBlob(t, "image/jpeg", 50, 40, "")
	c := pregonero.Content{Text: "Foto reutilizada", Media: []pregonero.MediaBlob{img}}
	d := delivery(a)
	// A photo id that is not the page's: Facebook refuses to attach it.
	d.Checkpoint = map[string]string{"fb_photo_" + img.SHA256: "999"}
	var cp adaptertest.Checkpoints
	c.Checkpoint = cp.Func
	r, err := e.adapter.Publish(context.Background(), d, c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got := cp.Map()["fb_photo_"+img.SHA256]; got == "" || got == "999" {
		t.Errorf("checkpoint = %q, want the new photo id", got)
	}
	if posts := e.posts(a); len(posts) != 1 || posts[0].RemoteID != r.RemoteID {
		t.Errorf("posts = %+v, want one", posts)
	}
}

func TestVideoPublish(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	c := pregonero.Content{Text: "Rendición de cuentas", Title: "Rendición 2026", Media: []pregonero.MediaBlob{video}}
	r, err := e.adapter.Publish(context.Background(), delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	posts := e.posts(a)
	if len(posts) != 1 {
		t.Fatalf("posts = %+v, want one", posts)
	}
	p := posts[0]
	if p.RemoteID != r.RemoteID || !strings.HasPrefix(r.RemoteID, a.RemoteID+"_") {
		t.Errorf("receipt id %q, post id %q: want the post id (page_post), not the video id", r.RemoteID, p.RemoteID)
	}
	if p.Text != c.Text || len(p.Media) != 1 || p.Media[0].Type != "video/mp4" || p.Media[0].Size != video.Size {
		t.Errorf("post = %+v, want the description and the video", p)
	}
	res, err := session(t, e, a).Get("/"+p.Media[0].ID, fb.Params{"fields": "title,description"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Get("title"); got != c.Title {
		t.Errorf("title = %v, want %q", got, c.Title)
	}
	if !strings.Contains(r.URL, r.RemoteID) {
		t.Errorf("URL %q does not name %s", r.URL, r.RemoteID)
	}

	// Found again by reconciliation through its description.
	got, found, err := e.adapter.Reconcile(context.Background(), delivery(a), c, a, e.clock.Now().Add(-time.Minute))
	if err != nil || !found || got.RemoteID != r.RemoteID {
		t.Errorf("Reconcile = %+v, %v, %v; want found %s", got, found, err, r.RemoteID)
	}
}

func TestDeleteSendsRealDelete(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	r, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Para borrar"}, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := e.adapter.Delete(context.Background(), a, r.RemoteID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if n := len(e.posts(a)); n != 0 {
		t.Errorf("%d posts after Delete, want none", n)
	}
	dels := e.requests(http.MethodDelete, "/"+r.RemoteID)
	if len(dels) != 1 {
		t.Fatalf("got %d DELETE requests for %s, want 1", len(dels), r.RemoteID)
	}
	q := dels[0].query
	if q["access_token"] != fake.PageToken(a.RemoteID) || q["appsecret_proof"] != fake.AppsecretProof(fake.DefaultAppSecret, fake.PageToken(a.RemoteID)) || q["method"] != "" {
		t.Errorf("DELETE query = %v, want access_token and appsecret_proof and no method override", q)
	}
	if n := len(e.requests(http.MethodPost, "/"+r.RemoteID)); n != 0 {
		t.Errorf("%d POSTs to the post, want none (no method override)", n)
	}

	// Deleting again: Facebook no longer has the post.
	err = e.adapter.Delete(context.Background(), a, r.RemoteID)
	adaptertest.WantClass(t, err, pregonero.ClassPermanent)
}

func TestDeleteFaultIsClassified(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	r, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Borrado fallido"}, a)
	if err != nil {
		t.Fatal(err)
	}
	e.fault(t, fakenet.Rule{Op: fake.OpDelete, Mode: fakenet.ModeError, Status: 503, Count: 1})
	adaptertest.WantClass(t, e.adapter.Delete(context.Background(), a, r.RemoteID), pregonero.ClassRetryable)
	if n := len(e.posts(a)); n != 1 {
		t.Errorf("%d posts, want the post kept", n)
	}
}

func TestRateLimitFromFakeThrottle(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	if _, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Uso normal"}, a); err != nil {
		t.Fatal(err)
	}
	rem, _, ok := e.adapter.RateLimit(a.ID)
	if !ok || rem <= 0 || rem > 100 {
		t.Errorf("RateLimit = %d, %v; want a free percentage", rem, ok)
	}
	e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 400, Code: 32, Count: 1})
	_, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Demasiadas"}, a)
	adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
	rem, reset, ok := e.adapter.RateLimit(a.ID)
	if want := e.clock.Now().Add(5 * time.Minute); !ok || rem != 0 || !reset.Equal(want) {
		t.Errorf("RateLimit = %d, %v, %v; want 0, %v, true", rem, reset, ok, want)
	}
}

func TestPageIDLearnedFromToken(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	page := a.RemoteID
	a.RemoteID = ""
	for i := range 2 {
		r, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: fmt.Sprint("Sin id ", i)}, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if !strings.HasPrefix(r.RemoteID, page+"_") {
			t.Errorf("remote id %q is not a post of page %s", r.RemoteID, page)
		}
	}
	if n := len(e.requests(http.MethodGet, "/me")); n != 1 {
		t.Errorf("GET /me sent %d times, want once", n)
	}
}

func TestCheckpointedPhotosAlreadyPostedAreNotPostedTwice(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	c, cp := photoContent(t, 2)
	c.Text = "Fotos de la feria"
	d := delivery(a)
	e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeDropAfterAccept, Count: 1})
	_, err := e.adapter.Publish(context.Background(), d, c, a)
	adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	posts := e.posts(a)
	if len(posts) != 1 {
		t.Fatalf("posts = %+v, want the one the fake accepted", posts)
	}

	// A new attempt (as after a reconciliation that missed the post)
	// finds the photos attached and reports that post.
	d.Checkpoint = cp.Map()
	r, err := e.adapter.Publish(context.Background(), d, c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if r.RemoteID != posts[0].RemoteID {
		t.Errorf("remote id = %s, want the earlier post %s", r.RemoteID, posts[0].RemoteID)
	}
	if n := len(e.posts(a)); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

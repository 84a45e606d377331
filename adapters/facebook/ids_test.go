package facebook_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/graph"
)

// oddIDs is a Graph server that answers ids no Graph id looks like; huandu
// cannot parse a URL holding "%zz" and reports it with the whole URL.
type oddIDs struct {
	mu   sync.Mutex
	seen []string
}

const oddID = "42_%zz"

func (o *oddIDs) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.seen = append(o.seen, r.Method+" "+r.URL.EscapedPath())
	o.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v25.0/42/feed":
		fmt.Fprintf(rw, `{"id":%q}`, oddID)
	case r.Method == http.MethodPost && r.URL.Path == "/v25.0/42/videos":
		fmt.Fprint(rw, `{"id":"900"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/v25.0/900":
		fmt.Fprintf(rw, `{"id":"900","post_id":%q,"permalink_url":"/42/videos/900/","created_time":"2026-11-27T12:30:00+0000"}`, oddID)
	case r.Method == http.MethodGet && r.URL.Path == "/v25.0/42/published_posts" && strings.Contains(r.URL.Query().Get("fields"), "attachments"):
		// A post without text or attachments, for photo reconciliation.
		fmt.Fprint(rw, `{"data":[{"id":"42_5","created_time":"2026-11-27T12:00:00+0000"}]}`)
	case r.Method == http.MethodGet && r.URL.Path == "/v25.0/42/published_posts":
		fmt.Fprintf(rw, `{"data":[{"id":%q,"message":"Hola","created_time":"2026-11-27T12:00:00+0000"}]}`, oddID)
	case r.Method == http.MethodGet && r.URL.Path == "/v25.0/42/photos":
		fmt.Fprintf(rw, `{"data":[{"id":"77","page_story_id":%q}]}`, oddID)
	case r.Method == http.MethodGet && r.URL.Path == "/v25.0/me":
		fmt.Fprintf(rw, `{"id":%q}`, "1%zz")
	default:
		rw.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(rw, `{"error":{"message":"Unknown path","type":"GraphMethodException","code":100}}`)
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestOddIDsNeverReachAURL(t *testing.T) {
	const token, secret = "secret-page-token", "app-secret"
	proof := graph.AppsecretProof(secret, token)
	o := &oddIDs{}
	srv := httptest.NewServer(o)
	defer srv.Close()
	var logs syncBuffer
	a := facebook.New(facebook.Config{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	acct := func(remoteID string) *pregonero.Account {
		return &pregonero.Account{ID: "fb-page", Network: pregonero.NetworkFacebook, RemoteID: remoteID, Endpoint: srv.URL,
			Credentials: map[string]string{"access_token": token, "app_secret": secret}}
	}
	ctx := context.Background()
	since := time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)
	var errs []error
	check := func(name string, err error, class pregonero.ErrorClass, code string) {
		t.Helper()
		pe := adaptertest.WantClass(t, err, class)
		if pe.Code != code {
			t.Errorf("%s: code = %q, want %q", name, pe.Code, code)
		}
		errs = append(errs, err)
	}

	_, err := a.Publish(ctx, &pregonero.Delivery{}, pregonero.Content{Text: "Hola"}, acct("42"))
	check("feed answering an odd id", err, pregonero.ClassUnknown, "facebook_malformed_response")

	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	r, err := a.Publish(ctx, &pregonero.Delivery{}, pregonero.Content{Text: "Clip", Media: []pregonero.MediaBlob{video}}, acct("42"))
	if err != nil || r.RemoteID != "900" {
		t.Errorf("video whose post_id is odd: got %+v, %v; want the video id 900", r, err)
	}

	_, _, err = a.Reconcile(ctx, &pregonero.Delivery{}, pregonero.Content{Text: "Hola"}, acct("42"), since)
	check("a matching post listed under an odd id", err, pregonero.ClassUnknown, "facebook_malformed_response")

	img := adaptertest.ImageBlob(t, "image/jpeg", 30, 20, "")
	d := &pregonero.Delivery{Checkpoint: map[string]string{"fb_photo_" + img.SHA256: "77"}}
	_, _, err = a.Reconcile(ctx, d, pregonero.Content{Media: []pregonero.MediaBlob{img}}, acct("42"), since)
	check("a photo attached to an odd id", err, pregonero.ClassUnknown, "facebook_malformed_response")

	_, err = a.Publish(ctx, &pregonero.Delivery{}, pregonero.Content{Text: "Hola"}, acct(""))
	check("GET /me answering an odd id", err, pregonero.ClassRetryable, "facebook_malformed_response")

	_, err = a.Publish(ctx, &pregonero.Delivery{}, pregonero.Content{Text: "Hola"}, acct("42/feed?x="))
	check("an odd page id", err, pregonero.ClassPermanent, "facebook_bad_page_id")

	check("deleting an odd id", a.Delete(ctx, acct("42"), oddID), pregonero.ClassPermanent, "facebook_invalid")

	for _, err := range errs {
		if s := err.Error(); strings.Contains(s, token) || strings.Contains(s, proof) {
			t.Errorf("error %q shows a credential", s)
		}
	}
	if s := logs.String(); strings.Contains(s, token) || strings.Contains(s, proof) {
		t.Errorf("logs show a credential:\n%s", s)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, req := range o.seen {
		if strings.Contains(req, "zz") {
			t.Errorf("request %q carries an odd id", req)
		}
	}
}

// An odd id is quoted in the message cut to 80 characters, never in the
// middle of one: the message is shown to people.
func TestOddIDMessageKeepsWholeCharacters(t *testing.T) {
	a := facebook.New(facebook.Config{Logger: discard})
	acct := &pregonero.Account{ID: "fb", Network: pregonero.NetworkFacebook, Credentials: map[string]string{graph.CredAccessToken: "t"}}
	for _, id := range []string{"1" + strings.Repeat("é", 100), strings.Repeat("x", 79) + "€€", "€" + strings.Repeat("ñ", 79)} {
		err := a.Delete(context.Background(), acct, id)
		pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
		if !utf8.ValidString(pe.Message) {
			t.Errorf("Delete(%q): message %q is not valid UTF-8", id, pe.Message)
		}
		want := id
		if r := []rune(id); len(r) > 80 {
			want = string(r[:80]) + "…"
		}
		if got, want := pe.Message, fmt.Sprintf("%q is not a Facebook post id.", want); got != want {
			t.Errorf("Delete(%q): got message %q, want %q", id, got, want)
		}
	}
}

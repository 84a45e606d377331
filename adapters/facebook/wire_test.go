package facebook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/graph"
)

// wire is a minimal Graph server whose usage headers a test sets, for what
// the fake cannot be made to say.
type wire struct {
	mu      sync.Mutex
	headers map[string]string
	seen    []string
}

func (w *wire) set(h map[string]string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.headers = h
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	for k, v := range w.headers {
		rw.Header().Set(k, v)
	}
	w.seen = append(w.seen, r.Method+" "+r.URL.Path)
	w.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v25.0/me":
		fmt.Fprint(rw, `{"id":"42","name":"Page"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/v25.0/42/feed":
		fmt.Fprint(rw, `{"id":"42_7"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/v25.0/42_7":
		fmt.Fprint(rw, `{"id":"42_7","permalink_url":"https://www.facebook.com/permalink.php?story_fbid=42_7&id=42","created_time":"2026-11-27T12:00:00+0000"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/v25.0/42/videos":
		fmt.Fprint(rw, `{"id":"900"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/v25.0/900":
		// No post_id: the field is not documented for every version.
		fmt.Fprint(rw, `{"id":"900","permalink_url":"/42/videos/900/","created_time":"2026-11-27T12:30:00+0000"}`)
	default:
		rw.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(rw, `{"error":{"message":"Unknown path","type":"GraphMethodException","code":100}}`)
	}
}

func TestRateLimitFromUsageHeaders(t *testing.T) {
	w := &wire{}
	srv := httptest.NewServer(w)
	defer srv.Close()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	a := facebook.New(facebook.Config{Config: graph.Config{Now: func() time.Time { return now }}, Logger: discard})
	acct := &pregonero.Account{ID: "fb-page", Network: pregonero.NetworkFacebook, Endpoint: srv.URL,
		Credentials: map[string]string{"access_token": "tok"}}

	if _, _, ok := a.RateLimit(acct.ID); ok {
		t.Fatal("RateLimit known before any answer")
	}

	w.set(map[string]string{
		"X-App-Usage":               `{"call_count":10,"total_cputime":3,"total_time":2}`,
		"X-Business-Use-Case-Usage": `{"42":[{"type":"pages","call_count":40,"total_cputime":12,"total_time":8,"estimated_time_to_regain_access":0}]}`,
	})
	r, err := a.Publish(context.Background(), &pregonero.Delivery{}, pregonero.Content{Text: "Hola"}, acct)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if r.RemoteID != "42_7" || r.URL != "https://www.facebook.com/permalink.php?story_fbid=42_7&id=42" || !r.PublishedAt.Equal(now) {
		t.Errorf("receipt = %+v, want 42_7, its permalink and created_time", r)
	}
	rem, reset, ok := a.RateLimit(acct.ID)
	if !ok || rem != 60 || !reset.IsZero() {
		t.Errorf("RateLimit = %d, %v, %v; want 60, zero, true", rem, reset, ok)
	}

	w.set(map[string]string{
		"X-Business-Use-Case-Usage": `{"42":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":8,"estimated_time_to_regain_access":7}]}`,
	})
	if _, err := a.Publish(context.Background(), &pregonero.Delivery{}, pregonero.Content{Text: "Otra"}, acct); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	rem, reset, ok = a.RateLimit(acct.ID)
	if !ok || rem != 0 || !reset.Equal(now.Add(7*time.Minute)) {
		t.Errorf("RateLimit = %d, %v, %v; want 0, %v, true", rem, reset, ok, now.Add(7*time.Minute))
	}

	w.set(map[string]string{"X-Page-Usage": `{"call_count":100,"total_cputime":1,"total_time":1}`})
	if _, err := a.Publish(context.Background(), &pregonero.Delivery{}, pregonero.Content{Text: "Tercera"}, acct); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	rem, reset, ok = a.RateLimit(acct.ID)
	if !ok || rem != 0 || !reset.Equal(now.Add(graph.DefaultRegain)) {
		t.Errorf("RateLimit = %d, %v, %v; want 0, %v (default regain), true", rem, reset, ok, now.Add(graph.DefaultRegain))
	}

	// The page id is learned once.
	w.mu.Lock()
	defer w.mu.Unlock()
	if got := strings.Count(strings.Join(w.seen, "\n"), "GET /v25.0/me"); got != 1 {
		t.Errorf("GET /me sent %d times, want 1: %v", got, w.seen)
	}
}

func TestMissingTokenNeedsReauth(t *testing.T) {
	a := facebook.New(facebook.Config{Logger: discard})
	acct := &pregonero.Account{ID: "fb-page", Network: pregonero.NetworkFacebook, RemoteID: "1", Credentials: map[string]string{"app_secret": "s"}}
	_, err := a.Publish(context.Background(), &pregonero.Delivery{}, pregonero.Content{Text: "x"}, acct)
	pe := pregonero.AsPublishError(err)
	if pe.Class != pregonero.ClassNeedsReauth || !strings.Contains(pe.Message, "access_token") {
		t.Errorf("got %v, want needs_reauth naming access_token", pe)
	}
	if strings.Contains(pe.Error(), "\"s\"") {
		t.Errorf("error %q shows a secret", pe.Error())
	}
}

func TestPublishRefusesInvalidContent(t *testing.T) {
	a := facebook.New(facebook.Config{Logger: discard})
	acct := &pregonero.Account{ID: "fb-page", Network: pregonero.NetworkFacebook, RemoteID: "1", Endpoint: "http://127.0.0.1:1",
		Credentials: map[string]string{"access_token": "t"}}
	_, err := a.Publish(context.Background(), &pregonero.Delivery{}, pregonero.Content{Text: strings.Repeat("a", facebook.MaxMessageChars+1)}, acct)
	pe := pregonero.AsPublishError(err)
	if pe.Class != pregonero.ClassPermanent || pe.Code != "facebook_too_long" {
		t.Errorf("got %v, want permanent facebook_too_long", pe)
	}
}

func TestVideoWithoutPostIDUsesTheVideoID(t *testing.T) {
	srv := httptest.NewServer(&wire{})
	defer srv.Close()
	a := facebook.New(facebook.Config{Logger: discard})
	acct := &pregonero.Account{ID: "fb-page", Network: pregonero.NetworkFacebook, RemoteID: "42", Endpoint: srv.URL,
		Credentials: map[string]string{"access_token": "tok"}}
	video := adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")
	r, err := a.Publish(context.Background(), &pregonero.Delivery{}, pregonero.Content{Text: "Clip", Media: []pregonero.MediaBlob{video}}, acct)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	want := pregonero.Receipt{RemoteID: "900", URL: "https://www.facebook.com/42/videos/900/", PublishedAt: time.Date(2026, 11, 27, 12, 30, 0, 0, time.UTC)}
	if r != want {
		t.Errorf("receipt = %+v, want %+v", r, want)
	}
}

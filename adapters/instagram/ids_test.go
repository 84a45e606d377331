package instagram_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"pregonero/logtest"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/graph"
	"pregonero/adapters/instagram"
)

// oddID is an id the library cannot put into an address: url.Parse
// refuses the %zz escape, and the library's error then shows the whole
// address, access token included.
const oddID = "17_%zz"

// secretToken is the access token no error or log line may show.
const secretToken = "EAAG-secret-token-value"

// scriptedGraph is a Graph server answering what the test says, with
// every request path recorded.
type scriptedGraph struct {
	srv   *httptest.Server
	mu    sync.Mutex
	paths []string
}

// newScriptedGraph serves answer(method, path without the version) as
// JSON; a nil answer is a Graph "unsupported request" error.
func newScriptedGraph(t *testing.T, answer func(method, path string) map[string]any) *scriptedGraph {
	t.Helper()
	g := &scriptedGraph{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.paths = append(g.paths, r.URL.EscapedPath())
		g.mu.Unlock()
		path := r.URL.Path
		if i := strings.Index(path[1:], "/"); i >= 0 && strings.HasPrefix(path, "/v") {
			path = path[i+1:]
		}
		body := answer(r.Method, path)
		w.Header().Set("Content-Type", "application/json")
		if body == nil {
			w.WriteHeader(http.StatusBadRequest)
			body = map[string]any{"error": map[string]any{"message": "Unsupported request", "type": "GraphMethodException", "code": 100, "error_subcode": 33}}
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// sawOdd reports whether any request carried the odd id in its path.
func (g *scriptedGraph) sawOdd() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.paths {
		if strings.Contains(p, "%zz") || strings.Contains(p, "_%25zz") || strings.Contains(p, "17_") {
			return true
		}
	}
	return false
}

func TestOddIDsNeverReachAnAddress(t *testing.T) {
	const ig, container = "17841000000000001", "17900000000000001"
	finished := func(method, path string) map[string]any {
		switch {
		case method == http.MethodPost && path == "/"+ig+"/media":
			return map[string]any{"id": container}
		case method == http.MethodGet && path == "/"+container:
			return map[string]any{"id": container, "status_code": "FINISHED", "status": "Finished"}
		case method == http.MethodGet && path == "/"+ig+"/content_publishing_limit":
			return map[string]any{"data": []any{map[string]any{"quota_usage": 0, "config": map[string]any{"quota_total": 50, "quota_duration": 86400}}}}
		case method == http.MethodGet && path == "/"+ig+"/media":
			return map[string]any{"data": []any{}}
		}
		return nil
	}
	tests := []struct {
		name       string
		answer     func(method, path string) map[string]any
		remoteID   string
		creds      map[string]string
		checkpoint map[string]string
		class      pregonero.ErrorClass // of Publish
		code       string
		field      string // the message names it
		reconcile  bool   // Reconcile must refuse it too
	}{
		{name: "container id in an answer", remoteID: ig,
			answer: func(method, path string) map[string]any {
				if method == http.MethodPost && path == "/"+ig+"/media" {
					return map[string]any{"id": oddID}
				}
				return finished(method, path)
			},
			class: pregonero.ClassPermanent, code: "instagram_bad_id", field: "container id in Instagram's answer"},
		{name: "media id in the publication's answer", remoteID: ig,
			answer: func(method, path string) map[string]any {
				if method == http.MethodPost && path == "/"+ig+"/media_publish" {
					return map[string]any{"id": oddID}
				}
				return finished(method, path)
			},
			class: pregonero.ClassUnknown, code: "instagram_bad_id", field: "media id"},
		{name: "user id learned with Instagram Login",
			creds: map[string]string{instagram.CredLogin: instagram.LoginInstagram},
			answer: func(method, path string) map[string]any {
				if path == "/me" {
					return map[string]any{"id": "1", "user_id": oddID, "username": "odd"}
				}
				return finished(method, path)
			},
			class: pregonero.ClassPermanent, code: "instagram_bad_id", field: "user_id", reconcile: true},
		{name: "instagram_business_account of the page",
			creds: map[string]string{instagram.CredPageID: "4200"},
			answer: func(method, path string) map[string]any {
				if path == "/4200" {
					return map[string]any{"id": "4200", "instagram_business_account": map[string]any{"id": oddID}}
				}
				return finished(method, path)
			},
			class: pregonero.ClassPermanent, code: "instagram_bad_id", field: "instagram_business_account", reconcile: true},
		{name: "checkpointed container", remoteID: ig, answer: finished,
			checkpoint: map[string]string{instagram.CheckpointContainer: oddID},
			class:      pregonero.ClassPermanent, code: "instagram_bad_id", field: instagram.CheckpointContainer, reconcile: true},
		{name: "remote_id of the account", remoteID: oddID, answer: finished,
			class: pregonero.ClassNeedsReauth, code: "instagram_account_config", field: "remote_id", reconcile: true},
		{name: "page_id credential", creds: map[string]string{instagram.CredPageID: oddID}, answer: finished,
			class: pregonero.ClassNeedsReauth, code: "instagram_account_config", field: "page_id", reconcile: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newScriptedGraph(t, tt.answer)
			var logs logtest.Buffer
			a := instagram.New(instagram.Config{Logger: logs.Logger(), PollInterval: time.Millisecond, PollTimeout: time.Second})
			acct := &pregonero.Account{ID: "ig-odd", Network: pregonero.NetworkInstagram, RemoteID: tt.remoteID, Endpoint: g.srv.URL,
				Credentials: map[string]string{graph.CredAccessToken: secretToken, graph.CredAppID: "1", graph.CredAppSecret: "app-secret"}}
			for k, v := range tt.creds {
				acct.Credentials[k] = v
			}
			jpeg := adaptertest.ImageBlob(t, "image/jpeg", 100, 100, "")
			jpeg.URL = "https://media.example/a.jpg"
			c := pregonero.Content{Text: "Hola", Media: []pregonero.MediaBlob{jpeg}}
			d := &pregonero.Delivery{ID: "d_odd", Checkpoint: tt.checkpoint}

			_, err := a.Publish(context.Background(), d, c, acct)
			pe := adaptertest.WantClass(t, err, tt.class)
			if pe.Code != tt.code || !strings.Contains(pe.Message, tt.field) {
				t.Errorf("got code %q, message %q; want %s naming %q", pe.Code, pe.Message, tt.code, tt.field)
			}
			errs := []error{err}
			if tt.reconcile {
				_, found, err := a.Reconcile(context.Background(), d, c, acct, time.Now().Add(-time.Hour))
				if found {
					t.Error("Reconcile: got found, want the odd id refused")
				}
				pe := adaptertest.WantClass(t, err, tt.class)
				if !strings.Contains(pe.Message, tt.field) {
					t.Errorf("Reconcile: got message %q, want it naming %q", pe.Message, tt.field)
				}
				errs = append(errs, err)
			}
			for _, err := range errs {
				if msg := err.Error(); strings.Contains(msg, secretToken) || strings.Contains(msg, "access_token") || strings.Contains(msg, "%zz") {
					t.Errorf("got error %q showing the address", msg)
				}
			}
			if out := logs.String(); strings.Contains(out, secretToken) || strings.Contains(out, "access_token") {
				t.Errorf("got log lines showing the access token:\n%s", out)
			}
			if g.sawOdd() {
				t.Errorf("got requests %v, want none with the odd id", g.paths)
			}
		})
	}
}

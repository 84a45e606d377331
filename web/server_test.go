package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"pregonero"
	"pregonero/web"
)

func TestAuth(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name       string
		header     string
		wantStatus int
	}{
		{"missing token is unauthorized", "", 401},
		{"wrong token is unauthorized", "Bearer prg_wrong", 401},
		{"other scheme is unauthorized", "Basic " + ts.token, 401},
		{"bearer without token is unauthorized", "Bearer ", 401},
		{"right token passes", "Bearer " + ts.token, 200},
		{"scheme is case-insensitive", "bearer " + ts.token, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/accounts", "/api/v1/posts", "/api/v1/pause"} {
				r := ts.request("GET", path, nil, "Authorization", tt.header)
				if r.status != tt.wantStatus {
					t.Fatalf("%s: got %d %s, want %d", path, r.status, r.body, tt.wantStatus)
				}
				if tt.wantStatus == 401 {
					if e := r.apiError(t); e.Code != pregonero.EUNAUTHORIZED {
						t.Errorf("got code %q, want unauthorized", e.Code)
					}
					if r.header.Get("WWW-Authenticate") == "" {
						t.Error("no WWW-Authenticate header")
					}
				}
			}
		})
	}

	t.Run("writes need the token too", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/posts", map[string]any{"text": "a", "targets": []string{"x-gob"}}, "Authorization", "")
		if r.status != 401 {
			t.Fatalf("got %d, want 401", r.status)
		}
		page, _ := ts.db.Posts(context.Background(), pregonero.PostFilter{})
		if len(page.Posts) != 0 {
			t.Error("an unauthenticated post was stored")
		}
	})

	t.Run("no stored token refuses everyone", func(t *testing.T) {
		clk := &clock{t: testNow}
		db := mustOpenStore(t, filepath.Join(t.TempDir(), "db"), clk)
		defer db.Close()
		s, err := web.New(web.Config{Store: db, Control: &fakeControl{}, Posts: newService(t, db, &fakeControl{}, nil, nil, nil)})
		if err != nil {
			t.Fatal(err)
		}
		for _, token := range []string{"", "prg_", "anything"} {
			req, _ := http.NewRequest("GET", "/api/v1/accounts", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := newRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.status() != 401 {
				t.Errorf("token %q: got %d, want 401", token, rec.status())
			}
		}
	})

	t.Run("probes and the document are public", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/openapi.json"} {
			r := ts.request("GET", path, nil, "Authorization", "")
			if r.status != 200 {
				t.Errorf("%s: got %d, want 200", path, r.status)
			}
		}
	})
}

func TestEnsureToken(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := &clock{t: testNow}
	db := mustOpenStore(t, filepath.Join(dir, "db"), clk)
	defer db.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))

	created, err := web.EnsureToken(ctx, db, dir, logger)
	if err != nil || !created {
		t.Fatalf("first call: got created=%v err=%v, want true, nil", created, err)
	}
	path := filepath.Join(dir, web.TokenFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("got mode %v, want 0600", got)
	}
	b, _ := os.ReadFile(path)
	token := strings.TrimSpace(string(b))
	if !regexp.MustCompile(`^prg_[A-Za-z0-9_-]{43}$`).MatchString(token) {
		t.Errorf("got token %q, want prg_ and 43 base64url characters", token)
	}
	sum := sha256.Sum256([]byte(token))
	stored, err := db.Setting(ctx, web.TokenHashSetting)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(stored), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("got stored hash %q, want %q", got, want)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), strings.TrimPrefix(token, "prg_")) {
		t.Error("the token was logged")
	}
	if !strings.Contains(logs.String(), path) {
		t.Errorf("got log %q, want the file path", logs.String())
	}

	t.Run("second call changes nothing", func(t *testing.T) {
		created, err := web.EnsureToken(ctx, db, dir, logger)
		if err != nil || created {
			t.Fatalf("got created=%v err=%v, want false, nil", created, err)
		}
		b2, _ := os.ReadFile(path)
		stored2, _ := db.Setting(ctx, web.TokenHashSetting)
		if !bytes.Equal(b, b2) || !bytes.Equal(stored, stored2) {
			t.Error("the token changed on the second call")
		}
	})

	t.Run("the token authenticates", func(t *testing.T) {
		s, err := web.New(web.Config{Store: db, Control: &fakeControl{}, Posts: newService(t, db, &fakeControl{}, nil, nil, nil)})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", "/api/v1/accounts", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := newRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.status() != 200 {
			t.Errorf("got %d %s, want 200", rec.status(), rec.body.String())
		}
	})

	t.Run("no leftover temp files", func(t *testing.T) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("leftover %s", e.Name())
			}
		}
	})
}

func TestAccounts(t *testing.T) {
	ts := newTestServer(t)
	r := ts.request("GET", "/api/v1/accounts", nil)
	if r.status != 200 {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	if bytes.Contains(r.body, []byte("super-secret-credential")) || bytes.Contains(r.body, []byte("hash-of-secret")) || bytes.Contains(r.body, []byte("credentials")) {
		t.Errorf("credentials leaked: %s", r.body)
	}
	var l web.AccountList
	r.decode(t, &l)
	var ids []string
	for _, a := range l.Accounts {
		ids = append(ids, a.ID)
	}
	if want := []string{"fb-gob", "ig-gob", "x-gob", "x-salud", "yt-gob"}; !slices.Equal(ids, want) {
		t.Errorf("got accounts %v, want %v", ids, want)
	}
}

func TestPauseResumeRelease(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()

	t.Run("global pause calls the control", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/pause", map[string]any{"reason": " elecciones "})
		if r.status != 200 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		var res web.PauseResult
		r.decode(t, &res)
		if !res.Paused || res.Reason != "elecciones" || res.Account != "" {
			t.Errorf("got %+v, want the global pause", res)
		}
		if got := ts.ctl.pauseCalls(); len(got) != 1 || got[0] != [2]string{"", "elecciones"} {
			t.Errorf("got pause calls %v", got)
		}
	})

	t.Run("get pause reads the switch", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/pause", nil)
		var p pregonero.PauseState
		r.decode(t, &p)
		if r.status != 200 || !p.Paused || p.Reason != "elecciones" || !p.Since.Equal(testNow) {
			t.Errorf("got %d %+v", r.status, p)
		}
	})

	t.Run("account pause names the account", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/pause", map[string]any{"reason": "revisión", "account": "x-gob"})
		var res web.PauseResult
		r.decode(t, &res)
		if r.status != 200 || res.Account != "x-gob" || !res.Paused || res.Reason != "revisión" {
			t.Errorf("got %d %+v", r.status, res)
		}
		if calls := ts.ctl.pauseCalls(); calls[len(calls)-1] != [2]string{"x-gob", "revisión"} {
			got := calls[len(calls)-1]
			t.Errorf("got pause call %v", got)
		}
	})

	refused := []struct {
		name, body, field, code string
	}{
		{"missing reason is required", `{"account":"x-gob"}`, "reason", "required"},
		{"blank reason is required", `{"reason":"   "}`, "reason", "required"},
		{"unknown account is unknown", `{"reason":"r","account":"nope"}`, "account", "unknown"},
		{"unknown field is unknown", `{"reason":"r","why":"x"}`, "why", "unknown"},
	}
	for _, tt := range refused {
		t.Run("pause "+tt.name, func(t *testing.T) {
			n := len(ts.ctl.pauseCalls())
			r := ts.request("POST", "/api/v1/pause", tt.body)
			if r.status != 422 {
				t.Fatalf("got %d %s, want 422", r.status, r.body)
			}
			if e := r.apiError(t); !hasField(e, "", tt.field, tt.code) {
				t.Errorf("got fields %+v, want %s %s", e.Fields, tt.field, tt.code)
			}
			if len(ts.ctl.pauseCalls()) != n {
				t.Error("the control was called for a refused pause")
			}
		})
	}

	t.Run("resume with no body is global", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/resume", nil)
		var rep pregonero.ResumeReport
		r.decode(t, &rep)
		if r.status != 200 || rep.Released != 0 || rep.HeldOverdue == nil {
			t.Errorf("got %d %+v", r.status, rep)
		}
		if got := ts.ctl.resumeCalls(); len(got) != 1 || got[0] != "" {
			t.Errorf("got resume calls %q, want one global", got)
		}
		if ps, _ := ts.db.Pause(ctx); ps.Paused {
			t.Error("still paused after resume")
		}
	})

	t.Run("resume of an account", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/resume", `{"account":"x-gob"}`)
		if r.status != 200 || !bytes.Contains(r.body, []byte(`"held_overdue":[]`)) {
			t.Errorf("got %d %s", r.status, r.body)
		}
		if calls := ts.ctl.resumeCalls(); calls[len(calls)-1] != "x-gob" {
			got := calls[len(calls)-1]
			t.Errorf("got resume call %q, want x-gob", got)
		}
		if a, _ := ts.db.Account(ctx, "x-gob"); a.Status != pregonero.AccountActive {
			t.Errorf("account is %s after resume", a.Status)
		}
	})

	t.Run("resume of an unknown account is invalid", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/resume", `{"account":"nope"}`)
		if r.status != 422 {
			t.Errorf("got %d %s, want 422", r.status, r.body)
		}
	})

	p := ts.createPost(map[string]any{"text": "retenida", "targets": []string{"x-gob"}})
	held := p.Deliveries[0]
	if _, err := ts.db.UpdateDelivery(ctx, held.ID, func(x *pregonero.Delivery) error {
		return x.Hold(pregonero.HoldOverdue, &pregonero.DeliveryError{Code: "held_overdue", Message: "overdue"})
	}); err != nil {
		t.Fatal(err)
	}

	t.Run("release sends a held delivery now", func(t *testing.T) {
		ts.clock.Add(time.Hour)
		r := ts.request("POST", "/api/v1/deliveries/"+held.ID+"/release", nil)
		if r.status != 200 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		var d pregonero.Delivery
		r.decode(t, &d)
		if d.ID != held.ID || d.State != pregonero.DeliveryQueued || d.HoldReason != "" {
			t.Errorf("got %+v", d)
		}
		if !bytes.Contains(r.body, []byte(`"next_attempt_at":"2026-11-20T21:00:00Z"`)) {
			t.Errorf("got %s, want next_attempt_at now in UTC", r.body)
		}
		if n := ts.ctl.notifications(); len(n) == 0 || !n[len(n)-1].Equal(testNow.Add(time.Hour)) {
			t.Errorf("scheduler not woken for the release: %v", n)
		}
	})

	t.Run("release of a delivery not held is a conflict", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/deliveries/"+held.ID+"/release", nil)
		if r.status != 409 || r.apiError(t).Code != pregonero.ECONFLICT {
			t.Errorf("got %d %s, want 409", r.status, r.body)
		}
	})

	t.Run("release of an unknown delivery is not_found", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/deliveries/d_nope/release", nil)
		if r.status != 404 || r.apiError(t).Code != pregonero.ENOTFOUND {
			t.Errorf("got %d %s, want 404", r.status, r.body)
		}
	})

	t.Run("retry of a failed delivery queues it now", func(t *testing.T) {
		q := ts.createPost(map[string]any{"text": "fallida", "targets": []string{"x-gob"}})
		d := q.Deliveries[0]
		if _, err := ts.db.ClaimDue(ctx, ts.clock.Now(), ts.clock.Now(), 100); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.db.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
			x.FinishAttempt(ts.clock.Now(), ts.clock.Now(), pregonero.OutcomePermanent, &pregonero.PublishError{Code: "refused", Message: "refused"})
			return x.Fail(&pregonero.DeliveryError{Code: "refused", Message: "refused"})
		}); err != nil {
			t.Fatal(err)
		}
		ts.clock.Add(time.Minute)
		r := ts.request("POST", "/api/v1/deliveries/"+d.ID+"/retry", nil)
		var got pregonero.Delivery
		r.decode(t, &got)
		if r.status != 200 || got.State != pregonero.DeliveryQueued || !got.NextAttemptAt.Equal(ts.clock.Now()) {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		later := ts.createPost(map[string]any{"text": "más tarde", "targets": []string{"x-gob"},
			"scheduled_at": ts.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)})
		if r := ts.request("POST", "/api/v1/deliveries/"+later.Deliveries[0].ID+"/retry", nil); r.status != 409 {
			t.Errorf("retry of a delivery waiting for its time: got %d %s, want 409", r.status, r.body)
		}
		if r := ts.request("POST", "/api/v1/deliveries/d_nope/retry", nil); r.status != 404 {
			t.Errorf("retry of an unknown delivery: got %d %s, want 404", r.status, r.body)
		}
	})
}

func TestProbes(t *testing.T) {
	ts := newTestServer(t)

	t.Run("healthz is ok", func(t *testing.T) {
		r := ts.request("GET", "/healthz", nil)
		if r.status != 200 || strings.TrimSpace(string(r.body)) != "ok" {
			t.Errorf("got %d %q", r.status, r.body)
		}
	})

	t.Run("readyz is ok while the scheduler beats", func(t *testing.T) {
		r := ts.request("GET", "/readyz", nil)
		if r.status != 200 {
			t.Errorf("got %d %q", r.status, r.body)
		}
	})

	t.Run("readyz fails with the reason when the scheduler is stuck", func(t *testing.T) {
		ts.ctl.set(func(c *fakeControl) { c.readyErr = errors.New("heartbeat is 3m0s old") })
		r := ts.request("GET", "/readyz", nil)
		if r.status != 503 || !strings.Contains(string(r.body), "heartbeat is 3m0s old") {
			t.Errorf("got %d %q, want 503 with the reason", r.status, r.body)
		}
		ts.ctl.set(func(c *fakeControl) { c.readyErr = nil })
	})

	t.Run("readyz fails when the store is closed", func(t *testing.T) {
		ts2 := newTestServer(t)
		ts2.db.Close()
		r := ts2.request("GET", "/readyz", nil)
		if r.status != 503 || !strings.Contains(string(r.body), "store") {
			t.Errorf("got %d %q, want 503 naming the store", r.status, r.body)
		}
	})

	t.Run("metrics count deliveries by state", func(t *testing.T) {
		ts.createPost(map[string]any{"text": "a", "targets": []string{"x-gob", "fb-gob"}})
		p := ts.createPost(map[string]any{"text": "b", "targets": []string{"x-gob"}})
		ts.request("POST", "/api/v1/posts/"+p.ID+"/cancel", nil)
		r := ts.request("GET", "/metrics", nil)
		for _, want := range []string{
			`pregonero_deliveries{state="queued"} 2`,
			`pregonero_deliveries{state="canceled"} 1`,
			`pregonero_deliveries{state="published"} 0`,
			`pregonero_queue_depth 2`,
		} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("metrics lack %q:\n%s", want, r.body)
			}
		}
	})

	t.Run("the collector is on the configured registry", func(t *testing.T) {
		mfs, err := ts.registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, mf := range mfs {
			names = append(names, mf.GetName())
		}
		if !slices.Contains(names, "pregonero_deliveries") || !slices.Contains(names, "pregonero_queue_depth") {
			t.Errorf("got metrics %v", names)
		}
	})
}

func TestNew(t *testing.T) {
	clk := &clock{t: testNow}
	db := mustOpenStore(t, filepath.Join(t.TempDir(), "db"), clk)
	defer db.Close()
	t.Run("store is required", func(t *testing.T) {
		if _, err := web.New(web.Config{Control: &fakeControl{}}); err == nil {
			t.Error("got nil error")
		}
	})
	t.Run("control is required", func(t *testing.T) {
		if _, err := web.New(web.Config{Store: db}); err == nil {
			t.Error("got nil error")
		}
	})
	t.Run("a registry takes the collector once", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		if _, err := web.New(web.Config{Store: db, Control: &fakeControl{}, Posts: newService(t, db, &fakeControl{}, nil, nil, nil), Registry: reg}); err != nil {
			t.Fatal(err)
		}
		if _, err := web.New(web.Config{Store: db, Control: &fakeControl{}, Posts: newService(t, db, &fakeControl{}, nil, nil, nil), Registry: reg}); err == nil {
			t.Error("got nil error registering twice")
		}
	})
}

func TestErrorsAreJSON(t *testing.T) {
	ts := newTestServer(t)

	t.Run("unknown api route is a JSON not_found", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/nothing-here", nil)
		if r.status != 404 || r.apiError(t).Code != pregonero.ENOTFOUND {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})

	t.Run("adapter panic is a JSON internal error", func(t *testing.T) {
		ts := newTestServer(t, withAdapter(&fakeAdapter{network: pregonero.NetworkFacebook,
			validate: func(pregonero.Content, *pregonero.Account) []pregonero.FieldError { panic("boom") }}))
		r := ts.request("POST", "/api/v1/posts", map[string]any{"text": "a", "targets": []string{"fb-gob"}})
		if r.status != 500 {
			t.Fatalf("got %d %s, want 500", r.status, r.body)
		}
		if e := r.apiError(t); e.Code != pregonero.EINTERNAL || strings.Contains(e.Message, "boom") {
			t.Errorf("got %+v, want internal without details", e)
		}
		// The server survives.
		if r := ts.request("GET", "/healthz", nil); r.status != 200 {
			t.Errorf("got %d after a panic", r.status)
		}
	})

	t.Run("status table", func(t *testing.T) {
		for code, want := range map[string]int{
			"invalid": 422, "not_found": 404, "conflict": 409, "unauthorized": 401, "forbidden": 403,
			"rate_limited": 429, "too_large": 413, "unavailable": 503, "storage_full": 507, "internal": 500, "whatever": 500,
		} {
			if got := web.StatusForCode(code); got != want {
				t.Errorf("%s: got %d, want %d", code, got, want)
			}
		}
	})
}

// recorder is a minimal ResponseWriter for calling a handler directly.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.body.Write(p)
}
func (r *recorder) status() int { return r.code }

func TestOpenAPICoversEveryRoute(t *testing.T) {
	ts := newTestServer(t)
	r := ts.request("GET", "/api/openapi.json", nil, "Authorization", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("got %d %s", r.status, r.header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Info    struct{ Version string }              `json:"info"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.decode(t, &doc)
	if doc.OpenAPI != "3.1.0" || doc.Info.Version != "1.2.3-test" {
		t.Errorf("got openapi %q version %q", doc.OpenAPI, doc.Info.Version)
	}

	routes := ts.web.Routes()
	if len(routes) < 16 {
		t.Fatalf("got %d routes, want at least 16", len(routes))
	}
	registered := map[string]bool{}
	for _, route := range routes {
		method, path, ok := strings.Cut(route, " ")
		if !ok {
			t.Errorf("route %q has no method", route)
			continue
		}
		registered[strings.ToLower(method)+" "+path] = true
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is missing from the OpenAPI document", route)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			if !registered[method+" "+path] {
				t.Errorf("the document describes %s %s, which is not a route", method, path)
			}
		}
	}

	t.Run("every reference resolves", func(t *testing.T) {
		var full map[string]any
		r.decode(t, &full)
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if s, ok := x.(string); ok && k == "$ref" {
						var target any = full
						for _, part := range strings.Split(strings.TrimPrefix(s, "#/"), "/") {
							m, ok := target.(map[string]any)
							if !ok {
								target = nil
								break
							}
							target = m[part]
						}
						if target == nil {
							t.Errorf("dangling $ref %s", s)
						}
					}
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(full)
	})

	t.Run("the error shape is described", func(t *testing.T) {
		for _, want := range []string{`"ErrorResponse"`, `"FieldError"`, `"target"`, `"limit"`, `"actual"`} {
			if !bytes.Contains(r.body, []byte(want)) {
				t.Errorf("document lacks %s", want)
			}
		}
	})
}

func TestLogsNoSecrets(t *testing.T) {
	var logs bytes.Buffer
	ts := newTestServer(t, withConfig(func(c *web.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}))
	ts.request("GET", "/api/v1/accounts", nil)
	ts.request("GET", "/api/v1/accounts", nil, "Authorization", "Bearer prg_guess")
	ts.request("GET", "/api/v1/posts?cursor=abc", nil)
	if strings.Contains(logs.String(), ts.token) || strings.Contains(logs.String(), "prg_guess") {
		t.Error("a token was logged")
	}
	if !strings.Contains(logs.String(), `"path":"/api/v1/accounts"`) || !strings.Contains(logs.String(), `"status":401`) {
		t.Errorf("requests were not logged: %s", logs.String())
	}
}

package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	main "pregonero/cmd/pregonero"
)

// writeConfig writes a configuration for a test server on :0 with the
// embedded sandbox and the given X sandbox users as accounts.
func writeConfig(t testing.TB, dir string, embedded bool, sandboxAddr string, users ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: 127.0.0.1:0\ndata_dir: %s\ntimezone: America/Bogota\n", filepath.Join(dir, "data"))
	fmt.Fprintf(&b, "log: {format: text, level: warn}\n")
	fmt.Fprintf(&b, "sandbox: {embedded: %v, listen: %q}\n", embedded, sandboxAddr)
	fmt.Fprintf(&b, "publisher: {reconcile_delay: 200ms, backoff_base: 200ms, backoff_cap: 2s, past_grace: 2m}\n")
	b.WriteString("accounts:\n")
	for _, u := range users {
		fmt.Fprintf(&b, "  - id: x-%s\n    network: x\n    name: %s\n    endpoint: sandbox\n    credentials: {consumer_key: sandbox, consumer_secret: sandbox-secret, access_token: sandbox-%s, access_token_secret: sandbox-%s-secret}\n", u, u, u, u)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// MustRunMain starts Main in-process on :0 with the embedded sandbox.
func MustRunMain(t *testing.T, users ...string) *main.Main {
	t.Helper()
	dir := t.TempDir()
	m := main.NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"-config", writeConfig(t, dir, true, "127.0.0.1:0", users...)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

type api struct {
	t     testing.TB
	base  string
	token string
}

func newAPI(t testing.TB, base, dataDir string) *api {
	b, err := os.ReadFile(filepath.Join(dataDir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, base: base, token: strings.TrimSpace(string(b))}
}

func (a *api) do(method, path string, body any, out any) int {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, r)
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

type sandboxPosts struct {
	Posts []struct {
		Network   string    `json:"network"`
		Account   string    `json:"account"`
		RemoteID  string    `json:"remote_id"`
		Text      string    `json:"text"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"posts"`
}

func getSandboxPosts(t testing.TB, addr string) sandboxPosts {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/_sandbox/posts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sp sandboxPosts
	if err := json.NewDecoder(resp.Body).Decode(&sp); err != nil {
		t.Fatal(err)
	}
	return sp
}

type postView struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Deliveries []struct {
		ID       string `json:"id"`
		State    string `json:"state"`
		RemoteID string `json:"remote_id"`
		URL      string `json:"url"`
		Attempts []struct {
			Outcome string `json:"outcome"`
			Code    string `json:"code"`
		} `json:"attempts"`
	} `json:"deliveries"`
}

func TestEndToEndPublishesAtItsTime(t *testing.T) {
	m := MustRunMain(t, "gobantioquia", "otra")
	mustCampaign(t, m, "salud-2026")
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)

	at := time.Now().Add(1500 * time.Millisecond)
	var p postView
	code := a.do("POST", "/api/v1/posts", map[string]any{
		"text":         "¡Hola, Antioquia! Vacunación gratuita este sábado en los 125 municipios. https://antioquia.gov.co/vacunacion",
		"targets":      []string{"x-gobantioquia", "x-otra"},
		"scheduled_at": at.UTC().Format(time.RFC3339Nano),
		"campaign":     "salud-2026",
	}, &p)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %+v", code, p)
	}
	if p.Status != "scheduled" || len(p.Deliveries) != 2 {
		t.Fatalf("created post %+v", p)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.do("GET", "/api/v1/posts/"+p.ID, nil, &p)
		if p.Status == "published" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not published: %+v", p)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sp := getSandboxPosts(t, m.SandboxAddr)
	if len(sp.Posts) != 2 {
		t.Fatalf("sandbox has %d posts, want 2", len(sp.Posts))
	}
	for _, sp := range sp.Posts {
		if sp.CreatedAt.Before(at) {
			t.Errorf("published early: %v < %v", sp.CreatedAt, at)
		}
	}
	for _, d := range p.Deliveries {
		if d.RemoteID == "" || !strings.Contains(d.URL, d.RemoteID) {
			t.Errorf("delivery %s without live URL: %+v", d.ID, d)
		}
	}

	// Cancel a future post; it never goes out.
	var q postView
	if code := a.do("POST", "/api/v1/posts", map[string]any{"text": "se cancela", "targets": []string{"x-otra"},
		"scheduled_at": time.Now().Add(time.Second).Format(time.RFC3339Nano)}, &q); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	var cq map[string]any
	if code := a.do("POST", "/api/v1/posts/"+q.ID+"/cancel", nil, &cq); code != http.StatusOK || cq["status"] != "canceled" {
		t.Fatalf("cancel: %d %+v", code, cq)
	}
	// A later post on the same account: once it is out, the canceled one
	// would have gone before it.
	var after postView
	if code := a.do("POST", "/api/v1/posts", map[string]any{"text": "después de la cancelada", "targets": []string{"x-otra"},
		"scheduled_at": time.Now().Add(1100 * time.Millisecond).Format(time.RFC3339Nano)}, &after); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	deadline = time.Now().Add(10 * time.Second)
	for after.Status != "published" {
		if time.Now().After(deadline) {
			t.Fatalf("sentinel post not published: %+v", after)
		}
		time.Sleep(50 * time.Millisecond)
		a.do("GET", "/api/v1/posts/"+after.ID, nil, &after)
	}
	a.do("GET", "/api/v1/posts/"+q.ID, nil, &q)
	if q.Status != "canceled" || len(q.Deliveries[0].Attempts) != 0 {
		t.Errorf("canceled post now %s with attempts %+v", q.Status, q.Deliveries[0].Attempts)
	}
	for _, sp := range getSandboxPosts(t, m.SandboxAddr).Posts {
		if sp.Text == "se cancela" {
			t.Fatal("a canceled post went out")
		}
	}
}

func TestEndToEndBadInput(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown account", map[string]any{"text": "hola", "targets": []string{"x-nadie"}}, "targets"},
		{"past time", map[string]any{"text": "hola", "targets": []string{"x-gobantioquia"}, "scheduled_at": "2020-01-01T10:00:00-05:00"}, "scheduled_at"},
		{"empty text without media", map[string]any{"text": "", "targets": []string{"x-gobantioquia"}}, "text"},
		{"too long for X", map[string]any{"text": strings.Repeat("ñ", 281), "targets": []string{"x-gobantioquia"}}, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e struct {
				Error struct {
					Code   string `json:"code"`
					Fields []struct {
						Field string `json:"field"`
					} `json:"fields"`
				} `json:"error"`
			}
			code := a.do("POST", "/api/v1/posts", tc.body, &e)
			if code < 400 || code >= 500 || e.Error.Code != "invalid" {
				t.Fatalf("status %d code %q", code, e.Error.Code)
			}
			found := false
			for _, f := range e.Error.Fields {
				found = found || strings.HasPrefix(f.Field, tc.field)
			}
			if !found {
				t.Errorf("fields %+v do not name %s", e.Error.Fields, tc.field)
			}
		})
	}
}

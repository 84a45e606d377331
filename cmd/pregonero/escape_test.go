package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTermLine(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Vacunación gratuita 🎉", "Vacunación gratuita 🎉"},
		{"hola \x1b[31mrojo", `hola \x1b[31mrojo`},
		{"uno\ndos\tres\r", `uno\ndos\tres\r`},
		{"nul\x00 del\x7f", `nul\x00 del\x7f`},
		{"csi\u009b31m nel\u0085", `csi\u009b31m nel\u0085`},
		{"roto\xff\xc3", `roto\xff\xc3`},
		{`ya \x1b escrito`, `ya \x1b escrito`},
	} {
		if got := termLine(tt.in); got != tt.want {
			t.Errorf("termLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTermText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"uno\ndos\ttres", "uno\ndos\ttres"},
		{"uno\r\ndos\x1b]0;título\a", "uno\\r\ndos\\x1b]0;título\\x07"},
		{"roto\xff", `roto\xff`},
	} {
		if got := termText(tt.in); got != tt.want {
			t.Errorf("termText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A server (or a network behind it) that hands back control characters
// cannot reach the terminal through the CLI's text output; -json output
// is JSON and escapes them itself.
func TestCLIEscapesControlCharactersFromTheServer(t *testing.T) {
	const esc = "\x1b]0;pwned\a\x1b[2J"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/posts":
			w.Write([]byte(`{"posts":[{"id":"p_1","text":"hola \u001b]0;pwned\u0007\u001b[2J","targets":["x-gob"],"status":"scheduled","scheduled_at":"2026-12-01T14:00:00Z","deliveries":[]}]}`))
		case "/api/v1/accounts":
			w.Write([]byte(`{"accounts":[{"id":"x-gob","network":"x","name":"Gob \u009b31m","status":"needs_reauth","status_reason":"X said: \u001b]0;pwned\u0007\u001b[2J"}]}`))
		case "/api/v1/pause":
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusUnprocessableEntity)
				w.Write([]byte(`{"error":{"code":"invalid","message":"no \u001b]0;pwned\u0007\u001b[2J","fields":[{"field":"reason","code":"invalid","message":"bad \u001b[2J"}]}}`))
				return
			}
			w.Write([]byte(`{"paused":true,"reason":"Emergencia \u001b]0;pwned\u0007\u001b[2J","since":"2026-12-01T14:00:00Z"}`))
		case "/api/v1/posts/p_2":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("upstream said \x1b[2J"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	t.Setenv("PREGONERO_URL", srv.URL)
	t.Setenv("PREGONERO_TOKEN", "token")
	run := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		Run(context.Background(), args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String()
	}
	for _, args := range [][]string{
		{"post", "list"},
		{"accounts"},
		{"pause", "-reason", "x"},
		{"post", "show", "p_2"},
	} {
		out, errs := run(args...)
		if strings.ContainsAny(out+errs, "\x1b\a\u009b") {
			t.Errorf("%v printed control characters: stdout %q stderr %q", args, out, errs)
		}
		if !strings.Contains(out+errs, `\x1b`) {
			t.Errorf("%v: got stdout %q stderr %q, want the escape shown as \\x1b", args, out, errs)
		}
	}
	// -json keeps the data as it is, JSON-escaped.
	out, _ := run("post", "list", "-json")
	if strings.Contains(out, esc) || !strings.Contains(out, `\u001b]0;pwned\u0007\u001b[2J`) {
		t.Errorf("post list -json: got %q, want the text JSON-escaped", out)
	}
}

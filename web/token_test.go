package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"pregonero/web"
)

var tokenFormat = regexp.MustCompile(`^prg_[A-Za-z0-9_-]{43}$`)

// storedHash returns the token hash the store holds.
func storedHash(t *testing.T, ts *testServer) string {
	t.Helper()
	b, err := ts.db.Setting(context.Background(), web.TokenHashSetting)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func hashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func TestRotateToken(t *testing.T) {
	ts := newTestServer(t)
	old := ts.token
	path := filepath.Join(ts.dataDir, web.TokenFile)
	// The file is lost: rotation is the way back in.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	got, err := web.RotateToken(context.Background(), ts.db, ts.dataDir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got != path {
		t.Errorf("got path %q, want %q", got, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("got mode %v, want 0600", mode)
	}
	b, _ := os.ReadFile(path)
	token := strings.TrimSpace(string(b))
	if !tokenFormat.MatchString(token) || token == old {
		t.Fatalf("got token %q, want a new prg_ token", token)
	}
	if got, want := storedHash(t, ts), hashOf(token); got != want {
		t.Errorf("got stored hash %q, want the new token's %q", got, want)
	}
	if strings.Contains(logs.String(), strings.TrimPrefix(token, "prg_")) {
		t.Error("the token was logged")
	}

	if r := ts.request("GET", "/api/v1/accounts", nil); r.status != http.StatusUnauthorized {
		t.Errorf("previous token: got %d, want 401", r.status)
	}
	ts.token = token
	if r := ts.request("GET", "/api/v1/accounts", nil); r.status != http.StatusOK {
		t.Errorf("new token: got %d %s, want 200", r.status, r.body)
	}
}

func TestHandleRotateToken(t *testing.T) {
	ts := newTestServer(t)
	old := ts.token
	req := httptest.NewRequest("POST", "/api/v1/token/rotate", nil)
	req.Header.Set("Authorization", "Bearer "+old)
	rec := httptest.NewRecorder()
	if err := web.HandleRotateToken(ts.web, rec, req); err != nil {
		t.Fatalf("handler: %v", err)
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("got %d %s, want 200", rec.Code, rec.Body)
	}
	var res web.TokenRotation
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	if !tokenFormat.MatchString(res.Token) || res.Token == old {
		t.Fatalf("got token %q, want a new prg_ token", res.Token)
	}
	if got, want := storedHash(t, ts), hashOf(res.Token); got != want {
		t.Errorf("got stored hash %q, want the new token's %q", got, want)
	}

	if r := ts.request("GET", "/api/v1/accounts", nil); r.status != http.StatusUnauthorized {
		t.Errorf("previous token: got %d, want 401", r.status)
	}
	ts.token = res.Token
	if r := ts.request("GET", "/api/v1/accounts", nil); r.status != http.StatusOK {
		t.Errorf("new token: got %d %s, want 200", r.status, r.body)
	}
}

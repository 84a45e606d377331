package fakenet_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/fakenet"
)

func TestLedger(t *testing.T) {
	l := fakenet.NewLedger()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("COT", -5*3600))
	add := func(network, account, id string, at time.Time, media ...fakenet.PostMedia) {
		t.Helper()
		if err := l.Add(fakenet.Post{Network: network, Account: account, RemoteID: id, Text: "text " + id, Media: media, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	add("x", "ana", "2", t0.Add(time.Second))
	add("x", "ana", "1", t0, fakenet.PostMedia{ID: "m1", Type: "image/png", AltText: "alt", Size: 10})
	add("facebook", "123", "3", t0.Add(2*time.Second))

	t.Run("posts are ordered by creation time", func(t *testing.T) {
		got := ids(l.Posts())
		if got != "1,2,3" {
			t.Errorf("ids = %s, want 1,2,3", got)
		}
	})
	t.Run("same id twice is refused", func(t *testing.T) {
		if err := l.Add(fakenet.Post{Network: "x", RemoteID: "1", CreatedAt: t0}); err == nil {
			t.Error("duplicate accepted")
		}
	})
	t.Run("same id on another network is accepted", func(t *testing.T) {
		add("youtube", "chan", "1", t0.Add(3*time.Second))
	})
	t.Run("filter by network and account", func(t *testing.T) {
		if got := ids(l.Filter("x", "ana")); got != "1,2" {
			t.Errorf("ids = %s, want 1,2", got)
		}
		if got := ids(l.Filter("", "123")); got != "3" {
			t.Errorf("ids = %s, want 3", got)
		}
	})
	t.Run("returned posts are copies", func(t *testing.T) {
		p, _ := l.Get("x", "1")
		p.Media[0].AltText = "changed"
		if q, _ := l.Get("x", "1"); q.Media[0].AltText != "alt" {
			t.Errorf("alt text = %q, want the ledger unchanged", q.Media[0].AltText)
		}
	})
	t.Run("JSON shape of /_sandbox/posts", func(t *testing.T) {
		rec := httptest.NewRecorder()
		l.ServeHTTP(rec, httptest.NewRequest("GET", "/_sandbox/posts?network=x", nil))
		want := `{"posts":[` +
			`{"network":"x","account":"ana","remote_id":"1","text":"text 1","media":[{"id":"m1","type":"image/png","alt_text":"alt","size":10}],"created_at":"2026-03-01T17:00:00.123456789Z"},` +
			`{"network":"x","account":"ana","remote_id":"2","text":"text 2","media":[],"created_at":"2026-03-01T17:00:01.123456789Z"}]}`
		if got := strings.TrimSpace(rec.Body.String()); got != want {
			t.Errorf("body =\n%s\nwant\n%s", got, want)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("content type = %q", ct)
		}
	})
	t.Run("delete removes the post", func(t *testing.T) {
		if !l.Delete("x", "1") {
			t.Fatal("delete reported absent")
		}
		if l.Delete("x", "1") {
			t.Error("second delete reported present")
		}
		if got := ids(l.Filter("x", "")); got != "2" {
			t.Errorf("ids = %s, want 2", got)
		}
	})
	t.Run("empty ledger lists an empty array", func(t *testing.T) {
		rec := httptest.NewRecorder()
		fakenet.NewLedger().ServeHTTP(rec, httptest.NewRequest("GET", "/_sandbox/posts", nil))
		if got := strings.TrimSpace(rec.Body.String()); got != `{"posts":[]}` {
			t.Errorf("body = %s, want {\"posts\":[]}", got)
		}
	})
	t.Run("other methods are refused", func(t *testing.T) {
		rec := httptest.NewRecorder()
		l.ServeHTTP(rec, httptest.NewRequest("POST", "/_sandbox/posts", nil))
		var body struct{ Error struct{ Code string } }
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusMethodNotAllowed || body.Error.Code == "" {
			t.Errorf("status %d body %s, want 405 with an error code", rec.Code, rec.Body)
		}
	})
}

func ids(ps []fakenet.Post) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.RemoteID)
	}
	return strings.Join(s, ",")
}

package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/users"
	"pregonero/web"
)

// syncBuffer is a log destination the server's goroutines share.
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

func TestCalendarFeedRFC5545(t *testing.T) {
	var us *users.Service
	var logs syncBuffer
	ts := newTestServer(t, withUsersService(&us), withConfig(func(c *web.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}))
	_, adminToken := userWithToken(t, us, "ana", pregonero.RoleAdmin)
	r := ts.request("POST", "/api/v1/posts", map[string]any{"text": "Campaña de prueba", "targets": []string{"x-salud"},
		"scheduled_at": "2026-11-21T08:00:00-05:00"}, asToken(adminToken)...)
	wantStatus(t, r, http.StatusCreated)
	created := ts.clock.Now()
	ts.clock.Add(3 * time.Hour)
	r = ts.request("POST", "/api/v1/calendar/token", nil, asToken(adminToken)...)
	wantStatus(t, r, http.StatusCreated)
	var tok web.CalendarToken
	r.decode(t, &tok)
	path := strings.TrimPrefix(tok.URL, ts.srv.URL)
	feed := ts.request("GET", path, nil, "Authorization", "")
	wantStatus(t, feed, http.StatusOK)
	cal, events := parseICS(t, feed.body)

	t.Run("the calendar says what it is, as a published feed", func(t *testing.T) {
		for name, want := range map[string]string{"VERSION": "2.0", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH",
			"PRODID": "-//Pregonero//Calendario de publicaciones//ES", "X-WR-CALNAME": "Pregonero — ana",
			"REFRESH-INTERVAL;VALUE=DURATION": "PT1H", "X-PUBLISHED-TTL": "PT1H"} {
			if got := prop(cal, name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
	})
	t.Run("DTSTAMP is when the feed was written; LAST-MODIFIED when the post changed", func(t *testing.T) {
		if len(events) != 1 {
			t.Fatalf("%d events, want 1", len(events))
		}
		if got, want := prop(events[0], "DTSTAMP"), ts.clock.Now().UTC().Format("20060102T150405Z"); got != want {
			t.Errorf("DTSTAMP = %q, want %q (now)", got, want)
		}
		if got, want := prop(events[0], "LAST-MODIFIED"), created.UTC().Format("20060102T150405Z"); got != want {
			t.Errorf("LAST-MODIFIED = %q, want %q", got, want)
		}
	})
	t.Run("the request log does not print the token", func(t *testing.T) {
		wantStatus(t, ts.request("GET", "/calendar/"+tok.Token+"x.ics", nil, "Authorization", ""), http.StatusNotFound)
		out := logs.String()
		if strings.Contains(out, tok.Token) {
			t.Errorf("the log holds the token:\n%s", out)
		}
		if !strings.Contains(out, "/calendar/…") {
			t.Errorf("the log has no line of the feed's requests:\n%s", out)
		}
	})
}

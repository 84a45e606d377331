package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// benchCalendar measures a calendar page rendered server-side (session,
// reads through the posting service, template) with 10,000 posts in a
// real store, one every 8.6 minutes over 60 days.
func benchCalendar(b *testing.B, path, want string) {
	s := newUIServer(b)
	posts := dashboardPosts(10_000, testNow)
	for len(posts) > 0 {
		n := min(1000, len(posts))
		if err := s.db.CreatePosts(context.Background(), posts[:n]...); err != nil {
			b.Fatal(err)
		}
		posts = posts[n:]
	}
	cookie := s.signedIn("ana").cookie("pregonero_session")
	h := s.web.Handler()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(cookie)
	serve := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("got %d", rec.Code)
		}
		return rec
	}
	first := serve().Body.String()
	if !strings.Contains(first, want) {
		b.Fatalf("the page lacks %q", want)
	}
	start := time.Now()
	for b.Loop() {
		serve()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/page")
	b.ReportMetric(float64(len(first))/1024, "KiB/page")
}

// BenchmarkCalendarMonth is the month view of November 2026: its grid
// shows the 42 days from Monday 26 October to Sunday 6 December, about
// 7,000 posts read, four of each day's shown.
func BenchmarkCalendarMonth(b *testing.B) {
	benchCalendar(b, "/calendar?fecha=2026-11-20", "y 162 más")
}

// BenchmarkCalendarList is the first page of the list of November 2026:
// about 5,000 posts read, 50 shown.
func BenchmarkCalendarList(b *testing.B) {
	benchCalendar(b, "/calendar?vista=lista&fecha=2026-11-20", "Página 1 de 100")
}

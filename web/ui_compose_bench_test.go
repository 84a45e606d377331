package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkComposeValidate measures the compose page's live check as its
// script calls it (session, CSRF header, the posting service's
// validation of a text for X and Facebook, the JSON answer) with 10,000
// posts in a real store.
func BenchmarkComposeValidate(b *testing.B) {
	s := newUIServer(b)
	posts := dashboardPosts(10_000, testNow)
	for len(posts) > 0 {
		n := min(1000, len(posts))
		if err := s.db.CreatePosts(context.Background(), posts[:n]...); err != nil {
			b.Fatal(err)
		}
		posts = posts[n:]
	}
	br := s.signedIn("ana")
	token := br.get("/compose").csrf(b)
	cookie := br.cookie("pregonero_session")
	h := s.web.Handler()
	body := url.Values{"text": {strings.Repeat("Vacunación gratuita este sábado. ", 9)}, "targets": {"x-gob", "fb-gob"},
		"ov_text_facebook": {"Texto propio para Facebook"}, "when": {"mañana 9:00"}, "action": {"schedule"}}.Encode()
	serve := func() {
		req := httptest.NewRequest("POST", "/compose/validate", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", token)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"counters":[{"target":"x-gob"`) {
			b.Fatalf("got %d %s", rec.Code, rec.Body)
		}
	}
	serve()
	start := time.Now()
	for b.Loop() {
		serve()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/check")
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"pregonero"
)

// dashboardPosts returns n posts of two targets each, one every few
// minutes over the 30 days before and after now: those before published
// (one in 50 failed, one in 200 held), those after queued.
func dashboardPosts(n int, now time.Time) []*pregonero.Post {
	span := 60 * 24 * time.Hour
	step := span / time.Duration(n)
	start := now.Add(-span / 2)
	targets := [][2]string{{"x-gob", "fb-gob"}, {"x-salud", "ig-gob"}}
	out := make([]*pregonero.Post, n)
	for i := range out {
		at := start.Add(time.Duration(i) * step).UTC()
		p := &pregonero.Post{ID: fmt.Sprintf("p_bench%06d", i), Text: fmt.Sprintf("Publicación %d: vacunación gratuita este sábado en el parque principal de cada municipio.", i),
			Targets: targets[i%2][:], ScheduledAt: at, CreatedAt: at.Add(-time.Hour), UpdatedAt: at}
		for j, acct := range p.Targets {
			d := &pregonero.Delivery{ID: fmt.Sprintf("d_bench%06d%d", i, j), PostID: p.ID, AccountID: acct,
				Network: pregonero.NetworkX, State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at, UpdatedAt: at}
			if at.Before(now) {
				switch {
				case i%200 == 0:
					d.State, d.HoldReason = pregonero.DeliveryHeld, pregonero.HoldOverdue
					d.LastError = &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "held_overdue", Message: "Overdue after a pause.", At: at}
				case i%50 == 0:
					d.State = pregonero.DeliveryFailed
					d.LastError = &pregonero.DeliveryError{Class: pregonero.ClassDuplicate, Code: "x_duplicate", Message: "Duplicate.", NetworkMessage: "Status is a duplicate.", At: at}
				default:
					d.State, d.PublishedAt, d.RemoteID = pregonero.DeliveryPublished, at, fmt.Sprintf("r%d%d", i, j)
				}
				d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: at, FinishedAt: at.Add(time.Second), Outcome: pregonero.OutcomeOK}}
			}
			p.Deliveries = append(p.Deliveries, d)
		}
		out[i] = p
	}
	return out
}

// BenchmarkDashboard measures the Tablero rendered server-side (session,
// reads through the posting service, template) with 10,000 posts in a
// real store.
func BenchmarkDashboard(b *testing.B) {
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
	cookie := br.cookie("pregonero_session")
	h := s.web.Handler()
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(cookie)
	serve := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("got %d", rec.Code)
		}
		return rec
	}
	size := serve().Body.Len()
	start := time.Now()
	for b.Loop() {
		serve()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/page")
	b.ReportMetric(float64(size)/1024, "KiB/page")
}

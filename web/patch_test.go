package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero"
)

func TestPatchPost(t *testing.T) {
	ts := newTestServer(t)
	ts.mustCampaign("salud")
	at := testNow.Add(2 * time.Hour)
	p := ts.createPost(map[string]any{"text": "Vacunación en Urrao", "targets": []string{"x-gob", "x-salud"},
		"scheduled_at": at.Format(time.RFC3339), "campaign": "salud"})

	t.Run("text and time change; the deliveries move", func(t *testing.T) {
		later := testNow.Add(5 * time.Hour)
		r := ts.request("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"text": "Vacunación en Urrao y Frontino", "scheduled_at": later.Format(time.RFC3339)})
		if r.status != http.StatusOK {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		var got postView
		r.decode(t, &got)
		if got.Text != "Vacunación en Urrao y Frontino" || got.Campaign != "salud" || !got.ScheduledAt.Equal(later) {
			t.Errorf("patched post %+v", got.Post)
		}
		for _, d := range got.Deliveries {
			if !d.NextAttemptAt.Equal(later) {
				t.Errorf("delivery %s due %v, want %v", d.ID, d.NextAttemptAt, later)
			}
		}
		ts.ctl.mu.Lock()
		n := append([]time.Time(nil), ts.ctl.notified...)
		ts.ctl.mu.Unlock()
		if len(n) == 0 || !n[len(n)-1].Equal(later) {
			t.Errorf("scheduler not told of the new time: %v", n)
		}
	})
	t.Run("targets cannot change", func(t *testing.T) {
		r := ts.request("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"targets": []string{"x-gob"}})
		if r.status/100 != 4 || !strings.Contains(string(r.body), "targets") {
			t.Fatalf("got %d %s, want a 4xx naming targets", r.status, r.body)
		}
	})
	t.Run("the merged post is validated for every target", func(t *testing.T) {
		r := ts.request("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"text": strings.Repeat("ñ", 281)})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "text") {
			t.Fatalf("got %d %s, want 422 naming text", r.status, r.body)
		}
		r = ts.request("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"scheduled_at": "2020-01-01T09:00"})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "in_past") {
			t.Fatalf("got %d %s, want 422 in_past", r.status, r.body)
		}
	})
	t.Run("a post already being published cannot be edited", func(t *testing.T) {
		q := ts.createPost(map[string]any{"text": "ya sale", "targets": []string{"x-gob"}})
		if _, err := ts.db.ClaimDue(context.Background(), testNow.Add(time.Minute), testNow.Add(time.Minute), 100); err != nil {
			t.Fatal(err)
		}
		r := ts.request("PATCH", "/api/v1/posts/"+q.ID, map[string]any{"text": "otro"})
		if r.status != http.StatusConflict {
			t.Fatalf("got %d %s, want 409", r.status, r.body)
		}
		got, err := ts.db.Post(context.Background(), q.ID)
		if err != nil || got.Text != "ya sale" {
			t.Errorf("text changed anyway: %v %q", err, got.Text)
		}
	})
	t.Run("unknown post", func(t *testing.T) {
		if r := ts.request("PATCH", "/api/v1/posts/p_nope", map[string]any{"text": "x"}); r.status != http.StatusNotFound {
			t.Fatalf("got %d, want 404", r.status)
		}
	})
}

// An edit drops what earlier attempts prepared on the networks; the API
// asks for it to be removed.
func TestPatchPostCleansUpWhatEarlierAttemptsLeft(t *testing.T) {
	ts := newTestServer(t)
	p := ts.createPost(map[string]any{"text": "Obras en Urabá", "targets": []string{"x-gob", "x-salud"},
		"scheduled_at": testNow.Add(2 * time.Hour).Format(time.RFC3339)})
	d := p.Deliveries[0]
	if _, err := ts.db.UpdateDelivery(context.Background(), d.ID, func(x *pregonero.Delivery) error {
		x.Checkpoint = map[string]string{"fb_photo_x": "123"} // left by an earlier, failed attempt
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r := ts.request("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"text": "Obras en Urabá y el Bajo Cauca"}); r.status != http.StatusOK {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	ts.ctl.mu.Lock()
	defer ts.ctl.mu.Unlock()
	if len(ts.ctl.cleanups) != 1 || ts.ctl.cleanups[0] != d.ID {
		t.Errorf("cleanups %v, want %s only", ts.ctl.cleanups, d.ID)
	}
}

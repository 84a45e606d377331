package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/web"
)

func TestCreatePost(t *testing.T) {
	t.Run("stores the post durably and answers 201", func(t *testing.T) {
		ts := newTestServer(t)
		ts.mustCampaign("salud-2026")
		img := ts.putMedia(jpegBytes(t, 40, 30, 1), "a.jpg")
		r := ts.request("POST", "/api/v1/posts", map[string]any{
			"text":         "Vacunación gratuita este sábado",
			"link":         "https://antioquia.gov.co/vacunas",
			"media":        []string{img.ID},
			"targets":      []string{"x-gob", "fb-gob"},
			"overrides":    map[string]any{"x-gob": map[string]any{"text": "Vacunación gratis el sábado"}},
			"scheduled_at": "2026-11-28T09:00",
			"campaign":     "salud-2026",
			"author":       "ana",
			"unit":         "salud",
		})
		if r.status != http.StatusCreated {
			t.Fatalf("got %d %s, want 201", r.status, r.body)
		}
		var p postView
		r.decode(t, &p)
		if got, want := r.header.Get("Location"), "/api/v1/posts/"+p.ID; got != want {
			t.Errorf("got Location %q, want %q", got, want)
		}
		wantAt := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC) // 09:00 in Bogota
		if !p.ScheduledAt.Equal(wantAt) || p.ScheduledAt.Location() != time.UTC {
			t.Errorf("got scheduled_at %v, want %v in UTC", p.ScheduledAt, wantAt)
		}
		if got, want := p.ScheduledAtLocal, "2026-11-28T09:00:00-05:00"; got != want {
			t.Errorf("got scheduled_at_local %q, want %q", got, want)
		}
		if !strings.HasPrefix(p.ID, "p_") || p.Status != pregonero.PostScheduled || p.Campaign != "salud-2026" || p.Author != "ana" || p.Unit != "salud" {
			t.Errorf("got post %+v", p.Post)
		}
		if got := p.Overrides["x-gob"].Text; got == nil || *got != "Vacunación gratis el sábado" {
			t.Errorf("got override %v, want the x-gob text", got)
		}
		if len(p.Deliveries) != 2 {
			t.Fatalf("got %d deliveries, want 2", len(p.Deliveries))
		}
		for i, want := range []struct {
			account string
			network pregonero.Network
		}{{"x-gob", pregonero.NetworkX}, {"fb-gob", pregonero.NetworkFacebook}} {
			d := p.Deliveries[i]
			if d.AccountID != want.account || d.Network != want.network || d.State != pregonero.DeliveryQueued ||
				!d.NextAttemptAt.Equal(wantAt) || !d.ScheduledAt.Equal(wantAt) || d.PostID != p.ID || !strings.HasPrefix(d.ID, "d_") {
				t.Errorf("got delivery %+v, want queued to %s on %s at %v", d, want.account, want.network, wantAt)
			}
		}
		if got := ts.ctl.notifications(); len(got) != 1 || !got[0].Equal(wantAt) {
			t.Errorf("got notifications %v, want one at %v", got, wantAt)
		}

		// Durable: a fresh store on the same file has it.
		ts.srv.Close()
		if err := ts.db.Close(); err != nil {
			t.Fatal(err)
		}
		db := mustOpenStore(t, ts.dbPath, ts.clock)
		defer db.Close()
		stored, err := db.Post(context.Background(), p.ID)
		if err != nil {
			t.Fatalf("reopened store: %v", err)
		}
		if stored.Text != p.Text || len(stored.Deliveries) != 2 || !stored.ScheduledAt.Equal(wantAt) || len(stored.Media) != 1 {
			t.Errorf("got stored post %+v, want the created one", stored)
		}
	})

	tests := []struct {
		name        string
		body        map[string]any
		wantAt      time.Time
		wantAtLocal string
	}{
		{"absent scheduled_at means now", map[string]any{"text": "ya", "targets": []string{"x-gob"}}, testNow, "2026-11-20T15:00:00-05:00"},
		{"rfc 3339 with offset keeps its instant", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2026-12-01T10:30:00+01:00"},
			time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC), "2026-12-01T04:30:00-05:00"},
		{"space separated local time", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2026-12-01 08:15"},
			time.Date(2026, 12, 1, 13, 15, 0, 0, time.UTC), "2026-12-01T08:15:00-05:00"},
		{"local time with seconds", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2026-12-01T08:15:30"},
			time.Date(2026, 12, 1, 13, 15, 30, 0, time.UTC), "2026-12-01T08:15:30-05:00"},
		{"timezone field overrides the zone", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2026-12-01T09:00", "timezone": "Europe/Madrid"},
			time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), "2026-12-01T03:00:00-05:00"},
		{"a minute in the past is within the grace", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": testNow.Add(-time.Minute).Format(time.RFC3339)},
			testNow.Add(-time.Minute), "2026-11-20T14:59:00-05:00"},
		{"media alone is enough", map[string]any{"targets": []string{"fb-gob"}, "media": "IMG"}, testNow, "2026-11-20T15:00:00-05:00"},
		{"override texts for every target are enough", map[string]any{"targets": []string{"x-gob"}, "overrides": map[string]any{"x-gob": map[string]any{"text": "solo X"}}},
			testNow, "2026-11-20T15:00:00-05:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			if tt.body["media"] == "IMG" {
				tt.body["media"] = []string{ts.putMedia(pngBytes(t, 5, 5, 1), "p.png").ID}
			}
			p := ts.createPost(tt.body)
			if !p.ScheduledAt.Equal(tt.wantAt) {
				t.Errorf("got scheduled_at %v, want %v", p.ScheduledAt, tt.wantAt)
			}
			if p.ScheduledAtLocal != tt.wantAtLocal {
				t.Errorf("got scheduled_at_local %q, want %q", p.ScheduledAtLocal, tt.wantAtLocal)
			}
		})
	}
}

func TestCreatePostRefused(t *testing.T) {
	ts := newTestServer(t)
	var images []string
	for i := range 5 {
		images = append(images, ts.putMedia(pngBytes(t, 8, 8, uint8(i)), "i.png").ID)
	}
	jpg := ts.putMedia(jpegBytes(t, 8, 8, 9), "j.jpg").ID

	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantCode   string
		// the field error that must be among the answer's
		target, field, fieldCode string
	}{
		{"unknown account is unknown", map[string]any{"text": "a", "targets": []string{"x-gob", "nope"}},
			422, "invalid", "nope", "targets", "unknown"},
		{"past time is in_past", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2026-11-20T09:00"},
			422, "invalid", "", "scheduled_at", "in_past"},
		{"more than two years ahead is invalid", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2029-01-01T09:00"},
			422, "invalid", "", "scheduled_at", "invalid"},
		{"unparseable time is invalid", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "next friday"},
			422, "invalid", "", "scheduled_at", "invalid"},
		{"empty text without media is required", map[string]any{"text": "  ", "targets": []string{"x-gob"}},
			422, "invalid", "", "text", "required"},
		{"five images to X are too many", map[string]any{"text": "a", "targets": []string{"x-gob"}, "media": images},
			422, "invalid", "x-gob", "media", "too_many"},
		{"png to instagram is unsupported", map[string]any{"text": "a", "targets": []string{"ig-gob"}, "media": []string{images[0]}},
			422, "invalid", "ig-gob", "media[0]", "unsupported"},
		{"network without adapter is unsupported", map[string]any{"text": "a", "targets": []string{"yt-gob"}},
			422, "invalid", "yt-gob", "targets", "unsupported"},
		{"unknown media is unknown", map[string]any{"text": "a", "targets": []string{"x-gob"}, "media": []string{jpg, "m_missing"}},
			422, "invalid", "", "media", "unknown"},
		{"duplicate media is duplicate", map[string]any{"text": "a", "targets": []string{"x-gob"}, "media": []string{jpg, jpg}},
			422, "invalid", "", "media", "duplicate"},
		{"no targets is required", map[string]any{"text": "a"},
			422, "invalid", "", "targets", "required"},
		{"duplicate target is duplicate", map[string]any{"text": "a", "targets": []string{"x-gob", "x-gob"}},
			422, "invalid", "x-gob", "targets", "duplicate"},
		{"override for a non-target is unknown", map[string]any{"text": "a", "targets": []string{"x-gob"}, "overrides": map[string]any{"fb-gob": map[string]any{"text": "b"}}},
			422, "invalid", "fb-gob", "overrides", "unknown"},
		{"text over 100000 bytes is too long", map[string]any{"text": strings.Repeat("a", 100_001), "targets": []string{"fb-gob"}},
			422, "invalid", "", "text", "too_long"},
		{"long text for X is too long for that target", map[string]any{"text": strings.Repeat("a", 281), "targets": []string{"fb-gob", "x-gob"}},
			422, "invalid", "x-gob", "text", "too_long"},
		{"unknown format is invalid", map[string]any{"text": "a", "targets": []string{"x-gob"}, "overrides": map[string]any{"x-gob": map[string]any{"format": "carrusel"}}},
			422, "invalid", "x-gob", "overrides.format", "invalid"},
		{"relative link is invalid", map[string]any{"text": "a", "targets": []string{"x-gob"}, "link": "/vacunas"},
			422, "invalid", "", "link", "invalid"},
		{"invalid zone is invalid", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2026-12-01T09:00", "timezone": "Mars/Olympus"},
			422, "invalid", "", "timezone", "invalid"},
		{"Local zone is invalid", map[string]any{"text": "a", "targets": []string{"x-gob"}, "timezone": "Local"},
			422, "invalid", "", "timezone", "invalid"},
		{"unknown field is unknown", `{"text":"a","targets":["x-gob"],"colour":"red"}`,
			422, "invalid", "", "colour", "unknown"},
		{"unknown field in an override is unknown", `{"text":"a","targets":["x-gob"],"overrides":{"x-gob":{"txt":"b"}}}`,
			422, "invalid", "", "txt", "unknown"},
		{"wrong type names the field", `{"text":"a","targets":"x-gob"}`,
			422, "invalid", "", "targets", "invalid"},
		{"wrong type inside an override names the field path", `{"text":"a","targets":["x-gob"],"overrides":{"x-gob":{"tags":"b"}}}`,
			422, "invalid", "", "overrides.tags", "invalid"},
		{"malformed JSON is a 400 invalid", `{"text":"a",`,
			400, "invalid", "", "body", "invalid"},
		{"not JSON at all is a 400 invalid", `text=hello`,
			400, "invalid", "", "body", "invalid"},
		{"empty body is a 400 invalid", ``,
			400, "invalid", "", "body", "required"},
		{"trailing garbage is invalid", `{"text":"a","targets":["x-gob"]} xyz`,
			400, "invalid", "", "body", "invalid"},
		{"two JSON values are invalid", `{"text":"a","targets":["x-gob"]}{}`,
			400, "invalid", "", "body", "invalid"},
		{"an array body is invalid", `["a"]`,
			422, "invalid", "", "body", "invalid"},
		{"oversize body is too_large", `{"text":"` + strings.Repeat("a", 1<<20) + `","targets":["x-gob"]}`,
			413, "too_large", "", "body", "too_large"},
		{"invalid idempotency key is invalid", map[string]any{"text": "a", "targets": []string{"x-gob"}, "key": strings.Repeat("k", 300)},
			422, "invalid", "", "Idempotency-Key", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if m, ok := tt.body.(map[string]any); ok && m["key"] != nil {
				header = []string{"Idempotency-Key", m["key"].(string)}
				delete(m, "key")
			}
			r := ts.request("POST", "/api/v1/posts", tt.body, header...)
			if r.status != tt.wantStatus {
				t.Fatalf("got status %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			e := r.apiError(t)
			if e.Code != tt.wantCode {
				t.Errorf("got code %q, want %q", e.Code, tt.wantCode)
			}
			if !hasField(e, tt.target, tt.field, tt.fieldCode) {
				t.Errorf("got fields %+v, want target %q field %q code %q", e.Fields, tt.target, tt.field, tt.fieldCode)
			}
		})
	}

	t.Run("in_past names the actual time and the limit", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/posts", map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2026-11-20T14:00:00Z"})
		e := r.apiError(t)
		if len(e.Fields) != 1 {
			t.Fatalf("got fields %+v, want one", e.Fields)
		}
		f := e.Fields[0]
		if f.Actual != "2026-11-20T14:00:00Z" || f.Limit != "2026-11-20T19:58:00Z" {
			t.Errorf("got actual %v limit %v, want 2026-11-20T14:00:00Z and 2026-11-20T19:58:00Z", f.Actual, f.Limit)
		}
	})

	t.Run("every error is reported at once", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/posts", map[string]any{
			"targets":      []string{"nope", "x-gob", "yt-gob"},
			"media":        append(images, "m_missing"),
			"scheduled_at": "2020-01-01T00:00:00Z",
			"link":         "ftp://example.com",
		})
		if r.status != 422 {
			t.Fatalf("got %d %s, want 422", r.status, r.body)
		}
		e := r.apiError(t)
		for _, want := range [][3]string{
			{"", "scheduled_at", "in_past"}, {"", "media", "unknown"}, {"", "link", "invalid"},
			{"nope", "targets", "unknown"}, {"x-gob", "media", "too_many"}, {"yt-gob", "targets", "unsupported"},
		} {
			if !hasField(e, want[0], want[1], want[2]) {
				t.Errorf("missing field error %v in %+v", want, e.Fields)
			}
		}
	})

	t.Run("nothing is stored or notified after refusals", func(t *testing.T) {
		page, err := ts.db.Posts(context.Background(), pregonero.PostFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Posts) != 0 {
			t.Errorf("got %d stored posts, want 0", len(page.Posts))
		}
		if n := len(ts.ctl.notifications()); n != 0 {
			t.Errorf("got %d notifications, want 0", n)
		}
	})
}

func TestCreatePostIdempotency(t *testing.T) {
	body := `{"text":"Hola","targets":["x-gob"],"scheduled_at":"2026-11-28T09:00"}`

	t.Run("replay returns the same post with 200", func(t *testing.T) {
		ts := newTestServer(t)
		first := ts.request("POST", "/api/v1/posts", body, "Idempotency-Key", "key-1")
		if first.status != http.StatusCreated {
			t.Fatalf("got %d %s, want 201", first.status, first.body)
		}
		// The same request with other spacing and key order.
		again := ts.request("POST", "/api/v1/posts", `{ "targets": ["x-gob"], "scheduled_at": "2026-11-28T09:00", "text": "Hola" }`, "Idempotency-Key", "key-1")
		if again.status != http.StatusOK {
			t.Fatalf("got %d %s, want 200", again.status, again.body)
		}
		var a, b postView
		first.decode(t, &a)
		again.decode(t, &b)
		if a.ID != b.ID || len(b.Deliveries) != 1 || a.Deliveries[0].ID != b.Deliveries[0].ID {
			t.Errorf("got posts %s and %s, want the same", a.ID, b.ID)
		}
		if got := again.header.Get("Location"); got != "/api/v1/posts/"+a.ID {
			t.Errorf("got Location %q", got)
		}
		page, _ := ts.db.Posts(context.Background(), pregonero.PostFilter{})
		if len(page.Posts) != 1 {
			t.Errorf("got %d stored posts, want 1", len(page.Posts))
		}
		if n := len(ts.ctl.notifications()); n != 1 {
			t.Errorf("got %d notifications, want 1", n)
		}
	})

	t.Run("same key with another body is a conflict", func(t *testing.T) {
		ts := newTestServer(t)
		ts.createPost(body, "Idempotency-Key", "key-2")
		r := ts.request("POST", "/api/v1/posts", `{"text":"Adiós","targets":["x-gob"]}`, "Idempotency-Key", "key-2")
		if r.status != http.StatusConflict || r.apiError(t).Code != pregonero.ECONFLICT {
			t.Fatalf("got %d %s, want 409 conflict", r.status, r.body)
		}
	})

	t.Run("other keys create other posts", func(t *testing.T) {
		ts := newTestServer(t)
		a := ts.createPost(body, "Idempotency-Key", "key-a")
		b := ts.createPost(body, "Idempotency-Key", "key-b")
		if a.ID == b.ID {
			t.Errorf("got the same post %s for two keys", a.ID)
		}
	})

	t.Run("concurrent retries create one post", func(t *testing.T) {
		ts := newTestServer(t)
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		ids := make([]string, 8)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := ts.request("POST", "/api/v1/posts", body, "Idempotency-Key", "key-race")
				statuses[i] = r.status
				var p postView
				if json.Unmarshal(r.body, &p) == nil {
					ids[i] = p.ID
				}
			}()
		}
		wg.Wait()
		created := 0
		for i, st := range statuses {
			if st == http.StatusCreated {
				created++
			} else if st != http.StatusOK {
				t.Errorf("got status %d, want 200 or 201", st)
			}
			if ids[i] != ids[0] {
				t.Errorf("got ids %v, want one", ids)
			}
		}
		if created != 1 {
			t.Errorf("got %d creations, want 1", created)
		}
		page, _ := ts.db.Posts(context.Background(), pregonero.PostFilter{})
		if len(page.Posts) != 1 {
			t.Errorf("got %d stored posts, want 1", len(page.Posts))
		}
	})

	t.Run("a key expires after 24 hours", func(t *testing.T) {
		ts := newTestServer(t)
		a := ts.createPost(body, "Idempotency-Key", "key-old")
		ts.clock.Add(25 * time.Hour)
		b := ts.createPost(`{"text":"Hola","targets":["x-gob"]}`, "Idempotency-Key", "key-old")
		if a.ID == b.ID {
			t.Errorf("got the same post %s after the key expired", a.ID)
		}
	})

	t.Run("a key recorded before a crash creates the promised post", func(t *testing.T) {
		ts := newTestServer(t)
		req := web.PostRequest{Text: "Hola", Targets: []string{"x-gob"}, ScheduledAt: "2026-11-28T09:00"}
		b, _ := json.Marshal(req)
		sum := sha256.Sum256(b)
		rec, _ := json.Marshal(map[string]any{"post_id": "p_promised", "body_sha256": hex.EncodeToString(sum[:]), "created_at": testNow})
		if err := ts.db.PutSetting(context.Background(), "idem:key-crash", rec); err != nil {
			t.Fatal(err)
		}
		p := ts.createPost(body, "Idempotency-Key", "key-crash")
		if p.ID != "p_promised" {
			t.Errorf("got post %s, want p_promised", p.ID)
		}
	})

	t.Run("a refused request does not use up the key", func(t *testing.T) {
		ts := newTestServer(t)
		r := ts.request("POST", "/api/v1/posts", `{"text":"","targets":["x-gob"]}`, "Idempotency-Key", "key-fix")
		if r.status != 422 {
			t.Fatalf("got %d, want 422", r.status)
		}
		ts.createPost(body, "Idempotency-Key", "key-fix")
	})
}

func TestGetAndCancelPost(t *testing.T) {
	ts := newTestServer(t)
	p := ts.createPost(map[string]any{"text": "a", "targets": []string{"x-gob", "fb-gob"}, "scheduled_at": "2026-12-01T09:00"})

	t.Run("get returns the post", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/posts/"+p.ID, nil)
		if r.status != 200 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		var got postView
		r.decode(t, &got)
		if got.ID != p.ID || len(got.Deliveries) != 2 || got.ScheduledAtLocal != "2026-12-01T09:00:00-05:00" {
			t.Errorf("got %+v", got)
		}
	})

	t.Run("unknown post is not_found", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/posts/p_nope", nil)
		if r.status != 404 || r.apiError(t).Code != pregonero.ENOTFOUND {
			t.Errorf("got %d %s, want 404 not_found", r.status, r.body)
		}
	})

	t.Run("cancel cancels every delivery", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/posts/"+p.ID+"/cancel", nil)
		if r.status != 200 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		var got postView
		r.decode(t, &got)
		if got.Status != pregonero.PostCanceled {
			t.Errorf("got status %s, want canceled", got.Status)
		}
		for _, d := range got.Deliveries {
			if d.State != pregonero.DeliveryCanceled {
				t.Errorf("got delivery state %s, want canceled", d.State)
			}
		}
		stored, _ := ts.db.Post(context.Background(), p.ID)
		if stored.Status != pregonero.PostCanceled {
			t.Errorf("got stored status %s, want canceled", stored.Status)
		}
	})

	t.Run("canceling again is a conflict", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/posts/"+p.ID+"/cancel", nil)
		if r.status != 409 || r.apiError(t).Code != pregonero.ECONFLICT {
			t.Errorf("got %d %s, want 409 conflict", r.status, r.body)
		}
	})

	t.Run("canceling an unknown post is not_found", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/posts/p_nope/cancel", nil)
		if r.status != 404 {
			t.Errorf("got %d %s, want 404", r.status, r.body)
		}
	})
}

func TestListPosts(t *testing.T) {
	ts := newTestServer(t)
	ts.mustCampaign("vacunas", "vias")
	type spec struct {
		day      int
		targets  []string
		campaign string
	}
	specs := []spec{
		{1, []string{"x-gob"}, "vacunas"},
		{2, []string{"fb-gob"}, "vacunas"},
		{3, []string{"x-gob", "fb-gob"}, ""},
		{4, []string{"x-salud"}, "vacunas"},
		{5, []string{"x-gob"}, "vias"},
		{6, []string{"fb-gob"}, "vias"},
		{7, []string{"x-gob"}, "vacunas"},
	}
	ids := map[int]string{}
	// Created out of order: listing is by scheduled time.
	for _, i := range []int{6, 2, 0, 4, 1, 5, 3} {
		s := specs[i]
		p := ts.createPost(map[string]any{"text": fmt.Sprint("post ", s.day), "targets": s.targets, "campaign": s.campaign,
			"scheduled_at": fmt.Sprintf("2026-12-%02dT09:00", s.day)})
		ids[s.day] = p.ID
	}
	r := ts.request("POST", "/api/v1/posts/"+ids[5]+"/cancel", nil)
	if r.status != 200 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}

	list := func(t *testing.T, q url.Values) (days []int, next string) {
		t.Helper()
		r := ts.request("GET", "/api/v1/posts?"+q.Encode(), nil)
		if r.status != 200 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		var page struct {
			Posts []postView `json:"posts"`
			Next  string     `json:"next_cursor"`
		}
		r.decode(t, &page)
		for _, p := range page.Posts {
			for d, id := range ids {
				if id == p.ID {
					days = append(days, d)
				}
			}
			if p.ScheduledAtLocal == "" {
				t.Errorf("post %s has no scheduled_at_local", p.ID)
			}
		}
		return days, page.Next
	}

	tests := []struct {
		name  string
		query url.Values
		want  []int
	}{
		{"no filter lists all by time", url.Values{}, []int{1, 2, 3, 4, 5, 6, 7}},
		{"account filter", url.Values{"account": {"x-gob"}}, []int{1, 3, 5, 7}},
		{"campaign filter", url.Values{"campaign": {"vacunas"}}, []int{1, 2, 4, 7}},
		{"status filter", url.Values{"status": {"canceled"}}, []int{5}},
		{"from and to in local time", url.Values{"from": {"2026-12-03T09:00"}, "to": {"2026-12-05 09:00"}}, []int{3, 4}},
		{"from and to in rfc 3339", url.Values{"from": {"2026-12-06T14:00:00Z"}}, []int{6, 7}},
		{"filters combine", url.Values{"account": {"x-gob"}, "campaign": {"vacunas"}, "status": {"scheduled"}}, []int{1, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := list(t, tt.query)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got days %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("cursor pages through everything once", func(t *testing.T) {
		var all []int
		q := url.Values{"limit": {"3"}}
		pages := 0
		for {
			days, next := list(t, q)
			pages++
			if len(days) > 3 {
				t.Fatalf("got %d posts on a page of 3", len(days))
			}
			all = append(all, days...)
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("cursor never ends")
			}
			q.Set("cursor", next)
		}
		if fmt.Sprint(all) != fmt.Sprint([]int{1, 2, 3, 4, 5, 6, 7}) || pages != 3 {
			t.Errorf("got days %v over %d pages, want 1..7 over 3", all, pages)
		}
	})

	refused := []struct {
		name, query, field string
	}{
		{"unknown status names allowed values", "status=pending", "status"},
		{"limit zero", "limit=0", "limit"},
		{"limit over 500", "limit=501", "limit"},
		{"limit not a number", "limit=ten", "limit"},
		{"from not a time", "from=yesterday", "from"},
		{"to before from", "from=2026-12-05T00:00&to=2026-12-01T00:00", "to"},
		{"unknown parameter", "sort=desc", "sort"},
		{"unknown zone", "timezone=Nowhere/City&from=2026-12-05T00:00", "timezone"},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is invalid", func(t *testing.T) {
			r := ts.request("GET", "/api/v1/posts?"+tt.query, nil)
			if r.status != 422 {
				t.Fatalf("got %d %s, want 422", r.status, r.body)
			}
			e := r.apiError(t)
			found := false
			for _, f := range e.Fields {
				found = found || f.Field == tt.field
			}
			if !found {
				t.Errorf("got fields %+v, want one for %s", e.Fields, tt.field)
			}
			if tt.field == "status" && !strings.Contains(e.Message, "partially_published") {
				t.Errorf("got message %q, want the allowed values", e.Message)
			}
		})
	}
}

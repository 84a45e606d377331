package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"pregonero"
)

func TestMediaEntriesCarryTheirAltText(t *testing.T) {
	ts := newTestServer(t)
	a := ts.putMedia(pngBytes(t, 40, 30, 1), "a.png")
	b := ts.putMedia(pngBytes(t, 40, 30, 2), "b.png")
	body := `{"text":"Puentes","targets":["x-gob"],"media":["` + a.ID + `",{"id":"` + b.ID + `","alt_text":"Puente de noche"}]}`

	t.Run("create takes ids and objects", func(t *testing.T) {
		p := ts.createPost(body)
		if len(p.Media) != 2 || p.Media[0].ID != a.ID || p.Media[1] != (pregonero.PostMedia{ID: b.ID, AltText: "Puente de noche"}) {
			t.Fatalf("media = %+v", p.Media)
		}
		r := ts.request("GET", "/api/v1/posts/"+p.ID, nil)
		if !strings.Contains(string(r.body), `{"id":"`+b.ID+`","alt_text":"Puente de noche"}`) || strings.Contains(string(r.body), `"alt_text":""`) {
			t.Errorf("GET shows %s, want media objects with alt_text only when set", r.body)
		}

		patch := `{"media":[{"id":"` + a.ID + `","alt_text":"Otra"}]}`
		r = ts.request("PATCH", "/api/v1/posts/"+p.ID, patch)
		if r.status != 200 {
			t.Fatalf("PATCH got %d %s", r.status, r.body)
		}
		var got postView
		r.decode(t, &got)
		if len(got.Media) != 1 || got.Media[0].AltText != "Otra" {
			t.Errorf("after PATCH media = %+v", got.Media)
		}
		if m, _ := ts.db.Media(context.Background(), a.ID); m.AltText != "" {
			t.Errorf("the file's alt text became %q", m.AltText)
		}
	})

	t.Run("validate takes ids and objects", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/validate", body)
		if r.status != 200 || !strings.Contains(string(r.body), `"valid":true`) {
			t.Errorf("got %d %s", r.status, r.body)
		}
		bad := strings.Replace(body, "Puente de noche", `Puente\u001b`, 1)
		r = ts.request("POST", "/api/v1/validate", bad)
		if r.status != 200 || !strings.Contains(string(r.body), `"field":"media[1].alt_text"`) {
			t.Errorf("got %d %s, want an error on media[1].alt_text", r.status, r.body)
		}
	})

	for name, tc := range map[string]struct{ media, field string }{
		"an unknown member":     {`[{"id":"` + a.ID + `","alt":"x"}]`, "alt"},
		"a near name":           {`[{"id":"` + a.ID + `","altText":"x"}]`, "media.altText"},
		"a member given twice":  {`[{"id":"` + a.ID + `","alt_text":"x","alt_text":"y"}]`, "media.alt_text"},
		"a number for an entry": {`[1]`, "media"},
		"alt text far too long": {`[{"id":"` + a.ID + `","alt_text":"` + strings.Repeat("a", 1001) + `"}]`, "media[0].alt_text"},
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			r := ts.request("POST", "/api/v1/posts", `{"text":"hola","targets":["x-gob"],"media":`+tc.media+`}`)
			e := r.apiError(t)
			found := false
			for _, f := range e.Fields {
				found = found || f.Field == tc.field
			}
			if r.status != http.StatusUnprocessableEntity || !found {
				t.Errorf("got %d %s, want 422 on field %s", r.status, r.body, tc.field)
			}
		})
	}
}

func TestDraftsOverTheAPI(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	r := ts.request("POST", "/api/v1/posts", `{"draft":true,"text":"Borrador"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create draft: %d %s", r.status, r.body)
	}
	var d postView
	r.decode(t, &d)
	if d.Status != pregonero.PostDraft || len(d.Deliveries) != 0 || strings.Contains(string(r.body), `"scheduled_at"`) {
		t.Errorf("draft = %s, want status draft, no deliveries and no time", r.body)
	}

	r = ts.request("GET", "/api/v1/posts?status=draft", nil)
	if r.status != 200 || !strings.Contains(string(r.body), d.ID) {
		t.Errorf("status=draft lists %s", r.body)
	}

	r = ts.request("PATCH", "/api/v1/posts/"+d.ID, `{"targets":["x-gob"],"scheduled_at":"2026-11-21T09:00"}`)
	if r.status != 200 {
		t.Fatalf("PATCH draft: %d %s", r.status, r.body)
	}

	c := ts.client()
	p, err := c.SchedulePost(ctx, d.ID, "", "")
	if err != nil {
		t.Fatalf("SchedulePost: %v", err)
	}
	if p.Status != pregonero.PostScheduled || len(p.Deliveries) != 1 || p.ScheduledAt.Format("2006-01-02T15:04Z07:00") != "2026-11-21T14:00Z" {
		t.Errorf("scheduled = %s at %v with %d deliveries", p.Status, p.ScheduledAt, len(p.Deliveries))
	}
	_, err = c.SchedulePost(ctx, d.ID, "", "")
	if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("scheduling again: %v, want conflict", err)
	}
	r = ts.request("POST", "/api/v1/posts/"+d.ID+"/schedule", nil)
	if r.status != http.StatusConflict || !strings.Contains(r.apiError(t).Message, "not a draft") {
		t.Errorf("scheduling again over HTTP: %d %s", r.status, r.body)
	}

	// With a time in the body.
	e := ts.createPost(`{"draft":true,"text":"Otro","targets":["x-gob"]}`)
	r = ts.request("POST", "/api/v1/posts/"+e.ID+"/schedule", `{"scheduled_at":"2026-11-22 10:00","timezone":"America/Bogota"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"scheduled_at":"2026-11-22T15:00:00Z"`) {
		t.Errorf("schedule with a time: %d %s", r.status, r.body)
	}

	// Canceling a draft, and canceling twice.
	f := ts.createPost(`{"draft":true}`)
	if got, err := c.CancelPost(ctx, f.ID); err != nil || got.Status != pregonero.PostCanceled {
		t.Errorf("cancel draft = %v, %v", got, err)
	}
	r = ts.request("POST", "/api/v1/posts/"+f.ID+"/cancel", nil)
	if r.status != http.StatusConflict || !strings.Contains(r.apiError(t).Message, "already canceled") {
		t.Errorf("second cancel: %d %s, want 409 saying it is already canceled", r.status, r.body)
	}
}

func TestAPausedServerWarnsOnCreate(t *testing.T) {
	ts := newTestServer(t)
	if r := ts.request("POST", "/api/v1/pause", `{"reason":"Ley de garantías"}`); r.status != 200 && r.status != 204 {
		t.Fatalf("pause: %d %s", r.status, r.body)
	}
	p := ts.createPost(`{"text":"hola","targets":["x-gob"]}`)
	if len(p.Warnings) != 1 || p.Warnings[0].Code != "paused" || !strings.Contains(p.Warnings[0].Message, "Ley de garantías") {
		t.Errorf("warnings = %+v, want the pause", p.Warnings)
	}
	r := ts.request("GET", "/api/v1/posts/"+p.ID, nil)
	if strings.Contains(string(r.body), `"warnings"`) {
		t.Errorf("the warning was stored: %s", r.body)
	}
}

func TestRouteMismatchesAnswerJSON(t *testing.T) {
	ts := newTestServer(t)
	p := ts.createPost(`{"text":"hola","targets":["x-gob"]}`)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"DELETE", "/api/v1/posts/" + p.ID, 405, pregonero.EMETHODNOTALLOWED, "GET, HEAD, PATCH"},
		{"PUT", "/api/v1/posts", 405, pregonero.EMETHODNOTALLOWED, "GET, HEAD, POST"},
		{"GET", "/api/v1/posts/" + p.ID + "/cancel", 405, pregonero.EMETHODNOTALLOWED, "POST"},
		{"GET", "/api/v1/nope", 404, pregonero.ENOTFOUND, ""},
		{"GET", "/nope", 404, pregonero.ENOTFOUND, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := ts.request(tc.method, tc.path, nil)
			if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Fatalf("got %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if e := r.apiError(t); e.Code != tc.code || e.Message == "" {
				t.Errorf("error = %+v, want code %s", e, tc.code)
			}
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestAFormBodySaysJSONIsExpected(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/api/v1/posts", "/api/v1/validate"} {
		r := ts.request("POST", path, "text=hola&targets=x-gob", "Content-Type", "application/x-www-form-urlencoded")
		e := r.apiError(t)
		if r.status != http.StatusUnsupportedMediaType || e.Code != pregonero.EUNSUPPORTEDMEDIA ||
			!strings.Contains(e.Message, "Content-Type: application/json") {
			t.Errorf("%s: got %d %s, want 415 naming Content-Type: application/json", path, r.status, r.body)
		}
	}
	r := ts.request("POST", "/api/v1/posts", `{"text":"hola","targets":["x-gob"]}`, "Content-Type", "application/json; charset=utf-8")
	if r.status != http.StatusCreated {
		t.Errorf("JSON with a charset: %d %s", r.status, r.body)
	}
	r = ts.request("POST", "/api/v1/posts", `{"text":"hola","targets":["x-gob"]}`, "Content-Type", "")
	if r.status != http.StatusCreated {
		t.Errorf("JSON without a Content-Type: %d %s", r.status, r.body)
	}
	p := ts.createPost(`{"draft":true,"text":"b","targets":["x-gob"]}`)
	r = ts.request("POST", "/api/v1/posts/"+p.ID+"/schedule", "", "Content-Type", "application/x-www-form-urlencoded")
	if r.status != 200 {
		t.Errorf("an empty form body where no body is needed: %d %s", r.status, r.body)
	}
}

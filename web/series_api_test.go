package web_test

import (
	"net/http"
	"strings"
	"testing"

	"pregonero"
	"pregonero/web"
)

func TestSeriesAPI(t *testing.T) {
	ts := newTestServer(t)
	// testNow is Friday 20 November at 15:00 in Bogotá.
	r := ts.request("POST", "/api/v1/series", map[string]any{
		"name": "Boletín", "rule": "FREQ=WEEKLY;BYDAY=MO,WE,FR", "start": "2026-11-23T07:00", "zone": "America/Bogota",
		"text": "Boletín del {fecha}", "targets": []string{"x-gob"},
	})
	wantStatus(t, r, http.StatusCreated)
	var res web.SeriesResult
	r.decode(t, &res)
	id := res.Series.ID
	if !strings.HasPrefix(id, "s_") || res.Change.Created != 6 || r.header.Get("Location") != "/api/v1/series/"+id || res.Series.State != pregonero.SeriesActive {
		t.Fatalf("got %s with Location %q", r.body, r.header.Get("Location"))
	}

	t.Run("list and read", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/series", nil)
		wantStatus(t, r, http.StatusOK)
		var l web.SeriesList
		r.decode(t, &l)
		if len(l.Series) != 1 || l.Series[0].ID != id {
			t.Errorf("list: %s", r.body)
		}
		wantStatus(t, ts.request("GET", "/api/v1/series/"+id, nil), http.StatusOK)
		wantStatus(t, ts.request("GET", "/api/v1/series/s_nada", nil), http.StatusNotFound)
	})

	t.Run("the occurrences show their posts", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/series/"+id+"/occurrences?n=2", nil)
		wantStatus(t, r, http.StatusOK)
		var l web.OccurrenceList
		r.decode(t, &l)
		if len(l.Occurrences) != 2 || l.Occurrences[0].Occurrence != "2026-11-23T07:00" || l.Occurrences[0].PostID == "" || l.Occurrences[0].Status != pregonero.PostScheduled {
			t.Fatalf("occurrences: %s", r.body)
		}
		p := ts.request("GET", "/api/v1/posts/"+l.Occurrences[0].PostID, nil)
		if !strings.Contains(string(p.body), "Boletín del lunes 23 de noviembre de 2026") {
			t.Errorf("post: %s", p.body)
		}
		wantStatus(t, ts.request("GET", "/api/v1/series/"+id+"/occurrences?n=0", nil), http.StatusUnprocessableEntity)
	})

	t.Run("a wrong rule is refused on rule, naming its part", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/series", map[string]any{
			"name": "Otro", "rule": "FREQ=MONTHLY;BYDAY=9TU", "start": "2026-11-23T07:00", "text": "x", "targets": []string{"x-gob"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		e := r.apiError(t)
		if len(e.Fields) == 0 || e.Fields[0].Field != "rule" || !strings.Contains(e.Fields[0].Message, "BYDAY") {
			t.Errorf("got %s", r.body)
		}
	})

	t.Run("the preview gives a gap's moved time and says so", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/series/preview?n=2", map[string]any{"rule": "FREQ=DAILY", "start": "2027-03-13T02:30", "zone": "America/New_York"})
		wantStatus(t, r, http.StatusOK)
		var l web.OccurrenceList
		r.decode(t, &l)
		if len(l.Occurrences) != 2 || !l.Occurrences[1].Moved || l.Occurrences[1].Note == "" {
			t.Errorf("got %s", r.body)
		}
	})

	t.Run("edit, skip and end", func(t *testing.T) {
		r := ts.request("PATCH", "/api/v1/series/"+id, map[string]any{"text": "Noticias del {fecha}"})
		wantStatus(t, r, http.StatusOK)
		var res web.SeriesResult
		r.decode(t, &res)
		if res.Change.Updated != 6 {
			t.Errorf("patch: %s", r.body)
		}
		r = ts.request("PATCH", "/api/v1/series/"+id+"/occurrences/2026-11-25T07:00", map[string]any{"text": "Especial"})
		wantStatus(t, r, http.StatusOK)
		r = ts.request("POST", "/api/v1/series/"+id+"/occurrences/2026-11-27T07:00/skip", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"exceptions":["2026-11-27T07:00"]`) || !strings.Contains(string(r.body), `"detached":["2026-11-25T07:00"]`) {
			t.Errorf("skip: %s", r.body)
		}
		wantStatus(t, ts.request("POST", "/api/v1/series/"+id+"/occurrences/2026-11-28T07:00/skip", nil), http.StatusNotFound)
		r = ts.request("POST", "/api/v1/series/"+id+"/state", map[string]any{"state": "ended"})
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &res)
		// Six made, one skipped (canceled already): five canceled now.
		if res.Series.State != pregonero.SeriesEnded || res.Change.Canceled != 5 {
			t.Errorf("end: %s", r.body)
		}
		wantStatus(t, ts.request("PATCH", "/api/v1/series/"+id, map[string]any{"text": "x"}), http.StatusConflict)
	})
}

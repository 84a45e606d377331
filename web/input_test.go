package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// Input the JSON decoder or the time parser would change without a word
// is refused with 422 naming the field, and nothing is stored.
func TestCreatePostRefusesInputItWouldChange(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name                     string
		body                     string
		target, field, fieldCode string
	}{
		{"invalid UTF-8 in the text", "{\"text\":\"Vacunaci\xf3n\",\"targets\":[\"x-gob\"]}",
			"", "text", "invalid"},
		{"invalid UTF-8 in an override text names the target", "{\"text\":\"a\",\"targets\":[\"x-gob\"],\"overrides\":{\"x-gob\":{\"text\":\"b\xff\"}}}",
			"x-gob", "overrides.text", "invalid"},
		{"invalid UTF-8 in a tag", "{\"text\":\"a\",\"targets\":[\"x-gob\"],\"overrides\":{\"x-gob\":{\"tags\":[\"ok\",\"\xc3\"]}}}",
			"x-gob", "overrides.tags", "invalid"},
		{"invalid UTF-8 in the campaign", "{\"text\":\"a\",\"targets\":[\"x-gob\"],\"campaign\":\"salud\xe2\x82\"}",
			"", "campaign", "invalid"},
		{"a lone surrogate escape", `{"text":"a \ud800 b","targets":["x-gob"]}`,
			"", "text", "invalid"},
		{"a second half without its first", `{"text":"a","targets":["x-gob"],"author":"\udc00"}`,
			"", "author", "invalid"},
		{"a key given twice", `{"text":"a","targets":["nonexist"],"targets":["x-gob"]}`,
			"", "targets", "duplicate"},
		{"a key given twice through an escape", `{"text":"a","targets":["x-gob"],"te\u0078t":"b"}`,
			"", "text", "duplicate"},
		{"a key given twice in an override", `{"text":"a","targets":["x-gob"],"overrides":{"x-gob":{"text":"b","text":"c"}}}`,
			"x-gob", "overrides.text", "duplicate"},
		{"an override given twice", `{"text":"a","targets":["x-gob"],"overrides":{"x-gob":{"text":"b"},"x-gob":{"text":"c"}}}`,
			"x-gob", "overrides", "duplicate"},
		{"a field name in capitals", `{"Text":"a","TARGETS":["x-gob"]}`,
			"", "Text", "unknown"},
		{"a field name in another case inside an override", `{"text":"a","targets":["x-gob"],"overrides":{"x-gob":{"Title":"b"}}}`,
			"x-gob", "overrides.Title", "unknown"},
		{"a field name with a Kelvin sign the decoder folds to k", "{\"text\":\"a\",\"targets\":[\"x-gob\"],\"overrides\":{\"x-gob\":{\"tags\":[\"a\"],\"made_for_\u212aids\":true}}}",
			"x-gob", "overrides.made_for_\u212aids", "unknown"},
		{"an escape character in the text", `{"text":"hola \u001b[31m","targets":["x-gob"]}`,
			"", "text", "invalid"},
		{"a NUL in the text", `{"text":"hola\u0000","targets":["x-gob"]}`,
			"", "text", "invalid"},
		{"a lone carriage return in the text", `{"text":"hola\rchao","targets":["x-gob"]}`,
			"", "text", "invalid"},
		{"a C1 control in an override text", `{"text":"a","targets":["x-gob"],"overrides":{"x-gob":{"text":"b\u009b31m"}}}`,
			"x-gob", "overrides.text", "invalid"},
		{"a DEL in the link", `{"text":"a","targets":["x-gob"],"link":"https://antioquia.gov.co/\u007f"}`,
			"", "link", "invalid"},
		{"a tab in the unit", `{"text":"a","targets":["x-gob"],"unit":"salud\tpública"}`,
			"", "unit", "invalid"},
		{"a newline in a title", `{"text":"a","targets":["x-gob"],"overrides":{"x-gob":{"title":"uno\ndos"}}}`,
			"x-gob", "overrides.title", "invalid"},
		{"a local time the clocks skip", `{"text":"a","targets":["x-gob"],"scheduled_at":"2027-03-14T02:30","timezone":"America/New_York"}`,
			"", "scheduled_at", "invalid"},
		{"a local time that happens twice", `{"text":"a","targets":["x-gob"],"scheduled_at":"2027-11-07T01:30","timezone":"America/New_York"}`,
			"", "scheduled_at", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.request("POST", "/api/v1/posts", tt.body)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("got status %d %s, want 422", r.status, r.body)
			}
			e := r.apiError(t)
			if e.Code != "invalid" {
				t.Errorf("got code %q, want invalid", e.Code)
			}
			if !hasField(e, tt.target, tt.field, tt.fieldCode) {
				t.Errorf("got fields %+v, want target %q field %q code %q", e.Fields, tt.target, tt.field, tt.fieldCode)
			}
			for _, f := range e.Fields {
				if f.Message == "" {
					t.Errorf("got field %+v without a message", f)
				}
			}
		})
	}
	var page struct {
		Posts []postView `json:"posts"`
	}
	ts.request("GET", "/api/v1/posts", nil).decode(t, &page)
	if len(page.Posts) != 0 {
		t.Errorf("got %d posts stored, want none", len(page.Posts))
	}
}

func TestCreatePostNamesBothReadingsOfALocalTime(t *testing.T) {
	ts := newTestServer(t)
	for _, tt := range []struct {
		name, at string
		want     []string
	}{
		{"skipped", "2027-03-14T02:30", []string{"2027-03-14T01:59-05:00", "2027-03-14T03:00-04:00"}},
		{"twice", "2027-11-07T01:30", []string{"2027-11-07T01:30-04:00 or 2027-11-07T01:30-05:00"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.request("POST", "/api/v1/posts", map[string]any{"text": "a", "targets": []string{"x-gob"},
				"scheduled_at": tt.at, "timezone": "America/New_York"})
			e := r.apiError(t)
			if len(e.Fields) != 1 {
				t.Fatalf("got fields %+v, want one", e.Fields)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Fields[0].Message, w) {
					t.Errorf("got message %q, want it to name %s", e.Fields[0].Message, w)
				}
			}
		})
	}
	t.Run("an offset picks one", func(t *testing.T) {
		p := ts.createPost(map[string]any{"text": "a", "targets": []string{"x-gob"},
			"scheduled_at": "2027-11-07T01:30-05:00", "timezone": "America/New_York"})
		if got, want := p.ScheduledAt.UTC().Format("2006-01-02T15:04Z07:00"), "2027-11-07T06:30Z"; got != want {
			t.Errorf("got scheduled_at %s, want %s", got, want)
		}
	})
}

// What the rules allow is stored exactly as sent.
func TestCreatePostKeepsLineBreaksAndTabs(t *testing.T) {
	ts := newTestServer(t)
	ts.mustCampaign("salud 2026")
	text := "Vacunación\r\ngratuita\n\tsábado \uFFFD"
	p := ts.createPost(map[string]any{"text": text, "targets": []string{"fb-gob"}, "campaign": "salud 2026"})
	if p.Text != text {
		t.Errorf("got text %q, want %q", p.Text, text)
	}
}

// Every JSON body the API decodes refuses duplicate and miscased keys.
func TestEveryBodyRefusesDuplicateAndMiscasedKeys(t *testing.T) {
	ts := newTestServer(t)
	for _, tt := range []struct {
		name, method, path, body string
		field, fieldCode         string
	}{
		{"pause reason twice", "POST", "/api/v1/pause", `{"reason":"a","reason":"b"}`, "reason", "duplicate"},
		{"pause reason in capitals", "POST", "/api/v1/pause", `{"REASON":"a"}`, "REASON", "unknown"},
		{"resume account twice", "POST", "/api/v1/resume", `{"account":"x-gob","account":"fb-gob"}`, "account", "duplicate"},
		{"validate network in another case", "POST", "/api/v1/validate", `{"text":"a","Network":"x"}`, "Network", "unknown"},
		{"validate text twice", "POST", "/api/v1/validate", `{"text":"a","network":"x","text":"b"}`, "text", "duplicate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.request(tt.method, tt.path, tt.body)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("got status %d %s, want 422", r.status, r.body)
			}
			if e := r.apiError(t); !hasField(e, "", tt.field, tt.fieldCode) {
				t.Errorf("got fields %+v, want field %q code %q", e.Fields, tt.field, tt.fieldCode)
			}
		})
	}
	if got := ts.ctl.pauseCalls(); len(got) != 0 {
		t.Errorf("got pauses %v, want none", got)
	}
}

func TestEditPostRefusesDuplicateKeys(t *testing.T) {
	ts := newTestServer(t)
	p := ts.createPost(map[string]any{"text": "a", "targets": []string{"x-gob"}, "scheduled_at": "2026-12-01T09:00"})
	r := ts.request("PATCH", "/api/v1/posts/"+p.ID, `{"text":"b","text":"c"}`)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("got status %d %s, want 422", r.status, r.body)
	}
	if e := r.apiError(t); !hasField(e, "", "text", "duplicate") {
		t.Errorf("got fields %+v, want text duplicate", e.Fields)
	}
}

// The listing's time filters refuse a local time the clocks skip, naming
// the instants that exist around it.
func TestListFilterRefusesASkippedLocalTime(t *testing.T) {
	ts := newTestServer(t)
	r := ts.request("GET", "/api/v1/posts?timezone=America/New_York&from=2027-03-14T02:30", nil)
	if r.status != 422 || !strings.Contains(string(r.body), "2027-03-14T03:00-04:00") {
		t.Errorf("got %d %s, want 422 naming 2027-03-14T03:00-04:00", r.status, r.body)
	}
}

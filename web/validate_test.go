package web_test

import (
	"context"
	"strings"
	"testing"

	"pregonero"
	"pregonero/web"
)

func TestValidate(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	ctx := context.Background()

	t.Run("targets each get a result and X its weighted length", func(t *testing.T) {
		res, err := c.Validate(ctx, web.ValidateRequest{PostRequest: web.PostRequest{
			Text: strings.Repeat("á", 281), Targets: []string{"x-gob", "fb-gob"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Valid || len(res.Results) != 2 || len(res.Errors) != 0 {
			t.Fatalf("got %+v, want invalid with two results", res)
		}
		x, fb := res.Results[0], res.Results[1]
		if x.Target != "x-gob" || x.Network != pregonero.NetworkX || x.WeightedLength == nil || *x.WeightedLength != 281 || x.Limit == nil || *x.Limit != 280 {
			t.Errorf("got X result %+v, want weighted length 281 of 280", x)
		}
		if len(x.Errors) != 1 || x.Errors[0].Code != pregonero.FieldTooLong || x.Errors[0].Target != "x-gob" {
			t.Errorf("got X errors %+v, want one too_long", x.Errors)
		}
		if fb.Target != "fb-gob" || fb.Network != pregonero.NetworkFacebook || fb.WeightedLength != nil || len(fb.Errors) != 0 {
			t.Errorf("got Facebook result %+v, want valid without weighted length", fb)
		}
	})

	t.Run("X length counts the link", func(t *testing.T) {
		res, err := c.Validate(ctx, web.ValidateRequest{PostRequest: web.PostRequest{
			Text: "Hola", Link: "https://antioquia.gov.co/una/ruta/larga", Targets: []string{"x-gob"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Valid || *res.Results[0].WeightedLength != 4+2+23 {
			t.Errorf("got %+v, want valid with weighted length 29", res.Results[0])
		}
	})

	t.Run("network alone uses its rules", func(t *testing.T) {
		res, err := c.Validate(ctx, web.ValidateRequest{Network: pregonero.NetworkX, PostRequest: web.PostRequest{Text: "Hola"}})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Valid || len(res.Results) != 1 || res.Results[0].Network != pregonero.NetworkX || *res.Results[0].WeightedLength != 4 {
			t.Errorf("got %+v", res)
		}
	})

	t.Run("network without adapter is reported", func(t *testing.T) {
		res, err := c.Validate(ctx, web.ValidateRequest{Network: pregonero.NetworkYouTube, PostRequest: web.PostRequest{Text: "Hola"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Valid || len(res.Results) != 1 || len(res.Results[0].Errors) != 1 || res.Results[0].Errors[0].Code != pregonero.FieldUnsupported {
			t.Errorf("got %+v", res)
		}
	})

	t.Run("post and target problems are answered with 200", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/validate", map[string]any{"targets": []string{"nope", "x-gob"}, "scheduled_at": "2020-01-01T00:00"})
		if r.status != 200 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		var res web.ValidateResponse
		r.decode(t, &res)
		if res.Valid {
			t.Error("got valid")
		}
		codes := map[string]bool{}
		for _, f := range res.Errors {
			codes[f.Field+":"+f.Code] = true
		}
		if !codes["scheduled_at:in_past"] || !codes["text:required"] {
			t.Errorf("got post errors %+v", res.Errors)
		}
		if res.Results[0].Target != "nope" || len(res.Results[0].Errors) != 1 || res.Results[0].Errors[0].Code != pregonero.FieldUnknown {
			t.Errorf("got %+v, want nope unknown", res.Results[0])
		}
	})

	t.Run("nothing is stored", func(t *testing.T) {
		page, _ := ts.db.Posts(ctx, pregonero.PostFilter{})
		if len(page.Posts) != 0 {
			t.Errorf("got %d posts", len(page.Posts))
		}
	})

	refused := []struct {
		name, body, field string
		status            int
	}{
		{"targets and network together", `{"text":"a","targets":["x-gob"],"network":"x"}`, "network", 422},
		{"unknown network", `{"text":"a","network":"myspace"}`, "network", 422},
		{"neither targets nor network", `{"text":"a"}`, "targets", 422},
		{"malformed JSON", `{"text":`, "body", 400},
		{"unknown field", `{"text":"a","network":"x","extra":1}`, "extra", 422},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			r := ts.request("POST", "/api/v1/validate", tt.body)
			if r.status != tt.status {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tt.status)
			}
			e := r.apiError(t)
			if e.Code != pregonero.EINVALID || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
				t.Errorf("got %+v, want invalid on %s", e, tt.field)
			}
		})
	}
}

package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"pregonero"
	"pregonero/users"
	"pregonero/web"
)

// createCampaign adds a campaign through the API with the server's token.
func (ts *testServer) createCampaign(req any) pregonero.Campaign {
	ts.t.Helper()
	r := ts.request("POST", "/api/v1/campaigns", req)
	if r.status != http.StatusCreated {
		ts.t.Fatalf("create campaign: got %d %s, want 201", r.status, r.body)
	}
	var c pregonero.Campaign
	r.decode(ts.t, &c)
	return c
}

func TestCampaignsAPI(t *testing.T) {
	ts := newTestServer(t)
	r := ts.request("POST", "/api/v1/campaigns", map[string]any{
		"name": "Vías del Nordeste", "description": "Obras viales.", "plan_line": "Línea 3", "unit": "infraestructura",
		"starts_on": "2026-12-01", "ends_on": "2027-03-31", "hashtags": []string{"#VíasDelNordeste"},
	})
	wantStatus(t, r, http.StatusCreated)
	var doc map[string]any
	r.decode(t, &doc)
	for _, key := range []string{"id", "name", "description", "plan_line", "unit", "starts_on", "ends_on", "hashtags", "created_at", "updated_at"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("the answer lacks %q: %s", key, r.body)
		}
	}
	id, _ := doc["id"].(string)
	if !strings.HasPrefix(id, "c_") || doc["starts_on"] != "2026-12-01" || doc["ends_on"] != "2027-03-31" || r.header.Get("Location") != "/api/v1/campaigns/"+id {
		t.Errorf("got %s with Location %q", r.body, r.header.Get("Location"))
	}

	t.Run("a campaign without an end or hashtags shows them empty", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/campaigns", map[string]any{"name": "Navidad", "starts_on": "2026-12-15"})
		wantStatus(t, r, http.StatusCreated)
		if !strings.Contains(string(r.body), `"ends_on":""`) || !strings.Contains(string(r.body), `"hashtags":[]`) {
			t.Errorf("got %s", r.body)
		}
	})

	t.Run("list, read and change", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/campaigns", nil)
		wantStatus(t, r, http.StatusOK)
		var l web.CampaignList
		r.decode(t, &l)
		if len(l.Campaigns) != 2 || l.Campaigns[0].Name != "Navidad" || l.Campaigns[1].ID != id {
			t.Errorf("list: %s", r.body)
		}
		r = ts.request("GET", "/api/v1/campaigns/"+id, nil)
		wantStatus(t, r, http.StatusOK)
		r = ts.request("PATCH", "/api/v1/campaigns/"+id, map[string]any{"ends_on": "", "hashtags": []string{"#Obras", "#Vías"}})
		wantStatus(t, r, http.StatusOK)
		var c pregonero.Campaign
		r.decode(t, &c)
		if !c.EndsOn.IsZero() || len(c.Hashtags) != 2 || c.Name != "Vías del Nordeste" || c.PlanLine != "Línea 3" {
			t.Errorf("after the change: %s", r.body)
		}
		if r := ts.request("GET", "/api/v1/campaigns/c_nada", nil); r.status != http.StatusNotFound {
			t.Errorf("unknown campaign: got %d", r.status)
		}
		if r := ts.request("PATCH", "/api/v1/campaigns/c_nada", map[string]any{"name": "x"}); r.status != http.StatusNotFound {
			t.Errorf("change of an unknown campaign: got %d", r.status)
		}
	})

	t.Run("bad input is 422 with the field", func(t *testing.T) {
		for _, tt := range []struct {
			name, method, path string
			body               any
			field, code        string
		}{
			{"duplicate name", "POST", "/api/v1/campaigns", map[string]any{"name": "VÍAS DEL NORDESTE", "starts_on": "2026-12-01"}, "name", pregonero.FieldDuplicate},
			{"empty name", "POST", "/api/v1/campaigns", map[string]any{"name": "", "starts_on": "2026-12-01"}, "name", pregonero.FieldRequired},
			{"end before start", "POST", "/api/v1/campaigns", map[string]any{"name": "Otra", "starts_on": "2026-12-01", "ends_on": "2026-11-30"}, "ends_on", pregonero.FieldInvalid},
			{"bad date", "POST", "/api/v1/campaigns", map[string]any{"name": "Otra", "starts_on": "1 de diciembre"}, "starts_on", pregonero.FieldInvalid},
			{"bad hashtag", "POST", "/api/v1/campaigns", map[string]any{"name": "Otra", "starts_on": "2026-12-01", "hashtags": []string{"#sin espacios"}}, "hashtags", pregonero.FieldInvalid},
			{"unknown field", "POST", "/api/v1/campaigns", map[string]any{"name": "Otra", "starts_on": "2026-12-01", "dependencia": "x"}, "dependencia", pregonero.FieldUnknown},
			{"a date that is not a string", "POST", "/api/v1/campaigns", map[string]any{"name": "Otra", "starts_on": 20261201}, "starts_on", pregonero.FieldInvalid},
			{"rename to a taken name", "PATCH", "/api/v1/campaigns/" + id, map[string]any{"name": "navidad"}, "name", pregonero.FieldDuplicate},
			{"end before start on a change", "PATCH", "/api/v1/campaigns/" + id, map[string]any{"ends_on": "2026-01-01"}, "ends_on", pregonero.FieldInvalid},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := ts.request(tt.method, tt.path, tt.body)
				wantStatus(t, r, http.StatusUnprocessableEntity)
				if e := r.apiError(t); !hasField(e, "", tt.field, tt.code) {
					t.Errorf("fields %+v, want %s %s", e.Fields, tt.field, tt.code)
				}
			})
		}
	})

	t.Run("a campaign made of an older post's label is named by that label", func(t *testing.T) {
		ts.mustCampaign("salud 2026")
		p := ts.createPost(map[string]any{"text": "Vacunación", "targets": []string{"x-gob"}, "campaign": "salud 2026"})
		if p.Campaign != "salud 2026" {
			t.Errorf("post campaign = %q", p.Campaign)
		}
		r := ts.request("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"text": "Vacunación gratuita"})
		wantStatus(t, r, http.StatusOK)
	})

	t.Run("a post names a campaign by id; an unknown id is 422 on campaign", func(t *testing.T) {
		p := ts.createPost(map[string]any{"text": "Avanzan las obras", "targets": []string{"x-gob"}, "campaign": id})
		if p.Campaign != id {
			t.Errorf("post campaign = %q, want %s", p.Campaign, id)
		}
		r := ts.request("POST", "/api/v1/posts", map[string]any{"text": "Otra", "targets": []string{"x-gob"}, "campaign": "c_nada"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if e := r.apiError(t); !hasField(e, "", "campaign", pregonero.FieldUnknown) {
			t.Errorf("fields %+v, want campaign unknown", e.Fields)
		}
		r = ts.request("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"campaign": "c_nada"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if e := r.apiError(t); !hasField(e, "", "campaign", pregonero.FieldUnknown) {
			t.Errorf("fields %+v, want campaign unknown", e.Fields)
		}
		r = ts.request("GET", "/api/v1/posts?campaign="+id, nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), p.ID) {
			t.Errorf("the campaign's posts lack %s: %s", p.ID, r.body)
		}
	})
}

func TestCampaignsAPIByRole(t *testing.T) {
	var svc *users.Service
	ts := newTestServer(t, withUsersService(&svc))
	_, editor := userWithToken(t, svc, "edu", pregonero.RoleEditor, "salud")
	_, viewer := userWithToken(t, svc, "vera", pregonero.RoleViewer)
	mine := map[string]any{"name": "Salud mental", "unit": "salud", "starts_on": "2026-12-01"}

	r := ts.request("POST", "/api/v1/campaigns", mine, asToken(viewer)...)
	wantStatus(t, r, http.StatusForbidden)
	r = ts.request("POST", "/api/v1/campaigns", map[string]any{"name": "Ajena", "unit": "educación", "starts_on": "2026-12-01"}, asToken(editor)...)
	wantStatus(t, r, http.StatusForbidden)
	r = ts.request("POST", "/api/v1/campaigns", mine, asToken(editor)...)
	wantStatus(t, r, http.StatusCreated)
	var c pregonero.Campaign
	r.decode(t, &c)
	other := ts.createCampaign(map[string]any{"name": "Navidad", "starts_on": "2026-12-15"})
	r = ts.request("PATCH", "/api/v1/campaigns/"+other.ID, map[string]any{"plan_line": "x"}, asToken(editor)...)
	wantStatus(t, r, http.StatusForbidden)
	r = ts.request("GET", "/api/v1/campaigns", nil, asToken(viewer)...)
	wantStatus(t, r, http.StatusOK)
	var l web.CampaignList
	if err := json.Unmarshal(r.body, &l); err != nil || len(l.Campaigns) != 2 {
		t.Errorf("a viewer's list: %s", r.body)
	}
	r = ts.request("PATCH", "/api/v1/campaigns/"+c.ID, map[string]any{"plan_line": "Línea 1"}, asToken(editor)...)
	wantStatus(t, r, http.StatusOK)
}

func TestCampaignsClient(t *testing.T) {
	ts := newTestServer(t)
	cl := ts.client()
	ctx := context.Background()
	c, err := cl.CreateCampaign(ctx, web.CampaignRequest{Name: "Vías del Nordeste", StartsOn: "2026-12-01", Hashtags: []string{"#Vías"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.StartsOn.String() != "2026-12-01" || c.Hashtags[0] != "#Vías" {
		t.Errorf("created %+v", c)
	}
	_, err = cl.CreateCampaign(ctx, web.CampaignRequest{Name: "vías del nordeste", StartsOn: "2026-12-01"})
	if e := asAppError(t, err); e.Code != pregonero.EINVALID || !hasField(e, "", "name", pregonero.FieldDuplicate) {
		t.Errorf("duplicate: %v", err)
	}
	end := "2027-01-31"
	got, err := cl.PatchCampaign(ctx, c.ID, web.CampaignPatch{EndsOn: &end})
	if err != nil || got.EndsOn.String() != end {
		t.Errorf("patch: %+v, %v", got, err)
	}
	one, err := cl.Campaign(ctx, c.ID)
	if err != nil || one.Name != c.Name {
		t.Errorf("get: %+v, %v", one, err)
	}
	list, err := cl.Campaigns(ctx)
	if err != nil || len(list) != 1 {
		t.Errorf("list: %v, %v", list, err)
	}
}

// mustCampaign stores campaigns whose ids are the given labels, as the
// migration of schema 6 makes them of the labels older posts carried, so
// that a test's posts may name them.
func (ts *testServer) mustCampaign(ids ...string) {
	ts.t.Helper()
	for _, id := range ids {
		if err := ts.db.CreateCampaign(context.Background(), &pregonero.Campaign{ID: id, Name: id, CreatedAt: testNow, UpdatedAt: testNow}); err != nil {
			ts.t.Fatalf("create campaign %s: %v", id, err)
		}
	}
}

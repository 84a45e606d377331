package posting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
)

func vias() *posting.CampaignRequest {
	return &posting.CampaignRequest{
		Name:        "Vías del Nordeste",
		Description: "Avances de las obras.\nUna publicación por semana.",
		PlanLine:    "Línea 3: Nuestra infraestructura",
		Unit:        "salud",
		StartsOn:    "2026-12-01",
		EndsOn:      "2027-03-31",
		Hashtags:    []string{"#VíasDelNordeste", "#Antioquia_2027"},
	}
}

func (f *fixture) campaign(t *testing.T, ctx context.Context, req *posting.CampaignRequest) *pregonero.Campaign {
	t.Helper()
	c, err := f.svc.CreateCampaign(ctx, req)
	if err != nil {
		t.Fatalf("CreateCampaign(%s) = %v", req.Name, err)
	}
	return c
}

func appError(t *testing.T, err error) *pregonero.Error {
	t.Helper()
	e, ok := err.(*pregonero.Error)
	if !ok {
		t.Fatalf("error = %v (%T), want a *pregonero.Error", err, err)
	}
	return e
}

func TestCreateCampaign(t *testing.T) {
	f := newFixture(t)
	req := vias()
	req.Name = "  Vi\u0301as del Nordeste " // decomposed í, spaces around
	req.Hashtags = []string{" #VíasDelNordeste", "#ViasDelNordeste2027", "#Медельин", "#1hashtag"}
	c := f.campaign(t, context.Background(), req)
	if !strings.HasPrefix(c.ID, "c_") || !c.CreatedAt.Equal(t0) || !c.UpdatedAt.Equal(t0) {
		t.Errorf("got id %q created %s updated %s, want c_… at %s", c.ID, c.CreatedAt, c.UpdatedAt, t0)
	}
	if c.Name != "Vías del Nordeste" {
		t.Errorf("name = %q, want it trimmed and composed", c.Name)
	}
	want := pregonero.Campaign{ID: c.ID, Name: "Vías del Nordeste", Description: req.Description, PlanLine: req.PlanLine, Unit: "salud",
		StartsOn: pregonero.Date{Year: 2026, Month: time.December, Day: 1}, EndsOn: pregonero.Date{Year: 2027, Month: time.March, Day: 31},
		Hashtags: []string{"#VíasDelNordeste", "#ViasDelNordeste2027", "#Медельин", "#1hashtag"}, CreatedAt: t0, UpdatedAt: t0}
	got, err := f.svc.Campaign(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != want.Name || got.StartsOn != want.StartsOn || got.EndsOn != want.EndsOn || strings.Join(got.Hashtags, " ") != strings.Join(want.Hashtags, " ") ||
		got.PlanLine != want.PlanLine || got.Unit != want.Unit || got.Description != want.Description {
		t.Errorf("stored %+v, want %+v", got, want)
	}
	t.Run("a one-day campaign and one without an end are fine", func(t *testing.T) {
		for _, r := range []*posting.CampaignRequest{
			{Name: "Día sin carro", StartsOn: "2026-12-10", EndsOn: "2026-12-10"},
			{Name: "Antioquia lee", StartsOn: "2026-12-10"},
		} {
			c := f.campaign(t, context.Background(), r)
			if r.EndsOn == "" && !c.EndsOn.IsZero() {
				t.Errorf("ends_on = %s, want none", c.EndsOn)
			}
		}
		list, err := f.svc.Campaigns(context.Background())
		if err != nil || len(list) != 3 || list[0].Name != "Antioquia lee" {
			t.Errorf("Campaigns() = %v, %v", list, err)
		}
	})
}

func TestCampaignBadInputIsRefusedOnItsField(t *testing.T) {
	f := newFixture(t)
	f.campaign(t, context.Background(), vias())
	long := strings.Repeat("a", posting.MaxCampaignName+1)
	many := make([]string, posting.MaxCampaignHashtags+1)
	for i := range many {
		many[i] = "#tag" + string(rune('a'+i%26)) + strings.Repeat("x", i)
	}
	for _, tt := range []struct {
		name        string
		edit        func(r *posting.CampaignRequest)
		field, code string
	}{
		{"empty name", func(r *posting.CampaignRequest) { r.Name = "  " }, "name", pregonero.FieldRequired},
		{"name too long", func(r *posting.CampaignRequest) { r.Name = long }, "name", pregonero.FieldTooLong},
		{"name of another campaign in another case", func(r *posting.CampaignRequest) { r.Name = "VÍAS DEL NORDESTE" }, "name", pregonero.FieldDuplicate},
		{"name of another campaign decomposed", func(r *posting.CampaignRequest) { r.Name = "Vi\u0301as del Nordeste" }, "name", pregonero.FieldDuplicate},
		{"name on two lines", func(r *posting.CampaignRequest) { r.Name = "Vías\ndel Norte" }, "name", pregonero.FieldInvalid},
		{"no start", func(r *posting.CampaignRequest) { r.StartsOn = "" }, "starts_on", pregonero.FieldRequired},
		{"a day the calendar lacks", func(r *posting.CampaignRequest) { r.StartsOn = "2027-02-29" }, "starts_on", pregonero.FieldInvalid},
		{"a date written the other way", func(r *posting.CampaignRequest) { r.StartsOn = "01/12/2026" }, "starts_on", pregonero.FieldInvalid},
		{"a date with a time", func(r *posting.CampaignRequest) { r.EndsOn = "2027-03-31T00:00:00Z" }, "ends_on", pregonero.FieldInvalid},
		{"a year that is a typo", func(r *posting.CampaignRequest) { r.EndsOn = "0227-03-31" }, "ends_on", pregonero.FieldInvalid},
		{"end before start", func(r *posting.CampaignRequest) { r.EndsOn = "2026-11-30" }, "ends_on", pregonero.FieldInvalid},
		{"hashtag without #", func(r *posting.CampaignRequest) { r.Hashtags = []string{"VíasDelNorte"} }, "hashtags", pregonero.FieldInvalid},
		{"hashtag of digits only", func(r *posting.CampaignRequest) { r.Hashtags = []string{"#2026"} }, "hashtags", pregonero.FieldInvalid},
		{"hashtag with a space", func(r *posting.CampaignRequest) { r.Hashtags = []string{"#Vías del"} }, "hashtags", pregonero.FieldInvalid},
		{"hashtag with a hyphen", func(r *posting.CampaignRequest) { r.Hashtags = []string{"#vías-norte"} }, "hashtags", pregonero.FieldInvalid},
		{"a # alone", func(r *posting.CampaignRequest) { r.Hashtags = []string{"#"} }, "hashtags", pregonero.FieldInvalid},
		{"hashtag twice in another case", func(r *posting.CampaignRequest) { r.Hashtags = []string{"#Vías", "#VÍAS"} }, "hashtags", pregonero.FieldDuplicate},
		{"hashtag too long", func(r *posting.CampaignRequest) {
			r.Hashtags = []string{"#" + strings.Repeat("a", posting.MaxHashtagLength+1)}
		}, "hashtags", pregonero.FieldTooLong},
		{"too many hashtags", func(r *posting.CampaignRequest) { r.Hashtags = many }, "hashtags", pregonero.FieldTooMany},
		{"description too long", func(r *posting.CampaignRequest) {
			r.Description = strings.Repeat("á", posting.MaxCampaignDescription+1)
		}, "description", pregonero.FieldTooLong},
		{"escape in the description", func(r *posting.CampaignRequest) { r.Description = "a\x1b[31m" }, "description", pregonero.FieldInvalid},
		{"plan line too long", func(r *posting.CampaignRequest) {
			r.PlanLine = strings.Repeat("l", posting.MaxCampaignPlanLine+1)
		}, "plan_line", pregonero.FieldTooLong},
		{"unit too long", func(r *posting.CampaignRequest) { r.Unit = strings.Repeat("u", posting.MaxLabelBytes+1) }, "unit", pregonero.FieldTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := vias()
			r.Name = "Otra campaña"
			tt.edit(r)
			_, err := f.svc.CreateCampaign(context.Background(), r)
			wantField(t, err, tt.field, tt.code)
		})
	}
	t.Run("every problem is told at once and nothing is stored", func(t *testing.T) {
		_, err := f.svc.CreateCampaign(context.Background(), &posting.CampaignRequest{Name: "", StartsOn: "mañana", Hashtags: []string{"sin"}})
		e := appError(t, err)
		if len(e.Fields) != 3 {
			t.Errorf("fields = %+v, want name, starts_on and hashtags", e.Fields)
		}
		list, err := f.svc.Campaigns(context.Background())
		if err != nil || len(list) != 1 {
			t.Errorf("Campaigns() = %v, %v; want only the first", list, err)
		}
	})
}

func TestUpdateCampaign(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.campaign(t, ctx, vias())
	other := f.campaign(t, ctx, &posting.CampaignRequest{Name: "Navidad", StartsOn: "2026-12-15"})
	str := func(s string) *string { return &s }

	t.Run("the fields given change, the others stay", func(t *testing.T) {
		f.clock.Advance(time.Hour)
		got, err := f.svc.UpdateCampaign(ctx, c.ID, &posting.CampaignPatch{PlanLine: str("Línea 4"), Hashtags: &[]string{"#Obras"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.PlanLine != "Línea 4" || len(got.Hashtags) != 1 || got.Name != c.Name || got.EndsOn != c.EndsOn || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after the change: %+v", got)
		}
	})
	t.Run("an empty end removes it", func(t *testing.T) {
		got, err := f.svc.UpdateCampaign(ctx, c.ID, &posting.CampaignPatch{EndsOn: str("")})
		if err != nil || !got.EndsOn.IsZero() {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("the start cannot be removed", func(t *testing.T) {
		_, err := f.svc.UpdateCampaign(ctx, c.ID, &posting.CampaignPatch{StartsOn: str("")})
		wantField(t, err, "starts_on", pregonero.FieldRequired)
	})
	t.Run("an end before the start kept is refused", func(t *testing.T) {
		_, err := f.svc.UpdateCampaign(ctx, c.ID, &posting.CampaignPatch{EndsOn: str("2026-11-01")})
		wantField(t, err, "ends_on", pregonero.FieldInvalid)
	})
	t.Run("a start after the end kept is refused on ends_on", func(t *testing.T) {
		_, err := f.svc.UpdateCampaign(ctx, other.ID, &posting.CampaignPatch{EndsOn: str("2026-12-31")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.UpdateCampaign(ctx, other.ID, &posting.CampaignPatch{StartsOn: str("2027-01-05")})
		wantField(t, err, "ends_on", pregonero.FieldInvalid)
	})
	t.Run("the name of another campaign is refused, its own in another case is not", func(t *testing.T) {
		_, err := f.svc.UpdateCampaign(ctx, other.ID, &posting.CampaignPatch{Name: str("vías del nordeste")})
		wantField(t, err, "name", pregonero.FieldDuplicate)
		got, err := f.svc.UpdateCampaign(ctx, c.ID, &posting.CampaignPatch{Name: str("VÍAS DEL NORDESTE")})
		if err != nil || got.Name != "VÍAS DEL NORDESTE" {
			t.Errorf("rename in another case = %v, %v", got, err)
		}
	})
	t.Run("an unknown campaign is not found", func(t *testing.T) {
		_, err := f.svc.UpdateCampaign(ctx, "c_nada", &posting.CampaignPatch{Name: str("x")})
		if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("got %v, want not found", err)
		}
	})
}

func TestWhoMayChangeCampaigns(t *testing.T) {
	f := newAccessFixture(t)
	mine := vias() // run by salud, ana's dependencia
	c, err := f.svc.CreateCampaign(as(salud), mine)
	if err != nil {
		t.Fatalf("an editor creating a campaign of their dependencia: %v", err)
	}
	str := func(s string) *string { return &s }

	t.Run("a viewer reads but changes nothing", func(t *testing.T) {
		if _, err := f.svc.Campaigns(as(viewer)); err != nil {
			t.Errorf("Campaigns() = %v", err)
		}
		_, err := f.svc.CreateCampaign(as(viewer), &posting.CampaignRequest{Name: "Mía", StartsOn: "2026-12-01"})
		wantForbidden(t, err, "")
		_, err = f.svc.UpdateCampaign(as(viewer), c.ID, &posting.CampaignPatch{Name: str("Otra")})
		wantForbidden(t, err, "")
	})
	t.Run("an editor names the dependencia, one of theirs", func(t *testing.T) {
		_, err := f.svc.CreateCampaign(as(salud), &posting.CampaignRequest{Name: "Sin dependencia", StartsOn: "2026-12-01"})
		wantField(t, err, "unit", pregonero.FieldRequired)
		_, err = f.svc.CreateCampaign(as(salud), &posting.CampaignRequest{Name: "Ajena", Unit: "comunicaciones", StartsOn: "2026-12-01"})
		wantForbidden(t, err, "")
	})
	t.Run("an editor changes only their dependencias' campaigns, and keeps them theirs", func(t *testing.T) {
		_, err := f.svc.UpdateCampaign(as(gob), c.ID, &posting.CampaignPatch{PlanLine: str("otra")})
		wantForbidden(t, err, "")
		_, err = f.svc.UpdateCampaign(as(salud), c.ID, &posting.CampaignPatch{Unit: str("comunicaciones")})
		wantForbidden(t, err, "")
		got, err := f.svc.UpdateCampaign(as(salud), c.ID, &posting.CampaignPatch{PlanLine: str("Línea 2")})
		if err != nil || got.PlanLine != "Línea 2" || got.Unit != "salud" {
			t.Errorf("the editor's own change = %v, %v", got, err)
		}
	})
	t.Run("an admin and the system change any, and may leave the dependencia out", func(t *testing.T) {
		got, err := f.svc.UpdateCampaign(as(admin), c.ID, &posting.CampaignPatch{Unit: str("comunicaciones")})
		if err != nil || got.Unit != "comunicaciones" {
			t.Errorf("admin: %v, %v", got, err)
		}
		if _, err := f.svc.CreateCampaign(as(admin), &posting.CampaignRequest{Name: "De todos", StartsOn: "2026-12-01"}); err != nil {
			t.Errorf("admin without a dependencia: %v", err)
		}
		if _, err := f.svc.CreateCampaign(context.Background(), &posting.CampaignRequest{Name: "Del sistema", StartsOn: "2026-12-01"}); err != nil {
			t.Errorf("system: %v", err)
		}
	})
	t.Run("any editor names any campaign on a post", func(t *testing.T) {
		p, _, err := f.svc.Create(as(gob), &posting.Draft{Text: "Obras", Targets: []string{"x-gob"}, Campaign: c.ID}, "")
		if err != nil || p.Campaign != c.ID {
			t.Errorf("post in another dependencia's campaign = %v, %v", p, err)
		}
	})
}

func TestAPostNamesAnExistingCampaign(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.campaign(t, ctx, vias())

	p := f.create(t, posting.Draft{Text: "Avanzan las obras", Targets: []string{"x-gob"}, Campaign: c.ID})
	if p.Campaign != c.ID {
		t.Fatalf("campaign = %q, want %s", p.Campaign, c.ID)
	}
	t.Run("an unknown id on create is refused on campaign and nothing is stored", func(t *testing.T) {
		_, _, err := f.svc.Create(ctx, &posting.Draft{Text: "Otra", Targets: []string{"x-gob"}, Campaign: "c_nada"}, "")
		wantField(t, err, "campaign", pregonero.FieldUnknown)
		page, err := f.db.Posts(ctx, pregonero.PostFilter{})
		if err != nil || len(page.Posts) != 1 {
			t.Errorf("posts stored: %d, %v; want only the first", len(page.Posts), err)
		}
	})
	t.Run("a campaign's name is not its id", func(t *testing.T) {
		_, _, err := f.svc.Create(ctx, &posting.Draft{Text: "Otra", Targets: []string{"x-gob"}, Campaign: c.Name}, "")
		wantField(t, err, "campaign", pregonero.FieldUnknown)
	})
	t.Run("a draft names an existing campaign too", func(t *testing.T) {
		_, _, err := f.svc.Create(ctx, &posting.Draft{Draft: true, Campaign: "c_nada"}, "")
		wantField(t, err, "campaign", pregonero.FieldUnknown)
	})
	t.Run("an edit to an unknown id is refused; to another campaign, or none, it is not", func(t *testing.T) {
		bad := "c_nada"
		_, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Campaign: &bad})
		wantField(t, err, "campaign", pregonero.FieldUnknown)
		other := f.campaign(t, ctx, &posting.CampaignRequest{Name: "Navidad", StartsOn: "2026-12-15"})
		got, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Campaign: &other.ID})
		if err != nil || got.Campaign != other.ID {
			t.Fatalf("edit to another campaign = %v, %v", got, err)
		}
		none := ""
		if got, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Campaign: &none}); err != nil || got.Campaign != "" {
			t.Errorf("edit to no campaign = %v, %v", got, err)
		}
	})
	t.Run("a post of a campaign made of an older label stays editable", func(t *testing.T) {
		f.mustCampaign(t, "salud 2026")
		p := f.create(t, posting.Draft{Text: "Vacunación", Targets: []string{"x-gob"}, Campaign: "salud 2026"})
		text := "Vacunación gratuita"
		if got, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Text: &text}); err != nil || got.Campaign != "salud 2026" {
			t.Errorf("edit of the text = %v, %v", got, err)
		}
	})
	t.Run("the posts of a campaign are listed by its id", func(t *testing.T) {
		f.create(t, posting.Draft{Text: "Segunda", Targets: []string{"x-salud"}, Campaign: c.ID})
		page, err := f.svc.Posts(ctx, pregonero.PostFilter{Campaign: c.ID})
		if err != nil || len(page.Posts) != 1 || page.Posts[0].Text != "Segunda" {
			t.Errorf("posts of the campaign = %v, %v", page, err)
		}
	})
}

// mustCampaign stores campaigns whose ids are the given labels, as the
// migration of schema 6 makes them of the labels older posts carried, so
// that a test's posts may name them.
func (f *fixture) mustCampaign(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := f.db.CreateCampaign(context.Background(), &pregonero.Campaign{ID: id, Name: id, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatalf("create campaign %s: %v", id, err)
		}
	}
}

package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero/web"
)

// campaignForm is a filled campaign form with the page's token.
func campaignForm(token string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {token}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// fieldError is the error the page shows next to a field, unescaped;
// empty when there is none.
func fieldError(p page, field string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(field) + `-error">(.*?)</p>`).FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestUICampaignsPages(t *testing.T) {
	s := newUIServer(t)
	c := s.createCampaign(map[string]any{"name": "Vías del Nordeste", "starts_on": "2026-11-01", "ends_on": "2027-03-31",
		"plan_line": "Línea 3: Nuestra infraestructura", "hashtags": []string{"#VíasDelNordeste"}, "description": "Obras.\nCada semana."})

	for _, who := range []string{"ana", "edu", "vera"} {
		t.Run(who+" reads the list and the campaign", func(t *testing.T) {
			b := s.signedIn(who)
			list := b.get("/campaigns")
			body := html.UnescapeString(list.body)
			if list.status != http.StatusOK || !strings.Contains(body, `<a href="/campaigns/`+c.ID+`">Vías del Nordeste</a>`) ||
				!strings.Contains(body, "Del dom 1 nov 2026 al mié 31 mar 2027") || !strings.Contains(body, "En curso") ||
				!strings.Contains(body, `<a href="/campaigns" aria-current="page">Campañas</a>`) {
				t.Fatalf("GET /campaigns: got %d\n%s", list.status, list.body)
			}
			one := b.get("/campaigns/" + c.ID)
			body = html.UnescapeString(one.body)
			if one.status != http.StatusOK || !strings.Contains(body, "Línea 3: Nuestra infraestructura") || !strings.Contains(body, "#VíasDelNordeste") ||
				!strings.Contains(body, "Obras.\nCada semana.") || !strings.Contains(body, "Ninguna publicación es de esta campaña todavía.") {
				t.Fatalf("GET /campaigns/%s: got %d\n%s", c.ID, one.status, one.body)
			}
			forms := strings.Contains(list.body, `action="/campaigns"`)
			edit := strings.Contains(one.body, `action="/campaigns/`+c.ID+`"`)
			switch who {
			case "ana":
				if !forms || !edit || !strings.Contains(list.body, `<datalist id="unit-list"><option value="salud"></option></datalist>`) {
					t.Errorf("an admin gets the forms with the known dependencias to choose from")
				}
			case "edu":
				if !forms || edit || !strings.Contains(list.body, `<option value="salud" selected>salud</option>`) {
					t.Errorf("an editor gets the add form with their dependencias, and no change form for a campaign of the whole Gobernación")
				}
			case "vera":
				if forms || edit {
					t.Errorf("a viewer gets no form")
				}
			}
		})
	}

	t.Run("an unknown campaign is the not-found page", func(t *testing.T) {
		if p := s.signedIn("vera").get("/campaigns/c_nada"); p.status != http.StatusNotFound {
			t.Errorf("got %d", p.status)
		}
	})

	t.Run("the forms are registered, so the generic CSRF test covers them", func(t *testing.T) {
		paths := web.UIFormPaths(s.web)
		for _, want := range []string{"/campaigns", "/campaigns/x"} {
			if !slices.Contains(paths, want) {
				t.Errorf("form %s is not registered", want)
			}
		}
	})

	t.Run("the pages are in English for whoever chose it", func(t *testing.T) {
		b := s.signedIn("vera")
		b.get("/lang/en")
		p := b.get("/campaigns")
		if !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(html.UnescapeString(p.body), "Sun 1 Nov 2026 to Wed 31 Mar 2027") {
			t.Errorf("got\n%s", p.body)
		}
	})
}

func TestUICampaignCreate(t *testing.T) {
	s := newUIServer(t)
	ctx := context.Background()

	t.Run("an admin creates a campaign and lands on its page", func(t *testing.T) {
		b := s.signedIn("ana")
		token := b.get("/campaigns").csrf(t)
		p := b.post("/campaigns", campaignForm(token, "name", " Vías del Nordeste ", "unit", "Secretaría de Infraestructura",
			"starts_on", "2026-12-01", "ends_on", "2027-03-31", "hashtags", "#VíasDelNordeste, Antioquia", "plan_line", "Línea 3",
			"description", "Obras viales.\r\nCada semana."))
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/campaigns/c_") {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		id := strings.TrimPrefix(p.location(), "/campaigns/")
		got, err := s.db.Campaign(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Vías del Nordeste" || got.Unit != "Secretaría de Infraestructura" || strings.Join(got.Hashtags, " ") != "#VíasDelNordeste #Antioquia" ||
			got.StartsOn.String() != "2026-12-01" || got.EndsOn.String() != "2027-03-31" || got.Description != "Obras viales.\r\nCada semana." {
			t.Errorf("stored %+v", got)
		}
		if page := b.get(p.location()); !strings.Contains(html.UnescapeString(page.body), "Campaña «Vías del Nordeste» creada.") {
			t.Errorf("no flash on the campaign's page:\n%s", page.body)
		}
	})

	t.Run("bad input comes back with the error next to each field", func(t *testing.T) {
		b := s.signedIn("ana")
		token := b.get("/campaigns").csrf(t)
		p := b.post("/campaigns", campaignForm(token, "name", "VÍAS DEL NORDESTE", "starts_on", "2026-12-01", "ends_on", "2026-11-30",
			"hashtags", "#2026 #bien"))
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		for field, want := range map[string]string{
			"name":     "Ya hay una campaña con ese nombre",
			"ends_on":  "ends_on 2026-11-30 is before starts_on 2026-12-01",
			"hashtags": `"#2026" is not a hashtag`,
		} {
			if got := fieldError(p, field); !strings.Contains(got, want) {
				t.Errorf("error next to %s = %q, want %q", field, got, want)
			}
		}
		if !strings.Contains(p.body, `id="name" name="name" required maxlength="100" value="VÍAS DEL NORDESTE"`) || strings.Count(p.body, `aria-invalid="true"`) != 3 {
			t.Errorf("the form does not keep what was typed or mark the fields:\n%s", p.body)
		}
		if !strings.Contains(p.body, "No se guardó: revise los campos marcados.") {
			t.Error("no summary of the errors")
		}
		p = b.post("/campaigns", campaignForm(token, "name", "Sin fecha", "starts_on", "1/12/2026"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "starts_on"), "La fecha de inicio no es válida.") {
			t.Errorf("a date written another way: got %d, error %q", p.status, fieldError(p, "starts_on"))
		}
	})

	t.Run("an editor creates campaigns of their dependencias only", func(t *testing.T) {
		b := s.signedIn("edu")
		token := b.get("/campaigns").csrf(t)
		p := b.post("/campaigns", campaignForm(token, "name", "Salud mental", "unit", "salud", "starts_on", "2026-12-01"))
		if p.status != http.StatusSeeOther {
			t.Fatalf("own dependencia: got %d\n%s", p.status, p.body)
		}
		p = b.post("/campaigns", campaignForm(token, "name", "Ajena", "unit", "educación", "starts_on", "2026-12-01"))
		if p.status != http.StatusForbidden {
			t.Errorf("another dependencia: got %d, want 403", p.status)
		}
		p = b.post("/campaigns", campaignForm(token, "name", "Sin dependencia", "starts_on", "2026-12-01"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "unit"), "one of yours (salud)") {
			t.Errorf("no dependencia: got %d, error %q", p.status, fieldError(p, "unit"))
		}
	})

	t.Run("a viewer may not post the form", func(t *testing.T) {
		b := s.signedIn("vera")
		token := b.get("/campaigns").csrf(t)
		if p := b.post("/campaigns", campaignForm(token, "name", "Mía", "starts_on", "2026-12-01")); p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
		if _, err := s.db.CampaignByName(ctx, "Mía"); err == nil {
			t.Error("the viewer's campaign was stored")
		}
	})
}

func TestUICampaignEdit(t *testing.T) {
	s := newUIServer(t)
	ctx := context.Background()
	salud := s.createCampaign(map[string]any{"name": "Salud mental", "unit": "salud", "starts_on": "2026-12-01"})
	whole := s.createCampaign(map[string]any{"name": "Navidad", "starts_on": "2026-12-15", "hashtags": []string{"#Navidad"}})

	t.Run("the form is filled with the campaign and saves every field", func(t *testing.T) {
		b := s.signedIn("edu")
		page := b.get("/campaigns/" + salud.ID)
		if !strings.Contains(page.body, `id="starts_on" name="starts_on" required value="2026-12-01"`) {
			t.Fatalf("the form is not filled:\n%s", page.body)
		}
		p := b.post("/campaigns/"+salud.ID, campaignForm(page.csrf(t), "name", "Salud mental 2027", "unit", "salud",
			"starts_on", "2026-12-01", "ends_on", "2027-06-30", "hashtags", "#SaludMental", "plan_line", "Línea 1", "description", ""))
		if p.status != http.StatusSeeOther || p.location() != "/campaigns/"+salud.ID {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		got, err := s.db.Campaign(ctx, salud.ID)
		if err != nil || got.Name != "Salud mental 2027" || got.EndsOn.String() != "2027-06-30" || got.PlanLine != "Línea 1" || got.Hashtags[0] != "#SaludMental" {
			t.Errorf("stored %+v, %v", got, err)
		}
	})
	t.Run("an end before the start comes back with the error next to it", func(t *testing.T) {
		b := s.signedIn("ana")
		page := b.get("/campaigns/" + whole.ID)
		p := b.post("/campaigns/"+whole.ID, campaignForm(page.csrf(t), "name", "Navidad", "starts_on", "2026-12-15", "ends_on", "2026-12-01"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "ends_on"), "La fecha de fin no es válida.") ||
			!strings.Contains(p.body, `value="2026-12-01"`) {
			t.Errorf("got %d, error %q\n%s", p.status, fieldError(p, "ends_on"), p.body)
		}
		if got, _ := s.db.Campaign(ctx, whole.ID); !got.EndsOn.IsZero() {
			t.Errorf("the refused change was stored: %+v", got)
		}
	})
	t.Run("an editor may not change a campaign not of their dependencias", func(t *testing.T) {
		b := s.signedIn("edu")
		token := b.get("/campaigns").csrf(t)
		p := b.post("/campaigns/"+whole.ID, campaignForm(token, "name", "Navidad mía", "unit", "salud", "starts_on", "2026-12-15"))
		if p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
		if got, _ := s.db.Campaign(ctx, whole.ID); got.Name != "Navidad" {
			t.Errorf("the campaign changed: %+v", got)
		}
	})
	t.Run("a viewer may not change any", func(t *testing.T) {
		b := s.signedIn("vera")
		token := b.get("/campaigns").csrf(t)
		if p := b.post("/campaigns/"+salud.ID, campaignForm(token, "name", "x", "starts_on", "2026-12-01")); p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
	})
}

func TestUICampaignPosts(t *testing.T) {
	s := newUIServer(t)
	c := s.createCampaign(map[string]any{"name": "Vías del Nordeste", "starts_on": "2026-11-01"})
	other := s.createCampaign(map[string]any{"name": "Navidad", "starts_on": "2026-12-15"})
	first := time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC) // 09:00 in Bogotá
	var ids []string
	for i := range 27 {
		p := s.createPost(map[string]any{"text": fmt.Sprintf("Obra número %d", i+1), "targets": []string{"x-gob"}, "campaign": c.ID,
			"scheduled_at": first.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)})
		ids = append(ids, p.ID)
	}
	s.createPost(map[string]any{"text": "De otra campaña", "targets": []string{"x-gob"}, "campaign": other.ID, "scheduled_at": first.Format(time.RFC3339)})

	b := s.signedIn("vera")
	p := b.get("/campaigns/" + c.ID)
	body := html.UnescapeString(p.body)
	if p.status != http.StatusOK || !strings.Contains(body, `<a href="/posts/`+ids[0]+`">Obra número 1</a>`) ||
		!strings.Contains(body, "sáb 21 nov 2026, 09:00") || !strings.Contains(body, `<span class="badge status-scheduled">`) {
		t.Fatalf("got %d\n%s", p.status, p.body)
	}
	if strings.Contains(body, "De otra campaña") || strings.Contains(body, "Obra número 26") {
		t.Errorf("the first page shows another campaign's post or more than 25")
	}
	m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no link to the next posts:\n%s", p.body)
	}
	next := b.get(html.UnescapeString(m[1]))
	body = html.UnescapeString(next.body)
	if next.status != http.StatusOK || !strings.Contains(body, "Obra número 26") || !strings.Contains(body, "Obra número 27") ||
		strings.Contains(body, "Obra número 25<") || !strings.Contains(body, "Primeras publicaciones") || strings.Contains(body, `rel="next"`) {
		t.Errorf("the next posts:\n%s", next.body)
	}
	if bad := b.get("/campaigns/" + c.ID + "?cursor=%%%"); bad.status != http.StatusOK || !strings.Contains(bad.body, "Obra número 1<") {
		t.Errorf("a mangled cursor: got %d", bad.status)
	}
}

func TestUIComposePicksTheCampaign(t *testing.T) {
	s := newUIServer(t)
	c := s.createCampaign(map[string]any{"name": "Vías del Nordeste", "starts_on": "2026-11-01"})
	s.createCampaign(map[string]any{"name": "Navidad", "starts_on": "2026-12-15"})
	b := s.signedIn("ana")
	page := b.get("/compose")
	want := `<select id="campaign" name="campaign" aria-describedby="campaign-hint campaign-error"><option value="" selected>Sin campaña</option>` +
		`<option value="` + s.campaignID(t, "Navidad") + `">Navidad</option><option value="` + c.ID + `">Vías del Nordeste</option>`
	if !strings.Contains(page.body, want) {
		t.Fatalf("the compose page lacks the campaign select %s\n%s", want, page.body)
	}
	token := page.csrf(t)
	r := b.post("/compose", url.Values{"csrf_token": {token}, "text": {"Avanzan las obras"}, "campaign": {c.ID}, "action": {"draft"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("draft: got %d\n%s", r.status, r.body)
	}
	id := strings.TrimPrefix(r.location(), "/posts/")
	post, err := s.db.Post(context.Background(), id)
	if err != nil || post.Campaign != c.ID {
		t.Fatalf("got %+v, %v; want the campaign %s", post, err, c.ID)
	}
	edit := b.get("/posts/" + id + "/edit")
	if !strings.Contains(edit.body, `<option value="`+c.ID+`" selected>Vías del Nordeste</option>`) {
		t.Errorf("the edit form does not select the post's campaign:\n%s", edit.body)
	}
	r = b.post("/compose", url.Values{"csrf_token": {token}, "text": {"Otra"}, "campaign": {"c_nada"}, "action": {"draft"}})
	if r.status != http.StatusUnprocessableEntity || !r.errorNext("campaign", "There is no campaign c_nada") ||
		!strings.Contains(r.body, `<option value="c_nada" selected>Campaña c_nada (ya no existe: elija otra)</option>`) {
		t.Errorf("an unknown campaign: got %d\n%s", r.status, r.body)
	}
}

// campaignID is the id of the campaign with that name.
func (s *uiServer) campaignID(t *testing.T, name string) string {
	t.Helper()
	c, err := s.db.CampaignByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

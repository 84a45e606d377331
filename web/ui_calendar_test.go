package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/web"
)

// bogota is the zone the test users see times in.
var bogota = func() *time.Location {
	loc, err := time.LoadLocation("America/Bogota")
	if err != nil {
		panic(err)
	}
	return loc
}()

// calPost creates a post through the API at a time in Bogotá.
func (s *uiServer) calPost(text string, at time.Time, targets ...string) postView {
	s.t.Helper()
	return s.createPost(map[string]any{"text": text, "targets": targets, "scheduled_at": at.Format(time.RFC3339)})
}

// dayCell is the month view's cell of a day (or the week view's column).
func dayCell(t *testing.T, body, date string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<(td|section) class="(?:day|weekday)[^"]*" data-date="` + date + `"[^>]*>(.*?)</(?:td|section)>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no cell for %s on the page", date)
	}
	return html.UnescapeString(m[2])
}

func TestUICalendarRoles(t *testing.T) {
	s := newUIServer(t)
	s.calPost("Vacunación gratuita", time.Date(2026, 11, 24, 9, 0, 0, 0, bogota), "x-salud")
	for _, user := range []string{"ana", "edu", "vera"} {
		t.Run(user+" sees the month", func(t *testing.T) {
			p := s.signedIn(user).get("/calendar")
			if p.status != 200 {
				t.Fatalf("got %d\n%s", p.status, p.body)
			}
			body := html.UnescapeString(p.body)
			for _, want := range []string{"<h1>Calendario</h1>", "noviembre de 2026", "Vacunación gratuita", `<a href="/calendar" aria-current="page">Calendario</a>`,
				"/static/calendar.js?v=", "/static/calendar.css?v="} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
		})
	}
	for _, path := range []string{"/calendar?vista=semana", "/calendar?vista=lista", "/calendar?vista=lista&periodo=dia&fecha=2026-11-24",
		"/calendar?vista=lista&periodo=semana", "/calendar?fecha=no-es-fecha&vista=otra"} {
		t.Run(path+" renders", func(t *testing.T) {
			if p := s.signedIn("vera").get(path); p.status != 200 {
				t.Errorf("got %d\n%s", p.status, p.body)
			}
		})
	}
	t.Run("signed out, the calendar asks to sign in", func(t *testing.T) {
		if p := s.browser().get("/calendar"); p.status != http.StatusSeeOther {
			t.Errorf("got %d, want 303", p.status)
		}
	})
	t.Run("the menu lists it for every role", func(t *testing.T) {
		for _, u := range []pregonero.User{{Role: pregonero.RoleAdmin}, {Role: pregonero.RoleEditor}, {Role: pregonero.RoleViewer}} {
			if got := web.UIMenu(s.web, &u); !strings.Contains(strings.Join(got, " "), "/calendar") {
				t.Errorf("%s: menu %v lacks /calendar", u.Role, got)
			}
		}
	})
}

func TestUICalendarBogotaDays(t *testing.T) {
	s := newUIServer(t)
	// 23:30 in Bogotá on Wednesday 25 November is 04:30 UTC on the 26th.
	late := time.Date(2026, 11, 25, 23, 30, 0, 0, bogota)
	if late.UTC().Day() != 26 {
		t.Fatalf("the test's instant is %v in UTC", late.UTC())
	}
	s.calPost("Cierre de la feria a medianoche", late, "x-gob")
	s.calPost("Madrugada del jueves", time.Date(2026, 11, 26, 0, 30, 0, 0, bogota), "fb-gob")
	b := s.signedIn("vera")

	t.Run("month", func(t *testing.T) {
		body := b.get("/calendar").body
		if c := dayCell(t, body, "2026-11-25"); !strings.Contains(c, "Cierre de la feria") || !strings.Contains(c, "23:30") {
			t.Errorf("25 Nov lacks the 23:30 post:\n%s", c)
		}
		if c := dayCell(t, body, "2026-11-26"); strings.Contains(c, "Cierre de la feria") || !strings.Contains(c, "Madrugada del jueves") {
			t.Errorf("26 Nov shows the wrong posts:\n%s", c)
		}
	})
	t.Run("week", func(t *testing.T) {
		body := b.get("/calendar?vista=semana&fecha=2026-11-25").body
		if !strings.Contains(html.UnescapeString(body), "Semana del lun 23 nov 2026 al dom 29 nov 2026") {
			t.Error("the week runs from Monday to Sunday")
		}
		if c := dayCell(t, body, "2026-11-25"); !strings.Contains(c, "Cierre de la feria") {
			t.Errorf("25 Nov lacks the 23:30 post:\n%s", c)
		}
		if c := dayCell(t, body, "2026-11-26"); strings.Contains(c, "Cierre de la feria") {
			t.Errorf("the post shows on its UTC day:\n%s", c)
		}
	})
	t.Run("list of the day", func(t *testing.T) {
		body := html.UnescapeString(b.get("/calendar?vista=lista&periodo=dia&fecha=2026-11-25").body)
		if !strings.Contains(body, "mié 25 nov 2026, 23:30") || !strings.Contains(body, "Cierre de la feria") {
			t.Errorf("the day's list lacks the post at its Bogotá time:\n%s", body)
		}
		if strings.Contains(body, "Madrugada del jueves") {
			t.Error("the next day's post is in the day's list")
		}
	})
	t.Run("in another zone the post is on its day there", func(t *testing.T) {
		s.users.add(pregonero.User{Username: "mad", Role: pregonero.RoleViewer, Timezone: "Europe/Madrid"}, testPassword)
		body := s.signedIn("mad").get("/calendar").body
		if c := dayCell(t, body, "2026-11-26"); !strings.Contains(c, "Cierre de la feria") || !strings.Contains(c, "05:30") {
			t.Errorf("in Madrid the post is on 26 Nov at 05:30:\n%s", c)
		}
	})
}

func TestUICalendarContents(t *testing.T) {
	s := newUIServer(t)
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, bogota) }
	s.mustCampaign("vacunas")
	vac := s.createPost(map[string]any{"text": "Campaña de vacunación", "targets": []string{"x-gob"}, "campaign": "vacunas", "scheduled_at": day(23, 9).Format(time.RFC3339)})
	fb := s.calPost("Solo en Facebook", day(23, 10), "fb-gob")
	salud := s.calPost("De la Secretaría de Salud", day(24, 11), "x-salud")
	both := s.calPost("En X y en Instagram", day(24, 12), "x-gob", "ig-gob")
	failed := s.calPost("Esta falló", day(23, 16), "fb-gob")
	s.failDelivery(t, failed.Deliveries[0].ID, "x_duplicate", "dup", pregonero.ClassDuplicate)
	gone := s.calPost("Cancelada antes de salir", day(27, 8), "x-gob")
	if r := s.request("POST", "/api/v1/posts/"+gone.ID+"/cancel", nil); r.status != 200 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	draft := s.createPost(map[string]any{"text": "Borrador con hora", "targets": []string{"x-gob"}, "draft": true, "scheduled_at": day(28, 9).Format(time.RFC3339)})
	s.createPost(map[string]any{"text": "Borrador sin hora", "targets": []string{"x-gob"}, "draft": true})
	b := s.signedIn("vera")
	body := html.UnescapeString(b.get("/calendar").body)

	t.Run("scheduled, failed and drafts with a time show; canceled ones and drafts without time do not", func(t *testing.T) {
		for _, want := range []string{vac.Text, fb.Text, salud.Text, both.Text, failed.Text, draft.Text, "falló", "borrador", "programada"} {
			if !strings.Contains(body, want) {
				t.Errorf("the month lacks %q", want)
			}
		}
		for _, absent := range []string{gone.Text, "Borrador sin hora"} {
			if strings.Contains(body, absent) {
				t.Errorf("the month shows %q", absent)
			}
		}
		if c := html.UnescapeString(b.get("/calendar?estado=canceled").body); !strings.Contains(c, gone.Text) || strings.Contains(c, vac.Text) {
			t.Error("the status filter does not show the canceled post alone")
		}
	})

	t.Run("each post names its networks in words besides its colour, and there is a legend", func(t *testing.T) {
		for _, want := range []string{
			`<li class="entry net-x">`, `<li class="entry net-facebook">`, `<li class="entry net-multi">`,
			`<span class="net net-x">X</span> <span class="net net-instagram">Instagram</span>`,
			`<li><span class="net net-youtube">YouTube</span></li>`, `<li class="entry net-x draft">`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})

	filters := []struct {
		query      string
		want, not_ []string
	}{
		{"red=x", []string{vac.Text, salud.Text, both.Text}, []string{fb.Text, failed.Text}},
		{"red=instagram", []string{both.Text}, []string{vac.Text, salud.Text, fb.Text}},
		{"cuenta=fb-gob", []string{fb.Text, failed.Text}, []string{vac.Text, salud.Text, both.Text}},
		{"campana=vacunas", []string{vac.Text}, []string{fb.Text, salud.Text, both.Text}},
		{"dependencia=salud", []string{salud.Text}, []string{vac.Text, fb.Text, both.Text}},
		{"estado=failed", []string{failed.Text}, []string{vac.Text, fb.Text}},
		{"estado=draft", []string{draft.Text}, []string{vac.Text}},
		{"red=youtube", nil, []string{vac.Text, fb.Text, salud.Text, both.Text}},
		{"red=x&dependencia=salud", []string{salud.Text}, []string{vac.Text, both.Text}},
		{"cuenta=fb-gob&red=x", nil, []string{fb.Text, vac.Text}},
	}
	for _, f := range filters {
		for _, view := range []string{"", "&vista=semana&fecha=2026-11-23", "&vista=lista"} {
			t.Run("filter "+f.query+view, func(t *testing.T) {
				p := b.get("/calendar?" + f.query + view)
				if p.status != 200 {
					t.Fatalf("got %d", p.status)
				}
				got := html.UnescapeString(p.body)
				for _, w := range f.want {
					if !strings.Contains(got, w) {
						t.Errorf("lacks %q", w)
					}
				}
				for _, n := range f.not_ {
					if strings.Contains(got, n) {
						t.Errorf("shows %q", n)
					}
				}
			})
		}
	}

	t.Run("the filter form keeps the choice and the navigation keeps the filters", func(t *testing.T) {
		p := html.UnescapeString(b.get("/calendar?red=x&campana=vacunas").body)
		for _, want := range []string{`<option value="x" selected>X</option>`, `<option value="vacunas" selected>vacunas</option>`, `<label for="f-red">Red</label>`,
			`<a href="/calendar?campana=vacunas&fecha=2026-12-01&red=x" rel="next">`, `<a href="/calendar?campana=vacunas&fecha=2026-10-01&red=x" rel="prev">`,
			`<a href="/calendar?campana=vacunas&red=x">Hoy</a>`, `<a href="/calendar">Quitar filtros</a>`, `<option value="salud">salud</option>`} {
			if !strings.Contains(p, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})

	t.Run("previous and next months", func(t *testing.T) {
		p := html.UnescapeString(b.get("/calendar?fecha=2026-12-01").body)
		if !strings.Contains(p, "diciembre de 2026") || strings.Contains(p, vac.Text) {
			t.Error("December shows November's posts or lacks its heading")
		}
		// The month grid runs Monday to Sunday: 30 Nov is December's
		// first row.
		if c := dayCell(t, b.get("/calendar?fecha=2026-12-01").body, "2026-11-30"); !strings.Contains(c, "30") {
			t.Errorf("no 30 Nov in December's grid: %s", c)
		}
		if p := html.UnescapeString(b.get("/calendar?vista=semana&fecha=2026-11-25").body); !strings.Contains(p, `fecha=2026-11-30&vista=semana" rel="next"`) || !strings.Contains(p, `fecha=2026-11-16&vista=semana" rel="prev"`) {
			t.Error("the week's neighbours are not a week away")
		}
	})

}

func TestUICalendarCampaignFilter(t *testing.T) {
	s := newUIServer(t)
	vias := s.createCampaign(map[string]any{"name": "Vías del Nordeste", "starts_on": "2026-11-01"})
	navidad := s.createCampaign(map[string]any{"name": "Navidad", "starts_on": "2026-12-15"})
	s.createPost(map[string]any{"text": "Avanzan las obras", "targets": []string{"x-gob"}, "campaign": vias.ID,
		"scheduled_at": time.Date(2026, 11, 23, 9, 0, 0, 0, bogota).Format(time.RFC3339)})
	s.calPost("Sin campaña", time.Date(2026, 11, 24, 9, 0, 0, 0, bogota), "x-gob")
	b := s.signedIn("vera")

	t.Run("every campaign is offered by name, its id the value, even without posts in the month", func(t *testing.T) {
		body := html.UnescapeString(b.get("/calendar?fecha=2026-11-01").body)
		want := `<select id="f-campana" name="campana"><option value="">Todas las campañas</option>` +
			`<option value="` + navidad.ID + `">Navidad</option><option value="` + vias.ID + `">Vías del Nordeste</option></select>`
		if !strings.Contains(body, want) {
			t.Errorf("the filter lacks %s\n%s", want, body)
		}
	})
	t.Run("the chosen campaign is selected and filters", func(t *testing.T) {
		body := html.UnescapeString(b.get("/calendar?fecha=2026-11-01&campana=" + url.QueryEscape(vias.ID)).body)
		if !strings.Contains(body, `<option value="`+vias.ID+`" selected>Vías del Nordeste</option>`) ||
			!strings.Contains(body, "Avanzan las obras") || strings.Contains(body, "Sin campaña") {
			t.Errorf("filtered by %s:\n%s", vias.ID, body)
		}
	})
	t.Run("an unknown campaign in the address is kept, by its id", func(t *testing.T) {
		p := b.get("/calendar?fecha=2026-11-01&campana=c_nada")
		body := html.UnescapeString(p.body)
		if p.status != http.StatusOK || !strings.Contains(body, `<option value="c_nada" selected>Campaña c_nada (no existe)</option>`) ||
			strings.Contains(body, "Avanzan las obras") {
			t.Errorf("got %d\n%s", p.status, body)
		}
	})
	t.Run("in English", func(t *testing.T) {
		b := s.browserWithLang("en")
		b.signIn("vera")
		if body := html.UnescapeString(b.get("/calendar?campana=c_nada").body); !strings.Contains(body, `<option value="">All campaigns</option>`) ||
			!strings.Contains(body, "Campaign c_nada (does not exist)") {
			t.Errorf("the English filter:\n%s", body)
		}
	})
}

func TestUICalendarPaging(t *testing.T) {
	s := newUIServer(t)
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, bogota)
	for i := range 57 {
		s.calPost(fmt.Sprintf("Aviso número %02d", i), at.Add(time.Duration(i)*time.Minute), "x-gob")
	}
	b := s.signedIn("vera")

	t.Run("a month cell shows a few and links to the day's list", func(t *testing.T) {
		c := dayCell(t, b.get("/calendar").body, "2026-11-24")
		if n := strings.Count(c, `class="entry`); n != 4 {
			t.Errorf("the cell shows %d posts, want 4", n)
		}
		if !strings.Contains(c, `href="/calendar?fecha=2026-11-24&periodo=dia&vista=lista">y 53 más</a>`) {
			t.Errorf("no link to the rest:\n%s", c)
		}
	})
	t.Run("the list pages on the server", func(t *testing.T) {
		p := html.UnescapeString(b.get("/calendar?vista=lista").body)
		if n := strings.Count(p, "Aviso número"); n != 50 {
			t.Errorf("page 1 lists %d posts, want 50", n)
		}
		if !strings.Contains(p, "(57 publicaciones)") || !strings.Contains(p, "Página 1 de 2") || !strings.Contains(p, `href="/calendar?pagina=2&vista=lista" rel="next"`) {
			t.Errorf("no pager:\n%s", p)
		}
		p = html.UnescapeString(b.get("/calendar?vista=lista&pagina=2").body)
		if n := strings.Count(p, "Aviso número"); n != 7 || !strings.Contains(p, "Aviso número 56") || strings.Contains(p, "Aviso número 49") {
			t.Errorf("page 2 lists %d posts, want the last 7", n)
		}
	})
}

func TestUICalendarMove(t *testing.T) {
	s := newUIServer(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 24, 9, 15, 0, 0, bogota)
	salud := s.calPost("De Salud", at, "x-salud")
	gob := s.calPost("De la Gobernación", at, "x-gob")
	sent := s.calPost("Ya falló", at, "x-salud")
	s.failDelivery(t, sent.Deliveries[0].ID, "x_duplicate", "dup", pregonero.ClassDuplicate)

	t.Run("an editor's calendar lets them drag their waiting posts only", func(t *testing.T) {
		p := s.signedIn("edu").get("/calendar")
		if !strings.Contains(p.body, `data-move="/posts/`+salud.ID+`/move" data-time="09:15"`) {
			t.Error("the editor's waiting post is not draggable")
		}
		for _, id := range []string{gob.ID, sent.ID} {
			if strings.Contains(p.body, `data-move="/posts/`+id+`/move"`) {
				t.Errorf("post %s is draggable", id)
			}
		}
		if !strings.Contains(p.body, `<form method="post" id="calendar-move"`) {
			t.Error("no move form for calendar.js")
		}
		list := s.signedIn("edu").get("/calendar?vista=lista")
		if !strings.Contains(list.body, `action="/posts/`+salud.ID+`/move"`) || strings.Contains(list.body, `action="/posts/`+gob.ID+`/move"`) {
			t.Error("the list offers the move form to the wrong posts")
		}
		if !strings.Contains(list.body, `<label for="mover-`+salud.ID+`-fecha">Fecha</label>`) {
			t.Error("the list's move form has no labels")
		}
	})

	t.Run("a viewer sees nothing to drag", func(t *testing.T) {
		p := s.signedIn("vera").get("/calendar")
		if strings.Contains(p.body, "data-move=") || strings.Contains(p.body, `id="calendar-move"`) {
			t.Error("a viewer is offered to move posts")
		}
		if l := s.signedIn("vera").get("/calendar?vista=lista"); strings.Contains(l.body, "/move") {
			t.Error("a viewer's list offers to move posts")
		}
	})

	t.Run("a drop or the form moves the post, in Bogotá time, and goes back", func(t *testing.T) {
		b := s.signedIn("edu")
		token := b.get("/calendar").csrf(t)
		p := b.post("/posts/"+salud.ID+"/move", url.Values{"csrf_token": {token}, "fecha": {"2026-11-27"}, "hora": {"09:15"}, "next": {"/calendar?fecha=2026-11-01"}})
		if p.status != http.StatusSeeOther || p.location() != "/calendar?fecha=2026-11-01" {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		got, err := s.db.Post(ctx, salud.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 27, 14, 15, 0, 0, time.UTC); !got.ScheduledAt.Equal(want) || !got.Deliveries[0].ScheduledAt.Equal(want) {
			t.Errorf("got %v (delivery %v), want %v", got.ScheduledAt, got.Deliveries[0].ScheduledAt, want)
		}
		back := b.get(p.location())
		if !strings.Contains(html.UnescapeString(back.body), "Publicación movida: sale el vie 27 nov 2026, 09:15.") {
			t.Error("no message after the move")
		}
		if c := dayCell(t, back.body, "2026-11-27"); !strings.Contains(c, "De Salud") {
			t.Error("the calendar does not show the post on its new day")
		}
	})

	t.Run("while publishing is paused, the move says the post will wait", func(t *testing.T) {
		if r := s.request("POST", "/api/v1/pause", map[string]any{"reason": "Ley de garantías"}); r.status != 200 {
			t.Fatalf("pause: %d %s", r.status, r.body)
		}
		defer s.request("POST", "/api/v1/resume", nil)
		b := s.signedIn("edu")
		p := b.post("/posts/"+salud.ID+"/move", url.Values{"csrf_token": {b.get("/").csrf(t)}, "fecha": {"2026-11-28"}, "hora": {"10:00"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		back := html.UnescapeString(b.get(p.location()).body)
		if !strings.Contains(back, "Publicación movida: sale el sáb 28 nov 2026, 10:00. Atención: no saldrá mientras siga la pausa") || !strings.Contains(back, "Ley de garantías") {
			t.Errorf("no warning after the move:\n%s", back)
		}
	})
}

package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// seriesForm is a filled rule builder: weekly on Monday, Wednesday and
// Friday at 7:00 from Monday 23 November 2026, to x-gob; kv replaces or
// adds fields ("days" may be given several times as "days").
func seriesForm(token string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {token}, "name": {"Boletín de la mañana"}, "text": {"Boletín del {fecha}"}, "targets": {"x-gob"},
		"start_date": {"2026-11-23"}, "start_time": {"07:00"}, "zone": {"America/Bogota"}, "freq": {"weekly"}, "interval": {"1"},
		"days": {"MO", "WE", "FR"}, "monthly": {"day"}, "month_day": {"23"}, "nth": {"1"}, "nth_day": {"MO"}, "ends": {"never"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestUISeriesPages(t *testing.T) {
	s := newUIServer(t)
	for _, who := range []string{"ana", "edu", "vera"} {
		t.Run(who+" reads the list", func(t *testing.T) {
			p := s.signedIn(who).get("/series")
			if p.status != http.StatusOK || !strings.Contains(p.body, `<a href="/series" aria-current="page">Series</a>`) {
				t.Fatalf("got %d\n%s", p.status, p.body)
			}
			form := strings.Contains(p.body, `action="/series"`)
			if form != (who != "vera") {
				t.Errorf("form shown: %v", form)
			}
			if who == "edu" && (strings.Contains(p.body, `value="x-gob"`) || !strings.Contains(p.body, `value="x-salud"`)) {
				t.Errorf("an editor is offered only the accounts of their dependencias")
			}
		})
	}
	t.Run("a viewer may not post the form", func(t *testing.T) {
		b := s.signedIn("vera")
		if p := b.post("/series", seriesForm(b.get("/series").csrf(t))); p.status != http.StatusForbidden {
			t.Errorf("got %d", p.status)
		}
	})
	t.Run("an editor may not make a series for another dependencia's account", func(t *testing.T) {
		b := s.signedIn("edu")
		if p := b.post("/series", seriesForm(b.get("/series").csrf(t))); p.status != http.StatusForbidden {
			t.Errorf("got %d", p.status)
		}
	})

	b := s.signedIn("ana")
	token := b.get("/series").csrf(t)
	t.Run("the preview lists the next dates in Spanish", func(t *testing.T) {
		p := b.post("/series", seriesForm(token, "action", "preview"))
		body := html.UnescapeString(p.body)
		if p.status != http.StatusOK || !strings.Contains(body, "lunes 23 de noviembre de 2026, 07:00") || !strings.Contains(body, "miércoles 25 de noviembre de 2026, 07:00") {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		p = b.post("/series", seriesForm(token, "action", "preview", "freq", "monthly", "monthly", "nth", "nth", "2", "nth_day", "TU"))
		if body := html.UnescapeString(p.body); !strings.Contains(body, "martes 8 de diciembre de 2026, 07:00") || !strings.Contains(body, "martes 12 de enero de 2027, 07:00") {
			t.Errorf("the second Tuesday: got %d\n%s", p.status, p.body)
		}
	})
	t.Run("bad input is shown next to its field", func(t *testing.T) {
		v := seriesForm(token)
		v.Del("days")
		p := b.post("/series", v)
		if p.status != http.StatusUnprocessableEntity || fieldError(p, "days") != "Elija al menos un día de la semana." {
			t.Errorf("no day: got %d %q", p.status, fieldError(p, "days"))
		}
		p = b.post("/series", seriesForm(token, "text", strings.Repeat("a", 300)))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "text"), "x-gob") {
			t.Errorf("too long: got %d %q", p.status, fieldError(p, "text"))
		}
		p = b.post("/series", seriesForm(token, "zone", "Marte/Olimpo"))
		if p.status != http.StatusUnprocessableEntity || fieldError(p, "zone") == "" {
			t.Errorf("bad zone: got %d %q", p.status, fieldError(p, "zone"))
		}
	})

	p := b.post("/series", seriesForm(token))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/series/s_") {
		t.Fatalf("create: got %d %s\n%s", p.status, p.location(), p.body)
	}
	self := p.location()
	page := b.get(self)
	body := html.UnescapeString(page.body)
	t.Run("the series shows its rule in words and its posts", func(t *testing.T) {
		if page.status != http.StatusOK || !strings.Contains(body, "Serie «Boletín de la mañana» creada. Publicaciones programadas: 6.") ||
			!strings.Contains(body, "Cada semana: lunes, miércoles y viernes, a las 07:00 (America/Bogota)") ||
			!regexp.MustCompile(`<a href="/posts/p_[^"]+">lunes 23 de noviembre de 2026, 07:00</a>`).MatchString(body) {
			t.Fatalf("got %d\n%s", page.status, page.body)
		}
	})
	t.Run("an editor of another dependencia gets no form", func(t *testing.T) {
		if p := s.signedIn("edu").get(self); p.status != http.StatusOK || strings.Contains(p.body, `action="`+self+`"`) {
			t.Errorf("got %d", p.status)
		}
	})
	t.Run("skipping a date cancels its post", func(t *testing.T) {
		tok := page.csrf(t)
		p := b.post(self+"/skip", url.Values{"csrf_token": {tok}, "occurrence": {"2026-11-25T07:00"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		body := html.UnescapeString(b.get(self).body)
		if !strings.Contains(body, "Se omitió el miércoles 25 de noviembre de 2026, 07:00.") || !strings.Contains(body, "Omitida") {
			t.Errorf("got\n%s", body)
		}
	})
	t.Run("a change is saved and says what it did", func(t *testing.T) {
		tok := b.get(self).csrf(t)
		p := b.post(self, seriesForm(tok, "action", "save", "text", "Noticias del {fecha}", "exceptions", "2026-11-25"))
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		if body := html.UnescapeString(b.get(self).body); !strings.Contains(body, "Serie guardada. Publicaciones actualizadas: 5; canceladas: 0; conservadas: 0; nuevas: 0.") {
			t.Errorf("got\n%s", body)
		}
	})
	t.Run("ending it cancels its pending posts", func(t *testing.T) {
		tok := b.get(self).csrf(t)
		p := b.post(self+"/state", url.Values{"csrf_token": {tok}, "state": {"ended"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		body := html.UnescapeString(b.get(self).body)
		if !strings.Contains(body, "Serie terminada. Publicaciones pendientes canceladas: 5.") || !strings.Contains(body, "Terminada") {
			t.Errorf("got\n%s", body)
		}
	})
}

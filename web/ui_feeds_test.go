package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// feedFormValues is a filled feed form with the page's token.
func feedFormValues(token string, targets []string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {token}, "targets": targets}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var feedLocRE = regexp.MustCompile(`^/feeds/(f_[0-9a-z]+)$`)

func TestUIFeedsPages(t *testing.T) {
	s := newUIServer(t, withFeeds())
	site := feedSite(t)

	edu := s.signedIn("edu")
	list := edu.get("/feeds")
	if list.status != http.StatusOK || !strings.Contains(list.body, `<a href="/feeds" aria-current="page">Fuentes</a>`) ||
		!strings.Contains(list.body, "Todavía no hay fuentes.") {
		t.Fatalf("GET /feeds: %d\n%s", list.status, list.body)
	}
	if !strings.Contains(list.body, `value="x-salud"`) || strings.Contains(list.body, `value="x-gob"`) {
		t.Errorf("an editor of salud is offered other accounts than x-salud:\n%s", list.body)
	}

	t.Run("a bad form shows each error next to its field", func(t *testing.T) {
		p := edu.post("/feeds", feedFormValues(list.csrf(t), nil, "name", "", "url", "ftp://nada"))
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", p.status)
		}
		for field, want := range map[string]string{"name": "El nombre no es válido.", "url": "La dirección no es válida.", "targets": "Revise las cuentas."} {
			if got := fieldError(p, field); !strings.HasPrefix(got, want) {
				t.Errorf("error of %s = %q, want %q…", field, got, want)
			}
		}
		if !strings.Contains(p.body, `value="ftp://nada"`) {
			t.Error("the form lost what was typed")
		}
	})

	p := edu.post("/feeds", feedFormValues(list.csrf(t), []string{"x-salud"}, "name", "Noticias de Salud", "url", site.URL+"/rss", "every", "30m"))
	m := feedLocRE.FindStringSubmatch(p.location())
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("add feed: %d to %q\n%s", p.status, p.location(), p.body)
	}
	id := m[1]
	page := edu.get("/feeds/" + id)
	body := html.UnescapeString(page.body)
	if page.status != http.StatusOK || !strings.Contains(body, "Se agregó la fuente «Noticias de Salud»") || !strings.Contains(body, "Sin revisar todavía") {
		t.Fatalf("feed page: %d\n%s", page.status, page.body)
	}

	t.Run("Revisar ahora drafts the news and the page lists them", func(t *testing.T) {
		p := edu.post("/feeds/"+id+"/poll", url.Values{"csrf_token": {page.csrf(t)}})
		if p.status != http.StatusSeeOther || p.location() != "/feeds/"+id {
			t.Fatalf("poll: %d to %q", p.status, p.location())
		}
		after := edu.get("/feeds/" + id)
		body := html.UnescapeString(after.body)
		if !strings.Contains(body, "Se revisó la fuente. Borradores nuevos: 4.") || !strings.Contains(body, "Al día") ||
			!strings.Contains(body, "Jornada de vacunación en los 125 municipios") || strings.Count(body, `href="/posts/p_`) != 4 {
			t.Errorf("after the poll:\n%s", after.body)
		}
		again := edu.post("/feeds/"+id+"/poll", url.Values{"csrf_token": {page.csrf(t)}})
		if next := html.UnescapeString(edu.get(again.location()).body); !strings.Contains(next, "nada nuevo") {
			t.Errorf("second poll does not say nothing changed:\n%s", next)
		}
	})

	t.Run("a change is saved, a bad one refused next to its field", func(t *testing.T) {
		p := edu.post("/feeds/"+id, feedFormValues(page.csrf(t), []string{"x-salud"}, "name", "Salud al día", "url", site.URL+"/rss", "every", "2s"))
		if p.status != http.StatusUnprocessableEntity || !strings.HasPrefix(fieldError(p, "every"), "El intervalo no es válido.") {
			t.Fatalf("bad interval: %d, error %q", p.status, fieldError(p, "every"))
		}
		p = edu.post("/feeds/"+id, feedFormValues(page.csrf(t), []string{"x-salud"}, "name", "Salud al día", "url", site.URL+"/rss", "every", "1h"))
		if p.status != http.StatusSeeOther {
			t.Fatalf("change: %d\n%s", p.status, p.body)
		}
		if body := html.UnescapeString(edu.get("/feeds/" + id).body); !strings.Contains(body, "Salud al día") || !strings.Contains(body, `<option value="1h" selected>1h</option>`) {
			t.Errorf("the change is not shown:\n%s", body)
		}
	})

	t.Run("others read the feed; only who may post to its accounts changes it", func(t *testing.T) {
		vera := s.signedIn("vera")
		vp := vera.get("/feeds/" + id)
		if vp.status != http.StatusOK || strings.Contains(vp.body, `action="/feeds/`+id+`/poll"`) {
			t.Errorf("viewer's page: %d, with forms %v", vp.status, strings.Contains(vp.body, "/poll"))
		}
		if p := vera.post("/feeds/"+id+"/poll", url.Values{"csrf_token": {vp.csrf(t)}}); p.status != http.StatusForbidden {
			t.Errorf("viewer polling: %d, want 403", p.status)
		}
		ana := s.signedIn("ana")
		ap := ana.get("/feeds")
		if p := ana.post("/feeds", feedFormValues(ap.csrf(t), []string{"x-gob"}, "name", "Gobernación", "url", site.URL+"/rss")); p.status != http.StatusSeeOther {
			t.Fatalf("admin adds a feed: %d", p.status)
		} else {
			other := feedLocRE.FindStringSubmatch(p.location())[1]
			if p := edu.post("/feeds/"+other+"/delete", url.Values{"csrf_token": {page.csrf(t)}}); p.status != http.StatusForbidden {
				t.Errorf("editor removing a feed of x-gob: %d, want 403", p.status)
			}
		}
	})

	t.Run("a removed feed is gone from the list", func(t *testing.T) {
		p := edu.post("/feeds/"+id+"/delete", url.Values{"csrf_token": {page.csrf(t)}})
		if p.status != http.StatusSeeOther || p.location() != "/feeds" {
			t.Fatalf("delete: %d to %q", p.status, p.location())
		}
		if got := edu.get("/feeds/" + id); got.status != http.StatusNotFound {
			t.Errorf("removed feed's page: %d, want 404", got.status)
		}
	})
}

func TestUICalendarFeedPage(t *testing.T) {
	s := newUIServer(t)
	for _, who := range []string{"ana", "edu", "vera"} {
		t.Run(who+" makes and revokes their address", func(t *testing.T) {
			b := s.signedIn(who)
			p := b.get("/calendar-feed")
			if p.status != http.StatusOK || !strings.Contains(p.body, "Todavía no tiene una dirección de calendario.") {
				t.Fatalf("GET /calendar-feed: %d\n%s", p.status, p.body)
			}
			made := b.post("/calendar-feed", url.Values{"csrf_token": {p.csrf(t)}})
			m := regexp.MustCompile(`id="calfeed-url" readonly value="(http://[^"]+/calendar/[A-Za-z0-9_-]{43}\.ics)"`).FindStringSubmatch(made.body)
			if made.status != http.StatusOK || m == nil {
				t.Fatalf("POST /calendar-feed: %d\n%s", made.status, made.body)
			}
			again := b.get("/calendar-feed")
			if strings.Contains(again.body, m[1]) || !strings.Contains(html.UnescapeString(again.body), "Tiene una dirección desde el") {
				t.Errorf("the address is shown again, or its date is missing:\n%s", again.body)
			}
			rv := b.post("/calendar-feed/revoke", url.Values{"csrf_token": {p.csrf(t)}})
			if rv.status != http.StatusSeeOther {
				t.Fatalf("revoke: %d", rv.status)
			}
			if body := html.UnescapeString(b.get("/calendar-feed").body); !strings.Contains(body, "Se revocó su dirección de calendario") {
				t.Errorf("no word of the revocation:\n%s", body)
			}
		})
	}
}

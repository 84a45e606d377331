package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"pregonero/web"
)

// selected returns the value of the selected option of the select with
// that id.
func selected(tb testing.TB, body, id string) string {
	tb.Helper()
	m := regexp.MustCompile(`(?s)<select id="` + id + `".*?</select>`).FindString(body)
	if m == "" {
		tb.Fatalf("no select %s on the page:\n%s", id, body)
	}
	v := regexp.MustCompile(`<option value="([^"]*)"[^>]* selected>`).FindStringSubmatch(m)
	if v == nil {
		tb.Fatalf("select %s has no selected option:\n%s", id, m)
	}
	return v[1]
}

func TestUIProfilePage(t *testing.T) {
	s, _, _ := newUsersServer(t)
	for _, name := range []string{"ana", "edu", "vera"} {
		t.Run(name+" opens their profile from the header", func(t *testing.T) {
			b := s.signedIn(name)
			if home := b.get("/"); !strings.Contains(home.body, `<a href="/profile">Mi perfil</a>`) {
				t.Errorf("the header has no link to the profile:\n%s", home.body)
			}
			p := b.get("/profile")
			if p.status != 200 {
				t.Fatalf("got %d\n%s", p.status, p.body)
			}
			for _, want := range []string{`<a href="/profile" aria-current="page">Mi perfil</a>`, `<h1>Mi perfil</h1>`,
				`<label for="language">Idioma</label>`, `<label for="timezone">Zona horaria</label>`, `<label for="timezone_other">`,
				`<option value="en" lang="en">English</option>`, `<option value="America/New_York">`, `La del servidor (America/Bogota)`,
				"Ahora son las vie 20 nov 2026, 15:00"} {
				if !strings.Contains(p.body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if got := selected(t, p.body, "language"); got != "" {
				t.Errorf("language: got %q selected, want the browser's", got)
			}
			if got := selected(t, p.body, "timezone"); got != "" {
				t.Errorf("zone: got %q selected, want the server's", got)
			}
		})
	}
	t.Run("the form is checked for its csrf token", func(t *testing.T) {
		if !slices.Contains(web.UIFormPaths(s.web), "/profile") {
			t.Error("the profile form is not registered")
		}
	})
}

func TestUIProfileSave(t *testing.T) {
	s, svc, people := newUsersServer(t)
	b := s.signedIn("edu")
	save := func(t *testing.T, form url.Values) page {
		t.Helper()
		form.Set("csrf_token", b.get("/profile").csrf(t))
		return b.post("/profile", form)
	}

	t.Run("English and Madrid take effect on the next page", func(t *testing.T) {
		p := save(t, url.Values{"language": {"en"}, "timezone": {"Europe/Madrid"}})
		if p.status != http.StatusSeeOther || p.location() != "/profile" {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		p = b.get("/profile")
		for _, want := range []string{`<html lang="en">`, "<h1>My profile</h1>", "Profile saved.",
			"It is now Fri 20 Nov 2026, 21:00", "Times are shown in the Europe/Madrid time zone.", "Your user profile sets the language."} {
			if !strings.Contains(html.UnescapeString(p.body), want) {
				t.Errorf("the page lacks %q\n%s", want, p.body)
			}
		}
		if got := selected(t, p.body, "language"); got != "en" {
			t.Errorf("language: got %q selected", got)
		}
		if got := selected(t, p.body, "timezone"); got != "Europe/Madrid" {
			t.Errorf("zone: got %q selected", got)
		}
		if home := b.get("/"); !strings.Contains(home.body, `<html lang="en">`) || !strings.Contains(home.body, "Times are shown in the Europe/Madrid time zone.") {
			t.Error("the dashboard is not in the new language and zone")
		}
		u, err := svc.User(context.Background(), people["edu"].ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Language != "en" || u.Timezone != "Europe/Madrid" {
			t.Errorf("stored %q %q", u.Language, u.Timezone)
		}
	})
	t.Run("another zone is typed", func(t *testing.T) {
		p := save(t, url.Values{"language": {"en"}, "timezone": {"other"}, "timezone_other": {" Asia/Tokyo "}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		p = b.get("/profile")
		if !strings.Contains(p.body, "It is now Sat 21 Nov 2026, 05:00") || !strings.Contains(p.body, "Times are shown in the Asia/Tokyo time zone.") {
			t.Errorf("the page is not in Tokyo's zone:\n%s", p.body)
		}
		if got := selected(t, p.body, "timezone"); got != "other" {
			t.Errorf("zone: got %q selected, want other", got)
		}
		if !strings.Contains(p.body, `value="Asia/Tokyo"`) {
			t.Error("the text field does not hold the zone")
		}
	})
	t.Run("an unknown zone is refused next to the field", func(t *testing.T) {
		p := save(t, url.Values{"language": {"es"}, "timezone": {"other"}, "timezone_other": {"America/Atlantis"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422\n%s", p.status, p.body)
		}
		body := html.UnescapeString(p.body)
		if !regexp.MustCompile(`<p class="field-error" id="timezone-error">That is not a known time zone\.[^<]*America/Atlantis`).MatchString(body) {
			t.Errorf("no error next to the zone:\n%s", body)
		}
		if !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `value="America/Atlantis"`) {
			t.Error("the field is not marked, or lost what was typed")
		}
		if u, _ := svc.User(context.Background(), people["edu"].ID); u.Timezone != "Asia/Tokyo" || u.Language != "en" {
			t.Errorf("a refused profile was stored: %q %q", u.Language, u.Timezone)
		}
	})
	t.Run("another zone without a name is refused", func(t *testing.T) {
		p := save(t, url.Values{"language": {"en"}, "timezone": {"other"}, "timezone_other": {""}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(p.body), `id="timezone-error">You chose “Other zone”: type its name.`) {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})
	t.Run("an unsupported language is refused next to the field", func(t *testing.T) {
		p := save(t, url.Values{"language": {"fr"}, "timezone": {"UTC"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="language-error">That language is not available.`) {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})
	t.Run("empty values give back the browser's language and the server's zone", func(t *testing.T) {
		p := save(t, url.Values{"language": {""}, "timezone": {""}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		p = b.get("/profile")
		for _, want := range []string{`<html lang="es">`, "Perfil guardado.", "Las horas se muestran en la zona America/Bogota.", "Ahora son las vie 20 nov 2026, 15:00"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(p.body, "El idioma lo fija su perfil") {
			t.Error("the page says the profile fixes the language")
		}
	})
	t.Run("a user changes only their own", func(t *testing.T) {
		vera := s.signedIn("vera")
		p := vera.post("/profile", url.Values{"csrf_token": {vera.get("/profile").csrf(t)}, "language": {"en"}, "timezone": {"UTC"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		if u, _ := svc.User(context.Background(), people["edu"].ID); u.Language != "" || u.Timezone != "" {
			t.Errorf("vera's form changed edu's profile: %q %q", u.Language, u.Timezone)
		}
		if u, _ := svc.User(context.Background(), people["vera"].ID); u.Language != "en" || u.Timezone != "UTC" {
			t.Errorf("vera's profile: %q %q", u.Language, u.Timezone)
		}
	})
}

func TestUIProfileWithoutProfiles(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("vera")
	p := b.get("/profile")
	if p.status != 200 || !strings.Contains(p.body, "Este servidor no permite cambiar el perfil.") || strings.Contains(p.body, `action="/profile"`) {
		t.Errorf("got %d\n%s", p.status, p.body)
	}
	p = b.post("/profile", url.Values{"csrf_token": {p.csrf(t)}, "language": {"en"}})
	if p.status != http.StatusServiceUnavailable {
		t.Errorf("got %d, want 503", p.status)
	}
}

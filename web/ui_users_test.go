package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"pregonero"
	"pregonero/users"
)

// newUsersServer is a test server whose web interface signs in with the
// real users service, holding an admin (ana), an editor of salud (edu)
// and a viewer (vera), each with testPassword.
func newUsersServer(t *testing.T) (*uiServer, *users.Service, map[string]*pregonero.User) {
	t.Helper()
	var svc *users.Service
	ts := newTestServer(t, withUsersService(&svc))
	ctx := context.Background()
	people := map[string]*pregonero.User{}
	for _, u := range []struct {
		name  string
		role  pregonero.Role
		units []string
	}{{"ana", pregonero.RoleAdmin, nil}, {"edu", pregonero.RoleEditor, []string{"salud"}}, {"vera", pregonero.RoleViewer, nil}} {
		made, err := svc.Create(ctx, u.name, testPassword, u.role, u.units)
		if err != nil {
			t.Fatal(err)
		}
		people[u.name] = made
	}
	return &uiServer{testServer: ts}, svc, people
}

// oneTimeRE finds a secret shown once on a user's page.
var oneTimeRE = regexp.MustCompile(`<code id="secret-value">([^<]+)</code>`)

func TestUIUsersRoles(t *testing.T) {
	s, _, people := newUsersServer(t)
	for _, name := range []string{"edu", "vera"} {
		t.Run(name+" may not reach the users pages", func(t *testing.T) {
			b := s.signedIn(name)
			for _, path := range []string{"/users", "/users/" + people["vera"].ID, "/users/" + people[name].ID} {
				if p := b.get(path); p.status != http.StatusForbidden {
					t.Errorf("GET %s: got %d, want 403", path, p.status)
				}
			}
			token := b.get("/").csrf(t)
			id := people[name].ID
			for _, path := range []string{"/users", "/users/" + id, "/users/" + id + "/disable", "/users/" + id + "/password-reset", "/users/" + id + "/tokens"} {
				p := b.post(path, url.Values{"csrf_token": {token}, "username": {"intruso"}, "role": {"admin"}, "name": {"mío"}})
				if p.status != http.StatusForbidden {
					t.Errorf("POST %s: got %d, want 403", path, p.status)
				}
			}
			if strings.Contains(b.get("/").body, `href="/users"`) {
				t.Error("the menu offers the users page")
			}
		})
	}
}

func TestUIUsersList(t *testing.T) {
	s, svc, people := newUsersServer(t)
	if _, err := svc.ResetPassword(context.Background(), people["vera"].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Update(context.Background(), people["edu"].ID, pregonero.RoleEditor, []string{"salud", "cultura"}, true); err != nil {
		t.Fatal(err)
	}
	p := s.signedIn("ana").get("/users")
	if p.status != 200 {
		t.Fatalf("got %d", p.status)
	}
	body := html.UnescapeString(p.body)
	for _, want := range []string{
		`<th scope="row"><a href="/users/` + people["edu"].ID + `">edu</a></th>`, "salud, cultura", "deshabilitado",
		`<td data-label="Rol">lector</td>`, "debe cambiar su contraseña", `<td data-label="Rol">administrador</td>`,
		`<label for="username">`, `<label for="role">`, `<label for="other_units">`, `name="units" value="salud"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestUIUsersCreate(t *testing.T) {
	s, svc, _ := newUsersServer(t)
	admin := s.signedIn("ana")
	token := admin.get("/users").csrf(t)

	t.Run("refusals are said next to their field", func(t *testing.T) {
		for name, tt := range map[string]struct {
			form  url.Values
			field string
			want  string
		}{
			"no username":         {url.Values{"role": {"viewer"}}, "username", "Escriba el nombre de usuario."},
			"a bad username":      {url.Values{"username": {"josé"}, "role": {"viewer"}}, "username", "El nombre de usuario no es válido."},
			"a taken username":    {url.Values{"username": {"EDU"}, "role": {"viewer"}}, "username", "Ese nombre de usuario ya existe."},
			"an editor, no units": {url.Values{"username": {"luz"}, "role": {"editor"}}, "units", "Las dependencias no son válidas."},
			"an unknown role":     {url.Values{"username": {"luz"}, "role": {"jefe"}}, "role", "El rol no es válido."},
		} {
			t.Run(name, func(t *testing.T) {
				tt.form.Set("csrf_token", token)
				p := admin.post("/users", tt.form)
				if p.status != http.StatusUnprocessableEntity {
					t.Fatalf("got %d, want 422\n%s", p.status, p.body)
				}
				if !strings.Contains(html.UnescapeString(p.body), `id="`+tt.field+`-error">`+tt.want) {
					t.Errorf("no error %q next to %s:\n%s", tt.want, tt.field, p.body)
				}
			})
		}
		if list, _ := svc.Users(context.Background()); len(list) != 3 {
			t.Errorf("got %d users, want 3", len(list))
		}
	})

	t.Run("a new user gets a one-time password shown once", func(t *testing.T) {
		p := admin.post("/users", url.Values{"csrf_token": {token}, "username": {"lucia"}, "role": {"editor"},
			"units": {"salud"}, "other_units": {"cultura, turismo"}})
		if p.status != http.StatusOK {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		m := oneTimeRE.FindStringSubmatch(p.body)
		if m == nil || !strings.Contains(p.body, "Se creó el usuario lucia.") || p.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("no one-time password shown, or the page may be cached:\n%s", p.body)
		}
		otp := m[1]
		u := userNamed(t, svc, "lucia")
		if u.Role != pregonero.RoleEditor || strings.Join(u.Units, ",") != "salud,cultura,turismo" || !u.MustChangePassword {
			t.Errorf("got %+v", u)
		}
		if again := admin.get("/users/" + u.ID); strings.Contains(again.body, otp) || oneTimeRE.MatchString(again.body) {
			t.Error("the one-time password is shown again")
		}
		if list := admin.get("/users"); strings.Contains(list.body, otp) {
			t.Error("the list shows the one-time password")
		}
		lucia := s.browser()
		login := lucia.get("/login")
		r := lucia.post("/login", url.Values{"username": {"lucia"}, "password": {otp}, "csrf_token": {login.csrf(t)}})
		if r.status != http.StatusSeeOther || r.location() != "/password" {
			t.Errorf("sign in with the one-time password: got %d to %q, want /password", r.status, r.location())
		}
	})
}

func userNamed(t *testing.T, svc *users.Service, name string) *pregonero.User {
	t.Helper()
	list, err := svc.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range list {
		if u.Username == name {
			return u
		}
	}
	t.Fatalf("no user %s", name)
	return nil
}

func TestUIUsersChange(t *testing.T) {
	s, svc, people := newUsersServer(t)
	admin := s.signedIn("ana")
	edu := people["edu"]
	token := admin.get("/users/" + edu.ID).csrf(t)

	t.Run("role and dependencias", func(t *testing.T) {
		p := admin.post("/users/"+edu.ID, url.Values{"csrf_token": {token}, "role": {"editor"}, "units": {"salud"}, "other_units": {"educación"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		if u := userNamed(t, svc, "edu"); strings.Join(u.Units, ",") != "salud,educación" {
			t.Errorf("got units %v", u.Units)
		}
		back := html.UnescapeString(admin.get(p.location()).body)
		if !strings.Contains(back, "Rol y dependencias guardados.") || !strings.Contains(back, `value="educación"`) {
			t.Errorf("after the change:\n%s", back)
		}
		p = admin.post("/users/"+edu.ID, url.Values{"csrf_token": {token}, "role": {"editor"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="units-error"`) {
			t.Errorf("an editor without units: got %d", p.status)
		}
	})

	t.Run("disabling ends the sessions; enabling lets them back", func(t *testing.T) {
		b := s.signedIn("edu")
		if p := admin.post("/users/"+edu.ID+"/disable", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		if !userNamed(t, svc, "edu").Disabled {
			t.Fatal("not disabled")
		}
		if p := b.get("/"); p.status != http.StatusSeeOther {
			t.Errorf("the disabled user's browser: got %d, want 303 to sign in", p.status)
		}
		if back := admin.get("/users/" + edu.ID); !strings.Contains(back.body, `action="/users/`+edu.ID+`/enable"`) {
			t.Error("no enable form")
		}
		if p := admin.post("/users/"+edu.ID+"/enable", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		s.signedIn("edu")
	})

	t.Run("the last active admin cannot be disabled nor demoted", func(t *testing.T) {
		ana := people["ana"]
		for path, form := range map[string]url.Values{
			"/users/" + ana.ID + "/disable": {"csrf_token": {token}},
			"/users/" + ana.ID:              {"csrf_token": {token}, "role": {"viewer"}},
		} {
			p := admin.post(path, form)
			if p.status != http.StatusSeeOther {
				t.Fatalf("%s: got %d", path, p.status)
			}
			back := html.UnescapeString(admin.get(p.location()).body)
			if !strings.Contains(back, "es el último administrador activo") {
				t.Errorf("%s: no refusal:\n%s", path, back)
			}
		}
		if u := userNamed(t, svc, "ana"); u.Disabled || u.Role != pregonero.RoleAdmin {
			t.Errorf("got %+v", u)
		}
	})

	t.Run("a reset gives a one-time password once and ends the sessions", func(t *testing.T) {
		b := s.signedIn("vera")
		vera := people["vera"]
		p := admin.post("/users/"+vera.ID+"/password-reset", url.Values{"csrf_token": {token}})
		m := oneTimeRE.FindStringSubmatch(p.body)
		if p.status != 200 || m == nil || !strings.Contains(p.body, "Se restableció la contraseña de vera.") {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		if b.get("/").status != http.StatusSeeOther {
			t.Error("vera's session is still open")
		}
		if strings.Contains(admin.get("/users/"+vera.ID).body, m[1]) {
			t.Error("the one-time password is shown again")
		}
		login := b.get("/login")
		if r := b.post("/login", url.Values{"username": {"vera"}, "password": {testPassword}, "csrf_token": {login.csrf(t)}}); r.status != http.StatusUnauthorized {
			t.Errorf("the old password: got %d, want 401", r.status)
		}
		login = b.get("/login")
		if r := b.post("/login", url.Values{"username": {"vera"}, "password": {m[1]}, "csrf_token": {login.csrf(t)}}); r.location() != "/password" {
			t.Errorf("the one-time password: got %d to %q", r.status, r.location())
		}
	})
}

func TestUIUsersTokens(t *testing.T) {
	s, _, people := newUsersServer(t)
	admin := s.signedIn("ana")
	edu := people["edu"]
	page := "/users/" + edu.ID
	token := admin.get(page).csrf(t)

	t.Run("a name is required", func(t *testing.T) {
		p := admin.post(page+"/tokens", url.Values{"csrf_token": {token}, "name": {" "}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="token-name-error">Póngale un nombre al token.`) {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})

	var secret string
	t.Run("a new token is shown once, with a copy button", func(t *testing.T) {
		p := admin.post(page+"/tokens", url.Values{"csrf_token": {token}, "name": {"script de reportes"}})
		m := oneTimeRE.FindStringSubmatch(p.body)
		if p.status != 200 || m == nil || !strings.HasPrefix(m[1], users.TokenPrefix) {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		secret = m[1]
		body := html.UnescapeString(p.body)
		for _, want := range []string{"Token «script de reportes» creado:", "no se volverá a mostrar", `class="copy" data-copy="secret-value"`, "users.js"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if r := s.request("GET", "/api/v1/accounts", nil, asToken(secret)...); r.status != 200 {
			t.Errorf("the token does not work: %d", r.status)
		}
		again := html.UnescapeString(admin.get(page).body)
		if strings.Contains(again, secret) {
			t.Error("the token is shown again")
		}
		if !strings.Contains(again, `<th scope="row">script de reportes</th>`) {
			t.Error("the token is not listed by name")
		}
	})

	t.Run("revoking stops it", func(t *testing.T) {
		m := regexp.MustCompile(`name="token_id" value="([0-9a-f]+)"`).FindStringSubmatch(admin.get(page).body)
		if m == nil {
			t.Fatal("no revoke form")
		}
		p := admin.post(page+"/tokens/revoke", url.Values{"csrf_token": {token}, "token_id": {m[1]}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		if r := s.request("GET", "/api/v1/accounts", nil, asToken(secret)...); r.status != http.StatusUnauthorized {
			t.Errorf("the revoked token: got %d, want 401", r.status)
		}
		if back := admin.get(p.location()); !strings.Contains(back.body, "Token revocado") || !strings.Contains(back.body, "Este usuario no tiene tokens.") {
			t.Error("no message, or the token is still listed")
		}
	})
}

func TestUIUsersWithoutManagement(t *testing.T) {
	s := newUIServer(t)
	p := s.signedIn("ana").get("/users")
	if p.status != 200 || !strings.Contains(p.body, "Este servidor no puede administrar usuarios") || strings.Contains(p.body, `action="/users"`) {
		t.Errorf("got %d\n%s", p.status, p.body)
	}
}

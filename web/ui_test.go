package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/web"
	"pregonero/web/i18n"
)

func TestUISignIn(t *testing.T) {
	s := newUIServer(t)

	t.Run("signed out, a page sends to the sign-in page with the way back", func(t *testing.T) {
		b := s.browser()
		if p := b.get("/"); p.status != http.StatusSeeOther || p.location() != "/login" {
			t.Errorf("GET /: got %d to %q, want 303 to /login", p.status, p.location())
		}
		p := b.get("/password?x=1")
		if want := "/login?next=" + url.QueryEscape("/password?x=1"); p.status != http.StatusSeeOther || p.location() != want {
			t.Errorf("GET /password?x=1: got %d to %q, want 303 to %q", p.status, p.location(), want)
		}
	})

	t.Run("the form has labels, autocomplete and its own csrf token", func(t *testing.T) {
		b := s.browser()
		p := b.get("/login?next=/password")
		if p.status != 200 {
			t.Fatalf("got %d", p.status)
		}
		for _, want := range []string{
			`<html lang="es">`, `<label for="username">Usuario</label>`, `<label for="password">Contraseña</label>`,
			`autocomplete="username"`, `autocomplete="current-password"`, `action="/login"`, `name="next" value="/password"`,
		} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		c := b.cookie("pregonero_csrf")
		if c != nil {
			t.Errorf("the sign-in token cookie is sent to every path: %+v", c)
		}
		if !strings.Contains(p.header.Get("Set-Cookie"), "pregonero_csrf="+p.csrf(t)) {
			t.Errorf("got Set-Cookie %q, want the form's token", p.header.Get("Set-Cookie"))
		}
	})

	t.Run("a right password opens a session and goes where the person was going", func(t *testing.T) {
		b := s.browser()
		login := b.get("/login?next=" + url.QueryEscape("/password?a=b"))
		p := b.post("/login", url.Values{"username": {"ana"}, "password": {testPassword}, "csrf_token": {login.csrf(t)}, "next": {"/password?a=b"}})
		if p.status != http.StatusSeeOther || p.location() != "/password?a=b" {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: p.header}).Cookies() {
			if c.Name == "pregonero_session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure {
			t.Fatalf("got session cookie %+v, want HttpOnly, SameSite=Lax, Path=/, not Secure over http", cookie)
		}
		if p := b.get("/"); p.status != 200 || !strings.Contains(p.body, "ana") {
			t.Errorf("GET / signed in: got %d", p.status)
		}
		if p := b.get("/login"); p.status != http.StatusSeeOther || p.location() != "/" {
			t.Errorf("GET /login signed in: got %d to %q, want 303 to /", p.status, p.location())
		}
	})

	t.Run("cookies are Secure when the public URL is https", func(t *testing.T) {
		f := newFakeUsers(time.Now)
		ts := newTestServer(t, withUsers(f, "https://pregonero.example"))
		f.add(pregonero.User{Username: "ana", Role: pregonero.RoleAdmin}, testPassword)
		b := (&uiServer{testServer: ts, users: f}).browser()
		login := b.get("/login")
		if !strings.Contains(login.header.Get("Set-Cookie"), "Secure") {
			t.Errorf("sign-in token cookie: got %q, want Secure", login.header.Get("Set-Cookie"))
		}
		p := b.post("/login", url.Values{"username": {"ana"}, "password": {testPassword}, "csrf_token": {login.csrf(t)}})
		for _, c := range (&http.Response{Header: p.header}).Cookies() {
			if c.Name == "pregonero_session" && !c.Secure {
				t.Errorf("got session cookie %+v, want Secure", c)
			}
		}
	})

	t.Run("a wrong password or an unknown user get one generic answer", func(t *testing.T) {
		for _, user := range []string{"ana", "nadie"} {
			b := s.browser()
			login := b.get("/login")
			p := b.post("/login", url.Values{"username": {user}, "password": {"mala-contraseña"}, "csrf_token": {login.csrf(t)}})
			if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Usuario o contraseña incorrectos.") {
				t.Errorf("%s: got %d\n%s", user, p.status, p.body)
			}
			if !strings.Contains(p.body, `value="`+user+`"`) || strings.Contains(p.body, "mala-contraseña") {
				t.Errorf("%s: the form must keep the username and never the password", user)
			}
			if b.cookie("pregonero_session") != nil {
				t.Errorf("%s: a session cookie after a refused sign-in", user)
			}
		}
	})

	t.Run("empty fields are asked for", func(t *testing.T) {
		b := s.browser()
		login := b.get("/login")
		p := b.post("/login", url.Values{"username": {"ana"}, "csrf_token": {login.csrf(t)}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Escriba su usuario y su contraseña.") {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})

	t.Run("after five wrong passwords the tries are slowed, a right one too", func(t *testing.T) {
		b := s.browser()
		for i := range 5 {
			login := b.get("/login")
			if p := b.post("/login", url.Values{"username": {"vera"}, "password": {"no"}, "csrf_token": {login.csrf(t)}}); p.status != http.StatusUnauthorized {
				t.Fatalf("try %d: got %d, want 401", i+1, p.status)
			}
		}
		login := b.get("/login")
		p := b.post("/login", url.Values{"username": {"vera"}, "password": {testPassword}, "csrf_token": {login.csrf(t)}})
		if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "demasiados intentos fallidos seguidos") {
			t.Fatalf("got %d, want 429 with the throttle message\n%s", p.status, p.body)
		}
		if !strings.Contains(p.body, "Detalle (en inglés): Too many failed sign-ins; try again after") {
			t.Errorf("the page does not say when to try again:\n%s", p.body)
		}
		s.clock.Add(2 * time.Minute)
		login = b.get("/login")
		if p := b.post("/login", url.Values{"username": {"vera"}, "password": {testPassword}, "csrf_token": {login.csrf(t)}}); p.status != http.StatusSeeOther {
			t.Errorf("after the wait: got %d, want 303", p.status)
		}
	})

	t.Run("next never leaves the site", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "evil"} {
			b := s.browser()
			login := b.get("/login")
			p := b.post("/login", url.Values{"username": {"ana"}, "password": {testPassword}, "csrf_token": {login.csrf(t)}, "next": {next}})
			if p.location() != "/" {
				t.Errorf("next %q: got redirect to %q, want /", next, p.location())
			}
		}
	})
}

func TestUISessionExpiry(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("edu")
	if p := b.get("/"); p.status != 200 {
		t.Fatalf("got %d", p.status)
	}
	s.clock.Add(12*time.Hour + time.Minute)
	p := b.get("/?dia1=2")
	if want := "/login?next=" + url.QueryEscape("/?dia1=2"); p.status != http.StatusSeeOther || p.location() != want {
		t.Fatalf("got %d to %q, want 303 to %q", p.status, p.location(), want)
	}
	if c := b.cookie("pregonero_session"); c != nil {
		t.Errorf("the ended session's cookie is kept: %+v", c)
	}
	login := b.get(p.location())
	if !strings.Contains(login.body, "Su sesión terminó") {
		t.Errorf("the sign-in page does not say the session ended:\n%s", login.body)
	}
}

func TestUIMustChangePassword(t *testing.T) {
	s := newUIServer(t)
	s.users.add(pregonero.User{Username: "admin", Role: pregonero.RoleAdmin, MustChangePassword: true}, "una-sola-vez-123")
	b := s.browser()
	login := b.get("/login?next=/")
	p := b.post("/login", url.Values{"username": {"admin"}, "password": {"una-sola-vez-123"}, "csrf_token": {login.csrf(t)}, "next": {"/"}})
	if p.location() != "/password" {
		t.Fatalf("after sign-in: got %d to %q, want /password", p.status, p.location())
	}
	for _, path := range web.UIPagePaths(s.web) {
		if path == "/password" {
			continue
		}
		if p := b.get(path); p.status != http.StatusSeeOther || p.location() != "/password" {
			t.Errorf("GET %s: got %d to %q, want 303 to /password", path, p.status, p.location())
		}
	}
	form := b.get("/password")
	if form.status != 200 || !strings.Contains(form.body, "Su contraseña fue asignada por otra persona") {
		t.Fatalf("GET /password: got %d\n%s", form.status, form.body)
	}
	p = b.post("/password", url.Values{"csrf_token": {form.csrf(t)}, "current_password": {"una-sola-vez-123"},
		"new_password": {"otra clave más larga"}, "repeat_password": {"otra clave más larga"}})
	if p.status != http.StatusSeeOther || p.location() != "/" {
		t.Fatalf("change: got %d to %q\n%s", p.status, p.location(), p.body)
	}
	if p := b.get("/"); p.status != 200 || !strings.Contains(p.body, "Su contraseña quedó cambiada.") {
		t.Errorf("GET / after the change: got %d", p.status)
	}
}

func TestUIPasswordChange(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("edu")
	other := s.signedIn("edu")
	tests := []struct {
		name                  string
		current, next, repeat string
		field, want           string
	}{
		{"the new ones must match", testPassword, "una clave nueva larga", "otra distinta", "repeat_password", "Las dos contraseñas nuevas no coinciden."},
		{"the current one must be right", "no-es-esta", "una clave nueva larga", "una clave nueva larga", "current_password", "La contraseña actual no es correcta."},
		{"the service's rules apply", testPassword, "corta", "corta", "new_password", "La contraseña nueva no cumple las reglas"},
		{"every field is required", "", "", "", "current_password", "Este campo es obligatorio."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := b.get("/password")
			p := b.post("/password", url.Values{"csrf_token": {form.csrf(t)}, "current_password": {tt.current},
				"new_password": {tt.next}, "repeat_password": {tt.repeat}})
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", p.status)
			}
			if !strings.Contains(p.body, `id="`+tt.field+`-error">`+html.EscapeString(tt.want)) {
				t.Errorf("no error %q next to %s:\n%s", tt.want, tt.field, p.body)
			}
			if !strings.Contains(p.body, `aria-invalid="true"`) {
				t.Error("the field is not marked invalid")
			}
		})
	}
	t.Run("a change keeps this session and ends the others", func(t *testing.T) {
		form := b.get("/password")
		p := b.post("/password", url.Values{"csrf_token": {form.csrf(t)}, "current_password": {testPassword},
			"new_password": {"una clave nueva larga"}, "repeat_password": {"una clave nueva larga"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		if p := b.get("/"); p.status != 200 {
			t.Errorf("this browser: got %d, want 200", p.status)
		}
		if p := other.get("/"); p.status != http.StatusSeeOther {
			t.Errorf("the other browser: got %d, want 303 to sign in", p.status)
		}
	})
}

func TestUILogout(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("vera")
	home := b.get("/")
	p := b.post("/logout", url.Values{"csrf_token": {home.csrf(t)}})
	if p.status != http.StatusSeeOther || p.location() != "/login" {
		t.Fatalf("got %d to %q, want 303 to /login", p.status, p.location())
	}
	if s.users.sessionCount("u_vera") != 0 {
		t.Error("the session is still open")
	}
	if login := b.get("/login"); !strings.Contains(login.body, "Salió de Pregonero.") {
		t.Error("the sign-in page does not say the person signed out")
	}
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("GET / after sign-out: got %d, want 303", p.status)
	}
}

func TestUICSRF(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("ana")
	token := b.get("/").csrf(t)
	paths := web.UIFormPaths(s.web)
	for _, want := range []string{"/login", "/logout", "/password", "/deliveries/x/retry", "/deliveries/x/release", "/posts/x/cancel"} {
		if !slices.Contains(paths, want) {
			t.Errorf("form %s is not registered", want)
		}
	}
	for _, path := range paths {
		for name, form := range map[string]url.Values{
			"without a token":   {"next": {"/"}},
			"with a wrong one":  {"csrf_token": {token + "x"}},
			"with an empty one": {"csrf_token": {""}},
		} {
			t.Run(path+" "+name+" is refused", func(t *testing.T) {
				p := b.post(path, form)
				if p.status != http.StatusForbidden {
					t.Fatalf("got %d, want 403\n%s", p.status, p.body)
				}
				if !strings.Contains(p.body, "caducó") {
					t.Errorf("the page does not say the form expired:\n%s", p.body)
				}
			})
		}
	}
	t.Run("the sign-in token of another browser is refused", func(t *testing.T) {
		other := s.browser().get("/login").csrf(t)
		fresh := s.browser()
		fresh.get("/login")
		if p := fresh.post("/login", url.Values{"username": {"ana"}, "password": {testPassword}, "csrf_token": {other}}); p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
	})
	t.Run("the token of another session is refused", func(t *testing.T) {
		other := s.signedIn("ana").get("/").csrf(t)
		if p := b.post("/logout", url.Values{"csrf_token": {other}}); p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
		if p := b.get("/"); p.status != 200 {
			t.Errorf("the session ended on a refused form: got %d", p.status)
		}
	})
}

func TestUIMenu(t *testing.T) {
	s := newUIServer(t)
	for _, tt := range []struct {
		user pregonero.User
		want []string
	}{
		{pregonero.User{Role: pregonero.RoleAdmin}, []string{"/", "/compose", "/calendar", "/queue", "/series", "/import", "/feeds", "/campaigns", "/reports", "/accounts", "/pause", "/users", "/notifications", "/editors", "/admins"}},
		{pregonero.User{Role: pregonero.RoleEditor, Units: []string{"salud"}}, []string{"/", "/compose", "/calendar", "/queue", "/series", "/import", "/feeds", "/campaigns", "/reports", "/accounts", "/notifications", "/editors"}},
		{pregonero.User{Role: pregonero.RoleViewer}, []string{"/", "/calendar", "/queue", "/series", "/feeds", "/campaigns", "/reports", "/accounts", "/notifications"}},
		// A disabled admin keeps only what any reader may open (a disabled
		// user cannot sign in: the session check refuses them first).
		{pregonero.User{Role: pregonero.RoleAdmin, Disabled: true}, []string{"/", "/calendar", "/queue", "/series", "/feeds", "/campaigns", "/reports", "/accounts", "/notifications"}},
	} {
		t.Run(string(tt.user.Role)+" sees only the pages it may open", func(t *testing.T) {
			if got := web.UIMenu(s.web, &tt.user); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("the layout shows the menu with the current page marked", func(t *testing.T) {
		p := s.signedIn("vera").get("/")
		if !strings.Contains(p.body, `<a href="/" aria-current="page">Tablero</a>`) {
			t.Errorf("no current menu entry:\n%s", p.body)
		}
	})
}

// failDelivery makes a delivery failed with a code, as the publisher
// would.
func (s *uiServer) failDelivery(t *testing.T, id, code, msg string, class pregonero.ErrorClass) {
	t.Helper()
	if _, err := s.db.UpdateDelivery(context.Background(), id, func(x *pregonero.Delivery) error {
		x.Claimed = true
		return x.Fail(&pregonero.DeliveryError{Class: class, Code: code, Message: msg, NetworkMessage: "raw: " + code, At: s.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
}

func (s *uiServer) holdDelivery(t *testing.T, id, reason string) {
	t.Helper()
	if _, err := s.db.UpdateDelivery(context.Background(), id, func(x *pregonero.Delivery) error {
		return x.Hold(reason, &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "held_" + reason, Message: "held", At: s.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
}

func TestUIDashboard(t *testing.T) {
	s := newUIServer(t)
	ctx := context.Background()
	// testNow is 15:00 on Friday 20 November 2026 in Bogotá; the posts
	// that failed or wait were due a few minutes after it, and the
	// Tablero is read at 19:00.
	at := func(d time.Duration) string { return testNow.Add(d).Format(time.RFC3339) }
	today := s.createPost(map[string]any{"text": "Vacunación gratuita este sábado", "targets": []string{"x-gob", "fb-gob"}, "scheduled_at": at(5 * time.Hour)})
	tomorrow := s.createPost(map[string]any{"text": "Feria del libro en Medellín", "targets": []string{"x-salud"}, "scheduled_at": at(20 * time.Hour)})
	s.createPost(map[string]any{"text": "Pasado mañana no sale en el tablero", "targets": []string{"x-gob"}, "scheduled_at": at(40 * time.Hour)})
	failed := s.createPost(map[string]any{"text": "Texto que X rechazó", "targets": []string{"x-gob"}, "scheduled_at": at(time.Minute)})
	held := s.createPost(map[string]any{"text": "Retenida por la pausa", "targets": []string{"x-salud"}, "scheduled_at": at(2 * time.Minute)})
	odd := s.createPost(map[string]any{"text": "Un código que el catálogo no conoce", "targets": []string{"fb-gob"}, "scheduled_at": at(3 * time.Minute)})
	reauth := s.createPost(map[string]any{"text": "Token vencido", "targets": []string{"x-gob"}, "scheduled_at": at(4 * time.Minute)})
	s.clock.Add(4 * time.Hour)
	if _, err := s.db.UpdateDelivery(ctx, reauth.Deliveries[0].ID, func(x *pregonero.Delivery) error {
		return x.Hold(pregonero.HoldNeedsReauth, &pregonero.DeliveryError{Class: pregonero.ClassNeedsReauth, Code: "x_token_expired", Message: "The X access token expired."})
	}); err != nil {
		t.Fatal(err)
	}
	s.failDelivery(t, failed.Deliveries[0].ID, "x_duplicate", "X says this text duplicates a recent post.", pregonero.ClassDuplicate)
	s.holdDelivery(t, held.Deliveries[0].ID, pregonero.HoldOverdue)
	s.failDelivery(t, odd.Deliveries[0].ID, "facebook_something_new", "Facebook refused it for a new reason.", pregonero.ClassPermanent)
	if _, err := s.db.UpdateAccount(ctx, "ig-gob", func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountNeedsReauth, "The token expired.", testNow
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	admin := s.signedIn("ana")
	p := admin.get("/")
	if p.status != 200 {
		t.Fatalf("got %d\n%s", p.status, p.body)
	}
	body := html.UnescapeString(p.body)

	t.Run("today and tomorrow in Bogotá", func(t *testing.T) {
		for _, want := range []string{"Hoy, vie 20 nov 2026", "Mañana, sáb 21 nov 2026", "Vacunación gratuita este sábado", "20:00",
			"Feria del libro en Medellín", "Las horas se muestran en la zona America/Bogota."} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(body, "Pasado mañana no sale") {
			t.Error("a post of the day after tomorrow is listed")
		}
		if strings.Index(body, "Vacunación gratuita") > strings.Index(body, "Mañana, sáb") {
			t.Error("today's post is listed under tomorrow")
		}
	})

	t.Run("what needs a person, with the reason and what to do", func(t *testing.T) {
		for _, want := range []string{
			"X rechazó el texto porque es idéntico a otro publicado hace poco por la cuenta.",
			"Revise la cuenta en X: puede que ya haya salido.",
			"Espera porque su hora pasó mientras la publicación estaba en pausa.",
			"Decida: publíquela ahora si aún tiene sentido, o cancélela.",
			// A code without words of its own: its class's, and the
			// adapter's English after a Spanish lead-in.
			"La red rechazó este contenido; reintentar igual no sirve. Detalle (en inglés): Facebook refused it for a new reason.",
			"raw: x_duplicate",
			// A hold for a network's refusal says both.
			"Espera porque la red rechazó las credenciales de la cuenta. La autorización de la cuenta de X venció y no se pudo renovar.",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(body, "pausa. Su hora pasó") {
			t.Error("a hold's reason is said twice")
		}
		for _, want := range []string{
			`action="/deliveries/` + failed.Deliveries[0].ID + `/retry"`,
			`action="/deliveries/` + held.Deliveries[0].ID + `/release"`,
			`action="/posts/` + held.ID + `/cancel"`,
			`action="/posts/` + today.ID + `/cancel"`,
		} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page lacks the form %s", want)
			}
		}
		if strings.Contains(p.body, `action="/deliveries/`+held.Deliveries[0].ID+`/retry"`) {
			t.Error("a held delivery offers a retry; it is released")
		}
	})

	t.Run("each account's state", func(t *testing.T) {
		for _, want := range []string{"Gobernación (Instagram)", "requiere reautorización", "The token expired.", "Secretaría de Salud", "activa"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})

	t.Run("a retry goes through the service and comes back with a message", func(t *testing.T) {
		p := admin.post("/deliveries/"+failed.Deliveries[0].ID+"/retry", url.Values{"csrf_token": {p.csrf(t)}, "next": {"/?atencion=1"}})
		if p.status != http.StatusSeeOther || p.location() != "/?atencion=1" {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		d, err := s.db.Delivery(ctx, failed.Deliveries[0].ID)
		if err != nil || d.State != pregonero.DeliveryQueued {
			t.Fatalf("got %v %v, want queued", d.State, err)
		}
		if back := admin.get(p.location()); !strings.Contains(back.body, "Se intentará publicar de nuevo en seguida.") {
			t.Error("no message after the retry")
		}
	})

	t.Run("an action the state refuses says why in Spanish", func(t *testing.T) {
		token := admin.get("/").csrf(t)
		p := admin.post("/deliveries/"+failed.Deliveries[0].ID+"/release", url.Values{"csrf_token": {token}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		back := html.UnescapeString(admin.get(p.location()).body)
		if !strings.Contains(back, "No se pudo: no es posible en el estado actual. Detalle (en inglés):") {
			t.Errorf("no refusal message:\n%s", back)
		}
	})

	t.Run("release and cancel go through the service", func(t *testing.T) {
		token := admin.get("/").csrf(t)
		if p := admin.post("/deliveries/"+held.Deliveries[0].ID+"/release", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
			t.Fatalf("release: got %d", p.status)
		}
		if d, _ := s.db.Delivery(ctx, held.Deliveries[0].ID); d.State != pregonero.DeliveryQueued {
			t.Errorf("after release: got %s, want queued", d.State)
		}
		if p := admin.post("/posts/"+tomorrow.ID+"/cancel", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
			t.Fatalf("cancel: got %d", p.status)
		}
		if q, _ := s.db.Post(ctx, tomorrow.ID); q.Status != pregonero.PostCanceled {
			t.Errorf("after cancel: got %s, want canceled", q.Status)
		}
	})

	t.Run("the crisis banner says since when and why", func(t *testing.T) {
		if r := s.request("POST", "/api/v1/pause", map[string]any{"reason": "Elecciones: ley de garantías"}); r.status != 200 {
			t.Fatalf("pause: got %d %s", r.status, r.body)
		}
		defer s.request("POST", "/api/v1/resume", nil)
		for _, path := range []string{"/", "/password"} {
			page := html.UnescapeString(admin.get(path).body)
			for _, want := range []string{"La publicación está en pausa", "Desde vie 20 nov 2026, 19:00.", "Elecciones: ley de garantías"} {
				if !strings.Contains(page, want) {
					t.Errorf("%s lacks %q", path, want)
				}
			}
		}
	})
}

func TestUIRoles(t *testing.T) {
	s := newUIServer(t)
	gob := s.createPost(map[string]any{"text": "De la Gobernación", "targets": []string{"x-gob"}, "scheduled_at": testNow.Add(time.Hour).Format(time.RFC3339)})
	salud := s.createPost(map[string]any{"text": "De Salud", "targets": []string{"x-salud"}, "scheduled_at": testNow.Add(time.Hour).Format(time.RFC3339)})
	s.failDelivery(t, gob.Deliveries[0].ID, "stale", "Not sent.", pregonero.ClassPermanent)

	t.Run("a viewer sees no action and may post none", func(t *testing.T) {
		b := s.signedIn("vera")
		p := b.get("/")
		if strings.Contains(p.body, "/retry") || strings.Contains(p.body, "/cancel") {
			t.Error("a viewer is offered actions")
		}
		if r := b.post("/posts/"+salud.ID+"/cancel", url.Values{"csrf_token": {p.csrf(t)}}); r.status != http.StatusForbidden {
			t.Errorf("cancel as a viewer: got %d, want 403", r.status)
		}
	})

	t.Run("an editor acts on their dependencia's accounts only", func(t *testing.T) {
		b := s.signedIn("edu")
		p := b.get("/")
		if !strings.Contains(p.body, `action="/posts/`+salud.ID+`/cancel"`) {
			t.Error("the editor is not offered to cancel a post of their dependencia")
		}
		if strings.Contains(p.body, `action="/posts/`+gob.ID+`/cancel"`) || strings.Contains(p.body, `/deliveries/`+gob.Deliveries[0].ID+`/retry`) {
			t.Error("the editor is offered actions on another dependencia's account")
		}
		token := p.csrf(t)
		if r := b.post("/deliveries/"+gob.Deliveries[0].ID+"/retry", url.Values{"csrf_token": {token}}); r.status != http.StatusForbidden {
			t.Errorf("retry on another dependencia: got %d, want 403", r.status)
		}
		if d, _ := s.db.Delivery(context.Background(), gob.Deliveries[0].ID); d.State != pregonero.DeliveryFailed {
			t.Errorf("the refused retry changed the delivery to %s", d.State)
		}
		if r := b.post("/posts/"+salud.ID+"/cancel", url.Values{"csrf_token": {token}}); r.status != http.StatusSeeOther {
			t.Errorf("cancel in their dependencia: got %d, want 303", r.status)
		}
	})
}

func TestUILanguages(t *testing.T) {
	s := newUIServer(t)
	s.users.add(pregonero.User{Username: "emma", Role: pregonero.RoleAdmin, Language: "en", Timezone: "Europe/Madrid"}, testPassword)
	missing := regexp.MustCompile(`\[[a-z_]+\.[a-z_.0-9]+\]`)

	t.Run("every page renders in both languages", func(t *testing.T) {
		for _, lang := range i18n.Languages {
			b := s.signedIn("ana")
			if p := b.get("/lang/" + lang + "?next=/"); p.status != http.StatusSeeOther || p.location() != "/" {
				t.Fatalf("switch to %s: got %d to %q", lang, p.status, p.location())
			}
			pages := map[string]page{"/login": s.browserWithLang(lang).get("/login")}
			for _, path := range web.UIPagePaths(s.web) {
				pages[path] = b.get(path)
			}
			for path, p := range pages {
				if p.status != 200 {
					t.Errorf("%s %s: got %d", lang, path, p.status)
				}
				if !strings.Contains(p.body, `<html lang="`+lang+`">`) {
					t.Errorf("%s %s: no lang attribute", lang, path)
				}
				if m := missing.FindString(p.body); m != "" {
					t.Errorf("%s %s: a key without text: %s", lang, path, m)
				}
			}
		}
	})

	t.Run("the user's language and zone win over the browser's", func(t *testing.T) {
		b := s.browserWithLang("es")
		b.signIn("emma")
		p := b.get("/")
		if !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(p.body, "Dashboard") {
			t.Error("the page is not in the user's language")
		}
		if !strings.Contains(p.body, "Times are shown in the Europe/Madrid time zone.") || !strings.Contains(p.body, "Your user profile sets the language.") {
			t.Errorf("the page is not in the user's zone:\n%s", p.body)
		}
	})
}

// browserWithLang is a browser that chose a language in the footer.
func (s *uiServer) browserWithLang(lang string) *browser {
	b := s.browser()
	b.get("/lang/" + lang)
	return b
}

func TestUIHeadersAndAssets(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("ana")
	p := b.get("/")
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s: got %q, want %q", h, got, want)
		}
	}
	if regexp.MustCompile(`(?i)<script>|<script [^>]*>[^<]|\son[a-z]+=`).MatchString(p.body) {
		t.Error("the page has inline script or event handlers")
	}
	if !strings.Contains(p.body, `<a class="skip" href="#main">`) {
		t.Error("no skip link")
	}

	link := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(p.body)
	if link == nil {
		t.Fatal("no hashed stylesheet link")
	}
	css := b.get(html.UnescapeString(link[1]))
	if css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") ||
		!strings.Contains(css.header.Get("Cache-Control"), "immutable") || css.header.Get("ETag") == "" {
		t.Fatalf("stylesheet: got %d %v", css.status, css.header)
	}
	if !strings.Contains(css.body, ":focus-visible") {
		t.Error("the stylesheet has no visible focus style")
	}
	req, _ := http.NewRequest("GET", s.srv.URL+"/static/app.css", nil)
	req.Header.Set("If-None-Match", css.header.Get("ETag"))
	if r := b.do(req); r.status != http.StatusNotModified {
		t.Errorf("revalidation: got %d, want 304", r.status)
	}
	if r := b.get("/static/app.css"); r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("unhashed: got Cache-Control %q, want no-cache", r.header.Get("Cache-Control"))
	}
	if r := b.get("/static/nothing.js"); r.status != 404 {
		t.Errorf("unknown asset: got %d", r.status)
	}
}

func TestUIOffWithoutUsers(t *testing.T) {
	ts := newTestServer(t)
	if r := ts.request("GET", "/login", nil); r.status != 404 {
		t.Errorf("GET /login without a users service: got %d, want 404", r.status)
	}
}

// tCall finds the catalog keys templates ask for: {{t "key" …}} and
// (t "key" …).
var tCall = regexp.MustCompile(`[{(]-?\s*t\s+"([^"]+)"`)

func TestUITemplateKeysExist(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = fs.WalkDir(os.DirFS("templates"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(os.DirFS("templates"), path)
		if err != nil {
			return err
		}
		for _, m := range tCall.FindAllStringSubmatch(string(b), -1) {
			n++
			for _, lang := range i18n.Languages {
				if !cat.Printer(lang).Has(m[1]) {
					t.Errorf("%s uses %q, missing in %s", path, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Errorf("found %d t calls in the templates; the pattern misses them", n)
	}
}

// TestUICodeKeysExist checks the keys the Go code builds from values:
// every state, status, role, hold reason and error class has its words.
func TestUICodeKeysExist(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range []pregonero.DeliveryState{pregonero.DeliveryQueued, pregonero.DeliverySending, pregonero.DeliveryInDoubt,
		pregonero.DeliveryPublished, pregonero.DeliveryFailed, pregonero.DeliveryCanceled, pregonero.DeliveryHeld} {
		keys = append(keys, "state."+string(s))
	}
	for _, s := range []pregonero.PostStatus{pregonero.PostDraft, pregonero.PostScheduled, pregonero.PostPublishing, pregonero.PostPublished,
		pregonero.PostPartiallyPublished, pregonero.PostFailed, pregonero.PostCanceled, pregonero.PostHeld} {
		keys = append(keys, "status."+string(s))
	}
	for _, s := range []pregonero.AccountStatus{pregonero.AccountActive, pregonero.AccountNeedsReauth, pregonero.AccountPaused, pregonero.AccountDisconnected} {
		keys = append(keys, "account.status."+string(s))
	}
	for _, r := range []pregonero.Role{pregonero.RoleAdmin, pregonero.RoleEditor, pregonero.RoleViewer} {
		keys = append(keys, "role."+string(r))
	}
	for _, h := range []string{pregonero.HoldAccountPaused, pregonero.HoldNeedsReauth, pregonero.HoldBlocked, pregonero.HoldOverdue, pregonero.HoldUnverifiable, pregonero.HoldNoSlot, "other"} {
		keys = append(keys, "hold."+h, "hold."+h+".action")
	}
	for _, c := range []pregonero.ErrorClass{pregonero.ClassRetryable, pregonero.ClassRateLimited, pregonero.ClassPermanent, pregonero.ClassNeedsReauth,
		pregonero.ClassUnknown, pregonero.ClassDuplicate, pregonero.ClassAccountBlocked} {
		keys = append(keys, "errclass."+string(c), "errclass."+string(c)+".action")
	}
	for _, c := range []string{pregonero.EINVALID, pregonero.ENOTFOUND, pregonero.ECONFLICT, pregonero.EUNAUTHORIZED, pregonero.EFORBIDDEN,
		pregonero.ERATELIMITED, pregonero.ETOOLARGE, pregonero.EUNAVAILABLE, pregonero.ESTORAGEFULL, pregonero.EINTERNAL,
		pregonero.EMETHODNOTALLOWED, pregonero.EUNSUPPORTEDMEDIA} {
		keys = append(keys, "error.page."+c, "error.action."+c)
	}
	for i := range 7 {
		keys = append(keys, "time.weekday."+string(rune('0'+i)))
	}
	for i := 1; i <= 12; i++ {
		keys = append(keys, "time.month."+strings.TrimLeft(string(rune('0'+i/10))+string(rune('0'+i%10)), "0"))
	}
	for _, lang := range i18n.Languages {
		p := cat.Printer(lang)
		for _, k := range keys {
			if !p.Has(k) {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
	}
}

// TestUIConcurrentPages renders pages from many requests at once: each
// binds its own functions on a clone of the parsed templates (run with
// -race).
func TestUIConcurrentPages(t *testing.T) {
	s := newUIServer(t)
	users := []string{"ana", "edu", "vera"}
	browsers := make([]*browser, len(users))
	for i, u := range users {
		browsers[i] = s.signedIn(u)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 8 {
		b, user := browsers[i%len(browsers)], users[i%len(users)]
		wg.Go(func() {
			for _, path := range []string{"/", "/password", "/", "/password"} {
				req, _ := http.NewRequest("GET", b.base+path, nil)
				resp, err := b.client.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), "Usuario: "+user+" ") {
					errs <- fmt.Sprintf("%s as %s: got %d or another user's page", path, user, resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

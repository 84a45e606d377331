package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"

	"pregonero"
	"pregonero/logtest"
	"pregonero/web"
)

// browserAccept is what Chromium asks for when it opens a page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

// ask sends a request as a browser would, with an Accept header.
func (b *browser) ask(method, path, accept string) page {
	b.tb.Helper()
	req, err := http.NewRequest(method, b.base+path, nil)
	if err != nil {
		b.tb.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return b.do(req)
}

// wantErrorPage checks an answer is the interface's error page with the
// status and words given.
func wantErrorPage(t *testing.T, p page, status int, lang, text string) {
	t.Helper()
	if p.status != status || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Fatalf("got %d %s, want the %d page\n%s", p.status, p.header.Get("Content-Type"), status, p.body)
	}
	body := html.UnescapeString(p.body)
	if !strings.Contains(body, `<html lang="`+lang+`">`) || !strings.Contains(body, text) {
		t.Errorf("the page is not in %s or lacks %q:\n%s", lang, text, body)
	}
	if p.header.Get("Content-Security-Policy") == "" {
		t.Error("the error page has no Content-Security-Policy")
	}
}

// wantJSONError checks an answer is the API's JSON error.
func wantJSONError(t *testing.T, p page, status int, code string) {
	t.Helper()
	var body struct {
		Error pregonero.Error `json:"error"`
	}
	if p.status != status || !strings.HasPrefix(p.header.Get("Content-Type"), "application/json") ||
		json.Unmarshal([]byte(p.body), &body) != nil || body.Error.Code != code {
		t.Errorf("got %d %s %s, want JSON %s", p.status, p.header.Get("Content-Type"), p.body, code)
	}
}

func TestUIErrorPagesForPeople(t *testing.T) {
	s := newUIServer(t)
	s.users.add(pregonero.User{Username: "emma", Role: pregonero.RoleAdmin, Language: "en"}, testPassword)

	t.Run("an unknown path is the 404 page in Spanish", func(t *testing.T) {
		p := s.browser().ask("GET", "/no-existe", browserAccept)
		wantErrorPage(t, p, http.StatusNotFound, "es", "No existe lo que busca")
	})

	t.Run("in the language the browser chose", func(t *testing.T) {
		p := s.browserWithLang("en").ask("GET", "/no-existe", browserAccept)
		wantErrorPage(t, p, http.StatusNotFound, "en", "What you are looking for does not exist")
	})

	t.Run("signed in: the person's language and menu", func(t *testing.T) {
		b := s.browser()
		b.signIn("emma")
		p := b.ask("GET", "/posts/p_x/nothing", browserAccept)
		wantErrorPage(t, p, http.StatusNotFound, "en", "What you are looking for does not exist")
		if !strings.Contains(p.body, `<nav class="menu"`) || !strings.Contains(p.body, "emma") {
			t.Error("the signed-in person's page has no menu")
		}
	})

	t.Run("a method the page does not take is the 405 page, with Allow", func(t *testing.T) {
		b := s.signedIn("ana")
		for _, tt := range []struct{ method, path string }{{"DELETE", "/calendar"}, {"GET", "/logout"}, {"PUT", "/login"}} {
			p := b.ask(tt.method, tt.path, browserAccept)
			wantErrorPage(t, p, http.StatusMethodNotAllowed, "es", "Esa dirección no acepta esta acción.")
			if p.header.Get("Allow") == "" {
				t.Errorf("%s %s: no Allow header", tt.method, tt.path)
			}
		}
	})

	t.Run("the API and the machines' paths keep their JSON", func(t *testing.T) {
		b := s.signedIn("ana")
		wantJSONError(t, b.ask("GET", "/api/v1/nothing", browserAccept), http.StatusNotFound, pregonero.ENOTFOUND)
		wantJSONError(t, b.ask("GET", "/api", browserAccept), http.StatusNotFound, pregonero.ENOTFOUND)
		wantJSONError(t, b.ask("DELETE", "/api/v1/posts", browserAccept), http.StatusMethodNotAllowed, pregonero.EMETHODNOTALLOWED)
		for _, path := range []string{"/healthz", "/readyz", "/metrics", "/media/m_x"} {
			wantJSONError(t, b.ask("POST", path, browserAccept), http.StatusMethodNotAllowed, pregonero.EMETHODNOTALLOWED)
		}
		wantJSONError(t, b.ask("GET", "/_sandbox/posts", browserAccept), http.StatusNotFound, pregonero.ENOTFOUND)
	})

	t.Run("a client that does not ask for HTML gets JSON", func(t *testing.T) {
		b := s.browser()
		for _, accept := range []string{"", "application/json", "*/*", "text/html;q=0, application/json"} {
			wantJSONError(t, b.ask("GET", "/no-existe", accept), http.StatusNotFound, pregonero.ENOTFOUND)
		}
	})
}

// panicStore is a store whose account list panics, as a bug in a page's
// reads would.
type panicStore struct{ pregonero.Store }

func (panicStore) Accounts(context.Context) ([]*pregonero.Account, error) { panic("accounts: boom") }

func TestUIPanicIsThe500Page(t *testing.T) {
	logs := &logtest.Buffer{}
	s := newUIServer(t, withConfig(func(c *web.Config) {
		c.Logger = logs.Logger()
		c.Posts = newService(t, panicStore{c.Store}, c.Control.(*fakeControl), c.Now, nil, nil)
	}))
	b := s.signedIn("ana")
	p := b.ask("GET", "/", browserAccept)
	wantErrorPage(t, p, http.StatusInternalServerError, "es", "Error interno del servidor.")
	if strings.Contains(p.body, "boom") {
		t.Error("the page shows the panic")
	}
	if l := logs.String(); !strings.Contains(l, "handler panic") || !strings.Contains(l, "accounts: boom") || !strings.Contains(l, "stack=") {
		t.Errorf("the panic is not logged with its stack:\n%s", l)
	}
	// A program asking for JSON gets the API's answer.
	wantJSONError(t, b.ask("GET", "/", "application/json"), http.StatusInternalServerError, pregonero.EINTERNAL)
}

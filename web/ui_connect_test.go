package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/facebook"
	"pregonero/adapters/instagram"
	"pregonero/adapters/youtube"
	"pregonero/media"
	"pregonero/posting"
	"pregonero/web"
	"pregonero/web/i18n"
)

// uiConnector is a Connector made of functions.
type uiConnector struct {
	authorizeURL func(pregonero.OAuthApp, pregonero.AuthorizeRequest) (string, error)
	connect      func(context.Context, pregonero.OAuthApp, pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error)
}

func (c *uiConnector) AuthorizeURL(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
	return c.authorizeURL(app, req)
}

func (c *uiConnector) Connect(ctx context.Context, app pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	return c.connect(ctx, app, req)
}

// consentNetwork is a network's OAuth 2.0 server as the pages meet it:
// its consent screen at base, which sends the person back to the
// redirect URI it was asked with, with a code (approve) or
// error=access_denied (deny), and the state; and a code exchange that
// refuses, as the networks do, a code unknown or used already, a redirect
// URI other than the consent's, and a PKCE verifier that does not match
// the S256 challenge. The grant gives Granted, Missing and the candidates,
// each with credentials.
type consentNetwork struct {
	base    string
	mu      sync.Mutex
	granted []string
	missing []string
	cands   []pregonero.ConnectCandidate
	asked   map[string]pregonero.AuthorizeRequest // by state
	codes   map[string]pregonero.AuthorizeRequest // by code
	n       int
}

func newConsentNetwork(base string, granted []string, cands ...pregonero.ConnectCandidate) *consentNetwork {
	return &consentNetwork{base: base, granted: granted, cands: cands,
		asked: map[string]pregonero.AuthorizeRequest{}, codes: map[string]pregonero.AuthorizeRequest{}}
}

// connector is the network's Connector.
func (n *consentNetwork) connector() *uiConnector {
	return &uiConnector{
		authorizeURL: func(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
			n.mu.Lock()
			defer n.mu.Unlock()
			n.asked[req.State] = req
			q := url.Values{"client_id": {app.ClientID}, "state": {req.State}, "redirect_uri": {req.RedirectURI},
				"code_challenge": {req.CodeChallenge}, "code_challenge_method": {"S256"}, "response_type": {"code"}}
			return n.base + "?" + q.Encode(), nil
		},
		connect: func(_ context.Context, _ pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
			n.mu.Lock()
			defer n.mu.Unlock()
			asked, ok := n.codes[req.Code]
			delete(n.codes, req.Code)
			sum := sha256.Sum256([]byte(req.CodeVerifier))
			switch {
			case !ok:
				return nil, errors.New("invalid_grant: the authorization code is invalid or was already used")
			case asked.RedirectURI != req.RedirectURI:
				return nil, errors.New("invalid_grant: redirect_uri does not match the authorization request")
			case base64.RawURLEncoding.EncodeToString(sum[:]) != asked.CodeChallenge:
				return nil, errors.New("invalid_grant: code_verifier does not match the code_challenge")
			}
			g := &pregonero.ConnectGrant{Granted: append([]string(nil), n.granted...), Missing: append([]string(nil), n.missing...)}
			for _, c := range n.cands {
				c.Credentials = map[string]string{"access_token": "secreto-" + c.RemoteID}
				g.Candidates = append(g.Candidates, c)
			}
			return g, nil
		},
	}
}

// back is where the consent screen at loc sends the browser: the
// callback's path on the test server with the query given and the state.
func (n *consentNetwork) back(tb testing.TB, loc string, q url.Values) string {
	tb.Helper()
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, n.base+"?") {
		tb.Fatalf("the browser was sent to %q, not to the consent screen %s", loc, n.base)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	req, ok := n.asked[u.Query().Get("state")]
	if !ok {
		tb.Fatalf("no consent screen was asked for state %q", u.Query().Get("state"))
	}
	ru, err := url.Parse(req.RedirectURI)
	if err != nil {
		tb.Fatal(err)
	}
	q.Set("state", req.State)
	return ru.Path + "?" + q.Encode()
}

// approve is the person clicking Autorizar on the consent screen at loc.
func (n *consentNetwork) approve(tb testing.TB, loc string) string {
	tb.Helper()
	n.mu.Lock()
	n.n++
	code := fmt.Sprintf("code-%d", n.n)
	n.mu.Unlock()
	to := n.back(tb, loc, url.Values{"code": {code}})
	u, _ := url.Parse(loc)
	n.mu.Lock()
	n.codes[code] = n.asked[u.Query().Get("state")]
	n.mu.Unlock()
	return to
}

// deny is the person clicking Cancelar.
func (n *consentNetwork) deny(tb testing.TB, loc string) string {
	tb.Helper()
	return n.back(tb, loc, url.Values{"error": {"access_denied"}, "error_description": {"The user denied the request."}})
}

// connectUI is a web interface whose posting service connects X and
// Facebook accounts through their consent networks.
type connectUI struct {
	*uiServer
	x, fb *consentNetwork
}

// The profiles the test networks offer.
var (
	uiCandX = pregonero.ConnectCandidate{Network: pregonero.NetworkX, RemoteID: "2244994945", Name: "Gobernación de Antioquia",
		Handle: "@GobAntioquia", AvatarURL: "https://pbs.twimg.example/profile_images/gob.jpg"}
	uiPages = []pregonero.ConnectCandidate{
		{Network: pregonero.NetworkFacebook, RemoteID: "100000000000001", Name: "Gobernación de Antioquia", AvatarURL: "https://scontent.example/gob.jpg"},
		{Network: pregonero.NetworkFacebook, RemoteID: "100000000000002", Name: "Secretaría de Salud de Antioquia"},
		{Network: pregonero.NetworkFacebook, RemoteID: "100000000000003", Name: "Tránsito Antioquia", Missing: []string{"pages_manage_posts"}},
	}
	xScopes    = []string{"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"}
	metaScopes = []string{"pages_show_list", "pages_manage_posts", "pages_read_engagement", "business_management"}
)

// withConnect gives the server a posting service that connects accounts
// of the networks in conns, with an application for each.
func withConnect(conns map[pregonero.Network]pregonero.Connector) serverOption {
	return func(c *web.Config, _ *[]media.Option, as map[pregonero.Network]pregonero.Adapter) {
		apps := map[pregonero.Network]pregonero.OAuthApp{}
		for n := range conns {
			apps[n] = pregonero.OAuthApp{ClientID: "app-" + string(n), ClientSecret: "secret-" + string(n)}
		}
		svc, err := posting.New(posting.Config{Store: c.Store, Sender: c.Control.(*fakeControl), Now: c.Now, Adapters: as,
			Connect: posting.ConnectConfig{Connectors: conns, Apps: apps, PublicURL: "http://pregonero.test"}})
		if err != nil {
			panic(err)
		}
		c.Posts = svc
	}
}

func newConnectUI(t *testing.T) *connectUI {
	t.Helper()
	x := newConsentNetwork("https://x.example/i/oauth2/authorize", xScopes, uiCandX)
	fb := newConsentNetwork("https://www.facebook.example/v25.0/dialog/oauth", metaScopes, uiPages...)
	s := newUIServer(t, withConnect(map[pregonero.Network]pregonero.Connector{pregonero.NetworkX: x.connector(), pregonero.NetworkFacebook: fb.connector()}))
	return &connectUI{uiServer: s, x: x, fb: fb}
}

// consentLinkRE finds the link of a flow's page to the consent screen.
var consentLinkRE = regexp.MustCompile(`<a href="([^"]*)" class="connect-link" id="consent-link" rel="noreferrer"( data-follow="1")?>`)

// start posts the start form, follows the flow's page it leads to, and
// returns the consent screen's address its link (and script) go to.
func (s *connectUI) start(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	p := b.get("/accounts/connect")
	form.Set("csrf_token", p.csrf(t))
	return followStart(t, b, b.post("/accounts/connect", form))
}

// followStart follows the answer of a start form to the flow's page and
// returns the consent screen's address.
func followStart(t *testing.T, b *browser, r page) string {
	t.Helper()
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/accounts/connect/cf_") || !strings.HasSuffix(r.location(), "?ir=1") {
		t.Fatalf("start: got %d to %q, want 303 to the flow's page\n%s", r.status, r.location(), r.body)
	}
	p := b.get(r.location())
	m := consentLinkRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil || m[2] == "" || !regexp.MustCompile(`<script src="/static/connect\.js\?v=[0-9a-f]+" defer>`).MatchString(p.body) {
		t.Fatalf("the flow's page: got %d, want the consent link its script follows\n%s", p.status, p.body)
	}
	return html.UnescapeString(m[1])
}

// toPicker follows the callback to the picker and returns it.
func toPicker(t *testing.T, b *browser, callback string) (path string, p page) {
	t.Helper()
	r := b.get(callback)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/accounts/connect/cf_") {
		t.Fatalf("callback: got %d to %q, want 303 to the picker\n%s", r.status, r.location(), r.body)
	}
	p = b.get(r.location())
	if p.status != 200 {
		t.Fatalf("picker: got %d\n%s", p.status, p.body)
	}
	return r.location(), p
}

// text is a page's body as a person reads its words.
func text(p page) string { return html.UnescapeString(p.body) }

func TestUIConnectRoles(t *testing.T) {
	s := newConnectUI(t)
	admin := s.signedIn("ana")

	p := admin.get("/accounts/connect")
	if p.status != 200 {
		t.Fatalf("admin: got %d", p.status)
	}
	for _, want := range []string{`<form method="post" action="/accounts/connect"`, `id="network-x"`, `id="network-facebook"`,
		`<label for="network-x" class="inline-label">X</label>`, `<label for="unit">Dependencia</label>`, `<option value="salud">`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the start page lacks %s", want)
		}
	}
	if strings.Contains(p.body, `id="network-youtube"`) || strings.Contains(p.body, `id="network-instagram"`) {
		t.Error("the start page offers a network without an application")
	}
	cards := admin.get("/accounts")
	for _, want := range []string{`href="/accounts/connect"`, `href="/accounts/disconnect/x-gob"`} {
		if !strings.Contains(cards.body, want) {
			t.Errorf("Cuentas lacks %s for an admin", want)
		}
	}
	loc := s.start(t, admin, url.Values{"network": {"x"}})
	callback := s.x.approve(t, loc)

	for _, user := range []string{"edu", "vera"} {
		t.Run(user+" is refused every connection page and form", func(t *testing.T) {
			b := s.signedIn(user)
			for _, path := range []string{"/accounts/connect", "/accounts/connect?renew=x-gob", callback, "/accounts/connect/cf_x", "/accounts/disconnect/x-gob"} {
				if p := b.get(path); p.status != http.StatusForbidden {
					t.Errorf("GET %s: got %d, want 403", path, p.status)
				}
			}
			home := b.get("/accounts")
			if strings.Contains(home.body, `href="/accounts/connect"`) || strings.Contains(home.body, "/disconnect") || strings.Contains(home.body, `name="renew"`) {
				t.Error("Cuentas offers connecting, reconnecting or disconnecting to a non-admin")
			}
			token := home.csrf(t)
			for path, form := range map[string]url.Values{
				"/accounts/connect":             {"network": {"x"}},
				"/accounts/x-salud/disconnect":  {},
				"/accounts/connect/cf_x/choose": {"pick": {"0"}},
			} {
				form.Set("csrf_token", token)
				if r := b.post(path, form); r.status != http.StatusForbidden {
					t.Errorf("POST %s: got %d, want 403", path, r.status)
				}
			}
		})
	}
	// The admin's callback was never taken by the others' requests.
	if _, p := toPicker(t, admin, callback); !strings.Contains(text(p), "Conectar Gobernación de Antioquia") {
		t.Errorf("the admin's connection did not survive the others' tries:\n%s", p.body)
	}
	a, err := s.db.Account(context.Background(), "x-salud")
	if err != nil || a.Status != pregonero.AccountActive {
		t.Errorf("x-salud after an editor's disconnect: %+v, %v", a, err)
	}
}

// A Facebook user who manages three pages connects two of them, each to
// a dependencia; the third, which lacks a permission, is named with it.
func TestUIConnectPicksTwoOfThreePages(t *testing.T) {
	s := newConnectUI(t)
	b := s.signedIn("ana")
	loc := s.start(t, b, url.Values{"network": {"facebook"}, "unit": {"Despacho del Gobernador"}})
	u, _ := url.Parse(loc)
	if got, want := u.Query().Get("redirect_uri"), "http://pregonero.test/accounts/callback/facebook"; got != want {
		t.Errorf("redirect_uri = %q, want %q", got, want)
	}
	if u.Query().Get("code_challenge") == "" || len(u.Query().Get("state")) < 32 {
		t.Errorf("the consent address lacks PKCE or a strong state: %s", loc)
	}
	callback := s.fb.approve(t, loc)
	picker, p := toPicker(t, b, callback)
	body := text(p)
	for _, want := range []string{
		"Perfiles que puede conectar (3)", "Facebook respondió",
		"publicar en la página", "ver las páginas que administra", // granted, in words
		`<input type="checkbox" id="pick-0" name="pick" value="0">`,
		`<label for="account-0">Identificador de la cuenta en Pregonero</label>`,
		`id="account-0" name="account-0" value="facebook-gobernacion-de-antioquia"`,
		`id="unit-1" name="unit-1" value="Despacho del Gobernador"`,
		`<span class="avatar avatar-facebook" aria-hidden="true">GA</span>`,
		`<label for="pick-2" class="inline-label">Conectar Tránsito Antioquia</label>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the picker lacks %s", want)
		}
	}
	if !regexp.MustCompile(`(?s)id="missing-2".*Le faltan permisos.*publicar en la página`).MatchString(body) {
		t.Error("the picker does not name the third page's missing permission in words")
	}
	if strings.Contains(body, "<img") || strings.Contains(body, "scontent.example") || strings.Contains(body, "secreto-") {
		t.Error("the picker loads the network's avatar or shows a credential")
	}

	r := b.post(picker+"/choose", url.Values{"csrf_token": {p.csrf(t)}, "pick": {"0", "1"},
		"account-0": {"fb-gobernacion"}, "unit-0": {"Despacho del Gobernador"},
		"account-1": {"fb-salud"}, "unit-1": {"salud"},
		"account-2": {"fb-transito"}, "unit-2": {"movilidad"}})
	if r.status != http.StatusSeeOther || r.location() != "/accounts" {
		t.Fatalf("choose: got %d to %q\n%s", r.status, r.location(), r.body)
	}
	cards := b.get("/accounts")
	if !strings.Contains(text(cards), "Cuentas conectadas: Gobernación de Antioquia (Facebook), Secretaría de Salud de Antioquia (Facebook).") {
		t.Errorf("the flash does not name the accounts connected:\n%s", cards.body)
	}
	ctx := context.Background()
	for id, unit := range map[string]string{"fb-gobernacion": "Despacho del Gobernador", "fb-salud": "salud"} {
		a, err := s.db.Account(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if a.Unit != unit || a.Source != pregonero.AccountConnected || a.Status != pregonero.AccountActive || a.ConnectedBy != "ana" {
			t.Errorf("%s = %+v", id, a)
		}
		if card := cardOf(t, text(cards), id); !strings.Contains(card, "activa") || !strings.Contains(card, "Conectada el vie 20 nov 2026, 15:00 por ana.") ||
			!strings.Contains(card, "Permisos concedidos (4)") {
			t.Errorf("the card of %s does not say it is active, connected and with which permissions:\n%s", id, card)
		}
	}
	if _, err := s.db.Account(ctx, "fb-transito"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("the page not picked was connected: %v", err)
	}
	if strings.Contains(cards.body, "<img") {
		t.Error("Cuentas loads an image from the network")
	}

	t.Run("the picker of a finished connection goes back to Cuentas", func(t *testing.T) {
		if r := b.get(picker); r.status != http.StatusSeeOther || r.location() != "/accounts" {
			t.Errorf("got %d to %q", r.status, r.location())
		}
	})
	t.Run("the callback again is refused: its state is spent", func(t *testing.T) {
		r := b.get(callback)
		if r.status != http.StatusConflict || !strings.Contains(text(r), "ya se usó, venció") || !strings.Contains(r.body, `href="/accounts/connect?network=facebook"`) {
			t.Errorf("got %d\n%s", r.status, r.body)
		}
	})
}

func TestUIConnectPickerErrors(t *testing.T) {
	s := newConnectUI(t)
	b := s.signedIn("ana")
	_, err := s.db.UpdateAccount(context.Background(), "fb-gob", func(a *pregonero.Account) error {
		a.RemoteID = "100000000000009" // another page
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	picker, p := toPicker(t, b, s.fb.approve(t, s.start(t, b, url.Values{"network": {"facebook"}})))
	token := p.csrf(t)
	tests := []struct {
		name  string
		form  url.Values
		id    string
		want  string
		field string
	}{
		{"nothing checked", url.Values{"account-0": {"fb-a"}}, "picks-error", "Marque al menos una cuenta para conectar.", ""},
		{"an id another account has", url.Values{"pick": {"1"}, "account-1": {"fb-gob"}}, "account-1-error", "Ese identificador ya lo tiene otra cuenta", "account-1"},
		{"an id that is not a slug", url.Values{"pick": {"0", "1"}, "account-0": {"fb-ok"}, "account-1": {"Salud Antioquia"}}, "account-1-error", "El identificador no es válido.", "account-1"},
		{"a profile the consent did not give", url.Values{"pick": {"7"}}, "picks-error", "El formulario nombró una cuenta que esta autorización no ofrece", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf_token", token)
			r := b.post(picker+"/choose", tt.form)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422\n%s", r.status, r.body)
			}
			if !regexp.MustCompile(`id="` + tt.id + `"[^>]*>` + regexp.QuoteMeta(tt.want)).MatchString(text(r)) {
				t.Errorf("no error %q at #%s:\n%s", tt.want, tt.id, r.body)
			}
			if tt.field != "" && !strings.Contains(r.body, `id="`+tt.field+`" name="`+tt.field+`" value="`+html.EscapeString(tt.form.Get(tt.field))+`"`) {
				t.Errorf("the field %s lost what was typed", tt.field)
			}
			if tt.form.Has("pick") && tt.form.Get("pick") != "7" && !strings.Contains(r.body, `value="`+tt.form["pick"][0]+`" checked`) {
				t.Error("the form lost what was checked")
			}
		})
	}
	if accounts, _ := s.db.Accounts(context.Background()); len(accounts) != 5 {
		t.Errorf("refused picks made accounts: %d accounts", len(accounts))
	}
	// The flow still waits for a right choice.
	r := b.post(picker+"/choose", url.Values{"csrf_token": {token}, "pick": {"1"}, "account-1": {"fb-salud"}, "unit-1": {"salud"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("a right choice after refused ones: got %d\n%s", r.status, r.body)
	}
}

func TestUIConnectRefusedConsent(t *testing.T) {
	s := newConnectUI(t)
	b := s.signedIn("ana")
	loc := s.start(t, b, url.Values{"network": {"x"}})
	r := b.get(s.x.deny(t, loc))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("got %d, want 422\n%s", r.status, r.body)
	}
	body := text(r)
	for _, want := range []string{"Se canceló la autorización en X: no se conectó ninguna cuenta.", "No se conectó ni se cambió ninguna cuenta.",
		`<a href="/accounts/connect?network=x">Empezar de nuevo</a>`, `<html lang="es">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if accounts, _ := s.db.Accounts(context.Background()); len(accounts) != 5 {
		t.Errorf("%d accounts after a refused consent, want 5", len(accounts))
	}
	// Starting again works.
	if _, p := toPicker(t, b, s.x.approve(t, s.start(t, b, url.Values{"network": {"x"}}))); !strings.Contains(p.body, "@GobAntioquia") {
		t.Errorf("starting again after a refusal:\n%s", p.body)
	}
}

func TestUIConnectWrongState(t *testing.T) {
	s := newConnectUI(t)
	b := s.signedIn("ana")
	loc := s.start(t, b, url.Values{"network": {"x"}})
	callback := s.x.approve(t, loc)
	tests := []struct {
		name   string
		b      *browser
		path   string
		status int
	}{
		{"a state no connection has", b, "/accounts/callback/x?state=inventado&code=code-1", http.StatusNotFound},
		{"no state", b, "/accounts/callback/x?code=code-1", http.StatusNotFound},
		{"the same admin in another browser", s.signedIn("ana"), callback, http.StatusForbidden},
		{"another network's callback", b, strings.Replace(callback, "/callback/x", "/callback/facebook", 1), http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			r := tt.b.get(tt.path)
			if r.status != tt.status || !strings.Contains(text(r), "no corresponde a una conexión en curso de su sesión") {
				t.Errorf("got %d, want %d with the explanation\n%s", r.status, tt.status, r.body)
			}
		})
	}
	// None of them spent the state: the right callback still works.
	if _, p := toPicker(t, b, callback); !strings.Contains(p.body, "@GobAntioquia") {
		t.Errorf("the right callback after wrong ones:\n%s", p.body)
	}
}

// Reconectar on an account that needs re-authorization renews it in
// place: same id, its posts kept, active again, with the profile's handle.
func TestUIConnectRenewKeepsTheAccount(t *testing.T) {
	s := newConnectUI(t)
	ctx := context.Background()
	if _, err := s.db.UpdateAccount(ctx, "x-gob", func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountNeedsReauth, "The token was revoked.", testNow.Add(-time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	post := s.createPost(map[string]any{"text": "Programada antes de reconectar", "targets": []string{"x-gob"}, "scheduled_at": testNow.Add(2 * time.Hour).Format(time.RFC3339)})
	b := s.signedIn("ana")
	cards := b.get("/accounts")
	card := cardOf(t, text(cards), "x-gob")
	for _, want := range []string{`<form method="post" action="/accounts/connect" class="reconnect">`, `name="renew" value="x-gob"`,
		"Reconectar esta cuenta", "Reconéctela: un administrador usa «Reconectar esta cuenta»"} {
		if !strings.Contains(card, want) {
			t.Errorf("the card of an account needing re-authorization lacks %s:\n%s", want, card)
		}
	}
	if strings.Contains(cardOf(t, text(cards), "x-salud"), `name="renew"`) {
		t.Error("an active account is offered Reconectar")
	}
	loc := followStart(t, b, b.post("/accounts/connect", url.Values{"csrf_token": {cards.csrf(t)}, "renew": {"x-gob"}, "network": {"x"}}))
	picker, p := toPicker(t, b, s.x.approve(t, loc))
	body := text(p)
	for _, want := range []string{"Reconexión de Gobernación (X) (x-gob)", "Renovar Gobernación de Antioquia",
		"Ya es la cuenta Gobernación (X) (x-gob): se renuevan sus credenciales", `value="0" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("the picker lacks %s", want)
		}
	}
	if strings.Contains(p.body, `name="account-0"`) {
		t.Error("a renewal asks for a new account id")
	}
	r := b.post(picker+"/choose", url.Values{"csrf_token": {p.csrf(t)}, "pick": {"0"}})
	if r.status != http.StatusSeeOther || r.location() != "/accounts#acc-x-gob" {
		t.Fatalf("choose: got %d to %q\n%s", r.status, r.location(), r.body)
	}
	after := b.get("/accounts")
	if !strings.Contains(text(after), "Cuentas renovadas (con su historial y lo programado): Gobernación de Antioquia (@GobAntioquia, X).") {
		t.Errorf("the flash does not name the renewed account:\n%s", after.body)
	}
	a, err := s.db.Account(ctx, "x-gob")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != pregonero.AccountActive || a.Handle != "@GobAntioquia" || a.RemoteID != uiCandX.RemoteID || a.Source != pregonero.AccountConnected {
		t.Errorf("renewed account = %+v", a)
	}
	if accounts, _ := s.db.Accounts(ctx); len(accounts) != 5 {
		t.Errorf("%d accounts after a renewal, want the same 5", len(accounts))
	}
	got, err := s.db.Post(ctx, post.ID)
	if err != nil || got.Status != pregonero.PostScheduled || got.Targets[0] != "x-gob" {
		t.Errorf("the queued post after the renewal: %+v, %v", got, err)
	}
	card = cardOf(t, text(after), "x-gob")
	for _, want := range []string{"@GobAntioquia", `<span class="avatar avatar-x" aria-hidden="true">GA</span>`, "activa", "Permisos concedidos (5)", "subir fotos y videos a X"} {
		if !strings.Contains(card, want) {
			t.Errorf("the renewed card lacks %s:\n%s", want, card)
		}
	}
}

func TestUIDisconnect(t *testing.T) {
	s := newConnectUI(t)
	ctx := context.Background()
	post := s.createPost(map[string]any{"text": "Programada", "targets": []string{"x-gob"}, "scheduled_at": testNow.Add(time.Hour).Format(time.RFC3339)})
	b := s.signedIn("ana")
	confirm := b.get("/accounts/disconnect/x-gob")
	if confirm.status != 200 {
		t.Fatalf("the confirmation page: got %d", confirm.status)
	}
	for _, want := range []string{"Al desconectar esta cuenta:", "Pregonero borra sus credenciales", "Su historial queda",
		`<form method="post" action="/accounts/x-gob/disconnect">`, `<button type="submit" class="danger">Desconectar Gobernación (X)</button>`,
		`<a href="/accounts#acc-x-gob">No, volver a Cuentas</a>`} {
		if !strings.Contains(text(confirm), want) {
			t.Errorf("the confirmation page lacks %s", want)
		}
	}
	if a, _ := s.db.Account(ctx, "x-gob"); a.Status != pregonero.AccountActive {
		t.Fatal("opening the confirmation page disconnected the account")
	}
	r := b.post("/accounts/x-gob/disconnect", url.Values{"csrf_token": {confirm.csrf(t)}})
	if r.status != http.StatusSeeOther || r.location() != "/accounts#acc-x-gob" {
		t.Fatalf("disconnect: got %d to %q\n%s", r.status, r.location(), r.body)
	}
	a, err := s.db.Account(ctx, "x-gob")
	if err != nil || a.Status != pregonero.AccountDisconnected {
		t.Fatalf("after disconnecting: %+v, %v", a, err)
	}
	if got, err := s.db.Post(ctx, post.ID); err != nil || got.Targets[0] != "x-gob" {
		t.Errorf("the post was lost: %v", err)
	}
	cards := b.get("/accounts")
	body := text(cards)
	if !strings.Contains(body, "Gobernación (X) quedó desconectada") {
		t.Errorf("no flash:\n%s", cards.body)
	}
	card := cardOf(t, body, "x-gob")
	for _, want := range []string{"desconectada", "Un administrador desconectó la cuenta", `name="renew" value="x-gob"`} {
		if !strings.Contains(card, want) {
			t.Errorf("the disconnected card lacks %s:\n%s", want, card)
		}
	}
	for _, not := range []string{"/disconnect", "/check", "/pause"} {
		if strings.Contains(card, not) {
			t.Errorf("the disconnected card still offers %s", not)
		}
	}
	if p := b.get("/accounts/disconnect/x-gob"); !strings.Contains(text(p), "Esta cuenta ya está desconectada") || strings.Contains(p.body, `action="/accounts/x-gob/disconnect"`) {
		t.Errorf("the confirmation page of a disconnected account:\n%s", p.body)
	}
	if p := b.get("/accounts/disconnect/x-nadie"); p.status != http.StatusNotFound {
		t.Errorf("an unknown account: got %d, want 404", p.status)
	}
}

// Without any network application there is nothing to connect: the page
// says so, and accounts keep the configuration's instructions.
func TestUIConnectWithoutApps(t *testing.T) {
	s := newUIServer(t)
	if _, err := s.db.UpdateAccount(context.Background(), "x-gob", func(a *pregonero.Account) error {
		a.Status, a.StatusSince = pregonero.AccountNeedsReauth, testNow
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn("ana")
	p := b.get("/accounts/connect")
	if p.status != 200 || !strings.Contains(p.body, "Ninguna red tiene una aplicación configurada") || strings.Contains(p.body, `action="/accounts/connect"`) {
		t.Errorf("got %d\n%s", p.status, p.body)
	}
	card := cardOf(t, text(b.get("/accounts")), "x-gob")
	if strings.Contains(card, `name="renew"`) || !strings.Contains(card, "En el portal de desarrolladores de X") {
		t.Errorf("without an X application the card must keep the configuration's instructions:\n%s", card)
	}
	r := b.post("/accounts/connect", url.Values{"csrf_token": {p.csrf(t)}, "network": {"x"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(text(r), "X no tiene una aplicación configurada en Pregonero") {
		t.Errorf("posting the form anyway: got %d\n%s", r.status, r.body)
	}
}

func TestUIConnectStartErrors(t *testing.T) {
	s := newConnectUI(t)
	b := s.signedIn("ana")
	p := b.get("/accounts/connect")
	r := b.post("/accounts/connect", url.Values{"csrf_token": {p.csrf(t)}, "unit": {"salud"}})
	if r.status != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="network-error">Elija la red de la cuenta.`).MatchString(r.body) ||
		!strings.Contains(r.body, `value="salud"`) {
		t.Errorf("no network: got %d\n%s", r.status, r.body)
	}
	r = b.post("/accounts/connect", url.Values{"csrf_token": {p.csrf(t)}, "network": {"youtube"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(text(r), "YouTube no tiene una aplicación configurada") {
		t.Errorf("a network without an application: got %d\n%s", r.status, r.body)
	}
	if p := b.get("/accounts/connect?renew=x-nadie"); p.status != http.StatusNotFound {
		t.Errorf("renewing an unknown account: got %d, want 404", p.status)
	}
	p = b.get("/accounts/connect?renew=x-gob")
	if !strings.Contains(text(p), "Reconectar una cuenta") || !strings.Contains(p.body, `name="renew" value="x-gob"`) || strings.Contains(p.body, `name="unit"`) {
		t.Errorf("the renewal form:\n%s", p.body)
	}
}

// The flow's page goes on to the consent screen by itself only when the
// start form led there; opened again, it offers the link.
func TestUIConnectWaitingPage(t *testing.T) {
	s := newConnectUI(t)
	b := s.signedIn("ana")
	p := b.get("/accounts/connect")
	r := b.post("/accounts/connect", url.Values{"csrf_token": {p.csrf(t)}, "network": {"x"}})
	loc := followStart(t, b, r)
	again := b.get(strings.TrimSuffix(r.location(), "?ir=1"))
	m := consentLinkRE.FindStringSubmatch(again.body)
	if again.status != 200 || m == nil || m[2] != "" || html.UnescapeString(m[1]) != loc {
		t.Errorf("the flow's page opened again: got %d, want the link without data-follow\n%s", again.status, again.body)
	}
	if !strings.Contains(text(again), "Continuar en X") || !strings.Contains(text(again), "autorice a Pregonero en la pantalla de X") {
		t.Errorf("the flow's page does not say what to do:\n%s", again.body)
	}
	if other := s.signedIn("ana").get(strings.TrimSuffix(r.location(), "?ir=1")); other.status != 200 {
		t.Errorf("the same admin in another browser: got %d", other.status)
	}
}

// Every permission a connector asks for, and the disconnected status,
// have words in every language.
func TestUIConnectKeysExist(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"account.status." + string(pregonero.AccountDisconnected)}
	// X's scopes for connecting an account (issue: tweet.read tweet.write
	// users.read media.write offline.access).
	scopes := append([]string{"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"},
		append(append(facebook.LoginScopes, instagram.LoginScopes...), youtube.ConnectScopes...)...)
	for _, s := range scopes {
		keys = append(keys, "connect.scope."+strings.TrimPrefix(s, "https://www.googleapis.com/auth/"))
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

// An account connected without a permission it needs shows it in words;
// an admin is offered Reconectar to grant it, an editor is not.
func TestUIConnectMissingPermissionsOnCuentas(t *testing.T) {
	s := newConnectUI(t)
	if _, err := s.db.UpdateAccount(context.Background(), "fb-gob", func(a *pregonero.Account) error {
		a.Source, a.Handle, a.ConnectedAt, a.ConnectedBy = pregonero.AccountConnected, "", testNow.Add(-24*time.Hour), "ana"
		a.Scopes, a.MissingScopes = []string{"pages_show_list", "pages_read_engagement"}, []string{"pages_manage_posts"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	admin := cardOf(t, text(s.signedIn("ana").get("/accounts")), "fb-gob")
	for _, want := range []string{"Le faltan permisos; sin ellos no puede publicar:", "publicar en la página", "Permisos concedidos (2)",
		"Conectada el jue 19 nov 2026, 15:00 por ana.", "Faltan permisos: reconéctela", `name="renew" value="fb-gob"`} {
		if !strings.Contains(admin, want) {
			t.Errorf("the admin's card lacks %s:\n%s", want, admin)
		}
	}
	editor := cardOf(t, text(s.signedIn("edu").get("/accounts")), "fb-gob")
	if !strings.Contains(editor, "publicar en la página") || strings.Contains(editor, `name="renew"`) {
		t.Errorf("the editor's card must name the missing permission and offer no Reconectar:\n%s", editor)
	}
}

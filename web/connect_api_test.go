package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/users"
	"pregonero/web"
)

// connectPublicURL is the test server's address as browsers reach it.
const connectPublicURL = "https://pregonero.example"

// fakeConnector connects X accounts as an OAuth 2.0 server would: a code
// is given for a state it showed a consent screen for, once, bound to
// the redirect URI and the PKCE challenge; it refuses the code a second
// time, with another redirect URI or a verifier that does not match.
type fakeConnector struct {
	candidates []pregonero.ConnectCandidate
	granted    []string

	mu     sync.Mutex
	asked  map[string]pregonero.AuthorizeRequest // by state
	codes  map[string]pregonero.AuthorizeRequest // code → what it was given for
	states []string
}

func newFakeConnector(cands ...pregonero.ConnectCandidate) *fakeConnector {
	return &fakeConnector{candidates: cands, granted: []string{"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"},
		asked: map[string]pregonero.AuthorizeRequest{}, codes: map[string]pregonero.AuthorizeRequest{}}
}

func (f *fakeConnector) AuthorizeURL(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked[req.State] = req
	f.states = append(f.states, req.State)
	q := url.Values{"client_id": {app.ClientID}, "state": {req.State}, "redirect_uri": {req.RedirectURI},
		"code_challenge": {req.CodeChallenge}, "code_challenge_method": {"S256"}}
	return "https://consent.example/i/oauth2/authorize?" + q.Encode(), nil
}

// consent is the person clicking "Autorizar": the code the consent
// screen sends back to the callback with the state.
func (f *fakeConnector) consent(tb testing.TB, state string) string {
	tb.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	req, ok := f.asked[state]
	if !ok {
		tb.Fatalf("no consent screen was asked for state %q", state)
	}
	code := "code-" + state
	f.codes[code] = req
	return code
}

// lastState is the state of the last consent screen asked for.
func (f *fakeConnector) lastState(tb testing.TB) string {
	tb.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.states) == 0 {
		tb.Fatal("no consent screen was asked for")
	}
	return f.states[len(f.states)-1]
}

func (f *fakeConnector) Connect(_ context.Context, _ pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	asked, ok := f.codes[req.Code]
	delete(f.codes, req.Code)
	sum := sha256.Sum256([]byte(req.CodeVerifier))
	switch {
	case !ok:
		return nil, errors.New("invalid_grant: the authorization code is invalid or was already used")
	case asked.RedirectURI != req.RedirectURI:
		return nil, errors.New("invalid_grant: redirect_uri does not match")
	case base64.RawURLEncoding.EncodeToString(sum[:]) != asked.CodeChallenge:
		return nil, errors.New("invalid_grant: code_verifier does not match the challenge")
	}
	g := &pregonero.ConnectGrant{Granted: append([]string(nil), f.granted...)}
	for _, c := range f.candidates {
		c.Credentials = map[string]string{"access_token": "secreto-de-" + c.RemoteID, "refresh_token": "renovar-" + c.RemoteID}
		g.Candidates = append(g.Candidates, c)
	}
	return g, nil
}

// connectServer is a test server whose posting service connects X
// accounts through conn, with the users service for users' tokens.
type connectServer struct {
	*testServer
	posts *posting.Service
	users *users.Service
	conn  *fakeConnector
}

func newConnectServer(t *testing.T, cands ...pregonero.ConnectCandidate) *connectServer {
	t.Helper()
	cs := &connectServer{conn: newFakeConnector(cands...)}
	cs.testServer = newTestServer(t, withUsersService(&cs.users), withConfig(func(c *web.Config) {
		svc, err := posting.New(posting.Config{Store: c.Store, Sender: &fakeControl{store: c.Store}, Now: c.Now,
			Connect: posting.ConnectConfig{
				Connectors: map[pregonero.Network]pregonero.Connector{pregonero.NetworkX: cs.conn},
				Apps:       map[pregonero.Network]pregonero.OAuthApp{pregonero.NetworkX: {ClientID: "sandbox-public"}},
				PublicURL:  connectPublicURL,
			}})
		if err != nil {
			t.Fatal(err)
		}
		c.Posts, cs.posts = svc, svc
	}))
	return cs
}

// callback is the network sending the browser back with a code for the
// last consent screen, in a browser session that is not the API token's.
func (cs *connectServer) callback(t *testing.T) *posting.ConnectFlow {
	t.Helper()
	state := cs.conn.lastState(t)
	f, err := cs.posts.FinishConnect(context.Background(), pregonero.NetworkX,
		posting.ConnectCallback{State: state, Code: cs.conn.consent(t, state), Session: "a-browser-session"})
	if err != nil {
		t.Fatalf("callback: %v", err)
	}
	return f
}

var gobCandidate = pregonero.ConnectCandidate{Network: pregonero.NetworkX, RemoteID: "1500", Name: "Gobernación de Antioquia", Handle: "@GobAntioquia",
	AvatarURL: "https://pbs.example/gob.jpg"}

var saludCandidate = pregonero.ConnectCandidate{Network: pregonero.NetworkX, RemoteID: "1600", Name: "Secretaría de Salud", Handle: "@SaludAntioquia"}

// An admin's API connects an account: the flow is made, waits for the
// network, offers the candidates without their credentials, and the pick
// becomes a connected account, which can then be disconnected.
func TestConnectAPIConnectsAnAccount(t *testing.T) {
	cs := newConnectServer(t, gobCandidate, saludCandidate)

	r := cs.request("POST", "/api/v1/accounts/connect", map[string]string{"network": "x", "unit": "despacho"})
	wantStatus(t, r, http.StatusCreated)
	var f posting.ConnectFlow
	r.decode(t, &f)
	if f.ID == "" || f.Status != posting.ConnectWaiting || f.Network != pregonero.NetworkX || f.Unit != "despacho" {
		t.Fatalf("flow = %+v", f)
	}
	if got, want := r.header.Get("Location"), "/api/v1/accounts/connect/"+f.ID; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	u, err := url.Parse(f.AuthorizeURL)
	if err != nil || u.Host != "consent.example" {
		t.Fatalf("authorize_url = %q", f.AuthorizeURL)
	}
	if got, want := u.Query().Get("redirect_uri"), connectPublicURL+"/accounts/callback/x"; got != want {
		t.Errorf("redirect_uri = %q, want %q", got, want)
	}
	if f.StartedAt.Location() != time.UTC || f.ExpiresAt.Location() != time.UTC {
		t.Errorf("instants not UTC: %v %v", f.StartedAt, f.ExpiresAt)
	}

	r = cs.request("GET", "/api/v1/accounts/connect/"+f.ID, nil)
	wantStatus(t, r, http.StatusOK)
	r.decode(t, &f)
	if f.Status != posting.ConnectWaiting || len(f.Candidates) != 0 {
		t.Fatalf("before the callback: %+v", f)
	}

	// The consent comes back in a browser, not with the API token: the
	// flow started with the token takes it.
	cs.callback(t)
	r = cs.request("GET", "/api/v1/accounts/connect/"+f.ID, nil)
	wantStatus(t, r, http.StatusOK)
	r.decode(t, &f)
	if f.Status != posting.ConnectChoosing || len(f.Candidates) != 2 || f.Candidates[0].Handle != "@GobAntioquia" || len(f.Granted) != 5 {
		t.Fatalf("after the callback: %+v", f)
	}
	if strings.Contains(string(r.body), "secreto-de-") || strings.Contains(string(r.body), "renovar-") {
		t.Fatalf("the flow shows credentials: %s", r.body)
	}

	r = cs.request("POST", "/api/v1/accounts/connect/"+f.ID+"/accounts", map[string]any{
		"picks": []map[string]string{{"remote_id": "1500", "account": "x-gobernacion"}, {"network": "x", "remote_id": "1600", "unit": "salud"}}})
	wantStatus(t, r, http.StatusOK)
	var got web.ConnectedAccounts
	r.decode(t, &got)
	if len(got.Accounts) != 2 {
		t.Fatalf("accounts = %s", r.body)
	}
	a := got.Accounts[0]
	if a.ID != "x-gobernacion" || a.Source != pregonero.AccountConnected || a.Handle != "@GobAntioquia" || a.RemoteID != "1500" ||
		a.Unit != "despacho" || a.Status != pregonero.AccountActive || len(a.Scopes) != 5 || a.ConnectedAt.IsZero() {
		t.Errorf("first account = %+v", a)
	}
	if b := got.Accounts[1]; b.Unit != "salud" || b.RemoteID != "1600" || !strings.HasPrefix(b.ID, "x-") {
		t.Errorf("second account = %+v", b)
	}
	if strings.Contains(string(r.body), "secreto-de-") {
		t.Fatalf("the answer shows credentials: %s", r.body)
	}

	r = cs.request("GET", "/api/v1/accounts/connect/"+f.ID, nil)
	r.decode(t, &f)
	if f.Status != posting.ConnectDone || len(f.Accounts) != 2 || f.Accounts[0] != "x-gobernacion" {
		t.Errorf("after choosing: %+v", f)
	}
	r = cs.request("POST", "/api/v1/accounts/connect/"+f.ID+"/accounts", map[string]any{"picks": []map[string]string{{"remote_id": "1500"}}})
	wantStatus(t, r, http.StatusConflict)

	r = cs.request("POST", "/api/v1/accounts/x-gobernacion/disconnect", nil)
	wantStatus(t, r, http.StatusOK)
	var d pregonero.Account
	r.decode(t, &d)
	if d.ID != "x-gobernacion" || d.Status != pregonero.AccountDisconnected {
		t.Errorf("disconnected = %+v", d)
	}
	r = cs.request("POST", "/api/v1/accounts/x-nadie/disconnect", nil)
	wantStatus(t, r, http.StatusNotFound)
}

// The API refuses bad input with the field at fault, unknown flows with
// 404, and everyone but an admin with 403.
func TestConnectAPIRefuses(t *testing.T) {
	cs := newConnectServer(t, gobCandidate, saludCandidate)
	_, editor := userWithToken(t, cs.users, "editora", pregonero.RoleEditor, "salud")
	_, viewer := userWithToken(t, cs.users, "lectora", pregonero.RoleViewer)
	_, admin := userWithToken(t, cs.users, "admina", pregonero.RoleAdmin)

	r := cs.request("POST", "/api/v1/accounts/connect", map[string]string{"network": "x"})
	wantStatus(t, r, http.StatusCreated)
	var flow posting.ConnectFlow
	r.decode(t, &flow)
	cs.callback(t)

	wantField := func(t *testing.T, r response, field string) {
		t.Helper()
		wantStatus(t, r, http.StatusUnprocessableEntity)
		e := r.apiError(t)
		for _, fe := range e.Fields {
			if fe.Field == field {
				return
			}
		}
		t.Errorf("fields %+v, want one for %q", e.Fields, field)
	}

	t.Run("bad input answers 422 with the field", func(t *testing.T) {
		for _, tc := range []struct {
			name, path string
			body       any
			field      string
		}{
			{"no network", "/api/v1/accounts/connect", map[string]string{}, "network"},
			{"unknown network", "/api/v1/accounts/connect", map[string]string{"network": "myspace"}, "network"},
			{"network without an app", "/api/v1/accounts/connect", map[string]string{"network": "youtube"}, "network"},
			{"unknown account to renew", "/api/v1/accounts/connect", map[string]string{"network": "x", "renew": "x-nadie"}, "renew"},
			{"renewal of another network", "/api/v1/accounts/connect", map[string]string{"network": "x", "renew": "fb-gob"}, "renew"},
			{"session is not input", "/api/v1/accounts/connect", map[string]string{"network": "x", "session": "robada"}, "session"},
			{"no picks", "/api/v1/accounts/connect/" + flow.ID + "/accounts", map[string]any{"picks": []any{}}, "picks"},
			{"a pick naming no candidate", "/api/v1/accounts/connect/" + flow.ID + "/accounts",
				map[string]any{"picks": []map[string]string{{"remote_id": "999"}}}, "picks"},
			{"an account id that is no slug", "/api/v1/accounts/connect/" + flow.ID + "/accounts",
				map[string]any{"picks": []map[string]string{{"remote_id": "1500", "account": "X Gob!"}}}, "account"},
			{"an account id taken", "/api/v1/accounts/connect/" + flow.ID + "/accounts",
				map[string]any{"picks": []map[string]string{{"remote_id": "1500", "account": "x-salud"}}}, "account"},
			{"picks of the wrong type", "/api/v1/accounts/connect/" + flow.ID + "/accounts", map[string]any{"picks": "1500"}, "picks"},
		} {
			t.Run(tc.name, func(t *testing.T) { wantField(t, cs.request("POST", tc.path, tc.body), tc.field) })
		}
		wantStatus(t, cs.request("POST", "/api/v1/accounts/connect", "{network"), http.StatusBadRequest)
		wantStatus(t, cs.request("POST", "/api/v1/accounts/connect", "network=x", "Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType)
	})

	t.Run("an unknown flow answers 404", func(t *testing.T) {
		wantStatus(t, cs.request("GET", "/api/v1/accounts/connect/cf_nadie", nil), http.StatusNotFound)
		wantStatus(t, cs.request("POST", "/api/v1/accounts/connect/cf_nadie/accounts", map[string]any{"picks": []map[string]string{{"remote_id": "1500"}}}), http.StatusNotFound)
	})

	t.Run("only an admin answers otherwise than 403", func(t *testing.T) {
		for name, token := range map[string]string{"editor": editor, "viewer": viewer} {
			for _, rq := range []struct {
				method, path string
				body         any
			}{
				{"POST", "/api/v1/accounts/connect", map[string]string{"network": "x"}},
				{"GET", "/api/v1/accounts/connect/" + flow.ID, nil},
				{"POST", "/api/v1/accounts/connect/" + flow.ID + "/accounts", map[string]any{"picks": []map[string]string{{"remote_id": "1500"}}}},
				{"POST", "/api/v1/accounts/x-salud/disconnect", nil},
			} {
				r := cs.request(rq.method, rq.path, rq.body, asToken(token)...)
				if r.status != http.StatusForbidden || r.apiError(t).Code != pregonero.EFORBIDDEN {
					t.Errorf("%s: %s %s = %d %s, want 403", name, rq.method, rq.path, r.status, r.body)
				}
			}
		}
		// Another admin may not follow nor finish a flow they did not start.
		wantStatus(t, cs.request("GET", "/api/v1/accounts/connect/"+flow.ID, nil, asToken(admin)...), http.StatusForbidden)
		wantStatus(t, cs.request("POST", "/api/v1/accounts/connect/"+flow.ID+"/accounts",
			map[string]any{"picks": []map[string]string{{"remote_id": "1500"}}}, asToken(admin)...), http.StatusForbidden)
		a, err := cs.db.Account(context.Background(), "x-salud")
		if err != nil || a.Status != pregonero.AccountActive {
			t.Errorf("x-salud after refused disconnects: %+v, %v", a, err)
		}
	})

	t.Run("an admin's own token connects", func(t *testing.T) {
		r := cs.request("POST", "/api/v1/accounts/connect", map[string]string{"network": "x"}, asToken(admin)...)
		wantStatus(t, r, http.StatusCreated)
		var f posting.ConnectFlow
		r.decode(t, &f)
		if f.By != "admina" {
			t.Errorf("by = %q, want admina", f.By)
		}
		cs.callback(t)
		r = cs.request("POST", "/api/v1/accounts/connect/"+f.ID+"/accounts",
			map[string]any{"picks": []map[string]string{{"remote_id": "1600", "unit": "salud"}}}, asToken(admin)...)
		wantStatus(t, r, http.StatusOK)
		var got web.ConnectedAccounts
		r.decode(t, &got)
		if len(got.Accounts) != 1 || got.Accounts[0].ConnectedBy != "admina" {
			t.Errorf("accounts = %s", r.body)
		}
	})

	t.Run("without a token it is 401", func(t *testing.T) {
		wantStatus(t, cs.request("POST", "/api/v1/accounts/connect", map[string]string{"network": "x"}, "Authorization", ""), http.StatusUnauthorized)
	})
}

// The client drives a connection and hands back the server's errors with
// their codes.
func TestClientConnects(t *testing.T) {
	cs := newConnectServer(t, gobCandidate)
	cl := web.NewClient(cs.srv.URL, cs.token, cs.srv.Client())
	ctx := context.Background()

	f, err := cl.StartConnect(ctx, web.ConnectStartRequest{Network: pregonero.NetworkX, Renew: "x-salud"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Status != posting.ConnectWaiting || f.Renew != "x-salud" {
		t.Fatalf("flow = %+v", f)
	}
	cs.callback(t)
	if f, err = cl.ConnectFlow(ctx, f.ID); err != nil || f.Status != posting.ConnectChoosing || len(f.Candidates) != 1 {
		t.Fatalf("flow = %+v, %v", f, err)
	}
	as, err := cl.ChooseConnectAccounts(ctx, f.ID, []posting.ConnectPick{{RemoteID: gobCandidate.RemoteID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].ID != "x-salud" || as[0].RemoteID != "1500" || as[0].Source != pregonero.AccountConnected {
		t.Fatalf("renewed = %+v", as)
	}
	a, err := cl.DisconnectAccount(ctx, "x-salud")
	if err != nil || a.Status != pregonero.AccountDisconnected {
		t.Fatalf("disconnect = %+v, %v", a, err)
	}

	_, err = cl.ConnectFlow(ctx, "cf_nadie")
	if code := pregonero.ErrorCode(err); code != pregonero.ENOTFOUND {
		t.Errorf("unknown flow: code %q (%v), want not_found", code, err)
	}
	_, err = cl.StartConnect(ctx, web.ConnectStartRequest{Network: "myspace"})
	var e *pregonero.Error
	if !errors.As(err, &e) || e.Code != pregonero.EINVALID || len(e.Fields) == 0 || e.Fields[0].Field != "network" {
		t.Errorf("unknown network: %v", err)
	}
	if _, err := cl.DisconnectAccount(ctx, "x/../nadie"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("odd id: %v", err)
	}
}

package posting_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/logtest"
	"pregonero/posting"
	"pregonero/store"
)

// connector is a pregonero.Connector with function fields; unset ones
// answer as a network that grants everything asked.
type connector struct {
	mu         sync.Mutex
	authorize  func(pregonero.OAuthApp, pregonero.AuthorizeRequest) (string, error)
	connect    func(context.Context, pregonero.OAuthApp, pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error)
	authorized []pregonero.AuthorizeRequest
	exchanged  []pregonero.ExchangeRequest
}

func (c *connector) AuthorizeURL(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
	c.mu.Lock()
	c.authorized = append(c.authorized, req)
	c.mu.Unlock()
	if c.authorize != nil {
		return c.authorize(app, req)
	}
	q := url.Values{"client_id": {app.ClientID}, "state": {req.State}, "redirect_uri": {req.RedirectURI},
		"code_challenge": {req.CodeChallenge}, "code_challenge_method": {"S256"}}
	return app.AuthBase + "/authorize?" + q.Encode(), nil
}

func (c *connector) Connect(ctx context.Context, app pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	c.mu.Lock()
	c.exchanged = append(c.exchanged, req)
	c.mu.Unlock()
	return c.connect(ctx, app, req)
}

func (c *connector) exchanges() []pregonero.ExchangeRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.exchanged)
}

// grantOf answers every code with the given grant.
func grantOf(g pregonero.ConnectGrant) func(context.Context, pregonero.OAuthApp, pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	return func(context.Context, pregonero.OAuthApp, pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
		g := g
		g.Candidates = slices.Clone(g.Candidates)
		return &g, nil
	}
}

func xCandidate(id, handle, token string) pregonero.ConnectCandidate {
	return pregonero.ConnectCandidate{Network: pregonero.NetworkX, RemoteID: id, Name: "Gobernación " + handle, Handle: "@" + handle,
		AvatarURL: "https://pbs.twimg.com/" + handle + ".jpg", Endpoint: "http://127.0.0.1:8090/x",
		Credentials: map[string]string{"client_id": "app", "access_token": token, "refresh_token": token + "-refresh"}}
}

func pageCandidate(id, name string) pregonero.ConnectCandidate {
	return pregonero.ConnectCandidate{Network: pregonero.NetworkFacebook, RemoteID: id, Name: name,
		Credentials: map[string]string{"access_token": "page-token-" + id, "app_id": "app", "app_secret": "app-secret"}}
}

var xScopes = []string{"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"}

type connectFixture struct {
	clock  *clock.Fake
	db     *store.DB
	sender *sender
	svc    *posting.Service
	logs   *logtest.Buffer
	x, fb  *connector
}

// admin2 is an admin other than admin (access_test.go).
var admin2 = &pregonero.User{ID: "u_admin2", Username: "dora", Role: pregonero.RoleAdmin}

func newConnectFixture(t *testing.T) *connectFixture {
	t.Helper()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"), store.WithNow(fc.Now), store.WithSecretKey(make([]byte, store.SecretKeySize)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &connectFixture{clock: fc, db: db, sender: &sender{}, logs: &logtest.Buffer{},
		x:  &connector{connect: grantOf(pregonero.ConnectGrant{Granted: xScopes, Candidates: []pregonero.ConnectCandidate{xCandidate("42", "gobantioquia", "at-1")}})},
		fb: &connector{},
	}
	meta := pregonero.OAuthApp{ClientID: "meta-app", ClientSecret: "meta-secret", AuthBase: "https://www.facebook.com"}
	f.svc, err = posting.New(posting.Config{Store: db, Sender: f.sender, Now: fc.Now, Logger: f.logs.Logger(),
		Adapters: map[pregonero.Network]pregonero.Adapter{
			pregonero.NetworkX:        &adapter{network: pregonero.NetworkX},
			pregonero.NetworkFacebook: &adapter{network: pregonero.NetworkFacebook},
		},
		Connect: posting.ConnectConfig{
			Connectors: map[pregonero.Network]pregonero.Connector{pregonero.NetworkX: f.x, pregonero.NetworkFacebook: f.fb, pregonero.NetworkInstagram: f.fb},
			Apps: map[pregonero.Network]pregonero.OAuthApp{
				pregonero.NetworkX:         {ClientID: "x-client", ClientSecret: "x-secret", AuthBase: "https://x.com"},
				pregonero.NetworkFacebook:  meta,
				pregonero.NetworkInstagram: meta,
			},
			LinkBases: map[pregonero.Network]string{pregonero.NetworkFacebook: "http://127.0.0.1:8090/facebook"},
			PublicURL: "https://pregonero.example/",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// start starts a connection as u in session.
func (f *connectFixture) start(t *testing.T, u *pregonero.User, req posting.ConnectRequest) *posting.ConnectFlow {
	t.Helper()
	fl, err := f.svc.StartConnect(as(u), req)
	if err != nil {
		t.Fatalf("StartConnect(%+v) = %v", req, err)
	}
	return fl
}

// stateOf reads the state the consent screen was opened with.
func stateOf(t *testing.T, fl *posting.ConnectFlow) string {
	t.Helper()
	u, err := url.Parse(fl.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("state")
}

// connect runs a flow to its choice and returns the accounts chosen.
func (f *connectFixture) connect(t *testing.T, req posting.ConnectRequest, picks ...posting.ConnectPick) []*pregonero.Account {
	t.Helper()
	req.Session = "s-ana"
	fl := f.start(t, admin, req)
	if _, err := f.svc.FinishConnect(as(admin), fl.Network, posting.ConnectCallback{State: stateOf(t, fl), Code: "code", Session: "s-ana"}); err != nil {
		t.Fatalf("FinishConnect() = %v", err)
	}
	accts, err := f.svc.ChooseAccounts(as(admin), fl.ID, picks)
	if err != nil {
		t.Fatalf("ChooseAccounts(%+v) = %v", picks, err)
	}
	return accts
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := pregonero.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// The consent screen is opened with a state of 32 random bytes and the
// S256 challenge of a verifier the exchange then sends; the callback is
// the network's under public_url.
func TestStartConnectOpensTheConsentScreenWithStateAndPKCE(t *testing.T) {
	f := newConnectFixture(t)
	fl := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Unit: "Comunicaciones", Session: "s-ana"})
	if fl.Status != posting.ConnectWaiting || fl.By != "jefa" || !fl.ExpiresAt.Equal(t0.Add(10*time.Minute)) || !strings.HasPrefix(fl.AuthorizeURL, "https://x.com/authorize?") {
		t.Errorf("flow = %+v, want waiting, by jefa, expiring in 10 minutes, at X's consent screen", fl)
	}
	req := f.x.authorized[0]
	if raw, err := base64.RawURLEncoding.DecodeString(req.State); err != nil || len(raw) != 32 {
		t.Errorf("state %q: %d bytes (%v), want 32 random bytes in base64url", req.State, len(raw), err)
	}
	if got, want := req.RedirectURI, "https://pregonero.example/accounts/callback/x"; got != want {
		t.Errorf("redirect_uri = %q, want %q", got, want)
	}
	if _, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, posting.ConnectCallback{State: req.State, Code: "c", Session: "s-ana"}); err != nil {
		t.Fatal(err)
	}
	ex := f.x.exchanges()[0]
	sum := sha256.Sum256([]byte(ex.CodeVerifier))
	if len(ex.CodeVerifier) < 43 || base64.RawURLEncoding.EncodeToString(sum[:]) != req.CodeChallenge {
		t.Errorf("verifier %q (%d chars) does not match the challenge %q, or is under 43 characters", ex.CodeVerifier, len(ex.CodeVerifier), req.CodeChallenge)
	}
	if ex.RedirectURI != req.RedirectURI || ex.Code != "c" {
		t.Errorf("exchange = %+v, want the code and the same redirect_uri", ex)
	}
	other := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-ana"})
	if stateOf(t, other) == req.State || other.ID == fl.ID {
		t.Error("two flows share a state or an id")
	}
}

// A state answers once: the same callback again is refused and the
// network is not asked a second time.
func TestFinishConnectStateIsSingleUse(t *testing.T) {
	f := newConnectFixture(t)
	fl := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-ana"})
	cb := posting.ConnectCallback{State: stateOf(t, fl), Code: "code-1", Session: "s-ana"}
	got, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, cb)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != posting.ConnectChoosing || len(got.Candidates) != 1 || got.Candidates[0].Handle != "@gobantioquia" || !slices.Equal(got.Granted, xScopes) {
		t.Errorf("flow = %+v, want choosing among @gobantioquia with the scopes granted", got)
	}
	if got.Candidates[0].Credentials != nil {
		t.Error("the flow handed out a candidate's credentials")
	}
	_, err = f.svc.FinishConnect(as(admin), pregonero.NetworkX, cb)
	wantCode(t, err, pregonero.ECONFLICT)
	if n := len(f.x.exchanges()); n != 1 {
		t.Errorf("codes exchanged = %d, want 1", n)
	}
	_, err = f.svc.FinishConnect(as(admin), pregonero.NetworkX, posting.ConnectCallback{State: "forged", Code: "c", Session: "s-ana"})
	wantCode(t, err, pregonero.ENOTFOUND)
}

// A callback from another session than the one that started the flow is
// refused and spends nothing: the right session still finishes it. A
// flow started with an API token takes its callback in any browser, but
// only its starter follows it.
func TestFinishConnectRefusesAnotherSession(t *testing.T) {
	f := newConnectFixture(t)
	fl := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-ana"})
	cb := posting.ConnectCallback{State: stateOf(t, fl), Code: "code", Session: "s-attacker"}
	_, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, cb)
	wantCode(t, err, pregonero.EFORBIDDEN)
	_, err = f.svc.FinishConnect(as(admin), pregonero.NetworkFacebook, posting.ConnectCallback{State: cb.State, Code: "code", Session: "s-ana"})
	wantCode(t, err, pregonero.EINVALID)
	if len(f.x.exchanges()) != 0 {
		t.Fatal("a refused callback reached the network")
	}
	cb.Session = "s-ana"
	if _, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, cb); err != nil {
		t.Fatalf("FinishConnect() from the right session = %v", err)
	}

	cli := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: posting.ConnectTokenSession + "abc"})
	if _, err := f.svc.FinishConnect(context.Background(), pregonero.NetworkX, posting.ConnectCallback{State: stateOf(t, cli), Code: "c", Session: "browser"}); err != nil {
		t.Fatalf("FinishConnect() of a token flow from a browser = %v", err)
	}
	_, err = f.svc.ConnectFlowOf(as(admin2), cli.ID)
	wantCode(t, err, pregonero.EFORBIDDEN)
	_, err = f.svc.ChooseAccounts(as(admin2), cli.ID, []posting.ConnectPick{{RemoteID: "42"}})
	wantCode(t, err, pregonero.EFORBIDDEN)
	if got, err := f.svc.ConnectFlowOf(as(admin), cli.ID); err != nil || got.Status != posting.ConnectChoosing {
		t.Errorf("ConnectFlowOf() by its starter = %+v, %v; want choosing", got, err)
	}
}

// A callback after ten minutes is refused; the flow shows it failed, and
// the candidates of a flow not chosen in time are forgotten.
func TestConnectFlowsExpire(t *testing.T) {
	f := newConnectFixture(t)
	fl := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-ana"})
	f.clock.Advance(10 * time.Minute)
	_, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, posting.ConnectCallback{State: stateOf(t, fl), Code: "c", Session: "s-ana"})
	wantCode(t, err, pregonero.ENOTFOUND)
	if len(f.x.exchanges()) != 0 {
		t.Error("an expired flow exchanged its code")
	}
	got, err := f.svc.ConnectFlowOf(as(admin), fl.ID)
	if err != nil || got.Status != posting.ConnectFailed || got.Error == "" {
		t.Errorf("ConnectFlowOf() = %+v, %v; want failed, saying why", got, err)
	}

	fl = f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-ana"})
	if _, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, posting.ConnectCallback{State: stateOf(t, fl), Code: "c", Session: "s-ana"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Minute)
	_, err = f.svc.ChooseAccounts(as(admin), fl.ID, []posting.ConnectPick{{RemoteID: "42"}})
	wantCode(t, err, pregonero.ECONFLICT)
	if got, _ := f.svc.ConnectFlowOf(as(admin), fl.ID); got.Status != posting.ConnectFailed || len(got.Candidates) != 0 {
		t.Errorf("flow = %+v, want failed with its candidates forgotten", got)
	}
	f.clock.Advance(10 * time.Minute)
	_, err = f.svc.ConnectFlowOf(as(admin), fl.ID)
	wantCode(t, err, pregonero.ENOTFOUND)
}

// A person who refuses on the consent screen fails the flow; the network
// is not asked for tokens.
func TestFinishConnectRefusedConsent(t *testing.T) {
	f := newConnectFixture(t)
	fl := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-ana"})
	cb := posting.ConnectCallback{State: stateOf(t, fl), Error: "access_denied", ErrorDescription: "The user denied", Session: "s-ana"}
	_, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, cb)
	wantCode(t, err, pregonero.EINVALID)
	got, _ := f.svc.ConnectFlowOf(as(admin), fl.ID)
	if got.Status != posting.ConnectFailed || !strings.Contains(got.Error, "refused") {
		t.Errorf("flow = %+v, want failed as refused", got)
	}
	if len(f.x.exchanges()) != 0 {
		t.Error("a refused consent exchanged a code")
	}
	_, err = f.svc.FinishConnect(as(admin), pregonero.NetworkX, posting.ConnectCallback{State: cb.State, Code: "late", Session: "s-ana"})
	wantCode(t, err, pregonero.ECONFLICT)
}

// A code the network refuses (replayed, or its PKCE verifier does not
// match) fails the flow with the network's words; nothing is connected.
func TestFinishConnectRefusedCode(t *testing.T) {
	f := newConnectFixture(t)
	f.x.connect = func(context.Context, pregonero.OAuthApp, pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
		return nil, &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_invalid_grant",
			Message: "X refused the authorization code: it was already used", Err: errors.New("invalid_request")}
	}
	fl := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-ana"})
	_, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, posting.ConnectCallback{State: stateOf(t, fl), Code: "used", Session: "s-ana"})
	wantCode(t, err, pregonero.EUNAVAILABLE)
	got, _ := f.svc.ConnectFlowOf(as(admin), fl.ID)
	if got.Status != posting.ConnectFailed || !strings.Contains(got.Error, "already used") {
		t.Errorf("flow = %+v, want failed with X's words", got)
	}
	if as, _ := f.db.Accounts(context.Background()); len(as) != 0 {
		t.Errorf("accounts = %v, want none", as)
	}
}

// Only admins connect and disconnect; a network without an application
// cannot be connected.
func TestConnectIsForAdmins(t *testing.T) {
	f := newConnectFixture(t)
	_, err := f.svc.StartConnect(as(gob), posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-eva"})
	wantCode(t, err, pregonero.EFORBIDDEN)
	_, err = f.svc.StartConnect(as(admin), posting.ConnectRequest{Network: pregonero.NetworkYouTube, Session: "s-ana"})
	wantCode(t, err, pregonero.EINVALID)
	_, err = f.svc.StartConnect(as(admin), posting.ConnectRequest{Network: pregonero.NetworkX})
	wantCode(t, err, pregonero.EINVALID)
	fl := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkX, Session: "s-ana"})
	_, err = f.svc.FinishConnect(as(gob), pregonero.NetworkX, posting.ConnectCallback{State: stateOf(t, fl), Code: "c", Session: "s-ana"})
	wantCode(t, err, pregonero.EFORBIDDEN)
	accts := f.connect(t, posting.ConnectRequest{Network: pregonero.NetworkX}, posting.ConnectPick{RemoteID: "42"})
	_, err = f.svc.DisconnectAccount(as(gob), accts[0].ID)
	wantCode(t, err, pregonero.EFORBIDDEN)
	if got := f.svc.Connectable(); !slices.Equal(got, []pregonero.Network{pregonero.NetworkX, pregonero.NetworkFacebook, pregonero.NetworkInstagram}) {
		t.Errorf("Connectable() = %v", got)
	}
}

// A Facebook user with three pages connects the two chosen: each an
// account with its page token sealed in the store, named after the page
// unless the pick names it, in the pick's dependencia or the flow's.
func TestChooseTwoOfThreeFacebookPages(t *testing.T) {
	f := newConnectFixture(t)
	granted := []string{"pages_show_list", "pages_manage_posts", "pages_read_engagement"}
	f.fb.connect = grantOf(pregonero.ConnectGrant{Granted: granted, Candidates: []pregonero.ConnectCandidate{
		pageCandidate("1001", "Gobernación de Antioquia"), pageCandidate("1002", "Secretaría de Salud"), pageCandidate("1003", "Página personal"),
	}})
	accts := f.connect(t, posting.ConnectRequest{Network: pregonero.NetworkFacebook, Unit: "Comunicaciones"},
		posting.ConnectPick{RemoteID: "1001"},
		posting.ConnectPick{Network: pregonero.NetworkFacebook, RemoteID: "1002", Account: "facebook-salud", Unit: "Salud"})
	if len(accts) != 2 {
		t.Fatalf("accounts = %d, want 2", len(accts))
	}
	ctx := context.Background()
	all, _ := f.db.Accounts(ctx)
	if len(all) != 2 {
		t.Errorf("stored accounts = %d, want the 2 chosen", len(all))
	}
	for i, want := range []struct{ id, remote, name, unit string }{
		{"facebook-gobernacion-de-antioquia", "1001", "Gobernación de Antioquia", "Comunicaciones"},
		{"facebook-salud", "1002", "Secretaría de Salud", "Salud"},
	} {
		a, err := f.db.Account(ctx, want.id)
		if err != nil {
			t.Fatalf("account %s: %v", want.id, err)
		}
		if accts[i].ID != want.id || a.RemoteID != want.remote || a.Name != want.name || a.Unit != want.unit ||
			a.Source != pregonero.AccountConnected || a.Status != pregonero.AccountActive || a.ConnectedBy != "jefa" ||
			!a.ConnectedAt.Equal(t0) || !slices.Equal(a.Scopes, granted) || a.LinkBase != "http://127.0.0.1:8090/facebook" {
			t.Errorf("account %s = %+v, want %+v connected by jefa, active, with the scopes granted", want.id, a, want)
		}
		creds, err := f.db.ConnectedCredentials(ctx, want.id)
		if err != nil || creds["access_token"] != "page-token-"+want.remote {
			t.Errorf("credentials of %s = %v, %v; want its page token", want.id, creds, err)
		}
	}
	fl := f.sender.accounts
	if len(fl) != 2 {
		t.Errorf("the publisher was told of %v, want the 2 accounts", fl)
	}
}

// A pick that names no candidate, a taken id or a bad id writes nothing.
func TestChooseAccountsChecksEveryPickFirst(t *testing.T) {
	f := newConnectFixture(t)
	ctx := context.Background()
	if err := f.db.PutAccount(ctx, &pregonero.Account{ID: "facebook-taken", Network: pregonero.NetworkFacebook, RemoteID: "9", Status: pregonero.AccountActive}); err != nil {
		t.Fatal(err)
	}
	f.fb.connect = grantOf(pregonero.ConnectGrant{Candidates: []pregonero.ConnectCandidate{pageCandidate("1001", "Uno"), pageCandidate("1002", "Dos")}})
	fl := f.start(t, admin, posting.ConnectRequest{Network: pregonero.NetworkFacebook, Session: "s"})
	if _, err := f.svc.FinishConnect(as(admin), pregonero.NetworkFacebook, posting.ConnectCallback{State: stateOf(t, fl), Code: "c", Session: "s"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		picks []posting.ConnectPick
		field string
	}{
		{nil, "picks"},
		{[]posting.ConnectPick{{RemoteID: "1001"}, {RemoteID: "7"}}, "picks"},
		{[]posting.ConnectPick{{RemoteID: "1001"}, {RemoteID: "1001"}}, "picks"},
		{[]posting.ConnectPick{{RemoteID: "1001"}, {RemoteID: "1002", Account: "facebook-taken"}}, "account"},
		{[]posting.ConnectPick{{RemoteID: "1001", Account: "Bad Id"}}, "account"},
	} {
		_, err := f.svc.ChooseAccounts(as(admin), fl.ID, tc.picks)
		var e *pregonero.Error
		if !errors.As(err, &e) || e.Code != pregonero.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
			t.Errorf("ChooseAccounts(%+v) = %v, want invalid %s", tc.picks, err, tc.field)
		}
	}
	if all, _ := f.db.Accounts(ctx); len(all) != 1 {
		t.Errorf("accounts = %d, want only the one there before", len(all))
	}
	if _, err := f.svc.ChooseAccounts(as(admin), fl.ID, []posting.ConnectPick{{RemoteID: "1002"}}); err != nil {
		t.Fatalf("ChooseAccounts() after refusals = %v", err)
	}
	_, err := f.svc.ChooseAccounts(as(admin), fl.ID, []posting.ConnectPick{{RemoteID: "1001"}})
	wantCode(t, err, pregonero.ECONFLICT)
}

// Connecting an account again (reconectar) renews it in place: same id,
// new credentials, active, its queued posts and history kept and what its
// refused credentials held released.
func TestRenewalKeepsTheAccountsPostsAndReleasesWhatWasHeld(t *testing.T) {
	f := newConnectFixture(t)
	ctx := context.Background()
	acct := f.connect(t, posting.ConnectRequest{Network: pregonero.NetworkX, Unit: "Comunicaciones"}, posting.ConnectPick{RemoteID: "42"})[0]
	if acct.ID != "x-gobantioquia" {
		t.Fatalf("account id = %q, want x-gobantioquia", acct.ID)
	}
	// What the adapter renewed from the first credentials.
	if err := f.db.PutCredentials(ctx, acct.ID, map[string]string{"access_token": "at-1b"}); err != nil {
		t.Fatal(err)
	}
	queued, _, err := f.svc.Create(ctx, &posting.Draft{Text: "Mañana", Targets: []string{acct.ID}, ScheduledAt: "2026-12-08T09:00"}, "")
	if err != nil {
		t.Fatal(err)
	}
	held, _, err := f.svc.Create(ctx, &posting.Draft{Text: "Hoy", Targets: []string{acct.ID}, ScheduledAt: "2026-12-07T09:00"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UpdateAccount(ctx, acct.ID, func(a *pregonero.Account) error {
		a.Status, a.StatusReason = pregonero.AccountNeedsReauth, "X refused the token"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UpdateDelivery(ctx, held.Deliveries[0].ID, func(d *pregonero.Delivery) error {
		return d.Hold(pregonero.HoldNeedsReauth, &pregonero.DeliveryError{Class: pregonero.ClassNeedsReauth, Code: "held", Message: "held"})
	}); err != nil {
		t.Fatal(err)
	}

	f.clock.Advance(time.Minute)
	f.x.connect = grantOf(pregonero.ConnectGrant{Granted: xScopes, Candidates: []pregonero.ConnectCandidate{xCandidate("42", "gobantioquia", "at-2")}})
	got := f.connect(t, posting.ConnectRequest{Renew: acct.ID}, posting.ConnectPick{RemoteID: "42", Account: "ignored-on-renewal"})
	if len(got) != 1 || got[0].ID != acct.ID || got[0].Status != pregonero.AccountActive || !got[0].ConnectedAt.Equal(t0.Add(time.Minute)) || got[0].Unit != "Comunicaciones" {
		t.Fatalf("renewed = %+v, want %s active, connected again now, in its dependencia", got, acct.ID)
	}
	if all, _ := f.db.Accounts(ctx); len(all) != 1 {
		t.Errorf("accounts = %d, want the one renewed", len(all))
	}
	creds, err := f.db.ConnectedCredentials(ctx, acct.ID)
	if err != nil || creds["access_token"] != "at-2" {
		t.Errorf("credentials = %v, %v; want the new ones", creds, err)
	}
	if _, err := f.db.Credentials(ctx, acct.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("run-time credentials of the old grant = %v, want deleted", err)
	}
	for _, p := range []*pregonero.Post{queued, held} {
		d, err := f.db.Delivery(ctx, p.Deliveries[0].ID)
		if err != nil || d.State != pregonero.DeliveryQueued {
			t.Errorf("delivery of %q = %+v, %v; want queued", p.Text, d, err)
		}
	}
	// Matched by network and remote id, a plain connection renews too.
	again := f.connect(t, posting.ConnectRequest{Network: pregonero.NetworkX}, posting.ConnectPick{RemoteID: "42"})
	if again[0].ID != acct.ID {
		t.Errorf("connecting the same profile made %s, want %s renewed", again[0].ID, acct.ID)
	}
}

// Connecting an account again with another profile is refused and changes
// nothing.
func TestRenewalRefusesAnotherProfile(t *testing.T) {
	f := newConnectFixture(t)
	acct := f.connect(t, posting.ConnectRequest{Network: pregonero.NetworkX}, posting.ConnectPick{RemoteID: "42"})[0]
	f.x.connect = grantOf(pregonero.ConnectGrant{Granted: xScopes, Candidates: []pregonero.ConnectCandidate{xCandidate("77", "otra", "at-9")}})
	fl := f.start(t, admin, posting.ConnectRequest{Renew: acct.ID, Session: "s"})
	if fl.Network != pregonero.NetworkX {
		t.Errorf("renewal flow network = %q, want the account's", fl.Network)
	}
	if _, err := f.svc.FinishConnect(as(admin), pregonero.NetworkX, posting.ConnectCallback{State: stateOf(t, fl), Code: "c", Session: "s"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.ChooseAccounts(as(admin), fl.ID, []posting.ConnectPick{{RemoteID: "77"}})
	wantCode(t, err, pregonero.EINVALID)
	if !strings.Contains(pregonero.ErrorMessage(err), "@gobantioquia") || !strings.Contains(pregonero.ErrorMessage(err), "@otra") {
		t.Errorf("error %q does not name both profiles", pregonero.ErrorMessage(err))
	}
	creds, _ := f.db.ConnectedCredentials(context.Background(), acct.ID)
	if creds["access_token"] != "at-1" {
		t.Errorf("credentials = %v, want the first ones kept", creds)
	}
	_, err = f.svc.StartConnect(as(admin), posting.ConnectRequest{Renew: "x-nope", Session: "s"})
	wantCode(t, err, pregonero.EINVALID)
}

// A profile that lacks a permission publishing needs is connected waiting
// for a person, its missing permissions named.
func TestAProfileMissingPermissionsNeedsReauth(t *testing.T) {
	f := newConnectFixture(t)
	c := pageCandidate("1001", "Gobernación")
	c.Missing = []string{"pages_manage_posts"}
	f.fb.connect = grantOf(pregonero.ConnectGrant{Granted: []string{"pages_show_list"}, Missing: []string{"pages_manage_posts"}, Candidates: []pregonero.ConnectCandidate{c}})
	a := f.connect(t, posting.ConnectRequest{Network: pregonero.NetworkFacebook}, posting.ConnectPick{RemoteID: "1001"})[0]
	if a.Status != pregonero.AccountNeedsReauth || !slices.Equal(a.MissingScopes, []string{"pages_manage_posts"}) || !strings.Contains(a.StatusReason, "pages_manage_posts") {
		t.Errorf("account = %+v, want needs_reauth naming pages_manage_posts", a)
	}
}

// Disconnecting deletes the credentials and keeps the account's posts;
// the account cannot be resumed or paused, only connected again.
func TestDisconnectKeepsHistory(t *testing.T) {
	f := newConnectFixture(t)
	ctx := context.Background()
	acct := f.connect(t, posting.ConnectRequest{Network: pregonero.NetworkX}, posting.ConnectPick{RemoteID: "42"})[0]
	p, _, err := f.svc.Create(ctx, &posting.Draft{Text: "Mañana", Targets: []string{acct.ID}, ScheduledAt: "2026-12-08T09:00"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.PutCredentials(ctx, acct.ID, map[string]string{"access_token": "renewed"}); err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.DisconnectAccount(as(admin), acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != pregonero.AccountDisconnected || !strings.Contains(a.StatusReason, "jefa") {
		t.Errorf("account = %+v, want disconnected by jefa", a)
	}
	if last := f.sender.accounts[len(f.sender.accounts)-1]; last != acct.ID+":disconnected" {
		t.Errorf("the publisher was last told %q, want the account disconnected", last)
	}
	if _, err := f.db.ConnectedCredentials(ctx, acct.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("connected credentials after disconnect: %v, want none", err)
	}
	if _, err := f.db.Credentials(ctx, acct.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("run-time credentials after disconnect: %v, want none", err)
	}
	if got, err := f.db.Post(ctx, p.ID); err != nil || got.Deliveries[0].State != pregonero.DeliveryQueued {
		t.Errorf("post after disconnect = %+v, %v; want kept, queued", got, err)
	}
	_, err = f.svc.Resume(as(admin), acct.ID)
	wantCode(t, err, pregonero.ECONFLICT)
	wantCode(t, f.svc.Pause(as(admin), acct.ID, "vacaciones"), pregonero.ECONFLICT)
	if again, err := f.svc.DisconnectAccount(as(admin), acct.ID); err != nil || again.Status != pregonero.AccountDisconnected {
		t.Errorf("DisconnectAccount() again = %+v, %v; want it as it is", again, err)
	}
	_, err = f.svc.DisconnectAccount(as(admin), "x-nope")
	wantCode(t, err, pregonero.ENOTFOUND)

	// Connected again, it is active with its post still queued.
	back := f.connect(t, posting.ConnectRequest{Renew: acct.ID}, posting.ConnectPick{RemoteID: "42"})[0]
	if back.Status != pregonero.AccountActive {
		t.Errorf("account connected again = %+v, want active", back)
	}
}

// config.yaml never overwrites a connected account of the same id; an
// account of the file is imported when absent and keeps its source.
func TestConfigImportNeverOverwritesAConnectedAccount(t *testing.T) {
	f := newConnectFixture(t)
	ctx := context.Background()
	acct := f.connect(t, posting.ConnectRequest{Network: pregonero.NetworkX, Unit: "Comunicaciones"}, posting.ConnectPick{RemoteID: "42"})[0]
	file := &pregonero.Account{ID: acct.ID, Network: pregonero.NetworkX, Name: "Del archivo", Unit: "Otra", Endpoint: "http://file",
		Status: pregonero.AccountActive, Credentials: map[string]string{"consumer_key": "k"}}
	re, err := f.svc.ConfigureAccount(ctx, file)
	if err != nil || re {
		t.Fatalf("ConfigureAccount() = %v, %v", re, err)
	}
	got, err := f.db.Account(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != acct.Name || got.Unit != "Comunicaciones" || got.Source != pregonero.AccountConnected || got.Endpoint != acct.Endpoint {
		t.Errorf("account after import = %+v, want the connected one untouched", got)
	}
	if !strings.Contains(f.logs.String(), "left aside") {
		t.Errorf("the import does not say the file's entry was left aside:\n%s", f.logs.String())
	}
	creds, _ := f.db.ConnectedCredentials(ctx, acct.ID)
	if !maps.Equal(creds, xCandidate("42", "gobantioquia", "at-1").Credentials) {
		t.Errorf("credentials = %v, want the connected ones", creds)
	}

	fresh := &pregonero.Account{ID: "x-archivo", Network: pregonero.NetworkX, Status: pregonero.AccountActive, Credentials: map[string]string{"consumer_key": "k"}}
	if _, err := f.svc.ConfigureAccount(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if got, err := f.db.Account(ctx, "x-archivo"); err != nil || got.Source != pregonero.AccountFromConfig {
		t.Errorf("imported account = %+v, %v; want source config", got, err)
	}
}

// A disconnected account of the configuration whose credentials changed
// in the file is active again.
func TestNewConfiguredCredentialsReconnectADisconnectedAccount(t *testing.T) {
	f := newConnectFixture(t)
	ctx := context.Background()
	a := &pregonero.Account{ID: "x-archivo", Network: pregonero.NetworkX, Status: pregonero.AccountActive, Credentials: map[string]string{"access_token": "a"}}
	if _, err := f.svc.ConfigureAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DisconnectAccount(as(admin), "x-archivo"); err != nil {
		t.Fatal(err)
	}
	same := &pregonero.Account{ID: "x-archivo", Network: pregonero.NetworkX, Status: pregonero.AccountActive, Credentials: map[string]string{"access_token": "a"}}
	if re, err := f.svc.ConfigureAccount(ctx, same); err != nil || re || same.Status != pregonero.AccountDisconnected {
		t.Errorf("same credentials: reauthorized %v, status %s, %v; want still disconnected", re, same.Status, err)
	}
	fresh := &pregonero.Account{ID: "x-archivo", Network: pregonero.NetworkX, Status: pregonero.AccountActive, Credentials: map[string]string{"access_token": "b"}}
	if re, err := f.svc.ConfigureAccount(ctx, fresh); err != nil || !re || fresh.Status != pregonero.AccountActive {
		t.Errorf("new credentials: reauthorized %v, status %s, %v; want active again", re, fresh.Status, err)
	}
}

package posting_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
	"pregonero/clock"
	"pregonero/logtest"
	"pregonero/posting"
	"pregonero/store"
)

// countingSender answers each account's check with a set verdict and
// counts the checks.
type countingSender struct {
	checkingSender
	mu      sync.Mutex
	checked []string
}

func (s *countingSender) CheckCredentials(ctx context.Context, id string) error {
	s.mu.Lock()
	s.checked = append(s.checked, id)
	s.mu.Unlock()
	return s.checkingSender.CheckCredentials(ctx, id)
}

// The daily check asks about every active account, and only those: one
// refused needs re-authorization, flagged and logged once however many
// days it is checked.
func TestCheckActiveAccountsFlagsRefusedOnesOnce(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, a := range []*pregonero.Account{
		{ID: "x-ok", Network: pregonero.NetworkX, Status: pregonero.AccountActive, Source: pregonero.AccountConnected},
		{ID: "x-revoked", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "x-paused", Network: pregonero.NetworkX, Status: pregonero.AccountPaused},
		{ID: "x-gone", Network: pregonero.NetworkX, Status: pregonero.AccountDisconnected},
	} {
		if err := db.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	refused := &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_refresh_refused", Message: "X refused the refresh token.", NetworkMessage: "invalid_request"}
	snd := &countingSender{checkingSender: checkingSender{verdicts: map[string]error{"x-revoked": refused, "x-paused": refused, "x-gone": refused}}}
	logs := &logtest.Buffer{}
	svc, err := posting.New(posting.Config{Store: db, Sender: snd, Logger: logs.Logger(), Adapters: map[pregonero.Network]pregonero.Adapter{
		pregonero.NetworkX: &checker{adapter{network: pregonero.NetworkX}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for day := 1; day <= 2; day++ {
		res, err := svc.CheckActiveAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"x-ok": posting.CheckOK, "x-revoked": posting.CheckRefused}
		if day == 2 {
			want = map[string]string{"x-ok": posting.CheckOK}
		}
		if len(res) != len(want) {
			t.Errorf("day %d: checks = %+v, want %v", day, res, want)
		}
		for _, r := range res {
			if want[r.Account] != r.Result {
				t.Errorf("day %d: %s = %s, want %s", day, r.Account, r.Result, want[r.Account])
			}
		}
	}
	a, err := db.Account(ctx, "x-revoked")
	if err != nil || a.Status != pregonero.AccountNeedsReauth {
		t.Errorf("x-revoked = %+v, %v; want needs_reauth", a, err)
	}
	if n := strings.Count(logs.String(), "account needs re-authorization"); n != 1 {
		t.Errorf("needs re-authorization logged %d times, want once:\n%s", n, logs.String())
	}
	for _, id := range snd.checked {
		if id == "x-paused" || id == "x-gone" {
			t.Errorf("checked %s, which is not active", id)
		}
	}
}

// igPublisher checks accounts as the publisher does: with the
// credentials it read when the service last told it the account changed
// (those the account was connected with, from the store), through the
// Instagram adapter.
type igPublisher struct {
	sender
	db    *store.DB
	ig    *instagram.Adapter
	mu    sync.Mutex
	creds map[string]map[string]string
	used  []string // the tokens checked with
}

func (p *igPublisher) AccountChanged(a *pregonero.Account) {
	p.sender.AccountChanged(a)
	creds, _ := p.db.ConnectedCredentials(context.Background(), a.ID)
	p.mu.Lock()
	p.creds[a.ID] = creds
	p.mu.Unlock()
}

func (p *igPublisher) CheckCredentials(ctx context.Context, id string) error {
	a, err := p.db.Account(ctx, id)
	if err != nil {
		return err
	}
	p.mu.Lock()
	a.Credentials = p.creds[id]
	p.used = append(p.used, a.Credentials[graph.CredAccessToken])
	p.mu.Unlock()
	return p.ig.CheckCredentials(ctx, a)
}

func (p *igPublisher) tokensUsed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.used...)
}

// The daily check refreshes an Instagram Login token once it expires
// within 15 days, stores it sealed in place of the one the account was
// connected with and checks with it; a refresh Instagram refuses needs
// re-authorization, with why and what to do.
func TestCheckActiveAccountsRefreshesInstagramLoginTokens(t *testing.T) {
	ctx := context.Background()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"), store.WithNow(fc.Now), store.WithSecretKey(make([]byte, store.SecretKeySize)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const callback = "https://pregonero.example/accounts/callback/instagram"
	base := fakenettest.Serve(t, fake.New(fake.Options{Now: fc.Now, RedirectURIs: []string{callback}}), "")
	logs := &logtest.Buffer{}
	ig := instagram.New(instagram.Config{Config: graph.Config{Now: fc.Now}, Logger: logs.Logger()})
	pub := &igPublisher{db: db, ig: ig, creds: map[string]map[string]string{}}
	svc, err := posting.New(posting.Config{Store: db, Sender: pub, Now: fc.Now, Logger: logs.Logger(),
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkInstagram: ig},
		Connect: posting.ConnectConfig{
			Connectors: map[pregonero.Network]pregonero.Connector{pregonero.NetworkInstagram: ig},
			Apps: map[pregonero.Network]pregonero.OAuthApp{pregonero.NetworkInstagram: {
				ClientID: fake.DefaultAppID, ClientSecret: fake.DefaultAppSecret, AuthBase: base, Endpoint: base}},
			PublicURL: "https://pregonero.example",
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Connect the account through Instagram Login's consent screen.
	fl, err := svc.StartConnect(as(admin), posting.ConnectRequest{Network: pregonero.NetworkInstagram, Session: "s"})
	if err != nil {
		t.Fatal(err)
	}
	consent, _ := url.Parse(fl.AuthorizeURL)
	form := consent.Query()
	form.Set("action", "autorizar")
	consent.RawQuery = ""
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(consent.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("consent answered %d %q, want a redirect with a code", res.StatusCode, res.Header.Get("Location"))
	}
	if _, err := svc.FinishConnect(as(admin), pregonero.NetworkInstagram, posting.ConnectCallback{
		State: back.Query().Get("state"), Code: back.Query().Get("code"), Session: "s"}); err != nil {
		t.Fatalf("FinishConnect: %v", err)
	}
	accts, err := svc.ChooseAccounts(as(admin), fl.ID, []posting.ConnectPick{{Network: pregonero.NetworkInstagram, RemoteID: fake.DefaultInstagramLoginUser}})
	if err != nil || len(accts) != 1 {
		t.Fatalf("ChooseAccounts = %v, %v", accts, err)
	}
	id := accts[0].ID
	stored := func() map[string]string {
		t.Helper()
		creds, err := db.ConnectedCredentials(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return creds
	}
	first := stored()
	if got, want := first[instagram.CredExpiresAt], t0.Add(60*24*time.Hour).Format(time.RFC3339); got != want {
		t.Fatalf("stored expires_at = %q, want %q", got, want)
	}
	check := func(day string, want string) {
		t.Helper()
		res, err := svc.CheckActiveAccounts(ctx)
		if err != nil || len(res) != 1 || res[0].Result != want {
			t.Fatalf("%s: check = %+v, %v; want %s", day, res, err, want)
		}
	}

	fc.Advance(24 * time.Hour)
	check("day 1", posting.CheckOK)
	fc.Set(t0.Add(44 * 24 * time.Hour))
	check("16 days before expiry", posting.CheckOK)
	if got := stored(); got[graph.CredAccessToken] != first[graph.CredAccessToken] {
		t.Fatal("the token was refreshed before it was due")
	}
	if strings.Contains(logs.String(), "refreshed") {
		t.Errorf("a refresh was logged before one was due:\n%s", logs)
	}

	fc.Set(t0.Add(46 * 24 * time.Hour))
	check("14 days before expiry", posting.CheckOK)
	second := stored()
	if second[graph.CredAccessToken] == first[graph.CredAccessToken] || second[instagram.CredLogin] != instagram.LoginInstagram {
		t.Fatalf("after a refresh the stored credentials keep the old token or lose the login")
	}
	if got, want := second[instagram.CredExpiresAt], fc.Now().Add(60*24*time.Hour).Format(time.RFC3339); got != want {
		t.Errorf("refreshed expires_at = %q, want %q", got, want)
	}
	if used := pub.tokensUsed(); used[len(used)-1] != second[graph.CredAccessToken] {
		t.Error("the check after the refresh did not use the new token")
	}
	if n := strings.Count(logs.String(), "access token refreshed"); n != 1 {
		t.Errorf("refresh logged %d times, want once:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), second[graph.CredAccessToken]) || strings.Contains(logs.String(), first[graph.CredAccessToken]) {
		t.Error("a token was logged")
	}

	// The old token has expired; the account publishes with the new one.
	fc.Set(t0.Add(61 * 24 * time.Hour))
	check("the day after the old token expired", posting.CheckOK)

	// Nothing ran for two months: Instagram refuses to refresh an
	// expired token, and a person must connect the account again.
	fc.Set(t0.Add(107 * 24 * time.Hour))
	checked := len(pub.tokensUsed())
	res2, err := svc.CheckActiveAccounts(ctx)
	if err != nil || len(res2) != 1 || res2[0].Result != posting.CheckRefused || res2[0].Status != pregonero.AccountNeedsReauth {
		t.Fatalf("refused refresh: check = %+v, %v; want refused, needs_reauth", res2, err)
	}
	a, err := db.Account(ctx, id)
	if err != nil || a.Status != pregonero.AccountNeedsReauth || !strings.Contains(a.StatusReason, "refresh") ||
		!strings.Contains(a.StatusReason, "connect the account again") {
		t.Errorf("account after a refused refresh = %+v, %v; want needs_reauth saying why and what to do", a, err)
	}
	if len(pub.tokensUsed()) != checked {
		t.Error("an account whose refresh was refused was checked too")
	}
	if got := stored(); got[graph.CredAccessToken] != second[graph.CredAccessToken] {
		t.Error("a refused refresh changed the stored credentials")
	}
	if n := strings.Count(logs.String(), "account needs re-authorization"); n != 1 {
		t.Errorf("needs re-authorization logged %d times, want once:\n%s", n, logs)
	}
}

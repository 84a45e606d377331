package instagram_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

// loginAccount connects the fake's Instagram Login account and returns it
// as stored, connected at the clock's now.
func (e *env) loginAccount(t *testing.T) *pregonero.Account {
	t.Helper()
	g, err := e.adapter.Connect(ctx(t), e.loginApp(), pregonero.ExchangeRequest{Code: e.loginCode(t, nil), RedirectURI: igCallback})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	c := g.Candidates[0]
	return &pregonero.Account{ID: "ig-login", Network: c.Network, RemoteID: c.RemoteID, Endpoint: c.Endpoint,
		Credentials: c.Credentials, Status: pregonero.AccountActive, Source: pregonero.AccountConnected, ConnectedAt: e.clock.Now()}
}

func expiresIn(t *testing.T, creds map[string]string, now time.Time) time.Duration {
	t.Helper()
	at, err := time.Parse(time.RFC3339, creds[instagram.CredExpiresAt])
	if err != nil {
		t.Fatalf("expires_at %q: %v", creds[instagram.CredExpiresAt], err)
	}
	return at.Sub(now)
}

// A token is refreshed once it expires within 15 days, and not before;
// the new one publishes, and the one after it is refreshed as well.
func TestRefreshCredentialsRenewsATokenDueWithin15Days(t *testing.T) {
	clk := fakenet.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e := newEnv(t, envOptions{fake: fake.Options{RedirectURIs: []string{igCallback}}, clock: clk})
	a := e.loginAccount(t)
	if d := expiresIn(t, a.Credentials, clk.Now()); d != 60*24*time.Hour {
		t.Fatalf("a new long-lived token expires in %s, want 60 days", d)
	}

	for _, wait := range []time.Duration{0, 25 * time.Hour, 44 * 24 * time.Hour} {
		clk.Set(a.ConnectedAt.Add(wait))
		creds, err := e.adapter.RefreshCredentials(ctx(t), a)
		if creds != nil || err != nil {
			t.Fatalf("%s after connecting: refresh = %v, %v; want nothing due", wait, creds != nil, err)
		}
	}

	clk.Set(a.ConnectedAt.Add(46 * 24 * time.Hour))
	creds, err := e.adapter.RefreshCredentials(ctx(t), a)
	if err != nil || creds == nil {
		t.Fatalf("14 days before expiry: refresh = %v, %v; want new credentials", creds, err)
	}
	if creds[graph.CredAccessToken] == a.Credentials[graph.CredAccessToken] || creds[graph.CredAccessToken] == "" {
		t.Errorf("the refreshed token is the old one")
	}
	if d := expiresIn(t, creds, clk.Now()); d != 60*24*time.Hour {
		t.Errorf("the refreshed token expires in %s, want 60 days", d)
	}
	if creds[instagram.CredLogin] != instagram.LoginInstagram || len(creds) != len(a.Credentials) {
		t.Errorf("refreshed credentials %v, want those of the account with the new token and expiry", slices.Sorted(maps.Keys(creds)))
	}

	// The old token expires on its day; the new one is the account's.
	clk.Set(a.ConnectedAt.Add(61 * 24 * time.Hour))
	renewed := *a
	renewed.Credentials = creds
	if err := e.adapter.CheckCredentials(ctx(t), &renewed); err != nil {
		t.Errorf("check with the refreshed token after the old one expired: %v", err)
	}
	if err := e.adapter.CheckCredentials(ctx(t), a); err == nil {
		t.Error("check with the old token after its expiry: got no error")
	}
}

// A refresh Instagram refuses (the token expired, or was revoked) needs a
// person; one it could not be asked about does not, nor does a refusal
// that says nothing about the token (it is less than a day old).
func TestRefreshCredentialsRefusedNeedsReauth(t *testing.T) {
	clk := fakenet.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e := newEnv(t, envOptions{fake: fake.Options{RedirectURIs: []string{igCallback}}, clock: clk})
	a := e.loginAccount(t)

	t.Run("a token not a day old is not refused for good", func(t *testing.T) {
		young := *a
		young.Credentials = maps.Clone(a.Credentials)
		young.Credentials[instagram.CredExpiresAt] = clk.Now().Add(time.Hour).Format(time.RFC3339)
		_, err := e.adapter.RefreshCredentials(ctx(t), &young)
		if err == nil || errors.As(err, new(*pregonero.PublishError)) {
			t.Errorf("refresh of a token an hour old = %v, want a plain error", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		gone := *a
		gone.Endpoint = "http://127.0.0.1:1"
		clk.Set(a.ConnectedAt.Add(50 * 24 * time.Hour))
		_, err := e.adapter.RefreshCredentials(ctx(t), &gone)
		if err == nil || errors.As(err, new(*pregonero.PublishError)) || strings.Contains(err.Error(), a.Credentials[graph.CredAccessToken]) {
			t.Errorf("refresh with the network unreachable = %v, want a plain error without the token", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		clk.Set(a.ConnectedAt.Add(60*24*time.Hour + time.Minute))
		creds, err := e.adapter.RefreshCredentials(ctx(t), a)
		var pe *pregonero.PublishError
		if creds != nil || !errors.As(err, &pe) || pe.Class != pregonero.ClassNeedsReauth || pe.Code != "instagram_refresh_refused" {
			t.Fatalf("refresh of an expired token = %v, %v; want needs_reauth", creds, err)
		}
		if !strings.Contains(pe.Message, "expired on 2026-05-01 09:00 UTC") || !strings.Contains(pe.Message, "connect the account again") || pe.NetworkMessage == "" {
			t.Errorf("refusal %q (network: %q), want when it expired, what to do and Instagram's words", pe.Message, pe.NetworkMessage)
		}
	})
}

// Nothing is due for an account of Facebook Login (Page tokens do not
// expire); a token whose expiry is not known is refreshed once its
// account was connected a day ago, and its expiry learned.
func TestRefreshCredentialsWhatIsDue(t *testing.T) {
	clk := fakenet.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e := newEnv(t, envOptions{fake: fake.Options{RedirectURIs: []string{igCallback}}, clock: clk})
	page := e.account("page")
	clk.Advance(59 * 24 * time.Hour)
	if creds, err := e.adapter.RefreshCredentials(ctx(t), page); creds != nil || err != nil {
		t.Errorf("refresh of a Facebook Login account = %v, %v; want nothing due", creds, err)
	}

	a := e.loginAccount(t)
	delete(a.Credentials, instagram.CredExpiresAt)
	clk.Advance(23 * time.Hour)
	if creds, err := e.adapter.RefreshCredentials(ctx(t), a); creds != nil || err != nil {
		t.Errorf("refresh of a token of unknown expiry 23 hours old = %v, %v; want nothing due", creds, err)
	}
	clk.Advance(2 * time.Hour)
	creds, err := e.adapter.RefreshCredentials(ctx(t), a)
	if err != nil || creds == nil {
		t.Fatalf("refresh of a token of unknown expiry 25 hours old = %v, %v; want new credentials", creds, err)
	}
	if d := expiresIn(t, creds, clk.Now()); d != 60*24*time.Hour {
		t.Errorf("the refreshed token expires in %s, want 60 days", d)
	}
}

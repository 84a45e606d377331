package youtube_test

import (
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"pregonero"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

const (
	callback      = "https://pregonero.example.gov.co/accounts/callback/youtube"
	otherCallback = "https://otra.example.gov.co/accounts/callback/youtube"
	verifier      = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk0123456789"
)

func challenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newConnectEnv is an env whose fake knows the two callbacks.
func newConnectEnv(t *testing.T) *env {
	return newEnv(t, envOptions{fake: fake.Options{RedirectURIs: []string{callback, otherCallback}}})
}

func (e *env) app() pregonero.OAuthApp {
	return pregonero.OAuthApp{ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, AuthBase: e.base, Endpoint: e.base}
}

// authorizeURL is the adapter's consent URL for callback with the
// verifier's challenge and state "estado-1".
func (e *env) authorizeURL(redirect string) string {
	e.t.Helper()
	u, err := e.adapter.AuthorizeURL(e.app(), pregonero.AuthorizeRequest{State: "estado-1", RedirectURI: redirect, CodeChallenge: challenge(verifier)})
	if err != nil {
		e.t.Fatalf("AuthorizeURL: %v", err)
	}
	return u
}

// answer posts the consent screen's form at consentURL and returns the
// status and the redirect's query (nil when there is no redirect).
func (e *env) answer(consentURL string, form url.Values) (int, url.Values) {
	e.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(consentURL, form)
	if err != nil {
		e.t.Fatalf("post consent: %v", err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if loc == "" {
		return res.StatusCode, nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		e.t.Fatalf("redirect %q: %v", loc, err)
	}
	return res.StatusCode, u.Query()
}

// consent gives the consent for channel with the scopes left checked
// (all asked when scopes is nil) and returns the code.
func (e *env) consent(consentURL, channel string, scopes []string) url.Values {
	e.t.Helper()
	form := url.Values{"accion": {"autorizar"}, "canal": {channel}}
	if scopes != nil {
		form["permisos"] = []string{"1"}
		form["scope"] = scopes
	}
	status, q := e.answer(consentURL, form)
	if status != http.StatusFound || q.Get("code") == "" || q.Get("state") != "estado-1" {
		e.t.Fatalf("consent: status %d, redirect query %v; want 302 with a code and the state", status, q)
	}
	return q
}

func TestAuthorizeURLAsksGoogleForOfflineAccessWithPKCE(t *testing.T) {
	a := youtube.New(youtube.Config{})
	got, err := a.AuthorizeURL(pregonero.OAuthApp{ClientID: "123.apps.googleusercontent.com", ClientSecret: "s"},
		pregonero.AuthorizeRequest{State: "st", RedirectURI: callback, CodeChallenge: challenge(verifier)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if base := u.Scheme + "://" + u.Host + u.Path; base != "https://accounts.google.com/o/oauth2/v2/auth" {
		t.Errorf("got endpoint %s, want Google's v2 authorization endpoint", base)
	}
	want := url.Values{
		"client_id":              {"123.apps.googleusercontent.com"},
		"redirect_uri":           {callback},
		"response_type":          {"code"},
		"scope":                  {"https://www.googleapis.com/auth/youtube.force-ssl https://www.googleapis.com/auth/yt-analytics.readonly"},
		"access_type":            {"offline"},
		"prompt":                 {"consent"},
		"include_granted_scopes": {"true"},
		"state":                  {"st"},
		"code_challenge":         {challenge(verifier)},
		"code_challenge_method":  {"S256"},
	}
	if q := u.Query(); q.Encode() != want.Encode() {
		t.Errorf("got query\n%s\nwant\n%s", q.Encode(), want.Encode())
	}
	if strings.Contains(got, "client_secret") || strings.Contains(got, "=s&") {
		t.Errorf("the URL %s carries the client secret", got)
	}

	t.Run("the AuthBase replaces Google's", func(t *testing.T) {
		got, err := a.AuthorizeURL(pregonero.OAuthApp{ClientID: "c", AuthBase: "http://127.0.0.1:8081/youtube/"},
			pregonero.AuthorizeRequest{State: "st", RedirectURI: callback, CodeChallenge: "x"})
		if err != nil || !strings.HasPrefix(got, "http://127.0.0.1:8081/youtube/o/oauth2/v2/auth?") {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("a request without state, callback or challenge is invalid", func(t *testing.T) {
		_, err := a.AuthorizeURL(pregonero.OAuthApp{ClientID: "c"}, pregonero.AuthorizeRequest{})
		if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(err.Error(), "state") ||
			!strings.Contains(err.Error(), "redirect_uri") || !strings.Contains(err.Error(), "code_challenge") {
			t.Errorf("got %v, want invalid naming state, redirect_uri and code_challenge", err)
		}
	})
}

func TestConnectEndToEndPublishesWithTheCandidate(t *testing.T) {
	e := newConnectEnv(t)
	q := e.consent(e.authorizeURL(callback), "gobantioquia", nil)
	if got, want := strings.Fields(q.Get("scope")), []string{fake.ScopeForceSSL, fake.ScopeAnalytics}; !sameSet(got, want) {
		t.Errorf("the redirect names scopes %v, want %v", got, want)
	}

	g, err := e.adapter.Connect(ctx(t), e.app(), pregonero.ExchangeRequest{Code: q.Get("code"), RedirectURI: callback, CodeVerifier: verifier})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if !sameSet(g.Granted, youtube.ConnectScopes) || len(g.Missing) != 0 {
		t.Errorf("got granted %v missing %v, want every scope asked and none missing", g.Granted, g.Missing)
	}
	if len(g.Candidates) != 1 {
		t.Fatalf("got %d candidates, want the one channel", len(g.Candidates))
	}
	c := g.Candidates[0]
	if c.Network != pregonero.NetworkYouTube || c.RemoteID != fake.ChannelID("gobantioquia") || c.Name != "gobantioquia" ||
		c.Handle != "@gobantioquia" || c.Endpoint != e.base || len(c.Missing) != 0 {
		t.Errorf("got candidate %+v", c)
	}
	if !strings.HasPrefix(c.AvatarURL, e.base+"/avatars/"+c.RemoteID+"/") {
		t.Errorf("got avatar %q, want the fake's picture of the channel", c.AvatarURL)
	}
	res, err := http.Get(c.AvatarURL)
	if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("avatar: %v %v", res, err)
	}
	if err == nil {
		res.Body.Close()
	}
	keys := slices.Sorted(maps.Keys(c.Credentials))
	if want := []string{youtube.CredClientID, youtube.CredClientSecret, youtube.CredRefreshToken}; !slices.Equal(keys, want) {
		t.Errorf("got credential keys %v, want %v", keys, want)
	}
	if c.Credentials[youtube.CredClientID] != fake.ClientID || c.Credentials[youtube.CredClientSecret] != fake.ClientSecret ||
		c.Credentials[youtube.CredRefreshToken] == "" {
		t.Errorf("got credentials for client %q", c.Credentials[youtube.CredClientID])
	}

	// The candidate, as an account, publishes and takes its video back
	// (videos.delete needs youtube.force-ssl).
	acct := &pregonero.Account{ID: "yt-conectada", Network: c.Network, Name: c.Name, RemoteID: c.RemoteID,
		Endpoint: c.Endpoint, Status: pregonero.AccountActive, Credentials: c.Credentials}
	if err := e.adapter.CheckCredentials(ctx(t), acct); err != nil {
		t.Fatalf("CheckCredentials: %v", err)
	}
	r, err := e.adapter.Publish(ctx(t), e.delivery(acct), content(t, "Conectada", 6000, "conectada"), acct)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if v := e.fake.Video(r.RemoteID); v.ChannelID != c.RemoteID {
		t.Errorf("the video went to channel %q, want %q", v.ChannelID, c.RemoteID)
	}
	if err := e.adapter.Delete(ctx(t), acct, r.RemoteID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if v := e.fake.Video(r.RemoteID); v.ID != "" {
		t.Errorf("the video is still there after Delete")
	}
}

func TestConnectRefusals(t *testing.T) {
	e := newConnectEnv(t)
	exchange := func(code, redirect, v string) error {
		_, err := e.adapter.Connect(ctx(t), e.app(), pregonero.ExchangeRequest{Code: code, RedirectURI: redirect, CodeVerifier: v})
		return err
	}

	t.Run("a refused consent comes back with access_denied and the state", func(t *testing.T) {
		status, q := e.answer(e.authorizeURL(callback), url.Values{"accion": {"cancelar"}})
		if status != http.StatusFound || q.Get("error") != "access_denied" || q.Get("state") != "estado-1" || q.Has("code") {
			t.Errorf("got status %d query %v", status, q)
		}
	})
	t.Run("a replayed code is refused", func(t *testing.T) {
		code := e.consent(e.authorizeURL(callback), "replay", nil).Get("code")
		if err := exchange(code, callback, verifier); err != nil {
			t.Fatalf("first exchange: %v", err)
		}
		err := exchange(code, callback, verifier)
		if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("got %v, want invalid naming invalid_grant", err)
		}
	})
	t.Run("a code with another verifier is refused", func(t *testing.T) {
		code := e.consent(e.authorizeURL(callback), "pkce", nil).Get("code")
		err := exchange(code, callback, strings.Repeat("x", 43))
		if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(err.Error(), "Invalid code verifier") {
			t.Errorf("got %v, want invalid naming the verifier", err)
		}
	})
	t.Run("an unregistered callback gets Google's error page and no redirect", func(t *testing.T) {
		u := e.authorizeURL("https://intruso.example.com/callback")
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
			t.Errorf("got status %d location %q, want 400 and no redirect", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("a code exchanged for another callback is refused", func(t *testing.T) {
		code := e.consent(e.authorizeURL(callback), "redirect", nil).Get("code")
		err := exchange(code, otherCallback, verifier)
		if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(err.Error(), "redirect_uri_mismatch") {
			t.Errorf("got %v, want invalid naming redirect_uri_mismatch", err)
		}
	})
	t.Run("a wrong client secret is refused", func(t *testing.T) {
		code := e.consent(e.authorizeURL(callback), "secreto", nil).Get("code")
		app := e.app()
		app.ClientSecret = "otro"
		_, err := e.adapter.Connect(ctx(t), app, pregonero.ExchangeRequest{Code: code, RedirectURI: callback, CodeVerifier: verifier})
		if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(err.Error(), "OAuth client") {
			t.Errorf("got %v, want invalid naming the OAuth client", err)
		}
	})
	t.Run("a token endpoint that fails is unavailable", func(t *testing.T) {
		code := e.consent(e.authorizeURL(callback), "caida", nil).Get("code")
		e.fault(fakenet.Rule{Op: fake.OpToken, Mode: fakenet.ModeError, Status: 503, Count: 1})
		if err := exchange(code, callback, verifier); pregonero.ErrorCode(err) != pregonero.EUNAVAILABLE {
			t.Errorf("got %v, want unavailable", err)
		}
	})
	t.Run("a missing field is invalid before Google is asked", func(t *testing.T) {
		err := exchange("", callback, "")
		if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(err.Error(), "code_verifier") {
			t.Errorf("got %v, want invalid naming code_verifier", err)
		}
	})
}

func TestConnectFewerScopes(t *testing.T) {
	e := newConnectEnv(t)

	t.Run("without analytics the channel connects and names what is missing", func(t *testing.T) {
		code := e.consent(e.authorizeURL(callback), "sin_analytics", []string{fake.ScopeForceSSL}).Get("code")
		g, err := e.adapter.Connect(ctx(t), e.app(), pregonero.ExchangeRequest{Code: code, RedirectURI: callback, CodeVerifier: verifier})
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if !slices.Equal(g.Granted, []string{fake.ScopeForceSSL}) || !slices.Equal(g.Missing, []string{youtube.AnalyticsScope}) {
			t.Errorf("got granted %v missing %v", g.Granted, g.Missing)
		}
		if len(g.Candidates) != 1 || len(g.Candidates[0].Missing) != 0 {
			t.Errorf("got candidates %+v, want one that can publish", g.Candidates)
		}
	})
	t.Run("without the YouTube scope the channel cannot be read", func(t *testing.T) {
		code := e.consent(e.authorizeURL(callback), "solo_analytics", []string{fake.ScopeAnalytics}).Get("code")
		_, err := e.adapter.Connect(ctx(t), e.app(), pregonero.ExchangeRequest{Code: code, RedirectURI: callback, CodeVerifier: verifier})
		if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(err.Error(), youtube.Scope) {
			t.Errorf("got %v, want invalid naming %s", err, youtube.Scope)
		}
	})
	t.Run("an earlier grant of youtube.readonly lists the channel, which still cannot publish", func(t *testing.T) {
		// A first consent, asked by hand, grants youtube.readonly; the
		// connection's own then grants analytics alone, and
		// include_granted_scopes brings the earlier scope along.
		first := e.base + fake.AuthorizePath + "?" + url.Values{"client_id": {fake.ClientID}, "redirect_uri": {callback},
			"response_type": {"code"}, "scope": {fake.ScopeReadonly}, "state": {"estado-1"}}.Encode()
		e.consent(first, "lectura", nil)
		code := e.consent(e.authorizeURL(callback), "lectura", []string{fake.ScopeAnalytics}).Get("code")
		g, err := e.adapter.Connect(ctx(t), e.app(), pregonero.ExchangeRequest{Code: code, RedirectURI: callback, CodeVerifier: verifier})
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if !sameSet(g.Granted, []string{fake.ScopeReadonly, fake.ScopeAnalytics}) || !slices.Equal(g.Missing, []string{youtube.Scope}) {
			t.Errorf("got granted %v missing %v", g.Granted, g.Missing)
		}
		if len(g.Candidates) != 1 || !slices.Equal(g.Candidates[0].Missing, []string{youtube.Scope}) {
			t.Errorf("got candidates %+v, want one missing %s", g.Candidates, youtube.Scope)
		}
	})
}

func TestConnectWithoutRefreshTokenIsRefused(t *testing.T) {
	e := newConnectEnv(t)
	// A consent URL without prompt=consent, for an account that already
	// gave the client offline access: Google hands no refresh token.
	u, err := url.Parse(e.authorizeURL(callback))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("prompt")
	u.RawQuery = q.Encode()
	first := e.consent(u.String(), "sin_refresh", nil).Get("code")
	if _, err := e.adapter.Connect(ctx(t), e.app(), pregonero.ExchangeRequest{Code: first, RedirectURI: callback, CodeVerifier: verifier}); err != nil {
		t.Fatalf("first Connect: %v", err)
	}
	again := e.consent(u.String(), "sin_refresh", nil).Get("code")
	_, err = e.adapter.Connect(ctx(t), e.app(), pregonero.ExchangeRequest{Code: again, RedirectURI: callback, CodeVerifier: verifier})
	if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(err.Error(), "refresh token") {
		t.Errorf("got %v, want invalid naming the refresh token", err)
	}
}

func TestConnectAgainAfterRevocation(t *testing.T) {
	e := newConnectEnv(t)
	connect := func() pregonero.ConnectCandidate {
		t.Helper()
		code := e.consent(e.authorizeURL(callback), "revocado", nil).Get("code")
		g, err := e.adapter.Connect(ctx(t), e.app(), pregonero.ExchangeRequest{Code: code, RedirectURI: callback, CodeVerifier: verifier})
		if err != nil || len(g.Candidates) != 1 {
			t.Fatalf("Connect: %v", err)
		}
		return g.Candidates[0]
	}
	account := func(c pregonero.ConnectCandidate) *pregonero.Account {
		return &pregonero.Account{ID: "yt-revocado", Network: c.Network, RemoteID: c.RemoteID, Endpoint: c.Endpoint,
			Status: pregonero.AccountActive, Credentials: c.Credentials}
	}
	old := account(connect())
	e.fake.Revoke("revocado")
	err := e.adapter.CheckCredentials(ctx(t), old)
	if pe := pregonero.AsPublishError(err); pe == nil || pe.Class != pregonero.ClassNeedsReauth {
		t.Fatalf("CheckCredentials after revocation: %v, want needs_reauth", err)
	}
	renewed := account(connect())
	if err := e.adapter.CheckCredentials(ctx(t), renewed); err != nil {
		t.Errorf("CheckCredentials after connecting again: %v", err)
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

package x_test

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/x"
	"pregonero/adapters/x/fake"
)

const connectCallback = "http://127.0.0.1:8080/accounts/callback/x"

var allScopes = []string{"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"}

// connectEnv is an env whose fake knows the callback.
func connectEnv(t *testing.T) *env {
	return newEnv(t, envOption{fake: fake.Options{RedirectURIs: []string{connectCallback}}})
}

func confidentialApp(e *env) pregonero.OAuthApp {
	return pregonero.OAuthApp{ClientID: fake.ConsumerKey, ClientSecret: fake.ConsumerSecret, AuthBase: e.base, Endpoint: e.base}
}

// flow is one trip to the consent screen.
type flow struct {
	verifier, state, authURL string
}

func startFlow(t *testing.T, e *env, app pregonero.OAuthApp) flow {
	t.Helper()
	f := flow{verifier: oauth2.GenerateVerifier(), state: "estado-" + t.Name()}
	u, err := e.adapter.AuthorizeURL(app, pregonero.AuthorizeRequest{State: f.state, RedirectURI: connectCallback,
		CodeChallenge: oauth2.S256ChallengeFromVerifier(f.verifier)})
	if err != nil {
		t.Fatalf("AuthorizeURL: %v", err)
	}
	f.authURL = u
	return f
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// press submits the consent screen of f as the browser does when a button
// is pressed, and returns the callback's query.
func (f flow) press(t *testing.T, form url.Values) url.Values {
	t.Helper()
	res, err := noFollow.PostForm(f.authURL, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("consent: status %d; want 302", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != connectCallback {
		t.Fatalf("sent back to %s; want %s", got, connectCallback)
	}
	if loc.Query().Get("state") != f.state {
		t.Fatalf("state %q came back; want %q", loc.Query().Get("state"), f.state)
	}
	return loc.Query()
}

// authorize consents as user with scopes and returns the code.
func (f flow) authorize(t *testing.T, user string, scopes ...string) string {
	t.Helper()
	q := f.press(t, url.Values{"accion": {"autorizar"}, "usuario": {user}, "scope": scopes})
	if q.Get("code") == "" {
		t.Fatalf("no code in the callback: %v", q)
	}
	return q.Get("code")
}

func (f flow) exchange(code string) pregonero.ExchangeRequest {
	return pregonero.ExchangeRequest{Code: code, RedirectURI: connectCallback, CodeVerifier: f.verifier}
}

// connectedAccount is the account a candidate becomes.
func connectedAccount(c pregonero.ConnectCandidate) *pregonero.Account {
	return &pregonero.Account{ID: "x-" + strings.TrimPrefix(c.Handle, "@"), Network: c.Network, Name: c.Name, RemoteID: c.RemoteID,
		Endpoint: c.Endpoint, LinkBase: c.LinkBase, Status: pregonero.AccountActive, Credentials: maps.Clone(c.Credentials),
		Source: pregonero.AccountConnected}
}

func TestAuthorizeURL(t *testing.T) {
	a := x.New(x.Config{Logger: discard})
	got, err := a.AuthorizeURL(pregonero.OAuthApp{ClientID: "abc"}, pregonero.AuthorizeRequest{
		State: "s t", RedirectURI: "https://pregonero.example/accounts/callback/x", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://x.com/i/oauth2/authorize?response_type=code&client_id=abc" +
		"&redirect_uri=https%3A%2F%2Fpregonero.example%2Faccounts%2Fcallback%2Fx" +
		"&scope=tweet.read%20tweet.write%20users.read%20media.write%20offline.access" +
		"&state=s%20t&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
	if got != want {
		t.Errorf("AuthorizeURL =\n%s\nwant\n%s", got, want)
	}
	t.Run("AuthBase replaces x.com", func(t *testing.T) {
		got, _ := a.AuthorizeURL(pregonero.OAuthApp{ClientID: "abc", AuthBase: "http://127.0.0.1:8090/x/"},
			pregonero.AuthorizeRequest{State: "s", RedirectURI: "http://cb", CodeChallenge: "c"})
		if !strings.HasPrefix(got, "http://127.0.0.1:8090/x/i/oauth2/authorize?") {
			t.Errorf("AuthorizeURL = %s", got)
		}
	})
	t.Run("what X requires is required", func(t *testing.T) {
		_, err := a.AuthorizeURL(pregonero.OAuthApp{}, pregonero.AuthorizeRequest{State: strings.Repeat("s", 501)})
		var pe *pregonero.Error
		if !errors.As(err, &pe) || pe.Code != pregonero.EINVALID {
			t.Fatalf("err = %v; want EINVALID", err)
		}
		var fields []string
		for _, f := range pe.Fields {
			fields = append(fields, f.Field+":"+f.Code)
		}
		want := []string{"client_id:required", "redirect_uri:required", "code_challenge:required", "state:too_long"}
		if !slices.Equal(fields, want) {
			t.Errorf("fields = %v; want %v", fields, want)
		}
	})
}

func TestConnectFlow(t *testing.T) {
	for _, c := range []struct {
		name      string
		app       func(*env) pregonero.OAuthApp
		wantCreds []string
	}{
		{"confidential client", confidentialApp, []string{x.CredAccessToken, x.CredClientID, x.CredClientSecret, x.CredExpiry, x.CredRefreshToken}},
		{"public client", func(e *env) pregonero.OAuthApp {
			return pregonero.OAuthApp{ClientID: fake.PublicClientID, AuthBase: e.base, Endpoint: e.base}
		}, []string{x.CredAccessToken, x.CredClientID, x.CredExpiry, x.CredRefreshToken}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := connectEnv(t)
			app := c.app(e)
			f := startFlow(t, e, app)
			code := f.authorize(t, "conectada", allScopes...)
			grant, err := e.adapter.Connect(ctxT(t), app, f.exchange(code))
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			if !sameSet(grant.Granted, allScopes) || len(grant.Missing) != 0 || len(grant.Candidates) != 1 {
				t.Fatalf("grant = %+v; want every scope granted and one candidate", grant)
			}
			cand := grant.Candidates[0]
			if cand.Network != pregonero.NetworkX || cand.RemoteID != fake.UserID("conectada") || cand.Name != "conectada" ||
				cand.Handle != "@conectada" || cand.Endpoint != e.base || len(cand.Missing) != 0 {
				t.Errorf("candidate = %+v", cand)
			}
			if keys := slices.Sorted(maps.Keys(cand.Credentials)); !slices.Equal(keys, c.wantCreds) {
				t.Errorf("credential keys = %v; want %v", keys, c.wantCreds)
			}
			if cand.Credentials[x.CredClientID] != app.ClientID {
				t.Errorf("client_id = %q; want %q", cand.Credentials[x.CredClientID], app.ClientID)
			}
			if exp, err := time.Parse(time.RFC3339, cand.Credentials[x.CredExpiry]); err != nil || !exp.Equal(e.clock.Now().Add(2*time.Hour)) {
				t.Errorf("expiry = %q; want two hours from now (%s)", cand.Credentials[x.CredExpiry], e.clock.Now().Add(2*time.Hour))
			}
			avatar, err := http.Get(cand.AvatarURL)
			if err != nil {
				t.Fatalf("avatar %q: %v", cand.AvatarURL, err)
			}
			avatar.Body.Close()
			if avatar.StatusCode != http.StatusOK || avatar.Header.Get("Content-Type") != "image/png" {
				t.Errorf("avatar %s: %d %s", cand.AvatarURL, avatar.StatusCode, avatar.Header.Get("Content-Type"))
			}

			acct := connectedAccount(cand)
			content := pregonero.Content{Text: "Cuenta conectada", Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 8, 8, "")}}
			r, err := e.adapter.Publish(ctxT(t), delivery(acct), content, acct)
			if err != nil {
				t.Fatalf("Publish with the candidate's credentials: %v", err)
			}
			if posts := e.posts("conectada"); len(posts) != 1 || posts[0].RemoteID != r.RemoteID {
				t.Fatalf("ledger = %+v; want the post %s", posts, r.RemoteID)
			}
			// Past the access token's two hours the refresh token renews it.
			e.clock.Advance(2*time.Hour + time.Minute)
			if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Dos horas después"}, acct); err != nil {
				t.Fatalf("Publish after the access token expired: %v", err)
			}
			if stored := e.store.get(acct.ID); stored[x.CredRefreshToken] == "" || stored[x.CredRefreshToken] == cand.Credentials[x.CredRefreshToken] {
				t.Errorf("stored credentials %v; want a rotated refresh token", slices.Sorted(maps.Keys(stored)))
			}
		})
	}
}

// connectError runs Connect and returns its *pregonero.PublishError.
func connectError(t *testing.T, e *env, app pregonero.OAuthApp, req pregonero.ExchangeRequest) *pregonero.PublishError {
	t.Helper()
	grant, err := e.adapter.Connect(ctxT(t), app, req)
	var pe *pregonero.PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("Connect = %+v, %v; want a *pregonero.PublishError", grant, err)
	}
	return pe
}

func TestConnectRefusals(t *testing.T) {
	e := connectEnv(t)
	app := confidentialApp(e)
	codeRefused := func(t *testing.T, pe *pregonero.PublishError, netWords string) {
		t.Helper()
		if pe.Class != pregonero.ClassNeedsReauth || pe.Code != "x_code_refused" || !strings.Contains(pe.NetworkMessage, netWords) ||
			!strings.Contains(pe.Message, "Connect the account again") {
			t.Errorf("error = %+v; want x_code_refused needing a new consent, X saying %q", pe, netWords)
		}
	}
	t.Run("refused consent sends back access_denied", func(t *testing.T) {
		f := startFlow(t, e, app)
		q := f.press(t, url.Values{"accion": {"cancelar"}})
		if q.Get("error") != "access_denied" || q.Has("code") {
			t.Errorf("callback %v; want error=access_denied and no code", q)
		}
	})
	t.Run("a replayed code", func(t *testing.T) {
		f := startFlow(t, e, app)
		code := f.authorize(t, "repetida", allScopes...)
		if _, err := e.adapter.Connect(ctxT(t), app, f.exchange(code)); err != nil {
			t.Fatalf("first Connect: %v", err)
		}
		codeRefused(t, connectError(t, e, app, f.exchange(code)), "authorization code was invalid")
	})
	t.Run("a PKCE verifier that does not match", func(t *testing.T) {
		f := startFlow(t, e, app)
		code := f.authorize(t, "pkce", allScopes...)
		req := f.exchange(code)
		req.CodeVerifier = oauth2.GenerateVerifier()
		codeRefused(t, connectError(t, e, app, req), "code verifier did not match")
	})
	t.Run("another redirect_uri at the token endpoint", func(t *testing.T) {
		f := startFlow(t, e, app)
		code := f.authorize(t, "redir", allScopes...)
		req := f.exchange(code)
		req.RedirectURI = connectCallback + "/otra"
		codeRefused(t, connectError(t, e, app, req), "redirect uri")
	})
	t.Run("an unregistered redirect_uri gets X's error page, not a redirect", func(t *testing.T) {
		u, err := e.adapter.AuthorizeURL(app, pregonero.AuthorizeRequest{State: "s", RedirectURI: "http://malicioso.example/cb", CodeChallenge: "c"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := noFollow.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
			t.Errorf("status %d, Location %q; want 400 and no redirect", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("an expired code", func(t *testing.T) {
		f := startFlow(t, e, app)
		code := f.authorize(t, "tarde", allScopes...)
		e.clock.Advance(fake.AuthCodeLifetime + time.Second)
		codeRefused(t, connectError(t, e, app, f.exchange(code)), "authorization code was invalid")
	})
	t.Run("a wrong client secret is the app's problem", func(t *testing.T) {
		f := startFlow(t, e, app)
		code := f.authorize(t, "secreto", allScopes...)
		bad := app
		bad.ClientSecret = "otro-secreto"
		pe := connectError(t, e, bad, f.exchange(code))
		if pe.Class != pregonero.ClassPermanent || pe.Code != "x_client_refused" {
			t.Errorf("error = %+v; want permanent x_client_refused", pe)
		}
		if strings.Contains(pe.Error(), "otro-secreto") || strings.Contains(pe.NetworkMessage, "otro-secreto") {
			t.Errorf("the error shows the client secret: %v", pe)
		}
	})
	t.Run("X unreachable is retryable", func(t *testing.T) {
		dead := app
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		dead.Endpoint = srv.URL
		pe := connectError(t, e, dead, pregonero.ExchangeRequest{Code: "c", RedirectURI: connectCallback, CodeVerifier: "v"})
		if pe.Class != pregonero.ClassRetryable || pe.Code != "x_network" {
			t.Errorf("error = %+v; want retryable x_network", pe)
		}
	})
}

func TestConnectFewerScopes(t *testing.T) {
	e := connectEnv(t)
	app := confidentialApp(e)
	f := startFlow(t, e, app)
	code := f.authorize(t, "recortada", "tweet.read", "tweet.write", "users.read")
	grant, err := e.adapter.Connect(ctxT(t), app, f.exchange(code))
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	want := []string{"media.write", "offline.access"}
	if !slices.Equal(grant.Missing, want) || !sameSet(grant.Granted, []string{"tweet.read", "tweet.write", "users.read"}) {
		t.Errorf("granted %v, missing %v; want missing %v", grant.Granted, grant.Missing, want)
	}
	if len(grant.Candidates) != 1 || !slices.Equal(grant.Candidates[0].Missing, want) {
		t.Fatalf("candidates = %+v; want one missing %v", grant.Candidates, want)
	}
	cand := grant.Candidates[0]
	if _, ok := cand.Credentials[x.CredRefreshToken]; ok {
		t.Errorf("credentials have a refresh token without offline.access")
	}
	// What the missing scopes stop: X refuses the media upload.
	acct := connectedAccount(cand)
	_, err = e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Con foto",
		Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 8, 8, "")}}, acct)
	if pe := pregonero.AsPublishError(err); pe == nil || pe.HTTPStatus != http.StatusForbidden || !strings.Contains(pe.Message, "media.write") {
		t.Errorf("Publish with media = %v; want X's 403 naming media.write", err)
	}
	if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Solo texto"}, acct); err != nil {
		t.Errorf("Publish text: %v; want it to work with tweet.write", err)
	}
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s string) bool { return !slices.Contains(b, s) })
}

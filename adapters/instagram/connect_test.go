package instagram_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

const igCallback = "https://pregonero.example/accounts/callback/instagram"

var noRedirect = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// loginApp is the sandbox app pointed at the env's fake.
func (e *env) loginApp() pregonero.OAuthApp {
	return pregonero.OAuthApp{ClientID: fake.DefaultAppID, ClientSecret: fake.DefaultAppSecret, AuthBase: e.base, Endpoint: e.base}
}

// igConsent answers Instagram Login's consent screen and returns the
// redirect it sends.
func igConsent(t *testing.T, authURL, action string, extra url.Values) *url.URL {
	t.Helper()
	res, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="autorizar"`) {
		t.Fatalf("consent screen: status %d body %s", res.StatusCode, page)
	}
	u, _ := url.Parse(authURL)
	form := u.Query()
	form.Set("action", action)
	for k, vs := range extra {
		form[k] = vs
	}
	u.RawQuery = ""
	res, err = noRedirect.PostForm(u.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("consent answer: status %d location %q", res.StatusCode, res.Header.Get("Location"))
	}
	return back
}

func (e *env) loginCode(t *testing.T, extra url.Values) string {
	t.Helper()
	authURL, err := e.adapter.AuthorizeURL(e.loginApp(), pregonero.AuthorizeRequest{State: "st", RedirectURI: igCallback})
	if err != nil {
		t.Fatal(err)
	}
	back := igConsent(t, authURL, "autorizar", extra)
	if back.Query().Get("state") != "st" || back.Query().Get("code") == "" {
		t.Fatalf("callback query %q, want the state and a code", back.RawQuery)
	}
	return back.Query().Get("code")
}

func TestAuthorizeURLAsksInstagramLogin(t *testing.T) {
	a := instagram.New(instagram.Config{Logger: discard})
	got, err := a.AuthorizeURL(pregonero.OAuthApp{ClientID: "99"}, pregonero.AuthorizeRequest{State: "s", RedirectURI: igCallback})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://www.instagram.com/oauth/authorize?client_id=99&redirect_uri=" + url.QueryEscape(igCallback) +
		"&response_type=code&scope=instagram_business_basic%2Cinstagram_business_content_publish%2Cinstagram_business_manage_insights&state=s"
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestInstagramLoginConnectsAndPublishes(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{RedirectURIs: []string{igCallback}}})
	g, err := e.adapter.Connect(ctx(t), e.loginApp(), pregonero.ExchangeRequest{Code: e.loginCode(t, nil), RedirectURI: igCallback})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if !slices.Equal(g.Granted, instagram.LoginScopes) || len(g.Missing) != 0 || len(g.Candidates) != 1 {
		t.Fatalf("grant %+v, want every scope granted and one candidate", g)
	}
	c := g.Candidates[0]
	if c.Network != pregonero.NetworkInstagram || c.RemoteID != fake.DefaultInstagramLoginUser ||
		c.Handle != "@"+fake.IGUsername(c.RemoteID) || c.Endpoint != e.base || c.AvatarURL == "" || len(c.Missing) != 0 {
		t.Errorf("candidate %+v", c)
	}
	if c.Credentials[instagram.CredLogin] != instagram.LoginInstagram || c.Credentials["access_token"] == "" ||
		c.Credentials[instagram.CredExpiresAt] == "" || len(c.Credentials) != 3 {
		t.Errorf("credentials %v, want a long-lived token, its expiry and login instagram", c.Credentials)
	}
	a := &pregonero.Account{ID: "ig-login", Network: c.Network, RemoteID: c.RemoteID, Endpoint: c.Endpoint,
		Credentials: c.Credentials, Status: pregonero.AccountActive}
	if err := e.adapter.CheckCredentials(ctx(t), a); err != nil {
		t.Fatalf("CheckCredentials: %v", err)
	}
	content := pregonero.Content{Text: "Hola", Media: []pregonero.MediaBlob{e.media.jpeg(t, 120, 100, "")}}
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), content, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if p := onePost(t, e, a); p.RemoteID != r.RemoteID {
		t.Errorf("post %s in the fake, want %s", p.RemoteID, r.RemoteID)
	}

	// A code is bound to the redirect URI of its consent.
	_, err = e.adapter.Connect(ctx(t), e.loginApp(), pregonero.ExchangeRequest{Code: e.loginCode(t, nil), RedirectURI: igCallback + "/x"})
	if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(pregonero.ErrorMessage(err), "redirect_uri") {
		t.Errorf("wrong redirect_uri: %v, want invalid", err)
	}
}

func TestInstagramLoginReplayedCodeAndDeclinedPublishing(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{RedirectURIs: []string{igCallback}}})
	code := e.loginCode(t, url.Values{"chosen": {"1"}, "grant": {instagram.PermBusinessBasic, instagram.PermBusinessManageInsights}})
	g, err := e.adapter.Connect(ctx(t), e.loginApp(), pregonero.ExchangeRequest{Code: code, RedirectURI: igCallback})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if !slices.Equal(g.Missing, []string{instagram.PermBusinessContentPublish}) || len(g.Candidates) != 1 ||
		!slices.Equal(g.Candidates[0].Missing, []string{instagram.PermBusinessContentPublish}) {
		t.Errorf("grant %+v, want instagram_business_content_publish missing", g)
	}
	c := g.Candidates[0]
	a := &pregonero.Account{ID: "ig-login", Network: c.Network, RemoteID: c.RemoteID, Endpoint: c.Endpoint, Credentials: c.Credentials}
	content := pregonero.Content{Text: "Hola", Media: []pregonero.MediaBlob{e.media.jpeg(t, 120, 100, "")}}
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content, a); err == nil {
		t.Error("Publish without instagram_business_content_publish: got no error")
	}
	_, err = e.adapter.Connect(ctx(t), e.loginApp(), pregonero.ExchangeRequest{Code: code, RedirectURI: igCallback})
	if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(pregonero.ErrorMessage(err), "has been used") {
		t.Errorf("replayed code: %v, want invalid", err)
	}
}

func TestInstagramLoginRefusedConsent(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{RedirectURIs: []string{igCallback}}})
	authURL, err := e.adapter.AuthorizeURL(e.loginApp(), pregonero.AuthorizeRequest{State: "st", RedirectURI: igCallback})
	if err != nil {
		t.Fatal(err)
	}
	q := igConsent(t, authURL, "cancelar", nil).Query()
	if q.Get("error") != "access_denied" || q.Get("state") != "st" || q.Get("code") != "" {
		t.Errorf("callback query %v, want access_denied and the state", q)
	}
}

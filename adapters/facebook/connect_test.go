package facebook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/facebook"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
)

const (
	callback      = "https://pregonero.example/accounts/callback/facebook"
	otherCallback = "https://pregonero.example/accounts/callback/other"
)

// connectEnv is the Graph fake with the sandbox app's callbacks, its
// app, and an adapter.
type connectEnv struct {
	fake    *fake.Fake
	base    string
	app     pregonero.OAuthApp
	adapter *facebook.Adapter
	clock   *fakenet.Clock
}

func newConnectEnv(t *testing.T, opts fake.Options) *connectEnv {
	t.Helper()
	clock := fakenet.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	opts.Now = clock.Now
	opts.RedirectURIs = []string{callback, otherCallback}
	opts.Prefix = "/graph"
	f := fake.New(opts)
	base := fakenettest.Serve(t, f, "/graph")
	return &connectEnv{fake: f, base: base, clock: clock,
		app:     pregonero.OAuthApp{ClientID: fake.DefaultAppID, ClientSecret: fake.DefaultAppSecret, AuthBase: base, Endpoint: base},
		adapter: facebook.New(facebook.Config{Config: graph.Config{Now: clock.Now}, Logger: discard})}
}

// noRedirect is a client that hands redirects back, as a test reads them.
var noRedirect = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consent opens the consent screen at authURL and answers it with the
// action ("autorizar" or "cancelar") and the form's fields (extra: the
// checkboxes left checked, with chosen=1); it returns the redirect.
func consent(t *testing.T, authURL, action string, extra url.Values) *url.URL {
	t.Helper()
	res, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="autorizar"`) || !strings.Contains(string(page), `id="cancelar"`) {
		t.Fatalf("consent screen: status %d, body %s", res.StatusCode, page)
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
	if res.StatusCode != http.StatusFound {
		t.Fatalf("consent answer: status %d, want 302", res.StatusCode)
	}
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// authorize returns the consent URL of a flow with state.
func (e *connectEnv) authorize(t *testing.T, state, redirect string) string {
	t.Helper()
	u, err := e.adapter.AuthorizeURL(e.app, pregonero.AuthorizeRequest{State: state, RedirectURI: redirect})
	if err != nil {
		t.Fatalf("AuthorizeURL: %v", err)
	}
	return u
}

// code goes through consent and returns the code sent to the callback.
func (e *connectEnv) code(t *testing.T, extra url.Values) string {
	t.Helper()
	back := consent(t, e.authorize(t, "st-1", callback), "autorizar", extra)
	if got := back.Scheme + "://" + back.Host + back.Path; got != callback {
		t.Fatalf("redirected to %s, want %s", got, callback)
	}
	if back.Query().Get("state") != "st-1" || back.Query().Get("code") == "" {
		t.Fatalf("callback query %q, want the state and a code", back.RawQuery)
	}
	return back.Query().Get("code")
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func byID(g *pregonero.ConnectGrant, n pregonero.Network, id string) *pregonero.ConnectCandidate {
	for i, c := range g.Candidates {
		if c.Network == n && c.RemoteID == id {
			return &g.Candidates[i]
		}
	}
	return nil
}

func TestAuthorizeURLAsksFacebookLoginForBusiness(t *testing.T) {
	a := facebook.New(facebook.Config{Logger: discard, LoginConfigID: "777"})
	got, err := a.AuthorizeURL(pregonero.OAuthApp{ClientID: "123"}, pregonero.AuthorizeRequest{State: "s t", RedirectURI: callback})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got)
	if u.Scheme+"://"+u.Host+u.Path != "https://www.facebook.com/v25.0/dialog/oauth" {
		t.Errorf("consent at %s, want https://www.facebook.com/v25.0/dialog/oauth", got)
	}
	q := u.Query()
	want := map[string]string{"client_id": "123", "redirect_uri": callback, "state": "s t", "response_type": "code",
		"config_id": "777", "scope": "pages_show_list,pages_read_engagement,pages_manage_posts,publish_video,read_insights,business_management,instagram_basic,instagram_content_publish,instagram_manage_insights"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if _, err := a.AuthorizeURL(pregonero.OAuthApp{ClientID: "123"}, pregonero.AuthorizeRequest{State: "s", RedirectURI: "/relative"}); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("relative callback: err %v, want invalid", err)
	}
}

func TestConnectListsPagesAndInstagramAndPublishes(t *testing.T) {
	e := newConnectEnv(t, fake.Options{EmptyListPages: 2})
	g, err := e.adapter.Connect(ctxT(t), e.app, pregonero.ExchangeRequest{Code: e.code(t, nil), RedirectURI: callback})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if len(g.Missing) != 0 {
		t.Errorf("Missing = %v, want none", g.Missing)
	}
	for _, p := range facebook.LoginScopes {
		if !slices.Contains(g.Granted, p) {
			t.Errorf("Granted %v lacks %s", g.Granted, p)
		}
	}
	if len(g.Candidates) != 4 {
		t.Fatalf("got %d candidates %+v, want 3 pages and 1 Instagram account", len(g.Candidates), g.Candidates)
	}
	for _, p := range fake.DefaultPages() {
		c := byID(g, pregonero.NetworkFacebook, p.ID)
		if c == nil {
			t.Fatalf("no candidate for page %s", p.ID)
		}
		if c.Name != p.Name || len(c.Missing) != 0 || c.Endpoint != e.base || !strings.HasPrefix(c.AvatarURL, e.base+"/v25.0/"+p.ID+"/picture") {
			t.Errorf("page candidate %+v, want name %q, nothing missing, the fake's endpoint and picture", c, p.Name)
		}
		// The long-lived user token gives Page tokens that do not expire.
		want := map[string]string{"access_token": fake.PageToken(p.ID), "app_id": fake.DefaultAppID, "app_secret": fake.DefaultAppSecret}
		if !mapsEqual(c.Credentials, want) {
			t.Errorf("page %s credentials %v, want %v", p.ID, c.Credentials, want)
		}
	}
	page := fake.DefaultPages()[0].ID
	ig := byID(g, pregonero.NetworkInstagram, fake.LinkedInstagram(page))
	if ig == nil {
		t.Fatalf("no Instagram candidate for page %s: %+v", page, g.Candidates)
	}
	if ig.Handle != "@"+fake.IGUsername(ig.RemoteID) || ig.AvatarURL == "" || len(ig.Missing) != 0 ||
		!mapsEqual(ig.Credentials, map[string]string{"access_token": fake.PageToken(page), "app_id": fake.DefaultAppID,
			"app_secret": fake.DefaultAppSecret, "page_id": page}) {
		t.Errorf("Instagram candidate %+v", ig)
	}

	// Two pages chosen: each publishes with its own credentials.
	for _, id := range []string{"100000000000002", "100000000000003"} {
		c := byID(g, pregonero.NetworkFacebook, id)
		acct := &pregonero.Account{ID: "fb-" + id, Network: c.Network, RemoteID: c.RemoteID, Endpoint: c.Endpoint, Credentials: c.Credentials}
		r, err := e.adapter.Publish(ctxT(t), &pregonero.Delivery{}, pregonero.Content{Text: "Hola desde " + id}, acct)
		if err != nil {
			t.Fatalf("Publish to %s: %v", id, err)
		}
		if posts := e.fake.Ledger().Filter(fake.NetworkFacebook, id); len(posts) != 1 || posts[0].RemoteID != r.RemoteID {
			t.Errorf("page %s posts %+v, want the one published (%s)", id, posts, r.RemoteID)
		}
	}
	res, err := http.Get(g.Candidates[0].AvatarURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("avatar: status %d type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestConnectRefusedConsent(t *testing.T) {
	e := newConnectEnv(t, fake.Options{})
	back := consent(t, e.authorize(t, "st-2", callback), "cancelar", nil)
	q := back.Query()
	if q.Get("error") != "access_denied" || q.Get("error_reason") != "user_denied" || q.Get("state") != "st-2" || q.Get("code") != "" {
		t.Errorf("callback query %q, want error=access_denied, the state and no code", back.RawQuery)
	}
}

func TestConnectReplayedCodeIsRefused(t *testing.T) {
	e := newConnectEnv(t, fake.Options{})
	code := e.code(t, nil)
	if _, err := e.adapter.Connect(ctxT(t), e.app, pregonero.ExchangeRequest{Code: code, RedirectURI: callback}); err != nil {
		t.Fatalf("first Connect: %v", err)
	}
	_, err := e.adapter.Connect(ctxT(t), e.app, pregonero.ExchangeRequest{Code: code, RedirectURI: callback})
	if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(pregonero.ErrorMessage(err), "has been used") {
		t.Errorf("replayed code: err %v, want invalid naming the used code", err)
	}
	if strings.Contains(err.Error(), code) {
		t.Errorf("error %q shows the code", err)
	}
}

func TestConnectExpiredCodeIsRefused(t *testing.T) {
	e := newConnectEnv(t, fake.Options{})
	code := e.code(t, nil)
	e.clock.Advance(10 * time.Minute)
	_, err := e.adapter.Connect(ctxT(t), e.app, pregonero.ExchangeRequest{Code: code, RedirectURI: callback})
	if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(pregonero.ErrorMessage(err), "expired") {
		t.Errorf("expired code: err %v, want invalid naming the expiry", err)
	}
}

func TestConnectWrongRedirectURI(t *testing.T) {
	e := newConnectEnv(t, fake.Options{})
	t.Run("consent screen refuses an unregistered callback", func(t *testing.T) {
		res, err := noRedirect.Get(e.authorize(t, "st", "https://evil.example/cb"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" || !strings.Contains(string(body), "URL Blocked") {
			t.Errorf("status %d location %q body %s, want an error page and no redirect", res.StatusCode, res.Header.Get("Location"), body)
		}
	})
	t.Run("token endpoint refuses another callback than the consent's", func(t *testing.T) {
		code := e.code(t, nil)
		_, err := e.adapter.Connect(ctxT(t), e.app, pregonero.ExchangeRequest{Code: code, RedirectURI: otherCallback})
		if pregonero.ErrorCode(err) != pregonero.EINVALID || !strings.Contains(pregonero.ErrorMessage(err), "redirect_uri") {
			t.Errorf("err %v, want invalid naming the redirect_uri", err)
		}
	})
	t.Run("wrong app secret", func(t *testing.T) {
		app := e.app
		app.ClientSecret = "nope"
		_, err := e.adapter.Connect(ctxT(t), app, pregonero.ExchangeRequest{Code: e.code(t, nil), RedirectURI: callback})
		if pregonero.ErrorCode(err) != pregonero.EINVALID || strings.Contains(err.Error(), "nope") {
			t.Errorf("err %v, want invalid without the secret", err)
		}
	})
}

func TestConnectDeclinedPermissionIsMissing(t *testing.T) {
	e := newConnectEnv(t, fake.Options{})
	granted := url.Values{"chosen": {"1"}, "page": {"100000000000001", "100000000000002"}}
	for _, p := range facebook.LoginScopes {
		if p != facebook.PermPagesManagePosts && p != facebook.PermReadInsights {
			granted.Add("grant", p)
		}
	}
	g, err := e.adapter.Connect(ctxT(t), e.app, pregonero.ExchangeRequest{Code: e.code(t, granted), RedirectURI: callback})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if !slices.Equal(g.Missing, []string{facebook.PermPagesManagePosts, facebook.PermReadInsights}) {
		t.Errorf("Missing = %v, want pages_manage_posts and read_insights", g.Missing)
	}
	if len(g.Candidates) != 3 {
		t.Fatalf("got %d candidates, want the 2 pages chosen and 1 Instagram account: %+v", len(g.Candidates), g.Candidates)
	}
	page := byID(g, pregonero.NetworkFacebook, "100000000000002")
	if page == nil || !slices.Equal(page.Missing, []string{facebook.PermPagesManagePosts}) {
		t.Fatalf("page candidate %+v, want pages_manage_posts missing", page)
	}
	if ig := byID(g, pregonero.NetworkInstagram, fake.LinkedInstagram("100000000000001")); ig == nil || len(ig.Missing) != 0 {
		t.Errorf("Instagram candidate %+v, want nothing missing", ig)
	}
	// The fake refuses to publish with that page's token, as Graph does.
	acct := &pregonero.Account{ID: "fb-2", Network: page.Network, RemoteID: page.RemoteID, Endpoint: page.Endpoint, Credentials: page.Credentials}
	_, err = e.adapter.Publish(ctxT(t), &pregonero.Delivery{}, pregonero.Content{Text: "Hola"}, acct)
	var pe *pregonero.PublishError
	if !errors.As(err, &pe) || pe.Code != "facebook_permission" {
		t.Errorf("Publish: %v, want facebook_permission", err)
	}
}

func TestConnectPageWithoutCreateContentIsMissingTheTask(t *testing.T) {
	pages := append(fake.DefaultPages(), fake.Page{ID: "100000000000004", Name: "Archivo", Tasks: []string{"ANALYZE", "MODERATE"}})
	e := newConnectEnv(t, fake.Options{Pages: pages})
	g, err := e.adapter.Connect(ctxT(t), e.app, pregonero.ExchangeRequest{Code: e.code(t, nil), RedirectURI: callback})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	c := byID(g, pregonero.NetworkFacebook, "100000000000004")
	if c == nil || !slices.Equal(c.Missing, []string{facebook.TaskCreateContent}) {
		t.Fatalf("candidate %+v, want CREATE_CONTENT missing", c)
	}
	acct := &pregonero.Account{ID: "fb-4", Network: c.Network, RemoteID: c.RemoteID, Endpoint: c.Endpoint, Credentials: c.Credentials}
	if _, err := e.adapter.Publish(ctxT(t), &pregonero.Delivery{}, pregonero.Content{Text: "Hola"}, acct); err == nil {
		t.Error("Publish with the token of a page the user cannot create content on: got no error")
	}
}

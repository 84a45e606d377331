package fake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/graph/fake"

	fb "github.com/huandu/facebook/v2"
)

const fakeCallback = "https://pregonero.example/accounts/callback/facebook"

var noFollow = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// grantCode answers the Facebook consent screen with extra fields and
// returns the code.
func (e *env) grantCode(t *testing.T, scope string, extra url.Values) string {
	t.Helper()
	form := url.Values{"client_id": {fake.DefaultAppID}, "redirect_uri": {fakeCallback}, "state": {"s"},
		"scope": {scope}, "response_type": {"code"}, "action": {"autorizar"}}
	for k, vs := range extra {
		form[k] = vs
	}
	res, err := noFollow.PostForm(e.base+"/v25.0/dialog/oauth", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
		t.Fatalf("consent: status %d location %q", res.StatusCode, res.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func (e *env) userToken(t *testing.T, code string) string {
	t.Helper()
	r := e.do(t, http.MethodGet, "/v25.0/oauth/access_token", url.Values{"client_id": {fake.DefaultAppID},
		"client_secret": {fake.DefaultAppSecret}, "redirect_uri": {fakeCallback}, "code": {code}}, nil)
	tok, _ := r.json(t)["access_token"].(string)
	if r.status != http.StatusOK || tok == "" {
		t.Fatalf("code exchange: %d %s", r.status, r.body)
	}
	return tok
}

func TestConsentScreenRefusals(t *testing.T) {
	e := newEnv(t, fake.Options{RedirectURIs: []string{fakeCallback}})
	for name, q := range map[string]url.Values{
		"unknown app":      {"client_id": {"123"}, "redirect_uri": {fakeCallback}, "response_type": {"code"}},
		"unknown callback": {"client_id": {fake.DefaultAppID}, "redirect_uri": {fakeCallback + "/"}, "response_type": {"code"}},
		"invalid scope":    {"client_id": {fake.DefaultAppID}, "redirect_uri": {fakeCallback}, "scope": {"manage_pages"}},
		"config_id":        {"client_id": {fake.DefaultAppID}, "redirect_uri": {fakeCallback}, "config_id": {"1"}},
		"token flow":       {"client_id": {fake.DefaultAppID}, "redirect_uri": {fakeCallback}, "response_type": {"token"}},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := noFollow.Get(e.base + "/v25.0/dialog/oauth?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" ||
				!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("status %d location %q, want an error page and no redirect", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

func TestShortLivedUserTokenGivesExpiringPageTokens(t *testing.T) {
	e := newEnv(t, fake.Options{RedirectURIs: []string{fakeCallback}})
	user := e.userToken(t, e.grantCode(t, "pages_show_list,pages_manage_posts,pages_read_engagement,instagram_content_publish", nil))
	var accounts struct {
		Data []struct {
			ID          string `json:"id"`
			AccessToken string `json:"access_token"`
		}
	}
	if err := mustGet(t, e, user, "/me/accounts").Decode(&accounts); err != nil || len(accounts.Data) != 3 {
		t.Fatalf("accounts %+v, err %v", accounts, err)
	}
	tok := accounts.Data[0].AccessToken
	if tok == fake.PageToken("100000000000001") {
		t.Fatal("a short-lived user token gave the non-expiring Page token")
	}
	if _, err := e.session(tok).Get("/me", nil); err != nil {
		t.Fatalf("page token: %v", err)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.session(tok).Get("/me", nil); err == nil || !strings.Contains(err.Error(), "463") {
		t.Errorf("page token after an hour: %v, want 190/463", err)
	}
}

func TestPermissionsAndUserTokenLimits(t *testing.T) {
	e := newEnv(t, fake.Options{RedirectURIs: []string{fakeCallback}})
	code := e.grantCode(t, "pages_show_list,read_insights", url.Values{"chosen": {"1"}, "grant": {"pages_show_list"}})
	user := e.userToken(t, code)
	res, err := e.session(user).Get("/me/permissions", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var perms struct {
		Data []struct{ Permission, Status string }
	}
	if err := res.Decode(&perms); err != nil {
		t.Fatal(err)
	}
	for _, p := range perms.Data {
		got[p.Permission] = p.Status
	}
	if got["pages_show_list"] != "granted" || got["read_insights"] != "declined" || got["public_profile"] != "granted" {
		t.Errorf("permissions %v", got)
	}
	// No Page was ticked: none is listed.
	var accounts struct{ Data []any }
	if err := mustGet(t, e, user, "/me/accounts").Decode(&accounts); err != nil || len(accounts.Data) != 0 {
		t.Errorf("accounts %v err %v, want none", accounts.Data, err)
	}
	// A user token does not publish to a Page.
	if _, err := e.session(user).Post("/100000000000001/feed", map[string]any{"message": "hola"}); err == nil {
		t.Error("user token posted to a Page")
	}
	// The long-lived exchange wants the app's secret.
	r := e.do(t, http.MethodGet, "/v25.0/oauth/access_token", url.Values{"grant_type": {"fb_exchange_token"},
		"client_id": {fake.DefaultAppID}, "client_secret": {"x"}, "fb_exchange_token": {user}}, nil)
	if r.status != http.StatusBadRequest || r.err(t).Code != 1 {
		t.Errorf("exchange with a wrong secret: %d %s", r.status, r.body)
	}
}

func TestInstagramLoginTokenRefresh(t *testing.T) {
	const cb = "https://pregonero.example/accounts/callback/instagram"
	e := newEnv(t, fake.Options{RedirectURIs: []string{cb}})
	form := url.Values{"client_id": {fake.DefaultAppID}, "redirect_uri": {cb}, "response_type": {"code"},
		"scope": {"instagram_business_basic,instagram_business_content_publish"}, "action": {"autorizar"}}
	res, err := noFollow.PostForm(e.base+"/oauth/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	r := e.do(t, http.MethodPost, "/oauth/access_token", url.Values{"client_id": {fake.DefaultAppID},
		"client_secret": {fake.DefaultAppSecret}, "grant_type": {"authorization_code"}, "redirect_uri": {cb}, "code": {loc.Query().Get("code")}}, nil)
	var short struct {
		Data []struct {
			AccessToken string `json:"access_token"`
			UserID      string `json:"user_id"`
			Permissions string `json:"permissions"`
		}
	}
	if err := jsonInto(r.body, &short); err != nil || len(short.Data) != 1 || short.Data[0].UserID != fake.DefaultInstagramLoginUser ||
		short.Data[0].Permissions != "instagram_business_basic,instagram_business_content_publish" {
		t.Fatalf("code exchange: %d %s", r.status, r.body)
	}
	r = e.do(t, http.MethodGet, "/access_token", url.Values{"grant_type": {"ig_exchange_token"},
		"client_secret": {fake.DefaultAppSecret}, "access_token": {short.Data[0].AccessToken}}, nil)
	long, _ := r.json(t)["access_token"].(string)
	if r.status != http.StatusOK || long == "" {
		t.Fatalf("long-lived exchange: %d %s", r.status, r.body)
	}
	refresh := url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {long}}
	if r := e.do(t, http.MethodGet, "/refresh_access_token", refresh, nil); r.status != http.StatusBadRequest {
		t.Errorf("refresh of a new token: %d %s, want refused", r.status, r.body)
	}
	e.clock.Advance(25 * time.Hour)
	if r := e.do(t, http.MethodGet, "/refresh_access_token", refresh, nil); r.status != http.StatusOK {
		t.Errorf("refresh after 25 hours: %d %s", r.status, r.body)
	}
}

func mustGet(t *testing.T, e *env, token, path string) fb.Result {
	t.Helper()
	res, err := e.session(token).Get(path, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res
}

func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }

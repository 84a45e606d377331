package fake_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"pregonero/adapters/youtube/fake"
)

const (
	cb       = "http://127.0.0.1:8080/accounts/callback/youtube"
	verifier = "a-verifier-of-forty-three-characters-or-more.~_0123456789"
)

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// consentEnv is a fake mounted under /youtube that knows cb.
func consentEnv(t *testing.T) *env {
	return newEnv(t, fake.Options{RedirectURIs: []string{cb, cb + "/otra"}}, "canal_uno")
}

// authQuery is a valid authorization request as the YouTube connector
// sends it; change overrides parameters (an empty value removes one).
func authQuery(change map[string]string) url.Values {
	q := url.Values{
		"client_id": {fake.ClientID}, "redirect_uri": {cb}, "response_type": {"code"},
		"scope":       {fake.ScopeForceSSL + " " + fake.ScopeAnalytics},
		"access_type": {"offline"}, "prompt": {"consent"}, "include_granted_scopes": {"true"},
		"state": {"st-1"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"},
	}
	for k, v := range change {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return q
}

func (e *env) authURL(change map[string]string) string {
	return e.base + fake.AuthorizePath + "?" + authQuery(change).Encode()
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request without following redirects and returns the status,
// the body and the redirect's query (nil when none).
func do(t *testing.T, method, u string, form url.Values) (int, string, url.Values) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var q url.Values
	if loc := res.Header.Get("Location"); loc != "" {
		lu, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("Location %q: %v", loc, err)
		}
		if got := lu.Scheme + "://" + lu.Host + lu.Path; !strings.HasPrefix(got, cb) {
			t.Errorf("redirected to %s, not to the callback", got)
		}
		q = lu.Query()
	}
	return res.StatusCode, string(b), q
}

// grant gives the consent for channel at u and returns the code.
func (e *env) grant(t *testing.T, u, channel string, form url.Values) string {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("accion", "autorizar")
	form.Set("canal", channel)
	status, body, q := do(t, http.MethodPost, u, form)
	if status != http.StatusFound || q.Get("code") == "" {
		t.Fatalf("consent: status %d query %v body %s", status, q, body)
	}
	return q.Get("code")
}

// tokenAnswer is the token endpoint's answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

func (e *env) exchange(t *testing.T, code, redirect, v string) (int, tokenAnswer) {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret}}
	if v != "" {
		form.Set("code_verifier", v)
	}
	status, body := postForm(t, e.base+"/token", form, "", "")
	var a tokenAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("token answer %q: %v", body, err)
	}
	return status, a
}

func TestConsentScreen(t *testing.T) {
	e := consentEnv(t)
	status, body, q := do(t, http.MethodGet, e.authURL(nil), nil)
	if status != 200 || q != nil {
		t.Fatalf("status %d redirect %v", status, q)
	}
	for _, want := range []string{`id="autorizar"`, `id="cancelar"`, "Autorizar", "Cancelar", fake.DefaultAppName, fake.ClientID,
		"Ver, editar y borrar", fake.ScopeForceSSL, "YouTube Analytics", fake.ScopeAnalytics, `value="sandbox"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, external := range []string{"<script", "<link", "<img", "src=", "url("} {
		if strings.Contains(body, external) {
			t.Errorf("the page loads a resource (%q)", external)
		}
	}
}

func TestConsentScreenRefusesBadRequestsWithoutRedirecting(t *testing.T) {
	e := consentEnv(t)
	for _, tc := range []struct {
		name   string
		change map[string]string
		status int
		code   string
	}{
		{"no client", map[string]string{"client_id": ""}, 400, "invalid_request"},
		{"an unknown client", map[string]string{"client_id": "otro"}, 401, "invalid_client"},
		{"no redirect_uri", map[string]string{"redirect_uri": ""}, 400, "invalid_request"},
		{"an unregistered redirect_uri", map[string]string{"redirect_uri": "https://intruso.example.com/cb"}, 400, "redirect_uri_mismatch"},
		{"a redirect_uri with a trailing slash", map[string]string{"redirect_uri": cb + "/"}, 400, "redirect_uri_mismatch"},
		{"response_type token", map[string]string{"response_type": "token"}, 400, "invalid_request"},
		{"no scope", map[string]string{"scope": ""}, 400, "invalid_request"},
		{"an unknown scope", map[string]string{"scope": fake.ScopeForceSSL + " https://www.googleapis.com/auth/drive"}, 400, "invalid_scope"},
		{"an unknown PKCE method", map[string]string{"code_challenge_method": "S512"}, 400, "invalid_request"},
		{"a short challenge", map[string]string{"code_challenge": "abc"}, 400, "invalid_request"},
		{"a bad access_type", map[string]string{"access_type": "siempre"}, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var form url.Values
				if method == http.MethodPost {
					form = url.Values{"accion": {"autorizar"}}
				}
				status, body, q := do(t, method, e.authURL(tc.change), form)
				if status != tc.status || q != nil || !strings.Contains(body, "Error "+strconv.Itoa(tc.status)+": "+tc.code) {
					t.Errorf("%s: got status %d redirect %v body %s; want %d %s and no redirect", method, status, q, body, tc.status, tc.code)
				}
			}
		})
	}
	t.Run("prompt=none is answered consent_required", func(t *testing.T) {
		_, _, q := do(t, http.MethodGet, e.authURL(map[string]string{"prompt": "none"}), nil)
		if q.Get("error") != "consent_required" || q.Get("state") != "st-1" {
			t.Errorf("got redirect %v", q)
		}
	})
}

func TestConsentCancelAndNothingCheckedAreAccessDenied(t *testing.T) {
	e := consentEnv(t)
	for name, form := range map[string]url.Values{
		"Cancelar":            {"accion": {"cancelar"}},
		"nothing checked":     {"accion": {"autorizar"}, "permisos": {"1"}},
		"no known box ticked": {"accion": {"autorizar"}, "permisos": {"1"}, "scope": {fake.ScopeYouTube}},
	} {
		t.Run(name, func(t *testing.T) {
			status, _, q := do(t, http.MethodPost, e.authURL(nil), form)
			if status != http.StatusFound || q.Get("error") != "access_denied" || q.Get("state") != "st-1" || q.Has("code") {
				t.Errorf("got status %d redirect %v", status, q)
			}
		})
	}
}

func TestAuthorizationCodeGrant(t *testing.T) {
	e := consentEnv(t)

	t.Run("a code becomes tokens that work with the API and the refresh grant", func(t *testing.T) {
		status, _, q := do(t, http.MethodPost, e.authURL(nil), url.Values{"accion": {"autorizar"}, "canal": {"conectado"}})
		if status != http.StatusFound || q.Get("state") != "st-1" || q.Get("scope") != fake.ScopeForceSSL+" "+fake.ScopeAnalytics {
			t.Fatalf("got status %d redirect %v", status, q)
		}
		st, a := e.exchange(t, q.Get("code"), cb, verifier)
		if st != 200 || a.AccessToken == "" || a.ExpiresIn != 3599 || a.TokenType != "Bearer" || a.RefreshToken == "" ||
			a.Scope != fake.ScopeForceSSL+" "+fake.ScopeAnalytics {
			t.Fatalf("got status %d answer %+v", st, a)
		}
		conf := &oauth2.Config{ClientID: fake.ClientID, ClientSecret: fake.ClientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: e.base + "/token", AuthStyle: oauth2.AuthStyleInParams}}
		svc := e.serviceWith(t, conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: a.RefreshToken}))
		res, err := svc.Channels.List([]string{"snippet"}).Mine(true).Do()
		if err != nil || len(res.Items) != 1 || res.Items[0].Id != fake.ChannelID("conectado") || res.Items[0].Snippet.CustomUrl != "@conectado" {
			t.Fatalf("channels.list with the new grant: %v %+v", err, res)
		}
		th := res.Items[0].Snippet.Thumbnails
		if th == nil || th.Default == nil || th.Default.Width != 88 || !strings.HasPrefix(th.Default.Url, e.base+"/avatars/") {
			t.Errorf("got thumbnails %+v", th)
		}
		st, r := e.refresh(t, a.RefreshToken)
		if st != 200 || r.Scope != a.Scope || r.RefreshToken != "" {
			t.Errorf("refresh grant: status %d answer %+v", st, r)
		}
	})
	t.Run("a code is single-use", func(t *testing.T) {
		code := e.grant(t, e.authURL(nil), "replay", nil)
		if st, _ := e.exchange(t, code, cb, verifier); st != 200 {
			t.Fatalf("first exchange: %d", st)
		}
		st, a := e.exchange(t, code, cb, verifier)
		if st != 400 || a.Error != "invalid_grant" || a.Description != "Bad Request" {
			t.Errorf("replay: status %d answer %+v", st, a)
		}
	})
	t.Run("a code expires after ten minutes", func(t *testing.T) {
		code := e.grant(t, e.authURL(nil), "tarde", nil)
		e.clock.Advance(fake.CodeLifetime)
		if st, a := e.exchange(t, code, cb, verifier); st != 400 || a.Error != "invalid_grant" {
			t.Errorf("status %d answer %+v", st, a)
		}
	})
	for _, tc := range []struct {
		name, redirect, verifier string
		change                   map[string]string
		code, description        string
	}{
		{"a wrong verifier", cb, strings.Repeat("v", 43), nil, "invalid_grant", "Invalid code verifier."},
		{"no verifier", cb, "", nil, "invalid_grant", "Missing code verifier."},
		{"a verifier without a challenge", cb, verifier, map[string]string{"code_challenge": "", "code_challenge_method": ""}, "invalid_grant", "code_verifier or verifier is not needed."},
		{"the challenge itself as an S256 verifier", cb, s256(verifier), nil, "invalid_grant", "Invalid code verifier."},
		{"another registered redirect_uri", cb + "/otra", verifier, nil, "redirect_uri_mismatch", "Bad Request"},
	} {
		t.Run(tc.name+" is refused and spends the code", func(t *testing.T) {
			code := e.grant(t, e.authURL(tc.change), "pkce", nil)
			st, a := e.exchange(t, code, tc.redirect, tc.verifier)
			if st != 400 || a.Error != tc.code || a.Description != tc.description || a.AccessToken != "" {
				t.Errorf("status %d answer %+v, want 400 %s %q", st, a, tc.code, tc.description)
			}
			if st, a := e.exchange(t, code, cb, verifier); st != 400 || a.Error != "invalid_grant" {
				t.Errorf("then: status %d answer %+v", st, a)
			}
		})
	}
	t.Run("a plain challenge is the verifier itself", func(t *testing.T) {
		code := e.grant(t, e.authURL(map[string]string{"code_challenge": verifier, "code_challenge_method": "plain"}), "plano", nil)
		if st, a := e.exchange(t, code, cb, verifier); st != 200 {
			t.Errorf("status %d answer %+v", st, a)
		}
	})
	t.Run("a code of another client is refused", func(t *testing.T) {
		code := e.grant(t, e.authURL(nil), "cliente", nil)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cb}, "code_verifier": {verifier}}
		if st, body := postForm(t, e.base+"/token", form, "otro", fake.ClientSecret); st != 401 || !strings.Contains(body, "invalid_client") {
			t.Errorf("status %d body %s", st, body)
		}
	})
}

func (e *env) refresh(t *testing.T, rt string) (int, tokenAnswer) {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret}}
	status, body := postForm(t, e.base+"/token", form, "", "")
	var a tokenAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("token answer %q: %v", body, err)
	}
	return status, a
}

func TestConsentGrantsFewerScopes(t *testing.T) {
	e := consentEnv(t)
	code := e.grant(t, e.authURL(nil), "solo_analytics", url.Values{"permisos": {"1"}, "scope": {fake.ScopeAnalytics}})
	st, a := e.exchange(t, code, cb, verifier)
	if st != 200 || a.Scope != fake.ScopeAnalytics {
		t.Fatalf("status %d answer %+v, want the analytics scope alone", st, a)
	}
	// The token holds what was granted: channels.list takes none of it.
	req, _ := http.NewRequest(http.MethodGet, e.base+"/youtube/v3/channels?part=id&mine=true", nil)
	req.Header.Set("Authorization", "Bearer "+a.AccessToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Errorf("channels.list: status %d, want 403 insufficient_scope", res.StatusCode)
	}
	if st, r := e.refresh(t, a.RefreshToken); st != 200 || r.Scope != fake.ScopeAnalytics {
		t.Errorf("refresh: status %d answer %+v", st, r)
	}

	t.Run("include_granted_scopes brings the earlier grant along", func(t *testing.T) {
		code := e.grant(t, e.authURL(nil), "solo_analytics", url.Values{"permisos": {"1"}, "scope": {fake.ScopeForceSSL}})
		if st, a := e.exchange(t, code, cb, verifier); st != 200 || a.Scope != fake.ScopeForceSSL+" "+fake.ScopeAnalytics {
			t.Errorf("status %d answer %+v, want both scopes", st, a)
		}
		code = e.grant(t, e.authURL(map[string]string{"include_granted_scopes": ""}), "solo_analytics",
			url.Values{"permisos": {"1"}, "scope": {fake.ScopeForceSSL}})
		if st, a := e.exchange(t, code, cb, verifier); st != 200 || a.Scope != fake.ScopeForceSSL {
			t.Errorf("without include_granted_scopes: status %d answer %+v, want force-ssl alone", st, a)
		}
	})
}

func TestConsentRefreshTokens(t *testing.T) {
	e := consentEnv(t)
	t.Run("online access gives no refresh token", func(t *testing.T) {
		code := e.grant(t, e.authURL(map[string]string{"access_type": ""}), "en_linea", nil)
		if st, a := e.exchange(t, code, cb, verifier); st != 200 || a.RefreshToken != "" {
			t.Errorf("status %d answer %+v", st, a)
		}
	})
	t.Run("offline access gives one the first time, then only with prompt=consent", func(t *testing.T) {
		for i, tc := range []struct {
			prompt string
			want   bool
		}{{"", true}, {"", false}, {"select_account", false}, {"consent", true}} {
			code := e.grant(t, e.authURL(map[string]string{"prompt": tc.prompt}), "fuera_de_linea", nil)
			if st, a := e.exchange(t, code, cb, verifier); st != 200 || (a.RefreshToken != "") != tc.want {
				t.Errorf("consent %d (prompt %q): status %d refresh token %t, want %t", i+1, tc.prompt, st, a.RefreshToken != "", tc.want)
			}
		}
	})
	t.Run("a revocation kills the grant's tokens and codes; a new consent works", func(t *testing.T) {
		code := e.grant(t, e.authURL(nil), "revocado", nil)
		_, a := e.exchange(t, code, cb, verifier)
		pending := e.grant(t, e.authURL(nil), "revocado", nil)
		e.f.Revoke("revocado")
		if st, r := e.refresh(t, a.RefreshToken); st != 400 || r.Error != "invalid_grant" {
			t.Errorf("old refresh token: status %d answer %+v", st, r)
		}
		if st, r := e.exchange(t, pending, cb, verifier); st != 400 || r.Error != "invalid_grant" {
			t.Errorf("code given before the revocation: status %d answer %+v", st, r)
		}
		_, err := e.serviceWith(t, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: a.AccessToken})).Channels.List([]string{"id"}).Mine(true).Do()
		if ge, ok := err.(*googleapi.Error); !ok || ge.Code != 401 {
			t.Errorf("old access token: %v, want 401", err)
		}
		code = e.grant(t, e.authURL(nil), "revocado", nil)
		st, fresh := e.exchange(t, code, cb, verifier)
		if st != 200 || fresh.RefreshToken == "" {
			t.Fatalf("new consent: status %d answer %+v", st, fresh)
		}
		if st, r := e.refresh(t, fresh.RefreshToken); st != 200 {
			t.Errorf("new refresh token: status %d answer %+v", st, r)
		}
		if _, err := e.serviceWith(t, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: fresh.AccessToken})).Channels.List([]string{"id"}).Mine(true).Do(); err != nil {
			t.Errorf("new access token: %v", err)
		}
		if st, _ := e.refresh(t, fake.RefreshToken("revocado")); st != 400 {
			t.Errorf("the channel's own refresh token answers %d after the revocation, want 400", st)
		}
	})
	t.Run("a forged refresh token is refused", func(t *testing.T) {
		if st, r := e.refresh(t, "1//sandbox.Y29uZWN0YWRvLjAuMDAgeA.AAAA"); st != 400 || r.Error != "invalid_grant" {
			t.Errorf("status %d answer %+v", st, r)
		}
	})
}

func TestAvatars(t *testing.T) {
	e := consentEnv(t)
	id := fake.ChannelID("canal_uno")
	res, err := http.Get(e.base + "/avatars/" + id + "/240.png")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	img, err := png.Decode(res.Body)
	if err != nil || res.Header.Get("Content-Type") != "image/png" || img.Bounds().Dx() != 240 || img.Bounds().Dy() != 240 {
		t.Errorf("got %v %v, want a 240×240 PNG", res.Header.Get("Content-Type"), err)
	}
	for _, bad := range []string{"/avatars/" + id + "/100.png", "/avatars/nope/88.png", "/avatars/" + id + "/88.jpg", "/avatars/" + id} {
		res, err := http.Get(e.base + bad)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", bad, res.StatusCode)
		}
	}
}

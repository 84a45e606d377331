package fake_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/x/fake"
)

const (
	callback     = "http://127.0.0.1:8080/accounts/callback/x"
	publishScope = "tweet.read tweet.write users.read media.write offline.access"
)

// noRedirect is a client that reports redirects instead of following
// them, as a test of a consent screen needs.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// authorizeQuery is a well-formed consent screen query for client.
func authorizeQuery(client string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {client}, "redirect_uri": {callback},
		"scope": {publishScope}, "state": {"st-123"},
		"code_challenge": {challengeOf(verifier)}, "code_challenge_method": {"S256"},
	}
}

// consent posts the consent form of q, as the browser does when a button
// is pressed.
func (e *env) consent(t *testing.T, q url.Values, form url.Values) response {
	t.Helper()
	req, _ := http.NewRequest("POST", e.base+"/i/oauth2/authorize?"+q.Encode(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, noRedirect, req)
}

// authorize consents as user granting scopes and returns the code.
func (e *env) authorize(t *testing.T, q url.Values, user string, scopes ...string) string {
	t.Helper()
	res := e.consent(t, q, url.Values{"accion": {"autorizar"}, "usuario": {user}, "scope": scopes})
	if res.status != http.StatusFound {
		t.Fatalf("consent: status %d: %s", res.status, res.body)
	}
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != callback || loc.Query().Get("state") != q.Get("state") || loc.Query().Get("code") == "" {
		t.Fatalf("sent back to %s; want %s with the state and a code", loc, callback)
	}
	return loc.Query().Get("code")
}

func codeForm(code, redirect, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
}

func TestConsentScreen(t *testing.T) {
	e := newEnv(t, fake.Options{Prefix: "/x", RedirectURIs: []string{callback}})
	t.Run("shows the app, the scopes and the two buttons, with nothing from outside", func(t *testing.T) {
		res := send(t, noRedirect, mustGet(t, e.base+"/i/oauth2/authorize?"+authorizeQuery(fake.ConsumerKey).Encode()))
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d %s: %s", res.status, res.header.Get("Content-Type"), res.body)
		}
		page := string(res.body)
		for _, want := range []string{`id="autorizar"`, `id="cancelar"`, ">Autorizar<", ">Cancelar<", "«sandbox»",
			`value="gobantioquia"`, `name="scope" value="media.write" checked`, `method="post"`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %s:\n%s", want, page)
			}
		}
		if m := regexp.MustCompile(`(?i)(src|href)=`).FindString(page); m != "" {
			t.Errorf("page loads something (%s); want no external resources", m)
		}
		action := regexp.MustCompile(`action="([^"]*)"`).FindStringSubmatch(page)
		if action == nil || !strings.HasPrefix(html.UnescapeString(action[1]), "/x/i/oauth2/authorize?") {
			t.Errorf("form action %v; want the screen's own address under the prefix", action)
		}
	})
	refused := []struct {
		name   string
		change func(url.Values)
	}{
		{"an unregistered redirect_uri", func(q url.Values) { q.Set("redirect_uri", callback+"/otro") }},
		{"an unknown client", func(q url.Values) { q.Set("client_id", "nadie") }},
		{"no PKCE challenge", func(q url.Values) { q.Del("code_challenge") }},
		{"an unknown challenge method", func(q url.Values) { q.Set("code_challenge_method", "S512") }},
		{"an unknown scope", func(q url.Values) { q.Set("scope", "tweet.read tweet.everything") }},
		{"no state", func(q url.Values) { q.Del("state") }},
		{"a state over 500 characters", func(q url.Values) { q.Set("state", strings.Repeat("s", 501)) }},
		{"response_type token", func(q url.Values) { q.Set("response_type", "token") }},
	}
	for _, c := range refused {
		t.Run("refuses "+c.name+" with an error page and no redirect", func(t *testing.T) {
			q := authorizeQuery(fake.ConsumerKey)
			c.change(q)
			res := send(t, noRedirect, mustGet(t, e.base+"/i/oauth2/authorize?"+q.Encode()))
			if res.status != http.StatusBadRequest || res.header.Get("Location") != "" || !strings.Contains(string(res.body), "Algo salió mal") {
				t.Errorf("status %d, Location %q: %s; want 400 error page", res.status, res.header.Get("Location"), res.body)
			}
			post := e.consent(t, q, url.Values{"accion": {"autorizar"}, "usuario": {"ana"}, "scope": {"tweet.read"}})
			if post.status != http.StatusBadRequest || post.header.Get("Location") != "" {
				t.Errorf("consent POST: status %d, Location %q; want 400 and no redirect", post.status, post.header.Get("Location"))
			}
		})
	}
	t.Run("Cancelar sends back access_denied with the state", func(t *testing.T) {
		res := e.consent(t, authorizeQuery(fake.ConsumerKey), url.Values{"accion": {"cancelar"}})
		loc, _ := url.Parse(res.header.Get("Location"))
		if res.status != http.StatusFound || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "st-123" || loc.Query().Has("code") {
			t.Errorf("status %d, Location %s; want 302 with error=access_denied and the state, no code", res.status, loc)
		}
	})
	t.Run("Autorizar without any scope checked asks again", func(t *testing.T) {
		res := e.consent(t, authorizeQuery(fake.ConsumerKey), url.Values{"accion": {"autorizar"}, "usuario": {"ana"}})
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "Marca al menos un permiso") || !strings.Contains(string(res.body), `id="autorizar"`) {
			t.Errorf("status %d: %s; want the screen again with the problem", res.status, res.body)
		}
	})
	t.Run("a scope that was not asked for cannot be granted", func(t *testing.T) {
		q := authorizeQuery(fake.ConsumerKey)
		q.Set("scope", "tweet.read users.read")
		res := e.consent(t, q, url.Values{"accion": {"autorizar"}, "usuario": {"ana"}, "scope": {"tweet.read", "dm.write"}})
		if res.status != http.StatusBadRequest || res.header.Get("Location") != "" {
			t.Errorf("status %d, Location %q; want 400", res.status, res.header.Get("Location"))
		}
	})
	t.Run("a bad user name asks again", func(t *testing.T) {
		res := e.consent(t, authorizeQuery(fake.ConsumerKey), url.Values{"accion": {"autorizar"}, "usuario": {"no vale"}, "scope": {"tweet.read"}})
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `id="autorizar"`) {
			t.Errorf("status %d: %s; want the screen again", res.status, res.body)
		}
	})
	t.Run("a callback allowed later is accepted", func(t *testing.T) {
		later := "http://127.0.0.1:9999/accounts/callback/x"
		q := authorizeQuery(fake.ConsumerKey)
		q.Set("redirect_uri", later)
		if res := send(t, noRedirect, mustGet(t, e.base+"/i/oauth2/authorize?"+q.Encode())); res.status != http.StatusBadRequest {
			t.Fatalf("status %d before AllowRedirectURI; want 400", res.status)
		}
		e.fake.AllowRedirectURI(later)
		if res := send(t, noRedirect, mustGet(t, e.base+"/i/oauth2/authorize?"+q.Encode())); res.status != http.StatusOK {
			t.Errorf("status %d after AllowRedirectURI: %s", res.status, res.body)
		}
	})
}

func mustGet(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestAuthorizationCodeFromConsent(t *testing.T) {
	e := newEnv(t, fake.Options{RedirectURIs: []string{callback, callback + "2"}})
	all := strings.Fields(publishScope)

	t.Run("the code gives tokens for the user with the scopes granted", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.ConsumerKey), "ana", all...)
		tr, res := e.token(t, codeForm(code, callback, verifier), true)
		if res.status != http.StatusOK || tr.Scope != publishScope || tr.RefreshToken == "" || tr.ExpiresIn != 7200 {
			t.Fatalf("status %d: %s; want tokens with scope %q", res.status, res.body, publishScope)
		}
		me := e.bearer(t, tr.AccessToken, "GET", "/2/users/me", "")
		if me.status != http.StatusOK || !strings.Contains(string(me.body), `"id":"`+fake.UserID("ana")+`"`) {
			t.Errorf("users/me with the new token: %d %s; want ana", me.status, me.body)
		}
		tr2, res := e.refresh(t, tr.RefreshToken)
		if res.status != http.StatusOK || tr2.Scope != publishScope || e.meWithBearer(t, tr2.AccessToken) != http.StatusOK {
			t.Errorf("refresh: %d %s; want new tokens of the same scope", res.status, res.body)
		}
		if _, res := e.refresh(t, tr.RefreshToken); res.status != http.StatusBadRequest {
			t.Errorf("reused refresh token: %d; want 400", res.status)
		}
	})
	t.Run("a code is good once", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.ConsumerKey), "ana", all...)
		if _, res := e.token(t, codeForm(code, callback, verifier), true); res.status != http.StatusOK {
			t.Fatalf("first exchange: %d %s", res.status, res.body)
		}
		_, res := e.token(t, codeForm(code, callback, verifier), true)
		assertBody(t, res, http.StatusBadRequest, `{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`)
	})
	t.Run("a code expires after 30 seconds", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.ConsumerKey), "ana", all...)
		e.clock.Advance(fake.AuthCodeLifetime + time.Second)
		_, res := e.token(t, codeForm(code, callback, verifier), true)
		assertBody(t, res, http.StatusBadRequest, `{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`)
	})
	t.Run("the verifier must match the S256 challenge", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.ConsumerKey), "ana", all...)
		_, res := e.token(t, codeForm(code, callback, verifier+"x"), true)
		assertBody(t, res, http.StatusBadRequest, `{"error":"invalid_request","error_description":"Value passed for the code verifier did not match the code challenge."}`)
		if _, res := e.token(t, codeForm(code, callback, verifier), true); res.status != http.StatusBadRequest {
			t.Errorf("the right verifier after a wrong one: %d; want 400, the code is spent", res.status)
		}
	})
	t.Run("a plain challenge is the verifier itself", func(t *testing.T) {
		q := authorizeQuery(fake.ConsumerKey)
		q.Set("code_challenge", verifier)
		q.Set("code_challenge_method", "plain")
		code := e.authorize(t, q, "ana", all...)
		if _, res := e.token(t, codeForm(code, callback, verifier), true); res.status != http.StatusOK {
			t.Errorf("status %d: %s", res.status, res.body)
		}
	})
	t.Run("the redirect_uri must be the one the code was issued for", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.ConsumerKey), "ana", all...)
		_, res := e.token(t, codeForm(code, callback+"2", verifier), true)
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "redirect uri") {
			t.Errorf("status %d: %s; want 400 about the redirect uri", res.status, res.body)
		}
	})
	t.Run("the code is bound to its client", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.ConsumerKey), "ana", all...)
		form := codeForm(code, callback, verifier)
		form.Set("client_id", fake.PublicClientID)
		if _, res := e.token(t, form, false); res.status != http.StatusBadRequest {
			t.Errorf("another client's code: %d %s; want 400", res.status, res.body)
		}
	})
	t.Run("a public client exchanges its code with client_id in the form", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.PublicClientID), "ana", all...)
		form := codeForm(code, callback, verifier)
		form.Set("client_id", fake.PublicClientID)
		if tr, res := e.token(t, form, false); res.status != http.StatusOK || e.meWithBearer(t, tr.AccessToken) != http.StatusOK {
			t.Errorf("status %d: %s", res.status, res.body)
		}
	})
	t.Run("fewer scopes: echoed, no refresh token without offline.access, and X's 403 beyond them", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.ConsumerKey), "ana", "tweet.read", "users.read")
		tr, res := e.token(t, codeForm(code, callback, verifier), true)
		if res.status != http.StatusOK || tr.Scope != "tweet.read users.read" || tr.RefreshToken != "" || strings.Contains(string(res.body), "refresh_token") {
			t.Fatalf("status %d: %s; want scope tweet.read users.read and no refresh token", res.status, res.body)
		}
		if s := e.meWithBearer(t, tr.AccessToken); s != http.StatusOK {
			t.Errorf("users/me: %d; want 200 (tweet.read users.read)", s)
		}
		res = e.bearer(t, tr.AccessToken, "POST", "/2/tweets", `{"text":"sin permiso"}`)
		assertBody(t, res, http.StatusForbidden, `{"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden"}`)
		if len(e.fake.Ledger().Filter(fake.Network, "ana")) != 0 {
			t.Errorf("a post reached the ledger without tweet.write")
		}
		res = e.bearer(t, tr.AccessToken, "POST", "/2/media/upload/initialize", `{"media_type":"image/png","total_bytes":10,"media_category":"tweet_image"}`)
		if res.status != http.StatusForbidden {
			t.Errorf("media upload without media.write: %d; want 403", res.status)
		}
	})
	t.Run("a refresh keeps the narrower scopes", func(t *testing.T) {
		code := e.authorize(t, authorizeQuery(fake.ConsumerKey), "ana", "tweet.read", "users.read", "tweet.write", "offline.access")
		tr, _ := e.token(t, codeForm(code, callback, verifier), true)
		tr2, res := e.refresh(t, tr.RefreshToken)
		if res.status != http.StatusOK || tr2.Scope != "offline.access tweet.read tweet.write users.read" {
			t.Fatalf("refresh: %d %s", res.status, res.body)
		}
		if res := e.bearer(t, tr2.AccessToken, "POST", "/2/media/upload/initialize", `{"media_type":"image/png","total_bytes":10,"media_category":"tweet_image"}`); res.status != http.StatusForbidden {
			t.Errorf("media upload after refresh: %d; want 403", res.status)
		}
		if res := e.bearer(t, tr2.AccessToken, "POST", "/2/tweets", `{"text":"con permiso"}`); res.status != http.StatusCreated {
			t.Errorf("post after refresh: %d %s; want 201", res.status, res.body)
		}
	})
}

// bearer sends a request with an OAuth 2.0 access token.
func (e *env) bearer(t *testing.T, tok, method, path, body string) response {
	t.Helper()
	req, _ := http.NewRequest(method, e.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return send(t, http.DefaultClient, req)
}

func TestProfileImage(t *testing.T) {
	e := newEnv(t, fake.Options{Prefix: "/x"})
	res := e.do(t, "ana", "GET", "/2/users/me?user.fields=profile_image_url,username,name", nil)
	var got struct {
		Data struct {
			Username        string `json:"username"`
			ProfileImageURL string `json:"profile_image_url"`
		} `json:"data"`
	}
	res.decode(t, &got)
	if want := e.base + "/profile_images/" + fake.UserID("ana") + "/ana_normal.png"; got.Data.ProfileImageURL != want {
		t.Fatalf("profile_image_url = %q; want %q", got.Data.ProfileImageURL, want)
	}
	img := send(t, http.DefaultClient, mustGet(t, got.Data.ProfileImageURL))
	if img.status != http.StatusOK || img.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(img.body), "\x89PNG") {
		t.Errorf("image: %d %s", img.status, img.header.Get("Content-Type"))
	}
	if res := send(t, http.DefaultClient, mustGet(t, e.base+"/profile_images/1/ana_normal.png")); res.status != http.StatusNotFound {
		t.Errorf("image under another user's id: %d; want 404", res.status)
	}
	if res := e.do(t, "ana", "GET", "/2/users/me", nil); strings.Contains(string(res.body), "profile_image_url") {
		t.Errorf("users/me without the field: %s; want no profile_image_url", res.body)
	}
}

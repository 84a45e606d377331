package fake_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/x/fake"
)

type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
}

func (e *env) token(t *testing.T, form url.Values, basic bool) (tokenResponse, response) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.base+"/2/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(fake.ConsumerKey, fake.ConsumerSecret)
	}
	res := send(t, http.DefaultClient, req)
	var tr tokenResponse
	if res.status == http.StatusOK {
		res.decode(t, &tr)
	}
	return tr, res
}

func (e *env) refresh(t *testing.T, rt string) (tokenResponse, response) {
	t.Helper()
	return e.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, true)
}

func (e *env) meWithBearer(t *testing.T, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", e.base+"/2/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	return send(t, http.DefaultClient, req).status
}

const reuseBody = `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`

func TestOAuth2Refresh(t *testing.T) {
	e := newEnv(t, fake.Options{})

	first, res := e.refresh(t, fake.SeedRefreshToken("ana"))
	if res.status != http.StatusOK {
		t.Fatalf("seed refresh: status %d: %s", res.status, res.body)
	}
	t.Run("seed issues a 2-hour bearer pair", func(t *testing.T) {
		if first.TokenType != "bearer" || first.ExpiresIn != 7200 || first.AccessToken == "" || first.RefreshToken == "" || !strings.Contains(first.Scope, "tweet.write") {
			t.Errorf("token = %+v", first)
		}
		if got := e.meWithBearer(t, first.AccessToken); got != http.StatusOK {
			t.Errorf("users/me with the access token: status %d, want 200", got)
		}
	})

	second, res := e.refresh(t, first.RefreshToken)
	t.Run("refresh rotates", func(t *testing.T) {
		if res.status != http.StatusOK || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
			t.Fatalf("status %d token %+v, want new access and refresh tokens", res.status, second)
		}
	})

	t.Run("reused refresh token is refused and kills the family", func(t *testing.T) {
		_, res := e.refresh(t, first.RefreshToken)
		assertBody(t, res, http.StatusBadRequest, reuseBody)
		if _, res := e.refresh(t, second.RefreshToken); res.status != http.StatusBadRequest {
			t.Errorf("newest refresh token after reuse: status %d, want 400", res.status)
		}
		if got := e.meWithBearer(t, second.AccessToken); got != http.StatusUnauthorized {
			t.Errorf("access token of the revoked family: status %d, want 401", got)
		}
	})

	t.Run("seed is single use too", func(t *testing.T) {
		_, res := e.refresh(t, fake.SeedRefreshToken("ana"))
		assertBody(t, res, http.StatusBadRequest, reuseBody)
	})

	t.Run("garbage refresh token is refused", func(t *testing.T) {
		_, res := e.refresh(t, "sbxr.ana.0000.1.forged")
		assertBody(t, res, http.StatusBadRequest, reuseBody)
	})

	t.Run("missing client authentication is refused", func(t *testing.T) {
		_, res := e.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fake.SeedRefreshToken("beto")},
			"client_id": {fake.ConsumerKey}}, false)
		assertBody(t, res, http.StatusUnauthorized, `{"error":"unauthorized_client","error_description":"Missing valid authorization header"}`)
	})

	t.Run("access token expires after 2 hours", func(t *testing.T) {
		tr, _ := e.refresh(t, fake.SeedRefreshToken("carla"))
		e.clock.Advance(2*time.Hour - time.Second)
		if got := e.meWithBearer(t, tr.AccessToken); got != http.StatusOK {
			t.Errorf("just before expiry: status %d, want 200", got)
		}
		e.clock.Advance(time.Second)
		if got := e.meWithBearer(t, tr.AccessToken); got != http.StatusUnauthorized {
			t.Errorf("at expiry: status %d, want 401", got)
		}
		if _, res := e.refresh(t, tr.RefreshToken); res.status != http.StatusOK {
			t.Errorf("refresh after expiry: status %d, want 200", res.status)
		}
	})
}

func TestOAuth2AuthorizationCode(t *testing.T) {
	e := newEnv(t, fake.Options{})
	tr, res := e.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {fake.AuthorizationCode("ana")},
		"redirect_uri": {"http://127.0.0.1/callback"}, "code_verifier": {"verifier"}}, true)
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if got := e.meWithBearer(t, tr.AccessToken); got != http.StatusOK {
		t.Errorf("users/me: status %d, want 200", got)
	}
	_, res = e.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {"made-up"},
		"redirect_uri": {"http://127.0.0.1/callback"}, "code_verifier": {"verifier"}}, true)
	if res.status != http.StatusBadRequest {
		t.Errorf("unknown code: status %d, want 400", res.status)
	}
}

func TestOAuth2TokensSurviveRestart(t *testing.T) {
	e1 := newEnv(t, fake.Options{})
	tr, _ := e1.refresh(t, fake.SeedRefreshToken("ana"))
	e2 := newEnv(t, fake.Options{})
	if got := e2.meWithBearer(t, tr.AccessToken); got != http.StatusOK {
		t.Errorf("access token on a new fake: status %d, want 200", got)
	}
	if _, res := e2.refresh(t, tr.RefreshToken); res.status != http.StatusOK {
		t.Errorf("refresh on a new fake: status %d, want 200: %s", res.status, res.body)
	}
	e3 := newEnv(t, fake.Options{TokenKey: []byte("another key")})
	if got := e3.meWithBearer(t, tr.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("access token on a fake with another key: status %d, want 401", got)
	}
}

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

func TestTokenEndpointClients(t *testing.T) {
	e := newEnv(t, fake.Options{})
	public := func(form url.Values) url.Values {
		form.Set("client_id", fake.PublicClientID)
		return form
	}
	refreshForm := func(rt string) url.Values {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	}

	t.Run("PublicClientRefreshesWithClientIDInTheForm", func(t *testing.T) {
		first, res := e.token(t, public(refreshForm(fake.SeedRefreshToken("pia"))), false)
		if res.status != http.StatusOK || e.meWithBearer(t, first.AccessToken) != http.StatusOK {
			t.Fatalf("status %d body %s, want a usable pair", res.status, res.body)
		}
		second, res := e.token(t, public(refreshForm(first.RefreshToken)), false)
		if res.status != http.StatusOK || second.RefreshToken == first.RefreshToken {
			t.Fatalf("status %d body %s, want a rotated pair", res.status, res.body)
		}
		t.Run("ItsRefreshTokensAreSingleUse", func(t *testing.T) {
			_, res := e.token(t, public(refreshForm(first.RefreshToken)), false)
			assertBody(t, res, http.StatusBadRequest, reuseBody)
			if got := e.meWithBearer(t, second.AccessToken); got != http.StatusUnauthorized {
				t.Errorf("access token of the revoked family: status %d, want 401", got)
			}
		})
	})
	t.Run("PublicClientCodeExchange", func(t *testing.T) {
		form := public(url.Values{"grant_type": {"authorization_code"}, "code": {fake.AuthorizationCode("pia")},
			"redirect_uri": {"http://127.0.0.1/cb"}, "code_verifier": {"verifier"}})
		if _, res := e.token(t, form, false); res.status != http.StatusOK {
			t.Errorf("status %d body %s, want 200", res.status, res.body)
		}
	})
	t.Run("PublicClientMustNotSendASecret", func(t *testing.T) {
		form := public(refreshForm(fake.SeedRefreshToken("pablo")))
		form.Set("client_secret", "anything")
		_, res := e.token(t, form, false)
		assertBody(t, res, http.StatusUnauthorized, `{"error":"invalid_client","error_description":"The client secret must not be sent in the request body."}`)

		req, _ := http.NewRequest("POST", e.base+"/2/oauth2/token", strings.NewReader(refreshForm(fake.SeedRefreshToken("pablo")).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(fake.PublicClientID, "anything")
		assertBody(t, send(t, http.DefaultClient, req), http.StatusUnauthorized,
			`{"error":"invalid_client","error_description":"Public clients must not authenticate with a client secret."}`)
	})
	t.Run("ConfidentialClientMustUseBasic", func(t *testing.T) {
		form := refreshForm(fake.SeedRefreshToken("carla"))
		form.Set("client_id", fake.ConsumerKey)
		_, res := e.token(t, form, false)
		assertBody(t, res, http.StatusUnauthorized, `{"error":"unauthorized_client","error_description":"Missing valid authorization header"}`)
		form.Set("client_secret", fake.ConsumerSecret)
		if _, res := e.token(t, form, false); res.status != http.StatusUnauthorized {
			t.Errorf("secret in the form: status %d body %s, want 401", res.status, res.body)
		}
	})
	t.Run("NoClientAtAll", func(t *testing.T) {
		_, res := e.token(t, refreshForm(fake.SeedRefreshToken("nadie")), false)
		assertBody(t, res, http.StatusUnauthorized, `{"error":"invalid_request","error_description":"Missing required parameter [client_id]."}`)
	})
	t.Run("RefreshTokensAreBoundToTheirClient", func(t *testing.T) {
		pub, res := e.token(t, public(refreshForm(fake.SeedRefreshToken("dora"))), false)
		if res.status != http.StatusOK {
			t.Fatalf("status %d body %s", res.status, res.body)
		}
		if _, res := e.refresh(t, pub.RefreshToken); res.status != http.StatusBadRequest {
			t.Errorf("public client's token presented by the confidential client: status %d body %s, want 400", res.status, res.body)
		}
		conf, res := e.refresh(t, fake.SeedRefreshToken("eva"))
		if res.status != http.StatusOK {
			t.Fatalf("status %d body %s", res.status, res.body)
		}
		if _, res := e.token(t, public(refreshForm(conf.RefreshToken)), false); res.status != http.StatusBadRequest {
			t.Errorf("confidential client's token presented by the public client: status %d body %s, want 400", res.status, res.body)
		}
	})
}

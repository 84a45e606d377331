package fake_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph/fake"
)

func TestAuth(t *testing.T) {
	e := newEnv(t, fake.Options{})
	tok := fake.PageToken(page)

	refused := []struct {
		name    string
		params  url.Values
		header  http.Header
		status  int
		code    int
		typ     string
		message string
	}{
		{"missing token is 190", url.Values{}, nil, 400, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token"},
		{"garbled token is 190", signed("EAAB-garbled"), nil, 400, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token"},
		{"token of a non-numeric page is 190", signed("sandbox-page-abc"), nil, 400, 190, "OAuthException", "Cannot parse access token"},
		{"missing appsecret_proof is 100", url.Values{"access_token": {tok}}, nil, 400, 100, "GraphMethodException", "API calls from the server require an appsecret_proof argument"},
		{"wrong appsecret_proof is 100", url.Values{"access_token": {tok}, "appsecret_proof": {fake.AppsecretProof("other-secret", tok)}}, nil, 400, 100, "GraphMethodException", "Invalid appsecret_proof provided in the API argument"},
		{"bad bearer header is 190", url.Values{}, http.Header{"Authorization": {"Bearer nonsense"}}, 400, 190, "OAuthException", "Cannot parse access token"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do(t, "GET", "/v25.0/me", tc.params, tc.header)
			got := res.err(t)
			if res.status != tc.status || got.Code != tc.code || got.Type != tc.typ || !strings.Contains(got.Message, tc.message) {
				t.Errorf("status %d error %+v, want %d code %d %s %q", res.status, got, tc.status, tc.code, tc.typ, tc.message)
			}
			if got.TraceID == "" {
				t.Error("fbtrace_id is empty")
			}
			if res.header.Get("X-App-Usage") == "" {
				t.Error("no X-App-Usage on a refusal")
			}
		})
	}

	t.Run("another page's token gets a 200 permissions error", func(t *testing.T) {
		res := e.do(t, "POST", "/v25.0/"+otherPage+"/feed", signed(tok, "message", "hola"), nil)
		got := res.err(t)
		if res.status != http.StatusForbidden || got.Code != 200 || got.Type != "OAuthException" {
			t.Errorf("status %d error %+v, want 403 code 200", res.status, got)
		}
		if n := len(e.fake.Ledger().Posts()); n != 0 {
			t.Errorf("ledger has %d posts, want none", n)
		}
	})

	t.Run("huandu session with proof reads /me", func(t *testing.T) {
		res, err := e.session(tok).Get("/me", fb.Params{"fields": "id,name"})
		if err != nil {
			t.Fatal(err)
		}
		if got := str(t, res, "id"); got != page {
			t.Errorf("id = %s, want %s", got, page)
		}
	})

	t.Run("bearer header is accepted", func(t *testing.T) {
		s := e.session(tok)
		s.UseAuthorizationHeader()
		res, err := s.Get("/"+page, fb.Params{"fields": "id,name,instagram_business_account"})
		if err != nil {
			t.Fatal(err)
		}
		if got := str(t, res, "instagram_business_account.id"); got != igUser {
			t.Errorf("instagram_business_account = %s, want %s", got, igUser)
		}
	})

	t.Run("huandu error for a wrong app secret", func(t *testing.T) {
		app := fb.New(fake.DefaultAppID, "not-the-secret")
		app.EnableAppsecretProof = true
		s := app.Session(tok)
		s.BaseURL, s.Version = e.base+"/", "v25.0"
		_, err := s.Get("/me", nil)
		if fe := wantCode(t, err, 100, 0); fe.Message != "Invalid appsecret_proof provided in the API argument" {
			t.Errorf("message = %q", fe.Message)
		}
	})

	t.Run("proof optional lets a page token through without one", func(t *testing.T) {
		e := newEnv(t, fake.Options{ProofOptional: true})
		if res := e.do(t, "GET", "/v25.0/me", url.Values{"access_token": {tok}}, nil); res.status != http.StatusOK {
			t.Errorf("status %d body %s", res.status, res.body)
		}
		bad := url.Values{"access_token": {tok}, "appsecret_proof": {"00"}}
		if got := e.do(t, "GET", "/v25.0/me", bad, nil).err(t); got.Code != 100 {
			t.Errorf("error %+v, want a wrong proof refused with 100", got)
		}
	})

	t.Run("Instagram Login token needs no proof but a sent one is checked", func(t *testing.T) {
		ig := fake.InstagramToken("17841999")
		res := e.do(t, "GET", "/v25.0/me", url.Values{"access_token": {ig}, "fields": {"user_id,username"}}, nil)
		if res.status != http.StatusOK || res.json(t)["user_id"] != "17841999" || res.json(t)["username"] == nil {
			t.Errorf("status %d body %s", res.status, res.body)
		}
		bad := url.Values{"access_token": {ig}, "appsecret_proof": {fake.AppsecretProof("x", ig)}}
		if got := e.do(t, "GET", "/v25.0/me", bad, nil).err(t); got.Code != 100 {
			t.Errorf("error %+v, want 100", got)
		}
	})

	t.Run("Instagram Login token cannot act on a page", func(t *testing.T) {
		res := e.do(t, "POST", "/v25.0/"+page+"/feed", signed(fake.InstagramToken("17841999"), "message", "x"), nil)
		if got := res.err(t); res.status != http.StatusForbidden || got.Code != 200 {
			t.Errorf("status %d error %+v, want 403 code 200", res.status, got)
		}
	})

	t.Run("old versions are refused with 2635", func(t *testing.T) {
		res := e.do(t, "GET", "/v18.0/me", signed(tok), nil)
		if got := res.err(t); got.Code != 2635 {
			t.Errorf("error %+v, want 2635", got)
		}
		for _, v := range []string{"v19.0", "v27.0"} {
			if res := e.do(t, "GET", "/"+v+"/me", signed(tok), nil); res.status != http.StatusOK {
				t.Errorf("%s: status %d body %s", v, res.status, res.body)
			}
		}
	})

	t.Run("unknown edges and deep paths are errors", func(t *testing.T) {
		if got := e.do(t, "GET", "/v25.0/"+page+"/nonsense", signed(tok), nil).err(t); got.Code != 2500 {
			t.Errorf("error %+v, want 2500", got)
		}
		if got := e.do(t, "GET", "/v25.0/a/b/c", signed(tok), nil).err(t); got.Code != 2500 {
			t.Errorf("error %+v, want 2500", got)
		}
	})
}

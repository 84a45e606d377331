package fake_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube/fake"
)

func TestTokenEndpoint(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fake.RefreshToken("canal_uno")}}

	t.Run("a refresh token with the client in the form gets an access token", func(t *testing.T) {
		form := url.Values{"client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret}}
		for k, v := range refresh {
			form[k] = v
		}
		status, body := postForm(t, e.base+"/token", form, "", "")
		var tok struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
			TokenType   string `json:"token_type"`
			Scope       string `json:"scope"`
		}
		json.Unmarshal([]byte(body), &tok)
		if status != 200 || tok.AccessToken == "" || tok.ExpiresIn != 3599 || tok.TokenType != "Bearer" ||
			tok.Scope != "https://www.googleapis.com/auth/youtube.force-ssl" {
			t.Errorf("status %d body %s", status, body)
		}
		if strings.Contains(body, "refresh_token") {
			t.Errorf("body %s rotates the refresh token; Google's do not rotate", body)
		}
	})
	t.Run("the client in Basic authentication is accepted", func(t *testing.T) {
		if status, body := postForm(t, e.base+"/token", refresh, fake.ClientID, fake.ClientSecret); status != 200 {
			t.Errorf("status %d body %s", status, body)
		}
	})
	t.Run("a wrong client secret is invalid_client", func(t *testing.T) {
		status, body := postForm(t, e.base+"/token", refresh, fake.ClientID, "nope")
		if status != 401 || !strings.Contains(body, `"error":"invalid_client"`) {
			t.Errorf("status %d body %s", status, body)
		}
	})
	t.Run("an unknown refresh token is invalid_grant", func(t *testing.T) {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"1//otro"}}
		status, body := postForm(t, e.base+"/token", form, fake.ClientID, fake.ClientSecret)
		if status != 400 || strings.TrimSpace(body) != `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}` {
			t.Errorf("status %d body %s", status, body)
		}
	})
	t.Run("an access token is not a refresh token", func(t *testing.T) {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fake.AccessToken("canal_uno")}}
		if status, _ := postForm(t, e.base+"/token", form, fake.ClientID, fake.ClientSecret); status != 400 {
			t.Errorf("status %d, want 400", status)
		}
	})
	t.Run("other grant types are unsupported", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}}
		status, body := postForm(t, e.base+"/token", form, fake.ClientID, fake.ClientSecret)
		if status != 400 || !strings.Contains(body, "unsupported_grant_type") {
			t.Errorf("status %d body %s", status, body)
		}
	})
	t.Run("a token fault answers in the OAuth shape", func(t *testing.T) {
		// Two: x/oauth2 tries the client in the header, then in the form.
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpToken, Mode: fakenet.ModeError, Status: 503, Count: 2})
		_, err := e.service(t, "canal_dos").Channels.List([]string{"id"}).Mine(true).Do()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.Response.StatusCode != 503 || re.ErrorCode != "internal_failure" {
			t.Errorf("err = %v, want a 503 RetrieveError", err)
		}
	})
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")

	t.Run("the client refreshes and calls with the issued token", func(t *testing.T) {
		res, err := e.svc.Channels.List([]string{"contentDetails"}).Mine(true).Do()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 || res.Items[0].Id != fake.ChannelID("canal_uno") ||
			res.Items[0].ContentDetails.RelatedPlaylists.Uploads != fake.UploadsPlaylist("canal_uno") {
			t.Errorf("channels = %+v", res.Items)
		}
	})
	t.Run("channel ids are stable and look like YouTube's", func(t *testing.T) {
		id := fake.ChannelID("canal_uno")
		if len(id) != 24 || !strings.HasPrefix(id, "UC") || id != fake.ChannelID("canal_uno") || id == fake.ChannelID("canal_dos") {
			t.Errorf("ChannelID = %q", id)
		}
		if up := fake.UploadsPlaylist("canal_uno"); up != "UU"+id[2:] {
			t.Errorf("UploadsPlaylist = %q", up)
		}
	})
	t.Run("an unknown bearer token is authError", func(t *testing.T) {
		status, h, body := raw(t, "GET", e.base+"/youtube/v3/channels?part=id&mine=true", "ya29.nope", nil, nil)
		if status != 401 || !strings.Contains(body, `"reason":"authError"`) || !strings.Contains(body, `"message":"Invalid Credentials"`) ||
			!strings.Contains(body, `"status":"UNAUTHENTICATED"`) || h.Get("WWW-Authenticate") == "" {
			t.Errorf("status %d body %s", status, body)
		}
	})
	t.Run("a missing token is authError", func(t *testing.T) {
		if status, _, body := raw(t, "GET", e.base+"/youtube/v3/channels?part=id&mine=true", "", nil, nil); status != 401 {
			t.Errorf("status %d body %s", status, body)
		}
	})
	t.Run("an issued token expires after an hour on the fake clock", func(t *testing.T) {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fake.RefreshToken("canal_uno")}}
		_, body := postForm(t, e.base+"/token", form, fake.ClientID, fake.ClientSecret)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		json.Unmarshal([]byte(body), &tok)
		call := func() int {
			status, _, _ := raw(t, "GET", e.base+"/youtube/v3/channels?part=id&mine=true", tok.AccessToken, nil, nil)
			return status
		}
		if got := call(); got != 200 {
			t.Fatalf("status %d, want 200", got)
		}
		e.clock.Advance(time.Hour)
		if got := call(); got != 401 {
			t.Errorf("status %d an hour later, want 401", got)
		}
		if status, _, _ := raw(t, "GET", e.base+"/youtube/v3/channels?part=id&mine=true", tok.AccessToken[:len(tok.AccessToken)-2]+"xx", nil, nil); status != 401 {
			t.Errorf("tampered token: status %d, want 401", status)
		}
	})
	t.Run("after Revoke the refresh token is invalid_grant and access tokens are refused", func(t *testing.T) {
		e.f.Revoke("canal_tres")
		_, err := e.service(t, "canal_tres").Channels.List([]string{"id"}).Mine(true).Do()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.ErrorDescription != "Token has been expired or revoked." {
			t.Errorf("err = %v, want invalid_grant", err)
		}
		_, err = e.staticService(t, "canal_tres").Channels.List([]string{"id"}).Mine(true).Do()
		wantReason(t, err, http.StatusUnauthorized, "authError")
		if _, err := e.staticService(t, "canal_uno").Channels.List([]string{"id"}).Mine(true).Do(); err != nil {
			t.Errorf("another channel: %v", err)
		}
	})
}

func TestRefreshTokenRotation(t *testing.T) {
	e := newEnv(t, fake.Options{RefreshTokenRotation: 24 * time.Hour}, "canal_uno")
	type answer struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	redeem := func(t *testing.T, rt string) (int, answer) {
		t.Helper()
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		status, body := postForm(t, e.base+"/token", form, fake.ClientID, fake.ClientSecret)
		var a answer
		json.Unmarshal([]byte(body), &a)
		return status, a
	}

	status, first := redeem(t, fake.RefreshToken("canal_uno"))
	if status != 200 || first.AccessToken == "" || first.RefreshToken == "" || first.RefreshToken == fake.RefreshToken("canal_uno") {
		t.Fatalf("first use: status %d %+v, want a new refresh token", status, first)
	}
	if status, _ := redeem(t, fake.RefreshToken("canal_uno")); status != 400 {
		t.Errorf("the replaced token: status %d, want 400 invalid_grant", status)
	}
	e.clock.Advance(23 * time.Hour)
	status, young := redeem(t, first.RefreshToken)
	if status != 200 || young.AccessToken == "" || young.RefreshToken != "" {
		t.Errorf("a token younger than the period: status %d %+v, want an access token and no refresh token", status, young)
	}
	e.clock.Advance(time.Hour)
	status, due := redeem(t, first.RefreshToken)
	if status != 200 || due.RefreshToken == "" || due.RefreshToken == first.RefreshToken {
		t.Errorf("a token as old as the period: status %d %+v, want it replaced", status, due)
	}
	if status, _ := redeem(t, first.RefreshToken); status != 400 {
		t.Errorf("the token replaced second: status %d, want 400", status)
	}
	if status, _ := redeem(t, fake.RefreshToken("canal_uno")+"-99"); status != 400 {
		t.Errorf("a made-up generation: status %d, want 400", status)
	}
	// Other channels rotate on their own.
	if status, other := redeem(t, fake.RefreshToken("canal_dos")); status != 200 || other.RefreshToken == "" {
		t.Errorf("another channel: status %d %+v", status, other)
	}
	e.f.Revoke("canal_uno")
	if status, _ := redeem(t, due.RefreshToken); status != 400 {
		t.Errorf("a rotated token after Revoke: status %d, want 400", status)
	}
}

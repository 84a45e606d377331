package fake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"pregonero/adapters/youtube/fake"
)

// Scopes as the discovery document names them.
const (
	scYouTube  = "https://www.googleapis.com/auth/youtube"
	scForceSSL = "https://www.googleapis.com/auth/youtube.force-ssl"
	scReadonly = "https://www.googleapis.com/auth/youtube.readonly"
	scUpload   = "https://www.googleapis.com/auth/youtube.upload"
	scPartner  = "https://www.googleapis.com/auth/youtubepartner"
	scAudit    = "https://www.googleapis.com/auth/youtubepartner-channel-audit"
)

// accepted is, for each method the fake serves, the scopes the discovery
// document (google.golang.org/api v0.312.0 youtube/v3/youtube-api.json,
// revision 20261104) lists for it, written down here on its own so that a
// slip in the fake's table shows.
var accepted = map[string][]string{
	"videos.insert":        {scYouTube, scForceSSL, scUpload, scPartner},
	"videos.list":          {scYouTube, scForceSSL, scReadonly, scPartner},
	"videos.batchGetStats": {scYouTube, scForceSSL, scReadonly, scPartner},
	"videos.delete":        {scYouTube, scForceSSL, scPartner},
	"thumbnails.set":       {scYouTube, scForceSSL, scUpload, scPartner},
	"channels.list":        {scYouTube, scForceSSL, scReadonly, scPartner, scAudit},
	"playlistItems.list":   {scYouTube, scForceSSL, scReadonly, scPartner},
}

// scopeCall makes one call of a method with a token and returns the
// status, headers and body.
type scopeCall func(t *testing.T, e *env, channel, token, videoID string) (int, http.Header, string)

var scopeCalls = map[string]scopeCall{
	"videos.insert": func(t *testing.T, e *env, _, token, _ string) (int, http.Header, string) {
		return raw(t, "POST", e.base+"/upload/youtube/v3/videos?part=snippet&uploadType=resumable", token,
			map[string]string{"Content-Type": "application/json"}, []byte(`{"snippet":{"title":"Alcance"}}`))
	},
	"videos.list": func(t *testing.T, e *env, _, token, id string) (int, http.Header, string) {
		return raw(t, "GET", e.base+"/youtube/v3/videos?part=id&id="+id, token, nil, nil)
	},
	"videos.batchGetStats": func(t *testing.T, e *env, _, token, id string) (int, http.Header, string) {
		return raw(t, "GET", e.base+"/youtube/v3/videos:batchGetStats?part=statistics&id="+id, token, nil, nil)
	},
	"videos.delete": func(t *testing.T, e *env, _, token, id string) (int, http.Header, string) {
		return raw(t, "DELETE", e.base+"/youtube/v3/videos?id="+id, token, nil, nil)
	},
	"thumbnails.set": func(t *testing.T, e *env, _, token, id string) (int, http.Header, string) {
		return raw(t, "POST", e.base+"/upload/youtube/v3/thumbnails/set?uploadType=media&videoId="+id, token,
			map[string]string{"Content-Type": "image/jpeg"}, jpegBytes(t))
	},
	"channels.list": func(t *testing.T, e *env, _, token, _ string) (int, http.Header, string) {
		return raw(t, "GET", e.base+"/youtube/v3/channels?part=id&mine=true", token, nil, nil)
	},
	"playlistItems.list": func(t *testing.T, e *env, channel, token, _ string) (int, http.Header, string) {
		return raw(t, "GET", e.base+"/youtube/v3/playlistItems?part=id&playlistId="+fake.UploadsPlaylist(channel), token, nil, nil)
	},
}

// insufficient reports whether an answer is Google's refusal for
// insufficient scope, checking its whole shape.
func insufficient(t *testing.T, status int, h http.Header, body string, accepted []string) bool {
	t.Helper()
	if status != http.StatusForbidden || !strings.Contains(body, "insufficientPermissions") {
		return false
	}
	var b struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
			Errors  []struct {
				Message, Domain, Reason string
			} `json:"errors"`
			Details []struct {
				Type   string `json:"@type"`
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	e := b.Error
	if e.Code != 403 || e.Message != "Request had insufficient authentication scopes." || e.Status != "PERMISSION_DENIED" ||
		len(e.Errors) != 1 || e.Errors[0].Reason != "insufficientPermissions" || e.Errors[0].Domain != "global" ||
		e.Errors[0].Message != "Insufficient Permission" ||
		len(e.Details) != 1 || e.Details[0].Reason != "ACCESS_TOKEN_SCOPE_INSUFFICIENT" {
		t.Errorf("insufficient scope answer = %s", body)
	}
	want := `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="` + strings.Join(accepted, " ") + `"`
	if got := h.Get("WWW-Authenticate"); got != want {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want)
	}
	return true
}

func TestScopesPerMethod(t *testing.T) {
	grants := map[string][]string{
		"solo_subida":  {scUpload},
		"solo_lectura": {scReadonly},
		"subida_y_lec": {scUpload, scReadonly},
		"completo":     {scYouTube},
		"socio":        {scPartner},
		"auditoria":    {scAudit},
	}
	e := newEnv(t, fake.Options{Scopes: grants}, "canal_uno")
	grants["canal_uno"] = []string{scForceSSL} // not in Options: the default grant
	v := mustInsert(t, e.staticService(t, "canal_uno"), "ajeno", 900)

	for channel, grant := range grants {
		// The channel's refresh token gets an access token of its grant.
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fake.RefreshToken(channel)}}
		status, body := postForm(t, e.base+"/token", form, fake.ClientID, fake.ClientSecret)
		var tok struct {
			AccessToken string `json:"access_token"`
			Scope       string `json:"scope"`
		}
		if err := json.Unmarshal([]byte(body), &tok); err != nil || status != 200 {
			t.Fatalf("%s: token status %d body %s", channel, status, body)
		}
		if tok.Scope != strings.Join(grant, " ") {
			t.Errorf("%s: token answer scope = %q, want %q", channel, tok.Scope, strings.Join(grant, " "))
		}
		for _, token := range []string{tok.AccessToken, fake.AccessToken(channel)} {
			for method, call := range scopeCalls {
				allowed := slices.ContainsFunc(grant, func(s string) bool { return slices.Contains(accepted[method], s) })
				status, h, body := call(t, e, channel, token, v.Id)
				if refused := insufficient(t, status, h, body, accepted[method]); refused == allowed {
					t.Errorf("%s (%v) %s: status %d %s; allowed by the discovery document: %v", channel, grant, method, status, body, allowed)
				}
			}
		}
	}
}

func TestForceSSLAllowsEveryCall(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	svc := e.svc // refreshes with the sandbox refresh token: youtube.force-ssl
	v := mustInsert(t, svc, "con force-ssl", 901)
	if _, err := svc.Videos.List([]string{"status"}).Id(v.Id).Do(); err != nil {
		t.Errorf("videos.list: %v", err)
	}
	if _, err := svc.Videos.BatchGetStats().Id(v.Id).Part("statistics").Do(); err != nil {
		t.Errorf("videos.batchGetStats: %v", err)
	}
	if _, err := svc.Channels.List([]string{"contentDetails"}).Mine(true).Do(); err != nil {
		t.Errorf("channels.list: %v", err)
	}
	if _, err := svc.PlaylistItems.List([]string{"snippet"}).PlaylistId(fake.UploadsPlaylist("canal_uno")).Do(); err != nil {
		t.Errorf("playlistItems.list: %v", err)
	}
	if _, err := svc.Thumbnails.Set(v.Id).Media(strings.NewReader(string(jpegBytes(t)))).Do(); err != nil {
		t.Errorf("thumbnails.set: %v", err)
	}
	if err := svc.Videos.Delete(v.Id).Do(); err != nil {
		t.Errorf("videos.delete: %v", err)
	}
}

func TestInsufficientScopeIsNotCharged(t *testing.T) {
	e := newEnv(t, fake.Options{Scopes: map[string][]string{"canal_uno": {scUpload, scReadonly}}}, "canal_uno")
	v := mustInsert(t, e.staticService(t, "canal_uno"), "sin borrar", 902)
	_, unitsBefore := e.f.Quota()
	err := e.svc.Videos.Delete(v.Id).Do()
	wantReason(t, err, http.StatusForbidden, "insufficientPermissions")
	if _, units := e.f.Quota(); units != unitsBefore {
		t.Errorf("units = %d, want %d: a call refused for its token is not charged", units, unitsBefore)
	}
	if e.f.Video(v.Id).ID == "" {
		t.Error("the video is gone")
	}
}

package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/sandbox"
	ytfake "pregonero/adapters/youtube/fake"
)

// serve sends one request from remoteAddr through the sandbox's handler,
// in memory: nothing goes over the network.
func serve(h http.Handler, remoteAddr, method, target, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = remoteAddr
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestControlEndpointsAnswerOnlyLoopback(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	h := s.Handler()
	if _, err := s.Faults().Add(fakenet.Rule{Network: "x", Op: fakenet.AnyOp, Mode: fakenet.ModeDelay, DelayMS: 1}); err != nil {
		t.Fatal(err)
	}
	rule := `{"network":"x","op":"create","mode":"error","status":503}`
	controls := []struct{ method, target, contentType, body string }{
		{"GET", "/_sandbox/posts", "", ""},
		{"GET", "/_sandbox/posts?network=x", "", ""},
		{"GET", "/_sandbox/faults", "", ""},
		{"POST", "/_sandbox/faults", "application/json", rule},
		{"DELETE", "/_sandbox/faults", "", ""},
		{"GET", "/_sandbox/health", "", ""},
		{"GET", "/_sandbox/other", "", ""},
	}

	t.Run("others get 403 with a JSON error", func(t *testing.T) {
		for _, addr := range []string{"192.0.2.1:1234", "10.0.0.7:80", "[2001:db8::1]:443", "[::ffff:192.0.2.1]:1234", "[fe80::1%eth0]:1", "128.0.0.1:1", "[::]:1", "0.0.0.0:1", "garbage"} {
			for _, c := range controls {
				rec := serve(h, addr, c.method, c.target, c.contentType, c.body)
				var body struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				err := json.Unmarshal(rec.Body.Bytes(), &body)
				if rec.Code != http.StatusForbidden || err != nil || body.Error.Code != "forbidden" || !strings.Contains(rec.Header().Get("Content-Type"), "json") {
					t.Errorf("%s %s from %s = %d %q (%s), want 403 with a JSON forbidden error", c.method, c.target, addr, rec.Code, rec.Body, rec.Header().Get("Content-Type"))
				}
			}
		}
		if rules := s.Faults().Rules(); len(rules) != 1 || rules[0].Mode != fakenet.ModeDelay {
			t.Errorf("fault rules after the refused requests = %+v, want the one rule untouched", rules)
		}
	})

	t.Run("loopback is served", func(t *testing.T) {
		for _, addr := range []string{"127.0.0.1:5555", "127.8.9.10:1", "[::1]:5555", "[::ffff:127.0.0.1]:80"} {
			if rec := serve(h, addr, "GET", "/_sandbox/health", "", ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"ok"`) {
				t.Errorf("GET /_sandbox/health from %s = %d %q, want 200 ok", addr, rec.Code, rec.Body)
			}
		}
		if rec := serve(h, "127.0.0.1:5555", "GET", "/_sandbox/faults", "", ""); rec.Code != http.StatusOK {
			t.Errorf("GET /_sandbox/faults from loopback = %d %q, want 200", rec.Code, rec.Body)
		}
		if rec := serve(h, "[::1]:5555", "POST", "/_sandbox/faults", "application/json", rule); rec.Code != http.StatusCreated {
			t.Errorf("POST /_sandbox/faults from loopback = %d %q, want 201", rec.Code, rec.Body)
		}
		if rec := serve(h, "127.0.0.1:5555", "GET", "/_sandbox/other", "", ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET /_sandbox/other from loopback = %d %q, want 404", rec.Code, rec.Body)
		}
		if rec := serve(h, "127.0.0.1:5555", "DELETE", "/_sandbox/faults", "", ""); rec.Code != http.StatusOK {
			t.Errorf("DELETE /_sandbox/faults from loopback = %d %q, want 200", rec.Code, rec.Body)
		}
	})

	t.Run("the fakes answer anyone", func(t *testing.T) {
		form := url.Values{"grant_type": {"refresh_token"}, "client_id": {ytfake.ClientID}, "client_secret": {ytfake.ClientSecret},
			"refresh_token": {ytfake.RefreshToken("canal")}}
		rec := serve(h, "192.0.2.1:1234", "POST", "/youtube/token", "application/x-www-form-urlencoded", form.Encode())
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "access_token") {
			t.Errorf("POST /youtube/token from 192.0.2.1 = %d %q, want 200 with a token", rec.Code, rec.Body)
		}
		if rec := serve(h, "192.0.2.1:1234", "GET", "/x/2/users/me", "", ""); rec.Code != http.StatusUnauthorized {
			t.Errorf("GET /x/2/users/me unsigned from 192.0.2.1 = %d %q, want the fake's own refusal, 401", rec.Code, rec.Body)
		}
	})
}

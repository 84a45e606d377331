package x_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/x"
	"pregonero/logtest"
)

// echoServer is an X that echoes what it was sent in its error answers:
// the Authorization header, the form of a token request, and the
// credentials the test tells it of (known). It remembers the OAuth 1.0a
// signatures it saw; secrets and the signatures must show nowhere.
type echoServer struct {
	t       *testing.T
	known   []string
	secrets []string
	// create and me are the answers to POST /2/tweets and GET
	// /2/users/me: a status and a body made from the echo text.
	create, me func(echo string) (int, string)
	// token answers POST /2/oauth2/token.
	token func(echo string) (int, string)

	mu         sync.Mutex
	signatures []string
}

var signatureRE = regexp.MustCompile(`oauth_signature="([^"]*)"`)

func (s *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	auth := r.Header.Get("Authorization")
	if m := signatureRE.FindStringSubmatch(auth); m != nil {
		dec, _ := url.PathUnescape(m[1])
		s.mu.Lock()
		s.signatures = append(s.signatures, m[1], dec)
		s.mu.Unlock()
		// A server may show the signature it computed, decoded.
		auth += " (computed " + dec + ")"
	}
	echo := fmt.Sprintf("Authorization: %s; body %s; known %s", auth, body, strings.Join(s.known, " "))
	var answer func(string) (int, string)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
		answer = s.create
	case r.Method == http.MethodGet && r.URL.Path == "/2/users/me":
		answer = s.me
	case r.Method == http.MethodPost && r.URL.Path == "/2/oauth2/token":
		answer = s.token
	}
	if answer == nil {
		http.NotFound(w, r)
		return
	}
	status, out := answer(echo)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, out)
}

// leaks returns the credentials found in any of texts.
func (s *echoServer) leaks(texts ...string) []string {
	s.mu.Lock()
	secrets := append(append([]string(nil), s.secrets...), s.signatures...)
	s.mu.Unlock()
	var out []string
	for _, secret := range secrets {
		for _, text := range texts {
			if secret != "" && strings.Contains(text, secret) {
				out = append(out, fmt.Sprintf("%q in %q", secret, text))
			}
		}
	}
	return out
}

// problemJSON is an X problem whose detail is the echo.
func problemJSON(status int, echo string) string {
	return fmt.Sprintf(`{"title":"Refused","type":"about:blank","status":%d,"detail":%q}`, status, echo)
}

func created(string) (int, string) { return 201, `{"data":{"id":"1900000000000000001","text":"hola"}}` }

func startEcho(t *testing.T, s *echoServer) (*x.Adapter, *logtest.Buffer, string) {
	t.Helper()
	s.t = t
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	logs := &logtest.Buffer{}
	a := x.New(x.Config{HTTPClient: srv.Client(), Logger: logs.Logger(), Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	return a, logs, srv.URL
}

func publishError(t *testing.T, a *x.Adapter, acct *pregonero.Account) *pregonero.PublishError {
	t.Helper()
	_, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "hola"}, acct)
	if err == nil {
		t.Fatal("Publish succeeded, want an error")
	}
	return pregonero.AsPublishError(err)
}

func TestEchoedCredentialsAreScrubbed(t *testing.T) {
	const (
		consumerKey    = "ck-Zx81KqPl0aM3nVb7"
		consumerSecret = "cs-Qw3eRt5yUi7oP9aSdF1gHj3kL"
		token1a        = "1234567890-AtOkEnWxYz0987654321"
		tokenSecret    = "ts-Mn2bV4cX6zL8kJ0hG"
		accessToken    = "at-b2F1dGgyIGFjY2VzcyB0b2tlbiBvbmU"
		newAccess      = "at-bmV3IGFjY2VzcyB0b2tlbiB0d28"
		refreshToken   = "rt-cmVmcmVzaCB0b2tlbiBvbmU"
		newRefresh     = "rt-bmV3IHJlZnJlc2ggdG9rZW4"
		clientSecret   = "csec-Y2xpZW50IHNlY3JldA"
		clientID       = "Y2xpZW50IGlk"
	)
	oauth1Creds := map[string]string{x.CredConsumerKey: consumerKey, x.CredConsumerSecret: consumerSecret,
		x.CredAccessToken: token1a, x.CredAccessTokenSecret: tokenSecret}
	oauth1Secrets := []string{consumerKey, consumerSecret, token1a, tokenSecret,
		// the HMAC-SHA1 key of the signature
		url.QueryEscape(consumerSecret) + "&" + url.QueryEscape(tokenSecret)}
	oauth2Creds := map[string]string{x.CredClientID: clientID, x.CredClientSecret: clientSecret,
		x.CredAccessToken: accessToken, x.CredRefreshToken: refreshToken}
	basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID) + ":" + url.QueryEscape(clientSecret)))
	oauth2Known := []string{accessToken, refreshToken, clientSecret, basic}
	oauth2Secrets := append([]string{newAccess, newRefresh}, oauth2Known...)
	account := func(endpoint string, creds map[string]string) *pregonero.Account {
		return &pregonero.Account{ID: "x-echo", Network: pregonero.NetworkX, RemoteID: "42", Endpoint: endpoint, Credentials: creds}
	}
	check := func(t *testing.T, s *echoServer, logs *logtest.Buffer, pe *pregonero.PublishError) {
		t.Helper()
		if pe != nil {
			if pe.NetworkMessage == "" {
				t.Error("got no network message, want X's words without the credentials")
			}
			for _, leak := range s.leaks(pe.Message, pe.NetworkMessage, pe.Error()) {
				t.Errorf("the error shows a credential: %s", leak)
			}
		}
		for _, leak := range s.leaks(logs.String()) {
			t.Errorf("the log shows a credential: %s", leak)
		}
	}

	t.Run("OAuth1aCreateRefusal", func(t *testing.T) {
		s := &echoServer{known: oauth1Secrets, secrets: oauth1Secrets, create: func(echo string) (int, string) { return 403, problemJSON(403, echo) }}
		a, logs, base := startEcho(t, s)
		pe := publishError(t, a, account(base, oauth1Creds))
		if pe.Code != "x_forbidden" || !strings.Contains(pe.Message, x.Redacted) {
			t.Errorf("got %s: %q, want x_forbidden with X's words and credentials redacted", pe.Code, pe.Message)
		}
		check(t, s, logs, pe)
	})
	t.Run("CredentialsOfOthersByTheirNames", func(t *testing.T) {
		others := []string{"AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid", "b3RoZXIgYWNjZXNzIHRva2Vu", "ot-1Zx9Qa8", "b3RoZXIgcmVmcmVzaA", "c2lnbmF0dXJl%3D", "c2VjcmV0MQ"}
		words := `Bearer ` + others[0] + ` refused (access_token=` + others[1] + `&oauth_token=` + others[2] + `); {"refresh_token":"` + others[3] +
			`"} oauth_signature="` + others[4] + `", client_secret=` + others[5] + `. A Bearer token is needed; Basic tier.`
		s := &echoServer{secrets: others, create: func(string) (int, string) { return 403, problemJSON(403, words) }}
		a, logs, base := startEcho(t, s)
		pe := publishError(t, a, account(base, oauth1Creds))
		if !strings.Contains(pe.NetworkMessage, "A Bearer token is needed; Basic tier.") {
			t.Errorf("got network message %q, want X's words that are no credential kept", pe.NetworkMessage)
		}
		check(t, s, logs, pe)
	})
	t.Run("OAuth1aLookupFailureLogged", func(t *testing.T) {
		s := &echoServer{known: oauth1Secrets, secrets: oauth1Secrets, create: created,
			me: func(echo string) (int, string) { return 502, "<html>Bad Gateway: " + echo + "</html>" }}
		a, logs, base := startEcho(t, s)
		acct := account(base, oauth1Creds)
		if _, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "hola"}, acct); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if !strings.Contains(logs.String(), "username lookup failed") {
			t.Fatalf("got logs %q, want the failed lookup logged", logs.String())
		}
		check(t, s, logs, nil)
	})
	t.Run("OAuth2CreateRefusal", func(t *testing.T) {
		s := &echoServer{known: oauth2Known, secrets: oauth2Secrets, create: func(echo string) (int, string) {
			return 400, fmt.Sprintf(`{"title":"Invalid Request","detail":%q,"errors":[{"message":%q}]}`,
				echo, `{"access_token":"`+accessToken+`","refresh_token":"`+refreshToken+`"}`)
		}}
		a, logs, base := startEcho(t, s)
		pe := publishError(t, a, account(base, oauth2Creds))
		adaptertest.WantClass(t, pe, pregonero.ClassPermanent)
		check(t, s, logs, pe)
	})
	t.Run("OAuth2LookupFailureLogged", func(t *testing.T) {
		s := &echoServer{known: oauth2Known, secrets: oauth2Secrets, create: created,
			me: func(echo string) (int, string) { return 500, problemJSON(500, echo) }}
		a, logs, base := startEcho(t, s)
		acct := account(base, oauth2Creds)
		if _, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "hola"}, acct); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if !strings.Contains(logs.String(), "username lookup failed") {
			t.Fatalf("got logs %q, want the failed lookup logged", logs.String())
		}
		check(t, s, logs, nil)
	})
	t.Run("OAuth2RenewedTokenRefusal", func(t *testing.T) {
		s := &echoServer{known: oauth2Known, secrets: oauth2Secrets,
			token: func(string) (int, string) {
				return 200, `{"token_type":"bearer","expires_in":7200,"access_token":"` + newAccess + `","refresh_token":"` + newRefresh + `"}`
			},
			create: func(echo string) (int, string) {
				if strings.Contains(echo, "Bearer "+newAccess) {
					return 403, problemJSON(403, "you sent "+newAccess+" after refreshing with "+refreshToken+", got "+newRefresh)
				}
				return 401, problemJSON(401, echo)
			}}
		a, logs, base := startEcho(t, s)
		pe := publishError(t, a, account(base, oauth2Creds))
		if pe.Code != "x_forbidden" {
			t.Errorf("got code %q, want x_forbidden from the second create", pe.Code)
		}
		check(t, s, logs, pe)
	})
	for _, tc := range []struct {
		name  string
		token func(echo string) (int, string)
	}{
		{"OAuth2RefreshRefusedWithDescription", func(echo string) (int, string) {
			return 400, fmt.Sprintf(`{"error":"invalid_request","error_description":%q}`, "Value passed for the token was invalid: "+echo)
		}},
		{"OAuth2RefreshRefusedWithPlainBody", func(echo string) (int, string) { return 400, "refused " + echo }},
		{"OAuth2RefreshFailedWithServerError", func(echo string) (int, string) {
			return 503, `{"message":"` + strings.ReplaceAll(echo, `"`, `'`) + `"}`
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &echoServer{known: oauth2Known, secrets: oauth2Secrets, token: tc.token,
				create: func(echo string) (int, string) { return 401, problemJSON(401, echo) }}
			a, logs, base := startEcho(t, s)
			pe := publishError(t, a, account(base, oauth2Creds))
			if pe.Code != "x_refresh_failed" {
				t.Errorf("got code %q, want x_refresh_failed", pe.Code)
			}
			check(t, s, logs, pe)
		})
	}
}

package x_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/x"
	"pregonero/adapters/x/fake"
)

func TestCheckCredentials(t *testing.T) {
	e := newEnv(t, envOption{})
	var _ pregonero.Checker = e.adapter

	accounts := map[string]func(name string) *pregonero.Account{"OAuth1": e.oauth1, "OAuth2": e.oauth2}
	for kind, account := range accounts {
		t.Run(kind, func(t *testing.T) {
			t.Run("AcceptedIsNil", func(t *testing.T) {
				if err := e.adapter.CheckCredentials(ctxT(t), account("ok"+kind)); err != nil {
					t.Fatalf("CheckCredentials: %v", err)
				}
			})
			t.Run("RateLimitedIsAPlainError", func(t *testing.T) {
				wantPlain(t, e, account("limited"+kind), fakenet.Rule{Network: fake.Network, Op: fake.OpLookup, Mode: fakenet.ModeError, Status: http.StatusTooManyRequests, Probability: 1, Count: 1})
			})
			t.Run("ServerErrorIsAPlainError", func(t *testing.T) {
				wantPlain(t, e, account("down"+kind), fakenet.Rule{Network: fake.Network, Op: fake.OpLookup, Mode: fakenet.ModeError, Status: http.StatusServiceUnavailable, Probability: 1, Count: 1})
			})
			t.Run("UnreachableIsAPlainError", func(t *testing.T) {
				srv := httptest.NewServer(http.NotFoundHandler())
				srv.Close()
				a := account("gone" + kind)
				a.Endpoint = srv.URL
				err := e.adapter.CheckCredentials(ctxT(t), a)
				var pe *pregonero.PublishError
				if err == nil || errors.As(err, &pe) {
					t.Fatalf("got %v, want a plain error", err)
				}
				var ue *url.Error
				if !errors.As(err, &ue) {
					t.Errorf("got %v, want the transport failure kept as the cause", err)
				}
			})
		})
	}

	t.Run("OAuth1RefusedNeedsReauth", func(t *testing.T) {
		a := e.oauth1("bad1")
		a.Credentials[x.CredAccessTokenSecret] = "wrong-secret"
		pe := adaptertest.WantClass(t, e.adapter.CheckCredentials(ctxT(t), a), pregonero.ClassNeedsReauth)
		if pe.NetworkMessage != "Unauthorized" || pe.HTTPStatus != http.StatusUnauthorized {
			t.Errorf("got network message %q and status %d, want X's 401 words", pe.NetworkMessage, pe.HTTPStatus)
		}
	})
	t.Run("OAuth2InvalidTokenWithoutRefreshNeedsReauth", func(t *testing.T) {
		a := e.oauth2("bad2")
		a.Credentials[x.CredAccessToken] = "revoked-access-token"
		delete(a.Credentials, x.CredRefreshToken)
		pe := adaptertest.WantClass(t, e.adapter.CheckCredentials(ctxT(t), a), pregonero.ClassNeedsReauth)
		if pe.Code != "x_token_expired" || pe.NetworkMessage != "Unauthorized" || pe.HTTPStatus != http.StatusUnauthorized {
			t.Errorf("got code %q, network message %q, status %d; want x_token_expired with X's 401 words", pe.Code, pe.NetworkMessage, pe.HTTPStatus)
		}
	})
	t.Run("OAuth2RefreshRefusedNeedsReauth", func(t *testing.T) {
		a := e.oauth2("bad3")
		a.Credentials[x.CredRefreshToken] = "revoked-refresh-token"
		pe := adaptertest.WantClass(t, e.adapter.CheckCredentials(ctxT(t), a), pregonero.ClassNeedsReauth)
		if pe.Code != "x_refresh_failed" || pe.NetworkMessage != "Value passed for the token was invalid." {
			t.Errorf("got code %q and network message %q, want x_refresh_failed with X's words", pe.Code, pe.NetworkMessage)
		}
	})
	t.Run("NoCredentialsNeedReauth", func(t *testing.T) {
		a := e.oauth1("none")
		a.Credentials = nil
		adaptertest.WantClass(t, e.adapter.CheckCredentials(ctxT(t), a), pregonero.ClassNeedsReauth)
	})
}

// wantPlain checks that a credential check that X cannot answer is an
// error that is no verdict on the credentials.
func wantPlain(t *testing.T, e *env, a *pregonero.Account, r fakenet.Rule) {
	t.Helper()
	if _, err := e.fake.Faults().Add(r); err != nil {
		t.Fatalf("add fault: %v", err)
	}
	t.Cleanup(func() { e.fake.Faults().Clear() })
	err := e.adapter.CheckCredentials(ctxT(t), a)
	var pe *pregonero.PublishError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("got %v, want a plain error", err)
	}
	if !strings.Contains(err.Error(), a.ID) {
		t.Errorf("got %q, want it to name the account", err)
	}
}

// tokenRequests records the token requests a fake receives.
type tokenRequests struct {
	mu   sync.Mutex
	reqs []url.Values
	auth []string
}

func (tr *tokenRequests) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2/oauth2/token" {
			b, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(b))
			tr.mu.Lock()
			tr.reqs = append(tr.reqs, form)
			tr.auth = append(tr.auth, r.Header.Get("Authorization"))
			tr.mu.Unlock()
			r.Body = io.NopCloser(strings.NewReader(string(b)))
		}
		h.ServeHTTP(w, r)
	})
}

func TestOAuth2PublicClient(t *testing.T) {
	tr := &tokenRequests{}
	e := newEnv(t, envOption{wrap: tr.wrap})
	acct := e.oauth2("publico")
	acct.Credentials[x.CredClientID] = fake.PublicClientID
	delete(acct.Credentials, x.CredClientSecret)

	r, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Desde un cliente público"}, acct)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if len(e.posts("publico")) != 1 || r.RemoteID == "" {
		t.Fatalf("got posts %+v, want one", e.posts("publico"))
	}
	stored := e.store.get(acct.ID)
	if stored[x.CredRefreshToken] == "" || stored[x.CredRefreshToken] == fake.SeedRefreshToken("publico") {
		t.Errorf("got stored refresh token %q, want the rotated one", stored[x.CredRefreshToken])
	}
	tr.mu.Lock()
	reqs, auth := tr.reqs, tr.auth
	tr.mu.Unlock()
	if len(reqs) != 1 || reqs[0].Get("client_id") != fake.PublicClientID || reqs[0].Has("client_secret") || auth[0] != "" {
		t.Errorf("got token requests %v with Authorization %q, want one with client_id in the form and no secret", reqs, auth)
	}

	t.Run("RotatedTokenRenewsAgain", func(t *testing.T) {
		// The stored access token is refused once its family moves on:
		// the stored refresh token must still work for the public client.
		e.clock.Advance(fake.AccessTokenLifetime)
		if err := e.adapter.CheckCredentials(ctxT(t), acct); err != nil {
			t.Fatalf("CheckCredentials after expiry: %v", err)
		}
		if after := e.store.get(acct.ID); after[x.CredRefreshToken] == stored[x.CredRefreshToken] {
			t.Error("got the same refresh token, want a rotated one")
		}
	})
	t.Run("ConfidentialClientWithoutSecretNeedsReauth", func(t *testing.T) {
		a := e.oauth2("sinsecreto")
		delete(a.Credentials, x.CredClientSecret)
		pe := adaptertest.WantClass(t, e.adapter.CheckCredentials(ctxT(t), a), pregonero.ClassNeedsReauth)
		if pe.NetworkMessage != "Missing valid authorization header" {
			t.Errorf("got network message %q, want X's words", pe.NetworkMessage)
		}
	})
}

func TestReceiptURLUnderLinkBase(t *testing.T) {
	e := newEnv(t, envOption{})
	acct := e.oauth1("enlaces")
	acct.LinkBase = e.base + "/"
	r, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Con enlace al sandbox"}, acct)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if want := e.base + "/enlaces/status/" + r.RemoteID; r.URL != want {
		t.Fatalf("got URL %q, want %q", r.URL, want)
	}
	// The sandbox serves the page the link opens (adapters/sandbox).

	t.Run("WithoutUsername", func(t *testing.T) {
		a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/2/tweets" {
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, `{"data":{"id":"1445880548472328192","text":"hola","edit_history_tweet_ids":["1445880548472328192"]}}`)
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		acct.LinkBase = "http://127.0.0.1:8090/x"
		r, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "hola"}, acct)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if want := "http://127.0.0.1:8090/x/i/web/status/1445880548472328192"; r.URL != want {
			t.Errorf("got URL %q, want %q", r.URL, want)
		}
	})
}

package x_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/x"
	"pregonero/adapters/x/fake"
)

// tokenWatch counts token requests and remembers the bearer token of every
// create, checking that the store already held it when it reached X.
type tokenWatch struct {
	e         *env
	accountID string

	mu         sync.Mutex
	creates    []string
	violations []string
	tokenReqs  atomic.Int32
}

func (w *tokenWatch) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2/oauth2/token" {
			w.tokenReqs.Add(1)
		}
		if r.Method == http.MethodPost && r.URL.Path == "/2/tweets" {
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			w.mu.Lock()
			w.creates = append(w.creates, tok)
			if stored := w.e.store.get(w.accountID)[x.CredAccessToken]; tok != "stale-token" && stored != tok {
				w.violations = append(w.violations, fmt.Sprintf("create sent token %.12s… while the store held %.12s…", tok, stored))
			}
			w.mu.Unlock()
		}
		h.ServeHTTP(rw, r)
	})
}

func (w *tokenWatch) createTokens() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.creates...)
}

func TestOAuth2RotatingRefresh(t *testing.T) {
	w := &tokenWatch{accountID: "x-rotor"}
	e := newEnv(t, envOption{wrap: w.wrap})
	w.e = e
	acct := e.oauth2("rotor")
	acct.Credentials[x.CredAccessToken] = "stale-token"

	t.Run("RefusedTokenIsRenewedStoredThenUsed", func(t *testing.T) {
		r, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Primera"}, acct)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		creates := w.createTokens()
		stored := e.store.get(acct.ID)
		if len(creates) != 2 || creates[0] != "stale-token" || creates[1] != stored[x.CredAccessToken] {
			t.Fatalf("got create tokens %q, want the stale one then the stored new one", creates)
		}
		if len(w.violations) > 0 {
			t.Errorf("tokens used before they were stored: %v", w.violations)
		}
		if rt := stored[x.CredRefreshToken]; rt == "" || rt == fake.SeedRefreshToken("rotor") {
			t.Errorf("got stored refresh token %q, want the rotated one", rt)
		}
		if want := e.clock.Now().Add(fake.AccessTokenLifetime).Format(time.RFC3339); stored[x.CredExpiry] != want {
			t.Errorf("got stored expiry %q, want %q", stored[x.CredExpiry], want)
		}
		if got := w.tokenReqs.Load(); got != 1 {
			t.Errorf("got %d token requests, want 1", got)
		}
		if len(e.posts("rotor")) != 1 || r.URL != "https://x.com/rotor/status/"+r.RemoteID {
			t.Errorf("got posts %+v and URL %q, want one post at its address", e.posts("rotor"), r.URL)
		}
	})
	t.Run("StoredTokensTakePrecedenceOverConfiguredOnes", func(t *testing.T) {
		// A new process: same store, same configuration, whose refresh
		// token is already spent.
		a := x.New(x.Config{Credentials: e.store, Now: e.clock.Now, Logger: discard})
		if _, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Segunda"}, acct); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if got := w.tokenReqs.Load(); got != 1 {
			t.Errorf("got %d token requests, want still 1", got)
		}
	})
	t.Run("ExpiringTokenIsRenewedBeforeUse", func(t *testing.T) {
		before := e.store.get(acct.ID)
		e.clock.Advance(fake.AccessTokenLifetime - 30*time.Second)
		n := len(w.createTokens())
		if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Tercera"}, acct); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if got := w.tokenReqs.Load(); got != 2 {
			t.Errorf("got %d token requests, want 2", got)
		}
		if got := len(w.createTokens()) - n; got != 1 {
			t.Errorf("got %d create requests, want 1: the token was renewed before X refused it", got)
		}
		if after := e.store.get(acct.ID); after[x.CredRefreshToken] == before[x.CredRefreshToken] {
			t.Error("got the same refresh token after renewal, want a rotated one")
		}
		if len(w.violations) > 0 {
			t.Errorf("tokens used before they were stored: %v", w.violations)
		}
	})
	t.Run("ReusedRefreshTokenNeedsReauth", func(t *testing.T) {
		// Without the store, only the configured, spent refresh token is
		// left.
		a := x.New(x.Config{Credentials: newCredStore(), Now: e.clock.Now, Logger: discard})
		_, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Cuarta"}, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
		if pe.Code != "x_refresh_failed" || pe.NetworkMessage != "Value passed for the token was invalid." {
			t.Errorf("got code %q and network message %q, want x_refresh_failed and X's message", pe.Code, pe.NetworkMessage)
		}
		if !strings.Contains(pe.Message, "re-authorize") {
			t.Errorf("got message %q, want it to tell to re-authorize", pe.Message)
		}
	})
}

func TestOAuth2ConcurrentPublishesRefreshOnce(t *testing.T) {
	w := &tokenWatch{accountID: "x-crowd"}
	e := newEnv(t, envOption{wrap: w.wrap})
	w.e = e
	acct := e.oauth2("crowd")
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: fmt.Sprintf("Mensaje %d", i)}, acct)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Publish %d: %v", i, err)
		}
	}
	if got := w.tokenReqs.Load(); got != 1 {
		t.Errorf("got %d token requests, want 1: refreshes must be serialized", got)
	}
	if got := len(e.posts("crowd")); got != 6 {
		t.Errorf("got %d posts, want 6", got)
	}
}

func TestOAuth2TokenNotStoredIsStoredBeforeAnySend(t *testing.T) {
	w := &tokenWatch{accountID: "x-unsaved"}
	e := newEnv(t, envOption{wrap: w.wrap})
	w.e = e
	acct := e.oauth2("unsaved")
	e.store.setFailPut(errors.New("disk full"))
	_, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Uno"}, acct)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.Code != "x_credentials_unsaved" {
		t.Errorf("got code %q, want x_credentials_unsaved", pe.Code)
	}
	if got := len(w.createTokens()); got != 0 {
		t.Fatalf("got %d create requests, want none", got)
	}
	e.store.setFailPut(nil)
	if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Uno"}, acct); err != nil {
		t.Fatalf("Publish after the store recovered: %v", err)
	}
	if got := w.tokenReqs.Load(); got != 1 {
		t.Errorf("got %d token requests, want 1: the spent refresh token must not be used again", got)
	}
	if e.store.putCount() != 1 || len(w.violations) > 0 {
		t.Errorf("got %d stores and violations %v, want the token stored once before use", e.store.putCount(), w.violations)
	}
}

func TestOAuth2StoredCredentials(t *testing.T) {
	t.Run("ChangedConfigurationWinsOverOldStoredTokens", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth2("reauthed")
		acct.Credentials = map[string]string{x.CredAccessToken: fake.AccessToken("reauthed")}
		e.store.PutCredentials(ctxT(t), acct.ID, map[string]string{x.CredAccessToken: "revoked", x.CredConfigFingerprint: "from-an-older-configuration"})
		if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola"}, acct); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	})
	t.Run("StoredTokensWithoutFingerprintWin", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth2("stored")
		acct.Credentials = map[string]string{x.CredAccessToken: fake.AccessToken("stored")}
		e.store.PutCredentials(ctxT(t), acct.ID, map[string]string{x.CredAccessToken: "revoked"})
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola"}, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
		if pe.Code != "x_token_expired" {
			t.Errorf("got code %q, want x_token_expired", pe.Code)
		}
	})
}

func TestOAuth2UnreadableStoredTokens(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		wantClass pregonero.ErrorClass
	}{
		// The rotated token may be the only valid one: retrying cannot help.
		{"SealedWithAnotherKeyNeedsReauth", fmt.Errorf("credentials of account a: wrong secret key (%w)", pregonero.ErrSealedCredentials), pregonero.ClassNeedsReauth},
		{"StoreHiccupIsRetryable", errors.New("disk busy"), pregonero.ClassRetryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOption{})
			acct := e.oauth2("sealed")
			e.store.mu.Lock()
			e.store.failGet = tc.err
			e.store.mu.Unlock()
			_, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola"}, acct)
			adaptertest.WantClass(t, err, tc.wantClass)
			if n := len(e.fake.Ledger().Posts()); n != 0 {
				t.Errorf("got %d posts, want none", n)
			}
		})
	}
}

func TestOAuth2StillRefusedAfterRefreshNeedsReauth(t *testing.T) {
	var creates, refreshes atomic.Int32
	a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/2/oauth2/token":
			refreshes.Add(1)
			if id, secret, ok := r.BasicAuth(); !ok || id != "cid" || secret != "csecret" {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error":"unauthorized_client","error_description":"Missing valid authorization header"}`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"token_type":"bearer","expires_in":7200,"access_token":"fresh","scope":"tweet.write","refresh_token":"r2"}`)
		case "/2/tweets":
			creates.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
		}
	})
	acct.Credentials = map[string]string{x.CredClientID: "cid", x.CredClientSecret: "csecret", x.CredAccessToken: "old", x.CredRefreshToken: "r1"}
	_, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola"}, acct)
	pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
	if pe.Code != "x_unauthorized" {
		t.Errorf("got code %q, want x_unauthorized", pe.Code)
	}
	if creates.Load() != 2 || refreshes.Load() != 1 {
		t.Errorf("got %d creates and %d refreshes, want 2 and 1", creates.Load(), refreshes.Load())
	}
}

func TestOAuth2TokenEndpointDownIsRetryable(t *testing.T) {
	a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	acct.Credentials = map[string]string{x.CredClientID: "cid", x.CredClientSecret: "csecret", x.CredRefreshToken: "r1"}
	_, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola"}, acct)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.HTTPStatus != http.StatusServiceUnavailable {
		t.Errorf("got HTTP status %d, want 503", pe.HTTPStatus)
	}
}

func TestMissingCredentialsNeedReauth(t *testing.T) {
	tests := []struct {
		name  string
		creds map[string]string
		want  string
	}{
		{"NoneAtAll", nil, "no OAuth 1.0a"},
		{"IncompleteOAuth1", map[string]string{x.CredConsumerKey: "ck", x.CredAccessToken: "at"}, "consumer_secret, access_token_secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := x.New(x.Config{Logger: discard})
			acct := &pregonero.Account{ID: "x-empty", Network: pregonero.NetworkX, Endpoint: "http://127.0.0.1:1", Credentials: tt.creds}
			_, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola"}, acct)
			pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
			if pe.Code != "x_no_credentials" || !strings.Contains(pe.Message, tt.want) {
				t.Errorf("got %q: %q, want x_no_credentials naming %q", pe.Code, pe.Message, tt.want)
			}
		})
	}
}

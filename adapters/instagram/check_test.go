package instagram_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

// igLoginAccount returns an account with Instagram Login of a new
// Instagram user.
func (e *env) igLoginAccount(name string) *pregonero.Account {
	ig := fake.LinkedInstagram(e.page())
	return &pregonero.Account{ID: "ig-" + name, Network: pregonero.NetworkInstagram, Name: name, RemoteID: ig, Endpoint: e.base,
		Status:      pregonero.AccountActive,
		Credentials: map[string]string{graph.CredAccessToken: fake.InstagramToken(ig), instagram.CredLogin: instagram.LoginInstagram}}
}

func wantReauth(t *testing.T, err error, code string) *pregonero.PublishError {
	t.Helper()
	var pe *pregonero.PublishError
	if !errors.As(err, &pe) || pe.Class != pregonero.ClassNeedsReauth {
		t.Fatalf("CheckCredentials = %v, want a needs_reauth PublishError", err)
	}
	if code != "" && pe.Code != code {
		t.Errorf("code = %q, want %q", pe.Code, code)
	}
	return pe
}

func wantPlain(t *testing.T, err error) {
	t.Helper()
	var pe *pregonero.PublishError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("CheckCredentials = %#v, want a plain error", err)
	}
}

func TestCheckCredentialsAccepted(t *testing.T) {
	e := newEnv(t, envOptions{})
	for name, a := range map[string]*pregonero.Account{
		"facebook login":                e.account("fb"),
		"instagram login":               e.igLoginAccount("ig"),
		"instagram login, no remote id": func() *pregonero.Account { a := e.igLoginAccount("ig-no-id"); a.RemoteID = ""; return a }(),
		"facebook login, page_id": func() *pregonero.Account {
			a := e.account("fb-page")
			a.Credentials[instagram.CredPageID] = strings.TrimPrefix(a.Credentials[graph.CredAccessToken], "sandbox-page-")
			a.RemoteID = ""
			return a
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			if err := e.adapter.CheckCredentials(ctx(t), a); err != nil {
				t.Fatalf("CheckCredentials: %v", err)
			}
		})
	}
}

func TestCheckCredentialsRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	t.Run("facebook login, token of another page", func(t *testing.T) {
		a, other := e.account("a"), e.account("b")
		a.Credentials[graph.CredAccessToken] = other.Credentials[graph.CredAccessToken]
		pe := wantReauth(t, e.adapter.CheckCredentials(ctx(t), a), "instagram_account_not_visible")
		if pe.NetworkMessage == "" {
			t.Error("no network message")
		}
	})
	t.Run("instagram login, token of another account", func(t *testing.T) {
		a, other := e.igLoginAccount("a"), e.igLoginAccount("b")
		a.Credentials[graph.CredAccessToken] = other.Credentials[graph.CredAccessToken]
		pe := wantReauth(t, e.adapter.CheckCredentials(ctx(t), a), "instagram_wrong_account")
		if !strings.Contains(pe.Message, other.RemoteID) || !strings.Contains(pe.Message, a.RemoteID) {
			t.Errorf("message %q names not both accounts", pe.Message)
		}
	})
	t.Run("unparseable token", func(t *testing.T) {
		for _, a := range []*pregonero.Account{e.account("c"), e.igLoginAccount("c")} {
			a.Credentials[graph.CredAccessToken] = "revoked-token"
			pe := wantReauth(t, e.adapter.CheckCredentials(ctx(t), a), "instagram_token_invalid")
			if pe.NetworkMessage != "Invalid OAuth access token - Cannot parse access token" {
				t.Errorf("network message = %q, want Graph's", pe.NetworkMessage)
			}
		}
	})
	for _, tt := range []struct {
		code, subcode, status int
		want                  string
	}{
		{190, 458, 400, "instagram_token_invalid"},
		{190, 460, 400, "instagram_token_invalid"},
		{190, 463, 400, "instagram_token_invalid"},
		{190, 467, 400, "instagram_token_invalid"},
		{10, 0, 403, "instagram_permission"},
		{200, 0, 403, "instagram_permission"},
	} {
		t.Run(fmt.Sprintf("code %d/%d", tt.code, tt.subcode), func(t *testing.T) {
			for _, a := range []*pregonero.Account{e.account("d"), e.igLoginAccount("d")} {
				e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: tt.status, Code: tt.code, Subcode: tt.subcode, Count: 1})
				pe := wantReauth(t, e.adapter.CheckCredentials(ctx(t), a), tt.want)
				if pe.NetworkMessage == "" || pe.HTTPStatus != tt.status {
					t.Errorf("network message %q, status %d; want Graph's words and %d", pe.NetworkMessage, pe.HTTPStatus, tt.status)
				}
			}
		})
	}
}

func TestCheckCredentialsUnanswered(t *testing.T) {
	e := newEnv(t, envOptions{clock: fakenet.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))})
	for _, tt := range []struct {
		name                  string
		status, code, subcode int
	}{
		{"app throttle", 400, 4, 0},
		{"user throttle", 400, 17, 0},
		{"page throttle", 400, 32, 0},
		{"calls per hour", 400, 613, 0},
		{"service error", 503, 2, 0},
		{"unknown error", 500, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, a := range []*pregonero.Account{e.account("e"), e.igLoginAccount("e")} {
				e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: tt.status, Code: tt.code, Subcode: tt.subcode, Count: 1})
				wantPlain(t, e.adapter.CheckCredentials(ctx(t), a))
			}
		})
	}
	t.Run("throttle counted", func(t *testing.T) {
		a := e.account("f")
		e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: 400, Code: 32, Count: 1})
		wantPlain(t, e.adapter.CheckCredentials(ctx(t), a))
		if rem, _, ok := e.adapter.RateLimit(a.ID); !ok || rem != 0 {
			t.Errorf("RateLimit = %d, %v; want the throttle counted (0, true)", rem, ok)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		a := e.account("g")
		a.Endpoint = srv.URL
		wantPlain(t, e.adapter.CheckCredentials(context.Background(), a))
	})
}

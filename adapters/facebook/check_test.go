package facebook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pregonero"
	"pregonero/adapters/facebook"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
)

// wantReauth checks that err is a refusal of the credentials carrying
// Facebook's words.
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

// wantPlain checks that err is a failure to ask, which says nothing of
// the credentials: no PublishError in its chain.
func wantPlain(t *testing.T, err error) {
	t.Helper()
	var pe *pregonero.PublishError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("CheckCredentials = %#v, want a plain error", err)
	}
}

func TestCheckCredentialsAccepted(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	if err := e.adapter.CheckCredentials(context.Background(), a); err != nil {
		t.Fatalf("CheckCredentials: %v", err)
	}
	reqs := e.requests(http.MethodGet, "/me")
	if len(reqs) != 1 || reqs[0].query["fields"] != "id,name" || reqs[0].query["appsecret_proof"] == "" {
		t.Fatalf("requests = %+v, want one GET /me?fields=id,name with appsecret_proof", reqs)
	}
	if _, _, ok := e.adapter.RateLimit(a.ID); !ok {
		t.Error("the check's usage headers were not counted")
	}

	t.Run("page learned from the token", func(t *testing.T) {
		b := e.account()
		page := b.RemoteID
		b.RemoteID = ""
		if err := e.adapter.CheckCredentials(context.Background(), b); err != nil {
			t.Fatalf("CheckCredentials: %v", err)
		}
		before := len(e.requests(http.MethodGet, "/me"))
		r, err := e.adapter.Publish(context.Background(), delivery(b), pregonero.Content{Text: "Tras la verificación"}, b)
		if err != nil || !strings.HasPrefix(r.RemoteID, page+"_") {
			t.Fatalf("Publish = %+v, %v; want a post of page %s", r, err, page)
		}
		if n := len(e.requests(http.MethodGet, "/me")) - before; n != 0 {
			t.Errorf("%d more GET /me after the check, want none", n)
		}
	})
}

func TestCheckCredentialsRefused(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	t.Run("token of another page", func(t *testing.T) {
		a, other := e.account(), e.account()
		a.Credentials["access_token"] = other.Credentials["access_token"]
		pe := wantReauth(t, e.adapter.CheckCredentials(context.Background(), a), "facebook_wrong_page")
		if !strings.Contains(pe.Message, other.RemoteID) || !strings.Contains(pe.Message, a.RemoteID) {
			t.Errorf("message %q names not both pages", pe.Message)
		}
	})
	t.Run("unparseable token", func(t *testing.T) {
		a := e.account()
		a.Credentials["access_token"] = "revoked-token"
		pe := wantReauth(t, e.adapter.CheckCredentials(context.Background(), a), "facebook_token_invalid")
		if pe.NetworkMessage != "Invalid OAuth access token - Cannot parse access token" {
			t.Errorf("network message = %q, want Graph's", pe.NetworkMessage)
		}
	})
	t.Run("wrong app secret", func(t *testing.T) {
		a := e.account()
		a.Credentials["app_secret"] = "not-the-secret"
		pe := wantReauth(t, e.adapter.CheckCredentials(context.Background(), a), "facebook_app_secret")
		if !strings.Contains(pe.NetworkMessage, "appsecret_proof") {
			t.Errorf("network message = %q, want Graph's about appsecret_proof", pe.NetworkMessage)
		}
	})
	t.Run("no token", func(t *testing.T) {
		a := e.account()
		delete(a.Credentials, "access_token")
		wantReauth(t, e.adapter.CheckCredentials(context.Background(), a), "facebook_credentials_missing")
	})
	for _, tt := range []struct {
		code, subcode int
		status        int
		want          string
	}{
		{190, 458, 400, "facebook_token_invalid"},
		{190, 460, 400, "facebook_token_invalid"},
		{190, 463, 400, "facebook_token_invalid"},
		{190, 467, 400, "facebook_token_invalid"},
		{102, 0, 400, "facebook_token_invalid"},
		{10, 0, 403, "facebook_permission"},
		{200, 0, 403, "facebook_permission"},
	} {
		t.Run(fmt.Sprintf("code %d/%d", tt.code, tt.subcode), func(t *testing.T) {
			a := e.account()
			e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: tt.status, Code: tt.code, Subcode: tt.subcode, Count: 1})
			pe := wantReauth(t, e.adapter.CheckCredentials(context.Background(), a), tt.want)
			if pe.NetworkMessage == "" || pe.HTTPStatus != tt.status {
				t.Errorf("network message %q, status %d; want Graph's words and %d", pe.NetworkMessage, pe.HTTPStatus, tt.status)
			}
		})
	}
}

func TestCheckCredentialsUnanswered(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	for _, tt := range []struct {
		name          string
		status        int
		code, subcode int
	}{
		{"app throttle", 400, 4, 0},
		{"user throttle", 400, 17, 0},
		{"page throttle", 400, 32, 0},
		{"calls per hour", 400, 613, 0},
		{"pages BUC throttle", 400, 80001, 0},
		{"service error", 503, 2, 0},
		{"unknown error", 500, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.account()
			e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: tt.status, Code: tt.code, Subcode: tt.subcode, Count: 1})
			wantPlain(t, e.adapter.CheckCredentials(context.Background(), a))
		})
	}
	t.Run("throttle counted", func(t *testing.T) {
		a := e.account()
		e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: 400, Code: 32, Count: 1})
		wantPlain(t, e.adapter.CheckCredentials(context.Background(), a))
		if rem, _, ok := e.adapter.RateLimit(a.ID); !ok || rem != 0 {
			t.Errorf("RateLimit = %d, %v; want the throttle counted (0, true)", rem, ok)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		a := e.account()
		a.Endpoint = srv.URL
		wantPlain(t, e.adapter.CheckCredentials(context.Background(), a))
	})
}

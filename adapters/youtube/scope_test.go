package youtube_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

const (
	forceSSL = "https://www.googleapis.com/auth/youtube.force-ssl"
	upload   = "https://www.googleapis.com/auth/youtube.upload"
	readonly = "https://www.googleapis.com/auth/youtube.readonly"
)

func TestTheRequestedScopeIsForceSSL(t *testing.T) {
	if youtube.Scope != forceSSL || !slices.Equal(youtube.Scopes, []string{forceSSL}) {
		t.Errorf("got Scope %q and Scopes %q, want youtube.force-ssl alone", youtube.Scope, youtube.Scopes)
	}
}

// wantScopeReauth checks that err asks to authorize the channel again
// naming youtube.force-ssl, with Google's words.
func wantScopeReauth(t *testing.T, err error, networkMessage string) *pregonero.PublishError {
	t.Helper()
	pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
	if pe.Code != "youtube_insufficient_scope" {
		t.Errorf("got code %q, want youtube_insufficient_scope", pe.Code)
	}
	if !strings.Contains(pe.Message, forceSSL) || !strings.Contains(pe.Message, "Authorize the channel again") {
		t.Errorf("got message %q, want it to name the scope %s and say to authorize the channel again", pe.Message, forceSSL)
	}
	if !strings.Contains(pe.NetworkMessage, networkMessage) {
		t.Errorf("got network message %q, want %q", pe.NetworkMessage, networkMessage)
	}
	return pe
}

func TestWithdrawWithTheOldScopesNeedsReauthNamingForceSSL(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{Scopes: map[string][]string{"viejo": {upload, readonly}}}})
	a := e.account("viejo")
	c := content(t, "Subido antes", 2000, "viejo")
	c.PublishAt = start.Add(3 * time.Hour)
	d := e.delivery(a)
	r, err := e.adapter.Publish(ctx(t), d, c, a)
	if err != nil {
		t.Fatalf("Publish: %v (youtube.upload allows videos.insert)", err)
	}
	d.RemoteID = r.RemoteID

	err = e.adapter.Withdraw(ctx(t), d, a)
	pe := wantScopeReauth(t, err, "Request had insufficient authentication scopes.")
	if pe.HTTPStatus != 403 || !strings.Contains(pe.Message, upload+" "+readonly) {
		t.Errorf("got status %d and message %q, want 403 and the scopes the grant holds", pe.HTTPStatus, pe.Message)
	}
	if e.fake.Video(r.RemoteID).ID == "" {
		t.Error("the video is gone, want it still on the channel")
	}
	if !strings.Contains(e.logs.String(), "lacks the scope "+forceSSL) {
		t.Errorf("got no warning at the renewal that the grant lacks the scope; logs:\n%s", e.logs.String())
	}
}

func TestForceSSLAllowsEveryCallTheAdapterMakes(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("completo")
	c := content(t, "Completo", 2000, "completo")
	thumb := adaptertest.ImageBlob(t, "image/jpeg", 64, 36, "")
	c.Thumbnail = &thumb
	c.PublishAt = start.Add(3 * time.Hour)
	d := e.delivery(a)
	r, err := e.adapter.Publish(ctx(t), d, c, a) // videos.insert, thumbnails.set
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if _, _, ok := e.fake.Thumbnail(r.RemoteID); !ok {
		t.Error("got no thumbnail, want it set")
	}
	d.RemoteID, d.PublishedAt = r.RemoteID, r.PublishedAt
	d.Attempts = []pregonero.Attempt{{StartedAt: start.Add(-time.Minute)}}
	// channels.list, playlistItems.list, videos.list
	if _, found, err := e.adapter.Reconcile(ctx(t), d, c, a, start.Add(-time.Hour)); err != nil || !found {
		t.Errorf("Reconcile: found %v, error %v", found, err)
	}
	if _, _, err := e.adapter.Verify(ctx(t), d, a); err != nil { // videos.list
		t.Errorf("Verify: %v", err)
	}
	if err := e.adapter.CheckCredentials(ctx(t), a); err != nil { // channels.list
		t.Errorf("CheckCredentials: %v", err)
	}
	if err := e.adapter.Withdraw(ctx(t), d, a); err != nil { // videos.delete
		t.Errorf("Withdraw: %v", err)
	}
	if e.fake.Video(r.RemoteID).ID != "" {
		t.Error("the video is still there after Withdraw")
	}
	if got := e.creds.m[a.ID][youtube.CredScope]; got != forceSSL {
		t.Errorf("got stored scope %q, want what the token endpoint named: %s", got, forceSSL)
	}
}

func TestMissingCredentialsMessageNamesTheScope(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("sincred")
	delete(a.Credentials, youtube.CredRefreshToken)
	err := e.adapter.CheckCredentials(ctx(t), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
	if !strings.Contains(pe.Message, forceSSL) || strings.Contains(pe.Message, "youtube.upload") {
		t.Errorf("got message %q, want it to name %s and not the old scopes", pe.Message, forceSSL)
	}
}

func TestCheckCredentials(t *testing.T) {
	var _ pregonero.Checker = (*youtube.Adapter)(nil)
	grants := map[string][]string{"subida": {upload}, "viejo": {upload, readonly}}

	// plain checks that err says the credentials could not be checked,
	// without a verdict on them.
	plain := func(t *testing.T, err error) {
		t.Helper()
		var pe *pregonero.PublishError
		if err == nil || errors.As(err, &pe) {
			t.Errorf("got %v, want an error that is not a *pregonero.PublishError", err)
		}
	}

	t.Run("accepted credentials cost one unit", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("bueno")
		a.RemoteID = fake.ChannelID("bueno")
		if err := e.adapter.CheckCredentials(ctx(t), a); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		if _, units, _ := e.adapter.QuotaUsage(fake.ClientID); units != 1 {
			t.Errorf("got %d units counted, want 1", units)
		}
		if _, units := e.fake.Quota(); units != 1 {
			t.Errorf("got %d units charged by the fake, want 1", units)
		}
	})
	t.Run("a refresh token Google no longer honours is needs_reauth even with a working access token", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("revocado")
		a.Credentials[youtube.CredAccessToken] = fake.AccessToken("revocado") // good, never expires
		a.Credentials[youtube.CredRefreshToken] = "sandbox-yt-otro-refresh-9"
		pe := adaptertest.WantClass(t, e.adapter.CheckCredentials(ctx(t), a), pregonero.ClassNeedsReauth)
		if pe.Code != "youtube_refresh_revoked" || pe.NetworkMessage != "Token has been expired or revoked." || !strings.Contains(pe.Message, forceSSL) {
			t.Errorf("got %+v, want youtube_refresh_revoked with Google's words and the scope to grant", pe)
		}
	})
	t.Run("a revoked grant is needs_reauth", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		e.fake.Revoke("revocado")
		pe := adaptertest.WantClass(t, e.adapter.CheckCredentials(ctx(t), e.account("revocado")), pregonero.ClassNeedsReauth)
		if pe.Code != "youtube_refresh_revoked" {
			t.Errorf("got code %q, want youtube_refresh_revoked", pe.Code)
		}
	})
	t.Run("a token YouTube refuses is needs_reauth", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		e.fault(fakenet.Rule{Op: fake.OpList, Mode: fakenet.ModeError, Status: 401})
		pe := adaptertest.WantClass(t, e.adapter.CheckCredentials(ctx(t), e.account("rechazado")), pregonero.ClassNeedsReauth)
		if pe.Code != "youtube_unauthorized" || pe.HTTPStatus != 401 || pe.NetworkMessage != "Invalid Credentials" {
			t.Errorf("got %+v, want youtube_unauthorized with Google's words", pe)
		}
	})
	t.Run("a token without a scope channels.list takes is needs_reauth naming force-ssl", func(t *testing.T) {
		e := newEnv(t, envOptions{fake: fake.Options{Scopes: grants}})
		wantScopeReauth(t, e.adapter.CheckCredentials(ctx(t), e.account("subida")), "Request had insufficient authentication scopes.")
	})
	t.Run("a grant of youtube.upload and youtube.readonly is needs_reauth naming force-ssl", func(t *testing.T) {
		e := newEnv(t, envOptions{fake: fake.Options{Scopes: grants}})
		pe := wantScopeReauth(t, e.adapter.CheckCredentials(ctx(t), e.account("viejo")), upload+" "+readonly)
		if !strings.Contains(pe.Message, "delete") {
			t.Errorf("got message %q, want it to say what the grant does not allow", pe.Message)
		}
	})
	t.Run("credentials of another channel are needs_reauth", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("ajeno")
		a.RemoteID = fake.ChannelID("propio")
		pe := adaptertest.WantClass(t, e.adapter.CheckCredentials(ctx(t), a), pregonero.ClassNeedsReauth)
		if pe.Code != "youtube_wrong_channel" || !strings.Contains(pe.NetworkMessage, fake.ChannelID("ajeno")) {
			t.Errorf("got %+v, want youtube_wrong_channel naming the channel YouTube answered", pe)
		}
	})
	t.Run("a server error says nothing about the credentials", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		e.fault(fakenet.Rule{Op: fake.OpList, Mode: fakenet.ModeError, Status: 503})
		plain(t, e.adapter.CheckCredentials(ctx(t), e.account("caido")))
	})
	t.Run("a token endpoint that fails says nothing about the credentials", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		e.fault(fakenet.Rule{Op: fake.OpToken, Mode: fakenet.ModeError, Status: 503})
		plain(t, e.adapter.CheckCredentials(ctx(t), e.account("caido")))
	})
	t.Run("an unreachable Google says nothing about the credentials", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("lejos")
		a.Endpoint = "http://127.0.0.1:1"
		plain(t, e.adapter.CheckCredentials(ctx(t), a))
	})
	t.Run("a spent quota says nothing about the credentials", func(t *testing.T) {
		e := newEnv(t, envOptions{quota: youtube.QuotaConfig{UnitsPerDay: 1}})
		a := e.account("cuota")
		if err := e.adapter.CheckCredentials(ctx(t), a); err != nil {
			t.Fatalf("first check: %v", err)
		}
		plain(t, e.adapter.CheckCredentials(ctx(t), a))
	})
	t.Run("quotaExceeded from YouTube says nothing about the credentials", func(t *testing.T) {
		e := newEnv(t, envOptions{fake: fake.Options{UnitsPerDay: 1}})
		a := e.account("cuota")
		if err := e.adapter.CheckCredentials(ctx(t), a); err != nil {
			t.Fatalf("first check: %v", err)
		}
		err := e.adapter.CheckCredentials(ctx(t), a)
		plain(t, err)
		if err != nil && !strings.Contains(err.Error(), "quota") {
			t.Errorf("got %v, want it to name the quota", err)
		}
	})
}

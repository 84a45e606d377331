package instagram_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/instagram"
)

// discard keeps the adapter's log lines out of the test output.
var discard = slog.New(slog.DiscardHandler)

func TestNetworkIsInstagram(t *testing.T) {
	if got, want := instagram.New(instagram.Config{}).Network(), pregonero.NetworkInstagram; got != want {
		t.Errorf("got network %q, want %q", got, want)
	}
}

func TestPublishRefusesBeforeAnyRequest(t *testing.T) {
	// The endpoint is unreachable: any request would fail as retryable,
	// so a permanent or needs_reauth error proves nothing was sent.
	const nowhere = "http://127.0.0.1:1"
	acct := func(creds map[string]string, remoteID string) *pregonero.Account {
		return &pregonero.Account{ID: "ig-test", Network: pregonero.NetworkInstagram, RemoteID: remoteID, Endpoint: nowhere, Credentials: creds}
	}
	jpeg := adaptertest.ImageBlob(t, "image/jpeg", 100, 100, "alt")
	withURL := jpeg
	withURL.URL = "https://media.example/m.jpg"
	tests := []struct {
		name    string
		acct    *pregonero.Account
		c       pregonero.Content
		class   pregonero.ErrorClass
		code    string
		mention []string
	}{
		{"media without a public URL", acct(map[string]string{"access_token": "t"}, "1784"), pregonero.Content{Text: "hola", Media: []pregonero.MediaBlob{jpeg}},
			pregonero.ClassPermanent, "instagram_public_url", []string{"public_url", "HTTPS", "reachable from the internet"}},
		{"invalid content", acct(map[string]string{"access_token": "t"}, "1784"), pregonero.Content{Text: strings.Repeat("a", 2201), Media: []pregonero.MediaBlob{withURL}},
			pregonero.ClassPermanent, "instagram_too_long", []string{"2200"}},
		{"no access token", acct(map[string]string{}, "1784"), pregonero.Content{Text: "hola", Media: []pregonero.MediaBlob{withURL}},
			pregonero.ClassNeedsReauth, "instagram_credentials", []string{"access_token"}},
		{"unknown login", acct(map[string]string{"access_token": "t", "login": "myspace"}, "1784"), pregonero.Content{Text: "hola", Media: []pregonero.MediaBlob{withURL}},
			pregonero.ClassNeedsReauth, "instagram_credentials", []string{"login", "myspace"}},
		{"neither remote id nor page id", acct(map[string]string{"access_token": "t"}, ""), pregonero.Content{Text: "hola", Media: []pregonero.MediaBlob{withURL}},
			pregonero.ClassNeedsReauth, "instagram_account_config", []string{"page_id", "remote_id"}},
	}
	a := instagram.New(instagram.Config{Logger: discard})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Publish(context.Background(), &pregonero.Delivery{ID: "d_1"}, tt.c, tt.acct)
			pe := adaptertest.WantClass(t, err, tt.class)
			if pe.Code != tt.code {
				t.Errorf("got code %q, want %q", pe.Code, tt.code)
			}
			for _, m := range tt.mention {
				if !strings.Contains(pe.Message, m) {
					t.Errorf("got message %q, want it to mention %q", pe.Message, m)
				}
			}
			if strings.Contains(pe.Error(), "access_token=") {
				t.Errorf("got error %q showing a token parameter", pe.Error())
			}
		})
	}
}

func TestRateLimitUnknownBeforeAnyRead(t *testing.T) {
	if _, _, ok := instagram.New(instagram.Config{}).RateLimit("ig-none"); ok {
		t.Error("got a known allowance before any request, want ok false")
	}
}

func TestUnreachableEndpointIsRetryableWithoutShowingTheToken(t *testing.T) {
	a := instagram.New(instagram.Config{Logger: discard})
	jpeg := adaptertest.ImageBlob(t, "image/jpeg", 100, 100, "alt")
	jpeg.URL = "https://media.example/m.jpg"
	acct := &pregonero.Account{ID: "ig-test", Network: pregonero.NetworkInstagram, RemoteID: "1784", Endpoint: "http://127.0.0.1:1",
		Credentials: map[string]string{"access_token": "secret-token-value"}}
	_, err := a.Publish(context.Background(), &pregonero.Delivery{ID: "d_1"}, pregonero.Content{Text: "hola", Media: []pregonero.MediaBlob{jpeg}}, acct)
	adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if strings.Contains(err.Error(), "secret-token-value") {
		t.Errorf("got error %q showing the access token", err)
	}
	_, _, err = a.Reconcile(context.Background(), &pregonero.Delivery{ID: "d_1", Checkpoint: map[string]string{instagram.CheckpointContainer: "1790"}},
		pregonero.Content{Text: "hola", Media: []pregonero.MediaBlob{jpeg}}, acct, time.Now())
	adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if strings.Contains(err.Error(), "secret-token-value") {
		t.Errorf("got error %q showing the access token", err)
	}
}

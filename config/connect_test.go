package config_test

import (
	"strings"
	"testing"

	"pregonero"
	"pregonero/config"
)

// The applications accounts are connected with are read with their
// secrets from the environment, by the networks they connect: Meta's app
// connects Facebook Pages and Instagram accounts.
func TestConnectApps(t *testing.T) {
	y := `
public_url: https://pregonero.antioquia.gov.co/
connect:
  x: {client_id: x-client, client_secret: "${X_CLIENT_SECRET}"}
  meta: {client_id: "1234567890", client_secret: "${META_APP_SECRET}"}
  google: {client_id: 1-abc.apps.googleusercontent.com, client_secret: "${GOOGLE_CLIENT_SECRET}", endpoint: "http://127.0.0.1:9999/youtube/", auth_base: "http://127.0.0.1:9999/google"}
`
	c, err := config.Parse([]byte(y), env(map[string]string{"X_CLIENT_SECRET": "xs", "META_APP_SECRET": "ms", "GOOGLE_CLIENT_SECRET": "gs"}))
	if err != nil {
		t.Fatal(err)
	}
	apps := c.ConnectApps()
	want := map[pregonero.Network]pregonero.OAuthApp{
		pregonero.NetworkX:         {ClientID: "x-client", ClientSecret: "xs"},
		pregonero.NetworkFacebook:  {ClientID: "1234567890", ClientSecret: "ms"},
		pregonero.NetworkInstagram: {ClientID: "1234567890", ClientSecret: "ms"},
		pregonero.NetworkYouTube: {ClientID: "1-abc.apps.googleusercontent.com", ClientSecret: "gs",
			Endpoint: "http://127.0.0.1:9999/youtube", AuthBase: "http://127.0.0.1:9999/google"},
	}
	if len(apps) != len(want) {
		t.Errorf("ConnectApps() = %+v, want %+v", apps, want)
	}
	for n, w := range want {
		if apps[n] != w {
			t.Errorf("ConnectApps()[%s] = %+v, want %+v", n, apps[n], w)
		}
	}
	if got, want := config.CallbackPath(pregonero.NetworkInstagram), "/accounts/callback/instagram"; got != want {
		t.Errorf("CallbackPath() = %q, want %q", got, want)
	}
}

// An application with endpoint sandbox talks to the sandbox, its consent
// screen included; without client_id the sandbox's own client stands in
// (serve fills it), so nothing else is required.
func TestConnectAppAtTheSandbox(t *testing.T) {
	c, err := config.Parse([]byte("sandbox: {listen: 127.0.0.1:8091}\nconnect:\n  meta: {endpoint: sandbox}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	apps := c.ConnectApps()
	for _, n := range []pregonero.Network{pregonero.NetworkFacebook, pregonero.NetworkInstagram} {
		if got, want := apps[n], (pregonero.OAuthApp{Endpoint: "http://127.0.0.1:8091/graph", AuthBase: "http://127.0.0.1:8091/graph"}); got != want {
			t.Errorf("ConnectApps()[%s] = %+v, want %+v", n, got, want)
		}
	}
	if _, ok := apps[pregonero.NetworkX]; ok {
		t.Errorf("ConnectApps() has an X app none configured: %+v", apps)
	}
}

// Each mistake of the connect section is named with its key; secrets are
// never repeated.
func TestConnectValidation(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"an app without its id", "public_url: https://p.example\nconnect:\n  google: {client_secret: topsecret}\n",
			"connect.google.client_id: required"},
		{"a Meta app without its secret", "public_url: https://p.example\nconnect:\n  meta: {client_id: \"123\"}\n",
			"connect.meta.client_secret: required (the application's App Secret"},
		{"a Google client without its secret", "public_url: https://p.example\nconnect:\n  google: {client_id: g}\n",
			"connect.google.client_secret: required"},
		{"an endpoint that is no URL", "public_url: https://p.example\nconnect:\n  x: {client_id: x, endpoint: \"ftp://x\"}\n",
			`connect.x.endpoint: "ftp://x" must be "sandbox"`},
		{"a consent screen that is no URL", "public_url: https://p.example\nconnect:\n  x: {client_id: x, auth_base: \"x.com\"}\n",
			`connect.x.auth_base: "x.com" must be an http(s) URL`},
		{"a real app without public_url", "connect:\n  x: {client_id: x, client_secret: topsecret}\n",
			"connect.x: public_url is required to connect accounts: the consent screen sends the person back to {public_url}/accounts/callback/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tc.yaml), env(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse() = %v, want an error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "topsecret") {
				t.Errorf("the error repeats the secret: %v", err)
			}
		})
	}

	t.Run("Instagram Login replaces the Meta app for instagram", func(t *testing.T) {
		c, err := config.Parse([]byte("public_url: https://p.example\nconnect:\n  meta: {client_id: m, client_secret: ms}\n  instagram: {client_id: i, client_secret: is}\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		apps := c.ConnectApps()
		if apps[pregonero.NetworkInstagram].ClientID != "i" || apps[pregonero.NetworkFacebook].ClientID != "m" || !c.InstagramLogin() {
			t.Errorf("ConnectApps() = %+v, want instagram through Instagram Login's app", apps)
		}
	})

	t.Run("an X public client needs no secret", func(t *testing.T) {
		if _, err := config.Parse([]byte("public_url: https://p.example\nconnect:\n  x: {client_id: x-public}\n"), env(nil)); err != nil {
			t.Errorf("Parse() = %v, want nil", err)
		}
	})
}

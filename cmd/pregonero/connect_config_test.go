package main_test

import (
	"net/url"
	"testing"

	"pregonero"
)

// The Meta app's Facebook Login for Business configuration reaches the
// consent screen: with connect.meta_config_id the permissions are the
// configuration's, asked by config_id.
func TestServePassesTheMetaLoginConfiguration(t *testing.T) {
	m := mustRunMainWith(t, "connect:\n  meta_config_id: \"1234567890\"\n", "gobantioquia")
	t.Cleanup(func() { m.Close() })
	u, err := m.Facebook.AuthorizeURL(pregonero.OAuthApp{ClientID: "app"}, pregonero.AuthorizeRequest{
		State: "s", RedirectURI: "https://pregonero.example/accounts/callback/facebook", CodeChallenge: "c"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Query().Get("config_id"); got != "1234567890" {
		t.Errorf("consent URL %s: config_id = %q, want the configured 1234567890", u, got)
	}
}

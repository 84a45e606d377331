package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"pregonero/config"
	"pregonero/feed"
)

func TestOutboundClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for name, tc := range map[string]struct {
		cfg  config.Config
		want error
	}{
		"refused without the sandbox":       {config.Config{}, feed.ErrPrivateAddress},
		"allowed with allow_private_urls":   {config.Config{AllowPrivateURLs: true}, nil},
		"allowed with the embedded sandbox": {config.Config{Sandbox: config.SandboxConfig{Embedded: true}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			m := &Main{Config: tc.cfg}
			resp, err := m.outboundClient().Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("GET %s: %v, want %v", srv.URL, err, tc.want)
			}
		})
	}
}

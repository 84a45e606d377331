package main_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// getWith answers GET url with an optional Bearer token.
func getWith(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// checkProbesPublic fails unless /healthz and /readyz answer without any
// token.
func checkProbesPublic(t *testing.T, base string) {
	t.Helper()
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := getWith(t, base+path, ""); code != http.StatusOK {
			t.Errorf("%s: got %d %s, want 200 without a token", path, code, body)
		}
	}
}

func TestHardeningMetricsAreClosedByDefault(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	base := "http://" + m.Addr
	a := newAPI(t, base, m.Config.DataDir)
	for _, token := range []string{"", a.token} {
		if code, body := getWith(t, base+"/metrics", token); code != http.StatusNotFound || strings.Contains(body, "pregonero_") {
			t.Errorf("/metrics with token %v: got %d, want 404 and no metrics", token != "", code)
		}
	}
	checkProbesPublic(t, base)
}

func TestHardeningMetricsWithAToken(t *testing.T) {
	const token = "metrics-token-0123456789abcdef"
	m := mustRunMainWith(t, "metrics: {token: "+token+"}\n", "gobantioquia")
	base := "http://" + m.Addr
	a := newAPI(t, base, m.Config.DataDir)
	for _, wrong := range []string{"", a.token, token + "x"} {
		if code, _ := getWith(t, base+"/metrics", wrong); code != http.StatusUnauthorized {
			t.Errorf("/metrics with a wrong token: got %d, want 401", code)
		}
	}
	code, body := getWith(t, base+"/metrics", token)
	if code != http.StatusOK || !strings.Contains(body, "pregonero_deliveries") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics with the token: got %d %.100s", code, body)
	}
	checkProbesPublic(t, base)
}

func TestHardeningMetricsOnTheirOwnAddress(t *testing.T) {
	m := mustRunMainWith(t, "metrics: {listen: \"127.0.0.1:0\"}\n", "gobantioquia")
	base := "http://" + m.Addr
	if m.MetricsAddr == "" || m.MetricsAddr == m.Addr {
		t.Fatalf("metrics address %q, want one of its own (server on %s)", m.MetricsAddr, m.Addr)
	}
	if code, _ := getWith(t, base+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("/metrics on the main address: got %d, want 404", code)
	}
	code, body := getWith(t, "http://"+m.MetricsAddr+"/metrics", "")
	if code != http.StatusOK || !strings.Contains(body, "pregonero_deliveries") {
		t.Errorf("/metrics on its own address: got %d %.100s", code, body)
	}
	a := newAPI(t, base, m.Config.DataDir)
	for _, path := range []string{"/healthz", "/api/v1/accounts"} {
		if code, _ := getWith(t, "http://"+m.MetricsAddr+path, a.token); code != http.StatusNotFound {
			t.Errorf("%s on the metrics address: got %d, want 404", path, code)
		}
	}
	checkProbesPublic(t, base)
}

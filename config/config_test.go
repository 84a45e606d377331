package config_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/graph"
	"pregonero/config"
	"pregonero/media"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestRepositoryConfigLoads(t *testing.T) {
	b, err := os.ReadFile("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(b, env(nil))
	if err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	if !c.Sandbox.Embedded || len(c.Accounts) == 0 {
		t.Fatalf("config.yaml must run the sandbox out of the box: %+v", c.Sandbox)
	}
	a := c.Account(c.Accounts[0])
	if got, want := a.Endpoint, "http://127.0.0.1:8090/x"; got != want {
		t.Errorf("sandbox endpoint = %q, want %q", got, want)
	}
	if got := c.Location().String(); got != "America/Bogota" {
		t.Errorf("zone = %q", got)
	}
	networks := map[pregonero.Network]bool{}
	for _, ac := range c.Accounts {
		a := c.Account(ac)
		networks[a.Network] = true
		if a.Network == pregonero.NetworkFacebook || a.Network == pregonero.NetworkInstagram {
			if got, want := a.Endpoint, "http://127.0.0.1:8090/graph"; got != want {
				t.Errorf("%s: sandbox endpoint = %q, want %q", a.ID, got, want)
			}
		}
	}
	for _, n := range pregonero.Networks {
		if !networks[n] {
			t.Errorf("config.yaml has no demo account on %s", n)
		}
	}
	if c.Graph.Version != graph.DefaultVersion {
		t.Errorf("graph version = %q, want config.yaml to pin the adapters' %q", c.Graph.Version, graph.DefaultVersion)
	}
}

func TestEnvExpansion(t *testing.T) {
	y := `
accounts:
  - id: x-real
    network: x
    credentials:
      consumer_key: ${CK}
      consumer_secret: "${CS}"
      access_token: pre-${AT}-post
      access_token_secret: ${ATS}
`
	c, err := config.Parse([]byte(y), env(map[string]string{"CK": "k", "CS": "s", "AT": "t", "ATS": "ts"}))
	if err != nil {
		t.Fatal(err)
	}
	cr := c.Accounts[0].Credentials
	if cr["consumer_key"] != "k" || cr["consumer_secret"] != "s" || cr["access_token"] != "pre-t-post" {
		t.Errorf("credentials = %v", cr)
	}
	if c.Account(c.Accounts[0]).Endpoint != "" {
		t.Errorf("empty endpoint must mean the real API")
	}
}

func TestMissingEnvIsAnError(t *testing.T) {
	_, err := config.Parse([]byte("data_dir: ${NOPE}\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Fatalf("err = %v, want it to name NOPE", err)
	}
}

func TestInvalidConfigNamesEveryProblem(t *testing.T) {
	y := `
listen: nonsense
timezone: Mars/Olympus
unknown_key: 1
`
	_, err := config.Parse([]byte(y), env(nil))
	if err == nil || !strings.Contains(err.Error(), "unknown_key") {
		t.Fatalf("unknown key not reported: %v", err)
	}
	y = `
listen: nonsense
timezone: Mars/Olympus
publisher: {backoff_base: 1h, backoff_cap: 1m}
graph: {version: "25", poll_interval: 0s}
youtube: {chunk_size: 1000, projects: {"123.apps.googleusercontent.com": {uploads_per_day: -1}}}
accounts:
  - {id: "Bad Id", network: myspace}
  - {id: x-a, network: x, credentials: {consumer_key: k}}
  - {id: fb-a, network: facebook, credentials: {app_id: "1"}}
  - {id: ig-a, network: instagram, credentials: {access_token: t, login: tiktok}}
  - {id: yt-a, network: youtube, credentials: {client_id: c}}
`
	_, err = config.Parse([]byte(y), env(nil))
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"listen", "timezone", "backoff_base", "accounts[0].id", "accounts[0].network", "accounts[1].credentials",
		"graph.version", "poll_interval", "youtube.chunk_size", "youtube.projects", "accounts[2].credentials: facebook needs access_token", "accounts[3].credentials: login \"tiktok\"",
		"accounts[4].credentials: youtube needs an OAuth 2.0 client and a refresh token; missing client_secret, refresh_token"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

func TestDurations(t *testing.T) {
	c, err := config.Parse([]byte("publisher: {staleness: 90m}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Publisher.Staleness.D(); got != 90*time.Minute {
		t.Errorf("staleness = %v", got)
	}
	if _, err := config.Parse([]byte("publisher: {staleness: soon}\n"), env(nil)); err == nil {
		t.Error("bad duration accepted")
	}
}

func TestMediaDefaults(t *testing.T) {
	c, err := config.Parse([]byte("listen: 127.0.0.1:8080\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Media
	if m.MaxSize != media.DefaultMaxSize || m.URLTTL.D() != 24*time.Hour || m.GCAfter.D() != 720*time.Hour || m.SigningKey != "" {
		t.Errorf("media = %+v, want max_size %d, url_ttl 24h, gc_after 720h, no key", m, media.DefaultMaxSize)
	}
}

func TestMediaSection(t *testing.T) {
	key := "k3y-0123456789abcdef0123456789abcdef"
	y := `
public_url: https://pregonero.antioquia.gov.co
media:
  max_size: 104857600
  url_ttl: 36h
  gc_after: 0s
  signing_key: ${PREGONERO_MEDIA_KEY}
`
	c, err := config.Parse([]byte(y), env(map[string]string{"PREGONERO_MEDIA_KEY": key}))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Media
	if m.MaxSize != 100<<20 || m.URLTTL.D() != 36*time.Hour || m.GCAfter.D() != 0 || m.SigningKey != key {
		t.Errorf("media = max_size %d url_ttl %s gc_after %s, want 104857600 36h 0s and the key", m.MaxSize, m.URLTTL.D(), m.GCAfter.D())
	}

	bad := []struct {
		name, yaml, want string
	}{
		{"zero max size", "media: {max_size: 0}", "media.max_size"},
		{"url ttl under an hour", "media: {url_ttl: 59m}", "media.url_ttl"},
		{"negative gc_after", "media: {gc_after: -1h}", "media.gc_after"},
		{"gc_after of a minute", "media: {gc_after: 1m}", "media.gc_after"},
		{"short signing key", "media: {signing_key: short-secret-value}", "media.signing_key: has 18 bytes, want at least 32"},
		{"unknown media key", "media: {ttl: 1h}", "ttl"},
	}
	for _, tt := range bad {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml+"\n"), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "short-secret-value") {
				t.Errorf("the signing key is repeated in the error: %v", err)
			}
		})
	}
}

func TestHTTPAndMetricsDefaults(t *testing.T) {
	c, err := config.Parse([]byte("listen: 127.0.0.1:8080\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	h := c.HTTP
	if h.ReadTimeout.D() != 30*time.Second || h.IdleTimeout.D() != 2*time.Minute || h.MinUploadRate != 64<<10 || h.MaxConnections != 1024 {
		t.Errorf("http = %+v, want read_timeout 30s, idle_timeout 2m, min_upload_rate 65536, max_connections 1024", h)
	}
	if c.Metrics.Token != "" || c.Metrics.Listen != "" {
		t.Errorf("metrics = %+v, want neither token nor listen: /metrics closed by default", c.Metrics)
	}
}

func TestHTTPAndMetricsSections(t *testing.T) {
	token := "metrics-0123456789abcdef"
	y := `
http: {read_timeout: 5s, idle_timeout: 1m, min_upload_rate: 1024, max_connections: 64}
metrics: {token: "${PREGONERO_METRICS_TOKEN}", listen: "127.0.0.1:9100"}
`
	c, err := config.Parse([]byte(y), env(map[string]string{"PREGONERO_METRICS_TOKEN": token}))
	if err != nil {
		t.Fatal(err)
	}
	if h := c.HTTP; h.ReadTimeout.D() != 5*time.Second || h.IdleTimeout.D() != time.Minute || h.MinUploadRate != 1024 || h.MaxConnections != 64 {
		t.Errorf("http = %+v", h)
	}
	if c.Metrics.Token != token || c.Metrics.Listen != "127.0.0.1:9100" {
		t.Errorf("metrics = listen %q and the token? %v", c.Metrics.Listen, c.Metrics.Token == token)
	}

	bad := []struct {
		name, yaml, want string
	}{
		{"zero read timeout", "http: {read_timeout: 0s}", "http: read_timeout and idle_timeout must be positive"},
		{"negative idle timeout", "http: {idle_timeout: -1s}", "http: read_timeout and idle_timeout must be positive"},
		{"zero upload rate", "http: {min_upload_rate: 0}", "http.min_upload_rate"},
		{"no connections", "http: {max_connections: 0}", "http.max_connections"},
		{"short metrics token", "metrics: {token: short-metrics}", "metrics.token: has 13 bytes, want at least 16"},
		{"metrics listen not host:port", "metrics: {listen: nine-thousand}", "metrics.listen"},
		{"metrics listen on the main address", "listen: 127.0.0.1:8080\nmetrics: {listen: 127.0.0.1:8080}", "metrics.listen"},
		{"unknown http key", "http: {write_timeout: 1s}", "write_timeout"},
	}
	for _, tt := range bad {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml+"\n"), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "short-metrics") {
				t.Errorf("the metrics token is repeated in the error: %v", err)
			}
		})
	}
}

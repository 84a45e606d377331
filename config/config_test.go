package config_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"pregonero/config"
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
accounts:
  - {id: "Bad Id", network: myspace}
  - {id: x-a, network: x, credentials: {consumer_key: k}}
`
	_, err = config.Parse([]byte(y), env(nil))
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"listen", "timezone", "backoff_base", "accounts[0].id", "accounts[0].network", "accounts[1].credentials"} {
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

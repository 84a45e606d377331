package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pregonero/config"
)

// A configuration whose accounts take their secrets from the environment,
// as a real one does.
const withSecrets = `
listen: 127.0.0.1:9080
data_dir: /srv/pregonero
timezone: America/New_York
metrics: {token: "${PREGONERO_METRICS_TOKEN}"}
youtube:
  upload_ahead: 3h
  projects:
    ${YT_CLIENT_ID}: {uploads_per_day: 400}
accounts:
  - id: x-real
    network: x
    credentials:
      consumer_key: ${X_CONSUMER_KEY}
      consumer_secret: ${X_CONSUMER_SECRET}
      access_token: ${X_ACCESS_TOKEN}
      access_token_secret: ${X_ACCESS_TOKEN_SECRET}
`

func TestParseClientNeedsNoSecrets(t *testing.T) {
	if _, err := config.Parse([]byte(withSecrets), env(nil)); err == nil || !strings.Contains(err.Error(), "X_CONSUMER_KEY") {
		t.Fatalf("the server's Parse: got %v, want it to name the unset variables", err)
	}
	c, err := config.ParseClient([]byte(withSecrets), env(nil))
	if err != nil {
		t.Fatalf("ParseClient: %v", err)
	}
	if c.Listen != "127.0.0.1:9080" || c.DataDir != "/srv/pregonero" || c.Location().String() != "America/New_York" {
		t.Errorf("got %+v", c)
	}
}

func TestParseClient(t *testing.T) {
	t.Run("defaults for what is absent", func(t *testing.T) {
		c, err := config.ParseClient([]byte("log: {level: debug}\n"), env(nil))
		if err != nil || c.Listen != "127.0.0.1:8080" || c.DataDir != "./data" || c.Timezone != "America/Bogota" {
			t.Errorf("got %+v, %v", c, err)
		}
		if c, err := config.ParseClient(nil, env(nil)); err != nil || c.Timezone != "America/Bogota" {
			t.Errorf("empty file: got %+v, %v", c, err)
		}
	})
	t.Run("its own keys expand the environment", func(t *testing.T) {
		c, err := config.ParseClient([]byte("data_dir: ${DATA}/p\ntimezone: ${TZNAME}\n"), env(map[string]string{"DATA": "/var", "TZNAME": "America/Lima"}))
		if err != nil || c.DataDir != "/var/p" || c.Timezone != "America/Lima" {
			t.Errorf("got %+v, %v", c, err)
		}
	})
	t.Run("an unset variable in its own keys is an error", func(t *testing.T) {
		_, err := config.ParseClient([]byte("listen: ${ADDR}\naccounts:\n  - id: a\n    credentials:\n      k: ${SECRET}\n"), env(nil))
		if err == nil || !strings.Contains(err.Error(), "ADDR") || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("got %v, want an error naming ADDR only", err)
		}
	})
	t.Run("a bad zone or address is an error", func(t *testing.T) {
		_, err := config.ParseClient([]byte("timezone: Bogota\nlisten: nowhere\n"), env(nil))
		if err == nil || !strings.Contains(err.Error(), `"Bogota"`) || !strings.Contains(err.Error(), `"nowhere"`) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("not a mapping", func(t *testing.T) {
		if _, err := config.ParseClient([]byte("- a\n- b\n"), env(nil)); err == nil {
			t.Error("a list was accepted")
		}
		if _, err := config.ParseClient([]byte("timezone: [a]\n"), env(nil)); err == nil {
			t.Error("a list as timezone was accepted")
		}
	})
}

func TestLoadClientMissingFile(t *testing.T) {
	_, err := config.LoadClient(filepath.Join(t.TempDir(), "none.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(withSecrets), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := config.LoadClient(path); err != nil || c.DataDir != "/srv/pregonero" {
		t.Errorf("got %+v, %v", c, err)
	}
}

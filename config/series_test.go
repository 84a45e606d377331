package config_test

import (
	"strings"
	"testing"
	"time"

	"pregonero/config"
)

func TestSeriesSection(t *testing.T) {
	t.Run("defaults are fourteen days ahead, every ten minutes", func(t *testing.T) {
		c, err := config.Parse([]byte("listen: 127.0.0.1:8080\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Series.Horizon.D() != 14*24*time.Hour || c.Series.Every.D() != 10*time.Minute {
			t.Errorf("series = horizon %s every %s, want 336h and 10m", c.Series.Horizon.D(), c.Series.Every.D())
		}
	})
	t.Run("a section is read", func(t *testing.T) {
		c, err := config.Parse([]byte("series: {horizon: 72h, every: 5m}\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Series.Horizon.D() != 72*time.Hour || c.Series.Every.D() != 5*time.Minute {
			t.Errorf("series = horizon %s every %s, want 72h and 5m", c.Series.Horizon.D(), c.Series.Every.D())
		}
	})
	for _, tt := range []struct{ name, yaml, want string }{
		{"a horizon under an hour", "series: {horizon: 30m}", "series.horizon"},
		{"a horizon over a year", "series: {horizon: 9000h}", "series.horizon"},
		{"a run more often than a minute", "series: {every: 10s}", "series.every"},
		{"an unknown key", "series: {ahead: 1h}", "ahead"},
	} {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml+"\n"), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

package config_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/config"
)

func TestMetricsSchedule(t *testing.T) {
	t.Run("Go durations, seconds allowed", func(t *testing.T) {
		c, err := config.Parse([]byte("data_dir: /tmp/p\nmetrics:\n  schedule: [30s, 1h, 6h]\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Metrics.Durations(), []time.Duration{30 * time.Second, time.Hour, 6 * time.Hour}; !reflect.DeepEqual(got, want) {
			t.Errorf("schedule = %v, want %v", got, want)
		}
	})
	t.Run("unset is nil, for the default", func(t *testing.T) {
		c, err := config.Parse([]byte("data_dir: /tmp/p\n"), env(nil))
		if err != nil || c.Metrics.Durations() != nil {
			t.Errorf("schedule = %v, %v; want nil", c.Metrics.Durations(), err)
		}
	})
	t.Run("out of order is refused", func(t *testing.T) {
		_, err := config.Parse([]byte("data_dir: /tmp/p\nmetrics:\n  schedule: [6h, 1h]\n"), env(nil))
		if err == nil || !strings.Contains(err.Error(), "metrics.schedule: 1h0m0s at position 2") {
			t.Errorf("Parse() = %v", err)
		}
	})
}

func TestMetricsNetworks(t *testing.T) {
	t.Run("a network's own schedule and cap; X capped at 500 unless told", func(t *testing.T) {
		c, err := config.Parse([]byte(`data_dir: /tmp/p
metrics:
  schedule: [1h, 24h]
  retention: 8760h
  networks:
    x: {schedule: [90s, 2h]}
    youtube: {max_reads_per_day: 0}
    instagram: {max_reads_per_day: 40}
`), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		m := c.Metrics
		if got, want := m.NetworkSchedule(pregonero.NetworkX), []time.Duration{90 * time.Second, 2 * time.Hour}; !reflect.DeepEqual(got, want) {
			t.Errorf("x schedule = %v, want %v", got, want)
		}
		if got := m.NetworkSchedule(pregonero.NetworkFacebook); got != nil {
			t.Errorf("facebook schedule = %v, want nil (metrics.schedule)", got)
		}
		for n, want := range map[pregonero.Network]int{pregonero.NetworkX: 500, pregonero.NetworkYouTube: 0, pregonero.NetworkInstagram: 40, pregonero.NetworkFacebook: config.NoReadCap} {
			if got := m.MaxReadsPerDay(n); got != want {
				t.Errorf("MaxReadsPerDay(%s) = %d, want %d", n, got, want)
			}
		}
		if m.Retention.D() != 365*24*time.Hour {
			t.Errorf("retention = %s", m.Retention.D())
		}
	})
	t.Run("defaults: X capped at 500, history kept forever", func(t *testing.T) {
		c, err := config.Parse([]byte("data_dir: /tmp/p\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Metrics.MaxReadsPerDay(pregonero.NetworkX) != config.DefaultXMaxReadsPerDay || c.Metrics.Retention != 0 {
			t.Errorf("metrics = %+v; want X capped at %d, retention 0", c.Metrics, config.DefaultXMaxReadsPerDay)
		}
	})
	for _, c := range []struct{ name, yaml, want string }{
		{"unknown network", "networks: {mastodon: {schedule: [1h]}}", `metrics.networks.mastodon: "mastodon" is not a network`},
		{"network schedule out of order", "networks: {x: {schedule: [6h, 1h]}}", "metrics.networks.x.schedule: 1h0m0s at position 2"},
		{"zero in a schedule", "schedule: [0s, 1h]", "metrics.schedule: 0s at position 1"},
		{"cap below -1", "networks: {x: {max_reads_per_day: -2}}", "metrics.networks.x.max_reads_per_day: -2"},
		{"short retention", "retention: 1h", "metrics.retention: 1h0m0s must be 0"},
		{"not a duration", "networks: {x: {schedule: [1 hour]}}", `"1 hour" is not a duration`},
	} {
		t.Run(c.name+" is refused", func(t *testing.T) {
			_, err := config.Parse([]byte("data_dir: /tmp/p\nmetrics: {"+c.yaml+"}\n"), env(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse() = %v; want an error with %q", err, c.want)
			}
		})
	}
}

func TestMetricsEvery(t *testing.T) {
	t.Run("a minute by default, ten calls a cycle", func(t *testing.T) {
		c, err := config.Parse([]byte("data_dir: /tmp/p\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Metrics.Every.D(); got != time.Minute {
			t.Errorf("every = %s, want 1m", got)
		}
		if got := c.Metrics.CollectionCalls(); got != config.MaxCollectionCalls {
			t.Errorf("calls per cycle = %d, want %d", got, config.MaxCollectionCalls)
		}
	})
	for _, c := range []struct {
		every string
		calls int
	}{
		{"2s", 1}, // at least one
		{"30s", 5},
		{"90s", config.MaxCollectionCalls}, // never more in one cycle
		{"1h", config.MaxCollectionCalls},
	} {
		t.Run(c.every+" makes "+fmt.Sprint(c.calls)+" calls a cycle", func(t *testing.T) {
			cfg, err := config.Parse([]byte("data_dir: /tmp/p\nmetrics: {every: "+c.every+"}\n"), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := time.ParseDuration(c.every); cfg.Metrics.Every.D() != want {
				t.Errorf("every = %s, want %s", cfg.Metrics.Every.D(), want)
			}
			if got := cfg.Metrics.CollectionCalls(); got != c.calls {
				t.Errorf("calls per cycle = %d, want %d", got, c.calls)
			}
		})
	}
	for _, every := range []string{"0s", "500ms", "1500ms", "-1m", "61m"} {
		t.Run(every+" is refused", func(t *testing.T) {
			_, err := config.Parse([]byte("data_dir: /tmp/p\nmetrics: {every: "+every+"}\n"), env(nil))
			if err == nil || !strings.Contains(err.Error(), "metrics.every:") || !strings.Contains(err.Error(), "whole seconds from 1s to 1h") {
				t.Errorf("Parse() = %v; want metrics.every refused", err)
			}
		})
	}
}

package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

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

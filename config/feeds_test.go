package config_test

import (
	"strings"
	"testing"
	"time"

	"pregonero/config"
)

func TestFeedsSection(t *testing.T) {
	t.Run("defaults poll every five minutes, 30s and 5 MiB a fetch, five items at first", func(t *testing.T) {
		c, err := config.Parse([]byte("listen: 127.0.0.1:8080\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		f := c.Feeds
		if f.Every.D() != 5*time.Minute || f.Timeout.D() != 30*time.Second || f.MaxBytes != 5<<20 || f.FirstItems != 5 {
			t.Errorf("feeds = %+v", f)
		}
	})
	t.Run("a section is read", func(t *testing.T) {
		c, err := config.Parse([]byte("feeds: {every: 15m, timeout: 10s, max_bytes: 1048576, first_items: 0}\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		f := c.Feeds
		if f.Every.D() != 15*time.Minute || f.Timeout.D() != 10*time.Second || f.MaxBytes != 1<<20 || f.FirstItems != 0 {
			t.Errorf("feeds = %+v", f)
		}
	})
	for _, tt := range []struct{ name, yaml, want string }{
		{"a poll more often than a minute", "feeds: {every: 20s}", "feeds.every"},
		{"a timeout under a second", "feeds: {timeout: 100ms}", "feeds.timeout"},
		{"a size under a kilobyte", "feeds: {max_bytes: 10}", "feeds.max_bytes"},
		{"a size over 50 MiB", "feeds: {max_bytes: 104857600}", "feeds.max_bytes"},
		{"a negative number of first items", "feeds: {first_items: -1}", "feeds.first_items"},
		{"an unknown key", "feeds: {urls: [a]}", "urls"},
	} {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml+"\n"), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

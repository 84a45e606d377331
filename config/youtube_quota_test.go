package config_test

import (
	"os"
	"strings"
	"testing"

	"pregonero/config"
)

func TestYouTubeStatisticsQuota(t *testing.T) {
	t.Run("10000 calls a day unless told", func(t *testing.T) {
		c, err := config.Parse([]byte("data_dir: /tmp/p\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.YouTube.StatsPerDay; got != 10000 {
			t.Errorf("stats_per_day = %d, want 10000", got)
		}
	})
	t.Run("the repository's config.yaml says the default", func(t *testing.T) {
		b, err := os.ReadFile("../config.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "stats_per_day: 10000") {
			t.Error("config.yaml does not document youtube.stats_per_day")
		}
	})
	t.Run("the whole quota and a project's own", func(t *testing.T) {
		c, err := config.Parse([]byte(`data_dir: /tmp/p
youtube:
  stats_per_day: 2500
  projects:
    "123.apps.googleusercontent.com": {stats_per_day: 40000}
    "456.apps.googleusercontent.com": {units_per_day: 20000}
`), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		y := c.YouTube
		if y.StatsPerDay != 2500 {
			t.Errorf("stats_per_day = %d, want 2500", y.StatsPerDay)
		}
		if got := y.Projects["123.apps.googleusercontent.com"]; got != (config.YouTubeQuota{StatsPerDay: 40000}) {
			t.Errorf("project 123 = %+v, want its own statistics quota", got)
		}
		if got := y.Projects["456.apps.googleusercontent.com"].StatsPerDay; got != 0 {
			t.Errorf("project 456 stats_per_day = %d, want 0 (the whole quota applies)", got)
		}
	})
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"zero is refused", "youtube: {stats_per_day: 0}", []string{"youtube.stats_per_day: 0 must be at least 1"}},
		{"negative is refused", "youtube: {stats_per_day: -5}", []string{"youtube.stats_per_day: -5 must be at least 1"}},
		{"a project's negative is refused", `youtube: {projects: {"123.apps.googleusercontent.com": {stats_per_day: -1}}}`,
			[]string{`youtube.projects["123.apps.googleusercontent.com"]: the key must be an OAuth client id, and uploads_per_day, units_per_day and stats_per_day not negative`}},
		{"each bucket is named on its own", "youtube: {units_per_day: 0, uploads_per_day: -1}",
			[]string{"youtube.uploads_per_day: -1 must be at least 1", "youtube.units_per_day: 0 must be at least 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte("data_dir: /tmp/p\n"+tc.yaml+"\n"), env(nil))
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Parse() = %v, want it to say %q", err, want)
				}
			}
		})
	}
}

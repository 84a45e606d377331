package main

import (
	"log/slog"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/x"
	"pregonero/config"
)

// Every adapter is asked whether it reads metrics: one that does is wired
// without a change here, and the configured schedules and caps follow.
func TestMetricsConfigWiresEveryReader(t *testing.T) {
	c, err := config.Parse([]byte("data_dir: /tmp/p\nmetrics:\n  networks:\n    x: {schedule: [90s, 1h]}\n    facebook: {max_reads_per_day: 7}\n"),
		func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	xa := x.New(x.Config{})
	adapters := map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: xa}
	cfg := metricsConfig(c.Metrics, adapters, nil, time.Now, slog.New(slog.DiscardHandler), time.UTC)
	if cfg.Readers[pregonero.NetworkX] != xa || cfg.AccountReaders[pregonero.NetworkX] != xa {
		t.Errorf("readers = %v, account readers = %v; want the X adapter in both", cfg.Readers, cfg.AccountReaders)
	}
	if len(cfg.Readers) != 1 {
		t.Errorf("readers = %v; want only the adapters given", cfg.Readers)
	}
	if nc := cfg.Networks[pregonero.NetworkX]; len(nc.Schedule) != 2 || nc.Schedule[0] != 90*time.Second || nc.MaxReadsPerDay != config.DefaultXMaxReadsPerDay {
		t.Errorf("x = %+v; want its own schedule and the default cap", nc)
	}
	if nc := cfg.Networks[pregonero.NetworkFacebook]; nc.Schedule != nil || nc.MaxReadsPerDay != 7 {
		t.Errorf("facebook = %+v; want the common schedule, cap 7", nc)
	}
	if nc := cfg.Networks[pregonero.NetworkYouTube]; nc.MaxReadsPerDay != config.NoReadCap {
		t.Errorf("youtube = %+v; want no cap", nc)
	}
}

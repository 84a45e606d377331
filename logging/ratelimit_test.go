package logging_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"pregonero/logging"
	"pregonero/logtest"
)

func TestRateLimitWritesOneLinePerKindPerInterval(t *testing.T) {
	var buf logtest.Buffer
	now := time.Date(2027, 1, 4, 12, 0, 0, 0, time.UTC)
	log := slog.New(logging.RateLimit(slog.NewTextHandler(&buf, nil), 10*time.Second, func() time.Time { return now }))
	store := log.With("component", "store")
	for range 1000 {
		store.Error("store commit failed", "err", "no space left on device")
		log.Warn("scheduler tick failed")
		log.Info("published")
	}
	out := buf.String()
	if n := strings.Count(out, "store commit failed"); n != 1 {
		t.Errorf("%d lines of the repeated error in one interval, want 1", n)
	}
	if n := strings.Count(out, "scheduler tick failed"); n != 1 {
		t.Errorf("%d lines of the repeated warning, want 1 (kinds are counted apart)", n)
	}
	if n := strings.Count(out, "published"); n != 1000 {
		t.Errorf("%d info lines, want all 1000", n)
	}
	now = now.Add(10 * time.Second)
	store.Error("store commit failed", "err", "no space left on device")
	out = buf.String()
	last := out[strings.LastIndex(out[:len(out)-1], "\n")+1:]
	if !strings.Contains(last, "store commit failed") || !strings.Contains(last, "suppressed=999") || !strings.Contains(last, "component=store") {
		t.Errorf("line after the interval = %q, want the count of the 999 left out", last)
	}
}

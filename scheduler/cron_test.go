package scheduler_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"pregonero/logtest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/scheduler"
	"pregonero/store"
)

//go:noinline
func explodingJob() { panic("job exploded") }

func TestAPanickingCronJobIsRecoveredAndTheSchedulerRunsOn(t *testing.T) {
	var logs logtest.Buffer
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: fc}
	s := &scheduler.Scheduler{Store: db, Dispatcher: rec, Clock: fc, Lead: 100 * time.Millisecond, Heartbeat: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	// Cron runs on the wall clock: this job comes every second, and
	// panics the first time.
	var runs atomic.Int32
	if err := s.AddJob("* * * * * *", func() {
		if runs.Add(1) == 1 {
			explodingJob()
		}
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; db.Close() })

	// Cron itself survived: the job came again at its next second.
	waitFor(t, 5*time.Second, func() bool { return runs.Load() >= 2 })
	out := logs.String()
	for _, want := range []string{"cron job panicked", pregonero.LogComponent + "=scheduler",
		pregonero.LogPanic + `="job exploded"`, pregonero.LogStack + "=", "scheduler_test.explodingJob"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// So did the loop: a due delivery is still claimed.
	queue(t, db, t0, "x-a")
	s.Notify(t0)
	waitFor(t, 5*time.Second, func() bool { return rec.count() == 1 })
	if err := s.Ready(); err != nil {
		t.Errorf("Ready() = %v, want nil", err)
	}
}

// waitFor waits for cond up to d; for conditions on the wall clock, which
// eventually's two seconds are too short for.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

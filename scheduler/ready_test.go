package scheduler_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/scheduler"
	"pregonero/store"
)

// failingClaims is a store whose claims fail while fail is set, as on a
// full disk.
type failingClaims struct {
	*store.DB
	fail atomic.Bool
}

func (f *failingClaims) ClaimDue(ctx context.Context, now, until time.Time, limit int) ([]*pregonero.Delivery, error) {
	if f.fail.Load() {
		return nil, errors.New("store commit: write pregonero.db: no space left on device")
	}
	return f.DB.ClaimDue(ctx, now, until, limit)
}

// Readiness fails while the scheduler's ticks fail, with the reason, and
// recovers by itself once they succeed again.
func TestReadyFailsWhileTicksFail(t *testing.T) {
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fs := &failingClaims{DB: db}
	fs.fail.Store(true)
	s := &scheduler.Scheduler{Store: fs, Dispatcher: &recorder{clock: fc}, Clock: fc, Heartbeat: 10 * time.Second}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// The failed tick sleeps a second (a timer on the fake clock) before
	// trying again.
	eventually(t, func() bool {
		err := s.Ready()
		return err != nil && strings.Contains(err.Error(), "no space left") && fc.Timers() > 0
	})
	fs.fail.Store(false)
	fc.Advance(time.Second)
	eventually(t, func() bool { return s.Ready() == nil })
}

// Package scheduler decides when deliveries go out: it arms one timer at
// the earliest due instant, is woken early by writes, claims every due
// delivery in one transaction and hands them to the publisher. A
// one-minute cron sweep is the safety net; nothing at start-up scans the
// queue.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"pregonero"
	"pregonero/clock"
)

// Dispatcher receives claimed deliveries.
type Dispatcher interface {
	Dispatch(ds []*pregonero.Delivery)
	// Paused reports whether publishing is paused globally; while it is,
	// nothing is claimed.
	Paused() bool
}

// Scheduler arms a timer at the next due time.
type Scheduler struct {
	Store      pregonero.Store
	Dispatcher Dispatcher
	Clock      clock.Clock
	// Logger is the base logger; the scheduler adds its component name.
	Logger   *slog.Logger
	Location *time.Location
	// Lead is how long before its instant a delivery is claimed. The
	// publisher still waits for the instant itself: nothing goes out early.
	// Claiming ahead keeps a burst of simultaneous deliveries on time.
	Lead time.Duration
	// ClaimBatch caps the deliveries claimed per transaction.
	ClaimBatch int
	// Heartbeat is the longest the loop sleeps without beating; Ready fails
	// after three missed beats.
	Heartbeat time.Duration

	log   *slog.Logger // Logger, naming the component
	wake  chan struct{}
	beat  atomic.Int64 // unix nanos of the last loop iteration
	armed atomic.Int64 // unix nanos the timer is armed for; 0 when idle
	// tickErr is the error of the last tick when it failed (a full disk
	// refusing the claim, say): Ready fails while ticks fail.
	tickErr atomic.Pointer[error]
	cron    *cron.Cron
	stopped chan struct{}
	once    sync.Once
}

// Open prepares the scheduler; Run starts it.
func (s *Scheduler) Open() error {
	if s.Store == nil || s.Dispatcher == nil {
		return errors.New("scheduler: store and dispatcher are required")
	}
	if s.Clock == nil {
		s.Clock = clock.Real{}
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	s.log = s.Logger.With(pregonero.LogComponent, "scheduler")
	if s.Location == nil {
		s.Location = time.UTC
	}
	if s.Lead <= 0 {
		s.Lead = time.Second
	}
	if s.ClaimBatch <= 0 {
		s.ClaimBatch = 2000
	}
	if s.Heartbeat <= 0 {
		s.Heartbeat = 10 * time.Second
	}
	s.wake = make(chan struct{}, 1)
	s.stopped = make(chan struct{})
	// A job that panics is logged with its stack and runs again at its
	// next time; it does not take the process down.
	cl := cronLogger{s.log}
	s.cron = cron.New(cron.WithSeconds(), cron.WithLocation(s.Location),
		cron.WithLogger(cl), cron.WithChain(cron.Recover(cl)))
	// The safety sweep: should a wake-up ever be missed, a due delivery
	// waits at most a minute.
	if _, err := s.cron.AddFunc("0 * * * * *", func() { s.Notify(s.Clock.Now()) }); err != nil {
		return fmt.Errorf("scheduler: sweep: %w", err)
	}
	s.Store.OnDue(s.Notify)
	return nil
}

// AddJob registers a recurring job with a six-field cron spec (seconds
// first) in the scheduler's zone. A panic in fn is logged with its stack;
// the job runs again at its next time.
func (s *Scheduler) AddJob(spec string, fn func()) error {
	_, err := s.cron.AddFunc(spec, fn)
	return err
}

// Notify wakes the scheduler because a delivery became due at t. It never
// blocks. Open registers it with the store (pregonero.Store.OnDue), which
// calls it after every commit that makes something due: writers never
// call it themselves.
func (s *Scheduler) Notify(t time.Time) {
	if armed := s.armed.Load(); armed != 0 && t.UnixNano() >= armed {
		return // the timer already fires before t
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Ready returns nil while the loop beats.
func (s *Scheduler) Ready() error {
	last := s.beat.Load()
	if last == 0 {
		return errors.New("scheduler not started")
	}
	if age := s.Clock.Now().Sub(time.Unix(0, last)); age > 3*s.Heartbeat {
		return fmt.Errorf("scheduler heartbeat is %s old", age.Round(time.Second))
	}
	if p := s.tickErr.Load(); p != nil {
		return fmt.Errorf("the scheduler cannot claim what is due: %w", *p)
	}
	return nil
}

// Run loops until ctx is done.
func (s *Scheduler) Run(ctx context.Context) error {
	s.cron.Start()
	defer func() {
		<-s.cron.Stop().Done()
		s.once.Do(func() { close(s.stopped) })
	}()
	log := s.log
	for {
		s.beat.Store(s.Clock.Now().UnixNano())
		if ctx.Err() != nil {
			return nil
		}
		sleep := s.Heartbeat
		if !s.Dispatcher.Paused() {
			d, err := s.tick(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.tickErr.Store(&err)
				log.Error("scheduler tick failed", pregonero.LogErr, err)
				d = time.Second
			case err == nil && s.tickErr.Load() != nil:
				s.tickErr.Store(nil)
				log.Info("scheduler ticks succeed again")
			}
			sleep = min(sleep, d)
		}
		if sleep <= 0 {
			continue
		}
		t := s.Clock.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		case <-s.wake:
			t.Stop()
		}
		s.armed.Store(0)
	}
}

// tick claims what is due and returns how long to sleep.
func (s *Scheduler) tick(ctx context.Context) (time.Duration, error) {
	now := s.Clock.Now()
	ds, err := s.Store.ClaimDue(ctx, now, now.Add(s.Lead), s.ClaimBatch)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	if len(ds) > 0 {
		s.Dispatcher.Dispatch(ds)
		if len(ds) == s.ClaimBatch {
			return 0, nil // more may be due
		}
	}
	next, ok, err := s.Store.NextDue(ctx)
	if err != nil {
		return 0, fmt.Errorf("next due: %w", err)
	}
	if !ok {
		return s.Heartbeat, nil
	}
	s.armed.Store(next.UnixNano())
	return next.Sub(s.Clock.Now()) - s.Lead, nil
}

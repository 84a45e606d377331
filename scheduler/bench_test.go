package scheduler_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/publisher"
	"pregonero/scheduler"
	"pregonero/store"
)

// noop is an adapter that records when each send started relative to its
// due instant.
type noop struct {
	mu       sync.Mutex
	lateness []time.Duration
	early    atomic.Int64
	n        atomic.Int64
	first    chan time.Time
}

func (a *noop) Network() pregonero.Network                                            { return pregonero.NetworkX }
func (a *noop) Validate(pregonero.Content, *pregonero.Account) []pregonero.FieldError { return nil }
func (a *noop) Reconcile(context.Context, *pregonero.Delivery, pregonero.Content, *pregonero.Account, time.Time) (pregonero.Receipt, bool, error) {
	return pregonero.Receipt{}, false, nil
}

func (a *noop) Publish(_ context.Context, d *pregonero.Delivery, _ pregonero.Content, _ *pregonero.Account) (pregonero.Receipt, error) {
	now := time.Now()
	late := now.Sub(d.NextAttemptAt)
	if late < 0 {
		a.early.Add(1)
	}
	a.mu.Lock()
	a.lateness = append(a.lateness, late)
	a.mu.Unlock()
	if a.n.Add(1) == 1 && a.first != nil {
		a.first <- now
	}
	return pregonero.Receipt{RemoteID: d.ID}, nil
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

type system struct {
	db   *store.DB
	pub  *publisher.Publisher
	s    *scheduler.Scheduler
	stop func()
}

func startSystem(tb testing.TB, db *store.DB, ad pregonero.Adapter) *system {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.Recover(ctx, time.Now()); err != nil {
		tb.Fatal(err)
	}
	pub, err := publisher.New(publisher.Config{Store: db, Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: ad},
		Limits: map[pregonero.Network]publisher.Limit{}, Workers: 256})
	if err != nil {
		tb.Fatal(err)
	}
	if err := pub.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	s := &scheduler.Scheduler{Store: db, Dispatcher: pub, Clock: clock.Real{}}
	if err := s.Open(); err != nil {
		tb.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Run(cctx); close(done) }()
	return &system{db: db, pub: pub, s: s, stop: func() { cancel(); <-done; pub.Close() }}
}

func bulkQueue(tb testing.TB, db *store.DB, n, accounts int, at time.Time) {
	tb.Helper()
	ctx := context.Background()
	for a := 0; a < accounts; a++ {
		if err := db.PutAccount(ctx, &pregonero.Account{ID: fmt.Sprintf("x-%04d", a), Network: pregonero.NetworkX, Status: pregonero.AccountActive}); err != nil {
			tb.Fatal(err)
		}
	}
	batch := make([]*pregonero.Post, 0, 1000)
	for i := 0; i < n; i++ {
		acct := fmt.Sprintf("x-%04d", i%accounts)
		p := &pregonero.Post{ID: pregonero.NewID("p", at), Text: "t", Targets: []string{acct}, ScheduledAt: at, CreatedAt: at, UpdatedAt: at}
		p.Deliveries = []*pregonero.Delivery{{ID: pregonero.NewID("d", at), PostID: p.ID, AccountID: acct, Network: pregonero.NetworkX,
			State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at}}
		batch = append(batch, p)
		if len(batch) == cap(batch) || i == n-1 {
			if err := db.CreatePosts(ctx, batch...); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// BenchmarkBurst20k: 20,000 deliveries due at the same instant across
// 1,000 accounts, no-op adapter. Reports lateness percentiles, how many
// went early (must be 0), and the time from the instant until every result
// is durably recorded.
func BenchmarkBurst20k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "db"))
		if err != nil {
			b.Fatal(err)
		}
		at := time.Now().Add(6 * time.Second).Truncate(time.Millisecond)
		bulkQueue(b, db, 20000, 1000, at)
		ad := &noop{}
		sys := startSystem(b, db, ad)
		if time.Until(at) < time.Second {
			b.Fatalf("setup too slow: %v left before the instant", time.Until(at))
		}
		b.StartTimer()
		if os.Getenv("BURST_PROFILE") != "" {
			time.Sleep(time.Until(at.Add(-20 * time.Millisecond)))
			f, _ := os.Create(os.Getenv("BURST_PROFILE"))
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		var recorded time.Duration
		for {
			c, err := db.DeliveryCounts(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if c[pregonero.DeliveryPublished] == 20000 {
				recorded = time.Since(at)
				break
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		sys.stop()
		db.Close()
		b.ReportMetric(float64(percentile(ad.lateness, 0.50).Microseconds())/1000, "p50-late-ms")
		b.ReportMetric(float64(percentile(ad.lateness, 0.99).Microseconds())/1000, "p99-late-ms")
		b.ReportMetric(float64(ad.early.Load()), "early")
		b.ReportMetric(float64(recorded.Microseconds())/1000, "all-recorded-ms")
		b.ReportMetric(float64(percentile(ad.lateness, 1).Microseconds())/1000, "last-send-ms")
	}
}

// BenchmarkIsolatedDelivery: one delivery alone; how long after its time
// the send starts.
func BenchmarkIsolatedDelivery(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bulkQueue(b, db, 0, 1, time.Now())
	ad := &noop{}
	sys := startSystem(b, db, ad)
	defer sys.stop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at := time.Now().Add(50 * time.Millisecond)
		queue(b, db, at, "x-0000") // the store wakes the scheduler
		for ad.n.Load() < int64(i+1) {
			time.Sleep(100 * time.Microsecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(ad.lateness, 0.50).Microseconds())/1000, "p50-late-ms")
	b.ReportMetric(float64(percentile(ad.lateness, 0.99).Microseconds())/1000, "p99-late-ms")
	b.ReportMetric(float64(ad.early.Load()), "early")
}

// BenchmarkFirstDispatchAfterRestart: a data file with 1,000,000 queued
// deliveries (1,000 of them already due, the rest in the future) left by a
// killed process; time from opening the store to the first send, and the
// Go heap once running.
func BenchmarkFirstDispatchAfterRestart(b *testing.B) {
	path := filepath.Join(b.TempDir(), "db")
	db, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	bulkQueue(b, db, 999000, 1000, time.Now().Add(24*time.Hour))
	db.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := store.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		bulkQueue(b, db, 1000, 100, time.Now().Add(-time.Second))
		// A claim left behind, as by kill -9 mid-send.
		if _, err := db.ClaimDue(context.Background(), time.Now(), time.Now(), 10); err != nil {
			b.Fatal(err)
		}
		db.Close()
		b.StartTimer()
		runtime.GC()
		start := time.Now()
		db, err = store.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		ad := &noop{first: make(chan time.Time, 1)}
		sys := startSystem(b, db, ad)
		first := <-ad.first
		b.StopTimer()
		runtime.GC() // what stays live, not the garbage of the setup
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(first.Sub(start).Microseconds())/1000, "first-dispatch-ms")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		sys.stop()
		db.Close()
		b.StartTimer()
	}
}

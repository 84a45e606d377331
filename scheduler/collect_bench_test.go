package scheduler_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/metrics"
	"pregonero/store"
)

// metricsReader answers every post of a call with X's seven normalized
// counts and eleven raw ones, at once: the collector's share of the CPU
// and of the store's writes is the most it can be.
type metricsReader struct{ calls atomic.Int64 }

func (r *metricsReader) MetricsBatch() int { return 100 }

func (r *metricsReader) ReadMetrics(_ context.Context, req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
	r.calls.Add(1)
	out := make(map[string]pregonero.Snapshot, len(req.Deliveries))
	for i, d := range req.Deliveries {
		n := int64(i)
		out[d.ID] = pregonero.Snapshot{
			Metrics: map[string]int64{pregonero.MetricLikes: n, pregonero.MetricComments: n / 3, pregonero.MetricShares: n / 5,
				pregonero.MetricSaves: n / 7, pregonero.MetricImpressions: n * 40, pregonero.MetricClicks: n / 2, pregonero.MetricVideoViews: n * 9},
			Raw: map[string]int64{"public_metrics.like_count": n, "public_metrics.reply_count": n / 3, "public_metrics.retweet_count": n / 5,
				"public_metrics.quote_count": 0, "public_metrics.bookmark_count": n / 7, "public_metrics.impression_count": n * 40,
				"non_public_metrics.impression_count": n * 40, "non_public_metrics.url_link_clicks": n / 2,
				"non_public_metrics.user_profile_clicks": n / 4, "non_public_metrics.engagements": n, "media.public_metrics.view_count": n * 9}}
	}
	return pregonero.MetricsResult{Snapshots: out, Billed: len(out)}, nil
}

// publishedBacklog stores n deliveries published at pub across accounts,
// in the schedule of measurements (enrolled as they are published).
func publishedBacklog(tb testing.TB, db *store.DB, n, accounts int, pub time.Time) {
	tb.Helper()
	ctx := context.Background()
	bulkQueue(tb, db, n, accounts, pub)
	ds, err := db.DueBefore(ctx, pub.Add(time.Nanosecond), "", 0)
	if err != nil || len(ds) != n {
		tb.Fatalf("DueBefore() = %d, %v; want %d", len(ds), err, n)
	}
	for len(ds) > 0 {
		chunk := ds[:min(1000, len(ds))]
		ds = ds[len(chunk):]
		ups := make([]pregonero.DeliveryUpdate, len(chunk))
		for i, d := range chunk {
			ups[i] = pregonero.DeliveryUpdate{ID: d.ID, Fn: func(d *pregonero.Delivery) error {
				if err := d.Claim(); err != nil {
					return err
				}
				if err := d.Start(pub); err != nil {
					return err
				}
				return d.Publish(pregonero.Receipt{RemoteID: d.ID, PublishedAt: pub}, pub, pub, "")
			}}
		}
		if _, errs, err := db.UpdateDeliveries(ctx, ups); err != nil {
			tb.Fatal(err)
		} else {
			for _, err := range errs {
				if err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
}

// latenessRun publishes 1,000 posts due at the same instant across 100
// accounts, no-op adapter, over a store holding 10,000 published
// deliveries due for measurement; with collect, one collection cycle
// over all 10,000 starts just before the instant. It returns the
// lateness p99 of the sends, and how long the cycles took to measure all
// 10,000 and how many snapshots they stored.
func latenessRun(b *testing.B, collect bool) (p99, cycle time.Duration, snaps int) {
	b.Helper()
	db, err := store.Open(filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	publishedBacklog(b, db, 10000, 100, time.Now().Add(-30*time.Minute))
	var ahead atomic.Int64 // how far the collector's clock is ahead of the wall clock
	r := &metricsReader{}
	c, err := metrics.New(metrics.Config{Store: db, Readers: map[pregonero.Network]pregonero.MetricsReader{pregonero.NetworkX: r},
		Now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }, CallsPerCycle: 100, MaxDue: 20000,
		Yield: metrics.DueSoon(db, time.Now)})
	if err != nil {
		b.Fatal(err)
	}
	// Placed at their first step (1 h after publication), not yet due.
	if res, err := c.Collect(ctx); err != nil || res.Placed != 10000 || res.Snapshots != 0 {
		b.Fatalf("placing: %+v, %v", res, err)
	}
	ahead.Store(int64(time.Hour)) // from here all 10,000 are due
	at := time.Now().Add(3 * time.Second).Truncate(time.Millisecond)
	bulkQueue(b, db, 1000, 100, at)
	ad := &noop{}
	sys := startSystem(b, db, ad)
	defer sys.stop()
	done := make(chan struct{})
	if collect {
		time.Sleep(time.Until(at.Add(-20 * time.Millisecond)))
		go func() {
			// Cycles a millisecond apart (a minute apart in service) until
			// all 10,000 are measured: each gives way while posts are due.
			defer close(done)
			start := time.Now()
			for snaps < 10000 {
				res, err := c.Collect(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				snaps += res.Snapshots
				time.Sleep(time.Millisecond)
			}
			cycle = time.Since(start)
		}()
	} else {
		close(done)
	}
	for {
		counts, err := db.DeliveryCounts(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if counts[pregonero.DeliveryPublished] == 11000 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	<-done
	if ad.early.Load() != 0 {
		b.Fatalf("%d sends went early", ad.early.Load())
	}
	return percentile(ad.lateness, 0.99), cycle, snaps
}

// BenchmarkPublishWhileCollecting: the lateness p99 of 1,000 posts due at
// once, alone and while a collection cycle measures 10,000 published
// deliveries (100 calls of 100, answered at once, each stored in its own
// write; cycles give way while posts are due). Reports both p99s, their
// ratio, and how long collection took from just before the instant.
func BenchmarkPublishWhileCollecting(b *testing.B) {
	for i := 0; i < b.N; i++ {
		base, _, _ := latenessRun(b, false)
		with, cycle, snaps := latenessRun(b, true)
		if snaps < 10000 {
			b.Fatalf("the cycles stored %d snapshots, want at least the 10000", snaps)
		}
		b.ReportMetric(float64(base.Microseconds())/1000, "p99-late-ms-alone")
		b.ReportMetric(float64(with.Microseconds())/1000, "p99-late-ms-collecting")
		b.ReportMetric(float64(with)/float64(max(base, time.Microsecond)), "p99-ratio")
		b.ReportMetric(float64(cycle.Microseconds())/1000, "cycle-ms")
	}
}

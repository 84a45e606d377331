package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"pregonero"
	"pregonero/store"
)

// benchSnapshots stores snapshots of deliveries deliveries, per of each,
// shaped like X's (seven normalized counts, eleven raw ones), and returns
// the delivery ids.
func benchSnapshots(tb testing.TB, db *store.DB, deliveries, per int) []string {
	tb.Helper()
	ids := make([]string, deliveries)
	var batch []pregonero.Snapshot
	for i := range ids {
		ids[i] = pregonero.NewID("d", benchBase)
		for s := range per {
			n := int64(i*per + s)
			batch = append(batch, pregonero.Snapshot{DeliveryID: ids[i], PostID: fmt.Sprintf("p_%d", i), AccountID: fmt.Sprintf("x-%02d", i%20),
				Network: pregonero.NetworkX, CollectedAt: benchBase.Add(time.Duration(s+1) * time.Hour),
				Metrics: map[string]int64{pregonero.MetricLikes: n, pregonero.MetricComments: n / 3, pregonero.MetricShares: n / 5,
					pregonero.MetricSaves: n / 7, pregonero.MetricImpressions: n * 40, pregonero.MetricClicks: n / 2, pregonero.MetricVideoViews: n * 9},
				Raw: map[string]int64{"public_metrics.like_count": n, "public_metrics.reply_count": n / 3, "public_metrics.retweet_count": n / 5,
					"public_metrics.quote_count": 0, "public_metrics.bookmark_count": n / 7, "public_metrics.impression_count": n * 40,
					"non_public_metrics.impression_count": n * 40, "non_public_metrics.url_link_clicks": n / 2,
					"non_public_metrics.user_profile_clicks": n / 4, "non_public_metrics.engagements": n, "media.public_metrics.view_count": n * 9}})
		}
		if len(batch) >= 6000 || i == len(ids)-1 {
			if err := db.AddSnapshots(context.Background(), batch, nil); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return ids
}

// BenchmarkEachSnapshot reads what a campaign report reads: 10,000
// deliveries with 6 snapshots each, normalized metrics only. One op is
// the whole walk; ns/snapshot is the cost of one snapshot.
func BenchmarkEachSnapshot(b *testing.B) {
	const deliveries, per = 10000, 6
	db := MustOpen(b, filepath.Join(b.TempDir(), "bench.db"))
	ids := benchSnapshots(b, db, deliveries, per)
	for _, raw := range []bool{false, true} {
		b.Run(fmt.Sprintf("raw=%t", raw), func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				n, likes := 0, int64(0)
				if err := db.EachSnapshot(ctx, ids, time.Time{}, raw, func(s *pregonero.Snapshot) error {
					n++
					likes += s.Metrics[pregonero.MetricLikes]
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if n != deliveries*per {
					b.Fatalf("walked %d snapshots, want %d", n, deliveries*per)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(deliveries*per), "ns/snapshot")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/walk")
		})
	}
}

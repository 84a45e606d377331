package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/store"
	"pregonero/store/storetest"
)

var benchBase = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// benchPosts returns n single-target posts scheduled from at onwards,
// spread over the given number of accounts, with ids increasing as they
// would be when created one after another.
func benchPosts(n, accounts int, at time.Time, spread time.Duration) []*pregonero.Post {
	ps := make([]*pregonero.Post, n)
	for i := range ps {
		ps[i] = storetest.NewPost(at.Add(time.Duration(i)*spread), fmt.Sprintf("acct-%04d", i%accounts))
	}
	return ps
}

func bulkCreate(tb testing.TB, db *store.DB, posts []*pregonero.Post) {
	tb.Helper()
	for len(posts) > 0 {
		n := min(1000, len(posts))
		if err := db.CreatePosts(context.Background(), posts[:n]...); err != nil {
			tb.Fatal(err)
		}
		posts = posts[n:]
	}
}

// BenchmarkCreatePostConcurrent measures durable one-post creates from
// many writers at once, which the committer folds into shared
// transactions. One op is one post.
func BenchmarkCreatePostConcurrent(b *testing.B) {
	for _, writers := range []int{8, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db := MustOpen(b, filepath.Join(b.TempDir(), "bench.db"))
			posts := benchPosts(b.N, 100, benchBase, time.Second)
			ctx := context.Background()
			var (
				wg     sync.WaitGroup
				next   atomic.Int64
				failed atomic.Pointer[error]
			)
			b.ResetTimer()
			start := time.Now()
			for range writers {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(len(posts)) {
							return
						}
						if err := db.CreatePosts(ctx, posts[i]); err != nil {
							failed.Store(&err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "posts/s")
		})
	}
}

// BenchmarkCreatePostsBulk measures CreatePosts with 1,000 posts a call;
// one op is one call.
func BenchmarkCreatePostsBulk(b *testing.B) {
	db := MustOpen(b, filepath.Join(b.TempDir(), "bench.db"))
	const batch = 1000
	var (
		elapsed time.Duration
		posts   int
	)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		ps := benchPosts(batch, 100, benchBase.Add(time.Duration(i)*batch*time.Second), time.Second)
		b.StartTimer()
		start := time.Now()
		if err := db.CreatePosts(context.Background(), ps...); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		posts += batch
	}
	b.ReportMetric(float64(posts)/elapsed.Seconds(), "posts/s")
}

// BenchmarkClaimDue20k measures claiming 20,000 deliveries due at the same
// instant across 1,000 accounts, 2,000 a transaction; one op claims them
// all.
func BenchmarkClaimDue20k(b *testing.B) {
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		db := MustOpen(b, filepath.Join(b.TempDir(), fmt.Sprintf("claim%d.db", i)))
		bulkCreate(b, db, benchPosts(20000, 1000, benchBase, 0))
		b.StartTimer()
		claimed := 0
		for {
			ds, err := db.ClaimDue(ctx, benchBase, benchBase, 2000)
			if err != nil {
				b.Fatal(err)
			}
			if len(ds) == 0 {
				break
			}
			claimed += len(ds)
		}
		b.StopTimer()
		if claimed != 20000 {
			b.Fatalf("claimed %d, want 20000", claimed)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkOpenWith1MQueued measures the time from Open to the first
// NextDue answer, and the Go heap in use then, with 10k and 1M queued
// deliveries: neither should grow with the queue. Building the 1M file
// takes a while; -short skips it.
func BenchmarkOpenWith1MQueued(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("queued=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("building 1M deliveries is skipped with -short")
			}
			path := filepath.Join(b.TempDir(), "queue.db")
			db, err := store.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < n; i += 10_000 {
				bulkCreate(b, db, benchPosts(min(10_000, n-i), 1000, benchBase.Add(time.Duration(i)*time.Second), time.Second))
			}
			if err := db.Close(); err != nil {
				b.Fatal(err)
			}
			var heap uint64
			for b.Loop() {
				db, err := store.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				t, ok, err := db.NextDue(context.Background())
				b.StopTimer()
				if err != nil || !ok || !t.Equal(benchBase) {
					b.Fatalf("NextDue() = %v, %v, %v; want %v, true, nil", t, ok, err, benchBase)
				}
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = ms.HeapInuse
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				b.StartTimer()
			}
			b.ReportMetric(float64(heap), "heap-inuse-B")
		})
	}
}

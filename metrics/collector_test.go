package metrics_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/metrics"
	"pregonero/store"
	"pregonero/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// reader is a function-field fake of pregonero.MetricsReader that counts
// its calls.
type reader struct {
	mu    sync.Mutex
	calls [][]*pregonero.Delivery
	read  func(ds []*pregonero.Delivery) (map[string]pregonero.Snapshot, error)
}

func (r *reader) MetricsBatch() int { return 100 }

func (r *reader) ReadMetrics(_ context.Context, req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
	ds := req.Deliveries
	r.mu.Lock()
	r.calls = append(r.calls, ds)
	r.mu.Unlock()
	if r.read != nil {
		got, err := r.read(ds)
		return pregonero.MetricsResult{Snapshots: got}, err
	}
	out := map[string]pregonero.Snapshot{}
	for _, d := range ds {
		out[d.ID] = pregonero.Snapshot{Metrics: map[string]int64{pregonero.MetricLikes: 7}, Raw: map[string]int64{"public_metrics.like_count": 7}}
	}
	return pregonero.MetricsResult{Snapshots: out}, nil
}

func (r *reader) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

var t0 = time.Date(2031, 5, 4, 10, 0, 0, 0, time.UTC)

func setup(t *testing.T, posts int) (*store.DB, *clock.Fake, *reader, *metrics.Collector) {
	t.Helper()
	clk := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "pregonero.db"), store.WithNow(clk.Now), store.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.PutAccount(ctx, &pregonero.Account{ID: "x-a", Network: pregonero.NetworkX, Name: "a", Status: pregonero.AccountActive}); err != nil {
		t.Fatal(err)
	}
	ps := make([]*pregonero.Post, posts)
	for i := range ps {
		ps[i] = storetest.NewPost(t0, "x-a")
	}
	if err := db.CreatePosts(ctx, ps...); err != nil {
		t.Fatal(err)
	}
	storetest.Publish(t, db, t0, ps...)
	r := &reader{}
	c, err := metrics.New(metrics.Config{Store: db, Readers: map[pregonero.Network]pregonero.MetricsReader{pregonero.NetworkX: r},
		Now: clk.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return db, clk, r, c
}

func collect(t *testing.T, c *metrics.Collector) metrics.Result {
	t.Helper()
	res, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect() = %v", err)
	}
	return res
}

func TestScheduleInstants(t *testing.T) {
	db, clk, r, c := setup(t, 1)
	var taken []time.Time
	for _, step := range metrics.DefaultSchedule {
		clk.Set(t0.Add(step - time.Second))
		if res := collect(t, c); res.Snapshots != 0 {
			t.Fatalf("at %s a second early: %d snapshots", step, res.Snapshots)
		}
		clk.Set(t0.Add(step))
		if res := collect(t, c); res.Snapshots != 1 {
			t.Fatalf("at %s: %d snapshots, want 1", step, res.Snapshots)
		}
		taken = append(taken, clk.Now())
	}
	clk.Set(t0.Add(365 * 24 * time.Hour))
	if res := collect(t, c); res.Snapshots != 0 || r.count() != len(metrics.DefaultSchedule) {
		t.Errorf("after the schedule: %d snapshots, %d calls; want none more", res.Snapshots, r.count())
	}
	p, _ := db.Posts(context.Background(), pregonero.PostFilter{})
	snaps, err := db.Snapshots(context.Background(), p.Posts[0].Deliveries[0].ID, time.Time{}, time.Time{})
	if err != nil || len(snaps) != len(taken) {
		t.Fatalf("Snapshots() = %d, %v; want %d", len(snaps), err, len(taken))
	}
	for i, s := range snaps {
		if !s.CollectedAt.Equal(taken[i]) || s.PostID != p.Posts[0].ID || s.AccountID != "x-a" || s.Network != pregonero.NetworkX || s.Metrics[pregonero.MetricLikes] != 7 {
			t.Errorf("snapshot %d = %+v, want collected at %s", i, s, taken[i])
		}
	}
}

func TestCatchUpAfterOutage(t *testing.T) {
	const posts = 2500
	db, clk, r, c := setup(t, posts)
	// Down for three days from the publication: the 1 h, 6 h and 24 h
	// measurements were missed, and the 72 h one is due as it comes back.
	clk.Set(t0.Add(72*time.Hour + time.Minute))
	total := 0
	for cycle := 0; total < posts; cycle++ {
		if cycle > 10 {
			t.Fatalf("after %d cycles only %d of %d measured", cycle, total, posts)
		}
		before := r.count()
		res := collect(t, c)
		if calls := r.count() - before; calls > 10 || res.Calls[pregonero.NetworkX] != calls {
			t.Fatalf("cycle %d made %d calls (result says %d); at most 10 per cycle", cycle, calls, res.Calls[pregonero.NetworkX])
		}
		total += res.Snapshots
		clk.Advance(time.Minute)
	}
	// 25 calls of 100 in 3 cycles a minute apart: far under X's 3,500
	// lookups per 15 minutes.
	if r.count() != posts/100 || total != posts {
		t.Errorf("%d calls and %d snapshots; want %d and %d: one reading per delivery, not one per missed step", r.count(), total, posts/100, posts)
	}
	due, err := db.DueMetrics(context.Background(), t0.Add(168*time.Hour), posts+1)
	if err != nil || len(due) != posts || !due[0].At.Equal(t0.Add(168*time.Hour)) || due[0].Step != 4 {
		t.Errorf("next due = %d entries (first %+v), %v; want all at 168 h, step 4", len(due), due[0], err)
	}
}

func TestReadFailureKeepsDue(t *testing.T) {
	_, clk, r, c := setup(t, 1)
	r.read = func([]*pregonero.Delivery) (map[string]pregonero.Snapshot, error) {
		return nil, &pregonero.PublishError{Class: pregonero.ClassRateLimited, Code: "x_rate_limited"}
	}
	clk.Set(t0.Add(time.Hour))
	if res := collect(t, c); res.Snapshots != 0 || res.Ended != 0 {
		t.Fatalf("a refused read: %+v", res)
	}
	r.read = nil
	clk.Advance(time.Minute)
	if res := collect(t, c); res.Snapshots != 1 {
		t.Errorf("the next cycle: %d snapshots, want the measurement taken then", res.Snapshots)
	}
}

func TestPostGoneLeavesSchedule(t *testing.T) {
	_, clk, r, c := setup(t, 1)
	r.read = func([]*pregonero.Delivery) (map[string]pregonero.Snapshot, error) {
		return map[string]pregonero.Snapshot{}, nil
	}
	clk.Set(t0.Add(time.Hour))
	if res := collect(t, c); res.Ended != 1 {
		t.Fatalf("a post the network no longer has: %+v, want it out of the schedule", res)
	}
	clk.Set(t0.Add(30 * 24 * time.Hour))
	if collect(t, c); r.count() != 1 {
		t.Errorf("%d calls, want no more after the post was gone", r.count())
	}
}

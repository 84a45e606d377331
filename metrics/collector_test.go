package metrics_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/logtest"
	"pregonero/metrics"
	"pregonero/store"
	"pregonero/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// reader is a function-field fake of pregonero.MetricsReader that records
// its requests; without read it answers 7 likes for every delivery and
// bills nothing.
type reader struct {
	mu    sync.Mutex
	calls []pregonero.MetricsRequest
	read  func(req pregonero.MetricsRequest) (pregonero.MetricsResult, error)
}

func (r *reader) MetricsBatch() int { return 100 }

func (r *reader) ReadMetrics(_ context.Context, req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
	r.mu.Lock()
	r.calls = append(r.calls, req)
	r.mu.Unlock()
	if r.read != nil {
		return r.read(req)
	}
	return likes(req, 7), nil
}

// likes answers n likes for every delivery of req.
func likes(req pregonero.MetricsRequest, n int64) pregonero.MetricsResult {
	out := map[string]pregonero.Snapshot{}
	for _, d := range req.Deliveries {
		out[d.ID] = pregonero.Snapshot{Metrics: map[string]int64{pregonero.MetricLikes: n}, Raw: map[string]int64{"public_metrics.like_count": n}}
	}
	return pregonero.MetricsResult{Snapshots: out}
}

func (r *reader) request(i int) pregonero.MetricsRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[i]
}

func (r *reader) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

var t0 = time.Date(2031, 5, 4, 10, 0, 0, 0, time.UTC)

func setup(t *testing.T, posts int, opts ...func(*metrics.Config)) (*store.DB, *clock.Fake, *reader, *metrics.Collector) {
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
	cfg := metrics.Config{Store: db, Readers: map[pregonero.Network]pregonero.MetricsReader{pregonero.NetworkX: r},
		Now: clk.Now, Logger: quiet}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := metrics.New(cfg)
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
	r.read = func(pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
		return pregonero.MetricsResult{}, &pregonero.PublishError{Class: pregonero.ClassRateLimited, Code: "x_rate_limited"}
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
	r.read = func(pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
		return pregonero.MetricsResult{Snapshots: map[string]pregonero.Snapshot{}}, nil
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

func TestPlacedWithoutCall(t *testing.T) {
	t.Run("a delivery just published is placed at its first step without a call", func(t *testing.T) {
		db, clk, r, c := setup(t, 3)
		clk.Set(t0.Add(time.Minute))
		if res := collect(t, c); res.Placed != 3 || res.Snapshots != 0 || r.count() != 0 {
			t.Fatalf("first cycle: %+v, %d calls; want 3 placed, no call", res, r.count())
		}
		due, err := db.DueMetrics(context.Background(), t0.Add(time.Hour), 10)
		if err != nil || len(due) != 3 || due[0].Step != 0 || !due[0].At.Equal(t0.Add(time.Hour)) {
			t.Errorf("due = %+v, %v; want 3 at step 0, due at 1 h", due, err)
		}
	})
	t.Run("deliveries to a network without a reader leave the schedule", func(t *testing.T) {
		db, clk, r, c := setup(t, 2, func(cfg *metrics.Config) {
			cfg.Readers = map[pregonero.Network]pregonero.MetricsReader{pregonero.NetworkFacebook: &reader{}}
		})
		clk.Set(t0.Add(time.Minute))
		if res := collect(t, c); res.Ended != 2 || res.Placed != 0 || r.count() != 0 {
			t.Fatalf("cycle: %+v; want both out of the schedule", res)
		}
		if due, err := db.DueMetrics(context.Background(), t0.Add(365*24*time.Hour), 10); err != nil || len(due) != 0 {
			t.Errorf("due = %+v, %v; want none", due, err)
		}
	})
	t.Run("a delivery whose whole schedule is past is not read", func(t *testing.T) {
		_, clk, r, c := setup(t, 1)
		clk.Set(t0.Add(721 * time.Hour))
		if res := collect(t, c); res.Ended != 1 || r.count() != 0 {
			t.Errorf("cycle: %+v, %d calls; want it out of the schedule unread", res, r.count())
		}
	})
	t.Run("a network's own schedule applies to its deliveries", func(t *testing.T) {
		_, clk, r, c := setup(t, 1, func(cfg *metrics.Config) {
			cfg.Networks = map[pregonero.Network]metrics.NetworkConfig{pregonero.NetworkX: {Schedule: []time.Duration{90 * time.Second, 5 * time.Minute}, MaxReadsPerDay: -1}}
		})
		for _, at := range []time.Duration{90*time.Second - 1, 90 * time.Second, 5*time.Minute - 1, 5 * time.Minute, time.Hour} {
			clk.Set(t0.Add(at))
			collect(t, c)
		}
		if r.count() != 2 {
			t.Errorf("%d calls; want 2, at 90 s and 5 min", r.count())
		}
	})
}

func TestRefusalRememberedAndLoggedOnce(t *testing.T) {
	var logs logtest.Buffer
	db, clk, r, c := setup(t, 2, func(cfg *metrics.Config) { cfg.Logger = logs.Logger() })
	refusal := pregonero.MetricRefusal{Kind: "post", Metric: "non_public_metrics.url_link_clicks", Reason: "Field Authorization Error"}
	r.read = func(req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
		res := likes(req, 3)
		// The network refuses the metric on every call that asks for it.
		if !slices.ContainsFunc(req.Refused, func(x pregonero.MetricRefusal) bool { return x.Metric == refusal.Metric }) {
			res.Refused = []pregonero.MetricRefusal{refusal}
		}
		return res, nil
	}
	clk.Set(t0.Add(time.Hour))
	if res := collect(t, c); res.Snapshots != 2 {
		t.Fatalf("first reading: %+v; want both snapshots kept beside the refusal", res)
	}
	if got := r.request(0).Refused; len(got) != 0 {
		t.Errorf("first call asked with refusals %+v; want none known yet", got)
	}
	got, err := db.RefusedMetrics(context.Background(), pregonero.NetworkX)
	want := []pregonero.MetricRefusal{{Network: pregonero.NetworkX, Kind: "post", Metric: refusal.Metric, Reason: refusal.Reason, At: t0.Add(time.Hour)}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("RefusedMetrics() = %+v, %v; want %+v", got, err, want)
	}
	clk.Set(t0.Add(6 * time.Hour))
	collect(t, c)
	if got := r.request(1).Refused; !reflect.DeepEqual(got, want) {
		t.Errorf("the next call asked with refusals %+v; want %+v", got, want)
	}
	// Heard again (from a reader that forgot it, as after a restart), it
	// is not logged again.
	r.read = func(req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
		res := likes(req, 4)
		res.Refused = []pregonero.MetricRefusal{refusal}
		return res, nil
	}
	clk.Set(t0.Add(24 * time.Hour))
	collect(t, c)
	if n := strings.Count(logs.String(), "level=WARN msg=\"the network refused a metric"); n != 1 {
		t.Errorf("%d WARN lines about the refusal; want 1:\n%s", n, logs.String())
	}
	for _, attr := range []string{"network=x", "kind=post", "metric=non_public_metrics.url_link_clicks", `reason="Field Authorization Error"`} {
		if !strings.Contains(logs.String(), attr) {
			t.Errorf("the refusal's line lacks %s:\n%s", attr, logs.String())
		}
	}
	if got, _ := db.RefusedMetrics(context.Background(), pregonero.NetworkX); !reflect.DeepEqual(got, want) {
		t.Errorf("RefusedMetrics() later = %+v; want the first one kept, %+v", got, want)
	}
}

func TestDailyCapNewestFirst(t *testing.T) {
	// Five posts published a minute apart; X bills a read per post; the
	// cap allows three a day. Measured at 1 h and then at 30 days.
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
	var ps []*pregonero.Post
	for i := range 5 {
		p := storetest.NewPost(t0, "x-a")
		if err := db.CreatePosts(ctx, p); err != nil {
			t.Fatal(err)
		}
		storetest.Publish(t, db, t0.Add(time.Duration(i)*time.Minute), p)
		ps = append(ps, p)
	}
	r := &reader{read: func(req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
		res := likes(req, 1)
		res.Billed = len(req.Deliveries)
		return res, nil
	}}
	c, err := metrics.New(metrics.Config{Store: db, Readers: map[pregonero.Network]pregonero.MetricsReader{pregonero.NetworkX: r},
		Now: clk.Now, Logger: quiet,
		Networks: map[pregonero.Network]metrics.NetworkConfig{pregonero.NetworkX: {Schedule: []time.Duration{time.Hour, 720 * time.Hour}, MaxReadsPerDay: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(2 * time.Hour))
	res := collect(t, c)
	if res.Snapshots != 3 || res.Billed[pregonero.NetworkX] != 3 || res.Capped != 2 {
		t.Fatalf("first cycle: %+v; want the 3 newest read, 2 waiting", res)
	}
	read := func() []string {
		var ids []string
		for _, p := range ps {
			if s, _ := db.Snapshots(ctx, p.Deliveries[0].ID, time.Time{}, time.Time{}); len(s) > 0 {
				ids = append(ids, p.ID)
			}
		}
		return ids
	}
	if got, want := read(), []string{ps[2].ID, ps[3].ID, ps[4].ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("measured %v; want the newest published, %v", got, want)
	}
	clk.Advance(time.Minute)
	if res := collect(t, c); res.Snapshots != 0 || r.count() != 1 {
		t.Errorf("later the same day: %+v, %d calls; want nothing read", res, r.count())
	}
	if u, err := db.BilledReads(ctx, clk.Now()); err != nil || len(u) != 1 || u[0].Reads != 3 || u[0].AccountID != "x-a" {
		t.Errorf("BilledReads() = %+v, %v; want 3 for x-a", u, err)
	}
	// The next UTC day the two that waited are read.
	clk.Set(time.Date(2031, 5, 5, 0, 0, 0, 0, time.UTC))
	if res := collect(t, c); res.Snapshots != 2 || res.Capped != 0 {
		t.Errorf("next day: %+v; want the 2 that waited", res)
	}
	if got := read(); len(got) != 5 {
		t.Errorf("measured %v; want all 5", got)
	}
}

// accountReader is a function-field fake of pregonero.AccountMetricsReader.
type accountReader struct {
	mu    sync.Mutex
	calls int
}

func (a *accountReader) ReadAccountMetrics(_ context.Context, acct *pregonero.Account) (pregonero.AccountSnapshot, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	return pregonero.AccountSnapshot{Metrics: map[string]int64{pregonero.MetricFollowers: int64(100 + a.calls)},
		Raw: map[string]int64{"public_metrics.followers_count": int64(100 + a.calls)}}, nil
}

func TestAccountSnapshotOnceADay(t *testing.T) {
	bogota, err := time.LoadLocation("America/Bogota")
	if err != nil {
		t.Fatal(err)
	}
	ar := &accountReader{}
	opts := func(cfg *metrics.Config) {
		cfg.AccountReaders = map[pregonero.Network]pregonero.AccountMetricsReader{pregonero.NetworkX: ar}
		cfg.Location = bogota
	}
	db, clk, _, c := setup(t, 0, opts)
	ctx := context.Background()
	if err := db.PutAccount(ctx, &pregonero.Account{ID: "x-paused", Network: pregonero.NetworkX, Name: "p", Status: pregonero.AccountPaused}); err != nil {
		t.Fatal(err)
	}
	// t0 is 05:00 in Bogotá, 10:00 UTC.
	if res := collect(t, c); res.AccountSnapshots != 1 || res.Calls[pregonero.NetworkX] != 1 {
		t.Fatalf("first cycle: %+v; want one snapshot of the active account, counted as a call", res)
	}
	clk.Set(t0.Add(time.Minute))
	if res := collect(t, c); res.AccountSnapshots != 0 {
		t.Errorf("the same day: %+v; want none", res)
	}
	// A restart the same day: the store says it was taken.
	c2, err := metrics.New(metrics.Config{Store: db, Now: clk.Now, Logger: quiet, Location: bogota,
		AccountReaders: map[pregonero.Network]pregonero.AccountMetricsReader{pregonero.NetworkX: ar}})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(19*time.Hour - time.Second)) // 23:59:59 in Bogotá
	if res := collect(t, c2); res.AccountSnapshots != 0 {
		t.Errorf("after a restart the same day: %+v; want none", res)
	}
	clk.Set(t0.Add(19 * time.Hour)) // midnight in Bogotá
	if res := collect(t, c2); res.AccountSnapshots != 1 {
		t.Errorf("the next day: %+v; want one", res)
	}
	got, err := db.AccountSnapshots(ctx, "x-a", time.Time{}, time.Time{})
	if err != nil || len(got) != 2 || !got[0].CollectedAt.Equal(t0) || !got[1].CollectedAt.Equal(t0.Add(19*time.Hour)) ||
		got[1].Metrics[pregonero.MetricFollowers] != 102 || got[1].Network != pregonero.NetworkX {
		t.Errorf("AccountSnapshots() = %+v, %v; want 101 at %s and 102 at %s", got, err, t0, t0.Add(19*time.Hour))
	}
	if ar.calls != 2 {
		t.Errorf("%d reads; want 2", ar.calls)
	}
}

func TestPurgeAfterRetention(t *testing.T) {
	db, clk, _, c := setup(t, 1, func(cfg *metrics.Config) { cfg.Retention = 48 * time.Hour })
	for _, at := range []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour} {
		clk.Set(t0.Add(at))
		collect(t, c)
	}
	n, err := c.Purge(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Purge() = %d, %v; want the 1 h and 6 h snapshots, older than 48 h", n, err)
	}
	p, _ := db.Posts(context.Background(), pregonero.PostFilter{})
	if s, _ := db.Snapshots(context.Background(), p.Posts[0].Deliveries[0].ID, time.Time{}, time.Time{}); len(s) != 2 {
		t.Errorf("%d snapshots left; want 2", len(s))
	}
	_, _, _, keep := setup(t, 0)
	if n, err := keep.Purge(context.Background()); err != nil || n != 0 {
		t.Errorf("Purge() without retention = %d, %v; want nothing deleted", n, err)
	}
}

func TestFailingReaderLoggedOnceUntilItRecovers(t *testing.T) {
	var logs logtest.Buffer
	_, clk, r, c := setup(t, 1, func(cfg *metrics.Config) { cfg.Logger = logs.Logger() })
	fail := errors.New("connection refused")
	r.read = func(pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
		return pregonero.MetricsResult{}, fail
	}
	warns := func() int { return strings.Count(logs.String(), `level=WARN msg="metrics not read`) }
	clk.Set(t0.Add(time.Hour))
	for range 3 {
		collect(t, c)
		clk.Advance(time.Minute)
	}
	if n := warns(); n != 1 {
		t.Errorf("3 failed cycles logged %d WARN lines; want 1:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), `level=DEBUG msg="metrics not read`); n != 2 {
		t.Errorf("%d DEBUG lines for the repeated failure; want 2", n)
	}
	fail = errors.New("HTTP 500")
	collect(t, c)
	if n := warns(); n != 2 {
		t.Errorf("a new error logged %d WARN lines in all; want 2", n)
	}
	r.read = nil
	clk.Advance(time.Minute)
	if res := collect(t, c); res.Snapshots != 1 {
		t.Fatalf("recovered cycle: %+v", res)
	}
	if n := strings.Count(logs.String(), `level=INFO msg="metrics read again" component=metrics network=x account=x-a`); n != 1 {
		t.Errorf("%d INFO lines for the recovery; want 1:\n%s", n, logs.String())
	}
}

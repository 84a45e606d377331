package metrics_test

import (
	"context"
	"testing"
	"time"

	"pregonero"
	"pregonero/metrics"
	"pregonero/store/storetest"
)

// TestCollectionGivesWayToPublishing: a cycle reads nothing while a post
// is due within 2 s, came due within the last minute or is being sent, and
// reads what it left once publishing is done; a post long overdue (held
// up by a pause or a limit) does not hold collection up.
func TestCollectionGivesWayToPublishing(t *testing.T) {
	ctx := context.Background()
	var yield func(context.Context) bool
	db, clk, r, c := setup(t, 3, func(cfg *metrics.Config) {
		cfg.Yield = func(ctx context.Context) bool { return yield(ctx) }
	})
	yield = metrics.DueSoon(db, clk.Now)
	clk.Set(t0.Add(30 * time.Minute))
	if res := collect(t, c); res.Placed != 3 || r.count() != 0 {
		t.Fatalf("placing: %+v, %d calls", res, r.count())
	}
	clk.Set(t0.Add(time.Hour)) // the three are due for their first reading

	// A post due in a second: the cycle gives way before its first call.
	due := storetest.NewPost(clk.Now().Add(time.Second), "x-a")
	if err := db.CreatePosts(ctx, due); err != nil {
		t.Fatal(err)
	}
	if res := collect(t, c); !res.Yielded || res.Snapshots != 0 || r.count() != 0 {
		t.Fatalf("with a post due in 1 s: %+v, %d calls; want the cycle to give way before any call", res, r.count())
	}
	// Its instant came 30 s ago and it is still queued: still giving way.
	clk.Set(clk.Now().Add(31 * time.Second))
	if res := collect(t, c); !res.Yielded || r.count() != 0 {
		t.Fatalf("with a post due 30 s ago: %+v, %d calls; want the cycle to give way", res, r.count())
	}
	// Being sent: giving way.
	if _, err := db.UpdateDelivery(ctx, due.Deliveries[0].ID, func(d *pregonero.Delivery) error {
		if err := d.Claim(); err != nil {
			return err
		}
		return d.Start(clk.Now())
	}); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(5 * time.Minute))
	if res := collect(t, c); !res.Yielded || r.count() != 0 {
		t.Fatalf("with a send in flight: %+v, %d calls; want the cycle to give way", res, r.count())
	}
	// Sent: the readings left due are taken now.
	if _, err := db.UpdateDelivery(ctx, due.Deliveries[0].ID, func(d *pregonero.Delivery) error {
		return d.Publish(pregonero.Receipt{RemoteID: "9500", PublishedAt: clk.Now()}, clk.Now(), clk.Now(), "")
	}); err != nil {
		t.Fatal(err)
	}
	if res := collect(t, c); res.Yielded || res.Snapshots != 3 || r.count() != 1 {
		t.Fatalf("after the send: %+v, %d calls; want the 3 readings left due, in one call", res, r.count())
	}

	// A post overdue for more than a minute (paused, or waiting for a
	// limit) does not hold collection up.
	late := storetest.NewPost(clk.Now().Add(-2*time.Minute), "x-a")
	if err := db.CreatePosts(ctx, late); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(6 * time.Hour))
	if res := collect(t, c); res.Yielded || res.Snapshots == 0 {
		t.Errorf("with only a post overdue for hours: %+v; want the cycle to read", res)
	}
}

// A cycle with nothing to read asks publishing once, at its start: the
// accounts whose snapshot of the day is taken cost no question.
func TestIdleCycleAsksPublishingOnce(t *testing.T) {
	var asked int
	ar := &accountReader{}
	db, clk, _, c := setup(t, 0, func(cfg *metrics.Config) {
		cfg.AccountReaders = map[pregonero.Network]pregonero.AccountMetricsReader{pregonero.NetworkX: ar}
		cfg.Yield = func(context.Context) bool { asked++; return false }
	})
	ctx := context.Background()
	for _, id := range []string{"x-b", "x-c", "x-d"} {
		if err := db.PutAccount(ctx, &pregonero.Account{ID: id, Network: pregonero.NetworkX, Name: id, Status: pregonero.AccountActive}); err != nil {
			t.Fatal(err)
		}
	}
	if res := collect(t, c); res.AccountSnapshots != 4 {
		t.Fatalf("first cycle: %+v; want the 4 accounts' snapshots", res)
	}
	clk.Set(clk.Now().Add(time.Minute))
	asked = 0
	collect(t, c)
	if asked != 1 {
		t.Errorf("an idle cycle asked publishing %d times; want once", asked)
	}
}

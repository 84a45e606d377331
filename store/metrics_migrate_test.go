package store_test

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
	"pregonero/store/storetest"
)

// A file of schema 7 knew nothing of enrollment at publication: its
// collector enrolled published deliveries by walking recent posts, and its
// due entries held the step alone. Opening it enrolls every published
// delivery not enrolled yet, unplaced, and completes the old entries.
func TestMetricsHistoryMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pregonero.db")
	db := MustOpen(t, path)
	old, enrolledBefore, queued := storetest.NewPost(t0, "x-a"), storetest.NewPost(t0, "x-b"), storetest.NewPost(t0.Add(time.Hour), "x-a")
	if err := db.CreatePosts(ctx, old, enrolledBefore, queued); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Minute)
	storetest.Publish(t, db, at, old, enrolledBefore)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	step3 := at.Add(72 * time.Hour)
	err = b.Update(func(tx *bbolt.Tx) error {
		for _, name := range []string{"metrics_due", "metrics_enrolled", "account_snapshots", "metric_refusals", "metrics_usage", "posts_by_campaign"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		due, err := tx.CreateBucket([]byte("metrics_due"))
		if err != nil {
			return err
		}
		enrolled, err := tx.CreateBucket([]byte("metrics_enrolled"))
		if err != nil {
			return err
		}
		// What schema 7's collector left for the delivery it had enrolled:
		// due at 72 h, step 3, the step alone in the value.
		id := enrolledBefore.Deliveries[0].ID
		key := binary.BigEndian.AppendUint64(nil, uint64(step3.UnixNano())^(1<<63))
		key = append(key, id...)
		if err := due.Put(key, binary.BigEndian.AppendUint32(nil, 3)); err != nil {
			return err
		}
		if err := enrolled.Put([]byte(id), key); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 7))
	})
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	db = MustOpen(t, path)
	got, err := db.DueMetrics(ctx, step3, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []pregonero.MetricsDue{
		{DeliveryID: old.Deliveries[0].ID, At: at, Step: pregonero.MetricsUnplaced, Network: pregonero.NetworkX, AccountID: "x-a", PublishedAt: at},
		{DeliveryID: enrolledBefore.Deliveries[0].ID, At: step3, Step: 3, Network: pregonero.NetworkX, AccountID: "x-b", PublishedAt: at},
	}
	if len(got) != len(want) {
		t.Fatalf("DueMetrics() after the migration = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.DeliveryID != w.DeliveryID || !g.At.Equal(w.At) || g.Step != w.Step || g.Network != w.Network || g.AccountID != w.AccountID || !g.PublishedAt.Equal(w.PublishedAt) {
			t.Errorf("due entry %d = %+v, want %+v", i, g, w)
		}
	}
	// Publishing after the migration enrolls in the same transaction.
	storetest.Publish(t, db, at.Add(time.Hour), queued)
	if got, err := db.DueMetrics(ctx, step3, 10); err != nil || len(got) != 3 {
		t.Errorf("DueMetrics() after publishing another = %d entries, %v; want 3", len(got), err)
	}
}

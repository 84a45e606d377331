package store_test

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
	"pregonero/store"
	"pregonero/store/storetest"
)

func TestSlotStore(t *testing.T) {
	storetest.TestSlotStore(t, func(t *testing.T, path string, now func() time.Time) pregonero.Store {
		db, err := store.Open(path, store.WithNow(now), store.WithLogger(quiet))
		if err != nil {
			t.Fatalf("Open(%s) = %v", path, err)
		}
		return db
	})
}

// A file of schema 9 had no account queue: opening it indexes the
// deliveries already stored, those that hold an instant.
func TestAccountQueueMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pregonero.db")
	db := MustOpen(t, path)
	kept, canceled := storetest.NewPost(t0.Add(2*time.Hour), "x-a"), storetest.NewPost(t0.Add(time.Hour), "x-a")
	if err := db.CreatePosts(ctx, kept, canceled); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CancelPost(ctx, canceled.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bbolt.Tx) error {
		for _, name := range []string{"account_queue", "account_slots", "queue_placed"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 9))
	})
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	db = MustOpen(t, path)
	q, err := db.Queue(ctx, "x-a", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].Delivery.ID != kept.Deliveries[0].ID || !q[0].Delivery.ScheduledAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("queue after the migration = %+v, want only the waiting delivery", q)
	}
}

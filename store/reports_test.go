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

func TestReportStore(t *testing.T) {
	storetest.TestReportStore(t, func(t *testing.T, path string, now func() time.Time) pregonero.Store {
		db, err := store.Open(path, store.WithNow(now), store.WithLogger(quiet))
		if err != nil {
			t.Fatalf("Open(%s) = %v", path, err)
		}
		return db
	})
}

func TestCampaignIndexMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pregonero.db")
	db := MustOpen(t, path)
	late := storetest.NewPost(t0.Add(2*time.Hour), "x-a")
	late.Campaign = "vias"
	early := storetest.NewPost(t0, "x-a", "x-b")
	early.Campaign = "vias"
	draft := storetest.NewPost(time.Time{})
	draft.Campaign = "vias"
	other := storetest.NewPost(t0, "x-a")
	if err := db.CreatePosts(ctx, late, early, draft, other); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The file as schema 8 left it: no index of posts by campaign.
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket([]byte("posts_by_campaign")); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 8))
	})
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	db = MustOpen(t, path)
	got, err := db.PostsByCampaign(ctx, "vias", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{draft.ID, early.ID, late.ID}
	if len(got) != len(want) {
		t.Fatalf("PostsByCampaign after migration = %d posts, want %v", len(got), want)
	}
	for i, p := range got {
		if p.ID != want[i] {
			t.Errorf("post %d = %s, want %s (drafts first, then by time)", i, p.ID, want[i])
		}
	}
	if len(got[1].Deliveries) != 2 {
		t.Errorf("post %s has %d deliveries, want 2", got[1].ID, len(got[1].Deliveries))
	}
	got, err = db.PostsByCampaign(ctx, "vias", t0.Add(time.Hour), time.Time{})
	if err != nil || len(got) != 1 || got[0].ID != late.ID {
		t.Errorf("PostsByCampaign(from 1h) after migration = %d posts, %v; want %s", len(got), err, late.ID)
	}
}

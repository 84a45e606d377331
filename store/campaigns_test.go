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

func TestCampaignStore(t *testing.T) {
	storetest.TestCampaignStore(t, func(t *testing.T, path string, now func() time.Time) pregonero.Store {
		db, err := store.Open(path, store.WithNow(now), store.WithLogger(quiet))
		if err != nil {
			t.Fatalf("Open(%s) = %v", path, err)
		}
		return db
	})
}

func TestCampaignsMigration(t *testing.T) {
	t.Run("a store of schema 5 gets a campaign for every label its posts name", func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path)
		post := func(label string, at time.Time) *pregonero.Post {
			p := storetest.NewPost(at, "x-a")
			p.Campaign = label
			if err := db.CreatePosts(ctx, p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		first := post("vacunas", t0.Add(time.Hour))
		post("vacunas", t0) // created earlier: the campaign's creation time
		post("Vacunas", t0.Add(2*time.Hour))
		post("Vías del Nordeste", t0.Add(3*time.Hour))
		none := post("", t0.Add(4*time.Hour))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		// What schema 5 wrote: no buckets of campaigns.
		b, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = b.Update(func(tx *bbolt.Tx) error {
			for _, name := range []string{"campaigns", "campaigns_by_name"} {
				if err := tx.DeleteBucket([]byte(name)); err != nil {
					return err
				}
			}
			return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 5))
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}

		db = MustOpen(t, path)
		list, err := db.Campaigns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		type row struct{ id, name string }
		var got []row
		for _, c := range list {
			got = append(got, row{c.ID, c.Name})
		}
		// Labels that differ only in case get names told apart; the ids
		// stay the labels, which the posts name.
		want := []row{{"Vacunas", "Vacunas"}, {"vacunas", "vacunas (2)"}, {"Vías del Nordeste", "Vías del Nordeste"}}
		if len(got) != len(want) {
			t.Fatalf("campaigns after the migration = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("campaign %d = %v, want %v", i, got[i], want[i])
			}
		}
		c, err := db.Campaign(ctx, first.Campaign)
		if err != nil {
			t.Fatal(err)
		}
		if !c.CreatedAt.Equal(t0) || !c.StartsOn.IsZero() || c.Unit != "" {
			t.Errorf("campaign %s = %+v, want created at its first post's creation %s, no dates, no dependencia", c.ID, c, t0)
		}
		p, err := db.Post(ctx, first.ID)
		if err != nil || p.Campaign != "vacunas" {
			t.Errorf("the post after the migration = %v, %v; want its campaign kept", p, err)
		}
		if p, err := db.Post(ctx, none.ID); err != nil || p.Campaign != "" {
			t.Errorf("the post without a campaign after the migration = %v, %v", p, err)
		}
		if err := db.CreateCampaign(ctx, &pregonero.Campaign{ID: "c_1", Name: "VACUNAS (2)"}); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Errorf("a name the migration gave is free: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := store.CheckFile(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if r.Damaged() || r.Schema < 6 {
			t.Errorf("check after the migration: schema %d, problems %q; want schema 6 or later and none", r.Schema, r.Problems)
		}
	})
}

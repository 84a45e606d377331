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

func TestUserStore(t *testing.T) {
	storetest.TestUserStore(t, func(t *testing.T, path string, now func() time.Time) pregonero.Store {
		db, err := store.Open(path, store.WithNow(now), store.WithLogger(quiet))
		if err != nil {
			t.Fatalf("Open(%s) = %v", path, err)
		}
		return db
	})
}

func TestUsersMigration(t *testing.T) {
	t.Run("a store of schema 4 gets the buckets of users and keeps its posts", func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path)
		p := storetest.NewPost(t0, "x-a")
		if err := db.CreatePosts(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		// What schema 4 wrote: no buckets of users, sessions or tokens.
		b, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = b.Update(func(tx *bbolt.Tx) error {
			for _, name := range []string{"users", "users_by_name", "sessions", "sessions_by_user", "api_tokens", "api_tokens_by_user"} {
				if err := tx.DeleteBucket([]byte(name)); err != nil {
					return err
				}
			}
			return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 4))
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}

		db = MustOpen(t, path)
		list, err := db.Users(ctx)
		if err != nil || len(list) != 0 {
			t.Fatalf("Users() after the migration = %v, %v; want none", list, err)
		}
		u := &pregonero.User{ID: "u_1", Username: "admin", Role: pregonero.RoleAdmin, CreatedAt: t0}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser() after the migration = %v", err)
		}
		if err := db.PutSession(ctx, &pregonero.Session{ID: "s1", UserID: "u_1", LastSeen: t0}); err != nil {
			t.Fatalf("PutSession() after the migration = %v", err)
		}
		if err := db.PutAPIToken(ctx, &pregonero.APIToken{ID: "t1", UserID: "u_1", Name: "cli", Created: t0}); err != nil {
			t.Fatalf("PutAPIToken() after the migration = %v", err)
		}
		if _, err := db.Post(ctx, p.ID); err != nil {
			t.Errorf("Post() after the migration = %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := store.CheckFile(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if r.Damaged() || r.Schema < 5 {
			t.Errorf("check after the migration: schema %d, problems %q; want schema 5 or later and none", r.Schema, r.Problems)
		}
	})
}

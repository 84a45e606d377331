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

func TestMediaReferencesMigration(t *testing.T) {
	t.Run("store of schema 1 gets the references of its posts", func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path)
		for _, id := range []string{"m_a", "m_b", "m_c"} {
			m := &pregonero.Media{ID: id, SHA256: id, MIME: "image/jpeg", Size: 1, CreatedAt: t0}
			if err := db.PutMedia(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		p1 := storetest.NewPost(t0, "x-a")
		p1.Media = pregonero.MediaOf("m_a")
		p2 := storetest.NewPost(t0, "x-a")
		p2.Media = pregonero.MediaOf("m_c", "m_a")
		if err := db.CreatePosts(ctx, p1, p2); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		// Turn the file back into what schema 1 wrote: records of their
		// time, no reference index.
		toSchema(t, path, 1)

		db = MustOpen(t, path)
		ms, err := db.UnreferencedMedia(ctx, t0.Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].ID != "m_b" {
			t.Errorf("UnreferencedMedia() = %v, want only m_b", ms)
		}
		for _, id := range []string{"m_a", "m_c"} {
			if err := db.DeleteMedia(ctx, id); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
				t.Errorf("DeleteMedia(%s) = %v, want conflict", id, err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := b.View(func(tx *bbolt.Tx) error {
			if v := binary.BigEndian.Uint64(tx.Bucket([]byte("meta")).Get([]byte("schema"))); v < 2 {
				t.Errorf("schema version = %d, want at least 2", v)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

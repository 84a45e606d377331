package store

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

func testConfig() config {
	return config{now: time.Now, logger: slog.New(slog.DiscardHandler), lockTimeout: time.Second}
}

func mustOpenInternal(t *testing.T, path string, migs []migration) *DB {
	t.Helper()
	db, err := open(path, testConfig(), migs)
	if err != nil {
		t.Fatalf("open(%s) = %v", path, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newOp(ctx context.Context, fn func(w *wtx) error) *op {
	return &op{ctx: ctx, fn: fn, done: make(chan error, 1)}
}

func putSetting(key string) func(w *wtx) error {
	return func(w *wtx) error { return w.put(bucketSettings, []byte(key), []byte("v")) }
}

func hasSetting(t *testing.T, db *DB, key string) bool {
	t.Helper()
	_, err := db.Setting(context.Background(), key)
	if err != nil && pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Fatal(err)
	}
	return err == nil
}

func TestCommitBatch(t *testing.T) {
	errLate := errors.New("failed after writing")
	errEarly := errors.New("failed before writing")

	t.Run("op failing after its writes is undone alone", func(t *testing.T) {
		db := mustOpenInternal(t, filepath.Join(t.TempDir(), "p.db"), migrations)
		ctx := context.Background()
		batch := []*op{
			newOp(ctx, putSetting("a")),
			newOp(ctx, func(w *wtx) error {
				if err := putSetting("b")(w); err != nil {
					return err
				}
				return errLate
			}),
			newOp(ctx, func(*wtx) error { return errEarly }),
			newOp(ctx, putSetting("c")),
		}
		db.commit(batch)
		want := []error{nil, errLate, errEarly, nil}
		for i, o := range batch {
			if got := <-o.done; !errors.Is(got, want[i]) || (want[i] == nil && got != nil) {
				t.Errorf("op %d = %v, want %v", i, got, want[i])
			}
		}
		for key, want := range map[string]bool{"a": true, "b": false, "c": true} {
			if got := hasSetting(t, db, key); got != want {
				t.Errorf("setting %s stored = %v, want %v", key, got, want)
			}
		}
	})

	t.Run("op failing before writing leaves the batch in one transaction", func(t *testing.T) {
		db := mustOpenInternal(t, filepath.Join(t.TempDir(), "p.db"), migrations)
		ctx := context.Background()
		runs := 0
		batch := []*op{
			newOp(ctx, func(w *wtx) error { runs++; return putSetting("a")(w) }),
			newOp(ctx, func(*wtx) error { return errEarly }),
		}
		db.commit(batch)
		if err := <-batch[0].done; err != nil {
			t.Errorf("op 0 = %v", err)
		}
		if err := <-batch[1].done; !errors.Is(err, errEarly) {
			t.Errorf("op 1 = %v, want %v", err, errEarly)
		}
		if runs != 1 {
			t.Errorf("op 0 ran %d times, want once", runs)
		}
	})

	t.Run("op whose context ended is skipped", func(t *testing.T) {
		db := mustOpenInternal(t, filepath.Join(t.TempDir(), "p.db"), migrations)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		batch := []*op{newOp(ctx, putSetting("a")), newOp(context.Background(), putSetting("b"))}
		db.commit(batch)
		if err := <-batch[0].done; !errors.Is(err, context.Canceled) {
			t.Errorf("op 0 = %v, want context.Canceled", err)
		}
		if err := <-batch[1].done; err != nil {
			t.Errorf("op 1 = %v", err)
		}
		if hasSetting(t, db, "a") || !hasSetting(t, db, "b") {
			t.Error("canceled op was written or the other was not")
		}
	})

	t.Run("failed transaction fails every op", func(t *testing.T) {
		db := mustOpenInternal(t, filepath.Join(t.TempDir(), "p.db"), migrations)
		ctx := context.Background()
		if err := db.bolt.Close(); err != nil {
			t.Fatal(err)
		}
		batch := []*op{newOp(ctx, putSetting("a")), newOp(ctx, putSetting("b"))}
		db.commit(batch)
		for i, o := range batch {
			if err := <-o.done; err == nil || !strings.HasPrefix(err.Error(), "store commit: ") {
				t.Errorf("op %d = %v, want a commit error", i, err)
			}
		}
	})
}

func TestMigrate(t *testing.T) {
	t.Run("reopening runs no migration twice", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "p.db")
		runs := map[string]int{}
		counting := func(name string) migration {
			return func(tx *bbolt.Tx) error {
				runs[name]++
				return nil
			}
		}
		migs := []migration{migrateCreateBuckets, counting("second")}
		db := mustOpenInternal(t, path, migs)
		if err := db.PutSetting(context.Background(), "kept", []byte("1")); err != nil {
			t.Fatal(err)
		}
		db.Close()
		db = mustOpenInternal(t, path, migs)
		db.Close()
		if runs["second"] != 1 {
			t.Errorf("second migration ran %d times, want once", runs["second"])
		}

		migs = append(migs, counting("third"))
		db = mustOpenInternal(t, path, migs)
		if runs["second"] != 1 || runs["third"] != 1 {
			t.Errorf("runs = %v, want each once", runs)
		}
		if !hasSetting(t, db, "kept") {
			t.Error("data lost across migrations")
		}
		var version uint64
		if err := db.bolt.View(func(tx *bbolt.Tx) error {
			version = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(metaSchema))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if version != 3 {
			t.Errorf("schema version = %d, want 3", version)
		}
	})

	t.Run("failing migration leaves the file as it was", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "p.db")
		db := mustOpenInternal(t, path, migrations)
		db.Close()
		boom := errors.New("boom")
		migs := append(slices.Clone(migrations), func(tx *bbolt.Tx) error {
			if err := tx.Bucket(bucketSettings).Put([]byte("half"), []byte("done")); err != nil {
				return err
			}
			return boom
		})
		if _, err := open(path, testConfig(), migs); !errors.Is(err, boom) {
			t.Fatalf("open() = %v, want %v", err, boom)
		}
		db = mustOpenInternal(t, path, migrations)
		if hasSetting(t, db, "half") {
			t.Error("failed migration left a write behind")
		}
	})
}

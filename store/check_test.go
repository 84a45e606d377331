package store_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"pregonero/store"
)

// editBucket changes one bucket of the closed data file at path, as a
// write that forgot an index (or a bug) would have left it.
func editBucket(t *testing.T, path, bucket string, fn func(b *bbolt.Bucket) error) {
	t.Helper()
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(func(tx *bbolt.Tx) error { return fn(tx.Bucket([]byte(bucket))) }); err != nil {
		t.Fatal(err)
	}
}

// TestCheckFileComparesTheQueueAndHeldIndexesWithTheDeliveries: the
// account queue index lists exactly the deliveries that hold an instant;
// an entry missing or left over is a problem the check names.
func TestCheckFileComparesTheQueueAndHeldIndexesWithTheDeliveries(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, bucket string
		edit         func(b *bbolt.Bucket) error
		want         string
	}{
		{"a delivery missing from the account queue", "account_queue", func(b *bbolt.Bucket) error {
			k, _ := b.Cursor().First()
			return b.Delete(bytes.Clone(k))
		}, "index account_queue: delivery d_"},
		{"an entry of the account queue naming no delivery", "account_queue", func(b *bbolt.Bucket) error {
			return b.Put(append([]byte("x-a\x0012345678"), "d_nada"...), []byte{})
		}, "names no delivery"},
		{"an entry of the account queue at another time than its delivery's", "account_queue", func(b *bbolt.Bucket) error {
			k, _ := b.Cursor().First()
			moved := bytes.Clone(k)
			moved[len("x-a")+3]++
			if err := b.Delete(bytes.Clone(k)); err != nil {
				return err
			}
			return b.Put(moved, []byte{})
		}, "does not match delivery"},
		{"a held entry of a delivery that is not held", "held", func(b *bbolt.Bucket) error {
			return b.Put([]byte("x-a\x00d_nada"), []byte{})
		}, "index held: entry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pregonero.db")
			mustWriteStore(t, path, 3)
			editBucket(t, path, tc.bucket, tc.edit)
			r, err := store.CheckFile(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Damaged() || !slices.ContainsFunc(r.Problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("problems %q, want one saying %q", r.Problems, tc.want)
			}
		})
	}
	t.Run("a sound file has none", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		mustWriteStore(t, path, 3)
		r, err := store.CheckFile(ctx, path)
		if err != nil || r.Damaged() || !r.Complete {
			t.Errorf("report %+v, %v; want complete, no problems", r, err)
		}
	})
}

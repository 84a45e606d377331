//go:build unix

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"pregonero/store/storetest"
	"slices"
	"syscall"
	"testing"

	"go.etcd.io/bbolt"
)

// faultSink keeps the read of faultingRead from being optimized away.
var faultSink byte

// faultingRead returns a function that reads memory the process may not
// read, as bbolt does on a file whose pages point past its end; the
// runtime ends the process on such a fault unless SetPanicOnFault.
func faultingRead(t *testing.T) func() {
	t.Helper()
	b, err := syscall.Mmap(-1, 0, os.Getpagesize(), syscall.PROT_NONE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(b) })
	return func() { faultSink = b[0] }
}

func TestFaultsOnTheMappedFile(t *testing.T) {
	t.Run("a fault in a migration fails Open", func(t *testing.T) {
		if !storetest.Isolated(t) {
			return
		}
		read := faultingRead(t)
		migs := append(slices.Clone(migrations), func(*bbolt.Tx) error { read(); return nil })
		_, err := open(filepath.Join(t.TempDir(), "pregonero.db"), testConfig(), migs)
		if !errors.Is(err, ErrInvalidFile) {
			t.Fatalf("open() = %v, want ErrInvalidFile", err)
		}
	})

	t.Run("a fault in a read fails the read and the store goes on", func(t *testing.T) {
		if !storetest.Isolated(t) {
			return
		}
		read := faultingRead(t)
		db, err := open(filepath.Join(t.TempDir(), "pregonero.db"), testConfig(), migrations)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx := context.Background()
		err = db.view(ctx, func(*bbolt.Tx) error { read(); return nil })
		if !errors.Is(err, ErrInvalidFile) {
			t.Fatalf("view() = %v, want ErrInvalidFile", err)
		}
		if err := db.PutSetting(ctx, "k", []byte("v")); err != nil {
			t.Fatalf("PutSetting after the fault: %v", err)
		}
		if v, err := db.Setting(ctx, "k"); err != nil || string(v) != "v" {
			t.Fatalf("Setting after the fault = %q, %v; want v", v, err)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"pregonero"
	"pregonero/store"
	"pregonero/store/storetest"
)

// mountTmpfs mounts a tmpfs of the given size on a new directory, for the
// length of the test: a disk that really fills up.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// With the disk full a write is refused as storage_full, Health says so,
// nothing stored before is lost, and writes succeed again by themselves
// once space is freed.
func TestDiskFull(t *testing.T) {
	dir := mountTmpfs(t, "8m")
	// The filler stands for whatever else fills the disk; removing it is
	// freeing space.
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 5<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "pregonero.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	at := time.Date(2027, 1, 4, 12, 0, 0, 0, time.UTC)

	var accepted []string
	var full error
	for i := 0; i < 20000 && full == nil; i++ {
		posts := make([]*pregonero.Post, 50)
		for j := range posts {
			posts[j] = storetest.NewPost(at.Add(time.Duration(i*50+j)*time.Second), "x-a")
		}
		if err := db.CreatePosts(ctx, posts...); err != nil {
			full = err
			break
		}
		for _, p := range posts {
			accepted = append(accepted, p.ID)
		}
	}
	if full == nil {
		t.Fatal("the disk never filled up")
	}
	if pregonero.ErrorCode(full) != pregonero.ESTORAGEFULL {
		t.Fatalf("write on a full disk: %v (code %s), want storage_full", full, pregonero.ErrorCode(full))
	}
	if err := db.Health(); pregonero.ErrorCode(err) != pregonero.ESTORAGEFULL {
		t.Errorf("Health() with the disk full = %v, want storage_full", err)
	}
	if len(accepted) == 0 {
		t.Fatal("nothing was accepted before the disk filled up")
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	later := storetest.NewPost(at.Add(-time.Hour), "x-b")
	if err := db.CreatePosts(ctx, later); err != nil {
		t.Fatalf("write after space was freed: %v", err)
	}
	if err := db.Health(); err != nil {
		t.Errorf("Health() after space was freed = %v, want nil", err)
	}
	for _, id := range accepted {
		if _, err := db.Post(ctx, id); err != nil {
			t.Fatalf("post %s accepted before the disk filled up: %v", id, err)
		}
	}
	// And after a restart.
	if err := db.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
		t.Fatal(err)
	}
	db, err = store.Open(filepath.Join(dir, "pregonero.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, id := range append(accepted, later.ID) {
		if _, err := db.Post(ctx, id); err != nil {
			t.Fatalf("post %s after a restart: %v", id, err)
		}
	}
}

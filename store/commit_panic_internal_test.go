package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"pregonero/logtest"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// execWithin runs fn through the committer and fails the test when no
// answer comes in time: a committer that died answers nobody.
func execWithin(t *testing.T, db *DB, fn func(w *wtx) error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- db.exec(context.Background(), 0, fn) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the write was never answered: the committer stopped")
		return nil
	}
}

func TestCommitLoopOutlivesAPanicOutsideTheOps(t *testing.T) {
	logs := &logtest.Buffer{}
	cfg := testConfig()
	cfg.logger = slog.New(slog.NewTextHandler(logs, nil))
	db, err := open(filepath.Join(t.TempDir(), "p.db"), cfg, migrations)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })

	// Without the posts bucket, preparing the transaction panics in the
	// committer itself, outside any op.
	if err := db.bolt.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketPosts) }); err != nil {
		t.Fatal(err)
	}
	err = execWithin(t, db, putSetting("a"))
	if err == nil || !strings.Contains(err.Error(), "store commit panicked") {
		t.Errorf("write during the panic = %v, want an error naming the panic", err)
	}
	if !strings.Contains(logs.String(), "store commit panicked") || !strings.Contains(logs.String(), pregonero.LogStack+"=") {
		t.Errorf("panic not logged with its stack:\n%s", logs.String())
	}

	if err := db.bolt.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(bucketPosts); return err }); err != nil {
		t.Fatal(err)
	}
	if err := execWithin(t, db, putSetting("b")); err != nil {
		t.Fatalf("write after the panic = %v, want nil", err)
	}
	if hasSetting(t, db, "a") || !hasSetting(t, db, "b") {
		t.Errorf("settings a, b stored = %v, %v; want false, true", hasSetting(t, db, "a"), hasSetting(t, db, "b"))
	}
}

func TestAPanickingDueListenerFailsNoCommittedWrite(t *testing.T) {
	logs := &logtest.Buffer{}
	cfg := testConfig()
	cfg.logger = slog.New(slog.NewTextHandler(logs, nil))
	db, err := open(filepath.Join(t.TempDir(), "p.db"), cfg, migrations)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	db.OnDue(func(time.Time) { panic("listener exploded") })

	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	post := func(id string) *pregonero.Post {
		p := &pregonero.Post{ID: "p_" + id, Text: id, Targets: []string{"x-a"}, ScheduledAt: at, CreatedAt: at, UpdatedAt: at}
		p.Deliveries = []*pregonero.Delivery{{ID: "d_" + id, PostID: p.ID, AccountID: "x-a", Network: pregonero.NetworkX,
			State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at}}
		return p
	}
	for _, id := range []string{"uno", "dos"} {
		if err := db.CreatePosts(context.Background(), post(id)); err != nil {
			t.Fatalf("create %s = %v, want nil (it is committed)", id, err)
		}
		if _, err := db.Post(context.Background(), "p_"+id); err != nil {
			t.Errorf("post %s: %v", id, err)
		}
	}
	if got := strings.Count(logs.String(), "due-time listener panicked"); got != 2 {
		t.Errorf("logged %d panics of the listener, want 2:\n%s", got, logs.String())
	}
}

package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"pregonero"
)

// The classification of a failed commit, without a disk that fills up
// (TestDiskFull needs a tmpfs it may not be allowed to mount): a full disk
// or quota is storage_full and Health reports it until a commit succeeds;
// any other failure is kept for Health too, with its own cause.
func TestCommitFailuresAreClassifiedAndClearedByASuccess(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "db"), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		err := db.commitFailed(&os.PathError{Op: "write", Path: "pregonero.db", Err: errno})
		if pregonero.ErrorCode(err) != pregonero.ESTORAGEFULL {
			t.Errorf("%v: code %s, want storage_full", errno, pregonero.ErrorCode(err))
		}
		if h := db.Health(); pregonero.ErrorCode(h) != pregonero.ESTORAGEFULL {
			t.Errorf("%v: Health() = %v, want storage_full", errno, h)
		}
	}
	other := db.commitFailed(&os.PathError{Op: "write", Path: "pregonero.db", Err: syscall.EIO})
	if code := pregonero.ErrorCode(other); code == pregonero.ESTORAGEFULL || db.Health() == nil {
		t.Errorf("an I/O error: code %s, Health %v; want internal and kept", code, db.Health())
	}
	if err := db.PutSetting(context.Background(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if h := db.Health(); h != nil {
		t.Errorf("Health() after a commit succeeded = %v, want nil", h)
	}
}

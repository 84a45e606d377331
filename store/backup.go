package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.etcd.io/bbolt"

	"pregonero"
)

// Backup writes a consistent snapshot of the data file to w from one read
// transaction, so writes go on meanwhile. The copy is itself a data file
// that Open accepts. Cancelling ctx stops the copy at the next write to w.
//
// Credentials stay sealed in the copy: the key is not in the data file
// (serve keeps it in SecretKeyFile), so restoring a backup needs the key
// file it was written with, kept alongside.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx: ctx, w: w})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// BackupFile writes a backup of s to path atomically: into a temporary
// file in the same directory, synced, then renamed over path, so path
// holds either the previous backup or a complete new one.
func BackupFile(ctx context.Context, s pregonero.Store, path string) (n int64, err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("backup file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if n, err = s.Backup(ctx, f); err != nil {
		return n, fmt.Errorf("backup file: %w", err)
	}
	if err = f.Sync(); err != nil {
		return n, fmt.Errorf("backup file: %w", err)
	}
	if err = f.Close(); err != nil {
		return n, fmt.Errorf("backup file: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return n, fmt.Errorf("backup file: %w", err)
	}
	// The rename is durable only once the directory is synced.
	if d, derr := os.Open(dir); derr == nil {
		err = d.Sync()
		_ = d.Close()
		if err != nil {
			return n, fmt.Errorf("backup file: sync %s: %w", dir, err)
		}
	}
	return n, nil
}

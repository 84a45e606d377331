package media

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"pregonero"
)

// gcBatch is how many candidates GC asks the store for at a time.
const gcBatch = 100

// GC removes the media that no post references and that were uploaded
// more than olderThan ago: first the record, then the file. Each file
// belongs to one record only (records are keyed by the file's SHA-256), so
// nothing else loses its bytes. A post that starts using a candidate
// while GC runs wins: the store refuses the delete (the check and the
// delete share one transaction), and the media is kept. Runs do not
// overlap: a second call waits for the first.
func (l *Library) GC(ctx context.Context, olderThan time.Duration) (removed int, err error) {
	if olderThan <= 0 {
		return 0, fmt.Errorf("media gc: the age must be positive, got %s", olderThan)
	}
	l.gcMu.Lock()
	defer l.gcMu.Unlock()
	before := l.now().Add(-olderThan)
	var freed int64
	defer func() {
		level := slog.LevelInfo
		if removed == 0 && err == nil {
			level = slog.LevelDebug
		}
		l.logger.Log(ctx, level, "media garbage collection done", pregonero.LogRemoved, removed, pregonero.LogBytes, freed)
	}()
	for {
		ms, err := l.store.UnreferencedMedia(ctx, before, gcBatch)
		if err != nil {
			return removed, fmt.Errorf("media gc: %w", err)
		}
		n := 0
		for _, m := range ms {
			ok, err := l.remove(ctx, m)
			if err != nil {
				return removed, fmt.Errorf("media gc: %w", err)
			}
			if ok {
				n++
				freed += m.Size
			}
		}
		removed += n
		// A candidate refused or gone meanwhile is not listed again, so
		// a full batch with nothing removed only happens when the store
		// keeps changing under GC; the next run goes on from there.
		if len(ms) < gcBatch || n == 0 {
			return removed, nil
		}
	}
}

// remove deletes one candidate's record and then its file; it reports
// false, without error, when a post references the media by now or the
// record is already gone.
func (l *Library) remove(ctx context.Context, m *pregonero.Media) (bool, error) {
	mu := l.stripe(m.ID)
	mu.Lock()
	defer mu.Unlock()
	switch err := l.store.DeleteMedia(ctx, m.ID); pregonero.ErrorCode(err) {
	case "":
	case pregonero.ECONFLICT:
		l.logger.Debug("kept media a post started using", pregonero.LogMedia, m.ID)
		return false, nil
	case pregonero.ENOTFOUND:
		return false, nil
	default:
		return false, fmt.Errorf("delete %s: %w", m.ID, err)
	}
	l.logger.Info("removed unused media", pregonero.LogMedia, m.ID, pregonero.LogSHA256, m.SHA256, pregonero.LogBytes, m.Size,
		pregonero.LogCreatedAt, m.CreatedAt.UTC().Format(time.RFC3339))
	if !validSum(m.SHA256) {
		l.logger.Warn("media record had a malformed sha256; no file removed", pregonero.LogMedia, m.ID, pregonero.LogSHA256, m.SHA256)
		return true, nil
	}
	if err := os.Remove(l.path(m.SHA256)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		// The record is gone, so nothing can name the file any more;
		// it only takes space.
		l.logger.Warn("could not remove the file of deleted media", pregonero.LogMedia, m.ID, pregonero.LogErr, err)
	}
	return true, nil
}

package media_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/media"
	"pregonero/store"
)

// hookStore is the real store with a hook run after UnreferencedMedia
// answers, to act between GC's listing and its deletes.
type hookStore struct {
	*store.DB
	afterList func(ms []*pregonero.Media)
}

func (s *hookStore) UnreferencedMedia(ctx context.Context, before time.Time, limit int) ([]*pregonero.Media, error) {
	ms, err := s.DB.UnreferencedMedia(ctx, before, limit)
	if err == nil && s.afterList != nil {
		s.afterList(ms)
	}
	return ms, err
}

type gcFixture struct {
	lib   *media.Library
	db    *hookStore
	dir   string
	clock *fakeClock
	logs  *bytes.Buffer
}

func newGCFixture(t *testing.T) *gcFixture {
	t.Helper()
	root := t.TempDir()
	clk := &fakeClock{t: signTime}
	db, err := store.Open(filepath.Join(root, "pregonero.db"), store.WithNow(clk.Now), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &gcFixture{db: &hookStore{DB: db}, dir: filepath.Join(root, "media"), clock: clk, logs: &bytes.Buffer{}}
	f.lib, err = media.Open(f.dir, f.db, media.WithNow(clk.Now), media.WithLogger(slog.New(slog.NewTextHandler(f.logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *gcFixture) put(t *testing.T, data []byte) *pregonero.Media {
	t.Helper()
	m, err := f.lib.Put(context.Background(), bytes.NewReader(data), "f", "")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return m
}

// post creates a draft post that uses the media.
func (f *gcFixture) post(ids ...string) error {
	now := f.clock.Now()
	return f.db.CreatePosts(context.Background(), &pregonero.Post{
		ID: pregonero.NewID("p", now), Text: "t", Media: pregonero.MediaOf(ids...), ScheduledAt: now, CreatedAt: now, UpdatedAt: now,
	})
}

func (f *gcFixture) exists(t *testing.T, m *pregonero.Media) (record, file bool) {
	t.Helper()
	_, err := f.db.Media(context.Background(), m.ID)
	if err != nil && pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Fatal(err)
	}
	_, ferr := os.Stat(filepath.Join(f.dir, m.SHA256[:2], m.SHA256))
	if ferr != nil && !errors.Is(ferr, fs.ErrNotExist) {
		t.Fatal(ferr)
	}
	return err == nil, ferr == nil
}

const month = 30 * 24 * time.Hour

func TestGC(t *testing.T) {
	ctx := context.Background()

	t.Run("old unreferenced media goes with its file, the rest stays", func(t *testing.T) {
		f := newGCFixture(t)
		old := f.put(t, pngBytes(t, 3, 3))
		used := f.put(t, gifBytes(t, 3, 3))
		if err := f.post(used.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(month + time.Minute)
		young := f.put(t, jpegBytes(t, 3, 3))

		removed, err := f.lib.GC(ctx, month)
		if err != nil || removed != 1 {
			t.Fatalf("GC() = %d, %v; want 1, nil", removed, err)
		}
		if rec, file := f.exists(t, old); rec || file {
			t.Errorf("old unreferenced media: record %v file %v, want both gone", rec, file)
		}
		for name, m := range map[string]*pregonero.Media{"referenced": used, "young": young} {
			if rec, file := f.exists(t, m); !rec || !file {
				t.Errorf("%s media: record %v file %v, want both kept", name, rec, file)
			}
		}
		if !strings.Contains(f.logs.String(), old.ID) || !strings.Contains(f.logs.String(), "removed=1") {
			t.Errorf("the removal was not logged: %s", f.logs.String())
		}

		again, err := f.lib.GC(ctx, month)
		if err != nil || again != 0 {
			t.Errorf("second GC() = %d, %v; want 0, nil", again, err)
		}
	})

	t.Run("media a post starts using between listing and delete is kept", func(t *testing.T) {
		f := newGCFixture(t)
		m := f.put(t, pngBytes(t, 4, 4))
		f.clock.Add(month + time.Minute)
		var postErr error
		f.db.afterList = func(ms []*pregonero.Media) {
			if len(ms) == 1 && ms[0].ID == m.ID {
				postErr = f.post(m.ID)
			}
			f.db.afterList = nil
		}
		removed, err := f.lib.GC(ctx, month)
		if postErr != nil {
			t.Fatalf("creating the post during GC: %v", postErr)
		}
		if err != nil || removed != 0 {
			t.Fatalf("GC() = %d, %v; want 0, nil", removed, err)
		}
		if rec, file := f.exists(t, m); !rec || !file {
			t.Errorf("record %v file %v, want both kept", rec, file)
		}
	})

	t.Run("a post after the delete is refused", func(t *testing.T) {
		f := newGCFixture(t)
		m := f.put(t, pngBytes(t, 5, 5))
		f.clock.Add(month + time.Minute)
		if n, err := f.lib.GC(ctx, month); err != nil || n != 1 {
			t.Fatalf("GC() = %d, %v", n, err)
		}
		if err := f.post(m.ID); pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("post with collected media: got %v, want invalid", err)
		}
	})

	t.Run("the same bytes uploaded again after GC are stored again", func(t *testing.T) {
		f := newGCFixture(t)
		data := pngBytes(t, 6, 6)
		m := f.put(t, data)
		f.clock.Add(month + time.Minute)
		if n, err := f.lib.GC(ctx, month); err != nil || n != 1 {
			t.Fatalf("GC() = %d, %v", n, err)
		}
		again := f.put(t, data)
		if again.ID != m.ID {
			t.Fatalf("got id %s, want %s", again.ID, m.ID)
		}
		if rec, file := f.exists(t, again); !rec || !file {
			t.Errorf("record %v file %v, want both", rec, file)
		}
	})

	t.Run("more candidates than one batch are all removed", func(t *testing.T) {
		f := newGCFixture(t)
		var ms []*pregonero.Media
		for i := range 130 {
			ms = append(ms, f.put(t, pngBytes(t, 1+i%13, 1+i/13)))
		}
		f.clock.Add(month + time.Minute)
		removed, err := f.lib.GC(ctx, month)
		if err != nil || removed != len(ms) {
			t.Fatalf("GC() = %d, %v; want %d", removed, err, len(ms))
		}
	})

	t.Run("uploads racing GC never leave a record without its file", func(t *testing.T) {
		f := newGCFixture(t)
		data := gifBytes(t, 7, 7)
		for range 20 {
			m := f.put(t, data)
			f.clock.Add(month + time.Minute)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, err := f.lib.GC(ctx, month); err != nil {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				if _, err := f.lib.Put(ctx, bytes.NewReader(data), "f", "alt"); err != nil {
					t.Error(err)
				}
			}()
			wg.Wait()
			if rec, file := f.exists(t, m); rec && !file {
				t.Fatal("a record was left without its file")
			}
		}
	})

	t.Run("an age that is not positive is refused", func(t *testing.T) {
		f := newGCFixture(t)
		m := f.put(t, pngBytes(t, 2, 2))
		if _, err := f.lib.GC(ctx, 0); err == nil {
			t.Error("got nil error, want one")
		}
		if rec, file := f.exists(t, m); !rec || !file {
			t.Error("a refused GC removed media")
		}
	})
}

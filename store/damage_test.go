package store_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
	"pregonero/logtest"
	"pregonero/store"
	"pregonero/store/storetest"
)

const RestoreHint = "restore from a backup: see README, Backup and restore"

// mustWriteStore writes a closed data file at path holding n posts of two
// deliveries each: enough for a few hundred pages.
func mustWriteStore(t *testing.T, path string, n int) {
	t.Helper()
	db := MustOpen(t, path)
	posts := make([]*pregonero.Post, n)
	for i := range posts {
		posts[i] = storetest.NewPost(t0.Add(time.Duration(i)*time.Minute), "x-a", "x-b")
	}
	if err := db.CreatePosts(context.Background(), posts...); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// damage changes the file at path the way a failing disk or a bad copy
// would.
type damage func(t *testing.T, path string)

// truncate cuts the file to half its size.
func truncate(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

// flipOn returns a damage that XORs bytes [from, to) of every fifth page
// of type typ ("leaf" or "branch") with x.
func flipOn(typ string, from, to int, x byte) damage {
	return func(t *testing.T, path string) {
		t.Helper()
		var (
			pages    []int
			pageSize int
		)
		b, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
		if err != nil {
			t.Fatal(err)
		}
		err = b.View(func(tx *bbolt.Tx) error {
			pageSize = b.Info().PageSize
			for id := 2; ; id++ {
				p, err := tx.Page(id)
				if p == nil || err != nil {
					return err
				}
				if p.Type == typ {
					pages = append(pages, id)
				}
			}
		})
		b.Close()
		if err != nil || len(pages) < 2 {
			t.Fatalf("%s pages %v, %v; want at least 2", typ, pages, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(pages); i += 5 {
			for j := from; j < to; j++ {
				data[pages[i]*pageSize+j] ^= x
			}
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// Page headers are 16 bytes: id, flags (at 8), count, overflow; the
// elements follow, 16 bytes each, a branch element's key offset first.
var (
	flipFlags    = flipOn("leaf", 8, 9, 0xff)
	flipElements = flipOn("leaf", 16, 64, 0x5a)
	// Moves the key of the second element of branch pages 4 MiB away,
	// past the end of the file: only bbolt's check reads it, in a
	// goroutine where the fault would end the process.
	flipBranchKeys = flipOn("branch", 34, 35, 0x40)
)

func TestOpenRefusesDamagedFiles(t *testing.T) {
	t.Run("empty file is refused, not taken for a new store", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(path, store.WithLogger(quiet))
		if !errors.Is(err, store.ErrInvalidFile) {
			t.Fatalf("Open() = %v, want ErrInvalidFile", err)
		}
		for _, want := range []string{path, "empty (0 bytes)", RestoreHint} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
			t.Errorf("after Open the file is %v, %v; want it left empty", fi, err)
		}
	})

	for _, tc := range []struct {
		name   string
		damage damage
		check  bool // only the consistency check finds it
		want   string
	}{
		{"truncated file is refused", truncate, false, "truncated"},
		{"flipped page flags are refused by the check", flipFlags, true, "unexpected type/flags"},
		{"flipped bytes on pages are refused by the check", flipElements, true, "consistency check found"},
		{"flipped key offsets on branch pages are refused by the check", flipBranchKeys, true, "consistency check found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !storetest.Isolated(t) {
				return
			}
			path := filepath.Join(t.TempDir(), "pregonero.db")
			mustWriteStore(t, path, 300)
			tc.damage(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var opts []store.Option
			if tc.check {
				opts = append(opts, store.WithCheck(0))
			}
			_, err = store.Open(path, append(opts, store.WithLogger(quiet))...)
			if !errors.Is(err, store.ErrInvalidFile) {
				t.Fatalf("Open() = %v, want ErrInvalidFile", err)
			}
			for _, want := range []string{"open store: " + path + " is not a valid Pregonero data file: ", tc.want, RestoreHint} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
				t.Errorf("Open changed the refused file (%v)", err)
			}
		})
	}

	t.Run("reads of a damaged page fail with an error without the check", func(t *testing.T) {
		if !storetest.Isolated(t) {
			return
		}
		path := filepath.Join(t.TempDir(), "pregonero.db")
		mustWriteStore(t, path, 300)
		flipFlags(t, path)
		db := MustOpen(t, path)
		_, err := db.Posts(context.Background(), pregonero.PostFilter{Limit: 1000})
		if !errors.Is(err, store.ErrInvalidFile) {
			t.Fatalf("Posts() = %v, want ErrInvalidFile", err)
		}
		if !strings.Contains(err.Error(), "run pregonero check") {
			t.Errorf("error %q does not say to run pregonero check", err)
		}
	})

	t.Run("check cut short at its timeout is logged and Open goes on", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		mustWriteStore(t, path, 300)
		var logs logtest.Buffer
		db, err := store.Open(path, store.WithCheck(time.Nanosecond), store.WithLogger(logs.Logger()))
		if err != nil {
			t.Fatalf("Open() = %v", err)
		}
		db.Close()
		if !strings.Contains(logs.String(), "cut short") {
			t.Errorf("log %q does not say the check was cut short", logs.String())
		}
	})

	t.Run("sound file passes the check", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		mustWriteStore(t, path, 300)
		var logs logtest.Buffer
		db, err := store.Open(path, store.WithCheck(time.Minute), store.WithLogger(logs.Logger()))
		if err != nil {
			t.Fatalf("Open() = %v", err)
		}
		db.Close()
		if !strings.Contains(logs.String(), "data file checked") {
			t.Errorf("log %q does not say the file was checked", logs.String())
		}
	})
}

func TestCheckFile(t *testing.T) {
	ctx := context.Background()

	t.Run("sound file has no problems", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		mustWriteStore(t, path, 300)
		r, err := store.CheckFile(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if r.Damaged() || !r.Complete || r.Schema == 0 || r.Keys < 900 || r.Size == 0 {
			t.Errorf("report %+v, want complete, no problems, a schema version, at least 900 keys", r)
		}
	})

	for _, tc := range []struct {
		name   string
		damage damage
		// want is what one of the problems says; a damage whose effect
		// depends on where the flipped bytes land lists each way it may
		// be caught, separated by "|".
		want string
	}{
		{"empty file is damaged", func(t *testing.T, path string) { truncateTo(t, path, 0) }, "empty (0 bytes)"},
		{"truncated file is damaged", truncate, "truncated"},
		{"flipped page flags are damage", flipFlags, "unexpected type/flags"},
		{"flipped bytes on pages are damage", flipElements, ""},
		// A flipped offset may point a branch at keys out of order (bbolt's
		// check says so) or at no page at all (bbolt panics while the
		// records are read, which the check contains and reports).
		{"flipped key offsets on branch pages are damage", flipBranchKeys, "out of order|bbolt panicked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !storetest.Isolated(t) {
				return
			}
			path := filepath.Join(t.TempDir(), "pregonero.db")
			mustWriteStore(t, path, 300)
			tc.damage(t, path)
			r, err := store.CheckFile(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			said := strings.Join(r.Problems, "\n")
			if !r.Damaged() || !slices.ContainsFunc(strings.Split(tc.want, "|"), func(w string) bool { return strings.Contains(said, w) }) {
				t.Errorf("problems %q, want one saying %q", r.Problems, tc.want)
			}
		})
	}

	t.Run("missing file is an error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		if _, err := store.CheckFile(ctx, path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("CheckFile() = %v, want fs.ErrNotExist", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("CheckFile created the file: %v", err)
		}
	})

	t.Run("file of a running server is in use", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		MustOpen(t, path)
		if _, err := store.CheckFile(ctx, path, store.WithLockTimeout(50*time.Millisecond)); !errors.Is(err, store.ErrInUse) {
			t.Errorf("CheckFile() = %v, want ErrInUse", err)
		}
	})
}

func truncateTo(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

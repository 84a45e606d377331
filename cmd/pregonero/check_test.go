package main_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pregonero"
	main "pregonero/cmd/pregonero"
	"pregonero/store"
	"pregonero/store/storetest"
)

const restoreHint = "restore from a backup: see README, Backup and restore"

// run runs the command line in-process.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code = main.Run(ctx, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// mustWriteDataFile writes a closed data file at path holding 300 posts:
// a few hundred pages.
func mustWriteDataFile(t *testing.T, path string) {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	posts := make([]*pregonero.Post, 300)
	at := time.Date(2031, 5, 1, 13, 0, 0, 0, time.UTC)
	for i := range posts {
		posts[i] = storetest.NewPost(at.Add(time.Duration(i)*time.Minute), "x-a", "x-b")
	}
	if err := db.CreatePosts(context.Background(), posts...); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func truncateHalf(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

// flipLeafFlags flips the type flags of every fifth leaf page. A page
// starts with its id (8 bytes) and its flags (2 bytes); 0x02 is a leaf.
func flipLeafFlags(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := os.Getpagesize()
	leaves := 0
	for off := 2 * ps; off+ps <= len(data); off += ps {
		if data[off+8] == 0x02 && data[off+9] == 0 {
			if leaves%5 == 0 {
				data[off+8] ^= 0xff
			}
			leaves++
		}
	}
	if leaves < 10 {
		t.Fatalf("found %d leaf pages, want at least 10", leaves)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCheckCommand(t *testing.T) {
	t.Run("sound data file exits 0", func(t *testing.T) {
		dir := t.TempDir()
		mustWriteDataFile(t, filepath.Join(dir, "pregonero.db"))
		code, out, errs := run(t, "check", "-data", dir)
		if code != 0 || !strings.Contains(out, "ok: no damage found") {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0 and ok", code, out, errs)
		}
	})

	t.Run("the configuration gives the data directory", func(t *testing.T) {
		dir := t.TempDir()
		cfg := writeConfig(t, dir, false, "127.0.0.1:0")
		mustWriteDataFile(t, filepath.Join(dir, "data", "pregonero.db"))
		if code, out, errs := run(t, "check", "-config", cfg); code != 0 {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0", code, out, errs)
		}
	})

	t.Run("a file given by name is checked, a backup say", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "backup.db")
		mustWriteDataFile(t, path)
		if code, out, errs := run(t, "check", path); code != 0 || !strings.Contains(out, path) {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0 naming the file", code, out, errs)
		}
	})

	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"truncated data file exits 1", truncateHalf, "truncated"},
		{"flipped page flags exit 1", flipLeafFlags, "unexpected type/flags"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !storetest.Isolated(t) {
				return
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "pregonero.db")
			mustWriteDataFile(t, path)
			tc.damage(t, path)
			code, out, errs := run(t, "check", "-data", dir)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, want := range []string{"DAMAGED", tc.want, "Restore from a backup: see README, Backup and restore"} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout %q (stderr %q) does not say %q", out, errs, want)
				}
			}
		})
	}

	t.Run("missing data file exits 1 and creates none", func(t *testing.T) {
		dir := t.TempDir()
		code, _, errs := run(t, "check", "-data", dir)
		if code != 1 || !strings.Contains(errs, "no data file") {
			t.Errorf("exit %d, stderr %q; want 1 and no data file", code, errs)
		}
		if _, err := os.Stat(filepath.Join(dir, "pregonero.db")); err == nil {
			t.Error("check created a data file")
		}
	})

	t.Run("data file of a running server exits 1 and says so", func(t *testing.T) {
		dir := t.TempDir()
		db, err := store.Open(filepath.Join(dir, "pregonero.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		code, _, errs := run(t, "check", "-data", dir)
		if code != 1 || !strings.Contains(errs, "in use") || !strings.Contains(errs, "Stop the server") {
			t.Errorf("exit %d, stderr %q; want 1, in use, stop the server", code, errs)
		}
	})

	t.Run("usage errors exit 2", func(t *testing.T) {
		for _, args := range [][]string{{"check", "-nope"}, {"check", "a.db", "b.db"}, {"check", "-config", filepath.Join(t.TempDir(), "missing.yaml")}} {
			if code, _, errs := run(t, args...); code != 2 {
				t.Errorf("%q: exit %d (stderr %q), want 2", args, code, errs)
			}
		}
	})

	t.Run("help exits 0", func(t *testing.T) {
		for _, c := range []string{"check", "token"} {
			if code, out, errs := run(t, c, "-h"); code != 0 || !strings.Contains(out+errs, "Usage") {
				t.Errorf("%s -h: exit %d, output %q", c, code, out+errs)
			}
		}
	})
}

func TestServeRefusesDamagedDataFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"empty", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "empty (0 bytes)"},
		{"truncated", func(t *testing.T, path string) { mustWriteDataFile(t, path); truncateHalf(t, path) }, "truncated"},
		{"flipped page flags", func(t *testing.T, path string) { mustWriteDataFile(t, path); flipLeafFlags(t, path) }, "consistency check found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !storetest.Isolated(t) {
				return
			}
			dir := t.TempDir()
			cfg := writeConfig(t, dir, false, "127.0.0.1:0")
			data := filepath.Join(dir, "data")
			if err := os.MkdirAll(data, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(data, "pregonero.db")
			tc.damage(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			code, _, errs := run(t, "serve", "-config", cfg)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, want := range []string{"pregonero: open store: " + path + " is not a valid Pregonero data file: ", tc.want, restoreHint} {
				if !strings.Contains(errs, want) {
					t.Errorf("stderr %q does not say %q", errs, want)
				}
			}
			if _, err := os.Stat(filepath.Join(data, "admin.token")); err == nil {
				t.Error("serve wrote a new API token")
			}
			if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, before) {
				t.Errorf("serve changed the refused data file (%v)", err)
			}
		})
	}
}

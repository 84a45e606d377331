package main_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"pregonero/store/storetest"
	"strings"
	"testing"

	"pregonero/store"
	"pregonero/web"
)

// readToken returns the token in the data directory's token file.
func readToken(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, web.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestTokenRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "pregonero.db")
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := web.EnsureToken(ctx, db, dir, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	old := readToken(t, dir)

	t.Run("lost token file: a new token is written, only its hash stored", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, web.TokenFile)); err != nil {
			t.Fatal(err)
		}
		code, out, errs := run(t, "token", "rotate", "-data", dir)
		if code != 0 || !strings.Contains(out, filepath.Join(dir, web.TokenFile)) {
			t.Fatalf("exit %d, stdout %q, stderr %q; want 0 naming the token file", code, out, errs)
		}
		token := readToken(t, dir)
		if !strings.HasPrefix(token, "prg_") || token == old {
			t.Fatalf("token %q, want a new prg_ token", token)
		}
		if strings.Contains(out+errs, token) {
			t.Error("the token was printed")
		}
		if fi, err := os.Stat(filepath.Join(dir, web.TokenFile)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("token file %v, %v; want mode 0600", fi, err)
		}
		db, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stored, err := db.Setting(ctx, web.TokenHashSetting)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256([]byte(token)); string(stored) != hex.EncodeToString(sum[:]) {
			t.Errorf("stored hash %q is not the new token's", stored)
		}
	})

	t.Run("running server: exit 1, pointing to the API", func(t *testing.T) {
		db, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		before := readToken(t, dir)
		code, _, errs := run(t, "token", "rotate", "-data", dir)
		if code != 1 || !strings.Contains(errs, "POST /api/v1/token/rotate") {
			t.Errorf("exit %d, stderr %q; want 1 and the API route", code, errs)
		}
		if readToken(t, dir) != before {
			t.Error("the token file changed")
		}
	})

	t.Run("no data file: exit 1, nothing created", func(t *testing.T) {
		empty := t.TempDir()
		code, _, errs := run(t, "token", "rotate", "-data", empty)
		if code != 1 || !strings.Contains(errs, "no data file") {
			t.Errorf("exit %d, stderr %q; want 1 and no data file", code, errs)
		}
		if entries, _ := os.ReadDir(empty); len(entries) != 0 {
			t.Errorf("token rotate created %v", entries)
		}
	})

	t.Run("damaged data file: refused, no token written", func(t *testing.T) {
		if !storetest.Isolated(t) {
			return
		}
		dir := t.TempDir()
		mustWriteDataFile(t, filepath.Join(dir, "pregonero.db"))
		truncateHalf(t, filepath.Join(dir, "pregonero.db"))
		code, _, errs := run(t, "token", "rotate", "-data", dir)
		if code != 1 || !strings.Contains(errs, restoreHint) {
			t.Errorf("exit %d, stderr %q; want 1 and how to restore", code, errs)
		}
		if _, err := os.Stat(filepath.Join(dir, web.TokenFile)); err == nil {
			t.Error("a token file was written")
		}
	})

	t.Run("usage errors exit 2", func(t *testing.T) {
		for _, args := range [][]string{{"token"}, {"token", "frob"}, {"token", "rotate", "extra"}, {"token", "rotate", "-nope"}} {
			if code, _, errs := run(t, args...); code != 2 {
				t.Errorf("%q: exit %d (stderr %q), want 2", args, code, errs)
			}
		}
	})
}

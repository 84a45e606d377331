package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
	"pregonero/store"
)

// newKey returns a fresh random secret key.
func newKey(tb testing.TB) []byte {
	tb.Helper()
	key := make([]byte, store.SecretKeySize)
	if _, err := rand.Read(key); err != nil {
		tb.Fatal(err)
	}
	return key
}

// token is a secret that must never appear in the data file of a store
// with a key.
const token = "1//refresh-token-that-must-stay-secret"

var creds = map[string]string{"refresh_token": token, "access_token": "ya29.access-token-also-secret"}

// rawCredentials returns the stored value of every credentials record,
// read with bbolt from the closed data file.
func rawCredentials(t *testing.T, path string) map[string][]byte {
	t.Helper()
	b, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	out := map[string][]byte{}
	if err := b.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("credentials")).ForEach(func(k, v []byte) error {
			out[string(k)] = bytes.Clone(v)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// putRaw replaces stored credentials records with bbolt on the closed data
// file, as an older version or an attacker would.
func putRaw(t *testing.T, path string, records map[string][]byte) {
	t.Helper()
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(func(tx *bbolt.Tx) error {
		for k, v := range records {
			if err := tx.Bucket([]byte("credentials")).Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func fileContains(t *testing.T, path, s string) bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(raw, []byte(s))
}

func mustClose(t *testing.T, db *store.DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func wantCredentials(t *testing.T, db *store.DB, account string, want map[string]string) {
	t.Helper()
	got, err := db.Credentials(context.Background(), account)
	if err != nil {
		t.Fatalf("Credentials(%s) = %v", account, err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("Credentials(%s) = %v, want %v", account, got, want)
	}
}

func TestSealedCredentials(t *testing.T) {
	ctx := context.Background()

	t.Run("credentials round trip across reopening with the same key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		key := newKey(t)
		db := MustOpen(t, path, store.WithSecretKey(key))
		if err := db.PutCredentials(ctx, "x-a", creds); err != nil {
			t.Fatal(err)
		}
		wantCredentials(t, db, "x-a", creds)
		mustClose(t, db)
		db = MustOpen(t, path, store.WithSecretKey(key))
		wantCredentials(t, db, "x-a", creds)
		if _, err := db.Credentials(ctx, "x-none"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Credentials(x-none) = %v, want not found", err)
		}
	})

	t.Run("data file does not contain the secrets", func(t *testing.T) {
		dir := t.TempDir()
		sealed, plain := filepath.Join(dir, "sealed.db"), filepath.Join(dir, "plain.db")
		for _, c := range []struct {
			path string
			opts []store.Option
		}{{sealed, []store.Option{store.WithSecretKey(newKey(t))}}, {plain, nil}} {
			db := MustOpen(t, c.path, c.opts...)
			// Several rotations, as X does, so that older pages are in
			// the file too.
			for i := range 5 {
				next := maps.Clone(creds)
				next["refresh_token"] = token + string(rune('a'+i))
				if err := db.PutCredentials(ctx, "x-a", next); err != nil {
					t.Fatal(err)
				}
			}
			mustClose(t, db)
		}
		if fileContains(t, sealed, token) || fileContains(t, sealed, "ya29.") {
			t.Error("data file of a store with a key contains a token")
		}
		if v := rawCredentials(t, sealed)["x-a"]; !bytes.HasPrefix(v, []byte("sealed-v1:")) {
			t.Errorf("stored record = %q, want it sealed-v1", v)
		}
		if !fileContains(t, plain, token) {
			t.Error("data file of a store without a key lacks the token: the check above proves nothing")
		}
	})

	t.Run("every write has a fresh nonce", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path, store.WithSecretKey(newKey(t)))
		for _, id := range []string{"x-a", "x-b"} {
			if err := db.PutCredentials(ctx, id, creds); err != nil {
				t.Fatal(err)
			}
		}
		mustClose(t, db)
		raw := rawCredentials(t, path)
		if a, b := raw["x-a"], raw["x-b"]; bytes.Equal(a, b) || bytes.Equal(a[:22], b[:22]) {
			t.Errorf("records of equal credentials share their nonce: %x, %x", a[:22], b[:22])
		}
	})

	t.Run("replaced key file fails naming the file", func(t *testing.T) {
		dir := t.TempDir()
		path, keyPath := filepath.Join(dir, "pregonero.db"), filepath.Join(dir, store.SecretKeyFile)
		db := MustOpen(t, path, store.WithSecretKeyFile(keyPath))
		if err := db.PutCredentials(ctx, "x-a", creds); err != nil {
			t.Fatal(err)
		}
		mustClose(t, db)
		if err := os.WriteFile(keyPath, newKey(t), 0o600); err != nil {
			t.Fatal(err)
		}
		db = MustOpen(t, path, store.WithSecretKeyFile(keyPath))
		got, err := db.Credentials(ctx, "x-a")
		if !errors.Is(err, store.ErrWrongSecretKey) || !errors.Is(err, pregonero.ErrSealedCredentials) {
			t.Fatalf("Credentials() = %v, %v; want ErrWrongSecretKey and pregonero.ErrSealedCredentials", got, err)
		}
		if got != nil {
			t.Errorf("Credentials() returned %v along with the error", got)
		}
		if !strings.Contains(err.Error(), keyPath) {
			t.Errorf("error = %q, want it to name %s", err, keyPath)
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("error = %q reveals the token", err)
		}
		// The record was left as it was: the original key still opens it.
		mustClose(t, db)
		db = MustOpen(t, path, store.WithSecretKey(newKey(t)))
		if _, err := db.Credentials(ctx, "x-a"); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Errorf("Credentials() with a third key = %v, want ErrWrongSecretKey", err)
		}
	})

	t.Run("record moved to another account does not open", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		key := newKey(t)
		db := MustOpen(t, path, store.WithSecretKey(key))
		if err := db.PutCredentials(ctx, "x-a", creds); err != nil {
			t.Fatal(err)
		}
		if err := db.PutCredentials(ctx, "x-b", map[string]string{"refresh_token": "b"}); err != nil {
			t.Fatal(err)
		}
		mustClose(t, db)
		putRaw(t, path, map[string][]byte{"x-b": rawCredentials(t, path)["x-a"]})
		db = MustOpen(t, path, store.WithSecretKey(key))
		if got, err := db.Credentials(ctx, "x-b"); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Errorf("Credentials(x-b) = %v, %v; want ErrWrongSecretKey", got, err)
		}
		wantCredentials(t, db, "x-a", creds)
	})

	t.Run("altered or unknown records fail without garbage", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		key := newKey(t)
		db := MustOpen(t, path, store.WithSecretKey(key))
		if err := db.PutCredentials(ctx, "x-a", creds); err != nil {
			t.Fatal(err)
		}
		mustClose(t, db)
		v := rawCredentials(t, path)["x-a"]
		flipped := bytes.Clone(v)
		flipped[len(flipped)-1] ^= 1
		putRaw(t, path, map[string][]byte{
			"x-flipped":   flipped,
			"x-truncated": v[:len("sealed-v1:")+5],
			"x-future":    append([]byte("sealed-v9:"), v[len("sealed-v1:"):]...),
		})
		db = MustOpen(t, path, store.WithSecretKey(key))
		for id, want := range map[string]string{"x-flipped": "moved from another account", "x-truncated": "truncated", "x-future": `"sealed-v9"`} {
			got, err := db.Credentials(ctx, id)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Credentials(%s) = %v, %v; want an error containing %q", id, got, err, want)
			}
		}
	})

	t.Run("plain records are sealed when the store is opened with a key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path)
		legacy := map[string]string{"refresh_token": "legacy-refresh", "access_token": "legacy-access"}
		if err := db.PutCredentials(ctx, "x-a", legacy); err != nil {
			t.Fatal(err)
		}
		if err := db.PutCredentials(ctx, "x-b", creds); err != nil {
			t.Fatal(err)
		}
		mustClose(t, db)
		for id, v := range rawCredentials(t, path) {
			if !bytes.HasPrefix(v, []byte(`{"v":1,`)) {
				t.Fatalf("record of %s written without a key = %q, want plain JSON", id, v)
			}
		}

		key := newKey(t)
		db = MustOpen(t, path, store.WithSecretKey(key))
		wantCredentials(t, db, "x-a", legacy)
		wantCredentials(t, db, "x-b", creds)
		mustClose(t, db)
		raw := rawCredentials(t, path)
		for id, v := range raw {
			if !bytes.HasPrefix(v, []byte("sealed-v1:")) || bytes.Contains(v, []byte("legacy-")) || bytes.Contains(v, []byte(token)) {
				t.Errorf("record of %s after opening with a key = %q, want it sealed", id, v)
			}
		}

		// Already sealed: opening again rewrites nothing.
		db = MustOpen(t, path, store.WithSecretKey(key))
		mustClose(t, db)
		if again := rawCredentials(t, path); !maps.EqualFunc(again, raw, bytes.Equal) {
			t.Error("second open with the key changed the sealed records")
		}
	})

	t.Run("plain record read with a key is sealed by the next write", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		key := newKey(t)
		db := MustOpen(t, path, store.WithSecretKey(key))
		mustClose(t, db)
		putRaw(t, path, map[string][]byte{"x-a": []byte(`{"v":1,"values":{"refresh_token":"plain"}}`)})
		db = MustOpen(t, path, store.WithSecretKey(key))
		wantCredentials(t, db, "x-a", map[string]string{"refresh_token": "plain"})
		if err := db.PutCredentials(ctx, "x-a", creds); err != nil {
			t.Fatal(err)
		}
		mustClose(t, db)
		if v := rawCredentials(t, path)["x-a"]; !bytes.HasPrefix(v, []byte("sealed-v1:")) {
			t.Errorf("record = %q, want it sealed", v)
		}
	})

	t.Run("without a key records stay plain and round trip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path)
		if err := db.PutCredentials(ctx, "x-a", creds); err != nil {
			t.Fatal(err)
		}
		wantCredentials(t, db, "x-a", creds)
		mustClose(t, db)
		if v := rawCredentials(t, path)["x-a"]; !bytes.HasPrefix(v, []byte(`{"v":1,`)) {
			t.Errorf("record = %q, want plain JSON", v)
		}
		db = MustOpen(t, path)
		wantCredentials(t, db, "x-a", creds)
	})

	t.Run("without a key sealed records are neither read nor overwritten", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		key := newKey(t)
		db := MustOpen(t, path, store.WithSecretKey(key))
		if err := db.PutCredentials(ctx, "x-a", creds); err != nil {
			t.Fatal(err)
		}
		mustClose(t, db)
		db = MustOpen(t, path)
		if got, err := db.Credentials(ctx, "x-a"); !errors.Is(err, store.ErrNoSecretKey) {
			t.Errorf("Credentials() = %v, %v; want ErrNoSecretKey", got, err)
		}
		if err := db.PutCredentials(ctx, "x-a", map[string]string{"refresh_token": "downgraded"}); !errors.Is(err, store.ErrNoSecretKey) {
			t.Errorf("PutCredentials() over a sealed record = %v, want ErrNoSecretKey", err)
		}
		if err := db.PutCredentials(ctx, "x-b", map[string]string{"refresh_token": "b"}); err != nil {
			t.Errorf("PutCredentials() of a new account = %v", err)
		}
		mustClose(t, db)
		db = MustOpen(t, path, store.WithSecretKey(key))
		wantCredentials(t, db, "x-a", creds)
		wantCredentials(t, db, "x-b", map[string]string{"refresh_token": "b"})
	})

	t.Run("backup keeps the records sealed and opens with the key", func(t *testing.T) {
		dir := t.TempDir()
		key := newKey(t)
		db := MustOpen(t, filepath.Join(dir, "pregonero.db"), store.WithSecretKey(key))
		if err := db.PutCredentials(ctx, "x-a", creds); err != nil {
			t.Fatal(err)
		}
		backup := filepath.Join(dir, "backup.db")
		if _, err := store.BackupFile(ctx, db, backup); err != nil {
			t.Fatal(err)
		}
		if fileContains(t, backup, token) {
			t.Error("backup contains the token")
		}
		restored := MustOpen(t, backup, store.WithSecretKey(key))
		wantCredentials(t, restored, "x-a", creds)
		mustClose(t, restored)
		restored = MustOpen(t, backup, store.WithSecretKey(newKey(t)))
		if _, err := restored.Credentials(ctx, "x-a"); !errors.Is(err, store.ErrWrongSecretKey) {
			t.Errorf("Credentials() from a backup with another key = %v, want ErrWrongSecretKey", err)
		}
	})

	t.Run("key of the wrong size is refused by Open", func(t *testing.T) {
		for _, n := range []int{0, 16, 31, 33, 64} {
			_, err := store.Open(filepath.Join(t.TempDir(), "pregonero.db"), store.WithSecretKey(make([]byte, n)))
			if err == nil || !strings.Contains(err.Error(), "want 32") {
				t.Errorf("Open() with a %d-byte key = %v, want an error", n, err)
			}
		}
	})
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Run("first call creates a private key file that later calls read", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		path := filepath.Join(dir, store.SecretKeyFile)
		key, err := store.LoadOrCreateKey(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(key) != store.SecretKeySize || bytes.Equal(key, make([]byte, store.SecretKeySize)) {
			t.Errorf("key = %x, want %d random bytes", key, store.SecretKeySize)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != store.SecretKeySize {
			t.Errorf("key file = %v, %v; want %d bytes, mode 0600", fi, err, store.SecretKeySize)
		}
		again, err := store.LoadOrCreateKey(path)
		if err != nil || !bytes.Equal(again, key) {
			t.Errorf("second LoadOrCreateKey() = %x, %v; want %x", again, err, key)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("directory has %d entries, want only the key file", len(entries))
		}
	})

	t.Run("existing key is never replaced", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), store.SecretKeyFile)
		want := newKey(t)
		if err := os.WriteFile(path, want, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := store.LoadOrCreateKey(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("LoadOrCreateKey() = %x, %v; want %x", got, err, want)
		}
	})

	t.Run("file of another size is an error naming it", func(t *testing.T) {
		for _, content := range []string{"", "short", strings.Repeat("k", 44) + "\n"} {
			path := filepath.Join(t.TempDir(), store.SecretKeyFile)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := store.LoadOrCreateKey(path)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("LoadOrCreateKey() of %d bytes = %v, want an error naming %s", len(content), err, path)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Errorf("key file = %q after the error, want it untouched", got)
			}
		}
	})

	t.Run("Open with a bad key file fails naming it", func(t *testing.T) {
		dir := t.TempDir()
		keyPath := filepath.Join(dir, store.SecretKeyFile)
		if err := os.WriteFile(keyPath, []byte("short"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(filepath.Join(dir, "pregonero.db"), store.WithSecretKeyFile(keyPath))
		if err == nil || !strings.Contains(err.Error(), keyPath) {
			t.Errorf("Open() = %v, want an error naming %s", err, keyPath)
		}
	})

	t.Run("store in use does not create the key", func(t *testing.T) {
		dir := t.TempDir()
		path, keyPath := filepath.Join(dir, "pregonero.db"), filepath.Join(dir, store.SecretKeyFile)
		MustOpen(t, path)
		if _, err := store.Open(path, store.WithSecretKeyFile(keyPath), store.WithLockTimeout(50*time.Millisecond)); !errors.Is(err, store.ErrInUse) {
			t.Fatalf("second Open() = %v, want ErrInUse", err)
		}
		if _, err := os.Stat(keyPath); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("key file after a refused Open: %v, want none", err)
		}
	})
}

// A key derived for one purpose is the same across opens with the same
// secret key, differs between purposes and from the secret key, and is
// nil without a secret key.
func TestDeriveKey(t *testing.T) {
	key := newKey(t)
	dir := t.TempDir()
	a, err := store.Open(filepath.Join(dir, "a.db"), store.WithSecretKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(filepath.Join(dir, "b.db"), store.WithSecretKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fp := a.DeriveKey("credentials fingerprint")
	if len(fp) != 32 || !bytes.Equal(fp, b.DeriveKey("credentials fingerprint")) {
		t.Errorf("derived %x and %x with the same secret key, want equal 32-byte keys", fp, b.DeriveKey("credentials fingerprint"))
	}
	if bytes.Equal(fp, a.DeriveKey("another use")) || bytes.Equal(fp, key) {
		t.Error("the derived key equals another purpose's or the secret key")
	}
	plain, err := store.Open(filepath.Join(dir, "plain.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if k := plain.DeriveKey("credentials fingerprint"); k != nil {
		t.Errorf("a store without a secret key derived %x", k)
	}
}

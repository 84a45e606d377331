package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"pregonero/atomicfile"
)

func TestWriteReplacesWholeWithItsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "admin.token")
	for _, data := range []string{"first\n", "second, longer than the first\n"} {
		if err := atomicfile.Write(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("got %q, %v; want %q", got, err, data)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".admin.token-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestSyncDirOfAMissingDirectoryFails(t *testing.T) {
	if err := atomicfile.SyncDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("syncing a missing directory succeeded")
	}
}

package store_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
	"pregonero/store"
	"pregonero/store/storetest"
)

// MustOpen opens a store at path, closed when the test ends.
func MustOpen(tb testing.TB, path string, opts ...store.Option) *store.DB {
	tb.Helper()
	db, err := store.Open(path, append([]store.Option{store.WithLogger(quiet)}, opts...)...)
	if err != nil {
		tb.Fatalf("Open(%s) = %v", path, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// quiet drops the warnings some tests provoke on purpose.
var quiet = slog.New(slog.DiscardHandler)

func TestStore(t *testing.T) {
	// As serve opens it: with a secret key, the same for every path, so
	// that backups open too.
	key := newKey(t)
	storetest.TestStore(t, func(t *testing.T, path string, now func() time.Time) pregonero.Store {
		db, err := store.Open(path, store.WithNow(now), store.WithSecretKey(key))
		if err != nil {
			t.Fatalf("Open(%s) = %v", path, err)
		}
		return db
	})
}

var t0 = time.Date(2031, 5, 1, 13, 0, 0, 0, time.UTC)

func TestOpen(t *testing.T) {
	t.Run("data file in use is refused with a clear error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		MustOpen(t, path)
		start := time.Now()
		_, err := store.Open(path, store.WithLockTimeout(100*time.Millisecond))
		if !errors.Is(err, store.ErrInUse) {
			t.Fatalf("second Open() = %v, want ErrInUse", err)
		}
		want := "open store: data file " + path + " is in use by another process (is pregonero already running?)"
		if err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("second Open() took %v", waited)
		}
	})

	t.Run("file of random bytes is not a valid data file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "random.db")
		junk := make([]byte, 64<<10)
		if _, err := io.ReadFull(rand.Reader, junk); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(path)
		if !errors.Is(err, store.ErrInvalidFile) {
			t.Fatalf("Open() = %v, want ErrInvalidFile", err)
		}
		if want := "open store: " + path + " is not a valid Pregonero data file: "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error = %q, want it to start with %q", err, want)
		}
	})

	t.Run("short text file is not a valid data file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte("listen: 127.0.0.1:8080\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Open(path); !errors.Is(err, store.ErrInvalidFile) {
			t.Fatalf("Open() = %v, want ErrInvalidFile", err)
		}
	})

	t.Run("bbolt file of another program is not a valid data file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		b, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Update(func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("widgets"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		b.Close()
		if _, err := store.Open(path); !errors.Is(err, store.ErrInvalidFile) {
			t.Fatalf("Open() = %v, want ErrInvalidFile", err)
		}
	})

	t.Run("newer schema version is refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path)
		db.Close()
		b, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 99))
		}); err != nil {
			t.Fatal(err)
		}
		b.Close()
		_, err = store.Open(path)
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("Open() = %v, want ErrSchemaTooNew", err)
		}
		if !strings.Contains(err.Error(), "schema version 99") {
			t.Errorf("error = %q, want it to name version 99", err)
		}
	})

	t.Run("missing directory is created", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "data", "deeper", "pregonero.db")
		db := MustOpen(t, path)
		if db.Path() != path {
			t.Errorf("Path() = %q, want %q", db.Path(), path)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("data file = %v, %v; want mode 0600", fi, err)
		}
	})
}

func TestClose(t *testing.T) {
	t.Run("calls after close fail with ErrClosed", func(t *testing.T) {
		db := MustOpen(t, filepath.Join(t.TempDir(), "pregonero.db"))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("second Close() = %v", err)
		}
		ctx := context.Background()
		if err := db.CreatePosts(ctx, storetest.NewPost(t0, "x-a")); !errors.Is(err, store.ErrClosed) {
			t.Errorf("CreatePosts() after Close = %v, want ErrClosed", err)
		}
		if _, err := db.Post(ctx, "p_x"); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Post() after Close = %v, want ErrClosed", err)
		}
	})

	t.Run("close commits writes already queued", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path)
		ctx := context.Background()
		const n = 200
		errs := make(chan error, n)
		posts := make([]*pregonero.Post, n)
		for i := range posts {
			posts[i] = storetest.NewPost(t0.Add(time.Duration(i)*time.Second), "x-a")
			go func() { errs <- db.CreatePosts(ctx, posts[i]) }()
		}
		// Let some writes queue, then close while others are still
		// arriving: each must either commit or fail with ErrClosed.
		time.Sleep(time.Millisecond)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		committed := 0
		for range n {
			switch err := <-errs; {
			case err == nil:
				committed++
			case !errors.Is(err, store.ErrClosed):
				t.Errorf("CreatePosts() = %v, want nil or ErrClosed", err)
			}
		}
		db = MustOpen(t, path)
		found := 0
		for _, p := range posts {
			if _, err := db.Post(ctx, p.ID); err == nil {
				found++
			}
		}
		if found != committed {
			t.Errorf("reopened store has %d posts, %d were reported committed", found, committed)
		}
	})
}

func TestContext(t *testing.T) {
	t.Run("canceled context writes nothing", func(t *testing.T) {
		db := MustOpen(t, filepath.Join(t.TempDir(), "pregonero.db"))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p := storetest.NewPost(t0, "x-a")
		if err := db.CreatePosts(ctx, p); !errors.Is(err, context.Canceled) {
			t.Fatalf("CreatePosts() = %v, want context.Canceled", err)
		}
		if _, err := db.Post(context.Background(), p.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Post() = %v, want not found", err)
		}
		if _, err := db.Post(ctx, p.ID); !errors.Is(err, context.Canceled) {
			t.Errorf("Post() with canceled context = %v, want context.Canceled", err)
		}
	})
}

func TestUpdateDelivery(t *testing.T) {
	ctx := context.Background()
	t.Run("changing the id or post is refused", func(t *testing.T) {
		db := MustOpen(t, filepath.Join(t.TempDir(), "pregonero.db"))
		p := storetest.NewPost(t0, "x-a")
		if err := db.CreatePosts(ctx, p); err != nil {
			t.Fatal(err)
		}
		for name, fn := range map[string]func(*pregonero.Delivery){
			"id":    func(d *pregonero.Delivery) { d.ID = "d_other" },
			"post":  func(d *pregonero.Delivery) { d.PostID = "p_other" },
			"state": func(d *pregonero.Delivery) { d.State = "lost" },
		} {
			_, err := db.UpdateDelivery(ctx, p.Deliveries[0].ID, func(d *pregonero.Delivery) error { fn(d); return nil })
			if pregonero.ErrorCode(err) != pregonero.EINVALID {
				t.Errorf("changing %s: UpdateDelivery() = %v, want invalid", name, err)
			}
		}
	})

	t.Run("panic in fn fails that update only", func(t *testing.T) {
		db := MustOpen(t, filepath.Join(t.TempDir(), "pregonero.db"))
		p := storetest.NewPost(t0, "x-a")
		if err := db.CreatePosts(ctx, p); err != nil {
			t.Fatal(err)
		}
		_, err := db.UpdateDelivery(ctx, p.Deliveries[0].ID, func(d *pregonero.Delivery) error {
			d.State = pregonero.DeliveryFailed
			panic("adapter bug")
		})
		if err == nil || !strings.Contains(err.Error(), "adapter bug") {
			t.Fatalf("UpdateDelivery() = %v, want the panic as an error", err)
		}
		d, err := db.Delivery(ctx, p.Deliveries[0].ID)
		if err != nil || d.State != pregonero.DeliveryQueued {
			t.Errorf("Delivery() = %+v, %v; want it still queued", d, err)
		}
		if err := db.CreatePosts(ctx, storetest.NewPost(t0, "x-a")); err != nil {
			t.Errorf("CreatePosts() after a panic = %v", err)
		}
	})

	t.Run("times outside the storable range are invalid", func(t *testing.T) {
		db := MustOpen(t, filepath.Join(t.TempDir(), "pregonero.db"))
		p := storetest.NewPost(t0, "x-a")
		p.ScheduledAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := db.CreatePosts(ctx, p); pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("CreatePosts() = %v, want invalid", err)
		}
	})
}

func TestCrashReopen(t *testing.T) {
	t.Run("copy of a running store recovers its claimed deliveries", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "pregonero.db")
		db := MustOpen(t, path)
		ctx := context.Background()
		p := storetest.NewPost(t0, "x-a", "fb-b", "ig-c")
		if err := db.CreatePosts(ctx, p); err != nil {
			t.Fatal(err)
		}
		claimed, err := db.ClaimDue(ctx, t0, t0, 3)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("ClaimDue() = %d, %v", len(claimed), err)
		}
		// Two sends started (written ahead); the third was claimed only.
		for _, d := range claimed[:2] {
			if _, err := db.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error { return x.Start(t0) }); err != nil {
				t.Fatal(err)
			}
		}
		// What a kill -9 leaves behind: the file as committed, copied
		// while the store still runs and holds the lock.
		crashed := filepath.Join(dir, "crashed.db")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(crashed, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		restart := t0.Add(time.Minute)
		db2 := MustOpen(t, crashed, store.WithNow(func() time.Time { return restart }))
		n, err := db2.Recover(ctx, restart)
		if err != nil || n != 3 {
			t.Fatalf("Recover() = %d, %v; want 3", n, err)
		}
		got, err := db2.Post(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		states := map[pregonero.DeliveryState]int{}
		for _, d := range got.Deliveries {
			states[d.State]++
		}
		if states[pregonero.DeliveryInDoubt] != 2 || states[pregonero.DeliveryQueued] != 1 {
			t.Errorf("states after recovery = %v, want 2 in_doubt (started) and 1 queued (only claimed)", states)
		}
		counts, err := db2.DeliveryCounts(ctx)
		if err != nil || counts[pregonero.DeliveryInDoubt] != 2 || counts[pregonero.DeliveryQueued] != 1 || counts[pregonero.DeliverySending] != 0 {
			t.Errorf("DeliveryCounts() = %v, %v", counts, err)
		}
	})
}

func TestBackupFile(t *testing.T) {
	t.Run("backup file replaces the previous one atomically", func(t *testing.T) {
		dir := t.TempDir()
		db := MustOpen(t, filepath.Join(dir, "pregonero.db"))
		ctx := context.Background()
		p := storetest.NewPost(t0, "x-a")
		if err := db.CreatePosts(ctx, p); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "backups", "pregonero-backup.db")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("previous backup"), 0o600); err != nil {
			t.Fatal(err)
		}
		n, err := store.BackupFile(ctx, db, path)
		if err != nil {
			t.Fatalf("BackupFile() = %v", err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != n {
			t.Fatalf("backup file = %v, %v; want %d bytes", fi, err, n)
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Errorf("backup directory has %d entries, want only the backup", len(entries))
		}
		b := MustOpen(t, path)
		if _, err := b.Post(ctx, p.ID); err != nil {
			t.Errorf("backup lacks the post: %v", err)
		}
	})

	t.Run("failed backup leaves the previous one", func(t *testing.T) {
		dir := t.TempDir()
		db := MustOpen(t, filepath.Join(dir, "pregonero.db"))
		path := filepath.Join(dir, "backup.db")
		if err := os.WriteFile(path, []byte("previous backup"), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := store.BackupFile(ctx, db, path); !errors.Is(err, context.Canceled) {
			t.Fatalf("BackupFile() = %v, want context.Canceled", err)
		}
		if got, _ := os.ReadFile(path); string(got) != "previous backup" {
			t.Errorf("backup file = %q, want the previous one", got)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 2 {
			t.Errorf("directory has %d entries, want the store and the old backup", len(entries))
		}
	})
}

// WithExisting refuses a missing data file and creates nothing in its
// place: a wrong -data must not turn into an empty store.
func TestOpenWithExistingRefusesAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nowhere", store.DataFile)
	if _, err := store.Open(path, store.WithExisting()); !errors.Is(err, store.ErrNoDataFile) {
		t.Fatalf("Open() = %v, want ErrNoDataFile", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the data directory was created: %v", err)
	}
	MustOpen(t, path).Close()
	db, err := store.Open(path, store.WithExisting())
	if err != nil {
		t.Fatalf("Open() of an existing file = %v", err)
	}
	db.Close()
}

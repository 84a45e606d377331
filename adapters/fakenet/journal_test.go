package fakenet_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/fakenet"
)

// mustOpenLedger opens a ledger kept in path, closed at the end of the
// test.
func mustOpenLedger(tb testing.TB, path string) (*fakenet.Ledger, fakenet.Recovery) {
	tb.Helper()
	l := fakenet.NewLedger()
	rec, err := l.Open(path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l, rec
}

func TestLedgerFile(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	path := filepath.Join(t.TempDir(), fakenet.LedgerFileName)

	t.Run("posts and deletions outlive a reopening", func(t *testing.T) {
		l, rec := mustOpenLedger(t, path)
		if rec.Posts != 0 || rec.DroppedBytes != 0 {
			t.Fatalf("recovery of a new file = %+v, want zero", rec)
		}
		want := []fakenet.Post{
			{Network: "youtube", Account: "UCx", RemoteID: "v1", Text: "Video", CreatedAt: t0,
				Media: []fakenet.PostMedia{{ID: "v1", Type: "video/mp4", Size: 9}}, Extra: map[string]string{"tags": `["m"]`}},
			{Network: "x", Account: "ana", RemoteID: "2", Text: "borrado", CreatedAt: t0.Add(time.Second)},
			{Network: "x", Account: "ana", RemoteID: "3", Text: "queda", CreatedAt: t0.Add(2 * time.Second),
				Media: []fakenet.PostMedia{{ID: "m", Type: "image/png", AltText: "Mapa", Size: 4}}},
		}
		for _, p := range want {
			if err := l.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		l.Delete("x", "2")
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		again, rec := mustOpenLedger(t, path)
		if rec.Posts != 2 {
			t.Errorf("recovered %d posts, want 2", rec.Posts)
		}
		if got := again.Posts(); !reflect.DeepEqual(got, []fakenet.Post{want[0], want[2]}) {
			t.Errorf("posts after reopening =\n%+v\nwant\n%+v", got, []fakenet.Post{want[0], want[2]})
		}
	})
	t.Run("a change after Close is refused", func(t *testing.T) {
		l, _ := mustOpenLedger(t, filepath.Join(t.TempDir(), "l.jsonl"))
		l.Close()
		if err := l.Add(fakenet.Post{Network: "x", RemoteID: "9", CreatedAt: t0}); err == nil {
			t.Error("add after close accepted")
		}
		if _, ok := l.Get("x", "9"); ok {
			t.Error("refused post is in the ledger")
		}
	})
	t.Run("a ledger that holds posts cannot be opened", func(t *testing.T) {
		l := fakenet.NewLedger()
		l.Add(fakenet.Post{Network: "x", RemoteID: "1", CreatedAt: t0})
		if _, err := l.Open(filepath.Join(t.TempDir(), "l.jsonl"), nil); err == nil {
			t.Error("open accepted")
		}
	})
}

func TestLedgerFileDamage(t *testing.T) {
	good := `{"v":1,"op":"add","post":{"network":"x","account":"ana","remote_id":"1","text":"uno","created_at":"2026-03-01T12:00:00Z"}}` + "\n"
	write := func(t *testing.T, content string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), fakenet.LedgerFileName)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("a record cut short at the end is dropped and the file repaired", func(t *testing.T) {
		torn := `{"v":1,"op":"add","post":{"network":"x","acc`
		path := write(t, good+torn)
		l, rec := mustOpenLedger(t, path)
		if rec.Posts != 1 || rec.DroppedBytes != len(torn) {
			t.Errorf("recovery = %+v, want 1 post and %d bytes dropped", rec, len(torn))
		}
		if err := l.Add(fakenet.Post{Network: "x", RemoteID: "2", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		l.Close()
		_, rec = mustOpenLedger(t, path)
		if rec.Posts != 2 || rec.DroppedBytes != 0 {
			t.Errorf("recovery after repair = %+v, want 2 posts and nothing dropped", rec)
		}
	})
	for name, content := range map[string]string{
		"a damaged line in the middle":  good + "{\"v\":1,\"op\":\"add\",\"po\n" + good,
		"a record of a newer version":   good + `{"v":2,"op":"add","post":{"network":"x","remote_id":"5"}}` + "\n",
		"an unknown operation":          good + `{"v":1,"op":"edit","network":"x","remote_id":"1"}` + "\n",
		"a post added twice":            good + good,
		"an added post without id":      good + `{"v":1,"op":"add","post":{"network":"x"}}` + "\n",
		"a line that is no JSON object": good + "ledger\n",
	} {
		t.Run(name+" fails naming the file and line", func(t *testing.T) {
			path := write(t, content)
			_, err := fakenet.NewLedger().Open(path, nil)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 2") {
				t.Fatalf("err = %v, want one naming %s, line 2", err, path)
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Errorf("file changed to %q", b)
			}
		})
	}
}

func TestLedgerFileCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), fakenet.LedgerFileName)
	l, _ := mustOpenLedger(t, path)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := l.Add(fakenet.Post{Network: "x", Account: "ana", RemoteID: "keep", Text: "queda", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		id := fmt.Sprint(i)
		if err := l.Add(fakenet.Post{Network: "x", Account: "ana", RemoteID: id, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		l.Delete("x", id)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n > 2+1024+2 {
		t.Errorf("file holds %d records for 1 live post, want it compacted", n)
	}
	l.Close()
	again, _ := mustOpenLedger(t, path)
	if got := ids(again.Posts()); got != "keep" {
		t.Errorf("posts after compaction = %s, want keep", got)
	}
}

// BenchmarkLedgerBurst measures a burst of 1,000 accepted posts: in
// memory, in a ledger file (one appended line and one fsync a post, the
// design kept), and, for comparison, with the whole ledger rewritten and
// renamed into place after each post.
func BenchmarkLedgerBurst(b *testing.B) {
	const burst = 1000
	post := func(i int) fakenet.Post {
		return fakenet.Post{Network: "x", Account: "gobantioquia", RemoteID: fmt.Sprint(2_000_000_000_000_000_000 + i),
			Text:      strings.Repeat("Boletín de prensa de la Gobernación. ", 6),
			Media:     []fakenet.PostMedia{{ID: fmt.Sprint(i), Type: "image/jpeg", AltText: "Foto del evento", Size: 512_000}},
			CreatedAt: time.Unix(1_800_000_000+int64(i), 0)}
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*burst), "µs/post")
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/burst")
	}
	b.Run("memory", func(b *testing.B) {
		for b.Loop() {
			l := fakenet.NewLedger()
			for i := range burst {
				if err := l.Add(post(i)); err != nil {
					b.Fatal(err)
				}
			}
		}
		report(b)
	})
	b.Run("file", func(b *testing.B) {
		dir := b.TempDir()
		n := 0
		for b.Loop() {
			n++
			l := fakenet.NewLedger()
			if _, err := l.Open(filepath.Join(dir, fmt.Sprint(n)), nil); err != nil {
				b.Fatal(err)
			}
			for i := range burst {
				if err := l.Add(post(i)); err != nil {
					b.Fatal(err)
				}
			}
			l.Close()
		}
		report(b)
	})
	b.Run("snapshot-per-post", func(b *testing.B) {
		dir := b.TempDir()
		for b.Loop() {
			var all []fakenet.Post
			for i := range burst {
				all = append(all, post(i))
				if err := writeSnapshot(filepath.Join(dir, "snap.json"), all); err != nil {
					b.Fatal(err)
				}
			}
		}
		report(b)
	})
}

// writeSnapshot is the alternative design BenchmarkLedgerBurst compares
// with: the whole ledger written, synced and renamed into place.
func writeSnapshot(path string, posts []fakenet.Post) error {
	b, err := json.Marshal(posts)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

package youtube_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

const block = youtube.ChunkGranularity

// chunkLog records the Content-Range of every chunk sent to an upload
// session, and can make the session keep only part of one chunk.
type chunkLog struct {
	mu     sync.Mutex
	ranges []string
	// keep, when positive, makes the first chunk longer than keep bytes
	// that is not the last reach the fake cut to its first keep bytes,
	// as a session that kept only part of it; its answer then names
	// report bytes received past the chunk's start.
	keep, report int64
	// final cuts the last chunk instead.
	final bool
	cut   bool
}

func (l *chunkLog) wrap(f *fake.Fake) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cr := r.Header.Get("Content-Range")
		if r.URL.Query().Get("upload_id") == "" || cr == "" {
			f.ServeHTTP(w, r)
			return
		}
		l.mu.Lock()
		l.ranges = append(l.ranges, cr)
		first, last, total := parseRange(cr)
		cut := l.keep > 0 && !l.cut && (total == "*") != l.final && last-first+1 > l.keep
		if cut {
			l.cut = true
		}
		keep, report := l.keep, l.report
		l.mu.Unlock()
		if !cut {
			f.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r2 := r.Clone(r.Context())
		r2.Header = r.Header.Clone()
		r2.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/*", first, first+keep-1))
		r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(body[:keep])), keep
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, r2)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		switch {
		case rec.Header().Get("Range") == "":
		case first+report == 0:
			w.Header().Del("Range")
		default:
			w.Header().Set("Range", fmt.Sprintf("bytes=0-%d", first+report-1))
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (l *chunkLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ranges...)
}

func parseRange(cr string) (first, last int64, total string) {
	spec := strings.TrimPrefix(cr, "bytes ")
	span, total, _ := strings.Cut(spec, "/")
	a, b, ok := strings.Cut(span, "-")
	if !ok {
		return -1, -1, total
	}
	first, _ = strconv.ParseInt(a, 10, 64)
	last, _ = strconv.ParseInt(b, 10, 64)
	return first, last, total
}

// wantWholeBlocks checks that every chunk but the last is a whole number
// of 256 KiB blocks.
func wantWholeBlocks(t *testing.T, ranges []string) {
	t.Helper()
	for _, cr := range ranges {
		first, last, total := parseRange(cr)
		if first < 0 {
			continue
		}
		final := total != "*" && strconv.FormatInt(last+1, 10) == total
		if n := last - first + 1; !final && n%block != 0 {
			t.Errorf("chunk %q of %d bytes is not the last and not a multiple of %d", cr, n, block)
		}
	}
}

func TestChunksButTheLastAreWholeBlocks(t *testing.T) {
	l := &chunkLog{}
	// 300 KiB is rounded up to 512 KiB, whatever the configuration says.
	e := newEnv(t, envOptions{chunkSize: 300 << 10, wrap: l.wrap})
	a := e.account("bloques")
	size := 4*block + 1000
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Bloques", size, "bloques"), a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	want := []string{"bytes 0-524287/*", "bytes 524288-1048575/*", fmt.Sprintf("bytes 1048576-%d/%d", size-1, size)}
	if got := l.get(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got chunks %q, want %q", got, want)
	}
	wantWholeBlocks(t, l.get())
	if got := e.fake.Video(r.RemoteID).Size; got != int64(size) {
		t.Errorf("got a video of %d bytes, want %d", got, size)
	}
}

func TestAChunkTheSessionKeptInPartIsCompleted(t *testing.T) {
	const chunk = 4 * block
	r := func(first, last int, total string) string { return fmt.Sprintf("bytes %d-%d/%s", first, last, total) }
	size := 2*chunk + 1000
	end := fmt.Sprint(size)
	short := chunk + 3*block + 1000 // one whole chunk and a last one of 3 blocks and a bit
	for _, tc := range []struct {
		name         string
		size         int
		keep, report int64
		final        bool
		want         []string
	}{
		{"kept up to a block boundary", size, block, block, false,
			[]string{r(0, chunk-1, "*"), r(block, chunk-1, "*"), r(chunk, 2*chunk-1, "*"), r(2*chunk, size-1, end)}},
		{"reported short of a block boundary", size, 2 * block, 2*block - 5000, false,
			[]string{r(0, chunk-1, "*"), r(block, chunk-1, "*"), r(chunk, 2*chunk-1, "*"), r(2*chunk, size-1, end)}},
		{"nothing kept", size, block, 0, false,
			[]string{r(0, chunk-1, "*"), r(0, chunk-1, "*"), r(chunk, 2*chunk-1, "*"), r(2*chunk, size-1, end)}},
		{"the last chunk kept in part", short, block, block, true,
			[]string{r(0, chunk-1, "*"), r(chunk, short-1, fmt.Sprint(short)), r(chunk+block, short-1, fmt.Sprint(short))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &chunkLog{keep: tc.keep, report: tc.report, final: tc.final}
			e := newEnv(t, envOptions{chunkSize: chunk, wrap: l.wrap})
			a := e.account("parcial")
			c := content(t, "Parcial", tc.size, "parcial "+tc.name)
			rc, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
			if err != nil {
				t.Fatalf("Publish: %v; chunks %q", err, l.get())
			}
			if got := l.get(); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got chunks %q, want %q", got, tc.want)
			}
			wantWholeBlocks(t, l.get())
			if v := e.fake.Video(rc.RemoteID); v.Size != int64(tc.size) || v.UploadStatus != "processed" {
				t.Errorf("got video %+v, want %d bytes that YouTube processed", v, tc.size)
			}
		})
	}
}

package mediatest_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"pregonero/media"
	"pregonero/media/mediatest"
	"pregonero/store"
)

// The library must read what mediatest makes as the media it claims to be.
func TestLibraryReadsGeneratedMedia(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lib, err := media.Open(filepath.Join(dir, "media"), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, mime string
		data       []byte
		w, h       int
		ms         int64
	}{
		{"jpeg", "image/jpeg", mediatest.JPEG(320, 400, 1), 320, 400, 0},
		{"png", "image/png", mediatest.PNG(64, 32, 2), 64, 32, 0},
		{"mp4", "video/mp4", mediatest.MP4(300<<10, 61_500, 1280, 720, 3), 1280, 720, 61_500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := lib.Put(context.Background(), bytes.NewReader(tc.data), "f", "")
			if err != nil {
				t.Fatal(err)
			}
			if m.MIME != tc.mime || m.Width != tc.w || m.Height != tc.h || m.DurationMS != tc.ms {
				t.Errorf("got %s %dx%d %d ms, want %s %dx%d %d ms", m.MIME, m.Width, m.Height, m.DurationMS, tc.mime, tc.w, tc.h, tc.ms)
			}
		})
	}
	if n := len(mediatest.MP4(1<<20, 1000, 16, 16, 0)); n < 1<<20-64 || n > 1<<20+64 {
		t.Errorf("MP4 of 1 MiB is %d bytes", n)
	}
}

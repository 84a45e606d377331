package media_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/media"
)

// memStore keeps media records in memory; the other Store methods are not
// used by the library and panic through the nil embedded interface.
type memStore struct {
	pregonero.Store
	mu    sync.Mutex
	media map[string]pregonero.Media
	puts  int
}

func newMemStore() *memStore { return &memStore{media: map[string]pregonero.Media{}} }

func (s *memStore) PutMedia(_ context.Context, m *pregonero.Media) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[m.ID] = *m
	s.puts++
	return nil
}

func (s *memStore) Media(_ context.Context, id string) (*pregonero.Media, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "media %s not found", id)
	}
	return &m, nil
}

func mustOpen(tb testing.TB, opts ...media.Option) (*media.Library, *memStore, string) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "media")
	s := newMemStore()
	l, err := media.Open(dir, s, opts...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return l, s, dir
}

func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x + y), 255})
		}
	}
	return img
}

func jpegBytes(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func pngBytes(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(w, h)); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func gifBytes(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, testImage(w, h), nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// mp4 box builders: just enough ISO-BMFF for a player to find the movie
// header and a video track.

func bx(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(out, typ...), body...)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func ftyp(major string, compat ...string) []byte {
	p := append([]byte(major), u32(0x200)...)
	for _, c := range compat {
		p = append(p, c...)
	}
	return bx("ftyp", p)
}

func mvhd(version byte, timescale uint32, duration uint64) []byte {
	p := []byte{version, 0, 0, 0}
	if version == 1 {
		p = append(p, make([]byte, 16)...) // creation, modification
		p = append(p, u32(timescale)...)
		p = append(p, u64(duration)...)
	} else {
		p = append(p, make([]byte, 8)...)
		p = append(p, u32(timescale)...)
		p = append(p, u32(uint32(duration))...)
	}
	p = append(p, make([]byte, 80)...) // rate, volume, reserved, matrix, pre_defined, next_track_ID
	return bx("mvhd", p)
}

var identity = [9]int32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}
var rotate90 = [9]int32{0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000}

func tkhd(version byte, width, height float64, matrix [9]int32) []byte {
	p := []byte{version, 0, 0, 3}
	if version == 1 {
		p = append(p, make([]byte, 16)...)
		p = append(p, u32(1)...)
		p = append(p, make([]byte, 4)...)
		p = append(p, u64(0)...)
	} else {
		p = append(p, make([]byte, 8)...)
		p = append(p, u32(1)...)
		p = append(p, make([]byte, 4)...)
		p = append(p, u32(0)...)
	}
	p = append(p, make([]byte, 16)...) // reserved, layer, alternate_group, volume, reserved
	for _, m := range matrix {
		p = append(p, u32(uint32(m))...)
	}
	p = append(p, u32(uint32(width*65536))...)
	p = append(p, u32(uint32(height*65536))...)
	return bx("tkhd", p)
}

func trak(handler string, tk []byte) []byte {
	hdlr := bx("hdlr", []byte{0, 0, 0, 0}, u32(0), []byte(handler), make([]byte, 12), []byte("handler\x00"))
	return bx("trak", tk, bx("mdia", bx("mdhd", make([]byte, 24)), hdlr))
}

// mp4Bytes puts moov after a large mdat, the layout of files not made for
// streaming, so the walk must skip the media data to find the header.
func mp4Bytes(tracks ...[]byte) []byte {
	moov := bx("moov", append([][]byte{mvhd(0, 1000, 12345)}, tracks...)...)
	return bytes.Join([][]byte{ftyp("isom", "isom", "iso2", "avc1", "mp41"), bx("free"), bx("mdat", bytes.Repeat([]byte{0xAB}, 4096)), moov}, nil)
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func wantCode(t *testing.T, err error, code, fieldCode string) *pregonero.Error {
	t.Helper()
	var e *pregonero.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want *pregonero.Error with code %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("got code %q, want %q (%v)", e.Code, code, e)
	}
	if fieldCode != "" {
		if len(e.Fields) != 1 || e.Fields[0].Code != fieldCode {
			t.Fatalf("got fields %+v, want one with code %q", e.Fields, fieldCode)
		}
	}
	return e
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".upload-") {
			t.Errorf("temp file %s left behind", e.Name())
		}
	}
}

func TestPut(t *testing.T) {
	rotatedMOV := bytes.Join([][]byte{
		ftyp("qt  ", "qt  "),
		bx("wide"),
		bx("moov", mvhd(1, 600, 600*90+300), trak("soun", tkhd(1, 0, 0, identity)), trak("vide", tkhd(1, 1920, 1080, rotate90))),
		bx("mdat", bytes.Repeat([]byte{1}, 100)),
	}, nil)
	webpVP8X := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00"), 0xff, 0x01, 0x00, 0x2b, 0x01, 0x00) // 512x300
	webpVP8X = append(webpVP8X, make([]byte, 32)...)
	vp8l := uint32(639) | uint32(479)<<14 // 640x480
	webpVP8L := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8L\x05\x00\x00\x00\x2f"), binary.LittleEndian.AppendUint32(nil, vp8l)...)
	webpVP8L = append(webpVP8L, make([]byte, 16)...)

	tests := []struct {
		name         string
		data         []byte
		wantMIME     string
		wantW, wantH int
		wantDuration int64
	}{
		{"jpeg gets its dimensions", jpegBytes(t, 64, 48), "image/jpeg", 64, 48, 0},
		{"png gets its dimensions", pngBytes(t, 33, 17), "image/png", 33, 17, 0},
		{"gif gets its dimensions", gifBytes(t, 20, 40), "image/gif", 20, 40, 0},
		{"webp VP8X gets its canvas size", webpVP8X, "image/webp", 512, 300, 0},
		{"webp VP8L gets its size", webpVP8L, "image/webp", 640, 480, 0},
		{"mp4 with moov at the end gets duration and video size", mp4Bytes(trak("vide", tkhd(0, 1280, 720, identity))), "video/mp4", 1280, 720, 12345},
		{"mp4 audio track before video uses the video track", mp4Bytes(trak("soun", tkhd(0, 0, 0, identity)), trak("vide", tkhd(0, 720, 1280, identity))), "video/mp4", 720, 1280, 12345},
		{"quicktime with 64-bit headers and rotation gets displayed size", rotatedMOV, "video/quicktime", 1080, 1920, 90500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
			l, s, dir := mustOpen(t, media.WithNow(func() time.Time { return now }))
			m, err := l.Put(context.Background(), bytes.NewReader(tt.data), "dir/photo.bin", "alt")
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			h := sum(tt.data)
			want := pregonero.Media{
				ID: "m_" + h[:24], SHA256: h, MIME: tt.wantMIME, Size: int64(len(tt.data)),
				Width: tt.wantW, Height: tt.wantH, DurationMS: tt.wantDuration,
				AltText: "alt", Filename: "photo.bin", CreatedAt: now,
			}
			if *m != want {
				t.Errorf("got media %+v, want %+v", *m, want)
			}
			stored, err := s.Media(context.Background(), m.ID)
			if err != nil {
				t.Fatalf("record not stored: %v", err)
			}
			if *stored != want {
				t.Errorf("got stored %+v, want %+v", *stored, want)
			}
			onDisk, err := os.ReadFile(filepath.Join(dir, h[:2], h))
			if err != nil {
				t.Fatalf("content-addressed file: %v", err)
			}
			if !bytes.Equal(onDisk, tt.data) {
				t.Error("file on disk differs from the upload")
			}
			blob, err := l.Blob(context.Background(), m.ID)
			if err != nil {
				t.Fatalf("Blob: %v", err)
			}
			rc, err := blob.Open()
			if err != nil {
				t.Fatalf("Blob.Open: %v", err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, tt.data) || blob.Media.ID != m.ID {
				t.Errorf("blob reads %d bytes of %s, want %d bytes of %s", len(got), blob.Media.ID, len(tt.data), m.ID)
			}
			assertNoTempFiles(t, dir)
		})
	}
}

func TestPutSameBytes(t *testing.T) {
	data := pngBytes(t, 10, 10)
	ctx := context.Background()

	t.Run("same id and other alt text replaces it", func(t *testing.T) {
		l, _, _ := mustOpen(t)
		a, err := l.Put(ctx, bytes.NewReader(data), "a.png", "first")
		if err != nil {
			t.Fatal(err)
		}
		b, err := l.Put(ctx, bytes.NewReader(data), "b.png", "second")
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != b.ID {
			t.Fatalf("got ids %s and %s, want the same", a.ID, b.ID)
		}
		if b.AltText != "second" || b.Filename != "a.png" {
			t.Errorf("got alt %q filename %q, want alt %q filename %q", b.AltText, b.Filename, "second", "a.png")
		}
		m, _ := l.Media(ctx, a.ID)
		if m.AltText != "second" {
			t.Errorf("got stored alt %q, want %q", m.AltText, "second")
		}
	})

	t.Run("empty alt text keeps the existing one", func(t *testing.T) {
		l, s, _ := mustOpen(t)
		if _, err := l.Put(ctx, bytes.NewReader(data), "a.png", "kept"); err != nil {
			t.Fatal(err)
		}
		m, err := l.Put(ctx, bytes.NewReader(data), "a.png", "")
		if err != nil {
			t.Fatal(err)
		}
		if m.AltText != "kept" || s.puts != 1 {
			t.Errorf("got alt %q after %d writes, want %q after 1", m.AltText, s.puts, "kept")
		}
	})

	t.Run("concurrent uploads converge on one file", func(t *testing.T) {
		l, _, dir := mustOpen(t)
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, err := l.Put(ctx, bytes.NewReader(data), "x.png", "")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = m.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("got ids %v, want all equal", ids)
			}
		}
		h := sum(data)
		entries, _ := os.ReadDir(filepath.Join(dir, h[:2]))
		if len(entries) != 1 {
			t.Errorf("got %d files in the shard, want 1", len(entries))
		}
		assertNoTempFiles(t, dir)
	})
}

func TestPutRefused(t *testing.T) {
	truncatedJPEG := jpegBytes(t, 16, 16)[:20]
	noMoov := bytes.Join([][]byte{ftyp("mp42", "isom"), bx("mdat", make([]byte, 64))}, nil)
	audioOnly := mp4Bytes(trak("soun", tkhd(0, 0, 0, identity)))
	overrun := append(ftyp("isom"), bx("moov", mvhd(0, 1000, 1))...)
	binary.BigEndian.PutUint32(overrun[len(overrun)-len(bx("moov", mvhd(0, 1000, 1))):], 1<<20)
	zeroTimescale := bytes.Join([][]byte{ftyp("isom"), bx("moov", mvhd(0, 0, 10), trak("vide", tkhd(0, 10, 10, identity)))}, nil)

	tests := []struct {
		name      string
		data      []byte
		alt       string
		code      string
		fieldCode string
	}{
		{"text file is unsupported", []byte("hello, this is plain text\n"), "", pregonero.EINVALID, pregonero.FieldUnsupported},
		{"pdf is unsupported", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), "", pregonero.EINVALID, pregonero.FieldUnsupported},
		{"m4a audio is unsupported", bytes.Join([][]byte{ftyp("M4A ", "M4A ", "isom"), bx("moov")}, nil), "", pregonero.EINVALID, pregonero.FieldUnsupported},
		{"empty file is required", nil, "", pregonero.EINVALID, pregonero.FieldRequired},
		{"truncated jpeg is unreadable", truncatedJPEG, "", pregonero.EINVALID, pregonero.FieldInvalid},
		{"mp4 without moov is unreadable", noMoov, "", pregonero.EINVALID, pregonero.FieldInvalid},
		{"mp4 without video track is unreadable", audioOnly, "", pregonero.EINVALID, pregonero.FieldInvalid},
		{"mp4 box overrunning the file is unreadable", overrun, "", pregonero.EINVALID, pregonero.FieldInvalid},
		{"mp4 with zero timescale is unreadable", zeroTimescale, "", pregonero.EINVALID, pregonero.FieldInvalid},
		{"alt text over 1000 characters is too long", pngBytes(t, 2, 2), strings.Repeat("ñ", 1001), pregonero.EINVALID, pregonero.FieldTooLong},
		{"alt text with an escape sequence is invalid", pngBytes(t, 2, 2), "Puente\x1b[31m", pregonero.EINVALID, pregonero.FieldInvalid},
		{"alt text with a lone carriage return is invalid", pngBytes(t, 2, 2), "Puente\rcolgante", pregonero.EINVALID, pregonero.FieldInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, s, dir := mustOpen(t)
			m, err := l.Put(context.Background(), bytes.NewReader(tt.data), "f", tt.alt)
			if m != nil {
				t.Errorf("got media %+v, want none", m)
			}
			wantCode(t, err, tt.code, tt.fieldCode)
			if len(s.media) != 0 {
				t.Errorf("got %d stored records, want 0", len(s.media))
			}
			assertNoTempFiles(t, dir)
		})
	}

	t.Run("unsupported names the detected type", func(t *testing.T) {
		l, _, _ := mustOpen(t)
		_, err := l.Put(context.Background(), strings.NewReader("just words"), "photo.jpg", "")
		e := wantCode(t, err, pregonero.EINVALID, pregonero.FieldUnsupported)
		if got, want := e.Fields[0].Actual, "text/plain"; got != want {
			t.Errorf("got actual %v, want %v", got, want)
		}
		if !strings.Contains(e.Message, "text/plain") {
			t.Errorf("got message %q, want it to name text/plain", e.Message)
		}
	})
}

func TestPutTooLarge(t *testing.T) {
	data := pngBytes(t, 40, 40)
	limit := int64(len(data) - 1)

	t.Run("over the limit is too large and names it", func(t *testing.T) {
		l, s, dir := mustOpen(t, media.WithMaxSize(limit))
		_, err := l.Put(context.Background(), bytes.NewReader(data), "big.png", "")
		e := wantCode(t, err, pregonero.ETOOLARGE, pregonero.FieldTooLarge)
		if got := e.Fields[0].Limit; got != limit {
			t.Errorf("got limit %v, want %d", got, limit)
		}
		if len(s.media) != 0 {
			t.Error("a too large file was recorded")
		}
		assertNoTempFiles(t, dir)
	})

	t.Run("exactly the limit is accepted", func(t *testing.T) {
		l, _, _ := mustOpen(t, media.WithMaxSize(int64(len(data))))
		if _, err := l.Put(context.Background(), bytes.NewReader(data), "ok.png", ""); err != nil {
			t.Fatalf("Put: %v", err)
		}
	})

	t.Run("default limit is 512 MiB", func(t *testing.T) {
		l, _, _ := mustOpen(t)
		if got, want := l.MaxSize(), int64(512<<20); got != want {
			t.Errorf("got %d, want %d", got, want)
		}
	})
}

func TestPutCanceled(t *testing.T) {
	l, _, dir := mustOpen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Put(ctx, bytes.NewReader(pngBytes(t, 4, 4)), "a.png", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	assertNoTempFiles(t, dir)
}

func TestSetAltText(t *testing.T) {
	l, _, _ := mustOpen(t)
	ctx := context.Background()
	m, err := l.Put(ctx, bytes.NewReader(gifBytes(t, 3, 3)), "a.gif", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("replaces the alt text", func(t *testing.T) {
		got, err := l.SetAltText(ctx, m.ID, "a small square")
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := l.Media(ctx, m.ID)
		if got.AltText != "a small square" || stored.AltText != "a small square" {
			t.Errorf("got %q, stored %q, want %q", got.AltText, stored.AltText, "a small square")
		}
	})
	t.Run("unknown id is not found", func(t *testing.T) {
		_, err := l.SetAltText(ctx, "m_000000000000000000000000", "x")
		wantCode(t, err, pregonero.ENOTFOUND, "")
	})
}

func TestBlobUnknown(t *testing.T) {
	l, _, _ := mustOpen(t)
	_, err := l.Blob(context.Background(), "m_nope")
	wantCode(t, err, pregonero.ENOTFOUND, "")
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"isom brand is mp4", ftyp("isom", "isom"), "video/mp4"},
		{"mp42 brand is mp4", ftyp("mp42"), "video/mp4"},
		{"qt brand is quicktime", ftyp("qt  "), "video/quicktime"},
		{"unknown major with avc1 compatible is mp4", ftyp("abcd", "avc1"), "video/mp4"},
		{"heic is not a video", ftyp("heic", "mif1", "heic"), "application/octet-stream"},
		{"old quicktime starting with wide", bx("wide"), "video/quicktime"},
		{"jpeg magic", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "image/jpeg"},
		{"html is text/html without parameters", []byte("<!DOCTYPE html><html>"), "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := media.Sniff(tt.head); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	if _, err := media.Open(t.TempDir(), nil); err == nil {
		t.Error("got nil error for a nil store, want one")
	}
	if _, err := media.Open(t.TempDir(), newMemStore(), media.WithMaxSize(0)); err == nil {
		t.Error("got nil error for a zero max size, want one")
	}
}

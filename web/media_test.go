package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"pregonero"
)

// multipartBody builds an upload with the given parts in order; a part
// named file carries data as a file.
func multipartBody(t *testing.T, parts ...[2]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p[0] == "file" {
			fw, err := mw.CreateFormFile("file", "upload.bin")
			if err != nil {
				t.Fatal(err)
			}
			fw.Write([]byte(p[1]))
		} else if err := mw.WriteField(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func (ts *testServer) upload(body io.Reader, contentType string) response {
	ts.t.Helper()
	req, _ := http.NewRequest("POST", ts.srv.URL+"/api/v1/media", body)
	req.Header.Set("Authorization", "Bearer "+ts.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func TestUploadMedia(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	ctx := context.Background()
	tests := []struct {
		name         string
		data         []byte
		wantMIME     string
		wantW, wantH int
		wantMS       int64
	}{
		{"jpeg with dimensions", jpegBytes(t, 120, 80, 1), "image/jpeg", 120, 80, 0},
		{"png with dimensions", pngBytes(t, 64, 48, 2), "image/png", 64, 48, 0},
		{"gif with dimensions", gifBytes(t, 30, 60, 3), "image/gif", 30, 60, 0},
		{"mp4 with dimensions and duration", mp4Bytes(1080, 1920, 15_500), "video/mp4", 1080, 1920, 15_500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.UploadMedia(ctx, "clip.bin", bytes.NewReader(tt.data), "Descripción")
			if err != nil {
				t.Fatalf("UploadMedia: %v", err)
			}
			sum := sha256.Sum256(tt.data)
			h := hex.EncodeToString(sum[:])
			if m.ID != "m_"+h[:24] || m.SHA256 != h || m.MIME != tt.wantMIME || m.Width != tt.wantW || m.Height != tt.wantH ||
				m.DurationMS != tt.wantMS || m.Size != int64(len(tt.data)) || m.AltText != "Descripción" || m.Filename != "clip.bin" {
				t.Errorf("got %+v, want %s %dx%d %d ms", m, tt.wantMIME, tt.wantW, tt.wantH, tt.wantMS)
			}
			r := ts.request("GET", "/api/v1/media/"+m.ID, nil)
			var got pregonero.Media
			r.decode(t, &got)
			if r.status != 200 || got.ID != m.ID || got.Width != tt.wantW {
				t.Errorf("GET: got %d %+v", r.status, got)
			}
		})
	}

	t.Run("answers 201 with Location", func(t *testing.T) {
		body, ct := multipartBody(t, [2]string{"file", string(pngBytes(t, 3, 3, 7))})
		r := ts.upload(body, ct)
		if r.status != 201 || !strings.HasPrefix(r.header.Get("Location"), "/api/v1/media/m_") {
			t.Errorf("got %d %q %s", r.status, r.header.Get("Location"), r.body)
		}
	})

	t.Run("alt text after the file still applies", func(t *testing.T) {
		body, ct := multipartBody(t, [2]string{"file", string(pngBytes(t, 4, 4, 8))}, [2]string{"alt_text", "Un cuadro"})
		r := ts.upload(body, ct)
		var m pregonero.Media
		r.decode(t, &m)
		if r.status != 201 || m.AltText != "Un cuadro" {
			t.Fatalf("got %d %+v", r.status, m)
		}
		stored, _ := ts.db.Media(ctx, m.ID)
		if stored.AltText != "Un cuadro" {
			t.Errorf("got stored alt %q", stored.AltText)
		}
	})

	refused := []struct {
		name       string
		parts      [][2]string
		wantStatus int
		field      string
		code       string
	}{
		{"text file is unsupported", [][2]string{{"file", "just some notes\n"}}, 422, "file", "unsupported"},
		{"missing file is required", [][2]string{{"alt_text", "x"}}, 422, "file", "required"},
		{"unknown form field is unknown", [][2]string{{"caption", "x"}, {"file", "y"}}, 422, "caption", "unknown"},
		{"alt text over 1000 characters is too long", [][2]string{{"alt_text", strings.Repeat("á", 1001)}, {"file", string(pngBytes(t, 2, 2, 1))}}, 422, "alt_text", "too_long"},
		{"two files are too many", [][2]string{{"file", string(pngBytes(t, 2, 2, 2))}, {"file", string(pngBytes(t, 2, 2, 3))}}, 422, "file", "too_many"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartBody(t, tt.parts...)
			r := ts.upload(body, ct)
			if r.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if e := r.apiError(t); !hasField(e, "", tt.field, tt.code) {
				t.Errorf("got fields %+v, want %s %s", e.Fields, tt.field, tt.code)
			}
		})
	}

	t.Run("not multipart is a 400 invalid", func(t *testing.T) {
		r := ts.upload(strings.NewReader(`{"file":"x"}`), "application/json")
		if r.status != 400 || r.apiError(t).Code != pregonero.EINVALID {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})

	t.Run("cut off multipart is invalid, not internal", func(t *testing.T) {
		body, ct := multipartBody(t, [2]string{"file", string(pngBytes(t, 20, 20, 5))})
		b, _ := io.ReadAll(body)
		r := ts.upload(bytes.NewReader(b[:len(b)/2]), ct)
		if r.status != 400 && r.status != 422 {
			t.Errorf("got %d %s, want a 4xx", r.status, r.body)
		}
	})

	t.Run("unknown media is not_found", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/media/m_000000000000000000000000", nil)
		if r.status != 404 || r.apiError(t).Code != pregonero.ENOTFOUND {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
}

func TestUploadMediaTooLarge(t *testing.T) {
	ts := newTestServer(t, withMediaLimit(1024))
	data := pngBytes(t, 64, 64, 1)
	if len(data) <= 1024 {
		t.Fatalf("test image is only %d bytes", len(data))
	}
	_, err := ts.client().UploadMedia(context.Background(), "big.png", bytes.NewReader(data), "")
	e := asAppError(t, err)
	if e.Code != pregonero.ETOOLARGE || len(e.Fields) != 1 || e.Fields[0].Limit != float64(1024) {
		t.Errorf("got %+v, want too_large naming the 1024-byte limit", e)
	}
	if !strings.Contains(e.Message, "1 KiB") {
		t.Errorf("got message %q, want the limit", e.Message)
	}

	t.Run("far over the limit is cut off by the body limit", func(t *testing.T) {
		big := bytes.Repeat([]byte{0xff}, 3<<20)
		body, ct := multipartBody(t, [2]string{"file", string(big)})
		r := ts.upload(body, ct)
		if r.status != 413 || r.apiError(t).Code != pregonero.ETOOLARGE {
			t.Errorf("got %d %s, want 413 too_large", r.status, r.body)
		}
	})
}

package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/media"
	"pregonero/web"
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

var mediaKey = []byte("web-test-key-0123456789abcdef-0123456789")

// withSigner gives the media library a signer on the server's clock, as
// serve does when public_url is set.
func withSigner(tb testing.TB, ttl time.Duration) serverOption {
	return func(c *web.Config, o *[]media.Option, _ map[pregonero.Network]pregonero.Adapter) {
		s, err := media.NewSigner(mediaKey, "https://pregonero.example", c.Now)
		if err != nil {
			tb.Fatal(err)
		}
		*o = append(*o, media.WithSigner(s, ttl))
	}
}

// public sends a request without the API token.
func (ts *testServer) public(method, target string, header ...string) response {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.srv.URL+target, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// signedTarget reads the url field of GET /api/v1/media/{id} and returns
// its path and query, to be sent to the test server.
func (ts *testServer) signedTarget(id string) string {
	ts.t.Helper()
	r := ts.request("GET", "/api/v1/media/"+id, nil)
	var v struct {
		URL string `json:"url"`
	}
	r.decode(ts.t, &v)
	if r.status != 200 || !strings.HasPrefix(v.URL, "https://pregonero.example/media/"+id+"?") {
		ts.t.Fatalf("GET media: got %d url %q", r.status, v.URL)
	}
	u, err := url.Parse(v.URL)
	if err != nil {
		ts.t.Fatal(err)
	}
	return u.RequestURI()
}

func wantForbidden(t *testing.T, r response, expired bool) {
	t.Helper()
	if r.status != http.StatusForbidden {
		t.Fatalf("got %d %s, want 403", r.status, r.body)
	}
	e := r.apiError(t)
	if e.Code != pregonero.EFORBIDDEN {
		t.Errorf("got code %q, want forbidden", e.Code)
	}
	if got := strings.Contains(e.Message, "expired"); got != expired {
		t.Errorf("message %q: says expired = %v, want %v", e.Message, got, expired)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("got Cache-Control %q, want no-store", got)
	}
}

func TestPublicMedia(t *testing.T) {
	ts := newTestServer(t, withSigner(t, 0))
	jpg := jpegBytes(t, 40, 30, 1)
	files := []struct {
		name, mime string
		data       []byte
	}{
		{"jpeg", "image/jpeg", jpg},
		{"png", "image/png", pngBytes(t, 20, 20, 2)},
		{"gif", "image/gif", gifBytes(t, 20, 20, 3)},
		{"mp4", "video/mp4", mp4Bytes(1080, 1920, 3000)},
	}
	for _, f := range files {
		t.Run(f.name+" is served exactly with its type", func(t *testing.T) {
			m := ts.putMedia(f.data, "f")
			target := ts.signedTarget(m.ID)
			r := ts.public("GET", target)
			if r.status != 200 || !bytes.Equal(r.body, f.data) {
				t.Fatalf("got %d with %d bytes, want 200 with %d", r.status, len(r.body), len(f.data))
			}
			want := map[string]string{
				"Content-Type":           f.mime,
				"Content-Length":         strconv.Itoa(len(f.data)),
				"ETag":                   `"` + m.SHA256 + `"`,
				"Last-Modified":          m.CreatedAt.UTC().Format(http.TimeFormat),
				"Cache-Control":          "private, max-age=86400",
				"X-Content-Type-Options": "nosniff",
				"Content-Disposition":    "inline",
				"Accept-Ranges":          "bytes",
			}
			for k, v := range want {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s: got %q, want %q", k, got, v)
				}
			}
		})
	}

	m := ts.putMedia(jpg, "f")
	target := ts.signedTarget(m.ID)
	etag := `"` + m.SHA256 + `"`

	t.Run("range is a 206 with the exact slice", func(t *testing.T) {
		r := ts.public("GET", target, "Range", "bytes=10-99")
		if r.status != http.StatusPartialContent || !bytes.Equal(r.body, jpg[10:100]) {
			t.Fatalf("got %d with %d bytes, want 206 with bytes 10-99", r.status, len(r.body))
		}
		if got, want := r.header.Get("Content-Range"), fmt.Sprintf("bytes 10-99/%d", len(jpg)); got != want {
			t.Errorf("got Content-Range %q, want %q", got, want)
		}
	})

	t.Run("if-range with the current etag keeps the range, a stale one gets everything", func(t *testing.T) {
		r := ts.public("GET", target, "Range", "bytes=0-9", "If-Range", etag)
		if r.status != http.StatusPartialContent || !bytes.Equal(r.body, jpg[:10]) {
			t.Errorf("current etag: got %d with %d bytes, want 206 with 10", r.status, len(r.body))
		}
		r = ts.public("GET", target, "Range", "bytes=0-9", "If-Range", `"stale"`)
		if r.status != 200 || !bytes.Equal(r.body, jpg) {
			t.Errorf("stale etag: got %d with %d bytes, want 200 with all", r.status, len(r.body))
		}
	})

	t.Run("range outside the file is 416", func(t *testing.T) {
		r := ts.public("GET", target, "Range", fmt.Sprintf("bytes=%d-", len(jpg)+10))
		if r.status != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("got %d, want 416", r.status)
		}
	})

	t.Run("head has the headers and no body", func(t *testing.T) {
		r := ts.public("HEAD", target)
		if r.status != 200 || len(r.body) != 0 {
			t.Fatalf("got %d with %d bytes, want 200 without a body", r.status, len(r.body))
		}
		if r.header.Get("Content-Type") != "image/jpeg" || r.header.Get("Content-Length") != strconv.Itoa(len(jpg)) || r.header.Get("ETag") != etag {
			t.Errorf("got headers %v", r.header)
		}
	})

	t.Run("if-none-match with the etag is 304", func(t *testing.T) {
		r := ts.public("GET", target, "If-None-Match", etag)
		if r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Errorf("got %d with %d bytes, want 304", r.status, len(r.body))
		}
		r = ts.public("GET", target, "If-None-Match", `"other"`)
		if r.status != 200 {
			t.Errorf("other etag: got %d, want 200", r.status)
		}
	})

	t.Run("a token is not needed and a wrong one does not matter", func(t *testing.T) {
		r := ts.public("GET", target, "Authorization", "Bearer prg_wrong")
		if r.status != 200 {
			t.Errorf("got %d, want 200", r.status)
		}
	})

	other := ts.putMedia(pngBytes(t, 9, 9, 9), "g")
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	exp, sig := u.Query().Get("exp"), u.Query().Get("sig")
	expNum, _ := strconv.ParseInt(exp, 10, 64)
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	raw[5] ^= 0x20
	forged := base64.RawURLEncoding.EncodeToString(raw)
	refused := []struct{ name, target string }{
		{"signature of another id", "/media/" + other.ID + "?exp=" + exp + "&sig=" + sig},
		{"tampered exp", "/media/" + m.ID + "?exp=" + strconv.FormatInt(expNum+3600, 10) + "&sig=" + sig},
		{"tampered sig", "/media/" + m.ID + "?exp=" + exp + "&sig=" + forged},
		{"no query", "/media/" + m.ID},
		{"exp without sig", "/media/" + m.ID + "?exp=" + exp},
		{"sig without exp", "/media/" + m.ID + "?sig=" + sig},
		{"malformed exp", "/media/" + m.ID + "?exp=soon&sig=" + sig},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is 403", func(t *testing.T) {
			wantForbidden(t, ts.public("GET", tt.target), false)
		})
	}

	t.Run("unknown id with a valid signature is 404", func(t *testing.T) {
		s, err := media.NewSigner(mediaKey, "https://pregonero.example", ts.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(s.URL("m_000000000000000000000000", time.Hour))
		r := ts.public("GET", u.RequestURI())
		if r.status != 404 || r.apiError(t).Code != pregonero.ENOTFOUND {
			t.Errorf("got %d %s, want 404 not_found", r.status, r.body)
		}
	})

	t.Run("record whose file is gone is 404", func(t *testing.T) {
		gone := ts.putMedia(gifBytes(t, 11, 11, 4), "h")
		gt := ts.signedTarget(gone.ID)
		if err := os.Remove(filepath.Join(ts.dataDir, "media", gone.SHA256[:2], gone.SHA256)); err != nil {
			t.Fatal(err)
		}
		if r := ts.public("GET", gt); r.status != 404 {
			t.Errorf("got %d %s, want 404", r.status, r.body)
		}
	})

	t.Run("max-age counts down to the expiry, then the link is refused as expired", func(t *testing.T) {
		ts.clock.Add(23 * time.Hour)
		r := ts.public("GET", target)
		if r.status != 200 || r.header.Get("Cache-Control") != "private, max-age=3600" {
			t.Errorf("an hour before expiry: got %d %q", r.status, r.header.Get("Cache-Control"))
		}
		ts.clock.Add(time.Hour)
		wantForbidden(t, ts.public("GET", target), true)
		if r := ts.public("HEAD", target); r.status != http.StatusForbidden {
			t.Errorf("HEAD: got %d, want 403", r.status)
		}
	})
}

func TestPublicMediaWithoutPublicURL(t *testing.T) {
	ts := newTestServer(t)
	m := ts.putMedia(jpegBytes(t, 8, 8, 1), "f")
	r := ts.request("GET", "/api/v1/media/"+m.ID, nil)
	if r.status != 200 || bytes.Contains(r.body, []byte(`"url"`)) {
		t.Errorf("got %d %s, want a record without url", r.status, r.body)
	}
	s, err := media.NewSigner(mediaKey, "https://pregonero.example", ts.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.URL(m.ID, time.Hour))
	r = ts.public("GET", u.RequestURI())
	wantForbidden(t, r, false)
	if e := r.apiError(t); !strings.Contains(e.Message, "public_url") {
		t.Errorf("got message %q, want it to name public_url", e.Message)
	}
}

package fake_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"pregonero/adapters/youtube/fake"
)

// serve sends one request straight to the handler.
func serve(f *fake.Fake, method, target string, header map[string]string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)
	return rec
}

// wellFormed reports whether an answer is a success or Google's error
// JSON with a reason.
func wellFormed(rec *httptest.ResponseRecorder) bool {
	if rec.Code < 400 {
		return true
	}
	var body struct {
		Error struct {
			Code   int
			Errors []struct{ Reason string }
		}
	}
	return json.Unmarshal(rec.Body.Bytes(), &body) == nil && body.Error.Code == rec.Code &&
		len(body.Error.Errors) == 1 && body.Error.Errors[0].Reason != ""
}

// FuzzInsert feeds arbitrary metadata to a resumable initiation and
// arbitrary chunks to the session it opens: every answer is a success or
// a Google error, never a crash.
func FuzzInsert(f *testing.F) {
	f.Add([]byte(`{"snippet":{"title":"t","tags":["a b"]},"status":{"privacyStatus":"private","publishAt":"2030-01-01T00:00:00Z"}}`),
		"bytes 0-11/*", []byte("\x00\x00\x00\x14ftypisom"))
	f.Add([]byte(`{"snippet":{"title":"<"}}`), "bytes */*", []byte{})
	f.Add([]byte(`{"snippet":`), "bytes 5-2/1", []byte("x"))
	f.Add([]byte(`{"snippet":{"title":"t","categoryId":"22"}}`), "bytes 0-0/1", []byte("\x00"))
	f.Add([]byte(`null`), "", []byte("whole file"))
	f.Fuzz(func(t *testing.T, meta []byte, contentRange string, chunk []byte) {
		yt := fake.New(fake.Options{Now: func() time.Time { return t0 }})
		rec := serve(yt, "POST", "/upload/youtube/v3/videos?part=snippet&part=status&uploadType=resumable",
			map[string]string{"Authorization": "Bearer " + fake.AccessToken("fuzz"), "Content-Type": "application/json"}, meta)
		if !wellFormed(rec) {
			t.Fatalf("initiation: %d %s", rec.Code, rec.Body)
		}
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusOK || loc == "" {
			return
		}
		rec = serve(yt, "PUT", loc, map[string]string{"Content-Range": contentRange, "X-GUploader-No-308": "yes"}, chunk)
		if !wellFormed(rec) {
			t.Fatalf("chunk %q: %d %s", contentRange, rec.Code, rec.Body)
		}
	})
}

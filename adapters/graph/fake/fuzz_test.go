package fake_test

import (
	"bytes"
	"errors"
	"testing"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph/fake"
)

// FuzzUploads feeds arbitrary bytes to the photo and video sniffers
// through the API: every answer is a success or a Graph error, never a
// crash or a malformed body.
func FuzzUploads(f *testing.F) {
	f.Add(mp4Video())
	jpg, err := jpegData(4, 4)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(jpg)
	f.Add([]byte("\x00\x00\x00\x01ftyp\x00\x00\x00\x00\x00\x00\x00\x10"))
	f.Add([]byte("\x00\x00\x00\x00moov"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e := newEnv(t, fake.Options{})
		s := e.session(fake.PageToken(page))
		for _, edge := range []string{"/photos", "/videos"} {
			_, err := s.Post("/"+page+edge, fb.Params{"source": fb.Data("f.bin", bytes.NewReader(b))})
			var fe *fb.Error
			if err != nil && !errors.As(err, &fe) {
				t.Fatalf("%s: %v, want a Graph error", edge, err)
			}
		}
	})
}

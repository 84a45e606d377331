package youtube_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/youtube"
)

func TestReceiptLinksUnderTheAccountsLinkBase(t *testing.T) {
	e := newEnv(t, envOptions{})

	t.Run("with a link base the receipt names the page there", func(t *testing.T) {
		a := e.account("enlaces")
		a.LinkBase = "http://127.0.0.1:8090/youtube/"
		c := content(t, "Enlace", 2000, "enlace")
		d := e.delivery(a)
		r, err := e.adapter.Publish(ctx(t), d, c, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if want := "http://127.0.0.1:8090/youtube/watch?v=" + r.RemoteID; r.URL != want {
			t.Errorf("got URL %q, want %q", r.URL, want)
		}
		// The receipt of a video found again says the same.
		d.Checkpoint = map[string]string{youtube.CheckpointVideo: r.RemoteID}
		if again, err := e.adapter.Publish(ctx(t), d, c, a); err != nil || again.URL != r.URL {
			t.Errorf("from the checkpoint: got %q, %v, want %q", again.URL, err, r.URL)
		}
		d.Attempts = []pregonero.Attempt{{StartedAt: start.Add(-time.Minute)}}
		if found, ok, err := e.adapter.Reconcile(ctx(t), d, c, a, start.Add(-time.Hour)); err != nil || !ok || found.URL != r.URL {
			t.Errorf("Reconcile: got %q found %v, %v, want %q", found.URL, ok, err, r.URL)
		}
	})
	t.Run("without one the receipt names the video on YouTube", func(t *testing.T) {
		a := e.account("real")
		r, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Real", 2000, "real"), a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if want := youtube.WatchURL(r.RemoteID); r.URL != want || !strings.HasPrefix(want, "https://www.youtube.com/watch?v=") {
			t.Errorf("got URL %q, want %q", r.URL, want)
		}
	})
}

func TestThumbnailLimitIs50MB(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("miniatura")
	thumbOf := func(size int64) *pregonero.MediaBlob {
		return &pregonero.MediaBlob{Media: &pregonero.Media{ID: "m_thumb", MIME: "image/jpeg", Size: size}}
	}

	c := content(t, "Miniatura", 2000, "miniatura")
	c.Thumbnail = thumbOf(52428800)
	if errs := e.adapter.Validate(c, a); len(errs) != 0 {
		t.Errorf("a thumbnail of 52428800 bytes: got %+v, want no error", errs)
	}
	c.Thumbnail = thumbOf(52428801)
	errs := e.adapter.Validate(c, a)
	if len(errs) != 1 || errs[0].Field != "thumbnail" || errs[0].Code != pregonero.FieldTooLarge ||
		errs[0].Limit != 52428800 || !strings.Contains(errs[0].Message, "50 MB") {
		t.Errorf("a thumbnail of 52428801 bytes: got %+v, want too_large with limit 52428800", errs)
	}

	// A 3 MB JPEG, refused under the old 2 MB limit, is set.
	img := adaptertest.ImageBlob(t, "image/jpeg", 64, 36, "")
	rc, err := img.Open()
	if err != nil {
		t.Fatal(err)
	}
	jpg, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3<<20)
	copy(buf, jpg)
	big := adaptertest.Blob("big.jpg", "image/jpeg", buf, 64, 36, "") // zero bytes after the JPEG's end are ignored
	c.Thumbnail = &big
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if mime, size, ok := e.fake.Thumbnail(r.RemoteID); !ok || mime != "image/jpeg" || size != 3<<20 {
		t.Errorf("got thumbnail %q of %d bytes (set %v), want image/jpeg of %d", mime, size, ok, 3<<20)
	}
}

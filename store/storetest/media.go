package storetest

import (
	"errors"
	"testing"
	"time"

	"pregonero"
)

// putMedia stores a media record created at the given instant.
func (h *harness) putMedia(id string, created time.Time) {
	h.t.Helper()
	m := sampleMedia(id)
	m.CreatedAt = created
	if err := h.s.PutMedia(h.ctx, m); err != nil {
		h.t.Fatalf("PutMedia(%s) = %v", id, err)
	}
}

// unreferenced returns the ids UnreferencedMedia lists.
func (h *harness) unreferenced(before time.Time, limit int) []string {
	h.t.Helper()
	ms, err := h.s.UnreferencedMedia(h.ctx, before, limit)
	if err != nil {
		h.t.Fatalf("UnreferencedMedia() = %v", err)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func postWithMedia(at time.Time, media ...string) *pregonero.Post {
	p := NewPost(at, "x-a")
	p.Media = pregonero.MediaOf(media...)
	return p
}

// wantMediaField checks that err is an invalid error naming the media
// field.
func wantMediaField(t *testing.T, err error) {
	t.Helper()
	wantCode(t, err, pregonero.EINVALID)
	var e *pregonero.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *pregonero.Error", err, err)
	}
	if len(e.Fields) != 1 || e.Fields[0].Field != "media" {
		t.Errorf("fields = %+v, want one on media", e.Fields)
	}
}

func testMediaReferences(t *testing.T, open OpenFunc) {
	later := base.Add(24 * time.Hour)

	t.Run("media a post lists is referenced, the rest is listed in id order", func(t *testing.T) {
		h := newHarness(t, open)
		for _, id := range []string{"m_c", "m_a", "m_b", "m_d"} {
			h.putMedia(id, base)
		}
		h.create(postWithMedia(base, "m_b"), postWithMedia(base, "m_d", "m_d"))
		if got, want := h.unreferenced(later, 10), []string{"m_a", "m_c"}; !equalStrings(got, want) {
			t.Errorf("UnreferencedMedia() = %v, want %v", got, want)
		}
		if got, want := h.unreferenced(later, 1), []string{"m_a"}; !equalStrings(got, want) {
			t.Errorf("UnreferencedMedia(limit 1) = %v, want %v", got, want)
		}
	})

	t.Run("media created at or after the instant is not listed", func(t *testing.T) {
		h := newHarness(t, open)
		h.putMedia("m_old", base.Add(-time.Second))
		h.putMedia("m_now", base)
		h.putMedia("m_young", base.Add(time.Hour))
		if got, want := h.unreferenced(base, 10), []string{"m_old"}; !equalStrings(got, want) {
			t.Errorf("UnreferencedMedia() = %v, want %v", got, want)
		}
	})

	t.Run("limit that is not positive is invalid", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.s.UnreferencedMedia(h.ctx, later, 0)
		wantCode(t, err, pregonero.EINVALID)
	})

	t.Run("post naming unknown media is refused and nothing is written", func(t *testing.T) {
		h := newHarness(t, open)
		h.putMedia("m_ok", base)
		ok := postWithMedia(base, "m_ok")
		bad := postWithMedia(base, "m_ok", "m_missing")
		err := h.s.CreatePosts(h.ctx, ok, bad)
		wantMediaField(t, err)
		for _, id := range []string{ok.ID, bad.ID} {
			_, err := h.s.Post(h.ctx, id)
			wantCode(t, err, pregonero.ENOTFOUND)
		}
		if got := h.counts(); len(got) != 0 {
			t.Errorf("DeliveryCounts() = %v, want none", got)
		}
		if got, want := h.unreferenced(later, 10), []string{"m_ok"}; !equalStrings(got, want) {
			t.Errorf("UnreferencedMedia() = %v, want %v: a refused post left a reference", got, want)
		}
	})

	t.Run("post naming an empty media id is invalid", func(t *testing.T) {
		h := newHarness(t, open)
		wantMediaField(t, h.s.CreatePosts(h.ctx, postWithMedia(base, "")))
	})

	t.Run("editing the media of a post moves its references", func(t *testing.T) {
		h := newHarness(t, open)
		for _, id := range []string{"m_a", "m_b", "m_c"} {
			h.putMedia(id, base)
		}
		p := postWithMedia(base, "m_a", "m_b")
		other := postWithMedia(base, "m_b")
		h.create(p, other)
		if _, err := h.s.UpdatePost(h.ctx, p.ID, func(p *pregonero.Post) error {
			p.Media = pregonero.MediaOf("m_c", "m_c")
			return nil
		}); err != nil {
			t.Fatalf("UpdatePost() = %v", err)
		}
		// m_b stays referenced by the other post.
		if got, want := h.unreferenced(later, 10), []string{"m_a"}; !equalStrings(got, want) {
			t.Errorf("UnreferencedMedia() after edit = %v, want %v", got, want)
		}
		if _, err := h.s.UpdatePost(h.ctx, p.ID, func(p *pregonero.Post) error {
			p.Media = nil
			p.Text = "sin imágenes"
			return nil
		}); err != nil {
			t.Fatalf("UpdatePost() = %v", err)
		}
		if got, want := h.unreferenced(later, 10), []string{"m_a", "m_c"}; !equalStrings(got, want) {
			t.Errorf("UnreferencedMedia() after removing the media = %v, want %v", got, want)
		}
	})

	t.Run("edit naming unknown media is refused and changes nothing", func(t *testing.T) {
		h := newHarness(t, open)
		h.putMedia("m_a", base)
		p := postWithMedia(base, "m_a")
		h.create(p)
		_, err := h.s.UpdatePost(h.ctx, p.ID, func(p *pregonero.Post) error {
			p.Media = pregonero.MediaOf("m_missing")
			p.Text = "cambiado"
			return nil
		})
		wantMediaField(t, err)
		got := h.post(p.ID)
		if !equalStrings(got.MediaIDs(), []string{"m_a"}) || got.Text != p.Text {
			t.Errorf("post after refused edit = media %v text %q, want %v %q", got.Media, got.Text, p.Media, p.Text)
		}
		if got := h.unreferenced(later, 10); len(got) != 0 {
			t.Errorf("UnreferencedMedia() = %v, want none", got)
		}
	})

	t.Run("canceled posts keep their media referenced", func(t *testing.T) {
		h := newHarness(t, open)
		h.putMedia("m_a", base)
		p := postWithMedia(base, "m_a")
		h.create(p)
		if _, err := h.s.CancelPost(h.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if got := h.unreferenced(later, 10); len(got) != 0 {
			t.Errorf("UnreferencedMedia() = %v, want none", got)
		}
	})

	t.Run("delete removes unreferenced media", func(t *testing.T) {
		h := newHarness(t, open)
		h.putMedia("m_a", base)
		if err := h.s.DeleteMedia(h.ctx, "m_a"); err != nil {
			t.Fatalf("DeleteMedia() = %v", err)
		}
		_, err := h.s.Media(h.ctx, "m_a")
		wantCode(t, err, pregonero.ENOTFOUND)
		wantCode(t, h.s.DeleteMedia(h.ctx, "m_a"), pregonero.ENOTFOUND)
		wantMediaField(t, h.s.CreatePosts(h.ctx, postWithMedia(base, "m_a")))
	})

	t.Run("delete of referenced media is a conflict and keeps it", func(t *testing.T) {
		h := newHarness(t, open)
		h.putMedia("m_a", base)
		h.create(postWithMedia(base, "m_a"))
		wantCode(t, h.s.DeleteMedia(h.ctx, "m_a"), pregonero.ECONFLICT)
		if _, err := h.s.Media(h.ctx, "m_a"); err != nil {
			t.Errorf("Media() after refused delete = %v", err)
		}
	})

	t.Run("post created after the listing makes the delete a conflict", func(t *testing.T) {
		h := newHarness(t, open)
		h.putMedia("m_a", base)
		if got := h.unreferenced(later, 10); !equalStrings(got, []string{"m_a"}) {
			t.Fatalf("UnreferencedMedia() = %v, want [m_a]", got)
		}
		h.create(postWithMedia(base, "m_a"))
		wantCode(t, h.s.DeleteMedia(h.ctx, "m_a"), pregonero.ECONFLICT)
	})

	t.Run("references survive close and reopen", func(t *testing.T) {
		h := newHarness(t, open)
		h.putMedia("m_a", base)
		h.putMedia("m_b", base)
		h.create(postWithMedia(base, "m_a"))
		h.reopen()
		if got, want := h.unreferenced(later, 10), []string{"m_b"}; !equalStrings(got, want) {
			t.Errorf("UnreferencedMedia() after reopen = %v, want %v", got, want)
		}
		wantCode(t, h.s.DeleteMedia(h.ctx, "m_a"), pregonero.ECONFLICT)
	})
}

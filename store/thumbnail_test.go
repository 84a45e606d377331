package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"pregonero"
	"pregonero/store"
)

// A custom thumbnail is media the post uses: garbage collection keeps it,
// and a post naming an unknown thumbnail is refused.
func TestThumbnailIsAReference(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	db := MustOpen(t, filepath.Join(t.TempDir(), "db"), store.WithNow(func() time.Time { return now }))
	ctx := context.Background()
	if err := db.PutAccount(ctx, &pregonero.Account{ID: "yt-a", Network: pregonero.NetworkYouTube, Status: pregonero.AccountActive}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutMedia(ctx, &pregonero.Media{ID: "m_thumb", SHA256: "ab", MIME: "image/jpeg", Size: 10, CreatedAt: now.Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	mk := func(id, thumb string) *pregonero.Post {
		p := &pregonero.Post{ID: id, Text: "informe", Targets: []string{"yt-a"}, ScheduledAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now,
			Overrides: map[string]pregonero.Override{"yt-a": {Title: "Informe", Thumbnail: thumb}}}
		p.Deliveries = []*pregonero.Delivery{{ID: "d" + id, PostID: id, AccountID: "yt-a", Network: pregonero.NetworkYouTube,
			State: pregonero.DeliveryQueued, ScheduledAt: p.ScheduledAt, NextAttemptAt: p.ScheduledAt}}
		return p
	}
	if err := db.CreatePosts(ctx, mk("p_missing", "m_nothere")); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("post with an unknown thumbnail: got %v, want invalid", err)
	}
	if err := db.CreatePosts(ctx, mk("p_thumb", "m_thumb")); err != nil {
		t.Fatal(err)
	}
	ms, err := db.UnreferencedMedia(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 0 {
		t.Errorf("got unreferenced %v, want the thumbnail kept", ms)
	}
	if err := db.DeleteMedia(ctx, "m_thumb"); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("deleting a thumbnail in use: got %v, want conflict", err)
	}
}

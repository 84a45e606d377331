package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"pregonero"
	"pregonero/store"
)

// A delivery planned to start ahead of its time keeps its lead when the
// post's time is edited; one starting at its time keeps starting at it.
func TestUpdatePostKeepsAPlannedLead(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	db := MustOpen(t, filepath.Join(t.TempDir(), "db"), store.WithNow(func() time.Time { return now }))
	ctx := context.Background()
	for _, id := range []string{"yt-a", "x-a"} {
		if err := db.PutAccount(ctx, &pregonero.Account{ID: id, Network: pregonero.NetworkX, Status: pregonero.AccountActive}); err != nil {
			t.Fatal(err)
		}
	}
	at := now.Add(5 * time.Hour)
	p := &pregonero.Post{ID: "p_lead", Text: "informe", Targets: []string{"yt-a", "x-a"}, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}
	p.Deliveries = []*pregonero.Delivery{
		{ID: "d_ahead", PostID: p.ID, AccountID: "yt-a", Network: pregonero.NetworkX, State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at.Add(-2 * time.Hour)},
		{ID: "d_ontime", PostID: p.ID, AccountID: "x-a", Network: pregonero.NetworkX, State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at},
	}
	if err := db.CreatePosts(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		to        time.Time
		wantAhead time.Time
	}{
		{"LaterKeepsTwoHours", at.Add(24 * time.Hour), at.Add(22 * time.Hour)},
		{"SoonStartsNowNotInThePast", now.Add(30 * time.Minute), now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.UpdatePost(ctx, p.ID, func(p *pregonero.Post) error { p.ScheduledAt = tc.to; return nil })
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range got.Deliveries {
				want := tc.to
				if d.ID == "d_ahead" {
					want = tc.wantAhead
				}
				if !d.NextAttemptAt.Equal(want) || !d.ScheduledAt.Equal(tc.to) {
					t.Errorf("%s: got next %v scheduled %v, want %v and %v", d.ID, d.NextAttemptAt, d.ScheduledAt, want, tc.to)
				}
			}
		})
	}
}

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

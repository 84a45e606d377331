package fake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/youtube/v3"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/media/mediatest"
)

// restoreEnv is a fake under /youtube and a client of one channel with a
// never-expiring token.
type restoreEnv struct {
	f   *Fake
	svc *youtube.Service
}

func newRestoreEnv(t *testing.T, clock *fakenet.Clock, channel string) *restoreEnv {
	t.Helper()
	f := New(Options{Now: clock.Now, Prefix: "/youtube", Ledger: fakenet.NewLedger()})
	base := fakenettest.Serve(t, f, "/youtube")
	client := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: AccessToken(channel), TokenType: "Bearer"})}}
	svc, err := youtube.NewService(t.Context(), option.WithEndpoint(base+"/"), option.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	return &restoreEnv{f: f, svc: svc}
}

func (e *restoreEnv) insert(t *testing.T, v *youtube.Video, media []byte) string {
	t.Helper()
	got, err := e.svc.Videos.Insert([]string{"snippet", "status"}, v).
		Media(bytes.NewReader(media), googleapi.ChunkSize(1<<20), googleapi.ContentType("video/mp4")).Do()
	if err != nil {
		t.Fatalf("insert %q: %v", v.Snippet.Title, err)
	}
	return got.Id
}

// reads are the calls an adapter reconciles with, as JSON.
func (e *restoreEnv) reads(t *testing.T, channel string, ids ...string) string {
	t.Helper()
	videos, err := e.svc.Videos.List([]string{"snippet", "status"}).Id(ids...).Do()
	if err != nil {
		t.Fatal(err)
	}
	items, err := e.svc.PlaylistItems.List([]string{"snippet", "contentDetails", "status"}).PlaylistId(UploadsPlaylist(channel)).MaxResults(50).Do()
	if err != nil {
		t.Fatal(err)
	}
	videos.ServerResponse, items.ServerResponse = googleapi.ServerResponse{}, googleapi.ServerResponse{}
	b, _ := json.Marshal([]any{videos, items})
	return string(b)
}

// TestRestore checks that videos adopted from the ledger, with the Extra
// videoExtra gives them, answer every read as before the restart.
func TestRestore(t *testing.T) {
	const channel = "canal_uno"
	clock := fakenet.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	before := newRestoreEnv(t, clock, channel)
	kids := false
	scheduled := before.insert(t, &youtube.Video{
		Snippet: &youtube.VideoSnippet{Title: "Rueda de prensa", Description: "Resumen del día", Tags: []string{"pregonero-d_123", "antioquia"},
			CategoryId: "25", DefaultLanguage: "es", DefaultAudioLanguage: "es-419"},
		Status: &youtube.VideoStatus{PrivacyStatus: "private", PublishAt: clock.Now().Add(48 * time.Hour).Format(time.RFC3339),
			SelfDeclaredMadeForKids: kids, ForceSendFields: []string{"SelfDeclaredMadeForKids"}},
	}, mediatest.MP4(20<<10, 5000, 1280, 720, 1))
	clock.Advance(time.Minute)
	public := before.insert(t, &youtube.Video{Snippet: &youtube.VideoSnippet{Title: "Boletín"}}, mediatest.MP4(20<<10, 5000, 1280, 720, 2))
	deleted := before.insert(t, &youtube.Video{Snippet: &youtube.VideoSnippet{Title: "Borrado"}}, mediatest.MP4(20<<10, 5000, 1280, 720, 3))
	if err := before.svc.Videos.Delete(deleted).Do(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour) // processed
	want := before.reads(t, channel, scheduled, public)

	posts := before.f.Ledger().Posts()
	before.f.mu.Lock()
	for i := range posts {
		posts[i].Extra = videoExtra(before.f.videos[posts[i].RemoteID])
	}
	before.f.mu.Unlock()

	after := newRestoreEnv(t, clock, channel)
	if err := after.f.Restore(append(posts, fakenet.Post{Network: "x", RemoteID: "1"})); err != nil {
		t.Fatal(err)
	}
	t.Run("videos.list and the uploads playlist answer as before the restart", func(t *testing.T) {
		if got := after.reads(t, channel, scheduled, public); got != want {
			t.Errorf("reads =\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("a deleted video stays deleted", func(t *testing.T) {
		if info := after.f.Video(deleted); info.ID != "" {
			t.Errorf("deleted video = %+v", info)
		}
	})
	t.Run("the scheduled video goes public at its time", func(t *testing.T) {
		if info := after.f.Video(scheduled); info.PrivacyStatus != "private" || info.PublishAt.IsZero() || !strings.Contains(strings.Join(info.Tags, ","), "pregonero-d_123") {
			t.Errorf("video = %+v, want private, scheduled, with its marker tag", info)
		}
	})
	t.Run("the same bytes again are rejected as a duplicate", func(t *testing.T) {
		id := after.insert(t, &youtube.Video{Snippet: &youtube.VideoSnippet{Title: "Otra vez"}}, mediatest.MP4(20<<10, 5000, 1280, 720, 2))
		clock.Advance(time.Hour)
		if info := after.f.Video(id); info.UploadStatus != "rejected" || info.RejectionReason != "duplicate" {
			t.Errorf("video = %s %s, want rejected duplicate", info.UploadStatus, info.RejectionReason)
		}
	})

	t.Run("without Extra a video keeps its title and is public", func(t *testing.T) {
		bare := New(Options{Now: clock.Now})
		p := posts[0]
		p.Extra = nil
		if err := bare.Restore([]fakenet.Post{p}); err != nil {
			t.Fatal(err)
		}
		if info := bare.Video(p.RemoteID); info.Title != p.Text || info.PrivacyStatus != "public" || info.CategoryID != defaultCategory || len(info.Tags) != 0 {
			t.Errorf("video = %+v", info)
		}
	})
	t.Run("damaged Extra is an error naming the video", func(t *testing.T) {
		p := posts[0]
		p.Extra = map[string]string{extraTags: "[pregonero"}
		err := New(Options{}).Restore([]fakenet.Post{p})
		if err == nil || !strings.Contains(err.Error(), p.RemoteID) {
			t.Errorf("err = %v, want one naming %s", err, p.RemoteID)
		}
	})
}

package fake

import (
	"testing"
	"time"

	"pregonero/adapters/fakenet"
)

// TestRestoreExtra checks that what fbExtra and igExtra put in a ledger
// entry brings back, after a restart, what the common fields cannot, and
// what Restore does without it.
func TestRestoreExtra(t *testing.T) {
	now := time.Date(2026, 11, 27, 23, 50, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	const page, ig = "1001", "178411001"
	src := New(Options{Now: clock})
	src.mu.Lock()
	shared := src.newPost(page, "Lean el informe", "https://example.org/informe", "status", true, now)

	vseq := src.nextSeq()
	video := &fbVideo{id: idFrom(fbIDBase, vseq), page: page, seq: vseq, title: "Rueda de prensa", description: "Resumen",
		mime: "video/mp4", size: 10, created: now}
	src.videos[video.id] = video
	videoPost := src.newPost(page, "Resumen", "", "video", true, now)
	videoPost.video, video.post = video.id, videoPost.id
	videoPost.media = []fakenet.PostMedia{{ID: video.id, Type: "video/mp4", Size: 10}}

	pseq := src.nextSeq()
	photo := &fbPhoto{id: idFrom(fbIDBase, pseq), page: page, seq: pseq, caption: "Foto", alt: "Gente", mime: "image/jpeg",
		size: 5, published: true, created: now}
	src.photos[photo.id] = photo
	photoPost := src.newPost(page, "Foto", "", "photo", true, now)
	photoPost.photos, photoPost.media, photo.post = []string{photo.id}, []fakenet.PostMedia{photoMedia(photo)}, photoPost.id

	newContainer := func(mediaType, url, mime string, video bool) *container {
		seq := src.nextSeq()
		ct := &container{id: idFrom(containerIDBase, seq), user: ig, seq: seq, mediaType: mediaType, caption: mediaType,
			url: url, video: video, created: now, fetched: true, mime: mime, size: 7}
		src.containers[ct.id] = ct
		return ct
	}
	reelCt := newContainer("REELS", "https://media.example/r.mp4", "video/mp4", true)
	reel := src.newMedia(reelCt, now)
	storyCt := newContainer("STORIES", "https://media.example/s.jpg", "image/jpeg", false)
	story := src.newMedia(storyCt, now)

	fbPost := func(p *fbPost) fakenet.Post {
		return fakenet.Post{Network: NetworkFacebook, Account: page, RemoteID: p.id, Text: p.message, Media: p.media,
			CreatedAt: p.created, Extra: src.fbExtra(p)}
	}
	igPost := func(m *igMedia, ct *container) fakenet.Post {
		return fakenet.Post{Network: NetworkInstagram, Account: ig, RemoteID: m.id, Text: m.caption,
			Media: []fakenet.PostMedia{{ID: m.id, Type: ct.mime, Size: ct.size}}, CreatedAt: now, Extra: igExtra(m, ct)}
	}
	posts := []fakenet.Post{fbPost(shared), fbPost(videoPost), fbPost(photoPost), igPost(reel, reelCt), igPost(story, storyCt)}
	src.mu.Unlock()

	t.Run("with Extra", func(t *testing.T) {
		dst := New(Options{Now: clock})
		if err := dst.Restore(posts); err != nil {
			t.Fatal(err)
		}
		if got := dst.posts[shared.id].link; got != shared.link {
			t.Errorf("shared link = %q, want %q", got, shared.link)
		}
		if got := dst.videos[video.id].title; got != video.title {
			t.Errorf("video title = %q, want %q", got, video.title)
		}
		if got := dst.photos[photo.id]; got.caption != "Foto" || !got.published {
			t.Errorf("photo = %+v, want caption Foto, published", got)
		}
		if got := dst.igMedia[story.id].product; got != "STORY" {
			t.Errorf("story product = %q, want STORY", got)
		}
		ct := dst.containers[reelCt.id]
		if ct == nil || ct.url != reelCt.url || ct.mediaID != reel.id || ct.mediaType != "REELS" {
			t.Fatalf("reel container = %+v, want the published REELS container", ct)
		}
		if code, _ := dst.containerState(ct, now); code != statusPublished {
			t.Errorf("container status = %s, want PUBLISHED", code)
		}
		if got := dst.mediaJSON(dst.igMedia[reel.id], fieldSet{"media_url": ""}, now)["media_url"]; got != reelCt.url {
			t.Errorf("media_url = %v, want %s", got, reelCt.url)
		}
	})
	t.Run("without Extra", func(t *testing.T) {
		var bare []fakenet.Post
		for _, p := range posts {
			p.Extra = nil
			bare = append(bare, p)
		}
		dst := New(Options{Now: clock})
		if err := dst.Restore(bare); err != nil {
			t.Fatal(err)
		}
		if got := dst.igMedia[reel.id].product; got != "REELS" {
			t.Errorf("video product = %q, want REELS", got)
		}
		if got := dst.igMedia[story.id].product; got != "FEED" {
			t.Errorf("image product = %q, want FEED", got)
		}
		if got := dst.videos[video.id]; got == nil || got.post != videoPost.id || got.description != "Resumen" {
			t.Errorf("video = %+v, want the video of %s", got, videoPost.id)
		}
		if dst.containers[reelCt.id] != nil {
			t.Errorf("container without Extra: want none")
		}
	})
}

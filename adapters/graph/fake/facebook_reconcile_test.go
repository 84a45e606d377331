package fake_test

import (
	"bytes"
	"net/url"
	"slices"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph/fake"
)

// listIDs reads one page of a list and returns the ids of its entries,
// the entries and paging.next.
func listIDs(t *testing.T, s *fb.Session, path string, params fb.Params) ([]string, []map[string]any, string) {
	t.Helper()
	res, err := s.Get(path, params)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	var body struct {
		Data   []map[string]any
		Paging struct{ Next string }
	}
	if err := res.Decode(&body); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(body.Data))
	for i, d := range body.Data {
		ids[i], _ = d["id"].(string)
	}
	return ids, body.Data, body.Paging.Next
}

func TestVideoProcessingHidesThePost(t *testing.T) {
	for _, late := range []bool{false, true} {
		e := newEnv(t, fake.Options{FacebookVideoProcessing: time.Minute, VideoPostIDAfterProcessing: late})
		s := e.session(fake.PageToken(page))
		res, err := s.Post("/"+page+"/videos", fb.Params{"source": fb.Data("v.mp4", bytes.NewReader(mp4Video())), "title": "Sesión", "description": "Sesión de cabildo"})
		if err != nil {
			t.Fatal(err)
		}
		vid := str(t, res, "id")
		post := e.fake.Ledger().Filter(fake.NetworkFacebook, page)[0].RemoteID

		posts, _, _ := listIDs(t, s, "/"+page+"/published_posts", fb.Params{"fields": "id,message"})
		if len(posts) != 0 {
			t.Errorf("late %v: published_posts while processing = %v, want none", late, posts)
		}
		videos, data, _ := listIDs(t, s, "/"+page+"/videos", fb.Params{"fields": "id,title,description,created_time,post_id,published"})
		if len(videos) != 1 || videos[0] != vid {
			t.Fatalf("late %v: videos = %v, want %s at once", late, videos, vid)
		}
		v := data[0]
		if v["title"] != "Sesión" || v["description"] != "Sesión de cabildo" || v["created_time"] == nil || v["published"] != false {
			t.Errorf("late %v: video while processing = %v, want its title, description, created_time and published false", late, v)
		}
		if got, want := v["post_id"] != nil, !late; got != want {
			t.Errorf("late %v: post_id while processing = %v, want present %v", late, v["post_id"], want)
		}

		e.clock.Advance(time.Minute)
		posts, _, _ = listIDs(t, s, "/"+page+"/published_posts", fb.Params{"fields": "id,message"})
		if len(posts) != 1 || posts[0] != post {
			t.Errorf("late %v: published_posts after processing = %v, want %s", late, posts, post)
		}
		_, data, _ = listIDs(t, s, "/"+page+"/videos", fb.Params{"fields": "post_id,published,status"})
		if data[0]["post_id"] != post || data[0]["published"] != true {
			t.Errorf("late %v: video after processing = %v, want post_id %s and published", late, data[0], post)
		}
	}
}

func TestPostAttachments(t *testing.T) {
	e := newEnv(t, fake.Options{FacebookVideoProcessing: -1})
	s := e.session(fake.PageToken(page))
	jpg := jpegImage(t, 16, 16)
	upload := func() string {
		res, err := s.Post("/"+page+"/photos", fb.Params{"source": fb.Data("a.jpg", bytes.NewReader(jpg)), "published": false})
		if err != nil {
			t.Fatal(err)
		}
		return str(t, res, "id")
	}
	one, a, b := upload(), upload(), upload()
	create := func(params fb.Params) string {
		res, err := s.Post("/"+page+"/feed", params)
		if err != nil {
			t.Fatal(err)
		}
		return str(t, res, "id")
	}
	single := create(fb.Params{"attached_media": []map[string]string{{"media_fbid": one}}})
	album := create(fb.Params{"attached_media": []map[string]string{{"media_fbid": a}, {"media_fbid": b}}})
	link := create(fb.Params{"link": "https://gob.example/aviso"})
	text := create(fb.Params{"message": "solo texto"})
	res, err := s.Post("/"+page+"/videos", fb.Params{"source": fb.Data("v.mp4", bytes.NewReader(mp4Video())), "title": "t"})
	if err != nil {
		t.Fatal(err)
	}
	vid := str(t, res, "id")

	_, data, _ := listIDs(t, s, "/"+page+"/published_posts", fb.Params{"fields": "id,created_time,attachments{target{id},subattachments{target{id}}}"})
	type att struct {
		Target         struct{ ID, URL string }
		Subattachments struct {
			Data []struct{ Target struct{ ID string } }
		}
	}
	got := map[string][]string{} // post → target ids, subattachments' included
	shown := map[string]bool{}   // posts with an attachments field
	for _, d := range data {
		id := d["id"].(string)
		raw, ok := d["attachments"].(map[string]any)
		if !ok {
			continue
		}
		shown[id] = true
		var as struct{ Data []att }
		if err := fb.Result(raw).Decode(&as); err != nil {
			t.Fatal(err)
		}
		for _, x := range as.Data {
			if x.Target.ID != "" && len(x.Subattachments.Data) == 0 {
				got[id] = append(got[id], x.Target.ID)
			}
			for _, sub := range x.Subattachments.Data {
				got[id] = append(got[id], sub.Target.ID)
			}
		}
	}
	want := map[string][]string{single: {one}, album: {a, b}}
	for post, ids := range want {
		if len(got[post]) != len(ids) || got[post][0] != ids[0] || got[post][len(ids)-1] != ids[len(ids)-1] {
			t.Errorf("post %s attachment ids = %v, want %v", post, got[post], ids)
		}
	}
	var videoPost string
	for _, p := range e.fake.Ledger().Filter(fake.NetworkFacebook, page) {
		if len(p.Media) == 1 && p.Media[0].ID == vid {
			videoPost = p.RemoteID
		}
	}
	if ids := got[videoPost]; len(ids) != 1 || ids[0] != vid {
		t.Errorf("video post attachment ids = %v, want %s", ids, vid)
	}
	if !shown[link] || len(got[link]) != 0 {
		t.Errorf("link post: attachments shown %v with ids %v, want a share without target id", shown[link], got[link])
	}
	if shown[text] {
		t.Errorf("text post has attachments")
	}
}

func TestHidePageStoryID(t *testing.T) {
	for _, hide := range []bool{false, true} {
		e := newEnv(t, fake.Options{HidePageStoryID: hide})
		s := e.session(fake.PageToken(page))
		res, err := s.Post("/"+page+"/photos", fb.Params{"source": fb.Data("a.jpg", bytes.NewReader(jpegImage(t, 16, 16))), "published": false})
		if err != nil {
			t.Fatal(err)
		}
		photo := str(t, res, "id")
		res, err = s.Post("/"+page+"/feed", fb.Params{"attached_media": []map[string]string{{"media_fbid": photo}}})
		if err != nil {
			t.Fatal(err)
		}
		post := str(t, res, "id")
		res, err = s.Get("/"+photo, fb.Params{"fields": "id,page_story_id"})
		if err != nil {
			t.Fatal(err)
		}
		want := any(post)
		if hide {
			want = nil
		}
		if got := res.Get("page_story_id"); got != want {
			t.Errorf("hide %v: page_story_id = %v, want %v", hide, got, want)
		}
		_, data, _ := listIDs(t, s, "/"+page+"/photos", fb.Params{"type": "uploaded", "fields": "id,page_story_id"})
		if got := data[0]["page_story_id"]; got != want {
			t.Errorf("hide %v: listed page_story_id = %v, want %v", hide, got, want)
		}
	}
}

// huandu/facebook's PagingResult stops at an empty page, so the pages are
// followed by hand here, the way the adapter does.
func TestEmptyListPages(t *testing.T) {
	e := newEnv(t, fake.Options{EmptyListPages: 2})
	s := e.session(fake.PageToken(page))
	for i := range 3 {
		if _, err := s.Post("/"+page+"/feed", fb.Params{"message": string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
	}
	var sizes []int
	var got string
	params := fb.Params{"fields": "message", "limit": "2"}
	for range 10 {
		_, data, next := listIDs(t, s, "/"+page+"/published_posts", params)
		sizes = append(sizes, len(data))
		for _, d := range data {
			got += d["message"].(string)
		}
		if next == "" {
			break
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		params = fb.Params{}
		for k, vs := range u.Query() {
			if k != "access_token" {
				params[k] = vs[0]
			}
		}
	}
	if want := []int{0, 0, 2, 1}; !slices.Equal(sizes, want) || got != "cba" {
		t.Errorf("page sizes %v, messages %q; want %v and cba", sizes, got, want)
	}
	t.Run("a page after a cursor is never empty", func(t *testing.T) {
		_, data, _ := listIDs(t, s, "/"+page+"/published_posts", params)
		if len(data) != 1 {
			t.Errorf("last page again = %v, want one post", data)
		}
	})
}

package fake_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
)

func TestRestore(t *testing.T) {
	before := newEnv(t, fake.Options{})
	s := before.session(fake.PageToken(page))
	jpg := jpegImage(t, 120, 100)
	postID := func(res fb.Result, field string) string { t.Helper(); return str(t, res, field) }
	mustPost := func(path string, params fb.Params) fb.Result {
		t.Helper()
		res, err := s.Post(path, params)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		return res
	}

	status := postID(mustPost("/"+page+"/feed", fb.Params{"message": "Vacunación gratuita este sábado"}), "id")
	before.clock.Advance(time.Minute)
	photoRes := mustPost("/"+page+"/photos", fb.Params{"source": fb.Data("a.jpg", bytes.NewReader(jpg)), "caption": "Foto del evento", "alt_text_custom": "Personas en fila"})
	photo := postID(photoRes, "id")
	var album []string
	for i := range 2 {
		album = append(album, postID(mustPost("/"+page+"/photos", fb.Params{"source": fb.Data(strconv.Itoa(i)+".jpg", bytes.NewReader(jpg)), "published": false, "alt_text_custom": "alt " + strconv.Itoa(i)}), "id"))
	}
	albumPost := postID(mustPost("/"+page+"/feed", fb.Params{"message": "Dos fotos",
		"attached_media": []map[string]string{{"media_fbid": album[0]}, {"media_fbid": album[1]}}}), "id")
	deleted := postID(mustPost("/"+page+"/feed", fb.Params{"message": "Borrado"}), "id")
	if _, err := s.Delete("/"+deleted, nil); err != nil {
		t.Fatal(err)
	}
	leftover := postID(mustPost("/"+page+"/photos", fb.Params{"source": fb.Data("l.jpg", bytes.NewReader(jpg)), "published": false}), "id")

	img := before.media.put("/a.jpg", jpg)
	single := container(t, s, fb.Params{"image_url": img, "caption": "Imagen", "alt_text": "Un paisaje"})
	children := []string{
		container(t, s, fb.Params{"image_url": img, "is_carousel_item": true}),
		container(t, s, fb.Params{"image_url": img, "is_carousel_item": true}),
	}
	carousel := container(t, s, fb.Params{"media_type": "CAROUSEL", "children": strings.Join(children, ","), "caption": "Carrusel"})
	for _, id := range []string{single, carousel} {
		if st := before.settle(t, id, time.Second); st != "FINISHED" {
			t.Fatalf("container %s is %s", id, st)
		}
	}
	image := postID(mustPost("/"+igUser+"/media_publish", fb.Params{"creation_id": single}), "id")
	albumIG := postID(mustPost("/"+igUser+"/media_publish", fb.Params{"creation_id": carousel}), "id")

	reads := []struct {
		path   string
		params fb.Params
	}{
		{"/" + page + "/published_posts", fb.Params{"fields": "id,message,created_time,permalink_url,attachments{media_type,target{id},subattachments{target{id}}}"}},
		{"/" + status, fb.Params{"fields": "id,message,created_time,permalink_url"}},
		// The photo's caption (name) comes back only with the ledger's
		// Extra; TestRestoreExtra covers it.
		{"/" + photo, fb.Params{"fields": "id,created_time,alt_text_custom,page_story_id,link"}},
		{"/" + album[1], fb.Params{"fields": "id,created_time,alt_text_custom,page_story_id"}},
		{"/" + igUser + "/media", fb.Params{"fields": "id,caption,timestamp,permalink,shortcode,media_type,media_product_type"}},
		{"/" + albumIG + "/children", fb.Params{"fields": "id,media_type"}},
		{"/" + image, fb.Params{"fields": "id,caption,timestamp,permalink,media_type,media_product_type"}},
		{"/" + igUser + "/content_publishing_limit", fb.Params{"fields": "quota_usage"}},
	}
	read := func(s *fb.Session, path string, params fb.Params) string {
		t.Helper()
		res, err := s.Get(path, params)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, _ := json.Marshal(res)
		return string(b)
	}
	var want []string
	for _, r := range reads {
		want = append(want, read(s, r.path, r.params))
	}

	after := newEnv(t, fake.Options{Ledger: fakenet.NewLedger()})
	after.clock.Set(before.clock.Now())
	as := after.session(fake.PageToken(page))
	if err := after.fake.Restore(append(before.fake.Ledger().Posts(), fakenet.Post{Network: "x", RemoteID: "1"})); err != nil {
		t.Fatal(err)
	}

	t.Run("reads answer as before the restart", func(t *testing.T) {
		for i, r := range reads {
			if got := read(as, r.path, r.params); got != want[i] {
				t.Errorf("GET %s =\n%s\nwant\n%s", r.path, got, want[i])
			}
		}
	})
	t.Run("the album post keeps its photos", func(t *testing.T) {
		if got := read(as, "/"+albumPost, fb.Params{"fields": "attachments{subattachments{target{id}}}"}); !strings.Contains(got, album[0]) || !strings.Contains(got, album[1]) {
			t.Errorf("attachments = %s, want photos %v", got, album)
		}
	})
	t.Run("a deleted post stays deleted", func(t *testing.T) {
		_, err := as.Get("/"+deleted, nil)
		wantCode(t, err, 100, 33)
	})
	t.Run("an unpublished photo, not kept, is looked up as deleted", func(t *testing.T) {
		_, err := as.Get("/"+leftover, fb.Params{"fields": "id,page_story_id"})
		wantCode(t, err, 100, 33)
	})
	t.Run("new ids follow the restored ones", func(t *testing.T) {
		res, err := as.Post("/"+page+"/feed", fb.Params{"message": "Después del reinicio"})
		if err != nil {
			t.Fatal(err)
		}
		num := func(id string) uint64 {
			_, n, _ := strings.Cut(id, "_")
			v, _ := strconv.ParseUint(n, 10, 64)
			return v
		}
		if num(str(t, res, "id")) <= num(albumPost) {
			t.Errorf("new post %s is not after %s", str(t, res, "id"), albumPost)
		}
		if n, _ := strconv.ParseUint(leftover, 10, 64); num(str(t, res, "id")) <= n {
			t.Errorf("new post %s reuses a number at or below %s", str(t, res, "id"), leftover)
		}
	})
	t.Run("the id of a post deleted after the last kept one is not given again", func(t *testing.T) {
		src := newEnv(t, fake.Options{})
		ss := src.session(fake.PageToken(page))
		kept, err := ss.Post("/"+page+"/feed", fb.Params{"message": "Queda"})
		if err != nil {
			t.Fatal(err)
		}
		gone, err := ss.Post("/"+page+"/feed", fb.Params{"message": "Se borra"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ss.Delete("/"+str(t, gone, "id"), nil); err != nil {
			t.Fatal(err)
		}
		dst := newEnv(t, fake.Options{Ledger: fakenet.NewLedger()})
		if err := dst.fake.Restore(src.fake.Ledger().Posts()); err != nil {
			t.Fatal(err)
		}
		res, err := dst.session(fake.PageToken(page)).Post("/"+page+"/feed", fb.Params{"message": "Nueva"})
		if err != nil {
			t.Fatal(err)
		}
		if id := str(t, res, "id"); id == str(t, gone, "id") || id == str(t, kept, "id") {
			t.Errorf("new post %s repeats an id issued before the restart", id)
		}
	})
	t.Run("the same text within a day is refused as a duplicate", func(t *testing.T) {
		_, err := as.Post("/"+page+"/feed", fb.Params{"message": "Vacunación gratuita este sábado"})
		wantCode(t, err, 506, 0)
	})
	t.Run("a post of a page not in its id is refused", func(t *testing.T) {
		err := fake.New(fake.Options{}).Restore([]fakenet.Post{{Network: "facebook", Account: "1001", RemoteID: "1002_122100000000000001"}})
		if err == nil || !strings.Contains(err.Error(), "1002_122100000000000001") {
			t.Errorf("err = %v, want one naming the post", err)
		}
	})
}

func TestShortcode(t *testing.T) {
	for _, id := range []string{"18000000000000001", "1", "63", "64", "18446744073709551615"} {
		code := fake.Shortcode(id)
		if got, ok := fake.ShortcodeMediaID(code); !ok || got != id {
			t.Errorf("ShortcodeMediaID(Shortcode(%s) = %q) = %q, %v", id, code, got, ok)
		}
	}
	for _, code := range []string{"", "A", "AB", "a b", "zzzzzzzzzzzz", "ÿ"} {
		if id, ok := fake.ShortcodeMediaID(code); ok {
			t.Errorf("ShortcodeMediaID(%q) = %s, want none", code, id)
		}
	}
}

package fake_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph/fake"
)

func TestFeed(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))

	res, err := s.Post("/"+page+"/feed", fb.Params{"message": "Vacunación gratuita este sábado", "link": "https://example.org/a", "published": true})
	if err != nil {
		t.Fatal(err)
	}
	id := str(t, res, "id")
	t.Run("id is page_post", func(t *testing.T) {
		if !strings.HasPrefix(id, page+"_") {
			t.Errorf("id = %s, want %s_…", id, page)
		}
	})
	t.Run("ledger keeps the message as sent", func(t *testing.T) {
		p := ledgerPost(t, e, fake.NetworkFacebook, id)
		if p.Account != page || p.Text != "Vacunación gratuita este sábado" || len(p.Media) != 0 || !p.CreatedAt.Equal(e.clock.Now()) {
			t.Errorf("ledger post = %+v", p)
		}
	})
	t.Run("same message again is 506", func(t *testing.T) {
		_, err := s.Post("/"+page+"/feed", fb.Params{"message": "Vacunación gratuita este sábado"})
		if fe := wantCode(t, err, 506, 0); fe.Message != "(#506) Duplicate status message" || fe.Type != "OAuthException" {
			t.Errorf("error = %+v", fe)
		}
	})
	t.Run("same message after 24 hours is accepted", func(t *testing.T) {
		e.clock.Advance(25 * time.Hour)
		if _, err := s.Post("/"+page+"/feed", fb.Params{"message": "Vacunación gratuita este sábado"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("same message on another page is accepted", func(t *testing.T) {
		other := e.session(fake.PageToken(otherPage))
		if _, err := other.Post("/"+otherPage+"/feed", fb.Params{"message": "Vacunación gratuita este sábado"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("GET returns the post", func(t *testing.T) {
		got, err := s.Get("/"+id, fb.Params{"fields": "id,message,created_time,permalink_url"})
		if err != nil {
			t.Fatal(err)
		}
		num := strings.TrimPrefix(id, page+"_")
		if got["message"] != "Vacunación gratuita este sábado" || got["created_time"] != "2026-11-27T23:50:00+0000" ||
			got["permalink_url"] != "https://www.facebook.com/"+page+"/posts/"+num {
			t.Errorf("post = %v", got)
		}
	})
	t.Run("empty post is refused", func(t *testing.T) {
		_, err := s.Post("/"+page+"/feed", fb.Params{"message": ""})
		wantCode(t, err, 100, 0)
	})
	t.Run("message over 63,206 characters is refused", func(t *testing.T) {
		_, err := s.Post("/"+page+"/feed", fb.Params{"message": strings.Repeat("a", 63207)})
		wantCode(t, err, 100, 0)
	})
	t.Run("malformed link is refused", func(t *testing.T) {
		_, err := s.Post("/"+page+"/feed", fb.Params{"message": "m", "link": "not a url"})
		wantCode(t, err, 100, 0)
	})
	t.Run("non-boolean published is refused", func(t *testing.T) {
		_, err := s.Post("/"+page+"/feed", fb.Params{"message": "m2", "published": "maybe"})
		wantCode(t, err, 100, 0)
	})
}

func TestPhotos(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	jpg := jpegImage(t, 64, 48)

	t.Run("multipart photo is published with its own post", func(t *testing.T) {
		res, err := s.Post("/"+page+"/photos", fb.Params{
			"source": fb.Data("a.jpg", bytes.NewReader(jpg)), "caption": "Foto del evento", "alt_text_custom": "Personas en fila",
		})
		if err != nil {
			t.Fatal(err)
		}
		photo, post := str(t, res, "id"), str(t, res, "post_id")
		p := ledgerPost(t, e, fake.NetworkFacebook, post)
		if p.Text != "Foto del evento" || len(p.Media) != 1 || p.Media[0].ID != photo || p.Media[0].Type != "image/jpeg" ||
			p.Media[0].AltText != "Personas en fila" || p.Media[0].Size != int64(len(jpg)) {
			t.Errorf("ledger post = %+v", p)
		}
	})
	t.Run("photo by url is downloaded and sniffed", func(t *testing.T) {
		png := pngImage(t, 30, 30)
		res, err := s.Post("/"+page+"/photos", fb.Params{"url": e.media.put("/p.png", png), "message": "PNG"})
		if err != nil {
			t.Fatal(err)
		}
		p := ledgerPost(t, e, fake.NetworkFacebook, str(t, res, "post_id"))
		if p.Text != "PNG" || p.Media[0].Type != "image/png" || p.Media[0].Size != int64(len(png)) {
			t.Errorf("ledger post = %+v", p)
		}
	})
	t.Run("unreachable url is 324", func(t *testing.T) {
		_, err := s.Post("/"+page+"/photos", fb.Params{"url": e.media.srv.URL + "/missing.jpg"})
		wantCode(t, err, 324, 0)
	})
	t.Run("bytes that are not an image are 324", func(t *testing.T) {
		_, err := s.Post("/"+page+"/photos", fb.Params{"source": fb.Data("a.jpg", strings.NewReader("hello, not a photo"))})
		wantCode(t, err, 324, 0)
	})
	t.Run("no source and no url is 324", func(t *testing.T) {
		_, err := s.Post("/"+page+"/photos", fb.Params{"caption": "nothing"})
		wantCode(t, err, 324, 0)
	})

	t.Run("unpublished photos become one multi-photo post", func(t *testing.T) {
		var ids []string
		for i := range 2 {
			res, err := s.Post("/"+page+"/photos", fb.Params{"source": fb.Data(fmt.Sprintf("%d.jpg", i), bytes.NewReader(jpg)), "published": false, "alt_text_custom": fmt.Sprint("alt ", i)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Get("post_id") != nil {
				t.Errorf("unpublished photo answered a post_id: %v", res)
			}
			ids = append(ids, str(t, res, "id"))
		}
		before := len(e.fake.Ledger().Posts())
		res, err := s.Post("/"+page+"/feed", fb.Params{"message": "Dos fotos",
			"attached_media": []map[string]string{{"media_fbid": ids[0]}, {"media_fbid": ids[1]}}})
		if err != nil {
			t.Fatal(err)
		}
		p := ledgerPost(t, e, fake.NetworkFacebook, str(t, res, "id"))
		if p.Text != "Dos fotos" || len(p.Media) != 2 || p.Media[0].ID != ids[0] || p.Media[1].ID != ids[1] || p.Media[1].AltText != "alt 1" {
			t.Errorf("ledger post = %+v", p)
		}
		if got := len(e.fake.Ledger().Posts()); got != before+1 {
			t.Errorf("ledger grew by %d, want 1 (unpublished photos are not posts)", got-before)
		}
		t.Run("a photo attaches only once", func(t *testing.T) {
			_, err := s.Post("/"+page+"/feed", fb.Params{"message": "Otra vez", "attached_media": []map[string]string{{"media_fbid": ids[0]}}})
			wantCode(t, err, 100, 0)
		})
	})
	t.Run("indexed attached_media form", func(t *testing.T) {
		res, err := s.Post("/"+page+"/photos", fb.Params{"source": fb.Data("x.jpg", bytes.NewReader(jpg)), "published": "false"})
		if err != nil {
			t.Fatal(err)
		}
		photo := str(t, res, "id")
		r := e.do(t, "POST", "/v25.0/"+page+"/feed", signed(fake.PageToken(page), "message", "indexada", "attached_media[0]", `{"media_fbid":"`+photo+`"}`), nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d body %s", r.status, r.body)
		}
		if p := ledgerPost(t, e, fake.NetworkFacebook, r.json(t)["id"].(string)); len(p.Media) != 1 || p.Media[0].ID != photo {
			t.Errorf("ledger post = %+v", p)
		}
	})
	t.Run("photos of another page cannot be attached", func(t *testing.T) {
		other := e.session(fake.PageToken(otherPage))
		res, err := other.Post("/"+otherPage+"/photos", fb.Params{"source": fb.Data("x.jpg", bytes.NewReader(jpg)), "published": false})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Post("/"+page+"/feed", fb.Params{"message": "ajena", "attached_media": []map[string]string{{"media_fbid": str(t, res, "id")}}})
		wantCode(t, err, 100, 0)
	})
	t.Run("uploaded photos are listed, tagged ones are none", func(t *testing.T) {
		res, err := s.Get("/"+page+"/photos", fb.Params{"type": "uploaded", "fields": "id,name,created_time,page_story_id"})
		if err != nil {
			t.Fatal(err)
		}
		var data []map[string]any
		res.DecodeField("data", &data)
		if len(data) != 5 || data[0]["created_time"] == nil {
			t.Errorf("uploaded photos = %v, want 5", data)
		}
		res, err = s.Get("/"+page+"/photos", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.DecodeField("data", &data)
		if len(data) != 0 {
			t.Errorf("tagged photos = %v, want none", data)
		}
	})
}

func TestVideo(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	video := mp4Video()

	res, err := s.Post("/"+page+"/videos", fb.Params{"source": fb.Data("v.mp4", bytes.NewReader(video)), "title": "Título", "description": "Descripción del video"})
	if err != nil {
		t.Fatal(err)
	}
	id := str(t, res, "id")
	if res.Get("post_id") != nil {
		t.Errorf("video answer %v carries post_id; Graph answers only the id", res)
	}
	res, err = s.Get("/"+id, fb.Params{"fields": "post_id"})
	if err != nil {
		t.Fatal(err)
	}
	post := str(t, res, "post_id")
	if str(t, res, "id") != id {
		t.Errorf("lookup = %v", res)
	}
	p := ledgerPost(t, e, fake.NetworkFacebook, post)
	if p.Text != "Descripción del video" || len(p.Media) != 1 || p.Media[0].ID != id || p.Media[0].Type != "video/mp4" || p.Media[0].Size != int64(len(video)) {
		t.Errorf("ledger post = %+v", p)
	}

	t.Run("file_url is downloaded", func(t *testing.T) {
		res, err := s.Post("/"+page+"/videos", fb.Params{"file_url": e.media.put("/v.mp4", video), "description": "por url"})
		if err != nil {
			t.Fatal(err)
		}
		res, err = s.Get("/"+str(t, res, "id"), fb.Params{"fields": "post_id"})
		if err != nil {
			t.Fatal(err)
		}
		if p := ledgerPost(t, e, fake.NetworkFacebook, str(t, res, "post_id")); p.Text != "por url" {
			t.Errorf("ledger post = %+v", p)
		}
	})
	t.Run("bytes that are not MP4 or MOV are 352", func(t *testing.T) {
		_, err := s.Post("/"+page+"/videos", fb.Params{"source": fb.Data("v.mp4", bytes.NewReader(jpegImage(t, 8, 8)))})
		wantCode(t, err, 352, 0)
	})
	t.Run("truncated MP4 is 352", func(t *testing.T) {
		_, err := s.Post("/"+page+"/videos", fb.Params{"source": fb.Data("v.mp4", bytes.NewReader(video[:len(video)-10]))})
		wantCode(t, err, 352, 0)
	})
	t.Run("plain multipart from net/http", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range signed(fake.PageToken(page), "description", "multipart a mano") {
			mw.WriteField(k, v[0])
		}
		fw, _ := mw.CreateFormFile("source", "v.mov")
		fw.Write(video)
		mw.Close()
		req, _ := http.NewRequest("POST", e.base+"/v25.0/"+page+"/videos", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("status %d", res.StatusCode)
		}
	})
}

func TestPublishedPostsPaging(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	start := e.clock.Now()
	for i := range 7 {
		if _, err := s.Post("/"+page+"/feed", fb.Params{"message": fmt.Sprint("post ", i)}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
	}

	collect := func(t *testing.T, params fb.Params) []string {
		t.Helper()
		res, err := s.Get("/"+page+"/published_posts", params)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := res.Paging(s)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			for _, d := range pr.Data() {
				got = append(got, d.Get("message").(string))
			}
			noMore, err := pr.Next()
			if err != nil {
				t.Fatal(err)
			}
			if noMore {
				return got
			}
		}
	}
	t.Run("all posts newest first over pages of 3", func(t *testing.T) {
		got := strings.Join(collect(t, fb.Params{"fields": "id,message,created_time,permalink_url", "limit": 3}), ",")
		if want := "post 6,post 5,post 4,post 3,post 2,post 1,post 0"; got != want {
			t.Errorf("messages = %s, want %s", got, want)
		}
	})
	t.Run("since narrows every page", func(t *testing.T) {
		since := start.Add(3 * time.Minute).Unix()
		got := strings.Join(collect(t, fb.Params{"fields": "message", "limit": 2, "since": since}), ",")
		if want := "post 6,post 5,post 4,post 3"; got != want {
			t.Errorf("messages = %s, want %s", got, want)
		}
	})
	t.Run("paging.next is absolute and carries the token", func(t *testing.T) {
		res := e.do(t, "GET", "/v25.0/"+page+"/published_posts", signed(fake.PageToken(page), "limit", "2"), nil)
		next, _ := res.json(t)["paging"].(map[string]any)["next"].(string)
		if !strings.HasPrefix(next, e.base+"/v25.0/"+page+"/published_posts?") || !strings.Contains(next, "access_token=") || !strings.Contains(next, "after=") {
			t.Errorf("next = %q", next)
		}
	})
	t.Run("limit over 100 is capped and nonsense is refused", func(t *testing.T) {
		if _, err := s.Get("/"+page+"/published_posts", fb.Params{"limit": 500}); err != nil {
			t.Error(err)
		}
		_, err := s.Get("/"+page+"/published_posts", fb.Params{"limit": "many"})
		wantCode(t, err, 100, 0)
	})
}

func TestDelete(t *testing.T) {
	e := newEnv(t, fake.Options{})
	tok := fake.PageToken(page)
	s := e.session(tok)
	create := func(msg string) string {
		res, err := s.Post("/"+page+"/feed", fb.Params{"message": msg})
		if err != nil {
			t.Fatal(err)
		}
		return str(t, res, "id")
	}
	gone := func(t *testing.T, id string) {
		t.Helper()
		if _, ok := e.fake.Ledger().Get(fake.NetworkFacebook, id); ok {
			t.Errorf("post %s still in the ledger", id)
		}
		_, err := s.Get("/"+id, nil)
		if fe := wantCode(t, err, 100, 33); fe.Type != "GraphMethodException" {
			t.Errorf("type = %s", fe.Type)
		}
	}
	t.Run("real DELETE", func(t *testing.T) {
		id := create("borrar con DELETE")
		req, _ := http.NewRequest("DELETE", e.base+"/v25.0/"+id+"?"+signed(tok).Encode(), nil)
		res, err := s.Request(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Get("success") != true {
			t.Errorf("answer = %v", res)
		}
		gone(t, id)
	})
	t.Run("method=DELETE override", func(t *testing.T) {
		id := create("borrar con method")
		res, err := s.Delete("/"+id, nil)
		if err != nil || res.Get("success") != true {
			t.Fatalf("answer = %v, %v", res, err)
		}
		gone(t, id)
	})
	t.Run("deleting twice is 100/33", func(t *testing.T) {
		id := create("dos veces")
		s.Delete("/"+id, nil)
		_, err := s.Delete("/"+id, nil)
		wantCode(t, err, 100, 33)
	})
	t.Run("deleting a photo takes its post", func(t *testing.T) {
		res, err := s.Post("/"+page+"/photos", fb.Params{"source": fb.Data("a.jpg", bytes.NewReader(jpegImage(t, 8, 8)))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Delete("/"+str(t, res, "id"), nil); err != nil {
			t.Fatal(err)
		}
		gone(t, str(t, res, "post_id"))
	})
	t.Run("another page's post cannot be deleted", func(t *testing.T) {
		id := create("mía")
		_, err := e.session(fake.PageToken(otherPage)).Delete("/"+id, nil)
		wantCode(t, err, 100, 33)
		ledgerPost(t, e, fake.NetworkFacebook, id)
	})
}

func TestUsageHeaders(t *testing.T) {
	e := newEnv(t, fake.Options{PageCallsPerHour: 10})
	s := e.session(fake.PageToken(page))
	var res fb.Result
	for range 3 {
		var err error
		if res, err = s.Get("/me", nil); err != nil {
			t.Fatal(err)
		}
	}
	u := res.UsageInfo()
	buc := u.BusinessUseCase[page]
	if len(buc) != 1 || buc[0].Type != "pages" || buc[0].CallCount != 30 || buc[0].EstimatedTimeToRegainAccess != 0 {
		t.Errorf("BUC usage = %+v, want pages at 30 %%", buc)
	}
	if u.Page.CallCount != 30 || u.App.CallCount != 3 {
		t.Errorf("page usage %+v, app usage %+v; want 30 and 3", u.Page, u.App)
	}

	t.Run("past the hourly budget: 32 with usage at 100", func(t *testing.T) {
		for range 7 {
			if _, err := s.Get("/me", nil); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.Get("/me", nil)
		wantCode(t, err, 32, 0)
		buc := res.UsageInfo().BusinessUseCase[page]
		if len(buc) != 1 || buc[0].CallCount != 100 || buc[0].EstimatedTimeToRegainAccess != 5 {
			t.Errorf("BUC usage = %+v, want 100 %% and 5 minutes", buc)
		}
	})
	t.Run("the budget frees after an hour", func(t *testing.T) {
		e.clock.Advance(time.Hour + time.Second)
		if _, err := s.Get("/me", nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Instagram calls count against the Instagram account", func(t *testing.T) {
		res, err := s.Get("/"+igUser, fb.Params{"fields": "id,username"})
		if err != nil {
			t.Fatal(err)
		}
		buc := res.UsageInfo().BusinessUseCase[igUser]
		if len(buc) != 1 || buc[0].CallCount != 10 {
			t.Errorf("BUC usage = %+v, want 10 %% for %s", buc, igUser)
		}
	})
}

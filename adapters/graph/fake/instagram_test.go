package fake_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph/fake"
)

// container creates a container and returns its id.
func container(t *testing.T, s *fb.Session, params fb.Params) string {
	t.Helper()
	res, err := s.Post("/"+igUser+"/media", params)
	if err != nil {
		t.Fatal(err)
	}
	return str(t, res, "id")
}

// settle waits, on the wall clock, until the container's download is
// judged: it leaves IN_PROGRESS or, when tick > 0, becomes FINISHED while
// the fake's clock moves by tick per round.
func (e *env) settle(t *testing.T, id string, tick time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, ok := e.fake.ContainerStatus(id)
		if !ok {
			t.Fatalf("container %s unknown", id)
		}
		if st != "IN_PROGRESS" || time.Now().After(deadline) {
			return st
		}
		if tick > 0 {
			e.clock.Advance(tick)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// status reads a container's status over the wire.
func status(t *testing.T, s *fb.Session, id string) (code, text string) {
	t.Helper()
	res, err := s.Get("/"+id, fb.Params{"fields": "status_code,status"})
	if err != nil {
		t.Fatal(err)
	}
	code, _ = res.Get("status_code").(string)
	text, _ = res.Get("status").(string)
	return code, text
}

func TestContainerStateMachine(t *testing.T) {
	e := newEnv(t, fake.Options{ImageProcessing: time.Minute})
	s := e.session(fake.PageToken(page))
	img := e.media.put("/a.jpg", jpegImage(t, 100, 100))

	id := container(t, s, fb.Params{"image_url": img, "caption": "Hola #Antioquia @gobant", "alt_text": "Un cuadrado"})
	t.Run("a new container is IN_PROGRESS", func(t *testing.T) {
		if code, text := status(t, s, id); code != "IN_PROGRESS" || !strings.HasPrefix(text, "In Progress") {
			t.Errorf("status = %s %q", code, text)
		}
	})
	t.Run("publishing early is 9007/2207027", func(t *testing.T) {
		_, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id})
		if fe := wantCode(t, err, 9007, 2207027); fe.Message != "Media ID is not available" || fe.Type != "IGApiException" {
			t.Errorf("error = %+v", fe)
		}
	})
	t.Run("FINISHED once downloaded and processed on the clock", func(t *testing.T) {
		if st := e.settle(t, id, 20*time.Second); st != "FINISHED" {
			t.Fatalf("status = %s, want FINISHED", st)
		}
		if code, text := status(t, s, id); code != "FINISHED" || !strings.HasPrefix(text, "Finished") {
			t.Errorf("status = %s %q", code, text)
		}
	})
	var media string
	t.Run("media_publish publishes and records", func(t *testing.T) {
		res, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id})
		if err != nil {
			t.Fatal(err)
		}
		media = str(t, res, "id")
		if code, _ := status(t, s, id); code != "PUBLISHED" {
			t.Errorf("status = %s, want PUBLISHED", code)
		}
		p := ledgerPost(t, e, fake.NetworkInstagram, media)
		if p.Account != igUser || p.Text != "Hola #Antioquia @gobant" || len(p.Media) != 1 || p.Media[0].Type != "image/jpeg" || p.Media[0].AltText != "Un cuadrado" || p.Media[0].Size == 0 {
			t.Errorf("ledger post = %+v", p)
		}
		if n := e.fake.PublishedCount(igUser); n != 1 {
			t.Errorf("published count = %d, want 1", n)
		}
	})
	t.Run("re-publishing is refused", func(t *testing.T) {
		_, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id})
		if fe := wantCode(t, err, 100, 0); fe.Message != "The media has already been published" {
			t.Errorf("message = %q", fe.Message)
		}
		if n := len(e.fake.Ledger().Filter(fake.NetworkInstagram, "")); n != 1 {
			t.Errorf("ledger has %d Instagram posts, want 1", n)
		}
	})
	t.Run("the media reads back", func(t *testing.T) {
		res, err := s.Get("/"+media, fb.Params{"fields": "id,caption,timestamp,permalink,media_type,like_count,comments_count"})
		if err != nil {
			t.Fatal(err)
		}
		if res["caption"] != "Hola #Antioquia @gobant" || res["media_type"] != "IMAGE" || !strings.HasPrefix(res["permalink"].(string), "https://www.instagram.com/p/") {
			t.Errorf("media = %v", res)
		}
		if _, err := time.Parse("2006-01-02T15:04:05-0700", res["timestamp"].(string)); err != nil {
			t.Errorf("timestamp: %v", err)
		}
		if res.Get("like_count") == nil || res.Get("comments_count") == nil {
			t.Errorf("media = %v, want counters", res)
		}
	})
	t.Run("Instagram media cannot be deleted", func(t *testing.T) {
		_, err := s.Delete("/"+media, nil)
		wantCode(t, err, 3, 0)
	})
}

func TestContainerErrors(t *testing.T) {
	big := jpegImage(t, 800, 800)
	e := newEnv(t, fake.Options{MaxImageBytes: int64(len(big)) - 1})
	s := e.session(fake.PageToken(page))
	cases := []struct {
		name    string
		params  fb.Params
		subcode string
	}{
		{"unreachable URL", fb.Params{"image_url": e.media.srv.URL + "/missing.jpg"}, "(2207052)"},
		{"PNG image", fb.Params{"image_url": e.media.put("/a.png", pngImage(t, 50, 50))}, "(2207005)"},
		{"JPEG over the size limit", fb.Params{"image_url": e.media.put("/big.jpg", big)}, "(2207004)"},
		{"3:1 image", fb.Params{"image_url": e.media.put("/wide.jpg", jpegImage(t, 300, 100))}, "(2207009)"},
		{"video that is not MP4", fb.Params{"media_type": "REELS", "video_url": e.media.put("/v.mp4", []byte("not a video at all"))}, "(2207026)"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" ends in ERROR", func(t *testing.T) {
			id := container(t, s, tc.params)
			if st := e.settle(t, id, 0); st != "ERROR" {
				t.Fatalf("status = %s, want ERROR", st)
			}
			code, text := status(t, s, id)
			if code != "ERROR" || !strings.HasPrefix(text, "Error: ") || !strings.HasSuffix(text, tc.subcode) {
				t.Errorf("status = %s %q, want ERROR ending in %s", code, text, tc.subcode)
			}
			_, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id})
			fe := fbError(t, err)
			if want := strings.Trim(tc.subcode, "()"); fmt.Sprint(fe.ErrorSubcode) != want {
				t.Errorf("publish error = %d/%d, want subcode %s", fe.Code, fe.ErrorSubcode, want)
			}
		})
	}
	t.Run("a story may have any aspect ratio", func(t *testing.T) {
		id := container(t, s, fb.Params{"media_type": "STORIES", "image_url": e.media.put("/story.jpg", jpegImage(t, 90, 30))})
		if st := e.settle(t, id, 0); st != "FINISHED" {
			t.Errorf("status = %s, want FINISHED", st)
		}
	})

	refused := []struct {
		name   string
		params fb.Params
		sub    int
	}{
		{"no media", fb.Params{"caption": "x"}, 0},
		{"VIDEO outside a carousel", fb.Params{"media_type": "VIDEO", "video_url": "https://example.org/v.mp4"}, 2207023},
		{"unknown media type", fb.Params{"media_type": "GIF", "image_url": "https://example.org/a.jpg"}, 2207023},
		{"reel without video", fb.Params{"media_type": "REELS"}, 0},
		{"relative URL", fb.Params{"image_url": "/a.jpg"}, 0},
		{"caption over 2,200 characters", fb.Params{"image_url": "https://example.org/a.jpg", "caption": strings.Repeat("a", 2201)}, 2207010},
		{"31 hashtags", fb.Params{"image_url": "https://example.org/a.jpg", "caption": strings.Repeat("#tag ", 31)}, 2207010},
		{"21 mentions", fb.Params{"image_url": "https://example.org/a.jpg", "caption": strings.Repeat("@user ", 21)}, 2207010},
		{"alt_text on a reel", fb.Params{"media_type": "REELS", "video_url": "https://example.org/v.mp4", "alt_text": "x"}, 0},
		// Meta's content publishing guide: alt_text is for image posts;
		// reels and stories are not supported.
		{"alt_text on an image story", fb.Params{"media_type": "STORIES", "image_url": "https://example.org/a.jpg", "alt_text": "x"}, 0},
	}
	for _, tc := range refused {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, err := s.Post("/"+igUser+"/media", tc.params)
			wantCode(t, err, 100, tc.sub)
		})
	}
	t.Run("2,200 characters, 30 hashtags and 20 mentions are accepted", func(t *testing.T) {
		caption := strings.Repeat("#t ", 30) + strings.Repeat("@u ", 20)
		caption += strings.Repeat("a", 2200-len([]rune(caption)))
		container(t, s, fb.Params{"image_url": "https://example.org/a.jpg", "caption": caption})
	})
	t.Run("another account's container is not found", func(t *testing.T) {
		id := container(t, s, fb.Params{"image_url": e.media.put("/b.jpg", jpegImage(t, 10, 10))})
		_, err := e.session(fake.PageToken(otherPage)).Get("/"+id, fb.Params{"fields": "status_code"})
		wantCode(t, err, 100, 33)
	})
}

func TestCaptionTagsCountOnlyAtWordStart(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	const img = "https://example.org/a.jpg"
	// Neither an e-mail address nor a # inside a word is a tag, nor a #
	// or @ followed by no word character.
	notTags := strings.Repeat("prensa@antioquia.gov.co canal#3 C# #, @ ", 25)
	t.Run("30 hashtags and 20 mentions among e-mail addresses and mid-word # are accepted", func(t *testing.T) {
		caption := strings.Repeat("#tag ", 29) + "(#último) " + strings.Repeat("@gobant ", 19) + "(@user.name) " + notTags
		container(t, s, fb.Params{"image_url": img, "caption": caption})
	})
	for _, tc := range []struct{ name, caption string }{
		{"a 31st hashtag", strings.Repeat("#tag ", 30) + notTags + "fin.#31"},
		{"a 21st mention", strings.Repeat("@user ", 20) + notTags + "fin,@u21"},
	} {
		t.Run(tc.name+" at word start is refused", func(t *testing.T) {
			_, err := s.Post("/"+igUser+"/media", fb.Params{"image_url": img, "caption": tc.caption})
			wantCode(t, err, 100, 2207010)
		})
	}
}

func TestContainerExpiry(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	img := e.media.put("/a.jpg", jpegImage(t, 100, 80))
	id := container(t, s, fb.Params{"image_url": img})
	if st := e.settle(t, id, 0); st != "FINISHED" {
		t.Fatalf("status = %s, want FINISHED", st)
	}
	e.clock.Advance(24*time.Hour - time.Second)
	if code, _ := status(t, s, id); code != "FINISHED" {
		t.Errorf("status before 24 h = %s, want FINISHED", code)
	}
	e.clock.Advance(time.Second)
	if code, text := status(t, s, id); code != "EXPIRED" || !strings.HasPrefix(text, "Expired") {
		t.Errorf("status after 24 h = %s %q, want EXPIRED", code, text)
	}
	_, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id})
	wantCode(t, err, 9007, 2207020)

	t.Run("ExpireContainers expires at once", func(t *testing.T) {
		id := container(t, s, fb.Params{"image_url": img})
		e.settle(t, id, 0)
		e.fake.ExpireContainers()
		if st, _ := e.fake.ContainerStatus(id); st != "EXPIRED" {
			t.Errorf("status = %s, want EXPIRED", st)
		}
	})
}

func TestCarousel(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	img := e.media.put("/a.jpg", jpegImage(t, 120, 100))
	vid := e.media.put("/v.mp4", mp4Video())
	children := []string{
		container(t, s, fb.Params{"image_url": img, "is_carousel_item": true, "alt_text": "primera"}),
		container(t, s, fb.Params{"image_url": img, "is_carousel_item": true}),
		container(t, s, fb.Params{"media_type": "VIDEO", "video_url": vid, "is_carousel_item": true}),
	}
	parent := container(t, s, fb.Params{"media_type": "CAROUSEL", "children": strings.Join(children, ","), "caption": "Carrusel"})
	if code, _ := status(t, s, parent); code != "IN_PROGRESS" {
		t.Errorf("parent status = %s, want IN_PROGRESS while the video processes", code)
	}
	if st := e.settle(t, parent, time.Second); st != "FINISHED" {
		t.Fatalf("parent status = %s, want FINISHED", st)
	}
	t.Run("a carousel item cannot be published alone", func(t *testing.T) {
		_, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": children[0]})
		wantCode(t, err, 100, 0)
	})
	res, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": parent})
	if err != nil {
		t.Fatal(err)
	}
	album := str(t, res, "id")
	p := ledgerPost(t, e, fake.NetworkInstagram, album)
	if p.Text != "Carrusel" || len(p.Media) != 3 || p.Media[0].Type != "image/jpeg" || p.Media[0].AltText != "primera" || p.Media[2].Type != "video/mp4" {
		t.Errorf("ledger post = %+v", p)
	}
	if n := e.fake.PublishedCount(igUser); n != 1 {
		t.Errorf("published count = %d, want 1 for a carousel", n)
	}
	t.Run("the album lists its children", func(t *testing.T) {
		res, err := s.Get("/"+album+"/children", fb.Params{"fields": "id,media_type"})
		if err != nil {
			t.Fatal(err)
		}
		var data []map[string]string
		res.DecodeField("data", &data)
		if len(data) != 3 || data[2]["media_type"] != "VIDEO" {
			t.Errorf("children = %v", data)
		}
	})
	t.Run("11 children are refused", func(t *testing.T) {
		var ids []string
		for range 11 {
			ids = append(ids, container(t, s, fb.Params{"image_url": img, "is_carousel_item": true}))
		}
		_, err := s.Post("/"+igUser+"/media", fb.Params{"media_type": "CAROUSEL", "children": ids})
		wantCode(t, err, 100, 0)
	})
	t.Run("one child is refused", func(t *testing.T) {
		_, err := s.Post("/"+igUser+"/media", fb.Params{"media_type": "CAROUSEL", "children": children[0]})
		wantCode(t, err, 100, 0)
	})
	t.Run("a child that is not a carousel item is refused", func(t *testing.T) {
		single := container(t, s, fb.Params{"image_url": img})
		other := container(t, s, fb.Params{"image_url": img, "is_carousel_item": true})
		_, err := s.Post("/"+igUser+"/media", fb.Params{"media_type": "CAROUSEL", "children": single + "," + other})
		wantCode(t, err, 100, 2207028)
	})
	t.Run("a carousel with a failed child is ERROR", func(t *testing.T) {
		bad := container(t, s, fb.Params{"image_url": e.media.put("/x.png", pngImage(t, 10, 10)), "is_carousel_item": true})
		good := container(t, s, fb.Params{"image_url": img, "is_carousel_item": true})
		parent := container(t, s, fb.Params{"media_type": "CAROUSEL", "children": []string{bad, good}})
		if st := e.settle(t, parent, 0); st != "ERROR" {
			t.Errorf("status = %s, want ERROR", st)
		}
	})
}

func TestPublishingLimit(t *testing.T) {
	e := newEnv(t, fake.Options{PublishLimit: 2})
	s := e.session(fake.PageToken(page))
	img := e.media.put("/a.jpg", jpegImage(t, 100, 100))
	publish := func() error {
		id := container(t, s, fb.Params{"image_url": img})
		if st := e.settle(t, id, 0); st != "FINISHED" {
			t.Fatalf("status = %s", st)
		}
		_, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id})
		return err
	}
	for range 2 {
		if err := publish(); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
	}
	err := publish()
	if fe := wantCode(t, err, 9, 2207042); fe.Type != "IGApiException" {
		t.Errorf("type = %s", fe.Type)
	}
	res, err := s.Get("/"+igUser+"/content_publishing_limit", fb.Params{"fields": "quota_usage,config"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.Get("data.0.quota_usage")) != "2" ||
		fmt.Sprint(res.Get("data.0.config.quota_total")) != "2" || fmt.Sprint(res.Get("data.0.config.quota_duration")) != "86400" {
		t.Errorf("limit = %v", res)
	}
	if n := e.fake.PublishedCount(igUser); n != 2 {
		t.Errorf("published count = %d, want 2", n)
	}
	t.Run("the window moves", func(t *testing.T) {
		e.clock.Advance(22*time.Hour + time.Second)
		if n := e.fake.PublishedCount(igUser); n != 1 {
			t.Errorf("published count = %d, want 1", n)
		}
		if err := publish(); err != nil {
			t.Error(err)
		}
	})
}

func TestMediaPaging(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	img := e.media.put("/a.jpg", jpegImage(t, 100, 100))
	for i := range 5 {
		params := fb.Params{"image_url": img, "caption": fmt.Sprint("foto ", i)}
		if i == 4 {
			params["media_type"] = "STORIES"
		}
		id := container(t, s, params)
		e.settle(t, id, 0)
		if _, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
	}
	res, err := s.Get("/"+igUser+"/media", fb.Params{"fields": "id,caption,timestamp,permalink,media_type", "limit": 3})
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
			got = append(got, d.Get("caption").(string))
		}
		if noMore, err := pr.Next(); err != nil {
			t.Fatal(err)
		} else if noMore {
			break
		}
	}
	if g := strings.Join(got, ","); g != "foto 3,foto 2,foto 1,foto 0" {
		t.Errorf("media = %s, want feed posts newest first without the story", g)
	}
	res, err = s.Get("/"+igUser+"/stories", fb.Params{"fields": "id,caption"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.Get("data.0.caption")) != "foto 4" {
		t.Errorf("stories = %v", res)
	}
	e.clock.Advance(25 * time.Hour)
	if res, _ := s.Get("/"+igUser+"/stories", nil); len(res.Get("data").([]any)) != 0 {
		t.Errorf("stories after 24 h = %v, want none", res)
	}
}

func TestInstagramLogin(t *testing.T) {
	e := newEnv(t, fake.Options{})
	const user = "17841555"
	app := fb.New(fake.DefaultAppID, fake.DefaultAppSecret)
	s := app.Session(fake.InstagramToken(user))
	s.BaseURL, s.Version = e.base+"/", "v25.0"
	res, err := s.Get("/me", fb.Params{"fields": "user_id,username"})
	if err != nil {
		t.Fatal(err)
	}
	if res["user_id"] != user || res["username"] == "" {
		t.Errorf("me = %v", res)
	}
	img := e.media.put("/a.jpg", jpegImage(t, 100, 100))
	r, err := s.Post("/"+user+"/media", fb.Params{"image_url": img})
	if err != nil {
		t.Fatal(err)
	}
	id := str(t, r, "id")
	e.settle(t, id, 0)
	r, err = s.Post("/"+user+"/media_publish", fb.Params{"creation_id": id})
	if err != nil {
		t.Fatal(err)
	}
	ledgerPost(t, e, fake.NetworkInstagram, str(t, r, "id"))
	t.Run("cannot reach another account", func(t *testing.T) {
		res := e.do(t, http.MethodPost, "/v25.0/"+igUser+"/media", signed(fake.InstagramToken(user), "image_url", img), nil)
		if got := res.err(t); got.Code != 200 {
			t.Errorf("error = %+v, want 200", got)
		}
	})
}

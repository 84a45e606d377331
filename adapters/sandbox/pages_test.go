package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/fakenet"
	graphfake "pregonero/adapters/graph/fake"
	"pregonero/adapters/sandbox"
	xfake "pregonero/adapters/x/fake"
	ytfake "pregonero/adapters/youtube/fake"
)

// page fetches a link page and returns its status, content type and body.
func page(t *testing.T, url string) (int, string, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

func wantPage(t *testing.T, url string, status int, contains ...string) {
	t.Helper()
	got, ct, body := page(t, url)
	if got != status || !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET %s: status %d, type %q; want %d text/html\n%s", url, got, ct, status, body)
		return
	}
	for _, s := range contains {
		if !strings.Contains(body, s) {
			t.Errorf("GET %s: page does not contain %q\n%s", url, s, body)
		}
	}
}

const notFoundText = "nunca existió o fue eliminada"

func TestLinkPagesX(t *testing.T) {
	bogota, err := time.LoadLocation("America/Bogota")
	if err != nil {
		t.Fatal(err)
	}
	s := sandbox.New(sandbox.Options{Location: bogota})
	base := start(t, s)
	c := xClient("gobantioquia")
	res, err := post(t, c, base+"/x/2/tweets", "application/json", `{"text":"Vía cerrada <b>hoy</b> & mañana"}`)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ Data struct{ ID string } }
	json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	id := created.Data.ID
	if res.StatusCode != http.StatusCreated || id == "" {
		t.Fatalf("create: status %d id %q", res.StatusCode, id)
	}
	p, _ := s.Ledger().Get(xfake.Network, id)

	t.Run("the post's page says it is a sandbox post, in Spanish and English", func(t *testing.T) {
		wantPage(t, base+"/x/gobantioquia/status/"+id, http.StatusOK,
			"Publicación de prueba (sandbox) — no está en X", "Sandbox post — not on X",
			"gobantioquia", id, "Vía cerrada &lt;b&gt;hoy&lt;/b&gt; &amp; mañana",
			p.CreatedAt.In(bogota).Format("2006-01-02 15:04:05"), "-05",
			`href="/_sandbox/posts?network=x"`)
	})
	t.Run("the other address shapes X uses open it too", func(t *testing.T) {
		wantPage(t, base+"/x/i/web/status/"+id, http.StatusOK, id)
		wantPage(t, base+"/x/gobantioquia/status/"+id+"/photo/1", http.StatusOK, id)
	})
	t.Run("the API under /x/ still reaches the fake", func(t *testing.T) {
		res, err := c.Get(base + "/x/2/tweets/" + id)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var got struct{ Data struct{ ID string } }
		json.NewDecoder(res.Body).Decode(&got)
		if res.StatusCode != http.StatusOK || got.Data.ID != id || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("lookup: status %d, data %+v", res.StatusCode, got.Data)
		}
		res, err = c.Get(base + "/x/2/users/" + xfake.UserID("gobantioquia") + "/tweets")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("timeline: status %d", res.StatusCode)
		}
	})
	t.Run("a post that never existed is a 404 page", func(t *testing.T) {
		wantPage(t, base+"/x/gobantioquia/status/1", http.StatusNotFound, notFoundText, "never existed or was deleted")
	})
	t.Run("a deleted post is a 404 page", func(t *testing.T) {
		req, _ := http.NewRequest("DELETE", base+"/x/2/tweets/"+id, nil)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("delete: status %d", res.StatusCode)
		}
		wantPage(t, base+"/x/gobantioquia/status/"+id, http.StatusNotFound, notFoundText)
	})
	t.Run("pages answer clients that are not on loopback", func(t *testing.T) {
		if err := s.Ledger().Add(fakenet.Post{Network: "x", Account: "ana", RemoteID: "77", Text: "pública", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		rec := serve(s.Handler(), "192.0.2.1:1234", "GET", "/x/ana/status/77", "", "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "pública") {
			t.Errorf("status %d body %s", rec.Code, rec.Body)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("Content-Security-Policy = %q, want no external assets", csp)
		}
	})
}

func TestLinkPagesGraphAndYouTube(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	base := start(t, s)
	at := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	const page = "1001"
	igUser := graphfake.LinkedInstagram(page)
	add := func(p fakenet.Post) {
		t.Helper()
		p.CreatedAt = at
		if err := s.Ledger().Add(p); err != nil {
			t.Fatal(err)
		}
	}
	add(fakenet.Post{Network: "facebook", Account: page, RemoteID: page + "_122100000000000003", Text: "Dos fotos",
		Media: []fakenet.PostMedia{{ID: "122100000000000001", Type: "image/jpeg", AltText: "Personas en fila", Size: 10},
			{ID: "122100000000000002", Type: "image/png", Size: 20}}})
	add(fakenet.Post{Network: "facebook", Account: page, RemoteID: page + "_122100000000000005", Text: "Video de la rueda",
		Media: []fakenet.PostMedia{{ID: "122100000000000004", Type: "video/mp4", Size: 30}}})
	const image, reel, story = "18000000000000007", "18000000000000008", "18000000000000009"
	add(fakenet.Post{Network: "instagram", Account: igUser, RemoteID: image, Text: "Imagen del día",
		Media: []fakenet.PostMedia{{ID: image, Type: "image/jpeg", AltText: "Un paisaje", Size: 40}}})
	add(fakenet.Post{Network: "instagram", Account: igUser, RemoteID: reel, Text: "Reel",
		Media: []fakenet.PostMedia{{ID: reel, Type: "video/mp4", Size: 50}}})
	add(fakenet.Post{Network: "instagram", Account: igUser, RemoteID: story,
		Media: []fakenet.PostMedia{{ID: story, Type: "image/jpeg", Size: 60}}})
	add(fakenet.Post{Network: "youtube", Account: ytfake.ChannelID("gobantioquia"), RemoteID: "dQw4w9WgXcQ", Text: "Rendición de cuentas",
		Media: []fakenet.PostMedia{{ID: "dQw4w9WgXcQ", Type: "video/mp4", Size: 70}}})

	for _, c := range []struct {
		name, path string
		status     int
		contains   []string
	}{
		{"facebook post permalink", "/facebook/1001/posts/122100000000000003", 200,
			[]string{"no está en Facebook", "Sandbox post — not on Facebook", "Dos fotos", "Personas en fila", "image/png", `href="/_sandbox/posts?network=facebook"`}},
		{"facebook post by id", "/facebook/1001_122100000000000003", 200, []string{"Dos fotos"}},
		{"facebook photo", "/facebook/photo.php?fbid=122100000000000002", 200, []string{"Dos fotos"}},
		{"facebook photo by id", "/facebook/122100000000000001", 200, []string{"Dos fotos"}},
		{"facebook story permalink", "/facebook/permalink.php?story_fbid=122100000000000003&id=1001", 200, []string{"Dos fotos"}},
		{"facebook video", "/facebook/1001/videos/122100000000000004/", 200, []string{"Video de la rueda", "video/mp4"}},
		{"facebook post that never existed", "/facebook/1001/posts/122100000000000099", 404, []string{notFoundText, "Facebook"}},
		{"facebook page", "/facebook/", 404, []string{notFoundText}},
		{"instagram post", "/instagram/p/" + graphfake.Shortcode(image) + "/", 200,
			[]string{"no está en Instagram", "Imagen del día", "Un paisaje", `href="/_sandbox/posts?network=instagram"`}},
		{"instagram reel", "/instagram/reel/" + graphfake.Shortcode(reel) + "/", 200, []string{"Reel", "video/mp4"}},
		{"instagram story", "/instagram/stories/" + graphfake.IGUsername(igUser) + "/" + story + "/", 200, []string{story, "sin texto"}},
		{"instagram story of another account", "/instagram/stories/otra/" + story + "/", 404, []string{notFoundText}},
		{"instagram unknown shortcode", "/instagram/p/" + graphfake.Shortcode("18000000000000099") + "/", 404, []string{notFoundText}},
		{"instagram site lists the posts", "/instagram/", 200,
			[]string{"no están en Instagram", "Sandbox posts — not on Instagram", `href="/instagram/p/` + graphfake.Shortcode(image) + `/"`, "Imagen del día", story}},
		{"instagram profile lists the account's posts", "/instagram/" + graphfake.IGUsername(igUser) + "/", 200,
			[]string{"no están en Instagram", graphfake.IGUsername(igUser), `href="/instagram/p/` + graphfake.Shortcode(reel) + `/"`}},
		{"instagram profile of nobody", "/instagram/nadie/", 404, []string{notFoundText}},
		{"instagram bad shortcode", "/instagram/p/%C3%BF/", 404, []string{notFoundText}},
		{"youtube watch", "/youtube/watch?v=dQw4w9WgXcQ", 200,
			[]string{"no está en YouTube", "Rendición de cuentas", ytfake.ChannelID("gobantioquia"), `href="/_sandbox/posts?network=youtube"`}},
		{"youtube short", "/youtube/shorts/dQw4w9WgXcQ", 200, []string{"Rendición de cuentas"}},
		{"youtube video that never existed", "/youtube/watch?v=nothing", 404, []string{notFoundText, "YouTube"}},
		{"youtube watch without id", "/youtube/watch", 404, []string{notFoundText}},
	} {
		t.Run(c.name, func(t *testing.T) { wantPage(t, base+c.path, c.status, c.contains...) })
	}

	t.Run("the YouTube API under /youtube/ still reaches the fake", func(t *testing.T) {
		req, _ := http.NewRequest("GET", base+"/youtube/youtube/v3/videos?part=id&id=dQw4w9WgXcQ", nil)
		req.Header.Set("Authorization", "Bearer "+ytfake.AccessToken("gobantioquia"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var got struct{ Kind string }
		json.NewDecoder(res.Body).Decode(&got)
		if res.StatusCode != http.StatusOK || got.Kind != "youtube#videoListResponse" {
			t.Errorf("videos.list: status %d kind %q", res.StatusCode, got.Kind)
		}
	})
	t.Run("a POST to a page address is not a page", func(t *testing.T) {
		res, err := post(t, http.DefaultClient, base+"/youtube/watch?v=dQw4w9WgXcQ", "text/plain", "")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("POST answered a page")
		}
	})
}

package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"
	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/youtube/v3"

	"pregonero/adapters/fakenet"
	graphfake "pregonero/adapters/graph/fake"
	"pregonero/adapters/sandbox"
	xfake "pregonero/adapters/x/fake"
	ytfake "pregonero/adapters/youtube/fake"
	"pregonero/media/mediatest"
)

// run serves s until stop is called, then closes its data; it returns
// the base URL.
func run(t *testing.T, s *sandbox.Sandbox) (base string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

func TestDataDirKeepsPostsAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sandbox")
	const user, page, channel = "gobantioquia", "4242", "gobantioquia"
	graphSession := func(base string) *fb.Session {
		app := fb.New(graphfake.DefaultAppID, graphfake.DefaultAppSecret)
		app.EnableAppsecretProof = true
		s := app.Session(graphfake.PageToken(page))
		s.BaseURL, s.Version = base+"/graph/", "v25.0"
		return s
	}
	ytService := func(base string) *youtube.Service {
		client := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(
			&oauth2.Token{AccessToken: ytfake.AccessToken(channel), TokenType: "Bearer"})}}
		svc, err := youtube.NewService(t.Context(), option.WithEndpoint(base+"/youtube/"), option.WithHTTPClient(client))
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	xCreate := func(base, text string) string {
		t.Helper()
		res, err := post(t, xClient(user), base+"/x/2/tweets", "application/json", `{"text":"`+text+`"}`)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct{ Data struct{ ID string } }
		json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create %q: status %d", text, res.StatusCode)
		}
		return out.Data.ID
	}

	// First run.
	first := sandbox.New(sandbox.Options{DataDir: dir})
	if err := first.Open(); err != nil {
		t.Fatal(err)
	}
	base, stop := run(t, first)
	kept := xCreate(base, "Boletín que queda")
	gone := xCreate(base, "Boletín borrado")
	req, _ := http.NewRequest("DELETE", base+"/x/2/tweets/"+gone, nil)
	if res, err := xClient(user).Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("delete: %v %v", res, err)
	}
	res, err := graphSession(base).Post("/"+page+"/feed", fb.Params{"message": "Hola desde la página"})
	if err != nil {
		t.Fatal(err)
	}
	fbPost, _ := res.Get("id").(string)
	video, err := ytService(base).Videos.Insert([]string{"snippet", "status"}, &youtube.Video{
		Snippet: &youtube.VideoSnippet{Title: "Rendición de cuentas"}, Status: &youtube.VideoStatus{PrivacyStatus: "public"},
	}).Media(bytes.NewReader(mediatest.MP4(20<<10, 5000, 1280, 720, 1)), googleapi.ChunkSize(1<<20)).Do()
	if err != nil {
		t.Fatal(err)
	}
	_, before := get(t, base+"/_sandbox/posts")
	stop()

	// Second run, on the same directory.
	second := sandbox.New(sandbox.Options{DataDir: dir})
	base, _ = run(t, second) // Serve opens the data itself

	t.Run("/_sandbox/posts lists the same posts", func(t *testing.T) {
		if _, after := get(t, base+"/_sandbox/posts"); after != before {
			t.Errorf("posts after the restart =\n%s\nwant\n%s", after, before)
		}
	})
	t.Run("link pages show the kept posts and not the deleted one", func(t *testing.T) {
		wantPage(t, base+"/x/"+user+"/status/"+kept, http.StatusOK, "Boletín que queda")
		wantPage(t, base+"/x/"+user+"/status/"+gone, http.StatusNotFound, notFoundText)
		num := strings.TrimPrefix(fbPost, page+"_")
		wantPage(t, base+"/facebook/"+page+"/posts/"+num, http.StatusOK, "Hola desde la página")
		wantPage(t, base+"/youtube/watch?v="+video.Id, http.StatusOK, "Rendición de cuentas")
	})
	t.Run("the X timeline and lookups find the kept post", func(t *testing.T) {
		res, err := xClient(user).Get(base + "/x/2/users/" + xfake.UserID(user) + "/tweets?max_results=5")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tl struct{ Data []struct{ ID, Text string } }
		json.NewDecoder(res.Body).Decode(&tl)
		if len(tl.Data) != 1 || tl.Data[0].ID != kept {
			t.Errorf("timeline = %+v, want only %s", tl.Data, kept)
		}
	})
	t.Run("the same text again is a duplicate on X", func(t *testing.T) {
		res, err := post(t, xClient(user), base+"/x/2/tweets", "application/json", `{"text":"Boletín que queda"}`)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", res.StatusCode)
		}
	})
	t.Run("the page's posts list the kept Facebook post", func(t *testing.T) {
		res, err := graphSession(base).Get("/"+page+"/published_posts", fb.Params{"fields": "id,message"})
		if err != nil {
			t.Fatal(err)
		}
		var data []struct{ ID, Message string }
		res.DecodeField("data", &data)
		if len(data) != 1 || data[0].ID != fbPost {
			t.Errorf("posts = %+v, want %s", data, fbPost)
		}
	})
	t.Run("videos.list and the uploads playlist find the kept video", func(t *testing.T) {
		svc := ytService(base)
		list, err := svc.Videos.List([]string{"snippet"}).Id(video.Id).Do()
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0].Snippet.Title != "Rendición de cuentas" {
			t.Errorf("videos = %+v", list.Items)
		}
		items, err := svc.PlaylistItems.List([]string{"contentDetails"}).PlaylistId(ytfake.UploadsPlaylist(channel)).Do()
		if err != nil {
			t.Fatal(err)
		}
		if len(items.Items) != 1 || items.Items[0].ContentDetails.VideoId != video.Id {
			t.Errorf("playlist = %+v", items.Items)
		}
	})
	t.Run("a new X post gets a new id", func(t *testing.T) {
		if id := xCreate(base, "Después del reinicio"); id == kept || id == gone {
			t.Errorf("new id %s repeats a kept one", id)
		}
	})
}

func TestDataDirDamage(t *testing.T) {
	good := `{"v":1,"op":"add","post":{"network":"x","account":"ana","remote_id":"1500000000000000000","text":"uno","created_at":"2026-03-01T12:00:00Z"}}` + "\n"
	writeLedger := func(t *testing.T, content string) string {
		t.Helper()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, fakenet.LedgerFileName), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	t.Run("a damaged file stops Open and Serve with an error naming it", func(t *testing.T) {
		dir := writeLedger(t, "garbage\n"+good)
		s := sandbox.New(sandbox.Options{DataDir: dir})
		path := filepath.Join(dir, fakenet.LedgerFileName)
		if err := s.Open(); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("Open = %v, want an error naming %s, line 1", err, path)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Serve(t.Context(), ln); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Serve = %v, want the data error", err)
		}
	})
	t.Run("a post a fake cannot adopt stops Open", func(t *testing.T) {
		dir := writeLedger(t, strings.Replace(good, "1500000000000000000", "not-a-number", 1))
		err := sandbox.New(sandbox.Options{DataDir: dir}).Open()
		if err == nil || !strings.Contains(err.Error(), "not-a-number") || !strings.Contains(err.Error(), fakenet.LedgerFileName) {
			t.Errorf("Open = %v, want an error naming the post and the file", err)
		}
	})
	t.Run("a record cut short at the end is dropped and the rest kept", func(t *testing.T) {
		dir := writeLedger(t, good+`{"v":1,"op":"add","po`)
		s := sandbox.New(sandbox.Options{DataDir: dir})
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := len(s.Ledger().Posts()); got != 1 {
			t.Errorf("posts = %d, want 1", got)
		}
	})
	t.Run("without DataDir nothing is written", func(t *testing.T) {
		s := sandbox.New(sandbox.Options{})
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		if err := s.Ledger().Add(fakenet.Post{Network: "x", RemoteID: "1", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

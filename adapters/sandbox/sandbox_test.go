package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"
	fb "github.com/huandu/facebook/v2"
	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/youtube/v3"

	graphfake "pregonero/adapters/graph/fake"
	"pregonero/adapters/sandbox"
	xfake "pregonero/adapters/x/fake"
	ytfake "pregonero/adapters/youtube/fake"
	"pregonero/media/mediatest"
)

// start serves a sandbox on a free port until the test ends and returns
// its base URL.
func start(t *testing.T, s *sandbox.Sandbox) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v after cancel, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, url, contentType, body string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	return c.Do(req)
}

func xClient(user string) *http.Client {
	return oauth1.NewConfig(xfake.ConsumerKey, xfake.ConsumerSecret).
		Client(context.Background(), oauth1.NewToken(xfake.AccessToken(user), xfake.AccessTokenSecret(user)))
}

func TestSandbox(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	base := start(t, s)

	t.Run("health lists the networks", func(t *testing.T) {
		status, body := get(t, base+"/_sandbox/health")
		if status != http.StatusOK || strings.TrimSpace(body) != `{"status":"ok","networks":["x","facebook","instagram","youtube"]}` {
			t.Errorf("status %d body %s", status, body)
		}
	})

	t.Run("X posts signed for the /x base URL are accepted and listed", func(t *testing.T) {
		res, err := post(t, xClient("gobantioquia"), base+"/x/2/tweets", "application/json", `{"text":"Hola desde el sandbox"}`)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("status = %d, want 201", res.StatusCode)
		}
		status, body := get(t, base+"/_sandbox/posts")
		want := regexp.MustCompile(`^\{"posts":\[\{"network":"x","account":"gobantioquia","remote_id":"[0-9]+","text":"Hola desde el sandbox","media":\[\],"created_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z"\}\]\}$`)
		if status != http.StatusOK || !want.MatchString(strings.TrimSpace(body)) {
			t.Errorf("status %d body %s, want %s", status, body, want)
		}
		var parsed struct {
			Posts []struct {
				CreatedAt time.Time `json:"created_at"`
			} `json:"posts"`
		}
		json.Unmarshal([]byte(body), &parsed)
		if d := time.Since(parsed.Posts[0].CreatedAt); d < 0 || d > time.Minute {
			t.Errorf("created_at %v is not now", parsed.Posts[0].CreatedAt)
		}
	})

	t.Run("drop_after_accept fault: connection error and the post is listed", func(t *testing.T) {
		res, err := post(t, http.DefaultClient, base+"/_sandbox/faults", "application/json",
			`{"network":"x","op":"create","mode":"drop_after_accept","count":1}`)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("add fault: status %d", res.StatusCode)
		}
		res, err = post(t, xClient("gobantioquia"), base+"/x/2/tweets", "application/json", `{"text":"¿Salió?"}`)
		if err == nil {
			res.Body.Close()
			t.Fatalf("status %d, want a connection error", res.StatusCode)
		}
		_, body := get(t, base+"/_sandbox/posts?network=x&account=gobantioquia")
		if !strings.Contains(body, `"text":"¿Salió?"`) {
			t.Errorf("posts = %s, want the dropped post", body)
		}
		_, faults := get(t, base+"/_sandbox/faults")
		if strings.TrimSpace(faults) != `{"faults":[]}` {
			t.Errorf("faults = %s, want the count-1 rule spent", faults)
		}
	})

	t.Run("fault for an unknown network is refused", func(t *testing.T) {
		res, err := post(t, http.DefaultClient, base+"/_sandbox/faults", "application/json", `{"network":"myspace","op":"create","mode":"error"}`)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "unknown network") {
			t.Errorf("status %d body %s, want 400 unknown network", res.StatusCode, b)
		}
	})

	t.Run("DELETE clears the faults", func(t *testing.T) {
		post(t, http.DefaultClient, base+"/_sandbox/faults", "application/json", `{"network":"x","op":"*","mode":"error","status":503}`)
		req, _ := http.NewRequest("DELETE", base+"/_sandbox/faults", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		res, err = post(t, xClient("gobantioquia"), base+"/x/2/tweets", "application/json", `{"text":"after clearing"}`)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Errorf("status %d, want 201", res.StatusCode)
		}
	})

	t.Run("mounted fakes are served and listed", func(t *testing.T) {
		s.Mount("mastodon", "/mastodon", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, r.URL.Path)
		}))
		if status, body := get(t, base+"/mastodon/api/v1/statuses"); status != http.StatusOK || body != "/mastodon/api/v1/statuses" {
			t.Errorf("status %d body %q, want the full path", status, body)
		}
		if _, body := get(t, base+"/_sandbox/health"); !strings.Contains(body, `"networks":["x","facebook","instagram","youtube","mastodon"]`) {
			t.Errorf("health = %s", body)
		}
	})

	t.Run("unknown paths are a JSON 404", func(t *testing.T) {
		status, body := get(t, base+"/nothing")
		if status != http.StatusNotFound || !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("status %d body %s", status, body)
		}
	})
}

func TestSandboxGraph(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	base := start(t, s)
	const page = "4242"
	app := fb.New(graphfake.DefaultAppID, graphfake.DefaultAppSecret)
	app.EnableAppsecretProof = true
	session := app.Session(graphfake.PageToken(page))
	session.BaseURL, session.Version = base+"/graph/", "v25.0"

	t.Run("the Graph fake answers under /graph/v25.0/", func(t *testing.T) {
		res, err := session.Get("/me", fb.Params{"fields": "id,name,instagram_business_account"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Get("id") != page || res.Get("instagram_business_account.id") != graphfake.LinkedInstagram(page) {
			t.Errorf("me = %v", res)
		}
	})

	t.Run("a page post is listed under network facebook", func(t *testing.T) {
		res, err := session.Post("/"+page+"/feed", fb.Params{"message": "Hola desde la página"})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.Get("id").(string)
		status, body := get(t, base+"/_sandbox/posts?network=facebook")
		want := regexp.MustCompile(`^\{"posts":\[\{"network":"facebook","account":"` + page + `","remote_id":"` + regexp.QuoteMeta(id) +
			`","text":"Hola desde la página","media":\[\],"created_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z"\}\]\}$`)
		if status != http.StatusOK || id == "" || !want.MatchString(strings.TrimSpace(body)) {
			t.Errorf("status %d body %s, want %s", status, body, want)
		}
		if _, body := get(t, base+"/_sandbox/posts?network=x"); strings.Contains(body, "facebook") {
			t.Errorf("x posts = %s", body)
		}
	})

	t.Run("facebook faults are accepted and injected", func(t *testing.T) {
		res, err := post(t, http.DefaultClient, base+"/_sandbox/faults", "application/json",
			`{"network":"facebook","op":"create","mode":"error","status":400,"code":368,"count":1}`)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("add fault: status %d", res.StatusCode)
		}
		_, err = session.Post("/"+page+"/feed", fb.Params{"message": "bloqueada"})
		var fe *fb.Error
		if !errors.As(err, &fe) || fe.Code != 368 {
			t.Errorf("err = %v, want code 368", err)
		}
	})

	t.Run("instagram faults are accepted", func(t *testing.T) {
		res, err := post(t, http.DefaultClient, base+"/_sandbox/faults", "application/json",
			`{"network":"instagram","op":"fetch","mode":"error","count":1}`)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Errorf("add fault: status %d", res.StatusCode)
		}
	})

	t.Run("the accessor is the mounted fake", func(t *testing.T) {
		if s.Graph() == nil || s.Graph().Ledger() != s.Ledger() || s.Graph().Faults() != s.Faults() {
			t.Error("Graph() does not share the sandbox ledger and faults")
		}
	})

	t.Run("the 404 names /graph/", func(t *testing.T) {
		if _, body := get(t, base+"/nothing"); !strings.Contains(body, "/graph/") {
			t.Errorf("body = %s", body)
		}
	})
}

func TestListenAndServeStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sandbox.New(sandbox.Options{}).ListenAndServe(ctx, "127.0.0.1:0") }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ListenAndServe did not return")
	}
}

func TestListenAndServeReportsBusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = sandbox.New(sandbox.Options{}).ListenAndServe(context.Background(), ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "sandbox listen") {
		t.Errorf("err = %v, want a listen error", err)
	}
}

func TestSandboxYouTube(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	base := start(t, s)
	endpoint := base + "/youtube"
	const channel = "gobantioquia"
	conf := &oauth2.Config{ClientID: ytfake.ClientID, ClientSecret: ytfake.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: endpoint + "/token"}, Scopes: []string{youtube.YoutubeUploadScope}}
	client := conf.Client(t.Context(), &oauth2.Token{RefreshToken: ytfake.RefreshToken(channel)})
	svc, err := youtube.NewService(t.Context(), option.WithEndpoint(endpoint+"/"), option.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	insert := func(title string, media []byte, chunk int) (*youtube.Video, error) {
		return svc.Videos.Insert([]string{"snippet", "status"}, &youtube.Video{
			Snippet: &youtube.VideoSnippet{Title: title}, Status: &youtube.VideoStatus{PrivacyStatus: "public"},
		}).Media(bytes.NewReader(media), googleapi.ChunkSize(chunk)).Do()
	}

	t.Run("the YouTube fake answers under /youtube/ with a refreshed token", func(t *testing.T) {
		res, err := svc.Channels.List([]string{"contentDetails"}).Mine(true).Do()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 || res.Items[0].ContentDetails.RelatedPlaylists.Uploads != ytfake.UploadsPlaylist(channel) {
			t.Errorf("channels = %+v", res.Items)
		}
	})

	t.Run("a resumable upload completes and is listed under network youtube", func(t *testing.T) {
		v, err := insert("Rendición de cuentas", mediatest.MP4(700<<10, 5000, 1280, 720, 1), 256<<10)
		if err != nil {
			t.Fatal(err)
		}
		status, body := get(t, base+"/_sandbox/posts?network=youtube")
		want := regexp.MustCompile(`^\{"posts":\[\{"network":"youtube","account":"` + ytfake.ChannelID(channel) + `","remote_id":"` +
			regexp.QuoteMeta(v.Id) + `","text":"Rendición de cuentas","media":\[\{"id":"` + regexp.QuoteMeta(v.Id) +
			`","type":"video/mp4","size":716800\}\],"created_at":"[0-9T:.Z-]+"\}\]\}$`)
		if status != http.StatusOK || !want.MatchString(strings.TrimSpace(body)) {
			t.Errorf("status %d body %s, want %s", status, body, want)
		}
	})

	t.Run("youtube faults are accepted and injected", func(t *testing.T) {
		res, err := post(t, http.DefaultClient, base+"/_sandbox/faults", "application/json",
			`{"network":"youtube","op":"insert","mode":"error","status":503,"count":1}`)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("add fault: status %d", res.StatusCode)
		}
		_, err = insert("Con falla", mediatest.MP4(20<<10, 5000, 1280, 720, 2), 1<<20)
		var ge *googleapi.Error
		if !errors.As(err, &ge) || ge.Code != 503 || len(ge.Errors) == 0 || ge.Errors[0].Reason != "backendError" {
			t.Errorf("err = %v, want 503 backendError", err)
		}
	})

	t.Run("the accessor is the mounted fake", func(t *testing.T) {
		if s.YouTube() == nil || s.YouTube().Ledger() != s.Ledger() || s.YouTube().Faults() != s.Faults() {
			t.Error("YouTube() does not share the sandbox ledger and faults")
		}
		if up, _ := s.YouTube().Quota(); up != 1 {
			t.Errorf("uploads charged = %d, want 1 (the refused insert is not charged)", up)
		}
	})

	t.Run("the 404 names /youtube/", func(t *testing.T) {
		if _, body := get(t, base+"/nothing"); !strings.Contains(body, "/youtube/") {
			t.Errorf("body = %s", body)
		}
	})
}

package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ytfake "pregonero/adapters/youtube/fake"
	main "pregonero/cmd/pregonero"
	"pregonero/media/mediatest"
	"pregonero/store"
)

// writeYouTubeConfig writes a configuration with one YouTube account per
// sandbox channel; extra is appended to the youtube section.
func writeYouTubeConfig(t testing.TB, dir, sandboxAddr string, embedded bool, youtube string, channels ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: 127.0.0.1:0\ndata_dir: %s\ntimezone: America/Bogota\n", filepath.Join(dir, "data"))
	fmt.Fprintf(&b, "log: {format: text, level: warn}\n")
	fmt.Fprintf(&b, "sandbox: {embedded: %v, listen: %q}\n", embedded, sandboxAddr)
	fmt.Fprintf(&b, "publisher: {reconcile_delay: 200ms, backoff_base: 200ms, backoff_cap: 2s, past_grace: 2m}\n")
	// The sandbox lists a video as soon as it is uploaded.
	fmt.Fprintf(&b, "youtube: {chunk_size: 262144, playlist_lag: -1s%s}\n", youtube)
	b.WriteString("accounts:\n")
	for _, ch := range channels {
		fmt.Fprintf(&b, "  - id: yt-%s\n    network: youtube\n    name: Canal %s\n    endpoint: sandbox\n", ch, ch)
		fmt.Fprintf(&b, "    credentials: {client_id: %s, client_secret: %s, refresh_token: %s}\n", ytfake.ClientID, ytfake.ClientSecret, ytfake.RefreshToken(ch))
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustRunYouTubeMain(t *testing.T, youtube string, channels ...string) (*main.Main, *api) {
	t.Helper()
	m := main.NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"-config", writeYouTubeConfig(t, t.TempDir(), "127.0.0.1:0", true, youtube, channels...)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, newAPI(t, "http://"+m.Addr, m.Config.DataDir)
}

// videoPost is the body of a post for a YouTube account.
func videoPost(account, title, video string, at time.Time) map[string]any {
	body := map[string]any{
		"text":    "Informe semanal del Gobernador: " + title,
		"media":   []string{video},
		"targets": []string{account},
		"overrides": map[string]any{account: map[string]any{
			"title": title, "made_for_kids": false, "category": "25", "language": "es", "tags": []string{"Antioquia", "Gobernación"},
		}},
	}
	if !at.IsZero() {
		body["scheduled_at"] = at.UTC().Format(time.RFC3339Nano)
	}
	return body
}

type videoDelivery struct {
	ID            string    `json:"id"`
	State         string    `json:"state"`
	ScheduledAt   time.Time `json:"scheduled_at"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	PublishedAt   time.Time `json:"published_at"`
	RemoteID      string    `json:"remote_id"`
	URL           string    `json:"url"`
	Progress      *struct {
		SentBytes  int64 `json:"sent_bytes"`
		TotalBytes int64 `json:"total_bytes"`
	} `json:"progress"`
	LastError *struct {
		Class   string `json:"class"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"last_error"`
	Attempts []struct {
		Outcome    string `json:"outcome"`
		Message    string `json:"message"`
		Reconciled string `json:"reconciled"`
	} `json:"attempts"`
}

func waitVideo(t *testing.T, a *api, postID string, ok func(videoDelivery) bool) videoDelivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var p struct {
			Deliveries []videoDelivery `json:"deliveries"`
		}
		a.do("GET", "/api/v1/posts/"+postID, nil, &p)
		if len(p.Deliveries) == 1 && ok(p.Deliveries[0]) {
			return p.Deliveries[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("post %s never reached the state: %+v", postID, p.Deliveries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestYouTubeEndToEnd(t *testing.T) {
	m, a := mustRunYouTubeMain(t, ", upload_ahead: 1h, upload_ahead_min_size: 1048576, uploads_per_day: 4", "gobantioquia")
	small := a.upload("informe.mp4", mediatest.MP4(600<<10, 95_000, 1280, 720, 1), "")
	large := a.upload("informe-largo.mp4", mediatest.MP4(1200<<10, 600_000, 1920, 1080, 2), "")
	thumb := a.upload("miniatura.jpg", mediatest.JPEG(1280, 720, 3), "")

	t.Run("SmallVideoGoesOutAtItsTimeWithProgress", func(t *testing.T) {
		body := videoPost("yt-gobantioquia", "Informe semanal 48", small, time.Time{})
		body["overrides"].(map[string]any)["yt-gobantioquia"].(map[string]any)["thumbnail"] = thumb
		var p postView
		if code := a.do("POST", "/api/v1/posts", body, &p); code != http.StatusCreated {
			t.Fatalf("create: %d", code)
		}
		d := waitVideo(t, a, p.ID, func(d videoDelivery) bool { return d.State == "published" })
		// A sandbox post's link opens the sandbox's page for it, never
		// youtube.com, where no such video exists.
		if d.URL != "http://"+m.SandboxAddr+"/youtube/watch?v="+d.RemoteID || d.RemoteID == "" {
			t.Errorf("got url %q remote id %q", d.URL, d.RemoteID)
		}
		if d.Progress == nil || d.Progress.SentBytes != d.Progress.TotalBytes || d.Progress.TotalBytes < 600<<10 {
			t.Errorf("got progress %+v, want the whole file", d.Progress)
		}
		n := 0
		for _, sp := range getSandboxPosts(t, m.SandboxAddr).Posts {
			if sp.Network == "youtube" && sp.Text == "Informe semanal 48" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("video appears %d times in the sandbox, want 1", n)
		}
	})

	t.Run("LargeVideoIsUploadedAheadAsScheduled", func(t *testing.T) {
		at := time.Now().Add(30 * time.Minute).Truncate(time.Second)
		var p struct {
			ID         string          `json:"id"`
			Deliveries []videoDelivery `json:"deliveries"`
		}
		if code := a.do("POST", "/api/v1/posts", videoPost("yt-gobantioquia", "Rendición de cuentas 2026", large, at), &p); code != http.StatusCreated {
			t.Fatalf("create: %d", code)
		}
		// An hour ahead is in the past: it starts now, not at its time.
		if next := p.Deliveries[0].NextAttemptAt; time.Until(next) > time.Second {
			t.Errorf("starts at %v, want now (an hour ahead of %v is past)", next, at)
		}
		d := waitVideo(t, a, p.ID, func(d videoDelivery) bool { return d.State == "published" })
		if !d.PublishedAt.Equal(at) {
			t.Errorf("published at %v, want the scheduled instant %v", d.PublishedAt, at)
		}
		if got := m.Sandbox.YouTube().Video(d.RemoteID); got.PrivacyStatus != "private" || !got.PublishAt.Equal(at) {
			t.Errorf("on YouTube: %+v, want private until %v", got, at)
		}
	})

	t.Run("EditingInALargeVideoPlansItAhead", func(t *testing.T) {
		at := time.Now().Add(3 * time.Hour).Truncate(time.Second)
		var p struct {
			ID         string          `json:"id"`
			Deliveries []videoDelivery `json:"deliveries"`
		}
		if code := a.do("POST", "/api/v1/posts", videoPost("yt-gobantioquia", "Informe editado", small, at), &p); code != http.StatusCreated {
			t.Fatalf("create: %d", code)
		}
		if !p.Deliveries[0].NextAttemptAt.Equal(at) {
			t.Fatalf("a small video starts at %v, want its time %v", p.Deliveries[0].NextAttemptAt, at)
		}
		if code := a.do("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"media": []string{large}}, &p); code != http.StatusOK {
			t.Fatalf("patch: %d", code)
		}
		if want := at.Add(-time.Hour); !p.Deliveries[0].NextAttemptAt.Equal(want) {
			t.Errorf("after the edit it starts at %v, want an hour ahead: %v", p.Deliveries[0].NextAttemptAt, want)
		}
		later := at.Add(24 * time.Hour)
		if code := a.do("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"scheduled_at": later.Format(time.RFC3339)}, &p); code != http.StatusOK {
			t.Fatalf("patch the time: %d", code)
		}
		if want := later.Add(-time.Hour); !p.Deliveries[0].NextAttemptAt.Equal(want) {
			t.Errorf("moved a day later it starts at %v, want the hour ahead kept: %v", p.Deliveries[0].NextAttemptAt, want)
		}
		earlier := at.Add(-30 * time.Minute)
		if code := a.do("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"scheduled_at": earlier.Format(time.RFC3339)}, &p); code != http.StatusOK {
			t.Fatalf("patch the time: %d", code)
		}
		if want := earlier.Add(-time.Hour); !p.Deliveries[0].NextAttemptAt.Equal(want) {
			t.Errorf("moved half an hour earlier it starts at %v, want an hour ahead of the new time: %v", p.Deliveries[0].NextAttemptAt, want)
		}
		if code := a.do("PATCH", "/api/v1/posts/"+p.ID, map[string]any{"media": []string{small}, "scheduled_at": at.Format(time.RFC3339)}, &p); code != http.StatusOK || !p.Deliveries[0].NextAttemptAt.Equal(at) {
			t.Errorf("back to the small video: %d, starts at %v, want %v", code, p.Deliveries[0].NextAttemptAt, at)
		}
		a.do("POST", "/api/v1/posts/"+p.ID+"/cancel", nil, nil)
	})

	t.Run("CancelingBeforeItsTimeTakesTheUploadBack", func(t *testing.T) {
		at := time.Now().Add(40 * time.Minute).Truncate(time.Second)
		early := a.upload("anticipado.mp4", mediatest.MP4(1200<<10, 300_000, 1920, 1080, 6), "")
		var p postView
		if code := a.do("POST", "/api/v1/posts", videoPost("yt-gobantioquia", "Anuncio embargado", early, at), &p); code != http.StatusCreated {
			t.Fatalf("create: %d", code)
		}
		d := waitVideo(t, a, p.ID, func(d videoDelivery) bool { return d.State == "published" })
		var got struct {
			Status     string          `json:"status"`
			Deliveries []videoDelivery `json:"deliveries"`
		}
		if code := a.do("POST", "/api/v1/posts/"+p.ID+"/cancel", nil, &got); code != http.StatusOK {
			t.Fatalf("cancel: %d", code)
		}
		if got.Status != "canceled" || got.Deliveries[0].State != "canceled" {
			t.Errorf("got %s / %s, want canceled", got.Status, got.Deliveries[0].State)
		}
		if v := m.Sandbox.YouTube().Video(d.RemoteID); v.ID != "" {
			t.Errorf("the video is still on YouTube: %+v", v)
		}
	})

	t.Run("SpentUploadQuotaWaitsForPacificMidnight", func(t *testing.T) {
		// uploads_per_day is 4: three went out above, one is left.
		var p1, p2 postView
		// YouTube refuses the same bytes twice on a channel: new files.
		third := a.upload("vias.mp4", mediatest.MP4(600<<10, 95_000, 1280, 720, 4), "")
		fourth := a.upload("plan.mp4", mediatest.MP4(600<<10, 95_000, 1280, 720, 5), "")
		a.do("POST", "/api/v1/posts", videoPost("yt-gobantioquia", "Vías 4G avance", third, time.Time{}), &p1)
		waitVideo(t, a, p1.ID, func(d videoDelivery) bool { return d.State == "published" })
		a.do("POST", "/api/v1/posts", videoPost("yt-gobantioquia", "Plan de Desarrollo", fourth, time.Time{}), &p2)
		d := waitVideo(t, a, p2.ID, func(d videoDelivery) bool { return d.State == "queued" && d.LastError != nil })
		la, _ := time.LoadLocation("America/Los_Angeles")
		now := time.Now().In(la)
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, la)
		if !d.NextAttemptAt.Equal(midnight) {
			t.Errorf("waits until %v, want Pacific midnight %v", d.NextAttemptAt, midnight)
		}
		if d.LastError == nil || d.LastError.Class != "rate_limited" || !strings.Contains(d.LastError.Message, "quota") {
			t.Errorf("got last error %+v, want a rate limit that names the quota", d.LastError)
		}
	})

	t.Run("BadInputIsRefusedAtCreation", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			edit  func(o map[string]any, body map[string]any)
			field string
		}{
			{"TitleTooLong", func(o, _ map[string]any) { o["title"] = strings.Repeat("a", 101) }, "title"},
			{"TitleWithAngleBracket", func(o, _ map[string]any) { o["title"] = "Informe <en vivo>" }, "title"},
			{"NoVideo", func(_, b map[string]any) { b["media"] = []string{thumb} }, "media"},
			{"MadeForKidsUnanswered", func(o, _ map[string]any) { delete(o, "made_for_kids") }, "made_for_kids"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := videoPost("yt-gobantioquia", "Informe", small, time.Time{})
				tc.edit(body["overrides"].(map[string]any)["yt-gobantioquia"].(map[string]any), body)
				var e struct {
					Error struct {
						Fields []struct{ Target, Field string } `json:"fields"`
					} `json:"error"`
				}
				if code := a.do("POST", "/api/v1/posts", body, &e); code != http.StatusUnprocessableEntity {
					t.Fatalf("got %d, want 422", code)
				}
				for _, f := range e.Error.Fields {
					if strings.Contains(f.Field, tc.field) {
						return
					}
				}
				t.Errorf("no error on %s: %+v", tc.field, e.Error.Fields)
			})
		}
	})
}

// TestCrashExactlyOnceYouTube kills the server with SIGKILL while videos
// are uploading chunk by chunk (each chunk held by the sandbox), restarts
// it, and checks that every video ends published and appears exactly once
// on the channel: an upload cut by the kill is reconciled by its marker tag
// and started again, never duplicated.
func TestCrashExactlyOnceYouTube(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	channels := []string{"gobantioquia", "educacion", "salud", "infraestructura"}
	c := startCrashRun(t, func(dir, sandboxAddr, _ string) string {
		return writeYouTubeConfig(t, dir, sandboxAddr, false, "", channels...)
	})
	a := c.api
	const videos = 16
	// YouTube refuses the same bytes twice on a channel: a file per video.
	var ids []string
	for i := range videos {
		ids = append(ids, a.upload(fmt.Sprintf("v%d.mp4", i), mediatest.MP4(1200<<10, int64(60_000+i), 1280, 720, uint8(i)), ""))
	}
	c.faults(
		`{"network":"youtube","op":"upload","mode":"delay","delay_ms":120}`,
		`{"network":"youtube","op":"upload","mode":"drop_after_accept","probability":0.05}`,
	)
	start := time.Now().Add(2 * time.Second)
	titles := map[string]bool{}
	var postIDs []string
	for i := range videos {
		title := fmt.Sprintf("Consejo de Gobierno %02d", i)
		titles[title] = true
		var p postView
		ch := channels[i%len(channels)]
		if code := a.do("POST", "/api/v1/posts", videoPost("yt-"+ch, title, ids[i], start.Add(time.Duration(i)*6*time.Second/videos)), &p); code != http.StatusCreated {
			t.Fatalf("create %d: %d", i, code)
		}
		postIDs = append(postIDs, p.ID)
	}
	c.killAndRestart(start, []time.Duration{1200 * time.Millisecond, 3200 * time.Millisecond, 5200 * time.Millisecond}, 300*time.Millisecond, 5, videos, 2)

	cut := 0
	c.waitPublished(postIDs, 60*time.Second, func(_ string, p crashPost) {
		for _, at := range p.Deliveries[0].Attempts {
			if at.Message == store.RecoverMessage && at.Reconciled == "absent" {
				cut++
			}
		}
	})
	t.Logf("%d uploads cut by a kill were reconciled absent and sent again", cut)
	if cut == 0 {
		t.Error("no kill landed during an upload")
	}
	seen := c.onNetworks()
	for title := range titles {
		if n := seen[[2]string{"youtube", title}]; n != 1 {
			t.Errorf("%q is on YouTube %d times, want 1", title, n)
		}
	}
}

func TestCLICreatesAVideoPost(t *testing.T) {
	m, a := mustRunYouTubeMain(t, "", "gobantioquia")
	dir := t.TempDir()
	video, thumb := filepath.Join(dir, "informe.mp4"), filepath.Join(dir, "miniatura.jpg")
	if err := os.WriteFile(video, mediatest.MP4(400<<10, 120_000, 1280, 720, 9), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(thumb, mediatest.JPEG(640, 360, 9), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, m, "", "post", "create", "-json", "-target", "yt-gobantioquia", "-text", "Informe del Gobernador",
		"-media", video, "-title", "Informe semanal 49", "-tags", "Antioquia, Gobernación", "-made-for-kids", "false", "-thumbnail", thumb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	d := waitVideo(t, a, p.ID, func(d videoDelivery) bool { return d.State == "published" })
	v := m.Sandbox.YouTube().Video(d.RemoteID)
	if v.Title != "Informe semanal 49" || v.SelfDeclaredMadeForKids == nil || *v.SelfDeclaredMadeForKids {
		t.Errorf("on YouTube: %+v", v)
	}
	if _, _, ok := m.Sandbox.YouTube().Thumbnail(d.RemoteID); !ok {
		t.Error("the thumbnail was not set")
	}
	if code, _, _ := cli(t, m, "", "post", "create", "-target", "yt-gobantioquia", "-media", video, "-made-for-kids", "maybe"); code != 2 {
		t.Errorf("bad -made-for-kids: exit %d, want 2", code)
	}
}

// YouTube accepts the upload of bytes the channel already has and rejects
// it while processing: the verification pass turns the delivery failed
// with YouTube's reason, while the first video stays published.
func TestYouTubeRejectionAfterProcessingFailsTheDelivery(t *testing.T) {
	m, a := mustRunYouTubeMain(t, "", "gobantioquia")
	video := a.upload("informe.mp4", mediatest.MP4(300<<10, 60_000, 1280, 720, 11), "")
	var first, again postView
	a.do("POST", "/api/v1/posts", videoPost("yt-gobantioquia", "Informe 50", video, time.Time{}), &first)
	waitVideo(t, a, first.ID, func(d videoDelivery) bool { return d.State == "published" })
	a.do("POST", "/api/v1/posts", videoPost("yt-gobantioquia", "Informe 50 (otra vez)", video, time.Time{}), &again)
	waitVideo(t, a, again.ID, func(d videoDelivery) bool { return d.State == "published" })

	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := m.Publisher.Verify(context.Background()); err != nil {
			t.Fatal(err)
		}
		var p struct {
			Deliveries []videoDelivery `json:"deliveries"`
		}
		a.do("GET", "/api/v1/posts/"+again.ID, nil, &p)
		if d := p.Deliveries[0]; d.State == "failed" {
			if d.LastError == nil || d.LastError.Code != "youtube_upload_rejected" || !strings.Contains(d.LastError.Message, "these bytes") {
				t.Errorf("got last error %+v, want YouTube's duplicate rejection", d.LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rejected video still shows %+v", p.Deliveries[0])
		}
		time.Sleep(300 * time.Millisecond)
	}
	waitVideo(t, a, first.ID, func(d videoDelivery) bool { return d.State == "published" })
}

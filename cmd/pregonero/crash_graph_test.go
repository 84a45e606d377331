package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	graphfake "pregonero/adapters/graph/fake"
	"pregonero/media/mediatest"
	"pregonero/store"
)

// writeGraphConfig writes a configuration with Facebook pages and their
// linked Instagram accounts on a separate sandbox process, media served to
// the sandbox from the server's own public_url.
func writeGraphConfig(t testing.TB, dir, sandboxAddr, publicURL string, pages ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: 127.0.0.1:0\ndata_dir: %s\ntimezone: America/Bogota\npublic_url: %s\n", filepath.Join(dir, "data"), publicURL)
	fmt.Fprintf(&b, "log: {format: text, level: warn}\n")
	fmt.Fprintf(&b, "sandbox: {embedded: false, listen: %q}\n", sandboxAddr)
	fmt.Fprintf(&b, "publisher: {reconcile_delay: 200ms, backoff_base: 200ms, backoff_cap: 2s, past_grace: 2m}\n")
	fmt.Fprintf(&b, "graph: {poll_interval: 50ms, poll_timeout: 20s}\n")
	b.WriteString("accounts:\n")
	for _, p := range pages {
		creds := fmt.Sprintf("{access_token: %s, app_id: %s, app_secret: %s}", graphfake.PageToken(p), graphfake.DefaultAppID, graphfake.DefaultAppSecret)
		fmt.Fprintf(&b, "  - id: fb-%s\n    network: facebook\n    name: Página %s\n    endpoint: sandbox\n    remote_id: %q\n    credentials: %s\n", p, p, p, creds)
		fmt.Fprintf(&b, "  - id: ig-%s\n    network: instagram\n    name: Instagram %s\n    endpoint: sandbox\n    remote_id: %q\n    credentials: %s\n", p, p, graphfake.LinkedInstagram(p), creds)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// uploadStatus sends a file to POST /api/v1/media and returns the status.
func (a *api) uploadStatus(name string, data []byte) int {
	a.t.Helper()
	resp := a.postFile(name, data, "")
	resp.Body.Close()
	return resp.StatusCode
}

// upload sends a file to POST /api/v1/media and returns its id.
func (a *api) upload(name string, data []byte, alt string) string {
	a.t.Helper()
	resp := a.postFile(name, data, alt)
	defer resp.Body.Close()
	var m struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated {
		a.t.Fatalf("upload %s: status %d", name, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		a.t.Fatal(err)
	}
	return m.ID
}

func (a *api) postFile(name string, data []byte, alt string) *http.Response {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if alt != "" {
		if err := mw.WriteField("alt_text", alt); err != nil {
			a.t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		a.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", a.base+"/api/v1/media", &body)
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp
}

// deliveryView is the part of a delivery the crash test inspects.
type deliveryView struct {
	ID         string            `json:"id"`
	Network    string            `json:"network"`
	State      string            `json:"state"`
	Checkpoint map[string]string `json:"checkpoint"`
	Attempts   []struct {
		Outcome    string `json:"outcome"`
		Code       string `json:"code"`
		Message    string `json:"message"`
		Reconciled string `json:"reconciled"`
	} `json:"attempts"`
}

// TestCrashExactlyOnceGraph publishes posts to Facebook pages and their
// Instagram accounts while the sandbox (its own process) delays container
// status reads, delays and drops media_publish answers, delays the reads
// that follow a publish and fails Facebook creates, and kills the server
// with SIGKILL four times. Instagram deliveries are killed between
// container creation and media_publish (recovered, reconciled absent, the
// checkpointed container published) and between media_publish and the
// recording of the result (recovered, reconciled found). At the end every
// post is published and appears exactly once on each network.
func TestCrashExactlyOnceGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	const pages, posts = 8, 96
	var ids []string
	for i := range pages {
		ids = append(ids, fmt.Sprintf("10%04d", i))
	}
	c := startCrashRun(t, func(dir, sandboxAddr, publicURL string) string {
		return writeGraphConfig(t, dir, sandboxAddr, publicURL, ids...)
	})
	a := c.api
	photo := a.upload("foto.jpg", mediatest.JPEG(320, 320, 1), "Puente sobre el río Cauca")
	photo2 := a.upload("foto2.jpg", mediatest.JPEG(320, 320, 90), "Vía al mar")
	c.faults(
		// Between container creation and media_publish.
		`{"network":"instagram","op":"status","mode":"delay","delay_ms":400,"probability":0.6}`,
		`{"network":"instagram","op":"publish","mode":"delay","delay_ms":300,"probability":0.3}`,
		// A publish whose answer is lost.
		`{"network":"instagram","op":"publish","mode":"drop_after_accept","probability":0.1}`,
		// Between media_publish and recording: the reads after a publish.
		`{"network":"instagram","op":"lookup","mode":"delay","delay_ms":500,"probability":0.6}`,
		`{"network":"facebook","op":"create","mode":"error","status":503,"probability":0.1}`,
		`{"network":"facebook","op":"create","mode":"drop_after_accept","probability":0.1}`,
		`{"network":"facebook","op":"create","mode":"delay","delay_ms":300,"probability":0.2}`,
	)

	start := time.Now().Add(2 * time.Second)
	var wants [][2]string // network, text
	var postIDs []string
	for i := range posts {
		page := ids[i%pages]
		text := fmt.Sprintf("Antioquia avanza %03d: entrega de obras en la subregión %d #Antioquia", i, i%9)
		body := map[string]any{"text": text, "scheduled_at": start.Add(time.Duration(i) * 8 * time.Second / posts).UTC().Format(time.RFC3339Nano)}
		switch i % 3 {
		case 0: // Instagram alone
			body["targets"], body["media"] = []string{"ig-" + page}, []string{photo}
			wants = append(wants, [2]string{"instagram", text})
		case 1: // both, with a carousel on Instagram
			body["targets"], body["media"] = []string{"ig-" + page, "fb-" + page}, []string{photo, photo2}
			wants = append(wants, [2]string{"instagram", text}, [2]string{"facebook", text})
		default: // Facebook text post
			body["targets"] = []string{"fb-" + page}
			wants = append(wants, [2]string{"facebook", text})
		}
		var p postView
		if code := a.do("POST", "/api/v1/posts", body, &p); code != http.StatusCreated {
			t.Fatalf("create %d: %d", i, code)
		}
		postIDs = append(postIDs, p.ID)
	}
	c.killAndRestart(start, []time.Duration{1500 * time.Millisecond, 3500 * time.Millisecond, 5500 * time.Millisecond, 7500 * time.Millisecond},
		400*time.Millisecond, 3, len(wants), 3)

	var beforePublish, afterPublish int
	c.waitPublished(postIDs, 60*time.Second, func(_ string, p crashPost) {
		for _, d := range p.Deliveries {
			for _, at := range d.Attempts {
				if d.Network != "instagram" || at.Message != store.RecoverMessage {
					continue
				}
				switch {
				case at.Reconciled == "absent" && d.Checkpoint["ig_container"] != "":
					beforePublish++
				case at.Reconciled == "found":
					afterPublish++
				}
			}
		}
	})
	t.Logf("Instagram deliveries killed before media_publish: %d, after it: %d", beforePublish, afterPublish)
	if beforePublish == 0 {
		t.Errorf("no Instagram delivery was killed between container creation and media_publish")
	}
	if afterPublish == 0 {
		t.Errorf("no Instagram delivery was killed between media_publish and recording its result")
	}
	seen := c.onNetworks()
	for _, w := range wants {
		if seen[w] != 1 {
			t.Errorf("%s %q appears %d times in the sandbox, want 1", w[0], w[1], seen[w])
		}
	}
	if len(seen) != len(wants) {
		t.Errorf("sandbox has %d distinct posts, want %d", len(seen), len(wants))
	}
}

package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
	t0 := time.Now()
	bin := buildBinary(t)
	dir := t.TempDir()
	sbAddr := freeAddr(t)
	sb := startProc(t, bin, "sandbox", "-listen", sbAddr)
	t.Cleanup(sb.kill9)
	waitHTTP(t, "http://"+sbAddr+"/_sandbox/posts", 10*time.Second)

	const pages, posts = 8, 96
	var ids []string
	for i := range pages {
		ids = append(ids, fmt.Sprintf("10%04d", i))
	}
	addr := freeAddr(t)
	cfg := writeGraphConfig(t, dir, sbAddr, "http://"+addr, ids...)
	serve := func() *proc {
		p := startProc(t, bin, "serve", "-config", cfg, "-listen", addr)
		waitHTTP(t, "http://"+addr+"/healthz", 10*time.Second)
		return p
	}
	srv := serve()
	t.Cleanup(func() { srv.kill9() })
	a := newAPI(t, "http://"+addr, filepath.Join(dir, "data"))

	photo := a.upload("foto.jpg", mediatest.JPEG(320, 320, 1), "Puente sobre el río Cauca")
	photo2 := a.upload("foto2.jpg", mediatest.JPEG(320, 320, 90), "Vía al mar")

	for _, f := range []string{
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
	} {
		resp, err := http.Post("http://"+sbAddr+"/_sandbox/faults", "application/json", strings.NewReader(f))
		if err != nil || resp.StatusCode >= 300 {
			t.Fatalf("fault %s: %v %v", f, err, resp)
		}
		resp.Body.Close()
	}

	start := time.Now().Add(2 * time.Second)
	type want struct{ network, text string }
	var wants []want
	var postIDs []string
	for i := range posts {
		page := ids[i%pages]
		text := fmt.Sprintf("Antioquia avanza %03d: entrega de obras en la subregión %d #Antioquia", i, i%9)
		body := map[string]any{"text": text, "scheduled_at": start.Add(time.Duration(i) * 8 * time.Second / posts).UTC().Format(time.RFC3339Nano)}
		switch i % 3 {
		case 0: // Instagram alone
			body["targets"], body["media"] = []string{"ig-" + page}, []string{photo}
			wants = append(wants, want{"instagram", text})
		case 1: // both, with a carousel on Instagram
			body["targets"], body["media"] = []string{"ig-" + page, "fb-" + page}, []string{photo, photo2}
			wants = append(wants, want{"instagram", text}, want{"facebook", text})
		default: // Facebook text post
			body["targets"] = []string{"fb-" + page}
			wants = append(wants, want{"facebook", text})
		}
		var p postView
		if code := a.do("POST", "/api/v1/posts", body, &p); code != http.StatusCreated {
			t.Fatalf("create %d: %d", i, code)
		}
		postIDs = append(postIDs, p.ID)
	}

	rng := rand.New(rand.NewPCG(3, 4))
	kills, midRun := 0, 0
	for _, off := range []time.Duration{1500, 3500, 5500, 7500} {
		time.Sleep(time.Until(start.Add(off*time.Millisecond + time.Duration(rng.IntN(400))*time.Millisecond)))
		n := len(getSandboxPosts(t, sbAddr).Posts)
		srv.kill9()
		kills++
		if n < len(wants) {
			midRun++
		}
		t.Logf("kill %d with %d of %d posts in the sandbox", kills, n, len(wants))
		srv = serve()
	}
	if midRun < 3 {
		t.Fatalf("only %d kills came while posts were going out", midRun)
	}
	req, _ := http.NewRequest("DELETE", "http://"+sbAddr+"/_sandbox/faults", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}

	var beforePublish, afterPublish int
	deadline := time.Now().Add(60 * time.Second)
	pending := append([]string(nil), postIDs...)
	for len(pending) > 0 {
		var next []string
		for _, id := range pending {
			var p struct {
				Status     string         `json:"status"`
				Deliveries []deliveryView `json:"deliveries"`
			}
			a.do("GET", "/api/v1/posts/"+id, nil, &p)
			switch p.Status {
			case "published":
				for _, d := range p.Deliveries {
					for _, at := range d.Attempts {
						if strings.HasSuffix(at.Code, "_duplicate") {
							t.Errorf("post %s delivery %s was refused as a duplicate: a second send", id, d.ID)
						}
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
			case "failed", "canceled", "held", "partially_published":
				t.Fatalf("post %s ended %s: %+v", id, p.Status, p)
			default:
				next = append(next, id)
			}
		}
		pending = next
		if len(pending) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d posts not published, e.g. %s\nserver log:\n%s", len(pending), pending[0], tail(srv.out.String(), 3000))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("all published at %v; Instagram deliveries killed before media_publish: %d, after it: %d", time.Since(t0), beforePublish, afterPublish)
	if beforePublish == 0 {
		t.Errorf("no Instagram delivery was killed between container creation and media_publish")
	}
	if afterPublish == 0 {
		t.Errorf("no Instagram delivery was killed between media_publish and recording its result")
	}

	sp := getSandboxPosts(t, sbAddr)
	seen := map[want]int{}
	for _, p := range sp.Posts {
		seen[want{p.Network, p.Text}]++
	}
	for _, w := range wants {
		if seen[w] != 1 {
			t.Errorf("%s %q appears %d times in the sandbox, want 1", w.network, w.text, seen[w])
		}
	}
	if len(sp.Posts) != len(wants) {
		t.Errorf("sandbox has %d posts, want %d", len(sp.Posts), len(wants))
	}
}

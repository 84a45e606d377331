package main_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles the real binary once for the process tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pregonero")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(t *testing.T, url string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready: %v", url, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type proc struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return &proc{cmd: cmd, out: &out}
}

func (p *proc) kill9() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// TestCrashExactlyOnce publishes 300 posts across 20 sandbox users while
// the sandbox (its own process) injects 5xx errors, drops connections after
// accepting posts and delays answers, and kills the server with SIGKILL at
// least three times mid-run. At the end every post is published and
// appears exactly once in the sandbox, and no attempt was refused by the
// network as a duplicate (which would mean a second send).
func TestCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	t0 := time.Now()
	bin := buildBinary(t)
	t.Logf("built in %v", time.Since(t0))
	dir := t.TempDir()
	sbAddr := freeAddr(t)
	sb := startProc(t, bin, "sandbox", "-listen", sbAddr)
	t.Cleanup(sb.kill9)
	waitHTTP(t, "http://"+sbAddr+"/_sandbox/posts", 10*time.Second)

	const users, posts = 20, 300
	var names []string
	for i := 0; i < users; i++ {
		names = append(names, fmt.Sprintf("u%02d", i))
	}
	cfg := writeConfig(t, dir, false, sbAddr, names...)
	addr := freeAddr(t)
	serve := func() *proc {
		p := startProc(t, bin, "serve", "-config", cfg, "-listen", addr)
		waitHTTP(t, "http://"+addr+"/healthz", 10*time.Second)
		return p
	}
	srv := serve()
	t.Cleanup(func() { srv.kill9() })
	a := newAPI(t, "http://"+addr, filepath.Join(dir, "data"))

	for _, f := range []string{
		`{"network":"x","op":"create","mode":"error","status":503,"probability":0.1}`,
		`{"network":"x","op":"create","mode":"drop_after_accept","probability":0.1}`,
		`{"network":"x","op":"create","mode":"delay","delay_ms":300,"probability":0.2}`,
		`{"network":"x","op":"timeline","mode":"error","status":503,"probability":0.1}`,
	} {
		resp, err := http.Post("http://"+sbAddr+"/_sandbox/faults", "application/json", strings.NewReader(f))
		if err != nil || resp.StatusCode >= 300 {
			t.Fatalf("fault %s: %v %v", f, err, resp)
		}
		resp.Body.Close()
	}

	// Posts due over the next 8 seconds, created through the API.
	start := time.Now().Add(2 * time.Second)
	texts := map[string]bool{}
	ids := make([]string, 0, posts)
	for i := 0; i < posts; i++ {
		text := fmt.Sprintf("Boletín %03d de la Gobernación: obras en el municipio %d #Antioquia", i, i*7%125)
		texts[text] = true
		at := start.Add(time.Duration(i) * 8 * time.Second / posts)
		var p postView
		if code := a.do("POST", "/api/v1/posts", map[string]any{"text": text, "targets": []string{"x-" + names[i%users]},
			"scheduled_at": at.UTC().Format(time.RFC3339Nano)}, &p); code != http.StatusCreated {
			t.Fatalf("create %d: %d", i, code)
		}
		ids = append(ids, p.ID)
	}

	// Kill -9 and restart four times across the publishing window; at
	// least three must land while posts are still going out.
	rng := rand.New(rand.NewPCG(1, 2))
	kills, midRun := 0, 0
	for _, off := range []time.Duration{1500, 3500, 5500, 7500} {
		time.Sleep(time.Until(start.Add(off*time.Millisecond + time.Duration(rng.IntN(400))*time.Millisecond)))
		n := len(getSandboxPosts(t, sbAddr).Posts)
		srv.kill9()
		kills++
		if n < posts {
			midRun++
		}
		t.Logf("kill %d with %d of %d posts in the sandbox", kills, n, posts)
		srv = serve()
	}
	if midRun < 3 {
		t.Fatalf("only %d kills came while posts were going out", midRun)
	}
	t.Logf("kills done at %v", time.Since(t0))
	// Clear the faults and let everything settle.
	req, _ := http.NewRequest("DELETE", "http://"+sbAddr+"/_sandbox/faults", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	deadline := time.Now().Add(40 * time.Second)
	pending := append([]string(nil), ids...)
	for len(pending) > 0 {
		var next []string
		for _, id := range pending {
			var p postView
			a.do("GET", "/api/v1/posts/"+id, nil, &p)
			switch p.Status {
			case "published":
				for _, d := range p.Deliveries {
					for _, at := range d.Attempts {
						if at.Code == "x_duplicate" {
							t.Errorf("post %s was sent twice: the network refused a duplicate", id)
						}
					}
				}
			case "failed", "canceled", "held":
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
	t.Logf("all published at %v", time.Since(t0))
	sp := getSandboxPosts(t, sbAddr)
	seen := map[string]int{}
	for _, p := range sp.Posts {
		seen[p.Text]++
	}
	for text := range texts {
		if seen[text] != 1 {
			t.Errorf("%q appears %d times in the sandbox, want 1", text, seen[text])
		}
	}
	if len(sp.Posts) != posts {
		t.Errorf("sandbox has %d posts, want %d", len(sp.Posts), posts)
	}
	t.Logf("%d posts, %d kills, all published exactly once", posts, kills)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

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
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the real binary, compiled once for the process tests.
var binary struct {
	once sync.Once
	path string
	err  error
}

// buildBinary compiles the real binary once for the process tests; TestMain
// removes it.
func buildBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "pregonero-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "pregonero")
		cmd := exec.Command("go", "build", "-o", binary.path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.path != "" {
		os.RemoveAll(filepath.Dir(binary.path))
	}
	os.Exit(code)
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
	const users, posts = 20, 300
	var names []string
	for i := 0; i < users; i++ {
		names = append(names, fmt.Sprintf("u%02d", i))
	}
	c := startCrashRun(t, func(dir, sandboxAddr, _ string) string { return writeConfig(t, dir, false, sandboxAddr, names...) })
	c.faults(
		`{"network":"x","op":"create","mode":"error","status":503,"probability":0.1}`,
		`{"network":"x","op":"create","mode":"drop_after_accept","probability":0.1}`,
		`{"network":"x","op":"create","mode":"delay","delay_ms":300,"probability":0.2}`,
		`{"network":"x","op":"timeline","mode":"error","status":503,"probability":0.1}`,
	)

	// Posts due over the next 8 seconds, created through the API.
	start := time.Now().Add(2 * time.Second)
	texts := map[string]bool{}
	ids := make([]string, 0, posts)
	for i := 0; i < posts; i++ {
		text := fmt.Sprintf("Boletín %03d de la Gobernación: obras en el municipio %d #Antioquia", i, i*7%125)
		texts[text] = true
		at := start.Add(time.Duration(i) * 8 * time.Second / posts)
		var p postView
		if code := c.api.do("POST", "/api/v1/posts", map[string]any{"text": text, "targets": []string{"x-" + names[i%users]},
			"scheduled_at": at.UTC().Format(time.RFC3339Nano)}, &p); code != http.StatusCreated {
			t.Fatalf("create %d: %d", i, code)
		}
		ids = append(ids, p.ID)
	}

	// Kill -9 and restart four times across the publishing window; at
	// least three must land while posts are still going out.
	c.killAndRestart(start, []time.Duration{1500 * time.Millisecond, 3500 * time.Millisecond, 5500 * time.Millisecond, 7500 * time.Millisecond},
		400*time.Millisecond, 1, posts, 3)
	c.waitPublished(ids, 40*time.Second, nil)
	seen := c.onNetworks()
	for text := range texts {
		if n := seen[[2]string{"x", text}]; n != 1 {
			t.Errorf("%q appears %d times in the sandbox, want 1", text, n)
		}
	}
	if len(seen) != posts {
		t.Errorf("sandbox has %d distinct posts, want %d", len(seen), posts)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// crashRun is a server process killed with SIGKILL and restarted while a
// sandbox process, with fault rules, plays the networks.
type crashRun struct {
	t      *testing.T
	bin    string
	sbAddr string
	addr   string
	cfg    string
	srv    *proc
	api    *api
}

// startCrashRun starts the sandbox and the server; config writes the
// server's configuration for the sandbox address and the server's public
// address, in dir.
func startCrashRun(t *testing.T, config func(dir, sandboxAddr, publicURL string) string) *crashRun {
	t.Helper()
	c := &crashRun{t: t, bin: buildBinary(t), sbAddr: freeAddr(t), addr: freeAddr(t)}
	sb := startProc(t, c.bin, "sandbox", "-listen", c.sbAddr)
	t.Cleanup(sb.kill9)
	waitHTTP(t, "http://"+c.sbAddr+"/_sandbox/posts", 10*time.Second)
	dir := t.TempDir()
	c.cfg = config(dir, c.sbAddr, "http://"+c.addr)
	c.serve()
	t.Cleanup(func() { c.srv.kill9() })
	c.api = newAPI(t, "http://"+c.addr, filepath.Join(dir, "data"))
	return c
}

func (c *crashRun) serve() {
	c.t.Helper()
	c.srv = startProc(c.t, c.bin, "serve", "-config", c.cfg, "-listen", c.addr)
	waitHTTP(c.t, "http://"+c.addr+"/healthz", 10*time.Second)
}

// faults adds sandbox fault rules.
func (c *crashRun) faults(rules ...string) {
	c.t.Helper()
	for _, r := range rules {
		postJSON(c.t, "http://"+c.sbAddr+"/_sandbox/faults", r)
	}
}

// killAndRestart kills the server at each offset after start (plus up to
// jitter, seeded) and restarts it, then clears the fault rules. It fails
// the test unless at least minMidRun kills came while fewer than total
// posts were on the networks.
func (c *crashRun) killAndRestart(start time.Time, offsets []time.Duration, jitter time.Duration, seed uint64, total, minMidRun int) {
	c.t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	midRun := 0
	for k, off := range offsets {
		time.Sleep(time.Until(start.Add(off + time.Duration(rng.Int64N(int64(jitter))))))
		n := len(getSandboxPosts(c.t, c.sbAddr).Posts)
		c.srv.kill9()
		if n < total {
			midRun++
		}
		c.t.Logf("kill %d with %d of %d posts on the networks", k+1, n, total)
		c.serve()
	}
	if midRun < minMidRun {
		c.t.Fatalf("only %d kills came while posts were going out", midRun)
	}
	deleteURL(c.t, "http://"+c.sbAddr+"/_sandbox/faults")
}

// crashPost is what the crash tests read of a post.
type crashPost struct {
	Status     string         `json:"status"`
	Deliveries []deliveryView `json:"deliveries"`
}

// waitPublished waits until every post is published and calls check on
// each; a post that fails, is canceled or held stops the test.
func (c *crashRun) waitPublished(ids []string, timeout time.Duration, check func(id string, p crashPost)) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	pending := append([]string(nil), ids...)
	for len(pending) > 0 {
		var next []string
		for _, id := range pending {
			var p crashPost
			c.api.do("GET", "/api/v1/posts/"+id, nil, &p)
			switch p.Status {
			case "published":
				for _, d := range p.Deliveries {
					for _, at := range d.Attempts {
						if strings.HasSuffix(at.Code, "_duplicate") {
							c.t.Errorf("post %s delivery %s was refused as a duplicate: a second send", id, d.ID)
						}
					}
				}
				if check != nil {
					check(id, p)
				}
			case "failed", "canceled", "held", "partially_published":
				c.t.Fatalf("post %s ended %s: %+v", id, p.Status, p)
			default:
				next = append(next, id)
			}
		}
		pending = next
		if len(pending) > 0 {
			if time.Now().After(deadline) {
				c.t.Fatalf("%d posts not published, e.g. %s\nserver log:\n%s", len(pending), pending[0], tail(c.srv.out.String(), 3000))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// onNetworks counts the sandbox's posts by network and text.
func (c *crashRun) onNetworks() map[[2]string]int {
	c.t.Helper()
	seen := map[[2]string]int{}
	for _, p := range getSandboxPosts(c.t, c.sbAddr).Posts {
		seen[[2]string{p.Network, p.Text}]++
	}
	return seen
}

package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
	main "pregonero/cmd/pregonero"
)

// startMain starts Main with the configuration at path and the serve
// flags given.
func startMain(t *testing.T, path string, flags ...string) (*main.Main, error) {
	t.Helper()
	m := main.NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags(append([]string{"-config", path}, flags...)); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// httpGet returns the status and body of a GET.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The embedded sandbox keeps what it accepted in <data_dir>/sandbox: after
// a restart of serve the post is still listed and its link still opens,
// and a damaged file stops the start naming it.
func TestServeSandboxKeepsPostsAcrossRestarts(t *testing.T) {
	// A fixed sandbox address, as make run has: links keep their host.
	path := writeConfig(t, t.TempDir(), true, freeAddr(t), "gobantioquia")
	m, err := startMain(t, path)
	if err != nil {
		t.Fatal(err)
	}
	p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Sigue ahí tras reiniciar")
	waitStatus(t, m, p.ID, pregonero.PostPublished)
	p = createJSONOf(t, m, "post", "show", "-json", p.ID)
	link := p.Deliveries[0].URL
	if !strings.HasPrefix(link, "http://"+m.SandboxAddr+"/x/") {
		t.Fatalf("link %q is not the sandbox's", link)
	}
	dataDir, sandboxAddr := m.Config.DataDir, m.SandboxAddr
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	ledger := filepath.Join(dataDir, main.SandboxDataDir, fakenet.LedgerFileName)
	if _, err := os.Stat(ledger); err != nil {
		t.Fatalf("no sandbox data where documented: %v", err)
	}

	m, err = startMain(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if m.SandboxAddr != sandboxAddr {
		t.Fatalf("sandbox moved from %s to %s", sandboxAddr, m.SandboxAddr)
	}
	found := false
	for _, sp := range getSandboxPosts(t, m.SandboxAddr).Posts {
		found = found || (sp.Text == p.Text && sp.RemoteID == p.Deliveries[0].RemoteID)
	}
	if !found {
		t.Errorf("the sandbox forgot the post after a restart: %+v", getSandboxPosts(t, m.SandboxAddr).Posts)
	}
	if code, body := httpGet(t, link); code != http.StatusOK || !strings.Contains(body, "Sigue ahí tras reiniciar") {
		t.Errorf("link %s after a restart: %d\n%s", link, code, body)
	}
	// A new post gets a new id, not one of those kept.
	q := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Otra después de reiniciar")
	waitStatus(t, m, q.ID, pregonero.PostPublished)
	q = createJSONOf(t, m, "post", "show", "-json", q.ID)
	if q.Deliveries[0].RemoteID == p.Deliveries[0].RemoteID {
		t.Errorf("a new sandbox post reused the id %s", q.Deliveries[0].RemoteID)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	// A damaged ledger stops the start, naming the file.
	b, err := os.ReadFile(ledger)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ledger, append([]byte("{esto no es JSON}\n"), b...), 0o600); err != nil {
		t.Fatal(err)
	}
	if m, err := startMain(t, path); err == nil {
		m.Close()
		t.Fatal("serve started on a damaged sandbox ledger")
	} else if !strings.Contains(err.Error(), ledger) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("start on a damaged ledger: %v; want the file and line named", err)
	}
}

// lockedBuffer is a bytes.Buffer that a running command writes to while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pregonero sandbox -data DIR keeps what the fakes accepted across
// restarts.
func TestSandboxCommandKeepsDataAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sandbox")
	run := func() (addr string, stop func() string) {
		addr = freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		var errb lockedBuffer
		done := make(chan int, 1)
		go func() {
			done <- main.Run(ctx, []string{"sandbox", "-listen", addr, "-data", dir}, strings.NewReader(""), io.Discard, &errb)
		}()
		waitHTTP(t, "http://"+addr+"/_sandbox/health", 10*time.Second)
		return addr, func() string {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("sandbox exit %d: %s", code, errb.String())
			}
			return errb.String()
		}
	}
	addr, stop := run()
	req, _ := http.NewRequest("POST", "http://"+addr+"/x/2/tweets", strings.NewReader(`{"text":"Guardado en el sandbox"}`))
	req.Header.Set("Authorization", "Bearer sandbox-gobantioquia")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || err != nil || created.Data.ID == "" {
		t.Fatalf("POST /x/2/tweets: %d %v", resp.StatusCode, err)
	}
	stop()

	addr, stop = run()
	posts := getSandboxPosts(t, addr).Posts
	if len(posts) != 1 || posts[0].RemoteID != created.Data.ID || posts[0].Text != "Guardado en el sandbox" {
		t.Errorf("after a restart with the same -data: %+v", posts)
	}
	if code, body := httpGet(t, "http://"+addr+"/x/gobantioquia/status/"+created.Data.ID); code != http.StatusOK || !strings.Contains(body, "Guardado en el sandbox") {
		t.Errorf("link page after a restart: %d\n%s", code, body)
	}
	if logs := stop(); !strings.Contains(logs, "sandbox data loaded") || !strings.Contains(logs, "count=1") {
		t.Errorf("the log does not say what was loaded:\n%s", logs)
	}

	// A damaged file stops the start, naming it.
	ledger := filepath.Join(dir, fakenet.LedgerFileName)
	if err := os.WriteFile(ledger, []byte("{roto}\n{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := main.Run(context.Background(), []string{"sandbox", "-listen", freeAddr(t), "-data", dir}, strings.NewReader(""), &out, &errb); code != 1 || !strings.Contains(errb.String(), ledger) {
		t.Errorf("sandbox on a damaged file: exit %d, stderr %q", code, errb.String())
	}
}

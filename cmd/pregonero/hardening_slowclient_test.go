package main_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	main "pregonero/cmd/pregonero"
)

// mustRunMainWith starts Main like MustRunMain, with extra top-level
// YAML appended to its configuration.
func mustRunMainWith(t *testing.T, extra string, users ...string) *main.Main {
	t.Helper()
	path := writeConfig(t, t.TempDir(), true, "127.0.0.1:0", users...)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, extra); err != nil {
		t.Fatal(err)
	}
	f.Close()
	m := main.NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"-config", path}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// slowClient is one connection that sends its headers and half its body,
// then nothing more.
type slowClient struct {
	kind   string
	opened time.Time
	closed time.Time // when the server ended the connection; zero if it never did
	status int       // the answer, 0 if none
	err    error
}

func TestHardeningSlowClientsAreCutWhileTheServerAnswers(t *testing.T) {
	const (
		readTimeout = time.Second
		// The bound of the test: a connection still open this long after
		// it was opened was never cut.
		bound = 6 * time.Second
	)
	m := mustRunMainWith(t, "http: {read_timeout: 1s}\n", "gobantioquia")
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)
	half := strings.Repeat("x", 50000)
	requests := map[string]string{
		// Without a token: answered at once, the rest of the body unread.
		"no token": "POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n" + half,
		"media":    "GET /media/m_000000000000000000000000 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + half,
		// With the token: the handler reads until the read deadline.
		"token": "POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + a.token +
			"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"text\":\"" + half,
		// An upload gets longer only while it keeps the minimum rate.
		"upload": "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + a.token +
			"\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" + half,
	}
	var kinds []string
	for i := range 300 {
		kinds = append(kinds, []string{"no token", "media"}[i%2])
	}
	for range 30 {
		kinds = append(kinds, "token")
	}
	for range 5 {
		kinds = append(kinds, "upload")
	}

	clients := make([]*slowClient, len(kinds))
	var wg sync.WaitGroup
	for i, kind := range kinds {
		c, err := net.DialTimeout("tcp", m.Addr, time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		defer c.Close()
		sc := &slowClient{kind: kind, opened: time.Now()}
		clients[i] = sc
		c.SetDeadline(sc.opened.Add(bound))
		if _, err := io.WriteString(c, requests[kind]); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReader(c)
			if resp, err := http.ReadResponse(br, nil); err == nil {
				sc.status = resp.StatusCode
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			// The server must end the connection: EOF or a reset, not our
			// own deadline.
			_, err := io.Copy(io.Discard, br)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				sc.err = err
				return
			}
			sc.closed = time.Now()
		}()
	}
	attackDone := make(chan struct{})
	go func() { wg.Wait(); close(attackDone) }()

	// While the connections are held, the probes and an authenticated
	// request answer at once.
	probe := &http.Client{Timeout: 2 * time.Second}
	timed := func(name, path, token string) time.Duration {
		req, _ := http.NewRequest("GET", "http://"+m.Addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		start := time.Now()
		resp, err := probe.Do(req)
		d := time.Since(start)
		if err != nil {
			t.Fatalf("%s during the attack: %v", name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s during the attack: got %d", name, resp.StatusCode)
		}
		return d
	}
	for round := range 3 {
		for _, p := range []struct{ name, path, token string }{
			{"/healthz", "/healthz", ""},
			{"GET /api/v1/pause", "/api/v1/pause", a.token},
		} {
			d := timed(p.name, p.path, p.token)
			t.Logf("round %d: %s answered in %v", round, p.name, d)
			if d > 100*time.Millisecond {
				t.Errorf("round %d: %s answered in %v, want under 100ms", round, p.name, d)
			}
		}
		time.Sleep(150 * time.Millisecond)
	}

	select {
	case <-attackDone:
	case <-time.After(bound + 2*time.Second):
		t.Fatal("slow clients still running past the bound")
	}
	wantStatus := map[string]int{"no token": 401, "media": 403}
	late := map[string]int{}
	for i, sc := range clients {
		if sc.closed.IsZero() {
			late[sc.kind]++
			if late[sc.kind] == 1 {
				t.Errorf("client %d (%s): not cut within %v: %v", i, sc.kind, bound, sc.err)
			}
			continue
		}
		if d := sc.closed.Sub(sc.opened); d > readTimeout+2*time.Second {
			t.Errorf("client %d (%s): cut after %v, want within the %v read timeout and a little", i, sc.kind, d, readTimeout)
		}
		if want, ok := wantStatus[sc.kind]; ok && sc.status != want {
			t.Errorf("client %d (%s): got status %d, want %d", i, sc.kind, sc.status, want)
		}
	}
	if len(late) > 0 {
		t.Errorf("connections never cut, by kind: %v", late)
	}
	if got := getSandboxPosts(t, m.SandboxAddr); len(got.Posts) != 0 {
		t.Errorf("slow bodies made %d posts", len(got.Posts))
	}
}

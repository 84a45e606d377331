package web_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/logtest"
	"pregonero/web"
)

// serveLimited serves the test server's handler on a real listener the
// way `pregonero serve` does: NewHTTPServer on a LimitListener of n.
func serveLimited(t *testing.T, ts *testServer, h http.Handler, n int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := ts.web.NewHTTPServer(h)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(web.LimitListener(ln, n)) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}

func withLimits(l web.Limits) serverOption {
	return withConfig(func(c *web.Config) { c.Limits = l })
}

// dial opens a connection with a hard deadline, closed at the end of the
// test.
func dial(t *testing.T, addr string, d time.Duration) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(d))
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads one response and its body from br.
func readResponse(t *testing.T, br *bufio.Reader) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return resp, b
}

// waitClosed returns once the server closed the connection.
func waitClosed(t *testing.T, br *bufio.Reader) {
	t.Helper()
	_, err := br.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open: %v", err)
	}
	if err == nil {
		t.Fatal("the server sent more after its answer")
	}
}

func TestRefusedRequestIsAnsweredAtOnceWithoutItsBody(t *testing.T) {
	ts := newTestServer(t, withLimits(web.Limits{ReadTimeout: 20 * time.Second}))
	addr := serveLimited(t, ts, ts.web.Handler(), 0)
	tests := []struct {
		name, request string
		wantStatus    int
	}{
		{"no token", "POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n", 401},
		{"wrong token", "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer prg_wrong\r\nContent-Length: 100000\r\n\r\n", 401},
		{"public media without a signature", "GET /media/m_000000000000000000000000 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 403},
		{"unknown path", "POST /api/v1/nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Half the body comes, the rest never does: the answer must
			// not wait for it, nor hold the connection until the read
			// deadline (20 s here).
			c := dial(t, addr, 5*time.Second)
			start := time.Now()
			if _, err := io.WriteString(c, tt.request+strings.Repeat("x", 50000)); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			resp, body := readResponse(t, br)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got %d %s, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if !resp.Close {
				t.Errorf("got header %v, want Connection: close", resp.Header)
			}
			waitClosed(t, br)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("answered and closed after %v, want well within the read timeout", d)
			}
		})
	}

	t.Run("a body read to its end keeps the connection", func(t *testing.T) {
		c := dial(t, addr, 5*time.Second)
		body := `{"text":"hola","targets":["x-gob"]}`
		fmt.Fprintf(c, "POST /api/v1/validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			ts.token, len(body), body)
		br := bufio.NewReader(c)
		if resp, b := readResponse(t, br); resp.StatusCode != 200 || resp.Close {
			t.Fatalf("got %d close=%v %s, want 200 kept alive", resp.StatusCode, resp.Close, b)
		}
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, b := readResponse(t, br); resp.StatusCode != 200 {
			t.Fatalf("second request: got %d %s", resp.StatusCode, b)
		}
	})
}

func TestBodiesHaveAReadDeadline(t *testing.T) {
	ts := newTestServer(t, withLimits(web.Limits{ReadTimeout: 300 * time.Millisecond}))
	addr := serveLimited(t, ts, ts.web.Handler(), 0)
	c := dial(t, addr, 5*time.Second)
	start := time.Now()
	fmt.Fprintf(c, "POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"text\":\"", ts.token)
	br := bufio.NewReader(c)
	resp, body := readResponse(t, br)
	if resp.StatusCode < 400 {
		t.Errorf("got %d %s, want a refusal", resp.StatusCode, body)
	}
	waitClosed(t, br)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cut after %v, want about the 300ms read timeout", d)
	}
	page, _ := ts.db.Posts(t.Context(), pregonero.PostFilter{})
	if len(page.Posts) != 0 {
		t.Error("a cut body made a post")
	}
}

// noisePNG is an image that does not compress: n bytes or a little more.
func noisePNG(t *testing.T, n int) []byte {
	t.Helper()
	side := 1
	for side*side*4 < n {
		side++
	}
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sendUpload writes an upload request for data in chunks of size every
// pause, then stops after stopAt bytes of the body (all of it when
// negative), and returns the connection's reader.
func sendUpload(t *testing.T, addr, token string, data []byte, chunk int, pause time.Duration, stopAt int) *bufio.Reader {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "ruido.png")
	fw.Write(data)
	mw.Close()
	b := body.Bytes()
	if stopAt >= 0 {
		b = b[:stopAt]
	}
	c := dial(t, addr, 10*time.Second)
	fmt.Fprintf(c, "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		token, mw.FormDataContentType(), body.Len())
	go func() {
		for len(b) > 0 {
			n := min(chunk, len(b))
			if _, err := c.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
			time.Sleep(pause)
		}
	}()
	return bufio.NewReader(c)
}

func TestUploadsArePacedByTheMinimumRate(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	ts := newTestServer(t, withLimits(web.Limits{ReadTimeout: readTimeout, MinUploadRate: 64 << 10}))
	addr := serveLimited(t, ts, ts.web.Handler(), 0)
	img := noisePNG(t, 160<<10)

	t.Run("an upload above the rate may take longer than the read timeout", func(t *testing.T) {
		start := time.Now()
		// 8 KiB every 40 ms: about 200 KiB/s, some 800 ms in all.
		br := sendUpload(t, addr, ts.token, img, 8<<10, 40*time.Millisecond, -1)
		resp, body := readResponse(t, br)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("got %d %s after %v, want 201", resp.StatusCode, body, time.Since(start))
		}
		if d := time.Since(start); d < 2*readTimeout {
			t.Errorf("upload took %v; the test needs it longer than the read timeout", d)
		}
	})

	t.Run("a stalled upload is cut", func(t *testing.T) {
		start := time.Now()
		br := sendUpload(t, addr, ts.token, img, 32<<10, 0, 64<<10)
		resp, body := readResponse(t, br)
		if resp.StatusCode < 400 {
			t.Errorf("got %d %s, want a refusal", resp.StatusCode, body)
		}
		waitClosed(t, br)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("cut after %v, want about the read timeout", d)
		}
	})

	t.Run("an upload below the rate is cut although it never stalls", func(t *testing.T) {
		start := time.Now()
		// 2 KiB every 100 ms: 20 KiB/s, never idle for the read timeout;
		// the whole would take 8 s.
		br := sendUpload(t, addr, ts.token, img, 2<<10, 100*time.Millisecond, -1)
		resp, body := readResponse(t, br)
		if resp.StatusCode < 400 {
			t.Errorf("got %d %s, want a refusal", resp.StatusCode, body)
		}
		waitClosed(t, br)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("cut after %v, want soon after the read timeout", d)
		}
	})
}

func TestLimitListenerCapsConnections(t *testing.T) {
	ts := newTestServer(t)
	addr := serveLimited(t, ts, ts.web.Handler(), 2)
	held := []net.Conn{dial(t, addr, 10*time.Second), dial(t, addr, 10*time.Second)}
	for _, c := range held {
		// A request each, so both are surely accepted and kept alive.
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, _ := readResponse(t, bufio.NewReader(c)); resp.StatusCode != 200 {
			t.Fatalf("got %d", resp.StatusCode)
		}
	}
	third := dial(t, addr, 10*time.Second)
	io.WriteString(third, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(third)
	third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("a third connection was served while two were open")
	}
	held[0].Close()
	third.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, _ := readResponse(t, br); resp.StatusCode != 200 {
		t.Fatalf("got %d once a connection closed", resp.StatusCode)
	}
}

func TestHTTPServerErrorsGoToTheLog(t *testing.T) {
	var logs logtest.Buffer
	ts := newTestServer(t, withConfig(func(c *web.Config) { c.Logger = logs.Logger() }))
	srv := ts.web.NewHTTPServer(ts.web.Handler())
	srv.ErrorLog.Print("http: Accept error: accept tcp: too many open files; retrying in 5ms")
	got := logs.String()
	for _, want := range []string{"level=WARN", "too many open files", "component=web"} {
		if !strings.Contains(got, want) {
			t.Errorf("log %q lacks %q", got, want)
		}
	}
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout != web.DefaultReadTimeout || srv.IdleTimeout != web.DefaultIdleTimeout {
		t.Errorf("got timeouts header %v read %v idle %v, want the defaults", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout)
	}
}

func TestMetricsAccess(t *testing.T) {
	const token = "metrics-token-0123456789"
	get := func(t *testing.T, url, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	t.Run("with a token only the token reads them", func(t *testing.T) {
		ts := newTestServer(t, withConfig(func(c *web.Config) { c.MetricsToken = token }))
		for _, auth := range []string{"", "Bearer ", "Bearer wrong-token-0123456789", "Bearer " + ts.token, "Basic " + token} {
			if code, _ := get(t, ts.srv.URL+"/metrics", auth); code != 401 {
				t.Errorf("Authorization %q: got %d, want 401", auth, code)
			}
		}
		code, body := get(t, ts.srv.URL+"/metrics", "Bearer "+token)
		if code != 200 || !strings.Contains(body, "pregonero_queue_depth") {
			t.Errorf("with the token: got %d %.80s", code, body)
		}
		for _, path := range []string{"/healthz", "/readyz"} {
			if code, _ := get(t, ts.srv.URL+path, ""); code != 200 {
				t.Errorf("%s: got %d, want 200 without any token", path, code)
			}
		}
	})

	t.Run("hidden they are not on the handler but on their own", func(t *testing.T) {
		ts := newTestServer(t, withConfig(func(c *web.Config) { c.HideMetrics = true }))
		for _, auth := range []string{"", "Bearer " + ts.token} {
			if code, _ := get(t, ts.srv.URL+"/metrics", auth); code != 404 {
				t.Errorf("Authorization %q: got %d, want 404", auth, code)
			}
		}
		if code, _ := get(t, ts.srv.URL+"/healthz", ""); code != 200 {
			t.Errorf("healthz: got %d", code)
		}
		addr := serveLimited(t, ts, ts.web.MetricsHandler(), 0)
		if code, body := get(t, "http://"+addr+"/metrics", ""); code != 200 || !strings.Contains(body, "pregonero_queue_depth") {
			t.Errorf("own listener: got %d %.80s", code, body)
		}
		if code, _ := get(t, "http://"+addr+"/api/v1/accounts", "Bearer "+ts.token); code != 404 {
			t.Errorf("own listener serves the API: got %d, want 404", code)
		}
	})

	t.Run("on their own listener the token still applies", func(t *testing.T) {
		ts := newTestServer(t, withConfig(func(c *web.Config) { c.HideMetrics, c.MetricsToken = true, token }))
		addr := serveLimited(t, ts, ts.web.MetricsHandler(), 0)
		if code, _ := get(t, "http://"+addr+"/metrics", ""); code != 401 {
			t.Errorf("without the token: got %d, want 401", code)
		}
		if code, _ := get(t, "http://"+addr+"/metrics", "Bearer "+token); code != 200 {
			t.Errorf("with the token: got %d, want 200", code)
		}
	})
}

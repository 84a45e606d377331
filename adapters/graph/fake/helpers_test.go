package fake_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/graph/fake"
	"pregonero/media/mediatest"
)

// Accounts the tests act as.
const (
	page      = "1001"
	otherPage = "1002"
	igUser    = "178411001" // fake.LinkedInstagram(page)
)

// env is one fake on an httptest server with a settable clock and a
// server for the media the fake downloads.
type env struct {
	fake  *fake.Fake
	base  string
	clock *fakenet.Clock
	media *mediaServer
}

func newEnv(t *testing.T, opts fake.Options) *env {
	t.Helper()
	clock := fakenet.NewClock(time.Date(2026, 11, 27, 23, 50, 0, 0, time.UTC))
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	f := fake.New(opts)
	base := fakenettest.Serve(t, f, opts.Prefix)
	return &env{fake: f, base: base, clock: clock, media: newMediaServer(t)}
}

// session is a huandu/facebook session for token, with appsecret_proof,
// pointed at the fake the way the adapters configure it.
func (e *env) session(token string) *fb.Session {
	app := fb.New(fake.DefaultAppID, fake.DefaultAppSecret)
	app.EnableAppsecretProof = true
	s := app.Session(token)
	s.BaseURL = e.base + "/"
	s.Version = "v25.0"
	s.HttpClient = &http.Client{Timeout: 10 * time.Second}
	return s
}

// response is a finished plain HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// graphErr is the error object of a response.
type graphErr struct {
	Message   string `json:"message"`
	Type      string `json:"type"`
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode"`
	Transient bool   `json:"is_transient"`
	TraceID   string `json:"fbtrace_id"`
}

func (r response) err(t *testing.T) graphErr {
	t.Helper()
	var v struct{ Error *graphErr }
	if err := json.Unmarshal(r.body, &v); err != nil || v.Error == nil {
		t.Fatalf("status %d body %s: want a Graph error", r.status, r.body)
	}
	return *v.Error
}

// do sends a plain request; params go in the query for GET and DELETE and
// in a form body otherwise.
func (e *env) do(t *testing.T, method, path string, params url.Values, header http.Header) response {
	t.Helper()
	u := e.base + path
	var body io.Reader
	if method == http.MethodGet || method == http.MethodDelete {
		u += "?" + params.Encode()
	} else {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

// signed returns params carrying token and its appsecret_proof.
func signed(token string, kv ...string) url.Values {
	v := url.Values{"access_token": {token}, "appsecret_proof": {fake.AppsecretProof(fake.DefaultAppSecret, token)}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// fbError extracts the Graph error huandu returned.
func fbError(t *testing.T, err error) *fb.Error {
	t.Helper()
	var fe *fb.Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a Graph error", err)
	}
	return fe
}

func wantCode(t *testing.T, err error, code, subcode int) *fb.Error {
	t.Helper()
	fe := fbError(t, err)
	if fe.Code != code || fe.ErrorSubcode != subcode {
		t.Fatalf("error = %d/%d %q, want %d/%d", fe.Code, fe.ErrorSubcode, fe.Message, code, subcode)
	}
	return fe
}

func str(t *testing.T, res fb.Result, field string) string {
	t.Helper()
	v, ok := res.Get(field).(string)
	if !ok || v == "" {
		t.Fatalf("result %v has no %s", res, field)
	}
	return v
}

// jpegImage is a real JPEG of the given size.
func jpegImage(t *testing.T, w, h int) []byte {
	t.Helper()
	return mediatest.JPEG(w, h, 0)
}

// jpegData is jpegImage for a fuzz corpus, where no test is at hand; it
// never fails.
func jpegData(w, h int) ([]byte, error) { return mediatest.JPEG(w, h, 0), nil }

// pngImage is a real PNG of the given size.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	return mediatest.PNG(w, h, 0)
}

// mp4Video is a small valid MP4 (ftyp brand isom, a moov box) of a 3-second
// 640×360 video.
func mp4Video() []byte { return mediatest.MP4(1<<10, 3000, 640, 360, 0) }

// mediaServer serves the files the fake downloads, like a CDN would.
type mediaServer struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	slows map[string]time.Duration
}

// httpClientWithTimeout is a fetcher that gives up quickly, for timeouts.
var httpClientWithTimeout = http.Client{Timeout: 50 * time.Millisecond}

// slow makes path answer only after d (or when the client gives up).
func (m *mediaServer) slow(path string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.slows[path] = d
}

func newMediaServer(t *testing.T) *mediaServer {
	m := &mediaServer{files: make(map[string][]byte), slows: make(map[string]time.Duration)}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		b, ok := m.files[r.URL.Path]
		d := m.slows[r.URL.Path]
		m.mu.Unlock()
		if d > 0 {
			fakenet.Sleep(r.Context(), d)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// put publishes b at path and returns its URL.
func (m *mediaServer) put(path string, b []byte) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[path] = b
	return m.srv.URL + path
}

// ledgerTexts returns the texts of a network's ledger posts.
func ledgerPost(t *testing.T, e *env, network, id string) fakenet.Post {
	t.Helper()
	p, ok := e.fake.Ledger().Get(network, id)
	if !ok {
		t.Fatalf("%s post %s not in the ledger; ledger: %+v", network, id, e.fake.Ledger().Posts())
	}
	return p
}

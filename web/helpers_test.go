package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"pregonero"
	"pregonero/adapters/x"
	"pregonero/adapters/x/xtext"
	"pregonero/media"
	"pregonero/posting"
	"pregonero/store"
	"pregonero/web"
)

// fakeAdapter is an Adapter whose validation is a function field; the
// API never publishes, so Publish and Reconcile refuse.
type fakeAdapter struct {
	network  pregonero.Network
	validate func(c pregonero.Content, a *pregonero.Account) []pregonero.FieldError
	measure  func(c pregonero.Content) (int, int)
}

// measuredAdapter is a fakeAdapter of a network that measures its text.
type measuredAdapter struct{ *fakeAdapter }

func (m measuredAdapter) Measure(c pregonero.Content) (int, int) { return m.measure(c) }

// xMeasure counts as X does, link appended the way the X adapter sends it.
func xMeasure(c pregonero.Content) (int, int) {
	return xtext.Parse(x.ComposeText(c)).WeightedLength, xtext.MaxWeightedLength
}

func (f *fakeAdapter) Network() pregonero.Network { return f.network }

func (f *fakeAdapter) Validate(c pregonero.Content, a *pregonero.Account) []pregonero.FieldError {
	if f.validate == nil {
		return nil
	}
	return f.validate(c, a)
}

func (f *fakeAdapter) Publish(context.Context, *pregonero.Delivery, pregonero.Content, *pregonero.Account) (pregonero.Receipt, error) {
	return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "fake", Message: "fake adapter does not publish"}
}

func (f *fakeAdapter) Reconcile(context.Context, *pregonero.Delivery, pregonero.Content, *pregonero.Account, time.Time) (pregonero.Receipt, bool, error) {
	return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "fake", Message: "fake adapter does not reconcile"}
}

// xRules are the X limits the tests rely on: text up to 280 characters,
// at most 4 images.
func xRules(c pregonero.Content, a *pregonero.Account) []pregonero.FieldError {
	var errs []pregonero.FieldError
	if n := len([]rune(c.Text)); n > 280 {
		errs = append(errs, pregonero.FieldError{Target: a.ID, Field: "text", Code: pregonero.FieldTooLong, Limit: 280, Actual: n, Message: "too long for X"})
	}
	if n := len(c.Media); n > 4 {
		errs = append(errs, pregonero.FieldError{Target: a.ID, Field: "media", Code: pregonero.FieldTooMany, Limit: 4, Actual: n, Message: "X takes at most 4 images"})
	}
	return errs
}

// igRules refuse anything but JPEG images, as Instagram does.
func igRules(c pregonero.Content, a *pregonero.Account) []pregonero.FieldError {
	var errs []pregonero.FieldError
	for i, m := range c.Media {
		if m.MIME != "image/jpeg" {
			errs = append(errs, pregonero.FieldError{Field: fmt.Sprintf("media[%d]", i), Code: pregonero.FieldUnsupported, Actual: m.MIME, Message: "Instagram takes JPEG only"})
		}
	}
	return errs
}

// fakeControl stands in for the scheduler (readiness, and the wake-ups
// the store signals) and for the publisher as the posting service's
// Sender: it records what it is told.
type fakeControl struct {
	mu       sync.Mutex
	notified []time.Time
	pauses   [][2]string // account, reason
	resumes  []string
	cleanups []string // delivery ids whose leftovers the service asked to remove
	readyErr error
	store    pregonero.Store
}

// Notify records a wake-up; the test server registers it with the store.
func (c *fakeControl) Notify(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notified = append(c.notified, t)
}

func (c *fakeControl) StopUnsent(context.Context, *pregonero.Post) (int, error) { return 0, nil }
func (c *fakeControl) Unsent(*pregonero.Delivery) bool                          { return false }
func (c *fakeControl) Withdraw(context.Context, *pregonero.Delivery) error      { return nil }

func (c *fakeControl) Cleanup(d *pregonero.Delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cleanups = append(c.cleanups, d.ID)
}

// SetPaused records a global pause with the reason the store holds, or a
// global resume.
func (c *fakeControl) SetPaused(paused bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !paused {
		c.resumes = append(c.resumes, "")
		return
	}
	ps, _ := c.store.Pause(context.Background())
	c.pauses = append(c.pauses, [2]string{"", ps.Reason})
}

// AccountChanged records an account's pause or resume.
func (c *fakeControl) AccountChanged(a *pregonero.Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a.Status == pregonero.AccountPaused {
		c.pauses = append(c.pauses, [2]string{a.ID, a.StatusReason})
		return
	}
	c.resumes = append(c.resumes, a.ID)
}

func (c *fakeControl) Ready() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readyErr
}

func (c *fakeControl) pauseCalls() [][2]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][2]string(nil), c.pauses...)
}

func (c *fakeControl) resumeCalls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.resumes...)
}

// set changes the control's behaviour under its lock.
func (c *fakeControl) set(fn func(c *fakeControl)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c)
}

func (c *fakeControl) notifications() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.notified...)
}

// newService returns a posting service over st, with ctl as its sender.
func newService(tb testing.TB, st pregonero.Store, ctl *fakeControl, now func() time.Time, adapters map[pregonero.Network]pregonero.Adapter, lib *media.Library) *posting.Service {
	tb.Helper()
	cfg := posting.Config{Store: st, Sender: ctl, Now: now, Adapters: adapters}
	if lib != nil {
		cfg.Media = lib
	}
	svc, err := posting.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testNow is a Friday afternoon in Bogota.
var testNow = time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC)

type testServer struct {
	t        testing.TB
	srv      *httptest.Server
	web      *web.Server
	db       *store.DB
	dbPath   string
	dataDir  string
	ctl      *fakeControl
	lib      *media.Library
	clock    *clock
	token    string
	registry *prometheus.Registry
}

// serverOption changes the web configuration, the media options or the
// adapters of a test server before it starts.
type serverOption func(*web.Config, *[]media.Option, map[pregonero.Network]pregonero.Adapter)

func withMediaLimit(n int64) serverOption {
	return func(_ *web.Config, o *[]media.Option, _ map[pregonero.Network]pregonero.Adapter) {
		*o = append(*o, media.WithMaxSize(n))
	}
}

func withConfig(fn func(*web.Config)) serverOption {
	return func(c *web.Config, _ *[]media.Option, _ map[pregonero.Network]pregonero.Adapter) { fn(c) }
}

func withAdapter(a pregonero.Adapter) serverOption {
	return func(_ *web.Config, _ *[]media.Option, as map[pregonero.Network]pregonero.Adapter) {
		as[a.Network()] = a
	}
}

// testAccounts are the accounts every test server starts with; the
// YouTube one has no adapter configured.
var testAccounts = []*pregonero.Account{
	{ID: "fb-gob", Network: pregonero.NetworkFacebook, Name: "Gobernación (Facebook)", Status: pregonero.AccountActive},
	{ID: "ig-gob", Network: pregonero.NetworkInstagram, Name: "Gobernación (Instagram)", Status: pregonero.AccountActive},
	{ID: "x-gob", Network: pregonero.NetworkX, Name: "Gobernación (X)", Status: pregonero.AccountActive,
		Credentials: map[string]string{"access_token": "super-secret-credential"}, CredentialsHash: "hash-of-secret"},
	{ID: "x-salud", Network: pregonero.NetworkX, Name: "Secretaría de Salud", Unit: "salud", Status: pregonero.AccountActive},
	{ID: "yt-gob", Network: pregonero.NetworkYouTube, Name: "Gobernación (YouTube)", Status: pregonero.AccountActive},
}

func mustOpenStore(tb testing.TB, path string, clk *clock) *store.DB {
	tb.Helper()
	db, err := store.Open(path, store.WithNow(clk.Now))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	return db
}

func newTestServer(tb testing.TB, opts ...serverOption) *testServer {
	tb.Helper()
	dir := tb.TempDir()
	ts := &testServer{t: tb, dataDir: dir, dbPath: filepath.Join(dir, "db"), ctl: &fakeControl{}, clock: &clock{t: testNow}}
	ts.db = mustOpenStore(tb, ts.dbPath, ts.clock)
	ts.ctl.store = ts.db
	tb.Cleanup(func() { ts.db.Close() })
	ctx := context.Background()
	for _, a := range testAccounts {
		c := *a
		if err := ts.db.PutAccount(ctx, &c); err != nil {
			tb.Fatalf("put account: %v", err)
		}
	}
	if _, err := web.EnsureToken(ctx, ts.db, dir, nil); err != nil {
		tb.Fatalf("EnsureToken: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, web.TokenFile))
	if err != nil {
		tb.Fatalf("read token: %v", err)
	}
	ts.token = strings.TrimSpace(string(b))

	ts.db.OnDue(ts.ctl.Notify)
	cfg := web.Config{
		Store:    ts.db,
		Control:  ts.ctl,
		Now:      ts.clock.Now,
		Registry: prometheus.NewRegistry(),
		Version:  "1.2.3-test",
	}
	var mopts []media.Option
	adapters := map[pregonero.Network]pregonero.Adapter{
		pregonero.NetworkX:         measuredAdapter{&fakeAdapter{network: pregonero.NetworkX, validate: xRules, measure: xMeasure}},
		pregonero.NetworkFacebook:  &fakeAdapter{network: pregonero.NetworkFacebook},
		pregonero.NetworkInstagram: &fakeAdapter{network: pregonero.NetworkInstagram, validate: igRules},
	}
	for _, o := range opts {
		o(&cfg, &mopts, adapters)
	}
	if cfg.Media == nil {
		lib, err := media.Open(filepath.Join(dir, "media"), ts.db, mopts...)
		if err != nil {
			tb.Fatalf("open media: %v", err)
		}
		cfg.Media = lib
	}
	ts.lib = cfg.Media
	ts.registry = cfg.Registry
	if cfg.Posts == nil {
		cfg.Posts = newService(tb, ts.db, ts.ctl, cfg.Now, adapters, cfg.Media)
	}
	ts.web, err = web.New(cfg)
	if err != nil {
		tb.Fatalf("web.New: %v", err)
	}
	ts.srv = httptest.NewServer(ts.web.Handler())
	tb.Cleanup(ts.srv.Close)
	return ts
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.body, err)
	}
}

// apiError decodes an error answer, checking its shape.
func (r response) apiError(tb testing.TB) *pregonero.Error {
	tb.Helper()
	var eb struct {
		Error *pregonero.Error `json:"error"`
	}
	r.decode(tb, &eb)
	if eb.Error == nil || eb.Error.Code == "" || eb.Error.Message == "" {
		tb.Fatalf("got body %s, want an error document", r.body)
	}
	return eb.Error
}

// request sends a request with the API token. A string or []byte body is
// sent as is, anything else as JSON.
func (ts *testServer) request(method, path string, body any, header ...string) response {
	ts.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, ts.srv.URL+path, r)
	if err != nil {
		ts.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ts.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (ts *testServer) client() *web.Client {
	return web.NewClient(ts.srv.URL, ts.token, ts.srv.Client())
}

// putMedia stores an upload directly in the library.
func (ts *testServer) putMedia(data []byte, name string) *pregonero.Media {
	ts.t.Helper()
	m, err := ts.lib.Put(context.Background(), bytes.NewReader(data), name, "")
	if err != nil {
		ts.t.Fatalf("put media: %v", err)
	}
	return m
}

// postView is a post as the API shows it.
type postView struct {
	pregonero.Post
	ScheduledAtLocal string `json:"scheduled_at_local"`
}

func (ts *testServer) createPost(req any, header ...string) postView {
	ts.t.Helper()
	r := ts.request("POST", "/api/v1/posts", req, header...)
	if r.status != http.StatusCreated {
		ts.t.Fatalf("create post: got %d %s, want 201", r.status, r.body)
	}
	var p postView
	r.decode(ts.t, &p)
	return p
}

func testImage(w, h int, seed uint8) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x*7) + seed, uint8(y*5) ^ seed, uint8(x*y) + seed, 255})
		}
	}
	return img
}

func pngBytes(tb testing.TB, w, h int, seed uint8) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(w, h, seed)); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(tb testing.TB, w, h int, seed uint8) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h, seed), nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func gifBytes(tb testing.TB, w, h int, seed uint8) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, testImage(w, h, seed), nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func box(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(body))), typ...), body...)
}

// mp4Bytes is a minimal MP4: ftyp, mdat, then moov with a movie header
// (timescale 1000) and one video track of the given size.
func mp4Bytes(width, height uint32, durationMS uint32) []byte {
	mvhd := make([]byte, 100)
	binary.BigEndian.PutUint32(mvhd[12:], 1000)
	binary.BigEndian.PutUint32(mvhd[16:], durationMS)
	tkhd := make([]byte, 84)
	binary.BigEndian.PutUint32(tkhd[40:], 0x10000) // matrix a
	binary.BigEndian.PutUint32(tkhd[56:], 0x10000) // matrix d
	binary.BigEndian.PutUint32(tkhd[76:], width<<16)
	binary.BigEndian.PutUint32(tkhd[80:], height<<16)
	hdlr := append(make([]byte, 8), "vide\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00VideoHandler\x00"...)
	trak := box("trak", box("tkhd", tkhd), box("mdia", box("hdlr", hdlr)))
	return bytes.Join([][]byte{
		box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41")),
		box("mdat", bytes.Repeat([]byte{0x42}, 2048)),
		box("moov", box("mvhd", mvhd), trak),
	}, nil)
}

func asAppError(tb testing.TB, err error) *pregonero.Error {
	tb.Helper()
	var e *pregonero.Error
	if !errors.As(err, &e) {
		tb.Fatalf("got error %v (%T), want a *pregonero.Error", err, err)
	}
	return e
}

func hasField(e *pregonero.Error, target, field, code string) bool {
	for _, f := range e.Fields {
		if f.Target == target && f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

package instagram_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

// mediaServer serves media bytes at public addresses, as the server's
// public_url does for Meta's crawler.
type mediaServer struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string][]byte
}

func newMediaServer(t *testing.T) *mediaServer {
	t.Helper()
	m := &mediaServer{files: make(map[string][]byte)}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		b, ok := m.files[r.URL.Path]
		m.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// serve makes the blob's bytes available and sets its URL.
func (m *mediaServer) serve(t *testing.T, b pregonero.MediaBlob) pregonero.MediaBlob {
	t.Helper()
	rc, err := b.Open()
	if err != nil {
		t.Fatalf("open media: %v", err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatalf("read media: %v", err)
	}
	sum := sha256.Sum256(data)
	p := "/media/" + hex.EncodeToString(sum[:8]) + path.Ext(b.Filename)
	m.mu.Lock()
	m.files[p] = data
	m.mu.Unlock()
	b.URL = m.srv.URL + p
	return b
}

// jpeg returns a served JPEG of w×h.
func (m *mediaServer) jpeg(t *testing.T, w, h int, alt string) pregonero.MediaBlob {
	t.Helper()
	return m.serve(t, adaptertest.ImageBlob(t, "image/jpeg", w, h, alt))
}

// mp4 returns a served MP4 video lasting ms milliseconds.
func (m *mediaServer) mp4(t *testing.T, ms int64) pregonero.MediaBlob {
	t.Helper()
	b := adaptertest.Blob("clip.mp4", "video/mp4", mp4Bytes(), 1080, 1920, "")
	b.DurationMS = ms
	return m.serve(t, b)
}

// mp4Bytes is the smallest file the fake takes for an MP4: an ftyp box
// with the isom brand, a moov box and some media data.
func mp4Bytes() []byte {
	box := func(typ string, body []byte) []byte {
		b := make([]byte, 8, 8+len(body))
		binary.BigEndian.PutUint32(b, uint32(8+len(body)))
		copy(b[4:], typ)
		return append(b, body...)
	}
	var out []byte
	out = append(out, box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2mp41"))...)
	out = append(out, box("moov", box("mvhd", make([]byte, 100)))...)
	out = append(out, box("mdat", make([]byte, 2048))...)
	return out
}

// env is a Graph fake on an httptest server, a media server and an
// adapter pointed at them.
type env struct {
	fake    *fake.Fake
	base    string
	media   *mediaServer
	adapter *instagram.Adapter
	clock   *fakenet.Clock // nil unless the test set one
	n       atomic.Int64
}

type envOptions struct {
	fake  fake.Options
	cfg   instagram.Config
	clock *fakenet.Clock
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{media: newMediaServer(t), clock: o.clock}
	if e.clock != nil {
		o.fake.Now = e.clock.Now
		o.cfg.Now = e.clock.Now
	}
	if o.fake.VideoProcessing == 0 {
		o.fake.VideoProcessing = 20 * time.Millisecond
	}
	if o.fake.Fetcher == nil {
		o.fake.Fetcher = &http.Client{Timeout: 2 * time.Second}
	}
	e.fake = fake.New(o.fake)
	e.base = fakenettest.Serve(t, e.fake, o.fake.Prefix)
	if o.cfg.Logger == nil {
		o.cfg.Logger = discard
	}
	if o.cfg.PollInterval == 0 {
		o.cfg.PollInterval = 2 * time.Millisecond
	}
	if o.cfg.PollTimeout == 0 {
		o.cfg.PollTimeout = 3 * time.Second
	}
	e.adapter = instagram.New(o.cfg)
	return e
}

// page returns a page id of the fake that nothing has used yet.
func (e *env) page() string { return fmt.Sprint(4200 + e.n.Add(1)) }

// account returns an account with Facebook Login of a new page's linked
// Instagram account, with its remote id.
func (e *env) account(name string) *pregonero.Account {
	page := e.page()
	return &pregonero.Account{ID: "ig-" + name, Network: pregonero.NetworkInstagram, Name: name,
		RemoteID: fake.LinkedInstagram(page), Endpoint: e.base, Status: pregonero.AccountActive,
		Credentials: map[string]string{
			graph.CredAccessToken: fake.PageToken(page),
			graph.CredAppID:       fake.DefaultAppID,
			graph.CredAppSecret:   fake.DefaultAppSecret,
		}}
}

// posts returns the fake's posts of the account's Instagram user.
func (e *env) posts(a *pregonero.Account) []fakenet.Post {
	return e.fake.Ledger().Filter(fake.NetworkInstagram, a.RemoteID)
}

func (e *env) fault(t *testing.T, r fakenet.Rule) {
	t.Helper()
	r.Network = fake.NetworkInstagram
	if _, err := e.fake.Faults().Add(r); err != nil {
		t.Fatalf("add fault: %v", err)
	}
	t.Cleanup(func() { e.fake.Faults().Clear() })
}

func (e *env) delivery(a *pregonero.Account) *pregonero.Delivery {
	now := time.Now().UTC()
	return &pregonero.Delivery{ID: pregonero.NewID("d", now), PostID: pregonero.NewID("p", now), AccountID: a.ID,
		Network: a.Network, State: pregonero.DeliverySending, ScheduledAt: now, UpdatedAt: now}
}

// checkpoints records every checkpoint write, standing in for the store.
type checkpoints struct {
	mu      sync.Mutex
	m       map[string]string
	history []string // "key=value" in order
}

func (c *checkpoints) fn(_ context.Context, key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]string)
	}
	c.m[key] = value
	c.history = append(c.history, key+"="+value)
	return nil
}

func (c *checkpoints) get(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *checkpoints) snapshot() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}

// containers returns the container ids that were checkpointed, in order.
func (c *checkpoints) containers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for _, h := range c.history {
		if v, ok := strings.CutPrefix(h, instagram.CheckpointContainer+"="); ok && v != "" {
			ids = append(ids, v)
		}
	}
	return ids
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// stored stands in for the publisher around the adapter in the
// conformance suite: what the adapter checkpoints for a delivery is kept
// as the store keeps it, and the delivery handed to the adapter carries
// it, as a delivery read back from the store does. The suite itself passes
// the same delivery value to Publish and Reconcile without the checkpoints
// the adapter wrote meanwhile.
type stored struct {
	*instagram.Adapter
	mu  sync.Mutex
	cps map[string]map[string]string
}

func (s *stored) load(d *pregonero.Delivery) *pregonero.Delivery {
	if d == nil {
		return nil
	}
	c := d.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	if saved := s.cps[d.ID]; len(saved) > 0 {
		if c.Checkpoint == nil {
			c.Checkpoint = map[string]string{}
		}
		maps.Copy(c.Checkpoint, saved)
	}
	return c
}

func (s *stored) Publish(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, a *pregonero.Account) (pregonero.Receipt, error) {
	inner := c.Checkpoint
	c.Checkpoint = func(ctx context.Context, key, value string) error {
		s.mu.Lock()
		if s.cps == nil {
			s.cps = map[string]map[string]string{}
		}
		if s.cps[d.ID] == nil {
			s.cps[d.ID] = map[string]string{}
		}
		s.cps[d.ID][key] = value
		s.mu.Unlock()
		if inner != nil {
			return inner(ctx, key, value)
		}
		return nil
	}
	return s.Adapter.Publish(ctx, s.load(d), c, a)
}

func (s *stored) Reconcile(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, a *pregonero.Account, since time.Time) (pregonero.Receipt, bool, error) {
	return s.Adapter.Reconcile(ctx, s.load(d), c, a, since)
}

package x_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/x"
	"pregonero/adapters/x/fake"
)

// credStore is a CredentialStore that records every write.
type credStore struct {
	mu      sync.Mutex
	m       map[string]map[string]string
	puts    []map[string]string
	failPut error
	failGet error
}

func newCredStore() *credStore { return &credStore{m: make(map[string]map[string]string)} }

func (s *credStore) Credentials(_ context.Context, id string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failGet != nil {
		return nil, s.failGet
	}
	c, ok := s.m[id]
	if !ok {
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "no credentials for %s", id)
	}
	return maps.Clone(c), nil
}

func (s *credStore) PutCredentials(_ context.Context, id string, c map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPut != nil {
		return s.failPut
	}
	s.m[id] = maps.Clone(c)
	s.puts = append(s.puts, maps.Clone(c))
	return nil
}

func (s *credStore) get(id string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.m[id])
}

func (s *credStore) setFailPut(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPut = err
}

func (s *credStore) putCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.puts)
}

// discard keeps the adapter's log lines out of the test output.
var discard = slog.New(slog.DiscardHandler)

// env is an X fake on an httptest server with an adapter pointed at it.
// The fake and the adapter share a settable clock; waiting for media
// processing advances it instead of sleeping.
type env struct {
	fake    *fake.Fake
	base    string
	clock   *fakenet.Clock
	store   *credStore
	adapter *x.Adapter

	mu     sync.Mutex
	sleeps []time.Duration
}

type envOption struct {
	fake    fake.Options
	cfg     x.Config
	wrap    func(http.Handler) http.Handler
	noStore bool
}

func newEnv(t *testing.T, o envOption) *env {
	t.Helper()
	e := &env{clock: fakenet.NewClock(time.Now().UTC().Truncate(time.Second)), store: newCredStore()}
	o.fake.Now = e.clock.Now
	if o.fake.MediaProcessing == 0 {
		o.fake.MediaProcessing = 4 * time.Second
	}
	e.fake = fake.New(o.fake)
	var h http.Handler = e.fake
	if o.wrap != nil {
		h = o.wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.base = srv.URL
	cfg := o.cfg
	cfg.Now = e.clock.Now
	if cfg.Logger == nil {
		cfg.Logger = discard
	}
	if cfg.Sleep == nil {
		cfg.Sleep = e.sleep
	}
	if !o.noStore {
		cfg.Credentials = e.store
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = srv.Client()
	}
	e.adapter = x.New(cfg)
	return e
}

func (e *env) sleep(ctx context.Context, d time.Duration) error {
	e.mu.Lock()
	e.sleeps = append(e.sleeps, d)
	e.mu.Unlock()
	e.clock.Advance(d)
	return ctx.Err()
}

func (e *env) slept() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.sleeps...)
}

// oauth1 returns an account of sandbox user with OAuth 1.0a credentials.
func (e *env) oauth1(user string) *pregonero.Account {
	return &pregonero.Account{ID: "x-" + user, Network: pregonero.NetworkX, Name: user, RemoteID: fake.UserID(user),
		Endpoint: e.base, Status: pregonero.AccountActive, Credentials: map[string]string{
			x.CredConsumerKey: fake.ConsumerKey, x.CredConsumerSecret: fake.ConsumerSecret,
			x.CredAccessToken: fake.AccessToken(user), x.CredAccessTokenSecret: fake.AccessTokenSecret(user),
		}}
}

// oauth2 returns an account of sandbox user with only the first refresh
// token of a new OAuth 2.0 grant and no remote id, so its first request
// renews the token and the user id is looked up.
func (e *env) oauth2(user string) *pregonero.Account {
	return &pregonero.Account{ID: "x-" + user, Network: pregonero.NetworkX, Name: user,
		Endpoint: e.base, Status: pregonero.AccountActive, Credentials: map[string]string{
			x.CredClientID: fake.ConsumerKey, x.CredClientSecret: fake.ConsumerSecret,
			x.CredRefreshToken: fake.SeedRefreshToken(user),
		}}
}

func (e *env) posts(user string) []fakenet.Post { return e.fake.Ledger().Filter(fake.Network, user) }

func (e *env) harness(account func(string) *pregonero.Account, unauthorized func(string) *pregonero.Account) adaptertest.Harness {
	return adaptertest.Harness{
		Adapter:      e.adapter,
		Account:      func(_ *testing.T, name string) *pregonero.Account { return account(name) },
		Unauthorized: func(_ *testing.T, name string) *pregonero.Account { return unauthorized(name) },
		Posts:        func(_ *testing.T, a *pregonero.Account) []fakenet.Post { return e.posts(a.Name) },
		Fault: func(t *testing.T, r fakenet.Rule) {
			if _, err := e.fake.Faults().Add(r); err != nil {
				t.Fatalf("add fault: %v", err)
			}
		},
		ClearFaults:   func(*testing.T) { e.fake.Faults().Clear() },
		CreateOp:      fake.OpCreate,
		UploadOp:      fake.OpUpload,
		MaxTextLength: 280,
		MaxImages:     4,
		Now:           e.clock.Now,
	}
}

func TestConformance(t *testing.T) {
	t.Run("OAuth1", func(t *testing.T) {
		e := newEnv(t, envOption{})
		adaptertest.Run(t, e.harness(e.oauth1, func(name string) *pregonero.Account {
			a := e.oauth1(name)
			a.Credentials[x.CredAccessTokenSecret] = "wrong-secret"
			return a
		}))
	})
	t.Run("OAuth2", func(t *testing.T) {
		e := newEnv(t, envOption{})
		adaptertest.Run(t, e.harness(e.oauth2, func(name string) *pregonero.Account {
			a := e.oauth2(name)
			a.Credentials[x.CredAccessToken] = "revoked-access-token"
			a.Credentials[x.CredRefreshToken] = "revoked-refresh-token"
			return a
		}))
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func delivery(a *pregonero.Account) *pregonero.Delivery {
	now := time.Now().UTC()
	return &pregonero.Delivery{ID: pregonero.NewID("d", now), PostID: pregonero.NewID("p", now), AccountID: a.ID,
		Network: pregonero.NetworkX, State: pregonero.DeliverySending, ScheduledAt: now}
}

// gifBlob returns a small animated GIF.
func gifBlob(t *testing.T, alt string) pregonero.MediaBlob {
	t.Helper()
	pal := color.Palette{color.White, color.Black}
	anim := &gif.GIF{}
	for i := range 2 {
		img := image.NewPaletted(image.Rect(0, 0, 16, 16), pal)
		img.SetColorIndex(i, i, 1)
		anim.Image = append(anim.Image, img)
		anim.Delay = append(anim.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatalf("encode gif: %v", err)
	}
	return adaptertest.Blob("anim.gif", "image/gif", buf.Bytes(), 16, 16, alt)
}

// mp4Blob returns n bytes that start like an MP4 file.
func mp4Blob(n int) pregonero.MediaBlob {
	data := make([]byte, n)
	copy(data, "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
	for i := 24; i < n; i++ {
		data[i] = byte(i * 7)
	}
	b := adaptertest.Blob("clip.mp4", "video/mp4", data, 640, 360, "")
	b.DurationMS = 3000
	return b
}

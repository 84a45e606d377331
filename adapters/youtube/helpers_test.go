package youtube_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	yt "google.golang.org/api/youtube/v3"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

// start is the fake clock's first reading: a Friday morning in Bogotá,
// 07:00 in Los Angeles.
var start = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

type envOptions struct {
	fake      fake.Options
	quota     youtube.QuotaConfig
	projects  map[string]youtube.QuotaConfig
	chunkSize int
	settings  youtube.SettingStore
	creds     youtube.CredentialStore
	// playlistLag is the adapter's Config.PlaylistLag.
	playlistLag time.Duration
	// wrap, when set, serves the fake through a handler of the test's.
	wrap func(f *fake.Fake) http.Handler
}

// env is one fake YouTube on a fake clock and an adapter talking to it.
type env struct {
	t        *testing.T
	clock    *fakenet.Clock
	fake     *fake.Fake
	base     string
	settings *memSettings
	creds    *memCreds
	logs     *syncBuffer
	opts     envOptions
	adapter  *youtube.Adapter

	mu sync.Mutex
	// sleeps records the adapter's waits, which move the clock instead.
	sleeps []time.Duration
}

func newEnv(t *testing.T, opts envOptions) *env {
	t.Helper()
	e := &env{t: t, clock: fakenet.NewClock(start), logs: &syncBuffer{}, opts: opts}
	opts.fake.Now = e.clock.Now
	if opts.fake.Processing == 0 {
		opts.fake.Processing = -1
	}
	if opts.wrap == nil {
		e.fake = fake.New(opts.fake)
		e.base = fakenettest.Serve(t, e.fake, opts.fake.Prefix)
	} else {
		e.fake = fake.New(opts.fake)
		srv := httptest.NewServer(opts.wrap(e.fake))
		t.Cleanup(srv.Close)
		e.base = srv.URL
	}
	e.settings, e.creds = &memSettings{}, &memCreds{}
	e.adapter = e.newAdapter()
	t.Cleanup(func() {
		if strings.Contains(e.logs.String(), "sandbox-yt-") {
			t.Errorf("a token appears in the logs:\n%s", e.logs.String())
		}
	})
	return e
}

// newAdapter returns an adapter sharing the env's clock, settings and
// credential store, as a restarted process would.
func (e *env) newAdapter() *youtube.Adapter {
	var settings youtube.SettingStore = e.settings
	if e.opts.settings != nil {
		settings = e.opts.settings
	}
	var creds youtube.CredentialStore = e.creds
	if e.opts.creds != nil {
		creds = e.opts.creds
	}
	return youtube.New(youtube.Config{
		HTTPClient:         &http.Client{Timeout: 20 * time.Second},
		Logger:             slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:                e.clock.Now,
		ChunkSize:          e.opts.chunkSize,
		ChunkRetryDeadline: 300 * time.Millisecond,
		Quota:              e.opts.quota,
		ProjectQuotas:      e.opts.projects,
		Settings:           settings,
		Credentials:        creds,
		PlaylistLag:        e.opts.playlistLag,
		Sleep:              e.sleep,
	})
}

// sleep is the adapters' Config.Sleep: it records the wait and moves the
// clock by it.
func (e *env) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	e.sleeps = append(e.sleeps, d)
	e.mu.Unlock()
	e.clock.Advance(d)
	return nil
}

func (e *env) slept() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.sleeps...)
}

// upload puts a video on the channel name directly, without the adapter,
// carrying the given tags.
func (e *env) upload(name, title string, tags []string, media []byte) *yt.Video {
	e.t.Helper()
	client := &http.Client{Transport: &oauth2.Transport{
		Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: fake.AccessToken(name), TokenType: "Bearer"})}}
	svc, err := yt.NewService(context.Background(), option.WithEndpoint(e.base+"/"), option.WithHTTPClient(client))
	if err != nil {
		e.t.Fatal(err)
	}
	no := false
	v := &yt.Video{Snippet: &yt.VideoSnippet{Title: title, Tags: tags, CategoryId: youtube.DefaultCategory},
		Status: &yt.VideoStatus{PrivacyStatus: "public", SelfDeclaredMadeForKids: no, ForceSendFields: []string{"SelfDeclaredMadeForKids"}}}
	out, err := svc.Videos.Insert([]string{"snippet", "status"}, v).Media(bytes.NewReader(media), googleapi.ContentType("video/mp4")).Do()
	if err != nil {
		e.t.Fatalf("upload %q: %v", title, err)
	}
	return out
}

// account returns an account of the fake channel name.
func (e *env) account(name string) *pregonero.Account {
	return &pregonero.Account{ID: "yt-" + name, Network: pregonero.NetworkYouTube, Name: name, Endpoint: e.base,
		Status: pregonero.AccountActive, Credentials: map[string]string{
			youtube.CredClientID:     fake.ClientID,
			youtube.CredClientSecret: fake.ClientSecret,
			youtube.CredRefreshToken: fake.RefreshToken(name),
		}}
}

// posts returns the videos the fake holds for the channel name.
func (e *env) posts(name string) []fakenet.Post {
	return e.fake.Ledger().Filter(fake.Network, fake.ChannelID(name))
}

func (e *env) fault(r fakenet.Rule) {
	e.t.Helper()
	r.Network = fake.Network
	if _, err := e.fake.Faults().Add(r); err != nil {
		e.t.Fatalf("add fault: %v", err)
	}
	e.t.Cleanup(func() { e.fake.Faults().Clear() })
}

func (e *env) delivery(a *pregonero.Account) *pregonero.Delivery {
	now := e.clock.Now()
	return &pregonero.Delivery{ID: pregonero.NewID("d", now), PostID: pregonero.NewID("p", now), AccountID: a.ID,
		Network: a.Network, State: pregonero.DeliverySending, ScheduledAt: now, UpdatedAt: now}
}

// videoResource reads a video from the fake as its channel's owner.
func (e *env) videoResource(channel, id string) map[string]any {
	e.t.Helper()
	q := url.Values{"id": {id}, "part": {"snippet,status"}}
	req, _ := http.NewRequest(http.MethodGet, e.base+"/youtube/v3/videos?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+fake.AccessToken(channel))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("read video %s: %v", id, err)
	}
	defer res.Body.Close()
	var body struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || len(body.Items) != 1 {
		e.t.Fatalf("read video %s: status %d, %d items, error %v", id, res.StatusCode, len(body.Items), err)
	}
	return body.Items[0]
}

// content returns valid content with a video of the given size whose
// bytes derive from seed, and a marker unique to the seed.
func content(t testing.TB, title string, size int, seed string) pregonero.Content {
	no := false
	return pregonero.Content{
		Title:       title,
		Text:        "Video " + title,
		Media:       []pregonero.MediaBlob{videoBlob(t, size, seed)},
		MadeForKids: &no,
		Marker:      "m" + digest(seed)[:16],
	}
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// mp4 returns size bytes shaped as an MP4 file: an ftyp box, then an mdat
// box of bytes derived from seed, so that two seeds never give the same
// file. It stays local rather than use mediatest.MP4: the tests name their
// seeds with words, many per channel, and the fake rejects a channel's
// repeated bytes as a duplicate, while mediatest's byte-sized seed makes at
// most 256 different files of a size.
func mp4(size int, seed string) []byte {
	ftyp := []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomavc1")
	if size < len(ftyp)+8 {
		size = len(ftyp) + 8
	}
	b := make([]byte, 0, size)
	b = append(b, ftyp...)
	hdr := make([]byte, 8)
	binary.BigEndian.PutUint32(hdr, uint32(size-len(ftyp)))
	copy(hdr[4:], "mdat")
	b = append(b, hdr...)
	block := sha256.Sum256([]byte(seed))
	for len(b) < size {
		block = sha256.Sum256(block[:])
		b = append(b, block[:min(len(block), size-len(b))]...)
	}
	return b
}

func videoBlob(t testing.TB, size int, seed string) pregonero.MediaBlob {
	return adaptertest.Blob("video.mp4", "video/mp4", mp4(size, seed), 1280, 720, "")
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// pacificMidnight returns the next midnight in Los Angeles after t.
func pacificMidnight(t *testing.T, at time.Time) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := at.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// memSettings is a SettingStore in memory.
type memSettings struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memSettings) Setting(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[key]
	if !ok {
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "setting %s not found", key)
	}
	return bytes.Clone(b), nil
}

func (s *memSettings) PutSetting(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string][]byte)
	}
	s.m[key] = bytes.Clone(value)
	return nil
}

// memCreds is a CredentialStore in memory.
type memCreds struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

func (s *memCreds) Credentials(_ context.Context, id string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[id]
	if !ok {
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "no credentials for %s", id)
	}
	return maps.Clone(c), nil
}

func (s *memCreds) PutCredentials(_ context.Context, id string, c map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]map[string]string)
	}
	s.m[id] = maps.Clone(c)
	return nil
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// progress records the calls of Content.Progress.
type progress struct {
	mu    sync.Mutex
	calls [][2]int64
}

func (p *progress) record(sent, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, [2]int64{sent, total})
}

func (p *progress) get() [][2]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][2]int64(nil), p.calls...)
}

package fake_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/gif"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/youtube/v3"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/youtube/fake"
	"pregonero/media/mediatest"
)

// t0 is a Friday noon UTC, 04:00 in Los Angeles (standard time).
var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// env is a fake on a settable clock and a client of one channel.
type env struct {
	f     *fake.Fake
	base  string
	clock *fakenet.Clock
	svc   *youtube.Service
	log   *requestLog
}

// newEnv starts a fake mounted under /youtube, as in the sandbox, and a
// client of channel that refreshes its token at the fake's /token.
func newEnv(t *testing.T, opts fake.Options, channel string) *env {
	t.Helper()
	clock := fakenet.NewClock(t0)
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Prefix == "" {
		opts.Prefix = "/youtube"
	}
	f := fake.New(opts)
	base := fakenettest.Serve(t, f, opts.Prefix)
	e := &env{f: f, base: base, clock: clock, log: &requestLog{}}
	e.svc = e.service(t, channel)
	return e
}

// service returns a client of channel with a refresh-token source.
func (e *env) service(t *testing.T, channel string) *youtube.Service {
	t.Helper()
	conf := &oauth2.Config{ClientID: fake.ClientID, ClientSecret: fake.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: e.base + "/token"},
		Scopes:   []string{youtube.YoutubeForceSslScope}}
	return e.serviceWith(t, conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: fake.RefreshToken(channel)}))
}

// staticService returns a client of channel using its never-expiring
// access token, for tests that move the clock by hours.
func (e *env) staticService(t *testing.T, channel string) *youtube.Service {
	t.Helper()
	return e.serviceWith(t, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: fake.AccessToken(channel), TokenType: "Bearer"}))
}

func (e *env) serviceWith(t *testing.T, ts oauth2.TokenSource) *youtube.Service {
	t.Helper()
	client := &http.Client{Transport: &oauth2.Transport{Source: ts, Base: &recorder{log: e.log, base: http.DefaultTransport}}}
	svc, err := youtube.NewService(t.Context(), option.WithEndpoint(e.base+"/"), option.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// requestLog records the requests a client made.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, s)
}

// uploads returns the recorded requests to upload paths as
// "uploadType" for initiations and one-request uploads and
// "chunk Content-Range" for session requests.
func (l *requestLog) uploads() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.reqs {
		if strings.HasPrefix(r, "upload ") {
			out = append(out, strings.TrimPrefix(r, "upload "))
		}
	}
	return out
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

type recorder struct {
	log  *requestLog
	base http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	switch {
	case q.Get("upload_id") != "":
		r.log.add("upload chunk " + req.Header.Get("Content-Range"))
	case strings.Contains(req.URL.Path, "/upload/"):
		r.log.add("upload " + q.Get("uploadType") + " " + req.URL.Path)
	default:
		r.log.add(req.Method + " " + req.URL.Path)
	}
	return r.base.RoundTrip(req)
}

// box is an ISO BMFF box. It stays for the QuickTime test, whose file
// (ftyp brand "qt  ") mediatest does not make.
func box(typ string, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(n))
	b = append(b, typ...)
	for _, p := range payload {
		b = append(b, p...)
	}
	return b
}

// mp4 is a 5-second 1280×720 MP4 of exactly size bytes (at least a few
// hundred) whose media data derives from seed, so that different seeds
// give different files and the fake does not reject one as a duplicate.
// mediatest varies the bytes by a byte-sized seed: seeds equal modulo 256
// give the same file, and the tests keep theirs apart.
func mp4(size int, seed uint64) []byte {
	return mediatest.MP4(size, 5000, 1280, 720, uint8(seed))
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	return mediatest.JPEG(128, 72, 0)
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	return mediatest.PNG(64, 36, 0)
}

// gifBytes is a GIF thumbnail, a format mediatest does not encode: it
// draws mediatest's image with image/gif.
func gifBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, mediatest.Image(16, 9, 0), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// newVideo is the metadata of a valid public upload.
func newVideo(title string) *youtube.Video {
	return &youtube.Video{
		Snippet: &youtube.VideoSnippet{Title: title, Description: "Descripción", Tags: []string{"pregonero-" + title}, CategoryId: "25"},
		Status:  &youtube.VideoStatus{PrivacyStatus: "public", SelfDeclaredMadeForKids: false, ForceSendFields: []string{"SelfDeclaredMadeForKids"}},
	}
}

// insert uploads media with chunk size chunk (bigger than the media for a
// one-request upload).
func insert(svc *youtube.Service, v *youtube.Video, media []byte, chunk int) (*youtube.Video, error) {
	return svc.Videos.Insert([]string{"snippet", "status"}, v).
		Media(bytes.NewReader(media), googleapi.ChunkSize(chunk), googleapi.ContentType("video/mp4")).Do()
}

// mustInsert uploads a small video in one request.
func mustInsert(t *testing.T, svc *youtube.Service, title string, seed uint64) *youtube.Video {
	t.Helper()
	v, err := insert(svc, newVideo(title), mp4(20<<10, seed), 1<<20)
	if err != nil {
		t.Fatalf("insert %q: %v", title, err)
	}
	return v
}

// apiErr returns the Google API error in err, failing the test when there
// is none.
func apiErr(t *testing.T, err error) *googleapi.Error {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want a *googleapi.Error", err)
	}
	return ge
}

// wantReason checks that err is a Google API error with the status and
// reason.
func wantReason(t *testing.T, err error, status int, reason string) {
	t.Helper()
	ge := apiErr(t, err)
	if ge.Code != status || len(ge.Errors) == 0 || ge.Errors[0].Reason != reason {
		t.Errorf("error = %d %+v, want %d %s", ge.Code, ge.Errors, status, reason)
	}
}

// raw sends a request to the fake with a channel's access token and
// returns the status, headers and body.
func raw(t *testing.T, method, rawURL, token string, header map[string]string, body []byte) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// postForm posts a form to the token endpoint.
func postForm(t *testing.T, rawURL string, form url.Values, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", rawURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

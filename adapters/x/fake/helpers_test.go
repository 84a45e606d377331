package fake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/x/fake"
)

// env is one fake on an httptest server with a settable clock.
type env struct {
	fake  *fake.Fake
	base  string
	clock *fakenet.Clock
}

// newEnv starts a fake whose clock reads the wall time until moved, so
// that OAuth 1.0a timestamps signed with the real clock are accepted.
func newEnv(t *testing.T, opts fake.Options) *env {
	t.Helper()
	clock := fakenet.NewClock(time.Now())
	opts.Now = clock.Now
	f := fake.New(opts)
	base := fakenettest.Serve(t, f, opts.Prefix)
	return &env{fake: f, base: base, clock: clock}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request with a bearer token for user ("" sends none).
func (e *env) do(t *testing.T, user, method, path string, body any) response {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+fake.AccessToken(user))
	}
	return send(t, http.DefaultClient, req)
}

func send(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

// oauth1Client signs with dghubble/oauth1 for user; base, when not nil,
// is the transport under the signer.
func oauth1Client(user string, base http.RoundTripper, noncer oauth1.Noncer) *http.Client {
	cfg := oauth1.NewConfig(fake.ConsumerKey, fake.ConsumerSecret)
	cfg.Noncer = noncer
	ctx := context.Background()
	if base != nil {
		ctx = context.WithValue(ctx, oauth1.HTTPClient, &http.Client{Transport: base})
	}
	return cfg.Client(ctx, oauth1.NewToken(fake.AccessToken(user), fake.AccessTokenSecret(user)))
}

// createPost posts text as user and returns the new id.
func (e *env) createPost(t *testing.T, user, text string, mediaIDs ...string) string {
	t.Helper()
	body := map[string]any{}
	if text != "" {
		body["text"] = text
	}
	if len(mediaIDs) > 0 {
		body["media"] = map[string]any{"media_ids": mediaIDs}
	}
	res := e.do(t, user, "POST", "/2/tweets", body)
	if res.status != http.StatusCreated {
		t.Fatalf("create %q: status %d: %s", text, res.status, res.body)
	}
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	res.decode(t, &out)
	return out.Data.ID
}

// Small files whose first bytes are of the type they claim.
var (
	pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 100)...)
	gifBytes = append([]byte("GIF89a\x01\x00\x01\x00"), make([]byte, 100)...)
	mp4Bytes = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 3000)...)
)

// upload runs initialize, append (in chunks of chunk bytes) and finalize,
// and returns the media id and the finalize data.
func (e *env) upload(t *testing.T, user, mediaType, category string, data []byte, chunk int) (string, map[string]any) {
	t.Helper()
	res := e.do(t, user, "POST", "/2/media/upload/initialize", map[string]any{
		"media_type": mediaType, "total_bytes": len(data), "media_category": category})
	if res.status != http.StatusOK {
		t.Fatalf("initialize: status %d: %s", res.status, res.body)
	}
	var init struct {
		Data struct {
			ID               string `json:"id"`
			MediaKey         string `json:"media_key"`
			ExpiresAfterSecs int    `json:"expires_after_secs"`
		} `json:"data"`
	}
	res.decode(t, &init)
	id := init.Data.ID
	if init.Data.ExpiresAfterSecs != 86399 || !strings.HasSuffix(init.Data.MediaKey, "_"+id) {
		t.Fatalf("initialize data = %+v, want expires_after_secs 86399 and a media key ending in _%s", init.Data, id)
	}
	for i := 0; i*chunk < len(data); i++ {
		part := data[i*chunk : min((i+1)*chunk, len(data))]
		res := e.appendChunk(t, user, id, strconv.Itoa(i), part)
		if res.status != http.StatusOK {
			t.Fatalf("append %d: status %d: %s", i, res.status, res.body)
		}
	}
	res = e.do(t, user, "POST", "/2/media/upload/"+id+"/finalize", nil)
	if res.status != http.StatusOK {
		t.Fatalf("finalize: status %d: %s", res.status, res.body)
	}
	var fin struct {
		Data map[string]any `json:"data"`
	}
	res.decode(t, &fin)
	return id, fin.Data
}

func (e *env) appendChunk(t *testing.T, user, id, segment string, part []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("segment_index", segment); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("media", "blob")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(part)
	mw.Close()
	req, _ := http.NewRequest("POST", e.base+"/2/media/upload/"+id+"/append", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+fake.AccessToken(user))
	return send(t, http.DefaultClient, req)
}

// status polls STATUS once and returns processing_info (nil when absent).
func (e *env) status(t *testing.T, user, id string) map[string]any {
	t.Helper()
	res := e.do(t, user, "GET", "/2/media/upload?command=STATUS&media_id="+id, nil)
	if res.status != http.StatusOK {
		t.Fatalf("status: %d: %s", res.status, res.body)
	}
	var out struct {
		Data struct {
			ProcessingInfo map[string]any `json:"processing_info"`
		} `json:"data"`
	}
	res.decode(t, &out)
	return out.Data.ProcessingInfo
}

func assertBody(t *testing.T, res response, status int, want string) {
	t.Helper()
	if res.status != status {
		t.Errorf("status = %d, want %d (body %s)", res.status, status, res.body)
	}
	if got := strings.TrimSpace(string(res.body)); got != want {
		t.Errorf("body =\n%s\nwant\n%s", got, want)
	}
}

const unauthorizedBody = `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`

// oauth1ClientRaw signs with arbitrary credentials.
func oauth1ClientRaw(consumerKey, consumerSecret, token, tokenSecret string) *http.Client {
	return oauth1.NewConfig(consumerKey, consumerSecret).Client(context.Background(), oauth1.NewToken(token, tokenSecret))
}

// simpleUpload uses the one-shot POST /2/media/upload.
func (e *env) simpleUpload(t *testing.T, user string, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("media_category", "tweet_image")
	fw, _ := mw.CreateFormFile("media", "image.png")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.base+"/2/media/upload", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+fake.AccessToken(user))
	res := send(t, http.DefaultClient, req)
	if res.status != http.StatusOK {
		t.Fatalf("one-shot upload: status %d: %s", res.status, res.body)
	}
	var out struct{ Data struct{ ID string } }
	res.decode(t, &out)
	return out.Data.ID
}

func faultRule(op, mode string, status int) fakenet.Rule {
	return fakenet.Rule{Network: "x", Op: op, Mode: fakenet.Mode(mode), Status: status}
}

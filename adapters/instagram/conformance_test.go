package instagram_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
)

// permalinkPath is the path of a feed post's or reel's permalink.
var permalinkPath = regexp.MustCompile(`^/(p|reel)/[A-Za-z0-9_-]+/$`)

// receiptURL checks that a receipt's URL is Instagram's permalink of the
// receipt's media: an https address on www.instagram.com under /p/ or
// /reel/, equal to the permalink the fake gives for that media id. The
// bare https://www.instagram.com/ the adapter falls back to when the
// permalink cannot be read does not pass.
func (e *env) receiptURL(_ *testing.T, r pregonero.Receipt) error {
	u, err := url.Parse(r.URL)
	if err != nil {
		return err
	}
	if u.Scheme != "https" || u.Host != "www.instagram.com" || !permalinkPath.MatchString(u.Path) || u.RawQuery != "" {
		return fmt.Errorf("want an https://www.instagram.com/p/<shortcode>/ or /reel/<shortcode>/ permalink")
	}
	want, err := e.permalink(r.RemoteID)
	if err != nil {
		return err
	}
	if r.URL != want {
		return fmt.Errorf("want the permalink of media %s, %s", r.RemoteID, want)
	}
	return nil
}

// permalink reads the permalink of a published media from the fake, with
// the Instagram Login token of the account that holds it.
func (e *env) permalink(id string) (string, error) {
	p, ok := e.fake.Ledger().Get(fake.NetworkInstagram, id)
	if !ok {
		return "", fmt.Errorf("the fake holds no media %s", id)
	}
	q := url.Values{"fields": {"permalink"}, "access_token": {fake.InstagramToken(p.Account)}}
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get(e.base + "/" + url.PathEscape(id) + "?" + q.Encode())
	if err != nil {
		return "", fmt.Errorf("read permalink of %s: %w", id, err)
	}
	defer res.Body.Close()
	var body struct {
		Permalink string `json:"permalink"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK || body.Permalink == "" {
		return "", fmt.Errorf("read permalink of %s: status %d, permalink %q, error %v", id, res.StatusCode, body.Permalink, err)
	}
	return body.Permalink, nil
}

// conformanceImages returns n served JPEGs with aspect ratios from 1.25:1
// to about 1.5:1, all within Instagram's 4:5 to 1.91:1, each of its own
// size so that each has its own address.
func (e *env) conformanceImages(t *testing.T, n int) []pregonero.MediaBlob {
	t.Helper()
	blobs := make([]pregonero.MediaBlob, n)
	for i := range blobs {
		blobs[i] = e.media.jpeg(t, 80+8*i, 64+4*i, fmt.Sprintf("Figure %d: a test pattern", i+1))
	}
	return blobs
}

func TestConformance(t *testing.T) {
	e := newEnv(t, envOptions{})
	adapter := &stored{Adapter: e.adapter}
	adaptertest.Run(t, adaptertest.Harness{
		Adapter: adapter,
		Network: fake.NetworkInstagram,
		Account: func(_ *testing.T, name string) *pregonero.Account { return e.account(name) },
		Unauthorized: func(_ *testing.T, name string) *pregonero.Account {
			a := e.account(name)
			a.Credentials["access_token"] = "revoked-token"
			return a
		},
		Posts: func(_ *testing.T, a *pregonero.Account) []fakenet.Post { return e.posts(a) },
		Fault: func(t *testing.T, r fakenet.Rule) {
			if _, err := e.fake.Faults().Add(r); err != nil {
				t.Fatalf("add fault: %v", err)
			}
		},
		ClearFaults: func(*testing.T) { e.fake.Faults().Clear() },
		CreateOp:    fake.OpPublish,
		UploadOp:    fake.OpContainer,
		Content: func(t *testing.T, text string) pregonero.Content {
			return pregonero.Content{Text: text, Media: []pregonero.MediaBlob{e.media.jpeg(t, 64, 48, "A test pattern")}}
		},
		Images:        e.conformanceImages,
		ReceiptURL:    e.receiptURL,
		TextField:     "text",
		EmptyField:    "media",
		MaxTextLength: 2200,
		MaxImages:     10,
	})
}

func TestConformanceReceiptURLCheck(t *testing.T) {
	e := newEnv(t, envOptions{})
	publish := func(name string) pregonero.Receipt {
		a := e.account(name)
		c := pregonero.Content{Text: "Receipt check " + name, Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 80, "")}}
		r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		return r
	}
	r, other := publish("receipt_one"), publish("receipt_two")
	if err := e.receiptURL(t, r); err != nil {
		t.Fatalf("got %v for the adapter's receipt %+v, want it accepted", err, r)
	}
	u, _ := url.Parse(r.URL)
	for name, s := range map[string]string{
		"the fallback address":       "https://www.instagram.com/",
		"another media's permalink":  other.URL,
		"http":                       "http://www.instagram.com" + u.Path,
		"another host":               "https://instagram.example" + u.Path,
		"a permalink with a query":   r.URL + "?utm_source=x",
		"a profile":                  "https://www.instagram.com/sandbox_user/",
		"the shortcode without path": "https://www.instagram.com" + u.Path[len("/p"):],
	} {
		bad := r
		bad.URL = s
		if err := e.receiptURL(t, bad); err == nil {
			t.Errorf("%s: got %q accepted, want it refused", name, s)
		}
	}
}

package youtube

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"pregonero"
)

// chunkRetries is how many times a chunk whose answer was lost is sent
// again before the upload gives up.
const chunkRetries = 3

// endpointPrefix returns the path of the account's endpoint ("/youtube"
// for a sandbox under that prefix), empty for the real API.
func endpointPrefix(acct *pregonero.Account) string {
	u, err := url.Parse(endpointOf(acct))
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// apiTransport sits under the OAuth 2.0 transport and does what the
// generated client does not:
//
//   - The client resolves upload paths ("/upload/youtube/v3/videos")
//     against the host, dropping any path of the endpoint; an endpoint
//     with a path (a sandbox under a prefix) gets it back.
//   - A resumable chunk whose answer was lost (the connection dropped
//     after the request was written) is sent again: the client library
//     retries only resets and 5xx, and gives up on a plain EOF, which
//     would throw away an upload the session can still take. Sending a
//     chunk again is safe: the session keeps what it received and takes
//     the overlap.
//   - trace, when set, records how far an upload went, which decides
//     whether a failure may have created a video.
type apiTransport struct {
	base    http.RoundTripper
	prefix  string
	trace   *uploadTrace
	backoff time.Duration
}

func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.prefix != "" && strings.HasPrefix(req.URL.Path, "/upload/") {
		r := req.Clone(req.Context())
		r.URL.Path = t.prefix + req.URL.Path
		if r.URL.RawPath != "" {
			r.URL.RawPath = t.prefix + req.URL.RawPath
		}
		r.Host = ""
		req = r
	}
	chunk := req.Header.Get("Content-Range") != ""
	if t.trace != nil {
		t.trace.before(req, chunk)
	}
	resp, err := t.base.RoundTrip(req)
	for i := 0; chunk && err != nil && i < chunkRetries && req.GetBody != nil && req.Context().Err() == nil; i++ {
		if serr := sleep(req.Context(), t.backoff<<i); serr != nil {
			break
		}
		body, berr := req.GetBody()
		if berr != nil {
			break
		}
		r := req.Clone(req.Context())
		r.Body = body
		resp, err = t.base.RoundTrip(r)
	}
	if t.trace != nil {
		t.trace.after(req, chunk, resp, err)
	}
	return resp, err
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// uploadTrace records how far one videos.insert went. YouTube creates the
// video only when the last byte arrives: with a multipart request that is
// the request itself, with a resumable upload the chunk that announces
// the total size. A failure before that created nothing and may simply be
// retried; a failure after it leaves the outcome unknown.
type uploadTrace struct {
	mu sync.Mutex
	// resumable is set when the first request initiated a resumable
	// session rather than a multipart upload.
	resumable bool
	// sent is set once a request reached the wire (anything but a failed
	// dial).
	sent bool
	// session is set when the initiation was answered with a session URL.
	session bool
	// final is set when the chunk completing the upload was sent.
	final bool
	// refused is set when a one-request (multipart) upload was answered
	// with a 4xx status: YouTube refused it without creating a video.
	refused bool
}

func (t *uploadTrace) before(req *http.Request, chunk bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if chunk {
		if completes(req.Header.Get("Content-Range")) {
			t.final = true
		}
		return
	}
	if req.URL.Query().Get("uploadType") == "resumable" {
		t.resumable = true
	}
}

func (t *uploadTrace) after(req *http.Request, chunk bool, resp *http.Response, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err == nil || !isDialError(err) {
		t.sent = true
	}
	if !chunk && t.resumable && resp != nil && resp.StatusCode/100 == 2 && resp.Header.Get("Location") != "" {
		t.session = true
	}
	if !chunk && !t.resumable && resp != nil && resp.StatusCode/100 == 4 {
		t.refused = true
	}
}

// hasSession reports whether a resumable session was opened: a request
// failing after that is not the initiation.
func (t *uploadTrace) hasSession() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.session
}

// mayHaveCreated reports whether the failed upload may have created a
// video: a resumable upload once its final chunk was sent, whatever was
// answered (the chunk may have been stored before a refused or lost
// answer, or before a retry that failed), and a one-request upload that
// reached the wire unless YouTube refused it with a 4xx answer.
func (t *uploadTrace) mayHaveCreated() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case !t.sent:
		return false
	case t.resumable:
		return t.session && t.final
	default:
		return !t.refused
	}
}

// completes reports whether a Content-Range header announces the total
// size ("bytes 0-99/100", "bytes */100"), which only the last request of
// an upload does.
func completes(contentRange string) bool {
	i := strings.LastIndexByte(contentRange, '/')
	return i >= 0 && contentRange[i+1:] != "*" && contentRange[i+1:] != ""
}

// isDialError reports whether err is a failure to connect, after which
// nothing was sent.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

package youtube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
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
//   - A chunk that the session kept only in part (its "resume incomplete"
//     answer names, in Range, fewer bytes than the chunk ends with) is
//     completed here: the client library never reads Range and would go
//     on with the next chunk, leaving a gap. What is sent again starts at
//     the last 256 KiB boundary at or before the offset received, so that
//     it stays a whole number of 256 KiB blocks (every chunk but the last
//     must be), and ends where the chunk ended.
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
	resp, err := t.send(req, chunk, nil)
	if chunk && err == nil {
		resp, err = t.complete(req, resp)
	}
	if t.trace != nil {
		t.trace.after(req, chunk, resp, err)
	}
	return resp, err
}

// send sends req, with body instead of its own when body is not nil, and
// sends a chunk whose answer was lost again.
func (t *apiTransport) send(req *http.Request, chunk bool, body []byte) (*http.Response, error) {
	r := req
	if body != nil {
		r = withBody(req, body)
	}
	resp, err := t.base.RoundTrip(r)
	for i := 0; chunk && err != nil && i < chunkRetries && (body != nil || req.GetBody != nil) && req.Context().Err() == nil; i++ {
		if serr := sleep(req.Context(), t.backoff<<i); serr != nil {
			break
		}
		if body != nil {
			r = withBody(req, body)
		} else {
			b, berr := req.GetBody()
			if berr != nil {
				break
			}
			r = req.Clone(req.Context())
			r.Body = b
		}
		resp, err = t.base.RoundTrip(r)
	}
	return resp, err
}

// withBody is req with body as its body.
func withBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return r
}

// complete sends again the part of a chunk the session did not keep (see
// apiTransport), until it kept the whole chunk, and returns the last
// answer. A chunk the session cannot be made to keep is an error, never
// an answer the client library would take for the whole chunk.
func (t *apiTransport) complete(req *http.Request, resp *http.Response) (*http.Response, error) {
	first, last, total, ok := chunkRange(req.Header.Get("Content-Range"))
	if !ok {
		return resp, nil
	}
	var data []byte // the chunk's bytes, read once they are needed
	for range chunkRetries + 1 {
		received, incomplete := resumeIncomplete(resp)
		if !incomplete || received > last {
			return resp, nil
		}
		drain(resp)
		from := received / ChunkGranularity * ChunkGranularity
		if from < first {
			return nil, fmt.Errorf("upload session kept %d bytes, fewer than the %d before this chunk", received, first)
		}
		if data == nil {
			if req.GetBody == nil {
				return nil, fmt.Errorf("upload session kept %d of the bytes up to %d, and the chunk cannot be read again", received, last+1)
			}
			b, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("read the chunk again: %w", err)
			}
			data, err = io.ReadAll(b)
			b.Close()
			if err != nil {
				return nil, fmt.Errorf("read the chunk again: %w", err)
			}
			if int64(len(data)) != last-first+1 {
				return nil, fmt.Errorf("chunk of %d bytes announced as %d", len(data), last-first+1)
			}
		}
		r := req.Clone(req.Context())
		r.Header = req.Header.Clone()
		r.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%s", from, last, total))
		var err error
		if resp, err = t.send(r, true, data[from-first:]); err != nil {
			return nil, err
		}
	}
	if received, incomplete := resumeIncomplete(resp); incomplete && received <= last {
		drain(resp)
		return nil, fmt.Errorf("upload session kept %d bytes after the chunk up to %d was sent %d times", received, last+1, chunkRetries+1)
	}
	return resp, nil
}

// chunkRange parses a chunk's Content-Range, "bytes 0-262143/*" or
// "bytes 262144-300000/300001"; ok is false for a status query
// ("bytes */300001") or anything else.
func chunkRange(h string) (first, last int64, total string, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes ")
	if !found {
		return 0, 0, "", false
	}
	span, total, found := strings.Cut(spec, "/")
	a, b, dash := strings.Cut(span, "-")
	if !found || !dash || total == "" {
		return 0, 0, "", false
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first {
		return 0, 0, "", false
	}
	return first, last, total, true
}

// resumeIncomplete reports whether an answer to a chunk says the upload is
// incomplete (308, or 200 with X-Http-Status-Code-Override: 308 to a client
// that asked for no 308) and how many bytes the session kept, from its
// Range header ("bytes=0-262143"; none means nothing kept).
func resumeIncomplete(resp *http.Response) (received int64, ok bool) {
	if resp == nil || (resp.StatusCode != http.StatusPermanentRedirect && resp.Header.Get("X-Http-Status-Code-Override") != "308") {
		return 0, false
	}
	rng, found := strings.CutPrefix(strings.TrimSpace(resp.Header.Get("Range")), "bytes=0-")
	if !found {
		return 0, true
	}
	n, err := strconv.ParseInt(rng, 10, 64)
	if err != nil || n < 0 {
		return 0, true
	}
	return n + 1, true
}

// drain reads what is left of an answer the caller will not see and
// closes it, so that its connection can be used again.
func drain(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
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

package fakenet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Sleep waits d or until ctx is done, whichever comes first, and returns
// ctx's error in the second case: a delayed request whose client gave up
// is not processed.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxBufferedBody bounds how much of a request body Delay reads ahead.
const maxBufferedBody = 32 << 20

// Delay holds a request for d before it is handled, and returns an error
// when the client gives up meanwhile. The body is read ahead first:
// net/http notices a client hanging up only once the body has been
// consumed, and a delayed request whose client is gone must not be
// processed.
func Delay(r *http.Request, d time.Duration) error {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBufferedBody))
		if err != nil {
			return fmt.Errorf("delay: read body: %w", err)
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	}
	return Sleep(r.Context(), d)
}

// DropAfter runs h to completion with its response discarded and then
// closes the client's connection without a byte of answer, so the client
// cannot tell whether the operation happened. It needs an HTTP/1.x
// connection that can be hijacked; otherwise it aborts the response with
// http.ErrAbortHandler, which resets an HTTP/2 stream to the same effect.
func DropAfter(w http.ResponseWriter, r *http.Request, h http.Handler) {
	h.ServeHTTP(&discardWriter{header: make(http.Header)}, r)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close() // nothing to report to a client we are hanging up on
}

type discardWriter struct {
	header http.Header
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

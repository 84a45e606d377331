package fake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

// fetchError says why a download failed.
type fetchError struct {
	timeout  bool // the server was too slow
	tooLarge bool
	reason   string
}

func (e *fetchError) Error() string { return e.reason }

// validURL reports whether s is an absolute http(s) URL, the only kind
// Meta's crawler fetches.
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// open starts a download of u the way Meta's crawler does: a plain GET
// without credentials, a 2xx answer required.
func (f *Fake) open(ctx context.Context, u string) (io.ReadCloser, *fetchError) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &fetchError{reason: "invalid URL"}
	}
	req.Header.Set("User-Agent", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")
	res, err := f.fetcher.Do(req)
	if err != nil {
		return nil, classifyFetch(err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		res.Body.Close()
		return nil, &fetchError{reason: fmt.Sprintf("HTTP status %d", res.StatusCode)}
	}
	return res.Body, nil
}

// fetchBytes downloads u whole, up to limit bytes.
func (f *Fake) fetchBytes(ctx context.Context, u string, limit int64) ([]byte, *fetchError) {
	body, fe := f.open(ctx, u)
	if fe != nil {
		return nil, fe
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, classifyFetch(err)
	}
	if int64(len(b)) > limit {
		return nil, &fetchError{tooLarge: true, reason: fmt.Sprintf("larger than %d bytes", limit)}
	}
	return b, nil
}

func classifyFetch(err error) *fetchError {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &fetchError{timeout: true, reason: "timeout"}
	}
	return &fetchError{reason: "unreachable"}
}

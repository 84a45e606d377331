package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrPrivateAddress is the refusal of a connection to an address that
// is not on the public internet.
var ErrPrivateAddress = errors.New("the address is not a public one")

// RefusePrivate is a net.Dialer Control that refuses to connect to an
// address of the machine or of the local network (loopback, private,
// link-local, unique-local, multicast, unspecified, CGNAT): the URLs of
// feeds, their images and webhooks are given by people, and the server
// must not become their way into the networks only it can reach (the
// cloud metadata service at 169.254.169.254, the admin port of a
// router). It runs on the address being dialed, after DNS, so a name
// that resolves to a private address is refused too.
func RefusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsMulticast() ||
		ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() || cgnat.Contains(ip) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ip)
	}
	return nil
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598),
// private in all but name.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// PublicClient returns an HTTP client that connects to public addresses
// only (RefusePrivate), or to any when allowPrivate is set (the sandbox
// and tests, whose feeds and receivers are on the machine). Proxies from
// the environment are used as by http.DefaultTransport.
func PublicClient(allowPrivate bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = RefusePrivate
	}
	t.DialContext = d.DialContext
	return &http.Client{Transport: t}
}

// Defaults of a Fetcher's zero fields.
const (
	DefaultMaxBytes int64 = 5 << 20
	DefaultTimeout        = 30 * time.Second
)

// Fetcher downloads feeds with conditional requests: the validators of
// the last answer (ETag, Last-Modified) go back with the next request,
// and a server that answers 304 Not Modified costs a few bytes.
type Fetcher struct {
	// Client makes the requests; nil takes http.DefaultClient.
	Client *http.Client
	// MaxBytes caps the document's size (DefaultMaxBytes when zero): a
	// feed is a few hundred kilobytes, anything much larger is a mistake.
	MaxBytes int64
	// Timeout bounds the whole fetch, body included (DefaultTimeout when
	// zero).
	Timeout time.Duration
	// UserAgent names the fetcher to the sites it reads.
	UserAgent string
}

// Result is what a fetch brought: nothing new (NotModified), or the
// parsed feed; and the validators to send next time.
type Result struct {
	NotModified  bool
	Feed         *Feed
	ETag         string
	LastModified string
}

// Fetch gets the feed at rawURL, sending etag and lastModified (from the
// previous answer) as If-None-Match and If-Modified-Since. A server that
// answers 304 gives a Result with NotModified and the validators sent.
func (f *Fetcher) Fetch(ctx context.Context, rawURL, etag, lastModified string) (*Result, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http or https URL", rawURL)
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s did not answer within %s", rawURL, timeout)
		}
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	res := &Result{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if resp.StatusCode == http.StatusNotModified {
		// A 304 may leave out the validators; the ones sent still hold.
		if res.ETag == "" {
			res.ETag = etag
		}
		if res.LastModified == "" {
			res.LastModified = lastModified
		}
		res.NotModified = true
		return res, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("the server of %s answered %s", rawURL, resp.Status)
	}
	limit := f.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s did not send the whole feed within %s", rawURL, timeout)
		}
		return nil, fmt.Errorf("read %s: %w", rawURL, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("the feed at %s is larger than %d bytes", rawURL, limit)
	}
	// Redirects move the base of relative links.
	res.Feed, err = Parse(body, resp.Request.URL.String())
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Package facebook publishes to Facebook Pages over the Graph API
// (github.com/huandu/facebook/v2 through pregonero/adapters/graph): text
// and link posts with POST /{page}/feed, images uploaded unpublished with
// POST /{page}/photos and attached to one feed post, videos with POST
// /{page}/videos (sent to the account's video endpoint when it names one),
// reconciliation with GET /{page}/published_posts and, for
// a video, GET /{page}/videos.
//
// The message sent is the content's text; a post with media also carries
// its link after a blank line unless the text already contains it, while a
// post without media sends the link as its own parameter so that Facebook
// builds the preview. Validate, Publish and Reconcile all use that
// composition (ComposeMessage).
//
// Every error from Publish, Reconcile and Delete is a
// *pregonero.PublishError classified by graph.Classify.
package facebook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
	"pregonero/adapters/listing"
)

// DefaultReconcilePages caps the pages of 25 posts Reconcile reads.
const DefaultReconcilePages = 10

// network is the name Graph errors are reported with.
const network = "Facebook"

// Config configures an Adapter. Zero values select the defaults.
//
// Facebook's default HTTP client differs from graph.Config's: when
// HTTPClient is nil the adapter uses one that allows a whole request 15
// minutes, since a video upload takes long, while connecting (10 s), the
// TLS handshake (10 s) and waiting for the answer's headers (2 minutes)
// stay tightly bounded. A client set here is used as it is.
type Config struct {
	graph.Config
	// Logger receives the adapter's log lines. Default slog.Default().
	Logger *slog.Logger
	// ReconcilePages caps the pages of published posts (and of uploaded
	// photos) Reconcile reads. Default DefaultReconcilePages.
	ReconcilePages int
	// LoginConfigID is the id of the app's Facebook Login for Business
	// configuration, sent as config_id by AuthorizeURL; empty sends the
	// permissions as scope alone.
	LoginConfigID string
}

// Adapter publishes to Facebook Pages. It is safe for concurrent use.
type Adapter struct {
	g     graph.Config
	now   func() time.Time
	log   *slog.Logger
	pages int
	// loginConfig is Config.LoginConfigID.
	loginConfig string

	mu sync.Mutex
	// pageIDs caches the page id learned with GET /me, per account.
	pageIDs map[string]cachedPage
	// usage is the last usage headers seen for each account.
	usage map[string]seenUsage
	// listings holds recent reads of pages' lists for reconciliation.
	listings listing.Cache[item]
}

var (
	_ pregonero.Adapter  = (*Adapter)(nil)
	_ pregonero.Measurer = (*Adapter)(nil)
	_ pregonero.Checker  = (*Adapter)(nil)
)

type cachedPage struct{ key, id string }

type seenUsage struct {
	u  graph.Usage
	at time.Time
}

// New returns an Adapter configured by cfg.
func New(cfg Config) *Adapter {
	a := &Adapter{
		g:           cfg.Config,
		log:         cfg.Logger,
		pages:       cfg.ReconcilePages,
		loginConfig: strings.TrimSpace(cfg.LoginConfigID),
		pageIDs:     make(map[string]cachedPage),
		usage:       make(map[string]seenUsage),
	}
	if a.g.HTTPClient == nil {
		a.g.HTTPClient = defaultHTTPClient()
	}
	a.now = a.g.Clock()
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With(pregonero.LogComponent, "facebook")
	if a.pages <= 0 {
		a.pages = DefaultReconcilePages
	}
	return a
}

// defaultHTTPClient bounds connecting and waiting for an answer tightly
// but the whole request loosely, since a video upload takes long.
func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 15 * time.Minute,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 2 * time.Minute,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
		},
	}
}

// Network returns pregonero.NetworkFacebook.
func (a *Adapter) Network() pregonero.Network { return pregonero.NetworkFacebook }

// conn is a session bound to one account and request context.
type conn struct {
	a    *Adapter
	acct *pregonero.Account
	s    *fb.Session
	cr   graph.Creds
	key  string // endpoint and token fingerprint, for the page-id cache
}

// connect opens a Graph session for the account.
func (a *Adapter) connect(ctx context.Context, acct *pregonero.Account) (*conn, error) {
	if acct == nil {
		return nil, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "facebook_invalid", Message: "No account was given."}
	}
	cr, err := graph.CredsOf(acct)
	if err != nil {
		return nil, &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "facebook_credentials_missing",
			Message: "The account has no Facebook page access token; set its access_token credential.", Err: err}
	}
	s, err := a.g.Session(ctx, acct.Endpoint, cr)
	if err != nil {
		return nil, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "facebook_bad_endpoint",
			Message: fmt.Sprintf("The account's endpoint %q is not a valid URL.", acct.Endpoint), Err: err}
	}
	sum := sha256.Sum256([]byte(cr.AccessToken))
	return &conn{a: a, acct: acct, s: s, cr: cr, key: s.BaseURL + "\x00" + hex.EncodeToString(sum[:8])}, nil
}

// videoSession returns a session like the connection's whose requests go
// to the account's video host (see videoEndpoint).
func (c *conn) videoSession() (*fb.Session, error) {
	endpoint := videoEndpoint(c.acct)
	s, err := c.a.g.Session(c.s.Context(), endpoint, c.cr)
	if err != nil {
		return nil, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "facebook_bad_endpoint",
			Message: fmt.Sprintf("The account's video endpoint %q is not a valid URL; nothing was sent.", endpoint), Err: err}
	}
	return s, nil
}

// videoEndpoint is where the account's video uploads go: its
// VideoEndpoint when set, otherwise its Graph endpoint. Meta's Video API
// overview sends uploads to graph.facebook.com and calls the former
// graph-video.facebook.com host deprecated, so only an account that names
// a video host of its own (a proxy, the sandbox) sends them elsewhere.
func videoEndpoint(acct *pregonero.Account) string {
	if v := strings.TrimSpace(acct.VideoEndpoint); v != "" {
		return v
	}
	return acct.Endpoint
}

// call makes one Graph request, remembers its usage headers and classifies
// its failure. A path that is not "/{id}" or "/{id}/{edge}" with a Graph
// id (or "me") is refused without a request: huandu/facebook would report
// a URL it cannot parse with the access token in it.
func (c *conn) call(op graph.Op, method fb.Method, path string, params fb.Params) (fb.Result, error) {
	return c.callOn(c.s, op, method, path, params)
}

// callOn is call made with session s (the video host's for an upload).
func (c *conn) callOn(s *fb.Session, op graph.Op, method fb.Method, path string, params fb.Params) (fb.Result, error) {
	if !graph.ValidPath(path) {
		return nil, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "facebook_invalid_id",
			Message: fmt.Sprintf("Facebook was not called: %q is not a path of a Facebook id.", truncate(path, 80))}
	}
	res, err := s.Api(path, method, params)
	c.a.recordUsage(c.acct.ID, res)
	if err != nil {
		return res, graph.ClassifyIn(s, network, op, err, res, c.a.now())
	}
	return res, nil
}

// pageID returns the account's page id: its RemoteID, or the id of the
// token's page learned once with GET /me.
func (c *conn) pageID() (string, error) {
	if id := strings.TrimSpace(c.acct.RemoteID); id != "" {
		if !graph.ValidID(id) {
			return "", &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "facebook_bad_page_id",
				Message: fmt.Sprintf("The account's remote id %q is not a Facebook page id (digits); correct it, or leave it empty to use the page of the access token.", truncate(id, 80))}
		}
		return id, nil
	}
	c.a.mu.Lock()
	p, ok := c.a.pageIDs[c.acct.ID]
	c.a.mu.Unlock()
	if ok && p.key == c.key {
		return p.id, nil
	}
	res, err := c.call(graph.OpRead, fb.GET, "/me", fb.Params{"fields": "id,name"})
	if err != nil {
		return "", fmt.Errorf("look up facebook page: %w", err)
	}
	id := graph.Str(res, "id")
	if !graph.ValidID(id) {
		return "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_malformed_response",
			Message: "Facebook's answer about the page of the access token had no usable page id; it will be retried."}
	}
	c.a.mu.Lock()
	c.a.pageIDs[c.acct.ID] = cachedPage{key: c.key, id: id}
	c.a.mu.Unlock()
	return id, nil
}

// recordUsage remembers the usage headers of an answer for RateLimit.
func (a *Adapter) recordUsage(accountID string, res fb.Result) {
	if res == nil || res.UsageInfo() == nil {
		return
	}
	u := graph.UsageOf(res)
	a.mu.Lock()
	a.usage[accountID] = seenUsage{u: u, at: a.now()}
	a.mu.Unlock()
}

// RateLimit reports what the last usage headers Facebook sent for the
// account said: remaining is the percentage of the tightest quota (app,
// page or business use case) still free. At 100 % used, remaining is 0 and
// reset is when the headers were seen plus the estimated time to regain
// access (see graph.Usage.ThrottleWait). ok is false until an answer was
// seen.
func (a *Adapter) RateLimit(accountID string) (remaining int, reset time.Time, ok bool) {
	a.mu.Lock()
	s, ok := a.usage[accountID]
	a.mu.Unlock()
	if !ok {
		return 0, time.Time{}, false
	}
	used := s.u.Max()
	if used < 100 {
		return 100 - used, time.Time{}, true
	}
	return 0, s.at.Add(s.u.ThrottleWait()), true
}

// Delete deletes one of the page's posts with a real HTTP DELETE.
func (a *Adapter) Delete(ctx context.Context, acct *pregonero.Account, remoteID string) error {
	if !graph.ValidID(remoteID) {
		return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "facebook_invalid",
			Message: fmt.Sprintf("%q is not a Facebook post id.", truncate(remoteID, 80))}
	}
	c, err := a.connect(ctx, acct)
	if err != nil {
		return err
	}
	res, err := graph.Delete(c.s, "/"+remoteID)
	a.recordUsage(acct.ID, res)
	if err != nil {
		return fmt.Errorf("delete facebook post %s: %w", remoteID, graph.ClassifyIn(c.s, network, graph.OpPrepare, err, res, a.now()))
	}
	if ok, _ := res.Get("success").(bool); !ok {
		body, _ := json.Marshal(res)
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_not_deleted",
			Message:        fmt.Sprintf("Facebook did not confirm the deletion of post %s.", remoteID),
			NetworkMessage: truncate(string(body), 500), HTTPStatus: graph.HTTPStatus(c.s)}
	}
	a.log.Info("facebook post deleted", pregonero.LogAccount, acct.ID, pregonero.LogRemoteID, remoteID)
	return nil
}

// truncate shortens s to its first n characters, marking the cut with an
// ellipsis; it never splits a UTF-8 character, since its result goes into
// messages people read.
func truncate(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// Package x publishes to X (Twitter) over X API v2 on net/http: posts
// with POST /2/tweets, media with the dedicated chunked upload endpoints,
// reconciliation with the account's timeline. Requests are signed with
// OAuth 1.0a (github.com/dghubble/oauth1) or carry an OAuth 2.0 user token
// (golang.org/x/oauth2) whose rotating refresh token is stored before the
// renewed token is used.
//
// The text sent is the content's text with its link appended after a blank
// line ("\n\n" + link) unless the text already contains the link; Validate,
// Publish and Reconcile all use that composition (ComposeText).
//
// Accounts are connected through X's consent screen (Connector): OAuth
// 2.0 authorization code with PKCE S256 for the scopes tweet.read
// tweet.write users.read media.write offline.access; the tokens become the
// account's OAuth 2.0 credentials (see connect.go).
//
// Every error from Publish and Reconcile is a *pregonero.PublishError. A
// failure before the create request is written leaves nothing posted and
// is retryable; a failure after it (timeout, 5xx, lost connection,
// malformed answer) leaves the outcome unknown, to be reconciled.
package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"pregonero"
	"pregonero/adapters/listing"
)

// DefaultEndpoint is the base URL of the real X API, used when an account
// names none.
const DefaultEndpoint = "https://api.x.com"

// Defaults and bounds of Config.
const (
	// DefaultChunkSize is the size of a media upload segment.
	DefaultChunkSize = 4 << 20
	// MaxChunkSize is the largest segment X accepts (5 MB).
	MaxChunkSize = 5_000_000
	// DefaultMediaPolls caps the status polls of one media file.
	DefaultMediaPolls = 120
	// DefaultReconcilePages caps the timeline pages Reconcile reads.
	DefaultReconcilePages = 10
)

// Config configures an Adapter. Zero values select the defaults.
type Config struct {
	// HTTPClient sends every request; its Transport is the base of the
	// OAuth transports. Default: a client with dial, TLS, header and
	// overall timeouts.
	HTTPClient *http.Client
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Sleep waits between media status polls; it returns early with the
	// context's error. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Credentials stores rotated OAuth 2.0 tokens. Default: in memory, so
	// renewed tokens are lost when the process ends.
	Credentials CredentialStore
	// Logger receives the adapter's log lines. Default slog.Default().
	Logger *slog.Logger
	// MediaPolls caps the status polls of one media file while X
	// processes it. Default DefaultMediaPolls.
	MediaPolls int
	// MaxPollWait caps one wait between status polls, whatever X's
	// check_after_secs says. Default 30 seconds.
	MaxPollWait time.Duration
	// ReconcilePages caps the timeline pages (100 posts each) read by
	// Reconcile. Default DefaultReconcilePages.
	ReconcilePages int
	// ChunkSize is the size of media upload segments, at most
	// MaxChunkSize. Default DefaultChunkSize.
	ChunkSize int
}

// Adapter publishes to X. It is safe for concurrent use.
type Adapter struct {
	http        *http.Client
	now         func() time.Time
	sleep       func(ctx context.Context, d time.Duration) error
	creds       CredentialStore
	log         *slog.Logger
	mediaPolls  int
	maxPollWait time.Duration
	pages       int
	chunkSize   int

	mu       sync.Mutex
	accounts map[string]*accountState
	limits   map[limitKey]rateLimit
	// snapshots holds recent reads of accounts' posts for reconciliation.
	snapshots listing.Cache[timelinePost]
}

var (
	_ pregonero.Adapter  = (*Adapter)(nil)
	_ pregonero.Measurer = (*Adapter)(nil)
)

// accountState is what the adapter remembers about one account.
type accountState struct {
	// tokenMu serializes OAuth 2.0 token renewals of the account.
	tokenMu sync.Mutex
	// unsaved holds renewed tokens that could not be stored yet.
	unsaved map[string]string

	mu sync.Mutex
	// userKey identifies the endpoint and credentials the cached user was
	// looked up with.
	userKey  string
	userID   string
	username string
}

// New returns an Adapter configured by cfg.
func New(cfg Config) *Adapter {
	a := &Adapter{
		http:        cfg.HTTPClient,
		now:         cfg.Now,
		sleep:       cfg.Sleep,
		creds:       cfg.Credentials,
		log:         cfg.Logger,
		mediaPolls:  cfg.MediaPolls,
		maxPollWait: cfg.MaxPollWait,
		pages:       cfg.ReconcilePages,
		chunkSize:   cfg.ChunkSize,
		accounts:    make(map[string]*accountState),
		limits:      make(map[limitKey]rateLimit),
	}
	if a.http == nil {
		a.http = defaultHTTPClient()
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.sleep == nil {
		a.sleep = sleep
	}
	if a.creds == nil {
		a.creds = &pregonero.MemoryCredentials{}
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With(pregonero.LogComponent, "x")
	if a.mediaPolls <= 0 {
		a.mediaPolls = DefaultMediaPolls
	}
	if a.maxPollWait <= 0 {
		a.maxPollWait = 30 * time.Second
	}
	if a.pages <= 0 {
		a.pages = DefaultReconcilePages
	}
	if a.chunkSize <= 0 {
		a.chunkSize = DefaultChunkSize
	}
	a.chunkSize = min(a.chunkSize, MaxChunkSize)
	return a
}

func defaultHTTPClient() *http.Client {
	return &http.Client{
		// Bounds one request, a media segment included.
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: time.Minute,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
		},
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Adapter) state(accountID string) *accountState {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.accounts[accountID]
	if !ok {
		st = &accountState{}
		a.accounts[accountID] = st
	}
	return st
}

// Network returns pregonero.NetworkX.
func (a *Adapter) Network() pregonero.Network { return pregonero.NetworkX }

// createRequest is the body of POST /2/tweets.
type createRequest struct {
	Text  string       `json:"text,omitempty"`
	Media *createMedia `json:"media,omitempty"`
}

type createMedia struct {
	MediaIDs []string `json:"media_ids"`
}

// Publish uploads the content's media (reusing ids checkpointed by an
// earlier attempt while X still keeps them), then creates the post.
func (a *Adapter) Publish(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account) (pregonero.Receipt, error) {
	if errs := a.Validate(c, acct); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Message
		}
		code := "x_invalid"
		for _, e := range errs {
			if e.Field == "text" && e.Code == pregonero.FieldTooLong {
				code = "x_too_long"
			}
		}
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: code,
			Message: "The post does not fit X's limits: " + strings.Join(msgs, "; ")}
	}
	var checkpoint map[string]string
	if d != nil {
		checkpoint = d.Checkpoint
	}
	text := ComposeText(c)
	ids, reused, err := a.mediaIDs(ctx, acct, c, checkpoint)
	if err != nil {
		return pregonero.Receipt{}, err
	}
	id, err := a.create(ctx, acct, text, ids)
	if err != nil && reused && mediaRefused(err) {
		// X forgot media ids it said it would keep; a 400 means nothing
		// was posted, so upload afresh and try once more.
		a.log.Warn("x refused checkpointed media; uploading again", pregonero.LogAccount, acct.ID, pregonero.LogErr, err)
		if ids, _, err = a.mediaIDs(ctx, acct, c, nil); err != nil {
			return pregonero.Receipt{}, err
		}
		id, err = a.create(ctx, acct, text, ids)
	}
	if err != nil {
		return pregonero.Receipt{}, err
	}
	a.log.Info("x post created", pregonero.LogAccount, acct.ID, pregonero.LogRemoteID, id)
	return pregonero.Receipt{RemoteID: id, URL: a.statusURL(ctx, acct, id), PublishedAt: a.now().UTC()}, nil
}

// mediaIDs returns the media ids to attach: still-valid ones from the
// checkpoint, the others uploaded now and checkpointed before the post is
// created. reused reports whether any came from the checkpoint.
func (a *Adapter) mediaIDs(ctx context.Context, acct *pregonero.Account, c pregonero.Content, checkpoint map[string]string) (ids []string, reused bool, err error) {
	ids = make([]string, len(c.Media))
	for i, m := range c.Media {
		key := mediaCheckpointKey(i)
		if id, ok := a.reusableMedia(checkpoint[key]); ok {
			a.log.Debug("x reusing uploaded media", pregonero.LogAccount, acct.ID, pregonero.LogMediaID, id)
			ids[i], reused = id, true
			continue
		}
		id, expires, err := a.uploadMedia(ctx, acct, m)
		if err != nil {
			return nil, false, fmt.Errorf("upload media %d: %w", i, err)
		}
		if c.Checkpoint != nil {
			if err := c.Checkpoint(ctx, key, id+"|"+strconv.FormatInt(expires.Unix(), 10)); err != nil {
				return nil, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_checkpoint",
					Message: "The uploaded media could not be recorded; nothing was posted and it will be retried.",
					Err:     fmt.Errorf("checkpoint media %d: %w", i, err)}
			}
		}
		ids[i] = id
	}
	return ids, reused, nil
}

// mediaRefused reports whether X refused a create because of its media
// ids (expired or unknown), which a fresh upload cures.
func mediaRefused(err error) bool {
	var pe *pregonero.PublishError
	return errors.As(err, &pe) && pe.HTTPStatus == http.StatusBadRequest && pe.Code == "x_invalid_request" &&
		strings.Contains(strings.ToLower(pe.NetworkMessage), "media")
}

// create sends POST /2/tweets and returns the new post's id.
func (a *Adapter) create(ctx context.Context, acct *pregonero.Account, text string, ids []string) (string, error) {
	body := createRequest{Text: text}
	if len(ids) > 0 {
		body.Media = &createMedia{MediaIDs: ids}
	}
	cl, err := jsonCall(kindCreate, endpointCreate, http.MethodPost, "/2/tweets", body)
	if err != nil {
		return "", &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_invalid", Message: "The post could not be encoded.", Err: err}
	}
	resp, err := a.do(ctx, acct, cl)
	if err != nil {
		return "", fmt.Errorf("create post: %w", err)
	}
	var out struct {
		Data struct {
			ID flexString `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil || out.Data.ID == "" {
		if err == nil {
			err = fmt.Errorf("no data.id in %q", resp.excerpt(200))
		}
		return "", &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "x_malformed_response",
			Message:    "X accepted the post but its answer could not be read; whether it was published will be checked before any new attempt.",
			HTTPStatus: resp.status, Err: fmt.Errorf("create post: decode answer: %w", err)}
	}
	return string(out.Data.ID), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// mediaCheckpointKey is the delivery checkpoint key of the i-th media file;
// its value is "<media id>|<expiry unix seconds>".
func mediaCheckpointKey(i int) string { return "x.media." + strconv.Itoa(i) }

// mediaReuseMargin keeps a checkpointed media id from being used when it
// could expire before X attaches it.
const mediaReuseMargin = 5 * time.Minute

// reusableMedia parses a media checkpoint and reports whether its id is
// still valid.
func (a *Adapter) reusableMedia(v string) (string, bool) {
	id, exp, ok := strings.Cut(v, "|")
	if !ok || id == "" {
		return "", false
	}
	sec, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", false
	}
	if !time.Unix(sec, 0).After(a.now().Add(mediaReuseMargin)) {
		return "", false
	}
	return id, true
}

// statusURL returns the web address of a post, under the account's
// LinkBase. It never fails: without the username, X's user-agnostic
// address is used.
func (a *Adapter) statusURL(ctx context.Context, acct *pregonero.Account, id string) string {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, username, err := a.user(ctx, acct)
	if err != nil || username == "" {
		if err != nil {
			a.log.Warn("x username lookup failed; using the generic post address", pregonero.LogAccount, acct.ID, pregonero.LogErr, err)
		}
		return linkBase(acct) + "/i/web/status/" + url.PathEscape(id)
	}
	return linkBase(acct) + "/" + url.PathEscape(username) + "/status/" + url.PathEscape(id)
}

// DefaultLinkBase is where X's public pages are, for accounts that name no
// LinkBase.
const DefaultLinkBase = "https://x.com"

// linkBase is the base URL of the account's public post pages: the
// sandbox's stand-in pages for a sandbox account, x.com otherwise.
func linkBase(acct *pregonero.Account) string {
	if b := strings.TrimRight(acct.LinkBase, "/"); b != "" {
		return b
	}
	return DefaultLinkBase
}

// user returns the account's X user id and username, from the cache when
// they were looked up with the same endpoint and credentials.
func (a *Adapter) user(ctx context.Context, acct *pregonero.Account) (id, username string, err error) {
	st := a.state(acct.ID)
	key := endpointOf(acct) + "\x00" + fingerprint(acct.Credentials)
	st.mu.Lock()
	if st.userKey == key && st.userID != "" {
		id, username = st.userID, st.username
	}
	st.mu.Unlock()
	if id != "" {
		return id, username, nil
	}
	return a.Me(ctx, acct)
}

// Me looks up the authenticated user of the account (GET /2/users/me) and
// caches it for post addresses and reconciliation.
func (a *Adapter) Me(ctx context.Context, acct *pregonero.Account) (id, username string, err error) {
	resp, err := a.do(ctx, acct, call{kind: kindRead, endpoint: endpointMe, method: http.MethodGet, path: "/2/users/me"})
	if err != nil {
		return "", "", fmt.Errorf("look up x user: %w", err)
	}
	var out struct {
		Data struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil || out.Data.ID == "" {
		if err == nil {
			err = fmt.Errorf("no data.id in %q", resp.excerpt(200))
		}
		return "", "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_malformed_response",
			Message: "X's answer about the account's user could not be read; it will be retried.", HTTPStatus: resp.status,
			Err: fmt.Errorf("look up x user: decode answer: %w", err)}
	}
	st := a.state(acct.ID)
	st.mu.Lock()
	st.userKey = endpointOf(acct) + "\x00" + fingerprint(acct.Credentials)
	st.userID, st.username = out.Data.ID, out.Data.Username
	st.mu.Unlock()
	return out.Data.ID, out.Data.Username, nil
}

// Delete deletes one of the account's posts (DELETE /2/tweets/{id}).
func (a *Adapter) Delete(ctx context.Context, acct *pregonero.Account, remoteID string) error {
	if remoteID == "" {
		return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_invalid", Message: "No post id was given to delete."}
	}
	resp, err := a.do(ctx, acct, call{kind: kindDelete, endpoint: endpointDelete, method: http.MethodDelete, path: "/2/tweets/" + url.PathEscape(remoteID)})
	if err != nil {
		return fmt.Errorf("delete x post %s: %w", remoteID, err)
	}
	var out struct {
		Data struct {
			Deleted bool `json:"deleted"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil || !out.Data.Deleted {
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_not_deleted",
			Message: fmt.Sprintf("X did not confirm the deletion of post %s.", remoteID), HTTPStatus: resp.status,
			NetworkMessage: resp.excerpt(500)}
	}
	return nil
}

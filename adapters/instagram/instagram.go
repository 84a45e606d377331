// Package instagram publishes to Instagram professional accounts over the
// Graph API content-publishing flow (github.com/huandu/facebook/v2 through
// pregonero/adapters/graph): a media container is created from public
// URLs of the media, polled until Meta has fetched and processed them,
// and published with media_publish.
//
// The container is the delivery's checkpoint: its id is persisted under
// CheckpointContainer before it is polled or published, and a container
// can be published only once, so an attempt that resumes a checkpointed
// container never posts twice, and reconciliation reads the container's
// status instead of guessing from the account's posts.
//
// Only the post of a PUBLISHED container is looked up among the account's
// media, for its id and permalink. The instant media_publish is called is
// checkpointed under CheckpointPublishAt before each call, and the post is
// searched for from shortly before that instant (never from the
// delivery's start, where another delivery's post of the same caption, or
// any story, may be), by caption and media type; a post that cannot be
// told apart keeps the outcome unknown. Since a PUBLISHED container is
// known to be out, the doubt is bounded: once the instant is
// Config.UnlistedAfter old (or a story has left the stories list after 24
// hours), the receipt names the container instead of the media
// (ContainerReceiptPrefix + container id, the account's profile for the
// address) and a warning is logged. Such a receipt is final: it is never
// mistaken for an absent post, which would publish twice.
//
// Polling: a new container's status is read after Config.PollInterval (2
// seconds by default), then after waits that double up to a minute, within
// Config.PollTimeout (5 minutes by default): about eight reads in five
// minutes where Meta's content-publishing guide suggests one a minute for
// at most five minutes. The quicker start is kept on purpose, since images
// are usually processed within seconds; videos soon reach the one-minute
// cadence.
//
// Ids go into request paths only after they are checked to be decimal
// digits, whether they come from the account (remote_id, page_id), a
// checkpoint or an answer: the library reports a path it cannot parse
// with its whole address, access token included.
//
// The caption is the content's text with its link appended after a blank
// line ("\n\n" + link) unless the text already contains the link
// (ComposeCaption): Instagram does not turn caption links into links, but
// people can still copy them.
//
// Every error from Publish and Reconcile is, or wraps, a
// *pregonero.PublishError, classified by graph.Classify plus the container
// statuses Meta documents for content publishing (IN_PROGRESS, FINISHED,
// ERROR, EXPIRED, PUBLISHED) and the error subcodes a failed container's
// status carries.
package instagram

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
	"pregonero/adapters/listing"
)

// Credential keys of pregonero.Account.Credentials besides graph's
// access_token, app_id and app_secret.
const (
	// CredLogin chooses the API: LoginFacebook (default) or LoginInstagram.
	CredLogin = "login"
	// CredPageID is the Facebook page linked to the Instagram account,
	// used to learn the Instagram user id with Facebook Login when the
	// account has no remote id.
	CredPageID = graph.CredPageID
)

// Values of the login credential.
const (
	// LoginFacebook is the Instagram API with Facebook Login
	// (graph.facebook.com, a Facebook page or user token).
	LoginFacebook = "facebook"
	// LoginInstagram is the Instagram API with Instagram Login
	// (graph.instagram.com, an Instagram user token).
	LoginInstagram = "instagram"
)

// CheckpointContainer is the delivery checkpoint key holding the id of
// the container being published.
const CheckpointContainer = "ig_container"

// CheckpointPublishAt is the delivery checkpoint key holding the instant,
// in Unix seconds, media_publish was last called for the checkpointed
// container; it is written before the call.
const CheckpointPublishAt = "ig_publish_at"

// ContainerReceiptPrefix starts the RemoteID of a receipt for a post known
// to be published whose media id could not be read: the rest is the
// container id. Such an id names no media; it cannot be used to read the
// post's metrics.
const ContainerReceiptPrefix = "container:"

// Defaults of Config.
const (
	// DefaultPollInterval is the first wait before a container's status
	// is read; each further wait doubles, up to MaxPollInterval.
	DefaultPollInterval = 2 * time.Second
	// MaxPollInterval caps one wait between status reads.
	MaxPollInterval = time.Minute
	// DefaultPollTimeout caps the waiting for a container within one
	// attempt (Meta: query the status once a minute for at most five
	// minutes).
	DefaultPollTimeout = 5 * time.Minute
	// DefaultReconcilePages caps the pages of the account's media read to
	// find a published container's post.
	DefaultReconcilePages = 10
	// DefaultUnlistedAfter is how long after media_publish was called a
	// published container's post that cannot be found keeps the outcome
	// unknown before a fallback receipt is given.
	DefaultUnlistedAfter = time.Hour
)

// network names Instagram in messages and in the codes graph.Classify makes.
const network = "Instagram"

// Config configures an Adapter. Zero values select the defaults.
type Config struct {
	graph.Config
	// Logger receives the adapter's log lines. Default slog.Default().
	Logger *slog.Logger
	// PollInterval is the first wait before a container's status is
	// read; it doubles after each read, up to MaxPollInterval. Default
	// DefaultPollInterval.
	PollInterval time.Duration
	// PollTimeout caps the waiting for containers within one attempt;
	// a container still in progress then is resumed by the next attempt.
	// Default DefaultPollTimeout.
	PollTimeout time.Duration
	// ReconcilePages caps the pages of media read to find a post.
	// Default DefaultReconcilePages.
	ReconcilePages int
	// UnlistedAfter is how long after media_publish was called the post
	// of a published container that cannot be found (not listed, or not
	// told apart from another) is looked for again before a receipt
	// naming the container is given. Default DefaultUnlistedAfter.
	UnlistedAfter time.Duration
}

// Adapter publishes to Instagram. It is safe for concurrent use.
type Adapter struct {
	cfg          graph.Config
	now          func() time.Time
	log          *slog.Logger
	pollInterval time.Duration
	pollTimeout  time.Duration
	pages        int
	// unlistedAfter bounds the doubt about a published container's post.
	unlistedAfter time.Duration

	mu     sync.Mutex
	users  map[string]string // account lookup key → Instagram user id
	limits map[string]*limitState
	// listings holds recent reads of accounts' media for reconciliation.
	listings listing.Cache[mediaItem]
}

var _ pregonero.Adapter = (*Adapter)(nil)

// New returns an Adapter configured by cfg.
func New(cfg Config) *Adapter {
	a := &Adapter{
		cfg:           cfg.Config,
		now:           cfg.Clock(),
		log:           cfg.Logger,
		pollInterval:  cfg.PollInterval,
		pollTimeout:   cfg.PollTimeout,
		pages:         cfg.ReconcilePages,
		unlistedAfter: cfg.UnlistedAfter,
		users:         make(map[string]string),
		limits:        make(map[string]*limitState),
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With(pregonero.LogComponent, "instagram")
	if a.pollInterval <= 0 {
		a.pollInterval = DefaultPollInterval
	}
	if a.pollTimeout <= 0 {
		a.pollTimeout = DefaultPollTimeout
	}
	if a.pages <= 0 {
		a.pages = DefaultReconcilePages
	}
	if a.unlistedAfter <= 0 {
		a.unlistedAfter = DefaultUnlistedAfter
	}
	return a
}

// Network returns pregonero.NetworkInstagram.
func (a *Adapter) Network() pregonero.Network { return pregonero.NetworkInstagram }

// conn is one account's session with its Instagram user id.
type conn struct {
	a    *Adapter
	acct *pregonero.Account
	s    *fb.Session
	ig   string
}

// configError is the failure of an account whose configuration keeps it
// from being used: it is held for a person, not failed delivery by
// delivery.
func configError(code, format string, args ...any) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "instagram_" + code, Message: fmt.Sprintf(format, args...)}
}

// login returns the account's login kind.
func login(acct *pregonero.Account) (string, error) {
	switch l := strings.ToLower(strings.TrimSpace(acct.Credentials[CredLogin])); l {
	case "", LoginFacebook:
		return LoginFacebook, nil
	case LoginInstagram:
		return LoginInstagram, nil
	default:
		return "", configError("credentials", "The account's %s credential is %q; use %q (Instagram API with Facebook Login) or %q (Instagram Login).", CredLogin, l, LoginFacebook, LoginInstagram)
	}
}

// connect opens a session for the account and learns its Instagram user id.
func (a *Adapter) connect(ctx context.Context, acct *pregonero.Account) (*conn, error) {
	cn, l, err := a.open(ctx, acct)
	if err != nil {
		return nil, err
	}
	if cn.ig != "" {
		return cn, nil
	}
	pageID := strings.TrimSpace(acct.Credentials[CredPageID])
	if pageID != "" && !graph.ValidNodeID(pageID) {
		return nil, badAccountID(acct.ID, CredPageID+" credential")
	}
	key := cn.s.BaseURL + "\x00" + l + "\x00" + pageID + "\x00" + fingerprint(cn.s.AccessToken())
	a.mu.Lock()
	cn.ig = a.users[key]
	a.mu.Unlock()
	if cn.ig != "" {
		return cn, nil
	}
	if cn.ig, err = cn.lookupUser(ctx, l, pageID); err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.users[key] = cn.ig
	a.mu.Unlock()
	a.log.Info("instagram user id learned", pregonero.LogAccount, acct.ID, pregonero.LogIGUserID, cn.ig)
	return cn, nil
}

// open opens a session for the account without learning its Instagram
// user id: the connection's ig is the account's remote id, empty when it
// has none. It also returns the account's login kind.
func (a *Adapter) open(ctx context.Context, acct *pregonero.Account) (*conn, string, error) {
	if acct == nil {
		return nil, "", configError("credentials", "No account was given.")
	}
	cr, err := graph.CredsOf(acct)
	if err != nil {
		return nil, "", &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "instagram_credentials",
			Message: fmt.Sprintf("The account %s has no %s credential; add the token to its configuration.", acct.ID, graph.CredAccessToken), Err: err}
	}
	l, err := login(acct)
	if err != nil {
		return nil, "", err
	}
	endpoint := strings.TrimSpace(acct.Endpoint)
	if endpoint == "" {
		endpoint = graph.FacebookEndpoint
		if l == LoginInstagram {
			endpoint = graph.InstagramEndpoint
		}
	}
	s, err := a.cfg.Session(ctx, endpoint, cr)
	if err != nil {
		return nil, "", &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "instagram_account_config",
			Message: fmt.Sprintf("The account %s cannot be used: its endpoint %q is not a valid URL.", acct.ID, endpoint), Err: err}
	}
	cn := &conn{a: a, acct: acct, s: s, ig: strings.TrimSpace(acct.RemoteID)}
	if cn.ig != "" && !graph.ValidNodeID(cn.ig) {
		return nil, "", badAccountID(acct.ID, "remote_id")
	}
	return cn, l, nil
}

// lookupUser finds the Instagram user id: GET /me with Instagram Login,
// the page's instagram_business_account with Facebook Login.
func (cn *conn) lookupUser(ctx context.Context, l, pageID string) (string, error) {
	if l == LoginInstagram {
		res, err := cn.get(ctx, "/me", fb.Params{"fields": "user_id,username"})
		if err != nil {
			return "", fmt.Errorf("look up instagram user: %w", err)
		}
		if id := graph.Str(res, "user_id"); id != "" {
			if !graph.ValidNodeID(id) {
				return "", badID("user_id in Instagram's answer about the account's token")
			}
			return id, nil
		}
		return "", configError("account_config", "Instagram did not give the user id of the account %s's token; set the account's remote_id to its Instagram user id.", cn.acct.ID)
	}
	if pageID == "" {
		return "", configError("account_config", "The account %s has neither a remote_id (its Instagram user id) nor a %s credential (the Facebook page linked to it); set one of them.", cn.acct.ID, CredPageID)
	}
	res, err := cn.get(ctx, "/"+pageID, fb.Params{"fields": "instagram_business_account"})
	if err != nil {
		return "", fmt.Errorf("look up instagram account of page %s: %w", pageID, err)
	}
	if id := graph.Str(res, "instagram_business_account.id"); id != "" {
		if !graph.ValidNodeID(id) {
			return "", badID(fmt.Sprintf("instagram_business_account id in Graph's answer about page %s", pageID))
		}
		return id, nil
	}
	return "", configError("account_config", "The Facebook page %s has no Instagram professional account linked; link one in the page's settings or set the account's remote_id.", pageID)
}

func fingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

func (cn *conn) get(ctx context.Context, path string, params fb.Params) (fb.Result, error) {
	return cn.call(ctx, graph.OpRead, fb.GET, path, params)
}

// call sends one request and classifies its failure; op says what a lost
// answer means.
func (cn *conn) call(ctx context.Context, op graph.Op, method fb.Method, path string, params fb.Params) (fb.Result, error) {
	if !graph.ValidPath(path) {
		return nil, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "instagram_bad_id",
			Message: "A request path held something that is not an Instagram id; nothing was sent with it."}
	}
	s := cn.s.WithContext(ctx)
	res, err := s.Api(path, method, params)
	cn.a.recordUsage(cn.acct.ID, res)
	if err != nil {
		return res, graph.ClassifyIn(s, network, op, err, res, cn.a.now())
	}
	return res, nil
}

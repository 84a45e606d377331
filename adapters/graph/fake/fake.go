package fake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Ledger network names; they also name the networks of fault rules.
const (
	NetworkFacebook  = "facebook"
	NetworkInstagram = "instagram"
)

// Fault operations, registered with Faults for the network they belong
// to.
const (
	// OpCreate (facebook): POST /{page}/feed, POST /{page}/photos with
	// published=true, POST /{page}/videos.
	OpCreate = "create"
	// OpUpload (facebook): POST /{page}/photos with published=false.
	OpUpload = "upload"
	// OpDelete (facebook and instagram): DELETE /{id}, real or sent as
	// POST with method=DELETE.
	OpDelete = "delete"
	// OpLookup (facebook and instagram): every GET of a node or a list.
	OpLookup = "lookup"
	// OpContainer (instagram): POST /{ig-user}/media.
	OpContainer = "container"
	// OpStatus (instagram): GET /{container}.
	OpStatus = "status"
	// OpPublish (instagram): POST /{ig-user}/media_publish.
	OpPublish = "publish"
	// OpLimit (instagram): GET /{ig-user}/content_publishing_limit.
	OpLimit = "limit"
	// OpFetch (instagram) is consulted when the fake downloads a
	// container's image_url or video_url: any matching rule fails the
	// container. Delay and error end in the download-timeout error
	// 2207003 (after the delay), drop_after_accept in the download
	// failure 2207052.
	OpFetch = "fetch"
)

// The sandbox app's credentials, accepted by default.
const (
	DefaultAppID     = "sandbox-app"
	DefaultAppSecret = "sandbox-app-secret"
)

// PageToken returns the Page access token of a page: it acts on the page
// and on the Instagram business account linked to it.
func PageToken(pageID string) string { return pageTokenPrefix + pageID }

// InstagramToken returns the Instagram Login user token of an Instagram
// professional account; it acts on that account only.
func InstagramToken(igUserID string) string { return igTokenPrefix + igUserID }

// LinkedInstagram returns the id of the Instagram business account linked
// to a page.
func LinkedInstagram(pageID string) string { return linkedPrefix + pageID }

// AppsecretProof returns the appsecret_proof of a token: the lowercase hex
// HMAC-SHA256 of the token keyed with the app secret.
func AppsecretProof(secret, token string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

const (
	pageTokenPrefix = "sandbox-page-"
	igTokenPrefix   = "sandbox-ig-"
	linkedPrefix    = "17841"
)

// Options configure a Fake. The zero value works: a private ledger and
// fault set, the wall clock, mounted at the root.
type Options struct {
	// Ledger receives every accepted post; shared with the other fakes in
	// the sandbox.
	Ledger *fakenet.Ledger
	// Faults is consulted on every request under the networks facebook
	// and instagram.
	Faults *fakenet.Faults
	// Now is the fake's clock: container processing and expiry, the
	// publishing quota, call counts, duplicate detection and timestamps
	// read it.
	Now func() time.Time
	// Prefix is the path the fake is mounted under, e.g. "/graph".
	Prefix string
	// VideoPrefix is the path VideoHandler is mounted under, e.g.
	// "/graph-video".
	VideoPrefix string
	// Logger receives request rejections and injected faults; never
	// tokens.
	Logger *slog.Logger
	// AppID and AppSecret are the app's credentials; the secret keys
	// appsecret_proof. DefaultAppID and DefaultAppSecret when empty.
	AppID, AppSecret string
	// ProofOptional lets Facebook-token calls without appsecret_proof
	// through, as an app without "Require App Secret" does. A proof that
	// is present is always checked; Instagram Login tokens never need one.
	ProofOptional bool
	// PublishLimit is the number of media_publish calls an Instagram
	// account may make in a moving 24-hour window (100 by default);
	// content_publishing_limit reports it as quota_total.
	PublishLimit int
	// ImageProcessing and VideoProcessing are how long, on Now, a
	// container stays IN_PROGRESS once its media was downloaded: 0 and
	// 2 s by default; a negative value means no processing time.
	ImageProcessing, VideoProcessing time.Duration
	// ThrottleMinutes is the estimated_time_to_regain_access sent with
	// throttling errors (5 by default).
	ThrottleMinutes int
	// PageCallsPerHour is how many calls a page or Instagram account may
	// make in a rolling hour before code 32 (4,800 by default).
	PageCallsPerHour int
	// Fetcher downloads url, file_url, image_url and video_url
	// parameters; by default a client with a 30 s timeout.
	Fetcher *http.Client
	// MaxImageBytes bounds Instagram images (8 MiB by default).
	MaxImageBytes int64
	// FacebookVideoProcessing is how long, on Now, a published Facebook
	// video's post stays out of the page's post lists (published_posts,
	// posts, feed) after the upload, while the video is listed under
	// /{page}/videos at once: 2 s by default; a negative value means no
	// processing time.
	FacebookVideoProcessing time.Duration
	// VideoPostIDAfterProcessing withholds a Facebook video's post_id
	// until its processing ends (Graph's behaviour here is unverified).
	VideoPostIDAfterProcessing bool
	// HidePageStoryID makes Facebook photos never report page_story_id,
	// as Graph may not for photos attached with attached_media
	// (unverified).
	HidePageStoryID bool
	// EmptyListPages makes every list answer start with this many pages
	// with an empty data array and a paging.next, as Graph may send.
	EmptyListPages int
	// RedirectURIs are the callbacks the sandbox app's consent screens
	// may send their answer to, compared exactly; a consent request for
	// any other is refused with an error page, as Meta refuses a redirect
	// URI missing from the app's Valid OAuth Redirect URIs.
	RedirectURIs []string
	// Pages are the Facebook Pages the sandbox user manages, listed by
	// /me/accounts after Facebook Login; DefaultPages() when nil. A Page
	// listed here without Instagram has no Instagram account linked.
	Pages []Page
	// InstagramLoginUser is the Instagram professional account Instagram
	// Login connects; DefaultInstagramLoginUser when empty.
	InstagramLoginUser string
	// RetiredMetrics are insight names the fake refuses as Meta refuses
	// a metric it deprecated, beside those Meta already retired: Meta has
	// announced more Page Insights deprecations without naming them all.
	RetiredMetrics []string
}

// Fake is the Graph API of Facebook Pages and Instagram content
// publishing as an http.Handler.
type Fake struct {
	now             func() time.Time
	prefix          string
	videoPrefix     string
	log             *slog.Logger
	ledger          *fakenet.Ledger
	faults          *fakenet.Faults
	appID           string
	appSecret       string
	proofOptional   bool
	publishLimit    int
	imageProcessing time.Duration
	videoProcessing time.Duration
	throttleMinutes int
	callsPerHour    int
	fetcher         *http.Client
	maxImageBytes   int64
	fbVideoDelay    time.Duration
	postIDLate      bool
	hideStoryID     bool
	emptyPages      int
	retired         []string

	mu         sync.Mutex
	seq        uint64
	trace      uint64
	calls      map[string][]time.Time // account → call times in the last hour
	appCalls   []time.Time
	posts      map[string]*fbPost // post id → live post
	photos     map[string]*fbPhoto
	videos     map[string]*fbVideo
	containers map[string]*container
	igMedia    map[string]*igMedia
	gone       map[string]bool        // ids issued and since deleted
	publishes  map[string][]time.Time // IG user → media_publish successes
	// auth is the consent flows' configuration, codes and tokens.
	auth *connectState
}

// New returns a fake configured by opts.
func New(opts Options) *Fake {
	f := &Fake{
		now:             opts.Now,
		prefix:          mountPath(opts.Prefix),
		videoPrefix:     mountPath(opts.VideoPrefix),
		log:             opts.Logger,
		ledger:          opts.Ledger,
		faults:          opts.Faults,
		appID:           opts.AppID,
		appSecret:       opts.AppSecret,
		proofOptional:   opts.ProofOptional,
		publishLimit:    opts.PublishLimit,
		imageProcessing: opts.ImageProcessing,
		videoProcessing: opts.VideoProcessing,
		throttleMinutes: opts.ThrottleMinutes,
		callsPerHour:    opts.PageCallsPerHour,
		fetcher:         opts.Fetcher,
		maxImageBytes:   opts.MaxImageBytes,
		fbVideoDelay:    opts.FacebookVideoProcessing,
		postIDLate:      opts.VideoPostIDAfterProcessing,
		hideStoryID:     opts.HidePageStoryID,
		emptyPages:      max(opts.EmptyListPages, 0),
		retired:         slices.Clone(opts.RetiredMetrics),
		calls:           make(map[string][]time.Time),
		posts:           make(map[string]*fbPost),
		photos:          make(map[string]*fbPhoto),
		videos:          make(map[string]*fbVideo),
		containers:      make(map[string]*container),
		igMedia:         make(map[string]*igMedia),
		gone:            make(map[string]bool),
		publishes:       make(map[string][]time.Time),
		auth:            newConnectState(opts),
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.log = f.log.With(pregonero.LogComponent, "graph-fake")
	if f.ledger == nil {
		f.ledger = fakenet.NewLedger()
	}
	if f.faults == nil {
		f.faults = fakenet.NewFaults(1)
	}
	if f.appID == "" {
		f.appID = DefaultAppID
	}
	if f.appSecret == "" {
		f.appSecret = DefaultAppSecret
	}
	if f.publishLimit <= 0 {
		f.publishLimit = 100
	}
	if f.imageProcessing < 0 {
		f.imageProcessing = 0
	}
	switch {
	case f.videoProcessing == 0:
		f.videoProcessing = 2 * time.Second
	case f.videoProcessing < 0:
		f.videoProcessing = 0
	}
	if f.throttleMinutes <= 0 {
		f.throttleMinutes = 5
	}
	if f.callsPerHour <= 0 {
		f.callsPerHour = 4800
	}
	if f.fetcher == nil {
		f.fetcher = &http.Client{Timeout: 30 * time.Second}
	}
	if f.maxImageBytes <= 0 {
		f.maxImageBytes = 8 << 20
	}
	switch {
	case f.fbVideoDelay == 0:
		f.fbVideoDelay = 2 * time.Second
	case f.fbVideoDelay < 0:
		f.fbVideoDelay = 0
	}
	f.faults.Register(NetworkFacebook, OpCreate, OpUpload, OpDelete, OpLookup)
	f.faults.Register(NetworkInstagram, OpDelete, OpLookup, OpContainer, OpStatus, OpPublish, OpLimit, OpFetch)
	return f
}

// mountPath is a mount prefix as the handlers match it: "" or "/name".
func mountPath(prefix string) string {
	if p := strings.Trim(prefix, "/"); p != "" {
		return "/" + p
	}
	return ""
}

// Ledger returns the ledger the fake records posts in.
func (f *Fake) Ledger() *fakenet.Ledger { return f.ledger }

// Faults returns the fault rules the fake consults.
func (f *Fake) Faults() *fakenet.Faults { return f.faults }

// ContainerStatus returns the status_code of an Instagram container as a
// status request would see it now.
func (f *Fake) ContainerStatus(id string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return "", false
	}
	code, _ := f.containerState(c, f.now())
	return code, true
}

// ExpireContainers marks every container that was not published EXPIRED,
// as 24 hours after their creation.
func (f *Fake) ExpireContainers() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.mediaID == "" {
			c.expired = true
		}
	}
}

// PublishedCount returns how many media_publish calls of an Instagram
// account succeeded in the last 24 hours.
func (f *Fake) PublishedCount(igUserID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recentPublishes(igUserID, f.now()))
}

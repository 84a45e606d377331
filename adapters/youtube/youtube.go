// Package youtube publishes videos to YouTube channels over the YouTube
// Data API v3 (google.golang.org/api/youtube/v3), authorized with OAuth 2.0
// refresh tokens (golang.org/x/oauth2).
//
// A delivery is one video: videos.insert with the snippet and status
// parts, sent as one multipart request when the file fits in one chunk and
// as a resumable upload in Config.ChunkSize chunks otherwise. The new
// video's id is checkpointed under CheckpointVideo as soon as the insert
// returns, so an attempt after a crash reads that video instead of
// uploading the bytes again. The custom thumbnail, if any, is set after the
// insert; its failure is logged and does not undo the publication.
//
// The delivery's marker travels as an extra tag (MarkerTagPrefix +
// marker): tags are not shown to viewers but are returned to the channel's
// owner, so Reconcile finds the video among the channel's recent uploads
// without guessing from titles.
//
// YouTube counts quota per API project (the OAuth client id): videos.insert
// has its own daily bucket of calls, videos.batchGetStats (which reads the
// engagement of published videos, up to 50 a call) has another, and
// everything else spends the 10,000 daily units. The adapter counts all
// three, persists the counts through Config.Settings and refuses a call
// once the day's bucket is spent, instead of letting YouTube refuse it;
// all reset at midnight America/Los_Angeles. Reading metrics thus never
// spends what publishing needs.
//
// Failures are classified for the publisher: a refusal by its reason
// (quotaExceeded waits for midnight Pacific time; uploadLimitExceeded, the
// channel's own cap, waits 24 hours since YouTube does not document when it
// resets; invalid metadata is permanent; a token refused by the request
// that opens the upload is renewed once, then needs re-authorization).
// YouTube creates a video only when its last byte arrives, so a server
// error or a lost connection before that point (a multipart request that
// never connected, a resumable upload whose final chunk was never sent) is
// retryable, and any failure after it (a server error, a lost answer, a
// refused token, a token that could not be renewed while the client sent
// the final chunk again, a session YouTube no longer knows) leaves the
// outcome unknown, reconciled before any new upload.
//
// YouTube answers an insert "uploaded" and fails or rejects the video
// (a file it cannot read, a duplicate of the channel's video) while it
// processes it; the refusal shows when the video is read again, from the
// checkpoint or by Reconcile, and is permanent, except a duplicate on a
// retry, which is most likely the earlier attempt's video: that is the
// duplicate class and the publisher reconciles. Reconcile reads every
// video carrying the marker and finds a live one even behind a newer
// refused one; since the uploads playlist is said to list a new video
// minutes late, finding nothing within Config.PlaylistLag of the last
// attempt's start is an unknown outcome, not an absent one. Every error
// from Publish, Reconcile and Delete is, or wraps, a
// *pregonero.PublishError.
//
// A channel is authorized with the scope youtube.force-ssl (Scope), the
// one scope every call above accepts: videos.delete, which Withdraw
// sends, takes neither youtube.upload nor youtube.readonly. A call YouTube
// refuses for a missing scope needs re-authorization, and says which
// scope. The token endpoint's answer names the scopes the grant holds:
// they are stored with the renewed token, a grant without the scope is
// logged at once, and CheckCredentials refuses it.
//
// A channel is connected through Google's consent screen
// (pregonero.Connector): AuthorizeURL asks for youtube.force-ssl and
// yt-analytics.readonly (ConnectScopes) with offline access, the consent
// screen shown again (prompt=consent, without which Google hands no new
// refresh token) and PKCE S256; Connect exchanges the code, reads the
// scopes granted (a person may uncheck some) and the channel the grant
// acts for (channels.list mine), whose candidate carries client_id,
// client_secret and refresh_token.
//
// A receipt links to the video's WatchURL, or to the same page under the
// account's LinkBase when it has one (a sandbox's stand-in pages).
package youtube

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // quota days are Pacific days, on any host

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/option"
	yt "google.golang.org/api/youtube/v3"

	"pregonero"
	"pregonero/adapters/listing"
)

// DefaultEndpoint is the base URL of the real YouTube Data API, used when
// an account names none.
const DefaultEndpoint = "https://youtube.googleapis.com"

// Credential keys of a YouTube account.
const (
	// CredClientID is the OAuth 2.0 client id; it also names the Google
	// Cloud project whose quota the account spends.
	CredClientID = "client_id"
	// CredClientSecret is the OAuth 2.0 client secret.
	CredClientSecret = "client_secret"
	// CredRefreshToken is the OAuth 2.0 refresh token granted by the
	// channel's owner (offline access).
	CredRefreshToken = "refresh_token"
	// CredAccessToken is an access token; optional, it is renewed from the
	// refresh token when it expires or is refused.
	CredAccessToken = "access_token"
	// CredExpiry is when the access token expires, RFC 3339; optional.
	CredExpiry = "expiry"
	// CredScope is the space-separated scopes the token endpoint said the
	// grant holds, stored at each renewal; optional.
	CredScope = "scope"
	// CredConfigFingerprint ties stored tokens to the configured
	// credentials they grew from: when the configuration changes (a person
	// authorized the channel again), the configured ones win.
	CredConfigFingerprint = "config_fingerprint"
)

// Checkpoint keys of a delivery.
const (
	// CheckpointVideo holds the id of the uploaded video, written as soon
	// as videos.insert returns.
	CheckpointVideo = "yt_video"
	// CheckpointThumbnail holds the id of the video whose custom
	// thumbnail was set, so that a later attempt does not spend the units
	// again.
	CheckpointThumbnail = "yt_thumbnail"
)

// Defaults of Config.
const (
	// DefaultChunkSize is the size of a resumable upload chunk.
	DefaultChunkSize = 8 << 20
	// ChunkGranularity is the multiple a chunk size is rounded up to: the
	// resumable protocol takes chunks of whole 256 KiB blocks.
	ChunkGranularity = 256 << 10
	// DefaultChunkRetryDeadline bounds the retries of one chunk after 5xx
	// answers (the client library's own default).
	DefaultChunkRetryDeadline = 32 * time.Second
	// DefaultPlaylistLag is how long after an attempt began Reconcile
	// waits for a video to show in the channel's uploads playlist before
	// it believes the video absent: the playlist is said to lag behind
	// uploads by minutes (unverified).
	DefaultPlaylistLag = 10 * time.Minute
)

// Scope is the OAuth 2.0 scope a channel's owner must grant: youtube.force-ssl,
// the one scope the discovery document lists for every method the
// adapter calls (videos.insert, videos.list, videos.batchGetStats,
// videos.delete, thumbnails.set, channels.list, playlistItems.list). videos.delete, which
// takes back a video uploaded ahead when its post is canceled, accepts
// only youtube, youtube.force-ssl or youtubepartner: youtube.upload and
// youtube.readonly together do not allow it.
const Scope = yt.YoutubeForceSslScope

// Scopes are the OAuth 2.0 scopes to request when a channel is
// authorized: Scope alone.
var Scopes = []string{Scope}

// sufficientScopes are the scopes any one of which allows every call the
// adapter makes: those the discovery document lists for videos.delete,
// which each other method the adapter calls accepts as well.
var sufficientScopes = []string{yt.YoutubeScope, yt.YoutubeForceSslScope, yt.YoutubepartnerScope}

// reauthorize says how a person authorizes a channel again.
const reauthorize = "Authorize the channel again with an OAuth client of the Google Cloud project, granting the scope " + Scope +
	" with offline access, and configure the new refresh_token."

// SettingStore persists small named values; pregonero.Store satisfies it.
type SettingStore interface {
	// Setting returns a named setting; a *pregonero.Error with code
	// ENOTFOUND when unset.
	Setting(ctx context.Context, key string) ([]byte, error)
	// PutSetting durably stores a named setting.
	PutSetting(ctx context.Context, key string, value []byte) error
}

// Config configures an Adapter. Zero values select the defaults.
type Config struct {
	// HTTPClient is the base of every request: API calls go through its
	// Transport under the OAuth 2.0 transport, and token renewals use it
	// as is. Default: a client with dial, TLS and header timeouts.
	HTTPClient *http.Client
	// Logger receives the adapter's log lines. Default slog.Default().
	Logger *slog.Logger
	// Now returns the current time; quota days and token expiry follow
	// it. Default time.Now.
	Now func() time.Time
	// ChunkSize is the size of a resumable upload chunk, rounded up to a
	// multiple of ChunkGranularity; a smaller file goes in one multipart
	// request. Default DefaultChunkSize.
	ChunkSize int
	// ChunkRetryDeadline bounds the retries of one chunk after 5xx
	// answers. Default DefaultChunkRetryDeadline.
	ChunkRetryDeadline time.Duration
	// Quota is the daily quota of each API project.
	Quota QuotaConfig
	// ProjectQuotas override UploadsPerDay and UnitsPerDay of Quota for
	// the projects Google gave more, keyed by OAuth client id.
	ProjectQuotas map[string]QuotaConfig
	// Settings persists the quota counts so that a restart does not
	// forget what the day spent. Default: in memory only.
	Settings SettingStore
	// Credentials stores renewed access tokens so that a restart does not
	// renew them needlessly. Default: in memory only.
	Credentials CredentialStore
	// UploadAhead is how long before its time a video of at least
	// UploadAheadMinSize bytes starts uploading, as private with publishAt,
	// so that YouTube has processed it when the hour comes. 0 uploads
	// every video at its time.
	UploadAhead time.Duration
	// UploadAheadMinSize is the size, in bytes, from which a video is
	// uploaded UploadAhead before its time.
	UploadAheadMinSize int64
	// PlaylistLag is how long after the start of a delivery's last
	// attempt a Reconcile that finds no video answers an unknown-class
	// error ("not listed yet") instead of absent, unless a checkpoint
	// proves the outcome. Default DefaultPlaylistLag; negative disables
	// the wait (a fake whose playlist does not lag).
	PlaylistLag time.Duration
	// Sleep waits d or until ctx ends, returning ctx's error then: a
	// video whose publication time is less than a scheduling lead away
	// waits for it before going up public. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Adapter publishes videos to YouTube. It is safe for concurrent use.
type Adapter struct {
	projectQuotas map[string]QuotaConfig
	ahead         time.Duration
	aheadMin      int64
	http          *http.Client
	log           *slog.Logger
	now           func() time.Time
	chunkSize     int
	chunkDeadline time.Duration
	quota         QuotaConfig
	settings      SettingStore
	creds         CredentialStore
	pacific       *time.Location
	// chunkBackoff is the first wait before a chunk whose answer was lost
	// is sent again; it doubles on each further try.
	chunkBackoff time.Duration
	playlistLag  time.Duration
	sleep        func(ctx context.Context, d time.Duration) error

	// qmu guards usage; it is held while a count is loaded or stored.
	qmu sync.Mutex
	// usage is today's quota usage of each project.
	usage map[string]*usage

	mu sync.Mutex
	// projects maps an account id to the API project (client id) it
	// spends quota from, learned when the account is used.
	projects map[string]string
	// channels caches the channel and uploads playlist of each account.
	channels map[string]channelInfo
	// uploads holds recent reads of channels' uploads for reconciliation.
	uploads listing.Cache[[]upload]
}

var _ pregonero.Adapter = (*Adapter)(nil)

// channelInfo is what Channels.List told about an account's channel.
type channelInfo struct {
	key      string // endpoint and credentials it was learned with
	id       string
	playlist string
}

// New returns an Adapter configured by cfg.
func New(cfg Config) *Adapter {
	a := &Adapter{
		http:          cfg.HTTPClient,
		log:           cfg.Logger,
		now:           cfg.Now,
		chunkSize:     cfg.ChunkSize,
		chunkDeadline: cfg.ChunkRetryDeadline,
		quota:         cfg.Quota.withDefaults(),
		projectQuotas: maps.Clone(cfg.ProjectQuotas),
		settings:      cfg.Settings,
		creds:         cfg.Credentials,
		chunkBackoff:  100 * time.Millisecond,
		ahead:         cfg.UploadAhead,
		aheadMin:      cfg.UploadAheadMinSize,
		playlistLag:   cfg.PlaylistLag,
		sleep:         cfg.Sleep,
		projects:      make(map[string]string),
		channels:      make(map[string]channelInfo),
		usage:         make(map[string]*usage),
	}
	if a.http == nil {
		a.http = defaultHTTPClient()
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With(pregonero.LogComponent, "youtube")
	if a.now == nil {
		a.now = time.Now
	}
	if a.chunkSize <= 0 {
		a.chunkSize = DefaultChunkSize
	}
	a.chunkSize = (a.chunkSize + ChunkGranularity - 1) / ChunkGranularity * ChunkGranularity
	if a.chunkDeadline <= 0 {
		a.chunkDeadline = DefaultChunkRetryDeadline
	}
	if a.creds == nil {
		a.creds = &pregonero.MemoryCredentials{}
	}
	switch {
	case a.playlistLag == 0:
		a.playlistLag = DefaultPlaylistLag
	case a.playlistLag < 0:
		a.playlistLag = 0
	}
	if a.sleep == nil {
		a.sleep = sleep
	}
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		// Unreachable with time/tzdata linked in; PST is the safer
		// approximation (an hour late in summer, never early).
		loc = time.FixedZone("PST", -8*60*60)
	}
	a.pacific = loc
	return a
}

// Network reports pregonero.NetworkYouTube.
func (a *Adapter) Network() pregonero.Network { return pregonero.NetworkYouTube }

func defaultHTTPClient() *http.Client {
	// No overall timeout: a chunk of a large upload may take minutes on a
	// slow link; the context bounds each call.
	return &http.Client{
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

// endpointOf returns the account's API base URL without a trailing slash.
func endpointOf(acct *pregonero.Account) string {
	if e := strings.TrimRight(strings.TrimSpace(acct.Endpoint), "/"); e != "" {
		return e
	}
	return DefaultEndpoint
}

// tokenEndpoint is Google's OAuth 2.0 endpoint for the real API, and
// {endpoint}/token for any other (a sandbox or a test fake).
func tokenEndpoint(acct *pregonero.Account) oauth2.Endpoint {
	e := endpointOf(acct)
	if e == DefaultEndpoint {
		return google.Endpoint
	}
	return oauth2.Endpoint{TokenURL: e + "/token", AuthStyle: oauth2.AuthStyleInParams}
}

// service returns a YouTube client on the account's endpoint that sends
// through rt.
func (a *Adapter) service(ctx context.Context, acct *pregonero.Account, rt http.RoundTripper) (*yt.Service, error) {
	base := a.http
	client := &http.Client{Transport: rt, Timeout: base.Timeout, CheckRedirect: base.CheckRedirect, Jar: base.Jar}
	// The library's own request logging (GOOGLE_SDK_GO_LOGGING_LEVEL)
	// would write requests and answers; the adapter logs what matters.
	return yt.NewService(ctx, option.WithEndpoint(endpointOf(acct)+"/"), option.WithHTTPClient(client),
		option.WithLogger(slog.New(slog.DiscardHandler)))
}

// WatchURL is the address of a video on YouTube.
func WatchURL(id string) string { return "https://www.youtube.com/watch?v=" + id }

// watchURL is the address of a video on the account's network: WatchURL,
// or the same page under the account's LinkBase (a sandbox's stand-in
// pages).
func watchURL(acct *pregonero.Account, id string) string {
	base := ""
	if acct != nil {
		base = strings.TrimRight(strings.TrimSpace(acct.LinkBase), "/")
	}
	if base == "" {
		return WatchURL(id)
	}
	return base + "/watch?v=" + url.QueryEscape(id)
}

// project returns the API project the account spends quota from and
// remembers it for RateLimit.
func (a *Adapter) project(acct *pregonero.Account, creds map[string]string) string {
	p := creds[CredClientID]
	if p == "" {
		p = acct.Credentials[CredClientID]
	}
	a.mu.Lock()
	if p != "" {
		a.projects[acct.ID] = p
	}
	a.mu.Unlock()
	return p
}

// Lead implements pregonero.Planner: a video of at least the configured
// size starts uploading UploadAhead before its time, as private with
// publishAt, so that YouTube has processed it when the hour comes; smaller
// ones go at their time.
func (a *Adapter) Lead(c pregonero.Content, _ *pregonero.Account) time.Duration {
	if a.ahead <= 0 {
		return 0
	}
	for _, m := range c.Media {
		if m.Media != nil && strings.HasPrefix(m.MIME, "video/") && m.Size >= a.aheadMin {
			return a.ahead
		}
	}
	return 0
}

package fake

import (
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Network is the name of YouTube in the ledger and in fault rules.
const Network = "youtube"

// Fault operations the fake recognizes in /_sandbox/faults rules.
const (
	OpInsert    = "insert"    // POST /upload/youtube/v3/videos (uploadType=resumable initiation, or uploadType=multipart)
	OpUpload    = "upload"    // each chunk POST to a resumable session URL
	OpList      = "list"      // GET videos, channels, playlistItems
	OpStats     = "stats"     // GET /youtube/v3/videos:batchGetStats
	OpThumbnail = "thumbnail" // POST /upload/youtube/v3/thumbnails/set
	OpDelete    = "delete"    // DELETE /youtube/v3/videos
	OpToken     = "token"     // POST /token (OAuth 2.0 token endpoint)
	// OpFinalize is consulted, after OpUpload, on a request to a video's
	// session that would answer with the completed video: the final chunk,
	// once stored and turned into the video, and any later request to the
	// completed session. Mode error answers the rule's error instead of
	// the video (the video exists all the same); drop_after_accept hangs
	// up instead of answering; delay delays the answer.
	OpFinalize = "finalize"
)

// The sandbox OAuth client, the only one the token endpoint knows.
const (
	ClientID     = "sandbox-client"
	ClientSecret = "sandbox-client-secret"
)

// Defaults of Options.
const (
	DefaultUploadsPerDay = 100
	DefaultUnitsPerDay   = 10_000
	// DefaultStatsPerDay and DefaultStatsPerMinute are the
	// videos.batchGetStats bucket: its own, one per call, 10,000 calls a
	// day and 600 a minute per project (the method's REST reference).
	DefaultStatsPerDay    = 10_000
	DefaultStatsPerMinute = 600
	DefaultProcessing     = 2 * time.Second
	DefaultMaxVideoBytes  = 256 << 30
)

// Unit costs of the calls charged to the 10,000-unit bucket.
const (
	costList      = 1
	costThumbnail = 50
	costDelete    = 50
)

// Options configure a Fake. The zero value works: a private ledger and
// fault set, the wall clock, mounted at the root.
type Options struct {
	// Ledger receives every video whose upload completed; shared with the
	// other fakes in the sandbox.
	Ledger *fakenet.Ledger
	// Faults is consulted on every request under network "youtube".
	Faults *fakenet.Faults
	// Now is the fake's clock: token expiry, quota days, processing,
	// scheduled publication and synthetic statistics read it.
	Now func() time.Time
	// Prefix is the path the fake is mounted under, e.g. "/youtube".
	Prefix string
	// Logger receives request rejections and injected faults; never
	// tokens.
	Logger *slog.Logger
	// UploadsPerDay is the project's videos.insert bucket: calls per
	// Pacific day, 1 per call (DefaultUploadsPerDay when zero).
	UploadsPerDay int
	// UnitsPerDay is the project's bucket for every other call: list 1,
	// thumbnails.set 50, videos.delete 50 (DefaultUnitsPerDay when zero).
	UnitsPerDay int
	// StatsPerDay is the project's videos.batchGetStats bucket: calls per
	// Pacific day, 1 per call (DefaultStatsPerDay when zero).
	StatsPerDay int
	// StatsPerMinute caps videos.batchGetStats calls in any minute
	// (DefaultStatsPerMinute when zero); past it, 429 rateLimitExceeded.
	StatsPerMinute int
	// HiddenSubscriberCount names the sandbox channels that hide their
	// subscriber count: channels.list sends hiddenSubscriberCount true
	// and no subscriberCount for them.
	HiddenSubscriberCount []string
	// ChannelUploadsPerDay caps the videos one channel may insert in a
	// rolling 24 hours; past it, 400 uploadLimitExceeded. Zero means no
	// cap.
	ChannelUploadsPerDay int
	// Processing is how long, on Now, a video stays "uploaded" before it
	// is "processed" (DefaultProcessing when zero; negative means at once).
	Processing time.Duration
	// MaxVideoBytes bounds a video (DefaultMaxVideoBytes when zero).
	MaxVideoBytes int64
	// PlaylistLag is how long, on Now, a new video takes to appear in its
	// channel's uploads playlist (playlistItems.list); videos.list finds
	// it at once. Zero means at once.
	PlaylistLag time.Duration
	// RefreshTokenRotation, when positive, makes the token endpoint
	// replace a refresh token older than this (on Now) at its next use:
	// the answer carries a new refresh_token and the old one answers
	// invalid_grant from then on. RefreshToken(channel) counts as
	// infinitely old, so it is replaced at its first use; a younger token
	// is answered without refresh_token, as Google answers. Zero never
	// rotates (Google's behaviour). Rotations are kept in memory only.
	RefreshTokenRotation time.Duration
	// Scopes is the grant of sandbox channels, by channel name: the
	// scopes the token endpoint names in its answer and puts in the access
	// tokens it issues, and the scopes of the channel's AccessToken. A
	// channel it does not name holds DefaultScopes (youtube.force-ssl).
	// Every API call is checked against the scopes its method accepts.
	Scopes map[string][]string
	// RedirectURIs are the callbacks registered for the sandbox client
	// (ClientID), matched exactly: the consent screen and the
	// authorization code grant refuse any other redirect_uri, as Google
	// refuses one the OAuth client does not list.
	RedirectURIs []string
	// AppName is the application the consent screen names
	// (DefaultAppName when empty).
	AppName string
	// ConsentChannel is the channel the consent screen proposes
	// (DefaultConsentChannel when empty); the person may type another.
	ConsentChannel string
}

// Fake is the YouTube Data API v3, its upload endpoints and Google's
// OAuth token endpoint as one http.Handler.
type Fake struct {
	now           func() time.Time
	prefix        string
	log           *slog.Logger
	ledger        *fakenet.Ledger
	faults        *fakenet.Faults
	uploadsPerDay int
	unitsPerDay   int
	statsPerDay   int
	statsPerMin   int
	hidden        map[string]bool // channel names hiding their subscriber count; read-only
	channelCap    int
	processing    time.Duration
	maxVideo      int64
	playlistLag   time.Duration
	rotation      time.Duration
	scopes        map[string][]string // channel name → its grant; read-only

	mu       sync.Mutex
	seq      uint64
	channels map[string]string // channel id → name, learned from credentials
	// revoked counts the revocations of each channel's grant: a token
	// issued before the latest one (its generation is lower) is refused.
	revoked   map[string]int
	videos    map[string]*video // live videos by id
	byChannel map[string][]*video
	sessions  map[string]*session
	quotaDay  string
	uploads   int
	units     int
	stats     int
	// statsCalls holds the times of the videos.batchGetStats calls of the
	// last minute.
	statsCalls []time.Time
	inserts    map[string][]time.Time // channel id → insert times in the last 24 h
	// refresh holds the current refresh token of each channel whose
	// token was rotated (channel name → token).
	refresh map[string]rotatedToken

	// Consent screen and authorization code grant (consent.go).
	redirects  map[string]bool      // registered redirect URIs; read-only
	appName    string               // read-only
	proposed   string               // channel the consent screen proposes; read-only
	codes      map[string]*authCode // authorization codes by value
	consented  map[string][]string  // channel name → scopes granted on the consent screen
	offlineFor map[string]bool      // channel names that gave the client offline access
}

// rotatedToken is a refresh token the token endpoint issued in place of
// an older one.
type rotatedToken struct {
	token  string
	gen    int
	issued time.Time
}

// New returns a fake configured by opts.
func New(opts Options) *Fake {
	f := &Fake{
		now:           opts.Now,
		prefix:        strings.Trim(opts.Prefix, "/"),
		log:           opts.Logger,
		ledger:        opts.Ledger,
		faults:        opts.Faults,
		uploadsPerDay: opts.UploadsPerDay,
		unitsPerDay:   opts.UnitsPerDay,
		statsPerDay:   opts.StatsPerDay,
		statsPerMin:   opts.StatsPerMinute,
		hidden:        make(map[string]bool, len(opts.HiddenSubscriberCount)),
		channelCap:    opts.ChannelUploadsPerDay,
		processing:    opts.Processing,
		maxVideo:      opts.MaxVideoBytes,
		playlistLag:   max(opts.PlaylistLag, 0),
		rotation:      max(opts.RefreshTokenRotation, 0),
		scopes:        make(map[string][]string, len(opts.Scopes)),
		refresh:       make(map[string]rotatedToken),
		channels:      make(map[string]string),
		revoked:       make(map[string]int),
		redirects:     make(map[string]bool, len(opts.RedirectURIs)),
		appName:       opts.AppName,
		proposed:      opts.ConsentChannel,
		codes:         make(map[string]*authCode),
		consented:     make(map[string][]string),
		offlineFor:    make(map[string]bool),
		videos:        make(map[string]*video),
		byChannel:     make(map[string][]*video),
		sessions:      make(map[string]*session),
		inserts:       make(map[string][]time.Time),
	}
	for name, sc := range opts.Scopes {
		f.scopes[name] = slices.Clone(sc)
	}
	for _, name := range opts.HiddenSubscriberCount {
		f.hidden[name] = true
	}
	for _, u := range opts.RedirectURIs {
		f.redirects[u] = true
	}
	if f.appName == "" {
		f.appName = DefaultAppName
	}
	if !validChannel(f.proposed) {
		f.proposed = DefaultConsentChannel
	}
	if f.prefix != "" {
		f.prefix = "/" + f.prefix
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.log = f.log.With(pregonero.LogComponent, "youtube-fake")
	if f.ledger == nil {
		f.ledger = fakenet.NewLedger()
	}
	if f.faults == nil {
		f.faults = fakenet.NewFaults(1)
	}
	if f.uploadsPerDay <= 0 {
		f.uploadsPerDay = DefaultUploadsPerDay
	}
	if f.unitsPerDay <= 0 {
		f.unitsPerDay = DefaultUnitsPerDay
	}
	if f.statsPerDay <= 0 {
		f.statsPerDay = DefaultStatsPerDay
	}
	if f.statsPerMin <= 0 {
		f.statsPerMin = DefaultStatsPerMinute
	}
	switch {
	case f.processing == 0:
		f.processing = DefaultProcessing
	case f.processing < 0:
		f.processing = 0
	}
	if f.maxVideo <= 0 {
		f.maxVideo = DefaultMaxVideoBytes
	}
	f.faults.Register(Network, OpInsert, OpUpload, OpList, OpStats, OpThumbnail, OpDelete, OpToken, OpFinalize)
	return f
}

// Ledger returns the ledger the fake records videos in.
func (f *Fake) Ledger() *fakenet.Ledger { return f.ledger }

// Faults returns the fault rules the fake consults.
func (f *Fake) Faults() *fakenet.Faults { return f.faults }

// Quota returns the calls charged today (the Pacific day of Now) to the
// videos.insert bucket and the units charged to the other bucket.
func (f *Fake) Quota() (uploads, units int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rollQuota(f.now())
	return f.uploads, f.units
}

// StatsQuota returns the videos.batchGetStats calls charged today (the
// Pacific day of Now) to their own bucket.
func (f *Fake) StatsQuota() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rollQuota(f.now())
	return f.stats
}

// Sessions returns how many resumable upload sessions are open: created,
// not completed and not expired.
func (f *Fake) Sessions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	n := 0
	for _, s := range f.sessions {
		if !s.done && !s.expired(now) {
			n++
		}
	}
	return n
}

// Revoke withdraws a channel's grant, as a user removing the app's access
// does: its refresh tokens answer invalid_grant from now on, its access
// tokens, issued or AccessToken(channel), answer 401, and the codes the
// consent screen gave for it are refused. A consent given afterwards
// makes a new grant whose tokens work.
func (f *Fake) Revoke(channel string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked[channel]++
	delete(f.consented, channel)
	delete(f.offlineFor, channel)
}

// Thumbnail reports the custom thumbnail set on a video: its sniffed MIME
// type and size.
func (f *Fake) Thumbnail(videoID string) (mimeType string, size int64, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, found := f.videos[videoID]
	if !found || v.thumb == nil {
		return "", 0, false
	}
	return v.thumb.mime, v.thumb.size, true
}

// locked runs fn holding f.mu, releasing it even if fn panics (net/http
// recovers a handler's panic, and a fake left locked would hang).
func (f *Fake) locked(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// VideoInfo is what the fake knows of a video, as of its clock's now.
type VideoInfo struct {
	ID, ChannelID           string
	Title                   string
	Description             string
	Tags                    []string
	CategoryID              string
	PrivacyStatus           string
	PublishAt               time.Time // a pending scheduled publication; zero once public or when none
	UploadStatus            string    // uploaded, then processed, failed or rejected once processed
	FailureReason           string    // set once the video failed
	RejectionReason         string    // set once the video was rejected
	MIMEType                string    // sniffed; empty when the upload failed
	Size                    int64
	UploadedAt              time.Time
	SelfDeclaredMadeForKids *bool
}

// Video returns what the fake knows of a video; the zero VideoInfo when
// there is no such video (never uploaded, or deleted).
func (f *Fake) Video(id string) VideoInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.videos[id]
	if !ok {
		return VideoInfo{}
	}
	now := f.now()
	privacy, publishAt := v.privacy(now)
	status, failure, rejection := v.outcome(now)
	info := VideoInfo{ID: v.id, ChannelID: v.chanID, Title: v.meta.title, Description: v.meta.description,
		Tags: slices.Clone(v.meta.tags), CategoryID: v.meta.category, PrivacyStatus: privacy, PublishAt: publishAt,
		UploadStatus: status, FailureReason: failure, RejectionReason: rejection,
		MIMEType: v.mime, Size: v.size, UploadedAt: v.uploadedAt}
	if k := v.meta.madeForKids; k != nil {
		kids := *k
		info.SelfDeclaredMadeForKids = &kids
	}
	return info
}

// call is one API request after routing and authentication.
type call struct {
	r       *http.Request
	q       map[string][]string
	op      string
	channel string // sandbox channel name of the caller
	chanID  string
}

// param returns the first value of a query parameter.
func (c *call) param(name string) string {
	if vs := c.q[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// list returns a query parameter's values, repeated or comma-joined.
func (c *call) list(name string) []string {
	var out []string
	for _, v := range c.q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// route is what serves a request: its fault operation, the discovery id
// of its method when it needs an access token (empty when it needs none:
// the token endpoint, a resumable session URL) and the handler.
type route struct {
	op     string
	method string
	h      func(http.ResponseWriter, *call) *apiError
}

// ServeHTTP serves the API under the configured prefix. Upload paths are
// served without the prefix too: the Go client resolves them against the
// host root, dropping the path of the endpoint it was given.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case f.prefix == "":
	case strings.HasPrefix(path, f.prefix+"/"):
		path = strings.TrimPrefix(path, f.prefix)
	case strings.HasPrefix(path, "/upload/"):
	default:
		writeError(w, notFound("No YouTube API method serves "+r.URL.Path+"."))
		return
	}
	switch {
	case path == AuthorizePath:
		f.consent(w, r)
		return
	case strings.HasPrefix(path, avatarPath):
		f.avatar(w, r, strings.TrimPrefix(path, avatarPath))
		return
	}
	rt, e := f.route(r, path)
	if e != nil {
		f.log.Info("request refused", pregonero.LogMethod, r.Method, pregonero.LogPath, r.URL.Path, pregonero.LogReason, e.Reason)
		writeError(w, e)
		return
	}
	c := &call{r: r, q: r.URL.Query(), op: rt.op}
	if rt.method != "" {
		if e := f.authenticate(c, rt.method); e != nil {
			f.log.Info("request refused", pregonero.LogMethod, r.Method, pregonero.LogPath, r.URL.Path, pregonero.LogReason, e.Reason)
			writeError(w, e)
			return
		}
	}
	serve := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if e := rt.h(w, c); e != nil {
			f.log.Info("request refused", pregonero.LogMethod, r.Method, pregonero.LogPath, r.URL.Path, pregonero.LogOp, rt.op, pregonero.LogReason, e.Reason)
			writeError(w, e)
		}
	})
	rule, hit := f.faults.Match(Network, rt.op)
	if !hit {
		serve(w, r)
		return
	}
	f.log.Info("fault injected", pregonero.LogOp, rt.op, pregonero.LogMode, string(rule.Mode), pregonero.LogRule, rule.ID, pregonero.LogPath, r.URL.Path)
	switch rule.Mode {
	case fakenet.ModeError:
		if rt.op == OpToken {
			writeTokenFault(w, rule.Status)
			return
		}
		writeError(w, faultError(rule.Status))
	case fakenet.ModeDelay:
		if err := fakenet.Delay(r, rule.Delay()); err != nil {
			return
		}
		serve(w, r)
	case fakenet.ModeDropAfterAccept:
		dropAfter(w, r, serve)
	default:
		serve(w, r)
	}
}

// route picks the handler of a path relative to the prefix.
func (f *Fake) route(r *http.Request, path string) (route, *apiError) {
	q := r.URL.Query()
	m := r.Method
	allow := func(methods ...string) *apiError {
		for _, x := range methods {
			if m == x {
				return nil
			}
		}
		return &apiError{Status: http.StatusMethodNotAllowed, Reason: "methodNotAllowed", Domain: "global",
			Message: "Method " + m + " is not allowed on " + path + "; use " + strings.Join(methods, " or ") + "."}
	}
	switch path {
	case "/token":
		return route{op: OpToken, h: f.token}, allow(http.MethodPost)
	case "/upload/youtube/v3/videos":
		if q.Get("upload_id") != "" {
			return route{op: OpUpload, h: f.chunk}, allow(http.MethodPost, http.MethodPut)
		}
		return route{op: OpInsert, method: methodVideosInsert, h: f.insert}, allow(http.MethodPost)
	case "/upload/youtube/v3/thumbnails/set":
		if q.Get("upload_id") != "" {
			return route{op: OpUpload, h: f.chunk}, allow(http.MethodPost, http.MethodPut)
		}
		return route{op: OpThumbnail, method: methodThumbnailsSet, h: f.setThumbnail}, allow(http.MethodPost)
	case "/youtube/v3/videos":
		if m == http.MethodDelete {
			return route{op: OpDelete, method: methodVideosDelete, h: f.deleteVideo}, nil
		}
		return route{op: OpList, method: methodVideosList, h: f.listVideos}, allow(http.MethodGet, http.MethodDelete)
	case "/youtube/v3/videos:batchGetStats":
		return route{op: OpStats, method: methodVideosBatchGetStats, h: f.batchGetStats}, allow(http.MethodGet)
	case "/youtube/v3/channels":
		return route{op: OpList, method: methodChannelsList, h: f.listChannels}, allow(http.MethodGet)
	case "/youtube/v3/playlistItems":
		return route{op: OpList, method: methodPlaylistItemsList, h: f.listPlaylistItems}, allow(http.MethodGet)
	}
	return route{}, notFound("No YouTube API method serves " + r.URL.Path + ".")
}

// dropAfter runs h with its answer discarded and then resets the
// connection: the client cannot tell whether the request took effect.
// The reset (rather than an orderly close) is what a connection cut in
// the middle of an upload looks like, and what Google's client retries a
// chunk after.
func dropAfter(w http.ResponseWriter, r *http.Request, h http.Handler) {
	h.ServeHTTP(&discardWriter{header: make(http.Header)}, r)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // best effort: a plain close still hangs up
	}
	_ = conn.Close() // nothing to report to a client we are hanging up on
}

type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

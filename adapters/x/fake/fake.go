package fake

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Network is the name of X in the ledger and in fault rules.
const Network = "x"

// Fault operations the fake recognizes in /_sandbox/faults rules.
const (
	OpCreate   = "create"   // POST /2/tweets
	OpDelete   = "delete"   // DELETE /2/tweets/{id}
	OpLookup   = "lookup"   // GET /2/tweets/{id}, GET /2/tweets, GET /2/users/me
	OpTimeline = "timeline" // GET /2/users/{id}/tweets
	OpUpload   = "upload"   // every media endpoint
	OpToken    = "token"    // POST /2/oauth2/token
	// OpProcess is consulted when a video or GIF upload is finalized: any
	// rule but delay makes its processing end in state failed; delay
	// lengthens the processing by delay_ms.
	OpProcess = "process"
)

// Limits are the per-user request limits of each endpoint in one Window
// (X's are per 15 minutes), plus the 24-hour post limits. A zero field
// takes X's published figure.
type Limits struct {
	Window        time.Duration // 15 min
	CreatePost    int           // POST /2/tweets: 100
	DeletePost    int           // DELETE /2/tweets/{id}: 50
	LookupPost    int           // GET /2/tweets/{id}: 900
	LookupPosts   int           // GET /2/tweets?ids=: 5,000
	Timeline      int           // GET /2/users/{id}/tweets: 900
	Me            int           // GET /2/users/me: 75
	MediaChunked  int           // each of initialize, append, finalize: 1,875
	MediaSimple   int           // one-shot POST /2/media/upload: 500
	MediaStatus   int           // GET /2/media/upload?command=STATUS: 1,000
	MediaMetadata int           // POST /2/media/metadata: 500
	// UserPosts24h and AppPosts24h limit the posts created per user and
	// for all users together in 24 hours: 10,000 each.
	UserPosts24h int
	AppPosts24h  int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.Window <= 0 {
		l.Window = 15 * time.Minute
	}
	def(&l.CreatePost, 100)
	def(&l.DeletePost, 50)
	def(&l.LookupPost, 900)
	def(&l.LookupPosts, 5000)
	def(&l.Timeline, 900)
	def(&l.Me, 75)
	def(&l.MediaChunked, 1875)
	def(&l.MediaSimple, 500)
	def(&l.MediaStatus, 1000)
	def(&l.MediaMetadata, 500)
	def(&l.UserPosts24h, 10000)
	def(&l.AppPosts24h, 10000)
	return l
}

// Options configure a Fake. The zero value works: a private ledger and
// fault set, the wall clock, mounted at the root.
type Options struct {
	// Ledger receives every accepted post; shared with the other fakes in
	// the sandbox.
	Ledger *fakenet.Ledger
	// Faults is consulted on every request under network "x".
	Faults *fakenet.Faults
	// Now is the fake's clock: rate windows, media processing and expiry,
	// token expiry and the oauth_timestamp check all read it.
	Now func() time.Time
	// Prefix is the path the fake is mounted under, e.g. "/x"; requests
	// arrive with it and signatures cover it.
	Prefix string
	// Limits override X's rate limits; tests shrink them.
	Limits Limits
	// MediaProcessing is how long video and GIF processing takes after
	// finalize: pending for the first quarter, in_progress for the rest.
	// Zero means 2 s; negative means it is done at once.
	MediaProcessing time.Duration
	// TokenKey signs the OAuth 2.0 tokens the fake issues. The default is
	// fixed, so tokens survive a restart of the sandbox.
	TokenKey []byte
	// Logger receives request rejections and injected faults; never
	// credentials.
	Logger *slog.Logger
	// RedirectURIs are the callbacks the consent screen may send the
	// sandbox clients back to, matched exactly, as X matches an app's
	// registered callback URLs; AllowRedirectURI adds more later.
	RedirectURIs []string
	// ConsentUser is the sandbox user the consent screen proposes;
	// DefaultConsentUser when empty.
	ConsentUser string
}

// Fake is X API v2 as an http.Handler.
type Fake struct {
	now        func() time.Time
	prefix     string
	limits     Limits
	processing time.Duration
	log        *slog.Logger
	ledger     *fakenet.Ledger
	faults     *fakenet.Faults
	windows    *fakenet.Windows
	nonces     nonceStore
	tokens     *tokenStore
	codes      codeStore
	handler    http.Handler

	consentUser  string
	redirectMu   sync.Mutex
	redirectURIs []string

	mu     sync.Mutex
	users  map[string]string   // user id → name, filled on first request
	tweets map[string]*tweet   // post id → post, deleted ones removed
	byUser map[string][]*tweet // user → posts in id order
	media  map[string]*media
	lastID uint64
}

// New returns a fake configured by opts.
func New(opts Options) *Fake {
	f := &Fake{
		now:        opts.Now,
		prefix:     strings.Trim(opts.Prefix, "/"),
		limits:     opts.Limits.withDefaults(),
		processing: opts.MediaProcessing,
		log:        opts.Logger,
		ledger:     opts.Ledger,
		faults:     opts.Faults,
		windows:    fakenet.NewWindows(),
		users:      make(map[string]string),
		tweets:     make(map[string]*tweet),
		byUser:     make(map[string][]*tweet),
		media:      make(map[string]*media),

		consentUser:  opts.ConsentUser,
		redirectURIs: slices.Clone(opts.RedirectURIs),
	}
	if f.consentUser == "" {
		f.consentUser = DefaultConsentUser
	}
	if f.prefix != "" {
		f.prefix = "/" + f.prefix
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.processing == 0 {
		f.processing = 2 * time.Second
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.log = f.log.With(pregonero.LogComponent, "x-fake")
	if f.ledger == nil {
		f.ledger = fakenet.NewLedger()
	}
	if f.faults == nil {
		f.faults = fakenet.NewFaults(1)
	}
	f.faults.Register(Network, OpCreate, OpDelete, OpLookup, OpTimeline, OpUpload, OpToken, OpProcess)
	key := opts.TokenKey
	if len(key) == 0 {
		sum := sha256.Sum256([]byte("pregonero sandbox x tokens:" + ConsumerSecret))
		key = sum[:]
	}
	f.tokens = newTokenStore(key)
	f.handler = f.routes()
	return f
}

// Ledger returns the ledger the fake records posts in.
func (f *Fake) Ledger() *fakenet.Ledger { return f.ledger }

// Faults returns the fault rules the fake consults.
func (f *Fake) Faults() *fakenet.Faults { return f.faults }

// ServeHTTP serves X API v2 under the configured prefix.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.handler.ServeHTTP(w, r) }

// endpoint describes one route: its fault operation, its rate limit,
// whether it needs a user and the OAuth 2.0 scopes a user token needs
// (OAuth2UserToken of the operation's security in X's OpenAPI spec).
type endpoint struct {
	op     string
	bucket string // rate-limit bucket; empty: not limited
	limit  int
	user   bool
	scopes []string
	serve  func(w http.ResponseWriter, r *http.Request, user string)
}

// Scopes X's OpenAPI spec 2.167 asks of an OAuth 2.0 user token for the
// endpoints the fake serves.
var (
	scopesRead  = []string{"tweet.read", "users.read"}
	scopesWrite = []string{"tweet.read", "tweet.write", "users.read"}
	scopesMedia = []string{"media.write"}
)

func (f *Fake) routes() http.Handler {
	l := f.limits
	mux := http.NewServeMux()
	handle := func(pattern string, e endpoint) { mux.Handle(pattern, f.wrap(e)) }
	handle("GET /2/users/me", endpoint{op: OpLookup, bucket: "users/me", limit: l.Me, user: true, scopes: scopesRead, serve: f.handleMe})
	handle("GET /2/users/{id}/tweets", endpoint{op: OpTimeline, bucket: "users/tweets", limit: l.Timeline, user: true, scopes: scopesRead, serve: f.handleTimeline})
	handle("POST /2/tweets", endpoint{op: OpCreate, bucket: "tweets/create", limit: l.CreatePost, user: true, scopes: scopesWrite, serve: f.handleCreate})
	handle("DELETE /2/tweets/{id}", endpoint{op: OpDelete, bucket: "tweets/delete", limit: l.DeletePost, user: true, scopes: scopesWrite, serve: f.handleDelete})
	handle("GET /2/tweets/{id}", endpoint{op: OpLookup, bucket: "tweets/id", limit: l.LookupPost, user: true, scopes: scopesRead, serve: f.handleLookupOne})
	handle("GET /2/tweets", endpoint{op: OpLookup, bucket: "tweets/ids", limit: l.LookupPosts, user: true, scopes: scopesRead, serve: f.handleLookupMany})
	handle("POST /2/media/upload/initialize", endpoint{op: OpUpload, bucket: "media/initialize", limit: l.MediaChunked, user: true, scopes: scopesMedia, serve: f.handleInitialize})
	handle("POST /2/media/upload/{id}/append", endpoint{op: OpUpload, bucket: "media/append", limit: l.MediaChunked, user: true, scopes: scopesMedia, serve: f.handleAppend})
	handle("POST /2/media/upload/{id}/finalize", endpoint{op: OpUpload, bucket: "media/finalize", limit: l.MediaChunked, user: true, scopes: scopesMedia, serve: f.handleFinalize})
	handle("GET /2/media/upload", endpoint{op: OpUpload, bucket: "media/status", limit: l.MediaStatus, user: true, scopes: scopesMedia, serve: f.handleStatus})
	handle("POST /2/media/upload", endpoint{op: OpUpload, bucket: "media/upload", limit: l.MediaSimple, user: true, scopes: scopesMedia, serve: f.handleSimpleUpload})
	handle("POST /2/media/metadata", endpoint{op: OpUpload, bucket: "media/metadata", limit: l.MediaMetadata, user: true, scopes: scopesMedia, serve: f.handleMetadata})
	handle("POST /2/oauth2/token", endpoint{op: OpToken, serve: func(w http.ResponseWriter, r *http.Request, _ string) { f.handleToken(w, r) }})
	mux.HandleFunc("GET /i/oauth2/authorize", f.handleAuthorize)
	mux.HandleFunc("POST /i/oauth2/authorize", f.handleConsent)
	mux.HandleFunc("GET /profile_images/{id}/{file}", f.handleAvatar)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// X's answer to a path it does not serve, legacy code included.
		writeJSON(w, http.StatusNotFound, struct {
			Errors []routeError `json:"errors"`
		}{[]routeError{{Message: "Sorry, that page does not exist", Code: 34}}})
	})
	if f.prefix == "" {
		return mux
	}
	return http.StripPrefix(f.prefix, mux)
}

// wrap runs authentication, fault injection and rate limiting, in the
// order X would: an unauthenticated caller learns nothing else.
func (f *Fake) wrap(e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var user string
		if e.user {
			u, scopes, err := f.authenticate(r)
			if err != nil {
				f.log.Info("request refused", pregonero.LogMethod, r.Method, pregonero.LogPath, r.URL.Path, pregonero.LogReason, err.Error())
				writeUnauthorized(w)
				return
			}
			if scopes != nil {
				for _, s := range e.scopes {
					if !slices.Contains(scopes, s) {
						// X's answer to a token without the scope.
						f.log.Info("request refused", pregonero.LogMethod, r.Method, pregonero.LogPath, r.URL.Path, pregonero.LogReason, "token lacks scope "+s)
						writeProblem(w, http.StatusForbidden, "")
						return
					}
				}
			}
			user = u
			f.mu.Lock()
			f.users[UserID(user)] = user
			f.mu.Unlock()
		}
		serve := func(w http.ResponseWriter, r *http.Request) {
			if e.bucket != "" {
				q, ok := f.windows.Take(user+" "+e.bucket, e.limit, f.limits.Window, f.now())
				setRateHeaders(w, q)
				if !ok {
					writeTooMany(w)
					return
				}
			}
			e.serve(w, r, user)
		}
		rule, hit := f.faults.Match(Network, e.op)
		if !hit {
			serve(w, r)
			return
		}
		f.log.Info("fault injected", pregonero.LogOp, e.op, pregonero.LogMode, string(rule.Mode), pregonero.LogRule, rule.ID, pregonero.LogPath, r.URL.Path)
		switch rule.Mode {
		case fakenet.ModeError:
			f.writeFault(w, rule.Status, e, user)
		case fakenet.ModeDelay:
			if err := fakenet.Delay(r, rule.Delay()); err != nil {
				return
			}
			serve(w, r)
		case fakenet.ModeDropAfterAccept:
			fakenet.DropAfter(w, r, http.HandlerFunc(serve))
		default:
			serve(w, r)
		}
	})
}

// writeFault answers an injected error with the body X gives for that
// status; a 429 carries spent rate-limit headers.
func (f *Fake) writeFault(w http.ResponseWriter, status int, e endpoint, user string) {
	if e.op == OpToken && status == http.StatusBadRequest {
		writeJSON(w, status, oauthError{"invalid_request", "Value passed for the token was invalid."})
		return
	}
	switch status {
	case http.StatusUnauthorized:
		writeUnauthorized(w)
	case http.StatusTooManyRequests:
		limit, reset := e.limit, f.now().Add(f.limits.Window)
		if e.bucket != "" {
			q := f.windows.Peek(user+" "+e.bucket, e.limit, f.limits.Window, f.now())
			reset = q.Reset
		}
		setRateHeaders(w, fakenet.Quota{Limit: limit, Remaining: 0, Reset: reset})
		writeTooMany(w)
	case http.StatusBadRequest:
		writeInvalid(w, "", nil, "The request was refused by an injected fault.")
	default:
		writeProblem(w, status, "")
	}
}

func setRateHeaders(w http.ResponseWriter, q fakenet.Quota) {
	h := w.Header()
	h.Set("x-rate-limit-limit", strconv.Itoa(q.Limit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(q.Remaining))
	h.Set("x-rate-limit-reset", strconv.FormatInt(q.Reset.Unix(), 10))
}

// twitterEpoch is the origin of snowflake timestamps (2010-11-04).
const twitterEpoch = 1288834974657

// nextID returns a snowflake-like id: milliseconds since X's epoch in the
// high bits, so ids grow with time and with every call. Callers hold f.mu.
func (f *Fake) nextID(now time.Time) string {
	id := uint64(now.UnixMilli()-twitterEpoch) << 22
	if id <= f.lastID {
		id = f.lastID + 1
	}
	f.lastID = id
	return strconv.FormatUint(id, 10)
}

// userName returns the name of a user id the fake has seen.
func (f *Fake) userName(id string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name, ok := f.users[id]
	return name, ok
}

func (f *Fake) handleMe(w http.ResponseWriter, r *http.Request, user string) {
	q := r.URL.Query()
	if !checkParams(w, q, "user.fields", "expansions", "tweet.fields") {
		return
	}
	fields := map[string]bool{}
	for _, raw := range q["user.fields"] {
		for v := range strings.SplitSeq(raw, ",") {
			if !slices.Contains(userFields, v) {
				writeInvalid(w, "user.fields", []string{raw}, fmt.Sprintf("The `user.fields` query parameter value [%s] is not one of %s", v, quoteList(userFields)))
				return
			}
			fields[v] = true
		}
	}
	u := userJSON{ID: UserID(user), Name: user, Username: user}
	if fields["profile_image_url"] {
		u.ProfileImageURL = f.avatarURL(r, user)
	}
	if fields["public_metrics"] {
		u.PublicMetrics = f.userMetrics(user, f.now())
	}
	writeJSON(w, http.StatusOK, struct {
		Data userJSON `json:"data"`
	}{u})
}

// followersEpoch is when the sandbox's follower counts start to grow.
var followersEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// FollowersAt is the sandbox's follower count of a user at now:
// deterministic from the user's name and the time, so that tests can
// assert exact numbers and account snapshots see it grow. It starts
// between 200 and 999 at followersEpoch and grows by 1 to 20 a day.
func FollowersAt(user string, now time.Time) int64 {
	sum := sha256.Sum256([]byte("followers:" + user))
	base := 200 + int64(binary.BigEndian.Uint16(sum[:2])%800)
	perDay := 1 + int64(sum[2]%20)
	minutes := int64(now.Sub(followersEpoch) / time.Minute)
	if minutes <= 0 {
		return base
	}
	return base + minutes*perDay/(24*60)
}

// userMetrics is the user's public_metrics: UserPublicMetrics of X's
// OpenAPI spec 2.167 (xdevplatform/xdk specs/openapi.json), whose
// required counts are followers_count, following_count, post_count and
// listed_count; like_count and media_count are nullable and left out.
// post_count is how many posts the fake holds for the user.
func (f *Fake) userMetrics(user string, now time.Time) *userMetrics {
	sum := sha256.Sum256([]byte("following:" + user))
	f.mu.Lock()
	posts := int64(len(f.byUser[user]))
	f.mu.Unlock()
	return &userMetrics{FollowersCount: FollowersAt(user, now), FollowingCount: 20 + int64(sum[0]%100), PostCount: posts, ListedCount: int64(sum[1] % 10)}
}

type userMetrics struct {
	FollowersCount int64 `json:"followers_count"`
	FollowingCount int64 `json:"following_count"`
	PostCount      int64 `json:"post_count"`
	ListedCount    int64 `json:"listed_count"`
}

// routeError is the legacy error of the catch-all 404.
type routeError struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

type userJSON struct {
	ID              string       `json:"id"`
	Name            string       `json:"name"`
	Username        string       `json:"username"`
	ProfileImageURL string       `json:"profile_image_url,omitempty"`
	PublicMetrics   *userMetrics `json:"public_metrics,omitempty"`
}

// checkParams refuses query parameters the endpoint does not define, as X
// does, so a client typo shows up in tests instead of being ignored.
func checkParams(w http.ResponseWriter, q map[string][]string, allowed ...string) bool {
	for k := range q {
		known := false
		for _, a := range allowed {
			if k == a {
				known = true
				break
			}
		}
		if !known {
			writeInvalid(w, k, q[k], fmt.Sprintf("The query parameter [%s] is not one of %s", k, quoteList(allowed)))
			return false
		}
	}
	return true
}

// readBody reads a request body up to limit bytes.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read body: larger than %d bytes", limit)
	}
	return b, nil
}

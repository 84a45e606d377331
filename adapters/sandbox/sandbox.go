// Package sandbox serves the network fakes on one port, offline, the way
// `pregonero sandbox` and the default configuration of `pregonero serve`
// run them: X under /x/, the Graph API of Facebook Pages and Instagram
// under /graph/ (an account's endpoint is http://ADDR/graph, versions as
// /graph/v25.0/…), YouTube under /youtube/ (an account's endpoint is
// http://ADDR/youtube, its token URL http://ADDR/youtube/token; uploads
// are also served at /upload/youtube/, where Google's Go client sends
// them because it resolves upload paths against the host root), and the
// inspection endpoints scripts rely on:
//
//   - GET /_sandbox/posts: every post the fakes accepted and that was not
//     deleted, as {"posts":[{"network","account","remote_id","text","media",
//     "created_at"}]}, filterable with ?network= and ?account=.
//   - POST, GET and DELETE /_sandbox/faults: add, list and clear fault rules.
//   - GET /_sandbox/health: {"status":"ok","networks":[...]}.
//
// The /_sandbox/ endpoints answer only requests from loopback (127.0.0.0/8
// or ::1): whoever reaches them can read every post and make the fakes
// fail. The fakes themselves answer anyone, since accounts point at them.
//
// # Link pages
//
// Links to live sandbox posts (an account's LinkBase is http://ADDR/x,
// /facebook, /instagram or /youtube) open stand-in pages, in Spanish with
// the English beside it, that say plainly the post is a sandbox post and
// not on the network, and show its account, remote id, text, media (type,
// alt text) and creation time:
//
//   - GET /x/{user}/status/{id} (and …/status/{id}/photo/1,
//     /x/i/web/status/{id});
//   - GET /facebook/{page}/posts/{num}, /facebook/{page}_{num},
//     /facebook/photo.php?fbid={photo}, /facebook/{page}/videos/{video}/,
//     /facebook/permalink.php?story_fbid={num}&id={page};
//   - GET /instagram/p/{shortcode}/, /instagram/reel/{shortcode}/,
//     /instagram/stories/{username}/{id}/, and /instagram/ and
//     /instagram/{username}/, which list the posts (the Instagram adapter
//     links there when it cannot read a permalink);
//   - GET /youtube/watch?v={id}, /youtube/shorts/{id}.
//
// A post that was deleted or never existed answers 404 with a page that
// says so. The pages take precedence over the fakes' mounts only for these
// GET paths, which no API call uses. Like the fakes, and unlike
// /_sandbox/, they answer anyone: a link is opened from whatever machine
// shows Pregonero, the pages show what the network's own public pages
// would, and every post can be read through the fakes' APIs with the
// sandbox's fixed credentials anyway.
//
// # Data directory
//
// With Options.DataDir set, the sandbox keeps what the fakes accepted
// across restarts: Open reads DataDir/ledger.jsonl (the ledger, one JSON
// record a line, each change synced before the fake answers) and has every
// fake adopt those posts again, so that /_sandbox/posts, the link pages
// and the adapters' reads (X's timeline and lookups, Graph's page posts,
// photos, videos and Instagram media, YouTube's videos.list and uploads
// playlist) find them as before, and new ids never repeat theirs. A
// record cut short at the end of the file, as a crash leaves it, is dropped
// and logged; any other damage makes Open fail with an error naming the
// file and line. Without DataDir everything lives in memory.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
	graphfake "pregonero/adapters/graph/fake"
	xfake "pregonero/adapters/x/fake"
	ytfake "pregonero/adapters/youtube/fake"
)

// Options configure a Sandbox; the zero value works.
type Options struct {
	// Now is the clock of every fake; the wall clock by default.
	Now func() time.Time
	// Seed makes the coin flips of fault rules with a probability below 1
	// repeatable.
	Seed uint64
	// X is passed to the X fake; its Ledger, Faults, Now, Prefix and
	// Logger are set by the sandbox.
	X xfake.Options
	// Graph is passed to the Graph fake (Facebook and Instagram); its
	// Ledger, Faults, Now, Prefix and Logger are set by the sandbox.
	Graph graphfake.Options
	// YouTube is passed to the YouTube fake; its Ledger, Faults, Now,
	// Prefix and Logger are set by the sandbox.
	YouTube ytfake.Options
	// Logger receives the sandbox's and the fakes' logs; each adds its
	// own component attribute.
	Logger *slog.Logger
	// DataDir, when set, is the directory (created if missing) where the
	// sandbox keeps the posts the fakes accepted, across restarts; see
	// Open. Empty keeps everything in memory.
	DataDir string
	// Location is the zone the link pages show times in; UTC when nil.
	Location *time.Location
	// PublicURL is the address of the Pregonero server that connects
	// accounts through the sandbox (its public_url): each fake's consent
	// screen accepts its callback {PublicURL}/accounts/callback/{network}
	// for the sandbox's applications (see Apps), besides the RedirectURIs
	// given in X, Graph and YouTube. Empty registers none.
	PublicURL string
}

// CallbackPath is the path, under a server's public URL, where a
// network's consent screen sends the person back.
func CallbackPath(network string) string { return "/accounts/callback/" + network }

// Apps returns the sandbox's own network applications, for connecting
// accounts offline with the sandbox serving at baseURL
// (http://127.0.0.1:8090): X's confidential OAuth 2.0 client, the Meta
// app (for facebook and instagram) and the Google OAuth client, each with
// its consent screen and API at its fake's mount.
func Apps(baseURL string) map[pregonero.Network]pregonero.OAuthApp {
	base := strings.TrimRight(baseURL, "/")
	meta := pregonero.OAuthApp{ClientID: graphfake.DefaultAppID, ClientSecret: graphfake.DefaultAppSecret, AuthBase: base + "/graph", Endpoint: base + "/graph"}
	return map[pregonero.Network]pregonero.OAuthApp{
		pregonero.NetworkX:         {ClientID: xfake.ConsumerKey, ClientSecret: xfake.ConsumerSecret, AuthBase: base + "/x", Endpoint: base + "/x"},
		pregonero.NetworkFacebook:  meta,
		pregonero.NetworkInstagram: meta,
		pregonero.NetworkYouTube:   {ClientID: ytfake.ClientID, ClientSecret: ytfake.ClientSecret, AuthBase: base + "/youtube", Endpoint: base + "/youtube"},
	}
}

// callbacks returns the callbacks of the networks under publicURL.
func callbacks(publicURL string, given []string, networks ...pregonero.Network) []string {
	out := slices.Clone(given)
	if publicURL == "" {
		return out
	}
	for _, n := range networks {
		out = append(out, strings.TrimRight(publicURL, "/")+CallbackPath(string(n)))
	}
	return out
}

// Restorer is a fake that can adopt, at start, the posts of a ledger kept
// across a restart. Open calls it on every mounted fake that is one.
type Restorer interface {
	Restore(posts []fakenet.Post) error
}

// Sandbox is the set of fakes behind one handler.
type Sandbox struct {
	ledger *fakenet.Ledger
	faults *fakenet.Faults
	now    func() time.Time
	log    *slog.Logger
	x      *xfake.Fake
	graph  *graphfake.Fake
	yt     *ytfake.Fake

	pages   *template.Template
	loc     *time.Location
	dataDir string

	mu       sync.Mutex
	mux      *http.ServeMux
	networks []string
	mounts   map[string]http.Handler // prefix → the fake serving it
	opened   bool
}

// New returns a sandbox serving the X fake under /x/, the Graph fake
// (networks facebook and instagram) under /graph/, the YouTube fake
// under /youtube/ and /upload/youtube/, and the link pages. With
// Options.DataDir set, call Open before serving (Serve does it if not
// done) and Close once done.
func New(opts Options) *Sandbox {
	s := &Sandbox{
		ledger:  fakenet.NewLedger(),
		faults:  fakenet.NewFaults(opts.Seed),
		now:     opts.Now,
		log:     opts.Logger,
		pages:   parsePages(),
		loc:     opts.Location,
		dataDir: opts.DataDir,
		mux:     http.NewServeMux(),
		mounts:  make(map[string]http.Handler),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	base := s.log // the fakes name themselves
	s.log = base.With(pregonero.LogComponent, "sandbox")
	s.mux.Handle("/_sandbox/posts", localOnly(s.ledger))
	s.mux.Handle("/_sandbox/faults", localOnly(s.faults))
	s.mux.Handle("/_sandbox/health", localOnly(http.HandlerFunc(s.handleHealth)))
	s.mux.Handle("/_sandbox/", localOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fakenet.WriteError(w, http.StatusNotFound, "not_found", "No inspection endpoint "+r.URL.Path+"; there are /_sandbox/posts, /_sandbox/faults and /_sandbox/health.")
	})))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fakenet.WriteError(w, http.StatusNotFound, "not_found", "No fake serves "+r.URL.Path+"; X is under /x/, Facebook and Instagram under /graph/, YouTube under /youtube/, inspection under /_sandbox/, pages of sandbox posts under /x/{user}/status/, /facebook/, /instagram/ and /youtube/watch.")
	})
	s.routePages()
	s.routeFeeds()

	xo := opts.X
	xo.Ledger, xo.Faults, xo.Now, xo.Prefix, xo.Logger = s.ledger, s.faults, s.now, "/x", base
	xo.RedirectURIs = callbacks(opts.PublicURL, xo.RedirectURIs, pregonero.NetworkX)
	s.x = xfake.New(xo)
	s.Mount(xfake.Network, "/x", s.x)

	gro := opts.Graph
	gro.Ledger, gro.Faults, gro.Now, gro.Prefix, gro.Logger = s.ledger, s.faults, s.now, "/graph", base
	gro.RedirectURIs = callbacks(opts.PublicURL, gro.RedirectURIs, pregonero.NetworkFacebook, pregonero.NetworkInstagram)
	s.graph = graphfake.New(gro)
	s.Mount(graphfake.NetworkFacebook, "/graph", s.graph)
	s.Mount(graphfake.NetworkInstagram, "/graph", s.graph)

	yto := opts.YouTube
	yto.Ledger, yto.Faults, yto.Now, yto.Prefix, yto.Logger = s.ledger, s.faults, s.now, "/youtube", base
	yto.RedirectURIs = callbacks(opts.PublicURL, yto.RedirectURIs, pregonero.NetworkYouTube)
	s.yt = ytfake.New(yto)
	s.Mount(ytfake.Network, "/youtube", s.yt)
	s.Mount(ytfake.Network, "/upload/youtube", s.yt)
	return s
}

// Mount serves a network's fake under prefix (e.g. "/graph"): requests
// reach h with their full path, prefix included, which the fake strips
// itself so that signed URLs keep their meaning. A fake for another
// network is built with Ledger, Faults and Now and mounted here. One
// fake may serve several networks under one prefix (the Graph fake serves
// facebook and instagram); mounting a prefix again replaces its handler.
func (s *Sandbox) Mount(network, prefix string, h http.Handler) {
	prefix = "/" + strings.Trim(prefix, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.mounts[prefix]; !ok {
		s.mux.Handle(prefix+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			h := s.mounts[prefix]
			s.mu.Unlock()
			h.ServeHTTP(w, r)
		}))
	}
	s.mounts[prefix] = h
	if !slices.Contains(s.networks, network) {
		s.networks = append(s.networks, network)
	}
}

// Open loads the posts kept in Options.DataDir, creating the directory
// and its ledger file when missing, has every mounted fake that is a
// Restorer adopt them, and from then on keeps every change there. It
// fails, naming the file, when the data cannot be read or a fake cannot
// adopt a post. Without DataDir, and once opened, it does nothing. Fakes
// mounted after Open do not see the posts kept.
func (s *Sandbox) Open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened || s.dataDir == "" {
		return nil
	}
	if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		return fmt.Errorf("sandbox data: %w", err)
	}
	path := filepath.Join(s.dataDir, fakenet.LedgerFileName)
	rec, err := s.ledger.Open(path, s.log)
	if err != nil {
		return fmt.Errorf("sandbox data: %w", err)
	}
	posts := s.ledger.Posts()
	var done []Restorer
	for _, prefix := range slices.Sorted(maps.Keys(s.mounts)) {
		r, ok := s.mounts[prefix].(Restorer)
		if !ok || slices.Contains(done, r) {
			continue
		}
		if err := r.Restore(posts); err != nil {
			_ = s.ledger.Close() // the open error is the one to report
			return fmt.Errorf("sandbox data %s: %w", path, err)
		}
		done = append(done, r)
	}
	s.opened = true
	s.log.Info("sandbox data loaded", pregonero.LogDataDir, s.dataDir, pregonero.LogCount, rec.Posts, pregonero.LogBytes, rec.DroppedBytes)
	return nil
}

// Close closes the data directory's ledger file; changes after it fail.
// Without DataDir it does nothing.
func (s *Sandbox) Close() error { return s.ledger.Close() }

// Ledger is the record of accepted posts shared by the fakes.
func (s *Sandbox) Ledger() *fakenet.Ledger { return s.ledger }

// Faults is the fault rule set shared by the fakes.
func (s *Sandbox) Faults() *fakenet.Faults { return s.faults }

// Now is the sandbox clock the fakes read.
func (s *Sandbox) Now() time.Time { return s.now() }

// X is the X fake.
func (s *Sandbox) X() *xfake.Fake { return s.x }

// Graph is the Graph fake serving Facebook Pages and Instagram.
func (s *Sandbox) Graph() *graphfake.Fake { return s.graph }

// YouTube is the YouTube fake.
func (s *Sandbox) YouTube() *ytfake.Fake { return s.yt }

// Handler returns the handler serving every fake and the inspection
// endpoints, logging each request at debug level.
func (s *Sandbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		s.mux.ServeHTTP(rec, r)
		s.log.Debug("sandbox request", pregonero.LogMethod, r.Method, pregonero.LogPath, r.URL.Path,
			pregonero.LogStatus, rec.status, pregonero.LogDuration, time.Since(start))
	})
}

// localOnly answers 403 to requests that do not come from loopback.
func localOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromLoopback(r.RemoteAddr) {
			fakenet.WriteError(w, http.StatusForbidden, "forbidden", "The sandbox's /_sandbox/ endpoints answer only requests from this machine (loopback).")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fromLoopback reports whether a request's RemoteAddr ("host:port") is in
// 127.0.0.0/8 or is ::1; an address that does not parse is not.
func fromLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.WithZone("").Unmap().IsLoopback()
}

func (s *Sandbox) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		fakenet.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Use GET.")
		return
	}
	s.mu.Lock()
	networks := slices.Clone(s.networks)
	s.mu.Unlock()
	fakenet.WriteJSON(w, http.StatusOK, struct {
		Status   string   `json:"status"`
		Networks []string `json:"networks"`
	}{"ok", networks})
}

// ShutdownTimeout bounds how long Serve waits for requests in flight once
// its context is canceled.
const ShutdownTimeout = 5 * time.Second

// Serve serves the sandbox on ln until ctx is canceled, then shuts down
// gracefully. It returns nil after a shutdown caused by ctx. It opens the
// data directory first when Open was not called.
func (s *Sandbox) Serve(ctx context.Context, ln net.Listener) error {
	if err := s.Open(); err != nil {
		_ = ln.Close() // the data error is the one to report
		return err
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("sandbox listening", pregonero.LogAddr, ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("sandbox serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Requests held by delay faults may outlive the grace period; a
		// fake owes them nothing.
		s.log.Warn("sandbox forced to close", pregonero.LogErr, err)
		_ = srv.Close() // Close only reports listener errors already seen by Serve
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox serve: %w", err)
	}
	s.log.Info("sandbox stopped")
	return nil
}

// ListenAndServe listens on addr (e.g. "127.0.0.1:8090") and serves until
// ctx is canceled.
func (s *Sandbox) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// statusRecorder remembers the status for the request log. It unwraps to
// the real writer so that the drop_after_accept fault can still hijack the
// connection.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Package web serves the REST API (/api/v1), its OpenAPI document, the
// health and readiness probes and the Prometheus metrics, and holds the
// Go client the CLI uses to talk to a running server.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
	_ "time/tzdata" // the configured zone must load on hosts without a zoneinfo database

	"github.com/prometheus/client_golang/prometheus"

	"pregonero"
	"pregonero/media"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultMaxBodyBytes caps JSON request bodies.
	DefaultMaxBodyBytes int64 = 1 << 20
	// DefaultPastGrace is how far in the past scheduled_at may be.
	DefaultPastGrace = 2 * time.Minute
)

// MaxScheduleAhead is how far in the future a post may be scheduled; a
// time beyond it is almost always a typo in the year.
const MaxScheduleAhead = 2 * 365 * 24 * time.Hour

// Control is what the API needs from the scheduler and publisher.
type Control interface {
	Notify(t time.Time)                                                          // a delivery became due at t (wake the scheduler)
	Pause(ctx context.Context, account, reason string) error                     // account "" = global
	Resume(ctx context.Context, account string) (*pregonero.ResumeReport, error) // releases held deliveries
	Release(ctx context.Context, deliveryID string) (*pregonero.Delivery, error) // held → queued now
	// Cancel cancels what of a post has not gone out: queued and held
	// deliveries, and claimed ones whose send has not started.
	Cancel(ctx context.Context, postID string) (*pregonero.Post, error)
	// Cleanup removes, in the background, what earlier attempts of a
	// delivery left unpublished on the network, once an edit dropped it.
	Cleanup(d *pregonero.Delivery)
	Ready() error // nil while the scheduler heartbeat is fresh
}

// Config configures a Server. Store and Control are required.
type Config struct {
	Store    pregonero.Store
	Adapters map[pregonero.Network]pregonero.Adapter
	Control  Control
	// Media keeps uploads; without it uploads answer unavailable and media
	// ids are resolved from the Store alone.
	Media *media.Library
	// Location applies to times given without an offset and to the
	// scheduled_at_local field; America/Bogota when nil.
	Location *time.Location
	Logger   *slog.Logger
	Now      func() time.Time
	// Registry receives the delivery gauges and is served at /metrics; a
	// private one is created when nil.
	Registry *prometheus.Registry
	// MaxBodyBytes caps JSON request bodies; uploads have the media
	// library's own limit.
	MaxBodyBytes int64
	// PastGrace is how far in the past a scheduled_at may be and still be
	// accepted (it then goes out at once): clocks and typing take time.
	PastGrace time.Duration
	Version   string
}

// Server is the HTTP face of Pregonero.
type Server struct {
	store    pregonero.Store
	adapters map[pregonero.Network]pregonero.Adapter
	control  Control
	media    *media.Library
	loc      *time.Location
	logger   *slog.Logger
	now      func() time.Time
	registry *prometheus.Registry
	maxBody  int64
	grace    time.Duration
	version  string

	mux     *http.ServeMux
	routes  []string
	handler http.Handler
	openapi []byte
	idem    keyLocks
}

// New returns a Server with its routes registered.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("new web server: nil store")
	}
	if cfg.Control == nil {
		return nil, errors.New("new web server: nil control")
	}
	s := &Server{
		store:    cfg.Store,
		adapters: cfg.Adapters,
		control:  cfg.Control,
		media:    cfg.Media,
		loc:      cfg.Location,
		logger:   cfg.Logger,
		now:      cfg.Now,
		registry: cfg.Registry,
		maxBody:  cfg.MaxBodyBytes,
		grace:    cfg.PastGrace,
		version:  cfg.Version,
		mux:      http.NewServeMux(),
	}
	if s.loc == nil {
		loc, err := time.LoadLocation(pregonero.DefaultTimezone)
		if err != nil {
			return nil, fmt.Errorf("new web server: %w", err)
		}
		s.loc = loc
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.grace <= 0 {
		s.grace = DefaultPastGrace
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	if err := s.registry.Register(newDeliveryCollector(s.store)); err != nil {
		return nil, fmt.Errorf("new web server: register metrics: %w", err)
	}
	doc, err := openAPIDocument(s.version)
	if err != nil {
		return nil, fmt.Errorf("new web server: %w", err)
	}
	s.openapi = doc
	s.registerRoutes()
	s.handler = s.recoverPanics(s.logRequests(http.HandlerFunc(s.serveMux)))
	return s, nil
}

// Handler returns the root handler: every route with logging and panic
// recovery.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns the registered ServeMux patterns, e.g. "GET /api/v1/posts/{id}".
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

func (s *Server) registerRoutes() {
	s.api("POST /api/v1/posts", s.handleCreatePost)
	s.api("GET /api/v1/posts", s.handleListPosts)
	s.api("GET /api/v1/posts/{id}", s.handleGetPost)
	s.api("PATCH /api/v1/posts/{id}", s.handlePatchPost)
	s.api("POST /api/v1/posts/{id}/cancel", s.handleCancelPost)
	s.api("POST /api/v1/deliveries/{id}/release", s.handleReleaseDelivery)
	s.api("POST /api/v1/validate", s.handleValidate)
	s.api("GET /api/v1/accounts", s.handleAccounts)
	s.api("GET /api/v1/pause", s.handleGetPause)
	s.api("POST /api/v1/pause", s.handlePause)
	s.api("POST /api/v1/resume", s.handleResume)
	s.api("POST /api/v1/media", s.handleUploadMedia)
	s.api("GET /api/v1/media/{id}", s.handleGetMedia)
	s.api("GET /api/v1/backup", s.handleBackup)

	s.public("GET /healthz", s.handleHealthz)
	s.public("GET /readyz", s.handleReadyz)
	s.public("GET /metrics", s.metricsHandler().ServeHTTP)
	s.public("GET /api/openapi.json", s.handleOpenAPI)
	// Media bytes behind signed URLs, for networks that fetch media
	// themselves: the signature is the credential, no token.
	s.public("GET /media/{id}", s.handlePublicMedia)
	s.public("HEAD /media/{id}", s.handlePublicMedia)
}

// apiFunc is an API handler: it writes the success response itself and
// returns errors for the one place that turns them into JSON.
type apiFunc func(w http.ResponseWriter, r *http.Request) error

// api registers an authenticated JSON route.
func (s *Server) api(pattern string, fn apiFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, s.requireToken(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})))
}

// public registers a route open to anyone: probes, metrics, the API
// description.
func (s *Server) public(pattern string, h http.HandlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, h)
}

// serveMux routes the request; an unknown path under /api/ gets a JSON
// not_found instead of the mux's plain-text page.
func (s *Server) serveMux(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" && len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/" {
		w = &notFoundJSON{ResponseWriter: w, s: s, r: r}
	}
	s.mux.ServeHTTP(w, r)
}

// notFoundJSON replaces the body of a 404 written by the mux.
type notFoundJSON struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	swallow bool
}

func (n *notFoundJSON) WriteHeader(code int) {
	if code == http.StatusNotFound {
		n.swallow = true
		n.s.writeError(n.ResponseWriter, n.r, pregonero.Errorf(pregonero.ENOTFOUND, "No route for %s %s.", n.r.Method, n.r.URL.Path))
		return
	}
	n.ResponseWriter.WriteHeader(code)
}

func (n *notFoundJSON) Write(p []byte) (int, error) {
	if n.swallow {
		return len(p), nil
	}
	return n.ResponseWriter.Write(p)
}

func (n *notFoundJSON) Unwrap() http.ResponseWriter { return n.ResponseWriter }

// keyLocks serializes requests that share an idempotency key, so two
// concurrent retries cannot both create the post.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// Package web serves the REST API (/api/v1), its OpenAPI document, the
// health and readiness probes and the Prometheus metrics, and holds the
// Go client the CLI uses to talk to a running server.
package web

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	_ "time/tzdata" // the configured zone must load on hosts without a zoneinfo database

	"github.com/prometheus/client_golang/prometheus"

	"pregonero"
	"pregonero/media"
	"pregonero/posting"
)

// DefaultMaxBodyBytes caps JSON request bodies.
const DefaultMaxBodyBytes int64 = 1 << 20

// Control is what the API needs from the scheduler.
type Control interface {
	Ready() error // nil while the scheduler heartbeat is fresh
}

// Config configures a Server. Store, Posts and Control are required.
type Config struct {
	Store pregonero.Store
	// Posts applies the rules about posts: every change to a post, a
	// delivery or the pause switch goes through it.
	Posts   *posting.Service
	Control Control
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
	Version      string
	// Limits bound how long requests, their bodies and uploads may take
	// (NewHTTPServer); zero fields take the defaults.
	Limits Limits
	// MetricsToken, when set, is the Bearer token /metrics asks for.
	MetricsToken string
	// HideMetrics takes /metrics off Handler, which then answers 404:
	// the metrics are served on a listener of their own with
	// MetricsHandler, or not at all. Without it and without MetricsToken
	// anyone may read /metrics, as on a test server; `pregonero serve`
	// never runs so (config.MetricsConfig).
	HideMetrics bool
	// Users signs people in to the web interface; without it the server
	// has no web interface, only the API.
	Users UISessions
	// PublicURL is the server's address as browsers reach it; the web
	// interface's cookies are Secure when it is https.
	PublicURL string
}

// Server is the HTTP face of Pregonero.
type Server struct {
	store    pregonero.Store
	posts    *posting.Service
	control  Control
	media    *media.Library
	loc      *time.Location
	logger   *slog.Logger
	now      func() time.Time
	registry *prometheus.Registry
	maxBody  int64
	version  string
	limits   Limits

	// metricsToken is the SHA-256 of the metrics token, nil without one.
	metricsToken []byte
	hideMetrics  bool
	metrics      http.Handler

	publicURL string // Config.PublicURL

	ui      *ui // nil without Config.Users
	mux     *http.ServeMux
	routes  []string
	handler http.Handler
	openapi []byte
}

// New returns a Server with its routes registered.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("new web server: nil store")
	}
	if cfg.Control == nil {
		return nil, errors.New("new web server: nil control")
	}
	if cfg.Posts == nil {
		return nil, errors.New("new web server: nil posting service")
	}
	s := &Server{
		store:    cfg.Store,
		posts:    cfg.Posts,
		control:  cfg.Control,
		media:    cfg.Media,
		loc:      cfg.Location,
		logger:   cfg.Logger,
		now:      cfg.Now,
		registry: cfg.Registry,
		maxBody:  cfg.MaxBodyBytes,
		version:  cfg.Version,
		limits:   cfg.Limits.withDefaults(),
		mux:      http.NewServeMux(),

		hideMetrics: cfg.HideMetrics,
		publicURL:   cfg.PublicURL,
	}
	if cfg.MetricsToken != "" {
		sum := sha256.Sum256([]byte(cfg.MetricsToken))
		s.metricsToken = sum[:]
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
	s.logger = s.logger.With(pregonero.LogComponent, "web")
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
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
	s.metrics = s.requireMetricsToken(s.metricsHandler())
	s.registerRoutes()
	if err := s.registerUI(cfg.Users, cfg.PublicURL); err != nil {
		return nil, fmt.Errorf("new web server: %w", err)
	}
	s.handler = s.wrap(http.HandlerFunc(s.serveMux))
	return s, nil
}

// wrap adds what every handler of the server has: the body guard, panic
// recovery and the request log.
func (s *Server) wrap(h http.Handler) http.Handler {
	return s.closeUnread(s.recoverPanics(s.logRequests(h)))
}

// Handler returns the root handler: every route with logging and panic
// recovery, and without draining refused bodies.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns the registered ServeMux patterns, e.g. "GET /api/v1/posts/{id}".
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

func (s *Server) registerRoutes() {
	s.api("POST /api/v1/posts", s.handleCreatePost)
	s.api("GET /api/v1/posts", s.handleListPosts)
	s.api("GET /api/v1/posts/{id}", s.handleGetPost)
	s.api("GET /api/v1/posts/{id}/metrics", s.handlePostMetrics)
	s.api("PATCH /api/v1/posts/{id}", s.handlePatchPost)
	s.api("POST /api/v1/posts/{id}/cancel", s.handleCancelPost)
	s.api("POST /api/v1/posts/{id}/schedule", s.handleSchedulePost)
	s.api("POST /api/v1/deliveries/{id}/release", s.handleReleaseDelivery)
	s.api("POST /api/v1/deliveries/{id}/retry", s.handleRetryDelivery)
	s.api("POST /api/v1/validate", s.handleValidate)
	s.api("GET /api/v1/accounts", s.handleAccounts)
	s.api("POST /api/v1/accounts/check", s.handleCheckAccounts)
	s.api("POST /api/v1/accounts/connect", s.handleStartConnect)
	s.api("GET /api/v1/accounts/connect/{flow}", s.handleConnectFlow)
	s.api("POST /api/v1/accounts/connect/{flow}/accounts", s.handleChooseAccounts)
	s.api("POST /api/v1/accounts/{id}/disconnect", s.handleDisconnectAccount)
	s.api("GET /api/v1/queues/{id}/slots", s.handleGetSlots)
	s.api("PUT /api/v1/queues/{id}/slots", s.handlePutSlots)
	s.api("GET /api/v1/queues/{id}", s.handleGetQueue)
	s.api("POST /api/v1/queues/{id}/move", s.handleMoveInQueue)
	s.api("GET /api/v1/pause", s.handleGetPause)
	s.api("POST /api/v1/pause", s.handlePause)
	s.api("POST /api/v1/resume", s.handleResume)
	s.api("POST /api/v1/media", s.paceUpload(s.handleUploadMedia))
	s.api("GET /api/v1/media/{id}", s.handleGetMedia)
	s.api("GET /api/v1/backup", s.handleBackup)
	s.api("POST /api/v1/token/rotate", s.handleRotateToken)
	s.api("POST /api/v1/users", s.handleCreateUser)
	s.api("GET /api/v1/users", s.handleListUsers)
	s.api("GET /api/v1/users/{id}", s.handleGetUser)
	s.api("PATCH /api/v1/users/{id}", s.handlePatchUser)
	s.api("POST /api/v1/users/{id}/password-reset", s.handleResetPassword)
	s.api("POST /api/v1/users/{id}/tokens", s.handleCreateToken)
	s.api("GET /api/v1/users/{id}/tokens", s.handleListTokens)
	s.api("DELETE /api/v1/users/{id}/tokens/{token_id}", s.handleRevokeToken)
	s.api("POST /api/v1/campaigns", s.handleCreateCampaign)
	s.api("GET /api/v1/campaigns", s.handleListCampaigns)
	s.api("GET /api/v1/campaigns/{id}", s.handleGetCampaign)
	s.api("PATCH /api/v1/campaigns/{id}", s.handlePatchCampaign)
	s.api("GET /api/v1/campaigns/{id}/report", s.handleCampaignReport)
	s.api("GET /api/v1/reports", s.handleReports)
	s.api("GET /api/v1/export/metrics.csv", s.handleExportMetrics)
	s.api("POST /api/v1/imports", s.handleImport)
	s.api("GET /api/v1/imports/{id}", s.handleGetImport)
	s.api("GET /api/v1/export/posts.csv", s.handleExportPosts)
	s.api("GET /api/v1/series", s.handleListSeries)
	s.api("POST /api/v1/series", s.handleCreateSeries)
	s.api("POST /api/v1/series/preview", s.handlePreviewSeries)
	s.api("GET /api/v1/series/{id}", s.handleGetSeries)
	s.api("PATCH /api/v1/series/{id}", s.handlePatchSeries)
	s.api("POST /api/v1/series/{id}/state", s.handleSeriesState)
	s.api("GET /api/v1/series/{id}/occurrences", s.handleSeriesOccurrences)
	s.api("PATCH /api/v1/series/{id}/occurrences/{occurrence}", s.handleEditOccurrence)
	s.api("POST /api/v1/series/{id}/occurrences/{occurrence}/skip", s.handleSkipOccurrence)
	s.api("GET /api/v1/me/notifications", s.handleGetNotifySettings)
	s.api("PUT /api/v1/me/notifications", s.handlePutNotifySettings)
	s.api("POST /api/v1/me/notifications/test", s.handleTestEmail)
	s.api("GET /api/v1/webhooks", s.handleListWebhooks)
	s.api("POST /api/v1/webhooks", s.handleCreateWebhook)
	s.api("GET /api/v1/webhooks/{id}", s.handleGetWebhook)
	s.api("PUT /api/v1/webhooks/{id}", s.handlePutWebhook)
	s.api("DELETE /api/v1/webhooks/{id}", s.handleDeleteWebhook)
	s.api("GET /api/v1/webhooks/{id}/deliveries", s.handleWebhookDeliveries)
	s.api("POST /api/v1/webhooks/{id}/test", s.handleTestWebhook)
	s.api("GET /api/v1/feeds", s.handleListFeeds)
	s.api("POST /api/v1/feeds", s.handleCreateFeed)
	s.api("GET /api/v1/feeds/{id}", s.handleGetFeed)
	s.api("PATCH /api/v1/feeds/{id}", s.handlePatchFeed)
	s.api("DELETE /api/v1/feeds/{id}", s.handleDeleteFeed)
	s.api("POST /api/v1/feeds/{id}/poll", s.handlePollFeed)
	s.api("GET /api/v1/feeds/{id}/items", s.handleFeedItems)
	s.api("GET /api/v1/calendar/token", s.handleGetCalendarToken)
	s.api("POST /api/v1/calendar/token", s.handleNewCalendarToken)
	s.api("DELETE /api/v1/calendar/token", s.handleRevokeCalendarToken)

	s.public("GET /healthz", s.handleHealthz)
	s.public("GET /readyz", s.handleReadyz)
	s.public("GET /metrics", s.handleMetrics)
	s.public("GET /api/openapi.json", s.handleOpenAPI)
	// Media bytes behind signed URLs, for networks that fetch media
	// themselves: the signature is the credential, no token.
	s.public("GET /media/{id}", s.handlePublicMedia)
	s.public("HEAD /media/{id}", s.handlePublicMedia)
	// A person's calendar feed: the secret token in the address is the
	// credential.
	s.public("GET /calendar/{file}", s.handleCalendarFeed)
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

// public registers a route open to anyone: probes, the API description,
// signed media; /metrics checks its own token.
func (s *Server) public(pattern string, h http.HandlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, h)
}

// serveMux routes the request. What matches no route gets the API's JSON
// error like every other refusal: not_found for an unknown path, and
// method_not_allowed (405, with the Allow header the mux sets) for a
// known path asked with another method; the mux's own answers are plain
// text. A person's browser asking for a page of the web interface gets
// the interface's error page instead, in their language (see forPeople).
func (s *Server) serveMux(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		w = &noRoute{ResponseWriter: w, s: s, r: r, page: s.forPeople(r)}
	}
	s.mux.ServeHTTP(w, r)
}

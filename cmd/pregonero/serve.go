package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"pregonero"
	"pregonero/adapters/facebook"
	"pregonero/adapters/graph"
	"pregonero/adapters/instagram"
	"pregonero/adapters/sandbox"
	"pregonero/adapters/x"
	"pregonero/adapters/youtube"
	"pregonero/clock"
	"pregonero/config"
	"pregonero/logging"
	"pregonero/media"
	"pregonero/metrics"
	"pregonero/notify"
	"pregonero/posting"
	"pregonero/publisher"
	"pregonero/scheduler"
	"pregonero/store"
	"pregonero/users"
	"pregonero/web"
)

// ServeCommand runs the server until interrupted.
type ServeCommand struct {
	io *stdio
}

// Run parses flags, starts Main and waits for a signal.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	m := NewMain()
	m.Stderr = c.io.err
	if err := m.ParseFlags(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return err
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	m.Logger.Info("shutting down")
	return m.Close()
}

// Usage prints the flags.
func (c *ServeCommand) Usage() { NewMain().flags().Usage() }

// Main is the server with everything wired explicitly; end-to-end tests
// start the same Main on port :0.
type Main struct {
	ConfigPath string
	Config     config.Config
	Stderr     interface{ Write([]byte) (int, error) }
	Logger     *slog.Logger
	Clock      clock.Clock

	// outbound is the client of the addresses people give (outboundClient).
	outbound     *http.Client
	outboundOnce sync.Once

	Store     *store.DB
	Sandbox   *sandbox.Sandbox
	Media     *media.Library
	Publisher *publisher.Publisher
	Scheduler *scheduler.Scheduler
	Posts     *posting.Service
	Users     *users.Service
	Registry  *prometheus.Registry
	X         *x.Adapter
	Facebook  *facebook.Adapter
	Instagram *instagram.Adapter
	YouTube   *youtube.Adapter
	Notifier  *notify.Notifier
	// MailSink is the embedded sandbox's SMTP sink, at MailAddr, when
	// it receives the notifications (no notifications.smtp.host).
	MailSink *sandbox.MailSink
	MailAddr string

	// Addr, SandboxAddr and MetricsAddr (with metrics.listen) are the
	// bound addresses once Run returns.
	Addr        string
	SandboxAddr string
	MetricsAddr string

	// BcryptCost is the cost of password hashes; 0 means the users
	// service's default. End-to-end tests lower it.
	BcryptCost int

	listen, dataDir  string
	skipCheck        bool
	skipAccountCheck bool
	httpServer       *http.Server
	metricsServer    *http.Server
	cancel           context.CancelFunc
	done             []chan struct{}
	// listeners are closed by Close: a start that fails before serving
	// them leaves no port bound.
	listeners []net.Listener
}

// NewMain returns a Main with defaults.
func NewMain() *Main {
	return &Main{ConfigPath: "config.yaml", Config: config.Default(), Stderr: os.Stderr, Clock: clock.Real{}}
}

func (m *Main) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("pregonero serve", flag.ContinueOnError)
	fs.StringVar(&m.ConfigPath, "config", m.ConfigPath, "configuration `file` (YAML; see README, Configuration)")
	fs.StringVar(&m.listen, "listen", "", "`host:port` to serve the API on, e.g. 127.0.0.1:8080 (overrides listen)")
	fs.StringVar(&m.dataDir, "data", "", "data `directory` (overrides data_dir)")
	fs.BoolVar(&m.skipCheck, "skip-check", false, "skip the consistency check of the data file at start (very large files: run pregonero check while stopped instead)")
	fs.BoolVar(&m.skipAccountCheck, "skip-account-check", false, "do not ask the networks at start whether they accept the accounts' credentials (offline starts; pregonero accounts check asks later)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero serve [-config FILE] [-listen ADDR] [-data DIR] [-skip-check] [-skip-account-check]")
		fmt.Fprintln(fs.Output(), "\nRuns the API, the scheduler and the publisher; with sandbox.embedded the fake networks too, keeping")
		fmt.Fprintln(fs.Output(), "what they accepted in <data_dir>/sandbox across restarts.")
		fmt.Fprintln(fs.Output(), "Once serving, it asks each network, in the background, whether it accepts each account's credentials")
		fmt.Fprintln(fs.Output(), "(as pregonero accounts check does): refused ones are flagged needs_reauth and logged at WARN, networks")
		fmt.Fprintln(fs.Output(), "that cannot be reached are logged at INFO, and one INFO line sums it up.")
		fmt.Fprintln(fs.Output(), "Runs until interrupted (Ctrl-C, SIGINT or SIGTERM): then it stops taking requests, lets the sends")
		fmt.Fprintln(fs.Output(), "in flight finish and record their outcome, closes the data file and exits 0.")
		fs.PrintDefaults()
	}
	return fs
}

// ParseFlags reads the flags and the configuration file.
func (m *Main) ParseFlags(args []string) error {
	fs := m.flags()
	fs.SetOutput(m.Stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	c, err := config.Load(m.ConfigPath)
	if err != nil {
		return err
	}
	if m.listen != "" {
		c.Listen = m.listen
	}
	if m.dataDir != "" {
		c.DataDir = m.dataDir
	}
	if m.skipCheck {
		c.Store.CheckTimeout = -1
	}
	m.Config = c
	return c.Validate()
}

// Run binds every address, opens the store, recovers what a previous
// process left claimed, wires everything, and only then starts serving,
// the publisher and, last, the scheduler: a start that fails (a port
// taken, a bad file) fails before anything is sent. It returns once
// everything serves.
func (m *Main) Run(ctx context.Context) (err error) {
	c := &m.Config
	if m.Logger == nil {
		m.Logger = newLogger(m.Stderr, c.Log)
	}
	log := m.Logger
	if os.Getenv("GOGC") == "" {
		// The heap is small and bounded (nothing grows with the queue);
		// collecting less often keeps bursts of sends on time.
		debug.SetGCPercent(400)
	}
	ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))

	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	ln, err := m.bind("listen", c.Listen)
	if err != nil {
		return err
	}
	m.Addr = ln.Addr().String()
	var metricsLn net.Listener
	if c.Metrics.Listen != "" {
		if metricsLn, err = m.bind("metrics listen", c.Metrics.Listen); err != nil {
			return err
		}
		m.MetricsAddr = metricsLn.Addr().String()
	}
	var sandboxLn net.Listener
	if c.Sandbox.Embedded {
		if sandboxLn, err = m.bind("sandbox", c.Sandbox.Listen); err != nil {
			return err
		}
		m.SandboxAddr = sandboxLn.Addr().String()
		// The mail sink's address follows the sandbox's as configured
		// (an ephemeral port for an ephemeral port), before it is bound.
		c.Sandbox.SMTPListen = c.Sandbox.SMTPAddr()
		c.Sandbox.Listen = m.SandboxAddr
	}
	dbPath := filepath.Join(c.DataDir, store.DataFile)
	// Rotated tokens are sealed with a key kept beside the data file, not
	// in it: a backup of the data file alone does not reveal them.
	keyPath := filepath.Join(c.DataDir, store.SecretKeyFile)
	if m.Store, err = store.Open(dbPath, store.WithSecretKeyFile(keyPath), store.WithLogger(log),
		store.WithCheck(c.Store.CheckTimeout.D())); err != nil {
		return err
	}
	if n, err := m.Store.Recover(ctx, m.Clock.Now()); err != nil {
		return fmt.Errorf("recover: %w", err)
	} else if n > 0 {
		log.Warn("recovered deliveries left claimed by the previous process; unknown outcomes will be reconciled", pregonero.LogCount, n)
	}

	if c.Sandbox.Embedded {
		// The fake networks only answer: serving them early sends nothing.
		// What they accepted is kept beside the data file, so that after a
		// restart old sandbox posts are still listed, their links still
		// open and reconciliation still finds them.
		// The sandbox's consent screens send the person back to this
		// server's callbacks.
		m.Sandbox = sandbox.New(sandbox.Options{Logger: log, DataDir: filepath.Join(c.DataDir, SandboxDataDir), Location: c.Location(),
			PublicURL: m.publicURL()})
		if err := m.Sandbox.Open(); err != nil {
			return err
		}
		m.serve(ctx, "sandbox", func(ctx context.Context) error { return m.Sandbox.Serve(ctx, sandboxLn) })
		log.Info("sandbox networks serving", pregonero.LogURL, "http://"+m.SandboxAddr)
	}

	if _, err := web.EnsureToken(ctx, m.Store, c.DataDir, log); err != nil {
		return err
	}
	m.Users, err = users.New(users.Config{Store: m.Store, Now: m.Clock.Now, Logger: log,
		IdleTimeout: c.HTTP.SessionIdle.D(), BcryptCost: m.BcryptCost})
	if err != nil {
		return err
	}
	// With no user yet, "admin" gets a one-time password in a file of the
	// data directory, to be changed at the first sign-in.
	if _, err := m.Users.Bootstrap(ctx, c.DataDir); err != nil {
		return err
	}
	if m.Media, err = m.openMedia(); err != nil {
		return err
	}

	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.X = x.New(x.Config{Credentials: m.Store, Logger: log})
	gc := graph.Config{Version: c.Graph.Version, Now: m.Clock.Now}
	m.Facebook = facebook.New(facebook.Config{Config: gc, Logger: log, LoginConfigID: c.Connect.MetaLoginConfigID})
	m.Instagram = instagram.New(instagram.Config{Config: gc, Logger: log,
		PollInterval: c.Graph.PollInterval.D(), PollTimeout: c.Graph.PollTimeout.D()})
	yc := c.YouTube
	projects := map[string]youtube.QuotaConfig{}
	for id, q := range yc.Projects {
		projects[id] = youtube.QuotaConfig{UploadsPerDay: q.UploadsPerDay, UnitsPerDay: q.UnitsPerDay, StatsPerDay: q.StatsPerDay}
	}
	m.YouTube = youtube.New(youtube.Config{Logger: log, Now: m.Clock.Now, ChunkSize: yc.ChunkSize,
		Quota: youtube.QuotaConfig{UploadsPerDay: yc.UploadsPerDay, UnitsPerDay: yc.UnitsPerDay, StatsPerDay: yc.StatsPerDay}, ProjectQuotas: projects,
		Settings: m.Store, Credentials: m.Store, UploadAhead: yc.UploadAhead.D(), UploadAheadMinSize: yc.UploadAheadMinSize,
		PlaylistLag: yc.PlaylistLag.D()})
	adapters := map[pregonero.Network]pregonero.Adapter{
		pregonero.NetworkX: m.X, pregonero.NetworkFacebook: m.Facebook, pregonero.NetworkInstagram: m.Instagram,
		pregonero.NetworkYouTube: m.YouTube,
	}

	pc := c.Publisher
	m.Publisher, err = publisher.New(publisher.Config{
		Store: m.Store, Adapters: adapters, Media: m.Media, Clock: m.Clock, Logger: log, Registerer: m.Registry,
		Workers: pc.Workers, MaxAttempts: pc.MaxAttempts, BackoffBase: pc.BackoffBase.D(), BackoffCap: pc.BackoffCap.D(),
		Staleness: pc.Staleness.D(), ReconcileDelay: pc.ReconcileDelay.D(),
		Credentials: m.credentials,
	})
	if err != nil {
		return err
	}
	if m.Notifier, err = m.newNotifier(ctx); err != nil {
		return err
	}
	m.Posts, err = posting.New(posting.Config{
		Store: m.Store, Adapters: adapters, Sender: m.Publisher, Media: m.Media, Location: c.Location(),
		Logger: log, Now: m.Clock.Now, PastGrace: pc.PastGrace.D(), ResumeGrace: pc.ResumeGrace.D(),
		FingerprintKey: m.Store.DeriveKey("credentials fingerprint"), IdempotencyTTL: pc.IdempotencyTTL.D(),
		// X bills metric reads, a read per post returned; the other
		// networks do not.
		BilledReadCaps: map[pregonero.Network]int{pregonero.NetworkX: c.Metrics.MaxReadsPerDay(pregonero.NetworkX)},
		Connect:        m.connectConfig(adapters),
		SeriesHorizon:  c.Series.Horizon.D(),
		Notifier:       m.Notifier,
		Fetch:          m.fetchMedia,
		Feeds:          m.feedsConfig(),
	})
	if err != nil {
		return err
	}
	// The scheduler registers with the store before anything is written:
	// from here every commit that makes something due wakes it.
	m.Scheduler = &scheduler.Scheduler{Store: m.Store, Dispatcher: m.Publisher, Clock: m.Clock,
		Logger: log, Location: c.Location(), Lead: pc.ClaimLead.D()}
	if err := m.Scheduler.Open(); err != nil {
		return err
	}
	reauthorized, err := m.syncAccounts(ctx)
	if err != nil {
		return err
	}
	if err := m.Scheduler.AddJob("30 * * * * *", func() {
		if _, err := m.Publisher.Sweep(ctx); err != nil {
			log.Error("sweep of claimed deliveries", pregonero.LogErr, err)
		}
	}); err != nil {
		return err
	}
	// Web sessions idle beyond their time are deleted every hour.
	if err := m.Scheduler.AddJob("0 20 * * * *", func() {
		if n, err := m.Users.PurgeSessions(ctx); err != nil {
			log.Error("purge of idle sessions", pregonero.LogErr, err)
		} else if n > 0 {
			log.Info("idle sessions deleted", pregonero.LogCount, n)
		}
	}); err != nil {
		return err
	}
	// Idempotency keys past their time are deleted once a day.
	if err := m.Scheduler.AddJob("0 15 3 * * *", func() {
		if n, err := m.Posts.PurgeIdempotency(ctx); err != nil {
			log.Error("purge of expired idempotency keys", pregonero.LogErr, err)
		} else if n > 0 {
			log.Info("expired idempotency keys deleted", pregonero.LogCount, n)
		}
	}); err != nil {
		return err
	}
	// Networks that decide after accepting (YouTube's processing) are
	// asked what became of recent posts.
	if err := m.Scheduler.AddJob("45 */5 * * * *", func() {
		if _, err := m.Publisher.Verify(ctx); err != nil {
			log.Error("verification of published posts", pregonero.LogErr, err)
		}
	}); err != nil {
		return err
	}
	// Every active account's credentials are checked once a day with the
	// network's cheap call, which renews X's and Google's tokens ahead of
	// their expiry; those refused need a person.
	if err := m.Scheduler.AddJob("0 10 4 * * *", func() { m.checkTokens(ctx) }); err != nil {
		return err
	}
	// Engagement is read in a job of its own, apart from the loop that
	// claims due posts, a bounded number of calls per cycle.
	mcfg := metricsConfig(c.Metrics, adapters, m.Store, m.Clock.Now, log, c.Location())
	mcfg.Credentials = m.credentials
	collector, err := metrics.New(mcfg)
	if err != nil {
		return err
	}
	if err := m.Scheduler.AddJob(collectionSpec(c.Metrics.Every.D()), func() {
		if _, err := collector.Collect(ctx); err != nil && ctx.Err() == nil {
			log.Error("collection of metrics", pregonero.LogErr, err)
		}
	}); err != nil {
		return err
	}
	// Snapshots past metrics.retention (if set) are deleted once a day.
	if err := m.Scheduler.AddJob("0 40 3 * * *", func() {
		if n, err := collector.Purge(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge of old metrics", pregonero.LogErr, err)
		} else if n > 0 {
			log.Info("metrics past their retention deleted", pregonero.LogCount, n)
		}
	}); err != nil {
		return err
	}
	if err := m.Registry.Register(web.NewBilledReadsCollector(m.Store, m.Clock.Now)); err != nil {
		return fmt.Errorf("register billed reads: %w", err)
	}

	hc := c.HTTP
	srv, err := web.New(web.Config{
		Store: m.Store, Posts: m.Posts, Control: m.Scheduler, Media: m.Media,
		Users: m.Users, PublicURL: c.PublicURL,
		Location: c.Location(), Logger: log, Registry: m.Registry,
		Version: Version(),
		Limits: web.Limits{ReadTimeout: hc.ReadTimeout.D(), IdleTimeout: hc.IdleTimeout.D(),
			MinUploadRate: hc.MinUploadRate},
		// /metrics is on the main listener only behind its token; with
		// metrics.listen it has an address of its own, with neither it
		// is nowhere.
		MetricsToken: c.Metrics.Token,
		HideMetrics:  c.Metrics.Token == "" || c.Metrics.Listen != "",
	})
	if err != nil {
		return err
	}
	m.httpServer = srv.NewHTTPServer(srv.Handler())
	if metricsLn != nil {
		m.metricsServer = srv.NewHTTPServer(srv.MetricsHandler())
	}

	// Everything is open and wired; from here on things start, the
	// scheduler last: nothing is sent before it runs.
	if err := m.Publisher.Start(ctx); err != nil {
		return err
	}
	// Deliveries held while the account needed re-authorization come
	// back, those overdue beyond the grace held for a person.
	for _, id := range reauthorized {
		if _, err := m.Posts.Reauthorized(ctx, id); err != nil {
			return fmt.Errorf("release %s: %w", id, err)
		}
	}
	m.serveHTTP(ctx, "http", m.httpServer, web.LimitListener(ln, hc.MaxConnections))
	if m.metricsServer != nil {
		m.serveHTTP(ctx, "metrics", m.metricsServer, web.LimitListener(metricsLn, hc.MaxConnections))
		log.Info("metrics serving", pregonero.LogURL, "http://"+m.MetricsAddr+"/metrics")
	}
	if err := m.scheduleSeries(ctx); err != nil {
		return err
	}
	if err := m.scheduleFeeds(ctx); err != nil {
		return err
	}
	if err := m.scheduleMediaGC(ctx); err != nil {
		return err
	}
	if err := m.startNotifier(ctx); err != nil {
		return err
	}
	m.serve(ctx, "scheduler", m.Scheduler.Run)
	log.Info("pregonero serving", pregonero.LogURL, "http://"+m.Addr, pregonero.LogDataDir, c.DataDir,
		pregonero.LogVersion, Version(), pregonero.LogZone, c.Timezone)
	if m.skipAccountCheck {
		log.Info("credentials of the accounts not checked at start (-skip-account-check); pregonero accounts check asks the networks")
	} else {
		// In the background: a slow or unreachable network must not hold
		// up the start or readiness.
		m.serve(ctx, "account-check", m.checkAccounts)
	}
	return nil
}

// SandboxDataDir is the directory, in the data directory, where the
// embedded sandbox keeps the posts its fakes accepted.
const SandboxDataDir = "sandbox"

// checkAccounts asks each network once whether it accepts the
// credentials of each configured account (posting.Service.CheckAccounts;
// accounts the configuration no longer lists have none), so that revoked
// ones are flagged needs_reauth before their posts are due. The accounts
// are checked at once, each on its own: a network that is slow to answer
// holds up no other account. It logs one line per account whose check is
// not plainly ok, as its verdict comes, and one line that sums them up.
// The service logs the WARN line of an account it flags; an account
// refused that it did not flag (paused, or flagged before) gets its WARN
// line here. A network that cannot be asked is logged at INFO: nothing is
// known about the credentials, and posts due there say so themselves if
// they fail.
func (m *Main) checkAccounts(ctx context.Context) error {
	log := m.Logger.With(pregonero.LogComponent, "account-check")
	start := time.Now()
	before := map[string]pregonero.AccountStatus{}
	configured := map[string]bool{}
	for _, ac := range m.Config.Accounts {
		configured[ac.ID] = true
	}
	all, err := m.Store.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("account check: %w", err)
	}
	var ids []string
	for _, a := range all {
		if a.Status == pregonero.AccountDisconnected || (a.Source != pregonero.AccountConnected && !configured[a.ID]) {
			continue
		}
		ids = append(ids, a.ID)
		before[a.ID] = a.Status
	}
	type verdict struct {
		id     string
		checks []posting.AccountCheck
		err    error
	}
	verdicts := make(chan verdict, len(ids))
	for _, id := range ids {
		go func() {
			v := verdict{id: id}
			defer func() { verdicts <- v }()
			defer pregonero.RecoverPanic(log.With(pregonero.LogAccount, id), "account check panicked", &v.err)
			v.checks, v.err = m.Posts.CheckAccounts(ctx, id)
		}()
	}
	n := map[string]int{}
	failed := 0
	// Every check is waited for, even after a shutdown began: they use
	// the store, which Close closes once this returns.
	for range ids {
		v := <-verdicts
		switch {
		case ctx.Err() != nil:
			continue
		case v.err != nil:
			failed++
			log.Error("account check failed", pregonero.LogAccount, v.id, pregonero.LogErr, v.err)
			continue
		}
		for _, r := range v.checks {
			n[r.Result]++
			attrs := []any{pregonero.LogAccount, r.Account, pregonero.LogNetwork, string(r.Network), pregonero.LogStatus, string(r.Status),
				pregonero.LogMessage, r.Message}
			if r.NetworkMessage != "" {
				attrs = append(attrs, pregonero.LogNetworkMsg, r.NetworkMessage)
			}
			switch r.Result {
			case posting.CheckRefused:
				if before[r.Account] != pregonero.AccountActive {
					log.Warn("account credentials refused by the network", attrs...)
				}
			case posting.CheckUnreachable:
				log.Info("account credentials not checked: the network could not be asked", attrs...)
			case posting.CheckUnsupported:
				log.Info("account credentials not checked: the network has no cheap call for it", attrs...)
			default:
				if r.Status != pregonero.AccountActive {
					log.Info("account credentials accepted; the account is not active", attrs...)
				}
			}
		}
	}
	if ctx.Err() != nil {
		log.Info("account check stopped by the shutdown", pregonero.LogAccounts, len(ids))
		return nil
	}
	sum := fmt.Sprintf("%d ok, %d refused, %d unreachable, %d unsupported",
		n[posting.CheckOK], n[posting.CheckRefused], n[posting.CheckUnreachable], n[posting.CheckUnsupported])
	if failed > 0 {
		sum += fmt.Sprintf(", %d failed", failed)
	}
	log.Info("account credentials checked", pregonero.LogAccounts, len(ids), pregonero.LogMessage, sum,
		pregonero.LogDuration, time.Since(start).Round(time.Millisecond))
	return nil
}

// bind listens on addr and keeps the listener for Close.
func (m *Main) bind(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	m.listeners = append(m.listeners, ln)
	return ln, nil
}

// serveHTTP serves srv on ln in the background until Close.
func (m *Main) serveHTTP(ctx context.Context, name string, srv *http.Server, ln net.Listener) {
	m.serve(ctx, name, func(context.Context) error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
}

// serve runs fn in the background until Close.
func (m *Main) serve(ctx context.Context, name string, fn func(context.Context) error) {
	done := make(chan struct{})
	m.done = append(m.done, done)
	go func() {
		defer close(done)
		// A panic ends only the component, logged with its stack; a dead
		// scheduler then shows in /readyz.
		defer pregonero.RecoverPanic(m.Logger.With(pregonero.LogComponent, name), "component panicked", nil)
		if err := fn(ctx); err != nil {
			m.Logger.Error("component stopped", pregonero.LogComponent, name, pregonero.LogErr, err)
		}
	}()
}

// Close stops serving new requests, stops the scheduler, lets sends in
// flight finish and records them, then closes the store.
func (m *Main) Close() error {
	for _, srv := range []*http.Server{m.httpServer, m.metricsServer} {
		if srv != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = srv.Shutdown(sctx)
			cancel()
		}
	}
	if m.cancel != nil {
		m.cancel()
	}
	if m.Publisher != nil {
		_ = m.Publisher.Close()
	}
	_ = m.Notifier.Close()
	for _, d := range m.done {
		<-d
	}
	// Those served are closed already; these are for a failed start.
	for _, ln := range m.listeners {
		_ = ln.Close()
	}
	var errs []error
	if m.Sandbox != nil {
		if err := m.Sandbox.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: %w", err))
		}
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

// openMedia opens the media library. With public_url set it signs public
// URLs of media (Instagram fetches media from them) with the configured
// key or, without one, a key generated once into the data directory and
// kept, so that URLs handed out before a restart stay valid.
func (m *Main) openMedia() (*media.Library, error) {
	c := &m.Config
	opts := []media.Option{
		media.WithMaxSize(c.Media.MaxSize),
		media.WithLogger(m.Logger),
	}
	if c.PublicURL != "" {
		key := []byte(c.Media.SigningKey)
		if len(key) == 0 {
			var err error
			// Kept beside the data file like the secrets key, so that links
			// handed out before a restart stay valid after it.
			if key, err = store.LoadOrCreateKey(filepath.Join(c.DataDir, media.KeyFile)); err != nil {
				return nil, err
			}
		}
		signer, err := media.NewSigner(key, c.PublicURL, m.Clock.Now)
		if err != nil {
			return nil, err
		}
		opts = append(opts, media.WithSigner(signer, c.Media.URLTTL.D()))
	}
	return media.Open(filepath.Join(c.DataDir, "media"), m.Store, opts...)
}

// scheduleMediaGC removes uploads no post uses once they are older than
// media.gc_after: once now, in the background, then every night at 03:30
// in the configured zone, on the scheduler's cron.
func (m *Main) scheduleMediaGC(ctx context.Context) error {
	after := m.Config.Media.GCAfter.D()
	if after <= 0 {
		return nil
	}
	gc := func() {
		if _, err := m.Media.GC(ctx, after); err != nil && ctx.Err() == nil {
			m.Logger.Error("media garbage collection", pregonero.LogErr, err)
		}
	}
	if err := m.Scheduler.AddJob("0 30 3 * * *", gc); err != nil {
		return fmt.Errorf("media gc: %w", err)
	}
	m.serve(ctx, "media-gc", func(context.Context) error { gc(); return nil })
	return nil
}

// syncAccounts writes the configured accounts to the store through the
// posting service, and returns those whose new credentials end a
// re-authorization.
func (m *Main) syncAccounts(ctx context.Context) ([]string, error) {
	var reauthorized []string
	for _, ac := range m.Config.Accounts {
		a := m.Config.Account(ac)
		re, err := m.Posts.ConfigureAccount(ctx, a)
		if err != nil {
			return nil, err
		}
		if re {
			reauthorized = append(reauthorized, a.ID)
		}
	}
	return reauthorized, nil
}

// credentials returns the secrets an account publishes with: those it
// was connected with, kept sealed in the store, for an account connected
// through its network; the configured ones for an account of the
// configuration; none for a disconnected account. (The X and YouTube
// adapters overlay what they renewed from them.)
func (m *Main) credentials(id string) map[string]string {
	ctx := context.Background()
	a, err := m.Store.Account(ctx, id)
	switch {
	case err != nil && pregonero.ErrorCode(err) != pregonero.ENOTFOUND:
		m.Logger.Error("read account for its credentials", pregonero.LogAccount, id, pregonero.LogErr, err)
		return nil
	case err == nil && a.Status == pregonero.AccountDisconnected:
		return nil
	case err == nil && a.Source == pregonero.AccountConnected:
		creds, err := m.Store.ConnectedCredentials(ctx, id)
		if err != nil {
			// The adapter then says the account has no credentials, and
			// its posts wait for a person.
			m.Logger.Error("read the credentials of a connected account", pregonero.LogAccount, id, pregonero.LogErr, err)
			return nil
		}
		return creds
	}
	for _, a := range m.Config.Accounts {
		if a.ID == id {
			return a.Credentials
		}
	}
	return nil
}

// publicURL is the server's address as browsers reach it: public_url, or
// the address it listens on when none is configured (a sandbox on this
// machine).
func (m *Main) publicURL() string {
	if u := strings.TrimRight(m.Config.PublicURL, "/"); u != "" {
		return u
	}
	return "http://" + m.Addr
}

// connectConfig is how accounts are connected: every adapter that is a
// pregonero.Connector connects its network's accounts (Instagram's through
// the Facebook adapter's Facebook Login, unless connect.instagram asks
// for Instagram Login), with the configured applications and, with the
// sandbox, the sandbox's own for the networks that have none.
func (m *Main) connectConfig(adapters map[pregonero.Network]pregonero.Adapter) posting.ConnectConfig {
	c := &m.Config
	cc := posting.ConnectConfig{
		Connectors: map[pregonero.Network]pregonero.Connector{},
		Apps:       c.ConnectApps(),
		LinkBases:  map[pregonero.Network]string{},
		PublicURL:  m.publicURL(),
	}
	for n, a := range adapters {
		if cn, ok := a.(pregonero.Connector); ok {
			cc.Connectors[n] = cn
		}
	}
	if cn, ok := adapters[pregonero.NetworkFacebook].(pregonero.Connector); ok && !c.InstagramLogin() {
		cc.Connectors[pregonero.NetworkInstagram] = cn
	}
	if c.SandboxMode() {
		for n, app := range sandbox.Apps(c.SandboxURL()) {
			cur, ok := cc.Apps[n]
			switch {
			case !ok:
				cc.Apps[n] = app
			case cur.ClientID == "":
				cur.ClientID, cur.ClientSecret = app.ClientID, app.ClientSecret
				cc.Apps[n] = cur
			}
			if cc.Apps[n].Endpoint == app.Endpoint {
				cc.LinkBases[n] = c.SandboxURL() + config.SandboxLinkPrefix(n)
			}
		}
	}
	return cc
}

// checkTokens is the daily check of the active accounts' credentials
// (posting.Service.CheckActiveAccounts): the service logs the WARN line
// of each account it flags; this logs the networks that could not be
// asked and one line that sums it up.
func (m *Main) checkTokens(ctx context.Context) {
	log := m.Logger.With(pregonero.LogComponent, "token-check")
	res, err := m.Posts.CheckActiveAccounts(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("daily check of the accounts' credentials", pregonero.LogErr, err)
		}
		return
	}
	n := map[string]int{}
	for _, r := range res {
		n[r.Result]++
		if r.Result == posting.CheckUnreachable {
			log.Info("account credentials not checked: the network could not be asked", pregonero.LogAccount, r.Account,
				pregonero.LogNetwork, string(r.Network), pregonero.LogMessage, r.Message)
		}
	}
	log.Info("daily check of the accounts' credentials", pregonero.LogAccounts, len(res), pregonero.LogMessage,
		fmt.Sprintf("%d ok, %d refused, %d unreachable, %d unsupported", n[posting.CheckOK], n[posting.CheckRefused], n[posting.CheckUnreachable], n[posting.CheckUnsupported]))
}

func newLogger(w interface{ Write([]byte) (int, error) }, lc config.LogConfig) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(lc.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if lc.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// A failure that repeats (a full disk refusing every write) writes one
	// line per kind every ten seconds, with the count of those left out.
	return slog.New(logging.RateLimit(h, logRepeatInterval, nil))
}

// logRepeatInterval spaces the lines of a warning or error that repeats.
const logRepeatInterval = 10 * time.Second

// metricsConfig is the collector's configuration: every network's adapter
// that reads post metrics (pregonero.MetricsReader) or account metrics
// (pregonero.AccountMetricsReader), found by asking each adapter, with
// the network's schedule and daily cap of billed reads.
func metricsConfig(mc config.MetricsConfig, adapters map[pregonero.Network]pregonero.Adapter, s metrics.Store,
	now func() time.Time, log *slog.Logger, loc *time.Location) metrics.Config {
	cfg := metrics.Config{Store: s, Now: now, Logger: log, Schedule: mc.Durations(), Location: loc, Retention: mc.Retention.D(),
		CallsPerCycle:  mc.CollectionCalls(),
		Yield:          metrics.DueSoon(s, now),
		Readers:        map[pregonero.Network]pregonero.MetricsReader{},
		AccountReaders: map[pregonero.Network]pregonero.AccountMetricsReader{},
		Networks:       map[pregonero.Network]metrics.NetworkConfig{},
	}
	for _, n := range pregonero.Networks {
		cfg.Networks[n] = metrics.NetworkConfig{Schedule: mc.NetworkSchedule(n), MaxReadsPerDay: mc.MaxReadsPerDay(n)}
		a := adapters[n]
		if r, ok := a.(pregonero.MetricsReader); ok {
			cfg.Readers[n] = r
		}
		if r, ok := a.(pregonero.AccountMetricsReader); ok {
			cfg.AccountReaders[n] = r
		}
	}
	return cfg
}

// collectionSpec is the cron spec of the collection of metrics every d:
// a minute at its 15th second, away from the jobs at the start and the
// middle of the minute; another period from the start.
func collectionSpec(d time.Duration) string {
	if d == time.Minute {
		return "15 * * * * *"
	}
	return "@every " + d.String()
}

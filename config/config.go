// Package config loads Pregonero's configuration: defaults, then the YAML
// file, then ${ENV} expansion in every value, then Validate.
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // the zone database travels inside the binary

	"gopkg.in/yaml.v3"

	"pregonero"
	"pregonero/media"
)

// Config is the whole configuration. Scripts rely on these keys.
type Config struct {
	Listen    string      `yaml:"listen"`
	DataDir   string      `yaml:"data_dir"`
	Store     StoreConfig `yaml:"store"`
	Timezone  string      `yaml:"timezone"`
	PublicURL string      `yaml:"public_url"`
	// AllowPrivateURLs lets the addresses people give (news feeds and
	// their images, media URLs of imports, webhooks) reach the machine
	// and the local network: an intranet's feed. Off, they may reach
	// public addresses only; the sandbox always may.
	AllowPrivateURLs bool            `yaml:"allow_private_urls"`
	Log              LogConfig       `yaml:"log"`
	HTTP             HTTPConfig      `yaml:"http"`
	Metrics          MetricsConfig   `yaml:"metrics"`
	Sandbox          SandboxConfig   `yaml:"sandbox"`
	Publisher        PublisherConfig `yaml:"publisher"`
	Media            MediaConfig     `yaml:"media"`
	Graph            GraphConfig     `yaml:"graph"`
	YouTube          YouTubeConfig   `yaml:"youtube"`
	Connect          ConnectConfig   `yaml:"connect"`
	Series           SeriesConfig    `yaml:"series"`
	Feeds            FeedsConfig     `yaml:"feeds"`
	Notify           NotifyConfig    `yaml:"notifications"`
	Accounts         []AccountConfig `yaml:"accounts"`
}

// ConnectConfig holds the network applications accounts are connected
// with from the web interface or the CLI, through each network's consent
// screen. The consent screens send the person back to
// {public_url}/accounts/callback/{network}, which must be registered with
// each application. A network without an application cannot be
// connected, except with the sandbox (sandbox.embedded, or an account
// with endpoint sandbox): there the sandbox's own applications stand in
// for those not given.
type ConnectConfig struct {
	// X is the OAuth 2.0 client of an app of the X developer portal
	// (client_secret empty for a public client).
	X OAuthAppConfig `yaml:"x"`
	// Meta is the Meta app (client_id is its App ID, client_secret its App
	// Secret) that connects Facebook Pages and their Instagram business
	// accounts.
	Meta OAuthAppConfig `yaml:"meta"`
	// MetaLoginConfigID is the id of the Meta app's Facebook Login for
	// Business configuration, which then decides the permissions asked
	// (connect.meta.config_id); empty asks for them by scope.
	MetaLoginConfigID string `yaml:"meta_config_id"`
	// Instagram, when set, is the Instagram app of the Meta app (its
	// Instagram app id and secret): Instagram accounts are then connected
	// with Instagram Login, for professional accounts not linked to a
	// Facebook Page, instead of through their Page with the Meta app.
	Instagram OAuthAppConfig `yaml:"instagram"`
	// Google is the OAuth client ("Web application") of the Google Cloud
	// project that connects YouTube channels.
	Google OAuthAppConfig `yaml:"google"`
}

// OAuthAppConfig is one network application.
type OAuthAppConfig struct {
	ClientID string `yaml:"client_id"`
	// ClientSecret is a secret: use ${ENV}.
	ClientSecret string `yaml:"client_secret"`
	// Endpoint is "sandbox", empty for the network's real API, or the base
	// URL of its API (as an account's endpoint); the accounts connected
	// through it take that endpoint.
	Endpoint string `yaml:"endpoint"`
	// AuthBase is the base URL of the consent screen when it is not the
	// network's own (https://x.com, https://www.facebook.com,
	// https://accounts.google.com); with endpoint sandbox, the sandbox's.
	AuthBase string `yaml:"auth_base"`
}

// set reports whether any key of the application is given.
func (a OAuthAppConfig) set() bool {
	return a.ClientID != "" || a.ClientSecret != "" || a.Endpoint != "" || a.AuthBase != ""
}

// CallbackPath is the path, under public_url, where a network's consent
// screen sends the person back.
func CallbackPath(n pregonero.Network) string { return "/accounts/callback/" + string(n) }

// SandboxMode reports whether the sandbox networks are in use: embedded
// in serve, or named by an account's endpoint.
func (c *Config) SandboxMode() bool { return c.Sandbox.Embedded || c.usesSandbox() }

// InstagramLogin reports whether Instagram accounts are connected with
// Instagram Login (connect.instagram) rather than through their Page.
func (c *Config) InstagramLogin() bool { return c.Connect.Instagram.set() }

// ConnectApps returns the configured network applications by the
// networks they connect (Meta's under facebook and instagram, unless
// connect.instagram gives Instagram Login's), with
// endpoint sandbox resolved to the sandbox's URLs. An application with
// endpoint sandbox and no client_id has an empty ClientID: the sandbox's
// own client stands in.
func (c *Config) ConnectApps() map[pregonero.Network]pregonero.OAuthApp {
	out := map[pregonero.Network]pregonero.OAuthApp{}
	for _, e := range c.Connect.apps() {
		if !e.app.set() {
			continue
		}
		for _, n := range e.networks {
			app := pregonero.OAuthApp{ClientID: e.app.ClientID, ClientSecret: e.app.ClientSecret,
				Endpoint: strings.TrimRight(e.app.Endpoint, "/"), AuthBase: strings.TrimRight(e.app.AuthBase, "/")}
			if e.app.Endpoint == "sandbox" {
				app.Endpoint = c.SandboxURL() + SandboxPrefix(n)
				if app.AuthBase == "" {
					app.AuthBase = app.Endpoint
				}
			}
			out[n] = app
		}
	}
	return out
}

type appEntry struct {
	key      string
	app      OAuthAppConfig
	networks []pregonero.Network
}

func (cc ConnectConfig) apps() []appEntry {
	return []appEntry{
		{"x", cc.X, []pregonero.Network{pregonero.NetworkX}},
		{"meta", cc.Meta, []pregonero.Network{pregonero.NetworkFacebook, pregonero.NetworkInstagram}},
		{"instagram", cc.Instagram, []pregonero.Network{pregonero.NetworkInstagram}}, // after meta: it replaces it
		{"google", cc.Google, []pregonero.Network{pregonero.NetworkYouTube}},
	}
}

// validate reports problems of the connect section; secrets are never
// repeated in a message.
func (cc ConnectConfig) validate(bad func(format string, args ...any), publicURL string) {
	for _, e := range cc.apps() {
		a := e.app
		if !a.set() {
			continue
		}
		at := "connect." + e.key
		sandbox := a.Endpoint == "sandbox"
		switch {
		case a.ClientID == "" && !sandbox:
			bad("%s.client_id: required (the application's %s); leave the whole section out to connect no %s accounts", at, idName(e.key), e.key)
		case a.ClientSecret == "" && e.key != "x" && !sandbox:
			bad("%s.client_secret: required (the application's %s; use ${ENV})", at, secretName(e.key))
		case a.ClientID == "" && a.ClientSecret != "":
			bad("%s.client_secret: given without client_id", at)
		}
		if a.Endpoint != "" && !sandbox && !httpURL(a.Endpoint) {
			bad("%s.endpoint: %q must be \"sandbox\", empty (the real API) or an http(s) URL", at, a.Endpoint)
		}
		if a.AuthBase != "" && !httpURL(a.AuthBase) {
			bad("%s.auth_base: %q must be an http(s) URL (or empty: the network's own consent screen)", at, a.AuthBase)
		}
		if publicURL == "" && !sandbox {
			bad("%s: public_url is required to connect accounts: the consent screen sends the person back to {public_url}%s", at, CallbackPath(e.networks[0]))
		}
	}
}

func idName(key string) string {
	switch key {
	case "meta":
		return "App ID"
	case "instagram":
		return "Instagram app ID"
	}
	return "OAuth 2.0 client id"
}

func secretName(key string) string {
	switch key {
	case "meta":
		return "App Secret"
	case "instagram":
		return "Instagram app secret"
	}
	return "OAuth 2.0 client secret"
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// StoreConfig tunes the opening of the data file.
type StoreConfig struct {
	// CheckTimeout bounds the consistency check of the data file at
	// start: 10s when zero, none when negative. A check cut short is
	// logged and the server starts; `pregonero check` checks the file of
	// a stopped server in full.
	CheckTimeout Duration `yaml:"check_timeout"`
}

// YouTubeQuota is a project's own daily quota; zero keeps the default.
type YouTubeQuota struct {
	UploadsPerDay int `yaml:"uploads_per_day"`
	UnitsPerDay   int `yaml:"units_per_day"`
	StatsPerDay   int `yaml:"stats_per_day"`
}

// YouTubeConfig tunes video uploads and the quota accounting of the
// YouTube adapter. Quotas are per Google Cloud project (the OAuth client);
// Google raises them on request, hence configurable.
type YouTubeConfig struct {
	// ChunkSize is the resumable upload chunk in bytes (a multiple of
	// 256 KiB); smaller files go in one request.
	ChunkSize int `yaml:"chunk_size"`
	// UploadAhead is how long before its time a large video is uploaded,
	// as private with publishAt, so YouTube has processed it at the hour.
	UploadAhead Duration `yaml:"upload_ahead"`
	// UploadAheadMinSize is the size from which a video is uploaded ahead.
	UploadAheadMinSize int64 `yaml:"upload_ahead_min_size"`
	// UploadsPerDay is the videos.insert bucket of a project.
	UploadsPerDay int `yaml:"uploads_per_day"`
	// UnitsPerDay is the bucket of every other call.
	UnitsPerDay int `yaml:"units_per_day"`
	// StatsPerDay is the videos.batchGetStats bucket ("Video Batch Get
	// Stats", one per call): the reads of published videos' views, likes
	// and comments, which spend neither of the other two.
	StatsPerDay int `yaml:"stats_per_day"`
	// Projects override the three buckets for the projects Google gave
	// more, keyed by OAuth client id.
	Projects map[string]YouTubeQuota `yaml:"projects"`
	// PlaylistLag is how long after an upload attempt reconciliation
	// keeps looking before it concludes the video is absent: the channel's
	// uploads playlist may show a new video minutes late. A negative value
	// concludes at once (the sandbox lists videos at once).
	PlaylistLag Duration `yaml:"playlist_lag"`
}

// GraphConfig tunes the Facebook Pages and Instagram adapters (Meta's
// Graph API).
type GraphConfig struct {
	// Version is the pinned Graph API version, e.g. v25.0; empty takes the
	// adapters' default (graph.DefaultVersion).
	Version string `yaml:"version"`
	// PollInterval is the first wait before reading an Instagram
	// container's status; it doubles up to a minute.
	PollInterval Duration `yaml:"poll_interval"`
	// PollTimeout caps the polling of one container within one attempt.
	PollTimeout Duration `yaml:"poll_timeout"`
}

var graphVersion = regexp.MustCompile(`^v[1-9][0-9]?\.0$`)

// MediaConfig tunes the media library and its signed public URLs.
type MediaConfig struct {
	// MaxSize is the largest upload, in bytes.
	MaxSize int64 `yaml:"max_size"`
	// URLTTL is how long a signed public URL stays valid (at least 1h).
	URLTTL Duration `yaml:"url_ttl"`
	// GCAfter is how long an upload no post uses is kept; 0 keeps it
	// forever.
	GCAfter Duration `yaml:"gc_after"`
	// SigningKey signs public URLs (at least 32 bytes, a secret: use
	// ${ENV}); when empty a key is generated into <data_dir>/media.key.
	SigningKey string `yaml:"signing_key"`
}

// Limits of the media settings.
const (
	// MinMediaURLTTL is the shortest url_ttl: a network fetching media
	// may take a while to get to it.
	MinMediaURLTTL = time.Hour
	// MinMediaGCAfter is the shortest non-zero gc_after: an upload is
	// made before the post that uses it.
	MinMediaGCAfter = time.Hour
)

// HTTPConfig bounds what one client may hold of the server: a slow or
// silent client is cut instead of keeping a connection, a goroutine and
// its buffers.
type HTTPConfig struct {
	// ReadTimeout bounds the reading of a whole request, body included;
	// media uploads get longer as long as they keep MinUploadRate.
	ReadTimeout Duration `yaml:"read_timeout"`
	// IdleTimeout closes a keep-alive connection that sends nothing.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// MinUploadRate is the slowest media upload, in bytes per second,
	// averaged from the start of the upload after a first read_timeout.
	MinUploadRate int64 `yaml:"min_upload_rate"`
	// MaxConnections caps the connections served at once; more wait in
	// the kernel's backlog for one to end.
	MaxConnections int `yaml:"max_connections"`
	// SessionIdle ends a web interface session not used this long.
	SessionIdle Duration `yaml:"session_idle"`
}

// MetricsConfig says who may read /metrics: with neither key set nobody
// may, the probes /healthz and /readyz stay public.
type MetricsConfig struct {
	// Token, when set, is the Bearer token /metrics asks for (a secret:
	// use ${ENV}).
	Token string `yaml:"token"`
	// Listen, when set, is a separate address serving /metrics alone
	// (still behind Token, if set); /metrics on listen then answers 404.
	Listen string `yaml:"listen"`
	// Schedule is when each published post's engagement is read, after
	// its publication, ascending (Go durations; seconds are allowed). The
	// default is 1h, 6h, 24h, 72h, 168h, 720h: most engagement comes in
	// the first hours, and X bills every read.
	Schedule []Duration `yaml:"schedule"`
	// Networks overrides, per network (x, facebook, instagram, youtube),
	// the schedule and the daily cap of billed reads.
	Networks map[string]NetworkMetricsConfig `yaml:"networks"`
	// Retention is how long engagement history is kept: 0 (the default)
	// keeps it forever; otherwise at least 24h, and a daily job deletes
	// the snapshots older than it.
	Retention Duration `yaml:"retention"`
	// Every is how often a collection cycle runs: whole seconds from 1s
	// to 1h, 1m by default. A reading comes due at its step of the
	// schedule and is taken by the next cycle, so the period is how late
	// it may be. The calls a cycle makes to each network scale with the
	// period (see MaxCollectionCalls): a shorter one does not raise the
	// calls made an hour, a longer one makes catching up slower.
	Every Duration `yaml:"every"`
}

// DefaultCollectionEvery is how often metrics are collected when
// metrics.every is not set.
const DefaultCollectionEvery = time.Minute

// MaxCollectionCalls is how many calls a collection cycle of the
// default period makes to each network at most: 10 a minute stays far
// under the networks' read limits (X's GET /2/tweets takes 5,000 per 15
// minutes per user and 3,500 per app) while publishing shares them.
const MaxCollectionCalls = 10

// CollectionCalls returns the calls a collection cycle makes to each
// network at most: MaxCollectionCalls for each minute of metrics.every,
// never more than MaxCollectionCalls in one cycle, and at least one.
func (m MetricsConfig) CollectionCalls() int {
	return min(MaxCollectionCalls, max(1, int(MaxCollectionCalls*m.Every.D()/time.Minute)))
}

// NetworkMetricsConfig is one network's part of the metrics section.
type NetworkMetricsConfig struct {
	// Schedule replaces metrics.schedule for the network's posts.
	Schedule []Duration `yaml:"schedule"`
	// MaxReadsPerDay caps the metric reads the network bills per UTC day
	// (X bills a read per post returned): unset, DefaultXMaxReadsPerDay
	// for x and no cap elsewhere; 0, no billed reads at all (the posts
	// wait, still due, until it is raised); -1, no cap. When fewer reads
	// are left than posts due, the newest posts are read first and the
	// rest wait for the next day.
	MaxReadsPerDay *int `yaml:"max_reads_per_day"`
}

// DefaultXMaxReadsPerDay is X's daily cap of billed metric reads when
// metrics.networks.x.max_reads_per_day is not set.
const DefaultXMaxReadsPerDay = 500

// NoReadCap is the max_reads_per_day that sets no cap.
const NoReadCap = -1

// Durations returns the schedule as time.Durations; nil when unset (the
// collector's default then applies).
func (m MetricsConfig) Durations() []time.Duration { return durations(m.Schedule) }

func durations(ds []Duration) []time.Duration {
	var out []time.Duration
	for _, d := range ds {
		out = append(out, d.D())
	}
	return out
}

// NetworkSchedule returns a network's own schedule; nil when it has none
// (metrics.schedule then applies).
func (m MetricsConfig) NetworkSchedule(n pregonero.Network) []time.Duration {
	return durations(m.Networks[string(n)].Schedule)
}

// MaxReadsPerDay returns a network's daily cap of billed reads, NoReadCap
// for none.
func (m MetricsConfig) MaxReadsPerDay(n pregonero.Network) int {
	if p := m.Networks[string(n)].MaxReadsPerDay; p != nil {
		return *p
	}
	if n == pregonero.NetworkX {
		return DefaultXMaxReadsPerDay
	}
	return NoReadCap
}

// MinMetricsToken is the shortest metrics token, in bytes.
const MinMetricsToken = 16

// LogConfig selects the log format (text or json) and level.
type LogConfig struct {
	Format string `yaml:"format"`
	Level  string `yaml:"level"`
}

// SandboxConfig describes the built-in sandbox networks.
type SandboxConfig struct {
	// Embedded starts the sandbox inside `serve`.
	Embedded bool `yaml:"embedded"`
	// Listen is where the sandbox serves (embedded or separate process);
	// accounts with `endpoint: sandbox` talk to it.
	Listen string `yaml:"listen"`
	// SMTPListen is where the sandbox's mail sink takes SMTP (see SMTPAddr).
	SMTPListen string `yaml:"smtp_listen"`
}

// PublisherConfig tunes retries, pauses and timing.
type PublisherConfig struct {
	Workers        int      `yaml:"workers"`
	MaxAttempts    int      `yaml:"max_attempts"`
	BackoffBase    Duration `yaml:"backoff_base"`
	BackoffCap     Duration `yaml:"backoff_cap"`
	Staleness      Duration `yaml:"staleness"`
	ResumeGrace    Duration `yaml:"resume_grace"`
	ReconcileDelay Duration `yaml:"reconcile_delay"`
	PastGrace      Duration `yaml:"past_grace"`
	ClaimLead      Duration `yaml:"claim_lead"`
	// IdempotencyTTL is how long an Idempotency-Key is remembered; a
	// daily job deletes the expired ones.
	IdempotencyTTL Duration `yaml:"idempotency_ttl"`
}

// AccountConfig is one connected account.
type AccountConfig struct {
	ID      string `yaml:"id"`
	Network string `yaml:"network"`
	Name    string `yaml:"name"`
	Unit    string `yaml:"unit"`
	// RemoteID is the network's id of the account (X user id…), optional
	// where the adapter can look it up.
	RemoteID string `yaml:"remote_id"`
	// Endpoint is "sandbox", empty for the real API, or a base URL.
	Endpoint string `yaml:"endpoint"`
	// VideoEndpoint is where Facebook video uploads go when they must not
	// go to the account's Graph endpoint (a proxy, the legacy
	// graph-video.facebook.com host, which Meta deprecated); empty means
	// the Graph endpoint, where Meta now takes them.
	VideoEndpoint string            `yaml:"video_endpoint"`
	Credentials   map[string]string `yaml:"credentials"`
}

// Duration is a time.Duration written as "30s", "15m", "6h".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (use e.g. 30s, 15m, 6h)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Default returns the configuration used when a key is absent.
func Default() Config {
	return Config{
		Listen:   "127.0.0.1:8080",
		DataDir:  "./data",
		Timezone: pregonero.DefaultTimezone,
		Log:      LogConfig{Format: "text", Level: "info"},
		Sandbox:  SandboxConfig{Listen: "127.0.0.1:8090"},
		HTTP: HTTPConfig{
			ReadTimeout:    Duration(30 * time.Second),
			IdleTimeout:    Duration(2 * time.Minute),
			MinUploadRate:  64 << 10,
			MaxConnections: 1024,
			SessionIdle:    Duration(12 * time.Hour),
		},
		Publisher: PublisherConfig{
			Workers:        128,
			MaxAttempts:    8,
			BackoffBase:    Duration(30 * time.Second),
			BackoffCap:     Duration(30 * time.Minute),
			Staleness:      Duration(6 * time.Hour),
			ResumeGrace:    Duration(15 * time.Minute),
			ReconcileDelay: Duration(5 * time.Second),
			PastGrace:      Duration(2 * time.Minute),
			ClaimLead:      Duration(time.Second),
			IdempotencyTTL: Duration(pregonero.IdempotencyTTL),
		},
		YouTube: YouTubeConfig{
			ChunkSize:          8 << 20,
			UploadAhead:        Duration(2 * time.Hour),
			UploadAheadMinSize: 64 << 20,
			UploadsPerDay:      100,
			UnitsPerDay:        10000,
			StatsPerDay:        10000,
			PlaylistLag:        Duration(10 * time.Minute),
		},
		Graph: GraphConfig{
			PollInterval: Duration(2 * time.Second),
			PollTimeout:  Duration(5 * time.Minute),
		},
		Metrics: MetricsConfig{Every: Duration(DefaultCollectionEvery)},
		Media: MediaConfig{
			MaxSize: media.DefaultMaxSize,
			URLTTL:  Duration(media.DefaultURLTTL),
			GCAfter: Duration(30 * 24 * time.Hour),
		},
		Series: SeriesConfig{Horizon: Duration(14 * 24 * time.Hour), Every: Duration(10 * time.Minute)},
		Feeds:  FeedsConfig{Every: Duration(5 * time.Minute), Timeout: Duration(30 * time.Second), MaxBytes: 5 << 20, FirstItems: 5},
		Notify: NotifyConfig{SMTP: SMTPConfig{Port: 587, StartTLS: "required"}, DailySummary: "07:00",
			WebhookTimeout: Duration(10 * time.Second), Retention: Duration(90 * 24 * time.Hour)},
	}
}

// Load reads a YAML file over the defaults, expands ${ENV} references in
// every value and validates the result.
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(b, os.LookupEnv)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse decodes YAML bytes; lookup resolves ${NAME} references.
func Parse(b []byte, lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	var missing []string
	expand(&root, lookup, &missing)
	if len(missing) > 0 {
		sort.Strings(missing)
		return c, fmt.Errorf("config: environment variables not set: %s", strings.Join(uniq(missing), ", "))
	}
	if root.Kind != 0 {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		if err := enc.Encode(&root); err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(&buf)
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

func expand(n *yaml.Node, lookup func(string) (string, bool), missing *[]string) {
	if n.Kind == yaml.ScalarNode {
		if strings.Contains(n.Value, "${") {
			n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
				name := m[2 : len(m)-1]
				v, ok := lookup(name)
				if !ok {
					*missing = append(*missing, name)
				}
				return v
			})
		}
		return
	}
	for _, c := range n.Content {
		expand(c, lookup, missing)
	}
}

func uniq(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

var slug = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen: %q is not host:port", c.Listen)
	}
	if c.DataDir == "" {
		bad("data_dir: required")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		bad("timezone: %q is not an IANA time zone (e.g. America/Bogota)", c.Timezone)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("public_url: %q is not an absolute URL", c.PublicURL)
		}
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format: %q must be text or json", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level: %q must be debug, info, warn or error", c.Log.Level)
	}
	if _, _, err := net.SplitHostPort(c.Sandbox.Listen); err != nil && (c.Sandbox.Embedded || c.usesSandbox()) {
		bad("sandbox.listen: %q is not host:port", c.Sandbox.Listen)
	}
	c.HTTP.validate(bad)
	c.Metrics.validate(bad, c.Listen)
	c.Series.validate(bad)
	c.Feeds.validate(bad)
	c.Notify.validate(bad)
	p := c.Publisher
	if p.Workers < 1 || p.MaxAttempts < 1 {
		bad("publisher: workers and max_attempts must be at least 1")
	}
	if p.BackoffBase <= 0 || p.BackoffCap < p.BackoffBase {
		bad("publisher: backoff_base must be positive and at most backoff_cap")
	}
	c.Media.validate(bad)
	c.Graph.validate(bad)
	c.YouTube.validate(bad)
	c.Connect.validate(bad, c.PublicURL)
	seen := map[string]bool{}
	for i, a := range c.Accounts {
		at := fmt.Sprintf("accounts[%d]", i)
		if !slug.MatchString(a.ID) {
			bad("%s.id: %q must be a slug (lowercase letters, digits, dashes)", at, a.ID)
		} else if seen[a.ID] {
			bad("%s.id: %q is used twice", at, a.ID)
		}
		seen[a.ID] = true
		if !pregonero.Network(a.Network).Valid() {
			bad("%s.network: %q must be one of x, facebook, instagram, youtube", at, a.Network)
		}
		if a.Endpoint != "" && a.Endpoint != "sandbox" {
			if u, err := url.Parse(a.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad("%s.endpoint: %q must be \"sandbox\", empty (the real API) or an http(s) URL", at, a.Endpoint)
			}
		}
		if a.VideoEndpoint != "" {
			if u, err := url.Parse(a.VideoEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad("%s.video_endpoint: %q must be an http(s) URL (or empty: the network's video host)", at, a.VideoEndpoint)
			} else if pregonero.Network(a.Network) != pregonero.NetworkFacebook {
				bad("%s.video_endpoint: only facebook accounts upload videos to a host of their own", at)
			}
		}
		switch pregonero.Network(a.Network) {
		case pregonero.NetworkX:
			if err := checkXCredentials(a.Credentials); err != nil {
				bad("%s.credentials: %v", at, err)
			}
		case pregonero.NetworkFacebook, pregonero.NetworkInstagram:
			if err := checkGraphCredentials(pregonero.Network(a.Network), a.Credentials); err != nil {
				bad("%s.credentials: %v", at, err)
			}
		case pregonero.NetworkYouTube:
			if err := checkYouTubeCredentials(a.Credentials); err != nil {
				bad("%s.credentials: %v", at, err)
			}
		}
	}
	return errors.Join(errs...)
}

// validate reports problems of the media section; the signing key is a
// secret and is never repeated in a message.
func (m *MediaConfig) validate(bad func(format string, args ...any)) {
	if m.MaxSize <= 0 {
		bad("media.max_size: must be a positive number of bytes, got %d", m.MaxSize)
	}
	if m.URLTTL.D() < MinMediaURLTTL {
		bad("media.url_ttl: %s is too short; signed URLs must stay valid at least %s so that networks can fetch the media", m.URLTTL.D(), MinMediaURLTTL)
	}
	if d := m.GCAfter.D(); d < 0 || (d > 0 && d < MinMediaGCAfter) {
		bad("media.gc_after: %s must be 0 (never remove unused uploads) or at least %s, so that an upload is not removed before its post is written", d, MinMediaGCAfter)
	}
	if n := len(m.SigningKey); n > 0 && n < media.MinKeySize {
		bad("media.signing_key: has %d bytes, want at least %d; leave it empty to use a key generated into <data_dir>/%s", n, media.MinKeySize, media.KeyFile)
	}
}

func (h HTTPConfig) validate(bad func(format string, args ...any)) {
	if h.ReadTimeout <= 0 || h.IdleTimeout <= 0 {
		bad("http: read_timeout and idle_timeout must be positive")
	}
	if h.SessionIdle < Duration(time.Minute) {
		bad("http: session_idle must be at least 1m (a web session not used this long ends)")
	}
	if h.MinUploadRate < 1 {
		bad("http.min_upload_rate: %d must be a positive number of bytes per second", h.MinUploadRate)
	}
	if h.MaxConnections < 1 {
		bad("http.max_connections: %d must be at least 1", h.MaxConnections)
	}
}

// validate reports problems of the metrics section; the token is a
// secret and is never repeated in a message.
func (m MetricsConfig) validate(bad func(format string, args ...any), listen string) {
	if n := len(m.Token); n > 0 && n < MinMetricsToken {
		bad("metrics.token: has %d bytes, want at least %d", n, MinMetricsToken)
	}
	if m.Listen != "" {
		if _, port, err := net.SplitHostPort(m.Listen); err != nil {
			bad("metrics.listen: %q is not host:port", m.Listen)
		} else if m.Listen == listen && port != "0" { // port 0 picks a free port for each
			bad("metrics.listen: %q is listen itself; give it its own address or leave it empty", m.Listen)
		}
	}
	checkSchedule(bad, "metrics.schedule", m.Schedule)
	names := make([]string, 0, len(m.Networks))
	for n := range m.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		nc := m.Networks[n]
		at := "metrics.networks." + n
		if !pregonero.Network(n).Valid() {
			bad("%s: %q is not a network; use x, facebook, instagram or youtube", at, n)
			continue
		}
		checkSchedule(bad, at+".schedule", nc.Schedule)
		if p := nc.MaxReadsPerDay; p != nil && *p < NoReadCap {
			bad("%s.max_reads_per_day: %d must be a number of reads, 0 (none) or -1 (no cap)", at, *p)
		}
	}
	if r := m.Retention.D(); r < 0 || (r > 0 && r < 24*time.Hour) {
		bad("metrics.retention: %s must be 0 (keep the history forever) or at least 24h", r)
	}
	if e := m.Every.D(); e < time.Second || e > time.Hour || e%time.Second != 0 {
		bad("metrics.every: %s must be whole seconds from 1s to 1h", e)
	}
}

// checkSchedule reports a collection schedule that is not positive and
// ascending.
func checkSchedule(bad func(format string, args ...any), at string, s []Duration) {
	for i, d := range s {
		if d <= 0 || (i > 0 && d <= s[i-1]) {
			bad("%s: %s at position %d: the times must be positive and ascending (Go durations such as 90s, 1h, 168h)", at, d.D(), i+1)
			return
		}
	}
}

func (g GraphConfig) validate(bad func(format string, args ...any)) {
	if g.Version != "" && !graphVersion.MatchString(g.Version) {
		bad("graph.version: %q must look like v25.0", g.Version)
	}
	if g.PollInterval <= 0 || g.PollTimeout < g.PollInterval {
		bad("graph: poll_interval must be positive and at most poll_timeout")
	}
}

func (y YouTubeConfig) validate(bad func(format string, args ...any)) {
	const minChunk = 256 << 10
	if y.ChunkSize < minChunk || y.ChunkSize%minChunk != 0 {
		bad("youtube.chunk_size: %d must be a positive multiple of 262144 (256 KiB)", y.ChunkSize)
	}
	if y.UploadAhead < 0 || y.UploadAheadMinSize < 0 {
		bad("youtube: upload_ahead and upload_ahead_min_size must not be negative")
	}
	for _, q := range []struct {
		key string
		n   int
	}{{"uploads_per_day", y.UploadsPerDay}, {"units_per_day", y.UnitsPerDay}, {"stats_per_day", y.StatsPerDay}} {
		if q.n < 1 {
			bad("youtube.%s: %d must be at least 1", q.key, q.n)
		}
	}
	ids := make([]string, 0, len(y.Projects))
	for id := range y.Projects {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		q := y.Projects[id]
		if id == "" || q.UploadsPerDay < 0 || q.UnitsPerDay < 0 || q.StatsPerDay < 0 {
			bad("youtube.projects[%q]: the key must be an OAuth client id, and uploads_per_day, units_per_day and stats_per_day not negative (0 keeps the default)", id)
		}
	}
}

func checkYouTubeCredentials(m map[string]string) error {
	var missing []string
	for _, k := range []string{"client_id", "client_secret", "refresh_token"} {
		if m[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("youtube needs an OAuth 2.0 client and a refresh token; missing %s", strings.Join(missing, ", "))
	}
	return nil
}

func checkGraphCredentials(n pregonero.Network, m map[string]string) error {
	if m["access_token"] == "" {
		if n == pregonero.NetworkFacebook {
			return errors.New("facebook needs access_token (a Page access token)")
		}
		return errors.New("instagram needs access_token (the Page token with Facebook Login, or an Instagram user token with login: instagram)")
	}
	if m["app_id"] != "" && m["app_secret"] == "" {
		return errors.New("app_id is set without app_secret; appsecret_proof needs the app secret")
	}
	if n == pregonero.NetworkInstagram {
		switch m["login"] {
		case "", "facebook", "instagram":
		default:
			return fmt.Errorf("login %q must be facebook or instagram", m["login"])
		}
	}
	return nil
}

func (c *Config) usesSandbox() bool {
	for _, a := range c.Accounts {
		if a.Endpoint == "sandbox" {
			return true
		}
	}
	return false
}

func checkXCredentials(m map[string]string) error {
	has := func(keys ...string) (missing []string) {
		for _, k := range keys {
			if m[k] == "" {
				missing = append(missing, k)
			}
		}
		return missing
	}
	oauth1 := has("consumer_key", "consumer_secret", "access_token", "access_token_secret")
	oauth2 := has("client_id", "access_token", "refresh_token")
	if len(oauth1) == 0 || len(oauth2) == 0 {
		return nil
	}
	if m["consumer_key"] != "" {
		return fmt.Errorf("oauth 1.0a needs %s", strings.Join(oauth1, ", "))
	}
	return fmt.Errorf("x needs OAuth 1.0a (consumer_key, consumer_secret, access_token, access_token_secret) or OAuth 2.0 (client_id, access_token, refresh_token, and client_secret for a confidential client); missing %s", strings.Join(oauth2, ", "))
}

// Location returns the configured zone.
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// SandboxURL is the base URL of the sandbox.
func (c *Config) SandboxURL() string { return "http://" + c.Sandbox.Listen }

// Account turns an account entry into the domain account, resolving the
// endpoint to the network's base URL.
func (c *Config) Account(a AccountConfig) *pregonero.Account {
	n := pregonero.Network(a.Network)
	endpoint, video, links := a.Endpoint, a.VideoEndpoint, ""
	if endpoint == "sandbox" {
		endpoint = c.SandboxURL() + SandboxPrefix(n)
		links = c.SandboxURL() + SandboxLinkPrefix(n)
	}
	return &pregonero.Account{
		ID: a.ID, Network: n, Name: a.Name, Unit: a.Unit, RemoteID: a.RemoteID,
		Endpoint: strings.TrimRight(endpoint, "/"), VideoEndpoint: strings.TrimRight(video, "/"),
		LinkBase: links, Status: pregonero.AccountActive, Source: pregonero.AccountFromConfig,
		Credentials: a.Credentials, CredentialsHash: credentialsHash(a.Credentials),
	}
}

// SandboxLinkPrefix is the path prefix under which the sandbox serves a
// network's stand-in web pages, the ones links to live sandbox posts open
// (http://127.0.0.1:8090/x/gobantioquia/status/…).
func SandboxLinkPrefix(n pregonero.Network) string { return "/" + string(n) }

// SandboxPrefix is the path prefix of a network's fake in the sandbox.
func SandboxPrefix(n pregonero.Network) string {
	switch n {
	case pregonero.NetworkFacebook, pregonero.NetworkInstagram:
		return "/graph"
	default:
		return "/" + string(n)
	}
}

func credentialsHash(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, m[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

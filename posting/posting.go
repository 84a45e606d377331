// Package posting holds the rules about posts: creating one (validation
// through each network's adapter, one delivery per target, the start of a
// delivery planned ahead, the idempotency record), editing it, canceling
// it, releasing and retrying deliveries, pausing and resuming publishing,
// and bringing an account back after re-authorization. Every entry point
// (today the REST API, and the CLI through it) calls this service, and so
// must any other that creates or changes posts; none writes posts to the
// store itself.
//
// The service writes to the store, and the store tells the scheduler
// what became due (pregonero.Store.OnDue): nothing here wakes the
// scheduler by hand. What is in flight at the publisher (a claimed
// delivery waiting for its instant, a video the network holds for later)
// is reached through the Sender interface.
package posting

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"time"

	"pregonero"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultPastGrace is how far in the past a scheduled time may be.
	DefaultPastGrace = 2 * time.Minute
	// DefaultResumeGrace is how overdue a delivery may be on resume and
	// still go out by itself.
	DefaultResumeGrace = 15 * time.Minute
)

// MaxScheduleAhead is how far in the future a post may be scheduled; a
// time beyond it is almost always a typo in the year.
const MaxScheduleAhead = 2 * 365 * 24 * time.Hour

// Sender is what the rules need from the publisher: what it holds in
// flight, the network calls a change of plan causes, and its copies of the
// pause switch and of the accounts, which its lanes read before every
// send.
type Sender interface {
	// StopUnsent cancels the post's claimed deliveries whose send has not
	// started, and returns how many it stopped.
	StopUnsent(ctx context.Context, post *pregonero.Post) (int, error)
	// Unsent reports whether a claimed delivery has not started its send
	// (StopUnsent would stop it).
	Unsent(d *pregonero.Delivery) bool
	// Withdraw deletes from the network a delivery it holds for an
	// instant still to come (see pregonero.Withdrawer).
	Withdraw(ctx context.Context, d *pregonero.Delivery) error
	// Cleanup removes, in the background, what earlier attempts of a
	// delivery left unpublished on the network (see pregonero.Cleaner).
	Cleanup(d *pregonero.Delivery)
	// SetPaused sets the publisher's copy of the global pause switch.
	SetPaused(paused bool)
	// AccountChanged gives the publisher an account's new status.
	AccountChanged(a *pregonero.Account)
}

// MediaResolver gives the bytes of a media id.
type MediaResolver interface {
	Blob(ctx context.Context, id string) (pregonero.MediaBlob, error)
}

// Config configures a Service. Store and Sender are required.
type Config struct {
	Store    pregonero.Store
	Adapters map[pregonero.Network]pregonero.Adapter
	Sender   Sender
	// Media resolves media ids to their bytes; without it media ids are
	// resolved from the Store alone and cannot be read.
	Media MediaResolver
	// Location applies to times given without an offset; America/Bogota
	// when nil.
	Location *time.Location
	Logger   *slog.Logger
	Now      func() time.Time
	// PastGrace is how far in the past a scheduled time may be and still
	// be accepted (it then goes out at once): clocks and typing take time.
	PastGrace time.Duration
	// ResumeGrace is how overdue a delivery may be when publishing
	// resumes and still go out by itself; later ones wait for a person.
	ResumeGrace time.Duration
	// IdempotencyTTL is how long an idempotency key is remembered
	// (default pregonero.IdempotencyTTL).
	IdempotencyTTL time.Duration
	// FingerprintKey keys the fingerprints of configured credentials
	// (see ConfigureAccount); serve derives it from the store's secret
	// key. Without one, fingerprints are unkeyed: fit for tests only.
	FingerprintKey []byte
	// BilledReadCaps lists the networks that bill metric reads (X bills a
	// read per post returned), each with its daily cap of billed reads
	// (metrics.networks.<network>.max_reads_per_day: a number of reads, 0
	// for none, negative for no cap). BilledReadsToday reports the
	// accounts of these networks only.
	BilledReadCaps map[pregonero.Network]int
	// Connect configures the connection of accounts through their
	// networks' consent flows (see connect.go); without connectors and
	// applications none can be connected.
	Connect ConnectConfig
	// Fetch downloads a URL into the media library (media.Library.Fetch);
	// without it media given as URLs (in an import) cannot be used.
	Fetch func(ctx context.Context, url, alt string) (*pregonero.Media, error)
	// SeriesHorizon is how far ahead the occurrences of a series become
	// posts (default DefaultSeriesHorizon; see series.go).
	SeriesHorizon time.Duration
	// Feeds configures the polling of news feeds (see feeds.go).
	Feeds FeedConfig
	// Notifier sends the test e-mail and webhook requests people ask for
	// (see notify.go); without one they are refused.
	Notifier Notifier
}

// Service applies the rules about posts. Its methods are safe for
// concurrent use.
type Service struct {
	store       pregonero.Store
	adapters    map[pregonero.Network]pregonero.Adapter
	sender      Sender
	media       MediaResolver
	loc         *time.Location
	logger      *slog.Logger
	now         func() time.Time
	grace       time.Duration
	resumeGrace time.Duration
	fpKey       []byte
	idemTTL     time.Duration
	readCaps    map[pregonero.Network]int
	conn        *connections
	// queue serializes the placing of posts in account queues, so that
	// two posts added at once never take the same slot, and knows the
	// festivos; copies of the service share it.
	queue       *slotQueue
	fetch       func(ctx context.Context, url, alt string) (*pregonero.Media, error)
	seriesAhead time.Duration
	feedCfg     FeedConfig
	notifier    Notifier
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("new posting service: nil store")
	}
	if cfg.Sender == nil {
		return nil, errors.New("new posting service: nil sender")
	}
	s := &Service{
		store:       cfg.Store,
		adapters:    cfg.Adapters,
		sender:      cfg.Sender,
		media:       cfg.Media,
		loc:         cfg.Location,
		logger:      cfg.Logger,
		now:         cfg.Now,
		grace:       cfg.PastGrace,
		resumeGrace: cfg.ResumeGrace,
		fpKey:       cfg.FingerprintKey,
		idemTTL:     cfg.IdempotencyTTL,
		readCaps:    maps.Clone(cfg.BilledReadCaps),
		conn:        newConnections(cfg.Connect, cfg.Store),
		queue:       &slotQueue{},
		fetch:       cfg.Fetch,
		seriesAhead: cfg.SeriesHorizon,
		feedCfg:     cfg.Feeds,
		notifier:    cfg.Notifier,
	}
	if s.loc == nil {
		loc, err := time.LoadLocation(pregonero.DefaultTimezone)
		if err != nil {
			return nil, fmt.Errorf("new posting service: %w", err)
		}
		s.loc = loc
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.logger = s.logger.With(pregonero.LogComponent, "posting")
	if s.now == nil {
		s.now = time.Now
	}
	if s.grace <= 0 {
		s.grace = DefaultPastGrace
	}
	if s.resumeGrace <= 0 {
		s.resumeGrace = DefaultResumeGrace
	}
	if s.idemTTL <= 0 {
		s.idemTTL = pregonero.IdempotencyTTL
	}
	return s, nil
}

// Zone returns the location named by a request's timezone field, the
// service's zone when empty, or the field error that says why not.
func (s *Service) Zone(name string) (*time.Location, *pregonero.FieldError) {
	if name == "" {
		return s.loc, nil
	}
	// "Local" would make the answer depend on the server's host settings.
	if name != "Local" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	return nil, &pregonero.FieldError{Field: "timezone", Code: pregonero.FieldInvalid, Actual: name,
		Message: fmt.Sprintf("%q is not a time zone; use an IANA name such as America/Bogota.", name)}
}

// blob resolves a media id, through the library when there is one.
func (s *Service) blob(ctx context.Context, id string) (pregonero.MediaBlob, error) {
	if id == "" {
		return pregonero.MediaBlob{}, pregonero.Errorf(pregonero.ENOTFOUND, "empty media id")
	}
	if s.media != nil {
		return s.media.Blob(ctx, id)
	}
	m, err := s.store.Media(ctx, id)
	if err != nil {
		return pregonero.MediaBlob{}, err
	}
	return pregonero.MediaBlob{Media: m, Open: func() (io.ReadCloser, error) {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "no media library is configured")
	}}, nil
}

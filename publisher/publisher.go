// Package publisher decides how deliveries go out: claim → send → record,
// with per-account serialization in scheduled order, rate limits, retries
// with backoff, pause, and reconciliation of unknown outcomes before any
// new send.
package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"pregonero"
	"pregonero/clock"
)

// Hold reasons the publisher adds to the domain's.
const (
	HoldAccountMissing = "account_missing" // the account is no longer configured
	HoldNoAdapter      = "no_adapter"      // no adapter serves the account's network
)

// RateLimitReporter is implemented by adapters that learn an account's
// remaining allowance from the network's answers (X's x-rate-limit-*
// headers); the publisher waits for the reset instead of spending a
// request on a sure refusal.
type RateLimitReporter interface {
	RateLimit(accountID string) (remaining int, reset time.Time, ok bool)
}

// MediaResolver gives the bytes of a media id.
type MediaResolver interface {
	Blob(ctx context.Context, id string) (pregonero.MediaBlob, error)
}

// Config configures a Publisher. Zero durations take the defaults
// given with each field.
type Config struct {
	Store    pregonero.Store
	Adapters map[pregonero.Network]pregonero.Adapter
	Media    MediaResolver
	Clock    clock.Clock
	Logger   *slog.Logger
	// Registerer receives the publisher's Prometheus metrics; nil skips them.
	Registerer prometheus.Registerer

	Workers        int           // concurrent sends across accounts (default 128)
	MaxAttempts    int           // counted attempts before failing (default 8)
	BackoffBase    time.Duration // default 30 s
	BackoffCap     time.Duration // default 30 min
	Staleness      time.Duration // fail as stale this long after the scheduled time (default 6 h)
	ReconcileDelay time.Duration // wait before reconciling an unknown outcome (default 5 s)
	SendTimeout    time.Duration // per send, plus the media at MinUploadRate (default 10 min)
	ShutdownGrace  time.Duration // how long Close lets sends in flight finish (default 20 s)
	RecordTries    int           // tries to write a result before the sweep must take over (default 9, ~16 s)
	// Limits seeds a per-account limiter per network (e.g. X: 100 per 15
	// min with a burst of 100). Networks absent here are not limited
	// locally; the networks' own answers still are honoured.
	Limits map[pregonero.Network]Limit
	// Rand returns a float in [0,1) for backoff jitter (default math/rand).
	Rand func() float64
	// Credentials gives an account's configured secrets, which the store
	// does not keep (nil: none).
	Credentials func(accountID string) map[string]string
}

// Limit is a token bucket: Every is the refill interval, Burst its size.
type Limit struct {
	Every time.Duration
	Burst int
}

// DefaultLimits are seeded from the networks' documented per-user limits.
var DefaultLimits = map[pregonero.Network]Limit{
	pregonero.NetworkX: {Every: 9 * time.Second, Burst: 100}, // 100 per 15 min per user
}

// Publisher runs deliveries through the state machine.
type Publisher struct {
	cfg   Config
	log   *slog.Logger
	clock clock.Clock

	paused atomic.Bool

	mu    sync.Mutex
	lanes map[string]*lane
	// claims tracks each dispatched delivery until its send starts, so
	// that a cancel can still stop it (see Cancel).
	claims sync.Map // delivery id → *claim
	// accounts is replaced whole on every change (copy on write): lanes
	// read it before every send without taking a lock.
	accounts atomic.Pointer[map[string]*pregonero.Account]
	limiters map[string]*rate.Limiter
	closed   bool

	sem  chan struct{}
	done chan struct{}
	// ctx bounds every network call; Close cancels it once in-flight
	// sends have had their grace period.
	ctx       context.Context
	cancelCtx context.CancelFunc
	lanesWG   sync.WaitGroup
	cleanWG   sync.WaitGroup // background cleanups of ended deliveries
	// The recorder's queue of results (see recorder).
	recMu    sync.Mutex
	recQueue []pendingRecord
	recWake  chan struct{}
	recStop  chan struct{}
	recDone  chan struct{}

	m *metrics
}

// claim is a dispatched delivery's send gate: waiting until the lane
// starts the send, or canceled before that.
type claim struct{ state atomic.Int32 }

const (
	claimWaiting  int32 = iota
	claimStarted        // the send may be on the wire: no cancel any more
	claimCanceled       // Cancel stopped it and owns its record
	claimLost           // its result could not be written: Sweep gives it back
)

type lane struct {
	id    string
	queue []*item
	// notBefore holds back the account after a rate limit; deliveries
	// reaching the lane before it are given back with that time.
	notBefore time.Time
}

// New returns a publisher; Start loads its state.
func New(cfg Config) (*Publisher, error) {
	if cfg.Store == nil {
		return nil, errors.New("publisher: store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.BackoffBase, 30*time.Second)
	def(&cfg.BackoffCap, 30*time.Minute)
	def(&cfg.Staleness, 6*time.Hour)
	def(&cfg.ReconcileDelay, 5*time.Second)
	def(&cfg.SendTimeout, 10*time.Minute)
	def(&cfg.ShutdownGrace, 20*time.Second)
	if cfg.Workers <= 0 {
		cfg.Workers = 128
	}
	if cfg.RecordTries <= 0 {
		cfg.RecordTries = 9
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Limits == nil {
		cfg.Limits = DefaultLimits
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	p := &Publisher{
		cfg:      cfg,
		log:      cfg.Logger.With(pregonero.LogComponent, "publisher"),
		clock:    cfg.Clock,
		lanes:    map[string]*lane{},
		limiters: map[string]*rate.Limiter{},
		sem:      make(chan struct{}, cfg.Workers),
		done:     make(chan struct{}),
		m:        newMetrics(cfg.Registerer),
	}
	p.ctx, p.cancelCtx = context.WithCancel(context.Background())
	p.recWake = make(chan struct{}, 1)
	p.recStop = make(chan struct{})
	p.recDone = make(chan struct{})
	go p.recorder()
	return p, nil
}

// Start loads the pause switch and the accounts.
func (p *Publisher) Start(ctx context.Context) error {
	ps, err := p.cfg.Store.Pause(ctx)
	if err != nil {
		return fmt.Errorf("publisher: load pause: %w", err)
	}
	p.paused.Store(ps.Paused)
	return p.ReloadAccounts(ctx)
}

// ReloadAccounts refreshes the account cache from the store.
func (p *Publisher) ReloadAccounts(ctx context.Context) error {
	as, err := p.cfg.Store.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("publisher: load accounts: %w", err)
	}
	m := make(map[string]*pregonero.Account, len(as))
	for _, a := range as {
		m[a.ID] = p.withCredentials(a)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accounts.Store(&m)
	return nil
}

func (p *Publisher) withCredentials(a *pregonero.Account) *pregonero.Account {
	if p.cfg.Credentials != nil && a.Credentials == nil {
		a.Credentials = p.cfg.Credentials(a.ID)
	}
	return a
}

// Paused reports whether publishing is paused globally.
func (p *Publisher) Paused() bool { return p.paused.Load() }

// item is a dispatched delivery with its post, read ahead of the instant
// so that the send itself starts on time.
type item struct {
	d     *pregonero.Delivery
	gate  *claim
	ready chan struct{}
	post  *pregonero.Post
	err   error
}

// Dispatch queues claimed deliveries on their accounts' lanes and reads
// their posts in the background while they wait for their instant.
func (p *Publisher) Dispatch(ds []*pregonero.Delivery) {
	items := make([]*item, 0, len(ds))
	p.mu.Lock()
	if p.closed {
		// Shutting down: leave them claimed; Recover at the next start
		// gives them back to the queue (nothing was written ahead).
		p.mu.Unlock()
		return
	}
	touched := map[*lane]bool{}
	for _, d := range ds {
		l := p.lanes[d.AccountID]
		if l == nil {
			l = &lane{id: d.AccountID}
			p.lanes[d.AccountID] = l
			p.lanesWG.Add(1)
			go p.runLane(l)
		}
		c := &claim{}
		if d.State != pregonero.DeliveryQueued {
			c.state.Store(claimStarted) // in doubt: not cancelable
		}
		// A cancel may have come between the claim and this dispatch: its
		// canceled gate is this claim's. Any other gate left under the id
		// belongs to an earlier claim whose record is done or lost.
		if old, loaded := p.claims.LoadOrStore(d.ID, c); loaded {
			if old.(*claim).state.Load() == claimCanceled {
				c = old.(*claim)
			} else {
				p.claims.Store(d.ID, c)
			}
		}
		it := &item{d: d, gate: c, ready: make(chan struct{})}
		items = append(items, it)
		l.queue = append(l.queue, it)
		touched[l] = true
		p.m.queued.Inc()
	}
	for l := range touched {
		sortQueue(l.queue)
	}
	p.lanesWG.Add(1)
	p.mu.Unlock()
	go p.prefetch(items)
}

func (p *Publisher) prefetch(items []*item) {
	defer p.lanesWG.Done()
	// After a panic the items not read yet fail with it, and their lanes
	// give them back, instead of waiting for them forever.
	var err error
	i := 0
	defer func() {
		for ; i < len(items); i++ {
			items[i].post, items[i].err = nil, err
			close(items[i].ready)
		}
	}()
	defer pregonero.RecoverPanic(p.log, "read ahead of posts panicked", &err)
	// A post with several targets is read once for all of them.
	read := map[string]*item{}
	for ; i < len(items); i++ {
		it := items[i]
		if prev, ok := read[it.d.PostID]; ok {
			it.post, it.err = prev.post, prev.err
		} else {
			it.post, it.err = p.cfg.Store.Post(p.ctx, it.d.PostID)
			read[it.d.PostID] = it
		}
		close(it.ready)
	}
}

// sortQueue keeps a lane in scheduled order: due instant, then scheduled
// time, then id.
func sortQueue(q []*item) {
	sort.SliceStable(q, func(i, j int) bool {
		a, b := q[i].d.NextAttemptAt, q[j].d.NextAttemptAt
		if !a.Equal(b) {
			return a.Before(b)
		}
		if !q[i].d.ScheduledAt.Equal(q[j].d.ScheduledAt) {
			return q[i].d.ScheduledAt.Before(q[j].d.ScheduledAt)
		}
		return q[i].d.ID < q[j].d.ID
	})
}

func (p *Publisher) runLane(l *lane) {
	defer p.lanesWG.Done()
	for {
		p.mu.Lock()
		if len(l.queue) == 0 {
			delete(p.lanes, l.id)
			p.mu.Unlock()
			return
		}
		it := l.queue[0]
		l.queue = l.queue[1:]
		p.mu.Unlock()
		p.m.queued.Dec()
		p.safeProcess(l, it)
		if it.gate.state.Load() == claimCanceled {
			p.claims.CompareAndDelete(it.d.ID, it.gate)
		}
	}
}

// safeProcess contains a panic while a delivery is processed: the lane
// goes on with its next delivery instead of the process ending. Where it
// stopped is unknown (the send may be out), so the delivery stays claimed
// and its gate is marked lost: Cancel leaves it alone and Sweep gives it
// back after orphanAge, to be reconciled before any new send.
func (p *Publisher) safeProcess(l *lane, it *item) {
	var err error
	defer func() {
		if err == nil {
			return
		}
		// A canceled gate means Cancel owns the record: it stays so.
		if !it.gate.state.CompareAndSwap(claimWaiting, claimLost) {
			it.gate.state.CompareAndSwap(claimStarted, claimLost)
		}
	}()
	defer func() {
		if v := recover(); v != nil {
			pregonero.ReportPanic(p.log, v, "processing a delivery panicked; the sweep gives it back", &err,
				pregonero.LogDelivery, it.d.ID, pregonero.LogAccount, it.d.AccountID)
		}
	}()
	p.process(l, it)
}

// Close stops sending. Deliveries not yet sent are given back to the queue;
// sends in flight finish; results are recorded before it returns.
func (p *Publisher) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	p.mu.Unlock()
	lanes := make(chan struct{})
	go func() { p.lanesWG.Wait(); close(lanes) }()
	select {
	case <-lanes:
	case <-time.After(p.cfg.ShutdownGrace):
		// Sends still on the wire are cut: their deliveries stay sending
		// and are reconciled at the next start.
		p.cancelCtx()
		<-lanes
	}
	p.cancelCtx() // also cuts cleanups still running: they are best effort
	close(p.recStop)
	<-p.recDone
	p.cleanWG.Wait()
	return nil
}

func (p *Publisher) stopping() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *Publisher) account(id string) *pregonero.Account {
	if m := p.accounts.Load(); m != nil {
		return (*m)[id]
	}
	return nil
}

func (p *Publisher) setAccount(a *pregonero.Account) {
	a = p.withCredentials(a)
	p.mu.Lock()
	defer p.mu.Unlock()
	m := map[string]*pregonero.Account{}
	if old := p.accounts.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[a.ID] = a
	p.accounts.Store(&m)
}

func (p *Publisher) limiter(a *pregonero.Account) *rate.Limiter {
	lim, ok := p.cfg.Limits[a.Network]
	if !ok {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.limiters[a.ID]
	if l == nil {
		l = rate.NewLimiter(rate.Every(lim.Every), lim.Burst)
		p.limiters[a.ID] = l
	}
	return l
}

// Package metrics collects the engagement of published posts on a
// decaying schedule after their publication (by default 1 h, 6 h, 24 h,
// 72 h, 168 h and 720 h), and the followers and posts of each account once
// a day, and keeps every reading as history. The scheduler runs a
// collection cycle as a periodic job of its own, apart from the loop that
// claims due posts, so that collecting never delays publishing; each cycle
// makes a bounded number of calls per network, so that catching up after
// downtime spreads over cycles instead of bursting past a network's rate
// limit, and a network that bills reads (X) reads at most its daily cap,
// the newest posts first.
package metrics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"pregonero"
)

// DefaultSchedule is when a published delivery is measured, after its
// publication.
var DefaultSchedule = []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 168 * time.Hour, 720 * time.Hour}

// Store is what the collector reads and writes.
type Store interface {
	Delivery(ctx context.Context, id string) (*pregonero.Delivery, error)
	Account(ctx context.Context, id string) (*pregonero.Account, error)
	Accounts(ctx context.Context) ([]*pregonero.Account, error)
	NextDue(ctx context.Context) (time.Time, bool, error)
	DeliveryCounts(ctx context.Context) (map[pregonero.DeliveryState]int, error)
	pregonero.MetricsStore
	pregonero.AccountMetricsStore
	pregonero.MetricRefusalStore
	pregonero.MetricsUsageStore
	pregonero.MetricsPurger
}

// NetworkConfig is what one network overrides.
type NetworkConfig struct {
	// Schedule replaces Config.Schedule for the network when not empty.
	Schedule []time.Duration
	// MaxReadsPerDay caps the reads the network bills per UTC day
	// (MetricsResult.Billed): positive, at most that many; 0, none (the
	// network's posts wait, still due, until the cap is raised); negative,
	// no cap.
	MaxReadsPerDay int
}

// Config configures a Collector.
type Config struct {
	Store Store
	// Readers are the adapters that read metrics, by network; a delivery
	// to another network leaves the schedule when it comes due.
	Readers map[pregonero.Network]pregonero.MetricsReader
	// AccountReaders read the followers and posts of accounts, by network.
	AccountReaders map[pregonero.Network]pregonero.AccountMetricsReader
	Now            func() time.Time
	Logger         *slog.Logger
	// Schedule is when to measure, after publication, ascending;
	// DefaultSchedule when empty.
	Schedule []time.Duration
	// Networks overrides the schedule and sets the daily cap of billed
	// reads per network; a network not listed bills without cap.
	Networks map[pregonero.Network]NetworkConfig
	// CallsPerCycle bounds the calls one cycle makes to each network,
	// account snapshots included: 10 when zero. A cycle a minute at 10
	// calls (150 per 15 minutes) stays far under X's limits on GET
	// /2/tweets: 5,000 per 15 minutes per user and 3,500 per app.
	CallsPerCycle int
	// Location is the zone whose days account snapshots are taken in,
	// once each: UTC when nil.
	Location *time.Location
	// Retention is how long snapshots are kept, by Purge: forever when
	// zero.
	Retention time.Duration
	// MaxDue bounds the due measurements one cycle looks at: 100,000
	// when zero. Those beyond wait for a later cycle.
	MaxDue int
	// Yield, when set, is asked before each network call whether
	// publishing needs the machine now (see DueSoon); when it does the
	// cycle stops there, and what it did not read stays due for the next.
	Yield func(ctx context.Context) bool
	// Credentials gives an account's configured secrets, which the store
	// does not keep: the readers call the networks with them.
	Credentials func(accountID string) map[string]string
}

// DueSoon returns a Config.Yield that gives way while publishing is busy:
// a delivery is due within 2 s, or came due within the last minute, or
// is being sent. One overdue for longer waits for something else (a
// pause, a network's limit) and holds up no collection.
func DueSoon(s interface {
	NextDue(ctx context.Context) (time.Time, bool, error)
	DeliveryCounts(ctx context.Context) (map[pregonero.DeliveryState]int, error)
}, now func() time.Time) func(ctx context.Context) bool {
	return func(ctx context.Context) bool {
		t, ok, err := s.NextDue(ctx)
		if err != nil {
			return true
		}
		n := now()
		if ok && t.Before(n.Add(2*time.Second)) && t.After(n.Add(-time.Minute)) {
			return true
		}
		counts, err := s.DeliveryCounts(ctx)
		return err != nil || counts[pregonero.DeliverySending] > 0
	}
}

// Collector measures published deliveries. Collect runs one cycle.
type Collector struct {
	cfg     Config
	log     *slog.Logger
	running sync.Mutex

	mu    sync.Mutex
	taken map[string]string // account id → the day its snapshot was taken
	// capped is, by network, the UTC day its cap was last logged as
	// reached, so that it is logged once a day.
	capped map[pregonero.Network]string
	// failing is, by account and kind of read, the error last logged
	// for it: an account whose reads fail every minute is logged when it
	// starts failing, when the error changes and when it recovers, not
	// every minute.
	failing map[string]string
}

// Result is what one cycle did.
type Result struct {
	// Placed is how many newly published deliveries were placed in their
	// network's schedule.
	Placed int
	// Snapshots is how many snapshots were stored.
	Snapshots int
	// AccountSnapshots is how many account snapshots were stored.
	AccountSnapshots int
	// Calls is how many network calls were made, by network.
	Calls map[pregonero.Network]int
	// Billed is how many reads the networks billed, by network.
	Billed map[pregonero.Network]int
	// Ended is how many deliveries left the schedule.
	Ended int
	// Capped is how many due measurements wait for the next UTC day
	// because their network's daily cap of billed reads is reached.
	Capped int
	// Yielded is set when the cycle stopped early for publishing.
	Yielded bool
}

// New checks the configuration and returns a Collector.
func New(cfg Config) (*Collector, error) {
	if cfg.Store == nil {
		return nil, errors.New("metrics: a store is required")
	}
	if len(cfg.Schedule) == 0 {
		cfg.Schedule = DefaultSchedule
	}
	if err := checkSchedule(cfg.Schedule); err != nil {
		return nil, err
	}
	for n, nc := range cfg.Networks {
		if len(nc.Schedule) > 0 {
			if err := checkSchedule(nc.Schedule); err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CallsPerCycle <= 0 {
		cfg.CallsPerCycle = 10
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.MaxDue <= 0 {
		cfg.MaxDue = 100000
	}
	if cfg.Retention < 0 {
		return nil, fmt.Errorf("metrics: retention %s is negative", cfg.Retention)
	}
	return &Collector{cfg: cfg, log: cfg.Logger.With(pregonero.LogComponent, "metrics"), taken: map[string]string{}, capped: map[pregonero.Network]string{}, failing: map[string]string{}}, nil
}

func checkSchedule(s []time.Duration) error {
	for i, d := range s {
		if d <= 0 || (i > 0 && d <= s[i-1]) {
			return fmt.Errorf("metrics: the schedule must be positive and ascending: %v", s)
		}
	}
	return nil
}

// Schedule returns the schedule of a network.
func (c *Collector) Schedule(n pregonero.Network) []time.Duration {
	if s := c.cfg.Networks[n].Schedule; len(s) > 0 {
		return s
	}
	return c.cfg.Schedule
}

// capOf returns the network's daily cap of billed reads, and whether it
// has one.
func (c *Collector) capOf(n pregonero.Network) (int, bool) {
	nc, ok := c.cfg.Networks[n]
	if !ok || nc.MaxReadsPerDay < 0 {
		return 0, false
	}
	return nc.MaxReadsPerDay, true
}

// cycle is the state of one Collect.
type cycle struct {
	now     time.Time
	res     Result
	stopped map[pregonero.Network]bool
	refused map[pregonero.Network][]pregonero.MetricRefusal
	billed  map[pregonero.Network]int // billed today, before and during the cycle
}

// Collect runs one cycle: it places the deliveries published since the
// last one in their schedule, takes the account snapshots not taken
// today, then reads what is due, at most CallsPerCycle calls per network.
// A cycle still running when the next one starts makes the later one
// return at once.
func (c *Collector) Collect(ctx context.Context) (Result, error) {
	cy := &cycle{res: Result{Calls: map[pregonero.Network]int{}, Billed: map[pregonero.Network]int{}},
		stopped: map[pregonero.Network]bool{}, refused: map[pregonero.Network][]pregonero.MetricRefusal{},
		billed: map[pregonero.Network]int{}}
	if !c.running.TryLock() {
		return cy.res, nil
	}
	defer c.running.Unlock()
	if c.yield(ctx, cy) {
		return cy.res, nil
	}
	cy.now = c.cfg.Now()
	due, err := c.cfg.Store.DueMetrics(ctx, cy.now, c.cfg.MaxDue)
	if err != nil {
		return cy.res, fmt.Errorf("due measurements: %w", err)
	}
	due, err = c.place(ctx, cy, due)
	if err != nil {
		return cy.res, err
	}
	if err := c.snapshotAccounts(ctx, cy); err != nil {
		return cy.res, err
	}
	usage, err := c.cfg.Store.BilledReads(ctx, cy.now)
	if err != nil {
		return cy.res, fmt.Errorf("billed reads: %w", err)
	}
	for _, u := range usage {
		cy.billed[u.Network] += int(u.Reads)
	}
	byNet := map[pregonero.Network][]pregonero.MetricsDue{}
	var nets []pregonero.Network
	for _, m := range due {
		if byNet[m.Network] == nil {
			nets = append(nets, m.Network)
		}
		byNet[m.Network] = append(byNet[m.Network], m)
	}
	slices.Sort(nets)
	for _, n := range nets {
		if err := c.collectNetwork(ctx, cy, n, byNet[n]); err != nil {
			return cy.res, err
		}
	}
	return cy.res, nil
}

// place puts the deliveries enrolled as they were published at the first
// step of their network's schedule, or out of it when the network has no
// reader or the whole schedule is past, in one write and without calling
// a network. It returns the measurements due now, earliest first.
func (c *Collector) place(ctx context.Context, cy *cycle, due []pregonero.MetricsDue) ([]pregonero.MetricsDue, error) {
	var next []pregonero.MetricsDue
	out := due[:0:0]
	for _, m := range due {
		if m.Step != pregonero.MetricsUnplaced {
			out = append(out, m)
			continue
		}
		s := c.Schedule(m.Network)
		n := pregonero.MetricsDue{DeliveryID: m.DeliveryID}
		if c.cfg.Readers[m.Network] != nil && !m.PublishedAt.IsZero() && m.PublishedAt.Add(s[len(s)-1]).After(cy.now) {
			n = pregonero.MetricsDue{DeliveryID: m.DeliveryID, At: m.PublishedAt.Add(s[0]), Step: 0, Network: m.Network,
				AccountID: m.AccountID, PublishedAt: m.PublishedAt}
		}
		next = append(next, n)
		if n.At.IsZero() {
			cy.res.Ended++
			continue
		}
		cy.res.Placed++
		if !n.At.After(cy.now) {
			out = append(out, n)
		}
	}
	if len(next) == 0 {
		return out, nil
	}
	if err := c.cfg.Store.AddSnapshots(ctx, nil, next); err != nil {
		return nil, fmt.Errorf("place new measurements: %w", err)
	}
	slices.SortStableFunc(out, func(a, b pregonero.MetricsDue) int { return a.At.Compare(b.At) })
	return out, nil
}

// budget is how many more calls the cycle may make to network n.
func (c *Collector) budget(cy *cycle, n pregonero.Network) int {
	if cy.stopped[n] || cy.res.Yielded {
		return 0
	}
	return c.cfg.CallsPerCycle - cy.res.Calls[n]
}

// yield reports whether the cycle stops for publishing.
func (c *Collector) yield(ctx context.Context, cy *cycle) bool {
	if !cy.res.Yielded && c.cfg.Yield != nil && c.cfg.Yield(ctx) {
		cy.res.Yielded = true
	}
	return cy.res.Yielded
}

// collectNetwork reads what is due on one network, oldest due first, or,
// when the reads left under the network's daily cap are fewer than what
// is due, the newest published first; the rest stays due.
func (c *Collector) collectNetwork(ctx context.Context, cy *cycle, n pregonero.Network, due []pregonero.MetricsDue) error {
	r := c.cfg.Readers[n]
	if r == nil {
		// No reader any more: out of the schedule.
		next := make([]pregonero.MetricsDue, len(due))
		for i, m := range due {
			next[i] = pregonero.MetricsDue{DeliveryID: m.DeliveryID}
		}
		if err := c.cfg.Store.AddSnapshots(ctx, nil, next); err != nil {
			return fmt.Errorf("end measurements on %s: %w", n, err)
		}
		cy.res.Ended += len(next)
		return nil
	}
	if cp, ok := c.capOf(n); ok {
		left := max(0, cp-cy.billed[n])
		if len(due) > left {
			slices.SortStableFunc(due, func(a, b pregonero.MetricsDue) int {
				return cmp.Or(b.PublishedAt.Compare(a.PublishedAt), cmp.Compare(a.DeliveryID, b.DeliveryID))
			})
			cy.res.Capped += len(due) - left
			due = due[:left]
			if day := cy.now.UTC().Format(time.DateOnly); left == 0 && c.capped[n] != day {
				c.capped[n] = day
				c.log.Info("the daily cap of billed metric reads is reached; the posts due wait for the next UTC day",
					pregonero.LogNetwork, n, pregonero.LogLimit, cp, pregonero.LogCount, cy.billed[n])
			}
		}
	}
	batch := max(1, r.MetricsBatch())
	// At most what the cycle's calls can take, grouped by account in the
	// order chosen above.
	due = due[:min(len(due), c.budget(cy, n)*batch)]
	if len(due) == 0 {
		return nil
	}
	refused, err := c.cfg.Store.RefusedMetrics(ctx, n)
	if err != nil {
		return fmt.Errorf("refused metrics of %s: %w", n, err)
	}
	cy.refused[n] = refused
	var accts []string
	byAcct := map[string][]pregonero.MetricsDue{}
	for _, m := range due {
		if byAcct[m.AccountID] == nil {
			accts = append(accts, m.AccountID)
		}
		byAcct[m.AccountID] = append(byAcct[m.AccountID], m)
	}
	for _, id := range accts {
		acct, err := c.cfg.Store.Account(ctx, id)
		if err != nil {
			if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
				return err
			}
			c.log.Warn("metrics not read: account not found", pregonero.LogAccount, id, pregonero.LogErr, err)
			continue
		}
		c.withCredentials(acct)
		for chunk := range slices.Chunk(byAcct[id], batch) {
			if c.budget(cy, n) <= 0 || c.yield(ctx, cy) {
				return nil // the rest waits for the next cycle, still due
			}
			if err := c.read(ctx, cy, r, acct, chunk); err != nil {
				return err
			}
		}
	}
	return nil
}

// read measures one batch of one account's deliveries and stores what it
// learned: the snapshots with each delivery's next measurement, the
// metrics the network refused, the reads it billed.
func (c *Collector) read(ctx context.Context, cy *cycle, r pregonero.MetricsReader, acct *pregonero.Account, chunk []pregonero.MetricsDue) error {
	n := acct.Network
	var next []pregonero.MetricsDue
	ds := make([]*pregonero.Delivery, 0, len(chunk))
	steps := map[string]int{}
	for _, m := range chunk {
		d, err := c.cfg.Store.Delivery(ctx, m.DeliveryID)
		if err != nil && pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			return err
		}
		if d == nil || d.State != pregonero.DeliveryPublished || d.RemoteID == "" {
			// Gone, or no longer live: it leaves the schedule.
			next = append(next, pregonero.MetricsDue{DeliveryID: m.DeliveryID})
			continue
		}
		ds = append(ds, d)
		steps[d.ID] = m.Step
	}
	var snaps []pregonero.Snapshot
	if len(ds) > 0 {
		cy.res.Calls[n]++
		got, err := r.ReadMetrics(ctx, pregonero.MetricsRequest{Account: acct, Deliveries: ds, Refused: cy.refused[n]})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			pe := pregonero.AsPublishError(err)
			c.failed("posts", acct, err, "metrics not read; they will be read again", pregonero.LogCount, len(ds))
			if pe.Class == pregonero.ClassRateLimited || pe.Class == pregonero.ClassAccountBlocked {
				cy.stopped[n] = true
			}
			ds = nil
		} else {
			c.recovered("posts", acct, "metrics read again")
			if err := c.refuse(ctx, cy, n, got.Refused); err != nil {
				return err
			}
			if got.Billed > 0 {
				cy.billed[n] += got.Billed
				cy.res.Billed[n] += got.Billed
				if err := c.cfg.Store.AddBilledReads(ctx, cy.now, n, acct.ID, got.Billed); err != nil {
					return fmt.Errorf("count billed reads: %w", err)
				}
			}
			at := c.cfg.Now().UTC()
			for _, d := range ds {
				s, ok := got.Snapshots[d.ID]
				if !ok {
					// The network no longer has the post.
					next = append(next, pregonero.MetricsDue{DeliveryID: d.ID})
					continue
				}
				s.DeliveryID, s.PostID, s.AccountID, s.Network, s.CollectedAt = d.ID, d.PostID, d.AccountID, d.Network, at
				snaps = append(snaps, s)
				next = append(next, c.nextAfter(d, steps[d.ID], at))
			}
		}
	}
	for _, m := range next {
		if m.At.IsZero() {
			cy.res.Ended++
		}
	}
	if len(snaps) == 0 && len(next) == 0 {
		return nil
	}
	if err := c.cfg.Store.AddSnapshots(ctx, snaps, next); err != nil {
		return fmt.Errorf("store snapshots: %w", err)
	}
	cy.res.Snapshots += len(snaps)
	return nil
}

// refuse remembers the metrics a network refused during a call and logs
// each the first time: the store keeps the first refusal of each network,
// kind and metric, and says which were new.
func (c *Collector) refuse(ctx context.Context, cy *cycle, n pregonero.Network, refusals []pregonero.MetricRefusal) error {
	if len(refusals) == 0 {
		return nil
	}
	for i := range refusals {
		refusals[i].Network = n
		if refusals[i].At.IsZero() {
			refusals[i].At = cy.now.UTC()
		}
	}
	added, err := c.cfg.Store.RefuseMetrics(ctx, refusals)
	if err != nil {
		return fmt.Errorf("remember refused metrics: %w", err)
	}
	for _, r := range added {
		cy.refused[n] = append(cy.refused[n], r)
		c.log.Warn("the network refused a metric; it is no longer asked for, the others still are",
			pregonero.LogNetwork, r.Network, pregonero.LogMetricKind, r.Kind, pregonero.LogMetricName, r.Metric, pregonero.LogReason, r.Reason)
	}
	return nil
}

// nextAfter is the delivery's next measurement after the one of step,
// taken at at: the first later step still ahead of at. Steps passed while
// the server was down are not made up one by one: the reading just taken
// stands for them.
func (c *Collector) nextAfter(d *pregonero.Delivery, step int, at time.Time) pregonero.MetricsDue {
	s := c.Schedule(d.Network)
	for i := step + 1; i < len(s); i++ {
		if t := d.PublishedAt.Add(s[i]); t.After(at) {
			return pregonero.MetricsDue{DeliveryID: d.ID, At: t, Step: i}
		}
	}
	return pregonero.MetricsDue{DeliveryID: d.ID}
}

// day is the day of t in the configured zone, as "2006-01-02".
func (c *Collector) day(t time.Time) (string, time.Time) {
	l := t.In(c.cfg.Location)
	y, m, d := l.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, c.cfg.Location)
	return start.Format(time.DateOnly), start
}

// snapshotAccounts takes, for each active account whose network reads
// account metrics, the day's snapshot if it is not taken yet. Each read
// is a call of the network's budget for the cycle.
func (c *Collector) snapshotAccounts(ctx context.Context, cy *cycle) error {
	if len(c.cfg.AccountReaders) == 0 {
		return nil
	}
	accts, err := c.cfg.Store.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	day, start := c.day(cy.now)
	for _, a := range accts {
		r := c.cfg.AccountReaders[a.Network]
		if r == nil || a.Status != pregonero.AccountActive || c.budget(cy, a.Network) <= 0 {
			continue
		}
		c.mu.Lock()
		done := c.taken[a.ID] == day
		c.mu.Unlock()
		if done {
			continue
		}
		// After a restart the store says whether today's was taken.
		got, err := c.cfg.Store.AccountSnapshots(ctx, a.ID, start, time.Time{})
		if err != nil {
			return fmt.Errorf("account snapshots of %s: %w", a.ID, err)
		}
		if len(got) > 0 {
			c.markTaken(a.ID, day)
			continue
		}
		// Publishing is asked only before a call: an account whose
		// snapshot of the day is taken costs no question.
		if c.yield(ctx, cy) {
			return nil
		}
		cy.res.Calls[a.Network]++
		s, err := r.ReadAccountMetrics(ctx, c.withCredentials(a))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			pe := pregonero.AsPublishError(err)
			c.failed("account", a, err, "account metrics not read; they will be read again")
			if pe.Class == pregonero.ClassRateLimited || pe.Class == pregonero.ClassAccountBlocked {
				cy.stopped[a.Network] = true
			}
			continue
		}
		c.recovered("account", a, "account metrics read again")
		s.AccountID, s.Network, s.CollectedAt = a.ID, a.Network, c.cfg.Now().UTC()
		if err := c.cfg.Store.AddAccountSnapshots(ctx, []pregonero.AccountSnapshot{s}); err != nil {
			return fmt.Errorf("store account snapshot: %w", err)
		}
		c.markTaken(a.ID, day)
		cy.res.AccountSnapshots++
	}
	return nil
}

// withCredentials gives an account read from the store its configured
// credentials.
func (c *Collector) withCredentials(a *pregonero.Account) *pregonero.Account {
	if c.cfg.Credentials != nil && a.Credentials == nil {
		a.Credentials = c.cfg.Credentials(a.ID)
	}
	return a
}

func (c *Collector) markTaken(account, day string) {
	c.mu.Lock()
	c.taken[account] = day
	c.mu.Unlock()
}

// Purge deletes the snapshots older than the retention; with none it
// deletes nothing. It is meant to run once a day.
func (c *Collector) Purge(ctx context.Context) (int, error) {
	if c.cfg.Retention <= 0 {
		return 0, nil
	}
	n, err := c.cfg.Store.PurgeSnapshots(ctx, c.cfg.Now().Add(-c.cfg.Retention))
	if err != nil {
		return n, fmt.Errorf("purge snapshots: %w", err)
	}
	return n, nil
}

// failed logs a failed read of one account: at WARN when the account
// starts failing or fails otherwise than last logged, at DEBUG while it
// keeps failing the same way.
func (c *Collector) failed(kind string, a *pregonero.Account, err error, msg string, attrs ...any) {
	key := kind + "\x00" + a.ID
	c.mu.Lock()
	same := c.failing[key] == err.Error()
	c.failing[key] = err.Error()
	c.mu.Unlock()
	level := slog.LevelWarn
	if same {
		level = slog.LevelDebug
	}
	attrs = append([]any{pregonero.LogNetwork, a.Network, pregonero.LogAccount, a.ID}, attrs...)
	c.log.Log(context.Background(), level, msg, append(attrs, pregonero.LogErr, err)...)
}

// recovered logs, once, that the reads of an account that were failing
// succeed again.
func (c *Collector) recovered(kind string, a *pregonero.Account, msg string) {
	key := kind + "\x00" + a.ID
	c.mu.Lock()
	_, was := c.failing[key]
	delete(c.failing, key)
	c.mu.Unlock()
	if was {
		c.log.Info(msg, pregonero.LogNetwork, a.Network, pregonero.LogAccount, a.ID)
	}
}

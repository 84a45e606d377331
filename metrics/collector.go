// Package metrics collects the engagement of published posts on a
// decaying schedule after their publication (by default 1 h, 6 h, 24 h,
// 72 h, 168 h and 720 h) and keeps every reading as history. The
// scheduler runs a collection cycle as a periodic job of its own, apart
// from the loop that claims due posts, so that collecting never delays
// publishing; each cycle makes a bounded number of calls per network, so
// that catching up after downtime spreads over cycles instead of bursting
// past a network's rate limit.
package metrics

import (
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
	pregonero.MetricsStore
}

// Config configures a Collector.
type Config struct {
	Store Store
	// Readers are the adapters that read metrics, by network; deliveries
	// of other networks are not enrolled until their network has one.
	Readers map[pregonero.Network]pregonero.MetricsReader
	Now     func() time.Time
	Logger  *slog.Logger
	// Schedule is when to measure, after publication, ascending;
	// DefaultSchedule when empty.
	Schedule []time.Duration
	// CallsPerCycle bounds the calls one cycle makes to each network: 10
	// when zero. A cycle a minute at 10 calls (150 per 15 minutes) stays
	// far under X's limits on GET /2/tweets: 5,000 per 15 minutes per user
	// and 3,500 per app.
	CallsPerCycle int
	// Lookback is how far before now enrollment looks for posts scheduled
	// then and published since: the last step of the schedule plus 7 days
	// when zero.
	Lookback time.Duration
}

// Collector measures published deliveries. Collect runs one cycle.
type Collector struct {
	cfg      Config
	log      *slog.Logger
	networks []pregonero.Network // those with a reader
	running  sync.Mutex
}

// Result is what one cycle did.
type Result struct {
	// Enrolled is how many newly published deliveries joined the schedule.
	Enrolled int
	// Snapshots is how many snapshots were stored.
	Snapshots int
	// Calls is how many network calls were made, by network.
	Calls map[pregonero.Network]int
	// Ended is how many deliveries left the schedule.
	Ended int
}

// New checks the configuration and returns a Collector.
func New(cfg Config) (*Collector, error) {
	if cfg.Store == nil {
		return nil, errors.New("metrics: a store is required")
	}
	if len(cfg.Schedule) == 0 {
		cfg.Schedule = DefaultSchedule
	}
	for i, d := range cfg.Schedule {
		if d <= 0 || (i > 0 && d <= cfg.Schedule[i-1]) {
			return nil, fmt.Errorf("metrics: the schedule must be positive and ascending: %v", cfg.Schedule)
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
	if cfg.Lookback <= 0 {
		cfg.Lookback = cfg.Schedule[len(cfg.Schedule)-1] + 7*24*time.Hour
	}
	c := &Collector{cfg: cfg, log: cfg.Logger.With(pregonero.LogComponent, "metrics")}
	for n := range cfg.Readers {
		c.networks = append(c.networks, n)
	}
	slices.Sort(c.networks)
	return c, nil
}

// maxBatch is the largest batch of any reader, at least 1.
func (c *Collector) maxBatch() int {
	n := 1
	for _, r := range c.cfg.Readers {
		n = max(n, r.MetricsBatch())
	}
	return n
}

// Collect runs one cycle: it enrolls the deliveries published since the
// last one, then reads what is due, at most CallsPerCycle calls per
// network. A cycle still running when the next one starts makes the
// later one return at once.
func (c *Collector) Collect(ctx context.Context) (Result, error) {
	res := Result{Calls: map[pregonero.Network]int{}}
	if !c.running.TryLock() {
		return res, nil
	}
	defer c.running.Unlock()
	now := c.cfg.Now()
	n, err := c.cfg.Store.EnrollPublished(ctx, now.Add(-c.cfg.Lookback), now.Add(time.Nanosecond), c.cfg.Schedule[0], c.networks)
	if err != nil {
		return res, fmt.Errorf("enroll published deliveries: %w", err)
	}
	res.Enrolled = n
	limit := c.cfg.CallsPerCycle * c.maxBatch() * max(1, len(c.cfg.Readers))
	due, err := c.cfg.Store.DueMetrics(ctx, now, limit)
	if err != nil {
		return res, fmt.Errorf("due measurements: %w", err)
	}
	// Group by account, keeping the due order (earliest first) so that a
	// cycle cut short by its call budget takes the oldest first.
	type group struct {
		acct string
		net  pregonero.Network
		ds   []*pregonero.Delivery
		due  map[string]pregonero.MetricsDue
	}
	var groups []*group
	byAcct := map[string]*group{}
	var next []pregonero.MetricsDue
	for _, m := range due {
		d, err := c.cfg.Store.Delivery(ctx, m.DeliveryID)
		if err != nil && pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			return res, err
		}
		if d == nil || d.State != pregonero.DeliveryPublished || d.RemoteID == "" || c.cfg.Readers[d.Network] == nil {
			// Gone, no longer live, or on a network not measured: it
			// leaves the schedule.
			next = append(next, pregonero.MetricsDue{DeliveryID: m.DeliveryID})
			continue
		}
		g := byAcct[d.AccountID]
		if g == nil {
			g = &group{acct: d.AccountID, net: d.Network, due: map[string]pregonero.MetricsDue{}}
			byAcct[d.AccountID] = g
			groups = append(groups, g)
		}
		g.ds = append(g.ds, d)
		g.due[d.ID] = m
	}
	var snaps []pregonero.Snapshot
	stopped := map[pregonero.Network]bool{}
	for _, g := range groups {
		r := c.cfg.Readers[g.net]
		acct, err := c.cfg.Store.Account(ctx, g.acct)
		if err != nil {
			c.log.Warn("metrics not read: account not found", pregonero.LogAccount, g.acct, pregonero.LogErr, err)
			continue
		}
		for chunk := range slices.Chunk(g.ds, r.MetricsBatch()) {
			if stopped[g.net] || res.Calls[g.net] >= c.cfg.CallsPerCycle {
				break // the rest waits for the next cycle, still due
			}
			res.Calls[g.net]++
			got, err := r.ReadMetrics(ctx, pregonero.MetricsRequest{Account: acct, Deliveries: chunk})
			if err != nil {
				if ctx.Err() != nil {
					return res, ctx.Err()
				}
				pe := pregonero.AsPublishError(err)
				c.log.Warn("metrics not read; they will be read again", pregonero.LogNetwork, g.net, pregonero.LogAccount, g.acct,
					pregonero.LogCount, len(chunk), pregonero.LogErr, err)
				if pe.Class == pregonero.ClassRateLimited || pe.Class == pregonero.ClassAccountBlocked {
					stopped[g.net] = true
				}
				continue
			}
			at := c.cfg.Now().UTC()
			for _, d := range chunk {
				s, ok := got.Snapshots[d.ID]
				if !ok {
					// The network no longer has the post.
					next = append(next, pregonero.MetricsDue{DeliveryID: d.ID})
					continue
				}
				s.DeliveryID, s.PostID, s.AccountID, s.Network, s.CollectedAt = d.ID, d.PostID, d.AccountID, d.Network, at
				snaps = append(snaps, s)
				next = append(next, c.nextAfter(d, g.due[d.ID].Step, at))
			}
		}
	}
	for _, n := range next {
		if n.At.IsZero() {
			res.Ended++
		}
	}
	if len(snaps) == 0 && len(next) == 0 {
		return res, nil
	}
	if err := c.cfg.Store.AddSnapshots(ctx, snaps, next); err != nil {
		return res, fmt.Errorf("store snapshots: %w", err)
	}
	res.Snapshots = len(snaps)
	return res, nil
}

// nextAfter is the delivery's next measurement after the one of step,
// taken at at: the first later step still ahead of at. Steps passed while
// the server was down are not made up one by one: the reading just taken
// stands for them.
func (c *Collector) nextAfter(d *pregonero.Delivery, step int, at time.Time) pregonero.MetricsDue {
	for i := step + 1; i < len(c.cfg.Schedule); i++ {
		if t := d.PublishedAt.Add(c.cfg.Schedule[i]); t.After(at) {
			return pregonero.MetricsDue{DeliveryID: d.ID, At: t, Step: i}
		}
	}
	return pregonero.MetricsDue{DeliveryID: d.ID}
}

package pregonero

import (
	"context"
	"time"
)

// Normalized metric names: what a snapshot's Metrics map may hold, the
// same across networks. A network that does not report one leaves it out
// of the map; it is never stored as 0.
const (
	MetricLikes       = "likes"
	MetricComments    = "comments"
	MetricShares      = "shares"
	MetricSaves       = "saves"
	MetricViews       = "views"
	MetricReach       = "reach"
	MetricClicks      = "clicks"
	MetricImpressions = "impressions"
	MetricVideoViews  = "video_views"
)

// Snapshot is what a network said about one published delivery at one
// instant. Snapshots are history: each is kept as it was read, so a metric
// the network stops reporting later does not blank the earlier ones.
type Snapshot struct {
	DeliveryID  string    `json:"delivery"`
	PostID      string    `json:"post"`
	AccountID   string    `json:"account"`
	Network     Network   `json:"network"`
	CollectedAt time.Time `json:"collected_at"`
	// Metrics holds the normalized counts (MetricLikes …); a metric the
	// network did not report is absent, never 0.
	Metrics map[string]int64 `json:"metrics"`
	// Raw holds the counts under the names the network gave them
	// ("public_metrics.like_count").
	Raw map[string]int64 `json:"raw"`
}

// Normalized account metrics: what an AccountSnapshot's Metrics may hold.
const (
	// MetricFollowers counts followers (X), page followers (Facebook),
	// followers (Instagram) or subscribers (YouTube).
	MetricFollowers = "followers"
	// MetricPosts counts the account's posts, videos or media.
	MetricPosts = "posts"
)

// MetricRefusal records that a network refused to report a metric for a
// kind of post: Meta fails a whole insights call over one metric it has
// deprecated or does not serve for that media type. A refused metric is no
// longer asked for, for that network and kind, so that the others keep
// being read; the refusal is kept, with the network's words and its date,
// to say why a metric stops in the history.
type MetricRefusal struct {
	Network Network `json:"network"`
	// Kind is the kind of post the metric was refused for, as the reader
	// names it ("post", "video", "FEED", "REELS", "STORY", "CAROUSEL_ALBUM").
	Kind string `json:"kind"`
	// Metric is the metric's raw name, as the network names it
	// ("post_impressions", "plays").
	Metric string `json:"metric"`
	// Reason is the network's error text.
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// MetricsRequest is one call's worth of deliveries to measure.
type MetricsRequest struct {
	Account *Account
	// Deliveries are published deliveries of Account, at most the reader's
	// MetricsBatch.
	Deliveries []*Delivery
	// Refused are the refusals remembered for the reader's network: those
	// metrics must not be asked for again for that kind.
	Refused []MetricRefusal
}

// MetricsResult is what one ReadMetrics call learned.
type MetricsResult struct {
	// Snapshots holds a snapshot per delivery id the network answered for;
	// a post the network no longer has is left out. The snapshots carry
	// Metrics and Raw; the caller stamps the rest.
	Snapshots map[string]Snapshot
	// Refused are metrics the network refused during the call, not known
	// before: the reader read the rest without them.
	Refused []MetricRefusal
	// Billed is how many reads the network bills for the call (X bills a
	// read per post returned); 0 where reads are not billed.
	Billed int
}

// MetricsReader is implemented by adapters that can read the engagement
// of published posts, in batches of at most MetricsBatch deliveries of
// one account.
type MetricsReader interface {
	ReadMetrics(ctx context.Context, req MetricsRequest) (MetricsResult, error)
	// MetricsBatch is the most deliveries one ReadMetrics call takes.
	MetricsBatch() int
}

// AccountSnapshot is what a network said about an account at one instant:
// its followers and posts, for the follower growth of a report.
type AccountSnapshot struct {
	AccountID   string    `json:"account"`
	Network     Network   `json:"network"`
	CollectedAt time.Time `json:"collected_at"`
	// Metrics holds MetricFollowers and MetricPosts where the network
	// reports them; absent otherwise, never 0.
	Metrics map[string]int64 `json:"metrics"`
	// Raw holds the counts under the network's names
	// ("public_metrics.followers_count", "statistics.subscriberCount").
	Raw map[string]int64 `json:"raw"`
}

// AccountMetricsReader is implemented by adapters that can read an
// account's followers and posts; the caller stamps AccountID, Network and
// CollectedAt.
type AccountMetricsReader interface {
	ReadAccountMetrics(ctx context.Context, a *Account) (AccountSnapshot, error)
}

// MetricsUnplaced is the Step of a measurement enrolled as its delivery
// was published, in the transaction that published it: due at once, at
// PublishedAt, for the collector to place at the first step of its
// network's schedule (or out of the schedule) without calling the
// network. The store does not know the schedule.
const MetricsUnplaced = -1

// MetricsDue is a published delivery waiting for its next measurement.
type MetricsDue struct {
	DeliveryID string
	// At is when the measurement is due.
	At time.Time
	// Step is the index, in the collection schedule, of the measurement
	// due at At; MetricsUnplaced for one not placed in the schedule yet.
	Step int
	// Network, AccountID and PublishedAt are the delivery's, kept with
	// the entry so that the collector can place, group and rank due
	// measurements without reading each delivery. The store fills them;
	// AddSnapshots ignores them.
	Network     Network
	AccountID   string
	PublishedAt time.Time
}

// MetricsStore keeps snapshots as append-only history and the index of
// the next measurement of each published delivery. A delivery joins the
// index, unplaced (MetricsUnplaced), in the transaction that publishes it.
// Implementations pass store/storetest.TestMetricsStore.
type MetricsStore interface {
	// DueMetrics returns up to limit measurements due at or before now,
	// earliest first.
	DueMetrics(ctx context.Context, now time.Time, limit int) ([]MetricsDue, error)
	// AddSnapshots stores the snapshots and, in the same transaction, moves
	// each delivery in next to its next measurement: a MetricsDue with a
	// zero At takes the delivery out of the index for good (its schedule
	// is over or it can no longer be measured).
	AddSnapshots(ctx context.Context, snaps []Snapshot, next []MetricsDue) error
	// Snapshots returns the snapshots of one delivery collected in
	// [from, to), oldest first; a zero to means no upper bound.
	Snapshots(ctx context.Context, deliveryID string, from, to time.Time) ([]Snapshot, error)
	// EachSnapshot calls fn, in one read transaction, with the snapshots
	// of each delivery in ids collected before to (no bound when to is
	// zero): delivery by delivery in the order of ids, each delivery's
	// oldest first. Raw is filled only when raw is true. fn must not keep
	// the snapshot's maps after it returns. An error from fn stops the
	// walk and is returned.
	EachSnapshot(ctx context.Context, ids []string, to time.Time, raw bool, fn func(s *Snapshot) error) error
}

// MetricRefusalStore remembers the metrics networks refused, so that they
// are not asked for again and the history says why they stop.
type MetricRefusalStore interface {
	// RefuseMetrics remembers the refusals in one transaction, keyed by
	// network, kind and metric; one already remembered keeps its first
	// reason and date. It returns those that were new, in the order given.
	RefuseMetrics(ctx context.Context, refusals []MetricRefusal) ([]MetricRefusal, error)
	// RefusedMetrics returns the refusals remembered for a network,
	// ordered by kind, then metric.
	RefusedMetrics(ctx context.Context, network Network) ([]MetricRefusal, error)
}

// BilledReads is how many metric reads a network billed one account on
// one UTC day.
type BilledReads struct {
	// Day is the UTC day, "2006-01-02".
	Day       string  `json:"day"`
	Network   Network `json:"network"`
	AccountID string  `json:"account"`
	Reads     int64   `json:"reads"`
}

// MetricsUsageStore counts the metric reads networks bill (X bills a read
// per post returned), per UTC day, network and account.
type MetricsUsageStore interface {
	// AddBilledReads adds n reads, billed at at, to the account's count
	// of that UTC day and to the network's total.
	AddBilledReads(ctx context.Context, at time.Time, network Network, accountID string, n int) error
	// BilledReads returns the reads billed on the UTC day of day, an
	// entry per network and account that was billed, ordered by network,
	// then account.
	BilledReads(ctx context.Context, day time.Time) ([]BilledReads, error)
	// BilledReadsTotal returns the reads billed since the first, per
	// network.
	BilledReadsTotal(ctx context.Context) (map[Network]int64, error)
}

// MetricsPurger deletes history past its retention.
type MetricsPurger interface {
	// PurgeSnapshots deletes the snapshots and account snapshots collected
	// before before, in writes small enough not to hold up publishing,
	// and returns how many it deleted.
	PurgeSnapshots(ctx context.Context, before time.Time) (int, error)
}

// AccountMetricsStore keeps account snapshots as append-only history.
type AccountMetricsStore interface {
	// AddAccountSnapshots stores the snapshots in one transaction; a
	// snapshot of the same account at the same instant replaces the
	// earlier one.
	AddAccountSnapshots(ctx context.Context, snaps []AccountSnapshot) error
	// AccountSnapshots returns one account's snapshots collected in
	// [from, to), oldest first; a zero to means no upper bound.
	AccountSnapshots(ctx context.Context, accountID string, from, to time.Time) ([]AccountSnapshot, error)
}

// MetricSource says where one normalized metric comes from in a
// network's raw counts.
type MetricSource struct {
	Metric string
	// Raw are the raw names it is read from: the first present, or, when
	// Sum is set, the sum of those present (X's shares are reposts plus
	// quotes).
	Raw []string
	Sum bool
}

// MetricMapping is a network's mapping from raw counts to normalized
// metrics.
type MetricMapping []MetricSource

// Normalize derives the normalized metrics from raw counts: a metric is
// present when one of its raw counts is, and absent otherwise, never 0.
func (mm MetricMapping) Normalize(raw map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(mm))
	for _, s := range mm {
		for _, r := range s.Raw {
			v, ok := raw[r]
			if !ok {
				continue
			}
			out[s.Metric] += v
			if !s.Sum {
				break
			}
		}
	}
	return out
}

// ReportStore is what reports read of the store besides its metrics
// (pregonero.MetricsStore, pregonero.AccountMetricsStore): posts found
// through indexes, never by walking every post. Implementations pass
// store/storetest.TestReportStore.
type ReportStore interface {
	// PostsByCampaign returns the posts naming the campaign whose
	// ScheduledAt is in [from, to), in time order, with their deliveries;
	// a zero from means from the first, a zero to no upper bound.
	PostsByCampaign(ctx context.Context, campaignID string, from, to time.Time) ([]*Post, error)
	// PostsScheduled returns the posts whose ScheduledAt is in [from,
	// to), in time order, with their deliveries; zero bounds as above.
	PostsScheduled(ctx context.Context, from, to time.Time) ([]*Post, error)
}

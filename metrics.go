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

// MetricsDue is a published delivery waiting for its next measurement.
type MetricsDue struct {
	DeliveryID string
	// At is when the measurement is due.
	At time.Time
	// Step is the index, in the collection schedule, of the measurement
	// due at At.
	Step int
}

// MetricsStore keeps snapshots as append-only history and the index of
// the next measurement of each published delivery. Implementations pass
// store/storetest.TestMetricsStore.
type MetricsStore interface {
	// EnrollPublished indexes for measurement, in one transaction, every
	// published delivery to one of networks (those measured) of the posts
	// scheduled in [from, to) that is not enrolled yet, due at its
	// PublishedAt plus first (step 0). Deliveries to other networks stay
	// out, to be enrolled once their network is measured. It returns how
	// many it enrolled.
	EnrollPublished(ctx context.Context, from, to time.Time, first time.Duration, networks []Network) (int, error)
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

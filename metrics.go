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

// MetricsReader is implemented by adapters that can read the engagement
// of published posts. ReadMetrics reads the deliveries of one account (all
// published on the adapter's network, at most the adapter's batch size) and
// returns a snapshot per delivery id for those the network answered for; a
// post the network no longer has is left out. The snapshots carry Metrics
// and Raw; the caller stamps the rest.
type MetricsReader interface {
	ReadMetrics(ctx context.Context, a *Account, ds []*Delivery) (map[string]Snapshot, error)
	// MetricsBatch is the most deliveries one ReadMetrics call takes.
	MetricsBatch() int
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
}

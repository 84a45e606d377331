package posting

import (
	"context"
	"fmt"
	"time"

	"pregonero"
)

// DeliveryMetrics is the history of one delivery's engagement: its
// snapshots, oldest first.
type DeliveryMetrics struct {
	Delivery  string            `json:"delivery"`
	Account   string            `json:"account"`
	Network   pregonero.Network `json:"network"`
	Snapshots []SnapshotView    `json:"snapshots"`
}

// SnapshotView is one reading of a delivery's metrics: the normalized
// counts and the network's own, a metric not reported being absent.
type SnapshotView struct {
	CollectedAt time.Time        `json:"collected_at"`
	Metrics     map[string]int64 `json:"metrics"`
	Raw         map[string]int64 `json:"raw"`
}

// PostMetrics returns the metrics history of every delivery of a post, in
// the post's order of deliveries; a delivery not measured yet has no
// snapshots.
func (s *Service) PostMetrics(ctx context.Context, id string) ([]DeliveryMetrics, error) {
	ms, ok := s.store.(pregonero.MetricsStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EINTERNAL, "this store keeps no metrics")
	}
	p, err := s.store.Post(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryMetrics, 0, len(p.Deliveries))
	for _, d := range p.Deliveries {
		snaps, err := ms.Snapshots(ctx, d.ID, time.Time{}, time.Time{})
		if err != nil {
			return nil, fmt.Errorf("metrics of delivery %s: %w", d.ID, err)
		}
		dm := DeliveryMetrics{Delivery: d.ID, Account: d.AccountID, Network: d.Network, Snapshots: make([]SnapshotView, 0, len(snaps))}
		for _, sn := range snaps {
			dm.Snapshots = append(dm.Snapshots, SnapshotView{CollectedAt: sn.CollectedAt.UTC(),
				Metrics: nonNil(sn.Metrics), Raw: nonNil(sn.Raw)})
		}
		out = append(out, dm)
	}
	return out, nil
}

func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

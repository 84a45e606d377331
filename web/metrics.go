package web

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"pregonero"
	"pregonero/posting"
)

// PostMetrics is the answer of GET /api/v1/posts/{id}/metrics: the
// metrics history of each of the post's deliveries.
type PostMetrics struct {
	Deliveries []posting.DeliveryMetrics `json:"deliveries"`
}

func (s *Server) handlePostMetrics(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.posts.PostMetrics(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PostMetrics{Deliveries: ds})
	return nil
}

// billedReadsCollector reads the metric reads the networks billed from
// the store at scrape time: the store counts them per UTC day as the
// collector makes them, so a scrape costs one read.
type billedReadsCollector struct {
	store pregonero.MetricsUsageStore
	now   func() time.Time
	today *prometheus.Desc
	total *prometheus.Desc
}

// NewBilledReadsCollector returns the Prometheus collector of billed
// metric reads (X bills a read per post returned):
// pregonero_metrics_billed_reads_today{network}, the reads billed since
// 00:00 UTC, and pregonero_metrics_billed_reads_total{network}, since
// the first. Every network is reported, at 0 until it bills.
func NewBilledReadsCollector(s pregonero.MetricsUsageStore, now func() time.Time) prometheus.Collector {
	if now == nil {
		now = time.Now
	}
	return &billedReadsCollector{store: s, now: now,
		today: prometheus.NewDesc("pregonero_metrics_billed_reads_today",
			"Metric reads the network billed today (UTC day), the count its daily cap applies to.", []string{"network"}, nil),
		total: prometheus.NewDesc("pregonero_metrics_billed_reads_total",
			"Metric reads the network billed since the first.", []string{"network"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *billedReadsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.today
	ch <- c.total
}

// Collect implements prometheus.Collector.
func (c *billedReadsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	day, err := c.store.BilledReads(ctx, c.now())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.today, err)
		return
	}
	total, err := c.store.BilledReadsTotal(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.total, err)
		return
	}
	today := map[pregonero.Network]int64{}
	for _, b := range day {
		today[b.Network] += b.Reads
	}
	for _, n := range pregonero.Networks {
		ch <- prometheus.MustNewConstMetric(c.today, prometheus.GaugeValue, float64(today[n]), string(n))
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.CounterValue, float64(total[n]), string(n))
	}
}

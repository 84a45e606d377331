package publisher

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	queued     prometheus.Gauge
	lateness   prometheus.Histogram
	duration   *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	outcomes   *prometheus.CounterVec
	reconciled *prometheus.CounterVec
}

func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pregonero_publisher_lane_depth",
			Help: "Claimed deliveries waiting on their account's lane.",
		}),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "pregonero_publish_lateness_seconds",
			Help:    "Time from a delivery's due instant to the start of its send.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30, 60, 300},
		}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pregonero_publish_duration_seconds",
			Help:    "Duration of a send to the network, uploads included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 16),
		}, []string{"network"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pregonero_adapter_errors_total",
			Help: "Adapter errors by network and class.",
		}, []string{"network", "class"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pregonero_deliveries_finished_total",
			Help: "Deliveries that reached a final state, by network and state.",
		}, []string{"network", "state"}),
		reconciled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pregonero_reconciliations_total",
			Help: "Reconciliations of unknown outcomes, by result.",
		}, []string{"result"}),
	}
	if r != nil {
		r.MustRegister(m.queued, m.lateness, m.duration, m.errors, m.outcomes, m.reconciled)
	}
	return m
}

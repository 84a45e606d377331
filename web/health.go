package web

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"pregonero"
)

// readyTimeout bounds the store read of the readiness probe: a store that
// cannot answer a small read in this time is not ready.
const readyTimeout = 2 * time.Second

func (s *Server) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

// handleReadyz answers 200 only when the store answers a cheap read and
// the scheduler's heartbeat is fresh: a process that is up but no longer
// publishing must fail the probe.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if _, err := s.store.Pause(ctx); err != nil {
		s.logger.WarnContext(ctx, "not ready: store", logErr, err)
		writeText(w, http.StatusServiceUnavailable, "not ready: store: "+err.Error())
		return
	}
	if h, ok := s.store.(interface{ Health() error }); ok {
		// The last commit failed (a full disk, say): reads still work,
		// but nothing new can be stored.
		if err := h.Health(); err != nil {
			s.logger.WarnContext(ctx, "not ready: store cannot write", logErr, err)
			writeText(w, http.StatusServiceUnavailable, "not ready: store cannot write: "+err.Error())
			return
		}
	}
	if err := s.control.Ready(); err != nil {
		s.logger.WarnContext(ctx, "not ready: scheduler", logErr, err)
		writeText(w, http.StatusServiceUnavailable, "not ready: scheduler: "+err.Error())
		return
	}
	writeText(w, http.StatusOK, "ok")
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// handleMetrics serves /metrics on Handler, unless the metrics are kept
// off it: then it answers as if there were no such page.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.hideMetrics {
		http.NotFound(w, r)
		return
	}
	s.metrics.ServeHTTP(w, r)
}

// MetricsHandler serves GET /metrics alone, behind the metrics token if
// one is configured, for a listener of its own (metrics.listen).
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics)
	return s.wrap(mux)
}

// requireMetricsToken lets a scrape through only with the metrics token
// as a Bearer credential, when one is configured. The token is compared
// by its hash in constant time: neither its bytes nor its length leak
// through timing.
func (s *Server) requireMetricsToken(next http.Handler) http.Handler {
	if s.metricsToken == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := bearer(r); !ok || !sameToken(token, s.metricsToken) {
			s.writeError(w, r, pregonero.Errorf(pregonero.EUNAUTHORIZED, "Send the metrics token (metrics.token) as Authorization: Bearer <token>."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(s.openapi)
}

// deliveryStates are reported even when zero, so dashboards see every
// series from the start.
var deliveryStates = []pregonero.DeliveryState{
	pregonero.DeliveryQueued, pregonero.DeliverySending, pregonero.DeliveryInDoubt, pregonero.DeliveryPublished,
	pregonero.DeliveryFailed, pregonero.DeliveryCanceled, pregonero.DeliveryHeld,
}

// deliveryCollector reads the delivery counts from the store at scrape
// time; the store keeps them incrementally, so a scrape costs one read.
type deliveryCollector struct {
	store      pregonero.Store
	deliveries *prometheus.Desc
	queue      *prometheus.Desc
}

func newDeliveryCollector(s pregonero.Store) *deliveryCollector {
	return &deliveryCollector{
		store: s,
		deliveries: prometheus.NewDesc("pregonero_deliveries", "Deliveries by state.",
			[]string{"state"}, nil),
		queue: prometheus.NewDesc("pregonero_queue_depth",
			"Deliveries waiting in the due-time index (queued or in doubt), whatever their due time.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *deliveryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.deliveries
	ch <- c.queue
}

// Collect implements prometheus.Collector.
func (c *deliveryCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	counts, err := c.store.DeliveryCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.deliveries, err)
		ch <- prometheus.NewInvalidMetric(c.queue, err)
		return
	}
	depth := 0
	seen := map[pregonero.DeliveryState]bool{}
	emit := func(st pregonero.DeliveryState) {
		seen[st] = true
		n := counts[st]
		if st.Due() {
			depth += n
		}
		ch <- prometheus.MustNewConstMetric(c.deliveries, prometheus.GaugeValue, float64(n), string(st))
	}
	for _, st := range deliveryStates {
		emit(st)
	}
	for st := range counts {
		if !seen[st] {
			emit(st)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(depth))
}

package graph

import (
	"errors"
	"time"

	"pregonero"
)

// Gone reports whether Graph answered that an object does not exist or
// cannot be read with the token (code 100, subcode 33): a deleted post,
// photo or media.
func Gone(err error) bool {
	ge, ok := AsError(err)
	return ok && ge.Code == CodeInvalidParam && ge.Subcode == 33
}

// InsightsWithheld reports whether an insights failure leaves the
// insights absent for now rather than failing the reading: every metric
// refused at once, too few viewers, or another refusal that retrying
// will not change (a page under 100 likes, a story older than 24 hours,
// a missing insights permission). Throttling, a dead token and transient
// errors fail the reading, to be read again later.
func InsightsWithheld(err error) bool {
	if errors.Is(err, ErrInsightsRefused) || NotEnoughViewers(err) {
		return true
	}
	var pe *pregonero.PublishError
	return errors.As(err, &pe) && pe.Class == pregonero.ClassPermanent
}

// Refusals are the metrics a network refuses, by kind of object: those
// the collector knew when it asked (MetricsRequest.Refused) and those a
// reading learns, which are not asked for again in the same reading.
type Refusals struct {
	network pregonero.Network
	byKind  map[string]map[string]bool
}

// NewRefusals returns the refusals of network among known.
func NewRefusals(network pregonero.Network, known []pregonero.MetricRefusal) *Refusals {
	r := &Refusals{network: network, byKind: map[string]map[string]bool{}}
	for _, k := range known {
		if k.Network == network {
			r.add(k.Kind, k.Metric)
		}
	}
	return r
}

func (r *Refusals) add(kind, metric string) {
	if r.byKind[kind] == nil {
		r.byKind[kind] = map[string]bool{}
	}
	r.byKind[kind][metric] = true
}

// Ask returns the metrics of a kind that are not refused, in order.
func (r *Refusals) Ask(kind string, metrics []string) []string {
	var ask []string
	for _, m := range metrics {
		if !r.byKind[kind][m] {
			ask = append(ask, m)
		}
	}
	return ask
}

// Learn records the metrics a reading found refused (metric → Meta's
// words) and adds them to the result, for the collector to remember.
func (r *Refusals) Learn(kind string, refused map[string]string, at time.Time, out *pregonero.MetricsResult) {
	for m, reason := range refused {
		r.add(kind, m)
		out.Refused = append(out.Refused, pregonero.MetricRefusal{Network: r.network, Kind: kind, Metric: m, Reason: reason, At: at})
	}
}

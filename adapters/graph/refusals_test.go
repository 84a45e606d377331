package graph_test

import (
	"reflect"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/graph"
)

func TestRefusals(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r := graph.NewRefusals(pregonero.NetworkInstagram, []pregonero.MetricRefusal{
		{Network: pregonero.NetworkInstagram, Kind: "REELS", Metric: "plays"},
		{Network: pregonero.NetworkFacebook, Kind: "REELS", Metric: "reach"}, // another network's
	})
	all := []string{"plays", "reach", "saved"}
	if got, want := r.Ask("REELS", all), []string{"reach", "saved"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Ask(REELS) = %v, want %v: only this network's refusals count", got, want)
	}
	if got := r.Ask("FEED", all); !reflect.DeepEqual(got, all) {
		t.Errorf("Ask(FEED) = %v, want every metric: refusals are by kind", got)
	}
	var out pregonero.MetricsResult
	r.Learn("REELS", map[string]string{"saved": "(#100) saved is not supported"}, at, &out)
	want := []pregonero.MetricRefusal{{Network: pregonero.NetworkInstagram, Kind: "REELS", Metric: "saved", Reason: "(#100) saved is not supported", At: at}}
	if !reflect.DeepEqual(out.Refused, want) {
		t.Errorf("Learn added %+v, want %+v", out.Refused, want)
	}
	if got, want := r.Ask("REELS", all), []string{"reach"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Ask(REELS) after Learn = %v, want %v: a metric learned refused is not asked again", got, want)
	}
}

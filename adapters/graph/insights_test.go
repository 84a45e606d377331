package graph_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph"
)

func graphErr(code int, msg string) error {
	return &fb.Error{Code: code, Message: msg, Type: "OAuthException"}
}

func TestParseInsights(t *testing.T) {
	body := `{"data":[
	 {"name":"post_media_view","period":"lifetime","values":[{"value":4210}],"title":"t","description":"d","id":"1_2/insights/post_media_view/lifetime"},
	 {"name":"post_clicks","period":"lifetime","values":[{"value":0}]},
	 {"name":"post_reactions_by_type_total","period":"lifetime","values":[{"value":{"like":3,"love":1}}]},
	 {"name":"ig_reels_avg_watch_time","period":"lifetime","values":[{"value":3510.6}]},
	 {"name":"day","period":"day","values":[{"value":1,"end_time":"2026-11-26T08:00:00+0000"},{"value":7,"end_time":"2026-11-27T08:00:00+0000"}]},
	 {"name":"reach","period":"lifetime","total_value":{"value":55}},
	 {"name":"nothing","period":"lifetime","values":[]}
	]}`
	got, err := graph.ParseInsights([]byte(body), "insights")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"insights.post_media_view": 4210, "insights.post_clicks": 0, "insights.post_reactions_by_type_total.like": 3,
		"insights.post_reactions_by_type_total.love": 1, "insights.ig_reels_avg_watch_time": 3511, "insights.day": 7, "insights.reach": 55}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseInsights() = %v, want %v", got, want)
	}
	for _, bad := range []string{`{"data":[{"name":"x","values":[{"value":-1}]}]}`, `{"data":[{"values":[{"value":1}]}]}`, `[`} {
		if _, err := graph.ParseInsights([]byte(bad), "insights"); err == nil {
			t.Errorf("ParseInsights(%s) = nil error", bad)
		}
	}
}

func FuzzParseInsights(f *testing.F) {
	f.Add([]byte(`{"data":[{"name":"post_media_view","values":[{"value":1}]}]}`))
	f.Add([]byte(`{"data":[{"name":"r","values":[{"value":{"like":1}}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := graph.ParseInsights(b, "insights")
		for k, v := range got {
			if err != nil || v < 0 || !strings.HasPrefix(k, "insights.") {
				t.Fatalf("ParseInsights() = %v, %v", got, err)
			}
		}
	})
}

func TestMetricRefusal(t *testing.T) {
	asked := []string{"views", "reach", "shares"}
	for _, tc := range []struct {
		name    string
		err     error
		refused bool
		named   string
	}{
		{"unnamed invalid metric", graphErr(100, "(#100) The value must be a valid insights metric"), true, ""},
		{"named by index, valid names listed after", graphErr(100, "(#100) metric[1] must be one of the following values: views, reach, shares"), true, "reach"},
		{"named for the product type", graphErr(100, "(#100) The Media Insights API does not support the views metric for this media product type."), true, "views"},
		{"named for the media type", graphErr(100, "The metric shares is not supported for this media type"), true, "shares"},
		{"several names", graphErr(100, "(#100) metric views and reach are invalid"), true, ""},
		{"another invalid parameter", graphErr(100, "(#100) Invalid parameter"), false, ""},
		{"not a parameter error", graphErr(190, "metric"), false, ""},
		{"not a graph error", errors.New("metric"), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused, named, _ := graph.MetricRefusal(tc.err, asked)
			if refused != tc.refused || named != tc.named {
				t.Errorf("MetricRefusal() = %v, %q; want %v, %q", refused, named, tc.refused, tc.named)
			}
		})
	}
	if !graph.NotEnoughViewers(graphErr(10, "(#10) Not enough viewers for the media to show insights")) ||
		graph.NotEnoughViewers(graphErr(10, "(#10) Application does not have permission for this action")) {
		t.Error("NotEnoughViewers() tells the two code-10 errors apart wrongly")
	}
}

// insightsServer answers like Meta: the whole call fails when it holds a
// bad metric, with msg (which may name it).
func insightsServer(bad []string, msg func(string) string, calls *[][]string) graph.InsightsCall {
	return func(ms []string) (fb.Result, error) {
		*calls = append(*calls, slices.Clone(ms))
		for _, m := range ms {
			if slices.Contains(bad, m) {
				return nil, graphErr(100, msg(m))
			}
		}
		data := []any{}
		for i, m := range ms {
			data = append(data, map[string]any{"name": m, "period": "lifetime", "values": []any{map[string]any{"value": i + 1}}})
		}
		return fb.Result{"data": data}, nil
	}
}

func TestReadInsights(t *testing.T) {
	metrics := []string{"m_a", "m_b", "m_c", "m_d", "m_e"}
	t.Run("a named refusal: dropped and the rest asked at once", func(t *testing.T) {
		var calls [][]string
		got, err := graph.ReadInsights(metrics, "insights", 0, insightsServer([]string{"m_c"},
			func(m string) string { return "The metric " + m + " is not supported for this media type" }, &calls))
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 2 || len(got.Refused) != 1 || got.Refused["m_c"] == "" || len(got.Raw) != 4 {
			t.Errorf("calls %v, refused %v, raw %v", calls, got.Refused, got.Raw)
		}
	})
	t.Run("unnamed refusals: found by halving, every good metric kept", func(t *testing.T) {
		var calls [][]string
		got, err := graph.ReadInsights(metrics, "insights", 0, insightsServer([]string{"m_b", "m_e"},
			func(string) string { return "(#100) The value must be a valid insights metric" }, &calls))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(sortedKeys(got.Refused), []string{"m_b", "m_e"}) {
			t.Errorf("refused %v, want m_b and m_e", got.Refused)
		}
		for _, m := range []string{"m_a", "m_c", "m_d"} {
			if _, ok := got.Raw["insights."+m]; !ok {
				t.Errorf("raw %v lacks %s", got.Raw, m)
			}
		}
		if got.Calls > graph.DefaultInsightsCalls {
			t.Errorf("%d calls", got.Calls)
		}
	})
	t.Run("the budget of calls bounds the search", func(t *testing.T) {
		var calls [][]string
		got, err := graph.ReadInsights(metrics, "insights", 2, insightsServer([]string{"m_a"},
			func(string) string { return "(#100) The value must be a valid insights metric" }, &calls))
		if err != nil || len(calls) != 2 || len(got.Refused) != 0 {
			t.Errorf("calls %v, refused %v, err %v; want 2 calls and no refusal", calls, got.Refused, err)
		}
	})
	t.Run("every metric refused unnamed is a refusal of the call, not of the metrics", func(t *testing.T) {
		var calls [][]string
		got, err := graph.ReadInsights([]string{"m_a", "m_b"}, "insights", 0, insightsServer([]string{"m_a", "m_b"},
			func(string) string { return "(#100) The value must be a valid insights metric" }, &calls))
		if !errors.Is(err, graph.ErrInsightsRefused) || len(got.Refused) != 0 {
			t.Errorf("err %v, refused %v; want ErrInsightsRefused and none refused", err, got.Refused)
		}
	})
	t.Run("another error stops the reading", func(t *testing.T) {
		got, err := graph.ReadInsights(metrics, "insights", 0, func([]string) (fb.Result, error) {
			return nil, graphErr(32, "(#32) Page request limit reached")
		})
		if err == nil || got.Calls != 1 {
			t.Errorf("err %v after %d calls; want the error after one", err, got.Calls)
		}
	})
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

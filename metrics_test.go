package pregonero_test

import (
	"reflect"
	"testing"

	"pregonero"
)

func TestMetricMappingNormalize(t *testing.T) {
	mm := pregonero.MetricMapping{
		{Metric: pregonero.MetricLikes, Raw: []string{"like_count", "insights.likes"}},
		{Metric: pregonero.MetricShares, Raw: []string{"retweet_count", "quote_count"}, Sum: true},
		{Metric: pregonero.MetricReach, Raw: []string{"insights.reach"}},
	}
	for _, tt := range []struct {
		name string
		raw  map[string]int64
		want map[string]int64
	}{
		{"the first raw count present wins", map[string]int64{"like_count": 4, "insights.likes": 9}, map[string]int64{"likes": 4}},
		{"a later one stands in for an absent first", map[string]int64{"insights.likes": 9}, map[string]int64{"likes": 9}},
		{"Sum adds those present", map[string]int64{"retweet_count": 2, "quote_count": 3}, map[string]int64{"shares": 5}},
		{"Sum of one present", map[string]int64{"quote_count": 3}, map[string]int64{"shares": 3}},
		{"a reported 0 is kept", map[string]int64{"insights.reach": 0}, map[string]int64{"reach": 0}},
		{"nothing reported is absent, not 0", map[string]int64{"other": 1}, map[string]int64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := mm.Normalize(tt.raw); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Normalize(%v) = %v, want %v", tt.raw, got, tt.want)
			}
		})
	}
}

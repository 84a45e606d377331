package youtube

import (
	"encoding/json"
	"os"
	"testing"

	"pregonero"
)

// FuzzParseVideoStats checks that any answer either fails or gives
// snapshots whose normalized metrics come from counts YouTube sent.
func FuzzParseVideoStats(f *testing.F) {
	if b, err := os.ReadFile("testdata/batch_get_stats.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"items":[{"id":"a","statistics":{"viewCount":"1","likeCount":2}}]}`))
	f.Add([]byte(`{"items":[{"id":"a","statistics":{"viewCount":"-1"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		snaps, err := parseVideoStats(body)
		if err != nil {
			return
		}
		for id, s := range snaps {
			for _, n := range ytNormalized {
				v, ok := s.Metrics[n.Metric]
				if raw, has := s.Raw[n.Raw[0]]; ok != has || v != raw {
					t.Errorf("%s: %s = %d, %v; raw %s = %d, %v", id, n.Metric, v, ok, n.Raw[0], raw, has)
				}
			}
			for k, v := range s.Raw {
				if v < 0 {
					t.Errorf("%s: %s = %d", id, k, v)
				}
			}
		}
	})
}

// FuzzParseChannelStats checks that a hidden subscriber count never
// becomes followers.
func FuzzParseChannelStats(f *testing.F) {
	for _, name := range []string{"testdata/channel_statistics.json", "testdata/channel_statistics_hidden.json"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"items":[{"id":"UC","statistics":{"subscriberCount":"0","hiddenSubscriberCount":true}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, s, err := parseChannelStats(body)
		if err != nil {
			return
		}
		if v, ok := s.Metrics[pregonero.MetricFollowers]; ok && v != s.Raw["statistics.subscriberCount"] {
			t.Errorf("followers %d, raw %v", v, s.Raw)
		}
		hidden := containsHidden(body)
		if _, ok := s.Metrics[pregonero.MetricFollowers]; ok && hidden {
			t.Errorf("followers from a hidden count: %s", body)
		}
	})
}

// containsHidden reports whether the first channel of an answer says its
// subscriber count is hidden.
func containsHidden(body []byte) bool {
	var ans channelStatsAnswer
	if err := json.Unmarshal(body, &ans); err != nil || len(ans.Items) == 0 {
		return false
	}
	var hidden bool
	if v, ok := ans.Items[0].Statistics["hiddenSubscriberCount"]; ok {
		_ = json.Unmarshal(v, &hidden)
	}
	return hidden
}

package fake_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
)

func TestEngagementGrowsFromIDAndAge(t *testing.T) {
	// The SHA-256 of "1001_122100000000000001" starts 0x8eb9: 36537 % 10
	// + 1 = 8 views a minute, for 90 whole minutes.
	got := fake.EngagementOf("1001_122100000000000001", 90*time.Minute+59*time.Second)
	want := fake.Engagement{Views: 720, Reach: 432, Reactions: 36, Like: 27, Love: 9, Comments: 4, Shares: 7, Saves: 2, Clicks: 14}
	if got != want {
		t.Errorf("EngagementOf() = %+v, want %+v", got, want)
	}
	if z := fake.EngagementOf("1001_122100000000000001", -time.Minute); z != (fake.Engagement{}) {
		t.Errorf("before creation: %+v, want zero", z)
	}
}

// post publishes a text post on the fake's page and returns its id.
func post(t *testing.T, e *env, text string) string {
	t.Helper()
	res, err := e.session(fake.PageToken(page)).Post("/"+page+"/feed", fb.Params{"message": text, "published": true})
	if err != nil {
		t.Fatal(err)
	}
	return graph.Str(res, "id")
}

func TestPostInsights(t *testing.T) {
	e := newEnv(t, fake.Options{RetiredMetrics: []string{"post_clicks"}})
	id := post(t, e, "Metrics")
	e.clock.Advance(2 * time.Hour)
	s := e.session(fake.PageToken(page))
	en := fake.EngagementOf(id, 2*time.Hour)

	res, err := s.Get("/"+id+"/insights", fb.Params{"metric": "post_media_view,post_total_media_view_unique,post_reactions_by_type_total"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := graph.ParseInsights([]byte(mustJSON(t, res)), "insights")
	if err != nil {
		t.Fatal(err)
	}
	if got["insights.post_media_view"] != en.Views || got["insights.post_total_media_view_unique"] != en.Reach ||
		got["insights.post_reactions_by_type_total.like"] != en.Like {
		t.Errorf("insights %v, want %+v", got, en)
	}
	var first struct {
		Data []map[string]any `json:"data"`
	}
	if err := res.Decode(&first); err != nil || first.Data[0]["id"] != id+"/insights/post_media_view/lifetime" || first.Data[0]["period"] != "lifetime" {
		t.Errorf("entry %v, want Graph's id and period", first.Data)
	}

	counters, err := s.Get("/"+id, fb.Params{"fields": "reactions.summary(total_count).limit(0),comments.summary(true).limit(0),shares"})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, counters.Get("reactions.summary.total_count")); n != en.Reactions {
		t.Errorf("reactions %v, want %d", counters.Get("reactions.summary.total_count"), en.Reactions)
	}

	for _, metric := range []string{"post_impressions", "post_impressions_unique", "page_fans", "post_engaged_users", "post_clicks", "nonsense"} {
		_, err := s.Get("/"+id+"/insights", fb.Params{"metric": "post_media_view," + metric})
		ge, ok := graph.AsError(err)
		if !ok || ge.Code != 100 || ge.Message != "(#100) The value must be a valid insights metric" {
			t.Errorf("%s: %v, want (#100) invalid insights metric for the whole call", metric, err)
		}
	}
	_, err = s.Get("/"+id+"/insights", fb.Params{"metric": ""})
	if ge, ok := graph.AsError(err); !ok || ge.Code != 3001 || ge.Subcode != 1504028 {
		t.Errorf("no metric: %v, want 3001/1504028", err)
	}
	page, err := s.Get("/"+page, fb.Params{"fields": "followers_count,fan_count"})
	if err != nil || page.Get("followers_count") == nil || page.Get("fan_count") == nil {
		t.Errorf("page counts %v, %v", page, err)
	}
}

func TestMediaInsightsRefusals(t *testing.T) {
	e := newEnv(t, fake.Options{})
	media := publishImage(t, e)
	e.clock.Advance(time.Hour)
	s := e.session(fake.PageToken(page))
	for _, tc := range []struct{ metric, want string }{
		{"impressions", "(#100) metric[1] must be one of the following values: "},
		{"plays", "(#100) metric[1] must be one of the following values: "},
		{"clips_replays_count", "(#100) metric[1] must be one of the following values: "},
		{"ig_reels_aggregated_all_plays_count", "(#100) metric[1] must be one of the following values: "},
		{"video_views", "(#100) metric[1] must be one of the following values: "},
		{"ig_reels_avg_watch_time", "does not support the ig_reels_avg_watch_time metric for this media product type"},
		{"replies", "does not support the replies metric for this media product type"},
	} {
		_, err := s.Get("/"+media+"/insights", fb.Params{"metric": "reach," + tc.metric})
		if ge, ok := graph.AsError(err); !ok || ge.Code != 100 || !strings.Contains(ge.Message, tc.want) {
			t.Errorf("%s: %v, want %q", tc.metric, err, tc.want)
		}
	}
	res, err := s.Get("/"+media+"/insights", fb.Params{"metric": "views,reach"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := graph.ParseInsights([]byte(mustJSON(t, res)), "insights")
	if en := fake.EngagementOf(media, time.Hour); got["insights.views"] != en.Views || got["insights.reach"] != en.Reach {
		t.Errorf("insights %v, want %+v", got, en)
	}
	user, err := s.Get("/"+igUser, fb.Params{"fields": "followers_count,media_count"})
	if err != nil || count(t, user.Get("followers_count")) != e.fake.Followers(igUser) {
		t.Errorf("account %v, %v; want followers %d", user, err, e.fake.Followers(igUser))
	}
}

// publishImage publishes a JPEG on the page's Instagram account and
// returns the media id.
func publishImage(t *testing.T, e *env) string {
	t.Helper()
	s := e.session(fake.PageToken(page))
	id := container(t, s, fb.Params{"image_url": e.media.put("/m.jpg", jpegImage(t, 100, 100))})
	if st := e.settle(t, id, 0); st != "FINISHED" {
		t.Fatalf("container %s, want FINISHED", st)
	}
	res, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id})
	if err != nil {
		t.Fatal(err)
	}
	return str(t, res, "id")
}

// mustJSON is an answer as Graph sent it.
func mustJSON(t *testing.T, res fb.Result) string {
	t.Helper()
	var v struct {
		Data json.RawMessage `json:"data"`
	}
	if err := res.Decode(&v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"data": v.Data})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// count reads a number huandu/facebook decoded.
func count(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

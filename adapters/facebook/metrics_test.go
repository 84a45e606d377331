package facebook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
)

// graphStub answers Graph metric calls from testdata files: answers maps
// a path to a file, and refuse, when set, decides the error body (a
// testdata file) of an insights call from its metric list.
type graphStub struct {
	t       *testing.T
	answers map[string]string
	refuse  func(metrics []string) string

	mu      sync.Mutex
	metrics [][]string // metric lists of insights calls, in order
}

func (s *graphStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v25.0")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-App-Usage", `{"call_count":12,"total_cputime":4,"total_time":3}`)
	if m := r.URL.Query().Get("metric"); m != "" {
		ms := strings.Split(m, ",")
		s.mu.Lock()
		s.metrics = append(s.metrics, ms)
		s.mu.Unlock()
		if s.refuse != nil {
			if file := s.refuse(ms); file != "" {
				w.WriteHeader(http.StatusBadRequest)
				w.Write(s.file(file))
				return
			}
		}
	}
	file, ok := s.answers[path]
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"message":"Unsupported get request. Object with ID 'x' does not exist, cannot be loaded due to missing permissions, or does not support this operation.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"A1"}}`))
		return
	}
	body := s.file(file)
	if m := r.URL.Query().Get("metric"); m != "" {
		body = askedOnly(s.t, body, strings.Split(m, ","))
	}
	w.Write(body)
}

// askedOnly keeps the insights of an answer that were asked for, as Graph
// answers only those.
func askedOnly(t *testing.T, body []byte, asked []string) []byte {
	var ans struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatal(err)
	}
	kept := []map[string]any{}
	for _, d := range ans.Data {
		if slices.Contains(asked, d["name"].(string)) {
			kept = append(kept, d)
		}
	}
	b, err := json.Marshal(map[string]any{"data": kept})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *graphStub) file(name string) []byte {
	if strings.HasPrefix(name, "{") {
		return []byte(name)
	}
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

func (s *graphStub) calls() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.metrics)
}

var stubNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func stubAdapter(t *testing.T, s *graphStub) (*facebook.Adapter, *pregonero.Account) {
	t.Helper()
	s.t = t
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	a := facebook.New(facebook.Config{Config: graph.Config{Now: func() time.Time { return stubNow }}, Logger: discard})
	acct := &pregonero.Account{ID: "fb-stub", Network: pregonero.NetworkFacebook, RemoteID: "104261425789012", Endpoint: srv.URL,
		Credentials: map[string]string{"access_token": "page-token"}}
	return a, acct
}

func published(a *pregonero.Account, id, remote string) *pregonero.Delivery {
	return &pregonero.Delivery{ID: id, PostID: "p_" + id, AccountID: a.ID, Network: pregonero.NetworkFacebook,
		State: pregonero.DeliveryPublished, RemoteID: remote}
}

func readMetrics(t *testing.T, a *facebook.Adapter, req pregonero.MetricsRequest) pregonero.MetricsResult {
	t.Helper()
	res, err := a.ReadMetrics(context.Background(), req)
	if err != nil {
		t.Fatalf("ReadMetrics() = %v", err)
	}
	return res
}

const (
	post1 = "104261425789012_122100000000000042"
	post2 = "104261425789012_122100000000000043"
	video = "323790578640877"
)

func TestReadMetricsParsesFacebookAnswers(t *testing.T) {
	s := &graphStub{answers: map[string]string{
		"/" + post1:                     "post_counters.json",
		"/" + post1 + "/insights":       "post_insights.json",
		"/" + post2:                     "post_counters_no_shares.json",
		"/" + post2 + "/insights":       `{"data":[]}`,
		"/" + video:                     "video_counters.json",
		"/" + video + "/video_insights": "video_insights.json",
	}}
	a, acct := stubAdapter(t, s)
	for _, tc := range []struct {
		name, remote string
		want         map[string]int64
		raw          map[string]int64
	}{
		{"a post with counters and insights; a reported 0 is kept as 0", post1,
			map[string]int64{"likes": 128, "comments": 0, "shares": 17, "views": 4210, "reach": 2875, "clicks": 0},
			map[string]int64{"reactions.summary.total_count": 128, "comments.summary.total_count": 0, "shares.count": 17,
				"insights.post_media_view": 4210, "insights.post_total_media_view_unique": 2875, "insights.post_clicks": 0,
				"insights.post_reactions_by_type_total.like": 101, "insights.post_reactions_by_type_total.love": 24,
				"insights.post_reactions_by_type_total.wow": 3}},
		{"a post without shares has 0 shares, and insights Meta does not have are absent", post2,
			map[string]int64{"likes": 3, "comments": 1, "shares": 0},
			map[string]int64{"reactions.summary.total_count": 3, "comments.summary.total_count": 1, "shares.count": 0}},
		{"a video read by its own id", video,
			map[string]int64{"likes": 40, "comments": 6, "video_views": 89, "reach": 56},
			map[string]int64{"reactions.summary.total_count": 40, "comments.summary.total_count": 6,
				"video_insights.total_video_views": 89, "video_insights.total_video_views_unique": 56}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readMetrics(t, a, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{published(acct, "d1", tc.remote)}})
			got := res.Snapshots["d1"]
			if !reflect.DeepEqual(got.Metrics, tc.want) {
				t.Errorf("metrics = %v, want %v", got.Metrics, tc.want)
			}
			if !reflect.DeepEqual(got.Raw, tc.raw) {
				t.Errorf("raw = %v, want %v", got.Raw, tc.raw)
			}
			if len(res.Refused) != 0 || res.Billed != 0 {
				t.Errorf("refused %v, billed %d; want none", res.Refused, res.Billed)
			}
		})
	}
	t.Run("the insights asked for are the current ones", func(t *testing.T) {
		calls := s.calls()
		if len(calls) == 0 || !reflect.DeepEqual(calls[0], facebook.PostInsights) {
			t.Fatalf("first insights call asked %v, want %v", calls, facebook.PostInsights)
		}
		for _, m := range calls[0] {
			if strings.Contains(m, "impressions") {
				t.Errorf("asked for %s, which Meta retired", m)
			}
		}
	})
	t.Run("a post Facebook no longer has is left out", func(t *testing.T) {
		res := readMetrics(t, a, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{published(acct, "gone", "104261425789012_9")}})
		if len(res.Snapshots) != 0 {
			t.Errorf("snapshots = %v, want none", res.Snapshots)
		}
	})
	if got := a.MetricsBatch(); got != 1 {
		t.Errorf("MetricsBatch() = %d, want 1", got)
	}
	if remaining, _, ok := a.RateLimit(acct.ID); !ok || remaining != 88 {
		t.Errorf("RateLimit() = %d, %v; want 88 %% left from the metric calls' X-App-Usage", remaining, ok)
	}
}

func TestReadMetricsDropsAMetricMetaRefuses(t *testing.T) {
	// Meta names no metric in "(#100) The value must be a valid insights
	// metric": the refused one is found by elimination.
	s := &graphStub{
		answers: map[string]string{"/" + post1: "post_counters.json", "/" + post1 + "/insights": "post_insights.json"},
		refuse: func(ms []string) string {
			if slices.Contains(ms, "post_clicks") {
				return "error_invalid_metric.json"
			}
			return ""
		},
	}
	a, acct := stubAdapter(t, s)
	req := pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{published(acct, "d1", post1)}}
	res := readMetrics(t, a, req)
	want := []pregonero.MetricRefusal{{Network: pregonero.NetworkFacebook, Kind: facebook.KindPost, Metric: "post_clicks",
		Reason: "(#100) The value must be a valid insights metric", At: stubNow}}
	if !reflect.DeepEqual(res.Refused, want) {
		t.Errorf("refused = %+v, want %+v", res.Refused, want)
	}
	m := res.Snapshots["d1"].Metrics
	if m["views"] != 4210 || m["reach"] != 2875 || m["likes"] != 128 || m["shares"] != 17 {
		t.Errorf("metrics = %v, want the rest of the snapshot kept", m)
	}
	if _, ok := m["clicks"]; ok {
		t.Errorf("clicks present (%v) though Meta refused post_clicks", m)
	}
	if n := len(s.calls()); n > graph.DefaultInsightsCalls {
		t.Errorf("%d insights calls, want at most %d", n, graph.DefaultInsightsCalls)
	}

	t.Run("a refused metric is not asked for again", func(t *testing.T) {
		before := len(s.calls())
		req.Refused = res.Refused
		again := readMetrics(t, a, req)
		calls := s.calls()[before:]
		if len(calls) != 1 || slices.Contains(calls[0], "post_clicks") {
			t.Errorf("insights calls %v, want one without post_clicks", calls)
		}
		if len(again.Refused) != 0 {
			t.Errorf("refused = %v, want nothing new", again.Refused)
		}
		if again.Snapshots["d1"].Metrics["views"] != 4210 {
			t.Errorf("metrics = %v", again.Snapshots["d1"].Metrics)
		}
	})
	t.Run("a refusal for videos does not stop asking for it on posts", func(t *testing.T) {
		before := len(s.calls())
		req.Refused = []pregonero.MetricRefusal{{Network: pregonero.NetworkFacebook, Kind: facebook.KindVideo, Metric: "post_media_view"}}
		readMetrics(t, a, req)
		if calls := s.calls()[before:]; len(calls) == 0 || !slices.Contains(calls[0], "post_media_view") {
			t.Errorf("insights calls %v, want post_media_view asked for the post", calls)
		}
	})
}

func TestReadMetricsWithheldInsightsKeepTheCounters(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		fails      bool
	}{
		{"insights withheld for the page", `{"error":{"message":"(#10) Application does not have permission for this action","type":"OAuthException","code":10,"fbtrace_id":"A2"}}`, false},
		{"throttled", `{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32,"is_transient":true,"fbtrace_id":"A3"}}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &graphStub{answers: map[string]string{"/" + post1: "post_counters.json"}, refuse: func([]string) string { return tc.body }}
			a, acct := stubAdapter(t, s)
			res, err := a.ReadMetrics(context.Background(), pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{published(acct, "d1", post1)}})
			if tc.fails {
				if pe := pregonero.AsPublishError(err); err == nil || pe.Class != pregonero.ClassRateLimited {
					t.Errorf("ReadMetrics() = %v, want rate limited", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadMetrics() = %v", err)
			}
			want := map[string]int64{"likes": 128, "comments": 0, "shares": 17}
			if got := res.Snapshots["d1"].Metrics; !reflect.DeepEqual(got, want) {
				t.Errorf("metrics = %v, want the counters alone %v", got, want)
			}
			if len(res.Refused) != 0 || len(s.calls()) != 1 {
				t.Errorf("refused %v after %d calls; want no refusal, one call", res.Refused, len(s.calls()))
			}
		})
	}
}

func TestReadAccountMetricsParsesPage(t *testing.T) {
	s := &graphStub{answers: map[string]string{"/104261425789012": "page.json"}}
	a, acct := stubAdapter(t, s)
	got, err := a.ReadAccountMetrics(context.Background(), acct)
	if err != nil {
		t.Fatalf("ReadAccountMetrics() = %v", err)
	}
	if want := map[string]int64{"followers": 12873}; !reflect.DeepEqual(got.Metrics, want) {
		t.Errorf("metrics = %v, want %v (no posts count: Graph has none for pages)", got.Metrics, want)
	}
	if want := map[string]int64{"followers_count": 12873, "fan_count": 11950}; !reflect.DeepEqual(got.Raw, want) {
		t.Errorf("raw = %v, want %v", got.Raw, want)
	}
}

func TestReadMetricsAgainstFake(t *testing.T) {
	e := newEnvWith(t, facebook.Config{}, fake.Options{FacebookVideoProcessing: -1, RetiredMetrics: []string{"post_clicks"}})
	acct := e.account()
	d := delivery(acct)
	r, err := e.adapter.Publish(context.Background(), d, pregonero.Content{Text: "Jornada de vacunación en el parque"}, acct)
	if err != nil {
		t.Fatal(err)
	}
	d.State, d.RemoteID, d.PublishedAt = pregonero.DeliveryPublished, r.RemoteID, r.PublishedAt
	vd := delivery(acct)
	vd.ID = "d2"
	vr, err := e.adapter.Publish(context.Background(), vd, pregonero.Content{Text: "Rendición de cuentas",
		Media: []pregonero.MediaBlob{adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")}}, acct)
	if err != nil {
		t.Fatal(err)
	}
	vd.State, vd.RemoteID = pregonero.DeliveryPublished, vr.RemoteID
	e.clock.Advance(90 * time.Minute)

	res := readMetrics(t, e.adapter, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{d}})
	en := fake.EngagementOf(r.RemoteID, 90*time.Minute)
	want := map[string]int64{"likes": en.Reactions, "comments": en.Comments, "shares": en.Shares, "views": en.Views, "reach": en.Reach}
	if got := res.Snapshots[d.ID].Metrics; !reflect.DeepEqual(got, want) {
		t.Errorf("after 90 minutes: %v, want %v", got, want)
	}
	if en.Views < 90 || en.Reactions == 0 {
		t.Errorf("engagement %+v did not grow", en)
	}
	if len(res.Refused) != 1 || res.Refused[0].Metric != "post_clicks" || res.Refused[0].Kind != facebook.KindPost ||
		res.Refused[0].Reason != "(#100) The value must be a valid insights metric" || !res.Refused[0].At.Equal(e.clock.Now()) {
		t.Errorf("refused = %+v, want post_clicks once, with Meta's words and the time", res.Refused)
	}
	insights := len(e.requests(http.MethodGet, "/insights"))

	e.clock.Advance(22*time.Hour + 30*time.Minute)
	later := readMetrics(t, e.adapter, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{d}, Refused: res.Refused})
	if got, want := later.Snapshots[d.ID].Metrics["views"], fake.EngagementOf(r.RemoteID, 24*time.Hour).Views; got != want {
		t.Errorf("after a day: views %d, want %d", got, want)
	}
	calls := e.requests(http.MethodGet, "/insights")[insights:]
	if len(calls) != 1 || strings.Contains(calls[0].query["metric"], "post_clicks") || len(later.Refused) != 0 {
		t.Errorf("insights calls %v, refused %v: want one call without post_clicks and nothing refused again", calls, later.Refused)
	}

	t.Run("a video", func(t *testing.T) {
		got := readMetrics(t, e.adapter, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{vd}}).Snapshots[vd.ID]
		en := fake.EngagementOf(vd.RemoteID, 24*time.Hour)
		if got.Metrics["views"] != en.Views || got.Metrics["likes"] != en.Reactions {
			t.Errorf("video post metrics %v, want views %d and likes %d", got.Metrics, en.Views, en.Reactions)
		}
	})
	t.Run("account followers", func(t *testing.T) {
		snap, err := e.adapter.ReadAccountMetrics(context.Background(), acct)
		if err != nil {
			t.Fatalf("ReadAccountMetrics() = %v", err)
		}
		if want := e.fake.Followers(acct.RemoteID); snap.Metrics[pregonero.MetricFollowers] != want || want == 0 {
			t.Errorf("followers = %v, want %d", snap.Metrics, want)
		}
	})
	t.Run("a deleted post is left out", func(t *testing.T) {
		if err := e.adapter.Delete(context.Background(), acct, d.RemoteID); err != nil {
			t.Fatal(err)
		}
		if got := readMetrics(t, e.adapter, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{d}}).Snapshots; len(got) != 0 {
			t.Errorf("snapshots = %v, want none", got)
		}
	})
}

func TestReadMetricsOfAVideoByItsID(t *testing.T) {
	e := newEnvWith(t, facebook.Config{}, fake.Options{VideoPostIDAfterProcessing: true, FacebookVideoProcessing: time.Hour})
	acct := e.account()
	d := delivery(acct)
	r, err := e.adapter.Publish(context.Background(), d, pregonero.Content{Text: "Obras del Nordeste",
		Media: []pregonero.MediaBlob{adaptertest.Blob("clip.mp4", "video/mp4", mp4(), 0, 0, "")}}, acct)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.RemoteID, "_") {
		t.Fatalf("RemoteID = %s, want the video id", r.RemoteID)
	}
	d.State, d.RemoteID = pregonero.DeliveryPublished, r.RemoteID
	e.clock.Advance(2 * time.Hour)
	res := readMetrics(t, e.adapter, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{d}})
	en := fake.EngagementOf(r.RemoteID, 2*time.Hour)
	want := map[string]int64{"likes": en.Reactions, "comments": en.Comments, "video_views": en.Views, "reach": en.Reach}
	if got := res.Snapshots[d.ID].Metrics; !reflect.DeepEqual(got, want) {
		t.Errorf("metrics = %v, want %v", got, want)
	}
	if len(e.requests(http.MethodGet, "/video_insights")) != 1 {
		t.Error("the video's insights were not read from video_insights")
	}
}

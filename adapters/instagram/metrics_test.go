package instagram_test

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
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

// igStub answers Instagram metric calls from testdata files: answers maps
// a path to a file or a literal JSON body, and refuse, when set, picks the
// error body of an insights call from its metric list. Insights answers
// keep only the metrics asked for, as Graph does.
type igStub struct {
	t       *testing.T
	answers map[string]string
	refuse  func(metrics []string) string

	mu      sync.Mutex
	metrics [][]string
}

func (s *igStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v25.0")
	w.Header().Set("Content-Type", "application/json")
	var asked []string
	if m := r.URL.Query().Get("metric"); m != "" {
		asked = strings.Split(m, ",")
		s.mu.Lock()
		s.metrics = append(s.metrics, asked)
		s.mu.Unlock()
		if s.refuse != nil {
			if body := s.refuse(asked); body != "" {
				w.WriteHeader(http.StatusBadRequest)
				w.Write(s.body(body))
				return
			}
		}
	}
	name, ok := s.answers[path]
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"message":"Unsupported get request. Object with ID 'x' does not exist, cannot be loaded due to missing permissions, or does not support this operation.","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"A1"}}`))
		return
	}
	body := s.body(name)
	if asked != nil {
		var ans struct {
			Data []map[string]any `json:"data"`
		}
		if err := json.Unmarshal(body, &ans); err != nil {
			s.t.Fatal(err)
		}
		kept := []map[string]any{}
		for _, d := range ans.Data {
			if slices.Contains(asked, d["name"].(string)) {
				kept = append(kept, d)
			}
		}
		body, _ = json.Marshal(map[string]any{"data": kept})
	}
	w.Write(body)
}

func (s *igStub) body(name string) []byte {
	if strings.HasPrefix(name, "{") {
		return []byte(name)
	}
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

func (s *igStub) calls() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.metrics)
}

var igNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func igStubAdapter(t *testing.T, s *igStub) (*instagram.Adapter, *pregonero.Account) {
	t.Helper()
	s.t = t
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	a := instagram.New(instagram.Config{Config: graph.Config{Now: func() time.Time { return igNow }}, Logger: discard})
	acct := &pregonero.Account{ID: "ig-stub", Network: pregonero.NetworkInstagram, RemoteID: "17841400000000000", Endpoint: srv.URL,
		Credentials: map[string]string{graph.CredAccessToken: "token"}}
	return a, acct
}

func igPublished(a *pregonero.Account, id, remote string) *pregonero.Delivery {
	return &pregonero.Delivery{ID: id, PostID: "p_" + id, AccountID: a.ID, Network: pregonero.NetworkInstagram,
		State: pregonero.DeliveryPublished, RemoteID: remote}
}

func igRead(t *testing.T, a *instagram.Adapter, req pregonero.MetricsRequest) pregonero.MetricsResult {
	t.Helper()
	res, err := a.ReadMetrics(context.Background(), req)
	if err != nil {
		t.Fatalf("ReadMetrics() = %v", err)
	}
	return res
}

const (
	reel  = "17900000000000001"
	album = "17900000000000002"
	story = "17900000000000003"
)

func TestReadMetricsParsesInstagramAnswers(t *testing.T) {
	s := &igStub{answers: map[string]string{
		"/" + reel: "media_reel.json", "/" + reel + "/insights": "reel_insights.json",
		"/" + album: "media_album.json", "/" + album + "/insights": `{"data":[]}`,
	}}
	a, acct := igStubAdapter(t, s)
	res := igRead(t, a, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{igPublished(acct, "d1", reel)}})
	t.Run("a reel: live counters first, then insights, and what Meta left out is absent", func(t *testing.T) {
		got := res.Snapshots["d1"]
		want := map[string]int64{"likes": 702, "comments": 41, "views": 18540, "reach": 12110, "shares": 88, "saves": 0}
		if !reflect.DeepEqual(got.Metrics, want) {
			t.Errorf("metrics = %v, want %v", got.Metrics, want)
		}
		raw := map[string]int64{"like_count": 702, "comments_count": 41, "insights.views": 18540, "insights.reach": 12110,
			"insights.likes": 700, "insights.saved": 0, "insights.shares": 88, "insights.ig_reels_avg_watch_time": 3510}
		if !reflect.DeepEqual(got.Raw, raw) {
			t.Errorf("raw = %v, want %v", got.Raw, raw)
		}
		if calls := s.calls(); len(calls) != 1 || !reflect.DeepEqual(calls[0], instagram.MediaInsights[instagram.KindReels]) {
			t.Errorf("insights calls %v, want one with the reels metrics", calls)
		}
	})
	t.Run("an album with no insights yet", func(t *testing.T) {
		res := igRead(t, a, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{igPublished(acct, "d2", album)}})
		if want := map[string]int64{"likes": 0, "comments": 2}; !reflect.DeepEqual(res.Snapshots["d2"].Metrics, want) {
			t.Errorf("metrics = %v, want %v", res.Snapshots["d2"].Metrics, want)
		}
		calls := s.calls()
		if last := calls[len(calls)-1]; !reflect.DeepEqual(last, instagram.MediaInsights[instagram.KindCarousel]) {
			t.Errorf("asked %v, want the album metrics", last)
		}
	})
	t.Run("a container receipt and a media Instagram no longer has are left out", func(t *testing.T) {
		res := igRead(t, a, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{
			igPublished(acct, "c", instagram.ContainerReceiptPrefix+"17899999999999999"), igPublished(acct, "g", "17900000000000099")}})
		if len(res.Snapshots) != 0 {
			t.Errorf("snapshots = %v, want none", res.Snapshots)
		}
	})
}

func TestReadMetricsDropsMetricsInstagramRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, refused, body string
	}{
		{"named by its place in the request", "views", "error_metric_index.json"},
		{"named for the media product type", "profile_activity", "error_product_type.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &igStub{
				answers: map[string]string{"/" + reel: `{"media_type":"IMAGE","media_product_type":"FEED","like_count":5,"comments_count":1,"id":"` + reel + `"}`,
					"/" + reel + "/insights": "reel_insights.json"},
				refuse: func(ms []string) string {
					if (tc.refused == "views" && ms[0] == "views") || (tc.refused != "views" && slices.Contains(ms, tc.refused)) {
						return tc.body
					}
					return ""
				},
			}
			a, acct := igStubAdapter(t, s)
			req := pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{igPublished(acct, "d1", reel)}}
			res := igRead(t, a, req)
			if len(res.Refused) != 1 || res.Refused[0].Metric != tc.refused || res.Refused[0].Kind != instagram.KindFeed ||
				res.Refused[0].Network != pregonero.NetworkInstagram || !res.Refused[0].At.Equal(igNow) || !strings.HasPrefix(res.Refused[0].Reason, "(#100) ") {
				t.Errorf("refused = %+v, want %s once for FEED with Meta's words", res.Refused, tc.refused)
			}
			if len(s.calls()) != 2 {
				t.Errorf("insights calls %v, want the refused one and one retry at once", s.calls())
			}
			if m := res.Snapshots["d1"].Metrics; m["reach"] != 12110 || m["likes"] != 5 {
				t.Errorf("metrics = %v, want the rest kept", m)
			}
			req.Refused = res.Refused
			again := igRead(t, a, req)
			last := s.calls()[2:]
			if len(last) != 1 || slices.Contains(last[0], tc.refused) || len(again.Refused) != 0 {
				t.Errorf("then asked %v and refused %v; want one call without %s", last, again.Refused, tc.refused)
			}
		})
	}
}

func TestReadMetricsNotEnoughViewersKeepsCounters(t *testing.T) {
	s := &igStub{answers: map[string]string{"/" + story: "media_story.json"},
		refuse: func([]string) string { return "error_not_enough_viewers.json" }}
	a, acct := igStubAdapter(t, s)
	res := igRead(t, a, pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{igPublished(acct, "d1", story)}})
	snap, ok := res.Snapshots["d1"]
	if !ok || len(snap.Metrics) != 0 || len(res.Refused) != 0 {
		t.Errorf("snapshot %v (%v), refused %v; want an empty snapshot and nothing refused for good", snap, ok, res.Refused)
	}
	if calls := s.calls(); len(calls) != 1 || !reflect.DeepEqual(calls[0], instagram.MediaInsights[instagram.KindStory]) {
		t.Errorf("insights calls %v, want one with the story metrics", calls)
	}
}

func TestReadAccountMetricsParsesInstagramAccount(t *testing.T) {
	s := &igStub{answers: map[string]string{"/17841400000000000": "account.json"}}
	a, acct := igStubAdapter(t, s)
	got, err := a.ReadAccountMetrics(context.Background(), acct)
	if err != nil {
		t.Fatalf("ReadAccountMetrics() = %v", err)
	}
	if want := map[string]int64{"followers": 1520, "posts": 87}; !reflect.DeepEqual(got.Metrics, want) {
		t.Errorf("metrics = %v, want %v", got.Metrics, want)
	}
	if want := map[string]int64{"followers_count": 1520, "media_count": 87}; !reflect.DeepEqual(got.Raw, want) {
		t.Errorf("raw = %v, want %v", got.Raw, want)
	}
}

func TestReadMetricsAgainstFakeInstagram(t *testing.T) {
	clock := fakenet.NewClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	e := newEnv(t, envOptions{clock: clock, fake: fake.Options{RetiredMetrics: []string{"profile_activity"}}})
	a := e.account("metrics")
	publish := func(c pregonero.Content) *pregonero.Delivery {
		t.Helper()
		d := e.delivery(a)
		r, err := e.adapter.Publish(ctx(t), d, c, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		d.State, d.RemoteID = pregonero.DeliveryPublished, r.RemoteID
		return d
	}
	feed := publish(pregonero.Content{Text: "Vías del Nordeste", Media: []pregonero.MediaBlob{e.media.jpeg(t, 120, 100, "Vía")}})
	st := publish(pregonero.Content{Format: pregonero.FormatStory, Media: []pregonero.MediaBlob{e.media.jpeg(t, 90, 160, "Historia")}})
	clock.Advance(3 * time.Hour)

	res := igRead(t, e.adapter, pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{feed}})
	en := fake.EngagementOf(feed.RemoteID, 3*time.Hour)
	want := map[string]int64{"likes": en.Reactions, "comments": en.Comments, "views": en.Views, "reach": en.Reach, "shares": en.Shares, "saves": en.Saves}
	if got := res.Snapshots[feed.ID].Metrics; !reflect.DeepEqual(got, want) {
		t.Errorf("feed after 3 hours: %v, want %v", got, want)
	}
	if len(res.Refused) != 1 || res.Refused[0].Metric != "profile_activity" || res.Refused[0].Kind != instagram.KindFeed {
		t.Errorf("refused = %+v, want profile_activity for FEED", res.Refused)
	}
	if _, ok := res.Snapshots[feed.ID].Raw["insights.profile_visits"]; !ok {
		t.Errorf("raw = %v, want the other feed metrics kept", res.Snapshots[feed.ID].Raw)
	}

	t.Run("a story keeps its own metric set", func(t *testing.T) {
		res := igRead(t, e.adapter, pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{st}})
		en := fake.EngagementOf(st.RemoteID, 3*time.Hour)
		got := res.Snapshots[st.ID]
		if got.Metrics["views"] != en.Views || got.Raw["insights.navigation"] != en.Views/2 {
			t.Errorf("story: %v, want views %d and navigation", got.Raw, en.Views)
		}
	})
	t.Run("a story past 24 hours keeps its counters, insights absent", func(t *testing.T) {
		clock.Advance(24 * time.Hour)
		res := igRead(t, e.adapter, pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{st}})
		got, found := res.Snapshots[st.ID]
		if _, ok := got.Metrics["views"]; !found || ok || len(res.Refused) != 0 {
			t.Errorf("story after 27 hours: %v (%v), refused %v; want a snapshot without views and nothing refused", got.Metrics, found, res.Refused)
		}
	})
	t.Run("account", func(t *testing.T) {
		snap, err := e.adapter.ReadAccountMetrics(ctx(t), a)
		if err != nil {
			t.Fatalf("ReadAccountMetrics() = %v", err)
		}
		if snap.Metrics[pregonero.MetricFollowers] != e.fake.Followers(a.RemoteID) || snap.Metrics[pregonero.MetricPosts] != 1 {
			t.Errorf("account = %v, want followers %d and 1 post (stories are not counted)", snap.Metrics, e.fake.Followers(a.RemoteID))
		}
	})
}

package youtube_test

import (
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

// answering serves the fake through a handler that answers path with
// body (200, JSON) and records the requests it answered.
type answering struct {
	path string
	body []byte

	mu   sync.Mutex
	reqs []*http.Request
}

func (s *answering) wrap(f *fake.Fake) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != s.path {
			f.ServeHTTP(w, r)
			return
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Write(s.body)
	})
}

func (s *answering) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// answeringEnv is an env whose path answers the testdata file.
func answeringEnv(t *testing.T, path, file string) (*env, *answering) {
	t.Helper()
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := &answering{path: path, body: body}
	return newEnv(t, envOptions{wrap: s.wrap}), s
}

func published(a *pregonero.Account, id, remote string) *pregonero.Delivery {
	return &pregonero.Delivery{ID: id, PostID: "p_" + id, AccountID: a.ID, Network: pregonero.NetworkYouTube,
		State: pregonero.DeliveryPublished, RemoteID: remote}
}

func TestReadMetricsParsesBatchGetStats(t *testing.T) {
	e, s := answeringEnv(t, "/youtube/v3/videos:batchGetStats", "testdata/batch_get_stats.json")
	a := e.account("lectura")
	ds := []*pregonero.Delivery{
		published(a, "d_full", "Ks-_Mh1QhMc"),
		published(a, "d_hidden", "dQw4w9WgXcQ"),
		published(a, "d_gone", "xxxxxxxxxxx"),
		published(a, "d_same", "Ks-_Mh1QhMc"), // a second delivery of the same video
	}
	res, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: ds})
	if err != nil {
		t.Fatalf("ReadMetrics() = %v", err)
	}
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d calls, want one for the three videos", len(reqs))
	}
	q := reqs[0].URL.Query()
	if reqs[0].Method != http.MethodGet || !slices.Equal(q["id"], []string{"Ks-_Mh1QhMc", "dQw4w9WgXcQ", "xxxxxxxxxxx"}) ||
		!slices.Equal(q["part"], []string{"statistics"}) || !strings.HasPrefix(reqs[0].Header.Get("Authorization"), "Bearer ") {
		t.Errorf("request = %s %s, want GET with each id once, part=statistics and the token", reqs[0].Method, reqs[0].URL)
	}
	got := res.Snapshots
	if len(got) != 3 || res.Billed != 0 || len(res.Refused) != 0 {
		t.Fatalf("result = %+v, want 3 snapshots, nothing billed or refused", res)
	}
	if _, ok := got["d_gone"]; ok {
		t.Error("a video YouTube left out has a snapshot")
	}
	t.Run("every count, normalized and under YouTube's name", func(t *testing.T) {
		want := map[string]int64{"views": 15234, "video_views": 15234, "likes": 812, "comments": 97}
		if m := got["d_full"].Metrics; !reflect.DeepEqual(m, want) {
			t.Errorf("metrics = %v, want %v", m, want)
		}
		wantRaw := map[string]int64{"statistics.viewCount": 15234, "statistics.likeCount": 812, "statistics.commentCount": 97}
		if raw := got["d_full"].Raw; !reflect.DeepEqual(raw, wantRaw) {
			t.Errorf("raw = %v, want %v", raw, wantRaw)
		}
		if !reflect.DeepEqual(got["d_same"], got["d_full"]) {
			t.Errorf("the second delivery of the video: %+v, want %+v", got["d_same"], got["d_full"])
		}
	})
	t.Run("a count not reported is absent, a reported zero is zero", func(t *testing.T) {
		m, raw := got["d_hidden"].Metrics, got["d_hidden"].Raw
		if _, ok := m[pregonero.MetricLikes]; ok {
			t.Errorf("metrics = %v: likes present, YouTube did not report them", m)
		}
		if _, ok := raw["statistics.likeCount"]; ok {
			t.Errorf("raw = %v: likeCount present", raw)
		}
		if v, ok := m[pregonero.MetricComments]; !ok || v != 0 {
			t.Errorf("comments = %d, %v; want 0, present", v, ok)
		}
		if m[pregonero.MetricViews] != 310 || len(m) != 3 {
			t.Errorf("metrics = %v, want views, video_views and comments", m)
		}
	})
}

func TestReadMetricsRefusals(t *testing.T) {
	t.Run("more than 50 videos are refused before any call", func(t *testing.T) {
		e, s := answeringEnv(t, "/youtube/v3/videos:batchGetStats", "testdata/batch_get_stats.json")
		a := e.account("muchos")
		ds := make([]*pregonero.Delivery, 51)
		for i := range ds {
			ds[i] = published(a, "d", "Ks-_Mh1QhMc")
		}
		_, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: ds})
		pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
		if pe.Code != "youtube_invalid" || len(s.requests()) != 0 {
			t.Errorf("got %v after %d calls, want youtube_invalid and no call", pe, len(s.requests()))
		}
		if e.adapter.MetricsBatch() != 50 {
			t.Errorf("MetricsBatch() = %d, want 50", e.adapter.MetricsBatch())
		}
	})
	t.Run("deliveries without a video make no call", func(t *testing.T) {
		e, s := answeringEnv(t, "/youtube/v3/videos:batchGetStats", "testdata/batch_get_stats.json")
		a := e.account("vacio")
		res, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{published(a, "d", "")}})
		if err != nil || len(res.Snapshots) != 0 || len(s.requests()) != 0 {
			t.Errorf("ReadMetrics() = %+v, %v after %d calls; want nothing, no call", res, err, len(s.requests()))
		}
	})
	t.Run("a count that is not one is a malformed answer", func(t *testing.T) {
		e := newEnv(t, envOptions{wrap: (&answering{path: "/youtube/v3/videos:batchGetStats",
			body: []byte(`{"kind":"youtube#batchGetStatsResponse","items":[{"id":"a","statistics":{"viewCount":"muchas"}}]}`)}).wrap})
		a := e.account("raro")
		_, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{published(a, "d", "a")}})
		if pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable); pe.Code != "youtube_malformed_response" {
			t.Errorf("code = %s, want youtube_malformed_response", pe.Code)
		}
	})
}

func TestReadAccountMetricsParsesChannelStatistics(t *testing.T) {
	t.Run("subscribers and videos", func(t *testing.T) {
		e, s := answeringEnv(t, "/youtube/v3/channels", "testdata/channel_statistics.json")
		a := e.account("canal")
		got, err := e.adapter.ReadAccountMetrics(ctx(t), a)
		if err != nil {
			t.Fatalf("ReadAccountMetrics() = %v", err)
		}
		if want := map[string]int64{"followers": 12300, "posts": 245}; !reflect.DeepEqual(got.Metrics, want) {
			t.Errorf("metrics = %v, want %v", got.Metrics, want)
		}
		wantRaw := map[string]int64{"statistics.viewCount": 1893204, "statistics.subscriberCount": 12300, "statistics.videoCount": 245}
		if !reflect.DeepEqual(got.Raw, wantRaw) {
			t.Errorf("raw = %v, want %v", got.Raw, wantRaw)
		}
		q := s.requests()[0].URL.Query()
		if !slices.Equal(q["part"], []string{"statistics"}) || q.Get("mine") != "true" {
			t.Errorf("query = %v, want part=statistics mine=true", q)
		}
	})
	t.Run("a hidden subscriber count is absent", func(t *testing.T) {
		e, _ := answeringEnv(t, "/youtube/v3/channels", "testdata/channel_statistics_hidden.json")
		got, err := e.adapter.ReadAccountMetrics(ctx(t), e.account("oculto"))
		if err != nil {
			t.Fatalf("ReadAccountMetrics() = %v", err)
		}
		if want := map[string]int64{"posts": 0}; !reflect.DeepEqual(got.Metrics, want) {
			t.Errorf("metrics = %v, want %v: no followers, and 0 videos is a count", got.Metrics, want)
		}
	})
	t.Run("a count sent for a hidden channel is not believed", func(t *testing.T) {
		e := newEnv(t, envOptions{wrap: (&answering{path: "/youtube/v3/channels",
			body: []byte(`{"items":[{"id":"UCx","statistics":{"subscriberCount":"0","hiddenSubscriberCount":true,"videoCount":"3"}}]}`)}).wrap})
		got, err := e.adapter.ReadAccountMetrics(ctx(t), e.account("oculto"))
		if err != nil {
			t.Fatalf("ReadAccountMetrics() = %v", err)
		}
		if _, ok := got.Metrics[pregonero.MetricFollowers]; ok || got.Metrics[pregonero.MetricPosts] != 3 {
			t.Errorf("metrics = %v, want posts only", got.Metrics)
		}
		if _, ok := got.Raw["statistics.subscriberCount"]; ok {
			t.Errorf("raw = %v, want no subscriberCount", got.Raw)
		}
	})
	t.Run("another channel than the account's is refused", func(t *testing.T) {
		e, _ := answeringEnv(t, "/youtube/v3/channels", "testdata/channel_statistics.json")
		a := e.account("otro")
		a.RemoteID = "UCotrocanal0000000000000"
		_, err := e.adapter.ReadAccountMetrics(ctx(t), a)
		if pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent); pe.Code != "youtube_wrong_channel" {
			t.Errorf("code = %s, want youtube_wrong_channel", pe.Code)
		}
	})
	t.Run("no channel is refused", func(t *testing.T) {
		e := newEnv(t, envOptions{wrap: (&answering{path: "/youtube/v3/channels", body: []byte(`{"kind":"youtube#channelListResponse","items":[]}`)}).wrap})
		_, err := e.adapter.ReadAccountMetrics(ctx(t), e.account("sin_canal"))
		if pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent); pe.Code != "youtube_no_channel" {
			t.Errorf("code = %s, want youtube_no_channel", pe.Code)
		}
	})
}

// publishedVideo publishes a video through the adapter and returns its
// delivery, published.
func (e *env) publishedVideo(a *pregonero.Account, title string) *pregonero.Delivery {
	e.t.Helper()
	d := e.delivery(a)
	r, err := e.adapter.Publish(ctx(e.t), d, content(e.t, title, 2000, title), a)
	if err != nil {
		e.t.Fatalf("Publish: %v", err)
	}
	d.State, d.RemoteID, d.PublishedAt = pregonero.DeliveryPublished, r.RemoteID, e.clock.Now()
	return d
}

func TestReadMetricsAgainstFake(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("metricas")
	project := a.Credentials[youtube.CredClientID]
	one, two := e.publishedVideo(a, "Vías del Nordeste"), e.publishedVideo(a, "Vacunación")
	read := func(ds ...*pregonero.Delivery) map[string]pregonero.Snapshot {
		t.Helper()
		res, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: ds})
		if err != nil {
			t.Fatalf("ReadMetrics() = %v", err)
		}
		return res.Snapshots
	}
	e.clock.Advance(6 * time.Hour)
	_, unitsBefore, _ := e.adapter.QuotaUsage(project)
	statsBefore, _ := e.adapter.StatsUsage(project)

	t.Run("exact counts, grown from the video and the time", func(t *testing.T) {
		got := read(one, two)
		for _, d := range []*pregonero.Delivery{one, two} {
			st := fake.VideoStatistics(d.RemoteID, 6*time.Hour) // the env's fake processes at once
			want := map[string]int64{"views": st.Views, "video_views": st.Views, "likes": st.Likes, "comments": st.Comments}
			if m := got[d.ID].Metrics; !reflect.DeepEqual(m, want) {
				t.Errorf("%s: metrics = %v, want %v", d.ID, m, want)
			}
		}
		e.clock.Advance(6 * time.Hour) // 19:00 in Los Angeles: the same quota day
		st := fake.VideoStatistics(one.RemoteID, 12*time.Hour)
		if m := read(one)[one.ID].Metrics; m[pregonero.MetricViews] != st.Views || st.Views <= fake.VideoStatistics(one.RemoteID, 6*time.Hour).Views {
			t.Errorf("6 hours on: metrics = %v, want %d views, more than before", m, st.Views)
		}
	})
	t.Run("a call is counted in the statistics bucket, not the units", func(t *testing.T) {
		stats, _ := e.adapter.StatsUsage(project)
		if _, units, _ := e.adapter.QuotaUsage(project); units != unitsBefore || stats != statsBefore+2 {
			t.Errorf("units %d, statistics calls %d; want %d and %d", units, stats, unitsBefore, statsBefore+2)
		}
		if n := e.fake.StatsQuota(); n != stats {
			t.Errorf("the fake charged %d statistics calls, the adapter counted %d", n, stats)
		}
		if n, _ := e.newAdapter().StatsUsage(project); n != stats {
			t.Errorf("after a restart: %d statistics calls, want %d kept in the settings", n, stats)
		}
	})
	t.Run("a deleted video is left out", func(t *testing.T) {
		if err := e.adapter.Delete(ctx(t), a, two.RemoteID); err != nil {
			t.Fatal(err)
		}
		got := read(one, two)
		if _, ok := got[two.ID]; ok || len(got) != 1 {
			t.Errorf("snapshots = %v, want only %s", got, one.ID)
		}
	})
	t.Run("the channel's subscribers and videos, one unit", func(t *testing.T) {
		_, unitsBefore, _ := e.adapter.QuotaUsage(project)
		got, err := e.adapter.ReadAccountMetrics(ctx(t), a)
		if err != nil {
			t.Fatal(err)
		}
		ch := e.fake.Channel("metricas")
		want := map[string]int64{"followers": ch.Subscribers, "posts": 1}
		if !reflect.DeepEqual(got.Metrics, want) || got.Raw["statistics.viewCount"] != ch.Views || ch.Views == 0 {
			t.Errorf("got %v %v, want %v and %d views", got.Metrics, got.Raw, want, ch.Views)
		}
		if _, units, _ := e.adapter.QuotaUsage(project); units != unitsBefore+1 {
			t.Errorf("units = %d, want %d", units, unitsBefore+1)
		}
	})
}

func TestReadAccountMetricsHiddenOnFake(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{HiddenSubscriberCount: []string{"reservado"}}})
	got, err := e.adapter.ReadAccountMetrics(ctx(t), e.account("reservado"))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"posts": 0}; !reflect.DeepEqual(got.Metrics, want) {
		t.Errorf("metrics = %v, want %v", got.Metrics, want)
	}
}

func TestReadMetricsQuota(t *testing.T) {
	t.Run("a spent statistics bucket refuses before calling, publishing goes on", func(t *testing.T) {
		e := newEnv(t, envOptions{quota: youtube.QuotaConfig{StatsPerDay: 1}})
		a := e.account("cuota")
		d := e.publishedVideo(a, "Cuota")
		req := pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{d}}
		if _, err := e.adapter.ReadMetrics(ctx(t), req); err != nil {
			t.Fatal(err)
		}
		_, err := e.adapter.ReadMetrics(ctx(t), req)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
		if midnight := pacificMidnight(t, e.clock.Now()); pe.Code != "youtube_quota_exhausted" || !pe.NotBefore.Equal(midnight) ||
			!strings.Contains(pe.Message, "batchGetStats") {
			t.Errorf("got %s until %v (%s), want youtube_quota_exhausted until %v", pe.Code, pe.NotBefore, pe.Message, midnight)
		}
		if n := e.fake.StatsQuota(); n != 1 {
			t.Errorf("the fake saw %d statistics calls, want 1", n)
		}
		e.publishedVideo(a, "Otra")
	})
	t.Run("YouTube's quotaExceeded spends the statistics bucket only", func(t *testing.T) {
		e := newEnv(t, envOptions{fake: fake.Options{StatsPerDay: 1}})
		a := e.account("ajena")
		project := a.Credentials[youtube.CredClientID]
		d := e.publishedVideo(a, "Ajena")
		req := pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{d}}
		if _, err := e.adapter.ReadMetrics(ctx(t), req); err != nil {
			t.Fatal(err)
		}
		// Another client of the project spent the rest.
		_, err := e.adapter.ReadMetrics(ctx(t), req)
		if pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited); pe.Code != "youtube_quota_exhausted" || pe.HTTPStatus != 403 {
			t.Errorf("got %s %d, want youtube_quota_exhausted from YouTube's 403", pe.Code, pe.HTTPStatus)
		}
		if stats, _ := e.adapter.StatsUsage(project); stats != 10_000 {
			t.Errorf("statistics calls = %d, want the bucket marked spent", stats)
		}
		if _, units, _ := e.adapter.QuotaUsage(project); units >= 10_000 {
			t.Errorf("units = %d, want the units bucket untouched", units)
		}
		e.publishedVideo(a, "Sigue")
	})
	t.Run("a rate limit is rate_limited", func(t *testing.T) {
		e := newEnv(t, envOptions{fake: fake.Options{StatsPerMinute: 1}})
		a := e.account("rapida")
		d := e.publishedVideo(a, "Rápida")
		req := pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{d}}
		if _, err := e.adapter.ReadMetrics(ctx(t), req); err != nil {
			t.Fatal(err)
		}
		_, err := e.adapter.ReadMetrics(ctx(t), req)
		if pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited); pe.Code != "youtube_rate_limited" || !pe.NotBefore.After(e.clock.Now()) {
			t.Errorf("got %s until %v, want youtube_rate_limited for a while", pe.Code, pe.NotBefore)
		}
	})
}

func TestReadMetricsRenewsTheTokenOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("renueva")
	d := e.publishedVideo(a, "Renueva")
	before, _ := e.creds.Credentials(ctx(t), a.ID)
	e.clock.Advance(time.Minute) // the fake issues a different token then
	req := pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{d}}
	e.fault(fakenet.Rule{Op: fake.OpStats, Mode: fakenet.ModeError, Status: 401, Count: 1})
	res, err := e.adapter.ReadMetrics(ctx(t), req)
	if err != nil || len(res.Snapshots) != 1 {
		t.Fatalf("ReadMetrics() = %+v, %v; want the snapshot after renewing", res, err)
	}
	if after, _ := e.creds.Credentials(ctx(t), a.ID); after[youtube.CredAccessToken] == before[youtube.CredAccessToken] {
		t.Error("the refused token is still stored, want the renewed one")
	}
	e.fault(fakenet.Rule{Op: fake.OpStats, Mode: fakenet.ModeError, Status: 401})
	_, err = e.adapter.ReadMetrics(ctx(t), req)
	if pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth); pe.Code != "youtube_unauthorized" {
		t.Errorf("code = %s, want youtube_unauthorized", pe.Code)
	}
}

func TestReadMetricsScopes(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{Scopes: map[string][]string{"subida": {upload}, "lectura": {readonly}}}})
	t.Run("youtube.readonly reads the statistics", func(t *testing.T) {
		a := e.account("lectura")
		v := e.upload("publico", "Pública", nil, mp4(3000, "publico")) // public, of another channel
		res, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{published(a, "d", v.Id)}})
		if err != nil || len(res.Snapshots) != 1 {
			t.Errorf("ReadMetrics() = %+v, %v; want the public video's snapshot", res, err)
		}
	})
	t.Run("youtube.upload alone does not", func(t *testing.T) {
		a := e.account("subida")
		d := e.publishedVideo(a, "Subida")
		_, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{d}})
		wantScopeReauth(t, err, "Request had insufficient authentication scopes.")
	})
}

func TestReadMetricsWithoutCredentials(t *testing.T) {
	e, s := answeringEnv(t, "/youtube/v3/videos:batchGetStats", "testdata/batch_get_stats.json")
	a := e.account("sin")
	delete(a.Credentials, youtube.CredRefreshToken)
	_, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: []*pregonero.Delivery{published(a, "d", "Ks-_Mh1QhMc")}})
	if pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth); pe.Code != "youtube_no_credentials" || len(s.requests()) != 0 {
		t.Errorf("got %s after %d calls, want youtube_no_credentials and no call", pe.Code, len(s.requests()))
	}
}

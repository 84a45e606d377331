package x_test

import (
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/x"
	"pregonero/adapters/x/fake"
)

func published(a *pregonero.Account, id, remote string) *pregonero.Delivery {
	return &pregonero.Delivery{ID: id, PostID: "p_" + id, AccountID: a.ID, Network: pregonero.NetworkX,
		State: pregonero.DeliveryPublished, RemoteID: remote}
}

func TestReadMetricsParsesXAnswer(t *testing.T) {
	body, err := os.ReadFile("testdata/lookup_metrics.json")
	if err != nil {
		t.Fatal(err)
	}
	var query string
	a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/2/tweets" {
			http.NotFound(w, r)
			return
		}
		query = r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	ds := []*pregonero.Delivery{
		published(acct, "d_new", "1880000000000000001"),
		published(acct, "d_old", "1760000000000000002"),
		published(acct, "d_gone", "1700000000000000003"),
	}
	res, err := a.ReadMetrics(ctxT(t), pregonero.MetricsRequest{Account: acct, Deliveries: ds})
	if err != nil {
		t.Fatalf("ReadMetrics() = %v", err)
	}
	if res.Billed != 2 {
		t.Errorf("Billed = %d, want 2: X bills each post it returns", res.Billed)
	}
	got := res.Snapshots
	if !strings.Contains(query, "ids=1880000000000000001%2C1760000000000000002%2C1700000000000000003") ||
		!strings.Contains(query, "tweet.fields=public_metrics%2Cnon_public_metrics%2Corganic_metrics") {
		t.Errorf("query = %s, want the three ids in one call with the metric fields", query)
	}
	if _, ok := got["d_gone"]; ok || len(got) != 2 {
		t.Errorf("ReadMetrics() = %d snapshots (%v); want 2, the post X no longer has left out", len(got), got)
	}
	t.Run("a recent post has public, non-public and video metrics", func(t *testing.T) {
		want := map[string]int64{"likes": 140, "comments": 0, "shares": 15, "saves": 7, "impressions": 4210, "clicks": 38, "video_views": 1893}
		if m := got["d_new"].Metrics; !reflect.DeepEqual(m, want) {
			t.Errorf("metrics = %v, want %v", m, want)
		}
		raw := got["d_new"].Raw
		if raw["public_metrics.like_count"] != 140 || raw["non_public_metrics.engagements"] != 251 ||
			raw["organic_metrics.url_link_clicks"] != 38 || raw["media.public_metrics.view_count"] != 1893 || len(raw) != 17 {
			t.Errorf("raw = %v, want every count under X's own name", raw)
		}
	})
	t.Run("200 with field errors keeps the public metrics, and what X leaves out is absent", func(t *testing.T) {
		want := map[string]int64{"likes": 100, "comments": 5, "shares": 12}
		if m := got["d_old"].Metrics; !reflect.DeepEqual(m, want) {
			t.Errorf("metrics = %v, want %v (no saves, impressions, clicks: X did not report them)", m, want)
		}
		if _, ok := got["d_old"].Raw["public_metrics.bookmark_count"]; ok {
			t.Error("a count X left out is in raw")
		}
	})
	t.Run("a reported zero is kept as zero", func(t *testing.T) {
		if v, ok := got["d_new"].Metrics[pregonero.MetricComments]; !ok || v != 0 {
			t.Errorf("comments = %d, %v; want 0, present", v, ok)
		}
	})
}

func TestReadMetricsRefusals(t *testing.T) {
	t.Run("an answer of only other errors is an error", func(t *testing.T) {
		a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"errors":[{"title":"Authorization Error","detail":"Sorry, you are not authorized to see the Tweet with ids: [1].","type":"https://api.x.com/2/problems/not-authorized-for-resource"}]}`)
		})
		if _, err := a.ReadMetrics(ctxT(t), pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{published(acct, "d_1", "1")}}); err == nil {
			t.Error("ReadMetrics() = nil error")
		}
	})
	t.Run("more than 100 posts are refused before any call", func(t *testing.T) {
		a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) { t.Error("a call was made") })
		ds := make([]*pregonero.Delivery, 101)
		for i := range ds {
			ds[i] = published(acct, "d", "1")
		}
		if _, err := a.ReadMetrics(ctxT(t), pregonero.MetricsRequest{Account: acct, Deliveries: ds}); err == nil {
			t.Error("ReadMetrics(101) = nil error")
		}
	})
}

func TestReadMetricsAgainstFake(t *testing.T) {
	e := newEnv(t, envOption{})
	// OAuth 2.0: an OAuth 1.0a signature carries the wall clock's time,
	// which the fake refuses once its own clock has been moved days on.
	acct := e.oauth2("ana")
	d := delivery(acct)
	r, err := e.adapter.Publish(ctxT(t), d, pregonero.Content{Text: "Jornada de vacunación en el parque."}, acct)
	if err != nil {
		t.Fatal(err)
	}
	d.State, d.RemoteID = pregonero.DeliveryPublished, r.RemoteID
	read := func() pregonero.Snapshot {
		t.Helper()
		res, err := e.adapter.ReadMetrics(ctxT(t), pregonero.MetricsRequest{Account: acct, Deliveries: []*pregonero.Delivery{d}})
		got := res.Snapshots
		if err != nil {
			t.Fatalf("ReadMetrics() = %v", err)
		}
		return got[d.ID]
	}
	e.clock.Advance(time.Hour)
	first := read()
	imp := first.Metrics[pregonero.MetricImpressions]
	if imp < 60 || first.Metrics[pregonero.MetricLikes] != imp/20 || first.Metrics[pregonero.MetricClicks] != imp/50 {
		t.Errorf("after an hour: %v; want impressions grown, likes and clicks derived from them", first.Metrics)
	}
	e.clock.Advance(31 * 24 * time.Hour)
	late := read()
	if late.Metrics[pregonero.MetricImpressions] <= imp {
		t.Errorf("after 31 days: impressions %d, want more than %d", late.Metrics[pregonero.MetricImpressions], imp)
	}
	if _, ok := late.Metrics[pregonero.MetricClicks]; ok {
		t.Errorf("after 31 days: clicks present (%v); X withholds non-public metrics then", late.Metrics)
	}
	if _, ok := late.Raw["non_public_metrics.impression_count"]; ok {
		t.Error("after 31 days: non-public impressions present")
	}
	if (x.New(x.Config{})).MetricsBatch() != 100 {
		t.Error("MetricsBatch() != 100")
	}
}

func TestReadAccountMetrics(t *testing.T) {
	t.Run("followers and posts from GET /2/users/me", func(t *testing.T) {
		body, err := os.ReadFile("testdata/users_me_metrics.json")
		if err != nil {
			t.Fatal(err)
		}
		var query string
		a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Path != "/2/users/me" {
				http.NotFound(w, r)
				return
			}
			query = r.URL.RawQuery
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		})
		s, err := a.ReadAccountMetrics(ctxT(t), acct)
		if err != nil {
			t.Fatalf("ReadAccountMetrics() = %v", err)
		}
		if query != "user.fields=public_metrics" {
			t.Errorf("query = %q, want user.fields=public_metrics", query)
		}
		if want := map[string]int64{pregonero.MetricFollowers: 48213, pregonero.MetricPosts: 15877}; !reflect.DeepEqual(s.Metrics, want) {
			t.Errorf("metrics = %v, want %v", s.Metrics, want)
		}
		if want := map[string]int64{"public_metrics.followers_count": 48213, "public_metrics.following_count": 312, "public_metrics.post_count": 15877,
			"public_metrics.listed_count": 204, "public_metrics.media_count": 2311}; !reflect.DeepEqual(s.Raw, want) {
			t.Errorf("raw = %v, want %v (the null like_count left out)", s.Raw, want)
		}
	})
	t.Run("tweet_count, the older name of the posts count, is read too", func(t *testing.T) {
		a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"data":{"id":"2244994945","name":"X Dev","username":"XDevelopers","public_metrics":{"followers_count":7,"following_count":1,"tweet_count":3,"listed_count":0}}}`)
		})
		s, err := a.ReadAccountMetrics(ctxT(t), acct)
		if err != nil || s.Metrics[pregonero.MetricPosts] != 3 || s.Raw["public_metrics.tweet_count"] != 3 {
			t.Errorf("ReadAccountMetrics() = %+v, %v; want 3 posts", s, err)
		}
	})
	t.Run("an answer without the user is an error", func(t *testing.T) {
		a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"data":{}}`) })
		if _, err := a.ReadAccountMetrics(ctxT(t), acct); err == nil {
			t.Error("ReadAccountMetrics() = nil error")
		}
	})
}

func TestReadAccountMetricsAgainstFake(t *testing.T) {
	e := newEnv(t, envOption{})
	acct := e.oauth2("ana")
	for _, text := range []string{"Jornada de vacunación en el parque.", "Cierre de la vía al Nordeste por obras."} {
		if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: text}, acct); err != nil {
			t.Fatal(err)
		}
	}
	first, err := e.adapter.ReadAccountMetrics(ctxT(t), acct)
	if err != nil {
		t.Fatalf("ReadAccountMetrics() = %v", err)
	}
	if got, want := first.Metrics[pregonero.MetricFollowers], fake.FollowersAt("ana", e.clock.Now()); got != want || first.Metrics[pregonero.MetricPosts] != 2 {
		t.Errorf("metrics = %v; want %d followers and the 2 posts", first.Metrics, want)
	}
	e.clock.Advance(10 * 24 * time.Hour)
	later, err := e.adapter.ReadAccountMetrics(ctxT(t), acct)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := later.Metrics[pregonero.MetricFollowers], fake.FollowersAt("ana", e.clock.Now()); got != want || got <= first.Metrics[pregonero.MetricFollowers] {
		t.Errorf("10 days later: %d followers, want %d, more than %d", got, want, first.Metrics[pregonero.MetricFollowers])
	}
}

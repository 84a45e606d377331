package fake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/youtube/fake"
)

func TestVideoStatisticsGrowFromTheIDAndTime(t *testing.T) {
	if got := fake.VideoStatistics("abc", 0); got != (fake.Statistics{}) {
		t.Errorf("at 0 = %+v, want nothing", got)
	}
	if got := fake.VideoStatistics("abc", 59*time.Second); got != (fake.Statistics{}) {
		t.Errorf("before a minute = %+v, want nothing", got)
	}
	one := fake.VideoStatistics("abc", time.Minute)
	if one.Views < 1 || one.Views > 10 {
		t.Fatalf("after a minute = %+v, want 1 to 10 views", one)
	}
	day := fake.VideoStatistics("abc", 24*time.Hour)
	if want := (fake.Statistics{Views: 1440 * one.Views, Likes: 1440 * one.Views / 20, Comments: 1440 * one.Views / 100}); day != want {
		t.Errorf("after a day = %+v, want %+v", day, want)
	}
	if day != fake.VideoStatistics("abc", 24*time.Hour) {
		t.Error("the same id and time give different counts")
	}
	rates := map[int64]bool{}
	for i := range 50 {
		rates[fake.VideoStatistics(fmt.Sprint("video", i), time.Minute).Views] = true
	}
	if len(rates) < 3 {
		t.Errorf("50 ids grow at %d rates, want them to differ", len(rates))
	}
}

func TestBatchGetStats(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	a := mustInsert(t, svc, "uno", 700)
	b := mustInsert(t, svc, "dos", 701)
	private := newVideo("privado")
	private.Status.PrivacyStatus = "private"
	p, err := insert(e.staticService(t, "canal_dos"), private, mp4(20<<10, 702), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * time.Hour)
	// Processed 2 s after the upload and public since.
	wantA, wantB := fake.VideoStatistics(a.Id, 3*time.Hour-2*time.Second), fake.VideoStatistics(b.Id, 3*time.Hour-2*time.Second)

	t.Run("the client's call gets the counts as strings, unknown and unseen ids left out", func(t *testing.T) {
		_, unitsBefore := e.f.Quota()
		statsBefore := e.f.StatsQuota()
		e.log.reset()
		res, err := svc.Videos.BatchGetStats().Id(a.Id, "desconocido", b.Id, p.Id).Part("statistics", "snippet").Do()
		if err != nil {
			t.Fatal(err)
		}
		if reqs := e.log.reqs; len(reqs) != 1 || reqs[0] != "GET /youtube/youtube/v3/videos:batchGetStats" {
			t.Errorf("requests = %v, want one GET of videos:batchGetStats under the prefix", reqs)
		}
		if res.Kind != "youtube#batchGetStatsResponse" || len(res.Items) != 2 || res.Items[0].Id != a.Id || res.Items[1].Id != b.Id {
			t.Fatalf("answer = %+v, want the two videos of the channel in the order asked", res)
		}
		got := res.Items[0]
		if got.Kind != "youtube#videoStats" || got.Statistics.ViewCount != wantA.Views || got.Statistics.LikeCount != wantA.Likes ||
			got.Statistics.CommentCount != wantA.Comments || got.Snippet.PublishTime != "2026-11-27T12:00:00Z" {
			t.Errorf("item = %+v %+v %+v, want %+v published at the upload", got, got.Statistics, got.Snippet, wantA)
		}
		if st := res.Items[1].Statistics; st.ViewCount != wantB.Views {
			t.Errorf("second video: %+v, want %+v", st, wantB)
		}
		// Watchable for 2 h 59 min 58 s: 179 whole minutes.
		if wantA.Views < 179 {
			t.Errorf("views after 3 hours = %d, want at least one a whole minute", wantA.Views)
		}
		if _, units := e.f.Quota(); units != unitsBefore {
			t.Errorf("units = %d, want %d: batchGetStats has a bucket of its own", units, unitsBefore)
		}
		if n := e.f.StatsQuota(); n != statsBefore+1 {
			t.Errorf("statistics calls = %d, want %d", n, statsBefore+1)
		}
	})
	t.Run("the wire shape is the reference's", func(t *testing.T) {
		status, _, body := raw(t, "GET", e.base+"/youtube/v3/videos:batchGetStats?alt=json&id="+a.Id+"&part=statistics&prettyPrint=false",
			fake.AccessToken("canal_uno"), nil, nil)
		want := fmt.Sprintf(`"items":[{"kind":"youtube#videoStats","etag":"%s","id":"%s","statistics":{"viewCount":"%d","likeCount":"%d","commentCount":"%d"}}]`,
			etagOf(t, body), a.Id, wantA.Views, wantA.Likes, wantA.Comments)
		if status != 200 || !strings.Contains(body, want) || !strings.HasPrefix(body, `{"kind":"youtube#batchGetStatsResponse"`) {
			t.Errorf("status %d body %s, want %s", status, body, want)
		}
	})
	t.Run("the counts grow with time", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		res, err := svc.Videos.BatchGetStats().Id(a.Id).Part("statistics").Do()
		if err != nil {
			t.Fatal(err)
		}
		if want := fake.VideoStatistics(a.Id, 4*time.Hour-2*time.Second); res.Items[0].Statistics.ViewCount != want.Views || want.Views <= wantA.Views {
			t.Errorf("an hour later: %+v, want %+v", res.Items[0].Statistics, want)
		}
	})
	t.Run("videos.list reports the same counts", func(t *testing.T) {
		res, err := svc.Videos.List([]string{"statistics"}).Id(a.Id).Do()
		want := fake.VideoStatistics(a.Id, 4*time.Hour-2*time.Second)
		if err != nil || res.Items[0].Statistics.ViewCount != uint64(want.Views) {
			t.Errorf("videos.list: %v %+v, want %+v", err, res, want)
		}
	})
	t.Run("more than 50 ids are refused and not charged", func(t *testing.T) {
		before := e.f.StatsQuota()
		ids := make([]string, 51)
		for i := range ids {
			ids[i] = fmt.Sprintf("v%010d", i)
		}
		_, err := svc.Videos.BatchGetStats().Id(ids...).Part("statistics").Do()
		wantReason(t, err, http.StatusBadRequest, "invalidValue")
		if n := e.f.StatsQuota(); n != before {
			t.Errorf("statistics calls = %d, want %d", n, before)
		}
		if _, err := svc.Videos.BatchGetStats().Id(ids[:50]...).Part("statistics").Do(); err != nil {
			t.Errorf("50 ids: %v", err)
		}
	})
	t.Run("part and id are required, parts are a videoStat's", func(t *testing.T) {
		_, err := svc.Videos.BatchGetStats().Id(a.Id).Do()
		wantReason(t, err, http.StatusBadRequest, "required")
		_, err = svc.Videos.BatchGetStats().Part("statistics").Do()
		wantReason(t, err, http.StatusBadRequest, "required")
		_, err = svc.Videos.BatchGetStats().Id(a.Id).Part("status").Do()
		wantReason(t, err, http.StatusBadRequest, "unknownPart")
	})
	t.Run("another method than GET is refused", func(t *testing.T) {
		status, _, _ := raw(t, "POST", e.base+"/youtube/v3/videos:batchGetStats?part=statistics&id="+a.Id, fake.AccessToken("canal_uno"), nil, nil)
		if status != http.StatusMethodNotAllowed {
			t.Errorf("POST: status %d, want 405", status)
		}
	})
}

// etagOf returns the etag of the first item of an answer.
func etagOf(t *testing.T, body string) string {
	t.Helper()
	var b struct {
		Items []struct {
			Etag string `json:"etag"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil || len(b.Items) == 0 {
		t.Fatalf("body %s: %v", body, err)
	}
	return b.Items[0].Etag
}

func TestBatchGetStatsQuota(t *testing.T) {
	e := newEnv(t, fake.Options{StatsPerDay: 3, StatsPerMinute: 2, UnitsPerDay: 1}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	call := func() error {
		_, err := svc.Videos.BatchGetStats().Id("x").Part("statistics").Do()
		return err
	}
	for i := range 2 {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	t.Run("past the minute's calls, 429 rateLimitExceeded, not charged", func(t *testing.T) {
		wantReason(t, call(), http.StatusTooManyRequests, "rateLimitExceeded")
		if n := e.f.StatsQuota(); n != 2 {
			t.Errorf("statistics calls = %d, want 2", n)
		}
	})
	t.Run("past the day's calls, 403 quotaExceeded", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		if err := call(); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		wantReason(t, call(), http.StatusForbidden, "quotaExceeded")
	})
	t.Run("the units bucket does not pay for them and is not spent by them", func(t *testing.T) {
		if _, units := e.f.Quota(); units != 0 {
			t.Errorf("units = %d, want 0", units)
		}
		if _, err := svc.Channels.List([]string{"id"}).Mine(true).Do(); err != nil {
			t.Errorf("channels.list with the one unit: %v", err)
		}
	})
	t.Run("the bucket resets at Pacific midnight", func(t *testing.T) {
		e.clock.Set(time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC))
		if err := call(); err != nil {
			t.Fatal(err)
		}
		if n := e.f.StatsQuota(); n != 1 {
			t.Errorf("statistics calls = %d, want 1", n)
		}
	})
}

func TestChannelStatistics(t *testing.T) {
	e := newEnv(t, fake.Options{HiddenSubscriberCount: []string{"canal_oculto"}}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	a := mustInsert(t, svc, "uno", 710)
	b := mustInsert(t, svc, "dos", 711)
	unlisted := newVideo("oculto")
	unlisted.Status.PrivacyStatus = "unlisted"
	if _, err := insert(svc, unlisted, mp4(20<<10, 712), 1<<20); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * 24 * time.Hour)
	age := 30*24*time.Hour - 2*time.Second
	views := fake.VideoStatistics(a.Id, age).Views + fake.VideoStatistics(b.Id, age).Views

	t.Run("counts as strings: public videos, their views, subscribers grown from them", func(t *testing.T) {
		res, err := svc.Channels.List([]string{"statistics"}).Mine(true).Do()
		if err != nil {
			t.Fatal(err)
		}
		st := res.Items[0].Statistics
		got := e.f.Channel("canal_uno")
		if got.Videos != 2 || got.Views != views || got.Hidden {
			t.Errorf("Channel = %+v, want 2 public videos with %d views", got, views)
		}
		if st.VideoCount != 2 || st.ViewCount != uint64(views) || st.SubscriberCount != uint64(got.Subscribers) || st.HiddenSubscriberCount {
			t.Errorf("statistics = %+v, want %+v", st, got)
		}
		// views/50 is in the thousands after 30 days: abbreviated.
		if got.Subscribers < views/50 || got.Subscribers%10 != 0 {
			t.Errorf("subscribers = %d, want at least %d rounded to three figures", got.Subscribers, views/50)
		}
		status, _, body := raw(t, "GET", e.base+"/youtube/v3/channels?part=statistics&mine=true", fake.AccessToken("canal_uno"), nil, nil)
		want := fmt.Sprintf(`"statistics":{"viewCount":"%d","subscriberCount":"%d","hiddenSubscriberCount":false,"videoCount":"2"}`, views, got.Subscribers)
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("status %d body %s, want %s", status, body, want)
		}
	})
	t.Run("subscribers grow with the views", func(t *testing.T) {
		before := e.f.Channel("canal_uno").Subscribers
		e.clock.Advance(30 * 24 * time.Hour)
		if after := e.f.Channel("canal_uno").Subscribers; after <= before {
			t.Errorf("subscribers = %d after 30 more days, want more than %d", after, before)
		}
	})
	t.Run("a new channel has its base and no videos", func(t *testing.T) {
		res, err := e.staticService(t, "canal_nuevo").Channels.List([]string{"statistics"}).Mine(true).Do()
		if err != nil {
			t.Fatal(err)
		}
		st := res.Items[0].Statistics
		if st.VideoCount != 0 || st.ViewCount != 0 || st.SubscriberCount < 100 || st.SubscriberCount > 999 {
			t.Errorf("statistics = %+v, want no videos and 100 to 999 subscribers", st)
		}
	})
	t.Run("a hidden count is not sent", func(t *testing.T) {
		status, _, body := raw(t, "GET", e.base+"/youtube/v3/channels?part=statistics&mine=true", fake.AccessToken("canal_oculto"), nil, nil)
		if status != 200 || !strings.Contains(body, `"statistics":{"viewCount":"0","hiddenSubscriberCount":true,"videoCount":"0"}`) {
			t.Errorf("status %d body %s, want no subscriberCount", status, body)
		}
	})
	t.Run("other parts carry no statistics", func(t *testing.T) {
		_, _, body := raw(t, "GET", e.base+"/youtube/v3/channels?part=id&mine=true", fake.AccessToken("canal_uno"), nil, nil)
		if strings.Contains(body, "statistics") {
			t.Errorf("body %s, want no statistics", body)
		}
	})
}

package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	yt "google.golang.org/api/youtube/v3"

	"pregonero"
)

// maxStatsIDs is the most ids one videos.batchGetStats call takes (the
// discovery document: "The number of IDs specified cannot exceed 50").
const maxStatsIDs = 50

// maxAnswer bounds the answer of a statistics call kept to be parsed; 50
// videos' statistics take a few kilobytes.
const maxAnswer = 4 << 20

// MetricsBatch is the most deliveries one ReadMetrics call reads.
func (a *Adapter) MetricsBatch() int { return maxStatsIDs }

// ytNormalized maps YouTube's raw statistics to the normalized metrics.
// Every YouTube post is a video, so its views are both views and
// video_views. videos.batchGetStats reports no favoriteCount (deprecated,
// always 0 in videos.list) nor dislikeCount (shown only to the owner);
// any other count it may add is kept raw.
var ytNormalized = pregonero.MetricMapping{
	{Metric: pregonero.MetricViews, Raw: []string{"statistics.viewCount"}},
	{Metric: pregonero.MetricVideoViews, Raw: []string{"statistics.viewCount"}},
	{Metric: pregonero.MetricLikes, Raw: []string{"statistics.likeCount"}},
	{Metric: pregonero.MetricComments, Raw: []string{"statistics.commentCount"}},
}

// ReadMetrics reads the statistics of up to 50 published videos of the
// account in one videos.batchGetStats call, which spends the project's
// statistics bucket (one per call, 10,000 a day) rather than the units
// publishing needs. YouTube leaves out the videos it no longer has (or
// the account may not see), and those are left out of the result; a
// count YouTube does not report (likes the owner hid, comments turned
// off) is absent, never 0.
func (a *Adapter) ReadMetrics(ctx context.Context, req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
	acct, ds := req.Account, req.Deliveries
	empty := pregonero.MetricsResult{Snapshots: map[string]pregonero.Snapshot{}}
	if len(ds) > maxStatsIDs {
		return pregonero.MetricsResult{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_invalid",
			Message: fmt.Sprintf("%d videos were given to read at once; YouTube reads at most %d per call.", len(ds), maxStatsIDs)}
	}
	byRemote := map[string][]string{}
	var ids []string
	for _, d := range ds {
		if d == nil || d.RemoteID == "" {
			continue
		}
		if _, seen := byRemote[d.RemoteID]; !seen {
			ids = append(ids, d.RemoteID)
		}
		byRemote[d.RemoteID] = append(byRemote[d.RemoteID], d.ID)
	}
	if len(ids) == 0 {
		return empty, nil
	}
	s, err := a.open(ctx, acct)
	if err != nil {
		return pregonero.MetricsResult{}, err
	}
	if err := s.token(); err != nil {
		return pregonero.MetricsResult{}, err
	}
	var body []byte
	err = s.callIn(ctx, "read the videos' statistics", bucketStats, 1, func() error {
		var err error
		body, err = s.answer(ctx, func(svc *yt.Service) error {
			_, err := svc.Videos.BatchGetStats().Id(ids...).Part("statistics").Context(ctx).Do()
			return err
		})
		return err
	})
	if err != nil {
		return pregonero.MetricsResult{}, fmt.Errorf("read youtube metrics: %w", err)
	}
	snaps, err := parseVideoStats(body)
	if err != nil {
		return pregonero.MetricsResult{}, malformed("the videos' statistics", err)
	}
	out := make(map[string]pregonero.Snapshot, len(ds))
	for remote, sn := range snaps {
		for _, id := range byRemote[remote] {
			out[id] = sn
		}
	}
	return pregonero.MetricsResult{Snapshots: out}, nil
}

// statsAnswer is the part of a videos.batchGetStats answer that metrics
// use. The statistics are kept as raw JSON so that a count YouTube leaves
// out stays out.
type statsAnswer struct {
	Items []struct {
		ID         string                     `json:"id"`
		Statistics map[string]json.RawMessage `json:"statistics"`
	} `json:"items"`
}

// parseVideoStats turns a videos.batchGetStats answer into snapshots
// keyed by video id.
func parseVideoStats(body []byte) (map[string]pregonero.Snapshot, error) {
	var ans statsAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	out := make(map[string]pregonero.Snapshot, len(ans.Items))
	for _, it := range ans.Items {
		if it.ID == "" {
			return nil, fmt.Errorf("a video without an id")
		}
		raw := map[string]int64{}
		for k, v := range it.Statistics {
			n, err := count(v)
			if err != nil {
				return nil, fmt.Errorf("video %s: statistics.%s: %w", it.ID, k, err)
			}
			raw["statistics."+k] = n
		}
		out[it.ID] = pregonero.Snapshot{Metrics: ytNormalized.Normalize(raw), Raw: raw}
	}
	return out, nil
}

// ReadAccountMetrics reads the channel's subscribers and videos
// (channels.list part=statistics mine=true, one unit of the day's
// quota). A channel that hides its subscriber count has no followers in
// the snapshot: YouTube's number is then not the channel's (it used to
// send "0").
func (a *Adapter) ReadAccountMetrics(ctx context.Context, acct *pregonero.Account) (pregonero.AccountSnapshot, error) {
	s, err := a.open(ctx, acct)
	if err != nil {
		return pregonero.AccountSnapshot{}, err
	}
	if err := s.token(); err != nil {
		return pregonero.AccountSnapshot{}, err
	}
	var body []byte
	err = s.callIn(ctx, "read the channel's statistics", bucketUnits, a.quota.ListCost, func() error {
		var err error
		body, err = s.answer(ctx, func(svc *yt.Service) error {
			_, err := svc.Channels.List([]string{"statistics"}).Mine(true).Context(ctx).Do()
			return err
		})
		return err
	})
	if err != nil {
		return pregonero.AccountSnapshot{}, fmt.Errorf("read youtube channel metrics: %w", err)
	}
	id, snap, err := parseChannelStats(body)
	if err != nil {
		return pregonero.AccountSnapshot{}, malformed("the channel's statistics", err)
	}
	if id == "" {
		return pregonero.AccountSnapshot{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_no_channel",
			Message: fmt.Sprintf("The Google account authorized for %s has no YouTube channel; create the channel, or authorize the account that owns it.", acct.ID)}
	}
	if err := checkChannel(acct, channelInfo{id: id}); err != nil {
		return pregonero.AccountSnapshot{}, err
	}
	return snap, nil
}

// channelStatsAnswer is the part of a channels.list answer with the
// statistics part that account metrics use.
type channelStatsAnswer struct {
	Items []struct {
		ID         string                     `json:"id"`
		Statistics map[string]json.RawMessage `json:"statistics"`
	} `json:"items"`
}

// parseChannelStats reads the first channel of a channels.list answer:
// its id (empty when there is none) and a snapshot of its counts. The
// subscriber count is left out when hiddenSubscriberCount is true.
func parseChannelStats(body []byte) (string, pregonero.AccountSnapshot, error) {
	var ans channelStatsAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		return "", pregonero.AccountSnapshot{}, fmt.Errorf("decode answer: %w", err)
	}
	if len(ans.Items) == 0 {
		return "", pregonero.AccountSnapshot{}, nil
	}
	ch := ans.Items[0]
	hidden := false
	if v, ok := ch.Statistics["hiddenSubscriberCount"]; ok {
		if err := json.Unmarshal(v, &hidden); err != nil {
			return "", pregonero.AccountSnapshot{}, fmt.Errorf("channel %s: statistics.hiddenSubscriberCount: %w", ch.ID, err)
		}
	}
	raw := map[string]int64{}
	for k, v := range ch.Statistics {
		if k == "hiddenSubscriberCount" || (hidden && k == "subscriberCount") {
			continue
		}
		n, err := count(v)
		if err != nil {
			return "", pregonero.AccountSnapshot{}, fmt.Errorf("channel %s: statistics.%s: %w", ch.ID, k, err)
		}
		raw["statistics."+k] = n
	}
	m := map[string]int64{}
	if v, ok := raw["statistics.subscriberCount"]; ok {
		m[pregonero.MetricFollowers] = v
	}
	if v, ok := raw["statistics.videoCount"]; ok {
		m[pregonero.MetricPosts] = v
	}
	return ch.ID, pregonero.AccountSnapshot{Metrics: m, Raw: raw}, nil
}

// count reads a YouTube count: a string of digits on the wire
// ("viewCount": "10"), which a JSON number stands for as well.
func count(v json.RawMessage) (int64, error) {
	s := string(bytes.TrimSpace(v))
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a count: %.40s", v)
	}
	return n, nil
}

// malformed is the error of an answer that could not be read.
func malformed(what string, err error) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_malformed_response",
		Message: fmt.Sprintf("YouTube's answer with %s could not be read; they will be read again.", what),
		Err:     fmt.Errorf("read %s: %w", what, err)}
}

// answer makes a call with a client of its own and returns the body of
// YouTube's successful answer as it came: the generated types decode a
// count YouTube left out as 0, which must stay absent.
func (s *session) answer(ctx context.Context, do func(svc *yt.Service) error) ([]byte, error) {
	c := &keepBody{base: s.transport(nil)}
	svc, err := s.a.service(ctx, s.acct, c)
	if err != nil {
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_client",
			Message: "The YouTube client could not be set up; it will be retried.", Err: err}
	}
	err = do(svc)
	if body, ok := c.get(); ok {
		// A successful answer the library could not decode (a count that
		// is not one) is judged by the caller's parser.
		return body, nil
	}
	if err == nil {
		err = fmt.Errorf("the answer's body was not kept")
	}
	return nil, err
}

// keepBody is a round tripper that keeps the body of the last successful
// answer while passing it on.
type keepBody struct {
	base http.RoundTripper

	mu   sync.Mutex
	body []byte
	ok   bool
}

func (k *keepBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := k.base.RoundTrip(req)
	if err != nil || resp.StatusCode/100 != 2 {
		return resp, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	if len(b) > maxAnswer {
		return nil, fmt.Errorf("an answer of more than %d bytes", maxAnswer)
	}
	k.mu.Lock()
	k.body, k.ok = b, true
	k.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return resp, nil
}

func (k *keepBody) get() ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.body, k.ok
}

var (
	_ pregonero.MetricsReader        = (*Adapter)(nil)
	_ pregonero.AccountMetricsReader = (*Adapter)(nil)
)

package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

// Kinds of media a metric may be refused for (pregonero.MetricRefusal.Kind):
// the media_product_type Instagram reports, except that an album is
// CAROUSEL_ALBUM, its media_type, since albums take other metrics than
// single feed posts.
const (
	KindFeed     = "FEED"
	KindReels    = "REELS"
	KindStory    = "STORY"
	KindCarousel = "CAROUSEL_ALBUM"
)

// MediaInsights are the insights asked for each kind of media: those
// Meta's Instagram Media Insights reference lists for it after the 2025
// deprecations (views replaced impressions, plays and video_views). A
// metric Instagram refuses for a kind is dropped for it (see
// ReadMetrics), never the snapshot.
var MediaInsights = map[string][]string{
	KindFeed:     {"views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "follows", "profile_visits", "profile_activity"},
	KindCarousel: {"views", "reach", "likes", "comments", "saved", "shares", "total_interactions"},
	KindReels:    {"views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"},
	KindStory:    {"views", "reach", "replies", "shares", "total_interactions", "follows", "profile_visits", "navigation"},
}

// mediaFields are read before the insights: the kind of media, and the
// public counters, which are live where insights may be up to 48 hours
// late.
const mediaFields = "media_type,media_product_type,like_count,comments_count"

// igNormalized maps raw names to normalized metrics, first present wins.
var igNormalized = pregonero.MetricMapping{
	{Metric: pregonero.MetricLikes, Raw: []string{"like_count", "insights.likes"}},
	{Metric: pregonero.MetricComments, Raw: []string{"comments_count", "insights.comments"}},
	{Metric: pregonero.MetricShares, Raw: []string{"insights.shares"}},
	{Metric: pregonero.MetricSaves, Raw: []string{"insights.saved"}},
	{Metric: pregonero.MetricViews, Raw: []string{"insights.views"}},
	{Metric: pregonero.MetricReach, Raw: []string{"insights.reach"}},
}

// MetricsBatch is 1: Instagram media insights take one media per call.
func (a *Adapter) MetricsBatch() int { return 1 }

// ReadMetrics reads, for each delivery's media, its type and public
// counters (GET /{media}?fields=media_type,media_product_type,like_count,
// comments_count), then the insights of its kind (GET
// /{media}/insights?metric=…) without the metrics in req.Refused for that
// kind. When Instagram fails the insights call over a metric, the metric
// is dropped for the kind, the rest read again at once, and the refusal
// returned in the result. "(#10) Not enough viewers" and other withheld
// insights leave the insight metrics absent and keep the counters. A
// media Instagram no longer has, and a receipt that names a container
// instead of a media, are left out.
func (a *Adapter) ReadMetrics(ctx context.Context, req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
	out := pregonero.MetricsResult{Snapshots: map[string]pregonero.Snapshot{}}
	if len(req.Deliveries) == 0 {
		return out, nil
	}
	cn, _, err := a.open(ctx, req.Account)
	if err != nil {
		return out, err
	}
	refused := graph.NewRefusals(pregonero.NetworkInstagram, req.Refused)
	for _, d := range req.Deliveries {
		id := strings.TrimSpace(d.RemoteID)
		if !graph.ValidNodeID(id) {
			continue
		}
		s, found, err := cn.readMedia(ctx, id, refused, &out)
		if err != nil {
			return out, fmt.Errorf("read instagram metrics of %s: %w", id, err)
		}
		if found {
			out.Snapshots[d.ID] = s
		}
	}
	return out, nil
}

// readMedia reads one media; found is false when Instagram no longer has
// it.
func (cn *conn) readMedia(ctx context.Context, id string, refused *graph.Refusals, out *pregonero.MetricsResult) (pregonero.Snapshot, bool, error) {
	res, err := cn.get(ctx, "/"+id, fb.Params{"fields": mediaFields})
	if err != nil {
		if graph.Gone(err) {
			return pregonero.Snapshot{}, false, nil
		}
		return pregonero.Snapshot{}, false, err
	}
	var m struct {
		MediaType    string          `json:"media_type"`
		ProductType  string          `json:"media_product_type"`
		LikeCount    json.RawMessage `json:"like_count"`
		CommentCount json.RawMessage `json:"comments_count"`
	}
	raw := map[string]int64{}
	err = graph.Decode(res, &m)
	for name, v := range map[string]json.RawMessage{"like_count": m.LikeCount, "comments_count": m.CommentCount} {
		if err != nil || len(v) == 0 || string(v) == "null" {
			continue
		}
		var n int64
		if n, err = graph.Count(v); err == nil {
			raw[name] = n
		}
	}
	if err != nil {
		return pregonero.Snapshot{}, false, malformed("a media's counters", err)
	}
	kind := mediaKind(m.MediaType, m.ProductType)
	ask := refused.Ask(kind, MediaInsights[kind])
	if len(ask) > 0 {
		ins, err := graph.ReadInsights(ask, "insights", 0, func(ms []string) (fb.Result, error) {
			return cn.get(ctx, "/"+id+"/insights", fb.Params{"metric": strings.Join(ms, ",")})
		})
		refused.Learn(kind, ins.Refused, cn.a.now().UTC(), out)
		switch {
		case err == nil:
		case graph.InsightsWithheld(err):
			cn.a.log.Debug("instagram insights withheld; counters kept", pregonero.LogAccount, cn.acct.ID, pregonero.LogMediaID, id, pregonero.LogErr, err)
		case errors.As(err, new(*pregonero.PublishError)):
			return pregonero.Snapshot{}, false, err
		default:
			return pregonero.Snapshot{}, false, malformed("a media's insights", err)
		}
		for k, v := range ins.Raw {
			raw[k] = v
		}
	}
	return pregonero.Snapshot{Metrics: igNormalized.Normalize(raw), Raw: raw}, true, nil
}

// mediaKind is the kind of a media for its insights: CAROUSEL_ALBUM for
// an album, otherwise its product type (FEED when Instagram gives none,
// as for media older than product types).
func mediaKind(mediaType, product string) string {
	switch {
	case mediaType == "CAROUSEL_ALBUM":
		return KindCarousel
	case product == KindReels || product == KindStory:
		return product
	}
	return KindFeed
}

func malformed(what string, err error) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_malformed_response",
		Message: fmt.Sprintf("Instagram's answer with %s could not be read; it will be read again.", what), Err: err}
}

// ReadAccountMetrics reads the account's followers_count and media_count
// (GET /{ig-user}?fields=followers_count,media_count).
func (a *Adapter) ReadAccountMetrics(ctx context.Context, acct *pregonero.Account) (pregonero.AccountSnapshot, error) {
	cn, err := a.connect(ctx, acct)
	if err != nil {
		return pregonero.AccountSnapshot{}, err
	}
	res, err := cn.get(ctx, "/"+cn.ig, fb.Params{"fields": "followers_count,media_count"})
	if err != nil {
		return pregonero.AccountSnapshot{}, fmt.Errorf("read instagram account %s: %w", cn.ig, err)
	}
	var ans struct {
		Followers json.RawMessage `json:"followers_count"`
		Media     json.RawMessage `json:"media_count"`
	}
	if err := graph.Decode(res, &ans); err != nil {
		return pregonero.AccountSnapshot{}, malformed("the account's counts", err)
	}
	snap := pregonero.AccountSnapshot{Metrics: map[string]int64{}, Raw: map[string]int64{}}
	for _, f := range []struct {
		raw, metric string
		v           json.RawMessage
	}{{"followers_count", pregonero.MetricFollowers, ans.Followers}, {"media_count", pregonero.MetricPosts, ans.Media}} {
		if len(f.v) == 0 || string(f.v) == "null" {
			continue
		}
		n, err := graph.Count(f.v)
		if err != nil {
			return pregonero.AccountSnapshot{}, malformed("the account's counts", fmt.Errorf("%s: %w", f.raw, err))
		}
		snap.Raw[f.raw], snap.Metrics[f.metric] = n, n
	}
	return snap, nil
}

var (
	_ pregonero.MetricsReader        = (*Adapter)(nil)
	_ pregonero.AccountMetricsReader = (*Adapter)(nil)
)

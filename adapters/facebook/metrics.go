package facebook

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

// Kinds of Facebook object a metric may be refused for
// (pregonero.MetricRefusal.Kind).
const (
	// KindPost is a page post, "{page}_{post}": the post a feed, photo
	// or video publication made.
	KindPost = "post"
	// KindVideo is a video named by its own id: what a video delivery
	// holds when Facebook did not tell the video's post.
	KindVideo = "video"
)

// PostInsights are the post insights asked for, those Meta lists for
// page posts after the 2025 deprecations: media views (the replacement
// of post_impressions), unique media viewers (of post_impressions_unique),
// clicks and reactions by type. Meta has announced more deprecations
// without naming them all, so a metric it refuses is dropped (see
// ReadMetrics), never the snapshot.
var PostInsights = []string{"post_media_view", "post_total_media_view_unique", "post_clicks", "post_reactions_by_type_total"}

// VideoInsights are the video insights asked for a video read by its own
// id (GET /{video}/video_insights, Meta's video insights guide).
var VideoInsights = []string{"total_video_views", "total_video_views_unique"}

// Counter fields: reactions and comments with their summary and no
// items, and shares (which Facebook leaves out while there are none).
const (
	postCounters  = "reactions.summary(total_count).limit(0),comments.summary(true).limit(0),shares"
	videoCounters = "reactions.summary(total_count).limit(0),comments.summary(true).limit(0)"
)

// fbNormalized maps raw names to normalized metrics, first present wins.
var fbNormalized = pregonero.MetricMapping{
	{Metric: pregonero.MetricLikes, Raw: []string{"reactions.summary.total_count"}},
	{Metric: pregonero.MetricComments, Raw: []string{"comments.summary.total_count"}},
	{Metric: pregonero.MetricShares, Raw: []string{"shares.count"}},
	{Metric: pregonero.MetricViews, Raw: []string{"insights.post_media_view"}},
	{Metric: pregonero.MetricReach, Raw: []string{"insights.post_total_media_view_unique", "video_insights.total_video_views_unique"}},
	{Metric: pregonero.MetricClicks, Raw: []string{"insights.post_clicks"}},
	{Metric: pregonero.MetricVideoViews, Raw: []string{"video_insights.total_video_views"}},
}

// MetricsBatch is 1: Facebook is read object by object, two calls each
// (counters, insights), so that the collector's budget of calls per
// cycle stays a budget of Graph calls, which the page's rate limit
// counts one by one even inside a batch request.
func (a *Adapter) MetricsBatch() int { return 1 }

// ReadMetrics reads the counters (reactions, comments, shares) and the
// insights of each delivery's post, or of its video when the delivery
// holds a video id. A metric in req.Refused for the object's kind is not
// asked for. When Meta fails the insights call over a metric, that metric
// is dropped for the kind, the rest read again at once, and the refusal
// returned in the result. Insights Meta withholds (a page under 100
// likes, too few viewers) leave the insight metrics absent and the
// counters kept. A post Facebook no longer has is left out.
func (a *Adapter) ReadMetrics(ctx context.Context, req pregonero.MetricsRequest) (pregonero.MetricsResult, error) {
	out := pregonero.MetricsResult{Snapshots: map[string]pregonero.Snapshot{}}
	if len(req.Deliveries) == 0 {
		return out, nil
	}
	c, err := a.connect(ctx, req.Account)
	if err != nil {
		return out, err
	}
	refused := graph.NewRefusals(pregonero.NetworkFacebook, req.Refused)
	for _, d := range req.Deliveries {
		id := strings.TrimSpace(d.RemoteID)
		if !graph.ValidID(id) {
			continue
		}
		kind := KindPost
		if !strings.Contains(id, "_") {
			kind = KindVideo
		}
		s, found, err := c.readObject(id, kind, refused, &out)
		if err != nil {
			return out, fmt.Errorf("read facebook metrics of %s: %w", id, err)
		}
		if found {
			out.Snapshots[d.ID] = s
		}
	}
	return out, nil
}

// readObject reads one post or video; found is false when Facebook no
// longer has it.
func (c *conn) readObject(id, kind string, refused *graph.Refusals, out *pregonero.MetricsResult) (pregonero.Snapshot, bool, error) {
	fields, edge, prefix, metrics := postCounters, "insights", "insights", PostInsights
	if kind == KindVideo {
		fields, edge, prefix, metrics = videoCounters, "video_insights", "video_insights", VideoInsights
	}
	res, err := c.call(graph.OpRead, fb.GET, "/"+id, fb.Params{"fields": fields})
	if err != nil {
		if graph.Gone(err) {
			return pregonero.Snapshot{}, false, nil
		}
		return pregonero.Snapshot{}, false, err
	}
	raw, err := counters(res, kind)
	if err != nil {
		return pregonero.Snapshot{}, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_malformed_response",
			Message: "Facebook's answer with a post's counters could not be read; they will be read again.", HTTPStatus: graph.HTTPStatus(c.s), Err: err}
	}
	ask := refused.Ask(kind, metrics)
	if len(ask) > 0 {
		ins, err := graph.ReadInsights(ask, prefix, 0, func(ms []string) (fb.Result, error) {
			return c.call(graph.OpRead, fb.GET, "/"+id+"/"+edge, fb.Params{"metric": strings.Join(ms, ",")})
		})
		refused.Learn(kind, ins.Refused, c.a.now().UTC(), out)
		if err != nil && !graph.InsightsWithheld(err) {
			if !errors.As(err, new(*pregonero.PublishError)) {
				err = &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_malformed_response",
					Message: "Facebook's answer with a post's insights could not be read; they will be read again.", HTTPStatus: graph.HTTPStatus(c.s), Err: err}
			}
			return pregonero.Snapshot{}, false, err
		}
		if err != nil {
			c.a.log.Debug("facebook insights withheld; counters kept", pregonero.LogAccount, c.acct.ID, pregonero.LogRemoteID, id, pregonero.LogErr, err)
		}
		for k, v := range ins.Raw {
			raw[k] = v
		}
	}
	return pregonero.Snapshot{Metrics: fbNormalized.Normalize(raw), Raw: raw}, true, nil
}

// counters reads the counters of GET /{id}?fields=…: the summaries'
// total_count and shares.count. Facebook leaves shares out while a post
// has none, so for a post an answer without shares reads as 0 shares.
func counters(res fb.Result, kind string) (map[string]int64, error) {
	var ans struct {
		Reactions *struct {
			Summary map[string]json.RawMessage `json:"summary"`
		} `json:"reactions"`
		Comments *struct {
			Summary map[string]json.RawMessage `json:"summary"`
		} `json:"comments"`
		Shares *struct {
			Count json.RawMessage `json:"count"`
		} `json:"shares"`
	}
	if err := graph.Decode(res, &ans); err != nil {
		return nil, err
	}
	raw := map[string]int64{}
	put := func(name string, v json.RawMessage) error {
		if len(v) == 0 || string(v) == "null" {
			return nil
		}
		n, err := graph.Count(v)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		raw[name] = n
		return nil
	}
	if ans.Reactions != nil {
		if err := put("reactions.summary.total_count", ans.Reactions.Summary["total_count"]); err != nil {
			return nil, err
		}
	}
	if ans.Comments != nil {
		if err := put("comments.summary.total_count", ans.Comments.Summary["total_count"]); err != nil {
			return nil, err
		}
	}
	switch {
	case ans.Shares != nil:
		if err := put("shares.count", ans.Shares.Count); err != nil {
			return nil, err
		}
	case kind == KindPost:
		raw["shares.count"] = 0
	}
	return raw, nil
}

// ReadAccountMetrics reads the page's followers_count (the page's
// followers, MetricFollowers) and fan_count (its likes, kept raw only:
// pages of the New Pages Experience have followers and no likes, and
// Meta retired the page_fans insights in favour of page_follows). Graph
// offers no count of a page's posts, so MetricPosts stays absent.
func (a *Adapter) ReadAccountMetrics(ctx context.Context, acct *pregonero.Account) (pregonero.AccountSnapshot, error) {
	c, err := a.connect(ctx, acct)
	if err != nil {
		return pregonero.AccountSnapshot{}, err
	}
	page, err := c.pageID()
	if err != nil {
		return pregonero.AccountSnapshot{}, err
	}
	res, err := c.call(graph.OpRead, fb.GET, "/"+page, fb.Params{"fields": "followers_count,fan_count"})
	if err != nil {
		return pregonero.AccountSnapshot{}, fmt.Errorf("read facebook page %s: %w", page, err)
	}
	var ans struct {
		Followers json.RawMessage `json:"followers_count"`
		Fans      json.RawMessage `json:"fan_count"`
	}
	if err := graph.Decode(res, &ans); err != nil {
		return pregonero.AccountSnapshot{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_malformed_response",
			Message: "Facebook's answer about the page could not be read; it will be read again.", Err: err}
	}
	snap := pregonero.AccountSnapshot{Metrics: map[string]int64{}, Raw: map[string]int64{}}
	for name, v := range map[string]json.RawMessage{"followers_count": ans.Followers, "fan_count": ans.Fans} {
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		n, err := graph.Count(v)
		if err != nil {
			return pregonero.AccountSnapshot{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_malformed_response",
				Message: "Facebook's answer about the page held a count that is not a number; it will be read again.", Err: fmt.Errorf("%s: %w", name, err)}
		}
		snap.Raw[name] = n
	}
	if v, ok := snap.Raw["followers_count"]; ok {
		snap.Metrics[pregonero.MetricFollowers] = v
	}
	return snap, nil
}

var (
	_ pregonero.MetricsReader        = (*Adapter)(nil)
	_ pregonero.AccountMetricsReader = (*Adapter)(nil)
)

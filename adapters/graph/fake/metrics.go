package fake

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Engagement is what the fake reports about one post, video or media at
// an age: it grows with the age at a rate drawn from the object's id, so
// that two snapshots differ and tests can compute the exact numbers.
type Engagement struct {
	// Views is the rate times the whole minutes since creation: a rate
	// of 1 to 10 views a minute, from the first two bytes of the
	// SHA-256 of the id.
	Views int64
	// Reach is 3/5 of the views (unique viewers).
	Reach int64
	// Reactions is Views/20: Like for three quarters, Love for the rest.
	Reactions, Like, Love int64
	// Comments is Views/150, Shares Views/100, Saves Views/250, Clicks
	// Views/50.
	Comments, Shares, Saves, Clicks int64
}

// EngagementOf returns the engagement of the object with id at age.
func EngagementOf(id string, age time.Duration) Engagement {
	minutes := int64(age / time.Minute)
	if minutes <= 0 {
		return Engagement{}
	}
	sum := sha256.Sum256([]byte(id))
	views := minutes * (1 + int64(binary.BigEndian.Uint16(sum[:2])%10))
	e := Engagement{Views: views, Reach: views * 3 / 5, Reactions: views / 20, Comments: views / 150,
		Shares: views / 100, Saves: views / 250, Clicks: views / 50}
	e.Love = e.Reactions / 4
	e.Like = e.Reactions - e.Love
	return e
}

// Followers returns the followers_count the fake answers now for a page
// or an Instagram account.
func (f *Fake) Followers(account string) int64 { return f.followers(account, f.now()) }

// followers is the followers_count of a page or Instagram account: a base
// of 100 to 1,099 drawn from the id, plus one for every 200 views its live
// posts or media have had.
func (f *Fake) followers(account string, now time.Time) int64 {
	sum := sha256.Sum256([]byte(account))
	n := 100 + int64(binary.BigEndian.Uint16(sum[:2])%1000)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.posts {
		if p.page == account {
			n += EngagementOf(p.id, now.Sub(p.created)).Views / 200
		}
	}
	for _, m := range f.igMedia {
		if m.user == account && m.product != "" {
			n += EngagementOf(m.id, now.Sub(m.created)).Views / 200
		}
	}
	return n
}

// deprecatedFB are insight names Meta retired, which it refuses with
// code 100 on every version: Page and post impressions and page fans
// (Pages API changelog; "Deprecated Facebook Page Insights Metrics"), and
// Instagram's impressions, plays, replays and video views (Instagram
// Media Insights reference, which the fake refuses as names it does not
// serve).
var deprecatedFB = []string{"post_impressions", "post_impressions_unique", "post_impressions_paid", "post_impressions_paid_unique",
	"post_impressions_fan", "post_impressions_fan_unique", "post_impressions_organic", "post_impressions_organic_unique",
	"post_impressions_viral", "post_impressions_viral_unique", "post_impressions_nonviral", "post_impressions_nonviral_unique",
	"post_engaged_users", "page_impressions", "page_impressions_unique", "page_impressions_paid", "page_impressions_paid_unique",
	"page_impressions_viral_unique", "page_impressions_nonviral_unique", "page_fans", "page_fans_locale", "page_fans_city",
	"page_fans_country", "page_fan_adds", "page_fan_removes"}

// postMetrics are the post insights the fake serves.
var postMetrics = []string{"post_media_view", "post_total_media_view_unique", "post_clicks", "post_reactions_by_type_total"}

// videoMetrics are the video insights the fake serves.
var videoMetrics = []string{"total_video_views", "total_video_views_unique"}

// igMetrics are the media insights Instagram serves, each with the
// product types it serves it for (Instagram Media Insights reference).
var igMetrics = map[string][]string{
	"views":                          {"FEED", "CAROUSEL_ALBUM", "REELS", "STORY"},
	"reach":                          {"FEED", "CAROUSEL_ALBUM", "REELS", "STORY"},
	"likes":                          {"FEED", "CAROUSEL_ALBUM", "REELS"},
	"comments":                       {"FEED", "CAROUSEL_ALBUM", "REELS"},
	"saved":                          {"FEED", "CAROUSEL_ALBUM", "REELS"},
	"shares":                         {"FEED", "CAROUSEL_ALBUM", "REELS", "STORY"},
	"total_interactions":             {"FEED", "CAROUSEL_ALBUM", "REELS", "STORY"},
	"follows":                        {"FEED", "STORY"},
	"profile_visits":                 {"FEED", "STORY"},
	"profile_activity":               {"FEED", "STORY"},
	"ig_reels_avg_watch_time":        {"REELS"},
	"ig_reels_video_view_total_time": {"REELS"},
	"replies":                        {"STORY"},
	"navigation":                     {"STORY"},
}

// igMetricOrder lists igMetrics in the order of Instagram's refusal
// message.
var igMetricOrder = []string{"views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "follows",
	"profile_visits", "profile_activity", "navigation", "replies", "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"}

// insightMetrics reads and checks the metric parameter: an empty one is
// Graph's 3001/1504028, a name retired or unknown, or one of
// Options.RetiredMetrics, the invalid-metric error that fails the whole
// call.
func (f *Fake) insightMetrics(c *call, served []string) ([]string, *gerr) {
	var ms []string
	for m := range strings.SplitSeq(c.param("metric"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return nil, &gerr{Status: http.StatusBadRequest, Code: 3001, Subcode: 1504028, Type: typeOAuth,
			Message: "Invalid query", UserTitle: "No Metric Specified", UserMsg: "No metric was specified to be fetched. Please specify one or more metrics to be fetched and try again."}
	}
	for _, m := range ms {
		if slices.Contains(f.retired, m) || slices.Contains(deprecatedFB, m) || !slices.Contains(served, m) {
			return nil, invalidParam("The value must be a valid insights metric")
		}
	}
	return ms, nil
}

// insight renders one entry of an insights answer.
func insight(node, edge, name, title string, value any) map[string]any {
	return map[string]any{"name": name, "period": "lifetime", "values": []map[string]any{{"value": value}},
		"title": title, "description": "Lifetime: " + title + ".", "id": fmt.Sprintf("%s/%s/%s/lifetime", node, edge, name)}
}

// getPostInsights serves GET /{post}/insights.
func (f *Fake) getPostInsights(w http.ResponseWriter, c *call) *gerr {
	ms, e := f.insightMetrics(c, postMetrics)
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	p, ok := f.posts[c.node]
	f.mu.Unlock()
	if !ok {
		return unsupported("get", c.node)
	}
	en := EngagementOf(p.id, now.Sub(p.created))
	data := []map[string]any{}
	for _, m := range ms {
		switch m {
		case "post_media_view":
			data = append(data, insight(p.id, "insights", m, "Lifetime Media Views", en.Views))
		case "post_total_media_view_unique":
			data = append(data, insight(p.id, "insights", m, "Lifetime Total Media Viewers", en.Reach))
		case "post_clicks":
			data = append(data, insight(p.id, "insights", m, "Lifetime Post Clicks", en.Clicks))
		case "post_reactions_by_type_total":
			byType := map[string]int64{}
			if en.Like > 0 {
				byType["like"] = en.Like
			}
			if en.Love > 0 {
				byType["love"] = en.Love
			}
			data = append(data, insight(p.id, "insights", m, "Lifetime Total post Reactions by Type.", byType))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
	return nil
}

// getVideoInsights serves GET /{video}/video_insights.
func (f *Fake) getVideoInsights(w http.ResponseWriter, c *call) *gerr {
	ms, e := f.insightMetrics(c, videoMetrics)
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	v, ok := f.videos[c.node]
	f.mu.Unlock()
	if !ok {
		return unsupported("get", c.node)
	}
	en := EngagementOf(v.id, now.Sub(v.created))
	data := []map[string]any{}
	for _, m := range ms {
		switch m {
		case "total_video_views":
			data = append(data, insight(v.id, "video_insights", m, "Lifetime Total Video Views", en.Views))
		case "total_video_views_unique":
			data = append(data, insight(v.id, "video_insights", m, "Lifetime Unique Video Views", en.Reach))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
	return nil
}

// getMediaInsights serves GET /{ig-media}/insights. A name Instagram does
// not serve at all is "(#100) metric[i] must be one of the following
// values: …"; one it serves, but not for the media's product type, "does
// not support the … metric for this media product type". Album children
// have no insights; a story's insights end after 24 hours, and a story
// under 5 views answers "(#10) Not enough viewers".
func (f *Fake) getMediaInsights(w http.ResponseWriter, c *call) *gerr {
	var ms []string
	for m := range strings.SplitSeq(c.param("metric"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return &gerr{Status: http.StatusBadRequest, Code: 100, Type: typeOAuth, Message: "(#100) The parameter metric is required"}
	}
	now := f.now()
	f.mu.Lock()
	m, ok := f.igMedia[c.node]
	f.mu.Unlock()
	if !ok {
		return unsupported("get", c.node)
	}
	kind := m.product
	if m.mediaType == "CAROUSEL_ALBUM" {
		kind = "CAROUSEL_ALBUM"
	}
	for i, name := range ms {
		types, known := igMetrics[name]
		if !known || slices.Contains(f.retired, name) {
			return invalidParam("metric[%d] must be one of the following values: %s", i, strings.Join(igMetricOrder, ", "))
		}
		if !slices.Contains(types, kind) {
			return invalidParam("The Media Insights API does not support the %s metric for this media product type.", name)
		}
	}
	switch {
	case m.product == "":
		return &gerr{Status: http.StatusBadRequest, Code: 10, Type: typeOAuth, Message: "(#10) Application does not have permission for this action"}
	case m.product == "STORY" && now.Sub(m.created) > 24*time.Hour:
		return &gerr{Status: http.StatusBadRequest, Code: 10, Type: typeOAuth, Message: "(#10) Media Insights are not available for stories older than 24 hours"}
	}
	en := EngagementOf(m.id, now.Sub(m.created))
	if m.product == "STORY" && en.Views < 5 {
		return &gerr{Status: http.StatusBadRequest, Code: 10, Type: typeOAuth, Message: "(#10) Not enough viewers for the media to show insights"}
	}
	values := map[string]int64{
		"views": en.Views, "reach": en.Reach, "likes": en.Reactions, "comments": en.Comments, "saved": en.Saves,
		"shares": en.Shares, "total_interactions": en.Reactions + en.Comments + en.Saves + en.Shares,
		"follows": en.Views / 500, "profile_visits": en.Views / 100, "profile_activity": en.Views / 300,
		"ig_reels_avg_watch_time": 4000 + en.Views%5000, "ig_reels_video_view_total_time": en.Views * (4000 + en.Views%5000),
		"replies": en.Comments, "navigation": en.Views / 2,
	}
	data := []map[string]any{}
	for _, name := range ms {
		data = append(data, insight(m.id, "insights", name, strings.ReplaceAll(name, "_", " "), values[name]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
	return nil
}

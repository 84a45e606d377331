package fake

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"slices"
	"strconv"
	"time"

	"pregonero/adapters/fakenet"
)

// maxStatsIDs is the most ids videos.batchGetStats takes (the discovery
// document: "The number of IDs specified cannot exceed 50").
const maxStatsIDs = 50

// statsParts are the videoStat parts a videos.batchGetStats request may
// name (the method's reference: contentDetails, id, snippet, statistics).
var statsParts = map[string]bool{"contentDetails": true, "id": true, "snippet": true, "statistics": true}

// Statistics are the synthetic counts of a video.
type Statistics struct {
	Views, Likes, Comments int64
}

// VideoStatistics returns the counts the fake reports for the video id
// once it has been watchable (processed and public) for the given time:
// views grow by 1 to 10 a minute, a rate drawn from the id, likes are a
// twentieth of the views and comments a hundredth. A video not watchable
// yet (negative or zero time) has none.
func VideoStatistics(id string, watchable time.Duration) Statistics {
	minutes := int64(watchable / time.Minute)
	if minutes <= 0 {
		return Statistics{}
	}
	sum := sha256.Sum256([]byte(id))
	views := minutes * (1 + int64(binary.BigEndian.Uint16(sum[:2])%10))
	return Statistics{Views: views, Likes: views / 20, Comments: views / 100}
}

// statistics returns the counts of a video now: they grow from the time
// it became watchable, when it was processed and, if scheduled, its
// publishAt came. The caller holds f.mu.
func (v *video) statistics(now time.Time) Statistics {
	privacy, _ := v.privacy(now)
	upload, _, _ := v.outcome(now)
	if privacy != "public" || upload != "processed" {
		return Statistics{}
	}
	since := v.processedAt
	if v.meta.publishAt.After(since) {
		since = v.meta.publishAt
	}
	return VideoStatistics(v.id, now.Sub(since))
}

// ChannelStatistics are the counts channels.list reports in a channel's
// statistics part.
type ChannelStatistics struct {
	// Subscribers is what the channel's subscriber count reads: a base of
	// 100 to 999 drawn from the channel id plus one subscriber for every
	// 50 views of its videos, rounded down to three significant figures
	// from 1,000 on, as YouTube abbreviates subscriber counts (the
	// channels.list reference notes the policy change).
	Subscribers int64
	// Hidden is set when the channel hides its subscriber count
	// (Options.HiddenSubscriberCount): the count is then not sent.
	Hidden bool
	// Videos counts the channel's public videos; Views sums their views.
	Videos, Views int64
}

// Channel returns the statistics of a sandbox channel, by name, as
// channels.list reports them now.
func (f *Fake) Channel(name string) ChannelStatistics {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.channelStats(ChannelID(name), name, f.now())
}

// channelStats computes a channel's statistics. The caller holds f.mu.
func (f *Fake) channelStats(id, name string, now time.Time) ChannelStatistics {
	st := ChannelStatistics{Hidden: f.hidden[name]}
	for _, v := range f.byChannel[id] {
		if privacy, _ := v.privacy(now); privacy != "public" || !v.live() {
			continue
		}
		st.Videos++
		st.Views += v.statistics(now).Views
	}
	sum := sha256.Sum256([]byte(id))
	st.Subscribers = threeFigures(100 + int64(binary.BigEndian.Uint16(sum[:2])%900) + st.Views/50)
	return st
}

// threeFigures rounds n down to three significant figures.
func threeFigures(n int64) int64 {
	p := int64(1)
	for n/p >= 1000 {
		p *= 10
	}
	return n / p * p
}

// channelStatsOut is the statistics part of a channel resource: counts
// as strings, subscriberCount left out when hidden.
type channelStatsOut struct {
	ViewCount             string `json:"viewCount"`
	SubscriberCount       string `json:"subscriberCount,omitempty"`
	HiddenSubscriberCount bool   `json:"hiddenSubscriberCount"`
	VideoCount            string `json:"videoCount"`
}

func (st ChannelStatistics) out() *channelStatsOut {
	o := &channelStatsOut{ViewCount: strconv.FormatInt(st.Views, 10), HiddenSubscriberCount: st.Hidden,
		VideoCount: strconv.FormatInt(st.Videos, 10)}
	if !st.Hidden {
		o.SubscriberCount = strconv.FormatInt(st.Subscribers, 10)
	}
	return o
}

// videoStatOut is a videoStat resource (kind youtube#videoStats).
type videoStatOut struct {
	Kind    string `json:"kind"`
	Etag    string `json:"etag"`
	ID      string `json:"id"`
	Snippet *struct {
		PublishTime string `json:"publishTime"`
	} `json:"snippet,omitempty"`
	Statistics *struct {
		ViewCount    string `json:"viewCount"`
		LikeCount    string `json:"likeCount"`
		CommentCount string `json:"commentCount"`
	} `json:"statistics,omitempty"`
}

// batchGetStatsResponse is the answer of videos.batchGetStats.
type batchGetStatsResponse struct {
	Kind  string         `json:"kind"`
	Etag  string         `json:"etag"`
	Items []videoStatOut `json:"items"`
}

// batchGetStats serves GET /youtube/v3/videos:batchGetStats?id=…&part=…:
// the statistics of up to 50 videos the caller may see, leaving out the
// others ("not atomic": an unknown id does not fail the call). It spends
// the project's statistics bucket, one per call.
func (f *Fake) batchGetStats(w http.ResponseWriter, c *call) *apiError {
	parts := c.list("part")
	if len(parts) == 0 {
		return required("part")
	}
	for _, p := range parts {
		if !statsParts[p] {
			return badRequest("unknownPart", "'%s'", p)
		}
	}
	ids := c.list("id")
	if len(ids) == 0 {
		return required("id")
	}
	if len(ids) > maxStatsIDs {
		return badRequest("invalidValue", "The id parameter names %d videos; at most %d are allowed.", len(ids), maxStatsIDs)
	}
	if e := f.chargeStats(); e != nil {
		return e
	}
	now := f.now()
	resp := batchGetStatsResponse{Kind: "youtube#batchGetStatsResponse", Etag: etag(ids...), Items: []videoStatOut{}}
	f.locked(func() {
		for _, id := range ids {
			v, ok := f.videos[id]
			if !ok || !visible(v, c.chanID, now) {
				continue
			}
			st := v.statistics(now)
			out := videoStatOut{Kind: "youtube#videoStats", ID: v.id,
				Etag: etag(v.id, "stats", strconv.FormatInt(st.Views, 10))}
			if slices.Contains(parts, "snippet") {
				out.Snippet = &struct {
					PublishTime string `json:"publishTime"`
				}{v.uploadedAt.UTC().Format(time.RFC3339)}
			}
			if slices.Contains(parts, "statistics") {
				out.Statistics = &struct {
					ViewCount    string `json:"viewCount"`
					LikeCount    string `json:"likeCount"`
					CommentCount string `json:"commentCount"`
				}{strconv.FormatInt(st.Views, 10), strconv.FormatInt(st.Likes, 10), strconv.FormatInt(st.Comments, 10)}
			}
			resp.Items = append(resp.Items, out)
		}
	})
	fakenet.WriteJSON(w, http.StatusOK, resp)
	return nil
}

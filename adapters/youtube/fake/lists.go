package fake

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"pregonero/adapters/fakenet"
)

// channelOut is the channel resource with the parts the fake knows.
type channelOut struct {
	Kind           string `json:"kind"`
	Etag           string `json:"etag"`
	ID             string `json:"id"`
	Snippet        any    `json:"snippet,omitempty"`
	ContentDetails any    `json:"contentDetails,omitempty"`
	Statistics     any    `json:"statistics,omitempty"`
}

// listChannels serves GET /youtube/v3/channels?part=…&mine=true (or
// id=UC…).
func (f *Fake) listChannels(w http.ResponseWriter, c *call) *apiError {
	parts := c.list("part")
	if len(parts) == 0 {
		return required("part")
	}
	var ids []string
	switch {
	case c.param("mine") == "true":
		ids = []string{c.chanID}
	case len(c.list("id")) > 0:
		ids = c.list("id")
	default:
		return badRequest("missingRequiredParameter", "No filter selected. Expected one of: mine, id.")
	}
	if e := f.chargeUnits(costList); e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	items := []channelOut{}
	for _, id := range ids {
		name, ok := f.channels[id]
		if !ok {
			continue
		}
		ch := channelOut{Kind: "youtube#channel", Etag: etag(id), ID: id}
		if slices.Contains(parts, "snippet") {
			ch.Snippet = struct {
				Title       string        `json:"title"`
				Description string        `json:"description"`
				CustomURL   string        `json:"customUrl"`
				Thumbnails  thumbnailsOut `json:"thumbnails"`
			}{name, "", "@" + strings.ToLower(name), f.avatarURLs(c.r, id)}
		}
		if slices.Contains(parts, "contentDetails") {
			type related struct {
				Likes   string `json:"likes"`
				Uploads string `json:"uploads"`
			}
			ch.ContentDetails = struct {
				RelatedPlaylists related `json:"relatedPlaylists"`
			}{related{Likes: "LL", Uploads: "UU" + id[2:]}}
		}
		if slices.Contains(parts, "statistics") {
			ch.Statistics = f.channelStats(id, name, now).out()
		}
		items = append(items, ch)
	}
	fakenet.WriteJSON(w, http.StatusOK, listResponse{Kind: "youtube#channelListResponse", Etag: etag(ids...), Items: items,
		PageInfo: pageInfo{TotalResults: len(items), ResultsPerPage: 5}})
	return nil
}

// playlistItemOut is an item of an uploads playlist.
type playlistItemOut struct {
	Kind    string `json:"kind"`
	Etag    string `json:"etag"`
	ID      string `json:"id"`
	Snippet *struct {
		PublishedAt            string        `json:"publishedAt"`
		ChannelID              string        `json:"channelId"`
		Title                  string        `json:"title"`
		Description            string        `json:"description"`
		Thumbnails             thumbnailsOut `json:"thumbnails"`
		ChannelTitle           string        `json:"channelTitle"`
		PlaylistID             string        `json:"playlistId"`
		Position               int           `json:"position"`
		ResourceID             resourceID    `json:"resourceId"`
		VideoOwnerChannelTitle string        `json:"videoOwnerChannelTitle"`
		VideoOwnerChannelID    string        `json:"videoOwnerChannelId"`
	} `json:"snippet,omitempty"`
	ContentDetails *struct {
		VideoID          string `json:"videoId"`
		VideoPublishedAt string `json:"videoPublishedAt"`
	} `json:"contentDetails,omitempty"`
	Status *struct {
		PrivacyStatus string `json:"privacyStatus"`
	} `json:"status,omitempty"`
}

type resourceID struct {
	Kind    string `json:"kind"`
	VideoID string `json:"videoId"`
}

// Page tokens name the sequence number of the last item of the previous
// page, so that pages stay stable while videos are added.
const pageTokenPrefix = "after:"

func pageToken(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + strconv.FormatUint(seq, 10)))
}

func parsePageToken(tok string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(b), pageTokenPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// listPlaylistItems serves GET /youtube/v3/playlistItems for uploads
// playlists: the channel's videos newest first, maxResults (0–50, 5 by
// default) a page, with nextPageToken. A video appears Options.PlaylistLag
// after its upload.
func (f *Fake) listPlaylistItems(w http.ResponseWriter, c *call) *apiError {
	parts := c.list("part")
	if len(parts) == 0 {
		return required("part")
	}
	playlist := c.param("playlistId")
	if playlist == "" {
		return badRequest("missingRequiredParameter", "No filter selected. Expected one of: playlistId, id.")
	}
	limit := 5
	if s := c.param("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 50 {
			return badRequest("invalidParameter", "Invalid value '%s'. Values must be within the range: [0, 50]", s)
		}
		limit = n
	}
	var after uint64
	if tok := c.param("pageToken"); tok != "" {
		n, ok := parsePageToken(tok)
		if !ok {
			return badRequest("invalidPageToken", "The request specifies an invalid page token.")
		}
		after = n
	}
	if e := f.chargeUnits(costList); e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	chanID := "UC" + strings.TrimPrefix(playlist, "UU")
	name, known := f.channels[chanID]
	if !strings.HasPrefix(playlist, "UU") || !known {
		return &apiError{Status: http.StatusNotFound, Reason: "playlistNotFound", Domain: "youtube.playlistItem",
			Message: "The playlist identified with the request's playlistId parameter cannot be found."}
	}
	var all []*video
	for _, v := range slices.Backward(f.byChannel[chanID]) {
		if visible(v, c.chanID, now) && !now.Before(v.uploadedAt.Add(f.playlistLag)) {
			all = append(all, v)
		}
	}
	start := 0
	if after != 0 {
		start = len(all)
		for i, v := range all {
			if v.seq < after {
				start = i
				break
			}
		}
	}
	end := min(start+limit, len(all))
	items := []playlistItemOut{}
	for i, v := range all[start:end] {
		items = append(items, f.renderItem(v, playlist, name, start+i, parts, now))
	}
	resp := listResponse{Kind: "youtube#playlistItemListResponse", Etag: etag(playlist, strconv.Itoa(start), strconv.Itoa(len(all))),
		Items: items, PageInfo: pageInfo{TotalResults: len(all), ResultsPerPage: limit}}
	if end < len(all) && end > start {
		resp.NextPageToken = pageToken(all[end-1].seq)
	}
	fakenet.WriteJSON(w, http.StatusOK, resp)
	return nil
}

// renderItem is a video as an uploads playlist item. The caller holds
// f.mu.
func (f *Fake) renderItem(v *video, playlist, channelTitle string, pos int, parts []string, now time.Time) playlistItemOut {
	published := v.uploadedAt.UTC().Format(time.RFC3339)
	it := playlistItemOut{Kind: "youtube#playlistItem", Etag: etag(playlist, v.id, strconv.Itoa(pos)),
		ID: base64.RawURLEncoding.EncodeToString([]byte(playlist + "." + v.id))}
	if slices.Contains(parts, "snippet") {
		it.Snippet = &struct {
			PublishedAt            string        `json:"publishedAt"`
			ChannelID              string        `json:"channelId"`
			Title                  string        `json:"title"`
			Description            string        `json:"description"`
			Thumbnails             thumbnailsOut `json:"thumbnails"`
			ChannelTitle           string        `json:"channelTitle"`
			PlaylistID             string        `json:"playlistId"`
			Position               int           `json:"position"`
			ResourceID             resourceID    `json:"resourceId"`
			VideoOwnerChannelTitle string        `json:"videoOwnerChannelTitle"`
			VideoOwnerChannelID    string        `json:"videoOwnerChannelId"`
		}{published, v.chanID, v.meta.title, v.meta.description, thumbnails(v), channelTitle, playlist, pos,
			resourceID{"youtube#video", v.id}, channelTitle, v.chanID}
	}
	if slices.Contains(parts, "contentDetails") {
		it.ContentDetails = &struct {
			VideoID          string `json:"videoId"`
			VideoPublishedAt string `json:"videoPublishedAt"`
		}{v.id, published}
	}
	if slices.Contains(parts, "status") {
		privacy, _ := v.privacy(now)
		it.Status = &struct {
			PrivacyStatus string `json:"privacyStatus"`
		}{privacy}
	}
	return it
}

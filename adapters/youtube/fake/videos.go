package fake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Limits YouTube sets on video metadata.
const (
	maxTitleChars      = 100
	maxDescriptionSize = 5000 // bytes
	maxTagsChars       = 500
	maxMetadataBody    = 1 << 20
)

// categories are the assignable video category ids (videoCategories.list
// with assignable=true).
var categories = map[string]bool{
	"1": true, "2": true, "10": true, "15": true, "17": true, "19": true, "20": true, "22": true,
	"23": true, "24": true, "25": true, "26": true, "27": true, "28": true, "29": true,
}

// defaultCategory is what YouTube files a video under when the request
// names no category: People & Blogs.
const defaultCategory = "22"

// knownParts are the video resource parts a request may name; the fake
// renders id, snippet, status, statistics and processingDetails and
// leaves the others out.
var knownParts = map[string]bool{
	"id": true, "snippet": true, "status": true, "statistics": true, "processingDetails": true,
	"contentDetails": true, "fileDetails": true, "liveStreamingDetails": true, "localizations": true,
	"player": true, "recordingDetails": true, "suggestions": true, "topicDetails": true, "paidProductPlacementDetails": true,
}

// meta is the validated metadata of a video insert.
type meta struct {
	title, description string
	tags               []string
	category           string
	language           string
	audioLanguage      string
	privacy            string
	publishAt          time.Time
	madeForKids        *bool
}

// videoIn is the part of a Video resource an insert may set.
type videoIn struct {
	Snippet *struct {
		Title                string   `json:"title"`
		Description          string   `json:"description"`
		Tags                 []string `json:"tags"`
		CategoryID           string   `json:"categoryId"`
		DefaultLanguage      string   `json:"defaultLanguage"`
		DefaultAudioLanguage string   `json:"defaultAudioLanguage"`
	} `json:"snippet"`
	Status *struct {
		PrivacyStatus           string `json:"privacyStatus"`
		PublishAt               string `json:"publishAt"`
		SelfDeclaredMadeForKids *bool  `json:"selfDeclaredMadeForKids"`
	} `json:"status"`
}

// parseMeta reads and validates the metadata of an insert. Properties of
// parts the request does not name are ignored, as YouTube ignores them.
func parseMeta(body []byte, parts []string, now time.Time) (meta, *apiError) {
	var in videoIn
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return meta{}, badRequest("parseError", "Invalid JSON payload received. %s", err.Error())
		}
	}
	m := meta{category: defaultCategory, privacy: "public"}
	if in.Snippet != nil && slices.Contains(parts, "snippet") {
		s := in.Snippet
		m.title, m.description, m.tags = s.Title, s.Description, s.Tags
		m.language, m.audioLanguage = s.DefaultLanguage, s.DefaultAudioLanguage
		if s.CategoryID != "" {
			m.category = s.CategoryID
		}
	}
	publishAt := ""
	if in.Status != nil && slices.Contains(parts, "status") {
		if in.Status.PrivacyStatus != "" {
			m.privacy = in.Status.PrivacyStatus
		}
		publishAt = in.Status.PublishAt
		m.madeForKids = in.Status.SelfDeclaredMadeForKids
	}
	switch {
	case strings.TrimSpace(m.title) == "" || utf8.RuneCountInString(m.title) > maxTitleChars || strings.ContainsAny(m.title, "<>"):
		return m, invalidMetadata("invalidTitle", "The request metadata specifies an invalid or empty video title.")
	case len(m.description) > maxDescriptionSize || strings.ContainsAny(m.description, "<>"):
		return m, invalidMetadata("invalidDescription", "The request metadata specifies an invalid video description.")
	case tagsLength(m.tags) > maxTagsChars:
		return m, invalidMetadata("invalidTags", "The request metadata specifies invalid video keywords.")
	case !categories[m.category]:
		return m, invalidMetadata("invalidCategoryId", "The snippet.categoryId property specifies an invalid category ID.")
	case m.privacy != "public" && m.privacy != "private" && m.privacy != "unlisted":
		return m, invalidMetadata("invalidVideoMetadata", "The request metadata is invalid: status.privacyStatus must be public, private or unlisted.")
	}
	if publishAt != "" {
		t, err := time.Parse(time.RFC3339, publishAt)
		if err != nil || m.privacy != "private" || !t.After(now) {
			return m, invalidMetadata("invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time.")
		}
		m.publishAt = t.UTC()
	}
	return m, nil
}

// tagsLength is the length YouTube holds against the 500-character limit
// of snippet.tags: the characters of every tag, two quotes for a tag that
// contains a space, and a comma between tags.
func tagsLength(tags []string) int {
	n := 0
	for i, t := range tags {
		n += utf8.RuneCountInString(t)
		if strings.Contains(t, " ") {
			n += 2
		}
		if i > 0 {
			n++
		}
	}
	return n
}

// video is an uploaded video.
type video struct {
	id, chanID  string
	seq         uint64
	meta        meta
	uploadedAt  time.Time
	processedAt time.Time
	failure     string // failureReason when the upload failed
	rejection   string // rejectionReason when YouTube rejected it
	mime        string
	size        int64
	sum         [32]byte
	thumb       *thumb
}

// thumb is a custom thumbnail set on a video.
type thumb struct {
	mime string
	size int64
	at   time.Time
}

// live reports whether the video is not bound to fail or be rejected.
// The fake decides when the last byte arrives; the API tells only once
// the video is processed (outcome).
func (v *video) live() bool { return v.failure == "" && v.rejection == "" }

// outcome is the uploadStatus the API shows now, with the failureReason
// or rejectionReason that goes with it: "uploaded" while the video is
// processed, as YouTube decides a failure or a rejection (a duplicate, a
// file it cannot read) only during processing; then processed, failed or
// rejected.
func (v *video) outcome(now time.Time) (status, failure, rejection string) {
	switch {
	case now.Before(v.processedAt):
		return "uploaded", "", ""
	case v.failure != "":
		return "failed", v.failure, ""
	case v.rejection != "":
		return "rejected", "", v.rejection
	}
	return "processed", "", ""
}

// privacy is the privacy status now and the pending publishAt: a
// scheduled video turns public at its publishAt.
func (v *video) privacy(now time.Time) (string, time.Time) {
	if !v.meta.publishAt.IsZero() {
		if v.live() && !now.Before(v.meta.publishAt) {
			return "public", time.Time{}
		}
		return "private", v.meta.publishAt
	}
	return v.meta.privacy, time.Time{}
}

// newID returns a fresh 11-character video id. The caller holds f.mu.
func (f *Fake) newID() string {
	for {
		var b [9]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		id := base64.RawURLEncoding.EncodeToString(b[:])[:11]
		if _, taken := f.videos[id]; !taken {
			return id
		}
	}
}

// finishVideo turns a completed upload into a video, "uploaded" until
// processed and then failed when the bytes are not an MP4 or QuickTime
// file, rejected as a duplicate when the channel already has the same
// bytes, otherwise processed. Only a video bound to be processed enters
// the ledger. The caller holds f.mu.
func (f *Fake) finishVideo(chanID string, m meta, up *upload, now time.Time) *video {
	f.seq++
	v := &video{id: f.newID(), chanID: chanID, seq: f.seq, meta: m, uploadedAt: now,
		processedAt: now.Add(f.processing), size: up.size, sum: up.sum()}
	mime, ok := sniffVideo(up.head, up.size)
	switch {
	case up.size == 0:
		v.failure = "emptyFile"
	case !ok:
		v.failure = "invalidFile"
	default:
		v.mime = mime
		for _, o := range f.byChannel[chanID] {
			if o.live() && o.sum == v.sum {
				v.rejection = "duplicate"
				break
			}
		}
	}
	f.videos[v.id] = v
	f.byChannel[chanID] = append(f.byChannel[chanID], v)
	if v.live() {
		err := f.ledger.Add(fakenet.Post{Network: Network, Account: chanID, RemoteID: v.id, Text: m.title,
			Media: []fakenet.PostMedia{{ID: v.id, Type: v.mime, Size: v.size}}, CreatedAt: now, Extra: videoExtra(v)})
		if err != nil {
			f.log.Error("ledger refused a video", pregonero.LogVideoID, v.id, pregonero.LogErr, err)
		}
	}
	f.log.Info("video uploaded", pregonero.LogVideoID, v.id, pregonero.LogChannel, chanID, pregonero.LogSize, v.size,
		pregonero.LogFailure, v.failure, pregonero.LogRejection, v.rejection)
	return v
}

// renderInserted is the answer of the insert that created the video:
// YouTube answers before processing, so the video is "uploaded" whatever
// processing will make of it. The caller holds f.mu.
func (f *Fake) renderInserted(v *video, parts []string, now time.Time) videoOut {
	out := f.render(v, parts, true, now)
	if out.Status != nil {
		out.Status.UploadStatus, out.Status.FailureReason, out.Status.RejectionReason = "uploaded", "", ""
	}
	if out.ProcessingDetails != nil && out.ProcessingDetails.ProcessingStatus != "processing" {
		out.ProcessingDetails = &processingOut{ProcessingStatus: "processing"}
	}
	return out
}

// insert serves POST /upload/youtube/v3/videos without upload_id: the
// initiation of a resumable upload, or a whole multipart upload.
func (f *Fake) insert(w http.ResponseWriter, c *call) *apiError {
	parts := c.list("part")
	if len(parts) == 0 {
		return required("part")
	}
	for _, p := range parts {
		if !knownParts[p] {
			return badRequest("unknownPart", "'%s'", p)
		}
	}
	ut := c.param("uploadType")
	if ut != "resumable" && ut != "multipart" && ut != "media" {
		return badRequest("invalidUploadType", "Invalid upload type %q: use resumable, multipart or media.", ut)
	}
	if e := f.chargeUpload(); e != nil {
		return e
	}
	now := f.now()
	switch ut {
	case "resumable":
		body, err := io.ReadAll(io.LimitReader(c.r.Body, maxMetadataBody+1))
		if err != nil || len(body) > maxMetadataBody {
			return badRequest("badRequest", "The request metadata could not be read.")
		}
		m, e := parseMeta(body, parts, now)
		if e != nil {
			return e
		}
		if n, err := strconv.ParseInt(c.r.Header.Get("X-Upload-Content-Length"), 10, 64); err == nil && n > f.maxVideo {
			return tooLarge(f.maxVideo)
		}
		var s *session
		if f.locked(func() {
			if e = f.takeChannelUpload(c.chanID, now); e == nil {
				s = f.newSession(kindVideo, c, parts, headSize, now)
				s.meta, s.limit, s.overLimit = m, f.maxVideo, tooLarge(f.maxVideo)
			}
		}); e != nil {
			return e
		}
		f.startSession(w, c, s)
		return nil
	case "multipart":
		metaBody, media, e := readRelated(c.r)
		if e != nil {
			return e
		}
		m, e := parseMeta(metaBody, parts, now)
		if e != nil {
			return e
		}
		if media == nil {
			return mediaRequired("video")
		}
		up, e := readUpload(media, f.maxVideo, headSize)
		if e != nil {
			return e
		}
		return f.completeSingle(w, c, parts, m, up, now)
	default: // media: the bytes alone, without metadata
		m, e := parseMeta(nil, parts, now)
		if e != nil {
			return e
		}
		up, e := readUpload(c.r.Body, f.maxVideo, headSize)
		if e != nil {
			return e
		}
		return f.completeSingle(w, c, parts, m, up, now)
	}
}

// completeSingle finishes an upload sent in one request.
func (f *Fake) completeSingle(w http.ResponseWriter, c *call, parts []string, m meta, up *upload, now time.Time) *apiError {
	if up.size == 0 {
		return mediaRequired("video")
	}
	var (
		out videoOut
		e   *apiError
	)
	if f.locked(func() {
		if e = f.takeChannelUpload(c.chanID, now); e == nil {
			out = f.renderInserted(f.finishVideo(c.chanID, m, up, now), parts, now)
		}
	}); e != nil {
		return e
	}
	fakenet.WriteJSON(w, http.StatusOK, out)
	return nil
}

func mediaRequired(what string) *apiError {
	return badRequest("mediaBodyRequired", "The request does not include the %s content.", what)
}

// tooLarge refuses media over the fake's limit. YouTube's exact answer
// for a file over 256 GB is not documented; 413 is what Google's upload
// servers send for an oversized body.
func tooLarge(limit int64) *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Reason: "uploadTooLarge", Domain: "global",
		Message: fmt.Sprintf("The media is larger than the limit of %d bytes.", limit)}
}

// Output shapes of the video resource. Counters are strings on the wire,
// as Google encodes 64-bit integers.

type videoOut struct {
	Kind              string         `json:"kind"`
	Etag              string         `json:"etag"`
	ID                string         `json:"id"`
	Snippet           *snippetOut    `json:"snippet,omitempty"`
	Status            *statusOut     `json:"status,omitempty"`
	Statistics        *statisticsOut `json:"statistics,omitempty"`
	ProcessingDetails *processingOut `json:"processingDetails,omitempty"`
}

type snippetOut struct {
	PublishedAt          string        `json:"publishedAt"`
	ChannelID            string        `json:"channelId"`
	Title                string        `json:"title"`
	Description          string        `json:"description"`
	Thumbnails           thumbnailsOut `json:"thumbnails"`
	ChannelTitle         string        `json:"channelTitle"`
	Tags                 []string      `json:"tags,omitempty"`
	CategoryID           string        `json:"categoryId"`
	LiveBroadcastContent string        `json:"liveBroadcastContent"`
	DefaultLanguage      string        `json:"defaultLanguage,omitempty"`
	DefaultAudioLanguage string        `json:"defaultAudioLanguage,omitempty"`
	Localized            struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"localized"`
}

type thumbnailOut struct {
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

type thumbnailsOut struct {
	Default thumbnailOut `json:"default"`
	Medium  thumbnailOut `json:"medium"`
	High    thumbnailOut `json:"high"`
}

type statusOut struct {
	UploadStatus            string `json:"uploadStatus"`
	FailureReason           string `json:"failureReason,omitempty"`
	RejectionReason         string `json:"rejectionReason,omitempty"`
	PrivacyStatus           string `json:"privacyStatus"`
	PublishAt               string `json:"publishAt,omitempty"`
	License                 string `json:"license"`
	Embeddable              bool   `json:"embeddable"`
	PublicStatsViewable     bool   `json:"publicStatsViewable"`
	MadeForKids             bool   `json:"madeForKids"`
	SelfDeclaredMadeForKids *bool  `json:"selfDeclaredMadeForKids,omitempty"`
}

type statisticsOut struct {
	ViewCount     string `json:"viewCount"`
	LikeCount     string `json:"likeCount"`
	FavoriteCount string `json:"favoriteCount"`
	CommentCount  string `json:"commentCount"`
}

type processingOut struct {
	ProcessingStatus        string       `json:"processingStatus"`
	ProcessingProgress      *progressOut `json:"processingProgress,omitempty"`
	ProcessingFailureReason string       `json:"processingFailureReason,omitempty"`
}

type progressOut struct {
	PartsTotal     string `json:"partsTotal"`
	PartsProcessed string `json:"partsProcessed"`
	TimeLeftMs     string `json:"timeLeftMs"`
}

// thumbnails returns the URLs of a video's thumbnails; a custom one
// changes them, as it does on YouTube.
func thumbnails(v *video) thumbnailsOut {
	suffix := ""
	if v.thumb != nil {
		suffix = "?custom=" + strconv.FormatInt(v.thumb.at.Unix(), 10)
	}
	u := func(name string, w, h int) thumbnailOut {
		return thumbnailOut{URL: "https://i.ytimg.com/vi/" + v.id + "/" + name + ".jpg" + suffix, Width: w, Height: h}
	}
	return thumbnailsOut{Default: u("default", 120, 90), Medium: u("mqdefault", 320, 180), High: u("hqdefault", 480, 360)}
}

// etag is an opaque tag that changes with what it is computed from.
func etag(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:27]
}

// render is the video resource with the requested parts, as its owner or
// another channel sees it. The caller holds f.mu.
func (f *Fake) render(v *video, parts []string, owner bool, now time.Time) videoOut {
	privacy, publishAt := v.privacy(now)
	upload, failure, rejection := v.outcome(now)
	out := videoOut{Kind: "youtube#video", ID: v.id,
		Etag: etag(v.id, upload, privacy, strconv.FormatInt(int64(now.Sub(v.uploadedAt)/time.Minute), 10))}
	has := func(p string) bool { return slices.Contains(parts, p) }
	if has("snippet") {
		s := &snippetOut{
			PublishedAt: v.uploadedAt.UTC().Format(time.RFC3339), ChannelID: v.chanID,
			Title: v.meta.title, Description: v.meta.description, Thumbnails: thumbnails(v),
			ChannelTitle: f.channels[v.chanID], CategoryID: v.meta.category, LiveBroadcastContent: "none",
			DefaultLanguage: v.meta.language, DefaultAudioLanguage: v.meta.audioLanguage,
		}
		if owner {
			s.Tags = v.meta.tags
		}
		s.Localized.Title, s.Localized.Description = v.meta.title, v.meta.description
		out.Snippet = s
	}
	if has("status") {
		st := &statusOut{UploadStatus: upload, FailureReason: failure, RejectionReason: rejection,
			PrivacyStatus: privacy, License: "youtube", Embeddable: true, PublicStatsViewable: true}
		if !publishAt.IsZero() {
			st.PublishAt = publishAt.Format(time.RFC3339)
		}
		if v.meta.madeForKids != nil {
			st.MadeForKids = *v.meta.madeForKids
			if owner {
				kids := *v.meta.madeForKids
				st.SelfDeclaredMadeForKids = &kids
			}
		}
		out.Status = st
	}
	if has("statistics") {
		st := v.statistics(now)
		out.Statistics = &statisticsOut{ViewCount: strconv.FormatInt(st.Views, 10), LikeCount: strconv.FormatInt(st.Likes, 10),
			FavoriteCount: "0", CommentCount: strconv.FormatInt(st.Comments, 10)}
	}
	if has("processingDetails") && owner {
		p := &processingOut{}
		switch upload {
		case "failed":
			p.ProcessingStatus, p.ProcessingFailureReason = "failed", "other"
		case "rejected":
			p.ProcessingStatus = "terminated"
		case "uploaded":
			p.ProcessingStatus = "processing"
			total := max(f.processing.Milliseconds(), 1)
			left := v.processedAt.Sub(now).Milliseconds()
			p.ProcessingProgress = &progressOut{PartsTotal: "1000",
				PartsProcessed: strconv.FormatInt(1000*(total-left)/total, 10), TimeLeftMs: strconv.FormatInt(left, 10)}
		default:
			p.ProcessingStatus = "succeeded"
		}
		out.ProcessingDetails = p
	}
	return out
}

// visible reports whether a caller sees a video in lists: the owner sees
// all of its videos, others only public and unlisted ones that did not
// fail.
func visible(v *video, chanID string, now time.Time) bool {
	if v.chanID == chanID {
		return true
	}
	privacy, _ := v.privacy(now)
	return v.live() && privacy != "private"
}

// listVideos serves GET /youtube/v3/videos?id=…&part=….
func (f *Fake) listVideos(w http.ResponseWriter, c *call) *apiError {
	parts := c.list("part")
	if len(parts) == 0 {
		return required("part")
	}
	for _, p := range parts {
		if !knownParts[p] {
			return badRequest("unknownPart", "'%s'", p)
		}
	}
	ids := c.list("id")
	if len(ids) == 0 {
		return badRequest("missingRequiredParameter", "No filter selected. Expected one of: id.")
	}
	if len(ids) > 50 {
		return badRequest("invalidValue", "The id parameter names %d videos; at most 50 are allowed.", len(ids))
	}
	if _, set := c.q["maxResults"]; set {
		// YouTube documents maxResults as not supported with id; the
		// exact answer is unverified.
		return &apiError{Status: http.StatusBadRequest, Reason: "incompatibleParameters", Domain: "youtube.parameter",
			Message: "The maxResults parameter cannot be used with the id parameter.", Location: "maxResults", LocationType: "parameter"}
	}
	if e := f.chargeUnits(costList); e != nil {
		return e
	}
	now := f.now()
	items := []videoOut{}
	f.locked(func() {
		for _, id := range ids {
			if v, ok := f.videos[id]; ok && visible(v, c.chanID, now) {
				items = append(items, f.render(v, parts, v.chanID == c.chanID, now))
			}
		}
	})
	fakenet.WriteJSON(w, http.StatusOK, listResponse{Kind: "youtube#videoListResponse", Etag: etag(ids...), Items: items,
		PageInfo: pageInfo{TotalResults: len(items), ResultsPerPage: len(items)}})
	return nil
}

// listResponse is the envelope of every list.
type listResponse struct {
	Kind          string   `json:"kind"`
	Etag          string   `json:"etag"`
	NextPageToken string   `json:"nextPageToken,omitempty"`
	PrevPageToken string   `json:"prevPageToken,omitempty"`
	Items         any      `json:"items"`
	PageInfo      pageInfo `json:"pageInfo"`
}

type pageInfo struct {
	TotalResults   int `json:"totalResults"`
	ResultsPerPage int `json:"resultsPerPage"`
}

// deleteVideo serves DELETE /youtube/v3/videos?id=.
func (f *Fake) deleteVideo(w http.ResponseWriter, c *call) *apiError {
	id := c.param("id")
	if id == "" {
		return required("id")
	}
	if e := f.chargeUnits(costDelete); e != nil {
		return e
	}
	var e *apiError
	if f.locked(func() {
		v, ok := f.videos[id]
		switch {
		case !ok:
			e = videoNotFound("The video that you are trying to delete cannot be found.")
		case v.chanID != c.chanID:
			e = forbidden("The video that you are trying to delete cannot be deleted. The request might not be properly authorized.")
		default:
			delete(f.videos, id)
			f.byChannel[v.chanID] = slices.DeleteFunc(f.byChannel[v.chanID], func(o *video) bool { return o == v })
		}
	}); e != nil {
		return e
	}
	f.ledger.Delete(Network, id)
	f.log.Info("video deleted", pregonero.LogVideoID, id, pregonero.LogChannel, c.chanID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

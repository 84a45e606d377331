package fake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Media limits from X's media documentation.
const (
	maxImageBytes   = 5 << 20
	maxGIFBytes     = 15 << 20
	maxVideoBytes   = 512 << 20
	maxSubtitleSize = 5 << 20
	maxChunkBytes   = 5 << 20
	maxSegmentIndex = 999
	maxAltText      = 1000
	// MediaLifetime is how long an uploaded media id can be attached.
	MediaLifetime = 24 * time.Hour
	// sniffLen is how much of the first segment is kept to check that the
	// bytes are of the declared type.
	sniffLen = 512
)

// Processing states of X's media STATUS.
const (
	statePending    = "pending"
	stateInProgress = "in_progress"
	stateSucceeded  = "succeeded"
	stateFailed     = "failed"
)

type mediaKind int

const (
	kindOther mediaKind = iota
	kindImage
	kindGIF
	kindVideo
)

var mediaTypes = []string{"image/jpeg", "image/pjpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff",
	"video/mp4", "video/webm", "video/mp2t", "video/quicktime", "text/srt", "text/vtt"}

var mediaCategories = []string{"amplify_video", "tweet_gif", "tweet_image", "tweet_video", "dm_gif", "dm_image", "dm_video", "subtitles"}

// processingError is the error object of a failed processing_info.
type processingError struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

// media is an upload. Only the size of each segment and the first bytes
// are kept: enough to check the upload, without holding videos in memory.
type media struct {
	id, key          string
	owner            string
	additionalOwners []string
	mediaType        string
	category         string
	total            int64
	segments         map[int]int64
	head             []byte
	finalized        bool
	finalizedAt      time.Time
	created, expires time.Time
	altText          string
	processes        bool
	extraDelay       time.Duration
	failure          *processingError
	processing       time.Duration
}

func (m *media) usableBy(user string) bool {
	return m.owner == user || slices.Contains(m.additionalOwners, UserID(user))
}

func (m *media) kind() mediaKind {
	switch m.category {
	case "tweet_image":
		return kindImage
	case "tweet_gif":
		return kindGIF
	case "tweet_video", "amplify_video":
		return kindVideo
	}
	return kindOther
}

// xType is the media type name X uses on reads.
func (m *media) xType() string {
	switch m.kind() {
	case kindGIF:
		return "animated_gif"
	case kindVideo:
		return "video"
	}
	return "photo"
}

func (m *media) received() int64 {
	var n int64
	for _, s := range m.segments {
		n += s
	}
	return n
}

// state is the processing state at now; "" for media that is not
// processed (images), as X then omits processing_info.
func (m *media) state(now time.Time) string {
	if !m.processes || !m.finalized {
		return ""
	}
	total := max(m.processing, 0) + m.extraDelay
	elapsed := now.Sub(m.finalizedAt)
	switch {
	case total > 0 && elapsed < total/4:
		return statePending
	case total > 0 && elapsed < total:
		return stateInProgress
	case m.failure != nil:
		return stateFailed
	}
	return stateSucceeded
}

type processingInfo struct {
	State           string           `json:"state"`
	CheckAfterSecs  int              `json:"check_after_secs,omitempty"`
	ProgressPercent int              `json:"progress_percent,omitempty"`
	Error           *processingError `json:"error,omitempty"`
}

func (m *media) processingInfo(now time.Time) *processingInfo {
	st := m.state(now)
	if st == "" {
		return nil
	}
	total := max(m.processing, 0) + m.extraDelay
	elapsed := now.Sub(m.finalizedAt)
	pi := &processingInfo{State: st}
	switch st {
	case statePending:
		pi.CheckAfterSecs = ceilSecs(total/4 - elapsed)
	case stateInProgress:
		pi.CheckAfterSecs = ceilSecs(total - elapsed)
		pi.ProgressPercent = int(100 * elapsed / total)
	case stateSucceeded:
		pi.ProgressPercent = 100
	case stateFailed:
		pi.ProgressPercent = 100
		pi.Error = m.failure
	}
	return pi
}

func ceilSecs(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

type mediaData struct {
	ID               string          `json:"id"`
	MediaKey         string          `json:"media_key"`
	Size             int64           `json:"size,omitempty"`
	ExpiresAfterSecs int             `json:"expires_after_secs"`
	ProcessingInfo   *processingInfo `json:"processing_info,omitempty"`
}

func (m *media) data(now time.Time, withSize bool) mediaData {
	d := mediaData{ID: m.id, MediaKey: m.key, ExpiresAfterSecs: max(int(m.expires.Sub(now)/time.Second)-1, 0),
		ProcessingInfo: m.processingInfo(now)}
	if withSize {
		d.Size = m.total
	}
	return d
}

func defaultCategory(mediaType string) string {
	switch {
	case mediaType == "image/gif":
		return "tweet_gif"
	case strings.HasPrefix(mediaType, "image/"):
		return "tweet_image"
	case strings.HasPrefix(mediaType, "video/"):
		return "tweet_video"
	}
	return "subtitles"
}

// checkCategory returns why a type cannot be uploaded in a category, and
// the size limit when it can.
func checkCategory(mediaType, category string) (int64, string) {
	ok := false
	var limit int64
	switch category {
	case "tweet_image", "dm_image":
		ok, limit = strings.HasPrefix(mediaType, "image/"), maxImageBytes
	case "tweet_gif", "dm_gif":
		ok, limit = mediaType == "image/gif", maxGIFBytes
	case "tweet_video", "amplify_video", "dm_video":
		ok, limit = strings.HasPrefix(mediaType, "video/"), maxVideoBytes
	case "subtitles":
		ok, limit = strings.HasPrefix(mediaType, "text/"), maxSubtitleSize
	}
	if !ok {
		return 0, fmt.Sprintf("media_type %s cannot be uploaded with media_category %s", mediaType, category)
	}
	return limit, ""
}

// newMediaLocked registers an upload. Callers hold f.mu.
func (f *Fake) newMediaLocked(user, mediaType, category string, total int64, owners []string, now time.Time) *media {
	id := f.nextID(now)
	prefix := "3_"
	switch category {
	case "tweet_gif", "dm_gif":
		prefix = "16_"
	case "tweet_video", "dm_video":
		prefix = "7_"
	case "amplify_video":
		prefix = "13_"
	}
	m := &media{id: id, key: prefix + id, owner: user, additionalOwners: owners, mediaType: mediaType, category: category,
		total: total, segments: map[int]int64{}, created: now, expires: now.Add(MediaLifetime), processing: f.processing}
	for k, old := range f.media {
		if !now.Before(old.expires) {
			delete(f.media, k)
		}
	}
	f.media[id] = m
	return m
}

// mediaFor returns the live upload id of user, or writes the error.
// Callers hold f.mu.
func (f *Fake) mediaForLocked(w http.ResponseWriter, user, id, param string, now time.Time) *media {
	m := f.media[id]
	if m == nil || !m.usableBy(user) || !now.Before(m.expires) {
		writeInvalid(w, param, []string{id}, fmt.Sprintf("The media id [%s] is invalid or has expired.", id))
		return nil
	}
	return m
}

func (f *Fake) handleInitialize(w http.ResponseWriter, r *http.Request, user string) {
	var req struct {
		MediaType        string   `json:"media_type"`
		TotalBytes       int64    `json:"total_bytes"`
		MediaCategory    string   `json:"media_category"`
		AdditionalOwners []string `json:"additional_owners"`
		Shared           bool     `json:"shared"`
	}
	if !decodeChecked(w, r, initializeSchema, &req) {
		return
	}
	if !slices.Contains(mediaTypes, req.MediaType) {
		writeInvalid(w, "media_type", []string{req.MediaType}, fmt.Sprintf("$.media_type: %q is not one of %s", req.MediaType, quoteList(mediaTypes)))
		return
	}
	if req.MediaCategory == "" {
		req.MediaCategory = defaultCategory(req.MediaType)
	}
	if !slices.Contains(mediaCategories, req.MediaCategory) {
		writeInvalid(w, "media_category", []string{req.MediaCategory}, fmt.Sprintf("$.media_category: %q is not one of %s", req.MediaCategory, quoteList(mediaCategories)))
		return
	}
	limit, msg := checkCategory(req.MediaType, req.MediaCategory)
	if msg != "" {
		writeInvalid(w, "media_category", []string{req.MediaCategory}, msg)
		return
	}
	if req.TotalBytes <= 0 || req.TotalBytes > limit {
		writeInvalid(w, "total_bytes", []string{strconv.FormatInt(req.TotalBytes, 10)},
			fmt.Sprintf("$.total_bytes: %d is not between 1 and %d for %s", req.TotalBytes, limit, req.MediaCategory))
		return
	}
	if len(req.AdditionalOwners) > 100 {
		writeInvalid(w, "additional_owners", req.AdditionalOwners, "$.additional_owners: at most 100 owners")
		return
	}
	for _, o := range req.AdditionalOwners {
		if !numericID.MatchString(o) {
			writeInvalid(w, "additional_owners", []string{o}, fmt.Sprintf("$.additional_owners: %q is not a user id", o))
			return
		}
	}
	now := f.now()
	f.mu.Lock()
	m := f.newMediaLocked(user, req.MediaType, req.MediaCategory, req.TotalBytes, req.AdditionalOwners, now)
	d := m.data(now, false)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Data mediaData `json:"data"`
	}{d})
}

// chunk is one uploaded segment: its length and first bytes.
type chunk struct {
	size int64
	head []byte
}

func readChunk(r io.Reader) (chunk, error) {
	var head bytes.Buffer
	n, err := io.Copy(&limitedBuffer{&head, sniffLen}, io.LimitReader(r, maxChunkBytes+1))
	if err != nil {
		return chunk{}, err
	}
	if n > maxChunkBytes {
		return chunk{}, fmt.Errorf("segment larger than %d bytes", maxChunkBytes)
	}
	return chunk{size: n, head: head.Bytes()}, nil
}

// limitedBuffer keeps the first n bytes written to it and accepts the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	n   int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// readUploadForm reads a multipart upload: the media bytes (the "media"
// part, raw) and the other fields, which must be among allowed. The v1.1
// "media_data" field (base64) is not part of the v2 endpoints and is
// refused like any other unknown field.
func readUploadForm(r *http.Request, allowed ...string) (chunk, map[string]string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return chunk{}, nil, fmt.Errorf("expected a multipart/form-data body: %w", err)
	}
	fields := map[string]string{}
	var c chunk
	got := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return chunk{}, nil, fmt.Errorf("malformed multipart body: %w", err)
		}
		name := part.FormName()
		switch {
		case name == "media":
			if got {
				return chunk{}, nil, errors.New("more than one media part")
			}
			if c, err = readChunk(part); err != nil {
				return chunk{}, nil, fmt.Errorf("field %s: %w", name, err)
			}
			got = true
		case slices.Contains(allowed, name):
			v, err := io.ReadAll(io.LimitReader(part, 4096))
			if err != nil {
				return chunk{}, nil, fmt.Errorf("field %s: %w", name, err)
			}
			fields[name] = string(v)
		default:
			return chunk{}, nil, fmt.Errorf("$.%s: is not defined in the schema and the schema does not allow additional properties", name)
		}
	}
	if !got || c.size == 0 {
		return chunk{}, nil, errors.New("the media field is required and must not be empty")
	}
	return c, fields, nil
}

func (f *Fake) handleAppend(w http.ResponseWriter, r *http.Request, user string) {
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, maxChunkBytes*2)
	var c chunk
	var segment string
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var req struct {
			Media        string `json:"media"`
			SegmentIndex *int   `json:"segment_index"`
		}
		b, err := readBody(r, maxChunkBytes*2)
		var doc any
		if err == nil {
			doc, err = decodeValue(b)
		}
		if err != nil {
			writeInvalid(w, "", nil, "Invalid request body: "+err.Error())
			return
		}
		if errs := appendSchema.validate("$", doc); len(errs) > 0 {
			writeSchemaErrors(w, errs)
			return
		}
		if err := json.Unmarshal(b, &req); err != nil {
			writeInvalid(w, "", nil, "Invalid request body: "+err.Error())
			return
		}
		raw, err := base64.StdEncoding.DecodeString(req.Media)
		if err != nil || len(raw) == 0 || len(raw) > maxChunkBytes {
			writeInvalid(w, "media", []string{}, fmt.Sprintf("$.media must be base64 of 1 to %d bytes", maxChunkBytes))
			return
		}
		c = chunk{size: int64(len(raw)), head: raw[:min(len(raw), sniffLen)]}
		if req.SegmentIndex != nil {
			segment = strconv.Itoa(*req.SegmentIndex)
		}
	} else {
		var fields map[string]string
		var err error
		c, fields, err = readUploadForm(r, "segment_index")
		if err != nil {
			writeInvalid(w, "media", []string{}, err.Error())
			return
		}
		var ok bool
		if segment, ok = fields["segment_index"]; !ok {
			writeInvalid(w, "$.segment_index", []string{}, "$.segment_index: is missing but it is required")
			return
		}
	}
	idx, err := strconv.Atoi(segment)
	if err != nil || idx < 0 || idx > maxSegmentIndex {
		writeInvalid(w, "segment_index", []string{segment}, fmt.Sprintf("segment_index must be an integer between 0 and %d", maxSegmentIndex))
		return
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.mediaForLocked(w, user, id, "id", now)
	if m == nil {
		return
	}
	if m.finalized {
		writeInvalid(w, "id", []string{id}, "The upload was already finalized.")
		return
	}
	if m.received()-m.segments[idx]+c.size > m.total {
		writeInvalid(w, "media", []string{}, fmt.Sprintf("The segments add up to more than total_bytes (%d).", m.total))
		return
	}
	// A repeated segment index replaces the segment, so a client may
	// retry a chunk whose answer it did not get.
	m.segments[idx] = c.size
	if idx == 0 {
		m.head = c.head
	}
	writeJSON(w, http.StatusOK, struct {
		Data struct {
			ExpiresAt int64 `json:"expires_at"`
		} `json:"data"`
	}{struct {
		ExpiresAt int64 `json:"expires_at"`
	}{m.expires.Unix()}})
}

func (f *Fake) handleFinalize(w http.ResponseWriter, r *http.Request, user string) {
	id := r.PathValue("id")
	now := f.now()
	f.mu.Lock()
	m := f.mediaForLocked(w, user, id, "id", now)
	if m == nil {
		f.mu.Unlock()
		return
	}
	if m.finalized {
		// Finalize is answered again, unchanged, for a client that
		// retries after losing the first answer.
		d := m.data(now, true)
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, struct {
			Data mediaData `json:"data"`
		}{d})
		return
	}
	for i := range len(m.segments) {
		if _, ok := m.segments[i]; !ok {
			f.mu.Unlock()
			writeInvalid(w, "id", []string{id}, fmt.Sprintf("Segment %d is missing; segments must be numbered from 0 without gaps.", i))
			return
		}
	}
	if got := m.received(); got != m.total {
		f.mu.Unlock()
		writeInvalid(w, "id", []string{id}, fmt.Sprintf("File size mismatch: received %d bytes, total_bytes is %d.", got, m.total))
		return
	}
	matches := sniffMatches(m.mediaType, m.head)
	if !matches && (m.kind() == kindImage || m.category == "dm_image") {
		f.mu.Unlock()
		writeInvalid(w, "id", []string{id}, fmt.Sprintf("The uploaded bytes are not %s.", m.mediaType))
		return
	}
	m.finalized = true
	m.finalizedAt = now
	m.processes = m.kind() == kindGIF || m.kind() == kindVideo || m.category == "dm_gif" || m.category == "dm_video"
	if !matches {
		m.failure = &processingError{Code: 1, Name: "InvalidMedia", Message: "Unsupported " + m.xType() + " format"}
	}
	if m.processes {
		// Fault rules have their own lock and never call back, so they
		// may be consulted under f.mu.
		if rule, hit := f.faults.Match(Network, OpProcess); hit {
			f.log.Info("fault injected", pregonero.LogOp, OpProcess, pregonero.LogMode, string(rule.Mode), pregonero.LogRule, rule.ID, pregonero.LogMediaID, id)
			if rule.Mode == fakenet.ModeDelay {
				m.extraDelay = rule.Delay()
			} else if m.failure == nil {
				m.failure = &processingError{Code: 3, Name: "InternalError", Message: "Media processing failed."}
			}
		}
	}
	d := m.data(now, true)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Data mediaData `json:"data"`
	}{d})
}

func (f *Fake) handleStatus(w http.ResponseWriter, r *http.Request, user string) {
	q := r.URL.Query()
	if !checkParams(w, q, "command", "media_id") {
		return
	}
	// command is optional (the spec's getMediaUploadStatus); when given it
	// must be STATUS.
	if c, ok := q["command"]; ok && (len(c) != 1 || c[0] != "STATUS") {
		writeInvalid(w, "command", c, fmt.Sprintf("The `command` query parameter value [%s] is not one of [STATUS]", strings.Join(c, ",")))
		return
	}
	id := q.Get("media_id")
	switch {
	case id == "":
		writeInvalid(w, "media_id", []string{}, "The `media_id` query parameter can not be empty")
		return
	case !numericID.MatchString(id):
		writeInvalid(w, "media_id", []string{id}, fmt.Sprintf("The `media_id` query parameter value [%s] does not match ^[0-9]{1,19}$", id))
		return
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.media[id]
	if m == nil || !m.usableBy(user) || !now.Before(m.expires) {
		// X forgets an upload when it expires; asking after it is a 404.
		writeProblemJSON(w, http.StatusNotFound, problem{Title: "Not Found Error", Type: typeNotFound, Status: http.StatusNotFound,
			Detail: "Could not find media with media_id: [" + id + "]."})
		return
	}
	if !m.finalized {
		writeInvalid(w, "media_id", []string{id}, "The upload was not finalized.")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data mediaData `json:"data"`
	}{m.data(now, true)})
}

// handleSimpleUpload serves the one-shot POST /2/media/upload, for images
// and subtitles only.
func (f *Fake) handleSimpleUpload(w http.ResponseWriter, r *http.Request, user string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxChunkBytes*2)
	c, fields, err := readUploadForm(r, "media_category", "media_type", "additional_owners", "shared", "command")
	if err != nil {
		writeInvalid(w, "media", []string{}, err.Error())
		return
	}
	if cmd, ok := fields["command"]; ok {
		writeInvalid(w, "command", []string{cmd}, "The command form of media upload is no longer supported; use /2/media/upload/initialize, append and finalize.")
		return
	}
	category, ok := fields["media_category"]
	if !ok {
		writeInvalid(w, "$.media_category", []string{}, "$.media_category: is missing but it is required")
		return
	}
	if category != "tweet_image" && category != "dm_image" && category != "subtitles" {
		writeInvalid(w, "media_category", []string{category}, "The one-shot upload takes only tweet_image, dm_image or subtitles; use the chunked endpoints for GIFs and videos.")
		return
	}
	mediaType := fields["media_type"]
	if mediaType == "" {
		mediaType, _, _ = mime.ParseMediaType(http.DetectContentType(c.head))
	}
	if !slices.Contains(mediaTypes, mediaType) {
		writeInvalid(w, "media_type", []string{mediaType}, fmt.Sprintf("media_type %q is not one of %s", mediaType, quoteList(mediaTypes)))
		return
	}
	limit, msg := checkCategory(mediaType, category)
	if msg != "" {
		writeInvalid(w, "media_category", []string{category}, msg)
		return
	}
	if c.size > limit {
		writeInvalid(w, "media", []string{}, fmt.Sprintf("The file is larger than %d bytes.", limit))
		return
	}
	if !sniffMatches(mediaType, c.head) {
		writeInvalid(w, "media", []string{}, fmt.Sprintf("The uploaded bytes are not %s.", mediaType))
		return
	}
	var owners []string
	if v := fields["additional_owners"]; v != "" {
		owners = strings.Split(v, ",")
	}
	now := f.now()
	f.mu.Lock()
	m := f.newMediaLocked(user, mediaType, category, c.size, owners, now)
	m.segments[0], m.head = c.size, c.head
	m.finalized, m.finalizedAt = true, now
	d := m.data(now, true)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Data mediaData `json:"data"`
	}{d})
}

func (f *Fake) handleMetadata(w http.ResponseWriter, r *http.Request, user string) {
	var req struct {
		ID       string `json:"id"`
		Metadata *struct {
			AltText *struct {
				Text string `json:"text"`
			} `json:"alt_text"`
			AllowDownloadStatus   json.RawMessage `json:"allow_download_status"`
			AudiencePolicy        json.RawMessage `json:"audience_policy"`
			ContentExpiration     json.RawMessage `json:"content_expiration"`
			DomainRestrictions    json.RawMessage `json:"domain_restrictions"`
			FoundMediaOrigin      json.RawMessage `json:"found_media_origin"`
			GeoRestrictions       json.RawMessage `json:"geo_restrictions"`
			ManagementInfo        json.RawMessage `json:"management_info"`
			PreviewImage          json.RawMessage `json:"preview_image"`
			SensitiveMediaWarning json.RawMessage `json:"sensitive_media_warning"`
			SharedInfo            json.RawMessage `json:"shared_info"`
			StickerInfo           json.RawMessage `json:"sticker_info"`
			UploadSource          json.RawMessage `json:"upload_source"`
		} `json:"metadata"`
	}
	if err := decodeJSON(r, &req); err != nil {
		writeInvalid(w, "", nil, "Invalid request body: "+err.Error())
		return
	}
	if !numericID.MatchString(req.ID) {
		writeInvalid(w, "id", []string{req.ID}, "$.id: a media id is required")
		return
	}
	if req.Metadata == nil {
		writeInvalid(w, "metadata", []string{}, "$.metadata is required")
		return
	}
	alt := req.Metadata.AltText
	if alt != nil && utf8.RuneCountInString(alt.Text) > maxAltText {
		writeInvalid(w, "metadata.alt_text.text", []string{}, fmt.Sprintf("$.metadata.alt_text.text: %d characters exceed the limit of %d", utf8.RuneCountInString(alt.Text), maxAltText))
		return
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.mediaForLocked(w, user, req.ID, "id", now)
	if m == nil {
		return
	}
	type altJSON struct {
		Text string `json:"text"`
	}
	var assoc struct {
		AltText *altJSON `json:"alt_text,omitempty"`
	}
	if alt != nil {
		m.altText = alt.Text
		assoc.AltText = &altJSON{alt.Text}
	}
	writeJSON(w, http.StatusOK, struct {
		Data struct {
			ID                 string `json:"id"`
			AssociatedMetadata any    `json:"associated_metadata"`
		} `json:"data"`
	}{struct {
		ID                 string `json:"id"`
		AssociatedMetadata any    `json:"associated_metadata"`
	}{m.id, assoc}})
}

// sniffMatches reports whether the first bytes of an upload are of the
// declared MIME type, as far as magic numbers tell.
func sniffMatches(declared string, head []byte) bool {
	if len(head) == 0 {
		return false
	}
	ftyp := len(head) >= 12 && string(head[4:8]) == "ftyp"
	switch declared {
	case "video/mp4", "video/quicktime":
		return ftyp
	case "video/mp2t":
		return head[0] == 0x47 && (len(head) < 189 || head[188] == 0x47)
	case "image/tiff":
		return bytes.HasPrefix(head, []byte("II*\x00")) || bytes.HasPrefix(head, []byte("MM\x00*"))
	case "text/srt", "text/vtt":
		return utf8.Valid(head[:len(head)-min(len(head), utf8.UTFMax)]) && !bytes.ContainsRune(head, 0)
	}
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	if declared == "image/pjpeg" {
		declared = "image/jpeg"
	}
	return sniffed == declared
}

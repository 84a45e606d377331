package fake

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"pregonero"
)

// Limits of a custom thumbnail.
const (
	// MaxThumbnailBytes is YouTube's limit on a custom thumbnail: the
	// discovery document's thumbnails.set mediaUpload.maxSize, 52428800
	// bytes (50 MB) since 2026-09, 2 MB before.
	MaxThumbnailBytes = 50 << 20
	// thumbHead is how much of a thumbnail is kept to sniff its type and
	// read its dimensions; the rest only passes through the hash.
	thumbHead = 1 << 20
)

// thumbTooLarge refuses a thumbnail over 50 MB. YouTube documents the
// limit but not the error; invalidImage is the reason it gives for an
// image it cannot use.
func thumbTooLarge() *apiError {
	return badRequest("invalidImage", "The thumbnail image is larger than the 50 MB (52428800 bytes) limit.")
}

// setThumbnail serves POST /upload/youtube/v3/thumbnails/set?videoId=:
// the image as the body (uploadType=media), after an empty JSON part
// (multipart), or through a resumable session.
func (f *Fake) setThumbnail(w http.ResponseWriter, c *call) *apiError {
	videoID := c.param("videoId")
	if videoID == "" {
		return required("videoId")
	}
	if e := f.chargeUnits(costThumbnail); e != nil {
		return e
	}
	var e *apiError
	if f.locked(func() { e = f.thumbnailTarget(c.chanID, videoID) }); e != nil {
		return e
	}
	now := f.now()
	var up *upload
	switch c.param("uploadType") {
	case "resumable":
		var s *session
		f.locked(func() {
			s = f.newSession(kindThumbnail, c, nil, thumbHead, now)
			s.videoID, s.limit, s.overLimit = videoID, MaxThumbnailBytes, thumbTooLarge()
		})
		f.startSession(w, c, s)
		return nil
	case "multipart":
		var media io.Reader
		if _, media, e = readRelated(c.r); e != nil {
			return e
		}
		if media == nil {
			return mediaRequired("image")
		}
		up, e = readUpload(media, MaxThumbnailBytes, thumbHead)
	default:
		up, e = readUpload(c.r.Body, MaxThumbnailBytes, thumbHead)
	}
	if e != nil {
		if e.Status == http.StatusRequestEntityTooLarge {
			return thumbTooLarge()
		}
		return e
	}
	var resp []byte
	if f.locked(func() { resp, e = f.applyThumbnail(c.chanID, videoID, up, now) }); e != nil {
		return e
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(resp)
	return nil
}

// thumbnailTarget checks that a video exists and belongs to the caller.
// The caller holds f.mu.
func (f *Fake) thumbnailTarget(chanID, videoID string) *apiError {
	v, ok := f.videos[videoID]
	if !ok {
		return videoNotFound("The video that you are trying to set a thumbnail for cannot be found.")
	}
	if v.chanID != chanID {
		return forbidden("The thumbnail can't be set for the specified video. The request might not be properly authorized.")
	}
	return nil
}

// applyThumbnail sets an uploaded image as a video's thumbnail and
// returns the JSON answer. The image's type and dimensions are read from
// up.head, its first thumbHead bytes. The caller holds f.mu.
func (f *Fake) applyThumbnail(chanID, videoID string, up *upload, now time.Time) ([]byte, *apiError) {
	if e := f.thumbnailTarget(chanID, videoID); e != nil {
		return nil, e
	}
	if up.size == 0 {
		return nil, mediaRequired("image")
	}
	mimeType := sniffImage(up.head)
	if mimeType == "" {
		return nil, badRequest("invalidImage", "The provided image content is invalid.")
	}
	v := f.videos[videoID]
	v.thumb = &thumb{mime: mimeType, size: up.size, at: now}
	th := thumbnails(v)
	b, err := json.Marshal(struct {
		Kind  string          `json:"kind"`
		Etag  string          `json:"etag"`
		Items []thumbnailsOut `json:"items"`
	}{"youtube#thumbnailSetResponse", etag(videoID, now.String()), []thumbnailsOut{th}})
	if err != nil {
		return nil, &apiError{Status: http.StatusInternalServerError, Reason: "internalError", Domain: "global", Message: err.Error()}
	}
	f.log.Info("thumbnail set", pregonero.LogVideoID, videoID, pregonero.LogType, mimeType, pregonero.LogSize, up.size)
	return b, nil
}

package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"google.golang.org/api/googleapi"
	yt "google.golang.org/api/youtube/v3"

	"pregonero"
)

// minScheduleLead is how far ahead PublishAt must be for the video to go
// up private and scheduled: a publication time closer than that (an
// attempt that started late, or a retry) publishes at once, since YouTube
// refuses a publishAt that has passed by the time it reads it.
const minScheduleLead = 30 * time.Second

// Publish uploads the content's video. It refuses, before anything is
// sent, content that Validate refuses (the publication time aside: a past
// one publishes at once) and an upload the project's daily bucket cannot
// pay for. When the delivery's checkpoint names a video already uploaded,
// that video is read instead of uploading the bytes again.
func (a *Adapter) Publish(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account) (pregonero.Receipt, error) {
	if d != nil && d.Checkpoint[CheckpointVideo] != "" {
		return a.resume(ctx, d, c, acct, d.Checkpoint[CheckpointVideo])
	}
	if errs := a.validate(c, acct); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Message
		}
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_invalid",
			Message: "The video cannot go to YouTube: " + strings.Join(msgs, " "), Err: pregonero.Invalid(errs)}
	}
	s, err := a.open(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, err
	}
	if err := a.reserve(ctx, s.project, bucketUploads, 1); err != nil {
		return pregonero.Receipt{}, err
	}
	if err := s.token(); err != nil {
		a.refund(ctx, s.project, bucketUploads, 1)
		return pregonero.Receipt{}, err
	}

	now := a.now()
	scheduled := !c.PublishAt.IsZero() && c.PublishAt.After(now.Add(minScheduleLead))
	if !c.PublishAt.IsZero() && !scheduled {
		a.log.Info("youtube publication time is near or past; publishing at once", logAccount, acct.ID, "publish_at", c.PublishAt.UTC().Format(time.RFC3339))
	}
	v, tr, err := a.insert(ctx, s, c, scheduled)
	if err != nil && s.retryAuth(err) {
		// The token was refused before any upload began: renew it and send
		// again, on the same reservation.
		v, tr, err = a.insert(ctx, s, c, scheduled)
	}
	if err != nil {
		if tr == nil || !tr.sentAny() {
			a.refund(ctx, s.project, bucketUploads, 1)
		}
		return pregonero.Receipt{}, a.insertError(ctx, s, err, tr)
	}
	if v == nil || v.Id == "" {
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "youtube_malformed_response",
			Message: "YouTube accepted the upload but its answer named no video; the channel's uploads are checked before any new upload."}
	}
	if c.Checkpoint != nil {
		if err := c.Checkpoint(ctx, CheckpointVideo, v.Id); err != nil {
			// The video exists and the receipt below records it.
			a.log.Warn("checkpoint youtube video", logAccount, acct.ID, logVideo, v.Id, logError, err)
		}
	}
	a.log.Info("youtube video uploaded", logAccount, acct.ID, logVideo, v.Id, logStatus, uploadStatus(v), logPrivacy, privacy(v))
	if pe := refusal(v); pe != nil {
		return pregonero.Receipt{}, pe
	}
	if !scheduled && privacy(v) == "private" {
		a.log.Warn("youtube kept the video private: uploads of an unaudited API project are locked to private until the project passes YouTube's audit",
			logAccount, acct.ID, logVideo, v.Id, logProject, s.project)
	}
	if c.Progress != nil && len(c.Media) == 1 && c.Media[0].Media != nil {
		c.Progress(c.Media[0].Size, c.Media[0].Size)
	}
	a.setThumbnail(ctx, s, c, v.Id)
	at := a.now()
	if scheduled {
		at = c.PublishAt
	}
	return pregonero.Receipt{RemoteID: v.Id, URL: WatchURL(v.Id), PublishedAt: at.UTC()}, nil
}

// insert sends videos.insert with the content's metadata and video.
func (a *Adapter) insert(ctx context.Context, s *session, c pregonero.Content, scheduled bool) (*yt.Video, *uploadTrace, error) {
	blob := c.Media[0]
	rc, err := blob.Open()
	if err != nil {
		return nil, nil, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_media_unreadable",
			Message: fmt.Sprintf("The video %s cannot be read: %v. Nothing was sent.", nonEmpty(blob.Filename, blob.ID), err), Err: err}
	}
	defer rc.Close()
	tr := &uploadTrace{}
	svc, err := a.service(ctx, s.acct, s.transport(tr))
	if err != nil {
		return nil, tr, fmt.Errorf("youtube client: %w", err)
	}
	status := &yt.VideoStatus{
		PrivacyStatus:           "public",
		SelfDeclaredMadeForKids: *c.MadeForKids,
		// false must be sent: YouTube requires the audience answer.
		ForceSendFields: []string{"SelfDeclaredMadeForKids"},
	}
	if scheduled {
		status.PrivacyStatus = "private"
		status.PublishAt = c.PublishAt.UTC().Format(time.RFC3339)
	}
	l := lang(c)
	video := &yt.Video{
		Snippet: &yt.VideoSnippet{
			Title:                Title(c),
			Description:          Description(c),
			Tags:                 Tags(c),
			CategoryId:           category(c),
			DefaultLanguage:      l,
			DefaultAudioLanguage: l,
		},
		Status: status,
	}
	size := blob.Size
	call := svc.Videos.Insert([]string{"snippet", "status"}, video).
		Media(rc, googleapi.ChunkSize(a.chunkSize), googleapi.ContentType(blob.MIME), googleapi.ChunkRetryDeadline(a.chunkDeadline)).
		ProgressUpdater(func(current, _ int64) {
			// The library reports no total for a stream; the blob knows it.
			if c.Progress != nil {
				c.Progress(current, size)
			}
		}).
		Context(ctx)
	v, err := call.Do()
	return v, tr, err
}

// sentAny reports whether any request of the upload reached the wire.
func (t *uploadTrace) sentAny() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sent
}

// insertError classifies a failed upload: refusals by their reason, and
// server errors and lost connections as unknown when the upload may have
// completed (reconcile before any new upload) or retryable when it
// cannot have.
func (a *Adapter) insertError(ctx context.Context, s *session, err error, tr *uploadTrace) error {
	var pe *pregonero.PublishError
	if errors.As(err, &pe) {
		return pe
	}
	if tr == nil {
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_client",
			Message: "The YouTube client could not be set up; nothing was sent and it will be retried.", Err: err}
	}
	created := tr.mayHaveCreated()
	if ge, ok := asAPIError(err); ok {
		switch {
		case ge.status >= 500:
			out := &pregonero.PublishError{NetworkMessage: ge.message, HTTPStatus: ge.status, Err: err}
			if created {
				out.Class, out.Code = pregonero.ClassUnknown, "youtube_outcome_unknown"
				out.Message = fmt.Sprintf("YouTube answered status %d after the whole video was sent; it may have kept it, so the channel's uploads are checked before any new upload.", ge.status)
			} else {
				out.Class, out.Code = pregonero.ClassRetryable, "youtube_server_error"
				out.Message = fmt.Sprintf("YouTube answered status %d before the upload completed; no video was created and it will be retried.", ge.status)
			}
			return out
		case tr.session && (ge.status == http.StatusNotFound || ge.status == http.StatusGone):
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_session_expired",
				Message:        "YouTube closed the upload session before the video was complete; it will be uploaded again.",
				NetworkMessage: ge.message, HTTPStatus: ge.status, Err: err}
		}
		return a.classify(ctx, s, "upload the video", err, bucketUploads)
	}
	// The session URL in a transport error lets anyone add bytes to the
	// upload for a week: keep it out of messages and logs.
	err = redacted{err}
	if created {
		return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "youtube_outcome_unknown",
			Message: "The connection to YouTube was lost after the whole video was sent; it may have been kept, so the channel's uploads are checked before any new upload.",
			Err:     fmt.Errorf("upload youtube video: %w", err)}
	}
	code, msg := "youtube_network", fmt.Sprintf("Could not reach YouTube at %s; no video was created and it will be retried.", endpointOf(s.acct))
	if tr.sentAny() {
		code, msg = "youtube_upload_interrupted", "The upload to YouTube was interrupted before the video was complete; no video was created and it will be uploaded again."
	}
	if ctx.Err() != nil {
		code = "youtube_canceled"
	}
	return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: code, Message: msg, Err: fmt.Errorf("upload youtube video: %w", err)}
}

// uploadID matches the session id in a resumable upload URL.
var uploadID = regexp.MustCompile(`upload_id=[^&"\s]+`)

// redacted is an error whose text hides resumable session ids.
type redacted struct{ err error }

func (r redacted) Error() string {
	return uploadID.ReplaceAllString(r.err.Error(), "upload_id=REDACTED")
}
func (r redacted) Unwrap() error { return r.err }

func uploadStatus(v *yt.Video) string {
	if v.Status == nil {
		return ""
	}
	return v.Status.UploadStatus
}

func privacy(v *yt.Video) string {
	if v.Status == nil {
		return ""
	}
	return v.Status.PrivacyStatus
}

// failureHints explain YouTube's failureReason values.
var failureHints = map[string]string{
	"invalidFile":   "the file is not a video YouTube can read",
	"emptyFile":     "the file is empty",
	"tooSmall":      "the file is too small to be a video",
	"codec":         "YouTube does not support the video's codec",
	"conversion":    "YouTube could not convert the video",
	"uploadAborted": "the upload was aborted",
}

// rejectionHints explain YouTube's rejectionReason values.
var rejectionHints = map[string]string{
	"duplicate":     "the channel already has a video with exactly these bytes; it was not published twice (delete the older video or change the file, then schedule it again)",
	"copyright":     "YouTube found copyrighted content",
	"inappropriate": "YouTube found the content inappropriate",
	"termsOfUse":    "the video breaks YouTube's terms of use",
	"length":        "the video is longer than the channel may upload (verify the channel for videos over 15 minutes)",
	"claim":         "a content owner blocked it",
	"trademark":     "YouTube found a trademark infringement",
	"legal":         "YouTube rejected it for a legal reason",
}

// refusal returns the permanent error of a video YouTube failed to process
// or rejected, or nil.
func refusal(v *yt.Video) *pregonero.PublishError {
	if v.Status == nil {
		return nil
	}
	st := v.Status
	switch st.UploadStatus {
	case "failed":
		return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_upload_failed",
			Message:        fmt.Sprintf("YouTube could not process video %s: %s.", v.Id, nonEmpty(failureHints[st.FailureReason], "reason "+nonEmpty(st.FailureReason, "not given"))),
			NetworkMessage: "uploadStatus=failed failureReason=" + st.FailureReason}
	case "rejected":
		return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_upload_rejected",
			Message:        fmt.Sprintf("YouTube rejected video %s: %s.", v.Id, nonEmpty(rejectionHints[st.RejectionReason], "reason "+nonEmpty(st.RejectionReason, "not given"))),
			NetworkMessage: "uploadStatus=rejected rejectionReason=" + st.RejectionReason}
	case "deleted":
		return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_video_deleted",
			Message:        fmt.Sprintf("Video %s was deleted on YouTube; it is not uploaded again. Edit or schedule the post again to upload it anew.", v.Id),
			NetworkMessage: "uploadStatus=deleted"}
	}
	return nil
}

// resume finishes a delivery whose video was uploaded by an earlier
// attempt: it reads the video instead of uploading the bytes again and
// sets the thumbnail if that was not done.
func (a *Adapter) resume(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account, id string) (pregonero.Receipt, error) {
	s, err := a.open(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, err
	}
	if err := s.token(); err != nil {
		return pregonero.Receipt{}, err
	}
	v, err := a.video(ctx, s, id)
	if err != nil {
		return pregonero.Receipt{}, err
	}
	if v == nil {
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_video_gone",
			Message: fmt.Sprintf("Video %s, uploaded by an earlier attempt, no longer exists on YouTube (it was deleted); it is not uploaded again. Edit or schedule the post again to upload it anew.", id)}
	}
	if pe := refusal(v); pe != nil {
		return pregonero.Receipt{}, pe
	}
	if d.Checkpoint[CheckpointThumbnail] != id {
		a.setThumbnail(ctx, s, c, id)
	}
	a.log.Info("youtube video found from checkpoint", logAccount, acct.ID, logVideo, id)
	return a.receipt(v), nil
}

// receipt describes an existing video: its publication time is the
// scheduled one for a private scheduled video, else its upload time.
func (a *Adapter) receipt(v *yt.Video) pregonero.Receipt {
	at := time.Time{}
	if v.Status != nil && v.Status.PublishAt != "" {
		at, _ = time.Parse(time.RFC3339, v.Status.PublishAt)
	}
	if at.IsZero() && v.Snippet != nil {
		at, _ = time.Parse(time.RFC3339, v.Snippet.PublishedAt)
	}
	if at.IsZero() {
		at = a.now()
	}
	return pregonero.Receipt{RemoteID: v.Id, URL: WatchURL(v.Id), PublishedAt: at.UTC()}
}

// setThumbnail sets the content's custom thumbnail on the video. One try:
// a failure is logged and leaves YouTube's automatic thumbnail, since the
// video is published either way.
func (a *Adapter) setThumbnail(ctx context.Context, s *session, c pregonero.Content, id string) {
	t := c.Thumbnail
	if t == nil || t.Media == nil {
		return
	}
	err := s.call(ctx, "set the video's thumbnail", a.quota.ThumbnailCost, func(svc *yt.Service) error {
		rc, err := t.Open()
		if err != nil {
			return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_media_unreadable",
				Message: fmt.Sprintf("The thumbnail %s cannot be read: %v.", nonEmpty(t.Filename, t.ID), err), Err: err}
		}
		defer rc.Close()
		_, err = svc.Thumbnails.Set(id).Media(rc, googleapi.ContentType(t.MIME), googleapi.ChunkSize(0)).Context(ctx).Do()
		return err
	})
	if err != nil {
		a.log.Warn("youtube thumbnail not set; the video keeps its automatic thumbnail", logAccount, s.acct.ID, logVideo, id,
			"reason", pregonero.AsPublishError(err).Message, logError, err)
		return
	}
	a.log.Info("youtube thumbnail set", logAccount, s.acct.ID, logVideo, id)
	if c.Checkpoint != nil {
		if err := c.Checkpoint(ctx, CheckpointThumbnail, id); err != nil {
			a.log.Warn("checkpoint youtube thumbnail", logAccount, s.acct.ID, logVideo, id, logError, err)
		}
	}
}

// hasTag reports whether the video carries the tag exactly (YouTube may
// give it back with surrounding space trimmed, never otherwise changed).
func hasTag(v *yt.Video, tag string) bool {
	if v.Snippet == nil {
		return false
	}
	for _, t := range v.Snippet.Tags {
		if strings.TrimSpace(t) == tag {
			return true
		}
	}
	return false
}

package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/api/googleapi"
	yt "google.golang.org/api/youtube/v3"

	"pregonero"
)

// minScheduleLead is how far ahead PublishAt must be for the video to go
// up private and scheduled, since YouTube refuses a publishAt that has
// passed by the time it reads it: a publication time closer than that (an
// attempt that started late, or a retry) is waited for and the video then
// goes up public; a past one publishes at once.
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
	if wait := c.PublishAt.Sub(a.now()); !c.PublishAt.IsZero() && wait > 0 && wait <= minScheduleLead {
		// Too close to schedule, too early to publish: wait for the time.
		a.log.Info("youtube publication time is near; waiting for it to publish at once", pregonero.LogAccount, acct.ID,
			pregonero.LogPublishAt, c.PublishAt.UTC().Format(time.RFC3339), pregonero.LogWait, wait.String())
		if err := a.sleep(ctx, wait); err != nil {
			return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_canceled",
				Message: "The wait for the publication time was interrupted; nothing was sent and it will be retried.", Err: err}
		}
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
		a.log.Info("youtube publication time has come; publishing at once", pregonero.LogAccount, acct.ID, pregonero.LogPublishAt, c.PublishAt.UTC().Format(time.RFC3339))
	}
	var reported atomic.Int64
	v, tr, err := a.insert(ctx, s, c, scheduled, &reported)
	if err != nil && (tr == nil || !tr.hasSession()) && s.retryAuth(err) {
		// The token was refused by the request that opens the upload (a
		// resumable initiation or a one-request upload), so nothing was
		// created: renew it and send again, on the same reservation. A
		// refusal after a session opened is not retried here: the final
		// chunk may have made the video.
		v, tr, err = a.insert(ctx, s, c, scheduled, &reported)
	}
	if err != nil {
		if tr == nil || !tr.sentAny() {
			a.refund(ctx, s.project, bucketUploads, 1)
		}
		return pregonero.Receipt{}, scrubbedErr(s.scrub, a.insertError(ctx, s, err, tr))
	}
	if v == nil || v.Id == "" {
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "youtube_malformed_response",
			Message: "YouTube accepted the upload but its answer named no video; the channel's uploads are checked before any new upload."}
	}
	if c.Checkpoint != nil {
		if err := c.Checkpoint(ctx, CheckpointVideo, v.Id); err != nil {
			// The video exists and the receipt below records it.
			a.log.Warn("checkpoint youtube video", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, v.Id, pregonero.LogErr, err)
		}
	}
	a.log.Info("youtube video uploaded", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, v.Id, pregonero.LogUploadStatus, uploadStatus(v), pregonero.LogPrivacy, privacy(v))
	if pe := refusal(v, retried(d)); pe != nil {
		return pregonero.Receipt{}, pe
	}
	if !scheduled && privacy(v) == "private" {
		a.log.Warn("youtube kept the video private: uploads of an unaudited API project are locked to private until the project passes YouTube's audit",
			pregonero.LogAccount, acct.ID, pregonero.LogVideoID, v.Id, pregonero.LogProject, s.project)
	}
	if size := c.Media[0].Size; c.Progress != nil && reported.Load() < size {
		// A one-request upload reports no progress of its own; a
		// resumable one reported its last chunk already.
		c.Progress(size, size)
	}
	a.setThumbnail(ctx, s, c, v.Id)
	at := a.now()
	if scheduled {
		at = c.PublishAt
	}
	return pregonero.Receipt{RemoteID: v.Id, URL: watchURL(acct, v.Id), PublishedAt: at.UTC()}, nil
}

// insert sends videos.insert with the content's metadata and video;
// reported receives the bytes the client library reported sent.
func (a *Adapter) insert(ctx context.Context, s *session, c pregonero.Content, scheduled bool, reported *atomic.Int64) (*yt.Video, *uploadTrace, error) {
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
			reported.Store(current)
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

// insertError classifies a failed upload. Once the upload may have
// created the video (tr.mayHaveCreated) every failure is unknown, so that
// the channel's uploads are checked before any new upload: a server
// error, a lost answer, a refused token or a token that could not be
// renewed while the client sent the final chunk again, a session YouTube
// no longer knows. Before that point refusals are classified by their
// reason and server errors and lost connections are retryable.
func (a *Adapter) insertError(ctx context.Context, s *session, err error, tr *uploadTrace) error {
	if tr != nil && tr.mayHaveCreated() {
		return outcomeUnknown(err)
	}
	var pe *pregonero.PublishError
	if errors.As(err, &pe) {
		return pe
	}
	if tr == nil {
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_client",
			Message: "The YouTube client could not be set up; nothing was sent and it will be retried.", Err: err}
	}
	if ge, ok := asAPIError(err); ok {
		switch {
		case ge.status >= 500:
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_server_error",
				Message:        fmt.Sprintf("YouTube answered status %d before the upload completed; no video was created and it will be retried.", ge.status),
				NetworkMessage: ge.message, HTTPStatus: ge.status, Err: err}
		case tr.hasSession() && (ge.status == http.StatusNotFound || ge.status == http.StatusGone):
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_session_expired",
				Message:        "YouTube closed the upload session before the video was complete; it will be uploaded again.",
				NetworkMessage: ge.message, HTTPStatus: ge.status, Err: err}
		case tr.hasSession() && isUnauthorized(err):
			// The token was good for the initiation; the next attempt
			// starts a new upload and renews it if YouTube refuses it again.
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_upload_unauthorized",
				Message:        "YouTube refused the access token in the middle of the upload, before the video was complete; it will be uploaded again.",
				NetworkMessage: ge.message, HTTPStatus: ge.status, Err: err}
		}
		return a.classify(ctx, s, "upload the video", err, bucketUploads)
	}
	// The session URL in a transport error lets anyone add bytes to the
	// upload for a week: Publish scrubs it (upload_id) with the rest.
	code, msg := "youtube_network", fmt.Sprintf("Could not reach YouTube at %s; no video was created and it will be retried.", endpointOf(s.acct))
	if tr.sentAny() {
		code, msg = "youtube_upload_interrupted", "The upload to YouTube was interrupted before the video was complete; no video was created and it will be uploaded again."
	}
	if ctx.Err() != nil {
		code = "youtube_canceled"
	}
	return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: code, Message: msg, Err: fmt.Errorf("upload youtube video: %w", err)}
}

// outcomeUnknown is the error of an upload that failed after its last
// byte may have reached YouTube.
func outcomeUnknown(err error) *pregonero.PublishError {
	const check = "it may have kept the video, so the channel's uploads are checked before any new upload."
	// The session URL in a transport error (upload_id) is scrubbed by
	// Publish with the rest.
	out := &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "youtube_outcome_unknown",
		Err: fmt.Errorf("upload youtube video: %w", err)}
	var pe *pregonero.PublishError
	if errors.As(err, &pe) {
		// The access token could not be renewed while the client sent the
		// final chunk again.
		out.NetworkMessage, out.HTTPStatus = pe.NetworkMessage, pe.HTTPStatus
		out.Message = "The whole video was sent to YouTube, but its answer was lost and the access token could not be renewed to ask again; " + check
		return out
	}
	if ge, ok := asAPIError(err); ok {
		out.NetworkMessage, out.HTTPStatus = ge.message, ge.status
		out.Message = fmt.Sprintf("YouTube answered status %d (%s) after the whole video was sent; %s", ge.status, nonEmpty(ge.reason, "no reason"), check)
		return out
	}
	out.Message = "The connection to YouTube was lost after the whole video was sent; " + check
	return out
}

// retried reports whether the delivery had an attempt before the current
// one (which the publisher records as pending before it calls Publish).
func retried(d *pregonero.Delivery) bool {
	if d == nil {
		return false
	}
	n := len(d.Attempts)
	if last := d.LastAttempt(); last != nil && last.Outcome == pregonero.OutcomePending {
		n--
	}
	return n > 0
}

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

// refusal returns the error of a video YouTube failed to process or
// rejected, or nil: permanent, except a rejection as a duplicate on a
// retry (retry), which is the duplicate class: the bytes are most likely
// the earlier attempt's video, which the publisher then looks for.
func refusal(v *yt.Video, retry bool) *pregonero.PublishError {
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
		pe := &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_upload_rejected",
			Message:        fmt.Sprintf("YouTube rejected video %s: %s.", v.Id, nonEmpty(rejectionHints[st.RejectionReason], "reason "+nonEmpty(st.RejectionReason, "not given"))),
			NetworkMessage: "uploadStatus=rejected rejectionReason=" + st.RejectionReason}
		if retry && st.RejectionReason == "duplicate" {
			pe.Class, pe.Code = pregonero.ClassDuplicate, "youtube_duplicate"
			pe.Message = fmt.Sprintf("YouTube rejected video %s as a duplicate of a video of the channel with the same bytes, most likely the one an earlier attempt uploaded; the channel's uploads are checked for it.", v.Id)
		}
		return pe
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
	if pe := refusal(v, retried(d)); pe != nil {
		return pregonero.Receipt{}, pe
	}
	if d.Checkpoint[CheckpointThumbnail] != id {
		a.setThumbnail(ctx, s, c, id)
	}
	a.log.Info("youtube video found from checkpoint", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, id)
	return a.receipt(acct, v), nil
}

// receipt describes an existing video of the account: its publication
// time is the scheduled one for a private scheduled video, else its upload
// time.
func (a *Adapter) receipt(acct *pregonero.Account, v *yt.Video) pregonero.Receipt {
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
	return pregonero.Receipt{RemoteID: v.Id, URL: watchURL(acct, v.Id), PublishedAt: at.UTC()}
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
		a.log.Warn("youtube thumbnail not set; the video keeps its automatic thumbnail", pregonero.LogAccount, s.acct.ID, pregonero.LogVideoID, id,
			pregonero.LogReason, pregonero.AsPublishError(err).Message, pregonero.LogErr, err)
		return
	}
	a.log.Info("youtube thumbnail set", pregonero.LogAccount, s.acct.ID, pregonero.LogVideoID, id)
	if c.Checkpoint != nil {
		if err := c.Checkpoint(ctx, CheckpointThumbnail, id); err != nil {
			a.log.Warn("checkpoint youtube thumbnail", pregonero.LogAccount, s.acct.ID, pregonero.LogVideoID, id, pregonero.LogErr, err)
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

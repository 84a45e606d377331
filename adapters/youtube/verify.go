package youtube

import (
	"context"
	"fmt"

	"pregonero"
)

// Verify implements pregonero.Verifier. YouTube accepts an upload and
// decides afterwards: the video is processed, and may then be rejected (a
// duplicate, a copyright claim), fail, be deleted, or stay private when the
// API project is not audited. done is false while YouTube still processes
// the video; refused says why a video that will not be seen as scheduled
// was refused or restricted.
func (a *Adapter) Verify(ctx context.Context, d *pregonero.Delivery, acct *pregonero.Account) (done bool, refused *pregonero.PublishError, err error) {
	s, err := a.open(ctx, acct)
	if err != nil {
		return false, nil, err
	}
	v, err := a.video(ctx, s, d.RemoteID)
	if err != nil {
		return false, nil, err
	}
	if v == nil {
		return true, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_video_gone",
			Message: fmt.Sprintf("Video %s is no longer on the channel of account %s: it was deleted after it was uploaded.", d.RemoteID, acct.ID)}, nil
	}
	if pe := refusal(v, false); pe != nil {
		return true, pe, nil
	}
	if uploadStatus(v) != "processed" {
		return false, nil, nil
	}
	// A video meant to be public now that YouTube keeps private: an
	// unaudited API project can only upload private videos.
	if v.Status.PrivacyStatus == "private" && v.Status.PublishAt == "" && !d.PublishedAt.After(a.now()) {
		return true, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_kept_private",
			Message:        fmt.Sprintf("YouTube keeps video %s private: uploads of an API project YouTube has not audited can only be private. Request the audit of the Google Cloud project, then make the video public in YouTube Studio.", d.RemoteID),
			NetworkMessage: "privacyStatus=private"}, nil
	}
	return true, nil, nil
}

package youtube

import (
	"context"
	"fmt"
	"strings"
	"time"

	yt "google.golang.org/api/youtube/v3"

	"pregonero"
	"pregonero/adapters/listing"
)

// Bounds of a reconciliation.
const (
	// ReconcilePages caps the pages of the uploads playlist Reconcile
	// reads.
	ReconcilePages = 4
	// pageSize is the largest page of playlistItems.list and the most ids
	// one videos.list takes.
	pageSize = 50
)

// api returns the session's YouTube client for calls other than uploads.
func (s *session) api(ctx context.Context) (*yt.Service, error) {
	if s.svc == nil {
		svc, err := s.a.service(ctx, s.acct, s.transport(nil))
		if err != nil {
			return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_client",
				Message: "The YouTube client could not be set up; it will be retried.", Err: err}
		}
		s.svc = svc
	}
	return s.svc, nil
}

// call makes one API call that spends cost units: it counts them first,
// refusing the call when the day's units are spent, sends the call again
// once with a renewed token when YouTube refuses the token, and
// classifies a failure.
func (s *session) call(ctx context.Context, what string, cost int, fn func(svc *yt.Service) error) error {
	return s.callIn(ctx, what, bucketUnits, cost, func() error {
		svc, err := s.api(ctx)
		if err != nil {
			return err
		}
		return fn(svc)
	})
}

// callIn makes one API call that spends cost from bucket b, as call does:
// counted first, sent again once with a renewed token when YouTube
// refuses the token, a failure classified.
func (s *session) callIn(ctx context.Context, what string, b bucket, cost int, fn func() error) error {
	for attempt := 0; ; attempt++ {
		if err := s.a.reserve(ctx, s.project, b, cost); err != nil {
			return err
		}
		err := fn()
		if err == nil {
			return nil
		}
		if attempt == 0 && s.retryAuth(err) {
			continue
		}
		return s.a.classify(ctx, s, what, err, b)
	}
}

// video reads one of the channel's videos; nil when there is none.
func (a *Adapter) video(ctx context.Context, s *session, id string) (*yt.Video, error) {
	var v *yt.Video
	err := s.call(ctx, "read video "+id, a.quota.ListCost, func(svc *yt.Service) error {
		resp, err := svc.Videos.List([]string{"snippet", "status"}).Id(id).Context(ctx).Do()
		if err != nil {
			return err
		}
		for _, it := range resp.Items {
			if it != nil && it.Id == id {
				v = it
			}
		}
		return nil
	})
	return v, err
}

// channel returns the account's channel and its uploads playlist, asked
// once (Channels.List mine) and then cached for the same endpoint and
// credentials. A channel other than the account's configured remote id is
// refused.
func (a *Adapter) channel(ctx context.Context, s *session) (channelInfo, error) {
	key := fingerprint(s.acct)
	a.mu.Lock()
	ch, ok := a.channels[s.acct.ID]
	a.mu.Unlock()
	if ok && ch.key == key {
		return ch, checkChannel(s.acct, ch)
	}
	err := s.call(ctx, "look up the channel", a.quota.ListCost, func(svc *yt.Service) error {
		resp, err := svc.Channels.List([]string{"contentDetails"}).Mine(true).Context(ctx).Do()
		if err != nil {
			return err
		}
		for _, it := range resp.Items {
			if it != nil && it.ContentDetails != nil && it.ContentDetails.RelatedPlaylists != nil {
				ch = channelInfo{key: key, id: it.Id, playlist: it.ContentDetails.RelatedPlaylists.Uploads}
				break
			}
		}
		return nil
	})
	if err != nil {
		return channelInfo{}, err
	}
	if ch.playlist == "" {
		return channelInfo{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_no_channel",
			Message: fmt.Sprintf("The Google account authorized for %s has no YouTube channel; create the channel, or authorize the account that owns it.", s.acct.ID)}
	}
	a.mu.Lock()
	a.channels[s.acct.ID] = ch
	a.mu.Unlock()
	return ch, checkChannel(s.acct, ch)
}

// checkChannel refuses a channel other than the account's configured
// remote id: the credentials belong to another channel.
func checkChannel(acct *pregonero.Account, ch channelInfo) error {
	if acct.RemoteID != "" && ch.id != "" && acct.RemoteID != ch.id {
		return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_wrong_channel",
			Message: fmt.Sprintf("The credentials of account %s authorize channel %s, not the configured channel %s; authorize the right channel or fix the configuration.", acct.ID, ch.id, acct.RemoteID)}
	}
	return nil
}

// ChannelID returns the id of the channel the account's credentials
// authorize (Channels.List mine, one unit, then cached), the value of the
// account's RemoteID.
func (a *Adapter) ChannelID(ctx context.Context, acct *pregonero.Account) (string, error) {
	s, err := a.open(ctx, acct)
	if err != nil {
		return "", err
	}
	if err := s.token(); err != nil {
		return "", err
	}
	ch, err := a.channel(ctx, s)
	if err != nil {
		return "", err
	}
	return ch.id, nil
}

// Reconcile looks for the delivery's video among the channel's uploads
// since the given time. A video checkpointed by an earlier attempt is
// found when it still exists and was not refused. Otherwise the uploads
// playlist is read (newest first, at most ReconcilePages pages of 50) down
// to since, and the videos are matched by the marker tag; content without
// a marker is matched by exact title and description, a weaker test.
//
// Every match is read: one YouTube did not fail, reject or delete is
// found, the newest such. Only when every match was refused is the
// delivery absent; the newest refused video is then checkpointed (unless
// a refused video is checkpointed already) so that the next Publish
// reports the refusal instead of uploading again.
//
// Reconcile answers an unknown-class error rather than absent when it
// cannot tell: when the pages it may read end before since, and when
// nothing matched in a read of the playlist begun less than
// Config.PlaylistLag after the delivery's last attempt began, since the
// playlist lists a new upload only after a while; a checkpointed video
// proves the outcome and needs no wait.
//
// A read of the playlist is shared between the reconciliations of the
// channel's deliveries (see recentUploads).
func (a *Adapter) Reconcile(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account, since time.Time) (pregonero.Receipt, bool, error) {
	s, err := a.open(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, false, err
	}
	if err := s.token(); err != nil {
		return pregonero.Receipt{}, false, err
	}
	// checkpointed names the video an earlier attempt uploaded: it proves
	// the outcome even when it was refused or deleted since.
	checkpointed, refusedCheckpoint := "", false
	if d != nil {
		checkpointed = d.Checkpoint[CheckpointVideo]
	}
	if checkpointed != "" {
		v, err := a.video(ctx, s, checkpointed)
		if err != nil {
			return pregonero.Receipt{}, false, err
		}
		switch {
		case v == nil:
			a.log.Info("checkpointed youtube video is gone; searching the uploads", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, checkpointed)
		case refusal(v, false) != nil:
			// A duplicate of an earlier attempt's video, say: look for a
			// live one carrying the marker.
			refusedCheckpoint = true
			a.log.Info("checkpointed youtube video was refused; searching the uploads", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, checkpointed, pregonero.LogUploadStatus, uploadStatus(v))
		default:
			return a.receipt(acct, v), true, nil
		}
	}

	ch, err := a.channel(ctx, s)
	if err != nil {
		return pregonero.Receipt{}, false, err
	}
	// A read shared with another delivery must have begun late enough to
	// show what this delivery's attempts uploaded, and, once the playlist
	// lag has passed, late enough to prove absence as a read now would.
	var notBefore time.Time
	if last := d.LastActivity(); !last.IsZero() {
		notBefore = last.Add(listing.Lag)
		if listed, ok := a.listedBy(d, checkpointed); ok && !a.now().Before(listed) && listed.After(notBefore) {
			notBefore = listed
		}
	}
	ids, complete, readAt, err := a.recentUploads(ctx, s, ch.playlist, since, notBefore)
	if err != nil {
		return pregonero.Receipt{}, false, err
	}
	match := func(v *yt.Video) bool {
		if c.Marker != "" {
			return hasTag(v, MarkerTag(c.Marker))
		}
		return v.Snippet != nil && v.Snippet.Title == Title(c) && strings.TrimSpace(v.Snippet.Description) == Description(c)
	}
	var refused *yt.Video // the newest refused match
	for start := 0; start < len(ids); start += pageSize {
		batch := ids[start:min(start+pageSize, len(ids))]
		byID := make(map[string]*yt.Video, len(batch))
		err := s.call(ctx, "read the channel's recent videos", a.quota.ListCost, func(svc *yt.Service) error {
			// No maxResults: YouTube does not take it with id.
			resp, err := svc.Videos.List([]string{"snippet", "status"}).Id(batch...).Context(ctx).Do()
			if err != nil {
				return err
			}
			for _, v := range resp.Items {
				if v != nil && match(v) {
					byID[v.Id] = v
				}
			}
			return nil
		})
		if err != nil {
			return pregonero.Receipt{}, false, err
		}
		for _, id := range batch { // newest first
			v := byID[id]
			switch {
			case v == nil:
			case refusal(v, false) == nil:
				a.log.Info("youtube video of the delivery found", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, v.Id, pregonero.LogUploadStatus, uploadStatus(v))
				a.recordFound(ctx, c, acct, checkpointed, v.Id)
				return a.receipt(acct, v), true, nil
			case refused == nil:
				refused = v
			}
		}
	}
	if !complete {
		return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "youtube_reconcile_incomplete",
			Message: fmt.Sprintf("The channel has more uploads since %s than the %d most recent ones read, and none of those is the delivery's video; it is not uploaded again until that is known.",
				since.UTC().Format(time.RFC3339), ReconcilePages*pageSize)}
	}
	if refused != nil {
		a.log.Info("youtube video of the delivery was refused by YouTube", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, refused.Id, pregonero.LogUploadStatus, uploadStatus(refused))
		if c.Checkpoint != nil && !refusedCheckpoint && refused.Id != checkpointed {
			if err := c.Checkpoint(ctx, CheckpointVideo, refused.Id); err != nil {
				return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_checkpoint",
					Message: "The refused video could not be recorded; reconciliation will be retried.", Err: err}
			}
		}
		return pregonero.Receipt{}, false, nil
	}
	if until, ok := a.listedBy(d, checkpointed); ok && readAt.Before(until) {
		a.log.Info("youtube video not listed yet; looking again later", pregonero.LogAccount, acct.ID, pregonero.LogUntil, until.UTC().Format(time.RFC3339))
		return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "youtube_not_listed_yet",
			NotBefore: until,
			Message: fmt.Sprintf("The video is not among the channel's uploads yet, but YouTube lists a new upload only after a while; it will look again (until %s) before uploading again.",
				until.UTC().Format(time.RFC3339))}
	}
	return pregonero.Receipt{}, false, nil
}

// listedBy is when the uploads playlist lists what the delivery's
// attempts uploaded: Config.PlaylistLag after the latest of their starts
// and ends. YouTube creates the video when the last byte arrives, which
// for a long upload is long after the attempt began. ok is false when
// absence needs no wait: a video is checkpointed, the lag is disabled, or
// there is no attempt.
func (a *Adapter) listedBy(d *pregonero.Delivery, checkpointed string) (until time.Time, ok bool) {
	if checkpointed != "" || a.playlistLag <= 0 || d == nil {
		return time.Time{}, false
	}
	last := d.LastActivity()
	if last.IsZero() {
		return time.Time{}, false
	}
	return last.Add(a.playlistLag), true
}

// recordFound checkpoints the live video Reconcile found when the
// checkpoint names another (a refused or deleted one), so that a later
// Publish reads the live one. A failure only costs that read.
func (a *Adapter) recordFound(ctx context.Context, c pregonero.Content, acct *pregonero.Account, checkpointed, id string) {
	if c.Checkpoint == nil || checkpointed == "" || checkpointed == id {
		return
	}
	if err := c.Checkpoint(ctx, CheckpointVideo, id); err != nil {
		a.log.Warn("checkpoint youtube video", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, id, pregonero.LogErr, err)
	}
}

// upload is one item of the uploads playlist as Reconcile reads it.
type upload struct{ id, publishedAt string }

// uploadsSince returns the ids of a read's uploads (its pages, newest
// first) added since the given time, as a read down to it would have: up
// to the first page that goes past it. complete is false when the read's
// pages ran out first.
func uploadsSince(r listing.Listing[[]upload], since time.Time) (ids []string, complete bool) {
	for _, p := range r.Items {
		older := false
		for _, u := range p {
			if at, err := time.Parse(time.RFC3339, u.publishedAt); err == nil && at.Before(since) {
				older = true
				continue
			}
			ids = append(ids, u.id)
		}
		if older {
			return ids, true
		}
	}
	return ids, r.Complete
}

// recentUploads returns the ids of the channel's uploads added since the
// given time, newest first, reading at most ReconcilePages pages;
// complete is false when the pages ran out before since. readAt is when
// the read began.
//
// A read made for another delivery's reconciliation of the channel serves
// instead when the listing cache allows it for a read begun no earlier
// than notBefore (listing.Cache.GetFrom); without a since or a notBefore
// a read of its own is made. Each read with a since is kept, one per
// channel.
func (a *Adapter) recentUploads(ctx context.Context, s *session, playlist string, since, notBefore time.Time) (ids []string, complete bool, readAt time.Time, err error) {
	key := s.acct.ID + "\x00" + playlist
	now := a.now()
	if r, ok := a.uploads.GetFrom(key, since, notBefore, now); ok {
		ids, complete = uploadsSince(r, since)
		return ids, complete, r.Read, nil
	}
	r, err := a.readUploads(ctx, s, playlist, since)
	if err != nil {
		return nil, false, time.Time{}, err
	}
	r.Start, r.Read = since, now
	a.uploads.Put(key, r, now)
	ids, complete = uploadsSince(r, since)
	return ids, complete, now, nil
}

// readUploads reads the uploads playlist, newest first, until a page goes
// past since or the playlist ends, reading at most ReconcilePages pages.
func (a *Adapter) readUploads(ctx context.Context, s *session, playlist string, since time.Time) (listing.Listing[[]upload], error) {
	var r listing.Listing[[]upload]
	page := ""
	for range ReconcilePages {
		var resp *yt.PlaylistItemListResponse
		err := s.call(ctx, "list the channel's uploads", a.quota.ListCost, func(svc *yt.Service) error {
			call := svc.PlaylistItems.List([]string{"snippet", "status"}).PlaylistId(playlist).MaxResults(pageSize).Context(ctx)
			if page != "" {
				call = call.PageToken(page)
			}
			var err error
			resp, err = call.Do()
			return err
		})
		if err != nil {
			return listing.Listing[[]upload]{}, err
		}
		var items []upload
		older := false
		for _, it := range resp.Items {
			if it == nil || it.Snippet == nil || it.Snippet.ResourceId == nil || it.Snippet.ResourceId.VideoId == "" {
				continue
			}
			if at, err := time.Parse(time.RFC3339, it.Snippet.PublishedAt); err == nil && at.Before(since) {
				older = true
			}
			items = append(items, upload{id: it.Snippet.ResourceId.VideoId, publishedAt: it.Snippet.PublishedAt})
		}
		r.Items = append(r.Items, items)
		if older || resp.NextPageToken == "" {
			r.Complete = true
			return r, nil
		}
		page = resp.NextPageToken
	}
	return r, nil
}

// Delete deletes one of the account's videos (videos.delete, 50 units).
// A video that is already gone counts as deleted.
func (a *Adapter) Delete(ctx context.Context, acct *pregonero.Account, remoteID string) error {
	if remoteID == "" {
		return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "youtube_invalid", Message: "No video id was given to delete."}
	}
	s, err := a.open(ctx, acct)
	if err != nil {
		return err
	}
	if err := s.token(); err != nil {
		return err
	}
	err = s.call(ctx, "delete video "+remoteID, a.quota.DeleteCost, func(svc *yt.Service) error {
		return svc.Videos.Delete(remoteID).Context(ctx).Do()
	})
	if pe := pregonero.AsPublishError(err); err != nil && pe.Code == "youtube_not_found" {
		a.log.Info("youtube video already gone", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, remoteID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete youtube video %s: %w", remoteID, err)
	}
	a.log.Info("youtube video deleted", pregonero.LogAccount, acct.ID, pregonero.LogVideoID, remoteID)
	return nil
}

package instagram

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

// Container status codes (IG Container status_code).
const (
	statusInProgress = "IN_PROGRESS"
	statusFinished   = "FINISHED"
	statusError      = "ERROR"
	statusExpired    = "EXPIRED"
	statusPublished  = "PUBLISHED"
)

// fetchSubcodes are container errors of Meta failing to download the media
// from its public URL: fix the hosting and create the container again.
var fetchSubcodes = map[int]bool{
	2207003: true, // download timed out
	2207052: true, // media could not be fetched from the URI
}

// formatSubcodes are container errors about the media itself, which the
// same media will meet again.
var formatSubcodes = map[int]bool{
	2207004: true, // image too large
	2207005: true, // unsupported image format
	2207009: true, // aspect ratio not supported
	2207010: true, // caption too long
	2207023: true, // unknown media type
	2207026: true, // unsupported video format
	2207028: true, // carousel children invalid
}

// subcodeRE finds an Instagram error subcode in a container's status text,
// e.g. "Error: Media download has failed. … (2207052)".
var subcodeRE = regexp.MustCompile(`\b2207\d{3}\b`)

// maxCreations bounds the containers one attempt creates, so that media
// that keep expiring or failing cannot loop.
const maxCreations = 2

// reconcileSlack widens the search for a published container's post before
// the delivery's first attempt, for clock differences with Meta, when the
// instant media_publish was called is unknown.
const reconcileSlack = 2 * time.Minute

// publishSkew widens the search for a published container's post before
// the instant media_publish was called, for clock differences with Meta.
const publishSkew = 30 * time.Second

// publishSpan is how long after the instant media_publish was called the
// call's post may be stamped: the call itself lasts at most the HTTP
// client's timeout (graph.DefaultTimeout by default), and Meta may finish
// it a little after the client gave up. A post stamped later is another
// call's.
const publishSpan = 5 * time.Minute

// storyLife is how long a story stays in the account's stories list.
const storyLife = 24 * time.Hour

// codeIncomplete is the code of a list read to its page bound without
// covering the time asked for.
const codeIncomplete = "instagram_reconcile_incomplete"

// fallbackURL is the receipt address when the permalink cannot be read.
const fallbackURL = "https://www.instagram.com/"

// link returns an address on Instagram's site (a permalink, the profile)
// moved to the account's link base when it has one, path kept.
func (cn *conn) link(u string) string { return graph.LinkOn(cn.acct.LinkBase, u) }

// containerStatus is what GET /{container}?fields=status_code,status said.
type containerStatus struct {
	code    string
	text    string
	subcode int
}

func (cn *conn) status(ctx context.Context, id string) (containerStatus, error) {
	res, err := cn.get(ctx, "/"+id, fb.Params{"fields": "status_code,status"})
	if err != nil {
		return containerStatus{}, fmt.Errorf("read status of container %s: %w", id, err)
	}
	st := containerStatus{code: strings.ToUpper(strings.TrimSpace(graph.Str(res, "status_code"))), text: graph.Str(res, "status")}
	if m := subcodeRE.FindString(st.text); m != "" {
		st.subcode, _ = strconv.Atoi(m)
	}
	return st, nil
}

// publication is one attempt at publishing a delivery.
type publication struct {
	a       *Adapter
	cn      *conn
	d       *pregonero.Delivery
	c       pregonero.Content
	format  string
	caption string
	// deadline ends the waiting for containers within this attempt.
	deadline time.Time
	// publishAt is the instant media_publish was last called for the
	// current container, as checkpointed; zero when unknown.
	publishAt time.Time
}

// Publish creates the delivery's container (or resumes the checkpointed
// one), waits until Instagram has processed it, checks the publishing
// quota and publishes it.
func (a *Adapter) Publish(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account) (pregonero.Receipt, error) {
	if errs := a.Validate(c, acct); len(errs) > 0 {
		msgs := make([]string, len(errs))
		code := "instagram_invalid"
		for i, e := range errs {
			msgs[i] = e.Message
			switch {
			case e.Field == "text" && e.Code == pregonero.FieldTooLong:
				code = "instagram_too_long"
			case e.Limit == "public_url":
				return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "instagram_public_url",
					Message: "Instagram downloads media from a public address, and this server has none: set the server's public_url to an HTTPS address reachable from the internet."}
			}
		}
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: code,
			Message: "The post does not fit Instagram's limits: " + strings.Join(msgs, "; ")}
	}
	cn, err := a.connect(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, err
	}
	p := &publication{a: a, cn: cn, d: d, c: c, format: format(c), caption: ComposeCaption(c), deadline: time.Now().Add(a.pollTimeout)}
	return p.run(ctx)
}

func (p *publication) run(ctx context.Context) (pregonero.Receipt, error) {
	var container string
	if p.d != nil {
		container = strings.TrimSpace(p.d.Checkpoint[CheckpointContainer])
	}
	if container != "" {
		if !graph.ValidNodeID(container) {
			return pregonero.Receipt{}, badID("container id of the delivery's " + CheckpointContainer + " checkpoint")
		}
		p.publishAt = p.a.publishedAt(p.d, p.cn.acct.ID)
	}
	// A resumed container is read at once; a new one is given time first.
	resumed, created := container != "", 0
	for {
		if container == "" {
			if created == maxCreations {
				return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_container_expired",
					Message: "Instagram let the media container expire again before it could be published; it will be created anew on the next attempt."}
			}
			id, err := p.create(ctx)
			if err != nil {
				return pregonero.Receipt{}, err
			}
			created++
			if err := p.checkpoint(ctx, id); err != nil {
				return pregonero.Receipt{}, err
			}
			container, resumed, p.publishAt = id, false, time.Time{}
		}
		st, err := p.wait(ctx, container, resumed)
		if err != nil {
			return pregonero.Receipt{}, err
		}
		log := p.a.log.With(pregonero.LogAccount, p.cn.acct.ID, pregonero.LogContainer, container, pregonero.LogStatus, st.code)
		switch st.code {
		case statusPublished:
			log.Info("instagram container already published; looking up its post")
			return p.published(ctx, container)
		case statusExpired:
			log.Info("instagram container expired; creating it again")
			p.clear(ctx)
			container = ""
		case statusError:
			recreate, err := p.containerFailed(ctx, st, resumed)
			if !recreate {
				return pregonero.Receipt{}, err
			}
			log.Info("instagram container failed before this attempt; creating it again", pregonero.LogStatusText, st.text)
			container = ""
		case statusInProgress:
			return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_processing",
				Message: fmt.Sprintf("Instagram is still processing the media after %s; the next attempt resumes the same container.", p.a.pollTimeout)}
		case statusFinished:
			r, next, err := p.publish(ctx, container)
			switch next {
			case nextDone:
				return r, err
			case nextRecreate:
				log.Info("instagram container expired at publishing; creating it again")
				p.clear(ctx)
				container = ""
			case nextWait:
				resumed = false
			}
		default:
			return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_container_status",
				Message: fmt.Sprintf("Instagram reported the unknown container status %q; it will be checked again.", st.code), NetworkMessage: st.text}
		}
	}
}

// checkpoint persists the container id before it is polled or published.
func (p *publication) checkpoint(ctx context.Context, id string) error {
	if p.c.Checkpoint == nil {
		return nil
	}
	if err := p.c.Checkpoint(ctx, CheckpointContainer, id); err != nil {
		// Nothing was published; an unpublished container expires alone.
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_checkpoint",
			Message: "The Instagram media container could not be recorded; nothing was published and it will be retried.",
			Err:     fmt.Errorf("checkpoint container %s: %w", id, err)}
	}
	return nil
}

// clear forgets the checkpointed container and its publish instant. A
// failure is only logged: the container it leaves behind reads as failed
// or expired next time and is replaced then, and an instant left behind is
// written again before the next media_publish.
func (p *publication) clear(ctx context.Context) {
	p.publishAt = time.Time{}
	if p.c.Checkpoint == nil {
		return
	}
	for _, key := range []string{CheckpointContainer, CheckpointPublishAt} {
		if err := p.c.Checkpoint(ctx, key, ""); err != nil {
			p.a.log.Warn("instagram checkpoint could not be cleared", pregonero.LogAccount, p.cn.acct.ID, pregonero.LogCheckpoint, key, pregonero.LogErr, err)
		}
	}
}

// markPublish records the instant media_publish is about to be called,
// before the call, so that reconciliation searches for the post from
// there and not from the delivery's start, where another delivery's post
// of the same caption (or a story, which has none) may be.
func (p *publication) markPublish(ctx context.Context, container string) error {
	at := p.a.now().UTC().Truncate(time.Second)
	if p.c.Checkpoint != nil {
		if err := p.c.Checkpoint(ctx, CheckpointPublishAt, strconv.FormatInt(at.Unix(), 10)); err != nil {
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_checkpoint",
				Message: "The instant of publication could not be recorded; nothing was published and the same container is published on the next attempt.",
				Err:     fmt.Errorf("checkpoint publish instant of container %s: %w", container, err)}
		}
	}
	p.publishAt = at
	return nil
}

// restorePublish puts back the instant of an earlier media_publish call
// of the container, known to have published it when a later call is
// refused as a second publication; zero (unknown) clears it. A failed
// write is only logged: reconciliation then searches from the later call
// and, not finding the post there, falls back as locate describes.
func (p *publication) restorePublish(ctx context.Context, at time.Time) {
	p.publishAt = at
	if p.c.Checkpoint == nil {
		return
	}
	v := ""
	if !at.IsZero() {
		v = strconv.FormatInt(at.Unix(), 10)
	}
	if err := p.c.Checkpoint(ctx, CheckpointPublishAt, v); err != nil {
		p.a.log.Warn("instagram publish instant checkpoint could not be restored", pregonero.LogAccount, p.cn.acct.ID, pregonero.LogErr, err)
	}
}

// containerFailed decides what a container in ERROR means: recreate at
// once (a container of an earlier attempt that failed for a reason the
// media do not explain), or the error to return.
func (p *publication) containerFailed(ctx context.Context, st containerStatus, resumed bool) (recreate bool, err error) {
	p.clear(ctx)
	switch {
	case formatSubcodes[st.subcode]:
		return false, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "instagram_media_format",
			Message:        fmt.Sprintf("Instagram refused the media (subcode %d): images must be JPEG of at most 8 MiB with an aspect ratio from 4:5 to 1.91:1, videos MP4 or MOV. Instagram said: %s", st.subcode, st.text),
			NetworkMessage: st.text}
	case resumed:
		return true, nil
	case fetchSubcodes[st.subcode]:
		return false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_media_fetch",
			Message:        fmt.Sprintf("Instagram could not download the media from its public address (subcode %d): check that public_url is an HTTPS address reachable from the internet and that it serves the files; the media are fetched again on the next attempt.", st.subcode),
			NetworkMessage: st.text}
	default:
		return false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_container_error",
			Message:        fmt.Sprintf("Instagram could not prepare the media (subcode %d); the container is created again on the next attempt.", st.subcode),
			NetworkMessage: st.text}
	}
}

// pause waits *delay, never past the deadline, and doubles *delay.
func (p *publication) pause(ctx context.Context, delay *time.Duration) error {
	d := min(*delay, time.Until(p.deadline))
	*delay = min(2**delay, MaxPollInterval)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_canceled",
			Message: "Waiting for Instagram to process the media was interrupted; nothing was published and the next attempt resumes the same container.",
			Err:     ctx.Err()}
	}
}

// wait reads the container's status until it is no longer in progress or
// the attempt's polling time is spent. immediate reads it before the first
// pause.
func (p *publication) wait(ctx context.Context, id string, immediate bool) (containerStatus, error) {
	delay := p.a.pollInterval
	if !immediate {
		if err := p.pause(ctx, &delay); err != nil {
			return containerStatus{}, err
		}
	}
	for {
		st, err := p.cn.status(ctx, id)
		if err != nil || st.code != statusInProgress || !time.Now().Before(p.deadline) {
			return st, err
		}
		if err := p.pause(ctx, &delay); err != nil {
			return containerStatus{}, err
		}
	}
}

// create creates the container of the content and returns its id.
func (p *publication) create(ctx context.Context) (string, error) {
	media := p.c.Media
	params := fb.Params{}
	switch {
	case p.format == pregonero.FormatStory:
		params["media_type"] = "STORIES"
		if kindOf(media[0]) == kindVideo {
			params["video_url"] = media[0].URL
		} else {
			params["image_url"] = media[0].URL
		}
	case len(media) == 1 && kindOf(media[0]) == kindVideo:
		params["media_type"] = "REELS"
		params["video_url"] = media[0].URL
		if p.format == pregonero.FormatFeed {
			params["share_to_feed"] = "true"
		}
	case len(media) == 1:
		params["image_url"] = media[0].URL
		if alt := strings.TrimSpace(media[0].AltText); alt != "" {
			params["alt_text"] = alt
		}
	default:
		return p.createCarousel(ctx)
	}
	if p.caption != "" && p.format != pregonero.FormatStory {
		params["caption"] = p.caption
	}
	return p.postContainer(ctx, params)
}

// createCarousel creates one child container per item, then the carousel.
// The children need no checkpoint: unpublished containers expire alone.
func (p *publication) createCarousel(ctx context.Context) (string, error) {
	children := make([]string, len(p.c.Media))
	for i, m := range p.c.Media {
		params := fb.Params{"is_carousel_item": "true"}
		if kindOf(m) == kindVideo {
			params["media_type"] = "VIDEO"
			params["video_url"] = m.URL
		} else {
			params["image_url"] = m.URL
			if alt := strings.TrimSpace(m.AltText); alt != "" {
				params["alt_text"] = alt
			}
		}
		id, err := p.postContainer(ctx, params)
		if err != nil {
			return "", fmt.Errorf("carousel item %d: %w", i, err)
		}
		children[i] = id
	}
	params := fb.Params{"media_type": "CAROUSEL", "children": strings.Join(children, ",")}
	if p.caption != "" {
		params["caption"] = p.caption
	}
	id, err := p.postContainer(ctx, params)
	if err != nil && notReady(err) {
		// Meta may want the children processed before the carousel.
		for _, c := range children {
			st, werr := p.wait(ctx, c, false)
			if werr != nil {
				return "", werr
			}
			switch st.code {
			case statusError:
				_, ferr := p.containerFailed(ctx, st, false)
				return "", ferr
			case statusInProgress:
				return "", err
			}
		}
		id, err = p.postContainer(ctx, params)
	}
	return id, err
}

// postContainer sends POST /{ig-user}/media.
func (p *publication) postContainer(ctx context.Context, params fb.Params) (string, error) {
	res, err := p.cn.call(ctx, graph.OpPrepare, fb.POST, "/"+p.cn.ig+"/media", params)
	if err != nil {
		return "", fmt.Errorf("create instagram container: %w", err)
	}
	id := graph.Str(res, "id")
	if id == "" {
		return "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_malformed_response",
			Message: "Instagram's answer to the media container request had no id; nothing was published and it will be retried."}
	}
	if !graph.ValidNodeID(id) {
		return "", badID("container id in Instagram's answer to the media container request")
	}
	return id, nil
}

func notReady(err error) bool {
	ge, ok := graph.AsError(err)
	return ok && (ge.Code == graph.CodeNotReady || ge.Subcode == graph.SubcodeNotReady)
}

// What run does after publish.
type next int

const (
	nextDone     next = iota // return publish's outcome
	nextWait                 // the container is not ready after all: wait and read it again
	nextRecreate             // the container expired: create another
)

// publish checks the quota and sends media_publish for a FINISHED
// container.
func (p *publication) publish(ctx context.Context, container string) (pregonero.Receipt, next, error) {
	if err := p.checkQuota(ctx); err != nil {
		return pregonero.Receipt{}, nextDone, err
	}
	acct := p.cn.acct
	prev := p.publishAt
	if err := p.markPublish(ctx, container); err != nil {
		return pregonero.Receipt{}, nextDone, err
	}
	res, err := p.cn.call(ctx, graph.OpCreate, fb.POST, "/"+p.cn.ig+"/media_publish", fb.Params{"creation_id": container})
	if err == nil {
		id := graph.Str(res, "id")
		if id == "" {
			return pregonero.Receipt{}, nextDone, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "instagram_malformed_response",
				Message: "Instagram answered the publication without a media id; whether the post went out is checked before any new attempt."}
		}
		if !graph.ValidNodeID(id) {
			// The post is out: its id is looked up by reconciliation.
			p.a.countPublished(acct.ID)
			return pregonero.Receipt{}, nextDone, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "instagram_bad_id",
				Message: "Instagram answered the publication with a media id that is not an Instagram id (decimal digits); the post is looked up before any new attempt."}
		}
		p.a.countPublished(acct.ID)
		p.a.log.Info("instagram media published", pregonero.LogAccount, acct.ID, pregonero.LogContainer, container, pregonero.LogMediaID, id)
		return p.receipt(ctx, id), nextDone, nil
	}
	pe := pregonero.AsPublishError(err)
	ge, _ := graph.AsError(err)
	switch {
	case ge != nil && ge.Subcode == graph.SubcodeContainerExpired:
		return pregonero.Receipt{}, nextRecreate, nil
	case ge != nil && (ge.Code == graph.CodeNotReady || ge.Subcode == graph.SubcodeNotReady):
		if !time.Now().Before(p.deadline) {
			return pregonero.Receipt{}, nextDone, fmt.Errorf("publish container %s: %w", container, err)
		}
		return pregonero.Receipt{}, nextWait, nil
	case ge != nil && ge.Subcode == graph.SubcodePublishLimit:
		q := p.a.lastQuota(acct.ID)
		limited := *pe
		limited.NotBefore = p.cn.quotaReset(ctx, q.duration)
		limited.Message = fmt.Sprintf("The account reached Instagram's limit of API-published posts in %s; the post waits until %s.",
			durationText(q.duration), limited.NotBefore.UTC().Format(time.RFC3339))
		return pregonero.Receipt{}, nextDone, &limited
	case pe.Class == pregonero.ClassPermanent || pe.Class == pregonero.ClassDuplicate:
		// Refusing to publish a container published already is how a
		// lost earlier answer shows: ask the container. When it cannot
		// be asked, the post may be out: reconciliation asks later.
		st, serr := p.cn.status(ctx, container)
		switch {
		case serr != nil:
			return pregonero.Receipt{}, nextDone, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "instagram_publish_unverified",
				Message:        "Instagram refused to publish the media container, and the container's status could not be read to tell whether an earlier attempt had published it; that is checked before any new attempt.",
				NetworkMessage: pe.NetworkMessage, HTTPStatus: pe.HTTPStatus,
				Err: fmt.Errorf("publish container %s: %w (status: %w)", container, err, serr)}
		case st.code == statusPublished:
			// An earlier call published it: search from that call.
			p.restorePublish(ctx, prev)
			r, err := p.published(ctx, container)
			return r, nextDone, err
		}
	}
	return pregonero.Receipt{}, nextDone, fmt.Errorf("publish container %s: %w", container, err)
}

// published finds the post of a container Instagram reports PUBLISHED.
func (p *publication) published(ctx context.Context, container string) (pregonero.Receipt, error) {
	return p.cn.locate(ctx, container, p.c, p.publishAt, sinceOf(p.d, p.a.now()), time.Time{})
}

// sinceOf is the earliest time a delivery's container could have been
// published: its first attempt (or its scheduled time) minus some slack.
func sinceOf(d *pregonero.Delivery, now time.Time) time.Time {
	t := now.Add(-48 * time.Hour)
	if d != nil {
		if len(d.Attempts) > 0 && !d.Attempts[0].StartedAt.IsZero() {
			t = d.Attempts[0].StartedAt
		} else if !d.ScheduledAt.IsZero() && d.ScheduledAt.Before(now) {
			t = d.ScheduledAt
		}
	}
	return t.Add(-reconcileSlack)
}

// receipt reads the post's permalink and time. It never fails: the post
// is published, so a failed read falls back to now and Instagram's
// address.
func (p *publication) receipt(ctx context.Context, id string) pregonero.Receipt {
	r := pregonero.Receipt{RemoteID: id, URL: p.cn.link(fallbackURL), PublishedAt: p.a.now().UTC()}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := p.cn.get(ctx, "/"+id, fb.Params{"fields": "permalink,timestamp"})
	if err != nil {
		p.a.log.Warn("instagram permalink read failed; the receipt uses Instagram's address", pregonero.LogAccount, p.cn.acct.ID, pregonero.LogMediaID, id, pregonero.LogErr, err)
		return r
	}
	if u := graph.Str(res, "permalink"); u != "" {
		r.URL = p.cn.link(u)
	}
	if t, ok := graph.ParseTime(graph.Str(res, "timestamp")); ok {
		r.PublishedAt = t
	}
	return r
}

// checkQuota reads the publishing quota live and refuses when it is spent.
// A failed read does not stop the publication (media_publish enforces the
// quota itself) unless it says the account cannot publish at all.
func (p *publication) checkQuota(ctx context.Context) error {
	q, err := p.cn.quota(ctx)
	if err != nil {
		if stops(err) {
			return err
		}
		p.a.log.Warn("instagram publishing quota could not be read; publishing anyway", pregonero.LogAccount, p.cn.acct.ID, pregonero.LogErr, err)
		return nil
	}
	if q.total <= 0 || q.usage < q.total {
		return nil
	}
	nb := p.cn.quotaReset(ctx, q.duration)
	return &pregonero.PublishError{Class: pregonero.ClassRateLimited, Code: "instagram_publish_limit", NotBefore: nb,
		Message: fmt.Sprintf("The account used its %d API-published posts of the last %s; the post waits until %s.", q.total, durationText(q.duration), nb.UTC().Format(time.RFC3339))}
}

// stops reports whether a failed read means the account cannot publish
// now whatever is tried: credentials refused, account blocked, throttled.
func stops(err error) bool {
	var pe *pregonero.PublishError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Class {
	case pregonero.ClassNeedsReauth, pregonero.ClassAccountBlocked, pregonero.ClassRateLimited:
		return true
	}
	return false
}

func durationText(d time.Duration) string {
	if d <= 0 {
		d = 24 * time.Hour
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return d.String()
}

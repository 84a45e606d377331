package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"
	"golang.org/x/text/unicode/norm"

	"pregonero"
	"pregonero/adapters/graph"
	"pregonero/adapters/listing"
)

// pageSize is the number of media asked per page of a list.
const pageSize = 50

// mediaItem is one entry of GET /{ig-user}/media or /stories.
type mediaItem struct {
	ID        string `json:"id"`
	Caption   string `json:"caption"`
	Timestamp string `json:"timestamp"`
	Permalink string `json:"permalink"`
	MediaType string `json:"media_type"`
}

// Reconcile tells whether an attempt of unknown outcome published the
// delivery, from the container checkpointed before media_publish: a
// PUBLISHED container was published, and its post is looked up among the
// account's media around the instant media_publish was called
// (CheckpointPublishAt; the given since for a checkpoint written without
// it), as locate describes; a container in any other state was not, and
// since a container publishes at most once and media_publish is the only
// call that publishes, the next attempt may resume it safely. Without a
// checkpoint nothing was published; the publishing quota is read then,
// which also checks the credentials.
func (a *Adapter) Reconcile(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account, since time.Time) (pregonero.Receipt, bool, error) {
	cn, err := a.connect(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}
	var container string
	if d != nil {
		container = strings.TrimSpace(d.Checkpoint[CheckpointContainer])
	}
	if container == "" {
		if _, err := cn.quota(ctx); err != nil {
			if stops(err) {
				return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
			}
			a.log.Warn("instagram publishing quota could not be read while reconciling", pregonero.LogAccount, acct.ID, pregonero.LogErr, err)
		}
		return pregonero.Receipt{}, false, nil
	}
	if !graph.ValidNodeID(container) {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", badID("container id of the delivery's "+CheckpointContainer+" checkpoint"))
	}
	st, err := cn.status(ctx, container)
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}
	switch st.code {
	case statusPublished:
		at := a.publishedAt(d, acct.ID)
		attempt := d.LastActivity()
		if at.After(attempt) {
			attempt = at
		}
		r, err := cn.locate(ctx, container, c, at, since, attempt)
		if err != nil {
			return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
		}
		a.log.Info("instagram post found by reconciliation", pregonero.LogAccount, acct.ID, pregonero.LogContainer, container, pregonero.LogMediaID, r.RemoteID)
		return r, true, nil
	case statusFinished, statusInProgress, statusError, statusExpired:
		return pregonero.Receipt{}, false, nil
	default:
		return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_container_status",
			Message: fmt.Sprintf("Instagram reported the unknown container status %q; it will be checked again.", st.code), NetworkMessage: st.text}
	}
}

// publishedAt reads the instant media_publish was last called for the
// delivery's container from its checkpoint; zero when there is none (a
// checkpoint written before the instant was recorded) or it is unreadable.
func (a *Adapter) publishedAt(d *pregonero.Delivery, accountID string) time.Time {
	if d == nil {
		return time.Time{}
	}
	v := strings.TrimSpace(d.Checkpoint[CheckpointPublishAt])
	if v == "" {
		return time.Time{}
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs <= 0 {
		a.log.Warn("instagram publish instant checkpoint unreadable; searching from the delivery's start", pregonero.LogAccount, accountID, pregonero.LogCheckpoint, CheckpointPublishAt)
		return time.Time{}
	}
	return time.Unix(secs, 0).UTC()
}

// target is what locate looks for: the post of one content.
type target struct {
	edge    string          // media, or stories for a story
	caption string          // normalized composed caption; empty for a story
	types   map[string]bool // media_type values the post may carry
	story   bool
}

// targetOf describes the post a content makes. Instagram reports feed
// images as IMAGE, albums as CAROUSEL_ALBUM, reels (and single feed
// videos, published as reels) as VIDEO, and stories by their media, IMAGE
// or VIDEO; the container types REELS, CAROUSEL and STORY/STORIES are
// taken too.
func targetOf(c pregonero.Content) target {
	t := target{edge: "media", caption: normalize(ComposeCaption(c))}
	video := len(c.Media) == 1 && kindOf(c.Media[0]) == kindVideo
	switch {
	case format(c) == pregonero.FormatStory:
		t.edge, t.caption, t.story = "stories", "", true
		t.types = set("STORY", "STORIES", "IMAGE")
		if video {
			t.types = set("STORY", "STORIES", "VIDEO")
		}
	case len(c.Media) > 1:
		t.types = set("CAROUSEL_ALBUM", "CAROUSEL")
	case video:
		t.types = set("VIDEO", "REELS")
	default:
		t.types = set("IMAGE")
	}
	return t
}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// What find concluded.
type verdict int

const (
	verdictAbsent    verdict = iota // no post fits
	verdictFound                    // one post fits
	verdictAmbiguous                // several posts fit equally well
)

// find looks for the post of a published container among the account's
// media (stories for a story) whose caption equals the composed caption
// (NFC, trimmed; stories have none) and whose media_type fits the content.
//
// With the instant media_publish was called (at), only posts stamped from
// publishSkew before it to publishSpan after it can be that call's post.
// One stamped at or after the instant is preferred to those in the skew
// margin before it, which are most likely an earlier delivery's: a post
// of the margin is taken only when none is at or after the instant (Meta's
// clock behind ours). When two posts remain equally plausible (both at or
// after the instant, or, with none there, both in the margin) the verdict
// is ambiguous rather than a guess. Without the instant (at zero: a
// checkpoint written before it was recorded) every post since the given
// time is a candidate and any two make the verdict ambiguous.
//
// What remains possible is a post of another delivery with the same
// caption and type, stamped within the window, taken while this call's
// own post is not listed yet.
//
// The media are read with media: a read made for another delivery's
// reconciliation serves when attempt allows it.
func (cn *conn) find(ctx context.Context, t target, at, since, attempt time.Time) (pregonero.Receipt, verdict, error) {
	from, until := since.UTC().Truncate(time.Second), time.Time{}
	if !at.IsZero() {
		at = at.UTC().Truncate(time.Second)
		from, until = at.Add(-publishSkew), at.Add(publishSpan)
	}
	var after, before []mediaItem
	visit := func(m mediaItem) bool {
		ts, ok := graph.ParseTime(m.Timestamp)
		if !ok {
			return false
		}
		if ts.Before(from) {
			return true // the list is newest first: older posts follow
		}
		if !until.IsZero() && ts.After(until) {
			return false
		}
		if !t.types[strings.ToUpper(strings.TrimSpace(m.MediaType))] || normalize(m.Caption) != t.caption || !graph.ValidNodeID(m.ID) {
			return false
		}
		if at.IsZero() || !ts.Before(at) {
			after = append(after, m)
		} else {
			before = append(before, m)
		}
		return false
	}
	items, err := cn.media(ctx, t.edge, "id,caption,timestamp,permalink,media_type", from, until, attempt)
	if err != nil {
		return pregonero.Receipt{}, verdictAbsent, err
	}
	for _, m := range items {
		if visit(m) {
			break
		}
	}
	var best mediaItem
	switch {
	case len(after) == 1:
		best = after[0]
	case len(after) > 1:
		return pregonero.Receipt{}, verdictAmbiguous, nil
	case len(before) == 1:
		best = before[0]
	case len(before) > 1:
		return pregonero.Receipt{}, verdictAmbiguous, nil
	default:
		return pregonero.Receipt{}, verdictAbsent, nil
	}
	ts, _ := graph.ParseTime(best.Timestamp)
	r := pregonero.Receipt{RemoteID: best.ID, URL: cn.link(best.Permalink), PublishedAt: ts}
	if best.Permalink == "" {
		r.URL = cn.link(fallbackURL)
	}
	return r, verdictFound, nil
}

// locate returns the receipt of a container Instagram reports PUBLISHED.
// The post is looked up with find around the instant media_publish was
// called (at; without it, from since on). A post that cannot be told
// apart (not listed, several fitting, or more pages than ReconcilePages)
// is an unknown-class error, so that reconciliation looks again, for
// UnlistedAfter after the instant; past it (or once a story has left the
// stories list, after 24 hours) the post is known to be out and is not
// going to be listed: locate gives a fallback receipt then, with the
// container id as "container:<id>" for the media id, the account's profile
// for the address, and logs a warning. It never reports such a post as
// absent, which would publish it again. attempt, the latest instant the
// post may have been made (zero when unknown), lets a read of the media
// made for another delivery serve (see media).
func (cn *conn) locate(ctx context.Context, container string, c pregonero.Content, at, since, attempt time.Time) (pregonero.Receipt, error) {
	t := targetOf(c)
	ref := at
	if ref.IsZero() {
		ref = since
	}
	age := cn.a.now().Sub(ref)
	var (
		r       pregonero.Receipt
		v       verdict
		err     error
		why     string
		pending error
	)
	if t.story && age >= storyLife {
		why = "stories are listed for 24 hours only"
	} else {
		r, v, err = cn.find(ctx, t, at, since, attempt)
		switch {
		case err == nil && v == verdictFound:
			return r, nil
		case err == nil && v == verdictAmbiguous:
			why = "several posts fit it equally well"
			pending = ambiguous(container)
		case err == nil:
			why = "it is not among the account's media"
			pending = notListed(container)
		case errorCode(err) == codeIncomplete:
			why = "the account's media since then are too many to read"
			pending = err
		default:
			return pregonero.Receipt{}, err
		}
		if age < cn.a.unlistedAfter {
			return pregonero.Receipt{}, pending
		}
	}
	r = cn.fallbackReceipt(ctx, container, at)
	cn.a.log.Warn("instagram post is out but its media id could not be read; the receipt names its container and the profile",
		pregonero.LogAccount, cn.acct.ID, pregonero.LogContainer, container, pregonero.LogReason, why, pregonero.LogMediaID, r.RemoteID, pregonero.LogURL, r.URL)
	return r, nil
}

// fallbackReceipt is the receipt of a post known to be published whose
// media cannot be found: the container for the id, the account's profile
// (Instagram's address when its username cannot be read) and the publish
// instant, now when it is unknown.
func (cn *conn) fallbackReceipt(ctx context.Context, container string, at time.Time) pregonero.Receipt {
	r := pregonero.Receipt{RemoteID: ContainerReceiptPrefix + container, URL: cn.link(fallbackURL), PublishedAt: at}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = cn.a.now().UTC()
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := cn.get(ctx, "/"+cn.ig, fb.Params{"fields": "username"})
	if err != nil {
		cn.a.log.Warn("instagram username unreadable; the receipt uses Instagram's address", pregonero.LogAccount, cn.acct.ID, pregonero.LogErr, err)
		return r
	}
	if u := graph.Str(res, "username"); usernameRE.MatchString(u) {
		r.URL = cn.link(fallbackURL + u + "/")
	}
	return r
}

// notListed is the failure of a container published whose post is not
// listed yet: the outcome is known to Instagram, and is looked up again.
func notListed(container string) error {
	return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "instagram_not_listed",
		Message: fmt.Sprintf("Instagram says container %s was published but its post is not among the account's media yet; it will be looked up again, never published twice.", container)}
}

// ambiguous is the failure of a container published whose post cannot be
// told from another of the same caption and type published about the same
// time.
func ambiguous(container string) error {
	return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "instagram_ambiguous",
		Message: fmt.Sprintf("Instagram says container %s was published, but several posts of the account with the same caption and type fit it; it will be looked up again, never published twice.", container)}
}

// errorCode returns the code of the PublishError err is or wraps.
func errorCode(err error) string {
	var pe *pregonero.PublishError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func normalize(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// list reads the account's media of one edge, newest first, from since on
// (the whole edge when since is zero) and up to until (now when zero),
// calling visit with each until it returns true. It reads at most
// ReconcilePages pages and fails when more remain, since absence is then
// unproven.
func (cn *conn) list(ctx context.Context, edge, fields string, since, until time.Time, visit func(mediaItem) bool) error {
	params := fb.Params{"fields": fields, "limit": strconv.Itoa(pageSize)}
	if !since.IsZero() {
		params["since"] = strconv.FormatInt(since.Unix(), 10)
	}
	if !until.IsZero() {
		params["until"] = strconv.FormatInt(until.Unix()+1, 10)
	}
	res, err := cn.get(ctx, "/"+cn.ig+"/"+edge, params)
	for page := 1; ; page++ {
		if err != nil {
			return fmt.Errorf("list instagram %s: %w", edge, err)
		}
		var out struct {
			Data []mediaItem `json:"data"`
		}
		if err := decode(res, &out); err != nil {
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_malformed_response",
				Message: fmt.Sprintf("Instagram's list of the account's %s could not be read; it will be read again.", edge), Err: err}
		}
		for _, m := range out.Data {
			if visit(m) {
				return nil
			}
		}
		next := graph.Str(res, "paging.next")
		if next == "" || len(out.Data) == 0 {
			return nil
		}
		if page == cn.a.pages {
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: codeIncomplete,
				Message: fmt.Sprintf("More than %d pages of the account's %s since %s were read without an answer; it will be checked again.", cn.a.pages, edge, since.UTC().Format(time.RFC3339))}
		}
		res, err = cn.next(ctx, next)
	}
}

// media returns the account's media of one edge from since on, newest
// first, as far as list reads them for the window from since to until
// (up to now when until is zero): the list ends, or stops at the first
// item older than since, or fails when more pages than ReconcilePages
// remain before since.
//
// With an attempt (the latest instant the sought post may have been
// made) and a since, the read is shared between the reconciliations of
// the account's deliveries, as in listing.Cache: a read of the edge up to
// now, made for another delivery, serves when it starts no later than
// since, began at least listing.Lag after the attempt, and is younger
// than listing.TTL; otherwise such a read is made and kept. One that
// ran out of pages before since serves nothing of this window: the window
// alone is read then, as without sharing.
func (cn *conn) media(ctx context.Context, edge, fields string, since, until, attempt time.Time) ([]mediaItem, error) {
	var items []mediaItem
	collect := func(m mediaItem) bool {
		if ts, ok := graph.ParseTime(m.Timestamp); ok && ts.Before(since) {
			return true // the list is newest first: older posts follow
		}
		items = append(items, m)
		return false
	}
	if since.IsZero() || attempt.IsZero() {
		err := cn.list(ctx, edge, fields, since, until, collect)
		return items, err
	}
	a := cn.a
	key := cn.acct.ID + "\x00" + cn.s.BaseURL + "/" + cn.ig + "/" + edge + "\x00" + fields
	now := a.now()
	x, shared := a.listings.Get(key, since, attempt, now)
	var err error
	if !shared {
		err = cn.list(ctx, edge, fields, since, time.Time{}, collect)
		if err != nil && errorCode(err) != codeIncomplete {
			return nil, err
		}
		x = listing.Listing[mediaItem]{Start: since, Read: now, Items: items, Complete: err == nil}
		a.listings.Put(key, x, now)
		items = nil
	}
	covered := x.Complete
	for _, m := range x.Items {
		if collect(m) {
			covered = true
			break
		}
	}
	switch {
	case covered:
		return items, nil
	case !shared && until.IsZero():
		return items, err
	}
	items = nil
	err = cn.list(ctx, edge, fields, since, until, collect)
	return items, err
}

// next reads the page at a paging.next address. The address must be on
// the session's host; the access token is added when Graph left it out.
func (cn *conn) next(ctx context.Context, next string) (fb.Result, error) {
	u, err := url.Parse(next)
	base, berr := url.Parse(cn.s.BaseURL)
	if err != nil || berr != nil || !strings.EqualFold(u.Host, base.Host) {
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_malformed_response",
			Message: "Instagram's next page of results points to another host; the list is not followed there and it will be read again."}
	}
	u.Scheme = base.Scheme
	q := u.Query()
	if q.Get("access_token") == "" {
		q.Set("access_token", cn.s.AccessToken())
	}
	if proof := cn.s.AppsecretProof(); proof != "" && q.Get("appsecret_proof") == "" {
		q.Set("appsecret_proof", proof)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_malformed_response",
			Message: "Instagram's next page of results has an unusable address; it will be read again."}
	}
	s := cn.s.WithContext(ctx)
	res, err := s.Request(req)
	cn.a.recordUsage(cn.acct.ID, res)
	if err != nil {
		return res, graph.ClassifyIn(s, network, graph.OpRead, err, res, cn.a.now())
	}
	return res, nil
}

// decode turns a Graph result into v through JSON, so that json tags and
// json.Number apply as usual.
func decode(res fb.Result, v any) error {
	plain := make(map[string]any, len(res))
	for k, x := range res {
		if !strings.HasPrefix(k, "__") { // the library's own usage and debug keys
			plain[k] = x
		}
	}
	b, err := json.Marshal(plain)
	if err != nil {
		return fmt.Errorf("decode graph result: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode graph result: %w", err)
	}
	return nil
}

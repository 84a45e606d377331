package facebook

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"
	"golang.org/x/text/unicode/norm"

	"pregonero"
	"pregonero/adapters/graph"
	"pregonero/adapters/listing"
)

// reconcileSlack widens the search window before the attempt started, for
// clock differences between this host and Facebook.
const reconcileSlack = 2 * time.Minute

// pageSize is the number of items asked for per page of a list.
const pageSize = 25

// NormalizeMessage returns a message as reconciliation compares it: NFC,
// CRLF and CR turned into LF, surrounding space trimmed.
func NormalizeMessage(s string) string {
	s = norm.NFC.String(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// item is one entry of a Graph list (a post, a photo or a video).
type item struct {
	ID           string      `json:"id"`
	Message      string      `json:"message"`
	CreatedTime  string      `json:"created_time"`
	PermalinkURL string      `json:"permalink_url"`
	PageStoryID  string      `json:"page_story_id"`
	Title        string      `json:"title"`
	Description  string      `json:"description"`
	PostID       string      `json:"post_id"`
	Attachments  attachments `json:"attachments"`
}

// attachments is the attachments field of a post, as far as reconciliation
// reads it.
type attachments struct {
	Data []struct {
		MediaType      string `json:"media_type"`
		Target         target `json:"target"`
		Subattachments struct {
			Data []struct {
				Target target `json:"target"`
			} `json:"data"`
		} `json:"subattachments"`
	} `json:"data"`
}

// target is the object an attachment shows; its id may come as a string
// or a number.
type target struct {
	ID flexString `json:"id"`
}

// flexString decodes a JSON string or number.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	var v any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		*f = flexString(v)
	case json.Number:
		*f = flexString(v.String())
	}
	return nil
}

// attachmentIDs returns the ids of what the post shows: the target of each
// attachment and of each subattachment. proves reports whether the ids
// name the post's media one by one, so that a post none of whose ids is
// this delivery's cannot be it: an album without its subattachments names
// only itself.
func (it item) attachmentIDs() (ids []string, proves bool) {
	proves = len(it.Attachments.Data) > 0
	for _, a := range it.Attachments.Data {
		if id := string(a.Target.ID); id != "" {
			ids = append(ids, id)
		}
		subs := 0
		for _, sub := range a.Subattachments.Data {
			if id := string(sub.Target.ID); id != "" {
				ids = append(ids, id)
				subs++
			}
		}
		switch {
		case subs > 0:
		case a.Target.ID == "" || strings.EqualFold(a.MediaType, "album"):
			proves = false
		}
	}
	return ids, proves
}

func (it item) created() time.Time {
	t, _ := graph.ParseTime(it.CreatedTime)
	return t
}

func (c *conn) receiptOf(it item) (pregonero.Receipt, error) {
	if !graph.ValidID(it.ID) {
		return pregonero.Receipt{}, badListedID(it.ID)
	}
	r := pregonero.Receipt{RemoteID: it.ID, URL: c.byID(it.ID), PublishedAt: it.created()}
	if u := c.permalink(it.PermalinkURL, it.ID); u != "" {
		r.URL = u
	}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = c.a.now().UTC()
	}
	return r, nil
}

// videoReceipt is the receipt of a listed video: its post when Facebook
// names it, else the video itself.
func (c *conn) videoReceipt(v item) (pregonero.Receipt, error) {
	if graph.ValidID(v.PostID) {
		return c.receiptOf(item{ID: v.PostID, CreatedTime: v.CreatedTime})
	}
	return c.receiptOf(v)
}

func badListedID(id string) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "facebook_malformed_response",
		Message: fmt.Sprintf("Facebook listed a matching post under an id that is not a Facebook id (%q); whether the post went out could not be established.", truncate(id, 80))}
}

// list reads a Graph list, following paging.next for at most maxPages
// pages, empty ones included. complete reports whether the list ended
// within them.
func (c *conn) list(path string, params fb.Params, maxPages int) (items []item, complete bool, err error) {
	for page := 0; page < maxPages; page++ {
		res, err := c.call(graph.OpRead, fb.GET, path, params)
		if err != nil {
			return nil, false, err
		}
		var body struct {
			Data   []item `json:"data"`
			Paging struct {
				Next    string `json:"next"`
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
			} `json:"paging"`
		}
		raw, err := json.Marshal(map[string]any{"data": res["data"], "paging": res["paging"]})
		if err == nil {
			err = json.Unmarshal(raw, &body)
		}
		if err != nil {
			return nil, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_malformed_response",
				Message: "Facebook's list of the page's posts could not be read; it will be retried.", HTTPStatus: graph.HTTPStatus(c.s),
				Err: fmt.Errorf("read %s: %w", path, err)}
		}
		items = append(items, body.Data...)
		// An empty page may still link to more: only the absence of
		// paging.next ends the list.
		if body.Paging.Next == "" {
			return items, true, nil
		}
		next, err := nextParams(body.Paging.Next, params)
		if err != nil {
			return nil, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_malformed_response",
				Message: "Facebook's paging link could not be read; it will be retried.", Err: err}
		}
		if body.Paging.Cursors.After != "" && next["after"] == nil {
			next["after"] = body.Paging.Cursors.After
		}
		params = next
	}
	return items, false, nil
}

// nextParams returns the parameters of the request for paging.next: the
// link's own query without the credentials, which the session adds again.
func nextParams(next string, prev fb.Params) (fb.Params, error) {
	u, err := url.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("parse paging.next: %w", err)
	}
	params := fb.Params{}
	for k, vs := range u.Query() {
		switch k {
		case "access_token", "appsecret_proof", "format":
			continue
		}
		if len(vs) > 0 {
			params[k] = vs[0]
		}
	}
	if len(params) == 0 {
		return nil, fmt.Errorf("paging.next has no query")
	}
	// Keep the fields asked for in case the link leaves them out.
	if _, ok := params["fields"]; !ok && prev["fields"] != nil {
		params["fields"] = prev["fields"]
	}
	return params, nil
}

// Reconcile looks for the delivery among the page's posts published since
// the given time (minus two minutes of clock slack), reading at most
// ReconcilePages pages of each list. A post matches when its message
// equals the composed message once both are normalized (NormalizeMessage).
//
// A video delivery is first looked for among the page's videos (GET
// /{page}/videos), where a video shows from its upload on, while its post
// appears only once Facebook has processed it: a video matches when its
// description equals the composed message (its title, when it has no
// description), or, for a video sent without text, when it has no
// description and its title equals the content's title. The receipt names
// the video's post, or the video when Facebook does not name the post yet.
//
// A post without a message matches through the photos this delivery
// uploaded (checkpointed by Publish): the photo ids its attachments name,
// or else the post (page story) Facebook reports a photo attached to. It is
// reported absent only when every post without text since the attempt
// names photos of its own.
//
// Absence is reported only when every list was read through and nothing
// can be this delivery; otherwise the error is of class unknown, and the
// delivery stays in doubt.
//
// The lists of posts and of videos are shared between the reconciliations
// of a page's deliveries (see lister): a read made for another delivery
// serves when it covers this one's window and began late enough after
// this one's last attempt. When such a read ran out of pages and leaves
// the outcome unknown, the lists are read again for this delivery alone.
func (a *Adapter) Reconcile(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account, since time.Time) (pregonero.Receipt, bool, error) {
	cn, err := a.connect(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, false, err
	}
	page, err := cn.pageID()
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}
	l := &lister{c: cn, start: a.windowStart(since), attempt: d.LastActivity()}
	r, found, err := cn.reconcile(l, d, c, page)
	if err != nil && l.partial && pregonero.AsPublishError(err).Class == pregonero.ClassUnknown {
		l = &lister{c: cn, start: l.start, attempt: l.attempt, fresh: true}
		r, found, err = cn.reconcile(l, d, c, page)
	}
	return r, found, err
}

// reconcile is Reconcile with the page's lists read through l.
func (cn *conn) reconcile(l *lister, d *pregonero.Delivery, c pregonero.Content, page string) (pregonero.Receipt, bool, error) {
	a, start := cn.a, l.start
	want := NormalizeMessage(ComposeMessage(c))
	video := len(c.Media) > 0 && kindOf(c.Media[0].MIME) == kindVideo
	videosComplete := true
	if video {
		r, found, complete, err := cn.findVideo(l, page, want, NormalizeMessage(c.Title))
		switch {
		case err != nil:
			return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
		case found:
			return r, true, nil
		}
		if want == "" {
			// Without text the video is told apart only by its title,
			// and every video since the attempt was looked at.
			if complete {
				return pregonero.Receipt{}, false, nil
			}
			return pregonero.Receipt{}, false, incomplete(a.pages)
		}
		videosComplete = complete
	}

	fields := "id,message,created_time,permalink_url"
	if want == "" {
		// A post of photos without text: what it attaches tells it.
		fields += ",attachments{media_type,target{id},subattachments{target{id}}}"
	}
	params := fb.Params{"fields": fields, "limit": strconv.Itoa(pageSize)}
	if !start.IsZero() {
		params["since"] = strconv.FormatInt(start.Unix(), 10)
	}
	posts, complete, err := l.list("/"+page+"/published_posts", params)
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}

	if want != "" {
		// Newest first: the last match is the oldest since the attempt.
		var match *item
		for i := range posts {
			if NormalizeMessage(posts[i].Message) == want {
				match = &posts[i]
			}
		}
		switch {
		case match != nil:
			r, err := cn.receiptOf(*match)
			if err != nil {
				return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
			}
			return r, true, nil
		case complete && videosComplete:
			return pregonero.Receipt{}, false, nil
		}
		return pregonero.Receipt{}, false, incomplete(a.pages)
	}
	r, found, err := cn.byPhotos(d, c, page, start, posts, complete)
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}
	return r, found, nil
}

// findVideo looks for the delivery's video among the page's videos since
// l's start. msg is the normalized composed message, title the normalized
// title. complete reports whether the list was read through. A delivery
// with neither cannot be told apart from any video since the attempt.
func (c *conn) findVideo(l *lister, page string, msg, title string) (r pregonero.Receipt, found, complete bool, err error) {
	start := l.start
	params := fb.Params{"fields": "id,title,description,created_time,post_id,published,permalink_url", "limit": strconv.Itoa(pageSize)}
	if !start.IsZero() {
		params["since"] = strconv.FormatInt(start.Unix(), 10)
	}
	videos, complete, err := l.list("/"+page+"/videos", params)
	if err != nil {
		return pregonero.Receipt{}, false, false, err
	}
	var match *item
	n := 0
	for i := range videos {
		v := &videos[i]
		if t, ok := graph.ParseTime(v.CreatedTime); ok && !start.IsZero() && t.Before(start) {
			continue
		}
		n++
		// Newest first: the last match is the oldest since the attempt.
		if videoMatches(*v, msg, title) {
			match = v
		}
	}
	switch {
	case match != nil:
		r, err := c.videoReceipt(*match)
		if err != nil {
			return pregonero.Receipt{}, false, complete, err
		}
		return r, true, complete, nil
	case msg == "" && title == "" && n > 0:
		return pregonero.Receipt{}, false, complete, ambiguous(n, "the video has neither text nor title to tell it apart")
	}
	return pregonero.Receipt{}, false, complete, nil
}

// videoMatches reports whether a listed video is the delivery's: its
// description equals the message, or, without a description, its title
// equals the message, or, for a delivery without text, its title equals
// the title.
func videoMatches(v item, msg, title string) bool {
	desc, vt := NormalizeMessage(v.Description), NormalizeMessage(v.Title)
	switch {
	case msg != "" && desc != "":
		return desc == msg
	case msg != "":
		return vt == msg
	case title != "":
		return desc == "" && vt == title
	}
	return false
}

// lister reads the page's lists for one reconciliation, sharing them with
// the reconciliations of the page's other deliveries (listing.Cache).
type lister struct {
	c *conn
	// start is where the search starts; attempt is the end of the
	// delivery's last attempt (Delivery.LastActivity).
	start, attempt time.Time
	// fresh refuses the reads made for other deliveries.
	fresh bool
	// partial is set once a list came from another delivery's read that
	// ran out of pages: it may leave unknown what a read of this
	// delivery's shorter window would prove.
	partial bool
}

// list reads the list at path (c.list, with at most ReconcilePages pages)
// and keeps the read for other deliveries; a read kept for another
// delivery serves instead when listing.Cache.Get allows it, narrowed to
// the items since l's start. Each list and set of fields is kept apart.
func (l *lister) list(path string, params fb.Params) (items []item, complete bool, err error) {
	a := l.c.a
	key := l.c.acct.ID + "\x00" + l.c.s.BaseURL + path + "\x00" + fmt.Sprint(params["fields"])
	now := a.now()
	if !l.fresh {
		if x, ok := a.listings.Get(key, l.start, l.attempt, now); ok {
			l.partial = l.partial || !x.Complete
			return createdSince(x.Items, l.start), x.Complete, nil
		}
	}
	items, complete, err = l.c.list(path, params, a.pages)
	if err != nil {
		return nil, false, err
	}
	a.listings.Put(key, listing.Listing[item]{Start: l.start, Read: now, Items: items, Complete: complete}, now)
	return items, complete, nil
}

// createdSince returns the items created at or after start, as Graph's
// since leaves them, in the same order. Items of an unreadable time are
// kept: leaving out this delivery's post would report it absent.
func createdSince(items []item, start time.Time) []item {
	var out []item
	for _, it := range items {
		if t, ok := graph.ParseTime(it.CreatedTime); !ok || !t.Before(start) {
			out = append(out, it)
		}
	}
	return out
}

// windowStart is where the search for a delivery starts.
func (a *Adapter) windowStart(since time.Time) time.Time {
	if since.IsZero() {
		return time.Time{}
	}
	start := since.Add(-reconcileSlack)
	if now := a.now(); start.After(now) {
		start = now.Add(-reconcileSlack)
	}
	return start.UTC().Truncate(time.Second)
}

// checkpointedPhotos returns the photo ids Publish recorded for the
// content.
func checkpointedPhotos(d *pregonero.Delivery, c pregonero.Content) map[string]bool {
	ids := map[string]bool{}
	if d == nil {
		return ids
	}
	for _, k := range photoKeys(c.Media) {
		if id := d.Checkpoint[k]; graph.ValidID(id) {
			ids[id] = true
		}
	}
	return ids
}

// byPhotos finds a post without text by the photos this delivery
// uploaded. posts are the page's posts since start with their
// attachments; complete reports whether that list was read through.
func (c *conn) byPhotos(d *pregonero.Delivery, content pregonero.Content, page string, start time.Time, posts []item, complete bool) (pregonero.Receipt, bool, error) {
	var bare []item
	for _, p := range posts {
		if NormalizeMessage(p.Message) == "" {
			bare = append(bare, p)
		}
	}
	if len(bare) == 0 {
		if complete {
			return pregonero.Receipt{}, false, nil
		}
		return pregonero.Receipt{}, false, incomplete(c.a.pages)
	}
	mine := checkpointedPhotos(d, content)
	if len(mine) == 0 {
		return pregonero.Receipt{}, false, ambiguous(len(bare), "this delivery uploaded no photo to tell them apart")
	}

	// The photos each post names.
	var matched []item
	unproven := 0
	for _, p := range bare {
		ids, proves := p.attachmentIDs()
		switch {
		case slices.ContainsFunc(ids, func(id string) bool { return mine[id] }):
			matched = append(matched, p)
		case !proves:
			unproven++
		}
	}
	switch {
	case len(matched) == 1:
		r, err := c.receiptOf(matched[0])
		return r, err == nil, err
	case len(matched) > 1:
		return pregonero.Receipt{}, false, ambiguous(len(matched), "the delivery's photos are attached to several of them")
	case unproven == 0 && complete:
		// Every post without text names photos of its own.
		return pregonero.Receipt{}, false, nil
	}

	// The post each photo reports being attached to.
	story, err := c.storyOfPhotos(page, start, mine)
	switch {
	case err != nil:
		return pregonero.Receipt{}, false, err
	case story != "":
		for _, p := range bare {
			if p.ID == story {
				r, err := c.receiptOf(p)
				return r, err == nil, err
			}
		}
		return c.receipt(story), true, nil
	case !complete:
		return pregonero.Receipt{}, false, incomplete(c.a.pages)
	}
	return pregonero.Receipt{}, false, ambiguous(unproven, "Facebook shows neither the photos of some of them nor a post for this delivery's photos")
}

// storyOfPhotos returns the post (page story) the delivery's photos are
// attached to according to the photos themselves, "" when none reports
// one: the page's uploaded photos since start are listed, and those the
// list does not show are asked for one by one.
func (c *conn) storyOfPhotos(page string, start time.Time, mine map[string]bool) (string, error) {
	params := fb.Params{"type": "uploaded", "fields": "id,created_time,page_story_id", "limit": strconv.Itoa(pageSize)}
	if !start.IsZero() {
		params["since"] = strconv.FormatInt(start.Unix(), 10)
	}
	photos, _, err := c.list("/"+page+"/photos", params, c.a.pages)
	if err != nil {
		return "", err
	}
	stories := map[string]bool{}
	listed := map[string]bool{}
	for _, p := range photos {
		listed[p.ID] = true
		if mine[p.ID] && p.PageStoryID != "" {
			stories[p.PageStoryID] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(mine)) {
		if listed[id] {
			continue
		}
		story, _, err := c.photoStory(id)
		if err != nil {
			return "", err
		}
		if story != "" {
			stories[story] = true
		}
	}
	switch len(stories) {
	case 0:
		return "", nil
	case 1:
		for s := range stories {
			if !graph.ValidID(s) {
				return "", badListedID(s)
			}
			return s, nil
		}
	}
	return "", ambiguous(len(stories), "the delivery's photos belong to several posts")
}

func incomplete(pages int) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "facebook_reconcile_incomplete",
		Message: fmt.Sprintf("The page's posts or videos since the attempt run past the %d pages read; whether the post went out could not be established.", pages)}
}

func ambiguous(n int, why string) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "facebook_reconcile_ambiguous",
		Message: fmt.Sprintf("The page has %d post(s) or video(s) without text since the attempt and %s; whether the post went out could not be established.", n, why)}
}

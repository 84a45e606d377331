package facebook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"
	"golang.org/x/text/unicode/norm"

	"pregonero"
	"pregonero/adapters/graph"
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

// item is one entry of a Graph list (a post or a photo).
type item struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	CreatedTime  string `json:"created_time"`
	PermalinkURL string `json:"permalink_url"`
	PageStoryID  string `json:"page_story_id"`
}

func (it item) created() time.Time {
	t, _ := parseTime(it.CreatedTime)
	return t
}

func (c *conn) receiptOf(it item) pregonero.Receipt {
	r := pregonero.Receipt{RemoteID: it.ID, URL: WebBase + url.PathEscape(it.ID), PublishedAt: it.created()}
	if u := permalink(it.PermalinkURL, it.ID); u != "" {
		r.URL = u
	}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = c.a.now().UTC()
	}
	return r
}

// list reads a Graph list, following paging.next for at most maxPages
// pages. complete reports whether the list ended within them.
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
		if body.Paging.Next == "" || len(body.Data) == 0 {
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
// ReconcilePages pages of GET /{page}/published_posts. A post matches when
// its message equals the composed message once both are normalized
// (NormalizeMessage). A post without a message matches only through a
// photo this delivery uploaded (checkpointed by Publish) that Facebook
// reports attached to it. Absence is reported only when every post since
// the start was read and none can be this delivery; otherwise the error is
// of class unknown, and the delivery stays in doubt.
func (a *Adapter) Reconcile(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account, since time.Time) (pregonero.Receipt, bool, error) {
	cn, err := a.connect(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, false, err
	}
	page, err := cn.pageID()
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}
	params := fb.Params{"fields": "id,message,created_time,permalink_url", "limit": strconv.Itoa(pageSize)}
	start := a.windowStart(since)
	if !start.IsZero() {
		params["since"] = strconv.FormatInt(start.Unix(), 10)
	}
	posts, complete, err := cn.list("/"+page+"/published_posts", params, a.pages)
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}

	if want := NormalizeMessage(ComposeMessage(c)); want != "" {
		// Newest first: the last match is the oldest since the attempt.
		var match *item
		for i := range posts {
			if NormalizeMessage(posts[i].Message) == want {
				match = &posts[i]
			}
		}
		switch {
		case match != nil:
			return cn.receiptOf(*match), true, nil
		case complete:
			return pregonero.Receipt{}, false, nil
		}
		return pregonero.Receipt{}, false, incomplete(a.pages)
	}

	// A post without a message: only its photos can tell it apart.
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
		return pregonero.Receipt{}, false, incomplete(a.pages)
	}
	mine := checkpointedPhotos(d, c)
	if len(mine) == 0 {
		return pregonero.Receipt{}, false, ambiguous(len(bare), "this delivery uploaded no photo to tell them apart")
	}
	r, found, err := cn.byPhotos(page, start, mine, bare)
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}
	return r, found, nil
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
		if id := d.Checkpoint[k]; id != "" {
			ids[id] = true
		}
	}
	return ids
}

// byPhotos finds the post carrying the delivery's photos among the page's
// uploaded photos, through the post (page story) each photo belongs to.
// Every photo of the delivery seen and none attached proves absence.
func (c *conn) byPhotos(page string, start time.Time, mine map[string]bool, bare []item) (pregonero.Receipt, bool, error) {
	params := fb.Params{"type": "uploaded", "fields": "id,created_time,page_story_id", "limit": strconv.Itoa(pageSize)}
	if !start.IsZero() {
		params["since"] = strconv.FormatInt(start.Unix(), 10)
	}
	photos, _, err := c.list("/"+page+"/photos", params, c.a.pages)
	if err != nil {
		return pregonero.Receipt{}, false, err
	}
	stories := map[string]bool{}
	seen := 0
	for _, p := range photos {
		if !mine[p.ID] {
			continue
		}
		seen++
		if p.PageStoryID != "" {
			stories[p.PageStoryID] = true
		}
	}
	// Photos the list did not show are asked for one by one.
	if seen < len(mine) {
		listed := map[string]bool{}
		for _, p := range photos {
			listed[p.ID] = true
		}
		for id := range mine {
			if listed[id] {
				continue
			}
			story, exists, err := c.photoStory(id)
			if err != nil {
				return pregonero.Receipt{}, false, err
			}
			if !exists {
				// The photo is gone: it tells nothing either way.
				continue
			}
			seen++
			if story != "" {
				stories[story] = true
			}
		}
	}
	switch {
	case len(stories) == 1:
		var story string
		for s := range stories {
			story = s
		}
		for _, p := range bare {
			if p.ID == story {
				return c.receiptOf(p), true, nil
			}
		}
		return c.receipt(story), true, nil
	case len(stories) > 1:
		return pregonero.Receipt{}, false, ambiguous(len(stories), "the delivery's photos belong to several posts")
	case seen == len(mine):
		// Every photo is there and none is attached: the post attaching
		// them was never created.
		return pregonero.Receipt{}, false, nil
	}
	return pregonero.Receipt{}, false, ambiguous(len(bare), "the delivery's photos could not all be found")
}

func incomplete(pages int) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "facebook_reconcile_incomplete",
		Message: fmt.Sprintf("The page has more posts since the attempt than the %d pages read; whether the post went out could not be established.", pages)}
}

func ambiguous(n int, why string) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "facebook_reconcile_ambiguous",
		Message: fmt.Sprintf("The page has %d post(s) without text since the attempt and %s; whether the post went out could not be established.", n, why)}
}

package x

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"pregonero"
	"pregonero/adapters/listing"
	"pregonero/adapters/x/xtext"
)

// reconcileSlack widens the search window before the attempt started, for
// clock differences between this host and X.
const reconcileSlack = 2 * time.Minute

// schemeURL catches what is left of links after the twitter-text extractor
// ran: anything that starts with a scheme, such as a t.co link cut short.
var schemeURL = regexp.MustCompile(`(?i)\bhttps?://\S+`)

// entityUnescaper undoes the only HTML escaping X applies to post text.
var entityUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// NormalizeText returns text as reconciliation compares it: NFC, X's
// HTML entities unescaped, every link removed (those the twitter-text
// extractor finds, with or without a scheme, and anything else starting
// with http:// or https://), whitespace collapsed and trimmed. X's copy of
// a post and the text sent normalize alike even though X replaces links
// with https://t.co/… addresses, appends one for attached media, and
// escapes &, < and >.
func NormalizeText(s string) string {
	s = norm.NFC.String(s)
	s = entityUnescaper.Replace(s)
	if urls := xtext.ExtractURLs(s); len(urls) > 0 {
		var b strings.Builder
		last := 0
		for _, u := range urls {
			if u.Start < last || u.End > len(s) || u.Start > u.End {
				continue
			}
			b.WriteString(s[last:u.Start])
			b.WriteByte(' ')
			last = u.End
		}
		b.WriteString(s[last:])
		s = b.String()
	}
	s = schemeURL.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(s), " ")
}

// timelinePost is one post of GET /2/users/{id}/tweets.
type timelinePost struct {
	ID          flexString `json:"id"`
	Text        string     `json:"text"`
	CreatedAt   string     `json:"created_at"`
	Attachments *struct {
		MediaKeys []string `json:"media_keys"`
	} `json:"attachments"`
	Entities *struct {
		URLs []struct {
			URL         string `json:"url"`
			ExpandedURL string `json:"expanded_url"`
			MediaKey    string `json:"media_key"`
		} `json:"urls"`
	} `json:"entities"`
}

// expandedText is the post's text with each t.co link replaced by the link
// as posted (entities.urls) and the media link dropped, compared with its
// links kept; ok is false when X gave no link entities to do it with.
func (p timelinePost) expandedText() (string, bool) {
	if p.Entities == nil || len(p.Entities.URLs) == 0 {
		return "", false
	}
	expand := map[string]string{}
	for _, u := range p.Entities.URLs {
		if u.URL == "" {
			continue
		}
		if u.MediaKey != "" {
			expand[u.URL] = ""
		} else {
			expand[u.URL] = u.ExpandedURL
		}
	}
	return normalizeKeepingLinks(p.Text, expand), true
}

// normalizeKeepingLinks is NormalizeText with each link kept in a
// canonical form (no scheme, host in lower case, no trailing slash), after
// replacing the links found in expand by their value (empty drops them).
// It tells apart posts whose texts differ only by a link, which
// NormalizeText cannot.
func normalizeKeepingLinks(s string, expand map[string]string) string {
	s = entityUnescaper.Replace(norm.NFC.String(s))
	var b strings.Builder
	last := 0
	for _, u := range xtext.ExtractURLs(s) {
		if u.Start < last || u.End > len(s) || u.Start > u.End {
			continue
		}
		b.WriteString(s[last:u.Start])
		link := s[u.Start:u.End]
		if e, ok := expand[link]; ok {
			link = e
		}
		if link != "" {
			b.WriteString(" " + canonicalLink(link) + " ")
		}
		last = u.End
	}
	b.WriteString(s[last:])
	return strings.Join(strings.Fields(b.String()), " ")
}

func canonicalLink(link string) string {
	if i := strings.Index(link, "://"); i >= 0 && i < 8 {
		link = link[i+3:]
	}
	host, rest, _ := strings.Cut(link, "/")
	link = strings.ToLower(host)
	if rest != "" {
		link += "/" + rest
	}
	return strings.TrimRight(link, "/")
}

func (p timelinePost) created() time.Time {
	t, err := time.Parse(time.RFC3339Nano, p.CreatedAt)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// hasMedia reports whether one of the post's media keys ("<type>_<media
// id>") names one of the ids.
func (p timelinePost) hasMedia(ids map[string]bool) bool {
	if p.Attachments == nil {
		return false
	}
	for _, k := range p.Attachments.MediaKeys {
		if i := strings.LastIndexByte(k, '_'); i >= 0 && ids[k[i+1:]] {
			return true
		}
	}
	return false
}

// Reconcile looks for the delivery among the account's posts created since
// the given time (minus two minutes of clock slack), reading at most
// ReconcilePages pages of the timeline. A post matches when its normalized
// text equals the normalized composed text, or when it carries a media
// file this delivery uploaded (the ids checkpointed by Publish). When the
// text normalizes to nothing and no media id matches, a post is found only
// if exactly one post with no text remains. Failures are retryable or need
// re-authorization; absence is reported only after every page since the
// start was read.
func (a *Adapter) Reconcile(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account, since time.Time) (pregonero.Receipt, bool, error) {
	uid := acct.RemoteID
	if uid == "" {
		var err error
		if uid, _, err = a.user(ctx, acct); err != nil {
			return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
		}
	}
	want := NormalizeText(ComposeText(c))
	wantLinks := normalizeKeepingLinks(ComposeText(c), nil)
	media := map[string]bool{}
	if d != nil {
		for i := range c.Media {
			if id, _, ok := strings.Cut(d.Checkpoint[mediaCheckpointKey(i)], "|"); ok && id != "" {
				media[id] = true
			}
		}
	}

	var start time.Time
	if !since.IsZero() {
		start = since.Add(-reconcileSlack)
		if now := a.now(); start.After(now) {
			start = now.Add(-reconcileSlack)
		}
		start = start.UTC().Truncate(time.Second)
	}
	posts, err := a.recentPosts(ctx, acct, uid, start, d.LastActivity())
	if err != nil {
		return pregonero.Receipt{}, false, err
	}
	var matches, bare []timelinePost
	otherLink := 0
	for _, p := range posts {
		got := NormalizeText(p.Text)
		// With X's link entities the links are compared too, so that
		// "Boletín https://…/123" never matches "Boletín https://…/124".
		sameText := want != "" && got == want
		if full, ok := p.expandedText(); ok && sameText && full != wantLinks {
			sameText = false
			otherLink++
		}
		switch {
		case p.hasMedia(media), sameText:
			matches = append(matches, p)
		case want == "" && got == "":
			bare = append(bare, p)
		}
	}

	if len(matches) == 0 && len(bare) > 0 {
		if len(bare) > 1 {
			return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_reconcile_ambiguous",
				Message: fmt.Sprintf("%d posts without text were published since %s and none carries this delivery's media; a person must check the account on X.", len(bare), since.UTC().Format(time.RFC3339))}
		}
		matches = bare
	}
	if len(matches) == 0 && otherLink > 0 {
		// Same words, another link: either another delivery's post, or this
		// one with its link rewritten in a way not recognised. Absence is
		// not proven, and a wrong guess would post twice.
		return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_reconcile_ambiguous",
			Message: fmt.Sprintf("%d post(s) with the same words but a different link were published since %s; a person must check the account on X before this is sent again.", otherLink, since.UTC().Format(time.RFC3339))}
	}
	if len(matches) == 0 {
		return pregonero.Receipt{}, false, nil
	}
	// The earliest match is the one the attempt created; a later one could
	// only be a copy X let through.
	sort.SliceStable(matches, func(i, j int) bool { return matches[i].created().Before(matches[j].created()) })
	p := matches[0]
	at := p.created()
	if at.IsZero() {
		at = a.now().UTC()
	}
	id := string(p.ID)
	a.log.Info("x post found by reconciliation", pregonero.LogAccount, acct.ID, pregonero.LogRemoteID, id)
	return pregonero.Receipt{RemoteID: id, URL: a.statusURL(ctx, acct, id), PublishedAt: at}, true, nil
}

// timelinePage reads one page of the user's posts and returns the token of
// the next page, empty on the last one.
func (a *Adapter) timelinePage(ctx context.Context, acct *pregonero.Account, uid string, q url.Values) ([]timelinePost, string, error) {
	resp, err := a.do(ctx, acct, call{kind: kindRead, endpoint: endpointTimeline, method: http.MethodGet,
		path: "/2/users/" + url.PathEscape(uid) + "/tweets", query: q})
	if err != nil {
		return nil, "", err
	}
	var out struct {
		Data   []timelinePost `json:"data"`
		Errors []problemError `json:"errors"`
		Meta   struct {
			ResultCount json.Number `json:"result_count"`
			NextToken   string      `json:"next_token"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil {
		return nil, "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_malformed_response",
			Message: "X's list of the account's posts could not be read; it will be checked again.", HTTPStatus: resp.status,
			Err: fmt.Errorf("read timeline: decode answer: %w", err)}
	}
	if len(out.Data) == 0 && len(out.Errors) > 0 {
		// X answers 200 with only errors when it cannot list the user's
		// posts (unknown or suspended user): that proves nothing absent.
		p := problem{Errors: out.Errors}
		return nil, "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_timeline_unavailable",
			Message:        fmt.Sprintf("X could not list the posts of user %s (is the account's remote id right?); it will be checked again.", uid),
			NetworkMessage: resp.scrub.Text(p.message()), HTTPStatus: resp.status}
	}
	for _, p := range out.Data {
		if p.ID == "" {
			return nil, "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_malformed_response",
				Message: "X listed a post without an id; it will be checked again.", HTTPStatus: resp.status,
				Err: fmt.Errorf("read timeline: post without id in page of %s results", strconv.Quote(out.Meta.ResultCount.String()))}
		}
	}
	return out.Data, out.Meta.NextToken, nil
}

// recentPosts returns the account's posts created since start (all of the
// first pages when start is zero). A snapshot read for another delivery
// serves when it covers the same window and began late enough after this
// delivery's attempt to show what the attempt created.
func (a *Adapter) recentPosts(ctx context.Context, acct *pregonero.Account, uid string, start, attempt time.Time) ([]timelinePost, error) {
	now := a.now()
	if s, ok := a.snapshots.Get(acct.ID, start, attempt, now); ok {
		var out []timelinePost
		for _, p := range s.Items {
			if c := p.created(); c.IsZero() || !c.Before(start) {
				out = append(out, p)
			}
		}
		return out, nil
	}
	q := url.Values{
		"max_results":  {"100"},
		"tweet.fields": {"created_at,text,attachments,entities"},
	}
	if !start.IsZero() {
		q.Set("start_time", start.Format(time.RFC3339))
	}
	var all []timelinePost
	for page := 0; ; page++ {
		if page == a.pages {
			return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_reconcile_incomplete",
				Message: fmt.Sprintf("More than %d pages of posts since %s were found without a match, so absence cannot be proven; it will be checked again.", a.pages, start.Format(time.RFC3339))}
		}
		posts, next, err := a.timelinePage(ctx, acct, uid, q)
		if err != nil {
			return nil, fmt.Errorf("reconcile: %w", err)
		}
		all = append(all, posts...)
		if next == "" {
			break
		}
		q.Set("pagination_token", next)
	}
	if !attempt.IsZero() && now.After(attempt.Add(listing.Lag)) {
		a.snapshots.Put(acct.ID, listing.Listing[timelinePost]{Start: start, Read: now, Items: all, Complete: true}, now)
	}
	return all, nil
}

package pregonero

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// PostStatus is derived from a post's deliveries.
type PostStatus string

// Post statuses.
const (
	PostDraft              PostStatus = "draft"
	PostScheduled          PostStatus = "scheduled"
	PostPublishing         PostStatus = "publishing"
	PostPublished          PostStatus = "published"
	PostPartiallyPublished PostStatus = "partially_published"
	PostFailed             PostStatus = "failed"
	PostCanceled           PostStatus = "canceled"
	PostHeld               PostStatus = "held"
)

// Post is what a person wrote once, to go to one or more accounts at one
// time. Each target account gets its own Delivery.
type Post struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Link string `json:"link,omitempty"`
	// Media are the attached files in order, each with the alt text this
	// post gives it.
	Media     []PostMedia         `json:"media,omitempty"`
	Overrides map[string]Override `json:"overrides,omitempty"`
	Targets   []string            `json:"targets"`
	// ScheduledAt is when the post goes out; a draft may have none yet
	// (the zero time, left out of the JSON).
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	Campaign    string    `json:"campaign,omitempty"`
	Author      string    `json:"author,omitempty"`
	Unit        string    `json:"unit,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// CanceledAt is when a draft was canceled. A post with deliveries
	// shows a cancellation in their states instead.
	CanceledAt time.Time `json:"canceled_at,omitzero"`

	// Status is derived when the post is read (see DerivedStatus). A post
	// without deliveries is a draft: nothing of it is due until it is
	// scheduled, which creates one delivery per target.
	Status     PostStatus  `json:"status"`
	Deliveries []*Delivery `json:"deliveries"`
	// Warnings say what the answer to a request must not leave unsaid
	// (publishing is paused, so the post waits); they are not stored.
	Warnings []Warning `json:"warnings,omitempty"`
}

// PostMedia is one file attached to a post: the media id, and the alt
// text that goes out with it in this post. The alt text belongs to the
// post: the file's own alt text (Media.AltText) is only the default an
// entry gets when a post is written without one.
//
// In JSON it is the object {"id":"m_…","alt_text":"…"} (alt_text left
// out when empty); a bare id string is read as an entry without alt text.
type PostMedia struct {
	ID      string `json:"id"`
	AltText string `json:"alt_text,omitempty"`
}

// UnmarshalJSON reads a media id string or an object with exactly the
// fields id and alt_text.
func (m *PostMedia) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var id string
		if err := json.Unmarshal(b, &id); err != nil {
			return err
		}
		*m = PostMedia{ID: id}
		return nil
	case len(b) > 0 && b[0] == '{':
		type entry PostMedia // without this method
		var e entry
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return err
		}
		*m = PostMedia(e)
		return nil
	case bytes.Equal(b, []byte("null")):
		return nil
	}
	kind := "a number"
	switch {
	case len(b) > 0 && b[0] == '[':
		kind = "an array"
	case bytes.Equal(b, []byte("true")) || bytes.Equal(b, []byte("false")):
		kind = "a boolean"
	}
	return &json.UnmarshalTypeError{Value: kind, Type: postMediaType}
}

var postMediaType = reflect.TypeFor[PostMedia]()

// MediaIDs returns the ids of the post's media, in order.
func (p *Post) MediaIDs() []string {
	if len(p.Media) == 0 {
		return nil
	}
	ids := make([]string, len(p.Media))
	for i, m := range p.Media {
		ids[i] = m.ID
	}
	return ids
}

// MediaOf returns the entries of the given media ids, without alt text.
func MediaOf(ids ...string) []PostMedia {
	if len(ids) == 0 {
		return nil
	}
	out := make([]PostMedia, len(ids))
	for i, id := range ids {
		out[i] = PostMedia{ID: id}
	}
	return out
}

// Warning is something the answer to a request says besides its result:
// the request succeeded, but the person should know (the post waits for
// a pause to be lifted).
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Account is the account the warning is about, empty when it is
	// about the whole post or server.
	Account string `json:"account,omitempty"`
}

// Warning codes.
const (
	// WarnPaused: publishing is paused, globally or for one account (then
	// Account names it); the post waits until it is resumed.
	WarnPaused = "paused"
	// WarnNeedsReauth: a target account must be authorized again; its
	// delivery waits until it is.
	WarnNeedsReauth = "needs_reauth"
	// WarnDraftNotQueued: a draft was asked to go to the queue; a draft
	// takes no slot until it is scheduled, and then only when its
	// schedule asks for the queue again.
	WarnDraftNotQueued = "draft_not_queued"
)

// PausedWarning is the warning for a post that waits for a global pause.
func PausedWarning(ps PauseState, loc *time.Location) Warning {
	return Warning{Code: WarnPaused, Message: fmt.Sprintf(
		"Publishing is paused (%s); this post will wait until it is resumed.", pauseDetail(ps.Since, ps.Reason, loc))}
}

// AccountWarning is the warning for a post one of whose target accounts
// may not publish now, or false when the account may.
func AccountWarning(a *Account, loc *time.Location) (Warning, bool) {
	switch a.Status {
	case AccountPaused:
		return Warning{Code: WarnPaused, Account: a.ID, Message: fmt.Sprintf(
			"Publishing to %s is paused (%s); its delivery will wait until the account is resumed.", a.ID, pauseDetail(a.StatusSince, a.StatusReason, loc))}, true
	case AccountNeedsReauth:
		return Warning{Code: WarnNeedsReauth, Account: a.ID, Message: fmt.Sprintf(
			"Account %s must be authorized again (%s); its delivery will wait until it is.", a.ID, pauseDetail(a.StatusSince, a.StatusReason, loc))}, true
	}
	return Warning{}, false
}

// pauseDetail says since when and why, leaving out what is unknown.
func pauseDetail(since time.Time, reason string, loc *time.Location) string {
	var parts []string
	if !since.IsZero() {
		if loc == nil {
			loc = time.UTC
		}
		parts = append(parts, "since "+since.In(loc).Format(time.RFC3339))
	}
	if reason != "" {
		parts = append(parts, "reason: "+reason)
	}
	if len(parts) == 0 {
		return "no reason given"
	}
	return strings.Join(parts, ", ")
}

// Override replaces parts of a post for one target account.
type Override struct {
	Text        *string  `json:"text,omitempty"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Format is how the post goes out on networks with several kinds of
	// post: FormatFeed (the default), FormatReel or FormatStory (Instagram).
	Format string `json:"format,omitempty"`
	// Category is the network's category id (YouTube: "25" News & Politics).
	Category string `json:"category,omitempty"`
	// Language is the BCP-47 language of the title and description (es, es-419).
	Language string `json:"language,omitempty"`
	// MadeForKids answers YouTube's audience question; nil means not answered.
	MadeForKids *bool `json:"made_for_kids,omitempty"`
	// Thumbnail is the media id of a custom thumbnail image (YouTube).
	Thumbnail string `json:"thumbnail,omitempty"`
}

// ContentFor returns what goes to the given account: the base text and
// link with that account's overrides applied. Media are left to the caller
// to resolve.
func (p *Post) ContentFor(accountID string) Content {
	c := Content{Text: p.Text, Link: p.Link}
	if o, ok := p.Overrides[accountID]; ok {
		if o.Text != nil {
			c.Text = *o.Text
		}
		c.Title, c.Description, c.Tags, c.Format = o.Title, o.Description, o.Tags, o.Format
		c.Category, c.Language, c.MadeForKids = o.Category, o.Language, o.MadeForKids
	}
	return c
}

// DerivedStatus is the post's status: a post without deliveries is a
// draft, or canceled once CanceledAt is set; any other is derived from its
// deliveries (DeriveStatus).
func (p *Post) DerivedStatus() PostStatus {
	if len(p.Deliveries) == 0 && !p.CanceledAt.IsZero() {
		return PostCanceled
	}
	return DeriveStatus(p.Deliveries)
}

// IsDraft reports whether the post is a draft still to be scheduled: it
// has no deliveries and was not canceled.
func (p *Post) IsDraft() bool { return len(p.Deliveries) == 0 && p.CanceledAt.IsZero() }

// DeriveStatus computes a post's status from its deliveries.
func DeriveStatus(ds []*Delivery) PostStatus {
	if len(ds) == 0 {
		return PostDraft
	}
	var n = map[DeliveryState]int{}
	for _, d := range ds {
		n[d.State]++
	}
	total := len(ds)
	switch {
	case n[DeliveryCanceled] == total:
		return PostCanceled
	case n[DeliveryPublished] == total:
		return PostPublished
	case n[DeliverySending]+n[DeliveryInDoubt] > 0:
		return PostPublishing
	case n[DeliveryHeld] > 0:
		return PostHeld
	case n[DeliveryQueued] > 0:
		if n[DeliveryPublished] > 0 {
			return PostPublishing
		}
		return PostScheduled
	case n[DeliveryPublished] > 0:
		return PostPartiallyPublished
	case n[DeliveryFailed] > 0:
		return PostFailed
	}
	return PostCanceled
}

// PostFilter selects posts for listing. Zero fields do not filter.
type PostFilter struct {
	Status   PostStatus
	Account  string
	Campaign string
	From, To time.Time // ScheduledAt in [From, To)
	Cursor   string    // opaque, from a previous page
	Limit    int       // default 50, at most 500
}

// PostPage is one page of a listing; Next is empty on the last page.
type PostPage struct {
	Posts []*Post `json:"posts"`
	Next  string  `json:"next_cursor,omitempty"`
}

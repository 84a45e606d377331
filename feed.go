package pregonero

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Feed is a news feed (RSS 2.0 or Atom) polled on a schedule: each new
// item becomes a draft for the feed's accounts, or, when AutoPublish is
// set, a post placed in the next free posting slot of each account.
type Feed struct {
	ID   string `json:"id"` // "f_…"
	Name string `json:"name"`
	URL  string `json:"url"`
	// Targets are the account ids the drafts are for.
	Targets []string `json:"targets"`
	// Unit is the dependencia the feed belongs to; its drafts carry it.
	Unit     string `json:"unit,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	// AutoPublish puts each new item in the queue instead of making a
	// draft for a person to review.
	AutoPublish bool `json:"auto_publish"`
	// Every is how often the feed is fetched; zero takes the server's
	// feeds.every.
	Every time.Duration `json:"every,omitempty"`
	// ETag and LastModified are the validators of the last answer, sent
	// back with the next request so that an unchanged feed costs nothing.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// LastPollAt is when the feed was last fetched, whatever came of it;
	// LastOKAt when it last answered well (200 or 304).
	LastPollAt time.Time `json:"last_poll_at,omitzero"`
	LastOKAt   time.Time `json:"last_ok_at,omitzero"`
	// LastError says what went wrong at the last poll, empty when it went
	// well; FailingSince is when the failures began (zero when the last
	// poll went well), and FailingNotified whether the day of failures
	// was already told (EventFeedFailing), so it is told once.
	LastError       string    `json:"last_error,omitempty"`
	FailingSince    time.Time `json:"failing_since,omitzero"`
	FailingNotified bool      `json:"failing_notified,omitempty"`
	// Drafted counts the posts made from the feed's items.
	Drafted   int       `json:"drafted"`
	Author    string    `json:"author,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FeedFailingAfter is how long a feed must fail every poll before it is
// told as failing (EventFeedFailing).
const FeedFailingAfter = 24 * time.Hour

// Due reports whether the feed should be fetched at now, given the
// server's interval for feeds without their own.
func (f *Feed) Due(now time.Time, every time.Duration) bool {
	if f.Every > 0 {
		every = f.Every
	}
	return f.LastPollAt.IsZero() || !now.Before(f.LastPollAt.Add(every))
}

// Polled records a fetch that went well (an answer 200 or 304) with the
// validators to send next time: the failures, if any, are over.
func (f *Feed) Polled(now time.Time, etag, lastModified string) {
	f.LastPollAt, f.LastOKAt = now, now
	f.ETag, f.LastModified = etag, lastModified
	f.LastError, f.FailingSince, f.FailingNotified = "", time.Time{}, false
}

// Failed records a fetch that went wrong, and reports whether the feed
// has now failed for FeedFailingAfter without this being told yet: it
// then sets FailingNotified, and the store, storing that, records
// EventFeedFailing in the same transaction, once per run of failures.
func (f *Feed) Failed(now time.Time, msg string) (tell bool) {
	f.LastPollAt, f.LastError = now, msg
	if f.FailingSince.IsZero() {
		f.FailingSince = now
	}
	if !f.FailingNotified && now.Sub(f.FailingSince) >= FeedFailingAfter {
		f.FailingNotified = true
		return true
	}
	return false
}

// Failing reports whether the last poll of the feed went wrong.
func (f *Feed) Failing() bool { return !f.FailingSince.IsZero() }

// FeedItem is an item of a feed that was seen: drafted (PostID set) or
// passed over (the older items found at a feed's first poll). Once seen,
// an item is never drafted again, whatever the feed does with it later.
type FeedItem struct {
	FeedID string `json:"feed_id"`
	// Key identifies the item within its feed: its guid, else its link,
	// else a hash of its title and summary.
	Key    string    `json:"key"`
	Title  string    `json:"title,omitempty"`
	Link   string    `json:"link,omitempty"`
	PostID string    `json:"post_id,omitempty"`
	SeenAt time.Time `json:"seen_at"`
}

// FeedStore persists feeds and the items seen of each. Every write
// returns after its transaction is committed and synced.
type FeedStore interface {
	// CreateFeed stores a new feed; ECONFLICT when its id is taken.
	CreateFeed(ctx context.Context, f *Feed) error
	// Feed returns one feed; ENOTFOUND when there is none.
	Feed(ctx context.Context, id string) (*Feed, error)
	// Feeds lists every feed ordered by id (which is creation order).
	Feeds(ctx context.Context) ([]*Feed, error)
	// UpdateFeed runs fn on a copy of the feed in a write transaction and
	// stores the result; the id cannot change. An error from fn is
	// returned as is and nothing is written. A change that sets
	// FailingNotified records EventFeedFailing in the same transaction.
	UpdateFeed(ctx context.Context, id string, fn func(*Feed) error) (*Feed, error)
	// DeleteFeed deletes a feed and the record of its seen items; the
	// posts made from them stay. ENOTFOUND when there is no such feed.
	DeleteFeed(ctx context.Context, id string) error
	// AddFeedItems records items as seen, and adds those with a post to
	// their feed's Drafted count; items already seen are left as they
	// are. A post made from an item is stored first, with the record of
	// FeedItemKey in the same transaction (Store.CreateIdempotentPost,
	// with a record that never expires): that record is what keeps a
	// crash between the two writes from drafting the item twice.
	AddFeedItems(ctx context.Context, items ...*FeedItem) error
	// FeedItem returns a seen item by feed id and key; ENOTFOUND when the
	// item was never seen.
	FeedItem(ctx context.Context, feedID, key string) (*FeedItem, error)
	// FeedItems lists up to limit seen items of a feed that have a post,
	// the most recently seen first.
	FeedItems(ctx context.Context, feedID string, limit int) ([]*FeedItem, error)
}

// FeedItemKey is the idempotency key that records, with the post made
// from a feed's item and in its transaction, that the item was drafted:
// the item key is hashed, since a guid or a link may be long.
func FeedItemKey(feedID, itemKey string) string {
	sum := sha256.Sum256([]byte(itemKey))
	return FeedItemKeyPrefix(feedID) + hex.EncodeToString(sum[:16])
}

// FeedItemKeyPrefix is the prefix of the FeedItemKey of every item of a
// feed.
func FeedItemKeyPrefix(feedID string) string { return "feed:" + feedID + ":" }

// CalendarToken is a user's secret for their calendar feed URL: the
// store keeps its SHA-256 only. A user has at most one; a new one
// replaces the old, whose URL stops working.
type CalendarToken struct {
	// Hash is the hex SHA-256 of the token.
	Hash      string    `json:"hash"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// CalendarStore keeps the calendar feed tokens.
type CalendarStore interface {
	// PutCalendarToken stores the user's token, replacing (and so
	// revoking) the one they had.
	PutCalendarToken(ctx context.Context, t *CalendarToken) error
	// CalendarToken returns the token of a hash; ENOTFOUND when none.
	CalendarToken(ctx context.Context, hash string) (*CalendarToken, error)
	// UserCalendarToken returns the token a user has; ENOTFOUND when none.
	UserCalendarToken(ctx context.Context, userID string) (*CalendarToken, error)
	// DeleteCalendarToken revokes the user's token; deleting none is not
	// an error.
	DeleteCalendarToken(ctx context.Context, userID string) error
}

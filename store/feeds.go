package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

var (
	_ pregonero.FeedStore     = (*DB)(nil)
	_ pregonero.CalendarStore = (*DB)(nil)
)

// Buckets of news feeds and calendar feeds (schema 10).
var (
	// bucketFeeds: feed id → feed record.
	bucketFeeds = []byte("feeds")
	// bucketFeedItems: feed id, NUL, item key → seen item record. The
	// prefix lists a feed's items and deletes them with it.
	bucketFeedItems = []byte("feed_items")
	// bucketCalendarTokens: hex SHA-256 of a calendar token → token
	// record; bucketCalendarUsers: user id → that hash, so that a user's
	// new token replaces the old one in the same transaction.
	bucketCalendarTokens = []byte("calendar_tokens")
	bucketCalendarUsers  = []byte("calendar_users")
)

// feedBuckets are the buckets of this file, created by migrateAutomation.
var feedBuckets = [][]byte{bucketFeeds, bucketFeedItems, bucketCalendarTokens, bucketCalendarUsers}

// feedRecord is a feed as stored: the domain type's JSON with a version.
type feedRecord struct {
	V int `json:"v"`
	pregonero.Feed
}

// feedItemRecord is a seen item as stored.
type feedItemRecord struct {
	V int `json:"v"`
	pregonero.FeedItem
}

// calendarTokenRecord is a calendar token as stored.
type calendarTokenRecord struct {
	V int `json:"v"`
	pregonero.CalendarToken
}

func encodeFeed(f *pregonero.Feed) ([]byte, error) {
	r := feedRecord{V: recordVersion, Feed: *f}
	for _, t := range []*time.Time{&r.LastPollAt, &r.LastOKAt, &r.FailingSince, &r.CreatedAt, &r.UpdatedAt} {
		*t = t.UTC()
	}
	return json.Marshal(r)
}

func decodeFeed(b []byte) (*pregonero.Feed, error) {
	var r feedRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode feed: %w", err)
	}
	return &r.Feed, nil
}

// feedItemKey is an item's key in bucketFeedItems: a guid or a link may
// be long, so the item's key is hashed.
func feedItemKey(feedID, key string) []byte {
	k := append([]byte(feedID), 0)
	if key == "" {
		return k
	}
	sum := sha256.Sum256([]byte(key))
	return append(k, sum[:]...)
}

// CreateFeed stores a new feed; ECONFLICT when its id is taken.
func (db *DB) CreateFeed(ctx context.Context, f *pregonero.Feed) error {
	if f == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil feed")
	}
	if err := checkID("feed id", f.ID); err != nil {
		return err
	}
	v, err := encodeFeed(f)
	if err != nil {
		return fmt.Errorf("create feed %s: %w", f.ID, err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		if w.tx.Bucket(bucketFeeds).Get([]byte(f.ID)) != nil {
			return pregonero.Errorf(pregonero.ECONFLICT, "feed id %s is taken", f.ID)
		}
		return w.put(bucketFeeds, []byte(f.ID), v)
	})
}

func loadFeed(tx *bbolt.Tx, id string) (*pregonero.Feed, error) {
	v := tx.Bucket(bucketFeeds).Get([]byte(id))
	if v == nil || id == "" {
		return nil, notFound("feed", id)
	}
	return decodeFeed(v)
}

// Feed returns one feed.
func (db *DB) Feed(ctx context.Context, id string) (*pregonero.Feed, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Feed, error) { return loadFeed(tx, id) })
}

// Feeds lists every feed ordered by id.
func (db *DB) Feeds(ctx context.Context) ([]*pregonero.Feed, error) {
	return read(ctx, db, func(tx *bbolt.Tx) ([]*pregonero.Feed, error) {
		out := []*pregonero.Feed{}
		err := tx.Bucket(bucketFeeds).ForEach(func(k, v []byte) error {
			f, err := decodeFeed(v)
			if err != nil {
				return fmt.Errorf("feed %s: %w", k, err)
			}
			out = append(out, f)
			return nil
		})
		return out, err
	})
}

// UpdateFeed runs fn on a copy of the feed and stores the result,
// stamping UpdatedAt; a change that sets FailingNotified records
// EventFeedFailing with it.
func (db *DB) UpdateFeed(ctx context.Context, id string, fn func(*pregonero.Feed) error) (*pregonero.Feed, error) {
	var out *pregonero.Feed
	err := db.exec(ctx, 2048, func(w *wtx) error {
		out = nil
		f, err := loadFeed(w.tx, id)
		if err != nil {
			return err
		}
		told := f.FailingNotified
		if err := fn(f); err != nil {
			return err
		}
		if f.ID != id {
			return pregonero.Errorf(pregonero.EINVALID, "feed %s: the id of a feed cannot change", id)
		}
		f.UpdatedAt = db.Now().UTC()
		if f.FailingNotified && !told {
			// The day of failures is told in the transaction that
			// records it told: a crash cannot lose it nor tell it twice.
			e := &pregonero.Event{Kind: pregonero.EventFeedFailing, At: f.LastPollAt, Feed: f.ID, Unit: f.Unit,
				Reason: string(pregonero.EventFeedFailing), Message: f.LastError}
			if err := w.addEvent(e, f.UpdatedAt); err != nil {
				return err
			}
		}
		v, err := encodeFeed(f)
		if err != nil {
			return fmt.Errorf("update feed %s: %w", id, err)
		}
		if out, err = decodeFeed(v); err != nil {
			return err
		}
		return w.put(bucketFeeds, []byte(id), v)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteFeed deletes a feed, its seen items and the records that tie its
// items to their posts; the posts stay.
func (db *DB) DeleteFeed(ctx context.Context, id string) error {
	return db.exec(ctx, 4096, func(w *wtx) error {
		if _, err := loadFeed(w.tx, id); err != nil {
			return err
		}
		if err := w.del(bucketFeeds, []byte(id)); err != nil {
			return err
		}
		if err := w.delPrefix(bucketFeedItems, feedItemKey(id, "")); err != nil {
			return err
		}
		return w.delPrefix(bucketSettings, []byte(idempotencyPrefix+pregonero.FeedItemKeyPrefix(id)))
	})
}

// delPrefix deletes every key of a bucket that starts with prefix.
func (w *wtx) delPrefix(bucket, prefix []byte) error {
	var keys [][]byte
	c := w.tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := w.del(bucket, k); err != nil {
			return err
		}
	}
	return nil
}

// AddFeedItems records items as seen; the feeds of those with a post
// count them as drafted.
func (db *DB) AddFeedItems(ctx context.Context, items ...*pregonero.FeedItem) error {
	if len(items) == 0 {
		return nil
	}
	vs := make([][]byte, len(items))
	size := 0
	for i, it := range items {
		if err := checkID("feed id", it.FeedID); err != nil {
			return err
		}
		if it.Key == "" {
			return pregonero.Errorf(pregonero.EINVALID, "feed item key is empty")
		}
		r := feedItemRecord{V: recordVersion, FeedItem: *it}
		r.SeenAt = r.SeenAt.UTC()
		v, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("add feed items: %w", err)
		}
		vs[i], size = v, size+len(v)
	}
	return db.exec(ctx, size+1024, func(w *wtx) error {
		drafted := map[string]int{}
		for i, it := range items {
			k := feedItemKey(it.FeedID, it.Key)
			if w.tx.Bucket(bucketFeedItems).Get(k) != nil {
				continue
			}
			if err := w.put(bucketFeedItems, k, vs[i]); err != nil {
				return err
			}
			if it.PostID != "" {
				drafted[it.FeedID]++
			}
		}
		for id, n := range drafted {
			f, err := loadFeed(w.tx, id)
			if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
				continue // deleted meanwhile: nothing to count
			} else if err != nil {
				return err
			}
			f.Drafted += n
			v, err := encodeFeed(f)
			if err != nil {
				return err
			}
			if err := w.put(bucketFeeds, []byte(id), v); err != nil {
				return err
			}
		}
		return nil
	})
}

func decodeFeedItem(b []byte) (*pregonero.FeedItem, error) {
	var r feedItemRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode feed item: %w", err)
	}
	return &r.FeedItem, nil
}

// FeedItem returns a seen item.
func (db *DB) FeedItem(ctx context.Context, feedID, key string) (*pregonero.FeedItem, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.FeedItem, error) {
		v := tx.Bucket(bucketFeedItems).Get(feedItemKey(feedID, key))
		if v == nil {
			return nil, notFound("feed item", feedID+" "+key)
		}
		return decodeFeedItem(v)
	})
}

// FeedItems lists the drafted items of a feed, the most recently seen
// first. A feed's items are few (a feed shows its last dozens), so they
// are read by prefix and sorted.
func (db *DB) FeedItems(ctx context.Context, feedID string, limit int) ([]*pregonero.FeedItem, error) {
	if limit <= 0 {
		return nil, pregonero.Errorf(pregonero.EINVALID, "feed items: limit %d is not positive", limit)
	}
	return read(ctx, db, func(tx *bbolt.Tx) ([]*pregonero.FeedItem, error) {
		out := []*pregonero.FeedItem{}
		prefix := feedItemKey(feedID, "")
		c := tx.Bucket(bucketFeedItems).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			it, err := decodeFeedItem(v)
			if err != nil {
				return nil, fmt.Errorf("feed item %q: %w", k, err)
			}
			if it.PostID != "" {
				out = append(out, it)
			}
		}
		slices.SortStableFunc(out, func(a, b *pregonero.FeedItem) int {
			return cmp.Or(b.SeenAt.Compare(a.SeenAt), cmp.Compare(a.Key, b.Key))
		})
		if len(out) > limit {
			out = out[:limit]
		}
		return out, nil
	})
}

// PutCalendarToken stores the user's calendar token, deleting the one it
// replaces in the same transaction.
func (db *DB) PutCalendarToken(ctx context.Context, t *pregonero.CalendarToken) error {
	if t == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil calendar token")
	}
	if err := checkID("calendar token hash", t.Hash); err != nil {
		return err
	}
	if err := checkID("user id", t.UserID); err != nil {
		return err
	}
	r := calendarTokenRecord{V: recordVersion, CalendarToken: *t}
	r.CreatedAt = r.CreatedAt.UTC()
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("put calendar token: %w", err)
	}
	return db.exec(ctx, len(v)+256, func(w *wtx) error {
		if err := w.delCalendarToken(t.UserID); err != nil {
			return err
		}
		if err := w.put(bucketCalendarTokens, []byte(t.Hash), v); err != nil {
			return err
		}
		return w.put(bucketCalendarUsers, []byte(t.UserID), []byte(t.Hash))
	})
}

// delCalendarToken deletes the user's token, if any.
func (w *wtx) delCalendarToken(userID string) error {
	old := w.tx.Bucket(bucketCalendarUsers).Get([]byte(userID))
	if old == nil {
		return nil
	}
	if err := w.del(bucketCalendarTokens, bytes.Clone(old)); err != nil {
		return err
	}
	return w.del(bucketCalendarUsers, []byte(userID))
}

func loadCalendarToken(tx *bbolt.Tx, hash string) (*pregonero.CalendarToken, error) {
	v := tx.Bucket(bucketCalendarTokens).Get([]byte(hash))
	if v == nil || hash == "" {
		return nil, notFound("calendar token", "")
	}
	var r calendarTokenRecord
	if err := unmarshalRecord(v, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode calendar token: %w", err)
	}
	return &r.CalendarToken, nil
}

// CalendarToken returns the token of a hash.
func (db *DB) CalendarToken(ctx context.Context, hash string) (*pregonero.CalendarToken, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.CalendarToken, error) { return loadCalendarToken(tx, hash) })
}

// UserCalendarToken returns the token a user has.
func (db *DB) UserCalendarToken(ctx context.Context, userID string) (*pregonero.CalendarToken, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.CalendarToken, error) {
		h := tx.Bucket(bucketCalendarUsers).Get([]byte(userID))
		if h == nil || userID == "" {
			return nil, notFound("calendar token of user", userID)
		}
		return loadCalendarToken(tx, string(h))
	})
}

// DeleteCalendarToken revokes the user's token.
func (db *DB) DeleteCalendarToken(ctx context.Context, userID string) error {
	return db.exec(ctx, 256, func(w *wtx) error { return w.delCalendarToken(userID) })
}

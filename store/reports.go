package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// bucketPostsByCampaign: campaign id ‖ 0x00 ‖ timeKey(ScheduledAt) ‖ post
// id, for every post that names a campaign (schema 9). Written in the
// same transaction as the post, so that a campaign's report reads its
// posts, in time order, without walking anyone else's.
var bucketPostsByCampaign = []byte("posts_by_campaign")

// campaignIndexKey returns the post's key in the campaign index, or nil
// for a post without a campaign or with one that cannot be a key (a
// label older than campaigns; the posting service asks for another when
// the post is edited).
func campaignIndexKey(campaign string, at time.Time, postID string) []byte {
	if campaign == "" || checkID("campaign", campaign) != nil {
		return nil
	}
	k := make([]byte, 0, len(campaign)+1+timeKeyLen+len(postID))
	k = append(k, campaign...)
	k = append(k, 0)
	return appendTimeIDKey(k, at, postID)
}

// migrateCampaignIndex (schema 9) creates the index of posts by campaign
// and fills it from the posts already stored.
func migrateCampaignIndex(tx *bbolt.Tx) error {
	idx, err := tx.CreateBucketIfNotExists(bucketPostsByCampaign)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketPostsByCampaign, err)
	}
	type entry struct{ k []byte }
	var add []entry
	err = tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		var p postCampaignIndexV2
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("post %s: %w", k, err)
		}
		if p.V != postRecordVersion {
			return fmt.Errorf("post %s: record version %d, want %d", k, p.V, postRecordVersion)
		}
		if key := campaignIndexKey(p.Campaign, p.scheduledAt(), string(k)); key != nil {
			add = append(add, entry{key})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range add {
		if err := idx.Put(e.k, empty); err != nil {
			return fmt.Errorf("index posts by campaign: %w", err)
		}
	}
	return nil
}

// postCampaignIndexV2 is the part of a version 2 post record that
// migration 9 reads, frozen as it was. Times are nanoseconds since the
// Unix epoch; RFC 3339 is read too, as the decoder of posts does.
type postCampaignIndexV2 struct {
	V           int             `json:"v"`
	Campaign    string          `json:"campaign"`
	ScheduledAt json.RawMessage `json:"scheduled_at"`
}

func (p *postCampaignIndexV2) scheduledAt() time.Time {
	if len(p.ScheduledAt) == 0 {
		return time.Time{}
	}
	var ns int64
	if json.Unmarshal(p.ScheduledAt, &ns) == nil {
		return time.Unix(0, ns).UTC()
	}
	var t time.Time
	if json.Unmarshal(p.ScheduledAt, &t) == nil {
		return t.UTC()
	}
	return time.Time{}
}

// PostsByCampaign returns the posts naming the campaign whose
// ScheduledAt is in [from, to), ordered by ScheduledAt, then id, with
// their deliveries; a zero from means from the first, a zero to no upper
// bound. Drafts without a time count as scheduled at the zero time. It
// reads the campaign index only: its cost grows with the campaign's
// posts, not with the store's.
func (db *DB) PostsByCampaign(ctx context.Context, campaignID string, from, to time.Time) ([]*pregonero.Post, error) {
	if err := checkID("campaign id", campaignID); err != nil {
		return nil, err
	}
	prefix := append([]byte(campaignID), 0)
	start := prefix
	if !from.IsZero() {
		start = binary.BigEndian.AppendUint64(bytes.Clone(prefix), timeKey(from))
	}
	var end []byte
	if !to.IsZero() {
		end = binary.BigEndian.AppendUint64(bytes.Clone(prefix), timeKey(to))
	}
	posts, err := db.postsInRange(ctx, bucketPostsByCampaign, prefix, start, end)
	if err != nil {
		return nil, fmt.Errorf("posts of campaign %s: %w", campaignID, err)
	}
	return posts, nil
}

// PostsScheduled returns the posts whose ScheduledAt is in [from, to),
// ordered by ScheduledAt, then id, with their deliveries; a zero from
// means from the first, a zero to no upper bound. It walks the
// posts-by-time index over the range only.
func (db *DB) PostsScheduled(ctx context.Context, from, to time.Time) ([]*pregonero.Post, error) {
	var start, end []byte
	if !from.IsZero() {
		start = encodeUint64(timeKey(from))
	}
	if !to.IsZero() {
		end = encodeUint64(timeKey(to))
	}
	posts, err := db.postsInRange(ctx, bucketPostsByTime, nil, start, end)
	if err != nil {
		return nil, fmt.Errorf("posts scheduled in a range: %w", err)
	}
	return posts, nil
}

// postsInRange loads the posts of an index whose keys are prefix ‖
// timeKey ‖ post id, from start (inclusive) to end (exclusive, nil for
// no bound), staying within prefix.
func (db *DB) postsInRange(ctx context.Context, bucket, prefix, start, end []byte) ([]*pregonero.Post, error) {
	return read(ctx, db, func(tx *bbolt.Tx) ([]*pregonero.Post, error) {
		out := []*pregonero.Post{}
		posts := tx.Bucket(bucketPosts)
		c := tx.Bucket(bucket).Cursor()
		var k []byte
		if start != nil {
			k, _ = c.Seek(start)
		} else {
			k, _ = c.First()
		}
		for n := 0; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			if end != nil && bytes.Compare(k, end) >= 0 {
				break
			}
			if len(k) <= len(prefix)+timeKeyLen {
				continue
			}
			v := posts.Get(k[len(prefix)+timeKeyLen:])
			if v == nil {
				continue // as Posts does: pregonero check reports a dangling entry
			}
			p, err := loadPostValue(tx, v)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	})
}

var _ pregonero.ReportStore = (*DB)(nil)

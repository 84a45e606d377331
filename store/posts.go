package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// Listing limits of Posts.
const (
	// DefaultPostsLimit is the page size when PostFilter.Limit is zero.
	DefaultPostsLimit = 50
	// MaxPostsLimit caps PostFilter.Limit.
	MaxPostsLimit = 500
)

// kv is one Put prepared outside the transaction.
type kv struct{ k, v []byte }

func sortKVs(s []kv) {
	slices.SortFunc(s, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
}

// newPosts is a CreatePosts call encoded ahead of its transaction: the
// caller's goroutine does the encoding, the committer only checks for
// conflicts and writes, each bucket in key order.
type newPosts struct {
	posts, deliveries, byTime, due, claimed, held, mediaRefs []kv
	byCampaign, queue                                        []kv
	counts                                                   countDelta
	size                                                     int
	// buffers hold the encoded values and keys; they go back to the pool
	// once the transaction that wrote them has ended.
	buffers [][]byte
}

var empty = []byte{}

// validState reports whether s is one of the delivery states.
func validState(s pregonero.DeliveryState) bool {
	switch s {
	case pregonero.DeliveryQueued, pregonero.DeliverySending, pregonero.DeliveryInDoubt,
		pregonero.DeliveryPublished, pregonero.DeliveryFailed, pregonero.DeliveryCanceled,
		pregonero.DeliveryHeld:
		return true
	}
	return false
}

func checkDelivery(d *pregonero.Delivery) error {
	if err := checkID("delivery id", d.ID); err != nil {
		return err
	}
	if err := checkID("account id", d.AccountID); err != nil {
		return fmt.Errorf("delivery %s: %w", d.ID, err)
	}
	if !validState(d.State) {
		return pregonero.Errorf(pregonero.EINVALID, "delivery %s has unknown state %q", d.ID, d.State)
	}
	// A held delivery waits for a person, who must be told why.
	if d.State == pregonero.DeliveryHeld && d.HoldReason == "" {
		return pregonero.Errorf(pregonero.EINVALID, "delivery %s is held without a reason; every hold says why (hold_reason)", d.ID)
	}
	return nil
}

// checkNewPosts validates a CreatePosts call before anything is encoded.
func checkNewPosts(posts []*pregonero.Post) error {
	seenPosts := make(map[string]struct{}, len(posts))
	seenDeliveries := make(map[string]struct{}, len(posts))
	for _, p := range posts {
		if p == nil {
			return pregonero.Errorf(pregonero.EINVALID, "nil post")
		}
		if err := checkID("post id", p.ID); err != nil {
			return err
		}
		if _, dup := seenPosts[p.ID]; dup {
			return pregonero.Errorf(pregonero.EINVALID, "post %s appears twice", p.ID)
		}
		seenPosts[p.ID] = struct{}{}
		for _, d := range p.Deliveries {
			if d == nil {
				return pregonero.Errorf(pregonero.EINVALID, "post %s has a nil delivery", p.ID)
			}
			if d.PostID != "" && d.PostID != p.ID {
				return pregonero.Errorf(pregonero.EINVALID, "delivery %s belongs to post %s, not %s", d.ID, d.PostID, p.ID)
			}
			if err := checkDelivery(d); err != nil {
				return err
			}
			if _, dup := seenDeliveries[d.ID]; dup {
				return pregonero.Errorf(pregonero.EINVALID, "delivery %s appears twice", d.ID)
			}
			seenDeliveries[d.ID] = struct{}{}
		}
		if err := checkMediaIDs(p.ID, postMedia(p)); err != nil {
			return err
		}
	}
	return nil
}

// checkMediaIDs validates the media ids of a post before they become keys.
func checkMediaIDs(postID string, ids []string) error {
	for _, m := range ids {
		if err := checkID("media id", m); err != nil {
			return pregonero.Invalid([]pregonero.FieldError{{
				Field: "media", Code: pregonero.FieldInvalid, Actual: m,
				Message: fmt.Sprintf("Post %s: %s.", postID, pregonero.ErrorMessage(err)),
			}})
		}
	}
	return nil
}

// missingMedia is the error for a post naming media without a record.
func missingMedia(postID, mediaID string) error {
	return pregonero.Invalid([]pregonero.FieldError{{
		Field: "media", Code: pregonero.FieldUnknown, Actual: mediaID,
		Message: fmt.Sprintf("Post %s names media %s, which does not exist (unused media is removed after a while); upload the file again.", postID, mediaID),
	}})
}

// checkMediaExist refuses, inside the write transaction, media ids
// without a record.
func checkMediaExist(tx *bbolt.Tx, postID string, ids []string) error {
	media := tx.Bucket(bucketMedia)
	for _, m := range ids {
		if media.Get([]byte(m)) == nil {
			return missingMedia(postID, m)
		}
	}
	return nil
}

// encodeNewPosts validates and encodes a CreatePosts call. Large calls
// are encoded in parallel chunks.
func encodeNewPosts(posts []*pregonero.Post) (*newPosts, error) {
	if err := checkNewPosts(posts); err != nil {
		return nil, err
	}
	chunks := splitWork(len(posts), 256)
	parts := make([]*newPosts, len(chunks))
	errs := make([]error, len(chunks))
	parallel(len(chunks), func(i int) {
		parts[i], errs[i] = encodePostChunk(posts[chunks[i][0]:chunks[i][1]])
	})
	if err := errors.Join(errs...); err != nil {
		for _, part := range parts {
			if part != nil {
				putBuffers(part.buffers)
			}
		}
		return nil, err
	}
	n := parts[0]
	for _, part := range parts[1:] {
		n.buffers = append(n.buffers, part.buffers...)
		n.posts = append(n.posts, part.posts...)
		n.deliveries = append(n.deliveries, part.deliveries...)
		n.byTime = append(n.byTime, part.byTime...)
		n.due = append(n.due, part.due...)
		n.claimed = append(n.claimed, part.claimed...)
		n.held = append(n.held, part.held...)
		n.mediaRefs = append(n.mediaRefs, part.mediaRefs...)
		n.byCampaign = append(n.byCampaign, part.byCampaign...)
		n.queue = append(n.queue, part.queue...)
		for st, c := range part.counts {
			n.counts[st] += c
		}
		n.size += part.size
	}
	for _, s := range [][]kv{n.posts, n.deliveries, n.byTime, n.due, n.claimed, n.held, n.mediaRefs, n.byCampaign, n.queue} {
		sortKVs(s)
	}
	return n, nil
}

// encodePostChunk encodes validated posts.
func encodePostChunk(posts []*pregonero.Post) (*newPosts, error) {
	n := &newPosts{counts: countDelta{}}
	// One buffer for all values and one for all index keys, sized up
	// front: growing them by appending would copy everything several
	// times over. Each value and key is a capped slice of its buffer,
	// which bbolt keeps until the commit.
	valSize, keySize, nd := 0, 0, 0
	for _, p := range posts {
		valSize += 512 + len(p.Text) + len(p.Link)
		keySize += timeKeyLen + len(p.ID)
		for _, d := range p.Deliveries {
			valSize += 512
			keySize += timeKeyLen + len(d.ID)
		}
		nd += len(p.Deliveries)
	}
	vals := getBuffer(valSize)
	keys := getBuffer(keySize)
	n.buffers = append(n.buffers, vals, keys)
	n.posts = make([]kv, 0, len(posts))
	n.byTime = make([]kv, 0, len(posts))
	n.deliveries = make([]kv, 0, nd)
	n.due = make([]kv, 0, nd)
	slice := func(buf []byte, start int) []byte { return buf[start:len(buf):len(buf)] }
	for _, p := range posts {
		ids := make([]string, len(p.Deliveries))
		for i, d := range p.Deliveries {
			ids[i] = d.ID
			dc := *d
			dc.PostID = p.ID
			start := len(vals)
			var err error
			if vals, err = appendDelivery(vals, &dc); err != nil {
				return nil, fmt.Errorf("delivery %s: %w", d.ID, err)
			}
			n.deliveries = append(n.deliveries, kv{[]byte(d.ID), slice(vals, start)})
			if dc.State.Due() && !dc.Claimed {
				start := len(keys)
				keys = appendTimeIDKey(keys, dc.NextAttemptAt, dc.ID)
				n.due = append(n.due, kv{slice(keys, start), empty})
			}
			if k := claimedKey(&dc); k != nil {
				n.claimed = append(n.claimed, kv{k, empty})
			}
			if k := heldIndexKey(&dc); k != nil {
				n.held = append(n.held, kv{k, empty})
			}
			if k := queueIndexKey(&dc); k != nil {
				n.queue = append(n.queue, kv{k, empty})
			}
			n.counts[dc.State]++
		}
		start := len(vals)
		var err error
		if vals, err = appendPost(vals, p, ids); err != nil {
			return nil, fmt.Errorf("post %s: %w", p.ID, err)
		}
		n.posts = append(n.posts, kv{[]byte(p.ID), slice(vals, start)})
		start = len(keys)
		keys = appendTimeIDKey(keys, p.ScheduledAt, p.ID)
		n.byTime = append(n.byTime, kv{slice(keys, start), empty})
		if k := campaignIndexKey(p.Campaign, p.ScheduledAt, p.ID); k != nil {
			n.byCampaign = append(n.byCampaign, kv{k, empty})
		}
		for _, m := range postMedia(p) {
			n.mediaRefs = append(n.mediaRefs, kv{mediaRefKey(m, p.ID), empty})
		}
	}
	n.size = len(vals) + len(keys)
	for _, e := range n.byCampaign {
		n.size += len(e.k)
	}
	return n, nil
}

func (n *newPosts) apply(w *wtx) error {
	posts := w.tx.Bucket(bucketPosts)
	for _, e := range n.posts {
		if posts.Get(e.k) != nil {
			return pregonero.Errorf(pregonero.ECONFLICT, "post %s already exists", e.k)
		}
	}
	deliveries := w.tx.Bucket(bucketDeliveries)
	for _, e := range n.deliveries {
		if deliveries.Get(e.k) != nil {
			return pregonero.Errorf(pregonero.ECONFLICT, "delivery %s already exists", e.k)
		}
	}
	// Checked in the transaction that writes the references, so that a
	// media record deleted by garbage collection a moment ago cannot end
	// up named by a post.
	media := w.tx.Bucket(bucketMedia)
	for _, e := range n.mediaRefs {
		mediaID, postID, _ := bytes.Cut(e.k, []byte{0})
		if media.Get(mediaID) == nil {
			return missingMedia(string(postID), string(mediaID))
		}
	}
	for _, b := range []struct {
		name []byte
		kvs  []kv
	}{
		{bucketPosts, n.posts},
		{bucketDeliveries, n.deliveries},
		{bucketPostsByTime, n.byTime},
		{bucketDue, n.due},
		{bucketClaimed, n.claimed},
		{bucketHeld, n.held},
		{bucketMediaRefs, n.mediaRefs},
		{bucketPostsByCampaign, n.byCampaign},
		{bucketAccountQueue, n.queue},
	} {
		for _, e := range b.kvs {
			if err := w.put(b.name, e.k, e.v); err != nil {
				return err
			}
		}
	}
	return w.applyCounts(n.counts)
}

// CreatePosts stores the posts and their deliveries in one transaction and
// returns once it is synced. A delivery without PostID gets its post's.
// It fails with ECONFLICT, writing nothing, when any post or delivery id
// exists already, and with EINVALID on missing ids, unknown states or a
// media id without a record (field "media"). The posts passed in are not
// modified.
func (db *DB) CreatePosts(ctx context.Context, posts ...*pregonero.Post) error {
	if len(posts) == 0 {
		return nil
	}
	n, err := encodeNewPosts(posts)
	if err != nil {
		return err
	}
	defer putBuffers(n.buffers)
	return db.exec(ctx, n.size, n.apply)
}

// idempotencyPrefix names the settings that hold idempotency records (the
// format is the one earlier versions wrote there).
const idempotencyPrefix = "idem:"

// CreateIdempotentPost stores one post like CreatePosts and, in the same
// transaction, the record of its idempotency key.
func (db *DB) CreateIdempotentPost(ctx context.Context, p *pregonero.Post, rec pregonero.Idempotency) error {
	if p == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil post")
	}
	key := []byte(idempotencyPrefix + rec.Key)
	if err := checkID("idempotency key", string(key)); err != nil {
		return err
	}
	rec.CreatedAt, rec.ExpiresAt = rec.CreatedAt.UTC(), rec.ExpiresAt.UTC()
	rv, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	n, err := encodeNewPosts([]*pregonero.Post{p})
	if err != nil {
		return err
	}
	defer putBuffers(n.buffers)
	return db.exec(ctx, n.size+len(rv), func(w *wtx) error {
		if v := w.tx.Bucket(bucketSettings).Get(key); v != nil {
			// An expired or unreadable record promises nothing any more.
			var old pregonero.Idempotency
			if json.Unmarshal(v, &old) == nil && old.PostID != "" && !old.Expired(rec.CreatedAt) {
				return pregonero.Errorf(pregonero.ECONFLICT, "idempotency key %q is already recorded", rec.Key)
			}
		}
		if err := n.apply(w); err != nil {
			return err
		}
		return w.put(bucketSettings, key, rv)
	})
}

// Idempotency returns the record of an idempotency key; ENOTFOUND when
// there is none, or when what is stored cannot promise anything (an
// unreadable record is as good as none, and is replaced).
func (db *DB) Idempotency(ctx context.Context, key string) (*pregonero.Idempotency, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Idempotency, error) {
		v := tx.Bucket(bucketSettings).Get([]byte(idempotencyPrefix + key))
		if v == nil {
			return nil, notFound("idempotency key", key)
		}
		var rec pregonero.Idempotency
		if err := json.Unmarshal(v, &rec); err != nil || rec.PostID == "" {
			db.logger.Warn("unreadable idempotency record ignored", pregonero.LogKey, key, pregonero.LogErr, err)
			return nil, notFound("idempotency key", key)
		}
		rec.Key = key
		return &rec, nil
	})
}

// PurgeIdempotency deletes up to limit idempotency records expired at
// now (and unreadable ones, which promise nothing), in key order.
func (db *DB) PurgeIdempotency(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, pregonero.Errorf(pregonero.EINVALID, "purge idempotency records: limit %d is not positive", limit)
	}
	n := 0
	err := db.exec(ctx, 64, func(w *wtx) error {
		n = 0
		prefix := []byte(idempotencyPrefix)
		var expired [][]byte
		c := w.tx.Bucket(bucketSettings).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(expired) < limit; k, v = c.Next() {
			var rec pregonero.Idempotency
			if json.Unmarshal(v, &rec) != nil || rec.PostID == "" || rec.Expired(now) {
				expired = append(expired, bytes.Clone(k))
			}
		}
		for _, k := range expired {
			if err := w.del(bucketSettings, k); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge idempotency records: %w", err)
	}
	return n, nil
}

// Post returns a post with its deliveries and derived status.
func (db *DB) Post(ctx context.Context, id string) (*pregonero.Post, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Post, error) { return loadPost(tx, id) })
}

func loadPost(tx *bbolt.Tx, id string) (*pregonero.Post, error) {
	v := tx.Bucket(bucketPosts).Get([]byte(id))
	if v == nil {
		return nil, notFound("post", id)
	}
	return loadPostValue(tx, v)
}

func loadPostValue(tx *bbolt.Tx, v []byte) (*pregonero.Post, error) {
	p, ids, err := decodePost(v)
	if err != nil {
		return nil, err
	}
	if err := loadDeliveries(tx, p, ids); err != nil {
		return nil, err
	}
	return p, nil
}

// loadDeliveries fills in the post's deliveries and derived status.
func loadDeliveries(tx *bbolt.Tx, p *pregonero.Post, ids []string) error {
	p.Deliveries = make([]*pregonero.Delivery, len(ids))
	deliveries := tx.Bucket(bucketDeliveries)
	for i, id := range ids {
		v := deliveries.Get([]byte(id))
		if v == nil {
			return fmt.Errorf("post %s: delivery %s is missing", p.ID, id)
		}
		var err error
		if p.Deliveries[i], err = decodeDelivery(v); err != nil {
			return fmt.Errorf("post %s: delivery %s: %w", p.ID, id, err)
		}
	}
	p.Status = p.DerivedStatus()
	return nil
}

// Posts lists posts ordered by ScheduledAt, then id, walking the
// posts-by-time index from From (or the cursor) to To. Filters on status,
// account and campaign are applied while walking, so a selective filter
// over a long range reads more than it returns.
func (db *DB) Posts(ctx context.Context, f pregonero.PostFilter) (*pregonero.PostPage, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = DefaultPostsLimit
	case limit > MaxPostsLimit:
		limit = MaxPostsLimit
	}
	var cursorKey, fromKey, toKey []byte
	if f.Cursor != "" {
		k, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err != nil || len(k) <= timeKeyLen {
			return nil, pregonero.Errorf(pregonero.EINVALID, "invalid cursor %q", f.Cursor)
		}
		cursorKey = k
	}
	if !f.From.IsZero() {
		fromKey = encodeUint64(timeKey(f.From))
	}
	if !f.To.IsZero() {
		toKey = encodeUint64(timeKey(f.To))
	}
	page := &pregonero.PostPage{Posts: []*pregonero.Post{}}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketPostsByTime).Cursor()
		posts := tx.Bucket(bucketPosts)
		var k []byte
		switch {
		case cursorKey != nil && (fromKey == nil || bytes.Compare(cursorKey, fromKey) >= 0):
			k, _ = c.Seek(cursorKey)
			if k != nil && bytes.Equal(k, cursorKey) {
				k, _ = c.Next()
			}
		case fromKey != nil:
			k, _ = c.Seek(fromKey)
		default:
			k, _ = c.First()
		}
		var last []byte
		for n := 0; k != nil; k, _ = c.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if len(k) <= timeKeyLen {
				continue
			}
			if toKey != nil && bytes.Compare(k[:timeKeyLen], toKey) >= 0 {
				break
			}
			v := posts.Get(k[timeKeyLen:])
			if v == nil {
				continue
			}
			p, ids, err := decodePost(v)
			if err != nil {
				return err
			}
			// Deliveries are read only for posts that pass the cheaper
			// filters.
			if f.Campaign != "" && p.Campaign != f.Campaign ||
				f.Account != "" && !slices.Contains(p.Targets, f.Account) {
				continue
			}
			if err := loadDeliveries(tx, p, ids); err != nil {
				return err
			}
			if f.Status != "" && p.Status != f.Status {
				continue
			}
			if len(page.Posts) == limit {
				page.Next = base64.RawURLEncoding.EncodeToString(last)
				break
			}
			page.Posts = append(page.Posts, p)
			last = append(last[:0], k...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	return page, nil
}

// CancelPost cancels the post's unclaimed queued and held deliveries; the
// ones sending, in doubt or finished are left as they are. A draft (a
// post without deliveries) is canceled itself: CanceledAt is set. It
// fails with ECONFLICT when there was nothing to cancel.
func (db *DB) CancelPost(ctx context.Context, id string) (*pregonero.Post, error) {
	var out *pregonero.Post
	err := db.exec(ctx, 1024, func(w *wtx) error {
		var err error
		out, err = w.cancelPost(id, db.Now().UTC())
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cancelPost is the transaction of CancelPost.
func (w *wtx) cancelPost(id string, now time.Time) (*pregonero.Post, error) {
	p, ids, err := decodeExistingPost(w.tx, id)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		// A draft: nothing is due, the post itself is canceled.
		if !p.CanceledAt.IsZero() {
			return nil, pregonero.Errorf(pregonero.ECONFLICT, "post %s is already canceled", id)
		}
		p.CanceledAt, p.UpdatedAt = now, now
		pv, err := appendPost(nil, p, nil)
		if err != nil {
			return nil, err
		}
		if err := w.writePost(id, pv, nil); err != nil {
			return nil, err
		}
		p.Deliveries = []*pregonero.Delivery{}
		p.Status = p.DerivedStatus()
		return p, nil
	}
	var changes []deliveryChange
	deliveries := make([]*pregonero.Delivery, len(ids))
	for i, did := range ids {
		d, err := loadDelivery(w.tx, did)
		if err != nil {
			return nil, fmt.Errorf("post %s: %w", id, err)
		}
		deliveries[i] = d
		// Claimed ones are the publisher's to stop; a held delivery
		// whose earlier attempt may have reached the network must be
		// reconciled, since the post may be live.
		if d.Claimed {
			continue
		}
		nd := d.Clone()
		if nd.Cancel() != nil {
			continue
		}
		nd.UpdatedAt = now
		ch, err := prepareChange(d, nd)
		if err != nil {
			return nil, err
		}
		changes = append(changes, ch)
		deliveries[i] = nd
	}
	if len(changes) == 0 {
		return nil, pregonero.Errorf(pregonero.ECONFLICT,
			"post %s has nothing left to cancel: every delivery is already sending, in doubt or finished", id)
	}
	p.UpdatedAt = now
	pv, err := appendPost(nil, p, ids)
	if err != nil {
		return nil, err
	}
	if err := w.writePost(id, pv, changes); err != nil {
		return nil, err
	}
	p.Deliveries = deliveries
	p.Status = p.DerivedStatus()
	return p, nil
}

// editableDelivery reports whether an edit may touch a post with this
// delivery: one still waiting for its time (queued, unclaimed), one held
// as overdue after a pause with nothing of unknown outcome (a new time
// releases it), or one canceled.
func editableDelivery(d *pregonero.Delivery) bool {
	switch d.State {
	case pregonero.DeliveryCanceled:
		return true
	case pregonero.DeliveryQueued:
		return !d.Claimed
	case pregonero.DeliveryHeld:
		return d.HoldReason == pregonero.HoldOverdue && !d.NeedsReconcile()
	}
	return false
}

// heldFor says why a held delivery is held, for a refusal.
func heldFor(d *pregonero.Delivery) string {
	if d.State != pregonero.DeliveryHeld {
		return ""
	}
	return " (" + d.HoldReason + ")"
}

func decodeExistingPost(tx *bbolt.Tx, id string) (*pregonero.Post, []string, error) {
	v := tx.Bucket(bucketPosts).Get([]byte(id))
	if v == nil {
		return nil, nil, notFound("post", id)
	}
	return decodePost(v)
}

// UpdatePost edits a post whose deliveries are all still waiting (see
// editableDelivery), releasing to the post's new time those held as
// overdue that fn released.
func (db *DB) UpdatePost(ctx context.Context, id string, fn func(*pregonero.Post) error) (*pregonero.Post, error) {
	return db.updatePost(ctx, id, nil, fn)
}

// updatePost serves UpdatePost and UpdatePlacedPost: with placed set, the
// queue's record of the post's deliveries is written in the same
// transaction, and a delivery the queue places may keep its own time.
func (db *DB) updatePost(ctx context.Context, id string, placed *bool, fn func(*pregonero.Post) error) (*pregonero.Post, error) {
	var out *pregonero.Post
	err := db.exec(ctx, 4096, func(w *wtx) error {
		out = nil
		marks := w.tx.Bucket(bucketQueuePlaced)
		// ownTime reports whether a delivery may go out at x, a time of
		// its own after its post's: only one the queue places, at its
		// account's slot.
		ownTime := func(x *pregonero.Delivery, postAt time.Time) bool {
			isPlaced := marks.Get([]byte(x.ID)) != nil
			if placed != nil {
				isPlaced = *placed
			}
			return isPlaced && x.ScheduledAt.After(postAt)
		}
		p, ids, err := decodeExistingPost(w.tx, id)
		if err != nil {
			return err
		}
		if len(ids) == 0 && !p.CanceledAt.IsZero() {
			return pregonero.Errorf(pregonero.ECONFLICT, "post %s is a canceled draft; it can no longer be edited or scheduled", id)
		}
		draft := len(ids) == 0
		deliveries := make([]*pregonero.Delivery, len(ids))
		for i, did := range ids {
			d, err := loadDelivery(w.tx, did)
			if err != nil {
				return fmt.Errorf("post %s: %w", id, err)
			}
			if !editableDelivery(d) {
				return pregonero.Errorf(pregonero.ECONFLICT,
					"post %s can no longer be edited: its delivery to %s is %s%s; only posts whose deliveries are all waiting can be edited", id, d.AccountID, d.State, heldFor(d))
			}
			deliveries[i] = d
		}
		np := *p
		np.Targets = append([]string(nil), p.Targets...)
		np.Media = append([]pregonero.PostMedia(nil), p.Media...)
		np.Deliveries = make([]*pregonero.Delivery, len(deliveries))
		for i, d := range deliveries {
			np.Deliveries[i] = d.Clone()
		}
		if err := fn(&np); err != nil {
			return err
		}
		planned := np.Deliveries
		if np.ID != p.ID || !np.CreatedAt.Equal(p.CreatedAt) || !np.CanceledAt.Equal(p.CanceledAt) {
			return pregonero.Errorf(pregonero.EINVALID, "post %s: the id, creation and cancellation time of a post cannot change", id)
		}
		var scheduled []*pregonero.Delivery // deliveries added to a draft
		switch {
		case draft && len(planned) > 0:
			if scheduled, err = checkScheduled(w.tx, &np); err != nil {
				return err
			}
			planned = nil
		case draft:
		case len(planned) != len(deliveries):
			return pregonero.Errorf(pregonero.EINVALID, "post %s: deliveries cannot be added or removed by an edit", id)
		case !slices.Equal(np.Targets, p.Targets):
			return pregonero.Errorf(pregonero.EINVALID, "post %s: the targets of a scheduled post cannot change", id)
		}
		addedMedia, removedMedia := diffMedia(postMedia(p), postMedia(&np))
		if err := checkMediaIDs(id, addedMedia); err != nil {
			return err
		}
		if err := checkMediaExist(w.tx, id, addedMedia); err != nil {
			return err
		}
		now := db.Now().UTC()
		np.UpdatedAt = now
		var changes []deliveryChange
		for i, d := range deliveries {
			x := planned[i]
			// A delivery held as overdue may be released to the post's new
			// time (Delivery.RescheduleOverdue); no other state changes.
			released := x != nil && d.State == pregonero.DeliveryHeld && x.State != d.State
			if x == nil || x.ID != d.ID || x.State != d.State && !released {
				return pregonero.Errorf(pregonero.EINVALID, "post %s: an edit cannot change which deliveries a post has or their state", id)
			}
			nd := d.Clone()
			switch {
			case released:
				if !x.ScheduledAt.Equal(np.ScheduledAt) && !ownTime(x, np.ScheduledAt) || np.ScheduledAt.Equal(p.ScheduledAt) {
					return pregonero.Errorf(pregonero.EINVALID, "post %s: a delivery held as overdue is released only to a new time of its post", id)
				}
				if err := nd.RescheduleOverdue(x.ScheduledAt, x.NextAttemptAt); err != nil {
					return err
				}
				if nd.State != x.State {
					return pregonero.Errorf(pregonero.EINVALID, "post %s: an edit cannot change which deliveries a post has or their state", id)
				}
			case d.State == pregonero.DeliveryQueued:
				// Of a delivery, an edit changes only its time: its post's,
				// or its slot's when the queue places it.
				nd.ScheduledAt, nd.NextAttemptAt = x.ScheduledAt, x.NextAttemptAt
				if !nd.ScheduledAt.Equal(np.ScheduledAt) && !ownTime(nd, np.ScheduledAt) {
					if err := nd.Reschedule(np.ScheduledAt, np.ScheduledAt); err != nil {
						return err
					}
				}
			case d.State == pregonero.DeliveryHeld && len(d.Checkpoint) > 0:
				// Still held, but what it prepared was for the old content.
			default:
				continue
			}
			nd.Checkpoint = nil
			nd.UpdatedAt = now
			if err := checkDelivery(nd); err != nil {
				return err
			}
			ch, err := prepareChange(d, nd)
			if err != nil {
				return err
			}
			changes = append(changes, ch)
			deliveries[i] = nd
		}
		for _, d := range scheduled {
			d.UpdatedAt = now
			ch, err := prepareChange(nil, d)
			if err != nil {
				return err
			}
			changes = append(changes, ch)
			ids = append(ids, d.ID)
			deliveries = append(deliveries, d)
		}
		pv, err := appendPost(nil, &np, ids)
		if err != nil {
			return err
		}
		// Checks are done: from here a failure is the transaction's.
		if !np.ScheduledAt.Equal(p.ScheduledAt) {
			if err := w.del(bucketPostsByTime, timeIDKey(p.ScheduledAt, id)); err != nil {
				return err
			}
			if err := w.put(bucketPostsByTime, timeIDKey(np.ScheduledAt, id), empty); err != nil {
				return err
			}
		}
		if np.Campaign != p.Campaign || !np.ScheduledAt.Equal(p.ScheduledAt) {
			if k := campaignIndexKey(p.Campaign, p.ScheduledAt, id); k != nil {
				if err := w.del(bucketPostsByCampaign, k); err != nil {
					return err
				}
			}
			if k := campaignIndexKey(np.Campaign, np.ScheduledAt, id); k != nil {
				if err := w.put(bucketPostsByCampaign, k, empty); err != nil {
					return err
				}
			}
		}
		for _, m := range removedMedia {
			if err := w.del(bucketMediaRefs, mediaRefKey(m, id)); err != nil {
				return err
			}
		}
		for _, m := range addedMedia {
			if err := w.put(bucketMediaRefs, mediaRefKey(m, id), empty); err != nil {
				return err
			}
		}
		if err := w.writePost(id, pv, changes); err != nil {
			return err
		}
		if placed != nil {
			for _, did := range ids {
				if *placed {
					err = w.put(bucketQueuePlaced, []byte(did), empty)
				} else {
					err = w.del(bucketQueuePlaced, []byte(did))
				}
				if err != nil {
					return err
				}
			}
		}
		np.Deliveries = deliveries
		np.Status = np.DerivedStatus()
		out = &np
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkScheduled checks the deliveries an edit adds to a draft, which
// schedules it: one queued, unclaimed delivery per target, new ids. It
// returns copies owned by the post.
func checkScheduled(tx *bbolt.Tx, p *pregonero.Post) ([]*pregonero.Delivery, error) {
	if len(p.Deliveries) != len(p.Targets) {
		return nil, pregonero.Errorf(pregonero.EINVALID, "post %s: scheduling a draft needs one delivery per target: %d for %d targets", p.ID, len(p.Deliveries), len(p.Targets))
	}
	out := make([]*pregonero.Delivery, len(p.Deliveries))
	seen := map[string]bool{}
	bucket := tx.Bucket(bucketDeliveries)
	for i, d := range p.Deliveries {
		if d == nil {
			return nil, pregonero.Errorf(pregonero.EINVALID, "post %s has a nil delivery", p.ID)
		}
		nd := d.Clone()
		if nd.PostID == "" {
			nd.PostID = p.ID
		}
		switch {
		case nd.PostID != p.ID:
			return nil, pregonero.Errorf(pregonero.EINVALID, "delivery %s belongs to post %s, not %s", nd.ID, nd.PostID, p.ID)
		case nd.State != pregonero.DeliveryQueued || nd.Claimed:
			return nil, pregonero.Errorf(pregonero.EINVALID, "post %s: a draft is scheduled with unclaimed queued deliveries, not %s", p.ID, nd.State)
		case !slices.Contains(p.Targets, nd.AccountID) || seen[nd.AccountID]:
			return nil, pregonero.Errorf(pregonero.EINVALID, "post %s: scheduling a draft needs one delivery per target; %s is not one or comes twice", p.ID, nd.AccountID)
		}
		if err := checkDelivery(nd); err != nil {
			return nil, err
		}
		if bucket.Get([]byte(nd.ID)) != nil {
			return nil, pregonero.Errorf(pregonero.ECONFLICT, "delivery %s already exists", nd.ID)
		}
		seen[nd.AccountID] = true
		out[i] = nd
	}
	return out, nil
}

// writePost stores an encoded post and the changes of its deliveries, with
// their indexes and the state counts.
func (w *wtx) writePost(id string, pv []byte, changes []deliveryChange) error {
	delta := countDelta{}
	for _, ch := range changes {
		if err := w.applyChange(ch, delta); err != nil {
			return err
		}
	}
	if err := w.put(bucketPosts, []byte(id), pv); err != nil {
		return err
	}
	return w.applyCounts(delta)
}

// postMedia lists, once each, the media a post uses: its attachments and
// the custom thumbnails of its overrides.
func postMedia(p *pregonero.Post) []string {
	var out []string
	for _, m := range p.Media {
		if !slices.Contains(out, m.ID) {
			out = append(out, m.ID)
		}
	}
	for _, acct := range slices.Sorted(maps.Keys(p.Overrides)) {
		if m := p.Overrides[acct].Thumbnail; m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// diffMedia returns the distinct media ids in next but not in prev, and
// those in prev but not in next.
func diffMedia(prev, next []string) (added, removed []string) {
	for i, m := range next {
		if !slices.Contains(prev, m) && !slices.Contains(next[:i], m) {
			added = append(added, m)
		}
	}
	for i, m := range prev {
		if !slices.Contains(next, m) && !slices.Contains(prev[:i], m) {
			removed = append(removed, m)
		}
	}
	return added, removed
}

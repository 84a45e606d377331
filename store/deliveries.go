package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// RecoverMessage is the message Recover writes on the pending attempt of a
// delivery that was sending when the previous process stopped.
const RecoverMessage = "process stopped while sending; outcome will be reconciled"

// countDelta accumulates changes to the per-state counts within one op so
// that each count is read and written once per op.
type countDelta map[pregonero.DeliveryState]int

func (w *wtx) applyCounts(delta countDelta) error {
	counts := w.tx.Bucket(bucketCounts)
	for state, n := range delta {
		if n == 0 {
			continue
		}
		k := []byte(state)
		var cur int64
		if v := counts.Get(k); len(v) == 8 {
			cur = int64(binary.BigEndian.Uint64(v))
		}
		if err := w.put(bucketCounts, k, encodeUint64(uint64(cur+int64(n)))); err != nil {
			return err
		}
	}
	return nil
}

// deliveryChange is a delivery write prepared before any Put: old is nil
// for a new delivery.
type deliveryChange struct {
	old, new *pregonero.Delivery
	val      []byte
}

func prepareChange(old, new *pregonero.Delivery) (deliveryChange, error) {
	val, err := appendDelivery(nil, new)
	if err != nil {
		return deliveryChange{}, fmt.Errorf("delivery %s: %w", new.ID, err)
	}
	return deliveryChange{old: old, new: new, val: val}, nil
}

// applyChange writes the delivery and moves its index entries: an entry
// is removed when the old delivery had it and the new one has another key
// or none, and added in the opposite case.
func (w *wtx) applyChange(c deliveryChange, delta countDelta) error {
	if err := w.put(bucketDeliveries, []byte(c.new.ID), c.val); err != nil {
		return err
	}
	for _, idx := range []struct {
		bucket []byte
		key    func(*pregonero.Delivery) []byte
	}{
		{bucketDue, dueKey},
		{bucketClaimed, claimedKey},
		{bucketHeld, heldIndexKey},
		{bucketAccountQueue, queueIndexKey},
	} {
		var oldKey []byte
		if c.old != nil {
			oldKey = idx.key(c.old)
		}
		newKey := idx.key(c.new)
		if bytes.Equal(oldKey, newKey) {
			continue
		}
		if oldKey != nil {
			if err := w.del(idx.bucket, oldKey); err != nil {
				return err
			}
		}
		if newKey != nil {
			if err := w.put(idx.bucket, newKey, empty); err != nil {
				return err
			}
		}
	}
	// A delivery that becomes published joins the measurement schedule in
	// the same transaction: no scan of past posts finds it later.
	if c.new.State == pregonero.DeliveryPublished && !c.new.PublishedAt.IsZero() &&
		(c.old == nil || c.old.State != pregonero.DeliveryPublished) {
		if err := w.enrollMeasurement(c.new); err != nil {
			return err
		}
	}
	if err := w.deliveryEvent(c.old, c.new); err != nil {
		return err
	}
	if c.old == nil {
		delta[c.new.State]++
	} else if c.old.State != c.new.State {
		delta[c.old.State]--
		delta[c.new.State]++
	}
	return nil
}

func loadDelivery(tx *bbolt.Tx, id string) (*pregonero.Delivery, error) {
	v := tx.Bucket(bucketDeliveries).Get([]byte(id))
	if v == nil {
		return nil, notFound("delivery", id)
	}
	return decodeDelivery(v)
}

// Delivery returns one delivery.
func (db *DB) Delivery(ctx context.Context, id string) (*pregonero.Delivery, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Delivery, error) { return loadDelivery(tx, id) })
}

// UpdateDelivery runs fn on a copy of the delivery inside the write
// transaction, stamps UpdatedAt with Now and stores the result, moving its
// index entries to match State, NextAttemptAt, Claimed and AccountID. The
// id and post of a delivery cannot change. An error from fn is returned
// as is and nothing is written.
//
// fn runs on the committer goroutine that serves every write: it must be
// quick and must not call the store. Like every write function it may be
// called a second time should its batch have to be committed again.
func (db *DB) UpdateDelivery(ctx context.Context, id string, fn func(*pregonero.Delivery) error) (*pregonero.Delivery, error) {
	var out *pregonero.Delivery
	err := db.exec(ctx, 1024, func(w *wtx) error {
		out = nil
		ch, err := db.changeDelivery(w.tx, id, fn)
		if err != nil {
			return err
		}
		// The caller gets what was stored (times in UTC, empty
		// collections as nil), not what fn left, which fn may still hold.
		stored, err := decodeDelivery(ch.val)
		if err != nil {
			return err
		}
		delta := countDelta{}
		if err := w.applyChange(ch, delta); err != nil {
			return err
		}
		if err := w.applyCounts(delta); err != nil {
			return err
		}
		out = stored
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateDeliveries applies the updates in one operation of the group
// commit; an update whose function fails writes nothing and leaves the
// others alone.
func (db *DB) UpdateDeliveries(ctx context.Context, updates []pregonero.DeliveryUpdate) ([]*pregonero.Delivery, []error, error) {
	out := make([]*pregonero.Delivery, len(updates))
	errs := make([]error, len(updates))
	err := db.exec(ctx, 1024*len(updates), func(w *wtx) error {
		clear(out)
		clear(errs)
		delta := countDelta{}
		// In key order the B+tree is walked once, not searched from the
		// root for every update scattered across it.
		order := make([]int, len(updates))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(updates[a].ID, updates[b].ID) })
		for _, i := range order {
			ch, err := db.changeDelivery(w.tx, updates[i].ID, updates[i].Fn)
			if err != nil {
				errs[i] = err
				continue
			}
			// Checks are done: from here a failure is the transaction's.
			if err := w.applyChange(ch, delta); err != nil {
				return err
			}
			out[i] = ch.new
		}
		return w.applyCounts(delta)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, errs, nil
}

// NextDue returns the earliest NextAttemptAt among unclaimed queued and
// in_doubt deliveries: the first key of the due index.
func (db *DB) NextDue(ctx context.Context) (time.Time, bool, error) {
	var (
		t  time.Time
		ok bool
	)
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		k, _ := tx.Bucket(bucketDue).Cursor().First()
		if len(k) < timeKeyLen {
			return nil
		}
		ok = true
		// The record has the exact instant; the key is its fallback
		// should the index ever point at nothing.
		if d, err := loadDelivery(tx, string(k[timeKeyLen:])); err == nil {
			t = d.NextAttemptAt
		} else {
			t = timeFromKey(binary.BigEndian.Uint64(k))
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due: %w", err)
	}
	return t, ok, nil
}

// ClaimDue claims, in one transaction and in due order, up to limit
// unclaimed queued or in_doubt deliveries whose NextAttemptAt is not after
// until (no limit when limit <= 0). Claimed deliveries leave the due
// index, enter the claimed index and get UpdatedAt = now; their state
// does not change (see Delivery.Claim and Delivery.Start).
func (db *DB) ClaimDue(ctx context.Context, now, until time.Time, limit int) ([]*pregonero.Delivery, error) {
	now = now.UTC()
	var out []*pregonero.Delivery
	err := db.exec(ctx, 64, func(w *wtx) error {
		out = nil
		// Read the due entries and their records on the transaction's
		// goroutine, then decode, change and encode them in parallel,
		// then write: thousands can come due at the same instant.
		type claim struct {
			key, val []byte
			ch       deliveryChange
			stale    bool
			err      error
		}
		var claims []claim
		untilKey := timeKey(until)
		deliveries := w.tx.Bucket(bucketDeliveries)
		c := w.tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && (limit <= 0 || len(claims) < limit); k, _ = c.Next() {
			if len(k) > timeKeyLen && binary.BigEndian.Uint64(k) > untilKey {
				break
			}
			var v []byte
			if len(k) > timeKeyLen {
				v = deliveries.Get(k[timeKeyLen:])
			}
			claims = append(claims, claim{key: k, val: v, stale: v == nil})
		}
		chunks := splitWork(len(claims), 256)
		parallel(len(chunks), func(i int) {
			for j := chunks[i][0]; j < chunks[i][1]; j++ {
				cl := &claims[j]
				if cl.stale {
					continue
				}
				d, err := decodeDelivery(cl.val)
				if err != nil {
					cl.err = fmt.Errorf("claim due: %w", err)
					continue
				}
				if !bytes.Equal(dueKey(d), cl.key) {
					cl.stale = true
					continue
				}
				nd := d.Clone()
				if err := nd.Claim(); err != nil {
					cl.err = fmt.Errorf("claim due: %w", err)
					continue
				}
				nd.UpdatedAt = now
				if cl.ch, err = prepareChange(d, nd); err != nil {
					cl.err = fmt.Errorf("claim due: %w", err)
				}
			}
		})
		var stale [][]byte
		for _, cl := range claims {
			if cl.err != nil {
				return cl.err
			}
			if cl.stale {
				stale = append(stale, bytes.Clone(cl.key))
			}
		}
		if err := db.dropStale(w, bucketDue, stale); err != nil {
			return err
		}
		delta := countDelta{}
		claimed := make([]*pregonero.Delivery, 0, len(claims))
		for _, cl := range claims {
			if cl.stale {
				continue
			}
			if err := w.applyChange(cl.ch, delta); err != nil {
				return err
			}
			claimed = append(claimed, cl.ch.new)
		}
		if err := w.applyCounts(delta); err != nil {
			return err
		}
		out = claimed
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dropStale deletes index entries that point at nothing or at a delivery
// that no longer belongs there. Indexes are written with their records, so
// this only happens after damage; removing the entries keeps one bad key
// from blocking everything queued behind it.
func (db *DB) dropStale(w *wtx, bucket []byte, keys [][]byte) error {
	for _, k := range keys {
		db.logger.Warn("dropping stale index entry", pregonero.LogIndex, string(bucket), pregonero.LogKey, fmt.Sprintf("%q", k))
		if err := w.del(bucket, k); err != nil {
			return err
		}
	}
	return nil
}

// DueBefore returns unclaimed queued deliveries whose NextAttemptAt is
// before the given instant, in due order, optionally of one account, at
// most limit of them (no limit when limit <= 0).
func (db *DB) DueBefore(ctx context.Context, before time.Time, account string, limit int) ([]*pregonero.Delivery, error) {
	out := []*pregonero.Delivery{}
	beforeKey := timeKey(before)
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		deliveries := tx.Bucket(bucketDeliveries)
		c := tx.Bucket(bucketDue).Cursor()
		n := 0
		for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if len(k) <= timeKeyLen {
				continue
			}
			if binary.BigEndian.Uint64(k) >= beforeKey {
				break
			}
			v := deliveries.Get(k[timeKeyLen:])
			if v == nil {
				continue
			}
			d, err := decodeDelivery(v)
			if err != nil {
				return err
			}
			if d.State != pregonero.DeliveryQueued || d.Claimed || account != "" && d.AccountID != account {
				continue
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due before: %w", err)
	}
	return out, nil
}

// HeldDeliveries returns held deliveries ordered by account, then id,
// optionally of one account.
func (db *DB) HeldDeliveries(ctx context.Context, account string) ([]*pregonero.Delivery, error) {
	out := []*pregonero.Delivery{}
	var prefix []byte
	if account != "" {
		prefix = heldPrefix(account)
	}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		deliveries := tx.Bucket(bucketDeliveries)
		c := tx.Bucket(bucketHeld).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				continue
			}
			v := deliveries.Get(k[i+1:])
			if v == nil {
				continue
			}
			d, err := decodeDelivery(v)
			if err != nil {
				return err
			}
			if d.State != pregonero.DeliveryHeld {
				continue
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("held deliveries: %w", err)
	}
	return out, nil
}

// Recover releases every delivery left claimed by a previous process,
// walking only the claimed index. A sending one becomes in_doubt, due at
// now, its pending attempt marked unknown and finished at now; any other
// goes back to the due index (if its state is due there) as it is. It
// returns how many were released.
func (db *DB) Recover(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	var n int
	err := db.exec(ctx, 64, func(w *wtx) error {
		n = 0
		var (
			stale   [][]byte
			changes []deliveryChange
		)
		deliveries := w.tx.Bucket(bucketDeliveries)
		c := w.tx.Bucket(bucketClaimed).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			v := deliveries.Get(k)
			if v == nil {
				stale = append(stale, bytes.Clone(k))
				continue
			}
			d, err := decodeDelivery(v)
			if err != nil {
				return fmt.Errorf("recover: %w", err)
			}
			if !d.Claimed {
				stale = append(stale, bytes.Clone(k))
				continue
			}
			nd := d.Clone()
			nd.Unclaim(now, RecoverMessage)
			nd.UpdatedAt = now
			ch, err := prepareChange(d, nd)
			if err != nil {
				return fmt.Errorf("recover: %w", err)
			}
			changes = append(changes, ch)
		}
		if err := db.dropStale(w, bucketClaimed, stale); err != nil {
			return err
		}
		delta := countDelta{}
		for _, ch := range changes {
			if err := w.applyChange(ch, delta); err != nil {
				return err
			}
		}
		if err := w.applyCounts(delta); err != nil {
			return err
		}
		n = len(changes)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// DeliveryCounts returns how many deliveries are in each state, every
// state present, from counts kept up to date by each write.
func (db *DB) DeliveryCounts(ctx context.Context) (map[pregonero.DeliveryState]int, error) {
	out := map[pregonero.DeliveryState]int{
		pregonero.DeliveryQueued:    0,
		pregonero.DeliverySending:   0,
		pregonero.DeliveryInDoubt:   0,
		pregonero.DeliveryPublished: 0,
		pregonero.DeliveryFailed:    0,
		pregonero.DeliveryCanceled:  0,
		pregonero.DeliveryHeld:      0,
	}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				out[pregonero.DeliveryState(k)] = int(int64(binary.BigEndian.Uint64(v)))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("delivery counts: %w", err)
	}
	return out, nil
}

// ClaimedDeliveries walks the claimed index.
func (db *DB) ClaimedDeliveries(ctx context.Context) ([]*pregonero.Delivery, error) {
	var out []*pregonero.Delivery
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		deliveries := tx.Bucket(bucketDeliveries)
		c := tx.Bucket(bucketClaimed).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			v := deliveries.Get(k)
			if v == nil {
				continue
			}
			d, err := decodeDelivery(v)
			if err != nil {
				return fmt.Errorf("claimed deliveries: %w", err)
			}
			if d.Claimed {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

// changeDelivery reads a delivery, runs fn on a copy and prepares the
// write; it writes nothing, so an error leaves the transaction clean.
func (db *DB) changeDelivery(tx *bbolt.Tx, id string, fn func(*pregonero.Delivery) error) (deliveryChange, error) {
	old, err := loadDelivery(tx, id)
	if err != nil {
		return deliveryChange{}, err
	}
	nd := old.Clone()
	if err := fn(nd); err != nil {
		return deliveryChange{}, err
	}
	if nd.ID != old.ID || nd.PostID != old.PostID {
		return deliveryChange{}, pregonero.Errorf(pregonero.EINVALID, "delivery %s: the id and post of a delivery cannot change", id)
	}
	if err := checkDelivery(nd); err != nil {
		return deliveryChange{}, err
	}
	nd.UpdatedAt = db.Now()
	return prepareChange(old, nd)
}

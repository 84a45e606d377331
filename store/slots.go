package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// bucketAccountQueue indexes the deliveries that hold a place in their
// account's queue (see queueIndexKey); it is kept in step by applyChange
// and CreatePosts like the other delivery indexes.
var bucketAccountQueue = []byte("account_queue")

// bucketSlots: account id → the account's posting slots (JSON, "v" 1).
var bucketSlots = []byte("account_slots")

// bucketQueuePlaced: delivery id → account id, for every delivery whose
// instant the queue chose.
var bucketQueuePlaced = []byte("queue_placed")

// slotBuckets are the buckets of this file, created by migrateAutomation.
var slotBuckets = [][]byte{bucketAccountQueue, bucketSlots, bucketQueuePlaced}

// slotsRecordVersion is the "v" field of slot records.
const slotsRecordVersion = 1

// occupies reports whether a delivery in this state, with this hold
// reason, holds its instant in its account's queue: everything that will
// go out, is going out or went out then. Failed and canceled deliveries
// free their instant, and so does one held for want of a slot: it has
// none.
func occupies(state pregonero.DeliveryState, holdReason string) bool {
	switch state {
	case pregonero.DeliveryQueued, pregonero.DeliverySending, pregonero.DeliveryInDoubt, pregonero.DeliveryPublished:
		return true
	case pregonero.DeliveryHeld:
		return holdReason != pregonero.HoldNoSlot
	}
	return false
}

// queuePrefix is account ‖ 0x00: ids never contain 0x00, so a prefix
// scan by account cannot match another account.
func queuePrefix(account string) []byte { return append([]byte(account), 0) }

// queueKey is account ‖ 0x00 ‖ timeKey(at) ‖ delivery id.
func queueKey(account string, at time.Time, id string) []byte {
	k := make([]byte, 0, len(account)+1+timeKeyLen+len(id))
	k = append(k, account...)
	k = append(k, 0)
	return appendTimeIDKey(k, at, id)
}

// queueIndexKey is a delivery's key in bucketAccountQueue, nil when it
// holds no place in its account's queue.
func queueIndexKey(d *pregonero.Delivery) []byte {
	if d == nil || !occupies(d.State, d.HoldReason) {
		return nil
	}
	return queueKey(d.AccountID, d.ScheduledAt, d.ID)
}

// fillAccountQueue indexes, for migration 10, the deliveries stored
// before the queue existed, decoding the frozen fields it needs.
func fillAccountQueue(tx *bbolt.Tx) error {
	idx := tx.Bucket(bucketAccountQueue)
	var add [][]byte
	err := tx.Bucket(bucketDeliveries).ForEach(func(k, v []byte) error {
		var d deliveryQueueV1
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("delivery %s: %w", k, err)
		}
		if d.V != recordVersion {
			return fmt.Errorf("delivery %s: record version %d, want %d", k, d.V, recordVersion)
		}
		if occupies(pregonero.DeliveryState(d.State), d.HoldReason) && d.Account != "" {
			add = append(add, queueKey(d.Account, (&postCampaignIndexV2{ScheduledAt: d.ScheduledAt}).scheduledAt(), string(k)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range add {
		if err := idx.Put(k, empty); err != nil {
			return fmt.Errorf("index the account queue: %w", err)
		}
	}
	return nil
}

// deliveryQueueV1 is the part of a delivery record that migration 10
// reads, frozen as it was.
type deliveryQueueV1 struct {
	V           int             `json:"v"`
	Account     string          `json:"account"`
	State       string          `json:"state"`
	ScheduledAt json.RawMessage `json:"scheduled_at"`
	HoldReason  string          `json:"hold_reason"`
}

// slotsRecord is the stored form of an account's slots.
type slotsRecord struct {
	V         int              `json:"v"`
	Slots     []pregonero.Slot `json:"slots"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// Slots returns an account's posting slots; an empty list when none were
// set.
func (db *DB) Slots(ctx context.Context, account string) (*pregonero.AccountSlots, error) {
	if err := checkID("account id", account); err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.AccountSlots, error) {
		out := &pregonero.AccountSlots{Account: account, Slots: []pregonero.Slot{}}
		v := tx.Bucket(bucketSlots).Get([]byte(account))
		if v == nil {
			return out, nil
		}
		var r slotsRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("slots of %s: %w", account, err)
		}
		if r.V != slotsRecordVersion {
			return nil, fmt.Errorf("slots of %s: record version %d, want %d", account, r.V, slotsRecordVersion)
		}
		if r.Slots != nil {
			out.Slots = r.Slots
		}
		out.UpdatedAt = r.UpdatedAt
		return out, nil
	})
}

// SetSlots stores an account's slots, stamped with Now, and applies the
// moves the change causes in the same transaction.
func (db *DB) SetSlots(ctx context.Context, s *pregonero.AccountSlots, moves []pregonero.QueueMove) ([]*pregonero.Delivery, error) {
	if s == nil {
		return nil, pregonero.Errorf(pregonero.EINVALID, "nil slots")
	}
	if err := checkID("account id", s.Account); err != nil {
		return nil, err
	}
	var out []*pregonero.Delivery
	err := db.exec(ctx, 1024+512*len(moves), func(w *wtx) error {
		out = nil
		if w.tx.Bucket(bucketAccounts).Get([]byte(s.Account)) == nil {
			return notFound("account", s.Account)
		}
		v, err := json.Marshal(slotsRecord{V: slotsRecordVersion, Slots: s.Slots, UpdatedAt: db.Now().UTC()})
		if err != nil {
			return fmt.Errorf("slots of %s: %w", s.Account, err)
		}
		if out, err = w.moveQueued(db.Now().UTC(), moves); err != nil {
			return err
		}
		return w.put(bucketSlots, []byte(s.Account), v)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Queue lists in time order up to limit (all when limit <= 0) deliveries
// of the account holding an instant at or after from. It reads the
// account's part of the queue index from from on: its cost grows with
// what it returns, not with the store.
func (db *DB) Queue(ctx context.Context, account string, from time.Time, limit int) ([]pregonero.QueueEntry, error) {
	if err := checkID("account id", account); err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.QueueEntry, error) {
		prefix := queuePrefix(account)
		placed := tx.Bucket(bucketQueuePlaced)
		out := []pregonero.QueueEntry{}
		c := tx.Bucket(bucketAccountQueue).Cursor()
		for k, _ := c.Seek(queueKey(account, from, "")); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if limit > 0 && len(out) >= limit {
				break
			}
			id := string(k[len(prefix)+timeKeyLen:])
			d, err := loadDelivery(tx, id)
			if err != nil {
				return nil, fmt.Errorf("queue of %s: %w", account, err)
			}
			out = append(out, pregonero.QueueEntry{Delivery: d, Placed: placed.Get([]byte(id)) != nil})
		}
		return out, nil
	})
}

// QueueHeld lists the account's queue-placed deliveries held for want of
// a slot, oldest instant first. It reads the account's part of the held
// index.
func (db *DB) QueueHeld(ctx context.Context, account string) ([]pregonero.QueueEntry, error) {
	if err := checkID("account id", account); err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.QueueEntry, error) {
		prefix := heldPrefix(account)
		placed := tx.Bucket(bucketQueuePlaced)
		out := []pregonero.QueueEntry{}
		c := tx.Bucket(bucketHeld).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id := string(k[len(prefix):])
			d, err := loadDelivery(tx, id)
			if err != nil {
				return nil, fmt.Errorf("held of %s: %w", account, err)
			}
			if d.HoldReason == pregonero.HoldNoSlot {
				out = append(out, pregonero.QueueEntry{Delivery: d, Placed: placed.Get([]byte(id)) != nil})
			}
		}
		slices.SortStableFunc(out, func(a, b pregonero.QueueEntry) int {
			return a.Delivery.ScheduledAt.Compare(b.Delivery.ScheduledAt)
		})
		return out, nil
	})
}

// FirstFree walks the candidates and the account's queue index together:
// each step moves the cursor to the next entry (or seeks when the next is
// still before the candidate), so finding the first free instant behind
// n occupied ones costs about n cursor steps, never a scan of the posts.
func (db *DB) FirstFree(ctx context.Context, account string, candidates iter.Seq[time.Time]) (time.Time, bool, error) {
	if err := checkID("account id", account); err != nil {
		return time.Time{}, false, err
	}
	var (
		free  time.Time
		found bool
	)
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		prefix := queuePrefix(account)
		c := tx.Bucket(bucketAccountQueue).Cursor()
		var k []byte
		at := func() (uint64, bool) {
			if len(k) < len(prefix)+timeKeyLen || !bytes.HasPrefix(k, prefix) {
				return 0, false
			}
			return binary.BigEndian.Uint64(k[len(prefix):]), true
		}
		positioned := false
		for t := range candidates {
			want := timeKey(t)
			cur, ok := at()
			if !positioned || ok && cur < want {
				if positioned {
					k, _ = c.Next()
					cur, ok = at()
				}
				if !positioned || ok && cur < want {
					k, _ = c.Seek(queueKey(account, t, ""))
					cur, ok = at()
				}
				positioned = true
			}
			if ok && cur == want {
				continue
			}
			free, found = t, true
			return nil
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("first free slot of %s: %w", account, err)
	}
	return free, found, nil
}

// MarkPlaced records or forgets that the queue chose the instants of
// deliveries.
func (db *DB) MarkPlaced(ctx context.Context, deliveryIDs []string, placed bool) error {
	for _, id := range deliveryIDs {
		if err := checkID("delivery id", id); err != nil {
			return err
		}
	}
	return db.exec(ctx, 64*len(deliveryIDs), func(w *wtx) error {
		for _, id := range deliveryIDs {
			var err error
			if placed {
				err = w.put(bucketQueuePlaced, []byte(id), empty)
			} else {
				err = w.del(bucketQueuePlaced, []byte(id))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdatePlacedPost is UpdatePost with the queue's record of the post's
// deliveries written in the same transaction (see
// pregonero.SlotStore.UpdatePlacedPost).
func (db *DB) UpdatePlacedPost(ctx context.Context, id string, placed *bool, fn func(*pregonero.Post) error) (*pregonero.Post, error) {
	return db.updatePost(ctx, id, placed, fn)
}

// MoveQueued applies moves in one transaction (see
// pregonero.SlotStore.MoveQueued).
func (db *DB) MoveQueued(ctx context.Context, moves []pregonero.QueueMove) ([]*pregonero.Delivery, error) {
	var out []*pregonero.Delivery
	err := db.exec(ctx, 1024+512*len(moves), func(w *wtx) error {
		var err error
		out, err = w.moveQueued(db.Now().UTC(), moves)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// moveQueued applies moves and then gives each post touched the earliest
// time of its deliveries, moving its time and campaign index entries.
func (w *wtx) moveQueued(now time.Time, moves []pregonero.QueueMove) ([]*pregonero.Delivery, error) {
	var out []*pregonero.Delivery
	placed := w.tx.Bucket(bucketQueuePlaced)
	delta := countDelta{}
	var posts []string
	for _, m := range moves {
		if err := checkID("delivery id", m.DeliveryID); err != nil {
			return nil, err
		}
		if placed.Get([]byte(m.DeliveryID)) == nil {
			continue
		}
		d, err := loadDelivery(w.tx, m.DeliveryID)
		if err != nil {
			return nil, err
		}
		nd := d.Clone()
		start := m.Start
		if start.IsZero() || start.After(m.At) {
			start = m.At
		}
		switch {
		case d.State == pregonero.DeliveryQueued && !d.Claimed && m.Hold:
			err = nd.Hold(pregonero.HoldNoSlot, &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "held_" + pregonero.HoldNoSlot, Message: m.Why, At: now})
		case d.State == pregonero.DeliveryQueued && !d.Claimed:
			if d.ScheduledAt.Equal(m.At.UTC()) {
				continue
			}
			err = nd.Reschedule(m.At.UTC(), start.UTC())
		case d.State == pregonero.DeliveryHeld && d.HoldReason == pregonero.HoldNoSlot && !m.Hold:
			if err = nd.Release(start.UTC()); err == nil {
				nd.ReleasedAt = time.Time{} // nobody released it: the staleness limit counts from its time
				err = nd.Reschedule(m.At.UTC(), start.UTC())
			}
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		nd.UpdatedAt = now
		ch, err := prepareChange(d, nd)
		if err != nil {
			return nil, err
		}
		if err := w.applyChange(ch, delta); err != nil {
			return nil, err
		}
		out = append(out, nd)
		if !slices.Contains(posts, nd.PostID) {
			posts = append(posts, nd.PostID)
		}
	}
	for _, id := range posts {
		if err := w.retimePost(id, now); err != nil {
			return nil, err
		}
	}
	return out, w.applyCounts(delta)
}

// retimePost gives a post the earliest time of its deliveries that still
// hold an instant, keeping the time index and the campaign index in step.
func (w *wtx) retimePost(id string, now time.Time) error {
	p, ids, err := decodeExistingPost(w.tx, id)
	if err != nil {
		return err
	}
	var at time.Time
	for _, did := range ids {
		d, err := loadDelivery(w.tx, did)
		if err != nil {
			return fmt.Errorf("post %s: %w", id, err)
		}
		if occupies(d.State, d.HoldReason) && (at.IsZero() || d.ScheduledAt.Before(at)) {
			at = d.ScheduledAt
		}
	}
	if at.IsZero() || at.Equal(p.ScheduledAt) {
		return nil
	}
	old := p.ScheduledAt
	p.ScheduledAt, p.UpdatedAt = at, now
	pv, err := appendPost(nil, p, ids)
	if err != nil {
		return err
	}
	if err := w.del(bucketPostsByTime, timeIDKey(old, id)); err != nil {
		return err
	}
	if err := w.put(bucketPostsByTime, timeIDKey(at, id), empty); err != nil {
		return err
	}
	if k := campaignIndexKey(p.Campaign, old, id); k != nil {
		if err := w.del(bucketPostsByCampaign, k); err != nil {
			return err
		}
		if err := w.put(bucketPostsByCampaign, campaignIndexKey(p.Campaign, at, id), empty); err != nil {
			return err
		}
	}
	return w.put(bucketPosts, []byte(id), pv)
}

var _ pregonero.SlotStore = (*DB)(nil)

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

var _ pregonero.EventStore = (*DB)(nil)

// Buckets of events (schema 10).
var (
	// bucketEvents: big-endian Seq → event record, so that the notifier
	// reads them in order from its cursor with one seek.
	bucketEvents = []byte("events")
)

// eventBuckets are the buckets of this file and of notify.go, created by
// migrateAutomation.
var eventBuckets = [][]byte{bucketEvents, bucketNotifySettings, bucketWebhooks, bucketWebhookDeliveries,
	bucketWebhookDue, bucketWebhookByHook, bucketNotified, bucketNotifyState}

// eventRecord is an event as stored (v1).
type eventRecord struct {
	V int `json:"v"`
	pregonero.Event
}

func encodeEvent(e *pregonero.Event) ([]byte, error) {
	return json.Marshal(eventRecord{V: recordVersion, Event: *e})
}

func decodeEvent(b []byte) (*pregonero.Event, error) {
	var r eventRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	e := r.Event
	return &e, nil
}

// addEvent gives the event its Seq (and At when zero) and stores it in
// the transaction.
func (w *wtx) addEvent(e *pregonero.Event, now time.Time) error {
	seq, err := w.tx.Bucket(bucketEvents).NextSequence()
	if err != nil {
		return fmt.Errorf("event sequence: %w", err)
	}
	e.Seq = seq
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC()
	v, err := encodeEvent(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	w.event = true
	return w.put(bucketEvents, encodeUint64(seq), v)
}

// OnEvent registers fn to be called after every commit that recorded an
// event (see pregonero.EventStore); nil unregisters.
func (db *DB) OnEvent(fn func()) {
	if fn == nil {
		db.onEvent.Store(nil)
		return
	}
	db.onEvent.Store(&fn)
}

// signalEvent tells the registered function that a commit recorded
// events.
func (db *DB) signalEvent(recorded bool) {
	if !recorded {
		return
	}
	if fn := db.onEvent.Load(); fn != nil {
		// The commit is done: a panicking listener must not turn it into
		// a failed write, nor stop the committer.
		defer pregonero.RecoverPanic(db.logger, "event listener panicked", nil)
		(*fn)()
	}
}

// AddEvent stores an event, giving it its Seq and, when zero, its At.
func (db *DB) AddEvent(ctx context.Context, e *pregonero.Event) error {
	if e == nil || e.Kind == "" {
		return pregonero.Errorf(pregonero.EINVALID, "an event needs a kind")
	}
	in := *e
	err := db.exec(ctx, 512, func(w *wtx) error {
		c := in // a second run of the batch starts again from the caller's event
		if err := w.addEvent(&c, db.Now()); err != nil {
			return err
		}
		*e = c
		return nil
	})
	return err
}

// EventsAfter returns up to limit events whose Seq is after seq, in Seq
// order.
func (db *DB) EventsAfter(ctx context.Context, seq uint64, limit int) ([]*pregonero.Event, error) {
	out := []*pregonero.Event{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(encodeUint64(seq + 1)); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
			e, err := decodeEvent(v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return out, nil
}

// deliveryEvent records, in the transaction of a delivery's change, the
// event the change makes (see pregonero.EventStore): a delivery that
// becomes failed, or held for a person. Deliveries held because their
// account was paused or needs re-authorization make no event each: the
// account's own event says it once for all of them.
func (w *wtx) deliveryEvent(old, new *pregonero.Delivery) error {
	var e pregonero.Event
	switch {
	case new.State == pregonero.DeliveryFailed && (old == nil || old.State != pregonero.DeliveryFailed):
		e.Kind = pregonero.EventDeliveryFailed
		if le := new.LastError; le != nil {
			e.Reason, e.Message = le.Code, le.Message
		}
	case new.State == pregonero.DeliveryHeld && (old == nil || old.State != pregonero.DeliveryHeld || old.HoldReason != new.HoldReason):
		if new.HoldReason == pregonero.HoldAccountPaused || new.HoldReason == pregonero.HoldNeedsReauth {
			return nil
		}
		e.Kind, e.Reason = pregonero.EventDeliveryHeld, new.HoldReason
		if le := new.LastError; le != nil {
			e.Message = le.Message
		}
	default:
		return nil
	}
	e.Account, e.PostID, e.DeliveryID = new.AccountID, new.PostID, new.ID
	if v := w.tx.Bucket(bucketAccounts).Get([]byte(new.AccountID)); v != nil {
		if a, err := decodeAccount(v); err == nil {
			e.Unit = a.Unit
		}
	}
	return w.addEvent(&e, new.UpdatedAt)
}

// accountEvent records the event of an account's change of status: it
// needs re-authorization, it was paused, it was resumed.
func (w *wtx) accountEvent(old, new *pregonero.Account, now time.Time) error {
	var was pregonero.AccountStatus
	if old != nil {
		was = old.Status
	}
	if was == new.Status {
		return nil
	}
	e := pregonero.Event{Account: new.ID, Unit: new.Unit, Message: new.StatusReason}
	switch {
	case new.Status == pregonero.AccountNeedsReauth:
		e.Kind = pregonero.EventNeedsReauth
	case new.Status == pregonero.AccountPaused:
		e.Kind = pregonero.EventPaused
	case was == pregonero.AccountPaused && new.Status == pregonero.AccountActive:
		e.Kind = pregonero.EventResumed
	default:
		return nil
	}
	return w.addEvent(&e, now)
}

// pauseEvent records the global pause switch being set or lifted.
func (w *wtx) pauseEvent(p pregonero.PauseState, now time.Time) error {
	var was bool
	if v := w.tx.Bucket(bucketMeta).Get(metaPause); v != nil {
		old, err := decodePause(v)
		if err != nil {
			return err
		}
		was = old.Paused
	}
	if was == p.Paused {
		return nil
	}
	e := pregonero.Event{Kind: pregonero.EventResumed}
	if p.Paused {
		e.Kind, e.Message = pregonero.EventPaused, p.Reason
	}
	return w.addEvent(&e, now)
}

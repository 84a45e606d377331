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

var _ pregonero.NotifyStore = (*DB)(nil)

// Buckets of notifications (schema 10, listed in eventBuckets).
var (
	// bucketNotifySettings: user id → settings record.
	bucketNotifySettings = []byte("notify_settings")
	// bucketWebhooks: webhook id → webhook record.
	bucketWebhooks = []byte("webhooks")
	// bucketWebhookDeliveries: delivery id → delivery record.
	bucketWebhookDeliveries = []byte("webhook_deliveries")
	// bucketWebhookDue: big-endian next attempt (ns) + delivery id → empty,
	// the pending deliveries in the order they are due.
	bucketWebhookDue = []byte("webhook_due")
	// bucketWebhookByHook: webhook id, NUL, big-endian event Seq →
	// delivery id: a webhook's deliveries in event order.
	bucketWebhookByHook = []byte("webhook_by_hook")
	// bucketNotified: key of something sent → big-endian instant (ns) it
	// was sent, so that a restart sends nothing twice.
	bucketNotified = []byte("notified")
	// bucketNotifyState: the notifier's cursor in the events.
	bucketNotifyState = []byte("notify_state")
)

var keyNotifyCursor = []byte("cursor")

// record wrappers (v1).
type notifySettingsRecord struct {
	V int `json:"v"`
	pregonero.NotifySettings
}

type webhookRecord struct {
	V int `json:"v"`
	pregonero.Webhook
	Secret string `json:"secret"`
}

type webhookDeliveryRecord struct {
	V int `json:"v"`
	pregonero.WebhookDelivery
}

func decodeWebhook(b []byte) (*pregonero.Webhook, error) {
	var r webhookRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode webhook: %w", err)
	}
	w := r.Webhook
	w.Secret = r.Secret
	return &w, nil
}

func decodeWebhookDelivery(b []byte) (*pregonero.WebhookDelivery, error) {
	var r webhookDeliveryRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode webhook delivery: %w", err)
	}
	d := r.WebhookDelivery
	return &d, nil
}

func webhookDueKey(d *pregonero.WebhookDelivery) []byte {
	if d.State != pregonero.WebhookPending {
		return nil
	}
	k := binary.BigEndian.AppendUint64(nil, uint64(d.NextAttemptAt.UnixNano()))
	return append(k, d.ID...)
}

func webhookHookKey(d *pregonero.WebhookDelivery) []byte {
	k := append([]byte(d.WebhookID), 0)
	return binary.BigEndian.AppendUint64(k, d.Event.Seq)
}

// NotifySettings returns a user's settings; ENOTFOUND when they have none.
func (db *DB) NotifySettings(ctx context.Context, userID string) (*pregonero.NotifySettings, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.NotifySettings, error) {
		v := tx.Bucket(bucketNotifySettings).Get([]byte(userID))
		if v == nil {
			return nil, notFound("notification settings of user", userID)
		}
		return decodeNotifySettings(v)
	})
}

func decodeNotifySettings(b []byte) (*pregonero.NotifySettings, error) {
	var r notifySettingsRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode notification settings: %w", err)
	}
	s := r.NotifySettings
	return &s, nil
}

// AllNotifySettings lists everyone's settings, by user id.
func (db *DB) AllNotifySettings(ctx context.Context) ([]*pregonero.NotifySettings, error) {
	out := []*pregonero.NotifySettings{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketNotifySettings).ForEach(func(_, v []byte) error {
			s, err := decodeNotifySettings(v)
			if err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("notification settings: %w", err)
	}
	return out, nil
}

// PutNotifySettings stores a user's settings, stamping UpdatedAt.
func (db *DB) PutNotifySettings(ctx context.Context, s *pregonero.NotifySettings) error {
	if s == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil notification settings")
	}
	if err := checkID("user id", s.UserID); err != nil {
		return err
	}
	s.UpdatedAt = db.Now().UTC()
	v, err := json.Marshal(notifySettingsRecord{V: recordVersion, NotifySettings: *s})
	if err != nil {
		return fmt.Errorf("put notification settings: %w", err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		return w.put(bucketNotifySettings, []byte(s.UserID), v)
	})
}

// Webhooks lists the webhooks by id.
func (db *DB) Webhooks(ctx context.Context) ([]*pregonero.Webhook, error) {
	out := []*pregonero.Webhook{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketWebhooks).ForEach(func(_, v []byte) error {
			h, err := decodeWebhook(v)
			if err != nil {
				return err
			}
			out = append(out, h)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	return out, nil
}

// Webhook returns one webhook.
func (db *DB) Webhook(ctx context.Context, id string) (*pregonero.Webhook, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Webhook, error) {
		v := tx.Bucket(bucketWebhooks).Get([]byte(id))
		if v == nil {
			return nil, notFound("webhook", id)
		}
		return decodeWebhook(v)
	})
}

// PutWebhook inserts or replaces a webhook, its secret included.
func (db *DB) PutWebhook(ctx context.Context, h *pregonero.Webhook) error {
	if h == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil webhook")
	}
	if err := checkID("webhook id", h.ID); err != nil {
		return err
	}
	v, err := json.Marshal(webhookRecord{V: recordVersion, Webhook: *h, Secret: h.Secret})
	if err != nil {
		return fmt.Errorf("put webhook: %w", err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		return w.put(bucketWebhooks, []byte(h.ID), v)
	})
}

// DeleteWebhook removes a webhook and its deliveries; ENOTFOUND when
// there is none.
func (db *DB) DeleteWebhook(ctx context.Context, id string) error {
	if err := checkID("webhook id", id); err != nil {
		return err
	}
	return db.exec(ctx, 64, func(w *wtx) error {
		if w.tx.Bucket(bucketWebhooks).Get([]byte(id)) == nil {
			return notFound("webhook", id)
		}
		if err := w.del(bucketWebhooks, []byte(id)); err != nil {
			return err
		}
		prefix := append([]byte(id), 0)
		var ids [][]byte
		c := w.tx.Bucket(bucketWebhookByHook).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			ids = append(ids, bytes.Clone(v))
		}
		for _, did := range ids {
			if err := w.deleteWebhookDelivery(string(did)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *wtx) deleteWebhookDelivery(id string) error {
	v := w.tx.Bucket(bucketWebhookDeliveries).Get([]byte(id))
	if v == nil {
		return nil
	}
	d, err := decodeWebhookDelivery(v)
	if err != nil {
		return err
	}
	if k := webhookDueKey(d); k != nil {
		if err := w.del(bucketWebhookDue, k); err != nil {
			return err
		}
	}
	if err := w.del(bucketWebhookByHook, webhookHookKey(d)); err != nil {
		return err
	}
	return w.del(bucketWebhookDeliveries, []byte(id))
}

// putWebhookDelivery writes a delivery and moves its due-index entry.
func (w *wtx) putWebhookDelivery(old, d *pregonero.WebhookDelivery) error {
	v, err := json.Marshal(webhookDeliveryRecord{V: recordVersion, WebhookDelivery: *d})
	if err != nil {
		return fmt.Errorf("encode webhook delivery: %w", err)
	}
	if old != nil {
		if k := webhookDueKey(old); k != nil {
			if err := w.del(bucketWebhookDue, k); err != nil {
				return err
			}
		}
	} else if err := w.put(bucketWebhookByHook, webhookHookKey(d), []byte(d.ID)); err != nil {
		return err
	}
	if k := webhookDueKey(d); k != nil {
		if err := w.put(bucketWebhookDue, k, empty); err != nil {
			return err
		}
	}
	return w.put(bucketWebhookDeliveries, []byte(d.ID), v)
}

// AddWebhookDeliveries stores new deliveries; one whose id is stored
// already is left as it is.
func (db *DB) AddWebhookDeliveries(ctx context.Context, ds []*pregonero.WebhookDelivery) error {
	for _, d := range ds {
		if err := checkID("webhook delivery id", d.ID); err != nil {
			return err
		}
	}
	now := db.Now().UTC()
	return db.exec(ctx, 1024*len(ds), func(w *wtx) error {
		for _, d := range ds {
			if w.tx.Bucket(bucketWebhookDeliveries).Get([]byte(d.ID)) != nil {
				continue
			}
			c := *d
			if c.CreatedAt.IsZero() {
				c.CreatedAt = now
			}
			c.UpdatedAt = now
			if err := w.putWebhookDelivery(nil, &c); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateWebhookDelivery runs fn on a copy inside the write transaction
// and stores the result, stamping UpdatedAt and moving its due entry.
func (db *DB) UpdateWebhookDelivery(ctx context.Context, id string, fn func(*pregonero.WebhookDelivery) error) (*pregonero.WebhookDelivery, error) {
	var out *pregonero.WebhookDelivery
	err := db.exec(ctx, 1024, func(w *wtx) error {
		out = nil
		v := w.tx.Bucket(bucketWebhookDeliveries).Get([]byte(id))
		if v == nil {
			return notFound("webhook delivery", id)
		}
		old, err := decodeWebhookDelivery(v)
		if err != nil {
			return err
		}
		d, _ := decodeWebhookDelivery(v)
		if err := fn(d); err != nil {
			return err
		}
		if d.ID != old.ID || d.WebhookID != old.WebhookID || d.Event.Seq != old.Event.Seq {
			return pregonero.Errorf(pregonero.EINVALID, "webhook delivery %s: its id, webhook and event cannot change", id)
		}
		d.UpdatedAt = db.Now().UTC()
		if err := w.putWebhookDelivery(old, d); err != nil {
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DueWebhookDeliveries returns up to limit pending deliveries whose next
// attempt is at or before t, earliest first.
func (db *DB) DueWebhookDeliveries(ctx context.Context, t time.Time, limit int) ([]*pregonero.WebhookDelivery, error) {
	out := []*pregonero.WebhookDelivery{}
	until := uint64(t.UnixNano())
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		ds := tx.Bucket(bucketWebhookDeliveries)
		c := tx.Bucket(bucketWebhookDue).Cursor()
		for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
			if len(k) < 8 || binary.BigEndian.Uint64(k) > until {
				break
			}
			v := ds.Get(k[8:])
			if v == nil {
				continue
			}
			d, err := decodeWebhookDelivery(v)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due webhook deliveries: %w", err)
	}
	return out, nil
}

// WebhookDeliveries returns up to limit deliveries of one webhook, newest
// event first.
func (db *DB) WebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]*pregonero.WebhookDelivery, error) {
	out := []*pregonero.WebhookDelivery{}
	prefix := append([]byte(webhookID), 0)
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		ds := tx.Bucket(bucketWebhookDeliveries)
		c := tx.Bucket(bucketWebhookByHook).Cursor()
		// Past the webhook's last key: one byte more than any 8-byte Seq.
		var k, v []byte
		if k, _ = c.Seek(append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			dv := ds.Get(v)
			if dv == nil {
				continue
			}
			d, err := decodeWebhookDelivery(dv)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	return out, nil
}

// NotifyCursor is the Seq of the last event the notifier handled.
func (db *DB) NotifyCursor(ctx context.Context) (uint64, error) {
	var seq uint64
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketNotifyState).Get(keyNotifyCursor); len(v) == 8 {
			seq = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return seq, err
}

// SetNotifyCursor moves the notifier's cursor.
func (db *DB) SetNotifyCursor(ctx context.Context, seq uint64) error {
	return db.exec(ctx, 16, func(w *wtx) error {
		return w.put(bucketNotifyState, keyNotifyCursor, encodeUint64(seq))
	})
}

// Notified reports whether something was sent under key.
func (db *DB) Notified(ctx context.Context, key string) (bool, error) {
	var ok bool
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		ok = tx.Bucket(bucketNotified).Get([]byte(key)) != nil
		return nil
	})
	return ok, err
}

// MarkNotified records that something was sent under each key, now, in
// one transaction.
func (db *DB) MarkNotified(ctx context.Context, keys ...string) error {
	for _, key := range keys {
		if err := checkID("notification key", key); err != nil {
			return err
		}
	}
	at := encodeUint64(uint64(db.Now().UnixNano()))
	return db.exec(ctx, 64*len(keys), func(w *wtx) error {
		for _, key := range keys {
			if err := w.put(bucketNotified, []byte(key), at); err != nil {
				return err
			}
		}
		return nil
	})
}

// PurgeNotifications deletes events, sent records and finished webhook
// deliveries older than cutoff, and returns how many records it deleted.
func (db *DB) PurgeNotifications(ctx context.Context, cutoff time.Time) (int, error) {
	var n int
	err := db.exec(ctx, 4096, func(w *wtx) error {
		n = 0
		var dead [][]byte
		c := w.tx.Bucket(bucketEvents).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			e, err := decodeEvent(v)
			if err != nil {
				return err
			}
			if !e.At.Before(cutoff) {
				break // events are in Seq order, which is the order of their instants
			}
			dead = append(dead, bytes.Clone(k))
		}
		for _, k := range dead {
			if err := w.del(bucketEvents, k); err != nil {
				return err
			}
		}
		n += len(dead)
		dead = dead[:0]
		ns := uint64(cutoff.UnixNano())
		if err := w.tx.Bucket(bucketNotified).ForEach(func(k, v []byte) error {
			if len(v) == 8 && binary.BigEndian.Uint64(v) < ns {
				dead = append(dead, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range dead {
			if err := w.del(bucketNotified, k); err != nil {
				return err
			}
		}
		n += len(dead)
		var ids []string
		if err := w.tx.Bucket(bucketWebhookDeliveries).ForEach(func(k, v []byte) error {
			d, err := decodeWebhookDelivery(v)
			if err != nil {
				return err
			}
			if d.State != pregonero.WebhookPending && d.UpdatedAt.Before(cutoff) {
				ids = append(ids, string(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			if err := w.deleteWebhookDelivery(id); err != nil {
				return err
			}
		}
		n += len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge notifications: %w", err)
	}
	return n, nil
}

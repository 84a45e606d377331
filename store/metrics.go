package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// Buckets of engagement metrics (schema 7).
var (
	// bucketSnapshots: delivery id ‖ 0x00 ‖ timeKey(CollectedAt) → snapshot
	// record. Append-only; a delivery's history is one prefix scan, in
	// time order.
	bucketSnapshots = []byte("snapshots")
	// bucketMetricsDue: timeKey(due) ‖ delivery id → 4-byte big-endian
	// schedule step, for each delivery waiting for a measurement.
	bucketMetricsDue = []byte("metrics_due")
	// bucketMetricsEnrolled: delivery id → its key in bucketMetricsDue, or
	// empty once its schedule is over, so that a delivery is enrolled once
	// and its due entry can be moved without a scan.
	bucketMetricsEnrolled = []byte("metrics_enrolled")
)

// migrateMetrics (schema 7) creates the buckets of engagement metrics.
func migrateMetrics(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketSnapshots, bucketMetricsDue, bucketMetricsEnrolled} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// snapshotRecordVersion is the version of the snapshot record.
const snapshotRecordVersion = 1

// snapshotRecord is the stored form of a snapshot: the delivery id and
// collection instant are in the key as well, and kept in the value so a
// record read alone is whole.
type snapshotRecord struct {
	V           int               `json:"v"`
	DeliveryID  string            `json:"delivery"`
	PostID      string            `json:"post"`
	AccountID   string            `json:"account"`
	Network     pregonero.Network `json:"network"`
	CollectedAt time.Time         `json:"collected_at"`
	Metrics     map[string]int64  `json:"metrics,omitempty"`
	Raw         map[string]int64  `json:"raw,omitempty"`
}

func encodeSnapshot(s pregonero.Snapshot) ([]byte, error) {
	return json.Marshal(snapshotRecord{V: snapshotRecordVersion, DeliveryID: s.DeliveryID, PostID: s.PostID,
		AccountID: s.AccountID, Network: s.Network, CollectedAt: s.CollectedAt.UTC(), Metrics: s.Metrics, Raw: s.Raw})
}

func decodeSnapshot(v []byte) (pregonero.Snapshot, error) {
	var r snapshotRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return pregonero.Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	if r.V != snapshotRecordVersion {
		return pregonero.Snapshot{}, fmt.Errorf("snapshot: record version %d, want %d", r.V, snapshotRecordVersion)
	}
	return pregonero.Snapshot{DeliveryID: r.DeliveryID, PostID: r.PostID, AccountID: r.AccountID, Network: r.Network,
		CollectedAt: r.CollectedAt.UTC(), Metrics: r.Metrics, Raw: r.Raw}, nil
}

// snapshotKey is delivery id ‖ 0x00 ‖ timeKey(at); ids never contain 0x00,
// so a prefix scan by delivery cannot match another delivery.
func snapshotKey(deliveryID string, at time.Time) []byte {
	k := make([]byte, 0, len(deliveryID)+1+timeKeyLen)
	k = append(k, deliveryID...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, timeKey(at))
}

// EnrollPublished indexes for measurement the published deliveries of the
// posts scheduled in [from, to) that are not enrolled yet. The walk of the
// posts-by-time index over that window runs in a read transaction, so
// that it never holds up the writes publishing makes; the write that
// follows only adds the new entries, checking again that each is new.
func (db *DB) EnrollPublished(ctx context.Context, from, to time.Time, first time.Duration, networks []pregonero.Network) (int, error) {
	type entry struct{ id, key []byte }
	add, err := read(ctx, db, func(tx *bbolt.Tx) ([]entry, error) {
		var add []entry
		enrolled := tx.Bucket(bucketMetricsEnrolled)
		c := tx.Bucket(bucketPostsByTime).Cursor()
		end := binary.BigEndian.AppendUint64(nil, timeKey(to))
		for k, _ := c.Seek(binary.BigEndian.AppendUint64(nil, timeKey(from))); k != nil && bytes.Compare(k[:timeKeyLen], end) < 0; k, _ = c.Next() {
			p, err := loadPost(tx, string(k[timeKeyLen:]))
			if err != nil {
				return nil, err
			}
			for _, d := range p.Deliveries {
				if d.State != pregonero.DeliveryPublished || d.PublishedAt.IsZero() || !slices.Contains(networks, d.Network) || enrolled.Get([]byte(d.ID)) != nil {
					continue
				}
				add = append(add, entry{[]byte(d.ID), timeIDKey(d.PublishedAt.Add(first), d.ID)})
			}
		}
		return add, nil
	})
	if err != nil || len(add) == 0 {
		return 0, err
	}
	var n int
	err = db.exec(ctx, 128*len(add), func(w *wtx) error {
		n = 0
		enrolled := w.tx.Bucket(bucketMetricsEnrolled)
		for _, e := range add {
			if enrolled.Get(e.id) != nil {
				continue // enrolled meanwhile
			}
			if err := w.put(bucketMetricsDue, e.key, binary.BigEndian.AppendUint32(nil, 0)); err != nil {
				return err
			}
			if err := w.put(bucketMetricsEnrolled, e.id, e.key); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// DueMetrics returns up to limit measurements due at or before now.
func (db *DB) DueMetrics(ctx context.Context, now time.Time, limit int) ([]pregonero.MetricsDue, error) {
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.MetricsDue, error) {
		var out []pregonero.MetricsDue
		c := tx.Bucket(bucketMetricsDue).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			at := timeFromKey(binary.BigEndian.Uint64(k[:timeKeyLen]))
			if at.After(now) {
				break
			}
			if len(v) != 4 {
				return nil, fmt.Errorf("metrics due %x: step of %d bytes", k, len(v))
			}
			out = append(out, pregonero.MetricsDue{DeliveryID: string(k[timeKeyLen:]), At: at, Step: int(binary.BigEndian.Uint32(v))})
		}
		return out, nil
	})
}

// AddSnapshots appends the snapshots and moves the due entries in next.
func (db *DB) AddSnapshots(ctx context.Context, snaps []pregonero.Snapshot, next []pregonero.MetricsDue) error {
	vals := make([][]byte, len(snaps))
	for i, s := range snaps {
		if err := checkID("delivery id", s.DeliveryID); err != nil {
			return err
		}
		v, err := encodeSnapshot(s)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	for _, n := range next {
		if err := checkID("delivery id", n.DeliveryID); err != nil {
			return err
		}
	}
	size := 256 * len(next)
	for _, v := range vals {
		size += len(v) + 64
	}
	return db.exec(ctx, size, func(w *wtx) error {
		for i, s := range snaps {
			if err := w.put(bucketSnapshots, snapshotKey(s.DeliveryID, s.CollectedAt), vals[i]); err != nil {
				return err
			}
		}
		enrolled := w.tx.Bucket(bucketMetricsEnrolled)
		for _, n := range next {
			old := enrolled.Get([]byte(n.DeliveryID))
			if old == nil {
				return notFound("measurement of delivery", n.DeliveryID)
			}
			if len(old) > 0 {
				if err := w.del(bucketMetricsDue, bytes.Clone(old)); err != nil {
					return err
				}
			}
			key := empty
			if !n.At.IsZero() {
				key = timeIDKey(n.At, n.DeliveryID)
				if err := w.put(bucketMetricsDue, key, binary.BigEndian.AppendUint32(nil, uint32(n.Step))); err != nil {
					return err
				}
			}
			if err := w.put(bucketMetricsEnrolled, []byte(n.DeliveryID), key); err != nil {
				return err
			}
		}
		return nil
	})
}

// Snapshots returns one delivery's snapshots collected in [from, to).
func (db *DB) Snapshots(ctx context.Context, deliveryID string, from, to time.Time) ([]pregonero.Snapshot, error) {
	if err := checkID("delivery id", deliveryID); err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.Snapshot, error) {
		var out []pregonero.Snapshot
		end := []byte(nil)
		if !to.IsZero() {
			end = snapshotKey(deliveryID, to)
		}
		prefix := append([]byte(deliveryID), 0)
		c := tx.Bucket(bucketSnapshots).Cursor()
		for k, v := c.Seek(snapshotKey(deliveryID, from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if end != nil && bytes.Compare(k, end) >= 0 {
				break
			}
			s, err := decodeSnapshot(v)
			if err != nil {
				return nil, fmt.Errorf("delivery %s: %w", deliveryID, err)
			}
			out = append(out, s)
		}
		return out, nil
	})
}

var _ pregonero.MetricsStore = (*DB)(nil)

// EachSnapshot walks the snapshots of the deliveries in ids collected
// before to, in one read transaction.
func (db *DB) EachSnapshot(ctx context.Context, ids []string, to time.Time, raw bool, fn func(s *pregonero.Snapshot) error) error {
	for _, id := range ids {
		if err := checkID("delivery id", id); err != nil {
			return err
		}
	}
	return db.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketSnapshots).Cursor()
		for _, id := range ids {
			var end []byte
			if !to.IsZero() {
				end = snapshotKey(id, to)
			}
			prefix := append([]byte(id), 0)
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if end != nil && bytes.Compare(k, end) >= 0 {
					break
				}
				s, err := decodeSnapshot(v)
				if err != nil {
					return fmt.Errorf("delivery %s: %w", id, err)
				}
				if !raw {
					s.Raw = nil
				}
				if err := fn(&s); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// migrateMetricsHistory (schema 8) creates the buckets of account
// snapshots.
func migrateMetricsHistory(tx *bbolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketAccountSnapshots); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketAccountSnapshots, err)
	}
	return nil
}

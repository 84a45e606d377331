package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
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
	// bucketMetricsDue: timeKey(due) ‖ delivery id → due value (see
	// dueValue), for each delivery waiting for a measurement.
	bucketMetricsDue = []byte("metrics_due")
	// bucketMetricsEnrolled: delivery id → its key in bucketMetricsDue, or
	// empty once its schedule is over, so that a delivery's due entry can
	// be moved without a scan. A delivery enrolled at its publication and
	// not placed yet has no entry here: its due entry is keyed by its
	// publication (see enrollMeasurement).
	bucketMetricsEnrolled = []byte("metrics_enrolled")
)

// Buckets of engagement metrics (schema 8).
var (
	// bucketMetricRefusals: network ‖ 0x00 ‖ kind ‖ 0x00 ‖ metric →
	// refusal record, the first refusal of each.
	bucketMetricRefusals = []byte("metric_refusals")
	// bucketMetricsUsage: 'd' ‖ UTC day "2006-01-02" ‖ 0x00 ‖ network ‖
	// 0x00 ‖ account → 8-byte big-endian billed reads, and 't' ‖ network
	// → the network's total.
	bucketMetricsUsage = []byte("metrics_usage")
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

// deliveryMetricsV1 is the part of a version 1 delivery record that
// migration 8 reads, frozen as it was.
type deliveryMetricsV1 struct {
	V           int             `json:"v"`
	ID          string          `json:"id"`
	Account     string          `json:"account"`
	Network     string          `json:"network"`
	State       string          `json:"state"`
	PublishedAt json.RawMessage `json:"published_at"`
}

// publishedAt reads published_at: integer nanoseconds since the epoch or
// an RFC 3339 string, absent when zero.
func (d deliveryMetricsV1) publishedAt() (time.Time, error) {
	if len(d.PublishedAt) == 0 || string(d.PublishedAt) == "null" {
		return time.Time{}, nil
	}
	if d.PublishedAt[0] == '"' {
		var s string
		if err := json.Unmarshal(d.PublishedAt, &s); err != nil {
			return time.Time{}, err
		}
		return time.Parse(time.RFC3339Nano, s)
	}
	n, err := strconv.ParseInt(string(d.PublishedAt), 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, n).UTC(), nil
}

// migrateMetricsHistory (schema 8) creates the buckets of account
// snapshots, metric refusals and billed reads, and moves enrollment for
// measurement into the transaction that publishes a delivery: every
// published delivery not enrolled yet is enrolled, unplaced, as
// publishing now does, and the due entries of schema 7, which held the
// step alone, get the delivery's network, account and publication.
func migrateMetricsHistory(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketAccountSnapshots, bucketMetricRefusals, bucketMetricsUsage} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	deliveries := tx.Bucket(bucketDeliveries)
	load := func(id []byte) (*deliveryMetricsV1, time.Time, error) {
		v := deliveries.Get(id)
		if v == nil {
			return nil, time.Time{}, nil
		}
		var d deliveryMetricsV1
		if err := json.Unmarshal(v, &d); err != nil {
			return nil, time.Time{}, fmt.Errorf("delivery %s: %w", id, err)
		}
		if d.V != 1 {
			return nil, time.Time{}, fmt.Errorf("delivery %s: record version %d, want 1", id, d.V)
		}
		at, err := d.publishedAt()
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("delivery %s: published_at: %w", id, err)
		}
		return &d, at, nil
	}
	due, enrolled := tx.Bucket(bucketMetricsDue), tx.Bucket(bucketMetricsEnrolled)
	type entry struct{ k, v []byte }
	var rewrite, drop []entry
	err := due.ForEach(func(k, v []byte) error {
		if len(v) != 4 || len(k) <= timeKeyLen {
			return nil
		}
		d, at, err := load(k[timeKeyLen:])
		if err != nil {
			return err
		}
		if d == nil || at.IsZero() {
			drop = append(drop, entry{k: bytes.Clone(k)})
			return nil
		}
		rewrite = append(rewrite, entry{bytes.Clone(k), dueValue(int(binary.BigEndian.Uint32(v)), at, pregonero.Network(d.Network), d.Account)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range rewrite {
		if err := due.Put(e.k, e.v); err != nil {
			return err
		}
	}
	for _, e := range drop {
		if err := due.Delete(e.k); err != nil {
			return err
		}
		if err := enrolled.Put(e.k[timeKeyLen:], empty); err != nil {
			return err
		}
	}
	var enroll []entry
	err = deliveries.ForEach(func(k, _ []byte) error {
		if enrolled.Get(k) != nil {
			return nil
		}
		d, at, err := load(k)
		if err != nil {
			return err
		}
		if d == nil || d.State != string(pregonero.DeliveryPublished) || at.IsZero() {
			return nil
		}
		enroll = append(enroll, entry{bytes.Clone(k), dueValue(pregonero.MetricsUnplaced, at, pregonero.Network(d.Network), d.Account)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range enroll {
		at := timeFromKey(binary.BigEndian.Uint64(e.v[4:12]))
		key := timeIDKey(at, string(e.k))
		if err := due.Put(key, e.v); err != nil {
			return err
		}
		if err := enrolled.Put(e.k, key); err != nil {
			return err
		}
	}
	return nil
}

// unplacedStep is the stored step of a MetricsUnplaced entry.
const unplacedStep = math.MaxUint32

// dueValue is the value of a metrics_due entry: the 4-byte big-endian
// step (unplacedStep for MetricsUnplaced) ‖ timeKey(publishedAt) ‖
// network ‖ 0x00 ‖ account.
func dueValue(step int, publishedAt time.Time, network pregonero.Network, account string) []byte {
	v := make([]byte, 0, 12+len(network)+1+len(account))
	return appendDueValue(v, step, publishedAt, network, account)
}

func appendDueValue(v []byte, step int, publishedAt time.Time, network pregonero.Network, account string) []byte {
	s := uint32(unplacedStep)
	if step >= 0 {
		s = uint32(step)
	}
	v = binary.BigEndian.AppendUint32(v, s)
	v = binary.BigEndian.AppendUint64(v, timeKey(publishedAt))
	v = append(v, network...)
	v = append(v, 0)
	return append(v, account...)
}

// decodeDue reads a metrics_due entry.
func decodeDue(k, v []byte) (pregonero.MetricsDue, error) {
	if len(k) <= timeKeyLen {
		return pregonero.MetricsDue{}, fmt.Errorf("metrics due %x: short key", k)
	}
	i := bytes.IndexByte(v[min(len(v), 12):], 0)
	if len(v) < 12 || i < 0 {
		return pregonero.MetricsDue{}, fmt.Errorf("metrics due %x: value of %d bytes", k, len(v))
	}
	m := pregonero.MetricsDue{DeliveryID: string(k[timeKeyLen:]), At: timeFromKey(binary.BigEndian.Uint64(k[:timeKeyLen])),
		Step: int(binary.BigEndian.Uint32(v)), PublishedAt: timeFromKey(binary.BigEndian.Uint64(v[4:12])),
		Network: pregonero.Network(v[12 : 12+i]), AccountID: string(v[12+i+1:])}
	if binary.BigEndian.Uint32(v) == unplacedStep {
		m.Step = pregonero.MetricsUnplaced
	}
	return m, nil
}

// enrollMeasurement indexes a delivery that has just become published
// for its measurements, unplaced and due at its publication, in the
// transaction that publishes it. It writes one entry, keyed by the
// publication instant, so near the end of its bucket: the per-delivery
// entry of bucketMetricsEnrolled, a write into the middle of a bucket
// keyed by id, waits for the collector to place the delivery, off the
// path of a burst of publications. A delivery published again (retried
// after the network refused it) starts its schedule afresh.
func (w *wtx) enrollMeasurement(d *pregonero.Delivery) error {
	id := []byte(d.ID)
	if old := w.tx.Bucket(bucketMetricsEnrolled).Get(id); old != nil {
		if len(old) > 0 {
			if err := w.del(bucketMetricsDue, bytes.Clone(old)); err != nil {
				return err
			}
		}
		if err := w.del(bucketMetricsEnrolled, id); err != nil {
			return err
		}
	}
	return w.put(bucketMetricsDue, timeIDKey(d.PublishedAt, d.ID), dueValue(pregonero.MetricsUnplaced, d.PublishedAt, d.Network, d.AccountID))
}

// measurementKey is the key of a delivery's entry in bucketMetricsDue, nil when it
// has none: the one bucketMetricsEnrolled names, or, for a delivery not
// placed yet, the one keyed by its publication. done reports a delivery
// whose schedule is over.
func measurementKey(tx *bbolt.Tx, id string) (key []byte, done bool, err error) {
	if k := tx.Bucket(bucketMetricsEnrolled).Get([]byte(id)); k != nil {
		return k, len(k) == 0, nil
	}
	d, err := loadDelivery(tx, id)
	if err != nil || d.PublishedAt.IsZero() {
		return nil, false, err
	}
	if k := timeIDKey(d.PublishedAt, id); tx.Bucket(bucketMetricsDue).Get(k) != nil {
		return k, false, nil
	}
	return nil, false, nil
}

// DueMetrics returns up to limit measurements due at or before now.
func (db *DB) DueMetrics(ctx context.Context, now time.Time, limit int) ([]pregonero.MetricsDue, error) {
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.MetricsDue, error) {
		var out []pregonero.MetricsDue
		end := timeKey(now)
		c := tx.Bucket(bucketMetricsDue).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			if len(k) >= timeKeyLen && binary.BigEndian.Uint64(k) > end {
				break
			}
			m, err := decodeDue(k, v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
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
	if len(snaps) == 0 && len(next) == 0 {
		return nil
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
		due := w.tx.Bucket(bucketMetricsDue)
		for _, n := range next {
			old, done, err := measurementKey(w.tx, n.DeliveryID)
			if err != nil && pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
				return err
			}
			if old == nil && !done {
				return notFound("measurement of delivery", n.DeliveryID)
			}
			// The delivery's network, account and publication stay as
			// the entry has them.
			var tail []byte
			if len(old) > 0 {
				if v := due.Get(old); len(v) >= 12 {
					tail = bytes.Clone(v[4:])
				}
				if err := w.del(bucketMetricsDue, bytes.Clone(old)); err != nil {
					return err
				}
			}
			if tail == nil {
				tail = dueValue(0, n.PublishedAt, n.Network, n.AccountID)[4:]
			}
			key := empty
			if !n.At.IsZero() {
				key = timeIDKey(n.At, n.DeliveryID)
				step := uint32(n.Step)
				if n.Step < 0 {
					step = unplacedStep
				}
				if err := w.put(bucketMetricsDue, key, append(binary.BigEndian.AppendUint32(nil, step), tail...)); err != nil {
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
// before to, in one read transaction. The snapshot handed to fn, and its
// maps, are reused from one call to the next.
func (db *DB) EachSnapshot(ctx context.Context, ids []string, to time.Time, raw bool, fn func(s *pregonero.Snapshot) error) error {
	for _, id := range ids {
		if err := checkID("delivery id", id); err != nil {
			return err
		}
	}
	return db.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketSnapshots).Cursor()
		var s pregonero.Snapshot
		var end []byte
		for i, id := range ids {
			if i%1024 == 1023 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			end = end[:0]
			if !to.IsZero() {
				end = appendSnapshotKey(end, id, to)
			}
			prefix := append([]byte(id), 0)
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(end) > 0 && bytes.Compare(k, end) >= 0 {
					break
				}
				if err := decodeSnapshotInto(v, &s, raw); err != nil {
					return fmt.Errorf("delivery %s: %w", id, err)
				}
				if err := fn(&s); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// snapshotKey is delivery id ‖ 0x00 ‖ timeKey(at); ids never contain 0x00,
// so a prefix scan by delivery cannot match another delivery.
func snapshotKey(deliveryID string, at time.Time) []byte {
	return appendSnapshotKey(make([]byte, 0, len(deliveryID)+1+timeKeyLen), deliveryID, at)
}

func appendSnapshotKey(k []byte, deliveryID string, at time.Time) []byte {
	k = append(k, deliveryID...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, timeKey(at))
}

// refusalRecordVersion is the version of the metric refusal record.
const refusalRecordVersion = 1

type refusalRecord struct {
	V       int               `json:"v"`
	Network pregonero.Network `json:"network"`
	Kind    string            `json:"kind"`
	Metric  string            `json:"metric"`
	Reason  string            `json:"reason"`
	At      time.Time         `json:"at"`
}

func refusalKey(r pregonero.MetricRefusal) []byte {
	return []byte(string(r.Network) + "\x00" + r.Kind + "\x00" + r.Metric)
}

// RefuseMetrics remembers refusals, the first of each kept.
func (db *DB) RefuseMetrics(ctx context.Context, refusals []pregonero.MetricRefusal) ([]pregonero.MetricRefusal, error) {
	vals := make([][]byte, len(refusals))
	size := 0
	for i, r := range refusals {
		for _, f := range []struct{ what, v string }{{"network", string(r.Network)}, {"kind", r.Kind}, {"metric", r.Metric}} {
			if err := checkID("metric refusal "+f.what, f.v); err != nil {
				return nil, err
			}
		}
		v, err := json.Marshal(refusalRecord{V: refusalRecordVersion, Network: r.Network, Kind: r.Kind, Metric: r.Metric, Reason: r.Reason, At: r.At.UTC()})
		if err != nil {
			return nil, fmt.Errorf("metric refusal: %w", err)
		}
		vals[i] = v
		size += len(v) + 3*64
	}
	if len(refusals) == 0 {
		return nil, nil
	}
	var added []pregonero.MetricRefusal
	err := db.exec(ctx, size, func(w *wtx) error {
		added = nil
		b := w.tx.Bucket(bucketMetricRefusals)
		for i, r := range refusals {
			k := refusalKey(r)
			if b.Get(k) != nil {
				continue
			}
			if err := w.put(bucketMetricRefusals, k, vals[i]); err != nil {
				return err
			}
			r.At = r.At.UTC()
			added = append(added, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// RefusedMetrics returns the refusals remembered for a network.
func (db *DB) RefusedMetrics(ctx context.Context, network pregonero.Network) ([]pregonero.MetricRefusal, error) {
	if err := checkID("network", string(network)); err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.MetricRefusal, error) {
		var out []pregonero.MetricRefusal
		prefix := append([]byte(network), 0)
		c := tx.Bucket(bucketMetricRefusals).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r refusalRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return nil, fmt.Errorf("metric refusal %q: %w", k, err)
			}
			if r.V != refusalRecordVersion {
				return nil, fmt.Errorf("metric refusal %q: record version %d, want %d", k, r.V, refusalRecordVersion)
			}
			out = append(out, pregonero.MetricRefusal{Network: r.Network, Kind: r.Kind, Metric: r.Metric, Reason: r.Reason, At: r.At.UTC()})
		}
		return out, nil
	})
}

var _ pregonero.MetricRefusalStore = (*DB)(nil)

// usageDay is the UTC day of at, as the usage keys spell it.
func usageDay(at time.Time) string { return at.UTC().Format(time.DateOnly) }

func usageDayKey(day string, network pregonero.Network, account string) []byte {
	return []byte("d" + day + "\x00" + string(network) + "\x00" + account)
}

func usageTotalKey(network pregonero.Network) []byte { return []byte("t" + string(network)) }

// AddBilledReads adds n billed reads to the day's and the network's
// counts.
func (db *DB) AddBilledReads(ctx context.Context, at time.Time, network pregonero.Network, accountID string, n int) error {
	if err := checkID("network", string(network)); err != nil {
		return err
	}
	if err := checkID("account id", accountID); err != nil {
		return err
	}
	if n < 0 {
		return pregonero.Errorf(pregonero.EINVALID, "billed reads: %d is negative", n)
	}
	if n == 0 {
		return nil
	}
	day, total := usageDayKey(usageDay(at), network, accountID), usageTotalKey(network)
	return db.exec(ctx, 128, func(w *wtx) error {
		b := w.tx.Bucket(bucketMetricsUsage)
		for _, k := range [][]byte{day, total} {
			var cur uint64
			if v := b.Get(k); len(v) == 8 {
				cur = binary.BigEndian.Uint64(v)
			}
			if err := w.put(bucketMetricsUsage, k, encodeUint64(cur+uint64(n))); err != nil {
				return err
			}
		}
		return nil
	})
}

// BilledReads returns the reads billed on the UTC day of day.
func (db *DB) BilledReads(ctx context.Context, day time.Time) ([]pregonero.BilledReads, error) {
	d := usageDay(day)
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.BilledReads, error) {
		var out []pregonero.BilledReads
		prefix := []byte("d" + d + "\x00")
		c := tx.Bucket(bucketMetricsUsage).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			network, account, ok := strings.Cut(string(k[len(prefix):]), "\x00")
			if !ok || len(v) != 8 {
				return nil, fmt.Errorf("billed reads %q: bad entry", k)
			}
			out = append(out, pregonero.BilledReads{Day: d, Network: pregonero.Network(network), AccountID: account, Reads: int64(binary.BigEndian.Uint64(v))})
		}
		return out, nil
	})
}

// BilledReadsTotal returns the reads billed since the first, per network.
func (db *DB) BilledReadsTotal(ctx context.Context) (map[pregonero.Network]int64, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (map[pregonero.Network]int64, error) {
		out := map[pregonero.Network]int64{}
		c := tx.Bucket(bucketMetricsUsage).Cursor()
		for k, v := c.Seek([]byte("t")); k != nil && k[0] == 't'; k, v = c.Next() {
			if len(v) != 8 {
				return nil, fmt.Errorf("billed reads %q: bad entry", k)
			}
			out[pregonero.Network(k[1:])] = int64(binary.BigEndian.Uint64(v))
		}
		return out, nil
	})
}

var _ pregonero.MetricsUsageStore = (*DB)(nil)

// purgeBatch is how many keys one write of PurgeSnapshots deletes, so
// that a purge never holds the writer long enough to delay publishing.
const purgeBatch = 2000

// PurgeSnapshots deletes snapshots and account snapshots collected before
// before. The keys are found in a read transaction, then deleted in small
// writes.
func (db *DB) PurgeSnapshots(ctx context.Context, before time.Time) (int, error) {
	limit := timeKey(before)
	type old struct {
		bucket []byte
		key    []byte
	}
	keys, err := read(ctx, db, func(tx *bbolt.Tx) ([]old, error) {
		var out []old
		for _, b := range [][]byte{bucketSnapshots, bucketAccountSnapshots} {
			c := tx.Bucket(b).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if len(k) > timeKeyLen && binary.BigEndian.Uint64(k[len(k)-timeKeyLen:]) < limit {
					out = append(out, old{b, bytes.Clone(k)})
				}
			}
		}
		return out, nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for chunk := range slices.Chunk(keys, purgeBatch) {
		size := 0
		for _, o := range chunk {
			size += len(o.key) + 16
		}
		if err := db.exec(ctx, size, func(w *wtx) error {
			for _, o := range chunk {
				if err := w.del(o.bucket, o.key); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return n, err
		}
		n += len(chunk)
	}
	return n, nil
}

var _ pregonero.MetricsPurger = (*DB)(nil)

// Snapshot records. Version 1 was JSON ({"v":1,…}, snapshotRecord) and is
// still read. Version 2, written since, is binary, so that a report reads
// tens of thousands of snapshots in milliseconds and skips the raw counts
// it does not need without decoding them:
//
//	0x02 ‖ delivery ‖ post ‖ account ‖ network (each a uvarint length and
//	the bytes) ‖ CollectedAt as 8-byte big-endian UnixNano ‖ uvarint count
//	of normalized metrics, each a code byte (1 + its index in
//	snapshotMetricCodes, or 0 followed by the name) and a varint ‖ uvarint
//	length of the raw section ‖ raw section: uvarint count, each a name and
//	a varint.
const snapshotRecordV2 = 2

// snapshotMetricCodes are the normalized metrics coded on one byte in
// version 2 records; append-only.
var snapshotMetricCodes = []string{
	pregonero.MetricLikes, pregonero.MetricComments, pregonero.MetricShares, pregonero.MetricSaves,
	pregonero.MetricViews, pregonero.MetricReach, pregonero.MetricClicks, pregonero.MetricImpressions,
	pregonero.MetricVideoViews,
}

// snapshotRecordVersion is the version of the JSON snapshot record.
const snapshotRecordVersion = 1

// snapshotRecord is the version 1 form of a snapshot: the delivery id and
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

func appendUvarintString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// encodeSnapshot returns the version 2 record of s.
func encodeSnapshot(s pregonero.Snapshot) ([]byte, error) {
	if !s.CollectedAt.IsZero() && (s.CollectedAt.Before(minKeyTime) || s.CollectedAt.After(maxKeyTime)) {
		return nil, fmt.Errorf("snapshot: collected at %s, out of range", s.CollectedAt)
	}
	b := make([]byte, 0, 64+len(s.DeliveryID)+len(s.PostID)+len(s.AccountID)+12*len(s.Metrics)+40*len(s.Raw))
	b = append(b, snapshotRecordV2)
	for _, f := range []string{s.DeliveryID, s.PostID, s.AccountID, string(s.Network)} {
		b = appendUvarintString(b, f)
	}
	at := int64(math.MinInt64)
	if !s.CollectedAt.IsZero() {
		at = s.CollectedAt.UnixNano()
	}
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	b = binary.AppendUvarint(b, uint64(len(s.Metrics)))
	for _, name := range sortedKeys(s.Metrics) {
		if i := slices.Index(snapshotMetricCodes, name); i >= 0 {
			b = append(b, byte(i+1))
		} else {
			b = appendUvarintString(append(b, 0), name)
		}
		b = binary.AppendVarint(b, s.Metrics[name])
	}
	var raw []byte
	raw = binary.AppendUvarint(raw, uint64(len(s.Raw)))
	for _, name := range sortedKeys(s.Raw) {
		raw = binary.AppendVarint(appendUvarintString(raw, name), s.Raw[name])
	}
	b = binary.AppendUvarint(b, uint64(len(raw)))
	return append(b, raw...), nil
}

func decodeSnapshot(v []byte) (pregonero.Snapshot, error) {
	var s pregonero.Snapshot
	err := decodeSnapshotInto(v, &s, true)
	return s, err
}

// snapshotReader reads the fields of a version 2 record.
type snapshotReader struct {
	b   []byte
	err error
}

func (r *snapshotReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err = fmt.Errorf("snapshot: bad length")
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *snapshotReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Varint(r.b)
	if k <= 0 {
		r.err = fmt.Errorf("snapshot: bad count")
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *snapshotReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("snapshot: truncated record")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// str reads a string; it returns cur, not a copy, when they are equal, so
// that a walk over one delivery's snapshots allocates its ids once.
func (r *snapshotReader) str(cur string) string {
	b := r.bytes(r.uvarint())
	if string(b) == cur {
		return cur
	}
	return string(b)
}

// decodeSnapshotInto decodes a record into s, reusing its strings and
// maps: the maps are cleared and refilled, not replaced. Raw is decoded
// only when raw is true, and is nil otherwise.
func decodeSnapshotInto(v []byte, s *pregonero.Snapshot, raw bool) error {
	if len(v) == 0 {
		return fmt.Errorf("snapshot: empty record")
	}
	if v[0] == '{' {
		var r snapshotRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		if r.V != snapshotRecordVersion {
			return fmt.Errorf("snapshot: record version %d, want %d", r.V, snapshotRecordVersion)
		}
		*s = pregonero.Snapshot{DeliveryID: r.DeliveryID, PostID: r.PostID, AccountID: r.AccountID, Network: r.Network,
			CollectedAt: r.CollectedAt.UTC(), Metrics: r.Metrics, Raw: r.Raw}
		if !raw {
			s.Raw = nil
		}
		return nil
	}
	if v[0] != snapshotRecordV2 {
		return fmt.Errorf("snapshot: record version %d, want %d or %d", v[0], snapshotRecordVersion, snapshotRecordV2)
	}
	r := snapshotReader{b: v[1:]}
	s.DeliveryID = r.str(s.DeliveryID)
	s.PostID = r.str(s.PostID)
	s.AccountID = r.str(s.AccountID)
	s.Network = pregonero.Network(r.str(string(s.Network)))
	if at := r.bytes(8); r.err == nil {
		if n := int64(binary.BigEndian.Uint64(at)); n == math.MinInt64 {
			s.CollectedAt = time.Time{}
		} else {
			s.CollectedAt = time.Unix(0, n).UTC()
		}
	}
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		return fmt.Errorf("snapshot: %d metrics in %d bytes", n, len(r.b))
	}
	if n == 0 {
		s.Metrics = nil
	} else if s.Metrics == nil {
		s.Metrics = make(map[string]int64, n)
	} else {
		clear(s.Metrics)
	}
	for range n {
		code := r.bytes(1)
		if r.err != nil {
			break
		}
		var name string
		switch c := int(code[0]); {
		case c == 0:
			name = string(r.bytes(r.uvarint()))
		case c <= len(snapshotMetricCodes):
			name = snapshotMetricCodes[c-1]
		default:
			return fmt.Errorf("snapshot: unknown metric code %d", c)
		}
		s.Metrics[name] = r.varint()
	}
	section := r.bytes(r.uvarint())
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("snapshot: %d bytes after the record", len(r.b))
	}
	if !raw {
		s.Raw = nil
		return nil
	}
	r = snapshotReader{b: section}
	n = r.uvarint()
	if n > uint64(len(r.b)) {
		return fmt.Errorf("snapshot: %d raw counts in %d bytes", n, len(r.b))
	}
	if n == 0 {
		s.Raw = nil
	} else if s.Raw == nil {
		s.Raw = make(map[string]int64, n)
	} else {
		clear(s.Raw)
	}
	for range n {
		name := r.bytes(r.uvarint())
		s.Raw[string(name)] = r.varint()
	}
	if r.err == nil && len(r.b) != 0 {
		return fmt.Errorf("snapshot: %d bytes after the raw counts", len(r.b))
	}
	return r.err
}

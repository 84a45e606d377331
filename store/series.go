package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

var _ pregonero.SeriesStore = (*DB)(nil)

// Buckets of recurring series (schema 10).
var (
	// bucketSeries: series id → series record.
	bucketSeries = []byte("series")
	// bucketSeriesByName: lowered name → series id.
	bucketSeriesByName = []byte("series_by_name")
	// bucketSeriesPosts: series id, NUL, occurrence (its local
	// date-time, which sorts in time order) → post id. Written in the
	// transaction that creates the post, so an occurrence never has two.
	bucketSeriesPosts = []byte("series_posts")
)

// seriesBuckets are the buckets of this file, created by migrateAutomation.
var seriesBuckets = [][]byte{bucketSeries, bucketSeriesByName, bucketSeriesPosts}

// seriesRecord is a series as stored (v1).
type seriesRecord struct {
	V int `json:"v"`
	pregonero.Series
}

func encodeSeries(s *pregonero.Series) ([]byte, error) {
	c := *s
	c.CreatedAt, c.UpdatedAt, c.LastErrorAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), c.LastErrorAt.UTC()
	return json.Marshal(seriesRecord{V: recordVersion, Series: c})
}

func decodeSeries(b []byte) (*pregonero.Series, error) {
	var r seriesRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode series: %w", err)
	}
	return &r.Series, nil
}

// seriesNameTaken is the refusal of a name another series has.
func seriesNameTaken(name string) error {
	msg := fmt.Sprintf("There is already a series named %s.", name)
	return &pregonero.Error{Code: pregonero.ECONFLICT, Message: msg, Fields: []pregonero.FieldError{{
		Field: "name", Code: pregonero.FieldDuplicate, Actual: name, Message: msg,
	}}}
}

// series are kept by id with an index of names.
var series = &named[pregonero.Series]{
	kind: "series", nameField: "series name", bucket: bucketSeries, byName: bucketSeriesByName,
	encode: encodeSeries, decode: decodeSeries,
	id:    func(s *pregonero.Series) string { return s.ID },
	name:  func(s *pregonero.Series) string { return s.Name },
	touch: func(s *pregonero.Series, now time.Time) { s.UpdatedAt = now },
	taken: seriesNameTaken,
	size:  8192,
}

// CreateSeries stores a new series; ECONFLICT when the id or the name is
// taken.
func (db *DB) CreateSeries(ctx context.Context, s *pregonero.Series) error {
	return series.create(ctx, db, s)
}

// Series returns a series; ENOTFOUND when there is none.
func (db *DB) Series(ctx context.Context, id string) (*pregonero.Series, error) {
	return series.get(ctx, db, id)
}

// SeriesList returns every series ordered by name, without regard to
// case.
func (db *DB) SeriesList(ctx context.Context) ([]*pregonero.Series, error) {
	return series.list(ctx, db)
}

// UpdateSeries runs fn on a copy of the series in a write transaction,
// stamps UpdatedAt and stores the result.
func (db *DB) UpdateSeries(ctx context.Context, id string, fn func(*pregonero.Series) error) (*pregonero.Series, error) {
	return series.update(ctx, db, id, fn)
}

// seriesPostKey is an occurrence's key in bucketSeriesPosts.
func seriesPostKey(seriesID, occurrence string) []byte {
	k := make([]byte, 0, len(seriesID)+1+len(occurrence))
	k = append(k, seriesID...)
	k = append(k, 0)
	return append(k, occurrence...)
}

// CreateSeriesPost stores p like CreatePosts and, in the same
// transaction, the occurrence's link to it; ECONFLICT, nothing written,
// when the occurrence has a post already.
func (db *DB) CreateSeriesPost(ctx context.Context, seriesID, occurrence string, p *pregonero.Post) error {
	if p == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil post")
	}
	if err := checkID("series id", seriesID); err != nil {
		return err
	}
	if err := checkID("occurrence", occurrence); err != nil {
		return err
	}
	n, err := encodeNewPosts([]*pregonero.Post{p})
	if err != nil {
		return err
	}
	defer putBuffers(n.buffers)
	key := seriesPostKey(seriesID, occurrence)
	return db.exec(ctx, n.size+len(key)+len(p.ID), func(w *wtx) error {
		if w.tx.Bucket(bucketSeries).Get([]byte(seriesID)) == nil {
			return notFound("series", seriesID)
		}
		if v := w.tx.Bucket(bucketSeriesPosts).Get(key); v != nil {
			return pregonero.Errorf(pregonero.ECONFLICT, "occurrence %s of series %s has post %s already", occurrence, seriesID, v)
		}
		if err := n.apply(w); err != nil {
			return err
		}
		return w.put(bucketSeriesPosts, key, []byte(p.ID))
	})
}

// SeriesPosts returns the occurrences of a series that have a post, in
// order of occurrence, from the occurrence from on: the cursor seeks to
// the series' key of from, so the occurrences before it are never read.
func (db *DB) SeriesPosts(ctx context.Context, seriesID, from string) ([]pregonero.SeriesPost, error) {
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.SeriesPost, error) {
		if tx.Bucket(bucketSeries).Get([]byte(seriesID)) == nil {
			return nil, notFound("series", seriesID)
		}
		out := []pregonero.SeriesPost{}
		prefix := seriesPostKey(seriesID, "")
		c := tx.Bucket(bucketSeriesPosts).Cursor()
		for k, v := c.Seek(seriesPostKey(seriesID, from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			out = append(out, pregonero.SeriesPost{Occurrence: string(k[len(prefix):]), PostID: string(v)})
		}
		return out, nil
	})
}

// ReplaceSeriesPost cancels old, the post of an occurrence, and stores
// next in its place (or forgets the occurrence's post when next is nil)
// in one transaction. It refuses, writing nothing, a post that is not
// the occurrence's or that is no longer waiting.
func (db *DB) ReplaceSeriesPost(ctx context.Context, seriesID, occurrence, old string, next *pregonero.Post) error {
	if err := checkID("series id", seriesID); err != nil {
		return err
	}
	if err := checkID("occurrence", occurrence); err != nil {
		return err
	}
	var n *newPosts
	size := 1024
	if next != nil {
		var err error
		if n, err = encodeNewPosts([]*pregonero.Post{next}); err != nil {
			return err
		}
		defer putBuffers(n.buffers)
		size += n.size
	}
	key := seriesPostKey(seriesID, occurrence)
	return db.exec(ctx, size, func(w *wtx) error {
		if w.tx.Bucket(bucketSeries).Get([]byte(seriesID)) == nil {
			return notFound("series", seriesID)
		}
		if v := w.tx.Bucket(bucketSeriesPosts).Get(key); string(v) != old {
			return pregonero.Errorf(pregonero.ECONFLICT, "the post of occurrence %s of series %s is not %s", occurrence, seriesID, old)
		}
		if err := checkWaiting(w.tx, old); err != nil {
			return err
		}
		if _, err := w.cancelPost(old, db.Now().UTC()); err != nil {
			return err
		}
		if n == nil {
			return w.del(bucketSeriesPosts, key)
		}
		if err := n.apply(w); err != nil {
			return err
		}
		return w.put(bucketSeriesPosts, key, []byte(next.ID))
	})
}

// checkWaiting refuses a post with a delivery that is not queued and
// unclaimed: one that may go out, or went out, cannot be replaced.
func checkWaiting(tx *bbolt.Tx, id string) error {
	_, ids, err := decodeExistingPost(tx, id)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return pregonero.Errorf(pregonero.ECONFLICT, "post %s is a draft; only a scheduled post is replaced", id)
	}
	for _, did := range ids {
		d, err := loadDelivery(tx, did)
		if err != nil {
			return fmt.Errorf("post %s: %w", id, err)
		}
		if d.State != pregonero.DeliveryQueued || d.Claimed {
			return pregonero.Errorf(pregonero.ECONFLICT, "post %s is no longer waiting: its delivery to %s is %s", id, d.AccountID, d.State)
		}
	}
	return nil
}

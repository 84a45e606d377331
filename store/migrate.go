package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/bbolt"

	"pregonero"
)

// migration brings the file from schema version i to i+1, where i is its
// index in migrations. Migrations decode frozen copies of the record types
// of their time, declared next to them, never the live domain types.
type migration func(tx *bbolt.Tx) error

// migrations is append-only: a released entry is never edited or removed,
// and the schema version is its length.
var migrations = []migration{
	migrateCreateBuckets,
	migrateMediaRefs,
	migrateSealedCredentials,
	migratePostAltText,
	migrateUsers,
	migrateCampaigns,
	migrateMetrics,
	migrateMetricsHistory,
	migrateCampaignIndex,
	migrateAutomation,
}

// migrateCreateBuckets (schema 1) creates every bucket.
func migrateCreateBuckets(tx *bbolt.Tx) error {
	for _, name := range [][]byte{
		bucketPosts, bucketDeliveries, bucketAccounts, bucketCredentials,
		bucketMedia, bucketSettings, bucketDue, bucketClaimed, bucketHeld,
		bucketPostsByTime, bucketCounts,
	} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// postMediaV1 is the part of a version 1 post record that migration 2
// reads, frozen as it was.
type postMediaV1 struct {
	V     int      `json:"v"`
	ID    string   `json:"id"`
	Media []string `json:"media"`
}

// migrateMediaRefs (schema 2) creates the media_refs index and fills it
// from the posts already stored.
func migrateMediaRefs(tx *bbolt.Tx) error {
	refs, err := tx.CreateBucketIfNotExists(bucketMediaRefs)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketMediaRefs, err)
	}
	return tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		var p postMediaV1
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("post %s: %w", k, err)
		}
		if p.V != 1 {
			return fmt.Errorf("post %s: record version %d, want 1", k, p.V)
		}
		for _, m := range p.Media {
			if m == "" || strings.IndexByte(m, 0) >= 0 {
				continue // cannot be a key; no record can have this id either
			}
			if err := refs.Put(mediaRefKey(m, string(k)), empty); err != nil {
				return fmt.Errorf("post %s: %w", k, err)
			}
		}
		return nil
	})
}

// migrateSealedCredentials (schema 3) converts nothing. From this schema
// on, a credentials record may be sealed (see secret.go), which older
// binaries would fail to decode or, worse, overwrite in plain; the new
// version makes them refuse the file instead. The plain records already
// there stay readable and are sealed by sealPlainCredentials the first
// time Open has the key, which migrations never see: they also run when
// the file is opened without one (a backup from a stopped server).
func migrateSealedCredentials(*bbolt.Tx) error { return nil }

// mediaAltV1 is the part of a version 1 media record that migration 4
// reads, frozen as it was.
type mediaAltV1 struct {
	V       int    `json:"v"`
	AltText string `json:"alt_text"`
}

// migratePostAltText (schema 4) gives every post its own alt text. Until
// then a post listed media ids and the alt text was the file's, so
// reusing a file for another post with another description rewrote the
// description of posts already queued. Each post record becomes version
// 2, its "media" an array of {"id","alt_text"} objects holding the file's
// alt text at the time of the migration; every other member is kept as
// it was.
func migratePostAltText(tx *bbolt.Tx) error {
	posts := tx.Bucket(bucketPosts)
	media := tx.Bucket(bucketMedia)
	type entry struct {
		ID      string `json:"id"`
		AltText string `json:"alt_text,omitempty"`
	}
	alt := map[string]string{}
	altOf := func(id string) (string, error) {
		if a, ok := alt[id]; ok {
			return a, nil
		}
		v := media.Get([]byte(id))
		if v == nil {
			alt[id] = "" // removed meanwhile: the post fails when it is due, as before
			return "", nil
		}
		var m mediaAltV1
		if err := json.Unmarshal(v, &m); err != nil {
			return "", fmt.Errorf("media %s: %w", id, err)
		}
		if m.V != 1 {
			return "", fmt.Errorf("media %s: record version %d, want 1", id, m.V)
		}
		alt[id] = m.AltText
		return m.AltText, nil
	}
	type rewrite struct{ k, v []byte }
	var out []rewrite
	err := posts.ForEach(func(k, v []byte) error {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("post %s: %w", k, err)
		}
		var version int
		if err := json.Unmarshal(rec["v"], &version); err != nil || version != 1 {
			return fmt.Errorf("post %s: record version %s, want 1", k, rec["v"])
		}
		var ids []string
		if raw, ok := rec["media"]; ok {
			if err := json.Unmarshal(raw, &ids); err != nil {
				return fmt.Errorf("post %s: media: %w", k, err)
			}
		}
		entries := make([]entry, 0, len(ids))
		for _, id := range ids {
			a, err := altOf(id)
			if err != nil {
				return fmt.Errorf("post %s: %w", k, err)
			}
			entries = append(entries, entry{ID: id, AltText: a})
		}
		if len(entries) > 0 {
			b, err := json.Marshal(entries)
			if err != nil {
				return fmt.Errorf("post %s: %w", k, err)
			}
			rec["media"] = b
		} else {
			delete(rec, "media")
		}
		rec["v"] = json.RawMessage("2")
		nv, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("post %s: %w", k, err)
		}
		out = append(out, rewrite{bytes.Clone(k), nv})
		return nil
	})
	if err != nil {
		return err
	}
	// Written after the walk: a bucket must not change under ForEach.
	for _, r := range out {
		if err := posts.Put(r.k, r.v); err != nil {
			return fmt.Errorf("post %s: %w", r.k, err)
		}
	}
	return nil
}

// sealPlainCredentials seals, in one transaction, every credentials
// record still stored plain: those written before the store had a key,
// or by a process that opened it without one. It runs on every Open with
// a key and writes only when it finds such a record. Sealed records that
// do not open with the key are left as they are and counted in a
// warning, so a replaced key file shows at start-up rather than at the
// first token refresh. Open calls it before the committer starts, so
// nothing writes between the scan and the update.
//
// Sealing in place was chosen over a migration (which has no key) and
// over sealing lazily on the next write (which may never come for an idle
// account). bbolt copies pages on write, so the pages that held the plain
// records are freed, not wiped: their bytes stay in the file (and in
// backups) until bbolt reuses them. The tokens there are the ones stored
// before the upgrade; X refresh tokens are single-use and access tokens
// last hours, so they are worthless after the account's next refresh.
func (db *DB) sealPlainCredentials() error {
	type record struct{ k, v []byte }
	var plain []record
	wrong := 0
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCredentials).ForEach(func(k, v []byte) error {
			switch {
			case !isSealed(v):
				plain = append(plain, record{bytes.Clone(k), bytes.Clone(v)})
			default:
				if _, err := db.secrets.open(string(k), v); err != nil {
					wrong++
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("seal credentials: %w", err)
	}
	if wrong > 0 {
		db.logger.Warn("stored credentials do not open with the secret key; restore the key they were sealed with",
			pregonero.LogAccounts, wrong, pregonero.LogKey, db.secrets.source)
	}
	if len(plain) == 0 {
		return nil
	}
	for i, r := range plain {
		sealed, err := db.secrets.seal(string(r.k), r.v)
		if err != nil {
			return err
		}
		plain[i].v = sealed
	}
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketCredentials)
		for _, r := range plain {
			if err := b.Put(r.k, r.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seal credentials: %w", err)
	}
	db.logger.Info("sealed stored credentials with the secret key", pregonero.LogAccounts, len(plain), pregonero.LogKey, db.secrets.source)
	return nil
}

// errForeignFile is returned when a bbolt file without a schema version
// already holds buckets: some other program's file, not ours to change.
var errForeignFile = errors.New("bbolt file without a Pregonero schema version")

// schemaVersion reads the version from meta; a file without one is 0.
func schemaVersion(tx *bbolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		foreign := false
		_ = tx.ForEach(func([]byte, *bbolt.Bucket) error {
			foreign = true
			return errForeignFile
		})
		if foreign {
			return 0, errForeignFile
		}
		return 0, nil
	}
	v := meta.Get(metaSchema)
	if len(v) != 8 {
		return 0, fmt.Errorf("schema version has %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// migrate runs the migrations the file has not had yet, all in one
// transaction, so a file is never left between versions. An up-to-date
// file costs only a read transaction.
func migrate(path string, b *bbolt.DB, migs []migration) error {
	// A damaged file can make bbolt panic, or fault on the mapped file,
	// while walking pages (see guardFile).
	return guardFile(path, func() error { return runMigrations(path, b, migs) })
}

func runMigrations(path string, b *bbolt.DB, migs []migration) (err error) {
	var version uint64
	err = b.View(func(tx *bbolt.Tx) error {
		var err error
		version, err = schemaVersion(tx)
		return err
	})
	if err != nil {
		return invalidFile(path, err)
	}
	known := uint64(len(migs))
	switch {
	case version > known:
		return &openError{
			msg: fmt.Sprintf("open store: %s has schema version %d but this binary knows only up to %d; run a newer pregonero or restore a backup made by this version",
				path, version, known),
			errs: []error{ErrSchemaTooNew},
		}
	case version == known:
		return nil
	}
	err = b.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		for i := version; i < known; i++ {
			if err := migs[i](tx); err != nil {
				return fmt.Errorf("schema %d: %w", i+1, err)
			}
		}
		return meta.Put(metaSchema, encodeUint64(known))
	})
	if err != nil {
		return fmt.Errorf("open store: migrate %s: %w", path, err)
	}
	return nil
}

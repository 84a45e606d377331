package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// mediaReferenced reports whether any post lists the media.
func mediaReferenced(tx *bbolt.Tx, id string) bool {
	prefix := mediaRefPrefix(id)
	k, _ := tx.Bucket(bucketMediaRefs).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// UnreferencedMedia returns up to limit media records created before the
// given instant that no post lists, in id order. It walks every media
// record: there are a few per post at most, and it runs rarely.
func (db *DB) UnreferencedMedia(ctx context.Context, createdBefore time.Time, limit int) ([]*pregonero.Media, error) {
	if limit <= 0 {
		return nil, pregonero.Errorf(pregonero.EINVALID, "unreferenced media: limit must be positive, got %d", limit)
	}
	out := []*pregonero.Media{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		out = out[:0]
		c := tx.Bucket(bucketMedia).Cursor()
		n := 0
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if mediaReferenced(tx, string(k)) {
				continue
			}
			m, err := decodeMedia(v)
			if err != nil {
				return fmt.Errorf("media %s: %w", k, err)
			}
			if m.CreatedAt.Before(createdBefore) {
				out = append(out, m)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("unreferenced media: %w", err)
	}
	return out, nil
}

// DeleteMedia deletes a media record no post lists. The check and the
// delete share one transaction, the same that CreatePosts and UpdatePost
// write references in, so a post created meanwhile either comes first and
// the delete fails with ECONFLICT, or comes after and is refused for
// naming media that no longer exists.
func (db *DB) DeleteMedia(ctx context.Context, id string) error {
	if err := checkID("media id", id); err != nil {
		return err
	}
	return db.exec(ctx, len(id), func(w *wtx) error {
		if w.tx.Bucket(bucketMedia).Get([]byte(id)) == nil {
			return notFound("media", id)
		}
		if mediaReferenced(w.tx, id) {
			return pregonero.Errorf(pregonero.ECONFLICT, "media %s is used by a post and cannot be deleted", id)
		}
		return w.del(bucketMedia, []byte(id))
	})
}

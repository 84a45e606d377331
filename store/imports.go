package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

var _ pregonero.ImportStore = (*DB)(nil)

// bucketImports: import id (the hex SHA-256 of the file) → import record.
var bucketImports = []byte("imports")

// importBuckets are the buckets of this file, created by migrateAutomation.
var importBuckets = [][]byte{bucketImports}

// importRecordVersion is the version of importRecord.
const importRecordVersion = 1

// importRecord is an import as stored (v1).
type importRecord struct {
	V         int                      `json:"v"`
	ID        string                   `json:"id"`
	Filename  string                   `json:"filename,omitempty"`
	Author    string                   `json:"author,omitempty"`
	Rows      int                      `json:"rows"`
	Skipped   int                      `json:"skipped,omitempty"`
	Posts     []pregonero.ImportedPost `json:"posts"`
	CreatedAt time.Time                `json:"created_at"`
}

func encodeImport(imp *pregonero.Import) ([]byte, error) {
	posts := imp.Posts
	if posts == nil {
		posts = []pregonero.ImportedPost{}
	}
	return json.Marshal(importRecord{V: importRecordVersion, ID: imp.ID, Filename: imp.Filename, Author: imp.Author,
		Rows: imp.Rows, Skipped: imp.Skipped, Posts: posts, CreatedAt: imp.CreatedAt.UTC()})
}

func decodeImport(v []byte) (*pregonero.Import, error) {
	var r importRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("decode import: %w", err)
	}
	if r.V != importRecordVersion {
		return nil, fmt.Errorf("decode import %s: record version %d, want %d", r.ID, r.V, importRecordVersion)
	}
	if r.Posts == nil {
		r.Posts = []pregonero.ImportedPost{}
	}
	return &pregonero.Import{ID: r.ID, Filename: r.Filename, Author: r.Author, Rows: r.Rows, Skipped: r.Skipped,
		Posts: r.Posts, CreatedAt: r.CreatedAt}, nil
}

// CreateImport stores the posts and the import's record in one
// transaction: the posts are encoded as CreatePosts encodes them, ahead
// of the transaction and in parallel, so that ten thousand rows commit
// in one write. Every post the record names must be among the posts.
func (db *DB) CreateImport(ctx context.Context, imp *pregonero.Import, posts []*pregonero.Post) error {
	if imp == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil import")
	}
	if err := checkID("import id", imp.ID); err != nil {
		return err
	}
	ids := make(map[string]bool, len(posts))
	for _, p := range posts {
		if p != nil {
			ids[p.ID] = true
		}
	}
	for _, ip := range imp.Posts {
		if !ids[ip.PostID] {
			return pregonero.Errorf(pregonero.EINVALID, "import %s names post %s, which is not among its posts", imp.ID, ip.PostID)
		}
	}
	v, err := encodeImport(imp)
	if err != nil {
		return fmt.Errorf("create import: %w", err)
	}
	var n *newPosts
	size := len(v)
	if len(posts) > 0 {
		if n, err = encodeNewPosts(posts); err != nil {
			return err
		}
		defer putBuffers(n.buffers)
		size += n.size
	}
	return db.exec(ctx, size, func(w *wtx) error {
		if w.tx.Bucket(bucketImports).Get([]byte(imp.ID)) != nil {
			return pregonero.Errorf(pregonero.ECONFLICT, "import %s exists already", imp.ID)
		}
		if n != nil {
			if err := n.apply(w); err != nil {
				return err
			}
		}
		return w.put(bucketImports, []byte(imp.ID), v)
	})
}

// Import returns the record of an import; ENOTFOUND when there is none.
func (db *DB) Import(ctx context.Context, id string) (*pregonero.Import, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Import, error) {
		if id == "" {
			return nil, notFound("import", `""`)
		}
		v := tx.Bucket(bucketImports).Get([]byte(id))
		if v == nil {
			return nil, notFound("import", id)
		}
		return decodeImport(v)
	})
}

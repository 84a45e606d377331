package pregonero

import (
	"context"
	"time"
)

// Import is the record of a CSV file of posts that was imported: the
// file is known by the SHA-256 of its bytes, so that uploading the same
// file again finds this record and its posts instead of creating them a
// second time.
type Import struct {
	// ID is the hex SHA-256 of the file's bytes.
	ID       string `json:"id"`
	Filename string `json:"filename,omitempty"`
	// Author is the username of the person who imported it; empty for
	// the system.
	Author string `json:"author,omitempty"`
	// Rows counts the file's data rows; Skipped those left out because
	// they had errors (an import of the valid rows only).
	Rows    int `json:"rows"`
	Skipped int `json:"skipped"`
	// Posts are the posts created, in the order of their rows.
	Posts     []ImportedPost `json:"posts"`
	CreatedAt time.Time      `json:"created_at"`
}

// ImportedPost is one post an import created, with the row it came from:
// the file's line number where the row starts (the header is line 1).
type ImportedPost struct {
	Row    int    `json:"row"`
	PostID string `json:"post_id"`
}

// ImportStore keeps the records of imports. Every write returns after
// its transaction is committed and synced.
type ImportStore interface {
	// CreateImport stores the posts (as Store.CreatePosts does) and the
	// import's record in one transaction, so that a crash leaves the whole
	// import or nothing of it. It fails with ECONFLICT, writing nothing,
	// when a record with the same ID exists already.
	CreateImport(ctx context.Context, imp *Import, posts []*Post) error
	// Import returns the record of an import by ID; ENOTFOUND when there
	// is none.
	Import(ctx context.Context, id string) (*Import, error)
}

package store

import (
	"encoding/binary"
	"math"
	"strings"
	"time"

	"pregonero"
)

// Bucket names. Entity buckets hold versioned JSON records keyed by id;
// index buckets hold empty values under sortable keys and are written in
// the same transaction as the records they point to.
var (
	bucketMeta        = []byte("meta")
	bucketPosts       = []byte("posts")
	bucketDeliveries  = []byte("deliveries")
	bucketAccounts    = []byte("accounts")
	bucketCredentials = []byte("credentials")
	bucketMedia       = []byte("media")
	bucketSettings    = []byte("settings")

	// bucketDue: timeKey(NextAttemptAt) ‖ delivery id, for exactly the
	// unclaimed deliveries in a Due state.
	bucketDue = []byte("due")
	// bucketClaimed: delivery id, for every delivery with Claimed set. It
	// stays small: only what the publisher holds right now.
	bucketClaimed = []byte("claimed")
	// bucketHeld: account id ‖ 0x00 ‖ delivery id, for held deliveries.
	bucketHeld = []byte("held")
	// bucketPostsByTime: timeKey(ScheduledAt) ‖ post id.
	bucketPostsByTime = []byte("posts_by_time")
	// bucketCounts: delivery state → 8-byte big-endian count.
	bucketCounts = []byte("counts")
	// bucketMediaRefs: media id ‖ 0x00 ‖ post id, for every media id a
	// post lists (schema 2).
	bucketMediaRefs = []byte("media_refs")
)

// Keys of the meta bucket.
var (
	metaSchema = []byte("schema")
	metaPause  = []byte("pause")
)

// maxIDLen bounds every id used in a key, far below bbolt's key limit, so
// that a Put can never fail on key size after an operation's checks.
const maxIDLen = 512

// timeKeyLen is the length of the time prefix of index keys.
const timeKeyLen = 8

var (
	minKeyTime = time.Unix(0, math.MinInt64)
	maxKeyTime = time.Unix(0, math.MaxInt64)
)

// timeKey maps an instant to a uint64 whose big-endian bytes sort like the
// instant. Flipping the sign bit of UnixNano keeps instants before 1970 in
// order; instants outside the int64 nanosecond range (the zero time among
// them) clamp to the ends, so a zero NextAttemptAt sorts first.
func timeKey(t time.Time) uint64 {
	switch {
	case t.Before(minKeyTime):
		return 0
	case t.After(maxKeyTime):
		return math.MaxUint64
	}
	return uint64(t.UnixNano()) ^ (1 << 63)
}

// timeFromKey is the inverse of timeKey for instants in range.
func timeFromKey(k uint64) time.Time {
	if k == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(k^(1<<63))).UTC()
}

// appendTimeIDKey appends timeKey(t) ‖ id.
func appendTimeIDKey(dst []byte, t time.Time, id string) []byte {
	dst = binary.BigEndian.AppendUint64(dst, timeKey(t))
	return append(dst, id...)
}

func timeIDKey(t time.Time, id string) []byte {
	return appendTimeIDKey(make([]byte, 0, timeKeyLen+len(id)), t, id)
}

// heldKey is account ‖ 0x00 ‖ delivery id; ids never contain 0x00, so a
// prefix scan by account cannot match another account.
func heldKey(account, id string) []byte {
	k := make([]byte, 0, len(account)+1+len(id))
	k = append(k, account...)
	k = append(k, 0)
	return append(k, id...)
}

func heldPrefix(account string) []byte {
	return append([]byte(account), 0)
}

// mediaRefKey is media id ‖ 0x00 ‖ post id; ids never contain 0x00, so a
// prefix scan by media id cannot match another media id.
func mediaRefKey(mediaID, postID string) []byte {
	k := make([]byte, 0, len(mediaID)+1+len(postID))
	k = append(k, mediaID...)
	k = append(k, 0)
	return append(k, postID...)
}

func mediaRefPrefix(mediaID string) []byte {
	return append([]byte(mediaID), 0)
}

// dueKey returns the delivery's key in the due index, or nil when the
// delivery does not belong there.
func dueKey(d *pregonero.Delivery) []byte {
	if d == nil || !d.State.Due() || d.Claimed {
		return nil
	}
	return timeIDKey(d.NextAttemptAt, d.ID)
}

// heldIndexKey returns the delivery's key in the held index, or nil.
func heldIndexKey(d *pregonero.Delivery) []byte {
	if d == nil || d.State != pregonero.DeliveryHeld {
		return nil
	}
	return heldKey(d.AccountID, d.ID)
}

// claimedKey returns the delivery's key in the claimed index, or nil.
func claimedKey(d *pregonero.Delivery) []byte {
	if d == nil || !d.Claimed {
		return nil
	}
	return []byte(d.ID)
}

func encodeUint64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}

// checkID validates an id or name before it becomes (part of) a key;
// what names it in messages ("post id").
func checkID(what, id string) error {
	switch {
	case id == "":
		return pregonero.Errorf(pregonero.EINVALID, "%s is empty", what)
	case len(id) > maxIDLen:
		return pregonero.Errorf(pregonero.EINVALID, "%s is longer than %d bytes", what, maxIDLen)
	case strings.IndexByte(id, 0) >= 0:
		return pregonero.Errorf(pregonero.EINVALID, "%s %q contains a NUL byte", what, id)
	}
	return nil
}

func notFound(kind, id string) error {
	return &pregonero.Error{Code: pregonero.ENOTFOUND, Message: kind + " " + id + " not found"}
}

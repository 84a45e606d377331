package pregonero

import (
	"context"
	"io"
	"time"
)

// Store persists posts, deliveries, accounts, media records and settings.
// Every write method returns only after its transaction is committed and
// synced to disk. Implementations pass store/storetest.
type Store interface {
	// CreatePosts stores the posts and their deliveries in one transaction.
	// The caller sets ids, times and deliveries (queued, NextAttemptAt =
	// ScheduledAt); the due-time index is written in the same transaction.
	CreatePosts(ctx context.Context, posts ...*Post) error
	// Post returns a post with its deliveries and derived status.
	Post(ctx context.Context, id string) (*Post, error)
	// Posts lists posts ordered by ScheduledAt, then id.
	Posts(ctx context.Context, f PostFilter) (*PostPage, error)
	// CreateIdempotentPost stores one post like CreatePosts and, in the
	// same transaction, the record of the idempotency key that created it,
	// so that a retry of the request finds the post or nothing, never a
	// key without its post. It fails with ECONFLICT when the key has a
	// record that has not expired at rec.CreatedAt; an expired one is
	// replaced.
	CreateIdempotentPost(ctx context.Context, p *Post, rec Idempotency) error
	// Idempotency returns the record of an idempotency key; ENOTFOUND when
	// there is none.
	Idempotency(ctx context.Context, key string) (*Idempotency, error)
	// PurgeIdempotency deletes up to limit (positive) idempotency records
	// expired at now, and returns how many it deleted.
	PurgeIdempotency(ctx context.Context, now time.Time, limit int) (int, error)
	// UpdatePost edits a post that is still waiting, with its deliveries,
	// in one transaction: fn runs on a copy of the post and of its
	// deliveries. Every delivery must be queued and unclaimed, held as
	// overdue (HoldOverdue) with no attempt of unknown outcome, or
	// canceled; otherwise ECONFLICT. The id, targets and creation time
	// cannot change; of a delivery fn may change only its time, through
	// Delivery.Reschedule (a queued delivery not rescheduled to a new
	// ScheduledAt is rescheduled to it, starting at it), and, when the
	// post's ScheduledAt changes, release a delivery held as overdue to it
	// through Delivery.RescheduleOverdue. Any edit drops the changed
	// deliveries' adapter checkpoints, which belonged to the old content.
	UpdatePost(ctx context.Context, id string, fn func(*Post) error) (*Post, error)
	// CancelPost cancels every queued or held delivery of the post, except
	// held ones with an attempt of unknown outcome (see NeedsReconcile). It
	// fails with ECONFLICT when nothing could be canceled because every
	// delivery is already sending, in doubt or finished.
	CancelPost(ctx context.Context, id string) (*Post, error)

	// Delivery returns one delivery.
	Delivery(ctx context.Context, id string) (*Delivery, error)
	// UpdateDelivery runs fn on a copy of the delivery inside a write
	// transaction and stores the result, keeping every index in step with
	// State, NextAttemptAt, Claimed and HoldReason. An error from fn aborts
	// the update and is returned as is.
	UpdateDelivery(ctx context.Context, id string, fn func(*Delivery) error) (*Delivery, error)
	// UpdateDeliveries applies many updates as one write: each runs like
	// UpdateDelivery and succeeds or fails alone (results and errors are
	// index-aligned with the updates); err is set only when the write as a
	// whole failed, and then nothing was stored.
	UpdateDeliveries(ctx context.Context, updates []DeliveryUpdate) (ds []*Delivery, errs []error, err error)
	// NextDue returns the earliest NextAttemptAt among unclaimed queued and
	// in_doubt deliveries, in O(log n).
	NextDue(ctx context.Context) (t time.Time, ok bool, err error)
	// ClaimDue claims, in one transaction and in NextAttemptAt order, up to
	// limit unclaimed queued or in_doubt deliveries whose NextAttemptAt is
	// not after until (Delivery.Claim). Each leaves the due-time index and
	// is marked Claimed, and keeps its state: the publisher writes the
	// pending attempt when the send starts (Delivery.Start), so a crash
	// before that gives it back to the queue, not in doubt.
	ClaimDue(ctx context.Context, now, until time.Time, limit int) ([]*Delivery, error)
	// DueBefore returns unclaimed queued deliveries whose NextAttemptAt is
	// before the given instant, optionally of one account, at most limit.
	DueBefore(ctx context.Context, before time.Time, account string, limit int) ([]*Delivery, error)
	// HeldDeliveries returns held deliveries, optionally of one account.
	HeldDeliveries(ctx context.Context, account string) ([]*Delivery, error)
	// Recover gives back, at start-up, every delivery left claimed by a
	// previous process (Delivery.Unclaim): sending ones, whose send had
	// started, become in_doubt (their pending attempt becomes unknown) due
	// at now; claimed queued ones, never started, return to the queue;
	// claimed in_doubt ones return to the due index. Its cost grows with
	// the claimed deliveries only.
	Recover(ctx context.Context, now time.Time) (int, error)
	// ClaimedDeliveries returns the deliveries marked Claimed (a small set:
	// those a publisher holds right now).
	ClaimedDeliveries(ctx context.Context) ([]*Delivery, error)
	// DeliveryCounts returns how many deliveries are in each state,
	// maintained incrementally (no scan).
	DeliveryCounts(ctx context.Context) (map[DeliveryState]int, error)

	// PutAccount inserts or replaces an account.
	PutAccount(ctx context.Context, a *Account) error
	// Account returns one account.
	Account(ctx context.Context, id string) (*Account, error)
	// Accounts returns every account ordered by id.
	Accounts(ctx context.Context) ([]*Account, error)
	// UpdateAccount runs fn on a copy of the account inside a write
	// transaction and stores the result.
	UpdateAccount(ctx context.Context, id string, fn func(*Account) error) (*Account, error)

	// Credentials returns the secrets stored for an account at run time
	// (rotated OAuth 2.0 tokens); ENOTFOUND when none were stored.
	Credentials(ctx context.Context, accountID string) (map[string]string, error)
	// PutCredentials replaces the stored secrets of an account.
	PutCredentials(ctx context.Context, accountID string, creds map[string]string) error

	// PutMedia stores a media record (its bytes live outside the store).
	PutMedia(ctx context.Context, m *Media) error
	// Media returns one media record.
	Media(ctx context.Context, id string) (*Media, error)
	// UnreferencedMedia returns up to limit (positive) media records
	// created before the given instant that no post references, in id
	// order. Which posts reference which media is indexed in the same
	// transaction as the posts: CreatePosts refuses a post naming a media
	// id without a record (EINVALID, field "media"), so a post can never
	// point at media deleted meanwhile.
	UnreferencedMedia(ctx context.Context, createdBefore time.Time, limit int) ([]*Media, error)
	// DeleteMedia deletes a media record (its bytes live outside the
	// store). It fails with ECONFLICT, deleting nothing, when a post
	// references the media at the time of the delete, and with ENOTFOUND
	// when there is no such record.
	DeleteMedia(ctx context.Context, id string) error

	// Pause returns the global pause switch.
	Pause(ctx context.Context) (PauseState, error)
	// SetPause sets the global pause switch.
	SetPause(ctx context.Context, p PauseState) error
	// Setting returns a named setting; ENOTFOUND when unset.
	Setting(ctx context.Context, key string) ([]byte, error)
	// PutSetting stores a named setting.
	PutSetting(ctx context.Context, key string, value []byte) error

	// OnDue registers fn to be called after every commit that puts a
	// delivery in the due-time index, with the earliest NextAttemptAt the
	// commit put, and after a commit that lifts the global pause, with
	// the earliest due instant. fn must not block; nil unregisters. The
	// scheduler registers its wake-up here: no writer wakes it by hand. A
	// registration replaces the one before.
	OnDue(fn func(t time.Time))

	// Backup writes a consistent snapshot of the whole store to w while
	// other transactions go on.
	Backup(ctx context.Context, w io.Writer) (int64, error)
	Close() error
}

// DeliveryUpdate is one change of a batch: Fn runs on a copy of the
// delivery with the given id.
type DeliveryUpdate struct {
	ID string
	Fn func(*Delivery) error
}

// Idempotency is what an idempotency key remembers: the post its request
// created and a fingerprint of the request, until it expires.
type Idempotency struct {
	Key       string    `json:"-"`
	PostID    string    `json:"post_id"`
	BodyHash  string    `json:"body_sha256"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when the key stops promising anything; records written
	// without it expire IdempotencyTTL after CreatedAt.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// IdempotencyTTL is how long an idempotency key is remembered by default.
const IdempotencyTTL = 24 * time.Hour

// Expired reports whether the record promises nothing any more at now.
func (r *Idempotency) Expired(now time.Time) bool {
	exp := r.ExpiresAt
	if exp.IsZero() {
		exp = r.CreatedAt.Add(IdempotencyTTL)
	}
	return !now.Before(exp)
}

package pregonero

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Content is what one delivery sends: the post with the target account's
// overrides applied and its media resolved.
type Content struct {
	Text        string
	Link        string
	Media       []MediaBlob
	Title       string
	Description string
	Tags        []string
	// Format is FormatFeed (empty), FormatReel or FormatStory.
	Format string
	// Category, Language and MadeForKids describe a video (YouTube).
	Category    string
	Language    string
	MadeForKids *bool
	// Thumbnail is a custom thumbnail image, resolved from Override.Thumbnail.
	Thumbnail *MediaBlob
	// PublishAt, when set, asks the network to make the post public at that
	// instant (YouTube's scheduled publishing of a private upload): the
	// delivery was dispatched ahead of its time so that the network can
	// process a large upload before the hour.
	PublishAt time.Time
	// Progress reports bytes sent of a long upload so that the delivery
	// shows it; nil in offline validation.
	Progress func(sent, total int64)
	// Marker is a per-delivery token an adapter may embed where the network
	// keeps it invisible (YouTube tags) to match the post on reconciliation.
	Marker string
	// Checkpoint persists adapter progress durably before the adapter goes
	// on (it returns after fsync). Nil in offline validation.
	Checkpoint func(ctx context.Context, key, value string) error
}

// Post formats a network may offer besides its feed (Override.Format).
const (
	FormatFeed  = "feed"
	FormatReel  = "reel"
	FormatStory = "story"
)

// Receipt is what the network answered for a published post.
type Receipt struct {
	RemoteID    string    `json:"remote_id"`
	URL         string    `json:"url"`
	PublishedAt time.Time `json:"published_at"`
}

// Adapter publishes to one network over its real wire protocol. Every
// error it returns from Publish or Reconcile is, or wraps, a *PublishError.
type Adapter interface {
	Network() Network
	// Validate checks the network's offline limits: length, media kind,
	// size and aspect. Target in the errors is the account id.
	Validate(c Content, a *Account) []FieldError
	// Publish sends the delivery. Content.Checkpoint holds progress.
	Publish(ctx context.Context, d *Delivery, c Content, a *Account) (Receipt, error)
	// Reconcile looks for the delivery on the network among the account's
	// posts created since the given time; found reports whether it is there.
	Reconcile(ctx context.Context, d *Delivery, c Content, a *Account, since time.Time) (r Receipt, found bool, err error)
}

// Planner is implemented by adapters that send some content ahead of its
// time and let the network make it public at the instant (YouTube uploads
// a large video as private with publishAt, so that it is processed when
// the hour comes). Lead is how long before the scheduled instant the
// delivery starts; 0 means at the instant. The adapter then gets the
// instant in Content.PublishAt.
type Planner interface {
	Lead(c Content, a *Account) time.Duration
}

// Withdrawer is implemented by adapters that can take back a post the
// network holds for a later instant (a YouTube video uploaded ahead as
// private with publishAt), so that canceling the post before its time
// keeps it from going public.
type Withdrawer interface {
	Withdraw(ctx context.Context, d *Delivery, a *Account) error
}

// Verifier is implemented by adapters whose network may still refuse a
// post after accepting it: YouTube processes an upload and may then reject
// it (a duplicate, a copyright claim) or keep it private. Verify reports
// whether the network has decided (done) and, when it refused or
// restricted the post, why, as a *PublishError of class permanent.
type Verifier interface {
	Verify(ctx context.Context, d *Delivery, a *Account) (done bool, refused *PublishError, err error)
}

// Cleaner is implemented by adapters that leave objects on the network
// while preparing a post, before it is published (Facebook photos uploaded
// unpublished, then attached to the feed post). Cleanup removes those of a
// delivery that ended without being published (failed or canceled), so
// that nothing of it lingers on the account; what a live post uses is
// never removed.
type Cleaner interface {
	Cleanup(ctx context.Context, d *Delivery, a *Account) error
}

// Checker is implemented by adapters that can verify an account's
// credentials with one cheap call (X GET /2/users/me, Graph /me or the
// page, YouTube channels.list mine), at start and on `accounts check`,
// before any post depends on them. It returns nil when the network accepts
// the credentials; a *PublishError of class ClassNeedsReauth (with the
// network's words in NetworkMessage) when it refuses them; and any other
// error when the network could not be asked (unreachable, rate limited),
// which says nothing about the credentials.
type Checker interface {
	CheckCredentials(ctx context.Context, a *Account) error
}

// Measurer is implemented by adapters whose network limits text by a
// length of its own (X's weighted length), so that a person sees the count
// while writing. It reports the length of what would be sent and the limit.
type Measurer interface {
	Measure(c Content) (length, limit int)
}

// ErrorClass tells the publisher what to do with a failure. The publisher
// acts on the class, never on a network's raw status code.
type ErrorClass string

// Error classes.
const (
	// ClassRetryable: nothing was published; try again after NotBefore or
	// after the backoff.
	ClassRetryable ErrorClass = "retryable"
	// ClassRateLimited: refused by a rate limit; wait until NotBefore. Does
	// not count against the attempt limit.
	ClassRateLimited ErrorClass = "rate_limited"
	// ClassPermanent: the network refused this content; retrying will not help.
	ClassPermanent ErrorClass = "permanent"
	// ClassNeedsReauth: the credentials were refused; the account is flagged
	// and its deliveries held until a person re-authorizes it.
	ClassNeedsReauth ErrorClass = "needs_reauth"
	// ClassUnknown: the request may have reached the network; the outcome
	// must be reconciled before any new send.
	ClassUnknown ErrorClass = "unknown"
	// ClassDuplicate: the network says the same content already exists; on a
	// retry that means it was probably already posted and is reconciled.
	ClassDuplicate ErrorClass = "duplicate"
	// ClassAccountBlocked: the network stopped the account (usage cap,
	// policy block); the account is paused and a person alerted.
	ClassAccountBlocked ErrorClass = "account_blocked"
)

// PublishError is a classified adapter failure.
type PublishError struct {
	Class ErrorClass
	// Code is a stable machine code, e.g. "x_duplicate", "x_rate_limited".
	Code string
	// Message is actionable English for a person.
	Message string
	// NetworkMessage is what the network said, verbatim.
	NetworkMessage string
	HTTPStatus     int
	NotBefore      time.Time
	Err            error
}

func (e *PublishError) Error() string {
	s := fmt.Sprintf("%s (%s): %s", e.Code, e.Class, e.Message)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *PublishError) Unwrap() error { return e.Err }

// Cause is the text of the underlying error (Err), the one beneath the
// classification: what a person needs to see to act (a DNS failure, a
// refused connection). Adapters scrub credentials from Err before they
// return it.
func (e *PublishError) Cause() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// AsPublishError returns the *PublishError in err's chain; any other error
// is classified as an unknown outcome, the only safe assumption.
func AsPublishError(err error) *PublishError {
	var pe *PublishError
	if errors.As(err, &pe) {
		return pe
	}
	return &PublishError{Class: ClassUnknown, Code: "unclassified", Message: "The outcome is unknown; it will be checked against the network before any new attempt.", Err: err}
}

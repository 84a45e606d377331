package pregonero

import (
	"context"
	"time"
)

// EventKind names something that happened that a person should hear
// about: the notifications are made of events.
type EventKind string

// Event kinds.
const (
	// EventDeliveryFailed: a delivery failed (Delivery.Fail).
	EventDeliveryFailed EventKind = "delivery_failed"
	// EventDeliveryHeld: a delivery waits for a person (Delivery.Hold);
	// Reason is its HoldReason.
	EventDeliveryHeld EventKind = "delivery_held"
	// EventNeedsReauth: an account's credentials were refused; it must be
	// authorized again.
	EventNeedsReauth EventKind = "account_needs_reauth"
	// EventPaused and EventResumed: publishing was paused or resumed,
	// globally (Account empty) or for one account.
	EventPaused  EventKind = "publishing_paused"
	EventResumed EventKind = "publishing_resumed"
	// EventFeedFailing: a news feed has failed every poll for a day; Feed
	// names it.
	EventFeedFailing EventKind = "feed_failing"
)

// EventKinds lists every kind, in the order settings pages show them.
var EventKinds = []EventKind{
	EventDeliveryFailed, EventDeliveryHeld, EventNeedsReauth,
	EventPaused, EventResumed, EventFeedFailing,
}

// Event is one thing that happened, recorded durably when it happened
// (in the transaction that made it happen, when the store makes it), so
// that a notification is never lost to a crash.
type Event struct {
	// Seq orders events; the store gives it, increasing.
	Seq  uint64    `json:"seq"`
	Kind EventKind `json:"kind"`
	At   time.Time `json:"at"`
	// Account, Unit, PostID and DeliveryID say what the event is about,
	// when it is about one (Unit is the account's dependencia).
	Account    string `json:"account,omitempty"`
	Unit       string `json:"unit,omitempty"`
	PostID     string `json:"post_id,omitempty"`
	DeliveryID string `json:"delivery_id,omitempty"`
	// Feed is the news feed's id (EventFeedFailing).
	Feed string `json:"feed,omitempty"`
	// Reason is a machine code (a hold reason, an error code); Message
	// what happened, in words, for a person.
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// EventStore keeps the events. The store itself records the events of
// the changes it makes (a delivery failed or held, an account needing
// re-authorization, the pause switch), in the same transaction; AddEvent
// records the others.
type EventStore interface {
	// AddEvent stores an event, giving it its Seq and, when zero, its At.
	AddEvent(ctx context.Context, e *Event) error
	// EventsAfter returns up to limit events whose Seq is after seq, in
	// Seq order.
	EventsAfter(ctx context.Context, seq uint64, limit int) ([]*Event, error)
	// OnEvent registers fn to be called after every commit that recorded
	// an event, whoever wrote it: the notifier registers its wake-up here,
	// as the scheduler does with OnDue, so that no writer has to remember
	// to wake it. fn runs on the committer and must not block; nil
	// unregisters; a registration replaces the one before.
	OnEvent(fn func())
}

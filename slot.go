package pregonero

import (
	"context"
	"iter"
	"time"
)

// HoldNoSlot is the hold reason of a delivery the queue placed whose
// account has no posting slot left: it waits for a person (or for a new
// slot, which places it again) instead of going out at a time nobody
// chose.
const HoldNoSlot = "no_slot"

// Weekday names of a slot, Monday first as the Colombian week is shown.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// WeekdayOf returns the slot name of a weekday ("mon").
func WeekdayOf(d time.Weekday) string { return Weekdays[(int(d)+6)%7] }

// Slot is one posting time of an account's queue: on each of its
// weekdays, at its time of day in the service's zone; with SkipHolidays,
// not on Colombia's festivos.
type Slot struct {
	// Days are weekday names of Weekdays.
	Days []string `json:"days"`
	// Time is the local time of day, "07:00".
	Time         string `json:"time"`
	SkipHolidays bool   `json:"skip_holidays"`
}

// Clock returns the hour and minute of Time, and whether it is a time of
// day "HH:MM".
func (s Slot) Clock() (hour, minute int, ok bool) {
	t, err := time.Parse("15:04", s.Time)
	if err != nil || len(s.Time) != 5 {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

// On reports whether the slot is on a weekday.
func (s Slot) On(d time.Weekday) bool {
	name := WeekdayOf(d)
	for _, x := range s.Days {
		if x == name {
			return true
		}
	}
	return false
}

// AccountSlots are the posting slots of one account.
type AccountSlots struct {
	Account   string    `json:"account"`
	Slots     []Slot    `json:"slots"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// QueueEntry is a delivery holding an instant of its account's queue.
type QueueEntry struct {
	Delivery *Delivery `json:"delivery"`
	// Placed is set when the queue chose the instant (the post was added
	// to the queue): slot changes and reordering move it. A delivery
	// given its time by a person is never moved; it only takes its slot.
	Placed bool `json:"placed"`
}

// QueueMove is one change of the queue: a queue-placed delivery goes to
// At (its send starting at Start, At when zero), or, with Hold, waits
// for a person because its account has no slot left.
type QueueMove struct {
	DeliveryID string
	At, Start  time.Time
	Hold       bool
	// Why is the hold's explanation, for a person.
	Why string
}

// SlotStore keeps posting slots and the queue of each account. The queue
// is an index of the deliveries that hold an instant: queued, sending, in
// doubt, held (except those held for want of a slot) and published ones.
type SlotStore interface {
	// Slots returns an account's slots; an empty list when none were set.
	Slots(ctx context.Context, account string) (*AccountSlots, error)
	// SetSlots stores an account's slots and, in the same transaction,
	// applies the moves the change causes (see MoveQueued).
	SetSlots(ctx context.Context, s *AccountSlots, moves []QueueMove) ([]*Delivery, error)
	// Queue lists in time order up to limit (all when limit <= 0)
	// deliveries of the account holding an instant at or after from.
	Queue(ctx context.Context, account string, from time.Time, limit int) ([]QueueEntry, error)
	// QueueHeld lists the account's queue-placed deliveries held for want
	// of a slot (HoldNoSlot), oldest instant first.
	QueueHeld(ctx context.Context, account string) ([]QueueEntry, error)
	// FirstFree returns the first of the candidate instants (ascending)
	// that no delivery of the account holds, and false when none is free.
	FirstFree(ctx context.Context, account string, candidates iter.Seq[time.Time]) (time.Time, bool, error)
	// MarkPlaced records (placed true) or forgets that the queue chose
	// the instants of deliveries. Marking comes before the deliveries are
	// written, so that a written delivery is never unmarked by a crash;
	// a mark of a delivery never written is harmless.
	MarkPlaced(ctx context.Context, deliveryIDs []string, placed bool) error
	// UpdatePlacedPost is Store.UpdatePost for a post of the queue, in
	// one transaction: placed, when set, records (true) or forgets
	// (false) that the queue chose the instants of the post's deliveries,
	// and a queued delivery the queue places keeps the time fn gives it
	// (its account's slot, after the post's time) instead of taking the
	// post's. A post whose targets go out at different slots is edited
	// in one write, never seen with its deliveries at the wrong times.
	UpdatePlacedPost(ctx context.Context, id string, placed *bool, fn func(*Post) error) (*Post, error)
	// MoveQueued applies moves in one transaction: each queue-placed,
	// unclaimed queued delivery is rescheduled (Delivery.Reschedule) or
	// held (HoldNoSlot), and one held for want of a slot is released to
	// its new instant; each post's time becomes the earliest of its
	// deliveries'. A delivery that can no longer move (claimed, sent,
	// canceled, not placed by the queue) is left as it is and left out of
	// the answer.
	MoveQueued(ctx context.Context, moves []QueueMove) ([]*Delivery, error)
}

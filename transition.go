package pregonero

import (
	"fmt"
	"slices"
	"time"
)

// Transitions lists, for each state, the states a delivery may move to.
// Every move is made by one method of Delivery (Start, Resend, Publish,
// Requeue, GiveBack, Doubt, Fail, Hold, Release, RescheduleOverdue,
// Cancel, Withdraw, RetryNow, Unclaim), which refuses a move this table
// does not allow;
// nothing else assigns State. A method may also leave the state as it is
// (GiveBack and Hold of an in-doubt or held delivery, RetryNow of a queued
// one).
var Transitions = map[DeliveryState][]DeliveryState{
	DeliveryQueued:    {DeliverySending, DeliveryHeld, DeliveryCanceled, DeliveryFailed},
	DeliverySending:   {DeliveryPublished, DeliveryQueued, DeliveryFailed, DeliveryInDoubt, DeliveryHeld},
	DeliveryInDoubt:   {DeliverySending, DeliveryPublished, DeliveryFailed, DeliveryHeld},
	DeliveryHeld:      {DeliveryQueued, DeliveryInDoubt, DeliveryCanceled},
	DeliveryPublished: {DeliveryFailed, DeliveryCanceled},
	DeliveryFailed:    {DeliveryQueued, DeliveryInDoubt},
	DeliveryCanceled:  nil,
}

// CanMove reports whether the state machine allows a move from one state
// to another; staying in the same state is not a move.
func CanMove(from, to DeliveryState) bool {
	return slices.Contains(Transitions[from], to)
}

// transitionError is the refusal of an illegal move.
func (d *Delivery) transitionError(action string, allowed ...DeliveryState) error {
	return Errorf(ECONFLICT, "delivery %s is %s; %s needs it to be %v", d.ID, d.State, action, allowed)
}

// move sets the new state, refusing a move the table does not allow. It
// is the one place that assigns State.
func (d *Delivery) move(to DeliveryState) error {
	if d.State == to {
		return nil
	}
	if !CanMove(d.State, to) {
		return Errorf(ECONFLICT, "delivery %s cannot go from %s to %s", d.ID, d.State, to)
	}
	d.State = to
	return nil
}

// in reports whether the delivery is in one of the states.
func (d *Delivery) in(states ...DeliveryState) bool { return slices.Contains(states, d.State) }

// Claim hands a due delivery to the publisher: it leaves the due-time
// index and stays in its state, queued or in doubt, until the publisher
// starts its send (Start) or reconciles it. Nothing is written ahead
// here: a crash before the send starts gives a claimed queued delivery
// back to the queue, never in doubt.
func (d *Delivery) Claim() error {
	if d.Claimed || !d.in(DeliveryQueued, DeliveryInDoubt) {
		return d.transitionError("a claim", DeliveryQueued, DeliveryInDoubt)
	}
	d.Claimed = true
	return nil
}

// Start is the write-ahead record of a send: a claimed queued delivery
// becomes sending with a pending attempt started at now, written before a
// byte goes to the network. A crash after it leaves the delivery in doubt,
// to be reconciled.
func (d *Delivery) Start(now time.Time) error {
	if !d.Claimed || d.State != DeliveryQueued {
		return d.transitionError("starting a send (claimed)", DeliveryQueued)
	}
	d.Attempts = append(d.Attempts, Attempt{N: len(d.Attempts) + 1, StartedAt: now, Outcome: OutcomePending})
	return d.move(DeliverySending)
}

// Resend turns a claimed in-doubt delivery that reconciliation proved
// absent into sending, with a new pending attempt written ahead.
func (d *Delivery) Resend(now time.Time) error {
	if !d.Claimed || d.State != DeliveryInDoubt {
		return d.transitionError("a new send", DeliveryInDoubt)
	}
	d.MarkReconciled("absent")
	d.Attempts = append(d.Attempts, Attempt{N: len(d.Attempts) + 1, StartedAt: now, Outcome: OutcomePending})
	return d.move(DeliverySending)
}

// Publish records a post the network has: sent now (the pending attempt
// started at start succeeded), or found by reconciliation (reconciled is
// then "found" and marks the unknown attempts). PublishedAt is the
// receipt's, or now.
func (d *Delivery) Publish(r Receipt, start, now time.Time, reconciled string) error {
	if !d.in(DeliverySending, DeliveryInDoubt) {
		return d.transitionError("publication", DeliverySending, DeliveryInDoubt)
	}
	if reconciled != "" {
		d.MarkReconciled(reconciled)
	} else if a := d.LastAttempt(); a != nil && a.Outcome == OutcomePending {
		a.StartedAt, a.FinishedAt, a.Outcome = start, now, OutcomeOK
	}
	d.Claimed = false
	d.RemoteID, d.URL, d.PublishedAt = r.RemoteID, r.URL, r.PublishedAt
	if d.PublishedAt.IsZero() {
		d.PublishedAt = now
	}
	d.LastError, d.HoldReason = nil, ""
	return d.move(DeliveryPublished)
}

// FinishAttempt ends the pending attempt of a send with its outcome and
// the network's answer.
func (d *Delivery) FinishAttempt(start, now time.Time, o AttemptOutcome, pe *PublishError) {
	a := d.LastAttempt()
	if a == nil || a.Outcome != OutcomePending {
		return
	}
	a.StartedAt, a.FinishedAt, a.Outcome = start, now, o
	if pe != nil {
		a.Code, a.Message, a.NetworkMessage, a.HTTPStatus = pe.Code, pe.Message, pe.NetworkMessage, pe.HTTPStatus
		a.Cause = pe.Cause()
	}
}

// Requeue puts a sent delivery back in the queue for another attempt at
// next (a retryable error's backoff, a rate limit's reset), with why.
func (d *Delivery) Requeue(next time.Time, why *DeliveryError) error {
	if d.State != DeliverySending {
		return d.transitionError("a retry", DeliverySending)
	}
	d.Claimed, d.NextAttemptAt, d.LastError = false, next, why
	return d.move(DeliveryQueued)
}

// GiveBack returns a claimed delivery that was not sent: a claimed queued
// one stays queued, a sending one whose pending attempt never reached the
// network drops it and is queued again, an in-doubt one stays in doubt. A
// zero at keeps the due time; a non-nil why says why it waits.
func (d *Delivery) GiveBack(at time.Time, why *DeliveryError) error {
	if !d.in(DeliverySending, DeliveryInDoubt) && (d.State != DeliveryQueued || !d.Claimed) {
		return d.transitionError("giving back", DeliveryQueued, DeliverySending, DeliveryInDoubt)
	}
	d.DropPendingAttempt()
	d.Claimed = false
	if !at.IsZero() {
		d.NextAttemptAt = at
	}
	if why != nil {
		d.LastError = why
	}
	if d.State == DeliverySending {
		return d.move(DeliveryQueued)
	}
	return nil
}

// Doubt records a send whose outcome is unknown: the delivery is
// reconciled against the network at next, never sent blindly again.
func (d *Delivery) Doubt(next time.Time, why *DeliveryError) error {
	if d.State != DeliverySending {
		return d.transitionError("an unknown outcome", DeliverySending)
	}
	d.Claimed, d.NextAttemptAt, d.LastError = false, next, why
	return d.move(DeliveryInDoubt)
}

// Fail ends a delivery that will not be published: a send the network
// refused for good, a claimed one never sent (stale, content missing), one
// in doubt that reconciliation proved absent (marked so), or one the
// network took down after publishing it.
func (d *Delivery) Fail(why *DeliveryError) error {
	switch {
	case d.State == DeliverySending:
		d.DropPendingAttempt()
	case d.State == DeliveryQueued && d.Claimed:
	case d.State == DeliveryInDoubt:
		d.MarkReconciled("absent")
	case d.State == DeliveryPublished:
	default:
		return d.transitionError("failing (a claimed queued one)", DeliverySending, DeliveryQueued, DeliveryInDoubt, DeliveryPublished)
	}
	d.Claimed, d.LastError = false, why
	return d.move(DeliveryFailed)
}

// Hold parks a delivery for a person, with the reason and what to do. An
// unsent pending attempt is dropped; an attempt of unknown outcome is kept,
// so that a release reconciles it first. A held one may be held again for
// another reason. Whoever holds a claimed delivery is its claimer (the
// publisher); others leave claimed deliveries alone.
func (d *Delivery) Hold(reason string, why *DeliveryError) error {
	if !d.in(DeliveryQueued, DeliverySending, DeliveryInDoubt, DeliveryHeld) {
		return d.transitionError("holding", DeliveryQueued, DeliverySending, DeliveryInDoubt, DeliveryHeld)
	}
	d.DropPendingAttempt()
	d.Claimed, d.HoldReason, d.LastError = false, reason, why
	return d.move(DeliveryHeld)
}

// Release puts a held delivery back in the queue, due at at (a person
// decided, or its account may publish again); one with an attempt of
// unknown outcome goes in doubt, to be reconciled first. Releasing a
// delivery held as unverifiable is the person's word that the post is
// absent. The staleness limit counts from the release.
func (d *Delivery) Release(at time.Time) error {
	if d.State != DeliveryHeld {
		return d.transitionError("a release", DeliveryHeld)
	}
	if d.HoldReason == HoldUnverifiable {
		d.MarkReconciled(ReconciledByPerson)
	}
	d.HoldReason, d.NextAttemptAt, d.ReleasedAt = "", at, at
	if d.NeedsReconcile() {
		return d.move(DeliveryInDoubt)
	}
	return d.move(DeliveryQueued)
}

// RescheduleOverdue puts a delivery held as overdue after a pause back in
// the queue at a new scheduled instant, its send starting at start (the
// instant, or earlier for a delivery planned ahead; see Planner): the
// person who gave its post a new time decided when it goes out. Only an
// overdue hold is lifted so: a delivery held for its account (paused,
// blocked, credentials refused) waits for the account, and one that may
// be published already (an attempt of unknown outcome, unverifiable) for
// a person to look. The overdue hold's error goes with it, and what
// earlier attempts prepared belonged to the old time and content (see
// Cleaner).
func (d *Delivery) RescheduleOverdue(at, start time.Time) error {
	switch {
	case d.State != DeliveryHeld:
		return d.transitionError("a new time releasing a hold", DeliveryHeld)
	case d.HoldReason != HoldOverdue:
		return Errorf(ECONFLICT, "delivery %s is held for %s; a new time releases only a delivery held as %s", d.ID, d.HoldReason, HoldOverdue)
	case d.NeedsReconcile():
		return Errorf(ECONFLICT, "delivery %s may already be published (an attempt's outcome is unknown); it cannot get a new time before it is checked", d.ID)
	}
	next := at
	if len(d.Attempts) == 0 && start.Before(at) {
		next = start
	}
	d.HoldReason, d.LastError, d.Checkpoint = "", nil, nil
	d.ScheduledAt, d.NextAttemptAt = at, next
	return d.move(DeliveryQueued)
}

// Cancel stops a delivery that has not gone out: a queued one (claimed
// only by the publisher, which knows its send has not started), or a held
// one with no attempt of unknown outcome (the post may be live otherwise).
// A sending one has started its send: it cannot be canceled.
func (d *Delivery) Cancel() error {
	switch {
	case d.State == DeliveryQueued:
	case d.State == DeliveryHeld && !d.NeedsReconcile():
	case d.State == DeliveryHeld:
		return Errorf(ECONFLICT, "delivery %s may already be published (an attempt's outcome is unknown); it cannot be canceled before it is checked", d.ID)
	default:
		return d.transitionError("canceling", DeliveryQueued, DeliveryHeld)
	}
	d.Claimed, d.LastError, d.HoldReason = false, nil, ""
	return d.move(DeliveryCanceled)
}

// Withdraw cancels a delivery the network held for an instant still to
// come and has deleted on request.
func (d *Delivery) Withdraw(now time.Time) error {
	if d.State != DeliveryPublished || !d.PublishedAt.After(now) {
		return d.transitionError("withdrawing before its public instant", DeliveryPublished)
	}
	d.LastError = &DeliveryError{Class: ClassPermanent, Code: "withdrawn",
		Message: fmt.Sprintf("Canceled before its time: %s %s, scheduled for %s, was deleted from the network.",
			d.Network, d.RemoteID, d.PublishedAt.UTC().Format(time.RFC3339)),
		At: now}
	d.URL = ""
	return d.move(DeliveryCanceled)
}

// RetryNow makes a delivery due at now because a person asked. A failed
// one goes back to the queue (in doubt first when an attempt's outcome is
// unknown), its attempts and the staleness limit counted afresh from now
// (see SendCount); what earlier attempts prepared on the network was
// removed when it failed (see Cleaner), so it starts from nothing. An
// unclaimed queued one that is waiting for a backoff after a failed
// attempt stops waiting; one waiting for its time or for a network's limit
// is refused: retrying it now would publish it early, or be refused.
func (d *Delivery) RetryNow(now time.Time) error {
	switch {
	case d.State == DeliveryQueued && !d.Claimed:
		switch {
		case now.Before(d.ScheduledAt):
			return Errorf(ECONFLICT, "delivery %s is scheduled for %s; it goes out then, not earlier", d.ID, d.ScheduledAt.UTC().Format(time.RFC3339))
		case d.LastError != nil && d.LastError.Class == ClassRateLimited && d.NextAttemptAt.After(now):
			return Errorf(ECONFLICT, "delivery %s waits for the network's limit until %s; a try before that would be refused", d.ID, d.NextAttemptAt.UTC().Format(time.RFC3339))
		}
		if d.NextAttemptAt.After(now) {
			d.NextAttemptAt = now
		}
		return nil
	case d.State == DeliveryFailed:
	default:
		return d.transitionError("retrying", DeliveryFailed, DeliveryQueued)
	}
	// A delivery the network refused after publishing it was published:
	// the retry posts it again, so its old receipt goes.
	d.RemoteID, d.URL, d.PublishedAt = "", "", time.Time{}
	d.Checkpoint, d.LastError, d.Progress = nil, nil, nil
	d.NextAttemptAt, d.ReleasedAt, d.RetriedAt = now, now, now
	if d.NeedsReconcile() {
		return d.move(DeliveryInDoubt)
	}
	return d.move(DeliveryQueued)
}

// Reschedule moves an unclaimed queued delivery to a new scheduled
// instant, its send starting at start (the instant, or earlier for a
// delivery planned ahead; see Planner). A delivery already tried, or one
// waiting for a limit past its instant, keeps its wait when that ends
// after the new instant. What earlier attempts prepared belonged to the
// old content and is dropped (see Cleaner).
func (d *Delivery) Reschedule(at, start time.Time) error {
	if d.State != DeliveryQueued || d.Claimed {
		return d.transitionError("a new time", DeliveryQueued)
	}
	next := d.NextAttemptAt
	waiting := d.NextAttemptAt.After(d.ScheduledAt)
	if !at.Equal(d.ScheduledAt) {
		next = at
		if waiting && d.NextAttemptAt.After(at) {
			next = d.NextAttemptAt
		}
	}
	if len(d.Attempts) == 0 && !next.After(at) {
		next = start
	}
	d.ScheduledAt, d.NextAttemptAt, d.Checkpoint = at, next, nil
	return nil
}

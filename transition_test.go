package pregonero_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"pregonero"
)

var (
	tNow   = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tSched = tNow.Add(time.Hour)
)

// inState returns a delivery in the given state as the system leaves it
// there: claimed while sending, with a pending attempt; in doubt with an
// unknown attempt; published for an instant still to come (so that it may
// be withdrawn).
func inState(s pregonero.DeliveryState, claimed bool) *pregonero.Delivery {
	d := &pregonero.Delivery{ID: "d_1", PostID: "p_1", AccountID: "x-a", Network: pregonero.NetworkX,
		State: s, ScheduledAt: tSched, NextAttemptAt: tSched, Claimed: claimed}
	switch s {
	case pregonero.DeliverySending:
		d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: tNow, Outcome: pregonero.OutcomePending}}
	case pregonero.DeliveryInDoubt:
		d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: tNow, Outcome: pregonero.OutcomeUnknown}}
	case pregonero.DeliveryHeld:
		d.HoldReason = pregonero.HoldAccountPaused
	case pregonero.DeliveryPublished:
		d.RemoteID, d.PublishedAt = "r1", tSched
	case pregonero.DeliveryFailed:
		d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: tNow, Outcome: pregonero.OutcomePermanent}}
	}
	return d
}

var allStates = []pregonero.DeliveryState{
	pregonero.DeliveryQueued, pregonero.DeliverySending, pregonero.DeliveryInDoubt, pregonero.DeliveryPublished,
	pregonero.DeliveryFailed, pregonero.DeliveryCanceled, pregonero.DeliveryHeld,
}

// transition is one method of the state machine, with the states (and
// claims) it accepts and where each leads.
type transition struct {
	name string
	do   func(d *pregonero.Delivery) error
	// legal maps an accepted starting point to the state it ends in.
	legal map[start]pregonero.DeliveryState
}

type start struct {
	state   pregonero.DeliveryState
	claimed bool
}

var derr = &pregonero.DeliveryError{Code: "x", Message: "x"}

var transitions = []transition{
	{"Claim", func(d *pregonero.Delivery) error { return d.Claim() }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryQueued, false}: pregonero.DeliveryQueued, {pregonero.DeliveryInDoubt, false}: pregonero.DeliveryInDoubt}},
	{"Start", func(d *pregonero.Delivery) error { return d.Start(tNow) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryQueued, true}: pregonero.DeliverySending}},
	{"Resend", func(d *pregonero.Delivery) error { return d.Resend(tNow) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryInDoubt, true}: pregonero.DeliverySending}},
	{"Publish", func(d *pregonero.Delivery) error { return d.Publish(pregonero.Receipt{RemoteID: "r"}, tNow, tNow, "") }, map[start]pregonero.DeliveryState{
		{pregonero.DeliverySending, true}: pregonero.DeliveryPublished, {pregonero.DeliverySending, false}: pregonero.DeliveryPublished,
		{pregonero.DeliveryInDoubt, true}: pregonero.DeliveryPublished, {pregonero.DeliveryInDoubt, false}: pregonero.DeliveryPublished}},
	{"Requeue", func(d *pregonero.Delivery) error { return d.Requeue(tSched, derr) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliverySending, true}: pregonero.DeliveryQueued, {pregonero.DeliverySending, false}: pregonero.DeliveryQueued}},
	{"GiveBack", func(d *pregonero.Delivery) error { return d.GiveBack(time.Time{}, nil) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryQueued, true}:  pregonero.DeliveryQueued,
		{pregonero.DeliverySending, true}: pregonero.DeliveryQueued, {pregonero.DeliverySending, false}: pregonero.DeliveryQueued,
		{pregonero.DeliveryInDoubt, true}: pregonero.DeliveryInDoubt, {pregonero.DeliveryInDoubt, false}: pregonero.DeliveryInDoubt}},
	{"Doubt", func(d *pregonero.Delivery) error { return d.Doubt(tSched, derr) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliverySending, true}: pregonero.DeliveryInDoubt, {pregonero.DeliverySending, false}: pregonero.DeliveryInDoubt}},
	{"Fail", func(d *pregonero.Delivery) error { return d.Fail(derr) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryQueued, true}:  pregonero.DeliveryFailed,
		{pregonero.DeliverySending, true}: pregonero.DeliveryFailed, {pregonero.DeliverySending, false}: pregonero.DeliveryFailed,
		{pregonero.DeliveryInDoubt, true}: pregonero.DeliveryFailed, {pregonero.DeliveryInDoubt, false}: pregonero.DeliveryFailed,
		{pregonero.DeliveryPublished, false}: pregonero.DeliveryFailed}},
	{"Hold", func(d *pregonero.Delivery) error { return d.Hold(pregonero.HoldOverdue, derr) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryQueued, false}: pregonero.DeliveryHeld, {pregonero.DeliveryQueued, true}: pregonero.DeliveryHeld,
		{pregonero.DeliverySending, true}: pregonero.DeliveryHeld, {pregonero.DeliverySending, false}: pregonero.DeliveryHeld,
		{pregonero.DeliveryInDoubt, true}: pregonero.DeliveryHeld, {pregonero.DeliveryInDoubt, false}: pregonero.DeliveryHeld,
		{pregonero.DeliveryHeld, false}: pregonero.DeliveryHeld}},
	{"Release", func(d *pregonero.Delivery) error { return d.Release(tNow) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryHeld, false}: pregonero.DeliveryQueued}},
	{"Cancel", func(d *pregonero.Delivery) error { return d.Cancel() }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryQueued, false}: pregonero.DeliveryCanceled, {pregonero.DeliveryHeld, false}: pregonero.DeliveryCanceled,
		{pregonero.DeliveryQueued, true}: pregonero.DeliveryCanceled}},
	{"Withdraw", func(d *pregonero.Delivery) error { return d.Withdraw(tNow) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryPublished, false}: pregonero.DeliveryCanceled}},
	{"RetryNow", func(d *pregonero.Delivery) error { return d.RetryNow(tSched.Add(time.Minute)) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryQueued, false}: pregonero.DeliveryQueued, {pregonero.DeliveryFailed, false}: pregonero.DeliveryQueued}},
	{"Reschedule", func(d *pregonero.Delivery) error { return d.Reschedule(tSched.Add(time.Hour), tSched.Add(time.Hour)) }, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryQueued, false}: pregonero.DeliveryQueued}},
	// Tried on a held delivery held as overdue; the other holds are
	// refused (TestRescheduleOverdueReleasesOnlyAnOverdueHold).
	{"RescheduleOverdue", func(d *pregonero.Delivery) error {
		if d.State == pregonero.DeliveryHeld {
			d.HoldReason = pregonero.HoldOverdue
		}
		return d.RescheduleOverdue(tSched.Add(time.Hour), tSched.Add(time.Hour))
	}, map[start]pregonero.DeliveryState{
		{pregonero.DeliveryHeld, false}: pregonero.DeliveryQueued}},
}

// Every method of the state machine is tried from every state, claimed or
// not where a claim can exist: it succeeds exactly where the machine allows it, ends in the state
// it should, and otherwise refuses with a conflict and changes nothing.
func TestTransitionsFromEveryState(t *testing.T) {
	for _, tr := range transitions {
		for _, s := range allStates {
			for _, claimed := range []bool{false, true} {
				if claimed && !s.Due() && s != pregonero.DeliverySending {
					continue // a claim is only ever held on a due or sending delivery
				}
				d := inState(s, claimed)
				before := d.Clone()
				err := tr.do(d)
				want, legal := tr.legal[start{s, claimed}]
				switch {
				case legal && err != nil:
					t.Errorf("%s from %s (claimed %v): %v, want it allowed", tr.name, s, claimed, err)
				case legal && d.State != want:
					t.Errorf("%s from %s (claimed %v) ended %s, want %s", tr.name, s, claimed, d.State, want)
				case legal && d.State != s && !pregonero.CanMove(s, d.State):
					t.Errorf("%s made the move %s → %s, which Transitions does not list", tr.name, s, d.State)
				case !legal && err == nil:
					t.Errorf("%s from %s (claimed %v) was allowed, want a refusal", tr.name, s, claimed)
				case !legal && pregonero.ErrorCode(err) != pregonero.ECONFLICT:
					t.Errorf("%s from %s (claimed %v): %v, want a conflict", tr.name, s, claimed, err)
				case !legal && !reflect.DeepEqual(d, before):
					t.Errorf("%s from %s (claimed %v) refused but changed the delivery: %+v, was %+v", tr.name, s, claimed, d, before)
				}
			}
		}
	}
}

// Every move the table lists is made by some method, and no state moves
// to itself through the table.
func TestEveryListedMoveIsMade(t *testing.T) {
	made := map[[2]pregonero.DeliveryState]bool{}
	for _, tr := range transitions {
		for st, to := range tr.legal {
			made[[2]pregonero.DeliveryState{st.state, to}] = true
		}
	}
	// Release of a held delivery with an unknown attempt, and RetryNow of
	// a failed one with an unknown attempt, make the remaining moves; their
	// own tests below check them (TestReleaseOfAnUnknownAttemptReconcilesFirst,
	// TestRetryNowOfAFailedSendCountsAfresh).
	made[[2]pregonero.DeliveryState{pregonero.DeliveryHeld, pregonero.DeliveryInDoubt}] = true
	made[[2]pregonero.DeliveryState{pregonero.DeliveryFailed, pregonero.DeliveryInDoubt}] = true
	for from, tos := range pregonero.Transitions {
		if slices.Contains(tos, from) {
			t.Errorf("Transitions lists %s → %s", from, from)
		}
		for _, to := range tos {
			if !made[[2]pregonero.DeliveryState{from, to}] {
				t.Errorf("no method makes the listed move %s → %s", from, to)
			}
		}
	}
}

func TestReleaseOfAnUnknownAttemptReconcilesFirst(t *testing.T) {
	d := inState(pregonero.DeliveryInDoubt, true)
	if err := d.Hold(pregonero.HoldNeedsReauth, derr); err != nil {
		t.Fatal(err)
	}
	if err := d.Cancel(); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("cancel of a held delivery that may be live: %v, want a conflict", err)
	}
	if err := d.Release(tNow); err != nil || d.State != pregonero.DeliveryInDoubt {
		t.Fatalf("release: %v, state %s; want in_doubt", err, d.State)
	}

	d = inState(pregonero.DeliveryInDoubt, true)
	if err := d.Hold(pregonero.HoldUnverifiable, derr); err != nil {
		t.Fatal(err)
	}
	// A person who releases an unverifiable delivery has looked: absent.
	if err := d.Release(tNow); err != nil || d.State != pregonero.DeliveryQueued || d.Attempts[0].Reconciled != pregonero.ReconciledByPerson {
		t.Fatalf("release of unverifiable: %v, state %s, attempts %+v", err, d.State, d.Attempts)
	}
}

func TestRetryNowOfAFailedSendCountsAfresh(t *testing.T) {
	d := inState(pregonero.DeliveryFailed, false)
	d.Attempts = append(d.Attempts, pregonero.Attempt{N: 2, StartedAt: tNow, Outcome: pregonero.OutcomeUnknown})
	if err := d.RetryNow(tNow.Add(time.Minute)); err != nil || d.State != pregonero.DeliveryInDoubt {
		t.Fatalf("retry with an unknown attempt: %v, state %s; want in_doubt", err, d.State)
	}
	d = inState(pregonero.DeliveryFailed, false)
	if err := d.RetryNow(tNow.Add(time.Minute)); err != nil || d.State != pregonero.DeliveryQueued {
		t.Fatalf("retry: %v, state %s", err, d.State)
	}
	if n := d.SendCount(); n != 0 {
		t.Errorf("send count after a retry = %d, want 0", n)
	}
	if !d.NextAttemptAt.Equal(tNow.Add(time.Minute)) {
		t.Errorf("due %v, want now", d.NextAttemptAt)
	}
}

// A queued delivery is retried now only when it waits for a backoff: one
// waiting for its time would go out early, one waiting for a network's
// limit would be refused.
func TestRetryNowOfAQueuedDeliveryNeverPublishesEarly(t *testing.T) {
	d := inState(pregonero.DeliveryQueued, false)
	if err := d.RetryNow(tNow); pregonero.ErrorCode(err) != pregonero.ECONFLICT || !d.NextAttemptAt.Equal(tSched) {
		t.Errorf("before its time: %v, due %v; want a conflict and no change", err, d.NextAttemptAt)
	}
	d.NextAttemptAt = tSched.Add(time.Hour)
	d.LastError = &pregonero.DeliveryError{Class: pregonero.ClassRateLimited, Code: "x_quota_wait"}
	if err := d.RetryNow(tSched.Add(time.Minute)); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("waiting for a limit: %v, want a conflict", err)
	}
	d.LastError.Class = pregonero.ClassRetryable
	if err := d.RetryNow(tSched.Add(time.Minute)); err != nil || !d.NextAttemptAt.Equal(tSched.Add(time.Minute)) {
		t.Errorf("waiting for a backoff: %v, due %v; want due now", err, d.NextAttemptAt)
	}
}

func TestUnclaimAfterACrash(t *testing.T) {
	d := inState(pregonero.DeliverySending, true)
	d.Unclaim(tNow.Add(time.Second), "crash")
	if d.State != pregonero.DeliveryInDoubt || d.Claimed || d.Attempts[0].Outcome != pregonero.OutcomeUnknown {
		t.Errorf("sent then crashed: state %s claimed %v attempt %+v", d.State, d.Claimed, d.Attempts[0])
	}
	// Claimed and never started: back to the queue.
	d = inState(pregonero.DeliveryQueued, false)
	if err := d.Claim(); err != nil {
		t.Fatal(err)
	}
	d.Unclaim(tNow, "crash")
	if d.State != pregonero.DeliveryQueued || d.Claimed || len(d.Attempts) != 0 {
		t.Errorf("claimed, never started: state %s claimed %v attempts %d", d.State, d.Claimed, len(d.Attempts))
	}
}

func TestRescheduleKeepsAWaitAndPlansAhead(t *testing.T) {
	d := inState(pregonero.DeliveryQueued, false)
	d.Checkpoint = map[string]string{"photo": "1"}
	lead := tSched.Add(30 * time.Minute)
	if err := d.Reschedule(tSched.Add(time.Hour), lead); err != nil {
		t.Fatal(err)
	}
	if !d.ScheduledAt.Equal(tSched.Add(time.Hour)) || !d.NextAttemptAt.Equal(lead) || d.Checkpoint != nil {
		t.Errorf("planned ahead: scheduled %v next %v checkpoint %v", d.ScheduledAt, d.NextAttemptAt, d.Checkpoint)
	}
	// A retry waiting past the new time keeps its wait.
	d = inState(pregonero.DeliveryQueued, false)
	d.Attempts = []pregonero.Attempt{{N: 1, Outcome: pregonero.OutcomeRetryable}}
	d.NextAttemptAt = tSched.Add(3 * time.Hour)
	if err := d.Reschedule(tSched.Add(time.Hour), tSched.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !d.NextAttemptAt.Equal(tSched.Add(3 * time.Hour)) {
		t.Errorf("retry's wait lost: next %v", d.NextAttemptAt)
	}
}

// A new time releases a delivery held as overdue, to that time: due at
// its start when nothing was tried yet, the overdue error and what
// earlier attempts prepared gone. Any other hold, or an attempt of
// unknown outcome, is refused and nothing changes.
func TestRescheduleOverdueReleasesOnlyAnOverdueHold(t *testing.T) {
	overdueHeld := func() *pregonero.Delivery {
		d := inState(pregonero.DeliveryQueued, false)
		d.Checkpoint = map[string]string{"photo": "1"}
		if err := d.Hold(pregonero.HoldOverdue, &pregonero.DeliveryError{Code: "held_overdue", Message: "Overdue after a pause."}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	at, lead := tSched.Add(5*time.Hour), tSched.Add(4*time.Hour)
	d := overdueHeld()
	if err := d.RescheduleOverdue(at, lead); err != nil {
		t.Fatal(err)
	}
	if d.State != pregonero.DeliveryQueued || d.HoldReason != "" || d.LastError != nil || d.Checkpoint != nil {
		t.Errorf("got state %s hold %q error %+v checkpoint %v; want queued with no hold, error or checkpoint", d.State, d.HoldReason, d.LastError, d.Checkpoint)
	}
	if !d.ScheduledAt.Equal(at) || !d.NextAttemptAt.Equal(lead) {
		t.Errorf("scheduled %v due %v, want %v due %v (planned ahead)", d.ScheduledAt, d.NextAttemptAt, at, lead)
	}

	// Tried before: due at the new time itself.
	d = overdueHeld()
	d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: tNow, Outcome: pregonero.OutcomeRetryable}}
	if err := d.RescheduleOverdue(at, lead); err != nil || !d.NextAttemptAt.Equal(at) {
		t.Errorf("tried before: %v, due %v; want due %v", err, d.NextAttemptAt, at)
	}

	for _, reason := range []string{pregonero.HoldNeedsReauth, pregonero.HoldAccountPaused, pregonero.HoldBlocked, pregonero.HoldUnverifiable} {
		d := inState(pregonero.DeliveryQueued, false)
		if err := d.Hold(reason, derr); err != nil {
			t.Fatal(err)
		}
		before := d.Clone()
		if err := d.RescheduleOverdue(at, at); pregonero.ErrorCode(err) != pregonero.ECONFLICT || !reflect.DeepEqual(d, before) {
			t.Errorf("held for %s: %v, changed %v; want a conflict and no change", reason, err, !reflect.DeepEqual(d, before))
		}
	}
	d = overdueHeld()
	d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: tNow, Outcome: pregonero.OutcomeUnknown}}
	before := d.Clone()
	if err := d.RescheduleOverdue(at, at); pregonero.ErrorCode(err) != pregonero.ECONFLICT || !reflect.DeepEqual(d, before) {
		t.Errorf("with an unknown attempt: %v; want a conflict and no change", err)
	}
}

func TestLastActivityIsTheLatestStartOrEnd(t *testing.T) {
	d := &pregonero.Delivery{Attempts: []pregonero.Attempt{
		{N: 1, StartedAt: tNow, FinishedAt: tNow.Add(time.Minute)},
		{N: 2, StartedAt: tNow.Add(30 * time.Second)},
	}}
	if got, want := d.LastActivity(), tNow.Add(time.Minute); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := (*pregonero.Delivery)(nil).LastActivity(); !got.IsZero() {
		t.Errorf("got %v for no delivery, want zero", got)
	}
}

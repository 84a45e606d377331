package pregonero

import "time"

// DeliveryState is where a delivery stands in its state machine. Each
// arrow is one method of Delivery, which refuses a move from any other
// state (see Transitions). A claim (Claim) changes no state: it takes a
// due delivery out of the due-time index for the publisher.
//
//	queued ──Start (write-ahead)──► sending ──Publish──────────► published ──Fail (refused after publication)──► failed
//	  ▲  ▲                            │                             └──Withdraw (before its public instant)──► canceled
//	  │  │                            ├─Requeue (retryable, limit)─► queued (NextAttemptAt = backoff or hint)
//	  │  │                            ├─GiveBack (never sent)──────► queued
//	  │  │                            ├─Fail (permanent) ──────────► failed ──RetryNow──► queued | in_doubt
//	  │  │                            ├─Doubt (unknown outcome)────► in_doubt
//	  │  │                            └─Hold (account refused) ────► held
//	  │  │  in_doubt ──Publish (reconcile: found)─► published
//	  │  │     ├──Resend (reconcile: absent)──────► sending
//	  │  │     ├──Fail (absent, too late) ────────► failed
//	  │  │     └──Hold (cannot be checked) ───────► held
//	  │  └── held ──Release──► queued | in_doubt (an unknown attempt is reconciled first)
//	  │        ├──RescheduleOverdue (held as overdue, the post's new time)──► queued
//	  │        └──Cancel (nothing unknown) ──► canceled
//	  └── queued ──Hold (account paused, overdue)──► held;  queued ──Cancel──► canceled;
//	      queued (claimed) ──Fail (stale, content missing)──► failed
//
// A process that dies leaves its claims: Unclaim (at start-up, or the
// sweep) gives a claimed queued delivery back to the queue and makes a
// sending one in_doubt (its send had started).
type DeliveryState string

// Delivery states.
const (
	DeliveryQueued    DeliveryState = "queued"
	DeliverySending   DeliveryState = "sending"
	DeliveryInDoubt   DeliveryState = "in_doubt"
	DeliveryPublished DeliveryState = "published"
	DeliveryFailed    DeliveryState = "failed"
	DeliveryCanceled  DeliveryState = "canceled"
	DeliveryHeld      DeliveryState = "held"
)

// Due reports whether a delivery in this state waits in the due-time index.
func (s DeliveryState) Due() bool { return s == DeliveryQueued || s == DeliveryInDoubt }

// Hold reasons: why a delivery waits for a person instead of going out.
const (
	HoldAccountPaused = "account_paused"  // the account was paused
	HoldNeedsReauth   = "needs_reauth"    // the account's credentials were refused
	HoldBlocked       = "account_blocked" // the network stopped the account (usage cap, policy block)
	HoldOverdue       = "overdue"         // overdue beyond the grace after a pause: a person decides
	HoldUnverifiable  = "unverifiable"    // may be published and cannot be checked: a person looks, then cancels or releases
)

// Delivery is one post going to one account: the unit the scheduler
// dispatches.
type Delivery struct {
	ID            string         `json:"id"`
	PostID        string         `json:"post_id"`
	AccountID     string         `json:"account"`
	Network       Network        `json:"network"`
	State         DeliveryState  `json:"state"`
	ScheduledAt   time.Time      `json:"scheduled_at"`
	NextAttemptAt time.Time      `json:"next_attempt_at,omitzero"`
	Attempts      []Attempt      `json:"attempts"`
	RemoteID      string         `json:"remote_id,omitempty"`
	URL           string         `json:"url,omitempty"`
	PublishedAt   time.Time      `json:"published_at,omitzero"`
	LastError     *DeliveryError `json:"last_error,omitempty"`
	HoldReason    string         `json:"hold_reason,omitempty"`
	// ReleasedAt is when a person last released the held delivery; the
	// staleness limit counts from then, not from its scheduled time.
	ReleasedAt time.Time `json:"released_at,omitzero"`
	// RetriedAt is when a person last asked to try the failed delivery
	// again: attempts before it no longer count against the limit.
	RetriedAt time.Time `json:"retried_at,omitzero"`
	// Claimed is set while the publisher owns the delivery: taken out of the
	// due-time index by a claim and not yet given back. At start-up every
	// claimed delivery is recovered (sending becomes in_doubt).
	Claimed bool `json:"claimed,omitempty"`
	// Checkpoint holds adapter progress that must survive a crash (uploaded
	// media ids, an Instagram container id), written before the next step.
	Checkpoint map[string]string `json:"checkpoint,omitempty"`
	// Progress is how much of a long upload has been sent.
	Progress  *Progress `json:"progress,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Progress is the state of a long upload.
type Progress struct {
	SentBytes  int64     `json:"sent_bytes"`
	TotalBytes int64     `json:"total_bytes"`
	At         time.Time `json:"at"`
}

// LastAttempt returns the latest attempt, or nil when there is none.
func (d *Delivery) LastAttempt() *Attempt {
	if len(d.Attempts) == 0 {
		return nil
	}
	return &d.Attempts[len(d.Attempts)-1]
}

// LastActivity is the latest instant of the delivery's attempts: a start,
// or the end of a request that may have created the post until then; zero
// when it has none (or for a nil delivery). A read of the network trusted
// to show what the attempts created must begin after it.
func (d *Delivery) LastActivity() time.Time {
	var t time.Time
	if d == nil {
		return t
	}
	for _, at := range d.Attempts {
		for _, x := range []time.Time{at.StartedAt, at.FinishedAt} {
			if x.After(t) {
				t = x
			}
		}
	}
	return t
}

// SendCount is the number of attempts that count against the attempt
// limit: rate-limited attempts do not, nor those made before a person last
// asked to retry the delivery (RetriedAt).
func (d *Delivery) SendCount() int {
	n := 0
	for _, a := range d.Attempts {
		if a.Outcome != OutcomeRateLimited && !a.StartedAt.Before(d.RetriedAt) {
			n++
		}
	}
	return n
}

// Clone returns a deep copy.
func (d *Delivery) Clone() *Delivery {
	c := *d
	c.Attempts = append([]Attempt(nil), d.Attempts...)
	if d.LastError != nil {
		e := *d.LastError
		c.LastError = &e
	}
	if d.Progress != nil {
		p := *d.Progress
		c.Progress = &p
	}
	if d.Checkpoint != nil {
		c.Checkpoint = make(map[string]string, len(d.Checkpoint))
		for k, v := range d.Checkpoint {
			c.Checkpoint[k] = v
		}
	}
	return &c
}

// AttemptOutcome is how one attempt ended.
type AttemptOutcome string

// Attempt outcomes. An attempt is written as pending before a byte goes to
// the network.
const (
	OutcomePending     AttemptOutcome = "pending"
	OutcomeOK          AttemptOutcome = "ok"
	OutcomeRetryable   AttemptOutcome = "retryable"
	OutcomeRateLimited AttemptOutcome = "rate_limited"
	OutcomePermanent   AttemptOutcome = "permanent"
	OutcomeUnknown     AttemptOutcome = "unknown"
)

// Attempt is one try at sending a delivery.
type Attempt struct {
	N          int            `json:"n"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt time.Time      `json:"finished_at,omitzero"`
	Outcome    AttemptOutcome `json:"outcome"`
	Code       string         `json:"code,omitempty"`
	Message    string         `json:"message,omitempty"`
	// NetworkMessage is the network's own words, kept for accountability.
	NetworkMessage string `json:"network_message,omitempty"`
	// Cause is the underlying error beneath the classified one (a DNS
	// failure, a refused connection, a TLS error), credentials removed.
	Cause      string `json:"cause,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	// Reconciled records what reconciliation found for an attempt whose
	// outcome was unknown: "found", "absent", or ReconciledByPerson.
	Reconciled string `json:"reconciled,omitempty"`
}

// ReconciledByPerson marks an unknown attempt a person declared absent by
// releasing a delivery the network could not verify.
const ReconciledByPerson = "absent_per_person"

// DeliveryError is the last failure of a delivery, in actionable words.
type DeliveryError struct {
	Class          ErrorClass `json:"class"`
	Code           string     `json:"code"`
	Message        string     `json:"message"`
	NetworkMessage string     `json:"network_message,omitempty"`
	// Cause is the underlying error beneath the classified one (a DNS
	// failure, a refused connection), credentials removed.
	Cause string    `json:"cause,omitempty"`
	At    time.Time `json:"at"`
}

// NeedsReconcile reports whether an attempt may have reached the network
// without its outcome being known and reconciled: such a delivery is never
// sent again before the network has been asked.
func (d *Delivery) NeedsReconcile() bool {
	for _, a := range d.Attempts {
		if (a.Outcome == OutcomeUnknown || a.Outcome == OutcomePending) && a.Reconciled == "" {
			return true
		}
	}
	return false
}

// MarkReconciled records what reconciliation found ("found" or "absent")
// on every attempt whose outcome was unknown and not yet reconciled.
func (d *Delivery) MarkReconciled(result string) {
	for i := range d.Attempts {
		if d.Attempts[i].Outcome == OutcomeUnknown && d.Attempts[i].Reconciled == "" {
			d.Attempts[i].Reconciled = result
		}
	}
}

// DropPendingAttempt removes the pending attempt of a sending delivery
// whose send never started; the caller sets the new state.
func (d *Delivery) DropPendingAttempt() {
	if d.State != DeliverySending {
		return
	}
	if a := d.LastAttempt(); a != nil && a.Outcome == OutcomePending {
		d.Attempts = d.Attempts[:len(d.Attempts)-1]
	}
}

// Unclaim gives back a claimed delivery whose owner is gone (a process
// that stopped, a result that could not be written). A queued or in-doubt
// one returns to the due-time index as it is; a sending one may have
// reached the network: its attempt becomes unknown, with why as the
// message, and it is due now for reconciliation.
func (d *Delivery) Unclaim(now time.Time, why string) {
	d.Claimed = false
	if d.State != DeliverySending {
		return
	}
	// Every sending delivery had its send started (Start writes the
	// attempt at the real start), whatever the clock says now: a clock
	// stepped back must not make a live post look unsent.
	if a := d.LastAttempt(); a != nil && a.Outcome == OutcomePending {
		a.Outcome, a.FinishedAt, a.Message = OutcomeUnknown, now, why
	}
	d.NextAttemptAt = now
	_ = d.move(DeliveryInDoubt)
}

package publisher

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"pregonero"
)

// Pause stops new sends, globally (account "") or for one account, within
// a second: lanes check before every send. Sends already on the wire
// finish.
func (p *Publisher) Pause(ctx context.Context, account, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return pregonero.Invalid([]pregonero.FieldError{{Field: "reason", Code: pregonero.FieldRequired, Message: "a reason is required to pause publishing"}})
	}
	now := p.clock.Now()
	if account == "" {
		if err := p.cfg.Store.SetPause(ctx, pregonero.PauseState{Paused: true, Reason: reason, Since: now}); err != nil {
			return fmt.Errorf("pause: %w", err)
		}
		p.paused.Store(true)
		p.log.Warn("publishing paused", "reason", reason)
		return nil
	}
	a, err := p.cfg.Store.UpdateAccount(ctx, account, func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountPaused, reason, now
		return nil
	})
	if err != nil {
		return fmt.Errorf("pause %s: %w", account, err)
	}
	p.setAccount(a)
	p.log.Warn("account paused", "account", account, "reason", reason)
	return nil
}

// overdue reports whether a delivery should have gone out before cutoff:
// one started ahead of its time on purpose (a large upload) is overdue
// only once its scheduled instant has passed.
func overdue(d *pregonero.Delivery, cutoff time.Time) bool {
	return d.NextAttemptAt.Before(cutoff) && d.ScheduledAt.Before(cutoff)
}

// Resume lifts a pause (or a needs-reauth or blocked status) and reviews
// what waited: held deliveries of the account go back to the queue, but
// any overdue by more than the resume grace is held for a person instead
// of bursting out.
func (p *Publisher) Resume(ctx context.Context, account string) (*pregonero.ResumeReport, error) {
	// The overdue deliveries are held before the pause is lifted, so that
	// a crash in between leaves everything paused, never a burst.
	ctx = context.WithoutCancel(ctx)
	now := p.clock.Now()
	cutoff := now.Add(-p.cfg.ResumeGrace)
	rep := &pregonero.ResumeReport{HeldOverdue: []string{}}
	for {
		ds, err := p.cfg.Store.DueBefore(ctx, cutoff, account, 1000)
		if err != nil {
			return nil, fmt.Errorf("resume: overdue: %w", err)
		}
		held := 0
		for _, d := range ds {
			if !overdue(d, cutoff) {
				continue
			}
			if _, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, holdOverdue(now)); err != nil {
				return nil, fmt.Errorf("resume: hold %s: %w", d.ID, err)
			}
			rep.HeldOverdue = append(rep.HeldOverdue, d.ID)
			held++
		}
		// A batch of deliveries started ahead of a time still to come
		// holds nothing and would come back as it is.
		if len(ds) < 1000 || held == 0 {
			break
		}
	}
	// Deliveries held by the account's status come back, unless overdue:
	// those are marked for a person before the account is active again.
	if account != "" {
		held, err := p.cfg.Store.HeldDeliveries(ctx, account)
		if err != nil {
			return nil, fmt.Errorf("resume: held: %w", err)
		}
		for _, d := range held {
			if heldByAccount(d) && overdue(d, cutoff) {
				if _, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, holdOverdue(now)); err != nil {
					return nil, fmt.Errorf("resume: hold %s: %w", d.ID, err)
				}
				rep.HeldOverdue = append(rep.HeldOverdue, d.ID)
			}
		}
	}
	if account == "" {
		if err := p.cfg.Store.SetPause(ctx, pregonero.PauseState{}); err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		p.paused.Store(false)
		p.log.Info("publishing resumed", "held_overdue", len(rep.HeldOverdue))
	} else {
		a, err := p.cfg.Store.UpdateAccount(ctx, account, func(a *pregonero.Account) error {
			a.Status, a.StatusReason, a.StatusSince = pregonero.AccountActive, "", now
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("resume %s: %w", account, err)
		}
		p.setAccount(a)
		// Release what the account's status held. A lane that read the
		// paused status just before the switch may still hold one: the
		// passes repeat until none comes.
		for range 3 {
			held, err := p.cfg.Store.HeldDeliveries(ctx, account)
			if err != nil {
				return nil, fmt.Errorf("resume: held: %w", err)
			}
			n := 0
			for _, d := range held {
				if !heldByAccount(d) {
					continue
				}
				if _, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, release(later(d.NextAttemptAt, now))); err != nil {
					return nil, fmt.Errorf("resume: release %s: %w", d.ID, err)
				}
				n++
			}
			rep.Released += n
			if n == 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		p.log.Info("account resumed", "account", account, "released", rep.Released, "held_overdue", len(rep.HeldOverdue))
	}
	p.notifyDue(now)
	return rep, nil
}

// heldByAccount reports whether the delivery waits because of its
// account's status, which a resume lifts.
func heldByAccount(d *pregonero.Delivery) bool {
	switch d.HoldReason {
	case pregonero.HoldAccountPaused, pregonero.HoldNeedsReauth, pregonero.HoldBlocked:
		return true
	}
	return false
}

func holdOverdue(now time.Time) func(*pregonero.Delivery) error {
	return func(x *pregonero.Delivery) error {
		if x.Claimed || (x.State != pregonero.DeliveryQueued && x.State != pregonero.DeliveryHeld) {
			return nil
		}
		x.State, x.HoldReason = pregonero.DeliveryHeld, pregonero.HoldOverdue
		x.LastError = &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "held_overdue",
			Message: "Overdue after a pause: release it to publish now, or cancel it.", At: now}
		return nil
	}
}

// release puts a held delivery back in the queue, due at `at`; one with an
// attempt of unknown outcome goes to in_doubt, to be reconciled first.
func release(at time.Time) func(*pregonero.Delivery) error {
	return func(x *pregonero.Delivery) error {
		if x.State != pregonero.DeliveryHeld {
			return pregonero.Errorf(pregonero.ECONFLICT, "delivery %s is %s, not held", x.ID, x.State)
		}
		if x.HoldReason == pregonero.HoldUnverifiable {
			// The network could not tell; the person who releases it
			// has looked and found the post absent.
			x.MarkReconciled(pregonero.ReconciledByPerson)
		}
		x.State, x.HoldReason, x.NextAttemptAt, x.ReleasedAt = pregonero.DeliveryQueued, "", at, at
		if x.NeedsReconcile() {
			x.State = pregonero.DeliveryInDoubt
		}
		return nil
	}
}

// Release sends a held delivery now (a person decided). It goes out only
// if its account is active by then; otherwise it is held again.
func (p *Publisher) Release(ctx context.Context, deliveryID string) (*pregonero.Delivery, error) {
	now := p.clock.Now()
	d, err := p.cfg.Store.UpdateDelivery(ctx, deliveryID, release(now))
	if err != nil {
		return nil, err
	}
	p.notifyDue(now)
	return d, nil
}

// needsReauth flags the account; its deliveries are held, not failed one
// by one, until a person re-authorizes it (resume, or new credentials).
func (p *Publisher) needsReauth(a *pregonero.Account, pe *pregonero.PublishError) {
	p.setStatus(a.ID, pregonero.AccountNeedsReauth, pe.Message)
}

// blockAccount pauses an account the network stopped (usage cap, policy
// block) and alerts.
func (p *Publisher) blockAccount(a *pregonero.Account, pe *pregonero.PublishError) {
	p.log.Error("ALERT: the network stopped the account; it is paused", "account", a.ID, "code", pe.Code, "message", pe.Message)
	p.setStatus(a.ID, pregonero.AccountPaused, "Stopped by the network: "+pe.Message)
}

func (p *Publisher) setStatus(id string, st pregonero.AccountStatus, reason string) {
	now := p.clock.Now()
	a, err := p.cfg.Store.UpdateAccount(context.Background(), id, func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = st, reason, now
		return nil
	})
	if err != nil {
		p.log.Error("update account status", "account", id, "err", err)
		return
	}
	p.setAccount(a)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Cancel cancels every delivery of the post that has not gone out:
// queued and held ones in the store, and claimed ones still waiting for
// their instant. A delivery already sending or in doubt is left as it is.
func (p *Publisher) Cancel(ctx context.Context, postID string) (*pregonero.Post, error) {
	// A half-done cancel must not be left behind by a client that hangs up.
	ctx = context.WithoutCancel(ctx)
	changed := false
	// The scheduler may claim a delivery between the read and the store's
	// cancel; the next pass finds it claimed and stops it at its gate.
	for range 3 {
		post, err := p.cfg.Store.Post(ctx, postID)
		if err != nil {
			return nil, err
		}
		n, err := p.stopClaimed(ctx, post)
		if err != nil {
			return nil, err
		}
		changed = changed || n > 0
		if _, err := p.cfg.Store.CancelPost(ctx, postID); err == nil {
			changed = true
		} else if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			return nil, err
		}
		if post, err = p.cfg.Store.Post(ctx, postID); err != nil {
			return nil, err
		}
		if n, err := p.withdraw(ctx, post); err != nil {
			return nil, err
		} else if n > 0 {
			changed = true
			if post, err = p.cfg.Store.Post(ctx, postID); err != nil {
				return nil, err
			}
		}
		if !p.anyStoppable(post) {
			if !changed {
				return nil, pregonero.Errorf(pregonero.ECONFLICT,
					"post %s has nothing left to cancel: every delivery is already sending, in doubt or finished", postID)
			}
			p.cleanupCanceled(post)
			return post, nil
		}
	}
	post, err := p.cfg.Store.Post(ctx, postID)
	if err != nil {
		return nil, err
	}
	p.cleanupCanceled(post)
	return post, nil
}

// cleanupCanceled removes what earlier attempts of the post's canceled
// deliveries left on the networks.
func (p *Publisher) cleanupCanceled(post *pregonero.Post) {
	for _, d := range post.Deliveries {
		if d.State == pregonero.DeliveryCanceled {
			p.Cleanup(d)
		}
	}
}

// loadAccount returns an account with its credentials, from the
// publisher's cache or the store.
func (p *Publisher) loadAccount(ctx context.Context, id string) (*pregonero.Account, error) {
	if a := p.account(id); a != nil {
		return a, nil
	}
	a, err := p.cfg.Store.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	return p.withCredentials(a), nil
}

// withdraw takes back the post's deliveries that the network holds for an
// instant still to come (uploaded ahead of time) and marks them canceled.
// A failure is returned: the post would go public at its time.
func (p *Publisher) withdraw(ctx context.Context, post *pregonero.Post) (int, error) {
	n := 0
	now := p.clock.Now()
	for _, d := range post.Deliveries {
		if d.State != pregonero.DeliveryPublished || !d.PublishedAt.After(now) || d.RemoteID == "" {
			continue
		}
		w, ok := p.cfg.Adapters[d.Network].(pregonero.Withdrawer)
		if !ok {
			continue
		}
		a, err := p.loadAccount(ctx, d.AccountID)
		if err != nil {
			return n, fmt.Errorf("withdraw %s: %w", d.ID, err)
		}
		if err := w.Withdraw(ctx, d, a); err != nil {
			pe := pregonero.AsPublishError(err)
			return n, pregonero.Errorf(pregonero.EUNAVAILABLE,
				"post %s is scheduled on %s for %s and could not be taken back (%s); it will go public then unless withdrawn: try again",
				post.ID, d.Network, d.PublishedAt.UTC().Format(time.RFC3339), pe.Message)
		}
		if _, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
			if x.State != pregonero.DeliveryPublished {
				return nil
			}
			x.State, x.URL = pregonero.DeliveryCanceled, ""
			x.LastError = &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "withdrawn",
				Message: fmt.Sprintf("Canceled before its time: %s %s, scheduled for %s, was deleted from the network.", d.Network, d.RemoteID, d.PublishedAt.UTC().Format(time.RFC3339)),
				At:      now}
			return nil
		}); err != nil {
			return n, fmt.Errorf("withdraw %s: %w", d.ID, err)
		}
		p.log.Info("withdrawn before its time", "delivery", d.ID, "remote_id", d.RemoteID)
		n++
	}
	return n, nil
}

// stoppable reports whether a claimed delivery has not started its send:
// its gate is waiting, or it has none because the claim is a moment old
// and not dispatched yet. A claimed delivery with no gate that is older
// than that was lost track of, and may be live: Sweep reconciles it.
func (p *Publisher) stoppable(d *pregonero.Delivery) bool {
	if !d.Claimed || d.State != pregonero.DeliverySending {
		return false
	}
	if v, ok := p.claims.Load(d.ID); ok {
		return v.(*claim).state.Load() == claimWaiting
	}
	return p.clock.Now().Sub(d.UpdatedAt) < orphanAge
}

func (p *Publisher) anyStoppable(post *pregonero.Post) bool {
	for _, d := range post.Deliveries {
		if p.stoppable(d) {
			return true
		}
	}
	return false
}

// stopClaimed cancels the post's claimed deliveries whose send has not
// started.
func (p *Publisher) stopClaimed(ctx context.Context, post *pregonero.Post) (int, error) {
	stopped := 0
	for _, d := range post.Deliveries {
		if !p.stoppable(d) {
			continue
		}
		// Not yet dispatched: the gate is created canceled; the dispatch
		// of this claim adopts it and the lane skips the delivery.
		gate := &claim{}
		gate.state.Store(claimCanceled)
		v, loaded := p.claims.LoadOrStore(d.ID, gate)
		if loaded && !v.(*claim).state.CompareAndSwap(claimWaiting, claimCanceled) {
			continue // the lane started the send first
		}
		version := d.UpdatedAt
		now := p.clock.Now()
		_, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
			// Only the claim that was read: a claim whose lane already
			// wrote its result, or a newer claim, is not this one.
			if !x.Claimed || x.State != pregonero.DeliverySending || !x.UpdatedAt.Equal(version) {
				return errNotOwned
			}
			x.DropPendingAttempt()
			x.Claimed = false
			x.State = pregonero.DeliveryCanceled
			x.LastError = nil
			x.UpdatedAt = now
			return nil
		})
		switch {
		case err == nil:
			// The canceled gate stays until the lane has let the
			// delivery go (runLane removes it).
			stopped++
		case errors.Is(err, errNotOwned):
			// Its lane recorded it first (given back, held): nothing to
			// stop here; CancelPost handles it if it is queued now.
			if !loaded {
				p.claims.CompareAndDelete(d.ID, gate)
			}
		default:
			// The gate stays canceled: the delivery is not sent; Sweep or
			// the next start gives it back, and a person can cancel then.
			return stopped, fmt.Errorf("cancel %s: %w", d.ID, err)
		}
	}
	return stopped, nil
}

// orphanAge is how long a claimed delivery may go untracked by this
// publisher before the sweep gives it back; it covers the moment between
// a claim's commit and its dispatch.
const orphanAge = 2 * time.Minute

// Sweep gives back claimed deliveries this publisher does not hold (left
// behind by a record that could not be written, for instance), as a
// restart would: one that may have been sent goes in doubt and is
// reconciled; none is left claimed with no owner until the next start.
func (p *Publisher) Sweep(ctx context.Context) (int, error) {
	ds, err := p.cfg.Store.ClaimedDeliveries(ctx)
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	now := p.clock.Now()
	n := 0
	for _, d := range ds {
		v, tracked := p.claims.Load(d.ID)
		if tracked && v.(*claim).state.Load() != claimLost || now.Sub(d.UpdatedAt) < orphanAge {
			continue
		}
		updated := d.UpdatedAt
		nd, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
			if !x.Claimed || !x.UpdatedAt.Equal(updated) {
				return errNotOwned // changed meanwhile: someone holds it
			}
			x.Unclaim(now, "the publisher lost track of this attempt; its outcome will be reconciled")
			return nil
		})
		if errors.Is(err, errNotOwned) {
			continue
		} else if err != nil {
			return n, fmt.Errorf("sweep %s: %w", d.ID, err)
		}
		if tracked {
			p.claims.CompareAndDelete(d.ID, v)
		}
		n++
		p.log.Warn("gave back a claimed delivery nobody held", "delivery", d.ID, "state", nd.State)
		p.notifyDue(nd.NextAttemptAt)
	}
	return n, nil
}

package publisher

import (
	"context"
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

// Resume lifts a pause (or a needs-reauth or blocked status) and reviews
// what waited: held deliveries of the account go back to the queue, but
// any overdue by more than the resume grace is held for a person instead
// of bursting out.
func (p *Publisher) Resume(ctx context.Context, account string) (*pregonero.ResumeReport, error) {
	now := p.clock.Now()
	cutoff := now.Add(-p.cfg.ResumeGrace)
	rep := &pregonero.ResumeReport{HeldOverdue: []string{}}
	if account == "" {
		if err := p.cfg.Store.SetPause(ctx, pregonero.PauseState{}); err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
	} else {
		a, err := p.cfg.Store.UpdateAccount(ctx, account, func(a *pregonero.Account) error {
			a.Status, a.StatusReason, a.StatusSince = pregonero.AccountActive, "", now
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("resume %s: %w", account, err)
		}
		p.setAccount(a)
	}
	// Queued deliveries that fell due during the pause and are now overdue
	// beyond the grace wait for a person.
	for {
		ds, err := p.cfg.Store.DueBefore(ctx, cutoff, account, 1000)
		if err != nil {
			return nil, fmt.Errorf("resume: overdue: %w", err)
		}
		for _, d := range ds {
			if _, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, holdOverdue(now)); err != nil {
				return nil, fmt.Errorf("resume: hold %s: %w", d.ID, err)
			}
			rep.HeldOverdue = append(rep.HeldOverdue, d.ID)
		}
		if len(ds) < 1000 {
			break
		}
	}
	// Deliveries held by an account status come back, unless overdue.
	if account != "" {
		held, err := p.cfg.Store.HeldDeliveries(ctx, account)
		if err != nil {
			return nil, fmt.Errorf("resume: held: %w", err)
		}
		for _, d := range held {
			switch d.HoldReason {
			case pregonero.HoldAccountPaused, pregonero.HoldNeedsReauth, pregonero.HoldBlocked:
			default:
				continue
			}
			if d.NextAttemptAt.Before(cutoff) {
				if _, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, holdOverdue(now)); err != nil {
					return nil, fmt.Errorf("resume: hold %s: %w", d.ID, err)
				}
				rep.HeldOverdue = append(rep.HeldOverdue, d.ID)
				continue
			}
			if _, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, release(later(d.NextAttemptAt, now))); err != nil {
				return nil, fmt.Errorf("resume: release %s: %w", d.ID, err)
			}
			rep.Released++
		}
	}
	if account == "" {
		p.paused.Store(false)
		p.log.Info("publishing resumed", "held_overdue", len(rep.HeldOverdue))
	} else {
		p.log.Info("account resumed", "account", account, "released", rep.Released, "held_overdue", len(rep.HeldOverdue))
	}
	p.notifyDue(now)
	return rep, nil
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
		x.State, x.HoldReason, x.NextAttemptAt = pregonero.DeliveryQueued, "", at
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
	// The scheduler may claim a delivery between the read and the store's
	// cancel; a second pass then finds it claimed and stops it at the gate.
	var out *pregonero.Post
	var err error
	for range 3 {
		out, err = p.cancel(ctx, postID)
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			break
		}
	}
	return out, err
}

func (p *Publisher) cancel(ctx context.Context, postID string) (*pregonero.Post, error) {
	post, err := p.cfg.Store.Post(ctx, postID)
	if err != nil {
		return nil, err
	}
	stopped := 0
	for _, d := range post.Deliveries {
		if !d.Claimed || d.State != pregonero.DeliverySending {
			continue
		}
		// Not yet dispatched (claimed a moment ago): the gate is created
		// canceled, and the lane will skip it.
		gate := &claim{}
		gate.state.Store(claimCanceled)
		if v, loaded := p.claims.LoadOrStore(d.ID, gate); loaded && !v.(*claim).state.CompareAndSwap(claimWaiting, claimCanceled) {
			continue
		}
		now := p.clock.Now()
		_, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
			if !x.Claimed || x.State != pregonero.DeliverySending {
				return errNotOwned
			}
			unsend(x)
			x.Claimed = false
			x.State = pregonero.DeliveryCanceled
			x.LastError = nil
			x.UpdatedAt = now
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("cancel %s: %w", d.ID, err)
		}
		stopped++
	}
	out, err := p.cfg.Store.CancelPost(ctx, postID)
	if pregonero.ErrorCode(err) == pregonero.ECONFLICT && stopped > 0 {
		return p.cfg.Store.Post(ctx, postID)
	}
	return out, err
}

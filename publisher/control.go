package publisher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"pregonero"
)

// SetPaused sets the publisher's copy of the global pause switch, which
// lanes check before every send (see posting.Service.Pause).
func (p *Publisher) SetPaused(paused bool) { p.paused.Store(paused) }

// AccountChanged gives the publisher an account's new status (paused,
// resumed), which lanes check before every send.
func (p *Publisher) AccountChanged(a *pregonero.Account) { p.setAccount(a) }

// needsReauth flags the account; its deliveries are held, not failed one
// by one, until a person re-authorizes it (resume, or new credentials).
func (p *Publisher) needsReauth(a *pregonero.Account, pe *pregonero.PublishError) {
	if p.setStatus(a.ID, pregonero.AccountNeedsReauth, pe.Message) {
		attrs := []any{pregonero.LogAccount, a.ID, pregonero.LogNetwork, string(a.Network), pregonero.LogCode, pe.Code, pregonero.LogMessage, pe.Message}
		if pe.NetworkMessage != "" {
			attrs = append(attrs, pregonero.LogNetworkMsg, pe.NetworkMessage)
		}
		if c := pe.Cause(); c != "" {
			attrs = append(attrs, pregonero.LogCause, c)
		}
		p.log.Warn("account needs re-authorization; its deliveries wait for a person", attrs...)
	}
}

// blockAccount pauses an account the network stopped (usage cap, policy
// block) and alerts.
func (p *Publisher) blockAccount(a *pregonero.Account, pe *pregonero.PublishError) {
	p.log.Error("ALERT: the network stopped the account; it is paused",
		pregonero.LogAccount, a.ID, pregonero.LogCode, pe.Code, pregonero.LogMessage, pe.Message)
	p.setStatus(a.ID, pregonero.AccountPaused, "Stopped by the network: "+pe.Message)
}

// setStatus stores an account's new status and reports whether the
// account was in another status before.
func (p *Publisher) setStatus(id string, st pregonero.AccountStatus, reason string) (changed bool) {
	now := p.clock.Now()
	a, err := p.cfg.Store.UpdateAccount(context.Background(), id, func(a *pregonero.Account) error {
		changed = a.Status != st
		a.Status, a.StatusReason, a.StatusSince = st, reason, now
		return nil
	})
	if err != nil {
		p.log.Error("update account status", pregonero.LogAccount, id, pregonero.LogErr, err)
		return false
	}
	p.setAccount(a)
	return changed
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
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

// Withdraw deletes from the network a delivery it holds for an instant
// still to come (see pregonero.Withdrawer), with the account's
// credentials.
func (p *Publisher) Withdraw(ctx context.Context, d *pregonero.Delivery) error {
	w, ok := p.cfg.Adapters[d.Network].(pregonero.Withdrawer)
	if !ok {
		return pregonero.Errorf(pregonero.EINVALID, "%s cannot take back a post", d.Network)
	}
	a, err := p.loadAccount(ctx, d.AccountID)
	if err != nil {
		return fmt.Errorf("withdraw %s: %w", d.ID, err)
	}
	return w.Withdraw(ctx, d, a)
}

// Unsent reports whether a claimed delivery has not started its send:
// its gate is waiting, or it has none because the claim is a moment old
// and not dispatched yet. A claimed delivery with no gate that is older
// than that was lost track of, and may be live: Sweep reconciles it.
func (p *Publisher) Unsent(d *pregonero.Delivery) bool {
	if !d.Claimed || d.State != pregonero.DeliveryQueued {
		return false
	}
	if v, ok := p.claims.Load(d.ID); ok {
		return v.(*claim).state.Load() == claimWaiting
	}
	return p.clock.Now().Sub(d.UpdatedAt) < orphanAge
}

// StopUnsent cancels the post's claimed deliveries whose send has not
// started, and returns how many it stopped.
func (p *Publisher) StopUnsent(ctx context.Context, post *pregonero.Post) (int, error) {
	stopped := 0
	for _, d := range post.Deliveries {
		if !p.Unsent(d) {
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
			if !x.Claimed || x.State != pregonero.DeliveryQueued || !x.UpdatedAt.Equal(version) {
				return errNotOwned
			}
			x.UpdatedAt = now
			return x.Cancel()
		})
		switch {
		case err == nil:
			// The canceled gate stays until the lane has let the
			// delivery go (runLane removes it).
			stopped++
		case errors.Is(err, errNotOwned):
			// Its lane recorded it first (given back, held): nothing to
			// stop here; the store's cancel handles it if it is queued now.
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
		p.log.Warn("gave back a claimed delivery nobody held", pregonero.LogDelivery, d.ID, pregonero.LogState, nd.State)
	}
	return n, nil
}

// CheckCredentials asks the network whether it accepts an account's
// credentials, with the adapter's one cheap call (see pregonero.Checker),
// without publishing anything.
func (p *Publisher) CheckCredentials(ctx context.Context, accountID string) error {
	a, err := p.loadAccount(ctx, accountID)
	if err != nil {
		return err
	}
	ch, ok := p.cfg.Adapters[a.Network].(pregonero.Checker)
	if !ok {
		return pregonero.Errorf(pregonero.EINVALID, "%s accounts cannot be checked without publishing", a.Network.Title())
	}
	defer pregonero.RecoverPanic(p.log.With(pregonero.LogAccount, a.ID), "credential check panicked", &err)
	return ch.CheckCredentials(ctx, a)
}

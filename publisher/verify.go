package publisher

import (
	"context"
	"fmt"
	"time"

	"pregonero"
)

// Checkpoint keys of a published delivery's verification.
const (
	// CheckpointVerified is set once the network has decided on a post it
	// accepted: "ok", or "refused" when it refused it afterwards.
	CheckpointVerified = "verified"
)

// VerifyWindow bounds which posts Verify looks at: scheduled from this long
// ago to this long ahead (a video uploaded ahead of its time is checked
// before the hour too).
const VerifyWindow = 48 * time.Hour

// Verify asks the networks that decide after accepting (pregonero.Verifier)
// about the posts they accepted recently, and records the outcome on each
// delivery: a post refused after publication is failed with the network's
// reason, so that no refused video stays "published". It returns how many
// deliveries it settled. Run it every few minutes.
func (p *Publisher) Verify(ctx context.Context) (int, error) {
	if !p.anyVerifier() {
		return 0, nil // nothing to ask: no scan of the posts
	}
	now := p.clock.Now()
	f := pregonero.PostFilter{From: now.Add(-VerifyWindow), To: now.Add(VerifyWindow), Limit: 500}
	n := 0
	for {
		page, err := p.cfg.Store.Posts(ctx, f)
		if err != nil {
			return n, fmt.Errorf("verify: %w", err)
		}
		for _, post := range page.Posts {
			for _, d := range post.Deliveries {
				settled, err := p.verifyOne(ctx, d)
				if err != nil {
					p.log.Warn("verify published post", pregonero.LogDelivery, d.ID, pregonero.LogErr, err)
					continue
				}
				if settled {
					n++
				}
			}
		}
		if page.Next == "" {
			return n, nil
		}
		f.Cursor = page.Next
	}
}

// anyVerifier reports whether an account is on a network that decides
// after accepting.
func (p *Publisher) anyVerifier() bool {
	m := p.accounts.Load()
	if m == nil {
		return false
	}
	for _, a := range *m {
		if _, ok := p.cfg.Adapters[a.Network].(pregonero.Verifier); ok {
			return true
		}
	}
	return false
}

// verifyOne settles one published delivery whose network may still refuse
// it, and reports whether it did.
func (p *Publisher) verifyOne(ctx context.Context, d *pregonero.Delivery) (bool, error) {
	if d.State != pregonero.DeliveryPublished || d.Checkpoint[CheckpointVerified] != "" || d.RemoteID == "" {
		return false, nil
	}
	v, ok := p.cfg.Adapters[d.Network].(pregonero.Verifier)
	if !ok {
		return false, nil
	}
	a, err := p.loadAccount(ctx, d.AccountID)
	if err != nil {
		return false, err
	}
	done, refused, err := p.safeVerify(ctx, v, d, a)
	if err != nil || !done {
		return false, err
	}
	now := p.clock.Now()
	nd, err := p.cfg.Store.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
		if x.State != pregonero.DeliveryPublished || x.Checkpoint[CheckpointVerified] != "" {
			return nil
		}
		if x.Checkpoint == nil {
			x.Checkpoint = map[string]string{}
		}
		if refused == nil {
			x.Checkpoint[CheckpointVerified] = "ok"
			return nil
		}
		x.Checkpoint[CheckpointVerified] = "refused"
		return x.Fail(&pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: refused.Code,
			Message: refused.Message, NetworkMessage: refused.NetworkMessage, Cause: refused.Cause(), At: now})
	})
	if err != nil {
		return false, err
	}
	if refused != nil && nd.State == pregonero.DeliveryFailed {
		p.m.outcomes.WithLabelValues(string(d.Network), "failed").Inc()
		pregonero.LogStopped(p.log.With(pregonero.LogRemoteID, d.RemoteID), nd)
	}
	return true, nil
}

// safeVerify contains a Verifier's panic: the pass runs from cron, and one
// bad answer must fail only its delivery, left unverified for the next
// pass, not the pass or the process.
func (p *Publisher) safeVerify(ctx context.Context, v pregonero.Verifier, d *pregonero.Delivery, a *pregonero.Account) (done bool, refused *pregonero.PublishError, err error) {
	defer pregonero.RecoverPanic(p.log.With(pregonero.LogDelivery, d.ID), "verifier panicked", &err)
	return v.Verify(ctx, d, a)
}

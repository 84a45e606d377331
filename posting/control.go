package posting

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
)

// MaxReasonLength caps a pause reason, in characters.
const MaxReasonLength = 500

// Cancel cancels every delivery of the post that has not gone out: queued
// and held ones, claimed ones still waiting for their instant, and ones a
// network holds for an instant still to come (deleted there first). A
// delivery already sending or in doubt is left as it is. A draft is
// canceled itself. It fails with ECONFLICT when nothing could be
// canceled, saying so when the post is already canceled: a retry of a
// cancel whose answer was lost changes nothing. A user acting in ctx must
// be allowed to post to every target (see access.go).
func (s *Service) Cancel(ctx context.Context, postID string) (*pregonero.Post, error) {
	// A half-done cancel must not be left behind by a client that hangs up.
	ctx = context.WithoutCancel(ctx)
	post, err := s.store.Post(ctx, postID)
	if err != nil {
		return nil, err
	}
	if err := s.mayPost(ctx, post.Targets...); err != nil {
		return nil, err
	}
	if post.DerivedStatus() == pregonero.PostCanceled {
		return nil, alreadyCanceled(postID)
	}
	changed := false
	// The scheduler may claim a delivery between the read and the store's
	// cancel; the next pass finds it claimed and stops it at its gate.
	for pass := 1; ; pass++ {
		n, err := s.sender.StopUnsent(ctx, post)
		if err != nil {
			return nil, err
		}
		changed = changed || n > 0
		switch p, err := s.store.CancelPost(ctx, postID); {
		case err == nil:
			changed, post = true, p
		case pregonero.ErrorCode(err) != pregonero.ECONFLICT:
			return nil, err
		default:
			// Nothing the store could cancel: what the publisher stopped,
			// or a claim made meanwhile, shows in a fresh read.
			if post, err = s.store.Post(ctx, postID); err != nil {
				return nil, err
			}
		}
		if n, err := s.withdraw(ctx, post); err != nil {
			return nil, err
		} else if n > 0 {
			changed = true
			if post, err = s.store.Post(ctx, postID); err != nil {
				return nil, err
			}
		}
		if !s.anyUnsent(post) {
			if !changed && post.DerivedStatus() == pregonero.PostCanceled {
				return nil, alreadyCanceled(postID) // by another request meanwhile
			}
			if !changed {
				return nil, pregonero.Errorf(pregonero.ECONFLICT,
					"post %s has nothing left to cancel: every delivery is already sending, in doubt or finished", postID)
			}
			break
		}
		if pass == 3 {
			break
		}
	}
	s.cleanupCanceled(post)
	return post, nil
}

func alreadyCanceled(postID string) error {
	return pregonero.Errorf(pregonero.ECONFLICT, "post %s is already canceled; nothing changed", postID)
}

func (s *Service) anyUnsent(post *pregonero.Post) bool {
	for _, d := range post.Deliveries {
		if s.sender.Unsent(d) {
			return true
		}
	}
	return false
}

// cleanupCanceled removes what earlier attempts of the post's canceled
// deliveries left on the networks.
func (s *Service) cleanupCanceled(post *pregonero.Post) {
	for _, d := range post.Deliveries {
		if d.State == pregonero.DeliveryCanceled {
			s.sender.Cleanup(d)
		}
	}
}

// withdraw takes back the post's deliveries that a network holds for an
// instant still to come (uploaded ahead of time) and marks them canceled.
// A failure is returned: the post would go public at its time.
func (s *Service) withdraw(ctx context.Context, post *pregonero.Post) (int, error) {
	n := 0
	now := s.now()
	for _, d := range post.Deliveries {
		if d.State != pregonero.DeliveryPublished || !d.PublishedAt.After(now) || d.RemoteID == "" {
			continue
		}
		if _, ok := s.adapters[d.Network].(pregonero.Withdrawer); !ok {
			continue
		}
		if err := s.sender.Withdraw(ctx, d); err != nil {
			pe := pregonero.AsPublishError(err)
			return n, pregonero.Errorf(pregonero.EUNAVAILABLE,
				"post %s is scheduled on %s for %s and could not be taken back (%s); it will go public then unless withdrawn: try again",
				post.ID, d.Network, d.PublishedAt.UTC().Format(time.RFC3339), pe.Message)
		}
		if _, err := s.store.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
			if x.State != pregonero.DeliveryPublished {
				return nil
			}
			return x.Withdraw(now)
		}); err != nil {
			return n, fmt.Errorf("withdraw %s: %w", d.ID, err)
		}
		s.logger.Info("withdrawn before its time", pregonero.LogDelivery, d.ID, pregonero.LogRemoteID, d.RemoteID)
		n++
	}
	return n, nil
}

// Release sends a held delivery now: a person decided. One with an
// attempt of unknown outcome is reconciled first; one held because the
// network could not tell whether it was published is taken as absent (the
// person looked). It goes out only if its account may publish by then;
// otherwise it is held again. A user acting in ctx must be allowed to
// post to the delivery's account.
func (s *Service) Release(ctx context.Context, deliveryID string) (*pregonero.Delivery, error) {
	if err := s.mayPostDelivery(ctx, deliveryID); err != nil {
		return nil, err
	}
	now := s.now()
	return s.store.UpdateDelivery(ctx, deliveryID, func(x *pregonero.Delivery) error { return x.Release(now) })
}

// RetryNow makes a delivery due now because a person asked: a failed one
// is tried again (reconciled first when an attempt's outcome is unknown),
// with its attempts and staleness counted afresh; a queued one waiting for
// a backoff stops waiting. Anything else is a conflict: a held delivery is
// released, not retried. A user acting in ctx must be allowed to post to
// the delivery's account.
func (s *Service) RetryNow(ctx context.Context, deliveryID string) (*pregonero.Delivery, error) {
	if err := s.mayPostDelivery(ctx, deliveryID); err != nil {
		return nil, err
	}
	now := s.now()
	return s.store.UpdateDelivery(ctx, deliveryID, func(x *pregonero.Delivery) error { return x.RetryNow(now) })
}

// Pause stops new sends, globally (account "") or for one account, within
// a second: the publisher's lanes check before every send. Sends already
// on the wire finish. The reason is required, so that others know when it
// is safe to resume. A user acting in ctx must be an admin to pause all
// publishing, and allowed to post to the account to pause one.
func (s *Service) Pause(ctx context.Context, account, reason string) error {
	if err := s.mayControl(ctx, account); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	var errs []pregonero.FieldError
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		errs = append(errs, pregonero.FieldError{Field: "reason", Code: pregonero.FieldRequired,
			Message: "Say why publishing is paused, so others know when it is safe to resume."})
	case n > MaxReasonLength:
		errs = append(errs, pregonero.FieldError{Field: "reason", Code: pregonero.FieldTooLong, Limit: MaxReasonLength, Actual: n,
			Message: fmt.Sprintf("The reason has %d characters; the limit is %d.", n, MaxReasonLength)})
	}
	f, err := s.checkAccount(ctx, account)
	if err != nil {
		return err
	}
	if f != nil {
		errs = append(errs, *f)
	}
	if len(errs) > 0 {
		return pregonero.Invalid(errs)
	}
	if err := s.refuseDisconnected(ctx, account, "paused"); err != nil {
		return err
	}
	now := s.now()
	if account == "" {
		ps := pregonero.PauseState{Paused: true, Reason: reason, Since: now}
		if u := pregonero.UserFromContext(ctx); u != nil {
			ps.By = u.Username
		}
		if err := s.store.SetPause(ctx, ps); err != nil {
			return fmt.Errorf("pause: %w", err)
		}
		s.sender.SetPaused(true)
		s.logger.Warn("publishing paused", pregonero.LogReason, reason)
		return nil
	}
	a, err := s.store.UpdateAccount(ctx, account, func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountPaused, reason, now
		return nil
	})
	if err != nil {
		return fmt.Errorf("pause %s: %w", account, err)
	}
	s.sender.AccountChanged(a)
	s.logger.Warn("account paused", pregonero.LogAccount, account, pregonero.LogReason, reason)
	return nil
}

// checkAccount reports an account field naming no account; empty names
// none and is fine.
func (s *Service) checkAccount(ctx context.Context, id string) (*pregonero.FieldError, error) {
	if id == "" {
		return nil, nil
	}
	_, err := s.store.Account(ctx, id)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return &pregonero.FieldError{Field: "account", Code: pregonero.FieldUnknown, Actual: id,
			Message: fmt.Sprintf("There is no account %s.", id)}, nil
	}
	return nil, err
}

// overdue reports whether a delivery should have gone out before cutoff:
// one started ahead of its time on purpose (a large upload) is overdue
// only once its scheduled instant has passed.
func overdue(d *pregonero.Delivery, cutoff time.Time) bool {
	return d.NextAttemptAt.Before(cutoff) && d.ScheduledAt.Before(cutoff)
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

// overdueError is what a delivery held on resume says.
func overdueError(now time.Time) *pregonero.DeliveryError {
	return &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "held_overdue",
		Message: "Overdue after a pause: release it to publish now, or cancel it.", At: now}
}

// holdOverdue holds for a person a delivery found overdue on resume.
func holdOverdue(now time.Time) func(*pregonero.Delivery) error {
	return func(x *pregonero.Delivery) error {
		if x.Claimed || (x.State != pregonero.DeliveryQueued && x.State != pregonero.DeliveryHeld) {
			return nil
		}
		return x.Hold(pregonero.HoldOverdue, overdueError(now))
	}
}

// Resume lifts a pause (global with account "", or an account's pause,
// needs-reauth or blocked status) and reviews what waited: the account's
// held deliveries go back to the queue, but any overdue by more than the
// resume grace is held for a person instead of bursting out. The overdue
// are held before the pause is lifted, so that a crash in between leaves
// everything paused, never a burst. A user acting in ctx must be an admin
// to resume all publishing, and allowed to post to the account to resume
// one.
//
// A disconnected account is not resumed (ECONFLICT): it has no
// credentials until it is connected again, which resumes it.
func (s *Service) Resume(ctx context.Context, account string) (*pregonero.ResumeReport, error) {
	if err := s.mayControl(ctx, account); err != nil {
		return nil, err
	}
	f, err := s.checkAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	if f != nil {
		return nil, pregonero.Invalid([]pregonero.FieldError{*f})
	}
	if err := s.refuseDisconnected(ctx, account, "resumed"); err != nil {
		return nil, err
	}
	return s.resume(ctx, account)
}

// refuseDisconnected refuses to change the status of a disconnected
// account other than by connecting it again.
func (s *Service) refuseDisconnected(ctx context.Context, account, what string) error {
	if account == "" {
		return nil
	}
	a, err := s.store.Account(ctx, account)
	if err != nil {
		return err
	}
	if a.Status == pregonero.AccountDisconnected {
		return pregonero.Errorf(pregonero.ECONFLICT, "Account %s is disconnected and cannot be %s: connect it again (reconectar) to publish with it.", account, what)
	}
	return nil
}

// resume is Resume once allowed: it lifts the pause or the account's
// status and reviews what waited.
func (s *Service) resume(ctx context.Context, account string) (*pregonero.ResumeReport, error) {
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	cutoff := now.Add(-s.resumeGrace)
	rep := &pregonero.ResumeReport{HeldOverdue: []string{}}
	for {
		ds, err := s.store.DueBefore(ctx, cutoff, account, 1000)
		if err != nil {
			return nil, fmt.Errorf("resume: overdue: %w", err)
		}
		held := 0
		for _, d := range ds {
			if !overdue(d, cutoff) {
				continue
			}
			nd, err := s.store.UpdateDelivery(ctx, d.ID, holdOverdue(now))
			if err != nil {
				return nil, fmt.Errorf("resume: hold %s: %w", d.ID, err)
			}
			pregonero.LogStopped(s.logger, nd)
			rep.HeldOverdue = append(rep.HeldOverdue, d.ID)
			held++
		}
		// A batch of deliveries started ahead of a time still to come
		// holds nothing and would come back as it is.
		if len(ds) < 1000 || held == 0 {
			break
		}
	}
	if account == "" {
		// The publisher's switch goes first: the commit that lifts the
		// pause wakes the scheduler, which must then find it lifted.
		s.sender.SetPaused(false)
		if err := s.store.SetPause(ctx, pregonero.PauseState{}); err != nil {
			s.sender.SetPaused(true)
			return nil, fmt.Errorf("resume: %w", err)
		}
		s.logger.Info("publishing resumed", pregonero.LogHeldOverdue, len(rep.HeldOverdue))
		return rep, nil
	}
	// Deliveries held by the account's status come back, unless overdue:
	// those are marked for a person before the account is active again.
	held, err := s.store.HeldDeliveries(ctx, account)
	if err != nil {
		return nil, fmt.Errorf("resume: held: %w", err)
	}
	for _, d := range held {
		if heldByAccount(d) && overdue(d, cutoff) {
			nd, err := s.store.UpdateDelivery(ctx, d.ID, holdOverdue(now))
			if err != nil {
				return nil, fmt.Errorf("resume: hold %s: %w", d.ID, err)
			}
			pregonero.LogStopped(s.logger, nd)
			rep.HeldOverdue = append(rep.HeldOverdue, d.ID)
		}
	}
	// The publisher learns first that the account is active: from then
	// on a lane that read the old status gives its delivery back instead
	// of holding it, and any hold written before is committed by the time
	// the store's account update returns, so the passes below find it.
	old, err := s.store.Account(ctx, account)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", account, err)
	}
	active := *old
	active.Status, active.StatusReason, active.StatusSince = pregonero.AccountActive, "", now
	s.sender.AccountChanged(&active)
	a, err := s.store.UpdateAccount(ctx, account, func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountActive, "", now
		return nil
	})
	if err != nil {
		s.sender.AccountChanged(old)
		return nil, fmt.Errorf("resume %s: %w", account, err)
	}
	s.sender.AccountChanged(a)
	// Release what the account's status held, in passes until one finds
	// none.
	for range 3 {
		held, err := s.store.HeldDeliveries(ctx, account)
		if err != nil {
			return nil, fmt.Errorf("resume: held: %w", err)
		}
		n := 0
		for _, d := range held {
			if !heldByAccount(d) {
				continue
			}
			at := later(d.NextAttemptAt, now)
			if _, err := s.store.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error { return x.Release(at) }); err != nil {
				return nil, fmt.Errorf("resume: release %s: %w", d.ID, err)
			}
			n++
		}
		rep.Released += n
		if n == 0 {
			break
		}
	}
	s.logger.Info("account resumed", pregonero.LogAccount, account, pregonero.LogReleased, rep.Released, pregonero.LogHeldOverdue, len(rep.HeldOverdue))
	return rep, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// CredentialsHashPrefix names the settings that remember the fingerprint
// of each account's configured credentials.
const CredentialsHashPrefix = "credentials_hash:"

// ConfigureAccount stores an account as the configuration describes it,
// keeping the status it has in the store. An account flagged as needing
// re-authorization whose configured credentials changed is taken as
// re-authorized: it is active again, and reauthorized is true so that the
// caller releases its held deliveries with Reauthorized once the publisher
// runs.
//
// Whether the credentials changed is told by their fingerprint, an
// HMAC-SHA256 under the service's key (see Config.FingerprintKey; serve derives it from the store's secret key), which is
// what the store keeps: a copy of the data file does not let anyone test
// guesses of the credentials against it. a.CredentialsHash is replaced by
// it; what it held before (a plain SHA-256, as versions before this one
// stored) is recognised once and then replaced.
//
// An account connected through its network's consent flow is never
// overwritten: the store holds it and its credentials, and the file's
// entry of the same id is left aside, which is logged. A disconnected account of the configuration
// whose configured credentials changed is active again, as one needing
// re-authorization is.
func (s *Service) ConfigureAccount(ctx context.Context, a *pregonero.Account) (reauthorized bool, err error) {
	key := CredentialsHashPrefix + a.ID
	legacy := a.CredentialsHash
	a.CredentialsHash = s.fingerprint(a.Credentials)
	a.Source = pregonero.AccountFromConfig
	prevHash, herr := s.store.Setting(ctx, key)
	old, err := s.store.Account(ctx, a.ID)
	now := s.now()
	switch {
	case err == nil && old.Source == pregonero.AccountConnected:
		s.logger.Info("account of the configuration left aside: an account of that id was connected through its network, and the file never overwrites it",
			pregonero.LogAccount, a.ID, pregonero.LogNetwork, string(old.Network))
		return false, nil
	case err == nil:
		a.Status, a.StatusReason, a.StatusSince = old.Status, old.StatusReason, old.StatusSince
		if a.RemoteID == "" {
			a.RemoteID = old.RemoteID
		}
		changed := herr == nil && string(prevHash) != a.CredentialsHash && (legacy == "" || string(prevHash) != legacy)
		if (a.Status == pregonero.AccountNeedsReauth || a.Status == pregonero.AccountDisconnected) && changed {
			a.Status, a.StatusReason, a.StatusSince = pregonero.AccountActive, "", now
			s.logger.Info("new credentials for an account that needed re-authorization; it is active again", pregonero.LogAccount, a.ID)
			reauthorized = true
		}
	case pregonero.ErrorCode(err) == pregonero.ENOTFOUND:
		a.StatusSince = now
	default:
		return false, fmt.Errorf("accounts: %w", err)
	}
	if err := s.store.PutAccount(ctx, a); err != nil {
		return false, fmt.Errorf("accounts: %w", err)
	}
	if err := s.store.PutSetting(ctx, key, []byte(a.CredentialsHash)); err != nil {
		return false, fmt.Errorf("accounts: %w", err)
	}
	return reauthorized, nil
}

// fingerprint is the HMAC-SHA256 of credentials (keys sorted, one
// key=value line each) under the fingerprint key, in hex.
func (s *Service) fingerprint(creds map[string]string) string {
	m := hmac.New(sha256.New, s.fpKey)
	for _, k := range slices.Sorted(maps.Keys(creds)) {
		fmt.Fprintf(m, "%s=%s\n", k, creds[k])
	}
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

// Reauthorized brings back the deliveries an account's refused
// credentials held, once it has new ones: as a resume of the account,
// those overdue beyond the grace wait for a person.
func (s *Service) Reauthorized(ctx context.Context, account string) (*pregonero.ResumeReport, error) {
	return s.Resume(ctx, account)
}

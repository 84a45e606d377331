package publisher

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"pregonero"
)

// errNotOwned aborts a record when the delivery is no longer the claimed
// one this publisher handed out; it never happens while one process owns
// the store.
var errNotOwned = errors.New("delivery is not claimed by this publisher")

// process runs one claimed delivery through the state machine.
func (p *Publisher) process(l *lane, it *item) {
	d := it.d
	now := p.clock.Now()

	if p.stopping() {
		p.giveBack(d, time.Time{})
		return
	}
	if p.paused.Load() {
		p.giveBack(d, time.Time{})
		return
	}
	a := p.account(d.AccountID)
	if a == nil {
		p.hold(d, HoldAccountMissing, "The account is not configured any more; cancel the post or configure the account again.")
		return
	}
	if p.holdForAccount(d, a) {
		return
	}
	ad := p.cfg.Adapters[d.Network]
	if ad == nil {
		p.hold(d, HoldNoAdapter, fmt.Sprintf("No adapter serves the network %q.", d.Network))
		return
	}
	// A delivery in doubt is reconciled first, however late: only once the
	// network says the post is absent can it be called "not sent".
	if d.State != pregonero.DeliveryInDoubt && p.stale(d, now) {
		p.fail(d, p.staleError(now))
		return
	}
	if nb := l.notBefore; now.Before(nb) {
		p.giveBack(d, nb)
		return
	}

	// Sends in flight at shutdown get a grace period (see Close); the
	// content is loaded before the instant so the send itself starts on time.
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()

	<-it.ready
	post, err := it.post, it.err
	if err != nil {
		p.log.Error("load post", pregonero.LogDelivery, d.ID, pregonero.LogErr, err)
		p.retryLater(d, &pregonero.DeliveryError{Class: pregonero.ClassRetryable, Code: "store_error", Message: "Could not read the post: " + err.Error(), At: now})
		return
	}
	content, derr := p.content(ctx, post, d)
	ctx, cancelSend := context.WithTimeout(ctx, p.sendTimeout(content))
	defer cancelSend()
	if derr != nil && d.State != pregonero.DeliveryInDoubt {
		p.fail(d, derr)
		return
	}

	if d.State == pregonero.DeliveryInDoubt && derr != nil {
		// The post may be out, and without all of its content the network
		// cannot be asked reliably (a missing photo changes what to look
		// for): neither failed nor sent again, a person checks.
		p.hold(d, pregonero.HoldUnverifiable, "The last attempt may have been published, and it cannot be checked: "+derr.Message+
			" Look at the account: cancel the post if it is there, or fix the media and release it.")
		return
	}
	if d.State == pregonero.DeliveryInDoubt {
		// Give the network's read side time to show a post that was just
		// accepted before concluding it is absent.
		if at := lastStart(d).Add(p.cfg.ReconcileDelay); now.Before(at) {
			p.giveBack(d, at)
			return
		}
		if !p.reconcile(ctx, l, d, ad, a, content) {
			return
		}
		// Absent: it may be failed now without doubt, or sent again with a
		// new attempt written ahead when its send starts (below); until
		// then it stays in doubt, and a crash only asks the network again.
		if now := p.clock.Now(); p.stale(d, now) {
			p.fail(d, p.staleError(now))
			return
		}
	}

	// Never early: the claim may come ahead of the instant.
	if wait := d.NextAttemptAt.Sub(p.clock.Now()); wait > 0 {
		t := p.clock.NewTimer(wait)
		select {
		case <-t.C():
		case <-p.done:
			t.Stop()
			p.giveBack(d, time.Time{})
			return
		}
	}
	if p.paused.Load() || p.stopping() {
		p.giveBack(d, time.Time{})
		return
	}
	// The account may have been paused while the delivery waited.
	if st := p.account(d.AccountID); st != nil && p.holdForAccount(d, st) {
		return
	}
	if rr, ok := ad.(RateLimitReporter); ok {
		if rem, reset, known := rr.RateLimit(a.ID); known && rem <= 0 && reset.After(p.clock.Now()) {
			l.notBefore = reset
			p.waitForLimit(d, reset)
			return
		}
	}
	if lim := p.limiter(a); lim != nil {
		r := lim.ReserveN(p.clock.Now(), 1)
		if delay := r.DelayFrom(p.clock.Now()); delay > 0 {
			r.CancelAt(p.clock.Now())
			p.giveBack(d, p.clock.Now().Add(delay))
			return
		}
	}

	if !it.gate.state.CompareAndSwap(claimWaiting, claimStarted) && it.gate.state.Load() != claimStarted {
		return // canceled while it waited; Cancel recorded it
	}
	// The write-ahead record of the send, durable before a byte goes out:
	// a crash from here leaves the delivery in doubt; before here, a
	// queued one went back to the queue. The lanes' write-aheads are
	// written together (see writeAhead), before a worker is taken, so
	// that a burst costs a few commits, not one per send in turn.
	start, due := p.clock.Now(), d.NextAttemptAt
	nd, err := p.writeAhead(d, start)
	switch {
	case errors.Is(err, errNotOwned):
		// Another claim of this delivery owns its record now: nothing
		// here may write it.
		p.log.Warn("write-ahead refused: the delivery is no longer this claim's", pregonero.LogDelivery, d.ID)
		return
	case err != nil:
		p.log.Error("write-ahead attempt", pregonero.LogDelivery, d.ID, pregonero.LogErr, err)
		p.retryLater(d, &pregonero.DeliveryError{Class: pregonero.ClassRetryable, Code: "store_error",
			Message: "Could not record the attempt before sending: " + err.Error(), At: start})
		return
	}
	d = nd
	select {
	case p.sem <- struct{}{}:
	case <-p.done:
		p.giveBack(d, time.Time{}) // written ahead, never sent: back to the queue
		return
	}
	content.Checkpoint = p.checkpointer(d.ID)
	content.Progress = p.progress(ctx, d.ID)
	if _, ok := ad.(pregonero.Planner); ok && d.ScheduledAt.After(start) {
		// Started ahead of its time on purpose: the network makes it
		// public at the instant.
		content.PublishAt = d.ScheduledAt
	}
	p.m.lateness.Observe(start.Sub(due).Seconds())
	receipt, err := p.safePublish(ctx, ad, d, content, a)
	<-p.sem
	p.m.duration.WithLabelValues(string(d.Network)).Observe(p.clock.Now().Sub(start).Seconds())
	if err == nil {
		p.published(d, start, receipt, "")
		return
	}
	p.failed(ctx, l, d, a, start, pregonero.AsPublishError(err))
}

// holdForAccount holds the delivery when its account may not publish,
// and reports whether it did.
func (p *Publisher) holdForAccount(d *pregonero.Delivery, a *pregonero.Account) bool {
	var reason, msg, until string
	switch a.Status {
	case pregonero.AccountPaused:
		reason, msg, until = pregonero.HoldAccountPaused, "The account is paused", "it is resumed"
	case pregonero.AccountNeedsReauth:
		reason, msg, until = pregonero.HoldNeedsReauth, "The account needs to be authorized again", "it is authorized again"
	case pregonero.AccountDisconnected:
		// An admin deleted its credentials: nothing may go out until the
		// account is connected again, which releases what this holds.
		reason, msg, until = pregonero.HoldNeedsReauth, "The account was disconnected", "it is connected again"
	default:
		return false
	}
	if a.StatusReason != "" {
		msg += " (" + strings.TrimSuffix(a.StatusReason, ".") + ")"
	}
	msg += "; the delivery waits until " + until + "."
	now := p.clock.Now()
	p.recordSync(d, func(x *pregonero.Delivery) error {
		// The account may have been resumed since its status was read: a
		// resume announces the new status before it stores it and looks
		// for what its account held, so a hold written after that would
		// wait for nobody. The delivery goes back to the queue instead.
		if cur := p.account(x.AccountID); cur != nil && cur.Status == pregonero.AccountActive {
			return x.GiveBack(time.Time{}, nil)
		}
		return x.Hold(reason, &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "held_" + reason, Message: msg, At: now})
	})
	return true
}

// content builds what goes to the account, media resolved.
func (p *Publisher) content(ctx context.Context, post *pregonero.Post, d *pregonero.Delivery) (pregonero.Content, *pregonero.DeliveryError) {
	c := post.ContentFor(d.AccountID)
	c.Marker = d.ID
	for _, m := range post.Media {
		if p.cfg.Media == nil {
			return c, &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "media_missing", Message: "The post has media but no media library is configured.", At: p.clock.Now()}
		}
		b, err := p.cfg.Media.Blob(ctx, m.ID)
		if err != nil {
			return c, &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "media_missing", Message: fmt.Sprintf("Media %s cannot be read: %v. Never posted without it.", m.ID, err), At: p.clock.Now()}
		}
		if b.Media != nil {
			// The alt text is the post's. The record may be shared with
			// other sends: this one gets its own copy.
			rec := *b.Media
			rec.AltText = m.AltText
			b.Media = &rec
		}
		c.Media = append(c.Media, b)
	}
	if o, ok := post.Overrides[d.AccountID]; ok && o.Thumbnail != "" {
		if p.cfg.Media == nil {
			return c, &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "media_missing", Message: "The post has a thumbnail but no media library is configured.", At: p.clock.Now()}
		}
		b, err := p.cfg.Media.Blob(ctx, o.Thumbnail)
		if err != nil {
			return c, &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "media_missing", Message: fmt.Sprintf("Thumbnail %s cannot be read: %v.", o.Thumbnail, err), At: p.clock.Now()}
		}
		c.Thumbnail = &b
	}
	return c, nil
}

// MinUploadRate is the slowest upload the send timeout allows for: each
// byte of media adds to SendTimeout at this rate (a 1 GiB video at
// 256 KiB/s: 68 more minutes), so that a long upload on a slow link is not
// cut and restarted from its first byte over and over.
const MinUploadRate = 256 << 10

// sendTimeout bounds one send of c.
func (p *Publisher) sendTimeout(c pregonero.Content) time.Duration {
	var size int64
	for _, m := range c.Media {
		if m.Media != nil {
			size += m.Size
		}
	}
	if c.Thumbnail != nil && c.Thumbnail.Media != nil {
		size += c.Thumbnail.Size
	}
	return p.cfg.SendTimeout + time.Duration(size/MinUploadRate+1)*time.Second
}

// progressEvery spaces the writes of an upload's progress.
const progressEvery = 2 * time.Second

// progress returns the callback that records how much of a long upload
// was sent, at most every progressEvery and at the end, so that the API
// shows it while the upload runs.
func (p *Publisher) progress(ctx context.Context, id string) func(sent, total int64) {
	var last time.Time
	return func(sent, total int64) {
		now := p.clock.Now()
		if now.Sub(last) < progressEvery && (total <= 0 || sent < total) {
			return
		}
		last = now
		_, err := p.cfg.Store.UpdateDelivery(ctx, id, func(x *pregonero.Delivery) error {
			x.Progress = &pregonero.Progress{SentBytes: sent, TotalBytes: total, At: now.UTC()}
			return nil
		})
		if err != nil {
			p.log.Warn("record upload progress", pregonero.LogDelivery, id, pregonero.LogErr, err)
		}
	}
}

func (p *Publisher) checkpointer(id string) func(ctx context.Context, key, value string) error {
	return func(ctx context.Context, key, value string) error {
		_, err := p.cfg.Store.UpdateDelivery(ctx, id, func(x *pregonero.Delivery) error {
			if x.Checkpoint == nil {
				x.Checkpoint = map[string]string{}
			}
			x.Checkpoint[key] = value
			return nil
		})
		return err
	}
}

// reconcile asks the network whether an attempt of unknown outcome made
// it. It returns true when the post is absent and may be sent again.
func (p *Publisher) reconcile(ctx context.Context, l *lane, d *pregonero.Delivery, ad pregonero.Adapter, a *pregonero.Account, c pregonero.Content) bool {
	since := d.ScheduledAt
	if len(d.Attempts) > 0 {
		since = d.Attempts[0].StartedAt
	}
	since = since.Add(-2 * time.Minute)
	r, found, err := p.safeReconcile(ctx, ad, d, c, a, since)
	now := p.clock.Now()
	if err != nil {
		pe := pregonero.AsPublishError(err)
		p.m.errors.WithLabelValues(string(d.Network), string(pe.Class)).Inc()
		switch pe.Class {
		case pregonero.ClassNeedsReauth:
			p.needsReauth(a, pe)
			p.hold(d, pregonero.HoldNeedsReauth, pe.Message)
		case pregonero.ClassAccountBlocked:
			p.blockAccount(a, pe)
			p.hold(d, pregonero.HoldBlocked, pe.Message)
		default:
			if p.stale(d, now) {
				// Long past its time and still impossible to check: a
				// person looks instead of the checks going on forever.
				p.hold(d, pregonero.HoldUnverifiable, fmt.Sprintf(
					"For more than %s after its time it could not be checked whether the post reached %s: %s Look at the account: cancel the post if it is there, or release it to send it.",
					p.cfg.Staleness, d.Network.Title(), pe.Message))
				return false
			}
			next := now.Add(p.backoff(len(d.Attempts)))
			if pe.NotBefore.After(next) {
				next = pe.NotBefore
			}
			if pe.Class == pregonero.ClassRateLimited && pe.NotBefore.After(now) {
				l.notBefore = pe.NotBefore
			}
			p.record(d, func(x *pregonero.Delivery) error {
				return x.GiveBack(next, &pregonero.DeliveryError{Class: pe.Class, Code: pe.Code,
					Message:        "Could not check whether the post reached the network; it is not sent again until that is known. " + pe.Message,
					NetworkMessage: pe.NetworkMessage, Cause: pe.Cause(), At: now})
			})
		}
		return false
	}
	if found {
		p.m.reconciled.WithLabelValues("found").Inc()
		p.published(d, now, r, "found")
		return false
	}
	p.m.reconciled.WithLabelValues("absent").Inc()
	return true
}

// writeAhead writes the pending attempt of a claimed delivery whose send
// starts now: a queued one (Delivery.Start) or an in-doubt one that
// reconciliation just proved absent (Delivery.Resend). It goes through the
// recorder with the lanes' other write-aheads and results, one store
// operation for all, and returns once it is durable. errNotOwned means the
// record is no longer this claim's.
func (p *Publisher) writeAhead(d *pregonero.Delivery, now time.Time) (*pregonero.Delivery, error) {
	done := make(chan writeAheadResult, 1)
	r := pendingRecord{d: d, done: done, fn: func(x *pregonero.Delivery) error {
		if !x.Claimed {
			return errNotOwned
		}
		switch x.State {
		case pregonero.DeliveryQueued:
			return x.Start(now)
		case pregonero.DeliveryInDoubt:
			return x.Resend(now)
		}
		return errNotOwned
	}}
	p.enqueue(r)
	res := <-done
	return res.d, res.err
}

// writeAheadResult answers a write-ahead.
type writeAheadResult struct {
	d   *pregonero.Delivery
	err error
}

// published records success (or a reconciliation that found the post).
func (p *Publisher) published(d *pregonero.Delivery, start time.Time, r pregonero.Receipt, reconciled string) {
	now := p.clock.Now()
	p.m.outcomes.WithLabelValues(string(d.Network), "published").Inc()
	p.record(d, func(x *pregonero.Delivery) error { return x.Publish(r, start, now, reconciled) })
}

// failed acts on a classified adapter error.
func (p *Publisher) failed(ctx context.Context, l *lane, d *pregonero.Delivery, a *pregonero.Account, start time.Time, pe *pregonero.PublishError) {
	now := p.clock.Now()
	p.m.errors.WithLabelValues(string(d.Network), string(pe.Class)).Inc()
	derr := &pregonero.DeliveryError{Class: pe.Class, Code: pe.Code, Message: pe.Message, NetworkMessage: pe.NetworkMessage, Cause: pe.Cause(), At: now}
	finish := func(x *pregonero.Delivery, o pregonero.AttemptOutcome) {
		x.FinishAttempt(start, now, o, pe)
	}
	log := p.log.With(pregonero.LogDelivery, d.ID, pregonero.LogAccount, d.AccountID, pregonero.LogClass, pe.Class, pregonero.LogCode, pe.Code)
	switch pe.Class {
	case pregonero.ClassRateLimited:
		next := pe.NotBefore
		if !next.After(now) {
			next = now.Add(p.backoff(1))
		}
		l.notBefore = next
		log.Warn("rate limited", pregonero.LogUntil, next)
		p.record(d, func(x *pregonero.Delivery) error {
			finish(x, pregonero.OutcomeRateLimited)
			return x.Requeue(next, derr)
		})
	case pregonero.ClassRetryable:
		n := d.SendCount()
		if n >= p.cfg.MaxAttempts {
			derr.Message = fmt.Sprintf("Gave up after %d attempts. Last error: %s", n, pe.Message)
			p.m.outcomes.WithLabelValues(string(d.Network), "failed").Inc()
			p.record(d, func(x *pregonero.Delivery) error {
				finish(x, pregonero.OutcomeRetryable)
				return x.Fail(derr)
			})
			return
		}
		next := now.Add(p.backoff(n))
		if pe.NotBefore.After(next) {
			next = pe.NotBefore
		}
		log.Warn("retry later", pregonero.LogAt, next, pregonero.LogErr, pe.Error())
		p.record(d, func(x *pregonero.Delivery) error {
			finish(x, pregonero.OutcomeRetryable)
			return x.Requeue(next, derr)
		})
	case pregonero.ClassUnknown:
		log.Warn("outcome unknown; will reconcile", pregonero.LogErr, pe.Error())
		p.toInDoubt(d, finish, derr, now)
	case pregonero.ClassDuplicate:
		absent := 0
		for _, at := range d.Attempts {
			if at.Reconciled == "absent" {
				absent++
			}
		}
		if len(d.Attempts) > 1 && absent >= 2 {
			// The network insists the post exists, yet reconciliation did
			// not find it twice: a person must look rather than loop.
			p.m.outcomes.WithLabelValues(string(d.Network), "failed").Inc()
			derr.Message = "The network says this post already exists, but it was not found among the account's recent posts. Check the account before posting it again. " + pe.Message
			p.record(d, func(x *pregonero.Delivery) error {
				finish(x, pregonero.OutcomePermanent)
				return x.Fail(derr)
			})
			return
		}
		if len(d.Attempts) > 1 {
			// An earlier attempt probably made it: find it.
			log.Warn("duplicate on a retry; reconciling")
			p.toInDoubt(d, finish, derr, now)
			return
		}
		p.m.outcomes.WithLabelValues(string(d.Network), "failed").Inc()
		derr.Message = "The network refused it as a duplicate of a post already on the account. Change the text to post it again. " + pe.Message
		p.record(d, func(x *pregonero.Delivery) error {
			finish(x, pregonero.OutcomePermanent)
			return x.Fail(derr)
		})
	case pregonero.ClassNeedsReauth:
		p.needsReauth(a, pe)
		p.record(d, func(x *pregonero.Delivery) error {
			finish(x, pregonero.OutcomeRetryable)
			return x.Hold(pregonero.HoldNeedsReauth, derr)
		})
	case pregonero.ClassAccountBlocked:
		p.blockAccount(a, pe)
		p.record(d, func(x *pregonero.Delivery) error {
			finish(x, pregonero.OutcomeRetryable)
			return x.Hold(pregonero.HoldBlocked, derr)
		})
	default: // permanent
		p.m.outcomes.WithLabelValues(string(d.Network), "failed").Inc()
		p.record(d, func(x *pregonero.Delivery) error {
			finish(x, pregonero.OutcomePermanent)
			return x.Fail(derr)
		})
	}
}

func (p *Publisher) toInDoubt(d *pregonero.Delivery, finish func(*pregonero.Delivery, pregonero.AttemptOutcome), derr *pregonero.DeliveryError, now time.Time) {
	next := now.Add(p.cfg.ReconcileDelay)
	p.record(d, func(x *pregonero.Delivery) error {
		finish(x, pregonero.OutcomeUnknown)
		return x.Doubt(next, derr)
	})
}

// backoff is exponential with full jitter: uniform in [0, min(cap,
// base·2^(n-1))], at least a second.
func (p *Publisher) backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	ceil := p.cfg.BackoffBase
	for i := 1; i < n && ceil < p.cfg.BackoffCap; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.cfg.BackoffCap)
	return max(time.Duration(p.cfg.Rand()*float64(ceil)), time.Second)
}

// giveBack returns an unsent claimed delivery to the queue: its pending
// attempt never reached the network, so it is dropped. A zero at keeps
// the delivery's due time.
func (p *Publisher) giveBack(d *pregonero.Delivery, at time.Time) {
	p.recordSync(d, func(x *pregonero.Delivery) error { return x.GiveBack(at, nil) })
}

// waitForLimit gives an unsent delivery back until the network's limit for
// its account resets, and says so on the delivery: waiting is never
// silent.
func (p *Publisher) waitForLimit(d *pregonero.Delivery, reset time.Time) {
	now := p.clock.Now()
	msg := fmt.Sprintf("%s allows this account no more requests until %s (its quota or rate limit is spent); the delivery waits for the reset instead of sending a request that would be refused.",
		d.Network.Title(), reset.UTC().Format(time.RFC3339))
	p.recordSync(d, func(x *pregonero.Delivery) error {
		return x.GiveBack(reset, &pregonero.DeliveryError{Class: pregonero.ClassRateLimited, Code: string(d.Network) + "_quota_wait", Message: msg, At: now})
	})
}

// hold parks an unsent delivery for a person.
func (p *Publisher) hold(d *pregonero.Delivery, reason, msg string) {
	now := p.clock.Now()
	p.recordSync(d, func(x *pregonero.Delivery) error {
		// A delivery in doubt keeps its unknown attempt; on release it is
		// reconciled, never sent blindly (see NeedsReconcile).
		return x.Hold(reason, &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "held_" + reason, Message: msg, At: now})
	})
}

// fail ends an unsent delivery.
func (p *Publisher) fail(d *pregonero.Delivery, derr *pregonero.DeliveryError) {
	p.m.outcomes.WithLabelValues(string(d.Network), "failed").Inc()
	p.recordSync(d, func(x *pregonero.Delivery) error { return x.Fail(derr) })
}

func (p *Publisher) retryLater(d *pregonero.Delivery, derr *pregonero.DeliveryError) {
	next := p.clock.Now().Add(p.backoff(1))
	p.recordSync(d, func(x *pregonero.Delivery) error { return x.GiveBack(next, derr) })
}

func guard(fn func(*pregonero.Delivery) error) func(*pregonero.Delivery) error {
	return func(x *pregonero.Delivery) error {
		if !x.Claimed {
			return errNotOwned
		}
		return fn(x)
	}
}

// record stores a result in the background: the lane goes on with the
// next delivery while the group commit syncs it. Should the process die
// first, the delivery is still sending and becomes in_doubt, then
// reconciled: nothing is lost or sent twice.
func (p *Publisher) record(d *pregonero.Delivery, fn func(*pregonero.Delivery) error) {
	r, ok := p.pending(d, fn)
	if !ok {
		return
	}
	p.enqueue(r)
}

// enqueue hands a record to the recorder.
func (p *Publisher) enqueue(r pendingRecord) {
	p.recMu.Lock()
	p.recQueue = append(p.recQueue, r)
	p.recMu.Unlock()
	select {
	case p.recWake <- struct{}{}:
	default:
	}
}

// pendingRecord is a result, or a write-ahead, waiting for the recorder.
type pendingRecord struct {
	d    *pregonero.Delivery
	fn   func(*pregonero.Delivery) error
	gate any
	// done, for a write-ahead, receives its outcome; a write-ahead has no
	// gate to release (the claim goes on).
	done chan writeAheadResult
}

// recordBatch caps the results written in one store operation. Results
// of a burst are spread over the whole deliveries bucket, so every commit
// rewrites most of its pages: fewer, larger commits write far less.
const recordBatch = 10000

// recorder writes results in batches, one store operation each, so that a
// burst of sends costs a few group commits rather than a goroutine and a
// commit slot per result. It returns once Close has been called and
// everything queued is written.
func (p *Publisher) recorder() {
	// Two batches in flight: one is prepared while the other syncs.
	var wg sync.WaitGroup
	slots := make(chan struct{}, 2)
	defer func() { wg.Wait(); close(p.recDone) }()
	for {
		p.recMu.Lock()
		batch := p.recQueue[:min(len(p.recQueue), recordBatch)]
		p.recQueue = p.recQueue[len(batch):]
		p.recMu.Unlock()
		if len(batch) > 0 {
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				p.safeFlush(batch)
			}()
			continue
		}
		select {
		case <-p.recWake:
		case <-p.recStop:
			p.recMu.Lock()
			n := len(p.recQueue)
			p.recMu.Unlock()
			if n == 0 {
				return
			}
		}
	}
}

// safeFlush contains a panic while a batch of results is written, which
// would otherwise end the process with every result of the batch. The
// deliveries whose results were not written stay claimed: their gates are
// marked lost, and the sweep gives them back for reconciliation.
func (p *Publisher) safeFlush(batch []pendingRecord) {
	var err error
	defer func() {
		if err != nil {
			for _, r := range batch {
				if r.done != nil {
					// A write-ahead not answered yet learns it failed.
					select {
					case r.done <- writeAheadResult{err: err}:
					default:
					}
					continue
				}
				p.releaseGate(r.d.ID, r.gate, err)
			}
		}
	}()
	defer pregonero.RecoverPanic(p.log.With(pregonero.LogCount, len(batch)), "record results panicked; the sweep gives the deliveries back", &err)
	p.flush(batch)
}

func (p *Publisher) flush(batch []pendingRecord) {
	updates := make([]pregonero.DeliveryUpdate, len(batch))
	for i, r := range batch {
		updates[i] = pregonero.DeliveryUpdate{ID: r.d.ID, Fn: guard(r.fn)}
	}
	var (
		ds   []*pregonero.Delivery
		errs []error
		err  error
	)
	// A failing disk must not leave deliveries claimed with no owner while
	// the process runs: the write is retried, then the claims are marked
	// lost for the sweep.
	for try, wait := 1, 50*time.Millisecond; ; try, wait = try+1, min(2*wait, 5*time.Second) {
		ds, errs, err = p.cfg.Store.UpdateDeliveries(context.Background(), updates)
		if err == nil || try >= p.cfg.RecordTries {
			break
		}
		p.log.Warn("record results failed; retrying", pregonero.LogCount, len(batch), pregonero.LogErr, err)
		time.Sleep(wait)
	}
	for i, r := range batch {
		if r.done != nil {
			res := writeAheadResult{err: err}
			if err == nil {
				res = writeAheadResult{d: ds[i], err: errs[i]}
			}
			r.done <- res
			continue
		}
		p.releaseGate(r.d.ID, r.gate, err)
		switch {
		case err != nil:
			p.log.Error("record delivery: giving up; the sweep gives it back for reconciliation", pregonero.LogDelivery, r.d.ID, pregonero.LogErr, err)
		case errs[i] != nil:
			p.log.Error("record delivery", pregonero.LogDelivery, r.d.ID, pregonero.LogErr, errs[i])
		default:
			if ds[i].State != r.d.State {
				pregonero.LogStopped(p.log, ds[i])
			}
			if ds[i].State == pregonero.DeliveryFailed {
				p.Cleanup(ds[i])
			}
		}
	}
}

// cleanupTimeout bounds the removal of what an ended delivery left on the
// network.
const cleanupTimeout = 2 * time.Minute

// Cleanup removes, in the background, what earlier attempts of a delivery
// left unpublished on the network (pregonero.Cleaner): once it ended
// unpublished, or an edit dropped its checkpoints. It is best effort: a
// failure is logged, and leaves only unpublished objects behind.
func (p *Publisher) Cleanup(d *pregonero.Delivery) {
	cl, ok := p.cfg.Adapters[d.Network].(pregonero.Cleaner)
	if !ok || len(d.Checkpoint) == 0 || d.State == pregonero.DeliveryPublished || p.stopping() {
		return
	}
	d = d.Clone()
	p.cleanWG.Add(1)
	go func() {
		defer p.cleanWG.Done()
		defer pregonero.RecoverPanic(p.log.With(pregonero.LogDelivery, d.ID), "cleanup panicked", nil)
		ctx, cancel := context.WithTimeout(p.ctx, cleanupTimeout)
		defer cancel()
		a, err := p.loadAccount(ctx, d.AccountID)
		if err == nil {
			err = cl.Cleanup(ctx, d, a)
		}
		if err != nil {
			p.log.Warn("remove what an unpublished delivery left on the network", pregonero.LogDelivery, d.ID, pregonero.LogErr, err)
		}
	}()
}

func (p *Publisher) recordSync(d *pregonero.Delivery, fn func(*pregonero.Delivery) error) {
	if r, ok := p.pending(d, fn); ok {
		p.flush([]pendingRecord{r})
	}
}

// pending prepares a result for writing; false when Cancel owns the
// delivery's record. The claim's gate goes with it: it is released only
// once the result is durable, so that until then a cancel cannot mistake
// a sent delivery for a waiting one.
func (p *Publisher) pending(d *pregonero.Delivery, fn func(*pregonero.Delivery) error) (pendingRecord, bool) {
	if p.canceled(d.ID) {
		return pendingRecord{}, false
	}
	gate, _ := p.claims.Load(d.ID)
	return pendingRecord{d: d, fn: fn, gate: gate}, true
}

func lastStart(d *pregonero.Delivery) time.Time {
	if a := d.LastAttempt(); a != nil {
		return a.StartedAt
	}
	return time.Time{}
}

func (p *Publisher) canceled(id string) bool {
	v, ok := p.claims.Load(id)
	return ok && v.(*claim).state.Load() == claimCanceled
}

// stale reports whether a delivery is too late to go out unasked: more
// than Staleness after its time, or after a person last released it.
func (p *Publisher) stale(d *pregonero.Delivery, now time.Time) bool {
	return p.cfg.Staleness > 0 && now.Sub(later(d.ScheduledAt, d.ReleasedAt)) > p.cfg.Staleness
}

func (p *Publisher) staleError(now time.Time) *pregonero.DeliveryError {
	return &pregonero.DeliveryError{Class: pregonero.ClassPermanent, Code: "stale",
		Message: fmt.Sprintf("Not sent: more than %s after its scheduled time. Reschedule it if it is still relevant.", p.cfg.Staleness), At: now}
}

// safePublish contains an adapter's panic: the send may have gone out, so
// its outcome is unknown and will be reconciled. One bad post must not
// take the process, and every other delivery, down with it.
func (p *Publisher) safePublish(ctx context.Context, ad pregonero.Adapter, d *pregonero.Delivery, c pregonero.Content, a *pregonero.Account) (r pregonero.Receipt, err error) {
	var panicked error
	defer func() {
		if panicked != nil {
			err = &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "adapter_panic",
				Message: "Internal error while publishing; whether the post went out is unknown and will be checked before any new attempt."}
		}
	}()
	defer func() {
		if v := recover(); v != nil {
			pregonero.ReportPanic(p.log, v, "adapter panicked while publishing", &panicked, pregonero.LogDelivery, d.ID)
		}
	}()
	return ad.Publish(ctx, d, c, a)
}

// safeReconcile contains an adapter's panic during reconciliation.
func (p *Publisher) safeReconcile(ctx context.Context, ad pregonero.Adapter, d *pregonero.Delivery, c pregonero.Content, a *pregonero.Account, since time.Time) (r pregonero.Receipt, found bool, err error) {
	var panicked error
	defer func() {
		if panicked != nil {
			found, err = false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "adapter_panic",
				Message: "Internal error while checking the network; it will be checked again."}
		}
	}()
	defer func() {
		if v := recover(); v != nil {
			pregonero.ReportPanic(p.log, v, "adapter panicked while reconciling", &panicked, pregonero.LogDelivery, d.ID)
		}
	}()
	return ad.Reconcile(ctx, d, c, a, since)
}

// releaseGate ends a claim's gate once its record is written. When the
// write was lost the gate stays, marked lost: Cancel must not take the
// delivery for one still waiting (it may be live), and Sweep gives it
// back to be reconciled.
func (p *Publisher) releaseGate(id string, gate any, writeErr error) {
	if gate == nil {
		return
	}
	if writeErr != nil {
		gate.(*claim).state.Store(claimLost)
		return
	}
	p.claims.CompareAndDelete(id, gate)
}

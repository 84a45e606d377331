package posting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"pregonero"
)

// Create checks a draft and stores it as a post with one queued delivery
// per target, each starting at the post's time or, for a network that
// sends ahead (pregonero.Planner), earlier. The post is durable when
// Create returns.
//
// A user acting in ctx must be allowed to post to every target (see
// mayPost) and is the post's author, whatever the draft says.
//
// With an idempotency key, the key's record is written in the same
// transaction as the post: a retry of the same draft before the key
// expires (Config.IdempotencyTTL) gets the same post back (created false) instead of a
// second one, and a different draft under the same key is a conflict.
func (s *Service) Create(ctx context.Context, d *Draft, key string) (p *pregonero.Post, created bool, err error) {
	if err := s.mayPost(ctx, d.Targets...); err != nil {
		return nil, false, err
	}
	d = authored(ctx, d)
	if key == "" {
		p, err := s.create(ctx, d, pregonero.NewID("p", s.now()), nil)
		return p, err == nil, err
	}
	if err := checkIdempotencyKey(key); err != nil {
		return nil, false, err
	}
	sum, err := draftHash(d)
	if err != nil {
		return nil, false, err
	}
	// The store's transaction decides between concurrent requests with
	// the same key: the loser's write is a conflict, and its second pass
	// finds what the winner wrote.
	for pass := 1; ; pass++ {
		p, created, err := s.createOnce(ctx, d, key, sum)
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT || pass == 2 {
			return p, created, err
		}
	}
}

// createOnce serves one pass of Create with an idempotency key.
func (s *Service) createOnce(ctx context.Context, d *Draft, key, sum string) (*pregonero.Post, bool, error) {
	now := s.now()
	rec, err := s.store.Idempotency(ctx, key)
	switch {
	case pregonero.ErrorCode(err) == pregonero.ENOTFOUND:
		rec = nil
	case err != nil:
		return nil, false, fmt.Errorf("create post: idempotency key: %w", err)
	case rec.Expired(now):
		rec = nil
	}
	if rec == nil {
		rec := &pregonero.Idempotency{Key: key, PostID: pregonero.NewID("p", now), BodyHash: sum,
			CreatedAt: now.UTC(), ExpiresAt: now.Add(s.idemTTL).UTC()}
		p, err := s.create(ctx, d, rec.PostID, rec)
		return p, err == nil, err
	}
	if rec.BodyHash != sum {
		return nil, false, pregonero.Errorf(pregonero.ECONFLICT, "Idempotency-Key %q was already used with a different request body; use a new key for a new post.", key)
	}
	p, err := s.store.Post(ctx, rec.PostID)
	switch {
	case err == nil:
		return p, false, nil
	case pregonero.ErrorCode(err) != pregonero.ENOTFOUND:
		return nil, false, err
	}
	// A record without its post, written by a version that stored the key
	// before the post: the post is created under the id it promised.
	p, err = s.create(ctx, d, rec.PostID, nil)
	return p, err == nil, err
}

// purgeBatch is how many expired idempotency records one write deletes.
const purgeBatch = 1000

// PurgeIdempotency deletes the idempotency records that have expired; a
// daily job calls it so that keys do not pile up in the store.
func (s *Service) PurgeIdempotency(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.store.PurgeIdempotency(ctx, s.now(), purgeBatch)
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// create checks the draft and stores the post under id, with the
// idempotency record when there is one.
func (s *Service) create(ctx context.Context, d *Draft, id string, rec *pregonero.Idempotency) (*pregonero.Post, error) {
	write := func(ctx context.Context, p *pregonero.Post) error { return s.store.CreatePosts(ctx, p) }
	if rec != nil {
		write = func(ctx context.Context, p *pregonero.Post) error { return s.store.CreateIdempotentPost(ctx, p, *rec) }
	}
	return s.createWith(ctx, d, id, write)
}

// createWith checks the draft and stores the post under id with write,
// which stores it (Store.CreatePosts) together with what the post comes
// from in the same transaction: an idempotency key, a series'
// occurrence. A post that goes to the queue takes its slots under the
// queue's lock, held until it is written.
func (s *Service) createWith(ctx context.Context, d *Draft, id string, write func(context.Context, *pregonero.Post) error) (*pregonero.Post, error) {
	now := s.now()
	if d.ScheduledAt == QueueTime && !d.Draft {
		s.queue.mu.Lock()
		defer s.queue.mu.Unlock()
	}
	c, errs, err := s.checkNew(ctx, d, now, func(c *checked) error { return s.place(ctx, c, now) })
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, pregonero.Invalid(errs)
	}
	p := s.newPost(c, id, now, d.Draft)
	placed := c.queue && !d.Draft
	if placed {
		if err := s.markPlaced(ctx, p.Deliveries, true); err != nil {
			return nil, err
		}
	}
	if err := write(ctx, p); err != nil {
		if placed {
			// Marks of deliveries never written are harmless; forgetting
			// them keeps the record from growing with refused writes.
			if uerr := s.markPlaced(context.WithoutCancel(ctx), p.Deliveries, false); uerr != nil {
				s.logger.WarnContext(ctx, "forget the queue's marks of a post not written", pregonero.LogPost, p.ID, pregonero.LogErr, uerr)
			}
		}
		return nil, fmt.Errorf("create post: %w", err)
	}
	stored, err := s.store.Post(ctx, p.ID)
	if err != nil {
		// The post is committed; answering with what was written beats
		// an error that would invite the client to post it twice.
		s.logger.WarnContext(ctx, "read back created post", pregonero.LogPost, p.ID, pregonero.LogErr, err)
		stored = p
	}
	s.warn(ctx, stored)
	if d.Draft && d.ScheduledAt == QueueTime {
		stored.Warnings = append(stored.Warnings, pregonero.Warning{Code: pregonero.WarnDraftNotQueued,
			Message: "A draft takes no slot: it was kept without a time. Schedule it with scheduled_at \"queue\" when it is ready to go to the queue."})
	}
	return stored, nil
}

// checkNew runs the checks of a new post on a draft at now and returns
// the post checked and every field error. A post that goes to the queue
// (and is not a draft, which takes its slots when it is scheduled) is
// given them by place, when there is one, before its targets are
// checked; a draft is held to what a draft needs.
func (s *Service) checkNew(ctx context.Context, d *Draft, now time.Time, place func(*checked) error) (*checked, []pregonero.FieldError, error) {
	c, err := s.checkPost(ctx, d, now, nil)
	if err != nil {
		return nil, nil, err
	}
	if d.Draft && (d.ScheduledAt == "" || c.queue) {
		c.post.ScheduledAt = time.Time{} // no time yet: a draft takes its slot when scheduled
	}
	if c.queue && !d.Draft && place != nil {
		if err := place(c); err != nil {
			return nil, nil, err
		}
	}
	if err := s.checkTargets(ctx, c); err != nil {
		return nil, nil, err
	}
	if d.Draft {
		c.relax()
	}
	return c, c.allErrors(), nil
}

// newPost is the post a checked draft makes under id, stamped at now,
// with one queued delivery per target unless it is a draft.
func (s *Service) newPost(c *checked, id string, now time.Time, draft bool) *pregonero.Post {
	p := c.post
	p.ID = id
	p.CreatedAt, p.UpdatedAt = now.UTC(), now.UTC()
	if !draft {
		p.Deliveries = s.newDeliveries(c, p.ID, now)
	}
	p.Status = p.DerivedStatus()
	return p
}

// newDeliveries makes one queued delivery per target account of a checked
// post, each starting at the post's time or, for a network that sends
// ahead, earlier.
func (s *Service) newDeliveries(c *checked, postID string, now time.Time) []*pregonero.Delivery {
	var ds []*pregonero.Delivery
	for _, a := range c.accounts {
		ds = append(ds, &pregonero.Delivery{
			ID:            pregonero.NewID("d", now),
			PostID:        postID,
			AccountID:     a.ID,
			Network:       a.Network,
			State:         pregonero.DeliveryQueued,
			ScheduledAt:   c.at(a.ID),
			NextAttemptAt: s.startAt(c, a, now),
			Attempts:      []pregonero.Attempt{},
			UpdatedAt:     now.UTC(),
		})
	}
	return ds
}

// warn tells, on the answer, why a post's waiting deliveries will not go
// out at their time: a global pause, or a target account paused or
// needing re-authorization. Nothing of it is stored; a failure to read
// the pause state is logged, not returned, since the post is stored.
func (s *Service) warn(ctx context.Context, p *pregonero.Post) {
	var accounts []string
	for _, d := range p.Deliveries {
		if (d.State == pregonero.DeliveryQueued || d.State == pregonero.DeliveryHeld) && !slices.Contains(accounts, d.AccountID) {
			accounts = append(accounts, d.AccountID)
		}
	}
	if len(accounts) == 0 {
		return
	}
	ps, err := s.store.Pause(ctx)
	if err != nil {
		s.logger.WarnContext(ctx, "read the pause state for a warning", pregonero.LogPost, p.ID, pregonero.LogErr, err)
	} else if ps.Paused {
		p.Warnings = append(p.Warnings, pregonero.PausedWarning(ps, s.loc))
	}
	for _, id := range accounts {
		a, err := s.store.Account(ctx, id)
		if err != nil {
			s.logger.WarnContext(ctx, "read an account for a warning", pregonero.LogPost, p.ID, pregonero.LogAccount, id, pregonero.LogErr, err)
			continue
		}
		if w, ok := pregonero.AccountWarning(a, s.loc); ok {
			p.Warnings = append(p.Warnings, w)
		}
	}
}

// Edit changes a post whose deliveries are all still waiting, in one
// transaction with its deliveries (and, for a post of the queue, with
// the queue's record of them: each keeps its account's slot unless the
// edit gives the post a time of its own; its time given again as it is
// changes nothing). The merged post is checked like a new
// one, for every target; an unchanged time is kept even if it is now
// close. A delivery planned ahead of its time is planned again for the
// new time and content. What earlier attempts prepared on the networks
// for the old content is removed. An edit that lands between the read
// and the write of another is refused rather than undone silently.
//
// A post whose deliveries were held as overdue after a pause waits for a
// person: an edit that gives it a new time is that person's decision, and
// releases those deliveries to the new time in the same transaction.
// Deliveries held for another reason (their account paused, blocked or
// refused, or a publication that cannot be verified) make the post
// impossible to edit, as before.
//
// A draft is edited freely, its targets too, and checked as a draft: an
// empty scheduled_at takes its time away.
//
// A user acting in ctx must be allowed to post to every target, the old
// and the new ones, and cannot change the author.
func (s *Service) Edit(ctx context.Context, id string, patch *Patch) (*pregonero.Post, error) {
	return s.edit(ctx, id, patch, time.Time{})
}

// edit serves Edit; with seen set, it edits the post only as it was
// when it was last changed at seen, and otherwise refuses with a
// conflict: an edit decided on an earlier read must not undo a later one.
func (s *Service) edit(ctx context.Context, id string, patch *Patch, seen time.Time) (*pregonero.Post, error) {
	cur, err := s.store.Post(ctx, id)
	if err != nil {
		return nil, err
	}
	if !seen.IsZero() && !cur.UpdatedAt.Equal(seen) {
		return nil, pregonero.Errorf(pregonero.ECONFLICT, "post %s was changed by someone else meanwhile; read it again and repeat the edit", id)
	}
	targets := cur.Targets
	if patch.Targets != nil {
		targets = append(slices.Clone(targets), *patch.Targets...)
	}
	if err := s.mayPost(ctx, targets...); err != nil {
		return nil, err
	}
	if len(cur.Deliveries) == 0 && !cur.IsDraft() {
		return nil, pregonero.Errorf(pregonero.ECONFLICT, "post %s is a canceled draft; it can no longer be edited", id)
	}
	draft := cur.IsDraft()
	d := s.draftOf(cur)
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if patch.ScheduledAt != nil && !draft && s.sameTime(cur, *patch.ScheduledAt, patch.Timezone) {
		// The time given again as it is changes nothing: a client that
		// sends back the whole post must not take it out of the queue,
		// nor move every delivery to the earliest of their slots.
		same := *patch
		same.ScheduledAt = nil
		patch = &same
	}
	set(&d.Text, patch.Text)
	set(&d.Link, patch.Link)
	set(&d.ScheduledAt, patch.ScheduledAt)
	set(&d.Timezone, patch.Timezone)
	set(&d.Campaign, patch.Campaign)
	if pregonero.UserFromContext(ctx) == nil {
		set(&d.Author, patch.Author) // a person's posts stay theirs
	}
	set(&d.Unit, patch.Unit)
	if patch.Media != nil {
		d.Media = *patch.Media
	}
	if patch.Overrides != nil {
		d.Overrides = *patch.Overrides
	}
	if patch.Targets != nil {
		if !draft && !slices.Equal(*patch.Targets, cur.Targets) {
			return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "targets", Code: pregonero.FieldInvalid,
				Message: "The targets of a scheduled post cannot change; cancel it and create another (only a draft's targets can be edited)."}})
		}
		d.Targets = *patch.Targets
	}
	now := s.now()
	c, err := s.checkPost(ctx, &d, now, cur.Media)
	if err != nil {
		return nil, err
	}
	switch {
	case patch.ScheduledAt == nil:
		c.post.ScheduledAt = cur.ScheduledAt
		c.dropField("scheduled_at")
		// Each delivery keeps its time: the post's, or its account's
		// slot when the queue placed it.
		c.slotAt = map[string]time.Time{}
		for _, d := range cur.Deliveries {
			c.slotAt[d.AccountID] = d.ScheduledAt
		}
	case draft && *patch.ScheduledAt == "":
		c.post.ScheduledAt = time.Time{}
	case draft && c.queue:
		c.post.ScheduledAt = time.Time{} // a draft takes its slot when scheduled
	case c.queue:
		s.queue.mu.Lock()
		defer s.queue.mu.Unlock()
		if err := s.place(ctx, c, now); err != nil {
			return nil, err
		}
	}
	if err := s.checkTargets(ctx, c); err != nil {
		return nil, err
	}
	if draft {
		c.relax()
	}
	if errs := c.allErrors(); len(errs) > 0 {
		return nil, pregonero.Invalid(errs)
	}
	// Where each delivery starts is decided here, before the write: the
	// store runs the edit on its committer and must not wait on adapters.
	starts := map[string]time.Time{}
	for _, a := range c.accounts {
		starts[a.ID] = s.startAt(c, a, now)
	}
	// The queue gives each delivery its account's slot, and a time a
	// person gives takes the deliveries out of the queue: the store
	// records which in the transaction of the edit.
	var placed *bool
	switch {
	case draft:
	case c.queue:
		placed = new(true)
	case patch.ScheduledAt != nil:
		placed = new(false)
	}
	np := c.post
	// A new time releases the deliveries held as overdue after a pause.
	moved := !draft && patch.ScheduledAt != nil && !np.ScheduledAt.Equal(cur.ScheduledAt)
	p, err := s.updatePost(ctx, id, placed, func(p *pregonero.Post) error {
		if !p.UpdatedAt.Equal(cur.UpdatedAt) {
			return pregonero.Errorf(pregonero.ECONFLICT, "post %s was changed by someone else meanwhile; read it again and repeat the edit", id)
		}
		p.Text, p.Link, p.Media, p.Overrides = np.Text, np.Link, np.Media, np.Overrides
		p.ScheduledAt, p.Campaign, p.Author, p.Unit = np.ScheduledAt, np.Campaign, np.Author, np.Unit
		if draft {
			p.Targets = np.Targets
		}
		for _, d := range p.Deliveries {
			at := c.at(d.AccountID)
			start, ok := starts[d.AccountID]
			if !ok {
				start = at
			}
			switch {
			case d.State == pregonero.DeliveryQueued:
				if err := d.Reschedule(at, start); err != nil {
					return err
				}
			case moved && d.State == pregonero.DeliveryHeld && d.HoldReason == pregonero.HoldOverdue:
				// The person gave the post a new time: it goes out then.
				if err := d.RescheduleOverdue(at, start); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, d := range cur.Deliveries {
		if len(d.Checkpoint) > 0 {
			s.sender.Cleanup(d)
		}
	}
	if patch.ScheduledAt != nil {
		s.warn(ctx, p)
	}
	return p, nil
}

// sameTime reports whether value (in zone when it has no offset) is the
// post's time.
func (s *Service) sameTime(p *pregonero.Post, value string, zone *string) bool {
	name := ""
	if zone != nil {
		name = *zone
	}
	loc, f := s.Zone(name)
	if f != nil || value == QueueTime {
		return false
	}
	t, err := ParseTime(value, loc)
	return err == nil && t.Equal(p.ScheduledAt)
}

// draftOf is the request that would make the post as it is.
func (s *Service) draftOf(p *pregonero.Post) Draft {
	d := Draft{Text: p.Text, Link: p.Link, Media: p.Media, Targets: p.Targets, Overrides: p.Overrides,
		Campaign: p.Campaign, Author: p.Author, Unit: p.Unit, Draft: p.IsDraft()}
	if !p.ScheduledAt.IsZero() {
		d.ScheduledAt = p.ScheduledAt.UTC().Format(time.RFC3339Nano)
	}
	return d
}

// Schedule turns a draft into a post that goes out: checked like a new
// post, with all that is required of one, and given one queued delivery
// per target in one transaction. The time is scheduledAt (in timezone when
// it has no offset), else the draft's own time, else as soon as possible.
// Anything but a draft is a conflict: a scheduled post is edited instead.
// A user acting in ctx must be allowed to post to every target.
func (s *Service) Schedule(ctx context.Context, id, scheduledAt, timezone string) (*pregonero.Post, error) {
	cur, err := s.store.Post(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayPost(ctx, cur.Targets...); err != nil {
		return nil, err
	}
	if !cur.IsDraft() {
		return nil, notDraft(cur)
	}
	d := s.draftOf(cur)
	d.Draft = false
	if scheduledAt != "" || timezone != "" {
		d.ScheduledAt, d.Timezone = scheduledAt, timezone
	}
	now := s.now()
	c, err := s.checkPost(ctx, &d, now, cur.Media)
	if err != nil {
		return nil, err
	}
	if c.queue {
		s.queue.mu.Lock()
		defer s.queue.mu.Unlock()
		if err := s.place(ctx, c, now); err != nil {
			return nil, err
		}
	}
	if err := s.checkTargets(ctx, c); err != nil {
		return nil, err
	}
	if errs := c.allErrors(); len(errs) > 0 {
		return nil, pregonero.Invalid(errs)
	}
	deliveries := s.newDeliveries(c, id, now)
	var placed *bool
	if c.queue {
		placed = new(true)
	}
	np := c.post
	p, err := s.updatePost(ctx, id, placed, func(p *pregonero.Post) error {
		if len(p.Deliveries) > 0 || !p.CanceledAt.IsZero() {
			return notDraft(p)
		}
		if !p.UpdatedAt.Equal(cur.UpdatedAt) {
			return pregonero.Errorf(pregonero.ECONFLICT, "post %s was changed by someone else meanwhile; read it again and schedule it again", id)
		}
		p.Media, p.ScheduledAt, p.Deliveries = np.Media, np.ScheduledAt, deliveries
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.warn(ctx, p)
	return p, nil
}

// notDraft is the refusal to schedule a post that is not a draft.
func notDraft(p *pregonero.Post) error {
	if p.DerivedStatus() == pregonero.PostCanceled {
		return pregonero.Errorf(pregonero.ECONFLICT, "post %s is canceled; only a draft can be scheduled", p.ID)
	}
	return pregonero.Errorf(pregonero.ECONFLICT, "post %s is not a draft (it is %s): it was scheduled already; only a draft can be scheduled, and a scheduled post is edited instead", p.ID, p.DerivedStatus())
}

// Validate checks a draft without storing it: against its targets, or,
// with a network instead of targets, against that network's rules alone
// (an override named after the network applies then). Only a draft that
// names neither, or both, is an error; what is wrong with the post is in
// the verdict.
func (s *Service) Validate(ctx context.Context, d *Draft, network pregonero.Network) (*Verdict, error) {
	switch {
	case network != "" && len(d.Targets) > 0:
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "network", Code: pregonero.FieldInvalid, Actual: string(network),
			Message: "Give either targets or a network, not both."}})
	case network != "" && !network.Valid():
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "network", Code: pregonero.FieldUnknown, Actual: string(network), Limit: pregonero.Networks,
			Message: fmt.Sprintf("Unknown network %q; use one of %v.", network, pregonero.Networks)}})
	case network == "" && len(d.Targets) == 0:
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "targets", Code: pregonero.FieldRequired,
			Message: "Give the target accounts, or a network to check against its rules alone."}})
	}
	var c *checked
	var err error
	if network != "" {
		// The network's rules with a stand-in account named after it.
		dd := *d
		dd.Targets = []string{string(network)}
		if c, err = s.checkPost(ctx, &dd, s.now(), nil); err != nil {
			return nil, err
		}
		a := &pregonero.Account{ID: string(network), Network: network, Name: string(network), Status: pregonero.AccountActive}
		c.accounts = []*pregonero.Account{a}
		for id := range c.post.Overrides {
			if id != a.ID {
				c.add(pregonero.FieldError{Target: id, Field: "overrides", Code: pregonero.FieldUnknown, Actual: id,
					Message: fmt.Sprintf("There is an override for %s; with a network, only an override named %s applies.", id, a.ID)})
			}
		}
		for _, f := range s.adapterErrors(c, a) {
			c.addTarget(a.ID, f)
		}
	} else {
		if c, err = s.checkPost(ctx, d, s.now(), nil); err != nil {
			return nil, err
		}
		if err := s.checkTargets(ctx, c); err != nil {
			return nil, err
		}
	}

	v := &Verdict{Errors: c.fields, Results: []TargetVerdict{}}
	if v.Errors == nil {
		v.Errors = []pregonero.FieldError{}
	}
	valid := len(c.fields) == 0
	seen := map[string]bool{}
	for _, id := range c.post.Targets {
		if seen[id] || id == "" {
			continue
		}
		seen[id] = true
		res := TargetVerdict{Target: id, Errors: c.byTarget[id]}
		if res.Errors == nil {
			res.Errors = []pregonero.FieldError{}
		}
		valid = valid && len(res.Errors) == 0
		for _, a := range c.accounts {
			if a.ID != id {
				continue
			}
			res.Network = a.Network
			if m, ok := s.adapters[a.Network].(pregonero.Measurer); ok {
				n, limit := m.Measure(c.post.ContentFor(id))
				res.WeightedLength, res.Limit = &n, &limit
			}
		}
		v.Results = append(v.Results, res)
	}
	v.Valid = valid
	return v, nil
}

// startAt is when a delivery to a starts: the post's instant, or earlier,
// never before now, for an adapter that sends ahead of time.
func (s *Service) startAt(c *checked, a *pregonero.Account, now time.Time) time.Time {
	at := c.at(a.ID)
	pl, ok := s.adapters[a.Network].(pregonero.Planner)
	if !ok {
		return at
	}
	content := c.post.ContentFor(a.ID)
	content.Media = c.blobs
	if lead := pl.Lead(content, a); lead > 0 {
		at = at.Add(-lead)
		if n := now.UTC(); at.Before(n) {
			at = n
		}
		if at.After(c.at(a.ID)) {
			at = c.at(a.ID)
		}
	}
	return at
}

func checkIdempotencyKey(key string) error {
	ok := len(key) <= MaxIdempotencyKey
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > 0x20 && key[i] < 0x7f
	}
	if !ok {
		return pregonero.Invalid([]pregonero.FieldError{{Field: "Idempotency-Key", Code: pregonero.FieldInvalid, Limit: MaxIdempotencyKey,
			Message: fmt.Sprintf("The Idempotency-Key header must be 1 to %d visible ASCII characters.", MaxIdempotencyKey)}})
	}
	return nil
}

// draftHash fingerprints a draft, so the same post sent with other
// spacing or key order (or its media as bare ids or as objects without
// alt text) is still the same request.
func draftHash(d *Draft) (string, error) {
	var v any = d
	if !d.Draft && !slices.ContainsFunc(d.Media, func(m pregonero.PostMedia) bool { return m.AltText != "" }) {
		// Fingerprinted as versions before alt text per post did, so that
		// a retry across an upgrade is still the same request.
		v = idsDraft{Text: d.Text, Link: d.Link, Media: (&pregonero.Post{Media: d.Media}).MediaIDs(), Targets: d.Targets,
			Overrides: d.Overrides, ScheduledAt: d.ScheduledAt, Timezone: d.Timezone, Campaign: d.Campaign, Author: d.Author, Unit: d.Unit}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("hash request: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// idsDraft is a Draft whose media are ids alone, as versions before alt
// text per post took it, field for field in the same order.
type idsDraft struct {
	Text        string                        `json:"text,omitempty"`
	Link        string                        `json:"link,omitempty"`
	Media       []string                      `json:"media,omitempty"`
	Targets     []string                      `json:"targets,omitempty"`
	Overrides   map[string]pregonero.Override `json:"overrides,omitempty"`
	ScheduledAt string                        `json:"scheduled_at,omitempty"`
	Timezone    string                        `json:"timezone,omitempty"`
	Campaign    string                        `json:"campaign,omitempty"`
	Author      string                        `json:"author,omitempty"`
	Unit        string                        `json:"unit,omitempty"`
}

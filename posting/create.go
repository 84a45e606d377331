package posting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"pregonero"
)

// Create checks a draft and stores it as a post with one queued delivery
// per target, each starting at the post's time or, for a network that
// sends ahead (pregonero.Planner), earlier. The post is durable when
// Create returns.
//
// With an idempotency key, the key's record is written in the same
// transaction as the post: a retry of the same draft before the key
// expires (Config.IdempotencyTTL) gets the same post back (created false) instead of a
// second one, and a different draft under the same key is a conflict.
func (s *Service) Create(ctx context.Context, d *Draft, key string) (p *pregonero.Post, created bool, err error) {
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
	now := s.now()
	c, err := s.checkPost(ctx, d, now)
	if err != nil {
		return nil, err
	}
	if err := s.checkTargets(ctx, c); err != nil {
		return nil, err
	}
	if errs := c.allErrors(); len(errs) > 0 {
		return nil, pregonero.Invalid(errs)
	}

	p := c.post
	p.ID = id
	p.CreatedAt, p.UpdatedAt = now.UTC(), now.UTC()
	for _, a := range c.accounts {
		p.Deliveries = append(p.Deliveries, &pregonero.Delivery{
			ID:            pregonero.NewID("d", now),
			PostID:        p.ID,
			AccountID:     a.ID,
			Network:       a.Network,
			State:         pregonero.DeliveryQueued,
			ScheduledAt:   p.ScheduledAt,
			NextAttemptAt: s.startAt(c, a, now),
			Attempts:      []pregonero.Attempt{},
			UpdatedAt:     now.UTC(),
		})
	}
	p.Status = pregonero.DeriveStatus(p.Deliveries)
	if rec != nil {
		err = s.store.CreateIdempotentPost(ctx, p, *rec)
	} else {
		err = s.store.CreatePosts(ctx, p)
	}
	if err != nil {
		return nil, fmt.Errorf("create post: %w", err)
	}
	stored, err := s.store.Post(ctx, p.ID)
	if err != nil {
		// The post is committed; answering with what was written beats
		// an error that would invite the client to post it twice.
		s.logger.WarnContext(ctx, "read back created post", pregonero.LogPost, p.ID, pregonero.LogErr, err)
		return p, nil
	}
	return stored, nil
}

// Edit changes a post whose deliveries are all still waiting, in one
// transaction with its deliveries. The merged post is checked like a new
// one, for every target; an unchanged time is kept even if it is now
// close. A delivery planned ahead of its time is planned again for the
// new time and content. What earlier attempts prepared on the networks
// for the old content is removed. An edit that lands between the read
// and the write of another is refused rather than undone silently.
func (s *Service) Edit(ctx context.Context, id string, patch *Patch) (*pregonero.Post, error) {
	cur, err := s.store.Post(ctx, id)
	if err != nil {
		return nil, err
	}
	d := Draft{Text: cur.Text, Link: cur.Link, Media: cur.Media, Targets: cur.Targets, Overrides: cur.Overrides,
		ScheduledAt: cur.ScheduledAt.UTC().Format(time.RFC3339Nano), Campaign: cur.Campaign, Author: cur.Author, Unit: cur.Unit}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.Text, patch.Text)
	set(&d.Link, patch.Link)
	set(&d.ScheduledAt, patch.ScheduledAt)
	set(&d.Timezone, patch.Timezone)
	set(&d.Campaign, patch.Campaign)
	set(&d.Author, patch.Author)
	set(&d.Unit, patch.Unit)
	if patch.Media != nil {
		d.Media = *patch.Media
	}
	if patch.Overrides != nil {
		d.Overrides = *patch.Overrides
	}
	now := s.now()
	c, err := s.checkPost(ctx, &d, now)
	if err != nil {
		return nil, err
	}
	if patch.ScheduledAt == nil {
		c.post.ScheduledAt = cur.ScheduledAt
		c.dropField("scheduled_at")
	}
	if err := s.checkTargets(ctx, c); err != nil {
		return nil, err
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
	np := c.post
	p, err := s.store.UpdatePost(ctx, id, func(p *pregonero.Post) error {
		if !p.UpdatedAt.Equal(cur.UpdatedAt) {
			return pregonero.Errorf(pregonero.ECONFLICT, "post %s was changed by someone else meanwhile; read it again and repeat the edit", id)
		}
		p.Text, p.Link, p.Media, p.Overrides = np.Text, np.Link, np.Media, np.Overrides
		p.ScheduledAt, p.Campaign, p.Author, p.Unit = np.ScheduledAt, np.Campaign, np.Author, np.Unit
		for _, d := range p.Deliveries {
			if d.State != pregonero.DeliveryQueued {
				continue
			}
			start, ok := starts[d.AccountID]
			if !ok {
				start = np.ScheduledAt
			}
			if err := d.Reschedule(np.ScheduledAt, start); err != nil {
				return err
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
	return p, nil
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
		if c, err = s.checkPost(ctx, &dd, s.now()); err != nil {
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
		if c, err = s.checkPost(ctx, d, s.now()); err != nil {
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
	at := c.post.ScheduledAt
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
		if at.After(c.post.ScheduledAt) {
			at = c.post.ScheduledAt
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
// spacing or key order is still the same request.
func draftHash(d *Draft) (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("hash request: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

package web

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"pregonero"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// idempotencyPrefix names the settings that remember idempotency keys.
const idempotencyPrefix = "idem:"

// idemRecord is what an idempotency key remembers.
type idemRecord struct {
	PostID    string    `json:"post_id"`
	BodyHash  string    `json:"body_sha256"`
	CreatedAt time.Time `json:"created_at"`
}

// postStatuses are the values the status filter accepts.
var postStatuses = []pregonero.PostStatus{
	pregonero.PostDraft, pregonero.PostScheduled, pregonero.PostPublishing, pregonero.PostPublished,
	pregonero.PostPartiallyPublished, pregonero.PostFailed, pregonero.PostCanceled, pregonero.PostHeld,
}

func (s *Server) handleCreatePost(w http.ResponseWriter, r *http.Request) error {
	var req PostRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	ctx := r.Context()
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		p, err := s.createPost(ctx, &req, pregonero.NewID("p", s.now()), "", nil)
		if err != nil {
			return err
		}
		s.writePost(w, http.StatusCreated, p)
		return nil
	}
	if err := checkIdempotencyKey(key); err != nil {
		return err
	}

	unlock := s.idem.lock(key)
	defer unlock()
	now := s.now()
	sum, err := requestHash(&req)
	if err != nil {
		return err
	}
	rec, err := s.loadIdempotency(ctx, key, now)
	if err != nil {
		return err
	}
	if rec != nil {
		if rec.BodyHash != sum {
			return pregonero.Errorf(pregonero.ECONFLICT, "Idempotency-Key %q was already used with a different request body; use a new key for a new post.", key)
		}
		p, err := s.store.Post(ctx, rec.PostID)
		switch {
		case err == nil:
			s.writePost(w, http.StatusOK, p)
			return nil
		case pregonero.ErrorCode(err) != pregonero.ENOTFOUND:
			return err
		}
		// The key was recorded but the post never committed (a crash in
		// between): create it now under the id the key promised.
	} else {
		rec = &idemRecord{PostID: pregonero.NewID("p", now), BodyHash: sum, CreatedAt: now.UTC()}
	}
	p, err := s.createPost(ctx, &req, rec.PostID, key, rec)
	if err != nil {
		return err
	}
	s.writePost(w, http.StatusCreated, p)
	return nil
}

// createPost validates the request and stores the post with one queued
// delivery per target. With an idempotency key, the key is recorded before
// the post so that a retry after a crash finds the post id it must use.
func (s *Server) createPost(ctx context.Context, req *PostRequest, id, key string, rec *idemRecord) (*pregonero.Post, error) {
	now := s.now()
	c, err := s.checkPost(ctx, req, now)
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

	if key != "" {
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("create post: %w", err)
		}
		if err := s.store.PutSetting(ctx, idempotencyPrefix+key, b); err != nil {
			return nil, fmt.Errorf("create post: record idempotency key: %w", err)
		}
	}
	if err := s.store.CreatePosts(ctx, p); err != nil {
		return nil, fmt.Errorf("create post: %w", err)
	}
	s.control.Notify(p.ScheduledAt)

	stored, err := s.store.Post(ctx, p.ID)
	if err != nil {
		// The post is committed; answering with what was written beats
		// an error that would invite the client to post it twice.
		s.logger.WarnContext(ctx, "read back created post", logPostID, p.ID, logErr, err)
		return p, nil
	}
	return stored, nil
}

func checkIdempotencyKey(key string) error {
	ok := len(key) <= maxIdempotentKey
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > 0x20 && key[i] < 0x7f
	}
	if !ok {
		return pregonero.Invalid([]pregonero.FieldError{{Field: "Idempotency-Key", Code: pregonero.FieldInvalid, Limit: maxIdempotentKey,
			Message: fmt.Sprintf("The Idempotency-Key header must be 1 to %d visible ASCII characters.", maxIdempotentKey)}})
	}
	return nil
}

// requestHash fingerprints a decoded request, so the same post sent with
// other spacing or key order is still the same request.
func requestHash(req *PostRequest) (string, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("hash request: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// loadIdempotency returns the live record of a key, or nil.
func (s *Server) loadIdempotency(ctx context.Context, key string, now time.Time) (*idemRecord, error) {
	b, err := s.store.Setting(ctx, idempotencyPrefix+key)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("load idempotency key: %w", err)
	}
	var rec idemRecord
	if err := json.Unmarshal(b, &rec); err != nil || rec.PostID == "" {
		// An unreadable record cannot promise anything; it is replaced.
		s.logger.WarnContext(ctx, "unreadable idempotency record replaced", logErr, err)
		return nil, nil
	}
	if now.Sub(rec.CreatedAt) > IdempotencyTTL {
		return nil, nil
	}
	return &rec, nil
}

func (s *Server) writePost(w http.ResponseWriter, status int, p *pregonero.Post) {
	w.Header().Set("Location", "/api/v1/posts/"+url.PathEscape(p.ID))
	writeJSON(w, status, s.viewPost(p))
}

func (s *Server) handleGetPost(w http.ResponseWriter, r *http.Request) error {
	p, err := s.store.Post(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.viewPost(p))
	return nil
}

func (s *Server) handleCancelPost(w http.ResponseWriter, r *http.Request) error {
	p, err := s.control.Cancel(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.viewPost(p))
	return nil
}

// listParams are the query parameters GET /api/v1/posts accepts.
var listParams = []string{"status", "account", "campaign", "from", "to", "timezone", "cursor", "limit"}

func (s *Server) handleListPosts(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.store.Posts(r.Context(), f)
	if err != nil {
		return err
	}
	out := pageView{Posts: make([]postView, 0, len(page.Posts)), Next: page.Next}
	for _, p := range page.Posts {
		out.Posts = append(out.Posts, s.viewPost(p))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// parseFilter validates every listing parameter and reports all that are
// wrong at once.
func (s *Server) parseFilter(q url.Values) (pregonero.PostFilter, error) {
	var f pregonero.PostFilter
	var errs []pregonero.FieldError
	for name, vs := range q {
		if !slices.Contains(listParams, name) {
			errs = append(errs, pregonero.FieldError{Field: name, Code: pregonero.FieldUnknown, Actual: name, Limit: listParams,
				Message: fmt.Sprintf("Unknown parameter %q.", name)})
		} else if len(vs) > 1 {
			errs = append(errs, pregonero.FieldError{Field: name, Code: pregonero.FieldDuplicate, Actual: len(vs),
				Message: fmt.Sprintf("Parameter %q is given %d times.", name, len(vs))})
		}
	}
	if st := q.Get("status"); st != "" {
		if !slices.Contains(postStatuses, pregonero.PostStatus(st)) {
			errs = append(errs, pregonero.FieldError{Field: "status", Code: pregonero.FieldInvalid, Actual: st, Limit: postStatuses,
				Message: fmt.Sprintf("Unknown status %q; use one of %v.", st, postStatuses)})
		}
		f.Status = pregonero.PostStatus(st)
	}
	f.Account, f.Campaign, f.Cursor = q.Get("account"), q.Get("campaign"), q.Get("cursor")
	loc, zerr := s.zone(q.Get("timezone"))
	if zerr != nil {
		errs = append(errs, *zerr)
		loc = s.loc
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := parseTime(v, loc)
		if err != nil {
			errs = append(errs, pregonero.FieldError{Field: p.name, Code: pregonero.FieldInvalid, Actual: v,
				Message: fmt.Sprintf("%s %q is not a time; use RFC 3339 or a local time such as 2026-11-28T09:00.", p.name, v)})
			continue
		}
		*p.dst = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs = append(errs, pregonero.FieldError{Field: "to", Code: pregonero.FieldInvalid, Actual: q.Get("to"), Limit: q.Get("from"),
			Message: "to must be after from."})
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			errs = append(errs, pregonero.FieldError{Field: "limit", Code: pregonero.FieldInvalid, Actual: v, Limit: 500,
				Message: "limit must be a whole number from 1 to 500."})
		}
		f.Limit = n
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b pregonero.FieldError) int { return cmp.Compare(a.Field, b.Field) })
		return f, pregonero.Invalid(errs)
	}
	return f, nil
}

// handlePatchPost edits a post whose deliveries are all still waiting. The
// merged post is validated like a new one, for every target.
//
// A delivery planned ahead of its time (see pregonero.Planner) is planned
// again for the new time and content (replan).
func (s *Server) handlePatchPost(w http.ResponseWriter, r *http.Request) error {
	var patch PostPatch
	if err := decodeBody(w, r, s.maxBody, &patch, false); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	cur, err := s.store.Post(ctx, id)
	if err != nil {
		return err
	}
	req := PostRequest{Text: cur.Text, Link: cur.Link, Media: cur.Media, Targets: cur.Targets, Overrides: cur.Overrides,
		ScheduledAt: cur.ScheduledAt.UTC().Format(time.RFC3339Nano), Campaign: cur.Campaign, Author: cur.Author, Unit: cur.Unit}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&req.Text, patch.Text)
	set(&req.Link, patch.Link)
	set(&req.ScheduledAt, patch.ScheduledAt)
	set(&req.Timezone, patch.Timezone)
	set(&req.Campaign, patch.Campaign)
	set(&req.Author, patch.Author)
	set(&req.Unit, patch.Unit)
	if patch.Media != nil {
		req.Media = *patch.Media
	}
	if patch.Overrides != nil {
		req.Overrides = *patch.Overrides
	}
	now := s.now()
	c, err := s.checkPost(ctx, &req, now)
	if err != nil {
		return err
	}
	if patch.ScheduledAt == nil {
		// An unchanged time is kept as it is, even if it is now close.
		c.post.ScheduledAt = cur.ScheduledAt
		c.dropField("scheduled_at")
	}
	if err := s.checkTargets(ctx, c); err != nil {
		return err
	}
	if errs := c.allErrors(); len(errs) > 0 {
		return pregonero.Invalid(errs)
	}
	np := c.post
	p, err := s.store.UpdatePost(ctx, id, func(p *pregonero.Post) error {
		// The patch was merged into, and validated against, what was read:
		// an edit that landed meanwhile would be undone silently.
		if !p.UpdatedAt.Equal(cur.UpdatedAt) {
			return pregonero.Errorf(pregonero.ECONFLICT, "post %s was changed by someone else meanwhile; read it again and repeat the edit", id)
		}
		p.Text, p.Link, p.Media, p.Overrides = np.Text, np.Link, np.Media, np.Overrides
		p.ScheduledAt, p.Campaign, p.Author, p.Unit = np.ScheduledAt, np.Campaign, np.Author, np.Unit
		return nil
	})
	if err != nil {
		return err
	}
	// The edit dropped what earlier attempts prepared on the networks
	// (checkpoints of the old content).
	for _, d := range cur.Deliveries {
		if len(d.Checkpoint) > 0 {
			s.control.Cleanup(d)
		}
	}
	if p, err = s.replan(ctx, c, p, now); err != nil {
		return err
	}
	s.control.Notify(p.ScheduledAt)
	s.writePost(w, http.StatusOK, p)
	return nil
}

// replan sets the start of the deliveries an adapter sends ahead of their
// time after an edit: the lead follows the new time and the new media (a
// video that became large goes ahead, one that became small goes at its
// time), never before now; deliveries claimed, tried or waiting for a
// limit meanwhile are left as they are.
func (s *Server) replan(ctx context.Context, c *checked, p *pregonero.Post, now time.Time) (*pregonero.Post, error) {
	moved := false
	for _, d := range p.Deliveries {
		i := slices.IndexFunc(c.accounts, func(a *pregonero.Account) bool { return a.ID == d.AccountID })
		if i < 0 || d.State != pregonero.DeliveryQueued || len(d.Attempts) > 0 || d.NextAttemptAt.After(d.ScheduledAt) {
			continue // sent, tried or waiting for a limit: left as it is
		}
		if _, ok := s.adapters[d.Network].(pregonero.Planner); !ok {
			continue
		}
		want := s.startAt(c, c.accounts[i], now)
		if want.Equal(d.NextAttemptAt) {
			continue
		}
		if _, err := s.store.UpdateDelivery(ctx, d.ID, func(x *pregonero.Delivery) error {
			if x.State == pregonero.DeliveryQueued && !x.Claimed && len(x.Attempts) == 0 {
				x.NextAttemptAt = want
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("replan delivery %s: %w", d.ID, err)
		}
		moved = true
	}
	if !moved {
		return p, nil
	}
	return s.store.Post(ctx, p.ID)
}

// startAt is when a new delivery to a starts: its scheduled instant, or
// earlier, never before now, for an adapter that sends ahead of time.
func (s *Server) startAt(c *checked, a *pregonero.Account, now time.Time) time.Time {
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

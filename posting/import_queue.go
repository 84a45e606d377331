package posting

import (
	"context"
	"fmt"
	"time"

	"pregonero"
)

// placeQueued gives the rows that go to the queue (scheduled_at "queue",
// not drafts) each target's next free slot, as Create does one post at a
// time, but with one plan per account for the whole file: the slot one
// row takes is taken for the rows after it, although none is written
// yet. A target without slots, or without a free one, is an error of the
// row's scheduled_at. The caller holds s.queue.mu from here until the
// posts are written, when the import is made.
func (im *importer) placeQueued(ctx context.Context, rows []*importRow, rep *ImportReport, now time.Time) error {
	var ss pregonero.SlotStore
	plans := map[string]*slotPlan{}
	changed := false
	for _, r := range rows {
		if r.bad || !r.c.queue || r.draft.Draft {
			continue
		}
		if ss == nil {
			var err error
			if ss, err = im.s.slotStore(); err != nil {
				return err
			}
		}
		var errs []ImportError
		bad := func(id, msg string) {
			errs = append(errs, ImportError{Row: r.line, Column: im.colName(ColScheduledAt), FieldError: pregonero.FieldError{
				Target: id, Field: "scheduled_at", Code: pregonero.FieldInvalid, Actual: QueueTime, Message: msg}})
		}
		c := r.c
		c.slotAt = map[string]time.Time{}
		var first time.Time
		for _, id := range c.post.Targets {
			if _, done := c.slotAt[id]; done || id == "" {
				continue
			}
			plan, ok := plans[id]
			if !ok {
				sl, err := ss.Slots(ctx, id)
				if err != nil {
					return fmt.Errorf("import: slots of %s: %w", id, err)
				}
				if len(sl.Slots) > 0 {
					plan = im.s.newPlan(ss, id, sl.Slots)
				}
				plans[id] = plan
			}
			if plan == nil {
				bad(id, fmt.Sprintf("%s has no posting slots, so the post cannot go to its queue; set its slots first or give a time.", id))
				continue
			}
			t, ok, err := plan.next(ctx, now)
			if err != nil {
				return fmt.Errorf("import: place in the queue of %s: %w", id, err)
			}
			if !ok {
				bad(id, fmt.Sprintf("Every slot of %s in the next two years is taken; add slots or give a time.", id))
				continue
			}
			c.slotAt[id] = t
			if first.IsZero() || t.Before(first) {
				first = t
			}
		}
		if len(errs) > 0 {
			r.bad, changed = true, true
			rep.Valid--
			rep.Errors = append(rep.Errors, errs...)
			continue
		}
		c.post.ScheduledAt = first
	}
	if changed {
		sortImportErrors(rep.Errors)
	}
	return nil
}

// queued reports whether some row goes to the queue.
func queued(rows []*importRow) bool {
	for _, r := range rows {
		if !r.bad && r.c.queue && !r.draft.Draft {
			return true
		}
	}
	return false
}

package posting

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"pregonero"
	"pregonero/holiday"
	"pregonero/rrule"
)

// MaxSlots caps the posting slots of one account: three a day every day
// is 21; the cap leaves room and bounds the work of a change.
const MaxSlots = 64

// slotStore returns the store's slots and queue, or the error that says
// the store keeps none.
func (s *Service) slotStore() (pregonero.SlotStore, error) {
	ss, ok := s.store.(pregonero.SlotStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no posting slots.")
	}
	return ss, nil
}

// Slots returns an account's posting slots, an empty list when it has
// none. Every signed-in user may read them.
func (s *Service) Slots(ctx context.Context, account string) (*pregonero.AccountSlots, error) {
	ss, err := s.slotStore()
	if err != nil {
		return nil, err
	}
	if _, err := s.store.Account(ctx, account); err != nil {
		return nil, err
	}
	return ss.Slots(ctx, account)
}

// SlotsChange is the outcome of setting an account's slots: the slots
// stored, the queue-placed deliveries moved to another slot, and those
// held for a person because no slot is left for them.
type SlotsChange struct {
	Slots *pregonero.AccountSlots `json:"slots"`
	Moved []*pregonero.Delivery   `json:"moved"`
	Held  []*pregonero.Delivery   `json:"held"`
	// Placed are deliveries that waited for a slot and have one now.
	Placed   []*pregonero.Delivery `json:"placed"`
	Warnings []pregonero.Warning   `json:"warnings,omitempty"`
}

// SetSlots replaces an account's posting slots. No post is dropped: a
// delivery the queue placed at an instant the new slots no longer have
// moves to the next free slot after it (after now when that is later);
// when the account has no slot left (or none free within the two years
// a post may be scheduled ahead), it is held for a person
// (pregonero.HoldNoSlot), who releases or cancels it, or sets slots
// again, which places it. Deliveries given a time by a person never move.
// A user acting in ctx must be allowed to post to the account.
func (s *Service) SetSlots(ctx context.Context, account string, slots []pregonero.Slot) (*SlotsChange, error) {
	ss, err := s.slotStore()
	if err != nil {
		return nil, err
	}
	if err := s.mayPost(ctx, account); err != nil {
		return nil, err
	}
	if _, err := s.store.Account(ctx, account); err != nil {
		return nil, err
	}
	slots, errs := checkSlots(slots)
	if len(errs) > 0 {
		return nil, pregonero.Invalid(errs)
	}
	s.queue.mu.Lock()
	defer s.queue.mu.Unlock()
	now := s.now()
	queue, err := ss.Queue(ctx, account, now, 0)
	if err != nil {
		return nil, err
	}
	held, err := ss.QueueHeld(ctx, account)
	if err != nil {
		return nil, err
	}
	plan := s.newPlan(ss, account, slots)
	var moves []pregonero.QueueMove
	for _, e := range append(queue, held...) {
		d := e.Delivery
		waiting := d.State == pregonero.DeliveryHeld && d.HoldReason == pregonero.HoldNoSlot
		movable := d.State == pregonero.DeliveryQueued && !d.Claimed
		if !e.Placed || !waiting && !movable || movable && s.isSlotInstant(slots, d.ScheduledAt) {
			continue
		}
		from := now
		if d.ScheduledAt.After(from) && !waiting {
			from = d.ScheduledAt
		}
		at, ok, err := plan.next(ctx, from)
		if err != nil {
			return nil, err
		}
		switch {
		case ok:
			moves = append(moves, pregonero.QueueMove{DeliveryID: d.ID, At: at, Start: s.queueStart(ctx, d, at, now)})
		case !waiting:
			moves = append(moves, pregonero.QueueMove{DeliveryID: d.ID, Hold: true, Why: noSlotWhy(account, len(slots) == 0)})
		}
	}
	changed, err := ss.SetSlots(ctx, &pregonero.AccountSlots{Account: account, Slots: slots}, moves)
	if err != nil {
		return nil, err
	}
	out := &SlotsChange{Moved: []*pregonero.Delivery{}, Held: []*pregonero.Delivery{}, Placed: []*pregonero.Delivery{}}
	for _, d := range changed {
		switch {
		case d.State == pregonero.DeliveryHeld:
			out.Held = append(out.Held, d)
		case slices.ContainsFunc(held, func(e pregonero.QueueEntry) bool { return e.Delivery.ID == d.ID }):
			out.Placed = append(out.Placed, d)
		default:
			out.Moved = append(out.Moved, d)
		}
	}
	if len(out.Held) > 0 {
		out.Warnings = append(out.Warnings, pregonero.Warning{Code: pregonero.HoldNoSlot, Account: account,
			Message: fmt.Sprintf("%d post(s) of the queue of %s have no slot left and wait for a person: set slots again to place them, or release or cancel them.", len(out.Held), account)})
	}
	if out.Slots, err = ss.Slots(ctx, account); err != nil {
		return nil, err
	}
	return out, nil
}

// noSlotWhy is the explanation a delivery held for want of a slot carries.
func noSlotWhy(account string, none bool) string {
	if none {
		return fmt.Sprintf("The slot of this post was removed and %s has no posting slot left: set slots to place it again, or release it (it goes out at once) or cancel it.", account)
	}
	return fmt.Sprintf("The slot of this post was removed and %s has no free slot in the next two years: add slots to place it again, or release or cancel it.", account)
}

// checkSlots validates slots and returns them normalized: days in week
// order, once each.
func checkSlots(slots []pregonero.Slot) ([]pregonero.Slot, []pregonero.FieldError) {
	var errs []pregonero.FieldError
	if len(slots) > MaxSlots {
		errs = append(errs, pregonero.FieldError{Field: "slots", Code: pregonero.FieldTooMany, Limit: MaxSlots, Actual: len(slots),
			Message: fmt.Sprintf("An account has at most %d posting slots; %d were given.", MaxSlots, len(slots))})
		return nil, errs
	}
	out := make([]pregonero.Slot, 0, len(slots))
	seen := map[string]bool{}
	for i, sl := range slots {
		field := fmt.Sprintf("slots[%d]", i)
		if _, _, ok := sl.Clock(); !ok {
			errs = append(errs, pregonero.FieldError{Field: field + ".time", Code: pregonero.FieldInvalid, Actual: sl.Time,
				Message: fmt.Sprintf("%q is not a time of day; use 24-hour HH:MM, such as 07:00 or 18:30.", sl.Time)})
		}
		var days []string
		for _, d := range sl.Days {
			if !slices.Contains(pregonero.Weekdays, d) {
				errs = append(errs, pregonero.FieldError{Field: field + ".days", Code: pregonero.FieldUnknown, Actual: d, Limit: pregonero.Weekdays,
					Message: fmt.Sprintf("%q is not a weekday; use %v.", d, pregonero.Weekdays)})
			}
		}
		for _, d := range pregonero.Weekdays {
			if slices.Contains(sl.Days, d) {
				days = append(days, d)
			}
		}
		if len(sl.Days) == 0 {
			errs = append(errs, pregonero.FieldError{Field: field + ".days", Code: pregonero.FieldRequired,
				Message: "Choose at least one weekday for the slot."})
		}
		for _, d := range days {
			if k := d + " " + sl.Time; seen[k] {
				errs = append(errs, pregonero.FieldError{Field: field, Code: pregonero.FieldInvalid, Actual: k,
					Message: fmt.Sprintf("Two slots are on %s at %s; keep one.", d, sl.Time)})
			} else {
				seen[k] = true
			}
		}
		out = append(out, pregonero.Slot{Days: days, Time: sl.Time, SkipHolidays: sl.SkipHolidays})
	}
	slices.SortStableFunc(out, func(a, b pregonero.Slot) int {
		if a.Time != b.Time {
			if a.Time < b.Time {
				return -1
			}
			return 1
		}
		return 0
	})
	return out, errs
}

// slotClock is a slot resolved for the arithmetic.
type slotClock struct {
	minute int // of the day
	days   [7]bool
	skip   bool
}

func clocks(slots []pregonero.Slot) []slotClock {
	var out []slotClock
	for _, sl := range slots {
		h, m, ok := sl.Clock()
		if !ok {
			continue
		}
		c := slotClock{minute: h*60 + m, skip: sl.SkipHolidays}
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			c.days[wd] = sl.On(wd)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b slotClock) int { return a.minute - b.minute })
	return out
}

// SlotInstants yields, in order, the instants of the slots strictly after
// from and no later than the latest a post may be scheduled, in the
// service's zone: each slot on each of its weekdays, except on festivos
// for a slot that skips them. Two slots at the same time give one
// instant. In a zone that changes its offset, a slot's time the clock
// skips goes out at the first instant after the skip, and a time it
// repeats, once, the first time.
func (s *Service) SlotInstants(slots []pregonero.Slot, from time.Time) iter.Seq[time.Time] {
	cs := clocks(slots)
	until := from.Add(MaxScheduleAhead)
	return func(yield func(time.Time) bool) {
		if len(cs) == 0 {
			return
		}
		local := from.In(s.loc)
		y, m, d := local.Date()
		ts := make([]time.Time, 0, len(cs))
		for day := time.Date(y, m, d, 0, 0, 0, 0, s.loc); !day.After(until); {
			dy, dm, dd := day.Date()
			wd := day.Weekday()
			next := time.Date(dy, dm, dd+1, 0, 0, 0, 0, s.loc)
			// A day without a change of offset (every day in Bogotá) has
			// its instants at plain offsets from its midnight.
			plain := next.Sub(day) == 24*time.Hour
			festivo := -1 // unknown until a slot asks
			ts = ts[:0]
			for _, c := range cs {
				if !c.days[wd] {
					continue
				}
				if c.skip {
					if festivo < 0 {
						festivo = 0
						if s.queue.holidays.Is(dy, dm, dd) {
							festivo = 1
						}
					}
					if festivo == 1 {
						continue
					}
				}
				if plain {
					ts = append(ts, day.Add(time.Duration(c.minute)*time.Minute))
					continue
				}
				// The day the clock changes: a time the clock skips goes
				// out at the first instant after the skip, a time it
				// repeats at the first of the two (as a series' occurrence
				// does), which may put it after a later slot's or on it.
				t, _ := rrule.DateTime{Year: dy, Month: dm, Day: dd, Hour: c.minute / 60, Minute: c.minute % 60}.In(s.loc)
				ts = append(ts, t)
			}
			if !plain {
				slices.SortFunc(ts, time.Time.Compare)
			}
			var last time.Time
			for _, t := range ts {
				if !t.After(from) || t.Equal(last) || t.After(until) {
					continue
				}
				last = t
				if !yield(t.UTC()) {
					return
				}
			}
			day = next
		}
	}
}

// isSlotInstant reports whether t is an instant of the slots.
func (s *Service) isSlotInstant(slots []pregonero.Slot, t time.Time) bool {
	for x := range s.SlotInstants(slots, t.Add(-time.Minute)) {
		return x.Equal(t)
	}
	return false
}

// Holiday returns the name of the festivo of a date in the service's
// zone, and whether it is one.
func (s *Service) Holiday(t time.Time) (string, bool) {
	y, m, d := t.In(s.loc).Date()
	return s.queue.holidays.Name(y, m, d)
}

// NextFreeSlot returns the first instant after now at which a slot of the
// account is free (no delivery of the account holds it), and false when
// the account has no slot or none is free in the two years a post may be
// scheduled ahead. It walks the account's queue index, never the posts.
func (s *Service) NextFreeSlot(ctx context.Context, account string) (time.Time, bool, error) {
	ss, err := s.slotStore()
	if err != nil {
		return time.Time{}, false, err
	}
	sl, err := ss.Slots(ctx, account)
	if err != nil {
		return time.Time{}, false, err
	}
	return s.newPlan(ss, account, sl.Slots).next(ctx, s.now())
}

// slotPlan places deliveries one after the other in an account's slots: an
// instant it gave is taken for the next ones, before any is written.
type slotPlan struct {
	s       *Service
	ss      pregonero.SlotStore
	account string
	slots   []pregonero.Slot
	taken   map[time.Time]bool
	// No instant in (lo, hi] is free: the last search found none before
	// the one it took, hi. A search from within it starts at hi, so that
	// placing n posts one after the other (an import of a file to the
	// queue) walks the slots once, not n times.
	lo, hi time.Time
}

func (s *Service) newPlan(ss pregonero.SlotStore, account string, slots []pregonero.Slot) *slotPlan {
	return &slotPlan{s: s, ss: ss, account: account, slots: slots, taken: map[time.Time]bool{}}
}

// next returns the first free slot instant after from, and takes it.
func (p *slotPlan) next(ctx context.Context, from time.Time) (time.Time, bool, error) {
	start := from
	if len(p.taken) > 0 && !from.Before(p.lo) && from.Before(p.hi) {
		start = p.hi
	}
	cands := p.s.SlotInstants(p.slots, start)
	if len(p.taken) > 0 {
		all := cands
		cands = func(yield func(time.Time) bool) {
			for t := range all {
				if !p.taken[t] && !yield(t) {
					return
				}
			}
		}
	}
	t, ok, err := p.ss.FirstFree(ctx, p.account, cands)
	if ok {
		p.taken[t] = true
		if start.Equal(from) {
			p.lo = from
		}
		p.hi = t
	}
	return t, ok, err
}

// queueStart is when a delivery moved to at starts: at, or earlier for
// an adapter that sends ahead (see startAt), never before now.
func (s *Service) queueStart(ctx context.Context, d *pregonero.Delivery, at, now time.Time) time.Time {
	pl, ok := s.adapters[d.Network].(pregonero.Planner)
	if !ok {
		return at
	}
	p, err := s.store.Post(ctx, d.PostID)
	if err != nil {
		return at
	}
	a, err := s.store.Account(ctx, d.AccountID)
	if err != nil {
		return at
	}
	content := p.ContentFor(a.ID)
	for _, id := range p.MediaIDs() {
		b, err := s.blob(ctx, id)
		if err != nil {
			return at
		}
		content.Media = append(content.Media, b)
	}
	start := at
	if lead := pl.Lead(content, a); lead > 0 {
		start = at.Add(-lead)
		if n := now.UTC(); start.Before(n) {
			start = n
		}
		if start.After(at) {
			start = at
		}
	}
	return start
}

// slotQueue is the queue's shared state in a Service.
type slotQueue struct {
	mu       sync.Mutex
	holidays holiday.Calendar
}

// at is when the delivery to an account goes out: its slot when the post
// goes to the queue, else the post's time.
func (c *checked) at(account string) time.Time {
	if t, ok := c.slotAt[account]; ok {
		return t
	}
	return c.post.ScheduledAt
}

// place finds each target's next free slot for a post that goes to the
// queue, and gives the post the earliest; a target without a free slot is
// an error on it. The caller holds s.queue.mu until the post is written.
func (s *Service) place(ctx context.Context, c *checked, now time.Time) error {
	ss, err := s.slotStore()
	if err != nil {
		c.add(pregonero.FieldError{Field: "scheduled_at", Code: pregonero.FieldInvalid, Actual: QueueTime, Message: err.Error()})
		return nil
	}
	c.slotAt = map[string]time.Time{}
	var first time.Time
	for _, id := range c.post.Targets {
		if _, done := c.slotAt[id]; done || id == "" {
			continue
		}
		sl, err := ss.Slots(ctx, id)
		switch {
		case pregonero.ErrorCode(err) == pregonero.EINVALID || pregonero.ErrorCode(err) == pregonero.ENOTFOUND:
			continue // the checks of the targets say what is wrong
		case err != nil:
			return fmt.Errorf("place in the queue: %w", err)
		case len(sl.Slots) == 0:
			c.addTarget(id, pregonero.FieldError{Field: "scheduled_at", Code: pregonero.FieldInvalid, Actual: QueueTime,
				Message: fmt.Sprintf("%s has no posting slots, so the post cannot go to its queue; set its slots first (PUT /api/v1/queues/%s/slots) or give a time.", id, id)})
			continue
		}
		t, ok, err := s.newPlan(ss, id, sl.Slots).next(ctx, now)
		if err != nil {
			return fmt.Errorf("place in the queue: %w", err)
		}
		if !ok {
			c.addTarget(id, pregonero.FieldError{Field: "scheduled_at", Code: pregonero.FieldInvalid, Actual: QueueTime,
				Message: fmt.Sprintf("Every slot of %s in the next two years is taken; add slots or give a time.", id)})
			continue
		}
		c.slotAt[id] = t
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	if !first.IsZero() {
		c.post.ScheduledAt = first
	}
	return nil
}

// markPlaced records that the queue chose the instants of deliveries,
// before they are written (see pregonero.SlotStore.MarkPlaced).
func (s *Service) markPlaced(ctx context.Context, ds []*pregonero.Delivery, placed bool) error {
	ss, err := s.slotStore()
	if err != nil || len(ds) == 0 {
		return err
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	if err := ss.MarkPlaced(ctx, ids, placed); err != nil {
		return fmt.Errorf("mark the queue's deliveries: %w", err)
	}
	return nil
}

// updatePost edits a post in one write: through the queue's store when
// placed says how the queue's record of its deliveries changes (see
// pregonero.SlotStore.UpdatePlacedPost), else as any post. A store
// without a queue records nothing, so it has nothing to keep in step.
func (s *Service) updatePost(ctx context.Context, id string, placed *bool, fn func(*pregonero.Post) error) (*pregonero.Post, error) {
	if ss, ok := s.store.(pregonero.SlotStore); ok && placed != nil {
		return ss.UpdatePlacedPost(ctx, id, placed, fn)
	}
	return s.store.UpdatePost(ctx, id, fn)
}

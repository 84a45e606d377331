package posting

import (
	"context"
	"fmt"
	"slices"
	"time"

	"pregonero"
)

// QueueItem is one delivery of an account's queue, as people see it.
type QueueItem struct {
	Delivery *pregonero.Delivery `json:"delivery"`
	// Text is what the delivery publishes (the post's text, or the
	// account's own).
	Text string `json:"text"`
	// Placed is set when the queue chose the instant: reordering and slot
	// changes move it. Otherwise a person gave the time and it stays.
	Placed bool `json:"placed"`
	// Movable is set for a placed delivery still waiting for its time.
	Movable bool `json:"movable"`
}

// Festivo is a public holiday in the queue's weeks.
type Festivo struct {
	Date string `json:"date"` // 2026-12-08
	Name string `json:"name"`
}

// Queue is an account's queue: its slots, what waits from now on in time
// order, what waits for a person because no slot is left, the next free
// slot, and the festivos of the coming weeks.
type Queue struct {
	Account  string           `json:"account"`
	Slots    []pregonero.Slot `json:"slots"`
	Items    []QueueItem      `json:"items"`
	Held     []QueueItem      `json:"held"`
	NextFree *time.Time       `json:"next_free,omitempty"`
	Festivos []Festivo        `json:"festivos"`
	// More is set when the queue has more items than were asked for.
	More bool `json:"more,omitempty"`
}

// festivoDays is how far ahead a queue lists the festivos.
const festivoDays = 90

// Queue returns an account's queue with up to limit items (all when
// limit <= 0). Every signed-in user may read it.
func (s *Service) Queue(ctx context.Context, account string, limit int) (*Queue, error) {
	ss, err := s.slotStore()
	if err != nil {
		return nil, err
	}
	if _, err := s.store.Account(ctx, account); err != nil {
		return nil, err
	}
	sl, err := ss.Slots(ctx, account)
	if err != nil {
		return nil, err
	}
	now := s.now()
	n := limit
	if n > 0 {
		n++
	}
	entries, err := ss.Queue(ctx, account, now, n)
	if err != nil {
		return nil, err
	}
	q := &Queue{Account: account, Slots: sl.Slots, Items: []QueueItem{}, Held: []QueueItem{}, Festivos: []Festivo{}}
	if limit > 0 && len(entries) > limit {
		entries, q.More = entries[:limit], true
	}
	if q.Items, err = s.queueItems(ctx, entries); err != nil {
		return nil, err
	}
	held, err := ss.QueueHeld(ctx, account)
	if err != nil {
		return nil, err
	}
	if q.Held, err = s.queueItems(ctx, held); err != nil {
		return nil, err
	}
	if t, ok, err := s.newPlan(ss, account, sl.Slots).next(ctx, now); err != nil {
		return nil, err
	} else if ok {
		q.NextFree = &t
	}
	y, m, d := now.In(s.loc).Date()
	for i := range festivoDays {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, s.loc)
		if name, ok := s.Holiday(day); ok {
			q.Festivos = append(q.Festivos, Festivo{Date: day.Format(time.DateOnly), Name: name})
		}
	}
	return q, nil
}

func (s *Service) queueItems(ctx context.Context, entries []pregonero.QueueEntry) ([]QueueItem, error) {
	out := make([]QueueItem, 0, len(entries))
	posts := map[string]*pregonero.Post{}
	for _, e := range entries {
		d := e.Delivery
		p, ok := posts[d.PostID]
		if !ok {
			var err error
			if p, err = s.store.Post(ctx, d.PostID); err != nil {
				return nil, fmt.Errorf("queue: %w", err)
			}
			posts[d.PostID] = p
		}
		out = append(out, QueueItem{Delivery: d, Text: p.ContentFor(d.AccountID).Text, Placed: e.Placed,
			Movable: e.Placed && d.State == pregonero.DeliveryQueued && !d.Claimed})
	}
	return out, nil
}

// MoveInAccountQueue is MoveInQueue for a delivery named in the queue of
// an account, as the API names it: a delivery of another account is not
// in that queue, so it is not found there.
func (s *Service) MoveInAccountQueue(ctx context.Context, account, deliveryID string, position int) ([]*pregonero.Delivery, error) {
	// A reader is refused before the delivery is looked up: a write route
	// answers a viewer 403, whatever the delivery named.
	if err := s.mayPost(ctx); err != nil {
		return nil, err
	}
	d, err := s.store.Delivery(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	if d.AccountID != account {
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "Delivery %s is not in the queue of %s.", deliveryID, account)
	}
	return s.MoveInQueue(ctx, deliveryID, position)
}

// MoveInQueue puts a delivery the queue placed at a position (1 is the
// first) among its account's deliveries that the queue placed and that
// still wait: the instants they hold are handed out again in the new
// order, so the posts trade slots and no slot is gained or lost. A
// delivery given its time by a person keeps it and is not counted. It
// returns the deliveries that moved. A user acting in ctx must be
// allowed to post to the account.
func (s *Service) MoveInQueue(ctx context.Context, deliveryID string, position int) ([]*pregonero.Delivery, error) {
	ss, err := s.slotStore()
	if err != nil {
		return nil, err
	}
	d, err := s.store.Delivery(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	if err := s.mayPost(ctx, d.AccountID); err != nil {
		return nil, err
	}
	s.queue.mu.Lock()
	defer s.queue.mu.Unlock()
	now := s.now()
	entries, err := ss.Queue(ctx, d.AccountID, now, 0)
	if err != nil {
		return nil, err
	}
	var order []*pregonero.Delivery
	for _, e := range entries {
		if e.Placed && e.Delivery.State == pregonero.DeliveryQueued && !e.Delivery.Claimed {
			order = append(order, e.Delivery)
		}
	}
	i := slices.IndexFunc(order, func(x *pregonero.Delivery) bool { return x.ID == deliveryID })
	if i < 0 {
		return nil, pregonero.Errorf(pregonero.ECONFLICT, "Delivery %s is not waiting in the queue of %s: only posts added to the queue, not yet going out, can be reordered; a post given its own time keeps it.", deliveryID, d.AccountID)
	}
	if position < 1 || position > len(order) {
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "position", Code: pregonero.FieldInvalid, Actual: position, Limit: len(order),
			Message: fmt.Sprintf("The queue of %s has %d posts that can move; give a position from 1 to %d.", d.AccountID, len(order), len(order))}})
	}
	instants := make([]time.Time, len(order))
	for k, x := range order {
		instants[k] = x.ScheduledAt
	}
	moving := order[i]
	order = slices.Insert(slices.Delete(order, i, i+1), position-1, moving)
	var moves []pregonero.QueueMove
	for k, x := range order {
		if !x.ScheduledAt.Equal(instants[k]) {
			moves = append(moves, pregonero.QueueMove{DeliveryID: x.ID, At: instants[k], Start: s.queueStart(ctx, x, instants[k], now)})
		}
	}
	if len(moves) == 0 {
		return []*pregonero.Delivery{}, nil
	}
	return ss.MoveQueued(ctx, moves)
}

package posting_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/posting"
	"pregonero/store"
)

// local is a wall time in Bogotá (t0 is Monday 7 December 2026, 08:00
// there; Tuesday 8 is a festivo, the Inmaculada Concepción).
func local(day, hour, minute int) time.Time {
	return time.Date(2026, 12, day, hour, minute, 0, 0, bogota).UTC()
}

// weekdays are the three daily slots of the issue, Monday to Friday,
// skipping festivos.
var weekdays = []pregonero.Slot{
	{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Time: "07:00", SkipHolidays: true},
	{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Time: "12:30", SkipHolidays: true},
	{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Time: "18:00", SkipHolidays: true},
}

func (f *fixture) setSlots(t *testing.T, account string, slots []pregonero.Slot) *posting.SlotsChange {
	t.Helper()
	ch, err := f.svc.SetSlots(context.Background(), account, slots)
	if err != nil {
		t.Fatalf("SetSlots(%s) = %v", account, err)
	}
	return ch
}

func (f *fixture) toQueue(t *testing.T, targets ...string) *pregonero.Post {
	t.Helper()
	return f.create(t, posting.Draft{Text: "Boletín de la mañana", Targets: targets, ScheduledAt: posting.QueueTime})
}

func (f *fixture) deliveryAt(t *testing.T, id string) time.Time {
	t.Helper()
	d, err := f.db.Delivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d.ScheduledAt
}

func wantTimes(t *testing.T, what string, got []time.Time, want ...time.Time) {
	t.Helper()
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("%s:\ngot  %v\nwant %v", what, got, want)
	}
}

func asError(err error, target **pregonero.Error) bool { return errors.As(err, target) }

func first(seq func(func(time.Time) bool), n int) []time.Time {
	var out []time.Time
	for t := range seq {
		if len(out) == n {
			break
		}
		out = append(out, t)
	}
	return out
}

func TestSlotInstants(t *testing.T) {
	f := newFixture(t)
	t.Run("slots after now, skipping the festivo", func(t *testing.T) {
		wantTimes(t, "instants", first(f.svc.SlotInstants(weekdays, f.clock.Now()), 4),
			local(7, 12, 30), local(7, 18, 0), local(9, 7, 0), local(9, 12, 30))
	})
	t.Run("a slot that does not skip festivos keeps them", func(t *testing.T) {
		slots := []pregonero.Slot{{Days: []string{"tue"}, Time: "09:15"}}
		wantTimes(t, "instants", first(f.svc.SlotInstants(slots, f.clock.Now()), 2), local(8, 9, 15), local(15, 9, 15))
	})
	t.Run("a weekend slot and the week go in time order", func(t *testing.T) {
		slots := []pregonero.Slot{{Days: []string{"sat", "sun"}, Time: "10:00"}, {Days: []string{"sun"}, Time: "08:00"}}
		wantTimes(t, "instants", first(f.svc.SlotInstants(slots, f.clock.Now()), 3), local(12, 10, 0), local(13, 8, 0), local(13, 10, 0))
	})
	t.Run("no slots, no instants", func(t *testing.T) {
		if got := first(f.svc.SlotInstants(nil, f.clock.Now()), 1); len(got) != 0 {
			t.Errorf("instants = %v", got)
		}
	})
	t.Run("the festivo is named", func(t *testing.T) {
		if name, ok := f.svc.Holiday(local(8, 12, 0)); !ok || name != "Inmaculada Concepción" {
			t.Errorf("Holiday(8 Dec) = %q %v", name, ok)
		}
	})
}

// TestSlotInstantsAcrossDaylightSaving: a zone that changes its offset
// (Bogotá does not; New York does) keeps every slot at its local time,
// a slot inside the skipped hour goes out at the first instant after
// it, and the instants still come in time order, once each: the queue's
// search for a free one relies on it.
func TestSlotInstantsAcrossDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	svc, err := posting.New(posting.Config{Store: f.db, Sender: &sender{}, Now: f.clock.Now, Location: ny})
	if err != nil {
		t.Fatal(err)
	}
	every := pregonero.Weekdays
	slots := []pregonero.Slot{{Days: every, Time: "01:30"}, {Days: every, Time: "02:30"}, {Days: every, Time: "03:00"}, {Days: every, Time: "07:00"}}
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2027, month, day, hour, minute, 0, 0, ny).UTC()
	}
	t.Run("the day the clock skips 2:00 to 3:00", func(t *testing.T) {
		// 14 March 2027: 2:30 does not exist and goes out at 3:00, the
		// first instant after the skip, with the 3:00 slot.
		wantTimes(t, "instants", first(svc.SlotInstants(slots, at(time.March, 14, 0, 0)), 4),
			at(time.March, 14, 1, 30), at(time.March, 14, 3, 0), at(time.March, 14, 7, 0), at(time.March, 15, 1, 30))
	})
	t.Run("a slot only in the skipped hour goes out after it", func(t *testing.T) {
		only := []pregonero.Slot{{Days: every, Time: "02:30"}}
		wantTimes(t, "instants", first(svc.SlotInstants(only, at(time.March, 13, 12, 0)), 2),
			at(time.March, 14, 3, 0), at(time.March, 15, 2, 30))
	})
	t.Run("the day 1:30 comes twice, once", func(t *testing.T) {
		// 7 November 2027: 1:30 is first 5:30 UTC, then 6:30 UTC.
		wantTimes(t, "instants", first(svc.SlotInstants(slots, at(time.November, 7, 0, 0)), 4),
			time.Date(2027, 11, 7, 5, 30, 0, 0, time.UTC), at(time.November, 7, 2, 30), at(time.November, 7, 3, 0), at(time.November, 7, 7, 0))
	})
	t.Run("two years of instants in time order, once each", func(t *testing.T) {
		var last time.Time
		n := 0
		for x := range svc.SlotInstants(append(slots, pregonero.Slot{Days: every, Time: "03:30"}), at(time.January, 1, 0, 0)) {
			if !x.After(last) {
				t.Fatalf("instant %d, %v, comes after %v", n, x, last)
			}
			last = x
			n++
		}
		if n < 2*365*5-10 {
			t.Errorf("%d instants in two years, want about %d", n, 2*365*5)
		}
	})
}

func TestSetSlotsRefusesBadSlots(t *testing.T) {
	f := newFixture(t)
	for name, c := range map[string]struct {
		slots []pregonero.Slot
		field string
	}{
		"a time that is not HH:MM": {[]pregonero.Slot{{Days: []string{"mon"}, Time: "7am"}}, "slots[0].time"},
		"an unknown weekday":       {[]pregonero.Slot{{Days: []string{"lunes"}, Time: "07:00"}}, "slots[0].days"},
		"no weekday":               {[]pregonero.Slot{{Time: "07:00"}}, "slots[0].days"},
		"the same slot twice":      {[]pregonero.Slot{{Days: []string{"mon"}, Time: "07:00"}, {Days: []string{"mon", "tue"}, Time: "07:00"}}, "slots[1]"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.SetSlots(context.Background(), "x-gob", c.slots)
			var pe *pregonero.Error
			if pregonero.ErrorCode(err) != pregonero.EINVALID || !asError(err, &pe) || len(pe.Fields) == 0 || pe.Fields[0].Field != c.field {
				t.Errorf("SetSlots = %v, want invalid on %s", err, c.field)
			}
		})
	}
	t.Run("an editor of another dependencia is refused", func(t *testing.T) {
		f := newAccessFixture(t)
		_, err := f.svc.SetSlots(as(gob), "x-salud", weekdays)
		wantForbidden(t, err, "x-salud")
		if _, err := f.svc.SetSlots(as(salud), "x-salud", weekdays); err != nil {
			t.Errorf("SetSlots as the dependencia's editor = %v", err)
		}
	})
}

func TestAddToQueue(t *testing.T) {
	t.Run("each post takes the next free slot, festivo skipped", func(t *testing.T) {
		f := newFixture(t)
		f.setSlots(t, "x-gob", weekdays)
		var got []time.Time
		for range 3 {
			p := f.toQueue(t, "x-gob")
			got = append(got, p.Deliveries[0].ScheduledAt)
			if !p.ScheduledAt.Equal(p.Deliveries[0].ScheduledAt) {
				t.Errorf("post time %v, delivery %v", p.ScheduledAt, p.Deliveries[0].ScheduledAt)
			}
		}
		wantTimes(t, "slots taken", got, local(7, 12, 30), local(7, 18, 0), local(9, 7, 0))
	})
	t.Run("a slot a post with its own time holds is skipped", func(t *testing.T) {
		f := newFixture(t)
		f.setSlots(t, "x-gob", weekdays)
		f.create(t, posting.Draft{Text: "Agenda del Gobernador", Targets: []string{"x-gob"}, ScheduledAt: local(7, 12, 30).Format(time.RFC3339)})
		p := f.toQueue(t, "x-gob")
		wantTimes(t, "slot", []time.Time{p.Deliveries[0].ScheduledAt}, local(7, 18, 0))
	})
	t.Run("each target gets its own account's slot and the post the earliest", func(t *testing.T) {
		f := newFixture(t)
		f.setSlots(t, "x-gob", weekdays)
		f.setSlots(t, "x-salud", []pregonero.Slot{{Days: []string{"wed"}, Time: "09:00"}})
		p := f.toQueue(t, "x-gob", "x-salud")
		wantTimes(t, "post", []time.Time{p.ScheduledAt}, local(7, 12, 30))
		wantTimes(t, "deliveries", []time.Time{p.Deliveries[0].ScheduledAt, p.Deliveries[1].ScheduledAt}, local(7, 12, 30), local(9, 9, 0))
		t.Run("and an edit of its text keeps them", func(t *testing.T) {
			text := "Boletín corregido"
			got, err := f.svc.Edit(context.Background(), p.ID, &posting.Patch{Text: &text})
			if err != nil {
				t.Fatal(err)
			}
			wantTimes(t, "deliveries after the edit", []time.Time{got.Deliveries[0].ScheduledAt, got.Deliveries[1].ScheduledAt}, local(7, 12, 30), local(9, 9, 0))
		})
	})
	t.Run("the post's time given again keeps it in the queue and each delivery at its slot", func(t *testing.T) {
		f := newFixture(t)
		f.setSlots(t, "x-gob", weekdays)
		f.setSlots(t, "x-salud", []pregonero.Slot{{Days: []string{"wed"}, Time: "09:00"}})
		p := f.toQueue(t, "x-gob", "x-salud")
		at, text := p.ScheduledAt.Format(time.RFC3339), "Boletín corregido"
		got, err := f.svc.Edit(context.Background(), p.ID, &posting.Patch{Text: &text, ScheduledAt: &at})
		if err != nil {
			t.Fatal(err)
		}
		wantTimes(t, "deliveries", []time.Time{got.Deliveries[0].ScheduledAt, got.Deliveries[1].ScheduledAt}, local(7, 12, 30), local(9, 9, 0))
		q, err := f.svc.Queue(context.Background(), "x-salud", 0)
		if err != nil || len(q.Items) != 1 || !q.Items[0].Placed {
			t.Errorf("queue of x-salud = %+v, %v; want the post placed by the queue", q, err)
		}
	})
	t.Run("an account without slots is an error on its target", func(t *testing.T) {
		f := newFixture(t)
		_, _, err := f.svc.Create(context.Background(), &posting.Draft{Text: "x", Targets: []string{"x-gob"}, ScheduledAt: posting.QueueTime}, "")
		var pe *pregonero.Error
		if !asError(err, &pe) || len(pe.Fields) != 1 || pe.Fields[0].Target != "x-gob" || pe.Fields[0].Field != "scheduled_at" {
			t.Fatalf("Create = %v, want an error on x-gob's scheduled_at", err)
		}
	})
	t.Run("a draft scheduled to the queue takes the next slot", func(t *testing.T) {
		f := newFixture(t)
		f.setSlots(t, "x-gob", weekdays)
		d := f.create(t, posting.Draft{Text: "Borrador", Targets: []string{"x-gob"}, Draft: true, ScheduledAt: posting.QueueTime})
		if !d.ScheduledAt.IsZero() {
			t.Errorf("draft time = %v, want none until it is scheduled", d.ScheduledAt)
		}
		// The answer says so: a draft "in the queue" would otherwise go
		// out at once when scheduled without a time.
		if len(d.Warnings) != 1 || d.Warnings[0].Code != pregonero.WarnDraftNotQueued {
			t.Errorf("warnings %+v, want one %s", d.Warnings, pregonero.WarnDraftNotQueued)
		}
		p, err := f.svc.Schedule(context.Background(), d.ID, posting.QueueTime, "")
		if err != nil {
			t.Fatal(err)
		}
		wantTimes(t, "slot", []time.Time{p.Deliveries[0].ScheduledAt, p.ScheduledAt}, local(7, 12, 30), local(7, 12, 30))
	})
	t.Run("an edit to the queue places a post with its own time", func(t *testing.T) {
		f := newFixture(t)
		f.setSlots(t, "x-gob", weekdays)
		p := f.create(t, posting.Draft{Text: "Agenda", Targets: []string{"x-gob"}, ScheduledAt: local(20, 9, 0).Format(time.RFC3339)})
		q := posting.QueueTime
		got, err := f.svc.Edit(context.Background(), p.ID, &posting.Patch{ScheduledAt: &q})
		if err != nil {
			t.Fatal(err)
		}
		wantTimes(t, "slot", []time.Time{got.Deliveries[0].ScheduledAt}, local(7, 12, 30))
	})
}

// interruptedStore is the store with its writes after the first of an
// operation failing, as a crash between two writes leaves it; and with
// Post answering a copy older than the stored post, as a read that
// another edit overtook.
type interruptedStore struct {
	*store.DB
	stale bool
}

func (s *interruptedStore) MoveQueued(context.Context, []pregonero.QueueMove) ([]*pregonero.Delivery, error) {
	return nil, errors.New("the process stopped")
}

func (s *interruptedStore) MarkPlaced(context.Context, []string, bool) error {
	return errors.New("the process stopped")
}

func (s *interruptedStore) Post(ctx context.Context, id string) (*pregonero.Post, error) {
	p, err := s.DB.Post(ctx, id)
	if err == nil && s.stale {
		p.UpdatedAt = p.UpdatedAt.Add(-time.Second)
	}
	return p, err
}

// TestEditsOfQueuedPostsAreOneWrite: an edit of a post the queue placed
// in two accounts' slots, or that takes it out of the queue, is one
// write with the queue's record: nothing that stops after it leaves the
// deliveries at the wrong times, and a refused edit changes nothing.
func TestEditsOfQueuedPostsAreOneWrite(t *testing.T) {
	f := newFixture(t)
	f.setSlots(t, "x-gob", weekdays)
	f.setSlots(t, "x-salud", []pregonero.Slot{{Days: []string{"wed"}, Time: "09:00"}})
	p := f.toQueue(t, "x-gob", "x-salud")
	st := &interruptedStore{DB: f.db}
	svc, err := posting.New(posting.Config{Store: st, Sender: f.sender, Now: f.clock.Now,
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: &adapter{network: pregonero.NetworkX}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Run("a text edit leaves each delivery at its slot", func(t *testing.T) {
		text := "Boletín corregido"
		if _, err := svc.Edit(ctx, p.ID, &posting.Patch{Text: &text}); err != nil {
			t.Fatal(err)
		}
		wantTimes(t, "deliveries", []time.Time{f.deliveryAt(t, p.Deliveries[0].ID), f.deliveryAt(t, p.Deliveries[1].ID)}, local(7, 12, 30), local(9, 9, 0))
	})
	t.Run("a refused edit to a time of its own keeps the post in the queue", func(t *testing.T) {
		st.stale = true
		defer func() { st.stale = false }()
		at := local(21, 9, 0).Format(time.RFC3339)
		if _, err := svc.Edit(ctx, p.ID, &posting.Patch{ScheduledAt: &at}); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("Edit = %v, want a conflict", err)
		}
		q, err := f.svc.Queue(ctx, "x-salud", 0)
		if err != nil || len(q.Items) != 1 || !q.Items[0].Placed {
			t.Fatalf("queue of x-salud = %+v, %v; want the post, placed by the queue", q, err)
		}
	})
	t.Run("an edit to a time of its own takes the post out of the queue", func(t *testing.T) {
		at := local(21, 9, 0).Format(time.RFC3339)
		if _, err := svc.Edit(ctx, p.ID, &posting.Patch{ScheduledAt: &at}); err != nil {
			t.Fatal(err)
		}
		q, err := f.svc.Queue(ctx, "x-salud", 0)
		if err != nil || len(q.Items) != 1 || q.Items[0].Placed || !q.Items[0].Delivery.ScheduledAt.Equal(local(21, 9, 0)) {
			t.Fatalf("queue of x-salud = %+v, %v; want the post at its own time", q, err)
		}
	})
	t.Run("and an edit back to the queue places it again", func(t *testing.T) {
		queue := posting.QueueTime
		got, err := svc.Edit(ctx, p.ID, &posting.Patch{ScheduledAt: &queue})
		if err != nil {
			t.Fatal(err)
		}
		wantTimes(t, "deliveries", []time.Time{got.Deliveries[0].ScheduledAt, got.Deliveries[1].ScheduledAt, got.ScheduledAt}, local(7, 12, 30), local(9, 9, 0), local(7, 12, 30))
		q, err := f.svc.Queue(ctx, "x-salud", 0)
		if err != nil || len(q.Items) != 1 || !q.Items[0].Placed {
			t.Fatalf("queue of x-salud = %+v, %v; want the post placed by the queue", q, err)
		}
	})
}

// TestAddingToTheQueueAtOnceTakesDistinctSlots: posts added to one
// queue at the same time, through every entry point (a new post, a
// draft scheduled, an edit, an import), each get a slot of their own.
func TestAddingToTheQueueAtOnceTakesDistinctSlots(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.setSlots(t, "x-gob", weekdays)
	queue := posting.QueueTime
	var drafts, own []*pregonero.Post
	for i := range 3 {
		drafts = append(drafts, f.create(t, posting.Draft{Text: fmt.Sprintf("Borrador %d", i), Targets: []string{"x-gob"}, Draft: true}))
		own = append(own, f.create(t, posting.Draft{Text: fmt.Sprintf("Agenda %d", i), Targets: []string{"x-gob"}, ScheduledAt: local(28, 9, i).Format(time.RFC3339)}))
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			if _, _, err := f.svc.Create(ctx, &posting.Draft{Text: fmt.Sprintf("Nuevo %d", i), Targets: []string{"x-gob"}, ScheduledAt: queue}, ""); err != nil {
				t.Errorf("Create = %v", err)
			}
		})
		wg.Go(func() {
			if _, err := f.svc.Schedule(ctx, drafts[i].ID, queue, ""); err != nil {
				t.Errorf("Schedule = %v", err)
			}
		})
		wg.Go(func() {
			if _, err := f.svc.Edit(ctx, own[i].ID, &posting.Patch{ScheduledAt: &queue}); err != nil {
				t.Errorf("Edit = %v", err)
			}
		})
		wg.Go(func() {
			data := fmt.Appendf(nil, "text,targets,scheduled_at\nFila %d,x-gob,queue\n", i)
			if rep, err := f.svc.Import(ctx, posting.ImportRequest{Data: data}); err != nil || !rep.Created {
				t.Errorf("Import = %+v, %v", rep, err)
			}
		})
	}
	wg.Wait()
	q, err := f.svc.Queue(ctx, "x-gob", 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[time.Time]string{}
	for _, it := range q.Items {
		if other, ok := seen[it.Delivery.ScheduledAt]; ok {
			t.Errorf("%q and %q both hold %v", other, it.Text, it.Delivery.ScheduledAt)
		}
		seen[it.Delivery.ScheduledAt] = it.Text
	}
	if len(q.Items) != 12 {
		t.Errorf("%d posts in the queue, want 12", len(q.Items))
	}
}

func TestSlotChangesMoveOnlyTheQueue(t *testing.T) {
	f := newFixture(t)
	f.setSlots(t, "x-gob", weekdays)
	a, b, c := f.toQueue(t, "x-gob"), f.toQueue(t, "x-gob"), f.toQueue(t, "x-gob") // Mon 12:30, Mon 18:00, Wed 07:00
	own := f.create(t, posting.Draft{Text: "Agenda", Targets: []string{"x-gob"}, ScheduledAt: local(9, 18, 0).Format(time.RFC3339)})
	wantTimes(t, "before", []time.Time{f.deliveryAt(t, a.Deliveries[0].ID), f.deliveryAt(t, b.Deliveries[0].ID), f.deliveryAt(t, c.Deliveries[0].ID)},
		local(7, 12, 30), local(7, 18, 0), local(9, 7, 0))

	t.Run("a removed slot moves its posts to the next free slot", func(t *testing.T) {
		ch := f.setSlots(t, "x-gob", weekdays[:2]) // 18:00 removed
		if len(ch.Moved) != 1 || ch.Moved[0].ID != b.Deliveries[0].ID || len(ch.Held) != 0 {
			t.Fatalf("moved %d held %d, want b moved", len(ch.Moved), len(ch.Held))
		}
		// Mon 18:00 → Wed 07:00 is a's neighbour c's, so Wed 12:30.
		wantTimes(t, "after", []time.Time{f.deliveryAt(t, a.Deliveries[0].ID), f.deliveryAt(t, b.Deliveries[0].ID), f.deliveryAt(t, c.Deliveries[0].ID)},
			local(7, 12, 30), local(9, 12, 30), local(9, 7, 0))
		p, err := f.db.Post(context.Background(), b.ID)
		if err != nil || !p.ScheduledAt.Equal(local(9, 12, 30)) {
			t.Errorf("post b time = %v, %v; want its delivery's", p.ScheduledAt, err)
		}
	})
	t.Run("a post given its own time is never moved", func(t *testing.T) {
		wantTimes(t, "own", []time.Time{f.deliveryAt(t, own.Deliveries[0].ID)}, local(9, 18, 0))
	})
	t.Run("reordering trades slots", func(t *testing.T) {
		moved, err := f.svc.MoveInQueue(context.Background(), b.Deliveries[0].ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(moved) != 3 {
			t.Errorf("moved %d deliveries, want 3", len(moved))
		}
		wantTimes(t, "after the move", []time.Time{f.deliveryAt(t, b.Deliveries[0].ID), f.deliveryAt(t, a.Deliveries[0].ID), f.deliveryAt(t, c.Deliveries[0].ID)},
			local(7, 12, 30), local(9, 7, 0), local(9, 12, 30))
		q, err := f.svc.Queue(context.Background(), "x-gob", 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range q.Items {
			ids = append(ids, it.Delivery.ID)
		}
		if want := []string{b.Deliveries[0].ID, a.Deliveries[0].ID, c.Deliveries[0].ID, own.Deliveries[0].ID}; !slices.Equal(ids, want) {
			t.Errorf("queue = %v, want %v", ids, want)
		}
		if q.Items[3].Placed || q.Items[3].Movable {
			t.Errorf("the post with its own time is shown as placed by the queue")
		}
	})
	t.Run("a post with its own time cannot be reordered", func(t *testing.T) {
		_, err := f.svc.MoveInQueue(context.Background(), own.Deliveries[0].ID, 1)
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Errorf("MoveInQueue = %v, want conflict", err)
		}
	})
	t.Run("a position out of the queue is refused", func(t *testing.T) {
		_, err := f.svc.MoveInQueue(context.Background(), a.Deliveries[0].ID, 4)
		if pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("MoveInQueue = %v, want invalid", err)
		}
	})
	t.Run("with no slot left the queue waits for a person and says so", func(t *testing.T) {
		ch := f.setSlots(t, "x-gob", nil)
		if len(ch.Held) != 3 || len(ch.Warnings) != 1 || ch.Warnings[0].Code != pregonero.HoldNoSlot {
			t.Fatalf("held %d warnings %+v, want 3 held and a warning", len(ch.Held), ch.Warnings)
		}
		for _, d := range ch.Held {
			if d.State != pregonero.DeliveryHeld || d.HoldReason != pregonero.HoldNoSlot || d.LastError == nil || d.LastError.Message == "" {
				t.Errorf("delivery %s = %s %s %+v, want held for want of a slot, saying why", d.ID, d.State, d.HoldReason, d.LastError)
			}
		}
		wantTimes(t, "own", []time.Time{f.deliveryAt(t, own.Deliveries[0].ID)}, local(9, 18, 0))
		q, err := f.svc.Queue(context.Background(), "x-gob", 0)
		if err != nil || len(q.Held) != 3 || len(q.Items) != 1 || q.NextFree != nil {
			t.Fatalf("queue = %d items %d held next %v, %v", len(q.Items), len(q.Held), q.NextFree, err)
		}
	})
	t.Run("new slots place the waiting posts again", func(t *testing.T) {
		ch := f.setSlots(t, "x-gob", []pregonero.Slot{{Days: []string{"thu"}, Time: "10:00"}})
		if len(ch.Placed) != 3 {
			t.Fatalf("placed %d, want 3", len(ch.Placed))
		}
		var got []time.Time
		for _, p := range []*pregonero.Post{b, a, c} {
			d, err := f.db.Delivery(context.Background(), p.Deliveries[0].ID)
			if err != nil || d.State != pregonero.DeliveryQueued {
				t.Fatalf("delivery = %+v, %v; want queued", d, err)
			}
			got = append(got, d.ScheduledAt)
		}
		wantTimes(t, "placed again", got, local(10, 10, 0), local(17, 10, 0), local(24, 10, 0))
	})
}

func TestNextFreeSlotFollowsTheClock(t *testing.T) {
	f := newFixture(t)
	f.setSlots(t, "x-gob", weekdays)
	next := func() time.Time {
		t.Helper()
		at, ok, err := f.svc.NextFreeSlot(context.Background(), "x-gob")
		if err != nil || !ok {
			t.Fatalf("NextFreeSlot = %v %v %v", at, ok, err)
		}
		return at
	}
	wantTimes(t, "monday 08:00", []time.Time{next()}, local(7, 12, 30))
	f.clock.Set(local(7, 19, 0))
	wantTimes(t, "monday 19:00, before the festivo", []time.Time{next()}, local(9, 7, 0))
	f.clock.Set(local(9, 7, 0))
	wantTimes(t, "at a slot's instant", []time.Time{next()}, local(9, 12, 30))
}

// BenchmarkNextFreeSlot finds the next free slot of an account whose
// queue holds 10,000 posts in its first 10,000 slots (every hour of
// every day but festivos: 10,000 slots are more than a year): the worst
// case, every one of them stepped over in the account's queue index.
func BenchmarkNextFreeSlot(b *testing.B) {
	ctx := context.Background()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(b.TempDir(), "db"), store.WithNow(fc.Now))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.PutAccount(ctx, &pregonero.Account{ID: "x-gob", Network: pregonero.NetworkX, Status: pregonero.AccountActive}); err != nil {
		b.Fatal(err)
	}
	svc, err := posting.New(posting.Config{Store: db, Sender: &sender{}, Now: fc.Now})
	if err != nil {
		b.Fatal(err)
	}
	var hourly []pregonero.Slot
	for h := range 24 {
		hourly = append(hourly, pregonero.Slot{Days: pregonero.Weekdays, Time: fmt.Sprintf("%02d:00", h), SkipHolidays: true})
	}
	if _, err := svc.SetSlots(ctx, "x-gob", hourly); err != nil {
		b.Fatal(err)
	}
	const n = 10_000
	var posts []*pregonero.Post
	i := 0
	for at := range svc.SlotInstants(hourly, fc.Now()) {
		if i == n {
			break
		}
		posts = append(posts, &pregonero.Post{ID: fmt.Sprintf("p%05d", i), Text: "x", Targets: []string{"x-gob"}, ScheduledAt: at, CreatedAt: t0, UpdatedAt: t0,
			Deliveries: []*pregonero.Delivery{{ID: fmt.Sprintf("d%05d", i), AccountID: "x-gob", Network: pregonero.NetworkX, State: pregonero.DeliveryQueued, ScheduledAt: at, NextAttemptAt: at, UpdatedAt: t0}}})
		i++
	}
	if len(posts) < n {
		b.Fatalf("only %d slot instants in the two years ahead", len(posts))
	}
	for chunk := range slices.Chunk(posts, 1000) {
		if err := db.CreatePosts(ctx, chunk...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	// The CPU time the process spends per lookup says what wall time
	// cannot on a machine shared with other work.
	var before, after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &before); err != nil {
		b.Fatal(err)
	}
	ops := 0
	for b.Loop() {
		at, ok, err := svc.NextFreeSlot(ctx, "x-gob")
		if err != nil || !ok {
			b.Fatalf("NextFreeSlot = %v %v %v", at, ok, err)
		}
		ops++
	}
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &after); err != nil {
		b.Fatal(err)
	}
	cpu := func(r syscall.Rusage) time.Duration {
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	b.ReportMetric(float64(cpu(after)-cpu(before))/float64(ops), "cpu-ns/op")
}

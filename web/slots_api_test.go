package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"pregonero"
)

// The week of testNow (Friday 20 November 2026, 15:00 in Bogotá).
func bogotaTime(day, hour, minute int) time.Time {
	loc, err := time.LoadLocation("America/Bogota")
	if err != nil {
		panic(err)
	}
	return time.Date(2026, 11, day, hour, minute, 0, 0, loc).UTC()
}

func TestSlotsAndQueueAPI(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client()
	ctx := context.Background()
	slots := []pregonero.Slot{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Time: "07:00", SkipHolidays: true},
		{Days: []string{"fri"}, Time: "18:00", SkipHolidays: true}}

	t.Run("slots are set and read back", func(t *testing.T) {
		ch, err := c.SetSlots(ctx, "x-gob", slots)
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Slots.Slots) != 2 || len(ch.Moved) != 0 || len(ch.Held) != 0 {
			t.Errorf("answer = %+v", ch)
		}
		got, err := c.Slots(ctx, "x-gob")
		if err != nil || len(got.Slots) != 2 || got.Slots[0].Time != "07:00" {
			t.Errorf("Slots = %+v, %v", got, err)
		}
	})
	var first, second pregonero.Post
	t.Run("a post with scheduled_at queue takes the next free slots", func(t *testing.T) {
		first = ts.createPost(map[string]any{"text": "Boletín", "targets": []string{"x-gob"}, "scheduled_at": "queue"}).Post
		second = ts.createPost(map[string]any{"text": "Agenda", "targets": []string{"x-gob"}, "scheduled_at": "queue"}).Post
		// Friday 18:00, then Monday 7:00 (the 23rd is no festivo).
		if !first.ScheduledAt.Equal(bogotaTime(20, 18, 0)) || !second.ScheduledAt.Equal(bogotaTime(23, 7, 0)) {
			t.Errorf("times = %v, %v", first.ScheduledAt, second.ScheduledAt)
		}
	})
	t.Run("the queue lists them in order with the next free slot and the festivos", func(t *testing.T) {
		q, err := c.Queue(ctx, "x-gob", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Items) != 2 || q.Items[0].Delivery.PostID != first.ID || !q.Items[0].Movable || q.Items[1].Text != "Agenda" {
			t.Errorf("items = %+v", q.Items)
		}
		if q.NextFree == nil || !q.NextFree.Equal(bogotaTime(24, 7, 0)) {
			t.Errorf("next free = %v, want Tuesday 7:00", q.NextFree)
		}
		if len(q.Festivos) == 0 || q.Festivos[0].Date != "2026-12-08" {
			t.Errorf("festivos = %+v, want the Inmaculada first", q.Festivos)
		}
	})
	t.Run("moving the second first trades their slots", func(t *testing.T) {
		moved, err := c.MoveInQueue(ctx, "x-gob", second.Deliveries[0].ID, 1)
		if err != nil || len(moved) != 2 {
			t.Fatalf("MoveInQueue = %d, %v", len(moved), err)
		}
		p, err := c.Post(ctx, second.ID)
		if err != nil || !p.ScheduledAt.Equal(bogotaTime(20, 18, 0)) {
			t.Errorf("second post = %v, %v; want Friday 18:00", p.ScheduledAt, err)
		}
	})
	t.Run("removing every slot holds the queue for a person, with a warning", func(t *testing.T) {
		r := ts.request("PUT", "/api/v1/queues/x-gob/slots", map[string]any{"slots": []any{}})
		if r.status != http.StatusOK {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		var ch struct {
			Held     []pregonero.Delivery `json:"held"`
			Warnings []pregonero.Warning  `json:"warnings"`
		}
		r.decode(t, &ch)
		if len(ch.Held) != 2 || ch.Held[0].HoldReason != pregonero.HoldNoSlot || len(ch.Warnings) != 1 {
			t.Errorf("answer = %s", r.body)
		}
	})
	t.Run("bad slots are refused on their field", func(t *testing.T) {
		r := ts.request("PUT", "/api/v1/queues/x-gob/slots", map[string]any{"slots": []any{map[string]any{"days": []string{"mon"}, "time": "25:00", "skip_holidays": false}}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d %s, want 422", r.status, r.body)
		}
		if e := r.apiError(t); len(e.Fields) != 1 || e.Fields[0].Field != "slots[0].time" {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("an unknown account is not found", func(t *testing.T) {
		for _, path := range []string{"/api/v1/queues/nadie/slots", "/api/v1/queues/nadie"} {
			if r := ts.request("GET", path, nil); r.status != http.StatusNotFound {
				t.Errorf("GET %s = %d %s, want 404", path, r.status, r.body)
			}
		}
	})
	t.Run("a delivery of another account is not in this queue", func(t *testing.T) {
		r := ts.request("POST", "/api/v1/queues/x-salud/move", map[string]any{"delivery_id": first.Deliveries[0].ID, "position": 1})
		if r.status != http.StatusNotFound {
			t.Errorf("got %d %s, want 404", r.status, r.body)
		}
	})
	t.Run("a bad limit is refused", func(t *testing.T) {
		if r := ts.request("GET", "/api/v1/queues/x-gob?limit=0", nil); r.status != http.StatusUnprocessableEntity {
			t.Errorf("got %d %s, want 422", r.status, r.body)
		}
	})
}

package main_test

import (
	"context"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Selectors of the Cola page.
const (
	selQueueSlotsSave = `form.queue-slots button[type=submit]`
	selQueueText      = `#queue-text`
	selQueueAdd       = `form.queue-add button[type=submit]`
)

// stepQueue: the editor opens Cola for the X account, gives it a posting
// slot every day six hours from now, adds a text to the queue and sees
// it in the queue at that slot, placed by the queue.
func stepQueue(r *browserRun, ed *tab) {
	t := r.t
	if r.notBuilt("/queue", "skipped") {
		return
	}
	loc := r.m.Config.Location()
	now := time.Now().In(loc)
	slot := time.Date(now.Year(), now.Month(), now.Day(), (now.Hour()+6)%24, 30, 0, 0, loc)
	if !slot.After(now) {
		slot = slot.AddDate(0, 0, 1)
	}
	ed.open("/queue?account="+acctX, 200)
	ed.check("queue-empty")
	ed.set(`#slot-0-time`, slot.Format("15:04"))
	ed.do(chromedp.Evaluate[chromedp.Void](`(() => {
		for (const d of ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]) document.getElementById("slot-0-" + d).checked = true;
		document.getElementById("slot-0-skip").checked = false;
	})()`))
	if status := ed.submit(selQueueSlotsSave); status != 200 {
		t.Fatalf("save slots: status %d; the page says:\n%s", status, ed.mainText())
	}
	if text := ed.mainText(); !strings.Contains(text, "Franjas guardadas (1).") {
		t.Errorf("no word that the slots were saved; the page says:\n%s", text)
	}
	text := "Boletín de la mañana: vías del Suroeste habilitadas"
	ed.typeText(selQueueText, text)
	if status := ed.submit(selQueueAdd); status != 200 {
		t.Fatalf("add to the queue: status %d; the page says:\n%s", status, ed.mainText())
	}
	ed.wantPath("/queue")
	page := ed.mainText()
	for _, want := range []string{"Añadida a la cola", text, "la cola", slot.Format("15:04")} {
		if !strings.Contains(page, want) {
			t.Errorf("the queue page lacks %q; it says:\n%s", want, page)
		}
	}
	ed.check("queue")
	q, err := r.api.Queue(context.Background(), acctX, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range q.Items {
		if it.Text == text {
			if !it.Delivery.ScheduledAt.Equal(slot) || !it.Placed {
				t.Errorf("queued at %v (placed %v), want %v by the queue", it.Delivery.ScheduledAt, it.Placed, slot)
			}
			return
		}
	}
	t.Errorf("the queue of %s has no post %q: %+v", acctX, text, q.Items)
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"pregonero"
)

func (s *uiServer) queueSlots(t *testing.T, account string, slots ...pregonero.Slot) {
	t.Helper()
	if _, err := s.client().SetSlots(context.Background(), account, slots); err != nil {
		t.Fatal(err)
	}
}

var weekdaySlot = pregonero.Slot{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Time: "07:00", SkipHolidays: true}

func TestUIQueueRoles(t *testing.T) {
	s := newUIServer(t)
	s.queueSlots(t, "x-salud", weekdaySlot)
	for _, user := range []string{"ana", "edu", "vera"} {
		t.Run(user+" sees the queue, its slots and the festivos in Spanish", func(t *testing.T) {
			p := s.signedIn(user).get("/queue?account=x-salud")
			if p.status != http.StatusOK {
				t.Fatalf("got %d", p.status)
			}
			for _, want := range []string{"Lo que sale por Secretaría de Salud", "Próxima franja libre: lun 23 nov 2026, 07:00", "Franjas de publicación",
				"Inmaculada Concepción", `href="/queue"`} {
				if !strings.Contains(p.body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			canEdit := strings.Contains(p.body, `action="/queue/slots"`)
			if want := user != "vera"; canEdit != want {
				t.Errorf("slots form shown: %v, want %v", canEdit, want)
			}
		})
	}
	t.Run("an editor cannot change the slots of another dependencia's account", func(t *testing.T) {
		b := s.signedIn("edu")
		p := b.get("/queue?account=x-gob")
		if strings.Contains(p.body, `action="/queue/slots"`) {
			t.Error("the page offers the slots form for another dependencia's account")
		}
		r := b.post("/queue/slots", url.Values{"csrf_token": {p.csrf(t)}, "account": {"x-gob"}, "slot-count": {"1"},
			"slot-0-time": {"09:00"}, "slot-0-day": {"mon"}})
		if r.status != http.StatusForbidden {
			t.Errorf("POST /queue/slots: got %d, want 403", r.status)
		}
		if sl, _ := s.client().Slots(context.Background(), "x-gob"); len(sl.Slots) != 0 {
			t.Errorf("slots were set: %+v", sl.Slots)
		}
	})
	t.Run("a viewer may post none of the forms", func(t *testing.T) {
		b := s.signedIn("vera")
		token := b.get("/queue").csrf(t)
		for _, path := range []string{"/queue/slots", "/queue/move", "/queue/add"} {
			if r := b.post(path, url.Values{"csrf_token": {token}, "account": {"x-salud"}, "text": {"x"}}); r.status != http.StatusForbidden {
				t.Errorf("POST %s: got %d, want 403", path, r.status)
			}
		}
	})
	t.Run("an unknown account is not found", func(t *testing.T) {
		if p := s.signedIn("ana").get("/queue?account=nadie"); p.status != http.StatusNotFound {
			t.Errorf("got %d, want 404", p.status)
		}
	})
}

func TestUIQueueForms(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("edu")
	page := b.get("/queue?account=x-salud")
	token := page.csrf(t)
	for _, want := range []string{`<label for="slot-0-time">`, `<label for="slot-0-mon">`, `<label for="slot-0-skip" class="inline-label">`, `<label for="queue-text">`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	t.Run("a slot is added with the empty row", func(t *testing.T) {
		r := b.post("/queue/slots", url.Values{"csrf_token": {token}, "account": {"x-salud"}, "slot-count": {"1"}, "slot-0-new": {"yes"},
			"slot-0-time": {"07:00"}, "slot-0-day": {"mon", "tue", "wed", "thu", "fri"}, "slot-0-skip": {"yes"}})
		if r.status != http.StatusSeeOther || r.location() != "/queue?account=x-salud" {
			t.Fatalf("got %d to %q: %s", r.status, r.location(), r.body)
		}
		sl, err := s.client().Slots(context.Background(), "x-salud")
		if err != nil || len(sl.Slots) != 1 || sl.Slots[0].Time != "07:00" || !sl.Slots[0].SkipHolidays || len(sl.Slots[0].Days) != 5 {
			t.Errorf("slots = %+v, %v", sl, err)
		}
		if p := b.get(r.location()); !strings.Contains(p.body, "Franjas guardadas (1).") {
			t.Error("no flash says the slots were saved")
		}
	})
	t.Run("a bad slot is refused next to its field", func(t *testing.T) {
		r := b.post("/queue/slots", url.Values{"csrf_token": {token}, "account": {"x-salud"}, "slot-count": {"2"},
			"slot-0-time": {"07:00"}, "slot-0-day": {"mon"}, "slot-1-new": {"yes"}, "slot-1-time": {"09:00"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", r.status)
		}
		if !strings.Contains(r.body, `<p class="field-error" id="slot-1-days-error">Marque al menos un día.`) {
			t.Errorf("the error is not next to the days of the new slot:\n%s", r.body)
		}
	})
	var first, second string
	t.Run("a text is added to the queue at the next free slot", func(t *testing.T) {
		for _, text := range []string{"Boletín de la mañana", "Agenda del Gobernador"} {
			r := b.post("/queue/add", url.Values{"csrf_token": {token}, "account": {"x-salud"}, "text": {text}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("got %d: %s", r.status, r.body)
			}
		}
		q, err := s.client().Queue(context.Background(), "x-salud", 0)
		if err != nil || len(q.Items) != 2 {
			t.Fatalf("queue = %+v, %v", q, err)
		}
		first, second = q.Items[0].Delivery.ID, q.Items[1].Delivery.ID
		p := b.get("/queue?account=x-salud")
		for _, want := range []string{"Boletín de la mañana", "lun 23 nov 2026, 07:00", "mar 24 nov 2026, 07:00", "la cola"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the queue lacks %q", want)
			}
		}
	})
	t.Run("moving the second up trades the slots", func(t *testing.T) {
		r := b.post("/queue/move", url.Values{"csrf_token": {token}, "account": {"x-salud"}, "delivery": {second}, "position": {"1"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("got %d: %s", r.status, r.body)
		}
		q, err := s.client().Queue(context.Background(), "x-salud", 0)
		if err != nil || q.Items[0].Delivery.ID != second || q.Items[1].Delivery.ID != first {
			t.Errorf("queue after the move = %+v, %v", q.Items, err)
		}
	})
	t.Run("a text without a slot is refused next to the field", func(t *testing.T) {
		r := b.post("/queue/add", url.Values{"csrf_token": {token}, "account": {"x-gob"}, "text": {"Hola"}})
		if r.status != http.StatusForbidden {
			t.Errorf("another dependencia's account: got %d, want 403", r.status)
		}
		admin := s.signedIn("ana")
		r = admin.post("/queue/add", url.Values{"csrf_token": {admin.get("/queue").csrf(t)}, "account": {"x-gob"}, "text": {"Hola"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="queue-add-error">La cuenta no tiene una franja libre`) {
			t.Errorf("got %d:\n%s", r.status, r.body)
		}
	})
	t.Run("removing the last slot leaves the queue waiting for a person, and says so", func(t *testing.T) {
		r := b.post("/queue/slots", url.Values{"csrf_token": {token}, "account": {"x-salud"}, "slot-count": {"2"},
			"slot-0-time": {"07:00"}, "slot-0-day": {"mon"}, "slot-0-remove": {"yes"}, "slot-1-new": {"yes"}, "slot-1-time": {""}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("got %d: %s", r.status, r.body)
		}
		p := b.get(r.location())
		for _, want := range []string{"Publicaciones que se quedaron sin franja y esperan a una persona: 2.", "Esperan a una persona", "No hay franjas libres"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})
}

package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pregonero"
)

func TestUIPauseRoles(t *testing.T) {
	s := newUIServer(t)
	for _, user := range []string{"edu", "vera"} {
		t.Run(user+" may neither open the page nor pause all publishing", func(t *testing.T) {
			b := s.signedIn(user)
			if p := b.get("/pause"); p.status != http.StatusForbidden {
				t.Errorf("GET /pause: got %d, want 403", p.status)
			}
			token := b.get("/").csrf(t)
			for _, path := range []string{"/pause", "/pause/resume", "/pause/overdue"} {
				p := b.post(path, url.Values{"csrf_token": {token}, "reason": {"crisis"}, "confirm": {"yes"}, "action": {"cancel"}, "all": {"yes"}})
				if p.status != http.StatusForbidden {
					t.Errorf("POST %s: got %d, want 403", path, p.status)
				}
			}
			if ps, _ := s.db.Pause(context.Background()); ps.Paused {
				t.Fatal("publishing was paused")
			}
			if strings.Contains(b.get("/").body, `href="/pause"`) {
				t.Error("the menu offers the pause page")
			}
		})
	}
}

func TestUIPauseAll(t *testing.T) {
	s := newUIServer(t)
	admin := s.signedIn("ana")
	form := admin.get("/pause")
	if form.status != 200 {
		t.Fatalf("got %d", form.status)
	}
	for _, want := range []string{`<label for="reason">`, `<label for="confirm" class="inline-label">`, `action="/pause"`, "data-confirm="} {
		if !strings.Contains(form.body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	token := form.csrf(t)

	t.Run("the confirmation and the reason are required", func(t *testing.T) {
		for name, tt := range map[string]struct {
			form  url.Values
			field string
			want  string
		}{
			"without the confirmation": {url.Values{"reason": {"Duelo"}}, "confirm", "Marque la casilla"},
			"without a reason":         {url.Values{"confirm": {"yes"}, "reason": {"  "}}, "reason", "Escriba el motivo de la pausa."},
		} {
			t.Run(name, func(t *testing.T) {
				tt.form.Set("csrf_token", token)
				p := admin.post("/pause", tt.form)
				if p.status != http.StatusUnprocessableEntity {
					t.Fatalf("got %d, want 422", p.status)
				}
				if !strings.Contains(p.body, `id="`+tt.field+`-error">`+tt.want) {
					t.Errorf("no error next to %s:\n%s", tt.field, p.body)
				}
				if ps, _ := s.db.Pause(context.Background()); ps.Paused {
					t.Fatal("publishing was paused")
				}
			})
		}
	})

	t.Run("a pause shows who, when and why on every page", func(t *testing.T) {
		p := admin.post("/pause", url.Values{"csrf_token": {token}, "confirm": {"yes"}, "reason": {"Duelo departamental"}})
		if p.status != http.StatusSeeOther || p.location() != "/pause" {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		if back := admin.get(p.location()); !strings.Contains(back.body, "Toda la publicación quedó en pausa") {
			t.Error("no message after the pause")
		}
		ps, _ := s.db.Pause(context.Background())
		if !ps.Paused || ps.By != "ana" || ps.Reason != "Duelo departamental" {
			t.Fatalf("got %+v", ps)
		}
		if calls := s.ctl.pauseCalls(); len(calls) != 1 || calls[0] != [2]string{"", "Duelo departamental"} {
			t.Errorf("the publisher was told %v", calls)
		}
		for _, b := range []*browser{admin, s.signedIn("vera"), s.signedIn("edu")} {
			for _, path := range []string{"/", "/accounts", "/password"} {
				page := html.UnescapeString(b.get(path).body)
				for _, want := range []string{"La publicación está en pausa", "Desde vie 20 nov 2026, 15:00.", "Por ana.", "Duelo departamental"} {
					if !strings.Contains(page, want) {
						t.Errorf("%s lacks %q", path, want)
					}
				}
			}
		}
		page := html.UnescapeString(admin.get("/pause").body)
		for _, want := range []string{"En pausa desde vie 20 nov 2026, 15:00. La pausó ana.", `action="/pause/resume"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the pause page lacks %q", want)
			}
		}
	})

	t.Run("a pause by the system names nobody", func(t *testing.T) {
		s.request("POST", "/api/v1/resume", nil)
		if r := s.request("POST", "/api/v1/pause", map[string]any{"reason": "desde la API"}); r.status != 200 {
			t.Fatalf("pause: got %d", r.status)
		}
		if ps, _ := s.db.Pause(context.Background()); ps.By != "" {
			t.Errorf("got By %q, want none", ps.By)
		}
		if page := html.UnescapeString(admin.get("/").body); strings.Contains(page, "Por ") {
			t.Error("the banner names someone")
		}
	})
}

// overdueFixture pauses publishing with four posts waiting: three whose
// time passes during the pause by more than the grace, one still to
// come. The clock ends two hours later, at 17:00 in Bogotá.
type overdueFixture struct {
	s                    *uiServer
	admin                *browser
	gob, fb, salud, late postView
}

func newOverdueFixture(t *testing.T) *overdueFixture {
	s := newUIServer(t)
	at := func(d time.Duration) string { return testNow.Add(d).Format(time.RFC3339) }
	f := &overdueFixture{s: s}
	f.gob = s.createPost(map[string]any{"text": "Vacunación en Rionegro", "targets": []string{"x-gob"}, "scheduled_at": at(10 * time.Minute)})
	f.fb = s.createPost(map[string]any{"text": "Feria de las flores", "targets": []string{"fb-gob"}, "scheduled_at": at(20 * time.Minute)})
	f.salud = s.createPost(map[string]any{"text": "Jornada de salud", "targets": []string{"x-salud"}, "scheduled_at": at(30 * time.Minute)})
	f.late = s.createPost(map[string]any{"text": "Más tarde", "targets": []string{"x-gob"}, "scheduled_at": at(5 * time.Hour)})
	f.admin = s.signedIn("ana")
	p := f.admin.post("/pause", url.Values{"csrf_token": {f.admin.get("/pause").csrf(t)}, "confirm": {"yes"}, "reason": {"Consejo de seguridad"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("pause: got %d", p.status)
	}
	s.clock.Add(2 * time.Hour)
	return f
}

func (f *overdueFixture) delivery(t *testing.T, p postView) *pregonero.Delivery {
	t.Helper()
	d, err := f.s.db.Delivery(context.Background(), p.Deliveries[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *overdueFixture) post(t *testing.T, p postView) *pregonero.Post {
	t.Helper()
	q, err := f.s.db.Post(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestUIPauseOverdueOneByOne(t *testing.T) {
	f := newOverdueFixture(t)
	s, admin := f.s, f.admin

	list := admin.get("/pause")
	body := html.UnescapeString(list.body)
	t.Run("while paused, the page lists what a resume would hold", func(t *testing.T) {
		for _, want := range []string{"Atrasadas", "Vacunación en Rionegro", "Feria de las flores", "Jornada de salud",
			"Atrasada 1 h 50 min.", "Quedará retenida al reanudar.", "Al reanudar, las 3 atrasadas de arriba quedarán retenidas"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(body, "Más tarde") {
			t.Error("a post still to come is listed as overdue")
		}
		for _, d := range []string{f.gob.Deliveries[0].ID, f.fb.Deliveries[0].ID} {
			if !strings.Contains(list.body, `<label for="at-`+d+`">`) || !strings.Contains(list.body, `<label for="sel-`+d+`" class="sr-only">`) {
				t.Errorf("the row of %s lacks its labelled fields", d)
			}
		}
	})
	token := list.csrf(t)
	row := func(action string, p postView, extra url.Values) page {
		t.Helper()
		form := url.Values{"csrf_token": {token}, "scope": {"row"}, "action": {action}, "delivery": {p.Deliveries[0].ID}}
		for k, v := range extra {
			form[k] = v
		}
		return admin.post("/pause/overdue", form)
	}

	t.Run("a new time is required and checked by the service, next to the row's field", func(t *testing.T) {
		p := row("reschedule", f.gob, url.Values{"at": {""}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="at-`+f.gob.Deliveries[0].ID+`-error">Indique la nueva hora.`) {
			t.Errorf("empty time: got %d\n%s", p.status, p.body)
		}
		p = row("reschedule", f.gob, url.Values{"at": {"2026-11-19T09:00"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="at-`+f.gob.Deliveries[0].ID+`-error">Esa hora no sirve.`) {
			t.Errorf("a past time: got %d\n%s", p.status, p.body)
		}
		if got := f.post(t, f.gob).ScheduledAt; !got.Equal(testNow.Add(10 * time.Minute)) {
			t.Errorf("the post moved to %v", got)
		}
	})

	t.Run("reschedule moves the post to the new time in Bogotá", func(t *testing.T) {
		p := row("reschedule", f.gob, url.Values{"at": {"2026-11-20T18:30"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		want := time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC)
		if d := f.delivery(t, f.gob); !d.ScheduledAt.Equal(want) || d.State != pregonero.DeliveryQueued {
			t.Errorf("got %s at %v, want queued at %v", d.State, d.ScheduledAt, want)
		}
		if back := admin.get(p.location()); !strings.Contains(back.body, "Reprogramadas: 1.") {
			t.Error("no message after the reschedule")
		}
	})

	t.Run("cancel cancels the post", func(t *testing.T) {
		if p := row("cancel", f.fb, nil); p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		if d := f.delivery(t, f.fb); d.State != pregonero.DeliveryCanceled {
			t.Errorf("got %s, want canceled", d.State)
		}
	})

	t.Run("resuming holds what is still overdue and lists it", func(t *testing.T) {
		p := admin.post("/pause/resume", url.Values{"csrf_token": {token}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		if ps, _ := s.db.Pause(context.Background()); ps.Paused {
			t.Fatal("still paused")
		}
		if d := f.delivery(t, f.salud); d.State != pregonero.DeliveryHeld || d.HoldReason != pregonero.HoldOverdue {
			t.Fatalf("got %s (%s), want held as overdue", d.State, d.HoldReason)
		}
		if d := f.delivery(t, f.gob); d.State != pregonero.DeliveryQueued {
			t.Errorf("the rescheduled post is %s", d.State)
		}
		back := html.UnescapeString(admin.get(p.location()).body)
		for _, want := range []string{"La publicación se reanudó. 1 publicaciones atrasadas quedaron retenidas", "Retenidas por atraso", "Jornada de salud",
			`action="/pause"`} {
			if !strings.Contains(back, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(back, "La publicación está en pausa") {
			t.Error("the banner is still shown")
		}
	})

	t.Run("a held one is offered a new time, checked like any other", func(t *testing.T) {
		page := admin.get("/pause")
		id := f.salud.Deliveries[0].ID
		for _, want := range []string{`<label for="at-` + id + `">`, `<option value="reschedule">`, `<label for="at-all">`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page after the resume lacks %s", want)
			}
		}
		p := row("reschedule", f.salud, url.Values{"at": {"2026-11-19T09:00"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="at-`+id+`-error">Esa hora no sirve.`) {
			t.Errorf("a past time: got %d\n%s", p.status, p.body)
		}
		if d := f.delivery(t, f.salud); d.State != pregonero.DeliveryHeld {
			t.Errorf("got %s after a refused time, want held", d.State)
		}
	})

	t.Run("a new time for a held one releases it to that time", func(t *testing.T) {
		p := row("reschedule", f.salud, url.Values{"at": {"2026-11-20T19:00"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		want := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
		if d := f.delivery(t, f.salud); d.State != pregonero.DeliveryQueued || !d.ScheduledAt.Equal(want) || !d.NextAttemptAt.Equal(want) {
			t.Errorf("got %s at %v due %v, want queued at %v", d.State, d.ScheduledAt, d.NextAttemptAt, want)
		}
		back := html.UnescapeString(admin.get(p.location()).body)
		if !strings.Contains(back, "Reprogramadas: 1.") || strings.Contains(back, "Jornada de salud") {
			t.Errorf("after the reschedule:\n%s", back)
		}
	})

}

func TestUIPauseOverdueAllAtOnce(t *testing.T) {
	t.Run("while paused: the checked ones to a new time", func(t *testing.T) {
		f := newOverdueFixture(t)
		token := f.admin.get("/pause").csrf(t)
		p := f.admin.post("/pause/overdue", url.Values{"csrf_token": {token}, "action": {"reschedule"}, "at": {"2026-11-21T09:00"},
			"delivery": {f.gob.Deliveries[0].ID, f.salud.Deliveries[0].ID}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		want := time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)
		for _, pv := range []postView{f.gob, f.salud} {
			if got := f.post(t, pv).ScheduledAt; !got.Equal(want) {
				t.Errorf("%s: got %v, want %v", pv.Text, got, want)
			}
		}
		if got := f.post(t, f.fb).ScheduledAt; !got.Equal(testNow.Add(20 * time.Minute)) {
			t.Errorf("an unchecked post moved to %v", got)
		}
		if back := f.admin.get(p.location()); !strings.Contains(back.body, "Reprogramadas: 2.") {
			t.Error("no message")
		}
	})

	t.Run("while paused: all canceled", func(t *testing.T) {
		f := newOverdueFixture(t)
		token := f.admin.get("/pause").csrf(t)
		p := f.admin.post("/pause/overdue", url.Values{"csrf_token": {token}, "action": {"cancel"}, "all": {"yes"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		for _, pv := range []postView{f.gob, f.fb, f.salud} {
			if d := f.delivery(t, pv); d.State != pregonero.DeliveryCanceled {
				t.Errorf("%s: got %s, want canceled", pv.Text, d.State)
			}
		}
		if d := f.delivery(t, f.late); d.State != pregonero.DeliveryQueued {
			t.Errorf("the post still to come is %s", d.State)
		}
		if back := f.admin.get(p.location()); !strings.Contains(back.body, "Canceladas: 3.") {
			t.Error("no message")
		}
	})

	t.Run("after resuming: all released with one action", func(t *testing.T) {
		f := newOverdueFixture(t)
		token := f.admin.get("/pause").csrf(t)
		if p := f.admin.post("/pause/resume", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
			t.Fatalf("resume: got %d", p.status)
		}
		page := f.admin.get("/pause")
		if !strings.Contains(page.body, `<option value="release">`) || !strings.Contains(page.body, `id="select-all" name="all" value="yes"`) {
			t.Fatalf("no bulk form:\n%s", page.body)
		}
		p := f.admin.post("/pause/overdue", url.Values{"csrf_token": {token}, "action": {"release"}, "all": {"yes"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		for _, pv := range []postView{f.gob, f.fb, f.salud} {
			if d := f.delivery(t, pv); d.State != pregonero.DeliveryQueued {
				t.Errorf("%s: got %s, want queued", pv.Text, d.State)
			}
		}
		if back := html.UnescapeString(f.admin.get(p.location()).body); !strings.Contains(back, "Liberadas para salir ya: 3.") || strings.Contains(back, "Retenidas por atraso") {
			t.Errorf("after release:\n%s", back)
		}
	})

	t.Run("after resuming: the checked ones to a new time, released", func(t *testing.T) {
		f := newOverdueFixture(t)
		token := f.admin.get("/pause").csrf(t)
		if p := f.admin.post("/pause/resume", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
			t.Fatalf("resume: got %d", p.status)
		}
		p := f.admin.post("/pause/overdue", url.Values{"csrf_token": {token}, "action": {"reschedule"}, "at": {"2026-11-21T09:00"},
			"delivery": {f.gob.Deliveries[0].ID, f.salud.Deliveries[0].ID}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		want := time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)
		for _, pv := range []postView{f.gob, f.salud} {
			if d := f.delivery(t, pv); d.State != pregonero.DeliveryQueued || !d.ScheduledAt.Equal(want) {
				t.Errorf("%s: got %s at %v, want queued at %v", pv.Text, d.State, d.ScheduledAt, want)
			}
		}
		if d := f.delivery(t, f.fb); d.State != pregonero.DeliveryHeld {
			t.Errorf("an unchecked post is %s, want still held", d.State)
		}
		if back := f.admin.get(p.location()); !strings.Contains(back.body, "Reprogramadas: 2.") {
			t.Error("no message")
		}
	})

	t.Run("after resuming: all to a new time with one action", func(t *testing.T) {
		f := newOverdueFixture(t)
		token := f.admin.get("/pause").csrf(t)
		f.admin.post("/pause/resume", url.Values{"csrf_token": {token}})
		p := f.admin.post("/pause/overdue", url.Values{"csrf_token": {token}, "action": {"reschedule"}, "at": {"2026-11-21T09:00"}, "all": {"yes"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		for _, pv := range []postView{f.gob, f.fb, f.salud} {
			if d := f.delivery(t, pv); d.State != pregonero.DeliveryQueued {
				t.Errorf("%s: got %s, want queued", pv.Text, d.State)
			}
		}
		if back := html.UnescapeString(f.admin.get(p.location()).body); !strings.Contains(back, "Reprogramadas: 3.") || strings.Contains(back, "Retenidas por atraso") {
			t.Errorf("after the reschedule:\n%s", back)
		}
	})

	t.Run("after resuming: a post held for its account too is not moved", func(t *testing.T) {
		f := newOverdueFixture(t)
		token := f.admin.get("/pause").csrf(t)
		f.admin.post("/pause/resume", url.Values{"csrf_token": {token}})
		// Its account's credentials are refused meanwhile: the post waits
		// for the account, whatever time it is given.
		f.s.holdDelivery(t, f.gob.Deliveries[0].ID, pregonero.HoldNeedsReauth)
		p := f.admin.post("/pause/overdue", url.Values{"csrf_token": {token}, "action": {"reschedule"}, "at": {"2026-11-21T09:00"},
			"delivery": {f.gob.Deliveries[0].ID}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		if d := f.delivery(t, f.gob); d.State != pregonero.DeliveryHeld || d.HoldReason != pregonero.HoldNeedsReauth {
			t.Errorf("got %s (%s), want still held for its account", d.State, d.HoldReason)
		}
		if back := html.UnescapeString(f.admin.get(p.location()).body); !strings.Contains(back, "1 no se pudieron: «Vacunación en Rionegro»: No se pudo: no es posible en el estado actual.") {
			t.Errorf("no refusal:\n%s", back)
		}
	})

	t.Run("after resuming: the checked ones canceled", func(t *testing.T) {
		f := newOverdueFixture(t)
		token := f.admin.get("/pause").csrf(t)
		f.admin.post("/pause/resume", url.Values{"csrf_token": {token}})
		p := f.admin.post("/pause/overdue", url.Values{"csrf_token": {token}, "action": {"cancel"}, "delivery": {f.fb.Deliveries[0].ID, f.salud.Deliveries[0].ID}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		want := map[string]pregonero.DeliveryState{f.gob.Text: pregonero.DeliveryHeld, f.fb.Text: pregonero.DeliveryCanceled, f.salud.Text: pregonero.DeliveryCanceled}
		for _, pv := range []postView{f.gob, f.fb, f.salud} {
			if d := f.delivery(t, pv); d.State != want[pv.Text] {
				t.Errorf("%s: got %s, want %s", pv.Text, d.State, want[pv.Text])
			}
		}
	})

	t.Run("nothing checked is said next to the form", func(t *testing.T) {
		f := newOverdueFixture(t)
		token := f.admin.get("/pause").csrf(t)
		p := f.admin.post("/pause/overdue", url.Values{"csrf_token": {token}, "action": {"cancel"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="at-all-error" role="alert">No eligió ninguna publicación`) {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})
}

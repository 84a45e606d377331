package web_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/web"
	"pregonero/web/i18n"
)

// updateDelivery changes a delivery as the publisher would, through the
// domain's transitions.
func (s *uiServer) updateDelivery(t *testing.T, id string, fn func(d *pregonero.Delivery) error) {
	t.Helper()
	if _, err := s.db.UpdateDelivery(context.Background(), id, fn); err != nil {
		t.Fatal(err)
	}
}

// postFixture is a post that went out to X after a passing failure, that
// Facebook refused for good and whose Instagram upload is under way.
type postFixture struct {
	post                                postView
	waiting, other, held, draft, failed postView
}

func newPostFixture(t *testing.T, s *uiServer) postFixture {
	t.Helper()
	img := s.putMedia(jpegBytes(t, 1080, 1080, 7), "puntos.jpg")
	at := time.Date(2026, 11, 20, 16, 0, 0, 0, bogota)
	var f postFixture
	s.mustCampaign("vacunas")
	f.post = s.createPost(map[string]any{
		"text": "Vacunación gratuita este sábado en el parque principal.", "link": "https://www.antioquia.gov.co/vacunas",
		"media":     []map[string]string{{"id": img.ID, "alt_text": "Mapa con los puntos de vacunación"}},
		"targets":   []string{"x-gob", "fb-gob", "ig-gob"},
		"overrides": map[string]any{"x-gob": map[string]any{"text": "Vacúnese gratis este sábado."}, "ig-gob": map[string]any{"format": "feed"}},
		"campaign":  "vacunas", "scheduled_at": at.Format(time.RFC3339),
	})
	ids := map[string]string{}
	for _, d := range f.post.Deliveries {
		ids[d.AccountID] = d.ID
	}
	t1 := at.Add(time.Second)
	s.updateDelivery(t, ids["x-gob"], func(d *pregonero.Delivery) error {
		if err := d.Claim(); err != nil {
			return err
		}
		if err := d.Start(t1); err != nil {
			return err
		}
		d.FinishAttempt(t1, t1.Add(2*time.Second), pregonero.OutcomeRetryable, &pregonero.PublishError{Class: pregonero.ClassRetryable,
			Code: "x_unavailable", Message: "X answered 503; trying again.", NetworkMessage: `{"title":"Service Unavailable"}`, HTTPStatus: 503,
			Err: errors.New("read tcp 10.0.0.1:443: connection reset by peer")})
		if err := d.Requeue(t1.Add(time.Minute), &pregonero.DeliveryError{Class: pregonero.ClassRetryable, Code: "x_unavailable", Message: "X answered 503."}); err != nil {
			return err
		}
		if err := d.Claim(); err != nil {
			return err
		}
		t2 := t1.Add(time.Minute)
		if err := d.Start(t2); err != nil {
			return err
		}
		return d.Publish(pregonero.Receipt{RemoteID: "1999", URL: "https://x.com/GobAntioquia/status/1999"}, t2, t2.Add(time.Second), "")
	})
	s.updateDelivery(t, ids["fb-gob"], func(d *pregonero.Delivery) error {
		if err := d.Claim(); err != nil {
			return err
		}
		if err := d.Start(t1); err != nil {
			return err
		}
		pe := &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "facebook_policy_block", Message: "Facebook blocked the post.",
			NetworkMessage: "(#368) The action attempted has been deemed abusive or is otherwise disallowed", HTTPStatus: 400, Err: errors.New("graph error subcode 1390008")}
		d.FinishAttempt(t1, t1.Add(time.Second), pregonero.OutcomePermanent, pe)
		return d.Fail(&pregonero.DeliveryError{Class: pe.Class, Code: pe.Code, Message: pe.Message, NetworkMessage: pe.NetworkMessage, Cause: pe.Cause(), At: t1})
	})
	s.updateDelivery(t, ids["ig-gob"], func(d *pregonero.Delivery) error {
		if err := d.Claim(); err != nil {
			return err
		}
		if err := d.Start(t1); err != nil {
			return err
		}
		d.Progress = &pregonero.Progress{SentBytes: 2 << 20, TotalBytes: 8 << 20, At: t1.Add(30 * time.Second)}
		return nil
	})
	later := time.Date(2026, 11, 25, 10, 0, 0, 0, bogota).Format(time.RFC3339)
	f.waiting = s.createPost(map[string]any{"text": "Jornada de salud", "targets": []string{"x-salud"}, "scheduled_at": later})
	f.other = s.createPost(map[string]any{"text": "De la Gobernación", "targets": []string{"x-gob"}, "scheduled_at": later})
	f.held = s.createPost(map[string]any{"text": "Retenida", "targets": []string{"x-salud"}, "scheduled_at": testNow.Add(time.Minute).Format(time.RFC3339)})
	s.holdDelivery(t, f.held.Deliveries[0].ID, pregonero.HoldOverdue)
	f.failed = s.createPost(map[string]any{"text": "Falló en Salud", "targets": []string{"x-salud"}, "scheduled_at": testNow.Add(2 * time.Minute).Format(time.RFC3339)})
	s.failDelivery(t, f.failed.Deliveries[0].ID, "x_duplicate", "X says this text duplicates a recent post.", pregonero.ClassDuplicate)
	f.draft = s.createPost(map[string]any{"text": "Borrador de Salud", "targets": []string{"x-salud"}, "draft": true})
	return f
}

func TestUIPostPage(t *testing.T) {
	s := newUIServer(t)
	f := newPostFixture(t, s)
	path := "/posts/" + f.post.ID

	for _, user := range []string{"ana", "edu", "vera"} {
		t.Run(user+" sees the post", func(t *testing.T) {
			p := s.signedIn(user).get(path)
			if p.status != 200 {
				t.Fatalf("got %d\n%s", p.status, p.body)
			}
			if !strings.Contains(p.body, "<h1>Publicación</h1>") {
				t.Error("no title")
			}
		})
	}

	p := s.signedIn("ana").get(path)
	body := html.UnescapeString(p.body)

	t.Run("the post: text, link, overrides, media with alt text, time in Bogotá, campaign and status", func(t *testing.T) {
		for _, want := range []string{
			"Vacunación gratuita este sábado en el parque principal.", "https://www.antioquia.gov.co/vacunas",
			"Vacúnese gratis este sábado.", "Mapa con los puntos de vacunación", "puntos.jpg", "image/jpeg", "1080 × 1080 px",
			"vie 20 nov 2026, 16:00", "vacunas", "publicándose", "publicación normal",
			`<a href="/calendar?fecha=2026-11-20">Volver al calendario</a>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})

	t.Run("each delivery: its state in plain Spanish, the network's words and the cause", func(t *testing.T) {
		for _, want := range []string{
			"Facebook bloqueó la publicación por sus políticas.",
			"(#368) The action attempted has been deemed abusive or is otherwise disallowed",
			"graph error subcode 1390008",
			"facebook_policy_block",
			"publicada", "falló", "enviando",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})

	t.Run("every attempt with times, outcome, code, HTTP status, network message and cause", func(t *testing.T) {
		for _, want := range []string{
			"vie 20 nov 2026, 16:00:01", "terminó vie 20 nov 2026, 16:00:03", "falla pasajera", "x_unavailable", "<dd>503</dd>",
			`{"title":"Service Unavailable"}`, "read tcp 10.0.0.1:443: connection reset by peer", "X answered 503; trying again.",
			"rechazado", "<dd>400</dd>", "publicado", "en curso",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		// The latest attempt first.
		x := body[strings.Index(body, "x_unavailable")-2000:]
		if strings.Index(x, ">2</th>") > strings.Index(x, ">1</th>") {
			t.Error("the attempts are not the latest first")
		}
	})

	t.Run("the live post opens in a new tab", func(t *testing.T) {
		if !strings.Contains(p.body, `<a href="https://x.com/GobAntioquia/status/1999" target="_blank" rel="noopener noreferrer">Ver en la red`) {
			t.Errorf("no live link:\n%s", p.body)
		}
	})

	t.Run("the upload's progress", func(t *testing.T) {
		if !strings.Contains(body, `max="8388608" value="2097152"`) || !strings.Contains(body, "2,0 MB de 8,0 MB enviados (25 %), a las vie 20 nov 2026, 16:00.") {
			t.Errorf("no progress:\n%s", body)
		}
	})

	t.Run("the actions valid in its state: retry the failed delivery, nothing else", func(t *testing.T) {
		fb := ""
		for _, d := range f.post.Deliveries {
			if d.AccountID == "fb-gob" {
				fb = d.ID
			}
		}
		if !strings.Contains(p.body, `action="/deliveries/`+fb+`/retry"`) || !strings.Contains(p.body, `name="next" value="`+path+`"`) {
			t.Error("no retry coming back here")
		}
		for _, not := range []string{"/release", "/cancel", "/move", "/schedule", "/edit"} {
			if strings.Contains(p.body, not) {
				t.Errorf("the page offers %s", not)
			}
		}
	})

	t.Run("a retry from the page comes back to it", func(t *testing.T) {
		fb := f.post.Deliveries[1].ID
		if f.post.Deliveries[1].AccountID != "fb-gob" {
			t.Fatalf("deliveries in another order: %v", f.post.Deliveries)
		}
		admin := s.signedIn("ana")
		r := admin.post("/deliveries/"+fb+"/retry", url.Values{"csrf_token": {admin.get(path).csrf(t)}, "next": {path}})
		if r.status != http.StatusSeeOther || r.location() != path {
			t.Fatalf("got %d to %q", r.status, r.location())
		}
		back := html.UnescapeString(admin.get(path).body)
		if !strings.Contains(back, "Se intentará publicar de nuevo en seguida.") || !strings.Contains(back, "Reintento pedido") {
			t.Errorf("after the retry:\n%s", back)
		}
	})

	t.Run("a delivery queued again after a failure says what went wrong and when it is tried next", func(t *testing.T) {
		q := s.calPost("Frenada por el límite", testNow.Add(time.Minute), "x-salud")
		next := testNow.Add(16 * time.Minute)
		s.updateDelivery(t, q.Deliveries[0].ID, func(d *pregonero.Delivery) error {
			if err := d.Claim(); err != nil {
				return err
			}
			if err := d.Start(testNow.Add(time.Minute)); err != nil {
				return err
			}
			d.FinishAttempt(testNow.Add(time.Minute), testNow.Add(time.Minute+time.Second), pregonero.OutcomeRateLimited,
				&pregonero.PublishError{Class: pregonero.ClassRateLimited, Code: "x_rate_limited", Message: "X's limit.", HTTPStatus: 429})
			return d.Requeue(next, &pregonero.DeliveryError{Class: pregonero.ClassRateLimited, Code: "x_rate_limited", Message: "X's limit."})
		})
		body := html.UnescapeString(s.signedIn("vera").get("/posts/" + q.ID).body)
		for _, want := range []string{"La última vez falló: X frenó los envíos por su límite de uso.", "Próximo intento", "vie 20 nov 2026, 15:16",
			"frenado por límite de uso", "<dd>429</dd>"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})

	t.Run("an unknown post is the 404 page", func(t *testing.T) {
		p := s.signedIn("vera").get("/posts/p_nadie")
		if p.status != http.StatusNotFound || !strings.Contains(p.body, "No existe lo que busca") {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})

	t.Run("in English, every text has its words", func(t *testing.T) {
		s.users.add(pregonero.User{Username: "emma", Role: pregonero.RoleAdmin, Language: "en"}, testPassword)
		b := s.signedIn("emma")
		missing := regexp.MustCompile(`\[[a-z_]+\.[a-z_.0-9]+\]`)
		for _, pth := range []string{path, "/posts/" + f.waiting.ID, "/posts/" + f.held.ID, "/posts/" + f.draft.ID,
			"/calendar", "/calendar?vista=semana", "/calendar?vista=lista"} {
			p := b.get(pth)
			if p.status != 200 || !strings.Contains(p.body, `<html lang="en">`) {
				t.Errorf("%s: got %d", pth, p.status)
			}
			if m := missing.FindString(p.body); m != "" {
				t.Errorf("%s: a key without text: %s", pth, m)
			}
		}
	})
}

func TestUIPostActionsByRole(t *testing.T) {
	s := newUIServer(t)
	f := newPostFixture(t, s)
	ctx := context.Background()

	t.Run("the editor of the dependencia: cancel, edit, move; release a held one; schedule a draft", func(t *testing.T) {
		b := s.signedIn("edu")
		p := b.get("/posts/" + f.waiting.ID)
		for _, want := range []string{`action="/posts/` + f.waiting.ID + `/cancel"`, `href="/posts/` + f.waiting.ID + `/edit"`,
			`action="/posts/` + f.waiting.ID + `/move"`, `<label for="mover-fecha">Fecha</label>`, `<label for="mover-hora">Hora</label>`,
			`value="2026-11-25"`, `value="10:00"`, "Fecha y hora en la zona America/Bogota."} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the waiting post's page lacks %s", want)
			}
		}
		if p := b.get("/posts/" + f.held.ID); !strings.Contains(p.body, `/deliveries/`+f.held.Deliveries[0].ID+`/release"`) || !strings.Contains(p.body, "/cancel") || strings.Contains(p.body, "/move") {
			t.Error("the held post's page does not offer release and cancel alone")
		}
		if p := b.get("/posts/" + f.failed.ID); !strings.Contains(p.body, "/retry") || strings.Contains(p.body, "/move") || strings.Contains(p.body, "/edit") {
			t.Error("the failed post's page does not offer retry alone")
		}
		p = b.get("/posts/" + f.draft.ID)
		for _, want := range []string{`action="/posts/` + f.draft.ID + `/schedule"`, `href="/posts/` + f.draft.ID + `/edit"`, "Descartar borrador", `<label for="programar-fecha">Fecha</label>`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the draft's page lacks %s", want)
			}
		}
	})

	t.Run("the editor gets no action on another dependencia's post", func(t *testing.T) {
		p := s.signedIn("edu").get("/posts/" + f.other.ID)
		for _, not := range []string{"/cancel", "/move", "/edit"} {
			if strings.Contains(p.body, not) {
				t.Errorf("offered %s", not)
			}
		}
	})

	t.Run("a viewer sees no action button and a forged one is refused", func(t *testing.T) {
		b := s.signedIn("vera")
		for _, id := range []string{f.post.ID, f.waiting.ID, f.held.ID, f.failed.ID, f.draft.ID} {
			p := b.get("/posts/" + id)
			for _, not := range []string{"/retry", "/release", "/cancel", "/move", "/schedule", "/edit", `type="date"`} {
				if strings.Contains(p.body, not) {
					t.Errorf("post %s offers %s to a viewer", id, not)
				}
			}
		}
		token := b.get("/posts/" + f.waiting.ID).csrf(t)
		for path, form := range map[string]url.Values{
			"/posts/" + f.waiting.ID + "/move":                    {"fecha": {"2026-11-28"}, "hora": {"09:00"}},
			"/posts/" + f.draft.ID + "/schedule":                  {},
			"/posts/" + f.waiting.ID + "/cancel":                  {},
			"/deliveries/" + f.failed.Deliveries[0].ID + "/retry": {},
			"/deliveries/" + f.held.Deliveries[0].ID + "/release": {},
		} {
			form.Set("csrf_token", token)
			form.Set("next", "/posts/"+f.waiting.ID)
			if r := b.post(path, form); r.status != http.StatusForbidden {
				t.Errorf("%s as a viewer: got %d, want 403", path, r.status)
			}
		}
		if q, _ := s.db.Post(ctx, f.waiting.ID); !q.ScheduledAt.Equal(f.waiting.ScheduledAt) || q.Status != pregonero.PostScheduled {
			t.Errorf("a refused action changed the post: %v %s", q.ScheduledAt, q.Status)
		}
		if q, _ := s.db.Post(ctx, f.draft.ID); !q.IsDraft() {
			t.Error("a viewer scheduled the draft")
		}
	})

	t.Run("an editor's forged move of another dependencia's post is refused", func(t *testing.T) {
		b := s.signedIn("edu")
		r := b.post("/posts/"+f.other.ID+"/move", url.Values{"csrf_token": {b.get("/").csrf(t)}, "fecha": {"2026-11-28"}, "hora": {"09:00"}})
		if r.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", r.status)
		}
		if q, _ := s.db.Post(ctx, f.other.ID); !q.ScheduledAt.Equal(f.other.ScheduledAt) {
			t.Error("the refused move changed the post")
		}
	})

	t.Run("the forms are registered, so the CSRF test covers them", func(t *testing.T) {
		paths := web.UIFormPaths(s.web)
		for _, want := range []string{"/posts/x/move", "/posts/x/schedule"} {
			if !slices.Contains(paths, want) {
				t.Errorf("form %s is not registered", want)
			}
		}
	})
}

func TestUIPostMoveForm(t *testing.T) {
	s := newUIServer(t)
	f := newPostFixture(t, s)
	ctx := context.Background()
	b := s.signedIn("edu")
	path := "/posts/" + f.waiting.ID
	move := func(fecha, hora string) page {
		t.Helper()
		return b.post(path+"/move", url.Values{"csrf_token": {b.get(path).csrf(t)}, "fecha": {fecha}, "hora": {hora}, "next": {path}})
	}

	tests := []struct {
		name, fecha, hora string
		field, want       string
	}{
		{"the date is required", "", "09:00", "mover-fecha", "Escriba la fecha."},
		{"the date must be a date", "28/11/2026", "09:00", "mover-fecha", "Escriba la fecha como AAAA-MM-DD"},
		{"the time is required", "2026-11-28", "", "mover-hora", "Escriba la hora."},
		{"the time must be a time", "2026-11-28", "25:00", "mover-hora", "Escriba la hora como HH:MM"},
		{"a time in the past is refused by the service", "2026-11-01", "09:00", "mover-fecha", "Esa fecha y hora ya pasaron. Detalle (en inglés): scheduled_at 2026-11-01T09:00:00-05:00 is in the past"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := move(tt.fecha, tt.hora)
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422\n%s", p.status, p.body)
			}
			body := html.UnescapeString(p.body)
			if !strings.Contains(body, `<p class="field-error" id="`+tt.field+`-error">`+tt.want) {
				t.Errorf("no error %q next to %s:\n%s", tt.want, tt.field, body)
			}
			if !strings.Contains(body, `id="`+tt.field+`" name="`+strings.TrimPrefix(tt.field, "mover-")+`" value="`+map[bool]string{true: tt.fecha, false: tt.hora}[strings.HasSuffix(tt.field, "fecha")]+`"`) {
				t.Error("the form does not keep what was typed")
			}
			if !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, "La publicación no se movió: corrija lo señalado.") {
				t.Error("the field is not marked invalid or there is no summary")
			}
			if q, _ := s.db.Post(ctx, f.waiting.ID); !q.ScheduledAt.Equal(f.waiting.ScheduledAt) {
				t.Error("the post moved")
			}
		})
	}

	t.Run("a post that no longer waits cannot be moved: the error is shown", func(t *testing.T) {
		token := b.get("/posts/" + f.failed.ID).csrf(t)
		p := b.post("/posts/"+f.failed.ID+"/move", url.Values{"csrf_token": {token}, "fecha": {"2026-11-28"}, "hora": {"09:00"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422\n%s", p.status, p.body)
		}
		if body := html.UnescapeString(p.body); !strings.Contains(body, "No es posible en el estado actual de la publicación: solo se mueve una publicación que aún espera") {
			t.Errorf("no error shown:\n%s", body)
		}
		if q, _ := s.db.Post(ctx, f.failed.ID); !q.ScheduledAt.Equal(f.failed.ScheduledAt) {
			t.Error("the failed post moved")
		}
	})

	t.Run("the form moves the post to the time in Bogotá", func(t *testing.T) {
		p := move("2026-11-28", "07:45")
		if p.status != http.StatusSeeOther || p.location() != path {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		q, err := s.db.Post(ctx, f.waiting.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 28, 12, 45, 0, 0, time.UTC); !q.ScheduledAt.Equal(want) || !q.Deliveries[0].NextAttemptAt.Equal(want) {
			t.Errorf("got %v, want %v", q.ScheduledAt, want)
		}
		back := html.UnescapeString(b.get(path).body)
		if !strings.Contains(back, "Publicación movida: sale el sáb 28 nov 2026, 07:45.") || !strings.Contains(back, `value="07:45"`) {
			t.Error("the page does not show the new time")
		}
	})
}

func TestUIPostSchedule(t *testing.T) {
	s := newUIServer(t)
	f := newPostFixture(t, s)
	ctx := context.Background()
	b := s.signedIn("edu")

	t.Run("a draft without text cannot go out: the service's reason is shown", func(t *testing.T) {
		empty := s.createPost(map[string]any{"targets": []string{"x-salud"}, "draft": true})
		path := "/posts/" + empty.ID
		p := b.post(path+"/schedule", url.Values{"csrf_token": {b.get(path).csrf(t)}, "fecha": {"2026-11-28"}, "hora": {"09:00"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422\n%s", p.status, p.body)
		}
		body := html.UnescapeString(p.body)
		if !strings.Contains(body, "El borrador no se programó: corrija lo señalado.") || !strings.Contains(body, `<div class="form-errors" id="programar-errors"><ul><li>Revise «text» en la edición de la publicación. Detalle (en inglés):`) {
			t.Errorf("no reason shown:\n%s", body)
		}
		if q, _ := s.db.Post(ctx, empty.ID); !q.IsDraft() {
			t.Error("the draft was scheduled")
		}
	})

	t.Run("a draft is scheduled at the day and time given", func(t *testing.T) {
		path := "/posts/" + f.draft.ID
		p := b.post(path+"/schedule", url.Values{"csrf_token": {b.get(path).csrf(t)}, "fecha": {"2026-11-29"}, "hora": {"18:30"}, "next": {path}})
		if p.status != http.StatusSeeOther || p.location() != path {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		q, err := s.db.Post(ctx, f.draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC); q.IsDraft() || len(q.Deliveries) != 1 || !q.ScheduledAt.Equal(want) {
			t.Errorf("got draft=%v %d deliveries at %v, want one at %v", q.IsDraft(), len(q.Deliveries), q.ScheduledAt, want)
		}
		if back := html.UnescapeString(b.get(path).body); !strings.Contains(back, "Borrador programado: sale el dom 29 nov 2026, 18:30.") || strings.Contains(back, "/schedule") {
			t.Error("after scheduling, the page does not say so or still offers to schedule")
		}
	})

	t.Run("a post that is not a draft cannot be scheduled", func(t *testing.T) {
		path := "/posts/" + f.waiting.ID
		p := b.post(path+"/schedule", url.Values{"csrf_token": {b.get(path).csrf(t)}, "fecha": {"2026-11-29"}, "hora": {"18:30"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(p.body), "No es posible en el estado actual") {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})
}

func TestUIPostCampaignName(t *testing.T) {
	s := newUIServer(t)
	c := s.createCampaign(map[string]any{"name": "Vías del Nordeste", "starts_on": "2026-11-01"})
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, bogota).Format(time.RFC3339)
	p := s.createPost(map[string]any{"text": "Avanzan las obras", "targets": []string{"x-gob"}, "campaign": c.ID, "scheduled_at": at})
	b := s.signedIn("vera")

	t.Run("the campaign is named and linked to its page", func(t *testing.T) {
		page := b.get("/posts/" + p.ID)
		want := `<dt>Campaña</dt><dd><a href="/campaigns/` + c.ID + `">Vías del Nordeste</a></dd>`
		if page.status != http.StatusOK || !strings.Contains(html.UnescapeString(page.body), want) {
			t.Errorf("got %d; the page lacks %s\n%s", page.status, want, page.body)
		}
	})
	t.Run("a campaign that does not read back is shown by its id", func(t *testing.T) {
		if _, err := s.db.UpdatePost(context.Background(), p.ID, func(q *pregonero.Post) error { q.Campaign = "c_borrada"; return nil }); err != nil {
			t.Fatal(err)
		}
		page := b.get("/posts/" + p.ID)
		want := `<dt>Campaña</dt><dd><code>c_borrada</code></dd>`
		if page.status != http.StatusOK || !strings.Contains(page.body, want) || strings.Contains(page.body, `href="/campaigns/c_borrada"`) {
			t.Errorf("got %d; want %s and no link\n%s", page.status, want, page.body)
		}
	})
	t.Run("a post without campaign says so", func(t *testing.T) {
		q := s.createPost(map[string]any{"text": "Sin campaña", "targets": []string{"x-gob"}, "scheduled_at": at})
		if page := b.get("/posts/" + q.ID); !strings.Contains(page.body, `<dt>Campaña</dt><dd>—</dd>`) {
			t.Errorf("no campaign:\n%s", page.body)
		}
	})
}

// TestUIPostCodeKeysExist checks the keys the calendar and the post page
// build from values.
func TestUIPostCodeKeysExist(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"post.outcome.other", "post.reconciled.other", "post.format.other", "post.kids.true", "post.kids.false",
		"post.error.when.invalid", "post.error.when.in_past", "post.error.when.required", "post.error.refused.conflict",
		"post.move.submit", "post.schedule.submit", "post.schedule.hint", "calendar.menu", "calendar.title", "post.title"}
	for _, o := range []pregonero.AttemptOutcome{pregonero.OutcomePending, pregonero.OutcomeOK, pregonero.OutcomeRetryable,
		pregonero.OutcomeRateLimited, pregonero.OutcomePermanent, pregonero.OutcomeUnknown} {
		keys = append(keys, "post.outcome."+string(o))
	}
	for _, r := range []string{"found", "absent", pregonero.ReconciledByPerson} {
		keys = append(keys, "post.reconciled."+r)
	}
	for _, f := range []string{pregonero.FormatFeed, pregonero.FormatReel, pregonero.FormatStory} {
		keys = append(keys, "post.format."+f)
	}
	for i := range 7 {
		keys = append(keys, fmt.Sprintf("calendar.weekday.%d", i))
	}
	for i := 1; i <= 12; i++ {
		keys = append(keys, fmt.Sprintf("calendar.month.%d", i))
	}
	for _, lang := range i18n.Languages {
		p := cat.Printer(lang)
		for _, k := range keys {
			if !p.Has(k) || p.T(k) == "" {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
	}
}

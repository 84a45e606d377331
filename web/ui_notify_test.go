package web_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"pregonero"
)

func notifyForm(token string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {token}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func TestUINotifyPage(t *testing.T) {
	s := newUIServer(t, withNotifier())
	for _, who := range []string{"ana", "edu", "vera"} {
		t.Run(who+" opens the page; only the admin sees the webhooks", func(t *testing.T) {
			p := s.signedIn(who).get("/notifications")
			body := html.UnescapeString(p.body)
			if p.status != http.StatusOK || !strings.Contains(body, "Mis avisos") || !strings.Contains(body, "Una publicación falló") ||
				!strings.Contains(body, `<a href="/notifications" aria-current="page">Notificaciones</a>`) {
				t.Fatalf("GET /notifications: %d\n%s", p.status, p.body)
			}
			if got := strings.Contains(body, "Agregar un webhook"); got != (who == "ana") {
				t.Errorf("webhooks shown = %v", got)
			}
		})
	}
	t.Run("a person saves their settings and finds them checked", func(t *testing.T) {
		b := s.signedIn("edu")
		p := b.get("/notifications")
		r := b.post("/notifications", notifyForm(p.csrf(t), "email", "edu@antioquia.gov.co", "events", "delivery_failed",
			"events", "account_needs_reauth", "units", "salud", "daily_summary", "on"))
		if r.status != http.StatusSeeOther || r.location() != "/notifications" {
			t.Fatalf("POST: %d %s\n%s", r.status, r.location(), r.body)
		}
		p = b.get("/notifications")
		for _, want := range []string{`value="edu@antioquia.gov.co"`, `name="events" value="delivery_failed" checked`,
			`name="events" value="account_needs_reauth" checked`, `name="units" value="salud" checked`, `name="daily_summary" checked`, "Se guardaron sus avisos."} {
			if !strings.Contains(html.UnescapeString(p.body), want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(p.body, `value="publishing_paused" checked`) {
			t.Error("an event not chosen is checked")
		}
	})
	t.Run("a bad address is refused next to its field", func(t *testing.T) {
		b := s.signedIn("vera")
		p := b.get("/notifications")
		r := b.post("/notifications", notifyForm(p.csrf(t), "email", "no es correo", "events", "delivery_failed"))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(r, "email"), "El correo no es válido.") {
			t.Errorf("POST: %d, email error %q", r.status, fieldError(r, "email"))
		}
	})
	t.Run("an editor choosing another dependencia is refused next to it", func(t *testing.T) {
		b := s.signedIn("edu")
		p := b.get("/notifications")
		r := b.post("/notifications", notifyForm(p.csrf(t), "email", "edu@antioquia.gov.co", "events", "delivery_failed", "units", "educacion"))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(r, "units"), "Alguna dependencia no es válida.") {
			t.Errorf("POST: %d, units error %q", r.status, fieldError(r, "units"))
		}
	})
	t.Run("only the admin may post the webhook forms", func(t *testing.T) {
		for _, who := range []string{"edu", "vera"} {
			b := s.signedIn(who)
			p := b.get("/notifications")
			r := b.post("/notifications/webhooks", notifyForm(p.csrf(t), "url", "https://x.org", "events", "delivery_failed"))
			if r.status != http.StatusForbidden {
				t.Errorf("%s: POST /notifications/webhooks = %d, want 403", who, r.status)
			}
		}
	})
	t.Run("the admin adds a webhook, sees its secret once, tests it and deletes it", func(t *testing.T) {
		got := make(chan string, 1)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got <- r.Header.Get("X-Pregonero-Event")
			w.WriteHeader(http.StatusOK)
		}))
		defer rcv.Close()
		b := s.signedIn("ana")
		p := b.get("/notifications")
		r := b.post("/notifications/webhooks", notifyForm(p.csrf(t), "url", "ftp://nada"))
		if r.status != http.StatusUnprocessableEntity || fieldError(r, "url") == "" || fieldError(r, "hook-events") == "" {
			t.Fatalf("bad webhook: %d url %q events %q", r.status, fieldError(r, "url"), fieldError(r, "hook-events"))
		}
		r = b.post("/notifications/webhooks", notifyForm(p.csrf(t), "url", rcv.URL, "events", "delivery_failed", "units", "salud"))
		if r.status != http.StatusOK || !strings.Contains(r.body, "whsec_") || !strings.Contains(r.body, "no se volverá a mostrar") {
			t.Fatalf("add: %d\n%s", r.status, r.body)
		}
		hooks, err := s.db.Webhooks(context.Background())
		if err != nil || len(hooks) != 1 {
			t.Fatalf("webhooks = %v, %v", hooks, err)
		}
		p = b.get("/notifications")
		if strings.Contains(p.body, "whsec_") || !strings.Contains(p.body, rcv.URL) {
			t.Errorf("the page shows the secret again or lacks the webhook")
		}
		r = b.post("/notifications/webhooks/"+hooks[0].ID+"/test", notifyForm(p.csrf(t)))
		if r.status != http.StatusSeeOther {
			t.Fatalf("test: %d", r.status)
		}
		if kind := <-got; kind != "test" {
			t.Errorf("the receiver got event %q, want test", kind)
		}
		if p = b.get("/notifications"); !strings.Contains(p.body, "El webhook respondió 200.") {
			t.Errorf("no flash after the test:\n%s", p.body)
		}
		r = b.post("/notifications/webhooks/"+hooks[0].ID+"/delete", notifyForm(p.csrf(t)))
		if r.status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.status)
		}
		if hooks, _ := s.db.Webhooks(context.Background()); len(hooks) != 0 {
			t.Errorf("webhooks after delete = %d", len(hooks))
		}
	})
	t.Run("the recent attempts of a webhook are shown", func(t *testing.T) {
		ctx := context.Background()
		h := &pregonero.Webhook{ID: "wh_x", URL: "https://hooks.example.org/a", Secret: "k", Events: []pregonero.EventKind{pregonero.EventPaused}}
		if err := s.db.PutWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
		d := &pregonero.WebhookDelivery{ID: "wh_x:1", WebhookID: "wh_x", Event: pregonero.Event{Seq: 1, Kind: pregonero.EventPaused, At: testNow},
			State: pregonero.WebhookPending, Attempts: []pregonero.WebhookAttempt{{At: testNow, Status: 503, Error: "503 Service Unavailable"}}, NextAttemptAt: testNow.Add(60e9)}
		if err := s.db.AddWebhookDeliveries(ctx, []*pregonero.WebhookDelivery{d}); err != nil {
			t.Fatal(err)
		}
		body := html.UnescapeString(s.signedIn("ana").get("/notifications").body)
		for _, want := range []string{"Se pausa la publicación", "Pendiente", "respuesta 503 — 503 Service Unavailable", "Próximo intento:"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
}

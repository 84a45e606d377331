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
	"pregonero/media"
	"pregonero/posting"
	"pregonero/web"
)

// roomAdapter is an X adapter that reports headroom and can check
// credentials (the check itself is the sender's, see withChecks).
type roomAdapter struct {
	pregonero.Adapter
	room map[string][]pregonero.Allowance
}

func (a roomAdapter) Headroom(id string) []pregonero.Allowance { return a.room[id] }

func (a roomAdapter) CheckCredentials(context.Context, *pregonero.Account) error { return nil }

// checkSender is the test sender with the publisher's credential check.
type checkSender struct {
	*fakeControl
	check func(accountID string) error
}

func (c checkSender) CheckCredentials(_ context.Context, id string) error { return c.check(id) }

// withChecks gives the server a posting service whose sender checks
// credentials with check. It goes after the adapter options.
func withChecks(check func(accountID string) error) serverOption {
	return func(c *web.Config, _ *[]media.Option, as map[pregonero.Network]pregonero.Adapter) {
		svc, err := posting.New(posting.Config{Store: c.Store, Sender: checkSender{c.Control.(*fakeControl), check}, Now: c.Now, Adapters: as})
		if err != nil {
			panic(err)
		}
		c.Posts = svc
	}
}

func newAccountsServer(t *testing.T, check func(string) error) *uiServer {
	x := roomAdapter{
		Adapter: measuredAdapter{&fakeAdapter{network: pregonero.NetworkX, validate: xRules, measure: xMeasure}},
		room: map[string][]pregonero.Allowance{
			"x-gob": {
				{Kind: pregonero.AllowancePosts15Min, Remaining: 2, Reset: testNow.Add(10 * time.Minute)},
				{Kind: pregonero.AllowancePosts24h, Remaining: 0, Reset: testNow.Add(5 * time.Hour)},
			},
		},
	}
	return newUIServer(t, withAdapter(x), withChecks(check))
}

func TestUIAccountsPage(t *testing.T) {
	s := newAccountsServer(t, func(string) error { return nil })
	ctx := context.Background()
	if _, err := s.db.UpdateAccount(ctx, "ig-gob", func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountNeedsReauth, "The Instagram token expired.", testNow.Add(-time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.UpdateAccount(ctx, "fb-gob", func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountPaused, "Stopped by the network: Facebook blocked the page for spam.", testNow.Add(-2*time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for _, user := range []string{"ana", "edu", "vera"} {
		t.Run(user+" reads every account, by dependencia", func(t *testing.T) {
			p := s.signedIn(user).get("/accounts")
			if p.status != 200 {
				t.Fatalf("got %d", p.status)
			}
			body := html.UnescapeString(p.body)
			salud, none := strings.Index(body, ">salud <"), strings.Index(body, ">Sin dependencia <")
			if salud < 0 || none < 0 || salud > none {
				t.Errorf("the dependencias are not headings in order (salud %d, none %d)", salud, none)
			}
			if i := strings.Index(body, "Secretaría de Salud"); i < salud || i > none {
				t.Error("x-salud is not under salud")
			}
			for _, want := range []string{
				"Gobernación (Instagram)", "requiere reautorización", "desde vie 20 nov 2026, 14:00",
				"La red rechazó las credenciales de la cuenta", "Genere un token nuevo de la cuenta de Instagram",
				"Detalle (en inglés): The Instagram token expired.",
				"La red frenó la cuenta", "Detalle (en inglés): Facebook blocked the page for spam.",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
		})
	}

	t.Run("headroom where it is known, unknown where not", func(t *testing.T) {
		body := html.UnescapeString(s.signedIn("vera").get("/accounts").body)
		card := cardOf(t, body, "x-gob")
		for _, want := range []string{
			"Publicaciones en la ventana de 15 minutos: quedan 2. Se renueva: vie 20 nov 2026, 15:10.",
			`class="headroom-spent">Publicaciones en 24 horas: quedan 0. Se renueva: vie 20 nov 2026, 20:00.`,
		} {
			if !strings.Contains(card, want) {
				t.Errorf("x-gob lacks %q:\n%s", want, card)
			}
		}
		if fb := cardOf(t, body, "fb-gob"); !strings.Contains(fb, "Desconocido: la red aún no lo ha dicho") {
			t.Errorf("fb-gob does not say its headroom is unknown:\n%s", fb)
		}
	})

	t.Run("a viewer sees no form", func(t *testing.T) {
		p := s.signedIn("vera").get("/accounts")
		if strings.Contains(p.body, `action="/accounts/`) {
			t.Error("a viewer is offered pause, resume or check")
		}
	})

	t.Run("an editor is offered only their dependencia's accounts", func(t *testing.T) {
		p := s.signedIn("edu").get("/accounts")
		for _, want := range []string{`action="/accounts/x-salud/pause"`, `action="/accounts/x-salud/check"`, `<label for="reason-x-salud">`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the editor lacks %s", want)
			}
		}
		for _, id := range []string{"x-gob", "fb-gob", "ig-gob", "yt-gob"} {
			if strings.Contains(p.body, `action="/accounts/`+id+`/`) {
				t.Errorf("the editor is offered a form for %s", id)
			}
		}
	})

	t.Run("an admin may act on every account", func(t *testing.T) {
		p := s.signedIn("ana").get("/accounts")
		for _, want := range []string{`action="/accounts/x-gob/pause"`, `action="/accounts/ig-gob/resume"`, `action="/accounts/fb-gob/resume"`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the admin lacks %s", want)
			}
		}
	})
}

// cardOf is the account's card on the accounts page.
func cardOf(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="acc-`+id+`"`)
	if i < 0 {
		t.Fatalf("no card for %s", id)
	}
	card := body[i:]
	if j := strings.Index(card, "</li>\n"); j >= 0 {
		card = card[:j]
	}
	return card
}

func TestUIAccountsPauseResume(t *testing.T) {
	s := newAccountsServer(t, func(string) error { return nil })
	ctx := context.Background()

	t.Run("a viewer may not pause", func(t *testing.T) {
		b := s.signedIn("vera")
		token := b.get("/accounts").csrf(t)
		if p := b.post("/accounts/x-salud/pause", url.Values{"csrf_token": {token}, "reason": {"no"}}); p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
	})

	edu := s.signedIn("edu")
	token := edu.get("/accounts").csrf(t)

	t.Run("an editor may not pause another dependencia's account", func(t *testing.T) {
		for _, reason := range []string{"", "Revisión"} {
			if p := edu.post("/accounts/x-gob/pause", url.Values{"csrf_token": {token}, "reason": {reason}}); p.status != http.StatusForbidden {
				t.Errorf("reason %q: got %d, want 403", reason, p.status)
			}
		}
		if a, _ := s.db.Account(ctx, "x-gob"); a.Status != pregonero.AccountActive {
			t.Errorf("x-gob is %s", a.Status)
		}
	})

	t.Run("the reason is required, said next to the field", func(t *testing.T) {
		p := edu.post("/accounts/x-salud/pause", url.Values{"csrf_token": {token}, "reason": {"  "}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", p.status)
		}
		if !strings.Contains(p.body, `id="reason-x-salud-error">Escriba el motivo de la pausa.`) || !strings.Contains(p.body, `aria-invalid="true"`) {
			t.Errorf("no error next to the field:\n%s", p.body)
		}
		long := strings.Repeat("a", posting.MaxReasonLength+1)
		p = edu.post("/accounts/x-salud/pause", url.Values{"csrf_token": {token}, "reason": {long}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "El motivo no es válido.") {
			t.Errorf("a reason too long: got %d", p.status)
		}
	})

	t.Run("an unknown account is not found", func(t *testing.T) {
		b := s.signedIn("ana")
		if p := b.post("/accounts/nadie/pause", url.Values{"csrf_token": {b.get("/accounts").csrf(t)}, "reason": {"x"}}); p.status != http.StatusNotFound {
			t.Errorf("got %d, want 404", p.status)
		}
	})

	t.Run("an editor pauses and resumes their account", func(t *testing.T) {
		p := edu.post("/accounts/x-salud/pause", url.Values{"csrf_token": {token}, "reason": {"Revisión de contenidos"}})
		if p.status != http.StatusSeeOther || p.location() != "/accounts#acc-x-salud" {
			t.Fatalf("got %d to %q\n%s", p.status, p.location(), p.body)
		}
		a, _ := s.db.Account(ctx, "x-salud")
		if a.Status != pregonero.AccountPaused || a.StatusReason != "Revisión de contenidos" {
			t.Fatalf("got %s %q", a.Status, a.StatusReason)
		}
		page := edu.get("/accounts")
		card := cardOf(t, html.UnescapeString(page.body), "x-salud")
		for _, want := range []string{"en pausa", "desde vie 20 nov 2026, 15:00", "Motivo: <q>Revisión de contenidos</q>", `action="/accounts/x-salud/resume"`} {
			if !strings.Contains(card, want) {
				t.Errorf("the card lacks %q:\n%s", want, card)
			}
		}
		if !strings.Contains(page.body, "Cuenta en pausa") {
			t.Error("no message after the pause")
		}
		if p := edu.post("/accounts/x-salud/resume", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
			t.Fatalf("resume: got %d", p.status)
		}
		if a, _ := s.db.Account(ctx, "x-salud"); a.Status != pregonero.AccountActive {
			t.Errorf("after resume: %s", a.Status)
		}
		if back := edu.get("/accounts"); !strings.Contains(back.body, "Cuenta reanudada") {
			t.Error("no message after the resume")
		}
	})

	t.Run("an editor may not resume another dependencia's account", func(t *testing.T) {
		if r := s.request("POST", "/api/v1/pause", map[string]any{"account": "x-gob", "reason": "por la gobernación"}); r.status != 200 {
			t.Fatalf("pause: got %d %s", r.status, r.body)
		}
		if p := edu.post("/accounts/x-gob/resume", url.Values{"csrf_token": {token}}); p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
		if a, _ := s.db.Account(ctx, "x-gob"); a.Status != pregonero.AccountPaused {
			t.Errorf("x-gob is %s", a.Status)
		}
	})
}

func TestUIAccountsCheck(t *testing.T) {
	refuse := map[string]bool{"x-gob": true}
	s := newAccountsServer(t, func(id string) error {
		if refuse[id] {
			return &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_unauthorized",
				Message: "X refused the access token.", NetworkMessage: "Unauthorized"}
		}
		return nil
	})
	ctx := context.Background()

	t.Run("an editor checks their account and reads the verdict", func(t *testing.T) {
		b := s.signedIn("edu")
		p := b.post("/accounts/x-salud/check", url.Values{"csrf_token": {b.get("/accounts").csrf(t)}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got %d", p.status)
		}
		if back := html.UnescapeString(b.get(p.location()).body); !strings.Contains(back, "Secretaría de Salud: la red acepta las credenciales.") {
			t.Errorf("no verdict:\n%s", back)
		}
	})

	t.Run("an editor may not check another dependencia's account", func(t *testing.T) {
		b := s.signedIn("edu")
		if p := b.post("/accounts/x-gob/check", url.Values{"csrf_token": {b.get("/accounts").csrf(t)}}); p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
	})

	t.Run("a viewer may not check", func(t *testing.T) {
		b := s.signedIn("vera")
		if p := b.post("/accounts/x-salud/check", url.Values{"csrf_token": {b.get("/accounts").csrf(t)}}); p.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", p.status)
		}
	})

	t.Run("a refusal flags the account and says so", func(t *testing.T) {
		b := s.signedIn("ana")
		p := b.post("/accounts/x-gob/check", url.Values{"csrf_token": {b.get("/accounts").csrf(t)}})
		back := html.UnescapeString(b.get(p.location()).body)
		for _, want := range []string{"Gobernación (X): la red rechazó las credenciales", "Detalle (en inglés): X refused the access token.", "La red dijo: Unauthorized"} {
			if !strings.Contains(back, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if a, _ := s.db.Account(ctx, "x-gob"); a.Status != pregonero.AccountNeedsReauth {
			t.Errorf("x-gob is %s, want needs_reauth", a.Status)
		}
	})

	t.Run("a network that cannot be checked says so", func(t *testing.T) {
		b := s.signedIn("ana")
		p := b.post("/accounts/fb-gob/check", url.Values{"csrf_token": {b.get("/accounts").csrf(t)}})
		if back := html.UnescapeString(b.get(p.location()).body); !strings.Contains(back, "esta red no permite comprobar las credenciales sin publicar") {
			t.Errorf("no verdict:\n%s", back)
		}
	})
}

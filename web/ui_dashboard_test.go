package web_test

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"pregonero"
)

// newLimitsServer is a UI server whose X, Instagram and YouTube adapters
// report headroom: each account at, just past or short of the Tablero's
// threshold (a fifth of a known total, 5 posts of an unknown one).
func newLimitsServer(t *testing.T) *uiServer {
	x := roomAdapter{
		Adapter: measuredAdapter{&fakeAdapter{network: pregonero.NetworkX, validate: xRules, measure: xMeasure}},
		room: map[string][]pregonero.Allowance{
			"x-gob": {
				{Kind: pregonero.AllowancePosts15Min, Remaining: 5, Reset: testNow.Add(10 * time.Minute)},
				{Kind: pregonero.AllowancePosts24h, Remaining: 0, Reset: testNow.Add(5 * time.Hour)},
			},
			"x-salud": {{Kind: pregonero.AllowancePosts15Min, Remaining: 6, Reset: testNow.Add(10 * time.Minute)}},
		},
	}
	ig := roomAdapter{
		Adapter: &fakeAdapter{network: pregonero.NetworkInstagram, validate: igRules},
		room: map[string][]pregonero.Allowance{
			"ig-gob": {{Kind: pregonero.AllowancePosts24h, Remaining: 10, Limit: 50, Reset: testNow.Add(3 * time.Hour)}},
		},
	}
	yt := roomAdapter{
		Adapter: &fakeAdapter{network: pregonero.NetworkYouTube},
		room: map[string][]pregonero.Allowance{
			"yt-gob": {
				{Kind: pregonero.AllowanceUploadsDay, Remaining: 11, Limit: 100, Reset: testNow.Add(8 * time.Hour)},
				{Kind: pregonero.AllowanceUnitsDay, Remaining: 2001, Limit: 10000, Reset: testNow.Add(8 * time.Hour)},
			},
		},
	}
	fb := roomAdapter{
		Adapter: &fakeAdapter{network: pregonero.NetworkFacebook},
		room:    map[string][]pregonero.Allowance{"fb-gob": {{Kind: pregonero.AllowanceCallsPercent, Remaining: 21, Limit: 100}}},
	}
	return newUIServer(t, withAdapter(x), withAdapter(ig), withAdapter(yt), withAdapter(fb))
}

// section returns the part of a page from the heading with the id to the
// end of its section.
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s in:\n%s", id, body)
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		t.Fatalf("section %s does not end", id)
	}
	return body[i : i+j]
}

func TestUIDashboardAccountsNearTheirLimits(t *testing.T) {
	s := newLimitsServer(t)
	for _, user := range []string{"ana", "edu", "vera"} {
		t.Run(user+" sees the accounts near a limit, with when it renews", func(t *testing.T) {
			p := s.signedIn(user).get("/")
			if p.status != 200 {
				t.Fatalf("got %d", p.status)
			}
			limits := html.UnescapeString(section(t, p.body, "limits-title"))
			for _, want := range []string{
				"Cuentas cerca de su límite", "(3)",
				// 5 left of a window whose total X does not say; 0 left.
				"Gobernación (X)",
				`class="headroom-near">Publicaciones en la ventana de 15 minutos: quedan 5. Se renueva: vie 20 nov 2026, 15:10.`,
				`class="headroom-spent">Publicaciones en 24 horas: quedan 0. Se renueva: vie 20 nov 2026, 20:00.`,
				`href="/accounts#acc-x-gob"`,
				// A fifth of Instagram's 24-hour limit.
				"Publicaciones en 24 horas: quedan 10 de 50. Se renueva: vie 20 nov 2026, 18:00.", `href="/accounts#acc-ig-gob"`,
				// YouTube's uploads are near; its units are not.
				"Subidas de video hoy (cuota del proyecto de Google): quedan 11 de 100.", `href="/accounts#acc-yt-gob"`,
			} {
				if !strings.Contains(limits, want) {
					t.Errorf("the section lacks %q:\n%s", want, limits)
				}
			}
			for _, not := range []string{"Secretaría de Salud", "Gobernación (Facebook)", "Unidades de cuota"} {
				if strings.Contains(limits, not) {
					t.Errorf("the section lists %q, which is not near its limit", not)
				}
			}
		})
	}

	t.Run("none near a limit is said", func(t *testing.T) {
		s := newUIServer(t)
		limits := html.UnescapeString(section(t, s.signedIn("vera").get("/").body, "limits-title"))
		if !strings.Contains(limits, "Ninguna cuenta está cerca de un límite de la red.") {
			t.Errorf("got:\n%s", limits)
		}
	})
}

func TestUIDashboardLinks(t *testing.T) {
	s := newUIServer(t)
	ctx := context.Background()
	today := s.createPost(map[string]any{"text": "Vacunación gratuita este sábado", "targets": []string{"x-salud"},
		"scheduled_at": testNow.Add(time.Hour).Format(time.RFC3339)})
	reauth := s.createPost(map[string]any{"text": "Token vencido", "targets": []string{"x-gob"},
		"scheduled_at": testNow.Add(2 * time.Minute).Format(time.RFC3339)})
	paused := s.createPost(map[string]any{"text": "Cuenta en pausa", "targets": []string{"fb-gob"},
		"scheduled_at": testNow.Add(3 * time.Minute).Format(time.RFC3339)})
	s.clock.Add(10 * time.Minute)
	s.holdDelivery(t, reauth.Deliveries[0].ID, pregonero.HoldNeedsReauth)
	s.holdDelivery(t, paused.Deliveries[0].ID, pregonero.HoldAccountPaused)
	if _, err := s.db.UpdateAccount(ctx, "ig-gob", func(a *pregonero.Account) error {
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountNeedsReauth, "The token expired.", testNow
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p := s.signedIn("vera").get("/")
	body := html.UnescapeString(p.body)

	t.Run("each post leads to its page", func(t *testing.T) {
		for _, post := range []postView{today, reauth, paused} {
			if !strings.Contains(body, `<a href="/posts/`+post.ID+`">`+post.Text+`</a>`) {
				t.Errorf("no link to the page of %q", post.Text)
			}
		}
	})

	t.Run("a re-authorization says how for the network and leads to the account", func(t *testing.T) {
		attention := section(t, body, "attention-title")
		item := attention[strings.Index(attention, "Token vencido"):]
		item = item[:strings.Index(item, "</li>")]
		for _, want := range []string{"En el portal de desarrolladores de X, genere de nuevo los tokens de acceso de la cuenta",
			`<a href="/accounts#acc-x-gob">Ir a la cuenta</a>`} {
			if !strings.Contains(item, want) {
				t.Errorf("the item lacks %q:\n%s", want, item)
			}
		}
		if !strings.Contains(attention, `<a href="/accounts#acc-fb-gob">Ir a la cuenta</a>`) {
			t.Error("a post held by its account's pause does not lead to the account")
		}
		accounts := section(t, body, "accounts-title")
		for _, want := range []string{`<a href="/accounts#acc-ig-gob">Gobernación (Instagram)</a>`,
			"Genere un token nuevo de la cuenta de Instagram"} {
			if !strings.Contains(accounts, want) {
				t.Errorf("the accounts lack %q:\n%s", want, accounts)
			}
		}
	})
}

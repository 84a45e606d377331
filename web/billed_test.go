package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"pregonero"
	"pregonero/media"
	"pregonero/posting"
	"pregonero/web"
)

// withBilledReadCaps gives the server a posting service told which
// networks bill metric reads, with their daily caps. It goes after the
// adapter options.
func withBilledReadCaps(caps map[pregonero.Network]int) serverOption {
	return func(c *web.Config, _ *[]media.Option, as map[pregonero.Network]pregonero.Adapter) {
		svc, err := posting.New(posting.Config{Store: c.Store, Sender: c.Control.(*fakeControl), Now: c.Now, Adapters: as, BilledReadCaps: caps})
		if err != nil {
			panic(err)
		}
		c.Posts = svc
	}
}

// billReads records metric reads X billed for the account at the instant.
func billReads(t *testing.T, ts *testServer, at time.Time, account string, n int) {
	t.Helper()
	if err := ts.db.AddBilledReads(context.Background(), at, pregonero.NetworkX, account, n); err != nil {
		t.Fatal(err)
	}
}

// billSomeReads bills x-gob 12 reads and x-salud 28 today (UTC), and
// x-gob 70 yesterday.
func billSomeReads(t *testing.T, ts *testServer) {
	t.Helper()
	billReads(t, ts, testNow.Add(-time.Hour), "x-gob", 12)
	billReads(t, ts, testNow, "x-salud", 28)
	billReads(t, ts, testNow.AddDate(0, 0, -1), "x-gob", 70)
}

func TestAPIAccountsBilledReads(t *testing.T) {
	ts := newTestServer(t, withBilledReadCaps(map[pregonero.Network]int{pregonero.NetworkX: 500}))
	billSomeReads(t, ts)
	accounts := func(t *testing.T, ts *testServer) map[string]map[string]json.RawMessage {
		t.Helper()
		r := ts.request("GET", "/api/v1/accounts", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d %s", r.status, r.body)
		}
		var l struct {
			Accounts []map[string]json.RawMessage `json:"accounts"`
		}
		r.decode(t, &l)
		out := map[string]map[string]json.RawMessage{}
		for _, a := range l.Accounts {
			var id string
			if err := json.Unmarshal(a["id"], &id); err != nil {
				t.Fatal(err)
			}
			out[id] = a
		}
		return out
	}

	t.Run("each X account with its reads, its network's and the cap", func(t *testing.T) {
		got := accounts(t, ts)
		for id, want := range map[string]string{
			"x-gob":   `{"account":12,"network":40,"cap":500}`,
			"x-salud": `{"account":28,"network":40,"cap":500}`,
		} {
			if b := string(got[id]["billed_reads_today"]); b != want {
				t.Errorf("%s: billed_reads_today = %s, want %s", id, b, want)
			}
		}
	})
	t.Run("absent for the networks that do not bill reads", func(t *testing.T) {
		got := accounts(t, ts)
		for _, id := range []string{"fb-gob", "ig-gob", "yt-gob"} {
			if b, ok := got[id]["billed_reads_today"]; ok {
				t.Errorf("%s: billed_reads_today = %s, want no such field", id, b)
			}
		}
	})
	t.Run("the rest of the account as before, no credentials", func(t *testing.T) {
		got := accounts(t, ts)["x-gob"]
		for _, k := range []string{"id", "network", "name", "status"} {
			if _, ok := got[k]; !ok {
				t.Errorf("x-gob lacks %q: %v", k, got)
			}
		}
		r := ts.request("GET", "/api/v1/accounts", nil)
		for _, secret := range []string{"super-secret-credential", "hash-of-secret", "credentials"} {
			if strings.Contains(string(r.body), secret) {
				t.Errorf("the answer holds %q", secret)
			}
		}
		as, err := ts.client().Accounts(context.Background())
		if err != nil || len(as) != len(testAccounts) {
			t.Errorf("the client reads %d accounts, %v; want %d", len(as), err, len(testAccounts))
		}
	})
	t.Run("more reads billed show at once", func(t *testing.T) {
		billReads(t, ts, testNow, "x-gob", 3)
		if b := string(accounts(t, ts)["x-gob"]["billed_reads_today"]); b != `{"account":15,"network":43,"cap":500}` {
			t.Errorf("billed_reads_today = %s, want 15 of 43", b)
		}
	})
	t.Run("no cap: no cap field", func(t *testing.T) {
		ts := newTestServer(t, withBilledReadCaps(map[pregonero.Network]int{pregonero.NetworkX: -1}))
		billSomeReads(t, ts)
		if b := string(accounts(t, ts)["x-salud"]["billed_reads_today"]); b != `{"account":28,"network":40}` {
			t.Errorf("billed_reads_today = %s, want no cap", b)
		}
	})
	t.Run("a cap of 0 is said", func(t *testing.T) {
		ts := newTestServer(t, withBilledReadCaps(map[pregonero.Network]int{pregonero.NetworkX: 0}))
		if b := string(accounts(t, ts)["x-gob"]["billed_reads_today"]); b != `{"account":0,"network":0,"cap":0}` {
			t.Errorf("billed_reads_today = %s, want 0 of 0 with a cap of 0", b)
		}
	})
}

// roomYouTube is a YouTube adapter that reports the three daily buckets
// of its project.
func roomYouTube(stats pregonero.Allowance) roomAdapter {
	reset := testNow.Add(8 * time.Hour)
	return roomAdapter{
		Adapter: &fakeAdapter{network: pregonero.NetworkYouTube},
		room: map[string][]pregonero.Allowance{"yt-gob": {
			{Kind: pregonero.AllowanceUploadsDay, Remaining: 90, Limit: 100, Reset: reset},
			{Kind: pregonero.AllowanceUnitsDay, Remaining: 9000, Limit: 10000, Reset: reset},
			stats,
		}},
	}
}

func TestUIAccountsBilledReads(t *testing.T) {
	stats := pregonero.Allowance{Kind: pregonero.AllowanceStatsDay, Remaining: 9990, Limit: 10000, Reset: testNow.Add(8 * time.Hour)}
	s := newUIServer(t, withAdapter(roomYouTube(stats)), withBilledReadCaps(map[pregonero.Network]int{pregonero.NetworkX: 500}))
	billSomeReads(t, s.testServer)
	body := html.UnescapeString(s.signedIn("vera").get("/accounts").body)

	t.Run("next to each X account, with the cap and when the count starts again", func(t *testing.T) {
		for id, want := range map[string]string{
			"x-gob":   `class="headroom-ok">Lecturas de métricas facturadas hoy: 12 (cuenta) · 40 (X), de un tope diario de 500.`,
			"x-salud": `class="headroom-ok">Lecturas de métricas facturadas hoy: 28 (cuenta) · 40 (X), de un tope diario de 500.`,
		} {
			card := cardOf(t, body, id)
			for _, w := range []string{"Costo de las métricas", want,
				"X cobra cada publicación que devuelve al leer métricas; el conteo vuelve a 0 el vie 20 nov 2026, 19:00."} {
				if !strings.Contains(card, w) {
					t.Errorf("%s lacks %q:\n%s", id, w, card)
				}
			}
		}
	})
	t.Run("not on the accounts of networks that do not bill reads", func(t *testing.T) {
		for _, id := range []string{"fb-gob", "ig-gob", "yt-gob"} {
			if card := cardOf(t, body, id); strings.Contains(card, "facturadas") || strings.Contains(card, "Costo de las métricas") {
				t.Errorf("%s speaks of billed reads:\n%s", id, card)
			}
		}
	})
	t.Run("YouTube's statistics bucket among the allowances", func(t *testing.T) {
		want := "Lecturas de estadísticas de videos hoy (cuota del proyecto de Google): quedan 9990 de 10000. Se renueva: vie 20 nov 2026, 23:00."
		if card := cardOf(t, body, "yt-gob"); !strings.Contains(card, want) {
			t.Errorf("yt-gob lacks %q:\n%s", want, card)
		}
	})
	t.Run("near the cap, and at it", func(t *testing.T) {
		s := newUIServer(t, withBilledReadCaps(map[pregonero.Network]int{pregonero.NetworkX: 50}))
		billReads(t, s.testServer, testNow, "x-gob", 41)
		card := cardOf(t, html.UnescapeString(s.signedIn("vera").get("/accounts").body), "x-gob")
		if want := `class="headroom-near">Lecturas de métricas facturadas hoy: 41 (cuenta) · 41 (X), de un tope diario de 50.`; !strings.Contains(card, want) {
			t.Errorf("9 of 50 left: x-gob lacks %q:\n%s", want, card)
		}
		billReads(t, s.testServer, testNow, "x-salud", 9)
		card = cardOf(t, html.UnescapeString(s.signedIn("vera").get("/accounts").body), "x-gob")
		for _, want := range []string{
			`class="headroom-spent">Lecturas de métricas facturadas hoy: 41 (cuenta) · 50 (X), de un tope diario de 50.`,
			"Se alcanzó el tope diario: las métricas pendientes de X esperan hasta el vie 20 nov 2026, 19:00, las publicaciones más recientes primero.",
		} {
			if !strings.Contains(card, want) {
				t.Errorf("the cap reached: x-gob lacks %q:\n%s", want, card)
			}
		}
	})
	t.Run("no cap", func(t *testing.T) {
		s := newUIServer(t, withBilledReadCaps(map[pregonero.Network]int{pregonero.NetworkX: -1}))
		billSomeReads(t, s.testServer)
		card := cardOf(t, html.UnescapeString(s.signedIn("vera").get("/accounts").body), "x-salud")
		if want := "Lecturas de métricas facturadas hoy: 28 (cuenta) · 40 (X), sin tope diario."; !strings.Contains(card, want) {
			t.Errorf("x-salud lacks %q:\n%s", want, card)
		}
	})
}

func TestUIDashboardStatisticsBucketNearItsLimit(t *testing.T) {
	stats := pregonero.Allowance{Kind: pregonero.AllowanceStatsDay, Remaining: 1500, Limit: 10000, Reset: testNow.Add(8 * time.Hour)}
	s := newUIServer(t, withAdapter(roomYouTube(stats)))
	limits := html.UnescapeString(section(t, s.signedIn("vera").get("/").body, "limits-title"))
	for _, want := range []string{`href="/accounts#acc-yt-gob"`,
		`class="headroom-near">Lecturas de estadísticas de videos hoy (cuota del proyecto de Google): quedan 1500 de 10000.`} {
		if !strings.Contains(limits, want) {
			t.Errorf("the Tablero's limits lack %q:\n%s", want, limits)
		}
	}
}

// usageStore is a count of billed reads with function fields.
type usageStore struct {
	pregonero.MetricsUsageStore
	day   func(time.Time) ([]pregonero.BilledReads, error)
	total func() (map[pregonero.Network]int64, error)
}

func (u usageStore) BilledReads(_ context.Context, day time.Time) ([]pregonero.BilledReads, error) {
	return u.day(day)
}

func (u usageStore) BilledReadsTotal(context.Context) (map[pregonero.Network]int64, error) {
	return u.total()
}

func TestBilledReadsGauges(t *testing.T) {
	t.Run("today's and all-time reads of each network, 0 where none", func(t *testing.T) {
		ts := newTestServer(t)
		if err := ts.registry.Register(web.NewBilledReadsCollector(ts.db, ts.clock.Now)); err != nil {
			t.Fatal(err)
		}
		billSomeReads(t, ts)
		r := ts.request("GET", "/metrics", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		for _, want := range []string{
			"# TYPE pregonero_metrics_billed_reads_today gauge",
			`pregonero_metrics_billed_reads_today{network="x"} 40`,
			`pregonero_metrics_billed_reads_today{network="facebook"} 0`,
			`pregonero_metrics_billed_reads_today{network="instagram"} 0`,
			`pregonero_metrics_billed_reads_today{network="youtube"} 0`,
			"# TYPE pregonero_metrics_billed_reads_total counter",
			`pregonero_metrics_billed_reads_total{network="x"} 110`,
			`pregonero_metrics_billed_reads_total{network="youtube"} 0`,
		} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		// 00:00 UTC: a new day for the count of today, not for the total.
		ts.clock.Add(4 * time.Hour)
		r = ts.request("GET", "/metrics", nil)
		for _, want := range []string{`pregonero_metrics_billed_reads_today{network="x"} 0`, `pregonero_metrics_billed_reads_total{network="x"} 110`} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("the next UTC day: /metrics lacks %q", want)
			}
		}
	})
	t.Run("the day asked for is the clock's", func(t *testing.T) {
		var asked time.Time
		u := usageStore{
			day:   func(d time.Time) ([]pregonero.BilledReads, error) { asked = d; return nil, nil },
			total: func() (map[pregonero.Network]int64, error) { return nil, nil },
		}
		if err := gather(t, u, func() time.Time { return testNow }); err != nil {
			t.Fatal(err)
		}
		if !asked.Equal(testNow) {
			t.Errorf("asked for %v, want %v", asked, testNow)
		}
	})
	for name, u := range map[string]usageStore{
		"a day's count that cannot be read fails the scrape": {
			day:   func(time.Time) ([]pregonero.BilledReads, error) { return nil, errors.New("disk on fire") },
			total: func() (map[pregonero.Network]int64, error) { return nil, nil },
		},
		"a total that cannot be read fails the scrape": {
			day:   func(time.Time) ([]pregonero.BilledReads, error) { return nil, nil },
			total: func() (map[pregonero.Network]int64, error) { return nil, errors.New("disk on fire") },
		},
	} {
		t.Run(name, func(t *testing.T) {
			if err := gather(t, u, nil); err == nil || !strings.Contains(err.Error(), "disk on fire") {
				t.Errorf("Gather() = %v, want the store's error", err)
			}
		})
	}
}

// gather scrapes the billed reads collector over u alone.
func gather(t *testing.T, u usageStore, now func() time.Time) error {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(web.NewBilledReadsCollector(u, now)); err != nil {
		t.Fatal(err)
	}
	_, err := reg.Gather()
	return err
}

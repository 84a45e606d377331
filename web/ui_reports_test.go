package web_test

import (
	"context"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"pregonero"
)

// reportFixture is a campaign of Salud with two posts published on X and
// Facebook on Friday 20 November 2026 and measured over three days, a
// post of the campaign still waiting, and the clock on Sunday 22.
type reportFixture struct {
	campaign               pregonero.Campaign
	vias, corta, queued    postView
	xVias, fbVias, xCorta  string // delivery ids
	xURL, fbURL, xCortaURL string
}

// publish makes a delivery published at at, as the publisher would.
func (s *uiServer) publish(t *testing.T, id string, at time.Time, remote, link string) {
	t.Helper()
	s.updateDelivery(t, id, func(d *pregonero.Delivery) error {
		if err := d.Claim(); err != nil {
			return err
		}
		if err := d.Start(at); err != nil {
			return err
		}
		return d.Publish(pregonero.Receipt{RemoteID: remote, URL: link}, at, at.Add(time.Second), "")
	})
}

// snapshot stores what a network said about a delivery at an instant.
func (s *uiServer) snapshot(t *testing.T, p postView, delivery string, at time.Time, metrics map[string]int64) {
	t.Helper()
	var d *pregonero.Delivery
	for _, x := range p.Deliveries {
		if x.ID == delivery {
			d = x
		}
	}
	sn := pregonero.Snapshot{DeliveryID: d.ID, PostID: p.ID, AccountID: d.AccountID, Network: d.Network, CollectedAt: at, Metrics: metrics, Raw: map[string]int64{}}
	if err := s.db.AddSnapshots(context.Background(), []pregonero.Snapshot{sn}, nil); err != nil {
		t.Fatal(err)
	}
}

func newReportFixture(t *testing.T, s *uiServer) reportFixture {
	t.Helper()
	ctx := context.Background()
	var f reportFixture
	f.campaign = s.createCampaign(map[string]any{"name": "Vías del Nordeste", "unit": "salud", "plan_line": "Línea 3: Nuestra infraestructura",
		"starts_on": "2026-11-15", "ends_on": "2026-12-31"})
	at := func(d time.Duration) string { return testNow.Add(d).Format(time.RFC3339) }
	f.vias = s.createPost(map[string]any{"text": "Avanzan las obras de la vía Medellín–Yarumal, con 1.200 empleos", "targets": []string{"x-gob", "fb-gob"},
		"campaign": f.campaign.ID, "scheduled_at": at(time.Hour)})
	f.corta = s.createPost(map[string]any{"text": "Cierre parcial en el kilómetro 12", "targets": []string{"x-salud"}, "campaign": f.campaign.ID, "scheduled_at": at(2 * time.Hour)})
	f.queued = s.createPost(map[string]any{"text": "Sale la otra semana", "targets": []string{"x-gob"}, "campaign": f.campaign.ID, "scheduled_at": at(200 * time.Hour)})
	for _, d := range f.vias.Deliveries {
		if d.AccountID == "x-gob" {
			f.xVias = d.ID
		} else {
			f.fbVias = d.ID
		}
	}
	f.xCorta = f.corta.Deliveries[0].ID
	f.xURL, f.fbURL, f.xCortaURL = "https://x.com/GobAntioquia/status/2001", "https://www.facebook.com/100/posts/2002", "https://x.com/SaludAntioquia/status/2003"
	s.publish(t, f.xVias, testNow.Add(time.Hour), "2001", f.xURL)
	s.publish(t, f.fbVias, testNow.Add(time.Hour), "2002", f.fbURL)
	s.publish(t, f.xCorta, testNow.Add(2*time.Hour), "2003", f.xCortaURL)

	// Friday 20, Saturday 21 and Sunday 22 in Bogotá.
	fri, sat, sun := testNow.Add(2*time.Hour), testNow.Add(26*time.Hour), testNow.Add(47*time.Hour)
	s.snapshot(t, f.vias, f.xVias, fri, map[string]int64{"likes": 10, "comments": 2, "shares": 1, "views": 1000, "impressions": 1500})
	s.snapshot(t, f.vias, f.xVias, sat, map[string]int64{"likes": 1200, "comments": 30, "shares": 5, "views": 40000, "impressions": 52000})
	s.snapshot(t, f.vias, f.xVias, sun, map[string]int64{"likes": 1500, "comments": 31, "shares": 6, "views": 41000, "impressions": 53000})
	// Facebook says 0 comments (a number) and nothing of saves (absent).
	s.snapshot(t, f.vias, f.fbVias, sat, map[string]int64{"likes": 7, "comments": 0, "shares": 3, "reach": 900})
	if err := s.db.AddAccountSnapshots(ctx, []pregonero.AccountSnapshot{
		{AccountID: "x-gob", Network: pregonero.NetworkX, CollectedAt: fri, Metrics: map[string]int64{"followers": 10000}},
		{AccountID: "x-gob", Network: pregonero.NetworkX, CollectedAt: sun, Metrics: map[string]int64{"followers": 10250}},
	}); err != nil {
		t.Fatal(err)
	}
	s.clock.Add(48 * time.Hour)
	s.users.add(pregonero.User{Username: "eva", Role: pregonero.RoleEditor, Units: []string{"educación"}}, testPassword)
	s.users.add(pregonero.User{Username: "emma", Role: pregonero.RoleViewer, Language: "en"}, testPassword)
	return f
}

// chartOf returns the markup of the chart whose title has id titleID.
func chartOf(t *testing.T, body, titleID string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<figure class="chart"><figcaption class="chart-title" id="` + regexp.QuoteMeta(titleID) + `">.*?</figure>`).FindString(body)
	if m == "" {
		t.Fatalf("no chart %s on the page", titleID)
	}
	return m
}

// chartPoints counts the markers of each series of a chart, reading it
// as XML: a chart that is not well-formed fails.
func chartPoints(t *testing.T, chart string) map[string]int {
	t.Helper()
	out := map[string]int{}
	d := xml.NewDecoder(strings.NewReader(chart))
	series := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed: %v\n%s", err, chart)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attrs := map[string]string{}
		for _, a := range se.Attr {
			attrs[a.Name.Local] = a.Value
		}
		switch {
		case attrs["class"] == "series":
			series = attrs["data-series"]
			out[series] += 0
		case attrs["class"] == "pt":
			out[series]++
		}
	}
}

func TestUICampaignReport(t *testing.T) {
	s := newUIServer(t)
	f := newReportFixture(t, s)
	path := "/campaigns/" + f.campaign.ID + "/report"

	for _, who := range []string{"ana", "edu", "vera"} {
		t.Run(who+" reads the report", func(t *testing.T) {
			p := s.signedIn(who).get(path)
			if p.status != http.StatusOK {
				t.Fatalf("got %d\n%s", p.status, p.body)
			}
			if !strings.Contains(p.body, `value="2026-11-15"`) || !strings.Contains(p.body, `value="2026-11-22"`) {
				t.Error("the form does not show the campaign's days up to today, the report's defaults")
			}
		})
	}

	p := s.signedIn("vera").get(path)
	body := html.UnescapeString(p.body)

	t.Run("totals per network and overall, es-CO numbers, absent is a dash", func(t *testing.T) {
		row := func(name string) string {
			m := regexp.MustCompile(`<tr><th scope="row">` + name + `</th>(.*?)</tr>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no row %s in the totals", name)
			}
			return regexp.MustCompile(`<[^>]+>`).ReplaceAllString(strings.ReplaceAll(m[1], "</td>", "|"), "")
		}
		// Columns: X, Facebook, Total. X counts both its deliveries' latest
		// readings (the short post has none).
		for name, want := range map[string]string{
			"Me gusta":              "1.500|7|1.507|",
			"Comentarios":           "31|0|31|",
			"Guardados":             "—|—|—|",
			"Alcance":               "—|900|900|",
			"Impresiones":           "53.000|—|53.000|",
			"Interacciones":         "1.537|10|1.547|",
			"Publicaciones medidas": "1 de 2|1 de 1|2 de 3|",
		} {
			if got := row(name); got != want {
				t.Errorf("%s: got %q, want %q", name, got, want)
			}
		}
	})

	t.Run("the daily chart has a point per day with a reading", func(t *testing.T) {
		got := chartPoints(t, chartOf(t, p.body, "informe-interacciones-t"))
		want := map[string]int{"Me gusta": 3, "Comentarios": 3, "Compartidos": 3}
		if len(got) != len(want) {
			t.Errorf("got series %v, want %v (saves were never read)", got, want)
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: got %d points, want %d", k, got[k], n)
			}
		}
		aud := chartPoints(t, chartOf(t, p.body, "informe-alcance-t"))
		if aud["Vistas"] != 3 || aud["Alcance"] != 2 {
			t.Errorf("audience chart: got %v, want 3 days of views and 2 of reach", aud)
		}
		for _, want := range []string{`role="img"`, `<figcaption class="chart-title" id="informe-interacciones-t">Interacciones acumuladas por día</figcaption>`,
			"Me gusta: de 10 el 20 nov a 1.507 el 22 nov", "<summary>Ver los datos en una tabla</summary>"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})

	t.Run("top posts link to their pages and live posts", func(t *testing.T) {
		for _, want := range []string{`<a href="/posts/` + f.vias.ID + `">Avanzan las obras`, `href="` + f.xURL + `"`, `href="` + f.fbURL + `"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		if strings.Contains(body, "/posts/"+f.corta.ID) {
			t.Error("a post without metrics is among the top posts")
		}
		bars := chartOf(t, p.body, "informe-top-t")
		if n := strings.Count(bars, `class="bar"`); n != 1 {
			t.Errorf("got %d bars of top posts, want 1", n)
		}
	})

	t.Run("follower growth", func(t *testing.T) {
		if !strings.Contains(body, "<td class=\"num\" data-label=\"Al comienzo\">10.000</td>") || !strings.Contains(body, "+250") {
			t.Errorf("no follower growth from 10.000 by +250:\n%s", body)
		}
		chart := chartOf(t, p.body, "informe-seg-x-gob-t")
		if got := chartPoints(t, chart); got["Seguidores"] != 2 {
			t.Errorf("got %v, want 2 readings of followers", got)
		}
		// Each account's chart says whose followers it draws.
		if want := `id="informe-seg-x-gob-t">Seguidores de Gobernación (X), en X</figcaption>`; !strings.Contains(html.UnescapeString(chart), want) {
			t.Errorf("the chart lacks its caption %s:\n%s", want, chart)
		}
		if strings.Contains(chart, `class="legend"`) {
			t.Error("the chart of one account's followers has a legend")
		}
	})

	t.Run("numbers are aligned with their headers, text is not", func(t *testing.T) {
		for _, want := range []string{`<th scope="col" class="num">Al comienzo</th>`, `<th scope="col" class="num">Cambio</th>`,
			`<th scope="col" class="num">X</th>`, `<th scope="col" class="num">Total</th>`, `<th scope="col" class="num">Me gusta</th>`,
			`<th scope="col">Red</th>`, `<td data-label="Red">X</td>`, `<th scope="col">Métrica</th>`, `<th scope="col">En la red</th>`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		if strings.Contains(body, `class="num" data-label="Red"`) {
			t.Error("the network's name is aligned as a number")
		}
	})

	t.Run("the CSV button downloads through the session", func(t *testing.T) {
		want := "/reports/metrics.csv?campaign=" + f.campaign.ID + "&amp;from=2026-11-15&amp;to=2026-11-22"
		if !strings.Contains(p.body, `href="`+want+`"`) {
			t.Fatalf("no CSV link %s", want)
		}
		csv := s.signedIn("vera").get(html.UnescapeString(want))
		if csv.status != http.StatusOK || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(csv.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("got %d %v", csv.status, csv.header)
		}
		if !strings.HasPrefix(csv.body, "\ufeff") || !strings.Contains(csv.body, "Avanzan las obras") || !strings.Contains(csv.body, f.xURL) {
			t.Errorf("the CSV lacks the BOM or the post:\n%s", csv.body)
		}
	})

	t.Run("in English, with English numbers", func(t *testing.T) {
		b := s.signedIn("emma").get(path)
		en := html.UnescapeString(b.body)
		for _, want := range []string{"Campaign report", "1,507", "53,000", "Likes: from 10 on 20 Nov to 1,507 on 22 Nov"} {
			if !strings.Contains(en, want) {
				t.Errorf("the English page lacks %q", want)
			}
		}
	})

	t.Run("bad dates are shown next to the field", func(t *testing.T) {
		b := s.signedIn("vera")
		p := b.get(path + "?from=2026-13-01")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "from"), "Escriba la fecha como año-mes-día") {
			t.Errorf("from=2026-13-01: got %d, error %q", p.status, fieldError(p, "from"))
		}
		if !strings.Contains(p.body, `id="from" name="from" value="2026-13-01"`) || !strings.Contains(p.body, `aria-invalid="true"`) {
			t.Error("the form does not keep what was typed, marked invalid")
		}
		p = b.get(path + "?from=2026-11-22&to=2026-11-15")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "to"), "is before from") {
			t.Errorf("to before from: got %d, error %q", p.status, fieldError(p, "to"))
		}
	})

	t.Run("a narrower span counts what was read by its end", func(t *testing.T) {
		p := s.signedIn("vera").get(path + "?from=2026-11-20&to=2026-11-20")
		if p.status != 200 {
			t.Fatalf("got %d", p.status)
		}
		if got := chartPoints(t, chartOf(t, p.body, "informe-interacciones-t")); got["Me gusta"] != 1 {
			t.Errorf("got %v, want one day", got)
		}
		if !strings.Contains(p.body, `data-label="Total">10</td>`) {
			t.Error("Friday's report does not count Friday's reading")
		}
	})

	t.Run("an editor of another dependencia is refused", func(t *testing.T) {
		b := s.signedIn("eva")
		if p := b.get(path); p.status != http.StatusForbidden {
			t.Errorf("report: got %d, want 403", p.status)
		}
		if p := b.get("/reports/metrics.csv?campaign=" + f.campaign.ID); p.status != http.StatusForbidden || strings.Contains(p.header.Get("Content-Disposition"), "attachment") {
			t.Errorf("CSV: got %d %v, want the 403 page", p.status, p.header)
		}
	})

	t.Run("an unknown campaign is the not-found page", func(t *testing.T) {
		if p := s.signedIn("vera").get("/campaigns/c_nada/report"); p.status != http.StatusNotFound {
			t.Errorf("got %d", p.status)
		}
	})

	t.Run("the campaign's page links to its report", func(t *testing.T) {
		p := s.signedIn("vera").get("/campaigns/" + f.campaign.ID)
		if !strings.Contains(p.body, `<a href="`+path+`">`) {
			t.Error("no link to the report")
		}
	})
}

func TestUIReports(t *testing.T) {
	s := newUIServer(t)
	f := newReportFixture(t, s)

	t.Run("by dependencia", func(t *testing.T) {
		p := s.signedIn("vera").get("/reports?from=2026-11-15&to=2026-11-22")
		body := html.UnescapeString(p.body)
		if p.status != 200 || !strings.Contains(body, `<h2 id="g1-title">salud</h2>`) {
			t.Fatalf("got %d\n%s", p.status, body)
		}
		if !strings.Contains(body, `<a href="/reports" aria-current="page">Reportes</a>`) {
			t.Error("the menu does not mark Reportes")
		}
		if got := chartPoints(t, chartOf(t, p.body, "g1-interacciones-t")); got["Me gusta"] != 3 {
			t.Errorf("the group's chart: got %v", got)
		}
		for _, want := range []string{`href="/posts/` + f.vias.ID + `"`, `href="/reports/metrics.csv?from=2026-11-15&amp;to=2026-11-22"`,
			`href="/reports/metrics.csv?from=2026-11-15&amp;to=2026-11-22&amp;unit=salud"`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})

	t.Run("by line of the Plan de Desarrollo", func(t *testing.T) {
		p := s.signedIn("vera").get("/reports?by=plan_line&from=2026-11-15&to=2026-11-22")
		if p.status != 200 || !strings.Contains(html.UnescapeString(p.body), `<h2 id="g1-title">Línea 3: Nuestra infraestructura</h2>`) {
			t.Fatalf("got %d\n%s", p.status, p.body)
		}
		if !strings.Contains(p.body, `<option value="plan_line" selected>`) {
			t.Error("the form does not keep the grouping")
		}
	})

	t.Run("dependencias and lines are chosen from the known ones", func(t *testing.T) {
		p := s.signedIn("vera").get("/reports?plan_line=" + url.QueryEscape("Línea 3: Nuestra infraestructura"))
		body := html.UnescapeString(p.body)
		for _, want := range []string{
			`<select id="unit" name="unit"><option value="" selected>Todas las dependencias</option><option value="salud">salud</option>` + "\n</select>",
			`<select id="plan_line" name="plan_line"><option value="">Todas las líneas</option><option value="Línea 3: Nuestra infraestructura" selected>Línea 3: Nuestra infraestructura</option>` + "\n</select>",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
		if strings.Contains(p.body, `type="text"`) {
			t.Error("the form still has a text field")
		}
	})

	t.Run("a value of the address that the list lacks is kept, chosen", func(t *testing.T) {
		p := s.signedIn("vera").get("/reports?unit=cultura&plan_line=L%C3%ADnea+9")
		body := html.UnescapeString(p.body)
		if p.status != 200 {
			t.Fatalf("got %d", p.status)
		}
		for _, want := range []string{`<option value="">Todas las dependencias</option>`, `<option value="cultura" selected>cultura</option>`,
			`<option value="Línea 9" selected>Línea 9</option>`} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
	})

	t.Run("an editor is offered their own dependencias", func(t *testing.T) {
		p := s.signedIn("eva").get("/reports")
		body := html.UnescapeString(p.body)
		if want := `<select id="unit" name="unit"><option value="" selected>Todas las dependencias</option><option value="educación">educación</option>` + "\n</select>"; !strings.Contains(body, want) {
			t.Errorf("the form lacks %s", want)
		}
	})

	t.Run("a network narrows the report", func(t *testing.T) {
		p := s.signedIn("vera").get("/reports?network=facebook&from=2026-11-15&to=2026-11-22")
		body := html.UnescapeString(p.body)
		if p.status != 200 || !strings.Contains(body, `data-label="Total">7</td>`) || strings.Contains(body, "1.500") {
			t.Errorf("got %d; Facebook's report counts X", p.status)
		}
	})

	t.Run("nothing published in the span", func(t *testing.T) {
		p := s.signedIn("vera").get("/reports?from=2026-01-01&to=2026-01-31")
		if p.status != 200 || !strings.Contains(p.body, "No hay publicaciones publicadas en estas fechas.") {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})

	t.Run("bad input is shown next to the field", func(t *testing.T) {
		b := s.signedIn("vera")
		for q, field := range map[string]string{"by=hashtag": "by", "network=myspace": "network", "to=ayer": "to"} {
			p := b.get("/reports?" + q)
			if p.status != http.StatusUnprocessableEntity || fieldError(p, field) == "" {
				t.Errorf("%s: got %d, error next to %s %q", q, p.status, field, fieldError(p, field))
			}
		}
	})

	t.Run("an editor reads their dependencias and is refused another's", func(t *testing.T) {
		if p := s.signedIn("eva").get("/reports?from=2026-11-15&to=2026-11-22"); p.status != 200 || strings.Contains(p.body, f.vias.ID) {
			t.Errorf("got %d; the editor of educación sees Salud's posts", p.status)
		}
		if p := s.signedIn("edu").get("/reports?from=2026-11-15&to=2026-11-22"); p.status != 200 || !strings.Contains(p.body, f.vias.ID) {
			t.Errorf("got %d; the editor of salud does not see Salud's posts", p.status)
		}
		if p := s.signedIn("eva").get("/reports?unit=salud"); p.status != http.StatusForbidden {
			t.Errorf("another dependencia: got %d, want 403", p.status)
		}
	})

	t.Run("the CSV asks for a session", func(t *testing.T) {
		p := s.browser().get("/reports/metrics.csv?unit=salud")
		if want := "/login?next=" + url.QueryEscape("/reports/metrics.csv?unit=salud"); p.status != http.StatusSeeOther || p.location() != want {
			t.Errorf("got %d to %q, want 303 to %q", p.status, p.location(), want)
		}
		if p := s.signedIn("vera").get("/reports/metrics.csv?from=mañana"); p.status != http.StatusUnprocessableEntity {
			t.Errorf("a bad date: got %d, want 422", p.status)
		}
	})
}

func TestUIPostMetrics(t *testing.T) {
	s := newUIServer(t)
	f := newReportFixture(t, s)
	b := s.signedIn("vera")

	p := b.get("/posts/" + f.vias.ID)
	if p.status != 200 {
		t.Fatalf("got %d", p.status)
	}
	body := html.UnescapeString(p.body)
	t.Run("each delivery's metrics over time", func(t *testing.T) {
		if n := strings.Count(body, "<h4>Métricas en el tiempo</h4>"); n != 2 {
			t.Errorf("got %d metrics sections, want one per delivery", n)
		}
		x := chartPoints(t, chartOf(t, p.body, "met-1-i-t"))
		if x["Me gusta"] != 3 || x["Comentarios"] != 3 {
			t.Errorf("X: got %v, want 3 readings", x)
		}
		fb := chartPoints(t, chartOf(t, p.body, "met-2-i-t"))
		if fb["Me gusta"] != 1 || fb["Comentarios"] != 1 {
			t.Errorf("Facebook: got %v, want 1 reading", fb)
		}
		for _, want := range []string{"20 nov 17:00", "22 nov 14:00", `data-label="Me gusta">1.500</td>`, `data-label="Alcance">900</td>`, `data-label="Comentarios">0</td>`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})
	t.Run("a published delivery without readings says so", func(t *testing.T) {
		p := b.get("/posts/" + f.corta.ID)
		if !strings.Contains(p.body, "Sin métricas todavía.") || strings.Contains(p.body, `class="chart"`) {
			t.Errorf("no empty-metrics text:\n%s", p.body)
		}
	})
	t.Run("readings in the same minute are told apart by their seconds", func(t *testing.T) {
		at := time.Date(2026, 11, 21, 14, 43, 5, 0, time.UTC) // 09:43 in Bogotá
		s.snapshot(t, f.corta, f.xCorta, at, map[string]int64{"likes": 1})
		s.snapshot(t, f.corta, f.xCorta, at.Add(40*time.Second), map[string]int64{"likes": 2})
		p := b.get("/posts/" + f.corta.ID)
		chart := chartOf(t, p.body, "met-1-i-t")
		var ticks []string
		for _, m := range regexp.MustCompile(`<text [^>]*y="132"[^>]*>([^<]*)</text>`).FindAllStringSubmatch(chart, -1) {
			ticks = append(ticks, m[1])
		}
		if want := []string{"21 nov 09:43:05", "21 nov 09:43:45"}; strings.Join(ticks, "|") != strings.Join(want, "|") {
			t.Errorf("got ticks %q, want %q", ticks, want)
		}
		if !strings.Contains(p.body, `<tr><th scope="row">21 nov 09:43:05</th>`) {
			t.Error("the table's readings are not written to the second")
		}
	})
	t.Run("a waiting delivery has no metrics section", func(t *testing.T) {
		if p := b.get("/posts/" + f.queued.ID); strings.Contains(p.body, "Métricas en el tiempo") {
			t.Error("a post not published shows metrics")
		}
	})
}

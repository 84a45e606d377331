package main_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"pregonero/posting"
)

// Selectors of the Series pages.
const (
	selSeriesForm    = `form.series-form[action="/series"]`
	selSeriesPreview = selSeriesForm + ` button[value="preview"]`
	selSeriesCreate  = selSeriesForm + ` button[value="create"]`
	selSeriesPost    = `#occurrences a[href^="/posts/"]`
)

// stepSeries: the editor builds a weekly series on Series (the two days
// after today, at 7:00), previews its next dates in Spanish, creates it,
// sees its next occurrences with their posts, and opens the first post,
// made by the series with its date written out.
func stepSeries(r *browserRun, ed *tab) {
	t := r.t
	if r.notBuilt("/series", "skipped") {
		return
	}
	loc := r.m.Config.Location()
	first := time.Now().In(loc).AddDate(0, 0, 1)
	second := first.AddDate(0, 0, 1)
	codes := []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	ed.open("/series", 200)
	ed.check("series-empty")
	form := selSeriesForm + " "
	ed.set(form+`[name="name"]`, "Boletín de la mañana")
	ed.set(form+`[name="text"]`, "Boletín del {fecha}: agenda del Gobernador")
	ed.set(form+`[name="start_date"]`, first.Format("2006-01-02"))
	ed.set(form+`[name="start_time"]`, "07:00")
	ed.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const f = document.querySelector(%s);
		f.querySelector('input[name="freq"][value="weekly"]').click();
		f.querySelectorAll('input[name="days"]').forEach(c => { c.checked = c.value === %s || c.value === %s; });
		f.querySelectorAll('input[name="targets"]').forEach(c => { c.checked = c.value === %s; });
	})()`, jsString(selSeriesForm), jsString(codes[first.Weekday()]), jsString(codes[second.Weekday()]), jsString(acctX))))
	if status := ed.submit(selSeriesPreview); status != 200 {
		t.Fatalf("preview: status %d; the page says:\n%s", status, ed.mainText())
	}
	firstWhen := posting.FechaES(first) + ", 07:00"
	if text := ed.mainText(); !strings.Contains(text, "Próximas fechas") || !strings.Contains(text, firstWhen) {
		t.Errorf("the preview lacks %q; the page says:\n%s", firstWhen, text)
	}
	ed.check("series-preview")
	if status := ed.submit(selSeriesCreate); status != 200 {
		t.Fatalf("create: status %d; the page says:\n%s", status, ed.mainText())
	}
	m := regexp.MustCompile(`^/series/(s_[^/?#]+)`).FindStringSubmatch(ed.path())
	if m == nil {
		t.Fatalf("creating the series led to %s; the page says:\n%s", ed.path(), ed.mainText())
	}
	page := ed.mainText()
	for _, want := range []string{"creada", "próximas publicaciones", firstWhen, "programada"} {
		if !strings.Contains(strings.ToLower(page), want) {
			t.Errorf("the series page lacks %q; it says:\n%s", want, page)
		}
	}
	ed.check("series")
	occs, err := r.api.SeriesOccurrences(context.Background(), m[1], 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(occs.Occurrences) < 2 || occs.Occurrences[0].PostID == "" || occs.Occurrences[1].PostID == "" {
		t.Fatalf("the series' first occurrences have no posts: %+v", occs.Occurrences)
	}
	if status := ed.submit(selSeriesPost); status != 200 {
		t.Fatalf("open the first post: status %d", status)
	}
	ed.wantPath("/posts/" + occs.Occurrences[0].PostID)
	if text := ed.mainText(); !strings.Contains(text, "Boletín del "+posting.FechaES(first)+": agenda del Gobernador") {
		t.Errorf("the post made by the series does not carry its date in Spanish; the page says:\n%s", text)
	}
	ed.open("/series", 200)
	ed.check("series-list")
}

package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/chromedp/chromedp"
)

// Selectors of the Fuentes and Calendario en mi agenda pages.
const (
	selFeedAdd       = `form[action="/feeds"] button[type=submit]`
	selFeedPoll      = `form[action$="/poll"] button[type=submit]`
	selCalFeedCreate = `form[action="/calendar-feed"] button[type=submit]`
	selCalFeedURL    = `#calfeed-url`
)

// stepFeeds: the editor adds the sandbox's news feed of the Gobernación
// on Fuentes for the X account, checks it now, and sees the three news
// drafted (their posts drafts with the item's image); then makes the
// address of their calendar on Calendario en mi agenda and reads it as a
// calendar application would.
func stepFeeds(r *browserRun, ed *tab) {
	t := r.t
	if r.notBuilt("/feeds", "skipped") {
		return
	}
	ed.open("/feeds", 200)
	ed.check("feeds")
	ed.set("#name", "Noticias de la Gobernación")
	ed.set("#url", "http://"+r.m.SandboxAddr+"/feeds/antioquia.xml")
	ed.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=targets][value=%q]`, acctX))))
	if status := ed.submit(selFeedAdd); status != 200 {
		t.Fatalf("add feed: status %d; the page says:\n%s", status, ed.mainText())
	}
	if !strings.HasPrefix(ed.path(), "/feeds/f_") {
		t.Fatalf("after adding the feed the tab is at %s; the page says:\n%s", ed.path(), ed.mainText())
	}
	feedPath := ed.path()
	if status := ed.submit(selFeedPoll); status != 200 {
		t.Fatalf("Revisar ahora: status %d; the page says:\n%s", status, ed.mainText())
	}
	ed.wantPath(feedPath)
	text := ed.mainText()
	for _, want := range []string{"Se revisó la fuente. Borradores nuevos: 3.", "Al día", "Jornada de vacunación en los 125 municipios"} {
		if !strings.Contains(text, want) {
			t.Errorf("the feed's page lacks %q; it says:\n%s", want, text)
		}
	}
	ed.check("feed")
	page, err := r.api.Posts(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	drafts := 0
	for _, p := range page.Posts {
		if strings.HasPrefix(p.Link, "https://antioquia.gov.co/index.php/noticias/") {
			drafts++
			if !p.IsDraft() || len(p.Media) != 1 || p.Media[0].AltText == "" {
				t.Errorf("post %s of the feed: draft %v, media %+v; want a draft with the item's image", p.ID, p.IsDraft(), p.Media)
			}
		}
	}
	if drafts != 3 {
		t.Errorf("%d posts of the feed, want 3", drafts)
	}

	ed.open("/calendar-feed", 200)
	if status := ed.submit(selCalFeedCreate); status != 200 {
		t.Fatalf("make the calendar address: status %d; the page says:\n%s", status, ed.mainText())
	}
	ed.check("calendar-feed")
	addr := runIn(ed, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%s).value`, jsString(selCalFeedURL))))
	resp, err := http.Get(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("GET %s: %d %s", addr, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(string(body), "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(string(body), "\r\nEND:VCALENDAR\r\n") {
		t.Errorf("the calendar feed is not an iCalendar stream:\n%s", body)
	}
}

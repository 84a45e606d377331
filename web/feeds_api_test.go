package web_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/feed"
	"pregonero/posting"
	"pregonero/users"
	"pregonero/web"
)

// withFeeds gives the test server a posting service that polls feeds
// over HTTP with the real fetcher.
func withFeeds() serverOption {
	return withConfig(func(c *web.Config) {
		adapters := map[pregonero.Network]pregonero.Adapter{
			pregonero.NetworkX: measuredAdapter{&fakeAdapter{network: pregonero.NetworkX, validate: xRules, measure: xMeasure}},
		}
		svc, err := posting.New(posting.Config{Store: c.Store, Sender: c.Control.(posting.Sender), Now: c.Now, Adapters: adapters,
			Feeds: posting.FeedConfig{Fetcher: &feed.Fetcher{}, FirstItems: 10}})
		if err != nil {
			panic(err)
		}
		c.Posts = svc
	})
}

// feedSite serves the sample feed of the Gobernación with its ETag.
func feedSite(t *testing.T) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile("../feed/testdata/antioquia.xml")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"a1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"a1"`)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFeedsAPI(t *testing.T) {
	var us *users.Service
	ts := newTestServer(t, withUsersService(&us), withFeeds())
	site := feedSite(t)
	ctx := context.Background()
	c := ts.client()

	_, err := c.CreateFeed(ctx, web.FeedRequest{Name: "", URL: "nota", Targets: []string{"x-gob"}})
	if e := appErrorOf(t, err); e.Code != pregonero.EINVALID || len(e.Fields) != 2 {
		t.Errorf("invalid feed = %v, want invalid on name and url", err)
	}
	f, err := c.CreateFeed(ctx, web.FeedRequest{Name: "Gobernación", URL: site.URL + "/rss", Targets: []string{"x-gob"}, Every: "30m"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Every != "30m0s" || f.Failing || f.Drafted != 0 {
		t.Errorf("created = %+v", f)
	}
	poll, err := c.PollFeed(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if poll.Drafted != 4 {
		t.Fatalf("poll = %+v, want 4 drafts", poll)
	}
	if again, err := c.PollFeed(ctx, f.ID); err != nil || !again.NotModified {
		t.Errorf("second poll = %+v, %v; want not modified", again, err)
	}
	items, err := c.FeedItems(ctx, f.ID, 2)
	if err != nil || len(items) != 2 {
		t.Errorf("items = %v, %v; want 2", items, err)
	}
	got, err := c.Feed(ctx, f.ID)
	if err != nil || got.Drafted != 4 || got.ETag != `"a1"` || got.LastOKAt.IsZero() {
		t.Errorf("feed = %+v, %v", got, err)
	}
	name := "Noticias"
	if p, err := c.PatchFeed(ctx, f.ID, web.FeedPatch{Name: &name}); err != nil || p.Name != name || p.URL != f.URL {
		t.Errorf("patch = %+v, %v", p, err)
	}
	list, err := c.Feeds(ctx)
	if err != nil || len(list) != 1 {
		t.Errorf("list = %v, %v", list, err)
	}

	t.Run("a viewer reads feeds but may not add, poll or remove one", func(t *testing.T) {
		_, token := userWithToken(t, us, "vera", pregonero.RoleViewer)
		wantStatus(t, ts.request("GET", "/api/v1/feeds", nil, asToken(token)...), http.StatusOK)
		wantStatus(t, ts.request("POST", "/api/v1/feeds", map[string]any{"name": "N", "url": site.URL, "targets": []string{"x-gob"}}, asToken(token)...), http.StatusForbidden)
		wantStatus(t, ts.request("POST", "/api/v1/feeds/"+f.ID+"/poll", nil, asToken(token)...), http.StatusForbidden)
		wantStatus(t, ts.request("DELETE", "/api/v1/feeds/"+f.ID, nil, asToken(token)...), http.StatusForbidden)
	})

	if err := c.DeleteFeed(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Feed(ctx, f.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("after delete = %v, want not found", err)
	}
}

func appErrorOf(t *testing.T, err error) *pregonero.Error {
	t.Helper()
	var e *pregonero.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want a *pregonero.Error", err)
	}
	return e
}

// icsProperty is one unfolded content line: NAME:value (parameters are
// not used by the feed).
type icsProperty struct{ name, value string }

// parseICS reads an iCalendar stream as RFC 5545 §3.1 says: every line
// ends in CRLF and has at most 75 octets, a line starting with a space
// continues the one before. It returns the VEVENTs' properties.
func parseICS(t *testing.T, body []byte) (calendar []icsProperty, events [][]icsProperty) {
	t.Helper()
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Fatalf("the stream does not end with CRLF")
	}
	var lines []string
	for i, raw := range strings.SplitAfter(string(body[:len(body)-2]), "\r\n") {
		line := strings.TrimSuffix(raw, "\r\n")
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d has %d octets, more than 75: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, line)
		}
		if strings.HasPrefix(line, " ") {
			if len(lines) == 0 {
				t.Fatalf("the first line is a continuation")
			}
			lines[len(lines)-1] += line[1:]
			continue
		}
		lines = append(lines, line)
	}
	var cur []icsProperty
	inEvent := false
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("line without a colon: %q", l)
		}
		switch {
		case l == "BEGIN:VEVENT":
			inEvent, cur = true, nil
		case l == "END:VEVENT":
			inEvent = false
			events = append(events, cur)
		case inEvent:
			cur = append(cur, icsProperty{name, value})
		default:
			calendar = append(calendar, icsProperty{name, value})
		}
	}
	return calendar, events
}

// icsText undoes the TEXT escaping of RFC 5545 §3.3.11.
func icsText(t *testing.T, v string) string {
	t.Helper()
	var sb strings.Builder
	sc := bufio.NewScanner(strings.NewReader(v))
	sc.Split(bufio.ScanRunes)
	esc := false
	for sc.Scan() {
		r := sc.Text()
		switch {
		case esc:
			switch r {
			case "n", "N":
				sb.WriteString("\n")
			case `\`, ";", ",":
				sb.WriteString(r)
			default:
				t.Errorf("unknown escape \\%s in %q", r, v)
			}
			esc = false
		case r == `\`:
			esc = true
		case r == ";" || r == ",":
			t.Errorf("unescaped %s in TEXT %q", r, v)
			sb.WriteString(r)
		default:
			sb.WriteString(r)
		}
	}
	return sb.String()
}

func prop(ps []icsProperty, name string) string {
	for _, p := range ps {
		if p.name == name {
			return p.value
		}
	}
	return ""
}

func TestCalendarFeed(t *testing.T) {
	var us *users.Service
	ts := newTestServer(t, withUsersService(&us))
	_, adminToken := userWithToken(t, us, "ana", pregonero.RoleAdmin)
	_, editorToken := userWithToken(t, us, "eva", pregonero.RoleEditor, "salud")
	long := "Jornada de vacunación; traiga su carné, su cédula y \\ paciencia.\nHorario: 8:00 a 16:00 en los 125 municipios de Antioquia, también en la sede de la Gobernación 🎉"
	mk := func(text string, targets []string, at string) string {
		r := ts.request("POST", "/api/v1/posts", map[string]any{"text": text, "targets": targets, "scheduled_at": at}, asToken(adminToken)...)
		wantStatus(t, r, http.StatusCreated)
		var p postView
		r.decode(t, &p)
		return p.ID
	}
	salud := mk(long, []string{"x-salud"}, "2026-11-21T08:00:00-05:00")
	gob := mk("Agenda del Gobernador", []string{"fb-gob"}, "2026-11-22T07:00:00-05:00")

	newToken := func(token string) web.CalendarToken {
		r := ts.request("POST", "/api/v1/calendar/token", nil, asToken(token)...)
		wantStatus(t, r, http.StatusCreated)
		var out web.CalendarToken
		r.decode(t, &out)
		return out
	}
	fetch := func(u string) response {
		t.Helper()
		path := strings.TrimPrefix(u, ts.srv.URL)
		return ts.request("GET", path, nil, "Authorization", "")
	}
	edTok := newToken(editorToken)
	if !strings.HasPrefix(edTok.URL, ts.srv.URL+"/calendar/") || !strings.HasSuffix(edTok.URL, ".ics") || edTok.Token == "" {
		t.Fatalf("token answer = %+v", edTok)
	}

	t.Run("the feed parses as RFC 5545 and holds the user's posts only", func(t *testing.T) {
		r := fetch(edTok.URL)
		wantStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		cal, events := parseICS(t, r.body)
		if prop(cal, "VERSION") != "2.0" || prop(cal, "PRODID") == "" {
			t.Errorf("calendar properties = %v", cal)
		}
		if len(events) != 1 {
			t.Fatalf("%d events, want the editor's one", len(events))
		}
		ev := events[0]
		if got, want := prop(ev, "UID"), salud+"@pregonero"; got != want {
			t.Errorf("UID = %q, want %q", got, want)
		}
		if got := prop(ev, "DTSTART"); got != "20261121T130000Z" {
			t.Errorf("DTSTART = %q, want 20261121T130000Z", got)
		}
		if _, err := time.Parse("20060102T150405Z", prop(ev, "DTSTAMP")); err != nil {
			t.Errorf("DTSTAMP = %q: %v", prop(ev, "DTSTAMP"), err)
		}
		summary := icsText(t, prop(ev, "SUMMARY"))
		if !strings.HasPrefix(summary, "[X] Jornada de vacunación; traiga") {
			t.Errorf("SUMMARY = %q", summary)
		}
		desc := icsText(t, prop(ev, "DESCRIPTION"))
		if !strings.HasPrefix(desc, long) || !strings.Contains(desc, "Secretaría de Salud (X)") {
			t.Errorf("DESCRIPTION = %q, want the whole text and the account", desc)
		}
		if got, want := prop(ev, "URL"), ts.srv.URL+"/posts/"+salud; got != want {
			t.Errorf("URL = %q, want %q", got, want)
		}
	})

	t.Run("an admin's feed has every post", func(t *testing.T) {
		tok := newToken(adminToken)
		_, events := parseICS(t, fetch(tok.URL).body)
		var uids []string
		for _, ev := range events {
			uids = append(uids, prop(ev, "UID"))
		}
		if strings.Join(uids, " ") != salud+"@pregonero "+gob+"@pregonero" {
			t.Errorf("UIDs = %v", uids)
		}
	})

	t.Run("a revoked token answers 404", func(t *testing.T) {
		again := newToken(editorToken)
		wantStatus(t, fetch(edTok.URL), http.StatusNotFound)
		wantStatus(t, fetch(again.URL), http.StatusOK)
		wantStatus(t, ts.request("GET", "/api/v1/calendar/token", nil, asToken(editorToken)...), http.StatusOK)
		wantStatus(t, ts.request("DELETE", "/api/v1/calendar/token", nil, asToken(editorToken)...), http.StatusNoContent)
		wantStatus(t, fetch(again.URL), http.StatusNotFound)
		wantStatus(t, ts.request("GET", "/api/v1/calendar/token", nil, asToken(editorToken)...), http.StatusNotFound)
		wantStatus(t, ts.request("GET", "/calendar/nada", nil, "Authorization", ""), http.StatusNotFound)
	})
}

func TestCalendarFeedURLUsesPublicURL(t *testing.T) {
	var us *users.Service
	// Behind a proxy that ends TLS the request arrives over plain HTTP to
	// another host: the address given to calendar applications is the
	// configured public one.
	ts := newTestServer(t, withUsersService(&us), withConfig(func(c *web.Config) { c.PublicURL = "https://pregonero.example/" }))
	_, token := userWithToken(t, us, "ana", pregonero.RoleAdmin)
	r := ts.request("POST", "/api/v1/calendar/token", nil, asToken(token)...)
	wantStatus(t, r, http.StatusCreated)
	var out web.CalendarToken
	r.decode(t, &out)
	if want := "https://pregonero.example/calendar/" + out.Token + ".ics"; out.URL != want {
		t.Errorf("URL = %q, want %q", out.URL, want)
	}
}

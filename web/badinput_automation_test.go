package web_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/feed"
	"pregonero/notify"
	"pregonero/posting"
	"pregonero/users"
	"pregonero/web"
)

// withAutomation gives the test server a posting service with everything
// the automation routes reach: feeds polled with the real fetcher and a
// notifier without e-mail.
func withAutomation() serverOption {
	return withConfig(func(c *web.Config) {
		n, err := notify.New(notify.Config{Store: c.Store.(notify.Store)})
		if err != nil {
			panic(err)
		}
		adapters := map[pregonero.Network]pregonero.Adapter{
			pregonero.NetworkX: measuredAdapter{&fakeAdapter{network: pregonero.NetworkX, validate: xRules, measure: xMeasure}},
		}
		svc, err := posting.New(posting.Config{Store: c.Store, Sender: c.Control.(posting.Sender), Now: c.Now, Adapters: adapters,
			Feeds: posting.FeedConfig{Fetcher: &feed.Fetcher{}, FirstItems: 10}, Notifier: n})
		if err != nil {
			panic(err)
		}
		c.Posts = svc
	})
}

// badCase is a request that must be refused: its status, its error code
// and, for a field problem, the field named and words of its message.
type badCase struct {
	name         string
	method, path string
	body         any
	header       []string
	status       int
	code         string
	field        string
	msg          string
}

// check sends the request and checks the refusal: never a 5xx, the
// status of the code by the table, the error document, the field.
func (c badCase) check(t *testing.T, ts *testServer) {
	t.Helper()
	r := ts.request(c.method, c.path, c.body, c.header...)
	body := shorten(string(r.body))
	if r.status >= 500 {
		t.Fatalf("got %d %s, want a 4xx", r.status, body)
	}
	if r.status != c.status {
		t.Fatalf("status = %d, want %d: %s", r.status, c.status, body)
	}
	r.body = []byte(shorten(string(r.body)))
	e := r.apiError(t)
	if e.Code != c.code {
		t.Errorf("code = %q, want %q: %s", e.Code, c.code, body)
	}
	if c.code != pregonero.EINVALID && r.status != http.StatusBadRequest {
		if got := web.StatusForCode(e.Code); got != r.status {
			t.Errorf("status %d is not the table's %d for %q", r.status, got, e.Code)
		}
	}
	msgs := e.Message
	for _, f := range e.Fields {
		msgs += " " + f.Message
	}
	if c.field != "" {
		found := false
		for _, f := range e.Fields {
			if f.Field == c.field {
				found = true
				if f.Message == "" {
					t.Errorf("field %s has no message: %s", c.field, body)
				}
			}
		}
		if !found {
			t.Errorf("no error names field %q: %s", c.field, body)
		}
	}
	if c.msg != "" && !strings.Contains(strings.ToLower(msgs), strings.ToLower(c.msg)) {
		t.Errorf("messages %q do not say %q", msgs, c.msg)
	}
}

// shorten keeps a failure's output readable when the request was huge:
// every run of one character longer than 40 is cut to 40.
func shorten(s string) string {
	var b strings.Builder
	run := 0
	for i, r := range s {
		if i > 0 && r == rune(s[i-1]) {
			run++
		} else {
			run = 0
		}
		if run < 40 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// named gives a case another name.
func named(name string, c badCase) badCase {
	c.name = name
	return c
}

func runBadCases(t *testing.T, ts *testServer, cases []badCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t, ts) })
	}
}

// automationFixture is a server with one of each thing the routes take
// an id of, and the tokens of a viewer and an editor.
type automationFixture struct {
	ts                     *testServer
	viewer, editor         string
	series, feed, webhook  string
	delivery, occurrence   string
	calendarToken, feedURL string
}

func newAutomationFixture(t *testing.T) *automationFixture {
	t.Helper()
	var us *users.Service
	ts := newTestServer(t, withUsersService(&us), withAutomation())
	f := &automationFixture{ts: ts}
	_, f.viewer = userWithToken(t, us, "vera", pregonero.RoleViewer)
	_, f.editor = userWithToken(t, us, "edna", pregonero.RoleEditor, "salud")

	wantStatus(t, ts.request("PUT", "/api/v1/queues/x-gob/slots", map[string]any{
		"slots": []map[string]any{{"days": []string{"mon", "tue", "wed", "thu", "fri"}, "time": "07:00"}}}), http.StatusOK)
	p := ts.createPost(map[string]any{"text": "En cola", "targets": []string{"x-gob"}, "scheduled_at": "queue"})
	if len(p.Deliveries) != 1 {
		t.Fatalf("post in the queue: %+v", p)
	}
	f.delivery = p.Deliveries[0].ID

	r := ts.request("POST", "/api/v1/series", map[string]any{
		"name": "Boletín", "rule": "FREQ=WEEKLY;BYDAY=MO", "start": "2026-11-23T08:00", "zone": "America/Bogota",
		"text": "Boletín del {fecha}", "targets": []string{"x-gob"}})
	wantStatus(t, r, http.StatusCreated)
	var sr web.SeriesResult
	r.decode(t, &sr)
	f.series, f.occurrence = sr.Series.ID, "2026-11-23T08:00"

	r = ts.request("POST", "/api/v1/feeds", map[string]any{"name": "Noticias", "url": "https://antioquia.gov.co/feed.xml", "targets": []string{"x-gob"}})
	wantStatus(t, r, http.StatusCreated)
	var fd struct {
		ID string `json:"id"`
	}
	r.decode(t, &fd)
	f.feed = fd.ID

	r = ts.request("POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.antioquia.gov.co/p", "events": []string{"publishing_paused"}})
	wantStatus(t, r, http.StatusCreated)
	var wh struct {
		ID string `json:"id"`
	}
	r.decode(t, &wh)
	f.webhook = wh.ID

	r = ts.request("POST", "/api/v1/calendar/token", nil, asToken(f.editor)...)
	wantStatus(t, r, http.StatusCreated)
	var ct web.CalendarToken
	r.decode(t, &ct)
	f.calendarToken, f.feedURL = ct.Token, ct.URL
	return f
}

// oddIDs are ids no route should take for anything but an unknown one:
// a NUL, a climb out of the path, and one far longer than any id.
var oddIDs = []struct{ name, id string }{
	{"a NUL", "%00"},
	{"a dot-dot", "..%2F..%2Fetc%2Fpasswd"},
	{"a very long id", strings.Repeat("a", 4000)},
	{"unicode and spaces", "%C3%B1%20x"},
}

func TestAutomationRoutesRefuseNoToken(t *testing.T) {
	f := newAutomationFixture(t)
	noToken := []string{"Authorization", ""}
	var cases []badCase
	for _, rt := range f.ts.web.Routes() {
		method, path, _ := strings.Cut(rt, " ")
		if !strings.HasPrefix(path, "/api/v1/") || !automationPath(path) {
			continue
		}
		path = strings.NewReplacer("{id}", "x", "{occurrence}", "2026-11-23T08:00").Replace(path)
		cases = append(cases, badCase{name: "no token on " + rt + " is unauthorized", method: method, path: path, body: "{}",
			header: noToken, status: http.StatusUnauthorized, code: pregonero.EUNAUTHORIZED})
	}
	if len(cases) < 36 {
		t.Fatalf("found %d automation routes, want the 36 of slots, series, feeds, calendar, imports, notifications", len(cases))
	}
	runBadCases(t, f.ts, cases)
}

// automationPath reports whether an API path is one of the automation
// routes this file covers.
func automationPath(p string) bool {
	for _, prefix := range []string{"/api/v1/queues/", "/api/v1/series", "/api/v1/feeds", "/api/v1/calendar/",
		"/api/v1/imports", "/api/v1/export/posts.csv", "/api/v1/me/notifications", "/api/v1/webhooks"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

func TestAutomationRoutesRefuseAViewerOnWriteRoutes(t *testing.T) {
	f := newAutomationFixture(t)
	v := asToken(f.viewer)
	forbid := func(method, path string, body any, extra ...string) badCase {
		return badCase{name: "a viewer is forbidden " + method + " " + path, method: method, path: path, body: body,
			header: append(append([]string(nil), v...), extra...), status: http.StatusForbidden, code: pregonero.EFORBIDDEN}
	}
	s := "/api/v1/series/" + f.series
	cases := []badCase{
		forbid("PUT", "/api/v1/queues/x-gob/slots", map[string]any{"slots": []any{}}),
		forbid("POST", "/api/v1/queues/x-gob/move", map[string]any{"delivery_id": f.delivery, "position": 1}),
		named("a viewer moving an unknown delivery is forbidden, not told it is unknown",
			forbid("POST", "/api/v1/queues/x-gob/move", map[string]any{"delivery_id": "d_nada", "position": 1})),
		forbid("POST", "/api/v1/series", map[string]any{"name": "N", "rule": "FREQ=DAILY", "start": "2026-11-23T08:00", "text": "x", "targets": []string{"x-gob"}}),
		forbid("PATCH", s, map[string]any{"name": "Otro"}),
		forbid("POST", s+"/state", map[string]any{"state": "paused"}),
		forbid("PATCH", s+"/occurrences/"+f.occurrence, map[string]any{"text": "otro"}),
		forbid("POST", s+"/occurrences/"+f.occurrence+"/skip", nil),
		forbid("POST", "/api/v1/feeds", map[string]any{"name": "N", "url": "https://a.org/f", "targets": []string{"x-gob"}}),
		forbid("PATCH", "/api/v1/feeds/"+f.feed, map[string]any{"name": "Otro"}),
		forbid("DELETE", "/api/v1/feeds/"+f.feed, nil),
		forbid("POST", "/api/v1/feeds/"+f.feed+"/poll", nil),
		forbid("POST", "/api/v1/imports", importCSV, "Content-Type", "text/csv"),
		forbid("POST", "/api/v1/webhooks", map[string]any{"url": "https://a.org/h", "events": []string{"publishing_paused"}}),
		forbid("PUT", "/api/v1/webhooks/"+f.webhook, map[string]any{"url": "https://a.org/h", "events": []string{"publishing_paused"}}),
		forbid("DELETE", "/api/v1/webhooks/"+f.webhook, nil),
		forbid("POST", "/api/v1/webhooks/"+f.webhook+"/test", nil),
	}
	runBadCases(t, f.ts, cases)

	t.Run("nothing a viewer sent changed anything", func(t *testing.T) {
		for _, path := range []string{s, "/api/v1/feeds/" + f.feed, "/api/v1/webhooks/" + f.webhook} {
			wantStatus(t, f.ts.request("GET", path, nil), http.StatusOK)
		}
		r := f.ts.request("GET", "/api/v1/queues/x-gob/slots", nil)
		if !strings.Contains(string(r.body), "07:00") {
			t.Errorf("slots after a viewer's change: %s", r.body)
		}
	})
}

// jsonBodyCases are the malformed bodies every JSON write route refuses
// alike: 400 for what is not JSON, 422 for JSON of the wrong shape.
func jsonBodyCases(route, method, path string, header []string) []badCase {
	return []badCase{
		{name: route + " refuses invalid JSON with 400 on body", method: method, path: path, body: `{"name":`, header: header,
			status: http.StatusBadRequest, code: pregonero.EINVALID, field: "body", msg: "ends too early"},
		{name: route + " refuses a syntax error with 400 on body", method: method, path: path, body: `{name: 1}`, header: header,
			status: http.StatusBadRequest, code: pregonero.EINVALID, field: "body", msg: "not valid JSON"},
		{name: route + " refuses an empty body with 400 on body", method: method, path: path, body: "", header: header,
			status: http.StatusBadRequest, code: pregonero.EINVALID, field: "body", msg: "empty"},
		{name: route + " refuses an array for an object with 422 on body", method: method, path: path, body: `[1,2]`, header: header,
			status: http.StatusUnprocessableEntity, code: pregonero.EINVALID, field: "body", msg: "must be an object"},
		{name: route + " refuses an unknown field with 422 naming it", method: method, path: path, body: `{"zzz_unknown":1}`, header: header,
			status: http.StatusUnprocessableEntity, code: pregonero.EINVALID, field: "zzz_unknown", msg: "unknown field"},
		{name: route + " refuses two JSON values with 400 on body", method: method, path: path, body: `{} {}`, header: header,
			status: http.StatusBadRequest, code: pregonero.EINVALID, field: "body", msg: "more than one"},
		{name: route + " refuses a form with 415 on Content-Type", method: method, path: path, body: "a=b",
			header: append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...),
			status: http.StatusUnsupportedMediaType, code: pregonero.EUNSUPPORTEDMEDIA, field: "Content-Type", msg: "JSON"},
		{name: route + " refuses a body over the limit with 413 on body", method: method, path: path,
			body: `{"name":"` + strings.Repeat("a", int(web.DefaultMaxBodyBytes)) + `"}`, header: header,
			status: http.StatusRequestEntityTooLarge, code: pregonero.ETOOLARGE, field: "body", msg: "larger than the limit"},
		{name: route + " refuses a string that is not UTF-8 with 422", method: method, path: path, body: "{\"name\":\"\xff\xfe\"}", header: header,
			status: http.StatusUnprocessableEntity, code: pregonero.EINVALID, msg: "UTF-8"},
	}
}

func TestAutomationRoutesRefuseMalformedJSON(t *testing.T) {
	f := newAutomationFixture(t)
	s := "/api/v1/series/" + f.series
	ed := asToken(f.editor)
	var cases []badCase
	for _, rt := range []struct {
		method, path string
		header       []string
	}{
		{"PUT", "/api/v1/queues/x-gob/slots", nil},
		{"POST", "/api/v1/queues/x-gob/move", nil},
		{"POST", "/api/v1/series", nil},
		{"POST", "/api/v1/series/preview", nil},
		{"PATCH", s, nil},
		{"POST", s + "/state", nil},
		{"PATCH", s + "/occurrences/" + f.occurrence, nil},
		{"POST", "/api/v1/feeds", nil},
		{"PATCH", "/api/v1/feeds/" + f.feed, nil},
		{"PUT", "/api/v1/me/notifications", ed},
		{"POST", "/api/v1/webhooks", nil},
		{"PUT", "/api/v1/webhooks/" + f.webhook, nil},
	} {
		cases = append(cases, jsonBodyCases(rt.method+" "+rt.path, rt.method, rt.path, rt.header)...)
	}
	runBadCases(t, f.ts, cases)
}

func TestSlotsAndQueueRefuseBadInput(t *testing.T) {
	f := newAutomationFixture(t)
	const slots = "/api/v1/queues/x-gob/slots"
	const move = "/api/v1/queues/x-gob/move"
	many := make([]map[string]any, posting.MaxSlots+1)
	for i := range many {
		many[i] = map[string]any{"days": []string{"mon"}, "time": fmt.Sprintf("%02d:%02d", i/60, i%60)}
	}
	inv, unp := http.StatusUnprocessableEntity, pregonero.EINVALID
	cases := []badCase{
		{name: "slots as a string is invalid on slots", method: "PUT", path: slots, body: `{"slots":"07:00"}`, status: inv, code: unp, field: "slots", msg: "must be an array"},
		{name: "a slot time as a number is invalid on its time", method: "PUT", path: slots, body: `{"slots":[{"days":["mon"],"time":7}]}`, status: inv, code: unp, field: "slots.time", msg: "must be a string"},
		{name: "an hour 25 is invalid on slots[0].time", method: "PUT", path: slots, body: map[string]any{"slots": []map[string]any{{"days": []string{"mon"}, "time": "25:00"}}}, status: inv, code: unp, field: "slots[0].time", msg: "not a time of day"},
		{name: "a time with seconds is invalid on slots[0].time", method: "PUT", path: slots, body: map[string]any{"slots": []map[string]any{{"days": []string{"mon"}, "time": "07:00:00"}}}, status: inv, code: unp, field: "slots[0].time", msg: "HH:MM"},
		{name: "a huge time is invalid on slots[0].time", method: "PUT", path: slots, body: map[string]any{"slots": []map[string]any{{"days": []string{"mon"}, "time": strings.Repeat("9", 100000)}}}, status: inv, code: unp, field: "slots[0].time"},
		{name: "weekday XX is unknown on slots[0].days", method: "PUT", path: slots, body: map[string]any{"slots": []map[string]any{{"days": []string{"XX"}, "time": "07:00"}}}, status: inv, code: unp, field: "slots[0].days", msg: "not a weekday"},
		{name: "no weekday is required on slots[0].days", method: "PUT", path: slots, body: map[string]any{"slots": []map[string]any{{"time": "07:00"}}}, status: inv, code: unp, field: "slots[0].days", msg: "at least one weekday"},
		{name: "a slot twice is invalid on slots[1]", method: "PUT", path: slots, body: map[string]any{"slots": []map[string]any{{"days": []string{"mon"}, "time": "07:00"}, {"days": []string{"mon"}, "time": "07:00"}}}, status: inv, code: unp, field: "slots[1]", msg: "keep one"},
		{name: "too many slots are too_many on slots", method: "PUT", path: slots, body: map[string]any{"slots": many}, status: inv, code: unp, field: "slots", msg: "at most 64"},
		{name: "slots of an unknown account are not found", method: "PUT", path: "/api/v1/queues/x-nadie/slots", body: map[string]any{"slots": []any{}}, status: http.StatusNotFound, code: pregonero.ENOTFOUND},
		{name: "queue limit -1 is invalid on limit", method: "GET", path: "/api/v1/queues/x-gob?limit=-1", status: inv, code: unp, field: "limit", msg: "from 1 to 1000"},
		{name: "queue limit 0 is invalid on limit", method: "GET", path: "/api/v1/queues/x-gob?limit=0", status: inv, code: unp, field: "limit"},
		{name: "a huge queue limit is invalid on limit", method: "GET", path: "/api/v1/queues/x-gob?limit=99999999999999999999", status: inv, code: unp, field: "limit"},
		{name: "a queue limit of words is invalid on limit", method: "GET", path: "/api/v1/queues/x-gob?limit=todos", status: inv, code: unp, field: "limit"},
		{name: "the queue of an unknown account is not found", method: "GET", path: "/api/v1/queues/x-nadie", status: http.StatusNotFound, code: pregonero.ENOTFOUND},
		{name: "a move without delivery_id requires it", method: "POST", path: move, body: map[string]any{"position": 1}, status: inv, code: unp, field: "delivery_id", msg: "id of the delivery"},
		{name: "a position as a string is invalid on position", method: "POST", path: move, body: `{"delivery_id":"` + f.delivery + `","position":"1"}`, status: inv, code: unp, field: "position", msg: "must be an integer"},
		{name: "a position with a fraction is invalid on position", method: "POST", path: move, body: `{"delivery_id":"` + f.delivery + `","position":1.5}`, status: inv, code: unp, field: "position"},
		{name: "position 0 is invalid on position", method: "POST", path: move, body: map[string]any{"delivery_id": f.delivery, "position": 0}, status: inv, code: unp, field: "position"},
		{name: "a negative position is invalid on position", method: "POST", path: move, body: map[string]any{"delivery_id": f.delivery, "position": -3}, status: inv, code: unp, field: "position"},
		{name: "a huge position is invalid on position", method: "POST", path: move, body: map[string]any{"delivery_id": f.delivery, "position": 1 << 62}, status: inv, code: unp, field: "position"},
		{name: "a position beyond int64 is invalid on position", method: "POST", path: move, body: `{"delivery_id":"` + f.delivery + `","position":1e30}`, status: inv, code: unp, field: "position"},
		{name: "an unknown delivery is not found", method: "POST", path: move, body: map[string]any{"delivery_id": "d_nada", "position": 1}, status: http.StatusNotFound, code: pregonero.ENOTFOUND},
		{name: "a delivery of another queue is not found", method: "POST", path: "/api/v1/queues/x-salud/move", body: map[string]any{"delivery_id": f.delivery, "position": 1}, status: http.StatusNotFound, code: pregonero.ENOTFOUND},
		{name: "a delivery id with odd characters is not found", method: "POST", path: move, body: map[string]any{"delivery_id": "../\x00" + strings.Repeat("d", 5000), "position": 1}, status: http.StatusNotFound, code: pregonero.ENOTFOUND},
	}
	for _, o := range oddIDs {
		cases = append(cases,
			badCase{name: "slots of " + o.name + " are not found", method: "GET", path: "/api/v1/queues/" + o.id + "/slots", status: http.StatusNotFound, code: pregonero.ENOTFOUND},
			badCase{name: "setting slots of " + o.name + " is not found", method: "PUT", path: "/api/v1/queues/" + o.id + "/slots", body: map[string]any{"slots": []any{}}, status: http.StatusNotFound, code: pregonero.ENOTFOUND},
			badCase{name: "the queue of " + o.name + " is not found", method: "GET", path: "/api/v1/queues/" + o.id, status: http.StatusNotFound, code: pregonero.ENOTFOUND},
		)
	}
	runBadCases(t, f.ts, cases)
}

func TestSeriesRefuseBadInput(t *testing.T) {
	f := newAutomationFixture(t)
	s := "/api/v1/series/" + f.series
	inv, unp := http.StatusUnprocessableEntity, pregonero.EINVALID
	series := func(change map[string]any) map[string]any {
		b := map[string]any{"name": "Boletín", "rule": "FREQ=WEEKLY;BYDAY=TU", "start": "2026-11-24T08:00", "zone": "America/Bogota",
			"text": "Hola", "targets": []string{"x-gob"}}
		for k, v := range change {
			if v == nil {
				delete(b, k)
				continue
			}
			b[k] = v
		}
		return b
	}
	var cases []badCase
	for _, route := range []struct{ name, method, path string }{
		{"create", "POST", "/api/v1/series"},
		{"preview", "POST", "/api/v1/series/preview"},
		{"patch", "PATCH", s},
	} {
		for _, c := range []struct {
			name   string
			change map[string]any
			field  string
			msg    string
		}{
			{"an hourly rule", map[string]any{"rule": "FREQ=HOURLY"}, "rule", "HOURLY"},
			{"weekday XX", map[string]any{"rule": "FREQ=WEEKLY;BYDAY=XX"}, "rule", "BYDAY"},
			{"COUNT=-1", map[string]any{"rule": "FREQ=DAILY;COUNT=-1"}, "rule", "COUNT"},
			{"an empty rule", map[string]any{"rule": ""}, "rule", ""},
			{"a rule of a megabyte's half", map[string]any{"rule": "FREQ=DAILY;" + strings.Repeat("X", 500000)}, "rule", ""},
			{"a rule with a NUL", map[string]any{"rule": "FREQ=DAILY\x00;COUNT=2"}, "rule", ""},
			{"month 13", map[string]any{"start": "2026-13-45T08:00"}, "start", ""},
			{"an hour 99", map[string]any{"start": "2026-11-24T99:99"}, "start", ""},
			{"a start of words", map[string]any{"start": "mañana"}, "start", ""},
			{"a zone on Mars", map[string]any{"zone": "Mars/Olympus_Mons"}, "zone", "Mars/Olympus_Mons"},
			{"a zone climbing out", map[string]any{"zone": "../../etc/passwd"}, "zone", ""},
			{"horizon_days -1", map[string]any{"horizon_days": -1}, "horizon_days", ""},
			{"horizon_days of a million", map[string]any{"horizon_days": 1000000}, "horizon_days", ""},
			{"a javascript: link", map[string]any{"link": "javascript:alert(1)"}, "link", ""},
			{"a file: link", map[string]any{"link": "file:///etc/passwd"}, "link", ""},
			{"an unknown target", map[string]any{"targets": []string{"../x-nadie"}}, "targets", ""},
			{"an exception that is no date", map[string]any{"exceptions": []string{"pronto"}}, "exceptions[0]", ""},
		} {
			body := series(c.change)
			if route.name == "patch" {
				body = c.change
			}
			if route.name == "preview" && (c.field == "link" || c.field == "targets" || c.field == "horizon_days") {
				continue // a preview reads the rule and its times only
			}
			cases = append(cases, badCase{name: route.name + ": " + c.name + " is invalid on " + c.field, method: route.method, path: route.path,
				body: body, status: inv, code: unp, field: c.field, msg: c.msg})
		}
		cases = append(cases,
			badCase{name: route.name + ": horizon_days beyond int64 is invalid on horizon_days", method: route.method, path: route.path,
				body: `{"horizon_days":1e40}`, status: inv, code: unp, field: "horizon_days"},
			badCase{name: route.name + ": a rule as a number is invalid on rule", method: route.method, path: route.path,
				body: `{"rule":5}`, status: inv, code: unp, field: "rule", msg: "must be a string"},
			badCase{name: route.name + ": targets as a string is invalid on targets", method: route.method, path: route.path,
				body: `{"targets":"x-gob"}`, status: inv, code: unp, field: "targets", msg: "must be an array"},
		)
	}
	cases = append(cases,
		badCase{name: "create: no name is required on name", method: "POST", path: "/api/v1/series", body: series(map[string]any{"name": nil}), status: inv, code: unp, field: "name"},
		badCase{name: "create: a name of 100,000 characters is too long on name", method: "POST", path: "/api/v1/series", body: series(map[string]any{"name": strings.Repeat("ñ", 100000)}), status: inv, code: unp, field: "name"},
		badCase{name: "create: a text of 200,000 characters is refused on text", method: "POST", path: "/api/v1/series", body: series(map[string]any{"text": strings.Repeat("a", 200000)}), status: inv, code: unp, field: "text"},
		badCase{name: "create: no targets is required on targets", method: "POST", path: "/api/v1/series", body: series(map[string]any{"targets": nil}), status: inv, code: unp, field: "targets"},
		badCase{name: "create: an unknown media is unknown on media", method: "POST", path: "/api/v1/series", body: series(map[string]any{"media": []string{"m_nada"}}), status: inv, code: unp, field: "media", msg: "no media m_nada"},
		badCase{name: "preview: n=0 is invalid on n", method: "POST", path: "/api/v1/series/preview?n=0", body: series(nil), status: inv, code: unp, field: "n"},
		badCase{name: "preview: n=-5 is invalid on n", method: "POST", path: "/api/v1/series/preview?n=-5", body: series(nil), status: inv, code: unp, field: "n"},
		badCase{name: "preview: a huge n is invalid on n", method: "POST", path: "/api/v1/series/preview?n=999999999999", body: series(nil), status: inv, code: unp, field: "n"},
		badCase{name: "occurrences: n of words is invalid on n", method: "GET", path: s + "/occurrences?n=diez", status: inv, code: unp, field: "n"},
		badCase{name: "state: an unknown state is invalid on state", method: "POST", path: s + "/state", body: map[string]any{"state": "exploded"}, status: inv, code: unp, field: "state", msg: "active, paused or ended"},
		badCase{name: "state: no state is required on state", method: "POST", path: s + "/state", body: map[string]any{}, status: inv, code: unp, field: "state", msg: "give the state"},
		badCase{name: "state: a state as a number is invalid on state", method: "POST", path: s + "/state", body: `{"state":1}`, status: inv, code: unp, field: "state"},
		badCase{name: "patch: an empty name is required on name", method: "PATCH", path: s, body: map[string]any{"name": "  "}, status: inv, code: unp, field: "name"},
		badCase{name: "occurrence: an occurrence that is no time is not found", method: "POST", path: s + "/occurrences/pronto/skip", status: http.StatusNotFound, code: pregonero.ENOTFOUND},
		badCase{name: "occurrence: an occurrence off the rule is not found", method: "POST", path: s + "/occurrences/2026-11-24T08:00/skip", status: http.StatusNotFound, code: pregonero.ENOTFOUND},
		badCase{name: "occurrence: a text too long is refused on text", method: "PATCH", path: s + "/occurrences/" + f.occurrence, body: map[string]any{"text": strings.Repeat("a", 300)}, status: inv, code: unp, field: "text"},
		badCase{name: "occurrence: a javascript: link is invalid on link", method: "PATCH", path: s + "/occurrences/" + f.occurrence, body: map[string]any{"link": "javascript:alert(1)"}, status: inv, code: unp, field: "link"},
	)
	for _, o := range oddIDs {
		nf := http.StatusNotFound
		cases = append(cases,
			badCase{name: "a series of " + o.name + " is not found", method: "GET", path: "/api/v1/series/" + o.id, status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "patching a series of " + o.name + " is not found", method: "PATCH", path: "/api/v1/series/" + o.id, body: map[string]any{"name": "x"}, status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "the state of a series of " + o.name + " is not found", method: "POST", path: "/api/v1/series/" + o.id + "/state", body: map[string]any{"state": "paused"}, status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "the occurrences of a series of " + o.name + " are not found", method: "GET", path: "/api/v1/series/" + o.id + "/occurrences", status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "skipping an occurrence of " + o.name + " is not found", method: "POST", path: s + "/occurrences/" + o.id + "/skip", status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "editing an occurrence of " + o.name + " is not found", method: "PATCH", path: s + "/occurrences/" + o.id, body: map[string]any{"text": "x"}, status: nf, code: pregonero.ENOTFOUND},
		)
	}
	runBadCases(t, f.ts, cases)
}

func TestFeedsAndCalendarRefuseBadInput(t *testing.T) {
	f := newAutomationFixture(t)
	fp := "/api/v1/feeds/" + f.feed
	inv, unp, nf := http.StatusUnprocessableEntity, pregonero.EINVALID, http.StatusNotFound
	feedReq := func(k string, v any) map[string]any {
		b := map[string]any{"name": "Noticias", "url": "https://antioquia.gov.co/rss", "targets": []string{"x-gob"}}
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cases := []badCase{
		{name: "a file: feed is invalid on url", method: "POST", path: "/api/v1/feeds", body: feedReq("url", "file:///etc/passwd"), status: inv, code: unp, field: "url", msg: "http or https"},
		{name: "a javascript: feed is invalid on url", method: "POST", path: "/api/v1/feeds", body: feedReq("url", "javascript:alert(1)"), status: inv, code: unp, field: "url", msg: "http or https"},
		{name: "a gopher: feed is invalid on url", method: "POST", path: "/api/v1/feeds", body: feedReq("url", "gopher://antioquia.gov.co/"), status: inv, code: unp, field: "url"},
		{name: "a feed URL of 100,000 characters is too long on url", method: "POST", path: "/api/v1/feeds", body: feedReq("url", "https://a.org/"+strings.Repeat("a", 100000)), status: inv, code: unp, field: "url"},
		{name: "a feed URL with a NUL is invalid on url", method: "POST", path: "/api/v1/feeds", body: feedReq("url", "https://a.org/\x00"), status: inv, code: unp, field: "url"},
		{name: "no feed URL is required on url", method: "POST", path: "/api/v1/feeds", body: feedReq("url", nil), status: inv, code: unp, field: "url"},
		{name: "a feed name of 100,000 characters is too long on name", method: "POST", path: "/api/v1/feeds", body: feedReq("name", strings.Repeat("n", 100000)), status: inv, code: unp, field: "name"},
		{name: "a feed name of two lines is invalid on name", method: "POST", path: "/api/v1/feeds", body: feedReq("name", "a\nb"), status: inv, code: unp, field: "name"},
		{name: "a feed to an unknown account is unknown on targets", method: "POST", path: "/api/v1/feeds", body: feedReq("targets", []string{"../../x"}), status: inv, code: unp, field: "targets"},
		{name: "a feed polled every nanosecond is invalid on every", method: "POST", path: "/api/v1/feeds", body: feedReq("every", "1ns"), status: inv, code: unp, field: "every"},
		{name: "a feed polled every forever is invalid on every", method: "POST", path: "/api/v1/feeds", body: feedReq("every", "forever"), status: inv, code: unp, field: "every"},
		{name: "a feed polled every -15m is invalid on every", method: "POST", path: "/api/v1/feeds", body: feedReq("every", "-15m"), status: inv, code: unp, field: "every"},
		{name: "every as a number is invalid on every", method: "POST", path: "/api/v1/feeds", body: `{"every":15}`, status: inv, code: unp, field: "every", msg: "must be a string"},
		{name: "auto_publish as a string is invalid on auto_publish", method: "POST", path: "/api/v1/feeds", body: `{"auto_publish":"yes"}`, status: inv, code: unp, field: "auto_publish", msg: "true or false"},
		{name: "a feed of an unknown campaign is unknown on campaign", method: "POST", path: "/api/v1/feeds", body: feedReq("campaign", "c_nada"), status: inv, code: unp, field: "campaign"},
		{name: "patching a feed to file: is invalid on url", method: "PATCH", path: fp, body: map[string]any{"url": "file:///etc/passwd"}, status: inv, code: unp, field: "url"},
		{name: "patching a feed to no targets is required on targets", method: "PATCH", path: fp, body: map[string]any{"targets": []string{}}, status: inv, code: unp, field: "targets"},
		{name: "feed items limit 0 is invalid on limit", method: "GET", path: fp + "/items?limit=0", status: inv, code: unp, field: "limit"},
		{name: "feed items limit -1 is invalid on limit", method: "GET", path: fp + "/items?limit=-1", status: inv, code: unp, field: "limit"},
		{name: "feed items limit 1e9 is invalid on limit", method: "GET", path: fp + "/items?limit=1000000000", status: inv, code: unp, field: "limit"},
		{name: "feed items limit of words is invalid on limit", method: "GET", path: fp + "/items?limit=many", status: inv, code: unp, field: "limit"},
		{name: "the server's token has no calendar token", method: "POST", path: "/api/v1/calendar/token", status: http.StatusForbidden, code: pregonero.EFORBIDDEN},
		{name: "a calendar feed without .ics is not found", method: "GET", path: "/calendar/" + f.calendarToken, status: nf, code: pregonero.ENOTFOUND},
		{name: "a calendar feed of a wrong token is not found", method: "GET", path: "/calendar/" + f.calendarToken + "x.ics", status: nf, code: pregonero.ENOTFOUND},
		{name: "a calendar feed of an empty token is not found", method: "GET", path: "/calendar/.ics", status: nf, code: pregonero.ENOTFOUND},
	}
	for _, o := range oddIDs {
		cases = append(cases,
			badCase{name: "a feed of " + o.name + " is not found", method: "GET", path: "/api/v1/feeds/" + o.id, status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "patching a feed of " + o.name + " is not found", method: "PATCH", path: "/api/v1/feeds/" + o.id, body: map[string]any{"name": "x"}, status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "deleting a feed of " + o.name + " is not found", method: "DELETE", path: "/api/v1/feeds/" + o.id, status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "polling a feed of " + o.name + " is not found", method: "POST", path: "/api/v1/feeds/" + o.id + "/poll", status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "the items of a feed of " + o.name + " are not found", method: "GET", path: "/api/v1/feeds/" + o.id + "/items", status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "a calendar feed of " + o.name + " is not found", method: "GET", path: "/calendar/" + o.id + ".ics", status: nf, code: pregonero.ENOTFOUND},
		)
	}
	runBadCases(t, f.ts, cases)

	t.Run("the calendar token of a person still serves after the refusals", func(t *testing.T) {
		r := f.ts.request("GET", strings.TrimPrefix(f.feedURL, f.ts.srv.URL), nil)
		wantStatus(t, r, http.StatusOK)
	})
}

func TestImportAndExportRefuseBadInput(t *testing.T) {
	f := newAutomationFixture(t)
	inv, unp, nf := http.StatusUnprocessableEntity, pregonero.EINVALID, http.StatusNotFound
	csv := []string{"Content-Type", "text/csv"}
	png := pngBytes(t, 8, 8, 1)
	cases := []badCase{
		{name: "a binary file is invalid and says it is not a CSV", method: "POST", path: "/api/v1/imports", body: png, header: csv, status: inv, code: unp, msg: "UTF-8"},
		{name: "a Latin-1 file is invalid and says UTF-8", method: "POST", path: "/api/v1/imports", body: "text;targets;scheduled_at\r\n\xe1rbol;x-gob;2026-11-25 09:00\r\n", header: csv, status: inv, code: unp, msg: "UTF-8"},
		{name: "an empty file is invalid", method: "POST", path: "/api/v1/imports", body: "", header: csv, status: inv, code: unp},
		{name: "a file with a NUL header is invalid", method: "POST", path: "/api/v1/imports", body: "text\x00;targets\r\nhola;x-gob\r\n", header: csv, status: inv, code: unp},
		{name: "a JSON body is unsupported on Content-Type", method: "POST", path: "/api/v1/imports", body: `{"rows":[]}`, status: http.StatusUnsupportedMediaType, code: pregonero.EUNSUPPORTEDMEDIA, field: "Content-Type", msg: "text/csv"},
		{name: "a form is unsupported on Content-Type", method: "POST", path: "/api/v1/imports", body: "a=b", header: []string{"Content-Type", "multipart/form-data; boundary=x"}, status: http.StatusUnsupportedMediaType, code: pregonero.EUNSUPPORTEDMEDIA, field: "Content-Type"},
		{name: "a zone on Mars is invalid on timezone", method: "POST", path: "/api/v1/imports?timezone=Mars%2FOlympus", body: importCSV, header: csv, status: inv, code: unp, field: "timezone"},
		{name: "dry_run=maybe is invalid on dry_run", method: "POST", path: "/api/v1/imports?dry_run=maybe", body: importCSV, header: csv, status: inv, code: unp, field: "dry_run", msg: "true or false"},
		{name: "valid_only=2 is invalid on valid_only", method: "POST", path: "/api/v1/imports?valid_only=2", body: importCSV, header: csv, status: inv, code: unp, field: "valid_only"},
		{name: "an unknown parameter is unknown on its name", method: "POST", path: "/api/v1/imports?force=1", body: importCSV, header: csv, status: inv, code: unp, field: "force", msg: "unknown parameter"},
		{name: "a filename of 100,000 characters is too long on filename", method: "POST", path: "/api/v1/imports?filename=" + strings.Repeat("f", 100000), body: importCSV, header: csv, status: inv, code: unp, field: "filename", msg: "at most 255"},
		{name: "a filename with a newline is invalid on filename", method: "POST", path: "/api/v1/imports?filename=a%0Ab.csv", body: importCSV, header: csv, status: inv, code: unp, field: "filename", msg: "one line"},
		{name: "a row scheduled at a bad date names row and column", method: "POST", path: "/api/v1/imports", body: "text;targets;scheduled_at\r\nhola;x-gob;2026-02-30 25:00\r\n", header: csv, status: inv, code: unp, msg: "column scheduled_at"},
		{name: "a row with a javascript: link names row and column", method: "POST", path: "/api/v1/imports", body: "text;targets;link\r\nhola;x-gob;javascript:alert(1)\r\n", header: csv, status: inv, code: unp, msg: "column link"},
		{name: "a row with a file: media names row and column", method: "POST", path: "/api/v1/imports", body: "text;targets;media\r\nhola;x-gob;file:///etc/passwd\r\n", header: csv, status: inv, code: unp, msg: "column media"},
		{name: "export: a bad from date is invalid on from", method: "GET", path: "/api/v1/export/posts.csv?from=ayer", status: inv, code: unp, field: "from"},
		{name: "export: a zone on Mars is invalid on timezone", method: "GET", path: "/api/v1/export/posts.csv?timezone=Mars%2FOlympus", status: inv, code: unp, field: "timezone"},
		{name: "export: an unknown status is invalid on status", method: "GET", path: "/api/v1/export/posts.csv?status=exploded", status: inv, code: unp, field: "status"},
		{name: "export: an unknown parameter is unknown on its name", method: "GET", path: "/api/v1/export/posts.csv?limit=5", status: inv, code: unp, field: "limit"},
	}
	for _, o := range oddIDs {
		cases = append(cases, badCase{name: "an import of " + o.name + " is not found", method: "GET", path: "/api/v1/imports/" + o.id, status: nf, code: pregonero.ENOTFOUND})
	}
	runBadCases(t, f.ts, cases)

	t.Run("a 100 MB claim is refused at once without its body", func(t *testing.T) {
		addr := serveLimited(t, f.ts, f.ts.web.Handler(), 0)
		c := dial(t, addr, 10*time.Second)
		fmt.Fprintf(c, "POST /api/v1/imports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\ntext;targets\r\n",
			f.ts.token, 100<<20)
		resp, body := readResponse(t, bufio.NewReader(c))
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"code":"too_large"`) || !strings.Contains(string(body), fmt.Sprint(web.MaxImportBytes)) {
			t.Errorf("got %d %s, want 413 too_large naming the limit", resp.StatusCode, body)
		}
	})
}

func TestNotificationsAndWebhooksRefuseBadInput(t *testing.T) {
	f := newAutomationFixture(t)
	ed := asToken(f.editor)
	wp := "/api/v1/webhooks/" + f.webhook
	inv, unp, nf := http.StatusUnprocessableEntity, pregonero.EINVALID, http.StatusNotFound
	hook := func(k string, v any) map[string]any {
		b := map[string]any{"url": "https://hooks.antioquia.gov.co/p", "events": []string{"publishing_paused"}}
		b[k] = v
		return b
	}
	cases := []badCase{
		{name: "settings of the server's token are forbidden", method: "PUT", path: "/api/v1/me/notifications", body: map[string]any{"email": "a@b.co"}, status: http.StatusForbidden, code: pregonero.EFORBIDDEN},
		{name: "an address without @ is invalid on email", method: "PUT", path: "/api/v1/me/notifications", body: map[string]any{"email": "no-es-correo"}, header: ed, status: inv, code: unp, field: "email"},
		{name: "an address with a newline is invalid on email", method: "PUT", path: "/api/v1/me/notifications", body: map[string]any{"email": "a@b.co\r\nBcc: x@y.co"}, header: ed, status: inv, code: unp, field: "email"},
		{name: "an address of 100,000 characters is too long on email", method: "PUT", path: "/api/v1/me/notifications", body: map[string]any{"email": strings.Repeat("a", 100000) + "@b.co"}, header: ed, status: inv, code: unp, field: "email", msg: "at most 254"},
		{name: "a javascript: address is invalid on email", method: "PUT", path: "/api/v1/me/notifications", body: map[string]any{"email": "javascript:alert(1)"}, header: ed, status: inv, code: unp, field: "email"},
		{name: "an unknown event is unknown on events", method: "PUT", path: "/api/v1/me/notifications", body: map[string]any{"email": "a@b.co", "events": []string{"nope"}}, header: ed, status: inv, code: unp, field: "events", msg: `"nope" is not an event`},
		{name: "events as a string is invalid on events", method: "PUT", path: "/api/v1/me/notifications", body: `{"events":"all"}`, header: ed, status: inv, code: unp, field: "events", msg: "must be an array"},
		{name: "daily_summary as a number is invalid on daily_summary", method: "PUT", path: "/api/v1/me/notifications", body: `{"daily_summary":1}`, header: ed, status: inv, code: unp, field: "daily_summary", msg: "true or false"},
		{name: "a unit of 100,000 characters is invalid on units", method: "PUT", path: "/api/v1/me/notifications", body: map[string]any{"email": "a@b.co", "units": []string{strings.Repeat("u", 100000)}}, header: ed, status: inv, code: unp, field: "units", msg: "not one of your dependencias"},
		{name: "a file: webhook is invalid on url", method: "POST", path: "/api/v1/webhooks", body: hook("url", "file:///etc/passwd"), status: inv, code: unp, field: "url", msg: "http"},
		{name: "a javascript: webhook is invalid on url", method: "POST", path: "/api/v1/webhooks", body: hook("url", "javascript:alert(1)"), status: inv, code: unp, field: "url", msg: "http"},
		{name: "a webhook without host is invalid on url", method: "POST", path: "/api/v1/webhooks", body: hook("url", "https://"), status: inv, code: unp, field: "url"},
		{name: "a webhook URL of 100,000 characters is too long on url", method: "POST", path: "/api/v1/webhooks", body: hook("url", "https://a.org/"+strings.Repeat("a", 100000)), status: inv, code: unp, field: "url", msg: "at most 2000"},
		{name: "a webhook of an unknown event is unknown on events", method: "POST", path: "/api/v1/webhooks", body: hook("events", []string{"nope"}), status: inv, code: unp, field: "events", msg: `"nope" is not an event`},
		{name: "a webhook of no event is required on events", method: "POST", path: "/api/v1/webhooks", body: hook("events", []string{}), status: inv, code: unp, field: "events"},
		{name: "a webhook's events as a number is invalid on events", method: "POST", path: "/api/v1/webhooks", body: `{"url":"https://a.org","events":5}`, status: inv, code: unp, field: "events"},
		{name: "an editor may not add a webhook", method: "POST", path: "/api/v1/webhooks", body: hook("url", "https://a.org/h"), header: ed, status: http.StatusForbidden, code: pregonero.EFORBIDDEN},
		{name: "putting a webhook to file: is invalid on url", method: "PUT", path: wp, body: hook("url", "file:///etc/passwd"), status: inv, code: unp, field: "url"},
		{name: "webhook deliveries limit 0 is invalid on limit", method: "GET", path: wp + "/deliveries?limit=0", status: inv, code: unp, field: "limit"},
		{name: "webhook deliveries limit -1 is invalid on limit", method: "GET", path: wp + "/deliveries?limit=-1", status: inv, code: unp, field: "limit"},
		{name: "webhook deliveries limit 1e12 is invalid on limit", method: "GET", path: wp + "/deliveries?limit=1000000000000", status: inv, code: unp, field: "limit"},
	}
	for _, o := range oddIDs {
		p := "/api/v1/webhooks/" + o.id
		cases = append(cases,
			badCase{name: "a webhook of " + o.name + " is not found", method: "GET", path: p, status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "putting a webhook of " + o.name + " is not found", method: "PUT", path: p, body: hook("url", "https://a.org/h"), status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "deleting a webhook of " + o.name + " is not found", method: "DELETE", path: p, status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "the deliveries of a webhook of " + o.name + " are not found", method: "GET", path: p + "/deliveries", status: nf, code: pregonero.ENOTFOUND},
			badCase{name: "testing a webhook of " + o.name + " is not found", method: "POST", path: p + "/test", status: nf, code: pregonero.ENOTFOUND},
		)
	}
	runBadCases(t, f.ts, cases)
}

package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"pregonero"
)

var (
	stackTable = regexp.MustCompile(`(?s)<table[^>]*class="[^"]*\bstack\b[^"]*"[^>]*>.*?</table>`)
	cellTag    = regexp.MustCompile(`<td\b[^>]*>`)
)

// On a phone a table of class "stack" shows one card per row, each cell
// headed by its data-label (app.css): every cell of such a table has
// one, or is an empty cell hidden there (class "none").
func TestUIStackedTablesLabelTheirCells(t *testing.T) {
	s := newUIServer(t)
	queued := s.createPost(map[string]any{"text": "Vacunación gratuita", "targets": []string{"x-salud"},
		"scheduled_at": testNow.Add(time.Hour).Format(time.RFC3339)})
	failed := s.createPost(map[string]any{"text": "Rechazada", "targets": []string{"x-gob"},
		"scheduled_at": testNow.Add(time.Minute).Format(time.RFC3339)})
	s.clock.Add(5 * time.Minute)
	// Sent once and refused: the post page lists the attempt.
	if _, err := s.db.UpdateDelivery(context.Background(), failed.Deliveries[0].ID, func(x *pregonero.Delivery) error {
		if err := x.Claim(); err != nil {
			return err
		}
		if err := x.Start(s.clock.Now()); err != nil {
			return err
		}
		x.FinishAttempt(s.clock.Now(), s.clock.Now(), pregonero.OutcomePermanent, nil)
		return x.Fail(&pregonero.DeliveryError{Class: pregonero.ClassDuplicate, Code: "x_duplicate", Message: "Duplicate.", At: s.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn("ana")
	tables := 0
	for _, path := range []string{"/", "/calendar?vista=lista", "/users", "/posts/" + queued.ID, "/posts/" + failed.ID} {
		p := b.get(path)
		if p.status != 200 {
			t.Fatalf("%s: got %d", path, p.status)
		}
		for _, table := range stackTable.FindAllString(p.body, -1) {
			tables++
			for _, td := range cellTag.FindAllString(table, -1) {
				if !strings.Contains(td, `data-label="`) && !strings.Contains(td, `class="none"`) {
					t.Errorf("%s: a cell without its column's name: %s", path, td)
				}
			}
		}
	}
	if tables < 4 {
		t.Errorf("found %d stacked tables, want at least the dashboard's two, the calendar list and the attempts", tables)
	}
}

// The post page's "Acciones" section is for actions on the whole post: a
// delivery's retry or release is in its own card, and alone leaves no
// empty section.
func TestUIPostActionsSectionOnlyWithPostActions(t *testing.T) {
	s := newUIServer(t)
	failed := s.createPost(map[string]any{"text": "Rechazada", "targets": []string{"x-gob"},
		"scheduled_at": testNow.Add(time.Minute).Format(time.RFC3339)})
	s.clock.Add(5 * time.Minute)
	s.failDelivery(t, failed.Deliveries[0].ID, "x_duplicate", "Duplicate.", pregonero.ClassDuplicate)
	p := s.signedIn("ana").get("/posts/" + failed.ID)
	if p.status != 200 {
		t.Fatalf("got %d", p.status)
	}
	if strings.Contains(p.body, `id="post-actions"`) {
		t.Error("an empty actions section is shown")
	}
	if !strings.Contains(p.body, `action="/deliveries/`+failed.Deliveries[0].ID+`/retry"`) {
		t.Error("the delivery's retry is not offered")
	}
}

var (
	regionTag = regexp.MustCompile(`<section\b[^>]*\baria-labelledby="([^"]+)"`)
	navTag    = regexp.MustCompile(`<nav\b[^>]*\baria-label="([^"]+)"`)
	tagText   = regexp.MustCompile(`<[^>]+>`)
)

// landmarks returns the names of a page's labelled regions and
// navigations, by role: a screen reader lists them, and two of one role
// with one name cannot be told apart (axe-core's landmark-unique).
func landmarks(t *testing.T, body string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range regionTag.FindAllStringSubmatch(body, -1) {
		h := regexp.MustCompile(`(?s)<h[1-6][^>]*\bid="` + regexp.QuoteMeta(m[1]) + `"[^>]*>(.*?)</h[1-6]>`).FindStringSubmatch(body)
		if h == nil {
			t.Errorf("a region is labelled by %s, which is not a heading of the page", m[1])
			continue
		}
		out["region"] = append(out["region"], strings.Join(strings.Fields(tagText.ReplaceAllString(h[1], "")), " "))
	}
	for _, m := range navTag.FindAllStringSubmatch(body, -1) {
		out["navigation"] = append(out["navigation"], m[1])
	}
	return out
}

// While publishing is paused the crisis banner is a region on every
// page; no page has another of the same name.
func TestUILandmarksAreUniqueWhilePaused(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("ana")
	if p := b.post("/pause", map[string][]string{"csrf_token": {b.get("/pause").csrf(t)}, "confirm": {"yes"}, "reason": {"Consejo de seguridad"}}); p.status != 303 {
		t.Fatalf("pause: got %d", p.status)
	}
	for _, path := range []string{"/", "/pause", "/accounts", "/calendar", "/compose", "/users", "/password"} {
		p := b.get(path)
		if p.status != 200 {
			t.Fatalf("%s: got %d", path, p.status)
		}
		for role, names := range landmarks(t, p.body) {
			seen := map[string]bool{}
			for _, n := range names {
				if seen[n] {
					t.Errorf("%s: two %s landmarks named %q", path, role, n)
				}
				seen[n] = true
			}
		}
	}
}

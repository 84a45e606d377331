package main_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"pregonero"
	main "pregonero/cmd/pregonero"
	"pregonero/posting"
)

// A draft is created without targets or a time, found by post list
// -status draft, shown with how to schedule it, given its targets with
// post edit, and published only once post schedule is run.
func TestCLIDraftThenSchedule(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")
	bog := m.Config.Location()

	code, out, errs := cli(t, m, "", "post", "create", "-draft", "-text", "Borrador del boletín")
	if code != 0 {
		t.Fatalf("create -draft: exit %d: %s", code, errs)
	}
	id, _, _ := strings.Cut(out, " ")
	if !strings.HasPrefix(out, id+" draft, no time set\n") || !strings.Contains(out, "pregonero post schedule "+id) {
		t.Errorf("create -draft printed %q; want the id, draft, and how to schedule it", out)
	}
	var p pregonero.Post
	if code, out, _ := cli(t, m, "", "post", "list", "-status", "draft"); code != 0 || !strings.Contains(out, id) {
		t.Errorf("list -status draft: exit %d\n%s", code, out)
	}
	if code, out, _ := cli(t, m, "", "post", "list", "-status", "scheduled"); code != 0 || strings.Contains(out, id) {
		t.Errorf("list -status scheduled lists the draft: exit %d\n%s", code, out)
	}
	code, out, _ = cli(t, m, "", "post", "show", id)
	for _, want := range []string{"Post " + id + ": draft", "A draft: nothing goes out until it is scheduled",
		"pregonero post schedule " + id + "            # as soon as possible", "pregonero post schedule " + id + " -at TIME"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show of a draft lacks %q: exit %d\n%s", want, code, out)
		}
	}

	// Scheduling a draft without targets is refused, saying what lacks.
	if code, _, errs := cli(t, m, "", "post", "schedule", id); code != 1 || !strings.Contains(errs, "targets") {
		t.Errorf("schedule without targets: exit %d, stderr %q", code, errs)
	}
	// post edit gives the draft its targets and a time; it stays a draft.
	atT := time.Now().Add(2 * time.Hour).In(bog).Truncate(time.Minute)
	at := atT.Format("2006-01-02 15:04")
	code, out, errs = cli(t, m, "", "post", "edit", id, "-target", "x-gobantioquia", "-at", at)
	if code != 0 || !strings.HasPrefix(out, id+" draft, at "+showLine(atT)) || !strings.Contains(out, "(at its time, or -at TIME)") {
		t.Fatalf("edit -target: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	p = createJSONOf(t, m, "post", "show", "-json", id)
	if len(p.Targets) != 1 || p.Targets[0] != "x-gobantioquia" || len(p.Deliveries) != 0 {
		t.Fatalf("draft after edit: targets %v, %d deliveries", p.Targets, len(p.Deliveries))
	}
	if code, out, _ := cli(t, m, "", "post", "show", id); code != 0 || !strings.Contains(out, "# at its time, "+showLine(p.ScheduledAt.In(bog))) {
		t.Errorf("show of a draft with a time:\n%s", out)
	}

	// post schedule without -at keeps the draft's time; the post is
	// printed like post create prints it.
	code, out, errs = cli(t, m, "", "post", "schedule", id)
	if code != 0 || !strings.HasPrefix(out, id+" scheduled, at "+showLine(atT)) || !strings.Contains(out, "→ x-gobantioquia queued") {
		t.Fatalf("schedule: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs := cli(t, m, "", "post", "schedule", id); code != 1 || !strings.Contains(errs, "conflict") {
		t.Errorf("schedule of a scheduled post: exit %d, stderr %q", code, errs)
	}
	// A scheduled post keeps its targets.
	if code, _, _ := cli(t, m, "", "post", "edit", id, "-target", "x-gobantioquia,x-otra"); code != 1 {
		t.Errorf("edit -target of a scheduled post: exit %d, want 1", code)
	}

	// -at TIME, read as people type it, wins over the draft's time; a
	// pause is a warning on stderr, stdout stays the result.
	d := createJSON(t, m, "-draft", "-target", "x-gobantioquia", "-text", "Segundo borrador", "-at", "+3h")
	if d.Status != pregonero.PostDraft || len(d.Deliveries) != 0 {
		t.Fatalf("create -draft -json: %s with %d deliveries", d.Status, len(d.Deliveries))
	}
	if code, _, errs := cli(t, m, "", "pause", "-reason", "Revisión"); code != 0 {
		t.Fatalf("pause: %s", errs)
	}
	before := time.Now()
	want, err := posting.ParseHuman("mañana 09:00", before, bog)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = cli(t, m, "", "post", "schedule", "-at", "mañana 09:00", d.ID)
	if code != 0 || !strings.HasPrefix(out, d.ID+" scheduled, at "+showLine(want.In(bog))+" (America/Bogota)") ||
		strings.Contains(out, "warning") || !strings.Contains(errs, "warning: Publishing is paused") {
		t.Errorf("schedule -at during a pause: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs := cli(t, m, "", "post", "schedule", d.ID, "-at", "pronto"); code != 2 || !strings.Contains(errs, "mañana 09:00") {
		t.Errorf("schedule -at pronto: exit %d, stderr %q", code, errs)
	}
	if code, _, _ := cli(t, m, "", "post", "schedule"); code != 2 {
		t.Errorf("schedule without an id: exit %d, want 2", code)
	}
}

// A draft never goes out by itself, even when its time comes; once
// scheduled it does.
func TestCLIDraftIsPublishedOnlyOnceScheduled(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	d := createJSON(t, m, "-draft", "-target", "x-gobantioquia", "-text", "Borrador que espera")
	// A post scheduled after the draft was created goes out; the draft,
	// created before it and due at once, must not have.
	later := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Publicación normal")
	waitStatus(t, m, later.ID, pregonero.PostPublished)
	for _, sp := range getSandboxPosts(t, m.SandboxAddr).Posts {
		if sp.Text == d.Text {
			t.Fatal("a draft went out without being scheduled")
		}
	}
	if p := createJSONOf(t, m, "post", "show", "-json", d.ID); p.Status != pregonero.PostDraft {
		t.Fatalf("draft became %s", p.Status)
	}
	if code, out, errs := cli(t, m, "", "post", "schedule", d.ID); code != 0 || !strings.Contains(out, "scheduled") {
		t.Fatalf("schedule: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	waitStatus(t, m, d.ID, pregonero.PostPublished)
}

// createJSONOf runs a CLI command that prints a post with -json and
// returns the post.
func createJSONOf(t *testing.T, m *main.Main, args ...string) pregonero.Post {
	t.Helper()
	code, out, errs := cli(t, m, "", args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	var p pregonero.Post
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return p
}

// waitStatus polls post show until the post has the status, failing on a
// deadline.
func waitStatus(t *testing.T, m *main.Main, id string, want pregonero.PostStatus) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := createJSONOf(t, m, "post", "show", "-json", id)
		if p.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("post %s is %s, want %s", id, p.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

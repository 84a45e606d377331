package main_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCLISeries(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	bog, _ := time.LoadLocation("America/Bogota")
	tomorrow := time.Now().In(bog).AddDate(0, 0, 1)
	start := tomorrow.Format("2006-01-02") + "T07:00"

	code, out, errs := cli(t, m, "", "series", "create", "-name", "Boletín de la mañana", "-rule", "FREQ=DAILY", "-start", start,
		"-zone", "America/Bogota", "-text", "Boletín del {fecha}", "-target", "x-gobantioquia")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errs)
	}
	m1 := regexp.MustCompile(`^(s_\S+) Boletín de la mañana created \(FREQ=DAILY from \S+ America/Bogota\); (\d+) posts made\n$`).FindStringSubmatch(out)
	if m1 == nil || m1[2] == "0" {
		t.Fatalf("create printed %q, want the id, the rule and the posts made", out)
	}
	id := m1[1]

	t.Run("a wrong rule is the server's 422 naming its part, exit 1", func(t *testing.T) {
		code, _, errs := cli(t, m, "", "series", "create", "-name", "Otra", "-rule", "FREQ=HOURLY", "-start", start, "-target", "x-gobantioquia", "-text", "x")
		if code != 1 || !strings.Contains(errs, "rule:") || !strings.Contains(errs, "FREQ") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("missing flags are usage errors, exit 2", func(t *testing.T) {
		if code, _, errs := cli(t, m, "", "series", "create", "-name", "X", "-start", start, "-target", "x"); code != 2 || !strings.Contains(errs, "-rule is required") {
			t.Errorf("no rule: exit %d, stderr %q", code, errs)
		}
		if code, _, _ := cli(t, m, "", "series", "borrar"); code != 2 {
			t.Errorf("unknown subcommand: exit %d", code)
		}
		if code, _, _ := cli(t, m, "", "series", "skip", id); code != 2 {
			t.Errorf("skip without occurrence: exit %d", code)
		}
	})
	t.Run("list shows the series", func(t *testing.T) {
		code, out, _ := cli(t, m, "", "series", "list")
		if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "active") || !strings.Contains(out, "FREQ=DAILY") {
			t.Errorf("exit %d: %s", code, out)
		}
	})
	t.Run("show lists the next occurrences with their posts", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "series", "show", "-n", "3", id)
		if code != 0 || !strings.Contains(out, start) || !strings.Contains(out, "scheduled") || strings.Count(out, "\n") != 7 {
			t.Errorf("exit %d: %s %s", code, out, errs)
		}
	})
	t.Run("skip, edit and end", func(t *testing.T) {
		if code, out, errs := cli(t, m, "", "series", "skip", id, start); code != 0 || !strings.Contains(out, start+" skipped") {
			t.Errorf("skip: exit %d: %s %s", code, out, errs)
		}
		code, out, errs := cli(t, m, "", "series", "edit", id, "-text", "Noticias del {fecha}")
		if code != 0 || !regexp.MustCompile(`changed \(active\): [1-9]\d* posts updated`).MatchString(out) {
			t.Errorf("edit: exit %d: %s %s", code, out, errs)
		}
		code, out, errs = cli(t, m, "", "series", "end", id)
		if code != 0 || !regexp.MustCompile(`ended \(ended\): 0 posts updated, [1-9]\d* canceled`).MatchString(out) {
			t.Errorf("end: exit %d: %s %s", code, out, errs)
		}
	})
}

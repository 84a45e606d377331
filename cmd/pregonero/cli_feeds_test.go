package main_test

import (
	"regexp"
	"strings"
	"testing"
)

func TestCLIFeeds(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	feedURL := "http://" + m.SandboxAddr + "/feeds/secretaria-salud.atom"

	code, out, errs := cli(t, m, "", "feeds", "add", "-name", "Secretaría de Salud", "-feed", feedURL, "-target", "x-gobantioquia", "-every", "15m")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errs)
	}
	m1 := regexp.MustCompile(`^(f_\S+) Secretaría de Salud added \(` + regexp.QuoteMeta(feedURL) + `\)\n$`).FindStringSubmatch(out)
	if m1 == nil {
		t.Fatalf("add printed %q, want the id, the name and the address", out)
	}
	id := m1[1]

	t.Run("bad input is a usage error or the server's 422", func(t *testing.T) {
		if code, _, errs := cli(t, m, "", "feeds", "add", "-name", "N", "-feed", feedURL); code != 2 || !strings.Contains(errs, "-target is required") {
			t.Errorf("no target: exit %d, stderr %q", code, errs)
		}
		code, _, errs := cli(t, m, "", "feeds", "add", "-name", "N", "-feed", "ftp://x", "-target", "x-gobantioquia")
		if code != 1 || !strings.Contains(errs, "url:") {
			t.Errorf("bad url: exit %d, stderr %q", code, errs)
		}
		if code, _, _ := cli(t, m, "", "feeds", "borrar"); code != 2 {
			t.Errorf("unknown subcommand: exit %d", code)
		}
	})
	t.Run("poll drafts the news, a second poll finds nothing new", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "feeds", "poll", id)
		if code != 0 || !strings.HasPrefix(out, "2 items, 2 new drafted, 0 old passed over\n") || strings.Count(out, "  p_") != 2 {
			t.Errorf("poll: exit %d, out %q, stderr %q", code, out, errs)
		}
		code, out, _ = cli(t, m, "", "feeds", "poll", id)
		if code != 0 || !strings.Contains(out, "nothing new") {
			t.Errorf("second poll: exit %d, out %q", code, out)
		}
	})
	t.Run("list and show tell the feed's state", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "feeds", "list")
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if code != 0 || len(lines) != 2 || !strings.Contains(lines[1], id) || !strings.Contains(lines[1], " ok ") || !strings.Contains(lines[1], "x-gobantioquia") {
			t.Errorf("list: exit %d, out %q, stderr %q", code, out, errs)
		}
		code, out, errs = cli(t, m, "", "feeds", "show", id)
		if code != 0 || !regexp.MustCompile(`\ndrafts made +2\n`).MatchString(out) || !strings.Contains(out, "Alerta amarilla por lluvias") ||
			!regexp.MustCompile(`\nevery +15m0s\n`).MatchString(out) {
			t.Errorf("show: exit %d, out %q, stderr %q", code, out, errs)
		}
	})
	t.Run("remove deletes it", func(t *testing.T) {
		if code, out, errs := cli(t, m, "", "feeds", "remove", id); code != 0 || out != id+" removed\n" {
			t.Errorf("remove: exit %d, out %q, stderr %q", code, out, errs)
		}
		if code, _, errs := cli(t, m, "", "feeds", "show", id); code != 1 || !strings.Contains(errs, "not found") {
			t.Errorf("show after remove: exit %d, stderr %q", code, errs)
		}
	})
}

package main_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/store/storetest"
)

func TestCLIReportAndExport(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")
	code, out, errs := cli(t, m, "", "campaign", "create", "-name", "Vías del Nordeste", "-starts", "2026-12-01", "-ends", "2026-12-31",
		"-unit", "infraestructura", "-plan-line", "Línea 3")
	if code != 0 {
		t.Fatalf("campaign create: exit %d: %s", code, errs)
	}
	id := regexp.MustCompile(`^c_\S+`).FindString(out)
	ctx := context.Background()
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC) // 10:00 in Bogotá
	text := "Avanza la vía, con \"comillas\"\ny tildes: Anorí 🚧"
	// Stored as published already: a queued post in the past would be
	// the running scheduler's to send.
	p := storetest.NewPost(at, "x-gobantioquia")
	p.Campaign, p.Text = id, text
	d := p.Deliveries[0]
	d.State, d.NextAttemptAt, d.PublishedAt, d.RemoteID, d.URL = pregonero.DeliveryPublished, time.Time{}, at, "1900", "https://x.com/gobantioquia/status/1900"
	if err := m.Store.CreatePosts(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := m.Store.AddSnapshots(ctx, []pregonero.Snapshot{
		{DeliveryID: d.ID, PostID: p.ID, AccountID: d.AccountID, Network: d.Network, CollectedAt: at.Add(time.Hour), Metrics: map[string]int64{"likes": 4, "impressions": 90}},
		{DeliveryID: d.ID, PostID: p.ID, AccountID: d.AccountID, Network: d.Network, CollectedAt: at.Add(6 * time.Hour), Metrics: map[string]int64{"likes": 9, "impressions": 300}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Store.AddAccountSnapshots(ctx, []pregonero.AccountSnapshot{
		{AccountID: d.AccountID, Network: d.Network, CollectedAt: at, Metrics: map[string]int64{"followers": 1000}},
		{AccountID: d.AccountID, Network: d.Network, CollectedAt: at.Add(24 * time.Hour), Metrics: map[string]int64{"followers": 1012}},
	}); err != nil {
		t.Fatal(err)
	}
	fields := func(s string) string { return strings.Join(strings.Fields(s), " ") }

	t.Run("a campaign's report: totals, top posts, followers", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "report", "-campaign", id, "-from", "2026-12-01", "-to", "2026-12-03")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		want := []string{
			id + " Vías del Nordeste (infraestructura, Línea 3)",
			"2026-12-01 to 2026-12-03 (America/Bogota): 1 posts, 1 deliveries published, 1 measured",
			"",
			"deliveries likes impressions",
			"total 1 9 300",
			"X 1 9 300",
			"",
			"Top posts (likes, comments, shares and saves)",
			"1. " + p.ID + " 9 Avanza la vía, con \"comillas\"…",
			"",
			"Followers",
		}
		if len(lines) != len(want)+1 {
			t.Fatalf("output:\n%s", out)
		}
		lines[0] = strings.TrimPrefix(lines[0], "Campaign ")
		for i, w := range want {
			if got := fields(lines[i]); got != fields(w) {
				t.Errorf("line %d = %q, want %q", i, got, w)
			}
		}
		if last := lines[len(lines)-1]; !strings.Contains(last, "x-gobantioquia") || !strings.Contains(last, "1000 → 1012 (+12)") {
			t.Errorf("followers line = %q", last)
		}
	})
	t.Run("-json is the server's answer", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "report", "-json", "-campaign", id, "-from", "2026-12-01", "-to", "2026-12-03")
		var r posting.Report
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Totals["likes"] != 9 || len(r.Daily) != 3 {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
	})
	t.Run("by dependencia", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "report", "-by", "unit", "-from", "2026-12-01", "-to", "2026-12-03")
		if code != 0 || !strings.HasPrefix(out, "== dependencia infraestructura ==\n2026-12-01 to 2026-12-03") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		code, out, _ = cli(t, m, "", "report", "-by", "plan_line", "-from", "2025-12-01", "-to", "2025-12-03")
		if code != 0 || out != "No deliveries published in the span (2025-12-01 to 2025-12-03).\n" {
			t.Errorf("an empty span: exit %d, stdout %q", code, out)
		}
	})
	t.Run("bad input is the server's 422 with the field, exit 1", func(t *testing.T) {
		code, _, errs := cli(t, m, "", "report", "-campaign", id, "-from", "2026-12-09", "-to", "2026-12-01")
		if code != 1 || !strings.Contains(errs, "to: to 2026-12-01 is before from 2026-12-09") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
		if code, _, errs := cli(t, m, "", "report", "-campaign", "c_nada"); code != 1 || !strings.Contains(errs, "not found") {
			t.Errorf("unknown campaign: exit %d, stderr %q", code, errs)
		}
		if code, _, _ := cli(t, m, "", "report", "extra"); code != 2 {
			t.Errorf("a stray argument: exit %d, want 2", code)
		}
	})
	t.Run("export metrics writes the CSV file whole", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "vías.csv")
		code, _, errs := cli(t, m, "", "export", "metrics", "-campaign", id, "-from", "2026-12-01", "-to", "2026-12-03", "-o", path)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(string(b), "\ufeff")
		if !ok {
			t.Fatal("no byte order mark")
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][0] != p.ID || rows[1][9] != text || rows[1][13] != "9" || rows[1][14] != "" {
			t.Errorf("rows %q, %v", rows, err)
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Errorf("the directory holds %d files, want the export alone", len(entries))
		}
	})
	t.Run("a refused export leaves no file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.csv")
		code, _, errs := cli(t, m, "", "export", "metrics", "-campaign", "c_nada", "-o", path)
		if code != 1 || !strings.Contains(errs, "campaign") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
		if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
			t.Errorf("left %d files behind", len(entries))
		}
	})
	t.Run("export needs -o and a known subcommand", func(t *testing.T) {
		if code, _, errs := cli(t, m, "", "export", "metrics", "-campaign", id); code != 2 || !strings.Contains(errs, "-o is required") {
			t.Errorf("no -o: exit %d, stderr %q", code, errs)
		}
		if code, _, _ := cli(t, m, "", "export", "nada"); code != 2 {
			t.Errorf("unknown subcommand: exit %d", code)
		}
		code, out, _ := cli(t, m, "", "export", "metrics", "-campaign", id, "-from", "2026-12-01", "-to", "2026-12-03", "-o", "-")
		if code != 0 || !strings.HasPrefix(out, "\ufeffpost,delivery,") {
			t.Errorf("-o -: exit %d, stdout %q", code, out)
		}
	})
}

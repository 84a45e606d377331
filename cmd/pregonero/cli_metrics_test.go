package main_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"pregonero"
)

func TestCLIMetrics(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")
	at := time.Now().Add(time.Hour).In(m.Config.Location()).Format("2006-01-02 15:04")
	code, out, errs := cli(t, m, "", "post", "create", "-json", "-target", "x-gobantioquia", "-text", "Jornada de vacunación", "-at", at)
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errs)
	}
	var p pregonero.Post
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	d := p.Deliveries[0]
	t.Run("a delivery not measured yet says so", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "metrics", p.ID)
		if code != 0 || !strings.Contains(out, "Delivery "+d.ID+" → x-gobantioquia (x): not measured yet") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
	})
	t0 := time.Date(2031, 5, 4, 11, 0, 0, 0, time.UTC) // 06:00 in Bogotá
	if err := m.Store.AddSnapshots(context.Background(), []pregonero.Snapshot{
		{DeliveryID: d.ID, PostID: p.ID, AccountID: d.AccountID, Network: d.Network, CollectedAt: t0,
			Metrics: map[string]int64{"likes": 3, "comments": 0, "impressions": 120}, Raw: map[string]int64{"public_metrics.like_count": 3}},
		{DeliveryID: d.ID, PostID: p.ID, AccountID: d.AccountID, Network: d.Network, CollectedAt: t0.Add(5 * time.Hour),
			Metrics: map[string]int64{"likes": 9, "comments": 1, "impressions": 480, "clicks": 12}, Raw: map[string]int64{"public_metrics.like_count": 9}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("a table per delivery, - where a metric was not reported", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "metrics", p.ID)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) != 6 || lines[2] != "Delivery "+d.ID+" → x-gobantioquia (x): 2 measurements" {
			t.Fatalf("output:\n%s", out)
		}
		fields := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		for i, want := range []string{
			"collected (America/Bogota) likes comments clicks impressions",
			"Sun 2031-05-04 06:00 -05 3 0 - 120",
			"Sun 2031-05-04 11:00 -05 9 1 12 480",
		} {
			if got := fields(lines[3+i]); got != want {
				t.Errorf("line %d = %q, want %q", 3+i, got, want)
			}
		}
	})
	t.Run("-json is the server's answer", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "metrics", "-json", p.ID)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var got struct {
			Deliveries []struct {
				Delivery  string
				Snapshots []struct {
					CollectedAt time.Time        `json:"collected_at"`
					Metrics     map[string]int64 `json:"metrics"`
					Raw         map[string]int64 `json:"raw"`
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Deliveries) != 1 || len(got.Deliveries[0].Snapshots) != 2 || got.Deliveries[0].Snapshots[1].Metrics["clicks"] != 12 ||
			got.Deliveries[0].Snapshots[1].Raw["public_metrics.like_count"] != 9 {
			t.Errorf("output %s", out)
		}
		if _, ok := got.Deliveries[0].Snapshots[0].Metrics["clicks"]; ok {
			t.Error("an absent metric came out")
		}
	})
	t.Run("an unknown post is exit 1 with the server's words", func(t *testing.T) {
		if code, _, errs := cli(t, m, "", "metrics", "p_nada"); code != 1 || !strings.Contains(errs, "not found") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("no post id is a usage error", func(t *testing.T) {
		if code, _, _ := cli(t, m, "", "metrics"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
}

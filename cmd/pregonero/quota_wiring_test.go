package main_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"pregonero"
	ytfake "pregonero/adapters/youtube/fake"
)

// statsAllowance waits for the YouTube account's headroom (its project
// is known once the start's credential check used it) and returns its
// statistics bucket.
func statsAllowance(t *testing.T, headroom func() []pregonero.Allowance) pregonero.Allowance {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, al := range headroom() {
			if al.Kind == pregonero.AllowanceStatsDay {
				return al
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s allowance after 10s: %+v", pregonero.AllowanceStatsDay, headroom())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeWiresTheYouTubeStatisticsQuota(t *testing.T) {
	t.Run("youtube.stats_per_day", func(t *testing.T) {
		m, _ := mustRunYouTubeMain(t, ", stats_per_day: 7", "gobantioquia")
		if al := statsAllowance(t, func() []pregonero.Allowance { return m.YouTube.Headroom("yt-gobantioquia") }); al.Limit != 7 || al.Remaining != 7 {
			t.Errorf("got %+v, want 7 of 7", al)
		}
	})
	t.Run("a project's own stats_per_day", func(t *testing.T) {
		m, _ := mustRunYouTubeMain(t, ", stats_per_day: 7, projects: {"+ytfake.ClientID+": {stats_per_day: 11}}", "gobantioquia")
		if al := statsAllowance(t, func() []pregonero.Allowance { return m.YouTube.Headroom("yt-gobantioquia") }); al.Limit != 11 {
			t.Errorf("got %+v, want the project's 11", al)
		}
	})
}

func TestServePassesTheCapOfBilledReads(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)
	if err := m.Store.AddBilledReads(context.Background(), m.Clock.Now(), pregonero.NetworkX, "x-gobantioquia", 12); err != nil {
		t.Fatal(err)
	}
	var l struct {
		Accounts []struct {
			ID               string          `json:"id"`
			BilledReadsToday json.RawMessage `json:"billed_reads_today"`
		} `json:"accounts"`
	}
	if code := a.do("GET", "/api/v1/accounts", nil, &l); code != 200 || len(l.Accounts) != 1 {
		t.Fatalf("got %d %+v", code, l)
	}
	if got, want := string(l.Accounts[0].BilledReadsToday), `{"account":12,"network":12,"cap":500}`; got != want {
		t.Errorf("billed_reads_today = %s, want %s (metrics.networks.x.max_reads_per_day's default)", got, want)
	}
}

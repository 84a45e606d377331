package youtube_test

import (
	"testing"

	"pregonero"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

func TestHeadroomFromDailyQuota(t *testing.T) {
	e := newEnv(t, envOptions{quota: youtube.QuotaConfig{UploadsPerDay: 3, UnitsPerDay: 500}})
	a := e.account("headroom")
	if got := e.adapter.Headroom(a.ID); got != nil {
		t.Fatalf("got %v for an account never used, want nothing known", got)
	}
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Cuota", 2000, "h1"), a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	uploads, units, _ := e.adapter.QuotaUsage(a.Credentials[youtube.CredClientID])
	midnight := pacificMidnight(t, e.clock.Now())
	got := e.adapter.Headroom(a.ID)
	if len(got) != 3 {
		t.Fatalf("got %+v, want the uploads, units and statistics buckets", got)
	}
	if g := got[0]; g.Kind != pregonero.AllowanceUploadsDay || g.Remaining != 3-uploads || g.Limit != 3 || !g.Reset.Equal(midnight) {
		t.Errorf("uploads: got %+v, want %d of 3 until %v", g, 3-uploads, midnight)
	}
	if g := got[1]; g.Kind != pregonero.AllowanceUnitsDay || g.Remaining != 500-units || g.Limit != 500 || !g.Reset.Equal(midnight) {
		t.Errorf("units: got %+v, want %d of 500 until %v", g, 500-units, midnight)
	}
	if g := got[2]; g.Kind != pregonero.AllowanceStatsDay || g.Remaining != 10_000 || g.Limit != 10_000 || !g.Reset.Equal(midnight) {
		t.Errorf("statistics: got %+v, want the default 10000 untouched by publishing, until %v", g, midnight)
	}
	if uploads != 1 {
		t.Errorf("got %d uploads counted, want 1", uploads)
	}
}

func TestHeadroomOfTheStatisticsBucket(t *testing.T) {
	stats := func(t *testing.T, e *env, a *pregonero.Account) pregonero.Allowance {
		t.Helper()
		for _, al := range e.adapter.Headroom(a.ID) {
			if al.Kind == pregonero.AllowanceStatsDay {
				return al
			}
		}
		t.Fatalf("Headroom(%s) = %+v, want a %s allowance", a.ID, e.adapter.Headroom(a.ID), pregonero.AllowanceStatsDay)
		return pregonero.Allowance{}
	}
	read := func(t *testing.T, e *env, a *pregonero.Account, ds ...*pregonero.Delivery) error {
		t.Helper()
		_, err := e.adapter.ReadMetrics(ctx(t), pregonero.MetricsRequest{Account: a, Deliveries: ds})
		return err
	}

	t.Run("each batchGetStats call spends one, as StatsUsage counts", func(t *testing.T) {
		e := newEnv(t, envOptions{quota: youtube.QuotaConfig{StatsPerDay: 4}})
		a := e.account("estadisticas")
		one, two := e.publishedVideo(a, "Uno"), e.publishedVideo(a, "Dos")
		if g := stats(t, e, a); g.Remaining != 4 || g.Limit != 4 {
			t.Fatalf("before reading: got %+v, want 4 of 4", g)
		}
		for range 3 {
			if err := read(t, e, a, one, two); err != nil {
				t.Fatal(err)
			}
		}
		calls, reset := e.adapter.StatsUsage(a.Credentials[youtube.CredClientID])
		g := stats(t, e, a)
		if calls != 3 || g.Remaining != 4-calls || g.Limit != 4 || !g.Reset.Equal(reset) {
			t.Errorf("after 3 calls of 2 videos: got %+v, want %d of 4 until %v (StatsUsage %d)", g, 4-calls, reset, calls)
		}
		if err := read(t, e, a, one); err != nil {
			t.Fatal(err)
		}
		if g := stats(t, e, a); g.Remaining != 0 {
			t.Errorf("spent: got %+v, want 0 left", g)
		}
	})
	t.Run("a project's own statistics quota", func(t *testing.T) {
		e := newEnv(t, envOptions{quota: youtube.QuotaConfig{StatsPerDay: 4},
			projects: map[string]youtube.QuotaConfig{fake.ClientID: {StatsPerDay: 25_000}}})
		a := e.account("ampliada")
		if err := read(t, e, a, e.publishedVideo(a, "Ampliada")); err != nil {
			t.Fatal(err)
		}
		if g := stats(t, e, a); g.Remaining != 24_999 || g.Limit != 25_000 {
			t.Errorf("got %+v, want 24999 of 25000", g)
		}
	})
	t.Run("a new Pacific day renews it", func(t *testing.T) {
		e := newEnv(t, envOptions{quota: youtube.QuotaConfig{StatsPerDay: 4}})
		a := e.account("renueva")
		if err := read(t, e, a, e.publishedVideo(a, "Renueva")); err != nil {
			t.Fatal(err)
		}
		g := stats(t, e, a)
		e.clock.Advance(g.Reset.Sub(e.clock.Now()))
		if g := stats(t, e, a); g.Remaining != 4 || !g.Reset.Equal(pacificMidnight(t, e.clock.Now())) {
			t.Errorf("at midnight Pacific: got %+v, want 4 left until the next midnight", g)
		}
	})
}

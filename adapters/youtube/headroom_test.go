package youtube_test

import (
	"testing"

	"pregonero"
	"pregonero/adapters/youtube"
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
	if len(got) != 2 {
		t.Fatalf("got %+v, want the uploads and units buckets", got)
	}
	if g := got[0]; g.Kind != pregonero.AllowanceUploadsDay || g.Remaining != 3-uploads || g.Limit != 3 || !g.Reset.Equal(midnight) {
		t.Errorf("uploads: got %+v, want %d of 3 until %v", g, 3-uploads, midnight)
	}
	if g := got[1]; g.Kind != pregonero.AllowanceUnitsDay || g.Remaining != 500-units || g.Limit != 500 || !g.Reset.Equal(midnight) {
		t.Errorf("units: got %+v, want %d of 500 until %v", g, 500-units, midnight)
	}
	if uploads != 1 {
		t.Errorf("got %d uploads counted, want 1", uploads)
	}
}

package x_test

import (
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/x/fake"
)

func TestHeadroomFromRateLimitHeaders(t *testing.T) {
	e := newEnv(t, envOption{fake: fake.Options{Limits: fake.Limits{CreatePost: 3, UserPosts24h: 5}}})
	acct := e.oauth1("headroom")
	if got := e.adapter.Headroom(acct.ID); got != nil {
		t.Fatalf("got %v before any post, want nothing known", got)
	}
	start := e.clock.Now()
	if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "uno"}, acct); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	got := e.adapter.Headroom(acct.ID)
	want := []pregonero.Allowance{
		{Kind: pregonero.AllowancePosts15Min, Remaining: 2, Reset: start.Add(15 * time.Minute)},
		{Kind: pregonero.AllowancePosts24h, Remaining: 4, Reset: start.Add(24 * time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Kind != want[i].Kind || got[i].Remaining != want[i].Remaining || !got[i].Reset.Equal(want[i].Reset) {
			t.Errorf("allowance %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	e.clock.Advance(16 * time.Minute)
	if got := e.adapter.Headroom(acct.ID); len(got) != 1 || got[0].Kind != pregonero.AllowancePosts24h {
		t.Errorf("after the 15-minute reset: got %+v, want only the day's allowance (the window renewed, unknown)", got)
	}
}

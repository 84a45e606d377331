package facebook_test

import (
	"context"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
)

func TestHeadroomFromUsageHeaders(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	if got := e.adapter.Headroom(a.ID); got != nil {
		t.Fatalf("got %v before any call, want nothing known", got)
	}
	if _, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Uso normal"}, a); err != nil {
		t.Fatal(err)
	}
	got := e.adapter.Headroom(a.ID)
	if len(got) != 1 || got[0].Kind != pregonero.AllowanceCallsPercent || got[0].Limit != 100 || got[0].Remaining <= 0 || got[0].Remaining > 100 {
		t.Fatalf("got %+v, want the free percentage of calls", got)
	}
	e.fault(t, fakenet.Rule{Op: fake.OpCreate, Mode: fakenet.ModeError, Status: 400, Code: 32, Count: 1})
	_, err := e.adapter.Publish(context.Background(), delivery(a), pregonero.Content{Text: "Demasiadas"}, a)
	adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
	got = e.adapter.Headroom(a.ID)
	if want := e.clock.Now().Add(5 * time.Minute); len(got) != 1 || got[0].Kind != pregonero.AllowanceThrottled || !got[0].Reset.Equal(want) {
		t.Errorf("got %+v, want throttled until %v", got, want)
	}
	e.clock.Advance(6 * time.Minute)
	if got := e.adapter.Headroom(a.ID); got != nil {
		t.Errorf("after the throttling: got %+v, want nothing known", got)
	}
}

package publisher_test

import (
	"context"
	"testing"

	"pregonero"
	"pregonero/publisher"
)

// panickingVerifier is a fakeAdapter whose Verify panics for one remote
// id and settles every other as accepted.
type panickingVerifier struct {
	*fakeAdapter
	bad string
}

func (v *panickingVerifier) Verify(_ context.Context, d *pregonero.Delivery, _ *pregonero.Account) (bool, *pregonero.PublishError, error) {
	if d.RemoteID == v.bad {
		panic("verifier exploded")
	}
	return true, nil, nil
}

func TestVerifyOutlivesAVerifierThatPanics(t *testing.T) {
	h := newHarness(t)
	va := &panickingVerifier{fakeAdapter: &fakeAdapter{}}
	logs := h.startPublisher(publisher.Config{Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: va}})
	p := h.pub
	defer wantPanicLogged(t, logs, "verifier panicked")

	bad, good := h.post("x-a", t0, "uno"), h.post("x-a", t0, "dos")
	h.tick()
	for _, d := range []*pregonero.Delivery{bad, good} {
		h.wait(d.ID, state(pregonero.DeliveryPublished))
	}
	va.bad = "r-" + bad.ID

	n, err := p.Verify(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Verify = %d, %v; want 1 settled", n, err)
	}
	for _, c := range []struct {
		id, want string
	}{{bad.ID, ""}, {good.ID, "ok"}} {
		d, err := h.db.Delivery(context.Background(), c.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Checkpoint[publisher.CheckpointVerified]; d.State != pregonero.DeliveryPublished || got != c.want {
			t.Errorf("%s: got %s verified=%q, want published verified=%q", c.id, d.State, got, c.want)
		}
	}
}

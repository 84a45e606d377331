package publisher_test

import (
	"context"
	"sync"
	"testing"

	"pregonero"
	"pregonero/publisher"
)

// sharedMedia hands out the same record to every caller, as a cache
// would: a send that wrote its post's alt text into it would leak that
// alt text into the other posts' sends.
type sharedMedia struct{ rec *pregonero.Media }

func (m sharedMedia) Blob(context.Context, string) (pregonero.MediaBlob, error) {
	return pregonero.MediaBlob{Media: m.rec}, nil
}

func TestEachPostSendsItsOwnAltText(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	rec := &pregonero.Media{ID: "m_bridge", SHA256: "ab", MIME: "image/jpeg", Size: 10, AltText: "del archivo", CreatedAt: t0}
	if err := h.db.PutMedia(ctx, rec); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	sent := map[string]string{}
	h.ad.PublishFn = func(d *pregonero.Delivery, c pregonero.Content) (pregonero.Receipt, error) {
		mu.Lock()
		defer mu.Unlock()
		sent[d.PostID] = c.Media[0].AltText
		return pregonero.Receipt{RemoteID: d.ID}, nil
	}
	h.startPublisher(publisher.Config{Media: sharedMedia{rec}})
	var ds []*pregonero.Delivery
	for id, alt := range map[string]string{"p_c": "Puente colgante", "p_d": "Puente de noche"} {
		post := &pregonero.Post{ID: id, Text: "foto", Media: []pregonero.PostMedia{{ID: "m_bridge", AltText: alt}},
			Targets: []string{"x-a"}, ScheduledAt: t0, CreatedAt: t0, UpdatedAt: t0}
		d := &pregonero.Delivery{ID: "d" + id[1:], PostID: id, AccountID: "x-a", Network: pregonero.NetworkX,
			State: pregonero.DeliveryQueued, ScheduledAt: t0, NextAttemptAt: t0}
		post.Deliveries = []*pregonero.Delivery{d}
		if err := h.db.CreatePosts(ctx, post); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	h.tick()
	for _, d := range ds {
		h.wait(d.ID, state(pregonero.DeliveryPublished))
	}
	mu.Lock()
	defer mu.Unlock()
	if sent["p_c"] != "Puente colgante" || sent["p_d"] != "Puente de noche" {
		t.Errorf("sent alt texts %q, want each post's own", sent)
	}
	if rec.AltText != "del archivo" {
		t.Errorf("the shared media record's alt text became %q", rec.AltText)
	}
}

// A delivery held because its account may not publish says why and until
// when, whether or not the account's status has a reason.
func TestAHoldForTheAccountSaysWhy(t *testing.T) {
	for _, tt := range []struct {
		status     pregonero.AccountStatus
		reason     string
		hold, want string
	}{
		{pregonero.AccountPaused, "", pregonero.HoldAccountPaused, "The account is paused; the delivery waits until it is resumed."},
		{pregonero.AccountPaused, "Revisión.", pregonero.HoldAccountPaused, "The account is paused (Revisión); the delivery waits until it is resumed."},
		{pregonero.AccountNeedsReauth, "token revoked", pregonero.HoldNeedsReauth, "The account needs to be authorized again (token revoked); the delivery waits until it is authorized again."},
		// Nothing goes out for an account an admin disconnected: held as
		// for re-authorization, so that connecting it again releases it.
		{pregonero.AccountDisconnected, "", pregonero.HoldNeedsReauth, "The account was disconnected; the delivery waits until it is connected again."},
	} {
		t.Run(string(tt.status)+" "+tt.reason, func(t *testing.T) {
			h := newHarness(t)
			a, err := h.db.UpdateAccount(context.Background(), "x-a", func(a *pregonero.Account) error {
				a.Status, a.StatusReason = tt.status, tt.reason
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			h.pub.AccountChanged(a)
			d := h.post("x-a", t0, "uno")
			h.tick()
			got := h.wait(d.ID, state(pregonero.DeliveryHeld))
			if got.HoldReason != tt.hold || got.LastError == nil || got.LastError.Message != tt.want {
				t.Errorf("held %q with %+v, want %q saying %q", got.HoldReason, got.LastError, tt.hold, tt.want)
			}
		})
	}
}

package storetest

import (
	"testing"
	"time"

	"pregonero"
)

// TestNotifyStore runs the conformance suite of pregonero.NotifyStore
// against the stores open returns, each of which must also be a
// NotifyStore.
func TestNotifyStore(t *testing.T, open OpenFunc) {
	t.Run("Settings", func(t *testing.T) { testNotifySettings(t, open) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open) })
	t.Run("WebhookDeliveries", func(t *testing.T) { testWebhookDeliveries(t, open) })
	t.Run("CursorAndSent", func(t *testing.T) { testNotifyCursor(t, open) })
	t.Run("Purge", func(t *testing.T) { testNotifyPurge(t, open) })
}

func (h *harness) notify() pregonero.NotifyStore {
	h.t.Helper()
	ns, ok := h.s.(pregonero.NotifyStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.NotifyStore", h.s)
	}
	return ns
}

func testNotifySettings(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	ns := h.notify()
	t.Run("a user without settings is not found", func(t *testing.T) {
		_, err := ns.NotifySettings(h.ctx, "u_1")
		wantCode(t, err, pregonero.ENOTFOUND)
	})
	t.Run("settings are stored and listed", func(t *testing.T) {
		s := &pregonero.NotifySettings{UserID: "u_1", Email: "ana@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed},
			Units: []string{"salud"}, DailySummary: true}
		if err := ns.PutNotifySettings(h.ctx, s); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		ns = h.notify()
		got, err := ns.NotifySettings(h.ctx, "u_1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != s.Email || !got.DailySummary || len(got.Events) != 1 || len(got.Units) != 1 || !got.UpdatedAt.Equal(h.clock.Now()) {
			t.Errorf("settings = %+v", got)
		}
		all, err := ns.AllNotifySettings(h.ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("AllNotifySettings = %d, %v; want 1", len(all), err)
		}
	})
}

func testWebhooks(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	ns := h.notify()
	w := &pregonero.Webhook{ID: "wh_1", URL: "https://example.org/hook", Secret: "s3cret", Events: []pregonero.EventKind{pregonero.EventPaused}, CreatedAt: base, UpdatedAt: base}
	if err := ns.PutWebhook(h.ctx, w); err != nil {
		t.Fatal(err)
	}
	t.Run("the secret is kept", func(t *testing.T) {
		got, err := ns.Webhook(h.ctx, "wh_1")
		if err != nil || got.Secret != "s3cret" || got.URL != w.URL {
			t.Errorf("Webhook = %+v, %v", got, err)
		}
	})
	t.Run("deleting removes it and its deliveries", func(t *testing.T) {
		d := &pregonero.WebhookDelivery{ID: pregonero.WebhookDeliveryID("wh_1", 1), WebhookID: "wh_1", Event: pregonero.Event{Seq: 1}, State: pregonero.WebhookPending, NextAttemptAt: base}
		if err := ns.AddWebhookDeliveries(h.ctx, []*pregonero.WebhookDelivery{d}); err != nil {
			t.Fatal(err)
		}
		if err := ns.DeleteWebhook(h.ctx, "wh_1"); err != nil {
			t.Fatal(err)
		}
		_, err := ns.Webhook(h.ctx, "wh_1")
		wantCode(t, err, pregonero.ENOTFOUND)
		due, _ := ns.DueWebhookDeliveries(h.ctx, base.Add(time.Hour), 0)
		if len(due) != 0 {
			t.Errorf("due after delete = %d, want 0", len(due))
		}
		wantCode(t, ns.DeleteWebhook(h.ctx, "wh_1"), pregonero.ENOTFOUND)
	})
}

func testWebhookDeliveries(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	ns := h.notify()
	mk := func(seq uint64, at time.Time) *pregonero.WebhookDelivery {
		return &pregonero.WebhookDelivery{ID: pregonero.WebhookDeliveryID("wh_1", seq), WebhookID: "wh_1",
			Event: pregonero.Event{Seq: seq, Kind: pregonero.EventPaused}, State: pregonero.WebhookPending, NextAttemptAt: at}
	}
	if err := ns.AddWebhookDeliveries(h.ctx, []*pregonero.WebhookDelivery{mk(1, base.Add(2*time.Minute)), mk(2, base.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	t.Run("adding one stored already leaves it as it is", func(t *testing.T) {
		again := mk(1, base.Add(time.Hour))
		again.State = pregonero.WebhookFailed
		if err := ns.AddWebhookDeliveries(h.ctx, []*pregonero.WebhookDelivery{again}); err != nil {
			t.Fatal(err)
		}
		ds, _ := ns.WebhookDeliveries(h.ctx, "wh_1", 0)
		if len(ds) != 2 || ds[0].Event.Seq != 2 || ds[1].State != pregonero.WebhookPending {
			t.Errorf("deliveries = %+v, want 2 then 1, both pending", ds)
		}
	})
	t.Run("due ones come earliest first, up to the instant", func(t *testing.T) {
		due, err := ns.DueWebhookDeliveries(h.ctx, base.Add(90*time.Second), 0)
		if err != nil || len(due) != 1 || due[0].Event.Seq != 2 {
			t.Fatalf("due = %+v, %v; want seq 2", due, err)
		}
		due, _ = ns.DueWebhookDeliveries(h.ctx, base.Add(time.Hour), 0)
		if len(due) != 2 || due[0].Event.Seq != 2 || due[1].Event.Seq != 1 {
			t.Errorf("due = %+v, want 2 then 1", due)
		}
	})
	t.Run("an update moves it in the due order and a finished one leaves it", func(t *testing.T) {
		id := pregonero.WebhookDeliveryID("wh_1", 2)
		d, err := ns.UpdateWebhookDelivery(h.ctx, id, func(d *pregonero.WebhookDelivery) error {
			return d.Record(pregonero.WebhookAttempt{At: base, Status: 503}, []time.Duration{time.Hour})
		})
		if err != nil || d.State != pregonero.WebhookPending || !d.NextAttemptAt.Equal(base.Add(time.Hour)) {
			t.Fatalf("after a 503 = %+v, %v", d, err)
		}
		due, _ := ns.DueWebhookDeliveries(h.ctx, base.Add(30*time.Minute), 0)
		if len(due) != 1 || due[0].Event.Seq != 1 {
			t.Errorf("due = %+v, want only seq 1", due)
		}
		h.reopen()
		ns = h.notify()
		d, err = ns.UpdateWebhookDelivery(h.ctx, id, func(d *pregonero.WebhookDelivery) error {
			return d.Record(pregonero.WebhookAttempt{At: base.Add(time.Hour), Status: 500}, []time.Duration{time.Hour})
		})
		if err != nil || d.State != pregonero.WebhookFailed || len(d.Attempts) != 2 {
			t.Fatalf("after the last attempt = %+v, %v; want failed with 2 attempts", d, err)
		}
		due, _ = ns.DueWebhookDeliveries(h.ctx, base.Add(24*time.Hour), 0)
		if len(due) != 1 {
			t.Errorf("due = %d, want 1 (the failed one left)", len(due))
		}
	})
}

func testNotifyCursor(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	ns := h.notify()
	if seq, err := ns.NotifyCursor(h.ctx); err != nil || seq != 0 {
		t.Errorf("NotifyCursor = %d, %v; want 0", seq, err)
	}
	if err := ns.SetNotifyCursor(h.ctx, 42); err != nil {
		t.Fatal(err)
	}
	if err := ns.MarkNotified(h.ctx, "e/42/u_1"); err != nil {
		t.Fatal(err)
	}
	h.reopen()
	ns = h.notify()
	if seq, _ := ns.NotifyCursor(h.ctx); seq != 42 {
		t.Errorf("NotifyCursor after reopen = %d, want 42", seq)
	}
	if ok, _ := ns.Notified(h.ctx, "e/42/u_1"); !ok {
		t.Error("Notified(e/42/u_1) = false after reopen, want true")
	}
	if ok, _ := ns.Notified(h.ctx, "e/42/u_2"); ok {
		t.Error("Notified(e/42/u_2) = true, want false")
	}
}

func testNotifyPurge(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	ns := h.notify()
	if err := ns.AddEvent(h.ctx, &pregonero.Event{Kind: pregonero.EventPaused}); err != nil {
		t.Fatal(err)
	}
	if err := ns.MarkNotified(h.ctx, "old"); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(h.clock.Now().Add(100 * 24 * time.Hour))
	if err := ns.AddEvent(h.ctx, &pregonero.Event{Kind: pregonero.EventResumed}); err != nil {
		t.Fatal(err)
	}
	n, err := ns.PurgeNotifications(h.ctx, h.clock.Now().Add(-90*24*time.Hour))
	if err != nil || n != 2 {
		t.Errorf("PurgeNotifications = %d, %v; want 2", n, err)
	}
	es, _ := ns.EventsAfter(h.ctx, 0, 0)
	if got := kinds(es); !equalStrings(got, []string{"publishing_resumed"}) {
		t.Errorf("events kept = %v, want the recent one", got)
	}
}

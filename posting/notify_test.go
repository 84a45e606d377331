package posting_test

import (
	"context"
	"path/filepath"
	"testing"

	"pregonero"
	"pregonero/posting"
	"pregonero/store"
)

type fakeNotifier struct{ emails []string }

func (f *fakeNotifier) TestEmail(_ context.Context, to string) error {
	f.emails = append(f.emails, to)
	return nil
}

func (f *fakeNotifier) TestWebhook(context.Context, *pregonero.Webhook) pregonero.WebhookAttempt {
	return pregonero.WebhookAttempt{Status: 204}
}

func newNotifyService(t *testing.T) (*posting.Service, *fakeNotifier) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, a := range []*pregonero.Account{
		{ID: "x-salud", Network: pregonero.NetworkX, Unit: "salud", Status: pregonero.AccountActive},
		{ID: "x-edu", Network: pregonero.NetworkX, Unit: "educacion", Status: pregonero.AccountActive},
	} {
		if err := db.PutAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	fn := &fakeNotifier{}
	svc, err := posting.New(posting.Config{Store: db, Sender: &sender{}, Notifier: fn})
	if err != nil {
		t.Fatal(err)
	}
	return svc, fn
}

var (
	notifyAdmin  = &pregonero.User{ID: "u_a", Username: "admin", Role: pregonero.RoleAdmin}
	notifyEditor = &pregonero.User{ID: "u_e", Username: "editora", Role: pregonero.RoleEditor, Units: []string{"salud"}}
	notifyViewer = &pregonero.User{ID: "u_v", Username: "lector", Role: pregonero.RoleViewer}
)

func fieldOf(err error) string {
	if e, ok := err.(*pregonero.Error); ok && len(e.Fields) > 0 {
		return e.Fields[0].Field
	}
	return ""
}

func TestNotifySettingsRules(t *testing.T) {
	svc, fn := newNotifyService(t)
	t.Run("a person without settings gets empty ones", func(t *testing.T) {
		s, err := svc.NotifySettings(as(notifyViewer))
		if err != nil || s.Email != "" || len(s.Events) != 0 {
			t.Errorf("NotifySettings = %+v, %v", s, err)
		}
	})
	t.Run("an editor chooses among their own dependencias only", func(t *testing.T) {
		_, err := svc.UpdateNotifySettings(as(notifyEditor), &posting.NotifySettingsRequest{Email: "ed@antioquia.gov.co",
			Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}, Units: []string{"educacion"}})
		if pregonero.ErrorCode(err) != pregonero.EINVALID || fieldOf(err) != "units" {
			t.Errorf("err = %v, want invalid units", err)
		}
		s, err := svc.UpdateNotifySettings(as(notifyEditor), &posting.NotifySettingsRequest{Email: "ed@antioquia.gov.co",
			Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}, Units: []string{"salud"}, DailySummary: true})
		if err != nil || len(s.Units) != 1 || !s.DailySummary {
			t.Fatalf("UpdateNotifySettings = %+v, %v", s, err)
		}
		got, _ := svc.NotifySettings(as(notifyEditor))
		if got.Email != "ed@antioquia.gov.co" {
			t.Errorf("stored = %+v", got)
		}
	})
	t.Run("a bad address, an unknown event, or events without an address are refused on their field", func(t *testing.T) {
		for _, c := range []struct {
			req   posting.NotifySettingsRequest
			field string
		}{
			{posting.NotifySettingsRequest{Email: "no es correo"}, "email"},
			{posting.NotifySettingsRequest{Email: "a@b.co", Events: []pregonero.EventKind{"nada"}}, "events"},
			{posting.NotifySettingsRequest{Events: []pregonero.EventKind{pregonero.EventPaused}}, "email"},
		} {
			_, err := svc.UpdateNotifySettings(as(notifyAdmin), &c.req)
			if pregonero.ErrorCode(err) != pregonero.EINVALID || fieldOf(err) != c.field {
				t.Errorf("UpdateNotifySettings(%+v) = %v, want invalid %s", c.req, err, c.field)
			}
		}
	})
	t.Run("the system has no settings of its own", func(t *testing.T) {
		if _, err := svc.NotifySettings(context.Background()); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("err = %v, want forbidden", err)
		}
	})
	t.Run("the test e-mail goes to the saved address", func(t *testing.T) {
		to, err := svc.TestEmail(as(notifyEditor))
		if err != nil || to != "ed@antioquia.gov.co" || len(fn.emails) != 1 {
			t.Errorf("TestEmail = %q, %v; sent %v", to, err, fn.emails)
		}
	})
}

func TestWebhookRules(t *testing.T) {
	svc, _ := newNotifyService(t)
	req := &posting.WebhookRequest{URL: "https://hooks.example.org/pregonero", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}}
	t.Run("only an admin manages webhooks", func(t *testing.T) {
		for _, u := range []*pregonero.User{notifyEditor, notifyViewer} {
			if _, err := svc.CreateWebhook(as(u), req); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
				t.Errorf("CreateWebhook as %s = %v, want forbidden", u.Role, err)
			}
			if _, err := svc.Webhooks(as(u)); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
				t.Errorf("Webhooks as %s = %v, want forbidden", u.Role, err)
			}
		}
	})
	t.Run("a new webhook gets a secret, shown once", func(t *testing.T) {
		h, err := svc.CreateWebhook(as(notifyAdmin), req)
		if err != nil || h.Secret == "" || h.CreatedBy != "admin" {
			t.Fatalf("CreateWebhook = %+v, %v", h, err)
		}
		up, err := svc.UpdateWebhook(as(notifyAdmin), h.ID, &posting.WebhookRequest{URL: h.URL, Events: []pregonero.EventKind{pregonero.EventPaused}, Units: []string{"salud"}})
		if err != nil || up.Secret != "" || up.Units[0] != "salud" {
			t.Errorf("UpdateWebhook = %+v, %v", up, err)
		}
		if a, err := svc.TestWebhook(as(notifyAdmin), h.ID); err != nil || a.Status != 204 {
			t.Errorf("TestWebhook = %+v, %v", a, err)
		}
		if err := svc.DeleteWebhook(as(notifyAdmin), h.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Webhook(as(notifyAdmin), h.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Webhook after delete = %v", err)
		}
	})
	t.Run("a bad URL, no events or an unknown dependencia are refused on their field", func(t *testing.T) {
		for _, c := range []struct {
			req   posting.WebhookRequest
			field string
		}{
			{posting.WebhookRequest{URL: "ftp://x", Events: req.Events}, "url"},
			{posting.WebhookRequest{URL: req.URL}, "events"},
			{posting.WebhookRequest{URL: req.URL, Events: req.Events, Units: []string{"nadie"}}, "units"},
		} {
			_, err := svc.CreateWebhook(as(notifyAdmin), &c.req)
			if pregonero.ErrorCode(err) != pregonero.EINVALID || fieldOf(err) != c.field {
				t.Errorf("CreateWebhook(%+v) = %v, want invalid %s", c.req, err, c.field)
			}
		}
	})
}

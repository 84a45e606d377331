package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pregonero"
	"pregonero/notify"
	"pregonero/posting"
	"pregonero/users"
	"pregonero/web"
)

// withNotifier gives the server's posting service a notifier without
// e-mail.
func withNotifier() serverOption {
	return withConfig(func(c *web.Config) {
		n, err := notify.New(notify.Config{Store: c.Store.(notify.Store)})
		if err != nil {
			panic(err)
		}
		svc, err := posting.New(posting.Config{Store: c.Store, Sender: &fakeControl{}, Now: c.Now, Notifier: n})
		if err != nil {
			panic(err)
		}
		c.Posts = svc
	})
}

func TestNotificationsAPI(t *testing.T) {
	var svc *users.Service
	ts := newTestServer(t, withUsersService(&svc), withNotifier())
	_, editor := userWithToken(t, svc, "edu", pregonero.RoleEditor, "salud")
	_, viewer := userWithToken(t, svc, "vera", pregonero.RoleViewer)

	t.Run("a person reads and saves their own settings", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/me/notifications", nil, asToken(editor)...)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"events":[]`) {
			t.Errorf("empty settings: %s", r.body)
		}
		r = ts.request("PUT", "/api/v1/me/notifications", map[string]any{"email": "edu@antioquia.gov.co",
			"events": []string{"delivery_failed"}, "units": []string{"salud"}, "daily_summary": true}, asToken(editor)...)
		wantStatus(t, r, http.StatusOK)
		r = ts.request("GET", "/api/v1/me/notifications", nil, asToken(editor)...)
		var got pregonero.NotifySettings
		r.decode(t, &got)
		if got.Email != "edu@antioquia.gov.co" || !got.DailySummary || len(got.Units) != 1 {
			t.Errorf("saved: %s", r.body)
		}
	})
	t.Run("an editor choosing another dependencia is refused on units", func(t *testing.T) {
		r := ts.request("PUT", "/api/v1/me/notifications", map[string]any{"email": "edu@antioquia.gov.co",
			"events": []string{"delivery_failed"}, "units": []string{"educacion"}}, asToken(editor)...)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if e := r.apiError(t); len(e.Fields) != 1 || e.Fields[0].Field != "units" {
			t.Errorf("error: %s", r.body)
		}
	})
	t.Run("the server's token has no settings", func(t *testing.T) {
		wantStatus(t, ts.request("GET", "/api/v1/me/notifications", nil), http.StatusForbidden)
	})
	t.Run("only admins manage webhooks", func(t *testing.T) {
		for _, tok := range []string{editor, viewer} {
			wantStatus(t, ts.request("GET", "/api/v1/webhooks", nil, asToken(tok)...), http.StatusForbidden)
			wantStatus(t, ts.request("POST", "/api/v1/webhooks", map[string]any{"url": "https://x.org", "events": []string{"publishing_paused"}}, asToken(tok)...), http.StatusForbidden)
		}
	})
	t.Run("a webhook is made with its secret shown once, tested, listed, changed and deleted", func(t *testing.T) {
		var mu struct{ sig string }
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.sig = r.Header.Get(notify.SignatureHeader)
			w.WriteHeader(http.StatusAccepted)
		}))
		defer rcv.Close()
		cl := ts.client()
		ctx := context.Background()
		h, err := cl.CreateWebhook(ctx, web.WebhookRequest{URL: rcv.URL, Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}})
		if err != nil || !strings.HasPrefix(h.Secret, "whsec_") {
			t.Fatalf("CreateWebhook = %+v, %v", h, err)
		}
		r := ts.request("GET", "/api/v1/webhooks", nil)
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(string(r.body), h.Secret) {
			t.Errorf("the list shows the secret: %s", r.body)
		}
		a, err := cl.TestWebhook(ctx, h.ID)
		if err != nil || a.Status != http.StatusAccepted || !strings.HasPrefix(mu.sig, "t=") {
			t.Errorf("TestWebhook = %+v, %v (signature %q)", a, err, mu.sig)
		}
		if ds, err := cl.WebhookDeliveries(ctx, h.ID, 10); err != nil || len(ds) != 0 {
			t.Errorf("WebhookDeliveries = %v, %v; want none", ds, err)
		}
		up, err := cl.UpdateWebhook(ctx, h.ID, web.WebhookRequest{URL: rcv.URL, Events: []pregonero.EventKind{pregonero.EventPaused}, Units: []string{"salud"}})
		if err != nil || up.Units[0] != "salud" {
			t.Errorf("UpdateWebhook = %+v, %v", up, err)
		}
		r = ts.request("POST", "/api/v1/webhooks", map[string]any{"url": "no", "events": []string{}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if err := cl.DeleteWebhook(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, ts.request("GET", "/api/v1/webhooks/"+h.ID, nil), http.StatusNotFound)
	})
	t.Run("a test e-mail without a mail server is refused as unavailable", func(t *testing.T) {
		wantStatus(t, ts.request("POST", "/api/v1/me/notifications/test", nil, asToken(editor)...), http.StatusServiceUnavailable)
	})
}

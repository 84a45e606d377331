package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"pregonero"
	"pregonero/posting"
)

// Notificaciones (/notifications): each person's own notification
// settings (e-mail address, which events, which dependencias, the daily
// summary) with a button that sends a test e-mail; for admins, the
// webhooks with their latest deliveries and attempts, a "Probar" button
// for each, and a form to add one, whose secret is shown once. The rules
// (an editor chooses among their dependencias, only admins touch
// webhooks) are the posting service's.

// notifyRecent is how many deliveries of each webhook the page shows.
const notifyRecent = 5

func (s *Server) notifyPage() uiPage {
	return uiPage{
		Path: "/notifications",
		Menu: "notify.menu",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderNotify(rq, nil, nil, http.StatusOK)
		},
		Forms: []uiForm{
			{Path: "/notifications", Handle: s.uiSaveNotify},
			{Path: "/notifications/test", Handle: s.uiTestEmail},
			{Path: "/notifications/webhooks", Allow: uiAdmins, Handle: s.uiCreateWebhook},
			{Path: "/notifications/webhooks/{id}/test", Allow: uiAdmins, Handle: s.uiTestWebhook},
			{Path: "/notifications/webhooks/{id}/delete", Allow: uiAdmins, Handle: s.uiDeleteWebhook},
		},
	}
}

// notifyChoice is one checkbox.
type notifyChoice struct {
	Value, Label string
	Checked      bool
}

// notifyForm is the settings form as filled in, with errors by field.
type notifyForm struct {
	Email        string
	Events       []notifyChoice
	Units        []notifyChoice
	DailySummary bool
	Errors       map[string]string
}

// Err is the error of a field, empty when it has none.
func (f *notifyForm) Err(field string) string { return f.Errors[field] }

// webhookForm is the add-a-webhook form.
type webhookForm struct {
	URL    string
	Events []notifyChoice
	Units  []notifyChoice
	Errors map[string]string
}

// Err is the error of a field, empty when it has none.
func (f *webhookForm) Err(field string) string { return f.Errors[field] }

type notifyData struct {
	Form    *notifyForm
	Admin   bool
	Hooks   []webhookRow
	NewHook *webhookForm
	// Created is the webhook just made, with its secret shown this once.
	Created *pregonero.Webhook
}

type webhookRow struct {
	ID, URL, Events, Units string
	Deliveries             []webhookDeliveryRow
}

type webhookDeliveryRow struct {
	Event, State, StateClass, When, Last, Next string
	Attempts                                   int
}

// hookStateClass is the badge style of a webhook delivery's state.
var hookStateClass = map[pregonero.WebhookState]string{
	pregonero.WebhookPending: "state-queued", pregonero.WebhookDelivered: "state-published", pregonero.WebhookFailed: "state-failed",
}

func eventChoices(rq *uiRequest, chosen []pregonero.EventKind) []notifyChoice {
	out := make([]notifyChoice, 0, len(pregonero.EventKinds))
	for _, k := range pregonero.EventKinds {
		out = append(out, notifyChoice{Value: string(k), Label: rq.P.T("notify.event." + string(k)), Checked: slices.Contains(chosen, k)})
	}
	return out
}

func unitChoicesOf(all, chosen []string) []notifyChoice {
	out := make([]notifyChoice, 0, len(all))
	for _, u := range all {
		out = append(out, notifyChoice{Value: u, Label: u, Checked: slices.Contains(chosen, u)})
	}
	for _, u := range chosen {
		if !slices.Contains(all, u) {
			out = append(out, notifyChoice{Value: u, Label: u, Checked: true}) // kept, so the refusal names it
		}
	}
	return out
}

func formEvents(rq *uiRequest) []pregonero.EventKind {
	var out []pregonero.EventKind
	for _, v := range rq.R.PostForm["events"] {
		out = append(out, pregonero.EventKind(v))
	}
	return out
}

func eventLabels(rq *uiRequest, ks []pregonero.EventKind) string {
	var out []string
	for _, k := range ks {
		out = append(out, rq.P.T("notify.event."+string(k)))
	}
	return strings.Join(out, "; ")
}

func (s *Server) renderNotify(rq *uiRequest, form *notifyForm, hook *webhookForm, status int) (*uiView, error) {
	ctx := rq.Context()
	units, err := s.posts.NotifyUnits(ctx)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	if form == nil {
		set, err := s.posts.NotifySettings(ctx)
		if err != nil {
			return nil, fmt.Errorf("notifications: %w", err)
		}
		form = &notifyForm{Email: set.Email, DailySummary: set.DailySummary, Errors: map[string]string{},
			Events: eventChoices(rq, set.Events), Units: unitChoicesOf(units, set.Units)}
	}
	data := &notifyData{Form: form, Admin: rq.User.IsAdmin()}
	if data.Admin {
		all, err := s.posts.NotifyUnits(ctx)
		if err != nil {
			return nil, err
		}
		if hook == nil {
			hook = &webhookForm{Errors: map[string]string{}, Events: eventChoices(rq, nil), Units: unitChoicesOf(all, nil)}
		}
		data.NewHook = hook
		hooks, err := s.posts.Webhooks(ctx)
		if err != nil {
			return nil, fmt.Errorf("webhooks: %w", err)
		}
		for _, h := range hooks {
			row := webhookRow{ID: h.ID, URL: h.URL, Events: eventLabels(rq, h.Events), Units: strings.Join(h.Units, ", ")}
			if row.Units == "" {
				row.Units = rq.P.T("notify.units.all")
			}
			ds, err := s.posts.WebhookDeliveries(ctx, h.ID, notifyRecent)
			if err != nil {
				return nil, err
			}
			for _, d := range ds {
				dr := webhookDeliveryRow{Event: rq.P.T("notify.event." + string(d.Event.Kind)), State: rq.P.T("notify.state." + string(d.State)),
					StateClass: hookStateClass[d.State], When: rq.DateTime(d.Event.At), Attempts: len(d.Attempts)}
				if len(d.Attempts) > 0 {
					a := d.Attempts[len(d.Attempts)-1]
					dr.Last = rq.P.T("notify.attempt", rq.DateTime(a.At), a.Status)
					if a.Status == 0 {
						dr.Last = rq.P.T("notify.attempt_none", rq.DateTime(a.At))
					}
					if a.Error != "" {
						dr.Last += " — " + a.Error
					}
				}
				if d.State == pregonero.WebhookPending && !d.NextAttemptAt.IsZero() {
					dr.Next = rq.DateTime(d.NextAttemptAt)
				}
				row.Deliveries = append(row.Deliveries, dr)
			}
			data.Hooks = append(data.Hooks, row)
		}
	}
	v := &uiView{Template: "notify", Title: "notify.title", Data: data, Status: status, Styles: []string{"notify.css"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("notify.error.summary")}
	}
	return v, nil
}

// notifyFieldErrors puts the service's field errors next to the fields
// of errs, and reports whether err was about them.
func notifyFieldErrors(rq *uiRequest, err error, fields []string, errs map[string]string) bool {
	e, _ := asAppError(err)
	if e.Code != pregonero.EINVALID || len(e.Fields) == 0 {
		return false
	}
	for _, fe := range e.Fields {
		field := fe.Field
		if !slices.Contains(fields, field) {
			field = fields[0]
		}
		text := rq.P.T("notify.error."+field) + " " + rq.P.T("error.detail", fe.Message)
		if prev := errs[field]; prev != "" {
			text = prev + " " + rq.P.T("error.detail", fe.Message)
		}
		errs[field] = text
	}
	return true
}

func (s *Server) uiSaveNotify(rq *uiRequest) (*uiView, error) {
	req := &posting.NotifySettingsRequest{Email: rq.Form("email"), Events: formEvents(rq), Units: rq.R.PostForm["units"],
		DailySummary: rq.Form("daily_summary") == "on"}
	_, err := s.posts.UpdateNotifySettings(rq.Context(), req)
	if err == nil {
		return uiRedirect("/notifications", &uiFlash{Kind: "ok", Text: rq.P.T("notify.flash.saved")}), nil
	}
	units, uerr := s.posts.NotifyUnits(rq.Context())
	if uerr != nil {
		return nil, uerr
	}
	form := &notifyForm{Email: req.Email, DailySummary: req.DailySummary, Errors: map[string]string{},
		Events: eventChoices(rq, req.Events), Units: unitChoicesOf(units, req.Units)}
	if notifyFieldErrors(rq, err, []string{"email", "events", "units"}, form.Errors) {
		return s.renderNotify(rq, form, nil, http.StatusUnprocessableEntity)
	}
	return nil, err
}

func (s *Server) uiTestEmail(rq *uiRequest) (*uiView, error) {
	to, err := s.posts.TestEmail(rq.Context())
	switch code := pregonero.ErrorCode(err); code {
	case "":
		return uiRedirect("/notifications", &uiFlash{Kind: "ok", Text: rq.P.T("notify.flash.test_sent", to)}), nil
	case pregonero.EINVALID:
		return uiRedirect("/notifications", &uiFlash{Kind: "error", Text: rq.P.T("notify.flash.test_no_email")}), nil
	case pregonero.EUNAVAILABLE:
		return uiRedirect("/notifications", &uiFlash{Kind: "error", Text: rq.P.T("notify.flash.test_failed", pregonero.ErrorMessage(err))}), nil
	}
	return nil, err
}

func (s *Server) uiCreateWebhook(rq *uiRequest) (*uiView, error) {
	req := &posting.WebhookRequest{URL: rq.Form("url"), Events: formEvents(rq), Units: rq.R.PostForm["units"]}
	h, err := s.posts.CreateWebhook(rq.Context(), req)
	if err == nil {
		// The secret is shown on this answer only, never again: no
		// redirect, which would have to carry it.
		v, err := s.renderNotify(rq, nil, nil, http.StatusOK)
		if err != nil {
			return nil, err
		}
		v.Data.(*notifyData).Created = h
		v.Flash = &uiFlash{Kind: "ok", Text: rq.P.T("notify.flash.webhook_created")}
		return v, nil
	}
	all, uerr := s.posts.NotifyUnits(rq.Context())
	if uerr != nil {
		return nil, uerr
	}
	form := &webhookForm{URL: req.URL, Errors: map[string]string{}, Events: eventChoices(rq, req.Events), Units: unitChoicesOf(all, req.Units)}
	if notifyFieldErrors(rq, err, []string{"url", "events", "units"}, form.Errors) {
		return s.renderNotify(rq, nil, form, http.StatusUnprocessableEntity)
	}
	return nil, err
}

func (s *Server) uiTestWebhook(rq *uiRequest) (*uiView, error) {
	a, err := s.posts.TestWebhook(rq.Context(), rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	flash := &uiFlash{Kind: "ok", Text: rq.P.T("notify.flash.webhook_ok", a.Status)}
	if !a.OK() {
		detail := a.Error
		if detail == "" {
			detail = fmt.Sprint(a.Status)
		}
		flash = &uiFlash{Kind: "error", Text: rq.P.T("notify.flash.webhook_failed", detail)}
	}
	return uiRedirect("/notifications#webhook-"+url.PathEscape(rq.R.PathValue("id")), flash), nil
}

func (s *Server) uiDeleteWebhook(rq *uiRequest) (*uiView, error) {
	if err := s.posts.DeleteWebhook(rq.Context(), rq.R.PathValue("id")); err != nil {
		return nil, err
	}
	return uiRedirect("/notifications", &uiFlash{Kind: "ok", Text: rq.P.T("notify.flash.webhook_deleted")}), nil
}

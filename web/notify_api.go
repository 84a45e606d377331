package web

import (
	"net/http"
	"net/url"
	"strconv"

	"pregonero"
	"pregonero/posting"
)

// NotifySettingsRequest is the body of PUT /api/v1/me/notifications.
type NotifySettingsRequest = posting.NotifySettingsRequest

// WebhookRequest is the body of POST /api/v1/webhooks and PUT
// /api/v1/webhooks/{id}.
type WebhookRequest = posting.WebhookRequest

// WebhookList is the answer of GET /api/v1/webhooks.
type WebhookList struct {
	Webhooks []*pregonero.Webhook `json:"webhooks"`
}

// WebhookCreated is the answer of POST /api/v1/webhooks: the webhook
// with its secret, shown this once.
type WebhookCreated struct {
	*pregonero.Webhook
	Secret string `json:"secret"`
}

// WebhookDeliveryList is the answer of GET /api/v1/webhooks/{id}/deliveries.
type WebhookDeliveryList struct {
	Deliveries []*pregonero.WebhookDelivery `json:"deliveries"`
}

// TestEmailResult is the answer of POST /api/v1/me/notifications/test.
type TestEmailResult struct {
	SentTo string `json:"sent_to"`
}

func viewWebhook(h *pregonero.Webhook) *pregonero.Webhook {
	v := *h
	v.Secret = ""
	v.CreatedAt, v.UpdatedAt = utc(v.CreatedAt), utc(v.UpdatedAt)
	if v.Events == nil {
		v.Events = []pregonero.EventKind{}
	}
	return &v
}

func (s *Server) handleGetNotifySettings(w http.ResponseWriter, r *http.Request) error {
	set, err := s.posts.NotifySettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) handlePutNotifySettings(w http.ResponseWriter, r *http.Request) error {
	var req NotifySettingsRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	set, err := s.posts.UpdateNotifySettings(r.Context(), &req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) handleTestEmail(w http.ResponseWriter, r *http.Request) error {
	to, err := s.posts.TestEmail(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, TestEmailResult{SentTo: to})
	return nil
}

func (s *Server) handleListWebhooks(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.posts.Webhooks(r.Context())
	if err != nil {
		return err
	}
	out := WebhookList{Webhooks: make([]*pregonero.Webhook, 0, len(hs))}
	for _, h := range hs {
		out.Webhooks = append(out.Webhooks, viewWebhook(h))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	var req WebhookRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	h, err := s.posts.CreateWebhook(r.Context(), &req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+url.PathEscape(h.ID))
	writeJSON(w, http.StatusCreated, WebhookCreated{Webhook: viewWebhook(h), Secret: h.Secret})
	return nil
}

func (s *Server) handleGetWebhook(w http.ResponseWriter, r *http.Request) error {
	h, err := s.posts.Webhook(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewWebhook(h))
	return nil
}

func (s *Server) handlePutWebhook(w http.ResponseWriter, r *http.Request) error {
	var req WebhookRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	h, err := s.posts.UpdateWebhook(r.Context(), r.PathValue("id"), &req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewWebhook(h))
	return nil
}

func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.posts.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return pregonero.Invalid([]pregonero.FieldError{{Field: "limit", Code: pregonero.FieldInvalid, Actual: v,
				Message: "limit must be a number from 1 to 200."}})
		}
		limit = n
	}
	ds, err := s.posts.WebhookDeliveries(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, WebhookDeliveryList{Deliveries: ds})
	return nil
}

func (s *Server) handleTestWebhook(w http.ResponseWriter, r *http.Request) error {
	a, err := s.posts.TestWebhook(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

package posting

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"pregonero"
)

// Notifier is what the rules of notifications need from the notifier:
// the test messages a person asks for.
type Notifier interface {
	TestEmail(ctx context.Context, to string) error
	TestWebhook(ctx context.Context, h *pregonero.Webhook) pregonero.WebhookAttempt
}

// Who may change notifications: every signed-in person their own
// settings (an editor choosing among their dependencias only); admins
// the webhooks. A context without a user (the system) may manage
// webhooks but has no settings of its own.

// NotifySettingsRequest is a person's new notification settings.
type NotifySettingsRequest struct {
	Email        string                `json:"email"`
	Events       []pregonero.EventKind `json:"events"`
	Units        []string              `json:"units"`
	DailySummary bool                  `json:"daily_summary"`
}

// MaxEmailBytes caps a notification address: the most a mail server
// takes in a forward path (RFC 5321, section 4.5.3.1.3, less its angle
// brackets).
const MaxEmailBytes = 254

// MaxWebhookURL caps a webhook's address, as a feed's.
const MaxWebhookURL = MaxFeedURL

// WebhookRequest makes or changes a webhook.
type WebhookRequest struct {
	URL    string                `json:"url"`
	Events []pregonero.EventKind `json:"events"`
	Units  []string              `json:"units"`
}

// notifyStore returns the store's notifications, or the error that says
// the store keeps none.
func (s *Service) notifyStore() (pregonero.NotifyStore, error) {
	ns, ok := s.store.(pregonero.NotifyStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no notifications.")
	}
	return ns, nil
}

// me returns the acting person, refusing the system, which has no
// settings of its own.
func me(ctx context.Context) (*pregonero.User, error) {
	u := pregonero.UserFromContext(ctx)
	if u == nil {
		return nil, pregonero.Errorf(pregonero.EFORBIDDEN, "Notification settings belong to a person; the server's token is nobody's. Use a user's own token.")
	}
	if u.Disabled {
		return nil, pregonero.Errorf(pregonero.EFORBIDDEN, "%s is disabled.", u.Username)
	}
	return u, nil
}

// mayWebhooks refuses anyone but an admin (or the system).
func mayWebhooks(ctx context.Context) error {
	if u := pregonero.UserFromContext(ctx); u != nil && !u.IsAdmin() {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "Only an admin may manage webhooks; %s is %s.", u.Username, u.Role)
	}
	return nil
}

// NotifySettings returns the acting person's settings; empty ones (no
// e-mail, no events) when they never chose.
func (s *Service) NotifySettings(ctx context.Context) (*pregonero.NotifySettings, error) {
	ns, err := s.notifyStore()
	if err != nil {
		return nil, err
	}
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	set, err := ns.NotifySettings(ctx, u.ID)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return &pregonero.NotifySettings{UserID: u.ID, Events: []pregonero.EventKind{}}, nil
	}
	return set, err
}

// NotifyUnits lists the dependencias the acting person may choose among:
// an editor's own, everyone else's every dependencia an account has.
func (s *Service) NotifyUnits(ctx context.Context) ([]string, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role == pregonero.RoleEditor {
		return slices.Sorted(slices.Values(u.Units)), nil
	}
	return s.allUnits(ctx)
}

func (s *Service) allUnits(ctx context.Context) ([]string, error) {
	as, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range as {
		if a.Unit != "" && !slices.Contains(out, a.Unit) {
			out = append(out, a.Unit)
		}
	}
	slices.Sort(out)
	return out, nil
}

// checkEvents adds the field errors of a list of event kinds.
func checkEvents(field string, events []pregonero.EventKind, fields *[]pregonero.FieldError) []pregonero.EventKind {
	out := []pregonero.EventKind{}
	for _, k := range events {
		if !slices.Contains(pregonero.EventKinds, k) {
			*fields = append(*fields, pregonero.FieldError{Field: field, Code: pregonero.FieldUnknown, Actual: string(k),
				Message: fmt.Sprintf("%q is not an event; the events are %s.", k, kindList())})
			continue
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func kindList() string {
	var ks []string
	for _, k := range pregonero.EventKinds {
		ks = append(ks, string(k))
	}
	return strings.Join(ks, ", ")
}

// checkUnits keeps the dependencias among allowed, with a field error
// for each other one.
func checkUnits(units, allowed []string, editor bool, fields *[]pregonero.FieldError) []string {
	var out []string
	for _, unit := range units {
		unit = strings.TrimSpace(unit)
		if unit == "" || slices.Contains(out, unit) {
			continue
		}
		if !slices.Contains(allowed, unit) {
			msg := fmt.Sprintf("%q is not a dependencia of any account.", unit)
			if editor {
				msg = fmt.Sprintf("%q is not one of your dependencias (%s).", unit, strings.Join(allowed, ", "))
			}
			*fields = append(*fields, pregonero.FieldError{Field: "units", Code: pregonero.FieldInvalid, Actual: unit, Message: msg})
			continue
		}
		out = append(out, unit)
	}
	return out
}

// UpdateNotifySettings checks and stores the acting person's settings.
func (s *Service) UpdateNotifySettings(ctx context.Context, req *NotifySettingsRequest) (*pregonero.NotifySettings, error) {
	ns, err := s.notifyStore()
	if err != nil {
		return nil, err
	}
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	var fields []pregonero.FieldError
	email := strings.TrimSpace(req.Email)
	switch {
	case len(email) > MaxEmailBytes:
		fields = append(fields, pregonero.FieldError{Field: "email", Code: pregonero.FieldTooLong, Actual: len(email), Limit: MaxEmailBytes,
			Message: fmt.Sprintf("The e-mail address has %d bytes; at most %d.", len(email), MaxEmailBytes)})
	case email != "":
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			fields = append(fields, pregonero.FieldError{Field: "email", Code: pregonero.FieldInvalid, Actual: email,
				Message: fmt.Sprintf("%q is not an e-mail address like nombre@antioquia.gov.co.", email)})
		}
	}
	events := checkEvents("events", req.Events, &fields)
	if email == "" && (len(events) > 0 || req.DailySummary) {
		fields = append(fields, pregonero.FieldError{Field: "email", Code: pregonero.FieldRequired,
			Message: "An e-mail address is required to receive notifications."})
	}
	allowed, err := s.NotifyUnits(ctx)
	if err != nil {
		return nil, err
	}
	units := checkUnits(req.Units, allowed, u.Role == pregonero.RoleEditor, &fields)
	if len(fields) > 0 {
		return nil, pregonero.Invalid(fields)
	}
	set := &pregonero.NotifySettings{UserID: u.ID, Email: email, Events: events, Units: units, DailySummary: req.DailySummary}
	if err := ns.PutNotifySettings(ctx, set); err != nil {
		return nil, err
	}
	return set, nil
}

// TestEmail sends a test e-mail to the acting person's saved address.
func (s *Service) TestEmail(ctx context.Context) (string, error) {
	set, err := s.NotifySettings(ctx)
	if err != nil {
		return "", err
	}
	if set.Email == "" {
		return "", pregonero.Invalid([]pregonero.FieldError{{Field: "email", Code: pregonero.FieldRequired,
			Message: "Save an e-mail address first; the test goes to it."}})
	}
	if s.notifier == nil {
		return "", pregonero.Errorf(pregonero.EUNAVAILABLE, "This server sends no notifications.")
	}
	return set.Email, s.notifier.TestEmail(ctx, set.Email)
}

// Webhooks lists the webhooks (admins only).
func (s *Service) Webhooks(ctx context.Context) ([]*pregonero.Webhook, error) {
	ns, err := s.notifyStore()
	if err != nil {
		return nil, err
	}
	if err := mayWebhooks(ctx); err != nil {
		return nil, err
	}
	return ns.Webhooks(ctx)
}

// Webhook returns one webhook (admins only).
func (s *Service) Webhook(ctx context.Context, id string) (*pregonero.Webhook, error) {
	ns, err := s.notifyStore()
	if err != nil {
		return nil, err
	}
	if err := mayWebhooks(ctx); err != nil {
		return nil, err
	}
	return ns.Webhook(ctx, id)
}

func (s *Service) checkWebhook(ctx context.Context, req *WebhookRequest, h *pregonero.Webhook) error {
	var fields []pregonero.FieldError
	raw := strings.TrimSpace(req.URL)
	if len(raw) > MaxWebhookURL {
		fields = append(fields, pregonero.FieldError{Field: "url", Code: pregonero.FieldTooLong, Actual: len(raw), Limit: MaxWebhookURL,
			Message: fmt.Sprintf("The address has %d characters; at most %d.", len(raw), MaxWebhookURL)})
	} else if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fields = append(fields, pregonero.FieldError{Field: "url", Code: pregonero.FieldInvalid, Actual: raw,
			Message: fmt.Sprintf("%q is not an http(s) URL.", raw)})
	}
	events := checkEvents("events", req.Events, &fields)
	if len(req.Events) == 0 {
		fields = append(fields, pregonero.FieldError{Field: "events", Code: pregonero.FieldRequired, Message: "Choose at least one event."})
	}
	all, err := s.allUnits(ctx)
	if err != nil {
		return err
	}
	units := checkUnits(req.Units, all, false, &fields)
	if len(fields) > 0 {
		return pregonero.Invalid(fields)
	}
	h.URL, h.Events, h.Units, h.UpdatedAt = raw, events, units, s.now().UTC()
	return nil
}

// CreateWebhook makes a webhook with a new secret, returned in it this
// once (admins only).
func (s *Service) CreateWebhook(ctx context.Context, req *WebhookRequest) (*pregonero.Webhook, error) {
	ns, err := s.notifyStore()
	if err != nil {
		return nil, err
	}
	if err := mayWebhooks(ctx); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	h := &pregonero.Webhook{ID: pregonero.NewID("wh", now), CreatedAt: now}
	if err := s.checkWebhook(ctx, req, h); err != nil {
		return nil, err
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("webhook secret: %w", err)
	}
	h.Secret = "whsec_" + hex.EncodeToString(b[:])
	if u := pregonero.UserFromContext(ctx); u != nil {
		h.CreatedBy = u.Username
	}
	if err := ns.PutWebhook(ctx, h); err != nil {
		return nil, err
	}
	return h, nil
}

// UpdateWebhook changes a webhook's address, events and dependencias;
// its secret stays (admins only).
func (s *Service) UpdateWebhook(ctx context.Context, id string, req *WebhookRequest) (*pregonero.Webhook, error) {
	ns, err := s.notifyStore()
	if err != nil {
		return nil, err
	}
	if err := mayWebhooks(ctx); err != nil {
		return nil, err
	}
	h, err := ns.Webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkWebhook(ctx, req, h); err != nil {
		return nil, err
	}
	if err := ns.PutWebhook(ctx, h); err != nil {
		return nil, err
	}
	h.Secret = ""
	return h, nil
}

// DeleteWebhook removes a webhook and its deliveries (admins only).
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	ns, err := s.notifyStore()
	if err != nil {
		return err
	}
	if err := mayWebhooks(ctx); err != nil {
		return err
	}
	// An id no webhook can have (a NUL, too long) is not found here as
	// it is on a read, rather than refused by the store as a bad key.
	if _, err := ns.Webhook(ctx, id); err != nil {
		return err
	}
	return ns.DeleteWebhook(ctx, id)
}

// WebhookDeliveries returns a webhook's latest deliveries with their
// attempts, newest first (admins only).
func (s *Service) WebhookDeliveries(ctx context.Context, id string, limit int) ([]*pregonero.WebhookDelivery, error) {
	if _, err := s.Webhook(ctx, id); err != nil {
		return nil, err
	}
	ns, _ := s.notifyStore()
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return ns.WebhookDeliveries(ctx, id, limit)
}

// TestWebhook sends a test event to a webhook at once and returns how it
// went (admins only).
func (s *Service) TestWebhook(ctx context.Context, id string) (pregonero.WebhookAttempt, error) {
	h, err := s.Webhook(ctx, id)
	if err != nil {
		return pregonero.WebhookAttempt{}, err
	}
	if s.notifier == nil {
		return pregonero.WebhookAttempt{}, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server sends no notifications.")
	}
	return s.notifier.TestWebhook(ctx, h), nil
}

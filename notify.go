package pregonero

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// NotifySettings are one person's notifications: which events reach them
// by e-mail, for which dependencias, and whether they get the daily
// summary.
type NotifySettings struct {
	UserID string `json:"user_id"`
	// Email is where the notifications go; without one nothing is sent.
	Email  string      `json:"email,omitempty"`
	Events []EventKind `json:"events"`
	// Units narrows the events to those of these dependencias; empty
	// means every dependencia the person may see (an editor's own).
	Units []string `json:"units,omitempty"`
	// DailySummary sends, every morning, what goes out today and what
	// failed yesterday.
	DailySummary bool      `json:"daily_summary"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
}

// Matches reports whether the event reaches the person u with these
// settings. An event about no dependencia (the global pause) reaches
// everyone who chose its kind; one about a dependencia reaches those who
// chose it, or chose none and may see it (an editor sees theirs only).
func (s *NotifySettings) Matches(e *Event, u *User) bool {
	if s == nil || u == nil || u.Disabled || s.Email == "" || !slices.Contains(s.Events, e.Kind) {
		return false
	}
	return s.WantsUnit(u, e.Unit)
}

// WantsUnit reports whether news about a dependencia ("" for what
// concerns every one) is for the person u with these settings: u may
// see it, and it is among the dependencias chosen, if any were.
func (s *NotifySettings) WantsUnit(u *User, unit string) bool {
	return u.SeesUnit(unit) && (len(s.Units) == 0 || unit == "" || slices.Contains(s.Units, unit))
}

// SeesUnit reports whether notifications about a dependencia may reach
// the user: an editor hears of their own dependencias (and of what
// concerns every one, unit ""), everyone else of all.
func (u *User) SeesUnit(unit string) bool {
	if u == nil || u.Disabled {
		return false
	}
	if u.Role != RoleEditor || unit == "" {
		return true
	}
	return slices.Contains(u.Units, unit)
}

// Webhook is an address that receives events as signed JSON, managed by
// admins.
type Webhook struct {
	ID  string `json:"id"` // "wh_…"
	URL string `json:"url"`
	// Secret keys the HMAC-SHA256 signature of every request; it is shown
	// once, when the webhook is made.
	Secret string      `json:"-"`
	Events []EventKind `json:"events"`
	// Units narrows the events to those of these dependencias; empty
	// means all.
	Units     []string  `json:"units,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Matches reports whether the webhook wants the event.
func (w *Webhook) Matches(e *Event) bool {
	return slices.Contains(w.Events, e.Kind) && (len(w.Units) == 0 || e.Unit == "" || slices.Contains(w.Units, e.Unit))
}

// WebhookState is where a webhook delivery stands.
type WebhookState string

// Webhook delivery states.
const (
	WebhookPending   WebhookState = "pending"
	WebhookDelivered WebhookState = "delivered"
	WebhookFailed    WebhookState = "failed"
)

// WebhookAttempt is one request of a webhook delivery.
type WebhookAttempt struct {
	At time.Time `json:"at"`
	// Status is the receiver's HTTP status; 0 when none came (a timeout,
	// a refused connection).
	Status     int    `json:"status,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// OK reports whether the receiver took the event (a 2xx answer).
func (a WebhookAttempt) OK() bool { return a.Status >= 200 && a.Status < 300 }

// WebhookDelivery is one event going to one webhook, retried until the
// receiver takes it or the attempts run out.
type WebhookDelivery struct {
	// ID is the webhook's id and the event's Seq: one delivery per pair.
	ID            string           `json:"id"`
	WebhookID     string           `json:"webhook_id"`
	Event         Event            `json:"event"`
	State         WebhookState     `json:"state"`
	Attempts      []WebhookAttempt `json:"attempts"`
	NextAttemptAt time.Time        `json:"next_attempt_at,omitzero"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// WebhookDeliveryID is the id of the delivery of the event seq to a
// webhook: one per pair, whoever makes it.
func WebhookDeliveryID(webhookID string, seq uint64) string {
	return webhookID + ":" + strconv.FormatUint(seq, 10)
}

// Record adds an attempt: a 2xx answer delivers it; otherwise the next
// attempt waits backoff[n-1] after the n-th, and when backoff has no
// such step the delivery has failed. A finished delivery refuses more.
func (d *WebhookDelivery) Record(a WebhookAttempt, backoff []time.Duration) error {
	if d.State != WebhookPending {
		return Errorf(ECONFLICT, "webhook delivery %s is %s; it takes no more attempts", d.ID, d.State)
	}
	d.Attempts = append(d.Attempts, a)
	switch n := len(d.Attempts); {
	case a.OK():
		d.State, d.NextAttemptAt = WebhookDelivered, time.Time{}
	case n > len(backoff):
		d.State, d.NextAttemptAt = WebhookFailed, time.Time{}
	default:
		d.NextAttemptAt = a.At.Add(backoff[n-1])
	}
	return nil
}

// NotifyStore keeps what notifications need beyond events: settings,
// webhooks and their deliveries, the notifier's cursor in the events and
// the record of what was sent.
type NotifyStore interface {
	EventStore
	// NotifySettings returns a user's settings; ENOTFOUND when they have
	// none. AllNotifySettings lists everyone's.
	NotifySettings(ctx context.Context, userID string) (*NotifySettings, error)
	AllNotifySettings(ctx context.Context) ([]*NotifySettings, error)
	PutNotifySettings(ctx context.Context, s *NotifySettings) error

	// Webhooks lists the webhooks by id; Webhook returns one (ENOTFOUND);
	// PutWebhook inserts or replaces one; DeleteWebhook removes one with
	// its deliveries.
	Webhooks(ctx context.Context) ([]*Webhook, error)
	Webhook(ctx context.Context, id string) (*Webhook, error)
	PutWebhook(ctx context.Context, w *Webhook) error
	DeleteWebhook(ctx context.Context, id string) error

	// AddWebhookDeliveries stores new deliveries; one whose id is stored
	// already is left as it is (an event handled twice is sent once).
	AddWebhookDeliveries(ctx context.Context, ds []*WebhookDelivery) error
	// UpdateWebhookDelivery runs fn on a copy inside the write
	// transaction and stores the result, stamping UpdatedAt.
	UpdateWebhookDelivery(ctx context.Context, id string, fn func(*WebhookDelivery) error) (*WebhookDelivery, error)
	// DueWebhookDeliveries returns up to limit pending deliveries whose
	// next attempt is at or before t, earliest first.
	DueWebhookDeliveries(ctx context.Context, t time.Time, limit int) ([]*WebhookDelivery, error)
	// WebhookDeliveries returns up to limit deliveries of one webhook,
	// newest event first.
	WebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]*WebhookDelivery, error)

	// NotifyCursor is the Seq of the last event the notifier handled (0
	// before any); SetNotifyCursor moves it.
	NotifyCursor(ctx context.Context) (uint64, error)
	SetNotifyCursor(ctx context.Context, seq uint64) error
	// Notified reports whether something was sent under key (an event and
	// a recipient, a day's summary and a person); MarkNotified records
	// that it was, for every key given, in one transaction (the events of
	// one grouped e-mail).
	Notified(ctx context.Context, key string) (bool, error)
	MarkNotified(ctx context.Context, keys ...string) error

	// PurgeNotifications deletes events, sent records and finished
	// webhook deliveries older than cutoff; it returns how many records
	// it deleted.
	PurgeNotifications(ctx context.Context, cutoff time.Time) (int, error)
}

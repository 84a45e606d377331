// Package notify tells people what happened: it reads the events the
// store records (a delivery failed or held, an account needing
// re-authorization, publishing paused or resumed, a feed failing), sends
// each to the people who asked for its kind and dependencia by e-mail and
// to the webhooks that want it as signed JSON, retried with backoff, and
// sends the daily summary.
//
// Its cursor in the events is kept in the store and moves only after an
// event was handled; what was sent is recorded per event and recipient,
// so that a restart neither loses nor repeats a notification.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"pregonero"
	"pregonero/clock"
)

// Store is what the notifier reads and writes.
type Store interface {
	pregonero.NotifyStore
	Users(ctx context.Context) ([]*pregonero.User, error)
	User(ctx context.Context, id string) (*pregonero.User, error)
	Account(ctx context.Context, id string) (*pregonero.Account, error)
	Accounts(ctx context.Context) ([]*pregonero.Account, error)
	Post(ctx context.Context, id string) (*pregonero.Post, error)
	Posts(ctx context.Context, f pregonero.PostFilter) (*pregonero.PostPage, error)
}

// Config configures a Notifier. Store is required.
type Config struct {
	Store Store
	// Mailer sends the e-mail; without one none is sent (webhooks still
	// are).
	Mailer Mailer
	// Client makes the webhook requests (default a new http.Client).
	Client *http.Client
	// Timeout bounds one webhook request (default 10 s).
	Timeout time.Duration
	// Backoff is the wait after each failed webhook attempt (default
	// DefaultBackoff); after the last, the delivery has failed.
	Backoff []time.Duration
	// Poll is how often new events and due webhook retries are looked
	// for (default 5 s): events are few, and a notification a few
	// seconds late is on time.
	Poll     time.Duration
	Clock    clock.Clock
	Logger   *slog.Logger
	Location *time.Location
	// PublicURL is the web interface's base URL, for links to posts.
	PublicURL string
}

// Notifier sends notifications. New, Open to start, Close to stop.
type Notifier struct {
	store     Store
	mailer    Mailer
	client    *http.Client
	timeout   time.Duration
	backoff   []time.Duration
	poll      time.Duration
	clock     clock.Clock
	log       *slog.Logger
	loc       *time.Location
	publicURL string

	cancel context.CancelFunc
	done   chan struct{}
	// mu serializes Process: the loop and a caller (a test, the summary)
	// never handle the same event at once.
	mu sync.Mutex
}

// New returns a Notifier.
func New(cfg Config) (*Notifier, error) {
	if cfg.Store == nil {
		return nil, errors.New("new notifier: nil store")
	}
	n := &Notifier{store: cfg.Store, mailer: cfg.Mailer, client: cfg.Client, timeout: cfg.Timeout,
		backoff: cfg.Backoff, poll: cfg.Poll, clock: cfg.Clock, log: cfg.Logger, loc: cfg.Location,
		publicURL: strings.TrimRight(cfg.PublicURL, "/")}
	if n.client == nil {
		n.client = &http.Client{}
	}
	if n.timeout <= 0 {
		n.timeout = 10 * time.Second
	}
	if len(n.backoff) == 0 {
		n.backoff = DefaultBackoff
	}
	if n.poll <= 0 {
		n.poll = 5 * time.Second
	}
	if n.clock == nil {
		n.clock = clock.Real{}
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	n.log = n.log.With(pregonero.LogComponent, "notify")
	if n.loc == nil {
		loc, err := time.LoadLocation(pregonero.DefaultTimezone)
		if err != nil {
			return nil, fmt.Errorf("new notifier: %w", err)
		}
		n.loc = loc
	}
	return n, nil
}

// Open starts the loop that handles new events and due webhook retries.
func (n *Notifier) Open(ctx context.Context) error {
	if n.done != nil {
		return errors.New("notifier already open")
	}
	ctx, n.cancel = context.WithCancel(context.WithoutCancel(ctx))
	n.done = make(chan struct{})
	go n.run(ctx)
	return nil
}

// Close stops the loop and waits for it; a webhook request in flight is
// abandoned and retried after the next start, as its attempt was never
// recorded.
func (n *Notifier) Close() error {
	if n == nil || n.cancel == nil {
		return nil
	}
	n.cancel()
	<-n.done
	return nil
}

func (n *Notifier) run(ctx context.Context) {
	defer close(n.done)
	defer pregonero.RecoverPanic(n.log, "notifier panicked", nil)
	for {
		if err := n.Process(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("notifications delayed", pregonero.LogErr, err)
		}
		t := n.clock.NewTimer(n.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
	}
}

// Process handles every event after the cursor, then the webhook
// deliveries that are due: what the loop does at each turn. An event
// whose e-mail the server could not take for now stops the turn; the
// cursor stays on it and the next turn tries again (recipients already
// served are not sent it twice).
func (n *Notifier) Process(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.processEvents(ctx); err != nil {
		return err
	}
	return n.processWebhooks(ctx)
}

// recipients are the people and webhooks of a turn.
type recipients struct {
	users    map[string]*pregonero.User
	settings []*pregonero.NotifySettings
	hooks    []*pregonero.Webhook
}

func (n *Notifier) recipients(ctx context.Context) (*recipients, error) {
	us, err := n.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	r := &recipients{users: map[string]*pregonero.User{}}
	for _, u := range us {
		r.users[u.ID] = u
	}
	if r.settings, err = n.store.AllNotifySettings(ctx); err != nil {
		return nil, err
	}
	if r.hooks, err = n.store.Webhooks(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

func (n *Notifier) processEvents(ctx context.Context) error {
	cursor, err := n.store.NotifyCursor(ctx)
	if err != nil {
		return err
	}
	for {
		events, err := n.store.EventsAfter(ctx, cursor, 100)
		if err != nil || len(events) == 0 {
			return err
		}
		r, err := n.recipients(ctx)
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := n.handle(ctx, e, r); err != nil {
				return err
			}
			if err := n.store.SetNotifyCursor(ctx, e.Seq); err != nil {
				return err
			}
			cursor = e.Seq
		}
	}
}

// handle queues the event for its webhooks and mails it to its people.
func (n *Notifier) handle(ctx context.Context, e *pregonero.Event, r *recipients) error {
	var ds []*pregonero.WebhookDelivery
	for _, h := range r.hooks {
		if h.Matches(e) {
			ds = append(ds, &pregonero.WebhookDelivery{ID: pregonero.WebhookDeliveryID(h.ID, e.Seq), WebhookID: h.ID,
				Event: *e, State: pregonero.WebhookPending, NextAttemptAt: n.clock.Now().UTC()})
		}
	}
	if len(ds) > 0 {
		if err := n.store.AddWebhookDeliveries(ctx, ds); err != nil {
			return err
		}
	}
	if n.mailer == nil {
		return nil
	}
	var a *about
	for _, s := range r.settings {
		u := r.users[s.UserID]
		if !s.Matches(e, u) {
			continue
		}
		key := fmt.Sprintf("e/%020d/%s", e.Seq, u.ID)
		if sent, err := n.store.Notified(ctx, key); err != nil {
			return err
		} else if sent {
			continue
		}
		if a == nil {
			a = n.about(ctx, e)
		}
		m := eventMail(e, a, n.loc)
		m.To = []string{s.Email}
		if err := n.mailer.Send(ctx, m); err != nil {
			if !errors.Is(err, ErrPermanent) {
				return fmt.Errorf("mail event %d to %s: %w", e.Seq, u.Username, err)
			}
			// Retrying will not help: the rest go on, and the person
			// is not tried again.
			n.log.Error("notification refused by the mail server", pregonero.LogAccount, e.Account, pregonero.LogErr, err)
		}
		if err := n.store.MarkNotified(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// about looks up what the event concerns; what cannot be found is left
// out of the text.
func (n *Notifier) about(ctx context.Context, e *pregonero.Event) *about {
	a := &about{}
	if e.Account != "" {
		a.account, _ = n.store.Account(ctx, e.Account)
	}
	if e.PostID != "" {
		a.post, _ = n.store.Post(ctx, e.PostID)
		a.postURL = n.postURL(e.PostID)
	}
	return a
}

func (n *Notifier) postURL(id string) string {
	if n.publicURL == "" || id == "" {
		return ""
	}
	return n.publicURL + "/posts/" + id
}

// payload is the JSON body of an event for a webhook.
func (n *Notifier) payload(ctx context.Context, id string, e *pregonero.Event, test bool) ([]byte, error) {
	a := n.about(ctx, e)
	p := Payload{ID: id, Type: string(e.Kind), Event: *e, Test: test, SentAt: n.clock.Now().UTC()}
	if a.account != nil {
		p.Account = &PayloadAccount{ID: a.account.ID, Name: a.account.Name, Network: a.account.Network, Unit: a.account.Unit}
	}
	if a.post != nil {
		p.Post = &PayloadPost{ID: a.post.ID, Text: a.post.Text, ScheduledAt: a.post.ScheduledAt, URL: a.postURL}
	}
	return json.Marshal(p)
}

func (n *Notifier) processWebhooks(ctx context.Context) error {
	due, err := n.store.DueWebhookDeliveries(ctx, n.clock.Now(), 50)
	if err != nil {
		return err
	}
	for _, d := range due {
		h, err := n.store.Webhook(ctx, d.WebhookID)
		if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
			continue // deleted with its deliveries meanwhile
		} else if err != nil {
			return err
		}
		body, err := n.payload(ctx, d.ID, &d.Event, false)
		if err != nil {
			return err
		}
		a := n.post(ctx, h, d.ID, body, d.Event.Kind)
		if ctx.Err() != nil {
			return ctx.Err() // stopping: the attempt did not finish, it is made again after the start
		}
		nd, err := n.store.UpdateWebhookDelivery(ctx, d.ID, func(x *pregonero.WebhookDelivery) error {
			return x.Record(a, n.backoff)
		})
		if err != nil {
			return err
		}
		if nd.State == pregonero.WebhookFailed {
			n.log.Error("webhook delivery failed for good", pregonero.LogURL, h.URL, pregonero.LogCount, len(nd.Attempts), pregonero.LogErr, a.Error)
		} else if !a.OK() {
			n.log.Warn("webhook attempt failed; retrying later", pregonero.LogURL, h.URL, pregonero.LogStatus, a.Status,
				pregonero.LogErr, a.Error, pregonero.LogAt, nd.NextAttemptAt)
		}
	}
	return nil
}

// TestWebhook sends a test event to the webhook at once and returns how
// it went; the attempt is not recorded as a delivery.
func (n *Notifier) TestWebhook(ctx context.Context, h *pregonero.Webhook) pregonero.WebhookAttempt {
	e := &pregonero.Event{Kind: "test", At: n.clock.Now().UTC(), Message: "Prueba de Pregonero: este webhook recibe los avisos."}
	id := h.ID + ":test"
	body, err := n.payload(ctx, id, e, true)
	if err != nil {
		return pregonero.WebhookAttempt{At: e.At, Error: err.Error()}
	}
	return n.post(ctx, h, id, body, e.Kind)
}

// TestEmail sends a test e-mail to the address.
func (n *Notifier) TestEmail(ctx context.Context, to string) error {
	if n.mailer == nil {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "No mail server is configured (notifications.smtp.host).")
	}
	m := &Message{To: []string{to}, Subject: "[Pregonero] Prueba de notificaciones",
		Text: "Este es un correo de prueba de Pregonero: los avisos que elija en Notificaciones llegarán a esta dirección.\n" + footer}
	if err := n.mailer.Send(ctx, m); err != nil {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "The mail server did not take the test e-mail: %v", err)
	}
	return nil
}

// Purge deletes events, sent records and finished webhook deliveries
// older than retention.
func (n *Notifier) Purge(ctx context.Context, retention time.Duration) (int, error) {
	return n.store.PurgeNotifications(ctx, n.clock.Now().Add(-retention))
}

// units returns the dependencias of the accounts, by account id.
func (n *Notifier) units(ctx context.Context) (map[string]*pregonero.Account, error) {
	as, err := n.store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*pregonero.Account, len(as))
	for _, a := range as {
		out[a.ID] = a
	}
	return out, nil
}

// wantsUnit reports whether a summary line about these dependencias is
// for the person with these settings.
func wantsUnit(s *pregonero.NotifySettings, u *pregonero.User, units []string) bool {
	for _, unit := range units {
		if u.SeesUnit(unit) && (len(s.Units) == 0 || unit == "" || slices.Contains(s.Units, unit)) {
			return true
		}
	}
	return false
}

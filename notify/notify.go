// Package notify tells people what happened: it reads the events the
// store records (a delivery failed or held, an account needing
// re-authorization, publishing paused or resumed, a feed failing), sends
// each to the people who asked for its kind and dependencia by e-mail and
// to the webhooks that want it as signed JSON, retried with backoff, and
// sends the daily summary.
//
// The store wakes it after every commit that records an event. Its
// cursor in the events is kept in the store and moves only after an
// event was handled; what was sent is recorded per event and recipient,
// so that a restart neither loses nor repeats a notification. A person
// gets at most one e-mail per Config.Group (a minute): what happens
// meanwhile waits, behind the cursor, and goes in one e-mail.
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
	// Poll is the safety net (default 1 min): the store wakes the
	// notifier after every commit that recorded an event (OnEvent), and
	// the loop's timer is armed for the next webhook retry and the next
	// grouped e-mail; the poll only catches what a lost wake-up missed.
	Poll time.Duration
	// Group is the least time between two e-mails to one person
	// (default 1 min): the first event reaches them at once, and what
	// happens in the minute after it comes in one e-mail at its end, so
	// that a fault failing 500 deliveries makes a few e-mails, not 500.
	Group    time.Duration
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
	group     time.Duration
	clock     clock.Clock
	log       *slog.Logger
	loc       *time.Location
	publicURL string

	cancel context.CancelFunc
	done   chan struct{}
	// wake is signalled by the store after a commit that recorded events.
	wake chan struct{}
	// mu serializes Process: the loop and a caller (a test, the summary)
	// never handle the same event at once. It guards the fields below.
	mu sync.Mutex
	// hooked is the last event whose webhook deliveries were made: the
	// events the cursor stays behind for a grouped e-mail are read again,
	// and need no second write (after a restart the write is made again,
	// and is idempotent).
	hooked uint64
	// lastMail is when each person (by user id) was last sent an event's
	// e-mail; a restart forgets it, and the first e-mail after it goes at
	// once.
	lastMail map[string]time.Time
	// held is when the earliest e-mail held back by Group may go.
	held time.Time
}

// New returns a Notifier.
func New(cfg Config) (*Notifier, error) {
	if cfg.Store == nil {
		return nil, errors.New("new notifier: nil store")
	}
	n := &Notifier{store: cfg.Store, mailer: cfg.Mailer, client: cfg.Client, timeout: cfg.Timeout,
		backoff: cfg.Backoff, poll: cfg.Poll, group: cfg.Group, clock: cfg.Clock, log: cfg.Logger, loc: cfg.Location,
		publicURL: strings.TrimRight(cfg.PublicURL, "/"), wake: make(chan struct{}, 1), lastMail: map[string]time.Time{}}
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
		n.poll = time.Minute
	}
	if n.group <= 0 {
		n.group = time.Minute
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

// Open starts the loop that handles new events and due webhook retries,
// woken by the store after every commit that records an event.
func (n *Notifier) Open(ctx context.Context) error {
	if n.done != nil {
		return errors.New("notifier already open")
	}
	ctx, n.cancel = context.WithCancel(context.WithoutCancel(ctx))
	n.done = make(chan struct{})
	n.store.OnEvent(n.signal)
	go n.run(ctx)
	return nil
}

// signal wakes the loop; it never blocks the store's committer.
func (n *Notifier) signal() {
	select {
	case n.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// Close stops the loop and waits for it; a webhook request in flight is
// abandoned and retried after the next start, as its attempt was never
// recorded.
func (n *Notifier) Close() error {
	if n == nil || n.cancel == nil {
		return nil
	}
	n.store.OnEvent(nil)
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
		t := n.clock.NewTimer(n.nextTurn(ctx))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-n.wake:
			t.Stop()
		case <-t.C():
		}
	}
}

// nextTurn is how long the loop may sleep: until the next webhook retry
// or held e-mail, and no longer than the safety poll.
func (n *Notifier) nextTurn(ctx context.Context) time.Duration {
	now := n.clock.Now()
	next := now.Add(n.poll)
	n.mu.Lock()
	if !n.held.IsZero() && n.held.Before(next) {
		next = n.held
	}
	n.mu.Unlock()
	if ds, err := n.store.DueWebhookDeliveries(ctx, next, 1); err == nil && len(ds) == 1 && ds[0].NextAttemptAt.Before(next) {
		next = ds[0].NextAttemptAt
	}
	return max(next.Sub(now), 0)
}

// Process handles every event after the cursor, then the webhook
// deliveries that are due: what the loop does at each turn. An event
// whose e-mail the server could not take for now stops the e-mail of
// the turn; the cursor stays on it and the next turn tries again
// (recipients already served are not sent it twice). The webhooks go on
// whatever the mail server does.
func (n *Notifier) Process(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	err := n.processEvents(ctx)
	return errors.Join(err, n.processWebhooks(ctx))
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

// inbox is what one person is to be told at a turn.
type inbox struct {
	settings *pregonero.NotifySettings
	user     *pregonero.User
	events   []*pregonero.Event
}

// processEvents reads every event after the cursor: it queues each for
// its webhooks, and gathers for each person the events they chose and
// were not sent yet, which go in one e-mail, unless the person had one
// less than Group ago: those wait for the next turn, and the cursor
// stays before the first of them (the record of what was sent keeps the
// others from going twice).
func (n *Notifier) processEvents(ctx context.Context) error {
	cursor, err := n.store.NotifyCursor(ctx)
	if err != nil {
		return err
	}
	var (
		r      *recipients
		boxes  = map[string]*inbox{}
		order  []string
		last   = cursor
		events []*pregonero.Event
	)
	for {
		if events, err = n.store.EventsAfter(ctx, last, 100); err != nil || len(events) == 0 {
			break
		}
		if r == nil {
			if r, err = n.recipients(ctx); err != nil {
				return err
			}
		}
		for _, e := range events {
			if e.Seq > n.hooked {
				if err := n.hook(ctx, e, r); err != nil {
					return err
				}
				n.hooked = e.Seq
			}
			if err := n.gather(ctx, e, r, boxes, &order); err != nil {
				return err
			}
			last = e.Seq
		}
	}
	if err != nil {
		return err
	}
	now := n.clock.Now()
	var hold uint64 // the first event still waiting for a person's next e-mail
	n.held = time.Time{}
	for _, id := range order {
		b := boxes[id]
		if at, ok := n.lastMail[id]; ok && now.Before(at.Add(n.group)) {
			if hold == 0 || b.events[0].Seq < hold {
				hold = b.events[0].Seq
			}
			if n.held.IsZero() || at.Add(n.group).Before(n.held) {
				n.held = at.Add(n.group)
			}
			continue
		}
		if err := n.mail(ctx, b); err != nil {
			return err
		}
		n.lastMail[id] = now
	}
	if hold > 0 {
		last = hold - 1
	}
	if last > cursor {
		return n.store.SetNotifyCursor(ctx, last)
	}
	return nil
}

// hook queues the event for the webhooks that want it.
func (n *Notifier) hook(ctx context.Context, e *pregonero.Event, r *recipients) error {
	var ds []*pregonero.WebhookDelivery
	for _, h := range r.hooks {
		if h.Matches(e) {
			ds = append(ds, &pregonero.WebhookDelivery{ID: pregonero.WebhookDeliveryID(h.ID, e.Seq), WebhookID: h.ID,
				Event: *e, State: pregonero.WebhookPending, NextAttemptAt: n.clock.Now().UTC()})
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return n.store.AddWebhookDeliveries(ctx, ds)
}

// notifiedKey is the key of the record that an event's e-mail was sent
// to a person.
func notifiedKey(seq uint64, userID string) string { return fmt.Sprintf("e/%020d/%s", seq, userID) }

// gather adds the event to the inbox of each person who chose it and was
// not sent it yet.
func (n *Notifier) gather(ctx context.Context, e *pregonero.Event, r *recipients, boxes map[string]*inbox, order *[]string) error {
	if n.mailer == nil {
		return nil
	}
	for _, s := range r.settings {
		u := r.users[s.UserID]
		if !s.Matches(e, u) {
			continue
		}
		if sent, err := n.store.Notified(ctx, notifiedKey(e.Seq, u.ID)); err != nil {
			return err
		} else if sent {
			continue
		}
		b := boxes[u.ID]
		if b == nil {
			b = &inbox{settings: s, user: u}
			boxes[u.ID] = b
			*order = append(*order, u.ID)
		}
		b.events = append(b.events, e)
	}
	return nil
}

// mail sends a person their events, one e-mail for all, and records
// them sent. A refusal for good is logged and recorded as sent too:
// trying again would not help.
func (n *Notifier) mail(ctx context.Context, b *inbox) error {
	abouts := make([]*about, len(b.events))
	for i, e := range b.events {
		abouts[i] = n.about(ctx, e)
	}
	var m *Message
	if len(b.events) == 1 {
		m = eventMail(b.events[0], abouts[0], n.loc)
	} else {
		m = groupMail(b.events, abouts, n.loc)
	}
	m.To = []string{b.settings.Email}
	if err := n.mailer.Send(ctx, m); err != nil {
		if !errors.Is(err, ErrPermanent) {
			return fmt.Errorf("mail %d events to %s: %w", len(b.events), b.user.Username, err)
		}
		n.log.Error("notification refused by the mail server", pregonero.LogCount, len(b.events), pregonero.LogErr, err)
	}
	keys := make([]string, len(b.events))
	for i, e := range b.events {
		keys[i] = notifiedKey(e.Seq, b.user.ID)
	}
	return n.store.MarkNotified(ctx, keys...)
}

// about looks up what the event concerns; what cannot be found is left
// out of the text.
func (n *Notifier) about(ctx context.Context, e *pregonero.Event) *about {
	a := &about{}
	if e.Feed != "" {
		if fs, ok := n.store.(pregonero.FeedStore); ok {
			a.feed, _ = fs.Feed(ctx, e.Feed)
		}
	}
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

// webhooksAtOnce is how many webhooks are sent to side by side.
const webhooksAtOnce = 8

// processWebhooks sends the webhook deliveries that are due. The
// deliveries of one webhook go one at a time, in order; different
// webhooks go side by side, so that a receiver that is slow or down (each
// attempt may take the whole timeout) delays only its own.
func (n *Notifier) processWebhooks(ctx context.Context) error {
	due, err := n.store.DueWebhookDeliveries(ctx, n.clock.Now(), 50)
	if err != nil {
		return err
	}
	var hooks []string
	byHook := map[string][]*pregonero.WebhookDelivery{}
	for _, d := range due {
		if _, ok := byHook[d.WebhookID]; !ok {
			hooks = append(hooks, d.WebhookID)
		}
		byHook[d.WebhookID] = append(byHook[d.WebhookID], d)
	}
	errs := make([]error, len(hooks))
	sem := make(chan struct{}, webhooksAtOnce)
	var wg sync.WaitGroup
	for i, id := range hooks {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = n.sendWebhook(ctx, id, byHook[id])
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sendWebhook sends one webhook's due deliveries, in order.
func (n *Notifier) sendWebhook(ctx context.Context, id string, due []*pregonero.WebhookDelivery) error {
	h, err := n.store.Webhook(ctx, id)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return nil // deleted with its deliveries meanwhile
	} else if err != nil {
		return err
	}
	for _, d := range due {
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
			// The webhook's id, not its URL: a receiver's URL may carry
			// its own secret (a chat service's incoming-hook token).
			n.log.Error("webhook delivery failed for good", pregonero.LogWebhook, h.ID, pregonero.LogCount, len(nd.Attempts), pregonero.LogErr, a.Error)
		} else if !a.OK() {
			n.log.Warn("webhook attempt failed; retrying later", pregonero.LogWebhook, h.ID, pregonero.LogStatus, a.Status,
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
	return slices.ContainsFunc(units, func(unit string) bool { return s.WantsUnit(u, unit) })
}

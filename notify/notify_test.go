package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/sandbox"
	"pregonero/clock"
	"pregonero/notify"
	"pregonero/store"
)

var t0 = time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC) // 09:00 in Bogotá

type env struct {
	t     *testing.T
	ctx   context.Context
	clock *clock.Fake
	path  string
	db    *store.DB
	sink  *sandbox.MailSink
	smtp  *notify.SMTP
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: clock.NewFake(t0), path: filepath.Join(t.TempDir(), "p.db")}
	e.open()
	t.Cleanup(func() { _ = e.db.Close() })
	e.sink = sandbox.NewMailSink(e.clock.Now, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.sink.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sink Serve = %v", err)
		}
	})
	e.smtp = &notify.SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "Pregonero <pregonero@localhost>",
		StartTLS: notify.StartTLSOpportunistic, Now: e.clock.Now}
	for _, a := range []*pregonero.Account{
		{ID: "x-salud", Name: "Salud Antioquia", Network: pregonero.NetworkX, Unit: "salud", Status: pregonero.AccountActive},
		{ID: "fb-edu", Name: "Educación Antioquia", Network: pregonero.NetworkFacebook, Unit: "educacion", Status: pregonero.AccountActive},
	} {
		if err := e.db.PutAccount(e.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []*pregonero.User{
		{ID: "u_admin", Username: "admin", Role: pregonero.RoleAdmin, CreatedAt: t0, UpdatedAt: t0},
		{ID: "u_ed", Username: "editora", Role: pregonero.RoleEditor, Units: []string{"salud"}, CreatedAt: t0, UpdatedAt: t0},
	} {
		if err := e.db.CreateUser(e.ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) open() {
	db, err := store.Open(e.path, store.WithNow(e.clock.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
}

func (e *env) notifier(cfg notify.Config) *notify.Notifier {
	e.t.Helper()
	cfg.Store, cfg.Clock, cfg.PublicURL = e.db, e.clock, "https://pregonero.antioquia.gov.co"
	if cfg.Mailer == nil {
		cfg.Mailer = e.smtp
	}
	n, err := notify.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) settings(s *pregonero.NotifySettings) {
	e.t.Helper()
	if err := e.db.PutNotifySettings(e.ctx, s); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) event(ev *pregonero.Event) {
	e.t.Helper()
	if err := e.db.AddEvent(e.ctx, ev); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) process(n *notify.Notifier) {
	e.t.Helper()
	if err := n.Process(e.ctx); err != nil {
		e.t.Fatalf("Process = %v", err)
	}
}

func subjects(ms []sandbox.MailMessage) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.To[0]+" "+m.Subject)
	}
	return out
}

func failed(account, unit string) *pregonero.Event {
	return &pregonero.Event{Kind: pregonero.EventDeliveryFailed, Account: account, Unit: unit, PostID: "p_1", Reason: "duplicate", Message: "X rechazó un duplicado."}
}

func TestEmail(t *testing.T) {
	t.Run("a failure reaches by e-mail, in Spanish, whoever chose its kind and dependencia", func(t *testing.T) {
		e := newEnv(t)
		e.settings(&pregonero.NotifySettings{UserID: "u_admin", Email: "admin@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}})
		e.settings(&pregonero.NotifySettings{UserID: "u_ed", Email: "ed@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed, pregonero.EventPaused}})
		n := e.notifier(notify.Config{})
		for _, ev := range []*pregonero.Event{failed("x-salud", "salud"), failed("fb-edu", "educacion"),
			{Kind: pregonero.EventNeedsReauth, Account: "x-salud", Unit: "salud"}, {Kind: pregonero.EventPaused, Message: "duelo"}} {
			e.event(ev)
			e.process(n)
			e.clock.Advance(time.Minute) // past the grouping of e-mails
		}
		got := subjects(e.sink.Messages())
		want := []string{
			"admin@antioquia.gov.co [Pregonero] Falló una publicación en Salud Antioquia (X, x-salud)",
			"ed@antioquia.gov.co [Pregonero] Falló una publicación en Salud Antioquia (X, x-salud)",
			"admin@antioquia.gov.co [Pregonero] Falló una publicación en Educación Antioquia (Facebook, fb-edu)",
			"ed@antioquia.gov.co [Pregonero] Se pausó toda la publicación",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("mail:\ngot  %q\nwant %q", got, want)
		}
		m := e.sink.Messages()[0]
		for _, s := range []string{"Error: X rechazó un duplicado. (código duplicate)", "Dependencia: salud", "Cuándo: 07/12/2026 09:00",
			"Ver la publicación: https://pregonero.antioquia.gov.co/posts/p_1"} {
			if !strings.Contains(m.Text, s) {
				t.Errorf("text lacks %q:\n%s", s, m.Text)
			}
		}
	})
	t.Run("a person who chose one dependencia hears of that one only", func(t *testing.T) {
		e := newEnv(t)
		e.settings(&pregonero.NotifySettings{UserID: "u_admin", Email: "admin@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}, Units: []string{"educacion"}})
		e.event(failed("x-salud", "salud"))
		e.event(failed("fb-edu", "educacion"))
		e.process(e.notifier(notify.Config{}))
		if got := len(e.sink.Messages()); got != 1 || !strings.Contains(e.sink.Messages()[0].Subject, "fb-edu") {
			t.Errorf("mail = %q, want only fb-edu's", subjects(e.sink.Messages()))
		}
	})
	t.Run("a restart neither repeats nor loses a notification", func(t *testing.T) {
		e := newEnv(t)
		e.settings(&pregonero.NotifySettings{UserID: "u_admin", Email: "admin@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}})
		e.event(failed("x-salud", "salud"))
		e.process(e.notifier(notify.Config{}))
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
		e.open()
		e.event(failed("fb-edu", "educacion"))
		e.process(e.notifier(notify.Config{}))
		if got := len(e.sink.Messages()); got != 2 {
			t.Errorf("messages = %q, want one per event", subjects(e.sink.Messages()))
		}
	})
	t.Run("a mail server down keeps the event until it comes back; those served are not sent it twice", func(t *testing.T) {
		e := newEnv(t)
		e.settings(&pregonero.NotifySettings{UserID: "u_admin", Email: "admin@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}})
		e.settings(&pregonero.NotifySettings{UserID: "u_ed", Email: "ed@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}})
		e.event(failed("x-salud", "salud"))
		flaky := &flakyMailer{next: e.smtp, failAfter: 1}
		n := e.notifier(notify.Config{Mailer: flaky})
		if err := n.Process(e.ctx); err == nil {
			t.Fatal("Process with the server down = nil, want an error")
		}
		flaky.setFailAfter(-1)
		e.process(n)
		if got := subjects(e.sink.Messages()); len(got) != 2 {
			t.Errorf("messages = %q, want one each", got)
		}
	})
}

func TestGrouping(t *testing.T) {
	admin := &pregonero.NotifySettings{UserID: "u_admin", Email: "admin@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed, pregonero.EventPaused}}
	storm := func(e *env, n int) {
		e.t.Helper()
		for range n {
			e.event(failed("x-salud", "salud"))
		}
	}
	t.Run("a storm of 500 failures makes two e-mails: the first at once, the rest together a minute later", func(t *testing.T) {
		e := newEnv(t)
		e.settings(admin)
		n := e.notifier(notify.Config{})
		storm(e, 1)
		e.process(n)
		storm(e, 499)
		e.process(n)
		e.clock.Advance(59 * time.Second)
		e.process(n)
		if got := subjects(e.sink.Messages()); len(got) != 1 {
			t.Fatalf("messages before the minute = %q, want the first alone", got)
		}
		e.clock.Advance(time.Second)
		e.process(n)
		got := subjects(e.sink.Messages())
		want := "admin@antioquia.gov.co [Pregonero] 499 avisos: Una publicación falló (499)"
		if len(got) != 2 || got[1] != want {
			t.Fatalf("messages = %q, want the first and then %q", got, want)
		}
		text := e.sink.Messages()[1].Text
		for _, s := range []string{"Ocurrieron 499 cosas", "1. Falló una publicación en Salud Antioquia (X, x-salud)", "Error: X rechazó un duplicado.", "499. "} {
			if !strings.Contains(text, s) {
				t.Errorf("text lacks %q", s)
			}
		}
		e.clock.Advance(time.Hour)
		e.process(n)
		if got := len(e.sink.Messages()); got != 2 {
			t.Errorf("messages after another turn = %d, want still 2", got)
		}
	})
	t.Run("events of different kinds in one turn go in one e-mail that counts each kind", func(t *testing.T) {
		e := newEnv(t)
		e.settings(admin)
		storm(e, 2)
		e.event(&pregonero.Event{Kind: pregonero.EventPaused, Message: "duelo"})
		e.process(e.notifier(notify.Config{}))
		got := subjects(e.sink.Messages())
		if want := "admin@antioquia.gov.co [Pregonero] 3 avisos: Una publicación falló (2), Publicación en pausa (1)"; len(got) != 1 || got[0] != want {
			t.Errorf("messages = %q, want %q", got, want)
		}
	})
	t.Run("events held for the next e-mail survive a restart", func(t *testing.T) {
		e := newEnv(t)
		e.settings(admin)
		n := e.notifier(notify.Config{})
		storm(e, 1)
		e.process(n)
		storm(e, 3)
		e.process(n)
		if got := len(e.sink.Messages()); got != 1 {
			t.Fatalf("messages = %d, want 1: the three are held", got)
		}
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
		e.open()
		e.process(e.notifier(notify.Config{}))
		got := subjects(e.sink.Messages())
		if len(got) != 2 || !strings.Contains(got[1], "3 avisos") {
			t.Errorf("messages = %q, want the first and then the three together", got)
		}
		storm(e, 1)
		e.process(e.notifier(notify.Config{}))
		e.process(e.notifier(notify.Config{})) // a second notifier: nothing is left to send
		if got := len(e.sink.Messages()); got != 3 {
			t.Errorf("messages = %d, want 3: each event once", got)
		}
	})
	t.Run("a person's held e-mail does not hold another's, nor the webhooks", func(t *testing.T) {
		e := newEnv(t)
		e.settings(admin)
		rcv := &receiver{}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		if err := e.db.PutWebhook(e.ctx, &pregonero.Webhook{ID: "wh_1", URL: srv.URL, Secret: "s", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}}); err != nil {
			t.Fatal(err)
		}
		n := e.notifier(notify.Config{})
		storm(e, 1)
		e.process(n)
		storm(e, 1)
		e.settings(&pregonero.NotifySettings{UserID: "u_ed", Email: "ed@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}})
		e.process(n)
		got := subjects(e.sink.Messages())
		if len(got) != 2 || !strings.HasPrefix(got[1], "ed@") {
			t.Errorf("messages = %q, want admin's first, then ed's at once", got)
		}
		e.process(n)
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		if got := len(rcv.bodies); got != 2 {
			t.Errorf("webhook requests = %d, want one per event", got)
		}
	})
}

func TestMailDownWebhooksGoOn(t *testing.T) {
	e := newEnv(t)
	e.settings(&pregonero.NotifySettings{UserID: "u_admin", Email: "admin@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}})
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	if err := e.db.PutWebhook(e.ctx, &pregonero.Webhook{ID: "wh_1", URL: srv.URL, Secret: "s", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}}); err != nil {
		t.Fatal(err)
	}
	e.event(failed("x-salud", "salud"))
	n := e.notifier(notify.Config{Mailer: &flakyMailer{next: e.smtp, failAfter: 0}})
	if err := n.Process(e.ctx); err == nil {
		t.Error("Process with the mail server down = nil, want its error")
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if got := len(rcv.bodies); got != 1 {
		t.Errorf("webhook requests with the mail server down = %d, want 1", got)
	}
}

// flakyMailer lets failAfter sends through, then fails (-1: never).
type flakyMailer struct {
	mu        sync.Mutex
	next      notify.Mailer
	failAfter int
	sent      int
}

func (f *flakyMailer) setFailAfter(n int) { f.mu.Lock(); f.failAfter, f.sent = n, 0; f.mu.Unlock() }

func (f *flakyMailer) Send(ctx context.Context, m *notify.Message) error {
	f.mu.Lock()
	fail := f.failAfter >= 0 && f.sent >= f.failAfter
	f.sent++
	f.mu.Unlock()
	if fail {
		return errors.New("connection refused")
	}
	return f.next.Send(ctx, m)
}

// receiver is a webhook receiver that answers the statuses given, then 200.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []http.Header
	bodies   [][]byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, req.Header.Clone())
	r.bodies = append(r.bodies, b)
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

func TestWebhooks(t *testing.T) {
	e := newEnv(t)
	rcv := &receiver{statuses: []int{500, 503}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	h := &pregonero.Webhook{ID: "wh_1", URL: srv.URL, Secret: "s3cret", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}, Units: []string{"salud"}}
	if err := e.db.PutWebhook(e.ctx, h); err != nil {
		t.Fatal(err)
	}
	e.event(failed("x-salud", "salud"))
	e.event(failed("fb-edu", "educacion"))
	n := e.notifier(notify.Config{Backoff: []time.Duration{time.Minute, 5 * time.Minute}})
	e.process(n)
	t.Run("a failed attempt is recorded and retried after its backoff, not before", func(t *testing.T) {
		ds, _ := e.db.WebhookDeliveries(e.ctx, "wh_1", 0)
		if len(ds) != 1 || ds[0].State != pregonero.WebhookPending || len(ds[0].Attempts) != 1 || ds[0].Attempts[0].Status != 500 {
			t.Fatalf("deliveries = %+v, want one pending after a 500", ds)
		}
		e.clock.Advance(59 * time.Second)
		e.process(n)
		if got := len(rcv.bodies); got != 1 {
			t.Errorf("requests before the backoff = %d, want 1", got)
		}
		e.clock.Advance(time.Second)
		e.process(n)
		e.clock.Advance(5 * time.Minute)
		e.process(n)
		ds, _ = e.db.WebhookDeliveries(e.ctx, "wh_1", 0)
		if ds[0].State != pregonero.WebhookDelivered || len(ds[0].Attempts) != 3 {
			t.Errorf("delivery = %+v, want delivered at the third attempt", ds[0])
		}
	})
	t.Run("every request is signed over its timestamp and body", func(t *testing.T) {
		for i, b := range rcv.bodies {
			if err := notify.Verify("s3cret", rcv.got[i].Get(notify.SignatureHeader), b, e.clock.Now(), time.Hour); err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			if err := notify.Verify("other", rcv.got[i].Get(notify.SignatureHeader), b, e.clock.Now(), time.Hour); err == nil {
				t.Errorf("request %d verifies with another secret", i)
			}
		}
		var p notify.Payload
		if err := json.Unmarshal(rcv.bodies[0], &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != "delivery_failed" || p.Account == nil || p.Account.Unit != "salud" || p.Event.Account != "x-salud" || p.ID != rcv.got[0].Get(notify.DeliveryHeader) {
			t.Errorf("payload = %+v", p)
		}
	})
	t.Run("attempts run out and the delivery fails", func(t *testing.T) {
		rcv.mu.Lock()
		rcv.statuses = []int{500, 500, 500}
		rcv.mu.Unlock()
		e.event(failed("x-salud", "salud"))
		e.process(n)
		e.clock.Advance(time.Minute)
		e.process(n)
		e.clock.Advance(5 * time.Minute)
		e.process(n)
		ds, _ := e.db.WebhookDeliveries(e.ctx, "wh_1", 1)
		if ds[0].State != pregonero.WebhookFailed || len(ds[0].Attempts) != 3 {
			t.Errorf("delivery = %+v, want failed after 3 attempts", ds[0])
		}
	})
	t.Run("a pending retry survives a restart", func(t *testing.T) {
		rcv.mu.Lock()
		rcv.statuses = []int{502}
		rcv.mu.Unlock()
		e.event(failed("x-salud", "salud"))
		e.process(n)
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
		e.open()
		n2 := e.notifier(notify.Config{Backoff: []time.Duration{time.Minute, 5 * time.Minute}})
		e.process(n2)
		e.clock.Advance(time.Minute)
		e.process(n2)
		ds, _ := e.db.WebhookDeliveries(e.ctx, "wh_1", 1)
		if ds[0].State != pregonero.WebhookDelivered || len(ds[0].Attempts) != 2 {
			t.Errorf("delivery = %+v, want delivered at the second attempt", ds[0])
		}
	})
}

func TestSignature(t *testing.T) {
	body := []byte(`{"type":"delivery_failed"}`)
	at := time.Unix(1796652000, 0)
	h := notify.Sign("k", at, body)
	if !strings.HasPrefix(h, "t=1796652000,v1=") {
		t.Errorf("header = %q", h)
	}
	for name, c := range map[string]struct {
		body []byte
		now  time.Time
		ok   bool
	}{
		"the same body in time verifies":    {body, at.Add(time.Minute), true},
		"a changed body does not verify":    {[]byte(`{"type":"x"}`), at, false},
		"a replay too late does not verify": {body, at.Add(time.Hour), false},
	} {
		t.Run(name, func(t *testing.T) {
			err := notify.Verify("k", h, c.body, c.now, 5*time.Minute)
			if (err == nil) != c.ok {
				t.Errorf("Verify = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func TestDailySummary(t *testing.T) {
	e := newEnv(t)
	e.settings(&pregonero.NotifySettings{UserID: "u_ed", Email: "ed@antioquia.gov.co", DailySummary: true})
	e.settings(&pregonero.NotifySettings{UserID: "u_admin", Email: "admin@antioquia.gov.co", DailySummary: false})
	today := time.Date(2026, 12, 7, 17, 30, 0, 0, time.UTC) // 12:30 in Bogotá
	for _, p := range []*pregonero.Post{
		{ID: "p_salud", Text: "Jornada de vacunación", Targets: []string{"x-salud"}, ScheduledAt: today},
		{ID: "p_edu", Text: "Matrículas abiertas", Targets: []string{"fb-edu"}, ScheduledAt: today},
	} {
		p.CreatedAt, p.UpdatedAt = t0, t0
		p.Deliveries = []*pregonero.Delivery{{ID: p.ID + "-d", PostID: p.ID, AccountID: p.Targets[0], State: pregonero.DeliveryQueued, ScheduledAt: today, NextAttemptAt: today}}
		if err := e.db.CreatePosts(e.ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	e.event(&pregonero.Event{Kind: pregonero.EventDeliveryFailed, Account: "x-salud", Unit: "salud", At: t0.Add(-20 * time.Hour), Message: "caída"})
	e.event(&pregonero.Event{Kind: pregonero.EventDeliveryFailed, Account: "x-salud", Unit: "salud", At: t0.Add(-50 * time.Hour), Message: "antes de ayer"})
	n := e.notifier(notify.Config{})
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) // 07:00 in Bogotá
	sent, err := n.DailySummary(e.ctx, at)
	if err != nil || sent != 1 {
		t.Fatalf("DailySummary = %d, %v; want 1", sent, err)
	}
	m := e.sink.Messages()[0]
	t.Run("the summary lists today's posts of the person's dependencias and yesterday's failures", func(t *testing.T) {
		for _, s := range []string{"Resumen del lunes 7 de diciembre de 2026", "12:30  Salud Antioquia  Jornada de vacunación", "Falló ayer (1)", "caída"} {
			if !strings.Contains(m.Text, s) {
				t.Errorf("summary lacks %q:\n%s", s, m.Text)
			}
		}
		if strings.Contains(m.Text, "Matrículas") || strings.Contains(m.Text, "antes de ayer") {
			t.Errorf("summary has another dependencia's post or an older failure:\n%s", m.Text)
		}
	})
	t.Run("it is sent once a day", func(t *testing.T) {
		if sent, err := n.DailySummary(e.ctx, at.Add(time.Hour)); err != nil || sent != 0 {
			t.Errorf("second DailySummary = %d, %v; want 0", sent, err)
		}
	})
}

func TestSMTPSecurity(t *testing.T) {
	e := newEnv(t)
	msg := &notify.Message{To: []string{"a@antioquia.gov.co"}, Subject: "Prueba ñandú", Text: "hola"}
	t.Run("starttls required refuses a server that does not offer it", func(t *testing.T) {
		s := *e.smtp
		s.StartTLS = notify.StartTLSRequired
		if err := s.Send(e.ctx, msg); !errors.Is(err, notify.ErrPermanent) {
			t.Errorf("Send = %v, want ErrPermanent", err)
		}
	})
	t.Run("a password is never sent without TLS", func(t *testing.T) {
		s := *e.smtp
		s.Username, s.Password = "pregonero", "secreto"
		if err := s.Send(e.ctx, msg); !errors.Is(err, notify.ErrPermanent) {
			t.Errorf("Send = %v, want ErrPermanent", err)
		}
		if got := len(e.sink.Messages()); got != 0 {
			t.Errorf("messages = %d, want 0", got)
		}
	})
	t.Run("the UTF-8 subject arrives decoded", func(t *testing.T) {
		if err := e.smtp.Send(e.ctx, msg); err != nil {
			t.Fatal(err)
		}
		if got := e.sink.Messages()[0].Subject; got != "Prueba ñandú" {
			t.Errorf("subject = %q", got)
		}
	})
}

// chanMailer hands each message to a channel after sending it.
type chanMailer struct {
	next notify.Mailer
	sent chan *notify.Message
}

func (c *chanMailer) Send(ctx context.Context, m *notify.Message) error {
	err := c.next.Send(ctx, m)
	c.sent <- m
	return err
}

func TestLoop(t *testing.T) {
	e := newEnv(t)
	e.settings(&pregonero.NotifySettings{UserID: "u_admin", Email: "admin@antioquia.gov.co", Events: []pregonero.EventKind{pregonero.EventNeedsReauth}})
	mailer := &chanMailer{next: e.smtp, sent: make(chan *notify.Message, 10)}
	// The fake clock never moves: only the store's wake-up can start a
	// turn after the first.
	n := e.notifier(notify.Config{Mailer: mailer, Poll: time.Hour})
	if err := n.Open(e.ctx); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	t.Run("an open notifier is woken by the event's commit", func(t *testing.T) {
		e.event(&pregonero.Event{Kind: pregonero.EventNeedsReauth, Account: "x-salud", Unit: "salud"})
		select {
		case m := <-mailer.sent:
			if !strings.Contains(m.Subject, "necesita autorización de nuevo") {
				t.Errorf("subject = %q", m.Subject)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no mail 10 s after the event, with the clock stopped")
		}
	})
	t.Run("an e-mail held by the grouping goes when its minute is over", func(t *testing.T) {
		e.event(&pregonero.Event{Kind: pregonero.EventNeedsReauth, Account: "fb-edu", Unit: "educacion"})
		deadline := time.Now().Add(10 * time.Second)
		for {
			// The turn the event woke holds it and arms the timer for the
			// end of the minute; advancing the clock fires it.
			e.clock.Advance(10 * time.Second)
			select {
			case m := <-mailer.sent:
				if !strings.Contains(m.Subject, "fb-edu") {
					t.Errorf("subject = %q", m.Subject)
				}
				if got := e.clock.Now().Sub(t0); got < time.Minute {
					t.Errorf("sent %s after the first, want a minute or more", got)
				}
				return
			case <-time.After(10 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatal("no mail 10 s after the event")
			}
		}
	})
	if err := n.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}

func TestFormat(t *testing.T) {
	subject := "[Pregonero] Falló una publicación en Secretaría de Infraestructura Física de Antioquia (Facebook, fb-infraestructura)"
	text := ".Empieza con punto\n" + strings.Repeat("ñandú ", 300) + "\n.\nfin"
	raw := notify.Format(&notify.Message{To: []string{"Ana Pérez <ana@antioquia.gov.co>"}, Subject: subject, Text: text},
		"Gobernación de Antioquia <pregonero@antioquia.gov.co>", t0)
	t.Run("every line ends in CRLF and keeps within 78 octets", func(t *testing.T) {
		lines := strings.Split(string(raw), "\r\n")
		for i, l := range lines {
			if strings.Contains(l, "\n") {
				t.Errorf("line %d has a bare LF: %q", i+1, l)
			}
			if len(l) > 78 {
				t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
			}
		}
	})
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the headers a reader needs are there, names and subject encoded", func(t *testing.T) {
		var dec mime.WordDecoder
		if got, err := dec.DecodeHeader(m.Header.Get("Subject")); err != nil || got != subject {
			t.Errorf("subject = %q, %v; want %q", got, err, subject)
		}
		if from, err := m.Header.AddressList("From"); err != nil || from[0].Name != "Gobernación de Antioquia" {
			t.Errorf("From = %v, %v", from, err)
		}
		if to, err := m.Header.AddressList("To"); err != nil || to[0].Name != "Ana Pérez" || to[0].Address != "ana@antioquia.gov.co" {
			t.Errorf("To = %v, %v", to, err)
		}
		if d, err := m.Header.Date(); err != nil || !d.Equal(t0) {
			t.Errorf("Date = %v, %v; want %v", d, err, t0)
		}
		for k, want := range map[string]string{"MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8"} {
			if got := m.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if id := m.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@antioquia.gov.co>") {
			t.Errorf("Message-ID = %q", id)
		}
	})
	t.Run("the body arrives whole through SMTP, lines that begin with a dot included", func(t *testing.T) {
		e := newEnv(t)
		if err := e.smtp.Send(e.ctx, &notify.Message{To: []string{"ana@antioquia.gov.co"}, Subject: subject, Text: text}); err != nil {
			t.Fatal(err)
		}
		// SMTP ends the data with a line break.
		if got := strings.TrimSuffix(e.sink.Messages()[0].Text, "\n"); got != text {
			t.Errorf("text = %q, want %q", got, text)
		}
	})
}

// blockingReceiver answers only when released, and says when a request
// has arrived.
type blockingReceiver struct {
	arrived chan struct{}
	release chan struct{}
}

func (b *blockingReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.ReadAll(req.Body)
	b.arrived <- struct{}{}
	<-b.release
	w.WriteHeader(http.StatusOK)
}

func TestASlowWebhookDelaysOnlyItself(t *testing.T) {
	e := newEnv(t)
	slow := &blockingReceiver{arrived: make(chan struct{}, 4), release: make(chan struct{})}
	fast := &blockingReceiver{arrived: make(chan struct{}, 4), release: make(chan struct{})}
	close(fast.release)
	slowSrv, fastSrv := httptest.NewServer(slow), httptest.NewServer(fast)
	defer slowSrv.Close()
	defer fastSrv.Close()
	releaseSlow := sync.OnceFunc(func() { close(slow.release) })
	defer releaseSlow() // before the servers close, even when the test fails
	// The slow receiver's webhook comes first: sent one after the other,
	// the fast one would wait for it.
	for _, h := range []*pregonero.Webhook{
		{ID: "wh_a_slow", URL: slowSrv.URL, Secret: "s", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}},
		{ID: "wh_b_fast", URL: fastSrv.URL, Secret: "s", Events: []pregonero.EventKind{pregonero.EventDeliveryFailed}},
	} {
		if err := e.db.PutWebhook(e.ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	e.event(failed("x-salud", "salud"))
	n := e.notifier(notify.Config{})
	done := make(chan error, 1)
	go func() { done <- n.Process(e.ctx) }()
	<-slow.arrived
	select {
	case <-fast.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the fast receiver got nothing while the slow one held its request")
	}
	releaseSlow()
	if err := <-done; err != nil {
		t.Fatalf("Process = %v", err)
	}
	for _, id := range []string{"wh_a_slow", "wh_b_fast"} {
		ds, _ := e.db.WebhookDeliveries(e.ctx, id, 0)
		if len(ds) != 1 || ds[0].State != pregonero.WebhookDelivered {
			t.Errorf("%s deliveries = %+v, want one delivered", id, ds)
		}
	}
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"pregonero"
	"pregonero/adapters/sandbox"
	"pregonero/notify"
)

// newNotifier builds the notifier from notifications.*: e-mail through
// notifications.smtp, or, with the embedded sandbox and no smtp.host,
// through the sandbox's mail sink, which it starts (listing what it took
// at /_sandbox/mail).
func (m *Main) newNotifier(ctx context.Context) (*notify.Notifier, error) {
	c := &m.Config
	nc := c.Notify
	var mailer notify.Mailer
	switch {
	case nc.SMTP.Host != "":
		mailer = &notify.SMTP{Host: nc.SMTP.Host, Port: nc.SMTP.Port, Username: nc.SMTP.Username, Password: nc.SMTP.Password,
			From: nc.SMTP.From, StartTLS: nc.SMTP.StartTLS, Now: m.Clock.Now}
	case m.Sandbox != nil:
		ln, err := m.bind("sandbox smtp", c.Sandbox.SMTPAddr())
		if err != nil {
			return nil, err
		}
		m.MailAddr = ln.Addr().String()
		m.MailSink = sandbox.NewMailSink(m.Clock.Now, m.Logger)
		m.Sandbox.MountMail(m.MailSink)
		m.serve(ctx, "sandbox-mail", func(ctx context.Context) error { return m.MailSink.Serve(ctx, ln) })
		host, port, _ := net.SplitHostPort(m.MailAddr)
		p, _ := strconv.Atoi(port)
		from := nc.SMTP.From
		if from == "" {
			from = "Pregonero <pregonero@localhost>"
		}
		mailer = &notify.SMTP{Host: host, Port: p, From: from, StartTLS: notify.StartTLSOff, Now: m.Clock.Now}
	default:
		m.Logger.Info("no e-mail notifications: notifications.smtp.host is not set")
	}
	return notify.New(notify.Config{Store: m.Store, Mailer: mailer, Client: m.outboundClient(), Timeout: nc.WebhookTimeout.D(), Clock: m.Clock,
		Logger: m.Logger, Location: c.Location(), PublicURL: m.publicURL()})
}

// startNotifier starts the notifier and its daily jobs: the summary at
// notifications.daily_summary (in the configured zone) and the purge of
// what is older than notifications.retention.
func (m *Main) startNotifier(ctx context.Context) error {
	nc := m.Config.Notify
	h, min, _ := nc.SummaryClock()
	if err := m.Scheduler.AddJob(fmt.Sprintf("0 %d %d * * *", min, h), func() {
		if n, err := m.Notifier.DailySummary(ctx, m.Clock.Now()); err != nil && ctx.Err() == nil {
			m.Logger.Error("daily summary", pregonero.LogErr, err)
		} else if n > 0 {
			m.Logger.Info("daily summaries sent", pregonero.LogCount, n)
		}
	}); err != nil {
		return err
	}
	if err := m.Scheduler.AddJob("0 50 3 * * *", func() {
		if n, err := m.Notifier.Purge(ctx, nc.Retention.D()); err != nil && ctx.Err() == nil {
			m.Logger.Error("purge of old events", pregonero.LogErr, err)
		} else if n > 0 {
			m.Logger.Info("events and notifications past their retention deleted", pregonero.LogCount, n)
		}
	}); err != nil {
		return err
	}
	return m.Notifier.Open(ctx)
}

// startMailSink serves a mail sink for the sandbox on addr until ctx is
// done or stop is called; stop returns once it stopped.
func startMailSink(ctx context.Context, sb *sandbox.Sandbox, addr string, log *slog.Logger) (stop func(), err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox smtp: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	sink := sandbox.NewMailSink(nil, log)
	sb.MountMail(sink)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := sink.Serve(ctx, ln); err != nil {
			log.Error("sandbox mail sink stopped", pregonero.LogErr, err)
		}
	}()
	return func() { cancel(); <-done }, nil
}

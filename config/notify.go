package config

import (
	"net"
	"net/mail"
	"strings"
	"time"
)

// NotifyConfig configures notifications by e-mail and webhook (notifications.*).
type NotifyConfig struct {
	SMTP SMTPConfig `yaml:"smtp"`
	// DailySummary is the local time (HH:MM, in timezone) of the daily
	// summary: what goes out today and what failed yesterday.
	DailySummary string `yaml:"daily_summary"`
	// WebhookTimeout bounds one request to a webhook; a slower receiver
	// counts as a failed attempt.
	WebhookTimeout Duration `yaml:"webhook_timeout"`
	// Retention is how long events and the record of what was sent are
	// kept; a daily job deletes older ones.
	Retention Duration `yaml:"retention"`
}

// SMTPConfig is the mail server notifications are sent through. Without
// a host no e-mail is sent, except with the embedded sandbox, whose mail
// sink then receives them.
type SMTPConfig struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	From     string `yaml:"from"`
	// StartTLS is "required" (the default: refuse a server that does not offer it),
	// "opportunistic" (use it when offered) or "off".
	StartTLS string `yaml:"starttls"`
}

// SummaryClock returns the hour and minute of the daily summary.
func (c *NotifyConfig) SummaryClock() (hour, minute int, ok bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(c.DailySummary))
	if err != nil {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

// validate reports the keys that are wrong.
func (c *NotifyConfig) validate(bad func(format string, args ...any)) {
	if _, _, ok := c.SummaryClock(); !ok {
		bad("notifications.daily_summary: %q is not a time of day like 07:00", c.DailySummary)
	}
	if c.WebhookTimeout <= 0 {
		bad("notifications.webhook_timeout: must be positive")
	}
	if c.Retention < Duration(24*time.Hour) {
		bad("notifications.retention: %s is less than a day", c.Retention.D())
	}
	s := c.SMTP
	switch s.StartTLS {
	case "required", "opportunistic", "off":
	default:
		bad("notifications.smtp.starttls: %q must be required, opportunistic or off", s.StartTLS)
	}
	if s.Port <= 0 || s.Port > 65535 {
		bad("notifications.smtp.port: %d is not a port", s.Port)
	}
	if s.From != "" {
		if _, err := mail.ParseAddress(s.From); err != nil {
			bad("notifications.smtp.from: %q is not an e-mail address", s.From)
		}
	}
	if s.Host != "" && s.From == "" {
		bad("notifications.smtp.from: required with notifications.smtp.host")
	}
	if s.Username != "" && s.StartTLS == "off" {
		bad("notifications.smtp.username: the password is sent only over TLS; starttls must not be off")
	}
}

// SMTPAddr is where the sandbox's mail sink listens: smtp_listen, or by
// default the sandbox's host on port 8025, an ephemeral port when the
// sandbox itself asks for one (":0", as tests do), so that two servers
// started that way never fight over a port.
func (c *SandboxConfig) SMTPAddr() string {
	if c.SMTPListen != "" {
		return c.SMTPListen
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return "127.0.0.1:8025"
	}
	if port == "0" {
		return net.JoinHostPort(host, "0")
	}
	return net.JoinHostPort(host, "8025")
}

package config_test

import (
	"strings"
	"testing"

	"pregonero/config"
)

func TestNotifyConfig(t *testing.T) {
	t.Run("the defaults send the summary at 07:00 and keep events 90 days", func(t *testing.T) {
		c, err := config.Parse([]byte("{}\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if h, m, ok := c.Notify.SummaryClock(); !ok || h != 7 || m != 0 {
			t.Errorf("summary at %d:%d (%v), want 7:00", h, m, ok)
		}
		if c.Notify.SMTP.StartTLS != "required" || c.Notify.SMTP.Port != 587 || c.Notify.Retention.D().Hours() != 90*24 {
			t.Errorf("defaults = %+v", c.Notify)
		}
	})
	t.Run("every wrong key is named", func(t *testing.T) {
		_, err := config.Parse([]byte("notifications: {daily_summary: \"7 am\", smtp: {host: mail.example.org, starttls: maybe, username: u}}\n"), env(nil))
		for _, want := range []string{"notifications.daily_summary", "notifications.smtp.starttls", "notifications.smtp.from"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to name %s", err, want)
			}
		}
	})
	t.Run("the sandbox's mail sink follows the sandbox's address", func(t *testing.T) {
		for listen, want := range map[string]string{"127.0.0.1:8090": "127.0.0.1:8025", "127.0.0.1:0": "127.0.0.1:0"} {
			s := config.SandboxConfig{Listen: listen}
			if got := s.SMTPAddr(); got != want {
				t.Errorf("SMTPAddr of %s = %s, want %s", listen, got, want)
			}
		}
		if got := (&config.SandboxConfig{Listen: "127.0.0.1:0", SMTPListen: "127.0.0.1:2525"}).SMTPAddr(); got != "127.0.0.1:2525" {
			t.Errorf("SMTPAddr with smtp_listen = %s", got)
		}
	})
}

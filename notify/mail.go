package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Message is one e-mail: plain text, UTF-8.
type Message struct {
	To      []string
	Subject string
	Text    string
}

// Mailer sends e-mail.
type Mailer interface {
	Send(ctx context.Context, m *Message) error
}

// StartTLS modes of SMTP.
const (
	StartTLSRequired      = "required"
	StartTLSOpportunistic = "opportunistic"
	StartTLSOff           = "off"
)

// SMTP sends e-mail through a mail server: STARTTLS when the server
// offers it (and refusing one that does not when StartTLS is required),
// AUTH PLAIN with Username only over TLS.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	// From is the sender, an address with an optional name
	// ("Pregonero <pregonero@antioquia.gov.co>").
	From     string
	StartTLS string
	// TLS configures the STARTTLS handshake; nil verifies the server's
	// certificate for Host against the system's roots.
	TLS *tls.Config
	// Timeout bounds a whole exchange (default 30 s).
	Timeout time.Duration
	// Now stamps the Date header (default time.Now).
	Now func() time.Time
}

// ErrPermanent marks an error a retry will not cure: the server refused
// the message or a recipient for good (a 5xx answer).
var ErrPermanent = errors.New("refused for good")

// Send delivers the message. A 5xx answer of the server is wrapped with
// ErrPermanent; anything else (a network failure, a 4xx) is worth
// another try later.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	err := s.send(ctx, m)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("smtp %s: %w: %w", s.Host, ErrPermanent, err)
	}
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.Host, err)
	}
	return nil
}

func (s *SMTP) send(ctx context.Context, m *Message) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("%w: from %q: %w", ErrPermanent, s.From, err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	secure := false
	if s.StartTLS != StartTLSOff {
		if ok, _ := c.Extension("STARTTLS"); ok {
			cfg := s.TLS
			if cfg == nil {
				cfg = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
			}
			if err := c.StartTLS(cfg); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
			secure = true
		} else if s.StartTLS == StartTLSRequired {
			return fmt.Errorf("%w: the server does not offer STARTTLS and notifications.smtp.starttls is required", ErrPermanent)
		}
	}
	if s.Username != "" {
		// The password never crosses the network in the clear.
		if !secure {
			return fmt.Errorf("%w: AUTH refused without TLS (the server offered no STARTTLS)", ErrPermanent)
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if _, err := w.Write(Format(m, s.From, now())); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Format writes the message as RFC 5322 text: the names in From and To
// and the subject encoded for their UTF-8 (RFC 2047), a long subject
// folded between its encoded words, the body quoted-printable (so no
// line passes 76 octets, RFC 5321 allows 1000), lines ending in CRLF.
// The SMTP client stuffs the dots of lines that begin with one.
func Format(m *Message, from string, date time.Time) []byte {
	var b bytes.Buffer
	host := "pregonero"
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.String()
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			host = a.Address[i+1:]
		}
	}
	to := make([]string, len(m.To))
	for i, t := range m.To {
		to[i] = t
		if a, err := mail.ParseAddress(t); err == nil {
			to[i] = a.String()
		}
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", from)
	hdr("To", strings.Join(to, ", "))
	// Adjacent encoded words are one text, whatever white space folds
	// them (RFC 2047 §6.2); an encoded word is up to 75 octets, so each
	// goes on its own line when there are several.
	subj := mime.QEncoding.Encode("utf-8", oneLine(m.Subject))
	if strings.Contains(subj, "?= =?") {
		subj = "\r\n " + strings.ReplaceAll(subj, "?= =?", "?=\r\n =?")
	} else {
		subj = " " + subj
	}
	b.WriteString("Subject:" + subj + "\r\n")
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+host+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n")))
	_ = qp.Close()
	return b.Bytes()
}

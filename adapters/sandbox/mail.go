package sandbox

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// MailMessage is one e-mail the sink received, as GET /_sandbox/mail
// lists it.
type MailMessage struct {
	From       string    `json:"from"`
	To         []string  `json:"to"`
	Subject    string    `json:"subject"`
	Text       string    `json:"text"`
	ReceivedAt time.Time `json:"received_at"`
}

// MailSink is the sandbox's SMTP server: it takes every message (EHLO or
// HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps it in memory and lists
// it at GET /_sandbox/mail, so that notifications can be followed
// offline. Commands out of order or malformed are refused with the 5xx
// answers of a real server. It offers no STARTTLS and no AUTH: it is for
// loopback only.
type MailSink struct {
	now func() time.Time
	log *slog.Logger

	mu   sync.Mutex
	msgs []MailMessage
}

// maxMailSize bounds one message (the sink keeps everything in memory).
const maxMailSize = 10 << 20

// NewMailSink returns an empty sink.
func NewMailSink(now func() time.Time, log *slog.Logger) *MailSink {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &MailSink{now: now, log: log.With(pregonero.LogComponent, "sandbox-mail")}
}

// MountMail serves the sink's list at GET /_sandbox/mail (DELETE empties
// it), from loopback only like the other inspection endpoints.
func (s *Sandbox) MountMail(m *MailSink) { s.mux.Handle("/_sandbox/mail", localOnly(m)) }

// Messages returns what the sink received, oldest first.
func (m *MailSink) Messages() []MailMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]MailMessage(nil), m.msgs...)
}

// ServeHTTP lists the messages ({"messages":[...]}) or, on DELETE,
// forgets them.
func (m *MailSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		msgs := m.Messages()
		if to := r.URL.Query().Get("to"); to != "" {
			kept := msgs[:0]
			for _, msg := range msgs {
				for _, t := range msg.To {
					if strings.EqualFold(t, to) {
						kept = append(kept, msg)
						break
					}
				}
			}
			msgs = kept
		}
		if msgs == nil {
			msgs = []MailMessage{}
		}
		fakenet.WriteJSON(w, http.StatusOK, map[string]any{"messages": msgs})
	case http.MethodDelete:
		m.mu.Lock()
		m.msgs = nil
		m.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, DELETE")
		fakenet.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "GET lists the messages, DELETE forgets them.")
	}
}

// Serve takes SMTP connections on ln until ctx is canceled.
func (m *MailSink) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	m.log.Info("sandbox mail sink listening", pregonero.LogAddr, ln.Addr().String())
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("sandbox mail: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stop := context.AfterFunc(ctx, func() { _ = c.Close() })
			defer stop()
			m.session(c)
		}()
	}
}

// session speaks SMTP (RFC 5321) on one connection.
func (m *MailSink) session(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	reply := func(code int, msg string) bool {
		// Deadlines are on the wall clock, whatever clock stamps the
		// messages (a test's fake one may be anywhere in time).
		_ = c.SetWriteDeadline(time.Now().Add(time.Minute))
		return tp.PrintfLine("%d %s", code, msg) == nil
	}
	if !reply(220, "pregonero sandbox ESMTP") {
		return
	}
	var hello bool
	var from string
	var to []string
	for {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Minute))
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			if strings.TrimSpace(arg) == "" {
				reply(501, "5.5.4 EHLO needs a domain")
				continue
			}
			hello, from, to = true, "", nil
			_ = tp.PrintfLine("250-pregonero sandbox greets %s", strings.TrimSpace(arg))
			_ = tp.PrintfLine("250-8BITMIME")
			_ = tp.PrintfLine("250-SIZE %d", maxMailSize)
			reply(250, "SMTPUTF8")
		case "HELO":
			if strings.TrimSpace(arg) == "" {
				reply(501, "5.5.4 HELO needs a domain")
				continue
			}
			hello, from, to = true, "", nil
			reply(250, "pregonero sandbox")
		case "MAIL":
			addr, ok := pathArg(arg, "FROM:")
			switch {
			case !hello:
				reply(503, "5.5.1 EHLO first")
			case from != "":
				reply(503, "5.5.1 MAIL already given")
			case !ok:
				reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
			default:
				from = addr
				if from == "" {
					from = "<>"
				}
				reply(250, "2.1.0 OK")
			}
		case "RCPT":
			addr, ok := pathArg(arg, "TO:")
			switch {
			case from == "":
				reply(503, "5.5.1 MAIL first")
			case !ok || addr == "":
				reply(501, "5.5.4 Syntax: RCPT TO:<address>")
			case len(to) >= 100:
				reply(452, "4.5.3 Too many recipients")
			default:
				to = append(to, addr)
				reply(250, "2.1.5 OK")
			}
		case "DATA":
			if len(to) == 0 {
				reply(503, "5.5.1 RCPT first")
				continue
			}
			reply(354, "End data with <CR><LF>.<CR><LF>")
			raw, err := io.ReadAll(io.LimitReader(tp.DotReader(), maxMailSize+1))
			if err != nil {
				return
			}
			if len(raw) > maxMailSize {
				reply(552, "5.3.4 Message too big")
			} else if msg, err := parseMail(from, to, raw, m.now()); err != nil {
				reply(554, "5.6.0 "+err.Error())
			} else {
				m.mu.Lock()
				m.msgs = append(m.msgs, msg)
				m.mu.Unlock()
				m.log.Info("sandbox mail received", pregonero.LogMessage, msg.Subject, pregonero.LogCount, len(to))
				reply(250, "2.0.0 OK queued")
			}
			from, to = "", nil
		case "RSET":
			from, to = "", nil
			reply(250, "2.0.0 OK")
		case "NOOP":
			reply(250, "2.0.0 OK")
		case "QUIT":
			reply(221, "2.0.0 Bye")
			return
		case "STARTTLS", "AUTH":
			reply(502, "5.5.1 Not offered by the sandbox")
		default:
			reply(500, "5.5.2 Command not recognized")
		}
	}
}

// pathArg reads "FROM:<addr> [params]" (or TO:), case-insensitively.
func pathArg(arg, prefix string) (string, bool) {
	arg = strings.TrimSpace(arg)
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}

// maxLine is the longest line of a message, without its CRLF (RFC 5322
// §2.1.1, RFC 5321 §4.5.3.1.6).
const maxLine = 998

// parseMail reads the message: its subject decoded (RFC 2047) and its
// text (quoted-printable decoded when so encoded). Like a strict server,
// it refuses a line longer than the limit and a message without the
// headers RFC 5322 requires (From, Date).
func parseMail(from string, to []string, raw []byte, now time.Time) (MailMessage, error) {
	for i, line := range strings.Split(string(raw), "\n") {
		if len(strings.TrimSuffix(line, "\r")) > maxLine {
			return MailMessage{}, fmt.Errorf("line %d is longer than %d octets", i+1, maxLine)
		}
	}
	msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(string(raw))))
	if err != nil {
		return MailMessage{}, fmt.Errorf("malformed message: %w", err)
	}
	for _, h := range []string{"From", "Date"} {
		if msg.Header.Get(h) == "" {
			return MailMessage{}, fmt.Errorf("the message has no %s header", h)
		}
	}
	if _, err := msg.Header.Date(); err != nil {
		return MailMessage{}, fmt.Errorf("malformed Date header: %w", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return MailMessage{}, fmt.Errorf("malformed body: %w", err)
	}
	return MailMessage{From: from, To: to, Subject: subject, Text: strings.ReplaceAll(string(text), "\r\n", "\n"), ReceivedAt: now.UTC()}, nil
}

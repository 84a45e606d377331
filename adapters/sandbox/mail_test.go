package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/sandbox"
)

func TestMailSink(t *testing.T) {
	sink := sandbox.NewMailSink(nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sink.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	expect := func(send, wantCode string) {
		t.Helper()
		if send != "" {
			if _, err := c.Write([]byte(send + "\r\n")); err != nil {
				t.Fatal(err)
			}
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("after %q: %v", send, err)
			}
			if len(line) > 3 && line[3] == '-' {
				continue
			}
			if !strings.HasPrefix(line, wantCode) {
				t.Errorf("after %q: %q, want %s", send, strings.TrimSpace(line), wantCode)
			}
			return
		}
	}
	expect("", "220")
	t.Run("commands out of order or malformed are refused with 5xx", func(t *testing.T) {
		expect("MAIL FROM:<a@b>", "503")
		expect("EHLO", "501")
		expect("EHLO test", "250")
		expect("RCPT TO:<x@y>", "503")
		expect("MAIL FROM:a@b", "501")
		expect("FROB", "500")
		expect("DATA", "503")
	})
	t.Run("a message is received and listed with its subject decoded", func(t *testing.T) {
		expect("MAIL FROM:<pregonero@localhost>", "250")
		expect("RCPT TO:<ana@antioquia.gov.co>", "250")
		expect("DATA", "354")
		expect(hdrs+"Subject: =?utf-8?q?Fall=C3=B3_una_publicaci=C3=B3n?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nNo sali=C3=B3.\r\n.", "250")
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/_sandbox/mail", nil)
		sink.ServeHTTP(rec, req)
		var got struct {
			Messages []sandbox.MailMessage `json:"messages"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Messages) != 1 {
			t.Fatalf("messages = %+v", got.Messages)
		}
		m := got.Messages[0]
		if m.Subject != "Falló una publicación" || m.Text != "No salió.\n" || m.From != "pregonero@localhost" || m.To[0] != "ana@antioquia.gov.co" {
			t.Errorf("message = %+v", m)
		}
	})
	t.Run("a message without Date, or with a line over 998 octets, is refused as a strict server does", func(t *testing.T) {
		for _, data := range []string{
			"From: a@b\r\nSubject: x\r\n\r\nhola\r\n.",
			hdrs + "Subject: x\r\n\r\n" + strings.Repeat("a", 999) + "\r\n.",
		} {
			expect("MAIL FROM:<pregonero@localhost>", "250")
			expect("RCPT TO:<ana@antioquia.gov.co>", "250")
			expect("DATA", "354")
			expect(data, "554")
		}
		expect("QUIT", "221")
		if got := len(sink.Messages()); got != 1 {
			t.Errorf("messages = %d, want still 1", got)
		}
	})
}

// hdrs are the headers RFC 5322 requires.
const hdrs = "From: pregonero@localhost\r\nDate: Mon, 07 Dec 2026 09:00:00 -0500\r\n"

func TestMailSinkClockInThePast(t *testing.T) {
	// The sink's clock stamps messages only: a test's fake clock years
	// behind the wall clock must not time its connections out.
	sink := sandbox.NewMailSink(func() time.Time { return time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC) }, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sink.Serve(ctx, ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "220") {
		t.Errorf("greeting = %q, %v; want 220", line, err)
	}
}

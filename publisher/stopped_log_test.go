package publisher_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/logtest"
	"pregonero/publisher"
)

// waitWarnLines waits until logs hold n WARN lines with msg (the log line
// follows the write the test waited for) and returns them.
func waitWarnLines(t *testing.T, logs *logtest.Buffer, msg string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := warnLines(logs.String(), msg)
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(time.Millisecond)
	}
}

// warnLines returns the WARN lines of logs that contain msg.
func warnLines(logs string, msg string) []string {
	var out []string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, `msg="`+msg+`"`) {
			out = append(out, line)
		}
	}
	return out
}

// A permanent failure logs exactly one WARN line naming the post, the
// delivery and the cause beneath the classification, and the delivery
// keeps that cause for `post show`.
func TestPermanentFailureLogsOneWarnLineWithTheCause(t *testing.T) {
	h := newHarness(t)
	logs := h.startPublisher(publisher.Config{})
	dnsErr := errors.New("dial tcp: lookup api.x.com: no such host")
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_forbidden", Message: "X refused the post.", NetworkMessage: "You are not permitted to perform this action.", Err: dnsErr})
	d := h.post("x-a", t0, "hola")
	h.tick()
	got := h.wait(d.ID, state(pregonero.DeliveryFailed))
	if got.LastError.Cause != dnsErr.Error() || got.Attempts[0].Cause != dnsErr.Error() {
		t.Errorf("cause not kept: last error %+v, attempt %+v", got.LastError, got.Attempts[0])
	}
	lines := waitWarnLines(t, logs, "delivery failed", 1)
	if len(lines) != 1 {
		t.Fatalf("%d WARN lines for the failure, want 1:\n%s", len(lines), logs.String())
	}
	for _, want := range []string{"post=" + d.PostID, "delivery=" + d.ID, "account=x-a", "code=x_forbidden", "no such host", "not permitted"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("failure line lacks %q: %s", want, lines[0])
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a failure of one post is not an error of the service:\n%s", logs.String())
	}
}

// Refused credentials log one WARN line for the account and one for each
// held delivery, each with its reason.
func TestReauthorizationLogsTheAccountOnceAndEachHold(t *testing.T) {
	h := newHarness(t)
	logs := h.startPublisher(publisher.Config{})
	h.ad.PublishFn = fails(&pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_unauthorized", Message: "X refused the token.", NetworkMessage: "Unauthorized"})
	a := h.post("x-a", t0, "uno")
	b := h.post("x-a", t0.Add(time.Second), "dos")
	h.tick()
	h.wait(a.ID, state(pregonero.DeliveryHeld))
	h.clock.Advance(time.Second)
	h.tick()
	h.wait(b.ID, state(pregonero.DeliveryHeld))

	acct := waitWarnLines(t, logs, "account needs re-authorization; its deliveries wait for a person", 1)
	if len(acct) != 1 || !strings.Contains(acct[0], "account=x-a") || !strings.Contains(acct[0], "network_message=Unauthorized") {
		t.Errorf("account lines %q, want one naming the account and X's words", acct)
	}
	held := waitWarnLines(t, logs, "delivery held for a person", 2)
	if len(held) != 2 {
		t.Fatalf("%d hold lines, want 2:\n%s", len(held), logs.String())
	}
	for i, d := range []*pregonero.Delivery{a, b} {
		for _, want := range []string{"post=" + d.PostID, "delivery=" + d.ID, "reason=" + pregonero.HoldNeedsReauth} {
			if !strings.Contains(held[i], want) {
				t.Errorf("hold line %d lacks %q: %s", i, want, held[i])
			}
		}
	}
}

package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"pregonero"
)

// showTime writes an instant for a person, in the zone: "Thu 2026-12-03
// 09:00 -05", with seconds when it has some; "-" for no time.
func showTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(loc)
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("Mon 2006-01-02 15:04:05 MST")
	}
	return t.Format("Mon 2006-01-02 15:04 MST")
}

// showSpan writes when an attempt ran: its start, and its end (the time
// alone when it ends the same day).
func showSpan(start, end time.Time, loc *time.Location) string {
	s := start.In(loc).Format("Mon 2006-01-02 15:04:05 MST")
	switch {
	case end.IsZero():
		return s + " → (no answer recorded)"
	case end.In(loc).Format("2006-01-02") == start.In(loc).Format("2006-01-02"):
		return s + " → " + end.In(loc).Format("15:04:05")
	}
	return s + " → " + end.In(loc).Format("Mon 2006-01-02 15:04:05")
}

// writePost prints a post for a person: what it says, where and when it
// goes, and for each delivery its state, the network's answer and what
// lies beneath it, the live link and every attempt. campaign is the name
// of the post's campaign, shown with its id; "" shows the id alone.
// Everything that came from the server is escaped for the terminal.
func writePost(out io.Writer, p *pregonero.Post, campaign string, loc *time.Location) error {
	w := &errWriter{w: termWriter{out}}
	w.printf("Post %s: %s\n", p.ID, p.Status)
	w.printf("  when:      %s\n", whenLine(p.ScheduledAt, loc))
	w.printf("  targets:   %s\n", termLine(strings.Join(p.Targets, ", ")))
	switch {
	case p.Campaign != "" && campaign != "":
		w.printf("  campaign:  %s (%s)\n", termLine(campaign), termLine(p.Campaign))
	case p.Campaign != "":
		w.printf("  campaign:  %s\n", termLine(p.Campaign))
	}
	if p.Link != "" {
		w.printf("  link:      %s\n", termLine(p.Link))
	}
	for i, m := range p.Media {
		label := "  media:     "
		if i > 0 {
			label = "             "
		}
		alt := "no alt text"
		if m.AltText != "" {
			alt = "alt text: " + termLine(m.AltText)
		}
		w.printf("%s%s (%s)\n", label, termLine(m.ID), alt)
	}
	if p.Author != "" || p.Unit != "" {
		w.printf("  author:    %s\n", termLine(strings.TrimSpace(p.Author+" "+p.Unit)))
	}
	w.printf("  created:   %s; updated %s\n", showTime(p.CreatedAt, loc), showTime(p.UpdatedAt, loc))
	w.printf("  text:\n")
	for _, line := range strings.Split(p.Text, "\n") {
		w.printf("    %s\n", termLine(line))
	}
	if p.Status == pregonero.PostDraft {
		id := termLine(p.ID)
		w.printf("\nA draft: nothing goes out until it is scheduled. To schedule it:\n")
		if p.ScheduledAt.IsZero() {
			w.printf("  pregonero post schedule %s            # as soon as possible\n", id)
		} else {
			w.printf("  pregonero post schedule %s            # at its time, %s\n", id, showTime(p.ScheduledAt, loc))
		}
		w.printf("  pregonero post schedule %s -at TIME   # at another time (mañana 09:00, +2h, …)\n", id)
		w.printf("It is checked then like a new post: text, targets (post edit %s -target ACCOUNT) and a time ahead.\n", id)
	}
	for _, d := range p.Deliveries {
		w.printf("\n")
		writeDelivery(w, d, loc)
	}
	return w.err
}

func writeDelivery(w *errWriter, d *pregonero.Delivery, loc *time.Location) {
	w.printf("Delivery %s → %s (%s): %s\n", termLine(d.ID), termLine(d.AccountID), termLine(string(d.Network)), stateLine(d, loc))
	if d.URL != "" {
		w.printf("  live:      %s\n", termLine(d.URL))
	} else if d.RemoteID != "" {
		w.printf("  remote id: %s\n", termLine(d.RemoteID))
	}
	if d.HoldReason != "" {
		w.printf("  held:      %s (%s)\n", holdReason(d.HoldReason), termLine(d.HoldReason))
	}
	if pr := d.Progress; pr != nil && d.State == pregonero.DeliverySending {
		w.printf("  upload:    %d of %d bytes at %s\n", pr.SentBytes, pr.TotalBytes, showTime(pr.At, loc))
	}
	if !d.ReleasedAt.IsZero() {
		w.printf("  released:  %s (by a person)\n", showTime(d.ReleasedAt, loc))
	}
	if !d.RetriedAt.IsZero() {
		w.printf("  retried:   %s (by a person)\n", showTime(d.RetriedAt, loc))
	}
	if e := d.LastError; e != nil {
		w.printf("  last error at %s: %s (%s)\n", showTime(e.At, loc), termLine(e.Code), termLine(string(e.Class)))
		writeAnswer(w, "    ", e.Message, e.NetworkMessage, e.Cause, 0)
	}
	if len(d.Attempts) == 0 {
		w.printf("  attempts:  none yet\n")
		return
	}
	w.printf("  attempts:\n")
	for _, a := range d.Attempts {
		line := fmt.Sprintf("    #%d %s  %s", a.N, showSpan(a.StartedAt, a.FinishedAt, loc), termLine(string(a.Outcome)))
		if a.Code != "" {
			line += " " + termLine(a.Code)
		}
		if a.Reconciled != "" {
			line += ", reconciled: " + termLine(a.Reconciled)
		}
		w.printf("%s\n", line)
		writeAnswer(w, "       ", a.Message, a.NetworkMessage, a.Cause, a.HTTPStatus)
	}
}

// stateLine is a delivery's state with the instant that goes with it.
func stateLine(d *pregonero.Delivery, loc *time.Location) string {
	switch d.State {
	case pregonero.DeliveryPublished:
		return "published " + showTime(d.PublishedAt, loc)
	case pregonero.DeliveryQueued, pregonero.DeliveryInDoubt:
		next := d.NextAttemptAt
		if next.IsZero() {
			next = d.ScheduledAt
		}
		s := string(d.State) + ", due " + showTime(next, loc)
		if d.State == pregonero.DeliveryInDoubt {
			s += " (the network is asked first whether an earlier attempt went out)"
		}
		return s
	case pregonero.DeliveryHeld:
		return "held, waiting for a person"
	}
	return string(d.State)
}

// holdReason says in words why a delivery is held.
func holdReason(r string) string {
	switch r {
	case pregonero.HoldAccountPaused:
		return "the account is paused"
	case pregonero.HoldNeedsReauth:
		return "the account's credentials were refused; it must be authorized again"
	case pregonero.HoldBlocked:
		return "the network stopped the account"
	case pregonero.HoldOverdue:
		return "overdue after a pause: release it to send it, or cancel the post"
	case pregonero.HoldUnverifiable:
		return "it may be published and the network cannot tell: look, then cancel or release"
	}
	return "held"
}

// writeAnswer writes the message for a person, the network's own words,
// the error beneath them and the HTTP status, each on its own line.
func writeAnswer(w *errWriter, indent, message, network, cause string, status int) {
	if message != "" {
		w.printf("%s%s\n", indent, termLine(message))
	}
	if network != "" || status != 0 {
		s := "the network said:"
		if status != 0 {
			s = fmt.Sprintf("the network answered HTTP %d:", status)
		}
		w.printf("%s%s %s\n", indent, s, termLine(network))
	}
	if cause != "" {
		w.printf("%scause: %s\n", indent, termLine(cause))
	}
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

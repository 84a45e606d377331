// Package rrule reads and expands the part of RFC 5545's recurrence rules
// (§3.3.10, RRULE; §3.8.5.1, EXDATE) that recurring posts use:
// FREQ=DAILY, WEEKLY or MONTHLY, INTERVAL, BYDAY (with an ordinal such as
// 2TU or -1FR only for MONTHLY), BYMONTHDAY, UNTIL, COUNT and WKST.
//
// A rule repeats a wall-clock time in one IANA zone, the way a person says
// "every weekday at 7:00 in Bogotá": the start (DTSTART) is a local date
// and time without offset, and every occurrence keeps that local time, so
// 7:00 stays 7:00 when the zone changes its offset for daylight saving.
// Two local times need a decision:
//
//   - a time the clock skips (02:30 on the day New York springs forward)
//     is moved to the first instant after the skip (03:00 there), and the
//     occurrence says it was moved (Occurrence.Moved). RFC 5545 §3.3.10
//     would drop such an occurrence and §3.3.5 would read it with the
//     offset before the change (03:30); a post that was planned must not
//     vanish, and the first valid instant is the nearest to what was
//     asked;
//   - a time the clock repeats (01:30 on the day it falls back) is the
//     first of the two instants, the one still in daylight time.
//
// As in RFC 5545, a date the month lacks (the 31st in April, a fifth
// Monday) is no occurrence and is not counted; EXDATE exceptions are
// removed after COUNT is applied, so an exception still counts as one of
// the COUNT occurrences. The start is the first occurrence only when the
// rule matches it (RFC 5545 leaves a start out of step with its rule
// undefined; this package, as python-dateutil and rrule-go do, yields
// only the dates the rule matches, from the start on).
package rrule

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Freq is how often a rule repeats.
type Freq string

// The frequencies this package knows.
const (
	Daily   Freq = "DAILY"
	Weekly  Freq = "WEEKLY"
	Monthly Freq = "MONTHLY"
)

// WeekdayNum is one entry of BYDAY: a day of the week and, in a monthly
// rule, which one of the month (N=2 the second, N=-1 the last; 0 every
// one).
type WeekdayNum struct {
	Day time.Weekday
	N   int
}

// Rule is a parsed recurrence rule. The zero Interval means 1 and the
// zero Until and Count mean no end.
type Rule struct {
	Freq     Freq
	Interval int
	ByDay    []WeekdayNum
	// ByMonthDay lists days of the month: 1 to 31, or -1 (the last) to
	// -31.
	ByMonthDay []int
	// Until is the last instant an occurrence may have, inclusive (RFC
	// 5545: "bounds the recurrence rule in an inclusive manner").
	// UntilLocal is set instead when UNTIL was written without "Z" (a
	// local date or date-time, read in the zone of the series): the
	// rule is then bounded by that wall-clock time, or by the end of that
	// day for a date.
	Until      time.Time
	UntilLocal DateTime
	Count      int
	// WeekStart is the day weeks start on (WKST; Monday by default): it
	// decides which weeks an INTERVAL of more than 1 skips.
	WeekStart time.Weekday
}

// Error is a rule that cannot be read: Part names the part of the rule
// that is wrong ("FREQ", "BYDAY", …; "RRULE" for the rule as a whole).
type Error struct {
	Part    string
	Value   string
	Message string
}

// Error returns the part, the value and what is wrong with it.
func (e *Error) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("rrule: %s: %s", e.Part, e.Message)
	}
	return fmt.Sprintf("rrule: %s=%s: %s", e.Part, e.Value, e.Message)
}

func bad(part, value, format string, args ...any) *Error {
	return &Error{Part: part, Value: value, Message: fmt.Sprintf(format, args...)}
}

var dayCodes = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// maxLen keeps a rule to a size a person writes: a longer one is not a
// schedule but an attack on the parser.
const maxLen = 1000

// Parse reads a rule such as "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10",
// with or without the "RRULE:" prefix. Every part may appear once; FREQ
// is required; UNTIL and COUNT exclude each other (RFC 5545 §3.3.10).
func Parse(s string) (*Rule, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxLen {
		return nil, bad("RRULE", "", "the rule is longer than %d characters", maxLen)
	}
	if len(s) >= 6 && strings.EqualFold(s[:6], "RRULE:") {
		s = s[6:]
	}
	if s == "" {
		return nil, bad("RRULE", "", "the rule is empty; it needs at least FREQ, e.g. FREQ=WEEKLY")
	}
	r := &Rule{Interval: 1, WeekStart: time.Monday}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ";") {
		name, value, ok := strings.Cut(part, "=")
		name = strings.ToUpper(strings.TrimSpace(name))
		value = strings.ToUpper(strings.TrimSpace(value))
		if !ok || name == "" {
			return nil, bad("RRULE", part, "each part is written NAME=value, separated by ';'")
		}
		if seen[name] {
			return nil, bad(name, value, "the part is given twice")
		}
		seen[name] = true
		var err *Error
		switch name {
		case "FREQ":
			err = r.parseFreq(value)
		case "INTERVAL":
			r.Interval, err = number(name, value, 1, 1000)
		case "COUNT":
			r.Count, err = number(name, value, 1, 100000)
		case "UNTIL":
			err = r.parseUntil(value)
		case "BYDAY":
			err = r.parseByDay(value)
		case "BYMONTHDAY":
			err = r.parseByMonthDay(value)
		case "WKST":
			d, ok := weekday(value)
			if !ok {
				err = bad(name, value, "not a day of the week; use MO, TU, WE, TH, FR, SA or SU")
			}
			r.WeekStart = d
		case "BYSETPOS", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYHOUR", "BYMINUTE", "BYSECOND":
			err = bad(name, value, "this part is not supported; a series repeats daily, weekly by day or monthly by day of the month or of the week")
		default:
			err = bad(name, value, "unknown part of a rule")
		}
		if err != nil {
			return nil, err
		}
	}
	if r.Freq == "" {
		return nil, bad("FREQ", "", "FREQ is required: DAILY, WEEKLY or MONTHLY")
	}
	if seen["UNTIL"] && seen["COUNT"] {
		return nil, bad("COUNT", strconv.Itoa(r.Count), "UNTIL and COUNT cannot both be given; a series ends on a date or after a number of times")
	}
	for _, d := range r.ByDay {
		if d.N != 0 && r.Freq != Monthly {
			return nil, bad("BYDAY", d.String(), "a numbered day (such as 2TU, the second Tuesday) needs FREQ=MONTHLY")
		}
	}
	if len(r.ByMonthDay) > 0 && r.Freq == Weekly {
		return nil, bad("BYMONTHDAY", "", "BYMONTHDAY cannot be used with FREQ=WEEKLY")
	}
	return r, nil
}

func (r *Rule) parseFreq(v string) *Error {
	switch Freq(v) {
	case Daily, Weekly, Monthly:
		r.Freq = Freq(v)
		return nil
	case "YEARLY", "HOURLY", "MINUTELY", "SECONDLY":
		return bad("FREQ", v, "not supported; use DAILY, WEEKLY or MONTHLY")
	}
	return bad("FREQ", v, "unknown frequency; use DAILY, WEEKLY or MONTHLY")
}

func number(part, v string, lo, hi int) (int, *Error) {
	n, err := strconv.Atoi(v)
	if err != nil || strings.HasPrefix(v, "+") {
		return 0, bad(part, v, "not a whole number")
	}
	if n < lo || n > hi {
		return 0, bad(part, v, "must be between %d and %d", lo, hi)
	}
	return n, nil
}

func weekday(code string) (time.Weekday, bool) {
	i := slices.Index(dayCodes[:], code)
	return time.Weekday(max(i, 0)), i >= 0
}

func (r *Rule) parseUntil(v string) *Error {
	switch {
	case len(v) == 16 && v[15] == 'Z':
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return bad("UNTIL", v, "not a date-time; write 20261231T235959Z, 20261231T235959 or 20261231")
		}
		r.Until = t
	case len(v) == 15 || len(v) == 8:
		d, err := ParseDateTime(v)
		if err != nil {
			return bad("UNTIL", v, "not a date-time; write 20261231T235959Z, 20261231T235959 or 20261231")
		}
		if len(v) == 8 {
			d.Hour, d.Minute, d.Second = 23, 59, 59
		}
		r.UntilLocal = d
	default:
		return bad("UNTIL", v, "not a date-time; write 20261231T235959Z, 20261231T235959 or 20261231")
	}
	return nil
}

func (r *Rule) parseByDay(v string) *Error {
	if v == "" {
		return bad("BYDAY", v, "no day given")
	}
	for _, item := range strings.Split(v, ",") {
		if len(item) < 2 {
			return bad("BYDAY", item, "not a day of the week; use MO, TU, WE, TH, FR, SA or SU, optionally numbered as in 2TU or -1FR")
		}
		code, num := item[len(item)-2:], item[:len(item)-2]
		d, ok := weekday(code)
		if !ok {
			return bad("BYDAY", item, "not a day of the week; use MO, TU, WE, TH, FR, SA or SU, optionally numbered as in 2TU or -1FR")
		}
		n := 0
		if num != "" {
			var err error
			n, err = strconv.Atoi(num)
			if err != nil || n == 0 || n < -5 || n > 5 {
				return bad("BYDAY", item, "the number before the day must be 1 to 5 or -1 to -5 (a month has at most five of each day)")
			}
		}
		w := WeekdayNum{Day: d, N: n}
		if slices.Contains(r.ByDay, w) {
			return bad("BYDAY", item, "the day is given twice")
		}
		r.ByDay = append(r.ByDay, w)
	}
	return nil
}

func (r *Rule) parseByMonthDay(v string) *Error {
	if v == "" {
		return bad("BYMONTHDAY", v, "no day given")
	}
	for _, item := range strings.Split(v, ",") {
		n, err := strconv.Atoi(item)
		if err != nil || n == 0 || n < -31 || n > 31 {
			return bad("BYMONTHDAY", item, "a day of the month is 1 to 31, or -1 (the last) to -31")
		}
		if slices.Contains(r.ByMonthDay, n) {
			return bad("BYMONTHDAY", item, "the day is given twice")
		}
		r.ByMonthDay = append(r.ByMonthDay, n)
	}
	return nil
}

// String writes the rule in RFC 5545's form, parts in a fixed order, so
// that two equal rules are written alike.
func (w WeekdayNum) String() string {
	if w.N == 0 {
		return dayCodes[w.Day]
	}
	return strconv.Itoa(w.N) + dayCodes[w.Day]
}

// String writes the rule in RFC 5545's form (without "RRULE:"), its
// parts in a fixed order.
func (r *Rule) String() string {
	var b strings.Builder
	b.WriteString("FREQ=" + string(r.Freq))
	if r.Interval > 1 {
		b.WriteString(";INTERVAL=" + strconv.Itoa(r.Interval))
	}
	if len(r.ByDay) > 0 {
		parts := make([]string, len(r.ByDay))
		for i, d := range r.ByDay {
			parts[i] = d.String()
		}
		b.WriteString(";BYDAY=" + strings.Join(parts, ","))
	}
	if len(r.ByMonthDay) > 0 {
		parts := make([]string, len(r.ByMonthDay))
		for i, d := range r.ByMonthDay {
			parts[i] = strconv.Itoa(d)
		}
		b.WriteString(";BYMONTHDAY=" + strings.Join(parts, ","))
	}
	switch {
	case !r.Until.IsZero():
		b.WriteString(";UNTIL=" + r.Until.UTC().Format("20060102T150405Z"))
	case !r.UntilLocal.IsZero():
		b.WriteString(";UNTIL=" + r.UntilLocal.Compact())
	}
	if r.Count > 0 {
		b.WriteString(";COUNT=" + strconv.Itoa(r.Count))
	}
	if r.WeekStart != time.Monday {
		b.WriteString(";WKST=" + dayCodes[r.WeekStart])
	}
	return b.String()
}

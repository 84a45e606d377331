package rrule

import (
	"slices"
	"time"
)

// Set is what a series repeats: a rule from a local start in a zone, less
// its exceptions (RFC 5545's RRULE, DTSTART with TZID, and EXDATE).
type Set struct {
	Rule  *Rule
	Start DateTime
	// Location is the zone of Start, of the occurrences and of a local
	// UNTIL; UTC when nil.
	Location *time.Location
	// Exceptions are local date-times the rule gives that are not
	// occurrences (EXDATE). They are removed after COUNT is applied.
	Exceptions []DateTime
}

// Occurrence is one time the rule gives.
type Occurrence struct {
	// Local is the wall-clock time the rule gives; it identifies the
	// occurrence within its series.
	Local DateTime
	// At is the instant of the occurrence.
	At time.Time
	// Moved says that Local does not exist in the zone (the clock skips
	// it) and At is the first instant after the skip.
	Moved bool
}

// maxEmpty is how many periods in a row may give no date before the
// expansion gives up: a rule such as the 30th of every February (every
// 12 months from a February) never gives one.
const maxEmpty = 1000

// Between returns the occurrences whose instant is in [from, to), in
// order.
func (s *Set) Between(from, to time.Time) []Occurrence {
	var out []Occurrence
	s.each(from, func(o Occurrence) bool {
		if !o.At.Before(to) {
			return false
		}
		if !o.At.Before(from) {
			out = append(out, o)
		}
		return true
	})
	return out
}

// Next returns up to n occurrences whose instant is not before from.
func (s *Set) Next(from time.Time, n int) []Occurrence {
	var out []Occurrence
	if n <= 0 {
		return nil
	}
	s.each(from, func(o Occurrence) bool {
		if !o.At.Before(from) {
			out = append(out, o)
		}
		return len(out) < n
	})
	return out
}

// each calls fn with the occurrences in order, starting at or somewhat
// before from, until fn returns false or the rule ends.
func (s *Set) each(from time.Time, fn func(Occurrence) bool) {
	r := s.Rule
	if r == nil || !s.Start.Valid() {
		return
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	interval := max(r.Interval, 1)
	start := s.Start.floating()
	base := start.AddDate(0, 0, 0) // the first period's day (daily), week start (weekly) or first of month (monthly)
	switch r.Freq {
	case Weekly:
		back := (int(start.Weekday()) - int(r.WeekStart) + 7) % 7
		base = start.AddDate(0, 0, -back)
	case Monthly:
		base = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	base = time.Date(base.Year(), base.Month(), base.Day(), 0, 0, 0, 0, time.UTC)

	p := 0
	if r.Count == 0 {
		// Without COUNT nothing before the window matters: jump to the
		// period a day before from, a margin for any zone's offset.
		f := DateTimeOf(from.In(loc)).floating().AddDate(0, 0, -1)
		if f.After(base) {
			var n int
			switch r.Freq {
			case Daily:
				n = int(f.Sub(base).Hours() / 24)
			case Weekly:
				n = int(f.Sub(base).Hours() / (24 * 7))
			case Monthly:
				n = (f.Year()-base.Year())*12 + int(f.Month()-base.Month())
			}
			p = max(n/interval-1, 0)
		}
	}
	count, empty := 0, 0
	var days []time.Time
	for ; empty < maxEmpty; p++ {
		days = s.period(base, p*interval, days[:0])
		if len(days) == 0 {
			empty++
			continue
		}
		empty = 0
		for _, day := range days {
			local := DateTime{day.Year(), day.Month(), day.Day(), s.Start.Hour, s.Start.Minute, s.Start.Second}
			if local.Compare(s.Start) < 0 {
				continue
			}
			if !r.UntilLocal.IsZero() && local.Compare(r.UntilLocal) > 0 {
				return
			}
			at, moved := local.In(loc)
			if !r.Until.IsZero() && at.After(r.Until) {
				return
			}
			count++
			if r.Count > 0 && count > r.Count {
				return
			}
			if slices.Contains(s.Exceptions, local) {
				continue
			}
			if !fn(Occurrence{Local: local, At: at, Moved: moved}) {
				return
			}
		}
	}
}

// period appends to days, in order, the days of the period that starts
// n days (daily), weeks (weekly) or months (monthly) after base.
func (s *Set) period(base time.Time, n int, days []time.Time) []time.Time {
	r := s.Rule
	switch r.Freq {
	case Daily:
		d := base.AddDate(0, 0, n)
		if s.matchDay(d) && s.matchMonthDay(d) {
			days = append(days, d)
		}
	case Weekly:
		ws := base.AddDate(0, 0, 7*n)
		for i := range 7 {
			d := ws.AddDate(0, 0, i)
			if len(r.ByDay) == 0 && d.Weekday() == s.Start.floating().Weekday() || len(r.ByDay) > 0 && s.matchDay(d) {
				days = append(days, d)
			}
		}
	case Monthly:
		first := time.Date(base.Year(), base.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
		last := first.AddDate(0, 1, -1).Day()
		switch {
		case len(r.ByMonthDay) > 0:
			for _, md := range r.ByMonthDay {
				day := md
				if md < 0 {
					day = last + 1 + md
				}
				if day < 1 || day > last {
					continue // the month has no such day
				}
				d := first.AddDate(0, 0, day-1)
				if len(r.ByDay) == 0 || s.matchNth(d, last) {
					days = append(days, d)
				}
			}
		case len(r.ByDay) > 0:
			for day := 1; day <= last; day++ {
				if d := first.AddDate(0, 0, day-1); s.matchNth(d, last) {
					days = append(days, d)
				}
			}
		default:
			if s.Start.Day <= last {
				days = append(days, first.AddDate(0, 0, s.Start.Day-1))
			}
		}
		slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
		days = slices.CompactFunc(days, func(a, b time.Time) bool { return a.Equal(b) })
	}
	return days
}

// matchDay reports whether d is one of BYDAY's days (any day without
// BYDAY); ordinals are for monthly rules, see matchNth.
func (s *Set) matchDay(d time.Time) bool {
	if len(s.Rule.ByDay) == 0 {
		return true
	}
	for _, w := range s.Rule.ByDay {
		if w.Day == d.Weekday() {
			return true
		}
	}
	return false
}

// matchMonthDay reports whether d is one of BYMONTHDAY's days (any day
// without BYMONTHDAY).
func (s *Set) matchMonthDay(d time.Time) bool {
	if len(s.Rule.ByMonthDay) == 0 {
		return true
	}
	last := d.AddDate(0, 1, -d.Day()).Day()
	for _, md := range s.Rule.ByMonthDay {
		if md == d.Day() || md < 0 && last+1+md == d.Day() {
			return true
		}
	}
	return false
}

// matchNth reports whether day d of a month of last days is one of
// BYDAY's: its weekday, and, for a numbered entry, the nth such day of
// the month counted from the start (2TU) or from the end (-1FR).
func (s *Set) matchNth(d time.Time, last int) bool {
	for _, w := range s.Rule.ByDay {
		if w.Day != d.Weekday() {
			continue
		}
		switch {
		case w.N == 0:
			return true
		case w.N > 0 && (d.Day()-1)/7+1 == w.N:
			return true
		case w.N < 0 && (last-d.Day())/7+1 == -w.N:
			return true
		}
	}
	return false
}

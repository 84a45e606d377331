package rrule

import (
	"fmt"
	"time"
)

// DateTime is a date and a time of day on a wall clock, without a zone:
// what RFC 5545 calls a local time, read in a zone given apart. In JSON
// and text it is "2026-12-07T07:00" (seconds written when not zero).
type DateTime struct {
	Year   int
	Month  time.Month
	Day    int
	Hour   int
	Minute int
	Second int
}

// DateTimeOf returns the wall-clock date and time of t in t's location.
func DateTimeOf(t time.Time) DateTime {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return DateTime{y, m, d, h, mi, s}
}

// layouts are the forms ParseDateTime reads.
var layouts = []string{
	"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05",
	"20060102T150405", "20060102", "2006-01-02",
}

// ParseDateTime reads a local date-time written 2026-12-07T07:00 (or with
// seconds, or a space for the T), RFC 5545's 20261207T070000, or a date
// alone (2026-12-07, 20261207: its midnight). An offset or "Z" is
// refused: the zone is the series'.
func ParseDateTime(s string) (DateTime, error) {
	for _, l := range layouts {
		if len(s) != len(l) {
			continue
		}
		if t, err := time.Parse(l, s); err == nil && t.Year() >= 1 {
			return DateTimeOf(t), nil
		}
	}
	return DateTime{}, fmt.Errorf("%q is not a local date and time; write it as 2026-12-07T07:00", s)
}

// IsZero reports whether d is no date at all.
func (d DateTime) IsZero() bool { return d == DateTime{} }

// Valid reports whether d is a date and time the calendar has, in the
// years 1 to 9999.
func (d DateTime) Valid() bool {
	return d.Year >= 1 && d.Year <= 9999 && DateTimeOf(d.floating()) == d
}

// floating is d as if in UTC: for arithmetic on dates, which must not be
// disturbed by a zone's changes of offset.
func (d DateTime) floating() time.Time {
	return time.Date(d.Year, d.Month, d.Day, d.Hour, d.Minute, d.Second, 0, time.UTC)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d DateTime) Compare(e DateTime) int { return d.floating().Compare(e.floating()) }

// Date returns the date of d at midnight.
func (d DateTime) Date() DateTime { return DateTime{Year: d.Year, Month: d.Month, Day: d.Day} }

// String writes d as 2026-12-07T07:00, with seconds when they are not
// zero; the zero DateTime as "".
func (d DateTime) String() string {
	switch {
	case d.IsZero():
		return ""
	case d.Second != 0:
		return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", d.Year, int(d.Month), d.Day, d.Hour, d.Minute, d.Second)
	}
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d", d.Year, int(d.Month), d.Day, d.Hour, d.Minute)
}

// Compact writes d in RFC 5545's form, 20261207T070000.
func (d DateTime) Compact() string {
	return fmt.Sprintf("%04d%02d%02dT%02d%02d%02d", d.Year, int(d.Month), d.Day, d.Hour, d.Minute, d.Second)
}

// MarshalText writes d as String does.
func (d DateTime) MarshalText() ([]byte, error) {
	if !d.IsZero() && !d.Valid() {
		return nil, fmt.Errorf("marshal local date-time: %v is not a date of the calendar", [6]int{d.Year, int(d.Month), d.Day, d.Hour, d.Minute, d.Second})
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads what ParseDateTime reads; "" is the zero DateTime.
func (d *DateTime) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = DateTime{}
		return nil
	}
	v, err := ParseDateTime(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// In returns the instant d names in loc (UTC when nil). A time the clock
// skips (a daylight-saving gap) gives the first instant after the gap,
// with moved true; a time the clock shows twice gives the first of the
// two instants.
func (d DateTime) In(loc *time.Location) (t time.Time, moved bool) {
	if loc == nil {
		loc = time.UTC
	}
	t = time.Date(d.Year, d.Month, d.Day, d.Hour, d.Minute, d.Second, 0, loc)
	got := DateTimeOf(t)
	if got == d {
		// Go picks either instant of a repeated time: take the earlier
		// when the zone before t's had a larger offset and also shows d.
		start, _ := t.ZoneBounds()
		if !start.IsZero() {
			_, prev := start.Add(-time.Nanosecond).Zone()
			_, off := t.Zone()
			if prev > off {
				if e := t.Add(-time.Duration(prev-off) * time.Second); e.Before(start) && DateTimeOf(e) == d {
					return e, false
				}
			}
		}
		return t, false
	}
	// d falls in a gap: the instant that ends it is where the new
	// offset starts, on whichever side of it Go placed t.
	start, end := t.ZoneBounds()
	if got.Compare(d) > 0 {
		return start, true
	}
	return end, true
}

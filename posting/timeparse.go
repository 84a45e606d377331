package posting

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// offsetLayouts are the accepted forms of a time with an offset besides
// RFC 3339: without seconds, as TimeError suggests them, and with a space.
var offsetLayouts = []string{
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04Z07:00",
}

// localLayouts are the accepted forms of a time without offset, read in
// the request's zone.
var localLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
}

// ParseTime reads an instant written as RFC 3339 with an offset or as a
// local date and time in loc, and returns it in UTC. Fractional seconds
// are accepted in both forms. A local time that names no single instant
// in loc, because the clocks skip it or pass it twice, is a *TimeError:
// moving it to a neighbour would publish an hour off without a word.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range offsetLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range localLayouts {
		// The wall clock, read as if it were UTC.
		if w, err := time.Parse(layout, s); err == nil {
			return inZone(s, w, loc, strings.Count(layout, ":") == 2)
		}
	}
	return time.Time{}, errors.New("not an RFC 3339 or local date and time")
}

// TimeError says why a local time given without an offset names no single
// instant in its zone.
type TimeError struct {
	Value string // as given
	Zone  string
	// Ambiguous is true when the clocks pass the time twice (they go
	// back), false when they skip it (they go forward).
	Ambiguous bool
	// Choices are the instants to pick from, in the zone: for a skipped
	// time the last one before the jump and the first after it, for an
	// ambiguous one both readings, the earlier first.
	Choices [2]time.Time
	// Change is the instant the clocks change.
	Change  time.Time
	seconds bool // the value was written with seconds
}

// Suggestions returns Choices written with their offsets, to the
// precision of the value.
func (e *TimeError) Suggestions() []string {
	layout := "2006-01-02T15:04Z07:00"
	if e.seconds {
		layout = "2006-01-02T15:04:05Z07:00"
	}
	return []string{e.Choices[0].Format(layout), e.Choices[1].Format(layout)}
}

func (e *TimeError) Error() string {
	// The wall clock just before the change, and at it.
	_, before := e.Choices[0].Zone()
	from := e.Change.In(time.FixedZone("", before)).Format("15:04")
	to := e.Change.In(e.Choices[1].Location()).Format("15:04")
	s := e.Suggestions()
	if e.Ambiguous {
		return fmt.Sprintf("%s happens twice in %s: the clocks go back from %s to %s that day; give an offset: %s or %s",
			e.Value, e.Zone, from, to, s[0], s[1])
	}
	return fmt.Sprintf("%s does not exist in %s: the clocks go from %s straight to %s that day; give an offset: %s (just before) or %s (just after)",
		e.Value, e.Zone, from, to, s[0], s[1])
}

// inZone returns the one instant whose wall clock in loc is w (a wall
// clock read as UTC), or a *TimeError when there is none or more than one.
func inZone(value string, w time.Time, loc *time.Location, seconds bool) (time.Time, error) {
	var found []time.Time
	var starts []time.Time // where the zone periods tried begin
	for _, off := range offsetsNear(w, loc) {
		u := w.Add(-time.Duration(off) * time.Second)
		if _, o := u.In(loc).Zone(); o == off && !slices.ContainsFunc(found, u.Equal) {
			found = append(found, u)
		}
		if start, _ := u.In(loc).ZoneBounds(); !start.IsZero() {
			starts = append(starts, start)
		}
	}
	slices.SortFunc(found, func(a, b time.Time) int { return a.Compare(b) })
	te := &TimeError{Value: value, Zone: loc.String(), seconds: seconds}
	switch len(found) {
	case 1:
		return found[0].UTC(), nil
	case 0:
		// The change whose skipped wall clocks hold w.
		step := time.Minute
		if seconds {
			step = time.Second
		}
		for _, start := range starts {
			_, before := start.Add(-time.Nanosecond).In(loc).Zone()
			_, after := start.In(loc).Zone()
			skipFrom := start.Add(time.Duration(before) * time.Second)
			skipTo := start.Add(time.Duration(after) * time.Second)
			if !w.Before(skipFrom) && w.Before(skipTo) {
				te.Change = start
				te.Choices = [2]time.Time{start.Add(-step).In(loc), start.In(loc)}
				return time.Time{}, te
			}
		}
		return time.Time{}, fmt.Errorf("%s does not exist in %s", value, loc)
	default:
		te.Ambiguous = true
		te.Choices = [2]time.Time{found[0].In(loc), found[len(found)-1].In(loc)}
		te.Change, _ = te.Choices[1].ZoneBounds()
		return time.Time{}, te
	}
}

// offsetsNear returns the UTC offsets loc uses around the wall clock w:
// those of the zone periods two days either side and next to them, which
// covers any change of the clocks at w.
func offsetsNear(w time.Time, loc *time.Location) []int {
	var offs []int
	add := func(t time.Time) {
		if _, o := t.In(loc).Zone(); !slices.Contains(offs, o) {
			offs = append(offs, o)
		}
	}
	for _, d := range []time.Duration{-48 * time.Hour, 0, 48 * time.Hour} {
		t := w.Add(d)
		add(t)
		start, end := t.In(loc).ZoneBounds()
		if !start.IsZero() {
			add(start.Add(-time.Nanosecond))
		}
		if !end.IsZero() {
			add(end)
		}
	}
	return offs
}

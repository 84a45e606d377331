package posting

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
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
	return time.Time{}, errNotATime
}

var errNotATime = errors.New("not an RFC 3339 or local date and time")

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

// HumanForms names the forms ParseHuman reads, for help texts and errors.
const HumanForms = "2026-12-24 09:00, 24/12/2026 09:00, 09:00 (the next one), hoy 15:00, mañana 09:00, " +
	"lunes 08:30, +90m, +2h, +1d, or RFC 3339 (2026-12-24T09:00:00-05:00)"

// ParseHuman reads a time as a person types it, in loc, and returns it in
// UTC. It reads everything ParseTime reads, and:
//
//   - +90m, +2h, +1h30m, +2d, +1d12h: from now; a day is 24 hours.
//   - hoy 15:00, mañana 09:00 (manana), pasado mañana 09:00, and in
//     English today, tomorrow.
//   - lunes 08:30 … domingo (accents optional), monday … sunday: the
//     next such day at that time; today when today is that day and the
//     time is still ahead, else a week later.
//   - 2026-12-24 09:00 and 24/12/2026 09:00 (day/month/year).
//   - 09:00 alone: the next 09:00, today when still ahead, else tomorrow.
//   - ahora, now.
//
// A time of day is 24-hour (9:00, 09:00, 09:00:30) or has am/pm (9am,
// 3:30 pm, 3:30 p. m.); "a las" or "at" may come before it. Letters may be
// upper or lower case. A local time the clocks skip or pass twice in loc
// is a *TimeError, as with ParseTime.
func ParseHuman(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("no time given; write one of: %s", HumanForms)
	}
	t, err := ParseTime(s, loc)
	if !errors.Is(err, errNotATime) {
		return t, err
	}
	h := humanTime{value: s, now: now.In(loc), loc: loc}
	return h.parse(foldSpanish(s))
}

// humanTime is one reading of ParseHuman.
type humanTime struct {
	value string // as given
	now   time.Time
	loc   *time.Location
}

var (
	relativeRE = regexp.MustCompile(`^\+\s*(?:(\d+)d)?\s*([0-9a-zµ.]*)$`)
	isoDateRE  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+(.*))?$`)
	dmyDateRE  = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(.*))?$`)
	clockRE    = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(?:([ap])\.?\s*m\.?)?$`)
	// "a las", "at" before a time of day.
	fillerRE         = regexp.MustCompile(`^(?:a\s+las?|at)\s+`)
	trailingFillerRE = regexp.MustCompile(`(?:^|\s)(?:a\s+las?|at)\s*$`)
)

// dayWords are the words for a day relative to today, in days from today.
var dayWords = map[string]int{"hoy": 0, "today": 0, "manana": 1, "tomorrow": 1, "pasado manana": 2}

// weekdays are the names of the days of the week, accents folded.
var weekdays = map[string]time.Weekday{
	"domingo": time.Sunday, "lunes": time.Monday, "martes": time.Tuesday, "miercoles": time.Wednesday,
	"jueves": time.Thursday, "viernes": time.Friday, "sabado": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

func (h humanTime) parse(s string) (time.Time, error) {
	if s == "ahora" || s == "now" {
		return h.now.UTC(), nil
	}
	if strings.HasPrefix(s, "+") {
		return h.relative(s)
	}
	if m := isoDateRE.FindStringSubmatch(s); m != nil {
		return h.onDate(m[1], m[2], m[3], m[4])
	}
	if m := dmyDateRE.FindStringSubmatch(s); m != nil {
		return h.onDate(m[3], m[2], m[1], m[4])
	}
	// "lunes 08:30", "pasado manana a las 9am": the time of day is the
	// part from the first digit on.
	day, rest := s, ""
	if j := strings.IndexAny(s, "0123456789"); j >= 0 {
		day, rest = s[:j], s[j:]
	}
	day = strings.TrimPrefix(strings.TrimSpace(trailingFillerRE.ReplaceAllString(day, "")), "el ")
	if day == "" {
		return h.next(rest)
	}
	if n, ok := dayWords[day]; ok {
		if rest == "" {
			return time.Time{}, fmt.Errorf("%q needs a time of day, e.g. %s 09:00", h.value, h.value)
		}
		clock, err := h.clock(rest)
		if err != nil {
			return time.Time{}, err
		}
		y, m, d := h.now.Date()
		return h.at(y, m, d+n, clock)
	}
	if wd, ok := weekdays[day]; ok {
		if rest == "" {
			return time.Time{}, fmt.Errorf("%q needs a time of day, e.g. %s 08:30", h.value, h.value)
		}
		clock, err := h.clock(rest)
		if err != nil {
			return time.Time{}, err
		}
		y, m, d := h.now.Date()
		n := (int(wd) - int(h.now.Weekday()) + 7) % 7
		t, err := h.at(y, m, d+n, clock)
		if err == nil && n == 0 && !t.After(h.now) {
			t, err = h.at(y, m, d+7, clock)
		}
		return t, err
	}
	return time.Time{}, h.unreadable()
}

func (h humanTime) unreadable() error {
	return fmt.Errorf("cannot read %q as a time; write one of: %s", h.value, HumanForms)
}

// relative reads +90m, +2h, +1d12h.
func (h humanTime) relative(s string) (time.Time, error) {
	m := relativeRE.FindStringSubmatch(s)
	if m == nil || (m[1] == "" && m[2] == "") {
		return time.Time{}, h.unreadable()
	}
	var d time.Duration
	if m[1] != "" {
		days, err := strconv.Atoi(m[1])
		if err != nil || days > 3660 {
			return time.Time{}, fmt.Errorf("%q: too many days ahead", h.value)
		}
		d = time.Duration(days) * 24 * time.Hour
	}
	if m[2] != "" {
		more, err := time.ParseDuration(m[2])
		if err != nil || more < 0 {
			return time.Time{}, fmt.Errorf("cannot read %q as a time from now; write +90m, +2h, +1h30m, +2d or +1d12h (units d, h, m, s)", h.value)
		}
		d += more
	}
	return h.now.Add(d).UTC(), nil
}

// wallClock is a time of day.
type wallClock struct {
	hour, min, sec int
	seconds        bool // written with seconds
}

// clock reads a time of day: 9:00, 09:00:30, 9am, 3:30 p. m.
func (h humanTime) clock(s string) (wallClock, error) {
	s = strings.TrimSpace(fillerRE.ReplaceAllString(s, ""))
	m := clockRE.FindStringSubmatch(s)
	if m == nil || (m[2] == "" && m[4] == "") {
		return wallClock{}, fmt.Errorf("cannot read %q in %q as a time of day; write 09:00, 15:30 or 3:30 pm", s, h.value)
	}
	c := wallClock{seconds: m[3] != ""}
	c.hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		c.min, _ = strconv.Atoi(m[2])
	}
	if m[3] != "" {
		c.sec, _ = strconv.Atoi(m[3])
	}
	bad := c.min > 59 || c.sec > 59
	switch m[4] {
	case "":
		bad = bad || c.hour > 23
	default:
		bad = bad || c.hour < 1 || c.hour > 12
		c.hour %= 12
		if m[4] == "p" {
			c.hour += 12
		}
	}
	if bad {
		return wallClock{}, fmt.Errorf("%q in %q is not a time of day: hours go from 00:00 to 23:59, or 12:00 am to 11:59 pm", s, h.value)
	}
	return c, nil
}

// onDate reads a date given as year, month and day, and the time of day
// after it.
func (h humanTime) onDate(year, month, day, rest string) (time.Time, error) {
	y, _ := strconv.Atoi(year)
	m, _ := strconv.Atoi(month)
	d, _ := strconv.Atoi(day)
	if date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC); date.Year() != y || int(date.Month()) != m || date.Day() != d {
		return time.Time{}, fmt.Errorf("%q: %04d-%02d-%02d is not a date (dates with slashes are day/month/year: 24/12/2026)", h.value, y, m, d)
	}
	if rest == "" {
		return time.Time{}, fmt.Errorf("%q needs a time of day, e.g. %s 09:00", h.value, h.value)
	}
	c, err := h.clock(rest)
	if err != nil {
		return time.Time{}, err
	}
	return h.at(y, time.Month(m), d, c)
}

// next reads a time of day alone: its next occurrence.
func (h humanTime) next(s string) (time.Time, error) {
	if !clockRE.MatchString(strings.TrimSpace(fillerRE.ReplaceAllString(s, ""))) {
		return time.Time{}, h.unreadable()
	}
	c, err := h.clock(s)
	if err != nil {
		return time.Time{}, err
	}
	y, m, d := h.now.Date()
	t, err := h.at(y, m, d, c)
	if err == nil && !t.After(h.now) {
		t, err = h.at(y, m, d+1, c)
	}
	return t, err
}

// at is the instant of a wall clock in the zone, or a *TimeError when the
// clocks skip it or pass it twice. The day may overflow its month.
func (h humanTime) at(y int, m time.Month, d int, c wallClock) (time.Time, error) {
	w := time.Date(y, m, d, c.hour, c.min, c.sec, 0, time.UTC)
	layout := "2006-01-02 15:04"
	if c.seconds {
		layout = "2006-01-02 15:04:05"
	}
	return inZone(w.Format(layout), w, h.loc, c.seconds)
}

// foldSpanish lowers s, drops the accents of Spanish letters (ñ becomes n:
// "mañana" and "manana" are one word) and collapses runs of spaces.
func foldSpanish(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// IsQueue reports whether a time a person typed asks for the queue
// (QueueTime), as the command line, the compose page and the CSV import
// take it: "queue" or, in Spanish, "cola", "en cola", "en la cola" or "a
// la cola", in any case and spacing.
func IsQueue(typed string) bool {
	switch strings.ToLower(strings.Join(strings.Fields(typed), " ")) {
	case QueueTime, "cola", "en cola", "en la cola", "a la cola":
		return true
	}
	return false
}

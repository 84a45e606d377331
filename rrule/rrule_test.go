package rrule_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pregonero/rrule"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func local(t testing.TB, s string) rrule.DateTime {
	t.Helper()
	d, err := rrule.ParseDateTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// format writes occurrences as "2026-03-08T03:00:00-04:00" with "*" after a
// moved one.
func format(os []rrule.Occurrence, loc *time.Location) string {
	var parts []string
	for _, o := range os {
		s := o.At.In(loc).Format(time.RFC3339)
		if o.Moved {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestExpand(t *testing.T) {
	tests := []struct {
		name, rule, start, zone string
		exceptions              []string
		n                       int // occurrences asked from the start
		want                    string
	}{
		{name: "daily 7:00 stays 7:00 across New York's spring forward", rule: "FREQ=DAILY", start: "2026-03-06T07:00", zone: "America/New_York", n: 4,
			want: "2026-03-06T07:00:00-05:00 2026-03-07T07:00:00-05:00 2026-03-08T07:00:00-04:00 2026-03-09T07:00:00-04:00"},
		{name: "daily 7:00 stays 7:00 across New York's fall back", rule: "FREQ=DAILY", start: "2026-10-31T07:00", zone: "America/New_York", n: 3,
			want: "2026-10-31T07:00:00-04:00 2026-11-01T07:00:00-05:00 2026-11-02T07:00:00-05:00"},
		{name: "daily 7:00 stays 7:00 across Madrid's spring forward", rule: "FREQ=DAILY", start: "2026-03-28T07:00", zone: "Europe/Madrid", n: 3,
			want: "2026-03-28T07:00:00+01:00 2026-03-29T07:00:00+02:00 2026-03-30T07:00:00+02:00"},
		{name: "weekly Sunday 9:00 stays 9:00 across Madrid's fall back", rule: "FREQ=WEEKLY;BYDAY=SU", start: "2026-10-18T09:00", zone: "Europe/Madrid", n: 3,
			want: "2026-10-18T09:00:00+02:00 2026-10-25T09:00:00+01:00 2026-11-01T09:00:00+01:00"},
		{name: "2:30 in New York's gap moves to 3:00 and says so", rule: "FREQ=DAILY", start: "2026-03-07T02:30", zone: "America/New_York", n: 3,
			want: "2026-03-07T02:30:00-05:00 2026-03-08T03:00:00-04:00* 2026-03-09T02:30:00-04:00"},
		{name: "2:30 in Madrid's gap moves to 3:00 and says so", rule: "FREQ=WEEKLY;BYDAY=SU", start: "2026-03-22T02:30", zone: "Europe/Madrid", n: 3,
			want: "2026-03-22T02:30:00+01:00 2026-03-29T03:00:00+02:00* 2026-04-05T02:30:00+02:00"},
		{name: "1:30 repeated in New York's fall back is the first one", rule: "FREQ=DAILY", start: "2026-10-31T01:30", zone: "America/New_York", n: 3,
			want: "2026-10-31T01:30:00-04:00 2026-11-01T01:30:00-04:00 2026-11-02T01:30:00-05:00"},
		{name: "2:30 repeated in Madrid's fall back is the first one", rule: "FREQ=DAILY", start: "2026-10-25T02:30", zone: "Europe/Madrid", n: 2,
			want: "2026-10-25T02:30:00+02:00 2026-10-26T02:30:00+01:00"},
		{name: "Bogotá has no DST: weekdays at 7:00 all year", rule: "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=5", start: "2026-03-06T07:00", zone: "America/Bogota", n: 10,
			want: "2026-03-06T07:00:00-05:00 2026-03-09T07:00:00-05:00 2026-03-11T07:00:00-05:00 2026-03-13T07:00:00-05:00 2026-03-16T07:00:00-05:00"},
		{name: "RFC 5545 every other week MO,WE,FR until 24 Dec 1997, WKST=SU", rule: "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR", start: "1997-09-01T09:00", zone: "America/New_York", n: 100,
			want: rfcDates("09:00", "-04:00", "1997-09-01 03 05 15 17 19 29", "1997-10-01 03 13 15 17") + " " +
				rfcDates("09:00", "-05:00", "1997-10-27 29 31", "1997-11-10 12 14 24 26 28", "1997-12-08 10 12 22")},
		{name: "RFC 5545 WKST=MO changes an every-other-week rule", rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", start: "1997-08-05T09:00", zone: "America/New_York", n: 10,
			want: rfcDates("09:00", "-04:00", "1997-08-05 10 19 24")},
		{name: "RFC 5545 WKST=SU changes an every-other-week rule", rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", start: "1997-08-05T09:00", zone: "America/New_York", n: 10,
			want: rfcDates("09:00", "-04:00", "1997-08-05 17 19 31")},
		{name: "RFC 5545 monthly on the first Friday", rule: "FREQ=MONTHLY;COUNT=10;BYDAY=1FR", start: "1997-09-05T09:00", zone: "America/New_York", n: 20,
			want: rfcDates("09:00", "-04:00", "1997-09-05", "1997-10-03") + " " + rfcDates("09:00", "-05:00", "1997-11-07", "1997-12-05", "1998-01-02", "1998-02-06", "1998-03-06", "1998-04-03") + " " +
				rfcDates("09:00", "-04:00", "1998-05-01", "1998-06-05")},
		{name: "RFC 5545 monthly on the second-to-last Monday", rule: "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", start: "1997-09-22T09:00", zone: "America/New_York", n: 20,
			want: rfcDates("09:00", "-04:00", "1997-09-22", "1997-10-20") + " " + rfcDates("09:00", "-05:00", "1997-11-17", "1997-12-22", "1998-01-19", "1998-02-16")},
		{name: "second Tuesday of the month", rule: "FREQ=MONTHLY;BYDAY=2TU", start: "2026-12-01T10:00", zone: "America/Bogota", n: 3,
			want: "2026-12-08T10:00:00-05:00 2027-01-12T10:00:00-05:00 2027-02-09T10:00:00-05:00"},
		{name: "last Friday of the month", rule: "FREQ=MONTHLY;BYDAY=-1FR", start: "2026-12-01T16:00", zone: "America/Bogota", n: 3,
			want: "2026-12-25T16:00:00-05:00 2027-01-29T16:00:00-05:00 2027-02-26T16:00:00-05:00"},
		{name: "the 31st skips the months without one", rule: "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3", start: "2027-01-31T08:00", zone: "America/Bogota", n: 10,
			want: "2027-01-31T08:00:00-05:00 2027-03-31T08:00:00-05:00 2027-05-31T08:00:00-05:00"},
		{name: "the last day of each month", rule: "FREQ=MONTHLY;BYMONTHDAY=-1", start: "2027-01-01T08:00", zone: "America/Bogota", n: 3,
			want: "2027-01-31T08:00:00-05:00 2027-02-28T08:00:00-05:00 2027-03-31T08:00:00-05:00"},
		{name: "monthly without BY parts repeats the start's day", rule: "FREQ=MONTHLY;INTERVAL=2", start: "2026-12-07T07:00", zone: "America/Bogota", n: 3,
			want: "2026-12-07T07:00:00-05:00 2027-02-07T07:00:00-05:00 2027-04-07T07:00:00-05:00"},
		{name: "weekly without BYDAY repeats the start's weekday", rule: "FREQ=WEEKLY", start: "2026-12-07T07:00", zone: "America/Bogota", n: 2,
			want: "2026-12-07T07:00:00-05:00 2026-12-14T07:00:00-05:00"},
		{name: "daily limited by BYDAY gives weekdays", rule: "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", start: "2026-12-04T07:00", zone: "America/Bogota", n: 3,
			want: "2026-12-04T07:00:00-05:00 2026-12-07T07:00:00-05:00 2026-12-08T07:00:00-05:00"},
		{name: "a local UNTIL date includes its whole day", rule: "FREQ=DAILY;UNTIL=20261209", start: "2026-12-07T07:00", zone: "America/Bogota", n: 10,
			want: "2026-12-07T07:00:00-05:00 2026-12-08T07:00:00-05:00 2026-12-09T07:00:00-05:00"},
		{name: "a UTC UNTIL equal to an occurrence includes it", rule: "FREQ=DAILY;UNTIL=20261208T120000Z", start: "2026-12-07T07:00", zone: "America/Bogota", n: 10,
			want: "2026-12-07T07:00:00-05:00 2026-12-08T07:00:00-05:00"},
		{name: "an exception is skipped but counted", rule: "FREQ=DAILY;COUNT=3", start: "2026-12-07T07:00", zone: "America/Bogota", exceptions: []string{"2026-12-08T07:00"}, n: 10,
			want: "2026-12-07T07:00:00-05:00 2026-12-09T07:00:00-05:00"},
		{name: "a start out of step with its rule is not an occurrence", rule: "FREQ=WEEKLY;BYDAY=TU", start: "2026-12-07T07:00", zone: "America/Bogota", n: 2,
			want: "2026-12-08T07:00:00-05:00 2026-12-15T07:00:00-05:00"},
		{name: "a rule that never matches gives nothing", rule: "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=30", start: "2027-02-01T07:00", zone: "America/Bogota", n: 2,
			want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := rrule.Parse(tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			loc := zone(t, tt.zone)
			s := &rrule.Set{Rule: r, Start: local(t, tt.start), Location: loc}
			for _, e := range tt.exceptions {
				s.Exceptions = append(s.Exceptions, local(t, e))
			}
			from, _ := s.Start.In(loc)
			if got := format(s.Next(from, tt.n), loc); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// rfcDates writes the instants of days listed as "1997-09-01 03 05", the
// first day in full and the others by day of the same month.
func rfcDates(clock, offset string, months ...string) string {
	var out []string
	for _, m := range months {
		fields := strings.Fields(m)
		ym := fields[0][:8]
		out = append(out, fmt.Sprintf("%sT%s:00%s", fields[0], clock, offset))
		for _, d := range fields[1:] {
			out = append(out, fmt.Sprintf("%s%sT%s:00%s", ym, d, clock, offset))
		}
	}
	return strings.Join(out, " ")
}

func TestBetween(t *testing.T) {
	loc := zone(t, "America/Bogota")
	r, _ := rrule.Parse("FREQ=DAILY")
	s := &rrule.Set{Rule: r, Start: local(t, "2020-01-01T07:00"), Location: loc}
	from := time.Date(2026, 12, 7, 7, 0, 0, 0, loc)
	t.Run("window includes its start and excludes its end", func(t *testing.T) {
		got := format(s.Between(from, from.Add(48*time.Hour)), loc)
		want := "2026-12-07T07:00:00-05:00 2026-12-08T07:00:00-05:00"
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("an every-other-day rule keeps its phase after a jump ahead", func(t *testing.T) {
		r2, _ := rrule.Parse("FREQ=DAILY;INTERVAL=2")
		s2 := &rrule.Set{Rule: r2, Start: local(t, "2026-01-01T07:00"), Location: loc}
		// 2026-01-01 + 2k days: 2026-12-07 is day 340 after it, even.
		got := format(s2.Between(from, from.Add(72*time.Hour)), loc)
		want := "2026-12-07T07:00:00-05:00 2026-12-09T07:00:00-05:00"
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("COUNT is counted from the start, not from the window", func(t *testing.T) {
		r3, _ := rrule.Parse("FREQ=DAILY;COUNT=3")
		s3 := &rrule.Set{Rule: r3, Start: local(t, "2026-12-06T07:00"), Location: loc}
		got := format(s3.Between(from, from.Add(10*24*time.Hour)), loc)
		want := "2026-12-07T07:00:00-05:00 2026-12-08T07:00:00-05:00"
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ rule, part string }{
		{"", "RRULE"},
		{"BYDAY=MO", "FREQ"},
		{"FREQ=YEARLY", "FREQ"},
		{"FREQ=SOMETIMES", "FREQ"},
		{"FREQ=DAILY;INTERVAL=0", "INTERVAL"},
		{"FREQ=DAILY;INTERVAL=x", "INTERVAL"},
		{"FREQ=DAILY;COUNT=-1", "COUNT"},
		{"FREQ=DAILY;COUNT=2;UNTIL=20261231", "COUNT"},
		{"FREQ=DAILY;UNTIL=2026", "UNTIL"},
		{"FREQ=DAILY;UNTIL=20261331T000000Z", "UNTIL"},
		{"FREQ=WEEKLY;BYDAY=XX", "BYDAY"},
		{"FREQ=WEEKLY;BYDAY=2TU", "BYDAY"},
		{"FREQ=MONTHLY;BYDAY=6TU", "BYDAY"},
		{"FREQ=MONTHLY;BYDAY=MO,MO", "BYDAY"},
		{"FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"},
		{"FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"},
		{"FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY"},
		{"FREQ=DAILY;WKST=XY", "WKST"},
		{"FREQ=DAILY;BYSETPOS=1", "BYSETPOS"},
		{"FREQ=DAILY;FOO=1", "FOO"},
		{"FREQ=DAILY;FREQ=WEEKLY", "FREQ"},
		{"FREQ=DAILY;COUNT", "RRULE"},
	}
	for _, tt := range tests {
		t.Run(tt.rule+" names "+tt.part, func(t *testing.T) {
			_, err := rrule.Parse(tt.rule)
			var e *rrule.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *rrule.Error", err)
			}
			if e.Part != tt.part {
				t.Errorf("got part %s (%v), want %s", e.Part, err, tt.part)
			}
		})
	}
}

func TestParseString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"RRULE:freq=weekly;byday=mo,we", "FREQ=WEEKLY;BYDAY=MO,WE"},
		{"FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=1", "FREQ=MONTHLY;BYDAY=-1FR"},
		{"FREQ=DAILY;UNTIL=20261231", "FREQ=DAILY;UNTIL=20261231T235959"},
		{"FREQ=DAILY;UNTIL=20261231T120000Z;WKST=SU", "FREQ=DAILY;UNTIL=20261231T120000Z;WKST=SU"},
		{"FREQ=MONTHLY;BYMONTHDAY=1,-1;COUNT=4;INTERVAL=3", "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1,-1;COUNT=4"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := rrule.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDateTime(t *testing.T) {
	t.Run("reads the forms people and RFC 5545 write", func(t *testing.T) {
		for _, s := range []string{"2026-12-07T07:00", "2026-12-07 07:00", "20261207T070000", "2026-12-07T07:00:00"} {
			if got := local(t, s).String(); got != "2026-12-07T07:00" {
				t.Errorf("%s: got %s", s, got)
			}
		}
	})
	t.Run("refuses an offset and impossible dates", func(t *testing.T) {
		for _, s := range []string{"2026-12-07T07:00Z", "2026-02-30T07:00", "2026-12-07T25:00", "mañana"} {
			if _, err := rrule.ParseDateTime(s); err == nil {
				t.Errorf("%s: accepted", s)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE;INTERVAL=2;WKST=SU", "FREQ=MONTHLY;BYDAY=2TU;COUNT=5",
		"FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20261231T000000Z", "RRULE:FREQ=DAILY;UNTIL=20261231", "FREQ=;;=", "FREQ=MONTHLY;BYDAY=+1MO"} {
		f.Add(s)
	}
	loc, _ := time.LoadLocation("America/New_York")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := rrule.Parse(s)
		if err != nil {
			var e *rrule.Error
			if !errors.As(err, &e) || e.Part == "" {
				t.Fatalf("error %v names no part", err)
			}
			return
		}
		again, err := rrule.Parse(r.String())
		if err != nil {
			t.Fatalf("%q written as %q does not parse: %v", s, r.String(), err)
		}
		if again.String() != r.String() {
			t.Fatalf("%q written as %q, then %q", s, r.String(), again.String())
		}
		set := &rrule.Set{Rule: r, Start: rrule.DateTime{Year: 2026, Month: 3, Day: 1, Hour: 2, Minute: 30}, Location: loc}
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
		prev := time.Time{}
		for _, o := range set.Next(from, 50) {
			if o.At.Before(prev) {
				t.Fatalf("%q: occurrences out of order: %v after %v", s, o.At, prev)
			}
			prev = o.At
		}
	})
}

func BenchmarkExpandSeries(b *testing.B) {
	loc, _ := time.LoadLocation("America/Bogota")
	rules := []string{"FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=MONTHLY;BYDAY=2TU", "FREQ=MONTHLY;BYMONTHDAY=1,15",
		"FREQ=DAILY;INTERVAL=2", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "FREQ=DAILY;COUNT=400", "FREQ=MONTHLY;BYDAY=-1FR"}
	sets := make([]*rrule.Set, 1000)
	for i := range sets {
		r, err := rrule.Parse(rules[i%len(rules)])
		if err != nil {
			b.Fatal(err)
		}
		sets[i] = &rrule.Set{Rule: r, Location: loc,
			Start:      rrule.DateTime{Year: 2026, Month: time.Month(1 + i%12), Day: 1 + i%28, Hour: 6 + i%12, Minute: (i * 7) % 60},
			Exceptions: []rrule.DateTime{{Year: 2026, Month: 12, Day: 8, Hour: 7}}}
	}
	from := time.Date(2026, 12, 6, 0, 0, 0, 0, loc)
	to := from.Add(14 * 24 * time.Hour)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		n = 0
		for _, s := range sets {
			n += len(s.Between(from, to))
		}
	}
	b.ReportMetric(float64(n), "occurrences")
}

package posting_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pregonero/posting"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseHuman(t *testing.T) {
	bog := mustZone(t, "America/Bogota")
	// Thursday 3 December 2026, 10:15 in Bogotá.
	now := time.Date(2026, 12, 3, 10, 15, 0, 0, bog)
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, bog) }
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"+90m", now.Add(90 * time.Minute)},
		{"+2h", now.Add(2 * time.Hour)},
		{"+1h30m", now.Add(90 * time.Minute)},
		{"+ 45s", now.Add(45 * time.Second)},
		{"+2d", now.Add(48 * time.Hour)},
		{"+1d12h", now.Add(36 * time.Hour)},
		{"ahora", now},
		{"now", now},
		{"hoy 15:00", at(2026, 12, 3, 15, 0)},
		{"Hoy 9:05", at(2026, 12, 3, 9, 5)}, // already past: still today (the server says it is past)
		{"today 15:00", at(2026, 12, 3, 15, 0)},
		{"mañana 09:00", at(2026, 12, 4, 9, 0)},
		{"manana 09:00", at(2026, 12, 4, 9, 0)},
		{"MAÑANA 9:00", at(2026, 12, 4, 9, 0)},
		{"mañana a las 9:00", at(2026, 12, 4, 9, 0)},
		{"mañana 3 pm", at(2026, 12, 4, 15, 0)},
		{"mañana 3:30 p. m.", at(2026, 12, 4, 15, 30)},
		{"mañana 12am", at(2026, 12, 4, 0, 0)},
		{"mañana 12:15 pm", at(2026, 12, 4, 12, 15)},
		{"tomorrow at 9am", at(2026, 12, 4, 9, 0)},
		{"pasado mañana 07:45", at(2026, 12, 5, 7, 45)},
		{"mañana 09:00:30", at(2026, 12, 4, 9, 0).Add(30 * time.Second)},
		{"lunes 08:30", at(2026, 12, 7, 8, 30)},
		{"el lunes a las 08:30", at(2026, 12, 7, 8, 30)},
		{"monday 08:30", at(2026, 12, 7, 8, 30)},
		{"miércoles 10:00", at(2026, 12, 9, 10, 0)},
		{"miercoles 10:00", at(2026, 12, 9, 10, 0)},
		{"sábado 18:00", at(2026, 12, 5, 18, 0)},
		{"jueves 11:00", at(2026, 12, 3, 11, 0)},   // today is Thursday, 11:00 is ahead
		{"jueves 10:15", at(2026, 12, 10, 10, 15)}, // now exactly: next week
		{"thursday 09:00", at(2026, 12, 10, 9, 0)}, // already past today: next week
		{"09:00", at(2026, 12, 4, 9, 0)},           // past today: tomorrow
		{"10:16", at(2026, 12, 3, 10, 16)},
		{"a las 23:59", at(2026, 12, 3, 23, 59)},
		{"9pm", at(2026, 12, 3, 21, 0)},
		{"2026-12-24 09:00", at(2026, 12, 24, 9, 0)},
		{"2026-12-24 9:00 am", at(2026, 12, 24, 9, 0)},
		{"24/12/2026 09:00", at(2026, 12, 24, 9, 0)},
		{"1/2/2027 7:00", at(2027, 2, 1, 7, 0)},
		{"2026-12-24T09:00", at(2026, 12, 24, 9, 0)},
		{"2026-12-24T09:00:00-05:00", at(2026, 12, 24, 9, 0)},
		{"2026-12-24T14:00:00Z", at(2026, 12, 24, 9, 0)},
		{"  31/12/2026   23:00 ", at(2026, 12, 31, 23, 0)},
	} {
		got, err := posting.ParseHuman(tt.in, now, bog)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("%q: got %v, want %v (in UTC)", tt.in, got.In(bog), tt.want)
		}
	}
}

// The day changes at midnight in the zone, not in UTC: at 21:00 in Bogotá
// it is already tomorrow in UTC.
func TestParseHumanDaysAreTheZones(t *testing.T) {
	bog := mustZone(t, "America/Bogota")
	now := time.Date(2026, 12, 3, 21, 0, 0, 0, bog) // 02:00 UTC on the 4th
	got, err := posting.ParseHuman("mañana 09:00", now, bog)
	if want := time.Date(2026, 12, 4, 9, 0, 0, 0, bog); err != nil || !got.Equal(want) {
		t.Errorf("got %v, %v; want %v", got.In(bog), err, want)
	}
	got, err = posting.ParseHuman("hoy 22:00", now.UTC(), bog)
	if want := time.Date(2026, 12, 3, 22, 0, 0, 0, bog); err != nil || !got.Equal(want) {
		t.Errorf("now given in UTC: got %v, %v; want %v", got.In(bog), err, want)
	}
}

func TestParseHumanAtAClockChange(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	t.Run("a skipped time is a TimeError with the date it fell on", func(t *testing.T) {
		now := time.Date(2027, 3, 13, 10, 0, 0, 0, ny) // Saturday; the clocks jump on Sunday at 02:00
		for _, in := range []string{"mañana 02:30", "domingo 2:30 am", "14/03/2027 02:30"} {
			_, err := posting.ParseHuman(in, now, ny)
			var te *posting.TimeError
			if !errors.As(err, &te) || te.Ambiguous {
				t.Fatalf("%q: got %v, want a *TimeError for a skipped time", in, err)
			}
			if got, want := te.Suggestions(), []string{"2027-03-14T01:59-05:00", "2027-03-14T03:00-04:00"}; strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%q: got suggestions %v, want %v", in, got, want)
			}
			if !strings.Contains(err.Error(), "2027-03-14 02:30") {
				t.Errorf("%q: error %q does not say which day", in, err)
			}
		}
	})
	t.Run("an ambiguous time is a TimeError", func(t *testing.T) {
		now := time.Date(2027, 11, 6, 12, 0, 0, 0, ny)
		_, err := posting.ParseHuman("mañana 01:30", now, ny)
		var te *posting.TimeError
		if !errors.As(err, &te) || !te.Ambiguous {
			t.Fatalf("got %v, want a *TimeError for an ambiguous time", err)
		}
	})
	t.Run("a day keeps its wall clock, a duration is elapsed time", func(t *testing.T) {
		now := time.Date(2027, 3, 13, 10, 0, 0, 0, ny) // EST, -05:00
		got, err := posting.ParseHuman("mañana 10:00", now, ny)
		if want := time.Date(2027, 3, 14, 14, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
			t.Errorf("mañana 10:00: got %v, %v; want %v (10:00 EDT)", got, err, want)
		}
		got, err = posting.ParseHuman("+1d", now, ny)
		if want := now.Add(24 * time.Hour); err != nil || !got.Equal(want) {
			t.Errorf("+1d: got %v, %v; want %v (24 hours: 11:00 EDT)", got.In(ny), err, want.In(ny))
		}
	})
}

func TestParseHumanRefuses(t *testing.T) {
	bog := mustZone(t, "America/Bogota")
	now := time.Date(2026, 12, 3, 10, 15, 0, 0, bog)
	for _, tt := range []struct{ in, says string }{
		{"", "no time given"},
		{"pronto", "2026-12-24 09:00"},      // lists the forms
		{"lunez 08:30", "mañana 09:00"},     // lists the forms
		{"24/12 09:00", "24/12/2026 09:00"}, // lists the forms
		{"mañana", "needs a time of day"},
		{"lunes", "needs a time of day"},
		{"2026-12-24", "needs a time of day"},
		{"mañana 9", "as a time of day"},
		{"mañana 25:00", "not a time of day"},
		{"mañana 13pm", "not a time of day"},
		{"mañana 10:60", "not a time of day"},
		{"31/11/2026 09:00", "not a date"},
		{"12/24/2026 09:00", "day/month/year"},
		{"+", "2026-12-24 09:00"},
		{"+2 semanas", "+90m"},
		{"+-2h", "+90m"},
		{"-2h", "2026-12-24 09:00"},
		{"+99999d", "too many days"},
	} {
		_, err := posting.ParseHuman(tt.in, now, bog)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%q: got %v, want an error saying %q", tt.in, err, tt.says)
		}
	}
}

func FuzzParseHuman(f *testing.F) {
	for _, s := range []string{"+90m", "mañana 09:00", "lunes 8:30 pm", "24/12/2026 09:00", "2026-12-24T09:00:00-05:00", "09:00"} {
		f.Add(s)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2027, 3, 13, 10, 0, 0, 0, ny)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := posting.ParseHuman(s, now, ny)
		if err == nil && got.Location() != time.UTC {
			t.Errorf("%q: %v is not in UTC", s, got)
		}
	})
}

func TestIsQueue(t *testing.T) {
	for typed, want := range map[string]bool{
		"queue": true, "Queue": true, "cola": true, " COLA ": true, "en la  cola": true, "a la cola": true, "en cola": true,
		"": false, "colas": false, "mañana 9:00": false, "queue now": false, "la cola": false,
	} {
		if got := posting.IsQueue(typed); got != want {
			t.Errorf("IsQueue(%q) = %v, want %v", typed, got, want)
		}
	}
}

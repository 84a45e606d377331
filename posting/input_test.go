package posting_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
)

func ptr[T any](v T) *T { return &v }

// Whatever calls the service, characters a network would show as garbage
// or act on are refused, never removed.
func TestCreateRefusesControlCharactersAndBrokenUTF8(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name          string
		draft         posting.Draft
		target, field string
	}{
		{"escape in the text", posting.Draft{Text: "hola \x1b[31mrojo"}, "", "text"},
		{"NUL in the text", posting.Draft{Text: "hola\x00"}, "", "text"},
		{"bell in the text", posting.Draft{Text: "hola\a"}, "", "text"},
		{"lone carriage return in the text", posting.Draft{Text: "uno\rdos"}, "", "text"},
		{"carriage return at the end of the text", posting.Draft{Text: "uno\r"}, "", "text"},
		{"DEL in the text", posting.Draft{Text: "hola\x7f"}, "", "text"},
		{"C1 control in the text", posting.Draft{Text: "hola\u009b31m"}, "", "text"},
		{"invalid UTF-8 in the text", posting.Draft{Text: "Vacunaci\xf3n"}, "", "text"},
		{"escape in an override text", posting.Draft{Text: "a", Overrides: map[string]pregonero.Override{"x-gob": {Text: ptr("b\x1b")}}}, "x-gob", "overrides.text"},
		{"escape in a description", posting.Draft{Text: "a", Overrides: map[string]pregonero.Override{"x-gob": {Description: "b\x1b"}}}, "x-gob", "overrides.description"},
		{"newline in a title", posting.Draft{Text: "a", Overrides: map[string]pregonero.Override{"x-gob": {Title: "uno\ndos"}}}, "x-gob", "overrides.title"},
		{"tab in a tag", posting.Draft{Text: "a", Overrides: map[string]pregonero.Override{"x-gob": {Tags: []string{"ok", "a\tb"}}}}, "x-gob", "overrides.tags"},
		{"escape in the link", posting.Draft{Text: "a", Link: "https://antioquia.gov.co/\x1b"}, "", "link"},
		{"newline in the campaign", posting.Draft{Text: "a", Campaign: "salud\n2026"}, "", "campaign"},
		{"tab in the author", posting.Draft{Text: "a", Author: "ana\t"}, "", "author"},
		{"C1 control in the unit", posting.Draft{Text: "a", Unit: "salud\u0085"}, "", "unit"},
		{"invalid UTF-8 in the unit", posting.Draft{Text: "a", Unit: "salud\xff"}, "", "unit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.draft
			d.Targets = []string{"x-gob"}
			_, _, err := f.svc.Create(context.Background(), &d, "")
			var e *pregonero.Error
			if !errors.As(err, &e) || e.Code != pregonero.EINVALID {
				t.Fatalf("got %v, want invalid", err)
			}
			var got *pregonero.FieldError
			for i, fe := range e.Fields {
				if fe.Field == tt.field && fe.Target == tt.target {
					got = &e.Fields[i]
				}
			}
			if got == nil || got.Code != pregonero.FieldInvalid || got.Message == "" {
				t.Fatalf("got fields %+v, want %s invalid (target %q) with a message", e.Fields, tt.field, tt.target)
			}
			if strings.ContainsAny(got.Message, "\x1b\x00\x7f\r\n\t") {
				t.Errorf("got message %q, want the character named, not repeated", got.Message)
			}
		})
	}
	// The same rules apply to an edit.
	p := f.create(t, posting.Draft{Text: "hola", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-08T09:00"})
	if _, err := f.svc.Edit(context.Background(), p.ID, &posting.Patch{Campaign: ptr("a\x1b")}); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("edit with an escape in the campaign: %v, want invalid", err)
	}
	// And to a check without storing.
	v, err := f.svc.Validate(context.Background(), &posting.Draft{Text: "a\x1b", Targets: []string{"x-gob"}}, "")
	if err != nil || v.Valid {
		t.Errorf("validate with an escape: %+v, %v; want not valid", v, err)
	}
}

// Line breaks, Windows line breaks and tabs are text; they are kept as
// sent, as is every printable character.
func TestCreateKeepsLineBreaksAndTabs(t *testing.T) {
	f := newFixture(t)
	f.mustCampaign(t, "salud 2026")
	text := "Vacunación\r\ngratuita\n\tsábado 🎉 \uFFFD"
	desc := "línea uno\r\nlínea dos"
	p := f.create(t, posting.Draft{Text: text, Targets: []string{"x-gob"}, Campaign: "salud 2026",
		Overrides: map[string]pregonero.Override{"x-gob": {Description: desc, Title: "Título ñ"}}})
	if p.Text != text || p.Overrides["x-gob"].Description != desc {
		t.Errorf("got text %q description %q, want %q and %q", p.Text, p.Overrides["x-gob"].Description, text, desc)
	}
}

// A local time the clocks skip or pass twice names no single instant:
// it is refused with the instants around it, rather than moved.
func TestCreateRefusesALocalTimeAtAClockChange(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name, at string
		want     []string
	}{
		{"skipped in spring", "2027-03-14T02:30", []string{"2027-03-14T01:59-05:00", "2027-03-14T03:00-04:00"}},
		{"skipped, with seconds", "2027-03-14 02:00:00", []string{"2027-03-14T01:59:59-05:00", "2027-03-14T03:00:00-04:00"}},
		{"twice in autumn", "2027-11-07T01:30", []string{"2027-11-07T01:30-04:00 or 2027-11-07T01:30-05:00"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := posting.Draft{Text: "a", Targets: []string{"x-gob"}, ScheduledAt: tt.at, Timezone: "America/New_York"}
			_, _, err := f.svc.Create(context.Background(), &d, "")
			var e *pregonero.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "scheduled_at" || e.Fields[0].Code != pregonero.FieldInvalid {
				t.Fatalf("got %v, want scheduled_at invalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Fields[0].Message, w) {
					t.Errorf("got message %q, want it to name %s", e.Fields[0].Message, w)
				}
			}
		})
	}
	// Either suggestion is then accepted as it is written.
	for at, want := range map[string]time.Time{
		"2027-03-14T01:59-05:00": time.Date(2027, 3, 14, 6, 59, 0, 0, time.UTC),
		"2027-03-14T03:00-04:00": time.Date(2027, 3, 14, 7, 0, 0, 0, time.UTC),
		"2027-11-07T01:30-04:00": time.Date(2027, 11, 7, 5, 30, 0, 0, time.UTC),
		"2027-11-07T01:30-05:00": time.Date(2027, 11, 7, 6, 30, 0, 0, time.UTC),
		"2027-11-07T03:30":       time.Date(2027, 11, 7, 8, 30, 0, 0, time.UTC), // after the change: one reading
	} {
		p := f.create(t, posting.Draft{Text: "a", Targets: []string{"x-gob"}, ScheduledAt: at, Timezone: "America/New_York"})
		if !p.ScheduledAt.Equal(want) {
			t.Errorf("%s: got %v, want %v", at, p.ScheduledAt, want)
		}
	}
}

func TestParseTimeAtAClockChange(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a skipped time is an error naming the jump", func(t *testing.T) {
		_, err := posting.ParseTime("2027-03-14T02:30", ny)
		var te *posting.TimeError
		if !errors.As(err, &te) || te.Ambiguous {
			t.Fatalf("got %v, want a *TimeError for a skipped time", err)
		}
		if got, want := te.Suggestions(), []string{"2027-03-14T01:59-05:00", "2027-03-14T03:00-04:00"}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("got suggestions %v, want %v", got, want)
		}
	})
	t.Run("an ambiguous time is an error naming both readings", func(t *testing.T) {
		_, err := posting.ParseTime("2027-11-07 01:30", ny)
		var te *posting.TimeError
		if !errors.As(err, &te) || !te.Ambiguous {
			t.Fatalf("got %v, want a *TimeError for an ambiguous time", err)
		}
		if got, want := te.Suggestions(), []string{"2027-11-07T01:30-04:00", "2027-11-07T01:30-05:00"}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("got suggestions %v, want %v", got, want)
		}
	})
	t.Run("a zone without clock changes reads every time once", func(t *testing.T) {
		bog, err := time.LoadLocation("America/Bogota")
		if err != nil {
			t.Fatal(err)
		}
		got, err := posting.ParseTime("2027-03-14T02:30", bog)
		if want := time.Date(2027, 3, 14, 7, 30, 0, 0, time.UTC); err != nil || !got.Equal(want) {
			t.Errorf("got %v, %v; want %v", got, err, want)
		}
	})
	t.Run("the hour around a change reads normally", func(t *testing.T) {
		for s, want := range map[string]time.Time{
			"2027-03-14T01:59":    time.Date(2027, 3, 14, 6, 59, 0, 0, time.UTC),
			"2027-03-14T03:00":    time.Date(2027, 3, 14, 7, 0, 0, 0, time.UTC),
			"2027-11-07T00:59:59": time.Date(2027, 11, 7, 4, 59, 59, 0, time.UTC),
			"2027-11-07T02:00":    time.Date(2027, 11, 7, 7, 0, 0, 0, time.UTC),
		} {
			if got, err := posting.ParseTime(s, ny); err != nil || !got.Equal(want) {
				t.Errorf("%s: got %v, %v; want %v", s, got, err, want)
			}
		}
	})
}

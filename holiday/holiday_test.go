package holiday_test

import (
	"testing"
	"time"

	"pregonero/holiday"
)

// The official lists as the Colombian press and calendars publish them
// (2025: 18 festivos, 17 dates, Independencia on a Sunday; 2026: 18;
// 2027: 18, three of them on a Saturday).
var official = map[int][]string{
	2025: {"01-01", "01-06", "03-24", "04-17", "04-18", "05-01", "06-02", "06-23", "06-30", "06-30",
		"07-20", "08-07", "08-18", "10-13", "11-03", "11-17", "12-08", "12-25"},
	2026: {"01-01", "01-12", "03-23", "04-02", "04-03", "05-01", "05-18", "06-08", "06-15", "06-29",
		"07-20", "08-07", "08-17", "10-12", "11-02", "11-16", "12-08", "12-25"},
	2027: {"01-01", "01-11", "03-22", "03-25", "03-26", "05-01", "05-10", "05-31", "06-07", "07-05",
		"07-20", "08-07", "08-16", "10-18", "11-01", "11-15", "12-08", "12-25"},
}

func TestColombia(t *testing.T) {
	for year, want := range official {
		got := holiday.Colombia(year)
		if len(got) != len(want) {
			t.Fatalf("%d: got %d festivos, want %d", year, len(got), len(want))
		}
		for i, h := range got {
			if d := h.Date.Format("01-02"); d != want[i] {
				t.Errorf("%d festivo %d (%s): got %s, want %s", year, i, h.Name, d, want[i])
			}
		}
	}
}

func TestEmilianiMovesToMonday(t *testing.T) {
	t.Run("reyes on a tuesday is observed the next monday", func(t *testing.T) {
		var c holiday.Calendar
		if c.Is(2026, time.January, 6) {
			t.Error("2026-01-06 is a festivo; want it moved")
		}
		if name, ok := c.Name(2026, time.January, 12); !ok || name != "Día de los Reyes Magos" {
			t.Errorf("2026-01-12: got %q %v, want Día de los Reyes Magos", name, ok)
		}
	})
	t.Run("two festivos on one monday share the date", func(t *testing.T) {
		var c holiday.Calendar
		name, ok := c.Name(2025, time.June, 30)
		if want := "Sagrado Corazón de Jesús, San Pedro y San Pablo"; !ok || name != want {
			t.Errorf("2025-06-30: got %q %v, want %q", name, ok, want)
		}
	})
	t.Run("a fixed festivo on a sunday stays there", func(t *testing.T) {
		var c holiday.Calendar
		if !c.Is(2025, time.July, 20) || c.Is(2025, time.July, 21) {
			t.Error("20 de julio 2025 (Sunday) should be the festivo, not the Monday after")
		}
	})
	t.Run("an ordinary day is not a festivo", func(t *testing.T) {
		var c holiday.Calendar
		if c.Is(2026, time.December, 7) {
			t.Error("2026-12-07 is not a festivo")
		}
	})
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{2024: "03-31", 2025: "04-20", 2026: "04-05", 2027: "03-28", 2038: "04-25", 2285: "03-22"} {
		if got := holiday.Easter(year).Format("01-02"); got != want {
			t.Errorf("Easter %d: got %s, want %s", year, got, want)
		}
	}
}

package pregonero_test

import (
	"encoding/json"
	"testing"
	"time"

	"pregonero"
)

func TestParseDate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want pregonero.Date
		ok   bool
	}{
		{"2026-12-01", pregonero.Date{Year: 2026, Month: time.December, Day: 1}, true},
		{"2028-02-29", pregonero.Date{Year: 2028, Month: time.February, Day: 29}, true},
		{"", pregonero.Date{}, true},
		{"2027-02-29", pregonero.Date{}, false},
		{"2026-12-1", pregonero.Date{}, false},
		{"01/12/2026", pregonero.Date{}, false},
		{"2026-12-01T00:00:00Z", pregonero.Date{}, false},
		{" 2026-12-01", pregonero.Date{}, false},
	} {
		got, err := pregonero.ParseDate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("ParseDate(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestDateOrderAndValidity(t *testing.T) {
	a, b := pregonero.Date{Year: 2026, Month: time.December, Day: 31}, pregonero.Date{Year: 2027, Month: time.January, Day: 1}
	if !a.Before(b) || !b.After(a) || a.Compare(a) != 0 || a.After(b) {
		t.Errorf("%s and %s compare wrongly", a, b)
	}
	for _, d := range []pregonero.Date{{Year: 2026, Month: 2, Day: 29}, {Year: 2026, Month: 13, Day: 1}, {Year: 0, Month: 1, Day: 1}, {}} {
		if d.Valid() {
			t.Errorf("%+v is valid", d)
		}
	}
	if at := b.In(time.FixedZone("COT", -5*3600)); at.Format(time.RFC3339) != "2027-01-01T00:00:00-05:00" {
		t.Errorf("In = %s", at)
	}
	if got := pregonero.DateOf(time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)); got != (pregonero.Date{Year: 2026, Month: 12, Day: 1}) {
		t.Errorf("DateOf = %v", got)
	}
}

func TestCampaignJSON(t *testing.T) {
	c := pregonero.Campaign{ID: "c_1", Name: "Vías", StartsOn: pregonero.Date{Year: 2026, Month: 12, Day: 1}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["starts_on"] != "2026-12-01" || back["ends_on"] != "" {
		t.Errorf("got %s, want dates as 2026-12-01 and \"\" for none", b)
	}
	var got pregonero.Campaign
	if err := json.Unmarshal(b, &got); err != nil || got.StartsOn != c.StartsOn || !got.EndsOn.IsZero() {
		t.Errorf("round trip = %+v, %v", got, err)
	}
	if err := json.Unmarshal([]byte(`{"starts_on":"2026-13-01"}`), &got); err == nil {
		t.Error("a month 13 was read")
	}
	if _, err := json.Marshal(pregonero.Campaign{EndsOn: pregonero.Date{Year: 2026, Month: 2, Day: 30}}); err == nil {
		t.Error("a day the calendar lacks was written")
	}
}

func TestCampaignRunning(t *testing.T) {
	day := func(m time.Month, d int) pregonero.Date { return pregonero.Date{Year: 2026, Month: m, Day: d} }
	c := pregonero.Campaign{StartsOn: day(12, 1), EndsOn: day(12, 31)}
	for d, want := range map[pregonero.Date]bool{day(11, 30): false, day(12, 1): true, day(12, 31): true, {Year: 2027, Month: 1, Day: 1}: false} {
		if got := c.Running(d); got != want {
			t.Errorf("Running(%s) = %v, want %v", d, got, want)
		}
	}
	open := pregonero.Campaign{StartsOn: day(12, 1)}
	if !open.Running(pregonero.Date{Year: 2030, Month: 1, Day: 1}) {
		t.Error("a campaign without an end stopped")
	}
}

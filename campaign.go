package pregonero

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// Campaign groups posts that serve one purpose, for the calendar and the
// reports: "Vías del Nordeste", under a line of the Plan de Desarrollo,
// run by one dependencia between two dates, with the hashtags its posts
// carry. A post names its campaign by id (Post.Campaign).
type Campaign struct {
	ID   string `json:"id"` // "c_…"; campaigns made from older posts' labels keep the label as id
	Name string `json:"name"`
	// Description says what the campaign is about, for the people who
	// post in it; it may span lines.
	Description string `json:"description"`
	// PlanLine is the line of the Plan de Desarrollo the campaign serves.
	PlanLine string `json:"plan_line"`
	// Unit is the dependencia that runs the campaign; empty for one of the
	// whole organization.
	Unit string `json:"unit"`
	// StartsOn and EndsOn are the campaign's first and last days; EndsOn
	// is zero while no end is set.
	StartsOn Date `json:"starts_on"`
	EndsOn   Date `json:"ends_on"`
	// Hashtags are the campaign's hashtags, each with its leading "#".
	Hashtags  []string  `json:"hashtags"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Running reports whether the campaign runs on day d: from its start
// (when set) to its end (when set), both included.
func (c *Campaign) Running(d Date) bool {
	if !c.StartsOn.IsZero() && d.Before(c.StartsOn) {
		return false
	}
	return c.EndsOn.IsZero() || !d.After(c.EndsOn)
}

// CampaignStore persists campaigns. Names are unique whatever their case.
// Every write returns after its transaction is committed and synced.
// Campaigns are never deleted: posts keep naming them.
type CampaignStore interface {
	// CreateCampaign stores a new campaign; ECONFLICT when the id is
	// taken, or the name in any case (the error's Fields then name
	// "name" with code FieldDuplicate).
	CreateCampaign(ctx context.Context, c *Campaign) error
	// Campaign returns a campaign by id, CampaignByName by name in any
	// case; ENOTFOUND when there is none.
	Campaign(ctx context.Context, id string) (*Campaign, error)
	CampaignByName(ctx context.Context, name string) (*Campaign, error)
	// Campaigns lists every campaign ordered by name, without regard to
	// case.
	Campaigns(ctx context.Context) ([]*Campaign, error)
	// UpdateCampaign runs fn on a copy of the campaign in a write
	// transaction, stamps UpdatedAt and stores the result. The id cannot
	// change; a new name must be free (ECONFLICT as in CreateCampaign).
	// An error from fn is returned as is and nothing is written.
	UpdateCampaign(ctx context.Context, id string, fn func(*Campaign) error) (*Campaign, error)
}

// Date is a day of the calendar, without a time of day or a zone: the day
// a campaign starts or ends, as the people who run it say it. In JSON it
// is "2026-12-01", and the zero Date, no day at all, is "".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// dateLayout is how a Date is written: ISO 8601's calendar date.
const dateLayout = "2006-01-02"

// ParseDate reads a date written as 2026-12-01; the empty string is the
// zero Date. A day the calendar does not have (2026-02-30) is refused.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) {
		return Date{}, fmt.Errorf("%q is not a date; write it as year-month-day, e.g. 2026-12-01", s)
	}
	return DateOf(t), nil
}

// DateOf returns the day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is no day at all.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a day the calendar has, between the years 1
// and 9999.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return DateOf(d.In(time.UTC)) == d
}

// In returns the instant day d starts at in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// String returns the date as 2026-12-01, the zero Date as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Compare returns -1, 0 or +1 as d is before, the same day as, or after e.
func (d Date) Compare(e Date) int {
	return cmp.Or(cmp.Compare(d.Year, e.Year), cmp.Compare(d.Month, e.Month), cmp.Compare(d.Day, e.Day))
}

// Before reports whether d is a day before e; After whether it is after.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is a day after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// MarshalText writes the date as 2026-12-01, the zero Date as nothing.
func (d Date) MarshalText() ([]byte, error) {
	if !d.IsZero() && !d.Valid() {
		return nil, fmt.Errorf("marshal date: %d-%d-%d is not a day of the calendar", d.Year, int(d.Month), d.Day)
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads what MarshalText writes.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

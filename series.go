package pregonero

import (
	"context"
	"slices"
	"time"
)

// SeriesState says whether a series still makes posts.
type SeriesState string

// Series states.
const (
	// SeriesActive: the series makes its occurrences' posts as they come
	// within the horizon.
	SeriesActive SeriesState = "active"
	// SeriesPaused: no new post is made until the series is resumed; the
	// posts already made stay.
	SeriesPaused SeriesState = "paused"
	// SeriesEnded: the series makes no more posts, ever; its posts not
	// yet sent were canceled when it ended.
	SeriesEnded SeriesState = "ended"
)

// Series is a recurring post: the same post (its text may name the
// date) made for every occurrence of a recurrence rule, as a normal post,
// some days ahead of each occurrence (the horizon). Times are wall-clock
// times in the series' zone, so 7:00 stays 7:00 when the zone changes its
// offset. An occurrence is named by its local date-time as the rule gives
// it ("2026-12-07T07:00"), which stays its name even when the clock skips
// that time and the post goes out at the first instant after the skip.
type Series struct {
	ID   string `json:"id"` // "s_…"
	Name string `json:"name"`
	// Rule is the recurrence rule in RFC 5545's form (FREQ=WEEKLY;…), as
	// package rrule writes it.
	Rule string `json:"rule"`
	// Start is the first occurrence's local date-time (DTSTART),
	// "2026-12-07T07:00"; Zone is its IANA zone.
	Start string `json:"start"`
	Zone  string `json:"zone"`
	// The post every occurrence makes. Text and each override's text may
	// hold {fecha} and {hora}, replaced by the occurrence's date and time
	// in Spanish.
	Text      string              `json:"text"`
	Link      string              `json:"link,omitempty"`
	Media     []PostMedia         `json:"media,omitempty"`
	Targets   []string            `json:"targets"`
	Overrides map[string]Override `json:"overrides,omitempty"`
	Campaign  string              `json:"campaign,omitempty"`
	Unit      string              `json:"unit,omitempty"`
	Author    string              `json:"author,omitempty"`
	// HorizonDays is how many days ahead this series' posts are made; 0
	// takes the server's (series.horizon).
	HorizonDays int `json:"horizon_days,omitempty"`
	// Exceptions are the occurrences skipped (RFC 5545's EXDATE), as
	// local date-times.
	Exceptions []string `json:"exceptions,omitempty"`
	// Detached are the occurrences whose post was edited alone: edits of
	// the series leave their posts as they are.
	Detached []string    `json:"detached,omitempty"`
	State    SeriesState `json:"state"`
	// LastError says why the last attempt to make an occurrence's post
	// failed (a text too long for a network, an account removed), until
	// one succeeds, or why a waiting post could not take the last change
	// of the series, until that post takes a change or stops waiting;
	// LastErrorAt is when.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Skip adds an occurrence to the exceptions; skipping one twice is no
// change.
func (s *Series) Skip(occurrence string) {
	if !slices.Contains(s.Exceptions, occurrence) {
		s.Exceptions = append(s.Exceptions, occurrence)
		slices.Sort(s.Exceptions)
	}
}

// Detach records that an occurrence's post was edited alone.
func (s *Series) Detach(occurrence string) {
	if !slices.Contains(s.Detached, occurrence) {
		s.Detached = append(s.Detached, occurrence)
		slices.Sort(s.Detached)
	}
}

// IsDetached reports whether an occurrence's post was edited alone.
func (s *Series) IsDetached(occurrence string) bool { return slices.Contains(s.Detached, occurrence) }

// SetState moves the series to another state: an active series may be
// paused or ended, a paused one resumed or ended; an ended series stays
// ended.
func (s *Series) SetState(to SeriesState) error {
	switch {
	case s.State == to:
		return nil
	case s.State == SeriesEnded:
		return Errorf(ECONFLICT, "series %s has ended; create a new series instead", s.ID)
	case to != SeriesActive && to != SeriesPaused && to != SeriesEnded:
		return Errorf(EINVALID, "%q is not a state of a series; use active, paused or ended", to)
	}
	s.State = to
	return nil
}

// SeriesPost is one occurrence of a series that has its post.
type SeriesPost struct {
	// Occurrence is the local date-time the rule gives, 2026-12-07T07:00.
	Occurrence string `json:"occurrence"`
	PostID     string `json:"post_id"`
}

// SeriesStore persists series and the posts their occurrences made.
// Every write returns after its transaction is committed and synced.
type SeriesStore interface {
	// CreateSeries stores a new series; ECONFLICT when the id is taken or
	// the name, in any case (field "name", code FieldDuplicate).
	CreateSeries(ctx context.Context, s *Series) error
	// Series returns a series; ENOTFOUND when there is none.
	Series(ctx context.Context, id string) (*Series, error)
	// SeriesList returns every series ordered by name, without regard to
	// case.
	SeriesList(ctx context.Context) ([]*Series, error)
	// UpdateSeries runs fn on a copy of the series in a write
	// transaction, stamps UpdatedAt and stores the result; the id cannot
	// change and a new name must be free. An error from fn is returned
	// as is and nothing is written.
	UpdateSeries(ctx context.Context, id string, fn func(*Series) error) (*Series, error)
	// CreateSeriesPost stores p like CreatePosts and, in the same
	// transaction, records it as the post of the series' occurrence, so
	// that an occurrence never gets two posts, whatever crashes or runs
	// twice. ECONFLICT, nothing written, when the occurrence has a post
	// already; ENOTFOUND when there is no such series.
	CreateSeriesPost(ctx context.Context, seriesID, occurrence string, p *Post) error
	// SeriesPosts returns the occurrences of a series that have a post,
	// in order of occurrence, from the occurrence named from on (its
	// local date-time, or any prefix of one such as a date; those that
	// sort before it are left out, "" leaves none out). The read seeks
	// to from: its cost grows with the occurrences returned, not with
	// the series' history. ENOTFOUND when there is no such series.
	SeriesPosts(ctx context.Context, seriesID, from string) ([]SeriesPost, error)
	// ReplaceSeriesPost cancels old, the post of an occurrence whose
	// deliveries all still wait (queued, unclaimed), and in the same
	// transaction stores next like CreatePosts as the occurrence's post
	// (after the series changed targets), or, with next nil, forgets the
	// occurrence's post so that the next run makes it again. Whatever
	// crashes, the occurrence never has two posts that go out, nor loses
	// its post without a new one being made. ECONFLICT, nothing written,
	// when old is not the occurrence's post or is no longer waiting;
	// ENOTFOUND when there is no such series.
	ReplaceSeriesPost(ctx context.Context, seriesID, occurrence, old string, next *Post) error
}

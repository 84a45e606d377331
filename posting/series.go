package posting

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/rrule"
)

// Recurring series. A series repeats one post on the occurrences of a
// recurrence rule (package rrule) in its zone; Materialize makes each
// occurrence's post, through the same checks as any post, when the
// occurrence comes within the horizon. The rules:
//
//   - name: required, one line, up to MaxSeriesName characters, unique in
//     any case;
//   - rule: FREQ=DAILY, WEEKLY or MONTHLY with INTERVAL, BYDAY,
//     BYMONTHDAY, UNTIL or COUNT, WKST; an error names the part of the
//     rule that is wrong; the rule must still give an occurrence;
//   - start: the first occurrence's local date-time (2026-12-07T07:00) in
//     zone (an IANA name; the service's zone when empty);
//   - the post (text, link, media, targets, overrides, campaign, unit) is
//     checked as the post of the next occurrence would be, for every
//     target;
//   - exceptions: occurrences skipped, as local date-times.
//
// Who may: every signed-in user reads series; creating and changing one
// needs the right to post to each of its targets (before and after the
// change), as a post does. The author is the person who created it.
//
// Editing a series changes the posts of its occurrences that are still
// waiting (not sending, not published) and have not been edited alone:
// their content and time follow the series; a post whose occurrence the
// new rule no longer gives is canceled; a post whose targets change is
// canceled and made again. Only the posts of occurrences from two days
// before the change on are looked at (occurrenceReach): an older
// occurrence's own time is past in every zone, so its post cannot take
// a change, even one a person moved to a later time by hand; it is left
// as it is, and not counted. Ending a series cancels its waiting posts,
// however old (one held for a person included); pausing it stops new
// posts and keeps those already made.

// Limits and defaults of a series.
const (
	MaxSeriesName = 100
	// DefaultSeriesHorizon is how far ahead occurrences become posts.
	DefaultSeriesHorizon = 14 * 24 * time.Hour
	// MaxSeriesHorizonDays bounds a series' own horizon.
	MaxSeriesHorizonDays = 366
	// MaxSeriesExceptions bounds the skipped occurrences a series keeps.
	MaxSeriesExceptions = 1000
)

// SeriesRequest is a series as a person or a program writes it: what
// POST /api/v1/series takes.
type SeriesRequest struct {
	Name        string                        `json:"name"`
	Rule        string                        `json:"rule"`
	Start       string                        `json:"start"`
	Zone        string                        `json:"zone,omitempty"`
	Text        string                        `json:"text,omitempty"`
	Link        string                        `json:"link,omitempty"`
	Media       []pregonero.PostMedia         `json:"media,omitempty"`
	Targets     []string                      `json:"targets"`
	Overrides   map[string]pregonero.Override `json:"overrides,omitempty"`
	Campaign    string                        `json:"campaign,omitempty"`
	Unit        string                        `json:"unit,omitempty"`
	HorizonDays int                           `json:"horizon_days,omitempty"`
	Exceptions  []string                      `json:"exceptions,omitempty"`
}

// SeriesPatch is a change of a series: the fields present replace the
// series', the others are kept.
type SeriesPatch struct {
	Name        *string                        `json:"name,omitempty"`
	Rule        *string                        `json:"rule,omitempty"`
	Start       *string                        `json:"start,omitempty"`
	Zone        *string                        `json:"zone,omitempty"`
	Text        *string                        `json:"text,omitempty"`
	Link        *string                        `json:"link,omitempty"`
	Media       *[]pregonero.PostMedia         `json:"media,omitempty"`
	Targets     *[]string                      `json:"targets,omitempty"`
	Overrides   *map[string]pregonero.Override `json:"overrides,omitempty"`
	Campaign    *string                        `json:"campaign,omitempty"`
	Unit        *string                        `json:"unit,omitempty"`
	HorizonDays *int                           `json:"horizon_days,omitempty"`
	Exceptions  *[]string                      `json:"exceptions,omitempty"`
}

// SeriesChange says what a change of a series did to the posts its
// occurrences had made.
type SeriesChange struct {
	// Updated posts follow the series' new content or time.
	Updated int `json:"updated"`
	// Canceled posts belonged to occurrences the series no longer has,
	// or to targets it no longer has (those are made again).
	Canceled int `json:"canceled"`
	// Kept posts still waiting were left as they were: edited alone, or
	// unable to take the change (the series' last_error says why, until
	// the post takes a later change or stops waiting). Posts already
	// sending or published are not counted: they never change, nor are
	// those of occurrences over two days before the change.
	Kept int `json:"kept"`
	// Created counts the posts made for new occurrences within the
	// horizon.
	Created int `json:"created"`
}

// seriesStore returns the store's series, or the error that says the
// store keeps none.
func (s *Service) seriesStore() (pregonero.SeriesStore, error) {
	ss, ok := s.store.(pregonero.SeriesStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no series.")
	}
	return ss, nil
}

// seriesHorizon is how far ahead a series' occurrences become posts.
func (s *Service) seriesHorizon(sr *pregonero.Series) time.Duration {
	if sr.HorizonDays > 0 {
		return time.Duration(sr.HorizonDays) * 24 * time.Hour
	}
	if s.seriesAhead > 0 {
		return s.seriesAhead
	}
	return DefaultSeriesHorizon
}

// SeriesList returns every series ordered by name.
func (s *Service) SeriesList(ctx context.Context) ([]*pregonero.Series, error) {
	ss, err := s.seriesStore()
	if err != nil {
		return nil, err
	}
	return ss.SeriesList(ctx)
}

// Series returns one series.
func (s *Service) Series(ctx context.Context, id string) (*pregonero.Series, error) {
	ss, err := s.seriesStore()
	if err != nil {
		return nil, err
	}
	return ss.Series(ctx, id)
}

// CreateSeries checks a series, stores it and makes the posts of its
// occurrences within the horizon.
func (s *Service) CreateSeries(ctx context.Context, req *SeriesRequest) (*pregonero.Series, *SeriesChange, error) {
	ss, err := s.seriesStore()
	if err != nil {
		return nil, nil, err
	}
	if err := s.mayPost(ctx, req.Targets...); err != nil {
		return nil, nil, err
	}
	if err := mayWriteSeries(ctx); err != nil {
		return nil, nil, err
	}
	now := s.now().UTC()
	sr := &pregonero.Series{
		Name: strings.TrimSpace(req.Name), Rule: req.Rule, Start: req.Start, Zone: req.Zone,
		Text: req.Text, Link: req.Link, Media: req.Media, Targets: req.Targets, Overrides: req.Overrides,
		Campaign: req.Campaign, Unit: req.Unit, HorizonDays: req.HorizonDays, Exceptions: req.Exceptions,
		Author: authored(ctx, &Draft{}).Author, State: pregonero.SeriesActive,
	}
	if err := s.checkSeries(ctx, sr, now); err != nil {
		return nil, nil, err
	}
	sr.ID, sr.CreatedAt, sr.UpdatedAt = pregonero.NewID("s", now), now, now
	if err := ss.CreateSeries(ctx, sr); err != nil {
		return nil, nil, asInvalid(err)
	}
	ch := &SeriesChange{}
	ch.Created, _ = s.materializeSeries(ctx, ss, sr, s.now())
	return sr, ch, nil
}

// mayWriteSeries refuses a user who may not post at all; which accounts
// they may post to is checked on the targets.
func mayWriteSeries(ctx context.Context) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil {
		return nil
	}
	if u.Disabled || (u.Role != pregonero.RoleAdmin && u.Role != pregonero.RoleEditor) {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "%s may read series but not create or change them (role %s).", u.Username, u.Role)
	}
	return nil
}

// UpdateSeries applies a change to a series and then to the posts its
// occurrences made that are still waiting (see the rules above).
func (s *Service) UpdateSeries(ctx context.Context, id string, patch *SeriesPatch) (*pregonero.Series, *SeriesChange, error) {
	ss, err := s.seriesStore()
	if err != nil {
		return nil, nil, err
	}
	cur, err := ss.Series(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	targets := cur.Targets
	if patch.Targets != nil {
		targets = append(slices.Clone(targets), *patch.Targets...)
	}
	if err := mayWriteSeries(ctx); err != nil {
		return nil, nil, err
	}
	if err := s.mayPost(ctx, targets...); err != nil {
		return nil, nil, err
	}
	if cur.State == pregonero.SeriesEnded {
		return nil, nil, pregonero.Errorf(pregonero.ECONFLICT, "series %s has ended; it can no longer be changed", id)
	}
	next := *cur
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&next.Name, patch.Name)
	next.Name = strings.TrimSpace(next.Name)
	set(&next.Rule, patch.Rule)
	set(&next.Start, patch.Start)
	set(&next.Zone, patch.Zone)
	set(&next.Text, patch.Text)
	set(&next.Link, patch.Link)
	set(&next.Campaign, patch.Campaign)
	set(&next.Unit, patch.Unit)
	if patch.Media != nil {
		next.Media = *patch.Media
	}
	if patch.Targets != nil {
		next.Targets = *patch.Targets
	}
	if patch.Overrides != nil {
		next.Overrides = *patch.Overrides
	}
	if patch.HorizonDays != nil {
		next.HorizonDays = *patch.HorizonDays
	}
	if patch.Exceptions != nil {
		next.Exceptions = *patch.Exceptions
	}
	if err := s.checkSeries(ctx, &next, s.now()); err != nil {
		return nil, nil, err
	}
	sr, err := ss.UpdateSeries(ctx, id, func(sr *pregonero.Series) error {
		if !sr.UpdatedAt.Equal(cur.UpdatedAt) {
			return pregonero.Errorf(pregonero.ECONFLICT, "series %s was changed by someone else meanwhile; read it again and repeat the change", id)
		}
		detached, state := sr.Detached, sr.State
		*sr = next
		sr.Detached, sr.State = detached, state
		return nil
	})
	if err != nil {
		return nil, nil, asInvalid(err)
	}
	ch, err := s.followSeries(ctx, ss, cur, sr)
	if err != nil {
		return sr, ch, err
	}
	if sr.State == pregonero.SeriesActive {
		n, _ := s.materializeSeries(ctx, ss, sr, s.now())
		ch.Created += n
	}
	return sr, ch, nil
}

// SetSeriesState pauses, resumes or ends a series. Ending it cancels the
// posts of its occurrences that are still waiting, before the series is
// recorded as ended (paused meanwhile, so that no new post is made): a
// stop halfway leaves a paused series, never an ended one whose posts
// still go out.
func (s *Service) SetSeriesState(ctx context.Context, id string, state pregonero.SeriesState) (*pregonero.Series, *SeriesChange, error) {
	ss, err := s.seriesStore()
	if err != nil {
		return nil, nil, err
	}
	cur, err := ss.Series(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := mayWriteSeries(ctx); err != nil {
		return nil, nil, err
	}
	if err := s.mayPost(ctx, cur.Targets...); err != nil {
		return nil, nil, err
	}
	if err := checkSeriesState(state); err != nil {
		return nil, nil, err
	}
	ch := &SeriesChange{}
	if state == pregonero.SeriesEnded && cur.State != pregonero.SeriesEnded {
		if cur.State == pregonero.SeriesActive {
			if _, err := ss.UpdateSeries(ctx, id, func(sr *pregonero.Series) error { return sr.SetState(pregonero.SeriesPaused) }); err != nil {
				return nil, nil, err
			}
		}
		if err := s.cancelWaiting(ctx, ss, id, ch); err != nil {
			return nil, ch, err
		}
	}
	sr, err := ss.UpdateSeries(ctx, id, func(sr *pregonero.Series) error { return sr.SetState(state) })
	if err != nil {
		return nil, ch, err
	}
	if state == pregonero.SeriesActive {
		ch.Created, _ = s.materializeSeries(ctx, ss, sr, s.now())
	}
	return sr, ch, nil
}

// cancelWaiting cancels the posts of a series' occurrences that have
// not gone out: scheduled, or held for a person (who would otherwise
// release a post of a series that has ended). A post that went out
// meanwhile is kept; any other failure stops it.
func (s *Service) cancelWaiting(ctx context.Context, ss pregonero.SeriesStore, id string, ch *SeriesChange) error {
	// Every occurrence is read, however old: a post held for a person
	// waits as long as nobody decides, so no date bounds the posts still
	// waiting. A series ends once; the runs and edits that come often
	// read only recent occurrences.
	links, err := ss.SeriesPosts(ctx, id, "")
	if err != nil {
		return err
	}
	for _, l := range links {
		p, err := s.store.Post(ctx, l.PostID)
		if err != nil {
			return err
		}
		if st := p.DerivedStatus(); st != pregonero.PostScheduled && st != pregonero.PostHeld {
			continue
		}
		switch _, err := s.Cancel(ctx, l.PostID); pregonero.ErrorCode(err) {
		case "":
			ch.Canceled++
		case pregonero.ECONFLICT:
			ch.Kept++
		default:
			return err
		}
	}
	return nil
}

// waiting reports whether a post is still to go out and can be changed:
// scheduled ahead, no delivery started.
func waiting(p *pregonero.Post, now time.Time) bool {
	if p.DerivedStatus() != pregonero.PostScheduled || !p.ScheduledAt.After(now) {
		return false
	}
	for _, d := range p.Deliveries {
		if d.State != pregonero.DeliveryQueued || d.Claimed {
			return false
		}
	}
	return true
}

// seriesSet is the recurrence of a series; the error says what of it is
// wrong, field by field.
func (s *Service) seriesSet(sr *pregonero.Series) (*rrule.Set, []pregonero.FieldError) {
	var fields []pregonero.FieldError
	set := &rrule.Set{}
	r, err := rrule.Parse(sr.Rule)
	if err != nil {
		fields = append(fields, pregonero.FieldError{Field: "rule", Code: pregonero.FieldInvalid, Actual: sr.Rule, Message: ruleMessage(err)})
	} else {
		set.Rule = r
	}
	if sr.Start == "" {
		fields = append(fields, pregonero.FieldError{Field: "start", Code: pregonero.FieldRequired,
			Message: "Give the date and time of the first occurrence, e.g. 2026-12-07T07:00."})
	} else if d, err := rrule.ParseDateTime(sr.Start); err != nil {
		fields = append(fields, pregonero.FieldError{Field: "start", Code: pregonero.FieldInvalid, Actual: sr.Start,
			Message: "start " + err.Error() + " (a local time: no offset, the zone is given apart)."})
	} else {
		set.Start = d
	}
	loc, f := s.Zone(sr.Zone)
	if f != nil {
		f.Field = "zone"
		fields = append(fields, *f)
	}
	set.Location = loc
	for i, e := range sr.Exceptions {
		d, err := rrule.ParseDateTime(e)
		if err != nil {
			fields = append(fields, pregonero.FieldError{Field: fmt.Sprintf("exceptions[%d]", i), Code: pregonero.FieldInvalid, Actual: e,
				Message: "The exception " + err.Error() + "."})
			continue
		}
		if d.Hour == 0 && d.Minute == 0 && d.Second == 0 && len(e) <= len("2006-01-02") {
			// A date alone skips that day's occurrence, at the start's
			// time of day.
			d.Hour, d.Minute, d.Second = set.Start.Hour, set.Start.Minute, set.Start.Second
		}
		set.Exceptions = append(set.Exceptions, d)
	}
	return set, fields
}

// ruleMessage is the message of a rule's error: the part that is wrong,
// and why.
func ruleMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "rrule: ")
	return "The rule is wrong at " + msg + "."
}

// checkSeries checks a series as it would be stored, fixing its rule,
// start and exceptions in their canonical forms, and the post of its
// next occurrence as a post would be checked.
func (s *Service) checkSeries(ctx context.Context, sr *pregonero.Series, now time.Time) error {
	var fields []pregonero.FieldError
	switch n := utf8.RuneCountInString(sr.Name); {
	case n == 0:
		fields = append(fields, pregonero.FieldError{Field: "name", Code: pregonero.FieldRequired, Message: "Give the series a name."})
	case n > MaxSeriesName:
		fields = append(fields, pregonero.FieldError{Field: "name", Code: pregonero.FieldTooLong, Limit: MaxSeriesName, Actual: n,
			Message: fmt.Sprintf("The name has %d characters; the limit is %d.", n, MaxSeriesName)})
	case badChar(sr.Name, false) != nil:
		fields = append(fields, pregonero.FieldError{Field: "name", Code: pregonero.FieldInvalid, Message: "The name must be one line of text."})
	}
	if sr.HorizonDays < 0 || sr.HorizonDays > MaxSeriesHorizonDays {
		fields = append(fields, pregonero.FieldError{Field: "horizon_days", Code: pregonero.FieldInvalid, Limit: MaxSeriesHorizonDays, Actual: sr.HorizonDays,
			Message: fmt.Sprintf("horizon_days must be 0 (the server's) to %d.", MaxSeriesHorizonDays)})
	}
	if len(sr.Exceptions) > MaxSeriesExceptions {
		fields = append(fields, pregonero.FieldError{Field: "exceptions", Code: pregonero.FieldTooLong, Limit: MaxSeriesExceptions, Actual: len(sr.Exceptions),
			Message: fmt.Sprintf("A series keeps at most %d exceptions.", MaxSeriesExceptions)})
	}
	set, fs := s.seriesSet(sr)
	fields = append(fields, fs...)
	if len(fs) == 0 {
		sr.Rule, sr.Start = set.Rule.String(), set.Start.String()
		if sr.Zone == "" {
			sr.Zone = set.Location.String()
		}
		ex := make([]string, 0, len(set.Exceptions))
		for _, e := range set.Exceptions {
			ex = append(ex, e.String())
		}
		slices.Sort(ex)
		sr.Exceptions = slices.Compact(ex)
		if len(sr.Exceptions) == 0 {
			sr.Exceptions = nil
		}
		next := set.Next(now, 1)
		if len(next) == 0 {
			fields = append(fields, pregonero.FieldError{Field: "rule", Code: pregonero.FieldInvalid, Actual: sr.Rule,
				Message: "The rule gives no occurrence from now on; check the start, UNTIL or COUNT."})
		} else {
			fs, err := s.checkOccurrence(ctx, sr, next[0], now)
			if err != nil {
				return err
			}
			fields = append(fields, fs...)
		}
	}
	if len(fields) > 0 {
		return pregonero.Invalid(fields)
	}
	return nil
}

// checkOccurrence checks the post an occurrence would make, as a post is
// checked; its errors about the time are the series' start's.
func (s *Service) checkOccurrence(ctx context.Context, sr *pregonero.Series, o rrule.Occurrence, now time.Time) ([]pregonero.FieldError, error) {
	d := occurrenceDraft(sr, o)
	c, err := s.checkPost(ctx, d, now, nil)
	if err != nil {
		return nil, err
	}
	if err := s.checkTargets(ctx, c); err != nil {
		return nil, err
	}
	errs := c.allErrors()
	for i := range errs {
		if errs[i].Field == "scheduled_at" || errs[i].Field == "timezone" {
			errs[i].Field = "start"
		}
	}
	return errs, nil
}

// seriesStates are the states a series may be set to.
var seriesStates = []pregonero.SeriesState{pregonero.SeriesActive, pregonero.SeriesPaused, pregonero.SeriesEnded}

// checkSeriesState refuses a state that is none of a series', on the
// field state, before anything is changed.
func checkSeriesState(state pregonero.SeriesState) error {
	switch {
	case state == "":
		return pregonero.Invalid([]pregonero.FieldError{{Field: "state", Code: pregonero.FieldRequired, Limit: seriesStates,
			Message: "Give the state to set: active, paused or ended."}})
	case !slices.Contains(seriesStates, state):
		return pregonero.Invalid([]pregonero.FieldError{{Field: "state", Code: pregonero.FieldInvalid, Actual: string(state), Limit: seriesStates,
			Message: fmt.Sprintf("%q is not a state of a series; use active, paused or ended.", state)}})
	}
	return nil
}

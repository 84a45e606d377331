package posting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"pregonero"
	"pregonero/rrule"
)

// Occurrence is one occurrence of a series as the API and the pages show
// it: when it goes out, what became of it, and whether its time had to
// move.
type Occurrence struct {
	// Occurrence names it: the local date-time the rule gives.
	Occurrence string    `json:"occurrence"`
	At         time.Time `json:"at"`
	// Moved says the rule's local time does not exist that day in the
	// series' zone (the clock skips it for daylight saving): the post
	// goes out at At, the first instant after the skip. Note says so in
	// words.
	Moved bool   `json:"moved,omitempty"`
	Note  string `json:"note,omitempty"`
	// Skipped occurrences are exceptions of the series.
	Skipped bool `json:"skipped,omitempty"`
	// Detached occurrences had their post edited alone.
	Detached bool `json:"detached,omitempty"`
	// PostID and Status are the occurrence's post, once it is made.
	PostID string               `json:"post_id,omitempty"`
	Status pregonero.PostStatus `json:"status,omitempty"`
}

// MaxOccurrences bounds the occurrences one read returns.
const MaxOccurrences = 100

// occurrenceView describes an occurrence of the series.
func occurrenceView(o rrule.Occurrence, loc *time.Location) Occurrence {
	v := Occurrence{Occurrence: o.Local.String(), At: o.At.UTC(), Moved: o.Moved}
	if o.Moved {
		v.Note = fmt.Sprintf("%02d:%02d does not exist on %04d-%02d-%02d in %s (the clock skips it); the post goes out at %s.",
			o.Local.Hour, o.Local.Minute, o.Local.Year, int(o.Local.Month), o.Local.Day, loc, o.At.In(loc).Format("15:04"))
	}
	return v
}

// SeriesOccurrences returns the next n occurrences of a series from now
// (at most MaxOccurrences), skipped ones included and marked, each with
// its post once made.
func (s *Service) SeriesOccurrences(ctx context.Context, id string, n int) ([]Occurrence, error) {
	ss, err := s.seriesStore()
	if err != nil {
		return nil, err
	}
	sr, err := ss.Series(ctx, id)
	if err != nil {
		return nil, err
	}
	set, fs := s.seriesSet(sr)
	if len(fs) > 0 {
		return nil, pregonero.Invalid(fs)
	}
	skipped := map[string]bool{}
	for _, e := range set.Exceptions {
		skipped[e.String()] = true
	}
	all := *set
	all.Exceptions = nil
	n = min(max(n, 1), MaxOccurrences)
	occs := all.Next(s.now(), n)
	posts := map[string]string{}
	if len(occs) > 0 {
		// The posts are read from the first occurrence listed on, not
		// from the series' start.
		links, err := ss.SeriesPosts(ctx, id, firstOccurrence(occs))
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			posts[l.Occurrence] = l.PostID
		}
	}
	out := []Occurrence{}
	for _, o := range occs {
		v := occurrenceView(o, set.Location)
		v.Skipped = skipped[v.Occurrence]
		v.Detached = sr.IsDetached(v.Occurrence)
		if id, ok := posts[v.Occurrence]; ok {
			v.PostID = id
			if p, err := s.store.Post(ctx, id); err == nil {
				v.Status = p.DerivedStatus()
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// PreviewSeries returns the next n occurrences (at most MaxOccurrences)
// a series would have from now, without storing anything: the rule
// builder's preview. Only the rule, start, zone and exceptions are
// checked.
func (s *Service) PreviewSeries(_ context.Context, req *SeriesRequest, n int) ([]Occurrence, error) {
	sr := &pregonero.Series{Rule: req.Rule, Start: req.Start, Zone: req.Zone, Exceptions: req.Exceptions}
	set, fs := s.seriesSet(sr)
	if len(fs) > 0 {
		return nil, pregonero.Invalid(fs)
	}
	n = min(max(n, 1), MaxOccurrences)
	out := []Occurrence{}
	for _, o := range set.Next(s.now(), n) {
		out = append(out, occurrenceView(o, set.Location))
	}
	return out, nil
}

// seriesOccurrence finds a series and one of its occurrences (exceptions
// included), refusing a name the rule does not give.
func (s *Service) seriesOccurrence(ctx context.Context, id, occurrence string) (pregonero.SeriesStore, *pregonero.Series, rrule.Occurrence, error) {
	ss, err := s.seriesStore()
	if err != nil {
		return nil, nil, rrule.Occurrence{}, err
	}
	sr, err := ss.Series(ctx, id)
	if err != nil {
		return nil, nil, rrule.Occurrence{}, err
	}
	if err := mayWriteSeries(ctx); err != nil {
		return nil, nil, rrule.Occurrence{}, err
	}
	if err := s.mayPost(ctx, sr.Targets...); err != nil {
		return nil, nil, rrule.Occurrence{}, err
	}
	set, fs := s.seriesSet(sr)
	if len(fs) > 0 {
		return nil, nil, rrule.Occurrence{}, pregonero.Invalid(fs)
	}
	all := *set
	all.Exceptions = nil
	o, ok := occurrenceOf(&all, occurrence)
	if !ok {
		return nil, nil, rrule.Occurrence{}, pregonero.Errorf(pregonero.ENOTFOUND,
			"series %s has no occurrence %s; occurrences are named by their local date and time, such as %s", id, occurrence, sr.Start)
	}
	return ss, sr, o, nil
}

// SkipOccurrence makes an occurrence an exception of its series and
// cancels its post when it has one that has not gone out. The post is
// canceled first: a stop between the two writes leaves a canceled post
// of an occurrence not yet skipped, never a skipped occurrence whose
// post still goes out.
func (s *Service) SkipOccurrence(ctx context.Context, id, occurrence string) (*pregonero.Series, error) {
	ss, sr, o, err := s.seriesOccurrence(ctx, id, occurrence)
	if err != nil {
		return nil, err
	}
	name := o.Local.String()
	if sr.State == pregonero.SeriesEnded {
		return nil, seriesEnded(id)
	}
	postID, err := occurrencePost(ctx, ss, id, name)
	if err != nil {
		return nil, err
	}
	if postID != "" {
		p, err := s.store.Post(ctx, postID)
		if err != nil {
			return nil, err
		}
		if st := p.DerivedStatus(); st == pregonero.PostScheduled || st == pregonero.PostHeld {
			if _, err := s.Cancel(ctx, postID); err != nil {
				return nil, err
			}
		}
	}
	return ss.UpdateSeries(ctx, id, func(sr *pregonero.Series) error {
		if sr.State == pregonero.SeriesEnded {
			return seriesEnded(id)
		}
		sr.Skip(name)
		return nil
	})
}

// seriesEnded is the refusal to change an occurrence of a series that
// has ended.
func seriesEnded(id string) error {
	return pregonero.Errorf(pregonero.ECONFLICT, "series %s has ended; its occurrences can no longer change", id)
}

// EditOccurrence edits the post of one occurrence alone, as any post is
// edited (see Edit), making it first when the occurrence is beyond the
// horizon; later edits of the series leave that post as it is.
func (s *Service) EditOccurrence(ctx context.Context, id, occurrence string, patch *Patch) (*pregonero.Post, error) {
	ss, sr, o, err := s.seriesOccurrence(ctx, id, occurrence)
	if err != nil {
		return nil, err
	}
	name := o.Local.String()
	if sr.State == pregonero.SeriesEnded {
		return nil, seriesEnded(id)
	}
	for _, e := range sr.Exceptions {
		if e == name {
			return nil, pregonero.Errorf(pregonero.ECONFLICT, "occurrence %s of series %s is skipped; it has no post to edit", name, id)
		}
	}
	postID, err := occurrencePost(ctx, ss, id, name)
	if err != nil {
		return nil, err
	}
	if postID == "" {
		p, err := s.createOccurrence(ctx, ss, sr, o, s.now())
		switch {
		case err == nil:
			postID = p.ID
		case pregonero.ErrorCode(err) == pregonero.ECONFLICT:
			// A run of the series made it meanwhile: that post is the
			// one to edit.
			made, rerr := occurrencePost(ctx, ss, id, name)
			if rerr != nil || made == "" {
				return nil, errors.Join(err, rerr)
			}
			postID = made
		default:
			return nil, err
		}
	}
	// Detached first: a series edit running meanwhile must not undo the
	// edit that follows.
	if _, err := ss.UpdateSeries(ctx, id, func(sr *pregonero.Series) error { sr.Detach(name); return nil }); err != nil {
		return nil, err
	}
	return s.Edit(ctx, postID, patch)
}

// occurrencePost returns the id of an occurrence's post, "" when it has
// none yet.
func occurrencePost(ctx context.Context, ss pregonero.SeriesStore, seriesID, occurrence string) (string, error) {
	// The read starts at the occurrence: its link, if any, comes first.
	links, err := ss.SeriesPosts(ctx, seriesID, occurrence)
	if err != nil {
		return "", err
	}
	if len(links) > 0 && links[0].Occurrence == occurrence {
		return links[0].PostID, nil
	}
	return "", nil
}

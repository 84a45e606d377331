package posting

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"pregonero"
	"pregonero/rrule"
)

// Spanish names, lower case as es-CO writes them inside a sentence.
var (
	diasES  = [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}
	mesesES = [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
)

// FechaES writes a date as es-CO says it: "lunes 7 de diciembre de 2026".
func FechaES(t time.Time) string {
	return fmt.Sprintf("%s %d de %s de %d", diasES[t.Weekday()], t.Day(), mesesES[t.Month()-1], t.Year())
}

// HoraES writes a time of day as es-CO writes it: "7:00 a. m.", "12:30 p. m.".
func HoraES(t time.Time) string {
	h, suffix := t.Hour(), "a. m."
	if h >= 12 {
		suffix = "p. m."
	}
	if h = h % 12; h == 0 {
		h = 12
	}
	return fmt.Sprintf("%d:%02d %s", h, t.Minute(), suffix)
}

// fillTemplate replaces {fecha} and {hora} by the occurrence's date and
// time in Spanish, in the series' zone. A moved occurrence (its time did
// not exist) gives the time it goes out at.
func fillTemplate(text string, o rrule.Occurrence, loc *time.Location) string {
	if !strings.Contains(text, "{") {
		return text
	}
	at := o.At.In(loc)
	return strings.NewReplacer("{fecha}", FechaES(at), "{hora}", HoraES(at)).Replace(text)
}

// occurrenceDraft is the post an occurrence of the series makes.
func occurrenceDraft(sr *pregonero.Series, o rrule.Occurrence) *Draft {
	loc := o.At.Location()
	d := &Draft{
		Text: fillTemplate(sr.Text, o, loc), Link: sr.Link, Media: slices.Clone(sr.Media), Targets: slices.Clone(sr.Targets),
		ScheduledAt: o.At.Format(time.RFC3339Nano), Campaign: sr.Campaign, Author: sr.Author, Unit: sr.Unit,
	}
	if len(sr.Overrides) > 0 {
		d.Overrides = make(map[string]pregonero.Override, len(sr.Overrides))
		for id, ov := range sr.Overrides {
			if ov.Text != nil {
				t := fillTemplate(*ov.Text, o, loc)
				ov.Text = &t
			}
			d.Overrides[id] = ov
		}
	}
	return d
}

// MaterializeResult says what a run of Materialize did.
type MaterializeResult struct {
	// Created counts the posts made; Failed the occurrences whose post
	// could not be made (each series says why in LastError).
	Created int `json:"created"`
	Failed  int `json:"failed"`
}

// Materialize makes the posts of the occurrences of every active series
// that come within the horizon and have none yet. It is idempotent: the
// store records an occurrence's post in the transaction that creates the
// post, so a second run, or a run after a crash, makes no second post. A
// job runs it every few minutes and at start.
func (s *Service) Materialize(ctx context.Context) (MaterializeResult, error) {
	var res MaterializeResult
	ss, err := s.seriesStore()
	if err != nil {
		return res, err
	}
	list, err := ss.SeriesList(ctx)
	if err != nil {
		return res, fmt.Errorf("materialize series: %w", err)
	}
	for _, sr := range list {
		if sr.State != pregonero.SeriesActive {
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		n, failed := s.materializeSeries(ctx, ss, sr, s.now())
		res.Created += n
		res.Failed += failed
	}
	return res, nil
}

// materializeSeries makes the posts of one series' occurrences within
// its horizon from now, and records on the series why one failed (or
// clears the record once they all succeed).
func (s *Service) materializeSeries(ctx context.Context, ss pregonero.SeriesStore, sr *pregonero.Series, now time.Time) (created, failed int) {
	set, fs := s.seriesSet(sr)
	if len(fs) > 0 {
		s.seriesFailed(ctx, ss, sr, fs[0].Message, now)
		return 0, 1
	}
	occs := set.Between(now, now.Add(s.seriesHorizon(sr)))
	if len(occs) == 0 {
		return 0, 0
	}
	// Only the window's occurrences are looked up, so the read starts at
	// the first of them: a run costs the same in a series' tenth year as
	// in its first week.
	links, err := ss.SeriesPosts(ctx, sr.ID, firstOccurrence(occs))
	if err != nil {
		s.logger.WarnContext(ctx, "read the posts of a series", pregonero.LogSeries, sr.ID, pregonero.LogErr, err)
		return 0, 1
	}
	have := make(map[string]bool, len(links))
	for _, l := range links {
		have[l.Occurrence] = true
	}
	var firstErr string
	for _, o := range occs {
		if have[o.Local.String()] {
			continue
		}
		_, err := s.createOccurrence(ctx, ss, sr, o, now)
		switch {
		case err == nil:
			created++
		case pregonero.ErrorCode(err) == pregonero.ECONFLICT:
			// Another run made it meanwhile.
		default:
			failed++
			if firstErr == "" {
				firstErr = fmt.Sprintf("%s: %s", o.Local, errorText(err))
			}
			s.logger.WarnContext(ctx, "make the post of an occurrence", pregonero.LogSeries, sr.ID, pregonero.LogAt, o.Local.String(), pregonero.LogErr, err)
		}
	}
	switch {
	case firstErr != "":
		s.seriesFailed(ctx, ss, sr, firstErr, now)
	case sr.LastError != "":
		s.clearSeriesError(ctx, ss, sr.ID, now)
	}
	return created, failed
}

// firstOccurrence names the earliest of occurrences (at least one).
func firstOccurrence(occs []rrule.Occurrence) string {
	first := occs[0].Local
	for _, o := range occs[1:] {
		if o.Local.Compare(first) < 0 {
			first = o.Local
		}
	}
	return first.String()
}

// changeRefused begins the error a series records when one of its
// waiting posts cannot take a change of the series; the occurrence's
// name and ": " follow.
const changeRefused = "The change of the series could not be made to the post of "

// errErrorKept stops the clearing of an error recorded meanwhile.
var errErrorKept = errors.New("the error of the series changed meanwhile")

// clearSeriesError clears the error a series records, now that a run
// made all its posts, except the refusal of a change by a post that
// still waits without the change: that one stays until the post takes
// it (a later change of the series) or stops waiting (it goes out, is
// held, canceled or edited alone), so the series does not look well
// while a post is about to go out as the series no longer says.
func (s *Service) clearSeriesError(ctx context.Context, ss pregonero.SeriesStore, id string, now time.Time) {
	cur, err := ss.Series(ctx, id)
	if err != nil || cur.LastError == "" || s.refusalStands(ctx, ss, cur, now) {
		return
	}
	_, err = ss.UpdateSeries(ctx, id, func(x *pregonero.Series) error {
		if x.LastError != cur.LastError {
			return errErrorKept
		}
		x.LastError, x.LastErrorAt = "", time.Time{}
		return nil
	})
	if err != nil && !errors.Is(err, errErrorKept) {
		s.logger.WarnContext(ctx, "clear the error of a series", pregonero.LogSeries, id, pregonero.LogErr, err)
	}
}

// refusalStands reports whether the series' error is the refusal of a
// change by a post that still waits and still differs from what the
// series makes. When that cannot be read, it stands until a run can
// tell.
func (s *Service) refusalStands(ctx context.Context, ss pregonero.SeriesStore, sr *pregonero.Series, now time.Time) bool {
	rest, ok := strings.CutPrefix(sr.LastError, changeRefused)
	if !ok {
		return false
	}
	occ, _, ok := strings.Cut(rest, ": ")
	if !ok || sr.IsDetached(occ) {
		return false
	}
	links, err := ss.SeriesPosts(ctx, sr.ID, occ)
	if err != nil {
		return true
	}
	if len(links) == 0 || links[0].Occurrence != occ {
		return false
	}
	p, err := s.store.Post(ctx, links[0].PostID)
	if err != nil {
		return true
	}
	if !waiting(p, now) {
		return false
	}
	set, fs := s.seriesSet(sr)
	if len(fs) > 0 {
		return true
	}
	o, ok := occurrenceOf(set, occ)
	return !ok || !unchanged(p, occurrenceDraft(sr, o))
}

// errorText is an error's message for a person: a refused post's field
// errors, one after another.
func errorText(err error) string {
	var msgs []string
	var e *pregonero.Error
	if !errors.As(err, &e) {
		return pregonero.ErrorMessage(err)
	}
	for _, f := range e.Fields {
		m := f.Message
		if f.Target != "" {
			m = f.Target + ": " + m
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return pregonero.ErrorMessage(err)
	}
	return strings.Join(msgs, " ")
}

// seriesFailed records why a series could not make a post.
func (s *Service) seriesFailed(ctx context.Context, ss pregonero.SeriesStore, sr *pregonero.Series, msg string, now time.Time) {
	if sr.LastError == msg {
		return
	}
	_, err := ss.UpdateSeries(ctx, sr.ID, func(x *pregonero.Series) error {
		x.LastError, x.LastErrorAt = msg, now.UTC()
		return nil
	})
	if err != nil {
		s.logger.WarnContext(ctx, "record the error of a series", pregonero.LogSeries, sr.ID, pregonero.LogErr, err)
	}
}

// createOccurrence makes the post of one occurrence through the checks
// of any post (the adapters' limits, the targets), with one delivery per
// target, and stores it with the occurrence's record in one transaction.
func (s *Service) createOccurrence(ctx context.Context, ss pregonero.SeriesStore, sr *pregonero.Series, o rrule.Occurrence, now time.Time) (*pregonero.Post, error) {
	name := o.Local.String()
	p, err := s.createWith(ctx, occurrenceDraft(sr, o), pregonero.NewID("p", now), func(ctx context.Context, p *pregonero.Post) error {
		return ss.CreateSeriesPost(ctx, sr.ID, name, p)
	})
	if err != nil {
		return nil, fmt.Errorf("create the post of occurrence %s: %w", name, err)
	}
	return p, nil
}

// occurrenceReach is how long after an occurrence's local date-time,
// read as if in UTC, the post the series made of it can go out at the
// latest: a zone is at most 12 hours behind UTC, and a clock that skips
// ahead (by a day at most, as Samoa's in 2011) moves the post past the
// skip. The post of an occurrence older than that went out, or waits for
// a person, or was moved by hand to a later time; a change of the series
// cannot be made to any of them, since the occurrence's own time is past
// whatever the series' zone, so a change does not read them.
const occurrenceReach = 48 * time.Hour

// followSeries brings the waiting posts of a series' occurrences in line
// with its change from old to sr.
func (s *Service) followSeries(ctx context.Context, ss pregonero.SeriesStore, old, sr *pregonero.Series) (*SeriesChange, error) {
	ch := &SeriesChange{}
	now := s.now()
	// Only the posts that can still take a change are read: those of
	// occurrences from occurrenceReach before now on (see there).
	links, err := ss.SeriesPosts(ctx, sr.ID, rrule.DateTimeOf(now.UTC().Add(-occurrenceReach)).String())
	if err != nil {
		return ch, err
	}
	set, fs := s.seriesSet(sr)
	if len(fs) > 0 {
		return ch, pregonero.Invalid(fs)
	}
	sameTargets := slices.Equal(old.Targets, sr.Targets)
	posts := make([]*pregonero.Post, len(links))
	for i, l := range links {
		p, err := s.store.Post(ctx, l.PostID)
		if err != nil {
			s.logger.WarnContext(ctx, "read the post of an occurrence", pregonero.LogSeries, sr.ID, pregonero.LogPost, l.PostID, pregonero.LogErr, err)
			continue
		}
		posts[i] = p
	}
	// The occurrences edited alone are read after their posts: one
	// detached since the change was stored is seen here, or the edit of
	// its post comes after the read above, and the edit below, made only
	// of the post as read, is refused rather than undo it.
	detached := sr
	if fresh, err := ss.Series(ctx, sr.ID); err == nil {
		detached = fresh
	}
	refused := ""
	for i, l := range links {
		p := posts[i]
		if p == nil || !waiting(p, now) {
			continue // gone out, canceled, or past: history is not rewritten
		}
		if detached.IsDetached(l.Occurrence) {
			ch.Kept++
			continue
		}
		o, ok := occurrenceOf(set, l.Occurrence)
		switch {
		case !ok:
			if _, err := s.Cancel(ctx, p.ID); err != nil {
				ch.Kept++
				continue
			}
			ch.Canceled++
		case !sameTargets:
			made, err := s.replaceOccurrence(ctx, ss, sr, o, p)
			if err != nil {
				ch.Kept++
				continue
			}
			ch.Canceled++
			if made {
				ch.Created++
			}
		default:
			d := occurrenceDraft(sr, o)
			overrides := d.Overrides
			if overrides == nil {
				overrides = map[string]pregonero.Override{}
			}
			patch := &Patch{Text: &d.Text, Link: &d.Link, Media: &d.Media, Overrides: &overrides, ScheduledAt: &d.ScheduledAt, Campaign: &d.Campaign, Unit: &d.Unit}
			if unchanged(p, d) {
				continue
			}
			if _, err := s.edit(ctx, p.ID, patch, p.UpdatedAt); err != nil {
				// One post the change cannot make valid (its new time past,
				// its date's text too long) keeps what it was, and the
				// series says why; the others still follow.
				if pregonero.ErrorCode(err) == pregonero.EINVALID && refused == "" {
					refused = fmt.Sprintf("%s: %s", l.Occurrence, errorText(err))
				}
				ch.Kept++
				continue
			}
			ch.Updated++
		}
	}
	if refused != "" {
		s.seriesFailed(ctx, ss, sr, changeRefused+refused, now)
	}
	return ch, nil
}

// replaceOccurrence cancels the post of an occurrence and makes the one
// the series now gives, for its new targets, in one write. When the new
// post cannot be made (a check refuses it), the old one is canceled and
// the occurrence forgotten, also in one write: the next run tries again
// and records on the series why it fails. It reports whether the new
// post was made.
func (s *Service) replaceOccurrence(ctx context.Context, ss pregonero.SeriesStore, sr *pregonero.Series, o rrule.Occurrence, old *pregonero.Post) (bool, error) {
	name := o.Local.String()
	_, err := s.createWith(ctx, occurrenceDraft(sr, o), pregonero.NewID("p", s.now()), func(ctx context.Context, p *pregonero.Post) error {
		return ss.ReplaceSeriesPost(ctx, sr.ID, name, old.ID, p)
	})
	made := err == nil
	if pregonero.ErrorCode(err) == pregonero.EINVALID {
		s.logger.WarnContext(ctx, "make the post of an occurrence for the new targets", pregonero.LogSeries, sr.ID, pregonero.LogAt, name, pregonero.LogErr, err)
		err = ss.ReplaceSeriesPost(ctx, sr.ID, name, old.ID, nil)
	}
	if err != nil {
		return false, err
	}
	for _, d := range old.Deliveries {
		if len(d.Checkpoint) > 0 {
			s.sender.Cleanup(d)
		}
	}
	return made, nil
}

// unchanged reports whether a post already is what the draft would make.
func unchanged(p *pregonero.Post, d *Draft) bool {
	at, err := time.Parse(time.RFC3339Nano, d.ScheduledAt)
	return err == nil && p.Text == d.Text && p.Link == d.Link && p.Campaign == d.Campaign && p.Unit == d.Unit &&
		at.Equal(p.ScheduledAt) && slices.Equal(p.MediaIDs(), (&pregonero.Post{Media: d.Media}).MediaIDs()) &&
		maps.EqualFunc(p.Overrides, d.Overrides, func(a, b pregonero.Override) bool {
			return (a.Text == nil) == (b.Text == nil) && (a.Text == nil || *a.Text == *b.Text) && a.Title == b.Title && a.Description == b.Description
		}) && len(p.Overrides) == len(d.Overrides)
}

// occurrenceOf finds an occurrence, named by its local date-time, among
// those the set gives (less its exceptions).
func occurrenceOf(set *rrule.Set, name string) (rrule.Occurrence, bool) {
	d, err := rrule.ParseDateTime(name)
	if err != nil {
		return rrule.Occurrence{}, false
	}
	at, _ := d.In(set.Location)
	for _, o := range set.Next(at.Add(-time.Minute), 2) {
		if o.Local == d {
			return o, true
		}
	}
	return rrule.Occurrence{}, false
}

package posting_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/store"
)

// boletin is a series of weekdays at 7:00 in Bogotá from t0's Monday.
func boletin() *posting.SeriesRequest {
	return &posting.SeriesRequest{
		Name: "Boletín de la mañana", Rule: "FREQ=WEEKLY;BYDAY=MO,WE,FR", Start: "2026-12-07T07:00", Zone: "America/Bogota",
		Text: "Boletín del {fecha}, {hora}", Targets: []string{"x-gob"},
	}
}

func (f *fixture) series(t *testing.T, req *posting.SeriesRequest) (*pregonero.Series, *posting.SeriesChange) {
	t.Helper()
	sr, ch, err := f.svc.CreateSeries(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateSeries(%s) = %v", req.Name, err)
	}
	return sr, ch
}

// seriesPosts returns the posts of a series' occurrences by occurrence.
func (f *fixture) seriesPosts(t *testing.T, id string) map[string]*pregonero.Post {
	t.Helper()
	links, err := f.db.SeriesPosts(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*pregonero.Post{}
	for _, l := range links {
		p, err := f.db.Post(context.Background(), l.PostID)
		if err != nil {
			t.Fatal(err)
		}
		out[l.Occurrence] = p
	}
	return out
}

func TestSeriesMaterializesItsOccurrencesWithinTheHorizon(t *testing.T) {
	f := newFixture(t)
	sr, ch := f.series(t, boletin())
	// t0 is Monday 7 December, 8:00 in Bogotá: that day's 7:00 is past;
	// fourteen days reach Monday 21 at 7:00.
	want := []string{"2026-12-09T07:00", "2026-12-11T07:00", "2026-12-14T07:00", "2026-12-16T07:00", "2026-12-18T07:00", "2026-12-21T07:00"}
	posts := f.seriesPosts(t, sr.ID)
	if ch.Created != len(want) || len(posts) != len(want) {
		t.Fatalf("created %d posts %v, want %v", ch.Created, posts, want)
	}
	t.Run("each post is a normal post at its local time with the date in Spanish", func(t *testing.T) {
		p := posts["2026-12-09T07:00"]
		if p == nil {
			t.Fatal("no post for Wednesday 9")
		}
		if p.Text != "Boletín del miércoles 9 de diciembre de 2026, 7:00 a. m." {
			t.Errorf("text = %q", p.Text)
		}
		if want := time.Date(2026, 12, 9, 12, 0, 0, 0, time.UTC); !p.ScheduledAt.Equal(want) || len(p.Deliveries) != 1 || p.Status != pregonero.PostScheduled {
			t.Errorf("post at %s with %d deliveries (%s), want %s with one, scheduled", p.ScheduledAt, len(p.Deliveries), p.Status, want)
		}
	})
	t.Run("a second run makes nothing", func(t *testing.T) {
		res, err := f.svc.Materialize(context.Background())
		if err != nil || res.Created != 0 {
			t.Errorf("Materialize = %+v, %v; want nothing created", res, err)
		}
	})
	t.Run("runs at once make each occurrence once", func(t *testing.T) {
		f.clock.Advance(7 * 24 * time.Hour)
		var wg sync.WaitGroup
		created := make([]int, 4)
		for i := range created {
			wg.Go(func() {
				res, err := f.svc.Materialize(context.Background())
				if err != nil {
					t.Error(err)
				}
				created[i] = res.Created
			})
		}
		wg.Wait()
		total := created[0] + created[1] + created[2] + created[3]
		if total != 3 || len(f.seriesPosts(t, sr.ID)) != len(want)+3 {
			t.Errorf("created %v (total %d), want 3 in all", created, total)
		}
		all, err := f.db.Posts(context.Background(), pregonero.PostFilter{})
		if err != nil || len(all.Posts) != len(want)+3 {
			t.Errorf("the store holds %d posts, want %d", len(all.Posts), len(want)+3)
		}
	})
}

func TestSeriesRefusesWhatIsWrong(t *testing.T) {
	f := newFixture(t)
	field := func(err error) pregonero.FieldError {
		t.Helper()
		e := appError(t, err)
		if e.Code != pregonero.EINVALID || len(e.Fields) == 0 {
			t.Fatalf("got %v, want invalid with fields", err)
		}
		return e.Fields[0]
	}
	t.Run("a wrong rule names its part", func(t *testing.T) {
		req := boletin()
		req.Rule = "FREQ=WEEKLY;BYDAY=MO,XX"
		_, _, err := f.svc.CreateSeries(context.Background(), req)
		if fe := field(err); fe.Field != "rule" || !strings.Contains(fe.Message, "BYDAY") {
			t.Errorf("got %+v, want rule naming BYDAY", fe)
		}
	})
	t.Run("a start with an offset is refused", func(t *testing.T) {
		req := boletin()
		req.Start = "2026-12-07T07:00-05:00"
		_, _, err := f.svc.CreateSeries(context.Background(), req)
		if fe := field(err); fe.Field != "start" {
			t.Errorf("got %+v, want start", fe)
		}
	})
	t.Run("an unknown zone is refused on zone", func(t *testing.T) {
		req := boletin()
		req.Zone = "America/Medellin"
		_, _, err := f.svc.CreateSeries(context.Background(), req)
		if fe := field(err); fe.Field != "zone" {
			t.Errorf("got %+v, want zone", fe)
		}
	})
	t.Run("a rule that has ended is refused", func(t *testing.T) {
		req := boletin()
		req.Rule = "FREQ=DAILY;COUNT=2"
		req.Start = "2026-11-01T07:00"
		_, _, err := f.svc.CreateSeries(context.Background(), req)
		if fe := field(err); fe.Field != "rule" {
			t.Errorf("got %+v, want rule", fe)
		}
	})
	t.Run("a text too long for a target is refused by its adapter", func(t *testing.T) {
		req := boletin()
		req.Text = strings.Repeat("a", 270) + " {fecha}"
		_, _, err := f.svc.CreateSeries(context.Background(), req)
		if fe := field(err); fe.Field != "text" || fe.Target != "x-gob" {
			t.Errorf("got %+v, want text of x-gob", fe)
		}
	})
	t.Run("a viewer may not create a series", func(t *testing.T) {
		ctx := pregonero.NewContextWithUser(context.Background(), &pregonero.User{Username: "vera", Role: pregonero.RoleViewer})
		_, _, err := f.svc.CreateSeries(ctx, boletin())
		if pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("got %v, want forbidden", err)
		}
	})
	t.Run("nothing was stored", func(t *testing.T) {
		list, err := f.svc.SeriesList(context.Background())
		if err != nil || len(list) != 0 {
			t.Errorf("SeriesList = %v, %v", list, err)
		}
	})
}

func TestEditingASeriesChangesItsWaitingPosts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	alone := "Edición especial del viernes"
	if _, err := f.svc.EditOccurrence(ctx, sr.ID, "2026-12-11T07:00", &posting.Patch{Text: &alone}); err != nil {
		t.Fatalf("EditOccurrence = %v", err)
	}
	text := "Noticias del {fecha}"
	sr, ch, err := f.svc.UpdateSeries(ctx, sr.ID, &posting.SeriesPatch{Text: &text})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Updated != 5 || ch.Kept != 1 || ch.Canceled != 0 {
		t.Errorf("change = %+v, want 5 updated and 1 kept", ch)
	}
	posts := f.seriesPosts(t, sr.ID)
	t.Run("the waiting posts follow the series", func(t *testing.T) {
		if got := posts["2026-12-14T07:00"].Text; got != "Noticias del lunes 14 de diciembre de 2026" {
			t.Errorf("text = %q", got)
		}
	})
	t.Run("an occurrence edited alone keeps its edit", func(t *testing.T) {
		if got := posts["2026-12-11T07:00"].Text; got != alone {
			t.Errorf("text = %q, want %q", got, alone)
		}
	})
	t.Run("a new time cancels the old posts and makes new ones", func(t *testing.T) {
		start := "2026-12-07T08:30"
		_, ch, err := f.svc.UpdateSeries(ctx, sr.ID, &posting.SeriesPatch{Start: &start})
		if err != nil {
			t.Fatal(err)
		}
		// The detached Friday is kept; the five others are canceled.
		if ch.Canceled != 5 || ch.Created != 6 {
			t.Errorf("change = %+v, want 5 canceled and 6 created", ch)
		}
		p := f.seriesPosts(t, sr.ID)["2026-12-14T08:30"]
		if p == nil || !p.ScheduledAt.Equal(time.Date(2026, 12, 14, 13, 30, 0, 0, time.UTC)) {
			t.Errorf("post of Monday 14 at 8:30 = %+v", p)
		}
	})
	t.Run("new targets cancel the posts and make them again", func(t *testing.T) {
		targets := []string{"x-gob", "x-salud"}
		_, ch, err := f.svc.UpdateSeries(ctx, sr.ID, &posting.SeriesPatch{Targets: &targets})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Canceled != 6 || ch.Created != 6 {
			t.Errorf("change = %+v, want 6 canceled and 6 made again", ch)
		}
		if p := f.seriesPosts(t, sr.ID)["2026-12-16T08:30"]; p == nil || len(p.Deliveries) != 2 || p.Status != pregonero.PostScheduled {
			t.Errorf("post of Wednesday 16 = %+v, want two deliveries", p)
		}
	})
}

// racingStore runs race once, as the post id is read the second time:
// between an edit of a series reading the posts of its occurrences and
// its edit of that one.
type racingStore struct {
	*store.DB
	mu    sync.Mutex
	id    string
	reads int
	race  func()
}

func (s *racingStore) Post(ctx context.Context, id string) (*pregonero.Post, error) {
	s.mu.Lock()
	var race func()
	if id == s.id {
		if s.reads++; s.reads == 2 {
			race = s.race
		}
	}
	s.mu.Unlock()
	if race != nil {
		race()
	}
	return s.DB.Post(ctx, id)
}

// TestAnOccurrenceEditedAloneWhileItsSeriesChangesKeepsItsEdit: the
// edit of one occurrence made while its series is being changed is not
// undone by the series' change.
func TestAnOccurrenceEditedAloneWhileItsSeriesChangesKeepsItsEdit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	const occ = "2026-12-14T07:00"
	alone := "Edición especial del lunes"
	st := &racingStore{DB: f.db, id: f.seriesPosts(t, sr.ID)[occ].ID, race: func() {
		f.clock.Advance(time.Second)
		if _, err := f.svc.EditOccurrence(ctx, sr.ID, occ, &posting.Patch{Text: &alone}); err != nil {
			t.Errorf("EditOccurrence = %v", err)
		}
	}}
	svc, err := posting.New(posting.Config{Store: st, Sender: f.sender, Now: f.clock.Now,
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: &adapter{network: pregonero.NetworkX}}})
	if err != nil {
		t.Fatal(err)
	}
	text := "Noticias del {fecha}"
	_, ch, err := svc.UpdateSeries(ctx, sr.ID, &posting.SeriesPatch{Text: &text})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.seriesPosts(t, sr.ID)[occ].Text; got != alone {
		t.Errorf("text = %q, want the occurrence's own %q", got, alone)
	}
	if ch.Updated != 5 || ch.Kept != 1 {
		t.Errorf("change = %+v, want 5 updated and 1 kept", ch)
	}
}

// TestAChangeOneWaitingPostCannotTakeStillChangesTheOthers: a new zone
// that puts one waiting occurrence in the past leaves that post as it
// was, says so on the series, and still moves the others.
func TestAChangeOneWaitingPostCannotTakeStillChangesTheOthers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(time.Date(2026, 12, 9, 6, 30, 0, 0, bogota)) // Wednesday, half an hour before its occurrence
	sr, _ := f.series(t, boletin())
	before := f.seriesPosts(t, sr.ID)
	zone := "Europe/Madrid" // Wednesday 7:00 there was 1:00 in Bogotá
	got, ch, err := f.svc.UpdateSeries(ctx, sr.ID, &posting.SeriesPatch{Zone: &zone})
	if err != nil {
		t.Fatalf("UpdateSeries = %v, want the change made", err)
	}
	if ch.Kept != 1 || ch.Updated != len(before)-1 {
		t.Errorf("change = %+v, want 1 kept and %d updated", ch, len(before)-1)
	}
	after := f.seriesPosts(t, sr.ID)
	if p := after["2026-12-09T07:00"]; !p.ScheduledAt.Equal(before["2026-12-09T07:00"].ScheduledAt) {
		t.Errorf("Wednesday's post moved to %v", p.ScheduledAt)
	}
	if p := after["2026-12-11T07:00"]; !p.ScheduledAt.Equal(time.Date(2026, 12, 11, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("Friday's post at %v, want 7:00 in Madrid", p.ScheduledAt)
	}
	lastError := func(t *testing.T) string {
		t.Helper()
		s, err := f.db.Series(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s.LastError
	}
	if e := lastError(t); !strings.Contains(e, "2026-12-09T07:00") {
		t.Errorf("series error = %q; want it to name Wednesday's occurrence", e)
	}
	t.Run("the error stays through runs while the post waits without the change", func(t *testing.T) {
		f.clock.Advance(10 * time.Minute)
		if _, err := f.svc.Materialize(ctx); err != nil {
			t.Fatal(err)
		}
		if e := lastError(t); !strings.Contains(e, "2026-12-09T07:00") {
			t.Errorf("series error = %q after a run; want it still to name Wednesday's occurrence", e)
		}
	})
	t.Run("the error clears when the post takes a later change", func(t *testing.T) {
		back := "America/Bogota"
		if _, _, err := f.svc.UpdateSeries(ctx, got.ID, &posting.SeriesPatch{Zone: &back}); err != nil {
			t.Fatal(err)
		}
		if e := lastError(t); e != "" {
			t.Errorf("series error = %q, want none", e)
		}
	})
	t.Run("the error clears when the post stops waiting", func(t *testing.T) {
		if _, _, err := f.svc.UpdateSeries(ctx, got.ID, &posting.SeriesPatch{Zone: &zone}); err != nil {
			t.Fatal(err)
		}
		if e := lastError(t); !strings.Contains(e, "2026-12-09T07:00") {
			t.Fatalf("series error = %q; want it to name Wednesday's occurrence again", e)
		}
		f.clock.Set(time.Date(2026, 12, 9, 7, 5, 0, 0, bogota)) // its time has come
		if _, err := f.svc.Materialize(ctx); err != nil {
			t.Fatal(err)
		}
		if e := lastError(t); e != "" {
			t.Errorf("series error = %q, want none", e)
		}
	})
}

// staleLinksStore answers the first read of a series' posts as it was
// before its run made them.
type staleLinksStore struct {
	*store.DB
	once sync.Once
}

func (s *staleLinksStore) SeriesPosts(ctx context.Context, id, from string) ([]pregonero.SeriesPost, error) {
	stale := false
	s.once.Do(func() { stale = true })
	if stale {
		return []pregonero.SeriesPost{}, nil
	}
	return s.DB.SeriesPosts(ctx, id, from)
}

// TestEditingAnOccurrenceMadeMeanwhileEditsItsPost: an occurrence whose
// post a run of the series makes while it is being edited alone gets
// that post edited, not a refusal.
func TestEditingAnOccurrenceMadeMeanwhileEditsItsPost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	svc, err := posting.New(posting.Config{Store: &staleLinksStore{DB: f.db}, Sender: f.sender, Now: f.clock.Now,
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: &adapter{network: pregonero.NetworkX}}})
	if err != nil {
		t.Fatal(err)
	}
	alone := "Edición especial"
	p, err := svc.EditOccurrence(ctx, sr.ID, "2026-12-14T07:00", &posting.Patch{Text: &alone})
	if err != nil {
		t.Fatalf("EditOccurrence = %v", err)
	}
	posts := f.seriesPosts(t, sr.ID)
	if got := posts["2026-12-14T07:00"]; got.ID != p.ID || got.Text != alone {
		t.Errorf("the occurrence's post is %s %q, want %s edited", got.ID, got.Text, p.ID)
	}
	if n := f.postCount(t); n != len(posts) {
		t.Errorf("%d posts stored for %d occurrences", n, len(posts))
	}
}

// countingStore records the occurrences its reads of a series' posts
// return.
type countingStore struct {
	*store.DB
	mu   sync.Mutex
	read []string
}

func (s *countingStore) SeriesPosts(ctx context.Context, id, from string) ([]pregonero.SeriesPost, error) {
	links, err := s.DB.SeriesPosts(ctx, id, from)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range links {
		s.read = append(s.read, l.Occurrence)
	}
	return links, err
}

// take returns the occurrences read since the last take, in order.
func (s *countingStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	read := s.read
	s.read = nil
	slices.Sort(read)
	return read
}

// TestTheSeriesJobReadsOnlyTheOccurrencesItCanStillMakeOrChange: the
// runs of the job, the list of next occurrences and the edits read the
// posts of a series from their window on, not since the series began;
// ending it still reaches a post held for a person for weeks.
func TestTheSeriesJobReadsOnlyTheOccurrencesItCanStillMakeOrChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	req := boletin()
	req.Rule = "FREQ=DAILY"
	sr, _ := f.series(t, req) // 8 to 21 December
	held := f.seriesPosts(t, sr.ID)["2026-12-09T07:00"]
	if _, err := f.db.UpdateDelivery(ctx, held.Deliveries[0].ID, func(d *pregonero.Delivery) error {
		return d.Hold(pregonero.HoldOverdue, nil)
	}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * 24 * time.Hour) // Thursday 17 December, 8:00 in Bogotá
	if res, err := f.svc.Materialize(ctx); err != nil || res.Created != 10 {
		t.Fatalf("Materialize = %+v, %v; want 22 to 31 December made", res, err)
	}
	st := &countingStore{DB: f.db}
	svc, err := posting.New(posting.Config{Store: st, Sender: f.sender, Now: f.clock.Now,
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: &adapter{network: pregonero.NetworkX}}})
	if err != nil {
		t.Fatal(err)
	}
	// before fails when an occurrence before first was read.
	before := func(t *testing.T, read []string, first string) {
		t.Helper()
		if len(read) == 0 || read[0] < first {
			t.Errorf("read %d occurrences from %v, want none before %s", len(read), read[:min(len(read), 1)], first)
		}
	}
	t.Run("a run reads from its window's first occurrence", func(t *testing.T) {
		if res, err := svc.Materialize(ctx); err != nil || res.Created != 0 {
			t.Fatalf("Materialize = %+v, %v", res, err)
		}
		read := st.take()
		before(t, read, "2026-12-18T07:00")
		if len(read) != 14 {
			t.Errorf("read %d occurrences, want the window's 14 (18 to 31 December)", len(read))
		}
	})
	t.Run("the next occurrences read from the first listed", func(t *testing.T) {
		occs, err := svc.SeriesOccurrences(ctx, sr.ID, 3)
		if err != nil || len(occs) != 3 || occs[0].PostID == "" {
			t.Fatalf("SeriesOccurrences = %+v, %v", occs, err)
		}
		before(t, st.take(), "2026-12-18T07:00")
	})
	t.Run("an edit reads the occurrences of the last two days on and changes every waiting post", func(t *testing.T) {
		text := "Noticias del {fecha}"
		_, ch, err := svc.UpdateSeries(ctx, sr.ID, &posting.SeriesPatch{Text: &text})
		if err != nil || ch.Updated != 14 {
			t.Fatalf("UpdateSeries = %+v, %v; want the 14 waiting posts updated", ch, err)
		}
		before(t, st.take(), "2026-12-15T13:00") // 17 December 13:00 UTC, less two days
	})
	t.Run("an occurrence edited alone reads from itself", func(t *testing.T) {
		alone := "Edición especial"
		if _, err := svc.EditOccurrence(ctx, sr.ID, "2026-12-24T07:00", &posting.Patch{Text: &alone}); err != nil {
			t.Fatal(err)
		}
		before(t, st.take(), "2026-12-24T07:00")
	})
	t.Run("ending the series cancels the post held for a person since the 9th", func(t *testing.T) {
		if _, _, err := svc.SetSeriesState(ctx, sr.ID, pregonero.SeriesEnded); err != nil {
			t.Fatal(err)
		}
		if p := f.seriesPosts(t, sr.ID)["2026-12-09T07:00"]; p.Status != pregonero.PostCanceled {
			t.Errorf("the held post is %s, want canceled", p.Status)
		}
	})
}

func TestSkippingAnOccurrenceCancelsItsPost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	sr, err := f.svc.SkipOccurrence(ctx, sr.ID, "2026-12-14T07:00")
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Exceptions) != 1 || sr.Exceptions[0] != "2026-12-14T07:00" {
		t.Errorf("exceptions = %v", sr.Exceptions)
	}
	if p := f.seriesPosts(t, sr.ID)["2026-12-14T07:00"]; p.Status != pregonero.PostCanceled {
		t.Errorf("status = %s, want canceled", p.Status)
	}
	t.Run("a later run does not make it again", func(t *testing.T) {
		f.clock.Advance(time.Hour)
		if res, err := f.svc.Materialize(ctx); err != nil || res.Created != 0 {
			t.Errorf("Materialize = %+v, %v", res, err)
		}
	})
	t.Run("the occurrences list shows it skipped", func(t *testing.T) {
		occs, err := f.svc.SeriesOccurrences(ctx, sr.ID, 4)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range occs {
			got = append(got, fmt.Sprintf("%s %v %s", o.Occurrence, o.Skipped, o.Status))
		}
		want := "2026-12-09T07:00 false scheduled|2026-12-11T07:00 false scheduled|2026-12-14T07:00 true canceled|2026-12-16T07:00 false scheduled"
		if strings.Join(got, "|") != want {
			t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
		}
	})
	t.Run("a time the rule does not give is not found", func(t *testing.T) {
		if _, err := f.svc.SkipOccurrence(ctx, sr.ID, "2026-12-15T07:00"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("got %v, want not found", err)
		}
	})
}

// cancelFailingStore is the store failing every cancel, as one that
// stops before the write.
type cancelFailingStore struct{ *store.DB }

func (cancelFailingStore) CancelPost(context.Context, string) (*pregonero.Post, error) {
	return nil, errors.New("the process stopped")
}

// TestASkipNeverLeavesItsPostGoingOut: when the post of an occurrence
// cannot be canceled, the occurrence is not recorded as skipped either,
// so nobody is told it is skipped while its post goes out.
func TestASkipNeverLeavesItsPostGoingOut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	svc, err := posting.New(posting.Config{Store: cancelFailingStore{f.db}, Sender: f.sender, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SkipOccurrence(ctx, sr.ID, "2026-12-14T07:00"); err == nil {
		t.Fatal("SkipOccurrence = nil, want the cancel's error")
	}
	got, err := f.db.Series(ctx, sr.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := f.seriesPosts(t, sr.ID)["2026-12-14T07:00"]
	if len(got.Exceptions) != 0 && p.Status != pregonero.PostCanceled {
		t.Errorf("exceptions %v with the post %s, want the occurrence not skipped while its post goes out", got.Exceptions, p.Status)
	}
}

// TestASeriesIsNeverEndedWithItsPostsGoingOut: when its waiting posts
// cannot be canceled, the series is left paused (it makes no new post),
// not recorded as ended.
func TestASeriesIsNeverEndedWithItsPostsGoingOut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	svc, err := posting.New(posting.Config{Store: cancelFailingStore{f.db}, Sender: f.sender, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SetSeriesState(ctx, sr.ID, pregonero.SeriesEnded); err == nil {
		t.Fatal("SetSeriesState = nil, want the cancel's error")
	}
	got, err := f.db.Series(ctx, sr.ID)
	if err != nil || got.State != pregonero.SeriesPaused {
		t.Errorf("series state %s, %v; want paused while its posts wait", got.State, err)
	}
}

func TestEndingASeriesCancelsItsWaitingPosts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	// One post waits for a person: ending the series cancels it too.
	held := f.seriesPosts(t, sr.ID)["2026-12-11T07:00"]
	if _, err := f.db.UpdateDelivery(ctx, held.Deliveries[0].ID, func(d *pregonero.Delivery) error {
		return d.Hold(pregonero.HoldOverdue, nil)
	}); err != nil {
		t.Fatal(err)
	}
	sr, ch, err := f.svc.SetSeriesState(ctx, sr.ID, pregonero.SeriesEnded)
	if err != nil || sr.State != pregonero.SeriesEnded || ch.Canceled != 6 {
		t.Fatalf("SetSeriesState = %+v, %+v, %v; want ended with 6 canceled", sr, ch, err)
	}
	if p := f.seriesPosts(t, sr.ID)["2026-12-11T07:00"]; p.Status != pregonero.PostCanceled {
		t.Errorf("the held post is %s, want canceled", p.Status)
	}
	f.clock.Advance(72 * time.Hour)
	if res, _ := f.svc.Materialize(ctx); res.Created != 0 {
		t.Errorf("an ended series made %d posts", res.Created)
	}
	if _, _, err := f.svc.SetSeriesState(ctx, sr.ID, pregonero.SeriesActive); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("resuming an ended series: %v, want a conflict", err)
	}
}

func TestAPausedSeriesMakesNoPostsUntilResumed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	if _, _, err := f.svc.SetSeriesState(ctx, sr.ID, pregonero.SeriesPaused); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(7 * 24 * time.Hour)
	if res, _ := f.svc.Materialize(ctx); res.Created != 0 {
		t.Errorf("a paused series made %d posts", res.Created)
	}
	_, ch, err := f.svc.SetSeriesState(ctx, sr.ID, pregonero.SeriesActive)
	if err != nil || ch.Created != 3 {
		t.Errorf("resume = %+v, %v; want the 3 new occurrences made", ch, err)
	}
}

func TestAnOccurrenceInADaylightSavingGapSaysItMoved(t *testing.T) {
	f := newFixture(t)
	occs, err := f.svc.PreviewSeries(context.Background(), &posting.SeriesRequest{
		Rule: "FREQ=DAILY", Start: "2027-03-13T02:30", Zone: "America/New_York"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	o := occs[1]
	if o.Occurrence != "2027-03-14T02:30" || !o.Moved || !o.At.Equal(time.Date(2027, 3, 14, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("occurrence = %+v, want 2027-03-14T02:30 moved to 03:00 EDT", o)
	}
	if !strings.Contains(o.Note, "03:00") || occs[0].Moved || occs[2].Moved {
		t.Errorf("note = %q; others moved: %v %v", o.Note, occs[0].Moved, occs[2].Moved)
	}
}

func TestFechaES(t *testing.T) {
	bog, _ := time.LoadLocation("America/Bogota")
	tests := []struct {
		at          time.Time
		fecha, hora string
	}{
		{time.Date(2026, 12, 7, 7, 0, 0, 0, bog), "lunes 7 de diciembre de 2026", "7:00 a. m."},
		{time.Date(2027, 9, 1, 12, 30, 0, 0, bog), "miércoles 1 de septiembre de 2027", "12:30 p. m."},
		{time.Date(2027, 1, 2, 0, 5, 0, 0, bog), "sábado 2 de enero de 2027", "12:05 a. m."},
		{time.Date(2027, 8, 1, 18, 0, 0, 0, bog), "domingo 1 de agosto de 2027", "6:00 p. m."},
	}
	for _, tt := range tests {
		t.Run(tt.fecha, func(t *testing.T) {
			if got := posting.FechaES(tt.at); got != tt.fecha {
				t.Errorf("FechaES = %q, want %q", got, tt.fecha)
			}
			if got := posting.HoraES(tt.at); got != tt.hora {
				t.Errorf("HoraES = %q, want %q", got, tt.hora)
			}
		})
	}
}

// BenchmarkMaterializeSeries measures what expansion leaves out: making
// the posts, 100 daily series over 14 days (1,400 posts, each checked and
// committed with its occurrence's record in its own transaction).
func BenchmarkMaterializeSeries(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "db"), store.WithNow(func() time.Time { return t0 }))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.PutAccount(ctx, &pregonero.Account{ID: "x-gob", Network: pregonero.NetworkX, Status: pregonero.AccountActive}); err != nil {
			b.Fatal(err)
		}
		svc, err := posting.New(posting.Config{Store: db, Sender: &sender{}, Now: func() time.Time { return t0 },
			Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: &adapter{network: pregonero.NetworkX}}})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 100 {
			sr := &pregonero.Series{ID: fmt.Sprintf("s_%03d", i), Name: fmt.Sprintf("Serie %03d", i), Rule: "FREQ=DAILY",
				Start: "2026-12-07T07:00", Zone: "America/Bogota", Text: "Boletín del {fecha}", Targets: []string{"x-gob"}, State: pregonero.SeriesActive}
			if err := db.CreateSeries(ctx, sr); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		res, err := svc.Materialize(ctx)
		if err != nil || res.Created != 1400 {
			b.Fatalf("Materialize = %+v, %v", res, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

package posting_test

import (
	"context"
	"fmt"
	"path/filepath"
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
	links, err := f.db.SeriesPosts(context.Background(), id)
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

func TestEndingASeriesCancelsItsWaitingPosts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sr, _ := f.series(t, boletin())
	sr, ch, err := f.svc.SetSeriesState(ctx, sr.ID, pregonero.SeriesEnded)
	if err != nil || sr.State != pregonero.SeriesEnded || ch.Canceled != 6 {
		t.Fatalf("SetSeriesState = %+v, %+v, %v; want ended with 6 canceled", sr, ch, err)
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

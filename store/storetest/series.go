package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"pregonero"
)

// TestSeriesStore runs the conformance suite of pregonero.SeriesStore
// against the stores open returns, each of which must also be a
// SeriesStore.
func TestSeriesStore(t *testing.T, open OpenFunc) {
	t.Run("Series", func(t *testing.T) { testSeries(t, open) })
	t.Run("SeriesPosts", func(t *testing.T) { testSeriesPosts(t, open) })
	t.Run("SeriesPostsFrom", func(t *testing.T) { testSeriesPostsFrom(t, open) })
	t.Run("SeriesDurability", func(t *testing.T) { testSeriesDurability(t, open) })
}

// seriesStore returns the store under test as a SeriesStore.
func (h *harness) seriesStore() pregonero.SeriesStore {
	h.t.Helper()
	ss, ok := h.s.(pregonero.SeriesStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.SeriesStore", h.s)
	}
	return ss
}

func sampleSeries(id, name string) *pregonero.Series {
	text := "Boletín para X del {fecha}"
	return &pregonero.Series{
		ID: id, Name: name, Rule: "FREQ=WEEKLY;BYDAY=MO,WE,FR", Start: "2031-03-17T07:00", Zone: "America/Bogota",
		Text: "Boletín de la mañana, {fecha}", Link: "https://antioquia.gov.co/boletin", Targets: []string{"x-a", "fb-a"},
		Overrides: map[string]pregonero.Override{"x-a": {Text: &text}}, Media: []pregonero.PostMedia{},
		Campaign: "c_boletin", Unit: "Comunicaciones", Author: "ana", State: pregonero.SeriesActive,
		Exceptions: []string{"2031-03-24T07:00"}, CreatedAt: base, UpdatedAt: base,
	}
}

func sameSeries(t *testing.T, got, want *pregonero.Series) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = g.CreatedAt.UTC(), w.CreatedAt.UTC()
	g.UpdatedAt, w.UpdatedAt = g.UpdatedAt.UTC(), w.UpdatedAt.UTC()
	g.LastErrorAt, w.LastErrorAt = g.LastErrorAt.UTC(), w.LastErrorAt.UTC()
	if len(g.Media) == 0 && len(w.Media) == 0 {
		g.Media, w.Media = nil, nil
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("series:\ngot  %+v\nwant %+v", g, w)
	}
}

func testSeries(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	ss := h.seriesStore()
	s := sampleSeries("s_1", "Boletín de la mañana")
	if err := ss.CreateSeries(h.ctx, s); err != nil {
		t.Fatalf("CreateSeries = %v", err)
	}
	t.Run("a stored series reads back whole", func(t *testing.T) {
		got, err := ss.Series(h.ctx, "s_1")
		if err != nil {
			t.Fatal(err)
		}
		sameSeries(t, got, s)
	})
	t.Run("a name taken in another case is a conflict on name", func(t *testing.T) {
		err := ss.CreateSeries(h.ctx, sampleSeries("s_2", "BOLETÍN de la mañana"))
		var e *pregonero.Error
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT || !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "name" {
			t.Errorf("got %v, want a conflict on name", err)
		}
	})
	t.Run("an unknown series is not found", func(t *testing.T) {
		if _, err := ss.Series(h.ctx, "s_nada"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("got %v, want not found", err)
		}
	})
	t.Run("the list is ordered by name", func(t *testing.T) {
		if err := ss.CreateSeries(h.ctx, sampleSeries("s_3", "Agenda del Gobernador")); err != nil {
			t.Fatal(err)
		}
		list, err := ss.SeriesList(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range list {
			names = append(names, s.Name)
		}
		if want := []string{"Agenda del Gobernador", "Boletín de la mañana"}; !reflect.DeepEqual(names, want) {
			t.Errorf("got %v, want %v", names, want)
		}
	})
	t.Run("an update is stamped and kept", func(t *testing.T) {
		later := base.Add(time.Hour)
		h.clock.Set(later)
		got, err := ss.UpdateSeries(h.ctx, "s_1", func(s *pregonero.Series) error {
			s.Skip("2031-03-26T07:00")
			return s.SetState(pregonero.SeriesPaused)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !got.UpdatedAt.Equal(later) || got.State != pregonero.SeriesPaused || len(got.Exceptions) != 2 {
			t.Errorf("got %+v", got)
		}
		again, _ := ss.Series(h.ctx, "s_1")
		sameSeries(t, again, got)
	})
	t.Run("an error from the update writes nothing", func(t *testing.T) {
		before, _ := ss.Series(h.ctx, "s_1")
		_, err := ss.UpdateSeries(h.ctx, "s_1", func(s *pregonero.Series) error {
			s.Name = "Otro"
			return pregonero.Errorf(pregonero.EINVALID, "no")
		})
		if pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Fatalf("got %v", err)
		}
		after, _ := ss.Series(h.ctx, "s_1")
		sameSeries(t, after, before)
	})
}

func testSeriesPosts(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	ss := h.seriesStore()
	if err := ss.CreateSeries(h.ctx, sampleSeries("s_1", "Boletín")); err != nil {
		t.Fatal(err)
	}
	p1 := NewPost(base.Add(48*time.Hour), "x-a")
	p2 := NewPost(base.Add(24*time.Hour), "x-a")
	t.Run("the post and its occurrence are stored together", func(t *testing.T) {
		if err := ss.CreateSeriesPost(h.ctx, "s_1", "2031-03-19T07:00", p1); err != nil {
			t.Fatal(err)
		}
		if err := ss.CreateSeriesPost(h.ctx, "s_1", "2031-03-17T07:00", p2); err != nil {
			t.Fatal(err)
		}
		h.post(p1.ID)
		got, err := ss.SeriesPosts(h.ctx, "s_1", "")
		if err != nil {
			t.Fatal(err)
		}
		want := []pregonero.SeriesPost{{Occurrence: "2031-03-17T07:00", PostID: p2.ID}, {Occurrence: "2031-03-19T07:00", PostID: p1.ID}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("a second post for an occurrence is refused and not stored", func(t *testing.T) {
		p3 := NewPost(base.Add(48*time.Hour), "x-a")
		if err := ss.CreateSeriesPost(h.ctx, "s_1", "2031-03-19T07:00", p3); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("got %v, want a conflict", err)
		}
		if _, err := h.s.Post(h.ctx, p3.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("the refused post was stored: %v", err)
		}
	})
	t.Run("a post for an unknown series is refused", func(t *testing.T) {
		p4 := NewPost(base.Add(48*time.Hour), "x-a")
		if err := ss.CreateSeriesPost(h.ctx, "s_nada", "2031-03-19T07:00", p4); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("got %v, want not found", err)
		}
	})
	t.Run("another series' occurrences are its own", func(t *testing.T) {
		if err := ss.CreateSeries(h.ctx, sampleSeries("s_10", "Boletín 10")); err != nil {
			t.Fatal(err)
		}
		got, err := ss.SeriesPosts(h.ctx, "s_10", "")
		if err != nil || len(got) != 0 {
			t.Errorf("got %v, %v; want none", got, err)
		}
	})
	t.Run("a replaced post is canceled and its occurrence has the new one", func(t *testing.T) {
		p5 := NewPost(base.Add(48*time.Hour), "x-a", "x-b")
		if err := ss.ReplaceSeriesPost(h.ctx, "s_1", "2031-03-19T07:00", p1.ID, p5); err != nil {
			t.Fatal(err)
		}
		if got := h.post(p1.ID); got.Status != pregonero.PostCanceled {
			t.Errorf("the old post is %s, want canceled", got.Status)
		}
		if got := h.post(p5.ID); len(got.Deliveries) != 2 || got.Status != pregonero.PostScheduled {
			t.Errorf("the new post = %+v, want scheduled to two accounts", got)
		}
		got, _ := ss.SeriesPosts(h.ctx, "s_1", "")
		if len(got) != 2 || got[1].PostID != p5.ID {
			t.Errorf("got %v", got)
		}
		p1 = p5
	})
	t.Run("a post that is not the occurrence's is not replaced", func(t *testing.T) {
		p6 := NewPost(base.Add(48*time.Hour), "x-a")
		if err := ss.ReplaceSeriesPost(h.ctx, "s_1", "2031-03-19T07:00", p2.ID, p6); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("got %v, want a conflict", err)
		}
		if got := h.post(p2.ID); got.Status != pregonero.PostScheduled {
			t.Errorf("post %s is %s, want it left scheduled", p2.ID, got.Status)
		}
		if _, err := h.s.Post(h.ctx, p6.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("the refused post was stored: %v", err)
		}
	})
	t.Run("a post that is going out is not replaced", func(t *testing.T) {
		if _, err := h.s.UpdateDelivery(h.ctx, p2.Deliveries[0].ID, func(d *pregonero.Delivery) error {
			d.State = pregonero.DeliveryPublished
			d.PublishedAt = base
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p7 := NewPost(base.Add(48*time.Hour), "x-a")
		if err := ss.ReplaceSeriesPost(h.ctx, "s_1", "2031-03-17T07:00", p2.ID, p7); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("got %v, want a conflict", err)
		}
		if _, err := h.s.Post(h.ctx, p7.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("the refused post was stored: %v", err)
		}
	})
	t.Run("a post replaced by none is canceled and its occurrence can get a new post", func(t *testing.T) {
		if err := ss.ReplaceSeriesPost(h.ctx, "s_1", "2031-03-19T07:00", p1.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got := h.post(p1.ID); got.Status != pregonero.PostCanceled {
			t.Errorf("the old post is %s, want canceled", got.Status)
		}
		p8 := NewPost(base.Add(48*time.Hour), "x-a")
		if err := ss.CreateSeriesPost(h.ctx, "s_1", "2031-03-19T07:00", p8); err != nil {
			t.Fatal(err)
		}
		got, _ := ss.SeriesPosts(h.ctx, "s_1", "")
		if len(got) != 2 || got[1].PostID != p8.ID {
			t.Errorf("got %v", got)
		}
	})
}

func testSeriesPostsFrom(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	ss := h.seriesStore()
	// s_1's occurrences sort right before s_10's, whose key starts with
	// s_1's id: a read of s_1 must stop at its own end.
	occurrences := map[string][]string{
		"s_1":  {"2031-03-17T07:00", "2031-03-19T07:00", "2031-03-19T18:30", "2031-03-21T07:00:30", "2032-01-02T07:00"},
		"s_10": {"2031-03-16T07:00", "2031-03-20T07:00"},
	}
	ids := map[string]string{}
	for _, sid := range []string{"s_1", "s_10"} {
		if err := ss.CreateSeries(h.ctx, sampleSeries(sid, "Boletín "+sid)); err != nil {
			t.Fatal(err)
		}
		for _, occ := range occurrences[sid] {
			p := NewPost(base.Add(time.Hour), "x-a")
			if err := ss.CreateSeriesPost(h.ctx, sid, occ, p); err != nil {
				t.Fatal(err)
			}
			ids[sid+" "+occ] = p.ID
		}
	}
	tests := []struct {
		name, series, from string
		want               []string
	}{
		{"no bound returns every occurrence", "s_1", "", occurrences["s_1"]},
		{"an occurrence named exactly is returned with the later ones", "s_1", "2031-03-19T18:30",
			[]string{"2031-03-19T18:30", "2031-03-21T07:00:30", "2032-01-02T07:00"}},
		{"a bound between two occurrences leaves out the earlier", "s_1", "2031-03-19T12:00",
			[]string{"2031-03-19T18:30", "2031-03-21T07:00:30", "2032-01-02T07:00"}},
		{"a date alone starts at that day's first occurrence", "s_1", "2031-03-19",
			[]string{"2031-03-19T07:00", "2031-03-19T18:30", "2031-03-21T07:00:30", "2032-01-02T07:00"}},
		{"an occurrence with seconds sorts after its minute", "s_1", "2031-03-21T07:00",
			[]string{"2031-03-21T07:00:30", "2032-01-02T07:00"}},
		{"a bound after the last occurrence returns none, not another series'", "s_1", "2033-01-01T00:00", []string{}},
		{"another series' bound reads only its own", "s_10", "2031-03-17T07:00", []string{"2031-03-20T07:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ss.SeriesPosts(h.ctx, tt.series, tt.from)
			if err != nil {
				t.Fatal(err)
			}
			want := []pregonero.SeriesPost{}
			for _, occ := range tt.want {
				want = append(want, pregonero.SeriesPost{Occurrence: occ, PostID: ids[tt.series+" "+occ]})
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("SeriesPosts(%s, %q)\ngot  %v\nwant %v", tt.series, tt.from, got, want)
			}
		})
	}
	t.Run("an unknown series is not found, whatever the bound", func(t *testing.T) {
		if _, err := ss.SeriesPosts(h.ctx, "s_nada", "2031-03-19T07:00"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("got %v, want not found", err)
		}
	})
}

func testSeriesDurability(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	s := sampleSeries("s_1", "Boletín")
	if err := h.seriesStore().CreateSeries(h.ctx, s); err != nil {
		t.Fatal(err)
	}
	p := NewPost(base.Add(time.Hour), "x-a")
	if err := h.seriesStore().CreateSeriesPost(h.ctx, "s_1", "2031-03-17T07:00", p); err != nil {
		t.Fatal(err)
	}
	h.reopen()
	got, err := h.seriesStore().Series(h.ctx, "s_1")
	if err != nil {
		t.Fatal(err)
	}
	sameSeries(t, got, s)
	posts, err := h.seriesStore().SeriesPosts(h.ctx, "s_1", "")
	if err != nil || len(posts) != 1 || posts[0].PostID != p.ID {
		t.Errorf("after reopening: %v, %v", posts, err)
	}
}

package storetest

import (
	"testing"
	"time"

	"pregonero"
)

// TestReportStore runs the conformance suite of the reads reports make
// (PostsByCampaign, PostsScheduled) against the stores open returns.
func TestReportStore(t *testing.T, open OpenFunc) {
	t.Run("PostsByCampaign", func(t *testing.T) { testPostsByCampaign(t, open) })
	t.Run("PostsScheduled", func(t *testing.T) { testPostsScheduled(t, open) })
}

func (h *harness) reports() pregonero.ReportStore {
	h.t.Helper()
	rs, ok := h.s.(pregonero.ReportStore)
	if !ok {
		h.t.Fatalf("%T has no PostsByCampaign and PostsScheduled", h.s)
	}
	return rs
}

func equalIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func inCampaign(p *pregonero.Post, c string) *pregonero.Post {
	p.Campaign = c
	return p
}

func testPostsByCampaign(t *testing.T, open OpenFunc) {
	t.Run("a campaign's posts in time order, with their deliveries, and no one else's", func(t *testing.T) {
		h := newHarness(t, open)
		rs := h.reports()
		late := inCampaign(NewPost(base.Add(3*time.Hour), "x-a", "x-b"), "vias")
		early := inCampaign(NewPost(base.Add(time.Hour), "x-a"), "vias")
		other := inCampaign(NewPost(base.Add(2*time.Hour), "x-a"), "vias2") // an id that extends "vias"
		none := NewPost(base.Add(2*time.Hour), "x-a")
		h.create(late, early, other, none)
		got, err := rs.PostsByCampaign(h.ctx, "vias", time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{early.ID, late.ID}; !equalIDs(postIDs(got), want) {
			t.Fatalf("PostsByCampaign(vias) = %v, want %v", postIDs(got), want)
		}
		if len(got[1].Deliveries) != 2 || got[1].Deliveries[0].ID != late.Deliveries[0].ID || got[1].Text != late.Text {
			t.Errorf("the post came back without its deliveries or text: %+v", got[1])
		}
		if got, err := rs.PostsByCampaign(h.ctx, "nada", time.Time{}, time.Time{}); err != nil || len(got) != 0 {
			t.Errorf("PostsByCampaign(a campaign without posts) = %v, %v; want none", postIDs(got), err)
		}
	})
	t.Run("the range is [from, to) on the scheduled time", func(t *testing.T) {
		h := newHarness(t, open)
		rs := h.reports()
		var ps []*pregonero.Post
		for i := range 4 {
			ps = append(ps, inCampaign(NewPost(base.Add(time.Duration(i)*time.Hour), "x-a"), "vias"))
		}
		h.create(ps...)
		got, err := rs.PostsByCampaign(h.ctx, "vias", base.Add(time.Hour), base.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{ps[1].ID, ps[2].ID}; !equalIDs(postIDs(got), want) {
			t.Errorf("PostsByCampaign(1h, 3h) = %v, want %v", postIDs(got), want)
		}
		got, _ = rs.PostsByCampaign(h.ctx, "vias", time.Time{}, base.Add(time.Hour))
		if want := []string{ps[0].ID}; !equalIDs(postIDs(got), want) {
			t.Errorf("PostsByCampaign(start, 1h) = %v, want %v", postIDs(got), want)
		}
	})
	t.Run("an edit moves the post in the index, in the same write", func(t *testing.T) {
		h := newHarness(t, open)
		rs := h.reports()
		p := inCampaign(NewPost(base, "x-a"), "vias")
		q := inCampaign(NewPost(base.Add(time.Hour), "x-a"), "vias")
		h.create(p, q)
		later := base.Add(2 * time.Hour)
		if _, err := h.s.UpdatePost(h.ctx, p.ID, func(np *pregonero.Post) error {
			np.ScheduledAt = later
			for _, d := range np.Deliveries {
				if err := d.Reschedule(later, later); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got, _ := rs.PostsByCampaign(h.ctx, "vias", time.Time{}, time.Time{})
		if want := []string{q.ID, p.ID}; !equalIDs(postIDs(got), want) {
			t.Errorf("after a new time = %v, want %v", postIDs(got), want)
		}
		if _, err := h.s.UpdatePost(h.ctx, q.ID, func(np *pregonero.Post) error { np.Campaign = "salud"; return nil }); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		rs = h.reports()
		if got, _ := rs.PostsByCampaign(h.ctx, "vias", time.Time{}, time.Time{}); !equalIDs(postIDs(got), []string{p.ID}) {
			t.Errorf("vias after moving %s to salud = %v, want only %s", q.ID, postIDs(got), p.ID)
		}
		if got, _ := rs.PostsByCampaign(h.ctx, "salud", time.Time{}, time.Time{}); !equalIDs(postIDs(got), []string{q.ID}) {
			t.Errorf("salud = %v, want %s", postIDs(got), q.ID)
		}
		if _, err := h.s.UpdatePost(h.ctx, q.ID, func(np *pregonero.Post) error { np.Campaign = ""; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, _ := rs.PostsByCampaign(h.ctx, "salud", time.Time{}, time.Time{}); len(got) != 0 {
			t.Errorf("salud after the post left every campaign = %v, want none", postIDs(got))
		}
	})
	t.Run("a refused edit leaves the index as it was", func(t *testing.T) {
		h := newHarness(t, open)
		rs := h.reports()
		p := inCampaign(NewPost(base, "x-a"), "vias")
		h.create(p)
		_, err := h.s.UpdatePost(h.ctx, p.ID, func(np *pregonero.Post) error {
			np.Campaign = "salud"
			np.Targets = append(np.Targets, "x-b") // refused: targets of a scheduled post
			return nil
		})
		if err == nil {
			t.Fatal("an edit changing the targets was accepted")
		}
		if got, _ := rs.PostsByCampaign(h.ctx, "salud", time.Time{}, time.Time{}); len(got) != 0 {
			t.Errorf("salud = %v after a refused edit", postIDs(got))
		}
		if got, _ := rs.PostsByCampaign(h.ctx, "vias", time.Time{}, time.Time{}); !equalIDs(postIDs(got), []string{p.ID}) {
			t.Errorf("vias = %v after a refused edit", postIDs(got))
		}
	})
	t.Run("an id that cannot be a key is refused", func(t *testing.T) {
		h := newHarness(t, open)
		if _, err := h.reports().PostsByCampaign(h.ctx, "", time.Time{}, time.Time{}); pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("PostsByCampaign(\"\") = %v, want invalid", err)
		}
	})
}

func testPostsScheduled(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	rs := h.reports()
	var ps []*pregonero.Post
	for i := range 5 {
		c := ""
		if i%2 == 0 {
			c = "vias"
		}
		ps = append(ps, inCampaign(NewPost(base.Add(time.Duration(4-i)*time.Hour), "x-a"), c))
	}
	h.create(ps...)
	got, err := rs.PostsScheduled(h.ctx, base.Add(time.Hour), base.Add(4*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{ps[3].ID, ps[2].ID, ps[1].ID}; !equalIDs(postIDs(got), want) {
		t.Errorf("PostsScheduled(1h, 4h) = %v, want %v (time order, whatever the campaign)", postIDs(got), want)
	}
	if got, _ := rs.PostsScheduled(h.ctx, time.Time{}, time.Time{}); len(got) != 5 {
		t.Errorf("PostsScheduled(no bounds) = %d posts, want 5", len(got))
	}
	if got, _ := rs.PostsScheduled(h.ctx, base.Add(10*time.Hour), time.Time{}); len(got) != 0 {
		t.Errorf("PostsScheduled(after every post) = %v, want none", postIDs(got))
	}
}

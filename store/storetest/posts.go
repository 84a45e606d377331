package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero"
)

func testCreatePosts(t *testing.T, open OpenFunc) {
	t.Run("post reads back with its deliveries and scheduled status", func(t *testing.T) {
		h := newHarness(t, open)
		text := "Texto para X con tildes: ñandú, acción. \"Comillas\" y \\barra\\\tTab\nLínea 😀"
		p := NewPost(base, "x-gobantioquia", "fb-gobantioquia")
		p.Text = text
		p.Link = "https://antioquia.gov.co/vacunacion?x=1&y=2"
		p.Media = []pregonero.PostMedia{{ID: "m_1", AltText: "Puente sobre el río"}, {ID: "m_2"}}
		h.putMedia("m_1", base)
		h.putMedia("m_2", base)
		p.Overrides = map[string]pregonero.Override{
			"x-gobantioquia":  {Text: &text},
			"fb-gobantioquia": {Title: "Título", Description: "Descripción", Tags: []string{"salud", "vacunas"}},
		}
		p.Campaign = "vacunacion-2031"
		p.Author = "ana@antioquia.gov.co"
		p.Unit = "Secretaría de Salud"
		p.Deliveries[1].Network = pregonero.NetworkFacebook
		p.Deliveries[1].Checkpoint = map[string]string{"media_ids": "1,2"}
		h.create(p)

		got := h.post(p.ID)
		samePost(t, got, p)
		if got.Status != pregonero.PostScheduled {
			t.Errorf("Status = %q, want %q", got.Status, pregonero.PostScheduled)
		}
		for _, d := range p.Deliveries {
			sameDelivery(t, h.delivery(d.ID), d)
		}
		if got, want := h.counts(), map[pregonero.DeliveryState]int{pregonero.DeliveryQueued: 2}; !mapsEqual(got, want) {
			t.Errorf("DeliveryCounts() = %v, want %v", got, want)
		}
	})

	t.Run("post without deliveries is a draft", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base)
		h.create(p)
		if got := h.post(p.ID); got.Status != pregonero.PostDraft || len(got.Deliveries) != 0 {
			t.Errorf("Post() = status %q with %d deliveries, want draft with none", got.Status, len(got.Deliveries))
		}
	})

	t.Run("delivery without post id gets its post's", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		p.Deliveries[0].PostID = ""
		h.create(p)
		if got := h.delivery(p.Deliveries[0].ID).PostID; got != p.ID {
			t.Errorf("PostID = %q, want %q", got, p.ID)
		}
	})

	t.Run("many posts in one call are all stored", func(t *testing.T) {
		h := newHarness(t, open)
		var ps []*pregonero.Post
		for i := range 300 {
			ps = append(ps, NewPost(base.Add(time.Duration(i)*time.Minute), "x-a", "fb-b"))
		}
		h.create(ps...)
		for _, p := range ps {
			samePost(t, h.post(p.ID), p)
		}
		if got := h.counts()[pregonero.DeliveryQueued]; got != 600 {
			t.Errorf("queued count = %d, want 600", got)
		}
	})

	t.Run("existing post id is a conflict and nothing is written", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		fresh := NewPost(base, "x-a")
		again := NewPost(base, "x-b")
		again.ID = p.ID
		for _, d := range again.Deliveries {
			d.PostID = p.ID
		}
		wantCode(t, h.s.CreatePosts(h.ctx, fresh, again), pregonero.ECONFLICT)
		_, err := h.s.Post(h.ctx, fresh.ID)
		wantCode(t, err, pregonero.ENOTFOUND)
		_, err = h.s.Delivery(h.ctx, again.Deliveries[0].ID)
		wantCode(t, err, pregonero.ENOTFOUND)
		samePost(t, h.post(p.ID), p)
		if got := h.counts()[pregonero.DeliveryQueued]; got != 1 {
			t.Errorf("queued count = %d, want 1", got)
		}
	})

	t.Run("existing delivery id is a conflict", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		q := NewPost(base, "x-a")
		q.Deliveries[0].ID = p.Deliveries[0].ID
		wantCode(t, h.s.CreatePosts(h.ctx, q), pregonero.ECONFLICT)
		_, err := h.s.Post(h.ctx, q.ID)
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("missing ids are invalid", func(t *testing.T) {
		h := newHarness(t, open)
		noPost := NewPost(base, "x-a")
		noPost.ID = ""
		wantCode(t, h.s.CreatePosts(h.ctx, noPost), pregonero.EINVALID)
		noDelivery := NewPost(base, "x-a")
		noDelivery.Deliveries[0].ID = ""
		wantCode(t, h.s.CreatePosts(h.ctx, noDelivery), pregonero.EINVALID)
	})

	t.Run("delivery of another post is invalid", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		p.Deliveries[0].PostID = "p_other"
		wantCode(t, h.s.CreatePosts(h.ctx, p), pregonero.EINVALID)
	})

	t.Run("unknown ids are not found", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.s.Post(h.ctx, "p_x")
		wantCode(t, err, pregonero.ENOTFOUND)
		if got, want := pregonero.ErrorMessage(err), "post p_x not found"; got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
		_, err = h.s.Delivery(h.ctx, "d_x")
		wantCode(t, err, pregonero.ENOTFOUND)
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// listAll follows cursors until the last page.
func listAll(t *testing.T, h *harness, f pregonero.PostFilter) ([]*pregonero.Post, int) {
	t.Helper()
	var out []*pregonero.Post
	pages := 0
	for {
		page, err := h.s.Posts(h.ctx, f)
		if err != nil {
			t.Fatalf("Posts(%+v) = %v", f, err)
		}
		pages++
		out = append(out, page.Posts...)
		if page.Next == "" {
			return out, pages
		}
		if pages > 10000 {
			t.Fatal("Posts never ends")
		}
		f.Cursor = page.Next
	}
}

// sortedByTime returns the posts as Posts must list them.
func sortedByTime(ps []*pregonero.Post) []*pregonero.Post {
	out := slices.Clone(ps)
	slices.SortFunc(out, func(a, b *pregonero.Post) int {
		if c := a.ScheduledAt.Compare(b.ScheduledAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func testPosts(t *testing.T, open OpenFunc) {
	t.Run("listed by scheduled time then id across pages", func(t *testing.T) {
		h := newHarness(t, open)
		rng := rand.New(rand.NewPCG(1, 2))
		var ps []*pregonero.Post
		for range 23 {
			// Few distinct instants, so that ties are ordered by id.
			ps = append(ps, NewPost(base.Add(time.Duration(rng.IntN(6))*time.Hour), "x-a"))
		}
		h.create(ps...)
		got, pages := listAll(t, h, pregonero.PostFilter{Limit: 5})
		if want := postIDs(sortedByTime(ps)); !equalStrings(postIDs(got), want) {
			t.Errorf("listed %v, want %v", postIDs(got), want)
		}
		if pages != 5 {
			t.Errorf("pages = %d, want 5", pages)
		}
		samePost(t, got[0], sortedByTime(ps)[0])
	})

	t.Run("last full page has no next cursor", func(t *testing.T) {
		h := newHarness(t, open)
		for i := range 4 {
			h.create(NewPost(base.Add(time.Duration(i)*time.Minute), "x-a"))
		}
		page, err := h.s.Posts(h.ctx, pregonero.PostFilter{Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Posts) != 4 || page.Next != "" {
			t.Errorf("Posts() = %d posts, next %q; want 4 and no cursor", len(page.Posts), page.Next)
		}
	})

	t.Run("limit defaults to 50 and is capped at 500", func(t *testing.T) {
		h := newHarness(t, open)
		var ps []*pregonero.Post
		for i := range 520 {
			ps = append(ps, NewPost(base.Add(time.Duration(i)*time.Second), "x-a"))
		}
		h.create(ps...)
		for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {7, 7}, {1000, 500}} {
			page, err := h.s.Posts(h.ctx, pregonero.PostFilter{Limit: c.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Posts) != c.want || page.Next == "" {
				t.Errorf("Posts(Limit %d) = %d posts, next %q; want %d and a cursor", c.limit, len(page.Posts), page.Next, c.want)
			}
		}
	})

	t.Run("empty store lists nothing", func(t *testing.T) {
		h := newHarness(t, open)
		page, err := h.s.Posts(h.ctx, pregonero.PostFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Posts) != 0 || page.Next != "" {
			t.Errorf("Posts() = %d posts, next %q; want none", len(page.Posts), page.Next)
		}
	})

	t.Run("filters select by status account campaign and time range", func(t *testing.T) {
		h := newHarness(t, open)
		var all []*pregonero.Post
		for i := range 30 {
			accounts := []string{"x-a"}
			if i%3 == 0 {
				accounts = []string{"x-a", "fb-b"}
			} else if i%3 == 1 {
				accounts = []string{"fb-b"}
			}
			p := NewPost(base.Add(time.Duration(i)*time.Hour), accounts...)
			if i%2 == 0 {
				p.Campaign = "lluvias"
			}
			all = append(all, p)
		}
		h.create(all...)
		// Publish every delivery of posts 0..4 and cancel posts 5..9.
		for _, p := range all[:5] {
			for _, d := range p.Deliveries {
				h.update(d.ID, func(d *pregonero.Delivery) { d.State = pregonero.DeliveryPublished })
			}
		}
		for _, p := range all[5:10] {
			if _, err := h.s.CancelPost(h.ctx, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		check := func(name string, f pregonero.PostFilter, keep func(i int, p *pregonero.Post) bool) {
			t.Helper()
			var want []string
			for i, p := range all {
				if keep(i, p) {
					want = append(want, p.ID)
				}
			}
			f.Limit = 4
			got, _ := listAll(t, h, f)
			if !equalStrings(postIDs(got), want) {
				t.Errorf("%s: listed %v, want %v", name, postIDs(got), want)
			}
		}
		check("status published", pregonero.PostFilter{Status: pregonero.PostPublished},
			func(i int, _ *pregonero.Post) bool { return i < 5 })
		check("status canceled", pregonero.PostFilter{Status: pregonero.PostCanceled},
			func(i int, _ *pregonero.Post) bool { return i >= 5 && i < 10 })
		check("status scheduled", pregonero.PostFilter{Status: pregonero.PostScheduled},
			func(i int, _ *pregonero.Post) bool { return i >= 10 })
		check("account", pregonero.PostFilter{Account: "fb-b"},
			func(_ int, p *pregonero.Post) bool { return slices.Contains(p.Targets, "fb-b") })
		check("campaign", pregonero.PostFilter{Campaign: "lluvias"},
			func(_ int, p *pregonero.Post) bool { return p.Campaign == "lluvias" })
		from, to := base.Add(4*time.Hour), base.Add(17*time.Hour)
		check("from and to", pregonero.PostFilter{From: from, To: to},
			func(_ int, p *pregonero.Post) bool { return !p.ScheduledAt.Before(from) && p.ScheduledAt.Before(to) })
		check("from only", pregonero.PostFilter{From: from},
			func(_ int, p *pregonero.Post) bool { return !p.ScheduledAt.Before(from) })
		check("everything combined", pregonero.PostFilter{Status: pregonero.PostScheduled, Account: "x-a", Campaign: "lluvias", From: from, To: to},
			func(i int, p *pregonero.Post) bool {
				return i >= 10 && slices.Contains(p.Targets, "x-a") && p.Campaign == "lluvias" &&
					!p.ScheduledAt.Before(from) && p.ScheduledAt.Before(to)
			})
	})

	t.Run("cursor from another listing resumes after its post", func(t *testing.T) {
		h := newHarness(t, open)
		var ps []*pregonero.Post
		for i := range 10 {
			ps = append(ps, NewPost(base.Add(time.Duration(i)*time.Hour), "x-a"))
		}
		h.create(ps...)
		page, err := h.s.Posts(h.ctx, pregonero.PostFilter{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		// A post inserted before the cursor's position does not shift
		// the next page.
		h.create(NewPost(base.Add(-time.Hour), "x-a"))
		next, err := h.s.Posts(h.ctx, pregonero.PostFilter{Limit: 3, Cursor: page.Next})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := postIDs(next.Posts), postIDs(ps[3:6]); !equalStrings(got, want) {
			t.Errorf("next page = %v, want %v", got, want)
		}
	})

	t.Run("malformed cursor is invalid", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.s.Posts(h.ctx, pregonero.PostFilter{Cursor: "not a cursor!"})
		wantCode(t, err, pregonero.EINVALID)
	})
}

func testCancelPost(t *testing.T, open OpenFunc) {
	t.Run("a draft is canceled itself, once, and stays so", func(t *testing.T) {
		h := newHarness(t, open)
		draft := NewPost(time.Time{})
		draft.Targets = []string{"x-a"}
		h.create(draft)
		now := base.Add(time.Hour)
		h.clock.Set(now)
		got, err := h.s.CancelPost(h.ctx, draft.ID)
		if err != nil {
			t.Fatalf("CancelPost(draft) = %v", err)
		}
		for _, post := range []*pregonero.Post{got, h.post(draft.ID)} {
			if post.Status != pregonero.PostCanceled || !post.CanceledAt.Equal(now) || len(post.Deliveries) != 0 {
				t.Errorf("canceled draft = status %q canceled at %v with %d deliveries; want canceled at %v with none",
					post.Status, post.CanceledAt, len(post.Deliveries), now)
			}
		}
		_, err = h.s.CancelPost(h.ctx, draft.ID)
		wantCode(t, err, pregonero.ECONFLICT)
		_, err = h.s.UpdatePost(h.ctx, draft.ID, func(np *pregonero.Post) error {
			np.Deliveries = NewPost(base, "x-a").Deliveries
			np.Deliveries[0].PostID = ""
			return nil
		})
		wantCode(t, err, pregonero.ECONFLICT)
		page, err := h.s.Posts(h.ctx, pregonero.PostFilter{Status: pregonero.PostCanceled})
		if err != nil || len(page.Posts) != 1 {
			t.Errorf("listing canceled posts = %v, %v; want the draft", page, err)
		}
		if page, _ := h.s.Posts(h.ctx, pregonero.PostFilter{Status: pregonero.PostDraft}); len(page.Posts) != 0 {
			t.Errorf("the canceled draft is still listed as a draft")
		}
	})
	t.Run("a held delivery with an attempt of unknown outcome is not canceled", func(t *testing.T) {
		h := newHarness(t, open)
		p := postWith(base, []string{"x-a", "x-b"}, pregonero.DeliveryHeld, pregonero.DeliveryHeld)
		p.Deliveries[0].HoldReason = pregonero.HoldAccountPaused
		p.Deliveries[0].Attempts = []pregonero.Attempt{{N: 1, StartedAt: base, FinishedAt: base, Outcome: pregonero.OutcomeUnknown}}
		p.Deliveries[1].HoldReason = pregonero.HoldAccountPaused
		h.create(p)
		got, err := h.s.CancelPost(h.ctx, p.ID)
		if err != nil {
			t.Fatalf("CancelPost() = %v", err)
		}
		if s := got.Deliveries[0].State; s != pregonero.DeliveryHeld {
			t.Errorf("in-doubt held delivery = %q, want held (it may be live; it is reconciled, not canceled)", s)
		}
		if s := got.Deliveries[1].State; s != pregonero.DeliveryCanceled {
			t.Errorf("held delivery = %q, want canceled", s)
		}
	})
	t.Run("queued and held deliveries are canceled and the rest untouched", func(t *testing.T) {
		h := newHarness(t, open)
		accounts := []string{"x-a", "fb-b", "ig-c", "yt-d", "x-e"}
		p := postWith(base, accounts,
			pregonero.DeliveryQueued, pregonero.DeliveryHeld, pregonero.DeliverySending,
			pregonero.DeliveryPublished, pregonero.DeliveryInDoubt)
		p.Deliveries[0].LastError = &pregonero.DeliveryError{Class: pregonero.ClassRetryable, Code: "x_503", Message: "X is unavailable", At: base}
		h.create(p)
		now := base.Add(90 * time.Minute)
		h.clock.Set(now)

		got, err := h.s.CancelPost(h.ctx, p.ID)
		if err != nil {
			t.Fatalf("CancelPost() = %v", err)
		}
		want := []pregonero.DeliveryState{
			pregonero.DeliveryCanceled, pregonero.DeliveryCanceled, pregonero.DeliverySending,
			pregonero.DeliveryPublished, pregonero.DeliveryInDoubt,
		}
		for _, post := range []*pregonero.Post{got, h.post(p.ID)} {
			for i, d := range post.Deliveries {
				if d.State != want[i] {
					t.Errorf("delivery %d state = %q, want %q", i, d.State, want[i])
				}
			}
			if post.Status != pregonero.PostPublishing {
				t.Errorf("Status = %q, want %q", post.Status, pregonero.PostPublishing)
			}
		}
		for i := range 2 {
			d := h.delivery(p.Deliveries[i].ID)
			if d.LastError != nil || d.HoldReason != "" || !d.UpdatedAt.Equal(now) {
				t.Errorf("canceled delivery %d = LastError %v, HoldReason %q, UpdatedAt %v; want nil, empty, %v",
					i, d.LastError, d.HoldReason, d.UpdatedAt, now)
			}
		}
		for i := 2; i < 5; i++ {
			sameDelivery(t, h.delivery(p.Deliveries[i].ID), p.Deliveries[i])
		}
		// The canceled queued delivery left the due index: only the
		// in_doubt one is still due.
		claimed := h.claim(now, now.Add(24*time.Hour), 100)
		if got, want := ids(claimed), []string{p.Deliveries[4].ID}; !equalStrings(got, want) {
			t.Errorf("claimed %v after cancel, want %v", got, want)
		}
		if held := h.held(""); len(held) != 0 {
			t.Errorf("HeldDeliveries() = %v after cancel, want none", ids(held))
		}
		wantCounts := map[pregonero.DeliveryState]int{
			pregonero.DeliveryCanceled: 2, pregonero.DeliverySending: 1,
			pregonero.DeliveryPublished: 1, pregonero.DeliveryInDoubt: 1,
		}
		if got := h.counts(); !mapsEqual(got, wantCounts) {
			t.Errorf("DeliveryCounts() = %v, want %v", got, wantCounts)
		}
	})

	t.Run("all canceled makes the post canceled", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a", "fb-b")
		h.create(p)
		got, err := h.s.CancelPost(h.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != pregonero.PostCanceled || h.post(p.ID).Status != pregonero.PostCanceled {
			t.Errorf("Status = %q, want canceled", got.Status)
		}
		if _, ok := h.nextDue(); ok {
			t.Error("NextDue() found a due delivery after cancel")
		}
	})

	t.Run("nothing left to cancel is a conflict that changes nothing", func(t *testing.T) {
		h := newHarness(t, open)
		p := postWith(base, []string{"x-a", "fb-b", "ig-c"},
			pregonero.DeliverySending, pregonero.DeliveryPublished, pregonero.DeliveryInDoubt)
		h.create(p)
		_, err := h.s.CancelPost(h.ctx, p.ID)
		wantCode(t, err, pregonero.ECONFLICT)
		samePost(t, h.post(p.ID), p)
		if _, err := h.s.CancelPost(h.ctx, p.ID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Errorf("second CancelPost() = %v, want conflict", err)
		}
	})

	t.Run("canceling twice is a conflict", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		if _, err := h.s.CancelPost(h.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err := h.s.CancelPost(h.ctx, p.ID)
		wantCode(t, err, pregonero.ECONFLICT)
	})

	t.Run("claimed queued delivery is left alone", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		p.Deliveries[0].Claimed = true
		h.create(p)
		_, err := h.s.CancelPost(h.ctx, p.ID)
		wantCode(t, err, pregonero.ECONFLICT)
		if d := h.delivery(p.Deliveries[0].ID); d.State != pregonero.DeliveryQueued {
			t.Errorf("state = %q, want queued", d.State)
		}
	})

	t.Run("unknown post is not found", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.s.CancelPost(h.ctx, "p_missing")
		wantCode(t, err, pregonero.ENOTFOUND)
	})
}

// accountName gives the i-th of n test accounts.
func accountName(i, n int) string { return fmt.Sprintf("acct-%02d", i%n) }

func testUpdatePost(t *testing.T, open OpenFunc) {
	t.Run("a waiting post is edited and moved", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a", "x-b")
		h.create(p)
		h.update(p.Deliveries[0].ID, func(d *pregonero.Delivery) { d.Checkpoint = map[string]string{"x.media.0": "1|2"} })
		later := base.Add(3 * time.Hour)
		got, err := h.s.UpdatePost(h.ctx, p.ID, func(np *pregonero.Post) error {
			np.Text, np.ScheduledAt, np.Campaign = "texto corregido", later, "salud"
			return nil
		})
		if err != nil {
			t.Fatalf("UpdatePost() = %v", err)
		}
		for _, post := range []*pregonero.Post{got, h.post(p.ID)} {
			if post.Text != "texto corregido" || post.Campaign != "salud" || !post.ScheduledAt.Equal(later) {
				t.Errorf("post = %+v", post)
			}
			for _, d := range post.Deliveries {
				if !d.ScheduledAt.Equal(later) || !d.NextAttemptAt.Equal(later) || d.Checkpoint != nil {
					t.Errorf("delivery %s: scheduled %v next %v checkpoint %v; want moved to %v and no checkpoint", d.ID, d.ScheduledAt, d.NextAttemptAt, d.Checkpoint, later)
				}
			}
		}
		if due, ok := h.nextDue(); !ok || !due.Equal(later) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, later)
		}
		page, err := h.s.Posts(h.ctx, pregonero.PostFilter{From: later, To: later.Add(time.Second)})
		if err != nil || len(page.Posts) != 1 {
			t.Errorf("listing by the new time: %v %d", err, len(page.Posts))
		}
		if page, _ := h.s.Posts(h.ctx, pregonero.PostFilter{From: base, To: base.Add(time.Second)}); len(page.Posts) != 0 {
			t.Errorf("still listed at the old time")
		}
	})
	t.Run("a post being published cannot be edited", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a", "x-b")
		h.create(p)
		h.claim(base, base, 1)
		_, err := h.s.UpdatePost(h.ctx, p.ID, func(np *pregonero.Post) error { np.Text = "otro"; return nil })
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("UpdatePost() = %v, want conflict", err)
		}
		if got := h.post(p.ID); got.Text == "otro" {
			t.Error("the text changed anyway")
		}
	})
	t.Run("a draft's targets change and scheduling adds its deliveries", func(t *testing.T) {
		h := newHarness(t, open)
		w := watch(h)
		draft := NewPost(time.Time{})
		h.create(draft)
		got, err := h.s.UpdatePost(h.ctx, draft.ID, func(np *pregonero.Post) error {
			np.Targets, np.Text = []string{"x-a"}, "borrador"
			return nil
		})
		if err != nil || got.Status != pregonero.PostDraft || !equalStrings(got.Targets, []string{"x-a"}) {
			t.Fatalf("UpdatePost(draft targets) = %+v, %v; want a draft to x-a", got, err)
		}
		if ws := w.take(); len(ws) != 0 {
			t.Errorf("editing a draft signalled %v; nothing is due", ws)
		}
		at := base.Add(2 * time.Hour)
		planned := NewPost(at, "x-a", "x-b")
		got, err = h.s.UpdatePost(h.ctx, draft.ID, func(np *pregonero.Post) error {
			np.Targets, np.ScheduledAt = []string{"x-a", "x-b"}, at
			np.Deliveries = planned.Deliveries
			for _, d := range np.Deliveries {
				d.PostID = ""
			}
			return nil
		})
		if err != nil {
			t.Fatalf("UpdatePost(schedule draft) = %v", err)
		}
		for _, post := range []*pregonero.Post{got, h.post(draft.ID)} {
			if post.Status != pregonero.PostScheduled || len(post.Deliveries) != 2 || post.Deliveries[0].PostID != draft.ID {
				t.Errorf("scheduled draft = status %q with %d deliveries, want scheduled with 2 of its own", post.Status, len(post.Deliveries))
			}
		}
		if ws := w.take(); len(ws) != 1 || !ws[0].Equal(at) {
			t.Errorf("signals %v, want one at %v", ws, at)
		}
		if due, ok := h.nextDue(); !ok || !due.Equal(at) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, at)
		}
		if got := h.counts()[pregonero.DeliveryQueued]; got != 2 {
			t.Errorf("queued count = %d, want 2", got)
		}
		checkIndexes(t, h, []string{draft.ID})
		_, err = h.s.UpdatePost(h.ctx, draft.ID, func(np *pregonero.Post) error { np.Targets = []string{"x-a"}; return nil })
		if pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("changing the targets once scheduled: %v, want invalid", err)
		}
	})
	t.Run("a draft is scheduled with one queued delivery per target or not at all", func(t *testing.T) {
		h := newHarness(t, open)
		draft := NewPost(time.Time{})
		draft.Targets = []string{"x-a", "x-b"}
		h.create(draft)
		for name, deliveries := range map[string][]*pregonero.Delivery{
			"one short":    NewPost(base, "x-a").Deliveries,
			"not a target": NewPost(base, "x-a", "x-z").Deliveries,
			"twice":        NewPost(base, "x-a", "x-a").Deliveries,
			"not queued":   postWith(base, []string{"x-a", "x-b"}, pregonero.DeliveryPublished).Deliveries,
			"another post": NewPost(base, "x-a", "x-b").Deliveries,
			"nil delivery": {nil, nil},
			"claimed": func() []*pregonero.Delivery {
				ds := NewPost(base, "x-a", "x-b").Deliveries
				ds[1].Claimed = true
				return ds
			}(),
			"existing ids": func() []*pregonero.Delivery {
				other := NewPost(base, "x-a", "x-b")
				h.create(other)
				var ds []*pregonero.Delivery
				for _, d := range other.Deliveries {
					c := d.Clone()
					c.PostID = ""
					ds = append(ds, c)
				}
				return ds
			}(),
		} {
			_, err := h.s.UpdatePost(h.ctx, draft.ID, func(np *pregonero.Post) error {
				np.Deliveries = deliveries
				return nil
			})
			if code := pregonero.ErrorCode(err); code != pregonero.EINVALID && code != pregonero.ECONFLICT {
				t.Errorf("%s: UpdatePost() = %v, want refused", name, err)
			}
		}
		if got := h.post(draft.ID); got.Status != pregonero.PostDraft || len(got.Deliveries) != 0 {
			t.Errorf("after refused schedules: status %q with %d deliveries, want a draft", got.Status, len(got.Deliveries))
		}
	})
	t.Run("targets cannot change and unknown posts are not found", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		_, err := h.s.UpdatePost(h.ctx, p.ID, func(np *pregonero.Post) error { np.Targets = append(np.Targets, "x-z"); return nil })
		if pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("changing targets: %v, want invalid", err)
		}
		if _, err := h.s.UpdatePost(h.ctx, "p_nope", func(*pregonero.Post) error { return nil }); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("unknown post: %v, want not_found", err)
		}
	})
}

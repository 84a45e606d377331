package storetest

import (
	"errors"
	"testing"
	"time"

	"pregonero"
)

func testNextDue(t *testing.T, open OpenFunc) {
	t.Run("empty store has nothing due", func(t *testing.T) {
		h := newHarness(t, open)
		if due, ok := h.nextDue(); ok {
			t.Errorf("NextDue() = %v, true; want false", due)
		}
	})

	t.Run("earliest unclaimed queued or in doubt delivery wins", func(t *testing.T) {
		h := newHarness(t, open)
		// Earlier deliveries in states that are not due must be ignored.
		h.create(
			postWith(base.Add(1*time.Minute), []string{"x-a"}, pregonero.DeliveryHeld),
			postWith(base.Add(2*time.Minute), []string{"x-a"}, pregonero.DeliveryPublished),
			postWith(base.Add(3*time.Minute), []string{"x-a"}, pregonero.DeliverySending),
			postWith(base.Add(4*time.Minute), []string{"x-a"}, pregonero.DeliveryCanceled),
			postWith(base.Add(5*time.Minute), []string{"x-a"}, pregonero.DeliveryFailed),
			postWith(base.Add(9*time.Minute), []string{"x-a"}, pregonero.DeliveryQueued),
			postWith(base.Add(7*time.Minute), []string{"x-a"}, pregonero.DeliveryInDoubt),
		)
		if due, ok := h.nextDue(); !ok || !due.Equal(base.Add(7*time.Minute)) {
			t.Errorf("NextDue() = %v, %v; want %v, true", due, ok, base.Add(7*time.Minute))
		}
	})

	t.Run("times before 1970 and far ahead keep their order", func(t *testing.T) {
		h := newHarness(t, open)
		early := time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC)
		h.create(NewPost(base.AddDate(200, 0, 0), "x-a"), NewPost(early, "x-a"), NewPost(base, "x-a"))
		if due, ok := h.nextDue(); !ok || !due.Equal(early) {
			t.Errorf("NextDue() = %v, %v; want %v, true", due, ok, early)
		}
	})
}

func testClaimDue(t *testing.T, open OpenFunc) {
	t.Run("claims in due order up to the limit", func(t *testing.T) {
		h := newHarness(t, open)
		var ps []*pregonero.Post
		for _, m := range []int{5, 1, 4, 2, 3} {
			ps = append(ps, NewPost(base.Add(time.Duration(m)*time.Minute), accountName(m, 3)))
		}
		h.create(ps...)
		now := base.Add(time.Hour)
		got := h.claim(now, now, 3)
		want := []string{ps[1].Deliveries[0].ID, ps[3].Deliveries[0].ID, ps[4].Deliveries[0].ID}
		if !equalStrings(ids(got), want) {
			t.Errorf("claimed %v, want %v", ids(got), want)
		}
		rest := h.claim(now, now, 10)
		if want := []string{ps[2].Deliveries[0].ID, ps[0].Deliveries[0].ID}; !equalStrings(ids(rest), want) {
			t.Errorf("then claimed %v, want %v", ids(rest), want)
		}
	})

	t.Run("ties are claimed by delivery id", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a", "fb-b", "ig-c", "yt-d")
		h.create(p)
		got := ids(h.claim(base, base, 10))
		want := ids(p.Deliveries)
		sortStrings(want)
		if !equalStrings(got, want) {
			t.Errorf("claimed %v, want %v", got, want)
		}
	})

	t.Run("deliveries due after until stay", func(t *testing.T) {
		h := newHarness(t, open)
		p1, p2 := NewPost(base, "x-a"), NewPost(base.Add(time.Minute), "x-a")
		h.create(p1, p2)
		got := h.claim(base.Add(-time.Hour), base.Add(time.Minute-time.Nanosecond), 10)
		if want := []string{p1.Deliveries[0].ID}; !equalStrings(ids(got), want) {
			t.Errorf("claimed %v, want %v", ids(got), want)
		}
		// until is inclusive.
		got = h.claim(base.Add(-time.Hour), base.Add(time.Minute), 10)
		if want := []string{p2.Deliveries[0].ID}; !equalStrings(ids(got), want) {
			t.Errorf("claimed %v, want %v", ids(got), want)
		}
	})

	t.Run("a claim keeps deliveries queued and starting writes the attempt ahead", func(t *testing.T) {
		h := newHarness(t, open)
		late := NewPost(base, "x-a")
		early := NewPost(base.Add(-10*time.Minute), "x-a")
		retried := NewPost(base.Add(-20*time.Minute), "x-a")
		retried.Deliveries[0].Attempts = []pregonero.Attempt{{
			N: 1, StartedAt: base.Add(-30 * time.Minute), FinishedAt: base.Add(-29 * time.Minute),
			Outcome: pregonero.OutcomeRetryable, Code: "x_503", HTTPStatus: 503,
		}}
		h.create(late, early, retried)
		now := base.Add(-5 * time.Minute)
		got := h.claim(now, base, 10)
		if len(got) != 3 {
			t.Fatalf("claimed %d, want 3", len(got))
		}
		wantN := map[string]int{retried.Deliveries[0].ID: 1, early.Deliveries[0].ID: 0, late.Deliveries[0].ID: 0}
		for _, d := range got {
			for _, d := range []*pregonero.Delivery{d, h.delivery(d.ID)} {
				// Nothing is written ahead by the claim: a crash now gives
				// it back to the queue, not in doubt.
				if d.State != pregonero.DeliveryQueued || !d.Claimed || !d.UpdatedAt.Equal(now) || len(d.Attempts) != wantN[d.ID] {
					t.Errorf("%s: state %q claimed %v updated %v attempts %d; want queued, true, %v, %d",
						d.ID, d.State, d.Claimed, d.UpdatedAt, len(d.Attempts), now, wantN[d.ID])
				}
			}
		}
		if got, want := h.counts(), map[pregonero.DeliveryState]int{pregonero.DeliveryQueued: 3}; !mapsEqual(got, want) {
			t.Errorf("DeliveryCounts() = %v, want %v", got, want)
		}
		if _, ok := h.nextDue(); ok {
			t.Error("claimed deliveries are still due")
		}
		sendAt := base.Add(time.Second)
		for _, d := range h.start(sendAt, got...) {
			a := d.LastAttempt()
			if d.State != pregonero.DeliverySending || !d.Claimed || a == nil || a.N != wantN[d.ID]+1 || a.Outcome != pregonero.OutcomePending || !a.StartedAt.Equal(sendAt) {
				t.Errorf("%s started: state %q claimed %v attempts %+v; want sending with attempt %d pending from %v",
					d.ID, d.State, d.Claimed, d.Attempts, wantN[d.ID]+1, sendAt)
			}
		}
		if c := h.delivery(retried.Deliveries[0].ID).Attempts[0]; c.Outcome != pregonero.OutcomeRetryable || c.HTTPStatus != 503 {
			t.Errorf("earlier attempt = %+v, want it kept", c)
		}
		if got, want := h.counts(), map[pregonero.DeliveryState]int{pregonero.DeliverySending: 3}; !mapsEqual(got, want) {
			t.Errorf("DeliveryCounts() = %v, want %v", got, want)
		}
	})

	t.Run("claimed deliveries are not claimed again", func(t *testing.T) {
		h := newHarness(t, open)
		h.create(NewPost(base, "x-a", "fb-b"))
		if got := h.claim(base, base, 10); len(got) != 2 {
			t.Fatalf("claimed %d, want 2", len(got))
		}
		if got := h.claim(base, base.Add(time.Hour), 10); len(got) != 0 {
			t.Errorf("claimed %v again", ids(got))
		}
		if due, ok := h.nextDue(); ok {
			t.Errorf("NextDue() = %v with everything claimed", due)
		}
	})

	t.Run("in doubt stays in doubt without a new attempt", func(t *testing.T) {
		h := newHarness(t, open)
		p := postWith(base, []string{"x-a"}, pregonero.DeliveryInDoubt)
		p.Deliveries[0].Attempts = []pregonero.Attempt{{N: 1, StartedAt: base, FinishedAt: base, Outcome: pregonero.OutcomeUnknown}}
		h.create(p)
		got := h.claim(base, base, 10)
		if len(got) != 1 {
			t.Fatalf("claimed %d, want 1", len(got))
		}
		for _, d := range []*pregonero.Delivery{got[0], h.delivery(got[0].ID)} {
			if d.State != pregonero.DeliveryInDoubt || !d.Claimed || len(d.Attempts) != 1 {
				t.Errorf("claimed in doubt = state %q claimed %v attempts %d; want in_doubt, true, 1", d.State, d.Claimed, len(d.Attempts))
			}
		}
		if got := h.claim(base, base, 10); len(got) != 0 {
			t.Errorf("claimed %v again", ids(got))
		}
	})

	t.Run("deliveries in other states are never claimed", func(t *testing.T) {
		h := newHarness(t, open)
		h.create(postWith(base, []string{"a", "b", "c", "d", "e"},
			pregonero.DeliveryHeld, pregonero.DeliveryPublished, pregonero.DeliveryCanceled,
			pregonero.DeliveryFailed, pregonero.DeliverySending))
		if got := h.claim(base, base.Add(time.Hour), 10); len(got) != 0 {
			t.Errorf("claimed %v", ids(got))
		}
	})
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func testUpdateDelivery(t *testing.T, open OpenFunc) {
	// claimOne creates a post for one account and claims its delivery.
	claimOne := func(h *harness) *pregonero.Delivery {
		h.t.Helper()
		p := NewPost(base, "x-a")
		h.create(p)
		got := h.claim(base, base, 1)
		if len(got) != 1 {
			h.t.Fatalf("claimed %d, want 1", len(got))
		}
		return h.start(base, got[0])[0]
	}

	t.Run("published leaves every index", func(t *testing.T) {
		h := newHarness(t, open)
		d := claimOne(h)
		now := base.Add(2 * time.Minute)
		h.clock.Set(now)
		got := h.update(d.ID, func(d *pregonero.Delivery) {
			d.State = pregonero.DeliveryPublished
			d.Claimed = false
			d.RemoteID = "1890000000000000001"
			d.URL = "https://x.com/i/web/status/1890000000000000001"
			d.PublishedAt = now
			a := d.LastAttempt()
			a.Outcome, a.FinishedAt = pregonero.OutcomeOK, now
		})
		if !got.UpdatedAt.Equal(now) {
			t.Errorf("UpdatedAt = %v, want the store clock's %v", got.UpdatedAt, now)
		}
		sameDelivery(t, h.delivery(d.ID), got)
		if _, ok := h.nextDue(); ok {
			t.Error("published delivery is due")
		}
		if got := h.claim(now, now.Add(time.Hour), 10); len(got) != 0 {
			t.Errorf("claimed %v", ids(got))
		}
		if n, err := h.s.Recover(h.ctx, now); err != nil || n != 0 {
			t.Errorf("Recover() = %d, %v; want 0 (nothing claimed)", n, err)
		}
		if got, want := h.counts(), map[pregonero.DeliveryState]int{pregonero.DeliveryPublished: 1}; !mapsEqual(got, want) {
			t.Errorf("DeliveryCounts() = %v, want %v", got, want)
		}
		if p := h.post(d.PostID); p.Status != pregonero.PostPublished {
			t.Errorf("post status = %q, want published", p.Status)
		}
	})

	t.Run("retry later moves the next due time", func(t *testing.T) {
		h := newHarness(t, open)
		d := claimOne(h)
		retryAt := base.Add(time.Hour)
		h.update(d.ID, func(d *pregonero.Delivery) {
			d.State = pregonero.DeliveryQueued
			d.Claimed = false
			d.NextAttemptAt = retryAt
			d.LastAttempt().Outcome = pregonero.OutcomeRetryable
		})
		if due, ok := h.nextDue(); !ok || !due.Equal(retryAt) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, retryAt)
		}
		if got := h.claim(base, retryAt.Add(-time.Second), 10); len(got) != 0 {
			t.Errorf("claimed %v before its retry time", ids(got))
		}
		got := h.claim(retryAt, retryAt, 10)
		if len(got) != 1 || got[0].State != pregonero.DeliveryQueued || !got[0].Claimed || len(got[0].Attempts) != 1 {
			t.Fatalf("claim at retry time = %+v, want the delivery claimed for its second attempt", got)
		}
	})

	t.Run("unclaimed queued delivery moves within the due index", func(t *testing.T) {
		h := newHarness(t, open)
		p1, p2 := NewPost(base, "x-a"), NewPost(base.Add(time.Minute), "x-a")
		h.create(p1, p2)
		h.update(p1.Deliveries[0].ID, func(d *pregonero.Delivery) { d.NextAttemptAt = base.Add(time.Hour) })
		if due, ok := h.nextDue(); !ok || !due.Equal(base.Add(time.Minute)) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, base.Add(time.Minute))
		}
		got := ids(h.claim(base, base.Add(2*time.Hour), 10))
		if want := []string{p2.Deliveries[0].ID, p1.Deliveries[0].ID}; !equalStrings(got, want) {
			t.Errorf("claimed %v, want %v", got, want)
		}
	})

	t.Run("unknown outcome goes in doubt and back to the due index", func(t *testing.T) {
		h := newHarness(t, open)
		d := claimOne(h)
		now := base.Add(time.Minute)
		h.update(d.ID, func(d *pregonero.Delivery) {
			d.State = pregonero.DeliveryInDoubt
			d.Claimed = false
			d.NextAttemptAt = now
			a := d.LastAttempt()
			a.Outcome, a.FinishedAt = pregonero.OutcomeUnknown, now
		})
		if due, ok := h.nextDue(); !ok || !due.Equal(now) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, now)
		}
		got := h.claim(now, now, 10)
		if len(got) != 1 || got[0].State != pregonero.DeliveryInDoubt || len(got[0].Attempts) != 1 {
			t.Errorf("claim = %+v, want the delivery still in doubt with one attempt", got)
		}
		// Reconciliation found it absent: queued again for a new send.
		h.update(d.ID, func(d *pregonero.Delivery) {
			d.State = pregonero.DeliveryQueued
			d.Claimed = false
			d.LastAttempt().Reconciled = "absent"
		})
		got = h.claim(now, now, 10)
		if len(got) != 1 || got[0].State != pregonero.DeliveryQueued || len(got[0].Attempts) != 1 {
			t.Fatalf("claim after reconcile = %+v, want it claimed for its second attempt", got)
		}
		if got := h.start(now, got[0])[0]; got.State != pregonero.DeliverySending || len(got.Attempts) != 2 {
			t.Errorf("started after reconcile = %+v, want sending its second attempt", got)
		}
	})

	t.Run("held leaves the due index and release brings it back", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a", "fb-b")
		h.create(p)
		for _, d := range p.Deliveries {
			h.update(d.ID, func(d *pregonero.Delivery) {
				d.State = pregonero.DeliveryHeld
				d.HoldReason = pregonero.HoldNeedsReauth
			})
		}
		if due, ok := h.nextDue(); ok {
			t.Errorf("NextDue() = %v with everything held", due)
		}
		if got := ids(h.held("x-a")); !equalStrings(got, []string{p.Deliveries[0].ID}) {
			t.Errorf("HeldDeliveries(x-a) = %v", got)
		}
		if got := h.counts(); !mapsEqual(got, map[pregonero.DeliveryState]int{pregonero.DeliveryHeld: 2}) {
			t.Errorf("DeliveryCounts() = %v", got)
		}
		if got := h.post(p.ID).Status; got != pregonero.PostHeld {
			t.Errorf("post status = %q, want held", got)
		}
		later := base.Add(3 * time.Hour)
		h.update(p.Deliveries[0].ID, func(d *pregonero.Delivery) {
			d.State = pregonero.DeliveryQueued
			d.HoldReason = ""
			d.NextAttemptAt = later
		})
		if got := ids(h.held("")); !equalStrings(got, []string{p.Deliveries[1].ID}) {
			t.Errorf("HeldDeliveries() after release = %v", got)
		}
		if due, ok := h.nextDue(); !ok || !due.Equal(later) {
			t.Errorf("NextDue() after release = %v, %v; want %v", due, ok, later)
		}
	})

	t.Run("failed leaves every index", func(t *testing.T) {
		h := newHarness(t, open)
		d := claimOne(h)
		h.update(d.ID, func(d *pregonero.Delivery) {
			d.State = pregonero.DeliveryFailed
			d.Claimed = false
			d.LastError = &pregonero.DeliveryError{
				Class: pregonero.ClassPermanent, Code: "x_duplicate", Message: "X refused a duplicate post.",
				NetworkMessage: "You are not allowed to create a Tweet with duplicate content.", At: base,
			}
		})
		if _, ok := h.nextDue(); ok {
			t.Error("failed delivery is due")
		}
		if n, _ := h.s.Recover(h.ctx, base); n != 0 {
			t.Errorf("Recover() = %d, want 0", n)
		}
		got := h.delivery(d.ID)
		if got.LastError == nil || got.LastError.Code != "x_duplicate" || got.LastError.Class != pregonero.ClassPermanent {
			t.Errorf("LastError = %+v", got.LastError)
		}
		if c := h.counts(); !mapsEqual(c, map[pregonero.DeliveryState]int{pregonero.DeliveryFailed: 1}) {
			t.Errorf("DeliveryCounts() = %v", c)
		}
	})

	t.Run("a hold without a reason is refused", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		_, err := h.s.UpdateDelivery(h.ctx, p.Deliveries[0].ID, func(d *pregonero.Delivery) error {
			return d.Hold("", &pregonero.DeliveryError{Code: "held", Message: "waits"})
		})
		wantCode(t, err, pregonero.EINVALID)
		if got := h.delivery(p.Deliveries[0].ID); got.State != pregonero.DeliveryQueued {
			t.Errorf("state = %q, want queued", got.State)
		}
		held := postWith(base, []string{"x-a"}, pregonero.DeliveryHeld)
		held.Deliveries[0].HoldReason = ""
		wantCode(t, h.s.CreatePosts(h.ctx, held), pregonero.EINVALID)
	})

	t.Run("error from fn is returned as is and nothing is written", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		h.create(p)
		before := h.delivery(p.Deliveries[0].ID)
		h.clock.Set(base.Add(time.Hour))
		_, err := h.s.UpdateDelivery(h.ctx, before.ID, func(d *pregonero.Delivery) error {
			d.State = pregonero.DeliveryHeld
			d.NextAttemptAt = base.Add(time.Hour)
			d.Checkpoint = map[string]string{"k": "v"}
			return errRefused
		})
		if !errors.Is(err, errRefused) {
			t.Fatalf("UpdateDelivery() = %v, want %v", err, errRefused)
		}
		sameDelivery(t, h.delivery(before.ID), before)
		if due, ok := h.nextDue(); !ok || !due.Equal(base) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, base)
		}
		if held := h.held(""); len(held) != 0 {
			t.Errorf("HeldDeliveries() = %v", ids(held))
		}
		if c := h.counts(); !mapsEqual(c, map[pregonero.DeliveryState]int{pregonero.DeliveryQueued: 1}) {
			t.Errorf("DeliveryCounts() = %v", c)
		}
	})

	t.Run("fn works on a copy", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a")
		p.Deliveries[0].Checkpoint = map[string]string{"container": "1"}
		h.create(p)
		var kept *pregonero.Delivery
		got := h.update(p.Deliveries[0].ID, func(d *pregonero.Delivery) {
			kept = d
			d.Checkpoint["container"] = "2"
		})
		kept.Checkpoint["container"] = "3"
		kept.State = pregonero.DeliveryFailed
		if got.Checkpoint["container"] != "2" || got.State != pregonero.DeliveryQueued {
			t.Errorf("returned delivery changed with fn's copy: %+v", got)
		}
		if d := h.delivery(got.ID); d.Checkpoint["container"] != "2" || d.State != pregonero.DeliveryQueued {
			t.Errorf("stored delivery = %+v, want checkpoint 2 and queued", d)
		}
	})

	t.Run("unknown delivery is not found", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.s.UpdateDelivery(h.ctx, "d_missing", func(*pregonero.Delivery) error { return nil })
		wantCode(t, err, pregonero.ENOTFOUND)
	})
}

func testDueBefore(t *testing.T, open OpenFunc) {
	t.Run("returns unclaimed queued deliveries due before the instant", func(t *testing.T) {
		h := newHarness(t, open)
		q1 := NewPost(base, "x-a")
		q2 := NewPost(base.Add(time.Minute), "fb-b")
		q3 := NewPost(base.Add(2*time.Minute), "x-a")
		atLimit := NewPost(base.Add(time.Hour), "x-a")
		others := postWith(base, []string{"x-a", "x-a", "x-a"},
			pregonero.DeliveryInDoubt, pregonero.DeliveryHeld, pregonero.DeliverySending)
		claimedQueued := NewPost(base, "x-a")
		claimedQueued.Deliveries[0].Claimed = true
		h.create(q1, q2, q3, atLimit, others, claimedQueued)
		before := base.Add(time.Hour)

		got, err := h.s.DueBefore(h.ctx, before, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{q1.Deliveries[0].ID, q2.Deliveries[0].ID, q3.Deliveries[0].ID}
		if !equalStrings(ids(got), want) {
			t.Errorf("DueBefore() = %v, want %v", ids(got), want)
		}
		got, err = h.s.DueBefore(h.ctx, before, "x-a", 100)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{q1.Deliveries[0].ID, q3.Deliveries[0].ID}; !equalStrings(ids(got), want) {
			t.Errorf("DueBefore(x-a) = %v, want %v", ids(got), want)
		}
		got, err = h.s.DueBefore(h.ctx, before, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		if !equalStrings(ids(got), want[:2]) {
			t.Errorf("DueBefore(limit 2) = %v, want %v", ids(got), want[:2])
		}
		got, err = h.s.DueBefore(h.ctx, base.Add(-time.Second), "", 100)
		if err != nil || len(got) != 0 {
			t.Errorf("DueBefore(earlier) = %v, %v; want none", ids(got), err)
		}
	})
}

func testHeldDeliveries(t *testing.T, open OpenFunc) {
	t.Run("lists held deliveries of one account or all", func(t *testing.T) {
		h := newHarness(t, open)
		a := postWith(base, []string{"x-a", "x-ab", "fb-b", "x-a"},
			pregonero.DeliveryHeld, pregonero.DeliveryHeld, pregonero.DeliveryHeld, pregonero.DeliveryQueued)
		h.create(a)
		got := h.held("x-a")
		if want := []string{a.Deliveries[0].ID}; !equalStrings(ids(got), want) {
			t.Errorf("HeldDeliveries(x-a) = %v, want %v (x-ab is another account)", ids(got), want)
		}
		if len(got) == 1 && got[0].HoldReason != pregonero.HoldAccountPaused {
			t.Errorf("HoldReason = %q", got[0].HoldReason)
		}
		if got := h.held(""); len(got) != 3 {
			t.Errorf("HeldDeliveries() = %v, want 3", ids(got))
		}
		if got := h.held("yt-none"); len(got) != 0 {
			t.Errorf("HeldDeliveries(yt-none) = %v", ids(got))
		}
	})
}

func testRecover(t *testing.T, open OpenFunc) {
	t.Run("sending goes in doubt due now and claimed in doubt returns to the queue", func(t *testing.T) {
		h := newHarness(t, open)
		sending := NewPost(base, "x-a", "fb-b")
		doubt := postWith(base.Add(-time.Hour), []string{"ig-c"}, pregonero.DeliveryInDoubt)
		doubt.Deliveries[0].Attempts = []pregonero.Attempt{{N: 1, StartedAt: base, FinishedAt: base, Outcome: pregonero.OutcomeUnknown}}
		untouched := postWith(base, []string{"x-a", "x-a"}, pregonero.DeliveryPublished, pregonero.DeliveryQueued)
		untouched.Deliveries[1].NextAttemptAt = base.Add(24 * time.Hour)
		h.create(sending, doubt, untouched)
		got := h.claim(base, base, 10)
		if len(got) != 3 {
			t.Fatalf("claimed %d, want 3", len(got))
		}
		for _, d := range got {
			if d.State == pregonero.DeliveryQueued {
				h.start(base, d)
			}
		}
		restart := base.Add(10 * time.Minute)
		n, err := h.s.Recover(h.ctx, restart)
		if err != nil || n != 3 {
			t.Fatalf("Recover() = %d, %v; want 3, nil", n, err)
		}
		for _, d := range sending.Deliveries {
			got := h.delivery(d.ID)
			a := got.LastAttempt()
			if got.State != pregonero.DeliveryInDoubt || got.Claimed || !got.NextAttemptAt.Equal(restart) || !got.UpdatedAt.Equal(restart) {
				t.Errorf("%s: state %q claimed %v next %v updated %v; want in_doubt, false, %v, %v",
					d.ID, got.State, got.Claimed, got.NextAttemptAt, got.UpdatedAt, restart, restart)
			}
			if a == nil || len(got.Attempts) != 1 || a.Outcome != pregonero.OutcomeUnknown || !a.FinishedAt.Equal(restart) ||
				a.Message != "process stopped while sending; outcome will be reconciled" {
				t.Errorf("%s: attempts %+v; want the pending one unknown, finished at restart", d.ID, got.Attempts)
			}
		}
		got = []*pregonero.Delivery{h.delivery(doubt.Deliveries[0].ID)}
		if got := got[0]; got.State != pregonero.DeliveryInDoubt || got.Claimed || !got.NextAttemptAt.Equal(doubt.Deliveries[0].NextAttemptAt) || len(got.Attempts) != 1 {
			t.Errorf("in doubt after recover = %+v", got)
		}
		sameDelivery(t, h.delivery(untouched.Deliveries[0].ID), untouched.Deliveries[0])
		sameDelivery(t, h.delivery(untouched.Deliveries[1].ID), untouched.Deliveries[1])

		if due, ok := h.nextDue(); !ok || !due.Equal(doubt.Deliveries[0].NextAttemptAt) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, doubt.Deliveries[0].NextAttemptAt)
		}
		again := h.claim(restart, restart, 10)
		if len(again) != 3 {
			t.Fatalf("claimed %d after recover, want 3", len(again))
		}
		for _, d := range again {
			if d.State != pregonero.DeliveryInDoubt {
				t.Errorf("%s claimed as %q, want in_doubt (reconcile before any send)", d.ID, d.State)
			}
		}
		if c := h.counts(); !mapsEqual(c, map[pregonero.DeliveryState]int{
			pregonero.DeliveryInDoubt: 3, pregonero.DeliveryPublished: 1, pregonero.DeliveryQueued: 1,
		}) {
			t.Errorf("DeliveryCounts() = %v", c)
		}
	})

	t.Run("claimed but not started goes back to the queue", func(t *testing.T) {
		h := newHarness(t, open)
		ahead := NewPost(base.Add(time.Second), "x-a")
		h.create(ahead)
		if got := h.claim(base, base.Add(time.Second), 10); len(got) != 1 || got[0].State != pregonero.DeliveryQueued {
			t.Fatalf("claim ahead = %+v", got)
		}
		restart := base.Add(500 * time.Millisecond)
		if n, err := h.s.Recover(h.ctx, restart); err != nil || n != 1 {
			t.Fatalf("Recover() = %d, %v; want 1, nil", n, err)
		}
		got := h.delivery(ahead.Deliveries[0].ID)
		if got.State != pregonero.DeliveryQueued || got.Claimed || len(got.Attempts) != 0 || !got.NextAttemptAt.Equal(base.Add(time.Second)) {
			t.Errorf("after recover = state %q claimed %v attempts %+v next %v; want queued, unclaimed, no attempt, due at its instant",
				got.State, got.Claimed, got.Attempts, got.NextAttemptAt)
		}
		if due, ok := h.nextDue(); !ok || !due.Equal(base.Add(time.Second)) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, base.Add(time.Second))
		}
	})

	t.Run("nothing claimed recovers nothing", func(t *testing.T) {
		h := newHarness(t, open)
		h.create(NewPost(base, "x-a"))
		if n, err := h.s.Recover(h.ctx, base); err != nil || n != 0 {
			t.Errorf("Recover() = %d, %v; want 0, nil", n, err)
		}
		if n, err := h.s.Recover(h.ctx, base); err != nil || n != 0 {
			t.Errorf("second Recover() = %d, %v; want 0, nil", n, err)
		}
	})
}

func testUpdateDeliveries(t *testing.T, open OpenFunc) {
	t.Run("each update succeeds or fails alone and indexes follow", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base, "x-a", "x-b", "x-c")
		h.create(p)
		got := h.claim(base, base, 10)
		if len(got) != 3 {
			t.Fatalf("claimed %d, want 3", len(got))
		}
		h.start(base, got...)
		boom := errors.New("boom")
		ds, errs, err := h.s.UpdateDeliveries(h.ctx, []pregonero.DeliveryUpdate{
			{ID: p.Deliveries[0].ID, Fn: func(d *pregonero.Delivery) error {
				d.State, d.Claimed, d.RemoteID = pregonero.DeliveryPublished, false, "r1"
				return nil
			}},
			{ID: p.Deliveries[1].ID, Fn: func(d *pregonero.Delivery) error {
				d.State = pregonero.DeliveryFailed
				return boom
			}},
			{ID: "d_missing", Fn: func(*pregonero.Delivery) error { return nil }},
			{ID: p.Deliveries[2].ID, Fn: func(d *pregonero.Delivery) error {
				d.State, d.Claimed, d.NextAttemptAt = pregonero.DeliveryQueued, false, base.Add(time.Hour)
				d.Attempts = d.Attempts[:0]
				return nil
			}},
		})
		if err != nil {
			t.Fatalf("UpdateDeliveries() = %v", err)
		}
		if len(ds) != 4 || len(errs) != 4 {
			t.Fatalf("got %d results and %d errors, want 4 and 4", len(ds), len(errs))
		}
		if errs[0] != nil || ds[0] == nil || ds[0].State != pregonero.DeliveryPublished {
			t.Errorf("update 0: %v %+v", errs[0], ds[0])
		}
		if !errors.Is(errs[1], boom) || ds[1] != nil {
			t.Errorf("update 1: err %v, want boom", errs[1])
		}
		if pregonero.ErrorCode(errs[2]) != pregonero.ENOTFOUND {
			t.Errorf("update 2: err %v, want not_found", errs[2])
		}
		if got := h.delivery(p.Deliveries[0].ID); got.State != pregonero.DeliveryPublished || got.RemoteID != "r1" || got.Claimed {
			t.Errorf("delivery 0 stored as %+v", got)
		}
		if got := h.delivery(p.Deliveries[1].ID); got.State != pregonero.DeliverySending || !got.Claimed {
			t.Errorf("a failed update wrote: %+v", got)
		}
		if due, ok := h.nextDue(); !ok || !due.Equal(base.Add(time.Hour)) {
			t.Errorf("NextDue() = %v, %v; want %v", due, ok, base.Add(time.Hour))
		}
		if c := h.counts(); !mapsEqual(c, map[pregonero.DeliveryState]int{
			pregonero.DeliveryPublished: 1, pregonero.DeliverySending: 1, pregonero.DeliveryQueued: 1,
		}) {
			t.Errorf("DeliveryCounts() = %v", c)
		}
	})
}

func testClaimedDeliveries(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	p := NewPost(base, "x-a", "x-b")
	q := NewPost(base.Add(time.Hour), "x-c")
	h.create(p, q)
	if got, err := h.s.ClaimedDeliveries(h.ctx); err != nil || len(got) != 0 {
		t.Fatalf("ClaimedDeliveries() = %d, %v; want none", len(got), err)
	}
	h.claim(base, base, 10)
	got, err := h.s.ClaimedDeliveries(h.ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("ClaimedDeliveries() = %d, %v; want the 2 claimed", len(got), err)
	}
	for _, d := range got {
		if d.PostID != p.ID || !d.Claimed {
			t.Errorf("claimed %+v", d)
		}
	}
}

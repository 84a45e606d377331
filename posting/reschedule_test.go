package posting_test

import (
	"context"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
)

// pausedAndResumed pauses publishing, lets the clock pass the posts'
// times by an hour and resumes: what was due is held as overdue.
func (f *fixture) pausedAndResumed(t *testing.T, drafts ...posting.Draft) []*pregonero.Post {
	t.Helper()
	ctx := context.Background()
	if err := f.svc.Pause(ctx, "", "Emergencia en Mocoa"); err != nil {
		t.Fatal(err)
	}
	var posts []*pregonero.Post
	for _, d := range drafts {
		posts = append(posts, f.create(t, d))
	}
	f.clock.Advance(2 * time.Hour)
	rep, err := f.svc.Resume(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.HeldOverdue) == 0 {
		t.Fatal("nothing was held as overdue")
	}
	return posts
}

// An edit that gives a post held as overdue a new time is the person's
// decision: its deliveries go back to the queue for that time, in the
// same write as the post, and the scheduler is woken for it.
func TestANewTimeReleasesTheDeliveriesHeldAsOverdue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.pausedAndResumed(t, posting.Draft{Text: "Vacunación", Targets: []string{"x-gob", "yt-gob"}, ScheduledAt: "2026-12-07T08:10"})[0]
	for _, d := range p.Deliveries {
		if got, _ := f.db.Delivery(ctx, d.ID); got.State != pregonero.DeliveryHeld || got.HoldReason != pregonero.HoldOverdue {
			t.Fatalf("%s: %s %q, want held as overdue", d.AccountID, got.State, got.HoldReason)
		}
	}
	n := len(f.wakeups())
	newTime := "2026-12-07T17:00"
	got, err := f.svc.Edit(ctx, p.ID, &posting.Patch{ScheduledAt: &newTime})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
	if !got.ScheduledAt.Equal(at) || got.Status != pregonero.PostScheduled {
		t.Errorf("post at %v status %s, want %v scheduled", got.ScheduledAt, got.Status, at)
	}
	for _, d := range got.Deliveries {
		stored, err := f.db.Delivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := at
		if d.Network == pregonero.NetworkYouTube {
			want = at.Add(-2 * time.Hour) // planned ahead, as a new post would be
		}
		if stored.State != pregonero.DeliveryQueued || stored.HoldReason != "" || stored.LastError != nil ||
			!stored.ScheduledAt.Equal(at) || !stored.NextAttemptAt.Equal(want) {
			t.Errorf("%s: %s hold %q error %+v at %v due %v; want queued at %v due %v", d.AccountID, stored.State, stored.HoldReason,
				stored.LastError, stored.ScheduledAt, stored.NextAttemptAt, at, want)
		}
	}
	if held, _ := f.db.HeldDeliveries(ctx, ""); len(held) != 0 {
		t.Errorf("%d deliveries still held", len(held))
	}
	if w := f.wakeups(); len(w) <= n || !w[len(w)-1].Equal(at.Add(-2*time.Hour)) {
		t.Errorf("wake-ups after the edit %v, want one for %v", w[n:], at.Add(-2*time.Hour))
	}
}

// Only a new time releases: an edit of the text leaves the deliveries
// held; and a post with a delivery held for another reason (its account,
// a publication that cannot be verified) cannot be edited at all.
func TestOnlyANewTimeReleasesAndOnlyAnOverdueHold(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	posts := f.pausedAndResumed(t,
		posting.Draft{Text: "Solo atrasada", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-07T08:10"},
		posting.Draft{Text: "Atrasada y sin credenciales", Targets: []string{"x-gob", "x-salud"}, ScheduledAt: "2026-12-07T08:20"},
		posting.Draft{Text: "Por verificar", Targets: []string{"x-salud"}, ScheduledAt: "2026-12-07T08:30"},
	)

	text := "Solo atrasada, corregida"
	got, err := f.svc.Edit(ctx, posts[0].ID, &posting.Patch{Text: &text})
	if err != nil {
		t.Fatalf("edit of the text: %v", err)
	}
	if d := got.Deliveries[0]; got.Text != text || d.State != pregonero.DeliveryHeld || d.HoldReason != pregonero.HoldOverdue {
		t.Errorf("after a text edit: %q, %s %q; want the new text and still held as overdue", got.Text, d.State, d.HoldReason)
	}

	hold := func(id, reason string) {
		t.Helper()
		if _, err := f.db.UpdateDelivery(ctx, id, func(x *pregonero.Delivery) error {
			return x.Hold(reason, &pregonero.DeliveryError{Class: pregonero.ClassNeedsReauth, Code: "x_token_expired", Message: "expired"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	hold(posts[1].Deliveries[1].ID, pregonero.HoldNeedsReauth)
	hold(posts[2].Deliveries[0].ID, pregonero.HoldUnverifiable)
	newTime := "2026-12-07T17:00"
	for _, p := range posts[1:] {
		if _, err := f.svc.Edit(ctx, p.ID, &posting.Patch{ScheduledAt: &newTime}); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Errorf("%q: %v, want a conflict", p.Text, err)
		}
		cur, _ := f.db.Post(ctx, p.ID)
		if !cur.ScheduledAt.Equal(p.ScheduledAt) {
			t.Errorf("%q moved to %v by a refused edit", p.Text, cur.ScheduledAt)
		}
		for _, d := range cur.Deliveries {
			if d.State != pregonero.DeliveryHeld {
				t.Errorf("%q: delivery to %s is %s after a refused edit, want held", p.Text, d.AccountID, d.State)
			}
		}
	}
}

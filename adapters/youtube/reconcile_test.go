package youtube_test

import (
	"fmt"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

// attempted returns a delivery of the account whose first attempt began
// at the clock's now with an unknown outcome, as the publisher hands it
// to Reconcile.
func (e *env) attempted(a *pregonero.Account) *pregonero.Delivery {
	d := e.delivery(a)
	d.State = pregonero.DeliveryInDoubt
	d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: e.clock.Now(), Outcome: pregonero.OutcomeUnknown}}
	return d
}

// lostUpload uploads c as Publish would and loses the answer: the video
// exists and no checkpoint names it.
func (e *env) lostUpload(a *pregonero.Account, d *pregonero.Delivery, c pregonero.Content) {
	e.t.Helper()
	e.fault(fakenet.Rule{Op: fake.OpInsert, Mode: fakenet.ModeDropAfterAccept, Count: 1})
	_, err := e.adapter.Publish(ctx(e.t), d, c, a)
	adaptertest.WantClass(e.t, err, pregonero.ClassUnknown)
}

func TestReconcileFindsTheLiveVideoAmongRefusedMatches(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("matches")
	c := content(t, "Twice", 3000, "twice")
	since := e.clock.Now().Add(-time.Minute)
	first, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	e.clock.Advance(time.Minute)
	// The same bytes and marker again: YouTube rejects the newer video as
	// a duplicate once processed.
	second, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("second Publish: %v", err)
	}
	if got := e.fake.Video(second.RemoteID); got.RejectionReason != "duplicate" {
		t.Fatalf("got the second video %+v, want it rejected as a duplicate", got)
	}
	var cp adaptertest.Checkpoints
	c.Checkpoint = cp.Func
	r, found, err := e.adapter.Reconcile(ctx(t), e.delivery(a), c, a, since)
	if err != nil || !found || r.RemoteID != first.RemoteID {
		t.Fatalf("got %+v, found %v, error %v, want the live video %s behind the newer refused one", r, found, err, first.RemoteID)
	}
	if got := cp.Map(); len(got) != 0 {
		t.Errorf("got checkpoints %v, want none: the live video was found", got)
	}

	t.Run("only refused matches are absent and the newest is checkpointed", func(t *testing.T) {
		junk := content(t, "Junk", 3000, "junk")
		junk.Media[0] = adaptertest.Blob("junk.mp4", "video/mp4", []byte("not a video at all, twice over"), 0, 0, "")
		d := e.attempted(a)
		e.lostUpload(a, d, junk)
		newest := e.clock.Advance(time.Minute)
		e.lostUpload(a, d, junk)
		var cp adaptertest.Checkpoints
		junk.Checkpoint = cp.Func
		_, found, err := e.adapter.Reconcile(ctx(t), d, junk, a, since)
		if err != nil || found {
			t.Fatalf("got found %v, error %v, want absent", found, err)
		}
		id := cp.Map()[youtube.CheckpointVideo]
		if got := e.fake.Video(id); got.Title != "Junk" || got.UploadStatus != "failed" || !got.UploadedAt.Equal(newest) {
			t.Errorf("got checkpoint %q (%+v), want the newer failed video of the delivery, uploaded at %v", id, got, newest)
		}
	})
}

// TestDuplicateOnARetryIsReconciled: a video an attempt uploaded, found
// rejected as a duplicate by the next attempt, is the duplicate class
// when the delivery was tried before (the earlier attempt's video is most
// likely the original), and Reconcile then finds the earlier video.
func TestDuplicateOnARetryIsReconciled(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{Processing: time.Minute}})
	a := e.account("dup")
	c := content(t, "Duplicated", 3000, "dup")
	since := e.clock.Now().Add(-time.Minute)
	d := e.attempted(a)
	e.lostUpload(a, d, c) // attempt 1: uploaded, answer lost
	earlier := e.posts("dup")
	if len(earlier) != 1 {
		t.Fatalf("got %d videos, want 1", len(earlier))
	}
	// Attempt 2 uploads the same bytes (the first video was not listed)
	// and records it; the process stops before it records the receipt.
	d.Attempts = append(d.Attempts, pregonero.Attempt{N: 2, StartedAt: e.clock.Now(), Outcome: pregonero.OutcomePending})
	var cp adaptertest.Checkpoints
	c.Checkpoint = cp.Func
	if _, err := e.adapter.Publish(ctx(t), d, c, a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	e.clock.Advance(time.Minute)
	// Attempt 3 reads the checkpointed video: a duplicate of attempt 1's.
	d.Checkpoint = cp.Map()
	d.Attempts[1].Outcome = pregonero.OutcomeUnknown
	d.Attempts = append(d.Attempts, pregonero.Attempt{N: 3, StartedAt: e.clock.Now(), Outcome: pregonero.OutcomePending})
	_, err := e.adapter.Publish(ctx(t), d, c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassDuplicate)
	if pe.Code != "youtube_duplicate" {
		t.Errorf("got code %q, want youtube_duplicate", pe.Code)
	}
	r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, since)
	if err != nil || !found || r.RemoteID != earlier[0].RemoteID {
		t.Fatalf("got %+v, found %v, error %v, want attempt 1's video %s", r, found, err, earlier[0].RemoteID)
	}
	if got := cp.Map()[youtube.CheckpointVideo]; got != earlier[0].RemoteID {
		t.Errorf("got checkpoint %q, want the live video %s recorded", got, earlier[0].RemoteID)
	}

	// Without an earlier attempt the rejection is permanent: another
	// post with the same bytes.
	other := content(t, "Same bytes, other post", 3000, "dup")
	other.Marker = "other-post"
	second, err := e.adapter.Publish(ctx(t), e.delivery(a), other, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	e.clock.Advance(time.Minute)
	fresh := e.delivery(a)
	fresh.Checkpoint = map[string]string{youtube.CheckpointVideo: second.RemoteID}
	fresh.Attempts = []pregonero.Attempt{{N: 1, StartedAt: e.clock.Now(), Outcome: pregonero.OutcomePending}}
	_, err = e.adapter.Publish(ctx(t), fresh, other, a)
	pe = adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "youtube_upload_rejected" {
		t.Errorf("got code %q, want youtube_upload_rejected", pe.Code)
	}
}

// TestReconcileWaitsForThePlaylistLag: the uploads playlist lists a new
// video only after a while, so a Reconcile soon after the attempt that
// finds nothing cannot tell absent from not listed yet.
func TestReconcileWaitsForThePlaylistLag(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{PlaylistLag: 3 * time.Minute}})
	a := e.account("lag")
	c := content(t, "Lagging", 3000, "lag")
	since := e.clock.Now().Add(-2 * time.Minute)
	d := e.attempted(a)
	e.lostUpload(a, d, c)

	_, found, err := e.adapter.Reconcile(ctx(t), d, c, a, since)
	if found {
		t.Fatal("got found before the playlist lists the video, want an unknown outcome")
	}
	pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	if want := d.Attempts[0].StartedAt.Add(youtube.DefaultPlaylistLag); pe.Code != "youtube_not_listed_yet" || !pe.NotBefore.Equal(want) {
		t.Errorf("got %s not before %v, want youtube_not_listed_yet not before %v", pe.Code, pe.NotBefore, want)
	}

	e.clock.Advance(3 * time.Minute)
	r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, since)
	if err != nil || !found || r.RemoteID != e.posts("lag")[0].RemoteID {
		t.Fatalf("got %+v, found %v, error %v once listed, want the video", r, found, err)
	}

	t.Run("a video never uploaded is absent once the lag has passed", func(t *testing.T) {
		never := content(t, "Never", 3000, "never")
		d := e.attempted(a)
		if _, _, err := e.adapter.Reconcile(ctx(t), d, never, a, since); pregonero.AsPublishError(err).Class != pregonero.ClassUnknown {
			t.Fatalf("got %v within the lag, want an unknown outcome", err)
		}
		e.clock.Advance(youtube.DefaultPlaylistLag)
		if _, found, err := e.adapter.Reconcile(ctx(t), d, never, a, since); err != nil || found {
			t.Errorf("got found %v, error %v after the lag, want absent", found, err)
		}
	})
	t.Run("the lag counts from the end of a long upload", func(t *testing.T) {
		// YouTube creates the video when the last byte arrives: an upload
		// that began long ago and ended a moment ago is not listed yet.
		long := content(t, "Long upload", 3000, "long")
		d := e.attempted(a)
		d.Attempts[0].StartedAt = e.clock.Now().Add(-2 * youtube.DefaultPlaylistLag)
		d.Attempts[0].FinishedAt = e.clock.Now().Add(-time.Minute)
		_, found, err := e.adapter.Reconcile(ctx(t), d, long, a, since)
		pe := pregonero.AsPublishError(err)
		if found || pe == nil || pe.Class != pregonero.ClassUnknown {
			t.Fatalf("got found %v, error %v a minute after a long upload ended, want an unknown outcome", found, err)
		}
		if want := d.Attempts[0].FinishedAt.Add(youtube.DefaultPlaylistLag); !pe.NotBefore.Equal(want) {
			t.Errorf("not before %v, want %v (the lag after the upload ended)", pe.NotBefore, want)
		}
	})
	t.Run("a checkpointed video proves the outcome without waiting", func(t *testing.T) {
		gone := content(t, "Deleted", 3000, "deleted")
		var cp adaptertest.Checkpoints
		gone.Checkpoint = cp.Func
		r, err := e.adapter.Publish(ctx(t), e.delivery(a), gone, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if err := e.adapter.Delete(ctx(t), a, r.RemoteID); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		d := e.attempted(a)
		d.Checkpoint = cp.Map()
		if _, found, err := e.adapter.Reconcile(ctx(t), d, gone, a, since); err != nil || found {
			t.Errorf("got found %v, error %v, want absent at once", found, err)
		}
	})
	t.Run("a negative lag does not wait", func(t *testing.T) {
		e.opts.playlistLag = -1
		ad := e.newAdapter()
		if _, found, err := ad.Reconcile(ctx(t), e.attempted(a), content(t, "Nothing", 3000, "nothing"), a, since); err != nil || found {
			t.Errorf("got found %v, error %v, want absent", found, err)
		}
	})
}

// TestReconcileThatCannotReachSinceIsUnknown: more uploads since the
// attempt than the pages Reconcile reads leave the outcome unknown, not
// absent; the video is still found among those it reads.
func TestReconcileThatCannotReachSinceIsUnknown(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{UploadsPerDay: 1000}})
	a := e.account("busy")
	since := e.clock.Now().Add(-time.Minute)
	n := youtube.ReconcilePages*50 + 1
	for i := range n {
		e.upload("busy", fmt.Sprintf("Otro %d", i), nil, mp4(1000, fmt.Sprintf("busy %d", i)))
	}
	_, found, err := e.adapter.Reconcile(ctx(t), e.delivery(a), content(t, "Missing", 3000, "missing"), a, since)
	if found {
		t.Fatal("got found, want an unknown outcome")
	}
	pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	if pe.Code != "youtube_reconcile_incomplete" {
		t.Errorf("got code %q, want youtube_reconcile_incomplete", pe.Code)
	}

	c := content(t, "Newest", 3000, "newest")
	v := e.upload("busy", "Newest", []string{youtube.MarkerTag(c.Marker)}, mp4(1000, "newest"))
	if r, found, err := e.adapter.Reconcile(ctx(t), e.delivery(a), c, a, since); err != nil || !found || r.RemoteID != v.Id {
		t.Errorf("got %+v, found %v, error %v, want the newest video %s", r, found, err, v.Id)
	}
}

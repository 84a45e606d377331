package youtube_test

import (
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/youtube/fake"
)

// YouTube decides after the upload: Verify waits while the video is
// processed and then reports a rejection (here the same bytes twice on a
// channel) or that all is well.
func TestVerifyReportsWhatYouTubeDecidedAfterTheUpload(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{Processing: time.Minute}})
	a := e.account("verifica")
	var _ pregonero.Verifier = e.adapter

	first, second := e.delivery(a), e.delivery(a)
	r1, err := e.adapter.Publish(ctx(t), first, content(t, "Informe", 3000, "same"), a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	first.RemoteID, first.PublishedAt = r1.RemoteID, r1.PublishedAt
	c := content(t, "Informe otra vez", 3000, "same") // the same bytes
	c.Marker = "other-marker"
	r2, err := e.adapter.Publish(ctx(t), second, c, a)
	if err != nil {
		t.Fatalf("Publish of the same bytes: %v (YouTube accepts the upload and rejects it while processing)", err)
	}
	second.RemoteID, second.PublishedAt = r2.RemoteID, r2.PublishedAt

	for _, d := range []*pregonero.Delivery{first, second} {
		done, refused, err := e.adapter.Verify(ctx(t), d, a)
		if err != nil || done || refused != nil {
			t.Errorf("while processing: got done %v refused %v err %v, want not done", done, refused, err)
		}
	}
	e.clock.Advance(2 * time.Minute)
	if done, refused, err := e.adapter.Verify(ctx(t), first, a); err != nil || !done || refused != nil {
		t.Errorf("first video: got done %v refused %v err %v, want done and fine", done, refused, err)
	}
	done, refused, err := e.adapter.Verify(ctx(t), second, a)
	if err != nil || !done || refused == nil || refused.Code != "youtube_upload_rejected" || refused.Class != pregonero.ClassPermanent {
		t.Fatalf("second video: got done %v refused %+v err %v, want a permanent rejection", done, refused, err)
	}

	gone := &pregonero.Delivery{ID: "d_gone", RemoteID: "nosuchvideo1", PublishedAt: e.clock.Now()}
	if done, refused, err := e.adapter.Verify(ctx(t), gone, a); err != nil || !done || refused == nil || refused.Code != "youtube_video_gone" {
		t.Errorf("deleted video: got done %v refused %+v err %v, want youtube_video_gone", done, refused, err)
	}
}

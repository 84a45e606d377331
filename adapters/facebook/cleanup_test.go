package facebook_test

import (
	"context"
	"net/http"
	"testing"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/facebook"
)

// A delivery that ended unpublished leaves no photo on the page: its
// checkpointed unpublished photos are deleted, one already gone is fine,
// and a published delivery's photos are never touched.
func TestCleanupDeletesTheUnpublishedPhotosOfAnEndedDelivery(t *testing.T) {
	e := newEnv(t, facebook.Config{})
	a := e.account()
	var _ pregonero.Cleaner = e.adapter
	c, d, _ := twoPhotoAttempt(t, e, a)
	ids := []string{d.Checkpoint["fb_photo_"+c.Media[0].SHA256], d.Checkpoint["fb_photo_"+c.Media[1].SHA256]}
	// One of them was deleted on the page already.
	if _, err := session(t, e, a).Delete("/"+ids[0], nil); err != nil {
		t.Fatal(err)
	}

	published := *d
	published.State = pregonero.DeliveryPublished
	before := len(e.requests(http.MethodDelete, ""))
	if err := e.adapter.Cleanup(context.Background(), &published, a); err != nil {
		t.Fatalf("Cleanup of a published delivery: %v", err)
	}
	if n := len(e.requests(http.MethodDelete, "")) - before; n != 0 {
		t.Errorf("%d deletes for a published delivery, want none", n)
	}

	d.State = pregonero.DeliveryFailed
	if err := e.adapter.Cleanup(context.Background(), d, a); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	_, err := session(t, e, a).Get("/"+ids[1], fb.Params{"fields": "id"})
	if fe, ok := err.(*fb.Error); !ok || fe.Code != 100 {
		t.Errorf("reading the second photo after Cleanup: %v, want it gone (code 100)", err)
	}
	if err := e.adapter.Cleanup(context.Background(), d, a); err != nil {
		t.Errorf("a second Cleanup: %v, want nothing to do", err)
	}
}

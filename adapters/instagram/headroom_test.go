package instagram_test

import (
	"testing"

	"pregonero"
	"pregonero/adapters/graph/fake"
)

func TestHeadroomFromPublishingLimit(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{PublishLimit: 3}})
	a := e.account("headroom")
	if got := e.adapter.Headroom(a.ID); got != nil {
		t.Fatalf("got %v before any post, want nothing known", got)
	}
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Uno", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	got := e.adapter.Headroom(a.ID)
	if len(got) != 1 || got[0].Kind != pregonero.AllowancePosts24h || got[0].Remaining != 2 || got[0].Limit != 3 {
		t.Errorf("got %+v, want 2 of 3 posts left in 24 h", got)
	}
}

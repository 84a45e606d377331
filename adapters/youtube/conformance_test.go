package youtube_test

import (
	"testing"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

// TestConformance runs the suite with the suite's text as the video's
// title (YouTube's text limit is the title's 100 characters; the
// description is the text as well) and a small MP4 of its own per text,
// so that the fake's duplicate check never sees the same bytes twice. The
// image cases do not apply: YouTube takes one video and no images.
func TestConformance(t *testing.T) {
	e := newEnv(t, envOptions{})
	adaptertest.Run(t, adaptertest.Harness{
		Adapter: e.adapter,
		Network: fake.Network,
		Account: func(_ *testing.T, name string) *pregonero.Account { return e.account(name) },
		Unauthorized: func(_ *testing.T, name string) *pregonero.Account {
			e.fake.Revoke(name)
			return e.account(name)
		},
		Posts: func(_ *testing.T, a *pregonero.Account) []fakenet.Post { return e.posts(a.Name) },
		Fault: func(t *testing.T, r fakenet.Rule) {
			if _, err := e.fake.Faults().Add(r); err != nil {
				t.Fatalf("add fault: %v", err)
			}
		},
		ClearFaults: func(*testing.T) { e.fake.Faults().Clear() },
		CreateOp:    fake.OpInsert,
		UploadOp:    fake.OpUpload,
		Content: func(t *testing.T, text string) pregonero.Content {
			c := content(t, text, 4096, text)
			c.Text = text
			return c
		},
		SentText:      func(c pregonero.Content) string { return c.Title },
		TextField:     "title",
		EmptyField:    "title",
		MaxTextLength: youtube.MaxTitleChars,
		MaxImages:     0,
		Now:           e.clock.Now,
	})
}

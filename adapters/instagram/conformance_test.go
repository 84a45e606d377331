package instagram_test

import (
	"path"
	"testing"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
)

// inapplicable are the suite's cases that cannot hold for Instagram, and
// why; the tests of this package named in each reason cover their intent.
var inapplicable = map[string]string{
	"PublishTextGivesReceiptAndOnePost": "the suite wants the receipt URL to contain the media id, but an Instagram " +
		"permalink names the post by its shortcode (https://www.instagram.com/p/<shortcode>/); see TestPublishSingleImage",
	"DropAfterAcceptIsUnknownThenFoundByReconcile": "the suite wants the receipt URL to contain the media id, but an " +
		"Instagram permalink names the post by its shortcode; see TestDropAfterAcceptOnPublishIsUnknownThenFound",
	"PublishImagesAttachesThemWithAltText": "the suite's images alternate PNG and JPEG and have no public URL; Instagram " +
		"takes only JPEG images it downloads from a public URL; see TestPublishCarousel",
	"ValidateAcceptsContentWithinLimits": "the suite's images include PNGs, which Instagram refuses; see TestValidateAccepts",
	"CheckpointedMediaAreNotUploadedAgain": "the suite's image is a PNG without a public URL; see " +
		"TestResumeFinishedContainerPublishesOnce, which fails container creation on the second attempt the same way",
}

func TestConformance(t *testing.T) {
	e := newEnv(t, envOptions{})
	adapter := &stored{Adapter: e.adapter}
	adaptertest.Run(t, adaptertest.Harness{
		Adapter: adapter,
		Network: fake.NetworkInstagram,
		Account: func(t *testing.T, name string) *pregonero.Account {
			if why, ok := inapplicable[path.Base(t.Name())]; ok {
				t.Skip("not applicable to Instagram: " + why)
			}
			return e.account(name)
		},
		Unauthorized: func(_ *testing.T, name string) *pregonero.Account {
			a := e.account(name)
			a.Credentials["access_token"] = "revoked-token"
			return a
		},
		Posts: func(_ *testing.T, a *pregonero.Account) []fakenet.Post { return e.posts(a) },
		Fault: func(t *testing.T, r fakenet.Rule) {
			if _, err := e.fake.Faults().Add(r); err != nil {
				t.Fatalf("add fault: %v", err)
			}
		},
		ClearFaults: func(*testing.T) { e.fake.Faults().Clear() },
		CreateOp:    fake.OpPublish,
		UploadOp:    fake.OpContainer,
		Content: func(t *testing.T, text string) pregonero.Content {
			return pregonero.Content{Text: text, Media: []pregonero.MediaBlob{e.media.jpeg(t, 64, 48, "A test pattern")}}
		},
		TextField:     "text",
		EmptyField:    "media",
		MaxTextLength: 2200,
		MaxImages:     10,
	})
}

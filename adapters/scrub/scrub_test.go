package scrub_test

import (
	"errors"
	"strings"
	"testing"

	"pregonero"
	"pregonero/adapters/scrub"
)

func TestScrubberHidesKnownValuesAndCredentialPatterns(t *testing.T) {
	s := &scrub.Scrubber{}
	s.Add("tok-0123456789/abc", "short")
	text := `{"error":"bad","echo":"Authorization: Bearer tok-0123456789/abc","refresh_token":"rt-secret-value","q":"client_secret=cs-1234&x=1","escaped":"tok-0123456789\/abc","short":"short"}`
	got := s.Text(text)
	for _, secret := range []string{"tok-0123456789", "rt-secret-value", "cs-1234"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q left in %s", secret, got)
		}
	}
	if !strings.Contains(got, `"short":"short"`) {
		t.Errorf("a value shorter than %d bytes was taken for a credential: %s", scrub.MinSecretLen, got)
	}
	if w := (*scrub.Scrubber)(nil).Text("Bearer abcdefghijklmnopqrstuvwxyz and Bearer token"); w != "Bearer "+scrub.Redacted+" and Bearer token" {
		t.Errorf("nil scrubber: %q", w)
	}
}

func TestScrubberErrKeepsTheChain(t *testing.T) {
	s := &scrub.Scrubber{}
	s.Add("tok-0123456789")
	cause := errors.New("post failed: Bearer tok-0123456789")
	pe := &pregonero.PublishError{Class: pregonero.ClassPermanent, Message: "refused tok-0123456789", NetworkMessage: "tok-0123456789", Err: cause}
	err := s.Err(pe)
	if strings.Contains(err.Error(), "tok-0123456789") || strings.Contains(pe.Message, "tok-0123456789") || strings.Contains(pe.NetworkMessage, "tok-0123456789") {
		t.Errorf("credential left: %v / %+v", err, pe)
	}
	if !errors.Is(err, cause) {
		t.Error("the scrubbed error no longer wraps its cause")
	}
}

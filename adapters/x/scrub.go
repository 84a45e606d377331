package x

import (
	"net/http"
	"net/url"
	"regexp"

	"pregonero/adapters/scrub"
)

// Redacted replaces a credential in whatever text of X's is kept.
const Redacted = scrub.Redacted

// scrubber removes credentials from X's texts (see scrub.Scrubber).
type scrubber = scrub.Scrubber

// signatureRE finds the OAuth 1.0a signature of an Authorization header.
var signatureRE = regexp.MustCompile(`oauth_signature="([^"]*)"`)

// addCreds makes s look for every secret among an account's credentials,
// and for the HTTP Basic credentials of a confidential client.
func addCreds(s *scrubber, creds map[string]string) {
	s.Add(creds[CredConsumerKey], creds[CredConsumerSecret], creds[CredAccessToken], creds[CredAccessTokenSecret],
		creds[CredClientSecret], creds[CredRefreshToken])
	s.AddBasic(creds[CredClientID], creds[CredClientSecret])
}

// addSignature makes s look for the OAuth 1.0a signature of an
// Authorization header, as sent (percent-encoded) and decoded.
func addSignature(s *scrubber, header string) {
	m := signatureRE.FindStringSubmatch(header)
	if m == nil {
		return
	}
	s.Add(m[1])
	if dec, err := url.PathUnescape(m[1]); err == nil {
		s.Add(dec)
	}
}

// signatureCatcher sits under the OAuth 1.0a transport and tells the
// scrubber each signature it sees go out.
type signatureCatcher struct {
	base http.RoundTripper
	s    *scrubber
}

func (t *signatureCatcher) RoundTrip(req *http.Request) (*http.Response, error) {
	addSignature(t.s, req.Header.Get("Authorization"))
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

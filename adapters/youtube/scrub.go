package youtube

import (
	"pregonero/adapters/scrub"
)

// Redacted replaces a credential in whatever text of Google's is kept.
const Redacted = scrub.Redacted

// scrubber removes credentials from Google's texts (see scrub.Scrubber).
type scrubber = scrub.Scrubber

// addCreds makes s look for every secret among an account's credentials,
// and for the HTTP Basic form of the client's.
func addCreds(s *scrubber, creds map[string]string) {
	s.Add(creds[CredClientSecret], creds[CredRefreshToken], creds[CredAccessToken])
	s.AddBasic(creds[CredClientID], creds[CredClientSecret])
}

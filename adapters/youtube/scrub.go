package youtube

import (
	"encoding/base64"
	"net/url"

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
	if secret := creds[CredClientSecret]; secret != "" {
		s.Add(base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(creds[CredClientID]) + ":" + url.QueryEscape(secret))))
	}
}

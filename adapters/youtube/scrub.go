package youtube

import (
	"cmp"
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"pregonero"
)

// Redacted replaces a credential in whatever text of Google's is kept: an
// error body that echoes the request would otherwise carry the token into
// the delivery's network_message and the logs.
const Redacted = "[redacted]"

// minSecretLen is the shortest credential value looked for by value:
// shorter ones would match ordinary words, and Google issues none that
// short. The patterns below still catch them after a parameter name.
const minSecretLen = 8

// credName lists the names under which credentials travel in requests
// and token answers.
const credName = `access_token|refresh_token|client_secret|id_token|code_verifier`

var (
	// authRE finds the credential of an Authorization header value.
	authRE = regexp.MustCompile(`(?i)\b(Bearer|Basic)(\s+)([A-Za-z0-9\-._~+/]+=*)`)
	// paramRE finds credentials carried as URL or form parameters.
	paramRE = regexp.MustCompile(`(?i)\b(` + credName + `)(\s*=\s*"?)[^&\s"',;<>]*`)
	// jsonRE finds credentials as JSON members, also inside a JSON string
	// (escaped quotes).
	jsonRE = regexp.MustCompile(`(?i)(\\?"(?:` + credName + `)\\?"\s*:\s*\\?")(?:[^"\\]|\\[^"])*`)
)

// scrubber removes credentials from Google's texts: the values it was
// told of (in the encodings a request would carry them) and anything that
// looks like a credential after its usual name. A nil scrubber applies the
// patterns only. It is safe for concurrent use.
type scrubber struct {
	mu     sync.Mutex
	values []string
}

// add makes the scrubber look for the given credential values.
func (s *scrubber) add(values ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v), strings.ReplaceAll(v, "/", `\/`)} {
			if !slices.Contains(s.values, form) {
				s.values = append(s.values, form)
			}
		}
	}
	// Longest first, so that a value containing another goes whole.
	slices.SortFunc(s.values, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
}

// addCreds looks for every secret among an account's credentials, and
// for the HTTP Basic form of the client's.
func (s *scrubber) addCreds(creds map[string]string) {
	s.add(creds[CredClientSecret], creds[CredRefreshToken], creds[CredAccessToken])
	if secret := creds[CredClientSecret]; secret != "" {
		s.add(base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(creds[CredClientID]) + ":" + url.QueryEscape(secret))))
	}
}

// text returns t without credentials.
func (s *scrubber) text(t string) string {
	if t == "" {
		return t
	}
	if s != nil {
		s.mu.Lock()
		for _, v := range s.values {
			t = strings.ReplaceAll(t, v, Redacted)
		}
		s.mu.Unlock()
	}
	t = authRE.ReplaceAllStringFunc(t, func(m string) string {
		sub := authRE.FindStringSubmatch(m)
		if !looksLikeCredential(sub[3]) {
			return m
		}
		return sub[1] + sub[2] + Redacted
	})
	t = paramRE.ReplaceAllString(t, "${1}${2}"+Redacted)
	return jsonRE.ReplaceAllString(t, "${1}"+Redacted)
}

// looksLikeCredential tells a token after "Bearer" or "Basic" from a word
// ("Bearer token"): tokens carry digits or are long.
func looksLikeCredential(s string) bool {
	return len(s) >= 20 || strings.ContainsAny(s, "0123456789")
}

// publishError scrubs the texts of pe and wraps its cause; errors.Is and
// errors.As still reach the wrapped chain. It returns pe.
func (s *scrubber) publishError(pe *pregonero.PublishError) *pregonero.PublishError {
	if pe == nil {
		return nil
	}
	pe.Message = s.text(pe.Message)
	pe.NetworkMessage = s.text(pe.NetworkMessage)
	pe.Err = s.wrap(pe.Err)
	return pe
}

// error is publishError for the *pregonero.PublishError err is or wraps;
// any other error is wrapped.
func (s *scrubber) error(err error) error {
	if pe, ok := err.(*pregonero.PublishError); ok {
		return s.publishError(pe)
	}
	var pe *pregonero.PublishError
	if errors.As(err, &pe) {
		s.publishError(pe)
	}
	return s.wrap(err)
}

// wrap wraps err so that its message hides credentials.
func (s *scrubber) wrap(err error) error {
	if err == nil {
		return nil
	}
	if se, ok := err.(*scrubbedError); ok && se.s == s {
		return err
	}
	return &scrubbedError{s: s, err: err}
}

// scrubbedError shows the message of the error it wraps without
// credentials.
type scrubbedError struct {
	s   *scrubber
	err error
}

func (e *scrubbedError) Error() string { return e.s.text(e.err.Error()) }

func (e *scrubbedError) Unwrap() error { return e.err }

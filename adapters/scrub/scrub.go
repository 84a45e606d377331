// Package scrub removes credentials from what the networks answer before
// it is kept: an error body that echoes the request would otherwise carry
// a token into a delivery's network_message and the logs.
package scrub

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

// Redacted replaces a credential in whatever text is kept.
const Redacted = "[redacted]"

// MinSecretLen is the shortest credential value looked for by value:
// shorter ones would match ordinary words, and the networks issue none
// that short. The patterns below still catch them after a parameter name.
const MinSecretLen = 8

// credName lists the names under which credentials travel in requests
// and token answers: OAuth 2.0 (X, Google, Meta), OAuth 1.0a (X), Graph's
// appsecret_proof and input_token, and the session id of a resumable
// upload (upload_id), which lets anyone add bytes to it for a week.
const credName = `access_token|refresh_token|client_secret|id_token|code_verifier|consumer_secret|access_token_secret|token_secret|oauth_signature|oauth_token|oauth_consumer_key|appsecret_proof|input_token|upload_id`

var (
	// authRE finds the credential of an Authorization header value.
	authRE = regexp.MustCompile(`(?i)\b(Bearer|Basic)(\s+)([A-Za-z0-9\-._~+/]+=*)`)
	// paramRE finds credentials carried as URL, form or OAuth 1.0a header
	// parameters (oauth_signature="…").
	paramRE = regexp.MustCompile(`(?i)\b(` + credName + `)(\s*=\s*"?)[^&\s"',;<>]*`)
	// jsonRE finds credentials as JSON members, also inside a JSON string
	// (escaped quotes).
	jsonRE = regexp.MustCompile(`(?i)(\\?"(?:` + credName + `)\\?"\s*:\s*\\?")(?:[^"\\]|\\[^"])*`)
)

// Scrubber removes credentials from a network's texts: the values it was
// told of (in the encodings a request would carry them) and anything that
// looks like a credential after its usual name. A nil Scrubber applies the
// patterns only. It is safe for concurrent use.
type Scrubber struct {
	mu     sync.Mutex
	values []string
}

// Add makes the scrubber look for the given credential values.
func (s *Scrubber) Add(values ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if len(v) < MinSecretLen {
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

// AddBasic makes the scrubber look for the HTTP Basic credentials of an
// OAuth client, as golang.org/x/oauth2 sends them (AuthStyleInHeader),
// when it has a secret.
func (s *Scrubber) AddBasic(clientID, secret string) {
	if secret != "" {
		s.Add(base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID) + ":" + url.QueryEscape(secret))))
	}
}

// Text returns t without credentials.
func (s *Scrubber) Text(t string) string {
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
// ("Bearer token", "Basic tier"): tokens carry digits or are long.
func looksLikeCredential(s string) bool {
	return len(s) >= 20 || strings.ContainsAny(s, "0123456789")
}

// PublishError scrubs the texts of pe and wraps its cause; errors.Is and
// errors.As still reach the wrapped chain. It returns pe.
func (s *Scrubber) PublishError(pe *pregonero.PublishError) *pregonero.PublishError {
	if pe == nil {
		return nil
	}
	pe.Message = s.Text(pe.Message)
	pe.NetworkMessage = s.Text(pe.NetworkMessage)
	pe.Err = s.Wrap(pe.Err)
	return pe
}

// Err is PublishError for the *pregonero.PublishError err is or wraps;
// any other error is wrapped.
func (s *Scrubber) Err(err error) error {
	if pe, ok := err.(*pregonero.PublishError); ok {
		return s.PublishError(pe)
	}
	var pe *pregonero.PublishError
	if errors.As(err, &pe) {
		s.PublishError(pe)
	}
	return s.Wrap(err)
}

// Wrap wraps err so that its message hides credentials.
func (s *Scrubber) Wrap(err error) error {
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
	s   *Scrubber
	err error
}

func (e *scrubbedError) Error() string { return e.s.Text(e.err.Error()) }

func (e *scrubbedError) Unwrap() error { return e.err }

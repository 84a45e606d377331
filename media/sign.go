package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MinKeySize is the shortest signing key accepted, in bytes.
const MinKeySize = 32

// DefaultURLTTL is how long a signed URL stays valid unless configured
// otherwise: an Instagram container that has not been published expires
// after 24 hours, so the media it was created from needs to be reachable
// no longer than that.
const DefaultURLTTL = 24 * time.Hour

// KeyFile is the name, under the data directory, of the signing key
// generated at first start when none is configured.
const KeyFile = "media.key"

// signContext separates these signatures from any other use of the key.
const signContext = "pregonero-media\n"

// Errors Verify returns, for errors.Is.
var (
	// ErrURLExpired means the signature is authentic but its time is over.
	ErrURLExpired = errors.New("signed media URL expired")
	// ErrURLInvalid means the signature is missing, malformed or forged.
	ErrURLInvalid = errors.New("signed media URL is not valid")
)

// Signer makes and checks signed public URLs of media: whoever holds one
// may read the bytes until it expires, without any other credential. That
// is how networks that fetch media themselves (Instagram) get it.
type Signer struct {
	key  []byte
	base string
	now  func() time.Time
}

// NewSigner returns a Signer with the given key (at least MinKeySize
// bytes), the public base URL of the server (an http or https URL
// without query, e.g. "https://pregonero.antioquia.gov.co") and a clock;
// a nil clock is time.Now.
func NewSigner(key []byte, publicURL string, now func() time.Time) (*Signer, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("new media signer: the key has %d bytes, want at least %d", len(key), MinKeySize)
	}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("new media signer: public URL %q must be an http(s) URL without user, query or fragment", publicURL)
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: append([]byte(nil), key...), base: strings.TrimRight(publicURL, "/"), now: now}, nil
}

// URL returns the signed public URL of a media id, valid for ttl:
// {public_url}/media/{id}?exp=<unix seconds>&sig=<signature>.
func (s *Signer) URL(id string, ttl time.Duration) string {
	exp := strconv.FormatInt(s.now().Add(ttl).Unix(), 10)
	return s.base + "/media/" + url.PathEscape(id) + "?exp=" + exp + "&sig=" + s.sign(id, exp)
}

// Verify checks the exp and sig query values of a signed URL of id. It
// returns an error wrapping ErrURLInvalid when they are missing,
// malformed or forged, and ErrURLExpired when they are authentic but past
// their time.
func (s *Signer) Verify(id, exp, sig string) error {
	if exp == "" || sig == "" {
		return fmt.Errorf("%w: exp and sig are required", ErrURLInvalid)
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || t <= 0 || strconv.FormatInt(t, 10) != exp {
		return fmt.Errorf("%w: malformed exp", ErrURLInvalid)
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: malformed sig", ErrURLInvalid)
	}
	if !hmac.Equal(got, s.mac(id, exp)) {
		return fmt.Errorf("%w: wrong signature", ErrURLInvalid)
	}
	if !s.now().Before(time.Unix(t, 0)) {
		return fmt.Errorf("%w at %s", ErrURLExpired, time.Unix(t, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

func (s *Signer) sign(id, exp string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac(id, exp))
}

func (s *Signer) mac(id, exp string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(signContext + id + "\n" + exp))
	return h.Sum(nil)
}

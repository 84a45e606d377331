package fake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Sandbox credentials. Every user of the fake is made up by its
// credentials: there is nothing to register.
const (
	// ConsumerKey is the only OAuth 1.0a consumer key (API key) the fake
	// knows; it is also the OAuth 2.0 client id.
	ConsumerKey = "sandbox"
	// ConsumerSecret is the secret of ConsumerKey; it is also the OAuth
	// 2.0 client secret.
	ConsumerSecret = "sandbox-secret"
	// PublicClientID is the OAuth 2.0 public client (a native or
	// single-page app): it has no secret and names itself with client_id
	// in the token request's form.
	PublicClientID = "sandbox-public"
	// TimestampWindow is how far an oauth_timestamp may be from the fake's
	// clock, and how long a nonce is remembered.
	TimestampWindow = 5 * time.Minute
)

var userNameRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,50}$`)

// AccessToken returns the OAuth 1.0a access token of a sandbox user, which
// is also an OAuth 2.0 bearer token that never expires.
func AccessToken(user string) string { return "sandbox-" + user }

// AccessTokenSecret returns the OAuth 1.0a token secret of a sandbox user.
func AccessTokenSecret(user string) string { return "sandbox-" + user + "-secret" }

// SeedRefreshToken returns the refresh token that starts a new OAuth 2.0
// token family for user. Like every refresh token it can be used once.
func SeedRefreshToken(user string) string { return "sandbox-" + user + "-refresh" }

// AuthorizationCode returns the OAuth 2.0 authorization code the token
// endpoint accepts for user, standing in for the browser consent step.
func AuthorizationCode(user string) string { return "sandbox-" + user + "-code" }

// UserID returns the stable numeric X user id of a sandbox user, derived
// from the name so that it is the same in every run and every process.
func UserID(user string) string {
	sum := sha256.Sum256([]byte("x-user:" + user))
	// Real ids are 64-bit snowflakes or small legacy numbers; keep them
	// positive in an int64 and at least 16 digits long, like recent ones.
	n := binary.BigEndian.Uint64(sum[:8]) >> 2
	const floor = 1_000_000_000_000_000
	if n < floor {
		n += floor
	}
	return strconv.FormatUint(n, 10)
}

// userFromToken returns the user of a conventional sandbox access token
// ("sandbox-<user>").
func userFromToken(tok string) (string, bool) {
	user, ok := strings.CutPrefix(tok, "sandbox-")
	if !ok || !userNameRe.MatchString(user) {
		return "", false
	}
	return user, true
}

var errUnauthorized = errors.New("unauthorized")

// authenticate returns the user a request acts for, from an OAuth 1.0a
// signature or an OAuth 2.0 bearer token, and the scopes of an access
// token the token endpoint issued; nil scopes mean every scope (OAuth
// 1.0a, and the conventional "sandbox-NAME" bearer).
func (f *Fake) authenticate(r *http.Request) (string, []string, error) {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "OAuth"):
		user, err := f.verifyOAuth1(r, rest)
		return user, nil, err
	case strings.EqualFold(scheme, "Bearer"):
		tok := strings.TrimSpace(rest)
		if user, ok := userFromToken(tok); ok {
			return user, nil, nil
		}
		if user, scopes, ok := f.tokens.verifyAccess(tok, f.now()); ok {
			return user, scopes, nil
		}
		return "", nil, fmt.Errorf("%w: unknown or expired bearer token", errUnauthorized)
	case h == "":
		return "", nil, fmt.Errorf("%w: no Authorization header", errUnauthorized)
	default:
		return "", nil, fmt.Errorf("%w: unsupported authorization scheme %q", errUnauthorized, scheme)
	}
}

// verifyOAuth1 checks an OAuth 1.0a HMAC-SHA1 request signature as RFC
// 5849 §3.4 defines it, plus the timestamp window and nonce reuse.
func (f *Fake) verifyOAuth1(r *http.Request, header string) (string, error) {
	params, err := parseOAuthHeader(header)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	get := func(k string) string {
		if v := params[k]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	for _, k := range []string{"oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_timestamp", "oauth_nonce", "oauth_signature"} {
		if len(params[k]) != 1 || params[k][0] == "" {
			return "", fmt.Errorf("%w: %s missing or repeated", errUnauthorized, k)
		}
	}
	if v, ok := params["oauth_version"]; ok && (len(v) != 1 || v[0] != "1.0") {
		return "", fmt.Errorf("%w: oauth_version must be 1.0", errUnauthorized)
	}
	if get("oauth_signature_method") != "HMAC-SHA1" {
		return "", fmt.Errorf("%w: signature method %q is not HMAC-SHA1", errUnauthorized, get("oauth_signature_method"))
	}
	if get("oauth_consumer_key") != ConsumerKey {
		return "", fmt.Errorf("%w: unknown consumer key", errUnauthorized)
	}
	token := get("oauth_token")
	user, ok := userFromToken(token)
	if !ok {
		return "", fmt.Errorf("%w: access token does not follow the sandbox convention", errUnauthorized)
	}
	ts, err := strconv.ParseInt(get("oauth_timestamp"), 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: bad oauth_timestamp", errUnauthorized)
	}
	now := f.now()
	stamp := time.Unix(ts, 0)
	if d := now.Sub(stamp); d > TimestampWindow || d < -TimestampWindow {
		return "", fmt.Errorf("%w: oauth_timestamp is %s away from the server clock", errUnauthorized, d.Round(time.Second))
	}
	base, err := signatureBase(r, params)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	got, err := base64.StdEncoding.DecodeString(get("oauth_signature"))
	if err != nil {
		return "", fmt.Errorf("%w: oauth_signature is not base64", errUnauthorized)
	}
	mac := hmac.New(sha1.New, []byte(percentEncode(ConsumerSecret)+"&"+percentEncode(AccessTokenSecret(user))))
	mac.Write([]byte(base))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return "", fmt.Errorf("%w: signature mismatch", errUnauthorized)
	}
	if !f.nonces.use(ConsumerKey+"&"+token+"&"+get("oauth_nonce"), stamp, now) {
		return "", fmt.Errorf("%w: nonce already used", errUnauthorized)
	}
	return user, nil
}

// parseOAuthHeader parses the parameters of an "OAuth" Authorization
// header (RFC 5849 §3.5.1), dropping realm, which is not signed.
func parseOAuthHeader(s string) (url.Values, error) {
	params := url.Values{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("malformed OAuth parameter %q", part)
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("OAuth parameter %s is not quoted", k)
		}
		dk, err1 := url.PathUnescape(k)
		dv, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("OAuth parameter %s is badly percent-encoded", k)
		}
		if dk == "realm" {
			continue
		}
		params[dk] = append(params[dk], dv)
	}
	return params, nil
}

// signatureBase builds the RFC 5849 §3.4.1 signature base string: method,
// base string URI as the client addressed it (the full path, mount prefix
// included) and the normalized query, form body and oauth_* parameters.
func signatureBase(r *http.Request, oauth url.Values) (string, error) {
	type pair struct{ k, v string }
	var pairs []pair
	add := func(vs url.Values) {
		for k, list := range vs {
			for _, v := range list {
				pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
			}
		}
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", fmt.Errorf("malformed query: %w", err)
	}
	add(query)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" && r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
		if err != nil {
			return "", fmt.Errorf("read form body: %w", err)
		}
		if len(b) > maxFormBody {
			return "", errors.New("form body too large")
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return "", fmt.Errorf("malformed form body: %w", err)
		}
		add(form)
	}
	for k, list := range oauth {
		if k == "oauth_signature" {
			continue
		}
		for _, v := range list {
			pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var norm strings.Builder
	for i, p := range pairs {
		if i > 0 {
			norm.WriteByte('&')
		}
		norm.WriteString(p.k)
		norm.WriteByte('=')
		norm.WriteString(p.v)
	}
	return strings.ToUpper(r.Method) + "&" + percentEncode(baseStringURI(r)) + "&" + percentEncode(norm.String()), nil
}

// maxFormBody bounds the form bodies read for signing.
const maxFormBody = 1 << 20

// baseStringURI is RFC 5849 §3.4.1.2: lowercase scheme and host, default
// port dropped, and the path exactly as it was on the request line, which
// http.StripPrefix leaves untouched in RequestURI.
func baseStringURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	} else {
		host = strings.TrimSuffix(host, ":443")
	}
	path := r.URL.EscapedPath()
	if r.RequestURI != "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			path = u.EscapedPath()
		}
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// percentEncode is RFC 5849 §3.6: everything but the unreserved characters
// of RFC 3986 is encoded, with uppercase hex digits.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

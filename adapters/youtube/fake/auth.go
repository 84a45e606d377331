package fake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
)

const (
	tokenPrefix   = "sandbox-yt-"
	refreshSuffix = "-refresh"
	// issuedPrefix starts the access tokens the token endpoint issues,
	// after Google's "ya29." so that they look like what they stand for.
	issuedPrefix = "ya29.sandbox."
	// tokenLifetime is how long an issued access token is good for;
	// expires_in says one second less, as Google does.
	tokenLifetime = time.Hour
)

// tokenKey signs issued access tokens. It is fixed so that a restarted
// sandbox still accepts the tokens it issued before.
var tokenKey = []byte("pregonero sandbox youtube token key")

// AccessToken returns the access token of a sandbox channel: always valid
// until the channel's grant is revoked, it never expires, and it holds the
// scopes of the channel's grant (Options.Scopes). A channel name is
// letters, digits and underscores.
func AccessToken(channel string) string { return tokenPrefix + channel }

// RefreshToken returns the refresh token of a sandbox channel, which the
// token endpoint exchanges for 1-hour access tokens.
func RefreshToken(channel string) string { return tokenPrefix + channel + refreshSuffix }

// ChannelID returns the stable channel id of a sandbox channel: "UC" and
// 22 characters derived from the name.
func ChannelID(channel string) string {
	sum := sha256.Sum256([]byte("youtube channel " + channel))
	return "UC" + base64.RawURLEncoding.EncodeToString(sum[:])[:22]
}

// UploadsPlaylist returns the id of a channel's uploads playlist, the one
// channels.list names in contentDetails.relatedPlaylists.uploads.
func UploadsPlaylist(channel string) string { return "UU" + ChannelID(channel)[2:] }

func validChannel(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// issue returns a signed access token of channel expiring at exp and
// holding scopes; gen is the generation of the grant it comes from (the
// channel's revocations when the grant was made), 0 for the sandbox
// channel's own grant.
func issue(channel string, gen int, exp time.Time, scopes []string) string {
	head := channel + "." + strconv.FormatInt(exp.Unix(), 10)
	if gen > 0 {
		head += "." + strconv.Itoa(gen)
	}
	payload := head + " " + strings.Join(scopes, " ")
	return issuedPrefix + base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + sign(payload)
}

func sign(payload string) string {
	m := hmac.New(sha256.New, tokenKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// issuedToken is what an access token the token endpoint issued says.
type issuedToken struct {
	channel string
	gen     int
	exp     time.Time
	scopes  []string
}

// parseIssued reads an issued access token. A token issued before tokens
// named their scopes (no scope list) holds DefaultScopes; one issued
// before they named their grant's generation, generation 0.
func parseIssued(tok string) (issuedToken, bool) {
	rest, found := strings.CutPrefix(tok, issuedPrefix)
	if !found {
		return issuedToken{}, false
	}
	enc, mac, found := strings.Cut(rest, ".")
	if !found {
		return issuedToken{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || !hmac.Equal([]byte(sign(string(raw))), []byte(mac)) {
		return issuedToken{}, false
	}
	head, list, listed := strings.Cut(string(raw), " ")
	name, tail, found := strings.Cut(head, ".")
	secs, gens, hasGen := strings.Cut(tail, ".")
	n, err := strconv.ParseInt(secs, 10, 64)
	if !found || err != nil || !validChannel(name) {
		return issuedToken{}, false
	}
	t := issuedToken{channel: name, exp: time.Unix(n, 0), scopes: DefaultScopes}
	if hasGen {
		if t.gen, err = strconv.Atoi(gens); err != nil || t.gen <= 0 {
			return issuedToken{}, false
		}
	}
	if listed {
		t.scopes = parseScopes(list)
	}
	return t, true
}

// authenticate resolves the bearer token (or access_token parameter) to
// a channel and refuses a token that holds none of the scopes the call's
// method accepts.
func (f *Fake) authenticate(c *call, method string) *apiError {
	tok := ""
	if h := c.r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			tok = strings.TrimSpace(rest)
		}
	} else {
		tok = c.param("access_token")
	}
	name, gen := "", 0
	var scopes []string
	if it, ok := parseIssued(tok); ok {
		if !f.now().Before(it.exp) {
			return authError()
		}
		name, gen, scopes = it.channel, it.gen, it.scopes
	} else if n, ok := strings.CutPrefix(tok, tokenPrefix); ok && validChannel(n) {
		name, scopes = n, f.grant(n)
	} else {
		return authError()
	}
	f.mu.Lock()
	revoked := f.revoked[name] > gen
	if !revoked {
		c.channel, c.chanID = name, ChannelID(name)
		f.channels[c.chanID] = name
	}
	f.mu.Unlock()
	if revoked {
		return authError()
	}
	return authorize(method, scopes)
}

// tokenError is an OAuth 2.0 error answer of the token endpoint.
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func writeTokenError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	fakenet.WriteJSON(w, status, tokenError{code, description})
}

// writeTokenFault answers a fault rule of mode error on the token
// endpoint in the endpoint's own OAuth shape.
func writeTokenFault(w http.ResponseWriter, status int) {
	switch {
	case status == http.StatusBadRequest:
		writeTokenError(w, status, "invalid_grant", "Token has been expired or revoked.")
	case status == http.StatusUnauthorized:
		writeTokenError(w, status, "invalid_client", "Unauthorized")
	case status == http.StatusForbidden:
		writeTokenError(w, status, "access_denied", "Forbidden")
	case status == http.StatusTooManyRequests:
		writeTokenError(w, status, "rate_limit_exceeded", "Rate limit exceeded.")
	case status >= 500:
		writeTokenError(w, status, "internal_failure", "Backend Error")
	default:
		writeTokenError(w, status, "invalid_request", http.StatusText(status))
	}
}

// token serves POST /token: grant_type=refresh_token, or
// authorization_code for a code of the consent screen (consent.go), with
// the sandbox client's credentials in the form or in HTTP Basic
// authentication.
func (f *Fake) token(w http.ResponseWriter, c *call) *apiError {
	r := c.r
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeTokenError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read.")
		return nil
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: the client credentials are form-encoded first.
		if s, err := url.QueryUnescape(id); err == nil {
			id = s
		}
		if s, err := url.QueryUnescape(secret); err == nil {
			secret = s
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	switch {
	case id == "":
		writeTokenError(w, http.StatusBadRequest, "invalid_request", "Could not determine client ID from request.")
		return nil
	case id != ClientID:
		writeTokenError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return nil
	case secret != ClientSecret:
		writeTokenError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return nil
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "refresh_token":
		f.refreshGrant(w, r)
	case "authorization_code":
		f.codeGrant(w, r, id)
	default:
		writeTokenError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+gt)
	}
	return nil
}

// tokenAnswer is the token endpoint's answer to a grant.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// writeTokens answers a grant with a fresh access token of channel, of
// the grant's generation gen, holding scopes, and refresh when not empty.
func (f *Fake) writeTokens(w http.ResponseWriter, channel string, gen int, scopes []string, refresh string) {
	w.Header().Set("Cache-Control", "no-store")
	fakenet.WriteJSON(w, http.StatusOK, tokenAnswer{issue(channel, gen, f.now().Add(tokenLifetime), scopes),
		int(tokenLifetime/time.Second) - 1, "Bearer", strings.Join(scopes, " "), refresh})
}

// refreshGrant answers grant_type=refresh_token.
func (f *Fake) refreshGrant(w http.ResponseWriter, r *http.Request) {
	rt := r.PostForm.Get("refresh_token")
	if rt == "" {
		writeTokenError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: refresh_token")
		return
	}
	if g, ok := f.redeemConsented(rt); ok {
		f.writeTokens(w, g.channel, g.gen, g.scopes, "")
		return
	}
	name, rotated, ok := f.redeem(rt)
	if !ok {
		f.log.Info("refresh refused", pregonero.LogReason, "invalid_grant")
		writeTokenError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
		return
	}
	// The answer's scope names what the grant holds, as Google's does,
	// whatever the client asked for when it was authorized.
	f.writeTokens(w, name, 0, f.grant(name), rotated)
}

// redeem checks a sandbox channel's own refresh token and returns its
// channel, and the token that replaces it when
// Options.RefreshTokenRotation says it is due. A channel's valid refresh
// token is RefreshToken(channel) until it is rotated, then the latest one
// issued.
func (f *Fake) redeem(rt string) (channel, rotated string, ok bool) {
	rest, found := strings.CutPrefix(rt, tokenPrefix)
	if !found {
		return "", "", false
	}
	name, gen, found := strings.Cut(rest, refreshSuffix)
	if !found || !validChannel(name) || (gen != "" && !strings.HasPrefix(gen, "-")) {
		return "", "", false
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, hasRotated := f.refresh[name]
	switch {
	case f.revoked[name] > 0:
		return "", "", false
	case hasRotated && rt != cur.token:
		return "", "", false
	case !hasRotated && gen != "":
		return "", "", false
	}
	if f.rotation > 0 && (!hasRotated || now.Sub(cur.issued) >= f.rotation) {
		next := rotatedToken{gen: cur.gen + 1, issued: now}
		next.token = RefreshToken(name) + "-" + strconv.Itoa(next.gen)
		f.refresh[name] = next
		f.log.Info("refresh token rotated", pregonero.LogChannel, name, pregonero.LogGeneration, next.gen)
		return name, next.token, true
	}
	return name, "", true
}

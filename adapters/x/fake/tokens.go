package fake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"pregonero"
)

// AccessTokenLifetime is how long an OAuth 2.0 access token issued by the
// token endpoint is valid, as on X.
const AccessTokenLifetime = 2 * time.Hour

// defaultScope is what the token endpoint grants to the conventional
// codes and seed refresh tokens: everything a publisher needs.
const defaultScope = "tweet.read tweet.write users.read media.write offline.access"

// nonceStore remembers OAuth 1.0a nonces while their timestamp is
// acceptable; after that the timestamp check alone refuses a replay.
type nonceStore struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (s *nonceStore) use(key string, stamp, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = make(map[string]time.Time)
	}
	if len(s.seen) >= 4096 {
		for k, t := range s.seen {
			if now.Sub(t) > TimestampWindow {
				delete(s.seen, k)
			}
		}
	}
	if _, ok := s.seen[key]; ok {
		return false
	}
	s.seen[key] = stamp
	return true
}

// tokenFamily is the chain of refresh tokens grown from one grant. Only
// the newest refresh token (generation gen) is usable; presenting an older
// one revokes the whole family, access tokens included.
type tokenFamily struct {
	user    string
	gen     int
	revoked bool
}

// tokenStore issues OAuth 2.0 tokens. Tokens are signed rather than looked
// up, so a restarted sandbox still honours the tokens an application
// persisted; only the reuse history is lost with the process.
type tokenStore struct {
	key       []byte
	mu        sync.Mutex
	families  map[string]*tokenFamily
	seedsUsed map[string]string // user → family its seed refresh token started
}

func newTokenStore(key []byte) *tokenStore {
	return &tokenStore{key: key, families: make(map[string]*tokenFamily), seedsUsed: make(map[string]string)}
}

func (s *tokenStore) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(strings.Join(parts, ".")))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// tokenPair is what the token endpoint issues: the tokens and the scopes
// of their family, space-separated as X echoes them.
type tokenPair struct {
	access, refresh string
	scope           string
	expires         time.Time
}

// refreshMAC signs a refresh token for the client it was issued to, so
// that no other client can use it. Tokens of the confidential client keep
// the signature they had before public clients existed.
func (s *tokenStore) refreshMAC(client, user, family, gen string) string {
	if client == ConsumerKey {
		return s.mac("sbxr", user, family, gen)
	}
	return s.mac("sbxr", user, family, gen, "client="+client)
}

func (s *tokenStore) issue(client, user, family string, gen int, now time.Time) tokenPair {
	g := strconv.Itoa(gen)
	exp := now.Add(AccessTokenLifetime)
	e := strconv.FormatInt(exp.Unix(), 10)
	return tokenPair{
		access:  strings.Join([]string{"sbxa", user, family, g, e, s.mac("sbxa", user, family, g, e)}, "."),
		refresh: strings.Join([]string{"sbxr", user, family, g, s.refreshMAC(client, user, family, g)}, "."),
		scope:   strings.Join(familyScopes(family), " "),
		expires: exp,
	}
}

func newFamilyID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// grant starts a new family for user (authorization code exchange) issued
// to client with scopes. Without offline.access X issues no refresh token.
func (s *tokenStore) grant(client, user string, scopes []string, now time.Time) tokenPair {
	s.mu.Lock()
	defer s.mu.Unlock()
	fam := newFamilyID() + scopeFamilySuffix(scopes)
	s.families[fam] = &tokenFamily{user: user, gen: 1}
	p := s.issue(client, user, fam, 1, now)
	if !slices.Contains(scopes, "offline.access") {
		p.refresh = ""
	}
	return p
}

// refresh rotates a refresh token presented by client. ok is false for an
// unknown, revoked or reused token, or one issued to another client; a
// reuse also revokes the family.
func (s *tokenStore) refresh(client, tok string, now time.Time) (tokenPair, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rest, ok := strings.CutPrefix(tok, "sandbox-"); ok {
		if user, ok := strings.CutSuffix(rest, "-refresh"); ok && userNameRe.MatchString(user) {
			if fam, used := s.seedsUsed[user]; used {
				s.revoke(fam)
				return tokenPair{}, false
			}
			fam := newFamilyID()
			s.seedsUsed[user] = fam
			s.families[fam] = &tokenFamily{user: user, gen: 1}
			return s.issue(client, user, fam, 1, now), true
		}
		return tokenPair{}, false
	}
	p := strings.Split(tok, ".")
	if len(p) != 5 || p[0] != "sbxr" || !hmac.Equal([]byte(p[4]), []byte(s.refreshMAC(client, p[1], p[2], p[3]))) {
		return tokenPair{}, false
	}
	user, fam := p[1], p[2]
	gen, err := strconv.Atoi(p[3])
	if err != nil {
		return tokenPair{}, false
	}
	f := s.families[fam]
	if f == nil {
		// Issued before a restart: adopt the family at this generation.
		f = &tokenFamily{user: user, gen: gen}
		s.families[fam] = f
	}
	switch {
	case f.revoked:
		return tokenPair{}, false
	case gen < f.gen:
		s.revoke(fam)
		return tokenPair{}, false
	}
	f.gen = gen + 1
	return s.issue(client, user, fam, f.gen, now), true
}

func (s *tokenStore) revoke(fam string) {
	if f := s.families[fam]; f != nil {
		f.revoked = true
	}
}

// verifyAccess returns the user and scopes of an unexpired access token
// whose family was not revoked.
func (s *tokenStore) verifyAccess(tok string, now time.Time) (string, []string, bool) {
	p := strings.Split(tok, ".")
	if len(p) != 6 || p[0] != "sbxa" || !hmac.Equal([]byte(p[5]), []byte(s.mac(p[0], p[1], p[2], p[3], p[4]))) {
		return "", nil, false
	}
	exp, err := strconv.ParseInt(p[4], 10, 64)
	if err != nil || !now.Before(time.Unix(exp, 0)) {
		return "", nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.families[p[2]]; f != nil && f.revoked {
		return "", nil, false
	}
	return p[1], familyScopes(p[2]), true
}

// handleToken serves POST /2/oauth2/token. A confidential client
// authenticates with HTTP Basic (client id and secret) and nothing else; a
// public client names itself with client_id in the form and has no secret
// to send. Tokens are bound to the client they were issued to.
func (f *Fake) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Malformed request body."})
		return
	}
	client, ok := f.tokenClient(w, r)
	if !ok {
		return
	}
	now := f.now()
	var pair tokenPair
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "refresh_token":
		tok := r.PostForm.Get("refresh_token")
		if tok == "" {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Missing required parameter [refresh_token]."})
			return
		}
		if pair, ok = f.tokens.refresh(client, tok, now); !ok {
			f.log.Info("refresh token refused", pregonero.LogReason, "unknown, revoked or reused")
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Value passed for the token was invalid."})
			return
		}
	case "authorization_code":
		code := r.PostForm.Get("code")
		rest, conventional := strings.CutPrefix(code, "sandbox-")
		if !conventional {
			// A code of the consent screen.
			c, ok := f.redeemCode(w, r.PostForm, client, now)
			if !ok {
				return
			}
			pair = f.tokens.grant(client, c.user, c.scopes, now)
			break
		}
		user, isCode := strings.CutSuffix(rest, "-code")
		if !isCode || !userNameRe.MatchString(user) {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Value passed for the authorization code was invalid."})
			return
		}
		if r.PostForm.Get("code_verifier") == "" || r.PostForm.Get("redirect_uri") == "" {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Missing required parameter [code_verifier] or [redirect_uri]."})
			return
		}
		pair = f.tokens.grant(client, user, strings.Fields(defaultScope), now)
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Missing required parameter [grant_type]."})
		return
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "Grant type " + gt + " is not supported."})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		AccessToken  string `json:"access_token"`
		Scope        string `json:"scope"`
		RefreshToken string `json:"refresh_token,omitempty"`
	}{"bearer", int(AccessTokenLifetime / time.Second), pair.access, pair.scope, pair.refresh})
}

// tokenClient authenticates the client of a token request and returns its
// id; false means the refusal was written.
func (f *Fake) tokenClient(w http.ResponseWriter, r *http.Request) (string, bool) {
	refuse := func(code, desc string) (string, bool) {
		f.log.Info("token request refused", pregonero.LogReason, desc)
		writeJSON(w, http.StatusUnauthorized, oauthError{code, desc})
		return "", false
	}
	if _, posted := r.PostForm["client_secret"]; posted {
		// X takes a confidential client's secret only in the header, and
		// a public client has none.
		return refuse("invalid_client", "The client secret must not be sent in the request body.")
	}
	formID := r.PostForm.Get("client_id")
	if id, secret, basic := r.BasicAuth(); basic {
		switch {
		case id == PublicClientID:
			return refuse("invalid_client", "Public clients must not authenticate with a client secret.")
		case id != ConsumerKey || secret != ConsumerSecret:
			return refuse("unauthorized_client", "Missing valid authorization header")
		case formID != "" && formID != id:
			return refuse("invalid_client", "The client_id does not match the authorization header.")
		}
		return id, true
	}
	switch formID {
	case PublicClientID:
		return formID, true
	case ConsumerKey:
		// A confidential client without its Basic credentials.
		return refuse("unauthorized_client", "Missing valid authorization header")
	case "":
		return refuse("invalid_request", "Missing required parameter [client_id].")
	}
	return refuse("invalid_client", "Unknown client_id.")
}

// oauthError is the RFC 6749 error body of the token endpoint.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

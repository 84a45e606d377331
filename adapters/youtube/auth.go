package youtube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	yt "google.golang.org/api/youtube/v3"

	"pregonero"
)

// tokenEarlyExpiry renews an access token a little before Google would
// refuse it, so that a call does not cross the expiry.
const tokenEarlyExpiry = time.Minute

// CredentialStore keeps the secrets an account acquires at run time (the
// renewed OAuth 2.0 access token); pregonero.Store satisfies it.
type CredentialStore = pregonero.CredentialStore

// fingerprint identifies a set of configured credentials and the endpoint
// they are for without revealing them.
func fingerprint(acct *pregonero.Account) string {
	h := sha256.New()
	fmt.Fprintf(h, "endpoint=%s\n", endpointOf(acct))
	for _, k := range slices.Sorted(maps.Keys(acct.Credentials)) {
		fmt.Fprintf(h, "%s=%s\n", k, acct.Credentials[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// credentials returns the account's effective credentials: the configured
// ones overlaid with the stored ones (a renewed access token, a refresh
// token that replaced the configured one), unless the stored ones grew
// from a configuration that has since changed (their fingerprint differs:
// a person authorized the channel again). The required keys are checked.
func (a *Adapter) credentials(ctx context.Context, acct *pregonero.Account) (map[string]string, error) {
	out := maps.Clone(acct.Credentials)
	if out == nil {
		out = map[string]string{}
	}
	var missing []string
	for _, k := range []string{CredClientID, CredClientSecret, CredRefreshToken} {
		if strings.TrimSpace(out[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "youtube_no_credentials",
			Message: fmt.Sprintf("Account %s cannot publish to YouTube: its credentials lack %s. Authorize the channel with an OAuth client of the Google Cloud project, granting the scope %s with offline access, and configure client_id, client_secret and refresh_token.",
				acct.ID, strings.Join(missing, ", "), Scope)}
	}
	stored, err := a.creds.Credentials(ctx, acct.ID)
	if err != nil {
		if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			// Only a cached access token is lost: it will be renewed.
			a.log.Warn("read stored youtube credentials", pregonero.LogAccount, acct.ID, pregonero.LogErr, err)
		}
		return out, nil
	}
	if stored[CredConfigFingerprint] != fingerprint(acct) {
		return out, nil
	}
	for k, v := range stored {
		if k != CredConfigFingerprint && v != "" {
			out[k] = v
		}
	}
	return out, nil
}

// tokenSource hands out the account's access token and renews it from
// the refresh token when it expires by the adapter's clock (not the
// process clock oauth2 uses on its own) or after YouTube refused it. A
// renewed token is stored before it is used.
type tokenSource struct {
	a    *Adapter
	acct *pregonero.Account
	// ctx carries the base HTTP client for renewals and bounds them.
	ctx     context.Context
	conf    *oauth2.Config
	refresh string
	// scrub learns the tokens issued; what Google answers goes through
	// it.
	scrub *scrubber

	mu      sync.Mutex
	tok     *oauth2.Token
	renewed bool
	// granted is the scopes the token endpoint said the grant holds, at
	// this renewal or an earlier one (stored); nil when never said.
	granted []string
}

func (a *Adapter) newTokenSource(ctx context.Context, acct *pregonero.Account, creds map[string]string, sc *scrubber) *tokenSource {
	s := &tokenSource{
		a:    a,
		acct: acct,
		ctx:  context.WithValue(ctx, oauth2.HTTPClient, a.http),
		conf: &oauth2.Config{
			ClientID:     creds[CredClientID],
			ClientSecret: creds[CredClientSecret],
			Endpoint:     tokenEndpoint(acct),
			Scopes:       Scopes,
		},
		refresh: creds[CredRefreshToken],
		scrub:   sc,
	}
	if at := creds[CredAccessToken]; at != "" {
		s.tok = &oauth2.Token{AccessToken: at, TokenType: "Bearer"}
		s.tok.Expiry, _ = time.Parse(time.RFC3339, creds[CredExpiry])
	}
	if sc := strings.Fields(creds[CredScope]); len(sc) > 0 {
		s.granted = sc
	}
	return s
}

// renewNow renews the access token whatever the one held, so that the
// refresh token itself is put to the test, and returns the scopes the
// token endpoint says the grant holds (nil when it does not say).
func (s *tokenSource) renewNow() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.renew(); err != nil {
		return nil, err
	}
	return s.granted, nil
}

// grantedScopes returns the scopes the grant is known to hold; nil when
// the token endpoint never said.
func (s *tokenSource) grantedScopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.granted
}

// Token implements oauth2.TokenSource.
func (s *tokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.AccessToken != "" &&
		(s.tok.Expiry.IsZero() || s.a.now().Before(s.tok.Expiry.Add(-tokenEarlyExpiry))) {
		return s.tok, nil
	}
	return s.renew()
}

// invalidate drops the token YouTube refused and reports whether asking
// again may help: false when the token was already renewed in this
// session, so that a refused fresh token ends in needs_reauth instead of a
// loop.
func (s *tokenSource) invalidate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.renewed {
		return false
	}
	s.tok = nil
	return true
}

// renew asks the token endpoint for a new access token. s.mu is held.
func (s *tokenSource) renew() (*oauth2.Token, error) {
	t, err := s.conf.TokenSource(s.ctx, &oauth2.Token{RefreshToken: s.refresh}).Token()
	if err != nil {
		return nil, s.a.refreshError(s.acct, err, s.scrub)
	}
	s.scrub.Add(t.AccessToken, t.RefreshToken)
	if t.AccessToken == "" {
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_refresh_failed",
			Message: "Google answered the token renewal without an access token; nothing was sent and it will be retried."}
	}
	tok := &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer"}
	if t.ExpiresIn > 0 {
		tok.Expiry = s.a.now().Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	s.tok, s.renewed = tok, true
	next := map[string]string{
		CredAccessToken:       tok.AccessToken,
		CredConfigFingerprint: fingerprint(s.acct),
	}
	// Google's answer names the scopes the grant holds (RFC 6749 §5.1):
	// a grant made for an older scope set shows here before a call fails.
	granted, _ := t.Extra("scope").(string)
	s.granted = strings.Fields(granted)
	if len(s.granted) > 0 {
		next[CredScope] = strings.Join(s.granted, " ")
		if !sufficient(s.granted) {
			s.a.log.Warn("youtube authorization lacks the scope "+Scope+"; deleting a video uploaded ahead will be refused until the channel is authorized again",
				pregonero.LogAccount, s.acct.ID, pregonero.LogReason, "granted "+next[CredScope])
		}
	}
	if !tok.Expiry.IsZero() {
		next[CredExpiry] = tok.Expiry.UTC().Format(time.RFC3339)
	}
	if t.RefreshToken != "" {
		// Google does not rotate refresh tokens today; keep a new one if
		// it ever does.
		s.refresh = t.RefreshToken
	}
	if s.refresh != s.acct.Credentials[CredRefreshToken] {
		// A refresh token that replaced the configured one, now or at an
		// earlier renewal, is the only one that works: what is stored
		// replaces what was, so it is stored again every time.
		next[CredRefreshToken] = s.refresh
	}
	if err := s.a.creds.PutCredentials(s.ctx, s.acct.ID, next); err != nil {
		// The token still works; the next process renews it again.
		s.a.log.Warn("store renewed youtube token", pregonero.LogAccount, s.acct.ID, pregonero.LogErr, err)
	}
	s.a.log.Info("youtube access token renewed", pregonero.LogAccount, s.acct.ID, pregonero.LogExpiry, next[CredExpiry])
	return tok, nil
}

// Messages of a refused renewal.
const testingTrap = `If the Google Cloud OAuth consent screen is in "Testing", refresh tokens die after 7 days: publish the app ("In production"). ` + reauthorize

// refreshError classifies a failed token renewal. Nothing was sent to the
// API. The token endpoint's body, which the error's text shows, goes
// through sc.
func (a *Adapter) refreshError(acct *pregonero.Account, err error, sc *scrubber) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return sc.PublishError(&pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_network",
			Message: fmt.Sprintf("Could not reach Google to renew the access token of account %s; nothing was sent and it will be retried.", acct.ID),
			Err:     fmt.Errorf("renew youtube token: %w", err)})
	}
	status := 0
	var header http.Header
	if re.Response != nil {
		status, header = re.Response.StatusCode, re.Response.Header
	}
	netMsg := re.ErrorDescription
	if netMsg == "" {
		netMsg = re.ErrorCode
	}
	if netMsg == "" {
		netMsg = truncate(sc.Text(strings.TrimSpace(string(re.Body))), 500)
	}
	pe := &pregonero.PublishError{NetworkMessage: netMsg, HTTPStatus: status, Err: fmt.Errorf("renew youtube token: %w", err)}
	switch {
	case re.ErrorCode == "invalid_grant":
		pe.Class, pe.Code = pregonero.ClassNeedsReauth, "youtube_refresh_revoked"
		pe.Message = fmt.Sprintf("Google refused to renew the access token of account %s: the refresh token was revoked or expired. %s", acct.ID, testingTrap)
	case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" || status == http.StatusUnauthorized:
		pe.Class, pe.Code = pregonero.ClassNeedsReauth, "youtube_client_refused"
		pe.Message = fmt.Sprintf("Google refused the OAuth client of account %s (client_id or client_secret is wrong, or the client was deleted); fix the account configuration. %s", acct.ID, reauthorize)
	case status == http.StatusTooManyRequests:
		pe.Class, pe.Code = pregonero.ClassRateLimited, "youtube_rate_limited"
		pe.NotBefore = a.now().Add(retryAfter(header, time.Minute, a.now()))
		pe.Message = fmt.Sprintf("Google is throttling token renewals; nothing was sent and it will be retried after %s.", pe.NotBefore.UTC().Format(time.RFC3339))
	case status >= 400 && status < 500:
		pe.Class, pe.Code = pregonero.ClassNeedsReauth, "youtube_refresh_failed"
		pe.Message = fmt.Sprintf("Google refused to renew the access token of account %s (status %d). %s", acct.ID, status, reauthorize)
	default:
		pe.Class, pe.Code = pregonero.ClassRetryable, "youtube_refresh_failed"
		pe.Message = fmt.Sprintf("Google could not renew the access token (status %d); nothing was sent and it will be retried.", status)
	}
	return sc.PublishError(pe)
}

// session is one operation's authorized access to an account's channel.
type session struct {
	a       *Adapter
	acct    *pregonero.Account
	project string
	src     *tokenSource
	// scrub knows the account's credentials: whatever Google answers goes
	// through it.
	scrub *scrubber
	// svc is the client of calls other than uploads, made on first use.
	svc *yt.Service
}

// open reads the account's credentials and obtains an access token, so
// that credential failures are classified before anything is sent.
func (a *Adapter) open(ctx context.Context, acct *pregonero.Account) (*session, error) {
	creds, err := a.credentials(ctx, acct)
	if err != nil {
		return nil, err
	}
	sc := &scrubber{}
	addCreds(sc, creds)
	s := &session{a: a, acct: acct, project: a.project(acct, creds), src: a.newTokenSource(ctx, acct, creds, sc), scrub: sc}
	return s, nil
}

// token makes sure the session holds a usable access token.
func (s *session) token() error {
	_, err := s.src.Token()
	return err
}

// transport returns the round tripper of the session's API calls: the
// OAuth 2.0 transport over the adapter's API transport; trace, when not
// nil, records the progress of an upload.
func (s *session) transport(trace *uploadTrace) http.RoundTripper {
	base := s.a.http.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return &oauth2.Transport{Source: s.src, Base: &apiTransport{
		base:    base,
		prefix:  endpointPrefix(s.acct),
		trace:   trace,
		backoff: s.a.chunkBackoff,
	}}
}

// retryAuth reports whether a call that failed with err should be made
// once more with a renewed token: YouTube refused the token (401) and it
// was not renewed in this session yet.
func (s *session) retryAuth(err error) bool {
	if !isUnauthorized(err) {
		return false
	}
	return s.src.invalidate()
}

// sufficient reports whether granted scopes allow every call the
// adapter makes.
func sufficient(granted []string) bool {
	for _, g := range granted {
		if slices.Contains(sufficientScopes, g) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

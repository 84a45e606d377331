package x

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
	"time"

	"github.com/dghubble/oauth1"
	"golang.org/x/oauth2"

	"pregonero"
)

// Credential keys of an X account. OAuth 1.0a needs the consumer key and
// secret and the access token and its secret; OAuth 2.0 needs an access
// token, and a client id and refresh token to renew it.
const (
	// CredConsumerKey is the OAuth 1.0a consumer (API) key.
	CredConsumerKey = "consumer_key"
	// CredConsumerSecret is the OAuth 1.0a consumer (API) secret.
	CredConsumerSecret = "consumer_secret"
	// CredAccessToken is the OAuth 1.0a access token or the OAuth 2.0
	// user access token.
	CredAccessToken = "access_token"
	// CredAccessTokenSecret is the OAuth 1.0a access token secret.
	CredAccessTokenSecret = "access_token_secret"
	// CredClientID is the OAuth 2.0 client id.
	CredClientID = "client_id"
	// CredClientSecret is the OAuth 2.0 client secret of a confidential
	// client; public clients have none.
	CredClientSecret = "client_secret"
	// CredRefreshToken is the OAuth 2.0 refresh token; X rotates it on
	// every use.
	CredRefreshToken = "refresh_token"
	// CredExpiry is when the OAuth 2.0 access token expires, RFC 3339.
	CredExpiry = "expiry"
	// CredConfigFingerprint ties stored tokens to the configured
	// credentials they grew from: when the configuration changes (a person
	// re-authorized the account), the configured ones win again.
	CredConfigFingerprint = "config_fingerprint"
)

// tokenEarlyExpiry renews an access token a little before X would refuse
// it, so that a long upload does not cross the expiry.
const tokenEarlyExpiry = time.Minute

// CredentialStore keeps the secrets an account acquires at run time (the
// rotated OAuth 2.0 tokens); pregonero.Store satisfies it.
type CredentialStore = pregonero.CredentialStore

// authorizer gives the HTTP client that authenticates requests of one
// account.
type authorizer interface {
	// client returns the client to send with and the access token it
	// carries (empty for OAuth 1.0a).
	client(ctx context.Context) (*http.Client, string, error)
	// canRefresh reports whether a 401 may be cured by renewing the token.
	canRefresh() bool
	// refresh renews the token after X refused the given one.
	refresh(ctx context.Context, refused string) error
	// scrub returns the scrubber that knows the account's credentials,
	// for whatever X answers.
	scrub() *scrubber
}

// authorizer picks OAuth 1.0a or OAuth 2.0 from the account's credentials.
func (a *Adapter) authorizer(ctx context.Context, acct *pregonero.Account) (authorizer, error) {
	creds, err := a.credentials(ctx, acct)
	if err != nil {
		return nil, err
	}
	sc := &scrubber{}
	addCreds(sc, creds)
	if creds[CredConsumerKey] != "" {
		if missing := missingKeys(creds, CredConsumerKey, CredConsumerSecret, CredAccessToken, CredAccessTokenSecret); len(missing) > 0 {
			return nil, noCredentials(acct, fmt.Sprintf("OAuth 1.0a credentials lack %s", strings.Join(missing, ", ")))
		}
		return &oauth1Auth{
			a:   a,
			cfg: oauth1.NewConfig(creds[CredConsumerKey], creds[CredConsumerSecret]),
			tok: oauth1.NewToken(creds[CredAccessToken], creds[CredAccessTokenSecret]),
			s:   sc,
		}, nil
	}
	if creds[CredAccessToken] != "" || creds[CredRefreshToken] != "" {
		return &oauth2Auth{a: a, acct: acct, s: sc}, nil
	}
	return nil, noCredentials(acct, "no OAuth 1.0a (consumer_key, consumer_secret, access_token, access_token_secret) or OAuth 2.0 (client_id, client_secret, access_token, refresh_token) credentials are configured")
}

func missingKeys(m map[string]string, keys ...string) []string {
	var out []string
	for _, k := range keys {
		if m[k] == "" {
			out = append(out, k)
		}
	}
	return out
}

func noCredentials(acct *pregonero.Account, why string) error {
	return &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_no_credentials",
		Message: fmt.Sprintf("Account %s cannot post to X: %s; add them to the account configuration.", acct.ID, why)}
}

// credentials returns the account's effective credentials: the configured
// ones overlaid with the stored ones, unless the stored ones grew from a
// configuration that has since changed.
func (a *Adapter) credentials(ctx context.Context, acct *pregonero.Account) (map[string]string, error) {
	out := maps.Clone(acct.Credentials)
	if out == nil {
		out = map[string]string{}
	}
	stored, err := a.creds.Credentials(ctx, acct.ID)
	if err != nil {
		if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
			return out, nil
		}
		if errors.Is(err, pregonero.ErrSealedCredentials) {
			// X's refresh tokens rotate: the sealed one may be the only
			// valid one, and retrying cannot open it.
			return nil, &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_credentials_sealed",
				Message: "The stored X tokens of this account cannot be opened: the secret key file (secrets.key in the data directory) is missing or was replaced. Restore it, or authorize the account again and configure the new tokens.",
				Err:     fmt.Errorf("read credentials: %w", err)}
		}
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_credentials_unavailable",
			Message: "The stored X credentials could not be read; nothing was posted and it will be retried.",
			Err:     fmt.Errorf("read credentials: %w", err)}
	}
	if fp := stored[CredConfigFingerprint]; fp != "" && fp != fingerprint(acct.Credentials) {
		return out, nil
	}
	for k, v := range stored {
		if k != CredConfigFingerprint {
			out[k] = v
		}
	}
	return out, nil
}

// fingerprint identifies a set of configured credentials without revealing
// them.
func fingerprint(creds map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(creds)) {
		fmt.Fprintf(h, "%s=%s\n", k, creds[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// oauth1Auth signs every request with OAuth 1.0a; its tokens do not expire.
type oauth1Auth struct {
	a   *Adapter
	cfg *oauth1.Config
	tok *oauth1.Token
	s   *scrubber
}

func (o *oauth1Auth) client(ctx context.Context) (*http.Client, string, error) {
	base := o.a.http
	// The signature is made per request, under the signing transport: the
	// scrubber learns it there.
	under := &http.Client{Transport: &signatureCatcher{base: base.Transport, s: o.s}}
	signed := o.cfg.Client(context.WithValue(ctx, oauth1.HTTPClient, under), o.tok)
	return &http.Client{Transport: signed.Transport, Timeout: base.Timeout, CheckRedirect: base.CheckRedirect, Jar: base.Jar}, "", nil
}

func (o *oauth1Auth) canRefresh() bool                      { return false }
func (o *oauth1Auth) refresh(context.Context, string) error { return nil }
func (o *oauth1Auth) scrub() *scrubber                      { return o.s }

// oauth2Auth sends an OAuth 2.0 user access token, renewed with the
// rotating refresh token.
type oauth2Auth struct {
	a    *Adapter
	acct *pregonero.Account
	s    *scrubber
}

func (o *oauth2Auth) client(ctx context.Context) (*http.Client, string, error) {
	tok, err := o.a.accessToken(ctx, o.acct, "", o.s)
	if err != nil {
		return nil, "", err
	}
	base := o.a.http
	t := &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok, TokenType: "Bearer"}), Base: base.Transport}
	return &http.Client{Transport: t, Timeout: base.Timeout, CheckRedirect: base.CheckRedirect, Jar: base.Jar}, tok, nil
}

func (o *oauth2Auth) canRefresh() bool { return true }

func (o *oauth2Auth) refresh(ctx context.Context, refused string) error {
	_, err := o.a.accessToken(ctx, o.acct, refused, o.s)
	return err
}

func (o *oauth2Auth) scrub() *scrubber { return o.s }

// accessToken returns a usable OAuth 2.0 access token for the account,
// renewing it when it is expired or is the one X just refused. Renewals of
// one account are serialized: X refresh tokens are single-use, and a
// second refresh with the same one would revoke the whole grant. sc
// learns the tokens read and issued.
func (a *Adapter) accessToken(ctx context.Context, acct *pregonero.Account, refused string, sc *scrubber) (string, error) {
	st := a.state(acct.ID)
	st.tokenMu.Lock()
	defer st.tokenMu.Unlock()

	if st.unsaved != nil {
		// A token issued earlier could not be stored; the refresh token it
		// replaced is already spent, so storing it is the only way on.
		if st.unsaved[CredConfigFingerprint] == fingerprint(acct.Credentials) {
			if err := a.creds.PutCredentials(ctx, acct.ID, st.unsaved); err != nil {
				return "", storeFailed(err)
			}
		}
		st.unsaved = nil
	}
	creds, err := a.credentials(ctx, acct)
	if err != nil {
		return "", err
	}
	addCreds(sc, creds)
	access := creds[CredAccessToken]
	if access != "" && access != refused {
		expiry, _ := time.Parse(time.RFC3339, creds[CredExpiry])
		if expiry.IsZero() || a.now().Before(expiry.Add(-tokenEarlyExpiry)) {
			return access, nil
		}
	}
	return a.refreshToken(ctx, acct, creds, sc)
}

// refreshToken renews the access token and stores the new tokens before
// returning them: once X has answered, the old refresh token is spent.
func (a *Adapter) refreshToken(ctx context.Context, acct *pregonero.Account, creds map[string]string, sc *scrubber) (string, error) {
	rt := creds[CredRefreshToken]
	if rt == "" {
		return "", &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_token_expired",
			Message: fmt.Sprintf("The X access token of account %s expired or was refused and there is no refresh token; re-authorize the account with the offline.access scope.", acct.ID)}
	}
	if creds[CredClientID] == "" {
		return "", noCredentials(acct, "the OAuth 2.0 token cannot be renewed without client_id")
	}
	conf := &oauth2.Config{
		ClientID:     creds[CredClientID],
		ClientSecret: creds[CredClientSecret],
		Endpoint: oauth2.Endpoint{
			TokenURL: strings.TrimRight(endpointOf(acct), "/") + "/2/oauth2/token",
			// Confidential clients authenticate with HTTP Basic; X answers
			// "Missing valid authorization header" otherwise.
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
	if conf.ClientSecret == "" {
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, a.http)
	tok, err := conf.TokenSource(hctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		// The token endpoint's body is in the error's text.
		return "", sc.Err(a.refreshError(acct, err))
	}
	sc.Add(tok.AccessToken, tok.RefreshToken)
	if tok.AccessToken == "" {
		return "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_refresh_failed",
			Message: "X answered the token refresh without an access token; nothing was posted and it will be retried."}
	}
	next := map[string]string{
		CredAccessToken:       tok.AccessToken,
		CredRefreshToken:      rt,
		CredConfigFingerprint: fingerprint(acct.Credentials),
	}
	if tok.RefreshToken != "" {
		next[CredRefreshToken] = tok.RefreshToken
	}
	switch {
	case tok.ExpiresIn > 0:
		next[CredExpiry] = a.now().Add(time.Duration(tok.ExpiresIn) * time.Second).UTC().Format(time.RFC3339)
	case !tok.Expiry.IsZero():
		next[CredExpiry] = tok.Expiry.UTC().Format(time.RFC3339)
	}
	if err := a.creds.PutCredentials(ctx, acct.ID, next); err != nil {
		a.state(acct.ID).unsaved = next
		return "", storeFailed(err)
	}
	a.log.Info("x access token renewed", pregonero.LogAccount, acct.ID, pregonero.LogExpiry, next[CredExpiry])
	return tok.AccessToken, nil
}

func storeFailed(err error) error {
	return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_credentials_unsaved",
		Message: "A renewed X token could not be stored; nothing was posted and storing it will be retried before any send.",
		Err:     fmt.Errorf("store credentials: %w", err)}
}

// refreshError classifies a failed token renewal. Nothing was posted.
func (a *Adapter) refreshError(acct *pregonero.Account, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_network",
			Message: fmt.Sprintf("Could not reach X at %s to renew the access token; nothing was posted and it will be retried.", endpointOf(acct)),
			Err:     fmt.Errorf("refresh token: %w", err)}
	}
	status, header, netMsg := tokenAnswer(re)
	pe := &pregonero.PublishError{NetworkMessage: netMsg, HTTPStatus: status, Err: fmt.Errorf("refresh token: %w", err)}
	switch {
	case re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_request" || re.ErrorCode == "invalid_client" ||
		re.ErrorCode == "unauthorized_client" || status == http.StatusBadRequest || status == http.StatusUnauthorized:
		pe.Class, pe.Code = pregonero.ClassNeedsReauth, "x_refresh_failed"
		pe.Message = fmt.Sprintf("X refused to renew the access token of account %s (the refresh token was revoked, expired or already used); re-authorize the account in X and update its credentials.", acct.ID)
	case status == http.StatusTooManyRequests:
		pe.Class, pe.Code = pregonero.ClassRateLimited, "x_rate_limited"
		pe.NotBefore = a.rateLimitReset(header)
		pe.Message = fmt.Sprintf("X rate limit reached while renewing the token of account %s; it will be retried after %s.", acct.ID, pe.NotBefore.Format(time.RFC3339))
	default:
		pe.Class, pe.Code = pregonero.ClassRetryable, "x_refresh_failed"
		pe.Message = fmt.Sprintf("X could not renew the access token (status %d); nothing was posted and it will be retried.", status)
	}
	return pe
}

// tokenAnswer is what a refused token request said: its HTTP status and
// headers, and the network's words (error_description, else error, else
// the body).
func tokenAnswer(re *oauth2.RetrieveError) (status int, header http.Header, msg string) {
	if re.Response != nil {
		status, header = re.Response.StatusCode, re.Response.Header
	}
	msg = re.ErrorDescription
	if msg == "" {
		msg = re.ErrorCode
	}
	if msg == "" {
		msg = strings.TrimSpace(string(re.Body))
	}
	return status, header, msg
}

package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"pregonero"
)

var _ pregonero.Connector = (*Adapter)(nil)

// DefaultAuthBase is where X's consent screen is (https://x.com/i/oauth2/authorize),
// for apps that name no AuthBase. X's OpenAPI spec names
// api.x.com/2/oauth2/authorize instead; the documented one, and the one
// golang.org/x/oauth2/endpoints.X uses, is x.com's.
const DefaultAuthBase = "https://x.com"

// connectScopes are the OAuth 2.0 scopes an account connected through X's
// consent screen needs: posts are created with tweet.write (X's spec asks
// tweet.read and users.read beside it), media uploaded with media.write,
// and offline.access brings the refresh token that keeps the account
// connected beyond the access token's two hours.
var connectScopes = []string{"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"}

// AuthorizeURL is X's consent screen asking for the scopes the adapter
// needs, with the flow's state and PKCE S256 challenge, which X requires.
func (a *Adapter) AuthorizeURL(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
	var fields []pregonero.FieldError
	need := func(field, value, msg string) {
		if value == "" {
			fields = append(fields, pregonero.FieldError{Target: string(pregonero.NetworkX), Field: field, Code: pregonero.FieldRequired, Message: msg})
		}
	}
	need("client_id", app.ClientID, "The X app's OAuth 2.0 client id is missing.")
	need("redirect_uri", req.RedirectURI, "The callback address (redirect_uri) is missing.")
	need("state", req.State, "The flow's state is missing.")
	need("code_challenge", req.CodeChallenge, "X requires PKCE: the S256 code challenge is missing.")
	if len(req.State) > 500 {
		fields = append(fields, pregonero.FieldError{Target: string(pregonero.NetworkX), Field: "state", Code: pregonero.FieldTooLong,
			Limit: 500, Actual: len(req.State), Message: "X takes a state of up to 500 characters."})
	}
	if len(fields) > 0 {
		return "", pregonero.Invalid(fields)
	}
	base := strings.TrimRight(app.AuthBase, "/")
	if base == "" {
		base = DefaultAuthBase
	}
	// In the order of X's documented example; spaces as %20, as there.
	params := []struct{ k, v string }{
		{"response_type", "code"},
		{"client_id", app.ClientID},
		{"redirect_uri", req.RedirectURI},
		{"scope", strings.Join(connectScopes, " ")},
		{"state", req.State},
		{"code_challenge", req.CodeChallenge},
		{"code_challenge_method", "S256"},
	}
	var q strings.Builder
	for i, p := range params {
		if i > 0 {
			q.WriteByte('&')
		}
		q.WriteString(p.k)
		q.WriteByte('=')
		q.WriteString(strings.ReplaceAll(url.QueryEscape(p.v), "+", "%20"))
	}
	return base + "/i/oauth2/authorize?" + q.String(), nil
}

// Connect exchanges the code at POST /2/oauth2/token (a confidential
// client, one with a secret, authenticates with HTTP Basic; a public one
// names itself with client_id in the form) and reads the user with GET
// /2/users/me. The one candidate carries the OAuth 2.0 credentials the
// adapter publishes with: client_id, client_secret (confidential clients
// only), access_token, refresh_token (when offline.access was granted)
// and expiry. Errors are *pregonero.PublishError: ClassNeedsReauth when X
// refused the code (used, expired, for another callback or verifier: the
// person has to go through the consent screen again), ClassPermanent when
// X refused the app's client credentials, ClassRateLimited or
// ClassRetryable when asking again later may work.
func (a *Adapter) Connect(ctx context.Context, app pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	if app.ClientID == "" || req.Code == "" {
		return nil, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_connect_invalid",
			Message: "Connecting an X account needs the app's client id and the code X sent back to the callback."}
	}
	endpoint := strings.TrimRight(app.Endpoint, "/")
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	sc := &scrubber{}
	sc.Add(app.ClientSecret, req.Code, req.CodeVerifier)
	sc.AddBasic(app.ClientID, app.ClientSecret)
	conf := &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		RedirectURL:  req.RedirectURI,
		Endpoint:     oauth2.Endpoint{TokenURL: endpoint + "/2/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	if app.ClientSecret == "" {
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	issued := a.now()
	tok, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, a.http), req.Code, oauth2.VerifierOption(req.CodeVerifier))
	if err != nil {
		return nil, sc.Err(a.exchangeError(endpoint, err))
	}
	sc.Add(tok.AccessToken, tok.RefreshToken)
	if tok.AccessToken == "" {
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_connect_failed",
			Message: "X answered the code exchange without an access token; connect the account again."}
	}
	scope, _ := tok.Extra("scope").(string)
	grant := &pregonero.ConnectGrant{Granted: strings.Fields(scope)}
	for _, s := range connectScopes {
		if !slices.Contains(grant.Granted, s) {
			grant.Missing = append(grant.Missing, s)
		}
	}

	u, err := a.connectUser(ctx, endpoint, tok.AccessToken, sc)
	if err != nil {
		return nil, sc.Err(err)
	}
	creds := map[string]string{CredClientID: app.ClientID, CredAccessToken: tok.AccessToken}
	if app.ClientSecret != "" {
		creds[CredClientSecret] = app.ClientSecret
	}
	if tok.RefreshToken != "" {
		creds[CredRefreshToken] = tok.RefreshToken
	}
	switch {
	case tok.ExpiresIn > 0:
		creds[CredExpiry] = issued.Add(time.Duration(tok.ExpiresIn) * time.Second).UTC().Format(time.RFC3339)
	case !tok.Expiry.IsZero():
		creds[CredExpiry] = tok.Expiry.UTC().Format(time.RFC3339)
	}
	grant.Candidates = []pregonero.ConnectCandidate{{
		Network:     pregonero.NetworkX,
		RemoteID:    u.ID,
		Name:        u.Name,
		Handle:      "@" + u.Username,
		AvatarURL:   u.ProfileImageURL,
		Missing:     slices.Clone(grant.Missing),
		Credentials: creds,
		Endpoint:    app.Endpoint,
	}}
	return grant, nil
}

// connectUserFields are what a candidate shows of the user.
const connectUserFields = "profile_image_url,username,name"

type connectedUser struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Username        string `json:"username"`
	ProfileImageURL string `json:"profile_image_url"`
}

// connectUser reads the user a new access token acts for.
func (a *Adapter) connectUser(ctx context.Context, endpoint, token string, sc *scrubber) (connectedUser, error) {
	u := endpoint + "/2/users/me?user.fields=" + url.QueryEscape(connectUserFields)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return connectedUser{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_bad_endpoint",
			Message: fmt.Sprintf("The X endpoint %q of the app is not a valid URL; fix the configuration.", endpoint),
			Err:     fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return connectedUser{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_network",
			Message: fmt.Sprintf("Could not reach X at %s to read the connected user; connect the account again.", endpoint),
			Err:     fmt.Errorf("look up x user: %w", err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return connectedUser{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_network",
			Message: "The connection to X broke while reading the connected user; connect the account again.",
			Err:     fmt.Errorf("look up x user: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		netMsg := networkMessage(&response{status: resp.StatusCode, header: resp.Header, body: body, scrub: sc})
		pe := &pregonero.PublishError{HTTPStatus: resp.StatusCode, NetworkMessage: netMsg,
			Err: fmt.Errorf("look up x user: http %d: %s", resp.StatusCode, netMsg)}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			pe.Class, pe.Code = pregonero.ClassRateLimited, "x_rate_limited"
			pe.NotBefore = a.rateLimitReset(resp.Header)
			pe.Message = fmt.Sprintf("X rate limit reached while reading the connected user; connect the account again after %s.", pe.NotBefore.UTC().Format(time.RFC3339))
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			pe.Class, pe.Code = pregonero.ClassNeedsReauth, "x_connect_refused"
			pe.Message = "X refused the new access token when reading the connected user (were tweet.read and users.read granted?); connect the account again."
		case resp.StatusCode >= 500:
			pe.Class, pe.Code = pregonero.ClassRetryable, "x_server_error"
			pe.Message = fmt.Sprintf("X answered %d while reading the connected user; connect the account again in a moment.", resp.StatusCode)
		default:
			pe.Class, pe.Code = pregonero.ClassPermanent, "x_connect_failed"
			pe.Message = fmt.Sprintf("X refused to read the connected user with %d: %s", resp.StatusCode, netMsg)
		}
		return connectedUser{}, pe
	}
	var out struct {
		Data connectedUser `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Data.ID == "" || out.Data.Username == "" {
		if err == nil {
			err = errors.New("no data.id or data.username")
		}
		return connectedUser{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_malformed_response",
			Message: "X's answer about the connected user could not be read; connect the account again.", HTTPStatus: resp.StatusCode,
			Err: fmt.Errorf("look up x user: decode answer: %w", err)}
	}
	return out.Data, nil
}

// exchangeError classifies a failed code exchange.
func (a *Adapter) exchangeError(endpoint string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_network",
			Message: fmt.Sprintf("Could not reach X at %s to exchange the authorization code; connect the account again.", endpoint),
			Err:     fmt.Errorf("exchange code: %w", err)}
	}
	status, header, netMsg := tokenAnswer(re)
	pe := &pregonero.PublishError{NetworkMessage: netMsg, HTTPStatus: status, Err: fmt.Errorf("exchange code: %w", err)}
	switch {
	case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" || status == http.StatusUnauthorized:
		pe.Class, pe.Code = pregonero.ClassPermanent, "x_client_refused"
		pe.Message = "X refused the app's OAuth 2.0 client credentials (client id, or client secret of a confidential client); check the X app configuration."
	case re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_request" || status == http.StatusBadRequest:
		// X answers invalid_request to a code that is unknown, used,
		// expired (30 seconds), or given with another callback or PKCE
		// verifier.
		pe.Class, pe.Code = pregonero.ClassNeedsReauth, "x_code_refused"
		pe.Message = "X refused the authorization code: it was already used, expired, or does not match this callback or PKCE verifier. Connect the account again."
	case status == http.StatusTooManyRequests:
		pe.Class, pe.Code = pregonero.ClassRateLimited, "x_rate_limited"
		pe.NotBefore = a.rateLimitReset(header)
		pe.Message = fmt.Sprintf("X rate limit reached while exchanging the authorization code; connect the account again after %s.", pe.NotBefore.UTC().Format(time.RFC3339))
	default:
		pe.Class, pe.Code = pregonero.ClassRetryable, "x_connect_failed"
		pe.Message = fmt.Sprintf("X could not exchange the authorization code (status %d); connect the account again in a moment.", status)
	}
	return pe
}

package youtube

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"
	yt "google.golang.org/api/youtube/v3"

	"pregonero"
)

var _ pregonero.Connector = (*Adapter)(nil)

// DefaultAuthBase is the base URL of Google's consent screen, used when
// an OAuthApp names none.
const DefaultAuthBase = "https://accounts.google.com"

// AuthorizePath is the path of Google's OAuth 2.0 authorization endpoint
// for web server applications under the AuthBase.
const AuthorizePath = "/o/oauth2/v2/auth"

// AnalyticsScope lets the connected channel's YouTube Analytics reports
// be read.
const AnalyticsScope = "https://www.googleapis.com/auth/yt-analytics.readonly"

// ConnectScopes are the scopes a connection asks for: Scope, which every
// call of the adapter needs, and AnalyticsScope.
var ConnectScopes = []string{Scope, AnalyticsScope}

// AuthorizeURL implements pregonero.Connector: Google's consent screen
// for a web server application, asking for ConnectScopes with offline
// access (a refresh token), the consent screen shown even to a person who
// authorized the client before (prompt=consent: otherwise Google hands no
// new refresh token), the scopes granted earlier kept
// (include_granted_scopes=true) and PKCE S256.
func (a *Adapter) AuthorizeURL(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
	var fields []pregonero.FieldError
	need := func(field, value string) {
		if strings.TrimSpace(value) == "" {
			fields = append(fields, pregonero.FieldError{Field: field, Code: pregonero.FieldRequired,
				Message: "A YouTube connection needs " + field + "."})
		}
	}
	need("client_id", app.ClientID)
	need("redirect_uri", req.RedirectURI)
	need("state", req.State)
	need("code_challenge", req.CodeChallenge)
	base := strings.TrimRight(strings.TrimSpace(app.AuthBase), "/")
	if base == "" {
		base = DefaultAuthBase
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fields = append(fields, pregonero.FieldError{Field: "auth_base", Code: pregonero.FieldInvalid, Actual: base,
			Message: "The base URL of Google's consent screen must be an absolute http(s) URL."})
	}
	if len(fields) > 0 {
		return "", pregonero.Invalid(fields)
	}
	q := url.Values{
		"client_id":              {app.ClientID},
		"redirect_uri":           {req.RedirectURI},
		"response_type":          {"code"},
		"scope":                  {strings.Join(ConnectScopes, " ")},
		"access_type":            {"offline"},
		"prompt":                 {"consent"},
		"include_granted_scopes": {"true"},
		"state":                  {req.State},
		"code_challenge":         {req.CodeChallenge},
		"code_challenge_method":  {"S256"},
	}
	return base + AuthorizePath + "?" + q.Encode(), nil
}

// Connect implements pregonero.Connector. It exchanges the code at the
// token endpoint the adapter renews tokens at (Google's, or
// {Endpoint}/token), with the PKCE verifier, and asks YouTube for the
// channel the grant acts for (channels.list part=snippet mine=true, one
// unit of the project's day). Each channel is a candidate whose
// credentials are the client and the refresh token.
//
// Granted is the scope Google says the grant holds (with granular
// consent a person may leave some unchecked); Missing those of
// ConnectScopes it lacks. A candidate's Missing is Scope when the grant
// allows none of the adapter's calls (it cannot publish until connected
// again); a missing AnalyticsScope does not stop publishing.
//
// Errors are *pregonero.Error: EINVALID when Google refuses the code
// (used, expired, another redirect URI or PKCE verifier) or the client,
// answers without a refresh token, grants no scope that lets the channel
// be read, or the Google account has no channel; ERATELIMITED when Google
// or the project's quota asks to wait; EUNAVAILABLE when Google could not
// be reached or failed.
func (a *Adapter) Connect(ctx context.Context, app pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	var fields []pregonero.FieldError
	for _, f := range []struct{ name, value string }{
		{"client_id", app.ClientID}, {"client_secret", app.ClientSecret},
		{"code", req.Code}, {"redirect_uri", req.RedirectURI}, {"code_verifier", req.CodeVerifier},
	} {
		if strings.TrimSpace(f.value) == "" {
			fields = append(fields, pregonero.FieldError{Field: f.name, Code: pregonero.FieldRequired,
				Message: "Connecting a YouTube channel needs " + f.name + "."})
		}
	}
	if len(fields) > 0 {
		return nil, pregonero.Invalid(fields)
	}
	acct := &pregonero.Account{Network: pregonero.NetworkYouTube, Endpoint: app.Endpoint}
	conf := &oauth2.Config{ClientID: app.ClientID, ClientSecret: app.ClientSecret,
		Endpoint: tokenEndpoint(acct), RedirectURL: req.RedirectURI, Scopes: ConnectScopes}
	sc := &scrubber{}
	addCreds(sc, map[string]string{CredClientID: app.ClientID, CredClientSecret: app.ClientSecret})
	sc.Add(req.Code, req.CodeVerifier)
	tok, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, a.http), req.Code, oauth2.VerifierOption(req.CodeVerifier))
	if err != nil {
		return nil, a.exchangeError(err, sc)
	}
	sc.Add(tok.AccessToken, tok.RefreshToken)
	scope, _ := tok.Extra("scope").(string)
	granted := strings.Fields(scope)
	if tok.RefreshToken == "" {
		return nil, pregonero.Errorf(pregonero.EINVALID,
			"Google answered the authorization without a refresh token, so Pregonero could not publish while nobody is signed in. "+
				"Google leaves it out when it skips its consent screen for an account that authorized the app before: "+
				"remove the app's access at https://myaccount.google.com/permissions and connect the channel again.")
	}
	grant := &pregonero.ConnectGrant{Granted: granted}
	if len(granted) > 0 {
		for _, s := range ConnectScopes {
			if !slices.Contains(granted, s) {
				grant.Missing = append(grant.Missing, s)
			}
		}
	}
	if len(granted) > 0 && !readsChannel(granted) {
		return nil, pregonero.Errorf(pregonero.EINVALID,
			"The consent did not grant access to the YouTube channel (%s); connect again and leave that permission checked. Granted: %s.",
			Scope, strings.Join(granted, " "))
	}
	channels, err := a.mineChannels(ctx, acct, app, tok, sc)
	if err != nil {
		return nil, err
	}
	if len(channels) == 0 {
		return nil, pregonero.Errorf(pregonero.EINVALID,
			"The Google account that gave its consent has no YouTube channel: create the channel, or connect again with the account (or brand account) that owns it.")
	}
	var missing []string
	if len(granted) > 0 && !sufficient(granted) {
		missing = []string{Scope}
	}
	for _, ch := range channels {
		c := pregonero.ConnectCandidate{Network: pregonero.NetworkYouTube, RemoteID: ch.Id, Endpoint: app.Endpoint,
			Missing: slices.Clone(missing),
			Credentials: map[string]string{
				CredClientID: app.ClientID, CredClientSecret: app.ClientSecret, CredRefreshToken: tok.RefreshToken,
			}}
		if sn := ch.Snippet; sn != nil {
			c.Name, c.Handle, c.AvatarURL = sn.Title, sn.CustomUrl, avatar(sn.Thumbnails)
		}
		if c.Name == "" {
			c.Name = ch.Id
		}
		grant.Candidates = append(grant.Candidates, c)
	}
	return grant, nil
}

// readsChannel reports whether granted scopes let channels.list mine be
// called (the discovery document's scopes of youtube.channels.list).
func readsChannel(granted []string) bool {
	for _, g := range granted {
		if slices.Contains([]string{yt.YoutubeScope, yt.YoutubeForceSslScope, yt.YoutubeReadonlyScope,
			yt.YoutubepartnerScope, yt.YoutubepartnerChannelAuditScope}, g) {
			return true
		}
	}
	return false
}

// avatar is the URL of a channel's profile picture: its default
// thumbnail, or a larger one when that is missing.
func avatar(t *yt.ThumbnailDetails) string {
	if t == nil {
		return ""
	}
	for _, th := range []*yt.Thumbnail{t.Default, t.Medium, t.High} {
		if th != nil && th.Url != "" {
			return th.Url
		}
	}
	return ""
}

// mineChannels asks YouTube for the channels the new token acts for,
// counted against the client's project like any other call.
func (a *Adapter) mineChannels(ctx context.Context, acct *pregonero.Account, app pregonero.OAuthApp, tok *oauth2.Token, sc *scrubber) ([]*yt.Channel, error) {
	// The token is fresh and used at once: it is never renewed (no
	// expiry), and a refusal is not cured by renewing it (renewed).
	src := &tokenSource{a: a, acct: acct, ctx: ctx, scrub: sc,
		tok: &oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"}, renewed: true}
	s := &session{a: a, acct: acct, project: app.ClientID, src: src, scrub: sc}
	var out []*yt.Channel
	err := s.call(ctx, "list the channels of the new authorization", a.quota.ListCost, func(svc *yt.Service) error {
		resp, err := svc.Channels.List([]string{"snippet"}).Mine(true).Context(ctx).Do()
		if err != nil {
			return err
		}
		for _, it := range resp.Items {
			if it != nil && it.Id != "" {
				out = append(out, it)
			}
		}
		return nil
	})
	if err != nil {
		return nil, connectError(pregonero.AsPublishError(err))
	}
	return out, nil
}

// connectError turns the classified failure of a call with the new token
// into the error Connect answers.
func connectError(pe *pregonero.PublishError) error {
	said := ""
	if pe.NetworkMessage != "" {
		said = " YouTube said: " + pe.NetworkMessage
	}
	switch pe.Class {
	case pregonero.ClassRateLimited:
		return pregonero.Errorf(pregonero.ERATELIMITED, "YouTube asked to wait before reading the new channel: %s", pe.Message)
	case pregonero.ClassRetryable, pregonero.ClassUnknown:
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "YouTube could not be asked for the new channel; connect again in a moment.%s", said)
	}
	return pregonero.Errorf(pregonero.EINVALID, "YouTube refused to show the channel to the new authorization (%s); connect again.%s", pe.Code, said)
}

// exchangeError is what Connect answers when the token endpoint did not
// give tokens for the code.
func (a *Adapter) exchangeError(err error, sc *scrubber) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "Could not reach Google to exchange the authorization code: %s", sc.Text(err.Error()))
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	said := re.ErrorCode
	if re.ErrorDescription != "" {
		said += ": " + re.ErrorDescription
	}
	if said == "" {
		said = truncate(sc.Text(strings.TrimSpace(string(re.Body))), 300)
	}
	switch {
	case re.ErrorCode == "invalid_grant":
		return pregonero.Errorf(pregonero.EINVALID,
			"Google refused the authorization code (%s): it was already used, has expired, or does not match this connection's verifier. Connect again.", said)
	case re.ErrorCode == "redirect_uri_mismatch":
		return pregonero.Errorf(pregonero.EINVALID,
			"Google refused the authorization code (%s): the callback address differs from the one the consent was asked with. Connect again.", said)
	case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" || status == http.StatusUnauthorized:
		return pregonero.Errorf(pregonero.EINVALID,
			"Google refused the OAuth client (%s): check the client id and secret of the Google OAuth client in the configuration.", said)
	case status == http.StatusTooManyRequests:
		return pregonero.Errorf(pregonero.ERATELIMITED, "Google is throttling token requests (%s); connect again in a minute.", said)
	case status >= 500:
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "Google failed to exchange the authorization code (status %d, %s); connect again in a moment.", status, said)
	}
	return pregonero.Errorf(pregonero.EINVALID, "Google refused the authorization code (status %d, %s). Connect again.", status, said)
}

package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

// CredExpiresAt is the credential holding when an Instagram Login token
// expires (RFC 3339, UTC), from the expires_in Instagram answered with
// when it issued the token.
const CredExpiresAt = "expires_at"

const (
	// RefreshAhead is how long before it expires an Instagram Login
	// token is refreshed: the daily check has two weeks of tries.
	RefreshAhead = 15 * 24 * time.Hour
	// LongLivedTTL is the life of a long-lived Instagram Login token,
	// issued or refreshed, when Instagram's answer does not say.
	LongLivedTTL = 60 * 24 * time.Hour
	// minRefreshAge is how old a long-lived token must be for Instagram
	// to refresh it.
	minRefreshAge = 24 * time.Hour
)

var _ pregonero.Refresher = (*Adapter)(nil)

// RefreshCredentials implements pregonero.Refresher for accounts of
// Instagram Login, whose long-lived tokens expire after 60 days: a token
// that expires within RefreshAhead is exchanged for a new one with GET
// {endpoint}/refresh_access_token?grant_type=ig_refresh_token
// (graph.instagram.com unless the account names another endpoint), and
// the credentials come back with the new token and its CredExpiresAt. A
// token due is 45 days old, well past the day Instagram requires; one
// whose expiry is not known (connected before it was kept) is refreshed
// once its account was connected a day ago, which learns its expiry.
// Accounts of Facebook Login publish with Page tokens that do not
// expire: nothing is ever due for them, nor for an account without a
// token, which its check reports.
func (a *Adapter) RefreshCredentials(ctx context.Context, acct *pregonero.Account) (map[string]string, error) {
	if acct == nil {
		return nil, nil
	}
	token := strings.TrimSpace(acct.Credentials[graph.CredAccessToken])
	if l, err := login(acct); err != nil || l != LoginInstagram || token == "" {
		return nil, nil
	}
	now := a.now()
	expires, known := expiresAt(acct)
	switch {
	case known && expires.Sub(now) > RefreshAhead:
		return nil, nil
	case !known && (acct.ConnectedAt.IsZero() || now.Sub(acct.ConnectedAt) < minRefreshAge):
		return nil, nil
	}
	endpoint := strings.TrimRight(strings.TrimSpace(acct.Endpoint), "/")
	if endpoint == "" {
		endpoint = graph.InstagramEndpoint
	}
	q := url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {token}}
	tok, err := a.refresh(ctx, endpoint+"/refresh_access_token?"+q.Encode())
	if err != nil {
		err = graph.CheckError(network, graph.Classify(network, graph.OpRead, err, nil, now))
		var pe *pregonero.PublishError
		if errors.As(err, &pe) {
			refused := *pe
			refused.Code = "instagram_refresh_refused"
			refused.Message = "Instagram refused to refresh the account's access token: connect the account again."
			if known {
				verb := "expires"
				if !now.Before(expires) {
					verb = "expired"
				}
				refused.Message = fmt.Sprintf("Instagram refused to refresh the account's access token, which %s on %s UTC: connect the account again.",
					verb, expires.UTC().Format("2006-01-02 15:04"))
			}
			return nil, &refused
		}
		return nil, fmt.Errorf("refresh instagram token: %w", err)
	}
	creds := maps.Clone(acct.Credentials)
	creds[graph.CredAccessToken] = tok.AccessToken
	creds[CredExpiresAt] = expiry(now, tok.ExpiresIn)
	return creds, nil
}

// refresh sends the refresh request and reads the new token. Instagram's
// refusals come back as *fb.Error, as a Graph session's do, so that
// graph.Classify reads them.
func (a *Adapter) refresh(ctx context.Context, u string) (graph.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return graph.Token{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.cfg.Client().Do(req)
	if err != nil {
		return graph.Token{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return graph.Token{}, err
	}
	if oe := graph.ParseOAuthError(resp.StatusCode, raw); oe != nil {
		return graph.Token{}, &fb.Error{Code: oe.Code, ErrorSubcode: oe.Subcode, Type: oe.Type, Message: oe.Message}
	}
	var body struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if resp.StatusCode/100 != 2 || json.Unmarshal(raw, &body) != nil || strings.TrimSpace(body.AccessToken) == "" {
		return graph.Token{}, fmt.Errorf("instagram answered HTTP %d without a new access token", resp.StatusCode)
	}
	n, _ := strconv.ParseInt(body.ExpiresIn.String(), 10, 64)
	return graph.Token{AccessToken: body.AccessToken, ExpiresIn: n}, nil
}

// expiresAt reads the account's CredExpiresAt.
func expiresAt(acct *pregonero.Account) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(acct.Credentials[CredExpiresAt]))
	return t, err == nil
}

// expiry is CredExpiresAt of a long-lived token issued at now for
// expiresIn seconds (LongLivedTTL when Instagram did not say).
func expiry(now time.Time, expiresIn int64) string {
	ttl := time.Duration(expiresIn) * time.Second
	if expiresIn <= 0 {
		ttl = LongLivedTTL
	}
	return now.Add(ttl).UTC().Format(time.RFC3339)
}

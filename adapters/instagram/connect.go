package instagram

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"pregonero"
	"pregonero/adapters/graph"
)

// Permissions Instagram Login's consent asks for: the profile, content
// publishing and the media's insights.
const (
	PermBusinessBasic          = "instagram_business_basic"
	PermBusinessContentPublish = "instagram_business_content_publish"
	PermBusinessManageInsights = "instagram_business_manage_insights"
)

// LoginScopes are the permissions AuthorizeURL asks for.
var LoginScopes = []string{PermBusinessBasic, PermBusinessContentPublish, PermBusinessManageInsights}

// publishPerms are those without which the account cannot publish.
var publishPerms = []string{PermBusinessBasic, PermBusinessContentPublish}

var _ pregonero.Connector = (*Adapter)(nil)

// AuthorizeURL implements pregonero.Connector with Instagram Login
// (Business Login for Instagram), for professional accounts that are not
// linked to a Facebook Page: {AuthBase}/oauth/authorize (AuthBase
// graph.InstagramAuthBase by default) with the app's Instagram app id as
// client_id, the redirect_uri, response_type=code, LoginScopes and the
// state. Instagram accounts linked to a Page are connected through the
// Facebook adapter's Facebook Login for Business instead.
func (a *Adapter) AuthorizeURL(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
	if err := graph.CheckApp("Instagram", app, req.RedirectURI); err != nil {
		return "", err
	}
	if req.State == "" {
		return "", graph.InvalidField("state", "A consent request needs a state.")
	}
	base := strings.TrimRight(strings.TrimSpace(app.AuthBase), "/")
	if base == "" {
		base = graph.InstagramAuthBase
	}
	q := url.Values{}
	q.Set("client_id", app.ClientID)
	q.Set("redirect_uri", req.RedirectURI)
	q.Set("response_type", "code")
	q.Set("scope", strings.Join(LoginScopes, ","))
	q.Set("state", req.State)
	return base + "/oauth/authorize?" + q.Encode(), nil
}

// Connect implements pregonero.Connector with Instagram Login: the code
// is exchanged with POST {Endpoint}/oauth/access_token
// (graph.InstagramOAuthEndpoint by default), whose answer names the
// permissions granted; the short-lived token is exchanged for a
// long-lived one (60 days) with GET {Endpoint}/access_token
// (grant_type=ig_exchange_token; graph.InstagramEndpoint by default); and
// GET /me (user_id, username, name, profile_picture_url) names the one
// candidate, which publishes with the long-lived token and login
// "instagram" against graph.instagram.com (or the app's endpoint). The
// token's expiry is kept in CredExpiresAt, for RefreshCredentials.
func (a *Adapter) Connect(ctx context.Context, app pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	if err := graph.CheckApp("Instagram", app, req.RedirectURI); err != nil {
		return nil, err
	}
	if req.Code == "" {
		return nil, graph.InvalidField("code", "Instagram sent no authorization code.")
	}
	if strings.TrimSpace(app.ClientSecret) == "" {
		return nil, graph.InvalidField("client_secret", "The Instagram app has no secret; the code cannot be exchanged without it.")
	}
	endpoint := strings.TrimRight(strings.TrimSpace(app.Endpoint), "/")
	oauthBase, apiBase := endpoint, endpoint
	if endpoint == "" {
		oauthBase, apiBase = graph.InstagramOAuthEndpoint, graph.InstagramEndpoint
	}
	cc := a.cfg.NewConnectClient(network)
	var short struct {
		Data []shortToken `json:"data"`
		shortToken
	}
	// Instagram appends "#_" to the callback's address; a code copied
	// from a browser's address bar may still end with it.
	code := strings.TrimSuffix(req.Code, "#_")
	if err := cc.Do(ctx, http.MethodPost, oauthBase+"/oauth/access_token", url.Values{
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "grant_type": {"authorization_code"},
		"redirect_uri": {req.RedirectURI}, "code": {code},
	}, &short); err != nil {
		return nil, fmt.Errorf("exchange instagram code: %w", err)
	}
	st := short.shortToken
	if len(short.Data) > 0 {
		st = short.Data[0]
	}
	if st.AccessToken == "" {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "Instagram's token answer had no access token; try connecting again.")
	}
	long, err := cc.Token(ctx, http.MethodGet, apiBase+"/access_token", url.Values{
		"grant_type": {"ig_exchange_token"}, "client_secret": {app.ClientSecret}, "access_token": {st.AccessToken},
	})
	if err != nil {
		return nil, fmt.Errorf("exchange instagram token for a long-lived one: %w", err)
	}
	var me struct {
		UserID     json.Number `json:"user_id"`
		Username   string      `json:"username"`
		Name       string      `json:"name"`
		PictureURL string      `json:"profile_picture_url"`
	}
	if err := cc.Get(ctx, cc.GraphURL(apiBase, "/me"), url.Values{"fields": {"user_id,username,name,profile_picture_url"}}, long.AccessToken, "", &me); err != nil {
		return nil, fmt.Errorf("read instagram profile: %w", err)
	}
	id := me.UserID.String()
	if !graph.ValidNodeID(id) {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "Instagram's answer about the account had no usable user_id; try connecting again.")
	}
	granted := st.permissions()
	c := pregonero.ConnectCandidate{
		Network: pregonero.NetworkInstagram, RemoteID: id, Name: strings.TrimSpace(me.Name),
		AvatarURL: me.PictureURL, Missing: graph.Missing(publishPerms, granted),
		Credentials: map[string]string{graph.CredAccessToken: long.AccessToken, CredLogin: LoginInstagram,
			CredExpiresAt: expiry(a.now(), long.ExpiresIn)},
		Endpoint: endpoint,
	}
	if u := strings.TrimSpace(me.Username); usernameRE.MatchString(u) {
		c.Handle = "@" + u
	}
	if c.Name == "" {
		c.Name = c.Handle
	}
	if c.Name == "" {
		c.Name = "Instagram " + id
	}
	return &pregonero.ConnectGrant{Granted: granted, Missing: graph.Missing(LoginScopes, granted), Candidates: []pregonero.ConnectCandidate{c}}, nil
}

// shortToken is one entry of Instagram Login's code exchange answer; the
// permissions come as a comma-separated string or as a list.
type shortToken struct {
	AccessToken string          `json:"access_token"`
	UserID      json.Number     `json:"user_id"`
	Permissions json.RawMessage `json:"permissions"`
}

func (t shortToken) permissions() []string {
	var list []string
	if json.Unmarshal(t.Permissions, &list) != nil {
		var s string
		if json.Unmarshal(t.Permissions, &s) != nil {
			return nil
		}
		list = graph.ScopeList(s)
	}
	var out []string
	for _, p := range list {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

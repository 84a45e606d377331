package facebook

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"pregonero"
	"pregonero/adapters/graph"
)

// Permissions the Facebook Login for Business consent asks for: listing
// the person's Pages and publishing to them (videos included), reading
// their posts' counters and insights, and the same for the Instagram
// business accounts linked to them (Instagram API with Facebook Login).
const (
	PermPagesShowList           = "pages_show_list"
	PermPagesReadEngagement     = "pages_read_engagement"
	PermPagesManagePosts        = "pages_manage_posts"
	PermPublishVideo            = "publish_video"
	PermReadInsights            = "read_insights"
	PermBusinessManagement      = "business_management"
	PermInstagramBasic          = "instagram_basic"
	PermInstagramContentPublish = "instagram_content_publish"
	PermInstagramManageInsights = "instagram_manage_insights"
)

// LoginScopes are the permissions AuthorizeURL asks for.
var LoginScopes = []string{
	PermPagesShowList, PermPagesReadEngagement, PermPagesManagePosts, PermPublishVideo, PermReadInsights,
	PermBusinessManagement, PermInstagramBasic, PermInstagramContentPublish, PermInstagramManageInsights,
}

// Permissions without which a candidate cannot publish: a Page needs
// pages_manage_posts and pages_read_engagement (and publish_video for
// videos); an Instagram business account needs instagram_basic,
// instagram_content_publish and pages_read_engagement.
var (
	pagePublishPerms      = []string{PermPagesManagePosts, PermPagesReadEngagement, PermPublishVideo}
	instagramPublishPerms = []string{PermInstagramBasic, PermInstagramContentPublish, PermPagesReadEngagement}
)

// Page tasks: the person must be able to perform CREATE_CONTENT (or
// MANAGE) on a Page to publish on it or on the Instagram account linked
// to it.
const (
	TaskCreateContent = "CREATE_CONTENT"
	TaskManage        = "MANAGE"
)

// accountsFields are the fields read of each Page in /me/accounts.
const accountsFields = "id,name,access_token,tasks,picture{url},instagram_business_account{id,username,name,profile_picture_url}"

// maxAccountsPages caps the pages of /me/accounts read (100 Pages each).
const maxAccountsPages = 50

var _ pregonero.Connector = (*Adapter)(nil)

// AuthorizeURL implements pregonero.Connector: Facebook Login for
// Business's dialog, {AuthBase}/{version}/dialog/oauth with the app's
// client_id, the redirect_uri, the state, response_type=code and
// LoginScopes as scope, plus config_id when Config.LoginConfigID names
// the app's Facebook Login for Business configuration (which then decides
// the permissions asked).
func (a *Adapter) AuthorizeURL(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
	if err := graph.CheckApp("Meta", app, req.RedirectURI); err != nil {
		return "", err
	}
	if req.State == "" {
		return "", graph.InvalidField("state", "A consent request needs a state.")
	}
	base := strings.TrimRight(strings.TrimSpace(app.AuthBase), "/")
	if base == "" {
		base = graph.FacebookAuthBase
	}
	q := url.Values{}
	q.Set("client_id", app.ClientID)
	q.Set("redirect_uri", req.RedirectURI)
	q.Set("state", req.State)
	q.Set("response_type", "code")
	q.Set("scope", strings.Join(LoginScopes, ","))
	if a.loginConfig != "" {
		q.Set("config_id", a.loginConfig)
	}
	return base + "/" + a.g.GraphVersion() + "/dialog/oauth?" + q.Encode(), nil
}

// Connect implements pregonero.Connector: it exchanges the code at
// {Endpoint}/{version}/oauth/access_token, exchanges the user token for a
// long-lived one (grant_type=fb_exchange_token: the Page tokens read with
// it do not expire), reads the permissions granted (/me/permissions) and
// the person's Pages (/me/accounts, every page of the list) with their
// Page tokens, tasks, pictures and linked Instagram business accounts.
// Each Page is a candidate of network facebook and each linked Instagram
// account one of network instagram, both publishing with the Page's
// token and the app's id and secret. A candidate lacks (Missing) the
// publishing permissions that were not granted and CREATE_CONTENT when
// the person cannot create content on the Page.
func (a *Adapter) Connect(ctx context.Context, app pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	if err := graph.CheckApp("Meta", app, req.RedirectURI); err != nil {
		return nil, err
	}
	if req.Code == "" {
		return nil, graph.InvalidField("code", "Facebook sent no authorization code.")
	}
	if strings.TrimSpace(app.ClientSecret) == "" {
		return nil, graph.InvalidField("client_secret", "The Meta app has no secret; the code cannot be exchanged without it.")
	}
	cc := a.g.NewConnectClient(network)
	endpoint := strings.TrimRight(strings.TrimSpace(app.Endpoint), "/")
	tokenURL := cc.GraphURL(endpoint, "/oauth/access_token")
	short, err := cc.Token(ctx, http.MethodGet, tokenURL, url.Values{
		"client_id": {app.ClientID}, "redirect_uri": {req.RedirectURI},
		"client_secret": {app.ClientSecret}, "code": {req.Code},
	})
	if err != nil {
		return nil, fmt.Errorf("exchange facebook code: %w", err)
	}
	long, err := cc.Token(ctx, http.MethodGet, tokenURL, url.Values{
		"grant_type": {"fb_exchange_token"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "fb_exchange_token": {short.AccessToken},
	})
	if err != nil {
		return nil, fmt.Errorf("exchange facebook token for a long-lived one: %w", err)
	}
	granted, err := a.permissions(ctx, cc, endpoint, long.AccessToken, app.ClientSecret)
	if err != nil {
		return nil, err
	}
	pages, err := a.listPages(ctx, cc, endpoint, long.AccessToken, app.ClientSecret)
	if err != nil {
		return nil, err
	}
	g := &pregonero.ConnectGrant{Granted: granted, Missing: graph.Missing(LoginScopes, granted)}
	for _, p := range pages {
		g.Candidates = append(g.Candidates, p.candidates(app, endpoint, granted)...)
	}
	return g, nil
}

// permissions reads the permissions granted to the token.
func (a *Adapter) permissions(ctx context.Context, cc *graph.ConnectClient, endpoint, token, secret string) ([]string, error) {
	var body struct {
		Data []struct {
			Permission string `json:"permission"`
			Status     string `json:"status"`
		} `json:"data"`
	}
	if err := cc.Get(ctx, cc.GraphURL(endpoint, "/me/permissions"), nil, token, secret, &body); err != nil {
		return nil, fmt.Errorf("read facebook permissions: %w", err)
	}
	var granted []string
	for _, p := range body.Data {
		if p.Status == "granted" && p.Permission != "" && !slices.Contains(granted, p.Permission) {
			granted = append(granted, p.Permission)
		}
	}
	return granted, nil
}

// page is one entry of /me/accounts.
type page struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	AccessToken string   `json:"access_token"`
	Tasks       []string `json:"tasks"`
	Picture     struct {
		Data struct {
			URL string `json:"url"`
		} `json:"data"`
	} `json:"picture"`
	Instagram *struct {
		ID         string `json:"id"`
		Username   string `json:"username"`
		Name       string `json:"name"`
		PictureURL string `json:"profile_picture_url"`
	} `json:"instagram_business_account"`
}

// listPages reads every page of /me/accounts.
func (a *Adapter) listPages(ctx context.Context, cc *graph.ConnectClient, endpoint, token, secret string) ([]page, error) {
	u := cc.GraphURL(endpoint, "/me/accounts")
	params := url.Values{"fields": {accountsFields}, "limit": {"100"}}
	var out []page
	for range maxAccountsPages {
		var body struct {
			Data   []page `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := cc.Get(ctx, u, params, token, secret, &body); err != nil {
			return nil, fmt.Errorf("read facebook pages: %w", err)
		}
		for _, p := range body.Data {
			if !graph.ValidNodeID(p.ID) || p.AccessToken == "" {
				a.log.Warn("facebook page skipped: no usable id or page token", pregonero.LogPage, truncate(p.ID, 40))
				continue
			}
			out = append(out, p)
		}
		// An empty page may still link to more: only the absence of
		// paging.next ends the list.
		next, nextParams, ok := graph.NextPage(u, body.Paging.Next)
		if !ok {
			return out, nil
		}
		if nextParams.Get("fields") == "" {
			nextParams.Set("fields", accountsFields)
		}
		u, params = next, nextParams
	}
	return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "Facebook listed more than %d pages of Pages; the list was not read to its end.", maxAccountsPages)
}

// candidates are the Page and its linked Instagram business account.
func (p page) candidates(app pregonero.OAuthApp, endpoint string, granted []string) []pregonero.ConnectCandidate {
	var task []string
	if !slices.Contains(p.Tasks, TaskCreateContent) && !slices.Contains(p.Tasks, TaskManage) {
		task = []string{TaskCreateContent}
	}
	creds := map[string]string{
		graph.CredAccessToken: p.AccessToken,
		graph.CredAppID:       app.ClientID,
		graph.CredAppSecret:   app.ClientSecret,
	}
	name := strings.TrimSpace(p.Name)
	if name == "" {
		name = "Facebook Page " + p.ID
	}
	out := []pregonero.ConnectCandidate{{
		Network: pregonero.NetworkFacebook, RemoteID: p.ID, Name: name,
		AvatarURL: p.Picture.Data.URL, Missing: append(graph.Missing(pagePublishPerms, granted), task...),
		Credentials: creds, Endpoint: endpoint,
	}}
	ig := p.Instagram
	if ig == nil || !graph.ValidNodeID(ig.ID) {
		return out
	}
	igCreds := map[string]string{
		graph.CredAccessToken: p.AccessToken,
		graph.CredAppID:       app.ClientID,
		graph.CredAppSecret:   app.ClientSecret,
		graph.CredPageID:      p.ID,
	}
	igName := strings.TrimSpace(ig.Name)
	handle := ""
	if u := strings.TrimSpace(ig.Username); u != "" {
		handle = "@" + u
		if igName == "" {
			igName = handle
		}
	}
	if igName == "" {
		igName = "Instagram " + ig.ID
	}
	return append(out, pregonero.ConnectCandidate{
		Network: pregonero.NetworkInstagram, RemoteID: ig.ID, Name: igName, Handle: handle,
		AvatarURL: ig.PictureURL, Missing: append(graph.Missing(instagramPublishPerms, granted), task...),
		Credentials: igCreds, Endpoint: endpoint,
	})
}

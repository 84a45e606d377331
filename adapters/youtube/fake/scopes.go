package fake

import (
	"net/http"
	"slices"
	"strings"
)

// OAuth 2.0 scopes of the YouTube Data API v3 (discovery document,
// auth.oauth2.scopes).
const (
	ScopeYouTube             = "https://www.googleapis.com/auth/youtube"
	ScopeForceSSL            = "https://www.googleapis.com/auth/youtube.force-ssl"
	ScopeReadonly            = "https://www.googleapis.com/auth/youtube.readonly"
	ScopeUpload              = "https://www.googleapis.com/auth/youtube.upload"
	ScopePartner             = "https://www.googleapis.com/auth/youtubepartner"
	ScopePartnerChannelAudit = "https://www.googleapis.com/auth/youtubepartner-channel-audit"
	ScopeMembershipsCreator  = "https://www.googleapis.com/auth/youtube.channel-memberships.creator"
)

// OAuth 2.0 scopes of the YouTube Analytics API v2, which the consent
// screen grants as well.
const (
	ScopeAnalytics         = "https://www.googleapis.com/auth/yt-analytics.readonly"
	ScopeAnalyticsMonetary = "https://www.googleapis.com/auth/yt-analytics-monetary.readonly"
)

// DefaultScopes is the grant of a sandbox channel that Options.Scopes does
// not name: youtube.force-ssl, which every method the fake serves accepts.
var DefaultScopes = []string{ScopeForceSSL}

// Discovery ids of the methods the fake serves.
const (
	methodVideosInsert        = "youtube.videos.insert"
	methodVideosList          = "youtube.videos.list"
	methodVideosBatchGetStats = "youtube.videos.batchGetStats"
	methodVideosDelete        = "youtube.videos.delete"
	methodThumbnailsSet       = "youtube.thumbnails.set"
	methodChannelsList        = "youtube.channels.list"
	methodPlaylistItemsList   = "youtube.playlistItems.list"
	insufficientScopeMessage  = "Request had insufficient authentication scopes."
)

// methodScopes are the scopes each method accepts, any one of which
// authorizes a call, exactly as the discovery document lists them under
// resources.<resource>.methods.<method>.scopes (google.golang.org/api
// v0.312.0, youtube/v3/youtube-api.json, revision 20261104). Note that
// videos.delete takes neither youtube.upload nor youtube.readonly.
var methodScopes = map[string][]string{
	methodVideosInsert:        {ScopeYouTube, ScopeForceSSL, ScopeUpload, ScopePartner},
	methodVideosList:          {ScopeYouTube, ScopeForceSSL, ScopeReadonly, ScopePartner},
	methodVideosBatchGetStats: {ScopeYouTube, ScopeForceSSL, ScopeReadonly, ScopePartner},
	methodVideosDelete:        {ScopeYouTube, ScopeForceSSL, ScopePartner},
	methodThumbnailsSet:       {ScopeYouTube, ScopeForceSSL, ScopeUpload, ScopePartner},
	methodChannelsList:        {ScopeYouTube, ScopeForceSSL, ScopeReadonly, ScopePartner, ScopePartnerChannelAudit},
	methodPlaylistItemsList:   {ScopeYouTube, ScopeForceSSL, ScopeReadonly, ScopePartner},
}

// grant returns the scopes a sandbox channel's grant holds.
func (f *Fake) grant(channel string) []string {
	if s, ok := f.scopes[channel]; ok {
		return s
	}
	return DefaultScopes
}

// authorize refuses a call whose token holds none of the scopes its
// method accepts.
func authorize(method string, granted []string) *apiError {
	accepted := methodScopes[method]
	for _, s := range granted {
		if slices.Contains(accepted, s) {
			return nil
		}
	}
	return insufficientScope(accepted)
}

// insufficientScope is Google's answer to a token without a scope the
// method accepts: 403 with reason insufficientPermissions, the top-level
// message "Request had insufficient authentication scopes." and the item
// message "Insufficient Permission", status PERMISSION_DENIED, an
// ErrorInfo detail ACCESS_TOKEN_SCOPE_INSUFFICIENT, and a WWW-Authenticate
// header with error="insufficient_scope" (RFC 6750 §3.1) naming scopes.
// Which of the accepted scopes Google names in the header is not
// documented; the fake names them all.
func insufficientScope(accepted []string) *apiError {
	return &apiError{Status: http.StatusForbidden, Reason: "insufficientPermissions", Domain: "global",
		Message: insufficientScopeMessage, ItemMessage: "Insufficient Permission", Scopes: slices.Clone(accepted)}
}

// parseScopes splits a space-separated scope list, dropping empty items.
func parseScopes(s string) []string { return strings.Fields(s) }

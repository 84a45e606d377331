package pregonero

import "context"

// Where an account comes from (Account.Source).
const (
	// AccountFromConfig is an account described in config.yaml: imported
	// at start when the store has none of that id, and updated from the
	// file at each start while it stays a configured one.
	AccountFromConfig = "config"
	// AccountConnected is an account connected through the network's
	// consent flow from the web interface or the CLI: it lives in the
	// store with its sealed credentials, and config.yaml never overwrites
	// it.
	AccountConnected = "connected"
)

// OAuthApp is the network application an office registers to connect
// accounts: X's OAuth 2.0 client, Meta's app, Google's OAuth client.
type OAuthApp struct {
	ClientID     string
	ClientSecret string
	// AuthBase is the base URL of the network's consent screen
	// ("https://x.com", "https://www.facebook.com",
	// "https://accounts.google.com", or the sandbox); empty means the
	// network's real one.
	AuthBase string
	// Endpoint is the base URL of the network's API the code is exchanged
	// at and the candidates are read from (as Account.Endpoint); empty
	// means the network's real one.
	Endpoint string
}

// AuthorizeRequest is what a consent screen is opened with.
type AuthorizeRequest struct {
	// State is single-use and bound to the person's session; the network
	// sends it back to the callback as is.
	State string
	// RedirectURI is the callback: {public_url}/accounts/callback/{network}.
	RedirectURI string
	// CodeChallenge is the PKCE S256 challenge of the flow's verifier
	// (base64url of its SHA-256, no padding); used where the network
	// supports PKCE (X, Google).
	CodeChallenge string
}

// ExchangeRequest is what a consent screen sent back to the callback.
type ExchangeRequest struct {
	Code         string
	RedirectURI  string
	CodeVerifier string
}

// ConnectGrant is what one consent gave: the accounts it can connect.
type ConnectGrant struct {
	// Granted are the permissions (scopes) the person granted, as the
	// network names them; Missing those the connector needs and did not
	// get.
	Granted []string
	Missing []string
	// Candidates are the profiles the grant can publish as: the X user;
	// each Facebook Page and the Instagram business account linked to it;
	// the YouTube channel.
	Candidates []ConnectCandidate
}

// ConnectCandidate is one profile a grant can connect as an account.
type ConnectCandidate struct {
	Network Network `json:"network"`
	// RemoteID is the profile's id on the network (as Account.RemoteID):
	// it is how a renewal finds the account it renews.
	RemoteID  string `json:"remote_id"`
	Name      string `json:"name"`
	Handle    string `json:"handle,omitempty"` // "@gobantioquia"
	AvatarURL string `json:"avatar_url,omitempty"`
	// Missing are the permissions this profile still needs (a page whose
	// token lacks pages_manage_posts); a candidate with Missing cannot
	// publish until it is connected again with them.
	Missing []string `json:"missing,omitempty"`
	// Credentials are what the network's adapter publishes with (the keys
	// its Account.Credentials take); never serialized.
	Credentials map[string]string `json:"-"`
	// Endpoint and LinkBase are the Account fields for this profile
	// (the sandbox's, or empty for the real network).
	Endpoint string `json:"-"`
	LinkBase string `json:"-"`
}

// Connector is implemented by adapters whose accounts can be connected
// through the network's own consent flow (OAuth 2.0 authorization code).
type Connector interface {
	// AuthorizeURL is the address of the network's consent screen,
	// asking for the scopes the adapter needs.
	AuthorizeURL(app OAuthApp, req AuthorizeRequest) (string, error)
	// Connect exchanges the code for tokens and reads what they can
	// connect (long-lived tokens where the network has them). A code is
	// single-use: the network refuses it the second time.
	Connect(ctx context.Context, app OAuthApp, req ExchangeRequest) (*ConnectGrant, error)
}

// Refresher is implemented by adapters whose connected accounts publish
// with an access token that expires and that the network renews on
// request while it is still valid (Instagram Login's long-lived tokens:
// 60 days, renewable once a day old). RefreshCredentials renews the
// token when it is due and returns the account's new credentials, whole,
// to be stored in place of those it was connected with; nil when nothing
// was due. Its errors are as Checker's: a *PublishError of class
// ClassNeedsReauth when the network refused to renew the token (a person
// must connect the account again), any other error when the network
// could not be asked, which says nothing about the credentials.
type Refresher interface {
	RefreshCredentials(ctx context.Context, a *Account) (map[string]string, error)
}

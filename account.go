package pregonero

import "time"

// AccountStatus says whether an account's deliveries may go out.
type AccountStatus string

// Account statuses.
const (
	AccountActive      AccountStatus = "active"
	AccountNeedsReauth AccountStatus = "needs_reauth"
	AccountPaused      AccountStatus = "paused"
	// AccountDisconnected is an account whose credentials an admin
	// deleted: its history and posts stay, nothing is sent until it is
	// connected again.
	AccountDisconnected AccountStatus = "disconnected"
)

// Account is a connected profile on one network.
type Account struct {
	ID       string  `json:"id"` // slug, e.g. "x-gobantioquia"
	Network  Network `json:"network"`
	Name     string  `json:"name"`
	RemoteID string  `json:"remote_id,omitempty"` // X user id, page id, IG user id, channel id
	Unit     string  `json:"unit,omitempty"`      // dependencia
	// Endpoint is the base URL of the network API this account talks to
	// (the real API, the sandbox or a test fake).
	Endpoint string `json:"endpoint,omitempty"`
	// VideoEndpoint is the base URL Facebook video uploads go to when they
	// must not go to Endpoint (the legacy graph-video.facebook.com host, a
	// proxy); empty means Endpoint, where Meta now takes video uploads.
	VideoEndpoint string `json:"video_endpoint,omitempty"`
	// LinkBase is the base URL of the network's public web pages that the
	// links to live posts start with (the sandbox serves its own); empty
	// means the network's real site (https://x.com, https://www.facebook.com…).
	LinkBase     string        `json:"link_base,omitempty"`
	Status       AccountStatus `json:"status"`
	StatusReason string        `json:"status_reason,omitempty"`
	StatusSince  time.Time     `json:"status_since,omitzero"`
	// Credentials come from the configuration (secrets expanded from the
	// environment); they are never serialized to the API.
	Credentials map[string]string `json:"-"`
	// CredentialsHash fingerprints the configured credentials so that a
	// change of credentials can clear a needs_reauth status.
	CredentialsHash string    `json:"-"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`

	// Source is where the account comes from: AccountFromConfig (empty
	// in records older than connecting) or AccountConnected.
	Source string `json:"source,omitempty"`
	// Handle and AvatarURL are the profile's, as the network gave them
	// when it was connected.
	Handle    string `json:"handle,omitempty"`
	AvatarURL string `json:"avatar_url,omitempty"`
	// Scopes are the permissions granted when it was last connected;
	// MissingScopes those it needs and was not granted.
	Scopes        []string `json:"scopes,omitempty"`
	MissingScopes []string `json:"missing_scopes,omitempty"`
	// ConnectedAt and ConnectedBy say when and by whom (username) it was
	// last connected.
	ConnectedAt time.Time `json:"connected_at,omitzero"`
	ConnectedBy string    `json:"connected_by,omitempty"`
}

// PauseState is the global pause switch.
type PauseState struct {
	Paused bool      `json:"paused"`
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since,omitzero"`
	// By is the username of the person who paused; empty when the system
	// did (the server's token, the CLI).
	By string `json:"by,omitempty"`
}

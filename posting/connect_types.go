package posting

import (
	"time"

	"pregonero"
)

// A connection runs in three steps, each checked by the service (only
// admins connect, renew and disconnect accounts):
//
//	StartConnect(ctx, ConnectRequest) (*ConnectFlow, error)
//	    makes the flow: a single-use state bound to the acting user's
//	    session (ConnectRequest.Session), a PKCE verifier, and the URL of
//	    the network's consent screen (ConnectFlow.AuthorizeURL).
//	FinishConnect(ctx, network pregonero.Network, q ConnectCallback) (*ConnectFlow, error)
//	    takes the callback: refuses an unknown, used, expired or foreign
//	    state, a consent the person refused (q.Error), a network other than
//	    the flow's; exchanges the code and keeps the candidates in the
//	    flow (in memory, never written unsealed), Status ConnectChoosing.
//	ChooseAccounts(ctx, flowID string, picks []ConnectPick) ([]*pregonero.Account, error)
//	    creates the accounts picked, or, for a candidate whose network and
//	    remote id match an existing account (or the flow's Renew), renews
//	    it in place: new sealed credentials, status active, its history
//	    and queued posts kept (held deliveries released as a
//	    re-authorization does). Status ConnectDone.
//	ConnectFlowOf(ctx, flowID string) (*ConnectFlow, error)
//	    the flow as it stands, for the person who started it (the CLI
//	    polls it while the browser goes through the consent screen).
//	DisconnectAccount(ctx, accountID string) (*pregonero.Account, error)
//	    deletes the account's credentials and marks it disconnected; its
//	    history and posts stay.
//
// Errors: EINVALID with the field for bad input (network without an app
// configured: field "network"; a pick naming no candidate: "picks"; an
// account id taken by another profile: "account"), EFORBIDDEN for a
// non-admin or a flow of another session, ENOTFOUND for an unknown flow,
// ECONFLICT for a state already used.

// ConnectStatus is where a connection flow stands.
type ConnectStatus string

// Connection flow statuses.
const (
	// ConnectWaiting: sent to the consent screen, waiting for the
	// callback.
	ConnectWaiting ConnectStatus = "waiting"
	// ConnectChoosing: the network answered; the person picks accounts.
	ConnectChoosing ConnectStatus = "choosing"
	// ConnectDone: the accounts are created or renewed.
	ConnectDone ConnectStatus = "done"
	// ConnectFailed: refused consent, a refused code; Error says why.
	ConnectFailed ConnectStatus = "failed"
)

// ConnectRequest starts a connection.
type ConnectRequest struct {
	Network pregonero.Network `json:"network"`
	// Unit is the dependencia the new accounts are assigned to by default.
	Unit string `json:"unit,omitempty"`
	// Renew is the id of an account to connect again (reconectar): its
	// candidate renews it in place.
	Renew string `json:"renew,omitempty"`
	// Session binds the flow to the browser session (the session's id);
	// for an API token, the token's id. Set by the entry point, not read
	// from input.
	Session string `json:"-"`
}

// ConnectCallback is what the network sent to the callback.
type ConnectCallback struct {
	State string
	Code  string
	// Error and ErrorDescription are set when the person refused
	// ("access_denied") or the network failed the request.
	Error            string
	ErrorDescription string
	// Session is the session the callback came in (see ConnectRequest).
	Session string
}

// ConnectFlow is one connection in progress.
type ConnectFlow struct {
	ID           string            `json:"id"`
	Network      pregonero.Network `json:"network"`
	Status       ConnectStatus     `json:"status"`
	AuthorizeURL string            `json:"authorize_url"`
	Unit         string            `json:"unit,omitempty"`
	Renew        string            `json:"renew,omitempty"`
	// Granted and Missing are the permissions the network says were
	// granted, and those needed but not granted, once it answered.
	Granted    []string                     `json:"granted,omitempty"`
	Missing    []string                     `json:"missing,omitempty"`
	Candidates []pregonero.ConnectCandidate `json:"candidates,omitempty"`
	// Accounts are the ids of the accounts created or renewed.
	Accounts  []string  `json:"accounts,omitempty"`
	Error     string    `json:"error,omitempty"`
	By        string    `json:"by"`
	StartedAt time.Time `json:"started_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ConnectPick is one candidate the person chose.
type ConnectPick struct {
	// RemoteID names the candidate (with Network when a grant holds
	// candidates of two networks: a Facebook Page and its Instagram).
	Network  pregonero.Network `json:"network"`
	RemoteID string            `json:"remote_id"`
	// Account is the new account's id (a slug); empty makes one from the
	// network and the handle or name. Ignored on a renewal.
	Account string `json:"account,omitempty"`
	// Unit is the account's dependencia; empty takes the flow's.
	Unit string `json:"unit,omitempty"`
}

package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"

	"pregonero"
	"pregonero/posting"
)

// connectSession is the session a connection flow is bound to
// (posting.ConnectRequest.Session, posting.ConnectCallback.Session): for
// a request with an API token, posting.ConnectTokenSession and the
// token's id (the hex SHA-256 of the token, as a user's APIToken.ID; the
// server's token gets its own the same way); for a browser, the id of its
// session (the hex SHA-256 of the session cookie, as
// pregonero.Session.ID). Empty for a request with neither. Only the ids
// are used: a flow never holds a credential.
func connectSession(r *http.Request) string {
	if token, ok := bearer(r); ok {
		return posting.ConnectTokenSession + hashHex(token)
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return hashHex(c.Value)
	}
	return ""
}

// hashHex is the hex SHA-256 of a token: the id its record is kept under.
func hashHex(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ConnectStartRequest is the body of POST /api/v1/accounts/connect.
type ConnectStartRequest struct {
	Network pregonero.Network `json:"network"`
	// Unit is the dependencia the new accounts go to unless a pick says
	// otherwise.
	Unit string `json:"unit,omitempty"`
	// Renew is the id of an account to connect again in place.
	Renew string `json:"renew,omitempty"`
}

// ConnectChooseRequest is the body of POST
// /api/v1/accounts/connect/{flow}/accounts.
type ConnectChooseRequest struct {
	Picks []posting.ConnectPick `json:"picks"`
}

// ConnectedAccounts is the answer of POST
// /api/v1/accounts/connect/{flow}/accounts: the accounts created or
// renewed.
type ConnectedAccounts struct {
	Accounts []*pregonero.Account `json:"accounts"`
}

// handleStartConnect starts a connection bound to the caller's token and
// answers the flow with the address of the network's consent screen.
func (s *Server) handleStartConnect(w http.ResponseWriter, r *http.Request) error {
	var req ConnectStartRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	f, err := s.posts.StartConnect(r.Context(), posting.ConnectRequest{
		Network: req.Network,
		Unit:    req.Unit,
		Renew:   req.Renew,
		Session: connectSession(r),
	})
	if err != nil {
		return fmt.Errorf("start connect: %w", err)
	}
	w.Header().Set("Location", "/api/v1/accounts/connect/"+url.PathEscape(f.ID))
	writeJSON(w, http.StatusCreated, viewFlow(f))
	return nil
}

// handleConnectFlow answers a flow as it stands: the CLI polls it while
// the person goes through the consent screen.
func (s *Server) handleConnectFlow(w http.ResponseWriter, r *http.Request) error {
	f, err := s.posts.ConnectFlowOf(r.Context(), r.PathValue("flow"))
	if err != nil {
		return fmt.Errorf("connect flow: %w", err)
	}
	writeJSON(w, http.StatusOK, viewFlow(f))
	return nil
}

// handleChooseAccounts creates or renews the accounts picked among a
// flow's candidates.
func (s *Server) handleChooseAccounts(w http.ResponseWriter, r *http.Request) error {
	var req ConnectChooseRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	as, err := s.posts.ChooseAccounts(r.Context(), r.PathValue("flow"), req.Picks)
	if err != nil {
		return fmt.Errorf("choose accounts: %w", err)
	}
	out := ConnectedAccounts{Accounts: make([]*pregonero.Account, len(as))}
	for i, a := range as {
		out.Accounts[i] = viewAccount(a)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleDisconnectAccount deletes an account's credentials; its history
// and posts stay.
func (s *Server) handleDisconnectAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := s.posts.DisconnectAccount(r.Context(), r.PathValue("id"))
	if err != nil {
		return fmt.Errorf("disconnect account: %w", err)
	}
	writeJSON(w, http.StatusOK, viewAccount(a))
	return nil
}

// viewFlow is a copy of a flow with UTC instants.
func viewFlow(f *posting.ConnectFlow) *posting.ConnectFlow {
	c := *f
	c.StartedAt, c.ExpiresAt = utc(c.StartedAt), utc(c.ExpiresAt)
	return &c
}

// viewAccount is a copy of an account without its credentials, with UTC
// instants: the Account type does not serialize credentials, and this
// copy drops them besides.
func viewAccount(a *pregonero.Account) *pregonero.Account {
	c := *a
	c.Credentials, c.CredentialsHash = nil, ""
	c.StatusSince, c.UpdatedAt, c.ConnectedAt = utc(c.StatusSince), utc(c.UpdatedAt), utc(c.ConnectedAt)
	return &c
}

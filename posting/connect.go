package posting

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"pregonero"
)

// The connection of accounts through their networks' consent flows; the
// steps and their types are in connect_types.go.

// DefaultConnectTTL is how long a connection flow waits for the network's
// callback, and then for the person to choose the accounts.
const DefaultConnectTTL = 10 * time.Minute

// MaxConnectFlows bounds the connection flows held in memory at once.
const MaxConnectFlows = 1000

// ConnectTokenSession starts the Session of a flow started with an API
// token ("token:" and the token's id), as the CLI starts one. Its consent
// comes back in a browser that holds no token, so its callback is taken
// from any session: the state, unguessable and single-use, binds it, and
// only the user who started it sees its candidates and chooses.
const ConnectTokenSession = "token:"

// CallbackPath is the path, under the server's public URL, where a
// network's consent screen sends the person back.
func CallbackPath(n pregonero.Network) string { return "/accounts/callback/" + string(n) }

// exchangeTimeout bounds the code exchange and the reads after it: the
// code is spent once sent, so the flow must end in a known state even if
// the person's browser hangs up.
const exchangeTimeout = time.Minute

// ConnectConfig configures the connection of accounts.
type ConnectConfig struct {
	// Connectors are the adapters that connect accounts, by network
	// (Meta's serves facebook and instagram).
	Connectors map[pregonero.Network]pregonero.Connector
	// Apps are the network applications accounts are connected with, by
	// network; a network without one cannot be connected.
	Apps map[pregonero.Network]pregonero.OAuthApp
	// LinkBases are the bases of the networks' public pages for accounts
	// whose candidate gives none (the sandbox's own pages); empty means
	// the network's real site.
	LinkBases map[pregonero.Network]string
	// PublicURL is the server's address as browsers reach it: each
	// network's callback is PublicURL + CallbackPath(network).
	PublicURL string
	// TTL is how long a flow waits for its callback and then for the
	// choice (DefaultConnectTTL when zero).
	TTL time.Duration
}

// ConnectionStore is what connecting accounts needs from the store
// beyond pregonero.Store: the credentials an account was connected with,
// kept sealed apart from the tokens its adapter renews from them at run
// time. store.DB implements it.
type ConnectionStore interface {
	// ConnectedCredentials returns the credentials an account was
	// connected with; ENOTFOUND when it has none.
	ConnectedCredentials(ctx context.Context, accountID string) (map[string]string, error)
	// PutConnectedCredentials stores them and drops, in the same write,
	// the run-time secrets that grew from the ones they replace.
	PutConnectedCredentials(ctx context.Context, accountID string, creds map[string]string) error
	// DeleteCredentials deletes every secret stored for the account.
	DeleteCredentials(ctx context.Context, accountID string) error
}

// connections holds the flows in progress, in memory only: a restart
// forgets them, and the person starts again.
type connections struct {
	cfg   ConnectConfig
	store ConnectionStore // nil: the store keeps no connected credentials

	mu      sync.Mutex
	flows   map[string]*flowState // by flow id
	byState map[string]*flowState
}

// flowState is a flow with what never leaves the service: its state,
// PKCE verifier, session, and the candidates' credentials.
type flowState struct {
	flow       ConnectFlow
	state      string
	verifier   string
	session    string
	redirect   string
	app        pregonero.OAuthApp
	used       bool // the state came back once
	busy       bool // an exchange or a choice is under way
	candidates []pregonero.ConnectCandidate
	// forget is when the flow leaves memory: a while after it ended, so
	// that the CLI polling it learns how it ended.
	forget time.Time
}

func newConnections(cfg ConnectConfig, st pregonero.Store) *connections {
	c := &connections{
		cfg:     cfg,
		flows:   map[string]*flowState{},
		byState: map[string]*flowState{},
	}
	c.cfg.Connectors = maps.Clone(cfg.Connectors)
	c.cfg.Apps = maps.Clone(cfg.Apps)
	c.cfg.LinkBases = maps.Clone(cfg.LinkBases)
	c.cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if c.cfg.TTL <= 0 {
		c.cfg.TTL = DefaultConnectTTL
	}
	c.store, _ = st.(ConnectionStore)
	return c
}

// Connectable returns the networks whose accounts can be connected: a
// connector, an application and a store that keeps their credentials.
func (s *Service) Connectable() []pregonero.Network {
	var out []pregonero.Network
	for _, n := range pregonero.Networks {
		if s.conn.ready(n) == nil {
			out = append(out, n)
		}
	}
	return out
}

// ready says why a network cannot be connected, or nil.
func (c *connections) ready(n pregonero.Network) error {
	if !n.Valid() {
		return pregonero.Invalid([]pregonero.FieldError{{Field: "network", Code: pregonero.FieldInvalid, Actual: string(n),
			Message: fmt.Sprintf("%q is not a network; use x, facebook, instagram or youtube.", n)}})
	}
	_, hasApp := c.cfg.Apps[n]
	if c.cfg.Connectors[n] == nil || !hasApp {
		return pregonero.Invalid([]pregonero.FieldError{{Field: "network", Code: pregonero.FieldUnsupported, Actual: string(n),
			Message: fmt.Sprintf("%s accounts cannot be connected here: the server has no %s application configured (connect: in the configuration).", n.Title(), appName(n))}})
	}
	if c.store == nil {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store cannot keep the credentials of connected accounts.")
	}
	if c.cfg.PublicURL == "" {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "public_url is not configured: the network could not send the person back to this server.")
	}
	return nil
}

func appName(n pregonero.Network) string {
	switch n {
	case pregonero.NetworkFacebook, pregonero.NetworkInstagram:
		return "Meta app"
	case pregonero.NetworkYouTube:
		return "Google OAuth client"
	}
	return "X OAuth 2.0 client"
}

// mayConnect refuses anyone but an admin (or the system).
func mayConnect(ctx context.Context) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil || u.IsAdmin() {
		return nil
	}
	return pregonero.Errorf(pregonero.EFORBIDDEN, "Only an admin may connect, renew or disconnect accounts; %s is %s.", u.Username, u.Role)
}

// mayFollow refuses a user other than the one who started the flow; the
// system may follow every flow.
func mayFollow(ctx context.Context, f *flowState) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil || u.Username == f.flow.By {
		return nil
	}
	return pregonero.Errorf(pregonero.EFORBIDDEN, "Connection %s was started by someone else.", f.flow.ID)
}

// StartConnect starts a connection: a single-use state bound to
// req.Session, a PKCE verifier, and the address of the network's consent
// screen (ConnectFlow.AuthorizeURL). Only an admin may start one.
func (s *Service) StartConnect(ctx context.Context, req ConnectRequest) (*ConnectFlow, error) {
	if err := mayConnect(ctx); err != nil {
		return nil, err
	}
	if req.Session == "" {
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "session", Code: pregonero.FieldRequired,
			Message: "A connection must be started from a signed-in session or with an API token."}})
	}
	req.Unit, req.Renew = strings.TrimSpace(req.Unit), strings.TrimSpace(req.Renew)
	if req.Renew != "" {
		a, err := s.store.Account(ctx, req.Renew)
		if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
			return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "renew", Code: pregonero.FieldUnknown, Actual: req.Renew,
				Message: fmt.Sprintf("There is no account %s to connect again.", req.Renew)}})
		} else if err != nil {
			return nil, fmt.Errorf("start connect: %w", err)
		}
		if req.Network == "" {
			req.Network = a.Network
		}
		if req.Network != a.Network {
			return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "renew", Code: pregonero.FieldInvalid, Actual: req.Renew,
				Message: fmt.Sprintf("Account %s is a %s account, not %s.", a.ID, a.Network.Title(), req.Network.Title())}})
		}
	}
	c := s.conn
	if err := c.ready(req.Network); err != nil {
		return nil, err
	}
	f := &flowState{
		state:    randomToken(32),
		verifier: randomToken(32),
		session:  req.Session,
		redirect: c.cfg.PublicURL + CallbackPath(req.Network),
		app:      c.cfg.Apps[req.Network],
	}
	sum := sha256.Sum256([]byte(f.verifier))
	u, err := c.cfg.Connectors[req.Network].AuthorizeURL(f.app, pregonero.AuthorizeRequest{
		State: f.state, RedirectURI: f.redirect, CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]),
	})
	if err != nil {
		return nil, fmt.Errorf("start connect: consent address of %s: %w", req.Network, err)
	}
	now := s.now()
	f.flow = ConnectFlow{ID: "cf_" + randomToken(16), Network: req.Network, Status: ConnectWaiting, AuthorizeURL: u,
		Unit: req.Unit, Renew: req.Renew, StartedAt: now, ExpiresAt: now.Add(c.cfg.TTL)}
	if usr := pregonero.UserFromContext(ctx); usr != nil {
		f.flow.By = usr.Username
	}
	f.forget = f.flow.ExpiresAt.Add(c.cfg.TTL)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune(now)
	if len(c.flows) >= MaxConnectFlows {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "Too many connections are in progress; try again in a few minutes.")
	}
	c.flows[f.flow.ID] = f
	c.byState[f.state] = f
	s.logger.Info("connection started", pregonero.LogNetwork, string(req.Network), pregonero.LogAccount, req.Renew)
	return f.view(), nil
}

// FinishConnect takes the network's callback: it refuses an unknown or
// expired state (ENOTFOUND), one of another session (EFORBIDDEN), one
// already used (ECONFLICT) and a network other than the flow's (EINVALID,
// "network"), none of which change the flow. Otherwise the state is spent:
// a consent the person refused (q.Error) or a code the network refuses
// fails the flow (ConnectFailed, Error saying why) and is returned as an
// error; an accepted code leaves the flow choosing among the candidates,
// which are kept in memory only.
func (s *Service) FinishConnect(ctx context.Context, network pregonero.Network, q ConnectCallback) (*ConnectFlow, error) {
	if err := mayConnect(ctx); err != nil {
		return nil, err
	}
	c := s.conn
	now := s.now()
	c.mu.Lock()
	c.prune(now)
	f := c.byState[q.State]
	switch {
	case q.State == "" || f == nil:
		c.mu.Unlock()
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "No connection waits for this answer of %s: it expired or was never started here. Start again.", network.Title())
	case f.session != q.Session && !strings.HasPrefix(f.session, ConnectTokenSession):
		c.mu.Unlock()
		return nil, pregonero.Errorf(pregonero.EFORBIDDEN, "This answer of %s belongs to a connection started in another session.", network.Title())
	case network != f.flow.Network:
		c.mu.Unlock()
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "network", Code: pregonero.FieldInvalid, Actual: string(network),
			Message: fmt.Sprintf("Connection %s is with %s, not %s.", f.flow.ID, f.flow.Network.Title(), network.Title())}})
	case f.used:
		c.mu.Unlock()
		return nil, pregonero.Errorf(pregonero.ECONFLICT, "This answer of %s was already used; a connection takes one answer. Start again.", network.Title())
	case !now.Before(f.flow.ExpiresAt):
		c.mu.Unlock()
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "Connection %s expired: the answer came more than %s after it started. Start again.", f.flow.ID, c.cfg.TTL)
	}
	f.used, f.busy = true, true
	c.mu.Unlock()

	if q.Error != "" {
		msg := fmt.Sprintf("%s did not grant access (%s", network.Title(), q.Error)
		if q.ErrorDescription != "" {
			msg += ": " + q.ErrorDescription
		}
		msg += ")."
		if q.Error == "access_denied" {
			msg = fmt.Sprintf("The authorization was refused on %s: nothing was connected.", network.Title())
		}
		c.fail(f, now, msg)
		s.logger.Info("connection refused on the consent screen", pregonero.LogNetwork, string(network), pregonero.LogCode, q.Error)
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "consent", Code: pregonero.FieldInvalid, Actual: q.Error, Message: msg}})
	}
	if q.Code == "" {
		msg := fmt.Sprintf("%s sent no authorization code back: nothing was connected.", network.Title())
		c.fail(f, now, msg)
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "code", Code: pregonero.FieldRequired, Message: msg}})
	}
	xctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exchangeTimeout)
	defer cancel()
	grant, err := c.cfg.Connectors[network].Connect(xctx, f.app, pregonero.ExchangeRequest{Code: q.Code, RedirectURI: f.redirect, CodeVerifier: f.verifier})
	if err == nil && grant == nil {
		err = errors.New("the connector answered no grant")
	}
	if err != nil {
		msg := fmt.Sprintf("%s refused the authorization: %s", network.Title(), strings.TrimSuffix(connectMessage(err), "."))
		c.fail(f, s.now(), msg+".")
		s.logger.Warn("connection failed at the code exchange", pregonero.LogNetwork, string(network), pregonero.LogErr, err)
		code := pregonero.ErrorCode(err)
		if code == pregonero.EINTERNAL {
			code = pregonero.EUNAVAILABLE
		}
		return nil, &pregonero.Error{Code: code, Message: msg + ". Start again."}
	}
	var cands []pregonero.ConnectCandidate
	for _, cand := range grant.Candidates {
		if !cand.Network.Valid() || cand.RemoteID == "" || len(cand.Credentials) == 0 || s.conn.cfg.Connectors[cand.Network] == nil {
			s.logger.Warn("connection candidate left out: no network, id or credentials", pregonero.LogNetwork, string(cand.Network))
			continue
		}
		cand.Credentials = maps.Clone(cand.Credentials)
		cands = append(cands, cand)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	done := s.now()
	f.busy = false
	f.candidates = cands
	f.flow.Granted, f.flow.Missing = slices.Clone(grant.Granted), slices.Clone(grant.Missing)
	f.flow.Status = ConnectChoosing
	// The person chooses within a TTL of the answer; the candidates'
	// tokens leave memory then.
	f.flow.ExpiresAt = done.Add(c.cfg.TTL)
	f.forget = f.flow.ExpiresAt.Add(c.cfg.TTL)
	if len(cands) == 0 {
		f.flow.Status, f.flow.Error = ConnectFailed, fmt.Sprintf("The authorization gives no %s profile to connect.", network.Title())
		f.flow.ExpiresAt = done
	}
	s.logger.Info("connection answered", pregonero.LogNetwork, string(network), pregonero.LogCount, len(cands))
	return f.view(), nil
}

// connectMessage is what a person is told of a failed exchange.
func connectMessage(err error) string {
	var pe *pregonero.PublishError
	if errors.As(err, &pe) && pe.Message != "" {
		return pe.Message
	}
	if pregonero.ErrorCode(err) != pregonero.EINTERNAL {
		return pregonero.ErrorMessage(err)
	}
	return err.Error()
}

// fail ends a flow that got an answer it cannot use.
func (c *connections) fail(f *flowState, now time.Time, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.busy = false
	f.candidates = nil
	f.flow.Status, f.flow.Error, f.flow.ExpiresAt = ConnectFailed, msg, now
	f.forget = now.Add(c.cfg.TTL)
}

// prune ends the flows that expired and forgets those ended long enough
// ago. c.mu is held.
func (c *connections) prune(now time.Time) {
	for id, f := range c.flows {
		if !now.Before(f.forget) && !f.busy {
			delete(c.flows, id)
			delete(c.byState, f.state)
			continue
		}
		if f.busy || now.Before(f.flow.ExpiresAt) {
			continue
		}
		switch f.flow.Status {
		case ConnectWaiting:
			f.flow.Status, f.flow.Error = ConnectFailed, "The network's answer did not come in time; start again."
		case ConnectChoosing:
			f.flow.Status, f.flow.Error = ConnectFailed, "No account was chosen in time; start again."
		}
		f.candidates = nil
	}
}

// ConnectFlowOf returns a flow as it stands, to the user who started it
// (the CLI polls it while the browser goes through the consent screen).
func (s *Service) ConnectFlowOf(ctx context.Context, flowID string) (*ConnectFlow, error) {
	if err := mayConnect(ctx); err != nil {
		return nil, err
	}
	c := s.conn
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune(s.now())
	f := c.flows[flowID]
	if f == nil {
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "There is no connection %s (it ended more than %s ago, or the server restarted).", flowID, c.cfg.TTL)
	}
	if err := mayFollow(ctx, f); err != nil {
		return nil, err
	}
	return f.view(), nil
}

// view is a copy of the flow for the caller: the candidates without
// their credentials.
func (f *flowState) view() *ConnectFlow {
	v := f.flow
	v.Granted, v.Missing, v.Accounts = slices.Clone(v.Granted), slices.Clone(v.Missing), slices.Clone(v.Accounts)
	v.Candidates = nil
	for _, cand := range f.candidates {
		cand.Credentials = nil
		cand.Missing = slices.Clone(cand.Missing)
		v.Candidates = append(v.Candidates, cand)
	}
	return &v
}

// randomToken is n random bytes in base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// accountSlug is what an account id must look like.
var accountSlug = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// plan is what ChooseAccounts does with one pick.
type plan struct {
	cand  pregonero.ConnectCandidate
	id    string
	unit  string
	renew *pregonero.Account // nil: a new account
}

// ChooseAccounts creates the accounts picked among the flow's candidates,
// or renews in place an account with the candidate's network and remote
// id (and the flow's Renew, which only its own profile may renew): new
// sealed credentials, its status active (a paused one stays paused), its
// history and queued posts kept, and what its refused credentials held
// released as a re-authorization does. A candidate that lacks permissions
// it needs to publish makes an account that needs re-authorization. Every
// pick is checked before anything is written.
func (s *Service) ChooseAccounts(ctx context.Context, flowID string, picks []ConnectPick) ([]*pregonero.Account, error) {
	if err := mayConnect(ctx); err != nil {
		return nil, err
	}
	c := s.conn
	c.mu.Lock()
	c.prune(s.now())
	f := c.flows[flowID]
	if f == nil {
		c.mu.Unlock()
		return nil, pregonero.Errorf(pregonero.ENOTFOUND, "There is no connection %s (it ended more than %s ago, or the server restarted).", flowID, c.cfg.TTL)
	}
	if err := mayFollow(ctx, f); err != nil {
		c.mu.Unlock()
		return nil, err
	}
	if f.busy || f.flow.Status != ConnectChoosing {
		err := flowNotChoosing(f)
		c.mu.Unlock()
		return nil, err
	}
	f.busy = true
	flow, cands := f.flow, f.candidates
	c.mu.Unlock()

	ctx = context.WithoutCancel(ctx)
	plans, err := s.planPicks(ctx, flow, cands, picks)
	if err == nil {
		var out []*pregonero.Account
		if out, err = s.applyPlans(ctx, flow, plans); err == nil {
			c.mu.Lock()
			defer c.mu.Unlock()
			f.busy, f.candidates = false, nil
			f.flow.Status, f.flow.ExpiresAt = ConnectDone, s.now()
			f.forget = f.flow.ExpiresAt.Add(c.cfg.TTL)
			for _, a := range out {
				f.flow.Accounts = append(f.flow.Accounts, a.ID)
			}
			return out, nil
		}
	}
	c.mu.Lock()
	f.busy = false
	c.mu.Unlock()
	return nil, err
}

func flowNotChoosing(f *flowState) error {
	switch {
	case f.busy:
		return pregonero.Errorf(pregonero.ECONFLICT, "Connection %s is busy with another request; wait for it.", f.flow.ID)
	case f.flow.Status == ConnectWaiting:
		return pregonero.Errorf(pregonero.ECONFLICT, "Connection %s still waits for the network's answer.", f.flow.ID)
	case f.flow.Status == ConnectDone:
		return pregonero.Errorf(pregonero.ECONFLICT, "The accounts of connection %s were already chosen: %s.", f.flow.ID, strings.Join(f.flow.Accounts, ", "))
	}
	return pregonero.Errorf(pregonero.ECONFLICT, "Connection %s failed: %s", f.flow.ID, f.flow.Error)
}

// planPicks checks every pick against the candidates and the accounts.
func (s *Service) planPicks(ctx context.Context, flow ConnectFlow, cands []pregonero.ConnectCandidate, picks []ConnectPick) ([]plan, error) {
	bad := func(field, code string, actual any, format string, args ...any) error {
		return pregonero.Invalid([]pregonero.FieldError{{Field: field, Code: code, Actual: actual, Message: fmt.Sprintf(format, args...)}})
	}
	if len(picks) == 0 {
		return nil, bad("picks", pregonero.FieldRequired, nil, "Choose at least one of the profiles to connect.")
	}
	accounts, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("choose accounts: %w", err)
	}
	byID := map[string]*pregonero.Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	var renew *pregonero.Account
	if flow.Renew != "" {
		if renew = byID[flow.Renew]; renew == nil {
			return nil, bad("renew", pregonero.FieldUnknown, flow.Renew, "Account %s no longer exists.", flow.Renew)
		}
		if len(picks) != 1 {
			return nil, bad("picks", pregonero.FieldTooMany, len(picks), "Connecting %s again takes its own profile, one pick.", renew.ID)
		}
	}
	var plans []plan
	taken := map[string]bool{}
	seen := map[string]bool{}
	for _, p := range picks {
		cand, ok := findCandidate(cands, flow.Network, p)
		if !ok {
			return nil, bad("picks", pregonero.FieldUnknown, p.RemoteID, "The authorization gives no profile %s to connect.", p.RemoteID)
		}
		k := string(cand.Network) + "/" + cand.RemoteID
		if seen[k] {
			return nil, bad("picks", pregonero.FieldDuplicate, p.RemoteID, "Profile %s is chosen twice.", p.RemoteID)
		}
		seen[k] = true
		existing := matchAccount(accounts, cand)
		if renew != nil {
			switch {
			case renew.Network != cand.Network || (renew.RemoteID != "" && renew.RemoteID != cand.RemoteID):
				return nil, bad("picks", pregonero.FieldInvalid, p.RemoteID,
					"Account %s is %s; this authorization is for %s. Sign in to %s as the account's own profile and connect again.",
					renew.ID, profileName(renew.Name, renew.Handle, renew.RemoteID), profileName(cand.Name, cand.Handle, cand.RemoteID), renew.Network.Title())
			case existing != nil && existing.ID != renew.ID:
				return nil, bad("picks", pregonero.FieldInvalid, p.RemoteID, "Profile %s is account %s, not %s.", profileName(cand.Name, cand.Handle, cand.RemoteID), existing.ID, renew.ID)
			}
			existing = renew
		}
		pl := plan{cand: cand, renew: existing}
		if existing != nil {
			pl.id = existing.ID
		} else {
			pl.unit = strings.TrimSpace(p.Unit)
			if pl.unit == "" {
				pl.unit = flow.Unit
			}
			id := strings.TrimSpace(p.Account)
			switch {
			case id == "":
				id = freeSlug(cand, byID, taken)
			case !accountSlug.MatchString(id):
				return nil, bad("account", pregonero.FieldInvalid, id, "%q is not an account id: use lowercase letters, digits and dashes (at most 63), e.g. x-gobantioquia.", id)
			case byID[id] != nil || taken[id]:
				return nil, bad("account", pregonero.FieldDuplicate, id, "Account id %s is taken by another profile; choose another.", id)
			}
			pl.id = id
		}
		taken[pl.id] = true
		plans = append(plans, pl)
	}
	return plans, nil
}

// findCandidate returns the candidate a pick names: by network (the
// flow's when the pick names none) and remote id.
func findCandidate(cands []pregonero.ConnectCandidate, flowNet pregonero.Network, p ConnectPick) (pregonero.ConnectCandidate, bool) {
	var found []pregonero.ConnectCandidate
	for _, c := range cands {
		if c.RemoteID == p.RemoteID && (c.Network == p.Network || p.Network == "") {
			found = append(found, c)
		}
	}
	if len(found) > 1 { // a page and its Instagram account never share an id; the flow's network decides
		for _, c := range found {
			if c.Network == flowNet {
				return c, true
			}
		}
	}
	if len(found) == 0 {
		return pregonero.ConnectCandidate{}, false
	}
	return found[0], true
}

// matchAccount returns the account that is the candidate's profile.
func matchAccount(accounts []*pregonero.Account, c pregonero.ConnectCandidate) *pregonero.Account {
	for _, a := range accounts {
		if a.Network == c.Network && a.RemoteID == c.RemoteID {
			return a
		}
	}
	return nil
}

func profileName(name, handle, id string) string {
	switch {
	case handle != "":
		return handle
	case name != "":
		return name
	}
	return id
}

// freeSlug makes an account id from the network and the candidate's
// handle or name, numbered when taken.
func freeSlug(c pregonero.ConnectCandidate, byID map[string]*pregonero.Account, taken map[string]bool) string {
	base := slugify(c.Handle)
	if base == "" {
		base = slugify(c.Name)
	}
	if base == "" {
		base = slugify(c.RemoteID)
	}
	base = string(c.Network) + "-" + base
	if len(base) > 56 {
		base = strings.TrimRight(base[:56], "-")
	}
	id := base
	for i := 2; byID[id] != nil || taken[id]; i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	return id
}

var slugFold = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n", "à", "a", "è", "e", "ì", "i", "ò", "o", "ù", "u", "ç", "c")

func slugify(s string) string {
	s = slugFold.Replace(strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@")))
	var b strings.Builder
	dash := false
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if b.Len() > 0 && !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// applyPlans writes the accounts: the credentials first, so that an
// account never reads as connected with credentials that are not there.
func (s *Service) applyPlans(ctx context.Context, flow ConnectFlow, plans []plan) ([]*pregonero.Account, error) {
	var by string
	if u := pregonero.UserFromContext(ctx); u != nil {
		by = u.Username
	}
	out := make([]*pregonero.Account, 0, len(plans))
	for _, pl := range plans {
		cand := pl.cand
		if err := s.conn.store.PutConnectedCredentials(ctx, pl.id, cand.Credentials); err != nil {
			return out, fmt.Errorf("connect %s: %w", pl.id, err)
		}
		now := s.now()
		missing := sortedUnion(cand.Missing, flow.Missing)
		endpoint := cand.Endpoint
		if endpoint == "" {
			endpoint = s.conn.cfg.Apps[cand.Network].Endpoint
		}
		linkBase := cand.LinkBase
		if linkBase == "" {
			linkBase = s.conn.cfg.LinkBases[cand.Network]
		}
		connect := func(a *pregonero.Account) {
			a.RemoteID, a.Source, a.Handle, a.AvatarURL = cand.RemoteID, pregonero.AccountConnected, cand.Handle, cand.AvatarURL
			a.Scopes, a.MissingScopes = slices.Clone(flow.Granted), missing
			a.ConnectedAt, a.ConnectedBy = now, by
			a.Endpoint, a.LinkBase = endpoint, linkBase
			a.Credentials, a.CredentialsHash = nil, ""
			if cand.Name != "" {
				a.Name = cand.Name
			}
		}
		var a *pregonero.Account
		var err error
		if pl.renew == nil {
			a = &pregonero.Account{ID: pl.id, Network: cand.Network, Unit: pl.unit, Status: pregonero.AccountActive, StatusSince: now}
			connect(a)
			if len(cand.Missing) > 0 {
				a.Status, a.StatusReason = pregonero.AccountNeedsReauth, missingReason(cand)
			}
			err = s.store.PutAccount(ctx, a)
			if err == nil {
				s.sender.AccountChanged(a)
			}
		} else {
			a, err = s.renewAccount(ctx, pl.id, cand, connect)
		}
		if err != nil {
			return out, fmt.Errorf("connect %s: %w", pl.id, err)
		}
		s.logger.Info("account connected", pregonero.LogAccount, a.ID, pregonero.LogNetwork, string(a.Network),
			pregonero.LogStatus, string(a.Status), pregonero.LogCount, len(a.MissingScopes))
		out = append(out, a)
	}
	return out, nil
}

// renewAccount stores a renewed connection in place and brings the
// account back as a re-authorization does: active, what its status held
// released (those overdue beyond the resume grace held for a person). A
// paused account keeps its pause, and one whose profile still lacks
// permissions it needs to publish stays waiting for a person.
func (s *Service) renewAccount(ctx context.Context, id string, cand pregonero.ConnectCandidate, connect func(*pregonero.Account)) (*pregonero.Account, error) {
	now := s.now()
	a, err := s.store.UpdateAccount(ctx, id, func(a *pregonero.Account) error {
		connect(a)
		switch {
		case a.Status == pregonero.AccountPaused:
		case len(cand.Missing) > 0:
			a.Status, a.StatusReason, a.StatusSince = pregonero.AccountNeedsReauth, missingReason(cand), now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.sender.AccountChanged(a)
	if a.Status == pregonero.AccountPaused || len(cand.Missing) > 0 {
		return a, nil
	}
	if _, err := s.resume(ctx, id); err != nil {
		return nil, err
	}
	return s.store.Account(ctx, id)
}

func missingReason(c pregonero.ConnectCandidate) string {
	return fmt.Sprintf("The network did not grant %s, which publishing needs: connect it again granting them.", strings.Join(c.Missing, ", "))
}

func sortedUnion(a, b []string) []string {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// DisconnectAccount deletes every credential stored for an account and
// marks it disconnected: nothing is sent for it until it is connected
// again; its history and posts stay. Only an admin may disconnect. An
// account already disconnected is returned as it is.
func (s *Service) DisconnectAccount(ctx context.Context, accountID string) (*pregonero.Account, error) {
	if err := mayConnect(ctx); err != nil {
		return nil, err
	}
	if _, err := s.store.Account(ctx, accountID); err != nil {
		return nil, err
	}
	if s.conn.store == nil {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no credentials to delete.")
	}
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	by := "the system"
	if u := pregonero.UserFromContext(ctx); u != nil {
		by = u.Username
	}
	// The publisher learns first, so that no send starts with credentials
	// about to be deleted.
	a, err := s.store.UpdateAccount(ctx, accountID, func(a *pregonero.Account) error {
		if a.Status != pregonero.AccountDisconnected {
			a.Status, a.StatusReason, a.StatusSince = pregonero.AccountDisconnected, "Disconnected by "+by+".", now
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("disconnect %s: %w", accountID, err)
	}
	s.sender.AccountChanged(a)
	if err := s.conn.store.DeleteCredentials(ctx, accountID); err != nil {
		return nil, fmt.Errorf("disconnect %s: %w", accountID, err)
	}
	s.logger.Warn("account disconnected; its credentials are deleted", pregonero.LogAccount, a.ID, pregonero.LogNetwork, string(a.Network))
	return a, nil
}

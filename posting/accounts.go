package posting

import (
	"context"
	"errors"
	"fmt"

	"pregonero"
)

// CredentialSender is what CheckAccounts needs from the publisher, which
// alone holds the accounts' credentials: the network's verdict on them
// (see pregonero.Checker). The publisher implements it.
type CredentialSender interface {
	CheckCredentials(ctx context.Context, accountID string) error
}

// Results of an account check.
const (
	// CheckOK: the network accepted the credentials.
	CheckOK = "ok"
	// CheckRefused: the network refused them; an active account now
	// needs re-authorization.
	CheckRefused = "refused"
	// CheckUnreachable: the network could not be asked (down, rate
	// limited); nothing is known about the credentials.
	CheckUnreachable = "unreachable"
	// CheckUnsupported: the account's network cannot be checked without
	// publishing.
	CheckUnsupported = "unsupported"
)

// AccountCheck is the verdict on one account's credentials.
type AccountCheck struct {
	Account string            `json:"account"`
	Network pregonero.Network `json:"network"`
	// Result is CheckOK, CheckRefused, CheckUnreachable or CheckUnsupported.
	Result string `json:"result"`
	// Status is the account's status after the check.
	Status pregonero.AccountStatus `json:"status"`
	// Message says what to do, in English; NetworkMessage is what the
	// network said, verbatim.
	Message        string `json:"message,omitempty"`
	NetworkMessage string `json:"network_message,omitempty"`
}

// CheckAccounts asks each network whether it accepts the credentials of
// the given accounts (every account when none is given), with one cheap
// call each. An active account whose credentials are refused is flagged
// as needing re-authorization with the network's words, as a refused
// send would flag it, so that its posts wait for a person instead of
// failing at their hour. A paused account keeps its pause (a person put
// it there); the verdict still says what the network answered. Checks
// never clear a needs_reauth flag: a cheap read can pass where publishing
// does not (a missing scope), so a person resumes the account.
func (s *Service) CheckAccounts(ctx context.Context, ids ...string) ([]AccountCheck, error) {
	// Who may check is who may post: a viewer checks nothing, an editor
	// the accounts of their dependencias (all of them when none is named).
	if err := s.mayPost(ctx); err != nil {
		return nil, err
	}
	u := pregonero.UserFromContext(ctx)
	var accounts []*pregonero.Account
	if len(ids) == 0 {
		all, err := s.store.Accounts(ctx)
		if err != nil {
			return nil, fmt.Errorf("check accounts: %w", err)
		}
		for _, a := range all {
			if u == nil || u.CanPostTo(a) {
				accounts = append(accounts, a)
			}
		}
	}
	for _, id := range ids {
		a, err := s.store.Account(ctx, id)
		if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
			return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "account", Code: pregonero.FieldUnknown, Actual: id,
				Message: fmt.Sprintf("There is no account %s.", id)}})
		}
		if err != nil {
			return nil, fmt.Errorf("check accounts: %w", err)
		}
		if u != nil && !u.CanPostTo(a) {
			return nil, notYours(u, a)
		}
		accounts = append(accounts, a)
	}
	cs, _ := s.sender.(CredentialSender)
	out := make([]AccountCheck, 0, len(accounts))
	for _, a := range accounts {
		r := AccountCheck{Account: a.ID, Network: a.Network, Status: a.Status}
		if _, ok := s.adapters[a.Network].(pregonero.Checker); !ok || cs == nil {
			r.Result, r.Message = CheckUnsupported, fmt.Sprintf("%s accounts cannot be checked without publishing.", a.Network.Title())
			out = append(out, r)
			continue
		}
		err := cs.CheckCredentials(ctx, a.ID)
		var pe *pregonero.PublishError
		switch {
		case err == nil:
			r.Result, r.Message = CheckOK, "The network accepts the credentials."
			if a.Status == pregonero.AccountNeedsReauth {
				r.Message += " The account still waits for a person: resume it to release its held posts."
			}
		case errors.As(err, &pe) && pe.Class == pregonero.ClassNeedsReauth:
			r.Result, r.Message, r.NetworkMessage = CheckRefused, pe.Message, pe.NetworkMessage
			if a.Status == pregonero.AccountActive {
				na, err := s.flagNeedsReauth(ctx, a.ID, pe)
				if err != nil {
					return out, err
				}
				r.Status = na.Status
			}
		case ctx.Err() != nil:
			return out, ctx.Err()
		default:
			r.Result = CheckUnreachable
			r.Message = fmt.Sprintf("Could not ask %s: %v", a.Network.Title(), err)
			if pe != nil {
				r.Message, r.NetworkMessage = fmt.Sprintf("Could not ask %s: %s", a.Network.Title(), pe.Message), pe.NetworkMessage
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// flagNeedsReauth marks an active account as needing re-authorization
// with the network's refusal, tells the publisher, and logs the one WARN
// line a re-authorization gets.
func (s *Service) flagNeedsReauth(ctx context.Context, id string, pe *pregonero.PublishError) (*pregonero.Account, error) {
	now := s.now()
	changed := false
	a, err := s.store.UpdateAccount(ctx, id, func(a *pregonero.Account) error {
		if a.Status != pregonero.AccountActive {
			return nil
		}
		changed = true
		a.Status, a.StatusReason, a.StatusSince = pregonero.AccountNeedsReauth, pe.Message, now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check accounts: %w", err)
	}
	if changed {
		s.sender.AccountChanged(a)
		attrs := []any{pregonero.LogAccount, a.ID, pregonero.LogNetwork, string(a.Network), pregonero.LogCode, pe.Code, pregonero.LogMessage, pe.Message}
		if pe.NetworkMessage != "" {
			attrs = append(attrs, pregonero.LogNetworkMsg, pe.NetworkMessage)
		}
		s.logger.Warn("account needs re-authorization: the network refused its credentials on a check", attrs...)
	}
	return a, nil
}

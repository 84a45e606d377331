package posting

import (
	"context"
	"errors"
	"fmt"

	"pregonero"
)

// CheckActiveAccounts is the daily check of the accounts' credentials:
// every active account is asked of its network with its adapter's cheap
// call (CheckAccounts), which renews an expiring access token where the
// network allows it (X and Google renew on use, so the check keeps their
// refresh tokens in use). A connected account whose adapter renews its
// token on request (pregonero.Refresher: Instagram Login's 60-day
// tokens) first has it renewed when it is due, and is checked with the
// new one. Refused ones need re-authorization, each flagged and logged
// once, and show so until a person connects them again. Paused,
// disconnected and already flagged accounts are left out: a person is on
// them.
func (s *Service) CheckActiveAccounts(ctx context.Context) ([]AccountCheck, error) {
	if err := s.mayPost(ctx); err != nil {
		return nil, err
	}
	all, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("check active accounts: %w", err)
	}
	out := []AccountCheck{}
	var ids []string
	for _, a := range all {
		if a.Status != pregonero.AccountActive {
			continue
		}
		refused, err := s.refreshCredentials(ctx, a)
		if err != nil {
			return out, err
		}
		if refused != nil {
			out = append(out, *refused)
			continue
		}
		ids = append(ids, a.ID)
	}
	if len(ids) == 0 {
		return out, nil
	}
	checks, err := s.CheckAccounts(ctx, ids...)
	return append(out, checks...), err
}

// refreshCredentials renews the token of a connected account whose
// adapter is a pregonero.Refresher when the adapter says it is due, and
// stores the new credentials (sealed) in place of those it was connected
// with; the publisher reads them at once. A refusal flags the account as
// needing re-authorization and is returned as its verdict; a network
// that could not be asked is logged and asked again at the next check,
// while the token still works.
func (s *Service) refreshCredentials(ctx context.Context, a *pregonero.Account) (refused *AccountCheck, err error) {
	rf, ok := s.adapters[a.Network].(pregonero.Refresher)
	if !ok || a.Source != pregonero.AccountConnected || s.conn.store == nil {
		return nil, nil
	}
	log := s.logger.With(pregonero.LogAccount, a.ID, pregonero.LogNetwork, string(a.Network))
	creds, err := s.conn.store.ConnectedCredentials(ctx, a.ID)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The check that follows says what the account lacks.
		log.Error("read the credentials of a connected account to refresh them", pregonero.LogErr, err)
		return nil, nil
	}
	ra := *a
	ra.Credentials = creds
	fresh, err := func() (m map[string]string, err error) {
		defer pregonero.RecoverPanic(log, "credentials refresh panicked", &err)
		return rf.RefreshCredentials(ctx, &ra)
	}()
	var pe *pregonero.PublishError
	switch {
	case err == nil && fresh == nil:
		return nil, nil
	case err == nil:
		if err := s.conn.store.PutConnectedCredentials(ctx, a.ID, fresh); err != nil {
			return nil, fmt.Errorf("store the refreshed credentials of %s: %w", a.ID, err)
		}
		na, err := s.store.Account(ctx, a.ID)
		if err != nil {
			return nil, fmt.Errorf("store the refreshed credentials of %s: %w", a.ID, err)
		}
		s.sender.AccountChanged(na)
		log.Info("account's access token refreshed ahead of its expiry")
		return nil, nil
	case errors.As(err, &pe) && pe.Class == pregonero.ClassNeedsReauth:
		na, err := s.flagNeedsReauth(ctx, a.ID, pe)
		if err != nil {
			return nil, err
		}
		return &AccountCheck{Account: a.ID, Network: a.Network, Result: CheckRefused, Status: na.Status,
			Message: pe.Message, NetworkMessage: pe.NetworkMessage}, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	default:
		log.Warn("account's access token not refreshed: the network could not be asked; tried again at the next check", pregonero.LogErr, err)
		return nil, nil
	}
}

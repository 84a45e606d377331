package posting

import (
	"context"
	"fmt"

	"pregonero"
)

// CheckActiveAccounts is the daily check of the accounts' credentials:
// every active account is asked of its network with its adapter's cheap
// call (CheckAccounts), which renews an expiring access token where the
// network allows it (X and Google renew on use, so the check keeps their
// refresh tokens in use). Refused ones need re-authorization, each
// flagged and logged once, and show so until a person connects them
// again. Paused, disconnected and already flagged accounts are left out:
// a person is on them.
func (s *Service) CheckActiveAccounts(ctx context.Context) ([]AccountCheck, error) {
	all, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("check active accounts: %w", err)
	}
	var ids []string
	for _, a := range all {
		if a.Status == pregonero.AccountActive {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		return []AccountCheck{}, nil
	}
	return s.CheckAccounts(ctx, ids...)
}

package posting

import (
	"context"

	"pregonero"
)

// Headroom returns what the networks still let an account publish, as
// its adapter last learned it (see pregonero.HeadroomReporter): nothing
// when the adapter does not report it or has learned nothing yet. It
// never calls the network. Every signed-in user may read it.
func (s *Service) Headroom(ctx context.Context, accountID string) ([]pregonero.Allowance, error) {
	a, err := s.store.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	hr, ok := s.adapters[a.Network].(pregonero.HeadroomReporter)
	if !ok {
		return nil, nil
	}
	return hr.Headroom(a.ID), nil
}

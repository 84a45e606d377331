package posting

import (
	"context"

	"pregonero"
)

// Reads for the pages and commands that show posts, deliveries, accounts
// and the pause switch. They change nothing and check nothing beyond what
// the store does: every signed-in user may read (pregonero.User.CanRead).

// Post returns a post with its deliveries and derived status.
func (s *Service) Post(ctx context.Context, id string) (*pregonero.Post, error) {
	return s.store.Post(ctx, id)
}

// Posts lists posts ordered by scheduled time, then id (see
// pregonero.Store.Posts for the filter and the paging cursor).
func (s *Service) Posts(ctx context.Context, f pregonero.PostFilter) (*pregonero.PostPage, error) {
	return s.store.Posts(ctx, f)
}

// Delivery returns one delivery.
func (s *Service) Delivery(ctx context.Context, id string) (*pregonero.Delivery, error) {
	return s.store.Delivery(ctx, id)
}

// HeldDeliveries returns the deliveries waiting for a person, optionally
// of one account, from the store's index of them.
func (s *Service) HeldDeliveries(ctx context.Context, account string) ([]*pregonero.Delivery, error) {
	return s.store.HeldDeliveries(ctx, account)
}

// Account returns one account.
func (s *Service) Account(ctx context.Context, id string) (*pregonero.Account, error) {
	return s.store.Account(ctx, id)
}

// Accounts returns every account ordered by id.
func (s *Service) Accounts(ctx context.Context) ([]*pregonero.Account, error) {
	return s.store.Accounts(ctx)
}

// PauseState returns the global pause switch.
func (s *Service) PauseState(ctx context.Context) (pregonero.PauseState, error) {
	return s.store.Pause(ctx)
}

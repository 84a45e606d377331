package youtube

import (
	"context"

	"pregonero"
)

// Withdraw implements pregonero.Withdrawer: a video uploaded ahead of its
// time waits on YouTube as private with publishAt, and canceling its post
// before then deletes it, so that it never goes public.
func (a *Adapter) Withdraw(ctx context.Context, d *pregonero.Delivery, acct *pregonero.Account) error {
	return a.Delete(ctx, acct, d.RemoteID)
}

package web

import (
	"context"
	"net/http"

	"pregonero/posting"
)

// CheckAccounts asks the server to verify the credentials of the given
// accounts (every account when none is given) with each network.
func (c *Client) CheckAccounts(ctx context.Context, ids ...string) ([]posting.AccountCheck, error) {
	var out AccountCheckList
	if err := c.do(ctx, http.MethodPost, "/api/v1/accounts/check", nil, nil, AccountCheckRequest{Accounts: ids}, &out); err != nil {
		return nil, err
	}
	return out.Accounts, nil
}

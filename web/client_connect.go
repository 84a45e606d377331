package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"pregonero"
	"pregonero/posting"
)

// StartConnect starts connecting an account of a network (or renewing
// one): the answer's AuthorizeURL is the network's consent screen, to be
// opened in a browser.
func (c *Client) StartConnect(ctx context.Context, req ConnectStartRequest) (*posting.ConnectFlow, error) {
	var f posting.ConnectFlow
	if err := c.do(ctx, http.MethodPost, "/api/v1/accounts/connect", nil, nil, req, &f); err != nil {
		return nil, fmt.Errorf("start connect: %w", err)
	}
	return &f, nil
}

// ConnectFlow reads a connection as it stands: waiting for the network,
// choosing (with its candidates), done or failed.
func (c *Client) ConnectFlow(ctx context.Context, id string) (*posting.ConnectFlow, error) {
	var f posting.ConnectFlow
	if err := c.do(ctx, http.MethodGet, "/api/v1/accounts/connect/"+url.PathEscape(id), nil, nil, nil, &f); err != nil {
		return nil, fmt.Errorf("connect flow: %w", err)
	}
	return &f, nil
}

// ChooseConnectAccounts creates, or renews in place, the accounts picked
// among a flow's candidates.
func (c *Client) ChooseConnectAccounts(ctx context.Context, flowID string, picks []posting.ConnectPick) ([]*pregonero.Account, error) {
	var out ConnectedAccounts
	if err := c.do(ctx, http.MethodPost, "/api/v1/accounts/connect/"+url.PathEscape(flowID)+"/accounts", nil, nil, ConnectChooseRequest{Picks: picks}, &out); err != nil {
		return nil, fmt.Errorf("choose accounts: %w", err)
	}
	return out.Accounts, nil
}

// DisconnectAccount deletes an account's credentials on the server; its
// history and posts stay.
func (c *Client) DisconnectAccount(ctx context.Context, id string) (*pregonero.Account, error) {
	var a pregonero.Account
	if err := c.do(ctx, http.MethodPost, "/api/v1/accounts/"+url.PathEscape(id)+"/disconnect", nil, nil, nil, &a); err != nil {
		return nil, fmt.Errorf("disconnect account: %w", err)
	}
	return &a, nil
}

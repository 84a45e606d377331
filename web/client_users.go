package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"pregonero"
)

// CreateUser adds a user (admin token). units are the dependencias of an
// editor.
func (c *Client) CreateUser(ctx context.Context, username, password string, role pregonero.Role, units []string) (*pregonero.User, error) {
	var u pregonero.User
	req := UserRequest{Username: username, Password: password, Role: role, Units: units}
	if err := c.do(ctx, http.MethodPost, "/api/v1/users", nil, nil, req, &u); err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return &u, nil
}

// Users lists the users, ordered by username.
func (c *Client) Users(ctx context.Context) ([]*pregonero.User, error) {
	var l UserList
	if err := c.do(ctx, http.MethodGet, "/api/v1/users", nil, nil, nil, &l); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return l.Users, nil
}

// User reads one user.
func (c *Client) User(ctx context.Context, id string) (*pregonero.User, error) {
	var u pregonero.User
	if err := c.do(ctx, http.MethodGet, "/api/v1/users/"+url.PathEscape(id), nil, nil, nil, &u); err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return &u, nil
}

// PatchUser changes a user's role, dependencias or state; nil fields are
// kept.
func (c *Client) PatchUser(ctx context.Context, id string, patch UserPatch) (*pregonero.User, error) {
	var u pregonero.User
	if err := c.do(ctx, http.MethodPatch, "/api/v1/users/"+url.PathEscape(id), nil, nil, patch, &u); err != nil {
		return nil, fmt.Errorf("edit user: %w", err)
	}
	return &u, nil
}

// ResetPassword gives a user a one-time password and returns it.
func (c *Client) ResetPassword(ctx context.Context, id string) (string, error) {
	var res PasswordReset
	if err := c.do(ctx, http.MethodPost, "/api/v1/users/"+url.PathEscape(id)+"/password-reset", nil, nil, nil, &res); err != nil {
		return "", fmt.Errorf("reset password: %w", err)
	}
	return res.Password, nil
}

// CreateUserToken makes an API token for a user and returns it with its
// record; the server shows the token this once.
func (c *Client) CreateUserToken(ctx context.Context, userID, name string) (*TokenCreated, error) {
	var res TokenCreated
	if err := c.do(ctx, http.MethodPost, "/api/v1/users/"+url.PathEscape(userID)+"/tokens", nil, nil, TokenRequest{Name: name}, &res); err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	return &res, nil
}

// UserTokens lists a user's API tokens, without the tokens themselves.
func (c *Client) UserTokens(ctx context.Context, userID string) ([]*pregonero.APIToken, error) {
	var l TokenList
	if err := c.do(ctx, http.MethodGet, "/api/v1/users/"+url.PathEscape(userID)+"/tokens", nil, nil, nil, &l); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return l.Tokens, nil
}

// RevokeUserToken deletes one of a user's API tokens.
func (c *Client) RevokeUserToken(ctx context.Context, userID, tokenID string) error {
	path := "/api/v1/users/" + url.PathEscape(userID) + "/tokens/" + url.PathEscape(tokenID)
	if err := c.do(ctx, http.MethodDelete, path, nil, nil, nil, nil); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

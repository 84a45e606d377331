package x

import (
	"context"
	"errors"
	"fmt"

	"pregonero"
)

var _ pregonero.Checker = (*Adapter)(nil)

// CheckCredentials verifies the account's credentials with GET
// /2/users/me (X's cheapest authenticated call), renewing an OAuth 2.0
// token first when it has expired. It returns nil when X accepts them; a
// *pregonero.PublishError of class ClassNeedsReauth, with X's words in
// NetworkMessage, when X refuses them (401, or a refused token renewal) or
// none are configured; and a plain error, which says nothing about the
// credentials, when X could not be asked (unreachable, rate limited,
// failing).
func (a *Adapter) CheckCredentials(ctx context.Context, acct *pregonero.Account) error {
	_, _, err := a.Me(ctx, acct)
	if err == nil {
		return nil
	}
	var pe *pregonero.PublishError
	if !errors.As(err, &pe) {
		return fmt.Errorf("check x credentials of %s: %w", acct.ID, err)
	}
	if pe.Class == pregonero.ClassNeedsReauth {
		return pe
	}
	// Not a verdict on the credentials: the cause is kept, the
	// classification meant for deliveries is not.
	cause := pe.Err
	if cause == nil {
		cause = errors.New(pe.Message)
	}
	return fmt.Errorf("check x credentials of %s: %s: %w", acct.ID, pe.Message, cause)
}

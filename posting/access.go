package posting

import (
	"context"
	"fmt"
	"strings"

	"pregonero"
)

// Who may do what. A context that carries a user (pregonero.UserFromContext)
// is that person acting, through the web interface or their own API
// token: creating, editing, scheduling, canceling, releasing and retrying
// need the right to post to every account concerned
// (pregonero.User.CanPostTo), pausing or resuming all publishing needs an
// admin, and pausing or resuming one account needs the right to post to
// it. A context without a user is the system (the CLI with the server's
// token, the scheduler, the configuration at start), which may do
// everything.

// mayPost refuses a user who may not post to every one of the accounts:
// a viewer, a disabled user, an editor and an account of another
// dependencia. Ids naming no account are left to the checks of the post,
// which report them on their field.
func (s *Service) mayPost(ctx context.Context, accountIDs ...string) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil {
		return nil
	}
	if u.Disabled || (u.Role != pregonero.RoleAdmin && u.Role != pregonero.RoleEditor) {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "%s may read posts but not create or change them (role %s).", u.Username, u.Role)
	}
	seen := map[string]bool{}
	for _, id := range accountIDs {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		a, err := s.store.Account(ctx, id)
		if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
			continue
		} else if err != nil {
			return fmt.Errorf("check access: %w", err)
		}
		if !u.CanPostTo(a) {
			return notYours(u, a)
		}
	}
	return nil
}

// notYours is the refusal of an account of another dependencia.
func notYours(u *pregonero.User, a *pregonero.Account) error {
	unit := "no dependencia"
	if a.Unit != "" {
		unit = "the dependencia " + a.Unit
	}
	mine := "none"
	if len(u.Units) > 0 {
		mine = strings.Join(u.Units, ", ")
	}
	return pregonero.Errorf(pregonero.EFORBIDDEN, "%s may not post to account %s: it belongs to %s, and %s's dependencias are %s.",
		u.Username, a.ID, unit, u.Username, mine)
}

// mayControl refuses a user who may not pause or resume: all publishing
// (account "") takes an admin, one account the right to post to it.
func (s *Service) mayControl(ctx context.Context, account string) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil {
		return nil
	}
	if account == "" {
		if !u.IsAdmin() {
			return pregonero.Errorf(pregonero.EFORBIDDEN, "Only an admin may pause or resume all publishing; %s may pause an account of their dependencias.", u.Username)
		}
		return nil
	}
	return s.mayPost(ctx, account)
}

// mayPostDelivery refuses a user who may not post to the account of the
// delivery.
func (s *Service) mayPostDelivery(ctx context.Context, deliveryID string) error {
	if pregonero.UserFromContext(ctx) == nil {
		return nil
	}
	d, err := s.store.Delivery(ctx, deliveryID)
	if err != nil {
		return err
	}
	return s.mayPost(ctx, d.AccountID)
}

// authored returns the draft as the acting user writes it: its author is
// that user, whatever the client sent. The system's drafts keep theirs.
func authored(ctx context.Context, d *Draft) *Draft {
	u := pregonero.UserFromContext(ctx)
	if u == nil {
		return d
	}
	dd := *d
	dd.Author = u.Username
	return &dd
}

package web

import (
	"strings"

	"pregonero"
	"pregonero/web/i18n"
)

// What a person reads about a delivery: its state, why it waits or
// failed, and what to do, from the catalog. A failure's code has its own
// words when the catalog has them ("errcode.x_duplicate"); any other
// falls back to its class's, with the network adapter's English message
// after a lead-in.

// stateText names a delivery state.
func stateText(p *i18n.Printer, s pregonero.DeliveryState) string {
	return keyOr(p, "state."+string(s), "state.unknown")
}

// postStatusText names a post status.
func postStatusText(p *i18n.Printer, s pregonero.PostStatus) string {
	return keyOr(p, "status."+string(s), "status.unknown")
}

// accountStatusText names an account status.
func accountStatusText(p *i18n.Printer, s pregonero.AccountStatus) string {
	return keyOr(p, "account.status."+string(s), "account.status.unknown")
}

func keyOr(p *i18n.Printer, key, fallback string) string {
	if p.Has(key) {
		return p.T(key)
	}
	return p.T(fallback)
}

// deliveryReason says why a delivery waits for a person or failed, and
// what to do about it.
func deliveryReason(p *i18n.Printer, d *pregonero.Delivery) (reason, action string) {
	e := d.LastError
	switch d.State {
	case pregonero.DeliveryHeld:
		hold := d.HoldReason
		if !p.Has("hold." + hold) {
			hold = "other"
		}
		reason, action = p.T("hold."+hold), p.T("hold."+hold+".action")
		// A hold's own code ("held_overdue") says what the reason says;
		// a network's refusal behind it (an expired token) says more.
		if e != nil && !strings.HasPrefix(e.Code, "held_") {
			reason += " " + errorReason(p, e)
		}
		return reason, action
	case pregonero.DeliveryFailed:
		if e == nil {
			return p.T("errclass.unknown"), p.T("errclass.permanent.action")
		}
		return errorReason(p, e), errorAction(p, e)
	case pregonero.DeliveryInDoubt:
		return p.T("state.in_doubt.reason"), p.T("state.in_doubt.action")
	}
	return "", ""
}

// errorReason is a failure in plain words: its code's, or its class's
// followed by what the adapter said.
func errorReason(p *i18n.Printer, e *pregonero.DeliveryError) string {
	if key := "errcode." + e.Code; p.Has(key) {
		return p.T(key)
	}
	class := string(e.Class)
	if !p.Has("errclass." + class) {
		class = "unknown"
	}
	s := p.T("errclass." + class)
	if e.Message != "" {
		s += " " + p.T("error.detail", e.Message)
	}
	return s
}

// errorAction is what to do about a failure.
func errorAction(p *i18n.Printer, e *pregonero.DeliveryError) string {
	if key := "errcode." + e.Code + ".action"; p.Has(key) {
		return p.T(key)
	}
	class := string(e.Class)
	if !p.Has("errclass." + class + ".action") {
		class = "unknown"
	}
	return p.T("errclass." + class + ".action")
}

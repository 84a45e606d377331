package x

import (
	"net/http"
	"time"
)

type limitKey struct {
	account  string
	endpoint string
}

// rateLimit is the last allowance X announced for one account and
// endpoint family.
type rateLimit struct {
	remaining int
	reset     time.Time
	// The 24-hour allowances X reports on POST /2/tweets; dayKnown says
	// whether either header was present.
	dayKnown     bool
	dayRemaining int
	dayReset     time.Time
}

// recordRateLimit remembers the x-rate-limit-* headers of a response.
func (a *Adapter) recordRateLimit(accountID, endpoint string, h http.Header) {
	rem, ok := intHeader(h, "x-rate-limit-remaining")
	if !ok {
		return
	}
	rl := rateLimit{remaining: int(rem)}
	rl.reset, _ = unixHeader(h, "x-rate-limit-reset")
	for _, prefix := range []string{"x-user-limit-24hour-", "x-app-limit-24hour-"} {
		dr, ok := intHeader(h, prefix+"remaining")
		if !ok {
			continue
		}
		reset, _ := unixHeader(h, prefix+"reset")
		// Keep the tighter of the user and the app allowance.
		if !rl.dayKnown || int(dr) < rl.dayRemaining {
			rl.dayKnown, rl.dayRemaining, rl.dayReset = true, int(dr), reset
		}
	}
	a.mu.Lock()
	a.limits[limitKey{accountID, endpoint}] = rl
	a.mu.Unlock()
}

// RateLimit returns the allowance X last announced for creating posts from
// the account: how many creates remain and when the window resets. When
// the 24-hour allowance is spent, it reports that one. ok is false until a
// create answer carried the headers; an allowance whose reset has passed is
// reported as is, and the caller should treat it as renewed.
func (a *Adapter) RateLimit(accountID string) (remaining int, reset time.Time, ok bool) {
	a.mu.Lock()
	rl, ok := a.limits[limitKey{accountID, endpointCreate}]
	a.mu.Unlock()
	if !ok {
		return 0, time.Time{}, false
	}
	if rl.dayKnown && rl.dayRemaining <= 0 && rl.dayReset.After(rl.reset) {
		return rl.dayRemaining, rl.dayReset, true
	}
	return rl.remaining, rl.reset, true
}

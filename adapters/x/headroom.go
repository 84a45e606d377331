package x

import "pregonero"

// Headroom implements pregonero.HeadroomReporter: the allowances X last
// announced on creating a post from the account (x-rate-limit-* for the
// 15-minute window, x-user-limit-24hour-* or x-app-limit-24hour-* for the
// day). A window whose reset has passed is left out: X renewed it and
// nothing is known of the new one.
func (a *Adapter) Headroom(accountID string) []pregonero.Allowance {
	now := a.now()
	a.mu.Lock()
	rl, ok := a.limits[limitKey{accountID, endpointCreate}]
	a.mu.Unlock()
	if !ok {
		return nil
	}
	var out []pregonero.Allowance
	if rl.reset.After(now) {
		out = append(out, pregonero.Allowance{Kind: pregonero.AllowancePosts15Min, Remaining: rl.remaining, Reset: rl.reset})
	}
	if rl.dayKnown && (rl.dayReset.IsZero() || rl.dayReset.After(now)) {
		out = append(out, pregonero.Allowance{Kind: pregonero.AllowancePosts24h, Remaining: rl.dayRemaining, Reset: rl.dayReset})
	}
	return out
}

package facebook

import "pregonero"

// Headroom implements pregonero.HeadroomReporter from the last usage
// headers Facebook sent for the account: the percentage of the tightest
// quota (app, page or business use case) still free, or, at 100 % used,
// the throttling until the estimated time to regain access. A throttling
// that has ended is left out: nothing is known until the next answer.
func (a *Adapter) Headroom(accountID string) []pregonero.Allowance {
	a.mu.Lock()
	s, ok := a.usage[accountID]
	a.mu.Unlock()
	if !ok {
		return nil
	}
	if used := s.u.Max(); used < 100 {
		return []pregonero.Allowance{{Kind: pregonero.AllowanceCallsPercent, Remaining: 100 - used, Limit: 100}}
	}
	if until := s.at.Add(s.u.ThrottleWait()); until.After(a.now()) {
		return []pregonero.Allowance{{Kind: pregonero.AllowanceThrottled, Reset: until}}
	}
	return nil
}

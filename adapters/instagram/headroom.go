package instagram

import "pregonero"

// Headroom implements pregonero.HeadroomReporter: the posts left of the
// account's content publishing limit as last read (less those published
// since), and the end of a throttling the Graph usage headers announced.
func (a *Adapter) Headroom(accountID string) []pregonero.Allowance {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.limits[accountID]
	if !ok {
		return nil
	}
	var out []pregonero.Allowance
	if st.quotaKnown {
		out = append(out, pregonero.Allowance{Kind: pregonero.AllowancePosts24h, Remaining: st.remaining, Limit: st.quota.total, Reset: st.reset})
	}
	if st.throttledUntil.After(now) {
		out = append(out, pregonero.Allowance{Kind: pregonero.AllowanceThrottled, Reset: st.throttledUntil})
	}
	return out
}

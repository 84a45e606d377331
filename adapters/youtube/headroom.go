package youtube

import "pregonero"

// Headroom implements pregonero.HeadroomReporter: what the account's API
// project has left of today's three buckets (uploads, the units of every
// other call, and the videos.batchGetStats calls that read engagement,
// the count StatsUsage reports) and when the Pacific day ends. Nothing
// until the account was used since the start, since the project is its
// OAuth client id, nor while the day's count cannot be read.
func (a *Adapter) Headroom(accountID string) []pregonero.Allowance {
	a.mu.Lock()
	project, ok := a.projects[accountID]
	a.mu.Unlock()
	if !ok {
		return nil
	}
	u, err := a.usageOf(project)
	if err != nil {
		return nil
	}
	q, reset := a.quotaOf(project), a.nextReset(a.now())
	return []pregonero.Allowance{
		{Kind: pregonero.AllowanceUploadsDay, Remaining: max(0, q.UploadsPerDay-u.Uploads), Limit: q.UploadsPerDay, Reset: reset},
		{Kind: pregonero.AllowanceUnitsDay, Remaining: max(0, q.UnitsPerDay-u.Units), Limit: q.UnitsPerDay, Reset: reset},
		{Kind: pregonero.AllowanceStatsDay, Remaining: max(0, q.StatsPerDay-u.Stats), Limit: q.StatsPerDay, Reset: reset},
	}
}

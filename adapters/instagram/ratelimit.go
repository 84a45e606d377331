package instagram

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

// DefaultQuotaDuration is the publishing quota window assumed when
// Instagram does not say (its documented 24-hour moving period).
const DefaultQuotaDuration = 24 * time.Hour

// fallbackQuotaWait is the wait after a spent quota when the oldest post
// of the window cannot be found.
const fallbackQuotaWait = time.Hour

// quota is what content_publishing_limit said.
type quota struct {
	usage, total int
	duration     time.Duration
}

// limitState is what the adapter last learned about an account's
// allowances.
type limitState struct {
	quotaKnown bool
	quota      quota
	remaining  int
	// reset is when a spent quota frees a post; zero when unknown.
	reset time.Time
	// throttledUntil is when the Graph usage headers' throttling ends.
	throttledUntil time.Time
}

func (a *Adapter) limit(accountID string) *limitState {
	st, ok := a.limits[accountID]
	if !ok {
		st = &limitState{}
		a.limits[accountID] = st
	}
	return st
}

// quota reads GET /{ig-user}/content_publishing_limit and remembers it.
func (cn *conn) quota(ctx context.Context) (quota, error) {
	res, err := cn.get(ctx, "/"+cn.ig+"/content_publishing_limit", fb.Params{"fields": "quota_usage,config"})
	if err != nil {
		return quota{}, fmt.Errorf("read instagram publishing limit: %w", err)
	}
	var out struct {
		Data []struct {
			QuotaUsage json.Number `json:"quota_usage"`
			Config     struct {
				QuotaTotal    json.Number `json:"quota_total"`
				QuotaDuration json.Number `json:"quota_duration"`
			} `json:"config"`
		} `json:"data"`
	}
	if err := decode(res, &out); err != nil || len(out.Data) == 0 {
		cn.a.log.Warn("instagram publishing limit unreadable", pregonero.LogAccount, cn.acct.ID, pregonero.LogErr, err)
		return quota{}, fmt.Errorf("read instagram publishing limit: no data in the answer")
	}
	d := out.Data[0]
	usage, _ := d.QuotaUsage.Int64()
	total, _ := d.Config.QuotaTotal.Int64()
	secs, _ := d.Config.QuotaDuration.Int64()
	q := quota{usage: int(usage), total: int(total), duration: time.Duration(secs) * time.Second}
	if q.duration <= 0 {
		q.duration = DefaultQuotaDuration
	}
	a := cn.a
	a.mu.Lock()
	st := a.limit(cn.acct.ID)
	st.quotaKnown, st.quota, st.remaining = q.total > 0, q, max(q.total-q.usage, 0)
	if st.remaining > 0 {
		st.reset = time.Time{}
	}
	a.mu.Unlock()
	return q, nil
}

// lastQuota returns the last quota read for the account, with the default
// window when none was read.
func (a *Adapter) lastQuota(accountID string) quota {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := a.limit(accountID).quota
	if q.duration <= 0 {
		q.duration = DefaultQuotaDuration
	}
	return q
}

// quotaReset finds when a spent quota frees a post: the oldest post of the
// window plus the window, now plus an hour when it cannot be found. It
// remembers the quota as spent until then.
func (cn *conn) quotaReset(ctx context.Context, window time.Duration) time.Time {
	if window <= 0 {
		window = DefaultQuotaDuration
	}
	now := cn.a.now()
	start := now.Add(-window)
	var oldest time.Time
	err := cn.list(ctx, "media", "id,timestamp", start, time.Time{}, func(m mediaItem) bool {
		if t, ok := graph.ParseTime(m.Timestamp); ok && !t.Before(start) && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
		return false
	})
	nb := now.Add(fallbackQuotaWait)
	switch {
	case err != nil:
		cn.a.log.Warn("instagram media of the quota window unreadable; waiting an hour", pregonero.LogAccount, cn.acct.ID, pregonero.LogErr, err)
	case !oldest.IsZero():
		nb = oldest.Add(window)
	}
	nb = maxTime(nb, now.Add(graph.MinRegain)).UTC()
	cn.a.mu.Lock()
	st := cn.a.limit(cn.acct.ID)
	st.remaining, st.reset = 0, nb
	cn.a.mu.Unlock()
	return nb
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// countPublished takes a successful publication off the known quota.
func (a *Adapter) countPublished(accountID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.limit(accountID)
	if st.quotaKnown && st.remaining > 0 {
		st.remaining--
	}
}

// recordUsage remembers whether the Graph usage headers of a response say
// the app or the account is throttled.
func (a *Adapter) recordUsage(accountID string, res fb.Result) {
	if res == nil || res.UsageInfo() == nil {
		return
	}
	u := graph.UsageOf(res)
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.limit(accountID)
	if u.Max() < 100 {
		st.throttledUntil = time.Time{}
		return
	}
	st.throttledUntil = a.now().Add(u.ThrottleWait())
}

// RateLimit returns what the account may still publish: while the Graph
// usage headers say calls are throttled, nothing until the throttling
// ends; otherwise the posts left of the publishing quota last read, with
// the time a spent quota frees a post (zero when unknown: a live read
// decides). ok is false until either was learned.
func (a *Adapter) RateLimit(accountID string) (remaining int, reset time.Time, ok bool) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	st, known := a.limits[accountID]
	if !known {
		return 0, time.Time{}, false
	}
	if st.throttledUntil.After(now) {
		return 0, st.throttledUntil, true
	}
	if !st.quotaKnown {
		return 0, time.Time{}, false
	}
	return st.remaining, st.reset, true
}

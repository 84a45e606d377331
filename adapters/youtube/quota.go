package youtube

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"pregonero"
)

// QuotaConfig is the daily quota of one API project (YouTube: since
// 2026-06-01 videos.insert has a bucket of its own, one per call;
// videos.batchGetStats has one too, one per call; every other method
// spends the 10,000 units). Zero values select the defaults.
type QuotaConfig struct {
	// UploadsPerDay is the videos.insert bucket. Default 100.
	UploadsPerDay int
	// UnitsPerDay is the bucket of every other call. Default 10,000.
	UnitsPerDay int
	// StatsPerDay is the videos.batchGetStats bucket ("Video Batch Get
	// Stats"), the calls that read the engagement of published videos.
	// Default 10,000.
	StatsPerDay int
	// ListCost is the cost of a list call (channels, playlistItems,
	// videos). Default 1.
	ListCost int
	// ThumbnailCost is the cost of thumbnails.set. Default 50.
	ThumbnailCost int
	// DeleteCost is the cost of videos.delete. Default 50.
	DeleteCost int
}

func (q QuotaConfig) withDefaults() QuotaConfig {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&q.UploadsPerDay, 100)
	def(&q.UnitsPerDay, 10_000)
	def(&q.StatsPerDay, 10_000)
	def(&q.ListCost, 1)
	def(&q.ThumbnailCost, 50)
	def(&q.DeleteCost, 50)
	return q
}

// quotaOf returns the quota of a project: its own entry of
// Config.ProjectQuotas over Config.Quota, since Google raises quotas per
// project.
func (a *Adapter) quotaOf(project string) QuotaConfig {
	q := a.quota
	if p, ok := a.projectQuotas[project]; ok {
		if p.UploadsPerDay > 0 {
			q.UploadsPerDay = p.UploadsPerDay
		}
		if p.UnitsPerDay > 0 {
			q.UnitsPerDay = p.UnitsPerDay
		}
		if p.StatsPerDay > 0 {
			q.StatsPerDay = p.StatsPerDay
		}
	}
	return q
}

// QuotaSettingPrefix starts the name of the setting holding a project's
// usage of the day: QuotaSettingPrefix + client id. One setting per
// project whose value names its Pacific day, so that old days do not pile
// up in the store.
const QuotaSettingPrefix = "youtube.quota."

// bucket is one of a project's daily allowances.
type bucket int

const (
	bucketUnits bucket = iota
	bucketUploads
	// bucketStats is videos.batchGetStats's own bucket, one per call.
	bucketStats
)

// usage is what a project spent on one Pacific day. Stats is absent from
// counts stored before the statistics were read, and reads as 0.
type usage struct {
	Version int    `json:"v"`
	Day     string `json:"day"`
	Uploads int    `json:"uploads"`
	Units   int    `json:"units"`
	Stats   int    `json:"stats,omitempty"`
}

// spent returns a pointer to the bucket's count and the bucket's daily
// allowance.
func (a *Adapter) spent(u *usage, project string, b bucket) (count *int, limit int) {
	q := a.quotaOf(project)
	switch b {
	case bucketUploads:
		return &u.Uploads, q.UploadsPerDay
	case bucketStats:
		return &u.Stats, q.StatsPerDay
	default:
		return &u.Units, q.UnitsPerDay
	}
}

// day returns the Pacific date of t, the unit of YouTube's quota.
func (a *Adapter) day(t time.Time) string { return t.In(a.pacific).Format(time.DateOnly) }

// nextReset returns the next midnight America/Los_Angeles after t.
func (a *Adapter) nextReset(t time.Time) time.Time {
	y, m, d := t.In(a.pacific).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, a.pacific)
}

// usageLocked returns the project's usage of today, loading it from the
// settings the first time. A count that cannot be read (other than unset)
// is an error and is not cached, so that the day's count is neither
// restarted from zero nor overwritten; the next call reads it again.
// a.qmu is held.
func (a *Adapter) usageLocked(ctx context.Context, project string) (*usage, error) {
	today := a.day(a.now())
	u, ok := a.usage[project]
	if !ok {
		u = &usage{Version: 1, Day: today}
		if a.settings != nil {
			b, err := a.settings.Setting(ctx, QuotaSettingPrefix+project)
			switch {
			case err == nil:
				var stored usage
				if jerr := json.Unmarshal(b, &stored); jerr != nil {
					// Unreadable for good: only a new count can replace it.
					a.log.Warn("read youtube quota usage", pregonero.LogProject, project, pregonero.LogErr, jerr)
				} else if stored.Day == today {
					u.Uploads, u.Units, u.Stats = stored.Uploads, stored.Units, stored.Stats
				}
			case pregonero.ErrorCode(err) != pregonero.ENOTFOUND:
				return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_quota_unreadable",
					Message: fmt.Sprintf("The day's quota count of Google Cloud project %s could not be read; nothing was sent and it will be retried.", project),
					Err:     fmt.Errorf("read youtube quota usage: %w", err)}
			}
		}
		a.usage[project] = u
	}
	if u.Day != today {
		*u = usage{Version: 1, Day: today}
	}
	return u, nil
}

// saveLocked persists the project's usage. a.qmu is held.
func (a *Adapter) saveLocked(ctx context.Context, project string, u *usage) {
	if a.settings == nil {
		return
	}
	b, err := json.Marshal(u)
	if err == nil {
		err = a.settings.PutSetting(ctx, QuotaSettingPrefix+project, b)
	}
	if err != nil {
		a.log.Warn("store youtube quota usage", pregonero.LogProject, project, pregonero.LogErr, err)
	}
}

// reserve counts a call against the project's quota before it is made
// (YouTube charges refused calls too) and refuses it when the bucket
// cannot pay for it.
func (a *Adapter) reserve(ctx context.Context, project string, b bucket, cost int) error {
	a.qmu.Lock()
	defer a.qmu.Unlock()
	u, err := a.usageLocked(ctx, project)
	if err != nil {
		return err
	}
	if b == bucketUploads {
		cost = 1
	}
	n, limit := a.spent(u, project, b)
	if *n+cost > limit {
		return a.quotaError(project, b, nil)
	}
	*n += cost
	a.saveLocked(ctx, project, u)
	return nil
}

// refund gives back a reserved call that never reached YouTube.
func (a *Adapter) refund(ctx context.Context, project string, b bucket, cost int) {
	a.qmu.Lock()
	defer a.qmu.Unlock()
	u, err := a.usageLocked(ctx, project)
	if err != nil {
		// Unreachable after a reservation, which loaded the count.
		a.log.Warn("refund youtube quota", pregonero.LogProject, project, pregonero.LogErr, err)
		return
	}
	if b == bucketUploads {
		cost = 1
	}
	n, _ := a.spent(u, project, b)
	*n = max(0, *n-cost)
	a.saveLocked(ctx, project, u)
}

// exhaust records that YouTube said the bucket is spent (other clients of
// the project spend it too), so that no further call is made today.
func (a *Adapter) exhaust(ctx context.Context, project string, b bucket) {
	a.qmu.Lock()
	defer a.qmu.Unlock()
	u, err := a.usageLocked(ctx, project)
	if err != nil {
		// Unreachable after a reservation, which loaded the count.
		a.log.Warn("mark youtube quota spent", pregonero.LogProject, project, pregonero.LogErr, err)
		return
	}
	n, limit := a.spent(u, project, b)
	*n = max(*n, limit)
	a.saveLocked(ctx, project, u)
}

// quotaError is the rate_limited error of a spent bucket; ge is YouTube's
// own refusal, if it was YouTube that said so.
func (a *Adapter) quotaError(project string, b bucket, ge *apiErr) *pregonero.PublishError {
	reset := a.nextReset(a.now())
	when := reset.Format("2006-01-02 15:04 MST")
	pe := &pregonero.PublishError{Class: pregonero.ClassRateLimited, Code: "youtube_quota_exhausted", NotBefore: reset}
	switch b {
	case bucketUploads:
		pe.Message = fmt.Sprintf("The day's upload quota of Google Cloud project %s (%d videos.insert calls) is spent; it resets at midnight Pacific time (%s) and the video goes out then.",
			project, a.quotaOf(project).UploadsPerDay, when)
	case bucketStats:
		pe.Message = fmt.Sprintf("The day's statistics quota of Google Cloud project %s (%d videos.batchGetStats calls) is spent; the videos' metrics are read again after midnight Pacific time (%s). Publishing is not affected.",
			project, a.quotaOf(project).StatsPerDay, when)
	default:
		pe.Message = fmt.Sprintf("The day's quota of Google Cloud project %s (%d units) is spent; it resets at midnight Pacific time (%s).",
			project, a.quotaOf(project).UnitsPerDay, when)
	}
	if ge != nil {
		pe.NetworkMessage, pe.HTTPStatus, pe.Err = ge.message, ge.status, ge.err
	}
	return pe
}

// QuotaUsage returns what the project (an OAuth client id) spent today:
// videos.insert calls and units, and when the day ends. A count that
// cannot be read is reported as nothing spent (and logged).
func (a *Adapter) QuotaUsage(project string) (uploads, units int, reset time.Time) {
	u, err := a.usageOf(project)
	if err != nil {
		a.log.Warn("read youtube quota usage", pregonero.LogProject, project, pregonero.LogErr, err)
	}
	return u.Uploads, u.Units, a.nextReset(a.now())
}

// StatsUsage returns the videos.batchGetStats calls the project (an
// OAuth client id) made today, and when the day ends. A count that cannot
// be read is reported as nothing spent (and logged).
func (a *Adapter) StatsUsage(project string) (calls int, reset time.Time) {
	u, err := a.usageOf(project)
	if err != nil {
		a.log.Warn("read youtube quota usage", pregonero.LogProject, project, pregonero.LogErr, err)
	}
	return u.Stats, a.nextReset(a.now())
}

// usageOf returns a copy of the project's usage of today.
func (a *Adapter) usageOf(project string) (usage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.qmu.Lock()
	defer a.qmu.Unlock()
	u, err := a.usageLocked(ctx, project)
	if err != nil {
		return usage{}, err
	}
	return *u, nil
}

// RateLimit returns how many uploads the account's API project has left
// today and when the day ends (midnight America/Los_Angeles). ok is false
// until the account was used, since the project is its OAuth client id,
// and while the day's count cannot be read.
func (a *Adapter) RateLimit(accountID string) (remaining int, reset time.Time, ok bool) {
	a.mu.Lock()
	project, ok := a.projects[accountID]
	a.mu.Unlock()
	if !ok {
		return 0, time.Time{}, false
	}
	u, err := a.usageOf(project)
	if err != nil {
		return 0, time.Time{}, false
	}
	return max(0, a.quotaOf(project).UploadsPerDay-u.Uploads), a.nextReset(a.now()), true
}

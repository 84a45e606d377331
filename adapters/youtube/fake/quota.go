package fake

import (
	"time"
)

// pacificOffset is the UTC offset of America/Los_Angeles at t under the
// United States rules in force since 2007: daylight time from the second
// Sunday of March at 02:00 PST to the first Sunday of November at 02:00
// PDT. It is computed rather than loaded so that the quota day does not
// depend on the time zone database of the machine.
func pacificOffset(t time.Time) time.Duration {
	t = t.UTC()
	y := t.Year()
	start := nthSunday(y, time.March, 2).Add(10 * time.Hour) // 02:00 PST
	end := nthSunday(y, time.November, 1).Add(9 * time.Hour) // 02:00 PDT
	if !t.Before(start) && t.Before(end) {
		return -7 * time.Hour
	}
	return -8 * time.Hour
}

// nthSunday is midnight UTC of the nth Sunday of a month.
func nthSunday(year int, month time.Month, n int) time.Time {
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	skip := (7 - int(first.Weekday())) % 7
	return first.AddDate(0, 0, skip+7*(n-1))
}

// pacificDay names the quota day t falls in.
func pacificDay(t time.Time) string {
	return t.UTC().Add(pacificOffset(t)).Format(time.DateOnly)
}

// rollQuota starts a new quota day when Now has passed Pacific midnight.
// The caller holds f.mu.
func (f *Fake) rollQuota(now time.Time) {
	if d := pacificDay(now); d != f.quotaDay {
		f.quotaDay, f.uploads, f.units, f.stats = d, 0, 0, 0
	}
}

// chargeUpload spends one call of the videos.insert bucket.
func (f *Fake) chargeUpload() *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rollQuota(f.now())
	if f.uploads >= f.uploadsPerDay {
		return quotaExceeded()
	}
	f.uploads++
	return nil
}

// chargeUnits spends cost units of the general bucket.
func (f *Fake) chargeUnits(cost int) *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rollQuota(f.now())
	if f.units+cost > f.unitsPerDay {
		return quotaExceeded()
	}
	f.units += cost
	return nil
}

// chargeStats spends one call of the videos.batchGetStats bucket, after
// the per-minute cap: a call past it is refused (429 rateLimitExceeded)
// and not charged.
func (f *Fake) chargeStats() *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	f.rollQuota(now)
	recent := f.statsCalls[:0]
	for _, t := range f.statsCalls {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	f.statsCalls = recent
	if len(recent) >= f.statsPerMin {
		return rateLimitExceeded()
	}
	if f.stats >= f.statsPerDay {
		return quotaExceeded()
	}
	f.stats++
	f.statsCalls = append(f.statsCalls, now)
	return nil
}

// takeChannelUpload counts an insert against the channel's rolling
// 24-hour cap. The caller holds f.mu.
func (f *Fake) takeChannelUpload(chanID string, now time.Time) *apiError {
	if f.channelCap <= 0 {
		return nil
	}
	recent := f.inserts[chanID][:0]
	for _, t := range f.inserts[chanID] {
		if now.Sub(t) < 24*time.Hour {
			recent = append(recent, t)
		}
	}
	f.inserts[chanID] = recent
	if len(recent) >= f.channelCap {
		return uploadLimitExceeded()
	}
	f.inserts[chanID] = append(recent, now)
	return nil
}

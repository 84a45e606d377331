package fake

import (
	"encoding/json"
	"net/http"
	"time"

	"pregonero"
)

// appCallsFactor is how many pages' worth of calls the app's own hourly
// budget holds, for X-App-Usage.
const appCallsFactor = 10

// count spends one call of the owner's rolling hour, answering code 32
// when the hour is spent.
func (f *Fake) count(c *call) *gerr {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	calls := prune(f.calls[c.owner], now.Add(-time.Hour))
	f.appCalls = prune(f.appCalls, now.Add(-time.Hour))
	if len(calls) >= f.callsPerHour {
		f.calls[c.owner] = calls
		owner := pregonero.LogPage
		if c.network == NetworkInstagram {
			owner = pregonero.LogIGUserID
		}
		f.log.Info("page call limit reached", pregonero.LogNetwork, c.network, owner, c.owner, pregonero.LogLimit, f.callsPerHour)
		return known(32, 0)
	}
	f.calls[c.owner] = append(calls, now)
	f.appCalls = append(f.appCalls, now)
	return nil
}

// prune drops the times before cutoff from a time-ordered slice.
func prune(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cutoff) {
		i++
	}
	return ts[i:]
}

type usage struct {
	CallCount    int `json:"call_count"`
	TotalCPUTime int `json:"total_cputime"`
	TotalTime    int `json:"total_time"`
}

type bucUsage struct {
	Type         string `json:"type"`
	CallCount    int    `json:"call_count"`
	TotalCPUTime int    `json:"total_cputime"`
	TotalTime    int    `json:"total_time"`
	RegainAccess int    `json:"estimated_time_to_regain_access"`
}

// setUsage writes X-App-Usage, X-Business-Use-Case-Usage and, for page
// calls, X-Page-Usage: percentages of the hourly call budgets. A
// throttled answer reports 100 and the time to regain access.
func (f *Fake) setUsage(w http.ResponseWriter, c *call, throttled bool) {
	now := f.now()
	f.mu.Lock()
	app := percent(len(prune(f.appCalls, now.Add(-time.Hour))), f.callsPerHour*appCallsFactor)
	owner, network, page := "", "", 0
	if c != nil && c.owner != "" {
		owner, network = c.owner, c.network
		page = percent(len(prune(f.calls[owner], now.Add(-time.Hour))), f.callsPerHour)
	}
	f.mu.Unlock()
	regain := 0
	if throttled {
		app, page, regain = max(app, 100), 100, f.throttleMinutes
	}
	h := w.Header()
	h.Set("X-App-Usage", mustJSON(usage{app, app / 2, app / 2}))
	buc := map[string][]bucUsage{}
	if owner != "" {
		typ := "pages"
		if network == NetworkInstagram {
			typ = "instagram"
		}
		buc[owner] = []bucUsage{{typ, page, page / 2, page / 2, regain}}
		if network == NetworkFacebook {
			h.Set("X-Page-Usage", mustJSON(usage{page, page / 2, page / 2}))
		}
	}
	h.Set("X-Business-Use-Case-Usage", mustJSON(buc))
}

// percent is n of total as a whole percentage, at most 100.
func percent(n, total int) int {
	if total <= 0 {
		return 0
	}
	return min(100, n*100/total)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

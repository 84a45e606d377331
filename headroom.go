package pregonero

import "time"

// Allowance kinds: what an allowance counts, and over what window.
const (
	// AllowancePosts15Min counts posts created in X's 15-minute window.
	AllowancePosts15Min = "posts_15min"
	// AllowancePosts24h counts posts over a 24-hour window (X's daily
	// allowance, Instagram's publishing limit).
	AllowancePosts24h = "posts_24h"
	// AllowanceUploadsDay counts YouTube videos.insert calls of the
	// account's API project, per Pacific day.
	AllowanceUploadsDay = "uploads_day"
	// AllowanceUnitsDay counts the YouTube quota units of every other call
	// of the account's API project, per Pacific day.
	AllowanceUnitsDay = "units_day"
	// AllowanceStatsDay counts the YouTube videos.batchGetStats calls of
	// the account's API project, per Pacific day: the reads of its
	// published videos' engagement, a bucket of their own that publishing
	// never spends.
	AllowanceStatsDay = "stats_day"
	// AllowanceCallsPercent is the percentage of the tightest Graph API
	// call quota (app, page, business use case) still free; Limit is 100.
	AllowanceCallsPercent = "calls_percent"
	// AllowanceThrottled says the network throttles the account's calls
	// until Reset (Graph usage headers at 100 %); Remaining is 0.
	AllowanceThrottled = "throttled"
)

// Allowance is what a network still lets an account spend in one window,
// as last learned from the network's answers (or counted by the adapter).
type Allowance struct {
	// Kind is one of the Allowance* constants.
	Kind      string `json:"kind"`
	Remaining int    `json:"remaining"`
	// Limit is the window's whole allowance; 0 when it is not known.
	Limit int `json:"limit,omitempty"`
	// Reset is when the window renews or frees a unit; zero when it is
	// not known.
	Reset time.Time `json:"reset,omitzero"`
}

// HeadroomReporter is implemented by adapters that know what an account
// may still publish before a network's limit refuses it: X's rate-limit
// headers, Instagram's content publishing limit, YouTube's daily quota.
// Headroom returns nothing for an account it knows nothing about yet
// (nothing sent since the start); it never calls the network.
type HeadroomReporter interface {
	Headroom(accountID string) []Allowance
}

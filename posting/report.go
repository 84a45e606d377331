package posting

import (
	"time"

	"pregonero"
)

// Report is how the posts of a campaign, a dependencia or a line of the
// Plan de Desarrollo did over a span of days: the deliveries published in
// the span, each counted by its latest snapshot collected before the
// span's end, so that totals never count one delivery twice.
//
// Metrics maps hold the normalized names (pregonero.MetricLikes …); a
// metric no delivery reported is absent, never 0.
//
// The latest value wins per metric, not per snapshot: when a later
// snapshot of a delivery leaves out a metric an earlier one had (Meta
// deprecated it, the network did not answer for it), the delivery keeps
// counting the earlier value, so that a metric dropped next month does
// not blank what was read before. A delivery is counted once, whatever
// its snapshots: Totals are the sum over deliveries of each one's latest
// value of each metric.
//
// A delivery belongs to the span of the day it was published in the
// report's zone. Deliveries are found through their post's scheduled
// time: a campaign's report reads every post of the campaign scheduled
// before the span's end, so it misses none; a report not narrowed to a
// campaign reads the posts scheduled from ReportLookback before the
// span's first day, so a delivery published longer than that after its
// post's time (held through a long pause) shows in its campaign's
// report only.
//
// Who reads what: the system, admins and viewers read every report; an
// editor the reports of their dependencias: a campaign run by one of
// them, and in grouped reports and exports the posts whose dependencia
// (the campaign's, or the post's own for posts without a campaign) is
// one of theirs. Anything else is forbidden.
type Report struct {
	// From and To bound the report: the first and last days, both
	// included, in the report's zone.
	From pregonero.Date `json:"from"`
	To   pregonero.Date `json:"to"`
	// Zone is the IANA zone the days are counted in (America/Bogota).
	Zone string `json:"zone"`
	// Campaign is the campaign reported on, in a campaign's report.
	Campaign *pregonero.Campaign `json:"campaign,omitempty"`
	// Posts and Deliveries count the posts and published deliveries in
	// the span; Measured counts the deliveries with at least one snapshot.
	Posts      int `json:"posts"`
	Deliveries int `json:"deliveries"`
	Measured   int `json:"measured"`
	// Totals sums every delivery's latest snapshot.
	Totals map[string]int64 `json:"totals"`
	// Networks holds the totals per network, in pregonero.Networks order,
	// for the networks with at least one delivery.
	Networks []NetworkTotals `json:"networks"`
	// Daily is the running total at the end of each day from From to To:
	// for each delivery, its latest snapshot collected by that day's end.
	Daily []DailyTotals `json:"daily"`
	// TopPosts are the posts with the most engagement (likes, comments,
	// shares and saves summed over their deliveries), at most 10, most
	// first, ties by post id; posts not measured yet are left out.
	TopPosts []TopPost `json:"top_posts"`
	// Followers is the follower growth of the accounts the posts went to,
	// over the same days, ordered by account id.
	Followers []FollowerGrowth `json:"followers"`
}

// NetworkTotals is a report's totals on one network.
type NetworkTotals struct {
	Network    pregonero.Network `json:"network"`
	Deliveries int               `json:"deliveries"`
	Measured   int               `json:"measured"`
	Metrics    map[string]int64  `json:"metrics"`
}

// DailyTotals is the running total at the end of one day.
type DailyTotals struct {
	Day     pregonero.Date   `json:"day"`
	Metrics map[string]int64 `json:"metrics"`
}

// TopPost is one of a report's best posts.
type TopPost struct {
	Post     string `json:"post"`
	Text     string `json:"text"`
	Campaign string `json:"campaign,omitempty"`
	// Engagement is likes, comments, shares and saves summed over the
	// post's deliveries.
	Engagement int64            `json:"engagement"`
	Metrics    map[string]int64 `json:"metrics"`
	// Deliveries are the post's published deliveries with their links.
	Deliveries []TopDelivery `json:"deliveries"`
}

// TopDelivery is one published delivery of a top post.
type TopDelivery struct {
	Delivery    string            `json:"delivery"`
	Account     string            `json:"account"`
	Network     pregonero.Network `json:"network"`
	URL         string            `json:"url,omitempty"`
	PublishedAt time.Time         `json:"published_at"`
	Metrics     map[string]int64  `json:"metrics"`
}

// FollowerGrowth is one account's followers over a report's days: the
// first and last readings in the span and one point per day with a
// reading (the day's last).
type FollowerGrowth struct {
	Account string            `json:"account"`
	Name    string            `json:"name"`
	Network pregonero.Network `json:"network"`
	// Start and End are the first and last follower counts read in the
	// span; Change is End minus Start. All three are absent (nil) when
	// the span has no reading.
	Start  *int64          `json:"start,omitempty"`
	End    *int64          `json:"end,omitempty"`
	Change *int64          `json:"change,omitempty"`
	Series []FollowerPoint `json:"series"`
}

// FollowerPoint is an account's followers at the end of one day.
type FollowerPoint struct {
	Day       pregonero.Date `json:"day"`
	Followers int64          `json:"followers"`
}

// ReportGroup is one dependencia's or one line's report, in a report of
// many grouped by dependencia or by line.
type ReportGroup struct {
	// Key is the dependencia or the line; empty for posts with none.
	Key    string `json:"key"`
	Report Report `json:"report"`
}

// Report groupings.
const (
	GroupByUnit     = "unit"
	GroupByPlanLine = "plan_line"
)

// ReportParams are a report's parameters as a person or a program
// writes them (the API's query string, the CLI's flags): days as
// 2026-12-01, a network by name, a timezone by IANA name.
// Service.ParseReportQuery checks them and returns the ReportQuery, or
// EINVALID naming each bad field (from, to, timezone, network, by).
type ReportParams struct {
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	Unit     string `json:"unit,omitempty"`
	PlanLine string `json:"plan_line,omitempty"`
	Network  string `json:"network,omitempty"`
	By       string `json:"by,omitempty"`
}

// ReportQuery says what a report covers. The service's report methods
// are:
//
//	CampaignReport(ctx, campaignID string, q ReportQuery) (*Report, error)
//	Reports(ctx, q ReportQuery) ([]ReportGroup, error)
//	ExportMetricsCSV(ctx, q ReportQuery, w io.Writer) (rows int, err error)
//
// each checking who acts (an editor sees the reports of their
// dependencias).
type ReportQuery struct {
	// From and To are the first and last days, both included; a zero From
	// means the campaign's start (or 30 days before To), a zero To the
	// campaign's end or today, whichever is earlier. A To before From is
	// EINVALID on the field "to", a span longer than MaxReportDays on
	// "from". When To is left to its default and comes out before From
	// (a campaign that has not started), it is From.
	From pregonero.Date
	To   pregonero.Date
	// Zone is the zone the days are counted in; the service's zone
	// (America/Bogota unless configured) when nil.
	Zone *time.Location
	// Campaign, Unit, PlanLine and Network narrow the posts reported on;
	// empty means any. Unit and PlanLine are the campaign's; a post
	// without a campaign has its own unit and no line. In Reports and
	// ExportMetricsCSV an unknown Campaign is EINVALID on the field
	// "campaign"; CampaignReport takes the campaign as an argument
	// (ENOTFOUND when unknown) and ignores Campaign, Unit and PlanLine.
	Campaign string
	Unit     string
	PlanLine string
	Network  pregonero.Network
	// GroupBy is GroupByUnit (the default when empty) or
	// GroupByPlanLine, for Reports: a post counts for its campaign's
	// dependencia or line; a post without a campaign for its own
	// dependencia and, by line, in the group of key "".
	GroupBy string
}

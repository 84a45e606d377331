package posting

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"time"

	"pregonero"
)

// Limits and defaults of reports.
const (
	// MaxReportDays is the longest span a report covers: the four years
	// of a Plan de Desarrollo.
	MaxReportDays = 4*366 + 1
	// DefaultReportDays is how far before its last day a report starts
	// when neither the query nor a campaign says.
	DefaultReportDays = 30
	// ReportLookback is how long before a report's first day a report
	// not narrowed to one campaign looks for posts: deliveries are found
	// by their post's scheduled time, and one may be published later than
	// it (a retry, a pause).
	ReportLookback = 30 * 24 * time.Hour
	// MaxTopPosts is how many posts Report.TopPosts lists.
	MaxTopPosts = 10
	// maxMetricNames bounds the distinct metric names one report adds up
	// (the normalized ones are nine).
	maxMetricNames = 64
)

// ReportMetrics are the normalized metrics, in the order reports and the
// CSV export show them.
var ReportMetrics = []string{pregonero.MetricLikes, pregonero.MetricComments, pregonero.MetricShares, pregonero.MetricSaves,
	pregonero.MetricViews, pregonero.MetricReach, pregonero.MetricClicks, pregonero.MetricImpressions, pregonero.MetricVideoViews}

// engagementMetrics are what a post's engagement adds up.
var engagementMetrics = []string{pregonero.MetricLikes, pregonero.MetricComments, pregonero.MetricShares, pregonero.MetricSaves}

// ParseReportQuery checks a report's parameters as a person or a program
// writes them and returns the query, or EINVALID naming every field that
// is wrong.
func (s *Service) ParseReportQuery(p ReportParams) (ReportQuery, error) {
	var q ReportQuery
	var errs []pregonero.FieldError
	for _, d := range []struct {
		field, value string
		dst          *pregonero.Date
	}{{"from", p.From, &q.From}, {"to", p.To, &q.To}} {
		v, err := pregonero.ParseDate(strings.TrimSpace(d.value))
		if err != nil {
			errs = append(errs, pregonero.FieldError{Field: d.field, Code: pregonero.FieldInvalid, Actual: d.value,
				Message: d.field + ": " + err.Error() + "."})
			continue
		}
		*d.dst = v
	}
	loc, zerr := s.Zone(strings.TrimSpace(p.Timezone))
	if zerr != nil {
		errs = append(errs, *zerr)
	}
	q.Zone = loc
	q.Campaign, q.Unit, q.PlanLine = strings.TrimSpace(p.Campaign), strings.TrimSpace(p.Unit), strings.TrimSpace(p.PlanLine)
	if n := pregonero.Network(strings.TrimSpace(p.Network)); n != "" {
		if !n.Valid() {
			errs = append(errs, pregonero.FieldError{Field: "network", Code: pregonero.FieldInvalid, Actual: p.Network, Limit: pregonero.Networks,
				Message: fmt.Sprintf("%q is not a network; use one of %v.", p.Network, pregonero.Networks)})
		}
		q.Network = n
	}
	switch by := strings.TrimSpace(p.By); by {
	case "", GroupByUnit, GroupByPlanLine:
		q.GroupBy = by
	default:
		errs = append(errs, pregonero.FieldError{Field: "by", Code: pregonero.FieldInvalid, Actual: p.By, Limit: []string{GroupByUnit, GroupByPlanLine},
			Message: fmt.Sprintf("%q is not a grouping; group by %s (dependencia) or %s (line of the Plan de Desarrollo).", p.By, GroupByUnit, GroupByPlanLine)})
	}
	if len(errs) > 0 {
		return ReportQuery{}, pregonero.Invalid(errs)
	}
	if f := checkSpan(q.From, q.To); f != nil {
		return ReportQuery{}, pregonero.Invalid([]pregonero.FieldError{*f})
	}
	return q, nil
}

// checkSpan checks the days a query gives; zero days are left to the
// defaults.
func checkSpan(from, to pregonero.Date) *pregonero.FieldError {
	for _, d := range []struct {
		field string
		day   pregonero.Date
	}{{"from", from}, {"to", to}} {
		if !d.day.IsZero() && (!d.day.Valid() || d.day.Year < MinCampaignYear || d.day.Year > MaxCampaignYear) {
			return &pregonero.FieldError{Field: d.field, Code: pregonero.FieldInvalid, Actual: fmt.Sprintf("%d-%d-%d", d.day.Year, int(d.day.Month), d.day.Day),
				Limit:   []int{MinCampaignYear, MaxCampaignYear},
				Message: fmt.Sprintf("%s is not a day between the years %d and %d.", d.field, MinCampaignYear, MaxCampaignYear)}
		}
	}
	if !from.IsZero() && !to.IsZero() {
		if to.Before(from) {
			return &pregonero.FieldError{Field: "to", Code: pregonero.FieldInvalid, Actual: to.String(), Limit: from.String(),
				Message: fmt.Sprintf("to %s is before from %s; a report ends on or after the day it starts.", to, from)}
		}
		if n := daysBetween(from, to) + 1; n > MaxReportDays {
			return &pregonero.FieldError{Field: "from", Code: pregonero.FieldInvalid, Actual: n, Limit: MaxReportDays,
				Message: fmt.Sprintf("The report spans %d days; the limit is %d.", n, MaxReportDays)}
		}
	}
	return nil
}

// daysBetween returns the days from a to b (negative when b is before a).
func daysBetween(a, b pregonero.Date) int {
	return int(b.In(time.UTC).Sub(a.In(time.UTC)).Hours() / 24)
}

func addDays(d pregonero.Date, n int) pregonero.Date {
	return pregonero.DateOf(d.In(time.UTC).AddDate(0, 0, n))
}

// span is a report's days, resolved.
type span struct {
	from, to   pregonero.Date
	zone       *time.Location
	start, end time.Time // the first day's start, the last day's end
}

// resolveSpan applies the defaults to the query's days: a zero To is
// the campaign's end or today, whichever is earlier; a zero From the
// campaign's start, or DefaultReportDays before To. A defaulted To
// before the From (a campaign that has not started) becomes From.
func (s *Service) resolveSpan(q ReportQuery, c *pregonero.Campaign) (span, error) {
	if f := checkSpan(q.From, q.To); f != nil {
		return span{}, pregonero.Invalid([]pregonero.FieldError{*f})
	}
	zone := q.Zone
	if zone == nil {
		zone = s.loc
	}
	today := pregonero.DateOf(s.now().In(zone))
	to := q.To
	if to.IsZero() {
		to = today
		if c != nil && !c.EndsOn.IsZero() && c.EndsOn.Before(today) {
			to = c.EndsOn
		}
	}
	from := q.From
	if from.IsZero() {
		from = addDays(to, -DefaultReportDays)
		if c != nil && !c.StartsOn.IsZero() {
			from = c.StartsOn
		}
	}
	if q.To.IsZero() && to.Before(from) {
		to = from
	}
	if f := checkSpan(from, to); f != nil {
		return span{}, pregonero.Invalid([]pregonero.FieldError{*f})
	}
	return span{from: from, to: to, zone: zone, start: from.In(zone), end: addDays(to, 1).In(zone)}, nil
}

// days returns the number of days of the span.
func (sp span) days() int { return daysBetween(sp.from, sp.to) + 1 }

// reportReader says what the acting user may read: everything (the
// system, admins and viewers, whose role is to read reports), or only
// the dependencias of an editor (units non-nil).
func reportReader(ctx context.Context) (u *pregonero.User, units []string, err error) {
	u = pregonero.UserFromContext(ctx)
	switch {
	case u == nil:
		return nil, nil, nil
	case u.Disabled:
		return nil, nil, pregonero.Errorf(pregonero.EFORBIDDEN, "%s is disabled.", u.Username)
	case u.Role == pregonero.RoleEditor:
		return u, append([]string{}, u.Units...), nil
	case u.Role == pregonero.RoleAdmin || u.Role == pregonero.RoleViewer:
		return u, nil, nil
	}
	return nil, nil, pregonero.Errorf(pregonero.EFORBIDDEN, "%s may not read reports (role %s).", u.Username, u.Role)
}

// notYourReport refuses an editor the report of another dependencia.
func notYourReport(u *pregonero.User, what, unit string) error {
	of := "no dependencia"
	if unit != "" {
		of = "the dependencia " + unit
	}
	mine := "none"
	if len(u.Units) > 0 {
		mine = strings.Join(u.Units, ", ")
	}
	return pregonero.Errorf(pregonero.EFORBIDDEN, "%s may not read the reports of %s (%s): an editor reads the reports of their dependencias (%s).",
		u.Username, what, of, mine)
}

// reportPost is a post in a report, with its campaign and the deliveries
// counted.
type reportPost struct {
	post       *pregonero.Post
	campaign   *pregonero.Campaign // nil without one
	deliveries []*pregonero.Delivery
}

// unit is the dependencia a post counts for: its campaign's, or its own
// for a post without a campaign.
func (rp *reportPost) unit() string {
	if rp.campaign != nil {
		return rp.campaign.Unit
	}
	return rp.post.Unit
}

func (rp *reportPost) planLine() string {
	if rp.campaign != nil {
		return rp.campaign.PlanLine
	}
	return ""
}

// reportStores returns the stores reports read.
func (s *Service) reportStores() (pregonero.ReportStore, pregonero.MetricsStore, pregonero.CampaignStore, error) {
	rs, ok1 := s.store.(pregonero.ReportStore)
	ms, ok2 := s.store.(pregonero.MetricsStore)
	cs, ok3 := s.store.(pregonero.CampaignStore)
	if !ok1 || !ok2 || !ok3 {
		return nil, nil, nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no reports.")
	}
	return rs, ms, cs, nil
}

// CampaignReport reports on the posts of one campaign over q's days
// (q.Campaign, q.Unit, q.PlanLine and q.GroupBy are ignored; q.Network
// narrows it to one network). ENOTFOUND for an unknown campaign; an
// editor reads only the campaigns of their dependencias (EFORBIDDEN).
func (s *Service) CampaignReport(ctx context.Context, campaignID string, q ReportQuery) (*Report, error) {
	rs, ms, cs, err := s.reportStores()
	if err != nil {
		return nil, err
	}
	u, units, err := reportReader(ctx)
	if err != nil {
		return nil, err
	}
	c, err := cs.Campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	if units != nil && !slices.Contains(units, c.Unit) {
		return nil, notYourReport(u, "campaign "+c.ID, c.Unit)
	}
	sp, err := s.resolveSpan(q, c)
	if err != nil {
		return nil, err
	}
	posts, err := rs.PostsByCampaign(ctx, c.ID, time.Time{}, sp.end)
	if err != nil {
		return nil, err
	}
	sel := selectDeliveries(posts, map[string]*pregonero.Campaign{c.ID: c}, sp, q.Network, nil)
	r, err := s.report(ctx, ms, sel, sp)
	if err != nil {
		return nil, fmt.Errorf("report on campaign %s: %w", c.ID, err)
	}
	cc := *c
	r.Campaign = &cc
	return r, nil
}

// Reports reports on the posts q narrows to, one report per dependencia
// (q.GroupBy GroupByUnit, the default) or per line of the Plan de
// Desarrollo (GroupByPlanLine). A post counts for its campaign's
// dependencia and line; a post without a campaign for its own
// dependencia (Post.Unit) and for no line. Groups are ordered by key,
// the group of posts with none (key "") last; only groups with a
// delivery published in the span are listed. An editor's reports hold
// only the posts of their dependencias.
func (s *Service) Reports(ctx context.Context, q ReportQuery) ([]ReportGroup, error) {
	_, ms, _, err := s.reportStores()
	if err != nil {
		return nil, err
	}
	sel, sp, err := s.selectPosts(ctx, q)
	if err != nil {
		return nil, err
	}
	key := (*reportPost).unit
	switch q.GroupBy {
	case "", GroupByUnit:
	case GroupByPlanLine:
		key = (*reportPost).planLine
	default:
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "by", Code: pregonero.FieldInvalid, Actual: q.GroupBy,
			Limit: []string{GroupByUnit, GroupByPlanLine}, Message: fmt.Sprintf("%q is not a grouping; group by %s or %s.", q.GroupBy, GroupByUnit, GroupByPlanLine)}})
	}
	groups := map[string][]reportPost{}
	for _, rp := range sel {
		k := key(&rp)
		groups[k] = append(groups[k], rp)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if (a == "") != (b == "") {
			if a == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	out := make([]ReportGroup, 0, len(keys))
	for _, k := range keys {
		r, err := s.report(ctx, ms, groups[k], sp)
		if err != nil {
			return nil, fmt.Errorf("report on %q: %w", k, err)
		}
		out = append(out, ReportGroup{Key: k, Report: *r})
	}
	return out, nil
}

// selectPosts finds the posts and deliveries a query covers, through the
// campaign index when it names a campaign, else through the posts-by-time
// index from ReportLookback before its first day.
func (s *Service) selectPosts(ctx context.Context, q ReportQuery) ([]reportPost, span, error) {
	rs, _, cs, err := s.reportStores()
	if err != nil {
		return nil, span{}, err
	}
	u, units, err := reportReader(ctx)
	if err != nil {
		return nil, span{}, err
	}
	if units != nil && q.Unit != "" && !slices.Contains(units, q.Unit) {
		return nil, span{}, notYourReport(u, "a dependencia", q.Unit)
	}
	list, err := cs.Campaigns(ctx)
	if err != nil {
		return nil, span{}, err
	}
	campaigns := make(map[string]*pregonero.Campaign, len(list))
	for _, c := range list {
		campaigns[c.ID] = c
	}
	var c *pregonero.Campaign
	if q.Campaign != "" {
		if c = campaigns[q.Campaign]; c == nil {
			return nil, span{}, pregonero.Invalid([]pregonero.FieldError{{Field: "campaign", Code: pregonero.FieldUnknown, Actual: q.Campaign,
				Message: fmt.Sprintf("There is no campaign %s.", q.Campaign)}})
		}
		if units != nil && !slices.Contains(units, c.Unit) {
			return nil, span{}, notYourReport(u, "campaign "+c.ID, c.Unit)
		}
	}
	sp, err := s.resolveSpan(q, c)
	if err != nil {
		return nil, span{}, err
	}
	var posts []*pregonero.Post
	if c != nil {
		posts, err = rs.PostsByCampaign(ctx, c.ID, time.Time{}, sp.end)
	} else {
		posts, err = rs.PostsScheduled(ctx, sp.start.Add(-ReportLookback), sp.end)
	}
	if err != nil {
		return nil, span{}, err
	}
	keep := func(rp *reportPost) bool {
		switch {
		case units != nil && !slices.Contains(units, rp.unit()):
			return false
		case q.Unit != "" && rp.unit() != q.Unit:
			return false
		case q.PlanLine != "" && rp.planLine() != q.PlanLine:
			return false
		}
		return true
	}
	return selectDeliveries(posts, campaigns, sp, q.Network, keep), sp, nil
}

// selectDeliveries keeps the posts keep accepts (all when nil) with the
// deliveries published in the span (to network, when set); posts left
// without one are dropped.
func selectDeliveries(posts []*pregonero.Post, campaigns map[string]*pregonero.Campaign, sp span, network pregonero.Network, keep func(*reportPost) bool) []reportPost {
	var out []reportPost
	for _, p := range posts {
		rp := reportPost{post: p, campaign: campaigns[p.Campaign]}
		if keep != nil && !keep(&rp) {
			continue
		}
		for _, d := range p.Deliveries {
			if d.State != pregonero.DeliveryPublished || d.PublishedAt.IsZero() || d.PublishedAt.Before(sp.start) || !d.PublishedAt.Before(sp.end) {
				continue
			}
			if network != "" && d.Network != network {
				continue
			}
			rp.deliveries = append(rp.deliveries, d)
		}
		if len(rp.deliveries) > 0 {
			out = append(out, rp)
		}
	}
	return out
}

// counts is a set of metric values indexed by a tally's names; has marks
// those reported.
type counts struct {
	vals []int64
	has  uint64
}

func (c *counts) set(i int, v int64) {
	if i >= len(c.vals) {
		c.vals = append(c.vals, make([]int64, i+1-len(c.vals))...)
	}
	c.vals[i] = v
	c.has |= 1 << i
}

func (c *counts) get(i int) (int64, bool) {
	if c.has&(1<<i) == 0 {
		return 0, false
	}
	return c.vals[i], true
}

// add adds every metric of o.
func (c *counts) add(o *counts) {
	for h := o.has; h != 0; h &= h - 1 {
		i := bits.TrailingZeros64(h)
		v, _ := c.get(i)
		c.set(i, v+o.vals[i])
	}
}

// newLatest returns n empty latest values sharing one backing array for
// the normalized metrics (a name beyond them grows its own).
func newLatest(n int) []latest {
	out := make([]latest, n)
	k := len(ReportMetrics)
	slab := make([]int64, n*k)
	for i := range out {
		out[i].vals = slab[i*k : (i+1)*k : (i+1)*k]
	}
	return out
}

// latest is what a delivery's snapshots say at the end of a span.
type latest struct {
	counts
	snapshots   int
	collectedAt time.Time
}

// tally adds up snapshots: for each delivery, each metric's latest
// value; and, when daily, the change of each metric on each day, so that
// the running totals come out of one pass over the snapshots.
type tally struct {
	names []string
	extra map[string]int // names beyond the normalized ones
	// bounds are the days' starts and the last day's end; nil when the
	// tally keeps no daily series.
	bounds []time.Time
	deltas [][]int64 // per day, per metric
	first  []int     // per metric, the first day it was reported
}

func newTally(sp *span) *tally {
	t := &tally{names: slices.Clone(ReportMetrics)}
	if sp != nil {
		n := sp.days()
		t.bounds = make([]time.Time, n+1)
		for i := range t.bounds {
			t.bounds[i] = addDays(sp.from, i).In(sp.zone)
		}
		t.deltas = make([][]int64, n)
	}
	return t
}

// index returns the position of a metric name, adding it when new.
func (t *tally) index(name string) (int, error) {
	switch name {
	case pregonero.MetricLikes:
		return 0, nil
	case pregonero.MetricComments:
		return 1, nil
	case pregonero.MetricShares:
		return 2, nil
	case pregonero.MetricSaves:
		return 3, nil
	case pregonero.MetricViews:
		return 4, nil
	case pregonero.MetricReach:
		return 5, nil
	case pregonero.MetricClicks:
		return 6, nil
	case pregonero.MetricImpressions:
		return 7, nil
	case pregonero.MetricVideoViews:
		return 8, nil
	}
	if i, ok := t.extra[name]; ok {
		return i, nil
	}
	if len(t.names) == maxMetricNames {
		return 0, fmt.Errorf("more than %d distinct metric names", maxMetricNames)
	}
	if t.extra == nil {
		t.extra = map[string]int{}
	}
	t.extra[name] = len(t.names)
	t.names = append(t.names, name)
	return len(t.names) - 1, nil
}

// day returns the day of the span an instant falls on; instants before
// the first day count on it.
func (t *tally) day(at time.Time) int {
	i := sort.Search(len(t.bounds)-1, func(i int) bool { return at.Before(t.bounds[i+1]) })
	return min(i, len(t.bounds)-2)
}

// add takes one snapshot of the delivery l stands for: a metric the
// snapshot reports replaces the delivery's value; one it leaves out keeps
// the value an earlier snapshot gave.
func (t *tally) add(l *latest, s *pregonero.Snapshot) error {
	l.snapshots++
	l.collectedAt = s.CollectedAt
	day := -1
	if t.bounds != nil {
		day = t.day(s.CollectedAt)
	}
	for name, v := range s.Metrics {
		i, err := t.index(name)
		if err != nil {
			return err
		}
		prev, _ := l.get(i)
		l.set(i, v)
		if day < 0 {
			continue
		}
		d := t.deltas[day]
		if i >= len(d) {
			d = append(d, make([]int64, i+1-len(d))...)
			t.deltas[day] = d
		}
		d[i] += v - prev
		for len(t.first) <= i {
			t.first = append(t.first, len(t.bounds))
		}
		t.first[i] = min(t.first[i], day)
	}
	return nil
}

// walk reads, in one pass, the snapshots of the deliveries collected
// before end, into out (index-aligned with ids).
func (t *tally) walk(ctx context.Context, ms pregonero.MetricsStore, ids []string, end time.Time, out []latest) error {
	cur := 0
	return ms.EachSnapshot(ctx, ids, end, false, func(s *pregonero.Snapshot) error {
		for cur < len(ids) && ids[cur] != s.DeliveryID {
			cur++
		}
		if cur == len(ids) {
			return fmt.Errorf("snapshot of delivery %s, which was not asked for", s.DeliveryID)
		}
		return t.add(&out[cur], s)
	})
}

// toMap returns the reported metrics of c as a map by name.
func (t *tally) toMap(c *counts) map[string]int64 {
	m := make(map[string]int64, bits.OnesCount64(c.has))
	for h := c.has; h != 0; h &= h - 1 {
		i := bits.TrailingZeros64(h)
		m[t.names[i]] = c.vals[i]
	}
	return m
}

// report adds up the selected deliveries over the span.
func (s *Service) report(ctx context.Context, ms pregonero.MetricsStore, sel []reportPost, sp span) (*Report, error) {
	r := &Report{From: sp.from, To: sp.to, Zone: sp.zone.String(), Posts: len(sel),
		Totals: map[string]int64{}, Networks: []NetworkTotals{}, Daily: []DailyTotals{}, TopPosts: []TopPost{}, Followers: []FollowerGrowth{}}
	var ids []string
	for _, rp := range sel {
		for _, d := range rp.deliveries {
			ids = append(ids, d.ID)
		}
	}
	r.Deliveries = len(ids)
	t := newTally(&sp)
	got := newLatest(len(ids))
	if err := t.walk(ctx, ms, ids, sp.end, got); err != nil {
		return nil, err
	}

	// Totals per network and overall, and each post's.
	var total counts
	perNetwork := map[pregonero.Network]*NetworkTotals{}
	netCounts := map[pregonero.Network]*counts{}
	type ranked struct {
		rp         *reportPost
		first      int // index of its first delivery in got
		sum        counts
		engagement int64
		measured   bool
	}
	posts := make([]ranked, 0, len(sel))
	accounts := map[string]pregonero.Network{}
	k := 0
	for i := range sel {
		rp := &sel[i]
		pr := ranked{rp: rp, first: k}
		for _, d := range rp.deliveries {
			l := &got[k]
			k++
			accounts[d.AccountID] = d.Network
			nt := perNetwork[d.Network]
			if nt == nil {
				nt = &NetworkTotals{Network: d.Network}
				perNetwork[d.Network], netCounts[d.Network] = nt, &counts{}
			}
			nt.Deliveries++
			if l.snapshots == 0 {
				continue
			}
			nt.Measured++
			r.Measured++
			pr.measured = true
			netCounts[d.Network].add(&l.counts)
			total.add(&l.counts)
			pr.sum.add(&l.counts)
		}
		for _, name := range engagementMetrics {
			i, _ := t.index(name)
			v, _ := pr.sum.get(i)
			pr.engagement += v
		}
		posts = append(posts, pr)
	}
	r.Totals = t.toMap(&total)
	for _, n := range pregonero.Networks {
		if nt := perNetwork[n]; nt != nil {
			nt.Metrics = t.toMap(netCounts[n])
			r.Networks = append(r.Networks, *nt)
		}
	}

	// The running totals at each day's end.
	running := make([]int64, len(t.names))
	for day := range sp.days() {
		for i, v := range t.deltas[day] {
			running[i] += v
		}
		m := map[string]int64{}
		for i, f := range t.first {
			if f <= day {
				m[t.names[i]] = running[i]
			}
		}
		r.Daily = append(r.Daily, DailyTotals{Day: addDays(sp.from, day), Metrics: m})
	}

	// The posts with the most engagement.
	slices.SortStableFunc(posts, func(a, b ranked) int {
		if c := cmp.Compare(b.engagement, a.engagement); c != 0 {
			return c
		}
		return strings.Compare(a.rp.post.ID, b.rp.post.ID)
	})
	for _, pr := range posts {
		if len(r.TopPosts) == MaxTopPosts {
			break
		}
		if !pr.measured {
			continue
		}
		tp := TopPost{Post: pr.rp.post.ID, Text: pr.rp.post.Text, Campaign: pr.rp.post.Campaign, Engagement: pr.engagement,
			Metrics: t.toMap(&pr.sum), Deliveries: make([]TopDelivery, 0, len(pr.rp.deliveries))}
		for j, d := range pr.rp.deliveries {
			tp.Deliveries = append(tp.Deliveries, TopDelivery{Delivery: d.ID, Account: d.AccountID, Network: d.Network, URL: d.URL,
				PublishedAt: d.PublishedAt.UTC(), Metrics: t.toMap(&got[pr.first+j].counts)})
		}
		r.TopPosts = append(r.TopPosts, tp)
	}

	followers, err := s.followerGrowth(ctx, accounts, sp)
	if err != nil {
		return nil, err
	}
	r.Followers = followers
	return r, nil
}

// followerGrowth reads the account snapshots of the accounts over the
// span: one point per day with a reading, the day's last.
func (s *Service) followerGrowth(ctx context.Context, accounts map[string]pregonero.Network, sp span) ([]FollowerGrowth, error) {
	out := []FollowerGrowth{}
	if len(accounts) == 0 {
		return out, nil
	}
	as, ok := s.store.(pregonero.AccountMetricsStore)
	if !ok {
		return out, nil
	}
	names := map[string]string{}
	all, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("follower growth: %w", err)
	}
	for _, a := range all {
		names[a.ID] = a.Name
	}
	ids := make([]string, 0, len(accounts))
	for id := range accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		snaps, err := as.AccountSnapshots(ctx, id, sp.start, sp.end)
		if err != nil {
			return nil, fmt.Errorf("follower growth of %s: %w", id, err)
		}
		g := FollowerGrowth{Account: id, Name: names[id], Network: accounts[id], Series: []FollowerPoint{}}
		for _, sn := range snaps {
			v, ok := sn.Metrics[pregonero.MetricFollowers]
			if !ok {
				continue
			}
			day := pregonero.DateOf(sn.CollectedAt.In(sp.zone))
			if n := len(g.Series); n > 0 && g.Series[n-1].Day == day {
				g.Series[n-1].Followers = v
			} else {
				g.Series = append(g.Series, FollowerPoint{Day: day, Followers: v})
			}
			if g.Start == nil {
				start := v
				g.Start = &start
			}
			end := v
			g.End = &end
		}
		if g.Start != nil {
			change := *g.End - *g.Start
			g.Change = &change
		}
		out = append(out, g)
	}
	return out, nil
}

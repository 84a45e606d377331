package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
)

// The report pages: a campaign's report (/campaigns/{id}/report) and
// Reportes (/reports), the same grouped by dependencia or by line of the
// Plan de Desarrollo. Both read the posting service's reports, which
// decide what the person may see (an editor, their dependencias); the
// numbers are shown as tables and as charts drawn on the server
// (ui_charts.go), and the CSV the API exports is downloaded through
// the session at /reports/metrics.csv.

// reportMetrics are the normalized metrics in the order the pages show
// them; interactionMetrics are those a post's engagement sums, the
// others say how far it went.
var (
	reportMetrics = []string{pregonero.MetricLikes, pregonero.MetricComments, pregonero.MetricShares, pregonero.MetricSaves,
		pregonero.MetricViews, pregonero.MetricReach, pregonero.MetricImpressions, pregonero.MetricVideoViews, pregonero.MetricClicks}
	interactionMetrics = reportMetrics[:4]
	audienceMetrics    = reportMetrics[4:]
)

// reportTopShown is how many of a group's top posts Reportes lists.
const reportTopShown = 3

// reportsCSVPath is where a session downloads the metrics CSV.
const reportsCSVPath = "/reports/metrics.csv"

func (s *Server) campaignReportPage() uiPage {
	return uiPage{Path: "/campaigns/{id}/report", Render: s.renderCampaignReport}
}

func (s *Server) reportsPage() uiPage {
	p := uiPage{Path: "/reports", Menu: "reports.menu", Render: s.renderReports}
	s.mux.Handle("GET "+reportsCSVPath, s.reportsCSV(p.Allow))
	return p
}

// reportForm is the form that picks what a report covers, as the query
// gave it, with the errors by field.
type reportForm struct {
	Action                      string
	From, To                    string
	By, Unit, PlanLine, Network string
	Errors                      map[string]string
	// Grouped is the Reportes form: grouping and filters besides the
	// dates.
	Grouped bool
	// Units and PlanLines are the known dependencias and lines, after a
	// choice of all of them.
	Units, PlanLines []reportChoice
	Networks, Bys    []reportChoice
}

// reportChoice is an option of a select.
type reportChoice struct {
	Value, Label string
	Selected     bool
}

// Err is the error of a field, empty when it has none.
func (f *reportForm) Err(field string) string { return f.Errors[field] }

// Invalid reports whether a field has an error.
func (f *reportForm) Invalid() bool { return len(f.Errors) > 0 }

// readReportForm reads the query of a report page into its form and,
// through the posting service's rules (ParseReportQuery), the query;
// the fields with errors make the form invalid.
func (s *Server) readReportForm(rq *uiRequest, grouped bool) (*reportForm, posting.ReportQuery) {
	v := rq.R.URL.Query()
	f := &reportForm{Action: rq.R.URL.Path, Grouped: grouped, Errors: map[string]string{},
		From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to"))}
	params := posting.ReportParams{From: f.From, To: f.To, Timezone: rq.Loc.String()}
	if grouped {
		f.By, f.Unit, f.PlanLine, f.Network = v.Get("by"), strings.TrimSpace(v.Get("unit")), strings.TrimSpace(v.Get("plan_line")), v.Get("network")
		params.By, params.Unit, params.PlanLine, params.Network = f.By, f.Unit, f.PlanLine, f.Network
		if f.By == "" {
			f.By = posting.GroupByUnit
		}
		f.Bys = []reportChoice{
			{Value: posting.GroupByUnit, Label: rq.P.T("reports.by.unit"), Selected: f.By == posting.GroupByUnit},
			{Value: posting.GroupByPlanLine, Label: rq.P.T("reports.by.plan_line"), Selected: f.By == posting.GroupByPlanLine},
		}
		f.Networks = []reportChoice{{Value: "", Label: rq.P.T("reports.network.any"), Selected: f.Network == ""}}
		for _, n := range pregonero.Networks {
			f.Networks = append(f.Networks, reportChoice{Value: string(n), Label: n.Title(), Selected: f.Network == string(n)})
		}
	}
	q, err := s.posts.ParseReportQuery(params)
	if err != nil {
		f.serviceErrors(rq, err)
		if !f.Invalid() {
			f.Errors["from"] = errorText(rq.P, err)
		}
		return f, q
	}
	q.Zone = rq.Loc
	if q.GroupBy == "" {
		q.GroupBy = posting.GroupByUnit
	}
	return f, q
}

// serviceErrors puts the service's refusal of a query next to the
// fields it names, and reports whether it did: a date not written as
// one is said so, the rest with the service's words.
func (f *reportForm) serviceErrors(rq *uiRequest, err error) bool {
	e, _ := asAppError(err)
	if e.Code != pregonero.EINVALID || len(e.Fields) == 0 {
		return false
	}
	for _, fe := range e.Fields {
		field, lead := fe.Field, "reports.error.refused"
		switch field {
		case "from", "to":
			lead = "reports.error.span"
			value := f.From
			if field == "to" {
				value = f.To
			}
			if _, perr := pregonero.ParseDate(value); perr != nil {
				f.Errors[field] = rq.P.T("reports.error.date")
				continue
			}
		case "by":
			lead = "reports.error.by"
		case "network":
			lead = "reports.error.network"
		case "unit", "plan_line":
		default:
			field = "from"
		}
		text := rq.P.T(lead) + " " + rq.P.T("error.detail", fe.Message)
		if prev := f.Errors[field]; prev != "" {
			text = prev + " " + rq.P.T("error.detail", fe.Message)
		}
		f.Errors[field] = text
	}
	return true
}

// spanOf fills the form's empty dates with those the report used.
func (f *reportForm) spanOf(r *posting.Report) {
	if f.From == "" {
		f.From = r.From.String()
	}
	if f.To == "" {
		f.To = r.To.String()
	}
}

// csvHref is the address of the CSV of what the form selects, over the
// days the report used.
func csvHref(campaign string, f *reportForm, r *posting.Report) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("campaign", campaign)
	set("unit", f.Unit)
	set("plan_line", f.PlanLine)
	set("network", f.Network)
	set("from", r.From.String())
	set("to", r.To.String())
	return reportsCSVPath + "?" + v.Encode()
}

// reportView is one report as a page shows it.
type reportView struct {
	// ID makes the ids of the report's elements unique on the page.
	ID string
	// Span says which days the report covers.
	Span                        string
	Posts, Deliveries, Measured string
	Totals                      *reportTable
	NetworkBars                 *barChart
	Interactions, Audience      *lineChart
	Daily                       *reportTable
	Top                         []topPostView
	// TopCols name the metrics of each top post's Cells.
	TopCols                       []string
	TopBars                       *barChart
	Followers                     []followerView
	FollowersTable                *reportTable
	CSV                           string
	HasDeliveries, HasDailyValues bool
}

// reportTable is a table of numbers: a header per column, a header and
// cells per row.
type reportTable struct {
	Caption string
	Corner  string
	Cols    []reportCol
	Rows    []reportRow
}

// reportCol is a column of a table; Num when it holds numbers, aligned
// to the right with its header.
type reportCol struct {
	Label string
	Num   bool
}

// numCols are columns of numbers headed by labels.
func numCols(labels ...string) []reportCol {
	out := make([]reportCol, len(labels))
	for i, l := range labels {
		out[i] = reportCol{Label: l, Num: true}
	}
	return out
}

type reportRow struct {
	Head  string
	Cells []string
}

type topPostView struct {
	ID, Text, Href string
	Engagement     string
	Cells          []string
	Links          []topLinkView
}

type topLinkView struct {
	Network, Account, URL string
}

type followerView struct {
	ID, Name, Network     string
	Start, End, Change    string
	Chart                 *lineChart
	HasSeries, HasReading bool
}

// reportFmt formats a report's numbers in the page's language.
type reportFmt struct {
	rq *uiRequest
}

// count writes a number with the language's digit groups: 1.234 in
// Spanish, 1,234 in English.
func (f reportFmt) count(n int64) string {
	return groupDigits(n, f.rq.P.T("reports.thousands_separator"))
}

// metric writes a metric of m, or the dash of an absent one: absent is
// not 0.
func (f reportFmt) metric(m map[string]int64, name string) string {
	v, ok := m[name]
	if !ok {
		return f.rq.P.T("reports.absent")
	}
	return f.count(v)
}

// change writes a difference with its sign.
func (f reportFmt) change(n int64) string {
	if n > 0 {
		return "+" + f.count(n)
	}
	return f.count(n)
}

// day is a short day: "20 nov".
func (f reportFmt) day(d pregonero.Date) string {
	return f.rq.P.T("reports.day", d.Day, f.rq.P.T("time.month."+strconv.Itoa(int(d.Month))))
}

func metricName(rq *uiRequest, name string) string {
	return keyOr(rq.P, "reports.metric."+name, "reports.metric.other")
}

// engagement sums the interactions of m that are present; ok is false
// when none is.
func engagement(m map[string]int64) (sum int64, ok bool) {
	for _, k := range interactionMetrics {
		if v, has := m[k]; has {
			sum, ok = sum+v, true
		}
	}
	return sum, ok
}

// withEngagement returns m with the engagement under "engagement" when
// any interaction is present.
func withEngagement(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	if e, ok := engagement(m); ok {
		out["engagement"] = e
	}
	return out
}

// buildReport turns a report of the service into the page's view.
//
// topN bounds the top posts shown; compact draws the smaller charts of a
// group among many.
func (s *Server) buildReport(rq *uiRequest, id string, r *posting.Report, accounts map[string]*pregonero.Account, topN int, compact bool) *reportView {
	f := reportFmt{rq}
	v := &reportView{ID: id, Span: rq.P.T("reports.span", rq.Date(r.From.In(rq.Loc)), rq.Date(r.To.In(rq.Loc))),
		Posts: f.count(int64(r.Posts)), Deliveries: f.count(int64(r.Deliveries)), Measured: f.count(int64(r.Measured)),
		HasDeliveries: r.Deliveries > 0}

	// Totals: a row per metric, a column per network and the total.
	t := &reportTable{Caption: rq.P.T("reports.totals.caption"), Corner: rq.P.T("reports.col.metric")}
	for _, n := range r.Networks {
		t.Cols = append(t.Cols, numCols(n.Network.Title())...)
	}
	t.Cols = append(t.Cols, numCols(rq.P.T("reports.col.total"))...)
	rows := append([]string{"engagement"}, reportMetrics...)
	for _, name := range rows {
		row := reportRow{Head: metricName(rq, name)}
		for _, n := range r.Networks {
			row.Cells = append(row.Cells, f.metric(withEngagement(n.Metrics), name))
		}
		row.Cells = append(row.Cells, f.metric(withEngagement(r.Totals), name))
		t.Rows = append(t.Rows, row)
	}
	measured := reportRow{Head: rq.P.T("reports.row.measured")}
	for _, n := range r.Networks {
		measured.Cells = append(measured.Cells, rq.P.T("reports.measured_of", f.count(int64(n.Measured)), f.count(int64(n.Deliveries))))
	}
	measured.Cells = append(measured.Cells, rq.P.T("reports.measured_of", f.count(int64(r.Measured)), f.count(int64(r.Deliveries))))
	t.Rows = append(t.Rows, measured)
	v.Totals = t

	if len(r.Networks) > 0 {
		bars := &barChart{ID: id + "-redes", Title: rq.P.T("reports.chart.networks"), Num: f.count, Absent: rq.P.T("reports.absent")}
		var desc []string
		for _, n := range r.Networks {
			e, ok := engagement(n.Metrics)
			bars.Bars = append(bars.Bars, chartBar{Label: n.Network.Title(), Value: e, Has: ok})
			desc = append(desc, rq.P.T("reports.chart.bar_desc", n.Network.Title(), f.metric(withEngagement(n.Metrics), "engagement")))
		}
		bars.Desc = strings.Join(desc, "; ") + "."
		v.NetworkBars = bars
	}

	// The daily running totals.
	steps := make([]metricStep, len(r.Daily))
	for i, d := range r.Daily {
		steps[i] = metricStep{X: float64(i), Label: f.day(d.Day), Metrics: d.Metrics}
	}
	var ticks []chartTick
	if n := len(r.Daily); n > 0 {
		ticks = append(ticks, chartTick{0, f.day(r.Daily[0].Day)})
		if n > 2 {
			ticks = append(ticks, chartTick{float64(n / 2), f.day(r.Daily[n/2].Day)})
		}
		if n > 1 {
			ticks = append(ticks, chartTick{float64(n - 1), f.day(r.Daily[n-1].Day)})
		}
	}
	v.Interactions = metricLines(rq, id+"-interacciones", rq.P.T("reports.chart.interactions"), interactionMetrics, steps, ticks, compact)
	v.Audience = metricLines(rq, id+"-alcance", rq.P.T("reports.chart.audience"), audienceMetrics, steps, ticks, compact)
	v.Daily = metricTable(rq, rq.P.T("reports.daily.caption"), rq.P.T("reports.col.day"), steps)
	v.HasDailyValues = len(v.Daily.Cols) > 0

	// The top posts.
	topCols := []string{pregonero.MetricLikes, pregonero.MetricComments, pregonero.MetricShares, pregonero.MetricViews}
	for _, m := range topCols {
		v.TopCols = append(v.TopCols, metricName(rq, m))
	}
	var bars []chartBar
	for i, tp := range r.TopPosts {
		if i >= topN {
			break
		}
		tv := topPostView{ID: tp.Post, Text: cmp.Or(excerpt(tp.Text), rq.P.T("reports.top.no_text")), Href: "/posts/" + url.PathEscape(tp.Post),
			Engagement: f.count(tp.Engagement)}
		for _, m := range topCols {
			tv.Cells = append(tv.Cells, f.metric(tp.Metrics, m))
		}
		for _, d := range tp.Deliveries {
			if d.URL == "" {
				continue
			}
			tv.Links = append(tv.Links, topLinkView{Network: d.Network.Title(), Account: calAccountName(accounts, d.Account), URL: d.URL})
		}
		v.Top = append(v.Top, tv)
		bars = append(bars, chartBar{Label: tv.Text, Value: tp.Engagement, Has: true})
	}
	if len(bars) > 0 {
		desc := make([]string, len(v.Top))
		for i, tv := range v.Top {
			desc[i] = rq.P.T("reports.chart.bar_desc", shortText(tv.Text, 60), tv.Engagement)
		}
		v.TopBars = &barChart{ID: id + "-top", Title: rq.P.T("reports.chart.top"), Desc: strings.Join(desc, "; ") + ".", Bars: bars, Num: f.count, Absent: rq.P.T("reports.absent")}
	}

	// Follower growth.
	ft := &reportTable{Caption: rq.P.T("reports.followers.caption"), Corner: rq.P.T("reports.col.account"),
		Cols: append([]reportCol{{Label: rq.P.T("reports.col.network")}}, numCols(rq.P.T("reports.col.start"), rq.P.T("reports.col.end"), rq.P.T("reports.col.change"))...)}
	for _, fg := range r.Followers {
		fv := followerView{ID: fg.Account, Name: cmp.Or(fg.Name, calAccountName(accounts, fg.Account)), Network: fg.Network.Title(),
			Start: rq.P.T("reports.absent"), End: rq.P.T("reports.absent"), Change: rq.P.T("reports.absent")}
		if fg.Start != nil {
			fv.Start, fv.HasReading = f.count(*fg.Start), true
		}
		if fg.End != nil {
			fv.End = f.count(*fg.End)
		}
		if fg.Change != nil {
			fv.Change = f.change(*fg.Change)
		}
		if len(fg.Series) > 0 {
			pts := make([]chartPoint, len(fg.Series))
			for j, p := range fg.Series {
				pts[j] = chartPoint{X: float64(p.Day.In(time.UTC).Unix()), Y: p.Followers, Label: f.day(p.Day)}
			}
			first, last := fg.Series[0], fg.Series[len(fg.Series)-1]
			fticks := []chartTick{{pts[0].X, f.day(first.Day)}}
			if len(pts) > 1 {
				fticks = append(fticks, chartTick{pts[len(pts)-1].X, f.day(last.Day)})
			}
			fv.Chart = &lineChart{ID: id + "-seg-" + idPart(fg.Account), Title: rq.P.T("reports.chart.followers", fv.Name, fv.Network),
				Desc: rq.P.T("reports.chart.series_desc", rq.P.T("reports.followers.series"), f.count(first.Followers), f.day(first.Day),
					f.count(last.Followers), f.day(last.Day)) + ".",
				Series: []chartSeries{{Name: rq.P.T("reports.followers.series"), Points: pts}}, Ticks: fticks, Num: f.count, Compact: true,
				// The title names the account and the network; a legend
				// of the one line would say only "followers".
				NoLegend: true}
			fv.HasSeries = true
		}
		v.Followers = append(v.Followers, fv)
		ft.Rows = append(ft.Rows, reportRow{Head: fv.Name, Cells: []string{fv.Network, fv.Start, fv.End, fv.Change}})
	}
	v.FollowersTable = ft
	return v
}

// metricStep is the metrics at one place of a chart's x axis: a day, or
// the instant of a snapshot.
type metricStep struct {
	X       float64
	Label   string
	Metrics map[string]int64
}

// metricLines is a line per metric of names that some step has, through
// the steps that have it; nil when no step has any.
func metricLines(rq *uiRequest, id, title string, names []string, steps []metricStep, ticks []chartTick, compact bool) *lineChart {
	f := reportFmt{rq}
	c := &lineChart{ID: id, Title: title, Ticks: ticks, Num: f.count, Compact: compact}
	var desc []string
	for _, name := range names {
		s := chartSeries{Name: metricName(rq, name)}
		for _, st := range steps {
			if v, ok := st.Metrics[name]; ok {
				s.Points = append(s.Points, chartPoint{X: st.X, Y: v, Label: st.Label})
			}
		}
		if len(s.Points) == 0 {
			continue
		}
		c.Series = append(c.Series, s)
		first, last := s.Points[0], s.Points[len(s.Points)-1]
		desc = append(desc, rq.P.T("reports.chart.series_desc", s.Name, f.count(first.Y), first.Label, f.count(last.Y), last.Label))
	}
	if len(c.Series) == 0 {
		return nil
	}
	c.Desc = strings.Join(desc, "; ") + "."
	return c
}

// metricTable is a row per step and a column per metric some step has.
func metricTable(rq *uiRequest, caption, corner string, steps []metricStep) *reportTable {
	f := reportFmt{rq}
	t := &reportTable{Caption: caption, Corner: corner}
	var cols []string
	for _, name := range reportMetrics {
		for _, st := range steps {
			if _, ok := st.Metrics[name]; ok {
				cols = append(cols, name)
				break
			}
		}
	}
	for _, name := range cols {
		t.Cols = append(t.Cols, numCols(metricName(rq, name))...)
	}
	if len(cols) == 0 {
		return t
	}
	for _, st := range steps {
		row := reportRow{Head: st.Label}
		for _, name := range cols {
			row.Cells = append(row.Cells, f.metric(st.Metrics, name))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// accountsByID reads the accounts, to name them.
func (s *Server) accountsByID(ctx context.Context) (map[string]*pregonero.Account, error) {
	list, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*pregonero.Account, len(list))
	for _, a := range list {
		out[a.ID] = a
	}
	return out, nil
}

type campaignReportData struct {
	Campaign campaignRow
	Form     *reportForm
	Report   *reportView
}

// renderCampaignReport shows a campaign's report over the days the
// query asks (the campaign's, by default).
func (s *Server) renderCampaignReport(rq *uiRequest) (*uiView, error) {
	ctx := rq.Context()
	c, err := s.posts.Campaign(ctx, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	form, q := s.readReportForm(rq, false)
	d := campaignReportData{Campaign: s.campaignRow(rq, c), Form: form}
	v := &uiView{Template: "campaign_report", Title: "reports.campaign_title", Data: &d, Styles: []string{"reports.css"}}
	if form.Invalid() {
		return invalidReport(rq, v), nil
	}
	r, err := s.posts.CampaignReport(ctx, c.ID, q)
	if err != nil {
		if form.serviceErrors(rq, err) {
			return invalidReport(rq, v), nil
		}
		return nil, err
	}
	accounts, err := s.accountsByID(ctx)
	if err != nil {
		return nil, fmt.Errorf("campaign report: %w", err)
	}
	form.spanOf(r)
	d.Report = s.buildReport(rq, "informe", r, accounts, 10, false)
	d.Report.CSV = csvHref(c.ID, form, r)
	return v, nil
}

// invalidReport answers a query with errors: the form with them, 422.
func invalidReport(rq *uiRequest, v *uiView) *uiView {
	v.Status = http.StatusUnprocessableEntity
	v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("reports.error.summary")}
	return v
}

type reportsData struct {
	Form   *reportForm
	Groups []reportGroupView
	// Searched says a report was read (the form had no errors).
	Searched bool
	CSV      string
	Span     string
}

type reportGroupView struct {
	Heading string
	Report  *reportView
}

// renderReports shows the reports grouped by dependencia or by line.
func (s *Server) renderReports(rq *uiRequest) (*uiView, error) {
	ctx := rq.Context()
	form, q := s.readReportForm(rq, true)
	d := reportsData{Form: form}
	v := &uiView{Template: "reports", Title: "reports.title", Data: &d, Styles: []string{"reports.css"}}
	if err := s.reportChoices(rq, form); err != nil {
		return nil, err
	}
	if form.Invalid() {
		return invalidReport(rq, v), nil
	}
	groups, err := s.posts.Reports(ctx, q)
	if err != nil {
		if form.serviceErrors(rq, err) {
			return invalidReport(rq, v), nil
		}
		return nil, err
	}
	accounts, err := s.accountsByID(ctx)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	d.Searched = true
	none := "reports.group.no_unit"
	if q.GroupBy == posting.GroupByPlanLine {
		none = "reports.group.no_plan_line"
	}
	for i, g := range groups {
		gv := reportGroupView{Heading: cmp.Or(g.Key, rq.P.T(none)), Report: s.buildReport(rq, fmt.Sprintf("g%d", i+1), &g.Report, accounts, reportTopShown, true)}
		if g.Key != "" {
			gf := *form
			if q.GroupBy == posting.GroupByPlanLine {
				gf.PlanLine = g.Key
			} else {
				gf.Unit = g.Key
			}
			gv.Report.CSV = csvHref("", &gf, &g.Report)
		}
		d.Groups = append(d.Groups, gv)
	}
	if len(groups) > 0 {
		r := &groups[0].Report
		form.spanOf(r)
		d.Span = rq.P.T("reports.span", rq.Date(r.From.In(rq.Loc)), rq.Date(r.To.In(rq.Loc)))
		d.CSV = csvHref("", form, r)
	} else {
		d.CSV = csvHref("", form, &posting.Report{From: q.From, To: q.To})
	}
	return v, nil
}

// reportChoices offers the known dependencias and lines, each list after
// a choice of all: the lines of the campaigns; the dependencias of the
// campaigns and of the accounts (those of the configuration) or, to an
// editor, who reads only theirs, their own. A value the address gives
// that the list lacks is kept in it, chosen, so that the form says what
// the page shows (or why it refuses).
func (s *Server) reportChoices(rq *uiRequest, f *reportForm) error {
	ctx := rq.Context()
	campaigns, err := s.posts.Campaigns(ctx)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var units, lines []string
	add := func(list []string, v string) []string {
		if v == "" || slices.Contains(list, v) {
			return list
		}
		return append(list, v)
	}
	for _, c := range campaigns {
		lines = add(lines, c.PlanLine)
	}
	if rq.User.Role == pregonero.RoleEditor {
		for _, u := range rq.User.Units {
			units = add(units, u)
		}
	} else {
		accounts, err := s.posts.Accounts(ctx)
		if err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		for _, c := range campaigns {
			units = add(units, c.Unit)
		}
		for _, a := range accounts {
			units = add(units, a.Unit)
		}
	}
	slices.Sort(units)
	slices.Sort(lines)
	f.Units = choicesOf(units, f.Unit, rq.P.T("reports.unit.any"))
	f.PlanLines = choicesOf(lines, f.PlanLine, rq.P.T("reports.plan_line.any"))
	return nil
}

// choicesOf are the options of a select of values: all (the empty value,
// labelled all), then each value, with chosen selected; chosen is added
// at the end when values lack it.
func choicesOf(values []string, chosen, all string) []reportChoice {
	out := []reportChoice{{Value: "", Label: all, Selected: chosen == ""}}
	for _, v := range values {
		out = append(out, reportChoice{Value: v, Label: v, Selected: v == chosen})
	}
	if chosen != "" && !slices.Contains(values, chosen) {
		out = append(out, reportChoice{Value: chosen, Label: chosen, Selected: true})
	}
	return out
}

// reportsCSV streams the metrics CSV of a selection to a signed-in
// person, as GET /api/v1/export/metrics.csv does for a token: the service
// decides what they may see. Refusals before the first byte are the
// interface's error pages; a failure after it breaks the connection, so
// that the download is not taken for whole.
func (s *Server) reportsCSV(allow func(*pregonero.User) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.uiSession(w, r, allow, false)
		if pregonero.ErrorCode(err) == pregonero.EUNAUTHORIZED {
			s.clearCookie(w, sessionCookie)
			s.uiToLogin(rq, nil)
			return
		}
		if err != nil {
			s.uiFail(rq, err)
			return
		}
		v := r.URL.Query()
		q, err := s.posts.ParseReportQuery(posting.ReportParams{From: v.Get("from"), To: v.Get("to"), Timezone: rq.Loc.String(),
			Campaign: v.Get("campaign"), Unit: v.Get("unit"), PlanLine: v.Get("plan_line"), Network: v.Get("network")})
		if err != nil {
			s.uiFail(rq, err)
			return
		}
		q.Zone = rq.Loc
		// The API's download: the same headers and file name, set at the
		// first byte.
		lw := &lazyCSV{w: w, name: exportFilename(v)}
		if _, err := s.posts.ExportMetricsCSV(rq.Context(), q, lw); err != nil {
			if lw.n == 0 {
				s.uiFail(rq, err)
				return
			}
			s.logger.ErrorContext(r.Context(), "metrics csv cut short", logErr, err, logBytes, lw.n)
			panic(http.ErrAbortHandler)
		}
	})
}

// idPart keeps the ASCII letters, digits, dashes and underscores of s,
// for an element's id.
func idPart(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, s)
}

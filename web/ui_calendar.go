package web

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"pregonero"
)

// The Calendario (/calendar): the posts of a month, a week or, as a paged
// list, of a month, a week or a day, in the person's zone, filtered by
// account, network, campaign, dependencia and status. A waiting post is
// moved to another day by dragging it (calendar.js fills and submits the
// page's move form) or with the move form of the list and of the post's
// page (POST /posts/{id}/move, see ui_post.go).

const (
	// calendarScanLimit bounds the posts read for one calendar page;
	// beyond it the page says it is incomplete.
	calendarScanLimit = 10_000
	// monthCellLimit and weekDayLimit are how many posts a day shows in
	// the month and week views; the rest are behind a link to the day's
	// list.
	monthCellLimit = 4
	weekDayLimit   = 30
	listPageSize   = 50
	// entryLength is the length of a post's text in the calendar.
	entryLength = 60
)

// Views and list periods, as the query parameters name them.
const (
	viewMonth   = "mes"
	viewWeek    = "semana"
	viewList    = "lista"
	periodMonth = "mes"
	periodWeek  = "semana"
	periodDay   = "dia"
	dateLayout  = "2006-01-02"
)

func (s *Server) calendarPage() uiPage {
	return uiPage{
		Path:   "/calendar",
		Menu:   "calendar.menu",
		Render: s.renderCalendar,
	}
}

// calQuery is what the calendar's address asks for.
type calQuery struct {
	View   string
	Period string // of the list view
	// Day is the day the view is about (midnight in the person's zone);
	// Explicit says the address named it.
	Day      time.Time
	Explicit bool
	Account  string
	Network  string
	Campaign string
	Unit     string
	Status   string
}

// parseCalQuery reads the query; what it does not understand is left at
// its default (today, the month view, no filter).
func parseCalQuery(rq *uiRequest) calQuery {
	v := rq.R.URL.Query()
	q := calQuery{View: viewMonth, Period: periodMonth, Day: startOfDay(rq.Now, rq.Loc),
		Account: strings.TrimSpace(v.Get("cuenta")), Network: strings.TrimSpace(v.Get("red")),
		Campaign: strings.TrimSpace(v.Get("campana")), Unit: strings.TrimSpace(v.Get("dependencia")),
		Status: strings.TrimSpace(v.Get("estado"))}
	switch v.Get("vista") {
	case viewWeek, viewList:
		q.View = v.Get("vista")
	}
	switch v.Get("periodo") {
	case periodWeek, periodDay:
		q.Period = v.Get("periodo")
	}
	if d, err := time.ParseInLocation(dateLayout, v.Get("fecha"), rq.Loc); err == nil {
		q.Day, q.Explicit = d, true
	}
	if !slices.Contains(calStatuses, pregonero.PostStatus(q.Status)) {
		q.Status = ""
	}
	return q
}

// calStatuses are the statuses the filter offers.
var calStatuses = []pregonero.PostStatus{pregonero.PostScheduled, pregonero.PostDraft, pregonero.PostPublishing,
	pregonero.PostPublished, pregonero.PostPartiallyPublished, pregonero.PostFailed, pregonero.PostHeld, pregonero.PostCanceled}

// values is the query of q, defaults left out.
func (q calQuery) values() url.Values {
	v := url.Values{}
	set := func(k, val, def string) {
		if val != def {
			v.Set(k, val)
		}
	}
	set("vista", q.View, viewMonth)
	if q.View == viewList {
		set("periodo", q.Period, periodMonth)
	}
	if q.Explicit {
		v.Set("fecha", q.Day.Format(dateLayout))
	}
	set("cuenta", q.Account, "")
	set("red", q.Network, "")
	set("campana", q.Campaign, "")
	set("dependencia", q.Unit, "")
	set("estado", q.Status, "")
	return v
}

// href is the calendar's address for q.
func (q calQuery) href() string {
	if v := q.values(); len(v) > 0 {
		return "/calendar?" + v.Encode()
	}
	return "/calendar"
}

// at returns q about another day.
func (q calQuery) at(day time.Time) calQuery {
	q.Day, q.Explicit = day, true
	return q
}

// filtered reports whether any filter is set.
func (q calQuery) filtered() bool {
	return q.Account != "" || q.Network != "" || q.Campaign != "" || q.Unit != "" || q.Status != ""
}

// span is the period a view is about, [from, to), and its neighbours'
// days. The month view shows whole weeks, so it reads from the Monday
// before the first to the Sunday after the last.
func (q calQuery) span() (from, to, prev, next time.Time) {
	d := q.Day
	loc := d.Location()
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, loc)
	period := q.Period
	switch q.View {
	case viewMonth:
		period = periodMonth
	case viewWeek:
		period = periodWeek
	}
	switch period {
	case periodWeek:
		from = calMonday(d)
		return from, from.AddDate(0, 0, 7), from.AddDate(0, 0, -7), from.AddDate(0, 0, 7)
	case periodDay:
		return d, d.AddDate(0, 0, 1), d.AddDate(0, 0, -1), d.AddDate(0, 0, 1)
	}
	from, to = first, first.AddDate(0, 1, 0)
	if q.View == viewMonth {
		from, to = calMonday(first), calMonday(to.AddDate(0, 0, -1)).AddDate(0, 0, 7)
	}
	return from, to, first.AddDate(0, -1, 0), first.AddDate(0, 1, 0)
}

// calMonday is the Monday of t's week, at midnight in t's zone.
func calMonday(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, t.Location())
}

type calendarData struct {
	View, Period string
	Heading      string
	// Prev, Next and Today lead to the neighbour periods and to today's.
	Prev, Next, Today string
	Views             []calLink
	Periods           []calLink
	Filters           calFilters
	Legend            []calNet
	// Weeks are the month view's rows, Days the week view's columns.
	Weeks [][]*calDay
	Days  []*calDay
	// List and Pager are the list view's.
	List  []calEntry
	Pager uiPager
	// Total is how many posts the period has: in the month view, those
	// of the month's own days.
	Total int
	// Truncated says the page stops at ScanLimit posts.
	Truncated bool
	ScanLimit int
	// CanMove says the person may move posts: the page carries the form
	// calendar.js submits when a post is dropped on a day.
	CanMove bool
	Here    string
	// Weekdays name the month view's columns, Monday first.
	Weekdays []string
}

type calLink struct {
	Label, Href string
	Current     bool
}

type calFilters struct {
	View, Period, Date string
	Account            string
	Network            string
	Campaign           string
	Unit               string
	Status             string
	Accounts           []calOption
	Networks           []calOption
	Units              []calOption
	Statuses           []calOption
	Campaigns          []calOption
	Active             bool
	Clear              string
}

type calOption struct {
	Value, Label string
	Selected     bool
}

// calDay is a day of the month or week view.
type calDay struct {
	Date    string // YYYY-MM-DD, where a dropped post moves to
	Number  int
	Heading string
	Href    string // the day's list
	Outside bool   // of another month, in the month view
	Today   bool
	Past    bool
	Entries []calEntry
	More    int
	count   int
}

// calEntry is a post in the calendar.
type calEntry struct {
	ID, Href  string
	Time      string
	DateTime  string
	Text      string
	Nets      []calNet
	NetClass  string // the colour of the entry: its one network's, or "multi"
	Targets   []targetRow
	Status    string
	StatusCls string
	Draft     bool
	// Movable says the person may move it: it waits, and every one of
	// its accounts is theirs. Move is its form in the list view.
	Movable bool
	Move    *postTimeForm
	Date    string
	Clock   string // HH:MM in the person's zone, the time a drop keeps
}

// calNet is a network named in a post or the legend.
type calNet struct {
	Class, Name string
}

func (s *Server) renderCalendar(rq *uiRequest) (*uiView, error) {
	ctx := rq.Context()
	q := parseCalQuery(rq)
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	byID := make(map[string]*pregonero.Account, len(accounts))
	for _, a := range accounts {
		byID[a.ID] = a
	}
	from, to, prev, next := q.span()
	posts, truncated, err := s.calendarPosts(ctx, q, from, to, accounts)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}

	data := calendarData{View: q.View, Period: q.Period, Truncated: truncated, ScanLimit: calendarScanLimit,
		Prev: q.at(prev).href(), Next: q.at(next).href(), Here: localPath(rq.R.URL.RequestURI()),
		CanMove: uiEditors(rq.User)}
	today := q
	today.Explicit, today.Day = false, startOfDay(rq.Now, rq.Loc)
	data.Today = today.href()
	data.Heading = calHeading(rq, q, from, to)
	for _, v := range []struct{ view, key string }{{viewMonth, "calendar.view.month"}, {viewWeek, "calendar.view.week"}, {viewList, "calendar.view.list"}} {
		o := q
		o.View = v.view
		data.Views = append(data.Views, calLink{Label: rq.P.T(v.key), Href: o.href(), Current: q.View == v.view})
	}
	if q.View == viewList {
		for _, p := range []struct{ period, key string }{{periodMonth, "calendar.period.month"}, {periodWeek, "calendar.period.week"}, {periodDay, "calendar.period.day"}} {
			o := q
			o.Period = p.period
			data.Periods = append(data.Periods, calLink{Label: rq.P.T(p.key), Href: o.href(), Current: q.Period == p.period})
		}
	}
	campaigns, read := s.calCampaigns(rq)
	data.Filters = calFilterData(rq, q, accounts, campaigns, read)
	for _, n := range pregonero.Networks {
		data.Legend = append(data.Legend, calNet{Class: string(n), Name: n.Title()})
	}

	dayList := func(day time.Time) string {
		o := q.at(day)
		o.View, o.Period = viewList, periodDay
		return o.href()
	}
	todayKey := rq.Now.In(rq.Loc).Format(dateLayout)
	switch q.View {
	case viewList:
		page, pager := paginate(rq.R.URL, "pagina", posts, listPageSize)
		for _, p := range page {
			e := s.calEntry(rq, p, byID)
			e.Targets = calTargets(rq, p, byID)
			if e.Movable {
				e.Move = &postTimeForm{Action: "/posts/" + e.ID + "/move", Prefix: "mover-" + e.ID, Submit: "post.move.submit",
					Fecha: e.Date, Hora: e.Clock, Next: data.Here, Zone: rq.Loc.String()}
			}
			data.List = append(data.List, e)
		}
		data.Pager, data.Total = pager, len(posts)
	default:
		limit := monthCellLimit
		if q.View == viewWeek {
			limit = weekDayLimit
		}
		var days []*calDay
		index := map[string]*calDay{}
		for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
			key := d.Format(dateLayout)
			cd := &calDay{Date: key, Number: d.Day(), Heading: rq.Date(d), Href: dayList(d),
				Outside: q.View == viewMonth && d.Month() != q.Day.Month(), Today: key == todayKey, Past: key < todayKey}
			days = append(days, cd)
			index[key] = cd
		}
		for _, p := range posts {
			cd := index[p.ScheduledAt.In(rq.Loc).Format(dateLayout)]
			if cd == nil {
				continue
			}
			cd.count++
			if !cd.Outside {
				data.Total++
			}
			if len(cd.Entries) < limit {
				cd.Entries = append(cd.Entries, s.calEntry(rq, p, byID))
			}
		}
		for _, cd := range days {
			cd.More = cd.count - len(cd.Entries)
		}
		if q.View == viewWeek {
			data.Days = days
		} else {
			for i := 0; i < len(days); i += 7 {
				data.Weeks = append(data.Weeks, days[i:min(i+7, len(days))])
			}
		}
		for i := 1; i <= 7; i++ {
			data.Weekdays = append(data.Weekdays, rq.P.T("calendar.weekday."+strconv.Itoa(i%7)))
		}
	}
	return &uiView{Template: "calendar", Title: "calendar.title", Data: data,
		Scripts: []string{"calendar.js"}, Styles: []string{"calendar.css"}}, nil
}

// calHeading names the period shown.
func calHeading(rq *uiRequest, q calQuery, from, to time.Time) string {
	period := q.Period
	switch q.View {
	case viewMonth:
		period = periodMonth
	case viewWeek:
		period = periodWeek
	}
	switch period {
	case periodWeek:
		return rq.P.T("calendar.heading.week", rq.Date(from), rq.Date(to.AddDate(0, 0, -1)))
	case periodDay:
		return rq.Date(q.Day)
	}
	return rq.P.T("calendar.heading.month", rq.P.T("calendar.month."+strconv.Itoa(int(q.Day.Month()))), q.Day.Year())
}

// calendarPosts reads the posts of [from, to) that pass the filters, in
// time order, up to calendarScanLimit: the account, campaign and status
// are asked of the store; the network and the dependencia, which are the
// accounts', are checked here, unless they leave a single account.
// Canceled posts are left out unless the status filter asks for them.
func (s *Server) calendarPosts(ctx context.Context, q calQuery, from, to time.Time, accounts []*pregonero.Account) ([]*pregonero.Post, bool, error) {
	f := pregonero.PostFilter{From: from, To: to, Account: q.Account, Campaign: q.Campaign,
		Status: pregonero.PostStatus(q.Status), Limit: 500}
	allowed := map[string]bool{}
	for _, a := range accounts {
		if (q.Network == "" || string(a.Network) == q.Network) && (q.Unit == "" || a.Unit == q.Unit) {
			allowed[a.ID] = true
		}
	}
	byAccount := q.Network != "" || q.Unit != ""
	if byAccount && f.Account == "" && len(allowed) == 1 {
		for id := range allowed {
			f.Account = id
		}
	}
	if byAccount && (len(allowed) == 0 || f.Account != "" && !allowed[f.Account]) {
		return nil, false, nil
	}
	var out []*pregonero.Post
	read := 0
	for {
		page, err := s.posts.Posts(ctx, f)
		if err != nil {
			return nil, false, err
		}
		read += len(page.Posts)
		for _, p := range page.Posts {
			if p.ScheduledAt.IsZero() || p.Status == pregonero.PostCanceled && q.Status != string(pregonero.PostCanceled) {
				continue
			}
			if byAccount && !slices.ContainsFunc(p.Targets, func(id string) bool { return allowed[id] }) {
				continue
			}
			out = append(out, p)
		}
		if page.Next == "" {
			return out, false, nil
		}
		if read >= calendarScanLimit {
			return out, true, nil
		}
		f.Cursor = page.Next
	}
}

// calEntry is how the calendar shows a post.
func (s *Server) calEntry(rq *uiRequest, p *pregonero.Post, accounts map[string]*pregonero.Account) calEntry {
	at := p.ScheduledAt.In(rq.Loc)
	e := calEntry{ID: p.ID, Href: "/posts/" + p.ID, Time: rq.Clock(at), DateTime: rq.DateTime(at), Text: calShortText(p.Text, entryLength),
		Status: postStatusText(rq.P, p.Status), StatusCls: string(p.Status), Draft: p.IsDraft(),
		Date: at.Format(dateLayout), Clock: at.Format("15:04")}
	if e.Text == "" {
		e.Text = rq.P.T("calendar.no_text")
	}
	for _, n := range calNetworks(p, accounts) {
		e.Nets = append(e.Nets, calNet{Class: string(n), Name: n.Title()})
	}
	switch len(e.Nets) {
	case 0:
		e.NetClass = "none"
	case 1:
		e.NetClass = e.Nets[0].Class
	default:
		e.NetClass = "multi"
	}
	e.Movable = postMovable(p) && mayChangePost(rq.User, p, accounts)
	return e
}

// calTargets lists the post's accounts, each with its delivery's state.
func calTargets(rq *uiRequest, p *pregonero.Post, accounts map[string]*pregonero.Account) []targetRow {
	var out []targetRow
	for _, id := range p.Targets {
		row := targetRow{Account: calAccountName(accounts, id)}
		if a := accounts[id]; a != nil {
			row.Network = a.Network.Title()
		}
		for _, d := range p.Deliveries {
			if d.AccountID == id {
				row.Network, row.State, row.StateClass = d.Network.Title(), stateText(rq.P, d.State), string(d.State)
			}
		}
		out = append(out, row)
	}
	return out
}

// calNetworks are the networks a post goes to, in display order.
func calNetworks(p *pregonero.Post, accounts map[string]*pregonero.Account) []pregonero.Network {
	seen := map[pregonero.Network]bool{}
	for _, d := range p.Deliveries {
		seen[d.Network] = true
	}
	for _, id := range p.Targets {
		if a := accounts[id]; a != nil {
			seen[a.Network] = true
		}
	}
	var out []pregonero.Network
	for _, n := range pregonero.Networks {
		if seen[n] {
			out = append(out, n)
		}
	}
	return out
}

func calAccountName(accounts map[string]*pregonero.Account, id string) string {
	if a := accounts[id]; a != nil {
		return cmp.Or(a.Name, a.ID)
	}
	return id
}

// calShortText is the start of a text, on one line, at most n characters.
func calShortText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}

// calFilterData is the filter form: the values asked for and the choices.
// read says whether the campaigns could be read.
func calFilterData(rq *uiRequest, q calQuery, accounts []*pregonero.Account, campaigns []*pregonero.Campaign, read bool) calFilters {
	f := calFilters{View: q.View, Account: q.Account, Network: q.Network, Campaign: q.Campaign, Unit: q.Unit, Status: q.Status, Active: q.filtered()}
	if q.View == viewList {
		f.Period = q.Period
	}
	if q.Explicit {
		f.Date = q.Day.Format(dateLayout)
	}
	clear := calQuery{View: q.View, Period: q.Period, Day: q.Day, Explicit: q.Explicit}
	f.Clear = clear.href()
	units := map[string]bool{}
	for _, a := range accounts {
		f.Accounts = append(f.Accounts, calOption{Value: a.ID, Label: cmp.Or(a.Name, a.ID) + " (" + a.Network.Title() + ")", Selected: a.ID == q.Account})
		if a.Unit != "" {
			units[a.Unit] = true
		}
	}
	for _, n := range pregonero.Networks {
		f.Networks = append(f.Networks, calOption{Value: string(n), Label: n.Title(), Selected: string(n) == q.Network})
	}
	for _, u := range slices.Sorted(maps.Keys(units)) {
		f.Units = append(f.Units, calOption{Value: u, Label: u, Selected: u == q.Unit})
	}
	for _, st := range calStatuses {
		f.Statuses = append(f.Statuses, calOption{Value: string(st), Label: postStatusText(rq.P, st), Selected: string(st) == q.Status})
	}
	found := q.Campaign == ""
	for _, c := range campaigns {
		f.Campaigns = append(f.Campaigns, calOption{Value: c.ID, Label: c.Name, Selected: c.ID == q.Campaign})
		found = found || c.ID == q.Campaign
	}
	if !found {
		// An address naming a campaign that is not in the list: the
		// filter keeps it, by its id, so that the form says what the
		// page shows.
		label := q.Campaign
		if read {
			label = rq.P.T("calendar.filter.unknown_campaign", q.Campaign)
		}
		f.Campaigns = append(f.Campaigns, calOption{Value: q.Campaign, Label: label, Selected: true})
	}
	return f
}

// calCampaigns are the campaigns the filter offers, by name, and whether
// they could be read. A failed read is logged and leaves the filter
// without choices: the calendar is not worth failing for them.
func (s *Server) calCampaigns(rq *uiRequest) ([]*pregonero.Campaign, bool) {
	list, err := s.posts.Campaigns(rq.Context())
	if err != nil {
		s.logger.ErrorContext(rq.Context(), "read campaigns for the calendar", logErr, err)
		return nil, false
	}
	return list, true
}

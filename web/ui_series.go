package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/rrule"
)

// Series (/series): the recurring posts, with a form that builds the
// rule in words (daily; weekly on some days; monthly on a day of the
// month or on "the second Tuesday"; until a date or a number of times;
// exceptions) and previews the next dates before saving; and each
// series' page (/series/{id}) with its next occurrences, each linking to
// its post, a button to skip one, the form that changes the series and
// the buttons that pause, resume or end it. Everyone signed in reads
// them; admins and editors get the forms, and the posting service
// decides which accounts each may use.

// seriesShown is how many occurrences the pages list.
const seriesShown = 10

// seriesDays are the days of the week in the form's order, Monday first
// as in Colombia, with their RRULE codes.
var seriesDays = []struct {
	Code string
	Day  time.Weekday
}{{"MO", time.Monday}, {"TU", time.Tuesday}, {"WE", time.Wednesday}, {"TH", time.Thursday}, {"FR", time.Friday}, {"SA", time.Saturday}, {"SU", time.Sunday}}

func (s *Server) seriesListPage() uiPage {
	return uiPage{
		Path: "/series",
		Menu: "series.menu",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderSeriesList(rq, newSeriesForm(rq), nil, http.StatusOK)
		},
		Forms: []uiForm{{Path: "/series", Allow: uiEditors, Handle: s.uiCreateSeries}},
	}
}

func (s *Server) seriesPage() uiPage {
	return uiPage{
		Path: "/series/{id}",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderSeries(rq, nil, nil, http.StatusOK)
		},
		Forms: []uiForm{
			{Path: "/series/{id}", Allow: uiEditors, Handle: s.uiUpdateSeries},
			{Path: "/series/{id}/skip", Allow: uiEditors, Handle: s.uiSkipOccurrence},
			{Path: "/series/{id}/state", Allow: uiEditors, Handle: s.uiSeriesState},
		},
	}
}

// seriesForm is the rule builder and the post as filled in, with errors
// by field.
type seriesForm struct {
	Name, Text, Link, Zone string
	StartDate, StartTime   string
	// Freq is daily, weekly or monthly; Interval "every N".
	Freq, Interval string
	// Days are the RRULE codes of the weekly days chosen.
	Days []string
	// Monthly is "day" (MonthDay, "-1" the last) or "nth" (Nth, NthDay).
	Monthly, MonthDay, Nth, NthDay string
	// Ends is never, until (Until, a date) or count (Count).
	Ends, Until, Count string
	// Exceptions are dates, one a line.
	Exceptions string
	Targets    []string
	// Accounts are the accounts the person may choose.
	Accounts []seriesAccount
	Errors   map[string]string
	// Action is "preview" to see the dates without saving.
	Action string
	// MonthDays and Nths are the choices of the monthly rule.
	MonthDays []string
	Nths      []seriesChoice
}

// seriesChoice is an option of a select.
type seriesChoice struct {
	Value, Label string
}

type seriesAccount struct {
	ID, Name, Network string
	Checked           bool
}

// Err is the error of a field, empty when it has none.
func (f *seriesForm) Err(field string) string { return f.Errors[field] }

// Has reports whether a weekly day is chosen.
func (f *seriesForm) Has(code string) bool { return slices.Contains(f.Days, code) }

func newSeriesForm(rq *uiRequest) *seriesForm {
	tomorrow := rq.Now.In(rq.Loc).AddDate(0, 0, 1)
	return &seriesForm{Zone: rq.Loc.String(), StartDate: tomorrow.Format("2006-01-02"), StartTime: "07:00", Freq: "weekly", Interval: "1",
		Days: []string{seriesDays[(int(tomorrow.Weekday())+6)%7].Code}, Monthly: "day", MonthDay: strconv.Itoa(tomorrow.Day()), Nth: "1",
		NthDay: "MO", Ends: "never", Errors: map[string]string{}}
}

// parseSeriesForm reads the posted form.
func parseSeriesForm(rq *uiRequest) *seriesForm {
	_ = rq.R.ParseForm()
	f := &seriesForm{Name: rq.Form("name"), Text: rq.Form("text"), Link: strings.TrimSpace(rq.Form("link")), Zone: strings.TrimSpace(rq.Form("zone")),
		StartDate: strings.TrimSpace(rq.Form("start_date")), StartTime: strings.TrimSpace(rq.Form("start_time")),
		Freq: rq.Form("freq"), Interval: strings.TrimSpace(rq.Form("interval")), Days: rq.R.PostForm["days"],
		Monthly: rq.Form("monthly"), MonthDay: rq.Form("month_day"), Nth: rq.Form("nth"), NthDay: rq.Form("nth_day"),
		Ends: rq.Form("ends"), Until: strings.TrimSpace(rq.Form("until")), Count: strings.TrimSpace(rq.Form("count")),
		Exceptions: rq.Form("exceptions"), Targets: rq.R.PostForm["targets"], Action: rq.Form("action"), Errors: map[string]string{}}
	return f
}

// seriesFormOf is the change form of a series as it is.
func seriesFormOf(rq *uiRequest, sr *pregonero.Series) *seriesForm {
	f := &seriesForm{Name: sr.Name, Text: sr.Text, Link: sr.Link, Zone: sr.Zone, Freq: "weekly", Interval: "1", Monthly: "day", Nth: "1", NthDay: "MO",
		Ends: "never", Exceptions: strings.Join(sr.Exceptions, "\n"), Targets: slices.Clone(sr.Targets), Errors: map[string]string{}}
	if d, err := rrule.ParseDateTime(sr.Start); err == nil {
		f.StartDate = fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
		f.StartTime = fmt.Sprintf("%02d:%02d", d.Hour, d.Minute)
		f.MonthDay = strconv.Itoa(d.Day)
	}
	r, err := rrule.Parse(sr.Rule)
	if err != nil {
		return f
	}
	f.Freq = map[rrule.Freq]string{rrule.Daily: "daily", rrule.Weekly: "weekly", rrule.Monthly: "monthly"}[r.Freq]
	f.Interval = strconv.Itoa(max(r.Interval, 1))
	for _, d := range r.ByDay {
		code := d.String()[len(d.String())-2:]
		if d.N != 0 {
			f.Monthly, f.Nth, f.NthDay = "nth", strconv.Itoa(d.N), code
		} else {
			f.Days = append(f.Days, code)
		}
	}
	if len(r.ByMonthDay) > 0 {
		f.MonthDay = strconv.Itoa(r.ByMonthDay[0])
	}
	switch {
	case r.Count > 0:
		f.Ends, f.Count = "count", strconv.Itoa(r.Count)
	case !r.UntilLocal.IsZero():
		f.Ends, f.Until = "until", fmt.Sprintf("%04d-%02d-%02d", r.UntilLocal.Year, int(r.UntilLocal.Month), r.UntilLocal.Day)
	case !r.Until.IsZero():
		loc, _ := time.LoadLocation(sr.Zone)
		if loc == nil {
			loc = rq.Loc
		}
		f.Ends, f.Until = "until", r.Until.In(loc).Format("2006-01-02")
	}
	return f
}

// rule builds the RRULE the form describes; what the builder itself
// lacks (no day for a weekly rule) is an error on its field.
func (f *seriesForm) rule(rq *uiRequest) string {
	var parts []string
	switch f.Freq {
	case "daily":
		parts = append(parts, "FREQ=DAILY")
	case "monthly":
		parts = append(parts, "FREQ=MONTHLY")
	default:
		parts = append(parts, "FREQ=WEEKLY")
	}
	if n, err := strconv.Atoi(f.Interval); err != nil || n < 1 || n > 1000 {
		f.Errors["interval"] = rq.P.T("series.error.interval")
	} else if n > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(n))
	}
	switch f.Freq {
	case "weekly", "":
		var days []string
		for _, d := range seriesDays {
			if f.Has(d.Code) {
				days = append(days, d.Code)
			}
		}
		if len(days) == 0 {
			f.Errors["days"] = rq.P.T("series.error.days")
		} else {
			parts = append(parts, "BYDAY="+strings.Join(days, ","))
		}
	case "monthly":
		if f.Monthly == "nth" {
			parts = append(parts, "BYDAY="+f.Nth+f.NthDay)
		} else {
			parts = append(parts, "BYMONTHDAY="+f.MonthDay)
		}
	}
	switch f.Ends {
	case "until":
		if d, err := time.Parse("2006-01-02", f.Until); err != nil {
			f.Errors["until"] = rq.P.T("series.error.until")
		} else {
			parts = append(parts, "UNTIL="+d.Format("20060102"))
		}
	case "count":
		if n, err := strconv.Atoi(f.Count); err != nil || n < 1 {
			f.Errors["count"] = rq.P.T("series.error.count")
		} else {
			parts = append(parts, "COUNT="+strconv.Itoa(n))
		}
	}
	return strings.Join(parts, ";")
}

func (f *seriesForm) exceptions() []string {
	var out []string
	for _, l := range strings.FieldsFunc(f.Exceptions, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (f *seriesForm) start() string { return f.StartDate + "T" + f.StartTime }

func (f *seriesForm) request(rq *uiRequest) *posting.SeriesRequest {
	return &posting.SeriesRequest{Name: f.Name, Rule: f.rule(rq), Start: f.start(), Zone: f.Zone, Text: f.Text, Link: f.Link,
		Targets: f.Targets, Exceptions: f.exceptions()}
}

func (f *seriesForm) patch(rq *uiRequest) *posting.SeriesPatch {
	rule, start, ex, targets := f.rule(rq), f.start(), f.exceptions(), slices.Clone(f.Targets)
	if ex == nil {
		ex = []string{}
	}
	return &posting.SeriesPatch{Name: &f.Name, Rule: &rule, Start: &start, Zone: &f.Zone, Text: &f.Text, Link: &f.Link,
		Targets: &targets, Exceptions: &ex}
}

// seriesFieldOf is the form field a service's field error goes next to.
func seriesFieldOf(field string) string {
	switch {
	case field == "rule":
		return "freq"
	case field == "start":
		return "start_date"
	case strings.HasPrefix(field, "exceptions"):
		return "exceptions"
	case slices.Contains([]string{"name", "zone", "text", "link", "targets"}, field):
		return field
	}
	return "text" // media, overrides, campaign: what the post carries
}

// fieldErrors puts the service's field errors next to the fields, and
// reports whether err was about them.
func (f *seriesForm) fieldErrors(rq *uiRequest, err error) bool {
	e, _ := asAppError(err)
	if e.Code != pregonero.EINVALID || len(e.Fields) == 0 {
		return false
	}
	for _, fe := range e.Fields {
		field := seriesFieldOf(fe.Field)
		key := "series.error." + field
		if fe.Code == pregonero.FieldDuplicate && field == "name" {
			key = "series.error.name_taken"
		}
		msg := fe.Message
		if fe.Target != "" {
			msg = fe.Target + ": " + msg
		}
		text := rq.P.T(key) + " " + rq.P.T("error.detail", msg)
		if prev := f.Errors[field]; prev != "" {
			text = prev + " " + rq.P.T("error.detail", msg)
		}
		f.Errors[field] = text
	}
	return true
}

// accounts fills the accounts the person may choose: those they may post
// to, and those the series already has.
func (s *Server) seriesAccounts(rq *uiRequest, f *seriesForm) error {
	for d := 1; d <= 31; d++ {
		f.MonthDays = append(f.MonthDays, strconv.Itoa(d))
	}
	for _, n := range []string{"1", "2", "3", "4", "-1"} {
		f.Nths = append(f.Nths, seriesChoice{Value: n, Label: rq.P.T("series.nth." + n)})
	}
	accounts, err := s.posts.Accounts(rq.Context())
	if err != nil {
		return fmt.Errorf("series: %w", err)
	}
	for _, a := range accounts {
		if !rq.User.CanPostTo(a) && !slices.Contains(f.Targets, a.ID) {
			continue
		}
		f.Accounts = append(f.Accounts, seriesAccount{ID: a.ID, Name: a.Name, Network: a.Network.Title(), Checked: slices.Contains(f.Targets, a.ID)})
	}
	return nil
}

// seriesRow is a series as the list shows it.
type seriesRow struct {
	ID, Name, Rule, State, StateClass, Next, Error, Targets string
}

// seriesWhen writes an occurrence's date and time as es-CO says it:
// "lunes 7 de diciembre de 2026, 07:00".
func seriesWhen(rq *uiRequest, t time.Time) string {
	t = t.In(rq.Loc)
	return rq.P.T("series.when", rq.P.T("series.day."+strconv.Itoa(int(t.Weekday()))), t.Day(),
		rq.P.T("series.month."+strconv.Itoa(int(t.Month()))), t.Year(), t.Format("15:04"))
}

// ruleText says a series' rule in words, in the page's language.
func ruleText(rq *uiRequest, sr *pregonero.Series) string {
	r, err := rrule.Parse(sr.Rule)
	if err != nil {
		return sr.Rule
	}
	day := func(d time.Weekday) string { return rq.P.T("series.day." + strconv.Itoa(int(d))) }
	n := max(r.Interval, 1)
	var text string
	switch r.Freq {
	case rrule.Daily:
		text = rq.P.T("series.rule.daily")
		if n > 1 {
			text = rq.P.T("series.rule.daily_n", n)
		}
	case rrule.Weekly:
		var days []string
		for _, d := range seriesDays {
			if slices.ContainsFunc(r.ByDay, func(w rrule.WeekdayNum) bool { return w.Day == d.Day }) {
				days = append(days, day(d.Day))
			}
		}
		if len(days) == 0 {
			if st, err := rrule.ParseDateTime(sr.Start); err == nil {
				days = []string{day(time.Date(st.Year, st.Month, st.Day, 0, 0, 0, 0, time.UTC).Weekday())}
			}
		}
		list := strings.Join(days, ", ")
		if len(days) > 1 {
			list = strings.Join(days[:len(days)-1], ", ") + rq.P.T("series.rule.and") + days[len(days)-1]
		}
		text = rq.P.T("series.rule.weekly", list)
		if n > 1 {
			text = rq.P.T("series.rule.weekly_n", n, list)
		}
	case rrule.Monthly:
		switch {
		case len(r.ByDay) > 0 && r.ByDay[0].N != 0:
			text = rq.P.T("series.rule.monthly_nth", rq.P.T("series.nth."+strconv.Itoa(r.ByDay[0].N)), day(r.ByDay[0].Day))
		case len(r.ByMonthDay) > 0 && r.ByMonthDay[0] == -1:
			text = rq.P.T("series.rule.monthly_last")
		case len(r.ByMonthDay) > 0:
			text = rq.P.T("series.rule.monthly_day", r.ByMonthDay[0])
		default:
			if st, err := rrule.ParseDateTime(sr.Start); err == nil {
				text = rq.P.T("series.rule.monthly_day", st.Day)
			}
		}
		if n > 1 {
			text += rq.P.T("series.rule.every_months", n)
		}
	}
	if st, err := rrule.ParseDateTime(sr.Start); err == nil {
		text += rq.P.T("series.rule.at", fmt.Sprintf("%02d:%02d", st.Hour, st.Minute), sr.Zone)
	}
	switch {
	case r.Count > 0:
		text += rq.P.T("series.rule.count", r.Count)
	case !r.UntilLocal.IsZero():
		u := r.UntilLocal
		text += rq.P.T("series.rule.until", rq.Date(time.Date(u.Year, u.Month, u.Day, 12, 0, 0, 0, rq.Loc)))
	case !r.Until.IsZero():
		text += rq.P.T("series.rule.until", rq.Date(r.Until))
	}
	return text
}

func (s *Server) seriesRow(rq *uiRequest, sr *pregonero.Series) seriesRow {
	row := seriesRow{ID: sr.ID, Name: sr.Name, Rule: ruleText(rq, sr), State: rq.P.T("series.state." + string(sr.State)),
		StateClass: string(sr.State), Error: sr.LastError, Targets: strings.Join(sr.Targets, ", ")}
	if sr.State != pregonero.SeriesEnded {
		if occs, err := s.posts.PreviewSeries(rq.Context(), &posting.SeriesRequest{Rule: sr.Rule, Start: sr.Start, Zone: sr.Zone, Exceptions: sr.Exceptions}, 1); err == nil && len(occs) > 0 {
			row.Next = seriesWhen(rq, occs[0].At)
		}
	}
	return row
}

// occurrencesTable is the table of occurrences: Actions adds the button
// that skips one, on the series ID.
type occurrencesTable struct {
	ID      string
	Rows    []seriesOccurrence
	Actions bool
}

// seriesOccurrence is an occurrence as the pages show it.
type seriesOccurrence struct {
	Name, When, PostID, Status, StatusClass string
	Moved, Skipped, Detached, CanSkip       bool
}

func occurrenceRows(rq *uiRequest, occs []posting.Occurrence) []seriesOccurrence {
	var out []seriesOccurrence
	for _, o := range occs {
		row := seriesOccurrence{Name: o.Occurrence, When: seriesWhen(rq, o.At), PostID: o.PostID, Moved: o.Moved, Skipped: o.Skipped, Detached: o.Detached}
		switch {
		case o.Skipped:
			row.Status, row.StatusClass = rq.P.T("series.occ.skipped"), "canceled"
		case o.PostID == "":
			row.Status, row.StatusClass = rq.P.T("series.occ.not_made"), "draft"
		default:
			row.Status, row.StatusClass = postStatusText(rq.P, o.Status), string(o.Status)
		}
		row.CanSkip = !o.Skipped && (o.PostID == "" || o.Status == pregonero.PostScheduled || o.Status == pregonero.PostHeld)
		out = append(out, row)
	}
	return out
}

type seriesListData struct {
	Series  []seriesRow
	Form    *seriesForm
	Preview *occurrencesTable
	// CanCreate says the user may add series (admins, editors).
	CanCreate bool
	Days      []seriesDayChoice
}

// seriesDayChoice is a day of the week in the builder.
type seriesDayChoice struct {
	Code, Name string
}

func seriesDayChoices(rq *uiRequest) []seriesDayChoice {
	out := make([]seriesDayChoice, len(seriesDays))
	for i, d := range seriesDays {
		out[i] = seriesDayChoice{Code: d.Code, Name: rq.P.T("series.day." + strconv.Itoa(int(d.Day)))}
	}
	return out
}

func (s *Server) renderSeriesList(rq *uiRequest, form *seriesForm, preview []seriesOccurrence, status int) (*uiView, error) {
	list, err := s.posts.SeriesList(rq.Context())
	if err != nil {
		return nil, fmt.Errorf("series: %w", err)
	}
	data := seriesListData{Form: form, Preview: previewTable(preview), CanCreate: uiEditors(rq.User), Days: seriesDayChoices(rq)}
	for _, sr := range list {
		data.Series = append(data.Series, s.seriesRow(rq, sr))
	}
	if data.CanCreate {
		if err := s.seriesAccounts(rq, form); err != nil {
			return nil, err
		}
	}
	v := &uiView{Template: "series", Title: "series.title", Data: &data, Status: status, Styles: []string{"series.css"}, Scripts: []string{"series.js"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("series.error.summary")}
	}
	return v, nil
}

// preview lists the next dates the form's rule gives, or puts its errors
// next to the fields.
func (s *Server) seriesPreview(rq *uiRequest, f *seriesForm) ([]seriesOccurrence, bool, error) {
	req := f.request(rq)
	if len(f.Errors) > 0 {
		return nil, false, nil
	}
	occs, err := s.posts.PreviewSeries(rq.Context(), req, seriesShown)
	switch {
	case err == nil:
		return occurrenceRows(rq, occs), true, nil
	case f.fieldErrors(rq, err):
		return nil, false, nil
	}
	return nil, false, err
}

// uiCreateSeries previews the form's dates, or adds the series and goes
// to its page.
func (s *Server) uiCreateSeries(rq *uiRequest) (*uiView, error) {
	f := parseSeriesForm(rq)
	if f.Action == "preview" {
		preview, ok, err := s.seriesPreview(rq, f)
		if err != nil {
			return nil, err
		}
		status := http.StatusOK
		if !ok {
			status = http.StatusUnprocessableEntity
		}
		return s.renderSeriesList(rq, f, preview, status)
	}
	req := f.request(rq)
	if len(f.Errors) > 0 {
		return s.renderSeriesList(rq, f, nil, http.StatusUnprocessableEntity)
	}
	sr, ch, err := s.posts.CreateSeries(rq.Context(), req)
	switch {
	case err == nil:
		return uiRedirect("/series/"+url.PathEscape(sr.ID), &uiFlash{Kind: "ok", Text: rq.P.T("series.flash.created", sr.Name, ch.Created)}), nil
	case f.fieldErrors(rq, err):
		return s.renderSeriesList(rq, f, nil, http.StatusUnprocessableEntity)
	}
	return nil, err
}

type seriesData struct {
	Series      seriesRow
	Text, Link  string
	LastErrorAt string
	Occurrences *occurrencesTable
	Preview     *occurrencesTable
	Form        *seriesForm
	Days        []seriesDayChoice
	// CanEdit says the user may change this series (and it has not
	// ended); Paused and Ended say which state buttons apply.
	CanEdit, Paused, Ended bool
}

// maySeries reports whether the user may change a series to these
// targets, as the posting service decides.
func (s *Server) maySeries(rq *uiRequest, sr *pregonero.Series) bool {
	if !uiEditors(rq.User) {
		return false
	}
	for _, id := range sr.Targets {
		a, err := s.posts.Account(rq.Context(), id)
		if err == nil && !rq.User.CanPostTo(a) {
			return false
		}
	}
	return true
}

// renderSeries shows a series' page; form is the change form as posted,
// nil to show the series as it is.
func (s *Server) renderSeries(rq *uiRequest, form *seriesForm, preview []seriesOccurrence, status int) (*uiView, error) {
	ctx := rq.Context()
	sr, err := s.posts.Series(ctx, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = seriesFormOf(rq, sr)
	}
	occs, err := s.posts.SeriesOccurrences(ctx, sr.ID, seriesShown)
	if err != nil {
		return nil, fmt.Errorf("series %s: %w", sr.ID, err)
	}
	d := seriesData{Series: s.seriesRow(rq, sr), Text: sr.Text, Link: sr.Link, Preview: previewTable(preview), Form: form,
		Days: seriesDayChoices(rq), Ended: sr.State == pregonero.SeriesEnded, Paused: sr.State == pregonero.SeriesPaused}
	if !sr.LastErrorAt.IsZero() {
		d.LastErrorAt = rq.DateTime(sr.LastErrorAt)
	}
	d.CanEdit = !d.Ended && s.maySeries(rq, sr)
	d.Occurrences = &occurrencesTable{ID: sr.ID, Rows: occurrenceRows(rq, occs), Actions: d.CanEdit}
	if d.CanEdit {
		if err := s.seriesAccounts(rq, form); err != nil {
			return nil, err
		}
	}
	if d.Ended {
		d.Occurrences = nil
	}
	v := &uiView{Template: "series_one", Title: "series.one_title", Data: &d, Status: status, Styles: []string{"series.css"}, Scripts: []string{"series.js"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("series.error.summary")}
	}
	return v, nil
}

// previewTable is the table of a preview, nil without one.
func previewTable(rows []seriesOccurrence) *occurrencesTable {
	if rows == nil {
		return nil
	}
	return &occurrencesTable{Rows: rows}
}

// changeFlash says what a change did to the series' posts.
func changeFlash(rq *uiRequest, key string, ch *posting.SeriesChange) *uiFlash {
	return &uiFlash{Kind: "ok", Text: rq.P.T(key, ch.Updated, ch.Canceled, ch.Kept, ch.Created)}
}

// uiUpdateSeries previews or saves the change form over the series.
func (s *Server) uiUpdateSeries(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	f := parseSeriesForm(rq)
	if f.Action == "preview" {
		preview, ok, err := s.seriesPreview(rq, f)
		if err != nil {
			return nil, err
		}
		status := http.StatusOK
		if !ok {
			status = http.StatusUnprocessableEntity
		}
		return s.renderSeries(rq, f, preview, status)
	}
	patch := f.patch(rq)
	if len(f.Errors) > 0 {
		return s.renderSeries(rq, f, nil, http.StatusUnprocessableEntity)
	}
	sr, ch, err := s.posts.UpdateSeries(rq.Context(), id, patch)
	switch {
	case err == nil:
		return uiRedirect("/series/"+url.PathEscape(sr.ID), changeFlash(rq, "series.flash.updated", ch)), nil
	case f.fieldErrors(rq, err):
		return s.renderSeries(rq, f, nil, http.StatusUnprocessableEntity)
	}
	return nil, err
}

// uiSkipOccurrence skips one occurrence and cancels its post.
func (s *Server) uiSkipOccurrence(rq *uiRequest) (*uiView, error) {
	id, occ := rq.R.PathValue("id"), rq.Form("occurrence")
	sr, err := s.posts.SkipOccurrence(rq.Context(), id, occ)
	if err != nil {
		return nil, err
	}
	when := occ
	if d, err := rrule.ParseDateTime(occ); err == nil {
		loc, _ := time.LoadLocation(sr.Zone)
		if t, _ := d.In(loc); loc != nil {
			when = seriesWhen(rq, t)
		}
	}
	return uiRedirect("/series/"+url.PathEscape(sr.ID)+"#occurrences", &uiFlash{Kind: "ok", Text: rq.P.T("series.flash.skipped", when)}), nil
}

// uiSeriesState pauses, resumes or ends a series.
func (s *Server) uiSeriesState(rq *uiRequest) (*uiView, error) {
	state := pregonero.SeriesState(rq.Form("state"))
	sr, ch, err := s.posts.SetSeriesState(rq.Context(), rq.R.PathValue("id"), state)
	if err != nil {
		return nil, err
	}
	var text string
	switch sr.State {
	case pregonero.SeriesActive:
		text = rq.P.T("series.flash.state.active", ch.Created)
	case pregonero.SeriesEnded:
		text = rq.P.T("series.flash.state.ended", ch.Canceled)
	default:
		text = rq.P.T("series.flash.state.paused")
	}
	return uiRedirect("/series/"+url.PathEscape(sr.ID), &uiFlash{Kind: "ok", Text: text}), nil
}

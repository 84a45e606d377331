package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
)

// Fuentes (/feeds): the news feeds whose new items become drafts, each
// with its state (last poll, failing since when, drafts made), a form to
// add one, and each feed's page (/feeds/{id}) with the change form,
// "Revisar ahora", removal and the last items drafted, each linking to
// its post. Everyone signed in reads them; the posting service decides
// who may change one (admins any, editors those whose accounts are all
// of their dependencias), and the forms are shown only to editors and
// admins.
//
// Calendario en mi agenda (/calendar-feed): each person's secret
// iCalendar address, made (and shown once) or revoked there.

// feedItemsShown is how many drafted items a feed's page lists.
const feedItemsShown = 20

// feedIntervals are the intervals the form offers; "" is the server's.
var feedIntervals = []string{"", "15m", "30m", "1h", "3h", "6h", "24h"}

func (s *Server) feedsPage() uiPage {
	return uiPage{
		Path: "/feeds",
		Menu: "feeds.menu",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderFeeds(rq, &feedForm{Errors: map[string]string{}}, http.StatusOK)
		},
		Forms: []uiForm{{Path: "/feeds", Allow: uiEditors, Handle: s.uiCreateFeed}},
	}
}

func (s *Server) feedPage() uiPage {
	return uiPage{
		Path: "/feeds/{id}",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderFeed(rq, nil, http.StatusOK)
		},
		Forms: []uiForm{
			{Path: "/feeds/{id}", Allow: uiEditors, Handle: s.uiUpdateFeed},
			{Path: "/feeds/{id}/poll", Allow: uiEditors, Handle: s.uiPollFeed},
			{Path: "/feeds/{id}/delete", Allow: uiEditors, Handle: s.uiDeleteFeed},
		},
	}
}

// feedForm is the add or change form as filled in, with errors by field.
type feedForm struct {
	Name, URL, Campaign, Every string
	Targets                    []string
	AutoPublish                bool
	Errors                     map[string]string
	// Accounts, Campaigns and Intervals are the choices offered.
	Accounts  []feedChoice
	Campaigns []feedChoice
	Intervals []feedChoice
}

type feedChoice struct {
	Value, Label string
	Selected     bool
}

// Err is the error of a field, empty when it has none.
func (f *feedForm) Err(field string) string { return f.Errors[field] }

func feedFormOf(fd *pregonero.Feed) *feedForm {
	f := &feedForm{Name: fd.Name, URL: fd.URL, Campaign: fd.Campaign, Targets: fd.Targets, AutoPublish: fd.AutoPublish,
		Errors: map[string]string{}}
	if fd.Every > 0 {
		f.Every = shortDuration(fd.Every)
	}
	return f
}

// shortDuration writes 1h, 15m, 1h30m: what the form's values are.
func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func parseFeedForm(rq *uiRequest) *feedForm {
	return &feedForm{Name: rq.Form("name"), URL: strings.TrimSpace(rq.Form("url")), Campaign: rq.Form("campaign"),
		Every: rq.Form("every"), Targets: rq.R.PostForm["targets"], AutoPublish: rq.Form("auto_publish") == "yes",
		Errors: map[string]string{}}
}

func (f *feedForm) request() *posting.FeedRequest {
	return &posting.FeedRequest{Name: f.Name, URL: f.URL, Targets: f.Targets, Campaign: f.Campaign,
		AutoPublish: f.AutoPublish, Every: f.Every}
}

func (f *feedForm) patch() *posting.FeedPatch {
	return &posting.FeedPatch{Name: &f.Name, URL: &f.URL, Targets: &f.Targets, Campaign: &f.Campaign,
		AutoPublish: &f.AutoPublish, Every: &f.Every}
}

// feedFields are the form's fields the service's field errors go next to.
var feedFields = []string{"name", "url", "targets", "campaign", "every"}

// fieldErrors puts the service's field errors next to the fields, and
// reports whether err was about them.
func (f *feedForm) fieldErrors(rq *uiRequest, err error) bool {
	e, _ := asAppError(err)
	if e.Code != pregonero.EINVALID || len(e.Fields) == 0 {
		return false
	}
	for _, fe := range e.Fields {
		field := fe.Field
		if !slices.Contains(feedFields, field) {
			field = "name"
		}
		text := rq.P.T("feeds.error."+field) + " " + rq.P.T("error.detail", fe.Message)
		if prev := f.Errors[field]; prev != "" {
			text = prev + " " + rq.P.T("error.detail", fe.Message)
		}
		f.Errors[field] = text
	}
	return true
}

// choices fills the form's choices: the accounts the user may post to
// (and those the feed has), the campaigns, the intervals.
func (s *Server) feedChoices(rq *uiRequest, f *feedForm) error {
	ctx := rq.Context()
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	for _, a := range accounts {
		if !rq.User.CanPostTo(a) && !slices.Contains(f.Targets, a.ID) {
			continue
		}
		f.Accounts = append(f.Accounts, feedChoice{Value: a.ID, Label: a.Name + " (" + a.Network.Title() + ")",
			Selected: slices.Contains(f.Targets, a.ID)})
	}
	campaigns, err := s.posts.Campaigns(ctx)
	if err != nil && pregonero.ErrorCode(err) != pregonero.EUNAVAILABLE {
		return fmt.Errorf("feeds: %w", err)
	}
	f.Campaigns = []feedChoice{{Value: "", Label: rq.P.T("feeds.field.campaign_none"), Selected: f.Campaign == ""}}
	for _, c := range campaigns {
		f.Campaigns = append(f.Campaigns, feedChoice{Value: c.ID, Label: c.Name, Selected: c.ID == f.Campaign})
	}
	intervals := feedIntervals
	if !slices.Contains(intervals, f.Every) {
		intervals = append(slices.Clone(intervals), f.Every) // kept, so the refusal names it
	}
	for _, v := range intervals {
		label := rq.P.T("feeds.every.default")
		if v != "" {
			label = rq.P.T("feeds.every.value", v)
		}
		f.Intervals = append(f.Intervals, feedChoice{Value: v, Label: label, Selected: v == f.Every})
	}
	return nil
}

type feedsData struct {
	Feeds     []feedRow
	Form      *feedForm
	CanCreate bool
}

// feedRow is a feed as the list and its page show it.
type feedRow struct {
	ID, Name, URL, Accounts, Unit string
	// State is "ok", "failing" or "new" (never polled); StateText says
	// it in words, with since when for a failing feed.
	State, StateText string
	LastPoll, LastOK string
	LastError        string
	Drafted          int
	AutoPublish      bool
	Every            string
}

func (s *Server) feedRow(rq *uiRequest, f *pregonero.Feed, names map[string]string) feedRow {
	r := feedRow{ID: f.ID, Name: f.Name, URL: f.URL, Unit: f.Unit, LastPoll: rq.DateTime(f.LastPollAt), LastOK: rq.DateTime(f.LastOKAt),
		LastError: f.LastError, Drafted: f.Drafted, AutoPublish: f.AutoPublish}
	var accts []string
	for _, id := range f.Targets {
		if n := names[id]; n != "" {
			accts = append(accts, n)
		} else {
			accts = append(accts, id)
		}
	}
	r.Accounts = strings.Join(accts, ", ")
	switch {
	case f.Failing():
		r.State, r.StateText = "failing", rq.P.T("feeds.state.failing", rq.DateTime(f.FailingSince))
	case f.LastOKAt.IsZero():
		r.State, r.StateText = "new", rq.P.T("feeds.state.new")
	default:
		r.State, r.StateText = "ok", rq.P.T("feeds.state.ok")
	}
	if f.Every > 0 {
		r.Every = rq.P.T("feeds.every.value", shortDuration(f.Every))
	} else {
		r.Every = rq.P.T("feeds.every.default")
	}
	return r
}

// accountNames maps account ids to their names.
func (s *Server) accountNames(rq *uiRequest) (map[string]string, error) {
	accounts, err := s.posts.Accounts(rq.Context())
	if err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	names := map[string]string{}
	for _, a := range accounts {
		names[a.ID] = a.Name + " (" + a.Network.Title() + ")"
	}
	return names, nil
}

func (s *Server) renderFeeds(rq *uiRequest, form *feedForm, status int) (*uiView, error) {
	list, err := s.posts.Feeds(rq.Context())
	if err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	names, err := s.accountNames(rq)
	if err != nil {
		return nil, err
	}
	data := feedsData{Form: form, CanCreate: uiEditors(rq.User)}
	for _, f := range list {
		data.Feeds = append(data.Feeds, s.feedRow(rq, f, names))
	}
	if data.CanCreate {
		if err := s.feedChoices(rq, form); err != nil {
			return nil, err
		}
	}
	v := &uiView{Template: "feeds", Title: "feeds.title", Data: &data, Status: status, Styles: []string{"feeds.css"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("feeds.error.summary")}
	}
	return v, nil
}

// uiCreateFeed adds a feed and goes to its page.
func (s *Server) uiCreateFeed(rq *uiRequest) (*uiView, error) {
	form := parseFeedForm(rq)
	f, err := s.posts.CreateFeed(rq.Context(), form.request())
	switch {
	case err == nil:
		return uiRedirect("/feeds/"+url.PathEscape(f.ID), &uiFlash{Kind: "ok", Text: rq.P.T("feeds.flash.created", f.Name)}), nil
	case form.fieldErrors(rq, err):
		return s.renderFeeds(rq, form, http.StatusUnprocessableEntity)
	}
	return nil, err
}

type feedData struct {
	Feed  feedRow
	Form  *feedForm
	Items []feedItemRow
	// CanEdit says the user may change, poll and remove this feed.
	CanEdit bool
}

type feedItemRow struct {
	Title, Link, PostID, Seen string
}

// mayChangeFeed reports whether the user may change a feed with these
// accounts, as the posting service decides.
func mayChangeFeed(u *pregonero.User, targets []string, accounts map[string]*pregonero.Account) bool {
	if !uiEditors(u) {
		return false
	}
	for _, id := range targets {
		if a := accounts[id]; a != nil && !u.CanPostTo(a) {
			return false
		}
	}
	return true
}

// renderFeed shows a feed's page; form is the change form as posted, nil
// to show the feed as it is.
func (s *Server) renderFeed(rq *uiRequest, form *feedForm, status int) (*uiView, error) {
	ctx := rq.Context()
	f, err := s.posts.Feed(ctx, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w", f.ID, err)
	}
	byID, names := map[string]*pregonero.Account{}, map[string]string{}
	for _, a := range accounts {
		byID[a.ID], names[a.ID] = a, a.Name+" ("+a.Network.Title()+")"
	}
	if form == nil {
		form = feedFormOf(f)
	}
	d := feedData{Feed: s.feedRow(rq, f, names), Form: form, CanEdit: mayChangeFeed(rq.User, f.Targets, byID)}
	if d.CanEdit {
		if err := s.feedChoices(rq, form); err != nil {
			return nil, err
		}
	}
	items, err := s.posts.FeedItems(ctx, f.ID, feedItemsShown)
	if err != nil {
		return nil, fmt.Errorf("feed %s: items: %w", f.ID, err)
	}
	for _, it := range items {
		d.Items = append(d.Items, feedItemRow{Title: it.Title, Link: it.Link, PostID: it.PostID, Seen: rq.DateTime(it.SeenAt)})
	}
	v := &uiView{Template: "feed", Title: "feeds.feed_title", Data: d, Status: status, Styles: []string{"feeds.css"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("feeds.error.summary")}
	}
	return v, nil
}

// uiUpdateFeed saves the change form over the feed.
func (s *Server) uiUpdateFeed(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	form := parseFeedForm(rq)
	f, err := s.posts.UpdateFeed(rq.Context(), id, form.patch())
	switch {
	case err == nil:
		return uiRedirect("/feeds/"+url.PathEscape(f.ID), &uiFlash{Kind: "ok", Text: rq.P.T("feeds.flash.updated")}), nil
	case form.fieldErrors(rq, err):
		return s.renderFeed(rq, form, http.StatusUnprocessableEntity)
	}
	return nil, err
}

// uiPollFeed fetches the feed now ("Revisar ahora") and says what came
// of it.
func (s *Server) uiPollFeed(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	r, err := s.posts.PollFeed(rq.Context(), id)
	if err != nil {
		return nil, err
	}
	to := "/feeds/" + url.PathEscape(id)
	switch {
	case r.Error != "":
		return uiRedirect(to, &uiFlash{Kind: "error", Text: rq.P.T("feeds.flash.poll_failed", r.Error)}), nil
	case r.NotModified:
		return uiRedirect(to, &uiFlash{Kind: "info", Text: rq.P.T("feeds.flash.not_modified")}), nil
	case r.Skipped > 0:
		return uiRedirect(to, &uiFlash{Kind: "ok", Text: rq.P.T("feeds.flash.polled_first", r.Drafted, r.Skipped)}), nil
	}
	return uiRedirect(to, &uiFlash{Kind: "ok", Text: rq.P.T("feeds.flash.polled", r.Drafted)}), nil
}

// uiDeleteFeed removes the feed and goes back to the list.
func (s *Server) uiDeleteFeed(rq *uiRequest) (*uiView, error) {
	ctx := rq.Context()
	f, err := s.posts.Feed(ctx, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := s.posts.DeleteFeed(ctx, f.ID); err != nil {
		return nil, err
	}
	return uiRedirect("/feeds", &uiFlash{Kind: "ok", Text: rq.P.T("feeds.flash.deleted", f.Name)}), nil
}

func (s *Server) calendarFeedPage() uiPage {
	return uiPage{
		Path: "/calendar-feed",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderCalendarFeed(rq, "")
		},
		Forms: []uiForm{
			{Path: "/calendar-feed", Handle: s.uiNewCalendarToken},
			{Path: "/calendar-feed/revoke", Handle: s.uiRevokeCalendarToken},
		},
	}
}

type calendarFeedData struct {
	// Since is when the user's address was made, empty without one.
	Since string
	// URL is the new address, shown only on the answer that made it.
	URL string
}

func (s *Server) renderCalendarFeed(rq *uiRequest, newURL string) (*uiView, error) {
	d := calendarFeedData{URL: newURL}
	t, err := s.posts.CalendarToken(rq.Context())
	switch {
	case err == nil:
		d.Since = rq.DateTime(t.CreatedAt)
	case pregonero.ErrorCode(err) != pregonero.ENOTFOUND:
		return nil, err
	}
	return &uiView{Template: "calendar_feed", Title: "calfeed.title", Data: d, Styles: []string{"feeds.css"},
		Scripts: []string{"feeds.js"}}, nil
}

// uiNewCalendarToken makes a new address and shows it, this once: the
// page is the answer to the post, not a redirect, so the secret never
// travels in a cookie or an address bar.
func (s *Server) uiNewCalendarToken(rq *uiRequest) (*uiView, error) {
	token, _, err := s.posts.NewCalendarToken(rq.Context())
	if err != nil {
		return nil, err
	}
	v, err := s.renderCalendarFeed(rq, s.calendarURL(rq.R, token))
	if err != nil {
		return nil, err
	}
	v.Flash = &uiFlash{Kind: "ok", Text: rq.P.T("calfeed.flash.created")}
	return v, nil
}

// uiRevokeCalendarToken revokes the user's address.
func (s *Server) uiRevokeCalendarToken(rq *uiRequest) (*uiView, error) {
	if err := s.posts.RevokeCalendarToken(rq.Context()); err != nil {
		return nil, err
	}
	return uiRedirect("/calendar-feed", &uiFlash{Kind: "ok", Text: rq.P.T("calfeed.flash.revoked")}), nil
}

package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"pregonero"
	"pregonero/posting"
)

// Campañas (/campaigns): the campaigns posts belong to, with a form to
// add one, and each campaign's page (/campaigns/{id}) with its details,
// the form that changes it and its posts, each linking to the post's
// page. Everyone signed in reads them; the posting service decides who
// may add or change one (admins any, editors those of their
// dependencias), and the forms are shown only to whom it would allow.

// campaignPostsPage is how many posts the campaign's page shows at a time.
const campaignPostsPage = 25

func (s *Server) campaignsPage() uiPage {
	return uiPage{
		Path: "/campaigns",
		Menu: "campaigns.menu",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderCampaigns(rq, newCampaignForm(rq.User), http.StatusOK)
		},
		Forms: []uiForm{{Path: "/campaigns", Allow: uiEditors, Handle: s.uiCreateCampaign}},
	}
}

func (s *Server) campaignPage() uiPage {
	return uiPage{
		Path: "/campaigns/{id}",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderCampaign(rq, nil, http.StatusOK)
		},
		Forms: []uiForm{{Path: "/campaigns/{id}", Allow: uiEditors, Handle: s.uiUpdateCampaign}},
	}
}

// campaignForm is the add or change form as filled in, with errors by
// field.
type campaignForm struct {
	Name, Description, PlanLine, Unit string
	StartsOn, EndsOn                  string
	// Hashtags are written separated by spaces or commas.
	Hashtags string
	Errors   map[string]string
	// Units are the dependencias an editor may choose from (a select);
	// for an admin, the known ones offered to a free text field.
	Units []string
	// Free says the dependencia is free text (an admin), not a choice.
	Free bool
}

// Err is the error of a field, empty when it has none.
func (f *campaignForm) Err(field string) string { return f.Errors[field] }

func newCampaignForm(u *pregonero.User) *campaignForm {
	f := &campaignForm{Errors: map[string]string{}}
	if u != nil && !u.IsAdmin() && len(u.Units) > 0 {
		f.Unit = u.Units[0]
	}
	return f
}

// campaignFormOf is the change form of a campaign as it is.
func campaignFormOf(c *pregonero.Campaign) *campaignForm {
	return &campaignForm{Name: c.Name, Description: c.Description, PlanLine: c.PlanLine, Unit: c.Unit,
		StartsOn: c.StartsOn.String(), EndsOn: c.EndsOn.String(), Hashtags: strings.Join(c.Hashtags, " "), Errors: map[string]string{}}
}

// parseCampaignForm reads the posted form.
func parseCampaignForm(rq *uiRequest) *campaignForm {
	return &campaignForm{Name: rq.Form("name"), Description: rq.Form("description"), PlanLine: rq.Form("plan_line"),
		Unit: rq.Form("unit"), StartsOn: strings.TrimSpace(rq.Form("starts_on")), EndsOn: strings.TrimSpace(rq.Form("ends_on")),
		Hashtags: rq.Form("hashtags"), Errors: map[string]string{}}
}

// hashtagList reads the hashtags as typed: separated by spaces or commas,
// each given its # when it was left out.
func hashtagList(s string) []string {
	out := []string{}
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || strings.ContainsRune(" \t\r\n", r) }) {
		if !strings.HasPrefix(t, "#") {
			t = "#" + t
		}
		out = append(out, t)
	}
	return out
}

func (f *campaignForm) request() *posting.CampaignRequest {
	return &posting.CampaignRequest{Name: f.Name, Description: f.Description, PlanLine: f.PlanLine, Unit: f.Unit,
		StartsOn: f.StartsOn, EndsOn: f.EndsOn, Hashtags: hashtagList(f.Hashtags)}
}

func (f *campaignForm) patch() *posting.CampaignPatch {
	tags := hashtagList(f.Hashtags)
	return &posting.CampaignPatch{Name: &f.Name, Description: &f.Description, PlanLine: &f.PlanLine, Unit: &f.Unit,
		StartsOn: &f.StartsOn, EndsOn: &f.EndsOn, Hashtags: &tags}
}

// campaignFields are the form's fields the service's field errors go
// next to.
var campaignFields = []string{"name", "description", "plan_line", "unit", "starts_on", "ends_on", "hashtags"}

// fieldErrors puts the service's field errors next to the fields, and
// reports whether err was about them.
func (f *campaignForm) fieldErrors(rq *uiRequest, err error) bool {
	e, _ := asAppError(err)
	if e.Code != pregonero.EINVALID || len(e.Fields) == 0 {
		return false
	}
	for _, fe := range e.Fields {
		field := fe.Field
		if !slices.Contains(campaignFields, field) {
			field = "name"
		}
		key := "campaigns.error." + field
		if fe.Code == pregonero.FieldDuplicate && field == "name" {
			key = "campaigns.error.name_taken"
		}
		text := rq.P.T(key) + " " + rq.P.T("error.detail", fe.Message)
		if prev := f.Errors[field]; prev != "" {
			text = prev + " " + rq.P.T("error.detail", fe.Message)
		}
		f.Errors[field] = text
	}
	return true
}

// mayChangeCampaign reports whether the user may add or change a campaign run by
// unit, as the posting service decides: admins any, editors those of
// their dependencias.
func mayChangeCampaign(u *pregonero.User, unit string) bool {
	if !uiEditors(u) {
		return false
	}
	return u.IsAdmin() || (unit != "" && slices.Contains(u.Units, unit))
}

// unitChoices are the dependencias the form offers: an editor's own, or
// for an admin every dependencia the accounts and campaigns name.
func (s *Server) unitChoices(rq *uiRequest, f *campaignForm, campaigns []*pregonero.Campaign) error {
	if !rq.User.IsAdmin() {
		f.Units = slices.Clone(rq.User.Units)
		if f.Unit != "" && !slices.Contains(f.Units, f.Unit) {
			f.Units = append(f.Units, f.Unit) // kept, so the refusal names it
		}
		return nil
	}
	f.Free = true
	accounts, err := s.posts.Accounts(rq.Context())
	if err != nil {
		return fmt.Errorf("campaigns: %w", err)
	}
	for _, a := range accounts {
		if a.Unit != "" && !slices.Contains(f.Units, a.Unit) {
			f.Units = append(f.Units, a.Unit)
		}
	}
	for _, c := range campaigns {
		if c.Unit != "" && !slices.Contains(f.Units, c.Unit) {
			f.Units = append(f.Units, c.Unit)
		}
	}
	slices.Sort(f.Units)
	return nil
}

type campaignsData struct {
	Campaigns []campaignRow
	Form      *campaignForm
	// CanCreate says the user may add campaigns (admins, editors).
	CanCreate bool
}

type campaignRow struct {
	ID, Name, PlanLine, Unit, Hashtags string
	Dates                              string
	Running                            bool
}

func (s *Server) campaignRow(rq *uiRequest, c *pregonero.Campaign) campaignRow {
	return campaignRow{ID: c.ID, Name: c.Name, PlanLine: c.PlanLine, Unit: c.Unit, Hashtags: strings.Join(c.Hashtags, " "),
		Dates: campaignDates(rq, c), Running: !c.StartsOn.IsZero() && c.Running(pregonero.DateOf(rq.Now.In(rq.Loc)))}
}

// campaignDates says when a campaign runs, in the page's language.
func campaignDates(rq *uiRequest, c *pregonero.Campaign) string {
	day := func(d pregonero.Date) string { return rq.Date(d.In(rq.Loc)) }
	switch {
	case c.StartsOn.IsZero() && c.EndsOn.IsZero():
		return rq.P.T("campaigns.dates.none")
	case c.EndsOn.IsZero():
		return rq.P.T("campaigns.dates.from", day(c.StartsOn))
	case c.StartsOn.IsZero():
		return rq.P.T("campaigns.dates.until", day(c.EndsOn))
	}
	return rq.P.T("campaigns.dates.span", day(c.StartsOn), day(c.EndsOn))
}

func (s *Server) renderCampaigns(rq *uiRequest, form *campaignForm, status int) (*uiView, error) {
	list, err := s.posts.Campaigns(rq.Context())
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	data := campaignsData{Form: form, CanCreate: uiEditors(rq.User) && (rq.User.IsAdmin() || len(rq.User.Units) > 0)}
	for _, c := range list {
		data.Campaigns = append(data.Campaigns, s.campaignRow(rq, c))
	}
	if err := s.unitChoices(rq, form, list); err != nil {
		return nil, err
	}
	v := &uiView{Template: "campaigns", Title: "campaigns.title", Data: &data, Status: status, Styles: []string{"campaigns.css"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("campaigns.error.summary")}
	}
	return v, nil
}

// uiCreateCampaign adds a campaign and goes to its page.
func (s *Server) uiCreateCampaign(rq *uiRequest) (*uiView, error) {
	form := parseCampaignForm(rq)
	c, err := s.posts.CreateCampaign(rq.Context(), form.request())
	switch {
	case err == nil:
		return uiRedirect("/campaigns/"+url.PathEscape(c.ID), &uiFlash{Kind: "ok", Text: rq.P.T("campaigns.flash.created", c.Name)}), nil
	case form.fieldErrors(rq, err):
		return s.renderCampaigns(rq, form, http.StatusUnprocessableEntity)
	}
	return nil, err
}

type campaignData struct {
	Campaign campaignRow
	// Description keeps its lines.
	Description string
	Form        *campaignForm
	// CanEdit says the user may change this campaign.
	CanEdit bool
	Posts   []campaignPost
	// Next is the address of the next posts, First of the first ones;
	// both empty when everything is on this page.
	Next, First string
}

type campaignPost struct {
	ID, Text, When, Status, StatusClass, Targets string
}

// renderCampaign shows a campaign's page; form is the change form as
// posted, nil to show the campaign as it is.
func (s *Server) renderCampaign(rq *uiRequest, form *campaignForm, status int) (*uiView, error) {
	ctx := rq.Context()
	c, err := s.posts.Campaign(ctx, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = campaignFormOf(c)
	}
	d := campaignData{Campaign: s.campaignRow(rq, c), Description: c.Description, Form: form, CanEdit: mayChangeCampaign(rq.User, c.Unit)}
	if d.CanEdit {
		if err := s.unitChoices(rq, form, nil); err != nil {
			return nil, err
		}
	}
	cursor := rq.R.URL.Query().Get("cursor")
	page, err := s.posts.Posts(ctx, pregonero.PostFilter{Campaign: c.ID, Cursor: cursor, Limit: campaignPostsPage})
	if pregonero.ErrorCode(err) == pregonero.EINVALID && cursor != "" {
		// A cursor mangled in the address: the first posts instead.
		page, err = s.posts.Posts(ctx, pregonero.PostFilter{Campaign: c.ID, Limit: campaignPostsPage})
		cursor = ""
	}
	if err != nil {
		return nil, fmt.Errorf("campaign %s: posts: %w", c.ID, err)
	}
	self := "/campaigns/" + url.PathEscape(c.ID)
	if page.Next != "" {
		d.Next = self + "?cursor=" + url.QueryEscape(page.Next) + "#posts"
	}
	if cursor != "" {
		d.First = self + "#posts"
	}
	for _, p := range page.Posts {
		when := rq.DateTime(p.ScheduledAt)
		if when == "" {
			when = rq.P.T("campaigns.posts.no_time")
		}
		d.Posts = append(d.Posts, campaignPost{ID: p.ID, Text: shortText(p.Text, 120), When: when,
			Status: postStatusText(rq.P, p.Status), StatusClass: string(p.Status), Targets: strings.Join(p.Targets, ", ")})
	}
	v := &uiView{Template: "campaign", Title: "campaigns.campaign_title", Data: d, Status: status, Styles: []string{"campaigns.css"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("campaigns.error.summary")}
	}
	return v, nil
}

// shortText is a text on one line, cut after n characters.
func shortText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// uiUpdateCampaign saves the change form over the campaign.
func (s *Server) uiUpdateCampaign(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	form := parseCampaignForm(rq)
	c, err := s.posts.UpdateCampaign(rq.Context(), id, form.patch())
	switch {
	case err == nil:
		return uiRedirect("/campaigns/"+url.PathEscape(c.ID), &uiFlash{Kind: "ok", Text: rq.P.T("campaigns.flash.updated")}), nil
	case form.fieldErrors(rq, err):
		return s.renderCampaign(rq, form, http.StatusUnprocessableEntity)
	}
	return nil, err
}

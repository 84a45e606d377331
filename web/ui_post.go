package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
)

// The Publicación page (/posts/{id}): a post whole, each delivery with
// its state in plain words and every attempt with the network's answer,
// the links to what went out, and the actions its state allows the
// person: retry, release and cancel post to the Tablero's forms with this
// page as next; moving a waiting post and scheduling a draft are this
// page's forms; editing is the edit page's.

func (s *Server) postPage() uiPage {
	return uiPage{
		Path:   "/posts/{id}",
		Render: func(rq *uiRequest) (*uiView, error) { return s.postDetail(rq, nil, nil) },
		Forms: []uiForm{
			{Path: "/posts/{id}/move", Allow: uiEditors, Handle: s.uiMovePost},
			{Path: "/posts/{id}/schedule", Allow: uiEditors, Handle: s.uiScheduleDraft},
		},
	}
}

// postTimeForm is a form asking for a day and a time in the person's
// zone (moving a post, scheduling a draft), with what was typed, the
// errors by field ("fecha", "hora") and those of the form as a whole.
type postTimeForm struct {
	Action string
	// Prefix makes the fields' ids unique on a page with several forms.
	Prefix string
	// Submit is the catalog key of the button.
	Submit string
	Fecha  string
	Hora   string
	Next   string
	Hint   string
	// Zone names the zone the day and time are in.
	Zone       string
	Errors     map[string]string
	FormErrors []string
}

// Invalid reports whether the form has an error.
func (f *postTimeForm) Invalid() bool {
	return f != nil && (len(f.Errors) > 0 || len(f.FormErrors) > 0)
}

// read takes the posted day and time and checks their shape; the service
// checks the instant.
func (f *postTimeForm) read(rq *uiRequest, optional bool) (local string, ok bool) {
	f.Fecha, f.Hora = strings.TrimSpace(rq.Form("fecha")), strings.TrimSpace(rq.Form("hora"))
	f.Errors = map[string]string{}
	if optional && f.Fecha == "" && f.Hora == "" {
		return "", true
	}
	switch {
	case f.Fecha == "":
		f.Errors["fecha"] = rq.P.T("post.error.date_required")
	default:
		if _, err := time.Parse(dateLayout, f.Fecha); err != nil {
			f.Errors["fecha"] = rq.P.T("post.error.date")
		}
	}
	hora := f.Hora
	switch {
	case hora == "":
		f.Errors["hora"] = rq.P.T("post.error.time_required")
	default:
		if len(hora) == len("15:04:05") {
			hora = strings.TrimSuffix(hora, ":00")
		}
		if _, err := time.Parse("15:04", hora); err != nil {
			f.Errors["hora"] = rq.P.T("post.error.time")
		}
	}
	if len(f.Errors) > 0 {
		return "", false
	}
	return f.Fecha + "T" + hora, true
}

// refusal puts the service's refusal next to the field at fault.
func (f *postTimeForm) refusal(rq *uiRequest, err error) {
	e, _ := asAppError(err)
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if e.Code == pregonero.EINVALID && len(e.Fields) > 0 {
		for _, fe := range e.Fields {
			if fe.Field == "scheduled_at" || fe.Field == "timezone" {
				key := "post.error.when." + fe.Code
				if !rq.P.Has(key) {
					key = "post.error.when.invalid"
				}
				f.Errors["fecha"] = rq.P.T(key) + " " + rq.P.T("error.detail", fe.Message)
				continue
			}
			what := fe.Field
			if fe.Target != "" {
				what = fe.Target + ": " + what
			}
			f.FormErrors = append(f.FormErrors, rq.P.T("post.error.field", what, fe.Message))
		}
		return
	}
	key := "post.error.refused." + e.Code
	if !rq.P.Has(key) {
		f.FormErrors = append(f.FormErrors, errorText(rq.P, err))
		return
	}
	f.FormErrors = append(f.FormErrors, rq.P.T(key)+" "+rq.P.T("error.detail", e.Message))
}

// postFormNext is where a form goes back to: its next field, or the post.
func postFormNext(rq *uiRequest, id string) string {
	if n := rq.Form("next"); n != "" && localPath(n) == n {
		return n
	}
	return "/posts/" + id
}

// uiMovePost gives a waiting post a new day and time through the edit
// rules of the posting service. Errors are shown on the post's page, next
// to the field.
func (s *Server) uiMovePost(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	f := &postTimeForm{Next: postFormNext(rq, id)}
	if local, ok := f.read(rq, false); ok {
		zone := rq.Loc.String()
		p, err := s.posts.Edit(rq.Context(), id, &posting.Patch{ScheduledAt: &local, Timezone: &zone})
		if err == nil {
			return uiRedirect(f.Next, timeFlash(rq, p, "post.flash.moved")), nil
		}
		switch pregonero.ErrorCode(err) {
		case pregonero.EFORBIDDEN, pregonero.EINTERNAL, pregonero.ENOTFOUND:
			return nil, err
		}
		f.refusal(rq, err)
	}
	return s.postDetail(rq, f, nil)
}

// uiScheduleDraft schedules a draft: at the day and time given, or, with
// neither, at the draft's own time or as soon as possible.
func (s *Server) uiScheduleDraft(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	f := &postTimeForm{Next: postFormNext(rq, id)}
	if local, ok := f.read(rq, true); ok {
		zone := ""
		if local != "" {
			zone = rq.Loc.String()
		}
		p, err := s.posts.Schedule(rq.Context(), id, local, zone)
		if err == nil {
			return uiRedirect(f.Next, timeFlash(rq, p, "post.flash.scheduled")), nil
		}
		switch pregonero.ErrorCode(err) {
		case pregonero.EFORBIDDEN, pregonero.EINTERNAL, pregonero.ENOTFOUND:
			return nil, err
		}
		f.refusal(rq, err)
	}
	return s.postDetail(rq, nil, f)
}

// timeFlash says when the post goes out now and, when the service warned
// that it will wait (publishing or an account paused), why.
func timeFlash(rq *uiRequest, p *pregonero.Post, key string) *uiFlash {
	f := &uiFlash{Kind: "ok", Text: rq.P.T(key, rq.DateTime(p.ScheduledAt))}
	if len(p.Warnings) > 0 {
		msgs := make([]string, len(p.Warnings))
		for i, w := range p.Warnings {
			msgs[i] = w.Message
		}
		f.Kind = "info"
		f.Text += " " + rq.P.T("post.flash.waits", strings.Join(msgs, " "))
	}
	return f
}

type postData struct {
	ID, Text, Link      string
	Status, StatusClass string
	When                string
	Draft               bool
	Author              string
	Campaign            *postCampaign
	Unit                string
	Created, Updated    string
	Canceled            string
	Targets             []calNet
	Media               []postMediaView
	Overrides           []postOverrideView
	Deliveries          []deliveryView
	// Calendar is the calendar at the post's day.
	Calendar string
	Here     string

	CanEdit, CanCancel bool
	EditHref           string
	// Move and Schedule are the forms, nil when the state or the person's
	// role does not allow them.
	Move     *postTimeForm
	Schedule *postTimeForm
	// Actions says whether an action on the whole post is offered.
	Actions bool
}

// postCampaign is the post's campaign: its name and page, or its id
// alone when the campaign does not read back.
type postCampaign struct {
	ID, Name, Href string
}

type postMediaView struct {
	ID, Name, Kind, Size, Dimensions, Duration string
	Alt                                        string
}

type postOverrideView struct {
	Account, Network                 string
	Text                             string
	HasText                          bool
	Title, Description, Tags, Format string
	Category, Language, Kids         string
	Thumbnail                        string
}

type deliveryView struct {
	ID, Account, Network, NetClass string
	State, StateClass              string
	Reason, Action                 string
	Code, Message                  string
	NetworkMessage, Cause          string
	URL                            string
	Published, Next, Scheduled     string
	Released, Retried              string
	Progress                       *progressView
	Attempts                       []attemptView
	Retry, Release                 bool
	// Metrics are the delivery's metrics over time, for a published
	// delivery or one with snapshots; nil otherwise.
	Metrics *deliveryMetricsView
}

type progressView struct {
	ID          string
	Sent, Total int64
	Text        string
}

type attemptView struct {
	N                       int
	Started, Finished       string
	Outcome, OutcomeClass   string
	Code, HTTPStatus        string
	Message, NetworkMessage string
	Cause, Reconciled       string
}

// postDetail renders the post's page; with a move or schedule form that
// was refused, that form shows its errors and the page answers 422.
func (s *Server) postDetail(rq *uiRequest, move, schedule *postTimeForm) (*uiView, error) {
	ctx := rq.Context()
	id := rq.R.PathValue("id")
	p, err := s.posts.Post(ctx, id)
	if err != nil {
		return nil, err
	}
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("post page: %w", err)
	}
	byID := make(map[string]*pregonero.Account, len(accounts))
	for _, a := range accounts {
		byID[a.ID] = a
	}
	here := "/posts/" + p.ID
	d := postData{ID: p.ID, Text: p.Text, Link: p.Link, Status: postStatusText(rq.P, p.Status), StatusClass: string(p.Status),
		When: rq.DateTime(p.ScheduledAt), Draft: p.IsDraft(), Author: p.Author, Unit: p.Unit,
		Created: rq.DateTime(p.CreatedAt), Updated: rq.DateTime(p.UpdatedAt), Canceled: rq.DateTime(p.CanceledAt), Here: here}
	cal := calQuery{View: viewMonth}
	if !p.ScheduledAt.IsZero() {
		cal = cal.at(startOfDay(p.ScheduledAt, rq.Loc))
	}
	d.Calendar = cal.href()
	if p.Campaign != "" {
		d.Campaign = s.postCampaign(rq, p)
	}
	for _, id := range p.Targets {
		t := calNet{Name: calAccountName(byID, id), Class: "none"}
		if a := byID[id]; a != nil {
			t.Name, t.Class = a.Network.Title()+" · "+t.Name, string(a.Network)
		}
		d.Targets = append(d.Targets, t)
	}
	for _, m := range p.Media {
		d.Media = append(d.Media, s.postMedia(rq, m))
	}
	for _, target := range p.Targets {
		o, ok := p.Overrides[target]
		if !ok {
			continue
		}
		ov := postOverrideView{Account: calAccountName(byID, target), Title: o.Title, Description: o.Description,
			Tags: strings.Join(o.Tags, ", "), Category: o.Category, Language: o.Language, Thumbnail: o.Thumbnail}
		if a := byID[target]; a != nil {
			ov.Network = a.Network.Title()
		}
		if o.Text != nil {
			ov.Text, ov.HasText = *o.Text, true
		}
		if o.Format != "" {
			ov.Format = keyOr(rq.P, "post.format."+o.Format, "post.format.other")
		}
		if o.MadeForKids != nil {
			ov.Kids = rq.P.T("post.kids." + strconv.FormatBool(*o.MadeForKids))
		}
		d.Overrides = append(d.Overrides, ov)
	}
	metrics := s.postMetricsViews(rq, p.ID)
	for _, dl := range p.Deliveries {
		dv := s.deliveryView(rq, dl, byID)
		if m := metrics[dl.ID]; m != nil && (dl.State == pregonero.DeliveryPublished || !m.Empty) {
			dv.Metrics = m
		}
		d.Deliveries = append(d.Deliveries, dv)
	}

	may := mayChangePost(rq.User, p, byID)
	if may {
		d.CanCancel = p.IsDraft() || postCancelable(p)
		d.CanEdit = p.IsDraft() || postMovable(p)
		d.EditHref = here + "/edit"
		// A refused form is shown again, with its errors, whatever the
		// state says now.
		if postMovable(p) && !p.ScheduledAt.IsZero() || move != nil {
			d.Move = move
			if d.Move == nil {
				at := p.ScheduledAt.In(rq.Loc)
				d.Move = &postTimeForm{Fecha: at.Format(dateLayout), Hora: at.Format("15:04"), Next: here}
			}
			d.Move.Action, d.Move.Prefix, d.Move.Submit, d.Move.Zone = here+"/move", "mover", "post.move.submit", rq.Loc.String()
		}
		if p.IsDraft() || schedule != nil {
			d.Schedule = schedule
			if d.Schedule == nil {
				d.Schedule = &postTimeForm{Next: here}
				if !p.ScheduledAt.IsZero() {
					at := p.ScheduledAt.In(rq.Loc)
					d.Schedule.Fecha, d.Schedule.Hora = at.Format(dateLayout), at.Format("15:04")
				}
			}
			d.Schedule.Action, d.Schedule.Prefix, d.Schedule.Submit, d.Schedule.Hint = here+"/schedule", "programar", "post.schedule.submit", "post.schedule.hint"
			d.Schedule.Zone = rq.Loc.String()
		}
	}
	// A delivery's own actions (retry, release) are in its card.
	d.Actions = d.CanCancel || d.CanEdit || d.Move != nil || d.Schedule != nil
	v := &uiView{Template: "post", Title: "post.title", Data: d, Styles: []string{"post.css", "reports.css"}}
	if move.Invalid() || schedule.Invalid() {
		v.Status = http.StatusUnprocessableEntity
		key := "post.error.move_summary"
		if schedule.Invalid() {
			key = "post.error.schedule_summary"
		}
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T(key)}
	}
	return v, nil
}

// postCampaign names the post's campaign and links to its page. A
// campaign that does not read back is shown by its id: the page is not
// worth failing for it.
func (s *Server) postCampaign(rq *uiRequest, p *pregonero.Post) *postCampaign {
	c, err := s.posts.Campaign(rq.Context(), p.Campaign)
	if err != nil {
		if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			s.logger.WarnContext(rq.Context(), "read the post's campaign for its page", pregonero.LogPost, p.ID, logErr, err)
		}
		return &postCampaign{ID: p.Campaign}
	}
	return &postCampaign{ID: c.ID, Name: c.Name, Href: "/campaigns/" + url.PathEscape(c.ID)}
}

func (s *Server) postMedia(rq *uiRequest, pm pregonero.PostMedia) postMediaView {
	v := postMediaView{ID: pm.ID, Name: pm.ID, Alt: pm.AltText}
	if s.media == nil {
		return v
	}
	m, err := s.media.Media(rq.Context(), pm.ID)
	if err != nil {
		// The page is not worth failing for a file's details; the post
		// names it by its id.
		s.logger.WarnContext(rq.Context(), "read media for the post page", pregonero.LogMedia, pm.ID, logErr, err)
		return v
	}
	v.Name = cmp.Or(m.Filename, m.ID)
	v.Kind = m.MIME
	v.Size = postSizeText(rq, m.Size)
	if m.Width > 0 && m.Height > 0 {
		v.Dimensions = rq.P.T("post.media.dimensions", m.Width, m.Height)
	}
	if m.DurationMS > 0 {
		v.Duration = rq.P.T("post.media.duration", (m.DurationMS+500)/1000)
	}
	return v
}

// postSizeText is a number of bytes for people: "2,4 MB".
func postSizeText(rq *uiRequest, n int64) string {
	switch {
	case n >= 1<<20:
		return rq.P.T("post.size.mb", postDecimal(rq, float64(n)/(1<<20)))
	case n >= 1<<10:
		return rq.P.T("post.size.kb", postDecimal(rq, float64(n)/(1<<10)))
	}
	return rq.P.T("post.size.bytes", n)
}

// postDecimal writes a number with one postDecimal and the language's separator.
func postDecimal(rq *uiRequest, f float64) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', 1, 64), ".", rq.P.T("post.decimal_separator"), 1)
}

func (s *Server) deliveryView(rq *uiRequest, d *pregonero.Delivery, accounts map[string]*pregonero.Account) deliveryView {
	v := deliveryView{ID: d.ID, Account: calAccountName(accounts, d.AccountID), Network: d.Network.Title(), NetClass: string(d.Network),
		State: stateText(rq.P, d.State), StateClass: string(d.State), URL: d.URL, Scheduled: rq.DateTime(d.ScheduledAt),
		Published: rq.DateTime(d.PublishedAt), Released: rq.DateTime(d.ReleasedAt), Retried: rq.DateTime(d.RetriedAt)}
	v.Reason, v.Action = deliveryReason(rq.P, d)
	if d.State == pregonero.DeliveryQueued && d.NextAttemptAt.After(d.ScheduledAt) {
		v.Next = rq.DateTime(d.NextAttemptAt)
	}
	if e := d.LastError; e != nil && d.State != pregonero.DeliveryPublished {
		v.Code, v.Message, v.NetworkMessage, v.Cause = e.Code, e.Message, e.NetworkMessage, e.Cause
		if v.Reason == "" {
			// A delivery queued again after a failure: what went wrong
			// the last time.
			v.Reason = rq.P.T("post.last_error", errorReason(rq.P, e))
		}
	}
	if pr := d.Progress; pr != nil && pr.TotalBytes > 0 && d.State != pregonero.DeliveryPublished {
		sent := min(pr.SentBytes, pr.TotalBytes)
		v.Progress = &progressView{ID: d.ID, Sent: sent, Total: pr.TotalBytes,
			Text: rq.P.T("post.progress.text", postSizeText(rq, sent), postSizeText(rq, pr.TotalBytes), sent*100/pr.TotalBytes, rq.DateTime(pr.At))}
	}
	for i := len(d.Attempts) - 1; i >= 0; i-- {
		a := d.Attempts[i]
		av := attemptView{N: a.N, Started: postSeconds(rq, a.StartedAt), Finished: postSeconds(rq, a.FinishedAt),
			Outcome: keyOr(rq.P, "post.outcome."+string(a.Outcome), "post.outcome.other"), OutcomeClass: string(a.Outcome),
			Code: a.Code, Message: a.Message, NetworkMessage: a.NetworkMessage, Cause: a.Cause}
		if a.HTTPStatus != 0 {
			av.HTTPStatus = strconv.Itoa(a.HTTPStatus)
		}
		if a.Reconciled != "" {
			av.Reconciled = keyOr(rq.P, "post.reconciled."+a.Reconciled, "post.reconciled.other")
		}
		v.Attempts = append(v.Attempts, av)
	}
	if rq.User.CanPostTo(accounts[d.AccountID]) {
		v.Retry = d.State == pregonero.DeliveryFailed
		v.Release = d.State == pregonero.DeliveryHeld
	}
	return v
}

// postSeconds is an instant to the second, for the attempts.
func postSeconds(rq *uiRequest, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return rq.P.T("time.datetime", rq.Date(t), t.In(rq.Loc).Format("15:04:05"))
}

// postMovable reports whether a post may get a new time through Edit: a
// draft, or a post all of whose deliveries still wait (queued and not
// taken by the publisher) or were canceled, one at least waiting.
func postMovable(p *pregonero.Post) bool {
	if p.IsDraft() {
		return true
	}
	waiting := false
	for _, d := range p.Deliveries {
		switch {
		case d.State == pregonero.DeliveryQueued && !d.Claimed:
			waiting = true
		case d.State == pregonero.DeliveryCanceled:
		default:
			return false
		}
	}
	return waiting
}

// postCancelable reports whether Cancel would stop something of the post.
func postCancelable(p *pregonero.Post) bool {
	for _, d := range p.Deliveries {
		if d.State == pregonero.DeliveryQueued || d.State == pregonero.DeliveryHeld && !d.NeedsReconcile() {
			return true
		}
	}
	return false
}

// mayChangePost reports whether the user may change the post: an admin
// or an editor, allowed to post to every one of its accounts.
func mayChangePost(u *pregonero.User, p *pregonero.Post, accounts map[string]*pregonero.Account) bool {
	if !uiEditors(u) {
		return false
	}
	for _, id := range p.Targets {
		if !u.CanPostTo(accounts[id]) {
			return false
		}
	}
	return true
}

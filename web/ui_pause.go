package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
)

// Pausa de emergencia (/pause, admins): one form that stops all
// publishing, with a required reason and a confirmation; while paused,
// the posts that fell behind (which a resume would hold for a person) may
// be moved to a new time or canceled before resuming; after resuming,
// those held as overdue are published now, moved to a new time or
// canceled, one by one or all at once.

// overdueLimit bounds the overdue deliveries listed at once; the rest
// show after those are decided.
const overdueLimit = 200

func (s *Server) pausePage() uiPage {
	return uiPage{
		Path:   "/pause",
		Menu:   "pause.menu",
		Allow:  uiAdmins,
		Render: func(rq *uiRequest) (*uiView, error) { return s.renderPause(rq, pauseForm{}, http.StatusOK) },
		Forms: []uiForm{
			{Path: "/pause", Handle: s.uiPauseAll},
			{Path: "/pause/resume", Handle: s.uiResumeAll},
			{Path: "/pause/overdue", Handle: s.uiOverdueAction},
		},
	}
}

// pauseForm is what the person typed, sent back with errors by field
// ("reason", "confirm", "at:all" or "at:<delivery id>").
type pauseForm struct {
	Reason  string
	Confirm bool
	At      map[string]string
	Errors  map[string]string
}

type pauseData struct {
	Paused bool
	Since  string
	By     string
	Reason string
	Form   pauseForm
	// Overdue lists, while paused, the queued deliveries a resume now
	// would hold; Held those held as overdue already.
	Overdue, Held overdueTable
	// Total counts both lists.
	Total int
	// More says the lists stop at overdueLimit.
	More        bool
	GraceMin    int
	DefaultTime string
}

// overdueTable is one list of overdue deliveries.
type overdueTable struct {
	ID      string // the table's id
	Caption string // its catalog key
	Rows    []overdueRow
	// Default is the time the reschedule fields start with.
	Default string
}

type overdueRow struct {
	DeliveryID, PostID     string
	Text, Account, Network string
	When, Late             string
	State, StateClass      string
	Reason                 string
	At, AtError            string
	Release, Reschedule    bool
	Cancel                 bool
}

func (s *Server) renderPause(rq *uiRequest, form pauseForm, status int) (*uiView, error) {
	ctx := rq.Context()
	ps, err := s.posts.PauseState(ctx)
	if err != nil {
		return nil, fmt.Errorf("pause page: %w", err)
	}
	data := pauseData{Paused: ps.Paused, Reason: ps.Reason, By: ps.By, Form: form,
		GraceMin:    int(s.posts.ResumeGrace() / time.Minute),
		DefaultTime: rq.Now.In(rq.Loc).Add(time.Hour).Truncate(time.Minute).Format("2006-01-02T15:04")}
	if ps.Paused {
		data.Since = rq.DateTime(ps.Since)
	}
	overdue, held, more, err := s.overdueDeliveries(ctx, ps.Paused)
	if err != nil {
		return nil, err
	}
	data.More, data.Total = more, len(overdue)+len(held)
	rows, err := s.overdueRows(rq, append(overdue, held...), form)
	if err != nil {
		return nil, err
	}
	data.Overdue = overdueTable{ID: "overdue-table", Caption: "pause.overdue.caption", Rows: rows[:len(overdue)], Default: data.DefaultTime}
	data.Held = overdueTable{ID: "held-table", Caption: "pause.held.caption", Rows: rows[len(overdue):], Default: data.DefaultTime}
	v := &uiView{Template: "pause", Title: "pause.title", Data: data, Status: status, Scripts: []string{"pause.js"}, Styles: []string{"pause.css"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("pause.error.summary")}
	}
	return v, nil
}

// overdueDeliveries returns, while paused, the queued deliveries a resume
// now would hold, and those held as overdue already; more says a list
// was cut at overdueLimit.
func (s *Server) overdueDeliveries(ctx context.Context, paused bool) (overdue, held []*pregonero.Delivery, more bool, err error) {
	if paused {
		if overdue, _, err = s.posts.Overdue(ctx, overdueLimit+1); err != nil {
			return nil, nil, false, fmt.Errorf("pause page: %w", err)
		}
		if len(overdue) > overdueLimit {
			overdue, more = overdue[:overdueLimit], true
		}
	}
	all, err := s.posts.HeldDeliveries(ctx, "")
	if err != nil {
		return nil, nil, false, fmt.Errorf("pause page: %w", err)
	}
	for _, d := range all {
		if d.HoldReason == pregonero.HoldOverdue {
			held = append(held, d)
		}
	}
	slices.SortStableFunc(held, func(a, b *pregonero.Delivery) int { return a.ScheduledAt.Compare(b.ScheduledAt) })
	if len(held) > overdueLimit {
		held, more = held[:overdueLimit], true
	}
	return overdue, held, more, nil
}

func (s *Server) overdueRows(rq *uiRequest, ds []*pregonero.Delivery, form pauseForm) ([]overdueRow, error) {
	ctx := rq.Context()
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("pause page: %w", err)
	}
	byID := make(map[string]*pregonero.Account, len(accounts))
	for _, a := range accounts {
		byID[a.ID] = a
	}
	posts := map[string]*pregonero.Post{}
	rows := make([]overdueRow, 0, len(ds))
	for _, d := range ds {
		p := posts[d.PostID]
		if p == nil {
			if p, err = s.posts.Post(ctx, d.PostID); err != nil {
				return nil, fmt.Errorf("pause page: post %s: %w", d.PostID, err)
			}
			posts[p.ID] = p
		}
		name := d.AccountID
		if a := byID[d.AccountID]; a != nil {
			name = cmp.Or(a.Name, a.ID)
		}
		r := overdueRow{DeliveryID: d.ID, PostID: p.ID, Text: excerpt(p.Text), Account: name, Network: d.Network.Title(),
			When: rq.DateTime(d.ScheduledAt), Late: lateText(rq, rq.Now.Sub(d.ScheduledAt)),
			State: stateText(rq.P, d.State), StateClass: string(d.State),
			At: form.At[d.ID], AtError: form.Errors["at:"+d.ID]}
		mine := canPostToAll(rq.User, p, byID)
		switch d.State {
		case pregonero.DeliveryHeld:
			r.Reason, _ = deliveryReason(rq.P, d)
			r.Release = rq.User.CanPostTo(byID[d.AccountID])
			r.Cancel = mine && !d.NeedsReconcile()
			// A new time for its post releases it to that time.
			r.Reschedule = r.Cancel && d.HoldReason == pregonero.HoldOverdue
		case pregonero.DeliveryQueued:
			r.Reason = rq.P.T("pause.overdue.would_hold")
			r.Reschedule, r.Cancel = mine, mine
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// lateText says how late a post is: "3 h 20 min".
func lateText(rq *uiRequest, d time.Duration) string {
	d = d.Truncate(time.Minute)
	if d < time.Minute {
		return rq.P.T("pause.late.now")
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, rq.P.T("pause.late.days", days))
	}
	if hours > 0 {
		parts = append(parts, rq.P.T("pause.late.hours", hours))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, rq.P.T("pause.late.minutes", mins))
	}
	return rq.P.T("pause.late", strings.Join(parts, " "))
}

// uiPauseAll pauses all publishing: a reason and the confirmation are
// required.
func (s *Server) uiPauseAll(rq *uiRequest) (*uiView, error) {
	form := pauseForm{Reason: strings.TrimSpace(rq.Form("reason")), Confirm: rq.Form("confirm") == "yes", Errors: map[string]string{}}
	if !form.Confirm {
		form.Errors["confirm"] = rq.P.T("pause.error.confirm")
	}
	if form.Reason == "" {
		form.Errors["reason"] = rq.P.T("pause.error.reason_required")
	}
	if len(form.Errors) > 0 {
		return s.renderPause(rq, form, http.StatusUnprocessableEntity)
	}
	err := s.posts.Pause(rq.Context(), "", form.Reason)
	switch pregonero.ErrorCode(err) {
	case "":
		return uiRedirect("/pause", &uiFlash{Kind: "ok", Text: rq.P.T("pause.flash.paused")}), nil
	case pregonero.EINVALID:
		form.Errors["reason"] = reasonError(rq, err)
		return s.renderPause(rq, form, http.StatusUnprocessableEntity)
	}
	return nil, err
}

// uiResumeAll lifts the pause; what fell behind by more than the grace is
// held for a person, listed on the page after the redirect.
func (s *Server) uiResumeAll(rq *uiRequest) (*uiView, error) {
	rep, err := s.posts.Resume(rq.Context(), "")
	if err != nil {
		return nil, err
	}
	text := rq.P.T("pause.flash.resumed")
	if n := len(rep.HeldOverdue); n > 0 {
		text += " " + rq.P.T("pause.flash.resumed_overdue", n)
	}
	return uiRedirect("/pause#held", &uiFlash{Kind: "ok", Text: text}), nil
}

// Actions on overdue deliveries.
const (
	overdueRelease    = "release"
	overdueReschedule = "reschedule"
	overdueCancel     = "cancel"
)

// uiOverdueAction publishes now, moves or cancels overdue deliveries: the
// ones checked (or one, from its row's form), or all listed. A move and
// a cancel apply to the whole post, once per post; a move of a post held
// as overdue after the resume releases it to the new time (see
// posting.Service.Edit).
func (s *Server) uiOverdueAction(rq *uiRequest) (*uiView, error) {
	ctx := rq.Context()
	action := rq.Form("action")
	if action != overdueRelease && action != overdueReschedule && action != overdueCancel {
		return nil, pregonero.Errorf(pregonero.EINVALID, "Unknown action %q; use release, reschedule or cancel.", action)
	}
	ids := rq.R.PostForm["delivery"]
	// The time field of the form that was sent: a row's, or the one for
	// all the checked.
	atKey := "at:all"
	if rq.Form("scope") == "row" && len(ids) == 1 {
		atKey = "at:" + ids[0]
	}
	at := strings.TrimSpace(rq.Form("at"))
	if rq.Form("all") == "yes" {
		ps, err := s.posts.PauseState(ctx)
		if err != nil {
			return nil, err
		}
		overdue, held, _, err := s.overdueDeliveries(ctx, ps.Paused)
		if err != nil {
			return nil, err
		}
		ids = nil
		for _, d := range append(overdue, held...) {
			ids = append(ids, d.ID)
		}
	}
	back := func(field, msg string) (*uiView, error) {
		form := pauseForm{At: map[string]string{strings.TrimPrefix(atKey, "at:"): at}, Errors: map[string]string{field: msg}}
		return s.renderPause(rq, form, http.StatusUnprocessableEntity)
	}
	if len(ids) == 0 {
		return back("at:all", rq.P.T("pause.error.none_selected"))
	}
	if action == overdueReschedule && at == "" {
		return back(atKey, rq.P.T("pause.error.time_required"))
	}
	done, seen := 0, map[string]bool{}
	var failed []string
	for _, id := range ids {
		d, err := s.posts.Delivery(ctx, id)
		if err != nil {
			failed = append(failed, errorText(rq.P, err))
			continue
		}
		switch action {
		case overdueRelease:
			_, err = s.posts.Release(ctx, id)
		case overdueReschedule, overdueCancel:
			if seen[d.PostID] {
				continue
			}
			seen[d.PostID] = true
			if action == overdueCancel {
				_, err = s.posts.Cancel(ctx, d.PostID)
			} else {
				zone := rq.Loc.String()
				_, err = s.posts.Edit(ctx, d.PostID, &posting.Patch{ScheduledAt: &at, Timezone: &zone})
				// A time the service refuses is the same for every post:
				// it is said next to the field.
				if pregonero.ErrorCode(err) == pregonero.EINVALID && hasField(err, "scheduled_at") && done == 0 {
					return back(atKey, rq.P.T("pause.error.time_invalid")+" "+rq.P.T("error.detail", fieldMessage(err, "scheduled_at")))
				}
			}
		}
		switch pregonero.ErrorCode(err) {
		case "":
			done++
		case pregonero.EFORBIDDEN, pregonero.EINTERNAL:
			return nil, err
		default:
			failed = append(failed, rq.P.T("pause.failed_one", s.excerptOf(ctx, d.PostID), errorText(rq.P, err)))
		}
	}
	flash := &uiFlash{Kind: "ok", Text: rq.P.T("pause.flash."+action, done)}
	if len(failed) > 0 {
		flash.Kind = "error"
		flash.Text += " " + rq.P.T("pause.flash.failed", len(failed)) + " " + strings.Join(failed, " ")
	}
	return uiRedirect("/pause#overdue", flash), nil
}

// excerptOf is the start of a post's text, or its id when it cannot be
// read.
func (s *Server) excerptOf(ctx context.Context, postID string) string {
	p, err := s.posts.Post(ctx, postID)
	if err != nil {
		return postID
	}
	return excerpt(p.Text)
}

// hasField reports whether an EINVALID error names the field.
func hasField(err error, field string) bool {
	e, _ := asAppError(err)
	return slices.ContainsFunc(e.Fields, func(f pregonero.FieldError) bool { return f.Field == field })
}

package web

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
)

// The Tablero (/): what goes out today and tomorrow, what waits for a
// person or failed, which accounts are near a network's limit, and how
// each account stands.

const (
	// attentionWindow is how far back the Tablero looks for failures:
	// older ones are for the calendar and the post pages. Held deliveries
	// come from their index, however old.
	attentionWindow = 7 * 24 * time.Hour
	// dashboardScanLimit bounds the posts read for one Tablero; beyond it
	// the page says its lists are incomplete.
	dashboardScanLimit = 5000
	dayPageSize        = 25
	attentionPageSize  = 20
	excerptLength      = 140
)

func (s *Server) dashboardPage() uiPage {
	return uiPage{
		Path:   "/",
		Menu:   "menu.dashboard",
		Render: s.renderDashboard,
		// The actions on a delivery or a post; the post page posts to
		// them too, with its own address in next.
		// The posting service decides who may act.
		Forms: []uiForm{
			{Path: "/deliveries/{id}/retry", Handle: s.uiDeliveryAction(s.posts.RetryNow, "flash.retried")},
			{Path: "/deliveries/{id}/release", Handle: s.uiDeliveryAction(s.posts.Release, "flash.released")},
			{Path: "/posts/{id}/cancel", Handle: s.uiCancelPost},
		},
	}
}

type dashboardData struct {
	Days      []dayView
	Attention []attentionItem
	// AttentionPager pages Attention.
	AttentionPager uiPager
	// Limits lists the accounts near a network's limit (headroomClass).
	Limits   []limitRow
	Accounts []accountRow
	// Truncated says the lists stop at dashboardScanLimit posts.
	Truncated  bool
	ScanLimit  int
	WindowDays int
	// Here is the page's own address, where the forms come back to.
	Here string
}

type dayView struct {
	Heading string
	Posts   []postRow
	Pager   uiPager
}

type postRow struct {
	ID, Text, Time string
	Status         string
	StatusClass    string
	Targets        []targetRow
	CanCancel      bool
}

type targetRow struct {
	Account, Network, State, StateClass string
}

type attentionItem struct {
	DeliveryID, PostID, Text string
	Account, Network, When   string
	State, StateClass        string
	Reason, Action           string
	// AccountHref leads to the account's card on /accounts when what is
	// to do is done with the account (re-authorize it, resume it).
	AccountHref            string
	NetworkMessage         string
	Retry, Release, Cancel bool
	at                     time.Time
}

type accountRow struct {
	ID, Name, Network, Unit string
	Status, StatusClass     string
	Reason, Since           string
	// Todo is what to do about an account whose credentials were refused.
	Todo string
}

// limitRow is an account near a network's limit: the allowances that are.
type limitRow struct {
	ID, Name, Network string
	Lines             []headroomLine
}

func (s *Server) renderDashboard(rq *uiRequest) (*uiView, error) {
	ctx := rq.Context()
	today := startOfDay(rq.Now, rq.Loc)
	tomorrow := today.AddDate(0, 0, 1)
	after := today.AddDate(0, 0, 2)

	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	byID := make(map[string]*pregonero.Account, len(accounts))
	for _, a := range accounts {
		byID[a.ID] = a
	}
	posts, truncated, err := s.scanPosts(ctx, startOfDay(rq.Now.Add(-attentionWindow), rq.Loc), after)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	held, err := s.posts.HeldDeliveries(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}

	data := dashboardData{Truncated: truncated, ScanLimit: dashboardScanLimit, WindowDays: int(attentionWindow / (24 * time.Hour)), Here: localPath(rq.R.URL.RequestURI())}
	var day [2][]postRow
	postByID := make(map[string]*pregonero.Post, len(posts))
	seen := map[string]bool{}
	var attention []attentionItem
	for _, p := range posts {
		postByID[p.ID] = p
		if i := dayIndex(p.ScheduledAt, today, tomorrow, after); i >= 0 && !p.IsDraft() && p.Status != pregonero.PostCanceled {
			day[i] = append(day[i], s.postRow(rq, p, byID))
		}
		for _, d := range p.Deliveries {
			if needsPerson(d) {
				seen[d.ID] = true
				attention = append(attention, s.attentionItem(rq, p, d, byID))
			}
		}
	}
	for _, d := range held {
		if seen[d.ID] {
			continue
		}
		p := postByID[d.PostID]
		if p == nil {
			if p, err = s.posts.Post(ctx, d.PostID); err != nil {
				return nil, fmt.Errorf("dashboard: held delivery %s: %w", d.ID, err)
			}
		}
		attention = append(attention, s.attentionItem(rq, p, d, byID))
	}
	slices.SortStableFunc(attention, func(a, b attentionItem) int { return b.at.Compare(a.at) })

	u := rq.R.URL
	for i, start := range []time.Time{today, tomorrow} {
		heading := rq.P.T("dashboard.today", rq.Date(start))
		if i == 1 {
			heading = rq.P.T("dashboard.tomorrow", rq.Date(start))
		}
		rows, pg := paginate(u, fmt.Sprintf("dia%d", i+1), day[i], dayPageSize)
		data.Days = append(data.Days, dayView{Heading: heading, Posts: rows, Pager: pg})
	}
	data.Attention, data.AttentionPager = paginate(u, "atencion", attention, attentionPageSize)
	for _, a := range accounts {
		row := accountRow{ID: a.ID, Name: cmp.Or(a.Name, a.ID), Network: a.Network.Title(), Unit: a.Unit,
			Status: accountStatusText(rq.P, a.Status), StatusClass: string(a.Status)}
		if a.Status != pregonero.AccountActive {
			row.Reason, row.Since = a.StatusReason, rq.DateTime(a.StatusSince)
		}
		if a.Status == pregonero.AccountNeedsReauth || a.Status == pregonero.AccountDisconnected {
			row.Todo = s.reauthTodo(rq, a.Network)
		}
		data.Accounts = append(data.Accounts, row)
		lr, err := s.limitRow(rq, a)
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		if lr != nil {
			data.Limits = append(data.Limits, *lr)
		}
	}
	return &uiView{Template: "dashboard", Title: "dashboard.title", Data: data, Styles: []string{"dashboard.css"}}, nil
}

// limitRow is the account's allowances that are near the network's
// limit or spent, as the adapter last learned them; nil when none is.
func (s *Server) limitRow(rq *uiRequest, a *pregonero.Account) (*limitRow, error) {
	hr, err := s.posts.Headroom(rq.Context(), a.ID)
	if err != nil {
		return nil, fmt.Errorf("headroom of %s: %w", a.ID, err)
	}
	var lines []headroomLine
	for _, al := range hr {
		if headroomClass(al) != "ok" {
			lines = append(lines, headroomText(rq, al))
		}
	}
	if len(lines) == 0 {
		return nil, nil
	}
	return &limitRow{ID: a.ID, Name: cmp.Or(a.Name, a.ID), Network: a.Network.Title(), Lines: lines}, nil
}

// reauthTodo says how to authorize an account of the network again:
// reconnect it from Cuentas when the network has an app to connect
// accounts with, else give the configuration new credentials.
func (s *Server) reauthTodo(rq *uiRequest, n pregonero.Network) string {
	if slices.Contains(s.posts.Connectable(), n) {
		return rq.P.T("accounts.reauth.todo_reconnect")
	}
	return keyOr(rq.P, "accounts.reauth.todo."+string(n), "accounts.reauth.todo")
}

// scanPosts reads the posts scheduled in [from, to), page by page, up to
// dashboardScanLimit.
func (s *Server) scanPosts(ctx context.Context, from, to time.Time) (posts []*pregonero.Post, truncated bool, err error) {
	f := pregonero.PostFilter{From: from, To: to, Limit: 500}
	for {
		page, err := s.posts.Posts(ctx, f)
		if err != nil {
			return nil, false, err
		}
		posts = append(posts, page.Posts...)
		if page.Next == "" {
			return posts, false, nil
		}
		if len(posts) >= dashboardScanLimit {
			return posts, true, nil
		}
		f.Cursor = page.Next
	}
}

// dayIndex is 0 for an instant of today, 1 of tomorrow, -1 otherwise (the
// scan also reads the days before today).
func dayIndex(t, today, tomorrow, after time.Time) int {
	switch {
	case t.Before(today):
		return -1
	case t.Before(tomorrow):
		return 0
	case t.Before(after):
		return 1
	}
	return -1
}

// needsPerson reports whether a delivery belongs in the Tablero's
// attention list: failed, waiting for a person, or of unknown outcome.
func needsPerson(d *pregonero.Delivery) bool {
	switch d.State {
	case pregonero.DeliveryFailed, pregonero.DeliveryHeld, pregonero.DeliveryInDoubt:
		return true
	}
	return false
}

func (s *Server) postRow(rq *uiRequest, p *pregonero.Post, accounts map[string]*pregonero.Account) postRow {
	row := postRow{ID: p.ID, Text: excerpt(p.Text), Time: rq.Clock(p.ScheduledAt),
		Status: postStatusText(rq.P, p.Status), StatusClass: string(p.Status)}
	cancelable := false
	for _, d := range p.Deliveries {
		a := accounts[d.AccountID]
		name := d.AccountID
		if a != nil {
			name = cmp.Or(a.Name, a.ID)
		}
		row.Targets = append(row.Targets, targetRow{Account: name, Network: d.Network.Title(),
			State: stateText(rq.P, d.State), StateClass: string(d.State)})
		if d.State == pregonero.DeliveryQueued || d.State == pregonero.DeliveryHeld && !d.NeedsReconcile() {
			cancelable = true
		}
	}
	row.CanCancel = cancelable && canPostToAll(rq.User, p, accounts)
	return row
}

func (s *Server) attentionItem(rq *uiRequest, p *pregonero.Post, d *pregonero.Delivery, accounts map[string]*pregonero.Account) attentionItem {
	a := accounts[d.AccountID]
	name := d.AccountID
	if a != nil {
		name = cmp.Or(a.Name, a.ID)
	}
	it := attentionItem{DeliveryID: d.ID, PostID: p.ID, Text: excerpt(p.Text), Account: name, Network: d.Network.Title(),
		When: rq.DateTime(d.ScheduledAt), State: stateText(rq.P, d.State), StateClass: string(d.State), at: d.ScheduledAt}
	it.Reason, it.Action = deliveryReason(rq.P, d)
	if d.State == pregonero.DeliveryHeld && heldForAccount(d.HoldReason) {
		// What to do is done with the account, on its card.
		it.AccountHref = "/accounts#acc-" + d.AccountID
		if d.HoldReason == pregonero.HoldNeedsReauth {
			it.Action = s.reauthTodo(rq, d.Network)
		}
	}
	if d.LastError != nil {
		it.NetworkMessage = d.LastError.NetworkMessage
	}
	if rq.User.CanPostTo(a) {
		it.Retry = d.State == pregonero.DeliveryFailed
		it.Release = d.State == pregonero.DeliveryHeld
		it.Cancel = d.State == pregonero.DeliveryHeld && !d.NeedsReconcile() && canPostToAll(rq.User, p, accounts)
	}
	return it
}

// heldForAccount reports whether a hold waits for something done to the
// account: its credentials, its pause, the network's block.
func heldForAccount(reason string) bool {
	switch reason {
	case pregonero.HoldNeedsReauth, pregonero.HoldAccountPaused, pregonero.HoldBlocked:
		return true
	}
	return false
}

// canPostToAll reports whether the user may change the post: every one
// of its accounts is theirs.
func canPostToAll(u *pregonero.User, p *pregonero.Post, accounts map[string]*pregonero.Account) bool {
	for _, id := range p.Targets {
		if !u.CanPostTo(accounts[id]) {
			return false
		}
	}
	return len(p.Targets) > 0
}

// excerpt is the start of a post's text, on one line.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= excerptLength {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:excerptLength])) + "…"
}

// uiDeliveryAction is the form handler of an action on one delivery
// (retry, release). The posting service decides who may: a refusal is the
// 403 page, any other failure a message on the page the form came from.
func (s *Server) uiDeliveryAction(act func(context.Context, string) (*pregonero.Delivery, error), okKey string) func(*uiRequest) (*uiView, error) {
	return func(rq *uiRequest) (*uiView, error) {
		_, err := act(rq.Context(), rq.R.PathValue("id"))
		return actionResult(rq, err, okKey)
	}
}

// uiCancelPost cancels what of a post has not gone out.
func (s *Server) uiCancelPost(rq *uiRequest) (*uiView, error) {
	_, err := s.posts.Cancel(rq.Context(), rq.R.PathValue("id"))
	return actionResult(rq, err, "flash.canceled")
}

// actionResult goes back to the page the form came from (its next field)
// with what happened.
func actionResult(rq *uiRequest, err error, okKey string) (*uiView, error) {
	next := rq.Form("next")
	switch pregonero.ErrorCode(err) {
	case "":
		return uiRedirect(next, &uiFlash{Kind: "ok", Text: rq.P.T(okKey)}), nil
	case pregonero.EFORBIDDEN, pregonero.EINTERNAL:
		return nil, err
	}
	return uiRedirect(next, &uiFlash{Kind: "error", Text: errorText(rq.P, err)}), nil
}

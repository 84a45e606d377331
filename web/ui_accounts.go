package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
)

// Cuentas (/accounts): the connected accounts by dependencia, how each
// stands and what to do about it, what the networks still let it publish,
// what its metric reads cost today where the network bills them (X), and,
// for those who may post to it, pause, resume and a check of its
// credentials. Every signed-in user may read the page; the posting service
// decides who may pause or resume.

func (s *Server) accountsPage() uiPage {
	return uiPage{
		Path:   "/accounts",
		Menu:   "accounts.menu",
		Render: func(rq *uiRequest) (*uiView, error) { return s.renderAccounts(rq, nil) },
		Forms: []uiForm{
			{Path: "/accounts/{id}/pause", Handle: s.uiPauseAccount},
			{Path: "/accounts/{id}/resume", Handle: s.uiResumeAccount},
			{Path: "/accounts/{id}/check", Handle: s.uiCheckAccount},
		},
	}
}

type accountsData struct {
	Units []accountsUnit
	// Form is the pause form that came back with errors, if any.
	Form *accountPauseForm
	// CanConnect offers an admin to connect accounts (ui_connect.go).
	CanConnect bool
}

type accountsUnit struct {
	Name     string
	Accounts []accountCard
}

type accountCard struct {
	ID, Name, Network   string
	Status, StatusClass string
	Since               string
	Explain, Todo       string
	Reason, Detail      string
	Headroom            []headroomLine
	HeadroomUnknown     string
	// BilledReads is what the account's metric reads cost today; nil for
	// a network that does not bill them.
	BilledReads         *billedReadsLine
	CanPause, CanResume bool
	CanCheck            bool
	ReasonValue         string
	ReasonError         string
	ResumeHint          string
	// The profile as connected, and what an admin may do about it (see
	// connectCard).
	accountConnectView
}

type headroomLine struct {
	Text  string
	Class string // "ok", "near" or "spent"
}

// billedReadsLine says what an account's metric reads cost today, and
// how close its network is to the daily cap.
type billedReadsLine struct {
	headroomLine
	Hint string
}

// accountPauseForm is a pause form sent back with what was wrong.
type accountPauseForm struct {
	Account, Reason, Error string
}

func (s *Server) renderAccounts(rq *uiRequest, form *accountPauseForm) (*uiView, error) {
	ctx := rq.Context()
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	billed, err := s.posts.BilledReadsToday(ctx)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	byUnit := map[string][]accountCard{}
	apps := s.posts.Connectable()
	for _, a := range accounts {
		card, err := s.accountCard(rq, a)
		if err != nil {
			return nil, err
		}
		connectCard(rq, &card, a, apps)
		if b, ok := billed[a.ID]; ok {
			card.BilledReads = billedReadsText(rq, a.Network, b)
		}
		if form != nil && form.Account == a.ID {
			card.ReasonValue, card.ReasonError = form.Reason, form.Error
		}
		byUnit[a.Unit] = append(byUnit[a.Unit], card)
	}
	units := make([]string, 0, len(byUnit))
	for u := range byUnit {
		units = append(units, u)
	}
	// Accounts of no dependencia go last.
	slices.SortFunc(units, func(a, b string) int {
		if (a == "") != (b == "") {
			if a == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	})
	data := accountsData{Form: form, CanConnect: rq.User.IsAdmin()}
	for _, u := range units {
		name := u
		if name == "" {
			name = rq.P.T("accounts.no_unit")
		}
		cards := byUnit[u]
		slices.SortFunc(cards, func(a, b accountCard) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
		data.Units = append(data.Units, accountsUnit{Name: name, Accounts: cards})
	}
	v := &uiView{Template: "accounts", Title: "accounts.title", Data: data, Styles: []string{"accounts.css", "connect.css"}}
	if form != nil {
		v.Status = http.StatusUnprocessableEntity
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("accounts.error.summary")}
	}
	return v, nil
}

// accountCard says how an account stands, in the page's language.
func (s *Server) accountCard(rq *uiRequest, a *pregonero.Account) (accountCard, error) {
	p := rq.P
	c := accountCard{ID: a.ID, Name: cmp.Or(a.Name, a.ID), Network: a.Network.Title(),
		Status: accountStatusText(p, a.Status), StatusClass: string(a.Status)}
	mine := rq.User.CanPostTo(a)
	switch a.Status {
	case pregonero.AccountActive:
		c.CanPause = mine
	case pregonero.AccountNeedsReauth:
		c.Since = rq.DateTime(a.StatusSince)
		c.Explain = p.T("accounts.reauth.explain")
		c.Todo = keyOr(p, "accounts.reauth.todo."+string(a.Network), "accounts.reauth.todo")
		if a.StatusReason != "" {
			c.Detail = p.T("error.detail", a.StatusReason)
		}
		c.CanResume = mine
		c.ResumeHint = p.T("accounts.reauth.resume_hint")
	case pregonero.AccountPaused:
		c.Since = rq.DateTime(a.StatusSince)
		if msg, ok := strings.CutPrefix(a.StatusReason, "Stopped by the network: "); ok {
			// The publisher paused it: the network stopped the account.
			c.Explain, c.Todo = p.T("accounts.blocked.explain"), p.T("accounts.blocked.todo")
			c.Detail = p.T("error.detail", msg)
		} else {
			c.Explain, c.Todo = p.T("accounts.paused.explain"), p.T("accounts.paused.todo")
			c.Reason = a.StatusReason
		}
		c.CanResume = mine
	case pregonero.AccountDisconnected:
		c.Since = rq.DateTime(a.StatusSince)
		c.Explain, c.Todo = p.T("accounts.disconnected.explain"), p.T("accounts.disconnected.todo")
	default:
		c.Explain = p.T("accounts.unknown.explain")
	}
	c.CanCheck = mine && a.Status != pregonero.AccountDisconnected
	hr, err := s.posts.Headroom(rq.Context(), a.ID)
	if err != nil {
		return c, fmt.Errorf("accounts: headroom of %s: %w", a.ID, err)
	}
	for _, al := range hr {
		c.Headroom = append(c.Headroom, headroomText(rq, al))
	}
	if len(c.Headroom) == 0 {
		c.HeadroomUnknown = p.T("accounts.headroom.unknown")
	}
	return c, nil
}

// nearLimitLeft is how few posts left of a window whose total the
// network does not say (X's 15-minute and daily windows, as the adapter
// keeps them) make an account near its limit.
const nearLimitLeft = 5

// headroomClass says how close an allowance is to refusing: "spent"
// (nothing left, or throttled), "near" (at most a fifth of a known total
// left, or nearLimitLeft of an unknown one) or "ok".
func headroomClass(al pregonero.Allowance) string {
	switch {
	case al.Kind == pregonero.AllowanceThrottled || al.Remaining <= 0:
		return "spent"
	case al.Limit > 0 && al.Remaining*5 <= al.Limit:
		return "near"
	case al.Limit <= 0 && al.Remaining <= nearLimitLeft:
		return "near"
	}
	return "ok"
}

// headroomText says one allowance in words: what is left, of how much,
// and when it renews.
func headroomText(rq *uiRequest, al pregonero.Allowance) headroomLine {
	p := rq.P
	class := headroomClass(al)
	if al.Kind == pregonero.AllowanceThrottled {
		return headroomLine{Text: p.T("accounts.headroom.throttled", rq.DateTime(al.Reset)), Class: "spent"}
	}
	key := "accounts.headroom." + al.Kind
	if !p.Has(key) {
		key = "accounts.headroom.other"
	}
	text := p.T(key) + " "
	if al.Limit > 0 {
		text += p.T("accounts.headroom.left_of", al.Remaining, al.Limit)
	} else {
		text += p.T("accounts.headroom.left", al.Remaining)
	}
	if !al.Reset.IsZero() {
		text += " " + p.T("accounts.headroom.reset", rq.DateTime(al.Reset))
	}
	return headroomLine{Text: text, Class: class}
}

// billedReadsText says what an account's metric reads cost today, of the
// network's daily cap if it has one, and when the count starts again.
func billedReadsText(rq *uiRequest, n pregonero.Network, b posting.BilledReads) *billedReadsLine {
	p := rq.P
	l := &billedReadsLine{headroomLine: headroomLine{Class: "ok"}}
	if left, capped := b.Left(); capped {
		l.Text = p.T("accounts.billed_reads.capped", b.Account, b.Network, n.Title(), *b.Cap)
		l.Class = headroomClass(pregonero.Allowance{Remaining: int(left), Limit: int(*b.Cap)})
	} else {
		l.Text = p.T("accounts.billed_reads.uncapped", b.Account, b.Network, n.Title())
	}
	// The count is per UTC day.
	y, m, d := rq.Now.UTC().Date()
	renew := rq.DateTime(time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC))
	if l.Class == "spent" {
		l.Hint = p.T("accounts.billed_reads.spent", n.Title(), renew)
	} else {
		l.Hint = p.T("accounts.billed_reads.hint", n.Title(), renew)
	}
	return l
}

// uiPauseAccount pauses one account with a reason; the service refuses
// an account the user may not post to.
func (s *Server) uiPauseAccount(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	reason := strings.TrimSpace(rq.Form("reason"))
	form := &accountPauseForm{Account: id, Reason: reason}
	// The service checks the rights before the reason: a refusal is the
	// 403 page whatever was typed.
	err := s.posts.Pause(rq.Context(), id, reason)
	switch pregonero.ErrorCode(err) {
	case "":
		return uiRedirect("/accounts#acc-"+id, &uiFlash{Kind: "ok", Text: rq.P.T("accounts.flash.paused")}), nil
	case pregonero.EINVALID:
		if hasField(err, "account") {
			return nil, pregonero.Errorf(pregonero.ENOTFOUND, "There is no account %s.", id)
		}
		form.Error = reasonError(rq, err)
		return s.renderAccounts(rq, form)
	}
	return nil, err
}

// reasonError says what is wrong with a pause's reason.
func reasonError(rq *uiRequest, err error) string {
	e, _ := asAppError(err)
	for _, f := range e.Fields {
		if f.Field == "reason" && f.Code == pregonero.FieldRequired {
			return rq.P.T("accounts.error.reason_required")
		}
	}
	return rq.P.T("accounts.error.reason_invalid") + " " + rq.P.T("error.detail", fieldMessage(err, "reason"))
}

// mayPostAccount returns the account, refusing as the service would a
// user who may not post to it.
func (s *Server) mayPostAccount(rq *uiRequest, id string) (*pregonero.Account, error) {
	a, err := s.posts.Account(rq.Context(), id)
	if err != nil {
		return nil, err
	}
	if !rq.User.CanPostTo(a) {
		return nil, pregonero.Errorf(pregonero.EFORBIDDEN, "%s may not act on account %s.", rq.User.Username, id)
	}
	return a, nil
}

// uiResumeAccount lifts an account's pause or needs-reauth flag; what
// became overdue meanwhile waits for a person on the Tablero.
func (s *Server) uiResumeAccount(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	rep, err := s.posts.Resume(rq.Context(), id)
	if err != nil {
		if c := pregonero.ErrorCode(err); c == pregonero.EFORBIDDEN || c == pregonero.EINTERNAL || c == pregonero.ENOTFOUND {
			return nil, err
		}
		return uiRedirect("/accounts#acc-"+id, &uiFlash{Kind: "error", Text: errorText(rq.P, err)}), nil
	}
	text := rq.P.T("accounts.flash.resumed", rep.Released)
	if n := len(rep.HeldOverdue); n > 0 {
		text += " " + rq.P.T("accounts.flash.resumed_overdue", n)
	}
	return uiRedirect("/accounts#acc-"+id, &uiFlash{Kind: "ok", Text: text}), nil
}

// uiCheckAccount asks the network whether it accepts the account's
// credentials and says its verdict. Those who may post to the account
// may ask: a check may flag it as needing re-authorization.
func (s *Server) uiCheckAccount(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	a, err := s.mayPostAccount(rq, id)
	if err != nil {
		return nil, err
	}
	checks, err := s.posts.CheckAccounts(rq.Context(), id)
	if err != nil {
		return nil, err
	}
	if len(checks) != 1 {
		return nil, fmt.Errorf("check %s: %d verdicts, want 1", id, len(checks))
	}
	c := checks[0]
	kind := "ok"
	if c.Result != posting.CheckOK {
		kind = "error"
	}
	key := "accounts.check." + c.Result
	if !rq.P.Has(key) {
		key = "accounts.check.unreachable"
	}
	text := rq.P.T(key)
	if c.Result == posting.CheckOK && c.Status == pregonero.AccountNeedsReauth {
		text += " " + rq.P.T("accounts.check.ok_still_reauth")
	}
	if c.Result != posting.CheckOK && c.Message != "" {
		text += " " + rq.P.T("error.detail", c.Message)
	}
	if c.NetworkMessage != "" {
		text += " " + rq.P.T("accounts.check.network_said", c.NetworkMessage)
	}
	return uiRedirect("/accounts#acc-"+id, &uiFlash{Kind: kind, Text: rq.P.T("accounts.check.title", cmp.Or(a.Name, a.ID)) + " " + text}), nil
}

// fieldMessage is the service's message about one field of an EINVALID
// error, or its message.
func fieldMessage(err error, field string) string {
	e, _ := asAppError(err)
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return e.Message
}

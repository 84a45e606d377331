package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
)

// Cola (/queue): an account's posting slots and its queue. Everyone who
// signs in may look; an editor changes the slots, reorders the queue and
// adds posts to it for the accounts of their dependencias (the service
// decides). Every form works without JavaScript.

// queueItemsLimit bounds the queue shown at once.
const queueItemsLimit = 200

func (s *Server) queuePage() uiPage {
	return uiPage{
		Path: "/queue",
		Menu: "queue.menu",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderQueue(rq, rq.R.URL.Query().Get("account"), nil, http.StatusOK)
		},
		Forms: []uiForm{
			{Path: "/queue/slots", Allow: uiEditors, Handle: s.uiQueueSlots},
			{Path: "/queue/move", Allow: uiEditors, Handle: s.uiQueueMove},
			{Path: "/queue/add", Allow: uiEditors, Handle: s.uiQueueAdd},
		},
	}
}

// queueForm is what the person sent, given back with the errors by field
// ("slot-N-time", "slot-N-days", "slot-N", "slots", "text").
type queueForm struct {
	Slots  []queueSlotRow
	Text   string
	Errors map[string]string
}

type queueData struct {
	Accounts []queueAccount
	Account  *queueAccount
	CanEdit  bool
	Slots    []queueSlotRow
	Items    []queueRow
	Held     []queueRow
	NextFree string
	Festivos []queueFestivo
	More     bool
	Text     string
	Errors   map[string]string
}

type queueAccount struct {
	ID, Name, Network string
	Selected          bool
}

// queueSlotRow is one row of the slots form; the last one is empty, for a
// new slot.
type queueSlotRow struct {
	N      int
	Time   string
	Days   []queueDay
	Skip   bool
	New    bool
	Remove bool
}

type queueDay struct {
	Key     string // "mon"
	Checked bool
}

type queueRow struct {
	DeliveryID, PostID string
	When, Text         string
	Festivo            string
	State, StateClass  string
	Placed, Movable    bool
	Position           int
	Up, Down           bool
	UpTo, DownTo       int
	Reason             string
}

type queueFestivo struct{ Date, Name string }

func slotRow(n int, sl pregonero.Slot) queueSlotRow {
	r := queueSlotRow{N: n, Time: sl.Time, Skip: sl.SkipHolidays}
	for _, d := range pregonero.Weekdays {
		r.Days = append(r.Days, queueDay{Key: d, Checked: slices.Contains(sl.Days, d)})
	}
	return r
}

func (s *Server) renderQueue(rq *uiRequest, account string, form *queueForm, status int) (*uiView, error) {
	ctx := rq.Context()
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue page: %w", err)
	}
	data := queueData{Errors: map[string]string{}}
	var chosen *pregonero.Account
	for _, a := range accounts {
		if account == "" && rq.User.CanPostTo(a) {
			account = a.ID
		}
	}
	if account == "" && len(accounts) > 0 {
		account = accounts[0].ID
	}
	for _, a := range accounts {
		qa := queueAccount{ID: a.ID, Name: cmp.Or(a.Name, a.ID), Network: a.Network.Title(), Selected: a.ID == account}
		if qa.Selected {
			chosen = a
			data.Account = &qa
		}
		data.Accounts = append(data.Accounts, qa)
	}
	v := &uiView{Template: "queue", Title: "queue.title", Data: &data, Status: status, Styles: []string{"queue.css"}}
	if chosen == nil {
		if account != "" {
			return nil, pregonero.Errorf(pregonero.ENOTFOUND, "There is no account %s.", account)
		}
		return v, nil
	}
	data.CanEdit = uiEditors(rq.User) && rq.User.CanPostTo(chosen)
	q, err := s.posts.Queue(ctx, chosen.ID, queueItemsLimit)
	if err != nil {
		return nil, fmt.Errorf("queue page: %w", err)
	}
	if form != nil {
		data.Slots, data.Text, data.Errors = form.Slots, form.Text, form.Errors
	} else {
		for i, sl := range q.Slots {
			data.Slots = append(data.Slots, slotRow(i, sl))
		}
		empty := slotRow(len(q.Slots), pregonero.Slot{Days: pregonero.Weekdays[:5], SkipHolidays: true})
		empty.New = true
		data.Slots = append(data.Slots, empty)
	}
	movable := 0
	for _, it := range q.Items {
		if it.Movable {
			movable++
		}
	}
	pos := 0
	for _, it := range q.Items {
		r := s.queueRow(rq, it)
		if it.Movable {
			pos++
			r.Position, r.Up, r.Down, r.UpTo, r.DownTo = pos, pos > 1, pos < movable, pos-1, pos+1
		}
		data.Items = append(data.Items, r)
	}
	for _, it := range q.Held {
		r := s.queueRow(rq, it)
		r.Reason = rq.P.T("queue.held.reason")
		data.Held = append(data.Held, r)
	}
	if q.NextFree != nil {
		data.NextFree = rq.DateTime(*q.NextFree)
	}
	for _, f := range q.Festivos {
		if t, err := time.ParseInLocation(time.DateOnly, f.Date, rq.Loc); err == nil {
			data.Festivos = append(data.Festivos, queueFestivo{Date: rq.Date(t.Add(12 * time.Hour)), Name: f.Name})
		}
	}
	data.More = q.More
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("queue.error.summary")}
	}
	return v, nil
}

func (s *Server) queueRow(rq *uiRequest, it posting.QueueItem) queueRow {
	d := it.Delivery
	r := queueRow{DeliveryID: d.ID, PostID: d.PostID, When: rq.DateTime(d.ScheduledAt), Text: excerpt(it.Text),
		State: stateText(rq.P, d.State), StateClass: string(d.State), Placed: it.Placed, Movable: it.Movable}
	if name, ok := s.posts.Holiday(d.ScheduledAt); ok {
		r.Festivo = name
	}
	return r
}

// queueBack is the page of an account's queue.
func queueBack(account string) string { return "/queue?account=" + url.QueryEscape(account) }

var slotFieldRE = regexp.MustCompile(`^slots\[(\d+)\](?:\.(time|days))?$`)

// uiQueueSlots saves the slots form: the rows kept (a row marked to be
// removed, or the new row left without a time, is not), in order.
func (s *Server) uiQueueSlots(rq *uiRequest) (*uiView, error) {
	account := rq.Form("account")
	n, _ := strconv.Atoi(rq.Form("slot-count"))
	n = min(max(n, 0), posting.MaxSlots+1)
	form := &queueForm{Errors: map[string]string{}}
	var slots []pregonero.Slot
	var rowOf []int
	for i := range n {
		p := "slot-" + strconv.Itoa(i) + "-"
		sl := pregonero.Slot{Days: rq.R.PostForm[p+"day"], Time: strings.TrimSpace(rq.Form(p + "time")), SkipHolidays: rq.Form(p+"skip") != ""}
		row := slotRow(i, sl)
		row.Remove, row.New = rq.Form(p+"remove") != "", rq.Form(p+"new") != ""
		form.Slots = append(form.Slots, row)
		if row.Remove || row.New && sl.Time == "" {
			continue
		}
		slots = append(slots, sl)
		rowOf = append(rowOf, i)
	}
	ch, err := s.posts.SetSlots(rq.Context(), account, slots)
	if pregonero.ErrorCode(err) == pregonero.EINVALID {
		e, _ := asAppError(err)
		for _, f := range e.Fields {
			key := "slots"
			if m := slotFieldRE.FindStringSubmatch(f.Field); m != nil {
				if k, _ := strconv.Atoi(m[1]); k < len(rowOf) {
					key = "slot-" + strconv.Itoa(rowOf[k])
					if m[2] != "" {
						key += "-" + m[2]
					}
				}
			}
			if form.Errors[key] == "" {
				form.Errors[key] = queueFieldText(rq, f)
			}
		}
		return s.renderQueue(rq, account, form, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return nil, err
	}
	text := rq.P.T("queue.flash.saved", len(ch.Slots.Slots))
	if len(ch.Moved) > 0 {
		text += " " + rq.P.T("queue.flash.moved", len(ch.Moved))
	}
	if len(ch.Placed) > 0 {
		text += " " + rq.P.T("queue.flash.placed", len(ch.Placed))
	}
	kind := "ok"
	if len(ch.Held) > 0 {
		text += " " + rq.P.T("queue.flash.held", len(ch.Held))
		kind = "error"
	}
	return uiRedirect(queueBack(account), &uiFlash{Kind: kind, Text: text}), nil
}

// queueFieldText is a field error in the page's language, the service's
// English words after.
func queueFieldText(rq *uiRequest, f pregonero.FieldError) string {
	key := "queue.err." + f.Code
	switch {
	case strings.HasSuffix(f.Field, ".time"):
		key = "queue.err.time"
	case strings.HasSuffix(f.Field, ".days"):
		key = "queue.err.days"
	case slotFieldRE.MatchString(f.Field):
		key = "queue.err.twice"
	}
	if !rq.P.Has(key) {
		key = "queue.err.invalid"
	}
	text := rq.P.T(key)
	if f.Message != "" {
		text += " " + rq.P.T("error.detail", f.Message)
	}
	return text
}

// uiQueueMove moves a delivery up or down the queue.
func (s *Server) uiQueueMove(rq *uiRequest) (*uiView, error) {
	account := rq.Form("account")
	pos, err := strconv.Atoi(rq.Form("position"))
	if err != nil {
		return nil, pregonero.Errorf(pregonero.EINVALID, "The form's position is not a number.")
	}
	moved, err := s.posts.MoveInQueue(rq.Context(), rq.Form("delivery"), pos)
	switch pregonero.ErrorCode(err) {
	case "":
	case pregonero.ECONFLICT, pregonero.EINVALID:
		return uiRedirect(queueBack(account), &uiFlash{Kind: "error", Text: rq.P.T("queue.flash.not_moved") + " " + rq.P.T("error.detail", errMessage(err))}), nil
	default:
		return nil, err
	}
	return uiRedirect(queueBack(account)+"#queue-items", &uiFlash{Kind: "ok", Text: rq.P.T("queue.flash.reordered", len(moved))}), nil
}

func errMessage(err error) string {
	e, _ := asAppError(err)
	return e.Message
}

// uiQueueAdd adds a text to the account's queue: a post to that account
// alone, at its next free slot.
func (s *Server) uiQueueAdd(rq *uiRequest) (*uiView, error) {
	account := rq.Form("account")
	text := rq.Form("text")
	d := &posting.Draft{Text: text, Targets: []string{account}, ScheduledAt: posting.QueueTime}
	p, _, err := s.posts.Create(rq.Context(), d, "")
	if pregonero.ErrorCode(err) == pregonero.EINVALID {
		e, _ := asAppError(err)
		form := &queueForm{Text: text, Errors: map[string]string{}}
		for _, f := range e.Fields {
			key := "text"
			if f.Field == "scheduled_at" {
				key = "add"
			}
			if form.Errors[key] == "" {
				form.Errors[key] = queueAddText(rq, f)
			}
		}
		return s.renderQueue(rq, account, form, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return nil, err
	}
	when := p.ScheduledAt
	if len(p.Deliveries) > 0 {
		when = p.Deliveries[0].ScheduledAt
	}
	return uiRedirect(queueBack(account)+"#queue-items", &uiFlash{Kind: "ok", Text: rq.P.T("queue.flash.added", rq.DateTime(when))}), nil
}

// queueAddText is an error of the add form in the page's language.
func queueAddText(rq *uiRequest, f pregonero.FieldError) string {
	key := "queue.err.add." + f.Code
	if f.Field == "scheduled_at" {
		key = "queue.err.add.no_slot"
	}
	if !rq.P.Has(key) {
		key = "queue.err.invalid"
	}
	text := rq.P.T(key)
	if f.Message != "" {
		text += " " + rq.P.T("error.detail", f.Message)
	}
	return text
}

package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"pregonero"
	"pregonero/posting"
	"pregonero/web/i18n"
)

// Connecting accounts from Cuentas, for admins: /accounts/connect picks
// the network and the dependencia and starts a flow, whose page,
// /accounts/connect/{id}, leads on to the network's consent screen; the
// network sends the browser back to /accounts/callback/{network}, which
// hands the answer to the posting service and goes back to the flow's
// page, now the picker, where the admin chooses which profiles become
// accounts (or renew the ones they were). Disconnecting asks first
// on /accounts/disconnect/{id}. The service checks the state, the session
// and the role; these pages only say what happened in words.
//
// Avatars are never loaded from the network: the pages' CSP allows images
// from this server only, and an <img> pointing at the network would tell
// it who looks at the page. An account shows its initials instead.

func (s *Server) connectPage() uiPage {
	return uiPage{
		Path:  "/accounts/connect",
		Allow: uiAdmins,
		Render: func(rq *uiRequest) (*uiView, error) {
			q := rq.R.URL.Query()
			f := connectForm{Network: q.Get("network"), Renew: q.Get("renew")}
			return s.renderConnect(rq, f, nil)
		},
		Forms: []uiForm{{Path: "/accounts/connect", Handle: s.uiStartConnect}},
	}
}

func (s *Server) connectCallbackPage() uiPage {
	return uiPage{
		Path:   "/accounts/callback/{network}",
		Allow:  uiAdmins,
		Render: s.uiConnectCallback,
	}
}

func (s *Server) connectPickerPage() uiPage {
	return uiPage{
		Path:   "/accounts/connect/{id}",
		Allow:  uiAdmins,
		Render: func(rq *uiRequest) (*uiView, error) { return s.renderPicker(rq, nil) },
		Forms:  []uiForm{{Path: "/accounts/connect/{id}/choose", Handle: s.uiChooseAccounts}},
	}
}

func (s *Server) disconnectPage() uiPage {
	return uiPage{
		Path:   "/accounts/disconnect/{id}",
		Allow:  uiAdmins,
		Render: s.renderDisconnect,
		Forms:  []uiForm{{Path: "/accounts/{id}/disconnect", Handle: s.uiDisconnect}},
	}
}

// connectForm is what the start form sent, or what the page starts with.
type connectForm struct {
	Network, Unit, Renew string
}

type connectStartData struct {
	Networks []connectNetworkOption
	// NoApps says no network has an application configured: nothing can
	// be connected from here.
	NoApps bool
	Unit   string
	Units  []string
	// Renew is the account connected again (Reconectar), if any.
	Renew  *connectAccountRef
	Errors map[string]string
}

type connectNetworkOption struct {
	Value, Label, Hint string
	Checked            bool
}

// connectAccountRef names an existing account on the connection pages.
type connectAccountRef struct {
	ID, Name, Network, NetworkValue, Handle, Unit, Initials string
}

func accountRef(a *pregonero.Account) *connectAccountRef {
	return &connectAccountRef{ID: a.ID, Name: cmp.Or(a.Name, a.ID), Network: a.Network.Title(), NetworkValue: string(a.Network),
		Handle: a.Handle, Unit: a.Unit, Initials: initials(cmp.Or(a.Name, a.Handle, a.ID))}
}

// renderConnect shows the start form: the networks that have an
// application configured, and the dependencia; for a renewal, the account.
func (s *Server) renderConnect(rq *uiRequest, f connectForm, errs map[string]string) (*uiView, error) {
	ctx := rq.Context()
	data := connectStartData{Unit: f.Unit, Errors: errs}
	nets := s.posts.Connectable()
	if f.Renew != "" {
		a, err := s.posts.Account(ctx, f.Renew)
		if err != nil {
			return nil, err
		}
		data.Renew = accountRef(a)
		f.Network = string(a.Network)
		if !slices.Contains(nets, a.Network) {
			if data.Errors == nil {
				data.Errors = map[string]string{}
			}
			if data.Errors["network"] == "" {
				data.Errors["network"] = rq.P.T("connect.error.no_app", a.Network.Title())
			}
		}
	}
	for _, n := range nets {
		data.Networks = append(data.Networks, connectNetworkOption{Value: string(n), Label: n.Title(),
			Hint: keyOr(rq.P, "connect.network.hint."+string(n), "connect.network.hint"), Checked: string(n) == f.Network || len(nets) == 1})
	}
	data.NoApps = len(nets) == 0
	units, err := s.accountUnits(rq)
	if err != nil {
		return nil, err
	}
	data.Units = units
	v := &uiView{Template: "connect", Title: "connect.title", Data: data, Styles: []string{"connect.css"}}
	if data.Renew != nil {
		v.Title = "connect.renew.title"
	}
	if len(errs) > 0 {
		v.Status = http.StatusUnprocessableEntity
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("connect.error.summary")}
	}
	return v, nil
}

// accountUnits are the dependencias the accounts name, sorted.
func (s *Server) accountUnits(rq *uiRequest) ([]string, error) {
	accounts, err := s.posts.Accounts(rq.Context())
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	var units []string
	for _, a := range accounts {
		if a.Unit != "" && !slices.Contains(units, a.Unit) {
			units = append(units, a.Unit)
		}
	}
	slices.SortFunc(units, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return units, nil
}

// uiStartConnect starts a connection bound to this browser's session and
// sends the browser to the network's consent screen.
func (s *Server) uiStartConnect(rq *uiRequest) (*uiView, error) {
	f := connectForm{Network: strings.TrimSpace(rq.Form("network")), Unit: strings.TrimSpace(rq.Form("unit")), Renew: strings.TrimSpace(rq.Form("renew"))}
	if f.Network == "" && f.Renew == "" {
		return s.renderConnect(rq, f, map[string]string{"network": rq.P.T("connect.error.network_required")})
	}
	flow, err := s.posts.StartConnect(rq.Context(), posting.ConnectRequest{Network: pregonero.Network(f.Network), Unit: f.Unit,
		Renew: f.Renew, Session: connectSession(rq.R)})
	if err != nil {
		e, _ := asAppError(err)
		if e.Code != pregonero.EINVALID {
			return nil, err
		}
		errs := map[string]string{}
		for _, fe := range e.Fields {
			switch fe.Field {
			case "unit":
				errs["unit"] = rq.P.T("connect.error.unit") + " " + rq.P.T("error.detail", fe.Message)
			case "network":
				if pregonero.Network(f.Network).Valid() {
					errs["network"] = rq.P.T("connect.error.no_app", pregonero.Network(f.Network).Title())
				} else {
					errs["network"] = rq.P.T("connect.error.network_required")
				}
			default:
				errs["network"] = errorText(rq.P, err)
			}
		}
		if len(errs) == 0 {
			errs["network"] = errorText(rq.P, err)
		}
		return s.renderConnect(rq, f, errs)
	}
	// The page's CSP lets forms lead to this server only (form-action
	// 'self'), redirects included: the form leads to the flow's page, whose
	// link (followed at once by connect.js) leaves for the consent screen.
	return uiRedirect("/accounts/connect/"+url.PathEscape(flow.ID)+"?"+url.Values{connectGoParam: {"1"}}.Encode(), nil), nil
}

// connectGoParam marks the flow's page reached from the start form: its
// script goes on to the consent screen at once.
const connectGoParam = "ir"

// consentLink is the address of a flow's consent screen, checked to be a
// web address.
func consentLink(flow *posting.ConnectFlow) (string, error) {
	to, err := url.Parse(flow.AuthorizeURL)
	if err != nil || (to.Scheme != "https" && to.Scheme != "http") || to.Host == "" {
		return "", fmt.Errorf("connect: the consent screen's address %q is not a web address", flow.AuthorizeURL)
	}
	return to.String(), nil
}

// connectStatusData is the page of a connection that did not reach the
// picker: refused, broken, or still waiting for the network.
type connectStatusData struct {
	// Text says what happened; Detail is the service's or the network's
	// own words.
	Text, Detail, NetworkSaid string
	// Again starts a connection again; Consent reopens the consent screen
	// of a flow still waiting.
	Again, Consent string
	// Failed says nothing was connected.
	Failed bool
	// Network names the consent screen's network; Go has the script
	// follow Consent at once.
	Network string
	Go      bool
}

// uiConnectCallback takes the network's answer: the service checks the
// state against this session and exchanges the code; the browser goes on
// to the picker, so that reloading it does not send the code again.
func (s *Server) uiConnectCallback(rq *uiRequest) (*uiView, error) {
	n := pregonero.Network(rq.R.PathValue("network"))
	q := rq.R.URL.Query()
	cb := posting.ConnectCallback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"),
		ErrorDescription: q.Get("error_description"), Session: connectSession(rq.R)}
	flow, err := s.posts.FinishConnect(rq.Context(), n, cb)
	if err == nil && flow.By != rq.User.Username {
		// Started with the server's token (pregonero accounts connect):
		// the command chooses the accounts, and only it may.
		return &uiView{Template: "connect_status", Title: "connect.elsewhere.title", Styles: []string{"connect.css"},
			Data: connectStatusData{Text: rq.P.T("connect.elsewhere.text", flow.Network.Title())}}, nil
	}
	if err == nil {
		return uiRedirect("/accounts/connect/"+url.PathEscape(flow.ID), nil), nil
	}
	e, status := asAppError(err)
	if e.Code == pregonero.EINTERNAL {
		return nil, err
	}
	title := n.Title()
	if !n.Valid() {
		title = rq.P.T("connect.network.unknown")
	}
	data := connectStatusData{Again: againHref(n, ""), Failed: true}
	switch {
	case cb.Error == "access_denied":
		data.Text = rq.P.T("connect.failed.denied", title)
	case cb.Error != "":
		data.Text = rq.P.T("connect.failed.network", title)
		data.NetworkSaid = cmp.Or(cb.ErrorDescription, cb.Error)
	case e.Code == pregonero.ENOTFOUND || e.Code == pregonero.ECONFLICT || e.Code == pregonero.EFORBIDDEN ||
		e.Code == pregonero.EINVALID && (hasField(err, "state") || hasField(err, "network")):
		data.Text = rq.P.T("connect.failed.state")
		data.Detail = rq.P.T("error.detail", e.Message)
	default:
		data.Text = rq.P.T("connect.failed.exchange", title)
		data.Detail = rq.P.T("error.detail", e.Message)
	}
	return &uiView{Template: "connect_status", Title: "connect.failed.title", Status: status, Data: data, Styles: []string{"connect.css"}}, nil
}

// againHref is the start page of a connection like the one that failed.
func againHref(n pregonero.Network, renew string) string {
	v := url.Values{}
	if renew != "" {
		v.Set("renew", renew)
	} else if n.Valid() {
		v.Set("network", string(n))
	}
	if len(v) == 0 {
		return "/accounts/connect"
	}
	return "/accounts/connect?" + v.Encode()
}

type connectPickerData struct {
	FlowID, Network string
	Renew           *connectAccountRef
	// Granted and Missing are the permissions of the whole consent, in
	// words.
	Granted, Missing []scopeWord
	Candidates       []candidateView
	// Others counts the profiles a renewal does not offer: not the
	// account's.
	Others int
	Units  []string
	// Error is the form's error that is no one candidate's.
	Error   string
	Expires string
}

type candidateView struct {
	Index                   int
	Network, NetworkValue   string
	Name, Handle, Initials  string
	Missing                 []scopeWord
	Account, Unit           string
	Checked                 bool
	AccountError, UnitError string
	// Renews is the account this profile connects again.
	Renews *connectAccountRef
}

// pickForm is a picker form sent back with errors.
type pickForm struct {
	Checked       map[int]bool
	Account, Unit map[int]string
	AccountError  map[int]string
	UnitError     map[int]string
	Error         string
}

// renderPicker shows a flow: the picker while the admin chooses; what
// went wrong, or that it waits for the network, otherwise.
func (s *Server) renderPicker(rq *uiRequest, form *pickForm) (*uiView, error) {
	ctx := rq.Context()
	flow, err := s.posts.ConnectFlowOf(ctx, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	switch flow.Status {
	case posting.ConnectChoosing:
	case posting.ConnectDone:
		return uiRedirect("/accounts", &uiFlash{Kind: "info", Text: rq.P.T("connect.flash.already_done")}), nil
	case posting.ConnectWaiting:
		consent, err := consentLink(flow)
		if err != nil {
			return nil, err
		}
		return &uiView{Template: "connect_status", Title: "connect.waiting.title", Styles: []string{"connect.css"}, Scripts: []string{"connect.js"},
			Data: connectStatusData{Text: rq.P.T("connect.waiting.text", flow.Network.Title()), Consent: consent, Network: flow.Network.Title(),
				Go: rq.R.URL.Query().Get(connectGoParam) == "1", Again: againHref(flow.Network, flow.Renew)}}, nil
	default:
		data := connectStatusData{Text: rq.P.T("connect.failed.exchange", flow.Network.Title()), Again: againHref(flow.Network, flow.Renew), Failed: true}
		if flow.Error != "" {
			data.Detail = rq.P.T("error.detail", flow.Error)
		}
		return &uiView{Template: "connect_status", Title: "connect.failed.title", Status: http.StatusConflict, Data: data, Styles: []string{"connect.css"}}, nil
	}
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	data := connectPickerData{FlowID: flow.ID, Network: flow.Network.Title(), Granted: scopeWords(rq.P, flow.Granted),
		Missing: scopeWords(rq.P, flow.Missing), Expires: rq.DateTime(flow.ExpiresAt)}
	var renew *pregonero.Account
	for _, a := range accounts {
		if flow.Renew != "" && a.ID == flow.Renew {
			renew = a
			data.Renew = accountRef(a)
		}
	}
	taken := map[string]bool{}
	for _, a := range accounts {
		taken[a.ID] = true
	}
	for i, c := range flow.Candidates {
		by := renewedBy(accounts, renew, c)
		if renew != nil && by != renew {
			// A renewal takes the account's own profile only.
			data.Others++
			continue
		}
		v := candidateView{Index: i, Network: c.Network.Title(), NetworkValue: string(c.Network), Name: c.Name, Handle: c.Handle,
			Initials: initials(cmp.Or(c.Name, c.Handle, c.RemoteID)), Missing: scopeWords(rq.P, c.Missing), Unit: flow.Unit}
		if by != nil {
			v.Renews, v.Unit = accountRef(by), by.Unit
		} else {
			v.Account = suggestAccountID(c, taken)
			taken[v.Account] = true
		}
		// One profile, or the one a renewal asked for, comes checked.
		v.Checked = len(flow.Candidates) == 1 || renew != nil && v.Renews != nil && v.Renews.ID == renew.ID
		if form != nil {
			v.Checked = form.Checked[i]
			if a, ok := form.Account[i]; ok {
				v.Account = a
			}
			if u, ok := form.Unit[i]; ok {
				v.Unit = u
			}
			v.AccountError, v.UnitError = form.AccountError[i], form.UnitError[i]
		}
		data.Candidates = append(data.Candidates, v)
	}
	if data.Units, err = s.accountUnits(rq); err != nil {
		return nil, err
	}
	v := &uiView{Template: "connect_picker", Title: "connect.picker.title", Data: data, Styles: []string{"connect.css"}}
	if form != nil {
		data.Error = form.Error
		v.Data = data
		v.Status = http.StatusUnprocessableEntity
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("connect.error.picker_summary")}
	}
	return v, nil
}

// renewedBy is the account a candidate connects again: the one of its
// network and remote id, or the renewal's account when it has no remote
// id on record (an account from config.yaml) and is of its network.
func renewedBy(accounts []*pregonero.Account, renew *pregonero.Account, c pregonero.ConnectCandidate) *pregonero.Account {
	for _, a := range accounts {
		if a.Network == c.Network && a.RemoteID != "" && a.RemoteID == c.RemoteID {
			return a
		}
	}
	if renew != nil && renew.RemoteID == "" && renew.Network == c.Network {
		return renew
	}
	return nil
}

// suggestAccountID proposes the id of a new account as the service
// would make one: the network and the profile's handle (or name), in
// lowercase ASCII letters, digits and hyphens, with a number after it when
// the id is taken.
func suggestAccountID(c pregonero.ConnectCandidate, taken map[string]bool) string {
	base := slug(string(c.Network) + "-" + cmp.Or(strings.TrimPrefix(c.Handle, "@"), c.Name, c.RemoteID))
	if len(base) > 56 {
		base = strings.TrimRight(base[:56], "-")
	}
	id := base
	for i := 2; taken[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	return id
}

// slug is s in lowercase ASCII letters, digits and single hyphens:
// accents dropped ("Gobernación" is "gobernacion").
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		r = unaccent(r)
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// unaccent is the ASCII letter of an accented Spanish one.
func unaccent(r rune) rune {
	switch r {
	case 'á', 'à', 'ä', 'â', 'ã':
		return 'a'
	case 'é', 'è', 'ë', 'ê':
		return 'e'
	case 'í', 'ì', 'ï', 'î':
		return 'i'
	case 'ó', 'ò', 'ö', 'ô', 'õ':
		return 'o'
	case 'ú', 'ù', 'ü', 'û':
		return 'u'
	case 'ñ':
		return 'n'
	case 'ç':
		return 'c'
	}
	return r
}

// initials are the first letters of a profile's first two words, for its
// avatar: "Gobernación de Antioquia" is "GA".
func initials(name string) string {
	var out []rune
	for w := range strings.FieldsFuncSeq(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		r, _ := utf8.DecodeRuneInString(w)
		if len(w) <= 2 && unicode.IsLower(r) && len(out) > 0 {
			continue // "de", "la"
		}
		out = append(out, unicode.ToUpper(r))
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// uiChooseAccounts creates or renews the accounts picked, and goes back to
// Cuentas naming them.
func (s *Server) uiChooseAccounts(rq *uiRequest) (*uiView, error) {
	ctx := rq.Context()
	flow, err := s.posts.ConnectFlowOf(ctx, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if flow.Status != posting.ConnectChoosing {
		return s.renderPicker(rq, nil)
	}
	form := &pickForm{Checked: map[int]bool{}, Account: map[int]string{}, Unit: map[int]string{},
		AccountError: map[int]string{}, UnitError: map[int]string{}}
	for i := range flow.Candidates {
		if _, ok := rq.R.PostForm[fmt.Sprintf("account-%d", i)]; ok {
			form.Account[i] = strings.TrimSpace(rq.Form(fmt.Sprintf("account-%d", i)))
		}
		if _, ok := rq.R.PostForm[fmt.Sprintf("unit-%d", i)]; ok {
			form.Unit[i] = strings.TrimSpace(rq.Form(fmt.Sprintf("unit-%d", i)))
		}
	}
	var picks []posting.ConnectPick
	var index []int // the candidate of each pick
	for _, v := range rq.R.PostForm["pick"] {
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= len(flow.Candidates) || form.Checked[i] {
			form.Error = rq.P.T("connect.error.pick_unknown")
			continue
		}
		form.Checked[i] = true
		c := flow.Candidates[i]
		picks = append(picks, posting.ConnectPick{Network: c.Network, RemoteID: c.RemoteID, Account: form.Account[i], Unit: form.Unit[i]})
		index = append(index, i)
	}
	if len(picks) == 0 && form.Error == "" {
		form.Error = rq.P.T("connect.error.pick_none")
	}
	if form.Error != "" {
		return s.renderPicker(rq, form)
	}
	before, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	existed := map[string]bool{}
	for _, a := range before {
		existed[a.ID] = true
	}
	accounts, err := s.posts.ChooseAccounts(ctx, flow.ID, picks)
	if err != nil {
		e, _ := asAppError(err)
		if e.Code != pregonero.EINVALID && e.Code != pregonero.ECONFLICT {
			return nil, err
		}
		if len(e.Fields) == 0 {
			return uiRedirect("/accounts", &uiFlash{Kind: "error", Text: errorText(rq.P, err)}), nil
		}
		for _, fe := range e.Fields {
			pickFieldError(rq.P, form, fe, picks, index)
		}
		return s.renderPicker(rq, form)
	}
	var made, renewed []string
	for _, a := range accounts {
		name := cmp.Or(a.Name, a.ID)
		if a.Handle != "" && a.Handle != name {
			name += " (" + a.Handle + ", " + a.Network.Title() + ")"
		} else {
			name += " (" + a.Network.Title() + ")"
		}
		if existed[a.ID] {
			renewed = append(renewed, name)
		} else {
			made = append(made, name)
		}
	}
	var text []string
	if len(made) > 0 {
		text = append(text, rq.P.T("connect.flash.connected", strings.Join(made, ", ")))
	}
	if len(renewed) > 0 {
		text = append(text, rq.P.T("connect.flash.renewed", strings.Join(renewed, ", ")))
	}
	to := "/accounts"
	if len(accounts) == 1 {
		to += "#acc-" + accounts[0].ID
	}
	return uiRedirect(to, &uiFlash{Kind: "ok", Text: strings.Join(text, " ")}), nil
}

// pickFieldError puts one of the service's field errors next to the
// field of the pick it is about: the pick its target names (a remote id
// or an account id), or the one its field's index names ("picks[1].account").
func pickFieldError(p *i18n.Printer, form *pickForm, fe pregonero.FieldError, picks []posting.ConnectPick, index []int) {
	at := -1
	for k, pk := range picks {
		actual, _ := fe.Actual.(string)
		if fe.Target != "" && (fe.Target == pk.RemoteID || fe.Target == pk.Account) ||
			fe.Field == "account" && actual != "" && actual == pk.Account ||
			strings.Contains(fe.Field, "["+strconv.Itoa(k)+"]") || strings.Contains(fe.Field, "."+strconv.Itoa(k)+".") {
			at = index[k]
			break
		}
	}
	if at < 0 && len(picks) == 1 && fe.Field != "picks" {
		at = index[0]
	}
	detail := " " + p.T("error.detail", fe.Message)
	switch {
	case at >= 0 && strings.HasSuffix(fe.Field, "unit"):
		form.UnitError[at] = p.T("connect.error.unit") + detail
	case at >= 0:
		key := "connect.error.account"
		if fe.Code == pregonero.FieldDuplicate {
			key = "connect.error.account_taken"
		}
		form.AccountError[at] = p.T(key) + detail
	default:
		form.Error = strings.TrimSpace(form.Error + " " + p.T("connect.error.pick_refused") + detail)
	}
}

// disconnectData is the page that asks before disconnecting.
type disconnectData struct {
	Account *connectAccountRef
	// Already says the account is disconnected: nothing to ask.
	Already bool
}

func (s *Server) renderDisconnect(rq *uiRequest) (*uiView, error) {
	a, err := s.posts.Account(rq.Context(), rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return &uiView{Template: "connect_disconnect", Title: "connect.disconnect.title", Styles: []string{"connect.css"},
		Data: disconnectData{Account: accountRef(a), Already: a.Status == pregonero.AccountDisconnected}}, nil
}

// uiDisconnect deletes an account's credentials; its history and posts
// stay, and Reconectar brings it back.
func (s *Server) uiDisconnect(rq *uiRequest) (*uiView, error) {
	id := rq.R.PathValue("id")
	a, err := s.posts.DisconnectAccount(rq.Context(), id)
	if err != nil {
		if c := pregonero.ErrorCode(err); c == pregonero.EFORBIDDEN || c == pregonero.ENOTFOUND || c == pregonero.EINTERNAL {
			return nil, err
		}
		return uiRedirect("/accounts#acc-"+id, &uiFlash{Kind: "error", Text: errorText(rq.P, err)}), nil
	}
	return uiRedirect("/accounts#acc-"+a.ID, &uiFlash{Kind: "ok", Text: rq.P.T("connect.flash.disconnected", cmp.Or(a.Name, a.ID))}), nil
}

// scopeWord is a permission in words, with its name on the network.
type scopeWord struct {
	Text, Scope string
}

// scopeWords says permissions in the page's language; one the catalog
// does not know keeps the network's name.
func scopeWords(p *i18n.Printer, scopes []string) []scopeWord {
	out := make([]scopeWord, 0, len(scopes))
	for _, sc := range scopes {
		key := "connect.scope." + strings.TrimPrefix(sc, "https://www.googleapis.com/auth/")
		w := scopeWord{Scope: sc, Text: sc}
		if p.Has(key) {
			w.Text = p.T(key)
		}
		out = append(out, w)
	}
	return out
}

// accountConnectView is what Cuentas shows of how an account was
// connected, and what an admin may do about it.
type accountConnectView struct {
	NetworkValue, Initials, Handle string
	// Connected says when and by whom it was last connected.
	Connected             string
	Scopes, MissingScopes []scopeWord
	// CanReconnect offers Reconectar (an admin, the network's application
	// configured) to an account that needs it, saying why in
	// ReconnectWhy; CanDisconnect offers Desconectar.
	CanReconnect, CanDisconnect bool
	ReconnectWhy                string
}

// connectCard adds to an account's card how it was connected, and
// Reconectar and Desconectar for an admin; an account whose network has
// an application configured is reconnected from here rather than through
// the configuration.
func connectCard(rq *uiRequest, c *accountCard, a *pregonero.Account, apps []pregonero.Network) {
	p := rq.P
	v := accountConnectView{NetworkValue: string(a.Network), Initials: initials(cmp.Or(a.Name, a.Handle, a.ID)), Handle: a.Handle,
		Scopes: scopeWords(p, a.Scopes), MissingScopes: scopeWords(p, a.MissingScopes)}
	if !a.ConnectedAt.IsZero() {
		v.Connected = p.T("accounts.connected", rq.DateTime(a.ConnectedAt), cmp.Or(a.ConnectedBy, p.T("accounts.connected_by_unknown")))
	}
	admin, app := rq.User.IsAdmin(), slices.Contains(apps, a.Network)
	switch {
	case a.Status == pregonero.AccountNeedsReauth && app:
		c.Todo = p.T("accounts.reauth.todo_reconnect")
		v.CanReconnect = admin
	case a.Status == pregonero.AccountDisconnected && app:
		v.CanReconnect = admin
	case a.Status == pregonero.AccountDisconnected:
		c.Todo = p.T("accounts.disconnected.todo_no_app", a.Network.Title())
	case len(a.MissingScopes) > 0 && app:
		v.CanReconnect, v.ReconnectWhy = admin, p.T("accounts.reconnect.why_missing")
	}
	v.CanDisconnect = admin && a.Status != pregonero.AccountDisconnected
	c.accountConnectView = v
}

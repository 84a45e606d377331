package web

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"pregonero"
)

// Usuarios (/users, admins): the people who use Pregonero, their roles
// and dependencias; adding one, changing, disabling, resetting a
// password; and each one's API tokens. The users service decides and
// refuses (the last active admin stays one).
//
// A new user gets a one-time password, shown once to the admin who made
// them: the person chooses their own at the first sign-in, so that no
// admin ever knows it. The service's Create takes a password and does not
// ask for a change; the page creates with a random password nobody sees
// and then resets it, which gives the one-time password and sets
// MustChangePassword. Secrets (a one-time password, a new API token) are
// the answer to the form that made them, never put in a cookie or a
// redirect, and the page that shows them is not cached.

func (s *Server) usersPage() uiPage {
	return uiPage{
		Path:  "/users",
		Menu:  "users.menu",
		Allow: uiAdmins,
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderUsers(rq, userForm{Role: string(pregonero.RoleEditor)}, http.StatusOK)
		},
		Forms: []uiForm{{Path: "/users", Handle: s.uiCreateUser}},
	}
}

func (s *Server) userPage() uiPage {
	return uiPage{
		Path:  "/users/{id}",
		Allow: uiAdmins,
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderUser(rq, userDetail{}, http.StatusOK)
		},
		Forms: []uiForm{
			{Path: "/users/{id}", Handle: s.uiUpdateUser},
			{Path: "/users/{id}/disable", Handle: s.uiSetDisabled(true)},
			{Path: "/users/{id}/enable", Handle: s.uiSetDisabled(false)},
			{Path: "/users/{id}/password-reset", Handle: s.uiResetPassword},
			{Path: "/users/{id}/tokens", Handle: s.uiCreateToken},
			{Path: "/users/{id}/tokens/revoke", Handle: s.uiRevokeToken},
		},
	}
}

type usersData struct {
	// Available is false when the server's users service cannot manage
	// users (only sign people in).
	Available bool
	Users     []userRow
	Form      userForm
	Roles     []roleOption
	Units     []unitOption
	// OtherUnits are the dependencias typed that no account names.
	OtherUnits string
}

type userRow struct {
	ID, Username, Role string
	Units              string
	Disabled           bool
	MustChange         bool
	Created            string
}

// userForm is the add form, or the role form of one user, with errors
// by field.
type userForm struct {
	Username string
	Role     string
	Units    []string
	Errors   map[string]string
}

type roleOption struct {
	Value, Label string
	Selected     bool
}

type unitOption struct {
	ID, Name string
	Checked  bool
}

type userDetail struct {
	User  userRow
	Self  bool
	Form  userForm
	Roles []roleOption
	Units []unitOption
	// OtherUnits are the user's dependencias that no account names.
	OtherUnits string
	Tokens     []tokenRow
	// OneTime is a password just made, NewToken a token just made: shown
	// this once.
	OneTime      string
	Created      bool
	NewToken     string
	NewTokenName string
	TokenName    string
	TokenError   string
}

type tokenRow struct {
	ID, Name, Created, LastUsed string
}

func (s *Server) renderUsers(rq *uiRequest, form userForm, status int) (*uiView, error) {
	data := usersData{Form: form}
	v := &uiView{Template: "users", Title: "users.title", Data: &data, Status: status, Scripts: []string{"users.js"}, Styles: []string{"users.css"}}
	ua := s.userAdmin()
	if ua == nil {
		return v, nil
	}
	data.Available = true
	list, err := ua.Users(rq.Context())
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	for _, u := range list {
		data.Users = append(data.Users, s.userRow(rq, u))
	}
	data.Roles = roleOptions(rq, form.Role)
	units, err := s.unitOptions(rq, form.Units)
	if err != nil {
		return nil, err
	}
	data.Units, data.OtherUnits = units, otherUnits(units, form.Units)
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("users.error.summary")}
	}
	return v, nil
}

func (s *Server) userRow(rq *uiRequest, u *pregonero.User) userRow {
	return userRow{ID: u.ID, Username: u.Username, Role: keyOr(rq.P, "role."+string(u.Role), "role.unknown"),
		Units: strings.Join(u.Units, ", "), Disabled: u.Disabled, MustChange: u.MustChangePassword, Created: rq.DateTime(u.CreatedAt)}
}

func roleOptions(rq *uiRequest, selected string) []roleOption {
	var out []roleOption
	for _, r := range []pregonero.Role{pregonero.RoleViewer, pregonero.RoleEditor, pregonero.RoleAdmin} {
		out = append(out, roleOption{Value: string(r), Label: rq.P.T("users.role." + string(r)), Selected: string(r) == selected})
	}
	return out
}

// unitOptions are the dependencias the accounts name, checked when the
// user has them.
func (s *Server) unitOptions(rq *uiRequest, checked []string) ([]unitOption, error) {
	accounts, err := s.posts.Accounts(rq.Context())
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	var names []string
	for _, a := range accounts {
		if a.Unit != "" && !slices.Contains(names, a.Unit) {
			names = append(names, a.Unit)
		}
	}
	slices.Sort(names)
	out := make([]unitOption, 0, len(names))
	for i, n := range names {
		out = append(out, unitOption{ID: fmt.Sprintf("unit-%d", i), Name: n, Checked: slices.Contains(checked, n)})
	}
	return out, nil
}

// otherUnits are the dependencias of units that no option names, for the
// text field.
func otherUnits(options []unitOption, units []string) string {
	var other []string
	for _, n := range units {
		if !slices.ContainsFunc(options, func(o unitOption) bool { return o.Name == n }) {
			other = append(other, n)
		}
	}
	return strings.Join(other, ", ")
}

// formUnits are the dependencias a form names: the boxes checked and the
// others typed, separated by commas.
func formUnits(rq *uiRequest) []string {
	units := slices.Clone(rq.R.PostForm["units"])
	for _, u := range strings.Split(rq.Form("other_units"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			units = append(units, u)
		}
	}
	return units
}

// userFieldErrors puts the service's field errors next to the fields of
// the user forms.
func userFieldErrors(rq *uiRequest, err error, errs map[string]string) bool {
	e, _ := asAppError(err)
	if e.Code != pregonero.EINVALID && e.Code != pregonero.ECONFLICT {
		return false
	}
	for _, f := range e.Fields {
		field := f.Field
		switch field {
		case "username", "role", "units":
		default:
			field = "username"
		}
		key := "users.error." + field
		if f.Code == pregonero.FieldDuplicate {
			key = "users.error.username_taken"
		}
		errs[field] = rq.P.T(key) + " " + rq.P.T("error.detail", f.Message)
	}
	return len(e.Fields) > 0
}

// uiCreateUser makes a user with a one-time password and shows it once.
func (s *Server) uiCreateUser(rq *uiRequest) (*uiView, error) {
	ua, err := s.usersService()
	if err != nil {
		return nil, err
	}
	form := userForm{Username: strings.TrimSpace(rq.Form("username")), Role: rq.Form("role"), Units: formUnits(rq), Errors: map[string]string{}}
	if form.Username == "" {
		form.Errors["username"] = rq.P.T("users.error.username_required")
		return s.renderUsers(rq, form, http.StatusUnprocessableEntity)
	}
	// A password nobody sees, replaced at once by the one-time password.
	u, err := ua.Create(rq.Context(), form.Username, rand.Text(), pregonero.Role(form.Role), form.Units)
	if err != nil {
		if userFieldErrors(rq, err, form.Errors) {
			return s.renderUsers(rq, form, http.StatusUnprocessableEntity)
		}
		return nil, err
	}
	otp, err := ua.ResetPassword(rq.Context(), u.ID)
	if err != nil {
		// The user exists with a password nobody knows: a reset from
		// their page gives one.
		return uiRedirect("/users/"+u.ID, &uiFlash{Kind: "error", Text: rq.P.T("users.flash.created_no_password") + " " + errorText(rq.P, err)}), nil
	}
	return s.renderUser(rq, userDetail{OneTime: otp, Created: true}, http.StatusOK, u.ID)
}

// renderUser shows one user's page; id is the path's unless given.
func (s *Server) renderUser(rq *uiRequest, d userDetail, status int, id ...string) (*uiView, error) {
	ua, err := s.usersService()
	if err != nil {
		return nil, err
	}
	uid := rq.R.PathValue("id")
	if len(id) > 0 {
		uid = id[0]
	}
	ctx := rq.Context()
	u, err := ua.User(ctx, uid)
	if err != nil {
		return nil, err
	}
	d.User, d.Self = s.userRow(rq, u), u.ID == rq.User.ID
	if d.Form.Errors == nil {
		d.Form = userForm{Role: string(u.Role), Units: u.Units}
	}
	d.Roles = roleOptions(rq, d.Form.Role)
	if d.Units, err = s.unitOptions(rq, d.Form.Units); err != nil {
		return nil, err
	}
	d.OtherUnits = otherUnits(d.Units, d.Form.Units)
	tokens, err := ua.Tokens(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("user %s: tokens: %w", u.ID, err)
	}
	for _, t := range tokens {
		row := tokenRow{ID: t.ID, Name: t.Name, Created: rq.DateTime(t.Created), LastUsed: rq.DateTime(t.LastUsed)}
		if row.LastUsed == "" {
			row.LastUsed = rq.P.T("users.tokens.never")
		}
		d.Tokens = append(d.Tokens, row)
	}
	v := &uiView{Template: "user", Title: "users.user_title", Data: d, Status: status, Scripts: []string{"users.js"}, Styles: []string{"users.css"}}
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("users.error.summary")}
	}
	return v, nil
}

// uiUpdateUser sets a user's role and dependencias.
func (s *Server) uiUpdateUser(rq *uiRequest) (*uiView, error) {
	ua, err := s.usersService()
	if err != nil {
		return nil, err
	}
	ctx := rq.Context()
	cur, err := ua.User(ctx, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	form := userForm{Role: rq.Form("role"), Units: formUnits(rq), Errors: map[string]string{}}
	_, err = ua.Update(ctx, cur.ID, pregonero.Role(form.Role), form.Units, cur.Disabled)
	switch {
	case err == nil:
		return uiRedirect("/users/"+cur.ID, &uiFlash{Kind: "ok", Text: rq.P.T("users.flash.updated")}), nil
	case userFieldErrors(rq, err, form.Errors):
		return s.renderUser(rq, userDetail{Form: form}, http.StatusUnprocessableEntity)
	case pregonero.ErrorCode(err) == pregonero.ECONFLICT:
		return uiRedirect("/users/"+cur.ID, &uiFlash{Kind: "error", Text: rq.P.T("users.error.last_admin") + " " + rq.P.T("error.detail", pregonero.ErrorMessage(err))}), nil
	}
	return nil, err
}

// uiSetDisabled disables a user (their sessions end) or enables them
// again; the last active admin cannot be disabled.
func (s *Server) uiSetDisabled(disabled bool) func(*uiRequest) (*uiView, error) {
	return func(rq *uiRequest) (*uiView, error) {
		ua, err := s.usersService()
		if err != nil {
			return nil, err
		}
		ctx := rq.Context()
		cur, err := ua.User(ctx, rq.R.PathValue("id"))
		if err != nil {
			return nil, err
		}
		_, err = ua.Update(ctx, cur.ID, cur.Role, cur.Units, disabled)
		switch pregonero.ErrorCode(err) {
		case "":
			key := "users.flash.enabled"
			if disabled {
				key = "users.flash.disabled"
			}
			return uiRedirect("/users/"+cur.ID, &uiFlash{Kind: "ok", Text: rq.P.T(key, cur.Username)}), nil
		case pregonero.ECONFLICT:
			return uiRedirect("/users/"+cur.ID, &uiFlash{Kind: "error", Text: rq.P.T("users.error.last_admin") + " " + rq.P.T("error.detail", pregonero.ErrorMessage(err))}), nil
		case pregonero.EINVALID:
			return uiRedirect("/users/"+cur.ID, &uiFlash{Kind: "error", Text: errorText(rq.P, err)}), nil
		}
		return nil, err
	}
}

// uiResetPassword gives the user a one-time password, shown once.
func (s *Server) uiResetPassword(rq *uiRequest) (*uiView, error) {
	ua, err := s.usersService()
	if err != nil {
		return nil, err
	}
	otp, err := ua.ResetPassword(rq.Context(), rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.renderUser(rq, userDetail{OneTime: otp}, http.StatusOK)
}

// uiCreateToken makes an API token for the user and shows it once.
func (s *Server) uiCreateToken(rq *uiRequest) (*uiView, error) {
	ua, err := s.usersService()
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(rq.Form("name"))
	if name == "" {
		return s.renderUser(rq, userDetail{TokenError: rq.P.T("users.error.token_name_required")}, http.StatusUnprocessableEntity)
	}
	token, t, err := ua.CreateToken(rq.Context(), rq.R.PathValue("id"), name)
	switch pregonero.ErrorCode(err) {
	case "":
		return s.renderUser(rq, userDetail{NewToken: token, NewTokenName: t.Name}, http.StatusOK)
	case pregonero.EINVALID, pregonero.ECONFLICT:
		return s.renderUser(rq, userDetail{TokenName: name, TokenError: rq.P.T("users.error.token") + " " + rq.P.T("error.detail", fieldMessage(err, "name"))},
			http.StatusUnprocessableEntity)
	}
	return nil, err
}

// uiRevokeToken deletes one of the user's API tokens.
func (s *Server) uiRevokeToken(rq *uiRequest) (*uiView, error) {
	ua, err := s.usersService()
	if err != nil {
		return nil, err
	}
	id := rq.R.PathValue("id")
	if err := ua.RevokeToken(rq.Context(), id, rq.Form("token_id")); err != nil {
		return nil, err
	}
	return uiRedirect("/users/"+id+"#tokens", &uiFlash{Kind: "ok", Text: rq.P.T("users.flash.token_revoked")}), nil
}

package web

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"

	"pregonero"
)

// Signing in happens before there is a session, so the sign-in form has a
// CSRF token of its own: a random value in a cookie that the form must
// repeat (double submit). A page on another site can neither read the
// cookie nor set it.

// loginForm is what the sign-in page shows.
type loginForm struct {
	Next     string
	Username string
	Error    string
	// Detail is the service's own words, shown under Error when they add
	// something (when to try again).
	Detail string
}

// loginCSRF returns the browser's sign-in token, making one when it has
// none (or a malformed one).
func (s *Server) loginCSRF(rq *uiRequest) string {
	if c, err := rq.R.Cookie(loginCSRFCookie); err == nil && len(c.Value) == 43 {
		if _, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			return c.Value
		}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(rq.W, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true,
		Secure: s.ui.secure, SameSite: http.SameSiteStrictMode})
	return tok
}

// handleLoginPage shows the sign-in form, or sends a signed-in person on.
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	rq := s.uiNewRequest(w, r)
	next := localPath(r.URL.Query().Get("next"))
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if _, _, err := s.ui.users.Session(r.Context(), c.Value); err == nil {
			s.uiWrite(rq, uiRedirect(next, nil))
			return
		}
	}
	s.renderLogin(rq, http.StatusOK, loginForm{Next: next})
}

func (s *Server) renderLogin(rq *uiRequest, status int, f loginForm) {
	rq.csrf = s.loginCSRF(rq)
	s.uiWrite(rq, &uiView{Template: "login", Title: "login.title", Status: status, Data: f})
}

// handleLogin checks the sign-in form: a session cookie and on to the
// page asked for, or the form again with why not.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	rq := s.uiNewRequest(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.uiFail(rq, pregonero.Errorf(pregonero.EINVALID, "The form could not be read: %v", err))
		return
	}
	f := loginForm{Next: localPath(r.PostFormValue("next")), Username: strings.TrimSpace(r.PostFormValue("username"))}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !sameCSRF(c.Value, r.PostFormValue(csrfField)) {
		f.Error = rq.P.T("login.error.csrf")
		s.renderLogin(rq, http.StatusForbidden, f)
		return
	}
	password := r.PostFormValue("password")
	if f.Username == "" || password == "" {
		f.Error = rq.P.T("login.error.empty")
		s.renderLogin(rq, http.StatusUnprocessableEntity, f)
		return
	}
	token, _, u, err := s.ui.users.SignIn(r.Context(), f.Username, password, remoteHost(r))
	switch pregonero.ErrorCode(err) {
	case "":
	case pregonero.EUNAUTHORIZED:
		f.Error = rq.P.T("login.error.credentials")
		s.renderLogin(rq, http.StatusUnauthorized, f)
		return
	case pregonero.ERATELIMITED:
		f.Error = rq.P.T("login.error.throttled")
		if rq.P.Lang() != "en" {
			f.Detail = rq.P.T("error.detail", pregonero.ErrorMessage(err))
		} else {
			f.Detail = pregonero.ErrorMessage(err)
		}
		s.renderLogin(rq, http.StatusTooManyRequests, f)
		return
	default:
		s.uiFail(rq, fmt.Errorf("sign in: %w", err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.ui.secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true,
		Secure: s.ui.secure, SameSite: http.SameSiteStrictMode})
	to := f.Next
	if u.MustChangePassword {
		to = "/password"
	}
	s.uiWrite(rq, uiRedirect(to, nil))
}

// remoteHost is the address the sign-in tries are counted by.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// uiLogout ends the session and goes back to the sign-in page.
func (s *Server) uiLogout(rq *uiRequest) (*uiView, error) {
	err := s.ui.users.SignOut(rq.Context(), rq.token)
	if err != nil && pregonero.ErrorCode(err) != pregonero.EUNAUTHORIZED {
		return nil, fmt.Errorf("sign out: %w", err)
	}
	s.clearCookie(rq.W, sessionCookie)
	return uiRedirect("/login", &uiFlash{Kind: "ok", Text: rq.P.T("flash.signed_out")}), nil
}

// passwordForm is what the password page shows: the errors by field.
type passwordForm struct {
	Must   bool // the user must change it before anything else
	Errors map[string]string
}

func (s *Server) passwordPage() uiPage {
	return uiPage{
		Path:   "/password",
		Exempt: true,
		Render: func(rq *uiRequest) (*uiView, error) {
			return &uiView{Template: "password", Title: "password.title", Data: passwordForm{Must: rq.User.MustChangePassword}}, nil
		},
		Forms: []uiForm{{Path: "/password", Handle: s.uiChangePassword}},
	}
}

// uiChangePassword changes the signed-in user's password; the users
// service checks the rules, the form only that both new ones match.
func (s *Server) uiChangePassword(rq *uiRequest) (*uiView, error) {
	current, next, repeat := rq.Form("current_password"), rq.Form("new_password"), rq.Form("repeat_password")
	f := passwordForm{Must: rq.User.MustChangePassword, Errors: map[string]string{}}
	if current == "" {
		f.Errors["current_password"] = rq.P.T("password.error.required")
	}
	if next == "" {
		f.Errors["new_password"] = rq.P.T("password.error.required")
	} else if next != repeat {
		f.Errors["repeat_password"] = rq.P.T("password.error.mismatch")
	}
	if len(f.Errors) == 0 {
		err := s.ui.users.ChangePassword(rq.Context(), rq.User.ID, current, next, rq.Session.ID)
		if err == nil {
			return uiRedirect("/", &uiFlash{Kind: "ok", Text: rq.P.T("flash.password_changed")}), nil
		}
		e, _ := asAppError(err)
		switch e.Code {
		case pregonero.EINVALID:
			for _, fe := range e.Fields {
				switch fe.Field {
				case "current_password":
					f.Errors["current_password"] = rq.P.T("password.error.current")
				default:
					f.Errors["new_password"] = rq.P.T("password.error.rules") + " " + rq.P.T("error.detail", fe.Message)
				}
			}
			if len(f.Fields()) == 0 {
				f.Errors["new_password"] = rq.P.T("password.error.rules") + " " + rq.P.T("error.detail", e.Message)
			}
		case pregonero.EUNAUTHORIZED:
			f.Errors["current_password"] = rq.P.T("password.error.current")
		case pregonero.ERATELIMITED:
			f.Errors["current_password"] = rq.P.T("login.error.throttled") + " " + rq.P.T("error.detail", e.Message)
		default:
			return nil, fmt.Errorf("change password: %w", err)
		}
	}
	return &uiView{Template: "password", Title: "password.title", Status: http.StatusUnprocessableEntity, Data: f,
		Flash: &uiFlash{Kind: "error", Text: rq.P.T("password.error.summary")}}, nil
}

// Fields lists the fields with an error, for the summary at the top.
func (f passwordForm) Fields() []string {
	var out []string
	for _, k := range []string{"current_password", "new_password", "repeat_password"} {
		if _, ok := f.Errors[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

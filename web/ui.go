package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"pregonero"
	"pregonero/web/i18n"
)

// The web interface: server-rendered pages in Spanish (English on
// request) for the people who queue and watch posts. Every page is an
// entry of uiPages, rendered inside one layout from templates parsed once
// at start-up; every form posts with the session's CSRF token and is
// answered with a redirect. See ui_auth.go for signing in and out and
// ui_dashboard.go for the Tablero.

// UISessions is what the web interface needs from the users service:
// signing in and out, the session behind a cookie, and a password change.
type UISessions interface {
	// SignIn checks a password from addr and opens a session whose token
	// goes in the cookie: EUNAUTHORIZED for a wrong user or password (one
	// generic message), ERATELIMITED while the tries for that user from
	// that address are slowed.
	SignIn(ctx context.Context, username, password, addr string) (token string, sess *pregonero.Session, u *pregonero.User, err error)
	// Session returns the session and the user of a cookie's token;
	// EUNAUTHORIZED when it is unknown, expired or its user disabled.
	Session(ctx context.Context, token string) (*pregonero.Session, *pregonero.User, error)
	// SignOut ends the session of a token.
	SignOut(ctx context.Context, token string) error
	// ChangePassword sets a user's password after checking the current
	// one (EINVALID with the field at fault), clears MustChangePassword
	// and ends the user's sessions except keepSession (a session id).
	ChangePassword(ctx context.Context, userID, current, next, keepSession string) error
}

// Cookies and form fields of the web interface.
const (
	sessionCookie   = "pregonero_session"
	loginCSRFCookie = "pregonero_csrf"
	langCookie      = "pregonero_lang"
	flashCookie     = "pregonero_flash"
	csrfField       = "csrf_token"
)

// maxFormBytes caps the body of a form post: the interface's forms carry
// a few fields of text.
const maxFormBytes = 64 << 10

// uiCSP lets the pages load scripts, styles and images from this server
// only: no inline script, no inline event handler, no framing.
const uiCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

//go:embed templates
var templateFS embed.FS

// uiPage is one page of the web interface. Adding a page is adding an
// entry to uiPages, a template under templates/pages and its texts to the
// catalogs; the menu, the session, the password-change gate, the role
// check and the CSRF check of its forms come with it.
type uiPage struct {
	// Path is the page's ServeMux path ("/", "/posts/{id}"), served for
	// GET (and HEAD). "/" is served for exactly "/".
	Path string
	// Menu is the catalog key of the page's menu entry; empty keeps the
	// page out of the menu (a detail page, the password page).
	Menu string
	// Allow says who may open the page and post its forms; nil lets every
	// signed-in user. The menu lists the page only to those it allows.
	Allow func(*pregonero.User) bool
	// Exempt pages stay open to a user who must change their password
	// first; every other page sends them to /password.
	Exempt bool
	// Render answers the GET.
	Render func(*uiRequest) (*uiView, error)
	// Forms are the POST handlers of the page's forms.
	Forms []uiForm
}

// uiForm is a POST handler. The framework has checked the session and the
// CSRF token and parsed the form before Handle runs; Handle answers with
// a redirect (uiRedirect) or, to show errors, a page with the form again.
type uiForm struct {
	Path string
	// Allow narrows who may post; nil takes the page's.
	Allow  func(*pregonero.User) bool
	Handle func(*uiRequest) (*uiView, error)
}

// Who may open a page.
var (
	uiEditors = func(u *pregonero.User) bool {
		return u.CanRead() && (u.Role == pregonero.RoleAdmin || u.Role == pregonero.RoleEditor)
	}
	uiAdmins = func(u *pregonero.User) bool { return u.IsAdmin() }
)

// uiPages lists every page in menu order.
func (s *Server) uiPages() []uiPage {
	return []uiPage{
		s.dashboardPage(),
		s.composePage(),
		s.composeEditPage(),
		s.calendarPage(),
		s.queuePage(),
		s.seriesListPage(),
		s.seriesPage(),
		s.importPage(),
		s.feedsPage(),
		s.feedPage(),
		s.calendarFeedPage(),
		s.postPage(),
		s.campaignsPage(),
		s.campaignPage(),
		s.campaignReportPage(),
		s.reportsPage(),
		s.accountsPage(),
		s.connectPage(),
		s.connectCallbackPage(),
		s.connectPickerPage(),
		s.disconnectPage(),
		s.pausePage(),
		s.usersPage(),
		s.userPage(),
		s.passwordPage(),
		s.profilePage(),
		s.notifyPage(),
	}
}

// uiView is what a handler answers: a page to render, or a redirect.
type uiView struct {
	// Template names the page template (templates/pages/NAME.html).
	Template string
	// Title is the catalog key of the page's title.
	Title  string
	Data   any
	Status int // 200 when zero
	// Redirect sends the browser there with 303 See Other, Flash shown on
	// the page it lands on; without Redirect, Flash shows on this page.
	Redirect string
	Flash    *uiFlash
	// Scripts and Styles name the page's own static files (under static/,
	// e.g. "compose.js"), linked after the layout's.
	Scripts []string
	Styles  []string
}

// uiRedirect answers a form post: go to a local path, showing flash there.
func uiRedirect(to string, flash *uiFlash) *uiView {
	return &uiView{Redirect: localPath(to), Flash: flash}
}

// uiFlash is a message shown once, on the page after a form post.
type uiFlash struct {
	Kind string `json:"k"` // "ok", "error" or "info"
	Text string `json:"t"`
}

// uiRequest is what a page or form handler gets: the request, the signed
// in user and their session, the language and the zone to show times in.
type uiRequest struct {
	W       http.ResponseWriter
	R       *http.Request
	User    *pregonero.User
	Session *pregonero.Session
	// P gives the texts of the page's language.
	P *i18n.Printer
	// Loc is the user's zone, or the server's.
	Loc *time.Location
	Now time.Time

	token string // the session cookie's
	csrf  string // the token forms carry
	page  *uiPage
}

// Context returns the request's context, carrying the signed-in user.
func (rq *uiRequest) Context() context.Context { return rq.R.Context() }

// Form returns a posted form field.
func (rq *uiRequest) Form(name string) string { return rq.R.PostFormValue(name) }

// ui is the web interface's state, made once by registerUI.
type ui struct {
	users   UISessions
	secure  bool // cookies only over HTTPS
	catalog *i18n.Catalog
	pages   []uiPage
	tmpl    map[string]*template.Template
	static  map[string]*staticFile
}

// registerUI parses the templates and catalogs and registers the pages;
// without a users service there is no one to sign in, and no interface.
// A template or catalog that does not parse fails the start.
func (s *Server) registerUI(users UISessions, publicURL string) error {
	if users == nil {
		return nil
	}
	cat, err := i18n.Load()
	if err != nil {
		return fmt.Errorf("web interface: %w", err)
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return fmt.Errorf("web interface: %w", err)
	}
	static, err := loadStatic()
	if err != nil {
		return fmt.Errorf("web interface: %w", err)
	}
	u := &ui{users: users, catalog: cat, tmpl: tmpl, static: static}
	if pu, err := url.Parse(publicURL); err == nil && pu.Scheme == "https" {
		u.secure = true
	}
	s.ui = u
	u.pages = s.uiPages()
	for i := range u.pages {
		p := &u.pages[i]
		if p.Render == nil {
			return fmt.Errorf("web interface: page %s has no Render", p.Path)
		}
		pattern := p.Path
		if pattern == "/" {
			pattern = "/{$}"
		}
		s.mux.Handle("GET "+pattern, s.uiServe(p, nil, p.Render))
		for _, f := range p.Forms {
			s.mux.Handle("POST "+f.Path, s.uiServe(p, &f, f.Handle))
		}
	}
	s.mux.HandleFunc("GET /login", s.handleLoginPage)
	s.mux.HandleFunc("POST /login", s.handleLogin)
	s.mux.Handle("POST /logout", s.uiServe(&uiPage{Exempt: true}, &uiForm{}, s.uiLogout))
	s.mux.HandleFunc("GET /lang/{lang}", s.handleLanguage)
	s.mux.HandleFunc("GET /static/{name}", s.handleStatic)
	return nil
}

// parseTemplates parses the layout and partials once, and each page on a
// clone of them: pages may define the same blocks ("content").
func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout").Funcs(uiFuncs(nil)).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template, len(pages))
	for _, p := range pages {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(templateFS, p); err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		out[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return out, nil
}

// uiSecurityHeaders are sent with every page and redirect.
func uiSecurityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", uiCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// uiNewRequest starts a request of the interface: the language of the
// browser's choice (or the default) and the server's zone, until a
// session says whose it is.
func (s *Server) uiNewRequest(w http.ResponseWriter, r *http.Request) *uiRequest {
	uiSecurityHeaders(w)
	rq := &uiRequest{W: w, R: r, Loc: s.loc, Now: s.now()}
	lang := i18n.Default
	if c, err := r.Cookie(langCookie); err == nil && i18n.Supported(c.Value) {
		lang = c.Value
	}
	rq.P = s.ui.catalog.Printer(lang)
	return rq
}

// setUser makes the request the user's: their language when they chose
// one, their zone when it loads, and the user in the context for the
// services.
func (s *Server) setUser(rq *uiRequest, sess *pregonero.Session, u *pregonero.User, token string) {
	rq.User, rq.Session, rq.token, rq.csrf = u, sess, token, sess.CSRF
	if i18n.Supported(u.Language) {
		rq.P = s.ui.catalog.Printer(u.Language)
	}
	if loc, fe := s.posts.Zone(u.Timezone); fe == nil {
		rq.Loc = loc
	}
	rq.R = rq.R.WithContext(pregonero.NewContextWithUser(rq.R.Context(), u))
}

// uiServe wraps a page's GET (form nil) or one of its forms: the session
// from the cookie (to the sign-in page without one), the password-change
// gate, the CSRF check of a post, the role check, then the handler.
func (s *Server) uiServe(p *uiPage, form *uiForm, fn func(*uiRequest) (*uiView, error)) http.Handler {
	allow := p.Allow
	if form != nil && form.Allow != nil {
		allow = form.Allow
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := s.uiNewRequest(w, r)
		rq.page = p
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			s.uiToLogin(rq, nil)
			return
		}
		sess, u, err := s.ui.users.Session(r.Context(), c.Value)
		switch {
		case pregonero.ErrorCode(err) == pregonero.EUNAUTHORIZED:
			s.clearCookie(w, sessionCookie)
			s.uiToLogin(rq, &uiFlash{Kind: "info", Text: rq.P.T("flash.session_ended")})
			return
		case err != nil:
			s.uiFail(rq, fmt.Errorf("session: %w", err))
			return
		}
		s.setUser(rq, sess, u, c.Value)
		if u.MustChangePassword && !p.Exempt {
			s.uiWrite(rq, uiRedirect("/password", &uiFlash{Kind: "info", Text: rq.P.T("flash.must_change_password")}))
			return
		}
		if form != nil {
			rq.R.Body = http.MaxBytesReader(w, rq.R.Body, maxFormBytes)
			if err := rq.R.ParseForm(); err != nil {
				s.uiFail(rq, pregonero.Errorf(pregonero.EINVALID, "The form could not be read: %v", err))
				return
			}
			if !sameCSRF(rq.csrf, rq.R.PostFormValue(csrfField)) {
				s.uiFail(rq, errCSRF)
				return
			}
		}
		if allow != nil && !allow(u) {
			s.uiFail(rq, pregonero.Errorf(pregonero.EFORBIDDEN, "Your role may not open this page."))
			return
		}
		v, err := fn(rq)
		if err != nil {
			s.uiFail(rq, err)
			return
		}
		s.uiWrite(rq, v)
	})
}

// errCSRF refuses a form without the token of the session that showed it.
var errCSRF = pregonero.Errorf(pregonero.EFORBIDDEN, "The form's csrf_token is missing or does not match the session.")

// sameCSRF compares a form's token with the expected one in constant time;
// an empty expected token matches nothing.
func sameCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// uiToLogin sends a request without a valid session to the sign-in page,
// which brings the person back to the page they asked for.
func (s *Server) uiToLogin(rq *uiRequest, flash *uiFlash) {
	to := "/login"
	if rq.R.Method == http.MethodGet || rq.R.Method == http.MethodHead {
		if next := localPath(rq.R.URL.RequestURI()); next != "/" {
			to += "?next=" + url.QueryEscape(next)
		}
	}
	s.uiWrite(rq, &uiView{Redirect: to, Flash: flash})
}

// localPath returns p when it is a path on this server, and "/" otherwise:
// a next parameter must not send anyone to another site.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\x00\r\n\t") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return p
}

// uiWrite answers with a view: a redirect, or the page rendered in the
// layout.
func (s *Server) uiWrite(rq *uiRequest, v *uiView) {
	w := rq.W
	if v.Redirect != "" {
		if v.Flash != nil {
			s.setFlash(w, v.Flash)
		}
		w.Header().Set("Location", v.Redirect)
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	flash := v.Flash
	if flash == nil {
		flash = s.takeFlash(rq)
	}
	data := uiLayout{
		Lang:  rq.P.Lang(),
		Title: rq.P.T(v.Title),
		User:  rq.User,
		Flash: flash,
		Zone:  rq.Loc.String(),
		Page:  v.Data,
		Path:  rq.R.URL.Path,

		Scripts: v.Scripts,
		Styles:  v.Styles,
	}
	if rq.User != nil {
		data.Menu = s.uiMenu(rq)
		data.Role = keyOr(rq.P, "role."+string(rq.User.Role), "role.unknown")
		// The banner is not worth failing the page for; the log says why
		// it is missing.
		if ps, err := s.posts.PauseState(rq.Context()); err != nil {
			s.logger.ErrorContext(rq.Context(), "read pause state", logErr, err)
		} else if ps.Paused {
			data.Pause = &ps
		}
		data.LangFromProfile = i18n.Supported(rq.User.Language)
	}
	for _, l := range i18n.Languages {
		data.Langs = append(data.Langs, uiLangLink{Code: l, Name: rq.P.T("lang." + l), Current: l == rq.P.Lang(),
			Href: "/lang/" + l + "?next=" + url.QueryEscape(localPath(rq.R.URL.RequestURI()))})
	}
	t, ok := s.ui.tmpl[v.Template]
	if !ok {
		s.uiRenderFailed(rq, fmt.Errorf("no template %q", v.Template))
		return
	}
	t, err := t.Clone()
	if err != nil {
		s.uiRenderFailed(rq, err)
		return
	}
	t.Funcs(uiFuncs(&uiFuncCtx{s: s, rq: rq}))
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.uiRenderFailed(rq, err)
		return
	}
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if rq.R.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// uiRenderFailed answers a page whose template failed: a bug, logged,
// and a plain answer, since the layout itself may be what fails.
func (s *Server) uiRenderFailed(rq *uiRequest, err error) {
	s.logger.ErrorContext(rq.Context(), "render page", logPath, rq.R.URL.Path, logErr, err)
	w := rq.W
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(rq.P.T("error.internal") + "\n"))
}

// uiLayout is what the layout template gets.
type uiLayout struct {
	Lang  string
	Title string
	User  *pregonero.User
	// Role names the user's role.
	Role string
	Menu []uiMenuItem
	// Pause is set while all publishing is paused: the crisis banner.
	Pause *pregonero.PauseState
	Flash *uiFlash
	Langs []uiLangLink
	// LangFromProfile is set when the user's profile fixes the language,
	// which the footer's switch does not override.
	LangFromProfile bool
	Zone            string
	Path            string
	Page            any
	Scripts         []string
	Styles          []string
}

type uiMenuItem struct {
	Href    string
	Label   string
	Current bool
}

type uiLangLink struct {
	Code, Name, Href string
	Current          bool
}

// uiMenu lists the pages with a menu entry that the user may open.
func (s *Server) uiMenu(rq *uiRequest) []uiMenuItem {
	return menuFor(s.ui.pages, rq.User, rq.page, rq.P)
}

func menuFor(pages []uiPage, u *pregonero.User, current *uiPage, p *i18n.Printer) []uiMenuItem {
	var out []uiMenuItem
	for i := range pages {
		pg := &pages[i]
		if pg.Menu == "" || strings.Contains(pg.Path, "{") || (pg.Allow != nil && !pg.Allow(u)) {
			continue
		}
		out = append(out, uiMenuItem{Href: pg.Path, Label: p.T(pg.Menu), Current: current != nil && current.Path == pg.Path})
	}
	return out
}

// uiFail answers an error with the error page: its status from the one
// table of codes, its words from the catalog.
func (s *Server) uiFail(rq *uiRequest, err error) {
	s.uiWrite(rq, s.uiErrorView(rq, err))
}

// uiErrorView is the error page of err; internal errors are logged.
func (s *Server) uiErrorView(rq *uiRequest, err error) *uiView {
	e, status := asAppError(err)
	if status >= 500 {
		s.logger.ErrorContext(rq.Context(), "page failed", logMethod, rq.R.Method, logPath, rq.R.URL.Path, logErr, err)
	} else {
		s.logger.DebugContext(rq.Context(), "page refused", logMethod, rq.R.Method, logPath, rq.R.URL.Path, logCode, e.Code, logErr, err)
	}
	v := errorPageView(rq, e.Code, status)
	if errors.Is(err, errCSRF) {
		v.Data = uiErrorPage{Text: rq.P.T("error.page.csrf"), Status: status}
	}
	return v
}

// errorPageView is the error page of an error code, in the page's
// language.
func errorPageView(rq *uiRequest, code string, status int) *uiView {
	key := "error.page." + code
	if !rq.P.Has(key) {
		key = "error.page.internal"
	}
	return &uiView{Template: "error", Title: "error.title", Status: status, Data: uiErrorPage{Text: rq.P.T(key), Status: status}}
}

type uiErrorPage struct {
	Text   string
	Status int
}

// errorText says in the page's language what went wrong with an action:
// the code's explanation, and the service's English message after it
// when it adds something.
func errorText(p *i18n.Printer, err error) string {
	e, _ := asAppError(err)
	key := "error.action." + e.Code
	if !p.Has(key) {
		key = "error.action.internal"
	}
	if e.Code == pregonero.EINTERNAL || e.Message == "" {
		return p.T(key)
	}
	return p.T(key) + " " + p.T("error.detail", e.Message)
}

// setFlash keeps a message for the next page in a short-lived cookie.
func (s *Server) setFlash(w http.ResponseWriter, f *uiFlash) {
	b, _ := json.Marshal(f)
	if len(b) > 2000 {
		t := []rune(f.Text)
		f = &uiFlash{Kind: f.Kind, Text: string(t[:min(len(t), 400)]) + "…"}
		b, _ = json.Marshal(f)
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: 120, HttpOnly: true, Secure: s.ui.secure, SameSite: http.SameSiteLaxMode})
}

// takeFlash reads the message a redirect left, and removes it.
func (s *Server) takeFlash(rq *uiRequest) *uiFlash {
	c, err := rq.R.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	s.clearCookie(rq.W, flashCookie)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var f uiFlash
	if json.Unmarshal(b, &f) != nil || f.Text == "" {
		return nil
	}
	switch f.Kind {
	case "ok", "error", "info":
	default:
		f.Kind = "info"
	}
	return &f
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.ui.secure, SameSite: http.SameSiteLaxMode})
}

// handleLanguage keeps the chosen language in a cookie, for the pages of
// this browser whose user did not choose one in their profile, and goes
// back to the page.
func (s *Server) handleLanguage(w http.ResponseWriter, r *http.Request) {
	uiSecurityHeaders(w)
	lang := r.PathValue("lang")
	if i18n.Supported(lang) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.ui.secure, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Set("Location", localPath(r.URL.Query().Get("next")))
	w.WriteHeader(http.StatusSeeOther)
}

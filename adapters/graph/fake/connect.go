package fake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"pregonero"
)

// Page is a Facebook Page the sandbox user manages: what Facebook Login
// lists in /me/accounts and offers on its consent screen.
type Page struct {
	ID   string
	Name string
	// Tasks are what the user can do on the Page; nil means every task
	// (AllTasks).
	Tasks []string
	// Instagram links the business account LinkedInstagram(ID) to the
	// Page. The Page token of a Page listed without it acts on no
	// Instagram account.
	Instagram bool
}

// AllTasks are the tasks of a Page's full-control user.
var AllTasks = []string{"ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"}

// The sandbox user who goes through the consent screens.
const (
	// DefaultUserID is the Facebook user id of the sandbox user.
	DefaultUserID = "100000000009001"
	// DefaultUserName is the sandbox user's name.
	DefaultUserName = "Usuario Sandbox"
	// DefaultInstagramLoginUser is the Instagram professional account,
	// linked to no Page, that Instagram Login connects.
	DefaultInstagramLoginUser = "17841400000000009001"
)

// DefaultPages are the Pages the sandbox user manages by default: three,
// the first (the sandbox's configured Page) with an Instagram business
// account.
func DefaultPages() []Page {
	return []Page{
		{ID: "100000000000001", Name: "Gobernación de Antioquia", Instagram: true},
		{ID: "100000000000002", Name: "Secretaría de Salud de Antioquia"},
		{ID: "100000000000003", Name: "Secretaría de Educación de Antioquia"},
	}
}

// Lifetimes of what the consent flows issue: Facebook's codes are used
// within minutes and Instagram's within an hour; short-lived user tokens
// last an hour, long-lived ones 60 days.
const (
	facebookCodeTTL  = 10 * time.Minute
	instagramCodeTTL = time.Hour
	shortTokenTTL    = time.Hour
	longTokenTTL     = 60 * 24 * time.Hour
	// refreshAfter is how old a long-lived Instagram token must be to be
	// refreshed.
	refreshAfter = 24 * time.Hour
)

// Kinds of consent and of issued tokens.
const (
	loginFacebook  = "facebook"
	loginInstagram = "instagram"
	tokenUser      = "user"
	tokenPage      = "page"
	tokenIG        = "ig"
)

// Permissions the consent screens know; others are refused as Meta
// refuses an invalid scope.
var (
	facebookScopes = []string{"public_profile", "email", "pages_show_list", "pages_read_engagement", "pages_manage_posts",
		"pages_manage_metadata", "pages_manage_engagement", "pages_read_user_content", "publish_video", "read_insights",
		"business_management", "ads_read", "ads_management", "instagram_basic", "instagram_content_publish",
		"instagram_manage_insights", "instagram_manage_comments"}
	instagramScopes = []string{"instagram_business_basic", "instagram_business_content_publish",
		"instagram_business_manage_insights", "instagram_business_manage_comments", "instagram_business_manage_messages"}
)

// grant is what one consent gave.
type grant struct {
	login    string
	subject  string   // the Facebook user or the Instagram account
	scopes   []string // granted
	declined []string
	pages    []string // Facebook: the Pages chosen
}

func (g *grant) has(scope string) bool { return g == nil || slices.Contains(g.scopes, scope) }

// authCode is an authorization code: single-use, bound to the client
// and the redirect URI.
type authCode struct {
	grant    *grant
	client   string
	redirect string
	issued   time.Time
	used     bool
}

// issued is a token a consent flow issued.
type issued struct {
	kind    string
	subject string // user, page or Instagram account id
	grant   *grant
	tasks   []string // Page tokens: the user's tasks on the Page
	created time.Time
	expires time.Time // zero: never
	long    bool
}

// connectState holds the consent flows' configuration and what they
// issued; guarded by Fake.mu.
type connectState struct {
	redirects []string
	pages     []Page
	igUser    string
	codes     map[string]*authCode
	tokens    map[string]*issued
}

func newConnectState(opts Options) *connectState {
	s := &connectState{
		redirects: slices.Clone(opts.RedirectURIs),
		pages:     slices.Clone(opts.Pages),
		igUser:    opts.InstagramLoginUser,
		codes:     make(map[string]*authCode),
		tokens:    make(map[string]*issued),
	}
	if s.pages == nil {
		s.pages = DefaultPages()
	}
	if s.igUser == "" {
		s.igUser = DefaultInstagramLoginUser
	}
	return s
}

// linkedIG returns the Instagram account a Page token acts on: none for
// a Page of Options.Pages listed without one.
func (f *Fake) linkedIG(page string) string {
	for _, p := range f.auth.pages {
		if p.ID == page {
			if p.Instagram {
				return LinkedInstagram(page)
			}
			return ""
		}
	}
	return LinkedInstagram(page)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// principalOf returns what a token acts as: the fixed sandbox Page and
// Instagram tokens, or a token the consent flows issued (190/463 once
// expired).
func (f *Fake) principalOf(token string) (principal, *gerr) {
	if rest, ok := strings.CutPrefix(token, pageTokenPrefix); ok && isDigits(rest) {
		return principal{page: rest, ig: f.linkedIG(rest)}, nil
	}
	if rest, ok := strings.CutPrefix(token, igTokenPrefix); ok && isDigits(rest) {
		return principal{ig: rest}, nil
	}
	now := f.now()
	f.mu.Lock()
	t := f.auth.tokens[token]
	f.mu.Unlock()
	if t == nil || token == "" {
		return principal{}, known(190, 0)
	}
	if !t.expires.IsZero() && !now.Before(t.expires) {
		return principal{}, known(190, 463)
	}
	switch t.kind {
	case tokenUser:
		return principal{user: t.subject, grant: t.grant}, nil
	case tokenPage:
		return principal{page: t.subject, ig: f.linkedIG(t.subject), grant: t.grant, tasks: t.tasks, restricted: true}, nil
	default:
		return principal{ig: t.subject, grant: t.grant, restricted: true}, nil
	}
}

// allowed refuses a publishing call of a token issued without the
// permission or the Page task it needs: pages_manage_posts for Page posts
// and uploads (200), instagram_content_publish or
// instagram_business_content_publish for containers and publishing (10),
// and CREATE_CONTENT or MANAGE on the Page for both (200).
func (f *Fake) allowed(c *call) *gerr {
	w := c.who
	if !w.restricted {
		return nil
	}
	canCreate := w.tasks == nil || slices.Contains(w.tasks, "CREATE_CONTENT") || slices.Contains(w.tasks, "MANAGE")
	switch {
	case c.network == NetworkFacebook && (c.op == OpCreate || c.op == OpUpload):
		if !w.grant.has("pages_manage_posts") || !canCreate {
			return known(200, 0)
		}
	case c.network == NetworkInstagram && (c.op == OpContainer || c.op == OpPublish):
		if !w.grant.has("instagram_content_publish") && !w.grant.has("instagram_business_content_publish") {
			return known(10, 0)
		}
		if w.page != "" && !canCreate {
			return known(200, 0)
		}
	}
	return nil
}

// oauth serves the consent screens, the token endpoints and profile
// pictures, which sit beside the Graph API; it reports whether path was
// one of them.
func (f *Fake) oauth(w http.ResponseWriter, r *http.Request, path string) bool {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	version := ""
	if versionRE.MatchString(segs[0]) {
		version, segs = segs[0], segs[1:]
	}
	p := strings.Join(segs, "/")
	switch {
	case p == "dialog/oauth":
		f.facebookDialog(w, r, version)
	case p == "oauth/access_token" && (version != "" || r.Method == http.MethodGet):
		f.facebookToken(w, r, version)
	case p == "oauth/access_token" && r.Method == http.MethodPost:
		f.instagramToken(w, r)
	case p == "oauth/authorize" && version == "":
		f.instagramDialog(w, r)
	case p == "access_token" && r.Method == http.MethodGet:
		f.instagramLongLived(w, r)
	case p == "refresh_access_token" && r.Method == http.MethodGet:
		f.instagramRefresh(w, r)
	case len(segs) == 2 && segs[1] == "picture" && isDigits(segs[0]) && r.Method == http.MethodGet:
		writePicture(w, segs[0])
	default:
		return false
	}
	return true
}

// servedVersion reports whether a Graph version is one the fake serves.
func servedVersion(v string) bool {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[1])
	return m[2] == "0" && n >= minVersion && n <= maxVersion
}

// formParams reads the query and a form or multipart body.
func formParams(r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, err
		}
		defer r.MultipartForm.RemoveAll()
	} else if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return r.Form, nil
}

// splitScopes splits a scope parameter at commas and spaces.
func splitScopes(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// consent is one consent screen's request, as it came in the query and
// goes back in the form's hidden fields.
type consent struct {
	login        string
	client       string
	redirect     string
	state        string
	scope        string
	responseType string
	asked        []string
}

// readConsent checks a consent request the way the network's screen
// does: a page with the error, and no redirect, for an unknown app, a
// redirect URI the app does not list (exact match), another response
// type than code, or an invalid scope.
func (f *Fake) readConsent(login string, q url.Values) (consent, string) {
	c := consent{login: login, client: q.Get("client_id"), redirect: q.Get("redirect_uri"), state: q.Get("state"),
		scope: q.Get("scope"), responseType: q.Get("response_type")}
	c.asked = splitScopes(c.scope)
	known := facebookScopes
	if login == loginInstagram {
		known = instagramScopes
	}
	switch {
	case c.client != f.appID && login == loginFacebook:
		return c, "Invalid App ID: The provided app ID does not look like a valid app ID."
	case c.client != f.appID:
		return c, "Invalid platform app"
	case !slices.Contains(f.auth.redirects, c.redirect):
		return c, "URL Blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs."
	case c.responseType != "code" && !(login == loginFacebook && c.responseType == ""):
		return c, fmt.Sprintf("The sandbox serves only the authorization code flow (response_type=code), not %q.", c.responseType)
	case login == loginFacebook && q.Get("config_id") != "":
		return c, "The sandbox app has no Facebook Login for Business configurations: leave config_id out and ask for the permissions with scope."
	case login == loginInstagram && !slices.Contains(c.asked, "instagram_business_basic"):
		return c, "Invalid Scopes: instagram_business_basic is required."
	}
	var bad []string
	for _, s := range c.asked {
		if !slices.Contains(known, s) {
			bad = append(bad, s)
		}
	}
	if len(bad) > 0 {
		return c, "Invalid Scopes: " + strings.Join(bad, ", ") + ". This message is only shown to developers."
	}
	return c, ""
}

func (f *Fake) facebookDialog(w http.ResponseWriter, r *http.Request, version string) {
	if version != "" && !servedVersion(version) {
		writeConsentError(w, "Facebook", "The Graph API version "+version+" is not served; use v"+strconv.Itoa(minVersion)+".0 to v"+strconv.Itoa(maxVersion)+".0.")
		return
	}
	f.dialog(w, r, loginFacebook)
}

func (f *Fake) instagramDialog(w http.ResponseWriter, r *http.Request) {
	f.dialog(w, r, loginInstagram)
}

// dialog serves a consent screen (GET) and its answer (POST): Cancelar
// sends error=access_denied back to the redirect URI, Autorizar a code.
// The form's checkboxes grant fewer permissions (grant) or Pages (page)
// than asked when it carries chosen=1; a form posted without chosen
// grants everything asked and every Page.
func (f *Fake) dialog(w http.ResponseWriter, r *http.Request, login string) {
	network := "Facebook"
	if login == loginInstagram {
		network = "Instagram"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q, err := formParams(r)
	if err != nil {
		writeConsentError(w, network, "The request could not be read.")
		return
	}
	c, problem := f.readConsent(login, q)
	if problem != "" {
		f.log.Info("consent refused", pregonero.LogNetwork, login, pregonero.LogReason, problem)
		writeConsentError(w, network, problem)
		return
	}
	if r.Method == http.MethodGet {
		f.writeConsent(w, r, c, network)
		return
	}
	back, _ := url.Parse(c.redirect)
	v := back.Query()
	switch q.Get("action") {
	case "cancelar":
		v.Set("error", "access_denied")
		v.Set("error_reason", "user_denied")
		if login == loginFacebook {
			v.Set("error_code", "200")
			v.Set("error_description", "Permissions error")
		} else {
			v.Set("error_description", "The user denied your request.")
		}
	case "autorizar":
		g := f.consentGrant(c, q)
		code := "sandbox-code-" + randomHex(16)
		f.mu.Lock()
		f.auth.codes[code] = &authCode{grant: g, client: c.client, redirect: c.redirect, issued: f.now()}
		f.mu.Unlock()
		v.Set("code", code)
	default:
		writeConsentError(w, network, "Choose Autorizar or Cancelar.")
		return
	}
	if c.state != "" {
		v.Set("state", c.state)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// consentGrant is what the consent form granted.
func (f *Fake) consentGrant(c consent, form url.Values) *grant {
	g := &grant{login: c.login}
	chosen := form.Get("chosen") == "1"
	for _, s := range c.asked {
		if !chosen || slices.Contains(form["grant"], s) || s == "public_profile" {
			g.scopes = append(g.scopes, s)
		} else {
			g.declined = append(g.declined, s)
		}
	}
	if c.login == loginInstagram {
		g.subject = f.auth.igUser
		return g
	}
	g.subject = DefaultUserID
	for _, p := range f.auth.pages {
		if !chosen || slices.Contains(form["page"], p.ID) {
			g.pages = append(g.pages, p.ID)
		}
	}
	return g
}

// consentPage is the consent screen: Spanish, self-contained, with the
// buttons a browser test clicks (#autorizar, #cancelar).
var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Network}} (sandbox): autorizar {{.App}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1c1e21}
fieldset{border:1px solid #ccd0d5;border-radius:6px;margin:1rem 0}label{display:block;margin:.3rem 0}
.sandbox{background:#fff4d6;padding:.5rem;border-radius:4px}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}
#autorizar{background:#1877f2;color:#fff;border:0;border-radius:6px}</style></head>
<body><main>
<p class="sandbox">Entorno de pruebas: esta pantalla imita la de {{.Network}}; nada sale a {{.Network}}.</p>
<h1>{{.App}} quiere conectarse a tu cuenta de {{.Network}}</h1>
<p>Sesión de <strong>{{.User}}</strong>.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="client_id" value="{{.C.client}}">
<input type="hidden" name="redirect_uri" value="{{.C.redirect}}">
<input type="hidden" name="state" value="{{.C.state}}">
<input type="hidden" name="scope" value="{{.C.scope}}">
<input type="hidden" name="response_type" value="{{.C.responseType}}">
<input type="hidden" name="chosen" value="1">
<fieldset><legend>Permisos que pide la aplicación</legend>
{{range .C.asked}}<label><input type="checkbox" name="grant" value="{{.}}" checked> {{.}}</label>
{{end}}</fieldset>
{{if .Pages}}<fieldset><legend>Páginas a las que tendrá acceso</legend>
{{range .Pages}}<label><input type="checkbox" name="page" value="{{.ID}}" checked> {{.Name}}{{if .Instagram}} — Instagram {{.Handle}}{{end}}</label>
{{end}}</fieldset>{{end}}
<button type="submit" name="action" value="autorizar" id="autorizar">Autorizar</button>
<button type="submit" name="action" value="cancelar" id="cancelar">Cancelar</button>
</form></main></body></html>
`))

type consentPageView struct {
	ID, Name, Handle string
	Instagram        bool
}

func (f *Fake) writeConsent(w http.ResponseWriter, r *http.Request, c consent, network string) {
	data := struct {
		Network, App, User, Action string
		C                          map[string]any
		Pages                      []consentPageView
	}{Network: network, App: c.client, Action: r.URL.Path, C: map[string]any{
		"client": c.client, "redirect": c.redirect, "state": c.state, "scope": c.scope,
		"responseType": c.responseType, "asked": c.asked,
	}}
	if c.login == loginInstagram {
		data.User = "@" + igUsername(f.auth.igUser)
	} else {
		data.User = DefaultUserName
		for _, p := range f.auth.pages {
			data.Pages = append(data.Pages, consentPageView{ID: p.ID, Name: p.Name, Instagram: p.Instagram,
				Handle: "@" + igUsername(LinkedInstagram(p.ID))})
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := consentPage.Execute(w, data); err != nil {
		f.log.Error("consent page", pregonero.LogErr, err)
	}
}

var consentErrorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>{{.Network}} (sandbox): error</title></head>
<body><main><h1>No se puede continuar</h1><p id="error">{{.Message}}</p></main></body></html>
`))

// writeConsentError answers a refused consent request: a page, no
// redirect.
func writeConsentError(w http.ResponseWriter, network, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = consentErrorPage.Execute(w, map[string]string{"Network": network, "Message": message})
}

// takeCode checks a code at a token endpoint and spends it; the refusal
// texts are Facebook's (the Instagram endpoint words its own).
func (f *Fake) takeCode(login, code, redirect string) (*grant, string, int) {
	now := f.now()
	ttl := facebookCodeTTL
	if login == loginInstagram {
		ttl = instagramCodeTTL
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ac := f.auth.codes[code]
	switch {
	case ac == nil || ac.grant.login != login:
		return nil, "unknown", 0
	case now.Sub(ac.issued) >= ttl:
		return nil, "expired", 36007
	case ac.used:
		return nil, "used", 36009
	case ac.redirect != redirect:
		return nil, "redirect", 36008
	}
	ac.used = true
	return ac.grant, "", 0
}

// issue registers a token.
func (f *Fake) issue(t *issued, prefix string) string {
	tok := prefix + randomHex(16)
	f.mu.Lock()
	f.auth.tokens[tok] = t
	f.mu.Unlock()
	return tok
}

func oauthErr(code, subcode int, msg string) *gerr {
	return &gerr{Status: http.StatusBadRequest, Code: code, Subcode: subcode, Type: typeOAuth, Message: msg}
}

// facebookToken serves GET (or POST) /{version}/oauth/access_token: the
// code exchange, and grant_type=fb_exchange_token for a long-lived user
// token.
func (f *Fake) facebookToken(w http.ResponseWriter, r *http.Request, version string) {
	if version != "" && !servedVersion(version) {
		f.finish(w, nil, known(2635, 0))
		return
	}
	q, err := formParams(r)
	if err != nil {
		f.finish(w, nil, invalidParam("The request could not be read"))
		return
	}
	switch {
	case q.Get("client_id") != f.appID:
		f.finish(w, nil, oauthErr(101, 0, "Error validating application. Invalid application ID."))
		return
	case q.Get("client_secret") != f.appSecret:
		f.finish(w, nil, oauthErr(1, 0, "Error validating client secret."))
		return
	}
	now := f.now()
	if q.Get("grant_type") == "fb_exchange_token" {
		who, e := f.principalOf(q.Get("fb_exchange_token"))
		if e == nil && who.user == "" {
			e = known(190, 0)
		}
		if e != nil {
			f.finish(w, nil, e)
			return
		}
		tok := f.issue(&issued{kind: tokenUser, subject: who.user, grant: who.grant, created: now, expires: now.Add(longTokenTTL), long: true}, "sandbox-user-")
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int64(longTokenTTL / time.Second)})
		return
	}
	switch {
	case q.Get("redirect_uri") == "":
		f.finish(w, nil, oauthErr(100, 0, "Missing redirect_uri parameter."))
		return
	case q.Get("code") == "":
		f.finish(w, nil, oauthErr(100, 0, "Missing authorization code"))
		return
	}
	g, why, sub := f.takeCode(loginFacebook, q.Get("code"), q.Get("redirect_uri"))
	switch why {
	case "unknown":
		f.finish(w, nil, oauthErr(100, 0, "Invalid verification code format."))
		return
	case "expired":
		f.finish(w, nil, oauthErr(100, sub, "This authorization code has expired."))
		return
	case "used":
		f.finish(w, nil, oauthErr(100, sub, "This authorization code has been used."))
		return
	case "redirect":
		f.finish(w, nil, oauthErr(100, sub, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"))
		return
	}
	tok := f.issue(&issued{kind: tokenUser, subject: g.subject, grant: g, created: now, expires: now.Add(shortTokenTTL)}, "sandbox-user-")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int64(shortTokenTTL / time.Second)})
}

// writeIGOAuthError answers the Instagram OAuth host's error shape.
func writeIGOAuthError(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error_type": "OAuthException", "code": 400, "error_message": msg})
}

// instagramToken serves POST /oauth/access_token, Instagram Login's code
// exchange (api.instagram.com), answering the short-lived token, the
// account's id and the permissions granted.
func (f *Fake) instagramToken(w http.ResponseWriter, r *http.Request) {
	q, err := formParams(r)
	if err != nil {
		writeIGOAuthError(w, "The request could not be read")
		return
	}
	for _, k := range []string{"client_id", "client_secret", "grant_type", "redirect_uri", "code"} {
		if q.Get(k) == "" {
			writeIGOAuthError(w, "Missing required field "+k)
			return
		}
	}
	switch {
	case q.Get("client_id") != f.appID:
		writeIGOAuthError(w, "Invalid platform app")
		return
	case q.Get("client_secret") != f.appSecret:
		writeIGOAuthError(w, "Error validating client secret")
		return
	case q.Get("grant_type") != "authorization_code":
		writeIGOAuthError(w, "Invalid grant_type")
		return
	}
	g, why, _ := f.takeCode(loginInstagram, q.Get("code"), q.Get("redirect_uri"))
	switch why {
	case "unknown":
		writeIGOAuthError(w, "Matching code was not found or was already used")
		return
	case "expired":
		writeIGOAuthError(w, "This authorization code has expired")
		return
	case "used":
		writeIGOAuthError(w, "This authorization code has been used")
		return
	case "redirect":
		writeIGOAuthError(w, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request")
		return
	}
	now := f.now()
	tok := f.issue(&issued{kind: tokenIG, subject: g.subject, grant: g, created: now, expires: now.Add(shortTokenTTL)}, igTokenPrefix+g.subject+"-")
	writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]any{{
		"access_token": tok, "user_id": g.subject, "permissions": strings.Join(g.scopes, ","),
	}}})
}

// instagramLongLived serves GET /access_token?grant_type=ig_exchange_token
// (graph.instagram.com): a short-lived Instagram Login token for a
// long-lived one.
func (f *Fake) instagramLongLived(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("grant_type") != "ig_exchange_token":
		f.finish(w, nil, invalidParam("Unsupported grant_type"))
		return
	case q.Get("client_secret") != f.appSecret:
		f.finish(w, nil, oauthErr(1, 0, "Error validating client secret."))
		return
	}
	t, e := f.igLoginToken(q.Get("access_token"))
	if e == nil && t.long {
		e = invalidParam("The access token is already long-lived")
	}
	if e != nil {
		f.finish(w, nil, e)
		return
	}
	f.writeLongIG(w, t)
}

// instagramRefresh serves GET /refresh_access_token?grant_type=ig_refresh_token:
// a long-lived token at least 24 hours old for a new one.
func (f *Fake) instagramRefresh(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("grant_type") != "ig_refresh_token" {
		f.finish(w, nil, invalidParam("Unsupported grant_type"))
		return
	}
	t, e := f.igLoginToken(q.Get("access_token"))
	switch {
	case e != nil:
	case !t.long:
		e = invalidParam("Only long-lived access tokens can be refreshed")
	case f.now().Sub(t.created) < refreshAfter:
		e = invalidParam("The access token can be refreshed only once it is 24 hours old")
	}
	if e != nil {
		f.finish(w, nil, e)
		return
	}
	f.writeLongIG(w, t)
}

// igLoginToken returns a live Instagram Login token the flow issued.
func (f *Fake) igLoginToken(tok string) (*issued, *gerr) {
	now := f.now()
	f.mu.Lock()
	t := f.auth.tokens[tok]
	f.mu.Unlock()
	switch {
	case t == nil || t.kind != tokenIG:
		return nil, known(190, 0)
	case !now.Before(t.expires):
		return nil, known(190, 463)
	}
	return t, nil
}

func (f *Fake) writeLongIG(w http.ResponseWriter, t *issued) {
	now := f.now()
	tok := f.issue(&issued{kind: tokenIG, subject: t.subject, grant: t.grant, created: now, expires: now.Add(longTokenTTL), long: true}, igTokenPrefix+t.subject+"-")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int64(longTokenTTL / time.Second)})
}

// Node type of the user in field errors.
const nodeUser = "User"

// routeUser routes the calls a user token may make: GET /me,
// /me/permissions and /me/accounts.
func (f *Fake) routeUser(c *call) *gerr {
	c.network, c.op, c.owner = NetworkFacebook, OpLookup, ""
	if c.method == http.MethodGet {
		switch c.edge {
		case "":
			c.target = &target{f.getUser}
			return nil
		case "permissions":
			c.target = &target{f.listPermissions}
			return nil
		case "accounts":
			c.target = &target{f.listAccounts}
			return nil
		}
	}
	if c.edge == "" {
		return unsupported(strings.ToLower(c.method), c.node)
	}
	return unknownPath("/" + c.node + "/" + c.edge)
}

func (f *Fake) getUser(w http.ResponseWriter, c *call) *gerr {
	fs := parseFields(c.param("fields"), "id", "name")
	out := map[string]any{}
	for name := range fs {
		switch name {
		case "id":
			out["id"] = c.who.user
		case "name":
			out["name"] = DefaultUserName
		default:
			return invalidParam("Tried accessing nonexisting field (%s) on node type (%s)", name, nodeUser)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (f *Fake) listPermissions(w http.ResponseWriter, c *call) *gerr {
	data := []map[string]string{{"permission": "public_profile", "status": "granted"}}
	g := c.who.grant
	for _, s := range g.scopes {
		if s != "public_profile" {
			data = append(data, map[string]string{"permission": s, "status": "granted"})
		}
	}
	for _, s := range g.declined {
		data = append(data, map[string]string{"permission": s, "status": "declined"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
	return nil
}

// listAccounts answers the Pages the user chose on the consent screen,
// each with a Page token: the plain PageToken when the user token is
// long-lived and its grant and the user's tasks allow publishing (such
// Page tokens do not expire), otherwise one bound to the grant, the tasks
// and, for a short-lived user token, its expiry. Without pages_show_list
// the list is empty.
func (f *Fake) listAccounts(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodePage, "access_token", "category", "category_list", "name", "id", "tasks")
	if e != nil {
		return e
	}
	var igFields fieldSet
	if sub, ok := fs["instagram_business_account"]; ok {
		igFields = parseFields(strings.TrimSuffix(strings.TrimPrefix(sub, "{"), "}"), "id")
		for name := range igFields {
			if !slices.Contains(nodeFields[nodeIGUser], name) {
				return invalidParam("Tried accessing nonexisting field (%s) on node type (%s)", name, nodeIGUser)
			}
		}
	}
	g := c.who.grant
	userTok := f.lookupIssued(c.token)
	var items []item
	if g.has("pages_show_list") {
		for _, p := range f.auth.pages {
			if !slices.Contains(g.pages, p.ID) {
				continue
			}
			items = append(items, item{id: p.ID, body: f.accountBody(c, p, fs, igFields, userTok)})
		}
	}
	return f.writeList(w, c, items)
}

func (f *Fake) lookupIssued(tok string) *issued {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.auth.tokens[tok]
}

func (f *Fake) accountBody(c *call, p Page, fs, igFields fieldSet, user *issued) map[string]any {
	tasks := p.Tasks
	if tasks == nil {
		tasks = AllTasks
	}
	out := map[string]any{}
	for name := range fs {
		switch name {
		case "id":
			out["id"] = p.ID
		case "name":
			out["name"] = p.Name
		case "tasks":
			out["tasks"] = tasks
		case "category":
			out["category"] = "Government organization"
		case "category_list":
			out["category_list"] = []map[string]string{{"id": "2235", "name": "Government organization"}}
		case "link":
			out["link"] = "https://www.facebook.com/" + p.ID
		case "picture":
			out["picture"] = map[string]any{"data": map[string]any{"height": 50, "width": 50, "is_silhouette": false, "url": f.pictureURL(c, p.ID)}}
		case "access_token":
			out["access_token"] = f.pageToken(p, tasks, user)
		case "instagram_business_account":
			if p.Instagram {
				out[name] = f.igAccountBody(c, LinkedInstagram(p.ID), igFields)
			}
		}
	}
	return out
}

func (f *Fake) igAccountBody(c *call, ig string, fs fieldSet) map[string]any {
	out := map[string]any{"id": ig}
	for name := range fs {
		switch name {
		case "username":
			out[name] = igUsername(ig)
		case "name":
			out[name] = "Sandbox " + ig
		case "profile_picture_url":
			out[name] = f.pictureURL(c, ig)
		case "user_id":
			out[name] = ig
		}
	}
	return out
}

// pageToken is the Page token /me/accounts gives a user token.
func (f *Fake) pageToken(p Page, tasks []string, user *issued) string {
	g := user.grant
	canCreate := slices.Contains(tasks, "CREATE_CONTENT") || slices.Contains(tasks, "MANAGE")
	publishes := g.has("pages_manage_posts") && (!p.Instagram || g.has("instagram_content_publish"))
	if user.long && publishes && canCreate {
		return PageToken(p.ID)
	}
	t := &issued{kind: tokenPage, subject: p.ID, grant: g, tasks: slices.Clone(tasks), created: user.created, long: user.long}
	if !user.long {
		t.expires = user.expires
	}
	return f.issue(t, pageTokenPrefix+p.ID+"-")
}

// pictureURL is the address of an object's picture, served by the fake
// itself without a token (as Graph serves /{id}/picture).
func (f *Fake) pictureURL(c *call, id string) string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	version := c.version
	if version == "" {
		version = "v25.0"
	}
	return (&url.URL{Scheme: scheme, Host: c.r.Host, Path: f.prefix + "/" + version + "/" + id + "/picture"}).String()
}

// writePicture answers a small picture drawn from the id.
func writePicture(w http.ResponseWriter, id string) {
	hue := 0
	for _, r := range id {
		hue = (hue*31 + int(r)) % 360
	}
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50" viewBox="0 0 50 50">`+
		`<rect width="50" height="50" fill="hsl(%d,55%%,45%%)"/>`+
		`<text x="25" y="32" font-family="sans-serif" font-size="20" fill="#fff" text-anchor="middle">S</text></svg>`, hue)
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write([]byte(svg))
}

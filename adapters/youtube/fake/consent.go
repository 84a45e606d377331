package fake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"pregonero"
)

// Defaults of the consent screen.
const (
	// DefaultAppName is the application the consent screen names when
	// Options.AppName does not.
	DefaultAppName = "Pregonero"
	// DefaultConsentChannel is the channel the consent screen proposes
	// when Options.ConsentChannel does not name one.
	DefaultConsentChannel = "sandbox"
	// CodeLifetime is how long an authorization code may be exchanged.
	CodeLifetime = 10 * time.Minute
)

// AuthorizePath is the consent screen's path under the fake's prefix, as
// under https://accounts.google.com.
const AuthorizePath = "/o/oauth2/v2/auth"

const (
	// codePrefix starts the authorization codes, as Google's "4/0A…".
	codePrefix = "4/0Sbx"
	// consentRefreshPrefix starts the refresh tokens the consent grant
	// issues, as Google's "1//…".
	consentRefreshPrefix = "1//sandbox."
)

// scopeTexts are the scopes the consent screen knows, with what it tells
// the person each allows (the discovery documents' descriptions of the
// YouTube Data API v3 and the YouTube Analytics API v2, in Spanish). Any
// other scope is refused with invalid_scope.
var scopeTexts = map[string]string{
	ScopeYouTube:             "Administrar tu cuenta de YouTube",
	ScopeForceSSL:            "Ver, editar y borrar de forma permanente tus videos, calificaciones, comentarios y subtítulos de YouTube",
	ScopeReadonly:            "Ver tu cuenta de YouTube",
	ScopeUpload:              "Administrar tus videos de YouTube",
	ScopePartner:             "Ver y administrar tus recursos y el contenido asociado en YouTube",
	ScopePartnerChannelAudit: "Ver información privada de tu canal de YouTube relevante durante la auditoría con un socio de YouTube",
	ScopeMembershipsCreator:  "Ver la lista de los miembros activos de tu canal, su nivel y desde cuándo son miembros",
	ScopeAnalytics:           "Ver los informes de YouTube Analytics de tu contenido de YouTube",
	ScopeAnalyticsMonetary:   "Ver los informes monetarios y no monetarios de YouTube Analytics de tu contenido de YouTube",
}

// authRequest is an authorization request, as the consent screen's query
// carries it.
type authRequest struct {
	client, redirect, state string
	scopes                  []string
	challenge, method       string
	offline                 bool // access_type=offline
	consent                 bool // prompt names consent
	none                    bool // prompt=none
	include                 bool // include_granted_scopes=true
}

// authCode is an authorization code the consent screen gave.
type authCode struct {
	client, redirect  string
	challenge, method string
	channel           string
	gen               int
	scopes            []string
	offline, consent  bool
	expires           time.Time
	used              bool
}

// consentError is a refusal of an authorization request that Google
// shows on its own error page instead of redirecting: the redirect_uri
// cannot be trusted, or the request is malformed.
type consentError struct {
	status  int
	code    string
	message string
}

// readAuthRequest checks an authorization request in the order Google
// does: the client, then the redirect_uri (nothing is redirected before
// it is known to be registered), then the rest.
func (f *Fake) readAuthRequest(q url.Values) (*authRequest, *consentError) {
	bad := func(format string, args ...any) *consentError {
		return &consentError{http.StatusBadRequest, "invalid_request", fmt.Sprintf(format, args...)}
	}
	req := &authRequest{client: q.Get("client_id"), redirect: q.Get("redirect_uri"), state: q.Get("state"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method")}
	switch {
	case req.client == "":
		return nil, bad("Missing required parameter: client_id")
	case req.client != ClientID:
		return nil, &consentError{http.StatusUnauthorized, "invalid_client", "The OAuth client was not found."}
	case req.redirect == "":
		return nil, bad("Missing required parameter: redirect_uri")
	case !f.redirects[req.redirect]:
		return nil, &consentError{http.StatusBadRequest, "redirect_uri_mismatch",
			"The redirect URI in the request, " + req.redirect + ", does not match the ones authorized for the OAuth client."}
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return nil, bad("Missing required parameter: response_type")
	default:
		return nil, bad("Invalid response_type: %s", rt)
	}
	req.scopes = parseScopes(q.Get("scope"))
	if len(req.scopes) == 0 {
		return nil, bad("Missing required parameter: scope")
	}
	var valid, invalid []string
	for _, s := range req.scopes {
		if _, ok := scopeTexts[s]; ok {
			valid = append(valid, s)
		} else {
			invalid = append(invalid, s)
		}
	}
	if len(invalid) > 0 {
		return nil, &consentError{http.StatusBadRequest, "invalid_scope",
			"Some requested scopes were invalid. {valid=[" + strings.Join(valid, ", ") + "], invalid=[" + strings.Join(invalid, ", ") + "]}"}
	}
	req.scopes = slices.Compact(slices.Sorted(slices.Values(req.scopes)))
	switch at := q.Get("access_type"); at {
	case "", "online":
	case "offline":
		req.offline = true
	default:
		return nil, bad("Invalid access_type: %s", at)
	}
	for _, p := range strings.Fields(q.Get("prompt")) {
		switch p {
		case "consent":
			req.consent = true
		case "none":
			req.none = true
		case "select_account":
		default:
			return nil, bad("Invalid prompt: %s", p)
		}
	}
	if req.none && (req.consent || len(strings.Fields(q.Get("prompt"))) > 1) {
		return nil, bad("Invalid prompt: none must be alone")
	}
	switch v := q.Get("include_granted_scopes"); v {
	case "", "false":
	case "true":
		req.include = true
	default:
		return nil, bad("Invalid include_granted_scopes: %s", v)
	}
	// PKCE (RFC 7636 §4.3): the method defaults to plain; Google takes
	// plain and S256.
	switch {
	case req.challenge == "" && req.method != "":
		return nil, bad("Missing required parameter: code_challenge")
	case req.challenge == "":
	case req.method == "":
		req.method = "plain"
	case req.method != "plain" && req.method != "S256":
		return nil, bad("Invalid code_challenge_method: %s", req.method)
	}
	if req.challenge != "" && !validVerifier(req.challenge) {
		return nil, bad("Invalid code_challenge")
	}
	return req, nil
}

// validVerifier reports whether s has the length and characters RFC 7636
// §4.1 allows a code verifier, and hence a challenge.
func validVerifier(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	return true
}

// consent serves the consent screen: GET shows it, POST (its form, sent
// to the same address) takes the person's answer.
func (f *Fake) consent(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		f.writeConsentError(w, &consentError{http.StatusMethodNotAllowed, "invalid_request", "Method " + r.Method + " is not allowed."})
		return
	}
	req, ce := f.readAuthRequest(r.URL.Query())
	if ce != nil {
		f.log.Info("authorization refused", pregonero.LogReason, ce.code)
		f.writeConsentError(w, ce)
		return
	}
	if req.none {
		// The fake always asks: a request that forbids asking cannot be
		// answered (OpenID Connect Core §3.1.2.6).
		f.redirect(w, r, req, url.Values{"error": {"consent_required"}})
		return
	}
	if r.Method == http.MethodGet {
		f.writeConsentPage(w, r, req, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		f.writeConsentError(w, &consentError{http.StatusBadRequest, "invalid_request", "The form could not be read."})
		return
	}
	switch r.PostForm.Get("accion") {
	case "cancelar":
		f.redirect(w, r, req, url.Values{"error": {"access_denied"}})
		return
	case "autorizar":
	default:
		f.writeConsentPage(w, r, req, "Elige Autorizar o Cancelar.")
		return
	}
	channel := strings.TrimSpace(r.PostForm.Get("canal"))
	if channel == "" {
		channel = f.proposed
	}
	if !validChannel(channel) {
		f.writeConsentPage(w, r, req, "El nombre del canal lleva solo letras, dígitos y guiones bajos (hasta 64).")
		return
	}
	// Granular consent: the boxes the person left checked. A form
	// without the boxes (a script posting accion=autorizar alone) grants
	// everything asked.
	chosen := req.scopes
	if r.PostForm.Has("permisos") {
		chosen = nil
		for _, s := range r.PostForm["scope"] {
			if slices.Contains(req.scopes, s) && !slices.Contains(chosen, s) {
				chosen = append(chosen, s)
			}
		}
	}
	if len(chosen) == 0 {
		// Nothing granted is no grant at all.
		f.redirect(w, r, req, url.Values{"error": {"access_denied"}})
		return
	}
	code, err := randomToken(codePrefix)
	if err != nil {
		f.writeConsentError(w, &consentError{http.StatusInternalServerError, "server_error", "Could not make an authorization code."})
		return
	}
	now := f.now()
	var granted []string
	f.locked(func() {
		for k, c := range f.codes {
			if !now.Before(c.expires) {
				delete(f.codes, k)
			}
		}
		// The client's grant for the channel grows with each consent;
		// include_granted_scopes=true asks for tokens covering all of it.
		all := union(f.consented[channel], chosen)
		f.consented[channel] = all
		granted = union(nil, chosen)
		if req.include {
			granted = all
		}
		f.codes[code] = &authCode{client: req.client, redirect: req.redirect, challenge: req.challenge, method: req.method,
			channel: channel, gen: f.revoked[channel], scopes: granted, offline: req.offline, consent: req.consent,
			expires: now.Add(CodeLifetime)}
	})
	f.log.Info("consent given", pregonero.LogChannel, channel)
	f.redirect(w, r, req, url.Values{"code": {code}, "scope": {strings.Join(granted, " ")}})
}

// union returns the scopes of a and b, sorted, each once.
func union(a, b []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(a), b...))))
}

// randomToken returns prefix followed by 32 random bytes in base64url.
func randomToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// redirect sends the person back to the request's redirect_uri with
// params and the request's state.
func (f *Fake) redirect(w http.ResponseWriter, r *http.Request, req *authRequest, params url.Values) {
	u, err := url.Parse(req.redirect)
	if err != nil {
		f.writeConsentError(w, &consentError{http.StatusBadRequest, "invalid_request", "Invalid redirect_uri."})
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if req.state != "" {
		q.Set("state", req.state)
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// codeGrant answers grant_type=authorization_code for client, already
// authenticated. A code is spent by the first request that presents it,
// whatever the answer.
func (f *Fake) codeGrant(w http.ResponseWriter, r *http.Request, client string) {
	code, redirect, verifier := r.PostForm.Get("code"), r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier")
	switch {
	case code == "":
		writeTokenError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: code")
		return
	case redirect == "":
		writeTokenError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: redirect_uri")
		return
	}
	now := f.now()
	var (
		c            authCode
		reason       string
		issueRefresh bool
	)
	f.locked(func() {
		found, ok := f.codes[code]
		switch {
		case !ok || found.used || !now.Before(found.expires) || found.client != client:
			reason = "invalid_grant"
			return
		case f.revoked[found.channel] > found.gen:
			found.used, reason = true, "invalid_grant"
			return
		}
		found.used, c = true, *found
		switch {
		case redirect != c.redirect:
			reason = "redirect_uri_mismatch"
		case c.challenge != "" && verifier == "":
			reason = "missing_verifier"
		case c.challenge == "" && verifier != "":
			reason = "unneeded_verifier"
		case c.challenge != "" && !verifies(c.method, c.challenge, verifier):
			reason = "wrong_verifier"
		}
		if reason != "" {
			return
		}
		// Google hands a refresh token for offline access the first time
		// the person grants it to the client, and again only when the
		// consent screen was shown because prompt=consent asked for it.
		if c.offline && (c.consent || !f.offlineFor[c.channel]) {
			f.offlineFor[c.channel] = true
			issueRefresh = true
		}
	})
	switch reason {
	case "":
	case "redirect_uri_mismatch":
		writeTokenError(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
		return
	case "missing_verifier":
		writeTokenError(w, http.StatusBadRequest, "invalid_grant", "Missing code verifier.")
		return
	case "unneeded_verifier":
		writeTokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier or verifier is not needed.")
		return
	case "wrong_verifier":
		writeTokenError(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
		return
	default:
		f.log.Info("code refused", pregonero.LogReason, reason)
		writeTokenError(w, http.StatusBadRequest, "invalid_grant", "Bad Request")
		return
	}
	refresh := ""
	if issueRefresh {
		var err error
		if refresh, err = consentRefreshToken(c.channel, c.gen, c.scopes); err != nil {
			writeTokenError(w, http.StatusInternalServerError, "internal_failure", "Backend Error")
			return
		}
	}
	f.writeTokens(w, c.channel, c.gen, c.scopes, refresh)
}

// verifies reports whether verifier answers the PKCE challenge made with
// method (RFC 7636 §4.6).
func verifies(method, challenge, verifier string) bool {
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// consentGrant is what a refresh token of the consent grant holds.
type consentGrant struct {
	channel string
	gen     int
	scopes  []string
}

// consentRefreshToken returns a new signed refresh token of channel's
// grant of generation gen, holding scopes. Like the channel's own tokens,
// it survives a restart of the fake.
func consentRefreshToken(channel string, gen int, scopes []string) (string, error) {
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	payload := channel + "." + strconv.Itoa(gen) + "." + hex.EncodeToString(nonce) + " " + strings.Join(scopes, " ")
	return consentRefreshPrefix + base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + sign("refresh "+payload), nil
}

// redeemConsented reads a refresh token of the consent grant; false when
// rt is not one, or its grant was revoked.
func (f *Fake) redeemConsented(rt string) (consentGrant, bool) {
	rest, found := strings.CutPrefix(rt, consentRefreshPrefix)
	if !found {
		return consentGrant{}, false
	}
	enc, mac, found := strings.Cut(rest, ".")
	if !found {
		return consentGrant{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || !hmac.Equal([]byte(sign("refresh "+string(raw))), []byte(mac)) {
		return consentGrant{}, false
	}
	head, list, _ := strings.Cut(string(raw), " ")
	parts := strings.Split(head, ".")
	if len(parts) != 3 || !validChannel(parts[0]) {
		return consentGrant{}, false
	}
	gen, err := strconv.Atoi(parts[1])
	if err != nil || gen < 0 {
		return consentGrant{}, false
	}
	g := consentGrant{channel: parts[0], gen: gen, scopes: parseScopes(list)}
	f.mu.Lock()
	revoked := f.revoked[g.channel] > g.gen
	f.mu.Unlock()
	return g, !revoked
}

// consentPage is what the consent screen shows.
type consentPage struct {
	App, Client, Action, Channel, Problem string
	Scopes                                []consentScope
}

type consentScope struct {
	ID, Scope, Text string
}

func (f *Fake) writeConsentPage(w http.ResponseWriter, r *http.Request, req *authRequest, problem string) {
	p := consentPage{App: f.appName, Client: req.client, Action: r.URL.RequestURI(), Channel: f.proposed, Problem: problem}
	for i, s := range req.scopes {
		p.Scopes = append(p.Scopes, consentScope{ID: "permiso-" + strconv.Itoa(i+1), Scope: s, Text: scopeTexts[s]})
	}
	status := http.StatusOK
	if problem != "" {
		status = http.StatusBadRequest
	}
	writeHTML(w, status, consentTmpl, p)
}

func (f *Fake) writeConsentError(w http.ResponseWriter, e *consentError) {
	writeHTML(w, e.status, consentErrorTmpl, struct {
		Status        int
		Code, Message string
	}{e.status, e.code, e.message})
}

func writeHTML(w http.ResponseWriter, status int, t *template.Template, data any) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action *")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String())) // a client gone away needs no answer
}

const pageStyle = `<style>
body{font-family:system-ui,sans-serif;background:#f1f3f4;color:#202124;margin:0}
main{max-width:34rem;margin:3rem auto;background:#fff;border:1px solid #dadce0;border-radius:8px;padding:2rem}
h1{font-size:1.4rem;font-weight:400}
.aviso{font-size:.85rem;color:#5f6368}
fieldset{border:1px solid #dadce0;border-radius:4px;margin:1rem 0}
label{display:block;margin:.5rem 0}
code{font-size:.75rem;color:#5f6368;word-break:break-all}
.problema{color:#d93025}
.botones{display:flex;justify-content:flex-end;gap:.5rem;margin-top:1.5rem}
button{font:inherit;padding:.5rem 1.5rem;border-radius:4px;border:1px solid #dadce0;background:#fff;color:#1a73e8;cursor:pointer}
button#autorizar{background:#1a73e8;color:#fff;border-color:#1a73e8}
</style>`

var consentTmpl = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Iniciar sesión con Google (sandbox)</title>` + pageStyle + `</head>
<body><main>
<p class="aviso">Cuentas de Google · sandbox: ninguna cuenta real interviene.</p>
<h1>{{.App}} quiere acceder a tu cuenta de Google</h1>
<p class="aviso">Cliente OAuth: <code>{{.Client}}</code></p>
{{if .Problem}}<p class="problema" role="alert">{{.Problem}}</p>{{end}}
<form method="post" action="{{.Action}}">
<label for="canal">Canal de YouTube</label>
<input id="canal" name="canal" value="{{.Channel}}" pattern="[A-Za-z0-9_]{1,64}" maxlength="64" required>
<fieldset><legend>Elige a qué puede acceder {{.App}}</legend>
<input type="hidden" name="permisos" value="1">
{{range .Scopes}}<label><input type="checkbox" id="{{.ID}}" name="scope" value="{{.Scope}}" checked> {{.Text}}<br><code>{{.Scope}}</code></label>
{{end}}</fieldset>
<p class="aviso">Si autorizas, {{.App}} podrá usar tu canal también cuando no estés conectado.</p>
<div class="botones">
<button type="submit" id="cancelar" name="accion" value="cancelar" formnovalidate>Cancelar</button>
<button type="submit" id="autorizar" name="accion" value="autorizar">Autorizar</button>
</div>
</form>
</main></body></html>
`))

var consentErrorTmpl = template.Must(template.New("consent-error").Parse(`<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Error de autorización (sandbox)</title>` + pageStyle + `</head>
<body><main>
<p class="aviso">Cuentas de Google · sandbox</p>
<h1>Error de autorización</h1>
<p id="error">Error {{.Status}}: {{.Code}}</p>
<p>{{.Message}}</p>
<p class="aviso">No se vuelve a la aplicación: la solicitud no es válida para este cliente OAuth.</p>
</main></body></html>
`))

package fake

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"pregonero"
)

// AuthCodeLifetime is how long a code from the consent screen may be
// exchanged: X's codes expire 30 seconds after they are issued (docs.x.com
// fundamentals/authentication/oauth-2-0/authorization-code, Glossary).
const AuthCodeLifetime = 30 * time.Second

// DefaultConsentUser is the sandbox user the consent screen proposes when
// Options.ConsentUser names none.
const DefaultConsentUser = "gobantioquia"

// maxState is the longest state X takes ("up to 500 characters").
const maxState = 500

// knownScopes are X's OAuth 2.0 scopes: those of
// components.securitySchemes.OAuth2UserToken in X's OpenAPI spec 2.167
// (xdevplatform/xdk specs/openapi.json), then users.email, which the
// authorization-code docs list too. A token family granted other than
// defaultScope records its scopes as a bit mask over this list, so the
// order is fixed: append only.
var knownScopes = []string{"block.read", "bookmark.read", "bookmark.write", "broadcast.read", "broadcast.write",
	"dm.read", "dm.write", "follows.read", "follows.write", "like.read", "like.write", "list.read", "list.write",
	"media.write", "mute.read", "mute.write", "offline.access", "space.read", "timeline.read",
	"tweet.moderate.write", "tweet.read", "tweet.write", "users.read", "users.email"}

// scopeWords are the consent screen's words for the scopes it asks for.
var scopeWords = map[string]string{
	"tweet.read":     "Ver los posts que puedes ver, incluidos los de cuentas protegidas.",
	"tweet.write":    "Publicar y republicar por ti.",
	"users.read":     "Ver las cuentas que puedes ver, incluidas las protegidas.",
	"media.write":    "Subir fotos y videos por ti.",
	"offline.access": "Mantener la conexión hasta que revoques el acceso.",
}

// authCode is a code the consent screen issued: good once, for
// AuthCodeLifetime, for the client, callback and PKCE challenge it was
// asked with.
type authCode struct {
	client, redirect  string
	challenge, method string
	user              string
	scopes            []string
	expires           time.Time
	used              bool
}

// codeStore holds the codes issued by the consent screen, in memory: a
// restarted sandbox forgets them, as they would have expired anyway.
type codeStore struct {
	mu    sync.Mutex
	codes map[string]*authCode
}

func (s *codeStore) add(c *authCode, now time.Time) string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	code := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = make(map[string]*authCode)
	}
	for k, old := range s.codes {
		if now.After(old.expires) {
			delete(s.codes, k)
		}
	}
	s.codes[code] = c
	return code
}

// take spends a code presented by client: it is consumed by its first
// exchange, whether or not the rest of the request is right. ok is false
// for a code unknown, used, expired or issued to another client.
func (s *codeStore) take(code, client string, now time.Time) (authCode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.codes[code]
	if c == nil || c.used || now.After(c.expires) || c.client != client {
		return authCode{}, false
	}
	c.used = true
	return *c, true
}

// AllowRedirectURI adds a callback the sandbox clients may be sent back
// to, beside Options.RedirectURIs: for a server that learns its address
// once it listens.
func (f *Fake) AllowRedirectURI(uri string) {
	f.redirectMu.Lock()
	defer f.redirectMu.Unlock()
	if !slices.Contains(f.redirectURIs, uri) {
		f.redirectURIs = append(f.redirectURIs, uri)
	}
}

func (f *Fake) redirectAllowed(uri string) bool {
	f.redirectMu.Lock()
	defer f.redirectMu.Unlock()
	return uri != "" && slices.Contains(f.redirectURIs, uri)
}

// authorizeRequest is what a consent screen was opened with.
type authorizeRequest struct {
	client, redirect, state string
	challenge, method       string
	scopes                  []string
}

// parseAuthorize checks the consent screen's query as X does before it
// shows anything. A non-empty problem says, in Spanish, why no consent
// can be asked; X then shows its error page and sends nobody back.
func (f *Fake) parseAuthorize(q url.Values) (authorizeRequest, string) {
	req := authorizeRequest{
		client: q.Get("client_id"), redirect: q.Get("redirect_uri"), state: q.Get("state"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"),
		scopes: strings.Fields(q.Get("scope")),
	}
	switch {
	case req.client != ConsumerKey && req.client != PublicClientID:
		return req, "La aplicación (client_id " + strconv.Quote(req.client) + ") no existe."
	case !f.redirectAllowed(req.redirect):
		return req, "La dirección de regreso (redirect_uri " + strconv.Quote(req.redirect) + ") no está registrada para esta aplicación."
	case q.Get("response_type") != "code":
		return req, "response_type debe ser «code»."
	case len(req.scopes) == 0:
		return req, "La aplicación no pidió ningún permiso (scope)."
	case req.state == "":
		return req, "Falta el parámetro state."
	case len(req.state) > maxState:
		return req, "El parámetro state pasa de 500 caracteres."
	case req.challenge == "":
		return req, "Falta code_challenge: X exige PKCE."
	case req.method != "S256" && req.method != "plain":
		return req, "code_challenge_method debe ser S256 o plain."
	}
	for _, s := range req.scopes {
		if !slices.Contains(knownScopes, s) {
			return req, "El permiso (scope) " + strconv.Quote(s) + " no existe."
		}
	}
	return req, ""
}

// consentPage is the consent screen and its error page: no external
// resources, so that it works offline.
var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Problem}}Algo salió mal{{else}}Autorizar acceso{{end}} · X (sandbox)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#0f1419}
.sandbox{background:#fff3cd;padding:.5rem .75rem;border-radius:.5rem;font-size:.9rem}
.problem{color:#b00020}
fieldset{border:1px solid #cfd9de;border-radius:.5rem}
button{font-size:1rem;padding:.5rem 1.25rem;border-radius:2rem;border:1px solid #0f1419;margin-right:.5rem}
#autorizar{background:#0f1419;color:#fff}
#cancelar{background:#fff}
</style>
</head>
<body>
<p class="sandbox">Sandbox de X: esta página imita la de x.com; ninguna cuenta real interviene.</p>
{{if .Fatal}}
<h1>Algo salió mal</h1>
<p>No se pudo dar acceso a la aplicación.</p>
<p class="problem" role="alert">{{.Problem}}</p>
{{else}}
<h1>«{{.App}}» quiere acceder a tu cuenta de X</h1>
{{with .Problem}}<p class="problem" role="alert">{{.}}</p>{{end}}
<form method="post" action="{{.Action}}">
<p><label for="usuario">Cuenta de X</label>
<input id="usuario" name="usuario" value="{{.User}}" required pattern="[A-Za-z0-9_]{1,50}"></p>
<fieldset>
<legend>Permisos que pide</legend>
{{range .Scopes}}<p><label><input type="checkbox" name="scope" value="{{.Name}}" checked> {{.Words}} <code>{{.Name}}</code></label></p>
{{end}}</fieldset>
<p>Después volverás a {{.Redirect}}</p>
<button type="submit" id="autorizar" name="accion" value="autorizar">Autorizar</button>
<button type="submit" id="cancelar" name="accion" value="cancelar" formnovalidate>Cancelar</button>
</form>
{{end}}
</body>
</html>
`))

type consentScope struct{ Name, Words string }

type consentView struct {
	Fatal    bool
	Problem  string
	App      string
	Action   string
	User     string
	Redirect string
	Scopes   []consentScope
}

func (f *Fake) writeConsent(w http.ResponseWriter, status int, v consentView) {
	var b bytes.Buffer
	if err := consentPage.Execute(&b, v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes()) // a failed write means the browser left
}

func (f *Fake) consentView(r *http.Request, req authorizeRequest, user string) consentView {
	action := r.RequestURI
	if action == "" {
		action = f.prefix + r.URL.RequestURI()
	}
	v := consentView{App: req.client, Action: action, User: user, Redirect: req.redirect}
	for _, s := range req.scopes {
		words := scopeWords[s]
		if words == "" {
			words = s
		}
		v.Scopes = append(v.Scopes, consentScope{Name: s, Words: words})
	}
	return v
}

// handleAuthorize serves GET /i/oauth2/authorize, X's consent screen:
// the app, the scopes asked (each a checkbox, all checked, so that a test
// can grant fewer) and the sandbox user who consents, with the buttons
// Autorizar (#autorizar) and Cancelar (#cancelar).
func (f *Fake) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	req, problem := f.parseAuthorize(r.URL.Query())
	if problem != "" {
		f.log.Info("consent screen refused", pregonero.LogReason, problem)
		f.writeConsent(w, http.StatusBadRequest, consentView{Fatal: true, Problem: problem})
		return
	}
	f.writeConsent(w, http.StatusOK, f.consentView(r, req, f.consentUser))
}

// handleConsent serves the consent screen's form, POSTed back to the
// screen's own address: Cancelar sends the person back with
// error=access_denied, Autorizar with a code for the user and the scopes
// left checked.
func (f *Fake) handleConsent(w http.ResponseWriter, r *http.Request) {
	req, problem := f.parseAuthorize(r.URL.Query())
	if problem != "" {
		f.log.Info("consent screen refused", pregonero.LogReason, problem)
		f.writeConsent(w, http.StatusBadRequest, consentView{Fatal: true, Problem: problem})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		f.writeConsent(w, http.StatusBadRequest, consentView{Fatal: true, Problem: "El formulario no se pudo leer."})
		return
	}
	back := url.Values{"state": {req.state}}
	switch r.PostForm.Get("accion") {
	case "cancelar":
		back.Set("error", "access_denied")
		f.sendBack(w, req.redirect, back)
		return
	case "autorizar":
	default:
		f.writeConsent(w, http.StatusBadRequest, consentView{Fatal: true, Problem: "Elige Autorizar o Cancelar."})
		return
	}
	user := strings.TrimSpace(r.PostForm.Get("usuario"))
	v := f.consentView(r, req, user)
	if !userNameRe.MatchString(user) {
		v.Problem = "La cuenta de X tiene de 1 a 50 letras, números o guiones bajos."
		f.writeConsent(w, http.StatusBadRequest, v)
		return
	}
	var granted []string
	for _, s := range r.PostForm["scope"] {
		if !slices.Contains(req.scopes, s) {
			v.Problem = "El permiso " + strconv.Quote(s) + " no fue pedido por la aplicación."
			f.writeConsent(w, http.StatusBadRequest, v)
			return
		}
		if !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	if len(granted) == 0 {
		v.Problem = "Marca al menos un permiso, o cancela."
		f.writeConsent(w, http.StatusBadRequest, v)
		return
	}
	now := f.now()
	code := f.codes.add(&authCode{client: req.client, redirect: req.redirect, challenge: req.challenge, method: req.method,
		user: user, scopes: granted, expires: now.Add(AuthCodeLifetime)}, now)
	back.Set("code", code)
	f.sendBack(w, req.redirect, back)
}

// sendBack redirects the browser to the registered callback with params.
func (f *Fake) sendBack(w http.ResponseWriter, redirect string, params url.Values) {
	sep := "?"
	if strings.Contains(redirect, "?") {
		sep = "&"
	}
	w.Header().Set("Location", redirect+sep+params.Encode())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// redeemCode checks a code of the consent screen presented at the token
// endpoint by client, with X's refusals (400 invalid_request; the wording
// of a used or unknown code and of a PKCE mismatch is X's as reported by
// its API's users, the redirect mismatch's is the fake's). false means the
// refusal was written.
func (f *Fake) redeemCode(w http.ResponseWriter, form url.Values, client string, now time.Time) (authCode, bool) {
	refuse := func(desc string) (authCode, bool) {
		f.log.Info("authorization code refused", pregonero.LogReason, desc)
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", desc})
		return authCode{}, false
	}
	code := form.Get("code")
	if code == "" {
		return refuse("Missing required parameter [code].")
	}
	c, ok := f.codes.take(code, client, now)
	if !ok {
		return refuse("Value passed for the authorization code was invalid.")
	}
	if form.Get("redirect_uri") != c.redirect {
		return refuse("Value passed for the redirect uri did not match the uri of the authorization code.")
	}
	verifier := form.Get("code_verifier")
	if verifier == "" {
		return refuse("Missing required parameter [code_verifier].")
	}
	want := verifier
	if c.method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(c.challenge)) != 1 {
		return refuse("Value passed for the code verifier did not match the code challenge.")
	}
	return c, true
}

// scopeFamilySuffix marks a token family granted other scopes than
// defaultScope: "s" and the hex bit mask of its scopes over knownScopes.
// The family id is inside every token and under its signature, so the
// scopes survive a restart of the sandbox and cannot be widened.
func scopeFamilySuffix(scopes []string) string {
	if sameScopes(scopes, strings.Fields(defaultScope)) {
		return ""
	}
	var mask uint64
	for i, s := range knownScopes {
		if slices.Contains(scopes, s) {
			mask |= 1 << i
		}
	}
	return "s" + strconv.FormatUint(mask, 16)
}

// familyScopes returns the scopes a token family was granted.
func familyScopes(family string) []string {
	_, m, ok := strings.Cut(family, "s")
	if !ok {
		return strings.Fields(defaultScope)
	}
	mask, err := strconv.ParseUint(m, 16, 64)
	if err != nil {
		return nil
	}
	var out []string
	for i, s := range knownScopes {
		if mask&(1<<i) != 0 {
			out = append(out, s)
		}
	}
	return out
}

func sameScopes(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// avatarPath is where the fake serves a user's profile image, under its
// prefix; X's own are on pbs.twimg.com/profile_images/.
func avatarPath(user string) string {
	return "/profile_images/" + UserID(user) + "/" + user + "_normal.png"
}

// avatarURL is the absolute profile_image_url of a user, on the host the
// request came to, so that a browser showing it reaches the fake.
func (f *Fake) avatarURL(r *http.Request, user string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + f.prefix + avatarPath(user)
}

// handleAvatar serves GET /profile_images/{id}/{file}: a 48×48 PNG of one
// colour drawn from the user's name.
func (f *Fake) handleAvatar(w http.ResponseWriter, r *http.Request) {
	user, ok := strings.CutSuffix(r.PathValue("file"), "_normal.png")
	if !ok || !userNameRe.MatchString(user) || UserID(user) != r.PathValue("id") {
		writeJSON(w, http.StatusNotFound, struct {
			Errors []routeError `json:"errors"`
		}{[]routeError{{Message: "Sorry, that page does not exist", Code: 34}}})
		return
	}
	sum := sha256.Sum256([]byte("avatar:" + user))
	c := color.RGBA{R: 64 + sum[0]%160, G: 64 + sum[1]%160, B: 64 + sum[2]%160, A: 255}
	img := image.NewRGBA(image.Rect(0, 0, 48, 48))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b.Bytes())
}

package fake

import (
	"crypto/hmac"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Bounds on request bodies: form bodies carry at most a 63,206-character
// message; multipart bodies carry photos (10 MiB) and videos.
const (
	maxFormBody      = 4 << 20
	maxMultipartBody = 1 << 30
	multipartMemory  = 32 << 20
)

// Versions the fake serves; others are answered as deprecated.
const (
	minVersion = 19
	maxVersion = 27
)

var versionRE = regexp.MustCompile(`^v([0-9]+)\.([0-9]+)$`)

// call is one Graph request after parsing and authentication.
type call struct {
	r       *http.Request
	params  url.Values
	files   map[string][]*multipart.FileHeader
	method  string // GET, POST or DELETE after the method override
	version string // "v25.0", empty for an unversioned call
	node    string
	edge    string
	token   string
	header  bool // the token came in the Authorization header
	who     principal
	target  *target
	op      string
	network string
	owner   string // page or IG user the call counts against
}

// param returns a parameter from the query or the body.
func (c *call) param(name string) string { return c.params.Get(name) }

// ServeHTTP serves the Graph API under Options.Prefix, video uploads
// included: Meta's Video API sends them to graph.facebook.com.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.serve(w, r, f.prefix, false) }

// VideoHandler serves Facebook video uploads (POST /{page-id}/videos) under
// Options.VideoPrefix, as a host of their own such as the former
// graph-video.facebook.com or a proxy an account's video_endpoint names.
// It shares the fake's pages, videos, ledger, faults and call counts, and
// refuses every other call with a Graph error naming the Graph host (the
// fake's wording), so that only uploads are ever sent to such a host.
func (f *Fake) VideoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.serve(w, r, f.videoPrefix, true) })
}

// serve answers one request under prefix; videoHost restricts it to video
// uploads.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request, prefix string, videoHost bool) {
	path := r.URL.Path
	if prefix != "" {
		if path != prefix && !strings.HasPrefix(path, prefix+"/") {
			f.finish(w, nil, unknownPath(path))
			return
		}
		path = strings.TrimPrefix(path, prefix)
	}
	if !videoHost && f.oauth(w, r, path) {
		return
	}
	c, e := f.parse(r, path)
	if e == nil && videoHost && (c.method != http.MethodPost || c.edge != "videos") {
		e = videoHostOnly(c.method, path)
	}
	if c != nil && c.r.MultipartForm != nil {
		defer c.r.MultipartForm.RemoveAll()
	}
	if e != nil {
		f.log.Info("request refused", pregonero.LogMethod, r.Method, pregonero.LogPath, r.URL.Path, pregonero.LogCode, e.Code, pregonero.LogReason, e.Message)
		f.finish(w, c, e)
		return
	}
	e = f.route(c)
	if e == nil {
		e = f.allowed(c)
	}
	if e != nil {
		f.log.Info("request refused", pregonero.LogMethod, c.method, pregonero.LogPath, r.URL.Path, pregonero.LogCode, e.Code, pregonero.LogReason, e.Message)
		f.finish(w, c, e)
		return
	}
	if e := f.count(c); e != nil {
		f.finish(w, c, e)
		return
	}
	serve := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f.setUsage(w, c, false)
		if e := c.target.serve(w, c); e != nil {
			f.finish(w, c, e)
		}
	})
	rule, hit := f.faults.Match(c.network, c.op)
	if !hit {
		serve(w, r)
		return
	}
	f.log.Info("fault injected", pregonero.LogNetwork, c.network, pregonero.LogOp, c.op, pregonero.LogMode, string(rule.Mode),
		pregonero.LogRule, rule.ID, pregonero.LogPath, r.URL.Path)
	switch rule.Mode {
	case fakenet.ModeError:
		f.finish(w, c, faultError(rule.Status, rule.Code, rule.Subcode))
	case fakenet.ModeDelay:
		if err := fakenet.Delay(r, rule.Delay()); err != nil {
			return
		}
		serve(w, r)
	case fakenet.ModeDropAfterAccept:
		fakenet.DropAfter(w, r, serve)
	default:
		serve(w, r)
	}
}

// finish writes an error with the usage headers every answer carries.
func (f *Fake) finish(w http.ResponseWriter, c *call, e *gerr) {
	f.setUsage(w, c, e.Throttle)
	f.writeError(w, e)
}

// parse reads the version, the path, the parameters and the token, and
// authenticates the caller.
func (f *Fake) parse(r *http.Request, path string) (*call, *gerr) {
	c := &call{r: r, method: r.Method}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if m := versionRE.FindStringSubmatch(segs[0]); m != nil {
		n, _ := strconv.Atoi(m[1])
		if m[2] != "0" || n < minVersion || n > maxVersion {
			return c, known(2635, 0)
		}
		c.version = segs[0]
		segs = segs[1:]
	}
	if len(segs) == 0 || segs[0] == "" || len(segs) > 2 {
		return c, unknownPath(path)
	}
	c.node = segs[0]
	if len(segs) == 2 {
		c.edge = segs[1]
	}
	if e := f.readParams(c); e != nil {
		return c, e
	}
	if c.method == http.MethodPost && strings.EqualFold(c.param("method"), http.MethodDelete) {
		c.method = http.MethodDelete
	}
	if c.method != http.MethodGet && c.method != http.MethodPost && c.method != http.MethodDelete {
		return c, unsupported(strings.ToLower(c.method), c.node)
	}
	return c, f.authenticate(c)
}

// readParams merges the query with a form or multipart body.
func (f *Fake) readParams(c *call) *gerr {
	r := c.r
	c.params = r.URL.Query()
	if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(nil, r.Body, maxMultipartBody)
		if err := r.ParseMultipartForm(multipartMemory); err != nil {
			return invalidParam("The multipart body could not be read: %s", err.Error())
		}
		for k, vs := range r.MultipartForm.Value {
			c.params[k] = append(c.params[k], vs...)
		}
		c.files = r.MultipartForm.File
	case "application/x-www-form-urlencoded", "":
		b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
		if err != nil {
			return invalidParam("The request body could not be read")
		}
		if len(b) > maxFormBody {
			return invalidParam("The request body is too large")
		}
		vs, err := url.ParseQuery(string(b))
		if err != nil {
			return invalidParam("The request body is not valid form data")
		}
		for k, v := range vs {
			c.params[k] = append(c.params[k], v...)
		}
	default:
		// Graph ignores bodies it cannot read as parameters.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxFormBody))
	}
	return nil
}

// principal is what a token acts as: a page (and its linked Instagram
// account), an Instagram Login user, or a Facebook user (a user token of
// the consent flow).
type principal struct {
	page string // empty for an Instagram Login token
	ig   string
	user string // a user token's Facebook user
	// grant is the consent behind a token the consent flows issued; nil
	// for the fixed sandbox tokens, which may do anything.
	grant *grant
	// tasks are a Page token's tasks on its Page; nil means every task.
	tasks []string
	// restricted marks an issued Page or Instagram token: allowed checks
	// its publishing calls against grant and tasks.
	restricted bool
}

// authenticate checks the token and its appsecret_proof.
func (f *Fake) authenticate(c *call) *gerr {
	if h := c.r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
			c.token, c.header = strings.TrimSpace(tok), true
		}
	}
	if c.token == "" {
		c.token = c.param("access_token")
	}
	who, e := f.principalOf(c.token)
	if e != nil {
		return e
	}
	c.who = who
	proof, sent := c.params["appsecret_proof"]
	if !sent || len(proof) == 0 || proof[0] == "" {
		if (c.who.page != "" || c.who.user != "") && !f.proofOptional {
			return &gerr{Status: http.StatusBadRequest, Code: 100, Type: typeMethod, Message: "API calls from the server require an appsecret_proof argument"}
		}
		return nil
	}
	want := AppsecretProof(f.appSecret, c.token)
	if !hmac.Equal([]byte(strings.ToLower(proof[0])), []byte(want)) {
		return &gerr{Status: http.StatusBadRequest, Code: 100, Type: typeMethod, Message: "Invalid appsecret_proof provided in the API argument"}
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// permissionError is Graph's code 200 for an action on an account the
// token does not manage.
func permissionError() *gerr { return known(200, 0) }

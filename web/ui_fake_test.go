package web_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/web"
)

// fakeUsers is the users service as the web interface sees it, refusing
// what the real one refuses (see the users contract): a wrong user or
// password with one generic EUNAUTHORIZED; after five wrong passwords in a
// row for a username from an address, ERATELIMITED naming when to try
// again, a right password during the wait refused too, the wait starting
// at a second and doubling up to 15 minutes;
// disabled users refused; sessions ended after IdleTimeout without use;
// password changes checked (current, 10..128 characters, not the
// username) and ending the user's other sessions.
type fakeUsers struct {
	mu       sync.Mutex
	now      func() time.Time
	idle     time.Duration
	users    map[string]*fakeUser // by username
	sessions map[string]*pregonero.Session
	failures map[string]int
	until    map[string]time.Time
	signOuts int
}

type fakeUser struct {
	user     pregonero.User
	password string
}

func newFakeUsers(now func() time.Time) *fakeUsers {
	return &fakeUsers{now: now, idle: 12 * time.Hour, users: map[string]*fakeUser{},
		sessions: map[string]*pregonero.Session{}, failures: map[string]int{}, until: map[string]time.Time{}}
}

// add creates a user with a password.
func (f *fakeUsers) add(u pregonero.User, password string) *pregonero.User {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u.ID == "" {
		u.ID = "u_" + u.Username
	}
	f.users[u.Username] = &fakeUser{user: u, password: password}
	return &u
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (f *fakeUsers) SignIn(_ context.Context, username, password, addr string) (string, *pregonero.Session, *pregonero.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	key := strings.ToLower(username) + "\x00" + addr
	if until := f.until[key]; now.Before(until) {
		return "", nil, nil, pregonero.Errorf(pregonero.ERATELIMITED, "Too many failed sign-ins; try again after %s.", until.UTC().Format(time.RFC3339))
	}
	fu := f.users[username]
	if fu == nil || fu.password != password {
		f.failures[key]++
		if n := f.failures[key]; n >= 5 {
			f.until[key] = now.Add(min(time.Second<<min(n-5, 20), 15*time.Minute))
		}
		return "", nil, nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "Wrong username or password.")
	}
	if fu.user.Disabled {
		return "", nil, nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "Wrong username or password.")
	}
	delete(f.failures, key)
	delete(f.until, key)
	token := "tok_" + randomHex()
	s := &pregonero.Session{ID: sessionID(token), UserID: fu.user.ID, CSRF: randomHex(), Address: addr, Created: now, LastSeen: now}
	f.sessions[s.ID] = s
	sc, uc := *s, fu.user
	return token, &sc, &uc, nil
}

func (f *fakeUsers) Session(_ context.Context, token string) (*pregonero.Session, *pregonero.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[sessionID(token)]
	if s == nil {
		return nil, nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "The session is not valid.")
	}
	now := f.now()
	if now.Sub(s.LastSeen) > f.idle {
		delete(f.sessions, s.ID)
		return nil, nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "The session expired.")
	}
	fu := f.byID(s.UserID)
	if fu == nil || fu.user.Disabled {
		return nil, nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "The session is not valid.")
	}
	s.LastSeen = now
	sc, uc := *s, fu.user
	return &sc, &uc, nil
}

func (f *fakeUsers) byID(id string) *fakeUser {
	for _, fu := range f.users {
		if fu.user.ID == id {
			return fu
		}
	}
	return nil
}

func (f *fakeUsers) SignOut(_ context.Context, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signOuts++
	delete(f.sessions, sessionID(token))
	return nil
}

func (f *fakeUsers) ChangePassword(_ context.Context, userID, current, next, keepSession string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fu := f.byID(userID)
	if fu == nil {
		return pregonero.Errorf(pregonero.ENOTFOUND, "There is no user %s.", userID)
	}
	if current != fu.password {
		return pregonero.Invalid([]pregonero.FieldError{{Field: "current_password", Code: pregonero.FieldInvalid, Message: "The current password is not right."}})
	}
	switch n := utf8.RuneCountInString(next); {
	case n < 10:
		return pregonero.Invalid([]pregonero.FieldError{{Field: "password", Code: pregonero.FieldInvalid, Limit: 10, Actual: n, Message: "The password must have at least 10 characters."}})
	case n > 128:
		return pregonero.Invalid([]pregonero.FieldError{{Field: "password", Code: pregonero.FieldTooLong, Limit: 128, Actual: n, Message: "The password must have at most 128 characters."}})
	case strings.EqualFold(next, fu.user.Username):
		return pregonero.Invalid([]pregonero.FieldError{{Field: "password", Code: pregonero.FieldInvalid, Message: "The password must not be the username."}})
	case next == current:
		return pregonero.Invalid([]pregonero.FieldError{{Field: "password", Code: pregonero.FieldInvalid, Message: "The new password must differ from the current one."}})
	}
	fu.password, fu.user.MustChangePassword = next, false
	for id, s := range f.sessions {
		if s.UserID == userID && id != keepSession {
			delete(f.sessions, id)
		}
	}
	return nil
}

// sessionCount is how many sessions the user has open.
func (f *fakeUsers) sessionCount(userID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.sessions {
		if s.UserID == userID {
			n++
		}
	}
	return n
}

// withUsers gives the test server a web interface signing in with f.
func withUsers(f *fakeUsers, publicURL string) serverOption {
	return withConfig(func(c *web.Config) {
		f.now = c.Now
		c.Users = f
		c.PublicURL = publicURL
	})
}

// uiServer is a test server with the web interface and three users: an
// admin, an editor of the dependencia "salud" and a viewer, each with the
// password "contraseña-segura".
type uiServer struct {
	*testServer
	users *fakeUsers
}

const testPassword = "contraseña-segura"

func newUIServer(tb testing.TB, opts ...serverOption) *uiServer {
	tb.Helper()
	f := newFakeUsers(time.Now)
	ts := newTestServer(tb, append([]serverOption{withUsers(f, "http://pregonero.test")}, opts...)...)
	f.add(pregonero.User{Username: "ana", Role: pregonero.RoleAdmin}, testPassword)
	f.add(pregonero.User{Username: "edu", Role: pregonero.RoleEditor, Units: []string{"salud"}}, testPassword)
	f.add(pregonero.User{Username: "vera", Role: pregonero.RoleViewer}, testPassword)
	return &uiServer{testServer: ts, users: f}
}

// browser is a person's browser: cookies kept, redirects not followed so
// that the tests see each one.
type browser struct {
	tb     testing.TB
	base   string
	client *http.Client
}

func (s *uiServer) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Transport: s.srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{tb: s.t, base: s.srv.URL, client: c}
}

// page is an answer read whole.
type page struct {
	status int
	header http.Header
	body   string
}

// location is where a redirect points.
func (p page) location() string { return p.header.Get("Location") }

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// csrf is the token of the page's first form.
func (p page) csrf(tb testing.TB) string {
	tb.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		tb.Fatalf("no csrf_token on the page:\n%s", p.body)
	}
	return m[1]
}

func (b *browser) do(req *http.Request) page {
	b.tb.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.tb.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

func (b *browser) get(path string) page {
	b.tb.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.tb.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.tb.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// cookie returns the browser's cookie of that name for the server's root.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.base + "/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// signIn signs in through the form and checks it worked.
func (b *browser) signIn(username string) page {
	b.tb.Helper()
	login := b.get("/login")
	p := b.post("/login", url.Values{"username": {username}, "password": {testPassword}, "csrf_token": {login.csrf(b.tb)}})
	if p.status != http.StatusSeeOther {
		b.tb.Fatalf("sign in as %s: got %d\n%s", username, p.status, p.body)
	}
	return p
}

// signedIn returns a browser signed in as username.
func (s *uiServer) signedIn(username string) *browser {
	b := s.browser()
	b.signIn(username)
	return b
}

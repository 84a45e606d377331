package main_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"pregonero"
	main "pregonero/cmd/pregonero"
	"pregonero/posting"
	"pregonero/store"
	"pregonero/web"
)

// oauthConnector is a Connector of X accounts that behaves as an OAuth
// 2.0 server: a code is given for a state a consent screen was asked
// for, once, bound to the redirect URI and the PKCE challenge.
type oauthConnector struct {
	candidates []pregonero.ConnectCandidate
	asked      chan pregonero.AuthorizeRequest // each consent screen asked for

	mu    sync.Mutex
	codes map[string]pregonero.AuthorizeRequest
}

func newOAuthConnector(cands ...pregonero.ConnectCandidate) *oauthConnector {
	return &oauthConnector{candidates: cands, asked: make(chan pregonero.AuthorizeRequest, 8), codes: map[string]pregonero.AuthorizeRequest{}}
}

func (o *oauthConnector) AuthorizeURL(app pregonero.OAuthApp, req pregonero.AuthorizeRequest) (string, error) {
	o.asked <- req
	q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {req.RedirectURI}, "state": {req.State},
		"code_challenge": {req.CodeChallenge}, "code_challenge_method": {"S256"}}
	return "https://consent.example/i/oauth2/authorize?" + q.Encode(), nil
}

func (o *oauthConnector) Connect(_ context.Context, _ pregonero.OAuthApp, req pregonero.ExchangeRequest) (*pregonero.ConnectGrant, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	asked, ok := o.codes[req.Code]
	delete(o.codes, req.Code)
	sum := sha256.Sum256([]byte(req.CodeVerifier))
	switch {
	case !ok:
		return nil, errors.New("invalid_grant: the authorization code is invalid or was already used")
	case asked.RedirectURI != req.RedirectURI:
		return nil, errors.New("invalid_grant: redirect_uri does not match")
	case base64.RawURLEncoding.EncodeToString(sum[:]) != asked.CodeChallenge:
		return nil, errors.New("invalid_grant: code_verifier does not match the challenge")
	}
	g := &pregonero.ConnectGrant{Granted: []string{"tweet.read", "tweet.write", "users.read", "offline.access"}, Missing: []string{"media.write"}}
	for _, c := range o.candidates {
		c.Credentials = map[string]string{"access_token": "secreto-" + c.RemoteID}
		g.Candidates = append(g.Candidates, c)
	}
	return g, nil
}

// connectTestServer is a server whose posting service connects X
// accounts through a fake connector; the CLI talks to it.
type connectTestServer struct {
	db    *store.DB
	posts *posting.Service
	conn  *oauthConnector
}

type readyControl struct{}

func (readyControl) Ready() error { return nil }

// nopSender is the publisher as the posting service sees it, for a
// server that publishes nothing.
type nopSender struct{}

func (nopSender) StopUnsent(context.Context, *pregonero.Post) (int, error) { return 0, nil }
func (nopSender) Unsent(*pregonero.Delivery) bool                          { return false }
func (nopSender) Withdraw(context.Context, *pregonero.Delivery) error      { return nil }
func (nopSender) Cleanup(*pregonero.Delivery)                              {}
func (nopSender) SetPaused(bool)                                           {}
func (nopSender) AccountChanged(*pregonero.Account)                        {}

// startConnectServer serves the API with the given candidates and points
// the CLI at it (PREGONERO_URL, PREGONERO_TOKEN).
func startConnectServer(t *testing.T, cands ...pregonero.ConnectCandidate) *connectTestServer {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "pregonero.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.PutAccount(ctx, &pregonero.Account{ID: "x-gob", Network: pregonero.NetworkX, Name: "Gobernación", RemoteID: "1500",
		Status: pregonero.AccountNeedsReauth, StatusReason: "X refused the token."}); err != nil {
		t.Fatal(err)
	}
	if _, err := web.EnsureToken(ctx, db, dir, nil); err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(filepath.Join(dir, web.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	cs := &connectTestServer{db: db, conn: newOAuthConnector(cands...)}
	cs.posts, err = posting.New(posting.Config{Store: db, Sender: nopSender{}, Connect: posting.ConnectConfig{
		Connectors: map[pregonero.Network]pregonero.Connector{pregonero.NetworkX: cs.conn},
		Apps:       map[pregonero.Network]pregonero.OAuthApp{pregonero.NetworkX: {ClientID: "sandbox-public"}},
		PublicURL:  "https://pregonero.example",
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Store: db, Posts: cs.posts, Control: readyControl{}, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	t.Setenv("PREGONERO_URL", ts.URL)
	t.Setenv("PREGONERO_TOKEN", strings.TrimSpace(string(token)))
	return cs
}

// cliRun is a command line running in the background.
type cliRun struct {
	out, err bytes.Buffer
	code     int
	done     chan struct{}
}

func startCLI(args ...string) *cliRun {
	r := &cliRun{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.code = main.Run(context.Background(), args, strings.NewReader(""), &r.out, &r.err)
	}()
	return r
}

// wait returns the exit code once the command ended; its output may be
// read from then on.
func (r *cliRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not end")
		return 0
	}
}

// consent waits for the command to ask for a consent screen, and sends
// the network's answer to the callback as a browser would: in a session
// that is not the command's (it holds no API token). With deny, the
// person clicked "Cancelar".
func (cs *connectTestServer) consent(t *testing.T, deny bool) pregonero.AuthorizeRequest {
	t.Helper()
	var req pregonero.AuthorizeRequest
	select {
	case req = <-cs.conn.asked:
	case <-time.After(30 * time.Second):
		t.Fatal("no consent screen was asked for")
	}
	cb := posting.ConnectCallback{State: req.State, Session: "browser-session-id"}
	if deny {
		cb.Error = "access_denied"
	} else {
		cb.Code = "code-" + req.State
		cs.conn.mu.Lock()
		cs.conn.codes[cb.Code] = req
		cs.conn.mu.Unlock()
	}
	// The consent screen is asked for before the server keeps the flow:
	// until it does, the state is unknown to it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := cs.posts.FinishConnect(context.Background(), pregonero.NetworkX, cb)
		switch {
		case pregonero.ErrorCode(err) == pregonero.ENOTFOUND && time.Now().Before(deadline):
			<-time.After(5 * time.Millisecond)
			continue
		case err != nil && !deny:
			t.Fatalf("callback: %v", err)
		}
		return req
	}
}

var (
	gobProfile   = pregonero.ConnectCandidate{Network: pregonero.NetworkX, RemoteID: "1500", Name: "Gobernación de Antioquia", Handle: "@GobAntioquia"}
	saludProfile = pregonero.ConnectCandidate{Network: pregonero.NetworkX, RemoteID: "1600", Name: "Secretaría de Salud", Handle: "@SaludAntioquia"}
)

// With one profile in the consent, `accounts connect` prints the address,
// waits for the browser's answer and adds the profile.
func TestCLIAccountsConnectOneProfile(t *testing.T) {
	cs := startConnectServer(t, saludProfile)
	run := startCLI("accounts", "connect", "-network", "x", "-unit", "salud")
	req := cs.consent(t, false)
	if code := run.wait(t); code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, run.out.String(), run.err.String())
	}
	out := run.out.String()
	if !strings.Contains(out, "https://consent.example/i/oauth2/authorize?") || !strings.Contains(out, url.QueryEscape(req.State)) {
		t.Errorf("the address to open is not printed:\n%s", out)
	}
	if !regexp.MustCompile(`x-saludantioquia\s+x\s+active\s+Secretaría de Salud\s+@SaludAntioquia\s+salud`).MatchString(out) {
		t.Errorf("the account added is not listed:\n%s", out)
	}
	if errs := run.err.String(); !strings.Contains(errs, "media.write") {
		t.Errorf("the permission not granted is not named:\n%s", errs)
	}
	a, err := cs.db.Account(context.Background(), "x-saludantioquia")
	if err != nil || a.Source != pregonero.AccountConnected || a.RemoteID != "1600" || a.Unit != "salud" {
		t.Fatalf("account = %+v, %v", a, err)
	}
}

// With several profiles and no -pick, it lists them and tells how to
// pick; -flow and -pick then add the one chosen under the id given,
// without another consent.
func TestCLIAccountsConnectChoosesLater(t *testing.T) {
	cs := startConnectServer(t, gobProfile, saludProfile)
	run := startCLI("accounts", "connect", "-network", "x")
	cs.consent(t, false)
	if code := run.wait(t); code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, run.out.String(), run.err.String())
	}
	out, errs := run.out.String(), run.err.String()
	for _, want := range []string{"1500", "@GobAntioquia", "1600", "@SaludAntioquia"} {
		if !strings.Contains(out, want) {
			t.Errorf("the candidates lack %s:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`pregonero accounts connect -flow (\S+) -pick`).FindStringSubmatch(errs)
	if m == nil {
		t.Fatalf("no way to pick is told:\n%s", errs)
	}

	code, out, errs := runCLI(t, "accounts", "connect", "-flow", m[1], "-pick", "1600", "-id", "x-salud")
	if code != 0 {
		t.Fatalf("pick: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "x-salud ") {
		t.Errorf("pick: %s", out)
	}
	if a, err := cs.db.Account(context.Background(), "x-salud"); err != nil || a.RemoteID != "1600" {
		t.Errorf("account = %+v, %v", a, err)
	}
	if _, err := cs.db.Account(context.Background(), "x-gobantioquia"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("the profile not picked was added: %v", err)
	}
	// The flow is done: picking again is refused by the server.
	if code, _, errs := runCLI(t, "accounts", "connect", "-flow", m[1], "-pick", "1500"); code != 1 || !strings.Contains(errs, "already") {
		t.Errorf("second pick: exit %d: %s", code, errs)
	}
}

// -pick names the profiles to add up front; -json prints what the API
// answers.
func TestCLIAccountsConnectPicksJSON(t *testing.T) {
	cs := startConnectServer(t, gobProfile, saludProfile)
	run := startCLI("accounts", "connect", "-network", "x", "-pick", "x:1500,1600", "-json")
	cs.consent(t, false)
	if code := run.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, run.out.String(), run.err.String())
	}
	var as []pregonero.Account
	if err := json.Unmarshal(run.out.Bytes(), &as); err != nil {
		t.Fatalf("stdout is not the JSON answer: %v\n%s", err, run.out.String())
	}
	if len(as) != 2 || as[0].ID != "x-gob" || as[1].RemoteID != "1600" {
		t.Errorf("accounts = %+v", as)
	}
	if !strings.Contains(run.err.String(), "https://consent.example/") {
		t.Errorf("the address is not on stderr with -json:\n%s", run.err.String())
	}
}

// -renew connects an account again in place (its network is the
// account's): the profile that is its own is picked among several.
func TestCLIAccountsConnectRenews(t *testing.T) {
	cs := startConnectServer(t, saludProfile, gobProfile)
	run := startCLI("accounts", "connect", "-renew", "x-gob")
	cs.consent(t, false)
	if code := run.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, run.out.String(), run.err.String())
	}
	a, err := cs.db.Account(context.Background(), "x-gob")
	if err != nil || a.Source != pregonero.AccountConnected || a.Handle != "@GobAntioquia" {
		t.Fatalf("x-gob = %+v, %v", a, err)
	}
	if _, err := cs.db.Account(context.Background(), "x-saludantioquia"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("another profile was added on a renewal: %v", err)
	}
}

// A refused consent and a consent that never comes end the command with
// exit 1 and why.
func TestCLIAccountsConnectFails(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		cs := startConnectServer(t, gobProfile)
		run := startCLI("accounts", "connect", "-network", "x")
		cs.consent(t, true)
		if code := run.wait(t); code != 1 || !strings.Contains(run.err.String(), "refused") {
			t.Errorf("exit %d: %s", code, run.err.String())
		}
	})
	t.Run("no answer in time", func(t *testing.T) {
		startConnectServer(t, gobProfile)
		run := startCLI("accounts", "connect", "-network", "x", "-timeout", "1s")
		if code := run.wait(t); code != 1 || !strings.Contains(run.err.String(), "did not answer within 1s") {
			t.Errorf("exit %d: %s", code, run.err.String())
		}
	})
	t.Run("a network without an app", func(t *testing.T) {
		startConnectServer(t, gobProfile)
		code, _, errs := runCLI(t, "accounts", "connect", "-network", "youtube")
		if code != 1 || !strings.Contains(errs, "network") {
			t.Errorf("exit %d: %s", code, errs)
		}
	})
	t.Run("usage", func(t *testing.T) {
		startConnectServer(t, gobProfile)
		for _, args := range [][]string{
			{"accounts", "connect"},
			{"accounts", "connect", "-network", "x", "-pick", "1,2", "-id", "x-uno"},
			{"accounts", "connect", "-flow", "cf_1", "-network", "x"},
			{"accounts", "connect", "-network", "x", "-timeout", "0s"},
			{"accounts", "connect", "-network", "x", "de más"},
			{"accounts", "disconnect"},
		} {
			if code, _, errs := runCLI(t, args...); code != 2 {
				t.Errorf("%q: exit %d, want 2: %s", args, code, errs)
			}
		}
	})
}

// `accounts disconnect` deletes the account's credentials and says how
// to connect it again.
func TestCLIAccountsDisconnect(t *testing.T) {
	cs := startConnectServer(t, gobProfile)
	code, out, errs := runCLI(t, "accounts", "disconnect", "x-gob")
	if code != 0 || strings.TrimSpace(out) != "x-gob disconnected" || !strings.Contains(errs, "-renew x-gob") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if a, err := cs.db.Account(context.Background(), "x-gob"); err != nil || a.Status != pregonero.AccountDisconnected {
		t.Errorf("x-gob = %+v, %v", a, err)
	}
	if code, _, errs := runCLI(t, "accounts", "disconnect", "x-nadie"); code != 1 || !strings.Contains(errs, "not_found") {
		t.Errorf("unknown account: exit %d: %s", code, errs)
	}
}

// runCLI runs a command line to its end.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	r := startCLI(args...)
	code = r.wait(t)
	return code, r.out.String(), r.err.String()
}

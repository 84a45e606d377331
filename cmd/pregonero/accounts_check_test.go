package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"pregonero"
	main "pregonero/cmd/pregonero"
	"pregonero/logtest"
	"pregonero/posting"
	"pregonero/store"
)

// xAccount is the YAML of an X account at endpoint (sandbox or a base URL)
// with the sandbox's OAuth 1.0a credentials of user, the token secret
// given: the sandbox refuses any but "sandbox-<user>-secret".
func xAccount(id, endpoint, user, tokenSecret string) string {
	return fmt.Sprintf("  - id: %s\n    network: x\n    name: %s\n    endpoint: %s\n    credentials: {consumer_key: sandbox, consumer_secret: sandbox-secret, access_token: sandbox-%s, access_token_secret: %s}\n",
		id, user, endpoint, user, tokenSecret)
}

// revokedAccount is an X account whose credentials the sandbox refuses
// (401 Unauthorized): its token secret is not the sandbox's.
var revokedAccount = xAccount("x-revocada", "sandbox", "revocada", "revocada-por-x")

// closedURL is the base URL of a port nothing listens on.
func closedURL(t *testing.T) string { return "http://" + freeAddr(t) + "/x" }

// runMainWithAccounts starts Main like MustRunMain with the good sandbox
// account x-gobantioquia and the extra accounts' YAML, logging to logs,
// with the serve flags given (a nil logs discards them).
func runMainWithAccounts(t *testing.T, logs *logtest.Buffer, accounts string, flags ...string) *main.Main {
	t.Helper()
	path := writeConfig(t, t.TempDir(), true, "127.0.0.1:0", "gobantioquia")
	appendFile(t, path, accounts)
	m := main.NewMain()
	m.Stderr = io.Discard
	if logs != nil {
		m.Logger = logs.Logger()
	}
	if err := m.ParseFlags(append([]string{"-config", path}, flags...)); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, s); err != nil {
		t.Fatal(err)
	}
}

// pregonero accounts check prints one line per account with the
// network's verdict, flags refused ones needs_reauth and exits 1 only
// when one was refused.
func TestCLIAccountsCheck(t *testing.T) {
	m := runMainWithAccounts(t, nil, revokedAccount+xAccount("x-caida", closedURL(t), "caida", "sandbox-caida-secret"), "-skip-account-check")
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)

	code, out, errs := cli(t, m, "", "accounts", "check", "-account", "x-gobantioquia")
	if code != 0 || !regexpLine(out, `x-gobantioquia\s+x\s+ok\s+active\s+The network accepts the credentials\.`) || strings.Contains(out, "x-revocada") {
		t.Errorf("check of a good account: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if got := accountOf(t, a, "x-revocada").Status; got != "active" {
		t.Fatalf("x-revocada is %s before any check (serve ran with -skip-account-check)", got)
	}

	// An unreachable network is reported and is no failure.
	code, out, errs = cli(t, m, "", "accounts", "check", "-account", "x-caida")
	if code != 0 || !regexpLine(out, `x-caida\s+x\s+unreachable\s+active\s+Could not ask X`) {
		t.Errorf("check of an unreachable account: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	// Every account: the refused one is flagged, and the exit status says so.
	code, out, errs = cli(t, m, "", "accounts", "check")
	if code != 1 || !strings.Contains(errs, "1 of 3 accounts refused") {
		t.Errorf("check of every account: exit %d, stderr %q; want 1 and the count", code, errs)
	}
	for _, want := range []string{
		`ACCOUNT\s+NETWORK\s+RESULT\s+STATUS\s+MESSAGE`,
		`x-gobantioquia\s+x\s+ok\s+active\s`,
		`x-revocada\s+x\s+refused\s+needs_reauth\s+.*\(X said: Unauthorized\)`,
		`x-caida\s+x\s+unreachable\s+active\s`,
	} {
		if !regexpLine(out, want) {
			t.Errorf("check output lacks a line like %q:\n%s", want, out)
		}
	}
	if got := accountOf(t, a, "x-revocada").Status; got != "needs_reauth" {
		t.Errorf("x-revocada is %s after a refused check, want needs_reauth", got)
	}

	// -json prints the API's list; the exit status is the same.
	code, out, _ = cli(t, m, "", "accounts", "check", "-json", "-account", "x-revocada,x-gobantioquia")
	var checks []posting.AccountCheck
	if err := json.Unmarshal([]byte(out), &checks); err != nil || code != 1 {
		t.Fatalf("check -json: exit %d, %v\n%s", code, err, out)
	}
	if len(checks) != 2 || checks[0].Account != "x-revocada" || checks[0].Result != posting.CheckRefused ||
		checks[0].NetworkMessage != "Unauthorized" || checks[1].Result != posting.CheckOK {
		t.Errorf("check -json: %+v", checks)
	}

	if code, _, errs := cli(t, m, "", "accounts", "check", "-account", "x-nadie"); code != 1 || !strings.Contains(errs, "x-nadie") {
		t.Errorf("check of an unknown account: exit %d, stderr %q", code, errs)
	}
	if code, _, _ := cli(t, m, "", "accounts", "check", "x-gobantioquia"); code != 2 {
		t.Errorf("check with an id but no -account: exit %d, want 2", code)
	}
}

// regexpLine reports whether a line of out matches the expression.
func regexpLine(out, expr string) bool {
	for line := range strings.Lines(out) {
		if ok, _ := regexp.MatchString(expr, line); ok {
			return true
		}
	}
	return false
}

// At start, serve asks the networks about every account in the
// background: a refused account is flagged needs_reauth soon after,
// logged once at WARN; an unreachable network gets an INFO line, and one
// INFO line sums the check up.
func TestServeChecksAccountsAtStart(t *testing.T) {
	logs := &logtest.Buffer{}
	m := runMainWithAccounts(t, logs, revokedAccount+xAccount("x-caida", closedURL(t), "caida", "sandbox-caida-secret"))
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)
	deadline := time.Now().Add(10 * time.Second)
	for accountOf(t, a, "x-revocada").Status != "needs_reauth" {
		if time.Now().After(deadline) {
			t.Fatalf("x-revocada not flagged after start; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	const summary = `msg="account credentials checked"`
	for !strings.Contains(logs.String(), summary) {
		if time.Now().After(deadline) {
			t.Fatalf("no summary of the account check; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := accountOf(t, a, "x-gobantioquia").Status; got != "active" {
		t.Errorf("x-gobantioquia is %s, want active", got)
	}
	var warns, caida, summaries []string
	for line := range strings.Lines(logs.String()) {
		switch {
		case strings.Contains(line, "level=WARN") && strings.Contains(line, "account=x-revocada"):
			warns = append(warns, line)
		case strings.Contains(line, "component=account-check") && strings.Contains(line, "account=x-caida"):
			caida = append(caida, line)
		case strings.Contains(line, summary):
			summaries = append(summaries, line)
		}
		if strings.Contains(line, "component=account-check") && strings.Contains(line, "account=x-gobantioquia") {
			t.Errorf("a line for an account whose check was ok: %s", line)
		}
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "network_message=Unauthorized") {
		t.Errorf("WARN lines for the refused account: %q; want one with the network's words", warns)
	}
	if len(caida) != 1 || !strings.Contains(caida[0], "level=INFO") || !strings.Contains(caida[0], "could not be asked") {
		t.Errorf("lines for the unreachable account: %q; want one INFO", caida)
	}
	if len(summaries) != 1 || !strings.Contains(summaries[0], "accounts=3") || !strings.Contains(summaries[0], `"1 ok, 1 refused, 1 unreachable, 0 unsupported"`) {
		t.Errorf("summary lines: %q", summaries)
	}

	// A restart with the account still refused warns again, from the
	// check this time: the account was flagged before.
	logs2 := &logtest.Buffer{}
	path := filepath.Join(filepath.Dir(m.Config.DataDir), "config.yaml")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := main.NewMain()
	m2.Stderr, m2.Logger = io.Discard, logs2.Logger()
	if err := m2.ParseFlags([]string{"-config", path}); err != nil {
		t.Fatal(err)
	}
	if err := m2.Run(context.Background()); err != nil {
		m2.Close()
		t.Fatal(err)
	}
	defer m2.Close()
	for !strings.Contains(logs2.String(), summary) {
		if time.Now().After(deadline) {
			t.Fatalf("no summary after the restart; log:\n%s", logs2.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	n := 0
	for line := range strings.Lines(logs2.String()) {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "account=x-revocada") {
			n++
			if !strings.Contains(line, "component=account-check") || !strings.Contains(line, "status=needs_reauth") {
				t.Errorf("WARN line after the restart: %s", line)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d WARN lines for the still refused account after the restart, want 1:\n%s", n, logs2.String())
	}
}

// The check never holds up the start, nor one account another: with a
// network that accepts the connection and never answers, Run returns,
// /readyz answers and the refused account is flagged while that check
// waits; Close ends it.
func TestServeAccountCheckDoesNotDelayStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // never accepted: the kernel completes the handshake, nothing answers
	logs := &logtest.Buffer{}
	// Each account is checked on its own: the silent network, listed
	// first, holds up no other.
	m := runMainWithAccounts(t, logs, xAccount("x-muda", "http://"+ln.Addr().String()+"/x", "muda", "sandbox-muda-secret")+revokedAccount)
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)
	resp, err := http.Get("http://" + m.Addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz %d while the check runs", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for accountOf(t, a, "x-revocada").Status != "needs_reauth" {
		if time.Now().After(deadline) {
			t.Fatalf("x-revocada not flagged; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(logs.String(), "account credentials checked") {
		t.Fatalf("the check ended although a network never answered:\n%s", logs.String())
	}
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Close waits for the check of a network that never answers")
	}
	if !strings.Contains(logs.String(), `msg="account check stopped by the shutdown"`) {
		t.Errorf("no line saying the check was stopped:\n%s", logs.String())
	}
}

// serve -skip-account-check asks no network at start: the log says so,
// and nothing is checked before the server stops.
func TestServeSkipAccountCheck(t *testing.T) {
	logs := &logtest.Buffer{}
	m := runMainWithAccounts(t, logs, revokedAccount, "-skip-account-check")
	if !strings.Contains(logs.String(), "not checked at start (-skip-account-check)") {
		t.Errorf("the log does not say the check was skipped:\n%s", logs.String())
	}
	dataDir := m.Config.DataDir
	// Close waits for every goroutine Run started; a check would have
	// logged its summary or its stop.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); strings.Contains(out, "account credentials checked") || strings.Contains(out, "account check stopped") {
		t.Errorf("the accounts were checked despite -skip-account-check:\n%s", out)
	}
	db, err := store.Open(filepath.Join(dataDir, store.DataFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acct, err := db.Account(context.Background(), "x-revocada")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Status != pregonero.AccountActive {
		t.Errorf("x-revocada is %s, want active: nothing was checked", acct.Status)
	}
}

package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	graphfake "pregonero/adapters/graph/fake"
	main "pregonero/cmd/pregonero"
	"pregonero/web"
)

// The browser test's machinery: the server as `serve` runs it, headless
// Debian chromium driven through chromedp, axe-core for accessibility
// and screenshots of every page. The flow itself is in browser_test.go.

// Where the browser test finds what it needs, and where it writes.
const (
	// envChromium names the browser binary; else the usual names are
	// looked up on the PATH.
	envChromium = "PREGONERO_CHROMIUM"
	// envAxe names axe-core's axe.min.js; else defaultAxe under the
	// repository, where .ci/run installs it.
	envAxe     = "PREGONERO_AXE_JS"
	defaultAxe = ".ci/node/node_modules/axe-core/axe.min.js"
	// screensDir is where screenshots go, under the repository.
	screensDir = "test-output/screens"
)

// Screen sizes of the screenshots.
var screenSizes = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"desktop", 1366, 768, false},
	{"phone", 390, 844, true},
}

// Dependencias and accounts of the browser test's server.
const (
	unitComms     = "Oficina de Comunicaciones"
	unitEducation = "Secretaría de Educación"
	acctX         = "x-gobantioquia"
	acctInstagram = "instagram-gobantioquia"
	acctOtherUnit = "x-antioquiaeduca"
	browserPageID = "100000000000001" // the sandbox Facebook page whose Instagram account is acctInstagram
)

// inCI reports whether the test runs in CI, where a missing browser or
// axe-core is a failure, not a reason to skip.
func inCI() bool { return os.Getenv("CI") != "" }

// chromiumPath returns the browser to drive; without one the test skips,
// or fails in CI.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(envChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", envChromium, p, err)
		}
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "browser test: no chromium found (looked for /usr/bin/chromium, chromium, chromium-browser, google-chrome on the PATH, and $" +
		envChromium + "); install Debian's chromium (apt-get install chromium) or run .ci/run"
	if inCI() {
		t.Fatal(msg + "; CI must run it")
	}
	t.Skip(msg)
	return ""
}

// repoRoot is the directory of go.mod above the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// axeSource returns axe-core's script, or "" when it is missing outside
// CI: then only the accessibility check is skipped.
func axeSource(t *testing.T, root string) string {
	t.Helper()
	path := os.Getenv(envAxe)
	if path == "" {
		path = filepath.Join(root, defaultAxe)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		msg := fmt.Sprintf("accessibility check: axe-core not found at %s (%v); install it with .ci/run, or "+
			"npm install --no-audit --no-fund --prefix .ci/node axe-core@%s, or set $%s", path, err, axeVersion, envAxe)
		if inCI() {
			t.Fatal(msg + "; CI must run it")
		}
		t.Log(msg + ": SKIPPING the accessibility check only")
		return ""
	}
	return string(b)
}

// axeVersion is the axe-core .ci/run installs.
const axeVersion = "4.14.1"

// mustRunUIMain starts Main as serve does, on a fixed free port so that
// public_url (where the sandbox fetches Instagram's images) is known, with
// the embedded sandbox, cheap password hashes, and X and Instagram
// accounts of the Oficina de Comunicaciones plus an X account of another
// dependencia. Metrics are collected every 2 seconds, a published post's
// first readings due seconds after its publication (collectionSchedule).
func mustRunUIMain(t *testing.T) *main.Main {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	creds := fmt.Sprintf("{access_token: %s, app_id: %s, app_secret: %s}", graphfake.PageToken(browserPageID), graphfake.DefaultAppID, graphfake.DefaultAppSecret)
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %s\ndata_dir: %s\ntimezone: America/Bogota\npublic_url: http://%s\n", addr, filepath.Join(dir, "data"), addr)
	b.WriteString("log: {format: text, level: warn}\n")
	b.WriteString("sandbox: {embedded: true, listen: \"127.0.0.1:0\"}\n")
	b.WriteString("publisher: {reconcile_delay: 200ms, backoff_base: 200ms, backoff_cap: 2s, past_grace: 2m}\n")
	b.WriteString("graph: {poll_interval: 50ms, poll_timeout: 20s}\n")
	fmt.Fprintf(&b, "metrics: {every: %s, schedule: [%s]}\n", collectionEvery, collectionSchedule)
	b.WriteString("accounts:\n")
	for _, u := range []struct{ id, user, name, unit string }{
		{acctX, "gobantioquia", "Gobernación de Antioquia", unitComms},
		{acctOtherUnit, "antioquiaeduca", "Secretaría de Educación de Antioquia", unitEducation},
	} {
		fmt.Fprintf(&b, "  - id: %s\n    network: x\n    name: %s\n    unit: %s\n    endpoint: sandbox\n"+
			"    credentials: {consumer_key: sandbox, consumer_secret: sandbox-secret, access_token: sandbox-%s, access_token_secret: sandbox-%s-secret}\n",
			u.id, u.name, u.unit, u.user, u.user)
	}
	fmt.Fprintf(&b, "  - id: %s\n    network: instagram\n    name: \"@gobantioquia\"\n    unit: %s\n    endpoint: sandbox\n    remote_id: %q\n    credentials: %s\n",
		acctInstagram, unitComms, graphfake.LinkedInstagram(browserPageID), creds)
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	m := main.NewMain()
	m.Stderr = &logs
	m.BcryptCost = bcrypt.MinCost
	if err := m.ParseFlags([]string{"-config", cfg}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return m
}

// The browser test's metrics collection: a cycle every collectionEvery,
// and readings of each post at these times after its publication, so
// that the flow sees at least two of X's while the first is read once
// the post is out everywhere.
const (
	collectionEvery    = 2 * time.Second
	collectionSchedule = "2s, 4s, 8s, 16s, 32s"
)

// adminClient is the API client with the server's admin token.
func adminClient(t *testing.T, m *main.Main) *web.Client {
	t.Helper()
	return web.NewClient("http://"+m.Addr, readToken(t, m.Config.DataDir), nil)
}

// browserRun is one run of the browser test: the server, the browser,
// and what every page visited is checked with.
type browserRun struct {
	t       *testing.T
	m       *main.Main
	base    string // the server, http://host:port
	api     *web.Client
	browser context.Context // the browser's first tab; tabs are made from it
	axe     string          // axe-core's script; "" when the check is skipped
	screens string          // the screenshots' directory

	mu       sync.Mutex
	problems []string // console exceptions and CSP refusals, from every tab
	shots    int
}

// startBrowserRun starts the server and chromium, and prepares the
// screenshots' directory (emptied: it holds one run).
func startBrowserRun(t *testing.T) *browserRun {
	t.Helper()
	exe := chromiumPath(t)
	root := repoRoot(t)
	r := &browserRun{t: t, axe: axeSource(t, root), screens: filepath.Join(root, screensDir)}
	if err := os.RemoveAll(r.screens); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(r.screens, 0o755); err != nil {
		t.Fatal(err)
	}
	r.m = mustRunUIMain(t)
	r.base = "http://" + r.m.Addr
	r.api = adminClient(t, r.m)

	// The flags known to work headless on a closed network: without the
	// background networking ones chromium keeps calling Google's hosts.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	start := time.Now()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	t.Logf("chromium started in %v", time.Since(start).Round(time.Millisecond))
	r.browser = bctx
	return r
}

// pageBuilt reports whether the interface serves a page at path: without
// a session a page answers a redirect to the sign-in page, a path no page
// serves 404.
func (r *browserRun) pageBuilt(path string) bool {
	r.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(r.base + path)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode != http.StatusNotFound
}

// notBuilt logs that a step's page is missing and reports whether it is;
// the step then goes through the API instead, or is skipped.
func (r *browserRun) notBuilt(path, instead string) bool {
	r.t.Helper()
	if r.pageBuilt(path) {
		return false
	}
	r.t.Logf("page %s not built yet: %s", path, instead)
	return true
}

// step runs one step of the flow and logs how long it took.
func (r *browserRun) step(name string, fn func()) {
	r.t.Helper()
	start := time.Now()
	fn()
	r.t.Logf("step %-34s %6.2fs", name, time.Since(start).Seconds())
}

// problem records a console exception or a CSP refusal of a page.
func (r *browserRun) problem(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, s)
}

// checkConsole fails the test with the problems the pages logged so far.
func (r *browserRun) checkConsole() {
	r.t.Helper()
	r.mu.Lock()
	probs := r.problems
	r.problems = nil
	r.mu.Unlock()
	for _, p := range probs {
		r.t.Errorf("browser console: %s", p)
	}
}

// tab is a browser tab with cookies of its own (a browser context): one
// person signed in.
type tab struct {
	r   *browserRun
	t   *testing.T
	ctx context.Context
	who string // names the screenshots' person
}

// actionTimeout bounds one browser action: generous, for -race on two
// cores; a step that waits for a condition says its own deadline.
const actionTimeout = 30 * time.Second

// newTab opens a tab in a new browser context, at the desktop size. A
// dialog a page opens (a confirmation) is accepted, as a person who
// means it would.
func (r *browserRun) newTab(who string) *tab {
	r.t.Helper()
	ctx, cancel := chromedp.NewContext(r.browser, chromedp.WithNewBrowserContext())
	r.t.Cleanup(cancel)
	tb := &tab{r: r, t: r.t, ctx: ctx, who: who}
	// The first action opens the tab and binds it to the context it runs
	// with: that must be the tab's own, not one with a timeout.
	if err := chromedp.Do(ctx); err != nil {
		r.t.Fatalf("open the %s tab: %v", who, err)
	}
	size := screenSizes[0]
	tb.do(chromedp.EmulateViewport(size.width, size.height))
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	console := chromedp.Console(ctx)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	go func() {
		for msg, err := range console {
			if err != nil {
				return
			}
			text := msg.String()
			if msg.IsException() || strings.Contains(text, "Content Security Policy") {
				r.problem(fmt.Sprintf("%s tab, %s: %s", who, msg.URL, text))
			}
		}
	}()
	return tb
}

// do runs actions in the tab, failing the test on an error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s tab: %v", tb.who, err)
	}
}

// runIn runs one action that returns a value.
func runIn[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s tab: %v", tb.who, err)
	}
	return v
}

// open loads a path of the server and checks the answer's status.
func (tb *tab) open(path string, status int) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(tb.r.base+path))
	if err != nil {
		tb.t.Fatalf("%s tab: open %s: %v", tb.who, path, err)
	}
	if resp == nil || resp.Status != int64(status) {
		got := int64(0)
		if resp != nil {
			got = resp.Status
		}
		tb.t.Fatalf("%s tab: open %s: status %d, want %d (at %s)", tb.who, path, got, status, tb.path())
	}
}

// submit clicks a form's button (or a link) and waits for the page it
// leads to; it returns that page's status.
func (tb *tab) submit(button string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		tb.t.Fatalf("%s tab: submit %s at %s: %v", tb.who, button, tb.path(), err)
	}
	if resp == nil {
		tb.t.Fatalf("%s tab: submit %s: no page loaded", tb.who, button)
	}
	return int(resp.Status)
}

// path is the tab's current path and query.
func (tb *tab) path() string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.RequestURI()
}

// wantPath fails unless the tab shows path.
func (tb *tab) wantPath(path string) {
	tb.t.Helper()
	if got := tb.path(); got != path && !strings.HasPrefix(got, path+"?") {
		tb.t.Fatalf("%s tab is at %s, want %s; the page says:\n%s", tb.who, got, path, tb.mainText())
	}
}

// set gives a form field a value as if typed: the value, then the input
// and change events a page's scripts listen for.
func (tb *tab) set(sel, value string) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) throw new Error("no element " + %s);
		el.focus();
		el.value = %s;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
	})()`, jsString(sel), jsString(sel), jsString(value))))
}

// typeText types into a field the way a person finishes typing: all but
// the last character set at once, the last one as a key press, so that
// key, input and change handlers all run.
func (tb *tab) typeText(sel, text string) {
	tb.t.Helper()
	r := []rune(text)
	if len(r) == 0 {
		tb.set(sel, "")
		return
	}
	tb.set(sel, string(r[:len(r)-1]))
	tb.do(chromedp.SendKeys(chromedp.CSS(sel), string(r[len(r)-1:])))
}

// has reports whether an element matches sel now, without waiting.
func (tb *tab) has(sel string) bool {
	tb.t.Helper()
	return runIn(tb, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(sel))))
}

// mainText is the text of the page's main element (the whole body when
// it has none), for messages.
func (tb *tab) mainText() string {
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("main") || document.body || document.documentElement).innerText`))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return s
}

// waitFor polls a JavaScript condition in the page until it is true.
func (tb *tab) waitFor(what, expr string, d time.Duration) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		tb.t.Fatalf("%s tab: waiting %v for %s: %v; the page (%s) says:\n%s", tb.who, d, what, err, tb.path(), tb.mainText())
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x2028 || c == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// check runs what every page visited goes through: axe-core's
// accessibility rules (moderate, serious and critical violations fail
// the test), the console (an uncaught exception or a CSP refusal fails
// it), the reflow at each size (content wider than the screen fails it),
// and screenshots at each size, named page-size.png.
func (tb *tab) check(name string) {
	tb.t.Helper()
	tb.accessibility(name)
	tb.screenshots(name)
	tb.r.checkConsole()
}

// axeResult is what the test keeps of an axe-core run: how many rules
// passed (none means axe did not run) and the violations.
type axeResult struct {
	Passes     int            `json:"passes"`
	Violations []axeViolation `json:"violations"`
}

// axeViolation is what the test keeps of an axe-core violation.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// accessibility injects axe-core into the page and runs every rule it
// has, failing on violations of impact moderate, serious or critical;
// minor ones are logged.
func (tb *tab) accessibility(name string) {
	tb.t.Helper()
	if tb.r.axe == "" {
		return
	}
	tb.do(chromedp.Evaluate[chromedp.Void](tb.r.axe))
	res := runIn(tb, chromedp.Evaluate[axeResult](`axe.run(document, {resultTypes: ["violations"]}).then(r => ({
		passes: r.passes.length,
		violations: r.violations.map(v => ({
			id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target.map(String).join(" "), summary: n.failureSummary || ""}))
		}))
	}))`, chromedp.EvalAwaitPromise))
	if res.Passes == 0 {
		tb.t.Errorf("accessibility: axe-core passed no rule on page %s: it did not run", name)
	}
	var lines, minor []string
	for _, v := range res.Violations {
		if !axeFails[v.Impact] {
			minor = append(minor, fmt.Sprintf("%s (%s, %d)", v.ID, v.Impact, len(v.Nodes)))
			continue
		}
		lines = append(lines, fmt.Sprintf("  %s (%s): %s — %s", v.ID, v.Impact, v.Help, v.URL))
		for _, n := range v.Nodes {
			lines = append(lines, fmt.Sprintf("    at %s: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
	}
	if len(minor) > 0 {
		tb.t.Logf("accessibility: page %s: minor (not failing): %s", name, strings.Join(minor, ", "))
	}
	if len(lines) > 0 {
		tb.t.Errorf("accessibility: page %s (%s) has moderate, serious or critical violations:\n%s", name, tb.path(), strings.Join(lines, "\n"))
	}
}

// axeFails are the impacts of the axe-core violations that fail the
// test.
var axeFails = map[string]bool{"moderate": true, "serious": true, "critical": true}

// screenshots saves the whole page at every screen size, failing the
// test when the page is wider than the screen, then goes back to the
// desktop size.
func (tb *tab) screenshots(name string) {
	tb.t.Helper()
	for _, s := range screenSizes {
		var opts []chromedp.EmulateViewportOption
		if s.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
		}
		tb.do(chromedp.EmulateViewport(s.width, s.height, opts...))
		// Content wider than the screen makes a person scroll sideways
		// (WCAG 1.4.10, reflow); axe-core does not check it.
		if w := runIn(tb, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); w > s.width {
			tb.t.Errorf("reflow: page %s (%s) is %d px wide on the %s screen of %d px", name, tb.path(), w, s.name, s.width)
		}
		png := runIn(tb, chromedp.FullScreenshot(100))
		file := filepath.Join(tb.r.screens, fmt.Sprintf("%s-%s-%dx%d.png", name, s.name, s.width, s.height))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
		tb.r.mu.Lock()
		tb.r.shots++
		tb.r.mu.Unlock()
	}
	d := screenSizes[0]
	tb.do(chromedp.EmulateViewport(d.width, d.height))
}

// testJPEG writes a JPEG photo of w×h pixels and returns its path.
func testJPEG(t *testing.T, name string, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(x), byte(y), byte(x+y), 255
		}
	}
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return path
}

// pollAPI calls fn until it reports done, at most d; fn's last error is
// in the failure.
func pollAPI(t *testing.T, what string, d time.Duration, fn func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(d)
	var last error
	for {
		done, err := fn()
		if done {
			return
		}
		last = err
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s: %v", d, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var errNotYet = errors.New("not yet")

// getJSON reads a JSON answer into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

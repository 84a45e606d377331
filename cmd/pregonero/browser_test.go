package main_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"pregonero"
	"pregonero/posting"
	"pregonero/web"
)

// What the browser test expects of the pages' markup. Form fields are
// found by name, forms by the path they post to, and the texts checked
// are the es catalog's. A page's markup that changes one of these
// changes this list.
const (
	// /login (names fixed by the issue) and /password.
	selLoginUser       = `form[action="/login"] [name="username"]`
	selLoginPassword   = `form[action="/login"] [name="password"]`
	selLoginSubmit     = `form[action="/login"] button[type="submit"]`
	selCurrentPassword = `form[action="/password"] [name="current_password"]`
	selNewPassword     = `form[action="/password"] [name="new_password"]`
	selRepeatPassword  = `form[action="/password"] [name="repeat_password"]`
	selPasswordSubmit  = `form[action="/password"] button[type="submit"]`
	// The layout: the menu and the crisis banner (partials/banner.html).
	selMenuLinks = `nav.menu a[href]`
	selBanner    = `#banner-title`

	// /users: the form that adds a user posts to /users and has the
	// fields username, role (a select or radios with the values admin,
	// editor, viewer) and units (a checkbox per dependencia whose value is
	// its name, a select, or a text field). With a password field (and
	// repeat_password) the admin chooses the password; without, the page
	// that answers shows a one-time password in #secret-value, which the
	// editor's first sign-in changes.
	selNewUserForm = `form[action="/users"]`
	selOneTimePass = `#secret-value`

	// /compose: the form with the post's text (textarea name="text"), a
	// checkbox per account in "targets" (value: the account id), a file
	// field "file" whose script uploads the file and adds its alt text
	// field (a textarea whose name starts with "alt_") to #media-list, the
	// time typed in "when" (read as people type it: 2026-12-24 09:00:05)
	// and a button name="action" value="schedule". X's live counter for an
	// account is the element .counter[data-target="<account id>"] in the
	// aria-live #counters: its text has the weighted length, and its
	// class "over" says it is past X's 280.
	selComposeForm     = `form:has(textarea[name="text"])`
	selComposeText     = `form textarea[name="text"]`
	selComposeFile     = `form input[type="file"][name="file"]`
	selComposeAlt      = `#media-list textarea[name^="alt_"]`
	selComposeWhen     = `form [name="when"]`
	selComposeSchedule = `form button[name="action"][value="schedule"]`
	selCounterX        = `#counters .counter[data-target="` + acctX + `"]`
	// The campaign is a select "campaign" whose values are campaigns' ids.
	selComposeCampaignField = "campaign"

	// /campaigns: the form that adds a campaign posts to /campaigns, with
	// the fields name, unit (a text field for an admin, a select for an
	// editor), plan_line, starts_on (a date field), hashtags and
	// description; adding one leads to its page, /campaigns/{id}, which
	// the list links to.
	selNewCampaignForm = `form[action="/campaigns"]`

	// /posts/{id}: each delivery's live link is an <a> to the delivery's
	// URL (on the sandbox here); the page says "publicada".

	// /pause: the form with a "reason" field (and a "confirm" checkbox,
	// when it asks that way rather than with data-confirm) pauses all
	// publishing; while paused, a form posting to a path ending in
	// "resume" resumes.
	selPauseReason  = `form [name="reason"]`
	selPauseConfirm = `form:has([name="reason"]) input[type="checkbox"][name="confirm"]`
	selPauseSubmit  = `form:has([name="reason"]) button[type="submit"]`
	selResumeSubmit = `form[action$="resume"] button[type="submit"]`
)

// Texts of the es catalog the test looks for.
const (
	esPublished = "publicada"                    // state.published, status.published
	esPaused    = "La publicación está en pausa" // banner.paused
)

// The people of the flow.
const (
	editorName    = "editora.comunicaciones"
	editorPass    = "Pregonero en el navegador 2026"
	adminNewPass  = "Una frase larga para el administrador"
	pauseReason   = "Emergencia vial en el túnel de Oriente"
	campaignName  = "Jornadas de vacunación 2026"
	campaignTag   = "#VacunaciónAntioquia"
	photoAlt      = "Vacunadora aplica una dosis a un niño en Urrao"
	scheduleAhead = 10 * time.Second
)

// TestBrowserFlow drives the web interface in headless chromium as its
// people would: the bootstrap admin signs in and changes the password,
// creates an editor of the Oficina de Comunicaciones; the editor
// composes a post with a photo and alt text for X and Instagram, sees X's
// live counter refuse 300 characters and take them once shortened,
// schedules it 10 seconds ahead, watches it go out to the sandbox, opens
// its page and follows the live link; the admin pauses all publishing
// with a reason, both see the banner, and the admin resumes. Before the
// post, the admin adds a campaign on the Campañas pages, and the editor
// picks it when composing; the post's page names it. The collector reads
// the post's engagement and the accounts' followers from the sandbox,
// and the post's page, the campaign's report and Reportes show them.
// The admin then connects an X account through the sandbox's consent
// screen, from Cuentas, and sees it listed active with its handle.
// Then automated publishing: the editor imports a CSV file with one bad
// row and sees the row report, sets a posting slot and adds a post to
// the queue, creates a weekly series, and drafts from the sandbox's news
// feed; the admin subscribes to failures and gets the e-mail of one in
// the sandbox's mail sink.
// Every page visited passes axe-core (no moderate, serious or critical
// violation), fits the screen's width, and is saved as screenshots,
// desktop and phone, under test-output/screens.
// A step whose page is not served yet goes through the API instead,
// saying so in the log.
func TestBrowserFlow(t *testing.T) {
	start := time.Now()
	r := startBrowserRun(t)
	admin := r.newTab("admin")
	r.step("admin signs in, changes password", func() { stepBootstrapAdmin(r, admin) })
	var editor *pregonero.User
	var editorFirst string // the password of the editor's first sign-in
	r.step("admin creates the editor", func() { editor, editorFirst = stepCreateEditor(r, admin) })
	ed := r.newTab("editor")
	r.step("editor signs in", func() { stepSignIn(ed, editorName, editorFirst, editorPass, "editor") })
	r.step("editor is refused the users page", func() { stepEditorRefusedUsers(r, ed) })
	var camp *pregonero.Campaign
	r.step("admin adds a campaign", func() { camp = stepCreateCampaign(r, admin) })
	var post *pregonero.Post
	r.step("editor composes and schedules", func() { post = stepCompose(r, ed, editor, camp) })
	r.step("post goes out to the sandbox", func() { stepWatchPublished(r, ed, post, camp) })
	r.step("post page and live link", func() { stepPostPageAndLiveLink(r, ed, post, camp) })
	r.step("campaign page lists the post", func() { stepCampaignPosts(r, ed, post, camp) })
	r.step("post metrics, campaign report, Reportes", func() { stepReports(r, ed, post, camp) })
	r.step("admin pauses, both see the banner", func() { stepPause(r, admin, ed) })
	r.step("admin resumes", func() { stepResume(r, admin, ed) })
	r.step("admin connects an account", func() { stepConnectAccount(r, admin) })
	r.step("editor imports a CSV file", func() { stepImport(r, ed) })
	r.step("editor sets slots and adds to the queue", func() { stepQueue(r, ed) })
	r.step("admin is told of a failure by e-mail", func() { stepNotify(r, admin) })
	r.step("editor creates a weekly series", func() { stepSeries(r, ed) })
	r.step("editor drafts from a news feed", func() { stepFeeds(r, ed) })
	r.step("every menu page", func() { stepEveryMenuPage(r, admin, ed) })
	r.checkConsole()
	t.Logf("browser flow: %v, %d screenshots in %s", time.Since(start).Round(time.Millisecond), r.shots, r.screens)
}

// stepBootstrapAdmin signs in with the one-time password of
// <data_dir>/admin.password, is sent to /password, and changes it; the
// wrong password and the mismatched repeat are shown first.
func stepBootstrapAdmin(r *browserRun, tb *tab) {
	t := r.t
	b, err := os.ReadFile(filepath.Join(r.m.Config.DataDir, "admin.password"))
	if err != nil {
		t.Fatalf("bootstrap password: %v", err)
	}
	oneTime := strings.TrimSpace(string(b))

	tb.open("/", 200) // to the sign-in page
	tb.wantPath("/login")
	tb.check("login")
	tb.set(selLoginUser, "admin")
	tb.set(selLoginPassword, "no-es-la-contraseña")
	if status := tb.submit(selLoginSubmit); status != 401 {
		t.Fatalf("wrong password: status %d, want 401", status)
	}
	tb.check("login-error")

	tb.set(selLoginUser, "admin")
	tb.set(selLoginPassword, oneTime)
	tb.submit(selLoginSubmit)
	tb.wantPath("/password")
	tb.check("password-must-change")

	tb.set(selCurrentPassword, oneTime)
	tb.set(selNewPassword, adminNewPass)
	tb.set(selRepeatPassword, adminNewPass+" distinta")
	if status := tb.submit(selPasswordSubmit); status != 422 {
		t.Fatalf("mismatched repeat: status %d, want 422", status)
	}
	tb.check("password-error")

	tb.set(selCurrentPassword, oneTime)
	tb.set(selNewPassword, adminNewPass)
	tb.set(selRepeatPassword, adminNewPass)
	tb.submit(selPasswordSubmit)
	tb.wantPath("/")
	tb.check("dashboard-admin")
	u, err := r.m.Store.UserByName(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	if u.MustChangePassword {
		t.Error("the admin must still change the password after changing it")
	}
}

// stepSignIn signs a person in; one who must change a password someone
// else chose (a one-time password) changes it to next.
func stepSignIn(tb *tab, username, password, next, page string) {
	tb.open("/login", 200)
	tb.set(selLoginUser, username)
	tb.set(selLoginPassword, password)
	tb.submit(selLoginSubmit)
	if password != next {
		tb.wantPath("/password")
		tb.check("password-must-change-" + page)
		tb.set(selCurrentPassword, password)
		tb.set(selNewPassword, next)
		tb.set(selRepeatPassword, next)
		tb.submit(selPasswordSubmit)
	}
	tb.wantPath("/")
	tb.check("dashboard-" + page)
}

// stepCreateEditor makes the editor: on /users when the page is served,
// else through the API (POST /api/v1/users) as pregonero users add does.
// It returns the editor and the password of the first sign-in.
func stepCreateEditor(r *browserRun, admin *tab) (*pregonero.User, string) {
	t := r.t
	if r.notBuilt("/users", "creating the editor through the API") {
		u, err := r.api.CreateUser(context.Background(), editorName, editorPass, pregonero.RoleEditor, []string{unitComms})
		if err != nil {
			t.Fatal(err)
		}
		return u, editorPass
	}
	return stepCreateEditorOnUsersPage(r, admin)
}

// stepCreateEditorOnUsersPage fills the new-user form of /users.
func stepCreateEditorOnUsersPage(r *browserRun, admin *tab) (*pregonero.User, string) {
	t := r.t
	admin.open("/users", 200)
	admin.check("users")
	if !admin.has(selNewUserForm) {
		t.Fatalf("/users has no form posting to /users (%s)", selNewUserForm)
	}
	form := selNewUserForm + " "
	admin.set(form+`[name="username"]`, editorName)
	asksPassword := admin.has(form + `[name="password"]`)
	if asksPassword {
		admin.set(form+`[name="password"]`, editorPass)
		if admin.has(form + `[name="repeat_password"]`) {
			admin.set(form+`[name="repeat_password"]`, editorPass)
		}
	}
	admin.choose(selNewUserForm, "role", "editor")
	admin.choose(selNewUserForm, "units", unitComms)
	if status := admin.submit(form + `button[type="submit"]`); status != 200 {
		t.Fatalf("add user: status %d; the page says:\n%s", status, admin.mainText())
	}
	admin.check("user-created")
	first := editorPass
	if !asksPassword {
		first = strings.TrimSpace(runIn(admin, chromedp.Evaluate[string](
			fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ""`, jsString(selOneTimePass)))))
		if first == "" {
			t.Fatalf("/users made the user without a password field and shows no one-time password in %s; the page says:\n%s",
				selOneTimePass, admin.mainText())
		}
	}
	us, err := r.api.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.Username == editorName {
			if u.Role != pregonero.RoleEditor || len(u.Units) != 1 || u.Units[0] != unitComms {
				t.Fatalf("/users made %+v, want an editor of %s", u, unitComms)
			}
			return u, first
		}
	}
	t.Fatalf("/users did not create %s", editorName)
	return nil, ""
}

// choose picks value in a form's field called name, whatever control it
// is: a select (single or multiple), checkboxes or radios, or a text
// field.
func (tb *tab) choose(form, name, value string) {
	tb.t.Helper()
	ok := runIn(tb, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const form = document.querySelector(%s);
		if (!form) return false;
		let found = false;
		for (const el of form.querySelectorAll('[name="' + %s + '"]')) {
			if (el.tagName === "SELECT") {
				for (const o of el.options) if (o.value === %s) { o.selected = true; found = true; }
			} else if (el.type === "checkbox" || el.type === "radio") {
				if (el.value === %s) { el.checked = true; found = true; }
			} else {
				el.value = %s; found = true;
			}
			el.dispatchEvent(new Event("input", {bubbles: true}));
			el.dispatchEvent(new Event("change", {bubbles: true}));
		}
		return found;
	})()`, jsString(form), jsString(name), jsString(value), jsString(value), jsString(value))))
	if !ok {
		tb.t.Fatalf("%s: no field %q offers %q; the page says:\n%s", form, name, value, tb.mainText())
	}
}

// stepEditorRefusedUsers checks that an editor gets the 403 page at
// /users.
func stepEditorRefusedUsers(r *browserRun, ed *tab) {
	if r.notBuilt("/users", "skipping the editor's refusal") {
		return
	}
	ed.open("/users", 403)
	ed.check("error-forbidden")
}

// postText is the flow's post: its first 300 characters are too many for
// X; cut to 270 they are not.
func postText() (long, short string) {
	base := []rune(strings.Repeat("Jornada de vacunación gratuita este sábado en los 125 municipios de Antioquia. ", 5))
	return string(base[:300]), strings.TrimSpace(string(base[:270]))
}

// stepCreateCampaign visits the Campañas pages as the admin: the list,
// the form that adds the flow's campaign, the campaign's page it leads
// to, and the list again, which links to it.
func stepCreateCampaign(r *browserRun, admin *tab) *pregonero.Campaign {
	t := r.t
	admin.open("/campaigns", 200)
	admin.check("campaigns")
	if !admin.has(selNewCampaignForm) {
		t.Fatalf("/campaigns has no form posting to /campaigns (%s); the page says:\n%s", selNewCampaignForm, admin.mainText())
	}
	form := selNewCampaignForm + " "
	admin.set(form+`[name="name"]`, campaignName)
	admin.choose(selNewCampaignForm, "unit", unitComms)
	admin.set(form+`[name="plan_line"]`, "Línea 2: Nuestra vida")
	admin.set(form+`[name="starts_on"]`, time.Now().In(r.m.Config.Location()).Format("2006-01-02"))
	admin.set(form+`[name="hashtags"]`, campaignTag)
	admin.set(form+`[name="description"]`, "Vacunación gratuita en los 125 municipios.\nUna publicación por jornada.")
	if status := admin.submit(form + `button[type="submit"]`); status != 200 {
		t.Fatalf("add campaign: status %d at %s; the page says:\n%s", status, admin.path(), admin.mainText())
	}
	m := regexp.MustCompile(`^/campaigns/([^/?#]+)$`).FindStringSubmatch(admin.path())
	if m == nil {
		t.Fatalf("adding the campaign led to %s, not its page; the page says:\n%s", admin.path(), admin.mainText())
	}
	admin.check("campaign-created")
	id, err := url.PathUnescape(m[1])
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.api.Campaign(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != campaignName || c.Unit != unitComms || len(c.Hashtags) != 1 || c.Hashtags[0] != campaignTag {
		t.Errorf("/campaigns made %+v, want %q of %s with %s", c, campaignName, unitComms, campaignTag)
	}
	if text := admin.mainText(); !strings.Contains(text, campaignName) || !strings.Contains(text, campaignTag) {
		t.Errorf("the campaign's page does not show its name and hashtag:\n%s", text)
	}

	admin.open("/campaigns", 200)
	link := fmt.Sprintf(`a[href=%s]`, jsString("/campaigns/"+m[1]))
	if !admin.has(link) {
		t.Errorf("the campaigns list does not link to the new campaign (%s):\n%s", link, admin.mainText())
	}
	admin.check("campaigns-one")
	admin.open("/campaigns/"+m[1], 200)
	admin.check("campaign")
	return c
}

// stepCompose composes the post on /compose (or through the API with the
// editor's own token when the page is not served), in the campaign, and
// returns it.
func stepCompose(r *browserRun, ed *tab, editor *pregonero.User, camp *pregonero.Campaign) *pregonero.Post {
	t := r.t
	long, short := postText()
	photo := testJPEG(t, "vacunacion.jpg", 600, 400)
	loc := r.m.Config.Location()
	if r.notBuilt("/compose", "creating the post through the API with the editor's token") {
		tok, err := r.api.CreateUserToken(context.Background(), editor.ID, "navegador")
		if err != nil {
			t.Fatal(err)
		}
		cl := web.NewClient(r.base, tok.Token, nil)
		f, err := os.Open(photo)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		med, err := cl.UploadMedia(context.Background(), "vacunacion.jpg", f, photoAlt)
		if err != nil {
			t.Fatal(err)
		}
		p, err := cl.CreatePost(context.Background(), web.PostRequest{Text: short, Targets: []string{acctX, acctInstagram}, Campaign: camp.ID,
			Media: []pregonero.PostMedia{{ID: med.ID, AltText: photoAlt}}, ScheduledAt: time.Now().Add(scheduleAhead).In(loc).Format(time.RFC3339)}, "")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	ed.open("/compose", 200)
	ed.check("compose")
	ed.choose(selComposeForm, "targets", acctX)
	ed.choose(selComposeForm, "targets", acctInstagram)
	ed.choose(selComposeForm, selComposeCampaignField, camp.ID)
	ed.do(chromedp.SetUploadFiles(chromedp.CSS(selComposeFile), []string{photo}))
	ed.waitFor("the alt text field of the photo", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(selComposeAlt)), 20*time.Second)
	ed.set(selComposeAlt, photoAlt)

	ed.typeText(selComposeText, long)
	ed.waitFor("X's counter to refuse 300 characters", fmt.Sprintf(`(() => {
		const c = document.querySelector(%s);
		return c !== null && c.classList.contains("over") && c.textContent.includes("300");
	})()`, jsString(selCounterX)), 20*time.Second)
	ed.check("compose-over-limit")
	ed.typeText(selComposeText, short)
	ed.waitFor("X's counter to take 270 characters", fmt.Sprintf(`(() => {
		const c = document.querySelector(%s);
		return c !== null && !c.classList.contains("over") && c.textContent.includes("270");
	})()`, jsString(selCounterX)), 20*time.Second)
	ed.check("compose-valid")

	at := time.Now().Add(scheduleAhead).In(loc).Truncate(time.Second)
	ed.typeText(selComposeWhen, at.Format("2006-01-02 15:04:05"))
	status := ed.submit(selComposeSchedule)
	postPath := regexp.MustCompile(`^/posts/([^/?#]+)`).FindStringSubmatch(ed.path())
	switch {
	case status == 200:
		ed.check("compose-scheduled")
	case status == 404 && postPath != nil && r.notBuilt(postPath[0], "the schedule form led to it"):
	default:
		t.Fatalf("schedule: status %d at %s; the page says:\n%s", status, ed.path(), ed.mainText())
	}
	// The post: the page the form led to, or the one with the text.
	if m := postPath; m != nil {
		p, err := r.api.Post(context.Background(), m[1])
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	page, err := r.api.Posts(context.Background(), url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Posts {
		if p.Text == short {
			return p
		}
	}
	t.Fatalf("no post with the composed text after scheduling; the page (%s) says:\n%s", ed.path(), ed.mainText())
	return nil
}

// stepWatchPublished waits for the post to be published on both
// networks, then checks what the sandbox took: the text, and the photo
// with its alt text, on X and on Instagram.
func stepWatchPublished(r *browserRun, ed *tab, p *pregonero.Post, camp *pregonero.Campaign) {
	t := r.t
	if p.Author != editorName {
		t.Errorf("post author %q, want %q", p.Author, editorName)
	}
	if p.Campaign != camp.ID {
		t.Errorf("post campaign %q, want %s (%s)", p.Campaign, camp.ID, camp.Name)
	}
	if len(p.Targets) != 2 || p.Status != pregonero.PostScheduled {
		t.Fatalf("post %s: %s to %v, want scheduled to %s and %s", p.ID, p.Status, p.Targets, acctX, acctInstagram)
	}
	if d := time.Until(p.ScheduledAt); d < 2*time.Second || d > scheduleAhead+time.Second {
		t.Errorf("post scheduled %v from now, want about %v", d.Round(time.Millisecond), scheduleAhead)
	}
	pollAPI(t, "the post to be published", scheduleAhead+30*time.Second, func() (bool, error) {
		q, err := r.api.Post(context.Background(), p.ID)
		if err != nil {
			return false, err
		}
		switch q.Status {
		case pregonero.PostPublished:
			*p = *q
			return true, nil
		case pregonero.PostFailed, pregonero.PostCanceled, pregonero.PostPartiallyPublished:
			t.Fatalf("post %s: %+v", q.Status, q.Deliveries)
		}
		return false, fmt.Errorf("%w: %s", errNotYet, q.Status)
	})
	if early := p.Deliveries[0].Attempts[0].StartedAt; early.Before(p.ScheduledAt) {
		t.Errorf("sent at %v, before its time %v", early, p.ScheduledAt)
	}
	got := map[string]bool{}
	for _, sp := range sandboxMedia(t, r.m.SandboxAddr).Posts {
		if sp.Text != p.Text {
			continue
		}
		if len(sp.Media) != 1 || sp.Media[0].AltText != photoAlt {
			t.Errorf("%s got media %+v, want the photo with its alt text", sp.Network, sp.Media)
		}
		got[sp.Network] = true
	}
	if !got["x"] || !got["instagram"] {
		t.Errorf("the sandbox has the post on %v, want x and instagram", got)
	}
}

// sandboxPostsWithMedia is what the sandbox took, with the media.
type sandboxPostsWithMedia struct {
	Posts []struct {
		Network string `json:"network"`
		Text    string `json:"text"`
		Media   []struct {
			AltText string `json:"alt_text"`
		} `json:"media"`
	} `json:"posts"`
}

// sandboxMedia reads what the sandbox took.
func sandboxMedia(t *testing.T, addr string) sandboxPostsWithMedia {
	t.Helper()
	var sp sandboxPostsWithMedia
	getJSON(t, "http://"+addr+"/_sandbox/posts", &sp)
	return sp
}

// stepPostPageAndLiveLink opens the post's page, which says it is
// published, names its campaign with a link to the campaign's page and
// links to each live post, and follows the X link to the sandbox's page
// of the post.
func stepPostPageAndLiveLink(r *browserRun, ed *tab, p *pregonero.Post, camp *pregonero.Campaign) {
	t := r.t
	if r.notBuilt("/posts/"+p.ID, "skipping the post page and its live link") {
		return
	}
	ed.open("/posts/"+p.ID, 200)
	ed.check("post")
	if text := ed.mainText(); !strings.Contains(text, esPublished) {
		t.Errorf("the post page does not say %q:\n%s", esPublished, text)
	}
	campLink := fmt.Sprintf(`a[href=%s]`, jsString("/campaigns/"+url.PathEscape(camp.ID)))
	if got := runIn(ed, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ""`, jsString(campLink)))); got != camp.Name {
		t.Errorf("the post page's link to its campaign (%s) says %q, want %q", campLink, got, camp.Name)
	}
	var xURL string
	for _, d := range p.Deliveries {
		if !ed.has(fmt.Sprintf(`a[href=%s]`, jsString(d.URL))) {
			t.Errorf("the post page has no link to %s's live post %s", d.AccountID, d.URL)
		}
		if d.AccountID == acctX {
			xURL = d.URL
		}
	}
	if xURL == "" || !ed.has(fmt.Sprintf(`a[href=%s]`, jsString(xURL))) {
		return
	}
	// Followed in this tab: a link that opens another one leads to the
	// same address.
	ed.do(chromedp.Navigate(xURL))
	if text := ed.mainText(); !strings.Contains(strings.ToLower(text), "sandbox") {
		t.Errorf("the live link %s leads to a page that does not say sandbox:\n%s", xURL, text)
	}
}

// stepCampaignPosts opens the campaign's page as the editor, from the
// link on the post's page: it lists the post, linked to its page.
func stepCampaignPosts(r *browserRun, ed *tab, p *pregonero.Post, camp *pregonero.Campaign) {
	path := "/campaigns/" + url.PathEscape(camp.ID)
	ed.open("/posts/"+p.ID, 200)
	if status := ed.submit(fmt.Sprintf(`a[href=%s]`, jsString(path))); status != 200 {
		r.t.Fatalf("the post page's campaign link: status %d at %s", status, ed.path())
	}
	ed.wantPath(path)
	if !ed.has(fmt.Sprintf(`a[href=%s]`, jsString("/posts/"+p.ID))) {
		r.t.Errorf("the campaign's page does not list the post %s; it says:\n%s", p.ID, ed.mainText())
	}
	ed.check("campaign-posts")
}

// stepPause pauses all publishing with a reason, on /pause (through the
// API when the page is not served); the admin's and the editor's pages
// show the banner with the reason.
func stepPause(r *browserRun, admin, ed *tab) {
	t := r.t
	if r.notBuilt("/pause", "pausing through the API, checking the banner") {
		if err := r.api.Pause(context.Background(), "", pauseReason); err != nil {
			t.Fatal(err)
		}
		admin.open("/", 200)
	} else {
		admin.open("/pause", 200)
		admin.check("pause")
		admin.set(selPauseReason, pauseReason)
		if admin.has(selPauseConfirm) {
			admin.do(chromedp.Click(chromedp.CSS(selPauseConfirm)))
		}
		if status := admin.submit(selPauseSubmit); status != 200 {
			t.Fatalf("pause: status %d; the page says:\n%s", status, admin.mainText())
		}
	}
	ps, err := r.api.PauseState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !ps.Paused || ps.Reason != pauseReason {
		t.Fatalf("pause state %+v, want paused for %q", ps, pauseReason)
	}
	for _, tb := range []*tab{admin, ed} {
		if tb == ed {
			tb.open("/", 200)
		}
		tb.waitFor("the crisis banner", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(selBanner)), 10*time.Second)
		banner := runIn(tb, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%s).closest("section").innerText`, jsString(selBanner))))
		if !strings.Contains(banner, esPaused) || !strings.Contains(banner, pauseReason) {
			t.Errorf("%s sees the banner %q; want %q and the reason %q", tb.who, banner, esPaused, pauseReason)
		}
		tb.check("paused-" + tb.who)
	}
}

// stepResume resumes publishing on /pause (through the API when the page
// is not served); the banner is gone.
func stepResume(r *browserRun, admin, ed *tab) {
	t := r.t
	if r.notBuilt("/pause", "resuming through the API") {
		if _, err := r.api.Resume(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
	} else {
		admin.open("/pause", 200)
		admin.check("pause-resume")
		if status := admin.submit(selResumeSubmit); status != 200 {
			t.Fatalf("resume: status %d; the page says:\n%s", status, admin.mainText())
		}
		admin.check("resumed")
	}
	if ps, err := r.api.PauseState(context.Background()); err != nil || ps.Paused {
		t.Fatalf("after resuming: %+v, %v", ps, err)
	}
	for _, tb := range []*tab{admin, ed} {
		tb.open("/", 200)
		if tb.has(selBanner) {
			t.Errorf("%s still sees the crisis banner after resuming", tb.who)
		}
	}
}

// stepEveryMenuPage opens every page of each person's menu: the pages
// added later are checked and photographed without a step of their own.
func stepEveryMenuPage(r *browserRun, tabs ...*tab) {
	seen := map[string]bool{}
	for _, tb := range tabs {
		tb.open("/", 200)
		hrefs := runIn(tb, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll(%s)].map(a => a.getAttribute("href"))`, jsString(selMenuLinks))))
		if len(hrefs) == 0 {
			r.t.Errorf("%s's menu is empty", tb.who)
		}
		for _, h := range hrefs {
			key := tb.who + " " + h
			if seen[key] || !strings.HasPrefix(h, "/") {
				continue
			}
			seen[key] = true
			tb.open(h, 200)
			tb.check("menu-" + pageName(h) + "-" + tb.who)
		}
	}
}

// pageName names a page's screenshots after its path.
func pageName(path string) string {
	path = strings.Trim(path, "/")
	if path == "" {
		return "dashboard"
	}
	return strings.NewReplacer("/", "-", "?", "-", "=", "-", "&", "-").Replace(path)
}

// metricsWait bounds the wait for the collector's readings of the post.
// Its first cycle once the post is out on every network (a cycle yields
// while a delivery is being sent) places the deliveries in their
// schedule and reads them, their first step past; a cycle after X's next
// step reads X again.
const metricsWait = 45 * time.Second

// stepReports waits for the collector, running every collectionEvery on
// collectionSchedule, to read the post's engagement from the sandbox's X
// (twice) and Instagram (once), and the followers of both accounts, which
// it reads once a day per account; then opens the post's page, which
// draws the deliveries' metrics over time, the campaign's report, with
// the accounts' followers and its CSV download, and Reportes.
func stepReports(r *browserRun, ed *tab, p *pregonero.Post, camp *pregonero.Campaign) {
	t := r.t
	ctx := context.Background()
	var xd *pregonero.Delivery
	for _, d := range p.Deliveries {
		if d.AccountID == acctX {
			xd = d
		}
	}
	if xd == nil {
		t.Fatalf("post %s has no delivery to %s", p.ID, acctX)
	}
	// The raw metric each network's reader names as the network does:
	// readings with it came from the network, through the adapter.
	wantReadings := map[string]struct {
		raw string
		n   int
	}{acctX: {"public_metrics.like_count", 2}, acctInstagram: {"like_count", 1}}
	var report *posting.Report
	pollAPI(t, "the collector's readings of the post on X and Instagram, and of the accounts' followers", metricsWait, func() (bool, error) {
		pm, err := r.api.PostMetrics(ctx, p.ID)
		if err != nil {
			return false, err
		}
		read := map[string]int{}
		for _, d := range pm.Deliveries {
			w := wantReadings[d.Account]
			for _, s := range d.Snapshots {
				_, raw := s.Raw[w.raw]
				if _, likes := s.Metrics[pregonero.MetricLikes]; !raw || !likes {
					t.Fatalf("a reading of %s without %s or likes: %+v", d.Account, w.raw, s)
				}
			}
			read[d.Account] = len(d.Snapshots)
		}
		for acct, w := range wantReadings {
			if read[acct] < w.n {
				return false, fmt.Errorf("%w: readings %v, want at least %d of %s", errNotYet, read, w.n, acct)
			}
		}
		if report, err = r.api.CampaignReport(ctx, camp.ID, posting.ReportParams{}); err != nil {
			return false, err
		}
		for _, fg := range report.Followers {
			if fg.End == nil {
				return false, fmt.Errorf("%w: no followers of %s in the campaign's report", errNotYet, fg.Account)
			}
		}
		if len(report.Followers) != len(wantReadings) {
			return false, fmt.Errorf("the campaign's report has the followers of %+v, want %s's and %s's", report.Followers, acctX, acctInstagram)
		}
		return true, nil
	})

	ed.open("/posts/"+p.ID, 200)
	ed.waitFor("the chart of the X delivery's metrics", `document.querySelectorAll('svg.chart-svg[role="img"] .pt').length > 0`, 5*time.Second)
	if text := ed.mainText(); !strings.Contains(text, "Métricas en el tiempo") {
		t.Errorf("the post page has no metrics section:\n%s", text)
	}
	ed.check("post-metrics")
	checkChartText(t, ed)

	reportPath := "/campaigns/" + url.PathEscape(camp.ID) + "/report"
	ed.open("/campaigns/"+url.PathEscape(camp.ID), 200)
	if status := ed.submit(fmt.Sprintf(`a[href=%s]`, jsString(reportPath))); status != 200 {
		t.Fatalf("the campaign page's report link: status %d at %s", status, ed.path())
	}
	ed.wantPath(reportPath)
	if !ed.has(fmt.Sprintf(`a[href=%s]`, jsString("/posts/"+p.ID))) || !ed.has(`svg.chart-svg[role="img"]`) {
		t.Errorf("the campaign report does not list the post among its top posts or draws no chart:\n%s", ed.mainText())
	}
	checkFollowers(t, ed, report)
	ed.check("campaign-report")
	checkChartText(t, ed)
	csv := runIn(ed, chromedp.Evaluate[string](`fetch(document.querySelector('a[href^="/reports/metrics.csv?"]').getAttribute("href"))
		.then(async r => r.status + " " + r.headers.get("Content-Type") + " " + (await r.text()).includes(`+jsString(xd.URL)+`))`, chromedp.EvalAwaitPromise))
	if csv != "200 text/csv; charset=utf-8 true" {
		t.Errorf("the report's CSV download through the session: got %q, want 200, text/csv and the post's X link", csv)
	}

	ed.open("/reports", 200)
	if text := ed.mainText(); !strings.Contains(text, unitComms) {
		t.Errorf("Reportes has no group for %s:\n%s", unitComms, text)
	}
	ed.check("reports")
	checkChartText(t, ed)
}

// minChartText is the smallest size, in CSS pixels, of a chart's text on
// the phone's screen.
const minChartText = 11

// checkChartText checks that the text of the page's charts, whose SVG
// scales with the width they get, is still readable on the phone's
// screen, where they are narrowest.
func checkChartText(t *testing.T, ed *tab) {
	t.Helper()
	phone, desktop := screenSizes[1], screenSizes[0]
	ed.do(chromedp.EmulateViewport(phone.width, phone.height, chromedp.EmulateMobile, chromedp.EmulatePortrait))
	defer ed.do(chromedp.EmulateViewport(desktop.width, desktop.height))
	type size struct {
		Text string  `json:"text"`
		PX   float64 `json:"px"`
	}
	sizes := runIn(ed, chromedp.Evaluate[[]size](`[...document.querySelectorAll("svg.chart-svg")].flatMap(svg => {
		const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
		return [...svg.querySelectorAll("text")].map(el => ({text: el.textContent, px: parseFloat(getComputedStyle(el).fontSize) * scale}));
	})`))
	if len(sizes) == 0 {
		t.Errorf("%s: no chart text to measure", ed.path())
	}
	for _, s := range sizes {
		if s.PX < minChartText {
			t.Errorf("%s: the chart text %q is %.1f px on the %s screen, want at least %d", ed.path(), s.Text, s.PX, phone.name, minChartText)
		}
	}
}

// checkFollowers checks the campaign report's "Seguidores de las cuentas":
// a row for each account of the report, with the first and the last
// count read.
func checkFollowers(t *testing.T, ed *tab, report *posting.Report) {
	t.Helper()
	rows := runIn(ed, chromedp.Evaluate[[][]string](`[...document.querySelectorAll('section[aria-labelledby$="-followers"] table tbody tr')]
		.map(tr => [...tr.querySelectorAll("th, td")].map(c => c.innerText.trim()))`))
	byName := map[string][]string{}
	for _, row := range rows {
		if len(row) > 0 {
			byName[row[0]] = row[1:]
		}
	}
	for _, fg := range report.Followers {
		row, ok := byName[fg.Name]
		if !ok {
			t.Errorf("the campaign report's followers have no row for %s (%s): %q", fg.Name, fg.Account, rows)
			continue
		}
		// The network, the first count, the last, the change.
		if len(row) != 4 || row[1] == "—" || row[2] == "—" {
			t.Errorf("the campaign report's followers of %s: %q; want the counts read (%d, %d)", fg.Name, row, *fg.Start, *fg.End)
		}
	}
}

// What the connection step expects of the pages: Cuentas links to
// /accounts/connect; its form posts to /accounts/connect with a "network"
// (radios whose values are the networks) and a "unit"; the network's
// consent screen (the sandbox's) has the field #usuario and the buttons
// #autorizar and #cancelar; the picker's form posts to a path ending in
// /choose, with a checkbox "pick" per profile and its "account-N" id.
const (
	selConnectLink   = `a[href="/accounts/connect"]`
	selConnectForm   = `form[action="/accounts/connect"]`
	selConsentUser   = `#usuario`
	selConsentOK     = `#autorizar`
	selPickerForm    = `form[action$="/choose"]`
	connectXUser     = "saludantioquia"
	connectAccountID = "x-" + connectXUser
)

// stepConnectAccount connects an X account as an admin does: Cuentas,
// Conectar cuenta, X and the dependencia, the sandbox's consent screen
// as the X user connectXUser, Autorizar, back at /accounts/callback/x and
// on to the picker, where the profile comes checked with its suggested
// id; the account is then listed on Cuentas, active, with its handle.
func stepConnectAccount(r *browserRun, admin *tab) {
	t := r.t
	if r.notBuilt("/accounts/connect", "skipping connecting an account") {
		return
	}
	admin.open("/accounts", 200)
	admin.submit(selConnectLink)
	admin.wantPath("/accounts/connect")
	admin.check("connect-start")
	admin.choose(selConnectForm, "network", "x")
	admin.set(selConnectForm+` [name="unit"]`, unitComms)
	// The form leads to the connection's page, whose script goes on to
	// the consent screen.
	admin.submit(selConnectForm + ` button[type="submit"]`)
	admin.waitFor("the consent screen", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(selConsentOK)), 15*time.Second)
	admin.set(selConsentUser, connectXUser)
	// The consent screen is the sandbox's, not Pregonero's: screenshots
	// only.
	admin.screenshots("connect-consent")
	if status := admin.submit(selConsentOK); status != 200 {
		t.Fatalf("back from the consent screen: status %d at %s; the page says:\n%s", status, admin.path(), admin.mainText())
	}
	if p := admin.path(); !strings.HasPrefix(p, "/accounts/connect/") {
		t.Fatalf("back from the consent screen at %s, want the picker; the page says:\n%s", p, admin.mainText())
	}
	admin.check("connect-picker")
	form := selPickerForm + " "
	if !admin.has(form + `input[type="checkbox"][name="pick"]:checked`) {
		t.Errorf("the only profile does not come checked; the page says:\n%s", admin.mainText())
	}
	id := runIn(admin, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%s) || {}).value || ""`, jsString(form+`[name="account-0"]`))))
	if id != connectAccountID {
		t.Errorf("the suggested account id is %q, want %q", id, connectAccountID)
	}
	admin.set(form+`[name="unit-0"]`, unitComms)
	admin.submit(form + `button[type="submit"]`)
	admin.wantPath("/accounts")
	text := admin.mainText()
	if !strings.Contains(text, "Cuentas conectadas:") || !strings.Contains(text, "@"+connectXUser) {
		t.Errorf("Cuentas does not say the account was connected:\n%s", text)
	}
	card := runIn(admin, chromedp.Evaluate[string](fmt.Sprintf(`(document.getElementById(%s) || {}).innerText || ""`, jsString("acc-"+connectAccountID))))
	if !strings.Contains(card, "@"+connectXUser) || !strings.Contains(card, "activa") {
		t.Errorf("the card of %s does not show it active with its handle:\n%s", connectAccountID, card)
	}
	admin.check("connect-done")
	accounts, err := r.api.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		if a.ID == connectAccountID {
			if a.Network != pregonero.NetworkX || a.Status != pregonero.AccountActive || a.Source != pregonero.AccountConnected ||
				a.Unit != unitComms || a.Handle != "@"+connectXUser || a.ConnectedBy != "admin" {
				t.Errorf("the connected account is %+v", a)
			}
			return
		}
	}
	t.Errorf("no account %s after connecting it", connectAccountID)
}

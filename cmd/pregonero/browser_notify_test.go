package main_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"pregonero"
	"pregonero/adapters/sandbox"
	"pregonero/web"
)

// The admin's address for notifications in the browser test.
const notifyEmail = "admin@antioquia.gov.co"

// stepNotify: the admin asks, on Notificaciones, to hear of failures by
// e-mail; a sandbox fault makes X refuse the next post for good, and the
// e-mail that says so, in Spanish, shows in the sandbox's mail sink.
func stepNotify(r *browserRun, admin *tab) {
	t := r.t
	ctx := context.Background()
	// The server's own token belongs to nobody: without the page there
	// is no person to subscribe.
	if r.notBuilt("/notifications", "step skipped") {
		return
	}
	admin.open("/notifications", 200)
	admin.set("#email", notifyEmail)
	admin.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const box = document.querySelector('input[name="events"][value="delivery_failed"]');
		if (!box) throw new Error("no delivery_failed checkbox");
		box.checked = true;
	})()`))
	if status := admin.submit(`form[action="/notifications"] button[type="submit"]`); status != 200 {
		t.Fatalf("save notifications: status %d; the page says:\n%s", status, admin.mainText())
	}
	admin.wantPath("/notifications")
	if !admin.has(`input[name="events"][value="delivery_failed"]:checked`) {
		t.Fatalf("the saved settings do not show delivery_failed checked; the page says:\n%s", admin.mainText())
	}
	admin.check("notifications")

	sb := "http://" + r.m.SandboxAddr
	postJSON(t, sb+"/_sandbox/faults", `{"network":"x","op":"create","mode":"error","status":400,"count":1}`)
	defer deleteURL(t, sb+"/_sandbox/faults")
	p, err := r.api.CreatePost(ctx, web.PostRequest{Text: "Aviso de prueba: esta publicación falla a propósito " + time.Now().Format("150405.000"),
		Targets: []string{acctX}}, "")
	if err != nil {
		t.Fatal(err)
	}
	pollAPI(t, "the post to fail", 30*time.Second, func() (bool, error) {
		got, err := r.api.Post(ctx, p.ID)
		if err != nil {
			return false, err
		}
		if got.Status == pregonero.PostFailed {
			return true, nil
		}
		return false, fmt.Errorf("post is %s", got.Status)
	})
	var mail struct {
		Messages []sandbox.MailMessage `json:"messages"`
	}
	pollAPI(t, "the failure's e-mail in the sandbox mail sink", 30*time.Second, func() (bool, error) {
		getJSON(t, sb+"/_sandbox/mail?to="+url.QueryEscape(notifyEmail), &mail)
		for _, m := range mail.Messages {
			if strings.Contains(m.Subject, "Falló una publicación") && strings.Contains(m.Text, "/posts/"+p.ID) {
				return true, nil
			}
		}
		return false, fmt.Errorf("%d messages, none about %s", len(mail.Messages), p.ID)
	})
	admin.open("/notifications", 200)
	admin.check("notifications-admin")
}

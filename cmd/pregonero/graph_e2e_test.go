package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	main "pregonero/cmd/pregonero"
	"pregonero/media/mediatest"
)

// mustRunGraphMain starts Main in-process with the embedded sandbox and a
// Facebook page plus its linked Instagram account per page id, on a fixed
// free port so that public_url (where the sandbox fetches Instagram media
// from) is known before the server starts.
func mustRunGraphMain(t *testing.T, pages ...string) (*main.Main, *api) {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := writeGraphConfig(t, dir, "127.0.0.1:0", "http://"+addr, pages...)
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := strings.Replace(string(raw), "embedded: false", "embedded: true", 1)
	b = strings.Replace(b, "listen: 127.0.0.1:0\n", "listen: "+addr+"\n", 1)
	if err := os.WriteFile(cfg, []byte(b), 0o600); err != nil {
		t.Fatal(err)
	}
	m := main.NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"-config", cfg}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, newAPI(t, "http://"+m.Addr, m.Config.DataDir)
}

type graphDelivery struct {
	State         string    `json:"state"`
	HoldReason    string    `json:"hold_reason"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	RemoteID      string    `json:"remote_id"`
	URL           string    `json:"url"`
	LastError     *struct {
		Class string `json:"class"`
		Code  string `json:"code"`
	} `json:"last_error"`
	Attempts []struct {
		Outcome    string `json:"outcome"`
		Code       string `json:"code"`
		Reconciled string `json:"reconciled"`
	} `json:"attempts"`
}

// TestGraphErrorClassesEndToEnd drives each failure Meta documents for
// Facebook and Instagram through the sandbox's fault injection and checks
// what the delivery, and the account, became.
func TestGraphErrorClassesEndToEnd(t *testing.T) {
	cases := []struct {
		name    string
		network string // facebook or instagram
		fault   string
		// settled reports whether the delivery reached its final state
		// for the case; check then asserts it.
		settled func(d graphDelivery) bool
		check   func(t *testing.T, d graphDelivery, acct accountView, onNetwork int)
	}{
		{
			name: "FacebookTokenInvalidatedHoldsForReauth", network: "facebook",
			fault:   `{"network":"facebook","op":"create","mode":"error","status":400,"code":190,"subcode":460}`,
			settled: func(d graphDelivery) bool { return d.State == "held" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if d.HoldReason != "needs_reauth" || acct.Status != "needs_reauth" || n != 0 {
					t.Errorf("got hold %q, account %q, %d posts; want needs_reauth, needs_reauth, 0", d.HoldReason, acct.Status, n)
				}
			},
		},
		{
			name: "FacebookPolicyBlockPausesThePage", network: "facebook",
			fault:   `{"network":"facebook","op":"create","mode":"error","status":400,"code":368}`,
			settled: func(d graphDelivery) bool { return d.State == "held" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if d.HoldReason != "account_blocked" || acct.Status != "paused" || n != 0 {
					t.Errorf("got hold %q, account %q, %d posts; want account_blocked, paused, 0", d.HoldReason, acct.Status, n)
				}
			},
		},
		{
			name: "FacebookPageThrottleWaitsForRegainedAccess", network: "facebook",
			fault:   `{"network":"facebook","op":"create","mode":"error","status":400,"code":32}`,
			settled: func(d graphDelivery) bool { return d.State == "queued" && len(d.Attempts) > 0 },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if last := d.Attempts[len(d.Attempts)-1]; last.Outcome != "rate_limited" {
					t.Errorf("got outcome %q, want rate_limited", last.Outcome)
				}
				if wait := time.Until(d.NextAttemptAt); wait < 4*time.Minute {
					t.Errorf("next attempt in %v, want the 5 minutes the page was told to wait", wait)
				}
			},
		},
		{
			name: "FacebookDuplicateOnFirstSendFails", network: "facebook",
			fault:   `{"network":"facebook","op":"create","mode":"error","status":400,"code":506}`,
			settled: func(d graphDelivery) bool { return d.State == "failed" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if d.LastError == nil || d.LastError.Code != "facebook_duplicate" {
					t.Errorf("got last error %+v, want facebook_duplicate", d.LastError)
				}
			},
		},
		{
			name: "FacebookTransientIsReconciledThenSentOnce", network: "facebook",
			fault:   `{"network":"facebook","op":"create","mode":"error","status":503,"count":1}`,
			settled: func(d graphDelivery) bool { return d.State == "published" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if n != 1 || len(d.Attempts) != 2 || d.Attempts[0].Reconciled != "absent" {
					t.Errorf("got %d posts and attempts %+v; want 1 post after an unknown attempt reconciled absent", n, d.Attempts)
				}
			},
		},
		{
			name: "FacebookLostAnswerIsFoundByReconciliation", network: "facebook",
			fault:   `{"network":"facebook","op":"create","mode":"drop_after_accept","count":1}`,
			settled: func(d graphDelivery) bool { return d.State == "published" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if n != 1 || len(d.Attempts) != 1 || d.Attempts[0].Reconciled != "found" || d.RemoteID == "" {
					t.Errorf("got %d posts, remote id %q, attempts %+v; want 1 post found by reconciliation", n, d.RemoteID, d.Attempts)
				}
			},
		},
		{
			name: "FacebookInvalidParameterFails", network: "facebook",
			fault:   `{"network":"facebook","op":"create","mode":"error","status":400,"code":100}`,
			settled: func(d graphDelivery) bool { return d.State == "failed" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if d.LastError == nil || d.LastError.Class != "permanent" || n != 0 {
					t.Errorf("got last error %+v and %d posts, want permanent and 0", d.LastError, n)
				}
			},
		},
		{
			name: "FacebookPermissionMissingFails", network: "facebook",
			fault:   `{"network":"facebook","op":"create","mode":"error","status":403,"code":200}`,
			settled: func(d graphDelivery) bool { return d.State == "failed" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if d.LastError == nil || d.LastError.Class != "permanent" {
					t.Errorf("got last error %+v, want permanent", d.LastError)
				}
			},
		},
		{
			name: "InstagramNotReadyIsPublishedOnce", network: "instagram",
			fault:   `{"network":"instagram","op":"publish","mode":"error","status":400,"code":9007,"subcode":2207027,"count":2}`,
			settled: func(d graphDelivery) bool { return d.State == "published" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if n != 1 {
					t.Errorf("got %d posts, want 1", n)
				}
			},
		},
		{
			name: "InstagramPublishingLimitWaits", network: "instagram",
			fault:   `{"network":"instagram","op":"publish","mode":"error","status":400,"code":9,"subcode":2207042}`,
			settled: func(d graphDelivery) bool { return d.State == "queued" && len(d.Attempts) > 0 },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if last := d.Attempts[len(d.Attempts)-1]; last.Outcome != "rate_limited" || !d.NextAttemptAt.After(time.Now().Add(30*time.Minute)) {
					t.Errorf("got outcome %q next at %v, want rate_limited for a while", last.Outcome, d.NextAttemptAt)
				}
			},
		},
		{
			name: "InstagramSpamRestrictionPausesTheAccount", network: "instagram",
			fault:   `{"network":"instagram","op":"publish","mode":"error","status":400,"code":4,"subcode":2207051}`,
			settled: func(d graphDelivery) bool { return d.State == "held" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if d.HoldReason != "account_blocked" || acct.Status != "paused" || n != 0 {
					t.Errorf("got hold %q, account %q, %d posts; want account_blocked, paused, 0", d.HoldReason, acct.Status, n)
				}
			},
		},
		{
			name: "InstagramTokenInvalidHoldsForReauth", network: "instagram",
			fault:   `{"network":"instagram","op":"container","mode":"error","status":400,"code":190,"subcode":463}`,
			settled: func(d graphDelivery) bool { return d.State == "held" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if d.HoldReason != "needs_reauth" || acct.Status != "needs_reauth" {
					t.Errorf("got hold %q, account %q; want needs_reauth twice", d.HoldReason, acct.Status)
				}
			},
		},
		{
			name: "InstagramUnreachableMediaIsRetriedWithANewContainer", network: "instagram",
			fault:   `{"network":"instagram","op":"fetch","mode":"error","status":503,"count":1}`,
			settled: func(d graphDelivery) bool { return d.State == "published" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if n != 1 || len(d.Attempts) < 2 || d.Attempts[0].Outcome != "retryable" {
					t.Errorf("got %d posts and attempts %+v; want a retryable attempt then one post", n, d.Attempts)
				}
			},
		},
		{
			name: "InstagramImageTooLargeFails", network: "instagram",
			fault:   `{"network":"instagram","op":"container","mode":"error","status":400,"code":36000,"subcode":2207004}`,
			settled: func(d graphDelivery) bool { return d.State == "failed" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if d.LastError == nil || d.LastError.Class != "permanent" || n != 0 {
					t.Errorf("got last error %+v and %d posts, want permanent and 0", d.LastError, n)
				}
			},
		},
		{
			name: "InstagramLostPublishAnswerIsFoundByReconciliation", network: "instagram",
			fault:   `{"network":"instagram","op":"publish","mode":"drop_after_accept","count":1}`,
			settled: func(d graphDelivery) bool { return d.State == "published" },
			check: func(t *testing.T, d graphDelivery, acct accountView, n int) {
				if n != 1 || d.Attempts[0].Reconciled != "found" || d.RemoteID == "" {
					t.Errorf("got %d posts, remote id %q, attempts %+v; want 1 post found by reconciliation", n, d.RemoteID, d.Attempts)
				}
			},
		},
	}
	var pages []string
	for i := range cases {
		pages = append(pages, fmt.Sprintf("20%04d", i))
	}
	m, a := mustRunGraphMain(t, pages...)
	sb := "http://" + m.SandboxAddr
	photo := a.upload("foto.jpg", mediatest.JPEG(320, 320, 7), "Parque Arví")

	// One case at a time: fault rules apply to a whole network.
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			postJSON(t, sb+"/_sandbox/faults", tc.fault)
			defer deleteURL(t, sb+"/_sandbox/faults")
			acct := "fb-" + pages[i]
			body := map[string]any{"text": fmt.Sprintf("Caso %d: %s #Antioquia", i, tc.name)}
			if tc.network == "instagram" {
				acct = "ig-" + pages[i]
				body["media"] = []string{photo}
			}
			body["targets"] = []string{acct}
			var p struct {
				ID         string          `json:"id"`
				Deliveries []graphDelivery `json:"deliveries"`
			}
			if code := a.do("POST", "/api/v1/posts", body, &p); code != http.StatusCreated {
				t.Fatalf("create: %d", code)
			}
			deadline := time.Now().Add(15 * time.Second)
			for {
				a.do("GET", "/api/v1/posts/"+p.ID, nil, &p)
				if tc.settled(p.Deliveries[0]) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("delivery never settled: %+v", p.Deliveries[0])
				}
				time.Sleep(50 * time.Millisecond)
			}
			n := 0
			for _, sp := range getSandboxPosts(t, m.SandboxAddr).Posts {
				if sp.Network == tc.network && sp.Text == body["text"] {
					n++
				}
			}
			tc.check(t, p.Deliveries[0], accountOf(t, a, acct), n)
		})
	}
}

type accountView struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func accountOf(t *testing.T, a *api, id string) accountView {
	t.Helper()
	var list struct {
		Accounts []accountView `json:"accounts"`
	}
	a.do("GET", "/api/v1/accounts", nil, &list)
	for _, ac := range list.Accounts {
		if ac.ID == id {
			return ac
		}
	}
	t.Fatalf("no account %s", id)
	return accountView{}
}

func postJSON(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
}

func deleteURL(t *testing.T, url string) {
	t.Helper()
	req, _ := http.NewRequest("DELETE", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestInstagramBadInputRefusedAtCreation checks that what Instagram would
// refuse when the post is due is refused when it is queued, with the field
// named, and that media URLs cannot be forged.
func TestInstagramBadInputRefusedAtCreation(t *testing.T) {
	m, a := mustRunGraphMain(t, "300001")
	jpg := a.upload("foto.jpg", mediatest.JPEG(320, 320, 3), "")
	png := a.upload("grafico.png", mediatest.PNG(320, 320, 0), "")
	eleven := []string{}
	for i := range 11 {
		eleven = append(eleven, a.upload(fmt.Sprintf("f%d.jpg", i), mediatest.JPEG(320, 320, uint8(10+i)), ""))
	}
	for _, tc := range []struct {
		name  string
		media []string
		field string
	}{
		{"WithoutMedia", nil, "media"},
		{"WithAPNG", []string{png}, "media[0]"},
		{"WithElevenCarouselItems", eleven, "media"},
		{"WithUnknownMedia", []string{jpg, "m_000000000000000000000000"}, "media"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e struct {
				Error struct {
					Code   string `json:"code"`
					Fields []struct {
						Target, Field, Code, Message string
					} `json:"fields"`
				} `json:"error"`
			}
			code := a.do("POST", "/api/v1/posts", map[string]any{"text": "Hola Antioquia", "targets": []string{"ig-300001"}, "media": tc.media}, &e)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", code)
			}
			found := false
			for _, f := range e.Error.Fields {
				if f.Field == tc.field && f.Message != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("no error on field %s: %+v", tc.field, e.Error.Fields)
			}
		})
	}
	t.Run("UnreadableFileIsRefusedAtUpload", func(t *testing.T) {
		b := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 200)...) // a JPEG header and nothing after
		status := a.uploadStatus("roto.jpg", b)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("got %d, want 422", status)
		}
	})
	t.Run("ForgedMediaURLIsForbidden", func(t *testing.T) {
		resp, err := http.Get("http://" + m.Addr + "/media/" + jpg + "?exp=4102444800&sig=AAAA")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("got %d, want 403", resp.StatusCode)
		}
	})
}

// Without public_url Meta cannot fetch media: an Instagram post with media
// is refused when queued, naming the setting, not when it is due.
func TestInstagramWithoutPublicURLIsRefusedAtCreation(t *testing.T) {
	cfg := writeGraphConfig(t, t.TempDir(), "127.0.0.1:0", `""`, "400001")
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(raw), "embedded: false", "embedded: true", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	m := main.NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"-config", cfg}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)
	photo := a.upload("foto.jpg", mediatest.JPEG(320, 320, 5), "")
	var e struct {
		Error struct {
			Fields []struct{ Target, Field, Message string } `json:"fields"`
		} `json:"error"`
	}
	if code := a.do("POST", "/api/v1/posts", map[string]any{"text": "Hola", "targets": []string{"ig-400001"}, "media": []string{photo}}, &e); code != http.StatusUnprocessableEntity {
		t.Fatalf("got %d, want 422", code)
	}
	for _, f := range e.Error.Fields {
		if f.Target == "ig-400001" && f.Field == "media" && strings.Contains(f.Message, "public_url") {
			return
		}
	}
	t.Errorf("no error naming public_url: %+v", e.Error.Fields)
}

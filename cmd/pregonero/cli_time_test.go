package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pregonero"
	main "pregonero/cmd/pregonero"
	"pregonero/posting"
)

// createJSON queues a post through the CLI and returns it.
func createJSON(t *testing.T, m *main.Main, args ...string) pregonero.Post {
	t.Helper()
	code, out, errs := cli(t, m, "", append([]string{"post", "create", "-json"}, args...)...)
	if code != 0 {
		t.Fatalf("post create %v: exit %d: %s", args, code, errs)
	}
	var p pregonero.Post
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return p
}

// The CLI reads the times people type, in the zone, and sends the server
// RFC 3339 with the offset.
func TestCLIReadsTimesAsPeopleTypeThem(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")
	bog := m.Config.Location()
	for _, at := range []string{"mañana 09:00", "manana 9:30", "+90m", "+2h", "lunes 08:30", "24/12/2026 09:00", "09:00", "hoy 23:59", "2026-12-24 09:00"} {
		before := time.Now()
		want, err := posting.ParseHuman(at, before, bog)
		if err != nil {
			t.Fatal(err)
		}
		if !want.After(before) {
			continue // "hoy 23:59" run a minute before midnight: the server rightly refuses it
		}
		p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Hora: "+at, "-at", at)
		if d := p.ScheduledAt.Sub(want); d < -time.Second || d > time.Second+time.Since(before) {
			t.Errorf("-at %q: scheduled at %v, want %v", at, p.ScheduledAt.In(bog), want.In(bog))
		}
	}
	// What it cannot read is refused before anything is sent, listing the
	// forms it takes.
	code, _, errs := cli(t, m, "", "post", "create", "-target", "x-gobantioquia", "-text", "x", "-at", "pronto")
	if code != 2 || !strings.Contains(errs, "mañana 09:00") || !strings.Contains(errs, "+90m") {
		t.Errorf("-at pronto: exit %d, stderr %q", code, errs)
	}
	// The text output says when, in the zone.
	code, out, errs := cli(t, m, "", "post", "create", "-target", "x-gobantioquia", "-text", "Mañana a las nueve", "-at", "mañana 09:00")
	tomorrow := time.Now().In(bog).AddDate(0, 0, 1).Format("2006-01-02")
	if code != 0 || !strings.Contains(out, tomorrow+" 09:00 -05 (America/Bogota)") {
		t.Errorf("create: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TZ, else the configuration's timezone, decides the zone; -tz wins.
func TestCLIZone(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tomorrow9 := func(loc *time.Location) time.Time {
		y, mo, d := time.Now().In(loc).AddDate(0, 0, 1).Date()
		return time.Date(y, mo, d, 9, 0, 0, 0, loc)
	}
	t.Run("TZ", func(t *testing.T) {
		t.Setenv("TZ", "America/New_York")
		p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "TZ", "-at", "mañana 09:00")
		if want := tomorrow9(ny); !p.ScheduledAt.Equal(want) {
			t.Errorf("scheduled %v, want %v", p.ScheduledAt.In(ny), want)
		}
		code, out, _ := cli(t, m, "", "post", "show", p.ID)
		if want := showLine(tomorrow9(ny)); code != 0 || !strings.Contains(out, want+" (America/New_York)") {
			t.Errorf("show: exit %d, want %q in\n%s", code, want, out)
		}
	})
	t.Run("TZ with a colon", func(t *testing.T) {
		t.Setenv("TZ", ":America/New_York")
		p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "TZ colon", "-at", "mañana 09:00")
		if want := tomorrow9(ny); !p.ScheduledAt.Equal(want) {
			t.Errorf("scheduled %v, want %v", p.ScheduledAt.In(ny), want)
		}
	})
	t.Run("the configuration's zone without TZ", func(t *testing.T) {
		t.Setenv("TZ", "")
		cfg := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(cfg, []byte("timezone: America/Lima\naccounts:\n  - id: x-real\n    credentials:\n      k: ${UNSET_SECRET_FOR_TEST}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		lima, _ := time.LoadLocation("America/Lima")
		p := createJSON(t, m, "-config", cfg, "-target", "x-gobantioquia", "-text", "Lima", "-at", "mañana 09:00")
		if want := tomorrow9(lima); !p.ScheduledAt.Equal(want) {
			t.Errorf("scheduled %v, want %v", p.ScheduledAt.In(lima), want)
		}
	})
	t.Run("a TZ that names no zone is ignored", func(t *testing.T) {
		t.Setenv("TZ", "Nowhere/Atlantis")
		code, out, errs := cli(t, m, "", "post", "create", "-json", "-config", filepath.Join(t.TempDir(), "none.yaml"),
			"-target", "x-gobantioquia", "-text", "Sin TZ", "-at", "mañana 09:00")
		var p pregonero.Post
		if code != 0 || json.Unmarshal([]byte(out), &p) != nil {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if want := tomorrow9(m.Config.Location()); !p.ScheduledAt.Equal(want) || !strings.Contains(errs, "Nowhere/Atlantis") {
			t.Errorf("scheduled %v, want %v (Bogotá) and a note; stderr %q", p.ScheduledAt, want, errs)
		}
	})
	t.Run("-tz", func(t *testing.T) {
		t.Setenv("TZ", "America/Lima")
		p := createJSON(t, m, "-tz", "America/New_York", "-target", "x-gobantioquia", "-text", "-tz", "-at", "mañana 09:00")
		if want := tomorrow9(ny); !p.ScheduledAt.Equal(want) {
			t.Errorf("scheduled %v, want %v", p.ScheduledAt.In(ny), want)
		}
		if code, _, errs := cli(t, m, "", "post", "list", "-tz", "Bogota"); code != 2 || !strings.Contains(errs, "IANA") {
			t.Errorf("-tz Bogota: exit %d, stderr %q", code, errs)
		}
	})
	t.Run("a clock change refuses the time with both choices", func(t *testing.T) {
		code, _, errs := cli(t, m, "", "post", "create", "-tz", "America/New_York", "-target", "x-gobantioquia", "-text", "x", "-at", "2027-03-14 02:30")
		if code != 2 || !strings.Contains(errs, "2027-03-14T01:59-05:00") || !strings.Contains(errs, "2027-03-14T03:00-04:00") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}

func showLine(t time.Time) string { return t.Format("Mon 2006-01-02 15:04 MST") }

// post list shows times in the zone, and -today, -tomorrow and -week
// select by the zone's days.
func TestCLIListByDay(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")
	bog := m.Config.Location()
	now := time.Now().In(bog)
	day := func(d int) time.Time { return time.Date(now.Year(), now.Month(), now.Day()+d, 0, 0, 0, 0, bog) }
	type post struct {
		id string
		at time.Time
	}
	var posts []post
	for _, at := range []string{"+1m", "mañana 12:00", "+3d", "+6d", "+8d"} {
		p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Lista "+at, "-at", at)
		posts = append(posts, post{p.ID, p.ScheduledAt})
	}
	for _, tc := range []struct {
		flag     string
		from, to time.Time
	}{
		{"-today", day(0), day(1)},
		{"-tomorrow", day(1), day(2)},
		{"-week", day(0), day(7)},
	} {
		code, out, errs := cli(t, m, "", "post", "list", tc.flag)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.flag, code, errs)
		}
		for _, p := range posts {
			in := !p.at.Before(tc.from) && p.at.Before(tc.to)
			if strings.Contains(out, p.id) != in {
				t.Errorf("%s: post at %v listed %v, want %v:\n%s", tc.flag, p.at.In(bog), !in, in, out)
			}
		}
	}
	code, out, _ := cli(t, m, "", "post", "list", "-from", "mañana 00:00", "-to", "pasado mañana 00:00")
	if code != 0 || !strings.Contains(out, posts[1].id) || strings.Contains(out, posts[2].id) {
		t.Errorf("-from/-to: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "SCHEDULED (America/Bogota)") || !strings.Contains(out, posts[1].at.In(bog).Format("2006-01-02")+" 12:00") {
		t.Errorf("list does not show times in Bogotá:\n%s", out)
	}
	if code, _, errs := cli(t, m, "", "post", "list", "-today", "-week"); code != 2 || !strings.Contains(errs, "one of") {
		t.Errorf("-today -week: exit %d, stderr %q", code, errs)
	}
}

// post show is for people: the post, each delivery's state, the live link
// and the attempts, times in the zone; -json is the raw object.
func TestCLIShowPublishedPost(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	mustCampaign(t, m, "obras")
	t.Setenv("TZ", "")
	p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Vía al mar:\nasí avanza", "-at", "ahora", "-campaign", "obras")
	deadline := time.Now().Add(10 * time.Second)
	var out string
	for {
		var code int
		code, out, _ = cli(t, m, "", "post", "show", p.ID)
		if code != 0 {
			t.Fatalf("show: exit %d", code)
		}
		if strings.HasPrefix(out, "Post "+p.ID+": published") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not published:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, raw, _ := cli(t, m, "", "post", "show", "-json", p.ID)
	if err := json.Unmarshal([]byte(raw), &p); code != 0 || err != nil {
		t.Fatalf("show -json: exit %d, %v", code, err)
	}
	d := p.Deliveries[0]
	bog := m.Config.Location()
	for _, want := range []string{
		"targets:   x-gobantioquia",
		"campaign:  obras",
		"    Vía al mar:\n    así avanza\n",
		"Delivery " + d.ID + " → x-gobantioquia (x): published " + d.PublishedAt.In(bog).Format("Mon 2006-01-02 15:04"),
		"live:      " + d.URL,
		"#1 " + d.Attempts[0].StartedAt.In(bog).Format("Mon 2006-01-02 15:04:05 MST"),
		" ok",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Z ") || strings.Contains(out, "+00:00") {
		t.Errorf("show prints UTC times:\n%s", out)
	}
}

// A failed delivery shows the network's answer and the error beneath it
// (a DNS failure here), and why it is held.
func TestCLIShowFailure(t *testing.T) {
	started := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	post := map[string]any{
		"id": "p_1", "text": "Boletín", "targets": []string{"facebook-gob", "x-gob"}, "status": "publishing",
		"media":        []map[string]any{{"id": "m_1", "alt_text": "Puente de Occidente"}, {"id": "m_2"}},
		"scheduled_at": started, "created_at": started.Add(-time.Hour), "updated_at": started,
		"deliveries": []map[string]any{{
			"id": "d_1", "post_id": "p_1", "account": "facebook-gob", "network": "facebook", "state": "queued",
			"scheduled_at": started, "next_attempt_at": started.Add(90 * time.Second), "updated_at": started,
			"attempts": []map[string]any{{
				"n": 1, "started_at": started, "finished_at": started.Add(2 * time.Second), "outcome": "retryable",
				"code": "network_unreachable", "message": "Facebook could not be reached; it will be retried.",
				"cause": "dial tcp: lookup graph.facebook.com on 127.0.0.53:53: no such host",
			}},
			"last_error": map[string]any{
				"class": "retryable", "code": "network_unreachable", "message": "Facebook could not be reached; it will be retried.",
				"cause": "dial tcp: lookup graph.facebook.com on 127.0.0.53:53: no such host", "at": started.Add(2 * time.Second),
			},
		}, {
			"id": "d_2", "post_id": "p_1", "account": "x-gob", "network": "x", "state": "held", "hold_reason": "needs_reauth",
			"scheduled_at": started, "updated_at": started,
			"attempts": []map[string]any{{
				"n": 1, "started_at": started, "finished_at": started.Add(time.Second), "outcome": "permanent",
				"code": "x_unauthorized", "message": "X refused the credentials; authorize the account again.",
				"network_message": "Unauthorized", "http_status": 401,
			}},
		}},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/posts/p_1" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(post)
	}))
	defer srv.Close()
	t.Setenv("PREGONERO_URL", srv.URL)
	t.Setenv("PREGONERO_TOKEN", "t")
	t.Setenv("TZ", "America/Bogota")
	var out, errb bytes.Buffer
	if code := main.Run(context.Background(), []string{"post", "show", "p_1"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"Post p_1: publishing",
		"media:     m_1 (alt text: Puente de Occidente)\n             m_2 (no alt text)\n",
		"when:      at Thu 2026-12-03 09:00 -05 (America/Bogota)",
		"Delivery d_1 → facebook-gob (facebook): queued, due Thu 2026-12-03 09:01:30 -05",
		"last error at Thu 2026-12-03 09:00:02 -05: network_unreachable (retryable)",
		"cause: dial tcp: lookup graph.facebook.com on 127.0.0.53:53: no such host",
		"#1 Thu 2026-12-03 09:00:00 -05 → 09:00:02  retryable network_unreachable",
		"Delivery d_2 → x-gob (x): held, waiting for a person",
		"held:      the account's credentials were refused; it must be authorized again (needs_reauth)",
		"the network answered HTTP 401: Unauthorized",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out.String())
		}
	}
}

// Client commands need the server's address and token, never the
// server's secrets: a configuration whose accounts reference unset
// variables still serves for the address, the data directory and the zone.
func TestCLIClientCommandsNeedNoServerSecrets(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	body := fmt.Sprintf(`listen: %s
data_dir: %s
timezone: America/Bogota
metrics: {token: "${PREGONERO_TEST_UNSET_METRICS}"}
accounts:
  - id: x-real
    network: x
    credentials:
      consumer_key: ${PREGONERO_TEST_UNSET_X_KEY}
      consumer_secret: ${PREGONERO_TEST_UNSET_X_SECRET}
      access_token: ${PREGONERO_TEST_UNSET_X_TOKEN}
      access_token_secret: ${PREGONERO_TEST_UNSET_X_TOKEN_SECRET}
`, m.Addr, m.Config.DataDir)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := main.Run(context.Background(), args, strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	t.Setenv("TZ", "")
	t.Setenv("PREGONERO_URL", "")
	t.Setenv("PREGONERO_TOKEN", "")
	// Address and token from the configuration.
	for _, args := range [][]string{
		{"accounts", "-config", cfg},
		{"post", "list", "-config", cfg},
		{"post", "create", "-config", cfg, "-target", "x-gobantioquia", "-text", "Sin secretos", "-at", "mañana 10:00"},
	} {
		if code, out, errs := run(args...); code != 0 || strings.Contains(errs, "environment") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	// Address and token from the environment, the zone from the file.
	useServer(t, m)
	if code, out, errs := run("post", "list", "-today", "-config", cfg); code != 0 {
		t.Errorf("with PREGONERO_URL and PREGONERO_TOKEN: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// The data file's commands read only data_dir.
	if code, _, errs := run("check", "-config", cfg); strings.Contains(errs, "environment") || !strings.Contains(errs, "in use") {
		t.Errorf("check -config: exit %d, stderr %q; want it to reach the (running) data file", code, errs)
	}
}

// validate counts the text exactly as given with -text; from a file or
// stdin only one final line break is left out, and post create
// -text-file sends what validate counts.
func TestCLIValidateCountsTheTextAsGiven(t *testing.T) {
	text288 := strings.Repeat("a", 287) + " "
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  int
	}{
		{"-text keeps a final newline", []string{"-text", text288 + "\n"}, "", 289},
		{"-text keeps trailing spaces", []string{"-text", "hola  "}, "", 6},
		{"-text keeps a final CRLF", []string{"-text", "hola\r\n"}, "", 6},
		{"stdin drops one final newline", nil, text288 + "\n", 288},
		{"stdin keeps the others", nil, "hola\n\n", 5},
		{"stdin drops one final CRLF", nil, "hola \r\n", 5},
		{"stdin without a final newline", nil, "hola", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"validate", "-network", "x"}, tc.args...)
			main.Run(context.Background(), args, strings.NewReader(tc.stdin), &out, &errb)
			var res struct {
				WeightedLength int `json:"weighted_length"`
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("%v: %s %s", err, out.String(), errb.String())
			}
			if res.WeightedLength != tc.want {
				t.Errorf("weighted_length %d, want %d", res.WeightedLength, tc.want)
			}
		})
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "texto.txt")
	if err := os.WriteFile(file, []byte("Línea uno\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	main.Run(context.Background(), []string{"validate", "-network", "x", "-text-file", file}, strings.NewReader(""), &out, &errb)
	if !strings.Contains(out.String(), `"weighted_length": 10`) {
		t.Errorf("validate -text-file: %s %s", out.String(), errb.String())
	}
	m := MustRunMain(t, "gobantioquia")
	p := createJSON(t, m, "-target", "x-gobantioquia", "-text-file", file)
	if p.Text != "Línea uno\n" {
		t.Errorf("post create -text-file sent %q, want %q", p.Text, "Línea uno\n")
	}
	if code, _, _ := cli(t, m, "", "post", "create", "-target", "x-gobantioquia", "-text", "a", "-text-file", file); code != 2 {
		t.Errorf("-text with -text-file: exit %d, want 2", code)
	}
}

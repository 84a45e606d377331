package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"pregonero"
	main "pregonero/cmd/pregonero"
	"pregonero/store"
)

// cli runs the command line in-process against the test server.
func cli(t *testing.T, m *main.Main, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	useServer(t, m)
	var out, errb bytes.Buffer
	code = main.Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// useServer points the CLI at the test server: PREGONERO_URL and
// PREGONERO_TOKEN.
func useServer(t *testing.T, m *main.Main) {
	t.Helper()
	t.Setenv("PREGONERO_URL", "http://"+m.Addr)
	b, err := os.ReadFile(filepath.Join(m.Config.DataDir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PREGONERO_TOKEN", strings.TrimSpace(string(b)))
}

func TestCLIPostLifecycle(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	mustCampaign(t, m, "salud")
	dir := t.TempDir()
	img := filepath.Join(dir, "foto.jpg")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(i)
	}
	rgba.Set(1, 1, color.White)
	if err := jpeg.Encode(f, rgba, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()

	at := time.Now().Add(time.Hour).In(m.Config.Location()).Format("2006-01-02 15:04")
	code, out, errs := cli(t, m, "", "post", "create", "-json", "-target", "x-gobantioquia", "-text", "Jornada de vacunación en Urrao",
		"-at", at, "-media", img, "-alt", "Vacunadora en Urrao", "-campaign", "salud")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errs)
	}
	var p pregonero.Post
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("create output: %v\n%s", err, out)
	}
	if len(p.Media) != 1 || p.Status != pregonero.PostScheduled {
		t.Fatalf("created %+v", p)
	}
	if got := p.ScheduledAt.In(m.Config.Location()).Format("2006-01-02 15:04"); got != at {
		t.Errorf("scheduled at %s Bogotá, want %s", got, at)
	}

	if code, out, _ := cli(t, m, "", "post", "list", "-status", "scheduled"); code != 0 || !strings.Contains(out, p.ID) {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	if code, out, _ := cli(t, m, "", "post", "show", "-json", p.ID); code != 0 || !strings.Contains(out, `"deliveries"`) {
		t.Errorf("show -json: exit %d\n%s", code, out)
	}
	later := time.Now().Add(2 * time.Hour).In(m.Config.Location()).Format("2006-01-02 15:04")
	if code, out, errs := cli(t, m, "", "post", "edit", p.ID, "-text", "Jornada de vacunación en Urrao y Frontino", "-at", later); code != 0 {
		t.Errorf("edit: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := cli(t, m, "", "post", "show", p.ID); code != 0 || !strings.Contains(out, "Frontino") {
		t.Errorf("show after edit: exit %d\n%s", code, out)
	}
	// A delivery waiting for its time is neither released nor retried.
	for _, verb := range []string{"release", "retry"} {
		if code, _, errs := cli(t, m, "", "post", verb, p.Deliveries[0].ID); code != 1 || !strings.Contains(errs, "conflict") {
			t.Errorf("%s of a waiting delivery: exit %d, stderr %q", verb, code, errs)
		}
	}
	if code, out, _ := cli(t, m, "", "post", "cancel", p.ID); code != 0 || !strings.Contains(out, "canceled") {
		t.Errorf("cancel: exit %d\n%s", code, out)
	}
	code, _, errs = cli(t, m, "", "post", "create", "-target", "x-nadie", "-text", "hola")
	if code != 1 || !strings.Contains(errs, "x-nadie") {
		t.Errorf("unknown account: exit %d, stderr %q", code, errs)
	}
	if code, out, _ := cli(t, m, "", "accounts"); code != 0 || !strings.Contains(out, "x-gobantioquia") {
		t.Errorf("accounts: exit %d\n%s", code, out)
	}
}

func TestCLIPauseResumeAndBackup(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	if code, _, errs := cli(t, m, "", "pause"); code == 0 {
		t.Errorf("pause without a reason succeeded: %s", errs)
	}
	if code, out, errs := cli(t, m, "", "pause", "-reason", "Emergencia"); code != 0 || !strings.Contains(out, "paused") {
		t.Fatalf("pause: exit %d %s %s", code, out, errs)
	}
	if !m.Publisher.Paused() {
		t.Fatal("not paused")
	}
	if code, out, _ := cli(t, m, "", "accounts"); code != 0 || !strings.Contains(out, "PAUSED") || !strings.Contains(out, "Emergencia") {
		t.Errorf("accounts during a pause: exit %d\n%s", code, out)
	}
	// A post queued during the pause is taken, with a warning that it
	// waits; stdout stays the result.
	code, out, errs := cli(t, m, "", "post", "create", "-target", "x-gobantioquia", "-text", "En pausa", "-at", "+1h")
	if code != 0 || !strings.HasPrefix(out, "p_") || strings.Contains(out, "warning") || !strings.Contains(errs, "warning: Publishing is paused") {
		t.Errorf("create during a pause: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, errs := cli(t, m, "", "resume"); code != 0 || !strings.Contains(out, "resumed") {
		t.Fatalf("resume: exit %d %s %s", code, out, errs)
	}
	if m.Publisher.Paused() {
		t.Fatal("still paused")
	}

	backup := filepath.Join(t.TempDir(), "copia.db")
	if code, out, errs := cli(t, m, "", "backup", "-o", backup); code != 0 {
		t.Fatalf("backup: exit %d %s %s", code, out, errs)
	}
	db, err := store.Open(backup)
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer db.Close()
	if _, err := db.Account(context.Background(), "x-gobantioquia"); err != nil {
		t.Errorf("backup lacks the account: %v", err)
	}
}

func TestCLIValidate(t *testing.T) {
	for _, tc := range []struct {
		name, network, text string
		code                int
		length, limit       int
	}{
		{"spanish counts one per letter", "x", "¿Dónde está la ñandú? ¡Aquí!\n", 0, 28, 280},
		{"a url counts 23", "x", "Más información en antioquia.gov.co/salud\n", 0, 42, 280},
		{"over the limit", "x", strings.Repeat("á", 281), 1, 281, 280},
		{"instagram caption without media is valid text", "instagram", "Hola #Antioquia\n", 0, 15, 2200},
		{"instagram caption with 31 hashtags", "instagram", strings.Repeat("#Antioquia ", 31), 1, 341, 2200},
		{"instagram caption over 2200", "instagram", strings.Repeat("a", 2201), 1, 2201, 2200},
		{"facebook long text is valid", "facebook", strings.Repeat("a", 5000), 0, 5000, 63206},
		{"youtube description counts bytes", "youtube", strings.Repeat("ñ", 2500), 0, 5000, 5000},
		{"youtube description over 5000 bytes", "youtube", strings.Repeat("ñ", 2501), 1, 5002, 5000},
		{"youtube description with angle brackets", "youtube", "Informe <en vivo>", 1, 17, 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := main.Run(context.Background(), []string{"validate", "-network", tc.network}, strings.NewReader(tc.text), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errb.String())
			}
			var res struct {
				Network        string            `json:"network"`
				Valid          bool              `json:"valid"`
				WeightedLength int               `json:"weighted_length"`
				Limit          int               `json:"limit"`
				Errors         []json.RawMessage `json:"errors"`
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if res.Network != tc.network || res.Limit != tc.limit || res.WeightedLength != tc.length || res.Valid != (tc.code == 0) || res.Errors == nil {
				t.Errorf("got %+v, want length %d", res, tc.length)
			}
		})
	}
	var out, errb bytes.Buffer
	if code := main.Run(context.Background(), []string{"validate"}, strings.NewReader("x"), &out, &errb); code != 2 {
		t.Errorf("usage error exit %d, want 2", code)
	}
	if code := main.Run(context.Background(), []string{"validate", "-network", "tiktok"}, strings.NewReader("x"), &out, &errb); code != 2 {
		t.Errorf("unknown network exit %d, want 2", code)
	}
}

// helpCommands are every command and subcommand, as typed before -h.
var helpCommands = [][]string{
	{"serve"}, {"sandbox"}, {"validate"}, {"post"}, {"post", "create"}, {"post", "list"}, {"post", "show"},
	{"post", "edit"}, {"post", "schedule"}, {"post", "cancel"}, {"post", "release"}, {"post", "retry"}, {"accounts"},
	{"accounts", "check"}, {"pause"},
	{"resume"}, {"backup"}, {"check"}, {"token"}, {"token", "rotate"}, {"version"},
}

func TestCLIHelpForEveryCommand(t *testing.T) {
	for _, c := range helpCommands {
		for _, h := range []string{"-h", "--help"} {
			var out, errb bytes.Buffer
			code := main.Run(context.Background(), append(append([]string(nil), c...), h), strings.NewReader(""), &out, &errb)
			if code != 0 || !strings.Contains(errb.String()+out.String(), "Usage") {
				t.Errorf("%s %s: exit %d, output %q", strings.Join(c, " "), h, code, errb.String()+out.String())
			}
		}
	}
	var out, errb bytes.Buffer
	if code := main.Run(context.Background(), []string{"version"}, strings.NewReader(""), &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "pregonero ") {
		t.Errorf("version: exit %d, stdout %q", code, out.String())
	}
	if code := main.Run(context.Background(), []string{"version", "extra"}, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

// Every flag that takes a value names the kind of value in its help
// (flag shows a backquoted word of the usage after the flag's name), never
// the bare "string" or "value" of the flag package.
func TestCLIFlagHelpNamesTheValues(t *testing.T) {
	flagLine := regexp.MustCompile(`^  -([a-z-]+)(?: (.+))?$`)
	for _, c := range helpCommands {
		var out, errb bytes.Buffer
		main.Run(context.Background(), append(append([]string(nil), c...), "-h"), strings.NewReader(""), &out, &errb)
		for line := range strings.Lines(errb.String()) {
			m := flagLine.FindStringSubmatch(strings.TrimRight(line, "\n"))
			if m == nil {
				continue
			}
			if m[2] == "string" || m[2] == "value" || m[2] == "int" || m[2] == "duration" {
				t.Errorf("%s -%s: the help shows %q; name what the flag takes", strings.Join(c, " "), m[1], m[2])
			}
		}
	}
	// Spot checks of what a person needs to know.
	for _, tc := range []struct {
		cmd  []string
		want []string
	}{
		{[]string{"post", "create"}, []string{"-at time", "mañana 09:00", "+2h", "24/12/2026 09:00", "RFC 3339", "-target account", "repeatable"}},
		{[]string{"post", "list"}, []string{"-from time", "-today", "-week", "draft, scheduled"}},
		{[]string{"post", "edit"}, []string{"-at time", "lunes 08:30"}},
		{[]string{"validate"}, []string{"-text text", "exactly as given", "final line break"}},
		{[]string{"serve"}, []string{"-listen host:port", "exits 0", "-skip-account-check", "<data_dir>/sandbox"}},
		{[]string{"post", "create"}, []string{"-draft", "post schedule ID"}},
		{[]string{"post", "schedule"}, []string{"-at time", "mañana 09:00", "the draft's own time"}},
		{[]string{"post", "edit"}, []string{"-target account", "drafts only"}},
		{[]string{"post"}, []string{"post schedule ID [-at TIME]", "post create -draft"}},
		{[]string{"accounts"}, []string{"accounts check"}},
		{[]string{"accounts", "check"}, []string{"-account account", "Exit status: 1 when any account was refused", "unreachable and unsupported are reported, not failures"}},
		{[]string{"sandbox"}, []string{"-data directory", "across restarts", "-tz zone"}},
	} {
		var out, errb bytes.Buffer
		main.Run(context.Background(), append(append([]string(nil), tc.cmd...), "-h"), strings.NewReader(""), &out, &errb)
		for _, w := range tc.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%s -h does not say %q:\n%s", strings.Join(tc.cmd, " "), w, errb.String())
			}
		}
	}
}

func TestEndToEndPostWithImagePublishedWithAltText(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	img := filepath.Join(t.TempDir(), "puente.jpg")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(i * 7)
	}
	if err := jpeg.Encode(f, rgba, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	at := time.Now().Add(1500 * time.Millisecond).Format(time.RFC3339Nano)
	code, out, errs := cli(t, m, "", "post", "create", "-json", "-target", "x-gobantioquia",
		"-text", "Inauguramos el puente de Hispania", "-at", at, "-media", img, "-alt", "Puente colgante sobre el río San Juan")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errs)
	}
	var p pregonero.Post
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, _ := cli(t, m, "", "post", "show", "-json", p.ID)
		if code != 0 {
			t.Fatalf("show: exit %d", code)
		}
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		if p.Status == pregonero.PostPublished {
			break
		}
		if p.Status == pregonero.PostFailed || time.Now().After(deadline) {
			t.Fatalf("post %s: %+v", p.Status, p.Deliveries[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
	var sp struct {
		Posts []struct {
			Text  string `json:"text"`
			Media []struct {
				Type    string `json:"type"`
				AltText string `json:"alt_text"`
			} `json:"media"`
		} `json:"posts"`
	}
	resp, err := http.Get("http://" + m.SandboxAddr + "/_sandbox/posts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&sp); err != nil {
		t.Fatal(err)
	}
	if len(sp.Posts) != 1 || len(sp.Posts[0].Media) != 1 {
		t.Fatalf("sandbox posts %+v, want one with one image", sp.Posts)
	}
	if got := sp.Posts[0].Media[0]; got.Type != "image/jpeg" || got.AltText != "Puente colgante sobre el río San Juan" {
		t.Errorf("media %+v", got)
	}
}

// A backup of a data directory that holds no data file fails and leaves
// no empty store behind.
func TestCLIBackupOfAMissingDataFileFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wrong")
	var out, errb bytes.Buffer
	code := main.Run(context.Background(), []string{"backup", "-data", dir, "-o", filepath.Join(t.TempDir(), "copia.db")}, strings.NewReader(""), &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "no data file") {
		t.Errorf("backup of %s: exit %d, stderr %q; want a failure naming the missing file", dir, code, errb.String())
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the backup created %s: %v", dir, err)
	}
}

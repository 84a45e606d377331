package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"pregonero"
	main "pregonero/cmd/pregonero"
)

func TestCLIUsersAddAndList(t *testing.T) {
	m := mustRunUIMain(t)
	const pw = "Una contraseña de prueba larga"

	// The password is the first line of stdin, its \r\n dropped; what
	// follows is not read.
	code, out, errs := cli(t, m, pw+"\r\nsegunda línea\n", "users", "add", "-username", "ana.gomez", "-role", "editor",
		"-unit", unitComms, "-unit", unitEducation)
	if code != 0 {
		t.Fatalf("add: exit %d, stderr %q", code, errs)
	}
	if !regexp.MustCompile(`^u_\S+ ana\.gomez created as editor for Oficina de Comunicaciones; Secretaría de Educación\n$`).MatchString(out) {
		t.Errorf("add printed %q, want the id, the username, the role and the dependencias", out)
	}
	if strings.Contains(out+errs, pw) {
		t.Error("the password was printed")
	}
	if _, _, _, err := m.Users.SignIn(context.Background(), "ana.gomez", pw, "127.0.0.1"); err != nil {
		t.Errorf("sign in with the password given on stdin: %v", err)
	}

	code, out, errs = cli(t, m, pw+"\n", "users", "add", "-json", "-username", "luis", "-role", "viewer")
	var u pregonero.User
	if code != 0 || json.Unmarshal([]byte(out), &u) != nil || u.Username != "luis" || u.Role != pregonero.RoleViewer || u.ID == "" {
		t.Errorf("add -json: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	code, out, errs = cli(t, m, "", "users", "list")
	if code != 0 {
		t.Fatalf("list: exit %d, stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[0], "USERNAME") || !strings.Contains(lines[0], "DEPENDENCIAS") {
		t.Fatalf("list printed %d lines, want a header and admin, ana.gomez, luis:\n%s", len(lines), out)
	}
	for i, want := range [][]string{
		{"admin", "admin", "must change password"},
		{"ana.gomez", "editor", "Oficina de Comunicaciones; Secretaría de Educación", "active"},
		{"luis", "viewer", " - ", "active"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("list line %d %q lacks %q", i+1, lines[i+1], w)
			}
		}
	}

	code, out, _ = cli(t, m, "", "users", "list", "-json")
	var us []pregonero.User
	if code != 0 || json.Unmarshal([]byte(out), &us) != nil || len(us) != 3 || us[1].Username != "ana.gomez" || len(us[1].Units) != 2 {
		t.Errorf("list -json: exit %d\n%s", code, out)
	}
}

func TestCLIUsersAddRefusals(t *testing.T) {
	m := mustRunUIMain(t)
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"empty password", "\n", []string{"-username", "ana", "-role", "viewer"}, 2, "empty"},
		{"no stdin at all", "", []string{"-username", "ana", "-role", "viewer"}, 2, "first line of stdin"},
		{"a lone carriage return", "\r\n", []string{"-username", "ana", "-role", "viewer"}, 2, "empty"},
		{"no username", "una contraseña larga\n", []string{"-role", "viewer"}, 2, "-username is required"},
		{"unknown role", "una contraseña larga\n", []string{"-username", "ana", "-role", "jefe"}, 2, "admin, editor or viewer"},
		{"no role", "una contraseña larga\n", []string{"-username", "ana"}, 2, "admin, editor or viewer"},
		{"stray argument", "una contraseña larga\n", []string{"-username", "ana", "-role", "viewer", "extra"}, 2, `unexpected "extra"`},
		{"editor without a dependencia", "una contraseña larga\n", []string{"-username", "ana", "-role", "editor"}, 1, "units"},
		{"short password", "corta\n", []string{"-username", "ana", "-role", "viewer"}, 1, "at least 10"},
		{"username taken", "una contraseña larga\n", []string{"-username", "admin", "-role", "viewer"}, 1, "taken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, m, tc.stdin, append([]string{"users", "add"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.stderr) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d saying %q", code, out, errs, tc.code, tc.stderr)
			}
		})
	}
	us, err := adminClient(t, m).Users(context.Background())
	if err != nil || len(us) != 1 {
		t.Errorf("users after the refusals: %d, %v; want only admin", len(us), err)
	}

	// A token that is not an admin's cannot add users.
	viewer := mustViewer(t, m)
	tok, _, err := m.Users.CreateToken(pregonero.NewContextWithUser(context.Background(), viewer), viewer.ID, "lectura")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PREGONERO_TOKEN", tok)
	t.Setenv("PREGONERO_URL", "http://"+m.Addr)
	var out, errb bytes.Buffer
	code := main.Run(context.Background(), []string{"users", "add", "-username", "ana", "-role", "viewer"}, strings.NewReader("una contraseña larga\n"), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "forbidden") {
		t.Errorf("add with a viewer's token: exit %d, stderr %q; want 1, forbidden", code, errb.String())
	}
	code = main.Run(context.Background(), []string{"users", "list"}, strings.NewReader(""), &out, &errb)
	if code != 1 {
		t.Errorf("list with a viewer's token: exit %d, want 1", code)
	}
}

// mustViewer adds a viewer and returns it.
func mustViewer(t *testing.T, m *main.Main) *pregonero.User {
	t.Helper()
	u, err := adminClient(t, m).CreateUser(context.Background(), "lectora", "una contraseña larga", pregonero.RoleViewer, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCLIUsersHelp(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want []string
	}{
		{[]string{"users"}, []string{"users add -username NAME", "users list", "first line", "Each subcommand takes -h"}},
		{[]string{"users", "add"}, []string{"Usage: pregonero users add", "-username name", "-role admin, editor or viewer", "-unit dependencia", "repeatable", "first line", "-json"}},
		{[]string{"users", "list"}, []string{"Usage: pregonero users list", "-json", "-url URL"}},
	} {
		for _, h := range []string{"-h", "--help"} {
			var out, errb bytes.Buffer
			code := main.Run(context.Background(), append(append([]string(nil), tc.cmd...), h), strings.NewReader(""), &out, &errb)
			if code != 0 {
				t.Errorf("%s %s: exit %d", strings.Join(tc.cmd, " "), h, code)
			}
			for _, w := range tc.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("%s %s does not say %q:\n%s", strings.Join(tc.cmd, " "), h, w, errb.String())
				}
			}
			for line := range strings.Lines(errb.String()) {
				if m := regexp.MustCompile(`^  -([a-z-]+) (string|value|int|duration)$`).FindStringSubmatch(strings.TrimRight(line, "\n")); m != nil {
					t.Errorf("%s -%s: the help shows %q; name what the flag takes", strings.Join(tc.cmd, " "), m[1], m[2])
				}
			}
		}
	}
	var out, errb bytes.Buffer
	if code := main.Run(context.Background(), []string{"-h"}, strings.NewReader(""), &out, &errb); code != 0 || !strings.Contains(errb.String(), "users      add or list") {
		t.Errorf("pregonero -h does not list users:\n%s", errb.String())
	}
	for _, args := range [][]string{{"users"}, {"users", "frob"}, {"users", "list", "extra"}, {"users", "add", "-nope"}} {
		if code := main.Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

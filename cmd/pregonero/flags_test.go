package main_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	main "pregonero/cmd/pregonero"
)

// Every command answers a flag it does not know the same way: the flag
// package's message and the usage on stderr, exit 2, and nothing done.
func TestUnknownFlagIsAUsageError(t *testing.T) {
	for _, cmd := range [][]string{
		{"pause"}, {"resume"}, {"backup"}, {"accounts"}, {"accounts", "check"}, {"accounts", "connect"},
		{"post", "show"}, {"campaign", "list"}, {"users", "list"}, {"report"}, {"version"}, {"sandbox"}, {"check"},
	} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append(append([]string{}, cmd...), "-no-such-flag")
			code := main.Run(context.Background(), args, strings.NewReader(""), &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), "flag provided but not defined: -no-such-flag") || out.Len() != 0 {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit 2 naming the flag, nothing on stdout", code, errb.String(), out.String())
			}
		})
	}
}

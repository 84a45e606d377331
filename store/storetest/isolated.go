package storetest

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// isolatedEnv names, in the environment of a child test process, the test
// it runs.
const isolatedEnv = "PREGONERO_ISOLATED_TEST"

// Isolated runs the calling test again in a child process of the test
// binary and fails it when the child fails or crashes; in the child it
// returns true and the test goes on. Tests of damaged data files use it: should
// bbolt fault where no recover reaches, that test fails, not the whole run.
func Isolated(t *testing.T) bool {
	t.Helper()
	if os.Getenv(isolatedEnv) == t.Name() {
		return true
	}
	levels := strings.Split(t.Name(), "/")
	for i, l := range levels {
		levels[i] = "^" + regexp.QuoteMeta(l) + "$"
	}
	cmd := exec.Command(os.Args[0], "-test.run="+strings.Join(levels, "/"), "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), isolatedEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in a child process: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()+" ") {
		t.Fatalf("the child process ran no test:\n%s", out)
	}
	return false
}

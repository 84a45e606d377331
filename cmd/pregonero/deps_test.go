package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testOnlyPackages must never be linked into the binary: they register
// test flags, pull test machinery into production and mean that a test
// helper (a fake's httptest constructor, a conformance suite) leaked into
// a non-test file.
var testOnlyPackages = []string{"testing", "net/http/httptest"}

// TestBinaryDeps fails when the pregonero binary links a test-only
// package, naming the packages that import it so the leak can be found.
func TestBinaryDeps(t *testing.T) {
	t.Parallel()
	goTool := findGo(t)
	// -deps lists the binary's transitive imports (tests excluded), each
	// line with its direct imports so an offender's importer can be named.
	cmd := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, stderr.Bytes())
	}
	importers := make(map[string][]string) // package → the listed packages importing it
	listed := make(map[string]bool)
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		listed[fields[0]] = true
		for _, imp := range fields[1:] {
			importers[imp] = append(importers[imp], fields[0])
		}
	}
	if !listed["net/http"] {
		t.Fatalf("go list -deps printed no net/http; the listing is not the binary's:\n%s", out)
	}
	for _, pkg := range testOnlyPackages {
		if listed[pkg] {
			t.Errorf("the binary links %s, imported by %s; move test-only code to _test.go files or a test-support package",
				pkg, strings.Join(importers[pkg], ", "))
		}
	}
}

// findGo returns the go tool that runs the test: go test puts
// GOROOT/bin first on the PATH of the test binary. GOROOT is tried next
// for a test binary run by hand.
func findGo(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if p, err := exec.LookPath(filepath.Join(root, "bin", "go")); err == nil {
			return p
		}
	}
	t.Skip("no go tool found on PATH or in GOROOT")
	return ""
}

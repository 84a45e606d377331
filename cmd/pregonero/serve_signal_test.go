package main_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C (SIGINT) and SIGTERM are how a server is stopped: the binary
// shuts down cleanly and exits 0, so make and service managers do not
// report a failure.
func TestServeStopsWithExitZeroOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			addr := freeAddr(t)
			p := startProc(t, bin, "serve", "-config", writeConfig(t, dir, true, "127.0.0.1:0", "gobantioquia"), "-listen", addr)
			waitHTTP(t, "http://"+addr+"/readyz", 20*time.Second)
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- p.cmd.Wait() }()
			select {
			case err := <-done:
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					t.Fatalf("exit %v after %v, want 0:\n%s", ee, sig, p.out)
				} else if err != nil {
					t.Fatal(err)
				}
			case <-time.After(30 * time.Second):
				p.kill9()
				t.Fatalf("still running 30s after %v:\n%s", sig, p.out)
			}
			if out := p.out.String(); strings.Contains(out, "level=ERROR") {
				t.Errorf("errors logged on a normal stop:\n%s", out)
			}
			if _, err := os.Stat(dir + "/data/pregonero.db"); err != nil {
				t.Errorf("data file: %v", err)
			}
		})
	}
}

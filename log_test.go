package pregonero_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"pregonero"
)

//go:noinline
func explode() { panic("boom") }

// guarded runs fn the way a goroutine or job is guarded.
func guarded(l *slog.Logger, fn func()) (err error) {
	defer pregonero.RecoverPanic(l, "job panicked", &err)
	fn()
	return nil
}

func TestRecoverPanic(t *testing.T) {
	t.Run("logs the panic with the stack of where it happened", func(t *testing.T) {
		var buf bytes.Buffer
		l := slog.New(slog.NewJSONHandler(&buf, nil))
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer pregonero.RecoverPanic(l, "job panicked", nil)
			explode()
		}()
		<-done // the process, and this test, are still alive
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("log line %q: %v", buf.String(), err)
		}
		if got, want := line["level"], "ERROR"; got != want {
			t.Errorf("level = %v, want %v", got, want)
		}
		if got, want := line["msg"], "job panicked"; got != want {
			t.Errorf("msg = %v, want %v", got, want)
		}
		if got, want := line[pregonero.LogPanic], "boom"; got != want {
			t.Errorf("%s = %v, want %v", pregonero.LogPanic, got, want)
		}
		stack, _ := line[pregonero.LogStack].(string)
		if !strings.Contains(stack, "pregonero_test.explode") || !strings.Contains(stack, "log_test.go") {
			t.Errorf("%s does not name the panicking function:\n%s", pregonero.LogStack, stack)
		}
	})
	t.Run("fails the operation with an error naming the panic", func(t *testing.T) {
		var buf bytes.Buffer
		err := guarded(slog.New(slog.NewTextHandler(&buf, nil)), explode)
		if got, want := errorString(err), "job panicked: boom"; got != want {
			t.Errorf("err = %q, want %q", got, want)
		}
		if !strings.Contains(buf.String(), "stack=") {
			t.Errorf("no stack logged: %s", buf.String())
		}
	})
	t.Run("leaves a call that does not panic alone", func(t *testing.T) {
		var buf bytes.Buffer
		if err := guarded(slog.New(slog.NewTextHandler(&buf, nil)), func() {}); err != nil {
			t.Errorf("err = %v, want nil", err)
		}
		if buf.Len() != 0 {
			t.Errorf("logged %q, want nothing", buf.String())
		}
	})
	t.Run("keeps the error of a call that returns one", func(t *testing.T) {
		want := errors.New("plain")
		err := func() (err error) {
			defer pregonero.RecoverPanic(nil, "job panicked", &err)
			return want
		}()
		if err != want {
			t.Errorf("err = %v, want %v", err, want)
		}
	})
}

func errorString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

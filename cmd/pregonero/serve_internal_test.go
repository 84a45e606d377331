package main

import (
	"context"
	"log/slog"
	"pregonero/logtest"
	"strings"
	"testing"
	"time"

	"pregonero"
)

// A component that panics ends alone, logged with its name and stack;
// the process and the other components go on.
func TestAComponentPanicIsLoggedAndEndsOnlyTheComponent(t *testing.T) {
	logs := &logtest.Buffer{}
	m := &Main{Logger: slog.New(slog.NewTextHandler(logs, nil))}
	m.serve(context.Background(), "explosive", func(context.Context) error { panic("component exploded") })
	select {
	case <-m.done[0]:
	case <-time.After(5 * time.Second):
		t.Fatal("the component's end was never signalled")
	}
	out := logs.String()
	for _, want := range []string{"component panicked", pregonero.LogComponent + "=explosive", pregonero.LogStack + "=", "component exploded"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

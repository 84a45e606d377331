package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
)

// lockedBuffer is a log destination safe for the components' goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A component that panics ends alone, logged with its name and stack;
// the process and the other components go on.
func TestAComponentPanicIsLoggedAndEndsOnlyTheComponent(t *testing.T) {
	logs := &lockedBuffer{}
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

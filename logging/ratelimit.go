// Package logging holds the slog handlers the server logs through.
package logging

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"pregonero"
)

// RateLimit returns a handler that passes every record below warning on
// to next, and of the warnings and errors at most one per kind (level and
// message) per interval: a failure that repeats thousands of times a
// second (a full disk refusing every write) writes one line per interval,
// and the next line of that kind says how many were left out
// (pregonero.LogSuppressed). Handlers derived with WithAttrs or WithGroup
// share the count.
func RateLimit(next slog.Handler, interval time.Duration, now func() time.Time) slog.Handler {
	if now == nil {
		now = time.Now
	}
	return &rateLimited{next: next, state: &limits{interval: interval, now: now, kinds: map[kind]*window{}}}
}

type kind struct {
	level slog.Level
	msg   string
}

type window struct {
	start      time.Time
	suppressed int
}

// maxKinds bounds the memory of the counts: messages are constants in the
// code, so this is only reached by a bug; the counts then start afresh.
const maxKinds = 10000

type limits struct {
	interval time.Duration
	now      func() time.Time
	mu       sync.Mutex
	kinds    map[kind]*window
}

// admit reports whether a record of kind k passes now, and how many of
// its kind were left out since the last that passed.
func (l *limits) admit(k kind) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.kinds[k]
	if w == nil {
		if len(l.kinds) >= maxKinds {
			clear(l.kinds)
		}
		l.kinds[k] = &window{start: now}
		return true, 0
	}
	if now.Sub(w.start) < l.interval {
		w.suppressed++
		return false, 0
	}
	n := w.suppressed
	w.start, w.suppressed = now, 0
	return true, n
}

type rateLimited struct {
	next  slog.Handler
	state *limits
}

func (h *rateLimited) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *rateLimited) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	ok, n := h.state.admit(kind{r.Level, r.Message})
	if !ok {
		return nil
	}
	if n > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int(pregonero.LogSuppressed, n))
	}
	return h.next.Handle(ctx, r)
}

func (h *rateLimited) WithAttrs(as []slog.Attr) slog.Handler {
	return &rateLimited{next: h.next.WithAttrs(as), state: h.state}
}

func (h *rateLimited) WithGroup(name string) slog.Handler {
	return &rateLimited{next: h.next.WithGroup(name), state: h.state}
}

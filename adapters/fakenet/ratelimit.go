package fakenet

import (
	"sync"
	"time"
)

// Quota is the state of one rate window after a request, what the
// networks put in their rate-limit headers.
type Quota struct {
	Limit     int
	Remaining int
	Reset     time.Time
}

type window struct {
	start time.Time
	used  int
}

// Windows counts requests in fixed windows per key (user and endpoint,
// typically). A window opens at the first request of a key and resets a
// period later, the way X's 15-minute windows behave.
type Windows struct {
	mu sync.Mutex
	m  map[string]*window
}

// NewWindows returns an empty set of windows.
func NewWindows() *Windows { return &Windows{m: make(map[string]*window)} }

func (ws *Windows) get(key string, period time.Duration, now time.Time) *window {
	w := ws.m[key]
	if w == nil || !now.Before(w.start.Add(period)) {
		w = &window{start: now}
		ws.m[key] = w
	}
	return w
}

// Take spends one request of key's window when one is left. It reports
// false, spending nothing, when the window is exhausted.
func (ws *Windows) Take(key string, limit int, period time.Duration, now time.Time) (Quota, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	w := ws.get(key, period, now)
	q := Quota{Limit: limit, Reset: w.start.Add(period)}
	if w.used >= limit {
		return q, false
	}
	w.used++
	q.Remaining = limit - w.used
	return q, true
}

// Peek returns key's window without spending from it.
func (ws *Windows) Peek(key string, limit int, period time.Duration, now time.Time) Quota {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	w := ws.get(key, period, now)
	return Quota{Limit: limit, Remaining: max(limit-w.used, 0), Reset: w.start.Add(period)}
}

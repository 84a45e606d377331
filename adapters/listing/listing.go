// Package listing shares reconciliation reads of an account's posts
// between the deliveries of that account: after a crash many deliveries
// of the same account are in doubt at once, and a read for each would
// spend the account's rate limit or quota on the same answer. Every
// adapter that lists an account's posts to reconcile uses it.
package listing

import (
	"sync"
	"time"
)

const (
	// TTL is how long a read of an account's posts is reused.
	TTL = 30 * time.Second
	// Lag is how long after an attempt a read must have started to be
	// trusted to show the post the attempt may have created.
	Lag = 5 * time.Second
)

// Listing is one read of a list of an account's posts: those since Start,
// as the read that began at Read found them. Complete reports whether the
// list ended within the pages read.
type Listing[T any] struct {
	Start, Read time.Time
	Items       []T
	Complete    bool
}

// Cache keeps the latest Listing of each account and kind of list (the
// key), for other deliveries' reconciliations. The zero value is ready;
// it is safe for concurrent use.
type Cache[T any] struct {
	mu sync.Mutex
	m  map[string]Listing[T]
}

// Get returns the listing of key when it may serve a reconciliation that
// searches from start for what an attempt ending at attempt created: it
// covers the window (it starts no later), it began at least Lag after the
// attempt, and it is younger than TTL. A search without a start or an
// attempt is never served.
func (l *Cache[T]) Get(key string, start, attempt, now time.Time) (Listing[T], bool) {
	if attempt.IsZero() {
		return Listing[T]{}, false
	}
	return l.GetFrom(key, start, attempt.Add(Lag), now)
}

// GetFrom is Get for a caller that needs the read to have begun no
// earlier than notBefore (YouTube also waits for its playlist's lag).
func (l *Cache[T]) GetFrom(key string, start, notBefore, now time.Time) (Listing[T], bool) {
	if start.IsZero() || notBefore.IsZero() {
		return Listing[T]{}, false
	}
	l.mu.Lock()
	x, ok := l.m[key]
	l.mu.Unlock()
	if !ok || start.Before(x.Start) || x.Read.Before(notBefore) || now.Sub(x.Read) >= TTL {
		return Listing[T]{}, false
	}
	return x, true
}

// Put keeps x as key's listing unless a later read is kept already; a
// listing without a start is not kept. Listings past TTL are
// dropped, so that only recent reads stay.
func (l *Cache[T]) Put(key string, x Listing[T], now time.Time) {
	if x.Start.IsZero() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, old := range l.m {
		if now.Sub(old.Read) >= TTL {
			delete(l.m, k)
		}
	}
	if old, ok := l.m[key]; ok && old.Read.After(x.Read) {
		return
	}
	if l.m == nil {
		l.m = make(map[string]Listing[T])
	}
	l.m[key] = x
}

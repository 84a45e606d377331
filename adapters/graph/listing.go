package graph

import (
	"sync"
	"time"

	"pregonero"
)

// Reconciliation reads of one account's posts are shared for a short
// while, as the X adapter shares them: after a crash many deliveries of
// the same account are in doubt at once, and a read for each would spend
// the account's rate limit on the same answer.
const (
	// ListingTTL is how long a read of an account's posts is reused.
	ListingTTL = 30 * time.Second
	// ListingLag is how long after an attempt a read must have started to
	// be trusted to show the post the attempt may have created.
	ListingLag = 5 * time.Second
)

// Listing is one read of a list of an account's posts: those since Start,
// as the read that began at Read found them. Complete reports whether the
// list ended within the pages read.
type Listing[T any] struct {
	Start, Read time.Time
	Items       []T
	Complete    bool
}

// Listings keeps the latest Listing of each account and kind of list (the
// key), for other deliveries' reconciliations. The zero value is ready;
// it is safe for concurrent use.
type Listings[T any] struct {
	mu sync.Mutex
	m  map[string]Listing[T]
}

// Get returns the listing of key when it may serve a reconciliation that
// searches from start for what an attempt ending at attempt created: it
// covers the window (it starts no later), it began at least ListingLag
// after the attempt, and it is younger than ListingTTL. A search without
// a start or an attempt is never served.
func (l *Listings[T]) Get(key string, start, attempt, now time.Time) (Listing[T], bool) {
	if start.IsZero() || attempt.IsZero() {
		return Listing[T]{}, false
	}
	l.mu.Lock()
	x, ok := l.m[key]
	l.mu.Unlock()
	if !ok || start.Before(x.Start) || x.Read.Before(attempt.Add(ListingLag)) || now.Sub(x.Read) >= ListingTTL {
		return Listing[T]{}, false
	}
	return x, true
}

// Put keeps x as key's listing unless a later read is kept already; a
// listing without a start is not kept. Listings past ListingTTL are
// dropped, so that only recent reads stay.
func (l *Listings[T]) Put(key string, x Listing[T], now time.Time) {
	if x.Start.IsZero() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, old := range l.m {
		if now.Sub(old.Read) >= ListingTTL {
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

// LastAttempt is the latest instant of the delivery's attempts (a start,
// or the end of a request that may have created the post until then);
// zero when it has none.
func LastAttempt(d *pregonero.Delivery) time.Time {
	var t time.Time
	if d == nil {
		return t
	}
	for _, at := range d.Attempts {
		for _, x := range []time.Time{at.StartedAt, at.FinishedAt} {
			if x.After(t) {
				t = x
			}
		}
	}
	return t
}

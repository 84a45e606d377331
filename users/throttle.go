package users

import (
	"strings"
	"sync"
	"time"
)

// Sign-in throttling: after ThrottleAfter wrong passwords in a row for
// one username from one address, each further try waits, starting at
// ThrottleFirstWait and doubling with every wrong password up to
// ThrottleMaxWait. A right password resets the count.
const (
	ThrottleAfter     = 5
	ThrottleFirstWait = time.Second
	ThrottleMaxWait   = 15 * time.Minute
)

// Bounds of the throttle's memory: a run of wrong passwords is forgotten
// a day after its last one, and at most maxStrikes runs are kept, those
// still below ThrottleAfter going first when there are more.
const (
	forgetAfter = 24 * time.Hour
	maxStrikes  = 10_000
	// maxKeyUsername bounds the part of a key a client chooses.
	maxKeyUsername = 256
)

// strike is a run of wrong passwords for one (username, address).
type strike struct {
	fails int
	last  time.Time // the last wrong password
	until time.Time // no try before this instant
}

// throttle counts wrong passwords in memory. A restart forgets them,
// which costs an attacker a restart of the server to gain a few tries.
type throttle struct {
	mu      sync.Mutex
	strikes map[string]*strike
	// locks hold one mutex per key in use, so that the tries of one key
	// are checked one after the other: a burst of parallel tries cannot
	// all pass the check before the first wrong one is counted.
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func newThrottle() *throttle {
	return &throttle{strikes: map[string]*strike{}, locks: map[string]*keyLock{}}
}

// throttleKey is the key of a (username, address): the username in any
// case is one user, as the store has it.
func throttleKey(username, addr string) string {
	if len(username) > maxKeyUsername {
		username = username[:maxKeyUsername]
	}
	return strings.ToLower(username) + "\x00" + addr
}

// lock waits for the other tries of key to end; the returned function
// ends this one.
func (t *throttle) lock(key string) (unlock func()) {
	t.mu.Lock()
	kl := t.locks[key]
	if kl == nil {
		kl = &keyLock{}
		t.locks[key] = kl
	}
	kl.refs++
	t.mu.Unlock()
	kl.mu.Lock()
	return func() {
		kl.mu.Unlock()
		t.mu.Lock()
		if kl.refs--; kl.refs == 0 {
			delete(t.locks, key)
		}
		t.mu.Unlock()
	}
}

// wait returns the instant before which key may not try, and whether
// that instant is still to come at now.
func (t *throttle) wait(key string, now time.Time) (until time.Time, waiting bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.strikes[key]
	if st == nil || !now.Before(st.until) {
		return time.Time{}, false
	}
	return st.until, true
}

// fail counts a wrong password for key at now and returns the instant
// before which the next try must wait (zero while below ThrottleAfter).
func (t *throttle) fail(key string, now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.strikes[key]
	if st != nil && now.Sub(st.last) > forgetAfter {
		st = nil
	}
	if st == nil {
		if len(t.strikes) >= maxStrikes {
			t.sweep(now)
		}
		st = &strike{}
		t.strikes[key] = st
	}
	st.fails++
	st.last = now
	if st.fails >= ThrottleAfter {
		st.until = now.Add(backoff(st.fails))
	}
	return st.until
}

// backoff is the wait after the given number of wrong passwords in a
// row, at least ThrottleAfter.
func backoff(fails int) time.Duration {
	d := ThrottleFirstWait
	for i := ThrottleAfter; i < fails && d < ThrottleMaxWait; i++ {
		d *= 2
	}
	return min(d, ThrottleMaxWait)
}

// reset forgets the wrong passwords of key: a right one came.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.strikes, key)
}

// sweep makes room: runs forgotten by now go, then, if that is not
// enough, those not yet slowed. Runs being slowed stay: dropping them
// would hand an attacker fresh tries.
func (t *throttle) sweep(now time.Time) {
	for k, st := range t.strikes {
		if now.Sub(st.last) > forgetAfter {
			delete(t.strikes, k)
		}
	}
	if len(t.strikes) < maxStrikes {
		return
	}
	for k, st := range t.strikes {
		if st.fails < ThrottleAfter {
			delete(t.strikes, k)
		}
	}
}

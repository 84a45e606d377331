package listing_test

import (
	"testing"
	"time"

	"pregonero/adapters/listing"
)

func TestCacheServesOnlyWhatTheReadCanShow(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var l listing.Cache[string]
	read := t0.Add(10 * time.Second)
	l.Put("acct", listing.Listing[string]{Start: t0, Read: read, Items: []string{"a"}, Complete: true}, read)
	for _, tt := range []struct {
		name                string
		start, attempt, now time.Time
		want                bool
	}{
		{"a later window, an attempt long enough before", t0.Add(time.Minute), t0, read, true},
		{"the same window", t0, read.Add(-listing.Lag), read.Add(time.Second), true},
		{"a window starting earlier", t0.Add(-time.Second), t0, read, false},
		{"an attempt less than the lag before the read", t0, read.Add(-listing.Lag + time.Second), read, false},
		{"an attempt after the read", t0, read.Add(time.Second), read, false},
		{"a read past its life", t0, t0, read.Add(listing.TTL), false},
		{"no start", time.Time{}, t0, read, false},
		{"no attempt", t0, time.Time{}, read, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := l.Get("acct", tt.start, tt.attempt, tt.now); got != tt.want {
				t.Errorf("got served %v, want %v", got, tt.want)
			}
		})
	}
	if _, ok := l.Get("other", t0, t0, read); ok {
		t.Error("another key was served the account's listing")
	}

	t.Run("an older read does not replace a later one", func(t *testing.T) {
		l.Put("acct", listing.Listing[string]{Start: t0, Read: read.Add(-time.Second), Items: []string{"old"}}, read)
		if x, ok := l.Get("acct", t0, t0, read); !ok || x.Items[0] != "a" {
			t.Errorf("got %+v, %v; want the later read", x, ok)
		}
	})
	t.Run("a listing without a start is not kept", func(t *testing.T) {
		l.Put("nostart", listing.Listing[string]{Read: read}, read)
		if _, ok := l.Get("nostart", t0, t0, read); ok {
			t.Error("got a listing without a start served")
		}
	})
}

package graph_test

import (
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/graph"
)

func TestListingsServeOnlyWhatTheReadCanShow(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var l graph.Listings[string]
	read := t0.Add(10 * time.Second)
	l.Put("acct", graph.Listing[string]{Start: t0, Read: read, Items: []string{"a"}, Complete: true}, read)
	for _, tt := range []struct {
		name                string
		start, attempt, now time.Time
		want                bool
	}{
		{"a later window, an attempt long enough before", t0.Add(time.Minute), t0, read, true},
		{"the same window", t0, read.Add(-graph.ListingLag), read.Add(time.Second), true},
		{"a window starting earlier", t0.Add(-time.Second), t0, read, false},
		{"an attempt less than the lag before the read", t0, read.Add(-graph.ListingLag + time.Second), read, false},
		{"an attempt after the read", t0, read.Add(time.Second), read, false},
		{"a read past its life", t0, t0, read.Add(graph.ListingTTL), false},
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
		l.Put("acct", graph.Listing[string]{Start: t0, Read: read.Add(-time.Second), Items: []string{"old"}}, read)
		if x, ok := l.Get("acct", t0, t0, read); !ok || x.Items[0] != "a" {
			t.Errorf("got %+v, %v; want the later read", x, ok)
		}
	})
	t.Run("a listing without a start is not kept", func(t *testing.T) {
		l.Put("nostart", graph.Listing[string]{Read: read}, read)
		if _, ok := l.Get("nostart", t0, t0, read); ok {
			t.Error("got a listing without a start served")
		}
	})
}

func TestLastAttempt(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	d := &pregonero.Delivery{Attempts: []pregonero.Attempt{
		{N: 1, StartedAt: t0, FinishedAt: t0.Add(time.Minute)},
		{N: 2, StartedAt: t0.Add(30 * time.Second)},
	}}
	if got, want := graph.LastAttempt(d), t0.Add(time.Minute); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := graph.LastAttempt(nil); !got.IsZero() {
		t.Errorf("got %v for no delivery, want zero", got)
	}
}

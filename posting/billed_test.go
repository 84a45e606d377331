package posting_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/posting"
	"pregonero/store"
)

// billedFixture is a store with two X accounts and a YouTube one, and a
// service built over it by the test.
type billedFixture struct {
	clock *clock.Fake
	db    *store.DB
}

func newBilledFixture(t *testing.T) *billedFixture {
	t.Helper()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(t.TempDir(), "db"), store.WithNow(fc.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, a := range []*pregonero.Account{
		{ID: "x-gob", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "x-salud", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "yt-gob", Network: pregonero.NetworkYouTube, Status: pregonero.AccountActive},
	} {
		if err := db.PutAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	return &billedFixture{clock: fc, db: db}
}

func (f *billedFixture) service(t *testing.T, st pregonero.Store, caps map[pregonero.Network]int) *posting.Service {
	t.Helper()
	svc, err := posting.New(posting.Config{Store: st, Sender: &sender{}, Now: f.clock.Now, BilledReadCaps: caps})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (f *billedFixture) bill(t *testing.T, at time.Time, account string, n int) {
	t.Helper()
	if err := f.db.AddBilledReads(context.Background(), at, pregonero.NetworkX, account, n); err != nil {
		t.Fatal(err)
	}
}

func capOf(n int64) *int64 { return &n }

// plainStore is a store that keeps no count of billed reads.
type plainStore struct{ pregonero.Store }

// failingUsage is a store whose count of billed reads cannot be read.
type failingUsage struct {
	pregonero.Store
	pregonero.MetricsUsageStore
}

func (failingUsage) BilledReads(context.Context, time.Time) ([]pregonero.BilledReads, error) {
	return nil, errors.New("disk on fire")
}

func TestBilledReadsToday(t *testing.T) {
	ctx := context.Background()
	f := newBilledFixture(t)
	x500 := map[pregonero.Network]int{pregonero.NetworkX: 500}
	today := f.clock.Now()
	f.bill(t, today.Add(-time.Hour), "x-gob", 12)
	f.bill(t, today, "x-salud", 28)
	f.bill(t, today.AddDate(0, 0, -1), "x-gob", 70) // yesterday, UTC

	t.Run("the account's and the network's reads of the UTC day, with the cap, X accounts only", func(t *testing.T) {
		got, err := f.service(t, f.db, x500).BilledReadsToday(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]posting.BilledReads{
			"x-gob":   {Account: 12, Network: 40, Cap: capOf(500)},
			"x-salud": {Account: 28, Network: 40, Cap: capOf(500)},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
		if left, ok := got["x-gob"].Left(); left != 460 || !ok {
			t.Errorf("Left() = %d, %v; want 460, true", left, ok)
		}
	})
	t.Run("no cap: nil, and nothing left to count down", func(t *testing.T) {
		got, err := f.service(t, f.db, map[pregonero.Network]int{pregonero.NetworkX: -1}).BilledReadsToday(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b := got["x-gob"]; b.Cap != nil || b.Account != 12 || b.Network != 40 {
			t.Errorf("x-gob = %+v, want 12 of 40 with no cap", b)
		}
		if _, ok := got["x-gob"].Left(); ok {
			t.Error("Left() says there is a cap")
		}
	})
	t.Run("a cap of 0 is a cap, spent", func(t *testing.T) {
		got, err := f.service(t, f.db, map[pregonero.Network]int{pregonero.NetworkX: 0}).BilledReadsToday(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b := got["x-salud"]; b.Cap == nil || *b.Cap != 0 {
			t.Errorf("x-salud = %+v, want a cap of 0", b)
		}
		if left, ok := got["x-salud"].Left(); left != 0 || !ok {
			t.Errorf("Left() = %d, %v; want 0, true", left, ok)
		}
	})
	t.Run("a network not said to bill is left out", func(t *testing.T) {
		got, err := f.service(t, f.db, nil).BilledReadsToday(ctx)
		if err != nil || len(got) != 0 {
			t.Errorf("got %+v, %v; want nothing", got, err)
		}
	})
	t.Run("a new UTC day starts at 0", func(t *testing.T) {
		svc := f.service(t, f.db, x500)
		y, m, d := today.Date()
		f.clock.Set(time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC))
		t.Cleanup(func() { f.clock.Set(today) })
		got, err := svc.BilledReadsToday(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b := got["x-gob"]; b.Account != 0 || b.Network != 0 {
			t.Errorf("at 00:00 UTC: x-gob = %+v, want 0 of 0", b)
		}
	})
	t.Run("a store that keeps no count answers zeros", func(t *testing.T) {
		got, err := f.service(t, plainStore{f.db}, x500).BilledReadsToday(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]posting.BilledReads{"x-gob": {Cap: capOf(500)}, "x-salud": {Cap: capOf(500)}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("a count that cannot be read is an error", func(t *testing.T) {
		_, err := f.service(t, failingUsage{Store: f.db}, x500).BilledReadsToday(ctx)
		if err == nil {
			t.Error("got no error")
		}
	})
}

package posting_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/x"
	"pregonero/clock"
	"pregonero/posting"
	"pregonero/store"
)

// benchImportRows is the size of the file the issue sets the targets
// for: 10,000 rows validated in ≤ 2 s and committed in ≤ 1 s.
const benchImportRows = 10_000

// timedStore is the store with the time its CreateImport calls take: the
// commit of an import.
type timedStore struct {
	*store.DB
	commit time.Duration
}

func (s *timedStore) CreateImport(ctx context.Context, imp *pregonero.Import, posts []*pregonero.Post) error {
	start := time.Now()
	err := s.DB.CreateImport(ctx, imp, posts)
	s.commit += time.Since(start)
	return err
}

// benchImportService is a service over a new store with the accounts of
// the file, and the X adapter.
func benchImportService(b *testing.B) (*posting.Service, *timedStore) {
	b.Helper()
	fc := clock.NewFake(t0)
	db, err := store.Open(filepath.Join(b.TempDir(), "db"), store.WithNow(fc.Now))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, id := range []string{"x-gob", "x-salud"} {
		if err := db.PutAccount(context.Background(), &pregonero.Account{ID: id, Network: pregonero.NetworkX, Status: pregonero.AccountActive}); err != nil {
			b.Fatal(err)
		}
	}
	ts := &timedStore{DB: db}
	// The X adapter itself checks each row, weighing its text as X does.
	svc, err := posting.New(posting.Config{Store: ts, Sender: &sender{}, Now: fc.Now,
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: x.New(x.Config{Now: fc.Now})}})
	if err != nil {
		b.Fatal(err)
	}
	return svc, ts
}

// BenchmarkImportValidate checks a file of 10,000 rows, two targets each
// (a dry run: nothing is written).
func BenchmarkImportValidate(b *testing.B) {
	svc, _ := benchImportService(b)
	data := importFile(benchImportRows)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep, err := svc.Import(context.Background(), posting.ImportRequest{Data: data, DryRun: true})
		if err != nil || rep.Valid != benchImportRows {
			b.Fatalf("Import() = %v, %v", rep, err)
		}
	}
}

// BenchmarkImportCommit imports a file of 10,000 rows into an empty
// store: ns/op is the whole import, commit-ms/op the one transaction
// that writes the 10,000 posts, their 20,000 deliveries and the record.
func BenchmarkImportCommit(b *testing.B) {
	data := importFile(benchImportRows)
	var commit time.Duration
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		svc, ts := benchImportService(b)
		b.StartTimer()
		rep, err := svc.Import(context.Background(), posting.ImportRequest{Data: data})
		if err != nil || !rep.Created {
			b.Fatalf("Import() = %v, %v", rep, err)
		}
		commit += ts.commit
	}
	b.ReportMetric(float64(commit.Milliseconds())/float64(b.N), "commit-ms/op")
}

// queueImportFile is a file of n rows that all go to the queue of both
// accounts.
func queueImportFile(n int) []byte {
	var b strings.Builder
	b.WriteString("text,targets,scheduled_at\n")
	for i := range n {
		fmt.Fprintf(&b, "Boletín %d,x-gob|x-salud,queue\n", i)
	}
	return []byte(b.String())
}

// BenchmarkImportQueue checks a file of 10,000 rows that all go to the
// queue of two accounts with a slot every hour (a dry run): each row
// takes the next free slot after those of the rows before it, so the
// placing must not walk again the slots the rows before took.
func BenchmarkImportQueue(b *testing.B) {
	svc, _ := benchImportService(b)
	var hourly []pregonero.Slot
	for h := range 24 {
		hourly = append(hourly, pregonero.Slot{Days: pregonero.Weekdays, Time: fmt.Sprintf("%02d:00", h)})
	}
	for _, id := range []string{"x-gob", "x-salud"} {
		if _, err := svc.SetSlots(context.Background(), id, hourly); err != nil {
			b.Fatal(err)
		}
	}
	data := queueImportFile(benchImportRows)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := svc.Import(context.Background(), posting.ImportRequest{Data: data, DryRun: true})
		if err != nil || rep.Valid != benchImportRows {
			b.Fatalf("Import() = %+v, %v", rep, err)
		}
	}
}

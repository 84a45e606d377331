package store_test

import (
	"testing"
	"time"

	"pregonero"
	"pregonero/store"
	"pregonero/store/storetest"
)

func TestSeriesStore(t *testing.T) {
	storetest.TestSeriesStore(t, func(t *testing.T, path string, now func() time.Time) pregonero.Store {
		db, err := store.Open(path, store.WithNow(now), store.WithLogger(quiet))
		if err != nil {
			t.Fatalf("Open(%s) = %v", path, err)
		}
		return db
	})
}

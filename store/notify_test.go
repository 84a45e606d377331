package store_test

import (
	"testing"
	"time"

	"pregonero"
	"pregonero/store"
	"pregonero/store/storetest"
)

func openNotifyStore(t *testing.T, path string, now func() time.Time) pregonero.Store {
	db, err := store.Open(path, store.WithNow(now), store.WithLogger(quiet))
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	return db
}

func TestEventStore(t *testing.T) { storetest.TestEventStore(t, openNotifyStore) }

func TestNotifyStore(t *testing.T) { storetest.TestNotifyStore(t, openNotifyStore) }

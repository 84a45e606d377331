package web_test

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"pregonero"
	"pregonero/web"
)

// unwritable is a store whose last commit failed, as on a full disk.
type unwritable struct {
	pregonero.Store
	err error
}

func (u unwritable) Health() error { return u.err }

// The readiness probe fails, with the reason, while the store cannot
// write: reads still answer, so a cheap read alone would say ready.
func TestReadyzFailsWhileTheStoreCannotWrite(t *testing.T) {
	db := mustOpenStore(t, filepath.Join(t.TempDir(), "db"), &clock{t: testNow})
	defer db.Close()
	full := unwritable{Store: db, err: errors.New("store commit: the disk that holds the data file is full")}
	s, err := web.New(web.Config{Store: full, Control: &fakeControl{}, Posts: newService(t, db, &fakeControl{}, nil, nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "/readyz", nil)
	rec := newRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.status() != http.StatusServiceUnavailable || !strings.Contains(rec.body.String(), "disk that holds the data file is full") {
		t.Errorf("got %d %q, want 503 naming the full disk", rec.status(), rec.body.String())
	}
	full.err = nil
	s, err = web.New(web.Config{Store: full, Control: &fakeControl{}, Posts: newService(t, db, &fakeControl{}, nil, nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	rec = newRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.status() != http.StatusOK {
		t.Errorf("got %d %q once it can write, want 200", rec.status(), rec.body.String())
	}
}

package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"pregonero"
	"pregonero/store"
	"pregonero/web"
)

func TestClient(t *testing.T) {
	ts := newTestServer(t)
	ts.mustCampaign("c1")
	c := ts.client()
	ctx := context.Background()

	p, err := c.CreatePost(ctx, web.PostRequest{Text: "Hola", Targets: []string{"x-gob", "fb-gob"}, ScheduledAt: "2026-12-01T09:00", Campaign: "c1"}, "key-client")
	if err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	if p.ID == "" || len(p.Deliveries) != 2 || p.Status != pregonero.PostScheduled {
		t.Fatalf("got %+v", p)
	}

	t.Run("retry with the key returns the same post", func(t *testing.T) {
		again, err := c.CreatePost(ctx, web.PostRequest{Text: "Hola", Targets: []string{"x-gob", "fb-gob"}, ScheduledAt: "2026-12-01T09:00", Campaign: "c1"}, "key-client")
		if err != nil || again.ID != p.ID {
			t.Errorf("got %v %v, want post %s", again, err, p.ID)
		}
	})

	t.Run("invalid post comes back as a pregonero.Error with fields", func(t *testing.T) {
		_, err := c.CreatePost(ctx, web.PostRequest{Targets: []string{"nope"}}, "")
		e := asAppError(t, err)
		if e.Code != pregonero.EINVALID || !hasField(e, "nope", "targets", "unknown") || !hasField(e, "", "text", "required") {
			t.Errorf("got %+v", e)
		}
	})

	t.Run("list, get and cancel", func(t *testing.T) {
		page, err := c.Posts(ctx, url.Values{"campaign": {"c1"}})
		if err != nil || len(page.Posts) != 1 || page.Posts[0].ID != p.ID {
			t.Fatalf("Posts: got %+v %v", page, err)
		}
		got, err := c.Post(ctx, p.ID)
		if err != nil || got.ID != p.ID {
			t.Fatalf("Post: got %+v %v", got, err)
		}
		canceled, err := c.CancelPost(ctx, p.ID)
		if err != nil || canceled.Status != pregonero.PostCanceled {
			t.Fatalf("CancelPost: got %+v %v", canceled, err)
		}
		_, err = c.Post(ctx, "p_nope")
		if e := asAppError(t, err); e.Code != pregonero.ENOTFOUND {
			t.Errorf("got %+v, want not_found", e)
		}
	})

	t.Run("accounts", func(t *testing.T) {
		as, err := c.Accounts(ctx)
		if err != nil || len(as) != len(testAccounts) {
			t.Fatalf("got %d accounts %v", len(as), err)
		}
		for _, a := range as {
			if a.Credentials != nil {
				t.Errorf("account %s came with credentials", a.ID)
			}
		}
	})

	t.Run("pause, state, resume and release", func(t *testing.T) {
		if err := c.Pause(ctx, "x-gob", "revisión"); err != nil {
			t.Fatalf("Pause: %v", err)
		}
		if _, err := c.PauseState(ctx); err != nil {
			t.Fatalf("PauseState: %v", err)
		}
		if _, err := c.Resume(ctx, ""); err != nil {
			t.Fatalf("Resume: %v", err)
		}
		if got := ts.ctl.pauseCalls(); len(got) != 1 || got[0] != [2]string{"x-gob", "revisión"} {
			t.Errorf("got pauses %v", got)
		}
		if got := ts.ctl.resumeCalls(); len(got) != 1 || got[0] != "" {
			t.Errorf("got resumes %v", got)
		}
		err := c.Pause(ctx, "", "")
		if e := asAppError(t, err); !hasField(e, "", "reason", "required") {
			t.Errorf("got %+v", e)
		}
		_, err = c.ReleaseDelivery(ctx, "d_x")
		if e := asAppError(t, err); e.Code != pregonero.ENOTFOUND {
			t.Errorf("got %+v", e)
		}
	})

	t.Run("wrong token is unauthorized", func(t *testing.T) {
		_, err := web.NewClient(ts.srv.URL, "prg_wrong", nil).Accounts(ctx)
		if e := asAppError(t, err); e.Code != pregonero.EUNAUTHORIZED {
			t.Errorf("got %+v", e)
		}
	})

	t.Run("an answer without error document is classified by status", func(t *testing.T) {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bad gateway", http.StatusBadGateway)
		}))
		defer proxy.Close()
		_, err := web.NewClient(proxy.URL+"/", "t", nil).Accounts(ctx)
		e := asAppError(t, err)
		if e.Code != pregonero.EUNAVAILABLE || e.Message != "HTTP 502: bad gateway" {
			t.Errorf("got %+v, want unavailable", e)
		}
	})

	t.Run("backup is a store that opens", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "backup.db")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		n, err := c.Backup(ctx, f)
		f.Close()
		if err != nil || n == 0 {
			t.Fatalf("Backup: got %d bytes, %v", n, err)
		}
		db := mustOpenStore(t, path, &clock{t: testNow})
		defer db.Close()
		if got, err := db.Post(ctx, p.ID); err != nil || got.ID != p.ID {
			t.Errorf("post in backup: %v %v", got, err)
		}
	})

	t.Run("backup without token is unauthorized", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := web.NewClient(ts.srv.URL, "", nil).Backup(ctx, &buf)
		if e := asAppError(t, err); e.Code != pregonero.EUNAUTHORIZED || n != 0 || buf.Len() != 0 {
			t.Errorf("got %d bytes, %+v", n, e)
		}
	})

	t.Run("no server is unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = web.NewClient("http://"+addr, "t", nil).Accounts(ctx)
		if err == nil || !web.IsUnreachable(err) {
			t.Errorf("got %v, want unreachable", err)
		}
		_, err = c.Post(ctx, "p_nope")
		if web.IsUnreachable(err) {
			t.Errorf("an answered request is unreachable: %v", err)
		}
	})

	t.Run("idempotency keys are unique", func(t *testing.T) {
		if a, b := web.NewIdempotencyKey(), web.NewIdempotencyKey(); a == b || len(a) < 16 {
			t.Errorf("got keys %q and %q", a, b)
		}
	})
}

// brokenBackupStore fails its backup after part of the snapshot.
type brokenBackupStore struct{ *store.DB }

func (s brokenBackupStore) Backup(_ context.Context, w io.Writer) (int64, error) {
	n, _ := w.Write(bytes.Repeat([]byte{1}, 64<<10))
	return int64(n), errors.New("disk read error")
}

func TestBackupCutShortFails(t *testing.T) {
	ts := newTestServer(t)
	s, err := web.New(web.Config{Store: brokenBackupStore{ts.db}, Control: &fakeControl{}, Posts: newService(t, ts.db, &fakeControl{}, nil, nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	var buf bytes.Buffer
	n, err := web.NewClient(srv.URL, ts.token, srv.Client()).Backup(context.Background(), &buf)
	if err == nil {
		t.Fatalf("got %d bytes and no error, want an error for a cut snapshot", n)
	}
}

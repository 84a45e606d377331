package main_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/sandbox"
	main "pregonero/cmd/pregonero"
	"pregonero/store"
)

// startSandbox serves the fake networks on their own, outliving the
// servers a test starts and stops.
func startSandbox(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.Options{Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sb.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func TestHardeningAFailedStartSendsNothing(t *testing.T) {
	sandboxAddr := startSandbox(t)
	path := writeConfig(t, t.TempDir(), false, sandboxAddr, "gobantioquia")

	// A first run queues a post and stops before it is due.
	m := main.NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"-config", path}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	a := newAPI(t, "http://"+m.Addr, m.Config.DataDir)
	// Beyond the scheduler's claim lead (1 s): the first run leaves it
	// queued, unclaimed.
	at := time.Now().Add(2500 * time.Millisecond)
	var p postView
	if code := a.do("POST", "/api/v1/posts", map[string]any{"text": "No sale si el servidor no arranca",
		"targets": []string{"x-gobantioquia"}, "scheduled_at": at.UTC().Format(time.RFC3339Nano)}, &p); code != http.StatusCreated {
		t.Fatalf("create: %d %+v", code, p)
	}
	dataDir := m.Config.DataDir
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(at.Add(200 * time.Millisecond)))

	// The second run finds its port taken while the post is due.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	m2 := main.NewMain()
	m2.Stderr = io.Discard
	if err := m2.ParseFlags([]string{"-config", path, "-listen", taken.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	err = m2.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "listen") || !strings.Contains(err.Error(), "address already in use") {
		m2.Close()
		t.Fatalf("Run: got %v, want listen: address already in use", err)
	}
	// The bind failed first: nothing that could publish was even made.
	if m2.Publisher != nil || m2.Scheduler != nil {
		t.Errorf("a failed start made the publisher (%v) or the scheduler (%v)", m2.Publisher != nil, m2.Scheduler != nil)
	}
	if err := m2.Close(); err != nil {
		t.Fatal(err)
	}

	if got := getSandboxPosts(t, sandboxAddr); len(got.Posts) != 0 {
		t.Errorf("a failed start sent %d posts: %+v", len(got.Posts), got.Posts)
	}
	db, err := store.Open(filepath.Join(dataDir, store.DataFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	post, err := db.Post(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range post.Deliveries {
		if d.State != pregonero.DeliveryQueued || len(d.Attempts) != 0 || d.Claimed {
			t.Errorf("delivery %s: state %s, %d attempts, claimed %v; want queued and untouched", d.ID, d.State, len(d.Attempts), d.Claimed)
		}
	}
}

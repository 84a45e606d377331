package storetest

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
)

func sampleAccount(id string) *pregonero.Account {
	return &pregonero.Account{
		ID:              id,
		Network:         pregonero.NetworkX,
		Name:            "Gobernación de Antioquia",
		RemoteID:        "123456789",
		Unit:            "Comunicaciones",
		Endpoint:        "http://127.0.0.1:8090/x",
		Status:          pregonero.AccountActive,
		CredentialsHash: "sha256:abc",
		UpdatedAt:       base,
		Source:          pregonero.AccountFromConfig,
	}
}

func sameAccount(t *testing.T, got, want *pregonero.Account) {
	t.Helper()
	g, w := *got, *want
	g.StatusSince, w.StatusSince = g.StatusSince.UTC(), w.StatusSince.UTC()
	g.UpdatedAt, w.UpdatedAt = g.UpdatedAt.UTC(), w.UpdatedAt.UTC()
	g.ConnectedAt, w.ConnectedAt = g.ConnectedAt.UTC(), w.ConnectedAt.UTC()
	// Configured credentials come from the configuration, not the store.
	g.Credentials, w.Credentials = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("account:\ngot  %+v\nwant %+v", g, w)
	}
}

func testAccounts(t *testing.T, open OpenFunc) {
	t.Run("put account reads back and lists ordered by id", func(t *testing.T) {
		h := newHarness(t, open)
		for _, id := range []string{"yt-canal", "fb-pagina", "x-gobantioquia"} {
			if err := h.s.PutAccount(h.ctx, sampleAccount(id)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := h.s.Account(h.ctx, "fb-pagina")
		if err != nil {
			t.Fatal(err)
		}
		sameAccount(t, got, sampleAccount("fb-pagina"))
		list, err := h.s.Accounts(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range list {
			names = append(names, a.ID)
		}
		if want := []string{"fb-pagina", "x-gobantioquia", "yt-canal"}; !equalStrings(names, want) {
			t.Errorf("Accounts() = %v, want %v", names, want)
		}
	})

	t.Run("put replaces the account", func(t *testing.T) {
		h := newHarness(t, open)
		a := sampleAccount("x-a")
		if err := h.s.PutAccount(h.ctx, a); err != nil {
			t.Fatal(err)
		}
		b := sampleAccount("x-a")
		b.Name, b.Status, b.StatusReason, b.StatusSince = "Otro", pregonero.AccountPaused, "vacaciones", base.Add(time.Hour)
		if err := h.s.PutAccount(h.ctx, b); err != nil {
			t.Fatal(err)
		}
		got, err := h.s.Account(h.ctx, "x-a")
		if err != nil {
			t.Fatal(err)
		}
		sameAccount(t, got, b)
	})

	t.Run("update runs on a copy and stamps the time", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.s.PutAccount(h.ctx, sampleAccount("x-a")); err != nil {
			t.Fatal(err)
		}
		now := base.Add(5 * time.Hour)
		h.clock.Set(now)
		got, err := h.s.UpdateAccount(h.ctx, "x-a", func(a *pregonero.Account) error {
			a.Status = pregonero.AccountNeedsReauth
			a.StatusReason = "X refused the token"
			a.StatusSince = now
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := sampleAccount("x-a")
		want.Status, want.StatusReason, want.StatusSince, want.UpdatedAt = pregonero.AccountNeedsReauth, "X refused the token", now, now
		sameAccount(t, got, want)
		stored, err := h.s.Account(h.ctx, "x-a")
		if err != nil {
			t.Fatal(err)
		}
		sameAccount(t, stored, want)
	})

	t.Run("update error writes nothing", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.s.PutAccount(h.ctx, sampleAccount("x-a")); err != nil {
			t.Fatal(err)
		}
		_, err := h.s.UpdateAccount(h.ctx, "x-a", func(a *pregonero.Account) error {
			a.Status = pregonero.AccountPaused
			return errRefused
		})
		if err != errRefused {
			t.Fatalf("UpdateAccount() = %v, want %v", err, errRefused)
		}
		got, err := h.s.Account(h.ctx, "x-a")
		if err != nil {
			t.Fatal(err)
		}
		sameAccount(t, got, sampleAccount("x-a"))
	})

	t.Run("a connected account reads back with its connection", func(t *testing.T) {
		h := newHarness(t, open)
		a := sampleAccount("fb-pagina")
		a.Network, a.Source, a.Handle, a.AvatarURL = pregonero.NetworkFacebook, pregonero.AccountConnected, "@gobantioquia", "https://scontent.example/a.jpg"
		a.Scopes, a.MissingScopes = []string{"pages_show_list", "pages_manage_posts"}, []string{"pages_read_engagement"}
		a.ConnectedAt, a.ConnectedBy = base.Add(time.Minute), "admin"
		if err := h.s.PutAccount(h.ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := h.s.UpdateAccount(h.ctx, a.ID, func(x *pregonero.Account) error {
			x.Status, x.StatusSince = pregonero.AccountDisconnected, base.Add(time.Hour)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := *a
		want.Status, want.StatusSince, want.UpdatedAt = pregonero.AccountDisconnected, base.Add(time.Hour), got.UpdatedAt
		sameAccount(t, got, &want)
		stored, err := h.s.Account(h.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameAccount(t, stored, &want)
	})

	t.Run("an account stored without a source reads as configured", func(t *testing.T) {
		h := newHarness(t, open)
		a := sampleAccount("x-a")
		a.Source = ""
		if err := h.s.PutAccount(h.ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := h.s.Account(h.ctx, "x-a")
		if err != nil {
			t.Fatal(err)
		}
		sameAccount(t, got, sampleAccount("x-a"))
	})

	t.Run("unknown account is not found", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.s.Account(h.ctx, "x-none")
		wantCode(t, err, pregonero.ENOTFOUND)
		_, err = h.s.UpdateAccount(h.ctx, "x-none", func(*pregonero.Account) error { return nil })
		wantCode(t, err, pregonero.ENOTFOUND)
		list, err := h.s.Accounts(h.ctx)
		if err != nil || len(list) != 0 {
			t.Errorf("Accounts() = %v, %v; want none", list, err)
		}
	})
}

func testCredentials(t *testing.T, open OpenFunc) {
	t.Run("credentials are replaced as a whole", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.s.Credentials(h.ctx, "yt-canal")
		wantCode(t, err, pregonero.ENOTFOUND)
		first := map[string]string{"access_token": "ya29.a", "refresh_token": "1//r"}
		if err := h.s.PutCredentials(h.ctx, "yt-canal", first); err != nil {
			t.Fatal(err)
		}
		first["access_token"] = "changed by the caller afterwards"
		got, err := h.s.Credentials(h.ctx, "yt-canal")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"access_token": "ya29.a", "refresh_token": "1//r"}; !mapsEqual(got, want) {
			t.Errorf("Credentials() = %v, want %v", got, want)
		}
		if err := h.s.PutCredentials(h.ctx, "yt-canal", map[string]string{"access_token": "ya29.b"}); err != nil {
			t.Fatal(err)
		}
		got, err = h.s.Credentials(h.ctx, "yt-canal")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"access_token": "ya29.b"}; !mapsEqual(got, want) {
			t.Errorf("Credentials() = %v, want %v", got, want)
		}
		_, err = h.s.Credentials(h.ctx, "x-other")
		wantCode(t, err, pregonero.ENOTFOUND)
	})

	t.Run("credentials survive reopening", func(t *testing.T) {
		h := newHarness(t, open)
		want := map[string]string{"access_token": "ya29.c", "refresh_token": "1//rotated"}
		if err := h.s.PutCredentials(h.ctx, "yt-canal", want); err != nil {
			t.Fatal(err)
		}
		if err := h.s.PutCredentials(h.ctx, "x-gobantioquia", map[string]string{"refresh_token": "x-r"}); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		got, err := h.s.Credentials(h.ctx, "yt-canal")
		if err != nil {
			t.Fatal(err)
		}
		if !mapsEqual(got, want) {
			t.Errorf("Credentials() after reopening = %v, want %v", got, want)
		}
	})
}

func sampleMedia(id string) *pregonero.Media {
	return &pregonero.Media{
		ID: id, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		MIME: "video/mp4", Size: 12 << 20, Width: 1080, Height: 1920, DurationMS: 30500,
		AltText: "Video de la jornada", Filename: "jornada.mp4", CreatedAt: base,
	}
}

func testMedia(t *testing.T, open OpenFunc) {
	t.Run("media reads back and unknown is not found", func(t *testing.T) {
		h := newHarness(t, open)
		m := sampleMedia("m_1")
		if err := h.s.PutMedia(h.ctx, m); err != nil {
			t.Fatal(err)
		}
		got, err := h.s.Media(h.ctx, "m_1")
		if err != nil {
			t.Fatal(err)
		}
		got.CreatedAt = got.CreatedAt.UTC()
		if !reflect.DeepEqual(got, m) {
			t.Errorf("Media() = %+v, want %+v", got, m)
		}
		_, err = h.s.Media(h.ctx, "m_2")
		wantCode(t, err, pregonero.ENOTFOUND)
	})
}

func testPause(t *testing.T, open OpenFunc) {
	t.Run("pause starts off and round trips", func(t *testing.T) {
		h := newHarness(t, open)
		p, err := h.s.Pause(h.ctx)
		if err != nil || p.Paused {
			t.Fatalf("Pause() = %+v, %v; want not paused", p, err)
		}
		want := pregonero.PauseState{Paused: true, Reason: "duelo departamental", Since: base}
		if err := h.s.SetPause(h.ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := h.s.Pause(h.ctx)
		if err != nil || got.Paused != want.Paused || got.Reason != want.Reason || !got.Since.Equal(want.Since) {
			t.Errorf("Pause() = %+v, %v; want %+v", got, err, want)
		}
		if err := h.s.SetPause(h.ctx, pregonero.PauseState{}); err != nil {
			t.Fatal(err)
		}
		if got, err := h.s.Pause(h.ctx); err != nil || got.Paused {
			t.Errorf("Pause() after resume = %+v, %v", got, err)
		}
	})
}

func testSettings(t *testing.T, open OpenFunc) {
	t.Run("settings round trip and unset is not found", func(t *testing.T) {
		h := newHarness(t, open)
		_, err := h.s.Setting(h.ctx, "api_token_hash")
		wantCode(t, err, pregonero.ENOTFOUND)
		value := []byte("sha256:0123")
		if err := h.s.PutSetting(h.ctx, "api_token_hash", value); err != nil {
			t.Fatal(err)
		}
		value[0] = 'X'
		got, err := h.s.Setting(h.ctx, "api_token_hash")
		if err != nil || string(got) != "sha256:0123" {
			t.Fatalf("Setting() = %q, %v; want %q", got, err, "sha256:0123")
		}
		got[0] = 'Y'
		if again, _ := h.s.Setting(h.ctx, "api_token_hash"); string(again) != "sha256:0123" {
			t.Errorf("Setting() = %q after the caller changed a returned value", again)
		}
		if err := h.s.PutSetting(h.ctx, "api_token_hash", []byte{}); err != nil {
			t.Fatal(err)
		}
		if got, err := h.s.Setting(h.ctx, "api_token_hash"); err != nil || len(got) != 0 {
			t.Errorf("Setting() = %q, %v; want empty", got, err)
		}
	})
}

// snapshot is everything the suite can read back from a store.
type snapshot struct {
	Posts       []*pregonero.Post
	Counts      map[pregonero.DeliveryState]int
	NextDue     time.Time
	Held        []string
	Accounts    []*pregonero.Account
	Credentials map[string]string
	Media       *pregonero.Media
	Pause       pregonero.PauseState
	Setting     []byte
}

func takeSnapshot(t *testing.T, h *harness) snapshot {
	t.Helper()
	var s snapshot
	posts, _ := listAll(t, h, pregonero.PostFilter{Limit: 500})
	for _, p := range posts {
		s.Posts = append(s.Posts, normPost(p))
	}
	s.Counts = h.counts()
	s.NextDue, _ = h.nextDue()
	s.NextDue = s.NextDue.UTC()
	s.Held = ids(h.held(""))
	var err error
	if s.Accounts, err = h.s.Accounts(h.ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range s.Accounts {
		a.UpdatedAt, a.StatusSince = a.UpdatedAt.UTC(), a.StatusSince.UTC()
	}
	if s.Credentials, err = h.s.Credentials(h.ctx, "yt-canal"); err != nil {
		t.Fatal(err)
	}
	if s.Media, err = h.s.Media(h.ctx, "m_1"); err != nil {
		t.Fatal(err)
	}
	s.Media.CreatedAt = s.Media.CreatedAt.UTC()
	if s.Pause, err = h.s.Pause(h.ctx); err != nil {
		t.Fatal(err)
	}
	s.Pause.Since = s.Pause.Since.UTC()
	if s.Setting, err = h.s.Setting(h.ctx, "theme"); err != nil {
		t.Fatal(err)
	}
	return s
}

// populate writes some of everything, deliveries in every state.
func populate(t *testing.T, h *harness) {
	t.Helper()
	for i := range 40 {
		p := postWith(base.Add(time.Duration(i)*time.Minute), []string{accountName(i, 3), accountName(i+1, 3)},
			allStates[i%len(allStates)], allStates[(i+3)%len(allStates)])
		h.create(p)
	}
	h.claim(base, base.Add(10*time.Minute), 5)
	if err := h.s.PutAccount(h.ctx, sampleAccount("x-gobantioquia")); err != nil {
		t.Fatal(err)
	}
	if err := h.s.PutCredentials(h.ctx, "yt-canal", map[string]string{"refresh_token": "1//r"}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.PutMedia(h.ctx, sampleMedia("m_1")); err != nil {
		t.Fatal(err)
	}
	if err := h.s.SetPause(h.ctx, pregonero.PauseState{Paused: true, Reason: "mantenimiento", Since: base}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.PutSetting(h.ctx, "theme", []byte(`{"dark":true}`)); err != nil {
		t.Fatal(err)
	}
}

func sameSnapshot(t *testing.T, got, want snapshot) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("store content differs:\ngot  %+v\nwant %+v", got, want)
	}
}

func testDurability(t *testing.T, open OpenFunc) {
	t.Run("everything survives close and reopen", func(t *testing.T) {
		h := newHarness(t, open)
		populate(t, h)
		before := takeSnapshot(t, h)
		h.reopen()
		sameSnapshot(t, takeSnapshot(t, h), before)
		if len(before.Posts) != 40 {
			t.Errorf("snapshot has %d posts, want 40", len(before.Posts))
		}
	})
}

func testBackup(t *testing.T, open OpenFunc) {
	t.Run("backup opens as a store with the same content", func(t *testing.T) {
		h := newHarness(t, open)
		populate(t, h)
		want := takeSnapshot(t, h)
		path := filepath.Join(t.TempDir(), "backup.db")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		n, err := h.s.Backup(h.ctx, f)
		if err != nil {
			t.Fatalf("Backup() = %v", err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != n {
			t.Errorf("Backup() = %d bytes, file has %v (%v)", n, fi.Size(), err)
		}
		b := &harness{t: t, open: open, path: path, clock: h.clock, ctx: h.ctx}
		b.s = open(t, path, h.clock.Now)
		defer b.s.Close()
		sameSnapshot(t, takeSnapshot(t, b), want)
	})

	t.Run("backup taken during writes is consistent", func(t *testing.T) {
		h := newHarness(t, open)
		populate(t, h)
		var (
			stop    atomic.Bool
			wg      sync.WaitGroup
			created atomic.Int64
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if err := h.s.CreatePosts(h.ctx, NewPost(base.Add(time.Duration(i)*time.Second), "x-a", "fb-b")); err != nil {
					t.Error(err)
					return
				}
				created.Add(1)
			}
		}()
		for created.Load() < 5 {
			time.Sleep(time.Millisecond)
		}
		var buf bytes.Buffer
		_, err := h.s.Backup(h.ctx, &buf)
		stop.Store(true)
		wg.Wait()
		if err != nil {
			t.Fatalf("Backup() = %v", err)
		}
		path := filepath.Join(t.TempDir(), "backup.db")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		b := &harness{t: t, open: open, path: path, clock: h.clock, ctx: h.ctx}
		b.s = open(t, path, h.clock.Now)
		defer b.s.Close()
		posts, _ := listAll(t, b, pregonero.PostFilter{Limit: 500})
		if len(posts) < 45 {
			t.Errorf("backup has %d posts, want at least 45", len(posts))
		}
		checkIndexes(t, b, postIDs(posts))
	})
}

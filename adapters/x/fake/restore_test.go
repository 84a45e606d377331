package fake_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/x/fake"
)

func TestRestore(t *testing.T) {
	before := newEnv(t, fake.Options{})
	start := before.clock.Now().UTC().Truncate(time.Second)
	before.clock.Set(start)
	mediaID, _ := before.upload(t, "ana", "image/png", "tweet_image", pngBytes, 1000)
	if res := before.do(t, "ana", "POST", "/2/media/metadata", map[string]any{"id": mediaID, "metadata": map[string]any{"alt_text": map[string]any{"text": "Mapa de la vía"}}}); res.status != http.StatusOK {
		t.Fatalf("metadata: status %d: %s", res.status, res.body)
	}
	withMedia := before.createPost(t, "ana", "Cierre de la vía https://example.com/vias", mediaID)
	before.clock.Advance(time.Minute)
	plain := before.createPost(t, "ana", "Boletín 12")
	before.createPost(t, "beto", "De otro usuario")
	deleted := before.createPost(t, "ana", "Borrado")
	if res := before.do(t, "ana", "DELETE", "/2/tweets/"+deleted, nil); res.status != http.StatusOK {
		t.Fatalf("delete: status %d", res.status)
	}
	lookup := func(e *env, id string) string {
		t.Helper()
		res := e.do(t, "ana", "GET", "/2/tweets/"+id+"?tweet.fields=created_at,attachments,entities,author_id&expansions=attachments.media_keys&media.fields=alt_text", nil)
		if res.status != http.StatusOK {
			t.Fatalf("lookup %s: status %d", id, res.status)
		}
		return string(res.body)
	}
	wantWithMedia, wantPlain := lookup(before, withMedia), lookup(before, plain)
	posts := before.fake.Ledger().Posts()

	// The restarted fake starts with its clock before the restored posts,
	// as a sandbox clock may after a restart.
	after := newEnv(t, fake.Options{Ledger: fakenet.NewLedger()})
	after.clock.Set(start.Add(-time.Hour))
	if err := after.fake.Restore(append(posts, fakenet.Post{Network: "youtube", RemoteID: "not-x"})); err != nil {
		t.Fatal(err)
	}

	t.Run("lookups answer as before the restart", func(t *testing.T) {
		if got := lookup(after, withMedia); got != wantWithMedia {
			t.Errorf("post with media =\n%s\nwant\n%s", got, wantWithMedia)
		}
		if got := lookup(after, plain); got != wantPlain {
			t.Errorf("post =\n%s\nwant\n%s", got, wantPlain)
		}
	})
	t.Run("the timeline lists the restored posts newest first", func(t *testing.T) {
		p, res := after.timeline(t, "ana", url.Values{"tweet.fields": {"created_at"}})
		if res.status != http.StatusOK || p.Meta.ResultCount != 2 || p.Data[0].ID != plain || p.Data[1].ID != withMedia {
			t.Fatalf("timeline: status %d %s, want %s then %s", res.status, res.body, plain, withMedia)
		}
		if p.Data[1].CreatedAt != start.Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("created_at = %s, want %s", p.Data[1].CreatedAt, start)
		}
	})
	t.Run("a deleted post stays deleted", func(t *testing.T) {
		if got := lookup(after, deleted); !strings.Contains(got, "Could not find") && !strings.Contains(got, `"errors"`) {
			t.Errorf("lookup of the deleted post = %s, want not found", got)
		}
	})
	t.Run("the same text again is refused as a duplicate", func(t *testing.T) {
		if res := after.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "Boletín 12"}); res.status != http.StatusForbidden {
			t.Errorf("status %d, want 403 duplicate", res.status)
		}
	})
	t.Run("new ids follow the restored ones", func(t *testing.T) {
		id := after.createPost(t, "ana", "Después del reinicio")
		n, _ := strconv.ParseUint(id, 10, 64)
		for _, old := range []string{withMedia, plain, mediaID} {
			if o, _ := strconv.ParseUint(old, 10, 64); n <= o {
				t.Errorf("new id %s is not above restored id %s", id, old)
			}
		}
	})
	t.Run("restored media cannot be attached again", func(t *testing.T) {
		res := after.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "Otra vez la foto", "media": map[string]any{"media_ids": []string{mediaID}}})
		if res.status != http.StatusBadRequest {
			t.Errorf("status %d, want 400", res.status)
		}
	})
	t.Run("a post without a numeric id is refused", func(t *testing.T) {
		err := fake.New(fake.Options{}).Restore([]fakenet.Post{{Network: "x", Account: "ana", RemoteID: "abc"}})
		if err == nil || !strings.Contains(err.Error(), "abc") {
			t.Errorf("err = %v, want one naming the id", err)
		}
	})
}

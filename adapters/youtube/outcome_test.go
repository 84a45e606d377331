package youtube_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

// isFinalChunk reports whether r is the chunk that completes a resumable
// upload: a request to a session whose Content-Range names the total.
func isFinalChunk(r *http.Request) bool {
	cr := r.Header.Get("Content-Range")
	return r.URL.Query().Get("upload_id") != "" && cr != "" && !strings.HasSuffix(cr, "/*")
}

// wantOneVideoAndUnknown checks that a Publish that failed after the
// final chunk reports an unknown outcome while the channel holds the
// video once, inserted once.
func wantOneVideoAndUnknown(t *testing.T, e *env, name string, err error) *pregonero.PublishError {
	t.Helper()
	pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	if pe.Code != "youtube_outcome_unknown" {
		t.Errorf("got code %q, want youtube_outcome_unknown", pe.Code)
	}
	if posts := e.posts(name); len(posts) != 1 {
		t.Errorf("got %d videos on the channel, want 1", len(posts))
	}
	if uploads, _ := e.fake.Quota(); uploads != 1 {
		t.Errorf("got %d inserts, want 1: the video must not be uploaded again", uploads)
	}
	if strings.Contains(err.Error(), "upload_id=") && !strings.Contains(err.Error(), "upload_id="+youtube.Redacted) {
		t.Errorf("got error %q, want the session id redacted", err)
	}
	return pe
}

// TestFailuresAfterTheFinalChunkAreUnknown: once the final chunk may have
// reached YouTube the video may exist, so no failure after that point is
// retryable or retried: the publisher reconciles first.
func TestFailuresAfterTheFinalChunkAreUnknown(t *testing.T) {
	const size = chunk + 1000 // two chunks

	t.Run("a token renewal that fails while the final chunk is sent again", func(t *testing.T) {
		// The final chunk is stored and answered 503; before the client
		// sends it again the access token expires and Google cannot renew
		// it.
		var once sync.Once
		var e *env
		e = newEnv(t, envOptions{chunkSize: chunk, wrap: func(f *fake.Fake) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				f.ServeHTTP(w, r)
				if isFinalChunk(r) {
					once.Do(func() {
						e.clock.Advance(2 * time.Hour)
						e.fault(fakenet.Rule{Op: fake.OpToken, Mode: fakenet.ModeError, Status: 500})
					})
				}
			})
		}})
		e.fault(fakenet.Rule{Op: fake.OpFinalize, Mode: fakenet.ModeError, Status: 503, Count: 1})
		a := e.account("renewal")
		_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Renewal", size, "renewal"), a)
		pe := wantOneVideoAndUnknown(t, e, "renewal", err)
		if !strings.Contains(pe.Message, "renew") {
			t.Errorf("got message %q, want it to say the token could not be renewed", pe.Message)
		}
	})

	t.Run("a 404 to the final chunk sent again after its answer was lost", func(t *testing.T) {
		e := newEnv(t, envOptions{chunkSize: chunk})
		e.fault(fakenet.Rule{Op: fake.OpFinalize, Mode: fakenet.ModeDropAfterAccept, Count: 1})
		e.fault(fakenet.Rule{Op: fake.OpFinalize, Mode: fakenet.ModeError, Status: 404})
		a := e.account("gone")
		_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Gone", size, "gone"), a)
		pe := wantOneVideoAndUnknown(t, e, "gone", err)
		if pe.HTTPStatus != 404 {
			t.Errorf("got status %d, want 404", pe.HTTPStatus)
		}
	})

	t.Run("a 401 to the final chunk is not answered by a new upload", func(t *testing.T) {
		e := newEnv(t, envOptions{chunkSize: chunk})
		e.fault(fakenet.Rule{Op: fake.OpFinalize, Mode: fakenet.ModeError, Status: 401, Count: 1})
		a := e.account("final401")
		a.Credentials[youtube.CredAccessToken] = fake.AccessToken("final401")
		_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Final 401", size, "final401"), a)
		pe := wantOneVideoAndUnknown(t, e, "final401", err)
		if pe.HTTPStatus != 401 {
			t.Errorf("got status %d, want 401", pe.HTTPStatus)
		}
	})

	t.Run("a 503 after the final chunk is stored is recovered by the client's retry", func(t *testing.T) {
		e := newEnv(t, envOptions{chunkSize: chunk})
		e.fault(fakenet.Rule{Op: fake.OpFinalize, Mode: fakenet.ModeError, Status: 503, Count: 1})
		a := e.account("final503")
		r, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Final 503", size, "final503"), a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if posts := e.posts("final503"); len(posts) != 1 || posts[0].RemoteID != r.RemoteID {
			t.Errorf("got posts %+v, want only video %s", posts, r.RemoteID)
		}
	})
}

// TestUnauthorizedBeforeTheFinalChunk: a 401 to the initiation renews the
// token and sends again; one in the middle of an upload, after the
// initiation took the token, is retryable without a second insert in the
// same attempt.
func TestUnauthorizedBeforeTheFinalChunk(t *testing.T) {
	t.Run("on the initiation the token is renewed and the upload sent again", func(t *testing.T) {
		e := newEnv(t, envOptions{chunkSize: chunk})
		a := e.account("init401")
		a.Credentials[youtube.CredAccessToken] = fake.AccessToken("init401")
		e.fault(fakenet.Rule{Op: fake.OpInsert, Mode: fakenet.ModeError, Status: 401, Count: 1})
		if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Init 401", 2*chunk+5, "init401"), a); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if posts := e.posts("init401"); len(posts) != 1 {
			t.Errorf("got %d videos, want 1", len(posts))
		}
	})
	t.Run("on a middle chunk the attempt is retryable", func(t *testing.T) {
		e := newEnv(t, envOptions{chunkSize: chunk})
		a := e.account("mid401")
		e.fault(fakenet.Rule{Op: fake.OpUpload, Mode: fakenet.ModeError, Status: 401, Count: 1})
		_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Mid 401", 2*chunk+5, "mid401"), a)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		if pe.Code != "youtube_upload_unauthorized" {
			t.Errorf("got code %q, want youtube_upload_unauthorized", pe.Code)
		}
		if uploads, _ := e.fake.Quota(); uploads != 1 {
			t.Errorf("got %d inserts, want 1", uploads)
		}
		if posts := e.posts("mid401"); len(posts) != 0 {
			t.Errorf("got %d videos, want none", len(posts))
		}
	})
}

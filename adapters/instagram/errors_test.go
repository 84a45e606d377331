package instagram_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

// TestErrorClasses injects every failure Meta documents for Instagram
// content publishing (Graph error codes and the container error
// subcodes) at the request where it happens and checks its class, and
// that nothing was published unless the outcome is unknown.
func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name    string
		rule    fakenet.Rule
		class   pregonero.ErrorClass
		code    string
		mention string        // the message must contain it
		wait    time.Duration // NotBefore at least this far from now
		keep    bool          // the container checkpoint is kept
	}{
		{"expired token", fakenet.Rule{Op: fake.OpContainer, Code: 190, Subcode: 463},
			pregonero.ClassNeedsReauth, "instagram_token_invalid", "expired", 0, false},
		{"session invalid", fakenet.Rule{Op: fake.OpContainer, Code: 102},
			pregonero.ClassNeedsReauth, "instagram_token_invalid", "new token", 0, false},
		{"invalid token", fakenet.Rule{Op: fake.OpContainer, Code: 190},
			pregonero.ClassNeedsReauth, "instagram_token_invalid", "new token", 0, false},
		{"token refused when reading the quota", fakenet.Rule{Op: fake.OpLimit, Code: 190, Subcode: 460},
			pregonero.ClassNeedsReauth, "instagram_token_invalid", "password", 0, true},
		{"permission missing", fakenet.Rule{Op: fake.OpContainer, Status: 403, Code: 10},
			pregonero.ClassPermanent, "instagram_permission", "instagram_content_publish", 0, false},
		{"spam restriction", fakenet.Rule{Op: fake.OpContainer, Code: 4, Subcode: 2207051},
			pregonero.ClassAccountBlocked, "instagram_action_restricted", "spam", 0, false},
		{"spam restriction at publishing", fakenet.Rule{Op: fake.OpPublish, Code: 4, Subcode: 2207051},
			pregonero.ClassAccountBlocked, "instagram_action_restricted", "spam", 0, true},
		{"policy block", fakenet.Rule{Op: fake.OpContainer, Code: 368},
			pregonero.ClassAccountBlocked, "instagram_policy_block", "policy", 0, false},
		{"app throttled", fakenet.Rule{Op: fake.OpContainer, Code: 4},
			pregonero.ClassRateLimited, "instagram_rate_limited", "throttling", 4 * time.Minute, false},
		{"publishing limit at media_publish", fakenet.Rule{Op: fake.OpPublish, Code: 9, Subcode: 2207042},
			pregonero.ClassRateLimited, "instagram_publish_limit", "limit", 59 * time.Minute, true},
		{"server error creating the container", fakenet.Rule{Op: fake.OpContainer, Status: 500, Code: -1, Subcode: 2207001},
			pregonero.ClassRetryable, "instagram_transient", "", 0, false},
		{"download timeout creating the container", fakenet.Rule{Op: fake.OpContainer, Code: -2, Subcode: 2207003},
			pregonero.ClassRetryable, "instagram_transient", "", 0, false},
		{"container creation failed", fakenet.Rule{Op: fake.OpContainer, Code: -1, Subcode: 2207032},
			pregonero.ClassRetryable, "instagram_media_failed", "", 0, false},
		{"unknown upload error", fakenet.Rule{Op: fake.OpContainer, Code: -1, Subcode: 2207053},
			pregonero.ClassRetryable, "instagram_media_failed", "", 0, false},
		{"image too large for Meta", fakenet.Rule{Op: fake.OpContainer, Code: 36000, Subcode: 2207004},
			pregonero.ClassPermanent, "instagram_invalid", "", 0, false},
		{"status unreadable", fakenet.Rule{Op: fake.OpStatus, Status: 503},
			pregonero.ClassRetryable, "instagram_transient", "", 0, true},
		{"server error at media_publish", fakenet.Rule{Op: fake.OpPublish, Status: 503},
			pregonero.ClassUnknown, "instagram_unknown_outcome", "checked", 0, true},
		{"invalid parameter at media_publish", fakenet.Rule{Op: fake.OpPublish, Status: 400},
			pregonero.ClassPermanent, "instagram_invalid", "", 0, true},
		{"fetch timed out", fakenet.Rule{Op: fake.OpFetch},
			pregonero.ClassRetryable, "instagram_media_fetch", "public_url", 0, false},
	}
	e := newEnv(t, envOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.account("errors")
			r := tt.rule
			r.Mode = fakenet.ModeError
			if r.Status == 0 {
				r.Status = 400
			}
			e.fault(t, r)
			var cp checkpoints
			c := pregonero.Content{Text: "Error " + tt.name, Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
			start := time.Now()
			_, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
			pe := adaptertest.WantClass(t, err, tt.class)
			if pe.Code != tt.code {
				t.Errorf("got code %q, want %q", pe.Code, tt.code)
			}
			if !strings.Contains(pe.Message, tt.mention) {
				t.Errorf("got message %q, want it to mention %q", pe.Message, tt.mention)
			}
			if tt.class != pregonero.ClassRetryable || r.Op != fake.OpFetch {
				if pe.NetworkMessage == "" || pe.HTTPStatus != r.Status {
					t.Errorf("got network message %q and HTTP status %d, want Graph's words and %d", pe.NetworkMessage, pe.HTTPStatus, r.Status)
				}
			}
			if tt.wait > 0 && pe.NotBefore.Sub(start) < tt.wait {
				t.Errorf("got NotBefore %v after the start, want at least %v", pe.NotBefore.Sub(start), tt.wait)
			}
			if got := cp.get(instagram.CheckpointContainer) != ""; got != tt.keep {
				t.Errorf("got container checkpoint kept %v, want %v (history %v)", got, tt.keep, cp.history)
			}
			if posts := e.posts(a); len(posts) != 0 {
				t.Errorf("got %d posts, want none", len(posts))
			}
			if tok := a.Credentials["access_token"]; strings.Contains(err.Error(), tok) {
				t.Errorf("got error %q showing the access token", err)
			}
		})
	}
}

func TestVideoRefusedByMetaIsPermanent(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("not_a_video")
	// Declared an MP4, but the bytes are a JPEG: only Meta's download tells.
	m := e.media.jpeg(t, 100, 100, "")
	m.MIME, m.DurationMS = "video/mp4", 10_000
	var cp checkpoints
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Video", Format: pregonero.FormatReel, Media: []pregonero.MediaBlob{m}, Checkpoint: cp.fn}, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "instagram_media_format" || !strings.Contains(pe.NetworkMessage, "2207026") {
		t.Errorf("got code %q, network message %q; want instagram_media_format with subcode 2207026", pe.Code, pe.NetworkMessage)
	}
	if got := cp.get(instagram.CheckpointContainer); got != "" {
		t.Errorf("got checkpoint %q, want the failed container cleared", got)
	}
}

func TestThrottlingIsReportedByRateLimit(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{ThrottleMinutes: 7}})
	a := e.account("throttled")
	e.fault(t, fakenet.Rule{Op: fake.OpContainer, Mode: fakenet.ModeError, Status: 400, Code: 32, Count: 1})
	start := time.Now()
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
	if d := pe.NotBefore.Sub(start); d < 7*time.Minute || d > 8*time.Minute {
		t.Errorf("got NotBefore in %v, want the 7 minutes the usage headers announced", d)
	}
	rem, reset, ok := e.adapter.RateLimit(a.ID)
	if !ok || rem != 0 || reset.Sub(start) < 7*time.Minute {
		t.Errorf("got RateLimit (%d, %v, %v), want nothing left for 7 minutes", rem, reset.Sub(start), ok)
	}
}

func TestExpiredAtPublishIsRecreated(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("expired_at_publish")
	var cp checkpoints
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Code: 9007, Subcode: 2207020, Count: 1})
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Otra vez", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if ids := cp.containers(); len(ids) != 2 || cp.get(instagram.CheckpointContainer) != ids[1] {
		t.Errorf("got containers %v, checkpoint %q; want a second container checkpointed", ids, cp.get(instagram.CheckpointContainer))
	}
	if p := onePost(t, e, a); p.RemoteID != r.RemoteID {
		t.Errorf("got post %s, want %s", p.RemoteID, r.RemoteID)
	}
}

func TestQuotaReadFailureDoesNotStopPublishing(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("quota_down")
	e.fault(t, fakenet.Rule{Op: fake.OpLimit, Mode: fakenet.ModeError, Status: 500})
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Igual", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	onePost(t, e, a)
}

// hookTransport calls after with each request once its answer is in.
type hookTransport struct {
	inner http.RoundTripper
	after func(*http.Request)
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.inner.RoundTrip(r)
	h.after(r)
	return resp, err
}

func TestRefusedPublicationWithUnreadableStatusIsUnknown(t *testing.T) {
	var e *env
	client := &http.Client{Timeout: 5 * time.Second, Transport: hookTransport{inner: http.DefaultTransport, after: func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/media_publish") {
			// The container's status cannot be read from now on.
			e.fake.Faults().Add(fakenet.Rule{Network: fake.NetworkInstagram, Op: fake.OpStatus, Mode: fakenet.ModeError, Status: 503})
		}
	}}}
	e = newEnv(t, envOptions{cfg: instagram.Config{Config: graph.Config{HTTPClient: client}}})
	a := e.account("refused_unverified")
	var cp checkpoints
	c := pregonero.Content{Text: "¿Publicado?", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
	d := e.delivery(a)
	// Refused as a second publication would be (the real code is unverified).
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 400, Code: 100, Count: 1})
	_, err := e.adapter.Publish(ctx(t), d, c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	if pe.Code != "instagram_publish_unverified" || pe.HTTPStatus != 400 || pe.NetworkMessage == "" {
		t.Errorf("got code %q, status %d, network message %q; want instagram_publish_unverified with the refusal's status and words", pe.Code, pe.HTTPStatus, pe.NetworkMessage)
	}
	if cp.get(instagram.CheckpointContainer) == "" {
		t.Error("got the container checkpoint cleared, want it kept for reconciliation")
	}
	e.fake.Faults().Clear()
	_, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), c, a, time.Now().Add(-time.Hour))
	if err != nil || found {
		t.Errorf("Reconcile: got found %v, error %v; want absent for the FINISHED container", found, err)
	}
}

func TestRefusedPublicationOfAFinishedContainerIsPermanent(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("refused")
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 400, Code: 100, Count: 1})
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "No", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a)
	adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if n := len(e.posts(a)); n != 0 {
		t.Errorf("got %d posts, want none", n)
	}
}

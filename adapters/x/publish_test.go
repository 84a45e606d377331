package x_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/x"
	"pregonero/adapters/x/fake"
)

// stub serves h and returns an adapter and an OAuth 1.0a account pointed
// at it, for answers the fake does not give.
func stub(t *testing.T, h http.HandlerFunc) (*x.Adapter, *pregonero.Account) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	a := x.New(x.Config{HTTPClient: srv.Client(), Logger: discard, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	return a, &pregonero.Account{ID: "x-stub", Network: pregonero.NetworkX, RemoteID: "42", Endpoint: srv.URL,
		Credentials: map[string]string{x.CredConsumerKey: "ck", x.CredConsumerSecret: "cs", x.CredAccessToken: "at", x.CredAccessTokenSecret: "as"}}
}

// answer returns a handler that answers POST /2/tweets with status and
// body (and headers), GET /2/users/me with a user, and counts creates.
func answer(creates *atomic.Int32, status int, body string, headers map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/2/users/me":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"data":{"id":"42","name":"Stub","username":"stub"}}`)
		case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
			creates.Add(1)
			for k, v := range headers {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			io.WriteString(w, body)
		default:
			http.NotFound(w, r)
		}
	}
}

func TestPublishClassifiesXAnswers(t *testing.T) {
	reset := time.Now().Add(7 * time.Minute).Truncate(time.Second).UTC()
	day := time.Now().Add(20 * time.Hour).Truncate(time.Second).UTC()
	resetHdr := strconv.FormatInt(reset.Unix(), 10)
	tests := []struct {
		name      string
		status    int
		body      string
		headers   map[string]string
		class     pregonero.ErrorClass
		code      string
		netMsg    string
		notBefore time.Time
	}{
		{name: "RateLimitedUntilReset", status: 429,
			body:    `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`,
			headers: map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": resetHdr},
			class:   pregonero.ClassRateLimited, code: "x_rate_limited", netMsg: "Too Many Requests", notBefore: reset},
		{name: "RateLimitedUntilDailyResetWhenDaySpent", status: 429,
			body: `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`,
			headers: map[string]string{"x-rate-limit-remaining": "40", "x-rate-limit-reset": resetHdr,
				"x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": strconv.FormatInt(day.Unix(), 10)},
			class: pregonero.ClassRateLimited, code: "x_rate_limited", notBefore: day},
		{name: "LegacyRateLimitedUntilReset", status: 429,
			body:    `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`,
			headers: map[string]string{"x-rate-limit-reset": resetHdr},
			class:   pregonero.ClassRateLimited, code: "x_rate_limited", netMsg: "Rate limit exceeded", notBefore: reset},
		{name: "UsageCappedBlocksAccount", status: 429,
			body:  `{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}`,
			class: pregonero.ClassAccountBlocked, code: "x_usage_capped", netMsg: "Usage cap exceeded: Monthly product cap"},
		{name: "ClientForbiddenBlocksAccount", status: 403,
			body:  `{"client_id":"123","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}`,
			class: pregonero.ClassAccountBlocked, code: "x_client_forbidden"},
		{name: "DuplicateIsDuplicate", status: 403,
			body:  `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`,
			class: pregonero.ClassDuplicate, code: "x_duplicate", netMsg: "You are not allowed to create a Tweet with duplicate content."},
		{name: "LegacyDuplicateIsDuplicate", status: 403,
			body:  `{"errors":[{"code":187,"message":"Status is a duplicate."}]}`,
			class: pregonero.ClassDuplicate, code: "x_duplicate", netMsg: "Status is a duplicate."},
		{name: "TooLong400IsPermanent", status: 400,
			body:  `{"title":"Bad Request","type":"about:blank","status":400,"detail":"Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text."}`,
			class: pregonero.ClassPermanent, code: "x_too_long"},
		{name: "TooLong403IsPermanent", status: 403,
			body:  `{"title":"Forbidden","type":"about:blank","status":403,"detail":"Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text."}`,
			class: pregonero.ClassPermanent, code: "x_too_long"},
		{name: "ReplyRestrictionIsPermanent", status: 403,
			body:  `{"title":"Forbidden","type":"about:blank","status":403,"detail":"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to."}`,
			class: pregonero.ClassPermanent, code: "x_forbidden"},
		{name: "InvalidRequestIsPermanentWithParameterMessage", status: 400,
			body:  `{"errors":[{"parameters":{"media.media_ids":["1"]},"message":"Your media IDs are invalid."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`,
			class: pregonero.ClassPermanent, code: "x_invalid_request", netMsg: "One or more parameters to your request was invalid. Your media IDs are invalid."},
		{name: "LockedAccountIsBlocked", status: 403,
			body:  `{"errors":[{"code":326,"message":"To protect our users from spam and other malicious activity, this account is temporarily locked."}]}`,
			class: pregonero.ClassAccountBlocked, code: "x_account_locked"},
		{name: "ServerErrorIsUnknown", status: 503,
			body:  `{"title":"Service Unavailable","type":"about:blank","status":503,"detail":"Service Unavailable"}`,
			class: pregonero.ClassUnknown, code: "x_server_error"},
		{name: "NonJSONServerErrorIsUnknown", status: 502, body: `<html>Bad Gateway</html>`,
			class: pregonero.ClassUnknown, code: "x_server_error", netMsg: "<html>Bad Gateway</html>"},
		{name: "Unauthorized1aNeedsReauth", status: 401,
			body:  `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`,
			class: pregonero.ClassNeedsReauth, code: "x_unauthorized"},
		{name: "MalformedSuccessIsUnknown", status: 201, body: `{"data":`,
			class: pregonero.ClassUnknown, code: "x_malformed_response"},
		{name: "SuccessWithoutIDIsUnknown", status: 201, body: `{"data":{"text":"hola"}}`,
			class: pregonero.ClassUnknown, code: "x_malformed_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var creates atomic.Int32
			a, acct := stub(t, answer(&creates, tt.status, tt.body, tt.headers))
			_, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola, Antioquia"}, acct)
			pe := adaptertest.WantClass(t, err, tt.class)
			if pe.Code != tt.code {
				t.Errorf("got code %q, want %q", pe.Code, tt.code)
			}
			if pe.HTTPStatus != tt.status {
				t.Errorf("got HTTP status %d, want %d", pe.HTTPStatus, tt.status)
			}
			if tt.netMsg != "" && pe.NetworkMessage != tt.netMsg {
				t.Errorf("got network message %q, want %q", pe.NetworkMessage, tt.netMsg)
			}
			if !tt.notBefore.IsZero() && !pe.NotBefore.Equal(tt.notBefore) {
				t.Errorf("got NotBefore %s, want %s", pe.NotBefore, tt.notBefore)
			}
			if got := creates.Load(); got != 1 {
				t.Errorf("got %d create requests, want 1", got)
			}
		})
	}
}

func TestPublishTooLongIsRefusedWithoutRequest(t *testing.T) {
	var creates atomic.Int32
	a, acct := stub(t, answer(&creates, 201, `{"data":{"id":"1"}}`, nil))
	_, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: strings.Repeat("ñ", 281)}, acct)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "x_too_long" {
		t.Errorf("got code %q, want x_too_long", pe.Code)
	}
	if got := creates.Load(); got != 0 {
		t.Errorf("got %d create requests, want 0", got)
	}
}

func TestPublishConnectionRefusedIsRetryable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	a := x.New(x.Config{Logger: discard})
	acct := &pregonero.Account{ID: "x-gone", Network: pregonero.NetworkX, RemoteID: "42", Endpoint: "http://" + addr,
		Credentials: map[string]string{x.CredConsumerKey: "ck", x.CredConsumerSecret: "cs", x.CredAccessToken: "at", x.CredAccessTokenSecret: "as"}}

	t.Run("TextIsRetryable", func(t *testing.T) {
		_, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola"}, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		if pe.Code != "x_network" {
			t.Errorf("got code %q, want x_network", pe.Code)
		}
	})
	t.Run("MediaIsRetryable", func(t *testing.T) {
		c := pregonero.Content{Text: "Hola", Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 8, 8, "")}}
		_, err := a.Publish(ctxT(t), delivery(acct), c, acct)
		adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	})
	t.Run("ReconcileIsRetryable", func(t *testing.T) {
		_, _, err := a.Reconcile(ctxT(t), delivery(acct), pregonero.Content{Text: "Hola"}, acct, time.Now())
		adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	})
}

func TestPublishTimeoutAfterSendIsUnknown(t *testing.T) {
	e := newEnv(t, envOption{cfg: x.Config{HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}}})
	acct := e.oauth1("slow")
	if _, err := e.fake.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpCreate, Mode: fakenet.ModeDelay, DelayMS: 1000}); err != nil {
		t.Fatal(err)
	}
	_, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Despacio"}, acct)
	pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	if pe.Code != "x_timeout" {
		t.Errorf("got code %q, want x_timeout", pe.Code)
	}
}

func TestPublishDuplicateOnFakeIsDuplicate(t *testing.T) {
	e := newEnv(t, envOption{})
	acct := e.oauth1("dup")
	c := pregonero.Content{Text: "Vacunación gratuita este sábado"}
	if _, err := e.adapter.Publish(ctxT(t), delivery(acct), c, acct); err != nil {
		t.Fatalf("first Publish: %v", err)
	}
	_, err := e.adapter.Publish(ctxT(t), delivery(acct), c, acct)
	pe := adaptertest.WantClass(t, err, pregonero.ClassDuplicate)
	if got, want := pe.NetworkMessage, "You are not allowed to create a Tweet with duplicate content."; got != want {
		t.Errorf("got network message %q, want %q", got, want)
	}
	if pe.HTTPStatus != 403 {
		t.Errorf("got HTTP status %d, want 403", pe.HTTPStatus)
	}
}

func TestPublishRateLimitOnFake(t *testing.T) {
	t.Run("WindowSpentWaitsForReset", func(t *testing.T) {
		e := newEnv(t, envOption{fake: fake.Options{Limits: fake.Limits{CreatePost: 1}}})
		acct := e.oauth1("limited")
		if _, _, ok := e.adapter.RateLimit(acct.ID); ok {
			t.Fatal("got a rate limit before any request, want none")
		}
		if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "uno"}, acct); err != nil {
			t.Fatalf("first Publish: %v", err)
		}
		remaining, reset, ok := e.adapter.RateLimit(acct.ID)
		if !ok || remaining != 0 {
			t.Fatalf("got remaining %d (ok %v), want 0", remaining, ok)
		}
		if want := e.clock.Now().Add(15 * time.Minute); !reset.Equal(want) {
			t.Errorf("got reset %s, want %s", reset, want)
		}
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "dos"}, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
		if !pe.NotBefore.Equal(reset) {
			t.Errorf("got NotBefore %s, want the reset %s", pe.NotBefore, reset)
		}
		if got := len(e.posts("limited")); got != 1 {
			t.Errorf("got %d posts, want 1", got)
		}
	})
	t.Run("DaySpentWaitsForDailyReset", func(t *testing.T) {
		e := newEnv(t, envOption{fake: fake.Options{Limits: fake.Limits{UserPosts24h: 1}}})
		acct := e.oauth1("daily")
		start := e.clock.Now()
		if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "uno"}, acct); err != nil {
			t.Fatalf("first Publish: %v", err)
		}
		remaining, reset, ok := e.adapter.RateLimit(acct.ID)
		if want := start.Add(24 * time.Hour); !ok || remaining != 0 || !reset.Equal(want) {
			t.Errorf("got remaining %d, reset %s (ok %v), want 0 and %s", remaining, reset, ok, want)
		}
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "dos"}, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
		if want := start.Add(24 * time.Hour); !pe.NotBefore.Equal(want) {
			t.Errorf("got NotBefore %s, want the 24-hour reset %s", pe.NotBefore, want)
		}
	})
}

func TestPublishMedia(t *testing.T) {
	t.Run("VideoWaitsForProcessingAsXSays", func(t *testing.T) {
		e := newEnv(t, envOption{fake: fake.Options{MediaProcessing: 8 * time.Second}, cfg: x.Config{ChunkSize: 1000}})
		acct := e.oauth1("video")
		v := mp4Blob(3500)
		r, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Mira el video", Media: []pregonero.MediaBlob{v}}, acct)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		posts := e.posts("video")
		if len(posts) != 1 || posts[0].RemoteID != r.RemoteID || len(posts[0].Media) != 1 {
			t.Fatalf("got posts %+v, want one with the video", posts)
		}
		if got, want := posts[0].Media[0].Size, int64(3500); got != want {
			t.Errorf("got video of %d bytes, want %d", got, want)
		}
		var total time.Duration
		for _, d := range e.slept() {
			if d < time.Second {
				t.Errorf("got a poll wait of %s, want at least X's check_after_secs", d)
			}
			total += d
		}
		if total < 8*time.Second {
			t.Errorf("got %s of waits, want at least the 8 s of processing", total)
		}
	})
	t.Run("ProcessingFailedIsPermanent", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth1("gifbad")
		if _, err := e.fake.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpProcess, Mode: fakenet.ModeError}); err != nil {
			t.Fatal(err)
		}
		c := pregonero.Content{Text: "Animación", Media: []pregonero.MediaBlob{gifBlob(t, "Una animación")}}
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), c, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
		if pe.Code != "x_media_failed" || pe.NetworkMessage != "Media processing failed." {
			t.Errorf("got code %q and network message %q, want x_media_failed and X's message", pe.Code, pe.NetworkMessage)
		}
		if got := len(e.posts("gifbad")); got != 0 {
			t.Errorf("got %d posts, want none: never post without the media", got)
		}
	})
	t.Run("BytesNotOfTheTypeFailProcessing", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth1("notvideo")
		blob := adaptertest.Blob("fake.mp4", "video/mp4", []byte(strings.Repeat("not a video ", 100)), 0, 0, "")
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{blob}}, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
		if pe.Code != "x_media_failed" || !strings.Contains(pe.NetworkMessage, "Unsupported video format") {
			t.Errorf("got code %q and network message %q, want x_media_failed and X's message", pe.Code, pe.NetworkMessage)
		}
	})
	t.Run("ProcessingBeyondPollCapIsRetryable", func(t *testing.T) {
		e := newEnv(t, envOption{fake: fake.Options{MediaProcessing: time.Hour}, cfg: x.Config{MediaPolls: 3}})
		acct := e.oauth1("slowvideo")
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Media: []pregonero.MediaBlob{mp4Blob(100)}}, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		if pe.Code != "x_media_timeout" {
			t.Errorf("got code %q, want x_media_timeout", pe.Code)
		}
		if got := len(e.slept()); got != 3 {
			t.Errorf("got %d polls, want 3", got)
		}
	})
	t.Run("UploadServerErrorIsRetryableAndPostsNothing", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth1("up503")
		if _, err := e.fake.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpUpload, Mode: fakenet.ModeError, Status: 503}); err != nil {
			t.Fatal(err)
		}
		c := pregonero.Content{Text: "Foto", Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 8, 8, "")}}
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), c, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		if pe.HTTPStatus != 503 {
			t.Errorf("got HTTP status %d, want 503", pe.HTTPStatus)
		}
		if got := len(e.posts("up503")); got != 0 {
			t.Errorf("got %d posts, want none", got)
		}
	})
	t.Run("UploadRateLimitedIsRateLimited", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth1("up429")
		if _, err := e.fake.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpUpload, Mode: fakenet.ModeError, Status: 429}); err != nil {
			t.Fatal(err)
		}
		c := pregonero.Content{Text: "Foto", Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/jpeg", 8, 8, "")}}
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), c, acct)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
		if !pe.NotBefore.After(e.clock.Now()) {
			t.Errorf("got NotBefore %s, want after now", pe.NotBefore)
		}
	})
	t.Run("ExpiredCheckpointIsUploadedAgain", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth1("expired")
		c := pregonero.Content{Text: "Foto", Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 8, 8, "Un punto")}}
		var cp adaptertest.Checkpoints
		c.Checkpoint = cp.Func
		d := delivery(acct)
		// An id X forgot long ago: attaching it would fail.
		d.Checkpoint = map[string]string{"x.media.0": "1234567890|" + strconv.FormatInt(e.clock.Now().Add(-time.Hour).Unix(), 10)}
		if _, err := e.adapter.Publish(ctxT(t), d, c, acct); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		saved := cp.Map()["x.media.0"]
		id, exp, _ := strings.Cut(saved, "|")
		posts := e.posts("expired")
		if len(posts) != 1 || len(posts[0].Media) != 1 || posts[0].Media[0].ID != id {
			t.Fatalf("got posts %+v, want one carrying the new upload %s", posts, id)
		}
		sec, err := strconv.ParseInt(exp, 10, 64)
		if want := e.clock.Now().Add(fake.MediaLifetime); err != nil || time.Unix(sec, 0).Before(want.Add(-time.Minute)) || time.Unix(sec, 0).After(want) {
			t.Errorf("got checkpoint expiry %q, want about %s", exp, want)
		}
		if posts[0].Media[0].AltText != "Un punto" {
			t.Errorf("got alt text %q, want %q", posts[0].Media[0].AltText, "Un punto")
		}
	})
	t.Run("CheckpointedIDXForgotIsUploadedAgain", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth1("forgot")
		c := pregonero.Content{Text: "Foto", Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 8, 8, "")}}
		var cp adaptertest.Checkpoints
		c.Checkpoint = cp.Func
		d := delivery(acct)
		d.Checkpoint = map[string]string{"x.media.0": "1234567890|" + strconv.FormatInt(e.clock.Now().Add(20*time.Hour).Unix(), 10)}
		if _, err := e.adapter.Publish(ctxT(t), d, c, acct); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		id, _, _ := strings.Cut(cp.Map()["x.media.0"], "|")
		posts := e.posts("forgot")
		if id == "" || len(posts) != 1 || len(posts[0].Media) != 1 || posts[0].Media[0].ID != id {
			t.Fatalf("got posts %+v and checkpoint %q, want one post carrying the fresh upload", posts, id)
		}
	})
	t.Run("CheckpointFailureStopsBeforeCreate", func(t *testing.T) {
		e := newEnv(t, envOption{})
		acct := e.oauth1("ckfail")
		c := pregonero.Content{Text: "Foto", Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 8, 8, "")}}
		c.Checkpoint = func(context.Context, string, string) error { return errors.New("disk full") }
		_, err := e.adapter.Publish(ctxT(t), delivery(acct), c, acct)
		adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		if got := len(e.posts("ckfail")); got != 0 {
			t.Errorf("got %d posts, want none", got)
		}
	})
}

func TestDeleteAndMe(t *testing.T) {
	e := newEnv(t, envOption{})
	acct := e.oauth1("deleter")
	id, username, err := e.adapter.Me(ctxT(t), acct)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if id != fake.UserID("deleter") || username != "deleter" {
		t.Errorf("got %s %s, want %s deleter", id, username, fake.UserID("deleter"))
	}
	r, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "Borrame"}, acct)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if want := "https://x.com/deleter/status/" + r.RemoteID; r.URL != want {
		t.Errorf("got URL %q, want %q", r.URL, want)
	}
	if err := e.adapter.Delete(ctxT(t), acct, r.RemoteID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := len(e.posts("deleter")); got != 0 {
		t.Errorf("got %d posts after delete, want 0", got)
	}
	pe := adaptertest.WantClass(t, e.adapter.Delete(ctxT(t), acct, r.RemoteID), pregonero.ClassPermanent)
	if pe.Code != "x_not_found" {
		t.Errorf("got code %q, want x_not_found", pe.Code)
	}
}

func TestReceiptURLWithoutUsername(t *testing.T) {
	a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2/tweets" {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"data":{"id":"1445880548472328192","text":"hola","edit_history_tweet_ids":["1445880548472328192"]}}`)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	r, err := a.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: "hola"}, acct)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if want := "https://x.com/i/web/status/1445880548472328192"; r.URL != want {
		t.Errorf("got URL %q, want %q", r.URL, want)
	}
}

// The store satisfies the adapter's credential store.
var _ x.CredentialStore = pregonero.Store(nil)

// FuzzPublishAnswer feeds arbitrary answers to POST /2/tweets: every one
// must end in a receipt or a classified error, and an error answer after
// the request was sent must never claim that nothing was posted.
func FuzzPublishAnswer(f *testing.F) {
	f.Add(201, `{"data":{"id":"1445880548472328192","text":"hola"}}`)
	f.Add(403, `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`)
	f.Add(429, `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`)
	f.Add(400, `{"errors":[{"code":"x","message":7}],"title":1}`)
	f.Add(503, ``)
	f.Add(201, `{"data":{"id":12345}}`)
	var mu sync.Mutex
	var status int
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		st, b := status, body
		mu.Unlock()
		if r.URL.Path != "/2/tweets" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(st)
		io.WriteString(w, b)
	}))
	f.Cleanup(srv.Close)
	a := x.New(x.Config{HTTPClient: srv.Client(), Logger: discard})
	acct := &pregonero.Account{ID: "x-fuzz", Network: pregonero.NetworkX, RemoteID: "42", Endpoint: srv.URL,
		Credentials: map[string]string{x.CredConsumerKey: "ck", x.CredConsumerSecret: "cs", x.CredAccessToken: "at", x.CredAccessTokenSecret: "as"}}
	f.Fuzz(func(t *testing.T, st int, b string) {
		if st < 200 || st > 599 || st == http.StatusUnauthorized {
			t.Skip()
		}
		mu.Lock()
		status, body = st, b
		mu.Unlock()
		r, err := a.Publish(context.Background(), delivery(acct), pregonero.Content{Text: "hola"}, acct)
		if err == nil {
			if st < 200 || st > 299 || r.RemoteID == "" {
				t.Fatalf("status %d body %q: got receipt %+v, want an error", st, b, r)
			}
			return
		}
		pe := adaptertest.PublishError(t, err)
		if pe.Code == "" || pe.Message == "" {
			t.Fatalf("status %d body %q: got %+v, want code and message", st, b, pe)
		}
		if pe.Class == pregonero.ClassRetryable {
			t.Fatalf("status %d body %q: got retryable after the create was sent, want a class that cannot duplicate", st, b)
		}
	})
}

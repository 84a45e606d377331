package youtube_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

const chunk = 256 << 10

func TestPublishSmallVideoSendsMetadata(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("meta")
	c := content(t, "Rendición de cuentas 2026", 8000, "meta")
	c.Text, c.Link = "Resumen de la jornada", "https://example.gov.co/rendicion"
	c.Tags = []string{"gobierno", "rendición de cuentas"}
	c.Category, c.Language = "27", "es-419"
	yes := true
	c.MadeForKids = &yes

	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got, want := r.URL, "https://www.youtube.com/watch?v="+r.RemoteID; got != want {
		t.Errorf("got URL %q, want %q", got, want)
	}
	if !r.PublishedAt.Equal(start) {
		t.Errorf("got PublishedAt %v, want the clock's %v", r.PublishedAt, start)
	}
	posts := e.posts("meta")
	if len(posts) != 1 || posts[0].RemoteID != r.RemoteID || posts[0].Text != c.Title {
		t.Fatalf("got posts %+v, want one titled %q with id %s", posts, c.Title, r.RemoteID)
	}
	if m := posts[0].Media; len(m) != 1 || m[0].Type != "video/mp4" || m[0].Size != 8000 {
		t.Errorf("got media %+v, want one video/mp4 of 8000 bytes", m)
	}
	v := e.videoResource("meta", r.RemoteID)
	snippet := v["snippet"].(map[string]any)
	status := v["status"].(map[string]any)
	if got, want := snippet["description"], "Resumen de la jornada\n\nhttps://example.gov.co/rendicion"; got != want {
		t.Errorf("got description %q, want %q", got, want)
	}
	if got, want := snippet["categoryId"], "27"; got != want {
		t.Errorf("got category %q, want %q", got, want)
	}
	if got, want := snippet["defaultLanguage"], "es-419"; got != want {
		t.Errorf("got language %q, want %q", got, want)
	}
	tags, _ := snippet["tags"].([]any)
	wantTags := []string{"gobierno", "rendición de cuentas", youtube.MarkerTag(c.Marker)}
	if len(tags) != len(wantTags) {
		t.Fatalf("got tags %v, want %v", tags, wantTags)
	}
	for i := range wantTags {
		if tags[i] != wantTags[i] {
			t.Errorf("tag %d: got %q, want %q", i, tags[i], wantTags[i])
		}
	}
	if got := status["privacyStatus"]; got != "public" {
		t.Errorf("got privacy %v, want public", got)
	}
	if got := status["selfDeclaredMadeForKids"]; got != true {
		t.Errorf("got selfDeclaredMadeForKids %v, want true", got)
	}
}

func TestPublishDefaultsCategoryAndLanguageAndSendsMadeForKidsFalse(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("defaults")
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Defaults", 3000, "defaults"), a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	v := e.videoResource("defaults", r.RemoteID)
	snippet := v["snippet"].(map[string]any)
	if got := snippet["categoryId"]; got != youtube.DefaultCategory {
		t.Errorf("got category %v, want %s", got, youtube.DefaultCategory)
	}
	if got := snippet["defaultLanguage"]; got != youtube.DefaultLanguage {
		t.Errorf("got language %v, want %s", got, youtube.DefaultLanguage)
	}
	if got := v["status"].(map[string]any)["selfDeclaredMadeForKids"]; got != false {
		t.Errorf("got selfDeclaredMadeForKids %v, want false sent explicitly", got)
	}
}

func TestResumableUploadInChunksReportsProgress(t *testing.T) {
	e := newEnv(t, envOptions{chunkSize: chunk})
	a := e.account("chunks")
	const size = 4*chunk + 1000 // five chunks, about 1 MiB
	c := content(t, "Chunked", size, "chunks")
	var p progress
	c.Progress = p.record

	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	posts := e.posts("chunks")
	if len(posts) != 1 || posts[0].RemoteID != r.RemoteID || posts[0].Media[0].Size != size {
		t.Fatalf("got posts %+v, want one video %s of %d bytes", posts, r.RemoteID, size)
	}
	calls := p.get()
	if len(calls) < 5 {
		t.Fatalf("got progress %v, want a report per chunk", calls)
	}
	for i, call := range calls {
		if call[1] != size {
			t.Errorf("report %d: got total %d, want %d", i, call[1], size)
		}
		if i > 0 && call[0] < calls[i-1][0] {
			t.Errorf("report %d: sent went back from %d to %d", i, calls[i-1][0], call[0])
		}
	}
	if got := calls[0][0]; got != chunk {
		t.Errorf("got first report %d, want one chunk of %d", got, chunk)
	}
	if last := calls[len(calls)-1]; last[0] != size {
		t.Errorf("got last report %v, want all %d bytes", last, size)
	}
	if n := len(calls); n > 1 && calls[n-2][0] == size {
		t.Errorf("got progress %v, want the whole file reported once", calls)
	}
	if n := e.fake.Sessions(); n != 0 {
		t.Errorf("got %d open sessions, want the upload completed", n)
	}
}

func TestOneRequestUploadReportsTheWholeFileOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("oneshot")
	c := content(t, "One request", 5000, "oneshot")
	var p progress
	c.Progress = p.record
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got := p.get(); len(got) != 1 || got[0] != [2]int64{5000, 5000} {
		t.Errorf("got progress %v, want [5000 5000] once", got)
	}
}

func TestUploadCutMidwayIsCompletedOnce(t *testing.T) {
	for name, after := range map[string]int{"first chunk": 0, "last chunk": 4} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOptions{chunkSize: chunk})
			a := e.account("cut")
			const size = 4*chunk + 1000
			c := content(t, "Cut "+name, size, "cut "+name)
			var p progress
			c.Progress = func(sent, total int64) {
				p.record(sent, total)
				if len(p.get()) == after {
					e.fault(fakenet.Rule{Op: fake.OpUpload, Mode: fakenet.ModeDropAfterAccept, Count: 1})
				}
			}
			if after == 0 {
				e.fault(fakenet.Rule{Op: fake.OpUpload, Mode: fakenet.ModeDropAfterAccept, Count: 1})
			}
			r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if rules := e.fake.Faults().Rules(); len(rules) != 0 {
				t.Fatalf("got fault rules %+v left, want the drop spent", rules)
			}
			posts := e.posts("cut")
			if len(posts) != 1 || posts[0].RemoteID != r.RemoteID || posts[0].Media[0].Size != size {
				t.Fatalf("got posts %+v, want exactly one video %s of %d bytes", posts, r.RemoteID, size)
			}
			if uploads, _ := e.fake.Quota(); uploads != 1 {
				t.Errorf("got %d inserts, want 1", uploads)
			}
		})
	}
}

// TestChunkAnswerLostOnAClosedConnectionIsSentAgain cuts the upload with
// an orderly close instead of a reset, after which Google's client gives
// up on its own: the adapter sends the chunk again and the session takes
// it.
func TestChunkAnswerLostOnAClosedConnectionIsSentAgain(t *testing.T) {
	var dropped atomic.Int64
	e := newEnv(t, envOptions{chunkSize: chunk, wrap: func(f *fake.Fake) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Content-Range") != "" && dropped.Add(1) <= 2 {
				fakenet.DropAfter(w, r, f)
				return
			}
			f.ServeHTTP(w, r)
		})
	}})
	a := e.account("closed")
	const size = 2*chunk + 7
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Closed", size, "closed"), a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got := dropped.Load(); got < 4 {
		t.Errorf("got %d chunk requests, want the two dropped ones sent again", got)
	}
	posts := e.posts("closed")
	if len(posts) != 1 || posts[0].RemoteID != r.RemoteID || posts[0].Media[0].Size != size {
		t.Fatalf("got posts %+v, want exactly one video %s of %d bytes", posts, r.RemoteID, size)
	}
}

func TestUploadCutForGoodIsRetryableWithoutTheSessionURL(t *testing.T) {
	e := newEnv(t, envOptions{chunkSize: chunk, wrap: func(f *fake.Fake) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Content-Range") != "" {
				fakenet.DropAfter(w, r, f)
				return
			}
			f.ServeHTTP(w, r)
		})
	}})
	a := e.account("cutgood")
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Cut for good", 2*chunk+7, "cutgood"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.Code != "youtube_upload_interrupted" {
		t.Errorf("got code %q, want youtube_upload_interrupted", pe.Code)
	}
	if !strings.Contains(err.Error(), "upload_id="+youtube.Redacted) {
		t.Errorf("got error %q, want the session id redacted", err)
	}
	if posts := e.posts("cutgood"); len(posts) != 0 {
		t.Errorf("got %d posts, want none", len(posts))
	}
}

func TestLostInsertAnswerIsUnknownThenReconciledByMarker(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("lost")
	// Other videos of the channel, before and after, must not match.
	for i, seed := range []string{"other-1", "other-2"} {
		if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Other", 2000+i, seed), a); err != nil {
			t.Fatalf("Publish other: %v", err)
		}
	}
	c := content(t, "Lost answer", 3000, "lost")
	d := e.delivery(a)
	since := e.clock.Now()
	e.fault(fakenet.Rule{Op: fake.OpInsert, Mode: fakenet.ModeDropAfterAccept, Count: 1})
	_, err := e.adapter.Publish(ctx(t), d, c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	if pe.Code != "youtube_outcome_unknown" {
		t.Errorf("got code %q, want youtube_outcome_unknown", pe.Code)
	}
	posts := e.posts("lost")
	if len(posts) != 3 {
		t.Fatalf("got %d posts, want 3", len(posts))
	}
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Later", 2500, "later"), a); err != nil {
		t.Fatalf("Publish later: %v", err)
	}
	r, found, err := e.adapter.Reconcile(ctx(t), d, c, a, since)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	if !found || r.RemoteID != posts[2].RemoteID {
		t.Fatalf("got found %v, receipt %+v, want the lost video %s", found, r, posts[2].RemoteID)
	}
	other := content(t, "Lost answer", 3000, "never sent")
	if _, found, err := e.adapter.Reconcile(ctx(t), e.delivery(a), other, a, since); err != nil || found {
		t.Errorf("got found %v, error %v for a marker never sent, want not found", found, err)
	}
}

func TestLostInitiationAnswerIsRetryableWithNothingCreated(t *testing.T) {
	e := newEnv(t, envOptions{chunkSize: chunk})
	a := e.account("init")
	c := content(t, "Initiation", 2*chunk, "init")
	e.fault(fakenet.Rule{Op: fake.OpInsert, Mode: fakenet.ModeDropAfterAccept, Count: 1})
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if posts := e.posts("init"); len(posts) != 0 {
		t.Fatalf("got posts %+v, want none", posts)
	}
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a); err != nil {
		t.Fatalf("second Publish: %v", err)
	}
	if posts := e.posts("init"); len(posts) != 1 {
		t.Fatalf("got %d posts, want 1", len(posts))
	}
}

func TestServerErrorsDuringResumableUpload(t *testing.T) {
	t.Run("on a middle chunk is retryable", func(t *testing.T) {
		e := newEnv(t, envOptions{chunkSize: chunk})
		a := e.account("mid503")
		e.fault(fakenet.Rule{Op: fake.OpUpload, Mode: fakenet.ModeError, Status: 503})
		_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Mid", 2*chunk+10, "mid"), a)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		if pe.HTTPStatus != 503 {
			t.Errorf("got status %d, want 503", pe.HTTPStatus)
		}
	})
	t.Run("on the last chunk is unknown", func(t *testing.T) {
		e := newEnv(t, envOptions{chunkSize: chunk})
		a := e.account("last503")
		c := content(t, "Last", chunk+10, "last")
		c.Progress = func(sent, _ int64) {
			if sent == chunk {
				e.fault(fakenet.Rule{Op: fake.OpUpload, Mode: fakenet.ModeError, Status: 503})
			}
		}
		_, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
		pe := adaptertest.WantClass(t, err, pregonero.ClassUnknown)
		if pe.HTTPStatus != 503 {
			t.Errorf("got status %d, want 503", pe.HTTPStatus)
		}
	})
}

func TestRefusalsAreClassified(t *testing.T) {
	cases := []struct {
		op     string
		status int
		class  pregonero.ErrorClass
		code   string
	}{
		{fake.OpInsert, 429, pregonero.ClassRateLimited, "youtube_rate_limited"},
		{fake.OpInsert, 403, pregonero.ClassPermanent, "youtube_forbidden"},
		{fake.OpInsert, 400, pregonero.ClassPermanent, "youtube_refused"},
		{fake.OpInsert, 500, pregonero.ClassUnknown, "youtube_outcome_unknown"},
		{fake.OpToken, 500, pregonero.ClassRetryable, "youtube_refresh_failed"},
		{fake.OpToken, 401, pregonero.ClassNeedsReauth, "youtube_client_refused"},
	}
	for _, tc := range cases {
		t.Run(tc.op+" "+http.StatusText(tc.status), func(t *testing.T) {
			e := newEnv(t, envOptions{})
			a := e.account("refused")
			e.fault(fakenet.Rule{Op: tc.op, Mode: fakenet.ModeError, Status: tc.status, Count: 1})
			_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Refused", 2000, "refused"), a)
			pe := adaptertest.WantClass(t, err, tc.class)
			if pe.Code != tc.code {
				t.Errorf("got code %q, want %q (%v)", pe.Code, tc.code, pe)
			}
			if pe.HTTPStatus != tc.status {
				t.Errorf("got status %d, want %d", pe.HTTPStatus, tc.status)
			}
			if tc.class == pregonero.ClassRateLimited && !pe.NotBefore.After(e.clock.Now()) {
				t.Errorf("got NotBefore %v, want after now", pe.NotBefore)
			}
			if posts := e.posts("refused"); len(posts) != 0 {
				t.Errorf("got %d posts, want none", len(posts))
			}
		})
	}
}

func TestRefusedTokenIsRenewedOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("renew")
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "First", 2000, "first"), a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	before, _ := e.creds.Credentials(ctx(t), a.ID)
	e.clock.Advance(time.Minute) // the fake issues a different token then
	// The stored token is refused once (revoked by Google, say): it is
	// renewed and the upload sent again.
	e.fault(fakenet.Rule{Op: fake.OpInsert, Mode: fakenet.ModeError, Status: 401, Count: 1})
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Renew", 2000, "renew"), a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if posts := e.posts("renew"); len(posts) != 2 {
		t.Fatalf("got %d posts, want 2", len(posts))
	}
	if after, _ := e.creds.Credentials(ctx(t), a.ID); after[youtube.CredAccessToken] == before[youtube.CredAccessToken] {
		t.Error("got the refused token still stored, want the renewed one")
	}

	// A renewed token refused again ends the attempt: no loop.

	e.fault(fakenet.Rule{Op: fake.OpInsert, Mode: fakenet.ModeError, Status: 401})
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Renew again", 2000, "renew again"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
	if pe.Code != "youtube_unauthorized" {
		t.Errorf("got code %q, want youtube_unauthorized", pe.Code)
	}
}

func TestRevokedGrantNeedsReauthNamingTheTestingTrap(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("revoked")
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Before", 2000, "before"), a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	e.fake.Revoke("revoked")
	// The adapter still holds an access token: YouTube refuses it, the
	// renewal is refused with invalid_grant.
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "After", 2000, "after"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
	if pe.Code != "youtube_refresh_revoked" {
		t.Errorf("got code %q, want youtube_refresh_revoked", pe.Code)
	}
	for _, want := range []string{"revoked or expired", `"Testing"`, "7 days", `"In production"`} {
		if !strings.Contains(pe.Message, want) {
			t.Errorf("got message %q, want it to mention %s", pe.Message, want)
		}
	}
	if pe.NetworkMessage == "" {
		t.Error("got no network message, want Google's words")
	}
	_, _, err = e.adapter.Reconcile(ctx(t), e.delivery(a), content(t, "After", 2000, "after"), a, start)
	adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
}

func TestMissingCredentialsNeedReauth(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("nocreds")
	delete(a.Credentials, youtube.CredRefreshToken)
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "No creds", 2000, "nocreds"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
	if !strings.Contains(pe.Message, "refresh_token") {
		t.Errorf("got message %q, want it to name refresh_token", pe.Message)
	}
}

func TestRenewedTokenIsStoredAndReusedAfterRestart(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("stored")
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "First", 2000, "first"), a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	stored, err := e.creds.Credentials(ctx(t), a.ID)
	if err != nil {
		t.Fatalf("got no stored credentials: %v", err)
	}
	if stored[youtube.CredAccessToken] == "" {
		t.Fatalf("got stored %v, want an access token", keys(stored))
	}
	if exp, err := time.Parse(time.RFC3339, stored[youtube.CredExpiry]); err != nil || !exp.After(start.Add(50*time.Minute)) {
		t.Errorf("got expiry %q, want about an hour after %v on the adapter's clock", stored[youtube.CredExpiry], start)
	}

	// A restarted adapter uses the stored token: the token endpoint is
	// not needed.
	e.fault(fakenet.Rule{Op: fake.OpToken, Mode: fakenet.ModeError, Status: 500})
	restarted := e.newAdapter()
	if _, err := restarted.Publish(ctx(t), e.delivery(a), content(t, "Second", 2000, "second"), a); err != nil {
		t.Fatalf("Publish after restart: %v", err)
	}
	e.fake.Faults().Clear()

	// Past its expiry on the adapter's clock, the token is renewed.
	e.clock.Advance(2 * time.Hour)
	if _, err := restarted.Publish(ctx(t), e.delivery(a), content(t, "Third", 2000, "third"), a); err != nil {
		t.Fatalf("Publish two hours later: %v", err)
	}
	again, _ := e.creds.Credentials(ctx(t), a.ID)
	if again[youtube.CredAccessToken] == stored[youtube.CredAccessToken] {
		t.Error("got the same stored token two hours later, want a renewed one")
	}

	// A changed configuration (a new authorization) ignores the stored
	// token.
	a.Credentials[youtube.CredRefreshToken] = "not-a-sandbox-token"
	_, err = restarted.Publish(ctx(t), e.delivery(a), content(t, "Fourth", 2000, "fourth"), a)
	adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestUploadQuotaIsCountedPersistedAndResetAtPacificMidnight(t *testing.T) {
	e := newEnv(t, envOptions{quota: youtube.QuotaConfig{UploadsPerDay: 2}})
	a := e.account("quota")
	publish := func(ad *youtube.Adapter, seed string) error {
		_, err := ad.Publish(ctx(t), e.delivery(a), content(t, "Quota "+seed, 2000, seed), a)
		return err
	}
	if _, _, ok := e.adapter.RateLimit(a.ID); ok {
		t.Error("got a rate limit for an account never used, want none")
	}
	for _, seed := range []string{"q1", "q2"} {
		if err := publish(e.adapter, seed); err != nil {
			t.Fatalf("Publish %s: %v", seed, err)
		}
	}
	midnight := pacificMidnight(t, e.clock.Now())
	remaining, reset, ok := e.adapter.RateLimit(a.ID)
	if !ok || remaining != 0 || !reset.Equal(midnight) {
		t.Errorf("got RateLimit %d, %v, %v, want 0 left until %v", remaining, reset, ok, midnight)
	}

	err := publish(e.adapter, "q3")
	pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
	if pe.Code != "youtube_quota_exhausted" {
		t.Errorf("got code %q, want youtube_quota_exhausted", pe.Code)
	}
	if !pe.NotBefore.Equal(midnight) {
		t.Errorf("got NotBefore %v, want the next Pacific midnight %v", pe.NotBefore, midnight)
	}
	if !strings.Contains(pe.Message, "upload quota") || !strings.Contains(pe.Message, "midnight Pacific") {
		t.Errorf("got message %q, want it to say the day's upload quota is spent and when it resets", pe.Message)
	}
	if uploads, _ := e.fake.Quota(); uploads != 2 {
		t.Errorf("got %d inserts at the fake, want 2: the third must not be sent", uploads)
	}

	// A restarted process remembers the day's count.
	restarted := e.newAdapter()
	if uploads, _, reset := restarted.QuotaUsage(fake.ClientID); uploads != 2 || !reset.Equal(midnight) {
		t.Errorf("got QuotaUsage %d until %v after a restart, want 2 until %v", uploads, reset, midnight)
	}
	adaptertest.WantClass(t, publish(restarted, "q4"), pregonero.ClassRateLimited)

	// Past midnight in Los Angeles the day starts again.
	e.clock.Set(midnight.Add(time.Second))
	if err := publish(restarted, "q5"); err != nil {
		t.Fatalf("Publish after midnight: %v", err)
	}
	if uploads, _, _ := restarted.QuotaUsage(fake.ClientID); uploads != 1 {
		t.Errorf("got %d uploads on the new day, want 1", uploads)
	}
}

// A project Google gave more uploads keeps publishing past the default.
func TestProjectQuotaOverridesTheDefault(t *testing.T) {
	e := newEnv(t, envOptions{quota: youtube.QuotaConfig{UploadsPerDay: 1},
		projects: map[string]youtube.QuotaConfig{fake.ClientID: {UploadsPerDay: 3}}})
	a := e.account("grande")
	for i, seed := range []string{"p1", "p2", "p3"} {
		if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Proyecto "+seed, 2000, seed), a); err != nil {
			t.Fatalf("Publish %d: %v", i+1, err)
		}
	}
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Proyecto p4", 2000, "p4"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
	if !strings.Contains(pe.Message, "(3 videos.insert calls)") {
		t.Errorf("got message %q, want the project's own quota of 3", pe.Message)
	}
}

func TestQuotaExceededAnsweredByYouTubeStopsTheDay(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{UploadsPerDay: 1}})
	a := e.account("ytquota")
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "One", 2000, "one"), a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Two", 2000, "two"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
	if pe.Code != "youtube_quota_exhausted" || pe.HTTPStatus != 403 || pe.NetworkMessage == "" {
		t.Errorf("got %+v, want youtube_quota_exhausted with YouTube's 403 and words", pe)
	}
	if want := pacificMidnight(t, e.clock.Now()); !pe.NotBefore.Equal(want) {
		t.Errorf("got NotBefore %v, want %v", pe.NotBefore, want)
	}
	if uploads, _, _ := e.adapter.QuotaUsage(fake.ClientID); uploads != 100 {
		t.Errorf("got %d uploads counted, want the bucket marked spent (100)", uploads)
	}
}

func TestChannelUploadLimitWaitsADay(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{ChannelUploadsPerDay: 1}})
	a := e.account("capped")
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "One", 2000, "cap1"), a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Two", 2000, "cap2"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
	if pe.Code != "youtube_upload_limit" {
		t.Errorf("got code %q, want youtube_upload_limit", pe.Code)
	}
	if want := e.clock.Now().Add(24 * time.Hour); !pe.NotBefore.Equal(want) {
		t.Errorf("got NotBefore %v, want 24 hours from now, %v", pe.NotBefore, want)
	}
}

func TestScheduledPublishIsPrivateWithPublishAt(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("sched")
	c := content(t, "Scheduled", 2000, "sched")
	c.PublishAt = start.Add(3 * time.Hour)
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if !r.PublishedAt.Equal(c.PublishAt) {
		t.Errorf("got PublishedAt %v, want the scheduled %v", r.PublishedAt, c.PublishAt)
	}
	status := e.videoResource("sched", r.RemoteID)["status"].(map[string]any)
	if status["privacyStatus"] != "private" {
		t.Errorf("got privacy %v, want private until publishAt", status["privacyStatus"])
	}
	if got, _ := time.Parse(time.RFC3339, status["publishAt"].(string)); !got.Equal(c.PublishAt) {
		t.Errorf("got publishAt %v, want %v", status["publishAt"], c.PublishAt)
	}

	// A publication time already passed (a late retry) publishes at once.
	late := content(t, "Late", 2000, "late")
	late.PublishAt = start.Add(-time.Minute)
	if errs := e.adapter.Validate(late, a); len(errs) != 1 || errs[0].Field != "publish_at" || errs[0].Code != pregonero.FieldInPast {
		t.Errorf("got errors %+v, want one in_past about publish_at", errs)
	}
	r, err = e.adapter.Publish(ctx(t), e.delivery(a), late, a)
	if err != nil {
		t.Fatalf("Publish late: %v", err)
	}
	if got := e.videoResource("sched", r.RemoteID)["status"].(map[string]any)["privacyStatus"]; got != "public" {
		t.Errorf("got privacy %v for a late publication, want public", got)
	}
}

func TestThumbnailIsSetAndItsFailureDoesNotUnpublish(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("thumb")
	c := content(t, "Thumb", 2000, "thumb")
	thumb := adaptertest.ImageBlob(t, "image/png", 128, 72, "")
	c.Thumbnail = &thumb
	var cp adaptertest.Checkpoints
	c.Checkpoint = cp.Func
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	mime, size, ok := e.fake.Thumbnail(r.RemoteID)
	if !ok || mime != "image/png" || size != thumb.Size {
		t.Errorf("got thumbnail %q of %d bytes (set %v), want image/png of %d", mime, size, ok, thumb.Size)
	}
	if got := cp.Map(); got[youtube.CheckpointVideo] != r.RemoteID || got[youtube.CheckpointThumbnail] != r.RemoteID {
		t.Errorf("got checkpoints %v, want the video and its thumbnail recorded", got)
	}

	c2 := content(t, "Thumb fails", 2000, "thumb fails")
	c2.Thumbnail = &thumb
	e.fault(fakenet.Rule{Op: fake.OpThumbnail, Mode: fakenet.ModeError, Status: 500, Count: 1})
	r2, err := e.adapter.Publish(ctx(t), e.delivery(a), c2, a)
	if err != nil {
		t.Fatalf("Publish with a failing thumbnail: %v", err)
	}
	if _, _, ok := e.fake.Thumbnail(r2.RemoteID); ok {
		t.Error("got a thumbnail, want none after the injected failure")
	}
	if !strings.Contains(e.logs.String(), "thumbnail not set") {
		t.Error("got no log line about the thumbnail, want the failure logged")
	}
	if _, units, _ := e.adapter.QuotaUsage(fake.ClientID); units < 100 {
		t.Errorf("got %d units counted, want both thumbnails.set calls (50 each)", units)
	}
}

func TestCheckpointedVideoIsNotUploadedAgain(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("resume")
	c := content(t, "Resume", 2000, "resume")
	thumb := adaptertest.ImageBlob(t, "image/jpeg", 128, 72, "")
	c.Thumbnail = &thumb
	var cp adaptertest.Checkpoints
	c.Checkpoint = cp.Func
	// The thumbnail fails, as if the process died right after the insert.
	e.fault(fakenet.Rule{Op: fake.OpThumbnail, Mode: fakenet.ModeError, Status: 503, Count: 1})
	first, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	saved := cp.Map()
	if saved[youtube.CheckpointVideo] != first.RemoteID {
		t.Fatalf("got checkpoints %v, want %s = %s", saved, youtube.CheckpointVideo, first.RemoteID)
	}

	// Any upload now fails: the next attempt must read the checkpointed
	// video and set the thumbnail it missed.
	e.fault(fakenet.Rule{Op: fake.OpInsert, Mode: fakenet.ModeError, Status: 503})
	d := e.delivery(a)
	d.Checkpoint = saved
	r, err := e.adapter.Publish(ctx(t), d, c, a)
	if err != nil {
		t.Fatalf("Publish from checkpoint: %v", err)
	}
	if r.RemoteID != first.RemoteID || r.URL != first.URL {
		t.Errorf("got receipt %+v, want the checkpointed video's %+v", r, first)
	}
	if posts := e.posts("resume"); len(posts) != 1 {
		t.Errorf("got %d posts, want 1", len(posts))
	}
	if _, _, ok := e.fake.Thumbnail(first.RemoteID); !ok {
		t.Error("got no thumbnail, want it set on the retry")
	}

	// Reconcile honours the checkpoint too.
	got, found, err := e.adapter.Reconcile(ctx(t), d, c, a, start)
	if err != nil || !found || got.RemoteID != first.RemoteID {
		t.Errorf("got %+v, found %v, error %v, want the checkpointed video", got, found, err)
	}

	// A checkpointed video deleted meanwhile is not uploaded again.
	if err := e.adapter.Delete(ctx(t), a, first.RemoteID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = e.adapter.Publish(ctx(t), d, c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "youtube_video_gone" {
		t.Errorf("got code %q, want youtube_video_gone", pe.Code)
	}
}

// TestRejectedAndFailedUploadsArePermanent: YouTube answers an insert
// "uploaded" and fails or rejects the video while processing it, so the
// refusal shows when the video is read again: by the next attempt from the
// checkpoint, or by Reconcile.
func TestRejectedAndFailedUploadsArePermanent(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{Processing: time.Minute}})
	a := e.account("rejected")
	c := content(t, "Original", 3000, "same bytes")
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	dup := content(t, "Copy", 3000, "same bytes")
	dup.Marker = "another-marker"
	var cp adaptertest.Checkpoints
	dup.Checkpoint = cp.Func
	d := e.delivery(a)
	r, err := e.adapter.Publish(ctx(t), d, dup, a)
	if err != nil {
		t.Fatalf("Publish of the same bytes: got %v, want the insert's answer, uploaded", err)
	}
	if cp.Map()[youtube.CheckpointVideo] != r.RemoteID {
		t.Fatalf("got checkpoints %v, want the video recorded", cp.Map())
	}
	e.clock.Advance(time.Minute) // processed: rejected as a duplicate
	d.Checkpoint = cp.Map()
	_, err = e.adapter.Publish(ctx(t), d, dup, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "youtube_upload_rejected" || !strings.Contains(pe.Message, "exactly these bytes") || !strings.Contains(pe.NetworkMessage, "duplicate") {
		t.Errorf("got %+v, want a clear duplicate rejection", pe)
	}
	if _, found, err := e.adapter.Reconcile(ctx(t), d, dup, a, start); err != nil || found {
		t.Errorf("got found %v, error %v for the rejected video, want not found", found, err)
	}

	bad := content(t, "Not a video", 3000, "bad")
	bad.Media = []pregonero.MediaBlob{adaptertest.Blob("clip.mp4", "video/mp4", bytes.Repeat([]byte("not an mp4 "), 300), 0, 0, "")}
	var cpBad adaptertest.Checkpoints
	bad.Checkpoint = cpBad.Func
	dBad := e.delivery(a)
	if _, err := e.adapter.Publish(ctx(t), dBad, bad, a); err != nil {
		t.Fatalf("Publish of a file that is not a video: got %v, want the insert's answer, uploaded", err)
	}
	e.clock.Advance(time.Minute)
	dBad.Checkpoint = cpBad.Map()
	_, err = e.adapter.Publish(ctx(t), dBad, bad, a)
	pe = adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "youtube_upload_failed" || !strings.Contains(pe.NetworkMessage, "invalidFile") {
		t.Errorf("got %+v, want youtube_upload_failed with invalidFile", pe)
	}
}

func TestDialErrorBeforeAnythingIsSentIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	closed := srv.URL
	srv.Close()
	e := newEnv(t, envOptions{})
	a := e.account("dial")
	a.Endpoint = closed
	// A configured access token: no renewal, the upload itself cannot
	// connect.
	a.Credentials[youtube.CredAccessToken] = fake.AccessToken("dial")
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Dial", 2000, "dial"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.Code != "youtube_network" {
		t.Errorf("got code %q, want youtube_network", pe.Code)
	}
	if uploads, _, _ := e.adapter.QuotaUsage(fake.ClientID); uploads != 0 {
		t.Errorf("got %d uploads counted, want the unsent one given back", uploads)
	}
}

func TestEndpointWithPathPrefix(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{Prefix: "/youtube"}, chunkSize: chunk})
	if !strings.HasSuffix(e.base, "/youtube") {
		t.Fatalf("got base %q, want the prefix", e.base)
	}
	a := e.account("prefixed")
	for _, size := range []int{2000, 2*chunk + 5} {
		if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Prefixed", size, "prefixed"+string(rune('a'+size%26))), a); err != nil {
			t.Fatalf("Publish %d bytes: %v", size, err)
		}
	}
	if posts := e.posts("prefixed"); len(posts) != 2 {
		t.Errorf("got %d posts, want 2", len(posts))
	}
}

func TestDeleteRemovesTheVideo(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("delete")
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Delete me", 2000, "delete"), a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := e.adapter.Delete(ctx(t), a, r.RemoteID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if posts := e.posts("delete"); len(posts) != 0 {
		t.Errorf("got %d posts, want none", len(posts))
	}
	if err := e.adapter.Delete(ctx(t), a, r.RemoteID); err != nil {
		t.Errorf("second Delete: got %v, want nil for a video already gone", err)
	}
	if _, units, _ := e.adapter.QuotaUsage(fake.ClientID); units != 100 {
		t.Errorf("got %d units, want 2 deletes of 50", units)
	}
}

func TestReconcileChecksTheConfiguredChannel(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("mine")
	if id, err := e.adapter.ChannelID(ctx(t), a); err != nil || id != fake.ChannelID("mine") {
		t.Fatalf("got channel %q, error %v, want %s", id, err, fake.ChannelID("mine"))
	}
	a = e.account("mine")
	a.RemoteID = fake.ChannelID("someone_else")
	_, _, err := e.adapter.Reconcile(ctx(t), e.delivery(a), content(t, "x", 2000, "x"), a, start)
	pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
	if pe.Code != "youtube_wrong_channel" {
		t.Errorf("got code %q, want youtube_wrong_channel", pe.Code)
	}
}

func TestReconcileReadsUploadsPagesDownToSince(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("pages")
	c := content(t, "Early", 2000, "early")
	d := e.delivery(a)
	if _, err := e.adapter.Publish(ctx(t), d, c, a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	e.clock.Advance(time.Hour)
	since := e.clock.Now()
	for i := range 55 {
		e.clock.Advance(time.Second)
		if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Filler", 2000+i, "filler"+string(rune('A'+i))), a); err != nil {
			t.Fatalf("Publish filler %d: %v", i, err)
		}
	}
	target := content(t, "Target", 2000, "target")
	// The marker on the oldest of the recent uploads, past the first page.
	_, found, err := e.adapter.Reconcile(ctx(t), d, c, a, start.Add(-time.Minute))
	if err != nil || !found {
		t.Fatalf("got found %v, error %v for a video 56 uploads back, want found", found, err)
	}
	_, units, _ := e.adapter.QuotaUsage(fake.ClientID)
	if _, found, err := e.adapter.Reconcile(ctx(t), e.delivery(a), target, a, since); err != nil || found {
		t.Errorf("got found %v, error %v, want not found", found, err)
	}
	_, after, _ := e.adapter.QuotaUsage(fake.ClientID)
	// Two playlist pages (55 uploads since) and two videos.list calls;
	// the channel is known already.
	if got := after - units; got != 4 {
		t.Errorf("got %d units for the second reconciliation, want 4", got)
	}
}

func TestReconcileWithoutMarkerMatchesTitleAndDescription(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("nomarker")
	c := content(t, "Sin marcador", 2000, "nomarker")
	c.Marker = ""
	e.fault(fakenet.Rule{Op: fake.OpInsert, Mode: fakenet.ModeDropAfterAccept, Count: 1})
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	posts := e.posts("nomarker")
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want 1", len(posts))
	}
	r, found, err := e.adapter.Reconcile(ctx(t), e.delivery(a), c, a, start)
	if err != nil || !found || r.RemoteID != posts[0].RemoteID {
		t.Fatalf("got %+v, found %v, error %v, want %s", r, found, err, posts[0].RemoteID)
	}
	other := c
	other.Text = "Otra descripción"
	if _, found, err := e.adapter.Reconcile(ctx(t), e.delivery(a), other, a, start); err != nil || found {
		t.Errorf("got found %v, error %v for another description, want not found", found, err)
	}
}

// TestPublicationTimeTooNearToScheduleIsWaitedFor: a publication time
// less than the scheduling lead away cannot be scheduled (YouTube may read
// it as past) and must not go out early: the video goes up public once
// the time comes on the adapter's clock.
func TestPublicationTimeTooNearToScheduleIsWaitedFor(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("near")
	c := content(t, "Near", 2000, "near")
	c.PublishAt = start.Add(10 * time.Second)
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got := e.slept(); len(got) != 1 || got[0] != 10*time.Second {
		t.Errorf("got waits %v, want one of 10s", got)
	}
	v := e.fake.Video(r.RemoteID)
	if v.PrivacyStatus != "public" || !v.PublishAt.IsZero() || v.UploadedAt.Before(c.PublishAt) {
		t.Errorf("got %+v, want public, uploaded at %v or later", v, c.PublishAt)
	}
	if r.PublishedAt.Before(c.PublishAt) {
		t.Errorf("got PublishedAt %v, want %v or later", r.PublishedAt, c.PublishAt)
	}

	// A publication time far enough is scheduled without waiting, one
	// already past publishes at once.
	for _, at := range []time.Time{e.clock.Now().Add(31 * time.Second), e.clock.Now().Add(-time.Second)} {
		c := content(t, "Far or past", 2000, at.String())
		c.PublishAt = at
		if _, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a); err != nil {
			t.Fatalf("Publish at %v: %v", at, err)
		}
	}
	if got := e.slept(); len(got) != 1 {
		t.Errorf("got waits %v, want no more", got)
	}

	// An interrupted wait sends nothing.
	canceled, cancel := context.WithCancel(ctx(t))
	cancel()
	c = content(t, "Canceled", 2000, "canceled")
	c.PublishAt = e.clock.Now().Add(5 * time.Second)
	_, err = e.adapter.Publish(canceled, e.delivery(a), c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.Code != "youtube_canceled" {
		t.Errorf("got code %q, want youtube_canceled", pe.Code)
	}
	if posts := e.posts("near"); len(posts) != 3 {
		t.Errorf("got %d videos, want 3", len(posts))
	}
}

// flakySettings is a SettingStore whose reads fail while broken.
type flakySettings struct {
	memSettings
	broken atomic.Bool
	puts   atomic.Int64
}

func (s *flakySettings) Setting(ctx context.Context, key string) ([]byte, error) {
	if s.broken.Load() {
		return nil, errors.New("database is locked")
	}
	return s.memSettings.Setting(ctx, key)
}

func (s *flakySettings) PutSetting(ctx context.Context, key string, value []byte) error {
	s.puts.Add(1)
	return s.memSettings.PutSetting(ctx, key, value)
}

// TestUnreadableQuotaCountIsRetryable: the day's count that cannot be
// read is neither restarted from zero nor overwritten.
func TestUnreadableQuotaCountIsRetryable(t *testing.T) {
	settings := &flakySettings{}
	e := newEnv(t, envOptions{settings: settings})
	a := e.account("count")
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "One", 2000, "count1"), a); err != nil {
		t.Fatalf("Publish: %v", err)
	}

	restarted := e.newAdapter()
	settings.broken.Store(true)
	puts := settings.puts.Load()
	_, err := restarted.Publish(ctx(t), e.delivery(a), content(t, "Two", 2000, "count2"), a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.Code != "youtube_quota_unreadable" {
		t.Errorf("got code %q, want youtube_quota_unreadable", pe.Code)
	}
	if got := settings.puts.Load(); got != puts {
		t.Errorf("got %d writes of the count, want none while it cannot be read", got-puts)
	}
	if posts := e.posts("count"); len(posts) != 1 {
		t.Errorf("got %d videos, want 1: nothing sent", len(posts))
	}
	if _, _, ok := restarted.RateLimit(a.ID); ok {
		t.Error("got a rate limit while the count cannot be read, want none")
	}

	settings.broken.Store(false)
	if _, err := restarted.Publish(ctx(t), e.delivery(a), content(t, "Two", 2000, "count2"), a); err != nil {
		t.Fatalf("Publish once readable: %v", err)
	}
	if uploads, _, _ := restarted.QuotaUsage(fake.ClientID); uploads != 2 {
		t.Errorf("got %d uploads counted, want 2: the stored count went on", uploads)
	}
}

// TestRotatedRefreshTokenIsKept: a refresh token that replaced the
// configured one stays stored through later renewals that bring none,
// and is used after a restart; a new configuration wins over it.
func TestRotatedRefreshTokenIsKept(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{RefreshTokenRotation: 24 * time.Hour}})
	a := e.account("rotating")
	publish := func(ad *youtube.Adapter, seed string) error {
		_, err := ad.Publish(ctx(t), e.delivery(a), content(t, "Rotating "+seed, 2000, "rotating "+seed), a)
		return err
	}
	if err := publish(e.adapter, "1"); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	stored, _ := e.creds.Credentials(ctx(t), a.ID)
	rotated := stored[youtube.CredRefreshToken]
	if rotated == "" || rotated == fake.RefreshToken("rotating") {
		t.Fatalf("got stored refresh token %q, want the one that replaced the configured one", rotated)
	}
	// Two hours later a restarted process renews with it; Google answers
	// without a refresh token.
	e.clock.Advance(2 * time.Hour)
	if err := publish(e.newAdapter(), "2"); err != nil {
		t.Fatalf("Publish after a restart: %v", err)
	}
	if again, _ := e.creds.Credentials(ctx(t), a.ID); again[youtube.CredRefreshToken] != rotated {
		t.Fatalf("got stored refresh token %q after a renewal without one, want %q kept", again[youtube.CredRefreshToken], rotated)
	}
	e.clock.Advance(2 * time.Hour)
	if err := publish(e.newAdapter(), "3"); err != nil {
		t.Fatalf("Publish after a second restart: %v", err)
	}

	// A person authorizes the channel again: the new configuration wins
	// over what was stored for the old one.
	e.clock.Advance(2 * time.Hour)
	a.Credentials[youtube.CredRefreshToken] = "not-a-sandbox-token"
	adaptertest.WantClass(t, publish(e.newAdapter(), "4"), pregonero.ClassNeedsReauth)
}

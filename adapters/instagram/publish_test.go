package instagram_test

import (
	"net"
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

// onePost returns the only post the fake holds for the account.
func onePost(t *testing.T, e *env, a *pregonero.Account) fakenet.Post {
	t.Helper()
	posts := e.posts(a)
	if len(posts) != 1 {
		t.Fatalf("got %d posts in the fake, want 1: %+v", len(posts), posts)
	}
	return posts[0]
}

// wantPermalink fails unless the receipt carries an Instagram permalink
// and a publication time.
func wantPermalink(t *testing.T, r pregonero.Receipt, kind string) {
	t.Helper()
	if r.RemoteID == "" {
		t.Fatal("got receipt without remote id")
	}
	if !strings.HasPrefix(r.URL, "https://www.instagram.com/"+kind+"/") {
		t.Errorf("got receipt URL %q, want an Instagram permalink under /%s/", r.URL, kind)
	}
	if r.PublishedAt.IsZero() || time.Since(r.PublishedAt) > time.Minute {
		t.Errorf("got PublishedAt %v, want the time of publication", r.PublishedAt)
	}
}

func TestPublishSingleImage(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("single")
	var cp checkpoints
	c := pregonero.Content{Text: "Vacunación gratuita este sábado #Antioquia", Link: "https://antioquia.gov.co/vacunas",
		Media: []pregonero.MediaBlob{e.media.jpeg(t, 120, 100, "Afiche de la jornada")}, Checkpoint: cp.fn}
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	wantPermalink(t, r, "p")
	p := onePost(t, e, a)
	if p.RemoteID != r.RemoteID {
		t.Errorf("got post %s in the fake, want receipt's %s", p.RemoteID, r.RemoteID)
	}
	if got, want := p.Text, "Vacunación gratuita este sábado #Antioquia\n\nhttps://antioquia.gov.co/vacunas"; got != want {
		t.Errorf("got caption %q, want %q", got, want)
	}
	if len(p.Media) != 1 || p.Media[0].Type != "image/jpeg" || p.Media[0].AltText != "Afiche de la jornada" || p.Media[0].Size != c.Media[0].Size {
		t.Errorf("got media %+v, want the JPEG with its alt text and size %d", p.Media, c.Media[0].Size)
	}
	if got := cp.get(instagram.CheckpointContainer); got == "" {
		t.Error("got no container checkpoint, want the container recorded before publishing")
	}
	if got := e.fake.PublishedCount(a.RemoteID); got != 1 {
		t.Errorf("got %d media_publish successes, want 1", got)
	}
}

func TestPublishCarousel(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("carousel")
	c := pregonero.Content{Text: "Galería del evento", Media: []pregonero.MediaBlob{
		e.media.jpeg(t, 100, 100, "Primera foto"),
		e.media.mp4(t, 8_000),
		e.media.jpeg(t, 100, 120, "Tercera foto"),
	}}
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	wantPermalink(t, r, "p")
	p := onePost(t, e, a)
	if p.RemoteID != r.RemoteID || p.Text != c.Text {
		t.Errorf("got post %s %q, want %s %q", p.RemoteID, p.Text, r.RemoteID, c.Text)
	}
	if len(p.Media) != 3 {
		t.Fatalf("got %d media, want 3: %+v", len(p.Media), p.Media)
	}
	for i, want := range []struct{ typ, alt string }{{"image/jpeg", "Primera foto"}, {"video/mp4", ""}, {"image/jpeg", "Tercera foto"}} {
		if p.Media[i].Type != want.typ || p.Media[i].AltText != want.alt || p.Media[i].Size != c.Media[i].Size {
			t.Errorf("media[%d]: got %+v, want type %s, alt %q, size %d", i, p.Media[i], want.typ, want.alt, c.Media[i].Size)
		}
	}
}

func TestPublishVideoFormats(t *testing.T) {
	tests := []struct {
		name   string
		format string
		kind   string // permalink path
		text   string
	}{
		{"single feed video goes out as a reel", pregonero.FormatFeed, "reel", "Video del día"},
		{"reel", pregonero.FormatReel, "reel", "Nuestro reel"},
		{"story video", pregonero.FormatStory, "stories", ""},
	}
	e := newEnv(t, envOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.account("video")
			c := pregonero.Content{Text: tt.text, Format: tt.format, Media: []pregonero.MediaBlob{e.media.mp4(t, 10_000)}}
			r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			wantPermalink(t, r, tt.kind)
			p := onePost(t, e, a)
			if p.Text != tt.text || len(p.Media) != 1 || p.Media[0].Type != "video/mp4" {
				t.Errorf("got post %+v, want text %q and one MP4", p, tt.text)
			}
		})
	}
}

func TestPublishStoryImage(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("story")
	// 9:16, outside the feed's aspect ratios but what stories are made of.
	c := pregonero.Content{Format: pregonero.FormatStory, Media: []pregonero.MediaBlob{e.media.jpeg(t, 90, 160, "Historia")}}
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	wantPermalink(t, r, "stories")
	if p := onePost(t, e, a); p.RemoteID != r.RemoteID || p.Text != "" {
		t.Errorf("got post %+v, want %s without caption", p, r.RemoteID)
	}
}

func TestInstagramUserIDIsLearned(t *testing.T) {
	e := newEnv(t, envOptions{})
	t.Run("with Instagram Login", func(t *testing.T) {
		ig := "9" + e.page()
		a := &pregonero.Account{ID: "ig-login", Network: pregonero.NetworkInstagram, Endpoint: e.base,
			Credentials: map[string]string{graph.CredAccessToken: fake.InstagramToken(ig), instagram.CredLogin: instagram.LoginInstagram}}
		r, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Con Instagram Login", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		posts := e.fake.Ledger().Filter(fake.NetworkInstagram, ig)
		if len(posts) != 1 || posts[0].RemoteID != r.RemoteID {
			t.Errorf("got posts %+v of user %s, want the receipt's %s", posts, ig, r.RemoteID)
		}
	})
	t.Run("with Facebook Login and the page id", func(t *testing.T) {
		page := e.page()
		a := &pregonero.Account{ID: "ig-page", Network: pregonero.NetworkInstagram, Endpoint: e.base,
			Credentials: map[string]string{graph.CredAccessToken: fake.PageToken(page), graph.CredAppID: fake.DefaultAppID,
				graph.CredAppSecret: fake.DefaultAppSecret, instagram.CredPageID: page}}
		r, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Con Facebook Login", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		posts := e.fake.Ledger().Filter(fake.NetworkInstagram, fake.LinkedInstagram(page))
		if len(posts) != 1 || posts[0].RemoteID != r.RemoteID {
			t.Errorf("got posts %+v, want the receipt's %s", posts, r.RemoteID)
		}
	})
	t.Run("app secret proof is refused when wrong", func(t *testing.T) {
		a := e.account("proof")
		a.Credentials[graph.CredAppSecret] = "not-the-secret"
		_, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a)
		pe := adaptertest.WantClass(t, err, pregonero.ClassNeedsReauth)
		if !strings.Contains(pe.Message, "app_secret") {
			t.Errorf("got message %q, want it to name app_secret", pe.Message)
		}
	})
}

func TestResumeFinishedContainerPublishesOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("resume_finished")
	var cp checkpoints
	c := pregonero.Content{Text: "Reanudar", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
	d := e.delivery(a)
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 503, Count: 1})
	_, err := e.adapter.Publish(ctx(t), d, c, a)
	adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	container := cp.get(instagram.CheckpointContainer)
	if container == "" {
		t.Fatal("got no container checkpoint after the failed publication")
	}
	if _, found, err := e.adapter.Reconcile(ctx(t), withCheckpoint(d, cp.snapshot()), c, a, d.ScheduledAt); err != nil || found {
		t.Fatalf("Reconcile: got found %v, error %v; want absent for a FINISHED container", found, err)
	}

	// A second attempt may not create another container: it publishes the
	// checkpointed one.
	e.fault(t, fakenet.Rule{Op: fake.OpContainer, Mode: fakenet.ModeError, Status: 503})
	r, err := e.adapter.Publish(ctx(t), withCheckpoint(d, cp.snapshot()), c, a)
	if err != nil {
		t.Fatalf("second Publish: %v", err)
	}
	if p := onePost(t, e, a); p.RemoteID != r.RemoteID {
		t.Errorf("got post %s, want %s", p.RemoteID, r.RemoteID)
	}
	if got, _ := e.fake.ContainerStatus(container); got != "PUBLISHED" {
		t.Errorf("got checkpointed container %s, want PUBLISHED", got)
	}
	if got := e.fake.PublishedCount(a.RemoteID); got != 1 {
		t.Errorf("got %d media_publish successes, want 1", got)
	}
}

func TestResumePublishedContainerGivesReceiptWithoutPublishing(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("resume_published")
	var cp checkpoints
	c := pregonero.Content{Text: "Ya publicado", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
	d := e.delivery(a)
	first, err := e.adapter.Publish(ctx(t), d, c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	// As after a crash before the result was recorded: the same delivery
	// comes back with its checkpoint. Any media_publish would now fail.
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 400, Count: 1})
	r, err := e.adapter.Publish(ctx(t), withCheckpoint(d, cp.snapshot()), c, a)
	if err != nil {
		t.Fatalf("second Publish: %v", err)
	}
	if r.RemoteID != first.RemoteID || r.URL != first.URL {
		t.Errorf("got receipt %+v, want the first one %+v", r, first)
	}
	if rules := e.fake.Faults().Rules(); len(rules) != 1 {
		t.Errorf("got %d fault rules left, want the publish rule unused (no second media_publish)", len(rules))
	}
	onePost(t, e, a)
}

func TestResumeExpiredContainerIsRecreated(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("resume_expired")
	var cp checkpoints
	c := pregonero.Content{Text: "Expirado", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
	d := e.delivery(a)
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 503, Count: 1})
	if _, err := e.adapter.Publish(ctx(t), d, c, a); err == nil {
		t.Fatal("first Publish: got no error, want the injected failure")
	}
	old := cp.get(instagram.CheckpointContainer)
	e.fake.ExpireContainers()
	r, err := e.adapter.Publish(ctx(t), withCheckpoint(d, cp.snapshot()), c, a)
	if err != nil {
		t.Fatalf("second Publish: %v", err)
	}
	now := cp.get(instagram.CheckpointContainer)
	if now == "" || now == old {
		t.Errorf("got container checkpoint %q, want a new container instead of the expired %s", now, old)
	}
	if got, _ := e.fake.ContainerStatus(old); got != "EXPIRED" {
		t.Errorf("got old container %s, want it left EXPIRED", got)
	}
	if p := onePost(t, e, a); p.RemoteID != r.RemoteID {
		t.Errorf("got post %s, want %s", p.RemoteID, r.RemoteID)
	}
}

func TestResumeFailedContainer(t *testing.T) {
	t.Run("failed download is recreated at once", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("resume_fetch")
		var cp checkpoints
		c := pregonero.Content{Text: "Descarga fallida", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
		d := e.delivery(a)
		e.fault(t, fakenet.Rule{Op: fake.OpFetch, Mode: fakenet.ModeDropAfterAccept, Count: 1})
		_, err := e.adapter.Publish(ctx(t), d, c, a)
		adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		failed := cp.containers()
		if len(failed) != 1 {
			t.Fatalf("got containers %v, want one", failed)
		}
		// As if the clearing had not been recorded before a crash.
		r, err := e.adapter.Publish(ctx(t), withCheckpoint(d, map[string]string{instagram.CheckpointContainer: failed[0]}), c, a)
		if err != nil {
			t.Fatalf("second Publish: %v", err)
		}
		if p := onePost(t, e, a); p.RemoteID != r.RemoteID {
			t.Errorf("got post %s, want %s", p.RemoteID, r.RemoteID)
		}
		if ids := cp.containers(); len(ids) != 2 || ids[1] == failed[0] {
			t.Errorf("got containers %v, want the failed one then a new one", ids)
		}
	})
	t.Run("refused format is permanent", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		a := e.account("resume_format")
		var cp checkpoints
		// The record says square; the bytes are 3:1, which only the
		// download reveals.
		m := e.media.jpeg(t, 300, 100, "")
		m.Width, m.Height = 100, 100
		c := pregonero.Content{Text: "Formato", Media: []pregonero.MediaBlob{m}, Checkpoint: cp.fn}
		d := e.delivery(a)
		_, err := e.adapter.Publish(ctx(t), d, c, a)
		pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
		if pe.Code != "instagram_media_format" || !strings.Contains(pe.NetworkMessage, "2207009") {
			t.Errorf("got code %q, network message %q; want instagram_media_format with subcode 2207009", pe.Code, pe.NetworkMessage)
		}
		failed := cp.containers()
		if len(failed) != 1 || cp.get(instagram.CheckpointContainer) != "" {
			t.Fatalf("got containers %v and checkpoint %q, want one container, cleared", failed, cp.get(instagram.CheckpointContainer))
		}
		_, err = e.adapter.Publish(ctx(t), withCheckpoint(d, map[string]string{instagram.CheckpointContainer: failed[0]}), c, a)
		adaptertest.WantClass(t, err, pregonero.ClassPermanent)
		if ids := cp.containers(); len(ids) != 1 {
			t.Errorf("got containers %v, want none created for media refused for their format", ids)
		}
		if posts := e.posts(a); len(posts) != 0 {
			t.Errorf("got %d posts, want none", len(posts))
		}
	})
}

func TestStillProcessingIsRetryableAndResumed(t *testing.T) {
	clock := fakenet.NewClock(time.Now().UTC().Truncate(time.Second))
	e := newEnv(t, envOptions{clock: clock, fake: fake.Options{VideoProcessing: time.Hour}, cfg: instagram.Config{PollTimeout: 30 * time.Millisecond}})
	a := e.account("processing")
	var cp checkpoints
	c := pregonero.Content{Text: "Video largo", Format: pregonero.FormatReel, Media: []pregonero.MediaBlob{e.media.mp4(t, 10_000)}, Checkpoint: cp.fn}
	d := e.delivery(a)
	_, err := e.adapter.Publish(ctx(t), d, c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.Code != "instagram_processing" {
		t.Errorf("got code %q, want instagram_processing", pe.Code)
	}
	container := cp.get(instagram.CheckpointContainer)
	if container == "" {
		t.Fatal("got no container checkpoint, want it kept for the next attempt")
	}
	clock.Advance(time.Hour)
	e.fault(t, fakenet.Rule{Op: fake.OpContainer, Mode: fakenet.ModeError, Status: 503})
	r, err := e.adapter.Publish(ctx(t), withCheckpoint(d, cp.snapshot()), c, a)
	if err != nil {
		t.Fatalf("second Publish: %v", err)
	}
	wantPermalinkKind(t, r, "reel")
	if got, _ := e.fake.ContainerStatus(container); got != "PUBLISHED" {
		t.Errorf("got container %s, want the checkpointed one PUBLISHED", got)
	}
	onePost(t, e, a)
}

// wantPermalinkKind checks only the permalink, for tests on a fake clock.
func wantPermalinkKind(t *testing.T, r pregonero.Receipt, kind string) {
	t.Helper()
	if r.RemoteID == "" || !strings.HasPrefix(r.URL, "https://www.instagram.com/"+kind+"/") {
		t.Errorf("got receipt %+v, want a media id and a permalink under /%s/", r, kind)
	}
}

func TestNotReadyAtPublishIsRetriedWithinTheAttempt(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{VideoProcessing: 40 * time.Millisecond}})
	a := e.account("not_ready")
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Code: 9007, Subcode: 2207027, Count: 2})
	c := pregonero.Content{Text: "Aún no", Format: pregonero.FormatReel, Media: []pregonero.MediaBlob{e.media.mp4(t, 10_000)}}
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if p := onePost(t, e, a); p.RemoteID != r.RemoteID {
		t.Errorf("got post %s, want %s", p.RemoteID, r.RemoteID)
	}
	if got := e.fake.PublishedCount(a.RemoteID); got != 1 {
		t.Errorf("got %d media_publish successes, want 1", got)
	}
	if rules := e.fake.Faults().Rules(); len(rules) != 0 {
		t.Errorf("got rules %+v left, want both 9007 answers consumed", rules)
	}
}

func TestNotReadyBeyondThePollingTimeIsRetryable(t *testing.T) {
	e := newEnv(t, envOptions{cfg: instagram.Config{PollTimeout: 50 * time.Millisecond}})
	a := e.account("never_ready")
	var cp checkpoints
	e.fault(t, fakenet.Rule{Op: fake.OpPublish, Mode: fakenet.ModeError, Code: 9007, Subcode: 2207027})
	c := pregonero.Content{Text: "Nunca", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.Code != "instagram_not_ready" {
		t.Errorf("got code %q, want instagram_not_ready", pe.Code)
	}
	if cp.get(instagram.CheckpointContainer) == "" {
		t.Error("got the container checkpoint cleared, want it kept for the next attempt")
	}
}

func TestPublishingQuotaIsReadLive(t *testing.T) {
	e := newEnv(t, envOptions{fake: fake.Options{PublishLimit: 2}})
	a := e.account("quota")
	var first time.Time
	for i := range 2 {
		r, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Post " + string(rune('A'+i)), Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a)
		if err != nil {
			t.Fatalf("Publish %d: %v", i+1, err)
		}
		if i == 0 {
			first = r.PublishedAt
		}
	}
	if rem, _, ok := e.adapter.RateLimit(a.ID); !ok || rem != 0 {
		t.Errorf("got RateLimit remaining %d (known %v), want 0 known after two of two", rem, ok)
	}
	var cp checkpoints
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Post C", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}, Checkpoint: cp.fn}, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRateLimited)
	if want := first.Add(24 * time.Hour); !pe.NotBefore.Equal(want) {
		t.Errorf("got NotBefore %v, want the first post's time plus 24 h, %v", pe.NotBefore, want)
	}
	if got := e.fake.PublishedCount(a.RemoteID); got != 2 {
		t.Errorf("got %d publications, want 2", got)
	}
	if cp.get(instagram.CheckpointContainer) == "" {
		t.Error("got no container checkpoint, want the finished container kept for when the quota frees")
	}
	rem, reset, ok := e.adapter.RateLimit(a.ID)
	if !ok || rem != 0 || !reset.Equal(pe.NotBefore) {
		t.Errorf("got RateLimit (%d, %v, %v), want (0, %v, true)", rem, reset, ok, pe.NotBefore)
	}
}

func TestUnreachableMediaURLIsRetryableWithCheckpointCleared(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("unreachable")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + l.Addr().String() + "/media/gone.jpg"
	l.Close()
	m := e.media.jpeg(t, 100, 100, "")
	m.URL = gone
	var cp checkpoints
	_, err = e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Sin acceso", Media: []pregonero.MediaBlob{m}, Checkpoint: cp.fn}, a)
	pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	if pe.Code != "instagram_media_fetch" || !strings.Contains(pe.Message, "public_url") {
		t.Errorf("got code %q, message %q; want instagram_media_fetch naming public_url", pe.Code, pe.Message)
	}
	if ids := cp.containers(); len(ids) != 1 {
		t.Errorf("got containers %v, want one created", ids)
	}
	if got := cp.get(instagram.CheckpointContainer); got != "" {
		t.Errorf("got container checkpoint %q, want it cleared so the next attempt downloads again", got)
	}
	if posts := e.posts(a); len(posts) != 0 {
		t.Errorf("got %d posts, want none", len(posts))
	}
}

func TestReceiptFallsBackWhenThePermalinkCannotBeRead(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("no_permalink")
	e.fault(t, fakenet.Rule{Op: fake.OpLookup, Mode: fakenet.ModeError, Status: 500})
	r, err := e.adapter.Publish(ctx(t), e.delivery(a), pregonero.Content{Text: "Sin enlace", Media: []pregonero.MediaBlob{e.media.jpeg(t, 100, 100, "")}}, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if r.URL != "https://www.instagram.com/" || r.PublishedAt.IsZero() {
		t.Errorf("got receipt %+v, want Instagram's address and a time", r)
	}
	if p := onePost(t, e, a); p.RemoteID != r.RemoteID {
		t.Errorf("got post %s, want %s", p.RemoteID, r.RemoteID)
	}
}

func withCheckpoint(d *pregonero.Delivery, cp map[string]string) *pregonero.Delivery {
	c := d.Clone()
	c.Checkpoint = cp
	return c
}

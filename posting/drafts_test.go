package posting_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
)

func (f *fixture) putMedia(t *testing.T, id, alt string) {
	t.Helper()
	m := &pregonero.Media{ID: id, SHA256: id, MIME: "image/jpeg", Size: 1000, AltText: alt, CreatedAt: t0}
	if err := f.db.PutMedia(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// wantField fails unless err is invalid with a field error on field of
// the given code.
func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	e, ok := err.(*pregonero.Error)
	if !ok || e.Code != pregonero.EINVALID {
		t.Fatalf("got %v, want invalid %s %s", err, field, code)
	}
	for _, fe := range e.Fields {
		if fe.Field == field && fe.Code == code {
			return
		}
	}
	t.Errorf("fields %v, want %s %s", e.Fields, field, code)
}

func TestAltTextBelongsToThePost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.putMedia(t, "m_bridge", "Puente colgante")
	c := f.create(t, posting.Draft{Text: "Post C", Targets: []string{"x-gob"}, Media: pregonero.MediaOf("m_bridge")})
	d := f.create(t, posting.Draft{Text: "Post D", Targets: []string{"x-gob"},
		Media: []pregonero.PostMedia{{ID: "m_bridge", AltText: "Puente de noche, iluminado"}}})
	if got := c.Media; len(got) != 1 || got[0].AltText != "Puente colgante" {
		t.Errorf("C media = %+v, want the file's alt text as its default", got)
	}
	if got := d.Media; len(got) != 1 || got[0].AltText != "Puente de noche, iluminado" {
		t.Errorf("D media = %+v, want its own alt text", got)
	}

	// Editing D, and the file, leaves C alone.
	alt := []pregonero.PostMedia{{ID: "m_bridge", AltText: "Otra descripción"}}
	if _, err := f.svc.Edit(ctx, d.ID, &posting.Patch{Media: &alt}); err != nil {
		t.Fatal(err)
	}
	m, _ := f.db.Media(ctx, "m_bridge")
	m.AltText = "Texto nuevo del archivo"
	if err := f.db.PutMedia(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.Post(ctx, c.ID); got.Media[0].AltText != "Puente colgante" {
		t.Errorf("C alt text after D and the file changed = %q, want %q", got.Media[0].AltText, "Puente colgante")
	}
	if got, _ := f.db.Media(ctx, "m_bridge"); got.AltText != "Texto nuevo del archivo" {
		t.Errorf("file alt text = %q: an edit of a post changed the file", got.AltText)
	}

	// An edit giving the file without alt text keeps the post's own.
	text := "Post C corregido"
	bare := pregonero.MediaOf("m_bridge")
	got, err := f.svc.Edit(ctx, c.ID, &posting.Patch{Text: &text, Media: &bare})
	if err != nil {
		t.Fatal(err)
	}
	if got.Media[0].AltText != "Puente colgante" {
		t.Errorf("C alt text after an edit with a bare id = %q, want its own %q", got.Media[0].AltText, "Puente colgante")
	}
}

func TestAltTextIsChecked(t *testing.T) {
	f := newFixture(t)
	f.putMedia(t, "m_a", "")
	f.putMedia(t, "m_b", "")
	for _, tt := range []struct {
		name, alt, code string
	}{
		{"too long", strings.Repeat("ñ", 1001), pregonero.FieldTooLong},
		{"control character", "Puente\x1b[31m", pregonero.FieldInvalid},
		{"not UTF-8", "Puente \xff", pregonero.FieldInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := posting.Draft{Text: "hola", Targets: []string{"x-gob"},
				Media: []pregonero.PostMedia{{ID: "m_a"}, {ID: "m_b", AltText: tt.alt}}}
			_, _, err := f.svc.Create(context.Background(), &d, "")
			wantField(t, err, "media[1].alt_text", tt.code)
			v, err := f.svc.Validate(context.Background(), &d, "")
			if err != nil || v.Valid {
				t.Errorf("Validate() = %+v, %v; want invalid", v, err)
			}
		})
	}
	t.Run("a file attached twice is refused as before", func(t *testing.T) {
		d := posting.Draft{Text: "hola", Targets: []string{"x-gob"},
			Media: []pregonero.PostMedia{{ID: "m_a", AltText: "uno"}, {ID: "m_a", AltText: "dos"}}}
		_, _, err := f.svc.Create(context.Background(), &d, "")
		wantField(t, err, "media", pregonero.FieldDuplicate)
	})
}

func TestAdaptersSeeThePostsAltText(t *testing.T) {
	f := newFixture(t)
	f.putMedia(t, "m_a", "del archivo")
	var seen []string
	x := &adapter{network: pregonero.NetworkX, validate: func(c pregonero.Content, _ *pregonero.Account) []pregonero.FieldError {
		for _, m := range c.Media {
			seen = append(seen, m.AltText)
		}
		return nil
	}}
	svc, err := posting.New(posting.Config{Store: f.db, Sender: f.sender, Now: f.clock.Now,
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: x}})
	if err != nil {
		t.Fatal(err)
	}
	d := posting.Draft{Text: "hola", Targets: []string{"x-gob"}, Media: []pregonero.PostMedia{{ID: "m_a", AltText: "del post"}}}
	if _, _, err := svc.Create(context.Background(), &d, ""); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "del post" {
		t.Errorf("the adapter validated alt texts %q, want the post's", seen)
	}
	if m, _ := f.db.Media(context.Background(), "m_a"); m.AltText != "del archivo" {
		t.Errorf("the file's record became %q", m.AltText)
	}
}

func TestADraftIsNeverDueUntilScheduled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, posting.Draft{Draft: true})
	if p.Status != pregonero.PostDraft || len(p.Deliveries) != 0 || !p.ScheduledAt.IsZero() {
		t.Fatalf("empty draft = status %q, %d deliveries, at %v; want a draft with none and no time", p.Status, len(p.Deliveries), p.ScheduledAt)
	}
	if w := f.wakeups(); len(w) != 0 {
		t.Errorf("a draft woke the scheduler at %v", w)
	}

	// Whatever a draft has must be valid.
	for name, d := range map[string]posting.Draft{
		"unknown target":   {Draft: true, Targets: []string{"nope"}},
		"too long for X":   {Draft: true, Text: strings.Repeat("a", 281), Targets: []string{"x-gob"}},
		"time in the past": {Draft: true, ScheduledAt: "2026-12-07T07:00"},
		"bad link":         {Draft: true, Link: "ftp://x"},
	} {
		if _, _, err := f.svc.Create(ctx, &d, ""); pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}

	// Edited freely: targets too.
	text := "Jornada de vacunación"
	targets := []string{"x-gob", "x-salud"}
	p, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Text: &text, Targets: &targets})
	if err != nil || p.Status != pregonero.PostDraft || len(p.Targets) != 2 || p.Text != text {
		t.Fatalf("edit draft = %+v, %v", p, err)
	}
	listed, err := f.db.Posts(ctx, pregonero.PostFilter{Status: pregonero.PostDraft})
	if err != nil || len(listed.Posts) != 1 || listed.Posts[0].ID != p.ID {
		t.Errorf("status=draft lists %v, %v; want the draft", listed, err)
	}

	// Scheduling runs the full checks.
	empty := f.create(t, posting.Draft{Draft: true})
	_, err = f.svc.Schedule(ctx, empty.ID, "", "")
	wantField(t, err, "targets", pregonero.FieldRequired)
	wantField(t, err, "text", pregonero.FieldRequired)

	s, err := f.svc.Schedule(ctx, p.ID, "2026-12-07T15:00", "")
	if err != nil {
		t.Fatalf("Schedule() = %v", err)
	}
	at := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	if s.Status != pregonero.PostScheduled || len(s.Deliveries) != 2 || !s.ScheduledAt.Equal(at) {
		t.Errorf("scheduled = status %q with %d deliveries at %v; want scheduled with 2 at %v", s.Status, len(s.Deliveries), s.ScheduledAt, at)
	}
	if w := f.wakeups(); len(w) != 1 || !w[0].Equal(at) {
		t.Errorf("wake-ups %v, want one at %v", w, at)
	}
	_, err = f.svc.Schedule(ctx, p.ID, "", "")
	if pregonero.ErrorCode(err) != pregonero.ECONFLICT || !strings.Contains(pregonero.ErrorMessage(err), "not a draft") {
		t.Errorf("scheduling again: %v, want a conflict saying it is not a draft", err)
	}
	tt := []string{"x-gob"}
	if _, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Targets: &tt}); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("changing a scheduled post's targets: %v, want invalid", err)
	}
}

func TestADraftWithoutATimeIsScheduledAsSoonAsPossibleOrAtItsOwn(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.create(t, posting.Draft{Draft: true, Text: "ya", Targets: []string{"x-gob"}})
	p, err := f.svc.Schedule(ctx, now.ID, "", "")
	if err != nil || !p.ScheduledAt.Equal(t0) || p.Deliveries[0].State != pregonero.DeliveryQueued {
		t.Errorf("Schedule(no time) = %+v, %v; want queued at %v", p, err, t0)
	}
	own := f.create(t, posting.Draft{Draft: true, Text: "luego", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-08T09:00"})
	p, err = f.svc.Schedule(ctx, own.ID, "", "")
	if want := time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC); err != nil || !p.ScheduledAt.Equal(want) {
		t.Errorf("Schedule(draft's own time) = %+v, %v; want at %v", p, err, want)
	}
}

func TestCancelADraftAndTwice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, posting.Draft{Draft: true, Text: "borrador"})
	got, err := f.svc.Cancel(ctx, p.ID)
	if err != nil || got.Status != pregonero.PostCanceled {
		t.Fatalf("Cancel(draft) = %+v, %v; want canceled", got, err)
	}
	for _, id := range []string{p.ID, f.create(t, posting.Draft{Text: "hola", Targets: []string{"x-gob"}}).ID} {
		if id != p.ID {
			if _, err := f.svc.Cancel(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.svc.Cancel(ctx, id)
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT || !strings.Contains(pregonero.ErrorMessage(err), "already canceled") {
			t.Errorf("second cancel of %s: %v, want a conflict saying it is already canceled", id, err)
		}
	}
	if _, err := f.svc.Schedule(ctx, p.ID, "", ""); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("scheduling a canceled draft: %v, want conflict", err)
	}
	text := "otra cosa"
	if _, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Text: &text}); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("editing a canceled draft: %v, want conflict", err)
	}
}

func TestADraftKeepsTheIdempotencyRulesOfCreate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := posting.Draft{Draft: true, Text: "borrador"}
	p, created, err := f.svc.Create(ctx, &d, "key-1")
	if err != nil || !created {
		t.Fatal(err)
	}
	again, created, err := f.svc.Create(ctx, &d, "key-1")
	if err != nil || created || again.ID != p.ID {
		t.Errorf("retry = %v created %v %v, want the same draft", again, created, err)
	}
	other := posting.Draft{Draft: true, Text: "otro"}
	if _, _, err := f.svc.Create(ctx, &other, "key-1"); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("another body under the key: %v, want conflict", err)
	}
	notDraft := posting.Draft{Text: "borrador"}
	if _, _, err := f.svc.Create(ctx, &notDraft, "key-1"); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("the same text not as a draft under the key: %v, want conflict", err)
	}
}

func TestAPauseIsWarnedAbout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, posting.Draft{Text: "hola", Targets: []string{"x-gob"}})
	if len(p.Warnings) != 0 {
		t.Errorf("warnings %v without a pause", p.Warnings)
	}
	if err := f.svc.Pause(ctx, "", "mantenimiento"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Pause(ctx, "x-salud", "revisión de la cuenta"); err != nil {
		t.Fatal(err)
	}
	p = f.create(t, posting.Draft{Text: "hola", Targets: []string{"x-gob", "x-salud"}})
	if len(p.Warnings) != 2 {
		t.Fatalf("warnings %+v, want the global and the account pause", p.Warnings)
	}
	g, a := p.Warnings[0], p.Warnings[1]
	if g.Code != pregonero.WarnPaused || g.Account != "" || !strings.Contains(g.Message, "mantenimiento") ||
		!strings.Contains(g.Message, "Publishing is paused") || !strings.Contains(g.Message, "will wait until it is resumed") {
		t.Errorf("global warning %+v", g)
	}
	if a.Code != pregonero.WarnPaused || a.Account != "x-salud" || !strings.Contains(a.Message, "x-salud") || !strings.Contains(a.Message, "revisión de la cuenta") {
		t.Errorf("account warning %+v", a)
	}
	if stored, _ := f.db.Post(ctx, p.ID); len(stored.Warnings) != 0 {
		t.Errorf("warnings were stored: %v", stored.Warnings)
	}

	// An edit of the time warns too; one of the text alone does not.
	later := "2026-12-07T18:00"
	e, err := f.svc.Edit(ctx, p.ID, &posting.Patch{ScheduledAt: &later})
	if err != nil || len(e.Warnings) != 2 {
		t.Errorf("edit of the time = %v, %v; want the two warnings", e, err)
	}
	text := "hola otra vez"
	if e, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Text: &text}); err != nil || len(e.Warnings) != 0 {
		t.Errorf("edit of the text = %v, %v; want no warning", e, err)
	}

	// Scheduling a draft warns; creating one does not.
	d := f.create(t, posting.Draft{Draft: true, Text: "hola", Targets: []string{"x-gob"}})
	if len(d.Warnings) != 0 {
		t.Errorf("a draft was warned about: %v", d.Warnings)
	}
	s, err := f.svc.Schedule(ctx, d.ID, "", "")
	if err != nil || len(s.Warnings) != 1 || s.Warnings[0].Code != pregonero.WarnPaused {
		t.Errorf("Schedule() = %v, %v; want the global pause warning", s, err)
	}
}

// A key recorded before media entries could carry alt text fingerprinted
// the media as ids: a retry of that request after the upgrade, with bare
// ids or objects without alt text, is still the same request.
func TestAnIdempotencyKeyOfMediaIdsSurvivesTheUpgrade(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.putMedia(t, "m_a", "")
	old := `{"text":"Foto","media":["m_a"],"targets":["x-gob"]}` // json.Marshal of the old Draft
	sum := sha256.Sum256([]byte(old))
	p := &pregonero.Post{ID: "p_before", Text: "Foto", Media: pregonero.MediaOf("m_a"), Targets: []string{"x-gob"}, ScheduledAt: t0, CreatedAt: t0, UpdatedAt: t0,
		Deliveries: []*pregonero.Delivery{{ID: "d_before", AccountID: "x-gob", Network: pregonero.NetworkX, State: pregonero.DeliveryQueued, ScheduledAt: t0, NextAttemptAt: t0}}}
	if err := f.db.CreateIdempotentPost(ctx, p, pregonero.Idempotency{Key: "k", PostID: p.ID, BodyHash: hex.EncodeToString(sum[:]), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for _, media := range [][]pregonero.PostMedia{pregonero.MediaOf("m_a"), {{ID: "m_a", AltText: ""}}} {
		d := posting.Draft{Text: "Foto", Media: media, Targets: []string{"x-gob"}}
		got, created, err := f.svc.Create(ctx, &d, "k")
		if err != nil || created || got.ID != p.ID {
			t.Errorf("retry = %v created %v, %v; want the post made before", got, created, err)
		}
	}
}

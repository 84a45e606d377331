package posting_test

import (
	"context"
	"slices"
	"testing"

	"pregonero"
	"pregonero/posting"
)

func TestCalendarFeed(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	admin := &pregonero.User{ID: "u_admin", Username: "ana", Role: pregonero.RoleAdmin, CreatedAt: t0, UpdatedAt: t0}
	editor := &pregonero.User{ID: "u_editor", Username: "eva", Role: pregonero.RoleEditor, Units: []string{"Salud"}, CreatedAt: t0, UpdatedAt: t0}
	for _, u := range []*pregonero.User{admin, editor} {
		if err := f.db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	asAdmin := pregonero.NewContextWithUser(ctx, admin)
	asEditor := pregonero.NewContextWithUser(ctx, editor)
	create := func(d posting.Draft) *pregonero.Post {
		t.Helper()
		p, _, err := f.svc.Create(ctx, &d, "")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	gob := create(posting.Draft{Text: "Agenda del Gobernador", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-08T07:00"})
	salud := create(posting.Draft{Text: "Vacunación", Targets: []string{"x-salud"}, ScheduledAt: "2026-12-09T07:00"})
	create(posting.Draft{Text: "Borrador", Targets: []string{"x-salud"}, Draft: true})
	far := create(posting.Draft{Text: "Lejos", Targets: []string{"x-salud"}, ScheduledAt: "2026-12-10T07:00"})
	if _, err := f.svc.Cancel(ctx, far.ID); err != nil {
		t.Fatal(err)
	}

	ids := func(cf *posting.CalendarFeed) []string {
		var out []string
		for _, p := range cf.Posts {
			out = append(out, p.ID)
		}
		return out
	}
	adminToken, _, err := f.svc.NewCalendarToken(asAdmin)
	if err != nil {
		t.Fatal(err)
	}
	editorToken, tok, err := f.svc.NewCalendarToken(asEditor)
	if err != nil {
		t.Fatal(err)
	}
	if len(editorToken) < 40 || tok.UserID != editor.ID || tok.Hash == editorToken {
		t.Errorf("token %q, record %+v: want a long secret, stored as its hash", editorToken, tok)
	}

	t.Run("an admin sees every scheduled post, not drafts or canceled ones", func(t *testing.T) {
		cf, err := f.svc.CalendarFeedOf(ctx, adminToken)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(cf), []string{gob.ID, salud.ID}; !slices.Equal(got, want) {
			t.Errorf("posts = %v, want %v", got, want)
		}
	})
	t.Run("an editor sees the posts of their dependencias' accounts only", func(t *testing.T) {
		cf, err := f.svc.CalendarFeedOf(ctx, editorToken)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(cf), []string{salud.ID}; !slices.Equal(got, want) {
			t.Errorf("posts = %v, want %v", got, want)
		}
	})
	t.Run("a new token revokes the old one, and revoking leaves none", func(t *testing.T) {
		again, _, err := f.svc.NewCalendarToken(asEditor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CalendarFeedOf(ctx, editorToken); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("old token = %v, want not found", err)
		}
		if _, err := f.svc.CalendarFeedOf(ctx, again); err != nil {
			t.Errorf("new token = %v", err)
		}
		if err := f.svc.RevokeCalendarToken(asEditor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CalendarFeedOf(ctx, again); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("revoked token = %v, want not found", err)
		}
		if _, err := f.svc.CalendarToken(asEditor); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("CalendarToken after revoke = %v, want not found", err)
		}
	})
	t.Run("a disabled user's token serves nothing", func(t *testing.T) {
		if _, err := f.db.UpdateUser(ctx, admin.ID, func(u *pregonero.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CalendarFeedOf(ctx, adminToken); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("disabled user's feed = %v, want not found", err)
		}
	})
	t.Run("the system has no calendar token", func(t *testing.T) {
		if _, _, err := f.svc.NewCalendarToken(ctx); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("NewCalendarToken without a user = %v, want forbidden", err)
		}
	})
}

package posting_test

import (
	"context"
	"strings"
	"testing"

	"pregonero"
	"pregonero/posting"
)

// People of the access tests: x-salud belongs to the dependencia salud,
// x-gob and yt-gob to comunicaciones.
var (
	admin  = &pregonero.User{ID: "u_admin", Username: "jefa", Role: pregonero.RoleAdmin}
	salud  = &pregonero.User{ID: "u_salud", Username: "ana", Role: pregonero.RoleEditor, Units: []string{"salud"}}
	gob    = &pregonero.User{ID: "u_gob", Username: "beto", Role: pregonero.RoleEditor, Units: []string{"comunicaciones"}}
	viewer = &pregonero.User{ID: "u_viewer", Username: "carla", Role: pregonero.RoleViewer}
)

// newAccessFixture is a fixture whose accounts belong to dependencias.
func newAccessFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	for id, unit := range map[string]string{"x-salud": "salud", "x-gob": "comunicaciones", "yt-gob": "comunicaciones"} {
		if _, err := f.db.UpdateAccount(context.Background(), id, func(a *pregonero.Account) error {
			a.Unit = unit
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func as(u *pregonero.User) context.Context {
	return pregonero.NewContextWithUser(context.Background(), u)
}

// wantForbidden checks that err refuses the user and names the account
// (none for "").
func wantForbidden(t *testing.T, err error, account string) {
	t.Helper()
	if pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
		t.Fatalf("error = %v, want forbidden", err)
	}
	if account != "" && !strings.Contains(pregonero.ErrorMessage(err), "account "+account) {
		t.Errorf("message %q does not name account %s", pregonero.ErrorMessage(err), account)
	}
}

func (f *fixture) postCount(t *testing.T) int {
	t.Helper()
	page, err := f.db.Posts(context.Background(), pregonero.PostFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Posts)
}

func TestAnEditorPostsOnlyForTheirDependencias(t *testing.T) {
	f := newAccessFixture(t)
	p, created, err := f.svc.Create(as(salud), &posting.Draft{Text: "Vacunación", Targets: []string{"x-salud"}, Author: "otra persona"}, "")
	if err != nil || !created {
		t.Fatalf("create for the editor's own account = %v", err)
	}
	if p.Author != "ana" {
		t.Errorf("author = %q, want the acting user ana", p.Author)
	}
	for _, targets := range [][]string{{"x-gob"}, {"x-salud", "x-gob"}} {
		_, _, err := f.svc.Create(as(salud), &posting.Draft{Text: "Ajeno", Targets: targets}, "")
		wantForbidden(t, err, "x-gob")
	}
	_, _, err = f.svc.Create(as(salud), &posting.Draft{Text: "Ajeno", Targets: []string{"x-gob"}}, "idem-1")
	wantForbidden(t, err, "x-gob")
	if n := f.postCount(t); n != 1 {
		t.Errorf("%d posts stored, want only the allowed one", n)
	}
	// An admin posts anywhere, and is the author too.
	q, _, err := f.svc.Create(as(admin), &posting.Draft{Text: "Todas", Targets: []string{"x-salud", "x-gob"}, Author: "x"}, "")
	if err != nil || q.Author != "jefa" {
		t.Fatalf("create by an admin = %v (author %q)", err, q.Author)
	}
	// A disabled editor posts nowhere.
	gone := *salud
	gone.Disabled = true
	_, _, err = f.svc.Create(as(&gone), &posting.Draft{Text: "Ya no", Targets: []string{"x-salud"}}, "")
	wantForbidden(t, err, "")
}

func TestTheSystemActsAsBefore(t *testing.T) {
	f := newAccessFixture(t)
	p := f.create(t, posting.Draft{Text: "Desde la CLI", Targets: []string{"x-salud", "x-gob"}, Author: "boletín diario"})
	if p.Author != "boletín diario" {
		t.Errorf("author = %q, want the one the system gave", p.Author)
	}
	ctx := context.Background()
	author := "otro boletín"
	if e, err := f.svc.Edit(ctx, p.ID, &posting.Patch{Author: &author}); err != nil || e.Author != author {
		t.Errorf("edit of the author by the system = %v (author %q)", err, e.Author)
	}
	if err := f.svc.Pause(ctx, "", "mantenimiento"); err != nil {
		t.Errorf("pause by the system = %v", err)
	}
	if _, err := f.svc.Resume(ctx, ""); err != nil {
		t.Errorf("resume by the system = %v", err)
	}
	if _, err := f.svc.Cancel(ctx, p.ID); err != nil {
		t.Errorf("cancel by the system = %v", err)
	}
}

func TestAViewerCannotPost(t *testing.T) {
	f := newAccessFixture(t)
	_, _, err := f.svc.Create(as(viewer), &posting.Draft{Text: "Hola", Targets: []string{"x-salud"}}, "")
	wantForbidden(t, err, "")
	_, _, err = f.svc.Create(as(viewer), &posting.Draft{Text: "Un borrador sin cuentas", Draft: true}, "")
	wantForbidden(t, err, "")
	p := f.create(t, posting.Draft{Text: "Del sistema", Targets: []string{"x-salud"}, ScheduledAt: "2026-12-08T09:00"})
	text := "cambiado"
	_, err = f.svc.Edit(as(viewer), p.ID, &posting.Patch{Text: &text})
	wantForbidden(t, err, "")
	_, err = f.svc.Cancel(as(viewer), p.ID)
	wantForbidden(t, err, "")
	_, err = f.svc.RetryNow(as(viewer), p.Deliveries[0].ID)
	wantForbidden(t, err, "")
	err = f.svc.Pause(as(viewer), "x-salud", "revisión")
	wantForbidden(t, err, "")
	// Validating changes nothing: a viewer may.
	if _, err := f.svc.Validate(as(viewer), &posting.Draft{Text: "Hola", Targets: []string{"x-salud"}}, ""); err != nil {
		t.Errorf("validate by a viewer = %v", err)
	}
}

func TestEditScheduleAndCancelNeedTheAccounts(t *testing.T) {
	f := newAccessFixture(t)
	p := f.create(t, posting.Draft{Text: "De comunicaciones", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-08T09:00"})
	text := "cambiado"
	_, err := f.svc.Edit(as(salud), p.ID, &posting.Patch{Text: &text})
	wantForbidden(t, err, "x-gob")
	author := "ana"
	e, err := f.svc.Edit(as(gob), p.ID, &posting.Patch{Text: &text, Author: &author})
	if err != nil {
		t.Fatalf("edit by the account's editor = %v", err)
	}
	if e.Text != text || e.Author != p.Author {
		t.Errorf("edit = text %q author %q, want %q and the author kept (%q)", e.Text, e.Author, text, p.Author)
	}

	// A draft's new targets are checked too.
	d, _, err := f.svc.Create(as(salud), &posting.Draft{Text: "Borrador", Targets: []string{"x-salud"}, Draft: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{"x-salud", "x-gob"}
	_, err = f.svc.Edit(as(salud), d.ID, &posting.Patch{Targets: &targets})
	wantForbidden(t, err, "x-gob")
	_, err = f.svc.Schedule(as(gob), d.ID, "", "")
	wantForbidden(t, err, "x-salud")
	if s, err := f.svc.Schedule(as(salud), d.ID, "2026-12-08T10:00", ""); err != nil || len(s.Deliveries) != 1 {
		t.Fatalf("schedule by the draft's editor = %v", err)
	}

	_, err = f.svc.Cancel(as(salud), p.ID)
	wantForbidden(t, err, "x-gob")
	if got, _ := f.db.Post(context.Background(), p.ID); got.DerivedStatus() == pregonero.PostCanceled {
		t.Fatal("a refused cancel canceled the post")
	}
	if _, err := f.svc.Cancel(as(gob), p.ID); err != nil {
		t.Errorf("cancel by the account's editor = %v", err)
	}
}

func TestReleaseAndRetryNeedTheAccount(t *testing.T) {
	f := newAccessFixture(t)
	p := f.create(t, posting.Draft{Text: "Retenida", Targets: []string{"x-gob"}})
	d := p.Deliveries[0]
	if _, err := f.db.UpdateDelivery(context.Background(), d.ID, func(x *pregonero.Delivery) error {
		return x.Hold(pregonero.HoldOverdue, &pregonero.DeliveryError{Code: "held_overdue"})
	}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Release(as(salud), d.ID)
	wantForbidden(t, err, "x-gob")
	_, err = f.svc.RetryNow(as(salud), d.ID)
	wantForbidden(t, err, "x-gob")
	if rd, err := f.svc.Release(as(gob), d.ID); err != nil || rd.State != pregonero.DeliveryQueued {
		t.Fatalf("release by the account's editor = %v", err)
	}
	if _, err := f.db.UpdateDelivery(context.Background(), d.ID, func(x *pregonero.Delivery) error {
		return x.Hold(pregonero.HoldOverdue, &pregonero.DeliveryError{Code: "held_overdue"})
	}); err != nil {
		t.Fatal(err)
	}
	// Retry is refused for a held delivery by its state, not by the user.
	if _, err := f.svc.RetryNow(as(gob), d.ID); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("retry of a held delivery by the account's editor = %v, want conflict", err)
	}
	_, err = f.svc.Release(as(gob), "d_nada")
	if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("release of an unknown delivery = %v, want not found", err)
	}
}

func TestPauseAndResumeByWho(t *testing.T) {
	f := newAccessFixture(t)
	err := f.svc.Pause(as(salud), "", "crisis")
	wantForbidden(t, err, "")
	_, err = f.svc.Resume(as(salud), "")
	wantForbidden(t, err, "")
	if ps, _ := f.db.Pause(context.Background()); ps.Paused {
		t.Fatal("an editor paused all publishing")
	}
	if err := f.svc.Pause(as(admin), "", "crisis"); err != nil {
		t.Fatalf("pause by an admin = %v", err)
	}
	if _, err := f.svc.Resume(as(admin), ""); err != nil {
		t.Fatalf("resume by an admin = %v", err)
	}

	err = f.svc.Pause(as(salud), "x-gob", "revisión")
	wantForbidden(t, err, "x-gob")
	if err := f.svc.Pause(as(salud), "x-salud", "revisión"); err != nil {
		t.Fatalf("pause of the editor's own account = %v", err)
	}
	_, err = f.svc.Resume(as(gob), "x-salud")
	wantForbidden(t, err, "x-salud")
	if _, err := f.svc.Resume(as(salud), "x-salud"); err != nil {
		t.Fatalf("resume of the editor's own account = %v", err)
	}
	// An unknown account is still an invalid field, not a refusal.
	err = f.svc.Pause(as(salud), "x-nadie", "revisión")
	if pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("pause of an unknown account = %v, want invalid", err)
	}
}

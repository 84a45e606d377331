package users_test

import (
	"strings"
	"testing"

	"pregonero"
)

func TestUpdateProfile(t *testing.T) {
	f := newFixture(t)
	ana := f.create(t, "ana", pregonero.RoleAdmin)
	edu := f.create(t, "edu", pregonero.RoleEditor, "salud")
	vera := f.create(t, "vera", pregonero.RoleViewer)

	t.Run("a user sets their own language and zone", func(t *testing.T) {
		u, err := f.svc.UpdateProfile(f.as(edu), edu.ID, "en", "Europe/Madrid")
		if err != nil {
			t.Fatal(err)
		}
		if u.Language != "en" || u.Timezone != "Europe/Madrid" {
			t.Errorf("got %q %q, want en Europe/Madrid", u.Language, u.Timezone)
		}
		stored, err := f.db.User(f.ctx, edu.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Language != "en" || stored.Timezone != "Europe/Madrid" {
			t.Errorf("stored %q %q, want en Europe/Madrid", stored.Language, stored.Timezone)
		}
		if stored.Role != pregonero.RoleEditor || len(stored.Units) != 1 || stored.PasswordHash != edu.PasswordHash {
			t.Errorf("the profile change touched more: %+v", stored)
		}
	})
	t.Run("empty values give the choice back to the browser and the server", func(t *testing.T) {
		u, err := f.svc.UpdateProfile(f.as(edu), edu.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if u.Language != "" || u.Timezone != "" {
			t.Errorf("got %q %q, want both empty", u.Language, u.Timezone)
		}
	})
	t.Run("an admin sets anyone's", func(t *testing.T) {
		u, err := f.svc.UpdateProfile(f.as(ana), vera.ID, "es", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		if u.Language != "es" || u.Timezone != "UTC" {
			t.Errorf("got %q %q", u.Language, u.Timezone)
		}
	})
	t.Run("another user may not", func(t *testing.T) {
		_, err := f.svc.UpdateProfile(f.as(vera), edu.ID, "en", "UTC")
		wantCode(t, err, pregonero.EFORBIDDEN)
		_, err = f.svc.UpdateProfile(f.as(edu), ana.ID, "en", "UTC")
		wantCode(t, err, pregonero.EFORBIDDEN)
	})
	t.Run("a disabled user may not change their own", func(t *testing.T) {
		off := *vera
		off.Disabled = true
		_, err := f.svc.UpdateProfile(f.as(&off), vera.ID, "en", "")
		wantCode(t, err, pregonero.EFORBIDDEN)
	})
	for _, tt := range []struct {
		name, language, timezone, field string
	}{
		{"an unsupported language", "fr", "", "language"},
		{"a language in capitals", "EN", "", "language"},
		{"an unknown zone", "", "America/Atlantis", "timezone"},
		{"the host's zone", "", "Local", "timezone"},
		{"a path", "", "../../etc/passwd", "timezone"},
		{"a name too long", "", "America/" + strings.Repeat("x", 80), "timezone"},
	} {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			before, err := f.db.User(f.ctx, edu.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.UpdateProfile(f.as(edu), edu.ID, tt.language, tt.timezone)
			wantField(t, err, tt.field)
			after, err := f.db.User(f.ctx, edu.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Language != before.Language || after.Timezone != before.Timezone {
				t.Errorf("a refused change was stored: %q %q", after.Language, after.Timezone)
			}
		})
	}
	t.Run("both wrong name both fields", func(t *testing.T) {
		_, err := f.svc.UpdateProfile(f.as(edu), edu.ID, "fr", "Mars/Olympus")
		wantField(t, err, "language")
		wantField(t, err, "timezone")
	})
	t.Run("an unknown user is not found", func(t *testing.T) {
		_, err := f.svc.UpdateProfile(f.as(ana), "u_nadie", "es", "")
		wantCode(t, err, pregonero.ENOTFOUND)
	})
}

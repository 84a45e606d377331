package store_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
	"pregonero/store"
)

// A connected account keeps, across a reopening, where it comes from, its
// handle, avatar, the permissions granted and missing, and who connected
// it when.
func TestConnectedAccountFieldsSurviveReopening(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.db")
	db := MustOpen(t, path)
	at := time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
	in := &pregonero.Account{
		ID: "x-gobantioquia", Network: pregonero.NetworkX, Name: "Gobernación de Antioquia", RemoteID: "42",
		Status: pregonero.AccountActive, Source: pregonero.AccountConnected, Handle: "@gobantioquia",
		AvatarURL:     "https://pbs.twimg.com/profile_images/1/a.jpg",
		Scopes:        []string{"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"},
		MissingScopes: []string{"media.write"}, ConnectedAt: at, ConnectedBy: "admin",
	}
	if err := db.PutAccount(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = MustOpen(t, path)
	got, err := db.Account(context.Background(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.ConnectedAt = got.ConnectedAt.UTC()
	if !reflect.DeepEqual(got, in) {
		t.Errorf("Account() =\n%+v, want\n%+v", got, in)
	}
}

// An account written before accounts could be connected has no source in
// its record: it reads as an account of the configuration.
func TestAnAccountRecordWithoutSourceReadsAsConfigured(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.db")
	db := MustOpen(t, path)
	if err := db.PutAccount(context.Background(), &pregonero.Account{ID: "x-a", Network: pregonero.NetworkX, Status: pregonero.AccountActive}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	old := []byte(`{"v":1,"id":"x-a","network":"x","name":"Gobernación","status":"needs_reauth","credentials_hash":"hmac-sha256:00"}`)
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("accounts")).Put([]byte("x-a"), old) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	db = MustOpen(t, path)
	got, err := db.Account(context.Background(), "x-a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != pregonero.AccountFromConfig || got.Status != pregonero.AccountNeedsReauth || got.Name != "Gobernación" {
		t.Errorf("Account() = %+v, want source %q, status needs_reauth, name Gobernación", got, pregonero.AccountFromConfig)
	}
	if got.Handle != "" || got.Scopes != nil || !got.ConnectedAt.IsZero() || got.ConnectedBy != "" {
		t.Errorf("Account() = %+v, want no connection fields", got)
	}
}

// The credentials an account was connected with are sealed like run-time
// ones, read back after reopening, replace what the adapter renewed from
// the credentials before them, and are deleted with those on disconnect.
func TestConnectedCredentials(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data.db")
	key := newKey(t)
	db := MustOpen(t, path, store.WithSecretKey(key))
	const id = "youtube-canal"

	_, err := db.ConnectedCredentials(ctx, id)
	if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Fatalf("ConnectedCredentials() before any = %v, want not found", err)
	}
	// What the adapter renewed from credentials that are being replaced.
	if err := db.PutCredentials(ctx, id, map[string]string{"access_token": "ya29.old", "config_fingerprint": "f0"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutConnectedCredentials(ctx, id, creds); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Credentials(ctx, id); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("Credentials() after a new connection = %v, want not found: they grew from the old credentials", err)
	}
	if err := db.PutCredentials(ctx, id, map[string]string{"access_token": "ya29.renewed"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for k, v := range rawCredentials(t, path) {
		if bytes.Contains(v, []byte(token)) {
			t.Errorf("record %q holds the refresh token in plain text", k)
		}
	}
	if n := len(rawCredentials(t, path)); n != 2 {
		t.Errorf("credentials records = %d, want 2 (connected and renewed)", n)
	}

	db = MustOpen(t, path, store.WithSecretKey(key))
	got, err := db.ConnectedCredentials(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, creds) {
		t.Errorf("ConnectedCredentials() = %v, want %v", got, creds)
	}
	if got, err := db.Credentials(ctx, id); err != nil || got["access_token"] != "ya29.renewed" {
		t.Errorf("Credentials() = %v, %v; want the renewed token, apart from the connected ones", got, err)
	}

	if err := db.DeleteCredentials(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConnectedCredentials(ctx, id); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("ConnectedCredentials() after delete = %v, want not found", err)
	}
	if _, err := db.Credentials(ctx, id); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("Credentials() after delete = %v, want not found", err)
	}
	if err := db.DeleteCredentials(ctx, id); err != nil {
		t.Errorf("DeleteCredentials() of an account with none = %v, want nil", err)
	}
}

// Connected credentials opened with another key fail as run-time ones do,
// and a store without a key does not replace sealed ones with plain text.
func TestConnectedCredentialsNeedTheirKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data.db")
	db := MustOpen(t, path, store.WithSecretKey(newKey(t)))
	if err := db.PutConnectedCredentials(ctx, "x-a", creds); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = MustOpen(t, path, store.WithSecretKey(newKey(t)))
	if _, err := db.ConnectedCredentials(ctx, "x-a"); !errors.Is(err, store.ErrWrongSecretKey) {
		t.Errorf("ConnectedCredentials() with another key = %v, want %v", err, store.ErrWrongSecretKey)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = MustOpen(t, path)
	err := db.PutConnectedCredentials(ctx, "x-a", map[string]string{"access_token": "plain"})
	if !errors.Is(err, store.ErrNoSecretKey) {
		t.Errorf("PutConnectedCredentials() without a key over sealed ones = %v, want %v", err, store.ErrNoSecretKey)
	}
	if err := db.PutConnectedCredentials(ctx, "bad\x00id", creds); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("PutConnectedCredentials() with a NUL in the id = %v, want invalid", err)
	}
	if !strings.Contains(pregonero.ErrorMessage(db.DeleteCredentials(ctx, "")), "empty") {
		t.Errorf("DeleteCredentials(\"\") does not say the id is empty")
	}
}

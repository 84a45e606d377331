package posting_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"pregonero"
	"pregonero/posting"
	"pregonero/store"
)

// checker is an X adapter that can check credentials; the service asks
// through its sender, which holds them.
type checker struct{ adapter }

func (checker) CheckCredentials(context.Context, *pregonero.Account) error {
	panic("the service checks through its sender")
}

// checkingSender answers each account's check with a set verdict.
type checkingSender struct {
	sender
	verdicts map[string]error
}

func (s *checkingSender) CheckCredentials(_ context.Context, id string) error { return s.verdicts[id] }

func TestCheckAccountsFlagsRefusedCredentialsAndSaysWhatItKnows(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, a := range []*pregonero.Account{
		{ID: "x-ok", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "x-revoked", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "x-paused", Network: pregonero.NetworkX, Status: pregonero.AccountPaused, StatusReason: "crisis"},
		{ID: "x-down", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "yt", Network: pregonero.NetworkYouTube, Status: pregonero.AccountActive},
	} {
		if err := db.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	refused := &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_unauthorized", Message: "X refused the token: connect the account again.", NetworkMessage: "Unauthorized"}
	snd := &checkingSender{verdicts: map[string]error{
		"x-revoked": refused,
		"x-paused":  refused,
		"x-down":    errors.New("dial tcp: lookup api.x.com: no such host"),
	}}
	svc, err := posting.New(posting.Config{Store: db, Sender: snd, Adapters: map[pregonero.Network]pregonero.Adapter{
		pregonero.NetworkX: &checker{adapter{network: pregonero.NetworkX}}, pregonero.NetworkYouTube: &adapter{network: pregonero.NetworkYouTube},
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.CheckAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]posting.AccountCheck{}
	for _, r := range res {
		got[r.Account] = r
	}
	want := map[string]struct {
		result string
		status pregonero.AccountStatus
	}{
		"x-ok":      {posting.CheckOK, pregonero.AccountActive},
		"x-revoked": {posting.CheckRefused, pregonero.AccountNeedsReauth},
		"x-paused":  {posting.CheckRefused, pregonero.AccountPaused},
		"x-down":    {posting.CheckUnreachable, pregonero.AccountActive},
		"yt":        {posting.CheckUnsupported, pregonero.AccountActive},
	}
	if len(got) != len(want) {
		t.Fatalf("checked %d accounts, want %d: %+v", len(got), len(want), res)
	}
	for id, w := range want {
		r := got[id]
		if r.Result != w.result || r.Status != w.status {
			t.Errorf("%s: result %s status %s, want %s %s (%+v)", id, r.Result, r.Status, w.result, w.status, r)
		}
		a, err := db.Account(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != w.status {
			t.Errorf("%s stored as %s, want %s", id, a.Status, w.status)
		}
	}
	if r := got["x-revoked"]; r.NetworkMessage != "Unauthorized" || r.Message != refused.Message {
		t.Errorf("refusal does not carry the network's words: %+v", r)
	}
	if a, _ := db.Account(ctx, "x-revoked"); a.StatusReason != refused.Message {
		t.Errorf("needs_reauth reason %q, want the network's refusal", a.StatusReason)
	}
	if a, _ := db.Account(ctx, "x-paused"); a.StatusReason != "crisis" {
		t.Errorf("a paused account lost its pause reason: %q", a.StatusReason)
	}
	if got["x-down"].Message == "" || got["yt"].Message == "" {
		t.Errorf("unreachable and unsupported verdicts must say why: %+v %+v", got["x-down"], got["yt"])
	}
	if len(snd.accounts) != 1 || snd.accounts[0] != "x-revoked:needs_reauth" {
		t.Errorf("publisher told %v, want only x-revoked:needs_reauth", snd.accounts)
	}

	// One account by id; an unknown id is a field error.
	if res, err := svc.CheckAccounts(ctx, "x-ok"); err != nil || len(res) != 1 || res[0].Account != "x-ok" {
		t.Errorf("check of one account: %+v, %v", res, err)
	}
	if _, err := svc.CheckAccounts(ctx, "nope"); pregonero.ErrorCode(err) != pregonero.EINVALID {
		t.Errorf("unknown account: %v, want invalid", err)
	}
}

// Who may check an account's credentials is who may post to it.
func TestCheckAccountsByWho(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, a := range []*pregonero.Account{
		{ID: "x-salud", Network: pregonero.NetworkX, Unit: "salud", Status: pregonero.AccountActive},
		{ID: "x-educa", Network: pregonero.NetworkX, Unit: "educación", Status: pregonero.AccountActive},
	} {
		if err := db.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := posting.New(posting.Config{Store: db, Sender: &checkingSender{}, Adapters: map[pregonero.Network]pregonero.Adapter{
		pregonero.NetworkX: &checker{adapter{network: pregonero.NetworkX}}}})
	if err != nil {
		t.Fatal(err)
	}
	editor := pregonero.NewContextWithUser(ctx, &pregonero.User{Username: "ana", Role: pregonero.RoleEditor, Units: []string{"salud"}})
	res, err := svc.CheckAccounts(editor)
	if err != nil || len(res) != 1 || res[0].Account != "x-salud" {
		t.Errorf("an editor checking every account: %+v, %v; want only x-salud", res, err)
	}
	if _, err := svc.CheckAccounts(editor, "x-educa"); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
		t.Errorf("an editor checking another dependencia's account: %v, want forbidden", err)
	}
	viewer := pregonero.NewContextWithUser(ctx, &pregonero.User{Username: "vera", Role: pregonero.RoleViewer})
	if _, err := svc.CheckAccounts(viewer); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
		t.Errorf("a viewer checking: %v, want forbidden", err)
	}
	admin := pregonero.NewContextWithUser(ctx, &pregonero.User{Username: "root", Role: pregonero.RoleAdmin})
	if res, err := svc.CheckAccounts(admin); err != nil || len(res) != 2 {
		t.Errorf("an admin checking every account: %+v, %v; want both", res, err)
	}
}

package posting_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"pregonero"
	"pregonero/logtest"
	"pregonero/posting"
	"pregonero/store"
)

// countingSender answers each account's check with a set verdict and
// counts the checks.
type countingSender struct {
	checkingSender
	mu      sync.Mutex
	checked []string
}

func (s *countingSender) CheckCredentials(ctx context.Context, id string) error {
	s.mu.Lock()
	s.checked = append(s.checked, id)
	s.mu.Unlock()
	return s.checkingSender.CheckCredentials(ctx, id)
}

// The daily check asks about every active account, and only those: one
// refused needs re-authorization, flagged and logged once however many
// days it is checked.
func TestCheckActiveAccountsFlagsRefusedOnesOnce(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, a := range []*pregonero.Account{
		{ID: "x-ok", Network: pregonero.NetworkX, Status: pregonero.AccountActive, Source: pregonero.AccountConnected},
		{ID: "x-revoked", Network: pregonero.NetworkX, Status: pregonero.AccountActive},
		{ID: "x-paused", Network: pregonero.NetworkX, Status: pregonero.AccountPaused},
		{ID: "x-gone", Network: pregonero.NetworkX, Status: pregonero.AccountDisconnected},
	} {
		if err := db.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	refused := &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "x_refresh_refused", Message: "X refused the refresh token.", NetworkMessage: "invalid_request"}
	snd := &countingSender{checkingSender: checkingSender{verdicts: map[string]error{"x-revoked": refused, "x-paused": refused, "x-gone": refused}}}
	logs := &logtest.Buffer{}
	svc, err := posting.New(posting.Config{Store: db, Sender: snd, Logger: logs.Logger(), Adapters: map[pregonero.Network]pregonero.Adapter{
		pregonero.NetworkX: &checker{adapter{network: pregonero.NetworkX}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for day := 1; day <= 2; day++ {
		res, err := svc.CheckActiveAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"x-ok": posting.CheckOK, "x-revoked": posting.CheckRefused}
		if day == 2 {
			want = map[string]string{"x-ok": posting.CheckOK}
		}
		if len(res) != len(want) {
			t.Errorf("day %d: checks = %+v, want %v", day, res, want)
		}
		for _, r := range res {
			if want[r.Account] != r.Result {
				t.Errorf("day %d: %s = %s, want %s", day, r.Account, r.Result, want[r.Account])
			}
		}
	}
	a, err := db.Account(ctx, "x-revoked")
	if err != nil || a.Status != pregonero.AccountNeedsReauth {
		t.Errorf("x-revoked = %+v, %v; want needs_reauth", a, err)
	}
	if n := strings.Count(logs.String(), "account needs re-authorization"); n != 1 {
		t.Errorf("needs re-authorization logged %d times, want once:\n%s", n, logs.String())
	}
	for _, id := range snd.checked {
		if id == "x-paused" || id == "x-gone" {
			t.Errorf("checked %s, which is not active", id)
		}
	}
}

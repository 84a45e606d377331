package main_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
)

// An X account connected through the embedded sandbox's consent flow
// publishes with the credentials it was connected with, kept sealed in the
// store, is checked by the daily check, and keeps its posts once
// disconnected.
func TestConnectAnXAccountThroughTheSandbox(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	ctx := context.Background()
	if got := m.Posts.Connectable(); len(got) != len(pregonero.Networks) {
		t.Errorf("Connectable() = %v, want every network with the sandbox's apps", got)
	}
	fl, err := m.Posts.StartConnect(ctx, posting.ConnectRequest{Network: pregonero.NetworkX, Unit: "Comunicaciones", Session: "s"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(fl.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Scheme+"://"+u.Host+u.Path, "http://"+m.SandboxAddr+"/x/i/oauth2/authorize"; got != want {
		t.Errorf("consent screen at %s, want the sandbox's %s", got, want)
	}
	if got, want := u.Query().Get("redirect_uri"), "http://"+m.Addr+"/accounts/callback/x"; got != want {
		t.Errorf("redirect_uri = %q, want %q", got, want)
	}
	got, err := m.Posts.FinishConnect(ctx, pregonero.NetworkX, posting.ConnectCallback{State: u.Query().Get("state"), Code: "sandbox-gobnuevo-code", Session: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != posting.ConnectChoosing || len(got.Candidates) != 1 {
		t.Fatalf("flow = %+v, want one candidate", got)
	}
	accts, err := m.Posts.ChooseAccounts(ctx, fl.ID, []posting.ConnectPick{{RemoteID: got.Candidates[0].RemoteID, Account: "x-gobnuevo"}})
	if err != nil {
		t.Fatal(err)
	}
	a := accts[0]
	if a.Source != pregonero.AccountConnected || a.Status != pregonero.AccountActive || a.Endpoint != "http://"+m.SandboxAddr+"/x" || a.LinkBase != "http://"+m.SandboxAddr+"/x" {
		t.Errorf("account = %+v, want connected, active, at the sandbox", a)
	}

	p, _, err := m.Posts.Create(ctx, &posting.Draft{Text: "Publicado con una cuenta conectada", Targets: []string{a.ID}}, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := m.Store.Post(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DerivedStatus() == pregonero.PostPublished {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("post %s still %s: %+v", p.ID, got.DerivedStatus(), got.Deliveries[0].LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
	found := false
	for _, sp := range m.Sandbox.Ledger().Filter("x", "") {
		found = found || strings.Contains(sp.Text, "cuenta conectada")
	}
	if !found {
		t.Error("the sandbox did not receive the post")
	}

	res, err := m.Posts.CheckActiveAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]string{}
	for _, r := range res {
		results[r.Account] = r.Result
	}
	if results["x-gobnuevo"] != posting.CheckOK || results["x-gobantioquia"] != posting.CheckOK {
		t.Errorf("daily check = %+v, want both accounts ok", res)
	}

	if _, err := m.Posts.DisconnectAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Store.ConnectedCredentials(ctx, a.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		t.Errorf("credentials after disconnect: %v, want none", err)
	}
	if got, err := m.Store.Post(ctx, p.ID); err != nil || got.DerivedStatus() != pregonero.PostPublished {
		t.Errorf("post after disconnect = %v, %v; want kept, published", got, err)
	}
}

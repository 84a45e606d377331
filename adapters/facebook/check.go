package facebook

import (
	"context"
	"fmt"
	"strings"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

// CheckCredentials implements pregonero.Checker with one GET /me (fields
// id and name) made with the account's token and appsecret_proof: with a
// Page access token Graph answers the page the token acts as, which must
// be the account's page (its remote id) when it names one. GET
// /{page-id} would not do, since any valid token reads a public page.
// The call counts in the account's usage like any other; a page id
// learned here is kept for publishing.
func (a *Adapter) CheckCredentials(ctx context.Context, acct *pregonero.Account) error {
	c, err := a.connect(ctx, acct)
	if err != nil {
		return graph.CheckError(network, err)
	}
	res, err := c.call(graph.OpRead, fb.GET, "/me", fb.Params{"fields": "id,name"})
	if err != nil {
		return graph.CheckError(network, err)
	}
	id, name := graph.Str(res, "id"), graph.Str(res, "name")
	if !graph.ValidID(id) {
		return fmt.Errorf("check facebook credentials: Facebook's answer about the token's page had no usable id (%q)", truncate(id, 80))
	}
	if want := strings.TrimSpace(acct.RemoteID); want != "" && id != want {
		return &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "facebook_wrong_page",
			Message: fmt.Sprintf("The access token acts as %q (id %s), not as the account's page %s: give the account a Page access token of page %s.", truncate(name, 80), id, want, want)}
	}
	if strings.TrimSpace(acct.RemoteID) == "" {
		a.mu.Lock()
		a.pageIDs[acct.ID] = cachedPage{key: c.key, id: id}
		a.mu.Unlock()
	}
	return nil
}

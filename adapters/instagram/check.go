package instagram

import (
	"context"
	"fmt"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

var _ pregonero.Checker = (*Adapter)(nil)

// CheckCredentials implements pregonero.Checker with one read of the
// account made with its token: GET /me?fields=user_id,username with
// Instagram Login, whose user_id must be the account's remote id when it
// names one; GET /{ig-user-id}?fields=id,username with Facebook Login (an
// account without a remote id first learns its Instagram user id from its
// page_id, which checks the token as well). The calls count in the
// account's usage like any other.
func (a *Adapter) CheckCredentials(ctx context.Context, acct *pregonero.Account) error {
	cn, l, err := a.open(ctx, acct)
	if err != nil {
		return graph.CheckError(network, err)
	}
	if l == LoginInstagram {
		res, err := cn.get(ctx, "/me", fb.Params{"fields": "user_id,username"})
		if err != nil {
			return graph.CheckError(network, err)
		}
		id := graph.Str(res, "user_id")
		if !graph.ValidNodeID(id) {
			return fmt.Errorf("check instagram credentials: Instagram's answer about the token's account had no usable user_id (%.80q)", id)
		}
		if cn.ig != "" && id != cn.ig {
			who := id
			if u := graph.Str(res, "username"); usernameRE.MatchString(u) {
				who += " (@" + u + ")"
			}
			return &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "instagram_wrong_account",
				Message: fmt.Sprintf("The access token is of Instagram account %s, not of the account's %s: give the account a token of that account.", who, cn.ig)}
		}
		return nil
	}
	if cn, err = a.connect(ctx, acct); err != nil {
		return graph.CheckError(network, err)
	}
	if _, err := cn.get(ctx, "/"+cn.ig, fb.Params{"fields": "id,username"}); err != nil {
		return graph.CheckError(network, err)
	}
	return nil
}

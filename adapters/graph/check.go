package graph

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"pregonero"
)

// CheckError turns the failure of a credential check (one read made with
// the account's token, classified by Classify) into what
// pregonero.Checker returns: a *pregonero.PublishError of class
// ClassNeedsReauth when the network refused the credentials, and a plain
// error, with no *pregonero.PublishError in its chain, when it could not
// be asked or answered something that says nothing about them.
//
// Refusals are: an invalid, expired or revoked token (code 190, with any
// subcode, and 102), an appsecret_proof the app refuses, a missing
// permission (code 10 and 200–299), and the account's own node reported
// as not existing or not visible to the token (code 100, subcode 33). A
// throttle (codes 4, 17, 32, 341, 613, 80000–80099), a temporary error, a
// 5xx or an unreachable host is a plain error. network is "Facebook" or
// "Instagram" for messages.
func CheckError(network string, err error) error {
	if err == nil {
		return nil
	}
	var pe *pregonero.PublishError
	if !errors.As(err, &pe) {
		return fmt.Errorf("check %s credentials: %w", strings.ToLower(network), err)
	}
	if pe.Class == pregonero.ClassNeedsReauth {
		return pe
	}
	if ge, ok := AsError(pe.Err); ok {
		switch {
		case ge.Code == CodePermission || (ge.Code >= 200 && ge.Code <= 299):
			refused := *pe
			refused.Class = pregonero.ClassNeedsReauth
			return &refused
		case ge.Code == CodeInvalidParam && ge.Subcode == 33:
			refused := *pe
			refused.Class = pregonero.ClassNeedsReauth
			refused.Code = strings.ToLower(network) + "_account_not_visible"
			refused.Message = fmt.Sprintf("%s says the account's profile does not exist or cannot be read with this access token; check the account's remote_id and give it a token of that account.", network)
			return &refused
		}
	}
	if pe.Err == nil || errors.As(pe.Err, new(*pregonero.PublishError)) {
		return errors.New(pe.Message)
	}
	return fmt.Errorf("%s: %w", pe.Message, pe.Err)
}

// LinkOn returns u, an absolute address on the network's web site (a
// permalink), moved to base: its scheme and host become base's, and
// base's own path goes before u's path (query and fragment kept). It
// returns u unchanged when base is empty or not an absolute URL, or when
// u does not parse. Accounts whose posts are shown by another site than
// the network's (the sandbox) set base to that site.
func LinkOn(base, u string) string {
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	if base == "" {
		return u
	}
	b, err := url.Parse(base)
	if err != nil || b.Scheme == "" || b.Host == "" {
		return u
	}
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Scheme, p.Host, p.User, p.Opaque = b.Scheme, b.Host, nil, ""
	p.Path = b.Path + "/" + strings.TrimLeft(p.Path, "/")
	p.RawPath = ""
	return p.String()
}

package instagram

import (
	"fmt"
	"regexp"
	"strings"

	"pregonero"
)

// idRE is the shape of the Instagram ids of this package: Instagram user,
// container and media ids, and Facebook page ids, are all decimal digits.
var idRE = regexp.MustCompile(`^[0-9]{1,32}$`)

// segmentRE is the shape of one segment of a request path: an id or an
// edge name such as media_publish.
var segmentRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// usernameRE is the shape of an Instagram username, which goes into the
// profile address of a fallback receipt.
var usernameRE = regexp.MustCompile(`^[A-Za-z0-9._]{1,30}$`)

// validID reports whether s is an Instagram id. Every id checks out before
// it goes into a request path: the library reports a path it cannot parse
// with the whole address, access token included, in its error.
func validID(s string) bool { return idRE.MatchString(s) }

// badID is the failure of an id that is not one, found before anything
// was sent with it. field names where the id came from; the id itself is
// left out of the message, as anything that would have gone into the
// address.
func badID(field string) *pregonero.PublishError {
	return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "instagram_bad_id",
		Message: fmt.Sprintf("The %s is not an Instagram id (decimal digits); nothing was sent with it.", field)}
}

// badAccountID is the failure of an account whose configured id is not
// one: like any other configuration error it holds the account for a
// person instead of failing its deliveries one by one.
func badAccountID(accountID, field string) *pregonero.PublishError {
	return configError("account_config", "The %s of the account %s is not an Instagram id (decimal digits); correct it in the account's configuration.", field, accountID)
}

// checkPath reports whether every segment of a request path is an id or
// an edge name. It backs up the checks where ids come in: nothing else
// reaches the address the library builds.
func checkPath(path string) error {
	for seg := range strings.SplitSeq(strings.TrimPrefix(path, "/"), "/") {
		if !segmentRE.MatchString(seg) {
			return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "instagram_bad_id",
				Message: "A request path held something that is not an Instagram id; nothing was sent with it."}
		}
	}
	return nil
}

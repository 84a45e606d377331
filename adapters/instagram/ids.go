package instagram

import (
	"fmt"
	"regexp"

	"pregonero"
)

// usernameRE is the shape of an Instagram username, which goes into the
// profile address of a fallback receipt.
var usernameRE = regexp.MustCompile(`^[A-Za-z0-9._]{1,30}$`)

// badID is the failure of an id that is not one (see graph.ValidNodeID),
// found before anything was sent with it. field names where the id came
// from; the id itself is left out of the message, as anything that would
// have gone into the address.
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

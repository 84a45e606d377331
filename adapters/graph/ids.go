package graph

import (
	"pregonero/adapters/scrub"
	"regexp"
	"strings"
)

// idRE is the shape of the Graph ids Pregonero puts in a path: a node id
// of digits (page, photo, video, Instagram user, container or media) or a
// page post id "{page}_{post}".
var idRE = regexp.MustCompile(`^[0-9]+(_[0-9]+)?$`)

// nodeRE is the shape of a plain node id: the Instagram user, container
// and media ids, and the Facebook page ids, are all decimal digits.
var nodeRE = regexp.MustCompile(`^[0-9]{1,32}$`)

// edgeRE is the shape of an edge name in a request path, such as feed or
// media_publish.
var edgeRE = regexp.MustCompile(`^[a-z_]+$`)

// ValidID reports whether id has the shape of a Graph node or page post
// id and so may go into a request path as it is. Ids read from answers
// are checked with it before use: huandu/facebook reports a URL it cannot
// parse with the whole URL, access token included.
func ValidID(id string) bool { return idRE.MatchString(id) }

// ValidNodeID reports whether id is a plain node id of at most 32 decimal
// digits, never a page post id: the shape of every Instagram id. Like
// ValidID, it keeps what goes into a request path parseable.
func ValidNodeID(id string) bool { return nodeRE.MatchString(id) }

// ValidPath reports whether path is "/{id}" or "/{id}/{edge}" with an id
// ValidID accepts (or "me") and a lowercase edge name. It backs up the
// checks made where ids come in: a path it refuses is never sent, since
// huandu/facebook would report the URL, access token included.
func ValidPath(path string) bool {
	node, edge, hasEdge := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if node != "me" && !ValidID(node) {
		return false
	}
	return !hasEdge || edgeRE.MatchString(edge)
}

// Redacted replaces the value of a credential in texts Scrub cleans.
const Redacted = scrub.Redacted

// Scrub returns s with the values of credential parameters
// (access_token, appsecret_proof, input_token, client_secret, …)
// replaced by Redacted.
func Scrub(s string) string { return (*scrub.Scrubber)(nil).Text(s) }

// scrubbed wraps err so that its message hides credentials; errors.As and
// errors.Is still reach the wrapped chain.
func scrubbed(err error) error { return (*scrub.Scrubber)(nil).Wrap(err) }

package fake

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Graph's list limits.
const (
	defaultLimit = 25
	maxLimit     = 100
)

// graphTime is Graph's timestamp format in bodies.
const graphTime = "2006-01-02T15:04:05-0700"

func formatTime(t time.Time) string { return t.UTC().Format(graphTime) }

// emptyPageParam numbers the leading empty pages of Options.EmptyListPages
// in their paging.next links.
const emptyPageParam = "empty_page"

// item is one entry of a list: its id (the cursor), its creation time and
// its JSON object.
type item struct {
	id      string
	created time.Time
	body    map[string]any
}

// writeList answers a list newest first, narrowed by since and until
// (Unix seconds) and paged with after/before cursors and limit. items must
// already be ordered newest first. paging.next is an absolute URL back to
// the fake carrying the same parameters, so clients can follow it as they
// follow Graph's. With Options.EmptyListPages the first page is preceded
// by that many pages with no data and a paging.next.
func (f *Fake) writeList(w http.ResponseWriter, c *call, items []item) *gerr {
	limit := defaultLimit
	if s := c.param("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return invalidParam("Param limit must be a positive integer")
		}
		limit = min(n, maxLimit)
	}
	since, e := timeParam(c, "since")
	if e != nil {
		return e
	}
	until, e := timeParam(c, "until")
	if e != nil {
		return e
	}
	if f.emptyPages > 0 && c.param("after") == "" && c.param("before") == "" {
		if n, _ := strconv.Atoi(c.param(emptyPageParam)); n < f.emptyPages {
			writeJSON(w, http.StatusOK, map[string]any{"data": []any{},
				"paging": map[string]any{"next": f.pageURL(c, emptyPageParam, strconv.Itoa(n+1))}})
			return nil
		}
	}
	kept := items[:0:0]
	for _, it := range items {
		if !since.IsZero() && it.created.Before(since) {
			continue
		}
		if !until.IsZero() && it.created.After(until) {
			continue
		}
		kept = append(kept, it)
	}
	start, end := 0, len(kept)
	if a := c.param("after"); a != "" {
		i, ok := cursorIndex(kept, a)
		if !ok {
			return invalidParam("The after cursor is not valid")
		}
		start = i + 1
	} else if b := c.param("before"); b != "" {
		i, ok := cursorIndex(kept, b)
		if !ok {
			return invalidParam("The before cursor is not valid")
		}
		end = i
		start = max(0, end-limit)
	}
	end = min(end, start+limit)
	data := make([]map[string]any, 0, end-start)
	for _, it := range kept[start:end] {
		data = append(data, it.body)
	}
	out := map[string]any{"data": data}
	if len(data) > 0 {
		paging := map[string]any{"cursors": map[string]string{
			"before": cursor(kept[start].id),
			"after":  cursor(kept[end-1].id),
		}}
		if end < len(kept) {
			paging["next"] = f.pageURL(c, "after", cursor(kept[end-1].id))
		}
		if start > 0 {
			paging["previous"] = f.pageURL(c, "before", cursor(kept[start].id))
		}
		out["paging"] = paging
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func cursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func cursorIndex(items []item, cur string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		return 0, false
	}
	for i, it := range items {
		if it.id == string(b) {
			return i, true
		}
	}
	return 0, false
}

// pageURL is the absolute URL of the neighbouring page: the request's own
// URL with its parameters, the token when it came as a parameter (as
// Graph's paging links carry it), and the new cursor. appsecret_proof is
// left for the client to add, as huandu/facebook does.
func (f *Fake) pageURL(c *call, key, cur string) string {
	q := url.Values{}
	for k, vs := range c.params {
		switch k {
		case "after", "before", "appsecret_proof", "format", "method", emptyPageParam:
			continue
		case "access_token":
			if c.header {
				continue
			}
		}
		q[k] = vs
	}
	q.Set(key, cur)
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	path := f.prefix
	if c.version != "" {
		path += "/" + c.version
	}
	path += "/" + c.node + "/" + c.edge
	u := url.URL{Scheme: scheme, Host: c.r.Host, Path: path, RawQuery: q.Encode()}
	return u.String()
}

// timeParam reads since or until: Unix seconds or an RFC 3339 time.
func timeParam(c *call, name string) (time.Time, *gerr) {
	s := c.param(name)
	if s == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, invalidParam("Param %s must be a Unix timestamp", name)
}

// fieldSet is the set of top-level fields a request asked for; modifiers
// such as .summary(true) or {subfields} are kept per field.
type fieldSet map[string]string

// parseFields splits a fields parameter at the commas outside braces and
// parentheses. An empty parameter yields the node's default fields.
func parseFields(s string, defaults ...string) fieldSet {
	fs := fieldSet{}
	if strings.TrimSpace(s) == "" {
		for _, d := range defaults {
			fs[d] = ""
		}
		return fs
	}
	depth, start := 0, 0
	add := func(part string) {
		part = strings.TrimSpace(part)
		if part == "" {
			return
		}
		name, rest := part, ""
		if i := strings.IndexAny(part, ".{("); i >= 0 {
			name, rest = part[:i], part[i:]
		}
		fs[name] = rest
	}
	for i, r := range s {
		switch r {
		case '{', '(':
			depth++
		case '}', ')':
			depth--
		case ',':
			if depth == 0 {
				add(s[start:i])
				start = i + 1
			}
		}
	}
	add(s[start:])
	return fs
}

func (fs fieldSet) has(name string) bool { _, ok := fs[name]; return ok }

// Node types, as Graph names them in its errors.
const (
	nodePage      = "Page"
	nodePost      = "PagePost"
	nodePhoto     = "Photo"
	nodeVideo     = "Video"
	nodeIGUser    = "IGUser"
	nodeContainer = "ShadowIGMediaBuilder"
	nodeIGMedia   = "IGMedia"
	nodeIGLimit   = "ContentPublishingLimit"
)

// nodeFields are the fields of each node type the fake serves: those it
// renders. Graph refuses a field its node type does not have.
var nodeFields = map[string][]string{
	nodePage: {"id", "name", "instagram_business_account", "link", "category", "followers_count", "fan_count",
		"picture", "access_token", "tasks", "category_list"},
	nodePost: {"id", "message", "created_time", "updated_time", "permalink_url", "is_published", "link", "from",
		"status_type", "reactions", "likes", "comments", "shares", "attachments"},
	nodePhoto: {"id", "name", "created_time", "updated_time", "alt_text_custom", "page_story_id", "link", "width",
		"height", "from"},
	nodeVideo: {"id", "title", "description", "created_time", "updated_time", "post_id", "permalink_url",
		"published", "status", "reactions", "likes", "comments"},
	nodeIGUser:    {"id", "user_id", "username", "name", "media_count", "followers_count", "follows_count", "account_type", "profile_picture_url"},
	nodeContainer: {"id", "status_code", "status", "copyright_check_status"},
	nodeIGMedia: {"id", "caption", "timestamp", "permalink", "shortcode", "media_type", "media_product_type",
		"media_url", "username", "owner", "is_comment_enabled", "like_count", "comments_count"},
	nodeIGLimit: {"quota_usage", "config"},
}

// fields reads the fields parameter of a call on a node of type node (an
// empty one yields defaults) and refuses a field the type does not have
// the way Graph does: code 100, "Tried accessing nonexisting field".
func fields(c *call, node string, defaults ...string) (fieldSet, *gerr) {
	fs := parseFields(c.param("fields"), defaults...)
	for name := range fs {
		if !slices.Contains(nodeFields[node], name) {
			return nil, invalidParam("Tried accessing nonexisting field (%s) on node type (%s)", name, node)
		}
	}
	return fs, nil
}

// parseBool reads a Graph boolean parameter ("true", "false", "1", "0");
// empty yields def.
func parseBool(s string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return def, nil
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, strconv.ErrSyntax
}

package graph

import (
	"encoding/json"
	"time"

	fb "github.com/huandu/facebook/v2"
)

// timeLayout is the timestamp format of Graph answers.
const timeLayout = "2006-01-02T15:04:05-0700"

// Str returns a field of a result as a string, field being a path such as
// "id" or "paging.next": Graph sends ids as strings or as numbers (which
// huandu/facebook decodes as json.Number). Anything else, a missing field
// included, gives "", so that a malformed answer reads as a missing value
// rather than as Go's rendering of it.
func Str(res fb.Result, field string) string {
	switch v := res.Get(field).(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// ParseTime reads a Graph timestamp ("2026-11-27T23:50:00+0000") or an
// RFC 3339 one, fractional seconds allowed, and returns it in UTC; ok is
// false when s is neither.
func ParseTime(s string) (t time.Time, ok bool) {
	for _, layout := range []string{timeLayout, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

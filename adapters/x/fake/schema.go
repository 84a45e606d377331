package fake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// schema is the part of JSON Schema that X's request bodies use. X checks
// bodies against its OpenAPI schemas before anything else and answers each
// violation with one errors[] entry worded by its JSON Schema validator
// ("$.poll.duration_minutes: must have a minimum value of 5"), the path of
// the offending value as the parameter and the value, as JSON, as its only
// argument.
type schema struct {
	typ      string // object, array, string, integer or boolean
	props    map[string]*schema
	required []string
	items    *schema
	minItems int
	maxItems int // 0: unbounded
	minLen   int
	maxLen   int // 0: unbounded
	min, max *int64
	pattern  *regexp.Regexp
	enum     []string
}

func bound(n int64) *int64 { return &n }

var idPattern = regexp.MustCompile(`^[0-9]{1,19}$`)

func idString() *schema { return &schema{typ: "string", pattern: idPattern} }
func str() *schema      { return &schema{typ: "string"} }
func boolean() *schema  { return &schema{typ: "boolean"} }

// replySettings is the enum of reply_settings and poll.reply_settings.
var replySettings = []string{"following", "mentionedUsers", "subscribers", "verified"}

// createPostsSchema is CreatePostsRequest of X's OpenAPI spec 2.167
// (xdevplatform/xdk specs/openapi.json; the older TweetCreateRequest of
// 2.159 lacks made_with_ai, paid_partnership and the media card fields,
// which X has accepted since 2026-06): every object is closed
// (additionalProperties false).
var createPostsSchema = &schema{typ: "object", props: map[string]*schema{
	"card_uri":                 str(),
	"community_id":             idString(),
	"direct_message_deep_link": str(),
	"edit_options": {typ: "object", required: []string{"previous_post_id"}, props: map[string]*schema{
		"previous_post_id": idString(),
	}},
	"for_super_followers_only": boolean(),
	"geo": {typ: "object", required: []string{"place_id"}, props: map[string]*schema{
		"place_id": str(),
	}},
	"made_with_ai": boolean(),
	"media": {typ: "object", required: []string{"media_ids"}, props: map[string]*schema{
		"call_to_actions": {typ: "object", props: map[string]*schema{
			"app_install": {typ: "object", props: map[string]*schema{
				"app_store_id": str(), "ipad_app_store_id": str(), "play_store_id": str(),
			}},
			"visit_site": {typ: "object", required: []string{"url"}, props: map[string]*schema{"url": str()}},
			"watch_now":  {typ: "object", required: []string{"url"}, props: map[string]*schema{"url": str()}},
		}},
		"description":      str(),
		"embeddable":       boolean(),
		"media_ids":        {typ: "array", items: idString(), minItems: 1, maxItems: 4},
		"preview_media_id": idString(),
		"tagged_user_ids":  {typ: "array", items: idString(), maxItems: 10},
		"title":            str(),
	}},
	"nullcast":         boolean(),
	"paid_partnership": boolean(),
	"poll": {typ: "object", required: []string{"options", "duration_minutes"}, props: map[string]*schema{
		"duration_minutes": {typ: "integer", min: bound(5), max: bound(10080)},
		"options":          {typ: "array", minItems: 2, maxItems: 4, items: &schema{typ: "string", minLen: 1, maxLen: 25}},
		"reply_settings":   {typ: "string", enum: replySettings},
	}},
	"quote_tweet_id": idString(),
	"reply": {typ: "object", required: []string{"in_reply_to_tweet_id"}, props: map[string]*schema{
		"auto_populate_reply_metadata": boolean(),
		"exclude_reply_user_ids":       {typ: "array", items: idString()},
		"in_reply_to_tweet_id":         idString(),
	}},
	"reply_settings":       {typ: "string", enum: replySettings},
	"share_with_followers": boolean(),
	"text":                 str(),
}}

// schemaError is one violation: the path of the value, the value as JSON
// and the validator's words.
type schemaError struct {
	path, value, message string
}

func (e schemaError) apiError() apiError {
	values := []string{}
	if e.value != "" {
		values = []string{e.value}
	}
	return apiError{Parameters: map[string][]string{e.path: values}, Message: e.message}
}

// decodeValue decodes a JSON document keeping numbers exact.
func decodeValue(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// jsonType names a decoded value's type as the validator does.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if _, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
			return "integer"
		}
		return "number"
	}
	return "unknown"
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// validate returns every violation of s by v at path, in path order.
func (s *schema) validate(path string, v any) []schemaError {
	bad := func(format string, args ...any) []schemaError {
		return []schemaError{{path: path, value: jsonText(v), message: path + ": " + fmt.Sprintf(format, args...)}}
	}
	if got := jsonType(v); got != s.typ {
		return bad("%s found, %s expected", got, s.typ)
	}
	var errs []schemaError
	switch s.typ {
	case "object":
		obj := v.(map[string]any)
		for _, k := range s.required {
			if _, ok := obj[k]; !ok {
				errs = append(errs, schemaError{path: path + "." + k, value: "", message: path + "." + k + ": is missing but it is required"})
			}
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			p, ok := s.props[k]
			if !ok {
				errs = append(errs, schemaError{path: path + "." + k, value: jsonText(obj[k]),
					message: path + "." + k + ": is not defined in the schema and the schema does not allow additional properties"})
				continue
			}
			errs = append(errs, p.validate(path+"."+k, obj[k])...)
		}
	case "array":
		arr := v.([]any)
		switch {
		case len(arr) < s.minItems:
			errs = append(errs, bad("there must be a minimum of %d items in the array", s.minItems)...)
		case s.maxItems > 0 && len(arr) > s.maxItems:
			errs = append(errs, bad("there must be a maximum of %d items in the array", s.maxItems)...)
		}
		for i, item := range arr {
			errs = append(errs, s.items.validate(fmt.Sprintf("%s[%d]", path, i), item)...)
		}
	case "string":
		str := v.(string)
		n := utf8.RuneCountInString(str)
		switch {
		case n < s.minLen:
			errs = append(errs, bad("must be at least %d characters long", s.minLen)...)
		case s.maxLen > 0 && n > s.maxLen:
			errs = append(errs, bad("may only be %d characters long", s.maxLen)...)
		}
		if s.pattern != nil && !s.pattern.MatchString(str) {
			errs = append(errs, bad("does not match the regex pattern %s", s.pattern)...)
		}
		if s.enum != nil && !slices.Contains(s.enum, str) {
			errs = append(errs, bad("does not have a value in the enumeration [%s]", strings.Join(s.enum, ", "))...)
		}
	case "integer":
		n, _ := strconv.ParseInt(v.(json.Number).String(), 10, 64)
		switch {
		case s.min != nil && n < *s.min:
			errs = append(errs, bad("must have a minimum value of %d", *s.min)...)
		case s.max != nil && n > *s.max:
			errs = append(errs, bad("must have a maximum value of %d", *s.max)...)
		}
	}
	return errs
}

// initializeSchema is InitializeMediaUploadRequest (POST
// /2/media/upload/initialize); no field is required by the schema.
var initializeSchema = &schema{typ: "object", props: map[string]*schema{
	"additional_owners": {typ: "array", items: idString()},
	"media_category":    {typ: "string", enum: mediaCategories},
	"media_type": {typ: "string", enum: []string{"video/mp4", "video/webm", "video/mp2t", "video/quicktime", "text/srt",
		"text/vtt", "image/jpeg", "image/gif", "image/bmp", "image/png", "image/webp", "image/pjpeg", "image/tiff",
		"model/gltf-binary", "model/vnd.usdz+zip"}},
	"shared":      boolean(),
	"total_bytes": {typ: "integer", min: bound(0), max: bound(17179869184)},
}}

// appendSchema is AppendMediaUploadRequest (POST
// /2/media/upload/{id}/append) as JSON: the chunk in base64 and its index,
// nothing else.
var appendSchema = &schema{typ: "object", required: []string{"media", "segment_index"}, props: map[string]*schema{
	"media":         str(),
	"segment_index": {typ: "integer", min: bound(0), max: bound(maxSegmentIndex)},
}}

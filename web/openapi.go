package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

// openAPISource is the hand-written OpenAPI 3.1 description of the core
// routes.
//
//go:embed openapi.json
var openAPISource []byte

// openAPIParts describe the routes of one feature each (openapi/NAME.json):
// their paths, tags and components are merged into the document, and a
// path, tag or component named twice is an error.
//
//go:embed openapi
var openAPIParts embed.FS

// openAPIDocument returns the embedded document, with its parts merged in
// and the server's version.
func openAPIDocument(version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	if err := mergeOpenAPIParts(doc, openAPIParts); err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	if version != "" {
		info, ok := doc["info"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("openapi document: no info object")
		}
		info["version"] = version
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	return append(b, '\n'), nil
}

// mergeOpenAPIParts merges every openapi/*.json of fsys into doc, in name
// order.
func mergeOpenAPIParts(doc map[string]any, fsys fs.FS) error {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		var part map[string]any
		if err := json.Unmarshal(b, &part); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for key, v := range part {
			switch key {
			case "paths":
				if err := mergeObject(doc, "paths", v, name); err != nil {
					return err
				}
			case "tags":
				tags, ok := v.([]any)
				if !ok {
					return fmt.Errorf("%s: tags is not an array", name)
				}
				have, _ := doc["tags"].([]any)
				seen := map[any]bool{}
				for _, t := range have {
					if m, ok := t.(map[string]any); ok {
						seen[m["name"]] = true
					}
				}
				for _, t := range tags {
					m, ok := t.(map[string]any)
					if !ok || seen[m["name"]] {
						return fmt.Errorf("%s: tag %v is not an object or is named twice", name, t)
					}
					seen[m["name"]] = true
					have = append(have, t)
				}
				doc["tags"] = have
			case "components":
				comps, ok := v.(map[string]any)
				if !ok {
					return fmt.Errorf("%s: components is not an object", name)
				}
				into, ok := doc["components"].(map[string]any)
				if !ok {
					into = map[string]any{}
					doc["components"] = into
				}
				for kind, entries := range comps {
					if err := mergeObject(into, kind, entries, name+": components"); err != nil {
						return err
					}
				}
			default:
				return fmt.Errorf("%s: key %q cannot be merged (only paths, tags, components)", name, key)
			}
		}
	}
	return nil
}

// mergeObject adds the entries of v to the object into[key], refusing an
// entry it already has.
func mergeObject(into map[string]any, key string, v any, where string) error {
	add, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: %s is not an object", where, key)
	}
	have, ok := into[key].(map[string]any)
	if !ok {
		have = map[string]any{}
		into[key] = have
	}
	for k, e := range add {
		if _, dup := have[k]; dup {
			return fmt.Errorf("%s: %s %q is described twice", where, key, k)
		}
		have[k] = e
	}
	return nil
}

package web

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMergeOpenAPIPartsRefusesTwice(t *testing.T) {
	doc := map[string]any{
		"paths":      map[string]any{"/a": map[string]any{"get": map[string]any{}}},
		"components": map[string]any{"schemas": map[string]any{"A": map[string]any{}}},
	}
	for name, part := range map[string]string{
		"path":      `{"paths":{"/a":{"post":{}}}}`,
		"component": `{"components":{"schemas":{"A":{}}}}`,
		"other key": `{"info":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{"openapi/x.json": {Data: []byte(part)}}
			if err := mergeOpenAPIParts(doc, fsys); err == nil {
				t.Fatalf("merged %s", part)
			}
		})
	}
	t.Run("new entries are merged", func(t *testing.T) {
		fsys := fstest.MapFS{"openapi/x.json": {Data: []byte(
			`{"paths":{"/b":{"get":{}}},"tags":[{"name":"B"}],"components":{"schemas":{"B":{}}}}`)}}
		if err := mergeOpenAPIParts(doc, fsys); err != nil {
			t.Fatal(err)
		}
		if _, ok := doc["paths"].(map[string]any)["/b"]; !ok {
			t.Errorf("path /b not merged: %v", doc["paths"])
		}
		comps := doc["components"].(map[string]any)["schemas"].(map[string]any)
		if _, ok := comps["B"]; !ok || len(comps) != 2 {
			t.Errorf("schemas %v", comps)
		}
		if tags := doc["tags"].([]any); len(tags) != 1 || !strings.Contains(tags[0].(map[string]any)["name"].(string), "B") {
			t.Errorf("tags %v", tags)
		}
	})
}

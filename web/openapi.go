package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// openAPISource is the hand-written OpenAPI 3.1 description of every route.
//
//go:embed openapi.json
var openAPISource []byte

// openAPIDocument returns the embedded document with the server's version.
func openAPIDocument(version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
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

package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticFile is an embedded asset with its content hash.
type staticFile struct {
	body  []byte
	hash  string // first 16 hex digits of the SHA-256
	ctype string
}

// staticTypes are the types of the assets the interface has; others go
// by mime's table.
var staticTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// loadStatic reads the embedded assets and hashes them once.
func loadStatic() (map[string]*staticFile, error) {
	out := map[string]*staticFile{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		ct, ok := staticTypes[ext]
		if !ok {
			ct = mime.TypeByExtension(ext)
		}
		if ct == "" {
			return fmt.Errorf("static file %s: unknown type", p)
		}
		out[strings.TrimPrefix(p, "static/")] = &staticFile{body: b, hash: hex.EncodeToString(sum[:8]), ctype: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	return out, nil
}

// handleStatic serves an embedded asset. Asked with its current hash (as
// the pages link it) it may be kept for a year; otherwise the browser
// revalidates it with its ETag.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := s.ui.static[r.PathValue("name")]
	if !ok {
		writeText(w, http.StatusNotFound, "not found")
		return
	}
	h := w.Header()
	etag := `"` + f.hash + `"`
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", f.ctype)
	h.Set("Content-Length", fmt.Sprint(len(f.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.body)
	}
}

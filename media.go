package pregonero

import (
	"io"
	"time"
)

// Media is an uploaded file, content-addressed by its SHA-256.
type Media struct {
	ID         string    `json:"id"`
	SHA256     string    `json:"sha256"`
	MIME       string    `json:"mime"`
	Size       int64     `json:"size"`
	Width      int       `json:"width,omitempty"`
	Height     int       `json:"height,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	AltText    string    `json:"alt_text,omitempty"`
	Filename   string    `json:"filename,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// MediaBlob is a media record with a way to read its bytes.
type MediaBlob struct {
	*Media
	Open func() (io.ReadCloser, error) `json:"-"`
	// URL is a signed public URL of the bytes that networks fetching media
	// themselves (Instagram) can read until it expires; empty when the
	// server has no public_url.
	URL string `json:"-"`
}

package fake

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/jpeg" // registers JPEG for image.DecodeConfig
	_ "image/png"  // registers PNG for image.DecodeConfig
	"net/http"
)

// sniffVideo says whether a file of size bytes starting with head is an
// MP4 or QuickTime file, by its leading ftyp box, and which: a major
// brand "qt  " is QuickTime, anything else MP4.
func sniffVideo(head []byte, size int64) (mimeType string, ok bool) {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return "", false
	}
	box := int64(binary.BigEndian.Uint32(head[:4]))
	if box < 12 || box > size {
		return "", false
	}
	for _, b := range head[8:12] {
		if b < 0x20 || b > 0x7e {
			return "", false
		}
	}
	if bytes.Equal(head[8:12], []byte("qt  ")) {
		return "video/quicktime", true
	}
	return "video/mp4", true
}

// sniffImage returns the MIME type of a JPEG or PNG image, or "" for
// anything else, including bytes that claim a format but do not decode.
func sniffImage(b []byte) string {
	mimeType := http.DetectContentType(b)
	if mimeType != "image/jpeg" && mimeType != "image/png" {
		return ""
	}
	if _, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil {
		return ""
	}
	return mimeType
}

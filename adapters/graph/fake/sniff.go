package fake

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	_ "image/gif"  // registers GIF for image.DecodeConfig
	_ "image/jpeg" // registers JPEG for image.DecodeConfig
	_ "image/png"  // registers PNG for image.DecodeConfig
	"io"
	"net/http"
)

// imageTypes are the photo formats Facebook accepts.
var imageTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "image/bmp": true,
}

// sniffImage returns the MIME type of image bytes, or "" when they are not
// one of imageTypes, and the dimensions when the format is decodable.
func sniffImage(b []byte) (mime string, width, height int) {
	mime = http.DetectContentType(b)
	if !imageTypes[mime] {
		return "", 0, 0
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(b)); err == nil {
		width, height = cfg.Width, cfg.Height
	}
	return mime, width, height
}

// errNotVideo says that bytes are not an MP4 or QuickTime file.
var errNotVideo = errors.New("not an MP4 or QuickTime file")

// sniffVideo walks the top-level boxes of an ISO base media file as it
// streams by and returns video/mp4 or video/quicktime (by the ftyp brand,
// or a QuickTime file without ftyp) and the size read. The file must
// consist of whole boxes and hold a moov box; errTooLarge when it is
// longer than limit.
func sniffVideo(r io.Reader, limit int64) (mime string, size int64, err error) {
	r = io.LimitReader(r, limit+1)
	var (
		hdr     [16]byte
		first   = true
		hasMoov bool
	)
	mime = "video/mp4"
	for {
		n, err := io.ReadFull(r, hdr[:8])
		if err == io.EOF && !first {
			break
		}
		if err != nil {
			if n == 0 && err == io.EOF {
				return "", size, errNotVideo
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return "", size, errNotVideo
			}
			return "", size, err
		}
		size += 8
		boxSize := int64(binary.BigEndian.Uint32(hdr[:4]))
		typ := string(hdr[4:8])
		if !printable(typ) {
			return "", size, errNotVideo
		}
		head := int64(8)
		if boxSize == 1 {
			if _, err := io.ReadFull(r, hdr[8:16]); err != nil {
				return "", size, errNotVideo
			}
			size += 8
			head = 16
			boxSize = int64(binary.BigEndian.Uint64(hdr[8:16]))
		}
		if first {
			switch typ {
			case "ftyp":
			case "moov", "mdat", "wide", "free", "skip":
				mime = "video/quicktime"
			default:
				return "", size, errNotVideo
			}
		}
		var body io.Reader
		if boxSize == 0 { // the box runs to the end of the file
			body = r
		} else {
			if boxSize < head {
				return "", size, errNotVideo
			}
			body = io.LimitReader(r, boxSize-head)
		}
		if typ == "ftyp" && first {
			var brand [4]byte
			if _, err := io.ReadFull(body, brand[:]); err != nil {
				return "", size, errNotVideo
			}
			size += 4
			if string(brand[:]) == "qt  " {
				mime = "video/quicktime"
			}
		}
		if typ == "moov" {
			hasMoov = true
		}
		n64, err := io.Copy(io.Discard, body)
		size += n64
		if err != nil {
			return "", size, err
		}
		if size > limit {
			return "", size, errTooLarge
		}
		if boxSize != 0 && n64 < boxSize-head-ftypRead(typ, first) {
			return "", size, errNotVideo
		}
		first = false
		if boxSize == 0 {
			break
		}
	}
	if !hasMoov {
		return "", size, errNotVideo
	}
	return mime, size, nil
}

// ftypRead is how much of a box sniffVideo read before copying the rest.
func ftypRead(typ string, first bool) int64 {
	if typ == "ftyp" && first {
		return 4
	}
	return 0
}

// errTooLarge says that a body is over the fake's limit.
var errTooLarge = errors.New("too large")

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

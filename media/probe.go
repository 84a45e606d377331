package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // register the GIF header decoder for image.DecodeConfig
	_ "image/jpeg" // register the JPEG header decoder
	_ "image/png"  // register the PNG header decoder
	"io"
	"math"
	"net/http"
	"strings"
)

// mp4Brands are ftyp brands of MP4 video files.
var mp4Brands = map[string]bool{
	"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
	"mp41": true, "mp42": true, "mp71": true, "avc1": true, "M4V ": true, "M4VH": true,
	"M4VP": true, "dash": true, "msnv": true, "MSNV": true, "XAVC": true, "f4v ": true,
}

// nonVideoBrands are ftyp major brands of files that share the MP4 box
// structure but are not videos the networks take: audio, HEIF/AVIF
// images, 3GPP.
var nonVideoBrands = map[string]bool{
	"M4A ": true, "M4B ": true, "M4P ": true, "heic": true, "heix": true, "hevc": true,
	"heim": true, "heis": true, "mif1": true, "msf1": true, "avif": true, "avis": true,
	"3gp4": true, "3gp5": true, "3gp6": true, "3g2a": true, "crx ": true, "jp2 ": true,
}

// quickTimeFirstBoxes are box types an old QuickTime file without an ftyp
// box starts with.
var quickTimeFirstBoxes = map[string]bool{"moov": true, "mdat": true, "wide": true, "free": true, "skip": true, "pnot": true}

// Sniff returns the MIME type of a file from its first bytes (up to 512),
// without parameters. ISO-BMFF videos are recognized by their ftyp box,
// which http.DetectContentType only partly knows; everything else is
// left to http.DetectContentType.
func Sniff(head []byte) string {
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		size := int(binary.BigEndian.Uint32(head))
		if size >= 16 {
			major := string(head[8:12])
			switch {
			case major == "qt  ":
				return "video/quicktime"
			case mp4Brands[major]:
				return "video/mp4"
			case !nonVideoBrands[major]:
				for off := 16; off+4 <= min(size, len(head)); off += 4 {
					switch b := string(head[off : off+4]); {
					case mp4Brands[b]:
						return "video/mp4"
					case b == "qt  ":
						return "video/quicktime"
					}
				}
			}
		}
	} else if len(head) >= 8 && quickTimeFirstBoxes[string(head[4:8])] {
		if size := binary.BigEndian.Uint32(head); size == 1 || size >= 8 {
			return "video/quicktime"
		}
	}
	mime := http.DetectContentType(head)
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	return strings.TrimSpace(mime)
}

type mediaInfo struct {
	width, height int
	durationMS    int64
}

// probe reads the dimensions and duration of a file whose type was sniffed.
func probe(f io.ReadSeeker, size int64, mime string) (mediaInfo, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return mediaInfo{}, err
	}
	switch mime {
	case "image/jpeg", "image/png", "image/gif":
		cfg, format, err := image.DecodeConfig(bufio.NewReader(f))
		if err != nil {
			return mediaInfo{}, fmt.Errorf("decode %s header: %w", strings.TrimPrefix(mime, "image/"), err)
		}
		if "image/"+format != mime {
			return mediaInfo{}, fmt.Errorf("decoded as %s", format)
		}
		if cfg.Width <= 0 || cfg.Height <= 0 {
			return mediaInfo{}, errors.New("the image has no pixels")
		}
		return mediaInfo{width: cfg.Width, height: cfg.Height}, nil
	case "image/webp":
		var head [30]byte
		if _, err := io.ReadFull(f, head[:]); err != nil {
			return mediaInfo{}, fmt.Errorf("read webp header: %w", err)
		}
		w, h, err := webpSize(head[:])
		return mediaInfo{width: w, height: h}, err
	case "video/mp4", "video/quicktime":
		ra, ok := f.(io.ReaderAt)
		if !ok {
			return mediaInfo{}, errors.New("video probe needs random access")
		}
		return probeISOBMFF(ra, size)
	}
	return mediaInfo{}, fmt.Errorf("no probe for %s", mime)
}

// webpSize reads the canvas size from the first 30 bytes of a WebP file:
// a RIFF header followed by a VP8, VP8L or VP8X chunk.
func webpSize(b []byte) (int, int, error) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, errors.New("not a RIFF WEBP file")
	}
	var w, h int
	switch string(b[12:16]) {
	case "VP8X":
		w = 1 + (int(b[24]) | int(b[25])<<8 | int(b[26])<<16)
		h = 1 + (int(b[27]) | int(b[28])<<8 | int(b[29])<<16)
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, errors.New("bad VP8L signature")
		}
		bits := binary.LittleEndian.Uint32(b[21:25])
		w = 1 + int(bits&0x3fff)
		h = 1 + int(bits>>14&0x3fff)
	case "VP8 ":
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, errors.New("bad VP8 start code")
		}
		w = int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff)
		h = int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff)
	default:
		return 0, 0, fmt.Errorf("unknown WebP chunk %q", b[12:16])
	}
	if w <= 0 || h <= 0 {
		return 0, 0, errors.New("the image has no pixels")
	}
	return w, h, nil
}

// maxBoxes bounds the work spent on a hostile file made of tiny boxes.
const maxBoxes = 1 << 20

type box struct {
	typ        string
	start, end int64 // whole box
	data       int64 // first byte after the header
}

type boxWalker struct {
	r     io.ReaderAt
	count int
}

// walk calls fn for each box in [start, end). A box whose size runs past
// its parent is an error: the file is truncated or not ISO-BMFF.
func (w *boxWalker) walk(start, end int64, fn func(b box) error) error {
	for off := start; end-off >= 8; {
		w.count++
		if w.count > maxBoxes {
			return errors.New("too many boxes")
		}
		var hdr [16]byte
		if _, err := w.r.ReadAt(hdr[:8], off); err != nil {
			return fmt.Errorf("read box header at %d: %w", off, err)
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		b := box{typ: string(hdr[4:8]), start: off, data: off + 8}
		switch size {
		case 0: // extends to the end of its parent
			size = end - off
		case 1: // 64-bit size follows the type
			if end-off < 16 {
				return fmt.Errorf("box %q at %d: truncated large size", b.typ, off)
			}
			if _, err := w.r.ReadAt(hdr[8:16], off+8); err != nil {
				return fmt.Errorf("read box header at %d: %w", off, err)
			}
			u := binary.BigEndian.Uint64(hdr[8:16])
			if u > math.MaxInt64 {
				return fmt.Errorf("box %q at %d: size overflows", b.typ, off)
			}
			size = int64(u)
			b.data = off + 16
		}
		if size < b.data-off || size > end-off {
			return fmt.Errorf("box %q at %d: size %d does not fit in its parent", b.typ, off, size)
		}
		b.end = off + size
		if err := fn(b); err != nil {
			return err
		}
		off = b.end
	}
	return nil
}

// readData reads up to n bytes of a box's payload.
func (w *boxWalker) readData(b box, n int) ([]byte, error) {
	n = int(min(int64(n), b.end-b.data))
	buf := make([]byte, n)
	if _, err := w.r.ReadAt(buf, b.data); err != nil {
		return nil, fmt.Errorf("read %q box: %w", b.typ, err)
	}
	return buf, nil
}

// errStop ends a walk early once what was looked for is found.
var errStop = errors.New("stop")

// probeISOBMFF reads the duration (mvhd) and the display size of the first
// video track (tkhd of the trak whose hdlr is "vide") of an MP4 or
// QuickTime file. The moov box may sit anywhere at the top level,
// typically after mdat when the file was not made for streaming.
func probeISOBMFF(r io.ReaderAt, size int64) (mediaInfo, error) {
	w := &boxWalker{r: r}
	var moov *box
	err := w.walk(0, size, func(b box) error {
		if b.typ == "moov" {
			moov = &b
			return errStop
		}
		return nil
	})
	if moov == nil {
		if err != nil && err != errStop {
			return mediaInfo{}, err
		}
		return mediaInfo{}, errors.New("no moov box")
	}

	var info mediaInfo
	var timescale uint32
	var haveMvhd, haveVideo bool
	err = w.walk(moov.data, moov.end, func(b box) error {
		switch b.typ {
		case "mvhd":
			d, err := w.readData(b, 32)
			if err != nil {
				return err
			}
			var dur uint64
			switch {
			case len(d) >= 20 && d[0] == 0:
				timescale = binary.BigEndian.Uint32(d[12:16])
				if v := binary.BigEndian.Uint32(d[16:20]); v != math.MaxUint32 {
					dur = uint64(v)
				}
			case len(d) >= 32 && d[0] == 1:
				timescale = binary.BigEndian.Uint32(d[20:24])
				if v := binary.BigEndian.Uint64(d[24:32]); v != math.MaxUint64 {
					dur = v
				}
			default:
				return errors.New("malformed mvhd box")
			}
			if timescale == 0 {
				return errors.New("mvhd timescale is zero")
			}
			info.durationMS = durationMS(dur, timescale)
			haveMvhd = true
		case "trak":
			if haveVideo {
				return nil
			}
			wd, ht, video, err := w.track(b)
			if err != nil {
				return err
			}
			if video {
				info.width, info.height, haveVideo = wd, ht, true
			}
		}
		return nil
	})
	if err != nil {
		return mediaInfo{}, err
	}
	if !haveMvhd {
		return mediaInfo{}, errors.New("no mvhd box")
	}
	if !haveVideo {
		return mediaInfo{}, errors.New("no video track")
	}
	if info.width <= 0 || info.height <= 0 {
		return mediaInfo{}, errors.New("the video track has no dimensions")
	}
	return info, nil
}

// track reads a trak box: its display size from tkhd and whether its
// handler (mdia/hdlr) is video.
func (w *boxWalker) track(trak box) (width, height int, video bool, err error) {
	err = w.walk(trak.data, trak.end, func(b box) error {
		switch b.typ {
		case "tkhd":
			d, err := w.readData(b, 96)
			if err != nil {
				return err
			}
			var base int // offset of the matrix
			switch {
			case len(d) >= 84 && d[0] == 0:
				base = 40
			case len(d) >= 96 && d[0] == 1:
				base = 52
			default:
				return errors.New("malformed tkhd box")
			}
			m := func(i int) int32 { return int32(binary.BigEndian.Uint32(d[base+4*i:])) }
			width = fixed16(binary.BigEndian.Uint32(d[base+36:]))
			height = fixed16(binary.BigEndian.Uint32(d[base+40:]))
			// A 90° or 270° rotation matrix (a = d = 0) means players
			// show the frame on its side: report the displayed size.
			if m(0) == 0 && m(4) == 0 && m(1) != 0 {
				width, height = height, width
			}
		case "mdia":
			return w.walk(b.data, b.end, func(c box) error {
				if c.typ != "hdlr" {
					return nil
				}
				d, err := w.readData(c, 12)
				if err != nil {
					return err
				}
				if len(d) < 12 {
					return errors.New("malformed hdlr box")
				}
				video = bytes.Equal(d[8:12], []byte("vide"))
				return nil
			})
		}
		return nil
	})
	return width, height, video, err
}

// fixed16 rounds a 16.16 fixed-point value to an integer.
func fixed16(v uint32) int { return int((uint64(v) + 0x8000) >> 16) }

func durationMS(dur uint64, timescale uint32) int64 {
	ts := uint64(timescale)
	whole := dur / ts
	if whole > math.MaxInt64/1000-1 {
		return math.MaxInt64
	}
	return int64(whole*1000 + (dur%ts)*1000/ts)
}

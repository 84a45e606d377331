// Package mediatest makes real media files for tests: JPEG and PNG images
// drawn in memory and minimal MP4 videos whose boxes carry a duration and
// dimensions the media library reads, so that no binary fixtures live in
// the repository.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// Image returns a w×h gradient; seed varies the pixels so that two images
// of the same size have different bytes.
func Image(w, h int, seed uint8) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x) + seed, G: uint8(y) ^ seed, B: seed, A: 255})
		}
	}
	return img
}

// JPEG returns a w×h JPEG.
func JPEG(w, h int, seed uint8) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Image(w, h, seed), &jpeg.Options{Quality: 80}); err != nil {
		panic("mediatest: encode jpeg: " + err.Error()) // an in-memory image always encodes
	}
	return buf.Bytes()
}

// PNG returns a w×h PNG.
func PNG(w, h int, seed uint8) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, Image(w, h, seed)); err != nil {
		panic("mediatest: encode png: " + err.Error())
	}
	return buf.Bytes()
}

// MP4 returns an ISO-BMFF file of about size bytes (at least a few
// hundred): ftyp, a media data box of filler derived from seed, and a
// movie header with the duration and one video track of w×h.
func MP4(size int, durationMS int64, w, h int, seed uint8) []byte {
	moov := box("moov", mvhd(1000, uint64(durationMS)), trak(w, h))
	head := box("ftyp", []byte("isom"), u32(0x200), []byte("isomiso2avc1mp41"))
	fill := max(size-len(moov)-len(head)-8, 16)
	data := make([]byte, fill)
	for i := range data {
		data[i] = byte(i*31) ^ seed
	}
	return bytes.Join([][]byte{head, box("mdat", data), moov}, nil)
}

func box(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(out, typ...), body...)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func mvhd(timescale uint32, duration uint64) []byte {
	p := []byte{0, 0, 0, 0}
	p = append(p, make([]byte, 8)...) // creation, modification
	p = append(p, u32(timescale)...)
	p = append(p, u32(uint32(duration))...)
	p = append(p, make([]byte, 80)...) // rate, volume, reserved, matrix, pre_defined, next_track_ID
	return box("mvhd", p)
}

func trak(w, h int) []byte {
	p := []byte{0, 0, 0, 3}
	p = append(p, make([]byte, 8)...)
	p = append(p, u32(1)...)
	p = append(p, make([]byte, 4)...)
	p = append(p, u32(0)...)
	p = append(p, make([]byte, 16)...)
	for _, m := range [9]int32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000} {
		p = append(p, u32(uint32(m))...)
	}
	p = append(p, u32(uint32(w)<<16)...)
	p = append(p, u32(uint32(h)<<16)...)
	hdlr := box("hdlr", []byte{0, 0, 0, 0}, u32(0), []byte("vide"), make([]byte, 12), []byte("video\x00"))
	return box("trak", box("tkhd", p), box("mdia", box("mdhd", make([]byte, 24)), hdlr))
}

package facebook_test

import (
	"encoding/binary"
	"log/slog"
)

// discard keeps the adapter's log lines out of the test output.
var discard = slog.New(slog.DiscardHandler)

// mp4 returns the smallest file the Graph fake takes for an MP4 video: an
// ftyp box, a moov box and an mdat box.
func mp4() []byte {
	box := func(typ string, payload []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(8+len(payload)))
		return append(append(b, typ...), payload...)
	}
	var out []byte
	out = append(out, box("ftyp", []byte("isom\x00\x00\x02\x00isommp41"))...)
	out = append(out, box("moov", box("mvhd", make([]byte, 100)))...)
	out = append(out, box("mdat", make([]byte, 64))...)
	return out
}

package media

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzProbe feeds arbitrary bytes to the sniffer and the header parsers:
// uploads are outside input, so no file may panic them or make them
// report a video or image without dimensions.
func FuzzProbe(f *testing.F) {
	box := func(typ string, payload []byte) []byte {
		return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(payload))), typ...), payload...)
	}
	tkhd := make([]byte, 84)
	binary.BigEndian.PutUint32(tkhd[76:], 640<<16)
	binary.BigEndian.PutUint32(tkhd[80:], 360<<16)
	mvhd := make([]byte, 100)
	binary.BigEndian.PutUint32(mvhd[12:], 1000)
	binary.BigEndian.PutUint32(mvhd[16:], 5000)
	hdlr := append(make([]byte, 8), "vide\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"...)
	trak := box("trak", append(box("tkhd", tkhd), box("mdia", box("hdlr", hdlr))...))
	f.Add(bytes.Join([][]byte{box("ftyp", []byte("isom\x00\x00\x02\x00isom")), box("moov", append(box("mvhd", mvhd), trak...))}, nil))
	f.Add(append([]byte("\x00\x00\x00\x01moov"), make([]byte, 8)...))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x00\x00\x00\x9d\x01\x2a\x10\x00\x10\x00"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mime := Sniff(data[:min(len(data), sniffLen)])
		if !accepted(mime) {
			return
		}
		info, err := probe(bytes.NewReader(data), int64(len(data)), mime)
		if err == nil && (info.width <= 0 || info.height <= 0) {
			t.Fatalf("%s probed without dimensions: %+v", mime, info)
		}
		if info.durationMS < 0 {
			t.Fatalf("negative duration %d", info.durationMS)
		}
	})
}

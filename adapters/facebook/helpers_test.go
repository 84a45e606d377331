package facebook_test

import (
	"log/slog"

	"pregonero/media/mediatest"
)

// discard keeps the adapter's log lines out of the test output.
var discard = slog.New(slog.DiscardHandler)

// mp4 returns a small MP4 the Graph fake takes as a video (ftyp brand
// isom, a moov and an mdat box): 3 seconds of 640×360.
func mp4() []byte { return mediatest.MP4(1<<10, 3000, 640, 360, 0) }

package youtube_test

import (
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/youtube"
)

func TestLeadUploadsLargeVideosAhead(t *testing.T) {
	video := func(size int64) pregonero.Content {
		return pregonero.Content{Media: []pregonero.MediaBlob{{Media: &pregonero.Media{ID: "m", MIME: "video/mp4", Size: size}}}}
	}
	a := youtube.New(youtube.Config{UploadAhead: 2 * time.Hour, UploadAheadMinSize: 64 << 20})
	var _ pregonero.Planner = a
	for _, tc := range []struct {
		name string
		c    pregonero.Content
		want time.Duration
	}{
		{"LargeGoesAhead", video(64 << 20), 2 * time.Hour},
		{"SmallGoesAtItsTime", video(64<<20 - 1), 0},
		{"NoVideo", pregonero.Content{Text: "x"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.Lead(tc.c, nil); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := youtube.New(youtube.Config{}).Lead(video(1<<30), nil); got != 0 {
		t.Errorf("without upload_ahead got %v, want 0", got)
	}
}

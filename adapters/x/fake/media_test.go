package fake_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/x/fake"
)

func TestMediaVideo(t *testing.T) {
	e := newEnv(t, fake.Options{MediaProcessing: 4 * time.Second})
	id, fin := e.upload(t, "ana", "video/mp4", "tweet_video", mp4Bytes, 1000)

	t.Run("finalize reports pending processing", func(t *testing.T) {
		pi, _ := fin["processing_info"].(map[string]any)
		if pi["state"] != "pending" || pi["check_after_secs"] != float64(1) || fin["size"] != float64(len(mp4Bytes)) {
			t.Errorf("finalize data = %v, want size %d and processing_info pending, check after 1 s", fin, len(mp4Bytes))
		}
	})
	t.Run("not attachable while processing", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "too soon", "media": map[string]any{"media_ids": []string{id}}})
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "processing") {
			t.Errorf("status %d body %s, want 400 about processing", res.status, res.body)
		}
	})
	t.Run("state machine runs on the clock", func(t *testing.T) {
		steps := []struct {
			advance time.Duration
			state   string
		}{{0, "pending"}, {1 * time.Second, "in_progress"}, {2 * time.Second, "in_progress"}, {1 * time.Second, "succeeded"}}
		for _, s := range steps {
			e.clock.Advance(s.advance)
			if pi := e.status(t, "ana", id); pi["state"] != s.state {
				t.Fatalf("after %v more: processing_info = %v, want state %s", s.advance, pi, s.state)
			}
		}
	})
	t.Run("other users cannot see it", func(t *testing.T) {
		res := e.do(t, "beto", "GET", "/2/media/upload?command=STATUS&media_id="+id, nil)
		if res.status != http.StatusNotFound || !strings.Contains(string(res.body), "/problems/resource-not-found") {
			t.Errorf("status %d body %s, want 404 resource-not-found", res.status, res.body)
		}
	})
	t.Run("attached once processed, with alt text in the ledger", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/media/metadata", map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]any{"text": "Un video"}}})
		assertBody(t, res, http.StatusOK, `{"data":{"id":"`+id+`","associated_metadata":{"alt_text":{"text":"Un video"}}}}`)
		pid := e.createPost(t, "ana", "con video", id)
		p, _ := e.fake.Ledger().Get("x", pid)
		if len(p.Media) != 1 || p.Media[0].ID != id || p.Media[0].Type != "video/mp4" || p.Media[0].AltText != "Un video" || p.Media[0].Size != int64(len(mp4Bytes)) {
			t.Errorf("ledger media = %+v", p.Media)
		}
		res = e.do(t, "ana", "GET", "/2/tweets/"+pid, nil)
		if !strings.Contains(string(res.body), `"text":"con video https://t.co/`) {
			t.Errorf("read text %s, want a t.co link for the media appended", res.body)
		}
	})
	t.Run("expired after 24 hours", func(t *testing.T) {
		e.clock.Advance(24 * time.Hour)
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "too late", "media": map[string]any{"media_ids": []string{id}}})
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"message":"Your media IDs are invalid."`) {
			t.Errorf("status %d body %s, want 400 with X's words for unknown media", res.status, res.body)
		}
		res = e.do(t, "ana", "GET", "/2/media/upload?command=STATUS&media_id="+id, nil)
		if res.status != http.StatusNotFound {
			t.Errorf("STATUS of an expired upload: status %d body %s, want 404", res.status, res.body)
		}
	})
}

func TestMediaFailures(t *testing.T) {
	e := newEnv(t, fake.Options{MediaProcessing: time.Second})

	t.Run("video whose bytes are not a video fails processing", func(t *testing.T) {
		id, _ := e.upload(t, "ana", "video/mp4", "tweet_video", pngBytes, 1<<20)
		e.clock.Advance(2 * time.Second)
		pi := e.status(t, "ana", id)
		errObj, _ := pi["error"].(map[string]any)
		if pi["state"] != "failed" || errObj["name"] != "InvalidMedia" || errObj["message"] == "" {
			t.Errorf("processing_info = %v, want failed with an InvalidMedia error", pi)
		}
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "x", "media": map[string]any{"media_ids": []string{id}}})
		if res.status != http.StatusBadRequest {
			t.Errorf("attach failed media: status %d, want 400", res.status)
		}
	})
	t.Run("process fault fails a good GIF", func(t *testing.T) {
		if _, err := e.fake.Faults().Add(faultRule("process", "error", 0)); err != nil {
			t.Fatal(err)
		}
		defer e.fake.Faults().Clear()
		id, _ := e.upload(t, "ana", "image/gif", "tweet_gif", gifBytes, 1<<20)
		e.clock.Advance(2 * time.Second)
		if pi := e.status(t, "ana", id); pi["state"] != "failed" {
			t.Errorf("processing_info = %v, want failed", pi)
		}
	})
	t.Run("image with wrong bytes is refused at finalize", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/media/upload/initialize", map[string]any{"media_type": "image/jpeg", "total_bytes": len(pngBytes), "media_category": "tweet_image"})
		var init struct{ Data struct{ ID string } }
		res.decode(t, &init)
		e.appendChunk(t, "ana", init.Data.ID, "0", pngBytes)
		if res := e.do(t, "ana", "POST", "/2/media/upload/"+init.Data.ID+"/finalize", nil); res.status != http.StatusBadRequest {
			t.Errorf("status = %d, want 400: %s", res.status, res.body)
		}
	})
	t.Run("size mismatch is refused at finalize", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/media/upload/initialize", map[string]any{"media_type": "image/png", "total_bytes": len(pngBytes) + 1})
		var init struct{ Data struct{ ID string } }
		res.decode(t, &init)
		e.appendChunk(t, "ana", init.Data.ID, "0", pngBytes)
		res = e.do(t, "ana", "POST", "/2/media/upload/"+init.Data.ID+"/finalize", nil)
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "mismatch") {
			t.Errorf("status %d body %s, want 400 size mismatch", res.status, res.body)
		}
	})
	initBad := map[string]map[string]any{
		"category not matching the type": {"media_type": "image/png", "total_bytes": 10, "media_category": "tweet_video"},
		"unsupported type":               {"media_type": "application/pdf", "total_bytes": 10},
		"image over 5 MB":                {"media_type": "image/png", "total_bytes": 5<<20 + 1, "media_category": "tweet_image"},
		"video over 512 MB":              {"media_type": "video/mp4", "total_bytes": 512<<20 + 1, "media_category": "tweet_video"},
		"unknown field":                  {"media_type": "image/png", "total_bytes": 10, "colour": "red"},
	}
	for name, body := range initBad {
		t.Run(name+" is refused at initialize", func(t *testing.T) {
			if res := e.do(t, "ana", "POST", "/2/media/upload/initialize", body); res.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400: %s", res.status, res.body)
			}
		})
	}
	t.Run("segment index out of range is refused", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/media/upload/initialize", map[string]any{"media_type": "image/png", "total_bytes": len(pngBytes)})
		var init struct{ Data struct{ ID string } }
		res.decode(t, &init)
		if res := e.appendChunk(t, "ana", init.Data.ID, "1000", pngBytes); res.status != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", res.status)
		}
	})
	t.Run("alt text over 1000 characters is refused", func(t *testing.T) {
		id, _ := e.upload(t, "ana", "image/png", "tweet_image", pngBytes, 1<<20)
		res := e.do(t, "ana", "POST", "/2/media/metadata", map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]any{"text": strings.Repeat("ñ", 1001)}}})
		if res.status != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", res.status)
		}
	})
}

func TestMediaMix(t *testing.T) {
	e := newEnv(t, fake.Options{MediaProcessing: -1})
	img := func() string {
		id, fin := e.upload(t, "ana", "image/png", "tweet_image", pngBytes, 1<<20)
		if _, ok := fin["processing_info"]; ok {
			t.Fatalf("image finalize = %v, want no processing_info", fin)
		}
		return id
	}
	gif, _ := e.upload(t, "ana", "image/gif", "tweet_gif", gifBytes, 1<<20)
	video, _ := e.upload(t, "ana", "video/mp4", "tweet_video", mp4Bytes, 1<<20)

	t.Run("four images are accepted", func(t *testing.T) {
		e.createPost(t, "ana", "", img(), img(), img(), img())
	})
	t.Run("one GIF is accepted", func(t *testing.T) {
		e.createPost(t, "ana", "gif", gif)
	})
	refused := map[string][]string{
		"image and GIF":           {img(), gif},
		"video and image":         {video, img()},
		"same media twice":        {video, video},
		"another user's media id": nil,
	}
	beto, _ := e.upload(t, "beto", "image/png", "tweet_image", pngBytes, 1<<20)
	refused["another user's media id"] = []string{beto}
	for name, ids := range refused {
		t.Run(name+" is refused", func(t *testing.T) {
			res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": name, "media": map[string]any{"media_ids": ids}})
			if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"media.media_ids"`) {
				t.Errorf("status %d body %s, want 400 naming media.media_ids", res.status, res.body)
			}
		})
	}
	t.Run("one-shot image upload is attachable", func(t *testing.T) {
		id := e.simpleUpload(t, "ana", pngBytes)
		e.createPost(t, "ana", "one shot", id)
	})
}

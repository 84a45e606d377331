package fake_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/youtube/v3"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube/fake"
)

const size700K = 700 << 10 // 716,800 bytes: chunks of 262,144, 262,144 and 192,512

func TestResumableUpload(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	media := mp4(size700K, 1)
	var mu sync.Mutex
	var progress []int64
	v, err := e.svc.Videos.Insert([]string{"snippet", "status"}, newVideo("Rendición de cuentas")).
		Media(bytes.NewReader(media), googleapi.ChunkSize(256<<10)).
		ProgressUpdater(func(current, _ int64) {
			mu.Lock()
			progress = append(progress, current)
			mu.Unlock()
		}).Do()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the answer is the uploaded video", func(t *testing.T) {
		if v.Id == "" || v.Status.UploadStatus != "uploaded" || v.Status.PrivacyStatus != "public" || v.Snippet.Title != "Rendición de cuentas" {
			t.Errorf("video = %+v %+v %+v", v, v.Status, v.Snippet)
		}
		if v.Snippet.ChannelId != fake.ChannelID("canal_uno") {
			t.Errorf("channel = %q, want %q", v.Snippet.ChannelId, fake.ChannelID("canal_uno"))
		}
	})
	t.Run("the client sent three chunks after a resumable initiation", func(t *testing.T) {
		got := e.log.uploads()
		want := []string{"resumable /upload/youtube/v3/videos", "chunk bytes 0-262143/*", "chunk bytes 262144-524287/*", "chunk bytes 524288-716799/716800"}
		if !slices.Equal(got, want) {
			t.Errorf("requests = %q, want %q", got, want)
		}
	})
	t.Run("progress is reported after each chunk", func(t *testing.T) {
		if want := []int64{262144, 524288, 716800}; !slices.Equal(progress, want) {
			t.Errorf("progress = %v, want %v", progress, want)
		}
	})
	t.Run("the ledger holds the video once", func(t *testing.T) {
		posts := e.f.Ledger().Filter(fake.Network, "")
		if len(posts) != 1 {
			t.Fatalf("%d posts, want 1", len(posts))
		}
		p := posts[0]
		if p.RemoteID != v.Id || p.Account != fake.ChannelID("canal_uno") || p.Text != "Rendición de cuentas" ||
			len(p.Media) != 1 || p.Media[0].Type != "video/mp4" || p.Media[0].Size != size700K || !p.CreatedAt.Equal(t0) {
			t.Errorf("post = %+v", p)
		}
	})
	t.Run("no session stays open and one upload is charged", func(t *testing.T) {
		if n := e.f.Sessions(); n != 0 {
			t.Errorf("sessions = %d, want 0", n)
		}
		if up, units := e.f.Quota(); up != 1 || units != 0 {
			t.Errorf("quota = %d uploads, %d units; want 1, 0", up, units)
		}
	})
	t.Run("processing ends after two seconds on the fake clock", func(t *testing.T) {
		status := func() string {
			res, err := e.svc.Videos.List([]string{"status", "processingDetails"}).Id(v.Id).Do()
			if err != nil || len(res.Items) != 1 {
				t.Fatalf("list: %v, %+v", err, res)
			}
			return res.Items[0].Status.UploadStatus + "/" + res.Items[0].ProcessingDetails.ProcessingStatus
		}
		if got := status(); got != "uploaded/processing" {
			t.Errorf("status = %s, want uploaded/processing", got)
		}
		e.clock.Advance(2 * time.Second)
		if got := status(); got != "processed/succeeded" {
			t.Errorf("status = %s, want processed/succeeded", got)
		}
	})
}

func TestMultipartUpload(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	v, err := insert(e.svc, newVideo("Corto"), mp4(50<<10, 2), 256<<10)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.log.uploads(); !slices.Equal(got, []string{"multipart /upload/youtube/v3/videos"}) {
		t.Errorf("requests = %q, want one multipart upload", got)
	}
	if v.Status.UploadStatus != "uploaded" || v.Snippet.CategoryId != "25" || !slices.Equal(v.Snippet.Tags, []string{"pregonero-Corto"}) {
		t.Errorf("video = %+v %+v", v.Status, v.Snippet)
	}
	if p, ok := e.f.Ledger().Get(fake.Network, v.Id); !ok || p.Media[0].Size != 50<<10 {
		t.Errorf("ledger = %+v, %v", p, ok)
	}
}

func TestUploadCut(t *testing.T) {
	t.Run("a chunk whose answer is lost is sent again and the upload completes once", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		if _, err := e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpUpload, Mode: fakenet.ModeDropAfterAccept, Count: 1}); err != nil {
			t.Fatal(err)
		}
		v, err := insert(e.svc, newVideo("Cortado"), mp4(size700K, 3), 256<<10)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"resumable /upload/youtube/v3/videos", "chunk bytes 0-262143/*", "chunk bytes 0-262143/*",
			"chunk bytes 262144-524287/*", "chunk bytes 524288-716799/716800"}
		if got := e.log.uploads(); !slices.Equal(got, want) {
			t.Errorf("requests = %q, want %q", got, want)
		}
		if posts := e.f.Ledger().Filter(fake.Network, ""); len(posts) != 1 || posts[0].RemoteID != v.Id || posts[0].Media[0].Size != size700K {
			t.Errorf("posts = %+v, want the one video", posts)
		}
	})

	t.Run("a lost answer to the final chunk returns the same video on the retry", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		var once sync.Once
		v, err := e.svc.Videos.Insert([]string{"snippet", "status"}, newVideo("Final cortado")).
			Media(bytes.NewReader(mp4(size700K, 4)), googleapi.ChunkSize(256<<10)).
			ProgressUpdater(func(current, _ int64) {
				if current == 524288 {
					once.Do(func() {
						e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpUpload, Mode: fakenet.ModeDropAfterAccept, Count: 1})
					})
				}
			}).Do()
		if err != nil {
			t.Fatal(err)
		}
		uploads := e.log.uploads()
		if n := len(uploads); n != 5 || uploads[3] != uploads[4] || uploads[4] != "chunk bytes 524288-716799/716800" {
			t.Errorf("requests = %q, want the final chunk twice", uploads)
		}
		posts := e.f.Ledger().Filter(fake.Network, "")
		if len(posts) != 1 || posts[0].RemoteID != v.Id {
			t.Errorf("posts = %+v, want only video %s", posts, v.Id)
		}
		if v.Status.UploadStatus != "uploaded" {
			t.Errorf("upload status = %q, want uploaded (not a duplicate)", v.Status.UploadStatus)
		}
	})

	t.Run("a 503 on a chunk is retried by the client", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpUpload, Mode: fakenet.ModeError, Status: 503, Count: 2})
		v, err := insert(e.svc, newVideo("Reintentado"), mp4(size700K, 5), 256<<10)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.log.uploads(); len(got) != 6 || got[1] != got[2] || got[2] != got[3] {
			t.Errorf("requests = %q, want the first chunk three times", got)
		}
		if _, ok := e.f.Ledger().Get(fake.Network, v.Id); !ok {
			t.Error("video not in the ledger")
		}
	})

	t.Run("an initiation whose answer is lost leaves a session and no video", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpInsert, Mode: fakenet.ModeDropAfterAccept, Count: 1})
		if _, err := insert(e.svc, newVideo("Sin respuesta"), mp4(size700K, 6), 256<<10); err == nil {
			t.Fatal("insert succeeded, want a connection error")
		}
		if n := e.f.Sessions(); n != 1 {
			t.Errorf("sessions = %d, want 1", n)
		}
		if posts := e.f.Ledger().Posts(); len(posts) != 0 {
			t.Errorf("posts = %+v, want none", posts)
		}
	})

	t.Run("a one-request upload whose answer is lost is in the ledger", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpInsert, Mode: fakenet.ModeDropAfterAccept, Count: 1})
		if _, err := insert(e.svc, newVideo("Quizá publicado"), mp4(30<<10, 7), 1<<20); err == nil {
			t.Fatal("insert succeeded, want a connection error")
		}
		if posts := e.f.Ledger().Posts(); len(posts) != 1 || posts[0].Text != "Quizá publicado" {
			t.Errorf("posts = %+v, want the video", posts)
		}
	})
}

// session opens a resumable session by hand and returns its URL.
func session(t *testing.T, e *env, channel string) string {
	t.Helper()
	status, h, body := raw(t, "POST", e.base+"/upload/youtube/v3/videos?part=snippet&part=status&uploadType=resumable",
		fake.AccessToken(channel), map[string]string{"Content-Type": "application/json", "X-Upload-Content-Type": "video/mp4"},
		[]byte(`{"snippet":{"title":"A mano"},"status":{"privacyStatus":"unlisted"}}`))
	loc := h.Get("Location")
	if status != http.StatusOK || !strings.HasPrefix(loc, e.base+"/upload/youtube/v3/videos?") || !strings.Contains(loc, "upload_id=") {
		t.Fatalf("initiation: status %d Location %q body %s", status, loc, body)
	}
	return loc
}

func TestSessionProtocol(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	const block = fake.ChunkGranularity
	media := mp4(2*block+1000, 8)
	size := len(media)
	noOverride := map[string]string{"X-GUploader-No-308": "yes"}
	put := func(url, contentRange string, body []byte, extra map[string]string) (int, http.Header, string) {
		h := map[string]string{"Content-Range": contentRange, "Content-Type": "video/mp4"}
		for k, v := range extra {
			h[k] = v
		}
		return raw(t, "PUT", url, "", h, body)
	}
	rng := func(first, last int, total string) string { return fmt.Sprintf("bytes %d-%d/%s", first, last, total) }

	t.Run("chunks and status queries report the range received", func(t *testing.T) {
		url := session(t, e, "canal_uno")
		status, h, _ := put(url, "bytes */*", nil, noOverride)
		if status != 200 || h.Get("X-Http-Status-Code-Override") != "308" || h.Get("Range") != "" {
			t.Errorf("empty status: %d %v, want 200 with override 308 and no Range", status, h)
		}
		status, h, _ = put(url, rng(0, block-1, "*"), media[:block], noOverride)
		if status != 200 || h.Get("X-Http-Status-Code-Override") != "308" || h.Get("Range") != fmt.Sprintf("bytes=0-%d", block-1) {
			t.Errorf("chunk: %d %v", status, h)
		}
		status, h, _ = put(url, fmt.Sprintf("bytes */%d", size), nil, nil)
		if status != http.StatusPermanentRedirect || h.Get("Range") != fmt.Sprintf("bytes=0-%d", block-1) {
			t.Errorf("status query without X-GUploader-No-308: %d %v, want a real 308", status, h)
		}
		if status, _, body := put(url, rng(2*block, size-1, fmt.Sprint(size)), media[2*block:], nil); status != 400 || !strings.Contains(body, "badContent") {
			t.Errorf("chunk after the received offset: %d %s, want 400", status, body)
		}
		bad := bytes.Clone(media[:2*block])
		bad[0] ^= 0xff
		if status, _, body := put(url, rng(0, 2*block-1, "*"), bad, noOverride); status != 400 {
			t.Errorf("overlap with different bytes: %d %s, want 400", status, body)
		}
		status, h, _ = put(url, rng(0, 2*block-1, "*"), media[:2*block], noOverride)
		if status != 200 || h.Get("Range") != fmt.Sprintf("bytes=0-%d", 2*block-1) {
			t.Errorf("overlapping chunk: %d %v, want Range bytes=0-%d", status, h, 2*block-1)
		}
		status, _, body := put(url, rng(2*block, size-1, fmt.Sprint(size)), media[2*block:], noOverride)
		if status != 200 || !strings.Contains(body, `"uploadStatus":"uploaded"`) || !strings.Contains(body, `"privacyStatus":"unlisted"`) {
			t.Errorf("final chunk: %d %s", status, body)
		}
		again, _, body2 := put(url, fmt.Sprintf("bytes */%d", size), nil, noOverride)
		if again != 200 || body2 != body {
			t.Errorf("status of a completed session: %d %s, want the same video", again, body2)
		}
		if n := len(e.f.Ledger().Posts()); n != 1 {
			t.Errorf("%d posts, want 1", n)
		}
	})

	t.Run("a chunk but the last that is not a whole number of 256 KiB blocks is refused", func(t *testing.T) {
		url := session(t, e, "canal_dos")
		for _, cr := range []string{rng(0, 399, "*"), rng(0, block, "*"), rng(0, block+99, fmt.Sprint(size))} {
			n := 0
			fmt.Sscanf(cr, "bytes 0-%d/", &n)
			status, _, body := put(url, cr, media[:n+1], noOverride)
			if status != 400 || !strings.Contains(body, "badContent") || !strings.Contains(body, "multiple of 262144 bytes") {
				t.Errorf("%s: %d %s, want 400 badContent", cr, status, body)
			}
		}
		if status, h, _ := put(url, "bytes */*", nil, noOverride); status != 200 || h.Get("Range") != "" {
			t.Errorf("after the refusals: %d Range %q, want nothing received", status, h.Get("Range"))
		}
		other := mp4(3*block/2, 10)
		if status, h, _ := put(url, rng(0, block-1, "*"), other[:block], noOverride); status != 200 || h.Get("Range") != fmt.Sprintf("bytes=0-%d", block-1) {
			t.Errorf("a whole block: %d %v", status, h)
		}
		if status, _, body := put(url, rng(block, len(other)-1, fmt.Sprint(len(other))), other[block:], noOverride); status != 200 || !strings.Contains(body, `"id":`) {
			t.Errorf("a last chunk of half a block: %d %s, want the video", status, body)
		}
	})

	t.Run("a last chunk of any size completes a small upload at once", func(t *testing.T) {
		url := session(t, e, "canal_tres")
		small := mp4(512, 11)
		if status, _, body := put(url, "bytes 0-511/512", small, noOverride); status != 200 || !strings.Contains(body, `"id":`) {
			t.Errorf("status %d body %s, want the video", status, body)
		}
	})

	t.Run("a body that is not the announced range is refused", func(t *testing.T) {
		url := session(t, e, "canal_uno")
		if status, _, _ := put(url, rng(0, block-1, "*"), media[:50], noOverride); status != 400 {
			t.Errorf("status %d, want 400", status)
		}
	})

	t.Run("a status query completes an upload whose bytes all arrived", func(t *testing.T) {
		url := session(t, e, "canal_dos")
		other := mp4(block, 9)
		put(url, rng(0, block-1, "*"), other, noOverride)
		if status, _, body := put(url, fmt.Sprintf("bytes */%d", block), nil, noOverride); status != 200 || !strings.Contains(body, `"id":`) {
			t.Errorf("status %d body %s, want the video", status, body)
		}
	})

	t.Run("a request without Content-Range sends the whole file", func(t *testing.T) {
		url := session(t, e, "canal_tres")
		status, _, body := raw(t, "PUT", url, "", map[string]string{"Content-Type": "video/mp4"}, mp4(2048, 12))
		if status != 200 || !strings.Contains(body, `"uploadStatus":"uploaded"`) {
			t.Errorf("status %d body %s, want the video", status, body)
		}
	})

	t.Run("an unknown session is a 404", func(t *testing.T) {
		if status, _, _ := put(e.base+"/upload/youtube/v3/videos?uploadType=resumable&upload_id=nope", "bytes */*", nil, noOverride); status != 404 {
			t.Errorf("status %d, want 404", status)
		}
	})

	t.Run("sessions expire after a week", func(t *testing.T) {
		url := session(t, e, "canal_uno")
		open := e.f.Sessions()
		e.clock.Advance(7 * 24 * time.Hour)
		if status, _, _ := put(url, "bytes */*", nil, noOverride); status != 404 {
			t.Errorf("status %d, want 404", status)
		}
		if e.f.Sessions() != 0 || open == 0 {
			t.Errorf("sessions = %d after expiry (%d before), want 0", e.f.Sessions(), open)
		}
	})

	t.Run("uploads are also served without the prefix", func(t *testing.T) {
		root := strings.TrimSuffix(e.base, "/youtube")
		status, h, body := raw(t, "POST", root+"/upload/youtube/v3/videos?part=snippet&uploadType=resumable",
			fake.AccessToken("canal_uno"), map[string]string{"Content-Type": "application/json"}, []byte(`{"snippet":{"title":"Raíz"}}`))
		if status != 200 || !strings.HasPrefix(h.Get("Location"), e.base+"/upload/") {
			t.Errorf("status %d Location %q body %s, want a session URL with the prefix", status, h.Get("Location"), body)
		}
		if status, _, _ := raw(t, "GET", root+"/youtube/v3/videos?id=x&part=id", fake.AccessToken("canal_uno"), nil, nil); status != 404 {
			t.Errorf("API path without the prefix: status %d, want 404", status)
		}
	})
}

func TestUploadOutcomes(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")

	// status reads a video's uploadStatus and its reason as the owner.
	status := func(t *testing.T, id string) string {
		t.Helper()
		res, err := e.svc.Videos.List([]string{"status"}).Id(id).Do()
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("list: %v %+v", err, res)
		}
		st := res.Items[0].Status
		return st.UploadStatus + "/" + st.FailureReason + st.RejectionReason
	}

	t.Run("the same bytes twice are uploaded, then rejected as a duplicate once processed", func(t *testing.T) {
		media := mp4(40<<10, 10)
		first, err := insert(e.svc, newVideo("Original"), media, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		second, err := insert(e.svc, newVideo("Copia"), media, 16<<10)
		if err != nil {
			t.Fatal(err)
		}
		// YouTube decides during processing: the insert's answer says
		// uploaded.
		if second.Status.UploadStatus != "uploaded" || second.Status.RejectionReason != "" {
			t.Errorf("second = %+v, want uploaded", second.Status)
		}
		if got := status(t, second.Id); got != "uploaded/" {
			t.Errorf("status while processing = %s, want uploaded/", got)
		}
		if got := e.f.Video(second.Id); got.UploadStatus != "uploaded" || got.RejectionReason != "" {
			t.Errorf("Video while processing = %+v, want uploaded", got)
		}
		e.clock.Advance(fake.DefaultProcessing)
		if got := status(t, second.Id); got != "rejected/duplicate" {
			t.Errorf("status once processed = %s, want rejected/duplicate", got)
		}
		if got := status(t, first.Id); got != "processed/" {
			t.Errorf("status of the original = %s, want processed/", got)
		}
		if got := e.f.Video(second.Id); got.RejectionReason != "duplicate" || got.SelfDeclaredMadeForKids == nil || *got.SelfDeclaredMadeForKids {
			t.Errorf("Video = %+v, want the duplicate, declared not for kids", got)
		}
		if got := e.f.Video("desconocido"); got.ID != "" {
			t.Errorf("Video of an unknown id = %+v, want zero", got)
		}
		if _, ok := e.f.Ledger().Get(fake.Network, second.Id); ok {
			t.Error("the duplicate is in the ledger")
		}
		if _, ok := e.f.Ledger().Get(fake.Network, first.Id); !ok {
			t.Error("the original left the ledger")
		}
		other := e.service(t, "canal_dos")
		if v, err := insert(other, newVideo("Otro canal"), media, 1<<20); err != nil || v.Status.UploadStatus != "uploaded" {
			t.Errorf("the same bytes on another channel: %v, %+v; want uploaded", err, v)
		}
	})

	t.Run("bytes that are not a video are uploaded, then fail with invalidFile once processed", func(t *testing.T) {
		junk := bytes.Repeat([]byte("no es un video "), 20000)
		v, err := insert(e.svc, newVideo("Basura"), junk, 256<<10)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status.UploadStatus != "uploaded" || v.Status.FailureReason != "" {
			t.Errorf("status = %+v, want uploaded", v.Status)
		}
		e.clock.Advance(fake.DefaultProcessing)
		if got := status(t, v.Id); got != "failed/invalidFile" {
			t.Errorf("status once processed = %s, want failed/invalidFile", got)
		}
		if _, ok := e.f.Ledger().Get(fake.Network, v.Id); ok {
			t.Error("the failed upload is in the ledger")
		}
	})

	t.Run("a QuickTime file is sniffed as such", func(t *testing.T) {
		mov := append(box("ftyp", []byte("qt  \x00\x00\x02\x00qt  ")), box("moov", box("mvhd", make([]byte, 100)))...)
		mov = append(mov, box("mdat", []byte(fmt.Sprint(time.Now().UnixNano())))...)
		v, err := insert(e.svc, newVideo("QuickTime"), mov, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := e.f.Ledger().Get(fake.Network, v.Id); !ok || p.Media[0].Type != "video/quicktime" {
			t.Errorf("post = %+v, %v; want video/quicktime", p, ok)
		}
	})

	t.Run("a scheduled video is private until publishAt, then public", func(t *testing.T) {
		at := t0.Add(time.Hour)
		meta := newVideo("Programado")
		meta.Status = &youtube.VideoStatus{PrivacyStatus: "private", PublishAt: at.Format(time.RFC3339)}
		v, err := insert(e.svc, meta, mp4(20<<10, 11), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status.PrivacyStatus != "private" || v.Status.PublishAt != "2026-11-27T13:00:00Z" {
			t.Errorf("status = %+v, want private with publishAt", v.Status)
		}
		if _, ok := e.f.Ledger().Get(fake.Network, v.Id); !ok {
			t.Error("the scheduled video is not in the ledger")
		}
		if got := e.f.Video(v.Id); got.PrivacyStatus != "private" || !got.PublishAt.Equal(at) || got.Title != "Programado" ||
			got.UploadStatus != "uploaded" || got.MIMEType != "video/mp4" || got.SelfDeclaredMadeForKids != nil {
			t.Errorf("Video = %+v, want private until %v", got, at)
		}
		e.clock.Set(at)
		if got := e.f.Video(v.Id); got.PrivacyStatus != "public" || !got.PublishAt.IsZero() {
			t.Errorf("Video at publishAt = %+v, want public", got)
		}
		res, err := e.staticService(t, "canal_uno").Videos.List([]string{"status"}).Id(v.Id).Do()
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("list: %v %+v", err, res)
		}
		if st := res.Items[0].Status; st.PrivacyStatus != "public" || st.PublishAt != "" {
			t.Errorf("status at publishAt = %+v, want public without publishAt", st)
		}
	})
}

func TestFinalizeFaults(t *testing.T) {
	finalChunk := "chunk bytes 524288-716799/716800"
	t.Run("a 5xx after the final chunk is stored: the client's retry gets the video", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpFinalize, Mode: fakenet.ModeError, Status: 503, Count: 1})
		v, err := insert(e.svc, newVideo("Final con 503"), mp4(size700K, 20), 256<<10)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"resumable /upload/youtube/v3/videos", "chunk bytes 0-262143/*", "chunk bytes 262144-524287/*", finalChunk, finalChunk}
		if got := e.log.uploads(); !slices.Equal(got, want) {
			t.Errorf("requests = %q, want %q: middle chunks untouched, the final one twice", got, want)
		}
		if posts := e.f.Ledger().Filter(fake.Network, ""); len(posts) != 1 || posts[0].RemoteID != v.Id {
			t.Errorf("posts = %+v, want only video %s", posts, v.Id)
		}
		if up, _ := e.f.Quota(); up != 1 {
			t.Errorf("%d inserts, want 1", up)
		}
	})
	t.Run("an error on every answer leaves the client without the video that exists", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpFinalize, Mode: fakenet.ModeError, Status: 404})
		_, err := insert(e.svc, newVideo("Final con 404"), mp4(size700K, 21), 256<<10)
		wantReason(t, err, 404, "notFound")
		if posts := e.f.Ledger().Filter(fake.Network, ""); len(posts) != 1 || posts[0].Text != "Final con 404" {
			t.Errorf("posts = %+v, want the video", posts)
		}
	})
	t.Run("a hang-up after the final chunk is stored: the retry gets the video", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpFinalize, Mode: fakenet.ModeDropAfterAccept, Count: 1})
		v, err := insert(e.svc, newVideo("Final colgado"), mp4(size700K, 22), 256<<10)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.log.uploads(); len(got) != 5 || got[3] != finalChunk || got[4] != finalChunk {
			t.Errorf("requests = %q, want the final chunk twice", got)
		}
		if posts := e.f.Ledger().Filter(fake.Network, ""); len(posts) != 1 || posts[0].RemoteID != v.Id {
			t.Errorf("posts = %+v, want only video %s", posts, v.Id)
		}
	})
	t.Run("a one-request upload is not finalized", func(t *testing.T) {
		e := newEnv(t, fake.Options{}, "canal_uno")
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpFinalize, Mode: fakenet.ModeError, Status: 503})
		v, err := insert(e.svc, newVideo("Corto"), mp4(30<<10, 23), 1<<20)
		if err != nil {
			t.Fatalf("multipart upload: %v", err)
		}
		if rules := e.f.Faults().Rules(); len(rules) != 1 {
			t.Errorf("rules = %+v, want the finalize rule unused", rules)
		}
		if _, ok := e.f.Ledger().Get(fake.Network, v.Id); !ok {
			t.Error("the video is not in the ledger")
		}
	})
}

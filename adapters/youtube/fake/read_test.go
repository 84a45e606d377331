package fake_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/youtube/v3"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/youtube/fake"
)

func TestPlaylistItems(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	var want []string
	for i := range 7 {
		v := mustInsert(t, svc, fmt.Sprintf("video %d", i), uint64(300+i))
		want = append([]string{v.Id}, want...) // newest first
		e.clock.Advance(time.Minute)
	}
	page := func(svc *youtube.Service, token string) *youtube.PlaylistItemListResponse {
		t.Helper()
		res, err := svc.PlaylistItems.List([]string{"snippet", "status"}).PlaylistId(fake.UploadsPlaylist("canal_uno")).
			MaxResults(3).PageToken(token).Do()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	t.Run("pages of three, newest first, until nextPageToken is empty", func(t *testing.T) {
		var got []string
		var sizes []int
		token := ""
		for range 5 {
			res := page(svc, token)
			sizes = append(sizes, len(res.Items))
			for _, it := range res.Items {
				got = append(got, it.Snippet.ResourceId.VideoId)
				if it.Status.PrivacyStatus != "public" || it.Snippet.PlaylistId != fake.UploadsPlaylist("canal_uno") {
					t.Errorf("item = %+v %+v", it.Snippet, it.Status)
				}
			}
			if token = res.NextPageToken; token == "" {
				break
			}
		}
		if !slices.Equal(got, want) || !slices.Equal(sizes, []int{3, 3, 1}) {
			t.Errorf("ids = %v in pages %v, want %v in 3, 3, 1", got, sizes, want)
		}
	})
	t.Run("a page token stays valid while videos are added", func(t *testing.T) {
		first := page(svc, "")
		mustInsert(t, svc, "nuevo", 399)
		second := page(svc, first.NextPageToken)
		if second.Items[0].Snippet.ResourceId.VideoId != want[3] {
			t.Errorf("second page starts with %s, want %s", second.Items[0].Snippet.ResourceId.VideoId, want[3])
		}
	})
	t.Run("another channel does not see private videos", func(t *testing.T) {
		meta := newVideo("privado")
		meta.Status.PrivacyStatus = "private"
		priv, err := insert(svc, meta, mp4(20<<10, 398), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		res := page(e.staticService(t, "canal_dos"), "")
		for _, it := range res.Items {
			if it.Snippet.ResourceId.VideoId == priv.Id {
				t.Error("the private video is listed to another channel")
			}
		}
		if own := page(svc, ""); own.Items[0].Snippet.ResourceId.VideoId != priv.Id {
			t.Error("the owner does not see its private video first")
		}
	})
	t.Run("an unknown playlist is playlistNotFound", func(t *testing.T) {
		_, err := svc.PlaylistItems.List([]string{"snippet"}).PlaylistId("UUnadie").Do()
		wantReason(t, err, 404, "playlistNotFound")
	})
	t.Run("a bad page token is refused", func(t *testing.T) {
		_, err := svc.PlaylistItems.List([]string{"snippet"}).PlaylistId(fake.UploadsPlaylist("canal_uno")).PageToken("??").Do()
		wantReason(t, err, 400, "invalidPageToken")
	})
}

func TestPlaylistLag(t *testing.T) {
	e := newEnv(t, fake.Options{PlaylistLag: 5 * time.Minute}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	old := mustInsert(t, svc, "antiguo", 600)
	e.clock.Advance(10 * time.Minute)
	fresh := mustInsert(t, svc, "reciente", 601)
	listed := func() []string {
		t.Helper()
		res, err := svc.PlaylistItems.List([]string{"snippet"}).PlaylistId(fake.UploadsPlaylist("canal_uno")).MaxResults(50).Do()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range res.Items {
			ids = append(ids, it.Snippet.ResourceId.VideoId)
		}
		return ids
	}
	if got := listed(); !slices.Equal(got, []string{old.Id}) {
		t.Errorf("playlist right after the upload = %v, want only the older %s", got, old.Id)
	}
	if res, err := svc.Videos.List([]string{"id"}).Id(fresh.Id).Do(); err != nil || len(res.Items) != 1 {
		t.Errorf("videos.list of the new video: %v %+v, want it found at once", err, res)
	}
	e.clock.Advance(5*time.Minute - time.Second)
	if got := listed(); len(got) != 1 {
		t.Errorf("playlist a second before the lag = %v, want one video", got)
	}
	e.clock.Advance(time.Second)
	if got := listed(); !slices.Equal(got, []string{fresh.Id, old.Id}) {
		t.Errorf("playlist after the lag = %v, want %s then %s", got, fresh.Id, old.Id)
	}
}

func TestVideosList(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	a := mustInsert(t, svc, "uno", 500)
	b := mustInsert(t, svc, "dos", 501)
	e.clock.Advance(10 * time.Minute)

	// Processed 2 s after the upload, public since: 9 whole minutes.
	want := fake.VideoStatistics(a.Id, 10*time.Minute-2*time.Second)
	t.Run("statistics are strings on the wire", func(t *testing.T) {
		status, _, body := raw(t, "GET", e.base+"/youtube/v3/videos?alt=json&id="+a.Id+"&part=statistics&prettyPrint=false",
			fake.AccessToken("canal_uno"), nil, nil)
		re := regexp.MustCompile(fmt.Sprintf(`"statistics":\{"viewCount":"%d","likeCount":"%d","favoriteCount":"0","commentCount":"%d"\}`,
			want.Views, want.Likes, want.Comments))
		if status != 200 || !re.MatchString(body) || want.Views < 9 {
			t.Errorf("status %d body %s, want string counts %+v (9 minutes public)", status, body, want)
		}
	})
	t.Run("the client reads ids comma-joined or repeated, with the parts asked for", func(t *testing.T) {
		res, err := svc.Videos.List([]string{"snippet", "status", "statistics", "processingDetails"}).Id(a.Id, b.Id, "desconocido").Do()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 2 || res.Items[0].Id != a.Id || res.Items[1].Id != b.Id {
			t.Fatalf("items = %+v", res.Items)
		}
		v := res.Items[0]
		if v.Statistics.ViewCount != uint64(want.Views) || v.Status.UploadStatus != "processed" || v.ProcessingDetails.ProcessingStatus != "succeeded" ||
			!slices.Equal(v.Snippet.Tags, []string{"pregonero-uno"}) || v.Snippet.ChannelTitle != "canal_uno" {
			t.Errorf("video = %+v %+v %+v %+v", v.Statistics, v.Status, v.ProcessingDetails, v.Snippet)
		}
		status, _, body := raw(t, "GET", e.base+"/youtube/v3/videos?id="+a.Id+"&id="+b.Id+"&part=id", fake.AccessToken("canal_uno"), nil, nil)
		if status != 200 || strings.Count(body, `"kind":"youtube#video"`) != 2 || strings.Contains(body, `"snippet"`) {
			t.Errorf("repeated ids: status %d body %s", status, body)
		}
	})
	t.Run("another channel sees no tags", func(t *testing.T) {
		res, err := e.staticService(t, "canal_dos").Videos.List([]string{"snippet"}).Id(a.Id).Do()
		if err != nil || len(res.Items) != 1 || res.Items[0].Snippet.Tags != nil {
			t.Errorf("list: %v %+v", err, res)
		}
	})
	t.Run("an unknown part is refused", func(t *testing.T) {
		_, err := svc.Videos.List([]string{"everything"}).Id(a.Id).Do()
		wantReason(t, err, 400, "unknownPart")
	})
	t.Run("maxResults is refused with id", func(t *testing.T) {
		_, err := svc.Videos.List([]string{"id"}).Id(a.Id, b.Id).MaxResults(50).Do()
		wantReason(t, err, 400, "incompatibleParameters")
	})
	t.Run("a list fault answers the rule's status with its reason", func(t *testing.T) {
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpList, Mode: fakenet.ModeError, Status: 429, Count: 1})
		_, err := svc.Videos.List([]string{"id"}).Id(a.Id).Do()
		wantReason(t, err, 429, "rateLimitExceeded")
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpList, Mode: fakenet.ModeError, Status: 500, Count: 1})
		_, err = svc.Videos.List([]string{"id"}).Id(a.Id).Do()
		wantReason(t, err, 500, "internalError")
	})
}

func TestThumbnails(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	v := mustInsert(t, svc, "con miniatura", 600)

	t.Run("a JPEG is set and recorded", func(t *testing.T) {
		img := jpegBytes(t)
		res, err := svc.Thumbnails.Set(v.Id).Media(bytes.NewReader(img)).Do()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 || !strings.Contains(res.Items[0].Default.Url, v.Id) {
			t.Errorf("answer = %+v", res)
		}
		if mime, size, ok := e.f.Thumbnail(v.Id); !ok || mime != "image/jpeg" || size != int64(len(img)) {
			t.Errorf("thumbnail = %q %d %v", mime, size, ok)
		}
	})
	t.Run("a PNG is set as raw media too", func(t *testing.T) {
		status, _, body := raw(t, "POST", e.base+"/upload/youtube/v3/thumbnails/set?uploadType=media&videoId="+v.Id,
			fake.AccessToken("canal_uno"), map[string]string{"Content-Type": "image/png"}, pngBytes(t))
		if mime, _, _ := e.f.Thumbnail(v.Id); status != 200 || mime != "image/png" {
			t.Errorf("status %d body %s thumbnail %s", status, body, mime)
		}
	})
	t.Run("an image larger than a chunk goes through a resumable session", func(t *testing.T) {
		img := append(jpegBytes(t), make([]byte, 300<<10)...) // bytes after the JPEG's end are ignored
		e.log.reset()
		res, err := svc.Thumbnails.Set(v.Id).Media(bytes.NewReader(img), googleapi.ChunkSize(256<<10)).Do()
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("set: %v %+v", err, res)
		}
		if got := e.log.uploads(); len(got) != 3 || got[0] != "resumable /upload/youtube/v3/thumbnails/set" {
			t.Errorf("requests = %q, want an initiation and two chunks", got)
		}
		if mime, size, _ := e.f.Thumbnail(v.Id); mime != "image/jpeg" || size != int64(len(img)) {
			t.Errorf("thumbnail = %s %d, want image/jpeg %d", mime, size, len(img))
		}
	})
	t.Run("a GIF is invalidImage", func(t *testing.T) {
		_, err := svc.Thumbnails.Set(v.Id).Media(bytes.NewReader(gifBytes(t))).Do()
		wantReason(t, err, 400, "invalidImage")
	})
	t.Run("an image of 3 MB is set: the limit is 50 MB since 2026-09", func(t *testing.T) {
		img := append(jpegBytes(t), make([]byte, 3<<20)...)
		if _, err := svc.Thumbnails.Set(v.Id).Media(bytes.NewReader(img)).Do(); err != nil {
			t.Fatal(err)
		}
		if _, size, _ := e.f.Thumbnail(v.Id); size != int64(len(img)) {
			t.Errorf("thumbnail size = %d, want %d", size, len(img))
		}
	})
	t.Run("an image of exactly 50 MB is set and one byte more is refused", func(t *testing.T) {
		img := append(jpegBytes(t), make([]byte, fake.MaxThumbnailBytes-len(jpegBytes(t)))...)
		if len(img) != 52428800 {
			t.Fatalf("image of %d bytes, want 52428800", len(img))
		}
		if _, err := svc.Thumbnails.Set(v.Id).Media(bytes.NewReader(img)).Do(); err != nil {
			t.Fatalf("50 MB: %v", err)
		}
		_, err := svc.Thumbnails.Set(v.Id).Media(bytes.NewReader(append(img, 0))).Do()
		wantReason(t, err, 400, "invalidImage")
	})
	t.Run("a video of another channel is forbidden", func(t *testing.T) {
		_, err := e.staticService(t, "canal_dos").Thumbnails.Set(v.Id).Media(bytes.NewReader(jpegBytes(t))).Do()
		wantReason(t, err, 403, "forbidden")
	})
	t.Run("an unknown video is videoNotFound", func(t *testing.T) {
		_, err := svc.Thumbnails.Set("desconocido").Media(bytes.NewReader(jpegBytes(t))).Do()
		wantReason(t, err, 404, "videoNotFound")
	})
	t.Run("each call costs 50 units", func(t *testing.T) {
		if _, units := e.f.Quota(); units != 9*50 {
			t.Errorf("units = %d, want 450", units)
		}
	})
}

func TestDelete(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	v := mustInsert(t, svc, "para borrar", 700)

	t.Run("another channel may not delete it", func(t *testing.T) {
		wantReason(t, e.staticService(t, "canal_dos").Videos.Delete(v.Id).Do(), 403, "forbidden")
	})
	t.Run("the owner deletes it with a 204 and it leaves the ledger", func(t *testing.T) {
		status, _, body := raw(t, "DELETE", e.base+"/youtube/v3/videos?id="+v.Id, fake.AccessToken("canal_uno"), nil, nil)
		if status != http.StatusNoContent || body != "" {
			t.Errorf("status %d body %q, want 204", status, body)
		}
		if _, ok := e.f.Ledger().Get(fake.Network, v.Id); ok {
			t.Error("still in the ledger")
		}
		res, err := svc.Videos.List([]string{"id"}).Id(v.Id).Do()
		if err != nil || len(res.Items) != 0 {
			t.Errorf("list: %v %+v, want no items", err, res)
		}
	})
	t.Run("deleting it again is videoNotFound", func(t *testing.T) {
		wantReason(t, svc.Videos.Delete(v.Id).Do(), 404, "videoNotFound")
	})
	t.Run("the client's Delete succeeds", func(t *testing.T) {
		w := mustInsert(t, svc, "otro", 701)
		if err := svc.Videos.Delete(w.Id).Do(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a delete fault is injected", func(t *testing.T) {
		w := mustInsert(t, svc, "tercero", 702)
		e.f.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpDelete, Mode: fakenet.ModeError, Status: 503, Count: 1})
		wantReason(t, svc.Videos.Delete(w.Id).Do(), 503, "backendError")
		if _, ok := e.f.Ledger().Get(fake.Network, w.Id); !ok {
			t.Error("a failed delete removed the video")
		}
	})
}

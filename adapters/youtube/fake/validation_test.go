package fake_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/api/youtube/v3"

	"pregonero/adapters/youtube/fake"
)

// tags returns n tags of one character each, which take 2n-1
// characters with the commas between them.
func tags(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "x"
	}
	return out
}

func TestValidation(t *testing.T) {
	e := newEnv(t, fake.Options{}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	future := t0.Add(24 * time.Hour).Format(time.RFC3339)
	past := t0.Add(-time.Minute).Format(time.RFC3339)
	cases := []struct {
		name   string
		edit   func(v *youtube.Video)
		reason string // "" when the metadata is valid
	}{
		{"empty title", func(v *youtube.Video) { v.Snippet.Title = "" }, "invalidTitle"},
		{"blank title", func(v *youtube.Video) { v.Snippet.Title = "   " }, "invalidTitle"},
		{"title of 101 characters", func(v *youtube.Video) { v.Snippet.Title = strings.Repeat("ñ", 101) }, "invalidTitle"},
		{"title of 100 characters", func(v *youtube.Video) { v.Snippet.Title = strings.Repeat("ñ", 100) }, ""},
		{"title with <", func(v *youtube.Video) { v.Snippet.Title = "a < b" }, "invalidTitle"},
		{"title with >", func(v *youtube.Video) { v.Snippet.Title = "a > b" }, "invalidTitle"},
		{"description of 5,001 bytes", func(v *youtube.Video) { v.Snippet.Description = strings.Repeat("é", 2500) + "x" }, "invalidDescription"},
		{"description of 5,000 bytes", func(v *youtube.Video) { v.Snippet.Description = strings.Repeat("é", 2500) }, ""},
		{"description with >", func(v *youtube.Video) { v.Snippet.Description = "ver -> aquí" }, "invalidDescription"},
		{"tags of 501 characters", func(v *youtube.Video) { v.Snippet.Tags = append(tags(249), "xxx") }, "invalidTags"},
		{"tags of 500 characters", func(v *youtube.Video) { v.Snippet.Tags = append(tags(249), "xx") }, ""},
		{"a space makes a tag count its quotes", func(v *youtube.Video) {
			v.Snippet.Tags = []string{strings.Repeat("a", 248) + " " + strings.Repeat("b", 250)}
		}, "invalidTags"},
		{"unknown category", func(v *youtube.Video) { v.Snippet.CategoryId = "99" }, "invalidCategoryId"},
		{"unassignable category", func(v *youtube.Video) { v.Snippet.CategoryId = "18" }, "invalidCategoryId"},
		{"no category", func(v *youtube.Video) { v.Snippet.CategoryId = "" }, ""},
		{"unknown privacy status", func(v *youtube.Video) { v.Status.PrivacyStatus = "secret" }, "invalidVideoMetadata"},
		{"publishAt in the past", func(v *youtube.Video) { v.Status.PrivacyStatus, v.Status.PublishAt = "private", past }, "invalidPublishAt"},
		{"publishAt on a public video", func(v *youtube.Video) { v.Status.PublishAt = future }, "invalidPublishAt"},
		{"publishAt that is not RFC 3339", func(v *youtube.Video) { v.Status.PrivacyStatus, v.Status.PublishAt = "private", "mañana" }, "invalidPublishAt"},
		{"private with publishAt in the future", func(v *youtube.Video) { v.Status.PrivacyStatus, v.Status.PublishAt = "private", future }, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVideo("válido")
			v.Snippet.Tags = nil
			c.edit(v)
			got, err := insert(svc, v, mp4(20<<10, uint64(100+i)), 1<<20)
			if c.reason == "" {
				if err != nil || got.Status.UploadStatus != "uploaded" {
					t.Errorf("insert: %v, want it accepted", err)
				}
				return
			}
			wantReason(t, err, 400, c.reason)
		})
	}

	t.Run("a resumable upload is refused at initiation and opens no session", func(t *testing.T) {
		v := newVideo("a < b")
		e.log.reset()
		_, err := insert(svc, v, mp4(600<<10, 200), 256<<10)
		wantReason(t, err, 400, "invalidTitle")
		if got := e.log.uploads(); len(got) != 1 || e.f.Sessions() != 0 {
			t.Errorf("requests = %q, sessions = %d; want only the initiation", got, e.f.Sessions())
		}
	})

	t.Run("properties of parts not named are ignored", func(t *testing.T) {
		v := newVideo("Sin status")
		v.Status.PrivacyStatus = "secret"
		got, err := svc.Videos.Insert([]string{"snippet"}, v).Media(strings.NewReader(string(mp4(20<<10, 201)))).Do()
		if err != nil || got.Status != nil {
			t.Fatalf("insert: %v %+v, want accepted with no status part", err, got)
		}
		res, err := svc.Videos.List([]string{"status"}).Id(got.Id).Do()
		if err != nil || res.Items[0].Status.PrivacyStatus != "public" {
			t.Errorf("privacy = %+v, %v; want the default public", res, err)
		}
	})

	t.Run("a missing part parameter is required", func(t *testing.T) {
		status, _, body := raw(t, "POST", e.base+"/upload/youtube/v3/videos?uploadType=resumable", fake.AccessToken("canal_uno"),
			map[string]string{"Content-Type": "application/json"}, []byte(`{"snippet":{"title":"x"}}`))
		if status != 400 || !strings.Contains(body, `"reason":"required"`) {
			t.Errorf("status %d body %s", status, body)
		}
	})
}

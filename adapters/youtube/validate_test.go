package youtube_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/youtube"
)

func TestTagsLengthFollowsYouTubesRule(t *testing.T) {
	cases := []struct {
		tags []string
		want int
	}{
		{nil, 0},
		{[]string{"Foo-Baz"}, 7},
		{[]string{"Foo Baz"}, 9},
		{[]string{"Foo-Baz", "Foo Baz"}, 7 + 1 + 9},
		{[]string{"año", "b"}, 3 + 1 + 1},
	}
	for _, tc := range cases {
		if got := youtube.TagsLength(tc.tags); got != tc.want {
			t.Errorf("TagsLength(%q) = %d, want %d", tc.tags, got, tc.want)
		}
	}
}

// tagsOfLength returns tags whose length with the marker tag of marker is
// exactly n: one tag with a space (its quotes count) and one filler.
func tagsOfLength(t *testing.T, marker string, n int) []string {
	t.Helper()
	base := []string{"gobierno abierto"}
	used := youtube.TagsLength(append(append([]string{}, base...), youtube.MarkerTag(marker))) + 1 // comma before the filler
	filler := strings.Repeat("x", n-used)
	tags := append(base, filler)
	if got := youtube.TagsLength(append(append([]string{}, tags...), youtube.MarkerTag(marker))); got != n {
		t.Fatalf("built tags of length %d, want %d", got, n)
	}
	return tags
}

func TestValidateAcceptsContentAtTheLimits(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("limits")
	c := content(t, strings.Repeat("é", youtube.MaxTitleChars), 2000, "limits")
	c.Description = strings.Repeat("ñ", youtube.MaxDescriptionBytes/2) // two bytes each
	c.Tags = tagsOfLength(t, c.Marker, youtube.MaxTagsChars)
	thumb := adaptertest.ImageBlob(t, "image/jpeg", 64, 36, "")
	c.Thumbnail = &thumb
	c.PublishAt = start.Add(time.Hour)
	c.Category, c.Language = "29", "es-419"
	if errs := e.adapter.Validate(c, a); len(errs) != 0 {
		t.Fatalf("got errors %+v, want none", errs)
	}
	// The fake, which applies YouTube's rules, agrees.
	if _, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

func TestValidateRefusesEachRule(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("rules")
	valid := func() pregonero.Content { return content(t, "Un título válido", 2000, "rules") }
	image := adaptertest.ImageBlob(t, "image/png", 64, 48, "")
	gif := adaptertest.Blob("anim.gif", "image/gif", []byte("GIF89a...."), 1, 1, "")
	big := adaptertest.Blob("big.jpg", "image/jpeg", make([]byte, youtube.MaxThumbnailBytes+1), 1, 1, "")
	cases := []struct {
		name   string
		edit   func(c *pregonero.Content)
		field  string
		code   string
		limit  any
		actual any
	}{
		{"title of 101 characters", func(c *pregonero.Content) { c.Title = strings.Repeat("a", 101) },
			"title", pregonero.FieldTooLong, 100, 101},
		{"title with <", func(c *pregonero.Content) { c.Title = "Gobierno <en vivo>" },
			"title", pregonero.FieldInvalid, nil, nil},
		{"empty title", func(c *pregonero.Content) { c.Title = "  " },
			"title", pregonero.FieldRequired, 100, 0},
		{"description of 5,001 bytes", func(c *pregonero.Content) { c.Description = strings.Repeat("ñ", 2500) + "a" },
			"description", pregonero.FieldTooLong, 5000, 5001},
		{"description with >", func(c *pregonero.Content) { c.Description = "a > b" },
			"description", pregonero.FieldInvalid, nil, nil},
		{"text used as description with >", func(c *pregonero.Content) { c.Text = "a > b" },
			"text", pregonero.FieldInvalid, nil, nil},
		{"tags of 501 characters counting quotes and the marker", func(c *pregonero.Content) { c.Tags = tagsOfLength(t, c.Marker, 501) },
			"tags", pregonero.FieldTooLong, 500, 501},
		{"publication time in the past", func(c *pregonero.Content) { c.PublishAt = start.Add(-time.Second) },
			"publish_at", pregonero.FieldInPast, nil, nil},
		{"no video", func(c *pregonero.Content) { c.Media = nil },
			"media", pregonero.FieldRequired, 1, 0},
		{"two videos", func(c *pregonero.Content) { c.Media = append(c.Media, videoBlob(t, 3000, "second")) },
			"media", pregonero.FieldTooMany, 1, 2},
		{"an image", func(c *pregonero.Content) { c.Media = []pregonero.MediaBlob{image} },
			"media[0]", pregonero.FieldUnsupported, "video/*", "image/png"},
		{"made for kids unanswered", func(c *pregonero.Content) { c.MadeForKids = nil },
			"made_for_kids", pregonero.FieldRequired, nil, nil},
		{"unknown category", func(c *pregonero.Content) { c.Category = "18" },
			"category", pregonero.FieldUnknown, nil, "18"},
		{"malformed language", func(c *pregonero.Content) { c.Language = "español" },
			"language", pregonero.FieldInvalid, nil, "español"},
		{"GIF thumbnail", func(c *pregonero.Content) { c.Thumbnail = &gif },
			"thumbnail", pregonero.FieldUnsupported, "image/jpeg, image/png", "image/gif"},
		{"thumbnail over 50 MB", func(c *pregonero.Content) { c.Thumbnail = &big },
			"thumbnail", pregonero.FieldTooLarge, youtube.MaxThumbnailBytes, int64(youtube.MaxThumbnailBytes + 1)},
		{"story", func(c *pregonero.Content) { c.Format = pregonero.FormatStory },
			"format", pregonero.FieldUnsupported, nil, pregonero.FormatStory},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.edit(&c)
			errs := e.adapter.Validate(c, a)
			if len(errs) != 1 {
				t.Fatalf("got errors %+v, want exactly one about %s", errs, tc.field)
			}
			fe := errs[0]
			if fe.Field != tc.field || fe.Code != tc.code {
				t.Errorf("got %s/%s, want %s/%s", fe.Field, fe.Code, tc.field, tc.code)
			}
			if fmt.Sprint(fe.Limit) != fmt.Sprint(tc.limit) || fmt.Sprint(fe.Actual) != fmt.Sprint(tc.actual) {
				t.Errorf("got limit %v and actual %v, want %v and %v", fe.Limit, fe.Actual, tc.limit, tc.actual)
			}
			if fe.Target != a.ID || fe.Message == "" {
				t.Errorf("got target %q and message %q, want %q and a message", fe.Target, fe.Message, a.ID)
			}
			switch tc.code {
			case pregonero.FieldTooLong, pregonero.FieldTooMany, pregonero.FieldTooLarge:
				if !strings.Contains(fe.Message, fmt.Sprint(tc.limit)) {
					t.Errorf("got message %q, want it to name the limit %v", fe.Message, tc.limit)
				}
			}

			// Publish refuses it too, before anything is sent (a past
			// publication time aside: it publishes at once).
			if tc.field == "publish_at" {
				return
			}
			_, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
			pe := adaptertest.WantClass(t, err, pregonero.ClassPermanent)
			if pe.Code != "youtube_invalid" {
				t.Errorf("got code %q, want youtube_invalid", pe.Code)
			}
		})
	}
	if posts := e.posts("rules"); len(posts) != 0 {
		t.Errorf("got %d posts, want none", len(posts))
	}
	if uploads, _, _ := e.adapter.QuotaUsage("sandbox-client"); uploads != 0 {
		t.Errorf("got %d uploads counted, want none", uploads)
	}
}

func TestValidateMessageNamesTheMarkerTag(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("marker")
	c := content(t, "Marker", 2000, "marker")
	c.Tags = tagsOfLength(t, c.Marker, 520)
	errs := e.adapter.Validate(c, a)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, youtube.MarkerTag(c.Marker)) {
		t.Errorf("got %+v, want the message to name the hidden marker tag", errs)
	}
}

// TestValidateReservesTheMarkerTagBeforeThereIsADelivery: content checked
// when its post is created has no marker yet; it must fit with the marker
// tag its delivery's id makes, as it is checked again when sent.
func TestValidateReservesTheMarkerTagBeforeThereIsADelivery(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("reserve")
	marker := pregonero.NewID("d", start)
	for _, n := range []int{youtube.MaxTagsChars, youtube.MaxTagsChars + 1} {
		sent := content(t, "Reserve", 2000, "reserve")
		sent.Marker = marker
		sent.Tags = tagsOfLength(t, marker, n)
		created := sent
		created.Marker = ""
		errsSent, errsCreated := e.adapter.Validate(sent, a), e.adapter.Validate(created, a)
		if len(errsSent) != len(errsCreated) {
			t.Errorf("tags of %d with the marker: got %+v when sent and %+v when created, want the same", n, errsSent, errsCreated)
		}
		if wantErr := n > youtube.MaxTagsChars; (len(errsCreated) > 0) != wantErr {
			t.Errorf("tags of %d with the marker: got %+v when created, want an error %v", n, errsCreated, wantErr)
		}
		if len(errsCreated) == 1 && (errsCreated[0].Field != "tags" || !strings.Contains(errsCreated[0].Message, "reserved")) {
			t.Errorf("got %+v, want the tags refused, naming the reserved characters", errsCreated[0])
		}
	}
}

package facebook_test

import (
	"fmt"
	"strings"
	"testing"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/facebook"
)

func TestComposeMessage(t *testing.T) {
	img := adaptertest.ImageBlob(t, "image/png", 8, 8, "")
	for _, tt := range []struct {
		name string
		c    pregonero.Content
		want string
	}{
		{"text only", pregonero.Content{Text: "  Hola  "}, "Hola"},
		{"text post keeps the link apart", pregonero.Content{Text: "Hola", Link: "https://a.example/x"}, "Hola"},
		{"link alone becomes the message", pregonero.Content{Link: "https://a.example/x"}, "https://a.example/x"},
		{"media post appends the link", pregonero.Content{Text: "Hola", Link: "https://a.example/x", Media: []pregonero.MediaBlob{img}}, "Hola\n\nhttps://a.example/x"},
		{"media post with the link in the text", pregonero.Content{Text: "Ver https://a.example/x hoy", Link: "https://a.example/x", Media: []pregonero.MediaBlob{img}}, "Ver https://a.example/x hoy"},
		{"media post without text", pregonero.Content{Link: "https://a.example/x", Media: []pregonero.MediaBlob{img}}, "https://a.example/x"},
		{"media only", pregonero.Content{Media: []pregonero.MediaBlob{img}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := facebook.ComposeMessage(tt.c); got != tt.want {
				t.Errorf("ComposeMessage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	a := facebook.New(facebook.Config{Logger: discard})
	n, limit := a.Measure(pregonero.Content{Text: "ñandú 🎉"})
	if n != 7 || limit != facebook.MaxMessageChars {
		t.Errorf("Measure = %d, %d; want 7, %d", n, limit, facebook.MaxMessageChars)
	}
}

// only returns the single error about field, failing otherwise.
func only(t *testing.T, errs []pregonero.FieldError, field string) pregonero.FieldError {
	t.Helper()
	var found []pregonero.FieldError
	for _, e := range errs {
		if e.Field == field {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got errors %+v, want one about %q", errs, field)
	}
	if found[0].Target != "fb-page" || found[0].Message == "" {
		t.Errorf("got target %q message %q, want target fb-page and a message", found[0].Target, found[0].Message)
	}
	return found[0]
}

func TestValidate(t *testing.T) {
	a := facebook.New(facebook.Config{Logger: discard})
	acct := &pregonero.Account{ID: "fb-page", Network: pregonero.NetworkFacebook}
	png := adaptertest.ImageBlob(t, "image/png", 16, 16, "alt")
	video := adaptertest.Blob("clip.mp4", "video/mp4", []byte("\x00\x00\x00\x18ftypmp42"), 0, 0, "")
	big := func(mime string, size int64) pregonero.MediaBlob {
		b := adaptertest.Blob("f", mime, []byte("x"), 0, 0, "")
		b.Size = size
		return b
	}
	images := func(n int) []pregonero.MediaBlob {
		out := make([]pregonero.MediaBlob, n)
		for i := range out {
			out[i] = png
		}
		return out
	}

	t.Run("accepted", func(t *testing.T) {
		for name, c := range map[string]pregonero.Content{
			"text":                  {Text: "Hola"},
			"link":                  {Link: "https://a.example"},
			"ten images":            {Text: "x", Media: images(10)},
			"media only":            {Media: images(1)},
			"video with title":      {Text: "x", Title: "Clip", Media: []pregonero.MediaBlob{video}},
			"video with title only": {Title: "Clip", Media: []pregonero.MediaBlob{video}},
			"video with text only":  {Text: "x", Media: []pregonero.MediaBlob{video}},
			"video with a link":     {Link: "https://a.example", Media: []pregonero.MediaBlob{video}},
			"feed format":           {Text: "x", Format: pregonero.FormatFeed},
			"10 MiB image":          {Media: []pregonero.MediaBlob{big("image/webp", facebook.MaxImageBytes)}},
			"message at the limit":  {Text: strings.Repeat("é", facebook.MaxMessageChars)},
		} {
			if errs := a.Validate(c, acct); len(errs) != 0 {
				t.Errorf("%s: got errors %+v, want none", name, errs)
			}
		}
	})
	t.Run("empty", func(t *testing.T) {
		e := only(t, a.Validate(pregonero.Content{Text: "  "}, acct), "text")
		if e.Code != pregonero.FieldRequired {
			t.Errorf("code = %q, want %q", e.Code, pregonero.FieldRequired)
		}
	})
	t.Run("message too long counts the appended link", func(t *testing.T) {
		c := pregonero.Content{Text: strings.Repeat("a", facebook.MaxMessageChars-5), Link: "https://a.example", Media: images(1)}
		e := only(t, a.Validate(c, acct), "text")
		if e.Code != pregonero.FieldTooLong || e.Limit != facebook.MaxMessageChars || e.Actual != facebook.MaxMessageChars-5+2+len("https://a.example") {
			t.Errorf("got %+v, want too_long with limit %d", e, facebook.MaxMessageChars)
		}
	})
	t.Run("too many images", func(t *testing.T) {
		e := only(t, a.Validate(pregonero.Content{Media: images(11)}, acct), "media")
		if e.Code != pregonero.FieldTooMany || e.Limit != facebook.MaxImages || e.Actual != 11 || !strings.Contains(e.Message, "Pregonero") {
			t.Errorf("got %+v, want too_many 10/11 naming Pregonero's limit", e)
		}
	})
	t.Run("image too large", func(t *testing.T) {
		e := only(t, a.Validate(pregonero.Content{Media: []pregonero.MediaBlob{big("image/jpeg", facebook.MaxImageBytes+1)}}, acct), "media[0]")
		if e.Code != pregonero.FieldTooLarge || e.Limit != int64(facebook.MaxImageBytes) {
			t.Errorf("got %+v, want too_large", e)
		}
	})
	t.Run("video too large", func(t *testing.T) {
		e := only(t, a.Validate(pregonero.Content{Media: []pregonero.MediaBlob{big("video/mp4", facebook.MaxVideoBytes+1)}}, acct), "media[0]")
		if e.Code != pregonero.FieldTooLarge {
			t.Errorf("got %+v, want too_large", e)
		}
	})
	t.Run("unsupported type", func(t *testing.T) {
		e := only(t, a.Validate(pregonero.Content{Media: []pregonero.MediaBlob{big("image/tiff", 10)}}, acct), "media[0]")
		if e.Code != pregonero.FieldUnsupported {
			t.Errorf("got %+v, want unsupported", e)
		}
	})
	t.Run("video mixed with images", func(t *testing.T) {
		e := only(t, a.Validate(pregonero.Content{Media: []pregonero.MediaBlob{video, png}}, acct), "media")
		if e.Code != pregonero.FieldInvalid {
			t.Errorf("got %+v, want invalid", e)
		}
	})
	t.Run("two videos", func(t *testing.T) {
		only(t, a.Validate(pregonero.Content{Media: []pregonero.MediaBlob{video, video}}, acct), "media")
	})
	for _, f := range []string{pregonero.FormatReel, pregonero.FormatStory} {
		t.Run(fmt.Sprintf("format %s", f), func(t *testing.T) {
			e := only(t, a.Validate(pregonero.Content{Text: "x", Format: f, Media: []pregonero.MediaBlob{video}}, acct), "format")
			if e.Code != pregonero.FieldUnsupported {
				t.Errorf("got %+v, want unsupported", e)
			}
			if f == pregonero.FormatReel && !strings.Contains(e.Message, "reels") {
				t.Errorf("message %q does not say reels are not supported", e.Message)
			}
		})
	}
	t.Run("video without text or title", func(t *testing.T) {
		e := only(t, a.Validate(pregonero.Content{Title: "  ", Media: []pregonero.MediaBlob{video}}, acct), "title")
		if e.Code != pregonero.FieldRequired || !strings.Contains(e.Message, "found again") {
			t.Errorf("got %+v, want required, saying the title or text is how the post is found again", e)
		}
	})
	t.Run("title without video", func(t *testing.T) {
		e := only(t, a.Validate(pregonero.Content{Text: "x", Title: "T", Media: images(1)}, acct), "title")
		if e.Code != pregonero.FieldUnsupported {
			t.Errorf("got %+v, want unsupported", e)
		}
	})
}

package x_test

import (
	"fmt"
	"strings"
	"testing"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/x"
)

func TestComposeText(t *testing.T) {
	tests := []struct {
		name string
		c    pregonero.Content
		want string
	}{
		{"TextExactlyAsGiven", pregonero.Content{Text: " Hola \n"}, " Hola \n"},
		{"BlankTextIsNoText", pregonero.Content{Text: " \n\t"}, ""},
		{"LinkAppendedAfterBlankLine", pregonero.Content{Text: "Hola", Link: "https://a.co/x"}, "Hola\n\nhttps://a.co/x"},
		{"TrailingSpaceGivesWayToTheLink", pregonero.Content{Text: "Hola \n", Link: " https://a.co/x "}, "Hola\n\nhttps://a.co/x"},
		{"LinkOnlyUnderBlankText", pregonero.Content{Text: "  ", Link: "https://a.co/x"}, "https://a.co/x"},
		{"LinkAlreadyInText", pregonero.Content{Text: "Ver https://a.co/x hoy", Link: "https://a.co/x"}, "Ver https://a.co/x hoy"},
		{"LinkOnly", pregonero.Content{Link: "https://a.co/x"}, "https://a.co/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x.ComposeText(tt.c); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	acct := &pregonero.Account{ID: "x-gob", Network: pregonero.NetworkX}
	a := x.New(x.Config{Logger: discard})
	img := func(mime string, size int64, alt string) pregonero.MediaBlob {
		return pregonero.MediaBlob{Media: &pregonero.Media{ID: "m", MIME: mime, Size: size, AltText: alt}}
	}
	images := func(n int) []pregonero.MediaBlob {
		out := make([]pregonero.MediaBlob, n)
		for i := range out {
			out[i] = img("image/png", 1000, "")
		}
		return out
	}
	type want struct {
		field, code   string
		limit, actual any
		msg           string
	}
	tests := []struct {
		name string
		c    pregonero.Content
		want []want
	}{
		{name: "AtTheLimitIsValid", c: pregonero.Content{Text: strings.Repeat("ñ", 280)}},
		{name: "FourImagesAreValid", c: pregonero.Content{Text: "x", Media: images(4)}},
		{name: "MediaWithoutTextIsValid", c: pregonero.Content{Media: images(1)}},
		{name: "OneVideoIsValid", c: pregonero.Content{Media: []pregonero.MediaBlob{img("video/mp4", 500<<20, "")}}},
		{name: "TooLong", c: pregonero.Content{Text: strings.Repeat("a", 301)},
			want: []want{{"text", pregonero.FieldTooLong, 280, 301, "text is 301 weighted characters; X allows 280 (URLs count 23, emoji 2)"}}},
		{name: "LinkCountsTowardsLength", c: pregonero.Content{Text: strings.Repeat("a", 256), Link: "https://www.antioquia.gov.co/una/ruta/muy/larga"},
			want: []want{{"text", pregonero.FieldTooLong, 280, 256 + 2 + 23, ""}}},
		{name: "Empty", c: pregonero.Content{Text: "  "},
			want: []want{{"text", pregonero.FieldRequired, nil, nil, ""}}},
		{name: "FiveImages", c: pregonero.Content{Text: "x", Media: images(5)},
			want: []want{{"media", pregonero.FieldTooMany, 4, 5, "media has 5 images; X allows at most 4"}}},
		{name: "GIFWithImage", c: pregonero.Content{Media: []pregonero.MediaBlob{img("image/gif", 100, ""), img("image/png", 100, "")}},
			want: []want{{"media", pregonero.FieldInvalid, 1, 2, ""}}},
		{name: "UnsupportedType", c: pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{img("image/png", 10, ""), img("image/png", 10, ""), img("application/pdf", 10, "")}},
			want: []want{{"media[2]", pregonero.FieldUnsupported, "image/jpeg, image/png, image/gif, image/webp, video/mp4, video/quicktime", "application/pdf", ""}}},
		{name: "ImageTooLarge", c: pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{img("image/jpeg", 6<<20, "")}},
			want: []want{{"media[0]", pregonero.FieldTooLarge, int64(5 << 20), int64(6 << 20), "media[0] is 6 MB; X allows 5 MB for images"}}},
		{name: "GIFAllowedLarger", c: pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{img("image/gif", 16<<20, "")}},
			want: []want{{"media[0]", pregonero.FieldTooLarge, int64(15 << 20), int64(16 << 20), ""}}},
		{name: "VideoTooLarge", c: pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{img("video/quicktime", 513<<20, "")}},
			want: []want{{"media[0]", pregonero.FieldTooLarge, int64(512 << 20), int64(513 << 20), ""}}},
		{name: "AltTextTooLong", c: pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{img("image/png", 10, strings.Repeat("é", 1001))}},
			want: []want{{"media[0].alt_text", pregonero.FieldTooLong, 1000, 1001, "media[0].alt_text is 1001 characters; X allows 1000"}}},
		{name: "StoryIsUnsupported", c: pregonero.Content{Text: "x", Format: pregonero.FormatStory},
			want: []want{{"format", pregonero.FieldUnsupported, "feed", "story", "X has no story format; posts go to the timeline (format feed)"}}},
		{name: "FeedFormatIsValid", c: pregonero.Content{Text: "x", Format: pregonero.FormatFeed}},
		{name: "MissingMedia", c: pregonero.Content{Text: "x", Media: []pregonero.MediaBlob{{}}},
			want: []want{{"media[0]", pregonero.FieldRequired, nil, nil, ""}}},
		// twitter-text's invalid characters make a text invalid whatever
		// its length.
		{name: "ByteOrderMark", c: pregonero.Content{Text: "\uFEFFHola"},
			want: []want{{"text", pregonero.FieldInvalid, "no U+FFFE, U+FEFF or U+FFFF", "U+FEFF", "text contains U+FEFF at byte 0, a character X refuses (U+FFFE, U+FEFF and U+FFFF are invalid); remove it"}}},
		{name: "NoncharacterFFFE", c: pregonero.Content{Text: "Hola\uFFFE"},
			want: []want{{"text", pregonero.FieldInvalid, "no U+FFFE, U+FEFF or U+FFFF", "U+FFFE", ""}}},
		{name: "NoncharacterFFFF", c: pregonero.Content{Text: "Ho\uFFFFla", Media: images(1)},
			want: []want{{"text", pregonero.FieldInvalid, "no U+FFFE, U+FEFF or U+FFFF", "U+FFFF", ""}}},
		// "Long tweet with url at the end" of twitter-text's validate.yml:
		// the trailing space is the 289th character.
		{name: "TrailingSpaceCounts", c: pregonero.Content{Text: strings.Repeat("xxxxxxxxxx-", 24) + " http://www.twitter.com/jack "},
			want: []want{{"text", pregonero.FieldTooLong, 280, 289, ""}}},
		{name: "TrailingNewlinesCount", c: pregonero.Content{Text: strings.Repeat("a", 280) + "\n"},
			want: []want{{"text", pregonero.FieldTooLong, 280, 281, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := a.Validate(tt.c, acct)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Target != acct.ID || g.Field != w.field || g.Code != w.code {
					t.Errorf("got %s/%s/%s, want %s/%s/%s", g.Target, g.Field, g.Code, acct.ID, w.field, w.code)
				}
				if fmt.Sprint(g.Limit) != fmt.Sprint(w.limit) || fmt.Sprint(g.Actual) != fmt.Sprint(w.actual) {
					t.Errorf("got limit %v actual %v, want %v and %v", g.Limit, g.Actual, w.limit, w.actual)
				}
				if w.msg != "" && g.Message != w.msg {
					t.Errorf("got message %q, want %q", g.Message, w.msg)
				}
				if g.Message == "" {
					t.Error("got an empty message")
				}
			}
		})
	}
}

func TestValidateVideoDuration(t *testing.T) {
	a := x.New(x.Config{Logger: discard})
	v := adaptertest.Blob("v.mp4", "video/mp4", []byte("\x00\x00\x00\x18ftypmp42"), 0, 0, "")
	v.DurationMS = 141_000
	errs := a.Validate(pregonero.Content{Media: []pregonero.MediaBlob{v}}, &pregonero.Account{ID: "x-gob"})
	if len(errs) != 1 || errs[0].Field != "media[0].duration" {
		t.Fatalf("got %+v, want one error about media[0].duration", errs)
	}
}

// TestMeasureCountsTheTextAsGiven checks Measure against twitter-text's
// conformance cases whose texts end in whitespace.
func TestMeasureCountsTheTextAsGiven(t *testing.T) {
	a := x.New(x.Config{Logger: discard})
	tests := []struct {
		name, text string
		want       int
	}{
		// validate.yml WeightedTweetsWithDiscountedEmojiCounterTest,
		// "Long tweet with url at the end, overflow at char index 265".
		{"URLThenSpace", strings.Repeat("xxxxxxxxxx-", 24) + " http://www.twitter.com/jack ", 289},
		{"SpacesAndNewline", "Hola  \n", 7},
		{"LeadingSpace", " Hola", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, limit := a.Measure(pregonero.Content{Text: tt.text})
			if got != tt.want || limit != 280 {
				t.Errorf("Measure = %d, %d; want %d, 280", got, limit, tt.want)
			}
		})
	}
}

package x

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"pregonero"
	"pregonero/adapters/x/xtext"
)

// Media limits of X (docs.x.com media best practices).
const (
	// MaxImages is the most images one post carries; a GIF or a video
	// must be alone.
	MaxImages = 4
	// MaxImageBytes is the size limit of a JPEG, PNG or WEBP image.
	MaxImageBytes = 5 << 20
	// MaxGIFBytes is the size limit of a GIF.
	MaxGIFBytes = 15 << 20
	// MaxVideoBytes is the size limit of a video.
	MaxVideoBytes = 512 << 20
	// MaxAltTextChars is the length limit of alt text, in characters.
	MaxAltTextChars = 1000
	// MinVideoMS is the shortest video, in milliseconds.
	MinVideoMS = 500
	// MaxVideoMS is the longest video, in milliseconds.
	MaxVideoMS = 140_000
)

// mediaKind is how X treats a file.
type mediaKind int

const (
	kindUnsupported mediaKind = iota
	kindImage
	kindGIF
	kindVideo
)

// kindOf maps a MIME type to what X accepts for posts.
func kindOf(mime string) mediaKind {
	switch strings.ToLower(strings.TrimSpace(mime)) {
	case "image/jpeg", "image/pjpeg", "image/png", "image/webp":
		return kindImage
	case "image/gif":
		return kindGIF
	case "video/mp4", "video/quicktime":
		return kindVideo
	}
	return kindUnsupported
}

const acceptedTypes = "image/jpeg, image/png, image/gif, image/webp, video/mp4, video/quicktime"

// ComposeText returns the text X receives for the content: the text
// exactly as given (X counts every character of it, trailing spaces and
// newlines included; a blank text is no text) and, when the content has a
// link the text does not already contain, the link after a blank line, the
// text's trailing space giving way to that separator.
func ComposeText(c pregonero.Content) string {
	text := c.Text
	if strings.TrimSpace(text) == "" {
		text = ""
	}
	link := strings.TrimSpace(c.Link)
	if link == "" || strings.Contains(text, link) {
		return text
	}
	if text == "" {
		return link
	}
	return strings.TrimRightFunc(text, unicode.IsSpace) + "\n\n" + link
}

// Measure reports the weighted length of what Publish would send and X's
// limit.
func (a *Adapter) Measure(c pregonero.Content) (length, limit int) {
	return xtext.Parse(ComposeText(c)).WeightedLength, xtext.MaxWeightedLength
}

// Validate checks the content against X's limits without contacting X.
// Each error names the field (text, media, media[i], media[i].alt_text),
// the limit and the actual value; Target is the account id.
func (a *Adapter) Validate(c pregonero.Content, acct *pregonero.Account) []pregonero.FieldError {
	target := ""
	if acct != nil {
		target = acct.ID
	}
	var errs []pregonero.FieldError
	add := func(field, code string, limit, actual any, format string, args ...any) {
		errs = append(errs, pregonero.FieldError{Target: target, Field: field, Code: code, Limit: limit, Actual: actual, Message: fmt.Sprintf(format, args...)})
	}

	if c.Format != "" && c.Format != pregonero.FormatFeed {
		add("format", pregonero.FieldUnsupported, pregonero.FormatFeed, c.Format,
			"X has no %s format; posts go to the timeline (format feed)", c.Format)
	}
	text := ComposeText(c)
	if text == "" && len(c.Media) == 0 {
		add("text", pregonero.FieldRequired, nil, nil, "text is empty; X needs text or at least one media file")
	}
	if text != "" {
		if n := xtext.Parse(text).WeightedLength; n > xtext.MaxWeightedLength {
			add("text", pregonero.FieldTooLong, xtext.MaxWeightedLength, n,
				"text is %d weighted characters; X allows %d (URLs count 23, emoji 2)", n, xtext.MaxWeightedLength)
		}
		if r, at, ok := xtext.InvalidChar(text); ok {
			add("text", pregonero.FieldInvalid, "no U+FFFE, U+FEFF or U+FFFF", fmt.Sprintf("U+%04X", r),
				"text contains U+%04X at byte %d, a character X refuses (U+FFFE, U+FEFF and U+FFFF are invalid); remove it", r, at)
		}
	}

	var images, gifs, videos int
	for i, m := range c.Media {
		field := fmt.Sprintf("media[%d]", i)
		if m.Media == nil {
			add(field, pregonero.FieldRequired, nil, nil, "%s has no file", field)
			continue
		}
		kind := kindOf(m.MIME)
		var limit int64
		var what string
		switch kind {
		case kindImage:
			images++
			limit, what = MaxImageBytes, "images"
		case kindGIF:
			gifs++
			limit, what = MaxGIFBytes, "GIFs"
		case kindVideo:
			videos++
			limit, what = MaxVideoBytes, "videos"
		default:
			add(field, pregonero.FieldUnsupported, acceptedTypes, m.MIME,
				"%s is %q; X accepts JPEG, PNG, GIF and WEBP images and MP4 and MOV videos", field, m.MIME)
			continue
		}
		switch {
		case m.Size <= 0:
			add(field, pregonero.FieldInvalid, nil, m.Size, "%s is empty", field)
		case m.Size > limit:
			add(field, pregonero.FieldTooLarge, limit, m.Size, "%s is %s; X allows %s for %s", field, megabytes(m.Size), megabytes(limit), what)
		}
		if kind == kindVideo && m.DurationMS > 0 && (m.DurationMS < MinVideoMS || m.DurationMS > MaxVideoMS) {
			add(field+".duration", pregonero.FieldInvalid, "0.5-140 s", fmt.Sprintf("%.1f s", float64(m.DurationMS)/1000),
				"%s lasts %.1f s; X accepts videos of 0.5 to 140 s", field, float64(m.DurationMS)/1000)
		}
		if n := utf8.RuneCountInString(m.AltText); n > MaxAltTextChars {
			add(field+".alt_text", pregonero.FieldTooLong, MaxAltTextChars, n,
				"%s.alt_text is %d characters; X allows %d", field, n, MaxAltTextChars)
		}
	}
	n := images + gifs + videos
	switch {
	case (gifs > 0 || videos > 0) && n > 1:
		add("media", pregonero.FieldInvalid, 1, n,
			"media has %d files including a GIF or video; X allows a GIF or a video only alone", n)
	case images > MaxImages:
		add("media", pregonero.FieldTooMany, MaxImages, images, "media has %d images; X allows at most %d", images, MaxImages)
	}
	return errs
}

func megabytes(n int64) string {
	mb := float64(n) / (1 << 20)
	if mb == float64(int64(mb)) {
		return fmt.Sprintf("%d MB", int64(mb))
	}
	return fmt.Sprintf("%.2f MB", mb)
}

package facebook

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"pregonero"
	"pregonero/media"
)

// Limits Validate applies.
const (
	// MaxMessageChars is the longest message of a Page post, in
	// characters.
	MaxMessageChars = 63206
	// MaxImages is the most images Pregonero attaches to one multi-photo
	// post.
	MaxImages = 10
	// MaxImageBytes is Meta's size limit of a photo (4 MiB is only its
	// recommendation).
	MaxImageBytes = 10 << 20
	// MaxVideoBytes is the largest video: the media library's default
	// limit, well under what Facebook takes in one upload.
	MaxVideoBytes = media.DefaultMaxSize
)

const (
	acceptedImages = "image/jpeg, image/png, image/gif, image/webp"
	acceptedTypes  = acceptedImages + ", video/mp4, video/quicktime"
)

type mediaKind int

const (
	kindUnsupported mediaKind = iota
	kindImage
	kindVideo
)

func kindOf(mime string) mediaKind {
	switch strings.ToLower(strings.TrimSpace(mime)) {
	case "image/jpeg", "image/pjpeg", "image/png", "image/gif", "image/webp":
		return kindImage
	case "video/mp4", "video/quicktime":
		return kindVideo
	}
	return kindUnsupported
}

// ComposeMessage returns the message Facebook receives for the content:
// the text with surrounding space trimmed and, when the post has media and
// a link the text does not already contain, the link after a blank line.
// A post without media sends its link as a separate parameter instead, so
// that Facebook shows the link preview; when it has no text either, the
// message is the link, so that reconciliation has a message to match.
func ComposeMessage(c pregonero.Content) string {
	text := strings.TrimSpace(c.Text)
	link := strings.TrimSpace(c.Link)
	switch {
	case link == "" || strings.Contains(text, link):
		return text
	case text == "":
		return link
	case len(c.Media) == 0:
		return text
	}
	return text + "\n\n" + link
}

// Measure reports the length in characters of the message Publish would
// send and Facebook's limit.
func (a *Adapter) Measure(c pregonero.Content) (length, limit int) {
	return utf8.RuneCountInString(ComposeMessage(c)), MaxMessageChars
}

// Validate checks the content against Facebook's limits without contacting
// Facebook. Each error names the field (text, media, media[i], format,
// title), the limit and the actual value; Target is the account id. A
// video needs a text or a title, which Reconcile finds it by.
func (a *Adapter) Validate(c pregonero.Content, acct *pregonero.Account) []pregonero.FieldError {
	target := ""
	if acct != nil {
		target = acct.ID
	}
	var errs []pregonero.FieldError
	add := func(field, code string, limit, actual any, format string, args ...any) {
		errs = append(errs, pregonero.FieldError{Target: target, Field: field, Code: code, Limit: limit, Actual: actual, Message: fmt.Sprintf(format, args...)})
	}

	switch c.Format {
	case "", pregonero.FormatFeed:
	case pregonero.FormatReel:
		add("format", pregonero.FieldUnsupported, pregonero.FormatFeed, c.Format,
			"Pregonero publishes Facebook videos as video posts on the page's feed (format feed); reels are not supported")
	default:
		add("format", pregonero.FieldUnsupported, pregonero.FormatFeed, c.Format,
			"Pregonero publishes only to the Facebook page's feed (format feed), not as a %s", c.Format)
	}

	msg := ComposeMessage(c)
	if msg == "" && strings.TrimSpace(c.Link) == "" && len(c.Media) == 0 {
		add("text", pregonero.FieldRequired, nil, nil, "the post is empty; Facebook needs text, a link or media")
	}
	if n := utf8.RuneCountInString(msg); n > MaxMessageChars {
		add("text", pregonero.FieldTooLong, MaxMessageChars, n,
			"the message is %d characters; Facebook allows %d", n, MaxMessageChars)
	}

	var images, videos int
	for i, m := range c.Media {
		field := fmt.Sprintf("media[%d]", i)
		if m.Media == nil {
			add(field, pregonero.FieldRequired, nil, nil, "%s has no file", field)
			continue
		}
		var limit int64
		var what string
		switch kindOf(m.MIME) {
		case kindImage:
			images++
			limit, what = MaxImageBytes, "images"
		case kindVideo:
			videos++
			limit, what = MaxVideoBytes, "videos"
		default:
			add(field, pregonero.FieldUnsupported, acceptedTypes, m.MIME,
				"%s is %q; Facebook posts take JPEG, PNG, GIF and WebP images or one MP4 or MOV video", field, m.MIME)
			continue
		}
		switch {
		case m.Size <= 0:
			add(field, pregonero.FieldInvalid, nil, m.Size, "%s is empty", field)
		case m.Size > limit:
			add(field, pregonero.FieldTooLarge, limit, m.Size, "%s is %s; Facebook allows %s for %s", field, megabytes(m.Size), megabytes(limit), what)
		}
	}
	switch {
	case videos > 0 && len(c.Media) > 1:
		add("media", pregonero.FieldInvalid, 1, len(c.Media),
			"media has %d files including a video; a Facebook video post carries the video alone", len(c.Media))
	case images > MaxImages:
		add("media", pregonero.FieldTooMany, MaxImages, images,
			"media has %d images; Pregonero attaches at most %d images to one multi-photo Facebook post", images, MaxImages)
	}
	if videos > 0 && msg == "" && strings.TrimSpace(c.Title) == "" {
		add("title", pregonero.FieldRequired, nil, nil,
			"a Facebook video needs a text or a title: it is how the post is found again when Facebook's answer to the upload is lost")
	}
	if strings.TrimSpace(c.Title) != "" && videos == 0 {
		add("title", pregonero.FieldUnsupported, nil, c.Title,
			"Facebook takes a title only for a video; remove the title or attach a video")
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

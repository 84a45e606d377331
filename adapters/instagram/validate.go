package instagram

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"pregonero"
)

// Limits of Instagram content publishing, as Meta documents them.
const (
	// MaxCaptionChars is the length limit of a caption, in characters.
	MaxCaptionChars = 2200
	// MaxHashtags is the most #hashtags one caption may carry.
	MaxHashtags = 30
	// MaxMentions is the most @mentions one caption may carry.
	MaxMentions = 20
	// MaxCarouselItems is the most images and videos of one carousel.
	MaxCarouselItems = 10
	// MinCarouselItems is the fewest items of a carousel; one item is a
	// single post.
	MinCarouselItems = 2
	// MaxImageBytes is the size limit of an image.
	MaxImageBytes = 8 << 20
	// MinReelMS and MaxReelMS bound a reel (and a single feed video,
	// which goes out as a reel), in milliseconds.
	MinReelMS = 3_000
	MaxReelMS = 15 * 60_000
	// MaxStoryVideoMS is the longest story video, in milliseconds.
	MaxStoryVideoMS = 60_000
)

// Aspect-ratio bounds of feed images as width:height fractions: from 4:5
// (portrait) to 1.91:1 (landscape).
const (
	minAspectW, minAspectH = 4, 5
	maxAspectW, maxAspectH = 191, 100
	aspectRange            = "4:5-1.91:1"
)

// ComposeCaption returns the caption Instagram receives for the content:
// the text with surrounding space trimmed and, when the content has a link
// the text does not already contain, the link after a blank line
// (Instagram shows it as plain text).
func ComposeCaption(c pregonero.Content) string {
	text := strings.TrimSpace(c.Text)
	link := strings.TrimSpace(c.Link)
	if link == "" || strings.Contains(text, link) {
		return text
	}
	if text == "" {
		return link
	}
	return text + "\n\n" + link
}

// kind is how Instagram treats a media file.
type kind int

const (
	kindUnsupported kind = iota
	kindImage
	kindVideo
	kindOtherImage // an image in a format Instagram refuses
)

func kindOf(m pregonero.MediaBlob) kind {
	mime := strings.ToLower(strings.TrimSpace(m.MIME))
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = strings.TrimSpace(mime[:i])
	}
	switch mime {
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return kindImage
	case "video/mp4", "video/quicktime":
		return kindVideo
	}
	if strings.HasPrefix(mime, "image/") {
		return kindOtherImage
	}
	return kindUnsupported
}

// format returns the content's format in canonical form: FormatFeed for
// the empty format.
func format(c pregonero.Content) string {
	f := strings.ToLower(strings.TrimSpace(c.Format))
	if f == "" {
		return pregonero.FormatFeed
	}
	return f
}

// CountTags returns the #hashtags and @mentions of a caption the way
// Instagram finds them: a # followed by letters, digits or underscores,
// and an @ followed by a username (letters, digits, periods, underscores),
// each starting a word (so an e-mail address is no mention).
func CountTags(caption string) (hashtags, mentions int) {
	prev := ' '
	for i, r := range caption {
		if (r == '#' || r == '@') && !isWordRune(prev) {
			next, _ := utf8.DecodeRuneInString(caption[i+1:])
			switch {
			case r == '#' && isWordRune(next):
				hashtags++
			case r == '@' && isHandleRune(next):
				mentions++
			}
		}
		prev = r
	}
	return hashtags, mentions
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func isHandleRune(r rune) bool {
	return r == '_' || r == '.' || (r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
}

// Validate checks the content against Instagram's limits without
// contacting Instagram. Each error names the field (text, format, media,
// media[i], media[i].duration), the limit and the actual value; Target is
// the account id. Media must come with a public URL (MediaBlob.URL): the
// server hands Meta signed links to its own media, which needs public_url.
func (a *Adapter) Validate(c pregonero.Content, acct *pregonero.Account) []pregonero.FieldError {
	target := ""
	if acct != nil {
		target = acct.ID
	}
	var errs []pregonero.FieldError
	add := func(field, code string, limit, actual any, format string, args ...any) {
		errs = append(errs, pregonero.FieldError{Target: target, Field: field, Code: code, Limit: limit, Actual: actual, Message: fmt.Sprintf(format, args...)})
	}

	f := format(c)
	switch f {
	case pregonero.FormatFeed, pregonero.FormatReel, pregonero.FormatStory:
	default:
		add("format", pregonero.FieldUnsupported, "feed, reel, story", c.Format,
			"format %q is unknown; Instagram takes feed posts, reels and stories", c.Format)
		return errs
	}

	caption := ComposeCaption(c)
	if f == pregonero.FormatStory {
		if caption != "" {
			add("text", pregonero.FieldUnsupported, 0, utf8.RuneCountInString(caption),
				"a story has no caption on Instagram; remove the text and link or publish a feed post instead")
		}
	} else {
		if n := utf8.RuneCountInString(caption); n > MaxCaptionChars {
			add("text", pregonero.FieldTooLong, MaxCaptionChars, n,
				"the caption is %d characters; Instagram allows %d (a link is appended to the text)", n, MaxCaptionChars)
		}
		tags, mentions := CountTags(caption)
		if tags > MaxHashtags {
			add("text", pregonero.FieldTooMany, MaxHashtags, tags, "the caption has %d hashtags; Instagram allows %d", tags, MaxHashtags)
		}
		if mentions > MaxMentions {
			add("text", pregonero.FieldTooMany, MaxMentions, mentions, "the caption has %d @mentions; Instagram allows %d", mentions, MaxMentions)
		}
	}

	n := len(c.Media)
	switch {
	case n == 0:
		add("media", pregonero.FieldRequired, nil, nil, "Instagram needs at least one image or video")
		return errs
	case f == pregonero.FormatReel && n != 1:
		add("media", pregonero.FieldTooMany, 1, n, "a reel is exactly one video, not %d files", n)
	case f == pregonero.FormatStory && n != 1:
		add("media", pregonero.FieldTooMany, 1, n, "a story is exactly one image or video, not %d files", n)
	case n > MaxCarouselItems:
		add("media", pregonero.FieldTooMany, MaxCarouselItems, n, "media has %d files; an Instagram carousel holds at most %d", n, MaxCarouselItems)
	}

	for i, m := range c.Media {
		field := fmt.Sprintf("media[%d]", i)
		if m.Media == nil {
			add(field, pregonero.FieldRequired, nil, nil, "%s has no file", field)
			continue
		}
		switch kindOf(m) {
		case kindImage:
			if f == pregonero.FormatReel {
				add(field, pregonero.FieldUnsupported, "video/mp4, video/quicktime", m.MIME, "%s is an image; a reel must be an MP4 or MOV video", field)
				continue
			}
			validateImage(add, field, m, f != pregonero.FormatStory)
		case kindVideo:
			validateVideo(add, field, m, f, n)
		case kindOtherImage:
			add(field, pregonero.FieldUnsupported, "image/jpeg", m.MIME, "%s is %q; Instagram takes JPEG images only: convert it to JPEG", field, m.MIME)
		default:
			add(field, pregonero.FieldUnsupported, "image/jpeg, video/mp4, video/quicktime", m.MIME,
				"%s is %q; Instagram takes JPEG images and MP4 or MOV videos", field, m.MIME)
		}
	}
	for _, m := range c.Media {
		if m.Media != nil && m.URL == "" {
			// Meta downloads each file from a public address; without
			// public_url the server has none to give.
			add("media", pregonero.FieldUnsupported, "public_url", nil,
				"Instagram downloads media from a public address, and this server has no public_url: set public_url to an HTTPS address reachable from the internet")
			break
		}
	}
	return errs
}

type addFunc func(field, code string, limit, actual any, format string, args ...any)

// validateImage checks a JPEG's size and, for feed posts and carousels,
// its aspect ratio.
func validateImage(add addFunc, field string, m pregonero.MediaBlob, feed bool) {
	if m.Size > MaxImageBytes {
		add(field, pregonero.FieldTooLarge, MaxImageBytes, m.Size, "%s is %s; Instagram allows 8 MiB per image", field, mebibytes(m.Size))
	}
	if !feed {
		return
	}
	w, h := m.Width, m.Height
	if w <= 0 || h <= 0 {
		add(field, pregonero.FieldInvalid, aspectRange, nil,
			"%s has unknown dimensions, so its aspect ratio cannot be checked against Instagram's %s; upload it again", field, aspectRange)
		return
	}
	// w/h >= 4/5 and w/h <= 1.91, in integers.
	if w*minAspectH < h*minAspectW || w*maxAspectH > h*maxAspectW {
		add(field, pregonero.FieldInvalid, aspectRange, fmt.Sprintf("%.2f:1", float64(w)/float64(h)),
			"%s is %d×%d (%.2f:1); Instagram takes aspect ratios from 4:5 (0.80:1) to 1.91:1: crop it", field, w, h, float64(w)/float64(h))
	}
}

// validateVideo checks a video's duration when it is known.
func validateVideo(add addFunc, field string, m pregonero.MediaBlob, f string, n int) {
	if m.DurationMS <= 0 {
		return
	}
	secs := float64(m.DurationMS) / 1000
	switch {
	case f == pregonero.FormatStory:
		if m.DurationMS > MaxStoryVideoMS {
			add(field+".duration", pregonero.FieldTooLong, "60 s", fmt.Sprintf("%.1f s", secs), "%s lasts %.1f s; an Instagram story video lasts at most 60 s", field, secs)
		}
	case n == 1:
		if m.DurationMS < MinReelMS || m.DurationMS > MaxReelMS {
			add(field+".duration", pregonero.FieldInvalid, "3 s-15 min", fmt.Sprintf("%.1f s", secs),
				"%s lasts %.1f s; Instagram takes reels (and single feed videos, published as reels) of 3 s to 15 min", field, secs)
		}
	}
}

func mebibytes(n int64) string {
	return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
}

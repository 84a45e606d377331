package youtube

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"pregonero"
)

// Limits of a video's metadata and files (YouTube Data API, videos
// resource).
const (
	// MaxTitleChars is the longest title, in characters.
	MaxTitleChars = 100
	// MaxDescriptionBytes is the longest description, in UTF-8 bytes.
	MaxDescriptionBytes = 5000
	// MaxTagsChars is the longest tag list, counted as TagsLength does.
	MaxTagsChars = 500
	// MaxVideoBytes is the largest video file (256 GB).
	MaxVideoBytes = 256 << 30
	// MaxThumbnailBytes is the largest custom thumbnail: 50 MB, 52428800
	// bytes (the discovery document's thumbnails.set mediaUpload.maxSize
	// since 2026-09; it was 2 MB before).
	MaxThumbnailBytes = 50 << 20
)

// Defaults of a video's metadata.
const (
	// DefaultCategory is the category of a video whose content names none:
	// "25", News & Politics, the category of a public institution's news.
	DefaultCategory = "25"
	// DefaultLanguage is the language of the title, description and audio
	// of a video whose content names none.
	DefaultLanguage = "es"
	// MarkerTagPrefix starts the tag that carries a delivery's marker.
	MarkerTagPrefix = "pregonero-"
	// markerLength is the length of a delivery's marker, its id
	// (pregonero.NewID with prefix "d": "d_" and 26 characters), which
	// content validated before it has a delivery reserves.
	markerLength = 28
)

// Categories are the video category ids YouTube lets an upload choose
// (videoCategories.list, assignable ones), with their English names.
var Categories = map[string]string{
	"1":  "Film & Animation",
	"2":  "Autos & Vehicles",
	"10": "Music",
	"15": "Pets & Animals",
	"17": "Sports",
	"19": "Travel & Events",
	"20": "Gaming",
	"22": "People & Blogs",
	"23": "Comedy",
	"24": "Entertainment",
	"25": "News & Politics",
	"26": "Howto & Style",
	"27": "Education",
	"28": "Science & Technology",
	"29": "Nonprofits & Activism",
}

// language is a BCP-47 tag as YouTube takes it (es, es-419, pt-BR).
var language = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// Title returns the title Publish sends: the content's title with
// surrounding space trimmed. A video needs a title, so there is no
// fallback to the text: an empty one is a validation error.
func Title(c pregonero.Content) string { return strings.TrimSpace(c.Title) }

// Description returns the description Publish sends: the content's
// description, or else its text with its link appended after a blank line
// unless the text already contains the link.
func Description(c pregonero.Content) string {
	if d := strings.TrimSpace(c.Description); d != "" {
		return d
	}
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

// MarkerTag returns the tag that carries a delivery's marker.
func MarkerTag(marker string) string { return MarkerTagPrefix + marker }

// Tags returns the tags Publish sends: the content's tags trimmed, empty
// ones dropped, and the marker tag last when the content has a marker.
func Tags(c pregonero.Content) []string {
	var out []string
	for _, t := range c.Tags {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	if c.Marker != "" {
		out = append(out, MarkerTag(c.Marker))
	}
	return out
}

// TagsLength returns the length of a tag list by YouTube's rule for the
// 500-character limit of snippet.tags: the characters of every tag, two
// more for a tag containing a space (YouTube counts it as if wrapped in
// quotation marks: "Foo Baz" is nine characters, Foo-Baz seven), and one
// for each comma between tags.
func TagsLength(tags []string) int {
	n := 0
	for i, t := range tags {
		if i > 0 {
			n++ // the comma
		}
		n += utf8.RuneCountInString(t)
		if strings.ContainsAny(t, " \t") {
			n += 2
		}
	}
	return n
}

// category returns the category Publish sends.
func category(c pregonero.Content) string {
	if v := strings.TrimSpace(c.Category); v != "" {
		return v
	}
	return DefaultCategory
}

// lang returns the language Publish sends.
func lang(c pregonero.Content) string {
	if v := strings.TrimSpace(c.Language); v != "" {
		return v
	}
	return DefaultLanguage
}

// Validate checks the content against YouTube's limits without contacting
// YouTube: exactly one video (video/*, at most MaxVideoBytes); a title of
// 1 to MaxTitleChars characters; a description (Description) of at most
// MaxDescriptionBytes bytes; neither with < or >; tags, the marker tag
// included, within MaxTagsChars by TagsLength (content without a marker
// yet, validated when its post is created, counts the marker tag a
// delivery's id will make); a known category
// (DefaultCategory when unset); the made-for-kids question answered; a
// JPEG or PNG thumbnail of at most MaxThumbnailBytes; PublishAt, when
// set, in the future. Target is the account id.
func (a *Adapter) Validate(c pregonero.Content, acct *pregonero.Account) []pregonero.FieldError {
	errs := a.validate(c, acct)
	if !c.PublishAt.IsZero() && !c.PublishAt.After(a.now()) {
		errs = append(errs, fieldErr(acct, "publish_at", pregonero.FieldInPast, nil, nil,
			fmt.Sprintf("The scheduled publication time %s has passed; YouTube publishes a private video only at a future time.", c.PublishAt.UTC().Format("2006-01-02 15:04 MST"))))
	}
	return errs
}

// validate checks everything but the publication time, which Publish
// handles itself (a late attempt publishes at once).
func (a *Adapter) validate(c pregonero.Content, acct *pregonero.Account) []pregonero.FieldError {
	var errs []pregonero.FieldError
	add := func(field, code string, limit, actual any, msg string) {
		errs = append(errs, fieldErr(acct, field, code, limit, actual, msg))
	}

	switch n := len(c.Media); {
	case n == 0:
		add("media", pregonero.FieldRequired, 1, 0, "YouTube needs a video: attach one video file.")
	case n > 1:
		add("media", pregonero.FieldTooMany, 1, n, fmt.Sprintf("YouTube takes exactly 1 video per post; this post has %d media files.", n))
	}
	for i, m := range c.Media {
		field := fmt.Sprintf("media[%d]", i)
		if m.Media == nil {
			add(field, pregonero.FieldRequired, nil, nil, "The media file has no record.")
			continue
		}
		mime := strings.ToLower(strings.TrimSpace(m.MIME))
		if !strings.HasPrefix(mime, "video/") {
			add(field, pregonero.FieldUnsupported, "video/*", m.MIME, fmt.Sprintf("YouTube takes only videos; %s is %s.", nonEmpty(m.Filename, m.ID), nonEmpty(m.MIME, "of unknown type")))
			continue
		}
		if m.Size > MaxVideoBytes {
			add(field, pregonero.FieldTooLarge, int64(MaxVideoBytes), m.Size, fmt.Sprintf("The video is %d bytes; YouTube takes at most 256 GB.", m.Size))
		}
		if m.Size == 0 {
			add(field, pregonero.FieldInvalid, nil, m.Size, "The video file is empty.")
		}
	}

	title := Title(c)
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		add("title", pregonero.FieldRequired, MaxTitleChars, 0, "A YouTube video needs a title (at most 100 characters).")
	case n > MaxTitleChars:
		add("title", pregonero.FieldTooLong, MaxTitleChars, n, fmt.Sprintf("The title is %d characters; YouTube allows at most %d.", n, MaxTitleChars))
	}
	if strings.ContainsAny(title, "<>") {
		add("title", pregonero.FieldInvalid, nil, nil, "YouTube does not allow < or > in a title.")
	}

	desc, descField := Description(c), "description"
	if strings.TrimSpace(c.Description) == "" {
		descField = "text" // the description comes from the text
	}
	if n := len(desc); n > MaxDescriptionBytes {
		add(descField, pregonero.FieldTooLong, MaxDescriptionBytes, n, fmt.Sprintf("The description is %d bytes; YouTube allows at most %d bytes (accented letters take two).", n, MaxDescriptionBytes))
	}
	if strings.ContainsAny(desc, "<>") {
		add(descField, pregonero.FieldInvalid, nil, nil, "YouTube does not allow < or > in a description.")
	}

	tags := Tags(c)
	counted := tags
	if c.Marker == "" {
		// Validated before it has a delivery (when the post is created):
		// reserve room for the marker tag it will carry when sent.
		counted = append(slices.Clip(tags), MarkerTag(strings.Repeat("x", markerLength)))
	}
	if n := TagsLength(counted); n > MaxTagsChars {
		msg := fmt.Sprintf("The tags are %d characters; YouTube allows at most %d, counting a comma between tags and quotation marks around a tag with spaces.", n, MaxTagsChars)
		if c.Marker != "" {
			msg += fmt.Sprintf(" That includes the %d characters of the hidden tag %s that identifies the delivery.", utf8.RuneCountInString(MarkerTag(c.Marker))+1, MarkerTag(c.Marker))
		} else {
			msg += fmt.Sprintf(" That includes %d characters reserved for the hidden tag that identifies each delivery.", len(MarkerTagPrefix)+markerLength+1)
		}
		add("tags", pregonero.FieldTooLong, MaxTagsChars, n, msg)
	}
	for _, t := range tags {
		if strings.ContainsAny(t, "<>") {
			add("tags", pregonero.FieldInvalid, nil, t, fmt.Sprintf("YouTube does not allow < or > in a tag: %q.", t))
			break
		}
	}

	if cat := category(c); Categories[cat] == "" {
		add("category", pregonero.FieldUnknown, nil, cat, fmt.Sprintf("%q is not a YouTube category an upload can choose; use e.g. 25 (News & Politics), 27 (Education) or 22 (People & Blogs).", cat))
	}
	if l := lang(c); !language.MatchString(l) {
		add("language", pregonero.FieldInvalid, nil, l, fmt.Sprintf("%q is not a language tag such as es, es-419 or en.", l))
	}
	if c.MadeForKids == nil {
		add("made_for_kids", pregonero.FieldRequired, nil, nil, "YouTube requires an answer: is the video made for kids (COPPA)?")
	}
	if c.Format == pregonero.FormatStory {
		add("format", pregonero.FieldUnsupported, nil, c.Format, "YouTube has no stories; publish it as a video (a vertical video of up to 3 minutes becomes a Short).")
	}

	if t := c.Thumbnail; t != nil {
		switch {
		case t.Media == nil:
			add("thumbnail", pregonero.FieldRequired, nil, nil, "The thumbnail has no media record.")
		case !isThumbnailType(t.MIME):
			add("thumbnail", pregonero.FieldUnsupported, "image/jpeg, image/png", t.MIME, fmt.Sprintf("A YouTube thumbnail must be a JPEG or PNG image; it is %s.", nonEmpty(t.MIME, "of unknown type")))
		case t.Size > MaxThumbnailBytes:
			add("thumbnail", pregonero.FieldTooLarge, MaxThumbnailBytes, t.Size, fmt.Sprintf("The thumbnail is %d bytes; YouTube takes at most 50 MB (%d bytes).", t.Size, MaxThumbnailBytes))
		}
	}
	return errs
}

func isThumbnailType(mime string) bool {
	switch strings.ToLower(strings.TrimSpace(mime)) {
	case "image/jpeg", "image/png":
		return true
	}
	return false
}

func fieldErr(acct *pregonero.Account, field, code string, limit, actual any, msg string) pregonero.FieldError {
	target := ""
	if acct != nil {
		target = acct.ID
	}
	return pregonero.FieldError{Target: target, Field: field, Code: code, Limit: limit, Actual: actual, Message: msg}
}

// Package feed reads news feeds: RSS 2.0 and Atom 1.0 (RFC 4287)
// documents parsed into items (Parse), and fetched over HTTP with
// conditional requests, a size limit and a timeout (Fetcher).
//
// Feeds in the wild bend their formats: items without a guid, HTML and
// entities in titles, relative links, images given four different ways,
// encodings other than UTF-8. Parse takes them as they come and gives
// clean text, absolute links and a stable key per item; a document that
// is not XML, or not a feed, is refused with an error that says where
// and what.
package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// Feed is a parsed feed: its title and site, and its items in the order
// the document gives them.
type Feed struct {
	Title string
	// Link is the site the feed is about, absolute.
	Link  string
	Items []Item
}

// Item is one entry of a feed.
type Item struct {
	// Key identifies the item within its feed, even when the feed edits
	// it later or reorders its items: the guid (Atom: id), else the link,
	// else "sha256:" and a hash of the title and summary.
	Key  string
	GUID string
	// Link is the item's page, absolute.
	Link string
	// Title and Summary are plain text: tags stripped, entities decoded,
	// runs of white space made one space.
	Title   string
	Summary string
	// Published and Updated are zero when the feed gives none (or none
	// that can be read).
	Published time.Time
	Updated   time.Time
	// Image is the absolute URL of the item's first image, empty when it
	// has none.
	Image string
}

// Error is a document that cannot be read as a feed. Line is the line of
// the document where the problem is, 0 when it is about the whole.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("the feed is not valid XML: line %d: %s", e.Line, e.Msg)
	}
	return "the feed cannot be read: " + e.Msg
}

// nsAtom is the namespace of Atom 1.0 (RFC 4287).
const nsAtom = "http://www.w3.org/2005/Atom"

// Parse reads an RSS 2.0 or Atom 1.0 document. feedURL, the address the
// document was fetched from, is the last base against which relative
// links are resolved; it may be empty.
func Parse(data []byte, feedURL string) (*Feed, error) {
	base, _ := url.Parse(feedURL)
	if base == nil {
		base = &url.URL{}
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	// HTML's named entities (&nbsp;, &aacute;) are undefined in XML but
	// common in feeds written by HTML tools.
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = charsetReader
	var root struct {
		XMLName xml.Name
	}
	// The root element is read first to choose the format; then the whole
	// document is decoded again into that format's shape, which also
	// checks it to its end.
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, xmlError(err, "the document has no root element")
		}
		if se, ok := tok.(xml.StartElement); ok {
			root.XMLName = se.Name
			break
		}
	}
	dec = xml.NewDecoder(bytes.NewReader(data))
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = charsetReader
	switch root.XMLName.Local {
	case "rss":
		var doc rssDoc
		if err := dec.Decode(&doc); err != nil {
			return nil, xmlError(err, "")
		}
		return doc.feed(base), nil
	case "feed":
		if root.XMLName.Space != nsAtom {
			return nil, &Error{Msg: fmt.Sprintf("the root element <feed> is not in the Atom namespace %s", nsAtom)}
		}
		var doc atomDoc
		if err := dec.Decode(&doc); err != nil {
			return nil, xmlError(err, "")
		}
		return doc.feed(base), nil
	}
	return nil, &Error{Msg: fmt.Sprintf("the root element is <%s>, not <rss> (RSS 2.0) or <feed> (Atom)", root.XMLName.Local)}
}

// xmlError turns a decoder's error into an Error that names the line.
func xmlError(err error, eofMsg string) error {
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se):
		msg := se.Msg
		if msg == "unexpected EOF" {
			msg = "the document ends before its elements are closed"
		}
		return &Error{Line: se.Line, Msg: msg}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if eofMsg == "" {
			eofMsg = "the document ends before its root element is closed"
		}
		return &Error{Msg: eofMsg}
	}
	return &Error{Msg: err.Error()}
}

// charsetReader decodes the encodings feeds declare other than UTF-8
// (ISO-8859-1 and Windows-1252 are still common in Spanish-speaking
// sites).
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("the encoding %q is not known", label)
	}
	return enc.NewDecoder().Reader(input), nil
}

// text is an element's text, with the element's name to tell namespaces
// apart (encoding/xml matches a bare name in any namespace).
type text struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// pick returns the value of the first element in one of the namespaces,
// trimmed.
func pick(ts []text, spaces ...string) string {
	for _, t := range ts {
		for _, sp := range spaces {
			if t.XMLName.Space == sp {
				return strings.TrimSpace(t.Value)
			}
		}
	}
	return ""
}

type mediaRef struct {
	URL    string `xml:"url,attr"`
	Type   string `xml:"type,attr"`
	Medium string `xml:"medium,attr"`
}

// isImage reports whether a media:content is an image: by its medium or
// type, else by its file's extension.
func (m mediaRef) isImage() bool {
	switch {
	case m.Medium != "":
		return m.Medium == "image"
	case m.Type != "":
		return strings.HasPrefix(m.Type, "image/")
	}
	return imageExt.MatchString(m.URL)
}

var imageExt = regexp.MustCompile(`(?i)\.(jpe?g|png|gif|webp)(\?.*)?$`)

type mediaExt struct {
	Contents   []mediaRef `xml:"http://search.yahoo.com/mrss/ content"`
	Thumbnails []mediaRef `xml:"http://search.yahoo.com/mrss/ thumbnail"`
	Groups     []struct {
		Contents   []mediaRef `xml:"http://search.yahoo.com/mrss/ content"`
		Thumbnails []mediaRef `xml:"http://search.yahoo.com/mrss/ thumbnail"`
	} `xml:"http://search.yahoo.com/mrss/ group"`
}

// image returns the first image the media extension gives: a content
// that is an image, else a thumbnail.
func (m *mediaExt) image() string {
	contents, thumbs := m.Contents, m.Thumbnails
	for _, g := range m.Groups {
		contents = append(contents, g.Contents...)
		thumbs = append(thumbs, g.Thumbnails...)
	}
	for _, c := range contents {
		if c.URL != "" && c.isImage() {
			return c.URL
		}
	}
	for _, t := range thumbs {
		if t.URL != "" {
			return t.URL
		}
	}
	return ""
}

type rssDoc struct {
	Base    string `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
	Channel struct {
		Base  string    `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
		Title []text    `xml:"title"`
		Links []text    `xml:"link"`
		Items []rssItem `xml:"item"`
	} `xml:"channel"`
}

type rssItem struct {
	Base   string `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
	Titles []text `xml:"title"`
	Links  []text `xml:"link"`
	GUID   string `xml:"guid"`
	Descr  []text `xml:"description"`
	// Encoded is content:encoded, the full article in HTML.
	Encoded    string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	Dates      []text `xml:"pubDate"`
	DCDates    []text `xml:"http://purl.org/dc/elements/1.1/ date"`
	Enclosures []struct {
		URL  string `xml:"url,attr"`
		Type string `xml:"type,attr"`
	} `xml:"enclosure"`
	mediaExt
}

func (d *rssDoc) feed(docBase *url.URL) *Feed {
	ch := &d.Channel
	base := rebase(rebase(docBase, d.Base), ch.Base)
	f := &Feed{Title: cleanText(pick(ch.Title, ""))}
	if l := pick(ch.Links, ""); l != "" {
		f.Link = resolve(base, l)
		// Relative item links are links of the site the channel names.
		base = rebase(base, l)
	}
	for i := range ch.Items {
		it := &ch.Items[i]
		ib := rebase(base, it.Base)
		descr := pick(it.Descr, "")
		item := Item{
			GUID:    strings.TrimSpace(it.GUID),
			Title:   cleanText(pick(it.Titles, "")),
			Summary: cleanText(descr),
		}
		if l := pick(it.Links, ""); l != "" {
			item.Link = resolve(ib, l)
		}
		item.Published = parseDate(pick(it.Dates, ""))
		if item.Published.IsZero() {
			item.Published = parseDate(pick(it.DCDates, "http://purl.org/dc/elements/1.1/"))
		}
		item.Image = firstImage(ib, func() string {
			for _, e := range it.Enclosures {
				if strings.HasPrefix(strings.ToLower(e.Type), "image/") && e.URL != "" {
					return e.URL
				}
			}
			return ""
		}, it.mediaExt.image, func() string { return htmlImage(it.Encoded) }, func() string { return htmlImage(descr) })
		if item.Summary == "" && it.Encoded != "" {
			item.Summary = cleanText(it.Encoded)
		}
		if item.keyed() {
			f.Items = append(f.Items, item)
		}
	}
	return f
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Src   string `xml:"src,attr"`
	Text  string `xml:",chardata"`
	Inner string `xml:",innerxml"`
}

// html returns the text as HTML or plain text: xhtml content is markup
// inside the element, html content is escaped markup, text is text.
func (t *atomText) html() string {
	if t.Type == "xhtml" {
		return t.Inner
	}
	return t.Text
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type atomDoc struct {
	Base    string     `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
	Title   atomText   `xml:"http://www.w3.org/2005/Atom title"`
	Links   []atomLink `xml:"http://www.w3.org/2005/Atom link"`
	Entries []struct {
		Base      string     `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
		ID        string     `xml:"http://www.w3.org/2005/Atom id"`
		Title     atomText   `xml:"http://www.w3.org/2005/Atom title"`
		Links     []atomLink `xml:"http://www.w3.org/2005/Atom link"`
		Summary   atomText   `xml:"http://www.w3.org/2005/Atom summary"`
		Content   atomText   `xml:"http://www.w3.org/2005/Atom content"`
		Published string     `xml:"http://www.w3.org/2005/Atom published"`
		Updated   string     `xml:"http://www.w3.org/2005/Atom updated"`
		mediaExt
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

// alternate returns the link to the page itself (rel "alternate", which
// is also what a link without rel means), and the first image enclosure.
func alternate(links []atomLink) (page, image string) {
	for _, l := range links {
		switch l.Rel {
		case "", "alternate":
			if page == "" {
				page = l.Href
			}
		case "enclosure":
			if image == "" && strings.HasPrefix(l.Type, "image/") {
				image = l.Href
			}
		}
	}
	return page, image
}

func (d *atomDoc) feed(docBase *url.URL) *Feed {
	base := rebase(docBase, d.Base)
	f := &Feed{Title: cleanText(d.Title.html())}
	if l, _ := alternate(d.Links); l != "" {
		f.Link = resolve(base, l)
	}
	for i := range d.Entries {
		e := &d.Entries[i]
		eb := rebase(base, e.Base)
		link, enclosure := alternate(e.Links)
		summary := e.Summary.html()
		content := e.Content.html()
		item := Item{
			GUID:      strings.TrimSpace(e.ID),
			Title:     cleanText(e.Title.html()),
			Summary:   cleanText(summary),
			Published: parseDate(e.Published),
			Updated:   parseDate(e.Updated),
		}
		if item.Summary == "" {
			item.Summary = cleanText(content)
		}
		if link != "" {
			item.Link = resolve(eb, link)
		}
		item.Image = firstImage(eb, func() string { return enclosure }, e.mediaExt.image,
			func() string { return htmlImage(content) }, func() string { return htmlImage(summary) })
		if item.Published.IsZero() {
			item.Published = item.Updated
		}
		if item.keyed() {
			f.Items = append(f.Items, item)
		}
	}
	return f
}

// keyed gives the item its key, and reports whether it has anything to
// make a post of.
func (it *Item) keyed() bool {
	switch {
	case it.GUID != "":
		it.Key = it.GUID
	case it.Link != "":
		it.Key = it.Link
	case it.Title != "" || it.Summary != "":
		sum := sha256.Sum256([]byte(it.Title + "\n" + it.Summary))
		it.Key = "sha256:" + hex.EncodeToString(sum[:])
	default:
		return false
	}
	return true
}

// rebase returns base with ref (an xml:base or a site link) applied;
// base itself when ref is empty or not a URL.
func rebase(base *url.URL, ref string) *url.URL {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return base
	}
	u, err := url.Parse(ref)
	if err != nil {
		return base
	}
	return base.ResolveReference(u)
}

// resolve returns ref made absolute against base; ref as given when it
// is not a URL.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(html.UnescapeString(ref))
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

// firstImage returns the first image URL the sources give, absolute.
func firstImage(base *url.URL, sources ...func() string) string {
	for _, src := range sources {
		if u := strings.TrimSpace(src()); u != "" {
			return resolve(base, u)
		}
	}
	return ""
}

var imgTag = regexp.MustCompile(`(?is)<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)

// htmlImage returns the src of the first <img> of an HTML fragment.
func htmlImage(s string) string {
	m := imgTag.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1] + m[2] + m[3]
}

// cleanText makes plain text of a feed's text or HTML: tags stripped
// (with the contents of script and style), entities decoded (twice
// escaped ones too, as some feeds escape HTML that was already escaped),
// white space collapsed.
func cleanText(s string) string {
	if strings.ContainsRune(s, '<') {
		s = stripTags(s)
	}
	for range 2 {
		if !strings.ContainsRune(s, '&') {
			break
		}
		s = html.UnescapeString(s)
	}
	if strings.ContainsRune(s, '<') {
		s = stripTags(s)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Join(strings.Fields(s), " ")
}

var (
	tagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
	hiddenRE = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)\s*>`)
	// blockRE marks the tags that break text: their place becomes a space
	// so that words of two paragraphs do not run together.
	blockRE = regexp.MustCompile(`(?i)^</?(p|br|div|li|h[1-6]|tr|td|blockquote|figure|figcaption)\b`)
)

func stripTags(s string) string {
	s = hiddenRE.ReplaceAllString(s, " ")
	return tagRE.ReplaceAllStringFunc(s, func(tag string) string {
		if blockRE.MatchString(tag) {
			return " "
		}
		return ""
	})
}

// dateLayouts are the ways feeds write dates: RFC 822 as RSS asks
// (with and without the weekday, two- and four-digit years, zone names
// or offsets) and RFC 3339 as Atom asks.
var dateLayouts = []string{
	time.RFC1123Z, time.RFC1123, time.RFC3339Nano, time.RFC3339,
	"Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700", "Mon, 2 Jan 06 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700", "Mon, 2 January 2006 15:04:05 -0700",
	"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02",
}

// parseDate reads a feed's date; zero when it cannot.
func parseDate(s string) time.Time {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

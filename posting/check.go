package posting

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/media"
)

// Limits of a post that hold whatever the networks allow; they bound the
// work one request can cause.
const (
	// MaxTextBytes caps the text and each override text.
	MaxTextBytes = 100_000
	// MaxMediaPerPost caps the media of one post (Instagram carousels
	// take 20).
	MaxMediaPerPost = 20
	// MaxTargets caps the accounts one post goes to.
	MaxTargets = 50
	// MaxLabelBytes caps campaign, author and unit.
	MaxLabelBytes = 200
	// MaxLinkBytes caps the link.
	MaxLinkBytes = 2048
	// MaxIdempotencyKey caps an idempotency key, in bytes.
	MaxIdempotencyKey = 255
)

// checked is a post request resolved against the store: the post it
// describes and everything wrong with it.
type checked struct {
	post     *pregonero.Post
	blobs    []pregonero.MediaBlob
	thumbs   map[string]pregonero.MediaBlob // override thumbnails by media id
	accounts []*pregonero.Account           // existing targets, in request order
	// fields are about the post itself; byTarget about one target each.
	fields   []pregonero.FieldError
	byTarget map[string][]pregonero.FieldError
	// queue is set when the post goes to the queue (QueueTime); slotAt
	// then holds each target's slot (see place).
	queue  bool
	slotAt map[string]time.Time
}

// allErrors returns every field error, the post's first, then each
// target's in request order.
func (c *checked) allErrors() []pregonero.FieldError {
	out := append([]pregonero.FieldError(nil), c.fields...)
	done := map[string]bool{}
	for _, id := range c.post.Targets {
		if !done[id] {
			done[id] = true
			out = append(out, c.byTarget[id]...)
		}
	}
	return out
}

func (c *checked) add(f pregonero.FieldError) { c.fields = append(c.fields, f) }

// dropField forgets the post-level errors about one field.
func (c *checked) dropField(field string) {
	c.fields = slices.DeleteFunc(c.fields, func(f pregonero.FieldError) bool { return f.Field == field })
}

func (c *checked) addTarget(id string, f pregonero.FieldError) {
	f.Target = id
	c.byTarget[id] = append(c.byTarget[id], f)
}

// checkPost resolves and validates a post request at now, collecting every
// field error rather than stopping at the first; targets are left to
// checkTargets. Only store failures are returned as errors. A missing
// scheduled_at means now. prev are the media entries of the post being
// edited, whose alt texts stay the defaults of the same files.
func (s *Service) checkPost(ctx context.Context, req *Draft, now time.Time, prev []pregonero.PostMedia) (*checked, error) {
	c := &checked{byTarget: map[string][]pregonero.FieldError{}}
	p := &pregonero.Post{
		Text:      req.Text,
		Link:      req.Link,
		Targets:   req.Targets,
		Campaign:  req.Campaign,
		Author:    req.Author,
		Unit:      req.Unit,
		Overrides: req.Overrides,
	}
	if len(p.Overrides) == 0 {
		p.Overrides = nil
	}
	c.post = p

	p.ScheduledAt = now.UTC()
	if req.ScheduledAt == QueueTime {
		c.queue = true // each target's slot is found by place
	} else if req.ScheduledAt != "" {
		if t, ok := s.checkTime(c, req.ScheduledAt, req.Timezone, now); ok {
			p.ScheduledAt = t
		}
	} else if req.Timezone != "" {
		if _, f := s.Zone(req.Timezone); f != nil {
			c.add(*f)
		}
	}

	s.checkText(c, req)
	s.checkLabels(c, req)
	s.checkChars(c, req)
	if err := s.checkCampaign(ctx, c, req.Campaign); err != nil {
		return nil, err
	}
	if err := s.checkMedia(ctx, c, req, prev); err != nil {
		return nil, err
	}
	return c, nil
}

// checkCampaign refuses a campaign that names no campaign: a post's
// campaign is a campaign's id (see campaigns.go). A value checkLabels or
// checkChars already refused is not looked up.
func (s *Service) checkCampaign(ctx context.Context, c *checked, id string) error {
	if id == "" || len(id) > MaxLabelBytes || badChar(id, false) != nil {
		return nil
	}
	cs, err := s.campaignStore()
	if err == nil {
		_, err = cs.Campaign(ctx, id)
	}
	switch pregonero.ErrorCode(err) {
	case "":
		return nil
	case pregonero.ENOTFOUND, pregonero.EUNAVAILABLE:
		c.add(pregonero.FieldError{Field: "campaign", Code: pregonero.FieldUnknown, Actual: id,
			Message: fmt.Sprintf("There is no campaign %s; give the id of a campaign (GET /api/v1/campaigns lists them) or create it first.", id)})
		return nil
	}
	return fmt.Errorf("check campaign: %w", err)
}

// checkTargets resolves the target accounts and runs each network's
// adapter validation on the content that account would get.
func (s *Service) checkTargets(ctx context.Context, c *checked) error {
	targets := c.post.Targets
	if len(targets) == 0 {
		c.add(pregonero.FieldError{Field: "targets", Code: pregonero.FieldRequired, Message: "Choose at least one account to publish to."})
	}
	if len(targets) > MaxTargets {
		c.add(pregonero.FieldError{Field: "targets", Code: pregonero.FieldTooMany, Limit: MaxTargets, Actual: len(targets),
			Message: fmt.Sprintf("A post may go to at most %d accounts; this one lists %d.", MaxTargets, len(targets))})
		return nil
	}
	seen := map[string]bool{}
	for _, id := range targets {
		switch {
		case id == "":
			c.add(pregonero.FieldError{Field: "targets", Code: pregonero.FieldInvalid, Message: "An account id is empty."})
			continue
		case seen[id]:
			c.addTarget(id, pregonero.FieldError{Field: "targets", Code: pregonero.FieldDuplicate, Actual: id,
				Message: fmt.Sprintf("Account %s is listed more than once.", id)})
			continue
		}
		seen[id] = true
		a, err := s.store.Account(ctx, id)
		if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
			c.addTarget(id, pregonero.FieldError{Field: "targets", Code: pregonero.FieldUnknown, Actual: id,
				Message: fmt.Sprintf("There is no account %s.", id)})
			continue
		} else if err != nil {
			return fmt.Errorf("check targets: %w", err)
		}
		c.accounts = append(c.accounts, a)
	}
	for id := range c.post.Overrides {
		if !seen[id] {
			c.add(pregonero.FieldError{Target: id, Field: "overrides", Code: pregonero.FieldUnknown, Actual: id,
				Message: fmt.Sprintf("There is an override for %s, which is not a target of this post.", id)})
		}
	}
	for _, a := range c.accounts {
		for _, f := range s.adapterErrors(c, a) {
			c.addTarget(a.ID, f)
		}
	}
	return nil
}

// adapterErrors runs the network's offline validation for one account.
func (s *Service) adapterErrors(c *checked, a *pregonero.Account) []pregonero.FieldError {
	ad := s.adapters[a.Network]
	if ad == nil {
		return []pregonero.FieldError{{Field: "targets", Code: pregonero.FieldUnsupported, Actual: string(a.Network),
			Message: fmt.Sprintf("Account %s is on %s, which this server has no publisher for.", a.ID, a.Network)}}
	}
	content := c.post.ContentFor(a.ID)
	content.Media = c.blobs
	if b, ok := c.thumbs[c.post.Overrides[a.ID].Thumbnail]; ok {
		content.Thumbnail = &b
	}
	return ad.Validate(content, a)
}

func (s *Service) checkTime(c *checked, value, zone string, now time.Time) (time.Time, bool) {
	loc, f := s.Zone(zone)
	if f != nil {
		c.add(*f)
		return time.Time{}, false
	}
	t, err := ParseTime(value, loc)
	var te *TimeError
	if errors.As(err, &te) {
		c.add(pregonero.FieldError{Field: "scheduled_at", Code: pregonero.FieldInvalid, Actual: value, Limit: te.Suggestions(),
			Message: "scheduled_at " + te.Error() + "."})
		return time.Time{}, false
	}
	if err != nil {
		c.add(pregonero.FieldError{Field: "scheduled_at", Code: pregonero.FieldInvalid, Actual: value,
			Message: fmt.Sprintf("scheduled_at %q is not a time; use RFC 3339 (2026-11-28T09:00:00-05:00) or a local time such as 2026-11-28T09:00 (%s).", value, loc)})
		return time.Time{}, false
	}
	if earliest := now.Add(-s.grace).UTC(); t.Before(earliest) {
		c.add(pregonero.FieldError{Field: "scheduled_at", Code: pregonero.FieldInPast,
			Actual: t.Format(time.RFC3339), Limit: earliest.Format(time.RFC3339),
			Message: fmt.Sprintf("scheduled_at %s is in the past; the earliest accepted time is %s.", t.In(loc).Format(time.RFC3339), earliest.In(loc).Format(time.RFC3339))})
		return time.Time{}, false
	}
	if latest := now.Add(MaxScheduleAhead).UTC(); t.After(latest) {
		c.add(pregonero.FieldError{Field: "scheduled_at", Code: pregonero.FieldInvalid,
			Actual: t.Format(time.RFC3339), Limit: latest.Format(time.RFC3339),
			Message: fmt.Sprintf("scheduled_at %s is more than two years ahead; the latest accepted time is %s.", t.In(loc).Format(time.RFC3339), latest.In(loc).Format(time.RFC3339))})
		return time.Time{}, false
	}
	return t, true
}

func (s *Service) checkText(c *checked, req *Draft) {
	if n := len(req.Text); n > MaxTextBytes {
		c.add(pregonero.FieldError{Field: "text", Code: pregonero.FieldTooLong, Limit: MaxTextBytes, Actual: n,
			Message: fmt.Sprintf("The text has %d bytes; the limit is %d.", n, MaxTextBytes)})
	}
	for id, o := range req.Overrides {
		switch o.Format {
		case "", pregonero.FormatFeed, pregonero.FormatReel, pregonero.FormatStory:
		default:
			c.add(pregonero.FieldError{Target: id, Field: "overrides.format", Code: pregonero.FieldInvalid, Actual: o.Format,
				Limit:   []string{pregonero.FormatFeed, pregonero.FormatReel, pregonero.FormatStory},
				Message: fmt.Sprintf("The format %q for %s is not one of feed, reel or story.", o.Format, id)})
		}
		if o.Text == nil {
			continue
		}
		if n := len(*o.Text); n > MaxTextBytes {
			c.add(pregonero.FieldError{Target: id, Field: "overrides.text", Code: pregonero.FieldTooLong, Limit: MaxTextBytes, Actual: n,
				Message: fmt.Sprintf("The override text for %s has %d bytes; the limit is %d.", id, n, MaxTextBytes)})
		}
	}
	if strings.TrimSpace(req.Text) == "" && len(req.Media) == 0 {
		// Every target must then carry its own text.
		missing := len(req.Targets) == 0
		for _, id := range req.Targets {
			if o, ok := req.Overrides[id]; !ok || o.Text == nil || strings.TrimSpace(*o.Text) == "" {
				missing = true
			}
		}
		if missing {
			c.add(pregonero.FieldError{Field: "text", Code: pregonero.FieldRequired, Message: "Write a text or attach media."})
		}
	}
	if req.Link != "" {
		u, err := url.Parse(req.Link)
		switch {
		case badChar(req.Link, false) != nil:
			// checkChars says which character.
		case len(req.Link) > MaxLinkBytes:
			c.add(pregonero.FieldError{Field: "link", Code: pregonero.FieldTooLong, Limit: MaxLinkBytes, Actual: len(req.Link),
				Message: fmt.Sprintf("The link has %d bytes; the limit is %d.", len(req.Link), MaxLinkBytes)})
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			c.add(pregonero.FieldError{Field: "link", Code: pregonero.FieldInvalid, Actual: req.Link,
				Message: "The link must be an absolute http or https URL."})
		}
	}
}

func (s *Service) checkLabels(c *checked, req *Draft) {
	for _, l := range []struct{ field, value string }{{"campaign", req.Campaign}, {"author", req.Author}, {"unit", req.Unit}} {
		if n := len(l.value); n > MaxLabelBytes {
			c.add(pregonero.FieldError{Field: l.field, Code: pregonero.FieldTooLong, Limit: MaxLabelBytes, Actual: n,
				Message: fmt.Sprintf("%s has %d bytes; the limit is %d.", l.field, n, MaxLabelBytes)})
		}
	}
}

// checkChars refuses, in every field a network shows, what it would show
// as garbage or act on: bytes that are not UTF-8, NUL and the other C0
// controls, DEL and the C1 controls (an escape sequence reached X and
// Facebook). Nothing is removed: the sender fixes the text and knows what
// goes out. Texts span lines and may hold tabs; a line ends with \n or
// with \r\n as browsers on Windows send it, and a lone \r is refused,
// since networks disagree on what it does. Single-line fields take no
// control character at all.
func (s *Service) checkChars(c *checked, req *Draft) {
	check := func(target, field, what, v string, multiline bool) {
		if b := badChar(v, multiline); b != nil {
			c.add(pregonero.FieldError{Target: target, Field: field, Code: pregonero.FieldInvalid, Actual: b.actual,
				Message: what + " " + b.message(multiline)})
		}
	}
	check("", "text", "The text", req.Text, true)
	check("", "link", "The link", req.Link, false)
	check("", "campaign", "The campaign", req.Campaign, false)
	check("", "author", "The author", req.Author, false)
	check("", "unit", "The unit", req.Unit, false)
	for _, id := range slices.Sorted(maps.Keys(req.Overrides)) {
		o := req.Overrides[id]
		if o.Text != nil {
			check(id, "overrides.text", "The override text for "+id, *o.Text, true)
		}
		check(id, "overrides.description", "The description for "+id, o.Description, true)
		check(id, "overrides.title", "The title for "+id, o.Title, false)
		for _, tag := range o.Tags {
			if badChar(tag, false) != nil {
				check(id, "overrides.tags", "A tag for "+id, tag, false)
				break
			}
		}
		check(id, "overrides.category", "The category for "+id, o.Category, false)
		check(id, "overrides.language", "The language for "+id, o.Language, false)
	}
}

// checkAltText checks the alt text of the i-th media entry with the
// limits of the media library's alt text.
func checkAltText(c *checked, i int, alt string) {
	field := fmt.Sprintf("media[%d].alt_text", i)
	if b := badChar(alt, true); b != nil {
		c.add(pregonero.FieldError{Field: field, Code: pregonero.FieldInvalid, Actual: b.actual,
			Message: fmt.Sprintf("The alt text of media %d %s", i, b.message(true))})
		return
	}
	if n := utf8.RuneCountInString(alt); n > media.MaxAltTextLength {
		c.add(pregonero.FieldError{Field: field, Code: pregonero.FieldTooLong, Limit: media.MaxAltTextLength, Actual: n,
			Message: fmt.Sprintf("The alt text of media %d has %d characters; the limit is %d.", i, n, media.MaxAltTextLength)})
	}
}

// withAltText returns the blob with a copy of its media record carrying
// the post's alt text: the record may be shared, and is never changed.
func withAltText(b pregonero.MediaBlob, alt string) pregonero.MediaBlob {
	if b.Media == nil || b.AltText == alt {
		return b
	}
	m := *b.Media
	m.AltText = alt
	b.Media = &m
	return b
}

// relax forgets what a draft may lack: a draft is a post not finished
// yet, so nothing is required of it (text, targets, a network's required
// fields), but what it has must be valid.
func (c *checked) relax() {
	drop := func(f pregonero.FieldError) bool { return f.Code == pregonero.FieldRequired }
	c.fields = slices.DeleteFunc(c.fields, drop)
	for id, fs := range c.byTarget {
		c.byTarget[id] = slices.DeleteFunc(fs, drop)
	}
}

// charProblem is the first character of a field that checkChars refuses.
type charProblem struct {
	at      int    // byte offset
	actual  string // U+001B, or 0xFF for a byte that is not UTF-8
	invalid bool   // not UTF-8
	loneCR  bool
	name    string // of a control character, when it has a well-known one
}

// controlName names the control characters people meet, for messages.
func controlName(r rune) string {
	switch r {
	case 0x00:
		return "NUL"
	case 0x07:
		return "bell"
	case 0x08:
		return "backspace"
	case '\t':
		return "tab"
	case '\n':
		return "line feed"
	case 0x0B:
		return "vertical tab"
	case 0x0C:
		return "form feed"
	case '\r':
		return "carriage return"
	case 0x1B:
		return "escape"
	case 0x7F:
		return "delete"
	case 0x85:
		return "next line"
	case 0x9B:
		return "control sequence introducer"
	}
	return ""
}

func (b *charProblem) message(multiline bool) string {
	switch {
	case b.invalid:
		return fmt.Sprintf("is not valid UTF-8: byte %s at offset %d does not start a character.", b.actual, b.at)
	case b.loneCR:
		return fmt.Sprintf("has a carriage return (U+000D) at byte %d that does not end a line; end lines with \\n or \\r\\n.", b.at)
	}
	char := b.actual
	if b.name != "" {
		char += " (" + b.name + ")"
	}
	if multiline {
		return fmt.Sprintf("has the control character %s at byte %d; besides printable characters a text may hold only line breaks and tabs.", char, b.at)
	}
	return fmt.Sprintf("has the control character %s at byte %d; it must be a single line of printable characters.", char, b.at)
}

// badChar returns the first character checkChars refuses in v, or nil.
func badChar(v string, multiline bool) *charProblem {
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return &charProblem{at: i, actual: fmt.Sprintf("0x%02X", v[i]), invalid: true}
		case multiline && (r == '\n' || r == '\t'):
		case multiline && r == '\r' && strings.HasPrefix(v[i+1:], "\n"):
		case multiline && r == '\r':
			return &charProblem{at: i, actual: "U+000D", loneCR: true}
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F):
			return &charProblem{at: i, actual: fmt.Sprintf("U+%04X", r), name: controlName(r)}
		}
		i += size
	}
	return nil
}

// checkMedia resolves the post's media entries and gives each its alt
// text: the one the request gives, else the one the post had for that
// file (prev, when editing), else the file's own, which is only a
// default: the post keeps its copy, so a later change of the file's alt
// text, or another post's, never changes this one.
func (s *Service) checkMedia(ctx context.Context, c *checked, req *Draft, prev []pregonero.PostMedia) error {
	if n := len(req.Media); n > MaxMediaPerPost {
		c.add(pregonero.FieldError{Field: "media", Code: pregonero.FieldTooMany, Limit: MaxMediaPerPost, Actual: n,
			Message: fmt.Sprintf("A post may carry at most %d media; this one has %d.", MaxMediaPerPost, n)})
		return nil
	}
	c.post.Media = nil
	seen := map[string]bool{}
	for i, m := range req.Media {
		id := m.ID
		if seen[id] {
			c.add(pregonero.FieldError{Field: "media", Code: pregonero.FieldDuplicate, Actual: id,
				Message: fmt.Sprintf("Media %s is attached more than once.", id)})
			continue
		}
		seen[id] = true
		checkAltText(c, i, m.AltText)
		b, err := s.blob(ctx, id)
		if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
			c.add(pregonero.FieldError{Field: "media", Code: pregonero.FieldUnknown, Actual: id,
				Message: fmt.Sprintf("There is no media %s; upload it first.", id)})
			continue
		} else if err != nil {
			return fmt.Errorf("check media: %w", err)
		}
		alt := m.AltText
		if alt == "" {
			if b.Media != nil {
				alt = b.AltText
			}
			if i := slices.IndexFunc(prev, func(p pregonero.PostMedia) bool { return p.ID == id }); i >= 0 {
				alt = prev[i].AltText
			}
		}
		c.post.Media = append(c.post.Media, pregonero.PostMedia{ID: id, AltText: alt})
		c.blobs = append(c.blobs, withAltText(b, alt))
	}
	for _, acct := range slices.Sorted(maps.Keys(req.Overrides)) {
		id := req.Overrides[acct].Thumbnail
		if id == "" {
			continue
		}
		b, err := s.blob(ctx, id)
		if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
			c.add(pregonero.FieldError{Target: acct, Field: "overrides.thumbnail", Code: pregonero.FieldUnknown, Actual: id,
				Message: fmt.Sprintf("There is no media %s for the thumbnail of %s; upload it first.", id, acct)})
			continue
		} else if err != nil {
			return fmt.Errorf("check thumbnail: %w", err)
		}
		if c.thumbs == nil {
			c.thumbs = map[string]pregonero.MediaBlob{}
		}
		c.thumbs[id] = b
	}
	return nil
}

package store

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"pregonero"
)

// recordVersion is the "v" field of every record this binary writes. A
// change of record layout adds a migration and bumps it.
const recordVersion = 1

// postRecordVersion is the "v" field of post records, which changed
// layout on their own (see migratePostAltText).
const postRecordVersion = 2

// Posts and deliveries are the records read and written on every hot path
// (claiming thousands of deliveries, bulk creation), where encoding/json's
// reflection costs more than the rest of the transaction. They are encoded
// and decoded here by hand, as plain JSON objects of a fixed v1 layout that
// encoding/json reads and writes identically (codec tests check both
// ways). The layout belongs to the store, not to the domain types' JSON
// tags, which serve the API.
//
// Delivery v1:
//
//	{"v":1,"id","post","account","network","state","scheduled_at",
//	 "next_attempt_at","attempts":[{"n","started_at","finished_at",
//	 "outcome","code","message","network_message","http_status",
//	 "reconciled"}],"remote_id","url","published_at","last_error":{"class",
//	 "code","message","network_message","at"},"hold_reason","released_at",
//	 "retried_at","claimed",
//	 "checkpoint":{},"progress":{"sent_bytes","total_bytes","at"},"updated_at"}
//
// Post v2 (schema 4 on; v1 kept "media" as an array of ids):
//
//	{"v":2,"id","text","link","media":[{"id","alt_text"}],
//	 "overrides":{"<account>":{"text",
//	 "title","description","tags":[],"format","category",
//	 "language","made_for_kids","thumbnail"}},"targets":[],"scheduled_at",
//	 "campaign","author","unit","created_at","updated_at","canceled_at",
//	 "deliveries":[ids]}
//
// Empty fields and zero times are left out; times are integer
// nanoseconds since the Unix epoch.
//
// A field added to a domain type is lost on save until it is written and
// read here; TestCodecGuard fills every field by reflection and fails until
// it is, or until it is listed as deliberately not stored.

// encoder appends a JSON object field by field. The first error (a time
// beyond what int64 nanoseconds hold) sticks and is returned by the
// append function that owns the encoder.
type encoder struct {
	b     []byte
	err   error
	comma bool
}

func (e *encoder) open() {
	e.b = append(e.b, '{')
	e.comma = false
}

func (e *encoder) close() {
	e.b = append(e.b, '}')
	e.comma = true
}

func (e *encoder) key(k string) {
	if e.comma {
		e.b = append(e.b, ',')
	}
	// Map keys (checkpoint names, account ids of overrides) are arbitrary
	// strings, so every key goes through the escaping path.
	e.b = appendJSONString(e.b, k)
	e.b = append(e.b, ':')
	e.comma = false
}

func (e *encoder) value() {
	e.comma = true
}

func (e *encoder) str(k, v string) {
	e.key(k)
	e.b = appendJSONString(e.b, v)
	e.value()
}

func (e *encoder) strOmit(k, v string) {
	if v != "" {
		e.str(k, v)
	}
}

func (e *encoder) int(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
	e.value()
}

func (e *encoder) intOmit(k string, v int64) {
	if v != 0 {
		e.int(k, v)
	}
}

// time writes t as integer nanoseconds since the Unix epoch, the zero time
// as nothing at all: shorter to store and quicker to read back than RFC
// 3339, for records that are rewritten on every state change.
func (e *encoder) time(k string, t time.Time) {
	if t.IsZero() {
		return
	}
	if t.Before(minKeyTime) || t.After(maxKeyTime) {
		if e.err == nil {
			e.err = pregonero.Errorf(pregonero.EINVALID, "time %s of field %s is outside the years 1678 to 2262", t, k)
		}
		return
	}
	e.int(k, t.UnixNano())
}

func (e *encoder) strings(k string, vs []string) {
	e.key(k)
	e.b = append(e.b, '[')
	for i, v := range vs {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = appendJSONString(e.b, v)
	}
	e.b = append(e.b, ']')
	e.value()
}

func (e *encoder) stringsOmit(k string, vs []string) {
	if len(vs) > 0 {
		e.strings(k, vs)
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does, so the output is always valid JSON.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendDelivery appends the v1 record of d.
func appendDelivery(dst []byte, d *pregonero.Delivery) ([]byte, error) {
	e := encoder{b: dst}
	e.open()
	e.int("v", recordVersion)
	e.str("id", d.ID)
	e.str("post", d.PostID)
	e.str("account", d.AccountID)
	e.strOmit("network", string(d.Network))
	e.str("state", string(d.State))
	e.time("scheduled_at", d.ScheduledAt)
	e.time("next_attempt_at", d.NextAttemptAt)
	if len(d.Attempts) > 0 {
		e.key("attempts")
		e.b = append(e.b, '[')
		for i := range d.Attempts {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			a := &d.Attempts[i]
			e.open()
			e.int("n", int64(a.N))
			e.time("started_at", a.StartedAt)
			e.time("finished_at", a.FinishedAt)
			e.str("outcome", string(a.Outcome))
			e.strOmit("code", a.Code)
			e.strOmit("message", a.Message)
			e.strOmit("network_message", a.NetworkMessage)
			e.strOmit("cause", a.Cause)
			e.intOmit("http_status", int64(a.HTTPStatus))
			e.strOmit("reconciled", a.Reconciled)
			e.close()
		}
		e.b = append(e.b, ']')
		e.value()
	}
	e.strOmit("remote_id", d.RemoteID)
	e.strOmit("url", d.URL)
	e.time("published_at", d.PublishedAt)
	if le := d.LastError; le != nil {
		e.key("last_error")
		e.open()
		e.str("class", string(le.Class))
		e.str("code", le.Code)
		e.str("message", le.Message)
		e.strOmit("network_message", le.NetworkMessage)
		e.strOmit("cause", le.Cause)
		e.time("at", le.At)
		e.close()
	}
	e.strOmit("hold_reason", d.HoldReason)
	e.time("released_at", d.ReleasedAt)
	e.time("retried_at", d.RetriedAt)
	if d.Claimed {
		e.key("claimed")
		e.b = append(e.b, "true"...)
		e.value()
	}
	if len(d.Checkpoint) > 0 {
		e.key("checkpoint")
		e.open()
		for _, k := range sortedKeys(d.Checkpoint) {
			e.str(k, d.Checkpoint[k])
		}
		e.close()
	}
	if d.Progress != nil {
		e.key("progress")
		e.open()
		e.int("sent_bytes", d.Progress.SentBytes)
		e.int("total_bytes", d.Progress.TotalBytes)
		e.time("at", d.Progress.At)
		e.close()
	}
	e.time("updated_at", d.UpdatedAt)
	e.close()
	return e.b, e.err
}

// appendPost appends the v2 record of p, which keeps the ids of its
// deliveries instead of the deliveries themselves.
func appendPost(dst []byte, p *pregonero.Post, deliveryIDs []string) ([]byte, error) {
	e := encoder{b: dst}
	e.open()
	e.int("v", postRecordVersion)
	e.str("id", p.ID)
	e.str("text", p.Text)
	e.strOmit("link", p.Link)
	if len(p.Media) > 0 {
		e.key("media")
		e.b = append(e.b, '[')
		for i, m := range p.Media {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.open()
			e.str("id", m.ID)
			e.strOmit("alt_text", m.AltText)
			e.close()
		}
		e.b = append(e.b, ']')
		e.value()
	}
	if len(p.Overrides) > 0 {
		e.key("overrides")
		e.open()
		for _, acct := range sortedKeys(p.Overrides) {
			o := p.Overrides[acct]
			e.key(acct)
			e.open()
			if o.Text != nil {
				e.str("text", *o.Text)
			}
			e.strOmit("title", o.Title)
			e.strOmit("description", o.Description)
			e.stringsOmit("tags", o.Tags)
			e.strOmit("format", o.Format)
			e.strOmit("category", o.Category)
			e.strOmit("language", o.Language)
			if o.MadeForKids != nil {
				e.key("made_for_kids")
				e.b = append(e.b, strconv.FormatBool(*o.MadeForKids)...)
				e.value()
			}
			e.strOmit("thumbnail", o.Thumbnail)
			e.close()
		}
		e.close()
	}
	e.strings("targets", p.Targets)
	e.time("scheduled_at", p.ScheduledAt)
	e.strOmit("campaign", p.Campaign)
	e.strOmit("author", p.Author)
	e.strOmit("unit", p.Unit)
	e.time("created_at", p.CreatedAt)
	e.time("updated_at", p.UpdatedAt)
	e.time("canceled_at", p.CanceledAt)
	e.strings("deliveries", deliveryIDs)
	e.close()
	return e.b, e.err
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// decoder reads one JSON value from b. Strings it returns are copies, as
// b is memory owned by a bbolt transaction.
type decoder struct {
	b []byte
	i int
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("decode record at byte %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *decoder) expect(c byte) error {
	if d.peek() != c {
		return d.errorf("want %q", c)
	}
	d.i++
	return nil
}

func (d *decoder) literal(lit string) bool {
	d.ws()
	if len(d.b)-d.i >= len(lit) && string(d.b[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	return false
}

// null consumes a null literal if one comes next.
func (d *decoder) null() bool { return d.literal("null") }

// end checks that nothing but white space follows the value.
func (d *decoder) end() error {
	d.ws()
	if d.i != len(d.b) {
		return d.errorf("trailing data")
	}
	return nil
}

// object calls fn for each member with the key; fn must consume the value.
// A null object has no members.
func (d *decoder) object(fn func(key []byte) error) error {
	if d.null() {
		return nil
	}
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.errorf("want object key")
		}
		k, err := d.stringBytes()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := fn(k); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.errorf("want , or }")
		}
	}
}

// array calls fn for each element; fn must consume it. A null array has
// no elements.
func (d *decoder) array(fn func() error) error {
	if d.null() {
		return nil
	}
	if err := d.expect('['); err != nil {
		return err
	}
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.errorf("want , or ]")
		}
	}
}

// stringBytes reads a string. Without escapes the result aliases b.
func (d *decoder) stringBytes() ([]byte, error) {
	if err := d.expect('"'); err != nil {
		return nil, err
	}
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				return appendValidUTF8(nil, s), nil
			}
			return s, nil
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			return nil, d.errorf("control character in string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	return nil, d.errorf("unterminated string")
}

// unescape finishes a string that has escapes; d.i is at the first one.
func (d *decoder) unescape(start int) ([]byte, error) {
	out := appendValidUTF8(make([]byte, 0, d.i-start+16), d.b[start:d.i])
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return out, nil
		case c < 0x20:
			return nil, d.errorf("control character in string")
		case c != '\\':
			j := d.i
			for j < len(d.b) && d.b[j] != '"' && d.b[j] != '\\' && d.b[j] >= 0x20 {
				j++
			}
			out = appendValidUTF8(out, d.b[d.i:j])
			d.i = j
			continue
		}
		if d.i+1 >= len(d.b) {
			return nil, d.errorf("unterminated escape")
		}
		esc := d.b[d.i+1]
		d.i += 2
		switch esc {
		case '"', '\\', '/':
			out = append(out, esc)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if save := d.i; d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					d.i += 2
					var ok2 bool
					if r2, ok2 = d.hex4(); !ok2 {
						return nil, d.errorf("bad \\u escape")
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						out = utf8.AppendRune(out, dec)
						continue
					}
					// Not a pair: the lone surrogate is replaced and the
					// second escape is read on its own.
					d.i = save
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, d.errorf("bad escape \\%c", esc)
		}
	}
	return nil, d.errorf("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// appendValidUTF8 appends s with each invalid byte replaced by U+FFFD, as
// encoding/json does.
func appendValidUTF8(dst, s []byte) []byte {
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[:size]...)
		}
		s = s[size:]
	}
	return dst
}

func (d *decoder) string() (string, error) {
	b, err := d.stringBytes()
	return string(b), err
}

func (d *decoder) stringOrNull() (string, error) {
	if d.null() {
		return "", nil
	}
	return d.string()
}

func (d *decoder) int() (int64, error) {
	d.ws()
	neg := false
	if d.i < len(d.b) && d.b[d.i] == '-' {
		neg = true
		d.i++
	}
	start := d.i
	var n int64
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		if n > (1<<63-1-9)/10 {
			return 0, d.errorf("integer overflow")
		}
		n = n*10 + int64(d.b[d.i]-'0')
		d.i++
	}
	if d.i == start {
		return 0, d.errorf("want integer")
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, d.errorf("want integer")
		}
	}
	if neg {
		n = -n
	}
	return n, nil
}

func (d *decoder) bool() (bool, error) {
	switch {
	case d.literal("true"):
		return true, nil
	case d.literal("false"), d.null():
		return false, nil
	}
	return false, d.errorf("want boolean")
}

// time reads nanoseconds since the Unix epoch, or an RFC 3339 string.
func (d *decoder) time() (time.Time, error) {
	switch d.peek() {
	case 'n':
		d.null()
		return time.Time{}, nil
	case '"':
		b, err := d.stringBytes()
		if err != nil {
			return time.Time{}, err
		}
		t, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return time.Time{}, d.errorf("bad time: %v", err)
		}
		return t.UTC(), nil
	}
	n, err := d.int()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, n).UTC(), nil
}

func (d *decoder) strings() ([]string, error) {
	var out []string
	err := d.array(func() error {
		s, err := d.string()
		out = append(out, s)
		return err
	})
	return out, err
}

// skip consumes any value, for members this version does not know.
func (d *decoder) skip() error {
	return d.skipDepth(0)
}

func (d *decoder) skipDepth(depth int) error {
	if depth > 64 {
		return d.errorf("nesting too deep")
	}
	switch c := d.peek(); {
	case c == '{':
		return d.object(func([]byte) error { return d.skipDepth(depth + 1) })
	case c == '[':
		return d.array(func() error { return d.skipDepth(depth + 1) })
	case c == '"':
		_, err := d.stringBytes()
		return err
	case c == 't' || c == 'f' || c == 'n':
		if d.literal("true") || d.literal("false") || d.literal("null") {
			return nil
		}
		return d.errorf("bad literal")
	case c == '-' || ('0' <= c && c <= '9'):
		start := d.i
		for d.i < len(d.b) {
			switch c := d.b[d.i]; {
			case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
				d.i++
				continue
			}
			break
		}
		if d.i == start {
			return d.errorf("bad number")
		}
		return nil
	}
	return d.errorf("want value")
}

func (d *decoder) version() error {
	return d.versionOf(recordVersion)
}

func (d *decoder) versionOf(want int64) error {
	v, err := d.int()
	if err != nil {
		return err
	}
	if v != want {
		return fmt.Errorf("decode record: version %d, want %d", v, want)
	}
	return nil
}

// decodeDelivery decodes a v1 delivery record.
func decodeDelivery(b []byte) (*pregonero.Delivery, error) {
	d := &decoder{b: b}
	out := &pregonero.Delivery{}
	sawVersion := false
	err := d.object(func(k []byte) error {
		var err error
		var s string
		switch string(k) {
		case "v":
			sawVersion = true
			err = d.version()
		case "id":
			out.ID, err = d.string()
		case "post":
			out.PostID, err = d.string()
		case "account":
			out.AccountID, err = d.string()
		case "network":
			s, err = d.string()
			out.Network = pregonero.Network(s)
		case "state":
			s, err = d.string()
			out.State = pregonero.DeliveryState(s)
		case "scheduled_at":
			out.ScheduledAt, err = d.time()
		case "next_attempt_at":
			out.NextAttemptAt, err = d.time()
		case "attempts":
			err = d.array(func() error {
				var a pregonero.Attempt
				err := decodeAttempt(d, &a)
				out.Attempts = append(out.Attempts, a)
				return err
			})
		case "remote_id":
			out.RemoteID, err = d.string()
		case "url":
			out.URL, err = d.string()
		case "published_at":
			out.PublishedAt, err = d.time()
		case "last_error":
			if d.null() {
				out.LastError = nil
				return nil
			}
			out.LastError = &pregonero.DeliveryError{}
			err = decodeDeliveryError(d, out.LastError)
		case "hold_reason":
			out.HoldReason, err = d.string()
		case "released_at":
			out.ReleasedAt, err = d.time()
		case "retried_at":
			out.RetriedAt, err = d.time()
		case "claimed":
			out.Claimed, err = d.bool()
		case "checkpoint":
			out.Checkpoint = nil
			err = d.object(func(k []byte) error {
				v, err := d.string()
				if out.Checkpoint == nil {
					out.Checkpoint = map[string]string{}
				}
				out.Checkpoint[string(k)] = v
				return err
			})
		case "progress":
			if d.null() {
				out.Progress = nil
				return nil
			}
			out.Progress = &pregonero.Progress{}
			err = d.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "sent_bytes":
					out.Progress.SentBytes, err = d.int()
				case "total_bytes":
					out.Progress.TotalBytes, err = d.int()
				case "at":
					out.Progress.At, err = d.time()
				default:
					err = d.skip()
				}
				return err
			})
		case "updated_at":
			out.UpdatedAt, err = d.time()
		default:
			err = d.skip()
		}
		return err
	})
	if err == nil && !sawVersion {
		err = fmt.Errorf("decode record: no version")
	}
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return nil, fmt.Errorf("decode delivery: %w", err)
	}
	return out, nil
}

func decodeAttempt(d *decoder, a *pregonero.Attempt) error {
	return d.object(func(k []byte) error {
		var err error
		var n int64
		var s string
		switch string(k) {
		case "n":
			n, err = d.int()
			a.N = int(n)
		case "started_at":
			a.StartedAt, err = d.time()
		case "finished_at":
			a.FinishedAt, err = d.time()
		case "outcome":
			s, err = d.string()
			a.Outcome = pregonero.AttemptOutcome(s)
		case "code":
			a.Code, err = d.string()
		case "message":
			a.Message, err = d.string()
		case "network_message":
			a.NetworkMessage, err = d.string()
		case "cause":
			a.Cause, err = d.string()
		case "http_status":
			n, err = d.int()
			a.HTTPStatus = int(n)
		case "reconciled":
			a.Reconciled, err = d.string()
		default:
			err = d.skip()
		}
		return err
	})
}

func decodeDeliveryError(d *decoder, e *pregonero.DeliveryError) error {
	return d.object(func(k []byte) error {
		var err error
		var s string
		switch string(k) {
		case "class":
			s, err = d.string()
			e.Class = pregonero.ErrorClass(s)
		case "code":
			e.Code, err = d.string()
		case "message":
			e.Message, err = d.string()
		case "network_message":
			e.NetworkMessage, err = d.string()
		case "cause":
			e.Cause, err = d.string()
		case "at":
			e.At, err = d.time()
		default:
			err = d.skip()
		}
		return err
	})
}

// decodePost decodes a v2 post record: the post without deliveries, and
// the ids of its deliveries in order.
func decodePost(b []byte) (*pregonero.Post, []string, error) {
	d := &decoder{b: b}
	out := &pregonero.Post{}
	var ids []string
	sawVersion := false
	err := d.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "v":
			sawVersion = true
			err = d.versionOf(postRecordVersion)
		case "id":
			out.ID, err = d.string()
		case "text":
			out.Text, err = d.string()
		case "link":
			out.Link, err = d.string()
		case "media":
			out.Media = nil
			err = d.array(func() error {
				m, err := decodePostMedia(d)
				out.Media = append(out.Media, m)
				return err
			})
		case "overrides":
			out.Overrides = nil
			err = d.object(func(acct []byte) error {
				o, err := decodeOverride(d)
				if out.Overrides == nil {
					out.Overrides = map[string]pregonero.Override{}
				}
				out.Overrides[string(acct)] = o
				return err
			})
		case "targets":
			out.Targets, err = d.strings()
		case "scheduled_at":
			out.ScheduledAt, err = d.time()
		case "campaign":
			out.Campaign, err = d.string()
		case "author":
			out.Author, err = d.string()
		case "unit":
			out.Unit, err = d.string()
		case "created_at":
			out.CreatedAt, err = d.time()
		case "updated_at":
			out.UpdatedAt, err = d.time()
		case "canceled_at":
			out.CanceledAt, err = d.time()
		case "deliveries":
			ids, err = d.strings()
		default:
			err = d.skip()
		}
		return err
	})
	if err == nil && !sawVersion {
		err = fmt.Errorf("decode record: no version")
	}
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("decode post: %w", err)
	}
	return out, ids, nil
}

func decodePostMedia(d *decoder) (pregonero.PostMedia, error) {
	var m pregonero.PostMedia
	err := d.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "id":
			m.ID, err = d.string()
		case "alt_text":
			m.AltText, err = d.stringOrNull()
		default:
			err = d.skip()
		}
		return err
	})
	return m, err
}

func decodeOverride(d *decoder) (pregonero.Override, error) {
	var o pregonero.Override
	err := d.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "text":
			if d.null() {
				o.Text = nil
				return nil
			}
			var s string
			s, err = d.string()
			o.Text = &s
		case "title":
			o.Title, err = d.stringOrNull()
		case "description":
			o.Description, err = d.stringOrNull()
		case "tags":
			o.Tags, err = d.strings()
		case "format":
			o.Format, err = d.stringOrNull()
		case "category":
			o.Category, err = d.stringOrNull()
		case "language":
			o.Language, err = d.stringOrNull()
		case "made_for_kids":
			if d.null() {
				o.MadeForKids = nil
				return nil
			}
			var b bool
			b, err = d.bool()
			o.MadeForKids = &b
		case "thumbnail":
			o.Thumbnail, err = d.stringOrNull()
		default:
			err = d.skip()
		}
		return err
	})
	return o, err
}

package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"pregonero"
)

// DecodePostRequest decodes a post body strictly: exactly one JSON object,
// no unknown fields, every field of its type. Every error it returns is a
// *pregonero.Error with code invalid naming the field at fault.
func DecodePostRequest(r io.Reader) (PostRequest, error) {
	var req PostRequest
	err := decodeStrict(r, &req, false)
	return req, err
}

// decodeBody decodes a JSON request body of at most max bytes into v. A
// body sent as something else than JSON (a form, as curl -d sends by
// default) is refused with a message that says so; a request without a
// Content-Type is read as JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, max int64, v any, allowEmpty bool) error {
	body := http.MaxBytesReader(w, r.Body, max)
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSONType(ct) {
		var one [1]byte
		if n, _ := io.ReadFull(body, one[:]); n == 0 && allowEmpty {
			return nil // no body where none is needed
		}
		return notJSON(ct)
	}
	return decodeStrict(body, v, allowEmpty)
}

// isJSONType reports whether a Content-Type is JSON: application/json or
// a +json type, with any parameters.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func notJSON(ct string) error {
	msg := fmt.Sprintf("This endpoint takes a JSON body sent with Content-Type: application/json; this request sent %s.", ct)
	if mt, _, _ := mime.ParseMediaType(ct); mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" {
		msg = fmt.Sprintf("This endpoint takes JSON, not a form: send the body as a JSON object with Content-Type: application/json (this request sent %s; with curl, use --json or -H 'Content-Type: application/json').", mt)
	}
	return &pregonero.Error{Code: pregonero.EUNSUPPORTEDMEDIA, Message: msg, Fields: []pregonero.FieldError{{
		Field: "Content-Type", Code: pregonero.FieldUnsupported, Actual: ct, Limit: "application/json", Message: msg,
	}}}
}

// decodeStrict decodes exactly one JSON value from r into v. An empty
// body is accepted only when allowEmpty, leaving v as it is. What the
// decoder would change without a word is refused first (see checkInput).
func decodeStrict(r io.Reader, v any, allowEmpty bool) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return decodeError(err)
	}
	if errs := checkInput(body, reflect.TypeOf(v)); len(errs) > 0 {
		return pregonero.Invalid(errs)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if allowEmpty && err == io.EOF {
			return nil
		}
		return decodeError(err)
	}
	switch _, err := dec.Token(); {
	case err == io.EOF:
		return nil
	case err == nil:
		return malformed("The request body holds more than one JSON value.")
	default:
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return malformed("The request body holds data after its JSON value.")
		}
		return decodeError(err)
	}
}

func malformed(msg string) error {
	return malformedError{pregonero.Invalid([]pregonero.FieldError{{Field: "body", Code: pregonero.FieldInvalid, Message: msg}})}
}

// decodeError explains a decoding failure in terms of the request's
// fields.
func decodeError(err error) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge("body", mbe.Limit)
	case err == io.EOF:
		return malformedError{pregonero.Invalid([]pregonero.FieldError{{
			Field: "body", Code: pregonero.FieldRequired, Message: "The request body is empty; send a JSON object.",
		}})}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("The JSON in the request body ends too early.")
	case errors.As(err, &se):
		return malformed(fmt.Sprintf("The request body is not valid JSON (at byte %d): %s.", se.Offset, strings.TrimPrefix(se.Error(), "json: ")))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return pregonero.Invalid([]pregonero.FieldError{{
				Field: "body", Code: pregonero.FieldInvalid, Actual: te.Value,
				Message: fmt.Sprintf("The request body must be %s, not %s.", jsonKind(te.Type), te.Value),
			}})
		}
		return pregonero.Invalid([]pregonero.FieldError{{
			Field: field, Code: pregonero.FieldInvalid, Actual: te.Value,
			Message: fmt.Sprintf("%s must be %s, not %s.", field, jsonKind(te.Type), te.Value),
		}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		return pregonero.Invalid([]pregonero.FieldError{{
			Field: name, Code: pregonero.FieldUnknown, Actual: name,
			Message: fmt.Sprintf("Unknown field %q.", name),
		}})
	case strings.HasPrefix(err.Error(), "json: "):
		// Other decoder complaints (a number out of range, say) are still
		// about the input.
		return pregonero.Invalid([]pregonero.FieldError{{
			Field: "body", Code: pregonero.FieldInvalid, Message: strings.TrimPrefix(err.Error(), "json: ") + ".",
		}})
	}
	return fmt.Errorf("read request body: %w", err)
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if t == reflect.TypeFor[pregonero.PostMedia]() {
		return `a media id or an object {"id","alt_text"}`
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a " + t.String()
}

// inputCheck walks the tokens of a JSON document along the Go type it is
// decoded into, collecting what encoding/json would accept but change
// without a word: a string that is not UTF-8 or holds half a surrogate
// pair (both become U+FFFD), a key given twice in one object (the last
// wins) and a key that is not exactly a field's name (matched ignoring
// case). The decoder itself still refuses unknown fields and wrong types.
type inputCheck struct {
	dec  *json.Decoder
	body []byte
	errs []pregonero.FieldError
}

// checkInput returns the field errors of body for the type t it is to be
// decoded into. A body that is not JSON has none here: the decoder says
// what is wrong with it.
func checkInput(body []byte, t reflect.Type) []pregonero.FieldError {
	c := &inputCheck{dec: json.NewDecoder(bytes.NewReader(body)), body: body}
	c.dec.UseNumber() // a number out of range is the decoder's to report
	if err := c.value(t, "", ""); err != nil {
		return nil
	}
	return c.errs
}

// shape returns the type whose JSON shape t takes: pointers followed, nil
// for an interface or a type that decodes itself, whose keys are its own.
func shape(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	if s, ok := shapes.Load(t); ok {
		if s == nil {
			return nil
		}
		return s.(reflect.Type)
	}
	s := reflectShape(t)
	shapes.Store(t, s)
	return s
}

// shapes caches shape by type, as fieldsByType caches jsonFields.
var shapes sync.Map // reflect.Type → reflect.Type, or nil

// selfDecodedObjects are types that decode themselves from another JSON
// value (a bare media id) or from the object of their own fields, which
// are checked like any struct's.
var selfDecodedObjects = []reflect.Type{reflect.TypeFor[pregonero.PostMedia]()}

func reflectShape(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if slices.Contains(selfDecodedObjects, t) {
		return t
	}
	if t == nil || t.Kind() == reflect.Interface ||
		reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) ||
		reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return nil
	}
	return t
}

// value checks one JSON value for a field of type t at path (the API's
// name: "overrides.text"), within the map entry target (an account id).
func (c *inputCheck) value(t reflect.Type, path, target string) error {
	start := c.dec.InputOffset()
	tok, err := c.dec.Token()
	if err != nil {
		return err
	}
	t = shape(t)
	switch tok {
	case json.Delim('{'):
		return c.object(t, path, target)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for c.dec.More() {
			if err := c.value(elem, path, target); err != nil {
				return err
			}
		}
		_, err := c.dec.Token()
		return err
	}
	if _, ok := tok.(string); ok {
		c.checkString(start, path, target, false)
	}
	return nil
}

func (c *inputCheck) object(t reflect.Type, path, target string) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	isMap := false
	if t != nil {
		switch t.Kind() {
		case reflect.Struct:
			fields = jsonFields(t)
		case reflect.Map:
			isMap, elem = true, t.Elem()
		}
	}
	seen := map[string]bool{}
	for c.dec.More() {
		start := c.dec.InputOffset()
		tok, err := c.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		c.checkString(start, path, target, true)
		var ft reflect.Type
		childPath, childTarget := joinPath(path, key), target
		switch {
		case isMap:
			// Keys are data (account ids): the entry is named by its key.
			ft, childPath = elem, path
			if childTarget == "" {
				childTarget = key
			}
		case fields != nil:
			if f, ok := fields[key]; ok {
				ft = f
			} else if name, ok := nearName(fields, key); ok {
				ft = fields[name]
				c.errs = append(c.errs, pregonero.FieldError{Target: target, Field: childPath, Code: pregonero.FieldUnknown,
					Actual: key, Limit: name,
					Message: fmt.Sprintf("Unknown field %q; did you mean %q? Field names must match exactly.", key, name)})
			}
			// Other keys are unknown: the decoder refuses them.
		}
		if seen[key] {
			if isMap {
				c.errs = append(c.errs, pregonero.FieldError{Target: childTarget, Field: describePath(path), Code: pregonero.FieldDuplicate,
					Actual: key, Message: fmt.Sprintf("The key %q appears more than once in %s; send each entry once.", key, describePath(path))})
			} else {
				c.errs = append(c.errs, pregonero.FieldError{Target: target, Field: childPath, Code: pregonero.FieldDuplicate,
					Actual: key, Message: fmt.Sprintf("The field %q appears more than once in the same object; send it once.", key)})
			}
		}
		seen[key] = true
		if err := c.value(ft, childPath, childTarget); err != nil {
			return err
		}
	}
	_, err := c.dec.Token()
	return err
}

// checkString checks the raw text of the string token that ends at the
// decoder's offset and starts after start (behind a separator and white
// space): it must be UTF-8 and hold no half of a surrogate pair.
func (c *inputCheck) checkString(start int64, path, target string, key bool) {
	end := c.dec.InputOffset()
	raw := c.body[start:end]
	q := bytes.IndexByte(raw, '"')
	if q < 0 || len(raw) < q+2 {
		return
	}
	actual, surrogate, at := rawStringProblem(raw[q+1 : len(raw)-1])
	if actual == "" {
		return
	}
	offset := int(start) + q + 1 + at
	what := describePath(path)
	if path == "" {
		what = "the body"
	}
	if key {
		what = "A field name in " + what
	}
	if target != "" {
		what += " for " + target
	}
	msg := fmt.Sprintf("%s is not valid UTF-8: the byte %s at offset %d of the body does not start a character.", what, actual, offset)
	if surrogate {
		msg = fmt.Sprintf("%s holds the escape %s at offset %d of the body, half of a UTF-16 surrogate pair, which is no character; escape a character outside the BMP as both halves.", what, actual, offset)
	}
	c.errs = append(c.errs, pregonero.FieldError{Target: target, Field: describePath(path), Code: pregonero.FieldInvalid,
		Actual: actual, Message: msg})
}

// rawStringProblem returns what is wrong with the raw contents of a JSON
// string (between the quotes) and where: a byte that is not UTF-8
// ("0xFF") or an escape of half a surrogate pair (\ud800, surrogate
// true). It returns "" when nothing is.
func rawStringProblem(raw []byte) (actual string, surrogate bool, at int) {
	for i := 0; i < len(raw); {
		switch b := raw[i]; {
		case b == '\\' && i+1 < len(raw) && raw[i+1] == 'u' && i+6 <= len(raw):
			r1 := hex4(raw[i+2 : i+6])
			switch {
			case r1 >= 0xD800 && r1 < 0xDC00:
				if i+12 <= len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
					if r2 := hex4(raw[i+8 : i+12]); r2 >= 0xDC00 && r2 < 0xE000 {
						i += 12
						continue
					}
				}
				return string(raw[i : i+6]), true, i
			case r1 >= 0xDC00 && r1 < 0xE000:
				return string(raw[i : i+6]), true, i
			}
			i += 6
		case b == '\\':
			i += 2
		case b < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				return fmt.Sprintf("0x%02X", b), false, i
			}
			i += size
		}
	}
	return "", false, 0
}

// hex4 reads four hex digits; anything else gives -1.
func hex4(b []byte) rune {
	n, err := strconv.ParseUint(string(b), 16, 16)
	if err != nil {
		return -1
	}
	return rune(n)
}

// jsonFields returns the JSON names encoding/json decodes into a struct
// type, with their types: the tag's name or the Go name, fields of
// embedded structs promoted unless shadowed.
// fieldsByType caches jsonFields by type: the request types are few and
// fixed, and reflecting over them on every object of every request would
// be work done again and again for the same answer.
var fieldsByType sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields returns the JSON member names of struct type t (the json tag
// name, or the field name; embedded structs' fields promoted) with their
// types. The map is shared: callers must not change it.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldsByType.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := reflectFields(t)
	fieldsByType.Store(t, m)
	return m
}

func reflectFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	for _, et := range embedded {
		for name, ft := range jsonFields(et) {
			if _, ok := out[name]; !ok {
				out[name] = ft
			}
		}
	}
	return out
}

// nearName returns the field name key differs from only in case, dashes
// or underscores: encoding/json matches names ignoring case (with Unicode
// folding: the Kelvin sign is a k), so such a key would be taken for the
// field.
func nearName(fields map[string]reflect.Type, key string) (string, bool) {
	norm := strings.NewReplacer("_", "", "-", "").Replace
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if strings.EqualFold(norm(name), norm(key)) {
			return name, true
		}
	}
	return "", false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describePath names a path in a message; the empty path is the body.
func describePath(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

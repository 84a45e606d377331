package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

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

// decodeBody decodes a JSON request body of at most max bytes into v.
func decodeBody(w http.ResponseWriter, r *http.Request, max int64, v any, allowEmpty bool) error {
	return decodeStrict(http.MaxBytesReader(w, r.Body, max), v, allowEmpty)
}

// decodeStrict decodes exactly one JSON value from r into v. An empty
// body is accepted only when allowEmpty, leaving v as it is.
func decodeStrict(r io.Reader, v any, allowEmpty bool) error {
	dec := json.NewDecoder(r)
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

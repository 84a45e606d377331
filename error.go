package pregonero

import (
	"errors"
	"fmt"
	"strings"
)

// Application error codes. Exactly one table in web/ maps them to HTTP
// statuses; they are stable and scripts may rely on them.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ERATELIMITED  = "rate_limited"
	ETOOLARGE     = "too_large"
	EUNAVAILABLE  = "unavailable"
	// ESTORAGEFULL means the disk of the data file is full: nothing new
	// can be stored until space is freed; what was stored before is safe.
	ESTORAGEFULL = "storage_full"
	// EMETHODNOTALLOWED means the route exists but not with this method;
	// the answer lists the methods it has.
	EMETHODNOTALLOWED = "method_not_allowed"
	// EUNSUPPORTEDMEDIA means the request body is not in a format the
	// endpoint takes (a form where JSON is expected).
	EUNSUPPORTEDMEDIA = "unsupported_media_type"
)

// Error is the domain error returned to users: a stable machine code, an
// English message, and, for invalid input, the fields at fault.
type Error struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("pregonero error: code=%s message=%s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.String()
	}
	return fmt.Sprintf("pregonero error: code=%s message=%s fields=[%s]", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the application error in err's chain, or
// EINTERNAL when there is none. A nil err has no code.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the application error in err's
// chain, or a generic message for internal errors, whose details are
// logged, not shown.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// FieldError says which field of which target breaks which rule, with the
// limit and the actual value, so a person can fix it without guessing.
type FieldError struct {
	Target  string `json:"target,omitempty"` // account id or network, empty for the post itself
	Field   string `json:"field"`
	Code    string `json:"code"`
	Limit   any    `json:"limit,omitempty"`
	Actual  any    `json:"actual,omitempty"`
	Message string `json:"message"`
}

// Field error codes.
const (
	FieldRequired    = "required"
	FieldTooLong     = "too_long"
	FieldTooMany     = "too_many"
	FieldTooLarge    = "too_large"
	FieldInvalid     = "invalid"
	FieldUnknown     = "unknown"
	FieldInPast      = "in_past"
	FieldUnsupported = "unsupported"
	FieldDuplicate   = "duplicate"
)

func (f FieldError) String() string {
	s := f.Field
	if f.Target != "" {
		s = f.Target + ":" + s
	}
	return s + ": " + f.Message
}

// Invalid returns an EINVALID error carrying the field errors.
func Invalid(fields []FieldError) *Error {
	msg := "The request has invalid fields."
	if len(fields) == 1 {
		msg = fields[0].Message
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

package fake

import (
	"fmt"
	"net/http"
	"strings"

	"pregonero/adapters/fakenet"
)

// apiError is one Google API error: the HTTP status, the reason and domain
// of its single errors[] item and the message.
type apiError struct {
	Status  int
	Reason  string
	Domain  string
	Message string
	// Location names the offending parameter or header, as Google does
	// for authError ("Authorization") and bad parameters.
	Location, LocationType string
	// ItemMessage, when set, is the message of the errors[] item where
	// Google's differs from the top-level one.
	ItemMessage string
	// Scopes, when set, marks a refusal for insufficient scope: the
	// scopes the method accepts, named in the WWW-Authenticate header.
	Scopes []string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Reason, e.Message) }

// errorBody is Google's JSON error envelope.
type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Code    int         `json:"code"`
	Message string      `json:"message"`
	Errors  []errorItem `json:"errors"`
	Status  string      `json:"status,omitempty"`
	Details []errorInfo `json:"details,omitempty"`
}

// errorInfo is a google.rpc.ErrorInfo detail.
type errorInfo struct {
	Type     string            `json:"@type"`
	Reason   string            `json:"reason"`
	Domain   string            `json:"domain"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

type errorItem struct {
	Message      string `json:"message"`
	Domain       string `json:"domain"`
	Reason       string `json:"reason"`
	Location     string `json:"location,omitempty"`
	LocationType string `json:"locationType,omitempty"`
}

// rpcStatus is the canonical status Google sends with an HTTP status.
func rpcStatus(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ABORTED"
	case http.StatusRequestEntityTooLarge:
		return "OUT_OF_RANGE"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusNotImplemented:
		return "UNIMPLEMENTED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	}
	if code >= 500 {
		return "INTERNAL"
	}
	return "FAILED_PRECONDITION"
}

// writeError sends e in Google's shape.
func writeError(w http.ResponseWriter, e *apiError) {
	domain := e.Domain
	if domain == "" {
		domain = "youtube.api"
	}
	itemMessage := e.Message
	if e.ItemMessage != "" {
		itemMessage = e.ItemMessage
	}
	var details []errorInfo
	switch {
	case e.Status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	case e.Scopes != nil:
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="`+strings.Join(e.Scopes, " ")+`"`)
		details = []errorInfo{{Type: "type.googleapis.com/google.rpc.ErrorInfo", Reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
			Domain: "googleapis.com", Metadata: map[string]string{"service": "youtube.googleapis.com"}}}
	}
	fakenet.WriteJSON(w, e.Status, errorBody{errorObject{
		Code:    e.Status,
		Message: e.Message,
		Errors:  []errorItem{{Message: itemMessage, Domain: domain, Reason: e.Reason, Location: e.Location, LocationType: e.LocationType}},
		Status:  rpcStatus(e.Status),
		Details: details,
	}})
}

// Errors the fake sends. Messages are YouTube's where known.

func authError() *apiError {
	return &apiError{Status: http.StatusUnauthorized, Reason: "authError", Domain: "global",
		Message:  "Invalid Credentials",
		Location: "Authorization", LocationType: "header"}
}

func quotaExceeded() *apiError {
	return &apiError{Status: http.StatusForbidden, Reason: "quotaExceeded", Domain: "youtube.quota",
		Message: "The request cannot be completed because you have exceeded your quota."}
}

// rateLimitExceeded is the answer to calls past a per-minute quota:
// Google answers 429 with the reason rateLimitExceeded.
func rateLimitExceeded() *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Reason: "rateLimitExceeded", Domain: "youtube.quota",
		Message: "The request cannot be completed because you have exceeded your rate limit."}
}

func uploadLimitExceeded() *apiError {
	return &apiError{Status: http.StatusBadRequest, Reason: "uploadLimitExceeded", Domain: "youtube.video",
		Message: "The user has exceeded the number of videos they may upload."}
}

func invalidMetadata(reason, message string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Reason: reason, Domain: "youtube.video", Message: message}
}

func badRequest(reason, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Reason: reason, Domain: "global", Message: fmt.Sprintf(format, args...)}
}

func required(param string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Reason: "required", Domain: "global",
		Message: "Required parameter: " + param, Location: param, LocationType: "parameter"}
}

func videoNotFound(message string) *apiError {
	return &apiError{Status: http.StatusNotFound, Reason: "videoNotFound", Domain: "youtube.video", Message: message}
}

func forbidden(message string) *apiError {
	return &apiError{Status: http.StatusForbidden, Reason: "forbidden", Domain: "youtube.video", Message: message}
}

func notFound(message string) *apiError {
	return &apiError{Status: http.StatusNotFound, Reason: "notFound", Domain: "global", Message: message}
}

// faultError is the error a fault rule of mode error answers: the rule's
// status with the reason YouTube sends with it.
func faultError(status int) *apiError {
	e := &apiError{Status: status, Domain: "global"}
	switch status {
	case http.StatusServiceUnavailable:
		e.Reason, e.Message = "backendError", "Backend Error"
	case http.StatusInternalServerError:
		e.Reason, e.Message = "internalError", "Internal error encountered."
	case http.StatusForbidden:
		e.Reason, e.Domain, e.Message = "forbidden", "youtube.video", "The request is not properly authorized."
	case http.StatusTooManyRequests:
		e.Reason, e.Domain, e.Message = "rateLimitExceeded", "youtube.quota", "The request cannot be completed because you have exceeded your rate limit."
	case http.StatusUnauthorized:
		return authError()
	case http.StatusNotFound:
		e.Reason, e.Message = "notFound", "Not Found"
	case http.StatusBadRequest:
		e.Reason, e.Message = "badRequest", "Bad Request"
	default:
		if status >= 500 {
			e.Reason, e.Message = "backendError", http.StatusText(status)
		} else {
			e.Reason, e.Message = lowerFirst(strings.ReplaceAll(http.StatusText(status), " ", "")), http.StatusText(status)
		}
	}
	return e
}

func lowerFirst(s string) string {
	if s == "" {
		return "error"
	}
	return strings.ToLower(s[:1]) + s[1:]
}

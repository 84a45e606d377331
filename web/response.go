package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"pregonero"
)

// Log attribute keys of the web package: short names for the keys every
// package shares (pregonero.LogErr and its kin); no key is defined here.
const (
	logMethod   = pregonero.LogMethod
	logPath     = pregonero.LogPath
	logStatus   = pregonero.LogStatus
	logDuration = pregonero.LogDuration
	logBytes    = pregonero.LogBytes
	logErr      = pregonero.LogErr
	logCode     = pregonero.LogCode
	logPanic    = pregonero.LogPanic
	logStack    = pregonero.LogStack
	logFile     = pregonero.LogFile
)

// statusByCode is the one table mapping application error codes to HTTP
// statuses. Malformed JSON is invalid too but answers 400; see writeError.
var statusByCode = map[string]int{
	pregonero.EINVALID:      http.StatusUnprocessableEntity,
	pregonero.ENOTFOUND:     http.StatusNotFound,
	pregonero.ECONFLICT:     http.StatusConflict,
	pregonero.EUNAUTHORIZED: http.StatusUnauthorized,
	pregonero.EFORBIDDEN:    http.StatusForbidden,
	pregonero.ERATELIMITED:  http.StatusTooManyRequests,
	pregonero.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	pregonero.EUNAVAILABLE:  http.StatusServiceUnavailable,
	pregonero.ESTORAGEFULL:  http.StatusInsufficientStorage,
	pregonero.EINTERNAL:     http.StatusInternalServerError,

	pregonero.EMETHODNOTALLOWED: http.StatusMethodNotAllowed,
	pregonero.EUNSUPPORTEDMEDIA: http.StatusUnsupportedMediaType,
}

// storageRetryAfter is what a client is told to wait, in seconds, when the
// disk is full: space is usually freed by a person, not in a second.
const storageRetryAfter = "60"

// StatusForCode returns the HTTP status of an application error code;
// unknown codes are internal errors.
func StatusForCode(code string) int {
	if st, ok := statusByCode[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// codeForStatus is the inverse of statusByCode, for the client to classify
// an answer that carries no error document (a proxy's page, say).
func codeForStatus(status int) string {
	for code, st := range statusByCode {
		if st == status {
			return code
		}
	}
	switch {
	case status == http.StatusBadRequest:
		return pregonero.EINVALID
	case status >= 500:
		return pregonero.EUNAVAILABLE
	}
	return pregonero.EINTERNAL
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error *pregonero.Error `json:"error"`
}

// malformedError marks an invalid error caused by a body that is not
// JSON at all, answered with 400 rather than 422.
type malformedError struct{ err *pregonero.Error }

func (e malformedError) Error() string { return e.err.Error() }
func (e malformedError) Unwrap() error { return e.err }

// asAppError turns any error into the application error shown to the
// client. Errors that are not application errors are internal: their
// details go to the log, not to the client.
func asAppError(err error) (*pregonero.Error, int) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		e := tooLarge("body", mbe.Limit)
		return e, StatusForCode(e.Code)
	}
	var e *pregonero.Error
	if errors.As(err, &e) {
		var me malformedError
		if errors.As(err, &me) {
			return e, http.StatusBadRequest
		}
		return e, StatusForCode(e.Code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "The server took too long; try again."), http.StatusServiceUnavailable
	}
	return &pregonero.Error{Code: pregonero.EINTERNAL, Message: pregonero.ErrorMessage(err)}, http.StatusInternalServerError
}

func tooLarge(field string, limit int64) *pregonero.Error {
	return &pregonero.Error{
		Code:    pregonero.ETOOLARGE,
		Message: fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit),
		Fields: []pregonero.FieldError{{
			Field: field, Code: pregonero.FieldTooLarge, Limit: limit,
			Message: fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit),
		}},
	}
}

// writeError answers with the error document; internal errors are logged
// with their cause.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, status := asAppError(err)
	if status >= 500 {
		s.logger.ErrorContext(r.Context(), "request failed", logMethod, r.Method, logPath, r.URL.Path, logErr, err)
	} else {
		s.logger.DebugContext(r.Context(), "request refused", logMethod, r.Method, logPath, r.URL.Path, logCode, e.Code, logErr, err)
	}
	switch e.Code {
	case pregonero.EUNAUTHORIZED:
		w.Header().Set("WWW-Authenticate", `Bearer realm="pregonero"`)
	case pregonero.ESTORAGEFULL:
		w.Header().Set("Retry-After", storageRetryAfter)
	}
	writeJSON(w, status, errorBody{Error: e})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"Internal error."}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeText answers with plain text, for the probes.
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text + "\n"))
}

// statusRecorder remembers what a handler answered, for the request log
// and for panic recovery.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// quietPaths are polled by machines; their successes are logged at debug
// level only, so they do not drown the requests people make.
var quietPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// logRequests logs one line per request. Query strings are left out: the
// path is enough to follow a request, and nothing secret rides in a URL.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec, ok := w.(*statusRecorder)
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
		}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		switch {
		case rec.status >= 500:
			level = slog.LevelWarn
		case rec.status < 400 && quietPaths[r.URL.Path]:
			level = slog.LevelDebug
		}
		s.logger.LogAttrs(r.Context(), level, "request",
			slog.String(logMethod, r.Method), slog.String(logPath, r.URL.Path),
			slog.Int(logStatus, rec.status), slog.Duration(logDuration, time.Since(start)),
			slog.Int64(logBytes, rec.bytes))
	})
}

// recoverPanics turns a panicking handler into a 500 answer and a logged
// stack instead of a dropped connection: the API's JSON error, or the web
// interface's error page for a person (see forPeople).
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logger.ErrorContext(r.Context(), "handler panic", logMethod, r.Method, logPath, r.URL.Path,
				logPanic, fmt.Sprint(v), logStack, string(debug.Stack()))
			switch {
			case rec.status != 0:
			case s.forPeople(r):
				s.uiPanicPage(rec, r)
			default:
				writeJSON(rec, http.StatusInternalServerError, errorBody{Error: &pregonero.Error{Code: pregonero.EINTERNAL, Message: "Internal error."}})
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

package fakenet

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client is gone if this fails; nothing to tell it
}

// WriteError writes the error shape of Pregonero's own API,
// {"error":{"code","message"}}, used by the sandbox inspection endpoints
// (the fakes answer in their network's own error shapes instead).
func WriteError(w http.ResponseWriter, status int, code, message string) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	WriteJSON(w, status, struct {
		Error body `json:"error"`
	}{body{code, message}})
}

// Serve starts h on an httptest server closed at the end of the test and
// returns its base URL followed by prefix: the endpoint an account of the
// fake takes.
func Serve(tb testing.TB, h http.Handler, prefix string) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL + prefix
}

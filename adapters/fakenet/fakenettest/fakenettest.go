// Package fakenettest starts the network fakes on httptest servers for
// tests. It lives apart from fakenet so that the production binary, which
// serves the fakes with net/http alone in the sandbox, links neither
// testing nor net/http/httptest.
package fakenettest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Serve starts h on an httptest server closed at the end of the test and
// returns its base URL followed by prefix: the endpoint an account of the
// fake takes. The prefix is trimmed of slashes the way the fakes trim
// their Options.Prefix, so a fake's options can be passed as they are.
func Serve(tb testing.TB, h http.Handler, prefix string) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	if p := strings.Trim(prefix, "/"); p != "" {
		return srv.URL + "/" + p
	}
	return srv.URL
}

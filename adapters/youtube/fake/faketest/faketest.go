// Package faketest starts the YouTube fake on an httptest server for tests.
// It lives apart from package fake so that the production binary, which
// mounts the fake in the sandbox, links neither testing nor
// net/http/httptest.
package faketest

import (
	"testing"

	"pregonero/adapters/fakenet/fakenettest"
	"pregonero/adapters/youtube/fake"
)

// NewServer starts the fake with default options on an httptest server
// closed at the end of the test, and returns it with its base URL, without
// a trailing slash: the value an account's endpoint takes.
func NewServer(tb testing.TB) (*fake.Fake, string) {
	tb.Helper()
	return NewServerWithOptions(tb, fake.Options{})
}

// NewServerWithOptions is NewServer with options; the base URL includes
// opts.Prefix, under which the fake expects its requests.
func NewServerWithOptions(tb testing.TB, opts fake.Options) (*fake.Fake, string) {
	tb.Helper()
	f := fake.New(opts)
	return f, fakenettest.Serve(tb, f, opts.Prefix)
}

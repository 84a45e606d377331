package web

// HandleRotateToken exposes the handler of POST /api/v1/token/rotate to
// the tests of package web_test.
var HandleRotateToken = (*Server).handleRotateToken

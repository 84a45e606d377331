package graph

import (
	"io"
	"net/http"
	"sync"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
)

// statusClient is the session's HTTP client: it remembers the status of
// the last response, which huandu does not expose (it reads the body
// whatever the status).
type statusClient struct {
	c *http.Client

	mu     sync.Mutex
	status int
}

func (sc *statusClient) record(resp *http.Response, err error) (*http.Response, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.status = 0
	if err == nil && resp != nil {
		sc.status = resp.StatusCode
	}
	return resp, err
}

// Do implements fb.HttpClient.
func (sc *statusClient) Do(req *http.Request) (*http.Response, error) { return sc.record(sc.c.Do(req)) }

// Get implements fb.HttpClient.
func (sc *statusClient) Get(url string) (*http.Response, error) { return sc.record(sc.c.Get(url)) }

// Post implements fb.HttpClient.
func (sc *statusClient) Post(url, bodyType string, body io.Reader) (*http.Response, error) {
	return sc.record(sc.c.Post(url, bodyType, body))
}

// HTTPStatus returns the HTTP status of the last response a session made
// by Config.Session received, 0 when the last request got no answer or the
// session was made otherwise. A session is used by one goroutine at a
// time, so the last response is the one of the request just made.
func HTTPStatus(s *fb.Session) int {
	if s == nil {
		return 0
	}
	sc, ok := s.HttpClient.(*statusClient)
	if !ok {
		return 0
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.status
}

// ClassifyIn is Classify for a request made with s: the PublishError also
// carries the HTTP status of the answer.
func ClassifyIn(s *fb.Session, network string, op Op, err error, res fb.Result, now time.Time) *pregonero.PublishError {
	pe := Classify(network, op, err, res, now)
	if pe != nil && pe.HTTPStatus == 0 {
		pe.HTTPStatus = HTTPStatus(s)
	}
	return pe
}

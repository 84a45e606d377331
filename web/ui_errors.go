package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"pregonero"
)

// Errors for people: a request of a person's browser that reaches no page
// (an unknown path, a method the path does not take) or whose page
// panics is answered with the web interface's error page, in the
// person's language, rather than the API's JSON (see serveMux and
// recoverPanics). The API and the paths machines use keep their JSON.

// machinePaths are answered for programs whatever they accept: the API
// and its description, signed media, the probes, the metrics and the
// sandbox's endpoints (each path and everything under it).
var machinePaths = []string{"/api", "/media", "/healthz", "/readyz", "/metrics", "/_sandbox"}

// forPeople reports whether a request that fails is answered with the web
// interface's HTML error page rather than the API's JSON: the interface
// is on, the path is none of machinePaths, and the client accepts HTML (a
// browser does; curl and the API client do not ask for it).
func (s *Server) forPeople(r *http.Request) bool {
	if s.ui == nil {
		return false
	}
	for _, m := range machinePaths {
		if r.URL.Path == m || strings.HasPrefix(r.URL.Path, m+"/") {
			return false
		}
	}
	return acceptsHTML(r.Header.Values("Accept"))
}

// acceptsHTML reports whether Accept header values name text/html with a
// non-zero quality.
func acceptsHTML(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, _ := strings.Cut(part, ";")
			if !strings.EqualFold(strings.TrimSpace(mt), "text/html") {
				continue
			}
			refused := false
			for p := range strings.SplitSeq(params, ";") {
				k, q, ok := strings.Cut(p, "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
					refused = err != nil || f <= 0
				}
			}
			if !refused {
				return true
			}
		}
	}
	return false
}

// noRoute replaces the body of a 404 or 405 written by the mux: the API's
// JSON error, or, for a person (page), the web interface's error page.
type noRoute struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	page    bool
	swallow bool
}

func (n *noRoute) WriteHeader(code int) {
	var err error
	switch code {
	case http.StatusNotFound:
		err = pregonero.Errorf(pregonero.ENOTFOUND, "No route for %s %s.", n.r.Method, n.r.URL.Path)
	case http.StatusMethodNotAllowed:
		allow := n.ResponseWriter.Header().Get("Allow")
		err = pregonero.Errorf(pregonero.EMETHODNOTALLOWED, "%s %s is not supported; %s takes %s.", n.r.Method, n.r.URL.Path, n.r.URL.Path, allow)
	default:
		n.ResponseWriter.WriteHeader(code)
		return
	}
	n.swallow = true
	h := n.ResponseWriter.Header()
	h.Del("Content-Length")
	if n.page {
		n.s.uiErrorPage(n.ResponseWriter, n.r, err)
		return
	}
	n.s.writeError(n.ResponseWriter, n.r, err)
}

func (n *noRoute) Write(p []byte) (int, error) {
	if n.swallow {
		return len(p), nil
	}
	return n.ResponseWriter.Write(p)
}

func (n *noRoute) Unwrap() http.ResponseWriter { return n.ResponseWriter }

// uiErrorPage answers a request that reached no page (an unknown path, a
// method the path does not take) with the error page of err, for the
// signed-in person when the cookie names a session: in their language,
// with their menu.
func (s *Server) uiErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	rq := s.uiNewRequest(w, r)
	s.uiIdentify(rq)
	s.uiFail(rq, err)
}

// uiPanicPage answers a page whose handler panicked (recoverPanics logged
// it with its stack) with the internal error page; should that fail too,
// with plain words.
func (s *Server) uiPanicPage(w *statusRecorder, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.logger.ErrorContext(r.Context(), "error page panic", logMethod, r.Method, logPath, r.URL.Path, logPanic, fmt.Sprint(v))
			if w.status == 0 {
				writeText(w, http.StatusInternalServerError, "Internal error.")
			}
		}
	}()
	rq := s.uiNewRequest(w, r)
	s.uiIdentify(rq)
	s.uiWrite(rq, errorPageView(rq, pregonero.EINTERNAL, http.StatusInternalServerError))
}

// uiIdentify makes a request outside uiServe the signed-in person's when
// its cookie names a live session; otherwise it stays a visitor's.
func (s *Server) uiIdentify(rq *uiRequest) {
	c, err := rq.R.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return
	}
	if sess, u, err := s.ui.users.Session(rq.R.Context(), c.Value); err == nil {
		s.setUser(rq, sess, u, c.Value)
	}
}

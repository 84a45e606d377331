package web

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Limits, taken for its zero fields, and of LimitListener.
const (
	DefaultReadTimeout    = 30 * time.Second
	DefaultIdleTimeout    = 2 * time.Minute
	DefaultMinUploadRate  = 64 << 10
	DefaultMaxConnections = 1024
)

// maxReadHeaderTimeout bounds the reading of request headers; a shorter
// ReadTimeout bounds it too.
const maxReadHeaderTimeout = 10 * time.Second

// Limits bound how long one request may hold the server (LimitListener
// bounds the connections): a client that sends its request slowly, or not
// at all, is cut instead of keeping a connection, a goroutine and their
// buffers for as long as it likes.
type Limits struct {
	// ReadTimeout bounds the reading of a whole request, headers and body,
	// except media uploads, which MinUploadRate bounds instead.
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends nothing.
	IdleTimeout time.Duration
	// MinUploadRate is the slowest media upload, in bytes per second
	// averaged from its start, after a first ReadTimeout of grace; an
	// upload also fails when no byte comes for ReadTimeout.
	MinUploadRate int64
}

func (l Limits) withDefaults() Limits {
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultReadTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.MinUploadRate <= 0 {
		l.MinUploadRate = DefaultMinUploadRate
	}
	return l
}

// NewHTTPServer returns an http.Server serving h within the server's
// limits, its own errors (accept failures, bad handshakes) logged through
// the server's logger. Serve it on a LimitListener. There is no write
// timeout: backups and media stream for as long as the client reads.
func (s *Server) NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(maxReadHeaderTimeout, s.limits.ReadTimeout),
		// Every body is read within this deadline from the start of its
		// request; net/http lifts it once the body has been read to the
		// end, so a handler that runs longer is not cut. Uploads move it
		// themselves (paceUpload).
		ReadTimeout: s.limits.ReadTimeout,
		IdleTimeout: s.limits.IdleTimeout,
		ErrorLog:    slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
}

// LimitListener returns a listener that lets at most n connections be
// open at once (DefaultMaxConnections when n < 1): beyond, Accept waits
// for one to close, and the clients wait in the kernel's backlog instead
// of taking a file descriptor each.
func LimitListener(ln net.Listener, n int) net.Listener {
	if n < 1 {
		n = DefaultMaxConnections
	}
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	release := sync.OnceFunc(func() { <-l.sem })
	// A *net.TCPConn keeps its own methods: CloseWrite lets net/http end
	// a refused request gracefully, ReadFrom lets media go out by sendfile.
	if tc, ok := c.(*net.TCPConn); ok {
		return &limitedTCPConn{TCPConn: tc, release: release}, nil
	}
	return &limitedConn{Conn: c, release: release}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitedTCPConn struct {
	*net.TCPConn
	release func()
}

func (c *limitedTCPConn) Close() error {
	defer c.release()
	return c.TCPConn.Close()
}

type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	defer c.release()
	return c.Conn.Close()
}

// refusedBodyGrace is how long a body left unread may still come in once
// its answer is out: enough for one already on its way, whose connection
// then closes cleanly, not for one that is not coming.
const refusedBodyGrace = 500 * time.Millisecond

// closeUnread answers a request whose body was not read to its end with
// Connection: close. Otherwise net/http would read up to 256 KiB of the
// rest before answering, waiting on a client that may never send it: a
// refused request (no token, a bad signature, an unknown path) would hold
// its connection until the read deadline without an answer. With the
// header net/http answers at once; it still reads what it can of the body
// before closing, which refusedBodyGrace bounds.
func (s *Server) closeUnread(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		b := &eofBody{ReadCloser: r.Body}
		// A shallow copy: net/http looks at its own request's body after
		// the handler to close the connection gracefully.
		r = r.WithContext(r.Context())
		r.Body = b
		cw := &closeUnreadWriter{ResponseWriter: w, body: b}
		next.ServeHTTP(cw, r)
		cw.start() // a handler that wrote nothing is answered 200 by net/http
		if cw.closing {
			deadline := time.Now().Add(refusedBodyGrace)
			if d := start.Add(s.limits.ReadTimeout); d.Before(deadline) {
				deadline = d
			}
			_ = http.NewResponseController(w).SetReadDeadline(deadline)
		}
	})
}

// eofBody records whether its reader reached the end.
type eofBody struct {
	io.ReadCloser
	eof atomic.Bool
}

func (b *eofBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

type closeUnreadWriter struct {
	http.ResponseWriter
	body    *eofBody
	started bool
	closing bool
}

func (w *closeUnreadWriter) start() {
	if w.started {
		return
	}
	w.started = true
	if !w.body.eof.Load() {
		w.closing = true
		w.Header().Set("Connection", "close")
	}
}

func (w *closeUnreadWriter) WriteHeader(code int) {
	if code >= 200 { // 1xx answers are not the response
		w.start()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *closeUnreadWriter) Write(p []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(p)
}

func (w *closeUnreadWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// paceUpload lets an upload run past the read timeout for as long as it
// keeps the minimum rate: each read of the body moves the connection's
// read deadline to what the bytes received so far have earned.
func (s *Server) paceUpload(fn apiFunc) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &pacedBody{ReadCloser: r.Body, rc: http.NewResponseController(w), start: time.Now(),
				grace: s.limits.ReadTimeout, rate: s.limits.MinUploadRate}
		}
		return fn(w, r)
	}
}

// pacedBody sets the read deadline before each read: the upload must
// have averaged rate bytes per second since start, after a first grace,
// and no read may wait longer than grace.
type pacedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64
	n     int64
	// done stops the pacing at the end of the body: net/http then reads
	// the connection in the background, without a deadline, to notice a
	// client that goes away; a deadline set then would cancel the request.
	done bool
}

func (b *pacedBody) Read(p []byte) (int, error) {
	if !b.done {
		earned := b.grace + time.Duration(b.n/b.rate)*time.Second + time.Duration(b.n%b.rate)*time.Second/time.Duration(b.rate)
		deadline := b.start.Add(earned)
		if stall := time.Now().Add(b.grace); stall.Before(deadline) {
			deadline = stall
		}
		if err := b.rc.SetReadDeadline(deadline); err != nil {
			b.done = true // not a connection (a test recorder): nothing to pace
		}
	}
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err != nil {
		b.done = true
	}
	return n, err
}

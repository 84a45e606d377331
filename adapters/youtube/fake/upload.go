package fake

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
)

const (
	// headSize is how much of a video is kept for sniffing; the rest
	// only passes through the hash, so a long upload costs no memory.
	// Thumbnails are kept whole.
	headSize = 64 << 10
	// maxChunk bounds one chunk request, which is held in memory.
	maxChunk = 512 << 20
	// sessionLifetime is how long a resumable session URL stays usable.
	sessionLifetime = 7 * 24 * time.Hour
	// ChunkGranularity is the multiple every chunk of a resumable upload
	// but the last must be a whole number of: 256 KiB.
	ChunkGranularity = 256 << 10
)

// Session kinds.
const (
	kindVideo     = "video"
	kindThumbnail = "thumbnail"
)

// upload is the digest of received media: size, SHA-256 and the first
// keep bytes.
type upload struct {
	size int64
	hash hash.Hash
	head []byte
	keep int
}

func newUpload(keep int) *upload { return &upload{hash: sha256.New(), keep: keep} }

func (u *upload) write(p []byte) {
	u.hash.Write(p)
	if n := u.keep - len(u.head); n > 0 {
		u.head = append(u.head, p[:min(n, len(p))]...)
	}
	u.size += int64(len(p))
}

func (u *upload) sum() (s [32]byte) {
	copy(s[:], u.hash.Sum(nil))
	return s
}

// readUpload digests a body of at most limit bytes, keeping the first
// keep.
func readUpload(r io.Reader, limit int64, keep int) (*upload, *apiError) {
	u := newUpload(keep)
	buf := make([]byte, 256<<10)
	lr := io.LimitReader(r, limit+1)
	for {
		n, err := lr.Read(buf)
		u.write(buf[:n])
		if u.size > limit {
			return nil, tooLarge(limit)
		}
		if err == io.EOF {
			return u, nil
		}
		if err != nil {
			return nil, badRequest("badRequest", "The media could not be read: %s", err.Error())
		}
	}
}

// readRelated opens a multipart/related body: the JSON metadata part,
// possibly empty, and the media part, left unread for streaming (nil when
// the body has none).
func readRelated(r *http.Request) (metaBody []byte, media io.Reader, e *apiError) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return nil, nil, badRequest("badContent", "A multipart upload needs a multipart/related body with a boundary.")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	p, err := mr.NextPart()
	if err != nil {
		return nil, nil, badRequest("badContent", "The multipart body could not be read: %s", err.Error())
	}
	if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct == "application/json" {
		metaBody, err = io.ReadAll(io.LimitReader(p, maxMetadataBody+1))
		if err != nil || len(metaBody) > maxMetadataBody {
			return nil, nil, badRequest("badContent", "The request metadata could not be read.")
		}
		p, err = mr.NextPart()
		if err == io.EOF {
			return metaBody, nil, nil
		}
		if err != nil {
			return nil, nil, badRequest("badContent", "The multipart body could not be read: %s", err.Error())
		}
	}
	return metaBody, p, nil
}

// session is a resumable upload session.
type session struct {
	id      string
	kind    string
	chanID  string
	created time.Time
	parts   []string
	meta    meta   // kindVideo
	videoID string // kindThumbnail: the target; kindVideo: the result
	limit   int64
	// overLimit is the answer to a chunk that takes the upload past
	// limit.
	overLimit *apiError
	up        *upload
	// tail holds the bytes of the last chunk, from tailStart to the
	// received offset, so that a chunk sent again can be checked against
	// what was stored.
	tail      []byte
	tailStart int64
	done      bool
	result    *apiError // the final answer of a thumbnail that was refused
	thumbResp []byte    // the final answer of a thumbnail that was set
}

func (s *session) expired(now time.Time) bool { return now.Sub(s.created) >= sessionLifetime }

// newSession opens a session. The caller holds f.mu.
func (f *Fake) newSession(kind string, c *call, parts []string, keep int, now time.Time) *session {
	for id, s := range f.sessions {
		if s.expired(now) {
			delete(f.sessions, id)
		}
	}
	var b [18]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	s := &session{id: "AUp" + base64.RawURLEncoding.EncodeToString(b[:]),
		kind: kind, chanID: c.chanID, created: now, parts: parts, up: newUpload(keep)}
	f.sessions[s.id] = s
	return s
}

// startSession answers an initiation with the absolute session URL: the
// request's own URL with upload_id added.
func (f *Fake) startSession(w http.ResponseWriter, c *call, s *session) {
	q := c.r.URL.Query()
	q.Del("access_token")
	q.Set("upload_id", s.id)
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	path := c.r.URL.Path
	if f.prefix != "" && !strings.HasPrefix(path, f.prefix+"/") {
		path = f.prefix + path
	}
	loc := url.URL{Scheme: scheme, Host: c.r.Host, Path: path, RawQuery: q.Encode()}
	w.Header().Set("Location", loc.String())
	w.Header().Set("X-GUploader-UploadID", s.id)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

var contentRangeRE = regexp.MustCompile(`^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$`)

// contentRange is a parsed Content-Range: first and last byte (-1 for a
// status query) and total (-1 when unknown).
type contentRange struct{ first, last, total int64 }

func parseContentRange(h string) (contentRange, bool) {
	m := contentRangeRE.FindStringSubmatch(strings.TrimSpace(h))
	if m == nil {
		return contentRange{}, false
	}
	cr := contentRange{first: -1, last: -1, total: -1}
	if m[1] != "" {
		a, err1 := strconv.ParseInt(m[1], 10, 64)
		b, err2 := strconv.ParseInt(m[2], 10, 64)
		if err1 != nil || err2 != nil || b < a {
			return contentRange{}, false
		}
		cr.first, cr.last = a, b
	}
	if m[3] != "*" {
		t, err := strconv.ParseInt(m[3], 10, 64)
		if err != nil || (cr.last >= 0 && cr.last >= t) {
			return contentRange{}, false
		}
		cr.total = t
	}
	return cr, true
}

// chunk serves a POST or PUT to a session URL: a chunk of media, the
// final chunk, or a status query (Content-Range: bytes */total or */*
// with no body). The session URL is the credential; no token is needed.
func (f *Fake) chunk(w http.ResponseWriter, c *call) *apiError {
	id := c.param("upload_id")
	now := f.now()
	f.mu.Lock()
	s, ok := f.sessions[id]
	f.mu.Unlock()
	if !ok || s.expired(now) {
		return notFound("The upload session does not exist or has expired.")
	}
	var data []byte
	h := c.r.Header.Get("Content-Range")
	cr, ok := parseContentRange(h)
	switch {
	case h == "":
		// A request without Content-Range sends the whole file at once.
		var err error
		if data, err = io.ReadAll(io.LimitReader(c.r.Body, maxChunk+1)); err != nil {
			return badRequest("badContent", "The upload could not be read: %s", err.Error())
		}
		if len(data) > maxChunk {
			return tooLarge(maxChunk)
		}
		n := int64(len(data))
		cr = contentRange{0, n - 1, n}
		if n == 0 {
			cr.first = -1
		}
	case !ok:
		return badRequest("badContent", "Invalid Content-Range header %q.", h)
	case cr.first >= 0:
		n := cr.last - cr.first + 1
		if n > maxChunk {
			return tooLarge(maxChunk)
		}
		if final := cr.total >= 0 && cr.last+1 == cr.total; !final && n%ChunkGranularity != 0 {
			return partialBlock(n)
		}
		var err error
		data, err = io.ReadAll(io.LimitReader(c.r.Body, n+1))
		if err != nil {
			return badRequest("badContent", "The chunk could not be read: %s", err.Error())
		}
		if int64(len(data)) != n {
			return badRequest("badContent", "Content-Range announces %d bytes but the body has %d.", n, len(data))
		}
	default:
		if b, _ := io.ReadAll(io.LimitReader(c.r.Body, 1)); len(b) > 0 {
			return badRequest("badContent", "A Content-Range without a byte range must come with an empty body.")
		}
	}

	var (
		e        *apiError
		answer   func(http.ResponseWriter)
		received int64
	)
	f.locked(func() {
		if !s.done {
			if e = f.store(s, cr, data); e != nil {
				return
			}
			if cr.total < 0 || cr.total != s.up.size {
				if cr.total >= 0 && cr.total < s.up.size {
					e = badRequest("badContent", "The total of %d bytes is less than the %d received.", cr.total, s.up.size)
				}
				received = s.up.size
				return
			}
			f.completeSession(s, now)
		}
		answer, e = f.doneAnswer(s, now)
	})
	switch {
	case e != nil:
		return e
	case answer == nil:
		incomplete(w, c.r, received)
		return nil
	case s.kind == kindVideo:
		f.finalize(w, c.r, answer)
		return nil
	}
	answer(w)
	return nil
}

// partialBlock refuses a chunk that is not the last one of its upload and
// is not a whole number of 256 KiB blocks. Google documents the rule (every
// chunk but the last a multiple of 256 KiB) but not its answer to a chunk
// that breaks it; the fake refuses it with 400 badContent.
func partialBlock(n int64) *apiError {
	return badRequest("badContent", "The chunk of %d bytes is not the last one of the upload and not a multiple of %d bytes (256 KiB): every chunk but the last must be.", n, ChunkGranularity)
}

// store appends a chunk's new bytes to the session. The caller holds f.mu.
func (f *Fake) store(s *session, cr contentRange, data []byte) *apiError {
	if cr.first < 0 {
		return nil
	}
	received := s.up.size
	switch {
	case cr.first > received:
		return badRequest("badContent", "The chunk starts at byte %d but only %d bytes were received.", cr.first, received)
	case cr.first < s.tailStart:
		return badRequest("badContent", "The chunk starts at byte %d, before the last chunk (byte %d).", cr.first, s.tailStart)
	}
	overlap := received - cr.first
	seen := data[:min(overlap, int64(len(data)))]
	if !bytes.Equal(seen, s.tail[cr.first-s.tailStart:cr.first-s.tailStart+int64(len(seen))]) {
		return badRequest("badContent", "The chunk differs from the bytes already received from byte %d.", cr.first)
	}
	fresh := data[len(seen):]
	if received+int64(len(fresh)) > s.limit {
		return s.overLimit
	}
	s.up.write(fresh)
	if cr.first+int64(len(data)) >= received {
		// Only a chunk that reaches the received offset may become the
		// tail: the tail must end there.
		s.tail, s.tailStart = data, cr.first
	}
	if cr.total >= 0 && cr.total != s.up.size {
		return badRequest("badContent", "The final chunk ends at byte %d of a total of %d.", s.up.size, cr.total)
	}
	return nil
}

// finalize sends the answer of a completed video session, unless an
// OpFinalize fault rule replaces it: the video exists either way.
func (f *Fake) finalize(w http.ResponseWriter, r *http.Request, answer func(http.ResponseWriter)) {
	rule, hit := f.faults.Match(Network, OpFinalize)
	if !hit {
		answer(w)
		return
	}
	f.log.Info("fault injected", pregonero.LogOp, OpFinalize, pregonero.LogMode, string(rule.Mode), pregonero.LogRule, rule.ID, pregonero.LogPath, r.URL.Path)
	switch rule.Mode {
	case fakenet.ModeError:
		writeError(w, faultError(rule.Status))
	case fakenet.ModeDropAfterAccept:
		dropAfter(w, r, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	case fakenet.ModeDelay:
		if err := fakenet.Delay(r, rule.Delay()); err != nil {
			return
		}
		answer(w)
	default:
		answer(w)
	}
}

// incomplete answers "resume incomplete" with the range received: a 200
// with X-Http-Status-Code-Override: 308 to a client that asked not to get
// 308 (Go's, with X-GUploader-No-308: yes), a real 308 otherwise.
func incomplete(w http.ResponseWriter, r *http.Request, received int64) {
	if received > 0 {
		w.Header().Set("Range", "bytes=0-"+strconv.FormatInt(received-1, 10))
	}
	w.Header().Set("Content-Length", "0")
	if strings.EqualFold(r.Header.Get("X-GUploader-No-308"), "yes") {
		w.Header().Set("X-Http-Status-Code-Override", "308")
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusPermanentRedirect)
}

// completeSession turns the received bytes into a video or a thumbnail
// and frees them. The caller holds f.mu.
func (f *Fake) completeSession(s *session, now time.Time) {
	s.done = true
	switch s.kind {
	case kindVideo:
		s.videoID = f.finishVideo(s.chanID, s.meta, s.up, now).id
	case kindThumbnail:
		resp, e := f.applyThumbnail(s.chanID, s.videoID, s.up, now)
		s.result, s.thumbResp = e, resp
	}
	s.up = &upload{size: s.up.size}
	s.tail = nil
}

// doneAnswer returns the final answer of a completed session, repeated
// to every later request so that a client that lost it gets it again on
// its retry. The caller holds f.mu.
func (f *Fake) doneAnswer(s *session, now time.Time) (func(http.ResponseWriter), *apiError) {
	if s.result != nil {
		return nil, s.result
	}
	switch s.kind {
	case kindThumbnail:
		resp := s.thumbResp
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(resp)
		}, nil
	default:
		v, ok := f.videos[s.videoID]
		if !ok {
			return nil, videoNotFound("The uploaded video was deleted.")
		}
		out := f.renderInserted(v, s.parts, now)
		return func(w http.ResponseWriter) { fakenet.WriteJSON(w, http.StatusOK, out) }, nil
	}
}

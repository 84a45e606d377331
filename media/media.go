// Package media keeps uploaded files: content-addressed by SHA-256 on disk,
// described by a pregonero.Media record in the Store. The type of a file is
// sniffed from its bytes, never trusted from its name, and its dimensions
// and duration are read at upload so that adapters can validate a post
// offline when it is queued instead of failing when it is due.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/atomicfile"
)

// DefaultMaxSize is the largest file accepted unless configured otherwise:
// the largest video any supported network takes in one simple upload.
const DefaultMaxSize int64 = 512 << 20

// MaxAltTextLength is the longest alt text accepted, in characters: the
// limit X applies, the tightest of the supported networks.
const MaxAltTextLength = 1000

// sniffLen is how many leading bytes are kept for type detection; it is
// what http.DetectContentType looks at.
const sniffLen = 512

// Accepted lists the MIME types the library stores.
var Accepted = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime"}

// Library stores media files under a directory and their records in a
// Store. It is safe for concurrent use.
type Library struct {
	dir     string
	store   pregonero.Store
	maxSize int64
	now     func() time.Time
	logger  *slog.Logger
	signer  *Signer
	ttl     time.Duration

	// stripes serialize, per media id, writing a file and its record
	// with deleting them, so that garbage collection never removes the
	// file of a record an upload has just written again.
	stripes [64]sync.Mutex
	gcMu    sync.Mutex
}

// Option configures a Library.
type Option func(*Library)

// WithMaxSize sets the largest file Put accepts, in bytes.
func WithMaxSize(n int64) Option { return func(l *Library) { l.maxSize = n } }

// WithNow sets the clock used for CreatedAt and by GC.
func WithNow(now func() time.Time) Option { return func(l *Library) { l.now = now } }

// WithLogger sets the logger GC reports what it removed to.
func WithLogger(logger *slog.Logger) Option { return func(l *Library) { l.logger = logger } }

// WithSigner makes Blob fill in MediaBlob.URL with a public URL signed by
// s and valid for ttl (DefaultURLTTL when ttl is not positive).
func WithSigner(s *Signer, ttl time.Duration) Option {
	return func(l *Library) {
		l.signer = s
		l.ttl = ttl
		if ttl <= 0 {
			l.ttl = DefaultURLTTL
		}
	}
}

// Open returns a Library keeping files under dir, which is created when
// missing, and records in s.
func Open(dir string, s pregonero.Store, opts ...Option) (*Library, error) {
	if s == nil {
		return nil, errors.New("open media library: nil store")
	}
	l := &Library{dir: dir, store: s, maxSize: DefaultMaxSize, now: time.Now, ttl: DefaultURLTTL}
	for _, o := range opts {
		o(l)
	}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	l.logger = l.logger.With(pregonero.LogComponent, "media")
	if l.maxSize <= 0 {
		return nil, fmt.Errorf("open media library: max size must be positive, got %d", l.maxSize)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open media library: %w", err)
	}
	return l, nil
}

// MaxSize returns the largest file Put accepts, in bytes.
func (l *Library) MaxSize() int64 { return l.maxSize }

// Put stores the bytes read from r and returns their record. The same bytes
// always get the same id; uploading them again with a non-empty alt text
// replaces the alt text of the existing record. Errors for the caller to
// fix are *pregonero.Error: too_large beyond the size limit, invalid for an
// unsupported or unreadable file.
func (l *Library) Put(ctx context.Context, r io.Reader, filename, altText string) (*pregonero.Media, error) {
	if err := checkAltText(altText); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(l.dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("put media: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		// After a successful rename the temp name no longer exists and
		// this is a no-op.
		_ = tmp.Close()
		_ = os.Remove(tmpName)
	}()

	h := sha256.New()
	head := &headWriter{max: sniffLen}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(ctxReader{ctx, r}, l.maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("put media: read upload: %w", err)
	}
	if n > l.maxSize {
		return nil, &pregonero.Error{
			Code:    pregonero.ETOOLARGE,
			Message: fmt.Sprintf("The file is larger than the limit of %s.", formatBytes(l.maxSize)),
			Fields: []pregonero.FieldError{{
				Field: "file", Code: pregonero.FieldTooLarge, Limit: l.maxSize,
				Message: fmt.Sprintf("The file is larger than the limit of %s (%d bytes).", formatBytes(l.maxSize), l.maxSize),
			}},
		}
	}
	if n == 0 {
		return nil, pregonero.Invalid([]pregonero.FieldError{{
			Field: "file", Code: pregonero.FieldRequired, Message: "The file is empty.",
		}})
	}

	mime := Sniff(head.buf)
	if !accepted(mime) {
		return nil, pregonero.Invalid([]pregonero.FieldError{{
			Field: "file", Code: pregonero.FieldUnsupported, Actual: mime, Limit: Accepted,
			Message: fmt.Sprintf("Files of type %s are not accepted; upload JPEG, PNG, GIF or WebP images, or MP4 or QuickTime videos.", mime),
		}})
	}
	info, err := probe(tmp, n, mime)
	if err != nil {
		return nil, pregonero.Invalid([]pregonero.FieldError{{
			Field: "file", Code: pregonero.FieldInvalid, Actual: mime,
			Message: fmt.Sprintf("The file looks like %s but cannot be read: %v.", mime, err),
		}})
	}

	sum := hex.EncodeToString(h.Sum(nil))
	id := "m_" + sum[:24]
	mu := l.stripe(id)
	mu.Lock()
	defer mu.Unlock()
	if err := l.commit(tmp, sum); err != nil {
		return nil, fmt.Errorf("put media: %w", err)
	}

	old, err := l.store.Media(ctx, id)
	switch {
	case err == nil:
		if altText == "" || old.AltText == altText {
			return old, nil
		}
		old.AltText = altText
		if err := l.store.PutMedia(ctx, old); err != nil {
			return nil, fmt.Errorf("put media: %w", err)
		}
		return old, nil
	case pregonero.ErrorCode(err) != pregonero.ENOTFOUND:
		return nil, fmt.Errorf("put media: %w", err)
	}
	m := &pregonero.Media{
		ID:         id,
		SHA256:     sum,
		MIME:       mime,
		Size:       n,
		Width:      info.width,
		Height:     info.height,
		DurationMS: info.durationMS,
		AltText:    altText,
		Filename:   cleanFilename(filename),
		CreatedAt:  l.now().UTC(),
	}
	if err := l.store.PutMedia(ctx, m); err != nil {
		return nil, fmt.Errorf("put media: %w", err)
	}
	return m, nil
}

// SetAltText replaces the alt text of a stored media record.
func (l *Library) SetAltText(ctx context.Context, id, altText string) (*pregonero.Media, error) {
	if err := checkAltText(altText); err != nil {
		return nil, err
	}
	mu := l.stripe(id)
	mu.Lock()
	defer mu.Unlock()
	m, err := l.store.Media(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("set alt text: %w", err)
	}
	if m.AltText == altText {
		return m, nil
	}
	m.AltText = altText
	if err := l.store.PutMedia(ctx, m); err != nil {
		return nil, fmt.Errorf("set alt text: %w", err)
	}
	return m, nil
}

// Media returns the record of a stored file.
func (l *Library) Media(ctx context.Context, id string) (*pregonero.Media, error) {
	m, err := l.store.Media(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("media %s: %w", id, err)
	}
	return m, nil
}

// Blob returns the record of a stored file with a way to read its bytes
// and, when the library has a signer, a freshly signed public URL of them.
func (l *Library) Blob(ctx context.Context, id string) (pregonero.MediaBlob, error) {
	m, err := l.Media(ctx, id)
	if err != nil {
		return pregonero.MediaBlob{}, err
	}
	path := l.path(m.SHA256)
	return pregonero.MediaBlob{Media: m, URL: l.SignedURL(m.ID), Open: func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open media %s: %w", m.ID, err)
		}
		return f, nil
	}}, nil
}

// Signer returns the signer of public URLs, nil when there is none.
func (l *Library) Signer() *Signer { return l.signer }

// SignedURL returns a public URL of the media's bytes valid for the
// library's URL lifetime, or "" when the library has no signer.
func (l *Library) SignedURL(id string) string {
	if l.signer == nil {
		return ""
	}
	return l.signer.URL(id, l.ttl)
}

// OpenFile returns the record of a stored file and the file itself, open
// for reading and seeking; the caller closes it. A record whose file is
// gone is not found.
func (l *Library) OpenFile(ctx context.Context, id string) (*os.File, *pregonero.Media, error) {
	m, err := l.Media(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !validSum(m.SHA256) {
		return nil, nil, fmt.Errorf("media %s: malformed sha256 %q", id, m.SHA256)
	}
	f, err := os.Open(l.path(m.SHA256))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, pregonero.Errorf(pregonero.ENOTFOUND, "media %s not found", id)
	} else if err != nil {
		return nil, nil, fmt.Errorf("open media %s: %w", id, err)
	}
	return f, m, nil
}

// stripe returns the lock of a media id.
func (l *Library) stripe(id string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(id))
	return &l.stripes[h.Sum32()%uint32(len(l.stripes))]
}

// validSum reports whether s is a lowercase hex SHA-256, the only thing
// that may become a path under the library's directory.
func validSum(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// commit moves the fully written temp file to its content address, durably:
// the data is synced before the rename and the directory after it, so a
// record in the store never points at a file a crash could lose.
func (l *Library) commit(tmp *os.File, sum string) error {
	final := l.path(sum)
	sub := filepath.Dir(final)
	if _, err := os.Stat(final); err == nil {
		return nil // same bytes already stored
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Chmod(0o640); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	created := false
	if _, err := os.Stat(sub); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(sub, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		created = true
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(sub); err != nil {
		return err
	}
	if created {
		return atomicfile.SyncDir(l.dir)
	}
	return nil
}

func (l *Library) path(sum string) string { return filepath.Join(l.dir, sum[:2], sum) }

func checkAltText(s string) error {
	if !utf8.ValidString(s) {
		return pregonero.Invalid([]pregonero.FieldError{{
			Field: "alt_text", Code: pregonero.FieldInvalid, Message: "The alt text is not valid UTF-8.",
		}})
	}
	if at, r, ok := controlChar(s); ok {
		return pregonero.Invalid([]pregonero.FieldError{{
			Field: "alt_text", Code: pregonero.FieldInvalid, Actual: fmt.Sprintf("U+%04X", r),
			Message: fmt.Sprintf("The alt text has the control character U+%04X at byte %d; besides printable characters it may hold only line breaks and tabs.", r, at),
		}})
	}
	if n := utf8.RuneCountInString(s); n > MaxAltTextLength {
		return pregonero.Invalid([]pregonero.FieldError{{
			Field: "alt_text", Code: pregonero.FieldTooLong, Limit: MaxAltTextLength, Actual: n,
			Message: fmt.Sprintf("The alt text has %d characters; the limit is %d.", n, MaxAltTextLength),
		}})
	}
	return nil
}

// controlChar finds the first control character networks would show as
// garbage or act on (C0 but tab and line breaks, a carriage return not
// before a line feed, DEL, C1): the rule of every text of a post, which
// alt text follows too.
func controlChar(s string) (at int, r rune, found bool) {
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F):
			return i, r, true
		}
	}
	return 0, 0, false
}

// cleanFilename keeps only the base name a person gave, for display.
func cleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	if len(name) > 255 {
		name = name[:255]
		for !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	return name
}

func accepted(mime string) bool {
	for _, a := range Accepted {
		if a == mime {
			return true
		}
	}
	return false
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	buf []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.buf); room > 0 {
		w.buf = append(w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ctxReader stops a long upload when its request is gone.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

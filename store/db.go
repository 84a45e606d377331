// Package store implements pregonero.Store on a single bbolt file.
//
// Every entity has its own bucket of versioned JSON records; secondary
// indexes (due time, claimed, held, posts by time, counts by state) are
// written in the same transaction as the records they describe. Writes go
// through one committer goroutine that gathers whatever is queued into a
// single transaction, so one fsync serves many concurrent callers.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"pregonero"
)

// Errors Open and the methods may return, for errors.Is.
var (
	// ErrInUse means another process (or another DB in this one) holds
	// the data file's lock.
	ErrInUse = errors.New("data file is in use by another process")
	// ErrInvalidFile means the file is not a Pregonero data file or is
	// damaged beyond what bbolt accepts.
	ErrInvalidFile = errors.New("not a valid Pregonero data file")
	// ErrSchemaTooNew means the file was written by a newer Pregonero.
	ErrSchemaTooNew = errors.New("data file schema is newer than this binary")
	// ErrClosed is returned by calls made after Close.
	ErrClosed = errors.New("store closed")
	// ErrNoDataFile means Open was asked for an existing data file
	// (WithExisting) and there is none.
	ErrNoDataFile = errors.New("no data file")
)

const (
	defaultLockTimeout = time.Second
	// A batch stops growing at either limit so that one huge queue does
	// not turn into one huge transaction holding every caller back.
	maxBatchOps   = 1000
	maxBatchBytes = 16 << 20
	// Posts and deliveries are keyed by time-ordered ids, so inserts
	// mostly append and pages are filled up to these fractions before a
	// new one starts (bbolt's default, 0.5, suits random inserts). Posts
	// rarely change: fuller pages mean fewer pages written per commit.
	// Deliveries grow by an attempt when claimed, so their pages keep room
	// for that instead of each splitting in two on the claim.
	fillPercentPosts      = 0.9
	fillPercentDeliveries = 0.7
)

var _ pregonero.Store = (*DB)(nil)

// DB is a pregonero.Store on a bbolt data file. Its methods are safe for
// concurrent use; every write returns once its transaction is synced.
//
// Reads run in their own read transactions, concurrently with writes.
// Writes are queued to one committer goroutine (see commitLoop), so the
// functions given to UpdateDelivery and UpdateAccount run there: they must
// be quick and must not call the DB.
//
// Account.Credentials, which come from the configuration, are not stored;
// secrets that change at run time go through PutCredentials and are
// sealed with the secret key when the DB has one (see WithSecretKey).
type DB struct {
	// Now stamps UpdatedAt on what UpdateDelivery, UpdateAccount,
	// UpdateUser and CancelPost change. Replace it only before the first call.
	Now func() time.Time

	path    string
	bolt    *bbolt.DB
	logger  *slog.Logger
	secrets *sealer // nil without a secret key

	// mu orders sends on ops against Close closing it.
	mu     sync.RWMutex
	closed bool
	ops    chan *op
	done   chan struct{}

	closeOnce sync.Once
	closeErr  error

	// onDue is told, after each commit that put deliveries in the
	// due-time index, the earliest instant it put (see OnDue).
	onDue atomic.Pointer[func(time.Time)]
	// onEvent is told after each commit that recorded an event (see
	// OnEvent).
	onEvent atomic.Pointer[func()]
	// writeErr is the error of the last commit when it failed (see
	// Health).
	writeErr atomic.Pointer[error]
}

// OnDue registers fn to be called after every commit that puts a
// delivery in the due-time index (a new post, an edit, a release, a
// retry, a result with a new NextAttemptAt, a resume), with the earliest
// NextAttemptAt the commit put. The scheduler registers its wake-up here,
// so that no writer has to remember to wake it. fn runs on the committer
// goroutine and must not block; nil unregisters.
func (db *DB) OnDue(fn func(t time.Time)) {
	if fn == nil {
		db.onDue.Store(nil)
		return
	}
	db.onDue.Store(&fn)
}

// signalDue tells the registered function about a commit's earliest due
// instant; a zero t means the commit put nothing due.
func (db *DB) signalDue(t time.Time) {
	if t.IsZero() {
		return
	}
	if fn := db.onDue.Load(); fn != nil {
		// The commit is done: a panicking listener must not turn it into
		// a failed write, nor stop the committer.
		defer pregonero.RecoverPanic(db.logger, "due-time listener panicked", nil)
		(*fn)(t)
	}
}

// DataFile is the data file's name in the data directory.
const DataFile = "pregonero.db"

// WithExisting makes Open refuse a missing data file (ErrNoDataFile)
// instead of creating a new store in its place: for the commands that work
// on the data file of a stopped server, where a new empty store would
// hide a wrong -data.
func WithExisting() Option {
	return func(c *config) { c.existing = true }
}

// Option configures Open.
type Option func(*config)

type config struct {
	now         func() time.Time
	logger      *slog.Logger
	lockTimeout time.Duration
	// checkTimeout bounds the check Open runs (see WithCheck); 0 runs none.
	checkTimeout time.Duration
	// existing refuses a missing file instead of creating a store.
	existing bool

	secretKey     []byte
	secretKeyFile string
}

// WithNow sets DB.Now.
func WithNow(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithLogger sets the logger for problems the store works around (a stale
// index entry, a commit that failed).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithLockTimeout sets how long Open waits for another process to release
// the data file (default one second). It must be positive: waiting forever
// would hang a second `pregonero serve` instead of telling why it cannot
// start.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.lockTimeout = d
		}
	}
}

// Open opens or creates the data file at path, creating its directory if
// needed, and brings its schema up to date. With a secret key, it then
// seals the credentials records still stored plain (see
// sealPlainCredentials).
//
// Only a missing file makes a new store. A file that is there but empty,
// shorter than its pages reach, or otherwise not what bbolt wrote is
// refused with an error wrapping ErrInvalidFile that says what is wrong
// and how to restore a backup; with WithCheck, so is a file that fails the
// consistency check. Nothing is written to a refused file.
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{now: time.Now, logger: slog.Default(), lockTimeout: defaultLockTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	return open(path, cfg, migrations)
}

func open(path string, cfg config, migs []migration) (*DB, error) {
	if cfg.existing {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open store: there is no data file at %s: %w", path, ErrNoDataFile)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	log := cfg.logger.With(pregonero.LogComponent, "store")
	exists, err := inspect(path, cfg.lockTimeout)
	if err != nil {
		return nil, err
	}
	b, err := openBolt(path, &bbolt.Options{
		Timeout: cfg.lockTimeout,
		// Allocation from a hashmap freelist stays O(1) however many
		// pages are free, where the array freelist scans.
		FreelistType: bbolt.FreelistMapType,
	})
	if err != nil {
		return nil, err
	}
	if exists && cfg.checkTimeout > 0 {
		// Before anything writes: a commit on a damaged file can fault
		// where no recover reaches.
		if err := checkAtOpen(path, b, cfg.checkTimeout, log); err != nil {
			_ = b.Close()
			return nil, err
		}
	}
	secrets, err := newSealer(cfg)
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := migrate(path, b, migs); err != nil {
		_ = b.Close()
		return nil, err
	}
	db := &DB{
		Now:     cfg.now,
		path:    path,
		bolt:    b,
		logger:  log,
		secrets: secrets,
		ops:     make(chan *op, maxBatchOps),
		done:    make(chan struct{}),
	}
	if secrets != nil {
		if err := guardFile(path, db.sealPlainCredentials); err != nil {
			_ = b.Close()
			if errors.Is(err, ErrInvalidFile) {
				return nil, err
			}
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	go db.commitLoop()
	return db, nil
}

// inspect looks at the data file before bbolt opens it for writing and
// reports whether there is one. An empty file is refused: bbolt writes a
// new file's first pages at once, so an empty one lost its content (a
// failed copy or restore, a full disk), and taking it for a new store
// would drop every queued post without a word and issue a new API token.
// A file shorter than its pages reach is refused too, before bbolt loads
// its free page list from the missing part (where it either panics or
// faults, or worse, goes on to serve). The look is bbolt's own, read-only:
// the file's meta page says how far its pages reach.
func inspect(path string, lockTimeout time.Duration) (exists bool, err error) {
	problem, err := inspectFile(path, lockTimeout)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return true, err
	case problem != "":
		return true, invalidFile(path, errors.New(problem))
	}
	return true, nil
}

// inspectFile returns what is wrong with the data file at path, or an
// error when it cannot tell (fs.ErrNotExist when there is no file).
func inspectFile(path string, lockTimeout time.Duration) (problem string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("open store: %w", err)
	}
	if fi.Size() == 0 {
		return "it is empty (0 bytes), and only a missing file makes a new store (on a new installation, remove the empty file)", nil
	}
	b, err := openBolt(path, &bbolt.Options{ReadOnly: true, Timeout: lockTimeout})
	var invalid *invalidError
	if errors.As(err, &invalid) {
		return invalid.problem, nil
	} else if err != nil {
		return "", err
	}
	var need int64
	err = guard(func() error {
		return b.View(func(tx *bbolt.Tx) error {
			need = tx.Size()
			return nil
		})
	})
	if err != nil {
		// bbolt may hold the file still; the process is about to
		// report the damage and stop.
		return err.Error(), nil
	}
	if err := b.Close(); err != nil {
		return "", fmt.Errorf("open store: %w", err)
	}
	if need > fi.Size() {
		return fmt.Sprintf("it is truncated: it has %d bytes and its pages reach %d", fi.Size(), need), nil
	}
	return "", nil
}

// openBolt opens the bbolt file, turning what bbolt says about a file it
// cannot use into an error wrapping ErrInvalidFile. A panic (or a fault on
// the mapped file) while bbolt reads a damaged one becomes such an error
// too; bbolt then keeps the file open, as there is no handle to close it
// with, until the process ends.
func openBolt(path string, opts *bbolt.Options) (*bbolt.DB, error) {
	var b *bbolt.DB
	err := guardFile(path, func() error {
		var err error
		b, err = bbolt.Open(path, 0o600, opts)
		return err
	})
	switch {
	case errors.Is(err, ErrInvalidFile):
		return nil, err
	case err != nil:
		return nil, classifyOpenError(path, err)
	}
	return b, nil
}

// openError carries a message written for a person and the sentinel and
// cause beneath it.
type openError struct {
	msg  string
	errs []error
}

func (e *openError) Error() string   { return e.msg }
func (e *openError) Unwrap() []error { return e.errs }

func classifyOpenError(path string, err error) error {
	var (
		pathErr *fs.PathError
		errno   syscall.Errno
	)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return &openError{
			msg:  fmt.Sprintf("open store: data file %s is in use by another process (is pregonero already running?)", path),
			errs: []error{ErrInUse, err},
		}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrInvalidMapping):
		return invalidFile(path, err)
	case errors.As(err, &pathErr), errors.As(err, &errno):
		return fmt.Errorf("open store: %w", err)
	}
	// What else bbolt returns on an existing file is about its content
	// ("file size too small").
	return invalidFile(path, err)
}

// RestoreHint ends every message about a file refused as damaged.
const RestoreHint = "restore from a backup: see README, Backup and restore"

// invalidError is a data file refused as damaged or foreign: what is
// wrong with it, for a person, and the cause beneath.
type invalidError struct {
	path, problem string
	cause         error
}

func (e *invalidError) Error() string {
	return fmt.Sprintf("open store: %s is not a valid Pregonero data file: %s; %s", e.path, e.problem, RestoreHint)
}

func (e *invalidError) Unwrap() []error { return []error{ErrInvalidFile, e.cause} }

func invalidFile(path string, err error) error {
	return &invalidError{path: path, problem: err.Error(), cause: err}
}

// guardFile is guard for work on the data file at path: a panic or a
// fault there means the file is damaged (ErrInvalidFile, see invalidFile);
// fn's own errors come back as they are.
func guardFile(path string, fn func() error) error {
	err := guard(fn)
	if pe := (*panicError)(nil); errors.As(err, &pe) {
		return invalidFile(path, err)
	}
	return err
}

// panicError is a panic recovered by guard.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("bbolt panicked: %v", e.value) }

// guard runs fn, which reads the file through bbolt, and turns a panic
// into a *panicError. bbolt panics on some damaged pages (an unexpected
// page type, an element pointing outside its page); and it reads the file
// through a memory map, where a page pointing past the end of the file
// faults, which SetPanicOnFault makes a panic of this goroutine instead
// of the end of the process.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return fn()
}

// Path returns the data file's path.
func (db *DB) Path() string { return db.path }

// Close waits for queued writes to commit, stops the committer and closes
// the file. Calls after the first return the first result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed = true
		close(db.ops)
		db.mu.Unlock()
		<-db.done
		if err := db.bolt.Close(); err != nil {
			db.closeErr = fmt.Errorf("close store: %w", err)
		}
	})
	return db.closeErr
}

// view runs fn in a read transaction. A panic there, bbolt's on a damaged
// page or fn's own, fails the read with an error wrapping ErrInvalidFile
// instead of ending the process: reads run in request handlers and jobs.
func (db *DB) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := guard(func() error { return db.bolt.View(fn) })
	var pe *panicError
	switch {
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return ErrClosed
	case errors.As(err, &pe):
		db.logger.Error("store read panicked; the data file may be damaged: stop the server and run pregonero check",
			pregonero.LogFile, db.path, pregonero.LogPanic, fmt.Sprint(pe.value), pregonero.LogStack, string(pe.stack))
		return &openError{
			msg:  fmt.Sprintf("store read: %v (the data file may be damaged: stop the server and run pregonero check)", pe),
			errs: []error{ErrInvalidFile, pe},
		}
	}
	return err
}

// read returns what load finds in one read transaction.
func read[T any](ctx context.Context, db *DB, load func(*bbolt.Tx) (T, error)) (T, error) {
	var out T
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = load(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// op is one write waiting for the committer. fn may run twice (see
// commit) and must set its results afresh each time.
type op struct {
	ctx  context.Context
	fn   func(w *wtx) error
	size int
	done chan error
}

// exec queues fn and waits for the transaction that runs it to commit.
// Waiting for room in the queue gives up when ctx ends; once queued, the
// op is skipped if ctx has ended by the time its turn comes, and otherwise
// its outcome is awaited, so that a caller never reports a committed write
// as failed.
func (db *DB) exec(ctx context.Context, size int, fn func(w *wtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := &op{ctx: ctx, fn: fn, size: size, done: make(chan error, 1)}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return ErrClosed
	}
	select {
	case db.ops <- o:
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	}
	db.mu.RUnlock()
	return <-o.done
}

// gatherWindow bounds how long the committer waits for more ops before
// committing; see commitLoop.
const gatherWindow = 100 * time.Microsecond

// commitLoop takes one op, adds whatever else is already queued, and
// commits them together in one transaction: one fsync for all.
//
// There is no timer for a lone writer: it commits at once. With several
// writers, though, committing only what is queued at that instant
// settles into half-empty batches, because writers answered a moment ago
// are still preparing their next op. So after each commit the committer
// expects as many ops as it just answered plus those that queued
// meanwhile, and yields for up to gatherWindow (a fraction of one fsync)
// while fewer have arrived. When the writers do not come back that
// quickly, the expectation falls back to one and nothing waits.
func (db *DB) commitLoop() {
	defer close(db.done)
	var (
		batch    = make([]*op, 0, maxBatchOps)
		size     int
		expect   = 1
		answered time.Time
		open     = true
	)
	drain := func() {
		for open && len(batch) < maxBatchOps && size < maxBatchBytes {
			select {
			case o, ok := <-db.ops:
				if !ok {
					open = false
					return
				}
				batch = append(batch, o)
				size += o.size
			default:
				return
			}
		}
	}
	for open {
		first, ok := <-db.ops
		if !ok {
			return
		}
		batch = append(batch[:0], first)
		size = first.size
		drain()
		if time.Since(answered) > gatherWindow {
			expect = 1
		}
		deadline := time.Now().Add(gatherWindow)
		for open && len(batch) < expect && size < maxBatchBytes && time.Now().Before(deadline) {
			runtime.Gosched()
			drain()
		}
		db.safeCommit(batch)
		expect = min(len(batch)+len(db.ops), maxBatchOps)
		answered = time.Now()
		clear(batch)
	}
}

// safeCommit commits a batch, containing a panic outside the ops' own
// functions (runOp contains those), in bbolt say: the batch's ops are
// answered with an error and the committer goes on with the next batch,
// instead of every later write of the process waiting forever.
func (db *DB) safeCommit(batch []*op) {
	var err error
	defer func() {
		if err == nil {
			return
		}
		for _, o := range batch {
			select {
			case o.done <- err:
			default: // its answer is waiting already
			}
		}
	}()
	defer func() {
		if v := recover(); v != nil {
			pregonero.ReportPanic(db.logger, v, "store commit panicked", &err, pregonero.LogOps, len(batch))
		}
	}()
	db.commit(batch)
}

// errPartialWrite aborts a batch whose op failed after writing.
var errPartialWrite = errors.New("operation failed after writing")

// commit runs the batch in one transaction. An op that fails before its
// first write is simply answered with its error. An op that fails after
// writing cannot be undone alone, so the whole transaction is rolled back
// and every op runs again in a transaction of its own, where a failure
// rolls back only that op.
func (db *DB) commit(batch []*op) {
	results := make([]error, len(batch))
	partial := false
	var due time.Time
	var event bool
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		prepareTx(tx)
		due, event = time.Time{}, false
		for i, o := range batch {
			if err := o.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			w, err := runOp(o, tx)
			if err != nil && w.wrote {
				partial = true
				return errPartialWrite
			}
			results[i] = err
			due = earliest(due, w.due)
			event = event || w.event
		}
		return nil
	})
	switch {
	case partial:
		db.logger.Warn("store batch rolled back; committing its writes one by one", pregonero.LogOps, len(batch))
		for i, o := range batch {
			results[i] = db.commitAlone(o)
		}
	case err == nil:
		db.committed()
		db.signalDue(due)
		db.signalEvent(event)
	case err != nil:
		err = db.commitFailed(err)
		db.logger.Error("store commit failed", pregonero.LogOps, len(batch), pregonero.LogErr, err)
		for i := range results {
			results[i] = err
		}
	}
	for i, o := range batch {
		o.done <- results[i]
	}
}

func (db *DB) commitAlone(o *op) (err error) {
	// A panic fails this op alone: the ops of the batch committed before
	// it are answered as written.
	defer pregonero.RecoverPanic(db.logger, "store commit panicked", &err)
	if err := o.ctx.Err(); err != nil {
		return err
	}
	var (
		opErr error
		w     *wtx
	)
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		prepareTx(tx)
		w, opErr = runOp(o, tx)
		return opErr
	})
	if opErr != nil {
		return opErr
	}
	if err != nil {
		return db.commitFailed(err)
	}
	db.committed()
	db.signalDue(w.due)
	db.signalEvent(w.event)
	return nil
}

// storageFullMessage is what a writer is told when the disk is full.
const storageFullMessage = "The disk that holds the data file is full: nothing new can be stored until space is freed; what was stored before is safe. Free space on the disk and try again."

// storageError is a commit that failed because the disk is full: an
// application error with its own code (pregonero.ESTORAGEFULL), and the
// system's error beneath it.
type storageError struct {
	app   *pregonero.Error
	cause error
}

func (e *storageError) Error() string {
	return "store commit: " + e.app.Message + " (" + e.cause.Error() + ")"
}
func (e *storageError) Unwrap() []error { return []error{e.app, e.cause} }

// commitFailed classifies a failed commit, a full disk apart, and keeps it
// for Health until a commit succeeds.
func (db *DB) commitFailed(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		err = &storageError{app: pregonero.Errorf(pregonero.ESTORAGEFULL, "%s", storageFullMessage), cause: err}
	} else {
		err = fmt.Errorf("store commit: %w", err)
	}
	db.writeErr.Store(&err)
	return err
}

// committed notes a successful commit: whatever failed before is over.
func (db *DB) committed() {
	if db.writeErr.Load() != nil {
		db.writeErr.Store(nil)
		db.logger.Info("store commits succeed again")
	}
}

// Health returns why the store cannot write, when its last commit failed
// (a full disk, say), and nil once a commit succeeds again: the readiness
// probe fails meanwhile.
func (db *DB) Health() error {
	if p := db.writeErr.Load(); p != nil {
		return *p
	}
	return nil
}

// runOp runs one op, turning a panic (in a caller's update function, say)
// into an error instead of killing the committer.
func runOp(o *op, tx *bbolt.Tx) (w *wtx, err error) {
	w = &wtx{tx: tx}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: panic during write: %v", r)
			w.wrote = true
		}
	}()
	err = o.fn(w)
	if err != nil {
		w.due = time.Time{} // what it put is rolled back or never written
	}
	return w, err
}

// earliest returns the earlier of two instants, a zero one counting as
// none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func prepareTx(tx *bbolt.Tx) {
	tx.Bucket(bucketPosts).FillPercent = fillPercentPosts
	tx.Bucket(bucketDeliveries).FillPercent = fillPercentDeliveries
}

// wtx is a write transaction as one op sees it: it notes whether the op
// has written anything yet, which decides how a failure of the op is
// handled.
type wtx struct {
	tx    *bbolt.Tx
	wrote bool
	// due is the earliest instant the op put in the due-time index.
	due time.Time
	// event: the op recorded an event (addEvent).
	event bool
}

func (w *wtx) put(bucket, k, v []byte) error {
	w.wrote = true
	if len(k) >= timeKeyLen && bytes.Equal(bucket, bucketDue) {
		w.due = earliest(w.due, timeFromKey(binary.BigEndian.Uint64(k)))
	}
	if err := w.tx.Bucket(bucket).Put(k, v); err != nil {
		return fmt.Errorf("put %s: %w", bucket, err)
	}
	return nil
}

func (w *wtx) del(bucket, k []byte) error {
	w.wrote = true
	if err := w.tx.Bucket(bucket).Delete(k); err != nil {
		return fmt.Errorf("delete %s: %w", bucket, err)
	}
	return nil
}

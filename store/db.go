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
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"sync/atomic"
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
	// Now stamps UpdatedAt on what UpdateDelivery, UpdateAccount and
	// CancelPost change. Replace it only before the first call.
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

// Option configures Open.
type Option func(*config)

type config struct {
	now         func() time.Time
	logger      *slog.Logger
	lockTimeout time.Duration

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
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{now: time.Now, logger: slog.Default(), lockTimeout: defaultLockTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	return open(path, cfg, migrations)
}

func open(path string, cfg config, migs []migration) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	b, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: cfg.lockTimeout,
		// Allocation from a hashmap freelist stays O(1) however many
		// pages are free, where the array freelist scans.
		FreelistType: bbolt.FreelistMapType,
	})
	if err != nil {
		return nil, classifyOpenError(path, err)
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
		logger:  cfg.logger.With(pregonero.LogComponent, "store"),
		secrets: secrets,
		ops:     make(chan *op, maxBatchOps),
		done:    make(chan struct{}),
	}
	if secrets != nil {
		if err := db.sealPlainCredentials(); err != nil {
			_ = b.Close()
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	go db.commitLoop()
	return db, nil
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
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return &openError{
			msg:  fmt.Sprintf("open store: data file %s is in use by another process (is pregonero already running?)", path),
			errs: []error{ErrInUse, err},
		}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrInvalidMapping):
		return invalidFile(path, err)
	}
	return fmt.Errorf("open store: %w", err)
}

func invalidFile(path string, err error) error {
	return &openError{
		msg:  fmt.Sprintf("open store: %s is not a valid Pregonero data file: %v", path, err),
		errs: []error{ErrInvalidFile, err},
	}
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

// view runs fn in a read transaction.
func (db *DB) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := db.bolt.View(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
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
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		prepareTx(tx)
		due = time.Time{}
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

func (e *storageError) Error() string   { return "store commit: " + e.app.Message + " (" + e.cause.Error() + ")" }
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

package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
	"unsafe"

	"go.etcd.io/bbolt"

	"pregonero"
)

// DefaultCheckTimeout is how long the check WithCheck asks of Open may run
// when given no other limit.
const DefaultCheckTimeout = 10 * time.Second

// maxProblems bounds the problems a CheckReport lists: a badly damaged
// file can have one on every page.
const maxProblems = 20

// WithCheck makes Open check the consistency of an existing data file
// (what CheckFile does) before anything reads or writes its records, for
// at most timeout: DefaultCheckTimeout when zero; a negative timeout skips
// the check. A damaged file is refused with an error wrapping
// ErrInvalidFile. A check cut short by the timeout is logged and Open goes
// on: on a very large file the whole check would hold the start for long.
func WithCheck(timeout time.Duration) Option {
	return func(c *config) {
		switch {
		case timeout == 0:
			c.checkTimeout = DefaultCheckTimeout
		case timeout < 0:
			c.checkTimeout = 0
		default:
			c.checkTimeout = timeout
		}
	}
}

// CheckReport is what a consistency check of a data file found.
type CheckReport struct {
	// Path is the file checked and Size its size in bytes.
	Path string
	Size int64
	// Schema is the file's schema version, 0 when it was not read.
	Schema uint64
	// Buckets and Keys count what the check read.
	Buckets, Keys int
	// Problems lists the first problems found, up to 20; More counts
	// those left out.
	Problems []string
	More     int
	// Complete is false when the check stopped before the end (its time
	// was up): it may have missed damage.
	Complete bool
	// Took is how long the check ran.
	Took time.Duration
}

// Damaged reports whether the check found a problem.
func (r *CheckReport) Damaged() bool { return len(r.Problems) > 0 }

func (r *CheckReport) problem(s string) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, s)
		return
	}
	r.More++
}

// CheckFile checks the data file at path in full: the checks Open makes
// of every file, then every record read and bbolt's consistency check
// (Tx.Check: pages free and in use at once, pages lost, keys out of
// order). A damaged file gives a report listing the problems; an error
// means the file could not be checked: there is none (fs.ErrNotExist), a
// server holds it (ErrInUse), or it cannot be read. The file is opened
// read-only and never changed, but bbolt's lock admits no reader beside a
// running server, so the server must be stopped first. Cancelling ctx
// stops the reading of the records; bbolt's own check, which comes after,
// runs to its end.
func CheckFile(ctx context.Context, path string, opts ...Option) (*CheckReport, error) {
	cfg := config{lockTimeout: defaultLockTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	start := time.Now()
	r := &CheckReport{Path: path}
	defer func() { r.Took = time.Since(start) }()
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	r.Size = fi.Size()
	problem, err := inspectFile(path, cfg.lockTimeout)
	if err != nil {
		return nil, err
	}
	if problem != "" {
		r.problem(problem)
		return r, nil
	}
	// The free page list is read here, where a fault is contained,
	// rather than by Tx.Check in a goroutine of bbolt's own.
	b, err := openBolt(path, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: cfg.lockTimeout})
	var invalid *invalidError
	if errors.As(err, &invalid) {
		r.problem(invalid.problem)
		return r, nil
	} else if err != nil {
		return nil, err
	}
	err = guard(func() error {
		return b.View(func(tx *bbolt.Tx) error {
			checkTx(ctx, tx, r, time.Time{})
			if r.Damaged() {
				return nil
			}
			switch v, err := schemaVersion(tx); {
			case errors.Is(err, errForeignFile):
				r.problem("it holds buckets but no Pregonero schema version: it is some other program's file")
			case err != nil:
				r.problem(err.Error())
			default:
				r.Schema = v
			}
			if r.Complete && !r.Damaged() {
				checkIndexes(ctx, tx, r)
			}
			return nil
		})
	})
	if err != nil {
		// bbolt may hold the file still; the process is about to report
		// the damage and stop.
		r.problem(err.Error())
		return r, nil
	}
	if err := b.Close(); err != nil {
		return r, fmt.Errorf("check: %w", err)
	}
	return r, nil
}

// checkAtOpen runs the check of WithCheck on a file bbolt has just opened,
// before anything else uses it.
func checkAtOpen(path string, b *bbolt.DB, timeout time.Duration, log *slog.Logger) error {
	start := time.Now()
	r := &CheckReport{Path: path}
	err := guard(func() error {
		return b.View(func(tx *bbolt.Tx) error {
			checkTx(context.Background(), tx, r, start.Add(timeout))
			return nil
		})
	})
	if err != nil {
		r.problem(err.Error())
	}
	r.Took = time.Since(start)
	if r.Damaged() {
		return invalidFile(path, fmt.Errorf("the consistency check found %s, the first: %s; run pregonero check for the list",
			countProblems(r), r.Problems[0]))
	}
	if !r.Complete {
		log.Warn("consistency check of the data file cut short at store.check_timeout; nothing was found in the part read: "+
			"run pregonero check while the server is stopped to check it all",
			pregonero.LogFile, path, pregonero.LogDuration, r.Took, pregonero.LogCount, r.Keys)
		return nil
	}
	log.Debug("data file checked", pregonero.LogFile, path, pregonero.LogDuration, r.Took, pregonero.LogCount, r.Keys)
	return nil
}

// ProblemCount says how many problems the check found, in words ("a
// problem", "3 problems").
func (r *CheckReport) ProblemCount() string { return countProblems(r) }

func countProblems(r *CheckReport) string {
	if n := len(r.Problems) + r.More; n > 1 {
		return fmt.Sprintf("%d problems", n)
	}
	return "a problem"
}

// errCutShort stops the reading of the records at the check's deadline.
var errCutShort = errors.New("check cut short")

// checkTx checks the file as tx sees it, adding what it finds to r, and
// stops reading at deadline unless it is zero.
//
// First it reads every key and value, here, within guard: bbolt reads the
// file through a memory map, and a page damaged so that it points outside
// the file faults instead of failing, which guard turns into a problem.
// Only when every record read cleanly does bbolt's own check run
// (Tx.Check), because it runs in a goroutine of bbolt's where such a
// fault would end the process; by then every page it reads has been read
// here. It cannot be interrupted either, so with a deadline it starts
// only when at least twice the time the reading took is left: it goes
// through the same pages and takes about as long.
func checkTx(ctx context.Context, tx *bbolt.Tx, r *CheckReport, deadline time.Time) {
	start := time.Now()
	info := tx.DB().Info()
	w := &walker{ctx: ctx, deadline: deadline, r: r, base: info.Data, pageSize: uintptr(info.PageSize)}
	err := guard(func() error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			r.Buckets++
			return w.bucket(string(name), b)
		})
	})
	switch {
	case errors.Is(err, errCutShort), ctx.Err() != nil:
		return
	case err != nil:
		r.problem(fmt.Sprintf("reading the records failed: %v", err))
		return
	case r.Damaged():
		return
	case !deadline.IsZero() && time.Until(deadline) < 2*time.Since(start):
		return
	}
	for err := range tx.Check() {
		r.problem(err.Error())
	}
	r.Complete = true
}

// walker reads every key and value of a transaction.
type walker struct {
	ctx      context.Context
	deadline time.Time
	r        *CheckReport
	base     uintptr // the address of the file's first byte in memory
	pageSize uintptr
	sum      byte // keeps the reads of the bytes from being optimized away
}

func (w *walker) bucket(name string, b *bbolt.Bucket) error {
	c, search := b.Cursor(), b.Cursor()
	lastPage := ^uintptr(0)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		w.r.Keys++
		if w.r.Keys%1024 == 0 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
			if !w.deadline.IsZero() && time.Now().After(w.deadline) {
				return errCutShort
			}
		}
		// The first and the last byte: a slice pointing outside the file
		// faults on one of them.
		w.sum ^= k[0] ^ k[len(k)-1]
		if len(v) > 0 {
			w.sum ^= v[0] ^ v[len(v)-1]
		}
		// Going from key to key reads no key of the branch pages above,
		// which bbolt's check compares; a search for a key reads those on
		// its way down. One search per page reads them all.
		if page := (uintptr(unsafe.Pointer(unsafe.SliceData(k))) - w.base) / w.pageSize; page != lastPage {
			lastPage = page
			if found, _ := search.Seek(k); !bytes.Equal(found, k) {
				w.r.problem(fmt.Sprintf("bucket %s: a search for key %x does not find it: the keys are out of order", name, k))
			}
		}
		if v == nil {
			child := b.Bucket(k)
			if child == nil {
				w.r.problem(fmt.Sprintf("bucket %s: key %x has neither a value nor a bucket", name, k))
				continue
			}
			w.r.Buckets++
			if err := w.bucket(name+"/"+string(k), child); err != nil {
				return err
			}
		}
	}
	return nil
}

// exactIndexes are the delivery indexes that must name exactly the
// deliveries whose state puts them there: the held deliveries and the
// account queues are listed from them alone, so an entry too many or
// too few shows a wrong list or a slot taken twice. (The due and claimed
// indexes are read with their stale entries dropped on the way.) id
// reads the delivery id back from an entry's key.
var exactIndexes = []struct {
	name   string
	bucket []byte
	key    func(*pregonero.Delivery) []byte
	id     func(k []byte) []byte
}{
	{"held", bucketHeld, heldIndexKey, func(k []byte) []byte { return afterAccount(k, 0) }},
	{"account_queue", bucketAccountQueue, queueIndexKey, func(k []byte) []byte { return afterAccount(k, timeKeyLen) }},
}

// afterAccount is what follows account ‖ 0x00 and skip more bytes in an
// index key: the delivery id; nil when the key is too short.
func afterAccount(k []byte, skip int) []byte {
	i := bytes.IndexByte(k, 0)
	if i < 0 || len(k) <= i+1+skip {
		return nil
	}
	return k[i+1+skip:]
}

// checkIndexes, part of CheckFile alone, compares each of exactIndexes
// with the deliveries both ways: every delivery has its entry, and every
// entry names a delivery that has it. Each lookup is a search of the
// other side, so it needs no memory that grows with the file; it reads
// every delivery, which is why the check at start-up, whose time must
// not grow with the posts kept, leaves it out.
func checkIndexes(ctx context.Context, tx *bbolt.Tx, r *CheckReport) {
	deliveries := tx.Bucket(bucketDeliveries)
	if deliveries == nil {
		return
	}
	n := 0
	stop := func() bool {
		n++
		return n%1024 == 0 && ctx.Err() != nil
	}
	err := deliveries.ForEach(func(k, v []byte) error {
		if stop() {
			return ctx.Err()
		}
		d, err := decodeDelivery(v)
		if err != nil {
			r.problem(fmt.Sprintf("delivery %s cannot be read: %v", k, err))
			return nil
		}
		for _, idx := range exactIndexes {
			b := tx.Bucket(idx.bucket)
			if key := idx.key(d); b != nil && key != nil && b.Get(key) == nil {
				r.problem(fmt.Sprintf("index %s: delivery %s (%s, %s) has no entry", idx.name, d.ID, d.AccountID, d.State))
			}
		}
		return nil
	})
	for _, idx := range exactIndexes {
		b := tx.Bucket(idx.bucket)
		if err != nil || b == nil {
			break
		}
		err = b.ForEach(func(k, _ []byte) error {
			if stop() {
				return ctx.Err()
			}
			id := idx.id(k)
			v := deliveries.Get(id)
			if v == nil {
				r.problem(fmt.Sprintf("index %s: entry %q names no delivery", idx.name, k))
				return nil
			}
			d, err := decodeDelivery(v)
			if err != nil {
				return nil // said above
			}
			if !bytes.Equal(idx.key(d), k) {
				r.problem(fmt.Sprintf("index %s: entry %q does not match delivery %s (%s, %s)", idx.name, k, d.ID, d.AccountID, d.State))
			}
			return nil
		})
	}
	if err != nil {
		r.Complete = false
	}
}

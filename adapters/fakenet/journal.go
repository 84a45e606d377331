package fakenet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"pregonero"
	"pregonero/atomicfile"
)

// A ledger kept in a file writes one JSON record a line: {"v":1,"op":"add",
// "post":{…}} when a fake accepts a post and {"v":1,"op":"delete",
// "network","remote_id"} when one is deleted, each synced to disk before
// the fake answers. Appending costs one small write and one fsync a
// change, whatever the ledger's size; rewriting a snapshot at every change
// would cost the whole ledger each time. The file is rewritten whole, to
// the live posts alone, when the ledger is opened and whenever the
// deletions make it more than twice as long as it needs to be.

// LedgerFileName is the name of the ledger's file in a sandbox data
// directory.
const LedgerFileName = "ledger.jsonl"

// recordVersion is the version of the records this program writes and
// reads.
const recordVersion = 1

const (
	opAdd    = "add"
	opDelete = "delete"
)

// compactSlack is how many records beyond twice the live posts a ledger
// file may hold before it is rewritten.
const compactSlack = 1024

// record is one line of a ledger file.
type record struct {
	V        int         `json:"v"`
	Op       string      `json:"op"`
	Post     *storedPost `json:"post,omitempty"`
	Network  string      `json:"network,omitempty"`
	RemoteID string      `json:"remote_id,omitempty"`
}

// storedPost is a Post as a ledger file keeps it: Extra included, which
// Post's own JSON form leaves out.
type storedPost struct {
	Network   string            `json:"network"`
	Account   string            `json:"account"`
	RemoteID  string            `json:"remote_id"`
	Text      string            `json:"text"`
	Media     []PostMedia       `json:"media,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	Extra     map[string]string `json:"extra,omitempty"`
}

func addRecord(p Post) record {
	return record{V: recordVersion, Op: opAdd, Post: &storedPost{Network: p.Network, Account: p.Account, RemoteID: p.RemoteID,
		Text: p.Text, Media: p.Media, CreatedAt: p.CreatedAt, Extra: p.Extra}}
}

// Recovery is what Open found in a ledger file.
type Recovery struct {
	// Posts is how many posts the file held.
	Posts int
	// DroppedBytes is the length of a record cut short at the end of the
	// file, which Open dropped: the write of a post or deletion the
	// process did not live to finish, so no client was told it happened.
	DroppedBytes int
}

// errClosed is what a change to a ledger gets after Close.
var errClosed = errors.New("the ledger's file is closed")

// journal is the open ledger file.
type journal struct {
	path    string
	f       *os.File
	size    int64 // bytes of whole records
	records int
	// err, once set, fails every later change: the ledger is closed, or a
	// failed write left part of a record that could not be removed.
	err error
}

// append writes one record and syncs it; a failed write is cut off again
// so that the file stays a sequence of whole records.
func (j *journal) append(r record) error {
	if j.err != nil {
		return j.err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode ledger record: %w", err)
	}
	b = append(b, '\n')
	if _, err := j.f.Write(b); err != nil {
		j.undo()
		return fmt.Errorf("write %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		j.undo()
		return fmt.Errorf("sync %s: %w", j.path, err)
	}
	j.size += int64(len(b))
	j.records++
	return nil
}

func (j *journal) undo() {
	if err := j.f.Truncate(j.size); err != nil {
		j.err = fmt.Errorf("%s ends in a partly written record that could not be removed (%w); restart the sandbox", j.path, err)
	}
}

// Open keeps the ledger in the file at path from now on: it reads the
// posts the file holds (none when it does not exist yet), rewrites the
// file with them alone, and from then on records every change there
// before Add or Delete returns. The ledger must be empty and not open.
//
// A record cut short at the end of the file is what a crash during a
// write leaves; it is dropped (logged, and counted in the Recovery), as
// no client heard of that change. Any other damage fails Open with an
// error naming the file and the line, and the file is left as it was:
// dropping a post that was accepted would let a scheduler that finds it
// missing send it again.
func (l *Ledger) Open(path string, log *slog.Logger) (Recovery, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.journal != nil {
		return Recovery{}, fmt.Errorf("open ledger %s: already kept in %s", path, l.journal.path)
	}
	if len(l.posts) > 0 {
		return Recovery{}, fmt.Errorf("open ledger %s: the ledger already holds %d posts", path, len(l.posts))
	}
	if log != nil {
		l.log = log
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Recovery{}, fmt.Errorf("open ledger: %w", err)
	}
	rec, err := l.replay(path, data)
	if err != nil {
		l.posts, l.index = nil, make(map[ledgerKey]struct{})
		return Recovery{}, err
	}
	if rec.DroppedBytes > 0 {
		l.log.Warn("sandbox ledger ended in a record cut short by a crash; dropped it",
			pregonero.LogFile, path, pregonero.LogBytes, rec.DroppedBytes)
	}
	j, err := writeLedgerFile(path, l.posts)
	if err != nil {
		l.posts, l.index = nil, make(map[ledgerKey]struct{})
		return Recovery{}, fmt.Errorf("open ledger: %w", err)
	}
	l.journal = j
	return rec, nil
}

// replay applies the records of a ledger file; callers hold l.mu.
func (l *Ledger) replay(path string, data []byte) (Recovery, error) {
	var rec Recovery
	for line := 1; len(data) > 0; line++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			rec.DroppedBytes = len(data)
			break
		}
		b := data[:i]
		data = data[i+1:]
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if err := l.apply(b); err != nil {
			return Recovery{}, fmt.Errorf("sandbox ledger %s, line %d: %w; the file was left as it is (move it aside to start an empty sandbox)", path, line, err)
		}
	}
	rec.Posts = len(l.posts)
	return rec, nil
}

// apply applies one record; callers hold l.mu.
func (l *Ledger) apply(b []byte) error {
	var r record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return fmt.Errorf("not a ledger record: %w", err)
	}
	if r.V != recordVersion {
		return fmt.Errorf("record version %d, and this program reads version %d", r.V, recordVersion)
	}
	switch r.Op {
	case opAdd:
		sp := r.Post
		if sp == nil || sp.Network == "" || sp.RemoteID == "" {
			return errors.New("an added post needs a network and a remote id")
		}
		k := ledgerKey{sp.Network, sp.RemoteID}
		if _, ok := l.index[k]; ok {
			return fmt.Errorf("%s post %s added twice", sp.Network, sp.RemoteID)
		}
		l.insert(Post{Network: sp.Network, Account: sp.Account, RemoteID: sp.RemoteID, Text: sp.Text,
			Media: sp.Media, CreatedAt: sp.CreatedAt.UTC(), Extra: sp.Extra})
	case opDelete:
		if r.Network == "" || r.RemoteID == "" {
			return errors.New("a deletion needs a network and a remote id")
		}
		// A post deleted twice is gone all the same.
		if k := (ledgerKey{r.Network, r.RemoteID}); l.hasKey(k) {
			l.remove(k)
		}
	default:
		return fmt.Errorf("unknown operation %q", r.Op)
	}
	return nil
}

func (l *Ledger) hasKey(k ledgerKey) bool {
	_, ok := l.index[k]
	return ok
}

// writeLedgerFile replaces the file at path, atomically, by one holding
// the posts, and opens it for appending.
func writeLedgerFile(path string, posts []Post) (*journal, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write ledger: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	var buf bytes.Buffer
	for _, p := range posts {
		b, err := json.Marshal(addRecord(p))
		if err != nil {
			tmp.Close()
			return nil, fmt.Errorf("write ledger: encode %s post %s: %w", p.Network, p.RemoteID, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	size := int64(buf.Len())
	_, err = tmp.Write(buf.Bytes())
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("write ledger %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("write ledger: %w", err)
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return nil, fmt.Errorf("write ledger: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write ledger: %w", err)
	}
	return &journal{path: path, f: f, size: size, records: len(posts)}, nil
}

// compactIfDue rewrites the ledger file to the live posts once deletions
// made it long; callers hold l.mu. A failure keeps the longer file, which
// is still right.
func (l *Ledger) compactIfDue() {
	j := l.journal
	if j == nil || j.err != nil || j.records <= 2*len(l.posts)+compactSlack {
		return
	}
	nj, err := writeLedgerFile(j.path, l.posts)
	if err != nil {
		l.log.Warn("sandbox ledger file not compacted", pregonero.LogFile, j.path, pregonero.LogErr, err)
		return
	}
	_ = j.f.Close() // the file was replaced; nothing is left to write through it
	l.journal = nj
}

// Close closes the ledger's file; later changes fail. A ledger that lives
// in memory has nothing to close.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	j := l.journal
	if j == nil || j.err == errClosed {
		return nil
	}
	j.err = errClosed
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("close ledger %s: %w", j.path, err)
	}
	return nil
}

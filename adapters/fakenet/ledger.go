package fakenet

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"pregonero"
)

// PostMedia is one media item attached to an accepted post. Type is the
// MIME type the client declared when uploading, so the shape is the same
// for every network.
type PostMedia struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	AltText string `json:"alt_text,omitempty"`
	Size    int64  `json:"size"`
}

// Post is a post a fake accepted. Text is exactly what the client sent,
// not the form the network shows on reads (X rewrites links and escapes
// HTML), so scripts can compare it with what they scheduled. Account is
// the sandbox user name, page id or channel id the post went to.
type Post struct {
	Network   string      `json:"network"`
	Account   string      `json:"account"`
	RemoteID  string      `json:"remote_id"`
	Text      string      `json:"text"`
	Media     []PostMedia `json:"media"`
	CreatedAt time.Time   `json:"created_at"`
	// Extra holds what else the fake that accepted the post needs to
	// adopt it again after a restart of a sandbox that keeps its data (a
	// YouTube video's tags, a Facebook video's title), under keys of that
	// fake's choosing. It is optional: a fake adopts a post without it as
	// well as the rest allows. GET /_sandbox/posts does not show it.
	Extra map[string]string `json:"extra,omitempty"`
}

// MarshalJSON writes CreatedAt in UTC with nanoseconds, the form the
// /_sandbox/posts contract promises, and media as [] rather than null.
func (p Post) MarshalJSON() ([]byte, error) {
	media := p.Media
	if media == nil {
		media = []PostMedia{}
	}
	return json.Marshal(struct {
		Network   string      `json:"network"`
		Account   string      `json:"account"`
		RemoteID  string      `json:"remote_id"`
		Text      string      `json:"text"`
		Media     []PostMedia `json:"media"`
		CreatedAt string      `json:"created_at"`
	}{p.Network, p.Account, p.RemoteID, p.Text, media, p.CreatedAt.UTC().Format(time.RFC3339Nano)})
}

func (p Post) clone() Post {
	p.Media = slices.Clone(p.Media)
	p.Extra = maps.Clone(p.Extra)
	return p
}

type ledgerKey struct{ network, remoteID string }

// Ledger is the thread-safe record of the posts the fakes accepted and
// that were not deleted since. It lives in memory, and also in a file once
// Open was called.
type Ledger struct {
	mu      sync.Mutex
	posts   []Post // ordered by CreatedAt, then by insertion
	index   map[ledgerKey]struct{}
	journal *journal // nil while the ledger lives in memory only
	log     *slog.Logger
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{index: make(map[ledgerKey]struct{}), log: slog.New(slog.DiscardHandler)}
}

// Add records an accepted post. A network never reuses a post id, so a
// second post with the same network and remote id is a bug in the fake and
// is refused. A ledger kept in a file returns only once the post is on
// disk, and refuses the post when it cannot be written: a fake answers
// that as a server error, and the post was not accepted.
func (l *Ledger) Add(p Post) error {
	if p.Network == "" || p.RemoteID == "" {
		return fmt.Errorf("ledger add: network and remote id are required")
	}
	p = p.clone()
	p.CreatedAt = p.CreatedAt.UTC()
	k := ledgerKey{p.Network, p.RemoteID}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.index[k]; ok {
		return fmt.Errorf("ledger add: %s post %s already recorded", p.Network, p.RemoteID)
	}
	if l.journal != nil {
		if err := l.journal.append(addRecord(p)); err != nil {
			return fmt.Errorf("ledger add: %w", err)
		}
	}
	l.insert(p)
	l.compactIfDue()
	return nil
}

// insert puts a post in order; callers hold l.mu and checked the index.
func (l *Ledger) insert(p Post) {
	k := ledgerKey{p.Network, p.RemoteID}
	// Posts nearly always arrive in time order, so the insertion point is
	// found from the end.
	i := len(l.posts)
	for i > 0 && l.posts[i-1].CreatedAt.After(p.CreatedAt) {
		i--
	}
	l.posts = slices.Insert(l.posts, i, p)
	l.index[k] = struct{}{}
}

// Delete removes a post and reports whether it was there. The fake
// already deleted the post from its own model when it calls Delete, so
// a ledger kept in a file that cannot record the deletion still removes
// the post from memory and logs the failure: after a restart the post
// would be back.
func (l *Ledger) Delete(network, remoteID string) bool {
	k := ledgerKey{network, remoteID}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.index[k]; !ok {
		return false
	}
	if l.journal != nil {
		if err := l.journal.append(record{V: recordVersion, Op: opDelete, Network: network, RemoteID: remoteID}); err != nil {
			l.log.Error("sandbox ledger could not record a deletion; the post will be back after a restart",
				pregonero.LogFile, l.journal.path, pregonero.LogNetwork, network, pregonero.LogRemoteID, remoteID, pregonero.LogErr, err)
		}
	}
	l.remove(k)
	l.compactIfDue()
	return true
}

// remove takes a post out of memory; callers hold l.mu.
func (l *Ledger) remove(k ledgerKey) {
	network, remoteID := k.network, k.remoteID
	delete(l.index, k)
	l.posts = slices.DeleteFunc(l.posts, func(p Post) bool {
		return p.Network == network && p.RemoteID == remoteID
	})
}

// Get returns the post with the given network and remote id.
func (l *Ledger) Get(network, remoteID string) (Post, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.index[ledgerKey{network, remoteID}]; !ok {
		return Post{}, false
	}
	for _, p := range l.posts {
		if p.Network == network && p.RemoteID == remoteID {
			return p.clone(), true
		}
	}
	return Post{}, false
}

// Posts returns every recorded post ordered by CreatedAt.
func (l *Ledger) Posts() []Post { return l.Filter("", "") }

// Filter returns the recorded posts of one network and account ordered by
// CreatedAt; an empty argument matches everything.
func (l *Ledger) Filter(network, account string) []Post {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Post, 0, len(l.posts))
	for _, p := range l.posts {
		if (network == "" || p.Network == network) && (account == "" || p.Account == account) {
			out = append(out, p.clone())
		}
	}
	return out
}

// ServeHTTP answers GET /_sandbox/posts with
// {"posts":[{"network","account","remote_id","text","media","created_at"}]},
// optionally narrowed by the network and account query parameters.
func (l *Ledger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Use GET to list the accepted posts.")
		return
	}
	q := r.URL.Query()
	WriteJSON(w, http.StatusOK, struct {
		Posts []Post `json:"posts"`
	}{l.Filter(q.Get("network"), q.Get("account"))})
}

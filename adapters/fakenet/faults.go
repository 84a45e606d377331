package fakenet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Mode is what a fault rule does to a matching request.
type Mode string

// Fault modes.
const (
	// ModeError answers the rule's status with the network's own error
	// body for that status, without performing the operation.
	ModeError Mode = "error"
	// ModeDropAfterAccept performs the operation fully (a post is
	// recorded in the ledger) and then closes the connection without
	// answering: the outcome a client cannot know.
	ModeDropAfterAccept Mode = "drop_after_accept"
	// ModeDelay waits DelayMS before handling the request normally.
	ModeDelay Mode = "delay"
)

// AnyOp matches every operation of a network.
const AnyOp = "*"

// MaxDelay bounds a delay rule so that a typo cannot hang a client for
// hours.
const MaxDelay = 10 * time.Minute

// Rule is one fault rule. Count is how many more requests the rule will
// affect; 0 means until the rules are cleared. Probability is the chance
// that a matching request is affected; 0 means always.
type Rule struct {
	ID          int     `json:"id"`
	Network     string  `json:"network"`
	Op          string  `json:"op"`
	Mode        Mode    `json:"mode"`
	Status      int     `json:"status,omitempty"`
	Probability float64 `json:"probability"`
	Count       int     `json:"count"`
	DelayMS     int     `json:"delay_ms,omitempty"`
	// Code and Subcode are the network's own error code and subcode for
	// mode error, for fakes whose errors carry one (Graph: 190, 368, 9007
	// with 2207027…); zero lets the fake choose one fitting Status.
	Code    int `json:"code,omitempty"`
	Subcode int `json:"subcode,omitempty"`
}

// Delay is the rule's delay as a duration.
func (r Rule) Delay() time.Duration { return time.Duration(r.DelayMS) * time.Millisecond }

// Faults holds the fault rules the fakes consult on every request. It is
// safe for concurrent use; its randomness is seeded so a run with faults of
// probability below 1 can be repeated.
type Faults struct {
	mu     sync.Mutex
	rng    *rand.Rand
	rules  []*Rule
	nextID int
	ops    map[string][]string // network → operations its fake knows
}

// NewFaults returns an empty rule set whose coin flips derive from seed.
func NewFaults(seed uint64) *Faults {
	return &Faults{
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		nextID: 1,
		ops:    make(map[string][]string),
	}
}

// Register declares a network and the operations its fake recognizes, so
// that a rule naming an unknown network or operation is refused when it is
// added instead of silently never matching.
func (f *Faults) Register(network string, ops ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, op := range ops {
		if !slices.Contains(f.ops[network], op) {
			f.ops[network] = append(f.ops[network], op)
		}
	}
	if _, ok := f.ops[network]; !ok {
		f.ops[network] = nil
	}
}

// Add validates a rule, fills its defaults (probability 1, status 503 for
// errors) and appends it. The returned rule carries its id.
func (f *Faults) Add(r Rule) (Rule, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.validate(&r); err != nil {
		return Rule{}, err
	}
	r.ID = f.nextID
	f.nextID++
	f.rules = append(f.rules, &r)
	return r, nil
}

func (f *Faults) validate(r *Rule) error {
	ops, ok := f.ops[r.Network]
	if !ok {
		return fmt.Errorf("unknown network %q; known networks: %s", r.Network, strings.Join(f.networks(), ", "))
	}
	if r.Op == "" {
		return errors.New(`op is required ("*" matches every operation)`)
	}
	if r.Op != AnyOp && !slices.Contains(ops, r.Op) {
		return fmt.Errorf("unknown op %q for network %q; known ops: %s, *", r.Op, r.Network, strings.Join(ops, ", "))
	}
	switch r.Mode {
	case ModeError:
		if r.Status == 0 {
			r.Status = http.StatusServiceUnavailable
		}
		if r.Status < 400 || r.Status > 599 {
			return fmt.Errorf("status %d is not an error status (400-599)", r.Status)
		}
	case ModeDelay:
		if r.DelayMS <= 0 {
			return errors.New("delay_ms must be positive for mode delay")
		}
		if r.Delay() > MaxDelay {
			return fmt.Errorf("delay_ms %d exceeds the maximum of %d", r.DelayMS, MaxDelay.Milliseconds())
		}
	case ModeDropAfterAccept:
	case "":
		return errors.New(`mode is required: "error", "drop_after_accept" or "delay"`)
	default:
		return fmt.Errorf(`unknown mode %q; use "error", "drop_after_accept" or "delay"`, r.Mode)
	}
	if r.Mode != ModeError && r.Status != 0 {
		return fmt.Errorf("status applies only to mode error, not %q", r.Mode)
	}
	if r.Mode != ModeError && (r.Code != 0 || r.Subcode != 0) {
		return fmt.Errorf("code and subcode apply only to mode error, not %q", r.Mode)
	}
	if r.Mode != ModeDelay && r.DelayMS != 0 {
		return fmt.Errorf("delay_ms applies only to mode delay, not %q", r.Mode)
	}
	if r.Probability < 0 || r.Probability > 1 {
		return fmt.Errorf("probability %v is outside [0, 1]", r.Probability)
	}
	if r.Probability == 0 {
		r.Probability = 1
	}
	if r.Count < 0 {
		return fmt.Errorf("count %d is negative (0 means until cleared)", r.Count)
	}
	return nil
}

func (f *Faults) networks() []string {
	ns := make([]string, 0, len(f.ops))
	for n := range f.ops {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// Match returns the first rule that applies to a request for op on
// network, flipping the rule's coin and consuming one of its count in the
// same critical section, so concurrent requests never overspend a rule.
func (f *Faults) Match(network, op string) (Rule, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.Network != network || (r.Op != AnyOp && r.Op != op) {
			continue
		}
		if r.Probability < 1 && f.rng.Float64() >= r.Probability {
			continue
		}
		hit := *r
		if r.Count > 0 {
			r.Count--
			if r.Count == 0 {
				f.rules = slices.Delete(f.rules, i, i+1)
			}
		}
		return hit, true
	}
	return Rule{}, false
}

// Rules returns the active rules; Count is what remains of each.
func (f *Faults) Rules() []Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Rule, len(f.rules))
	for i, r := range f.rules {
		out[i] = *r
	}
	return out
}

// Clear removes every rule and returns how many there were.
func (f *Faults) Clear() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.rules)
	f.rules = nil
	return n
}

// ServeHTTP serves /_sandbox/faults: POST adds a rule (201 with the rule),
// GET lists the rules, DELETE clears them all.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		WriteJSON(w, http.StatusOK, struct {
			Faults []Rule `json:"faults"`
		}{f.Rules()})
	case http.MethodDelete:
		WriteJSON(w, http.StatusOK, struct {
			Cleared int `json:"cleared"`
		}{f.Clear()})
	case http.MethodPost:
		var in struct {
			Network     string  `json:"network"`
			Op          string  `json:"op"`
			Mode        Mode    `json:"mode"`
			Status      int     `json:"status"`
			Probability float64 `json:"probability"`
			Count       int     `json:"count"`
			DelayMS     int     `json:"delay_ms"`
			Code        int     `json:"code"`
			Subcode     int     `json:"subcode"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			WriteError(w, http.StatusBadRequest, "invalid", "fault rule body: "+err.Error())
			return
		}
		rule, err := f.Add(Rule{Network: in.Network, Op: in.Op, Mode: in.Mode, Status: in.Status,
			Probability: in.Probability, Count: in.Count, DelayMS: in.DelayMS, Code: in.Code, Subcode: in.Subcode})
		if err != nil {
			WriteError(w, http.StatusBadRequest, "invalid", "fault rule: "+err.Error())
			return
		}
		WriteJSON(w, http.StatusCreated, rule)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST, DELETE")
		WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Use GET, POST or DELETE on /_sandbox/faults.")
	}
}

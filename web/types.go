package web

import (
	"time"

	"pregonero"
)

// PostRequest is the body of POST /api/v1/posts.
type PostRequest struct {
	Text  string   `json:"text,omitempty"`
	Link  string   `json:"link,omitempty"`
	Media []string `json:"media,omitempty"` // media ids from POST /api/v1/media
	// Targets are account ids; each gets its own delivery.
	Targets []string `json:"targets,omitempty"`
	// Overrides replace parts of the post for one target account.
	Overrides map[string]pregonero.Override `json:"overrides,omitempty"`
	// ScheduledAt is RFC 3339 with an offset, or a local date and time
	// ("2026-11-28T09:00", "2026-11-28 09:00") in Timezone or else the
	// server's zone. Empty means as soon as possible.
	ScheduledAt string `json:"scheduled_at,omitempty"`
	// Timezone is an IANA zone name for a ScheduledAt without offset.
	Timezone string `json:"timezone,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	Author   string `json:"author,omitempty"`
	Unit     string `json:"unit,omitempty"`
}

// ValidateRequest is the body of POST /api/v1/validate: a post checked
// against its targets, or against a network's rules alone when Network is
// given instead of targets.
type ValidateRequest struct {
	PostRequest
	Network pregonero.Network `json:"network,omitempty"`
}

// ValidateResponse says whether a post would be accepted, and why not.
type ValidateResponse struct {
	Valid bool `json:"valid"`
	// Errors are about the post itself rather than one target.
	Errors  []pregonero.FieldError `json:"errors"`
	Results []ValidateResult       `json:"results"`
}

// ValidateResult is the verdict for one target.
type ValidateResult struct {
	Target  string            `json:"target"`
	Network pregonero.Network `json:"network,omitempty"`
	// WeightedLength and Limit are X's character count and limit, set for
	// X targets only.
	WeightedLength *int                   `json:"weighted_length,omitempty"`
	Limit          *int                   `json:"limit,omitempty"`
	Errors         []pregonero.FieldError `json:"errors"`
}

// PauseRequest is the body of POST /api/v1/pause.
type PauseRequest struct {
	Reason  string `json:"reason"`
	Account string `json:"account,omitempty"` // empty pauses everything
}

// ResumeRequest is the body of POST /api/v1/resume.
type ResumeRequest struct {
	Account string `json:"account,omitempty"` // empty lifts the global pause
}

// PauseResult is the pause state after a pause: global, or of one account.
type PauseResult struct {
	Account string    `json:"account,omitempty"`
	Paused  bool      `json:"paused"`
	Reason  string    `json:"reason,omitempty"`
	Since   time.Time `json:"since,omitzero"`
}

// AccountList is the body of GET /api/v1/accounts.
type AccountList struct {
	Accounts []*pregonero.Account `json:"accounts"`
}

// postView is a post as the API shows it: UTC instants plus the scheduled
// time in the configured zone, for display.
type postView struct {
	*pregonero.Post
	ScheduledAtLocal string `json:"scheduled_at_local"`
}

// pageView is one page of a post listing.
type pageView struct {
	Posts []postView `json:"posts"`
	Next  string     `json:"next_cursor,omitempty"`
}

func (s *Server) viewPost(p *pregonero.Post) postView {
	utcPost(p)
	return postView{Post: p, ScheduledAtLocal: p.ScheduledAt.In(s.loc).Format(time.RFC3339)}
}

// utcPost makes every instant of a post UTC, so that JSON shows them the
// same way whatever the store hands back.
func utcPost(p *pregonero.Post) {
	p.ScheduledAt, p.CreatedAt, p.UpdatedAt = p.ScheduledAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.Deliveries == nil {
		p.Deliveries = []*pregonero.Delivery{}
	}
	for _, d := range p.Deliveries {
		utcDelivery(d)
	}
}

func utcDelivery(d *pregonero.Delivery) {
	d.ScheduledAt, d.NextAttemptAt, d.PublishedAt, d.UpdatedAt, d.ReleasedAt = utc(d.ScheduledAt), utc(d.NextAttemptAt), utc(d.PublishedAt), utc(d.UpdatedAt), utc(d.ReleasedAt)
	if d.Attempts == nil {
		d.Attempts = []pregonero.Attempt{}
	}
	for i := range d.Attempts {
		d.Attempts[i].StartedAt, d.Attempts[i].FinishedAt = utc(d.Attempts[i].StartedAt), utc(d.Attempts[i].FinishedAt)
	}
	if d.LastError != nil {
		d.LastError.At = utc(d.LastError.At)
	}
}

// utc keeps the zero time zero, so omitzero still omits it.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// PostPatch is the body of PATCH /api/v1/posts/{id}: the fields present
// replace the post's; absent ones are kept. Targets cannot change: cancel
// the post and create another.
type PostPatch struct {
	Text        *string                        `json:"text,omitempty"`
	Link        *string                        `json:"link,omitempty"`
	Media       *[]string                      `json:"media,omitempty"`
	Overrides   *map[string]pregonero.Override `json:"overrides,omitempty"`
	ScheduledAt *string                        `json:"scheduled_at,omitempty"`
	Timezone    *string                        `json:"timezone,omitempty"`
	Campaign    *string                        `json:"campaign,omitempty"`
	Author      *string                        `json:"author,omitempty"`
	Unit        *string                        `json:"unit,omitempty"`
}

package web

import (
	"time"

	"pregonero"
	"pregonero/posting"
)

// PostRequest is the body of POST /api/v1/posts.
type PostRequest = posting.Draft

// ValidateRequest is the body of POST /api/v1/validate: a post checked
// against its targets, or against a network's rules alone when Network is
// given instead of targets.
type ValidateRequest struct {
	PostRequest
	Network pregonero.Network `json:"network,omitempty"`
}

// ValidateResponse says whether a post would be accepted, and why not.
type ValidateResponse = posting.Verdict

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
	Accounts []AccountStatus `json:"accounts"`
}

// AccountStatus is an account as GET /api/v1/accounts shows it: the
// account, without its credentials, and for an account of a network that
// bills metric reads (X) what its reads cost today.
type AccountStatus struct {
	*pregonero.Account
	BilledReadsToday *posting.BilledReads `json:"billed_reads_today,omitempty"`
}

// ScheduleRequest is the body of POST /api/v1/posts/{id}/schedule, which
// schedules a draft. Without ScheduledAt the draft goes out at its own
// time, or as soon as possible when it has none.
type ScheduleRequest struct {
	// ScheduledAt is RFC 3339, or a local date and time in Timezone (else
	// the server's zone), as on create.
	ScheduledAt string `json:"scheduled_at,omitempty"`
	Timezone    string `json:"timezone,omitempty"`
}

// postView is a post as the API shows it: UTC instants plus the scheduled
// time in the configured zone, for display (left out for a draft without
// a time).
type postView struct {
	*pregonero.Post
	ScheduledAtLocal string `json:"scheduled_at_local,omitempty"`
}

// pageView is one page of a post listing.
type pageView struct {
	Posts []postView `json:"posts"`
	Next  string     `json:"next_cursor,omitempty"`
}

func (s *Server) viewPost(p *pregonero.Post) postView {
	utcPost(p)
	v := postView{Post: p}
	if !p.ScheduledAt.IsZero() {
		v.ScheduledAtLocal = p.ScheduledAt.In(s.loc).Format(time.RFC3339)
	}
	return v
}

// utcPost makes every instant of a post UTC, so that JSON shows them the
// same way whatever the store hands back.
func utcPost(p *pregonero.Post) {
	p.ScheduledAt, p.CreatedAt, p.UpdatedAt, p.CanceledAt = utc(p.ScheduledAt), p.CreatedAt.UTC(), p.UpdatedAt.UTC(), utc(p.CanceledAt)
	if p.Deliveries == nil {
		p.Deliveries = []*pregonero.Delivery{}
	}
	for _, d := range p.Deliveries {
		utcDelivery(d)
	}
}

func utcDelivery(d *pregonero.Delivery) {
	d.ScheduledAt, d.NextAttemptAt, d.PublishedAt, d.UpdatedAt, d.ReleasedAt = utc(d.ScheduledAt), utc(d.NextAttemptAt), utc(d.PublishedAt), utc(d.UpdatedAt), utc(d.ReleasedAt)
	d.RetriedAt = utc(d.RetriedAt)
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
// replace the post's; absent ones are kept. Only a draft's targets can
// change: cancel a scheduled post and create another.
type PostPatch = posting.Patch
